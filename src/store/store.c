/*
 * store.c - opening, migrating and writing the SQLite database. Every
 * statement is prepared once at open (table in store_sql.c) and reset after
 * use; a handle's mutex serialises its calls, since statements are shared.
 * Writes happen inside the cycle's transaction when one is open.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

/* Migration i brings the schema from version i to i + 1. Never edit a
 * released step: append a new one. */
static const char *const migrations[] = {
    "CREATE TABLE deployments ("
    "  id INTEGER PRIMARY KEY,"
    "  namespace TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  min_replicas INTEGER NOT NULL,"
    "  max_replicas INTEGER NOT NULL,"
    "  target_cpu_percent REAL,"
    "  preset TEXT NOT NULL,"
    "  current_replicas INTEGER NOT NULL,"
    "  first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL,"
    "  UNIQUE (namespace, name));"
    "CREATE TABLE samples ("
    "  deployment_id INTEGER NOT NULL REFERENCES deployments(id),"
    "  ts INTEGER NOT NULL,"
    "  cpu_percent REAL, memory_percent REAL, request_rate REAL,"
    "  replicas INTEGER,"
    "  PRIMARY KEY (deployment_id, ts)) WITHOUT ROWID;"
    "CREATE INDEX samples_ts ON samples(ts);"
    "CREATE TABLE forecasts ("
    "  deployment_id INTEGER NOT NULL REFERENCES deployments(id),"
    "  ts INTEGER NOT NULL,"
    "  made_at INTEGER NOT NULL,"
    "  metric TEXT NOT NULL,"
    "  mean REAL, lower REAL, upper REAL,"
    "  PRIMARY KEY (deployment_id, ts)) WITHOUT ROWID;"
    "CREATE TABLE recommendations ("
    "  id INTEGER PRIMARY KEY,"
    "  deployment_id INTEGER NOT NULL REFERENCES deployments(id),"
    "  generated_at INTEGER NOT NULL,"
    "  current_replicas INTEGER NOT NULL,"
    "  source TEXT NOT NULL, action TEXT NOT NULL,"
    "  target_replicas INTEGER NOT NULL, verdict TEXT NOT NULL,"
    "  applied INTEGER NOT NULL, dry_run INTEGER NOT NULL,"
    "  llm_used INTEGER NOT NULL,"
    "  result_json TEXT NOT NULL,"
    "  context_json TEXT NOT NULL);"
    "CREATE INDEX recommendations_dep_time ON recommendations(deployment_id, generated_at);"
    "CREATE TABLE audit_log ("
    "  id INTEGER PRIMARY KEY,"
    "  deployment_id INTEGER NOT NULL REFERENCES deployments(id),"
    "  recommendation_id INTEGER REFERENCES recommendations(id),"
    "  at INTEGER NOT NULL,"
    "  method TEXT NOT NULL,"
    "  before_replicas INTEGER NOT NULL, after_replicas INTEGER NOT NULL,"
    "  outcome TEXT NOT NULL);"
    "CREATE INDEX audit_dep_time ON audit_log(deployment_id, at);"
    "CREATE TABLE cycles ("
    "  id INTEGER PRIMARY KEY,"
    "  started_at INTEGER NOT NULL,"
    "  duration_ms REAL NOT NULL,"
    "  deployments INTEGER NOT NULL);",
    /* 2: retention of decisions, actuations and cycles by time (and of
     * forecast points, whose delete scanned the whole table) */
    "CREATE INDEX forecasts_ts ON forecasts(ts);"
    "CREATE INDEX recommendations_time ON recommendations(generated_at);"
    "CREATE INDEX audit_time ON audit_log(at);"
    "CREATE INDEX audit_recommendation ON audit_log(recommendation_id);"
    "CREATE INDEX cycles_time ON cycles(started_at);",
};

sa_err sa_store_dberr(sa_store *s, sa_errbuf *eb, const char *what)
{
    return sa_fail(eb, SA_ERR_DB, "database: %s: %s", what,
                   s && s->db ? sqlite3_errmsg(s->db) : "not open");
}

int sa_store_bind_real(sqlite3_stmt *st, int i, double v)
{
    return isfinite(v) ? sqlite3_bind_double(st, i, v) : sqlite3_bind_null(st, i);
}

double sa_store_col_real(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static sa_err exec(sa_store *s, const char *sql, sa_errbuf *eb)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        sa_err e = sa_fail(eb, SA_ERR_DB, "database: %s", msg ? msg : "exec failed");
        sqlite3_free(msg);
        return e;
    }
    return SA_OK;
}

