/*
 * backend.c - the service side of the HTTP server (http.h): reads through
 * the read-only store handle, evaluate-now handed to the loop thread and
 * awaited with a bound, the status object, pause/resume/emergency stop,
 * and the service's own metrics.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scaleadvisor/llm.h"
#include "scaleadvisor/log.h"
#include "scaleadvisor/util.h"
#include "svc_int.h"
#include "scaleadvisor/banned.h"

static const double cycle_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                       1,     2.5,  5,     10,   20,  30};

void svc_mcheck(sa_err e)
{
    if (e != SA_OK)
        sa_log(SA_LOG_DEBUG, "metric update failed", "error=%s", sa_strerror(e));
}

sa_err svc_metrics_init(sa_service *s, sa_errbuf *eb)
{
    sa_metrics *m = s->d.metrics;
    sa_err e;
    const char *sv[] = {"source", "verdict"}, *dep[] = {"namespace", "deployment"},
               *st[] = {"status"}, *tb[] = {"table"}, *bi[] = {"version", "source", "mode"};
    if ((e = sa_metrics_counter(m, "scaleadvisor_decisions_total",
                                "Decisions made, by winning source and validation verdict.", sv, 2,
                                &s->m_decisions, eb)) != SA_OK ||
        (e = sa_metrics_histogram(m, "scaleadvisor_cycle_duration_seconds",
                                  "Duration of one control-loop cycle.", NULL, 0, cycle_buckets,
                                  SA_ARRAY_LEN(cycle_buckets), &s->m_cycle_seconds, eb)) != SA_OK ||
        (e = sa_metrics_counter(m, "scaleadvisor_cycles_total", "Cycles committed.", NULL, 0,
                                &s->m_cycles, eb)) != SA_OK ||
        (e = sa_metrics_counter(m, "scaleadvisor_cycle_errors_total",
                                "Cycles that failed and were rolled back.", NULL, 0,
                                &s->m_cycle_errors, eb)) != SA_OK ||
        (e = sa_metrics_gauge(m, "scaleadvisor_recommended_replicas",
                              "Replicas of the latest decision, per deployment.", dep, 2,
                              &s->m_recommended, eb)) != SA_OK ||
        (e = sa_metrics_gauge(m, "scaleadvisor_current_replicas",
                              "Replicas observed at the latest cycle, per deployment.", dep, 2,
                              &s->m_current, eb)) != SA_OK ||
        (e = sa_metrics_counter(m, "scaleadvisor_actuations_total",
                                "Decisions by what was done with them: applied, failed, "
                                "dry_run, paused, noop, unsupported.",
                                st, 1, &s->m_actuations, eb)) != SA_OK ||
        (e = sa_metrics_gauge(m, "scaleadvisor_deployment_degraded",
                              "1 while a deployment's metrics are unusable (the reason is in "
                              "its recommendation), per deployment.",
                              dep, 2, &s->m_degraded, eb)) != SA_OK ||
        (e = sa_metrics_gauge(m, "scaleadvisor_hpa_desired_replicas",
                              "Replicas the deployment's HPA wants, next to the recommended "
                              "ones (deployments with an HPA).",
                              dep, 2, &s->m_hpa_desired, eb)) != SA_OK ||
        (e = sa_metrics_gauge(m, "scaleadvisor_forecast_accuracy",
                              "1 - WAPE of the predictor's recent one-step forecasts, per "
                              "deployment (once known).",
                              dep, 2, &s->m_accuracy, eb)) != SA_OK ||
        (e = sa_metrics_gauge(
             m, "scaleadvisor_build_info",
             "Always 1; the version, the source and the mode (dry_run or apply) as labels.", bi, 3,
             &s->m_build, eb)) != SA_OK ||
        (e = sa_metrics_gauge(m, "scaleadvisor_last_cycle_timestamp_seconds",
                              "Time of the latest committed cycle (epoch s): alert when old.", NULL,
                              0, &s->m_last_cycle, eb)) != SA_OK ||
        (e = sa_metrics_gauge(m, "scaleadvisor_paused",
                              "1 while actuation is paused or emergency-stopped.", NULL, 0,
                              &s->m_paused, eb)) != SA_OK ||
        (e = sa_metrics_gauge(m, "scaleadvisor_ready", "1 once the first cycle has completed.",
                              NULL, 0, &s->m_ready, eb)) != SA_OK ||
        (e = sa_metrics_gauge(m, "scaleadvisor_database_bytes",
                              "Size of the SQLite database file and its write-ahead log.", NULL, 0,
                              &s->m_db_bytes, eb)) != SA_OK ||
        (e = sa_metrics_gauge(m, "scaleadvisor_memory_limit_bytes",
                              "The memory limit of the service's cgroup (0: none).", NULL, 0,
                              &s->m_mem_limit, eb)) != SA_OK ||
        (e = sa_metrics_gauge(m, "scaleadvisor_memory_needed_bytes",
                              "Memory the service is estimated to need for its watched "
                              "deployments once their windows are full (about 3 MiB each).",
                              NULL, 0, &s->m_mem_needed, eb)) != SA_OK ||
        (e = sa_metrics_counter(m, "scaleadvisor_retention_deleted_rows_total",
                                "Rows deleted by retention, by table.", tb, 1, &s->m_retained,
                                eb)) != SA_OK)
        return e;
    svc_mcheck(sa_metrics_inc(s->m_retained, (const char *[]){"samples"}, 0));
    svc_mcheck(sa_metrics_inc(s->m_retained, (const char *[]){"recommendations"}, 0));
    svc_mcheck(sa_metrics_set(s->m_build,
                              (const char *[]){SA_VERSION, s->d.src ? s->d.src->kind : "none",
                                               s->d.cfg->dry_run ? "dry_run" : "apply"},
                              1));
    svc_mcheck(sa_metrics_set(s->m_paused, NULL, 0));
    s->mem_limit = s->d.memory_limit > 0 ? s->d.memory_limit : sa_memory_limit_bytes(NULL, NULL);
    svc_mcheck(sa_metrics_set(s->m_mem_limit, NULL, (double)s->mem_limit));
    svc_mcheck(sa_metrics_set(s->m_ready, NULL, 0));
    svc_mcheck(sa_metrics_inc(s->m_cycles, NULL, 0));
    svc_mcheck(sa_metrics_inc(s->m_cycle_errors, NULL, 0));
    return SA_OK;
}

void svc_metrics_cycle(sa_service *s, svc_dep *d, const sa_result *r, sa_act_status act)
{
    const char *sv[] = {sa_source_name(r->decision.source),
                        sa_verdict_name(r->decision.validation.verdict)};
    const char *dep[] = {d->ns, d->name};
    const char *st[] = {sa_act_status_name(act)};
    svc_mcheck(sa_metrics_inc(s->m_decisions, sv, 1));
    svc_mcheck(sa_metrics_set(s->m_recommended, dep, r->decision.target_replicas));
    svc_mcheck(sa_metrics_set(s->m_current, dep, r->current_replicas));
    svc_mcheck(sa_metrics_set(s->m_degraded, dep, r->degraded[0] ? 1 : 0));
    svc_mcheck(r->hpa_desired_replicas >= 0
                   ? sa_metrics_set(s->m_hpa_desired, dep, r->hpa_desired_replicas)
                   : sa_metrics_forget(s->m_hpa_desired, dep));
    svc_mcheck(r->forecast.present && isfinite(r->forecast.accuracy)
                   ? sa_metrics_set(s->m_accuracy, dep, r->forecast.accuracy)
                   : sa_metrics_forget(s->m_accuracy, dep));
    svc_mcheck(sa_metrics_inc(s->m_actuations, st, 1));
    svc_mcheck(sa_metrics_set(s->m_ready, NULL, 1));
    d->gauges_set = true;
}

void svc_metrics_forget(sa_service *s, svc_dep *d)
{
    const char *dep[] = {d->ns, d->name};
    svc_mcheck(sa_metrics_forget(s->m_recommended, dep));
    svc_mcheck(sa_metrics_forget(s->m_current, dep));
    svc_mcheck(sa_metrics_forget(s->m_degraded, dep));
    svc_mcheck(sa_metrics_forget(s->m_hpa_desired, dep));
    svc_mcheck(sa_metrics_forget(s->m_accuracy, dep));
    d->gauges_set = false;
}

static sa_err be_recommendations(void *ctx, const char *ns, const char *name, sa_buf *out)
{
    sa_service *s = ctx;
    sa_errbuf eb = {0};
    sa_err e = sa_store_latest_json(s->d.reader, ns, name, out, &eb);
    if (e != SA_OK)
        sa_log(SA_LOG_WARN, "reading recommendations failed", "error=%s", eb.msg);
    return e;
}

static sa_err be_history(void *ctx, const char *ns, const char *name, int64_t since, int limit,
                         sa_buf *out)
{
    sa_service *s = ctx;
    sa_errbuf eb = {0};
    sa_err e = sa_store_history_json(s->d.reader, ns, name, since, limit, out, &eb);
    if (e != SA_OK && e != SA_ERR_NOTFOUND)
        sa_log(SA_LOG_WARN, "reading history failed", "error=%s", eb.msg);
    return e;
}

/* Queue a request for the loop thread and wait for it, bounded by two
 * cycles of at most two LLM budgets each (one in flight, then ours) plus a
 * margin. */
