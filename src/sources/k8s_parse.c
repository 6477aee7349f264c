/*
 * k8s_parse.c - the Kubernetes source's edge: Deployment, HPA, Scale,
 * PodMetricsList and Status bodies become the plain structs of k8s_int.h.
 * Every field is type-checked; optional fields take the API's defaults
 * (spec.replicas 1, HPA minReplicas 1). cJSON never leaves this file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sources/k8s_int.h"
#include "scaleadvisor/codec.h"
#include "scaleadvisor/log.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define J(o, k) cJSON_GetObjectItemCaseSensitive((o), (k))

static const char *str_or(const cJSON *o, const char *k, const char *dflt)
{
    const cJSON *v = J(o, k);
    return cJSON_IsString(v) ? v->valuestring : dflt;
}

/* An integer field in [min, max]; absent = dflt; wrong type = dflt and
 * false. */
static bool int_or(const cJSON *o, const char *k, int min, int max, int dflt, int *out)
{
    const cJSON *v = J(o, k);
    *out = dflt;
    if (!v)
        return true;
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= min && v->valuedouble <= max) ||
        floor(v->valuedouble) < v->valuedouble)
        return false;
    *out = (int)v->valuedouble;
    return true;
}

static sa_err parse_root(const char *body, cJSON **root, sa_errbuf *eb)
{
    *root = cJSON_Parse(body);
    if (!*root || !cJSON_IsObject(*root)) {
        cJSON_Delete(*root);
        *root = NULL;
        return sa_fail(eb, SA_ERR_PARSE, "reply is not a JSON object");
    }
    return SA_OK;
}

static bool meta_names(const cJSON *item, char *name, char *ns)
{
    const cJSON *m = J(item, "metadata");
    const char *n = str_or(m, "name", NULL), *s = str_or(m, "namespace", NULL);
    if (!n || !s || sa_strlcpy(name, n, SA_NAME_MAX) >= SA_NAME_MAX ||
        sa_strlcpy(ns, s, SA_NAME_MAX) >= SA_NAME_MAX)
        return false;
    return true;
}

/* Append "a<sep>b" (b may be "") to a selector string, comma-separated;
 * with paren, b is wrapped in parentheses ("tier in (a,b)"). */
static bool sel_add(char *sel, const char *a, const char *sep, const char *b, bool paren)
{
    size_t len = strlen(sel);
    int n = snprintf(sel + len, SA_K8S_SELECTOR_MAX - len, "%s%s%s%s%s%s", len ? "," : "", a, sep,
                     paren ? "(" : "", b, paren ? ")" : "");
    return n >= 0 && (size_t)n < SA_K8S_SELECTOR_MAX - len;
}

/* spec.selector (matchLabels and matchExpressions) as a selector string. */
static bool build_selector(const cJSON *selector, char *out)
{
    const cJSON *it;
    out[0] = '\0';
    cJSON_ArrayForEach(it, J(selector, "matchLabels"))
    {
        if (!cJSON_IsString(it) || !sel_add(out, it->string, "=", it->valuestring, false))
            return false;
    }
    cJSON_ArrayForEach(it, J(selector, "matchExpressions"))
    {
        const char *key = str_or(it, "key", NULL), *op = str_or(it, "operator", "");
        if (!key)
            return false;
        if (!strcmp(op, "Exists") || !strcmp(op, "DoesNotExist")) {
            if (!sel_add(out, op[0] == 'D' ? "!" : "", "", key, false))
                return false;
            continue;
        }
        if (strcmp(op, "In") && strcmp(op, "NotIn"))
            return false;
        char vals[512] = "";
        const cJSON *v;
        cJSON_ArrayForEach(v, J(it, "values"))
        {
            size_t l = strlen(vals);
            if (!cJSON_IsString(v) ||
                (size_t)snprintf(vals + l, sizeof vals - l, "%s%s", l ? "," : "", v->valuestring) >=
                    sizeof vals - l)
                return false;
        }
        if (!sel_add(out, key, op[0] == 'I' ? " in " : " notin ", vals, true))
            return false;
    }
    return out[0] != '\0';
}

static void ann_bad(sa_k8s_deployment *d, const char *key, const char *val, const char *want)
{
    if (!d->ann_error[0])
        snprintf(d->ann_error, sizeof d->ann_error, "annotation %s: '%.32s' is not %s", key, val,
                 want);
}

