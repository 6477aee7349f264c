/*
 * test_service.c - the control loop on the simulator with a scratch
 * database, time driven by the test: every deployment gets a stored
 * recommendation with the decision's source and verdict and the context it
 * was made from; dry-run never actuates; --apply drives the simulated
 * cluster and audits before/after; pause stops actuation; a restart
 * resumes from the stored history without duplicates; decisions past
 * their retention go, those an actuation made stay; the HTTP backend
 * answers (evaluate-now through the loop, status, metrics, unknown = 404).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "fake_peer.h"
#include "sa_test.h"
#include "scaleadvisor/codec.h"
#include "scaleadvisor/llm.h"
#include "scaleadvisor/service.h"
#include "scaleadvisor/simulator.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define T0 1699999200 /* on the 15 s grid */

typedef struct {
    char *dir;
    sa_config cfg;
    sa_store *w, *r;
    sa_src *src;
    sa_metrics *m;
    sa_llm *llm;          /* optional, owned by the test */
    int64_t memory_limit; /* 0: the cgroup's */
    sa_service *svc;
} fx;

static void fx_start(fx *f)
{
    sa_errbuf eb = {0};
    sa_service_deps d = {0};
    assert_int_equal(sa_store_open(f->cfg.db_path, SA_STORE_READWRITE, &f->w, &eb), SA_OK);
    assert_int_equal(sa_store_open(f->cfg.db_path, SA_STORE_READONLY, &f->r, &eb), SA_OK);
    assert_int_equal(sa_src_create(&f->cfg, &f->src, &eb), SA_OK);
    assert_int_equal(sa_metrics_create(&f->m, &eb), SA_OK);
    d.cfg = &f->cfg;
    d.src = f->src;
    d.store = f->w;
    d.reader = f->r;
    d.metrics = f->m;
    d.llm = f->llm;
    d.memory_limit = f->memory_limit;
    assert_int_equal(sa_service_create(&d, &f->svc, &eb), SA_OK);
}

static void fx_stop(fx *f)
{
    sa_service_destroy(f->svc);
    sa_metrics_destroy(f->m);
    sa_src_destroy(f->src);
    sa_store_close(f->r);
    sa_store_close(f->w);
    f->svc = NULL;
    f->m = NULL;
    f->src = NULL;
    f->r = f->w = NULL;
}

static fx *fx_new_llm_timed(bool dry_run, const char *llm_url, int64_t llm_timeout_ms)
{
    fx *f = calloc(1, sizeof *f);
    sa_errbuf eb = {0};
    f->dir = sa_test_tmpdir("service");
    sa_config_defaults(&f->cfg);
    snprintf(f->cfg.db_path, sizeof f->cfg.db_path, "%s/s.db", f->dir);
    f->cfg.interval_s = 15;
    f->cfg.dry_run = dry_run;
    if (llm_url) {
        char *prompts = sa_test_source_path("prompts");
        sa_llm_tuning tun;
        snprintf(f->cfg.groq_api_key, sizeof f->cfg.groq_api_key, "test-key-not-secret");
        snprintf(f->cfg.groq_base_url, sizeof f->cfg.groq_base_url, "%s/openai/v1", llm_url);
        snprintf(f->cfg.groq_models, sizeof f->cfg.groq_models, "openai/gpt-oss-120b");
        snprintf(f->cfg.prompts_dir, sizeof f->cfg.prompts_dir, "%s", prompts);
        free(prompts);
        f->cfg.llm_timeout_ms = llm_timeout_ms;
        sa_llm_tuning_init(&tun);
        tun.backoff_base_ms = 1;
        tun.backoff_max_ms = 5;
        if (sa_llm_create(&f->cfg, &tun, &f->llm, &eb) != SA_OK)
            fail_msg("sa_llm_create: %s", eb.msg);
    }
    fx_start(f);
    return f;
}

static fx *fx_new_llm(bool dry_run, const char *llm_url)
{
    return fx_new_llm_timed(dry_run, llm_url, 15000);
}

static fx *fx_new(bool dry_run)
{
    return fx_new_llm(dry_run, NULL);
}

static void fx_free(fx *f)
{
    fx_stop(f);
    sa_llm_destroy(f->llm);
    sa_test_rmtree(f->dir);
    free(f->dir);
    free(f);
}

static void cycle(fx *f, int64_t now)
{
    sa_errbuf eb = {0};
    sa_err e = sa_service_cycle(f->svc, now, &eb);
    if (e != SA_OK)
        fail_msg("cycle at %lld: %s", (long long)now, eb.msg);
}

