/*
 * test_store.c - the SQLite store: schema and migrations, sample dedupe,
 * transactions (rollback loses only the open cycle), retention, the
 * recommendation record with its context, the reads of the HTTP API
 * through a second read-only handle.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sa_test.h"
#include "scaleadvisor/store.h"
#include "scaleadvisor/banned.h"

typedef struct {
    char *dir;
    char path[1024];
    sa_store *w;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    sa_errbuf eb = {0};
    f->dir = sa_test_tmpdir("store");
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    assert_int_equal(sa_store_open(f->path, SA_STORE_READWRITE, &f->w, &eb), SA_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sa_store_close(f->w);
    sa_test_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void ctx_make(sa_context *c, const char *ns, const char *name, int replicas)
{
    sa_context_init(c);
    snprintf(c->namespace_, sizeof c->namespace_, "%s", ns);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->current_replicas = replicas;
    c->min_replicas = 2;
    c->max_replicas = 9;
}

static sa_sample sample_at(int64_t ts, double cpu)
{
    sa_sample x = {ts, cpu, 40.0, NAN, 3};
    return x;
}

static void test_schema_version_and_wal(void **state)
{
    fixture *f = *state;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sa_store_schema_version(f->w), SA_STORE_SCHEMA_VERSION);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_reopen_keeps_data_and_refuses_newer_schema(void **state)
{
    fixture *f = *state;
    sa_errbuf eb = {0};
    sa_context c;
    int64_t dep = 0, n = 0;
    sqlite3 *db = NULL;
    sa_sample x = sample_at(1000, 50);
    ctx_make(&c, "shop", "web", 3);
    assert_int_equal(sa_store_upsert_deployment(f->w, &c, 1000, &dep, &eb), SA_OK);
    assert_int_equal(sa_store_add_sample(f->w, dep, &x, NULL, &eb), SA_OK);
    sa_store_close(f->w);
    assert_int_equal(sa_store_open(f->path, SA_STORE_READWRITE, &f->w, &eb), SA_OK);
    assert_int_equal(sa_store_count_samples(f->w, dep, &n, &eb), SA_OK);
    assert_int_equal(n, 1);
    sa_store_close(f->w);
    f->w = NULL;
    /* A database written by a newer build is refused, with the versions. */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(sa_store_open(f->path, SA_STORE_READWRITE, &f->w, &eb), SA_ERR_DB);
    assert_null(f->w);
    assert_non_null(strstr(eb.msg, "99"));
}

static void test_samples_dedupe_and_load_order(void **state)
{
    fixture *f = *state;
    sa_errbuf eb = {0};
    sa_context c;
    int64_t dep = 0, last = 0;
    bool ins = false;
    sa_sample *v = NULL;
    size_t n = 0;
    ctx_make(&c, "shop", "web", 3);
    assert_int_equal(sa_store_upsert_deployment(f->w, &c, 1000, &dep, &eb), SA_OK);
    for (int i = 0; i < 10; i++) {
        sa_sample x = sample_at(1000 + 15 * i, 10.0 * i);
        assert_int_equal(sa_store_add_sample(f->w, dep, &x, &ins, &eb), SA_OK);
        assert_true(ins);
    }
    /* Same deployment and timestamp: ignored, the first value stays. */
    sa_sample dup = sample_at(1000, 99);
    assert_int_equal(sa_store_add_sample(f->w, dep, &dup, &ins, &eb), SA_OK);
    assert_false(ins);
    assert_int_equal(sa_store_last_sample_ts(f->w, dep, &last, &eb), SA_OK);
    assert_int_equal(last, 1000 + 15 * 9);
    /* The newest 4 since 1000, oldest first; NaN comes back as NaN. */
    assert_int_equal(sa_store_load_samples(f->w, dep, 1000, 4, &v, &n, &eb), SA_OK);
    assert_int_equal(n, 4);
    assert_int_equal(v[0].timestamp, 1000 + 15 * 6);
    assert_int_equal(v[3].timestamp, 1000 + 15 * 9);
    SA_ASSERT_NEAR(v[3].cpu_percent, 90.0, 1e-9);
    assert_true(isnan(v[0].request_rate));
    assert_int_equal(v[0].replicas, 3);
    free(v);
    assert_int_equal(sa_store_load_samples(f->w, dep, 0, 100, &v, &n, &eb), SA_OK);
    assert_int_equal(n, 10);
    assert_int_equal(v[0].timestamp, 1000);
    SA_ASSERT_NEAR(v[0].cpu_percent, 0.0, 1e-9);
    free(v);
}

