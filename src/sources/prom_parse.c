/*
 * prom_parse.c - the Prometheus source's edge: the JSON config file of
 * deployments and PromQL templates, and the replies of /api/v1/query and
 * /api/v1/query_range. cJSON trees never leave this file; every field is
 * type- and range-checked, and names are validated as Kubernetes names so a
 * template expansion cannot inject PromQL.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sources/prom_int.h"
#include "scaleadvisor/codec.h"
#include "scaleadvisor/sources_int.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define POD_RE "{{deployment}}-[a-z0-9]+-[a-z0-9]+"
#define SEL "namespace=\"{{namespace}}\",pod=~\"" POD_RE "\""

/* The HPA whose scale target is the deployment (kube-state-metrics 2.x:
 * kube_horizontalpodautoscaler_info carries scaletargetref_*). */
#define HPA_NS "{namespace=\"{{namespace}}\"}"
#define HPA_OF                                                                                     \
    " * on(namespace, horizontalpodautoscaler) group_left() max by (namespace, "                   \
    "horizontalpodautoscaler) (kube_horizontalpodautoscaler_info{namespace=\"{{namespace}}\","     \
    "scaletargetref_kind=\"Deployment\",scaletargetref_name=\"{{deployment}}\"})"

/* Defaults for cAdvisor (kubelet /metrics/cadvisor) and kube-state-metrics. */
static const char *const default_queries[SA_PQ_COUNT] = {
    [SA_PQ_CPU] =
        "100 * sum(rate(container_cpu_usage_seconds_total{" SEL
        ",container!=\"\",container!=\"POD\"}[5m])) / sum(kube_pod_container_resource_requests{" SEL
        ",resource=\"cpu\"})",
    [SA_PQ_MEMORY] =
        "100 * sum(container_memory_working_set_bytes{" SEL
        ",container!=\"\",container!=\"POD\"}) / sum(kube_pod_container_resource_requests{" SEL
        ",resource=\"memory\"})",
    [SA_PQ_REPLICAS] = "sum(kube_deployment_spec_replicas{namespace=\"{{namespace}}\",deployment="
                       "\"{{deployment}}\"})",
    [SA_PQ_READY] = "sum(kube_deployment_status_replicas_ready{namespace=\"{{namespace}}\","
                    "deployment=\"{{deployment}}\"})",
    [SA_PQ_RATE] = "",
    /* kube-state-metrics 2.8+: the median, over pods whose containers never
     * restarted, of creation to Ready (an hour or more is a later flap; a
     * negative one, clock skew) */
    [SA_PQ_STARTUP] =
        "quantile(0.5, ((kube_pod_status_ready_time{" SEL
        "} - on(namespace, pod) kube_pod_created{" SEL "}) <= 3600 >= 0) unless on(namespace, pod) "
        "(kube_pod_container_status_restarts_total{" SEL "} > 0))",
    [SA_PQ_HPA_DESIRED] =
        "max(kube_horizontalpodautoscaler_status_desired_replicas" HPA_NS HPA_OF ")",
    [SA_PQ_HPA_MIN] = "max(kube_horizontalpodautoscaler_spec_min_replicas" HPA_NS HPA_OF ")",
    [SA_PQ_HPA_MAX] = "max(kube_horizontalpodautoscaler_spec_max_replicas" HPA_NS HPA_OF ")",
    [SA_PQ_HPA_CPU] =
        "max(kube_horizontalpodautoscaler_spec_target_metric{namespace=\"{{namespace}}\","
        "metric_name=\"cpu\",metric_target_type=\"utilization\"}" HPA_OF ")",
    [SA_PQ_HPA_MEMORY] =
        "max(kube_horizontalpodautoscaler_spec_target_metric{namespace=\"{{namespace}}\","
        "metric_name=\"memory\",metric_target_type=\"utilization\"}" HPA_OF ")",
};

