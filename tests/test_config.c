/*
 * test_config.c - the configuration table: defaults, every kind of bad
 * value, .env parsing with line numbers, precedence, redaction, and that
 * .env.example documents every variable with its real default.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_test.h"
#include "scaleadvisor/config.h"
#include "scaleadvisor/predict.h"
#include "scaleadvisor/banned.h"

static void clear_env(void)
{
    for (size_t i = 0; i < sa_config_count(); i++)
        unsetenv(sa_config_name(i));
}

static void defaults_match_interface(void **st)
{
    (void)st;
    sa_config c;
    sa_config_defaults(&c);
    assert_string_equal(c.groq_api_key, "");
    assert_string_equal(c.groq_base_url, "https://api.groq.com/openai/v1");
    assert_string_equal(c.groq_models, "openai/gpt-oss-120b,openai/gpt-oss-20b");
    assert_int_equal(c.llm_timeout_ms, 15000);
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 8080);
    assert_string_equal(c.db_path, "./data/scaleadvisor.db");
    assert_true(c.dry_run);
    assert_string_equal(c.api_token, "");
    assert_int_equal(c.source, SA_SRC_SIMULATOR);
    assert_true(c.interval_s > 0);
    /* the predictor's price: the service's default is the predictor's own */
    sa_predict_params pp;
    sa_predict_params_init(&pp);
    SA_ASSERT_NEAR(c.miss_cost_rh, pp.miss_cost_rh, 1e-12);
    SA_ASSERT_NEAR(c.min_accuracy, pp.min_accuracy, 1e-12);
    assert_int_equal(c.startup_s, 60);
}