static sa_err be_evaluate(void *ctx, const char *ns, const char *name, sa_buf *out, sa_errbuf *eb)
{
    sa_service *s = ctx;
    sa_err e;
    svc_req *r = calloc(1, sizeof *r);
    struct timespec dl;
    int64_t wait_ms = 4 * s->d.cfg->llm_timeout_ms + 10000;
    if (!r)
        return SA_ERR_NOMEM;
    sa_strlcpy(r->ns, ns, sizeof r->ns);
    sa_strlcpy(r->name, name, sizeof r->name);
    sa_buf_init(&r->out, SA_CAP_JSON_OUT);
    r->refs = 2;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += (time_t)(wait_ms / 1000);
    dl.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    if (s->stopping) {
        pthread_mutex_unlock(&s->mu);
        sa_buf_release(&r->out);
        free(r);
        return sa_fail(eb, SA_ERR_UNAVAILABLE, "the service is shutting down");
    }
    r->next = s->queue;
    s->queue = r;
    while (!r->done)
        if (pthread_cond_timedwait(&s->cv, &s->mu, &dl) == ETIMEDOUT)
            break;
    if (!r->done) {
        e = sa_fail(eb, SA_ERR_TIMEOUT, "evaluation of %s/%s did not finish in %lld ms", ns, name,
                    (long long)wait_ms);
    } else {
        e = r->err;
        if (e != SA_OK)
            sa_fail(eb, e, "%s", r->eb.msg);
        else
            e = sa_buf_append(out, r->out.data ? r->out.data : "", r->out.len);
    }
    if (--r->refs == 0) {
        sa_buf_release(&r->out);
        free(r);
    }
    pthread_mutex_unlock(&s->mu);
    return e;
}