static int64_t count(fx *f, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    assert_int_equal(sqlite3_open(f->cfg.db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void test_dry_run_cycle_stores_every_deployment(void **state)
{
    (void)state;
    fx *f = fx_new(true);
    sa_http_backend be;
    sa_buf b;
    sa_buf_init(&b, SA_CAP_JSON_OUT);
    sa_service_backend(f->svc, &be);
    assert_false(be.ready(be.ctx));
    for (int k = 0; k < 4; k++)
        cycle(f, T0 + 15 * k);
    assert_true(be.ready(be.ctx));
    assert_int_equal(sa_service_cycles(f->svc), 4);
    /* 4 deployments x 4 cycles, every one with its context JSON */
    assert_int_equal(count(f, "SELECT count(*) FROM recommendations"), 16);
    assert_int_equal(count(f, "SELECT count(DISTINCT deployment_id) FROM recommendations"), 4);
    assert_int_equal(count(f, "SELECT count(*) FROM recommendations WHERE applied = 1"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM recommendations WHERE dry_run = 0"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM cycles"), 4);
    /* back-fill (two compressed days at 15 s) + one sample per cycle */
    assert_int_equal(count(f, "SELECT count(*) FROM samples"), 4 * (7200 / 15 - 1 + 4));
    assert_true(count(f, "SELECT count(*) FROM forecasts") > 0);

    /* the stored context is the one the codec reads back (replayable) */
    {
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        sa_context c;
        sa_errbuf eb = {0};
        assert_int_equal(sqlite3_open(f->cfg.db_path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db,
                                            "SELECT context_json FROM recommendations "
                                            "ORDER BY id DESC LIMIT 1",
                                            -1, &st, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        sa_context_init(&c);
        const char *j = (const char *)sqlite3_column_text(st, 0);
        if (sa_codec_context_parse(j, strlen(j), &c, &eb) != SA_OK)
            fail_msg("stored context does not parse: %s", eb.msg);
        assert_int_equal(c.n_history, 20);
        sa_context_release(&c);
        sqlite3_finalize(st);
        sqlite3_close(db);
    }

    assert_int_equal(be.recommendations(be.ctx, NULL, NULL, &b), SA_OK);
    assert_non_null(strstr(b.data, "\"namespace\":\"shop\""));
    assert_non_null(strstr(b.data, "\"namespace\":\"analytics\""));
    assert_non_null(strstr(b.data, "\"deployment\":\"checkout\""));
    assert_non_null(strstr(b.data, "\"applied\":false,\"dry_run\":true"));
    assert_non_null(strstr(b.data, "\"verdict\":"));
    sa_buf_reset(&b);
    assert_int_equal(be.recommendations(be.ctx, "shop", "web", &b), SA_OK);
    assert_non_null(strstr(b.data, "\"deployment\":\"web\""));
    assert_null(strstr(b.data, "\"deployment\":\"api\""));
    sa_buf_reset(&b);
    assert_int_equal(be.history(be.ctx, "shop", "web", T0 - 60, 100, &b), SA_OK);
    assert_non_null(strstr(b.data, "\"samples\":[{\"timestamp\":"));
    sa_buf_reset(&b);
    assert_int_equal(be.history(be.ctx, "shop", "nope", 0, 100, &b), SA_ERR_NOTFOUND);
    sa_buf_reset(&b);
    assert_int_equal(be.metrics(be.ctx, &b), SA_OK);
    assert_non_null(strstr(b.data, "# TYPE scaleadvisor_decisions_total counter"));
    assert_non_null(strstr(b.data, "scaleadvisor_cycle_duration_seconds_count 4"));
    assert_non_null(
        strstr(b.data, "scaleadvisor_recommended_replicas{namespace=\"shop\",deployment=\"web\"}"));
    /* every decision of a dry run is counted as such; no deployment
     * degraded; the newest cycle's time for a staleness alert */
    assert_non_null(strstr(b.data, "scaleadvisor_actuations_total{status=\"dry_run\"} 16\n"));
    assert_non_null(strstr(b.data, "scaleadvisor_deployment_degraded{namespace=\"shop\","
                                   "deployment=\"web\"} 0\n"));
    assert_non_null(strstr(b.data, "scaleadvisor_last_cycle_timestamp_seconds 1699999245\n"));
    assert_non_null(strstr(b.data, "scaleadvisor_build_info{version=\"" SA_VERSION
                                   "\",source=\"simulator\",mode=\"dry_run\"} 1\n"));
    /* the simulated deployments have an HPA; the forecast's accuracy is
     * known once the back-filled history is scored */
    assert_non_null(strstr(b.data, "scaleadvisor_hpa_desired_replicas{namespace=\"shop\","
                                   "deployment=\"web\"} "));
    assert_non_null(strstr(b.data, "scaleadvisor_forecast_accuracy{namespace=\"shop\","
                                   "deployment=\"web\"} 0."));
    sa_buf_reset(&b);
    assert_int_equal(be.status(be.ctx, &b), SA_OK);
    assert_non_null(strstr(b.data, "\"mode\":\"dry_run\""));
    assert_non_null(strstr(b.data, "\"cycles\":4"));
    sa_buf_release(&b);
    fx_free(f);
}

/* Replicas of one deployment now, from the source. */
static int replicas_of(fx *f, const char *ns, const char *name, int64_t now)
{
    sa_context *v = NULL;
    size_t n = 0;
    sa_errbuf eb = {0};
    int r = -1;
    assert_int_equal(f->src->collect(f->src, now, &v, &n, &eb), SA_OK);
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].namespace_, ns) == 0 && strcmp(v[i].name, name) == 0)
            r = v[i].current_replicas;
    sa_src_contexts_free(v, n);
    return r;
}

static void test_apply_drives_cluster_and_audits(void **state)
{
    (void)state;
    fx *f = fx_new(false);
    sa_http_backend be;
    sa_errbuf eb = {0};
    int64_t t = T0;
    sa_service_backend(f->svc, &be);
    for (int k = 0; k < 40; k++, t += 15)
        cycle(f, t);
    /* every applied decision has an audit row with before/after that
     * matches the decision's target, and the recommendation is applied */
    int64_t audits = count(f, "SELECT count(*) FROM audit_log");
    assert_true(audits > 0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log a JOIN recommendations r ON "
                              "r.id = a.recommendation_id WHERE a.after_replicas = "
                              "r.target_replicas AND a.before_replicas = r.current_replicas "
                              "AND r.applied = 1 AND a.method = 'simulator' AND "
                              "a.outcome = 'ok'"),
                     audits);
    assert_int_equal(count(f, "SELECT count(*) FROM recommendations WHERE applied = 1"), audits);
    assert_int_equal(count(f, "SELECT count(*) FROM recommendations WHERE dry_run = 1"), 0);
    /* the cluster follows: after a cycle, the next observation of that
     * deployment shows the decided replicas */
    assert_int_equal(count(f, "SELECT count(*) FROM recommendations r WHERE r.applied = 1 AND "
                              "EXISTS (SELECT 1 FROM recommendations n WHERE n.deployment_id = "
                              "r.deployment_id AND n.generated_at = r.generated_at + 15 AND "
                              "n.current_replicas != r.target_replicas)"),
                     0);

    /* paused: decisions go on, nothing is applied any more */
    assert_int_equal(be.set_paused(be.ctx, true, false, &eb), SA_OK);
    int64_t before = count(f, "SELECT count(*) FROM audit_log");
    int web = replicas_of(f, "shop", "web", t);
    for (int k = 0; k < 20; k++, t += 15)
        cycle(f, t);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), before);
    assert_int_equal(replicas_of(f, "shop", "web", t), web);
    {
        /* what was done with each decision: applied as often as audited,
         * paused ones are not counted as applied */
        sa_buf m;
        char want[96];
        sa_buf_init(&m, SA_CAP_JSON_OUT);
        assert_int_equal(be.metrics(be.ctx, &m), SA_OK);
        snprintf(want, sizeof want, "scaleadvisor_actuations_total{status=\"applied\"} %lld\n",
                 (long long)before);
        assert_non_null(strstr(m.data, want));
        assert_null(strstr(m.data, "status=\"failed\""));
        assert_non_null(strstr(m.data, "scaleadvisor_actuations_total{status=\"paused\"} 80\n"));
        sa_buf_release(&m);
    }
    {
        char q[160];
        snprintf(q, sizeof q, "SELECT count(*) FROM recommendations WHERE generated_at >= %lld",
                 (long long)(t - 20 * 15));
        assert_int_equal(count(f, q), 4 * 20);
        snprintf(q, sizeof q,
                 "SELECT count(*) FROM recommendations WHERE applied = 1 AND generated_at >= %lld",
                 (long long)(t - 20 * 15));
        assert_int_equal(count(f, q), 0);
    }
    assert_int_equal(be.set_paused(be.ctx, false, false, &eb), SA_OK);
    fx_free(f);
}

