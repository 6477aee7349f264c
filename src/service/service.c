/*
 * service.c - the control loop (see service.h). A cycle runs on the loop
 * thread inside one database transaction: collect, store new samples,
 * evaluate every deployment (LLM_MAX_CONCURRENT workers when the LLM may
 * be consulted, so one slow answer never holds the others), store results
 * and the intent of every due actuation, commit; then actuate through
 * actuate.c and store the outcomes in a second transaction, then metrics.
 * Cycles run on a grid of interval_s in epoch time, so samples stay evenly
 * spaced across restarts.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "scaleadvisor/actuate.h"
#include "scaleadvisor/codec.h"
#include "scaleadvisor/decide.h"
#include "scaleadvisor/llm.h"
#include "scaleadvisor/log.h"
#include "scaleadvisor/util.h"
#include "svc_int.h"
#include "scaleadvisor/banned.h"

/* Retention runs every this many cycles (and on the first). A pass deletes
 * at most twice the decisions written since the last, and at least
 * SVC_RETAIN_BATCH: a backlog (a database from before decisions were
 * pruned, a retention shortened) drains over passes instead of holding
 * the cycle's write transaction; bench_service_cycle measures a pass. */
#define SVC_RETAIN_EVERY 40
#define SVC_RETAIN_BATCH 5000
/* A deployment no longer collected keeps its in-memory state this long (a
 * brief absence keeps its stabilisation and decision memory); then the
 * state is released and a return resumes from the store, as after a
 * restart. Bounds memory where deployments come and go. */
#define SVC_GONE_KEEP_S 3600

sa_err sa_service_create(const sa_service_deps *d, sa_service **out, sa_errbuf *eb)
{
    sa_err e;
    sa_service *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return SA_ERR_NOMEM;
    s->d = *d;
    s->started_at = (int64_t)sa_now();
    s->beat_ms = sa_mono_ms();
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if ((e = svc_metrics_init(s, eb)) != SA_OK) {
        sa_service_destroy(s);
        return e;
    }
    *out = s;
    return SA_OK;
}