static void parse_annotations(const cJSON *ann, sa_k8s_deployment *d)
{
    const char *v;
    if ((v = str_or(ann, SA_K8S_ANN_MIN, NULL))) {
        if (sa_parse_int(v, 1, 10000, &d->ann_min) == SA_OK)
            d->has_min = true;
        else
            ann_bad(d, SA_K8S_ANN_MIN, v, "an integer in 1..10000");
    }
    if ((v = str_or(ann, SA_K8S_ANN_MAX, NULL))) {
        if (sa_parse_int(v, 1, 10000, &d->ann_max) == SA_OK)
            d->has_max = true;
        else
            ann_bad(d, SA_K8S_ANN_MAX, v, "an integer in 1..10000");
    }
    if ((v = str_or(ann, SA_K8S_ANN_TARGET, NULL))) {
        if (sa_parse_double(v, 1e-9, 100.0, &d->ann_target) == SA_OK)
            d->has_target = true;
        else
            ann_bad(d, SA_K8S_ANN_TARGET, v, "a number in (0, 100]");
    }
    if ((v = str_or(ann, SA_K8S_ANN_STARTUP, NULL))) {
        if (sa_parse_int(v, 0, 3600, &d->ann_startup) == SA_OK)
            d->has_startup = true;
        else
            ann_bad(d, SA_K8S_ANN_STARTUP, v, "an integer in 0..3600 (seconds)");
    }
    if ((v = str_or(ann, SA_K8S_ANN_MISS_COST, NULL))) {
        if (sa_parse_double(v, 0.0, SA_MISS_COST_MAX, &d->ann_miss_cost) == SA_OK)
            d->has_miss_cost = true;
        else
            ann_bad(d, SA_K8S_ANN_MISS_COST, v, "a number in 0..1000000 (replica-hours)");
    }
    if ((v = str_or(ann, SA_K8S_ANN_PRESET, NULL))) {
        if (sa_preset_parse(v, &d->ann_preset) == SA_OK)
            d->has_preset = true;
        else
            ann_bad(d, SA_K8S_ANN_PRESET, v, "conservative, balanced or aggressive");
    }
}

static void parse_containers(const cJSON *spec, sa_k8s_deployment *d)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, J(J(J(spec, "template"), "spec"), "containers"))
    {
        if (d->n_containers == SA_K8S_MAX_CONTAINERS)
            break;
        sa_k8s_container *k = &d->containers[d->n_containers];
        const char *name = str_or(c, "name", NULL);
        if (!name)
            continue;
        sa_strlcpy(k->name, name, sizeof k->name);
        const cJSON *req = J(J(c, "resources"), "requests");
        if (sa_parse_quantity(str_or(req, "cpu", NULL), &k->cpu_request) != SA_OK ||
            !(k->cpu_request > 0))
            k->cpu_request = NAN;
        if (sa_parse_quantity(str_or(req, "memory", NULL), &k->memory_request) != SA_OK ||
            !(k->memory_request > 0))
            k->memory_request = NAN;
        d->n_containers++;
    }
}

static bool parse_deployment(const cJSON *item, sa_k8s_deployment *d)
{
    memset(d, 0, sizeof *d);
    if (!meta_names(item, d->name, d->namespace_))
        return false;
    const cJSON *spec = J(item, "spec");
    if (!cJSON_IsObject(spec) || !build_selector(J(spec, "selector"), d->selector))
        return false;
    int r;
    if (!int_or(spec, "replicas", 0, 100000, 1, &d->spec_replicas) ||
        !int_or(J(item, "status"), "readyReplicas", 0, 100000, 0, &r))
        return false;
    d->ready_replicas = r;
    parse_annotations(J(J(item, "metadata"), "annotations"), d);
    parse_containers(spec, d);
    return true;
}

/* items[] of a List: check kind suffix "List" loosely, count, allocate. */
static sa_err list_items(const cJSON *root, const cJSON **items, size_t *n, sa_errbuf *eb)
{
    *items = J(root, "items");
    if (!cJSON_IsArray(*items) && !cJSON_IsNull(*items))
        return sa_fail(eb, SA_ERR_SCHEMA, "list has no items array");
    int k = cJSON_GetArraySize(*items);
    if (k > SA_K8S_MAX_ITEMS)
        return sa_fail(eb, SA_ERR_TOOBIG, "list has %d items (limit %d)", k, SA_K8S_MAX_ITEMS);
    *n = (size_t)k;
    return SA_OK;
}

/* metadata.continue of a List page into cont[SA_K8S_CONTINUE_MAX] ("" on
 * the last page). */