static void test_upsert_same_id_and_updates(void **state)
{
    fixture *f = *state;
    sa_errbuf eb = {0};
    sa_context c;
    int64_t a = 0, b = 0, other = 0, found = 0;
    ctx_make(&c, "shop", "web", 3);
    assert_int_equal(sa_store_upsert_deployment(f->w, &c, 1000, &a, &eb), SA_OK);
    c.current_replicas = 5;
    assert_int_equal(sa_store_upsert_deployment(f->w, &c, 2000, &b, &eb), SA_OK);
    assert_int_equal(a, b);
    ctx_make(&c, "analytics", "web", 1);
    assert_int_equal(sa_store_upsert_deployment(f->w, &c, 2000, &other, &eb), SA_OK);
    assert_true(other != a);
    assert_int_equal(sa_store_deployment_id(f->w, "shop", "web", &found, &eb), SA_OK);
    assert_int_equal(found, a);
    assert_int_equal(sa_store_deployment_id(f->w, "shop", "nope", &found, &eb), SA_ERR_NOTFOUND);
    assert_non_null(strstr(eb.msg, "shop/nope"));
}

static void test_rollback_loses_only_open_cycle(void **state)
{
    fixture *f = *state;
    sa_errbuf eb = {0};
    sa_context c;
    int64_t dep = 0, n = 0, cyc = 0;
    ctx_make(&c, "shop", "web", 3);
    assert_int_equal(sa_store_begin(f->w, &eb), SA_OK);
    assert_int_equal(sa_store_begin(f->w, &eb), SA_ERR_CONFLICT);
    assert_int_equal(sa_store_upsert_deployment(f->w, &c, 1000, &dep, &eb), SA_OK);
    sa_sample x = sample_at(1000, 1);
    assert_int_equal(sa_store_add_sample(f->w, dep, &x, NULL, &eb), SA_OK);
    assert_int_equal(sa_store_add_cycle(f->w, 1000, 3.5, 1, &cyc, &eb), SA_OK);
    assert_int_equal(cyc, 1);
    assert_int_equal(sa_store_commit(f->w, &eb), SA_OK);

    assert_int_equal(sa_store_begin(f->w, &eb), SA_OK);
    x = sample_at(1015, 2);
    assert_int_equal(sa_store_add_sample(f->w, dep, &x, NULL, &eb), SA_OK);
    assert_int_equal(sa_store_add_cycle(f->w, 1015, 3.5, 1, &cyc, &eb), SA_OK);
    sa_store_rollback(f->w);
    sa_store_rollback(f->w); /* harmless without a transaction */

    assert_int_equal(sa_store_count_samples(f->w, dep, &n, &eb), SA_OK);
    assert_int_equal(n, 1);
    assert_int_equal(sa_store_last_cycle(f->w, &cyc, &eb), SA_OK);
    assert_int_equal(cyc, 1);
}

static void add_rec(fixture *f, int64_t dep, int64_t at, int target, int64_t *id)
{
    sa_errbuf eb = {0};
    sa_result r;
    char json[256];
    sa_result_init(&r);
    r.generated_at = at;
    r.current_replicas = 3;
    r.decision.source = SA_SOURCE_RULE;
    r.decision.action = SA_ACTION_SCALE_UP;
    r.decision.target_replicas = target;
    snprintf(json, sizeof json, "{\"deployment\":\"web\",\"t\":%d}", target);
    assert_int_equal(sa_store_add_recommendation(f->w, dep, &r, json, "{\"ctx\":1}", id, &eb),
                     SA_OK);
}