static void bad_values_are_named(void **st)
{
    (void)st;
    static const char *bad[][2] = {
        {"SCALEADVISOR_LISTEN", "127.0.0.1"}, {"SCALEADVISOR_LISTEN", "127.0.0.1:99999"},
        {"SCALEADVISOR_LISTEN", ":8080"},     {"SCALEADVISOR_LISTEN", "host:80x"},
        {"SCALEADVISOR_LISTEN", "a b:80"},    {"SCALEADVISOR_DRY_RUN", "perhaps"},
        {"SCALEADVISOR_INTERVAL_S", "-5"},    {"SCALEADVISOR_INTERVAL_S", "0"},
        {"SCALEADVISOR_INTERVAL_S", "ten"},   {"LLM_TIMEOUT_MS", "99"},
        {"LLM_TEMPERATURE", "nan"},           {"LLM_MAX_COMPLETION_TOKENS", "100"},
        {"SCALEADVISOR_SOURCE", "consul"},    {"SCALEADVISOR_PRESET", "yolo"},
        {"GROQ_BASE_URL", "ftp://example"},   {"LLM_RESPONSE_FORMAT", "xml"},
        {"SCALEADVISOR_MISS_COST_RH", "-1"},  {"SCALEADVISOR_MISS_COST_RH", "dear"},
        {"SCALEADVISOR_MIN_ACCURACY", "1.5"}, {"SCALEADVISOR_MIN_ACCURACY", "high"},
        {"SCALEADVISOR_STARTUP_S", "-1"},     {"SCALEADVISOR_STARTUP_S", "3601"},
        {"SCALEADVISOR_STARTUP_S", "1.5"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sa_config c;
        sa_config_defaults(&c);
        sa_errbuf eb = {0};
        assert_int_equal(sa_config_set(&c, bad[i][0], bad[i][1], &eb), SA_ERR_INVALID);
        assert_non_null(strstr(eb.msg, bad[i][0]));
        assert_null(strchr(eb.msg, '\n'));
    }
    sa_config c;
    sa_config_defaults(&c);
    sa_errbuf eb = {0};
    assert_int_equal(sa_config_set(&c, "NOPE", "1", &eb), SA_ERR_NOTFOUND);
    char longv[SA_CFG_STR_MAX + 10];
    memset(longv, 'a', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    assert_int_equal(sa_config_set(&c, "SCALEADVISOR_DB", longv, &eb), SA_ERR_INVALID);
}

static void listen_forms(void **st)
{
    (void)st;
    sa_config c;
    sa_config_defaults(&c);
    assert_int_equal(sa_config_set(&c, "SCALEADVISOR_LISTEN", "0.0.0.0:0", NULL), SA_OK);
    assert_string_equal(c.listen_host, "0.0.0.0");
    assert_int_equal(c.listen_port, 0);
    assert_int_equal(sa_config_set(&c, "SCALEADVISOR_LISTEN", "[::1]:9000", NULL), SA_OK);
    assert_string_equal(c.listen_host, "::1");
    assert_int_equal(c.listen_port, 9000);
}

static void env_file_and_precedence(void **st)
{
    (void)st;
    clear_env();
    char *dir = sa_test_tmpdir("config");
    char path[600];
    snprintf(path, sizeof path, "%s/test.env", dir);
    sa_test_write_file(path, "# comment\n\nexport SCALEADVISOR_INTERVAL_S=30\r\n"
                             "SCALEADVISOR_DB = \"/tmp/x.db\"\nGROQ_API_KEY='k-secret'\n"
                             "SCALEADVISOR_PRESET=conservative\n");
    sa_config c;
    sa_errbuf eb = {0};
    setenv("SCALEADVISOR_PRESET", "aggressive", 1);
    assert_int_equal(sa_config_load(&c, path, &eb), SA_OK);
    assert_int_equal(c.interval_s, 30);
    assert_string_equal(c.db_path, "/tmp/x.db");
    assert_string_equal(c.groq_api_key, "k-secret");
    assert_string_equal(c.preset, "aggressive"); /* environment beats the file */
    unsetenv("SCALEADVISOR_PRESET");

    sa_test_write_file(path, "SCALEADVISOR_INTERVAL_S=30\nBOGUS_KEY=1\n");
    assert_int_equal(sa_config_load(&c, path, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, ":2:"));
    sa_test_write_file(path, "just words\n");
    assert_int_equal(sa_config_load(&c, path, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, ":1: expected KEY=VALUE"));
    sa_test_write_file(path, "SCALEADVISOR_DRY_RUN=sometimes\n");
    assert_int_equal(sa_config_load(&c, path, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, "SCALEADVISOR_DRY_RUN"));

    snprintf(path, sizeof path, "%s/missing.env", dir);
    assert_int_equal(sa_config_load(&c, path, &eb), SA_ERR_IO);

    setenv("SCALEADVISOR_LISTEN", "nonsense", 1);
    assert_int_equal(sa_config_load(&c, NULL, &eb), SA_ERR_INVALID);
    unsetenv("SCALEADVISOR_LISTEN");
    sa_test_rmtree(dir);
    free(dir);
}

static void dump_redacts_secrets(void **st)
{
    (void)st;
    sa_config c;
    sa_config_defaults(&c);
    assert_int_equal(sa_config_set(&c, "GROQ_API_KEY", "gsk_supersecret", NULL), SA_OK);
    assert_int_equal(sa_config_set(&c, "SCALEADVISOR_API_TOKEN", "tok-123456", NULL), SA_OK);
    sa_buf b;
    sa_buf_init(&b, 1 << 16);
    assert_int_equal(sa_config_dump(&c, &b), SA_OK);
    assert_null(strstr(b.data, "gsk_supersecret"));
    assert_null(strstr(b.data, "tok-123456"));
    assert_non_null(strstr(b.data, "GROQ_API_KEY=(set)"));
    assert_non_null(strstr(b.data, "K8S_TOKEN=(unset)"));
    assert_non_null(strstr(b.data, "SCALEADVISOR_LISTEN=127.0.0.1:8080"));
    sa_buf_release(&b);
}

/* .env.example lists every variable of the table, and loading it as an
 * env file gives exactly the defaults. */
static void env_example_lists_every_variable(void **st)
{
    (void)st;
    clear_env();
    char *path = sa_test_source_path(".env.example");
    sa_buf text;
    sa_buf_init(&text, 1 << 20);
    sa_errbuf eb = {0};
    assert_int_equal(sa_buf_read_file(&text, path, &eb), SA_OK);
    for (size_t i = 0; i < sa_config_count(); i++) {
        char needle[128];
        snprintf(needle, sizeof needle, "\n%s=", sa_config_name(i));
        if (!strstr(text.data, needle))
            fail_msg(".env.example does not list %s", sa_config_name(i));
    }
    sa_config a, b;
    sa_config_defaults(&a);
    assert_int_equal(sa_config_load(&b, path, &eb), SA_OK);
    sa_buf da, db;
    sa_buf_init(&da, 1 << 16);
    sa_buf_init(&db, 1 << 16);
    assert_int_equal(sa_config_dump(&a, &da), SA_OK);
    assert_int_equal(sa_config_dump(&b, &db), SA_OK);
    assert_string_equal(da.data, db.data);
    sa_buf_release(&da);
    sa_buf_release(&db);
    sa_buf_release(&text);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_match_interface),
        cmocka_unit_test(bad_values_are_named),
        cmocka_unit_test(listen_forms),
        cmocka_unit_test(env_file_and_precedence),
        cmocka_unit_test(dump_redacts_secrets),
        cmocka_unit_test(env_example_lists_every_variable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