int sa_store_schema_version(sa_store *s)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    pthread_mutex_lock(&s->mu);
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return v;
}

/* Apply every migration past the stored version, each in its own
 * transaction with the version bump, so a crash leaves a whole step. */
static sa_err migrate(sa_store *s, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    int v = sa_store_schema_version(s);
    int target = (int)SA_ARRAY_LEN(migrations);
    if (v < 0)
        return sa_store_dberr(s, eb, "reading user_version");
    if (v > target)
        return sa_fail(eb, SA_ERR_DB, "database: schema version %d is newer than this build (%d)",
                       v, target);
    for (; v < target; v++) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d;", v + 1);
        if ((e = exec(s, "BEGIN IMMEDIATE;", eb)) != SA_OK)
            goto out;
        if ((e = exec(s, migrations[v], eb)) != SA_OK || (e = exec(s, bump, eb)) != SA_OK) {
            (void)exec(s, "ROLLBACK;", NULL);
            goto out;
        }
        if ((e = exec(s, "COMMIT;", eb)) != SA_OK)
            goto out;
    }
out:
    return e;
}

static sa_err prepare_all(sa_store *s, sa_errbuf *eb)
{
    for (int i = 0; i < ST__N; i++) {
        const char *sql = sa_store_sql(i, s->mode);
        if (!sql)
            continue;
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) !=
            SQLITE_OK)
            return sa_store_dberr(s, eb, "preparing statements");
    }
    return SA_OK;
}

sa_err sa_store_open(const char *path, sa_store_mode mode, sa_store **out, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sa_store *s = calloc(1, sizeof *s);
    int flags = mode == SA_STORE_READONLY ? SQLITE_OPEN_READONLY
                                          : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (!s)
        return SA_ERR_NOMEM;
    s->mode = mode;
    pthread_mutex_init(&s->mu, NULL);
    if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
        e = sa_fail(eb, SA_ERR_DB, "database %s: %s", path,
                    s->db ? sqlite3_errmsg(s->db) : "cannot open");
        goto out;
    }
    sqlite3_busy_timeout(s->db, SA_STORE_BUSY_TIMEOUT_MS);
    if (mode == SA_STORE_READWRITE) {
        /* WAL: readers (the HTTP handle) never block the writer. NORMAL
         * sync is durable across process crashes (SIGKILL) in WAL mode. */
        if ((e = exec(s,
                      "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                      "PRAGMA foreign_keys = ON;",
                      eb)) != SA_OK)
            goto out;
        if ((e = migrate(s, eb)) != SA_OK)
            goto out;
    } else if (sa_store_schema_version(s) != (int)SA_ARRAY_LEN(migrations)) {
        e = sa_fail(eb, SA_ERR_DB, "database %s: schema version %d, expected %d", path,
                    sa_store_schema_version(s), (int)SA_ARRAY_LEN(migrations));
        goto out;
    }
    e = prepare_all(s, eb);
out:
    if (e != SA_OK) {
        sa_store_close(s);
        s = NULL;
    }
    *out = s;
    return e;
}