static sa_err list_continue(const cJSON *root, char *cont, sa_errbuf *eb)
{
    const char *c = str_or(J(root, "metadata"), "continue", "");
    if (sa_strlcpy(cont, c, SA_K8S_CONTINUE_MAX) >= SA_K8S_CONTINUE_MAX) {
        cont[0] = '\0';
        return sa_fail(eb, SA_ERR_TOOBIG, "list continue token longer than %d bytes",
                       SA_K8S_CONTINUE_MAX - 1);
    }
    return SA_OK;
}

/* Parse a List object (one page of it) into a new array of items of
 * `size` bytes each, filled by parse_item; items it refuses are logged as
 * `what` and left out. Its continue token into cont (may be NULL). */
static sa_err parse_list(const char *body, size_t size, bool (*parse_item)(const cJSON *, void *),
                         const char *what, void **out, size_t *n, char *cont, sa_errbuf *eb)
{
    cJSON *root = NULL;
    const cJSON *items, *it;
    char *v = NULL;
    size_t cnt = 0, k = 0;
    sa_err e = parse_root(body, &root, eb);
    if (e != SA_OK || (e = list_items(root, &items, &cnt, eb)) != SA_OK ||
        (cont && (e = list_continue(root, cont, eb)) != SA_OK))
        goto out;
    if (!(v = calloc(cnt ? cnt : 1, size))) {
        e = sa_fail(eb, SA_ERR_NOMEM, "out of memory");
        goto out;
    }
    cJSON_ArrayForEach(it, items)
    {
        if (parse_item(it, v + k * size))
            k++;
        else
            sa_log(SA_LOG_WARN, what, "name=%.64s", str_or(J(it, "metadata"), "name", "?"));
    }
    *out = v;
    *n = k;
    v = NULL;
out:
    free(v);
    cJSON_Delete(root);
    return e;
}

static bool parse_deployment_item(const cJSON *item, void *d)
{
    return parse_deployment(item, d);
}

sa_err sa_k8s_parse_deployments(const char *body, sa_k8s_deployment **out, size_t *n, char *cont,
                                sa_errbuf *eb)
{
    void *v = NULL;
    sa_err e =
        parse_list(body, sizeof **out, parse_deployment_item,
                   "kubernetes deployment skipped: no usable name or selector", &v, n, cont, eb);
    if (e == SA_OK)
        *out = v;
    return e;
}

/* The HPA's Utilization target for a resource ("cpu", "memory"); NaN none. */
static double resource_target(const cJSON *spec, const char *resource)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, J(spec, "metrics"))
    {
        const cJSON *res = J(m, "resource"), *t = J(res, "target");
        const cJSON *u = J(t, "averageUtilization");
        if (!strcmp(str_or(m, "type", ""), "Resource") &&
            !strcmp(str_or(res, "name", ""), resource) &&
            !strcmp(str_or(t, "type", ""), "Utilization") && cJSON_IsNumber(u) &&
            u->valuedouble > 0 && u->valuedouble <= 1000)
            return u->valuedouble;
    }
    return NAN;
}

/* The HPA's metrics that are not a cpu or memory Utilization target
 * ("Pods http_requests, External queue_depth"), which the rule cannot
 * evaluate; "" when there are none. */
static void other_metrics(const cJSON *spec, char *out, size_t n)
{
    static const struct {
        const char *type, *key;
    } kinds[] = {{"Pods", "pods"},
                 {"Object", "object"},
                 {"External", "external"},
                 {"ContainerResource", "containerResource"},
                 {"Resource", "resource"}};
    const cJSON *m;
    size_t used = 0;
    out[0] = '\0';
    cJSON_ArrayForEach(m, J(spec, "metrics"))
    {
        const char *type = str_or(m, "type", "?"), *name = "?";
        for (size_t k = 0; k < SA_ARRAY_LEN(kinds); k++) {
            const cJSON *o = J(m, kinds[k].key);
            if (strcmp(type, kinds[k].type) == 0 && o)
                name = str_or(J(o, "metric"), "name", str_or(o, "name", "?"));
        }
        if (!strcmp(type, "Resource") && (!strcmp(name, "cpu") || !strcmp(name, "memory")) &&
            !strcmp(str_or(J(J(m, "resource"), "target"), "type", ""), "Utilization"))
            continue;
        int k = snprintf(out + used, n - used, "%s%.24s %.64s", used ? ", " : "", type, name);
        if (k < 0 || (size_t)k >= n - used) {
            out[used] = '\0'; /* keep whole entries only */
            return;
        }
        used += (size_t)k;
    }
}