static void test_retention_deletes_only_old(void **state)
{
    fixture *f = *state;
    sa_errbuf eb = {0};
    sa_context c;
    int64_t dep = 0, n = 0, rec[6], cyc = 0;
    sa_store_fc_point p[3] = {{900, 1, 0, 2}, {1100, 1, 0, 2}, {1200, 1, 0, 2}};
    sa_actuation a = {3, 5, "simulator", "ok"};
    sa_store_counts k;
    sa_store_deleted del = {-1, -1};
    ctx_make(&c, "shop", "web", 3);
    assert_int_equal(sa_store_upsert_deployment(f->w, &c, 1000, &dep, &eb), SA_OK);
    for (int i = 0; i < 10; i++) {
        sa_sample x = sample_at(1000 + 100 * i, 1);
        assert_int_equal(sa_store_add_sample(f->w, dep, &x, NULL, &eb), SA_OK);
    }
    assert_int_equal(sa_store_add_forecast(f->w, dep, 800, "cpu_percent", p, 3, &eb), SA_OK);
    /* decisions at 1000..1500; the one at 1100 was acted on (at 1100), the
     * one at 1200 too but its actuation is older than both limits */
    for (int i = 0; i < 6; i++) {
        add_rec(f, dep, 1000 + 100 * i, 4, &rec[i]);
        assert_int_equal(sa_store_add_cycle(f->w, 1000 + 100 * i, 1.0, 1, &cyc, &eb), SA_OK);
    }
    assert_int_equal(sa_store_add_audit(f->w, dep, rec[1], 1100, &a, NULL, &eb), SA_OK);
    assert_int_equal(sa_store_add_audit(f->w, dep, rec[2], 900, &a, NULL, &eb), SA_OK);

    /* samples, forecasts and actuations before 1050; decisions and cycles
     * before 1400, two decisions a call */
    assert_int_equal(sa_store_retain(f->w, 1050, 1400, 2, &del, &eb), SA_OK);
    assert_int_equal(del.samples, 1);
    assert_int_equal(del.decisions, 2); /* 1000 and 1200: the oldest unreferenced */
    assert_int_equal(sa_store_count_samples(f->w, dep, &n, &eb), SA_OK);
    assert_int_equal(n, 9);
    assert_int_equal(sa_store_counts_get(f->w, &k, &eb), SA_OK);
    assert_int_equal(k.forecasts, 2);
    assert_int_equal(k.deployments, 1);
    assert_int_equal(k.audits, 1); /* the one at 900 went */
    assert_int_equal(k.recommendations, 4);
    assert_int_equal(k.cycles, 2); /* 1400 and 1500 */
    assert_int_equal(sa_store_recommendation_context(f->w, rec[0], &(char *){NULL}, &eb),
                     SA_ERR_NOTFOUND);

    /* the next call takes the rest of the backlog: 1300 (1100 stays with
     * its actuation, 1400 and 1500 are recent) */
    assert_int_equal(sa_store_retain(f->w, 1050, 1400, 2, &del, &eb), SA_OK);
    assert_int_equal(del.samples, 0);
    assert_int_equal(del.decisions, 1);
    assert_int_equal(sa_store_counts_get(f->w, &k, &eb), SA_OK);
    assert_int_equal(k.recommendations, 3);
    {
        char *ctxj = NULL;
        assert_int_equal(sa_store_recommendation_context(f->w, rec[1], &ctxj, &eb), SA_OK);
        free(ctxj);
    }
    /* once the actuation is older than both limits, it and its decision go */
    assert_int_equal(sa_store_retain(f->w, 1200, 1300, 10, &del, &eb), SA_OK);
    assert_int_equal(sa_store_counts_get(f->w, &k, &eb), SA_OK);
    assert_int_equal(k.audits, 0);
    assert_int_equal(k.recommendations, 2);
    assert_int_equal(del.decisions, 1);
}

/* A version-1 database (before the retention indexes) is migrated in
 * place: its rows stay, the version and the new indexes are there. */