/* A source whose apply first looks, through a connection of its own, for
 * the committed intent of this actuation. */
static sa_err (*sim_apply)(sa_src *, const sa_context *, int, sa_actuation *, sa_errbuf *);
static const char *intent_db;
static int intents_seen, applies;

static sa_err apply_checking_intent(sa_src *src, const sa_context *ctx, int target,
                                    sa_actuation *out, sa_errbuf *eb)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    applies++;
    if (sqlite3_open_v2(intent_db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM audit_log a JOIN deployments d ON d.id = "
                           "a.deployment_id JOIN recommendations r ON r.id = a.recommendation_id "
                           "WHERE d.namespace = ?1 AND d.name = ?2 AND a.outcome = 'pending' AND "
                           "a.before_replicas = ?3 AND a.after_replicas = ?4 AND r.applied = 0",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, ctx->namespace_, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, ctx->name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, ctx->current_replicas);
        sqlite3_bind_int(st, 4, target);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1)
            intents_seen++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return sim_apply(src, ctx, target, out, eb);
}

/* An actuation is written down before it is made: its intent (an audit
 * row "pending" with before and target) is committed with the cycle, the
 * source is called after, and the row then gets the outcome. */
static void test_actuation_intent_committed_first(void **state)
{
    (void)state;
    fx *f = fx_new(false);
    int64_t t = T0;
    sim_apply = f->src->apply;
    f->src->apply = apply_checking_intent;
    intent_db = f->cfg.db_path;
    intents_seen = applies = 0;
    for (int k = 0; k < 40; k++, t += 15)
        cycle(f, t);
    assert_true(applies > 0);
    assert_int_equal(intents_seen, applies);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), applies);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE outcome = 'pending'"), 0);
    /* the object as served says applied, as the row does */
    assert_int_equal(count(f, "SELECT count(*) FROM recommendations WHERE applied = 1 AND "
                              "json_extract(result_json, '$.decision.applied') = 1"),
                     applies);
    fx_free(f);
}

