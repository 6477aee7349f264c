/*
 * kubernetes.c - the Kubernetes source and actuator. collect() lists the
 * deployments labelled scaleadvisor.io/enabled=true, their HPAs
 * (autoscaling/v2), pod metrics (metrics.k8s.io) and, every few minutes,
 * the pods themselves for their start-up time (creation to Ready) unless
 * an annotation gives it; apply() writes exactly
 * one kind of change: an HPA's spec.minReplicas when the deployment has an
 * HPA (pre-scaling without fighting it), else the deployment's scale
 * subresource. Patches carry the resourceVersion read just before, so a
 * concurrent writer yields 409, which is re-read and retried (bounded).
 * A 403 stops actuation for that deployment until restart.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/k8s_int.h"
#include "sources/peer_http.h"
#include "scaleadvisor/log.h"
#include "scaleadvisor/sources_int.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define SA_K8S_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define K8S_TOKEN_MAX 8192
/* Pod metrics older than this are stale (the balanced preset's metric age;
 * metrics-server windows are 15-60 s). Fresh metrics are stamped with the
 * cycle time so that the service's samples stay on its even grid. */
#define K8S_STALE_S 180

typedef struct {
    char ns[SA_NAME_MAX], name[SA_NAME_MAX];
    bool forbidden;
    bool hpa_known, has_hpa;
    char hpa_name[SA_NAME_MAX];
    int hpa_baseline_min;   /* minReplicas before we raised it */
    int hpa_raised_to;      /* value we set; -1 = not raised by us */
    sa_context last;        /* last context, history-free, for list failures */
    sa_src_startup startup; /* measured from its pods */
} dep_state;

typedef struct {
    char base[SA_CFG_STR_MAX];
    char token[K8S_TOKEN_MAX];
    char token_file[SA_CFG_STR_MAX];
    char ca_file[SA_CFG_STR_MAX];
    bool dry_run;
    long timeout_ms;
    int retries;
    sa_preset preset;
    dep_state *st;
    size_t n_st;
    /* per-deployment reads timed out in a row this cycle, by API (metrics,
     * core): past K8S_TIMEOUTS_MAX the rest of the cycle skips that API.
     * Guarded by mu: the reads run on SA_SRC_READERS threads. */
    pthread_mutex_t mu;
    int timeouts[2];
} k8s;

/* A hung API (an overloaded metrics-server) costs at most this many
 * request timeouts a cycle, not one per watched deployment. */
#define K8S_TIMEOUTS_MAX 2

enum { K8S_API_METRICS = 0, K8S_API_CORE = 1 };
static const char *const k8s_api_path[] = {"/apis/metrics.k8s.io/v1beta1", "/api/v1"};

static sa_err call(k8s *k, const char *method, const char *path, const char *body,
                   sa_peer_reply *rp, sa_errbuf *eb)
{
    char url[SA_CFG_STR_MAX + SA_K8S_SELECTOR_MAX * 3 + 1024];
    if ((size_t)snprintf(url, sizeof url, "%s%s", k->base, path) >= sizeof url)
        return sa_fail(eb, SA_ERR_TOOBIG, "request path too long");
    sa_peer_req rq = {.method = method,
                      .url = url,
                      .bearer = k->token,
                      .ca_file = k->ca_file[0] ? k->ca_file : NULL,
                      .content_type = body ? "application/merge-patch+json" : NULL,
                      .body = body,
                      .timeout_ms = k->timeout_ms};
    return sa_peer_request(&rq, rp, eb);
}

/* Re-read a rotating service-account token; keep the old one on failure. */
static sa_err load_token(k8s *k, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sa_buf b;
    if (!k->token_file[0])
        return SA_OK;
    sa_buf_init(&b, K8S_TOKEN_MAX - 1);
    if ((e = sa_buf_read_file(&b, k->token_file, eb)) == SA_OK) {
        size_t n = b.len;
        while (n > 0 && (b.data[n - 1] == '\n' || b.data[n - 1] == '\r' || b.data[n - 1] == ' '))
            n--;
        if (n == 0)
            e = sa_fail(eb, SA_ERR_INVALID, "service-account token file is empty");
        else {
            memcpy(k->token, b.data, n);
            k->token[n] = '\0';
        }
        memset(b.data, 0, b.len);
    }
    sa_buf_release(&b);
    return e;
}

static dep_state *state_get(k8s *k, const char *ns, const char *name, bool create)
{
    for (size_t i = 0; i < k->n_st; i++)
        if (!strcmp(k->st[i].ns, ns) && !strcmp(k->st[i].name, name))
            return &k->st[i];
    if (!create)
        return NULL;
    dep_state *v = realloc(k->st, (k->n_st + 1) * sizeof *v);
    if (!v)
        return NULL;
    k->st = v;
    dep_state *s = &v[k->n_st++];
    memset(s, 0, sizeof *s);
    sa_strlcpy(s->ns, ns, sizeof s->ns);
    sa_strlcpy(s->name, name, sizeof s->name);
    s->hpa_raised_to = -1;
    sa_src_startup_init(&s->startup);
    sa_context_init(&s->last);
    return s;
}