static bool parse_hpa_item(const cJSON *item, sa_k8s_hpa *h)
{
    memset(h, 0, sizeof *h);
    if (!meta_names(item, h->name, h->namespace_))
        return false;
    sa_strlcpy(h->resource_version, str_or(J(item, "metadata"), "resourceVersion", ""),
               sizeof h->resource_version);
    const cJSON *spec = J(item, "spec"), *ref = J(spec, "scaleTargetRef"), *st = J(item, "status");
    const char *tk = str_or(ref, "kind", NULL), *tn = str_or(ref, "name", NULL);
    if (!tk || !tn)
        return false;
    sa_strlcpy(h->target_kind, tk, sizeof h->target_kind);
    sa_strlcpy(h->target_name, tn, sizeof h->target_name);
    if (!int_or(spec, "minReplicas", 1, 100000, 1, &h->min_replicas) ||
        !int_or(spec, "maxReplicas", 1, 100000, -1, &h->max_replicas) || h->max_replicas < 1 ||
        !int_or(st, "currentReplicas", 0, 100000, -1, &h->current_replicas) ||
        !int_or(st, "desiredReplicas", 0, 100000, -1, &h->desired_replicas))
        return false;
    h->target_cpu_percent = resource_target(spec, "cpu");
    h->target_memory_percent = resource_target(spec, "memory");
    other_metrics(spec, h->other_metrics, sizeof h->other_metrics);
    const cJSON *b = J(spec, "behavior");
    sa_errbuf eb = {0};
    if (b && !cJSON_IsNull(b) &&
        sa_codec_behavior_parse(b, "spec.behavior", &h->scale_up, &h->scale_down, &eb) != SA_OK)
        snprintf(h->behavior_error, sizeof h->behavior_error, "%.180s", eb.msg);
    return true;
}

static bool parse_hpa_list_item(const cJSON *item, void *h)
{
    return parse_hpa_item(item, h);
}

sa_err sa_k8s_parse_hpas(const char *body, sa_k8s_hpa **out, size_t *n, char *cont, sa_errbuf *eb)
{
    void *v = NULL;
    sa_err e = parse_list(body, sizeof **out, parse_hpa_list_item,
                          "kubernetes HPA skipped: malformed", &v, n, cont, eb);
    if (e == SA_OK)
        *out = v;
    return e;
}

sa_err sa_k8s_parse_hpa(const char *body, sa_k8s_hpa *out, sa_errbuf *eb)
{
    cJSON *root = NULL;
    sa_err e = parse_root(body, &root, eb);
    if (e == SA_OK && !parse_hpa_item(root, out))
        e = sa_fail(eb, SA_ERR_SCHEMA, "HorizontalPodAutoscaler lacks a required field");
    cJSON_Delete(root);
    return e;
}

sa_err sa_k8s_parse_scale(const char *body, int *replicas, char rv[SA_K8S_RV_MAX], sa_errbuf *eb)
{
    cJSON *root = NULL;
    int r = 0;
    sa_err e = parse_root(body, &root, eb);
    if (e != SA_OK)
        goto out;
    const char *v = str_or(J(root, "metadata"), "resourceVersion", NULL);
    if (strcmp(str_or(root, "kind", ""), "Scale") || !v ||
        !int_or(J(root, "spec"), "replicas", 0, 100000, 0, &r)) {
        e = sa_fail(eb, SA_ERR_SCHEMA, "not a Scale object with spec.replicas and resourceVersion");
        goto out;
    }
    sa_strlcpy(rv, v, SA_K8S_RV_MAX);
    *replicas = r;
out:
    cJSON_Delete(root);
    return e;
}

static const sa_k8s_container *find_container(const sa_k8s_deployment *d, const char *name)
{
    for (size_t i = 0; i < d->n_containers; i++)
        if (!strcmp(d->containers[i].name, name))
            return &d->containers[i];
    return NULL;
}