/* A source whose first apply of a cycle pauses actuation (as an operator
 * could at that moment): the cycle's later due actuations are not made. */
static sa_http_backend pausing_be;
static int pausing_applies;

static sa_err apply_then_pause(sa_src *src, const sa_context *ctx, int target, sa_actuation *out,
                               sa_errbuf *eb)
{
    sa_errbuf peb = {0};
    pausing_applies++;
    assert_int_equal(pausing_be.set_paused(pausing_be.ctx, true, false, &peb), SA_OK);
    return sim_apply(src, ctx, target, out, eb);
}

/* Paused between the commit of a cycle's intents and its actuations: the
 * ones not yet made are not made, and their rows say so. */
static void test_paused_before_actuation(void **state)
{
    (void)state;
    fx *f = fx_new(false);
    sa_errbuf eb = {0};
    int64_t t = T0;
    sim_apply = f->src->apply;
    f->src->apply = apply_then_pause;
    sa_service_backend(f->svc, &pausing_be);
    pausing_applies = 0;
    for (int k = 0; k < 80; k++, t += 15) {
        assert_int_equal(pausing_be.set_paused(pausing_be.ctx, false, false, &eb), SA_OK);
        cycle(f, t);
        if (count(f, "SELECT count(*) FROM audit_log WHERE outcome = 'not done: paused'") > 0)
            break;
    }
    assert_true(count(f, "SELECT count(*) FROM audit_log WHERE outcome = 'not done: paused'") > 0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE outcome = 'ok'"),
                     pausing_applies);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log a JOIN recommendations r ON r.id = "
                              "a.recommendation_id WHERE a.outcome = 'not done: paused' AND "
                              "(a.before_replicas != a.after_replicas OR r.applied != 0 OR "
                              "json_extract(r.result_json, '$.decision.applied') != 0)"),
                     0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE outcome = 'pending'"), 0);
    fx_free(f);
}

/* Decisions do not pile up: past SCALEADVISOR_DECISION_RETENTION_HOURS a
 * decision goes unless an actuation refers to it (those stay, with their
 * audit rows, as long as the samples); cycle rows go with decisions. */
static void test_decisions_pruned_actuations_kept(void **state)
{
    (void)state;
    fx *f = fx_new(false);
    int64_t t = T0, samples0, cutoff;
    char q[256];
    f->cfg.decision_retention_hours = 1;
    cycle(f, t);
    samples0 = count(f, "SELECT count(*) FROM samples");
    for (int k = 1; k < 321; k++) /* 80 minutes; retention passes every 40 */
        cycle(f, t += 15);
    cutoff = T0 + 320 * 15 - 3600; /* the pass at the 321st cycle */
    snprintf(q, sizeof q,
             "SELECT count(*) FROM recommendations r WHERE generated_at < %lld AND NOT EXISTS "
             "(SELECT 1 FROM audit_log a WHERE a.recommendation_id = r.id)",
             (long long)cutoff);
    assert_int_equal(count(f, q), 0);
    snprintf(q, sizeof q, "SELECT count(*) FROM recommendations WHERE generated_at < %lld",
             (long long)cutoff);
    assert_true(count(f, q) > 0); /* the acted-on ones */
    snprintf(q, sizeof q, "SELECT count(*) FROM audit_log WHERE at < %lld", (long long)cutoff);
    assert_true(count(f, q) > 0);
    snprintf(q, sizeof q, "SELECT count(*) FROM recommendations WHERE generated_at >= %lld",
             (long long)cutoff);
    assert_int_equal(count(f, q), 4 * 241);
    snprintf(q, sizeof q, "SELECT count(*) FROM cycles WHERE started_at < %lld", (long long)cutoff);
    assert_int_equal(count(f, q), 0);
    /* samples follow their own, longer retention */
    assert_int_equal(count(f, "SELECT count(*) FROM samples"), samples0 + 4 * 320);
    {
        /* /metrics: what went, and the file's size on disk */
        sa_buf b;
        char line[160];
        struct stat st;
        sa_buf_init(&b, SA_CAP_JSON_OUT);
        assert_int_equal(sa_metrics_render(f->m, &b), SA_OK);
        snprintf(line, sizeof line,
                 "scaleadvisor_retention_deleted_rows_total{table=\"recommendations\"} %lld\n",
                 (long long)(4 * 321 - count(f, "SELECT count(*) FROM recommendations")));
        assert_non_null(strstr(b.data, line));
        assert_non_null(
            strstr(b.data, "scaleadvisor_retention_deleted_rows_total{table=\"samples\"} 0\n"));
        assert_int_equal(stat(f->cfg.db_path, &st), 0);
        const char *db = strstr(b.data, "\nscaleadvisor_database_bytes ");
        assert_non_null(db);
        assert_true(strtod(db + strlen("\nscaleadvisor_database_bytes "), NULL) >=
                    (double)st.st_size);
        sa_buf_release(&b);
    }
    fx_free(f);
}

