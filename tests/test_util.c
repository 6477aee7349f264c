/*
 * test_util.c - parsing, buffers, time and the model name tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_test.h"
#include "scaleadvisor/buf.h"
#include "scaleadvisor/model.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

static void parse_int_strict(void **st)
{
    (void)st;
    int v = 7;
    assert_int_equal(sa_parse_int("42", 0, 100, &v), SA_OK);
    assert_int_equal(v, 42);
    assert_int_equal(sa_parse_int("", 0, 100, &v), SA_ERR_INVALID);
    assert_int_equal(sa_parse_int(" 4", 0, 100, &v), SA_ERR_INVALID);
    assert_int_equal(sa_parse_int("4x", 0, 100, &v), SA_ERR_INVALID);
    assert_int_equal(sa_parse_int("101", 0, 100, &v), SA_ERR_INVALID);
    assert_int_equal(sa_parse_int("-1", 0, 100, &v), SA_ERR_INVALID);
    assert_int_equal(sa_parse_int("99999999999999999999", 0, 100, &v), SA_ERR_INVALID);
    assert_int_equal(v, 42);
}

static void parse_double_and_bool(void **st)
{
    (void)st;
    double d = 0;
    bool b = false;
    assert_int_equal(sa_parse_double("0.25", 0, 1, &d), SA_OK);
    SA_ASSERT_NEAR(d, 0.25, 0);
    assert_int_equal(sa_parse_double("nan", 0, 1, &d), SA_ERR_INVALID);
    assert_int_equal(sa_parse_double("inf", 0, 1e300, &d), SA_ERR_INVALID);
    assert_int_equal(sa_parse_double("1.5", 0, 1, &d), SA_ERR_INVALID);
    assert_int_equal(sa_parse_bool("TRUE", &b), SA_OK);
    assert_true(b);
    assert_int_equal(sa_parse_bool("off", &b), SA_OK);
    assert_false(b);
    assert_int_equal(sa_parse_bool("maybe", &b), SA_ERR_INVALID);
}

static void buf_cap_frees(void **st)
{
    (void)st;
    sa_buf b;
    sa_buf_init(&b, 8);
    assert_int_equal(sa_buf_puts(&b, "1234"), SA_OK);
    assert_int_equal(sa_buf_puts(&b, "5678"), SA_OK);
    assert_string_equal(b.data, "12345678");
    assert_int_equal(sa_buf_puts(&b, "9"), SA_ERR_TOOBIG);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    sa_buf_release(&b);
}

static void buf_json_escapes(void **st)
{
    (void)st;
    sa_buf b;
    sa_buf_init(&b, 1024);
    assert_int_equal(sa_buf_json_str(&b, "a\"b\\c\n<script>\x01"), SA_OK);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u003cscript\\u003e\\u0001\"");
    sa_buf_release(&b);
}

static void time_round_trip(void **st)
{
    (void)st;
    double t = 0;
    char s[32];
    assert_int_equal(sa_parse_time("1995-07-01T04:00:00Z", &t), SA_OK);
    SA_ASSERT_NEAR(t, 804571200.0, 0);
    sa_time_iso8601((int64_t)t, s);
    assert_string_equal(s, "1995-07-01T04:00:00Z");
    assert_int_equal(sa_parse_time("1700000000", &t), SA_OK);
    SA_ASSERT_NEAR(t, 1700000000.0, 0);
    assert_int_equal(sa_parse_time("1970-01-01 00:05:00", &t), SA_OK);
    SA_ASSERT_NEAR(t, 300.0, 0);
    assert_int_equal(sa_parse_time("2024-13-01T00:00:00Z", &t), SA_ERR_INVALID);
    assert_int_equal(sa_parse_time("yesterday", &t), SA_ERR_INVALID);
    assert_int_equal(sa_parse_time("2024-01-01T00:00:00Zjunk", &t), SA_ERR_INVALID);
}

static void secure_streq(void **st)
{
    (void)st;
    assert_true(sa_secure_streq("token-123", "token-123"));
    assert_false(sa_secure_streq("token-123", "token-124"));
    assert_false(sa_secure_streq("token", "token-123"));
    assert_false(sa_secure_streq("", ""));
}

static void model_names_round_trip(void **st)
{
    (void)st;
    for (int a = SA_ACTION_MAINTAIN; a <= SA_ACTION_AT_MAX; a++) {
        sa_action back;
        assert_int_equal(sa_action_parse(sa_action_name((sa_action)a), &back), SA_OK);
        assert_int_equal((int)back, a);
    }
    sa_action x;
    assert_int_equal(sa_action_parse("SCALE_UP", &x), SA_ERR_INVALID);
    assert_string_equal(sa_source_name(SA_SOURCE_SAFETY), "safety");
    assert_string_equal(sa_timing_name(SA_TIMING_IMMEDIATE), "immediate");
}

static void count_index(void *ctx, size_t i)
{
    int *hits = ctx;
    __atomic_add_fetch(&hits[i], 1, __ATOMIC_RELAXED);
}

/* Every index once, whatever the number of threads (none for n = 0;
 * more threads than indices, or than SA_PARALLEL_MAX, are fine). */
static void parallel_for_each_index_once(void **state)
{
    (void)state;
    enum { N = 1000 };
    static const size_t threads[] = {1, 3, 8, 200};
    int *hits = calloc(N, sizeof *hits);
    assert_non_null(hits);
    sa_parallel_for(0, 8, count_index, hits);
    for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++) {
        memset(hits, 0, N * sizeof *hits);
        sa_parallel_for(N, threads[k], count_index, hits);
        for (size_t i = 0; i < N; i++)
            assert_int_equal(hits[i], 1);
    }
    memset(hits, 0, N * sizeof *hits);
    sa_parallel_for(2, 8, count_index, hits);
    assert_int_equal(hits[0] + hits[1] + hits[2], 2);
    free(hits);
}

/* The cgroup's memory limit: v2's number or "max", else v1's; no file or
 * v1's "unlimited" (near 2^63) is no limit. */
static void test_memory_limit(void **st)
{
    (void)st;
    char *dir = sa_test_tmpdir("memlimit");
    char v2[512], v1[512], none[512];
    snprintf(v2, sizeof v2, "%s/memory.max", dir);
    snprintf(v1, sizeof v1, "%s/memory.limit_in_bytes", dir);
    snprintf(none, sizeof none, "%s/absent", dir);
    sa_test_write_file(v2, "268435456\n");
    sa_test_write_file(v1, "9223372036854771712\n");
    assert_int_equal(sa_memory_limit_bytes(v2, v1), 268435456);
    assert_int_equal(sa_memory_limit_bytes(none, v1), 0);
    sa_test_write_file(v1, "536870912\n");
    assert_int_equal(sa_memory_limit_bytes(none, v1), 536870912);
    sa_test_write_file(v2, "max\n");
    assert_int_equal(sa_memory_limit_bytes(v2, v1), 0);
    assert_int_equal(sa_memory_limit_bytes(none, none), 0);
    sa_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_int_strict),       cmocka_unit_test(parse_double_and_bool),
        cmocka_unit_test(buf_cap_frees),          cmocka_unit_test(buf_json_escapes),
        cmocka_unit_test(time_round_trip),        cmocka_unit_test(secure_streq),
        cmocka_unit_test(model_names_round_trip), cmocka_unit_test(parallel_for_each_index_once),
        cmocka_unit_test(test_memory_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
