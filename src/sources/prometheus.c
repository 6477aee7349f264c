/*
 * prometheus.c - the Prometheus source: each cycle, one instant query per
 * configured series and deployment; on the first successful cycle of a
 * deployment, a query_range back-fill so forecasts work at once. A failing
 * query marks only its deployment degraded; the others go on.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/peer_http.h"
#include "sources/prom_int.h"
#include "scaleadvisor/log.h"
#include "scaleadvisor/sources_int.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define PROM_MAX_RANGE_POINTS 11000 /* Prometheus refuses more per series */
/* The pods' start-up time is taken when within [0, PROM_STARTUP_MAX_S]
 * (SCALEADVISOR_STARTUP_S's range). */
#define PROM_STARTUP_MAX_S 3600.0

/* What kube-state-metrics says of a deployment's HPA. */
typedef struct {
    int64_t spec_at; /* when its spec was last read; 0 = never */
    bool spec_known; /* min and max read */
    int min, max;    /* spec bounds */
    double cpu, mem; /* Utilization targets; NaN = none */
    bool failing;    /* the desired query failed last cycle (logged once) */
} prom_hpa;

typedef struct {
    char base[SA_CFG_STR_MAX]; /* URL without trailing '/' */
    sa_prom_config cfg;
    bool *backfilled;        /* per deployment */
    sa_src_startup *startup; /* per deployment: from kube-state-metrics */
    prom_hpa *hpa;           /* per deployment: from kube-state-metrics */
    /* set when Prometheus refused the connection this cycle, or timed out
     * for PROM_TIMEOUTS_MAX deployments in a row: the remaining ones are
     * reported degraded without waiting on it again. Guarded by mu: the
     * deployments are read on up to cfg.readers threads. */
    pthread_mutex_t mu;
    char down[SA_STATUS_MAX];
    int timeouts;
} prom;

#define PROM_TIMEOUTS_MAX 2

/* GET base + path?query=..&extra into rp; returns transport errors only. */
static sa_err prom_get(const prom *p, const char *path, const char *query, const char *extra,
                       sa_peer_reply *rp, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sa_buf url;
    sa_buf_init(&url, SA_CAP_HTTP_BODY);
    char *q = sa_peer_escape(query);
    if (!q || sa_buf_printf(&url, "%s%s?query=%s%s", p->base, path, q, extra) != SA_OK) {
        e = sa_fail(eb, SA_ERR_TOOBIG, "query too long for a URL");
        goto out;
    }
    sa_peer_req rq = {.method = "GET", .url = url.data, .timeout_ms = p->cfg.timeout_ms};
    e = sa_peer_request(&rq, rp, eb);
out:
    free(q);
    sa_buf_release(&url);
    return e;
}

/* Expand query q of deployment d into out (a zeroed buffer). */
static sa_err expand(const sa_prom_deployment *d, sa_prom_query q, sa_buf *out, sa_errbuf *eb)
{
    sa_buf_init(out, SA_PROM_QUERY_MAX * 2);
    if (sa_prom_expand(d->queries[q], d->namespace_, d->name, out) != SA_OK)
        return sa_fail(eb, SA_ERR_TOOBIG, "%s: query too long", sa_prom_query_name(q));
    return SA_OK;
}

static sa_err instant(const prom *p, const sa_prom_deployment *d, sa_prom_query q, int64_t now,
                      double *v, double *ts, sa_errbuf *eb)
{
    sa_buf qs;
    sa_peer_reply rp;
    sa_peer_reply_init(&rp);
    char extra[48];
    snprintf(extra, sizeof extra, "&time=%lld", (long long)now);
    sa_err e = expand(d, q, &qs, eb);
    if (e == SA_OK && (e = prom_get(p, "/api/v1/query", qs.data, extra, &rp, eb)) == SA_OK)
        e = sa_prom_parse_instant(rp.status, rp.body.data, v, ts, eb);
    sa_buf_release(&qs);
    sa_peer_reply_release(&rp);
    return e;
}