/* The memory the watched deployments need, against the limit: both on
 * /metrics (for an alert), a warning in the log past 90 %. */
static void test_memory_needed_against_limit(void **state)
{
    (void)state;
    fx *f = fx_new(true);
    fx_stop(f);
    f->memory_limit = 40ll << 20;
    fx_start(f);
    cycle(f, T0);
    sa_buf b;
    sa_buf_init(&b, SA_CAP_JSON_OUT);
    assert_int_equal(sa_metrics_render(f->m, &b), SA_OK);
    assert_non_null(strstr(b.data, "\nscaleadvisor_memory_limit_bytes 41943040\n"));
    /* 32 MiB and 3 MiB for each of the simulator's four deployments */
    assert_non_null(strstr(b.data, "\nscaleadvisor_memory_needed_bytes 46137344\n"));
    sa_buf_release(&b);
    fx_free(f);
}

static void test_restart_resumes_without_duplicates(void **state)
{
    (void)state;
    fx *f = fx_new(true);
    int64_t t = T0;
    for (int k = 0; k < 3; k++, t += 15)
        cycle(f, t);
    int64_t samples = count(f, "SELECT count(*) FROM samples");
    int64_t recs = count(f, "SELECT count(*) FROM recommendations");
    fx_stop(f);
    /* restart a minute later: the new simulator back-fills two days again,
     * but only the gap since the last stored sample is added */
    t += 60;
    fx_start(f);
    cycle(f, t);
    assert_int_equal(count(f, "SELECT count(*) FROM samples"), samples + 4 * (60 / 15 + 1));
    assert_int_equal(count(f, "SELECT count(*) FROM recommendations"), recs + 4);
    assert_int_equal(count(f, "SELECT count(*) FROM (SELECT deployment_id, ts FROM samples "
                              "GROUP BY 1, 2 HAVING count(*) > 1)"),
                     0);
    /* the history is continuous on the 15 s grid across the restart */
    assert_int_equal(count(f, "SELECT count(*) FROM samples a WHERE ts < (SELECT max(ts) FROM "
                              "samples) AND NOT EXISTS (SELECT 1 FROM samples b WHERE "
                              "b.deployment_id = a.deployment_id AND b.ts = a.ts + 15)"),
                     0);
    fx_free(f);
}

typedef struct {
    sa_http_backend be;
    const char *ns, *name;
    sa_err e;
    sa_buf out;
    sa_errbuf eb;
    volatile int done;
} eval_call;

static void *eval_thread(void *arg)
{
    eval_call *c = arg;
    c->e = c->be.evaluate(c->be.ctx, c->ns, c->name, &c->out, &c->eb);
    c->done = 1;
    return NULL;
}

static void run_eval(fx *f, eval_call *c)
{
    pthread_t th;
    sa_service_backend(f->svc, &c->be);
    sa_buf_init(&c->out, SA_CAP_JSON_OUT);
    assert_int_equal(pthread_create(&th, NULL, eval_thread, c), 0);
    /* the test plays the loop thread: serve until answered (bounded) */
    for (int i = 0; i < 2000 && !c->done; i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        sa_service_serve_requests(f->svc);
        nanosleep(&ts, NULL);
    }
    pthread_join(th, NULL);
}

/* Liveness: stalled only once the loop made no progress for longer than
 * its limit; a cycle is progress. */