static void degrade(sa_context *c, const char *fmt, ...) SA_PRINTF(2, 3);
static void degrade(sa_context *c, const char *fmt, ...)
{
    va_list ap;
    if (c->degraded[0])
        return;
    va_start(ap, fmt);
    vsnprintf(c->degraded, sizeof c->degraded, fmt, ap);
    va_end(ap);
}

static const sa_k8s_hpa *find_hpa(const sa_k8s_hpa *h, size_t n, const sa_k8s_deployment *d)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(h[i].namespace_, d->namespace_) && !strcmp(h[i].target_kind, "Deployment") &&
            !strcmp(h[i].target_name, d->name))
            return &h[i];
    return NULL;
}

/* Bounds, target, preset and pace: HPA (or defaults), then annotations
 * (and the start-up time, which only an annotation sets). */
static void resolve_bounds(k8s *k, dep_state *st, const sa_k8s_deployment *d, const sa_k8s_hpa *h,
                           sa_context *c)
{
    c->min_replicas = 1;
    c->max_replicas = d->spec_replicas > 10 ? d->spec_replicas : 10;
    c->preset = k->preset;
    st->has_hpa = h != NULL;
    if (h) {
        if (st->hpa_raised_to < 0 || h->min_replicas != st->hpa_raised_to) {
            st->hpa_baseline_min = h->min_replicas; /* not (or no longer) our value */
            st->hpa_raised_to = -1;
        }
        sa_strlcpy(st->hpa_name, h->name, sizeof st->hpa_name);
        c->min_replicas = st->hpa_baseline_min;
        c->max_replicas = h->max_replicas;
        /* an HPA may aim above 100 % of requests; our targets stop at 100 */
        if (isfinite(h->target_cpu_percent))
            c->target_cpu_percent = h->target_cpu_percent < 100 ? h->target_cpu_percent : 100;
        c->target_memory_percent = h->target_memory_percent;
        c->has_hpa = true;
        c->hpa_target_cpu_percent = h->target_cpu_percent;
        c->hpa_current_replicas = h->current_replicas;
        c->hpa_desired_replicas = h->desired_replicas;
        sa_strlcpy(c->hpa_other_metrics, h->other_metrics, sizeof c->hpa_other_metrics);
        /* its pace, unless the deployment names a preset of its own */
        if (!d->has_preset) {
            c->hpa_scale_up = h->scale_up;
            c->hpa_scale_down = h->scale_down;
        }
        if (h->behavior_error[0])
            degrade(c, "hpa %.60s: %.120s", h->name, h->behavior_error);
    }
    if (d->has_min)
        c->min_replicas = d->ann_min;
    if (d->has_max)
        c->max_replicas = d->ann_max;
    if (d->has_target)
        c->target_cpu_percent = d->ann_target;
    if (d->has_preset)
        c->preset = d->ann_preset;
    if (d->has_startup)
        c->startup_s = d->ann_startup;
    if (d->has_miss_cost)
        c->miss_cost_rh = d->ann_miss_cost;
    if (d->ann_error[0])
        degrade(c, "%s", d->ann_error);
    if (c->min_replicas > c->max_replicas) {
        degrade(c, "bounds: min replicas %d above max replicas %d", c->min_replicas,
                c->max_replicas);
        c->max_replicas = c->min_replicas;
    }
}

/* GET a list; SA_OK with a 200 body, else *why describes the failure. */
static bool get_list(k8s *k, const char *path, sa_peer_reply *rp, char *why, size_t size,
                     int *timeouts)
{
    sa_errbuf eb = {0};
    sa_err e = call(k, "GET", path, NULL, rp, &eb);
    if (timeouts) { /* a streak of timeouts (NULL: not counted) */
        pthread_mutex_lock(&k->mu);
        *timeouts = e == SA_ERR_TIMEOUT ? *timeouts + 1 : 0;
        pthread_mutex_unlock(&k->mu);
    }
    if (e != SA_OK) {
        snprintf(why, size, "%.180s", eb.msg);
        return false;
    }
    if (rp->status != 200) {
        sa_k8s_status_text(rp->status, rp->body.data, why, size);
        return false;
    }
    return true;
}

/* The cluster-wide lists (labelled deployments, HPAs) are read in pages
 * of K8S_PAGE items with limit and continue, as kubectl and client-go do:
 * each reply stays small whatever the cluster's size. */