static sa_err range(const prom *p, const sa_prom_deployment *d, sa_prom_query q, int64_t start,
                    size_t n, double *col, sa_errbuf *eb)
{
    sa_buf qs;
    sa_peer_reply rp;
    sa_peer_reply_init(&rp);
    int64_t step = p->cfg.step_s;
    char extra[96];
    snprintf(extra, sizeof extra, "&start=%lld&end=%lld&step=%lld", (long long)start,
             (long long)(start + (int64_t)(n - 1) * step), (long long)step);
    for (size_t i = 0; i < n; i++)
        col[i] = NAN;
    sa_err e = expand(d, q, &qs, eb);
    if (e == SA_OK && (e = prom_get(p, "/api/v1/query_range", qs.data, extra, &rp, eb)) == SA_OK)
        e = sa_prom_parse_range(rp.status, rp.body.data, start, step, n, col, eb);
    sa_buf_release(&qs);
    sa_peer_reply_release(&rp);
    return e;
}

/* History over [now - backfill, now - step], trimmed to the rows where CPU
 * is known at both ends. A missing non-CPU column stays NaN. */
static sa_err backfill(const prom *p, const sa_prom_deployment *d, int64_t now, sa_context *c,
                       sa_errbuf *eb)
{
    static const sa_prom_query cols[] = {SA_PQ_CPU, SA_PQ_MEMORY, SA_PQ_REPLICAS, SA_PQ_RATE};
    sa_err e = SA_OK;
    int64_t step = p->cfg.step_s;
    size_t n = (size_t)(p->cfg.backfill_s / step);
    if (n > PROM_MAX_RANGE_POINTS)
        n = PROM_MAX_RANGE_POINTS;
    if (n == 0)
        return SA_OK;
    /* the grid ends one step before now, so history and the sample taken
     * now form one evenly spaced series */
    int64_t end = now - step;
    int64_t start = end - (int64_t)(n - 1) * step;
    double *v = malloc(sizeof(double) * n * SA_ARRAY_LEN(cols));
    if (!v)
        return sa_fail(eb, SA_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < SA_ARRAY_LEN(cols); k++) {
        double *col = v + k * n;
        if (!d->queries[cols[k]][0]) {
            for (size_t i = 0; i < n; i++)
                col[i] = NAN;
            continue;
        }
        sa_errbuf qe = {0};
        sa_err qr = range(p, d, cols[k], start, n, col, &qe);
        if (qr != SA_OK && k == 0) {
            e = sa_fail(eb, qr, "back-fill %s: %s", sa_prom_query_name(cols[k]), qe.msg);
            goto out;
        }
        if (qr != SA_OK)
            sa_log(SA_LOG_WARN, "prometheus back-fill column skipped",
                   "namespace=%s deployment=%s query=%s error=%s", d->namespace_, d->name,
                   sa_prom_query_name(cols[k]), qe.msg);
    }
    size_t lo = 0, hi = n;
    while (lo < hi && isnan(v[lo]))
        lo++;
    while (hi > lo && isnan(v[hi - 1]))
        hi--;
    if (hi == lo)
        goto out;
    if (!(c->history = calloc(hi - lo, sizeof *c->history))) {
        e = sa_fail(eb, SA_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = lo; i < hi; i++) {
        sa_sample *s = &c->history[i - lo];
        s->timestamp = start + (int64_t)i * step;
        s->cpu_percent = v[i];
        s->memory_percent = v[n + i];
        s->replicas = isfinite(v[2 * n + i]) ? (int)llround(v[2 * n + i]) : -1;
        s->request_rate = v[3 * n + i];
    }
    c->n_history = hi - lo;
out:
    free(v);
    return e;
}

/* Append "name: reason" to the degraded text, keeping the first reason
 * whole and counting the rest. */
static void note(sa_context *c, int *nfail, sa_prom_query q, const char *msg)
{
    if ((*nfail)++ == 0)
        snprintf(c->degraded, sizeof c->degraded, "%s: %.170s", sa_prom_query_name(q), msg);
}

static void apply_value(sa_context *c, sa_prom_query q, double v, int *nfail)
{
    switch (q) {
    case SA_PQ_CPU:
        c->cpu_percent = v;
        break;
    case SA_PQ_MEMORY:
        c->memory_percent = v;
        break;
    case SA_PQ_RATE:
        c->request_rate = v;
        break;
    case SA_PQ_REPLICAS:
    case SA_PQ_READY:
        if (v < 0 || v > 100000) {
            note(c, nfail, q, "value out of range");
            break;
        }
        if (q == SA_PQ_REPLICAS)
            c->current_replicas = (int)llround(v);
        else
            c->ready_pods = (int)llround(v);
        break;
    case SA_PQ_STARTUP:     /* measure_startup */
    case SA_PQ_HPA_DESIRED: /* read_hpa */
    case SA_PQ_HPA_MIN:
    case SA_PQ_HPA_MAX:
    case SA_PQ_HPA_CPU:
    case SA_PQ_HPA_MEMORY:
    case SA_PQ_COUNT:
        break;
    }
}

/* One figure that may be missing (the start-up time, the HPA's): SA_OK
 * and *v within [lo, hi], SA_ERR_NOTFOUND when there is none (the query
 * is off or matched no series), else the failure. */
static sa_err optional_value(prom *p, const sa_prom_deployment *d, sa_prom_query q, int64_t now,
                             double lo, double hi, double *v, sa_errbuf *eb)
{
    double ts = 0;
    *v = NAN;
    if (!d->queries[q][0])
        return SA_ERR_NOTFOUND;
    sa_err e = instant(p, d, q, now, v, &ts, eb);
    if (e == SA_OK && !(*v >= lo && *v <= hi))
        e = sa_fail(eb, SA_ERR_INVALID, "%s %g is outside %g..%g", sa_prom_query_name(q), *v, lo,
                    hi);
    return e;
}

/* The pods' start-up time, queried every SA_SRC_STARTUP_EVERY_S when the
 * file does not give it: what the predictor's horizon needs. A failure
 * (no kube-state-metrics 2.8 series, say) keeps the last measurement,
 * else SCALEADVISOR_STARTUP_S, and is only logged. */
static void measure_startup(prom *p, size_t i, int64_t now, sa_context *c)
{
    const sa_prom_deployment *d = &p->cfg.deps[i];
    sa_src_startup *m = &p->startup[i];
    if (isfinite(d->startup_s) || !d->queries[SA_PQ_STARTUP][0])
        return;
    if (sa_src_startup_due(m, now)) {
        double v;
        sa_errbuf qe = {0};
        sa_err e = optional_value(p, d, SA_PQ_STARTUP, now, 0.0, PROM_STARTUP_MAX_S, &v, &qe);
        if (e != SA_OK)
            sa_log(SA_LOG_INFO, "prometheus start-up time not measured",
                   "namespace=%s deployment=%s error=%s", d->namespace_, d->name, qe.msg);
        else if (sa_src_startup_take(m, v))
            sa_log(SA_LOG_INFO, "prometheus start-up time measured",
                   "namespace=%s deployment=%s seconds=%.0f", d->namespace_, d->name, v);
    }
    if (isfinite(m->s))
        c->startup_s = m->s;
}

/* The deployment's HPA as kube-state-metrics exports it: its desired
 * replicas every cycle (none: the deployment has no HPA), its bounds and
 * targets every SA_SRC_STARTUP_EVERY_S; they stand in for what the file
 * does not state, as the Kubernetes source takes the HPA's unless an
 * annotation says otherwise. Failures are logged (once until it works
 * again) and degrade nothing. */
static void read_hpa(prom *p, size_t i, int64_t now, sa_context *c)
{
    const sa_prom_deployment *d = &p->cfg.deps[i];
    prom_hpa *h = &p->hpa[i];
    sa_errbuf qe = {0};
    double v;
    sa_err e = optional_value(p, d, SA_PQ_HPA_DESIRED, now, 0, 100000, &v, &qe);
    if (e != SA_OK) {
        if (e != SA_ERR_NOTFOUND && !h->failing)
            sa_log(SA_LOG_WARN, "prometheus HPA not read", "namespace=%s deployment=%s error=%s",
                   d->namespace_, d->name, qe.msg);
        h->failing = e != SA_ERR_NOTFOUND;
        h->spec_known = false;
        h->spec_at = 0;
        return;
    }
    h->failing = false;
    c->has_hpa = true;
    c->hpa_desired_replicas = (int)llround(v);
    c->hpa_current_replicas = c->current_replicas;
    if (!h->spec_at || now - h->spec_at >= SA_SRC_STARTUP_EVERY_S || now < h->spec_at) {
        double mn, mx;
        h->spec_at = now;
        h->spec_known = optional_value(p, d, SA_PQ_HPA_MIN, now, 1, 100000, &mn, &qe) == SA_OK &&
                        optional_value(p, d, SA_PQ_HPA_MAX, now, 1, 100000, &mx, &qe) == SA_OK &&
                        mn <= mx;
        h->min = h->spec_known ? (int)llround(mn) : 0;
        h->max = h->spec_known ? (int)llround(mx) : 0;
        if (optional_value(p, d, SA_PQ_HPA_CPU, now, 1e-9, 100000, &h->cpu, &qe) != SA_OK)
            h->cpu = NAN;
        if (optional_value(p, d, SA_PQ_HPA_MEMORY, now, 1e-9, 100000, &h->mem, &qe) != SA_OK)
            h->mem = NAN;
    }
    int lo = d->has_min || !h->spec_known ? c->min_replicas : h->min;
    int hi = d->has_max || !h->spec_known ? c->max_replicas : h->max;
    if (lo <= hi) {
        c->min_replicas = lo;
        c->max_replicas = hi;
    }
    c->hpa_target_cpu_percent = h->cpu;
    /* an HPA may aim above 100 % of requests; our targets stop at 100 */
    if (!d->has_target_cpu && isfinite(h->cpu))
        c->target_cpu_percent = h->cpu < 100 ? h->cpu : 100;
    if (!isfinite(d->target_memory_percent))
        c->target_memory_percent = h->mem;
}

static void collect_one(prom *p, size_t i, int64_t now, sa_context *c)
{
    const sa_prom_deployment *d = &p->cfg.deps[i];
    int nfail = 0;
    sa_context_init(c);
    sa_strlcpy(c->name, d->name, sizeof c->name);
    sa_strlcpy(c->namespace_, d->namespace_, sizeof c->namespace_);
    c->min_replicas = d->min_replicas;
    c->max_replicas = d->max_replicas;
    c->current_replicas = d->min_replicas;
    c->target_cpu_percent = d->target_cpu_percent;
    c->target_memory_percent = d->target_memory_percent;
    c->preset = d->preset;
    c->startup_s = d->startup_s;
    c->miss_cost_rh = d->miss_cost_rh;
    c->hpa_scale_up = d->scale_up;
    c->hpa_scale_down = d->scale_down;
    pthread_mutex_lock(&p->mu);
    if (p->down[0])
        snprintf(c->degraded, sizeof c->degraded, "%s", p->down);
    pthread_mutex_unlock(&p->mu);
    if (c->degraded[0])
        return;
    for (int q = 0; q < SA_PQ_STARTUP; q++) { /* the required series */
        if (!d->queries[q][0])
            continue;
        double v = NAN, ts = 0;
        sa_errbuf qe = {0};
        sa_err e = instant(p, d, (sa_prom_query)q, now, &v, &ts, &qe);
        if (e != SA_OK) {
            note(c, &nfail, (sa_prom_query)q, qe.msg);
            pthread_mutex_lock(&p->mu);
            if (e == SA_ERR_UNAVAILABLE && !p->down[0])
                snprintf(p->down, sizeof p->down, "%s", c->degraded);
            if (e == SA_ERR_TIMEOUT && ++p->timeouts >= PROM_TIMEOUTS_MAX && !p->down[0])
                snprintf(p->down, sizeof p->down,
                         "skipped this cycle: Prometheus timed out for %d deployments in a row",
                         p->timeouts);
            pthread_mutex_unlock(&p->mu);
            if (e == SA_ERR_UNAVAILABLE || e == SA_ERR_TIMEOUT)
                break; /* do not wait once per query */
            continue;
        }
        pthread_mutex_lock(&p->mu);
        p->timeouts = 0;
        pthread_mutex_unlock(&p->mu);
        apply_value(c, (sa_prom_query)q, v, &nfail);
        if (q == SA_PQ_CPU)
            c->observed_at = (int64_t)ts;
    }
    if (nfail > 1) {
        size_t len = strlen(c->degraded);
        snprintf(c->degraded + len, sizeof c->degraded - len, " (+%d more)", nfail - 1);
    }
    if (nfail) {
        sa_log(SA_LOG_WARN, "prometheus deployment degraded",
               "namespace=%s deployment=%s reason=%s", d->namespace_, d->name, c->degraded);
        return;
    }
    if (!p->backfilled[i]) {
        sa_errbuf be = {0};
        if (backfill(p, d, now, c, &be) == SA_OK) {
            p->backfilled[i] = true;
            sa_log(SA_LOG_INFO, "prometheus back-fill done",
                   "namespace=%s deployment=%s samples=%zu", d->namespace_, d->name, c->n_history);
        } else {
            sa_log(SA_LOG_WARN, "prometheus back-fill failed, retried next cycle",
                   "namespace=%s deployment=%s error=%s", d->namespace_, d->name, be.msg);
        }
    }
    measure_startup(p, i, now, c);
    read_hpa(p, i, now, c);
}

/* The deployments of one cycle, read side by side (sa_parallel_for). */
typedef struct {
    prom *p;
    int64_t now;
    sa_context *v;
} prom_read;

static void read_one(void *ctx, size_t i)
{
    prom_read *r = ctx;
    collect_one(r->p, i, r->now, &r->v[i]);
}

static sa_err prom_collect(sa_src *s, int64_t now, sa_context **out, size_t *n, sa_errbuf *eb)
{
    prom *p = s->impl;
    sa_context *v = calloc(p->cfg.n, sizeof *v);
    if (!v)
        return sa_fail(eb, SA_ERR_NOMEM, "out of memory");
    p->down[0] = '\0';
    p->timeouts = 0;
    prom_read r = {.p = p, .now = now, .v = v};
    sa_parallel_for(p->cfg.n, p->cfg.readers, read_one, &r);
    *out = v;
    *n = p->cfg.n;
    return SA_OK;
}

/* Frees the implementation; sa_src_destroy frees s itself. */
static void prom_destroy(sa_src *s)
{
    prom *p = s->impl;
    if (p) {
        sa_prom_config_release(&p->cfg);
        free(p->backfilled);
        free(p->startup);
        free(p->hpa);
        pthread_mutex_destroy(&p->mu);
        free(p);
    }
    s->impl = NULL;
}

sa_err sa_src_prometheus_create(const sa_config *cfg, sa_src **out, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sa_buf text;
    sa_buf_init(&text, SA_CAP_FILE);
    sa_src *s = calloc(1, sizeof *s);
    prom *p = calloc(1, sizeof *p);
    sa_preset preset = SA_PRESET_BALANCED;
    *out = NULL;
    if (!s || !p) {
        e = sa_fail(eb, SA_ERR_NOMEM, "out of memory");
        goto out;
    }
    pthread_mutex_init(&p->mu, NULL);
    s->kind = "prometheus";
    s->impl = p;
    s->collect = prom_collect;
    s->destroy = prom_destroy;
    if (!cfg->config_file[0]) {
        e = sa_fail(eb, SA_ERR_INVALID,
                    "SCALEADVISOR_CONFIG: the prometheus source needs a JSON file of deployments");
        goto out;
    }
    if (strncmp(cfg->prometheus_url, "http://", 7) && strncmp(cfg->prometheus_url, "https://", 8)) {
        e = sa_fail(eb, SA_ERR_INVALID, "PROMETHEUS_URL: must start with http:// or https://");
        goto out;
    }
    size_t bl = sa_strlcpy(p->base, cfg->prometheus_url, sizeof p->base);
    while (bl > 0 && p->base[bl - 1] == '/')
        p->base[--bl] = '\0';
    if ((e = sa_buf_read_file(&text, cfg->config_file, eb)) != SA_OK)
        goto out;
    if (sa_preset_parse(cfg->preset, &preset) != SA_OK)
        preset = SA_PRESET_BALANCED; /* config validated it already */
    sa_errbuf pe = {0};
    if ((e = sa_prom_config_parse(text.data ? text.data : "", cfg->interval_s, preset, &p->cfg,
                                  &pe)) != SA_OK) {
        e = sa_fail(eb, e, "SCALEADVISOR_CONFIG %s: %s", cfg->config_file, pe.msg);
        goto out;
    }
    p->backfilled = calloc(p->cfg.n, sizeof *p->backfilled);
    p->startup = malloc(p->cfg.n * sizeof *p->startup);
    p->hpa = calloc(p->cfg.n, sizeof *p->hpa);
    if (!p->backfilled || !p->startup || !p->hpa) {
        e = sa_fail(eb, SA_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < p->cfg.n; i++)
        sa_src_startup_init(&p->startup[i]);
    *out = s;
    s = NULL;
out:
    if (s) {
        s->impl = p;
        sa_src_destroy(s);
    } else if (e != SA_OK) {
        free(p); /* s was not allocated: p's mutex was never made */
    }
    sa_buf_release(&text);
    return e;
}