static void test_stall_limit(void **state)
{
    (void)state;
    fx *f = fx_new(true);
    double now = sa_mono_ms();
    assert_int_equal(sa_service_stall_limit_s(f->svc), 600); /* 3 x 15 s + 4 x 15 s < 600 */
    assert_int_equal(sa_service_stalled_s(f->svc, now), 0);
    assert_int_equal(sa_service_stalled_s(f->svc, now + 590e3), 0);
    assert_true(sa_service_stalled_s(f->svc, now + 700e3) >= 699);
    cycle(f, T0);
    assert_int_equal(sa_service_stalled_s(f->svc, sa_mono_ms() + 590e3), 0);
    f->cfg.interval_s = 300;
    assert_int_equal(sa_service_stall_limit_s(f->svc), 3 * 300 + 4 * 15);
    fx_free(f);
}

static void test_evaluate_now_through_loop(void **state)
{
    (void)state;
    fx *f = fx_new(true);
    eval_call ok = {.ns = "shop", .name = "checkout"}, bad = {.ns = "shop", .name = "nope"};
    cycle(f, (int64_t)sa_now() / 15 * 15);
    run_eval(f, &ok);
    if (ok.e != SA_OK)
        fail_msg("evaluate: %s", ok.eb.msg);
    assert_non_null(strstr(ok.out.data, "\"deployment\":\"checkout\""));
    assert_non_null(strstr(ok.out.data, "\"decision\":{\"source\":"));
    assert_int_equal(sa_service_cycles(f->svc), 2);
    run_eval(f, &bad);
    assert_int_equal(bad.e, SA_ERR_NOTFOUND);
    assert_non_null(strstr(bad.eb.msg, "shop/nope"));
    /* after stop, requests are refused at once */
    sa_service_stop(f->svc);
    eval_call late = {.ns = "shop", .name = "web"};
    run_eval(f, &late);
    assert_int_equal(late.e, SA_ERR_UNAVAILABLE);
    sa_buf_release(&ok.out);
    sa_buf_release(&bad.out);
    sa_buf_release(&late.out);
    fx_free(f);
}

/* A source that leaves shop/web out while hide_web is set (deleted or
 * unlabelled): the simulator's collect, filtered. */
static sa_err (*sim_collect)(sa_src *, int64_t, sa_context **, size_t *, sa_errbuf *);
static int hide_web;

static sa_err collect_hiding(sa_src *src, int64_t now, sa_context **out, size_t *n, sa_errbuf *eb)
{
    sa_err e = sim_collect(src, now, out, n, eb);
    for (size_t i = 0; e == SA_OK && hide_web && i < *n; i++)
        if (strcmp((*out)[i].namespace_, "shop") == 0 && strcmp((*out)[i].name, "web") == 0) {
            sa_context_release(&(*out)[i]);
            (*out)[i] = (*out)[--*n];
            break;
        }
    return e;
}

static bool web_gauges(fx *f)
{
    sa_http_backend be;
    sa_buf b;
    sa_buf_init(&b, SA_CAP_JSON_OUT);
    sa_service_backend(f->svc, &be);
    assert_int_equal(be.metrics(be.ctx, &b), SA_OK);
    /* the other deployments' gauges are always there */
    assert_non_null(strstr(b.data, "scaleadvisor_current_replicas{namespace=\"shop\",deployment="
                                   "\"checkout\"}"));
    bool rec = strstr(b.data, "scaleadvisor_recommended_replicas{namespace=\"shop\","
                              "deployment=\"web\"}") != NULL;
    bool cur = strstr(b.data, "scaleadvisor_current_replicas{namespace=\"shop\","
                              "deployment=\"web\"}") != NULL;
    bool deg = strstr(b.data, "scaleadvisor_deployment_degraded{namespace=\"shop\","
                              "deployment=\"web\"}") != NULL;
    bool hpa = strstr(b.data, "scaleadvisor_hpa_desired_replicas{namespace=\"shop\","
                              "deployment=\"web\"}") != NULL;
    assert_int_equal(rec, cur);
    assert_int_equal(rec, deg);
    assert_int_equal(rec, hpa);
    sa_buf_release(&b);
    return rec;
}

/* A deployment the source stops reporting: its gauges go at the next
 * cycle, it leaves the recommendations, evaluate-now answers 404, its
 * state is released after an hour; when it comes back it resumes from the
 * store and its gauges return. */