#define K8S_PAGE 500
#define K8S_PAGES_MAX 64

typedef struct {
    const char *path;
    char cont[SA_K8S_CONTINUE_MAX]; /* set by the page's parser */
    int pages;
} k8s_pager;

static void pager_init(k8s_pager *pg, const char *path)
{
    pg->path = path;
    pg->cont[0] = '\0';
    pg->pages = 0;
}

/* GET the pager's next page into rp. False after the last page (why
 * "") or on a failure (why says it). */
static bool pager_next(k8s *k, k8s_pager *pg, sa_peer_reply *rp, char *why, size_t size)
{
    char path[512 + 3 * SA_K8S_CONTINUE_MAX];
    char *c = NULL;
    int w;
    why[0] = '\0';
    if (pg->pages > 0 && !pg->cont[0])
        return false;
    if (pg->pages == K8S_PAGES_MAX) {
        snprintf(why, size, "more than %d pages of %d items", K8S_PAGES_MAX, K8S_PAGE);
        return false;
    }
    if (pg->cont[0] && !(c = sa_peer_escape(pg->cont))) {
        snprintf(why, size, "out of memory");
        return false;
    }
    w = snprintf(path, sizeof path, "%s%climit=%d%s%s", pg->path, strchr(pg->path, '?') ? '&' : '?',
                 K8S_PAGE, c ? "&continue=" : "", c ? c : "");
    free(c);
    if (w < 0 || (size_t)w >= sizeof path) {
        snprintf(why, size, "request path too long");
        return false;
    }
    pg->pages++;
    pg->cont[0] = '\0'; /* a page that is not parsed ends the list */
    return get_list(k, path, rp, why, size, NULL);
}

/* Append n items of `size` bytes to the array *acc of *acc_n, at most max
 * in all; false (why set) past max or out of memory. */
static bool append_items(void **acc, size_t *acc_n, const void *items, size_t n, size_t size,
                         size_t max, char *why, size_t wsize)
{
    char *a;
    if (n == 0)
        return true;
    if (*acc_n + n > max) {
        snprintf(why, wsize, "more than %zu items", max);
        return false;
    }
    if (!(a = realloc(*acc, (*acc_n + n) * size))) {
        snprintf(why, wsize, "out of memory");
        return false;
    }
    memcpy(a + *acc_n * size, items, n * size);
    *acc = a;
    *acc_n += n;
    return true;
}

/* Keep, in place, the HPAs of a deployment in deps; their number. */
static size_t keep_watched(sa_k8s_hpa *h, size_t n, const sa_k8s_deployment *deps, size_t nd)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < nd; j++)
            if (find_hpa(&h[i], 1, &deps[j])) {
                h[kept++] = h[i];
                break;
            }
    return kept;
}

/* The two cluster-wide lists. */
typedef enum { K8S_LIST_DEPLOYMENTS, K8S_LIST_HPAS } k8s_list;

/* Every item of a cluster-wide list, page by page, into *out / *n (caller
 * frees *out): the labelled deployments, or the HPAs of a deployment in
 * deps (so memory follows the watched deployments). False with why set. */
static bool list_all(k8s *k, k8s_list kind, sa_peer_reply *rp, const sa_k8s_deployment *deps,
                     size_t nd, void **out, size_t *n, char *why, size_t size)
{
    k8s_pager pg;
    void *acc = NULL;
    bool ok = true;
    *out = NULL;
    *n = 0;
    pager_init(&pg, kind == K8S_LIST_DEPLOYMENTS
                        ? "/apis/apps/v1/deployments?labelSelector=" SA_K8S_LABEL_ENABLED "%3Dtrue"
                        : "/apis/autoscaling/v2/horizontalpodautoscalers");
    while (ok && pager_next(k, &pg, rp, why, size)) {
        sa_k8s_deployment *dp = NULL;
        sa_k8s_hpa *hp = NULL;
        size_t np = 0;
        sa_errbuf pe = {0};
        sa_err e = kind == K8S_LIST_DEPLOYMENTS
                       ? sa_k8s_parse_deployments(rp->body.data, &dp, &np, pg.cont, &pe)
                       : sa_k8s_parse_hpas(rp->body.data, &hp, &np, pg.cont, &pe);
        if (e != SA_OK) {
            snprintf(why, size, "%.180s", pe.msg);
            ok = false;
        } else if (dp) {
            ok = append_items(&acc, n, dp, np, sizeof *dp, SA_K8S_MAX_ITEMS, why, size);
        } else if (hp) {
            ok = append_items(&acc, n, hp, keep_watched(hp, np, deps, nd), sizeof *hp,
                              SA_K8S_MAX_ITEMS, why, size);
        }
        free(dp);
        free(hp);
    }
    ok = ok && !why[0];
    if (ok) {
        *out = acc;
    } else {
        free(acc);
        *n = 0;
    }
    return ok;
}