void sa_service_stop(sa_service *s)
{
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    while (s->queue) {
        svc_req *r = s->queue;
        s->queue = r->next;
        r->err = sa_fail(&r->eb, SA_ERR_UNAVAILABLE, "the service is shutting down");
        r->done = true;
        if (--r->refs == 0) {
            sa_buf_release(&r->out);
            free(r);
        }
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void dep_release(svc_dep *d)
{
    free(d->hist);
    free(d->last_json);
    svc_eval_destroy(d->ev);
}

void sa_service_destroy(sa_service *s)
{
    if (!s)
        return;
    sa_service_stop(s);
    for (size_t i = 0; i < s->n_deps; i++)
        dep_release(&s->deps[i]);
    free(s->deps);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* The loop made progress (a turn, a cycle begun or ended). */
static void beat(sa_service *s)
{
    pthread_mutex_lock(&s->mu);
    s->beat_ms = sa_mono_ms();
    pthread_mutex_unlock(&s->mu);
}

int64_t sa_service_stall_limit_s(const sa_service *s)
{
    const sa_config *c = s->d.cfg;
    int64_t lim = 3 * c->interval_s + 4 * ((c->llm_timeout_ms + 999) / 1000);
    return lim > SVC_STALL_MIN_S ? lim : SVC_STALL_MIN_S;
}

int64_t sa_service_stalled_s(sa_service *s, double now_ms)
{
    double since;
    pthread_mutex_lock(&s->mu);
    since = (now_ms - s->beat_ms) / 1000.0;
    pthread_mutex_unlock(&s->mu);
    return since > (double)sa_service_stall_limit_s(s) ? (int64_t)since : 0;
}

int64_t sa_service_cycles(const sa_service *s)
{
    return s->cycles;
}

static svc_dep *dep_find(sa_service *s, const char *ns, const char *name)
{
    for (size_t i = 0; i < s->n_deps; i++)
        if (strcmp(s->deps[i].ns, ns) == 0 && strcmp(s->deps[i].name, name) == 0)
            return &s->deps[i];
    return NULL;
}

static void ring_push(svc_dep *d, const sa_sample *x)
{
    size_t pos = (d->hist_head + d->hist_n) % SVC_HISTORY_MAX;
    d->hist[pos] = *x;
    if (d->hist_n < SVC_HISTORY_MAX)
        d->hist_n++;
    else
        d->hist_head = (d->hist_head + 1) % SVC_HISTORY_MAX;
}

/* Keep x, a sample on or past the next slot of the grid, in memory. */
static void keep_sample(svc_dep *d, const sa_sample *x)
{
    ring_push(d, x);
    d->last_ts = x->timestamp;
}

/* A deployment seen for the first time since start: save it and resume
 * from its stored history (this is what survives a restart). */
static sa_err dep_add(sa_service *s, const sa_context *ctx, int64_t now, svc_dep **out,
                      sa_errbuf *eb)
{
    sa_err e;
    svc_dep *d;
    sa_sample *v = NULL;
    size_t n = 0;
    int64_t since = now - s->d.cfg->retention_hours * 3600;
    if (s->n_deps == s->cap_deps) {
        size_t cap = s->cap_deps ? 2 * s->cap_deps : 8;
        svc_dep *nd = realloc(s->deps, cap * sizeof *nd);
        if (!nd)
            return SA_ERR_NOMEM;
        s->deps = nd;
        s->cap_deps = cap;
    }
    d = &s->deps[s->n_deps];
    memset(d, 0, sizeof *d);
    sa_strlcpy(d->ns, ctx->namespace_, sizeof d->ns);
    sa_strlcpy(d->name, ctx->name, sizeof d->name);
    sa_result_init(&d->last);
    if (!(d->hist = calloc(SVC_HISTORY_MAX, sizeof *d->hist)))
        return SA_ERR_NOMEM;
    if ((e = svc_eval_create(s, ctx, &d->ev, eb)) != SA_OK ||
        (e = sa_store_upsert_deployment(s->d.store, ctx, now, &d->dep_id, eb)) != SA_OK ||
        (e = sa_store_load_samples(s->d.store, d->dep_id, since, SVC_HISTORY_MAX, &v, &n, eb)) !=
            SA_OK) {
        free(d->hist);
        svc_eval_destroy(d->ev);
        return e;
    }
    for (size_t i = 0; i < n; i++)
        keep_sample(d, &v[i]);
    {
        /* cooldowns and an HPA behavior's periods survive a restart:
         * replay the actuations of the longest period, oldest first */
        sa_actuation a[SA_DECIDE_EVENTS_MAX];
        int64_t at[SA_DECIDE_EVENTS_MAX];
        size_t na = 0;
        if (sa_store_recent_actuations(s->d.store, d->dep_id, now - SA_SCALING_PERIOD_MAX, a, at,
                                       SA_DECIDE_EVENTS_MAX, &na, NULL) == SA_OK)
            while (na > 0) {
                na--;
                svc_eval_note_scale(d->ev, at[na], a[na].before, a[na].after);
            }
    }
    if (n)
        sa_log(SA_LOG_INFO, "resumed from stored history",
               "namespace=%s deployment=%s samples=%zu last=%lld", d->ns, d->name, n,
               (long long)d->last_ts);
    free(v);
    s->n_deps++;
    *out = d;
    return SA_OK;
}

/* Store the samples of ctx not stored yet: its history (back-fill), then
 * the metrics now. Samples off the grid (an evaluate-now between cycles)
 * are not stored, so the series stays evenly spaced. */
static sa_err ingest(sa_service *s, svc_dep *d, const sa_context *ctx, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    int64_t step = s->d.cfg->interval_s;
    for (size_t i = 0; i < ctx->n_history && e == SA_OK; i++) {
        const sa_sample *x = &ctx->history[i];
        if (x->timestamp < d->last_ts + step)
            continue;
        if ((e = sa_store_add_sample(s->d.store, d->dep_id, x, NULL, eb)) == SA_OK)
            keep_sample(d, x);
    }
    if (e == SA_OK && ctx->observed_at >= d->last_ts + step && !ctx->degraded[0]) {
        sa_sample x = {ctx->observed_at, ctx->cpu_percent, ctx->memory_percent, ctx->request_rate,
                       ctx->current_replicas};
        if ((e = sa_store_add_sample(s->d.store, d->dep_id, &x, NULL, eb)) == SA_OK)
            keep_sample(d, &x);
    }
    return e;
}

/* Attach to ctx (a copy without history) the newest evenly spaced run of
 * the deployment's samples, oldest first. */
static sa_err attach_history(sa_service *s, const svc_dep *d, sa_context *ctx)
{
    int64_t step = s->d.cfg->interval_s;
    size_t k = 0;
    if (d->hist_n == 0)
        return SA_OK;
    /* count back from the newest while the spacing is exactly one step */
    k = 1;
    while (k < d->hist_n) {
        const sa_sample *a = &d->hist[(d->hist_head + d->hist_n - 1 - k) % SVC_HISTORY_MAX];
        const sa_sample *b = &d->hist[(d->hist_head + d->hist_n - k) % SVC_HISTORY_MAX];
        if (b->timestamp - a->timestamp != step)
            break;
        k++;
    }
    if (!(ctx->history = malloc(k * sizeof *ctx->history)))
        return SA_ERR_NOMEM;
    for (size_t i = 0; i < k; i++)
        ctx->history[i] = d->hist[(d->hist_head + d->hist_n - k + i) % SVC_HISTORY_MAX];
    ctx->n_history = k;
    return SA_OK;
}

/* One deployment's evaluation job, run on the loop thread or a worker. */
typedef struct {
    sa_service *s;
    svc_dep *d;     /* set once every deployment is added (realloc) */
    size_t di;      /* index of d in s->deps */
    sa_context ctx; /* owned copy with history */
    int64_t now;
    double llm_start_by_ms;
    sa_result r;
    sa_store_fc_point pts[SVC_FORECAST_POINTS];
    size_t npts;
    char metric[32];
    sa_err prep;
    /* an actuation due: its intent is stored with the cycle, the source
     * called after the commit (act_due) */
    bool due;
    int64_t rec_id, audit_id;
    sa_act_status act; /* what was done: the gate's answer, then the actuation's */
} svc_job;

static void job_run(svc_job *j)
{
    svc_eval_run(j->s, j->d->ev, &j->ctx, j->now, j->llm_start_by_ms, &j->r, j->pts, &j->npts,
                 j->metric);
}

/* The jobs of one cycle in the order they are taken (sa_parallel_for). */
typedef struct {
    svc_job *jobs;
    const size_t *order; /* indices into jobs */
} svc_turns;

static void turn_run(void *ctx, size_t k)
{
    const svc_turns *t = ctx;
    job_run(&t->jobs[t->order[k]]);
}

typedef struct {
    int64_t asked_at;
    size_t i;
} svc_turn;

static int turn_cmp(const void *a, const void *b)
{
    const svc_turn *x = a, *y = b;
    if (x->asked_at != y->asked_at)
        return x->asked_at < y->asked_at ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Only the LLM step waits on the network. With an LLM, LLM_MAX_CONCURRENT
 * workers (the loop thread one of them) take the deployment an
 * evaluate-now asked for (`first`, may be NULL) and then those that have
 * waited longest for an LLM request first, and a request may start only
 * within one LLM_TIMEOUT_MS of the cycle's start: the rest are deferred
 * to the next cycle, where they come first. So the API sees at most that
 * many requests at once, and a cycle spends at most two LLM budgets. */
static void run_jobs(sa_service *s, svc_job *jobs, size_t n, const svc_req *first)
{
    const sa_config *cfg = s->d.cfg;
    bool llm = s->d.llm != NULL && sa_llm_enabled(s->d.llm);
    double start_by = llm ? sa_mono_ms() + (double)cfg->llm_timeout_ms : 0.0;
    svc_turn *turns = calloc(n ? n : 1, sizeof *turns);
    size_t *order = calloc(n ? n : 1, sizeof *order), m = 0;
    for (size_t i = 0; i < n; i++) {
        jobs[i].llm_start_by_ms = start_by;
        if (jobs[i].prep != SA_OK)
            continue;
        if (!turns || !order) { /* out of memory: one by one, in order */
            job_run(&jobs[i]);
            continue;
        }
        const sa_context *c = &jobs[i].ctx;
        bool asked_for =
            first && strcmp(c->namespace_, first->ns) == 0 && strcmp(c->name, first->name) == 0;
        turns[m].asked_at = asked_for ? INT64_MIN
                            : llm     ? sa_llm_asked_at(s->d.llm, c->namespace_, c->name)
                                      : 0;
        turns[m++].i = i;
    }
    if (m > 1)
        qsort(turns, m, sizeof *turns, turn_cmp);
    for (size_t k = 0; k < m; k++)
        order[k] = turns[k].i;
    svc_turns t = {.jobs = jobs, .order = order};
    sa_parallel_for(m, llm ? (size_t)cfg->llm_max_concurrent : 1, turn_run, &t);
    free(turns);
    free(order);
}

/* The context as stored with its recommendation: everything the decision
 * saw, with the newest SVC_CONTEXT_HISTORY samples of its history; the
 * older ones are in the samples table (the context of a decision at t is
 * this JSON plus the stored samples before t). About 3 KB of the 6.4 KB
 * a stored decision takes (bench_service_cycle). */
static sa_err context_json(const sa_context *ctx, sa_buf *out)
{
    sa_context c = *ctx;
    if (c.n_history > SVC_CONTEXT_HISTORY) {
        c.history += c.n_history - SVC_CONTEXT_HISTORY;
        c.n_history = SVC_CONTEXT_HISTORY;
    }
    return sa_codec_context_json(&c, out);
}

static bool actuation_paused(sa_service *s)
{
    bool paused;
    pthread_mutex_lock(&s->mu);
    paused = s->paused || s->emergency_stop;
    pthread_mutex_unlock(&s->mu);
    return paused;
}

/* The object as served becomes the deployment's latest. */
static sa_err keep_latest(svc_dep *d, const sa_result *r, sa_buf *rj)
{
    char *json = NULL;
    sa_err e = sa_buf_detach(rj, &json);
    if (e == SA_OK) {
        free(d->last_json);
        d->last_json = json;
        d->last = *r;
        d->has_last = true;
    }
    return e;
}

/* Write forecast, recommendation and, for an actuation that is due, its
 * intent (an audit row "pending") of one job, inside the cycle's
 * transaction. The source is called only once that is committed. */
static sa_err record(sa_service *s, svc_job *j, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    svc_dep *d = j->d;
    sa_actuation intent;
    sa_buf rj, cj;
    j->act = sa_act_gate(s->d.src, &j->ctx, &j->r.decision, s->d.cfg->dry_run, actuation_paused(s));
    j->due = j->act == SA_ACT_DUE;
    sa_buf_init(&rj, SA_CAP_JSON_OUT);
    sa_buf_init(&cj, SA_CAP_JSON_OUT);
    if (j->npts)
        e = sa_store_add_forecast(s->d.store, d->dep_id, j->now, j->metric, j->pts, j->npts, eb);
    if (e == SA_OK && ((e = sa_codec_result_json(&j->r, &rj)) != SA_OK ||
                       (e = context_json(&j->ctx, &cj)) != SA_OK))
        sa_fail(eb, e, "encoding the result of %s/%s", d->ns, d->name);
    if (e == SA_OK)
        e = sa_store_add_recommendation(s->d.store, d->dep_id, &j->r, rj.data, cj.data, &j->rec_id,
                                        eb);
    if (e == SA_OK && j->due) {
        sa_act_intent(s->d.src, &j->ctx, &j->r.decision, &intent);
        e = sa_store_add_audit(s->d.store, d->dep_id, j->rec_id, j->now, &intent, &j->audit_id, eb);
    }
    if (e == SA_OK)
        e = keep_latest(d, &j->r, &rj);
    sa_buf_release(&rj);
    sa_buf_release(&cj);
    return e;
}

/* After the cycle's commit: make the actuations that are due and store
 * their outcomes in one more transaction. A crash in between leaves the
 * intent rows "pending" (counted as actuations for the cooldowns after a
 * restart); a store that fails here leaves them so and logs. */
static void act_due(sa_service *s, svc_job *jobs, size_t n)
{
    sa_errbuf eb = {0};
    sa_err e = SA_OK;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        svc_job *j = &jobs[i];
        sa_actuation act;
        sa_buf rj;
        if (!j->due)
            continue;
        sa_act_status st = sa_actuate(s->d.src, &j->ctx, &j->r.decision, s->d.cfg->dry_run,
                                      actuation_paused(s), &act);
        j->act = st;
        if (st != SA_ACT_APPLIED && st != SA_ACT_FAILED) { /* paused since */
            sa_act_intent(s->d.src, &j->ctx, &j->r.decision, &act);
            act.after = act.before;
            snprintf(act.outcome, sizeof act.outcome, "not done: %s", sa_act_status_name(st));
        }
        if (st == SA_ACT_APPLIED && act.after != act.before)
            svc_eval_note_scale(j->d->ev, j->now, act.before, act.after);
        sa_buf_init(&rj, SA_CAP_JSON_OUT);
        sa_err je = sa_codec_result_json(&j->r, &rj);
        if (je != SA_OK && e == SA_OK)
            e = sa_fail(&eb, je, "encoding the result of %s/%s", j->d->ns, j->d->name);
        if (e == SA_OK && !any && (e = sa_store_begin(s->d.store, &eb)) == SA_OK)
            any = true;
        if (e == SA_OK)
            e = sa_store_settle_actuation(s->d.store, j->audit_id, &act, j->rec_id,
                                          j->r.decision.applied, rj.data, &eb);
        /* what was done is served, whether or not it could be stored */
        if (je == SA_OK)
            (void)keep_latest(j->d, &j->r, &rj);
        sa_buf_release(&rj);
    }
    if (any && e == SA_OK)
        e = sa_store_commit(s->d.store, &eb);
    else if (any)
        sa_store_rollback(s->d.store);
    if (e != SA_OK)
        sa_log(SA_LOG_ERROR, "actuation outcomes not stored: their audit rows stay pending",
               "error=%s", eb.msg);
}

/* Collect, evaluate and record the cycle into *jobs_out (caller frees
 * with jobs_free, whatever is returned). */
static sa_err cycle_body(sa_service *s, sa_context *v, size_t n, int64_t now, const svc_req *first,
                         svc_job **jobs_out, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    svc_job *jobs = calloc(n ? n : 1, sizeof *jobs);
    *jobs_out = jobs;
    if (!jobs)
        return SA_ERR_NOMEM;
    for (size_t i = 0; i < n && e == SA_OK; i++) {
        svc_dep *d = dep_find(s, v[i].namespace_, v[i].name);
        sa_context_init(&jobs[i].ctx);
        if (!d)
            e = dep_add(s, &v[i], now, &d, eb);
        else
            e = sa_store_upsert_deployment(s->d.store, &v[i], now, &d->dep_id, eb);
        if (e == SA_OK) {
            d->seen_at = now;
            d->seen_cycle = s->cycles;
        }
        if (e == SA_OK)
            e = ingest(s, d, &v[i], eb);
        if (e != SA_OK)
            break;
        jobs[i].s = s;
        jobs[i].di = (size_t)(d - s->deps);
        jobs[i].now = now;
        jobs[i].ctx = v[i];
        jobs[i].ctx.history = NULL;
        jobs[i].ctx.n_history = 0;
        jobs[i].prep = attach_history(s, d, &jobs[i].ctx);
        sa_result_init(&jobs[i].r);
    }
    for (size_t i = 0; i < n && e == SA_OK; i++)
        jobs[i].d = &s->deps[jobs[i].di];
    if (e == SA_OK)
        run_jobs(s, jobs, n, first);
    for (size_t i = 0; i < n && e == SA_OK; i++) {
        if (jobs[i].prep != SA_OK) {
            e = sa_fail(eb, jobs[i].prep, "preparing %s/%s", v[i].namespace_, v[i].name);
            break;
        }
        e = record(s, &jobs[i], eb);
    }
    return e;
}

static void jobs_free(svc_job *jobs, size_t n)
{
    for (size_t i = 0; jobs && i < n; i++)
        sa_context_release(&jobs[i].ctx);
    free(jobs);
}

/* After committing cycle number s->cycles at `now`: the deployments it
 * did not collect lose their gauges at once (a scrape must not show the
 * replicas of one that is gone) and their in-memory state after
 * SVC_GONE_KEEP_S. */
static void forget_gone(sa_service *s, int64_t now)
{
    for (size_t i = 0; i < s->n_deps;) {
        svc_dep *d = &s->deps[i];
        if (d->seen_cycle == s->cycles) {
            i++;
            continue;
        }
        if (d->gauges_set)
            svc_metrics_forget(s, d);
        if (now - d->seen_at < SVC_GONE_KEEP_S) {
            i++;
            continue;
        }
        sa_log(SA_LOG_INFO, "deployment gone: its state is released", "namespace=%s deployment=%s",
               d->ns, d->name);
        dep_release(d);
        s->deps[i] = s->deps[--s->n_deps];
    }
}

size_t sa_service_deployments(const sa_service *s)
{
    return s->n_deps;
}

/* After a committed cycle: what retention deleted, and the database's size
 * on disk (file and write-ahead log) for an alert before the volume fills. */
static void storage_metrics(sa_service *s, const sa_store_deleted *deleted)
{
    char wal[SA_CFG_STR_MAX + 8];
    struct stat st;
    double bytes = 0.0;
    svc_mcheck(
        sa_metrics_inc(s->m_retained, (const char *[]){"samples"}, (double)deleted->samples));
    svc_mcheck(sa_metrics_inc(s->m_retained, (const char *[]){"recommendations"},
                              (double)deleted->decisions));
    if (stat(s->d.cfg->db_path, &st) != 0)
        return;
    bytes = (double)st.st_size;
    snprintf(wal, sizeof wal, "%s-wal", s->d.cfg->db_path);
    if (stat(wal, &st) == 0)
        bytes += (double)st.st_size;
    svc_mcheck(sa_metrics_set(s->m_db_bytes, NULL, bytes));
}

/* Memory needed for the watched deployments against the cgroup's limit: a
 * gauge every cycle, and a warning whenever their number changed and the
 * need passes SVC_MEM_WARN of the limit, before the kernel's OOM killer
 * says it less clearly (the manifest's 256 MiB hold about 75). */
static void memory_check(sa_service *s)
{
    int64_t need = SVC_MEM_BASE + (int64_t)s->n_deps * SVC_MEM_PER_DEPLOYMENT;
    svc_mcheck(sa_metrics_set(s->m_mem_needed, NULL, (double)need));
    if (s->mem_limit <= 0 || (double)need <= SVC_MEM_WARN * (double)s->mem_limit ||
        s->n_deps == s->mem_warned_deps)
        return;
    s->mem_warned_deps = s->n_deps;
    sa_log(SA_LOG_WARN, "memory limit too low for the watched deployments",
           "deployments=%zu needed_mib=%lld limit_mib=%lld hint=%s", s->n_deps,
           (long long)(need >> 20), (long long)(s->mem_limit >> 20),
           "raise resources.limits.memory: about 3 MiB a deployment");
}

static int64_t retain_batch(size_t n_deployments)
{
    int64_t written = 2 * SVC_RETAIN_EVERY * (int64_t)n_deployments;
    return written > SVC_RETAIN_BATCH ? written : SVC_RETAIN_BATCH;
}

/* One cycle at now; `first` (may be NULL) names the deployment an
 * evaluate-now is waiting for, whose LLM step goes first. */
static sa_err cycle_run(sa_service *s, int64_t now, const svc_req *first, sa_errbuf *eb)
{
    sa_err e;
    sa_context *v = NULL;
    size_t n = 0;
    double t0 = sa_mono_ms(), ms;
    sa_store_deleted deleted = {0, 0};
    svc_job *jobs = NULL;
    beat(s);
    e = s->d.src->collect(s->d.src, now, &v, &n, eb);
    if (e == SA_OK)
        e = sa_store_begin(s->d.store, eb);
    if (e == SA_OK) {
        sa_log(SA_LOG_DEBUG, "cycle start", "at=%lld deployments=%zu", (long long)now, n);
        e = cycle_body(s, v, n, now, first, &jobs, eb);
        if (e == SA_OK && (s->cycles % SVC_RETAIN_EVERY) == 0)
            e = sa_store_retain(s->d.store, now - s->d.cfg->retention_hours * 3600,
                                now - s->d.cfg->decision_retention_hours * 3600, retain_batch(n),
                                &deleted, eb);
        ms = sa_mono_ms() - t0;
        if (e == SA_OK)
            e = sa_store_add_cycle(s->d.store, now, ms, (int)n, NULL, eb);
        if (e == SA_OK)
            e = sa_store_commit(s->d.store, eb);
        else
            sa_store_rollback(s->d.store);
    }
    if (e == SA_OK) {
        act_due(s, jobs, n);
        for (size_t i = 0; i < n; i++)
            svc_metrics_cycle(s, jobs[i].d, &jobs[i].r, jobs[i].act);
        svc_mcheck(sa_metrics_set(s->m_last_cycle, NULL, (double)now));
    }
    jobs_free(jobs, n);
    sa_src_contexts_free(v, n);
    ms = sa_mono_ms() - t0;
    svc_mcheck(sa_metrics_observe(s->m_cycle_seconds, NULL, ms / 1000.0));
    pthread_mutex_lock(&s->mu);
    s->beat_ms = sa_mono_ms();
    s->last_cycle_at = now;
    s->last_cycle_ms = ms;
    if (e == SA_OK) {
        s->ready = true;
        s->last_error[0] = '\0';
    } else {
        sa_strlcpy(s->last_error, eb ? eb->msg : sa_strerror(e), sizeof s->last_error);
    }
    pthread_mutex_unlock(&s->mu);
    if (e == SA_OK) {
        forget_gone(s, now);
        s->cycles++;
        svc_mcheck(sa_metrics_inc(s->m_cycles, NULL, 1));
        storage_metrics(s, &deleted);
        memory_check(s);
        sa_log(SA_LOG_INFO, "cycle done",
               "deployments=%zu ms=%.1f deleted_samples=%lld deleted_decisions=%lld", n, ms,
               (long long)deleted.samples, (long long)deleted.decisions);
    } else {
        svc_mcheck(sa_metrics_inc(s->m_cycle_errors, NULL, 1));
        sa_log(SA_LOG_ERROR, "cycle failed", "error=%s", eb ? eb->msg : sa_strerror(e));
    }
    return e;
}

sa_err sa_service_cycle(sa_service *s, int64_t now, sa_errbuf *eb)
{
    return cycle_run(s, now, NULL, eb);
}

void sa_service_serve_requests(sa_service *s)
{
    for (;;) {
        svc_req *r;
        svc_dep *d;
        sa_err e;
        pthread_mutex_lock(&s->mu);
        r = s->queue;
        if (r)
            s->queue = r->next;
        pthread_mutex_unlock(&s->mu);
        if (!r)
            return;
        d = dep_find(s, r->ns, r->name);
        if (!d)
            e = sa_fail(&r->eb, SA_ERR_NOTFOUND, "deployment %s/%s is not watched", r->ns, r->name);
        else if ((e = cycle_run(s, (int64_t)sa_now(), r, &r->eb)) == SA_OK)
            e = (d = dep_find(s, r->ns, r->name)) && d->seen_cycle == s->cycles - 1 && d->last_json
                    ? sa_buf_puts(&r->out, d->last_json)
                    : sa_fail(&r->eb, SA_ERR_NOTFOUND, "deployment %s/%s is no longer watched",
                              r->ns, r->name);
        pthread_mutex_lock(&s->mu);
        r->err = e;
        r->done = true;
        pthread_cond_broadcast(&s->cv);
        if (--r->refs == 0) {
            sa_buf_release(&r->out);
            free(r);
        }
        pthread_mutex_unlock(&s->mu);
    }
}

int sa_service_run(sa_service *s, const sigset_t *stop)
{
    int64_t step = s->d.cfg->interval_s;
    int64_t next = ((int64_t)sa_now() / step) * step;
    for (;;) {
        int64_t now = (int64_t)sa_now();
        double left_ms;
        struct timespec ts;
        int sig;
        if (now >= next) {
            /* after an overrun, skip to the newest slot of the grid */
            int64_t slot = (now / step) * step;
            sa_errbuf eb = {0};
            if (sa_service_cycle(s, slot > next ? slot : next, &eb) != SA_OK)
                sa_log(SA_LOG_DEBUG, "cycle will be retried", "next_in_s=%lld", (long long)step);
            next = (slot > next ? slot : next) + step;
        }
        sa_service_serve_requests(s);
        beat(s);
        left_ms = ((double)next - sa_now()) * 1000.0;
        if (left_ms > 200)
            left_ms = 200;
        if (left_ms < 1)
            left_ms = 1;
        ts.tv_sec = 0;
        ts.tv_nsec = (long)(left_ms * 1e6);
        sig = sigtimedwait(stop, NULL, &ts);
        if (sig > 0)
            return sig;
    }
}