sa_err sa_k8s_parse_pod_metrics(const char *body, const sa_k8s_deployment *d, sa_k8s_usage *out,
                                sa_errbuf *eb)
{
    cJSON *root = NULL;
    const cJSON *items, *pod, *c;
    size_t cnt;
    double cu = 0, cr = 0, mu = 0, mr = 0;
    sa_k8s_usage u = {NAN, NAN, 0, 0};
    sa_err e = parse_root(body, &root, eb);
    if (e != SA_OK || (e = list_items(root, &items, &cnt, eb)) != SA_OK)
        goto out;
    cJSON_ArrayForEach(pod, items)
    {
        double ts;
        if (!cJSON_IsArray(J(pod, "containers"))) {
            e = sa_fail(eb, SA_ERR_SCHEMA, "PodMetrics without containers");
            goto out;
        }
        if (sa_parse_time(str_or(pod, "timestamp", ""), &ts) == SA_OK && (int64_t)ts > u.newest)
            u.newest = (int64_t)ts;
        cJSON_ArrayForEach(c, J(pod, "containers"))
        {
            const sa_k8s_container *k = find_container(d, str_or(c, "name", ""));
            const cJSON *usage = J(c, "usage");
            double cpu, mem;
            if (!k)
                continue;
            if (sa_parse_quantity(str_or(usage, "cpu", NULL), &cpu) != SA_OK ||
                sa_parse_quantity(str_or(usage, "memory", NULL), &mem) != SA_OK) {
                e = sa_fail(eb, SA_ERR_SCHEMA, "container usage is not a cpu/memory quantity");
                goto out;
            }
            if (isfinite(k->cpu_request))
                cu += cpu, cr += k->cpu_request;
            if (isfinite(k->memory_request))
                mu += mem, mr += k->memory_request;
        }
        u.pods++;
    }
    if (cr > 0)
        u.cpu_percent = 100.0 * cu / cr;
    if (mr > 0)
        u.memory_percent = 100.0 * mu / mr;
    *out = u;
out:
    cJSON_Delete(root);
    return e;
}

/* Seconds from a pod's creation to its Ready transition; NaN when it is
 * not Ready, a container restarted, or a time is missing or out of range. */
static double pod_startup(const cJSON *pod)
{
    const cJSON *c, *status = J(pod, "status");
    double created, ready = NAN;
    if (sa_parse_time(str_or(J(pod, "metadata"), "creationTimestamp", ""), &created) != SA_OK)
        return NAN;
    cJSON_ArrayForEach(c, J(status, "containerStatuses"))
    {
        const cJSON *r = J(c, "restartCount");
        if (cJSON_IsNumber(r) && r->valuedouble > 0)
            return NAN;
    }
    cJSON_ArrayForEach(c, J(status, "conditions"))
    {
        if (!strcmp(str_or(c, "type", ""), "Ready") && !strcmp(str_or(c, "status", ""), "True") &&
            sa_parse_time(str_or(c, "lastTransitionTime", ""), &ready) != SA_OK)
            ready = NAN;
    }
    double s = ready - created;
    return s >= 0.0 && s <= SA_K8S_STARTUP_MAX_S ? s : NAN;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

sa_err sa_k8s_parse_pod_startup(const char *body, double *startup_s, size_t *pods, sa_errbuf *eb)
{
    cJSON *root = NULL;
    const cJSON *items, *pod;
    size_t cnt = 0, n = 0;
    double *v = NULL;
    sa_err e = parse_root(body, &root, eb);
    *startup_s = NAN;
    *pods = 0;
    if (e != SA_OK || (e = list_items(root, &items, &cnt, eb)) != SA_OK)
        goto out;
    if (!(v = malloc((cnt ? cnt : 1) * sizeof *v))) {
        e = sa_fail(eb, SA_ERR_NOMEM, "out of memory");
        goto out;
    }
    cJSON_ArrayForEach(pod, items)
    {
        if (!cJSON_IsObject(pod)) {
            e = sa_fail(eb, SA_ERR_SCHEMA, "PodList item is not an object");
            goto out;
        }
        double s = pod_startup(pod);
        if (!isnan(s))
            v[n++] = s;
    }
    if (n > 0) {
        qsort(v, n, sizeof *v, cmp_double);
        *startup_s = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
        *pods = n;
    }
out:
    free(v);
    cJSON_Delete(root);
    return e;
}

void sa_k8s_status_text(long http_status, const char *body, char *out, size_t size)
{
    cJSON *root = body ? cJSON_Parse(body) : NULL;
    if (root && !strcmp(str_or(root, "kind", ""), "Status"))
        snprintf(out, size, "http %ld %s: %.120s", http_status, str_or(root, "reason", "Unknown"),
                 str_or(root, "message", ""));
    else
        snprintf(out, size, "http %ld", http_status);
    cJSON_Delete(root);
}