static sa_err be_status(void *ctx, sa_buf *out)
{
    sa_service *s = ctx;
    char last[32] = "", started[32];
    sa_err e;
    bool ready, paused, estop;
    double ms;
    int64_t at;
    char err[SA_STATUS_MAX];
    pthread_mutex_lock(&s->mu);
    ready = s->ready;
    paused = s->paused;
    estop = s->emergency_stop;
    ms = s->last_cycle_ms;
    at = s->last_cycle_at;
    sa_strlcpy(err, s->last_error, sizeof err);
    pthread_mutex_unlock(&s->mu);
    if (at)
        sa_time_iso8601(at, last);
    sa_time_iso8601(s->started_at, started);
    e = sa_buf_printf(out,
                      "{\"mode\":\"%s\",\"dry_run\":%s,\"source\":\"%s\",\"ready\":%s,"
                      "\"paused\":%s,\"emergency_stop\":%s,\"interval_s\":%lld,"
                      "\"started_at\":\"%s\",\"cycles\":%lld,",
                      s->d.cfg->dry_run ? "dry_run" : "apply", s->d.cfg->dry_run ? "true" : "false",
                      s->d.src->kind, ready ? "true" : "false", paused ? "true" : "false",
                      estop ? "true" : "false", (long long)s->d.cfg->interval_s, started,
                      (long long)s->cycles);
    if (e == SA_OK)
        e = at ? sa_buf_printf(out, "\"last_cycle_at\":\"%s\",\"last_cycle_ms\":%.1f,", last, ms)
               : sa_buf_puts(out, "\"last_cycle_at\":null,\"last_cycle_ms\":null,");
    if (e == SA_OK)
        e = sa_buf_puts(out, "\"last_error\":");
    if (e == SA_OK)
        e = err[0] ? sa_buf_json_str(out, err) : sa_buf_puts(out, "null");
    if (e == SA_OK)
        e = sa_buf_puts(out, ",\"llm\":");
    if (e == SA_OK && s->d.llm) {
        sa_llm_stats st;
        sa_llm_stats_get(s->d.llm, (int64_t)sa_now(), &st);
        e = sa_llm_stats_json(&st, out);
    } else if (e == SA_OK) {
        e = sa_buf_puts(out, "{\"enabled\":false}");
    }
    if (e == SA_OK)
        e = sa_buf_puts(out, "}");
    return e;
}