void sa_store_close(sa_store *s)
{
    if (!s)
        return;
    if (s->in_tx)
        sa_store_rollback(s);
    for (int i = 0; i < ST__N; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Run a statement that returns no rows, then reset it. */
static sa_err step_done(sa_store *s, sqlite3_stmt *st, sa_errbuf *eb, const char *what)
{
    int rc = sqlite3_step(st);
    sa_err e = rc == SQLITE_DONE || rc == SQLITE_ROW ? SA_OK : sa_store_dberr(s, eb, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return e;
}

sa_err sa_store_begin(sa_store *s, sa_errbuf *eb)
{
    sa_err e;
    pthread_mutex_lock(&s->mu);
    if (s->in_tx)
        e = sa_fail(eb, SA_ERR_CONFLICT, "database: a transaction is already open");
    else if ((e = step_done(s, s->st[ST_BEGIN], eb, "begin")) == SA_OK)
        s->in_tx = true;
    pthread_mutex_unlock(&s->mu);
    return e;
}

sa_err sa_store_commit(sa_store *s, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    pthread_mutex_lock(&s->mu);
    if (s->in_tx) {
        e = step_done(s, s->st[ST_COMMIT], eb, "commit");
        if (e != SA_OK)
            (void)step_done(s, s->st[ST_ROLLBACK], NULL, "rollback");
        s->in_tx = false;
    }
    pthread_mutex_unlock(&s->mu);
    return e;
}

void sa_store_rollback(sa_store *s)
{
    pthread_mutex_lock(&s->mu);
    if (s->in_tx)
        (void)step_done(s, s->st[ST_ROLLBACK], NULL, "rollback");
    s->in_tx = false;
    pthread_mutex_unlock(&s->mu);
}

sa_err sa_store_upsert_deployment(sa_store *s, const sa_context *ctx, int64_t now, int64_t *id,
                                  sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sqlite3_stmt *st;
    pthread_mutex_lock(&s->mu);
    st = s->st[ST_DEP_UPSERT];
    sqlite3_bind_text(st, 1, ctx->namespace_, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ctx->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, ctx->min_replicas);
    sqlite3_bind_int(st, 4, ctx->max_replicas);
    sa_store_bind_real(st, 5, ctx->target_cpu_percent);
    sqlite3_bind_text(st, 6, sa_preset_name(ctx->preset), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, ctx->current_replicas);
    sqlite3_bind_int64(st, 8, now);
    if (sqlite3_step(st) == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else
        e = sa_store_dberr(s, eb, "saving deployment");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    pthread_mutex_unlock(&s->mu);
    return e;
}

sa_err sa_store_deployment_id(sa_store *s, const char *ns, const char *name, int64_t *id,
                              sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sqlite3_stmt *st;
    int rc;
    pthread_mutex_lock(&s->mu);
    st = s->st[ST_DEP_ID];
    sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        e = sa_fail(eb, SA_ERR_NOTFOUND, "deployment %s/%s is not known", ns, name);
    else
        e = sa_store_dberr(s, eb, "looking up deployment");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    pthread_mutex_unlock(&s->mu);
    return e;
}

sa_err sa_store_add_sample(sa_store *s, int64_t dep, const sa_sample *x, bool *inserted,
                           sa_errbuf *eb)
{
    sa_err e;
    sqlite3_stmt *st;
    pthread_mutex_lock(&s->mu);
    st = s->st[ST_SAMPLE_ADD];
    sqlite3_bind_int64(st, 1, dep);
    sqlite3_bind_int64(st, 2, x->timestamp);
    sa_store_bind_real(st, 3, x->cpu_percent);
    sa_store_bind_real(st, 4, x->memory_percent);
    sa_store_bind_real(st, 5, x->request_rate);
    if (x->replicas >= 0)
        sqlite3_bind_int(st, 6, x->replicas);
    e = step_done(s, st, eb, "saving sample");
    if (e == SA_OK && inserted)
        *inserted = sqlite3_changes(s->db) > 0;
    pthread_mutex_unlock(&s->mu);
    return e;
}

/* Run a statement with up to two int64 parameters that yields one int64. */
static sa_err scalar_i64(sa_store *s, int which, int np, int64_t a, int64_t b, int64_t *out,
                         sa_errbuf *eb, const char *what)
{
    sa_err e = SA_OK;
    sqlite3_stmt *st;
    pthread_mutex_lock(&s->mu);
    st = s->st[which];
    if (np > 0)
        sqlite3_bind_int64(st, 1, a);
    if (np > 1)
        sqlite3_bind_int64(st, 2, b);
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        e = sa_store_dberr(s, eb, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    pthread_mutex_unlock(&s->mu);
    return e;
}

sa_err sa_store_last_sample_ts(sa_store *s, int64_t dep, int64_t *ts, sa_errbuf *eb)
{
    return scalar_i64(s, ST_SAMPLE_LAST, 1, dep, 0, ts, eb, "reading last sample");
}

sa_err sa_store_count_samples(sa_store *s, int64_t dep, int64_t *n, sa_errbuf *eb)
{
    return scalar_i64(s, ST_SAMPLE_COUNT, 1, dep, 0, n, eb, "counting samples");
}

sa_err sa_store_last_cycle(sa_store *s, int64_t *cycle_no, sa_errbuf *eb)
{
    return scalar_i64(s, ST_CYCLE_LAST, 0, 0, 0, cycle_no, eb, "reading last cycle");
}

sa_err sa_store_load_samples(sa_store *s, int64_t dep, int64_t since, size_t max, sa_sample **out,
                             size_t *n, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sa_sample *v = NULL;
    size_t k = 0;
    sqlite3_stmt *st;
    int rc;
    *out = NULL;
    *n = 0;
    if (max == 0)
        return SA_OK;
    if (!(v = malloc(max * sizeof *v)))
        return SA_ERR_NOMEM;
    pthread_mutex_lock(&s->mu);
    st = s->st[ST_SAMPLE_LOAD];
    sqlite3_bind_int64(st, 1, dep);
    sqlite3_bind_int64(st, 2, since);
    sqlite3_bind_int64(st, 3, (int64_t)max);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < max) {
        sa_sample *x = &v[k++];
        x->timestamp = sqlite3_column_int64(st, 0);
        x->cpu_percent = sa_store_col_real(st, 1);
        x->memory_percent = sa_store_col_real(st, 2);
        x->request_rate = sa_store_col_real(st, 3);
        x->replicas = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 4);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        e = sa_store_dberr(s, eb, "loading samples");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    pthread_mutex_unlock(&s->mu);
    if (e != SA_OK || k == 0) {
        free(v);
        return e;
    }
    /* The query returns newest first (to honour max); turn it around. */
    for (size_t i = 0; i < k / 2; i++) {
        sa_sample t = v[i];
        v[i] = v[k - 1 - i];
        v[k - 1 - i] = t;
    }
    *out = v;
    *n = k;
    return SA_OK;
}

sa_err sa_store_add_forecast(sa_store *s, int64_t dep, int64_t made_at, const char *metric,
                             const sa_store_fc_point *p, size_t n, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sqlite3_stmt *st;
    pthread_mutex_lock(&s->mu);
    st = s->st[ST_FC_ADD];
    for (size_t i = 0; i < n && e == SA_OK; i++) {
        sqlite3_bind_int64(st, 1, dep);
        sqlite3_bind_int64(st, 2, p[i].timestamp);
        sqlite3_bind_int64(st, 3, made_at);
        sqlite3_bind_text(st, 4, metric, -1, SQLITE_STATIC);
        sa_store_bind_real(st, 5, p[i].mean);
        sa_store_bind_real(st, 6, p[i].lower);
        sa_store_bind_real(st, 7, p[i].upper);
        e = step_done(s, st, eb, "saving forecast");
    }
    pthread_mutex_unlock(&s->mu);
    return e;
}

sa_err sa_store_add_recommendation(sa_store *s, int64_t dep, const sa_result *r,
                                   const char *result_json, const char *context_json, int64_t *id,
                                   sa_errbuf *eb)
{
    sa_err e;
    sqlite3_stmt *st;
    pthread_mutex_lock(&s->mu);
    st = s->st[ST_REC_ADD];
    sqlite3_bind_int64(st, 1, dep);
    sqlite3_bind_int64(st, 2, r->generated_at);
    sqlite3_bind_int(st, 3, r->current_replicas);
    sqlite3_bind_text(st, 4, sa_source_name(r->decision.source), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, sa_action_name(r->decision.action), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, r->decision.target_replicas);
    sqlite3_bind_text(st, 7, sa_verdict_name(r->decision.validation.verdict), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 8, r->decision.applied);
    sqlite3_bind_int(st, 9, r->decision.dry_run);
    sqlite3_bind_int(st, 10, r->llm_status.used);
    sqlite3_bind_text(st, 11, result_json, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, context_json, -1, SQLITE_STATIC);
    e = step_done(s, st, eb, "saving recommendation");
    if (e == SA_OK && id)
        *id = sqlite3_last_insert_rowid(s->db);
    pthread_mutex_unlock(&s->mu);
    return e;
}

sa_err sa_store_add_audit(sa_store *s, int64_t dep, int64_t rec_id, int64_t at,
                          const sa_actuation *a, int64_t *id, sa_errbuf *eb)
{
    sa_err e;
    sqlite3_stmt *st;
    pthread_mutex_lock(&s->mu);
    st = s->st[ST_AUDIT_ADD];
    sqlite3_bind_int64(st, 1, dep);
    if (rec_id > 0)
        sqlite3_bind_int64(st, 2, rec_id);
    sqlite3_bind_int64(st, 3, at);
    sqlite3_bind_text(st, 4, a->method, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, a->before);
    sqlite3_bind_int(st, 6, a->after);
    sqlite3_bind_text(st, 7, a->outcome, -1, SQLITE_STATIC);
    e = step_done(s, st, eb, "saving audit entry");
    if (e == SA_OK && id)
        *id = sqlite3_last_insert_rowid(s->db);
    pthread_mutex_unlock(&s->mu);
    return e;
}

sa_err sa_store_settle_actuation(sa_store *s, int64_t audit_id, const sa_actuation *a,
                                 int64_t rec_id, bool applied, const char *result_json,
                                 sa_errbuf *eb)
{
    sa_err e;
    sqlite3_stmt *st;
    pthread_mutex_lock(&s->mu);
    st = s->st[ST_AUDIT_SETTLE];
    sqlite3_bind_int64(st, 1, audit_id);
    sqlite3_bind_text(st, 2, a->method, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, a->before);
    sqlite3_bind_int(st, 4, a->after);
    sqlite3_bind_text(st, 5, a->outcome, -1, SQLITE_STATIC);
    e = step_done(s, st, eb, "saving the outcome of an actuation");
    if (e == SA_OK) {
        st = s->st[ST_REC_SETTLE];
        sqlite3_bind_int64(st, 1, rec_id);
        sqlite3_bind_int(st, 2, applied);
        sqlite3_bind_text(st, 3, result_json, -1, SQLITE_STATIC);
        e = step_done(s, st, eb, "saving the outcome of an actuation");
    }
    pthread_mutex_unlock(&s->mu);
    return e;
}

sa_err sa_store_recent_actuations(sa_store *s, int64_t dep, int64_t since, sa_actuation *a,
                                  int64_t *at, size_t max, size_t *n, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sqlite3_stmt *st;
    int rc;
    *n = 0;
    pthread_mutex_lock(&s->mu);
    st = s->st[ST_AUDIT_RECENT];
    sqlite3_bind_int64(st, 1, dep);
    sqlite3_bind_int64(st, 2, since);
    sqlite3_bind_int64(st, 3, (int64_t)max);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
        const char *m = (const char *)sqlite3_column_text(st, 3);
        const char *o = (const char *)sqlite3_column_text(st, 4);
        sa_actuation *x = &a[*n];
        memset(x, 0, sizeof *x);
        at[*n] = sqlite3_column_int64(st, 0);
        x->before = sqlite3_column_int(st, 1);
        x->after = sqlite3_column_int(st, 2);
        sa_strlcpy(x->method, m ? m : "", sizeof x->method);
        sa_strlcpy(x->outcome, o ? o : "", sizeof x->outcome);
        (*n)++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        e = sa_store_dberr(s, eb, "reading the audit log");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    pthread_mutex_unlock(&s->mu);
    return e;
}

sa_err sa_store_add_cycle(sa_store *s, int64_t started_at, double duration_ms, int n_deployments,
                          int64_t *cycle_no, sa_errbuf *eb)
{
    sa_err e;
    sqlite3_stmt *st;
    pthread_mutex_lock(&s->mu);
    st = s->st[ST_CYCLE_ADD];
    sqlite3_bind_int64(st, 1, started_at);
    sqlite3_bind_double(st, 2, duration_ms);
    sqlite3_bind_int(st, 3, n_deployments);
    e = step_done(s, st, eb, "saving cycle");
    if (e == SA_OK && cycle_no)
        *cycle_no = sqlite3_last_insert_rowid(s->db);
    pthread_mutex_unlock(&s->mu);
    return e;
}

/* Run one retention DELETE bound to `before` (and a row limit when the
 * statement takes one); the rows it deleted into *n. */
static sa_err retain_step(sa_store *s, int which, int64_t before, int64_t limit, int64_t *n,
                          sa_errbuf *eb, const char *what)
{
    sa_err e;
    sqlite3_stmt *st = s->st[which];
    sqlite3_bind_int64(st, 1, before);
    if (sqlite3_bind_parameter_count(st) > 1)
        sqlite3_bind_int64(st, 2, limit);
    e = step_done(s, st, eb, what);
    *n = e == SA_OK ? sqlite3_changes(s->db) : 0;
    return e;
}

sa_err sa_store_retain(sa_store *s, int64_t samples_before, int64_t decisions_before,
                       int64_t max_decisions, sa_store_deleted *deleted, sa_errbuf *eb)
{
    sa_err e;
    sa_store_deleted d = {0, 0};
    int64_t n = 0;
    int64_t audit_before = samples_before < decisions_before ? samples_before : decisions_before;
    pthread_mutex_lock(&s->mu);
    e = retain_step(s, ST_RETAIN_SAMPLES, samples_before, 0, &d.samples, eb,
                    "deleting old samples");
    if (e == SA_OK)
        e = retain_step(s, ST_RETAIN_FC, samples_before, 0, &n, eb, "deleting old forecasts");
    if (e == SA_OK)
        e = retain_step(s, ST_RETAIN_AUDIT, audit_before, 0, &n, eb, "deleting old actuations");
    if (e == SA_OK)
        e = retain_step(s, ST_RETAIN_REC, decisions_before, max_decisions, &d.decisions, eb,
                        "deleting old decisions");
    if (e == SA_OK)
        e = retain_step(s, ST_RETAIN_CYCLES, decisions_before, 0, &n, eb, "deleting old cycles");
    pthread_mutex_unlock(&s->mu);
    if (e == SA_OK && deleted)
        *deleted = d;
    return e;
}