static void test_migrates_version_1(void **state)
{
    fixture *f = *state;
    sa_errbuf eb = {0};
    sa_context c;
    int64_t dep = 0, n = 0;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    sa_sample x = sample_at(1000, 50);
    ctx_make(&c, "shop", "web", 3);
    assert_int_equal(sa_store_upsert_deployment(f->w, &c, 1000, &dep, &eb), SA_OK);
    assert_int_equal(sa_store_add_sample(f->w, dep, &x, NULL, &eb), SA_OK);
    add_rec(f, dep, 1000, 4, NULL);
    sa_store_close(f->w);
    f->w = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP INDEX forecasts_ts; DROP INDEX recommendations_time;"
                                  "DROP INDEX audit_time;"
                                  "DROP INDEX audit_recommendation; DROP INDEX cycles_time;"
                                  "PRAGMA user_version = 1;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(sa_store_open(f->path, SA_STORE_READWRITE, &f->w, &eb), SA_OK);
    assert_int_equal(sa_store_schema_version(f->w), 2);
    assert_int_equal(sa_store_count_samples(f->w, dep, &n, &eb), SA_OK);
    assert_int_equal(n, 1);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                                        " AND name IN ('forecasts_ts', 'recommendations_time',"
                                        " 'audit_time',"
                                        " 'audit_recommendation', 'cycles_time')",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 5);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_reads_through_readonly_handle(void **state)
{
    fixture *f = *state;
    sa_errbuf eb = {0};
    sa_context c;
    int64_t web = 0, api = 0, rec = 0;
    sa_store *r = NULL;
    sa_buf b;
    char *ctxj = NULL;
    sa_actuation a = {3, 5, "simulator", "ok"};
    sa_store_fc_point p[2] = {{1030, 50, 40, 60}, {1045, NAN, NAN, NAN}};
    sa_buf_init(&b, SA_CAP_JSON_OUT);
    ctx_make(&c, "shop", "web", 3);
    assert_int_equal(sa_store_upsert_deployment(f->w, &c, 1000, &web, &eb), SA_OK);
    ctx_make(&c, "analytics", "api", 2);
    assert_int_equal(sa_store_upsert_deployment(f->w, &c, 1000, &api, &eb), SA_OK);
    add_rec(f, web, 1000, 4, &rec);
    add_rec(f, web, 1015, 5, &rec);
    add_rec(f, api, 1015, 7, NULL);
    sa_sample x = sample_at(1015, 55.5);
    assert_int_equal(sa_store_add_sample(f->w, web, &x, NULL, &eb), SA_OK);
    assert_int_equal(sa_store_add_forecast(f->w, web, 1015, "cpu_percent", p, 2, &eb), SA_OK);
    assert_int_equal(sa_store_add_audit(f->w, web, rec, 1015, &a, NULL, &eb), SA_OK);

    {
        sa_actuation got[4], noop = {5, 5, "simulator", "ok"}, down = {5, 4, "simulator", "ok"};
        int64_t at[4] = {0};
        size_t n = 9;
        assert_int_equal(sa_store_add_audit(f->w, web, rec, 1030, &noop, NULL, &eb), SA_OK);
        assert_int_equal(sa_store_add_audit(f->w, web, rec, 1045, &down, NULL, &eb), SA_OK);
        assert_int_equal(sa_store_recent_actuations(f->w, web, 1000, got, at, 4, &n, &eb), SA_OK);
        assert_int_equal(n, 2); /* those that changed replicas, newest first */
        assert_int_equal(at[0], 1045);
        assert_int_equal(got[0].after, 4);
        assert_int_equal(at[1], 1015);
        assert_int_equal(got[1].before, 3);
        assert_int_equal(got[1].after, 5);
        assert_int_equal(sa_store_recent_actuations(f->w, web, 1016, got, at, 4, &n, &eb), SA_OK);
        assert_int_equal(n, 1); /* not before since */
        assert_int_equal(sa_store_recent_actuations(f->w, web, 1000, got, at, 1, &n, &eb), SA_OK);
        assert_int_equal(n, 1); /* at most max */
        assert_int_equal(at[0], 1045);
        assert_int_equal(sa_store_recent_actuations(f->w, api, 0, got, at, 4, &n, &eb), SA_OK);
        assert_int_equal(n, 0);
    }
    assert_int_equal(sa_store_open(f->path, SA_STORE_READONLY, &r, &eb), SA_OK);
    /* Latest per deployment, ordered by namespace. */
    assert_int_equal(sa_store_latest_json(r, NULL, NULL, &b, &eb), SA_OK);
    assert_string_equal(b.data,
                        "[{\"deployment\":\"web\",\"t\":7},{\"deployment\":\"web\",\"t\":5}]");
    sa_buf_reset(&b);
    assert_int_equal(sa_store_latest_json(r, "shop", NULL, &b, &eb), SA_OK);
    assert_string_equal(b.data, "[{\"deployment\":\"web\",\"t\":5}]");
    sa_buf_reset(&b);
    assert_int_equal(sa_store_latest_json(r, NULL, "nothing", &b, &eb), SA_OK);
    assert_string_equal(b.data, "[]");
    sa_buf_reset(&b);

    assert_int_equal(sa_store_history_json(r, "shop", "web", 0, 100, &b, &eb), SA_OK);
    assert_non_null(strstr(b.data, "\"samples\":[{\"timestamp\":1015,\"cpu_percent\":55.5,"
                                   "\"memory_percent\":40,\"request_rate\":null,\"replicas\":3}]"));
    assert_non_null(strstr(b.data, "\"mean\":null"));
    assert_non_null(strstr(b.data, "\"decisions\":[{\"deployment\":\"web\",\"t\":4},"
                                   "{\"deployment\":\"web\",\"t\":5}]"));
    assert_non_null(strstr(b.data, "\"before\":3,\"after\":5,\"outcome\":\"ok\""));
    assert_non_null(strstr(b.data, "\"before\":5,\"after\":5,\"outcome\":\"ok\""));
    sa_buf_reset(&b);
    /* limit keeps the newest. */
    assert_int_equal(sa_store_history_json(r, "shop", "web", 0, 1, &b, &eb), SA_OK);
    assert_non_null(strstr(b.data, "\"decisions\":[{\"deployment\":\"web\",\"t\":5}]"));
    sa_buf_reset(&b);
    assert_int_equal(sa_store_history_json(r, "shop", "nope", 0, 10, &b, &eb), SA_ERR_NOTFOUND);

    /* a later cycle that no longer sees analytics/api: it drops out */
    ctx_make(&c, "shop", "web", 3);
    assert_int_equal(sa_store_upsert_deployment(f->w, &c, 1030, &web, &eb), SA_OK);
    assert_int_equal(sa_store_latest_json(r, NULL, NULL, &b, &eb), SA_OK);
    assert_string_equal(b.data, "[{\"deployment\":\"web\",\"t\":5}]");
    sa_buf_reset(&b);

    assert_int_equal(sa_store_recommendation_context(r, rec, &ctxj, &eb), SA_OK);
    assert_string_equal(ctxj, "{\"ctx\":1}");
    free(ctxj);
    assert_int_equal(sa_store_recommendation_context(r, 999, &ctxj, &eb), SA_ERR_NOTFOUND);
    sa_buf_release(&b);
    sa_store_close(r);
}

static void test_readonly_needs_existing_db(void **state)
{
    fixture *f = *state;
    sa_errbuf eb = {0};
    sa_store *r = NULL;
    char p[1100];
    snprintf(p, sizeof p, "%s/missing.db", f->dir);
    assert_int_equal(sa_store_open(p, SA_STORE_READONLY, &r, &eb), SA_ERR_DB);
    assert_null(r);
    assert_non_null(strstr(eb.msg, "missing.db"));
    sa_store_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema_version_and_wal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_data_and_refuses_newer_schema, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_samples_dedupe_and_load_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upsert_same_id_and_updates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_loses_only_open_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_deletes_only_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrates_version_1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reads_through_readonly_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_needs_existing_db, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