/* GET the pods (of API api, K8S_API_*) of deployment d's namespace and
 * selector, as get_list; skipped once that API timed out K8S_TIMEOUTS_MAX
 * times in a row this cycle. */
static bool get_pods_list(k8s *k, int api, const sa_k8s_deployment *d, sa_peer_reply *rp, char *why,
                          size_t size)
{
    char path[SA_K8S_SELECTOR_MAX * 3 + 2 * SA_NAME_MAX * 3 + 128];
    char *ns = NULL, *sel = NULL;
    bool ok = false;
    pthread_mutex_lock(&k->mu);
    int streak = k->timeouts[api];
    pthread_mutex_unlock(&k->mu);
    if (streak >= K8S_TIMEOUTS_MAX) {
        snprintf(why, size, "skipped this cycle: %s timed out %d times in a row", k8s_api_path[api],
                 streak);
        return false;
    }
    ns = sa_peer_escape(d->namespace_);
    sel = sa_peer_escape(d->selector);
    if (!ns || !sel) {
        snprintf(why, size, "out of memory");
    } else if ((size_t)snprintf(path, sizeof path, "%s/namespaces/%s/pods?labelSelector=%s",
                                k8s_api_path[api], ns, sel) >= sizeof path) {
        snprintf(why, size, "request path too long");
    } else {
        ok = get_list(k, path, rp, why, size, &k->timeouts[api]);
    }
    free(ns);
    free(sel);
    return ok;
}

static void read_metrics(k8s *k, const sa_k8s_deployment *d, int64_t now, sa_context *c)
{
    char why[SA_STATUS_MAX];
    sa_peer_reply rp;
    sa_errbuf eb = {0};
    sa_k8s_usage u;
    sa_peer_reply_init(&rp);
    if (!get_pods_list(k, K8S_API_METRICS, d, &rp, why, sizeof why)) {
        degrade(c, "metrics: %s", why);
        goto out;
    }
    if (sa_k8s_parse_pod_metrics(rp.body.data, d, &u, &eb) != SA_OK) {
        degrade(c, "metrics: %.170s", eb.msg);
        goto out;
    }
    c->cpu_percent = u.cpu_percent;
    c->memory_percent = u.memory_percent;
    c->observed_at = u.newest;
    if (u.pods == 0)
        degrade(c, "metrics: no pod metrics for selector %.80s", d->selector);
    else if (!isfinite(u.cpu_percent))
        degrade(c, "metrics: no container has a cpu request");
    else if (now - u.newest > K8S_STALE_S)
        degrade(c, "metrics: stale (%lld s old)", (long long)(now - u.newest));
    else
        c->observed_at = now;
out:
    sa_peer_reply_release(&rp);
}

/* The pods' start-up time, measured every SA_SRC_STARTUP_EVERY_S: what the
 * predictor's horizon needs. A failure (no RBAC for pods, say) keeps the
 * last measurement, else the configured value, and is only logged: the
 * deployment is not degraded for it. */
static void read_startup(k8s *k, dep_state *st, const sa_k8s_deployment *d, int64_t now)
{
    char why[SA_STATUS_MAX] = "";
    sa_peer_reply rp;
    sa_errbuf eb = {0};
    double s = NAN;
    size_t pods = 0;
    if (!sa_src_startup_due(&st->startup, now))
        return;
    sa_peer_reply_init(&rp);
    bool ok = get_pods_list(k, K8S_API_CORE, d, &rp, why, sizeof why);
    if (ok && sa_k8s_parse_pod_startup(rp.body.data, &s, &pods, &eb) != SA_OK) {
        ok = false;
        snprintf(why, sizeof why, "%.180s", eb.msg);
    }
    if (!ok)
        sa_log(SA_LOG_WARN, "kubernetes pods not listed, start-up time not measured",
               "namespace=%s deployment=%s error=%s", d->namespace_, d->name, why);
    else if (pods > 0 && sa_src_startup_take(&st->startup, s))
        sa_log(SA_LOG_INFO, "kubernetes start-up time measured",
               "namespace=%s deployment=%s seconds=%.0f pods=%zu", d->namespace_, d->name, s, pods);
    sa_peer_reply_release(&rp);
}

/* One deployment's context from its list entry, HPA and reads; st is its
 * own state, so deployments can be filled side by side. */
