/*
 * store_read.c - the reads behind the HTTP API: the latest recommendation
 * of every deployment and the history of one, written straight into a JSON
 * buffer. A history is read inside one read transaction so its lists are
 * one consistent snapshot even while the loop commits a cycle.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "scaleadvisor/banned.h"

static sa_err put_num(sa_buf *b, double v)
{
    return isfinite(v) ? sa_buf_printf(b, "%.6g", v) : sa_buf_puts(b, "null");
}

static void reset(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

sa_err sa_store_latest_json(sa_store *s, const char *ns, const char *name, sa_buf *out,
                            sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sqlite3_stmt *st;
    int rc, k = 0;
    pthread_mutex_lock(&s->mu);
    st = s->st[ST_LATEST];
    if (ns)
        sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
    if (name)
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    e = sa_buf_puts(out, "[");
    while (e == SA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *j = (const char *)sqlite3_column_text(st, 0);
        if (k++ && (e = sa_buf_puts(out, ",")) != SA_OK)
            break;
        e = sa_buf_puts(out, j ? j : "null");
    }
    if (e == SA_OK && rc != SQLITE_DONE)
        e = sa_store_dberr(s, eb, "reading recommendations");
    if (e == SA_OK)
        e = sa_buf_puts(out, "]");
    reset(st);
    pthread_mutex_unlock(&s->mu);
    return e;
}

static sa_err dep_json(sqlite3_stmt *st, sa_buf *out)
{
    sa_err e = sa_buf_puts(out, "{\"namespace\":");
    if (e == SA_OK)
        e = sa_buf_json_str(out, (const char *)sqlite3_column_text(st, 1));
    if (e == SA_OK)
        e = sa_buf_puts(out, ",\"name\":");
    if (e == SA_OK)
        e = sa_buf_json_str(out, (const char *)sqlite3_column_text(st, 2));
    if (e == SA_OK)
        e = sa_buf_printf(out, ",\"min_replicas\":%d,\"max_replicas\":%d,\"target_cpu_percent\":",
                          sqlite3_column_int(st, 3), sqlite3_column_int(st, 4));
    if (e == SA_OK)
        e = put_num(out, sa_store_col_real(st, 5));
    if (e == SA_OK)
        e = sa_buf_puts(out, ",\"preset\":");
    if (e == SA_OK)
        e = sa_buf_json_str(out, (const char *)sqlite3_column_text(st, 6));
    if (e == SA_OK)
        e = sa_buf_printf(out, ",\"current_replicas\":%d,\"first_seen\":%lld,\"last_seen\":%lld}",
                          sqlite3_column_int(st, 7), (long long)sqlite3_column_int64(st, 8),
                          (long long)sqlite3_column_int64(st, 9));
    return e;
}

static sa_err sample_row(sqlite3_stmt *st, sa_buf *out)
{
    sa_err e = sa_buf_printf(
        out, "{\"timestamp\":%lld,\"cpu_percent\":", (long long)sqlite3_column_int64(st, 0));
    if (e == SA_OK)
        e = put_num(out, sa_store_col_real(st, 1));
    if (e == SA_OK)
        e = sa_buf_puts(out, ",\"memory_percent\":");
    if (e == SA_OK)
        e = put_num(out, sa_store_col_real(st, 2));
    if (e == SA_OK)
        e = sa_buf_puts(out, ",\"request_rate\":");
    if (e == SA_OK)
        e = put_num(out, sa_store_col_real(st, 3));
    if (e == SA_OK)
        e = sa_buf_puts(out, ",\"replicas\":");
    if (e == SA_OK)
        e = sqlite3_column_type(st, 4) == SQLITE_NULL
                ? sa_buf_puts(out, "null}")
                : sa_buf_printf(out, "%d}", sqlite3_column_int(st, 4));
    return e;
}

static sa_err fc_row(sqlite3_stmt *st, sa_buf *out)
{
    sa_err e = sa_buf_printf(out, "{\"timestamp\":%lld,\"made_at\":%lld,\"metric\":",
                             (long long)sqlite3_column_int64(st, 0),
                             (long long)sqlite3_column_int64(st, 1));
    if (e == SA_OK)
        e = sa_buf_json_str(out, (const char *)sqlite3_column_text(st, 2));
    if (e == SA_OK)
        e = sa_buf_puts(out, ",\"mean\":");
    if (e == SA_OK)
        e = put_num(out, sa_store_col_real(st, 3));
    if (e == SA_OK)
        e = sa_buf_puts(out, ",\"lower\":");
    if (e == SA_OK)
        e = put_num(out, sa_store_col_real(st, 4));
    if (e == SA_OK)
        e = sa_buf_puts(out, ",\"upper\":");
    if (e == SA_OK)
        e = put_num(out, sa_store_col_real(st, 5));
    if (e == SA_OK)
        e = sa_buf_puts(out, "}");
    return e;
}

static sa_err rec_row(sqlite3_stmt *st, sa_buf *out)
{
    const char *j = (const char *)sqlite3_column_text(st, 1);
    return sa_buf_puts(out, j ? j : "null");
}

static sa_err audit_row(sqlite3_stmt *st, sa_buf *out)
{
    sa_err e = sa_buf_printf(out,
                             "{\"id\":%lld,\"recommendation_id\":%lld,\"at\":%lld,"
                             "\"method\":",
                             (long long)sqlite3_column_int64(st, 0),
                             (long long)sqlite3_column_int64(st, 1),
                             (long long)sqlite3_column_int64(st, 2));
    if (e == SA_OK)
        e = sa_buf_json_str(out, (const char *)sqlite3_column_text(st, 3));
    if (e == SA_OK)
        e = sa_buf_printf(out,
                          ",\"before\":%d,\"after\":%d,\"outcome\":", sqlite3_column_int(st, 4),
                          sqlite3_column_int(st, 5));
    if (e == SA_OK)
        e = sa_buf_json_str(out, (const char *)sqlite3_column_text(st, 6));
    if (e == SA_OK)
        e = sa_buf_puts(out, "}");
    return e;
}

/* Write `"key":[rows]` from statement `which` bound to (dep, since, limit). */
static sa_err list_json(sa_store *s, int which, const char *key, int64_t dep, int64_t since,
                        int limit, sa_err (*row)(sqlite3_stmt *, sa_buf *), sa_buf *out,
                        sa_errbuf *eb)
{
    sqlite3_stmt *st = s->st[which];
    int rc = SQLITE_DONE, k = 0;
    sa_err e = sa_buf_printf(out, ",\"%s\":[", key);
    sqlite3_bind_int64(st, 1, dep);
    sqlite3_bind_int64(st, 2, since);
    sqlite3_bind_int(st, 3, limit);
    while (e == SA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k++ && (e = sa_buf_puts(out, ",")) != SA_OK)
            break;
        e = row(st, out);
    }
    if (e == SA_OK && rc != SQLITE_DONE)
        e = sa_store_dberr(s, eb, key);
    if (e == SA_OK)
        e = sa_buf_puts(out, "]");
    reset(st);
    return e;
}