static const char *const query_names[SA_PQ_COUNT] = {"cpu_percent",
                                                     "memory_percent",
                                                     "replicas",
                                                     "ready_pods",
                                                     "request_rate",
                                                     "startup",
                                                     "hpa_desired_replicas",
                                                     "hpa_min_replicas",
                                                     "hpa_max_replicas",
                                                     "hpa_target_cpu_percent",
                                                     "hpa_target_memory_percent"};

const char *sa_prom_query_name(sa_prom_query q)
{
    return (unsigned)q < SA_PQ_COUNT ? query_names[q] : "?";
}

void sa_prom_config_release(sa_prom_config *c)
{
    if (!c)
        return;
    free(c->deps);
    c->deps = NULL;
    c->n = 0;
}

/* Lowercase alphanumerics, '-' and '.', starting and ending alphanumeric. */
static bool k8s_name_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!alnum && ch != '-' && ch != '.')
            return false;
        if ((i == 0 || i == n - 1) && !alnum)
            return false;
    }
    return true;
}

static sa_err get_int(const cJSON *o, const char *key, const char *where, int64_t min, int64_t max,
                      int64_t *out, sa_errbuf *eb)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return SA_OK;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || floor(v->valuedouble) < v->valuedouble ||
        v->valuedouble < (double)min || v->valuedouble > (double)max)
        return sa_fail(eb, SA_ERR_INVALID, "%s%s: must be an integer in %lld..%lld", where, key,
                       (long long)min, (long long)max);
    *out = (int64_t)v->valuedouble;
    return SA_OK;
}

/* Apply a "queries" object onto q[]; unknown keys are errors (typos). */
static sa_err apply_queries(const cJSON *qo, const char *where, char (*q)[SA_PROM_QUERY_MAX],
                            sa_errbuf *eb)
{
    if (!qo)
        return SA_OK;
    if (!cJSON_IsObject(qo))
        return sa_fail(eb, SA_ERR_INVALID, "%squeries: must be an object", where);
    const cJSON *it;
    cJSON_ArrayForEach(it, qo)
    {
        int k = -1;
        for (int i = 0; i < SA_PQ_COUNT; i++)
            if (strcmp(it->string, query_names[i]) == 0)
                k = i;
        if (k < 0)
            return sa_fail(eb, SA_ERR_INVALID,
                           "%squeries.%s: unknown query (known: cpu_percent, memory_percent, "
                           "replicas, ready_pods, request_rate, startup, hpa_desired_replicas, "
                           "hpa_min_replicas, hpa_max_replicas, hpa_target_cpu_percent, "
                           "hpa_target_memory_percent)",
                           where, it->string);
        if (!cJSON_IsString(it))
            return sa_fail(eb, SA_ERR_INVALID, "%squeries.%s: must be a string", where, it->string);
        if (sa_strlcpy(q[k], it->valuestring, SA_PROM_QUERY_MAX) >= SA_PROM_QUERY_MAX)
            return sa_fail(eb, SA_ERR_INVALID, "%squeries.%s: longer than %d bytes", where,
                           it->string, SA_PROM_QUERY_MAX - 1);
    }
    return SA_OK;
}

static bool key_known(const char *k, const char *const *known)
{
    for (; *known; known++)
        if (strcmp(k, *known) == 0)
            return true;
    return false;
}

static sa_err check_keys(const cJSON *o, const char *where, const char *const *known, sa_errbuf *eb)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        if (!key_known(it->string, known))
            return sa_fail(eb, SA_ERR_INVALID, "%s%s: unknown key", where, it->string);
    }
    return SA_OK;
}