static void fill_context(k8s *k, dep_state *st, const sa_k8s_deployment *d, const sa_k8s_hpa *hpas,
                         size_t nh, const char *hpa_err, int64_t now, sa_context *c)
{
    sa_context_init(c);
    sa_strlcpy(c->name, d->name, sizeof c->name);
    sa_strlcpy(c->namespace_, d->namespace_, sizeof c->namespace_);
    c->current_replicas = d->spec_replicas;
    c->ready_pods = d->ready_replicas;
    st->hpa_known = hpa_err == NULL;
    resolve_bounds(k, st, d, hpa_err ? NULL : find_hpa(hpas, nh, d), c);
    if (hpa_err)
        degrade(c, "hpa list: %.170s", hpa_err);
    /* a deployment scaled to zero by its owner is held there, not revived */
    if (d->spec_replicas == 0)
        degrade(c, "scaled to zero (spec.replicas 0): held");
    read_metrics(k, d, now, c);
    if (!d->has_startup) {
        read_startup(k, st, d, now);
        if (isfinite(st->startup.s))
            c->startup_s = st->startup.s;
    }
    st->last = *c;
    st->last.history = NULL;
    st->last.n_history = 0;
    if (c->degraded[0])
        sa_log(SA_LOG_WARN, "kubernetes deployment degraded",
               "namespace=%s deployment=%s reason=%s", c->namespace_, c->name, c->degraded);
}

/* The deployments of one cycle, filled side by side (sa_parallel_for). */
typedef struct {
    k8s *k;
    const sa_k8s_deployment *deps;
    const size_t *at; /* deps[i]'s state is k->st[at[i]] */
    const sa_k8s_hpa *hpas;
    size_t nh;
    const char *hpa_err;
    int64_t now;
    sa_context *v;
} k8s_fill;

static void fill_one(void *ctx, size_t i)
{
    k8s_fill *f = ctx;
    fill_context(f->k, &f->k->st[f->at[i]], &f->deps[i], f->hpas, f->nh, f->hpa_err, f->now,
                 &f->v[i]);
}

/* Drop the state of deployments no longer listed (deleted, unlabelled). */
static void forget_unlisted(k8s *k, const sa_k8s_deployment *deps, size_t nd)
{
    size_t w = 0;
    for (size_t i = 0; i < k->n_st; i++) {
        bool listed = false;
        for (size_t j = 0; j < nd && !listed; j++)
            listed =
                !strcmp(k->st[i].ns, deps[j].namespace_) && !strcmp(k->st[i].name, deps[j].name);
        if (listed)
            k->st[w++] = k->st[i];
    }
    k->n_st = w;
}

/* The deployment list failed: report every known deployment degraded. */
static sa_err fallback(k8s *k, const char *why, sa_context **out, size_t *n, sa_errbuf *eb)
{
    sa_log(SA_LOG_ERROR, "kubernetes list deployments failed", "error=%s known=%zu", why, k->n_st);
    if (k->n_st == 0)
        return sa_fail(eb, SA_ERR_UNAVAILABLE, "kubernetes: list deployments: %s", why);
    sa_context *v = calloc(k->n_st, sizeof *v);
    if (!v)
        return sa_fail(eb, SA_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < k->n_st; i++) {
        v[i] = k->st[i].last;
        v[i].cpu_percent = v[i].memory_percent = v[i].request_rate = NAN;
        v[i].observed_at = 0;
        snprintf(v[i].degraded, sizeof v[i].degraded, "list deployments: %.170s", why);
        k->st[i].hpa_known = false;
    }
    *out = v;
    *n = k->n_st;
    return SA_OK;
}

