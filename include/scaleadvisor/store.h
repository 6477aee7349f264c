/*
 * store.h - the service's SQLite database: deployments, metric samples,
 * forecast points, recommendations (the decision, its validation, the
 * recommendation object as written and the context it was made from) and
 * the audit log of actuations.
 *
 * The database runs in WAL mode with a busy timeout; its schema is
 * versioned with PRAGMA user_version and migrated forward on open. The
 * control loop owns one writer handle and wraps each cycle in one
 * transaction (sa_store_begin / sa_store_commit), so a crash loses at most
 * the cycle in flight; actuations are made after that commit and their
 * outcomes stored in a second one (sa_store_settle_actuation). The HTTP
 * server reads through a second handle opened with SA_STORE_READONLY (a
 * WAL reader: it never blocks the writer).
 *
 * Threading: every function of one handle may be called from any thread;
 * a handle serialises its own calls with a mutex.
 */
#ifndef SCALEADVISOR_STORE_H
#define SCALEADVISOR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/err.h"
#include "scaleadvisor/model.h"
#include "scaleadvisor/source.h"

#define SA_STORE_SCHEMA_VERSION 2
#define SA_STORE_BUSY_TIMEOUT_MS 5000

typedef enum { SA_STORE_READWRITE = 0, SA_STORE_READONLY } sa_store_mode;

typedef struct sa_store sa_store;

/* Open (and with SA_STORE_READWRITE create and migrate) the database at
 * path. A read-only handle needs the database to exist with the current
 * schema. Caller frees with sa_store_close. */
SA_MUST_CHECK sa_err sa_store_open(const char *path, sa_store_mode mode, sa_store **out,
                                   sa_errbuf *eb);
/* Roll back an open transaction, finalise, close. NULL is harmless. */
void sa_store_close(sa_store *s);

/* Schema version of the open database (PRAGMA user_version). */
int sa_store_schema_version(sa_store *s);

/* One transaction per cycle. begin fails with SA_ERR_CONFLICT when one is
 * already open; rollback without one is harmless. */
SA_MUST_CHECK sa_err sa_store_begin(sa_store *s, sa_errbuf *eb);
SA_MUST_CHECK sa_err sa_store_commit(sa_store *s, sa_errbuf *eb);
void sa_store_rollback(sa_store *s);

/* Insert or update a deployment from a context (bounds, target, preset,
 * current replicas, last seen = now); its row id into *id. */
SA_MUST_CHECK sa_err sa_store_upsert_deployment(sa_store *s, const sa_context *ctx, int64_t now,
                                                int64_t *id, sa_errbuf *eb);
/* Id of a known deployment, SA_ERR_NOTFOUND otherwise. */
SA_MUST_CHECK sa_err sa_store_deployment_id(sa_store *s, const char *ns, const char *name,
                                            int64_t *id, sa_errbuf *eb);

/* Store a sample; a second sample with the same deployment and timestamp
 * is ignored (*inserted false). NaN metrics are stored as NULL. */
SA_MUST_CHECK sa_err sa_store_add_sample(sa_store *s, int64_t dep, const sa_sample *x,
                                         bool *inserted, sa_errbuf *eb);
/* Timestamp of the newest sample of dep (0 when none). */
SA_MUST_CHECK sa_err sa_store_last_sample_ts(sa_store *s, int64_t dep, int64_t *ts, sa_errbuf *eb);
/* The newest samples of dep with timestamp >= since, at most max of them,
 * oldest first. *out: caller frees with free() (NULL when *n == 0). */
SA_MUST_CHECK sa_err sa_store_load_samples(sa_store *s, int64_t dep, int64_t since, size_t max,
                                           sa_sample **out, size_t *n, sa_errbuf *eb);
SA_MUST_CHECK sa_err sa_store_count_samples(sa_store *s, int64_t dep, int64_t *n, sa_errbuf *eb);

/* One forecast point. */
typedef struct {
    int64_t timestamp;
    double mean, lower, upper;
} sa_store_fc_point;

/* Write the forecast made at made_at for `metric`: each point replaces any
 * earlier forecast for the same time, so the table holds, for every time,
 * the latest forecast made for it. */
SA_MUST_CHECK sa_err sa_store_add_forecast(sa_store *s, int64_t dep, int64_t made_at,
                                           const char *metric, const sa_store_fc_point *p, size_t n,
                                           sa_errbuf *eb);