static sa_err parse_deployment(const cJSON *o, size_t i, char (*base)[SA_PROM_QUERY_MAX],
                               sa_preset preset, sa_prom_deployment *d, sa_errbuf *eb)
{
    static const char *const known[] = {"name",
                                        "namespace",
                                        "min_replicas",
                                        "max_replicas",
                                        "target_cpu_percent",
                                        "target_memory_percent",
                                        "miss_cost_rh",
                                        "preset",
                                        "startup_seconds",
                                        "behavior",
                                        "queries",
                                        NULL};
    char where[48];
    snprintf(where, sizeof where, "deployments[%zu].", i);
    sa_err e;
    if (!cJSON_IsObject(o))
        return sa_fail(eb, SA_ERR_INVALID, "deployments[%zu]: must be an object", i);
    if ((e = check_keys(o, where, known, eb)) != SA_OK)
        return e;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(o, "namespace");
    if (!cJSON_IsString(name) || !k8s_name_ok(name->valuestring, 253))
        return sa_fail(eb, SA_ERR_INVALID, "%sname: must be a Kubernetes name ([a-z0-9.-])", where);
    if (ns && (!cJSON_IsString(ns) || !k8s_name_ok(ns->valuestring, 63)))
        return sa_fail(eb, SA_ERR_INVALID, "%snamespace: must be a Kubernetes namespace name",
                       where);
    sa_strlcpy(d->name, name->valuestring, sizeof d->name);
    sa_strlcpy(d->namespace_, ns ? ns->valuestring : "default", sizeof d->namespace_);
    int64_t mn = 1, mx = 10;
    if ((e = get_int(o, "min_replicas", where, 1, 10000, &mn, eb)) != SA_OK ||
        (e = get_int(o, "max_replicas", where, 1, 10000, &mx, eb)) != SA_OK)
        return e;
    if (mx < mn)
        return sa_fail(eb, SA_ERR_INVALID, "%smax_replicas (%lld) is below min_replicas (%lld)",
                       where, (long long)mx, (long long)mn);
    d->min_replicas = (int)mn;
    d->max_replicas = (int)mx;
    d->has_min = cJSON_GetObjectItemCaseSensitive(o, "min_replicas") != NULL;
    d->has_max = cJSON_GetObjectItemCaseSensitive(o, "max_replicas") != NULL;
    d->target_cpu_percent = 70.0;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "target_cpu_percent");
    if (t) {
        if (!cJSON_IsNumber(t) || !(t->valuedouble > 0.0 && t->valuedouble <= 100.0))
            return sa_fail(eb, SA_ERR_INVALID, "%starget_cpu_percent: must be a number in (0, 100]",
                           where);
        d->target_cpu_percent = t->valuedouble;
        d->has_target_cpu = true;
    }
    d->miss_cost_rh = NAN;
    const cJSON *mc = cJSON_GetObjectItemCaseSensitive(o, "miss_cost_rh");
    if (mc) {
        if (!cJSON_IsNumber(mc) || !(mc->valuedouble >= 0.0 && mc->valuedouble <= SA_MISS_COST_MAX))
            return sa_fail(eb, SA_ERR_INVALID, "%smiss_cost_rh: must be a number in 0..1000000",
                           where);
        d->miss_cost_rh = mc->valuedouble;
    }
    d->target_memory_percent = NAN;
    const cJSON *tm = cJSON_GetObjectItemCaseSensitive(o, "target_memory_percent");
    if (tm) {
        if (!cJSON_IsNumber(tm) || !(tm->valuedouble > 0.0 && tm->valuedouble <= 1000.0))
            return sa_fail(eb, SA_ERR_INVALID,
                           "%starget_memory_percent: must be a number in (0, 1000]", where);
        d->target_memory_percent = tm->valuedouble;
    }
    int64_t su = -1;
    if ((e = get_int(o, "startup_seconds", where, 0, 3600, &su, eb)) != SA_OK)
        return e;
    d->startup_s = su >= 0 ? (double)su : NAN;
    d->preset = preset;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "preset");
    if (p && (!cJSON_IsString(p) || sa_preset_parse(p->valuestring, &d->preset) != SA_OK))
        return sa_fail(eb, SA_ERR_INVALID, "%spreset: must be conservative, balanced or aggressive",
                       where);
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "behavior");
    char at[64];
    sa_errbuf be = {0};
    snprintf(at, sizeof at, "%sbehavior", where);
    if (b && sa_codec_behavior_parse(b, at, &d->scale_up, &d->scale_down, &be) != SA_OK)
        return sa_fail(eb, SA_ERR_INVALID, "%s", be.msg);
    memcpy(d->queries, base, sizeof d->queries);
    if ((e = apply_queries(cJSON_GetObjectItemCaseSensitive(o, "queries"), where, d->queries,
                           eb)) != SA_OK)
        return e;
    if (!d->queries[SA_PQ_CPU][0] || !d->queries[SA_PQ_REPLICAS][0])
        return sa_fail(eb, SA_ERR_INVALID, "%squeries: cpu_percent and replicas cannot be empty",
                       where);
    return SA_OK;
}