static sa_err k8s_collect(sa_src *s, int64_t now, sa_context **out, size_t *n, sa_errbuf *eb)
{
    k8s *k = s->impl;
    sa_err e = SA_OK;
    sa_peer_reply rp;
    sa_errbuf pe = {0};
    sa_k8s_deployment *deps = NULL;
    sa_k8s_hpa *hpas = NULL;
    size_t nd = 0, nh = 0;
    sa_context *v = NULL;
    size_t *at = NULL;
    void *lv = NULL;
    char why[SA_STATUS_MAX], hpa_why[SA_STATUS_MAX];
    const char *hpa_err = NULL;
    sa_peer_reply_init(&rp);
    k->timeouts[K8S_API_METRICS] = k->timeouts[K8S_API_CORE] = 0;
    if (load_token(k, &pe) != SA_OK)
        sa_log(SA_LOG_WARN, "kubernetes token not re-read, keeping the previous one", "error=%s",
               pe.msg);
    if (!list_all(k, K8S_LIST_DEPLOYMENTS, &rp, NULL, 0, &lv, &nd, why, sizeof why)) {
        e = fallback(k, why, out, n, eb);
        goto out;
    }
    deps = lv;
    if (!list_all(k, K8S_LIST_HPAS, &rp, deps, nd, &lv, &nh, hpa_why, sizeof hpa_why))
        hpa_err = hpa_why;
    hpas = lv;
    if (!(v = calloc(nd ? nd : 1, sizeof *v)) || !(at = calloc(nd ? nd : 1, sizeof *at))) {
        e = sa_fail(eb, SA_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* every state first, by index (state_get may move them), then the reads */
    for (size_t i = 0; i < nd; i++) {
        dep_state *ds = state_get(k, deps[i].namespace_, deps[i].name, true);
        if (!ds) {
            e = sa_fail(eb, SA_ERR_NOMEM, "out of memory");
            goto out;
        }
        at[i] = (size_t)(ds - k->st);
    }
    k8s_fill f = {.k = k,
                  .deps = deps,
                  .at = at,
                  .hpas = hpas,
                  .nh = nh,
                  .hpa_err = hpa_err,
                  .now = now,
                  .v = v};
    sa_parallel_for(nd, SA_SRC_READERS, fill_one, &f);
    forget_unlisted(k, deps, nd);
    *out = v;
    *n = nd;
    v = NULL;
out:
    free(v); /* non-NULL only when no context was filled */
    free(at);
    free(deps);
    free(hpas);
    sa_peer_reply_release(&rp);
    return e;
}

/* Describe a non-2xx reply in out and map it to an error. 403 stops
 * actuation for the deployment. 409 is left to the caller to retry. */
static sa_err refused(dep_state *st, const sa_peer_reply *rp, const char *verb, sa_actuation *out,
                      sa_errbuf *eb)
{
    char txt[SA_STATUS_MAX - 48];
    sa_k8s_status_text(rp->status, rp->body.data, txt, sizeof txt);
    switch (rp->status) {
    case 403:
        st->forbidden = true;
        snprintf(out->outcome, sizeof out->outcome, "forbidden, actuation stopped: %s refused (%s)",
                 verb, txt);
        sa_log(SA_LOG_ERROR, "kubernetes actuation forbidden, stopped for this deployment",
               "namespace=%s deployment=%s verb=%s status=%s", st->ns, st->name, verb, txt);
        return sa_fail(eb, SA_ERR_DENIED, "%s", out->outcome);
    case 404:
        snprintf(out->outcome, sizeof out->outcome, "not found: %s (%s)", verb, txt);
        return sa_fail(eb, SA_ERR_NOTFOUND, "%s", out->outcome);
    case 409:
        return SA_ERR_CONFLICT;
    default:
        snprintf(out->outcome, sizeof out->outcome, "failed: %s (%s)", verb, txt);
        return sa_fail(eb, SA_ERR_HTTP, "%s", out->outcome);
    }
}

/* Current value (scale spec.replicas, or HPA spec.minReplicas with its
 * maxReplicas) and resourceVersion of the object to patch. */
static sa_err read_object(k8s *k, dep_state *st, const char *path, int *cur, int *hmax,
                          char rv[SA_K8S_RV_MAX], sa_actuation *out, sa_errbuf *eb)
{
    sa_peer_reply rp;
    sa_errbuf pe = {0};
    sa_err e;
    sa_peer_reply_init(&rp);
    if ((e = call(k, "GET", path, NULL, &rp, &pe)) != SA_OK) {
        snprintf(out->outcome, sizeof out->outcome, "failed: read: %.170s", pe.msg);
        e = sa_fail(eb, e, "%s", out->outcome);
    } else if (rp.status != 200) {
        e = refused(st, &rp, "get", out, eb);
    } else if (st->has_hpa) {
        sa_k8s_hpa h;
        if ((e = sa_k8s_parse_hpa(rp.body.data, &h, &pe)) == SA_OK) {
            *cur = h.min_replicas;
            *hmax = h.max_replicas;
            sa_strlcpy(rv, h.resource_version, SA_K8S_RV_MAX);
        }
    } else {
        e = sa_k8s_parse_scale(rp.body.data, cur, rv, &pe);
        *hmax = 0; /* no HPA: unused */
    }
    if (e == SA_ERR_PARSE || e == SA_ERR_SCHEMA) {
        snprintf(out->outcome, sizeof out->outcome, "failed: read: %.170s", pe.msg);
        sa_fail(eb, e, "%s", out->outcome);
    }
    sa_peer_reply_release(&rp);
    return e;
}

static sa_err patch_body(const char *rv, const char *field, int want, sa_buf *b)
{
    sa_err e = sa_buf_puts(b, "{");
    if (e == SA_OK && rv[0]) {
        if ((e = sa_buf_puts(b, "\"metadata\":{\"resourceVersion\":")) == SA_OK &&
            (e = sa_buf_json_str(b, rv)) == SA_OK)
            e = sa_buf_puts(b, "},");
    }
    if (e == SA_OK)
        e = sa_buf_printf(b, "\"spec\":{\"%s\":%d}}", field, want);
    return e;
}

/* Read, compute, patch; on 409 read again (bounded). */
static sa_err actuate(k8s *k, dep_state *st, int target, sa_actuation *out, sa_errbuf *eb)
{
    char path[4 * SA_NAME_MAX * 3], rv[SA_K8S_RV_MAX];
    sa_err e = SA_OK;
    sa_buf body;
    sa_peer_reply rp;
    sa_buf_init(&body, 1024);
    sa_peer_reply_init(&rp);
    char *ns = sa_peer_escape(st->ns), *obj = sa_peer_escape(st->has_hpa ? st->hpa_name : st->name);
    if (!ns || !obj) {
        e = sa_fail(eb, SA_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (st->has_hpa)
        snprintf(path, sizeof path,
                 "/apis/autoscaling/v2/namespaces/%s/horizontalpodautoscalers/%s", ns, obj);
    else
        snprintf(path, sizeof path, "/apis/apps/v1/namespaces/%s/deployments/%s/scale", ns, obj);
    sa_strlcpy(out->method, st->has_hpa ? "hpa_min_replicas" : "scale", sizeof out->method);
    for (int attempt = 0; attempt <= k->retries; attempt++) {
        int cur = 0, hmax = 0, want = target;
        if ((e = read_object(k, st, path, &cur, &hmax, rv, out, eb)) != SA_OK)
            goto out;
        if (st->has_hpa)
            want = target < st->hpa_baseline_min ? st->hpa_baseline_min
                                                 : (target > hmax ? hmax : target);
        out->before = out->after = cur;
        if (want == cur) {
            snprintf(out->outcome, sizeof out->outcome, "unchanged: already %d", cur);
            goto out;
        }
        sa_buf_reset(&body);
        sa_errbuf pe = {0};
        if ((e = patch_body(rv, st->has_hpa ? "minReplicas" : "replicas", want, &body)) != SA_OK ||
            (e = call(k, "PATCH", path, body.data, &rp, &pe)) != SA_OK) {
            snprintf(out->outcome, sizeof out->outcome, "failed: patch: %.170s",
                     pe.msg[0] ? pe.msg : sa_strerror(e));
            e = sa_fail(eb, e, "%s", out->outcome);
            goto out;
        }
        if (rp.status == 200) {
            out->after = want;
            if (attempt)
                snprintf(out->outcome, sizeof out->outcome, "ok after %d conflict retr%s", attempt,
                         attempt == 1 ? "y" : "ies");
            else
                sa_strlcpy(out->outcome, "ok", sizeof out->outcome);
            if (st->has_hpa)
                st->hpa_raised_to = want == st->hpa_baseline_min ? -1 : want;
            goto out;
        }
        if ((e = refused(st, &rp, "patch", out, eb)) != SA_ERR_CONFLICT)
            goto out;
        sa_log(SA_LOG_WARN, "kubernetes patch conflict, re-reading",
               "namespace=%s deployment=%s attempt=%d", st->ns, st->name, attempt + 1);
    }
    snprintf(out->outcome, sizeof out->outcome, "conflict: gave up after %d attempts",
             k->retries + 1);
    e = sa_fail(eb, SA_ERR_CONFLICT, "%s", out->outcome);
out:
    free(ns);
    free(obj);
    sa_buf_release(&body);
    sa_peer_reply_release(&rp);
    return e;
}

static sa_err k8s_apply(sa_src *s, const sa_context *ctx, int target, sa_actuation *out,
                        sa_errbuf *eb)
{
    k8s *k = s->impl;
    sa_err e = SA_OK;
    sa_errbuf le = {0};
    dep_state *st = state_get(k, ctx->namespace_, ctx->name, false);
    memset(out, 0, sizeof *out);
    out->before = out->after = ctx->current_replicas;
    sa_strlcpy(out->method, "none", sizeof out->method);
    if (k->dry_run)
        e = sa_fail(&le, SA_ERR_DENIED, "dry-run: nothing is written to the cluster");
    else if (!st)
        e = sa_fail(&le, SA_ERR_NOTFOUND, "%s/%s is not a watched deployment", ctx->namespace_,
                    ctx->name);
    else if (st->forbidden)
        e = sa_fail(&le, SA_ERR_DENIED,
                    "forbidden: actuation stopped for %s/%s after a 403 (fix RBAC and restart)",
                    st->ns, st->name);
    else if (target < ctx->min_replicas || target > ctx->max_replicas)
        e = sa_fail(&le, SA_ERR_INVALID, "target %d outside [%d, %d]", target, ctx->min_replicas,
                    ctx->max_replicas);
    else if (!st->hpa_known)
        e = sa_fail(&le, SA_ERR_UNAVAILABLE, "HPA state unknown this cycle: not actuating");
    if (e != SA_OK) {
        snprintf(out->outcome, sizeof out->outcome, "refused: %.180s", le.msg);
        return sa_fail(eb, e, "%s", le.msg);
    }
    e = actuate(k, st, target, out, eb);
    sa_log(e == SA_OK ? SA_LOG_INFO : SA_LOG_WARN, "kubernetes actuation",
           "namespace=%s deployment=%s method=%s before=%d after=%d outcome=%s", st->ns, st->name,
           out->method, out->before, out->after, out->outcome);
    return e;
}

/* Frees the implementation; sa_src_destroy frees s itself. */
static void k8s_destroy(sa_src *s)
{
    k8s *k = s->impl;
    if (k) {
        memset(k->token, 0, sizeof k->token);
        free(k->st);
        pthread_mutex_destroy(&k->mu);
        free(k);
    }
    s->impl = NULL;
}

sa_err sa_src_kubernetes_create_opts(const sa_k8s_options *o, sa_src **out, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sa_src *s = calloc(1, sizeof *s);
    k8s *k = calloc(1, sizeof *k);
    *out = NULL;
    if (!s || !k) {
        free(k);
        e = sa_fail(eb, SA_ERR_NOMEM, "out of memory");
        goto out;
    }
    pthread_mutex_init(&k->mu, NULL);
    s->kind = "kubernetes";
    s->impl = k;
    s->collect = k8s_collect;
    s->apply = k8s_apply;
    s->destroy = k8s_destroy;
    if (!o->api_url || (strncmp(o->api_url, "http://", 7) && strncmp(o->api_url, "https://", 8))) {
        e = sa_fail(eb, SA_ERR_INVALID, "K8S_API_URL: must start with http:// or https://");
        goto out;
    }
    size_t bl = sa_strlcpy(k->base, o->api_url, sizeof k->base);
    while (bl > 0 && k->base[bl - 1] == '/')
        k->base[--bl] = '\0';
    if (o->token && sa_strlcpy(k->token, o->token, sizeof k->token) >= sizeof k->token) {
        e = sa_fail(eb, SA_ERR_INVALID, "K8S_TOKEN: longer than %d bytes", K8S_TOKEN_MAX - 1);
        goto out;
    }
    sa_strlcpy(k->token_file, o->token_file ? o->token_file : "", sizeof k->token_file);
    sa_strlcpy(k->ca_file, o->ca_file ? o->ca_file : "", sizeof k->ca_file);
    k->dry_run = o->dry_run;
    k->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
    k->retries = o->max_conflict_retries > 0 ? o->max_conflict_retries : 3;
    if (!o->default_preset || sa_preset_parse(o->default_preset, &k->preset) != SA_OK)
        k->preset = SA_PRESET_BALANCED;
    if ((e = load_token(k, eb)) != SA_OK)
        goto out;
    if (k->token[0] && !strncmp(k->base, "http://", 7) &&
        strncmp(k->base, "http://127.0.0.1", 16) && strncmp(k->base, "http://localhost", 16) &&
        strncmp(k->base, "http://[::1]", 12))
        sa_log(SA_LOG_WARN,
               "kubernetes bearer token sent over plain http (use https or kubectl proxy)",
               "scheme=%s", "http");
    *out = s;
    s = NULL;
out:
    sa_src_destroy(s);
    return e;
}

sa_err sa_src_kubernetes_create(const sa_config *cfg, sa_src **out, sa_errbuf *eb)
{
    char url[SA_CFG_STR_MAX];
    sa_k8s_options o = {
        .token = cfg->k8s_token, .dry_run = cfg->dry_run, .default_preset = cfg->preset};
    if (cfg->k8s_api_url[0]) {
        o.api_url = cfg->k8s_api_url;
        return sa_src_kubernetes_create_opts(&o, out, eb);
    }
    const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
    int p;
    if (!host || !host[0] || strlen(host) > 255)
        return sa_fail(eb, SA_ERR_INVALID,
                       "kubernetes source: set K8S_API_URL (e.g. http://127.0.0.1:8001 from "
                       "kubectl proxy) or run in a cluster (KUBERNETES_SERVICE_HOST unset)");
    if (sa_parse_int(port ? port : "443", 1, 65535, &p) != SA_OK)
        return sa_fail(eb, SA_ERR_INVALID, "KUBERNETES_SERVICE_PORT: not a port number");
    snprintf(url, sizeof url, strchr(host, ':') ? "https://[%s]:%d" : "https://%s:%d", host, p);
    o.api_url = url;
    o.token = NULL;
    o.token_file = SA_K8S_SA_DIR "/token";
    o.ca_file = SA_K8S_SA_DIR "/ca.crt";
    return sa_src_kubernetes_create_opts(&o, out, eb);
}