sa_err sa_store_history_json(sa_store *s, const char *ns, const char *name, int64_t since,
                             int limit, sa_buf *out, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sqlite3_stmt *st;
    int64_t dep = 0;
    int rc;
    if (limit <= 0)
        limit = 1;
    pthread_mutex_lock(&s->mu);
    if (!s->in_tx && sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        e = sa_store_dberr(s, eb, "starting read");
        pthread_mutex_unlock(&s->mu);
        return e;
    }
    st = s->st[ST_DEP_ROW];
    sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        dep = sqlite3_column_int64(st, 0);
        e = sa_buf_puts(out, "{\"deployment\":");
        if (e == SA_OK)
            e = dep_json(st, out);
    } else if (rc == SQLITE_DONE) {
        e = sa_fail(eb, SA_ERR_NOTFOUND, "deployment %s/%s is not known", ns, name);
    } else {
        e = sa_store_dberr(s, eb, "reading deployment");
    }
    reset(st);
    if (e == SA_OK)
        e = list_json(s, ST_HIST_SAMPLES, "samples", dep, since, limit, sample_row, out, eb);
    if (e == SA_OK)
        e = list_json(s, ST_HIST_FC, "forecast", dep, since, limit, fc_row, out, eb);
    if (e == SA_OK)
        e = list_json(s, ST_HIST_REC, "decisions", dep, since, limit, rec_row, out, eb);
    if (e == SA_OK)
        e = list_json(s, ST_HIST_AUDIT, "actuations", dep, since, limit, audit_row, out, eb);
    if (e == SA_OK)
        e = sa_buf_puts(out, "}");
    if (!s->in_tx)
        (void)sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    pthread_mutex_unlock(&s->mu);
    return e;
}

sa_err sa_store_recommendation_context(sa_store *s, int64_t rec_id, char **out, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sqlite3_stmt *st;
    int rc;
    *out = NULL;
    pthread_mutex_lock(&s->mu);
    st = s->st[ST_REC_CONTEXT];
    sqlite3_bind_int64(st, 1, rec_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *j = (const char *)sqlite3_column_text(st, 0);
        if (!(*out = strdup(j ? j : "")))
            e = SA_ERR_NOMEM;
    } else if (rc == SQLITE_DONE) {
        e = sa_fail(eb, SA_ERR_NOTFOUND, "recommendation %lld is not known", (long long)rec_id);
    } else {
        e = sa_store_dberr(s, eb, "reading recommendation");
    }
    reset(st);
    pthread_mutex_unlock(&s->mu);
    return e;
}

sa_err sa_store_counts_get(sa_store *s, sa_store_counts *c, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sqlite3_stmt *st;
    pthread_mutex_lock(&s->mu);
    st = s->st[ST_COUNT_ALL];
    if (sqlite3_step(st) == SQLITE_ROW) {
        c->deployments = sqlite3_column_int64(st, 0);
        c->samples = sqlite3_column_int64(st, 1);
        c->forecasts = sqlite3_column_int64(st, 2);
        c->recommendations = sqlite3_column_int64(st, 3);
        c->audits = sqlite3_column_int64(st, 4);
        c->cycles = sqlite3_column_int64(st, 5);
    } else {
        e = sa_store_dberr(s, eb, "counting rows");
    }
    reset(st);
    pthread_mutex_unlock(&s->mu);
    return e;
}