static sa_err parse_top(const cJSON *root, int64_t interval_s, sa_prom_config *c, sa_errbuf *eb)
{
    static const char *const known[] = {"deployments", "queries", "backfill_s", "step_s",
                                        "timeout_ms",  "readers", NULL};
    sa_err e;
    if (!cJSON_IsObject(root))
        return sa_fail(eb, SA_ERR_INVALID, "config: top level must be a JSON object");
    if ((e = check_keys(root, "", known, eb)) != SA_OK)
        return e;
    int64_t tmo = 5000, readers = SA_SRC_READERS;
    c->backfill_s = 6 * 3600;
    c->step_s = interval_s > 0 ? interval_s : 15;
    if ((e = get_int(root, "backfill_s", "", 0, 31 * 86400, &c->backfill_s, eb)) != SA_OK ||
        (e = get_int(root, "step_s", "", 1, 86400, &c->step_s, eb)) != SA_OK ||
        (e = get_int(root, "timeout_ms", "", 100, 600000, &tmo, eb)) != SA_OK ||
        (e = get_int(root, "readers", "", 1, SA_SRC_READERS, &readers, eb)) != SA_OK)
        return e;
    c->timeout_ms = (long)tmo;
    c->readers = (size_t)readers;
    return SA_OK;
}

sa_err sa_prom_config_parse(const char *json, int64_t interval_s, sa_preset default_preset,
                            sa_prom_config *out, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    char(*base)[SA_PROM_QUERY_MAX] = NULL;
    sa_prom_config c = {0};
    cJSON *root = cJSON_Parse(json);
    if (!root) {
        e = sa_fail(eb, SA_ERR_INVALID, "config: not valid JSON");
        goto out;
    }
    if ((e = parse_top(root, interval_s, &c, eb)) != SA_OK)
        goto out;
    if (!(base = calloc(SA_PQ_COUNT, sizeof *base))) {
        e = sa_fail(eb, SA_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < SA_PQ_COUNT; i++)
        sa_strlcpy(base[i], default_queries[i], SA_PROM_QUERY_MAX);
    if ((e = apply_queries(cJSON_GetObjectItemCaseSensitive(root, "queries"), "", base, eb)) !=
        SA_OK)
        goto out;
    const cJSON *deps = cJSON_GetObjectItemCaseSensitive(root, "deployments");
    int nd = cJSON_GetArraySize(deps);
    if (!cJSON_IsArray(deps) || nd < 1 || nd > SA_PROM_MAX_DEPLOYMENTS) {
        e = sa_fail(eb, SA_ERR_INVALID, "deployments: must be an array of 1..%d objects",
                    SA_PROM_MAX_DEPLOYMENTS);
        goto out;
    }
    if (!(c.deps = calloc((size_t)nd, sizeof *c.deps))) {
        e = sa_fail(eb, SA_ERR_NOMEM, "out of memory");
        goto out;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, deps)
    {
        if ((e = parse_deployment(it, c.n, base, default_preset, &c.deps[c.n], eb)) != SA_OK)
            goto out;
        for (size_t j = 0; j < c.n; j++)
            if (!strcmp(c.deps[j].name, c.deps[c.n].name) &&
                !strcmp(c.deps[j].namespace_, c.deps[c.n].namespace_)) {
                e = sa_fail(eb, SA_ERR_INVALID, "deployments[%zu]: %s/%s listed twice", c.n,
                            c.deps[c.n].namespace_, c.deps[c.n].name);
                goto out;
            }
        c.n++;
    }
    *out = c;
    c.deps = NULL;
out:
    free(c.deps);
    free(base);
    cJSON_Delete(root);
    return e;
}

sa_err sa_prom_expand(const char *tmpl, const char *ns, const char *name, sa_buf *out)
{
    sa_err e = SA_OK;
    const char *p = tmpl;
    while (e == SA_OK && *p) {
        if (!strncmp(p, "{{namespace}}", 13)) {
            e = sa_buf_puts(out, ns);
            p += 13;
        } else if (!strncmp(p, "{{deployment}}", 14)) {
            e = sa_buf_puts(out, name);
            p += 14;
        } else {
            e = sa_buf_append(out, p, 1);
            p++;
        }
    }
    return e;
}

/* Common envelope: HTTP status, JSON, "status", and "data". On success
 * *data points into *root (caller deletes root). */
static sa_err parse_envelope(long http_status, const char *body, cJSON **root, const cJSON **data,
                             sa_errbuf *eb)
{
    cJSON *r = cJSON_Parse(body);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(r, "status");
    if (!r || !cJSON_IsObject(r) || !cJSON_IsString(st)) {
        cJSON_Delete(r);
        if (http_status < 200 || http_status > 299)
            return sa_fail(eb, SA_ERR_HTTP, "http %ld", http_status);
        return sa_fail(eb, SA_ERR_PARSE, "reply is not a Prometheus API JSON object");
    }
    if (strcmp(st->valuestring, "success") != 0) {
        const cJSON *et = cJSON_GetObjectItemCaseSensitive(r, "errorType");
        const cJSON *em = cJSON_GetObjectItemCaseSensitive(r, "error");
        sa_fail(eb, SA_ERR_HTTP, "prometheus %s: %.120s",
                cJSON_IsString(et) ? et->valuestring : "error",
                cJSON_IsString(em) ? em->valuestring : "(no message)");
        cJSON_Delete(r);
        return SA_ERR_HTTP;
    }
    if (http_status < 200 || http_status > 299) {
        cJSON_Delete(r);
        return sa_fail(eb, SA_ERR_HTTP, "http %ld", http_status);
    }
    *data = cJSON_GetObjectItemCaseSensitive(r, "data");
    if (!cJSON_IsObject(*data)) {
        cJSON_Delete(r);
        return sa_fail(eb, SA_ERR_SCHEMA, "reply has no data object");
    }
    *root = r;
    return SA_OK;
}

/* A [timestamp, "value"] pair. Non-finite values give NaN (no data). */
static sa_err parse_point(const cJSON *pt, double *ts, double *v, sa_errbuf *eb)
{
    const cJSON *t = cJSON_GetArrayItem(pt, 0), *s = cJSON_GetArrayItem(pt, 1);
    if (!cJSON_IsArray(pt) || cJSON_GetArraySize(pt) != 2 || !cJSON_IsNumber(t) ||
        !cJSON_IsString(s))
        return sa_fail(eb, SA_ERR_SCHEMA, "sample is not [timestamp, \"value\"]");
    double x;
    if (sa_parse_double(s->valuestring, -HUGE_VAL, HUGE_VAL, &x) != SA_OK) {
        const char *vs = s->valuestring;
        if (strcmp(vs, "NaN") && strcmp(vs, "+Inf") && strcmp(vs, "-Inf") && strcmp(vs, "Inf"))
            return sa_fail(eb, SA_ERR_SCHEMA, "sample value '%.40s' is not a number", vs);
        x = NAN;
    }
    *ts = t->valuedouble;
    *v = x;
    return SA_OK;
}

static sa_err check_type(const cJSON *data, const char *want, const cJSON **result, sa_errbuf *eb)
{
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(data, "resultType");
    *result = cJSON_GetObjectItemCaseSensitive(data, "result");
    if (!cJSON_IsString(rt) || !*result)
        return sa_fail(eb, SA_ERR_SCHEMA, "reply lacks data.resultType or data.result");
    if (strcmp(rt->valuestring, want) != 0 && strcmp(rt->valuestring, "scalar") != 0)
        return sa_fail(eb, SA_ERR_SCHEMA, "result type %.20s, expected %s", rt->valuestring, want);
    return SA_OK;
}

sa_err sa_prom_parse_instant(long http_status, const char *body, double *value, double *ts,
                             sa_errbuf *eb)
{
    cJSON *root = NULL;
    const cJSON *data = NULL, *res = NULL, *pt = NULL;
    double t = 0, v = NAN;
    sa_err e = parse_envelope(http_status, body, &root, &data, eb);
    if (e != SA_OK)
        goto out;
    if ((e = check_type(data, "vector", &res, eb)) != SA_OK)
        goto out;
    if (cJSON_IsArray(res) && cJSON_GetArraySize(res) == 2 && cJSON_IsNumber(res->child)) {
        pt = res; /* scalar: [ts, "v"] */
    } else if (cJSON_IsArray(res)) {
        int n = cJSON_GetArraySize(res);
        if (n == 0) {
            e = sa_fail(eb, SA_ERR_NOTFOUND, "empty result (no series matched)");
            goto out;
        }
        if (n > 1) {
            e = sa_fail(eb, SA_ERR_SCHEMA, "%d series returned, expected one (aggregate with sum)",
                        n);
            goto out;
        }
        pt = cJSON_GetObjectItemCaseSensitive(res->child, "value");
    } else {
        e = sa_fail(eb, SA_ERR_SCHEMA, "data.result is not an array");
        goto out;
    }
    if ((e = parse_point(pt, &t, &v, eb)) != SA_OK)
        goto out;
    if (!isfinite(v)) {
        e = sa_fail(eb, SA_ERR_NOTFOUND, "no data (value is NaN or infinite)");
        goto out;
    }
    *value = v;
    *ts = t;
out:
    cJSON_Delete(root);
    return e;
}

sa_err sa_prom_parse_range(long http_status, const char *body, int64_t start, int64_t step,
                           size_t n, double *out, sa_errbuf *eb)
{
    cJSON *root = NULL;
    const cJSON *data = NULL, *res = NULL, *pt;
    sa_err e = parse_envelope(http_status, body, &root, &data, eb);
    if (e != SA_OK)
        goto out;
    if ((e = check_type(data, "matrix", &res, eb)) != SA_OK)
        goto out;
    if (!cJSON_IsArray(res) || cJSON_GetArraySize(res) > 1) {
        e = sa_fail(eb, SA_ERR_SCHEMA, "range result must be a matrix of at most one series");
        goto out;
    }
    if (cJSON_GetArraySize(res) == 0)
        goto out;
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(res->child, "values");
    if (!cJSON_IsArray(vals)) {
        e = sa_fail(eb, SA_ERR_SCHEMA, "series has no values array");
        goto out;
    }
    cJSON_ArrayForEach(pt, vals)
    {
        double ts, v;
        if ((e = parse_point(pt, &ts, &v, eb)) != SA_OK)
            goto out;
        double k = round((ts - (double)start) / (double)step);
        if (isfinite(v) && k >= 0 && k < (double)n)
            out[(size_t)k] = v;
    }
out:
    cJSON_Delete(root);
    return e;
}