/* Record one evaluation: the result (decision, validation), the
 * recommendation object JSON as served and the context JSON it was made
 * from. Its row id into *id. */
SA_MUST_CHECK sa_err sa_store_add_recommendation(sa_store *s, int64_t dep, const sa_result *r,
                                                 const char *result_json, const char *context_json,
                                                 int64_t *id, sa_errbuf *eb);
/* Record one actuation (or the intent of one, outcome "pending") of
 * recommendation rec_id at time at. Its row id into *id (may be NULL). */
SA_MUST_CHECK sa_err sa_store_add_audit(sa_store *s, int64_t dep, int64_t rec_id, int64_t at,
                                        const sa_actuation *a, int64_t *id, sa_errbuf *eb);
/* The outcome of an intended actuation: audit row audit_id gets a's
 * method, before, after and outcome; recommendation rec_id its applied
 * flag and the object as served now. */
SA_MUST_CHECK sa_err sa_store_settle_actuation(sa_store *s, int64_t audit_id, const sa_actuation *a,
                                               int64_t rec_id, bool applied,
                                               const char *result_json, sa_errbuf *eb);

/* The actuations of dep that changed replicas at or after since, newest
 * first, at most max, into a[] and at[] (*n of them; 0 when none), so a
 * restart keeps its cooldowns and its HPA behavior's periods. */
SA_MUST_CHECK sa_err sa_store_recent_actuations(sa_store *s, int64_t dep, int64_t since,
                                                sa_actuation *a, int64_t *at, size_t max, size_t *n,
                                                sa_errbuf *eb);

/* Record the end of a cycle (number, start, duration, deployments). */
SA_MUST_CHECK sa_err sa_store_add_cycle(sa_store *s, int64_t started_at, double duration_ms,
                                        int n_deployments, int64_t *cycle_no, sa_errbuf *eb);
/* Number of the last committed cycle (0 when none). */
SA_MUST_CHECK sa_err sa_store_last_cycle(sa_store *s, int64_t *cycle_no, sa_errbuf *eb);

/* Retention (times in epoch s). Samples and forecast points older than
 * samples_before go; actuations (audit rows) once older than both limits;
 * decisions (recommendation rows) older than decisions_before that no
 * remaining actuation refers to, the oldest first and at most max_decisions
 * of them a call; cycle rows older than decisions_before. What went into
 * *deleted (may be NULL). */
typedef struct {
    int64_t samples, decisions;
} sa_store_deleted;
SA_MUST_CHECK sa_err sa_store_retain(sa_store *s, int64_t samples_before, int64_t decisions_before,
                                     int64_t max_decisions, sa_store_deleted *deleted,
                                     sa_errbuf *eb);

/* Reads for the HTTP API. */

/* Append a JSON array of the latest recommendation object of every
 * watched deployment (seen by the newest cycle: last_seen is the largest;
 * a deployment the source no longer reports drops out), filtered by
 * namespace and name (NULL = any), ordered by namespace then name. */
SA_MUST_CHECK sa_err sa_store_latest_json(sa_store *s, const char *ns, const char *name,
                                          sa_buf *out, sa_errbuf *eb);
/* Append the history object of one deployment since `since`:
 * {"deployment":{...},"samples":[...],"forecast":[...],"decisions":[...],
 *  "actuations":[...]}, each list the newest `limit` rows, oldest first.
 * SA_ERR_NOTFOUND for an unknown deployment. */
SA_MUST_CHECK sa_err sa_store_history_json(sa_store *s, const char *ns, const char *name,
                                           int64_t since, int limit, sa_buf *out, sa_errbuf *eb);
/* The context JSON a recommendation was made from (for explain/replay);
 * caller frees *out with free(). SA_ERR_NOTFOUND when rec_id is unknown. */
SA_MUST_CHECK sa_err sa_store_recommendation_context(sa_store *s, int64_t rec_id, char **out,
                                                     sa_errbuf *eb);
/* Counts of rows, for tests and the status object. */
typedef struct {
    int64_t deployments, samples, forecasts, recommendations, audits, cycles;
} sa_store_counts;
SA_MUST_CHECK sa_err sa_store_counts_get(sa_store *s, sa_store_counts *c, sa_errbuf *eb);

#endif