static void test_gone_deployment_forgotten(void **state)
{
    (void)state;
    fx *f = fx_new(true);
    sa_http_backend be;
    sa_buf b;
    sa_buf_init(&b, SA_CAP_JSON_OUT);
    sa_service_backend(f->svc, &be);
    sim_collect = f->src->collect;
    f->src->collect = collect_hiding;
    hide_web = 0;
    cycle(f, T0);
    cycle(f, T0 + 15);
    assert_true(web_gauges(f));
    assert_int_equal(sa_service_deployments(f->svc), 4);

    hide_web = 1;
    cycle(f, T0 + 30);
    assert_false(web_gauges(f));
    assert_int_equal(sa_service_deployments(f->svc), 4); /* kept for a while */
    assert_int_equal(be.recommendations(be.ctx, NULL, NULL, &b), SA_OK);
    assert_null(strstr(b.data, "\"deployment\":\"web\""));
    assert_non_null(strstr(b.data, "\"deployment\":\"checkout\""));
    cycle(f, T0 + 15 + 3600); /* gone an hour: state released */
    assert_int_equal(sa_service_deployments(f->svc), 3);
    assert_false(web_gauges(f));

    hide_web = 0;
    cycle(f, T0 + 30 + 3600);
    assert_int_equal(sa_service_deployments(f->svc), 4);
    assert_true(web_gauges(f));
    sa_buf_reset(&b);
    assert_int_equal(be.recommendations(be.ctx, "shop", "web", &b), SA_OK);
    assert_non_null(strstr(b.data, "\"deployment\":\"web\""));

    sa_buf_release(&b);
    f->src->collect = sim_collect;
    fx_free(f);

    /* evaluate-now (a cycle at the wall clock) of one gone this moment:
     * 404, not its last answer */
    f = fx_new(true);
    sim_collect = f->src->collect;
    f->src->collect = collect_hiding;
    hide_web = 0;
    cycle(f, (int64_t)sa_now()); /* most likely the second of the one below */
    hide_web = 1;
    eval_call gone = {.ns = "shop", .name = "web"};
    run_eval(f, &gone);
    assert_int_equal(gone.e, SA_ERR_NOTFOUND);
    assert_non_null(strstr(gone.eb.msg, "shop/web is no longer watched"));
    sa_buf_release(&gone.out);
    f->src->collect = sim_collect;
    fx_free(f);
}

typedef struct {
    fx *f;
    int64_t now;
    sa_err e;
    sa_errbuf eb;
} cycle_call;

static void *cycle_thread(void *arg)
{
    cycle_call *c = arg;
    c->e = sa_service_cycle(c->f->svc, c->now, &c->eb);
    return NULL;
}

/* The LLM step runs for every deployment at once, and while it waits the
 * API still answers from the last committed state. */
static void test_llm_step_parallel_and_api_not_stalled(void **state)
{
    (void)state;
    sa_fake_peer *peer = NULL;
    sa_errbuf eb = {0};
    sa_fake_response fr;
    pthread_t th;
    cycle_call cc = {0};
    sa_http_backend be;
    sa_buf b;
    assert_int_equal(sa_fake_peer_start(&peer, &eb), SA_OK);
    sa_fake_response_init(&fr);
    fr.status = 200;
    fr.headers = "Content-Type: application/json";
    fr.body = "{\"id\":\"x\",\"model\":\"openai/gpt-oss-120b\",\"choices\":[{\"index\":0,"
              "\"finish_reason\":\"stop\",\"message\":{\"role\":\"assistant\",\"content\":"
              "\"{\\\"action\\\":\\\"at_max\\\",\\\"target_replicas\\\":99}\"}}]}";
    fr.hang = true;
    fr.times = -1;
    sa_fake_peer_push(peer, &fr);
    fx *f = fx_new_llm(true, sa_fake_peer_url(peer));
    sa_service_backend(f->svc, &be);
    sa_buf_init(&b, SA_CAP_JSON_OUT);
    cc.f = f;
    cc.now = T0;
    assert_int_equal(pthread_create(&th, NULL, cycle_thread, &cc), 0);
    /* each request hangs until released: four at once (LLM_MAX_CONCURRENT
     * is 4 by default) means four workers */
    assert_true(sa_fake_peer_wait_requests(peer, 4, 10000));
    assert_int_equal(sa_fake_peer_request_count(peer), 4);
    /* the cycle is blocked in the LLM step with its transaction open; the
     * API reads the last committed state (nothing yet) without waiting */
    assert_int_equal(be.recommendations(be.ctx, NULL, NULL, &b), SA_OK);
    assert_string_equal(b.data, "[]");
    sa_buf_reset(&b);
    assert_int_equal(be.status(be.ctx, &b), SA_OK);
    assert_non_null(strstr(b.data, "\"ready\":false"));
    sa_buf_reset(&b);
    sa_fake_peer_release(peer);
    pthread_join(th, NULL);
    if (cc.e != SA_OK)
        fail_msg("cycle: %s", cc.eb.msg);
    /* the answer breaks the schema: every deployment falls back, says why */
    assert_int_equal(count(f, "SELECT count(*) FROM recommendations WHERE llm_used = 0 AND "
                              "source != 'llm' AND json_extract(result_json, "
                              "'$.llm_status.error') IS NOT NULL"),
                     4);
    assert_int_equal(be.metrics(be.ctx, &b), SA_OK);
    assert_non_null(strstr(b.data, "scaleadvisor_llm_calls_total{outcome="));
    sa_buf_release(&b);
    fx_free(f);
    sa_fake_peer_destroy(peer);
}