static sa_err be_set_paused(void *ctx, bool paused, bool emergency_stop, sa_errbuf *eb)
{
    sa_service *s = ctx;
    (void)eb;
    pthread_mutex_lock(&s->mu);
    s->paused = paused;
    /* an emergency stop stays until an explicit resume */
    s->emergency_stop = paused ? (s->emergency_stop || emergency_stop) : false;
    svc_mcheck(sa_metrics_set(s->m_paused, NULL, paused ? 1 : 0));
    pthread_mutex_unlock(&s->mu);
    sa_log(paused ? SA_LOG_WARN : SA_LOG_INFO,
           paused ? (emergency_stop ? "emergency stop" : "actuation paused") : "actuation resumed",
           "dry_run=%s", s->d.cfg->dry_run ? "true" : "false");
    return SA_OK;
}

static bool be_ready(void *ctx)
{
    sa_service *s = ctx;
    bool r;
    pthread_mutex_lock(&s->mu);
    r = s->ready;
    pthread_mutex_unlock(&s->mu);
    return r;
}

static int64_t be_stalled(void *ctx)
{
    return sa_service_stalled_s(ctx, sa_mono_ms());
}

static sa_err be_metrics(void *ctx, sa_buf *out)
{
    sa_service *s = ctx;
    sa_err e = sa_metrics_render(s->d.metrics, out);
    if (e == SA_OK && s->d.llm)
        e = sa_llm_metrics_prometheus(s->d.llm, (int64_t)sa_now(), out);
    return e;
}

void sa_service_backend(sa_service *s, sa_http_backend *be)
{
    memset(be, 0, sizeof *be);
    be->ctx = s;
    be->recommendations = be_recommendations;
    be->history = be_history;
    be->evaluate = be_evaluate;
    be->status = be_status;
    be->set_paused = be_set_paused;
    be->ready = be_ready;
    be->stalled_s = be_stalled;
    be->metrics = be_metrics;
}