/* Which simulated deployment request i of the fake Groq asked about. */
static const char *asked_about(sa_fake_peer *peer, size_t i)
{
    static const char *const names[] = {"web", "checkout", "ingest", "api"};
    const sa_fake_request *r = sa_fake_peer_request(peer, i);
    char want[64];
    assert_non_null(r);
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        /* the prompt quotes the name; the request's JSON escapes the quotes */
        snprintf(want, sizeof want, "Deployment \\\"%s\\\" in namespace", names[k]);
        if (strstr(r->body, want))
            return names[k];
    }
    fail_msg("request %zu names no simulated deployment", i);
    return NULL;
}

/* At most LLM_MAX_CONCURRENT requests at once; a deployment whose turn
 * comes after the cycle's LLM time (one LLM_TIMEOUT_MS) is deferred with
 * the reason, and its LLM request goes first in the next cycle; an
 * evaluate-now's deployment goes before all. */
static void test_llm_requests_capped_and_deferred_first(void **state)
{
    (void)state;
    sa_fake_peer *peer = NULL;
    sa_errbuf eb = {0};
    sa_fake_response fr;
    assert_int_equal(sa_fake_peer_start(&peer, &eb), SA_OK);
    sa_fake_response_init(&fr);
    fr.status = 200;
    fr.hang = true; /* never answers: each request takes its whole budget */
    fr.times = -1;
    sa_fake_peer_push(peer, &fr);
    fx *f = fx_new_llm_timed(true, sa_fake_peer_url(peer), 1000);
    /* on the real clock's grid, for the evaluate-now at the end */
    int64_t t0 = (int64_t)sa_now() / 15 * 15 - 30;
    char sql[256];
    f->cfg.llm_max_concurrent = 2;
    cycle(f, t0);
    assert_int_equal(sa_fake_peer_request_count(peer), 2);
    assert_int_equal(count(f, "SELECT count(*) FROM recommendations WHERE "
                              "json_extract(result_json, '$.llm_status.error') = 'timeout'"),
                     2);
    assert_int_equal(count(f, "SELECT count(*) FROM recommendations WHERE "
                              "json_extract(result_json, '$.llm_status.error') LIKE 'deferred: %' "
                              "AND llm_used = 0"),
                     2);
    const char *first[2] = {asked_about(peer, 0), asked_about(peer, 1)};
    assert_string_not_equal(first[0], first[1]);
    cycle(f, t0 + 15);
    assert_int_equal(sa_fake_peer_request_count(peer), 4);
    for (size_t i = 2; i < 4; i++) {
        const char *name = asked_about(peer, i);
        assert_string_not_equal(name, first[0]);
        assert_string_not_equal(name, first[1]);
    }
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM recommendations WHERE generated_at = %lld AND "
             "json_extract(result_json, '$.llm_status.error') LIKE 'deferred: %%'",
             (long long)(t0 + 15));
    assert_int_equal(count(f, sql), 2);
    /* evaluate-now: the deployment asked for goes first, though it was
     * asked last */
    const char *last = asked_about(peer, 3);
    eval_call ev = {.ns = strcmp(last, "web") && strcmp(last, "checkout") ? "analytics" : "shop",
                    .name = last};
    run_eval(f, &ev);
    if (ev.e != SA_OK)
        fail_msg("evaluate: %s", ev.eb.msg);
    assert_int_equal(sa_fake_peer_request_count(peer), 6);
    /* among the two the cycle asked (the workers race to send) */
    assert_true(strcmp(asked_about(peer, 4), last) == 0 || strcmp(asked_about(peer, 5), last) == 0);
    assert_non_null(strstr(ev.out.data, "\"error\":\"timeout\""));
    sa_buf_release(&ev.out);
    fx_free(f);
    sa_fake_peer_destroy(peer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dry_run_cycle_stores_every_deployment),
        cmocka_unit_test(test_apply_drives_cluster_and_audits),
        cmocka_unit_test(test_actuation_intent_committed_first),
        cmocka_unit_test(test_paused_before_actuation),
        cmocka_unit_test(test_decisions_pruned_actuations_kept),
        cmocka_unit_test(test_memory_needed_against_limit),
        cmocka_unit_test(test_restart_resumes_without_duplicates),
        cmocka_unit_test(test_stall_limit),
        cmocka_unit_test(test_evaluate_now_through_loop),
        cmocka_unit_test(test_gone_deployment_forgotten),
        cmocka_unit_test(test_llm_step_parallel_and_api_not_stalled),
        cmocka_unit_test(test_llm_requests_capped_and_deferred_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
