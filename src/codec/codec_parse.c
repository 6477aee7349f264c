/*
 * codec_parse.c - the context JSON of interface.md into a validated
 * sa_context. cJSON stays in this directory; every field is checked and a
 * failure names it ("history[3].timestamp: ..."). One cleanup exit.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "scaleadvisor/codec.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define REPLICAS_MAX 100000
#define PERCENT_MAX 100000.0 /* CPU can exceed 100 % of requests; cap nonsense */
#define RATE_MAX 1e12
#define TIME_MIN 1.0
#define TIME_MAX 1e11 /* year ~5100 */

typedef struct {
    const char *path; /* "deployment", "history[3]", ... */
    sa_errbuf *eb;
} where;

static sa_err bad(const where *w, const char *key, const char *msg)
{
    return sa_fail(w->eb, SA_ERR_SCHEMA, "%s.%s: %s", w->path, key, msg);
}

/* A number in [lo, hi]. Absent: *out untouched (default). null: NaN when
 * nullable, else an error. */
static sa_err num_field(const cJSON *obj, const where *w, const char *key, bool required,
                        bool nullable, double lo, double hi, double *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it)
        return required ? bad(w, key, "missing") : SA_OK;
    if (cJSON_IsNull(it)) {
        if (!nullable)
            return bad(w, key, "must not be null");
        *out = NAN;
        return SA_OK;
    }
    if (!cJSON_IsNumber(it))
        return bad(w, key, "must be a number");
    double v = it->valuedouble;
    if (!isfinite(v) || v < lo || v > hi) {
        char msg[160];
        snprintf(msg, sizeof msg, "must be between %g and %g (got %g)", lo, hi, v);
        return sa_fail(w->eb, SA_ERR_SCHEMA, "%s.%s: %s", w->path, key, msg);
    }
    *out = v;
    return SA_OK;
}

/* An integer in [lo, hi]; null allowed when nullable (-> null_value). */
static sa_err int_field(const cJSON *obj, const where *w, const char *key, bool required,
                        bool nullable, int lo, int hi, int null_value, int *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it)
        return required ? bad(w, key, "missing") : SA_OK;
    if (cJSON_IsNull(it)) {
        if (!nullable)
            return bad(w, key, "must not be null");
        *out = null_value;
        return SA_OK;
    }
    double v = it->valuedouble;
    if (!cJSON_IsNumber(it) || !isfinite(v) || floor(v) < v || v < (double)lo || v > (double)hi) {
        char msg[160];
        snprintf(msg, sizeof msg, "must be an integer between %d and %d", lo, hi);
        return sa_fail(w->eb, SA_ERR_SCHEMA, "%s.%s: %s", w->path, key, msg);
    }
    *out = (int)v;
    return SA_OK;
}

/* Epoch seconds as a number, or an ISO-8601 UTC string. */
static sa_err time_field(const cJSON *obj, const where *w, const char *key, bool required,
                         int64_t *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    double t = NAN;
    if (!it || cJSON_IsNull(it))
        return required ? bad(w, key, "missing") : SA_OK;
    if (cJSON_IsNumber(it))
        t = it->valuedouble;
    else if (!cJSON_IsString(it) || sa_parse_time(it->valuestring, &t) != SA_OK)
        return bad(w, key, "must be epoch seconds or an ISO-8601 UTC time");
    if (!isfinite(t) || t < TIME_MIN || t > TIME_MAX)
        return bad(w, key, "time out of range");
    *out = (int64_t)llround(t);
    return SA_OK;
}

/* DNS-1123: lower-case alphanumerics, '-' and (for names) '.', starting
 * and ending alphanumeric. */
static bool dns_ok(const char *s, size_t max, bool dots)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!(islower(ch) || isdigit(ch) || ch == '-' || (dots && ch == '.')))
            return false;
    }
    return true;
}

static sa_err name_field(const cJSON *obj, const where *w, const char *key, bool required,
                         bool dots, size_t max, char *out, size_t outsz)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it)
        return required ? bad(w, key, "missing") : SA_OK;
    if (!cJSON_IsString(it))
        return bad(w, key, "must be a string");
    if (!dns_ok(it->valuestring, max, dots))
        return sa_fail(w->eb, SA_ERR_SCHEMA,
                       "%s.%s: must be a DNS-1123 name (lower-case letters, digits, '-'%s; "
                       "at most %zu characters)",
                       w->path, key, dots ? ", '.'" : "", max);
    sa_strlcpy(out, it->valuestring, outsz);
    return SA_OK;
}

static sa_err need_object(const cJSON *it, const char *path, bool required, sa_errbuf *eb)
{
    if (!it)
        return required ? sa_fail(eb, SA_ERR_SCHEMA, "%s: missing", path) : SA_OK;
    if (!cJSON_IsObject(it))
        return sa_fail(eb, SA_ERR_SCHEMA, "%s: must be an object", path);
    return SA_OK;
}

static sa_err parse_deployment(const cJSON *root, sa_context *c, sa_errbuf *eb)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "deployment");
    where w = {"deployment", eb};
    sa_err e = need_object(d, "deployment", true, eb);
    if (e == SA_OK)
        e = name_field(d, &w, "name", true, true, 253, c->name, sizeof c->name);
    if (e == SA_OK)
        e = name_field(d, &w, "namespace", false, false, 63, c->namespace_, sizeof c->namespace_);
    if (e == SA_OK)
        e = int_field(d, &w, "current_replicas", true, false, 0, REPLICAS_MAX, 0,
                      &c->current_replicas);
    if (e == SA_OK)
        e = int_field(d, &w, "min_replicas", false, false, 1, REPLICAS_MAX, 0, &c->min_replicas);
    if (e == SA_OK && !cJSON_GetObjectItemCaseSensitive(d, "max_replicas") &&
        c->max_replicas < c->min_replicas)
        c->max_replicas = c->min_replicas;
    if (e == SA_OK)
        e = int_field(d, &w, "max_replicas", false, false, 1, REPLICAS_MAX, 0, &c->max_replicas);
    if (e == SA_OK && c->max_replicas < c->min_replicas)
        e = sa_fail(eb, SA_ERR_SCHEMA, "deployment.max_replicas: must be >= min_replicas (%d < %d)",
                    c->max_replicas, c->min_replicas);
    if (e == SA_OK)
        e = num_field(d, &w, "target_cpu_percent", false, false, 1e-9, 100.0,
                      &c->target_cpu_percent);
    if (e == SA_OK)
        e = num_field(d, &w, "target_memory_percent", false, true, 1e-9, PERCENT_MAX,
                      &c->target_memory_percent);
    if (e == SA_OK)
        e = num_field(d, &w, "startup_seconds", false, true, 0.0, 3600.0, &c->startup_s);
    if (e == SA_OK)
        e = num_field(d, &w, "miss_cost_rh", false, true, 0.0, SA_MISS_COST_MAX, &c->miss_cost_rh);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(d, "preset");
    if (e == SA_OK && p &&
        (!cJSON_IsString(p) || sa_preset_parse(p->valuestring, &c->preset) != SA_OK))
        e = sa_fail(eb, SA_ERR_SCHEMA,
                    "deployment.preset: must be \"conservative\", \"balanced\" or \"aggressive\"");
    if (e == SA_OK && !c->namespace_[0])
        sa_strlcpy(c->namespace_, "default", sizeof c->namespace_);
    return e;
}

static sa_err parse_metrics(const cJSON *root, sa_context *c, sa_errbuf *eb)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "metrics");
    where w = {"metrics", eb};
    sa_err e = need_object(m, "metrics", false, eb);
    if (e != SA_OK || !m)
        return e;
    e = num_field(m, &w, "cpu_percent", false, true, 0, PERCENT_MAX, &c->cpu_percent);
    if (e == SA_OK)
        e = num_field(m, &w, "memory_percent", false, true, 0, PERCENT_MAX, &c->memory_percent);
    if (e == SA_OK)
        e = num_field(m, &w, "request_rate", false, true, 0, RATE_MAX, &c->request_rate);
    if (e == SA_OK)
        e = int_field(m, &w, "ready_pods", false, true, 0, REPLICAS_MAX, -1, &c->ready_pods);
    if (e == SA_OK)
        e = time_field(m, &w, "observed_at", false, &c->observed_at);
    return e;
}

/* One policy of an HPAScalingRules: {"type": "Pods"|"Percent", "value":
 * n > 0, "periodSeconds": 1..1800}. */
static sa_err parse_policy(const cJSON *it, const char *path, sa_scaling_policy *p, sa_errbuf *eb)
{
    where w = {path, eb};
    if (!cJSON_IsObject(it))
        return sa_fail(eb, SA_ERR_SCHEMA, "%s: must be an object", path);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(it, "type");
    if (!cJSON_IsString(type) ||
        (strcmp(type->valuestring, "Pods") != 0 && strcmp(type->valuestring, "Percent") != 0))
        return bad(&w, "type", "must be \"Pods\" or \"Percent\"");
    p->percent = type->valuestring[1] == 'e';
    sa_err e = int_field(it, &w, "value", true, false, 1, REPLICAS_MAX, 0, &p->value);
    if (e == SA_OK)
        e = int_field(it, &w, "periodSeconds", true, false, 1, SA_SCALING_PERIOD_MAX, 0,
                      &p->period_s);
    return e;
}

/* One direction of a behavior; absent fields take the controller's
 * defaults (as the API server fills them in). */
static sa_err parse_rules(const cJSON *it, const char *path, bool up, sa_scaling_rules *r,
                          sa_errbuf *eb)
{
    where w = {path, eb};
    sa_scaling_rules_default(r, up);
    if (!it || cJSON_IsNull(it))
        return SA_OK;
    if (!cJSON_IsObject(it))
        return sa_fail(eb, SA_ERR_SCHEMA, "%s: must be an object", path);
    int window = (int)r->window_s;
    sa_err e = int_field(it, &w, "stabilizationWindowSeconds", false, true, 0,
                         SA_SCALING_WINDOW_MAX, window, &window);
    r->window_s = window;
    /* a Quantity: the API writes a string ("50m", "0.05"), YAML a number */
    const cJSON *tol = cJSON_GetObjectItemCaseSensitive(it, "tolerance");
    double t = NAN;
    if (e == SA_OK && tol && !cJSON_IsNull(tol)) {
        if (cJSON_IsNumber(tol))
            t = tol->valuedouble;
        else if (!cJSON_IsString(tol) || sa_parse_quantity(tol->valuestring, &t) != SA_OK)
            t = NAN;
        if (!(t >= 0.0 && t <= SA_SCALING_TOLERANCE_MAX))
            e = bad(&w, "tolerance", "must be a quantity between 0 and 100 (e.g. \"50m\" or 0.05)");
        r->tolerance = t;
    }
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(it, "selectPolicy");
    if (e == SA_OK && sel && !cJSON_IsNull(sel) &&
        (!cJSON_IsString(sel) || sa_select_parse(sel->valuestring, &r->select) != SA_OK))
        e = bad(&w, "selectPolicy", "must be \"Max\", \"Min\" or \"Disabled\"");
    const cJSON *pols = cJSON_GetObjectItemCaseSensitive(it, "policies");
    if (e != SA_OK || !pols || cJSON_IsNull(pols))
        return e;
    if (!cJSON_IsArray(pols))
        return bad(&w, "policies", "must be an array");
    int n = cJSON_GetArraySize(pols);
    if (n > SA_SCALING_POLICIES_MAX)
        return bad(&w, "policies", "at most 10 policies");
    if (n == 0 && r->select != SA_SELECT_DISABLED)
        return bad(&w, "policies", "must list at least one policy");
    r->n_policies = 0;
    const cJSON *pol;
    cJSON_ArrayForEach(pol, pols)
    {
        char at[96];
        snprintf(at, sizeof at, "%s.policies[%zu]", path, r->n_policies);
        if ((e = parse_policy(pol, at, &r->policies[r->n_policies], eb)) != SA_OK)
            return e;
        r->n_policies++;
    }
    return SA_OK;
}

sa_err sa_codec_behavior_parse(const struct cJSON *behavior, const char *path, sa_scaling_rules *up,
                               sa_scaling_rules *down, sa_errbuf *eb)
{
    char at[2][96];
    sa_scaling_rules u, d;
    if (!cJSON_IsObject(behavior))
        return sa_fail(eb, SA_ERR_SCHEMA, "%s: must be an object", path);
    snprintf(at[0], sizeof at[0], "%s.scaleUp", path);
    snprintf(at[1], sizeof at[1], "%s.scaleDown", path);
    sa_err e =
        parse_rules(cJSON_GetObjectItemCaseSensitive(behavior, "scaleUp"), at[0], true, &u, eb);
    if (e == SA_OK)
        e = parse_rules(cJSON_GetObjectItemCaseSensitive(behavior, "scaleDown"), at[1], false, &d,
                        eb);
    if (e == SA_OK) {
        *up = u;
        *down = d;
    }
    return e;
}

static sa_err parse_hpa(const cJSON *root, sa_context *c, bool target_given, sa_errbuf *eb)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(root, "hpa");
    where w = {"hpa", eb};
    if (h && cJSON_IsNull(h))
        return SA_OK;
    sa_err e = need_object(h, "hpa", false, eb);
    if (e != SA_OK || !h)
        return e;
    c->has_hpa = true;
    e = num_field(h, &w, "target_cpu_percent", false, true, 1e-9, PERCENT_MAX,
                  &c->hpa_target_cpu_percent);
    double mem = NAN;
    if (e == SA_OK)
        e = num_field(h, &w, "target_memory_percent", false, true, 1e-9, PERCENT_MAX, &mem);
    if (e == SA_OK && !isfinite(c->target_memory_percent))
        c->target_memory_percent = mem; /* unless the deployment states its own */
    if (e == SA_OK)
        e = int_field(h, &w, "current_replicas", false, true, 0, REPLICAS_MAX, -1,
                      &c->hpa_current_replicas);
    if (e == SA_OK)
        e = int_field(h, &w, "desired_replicas", false, true, 0, REPLICAS_MAX, -1,
                      &c->hpa_desired_replicas);
    const cJSON *om = cJSON_GetObjectItemCaseSensitive(h, "other_metrics");
    if (e == SA_OK && om && !cJSON_IsNull(om)) {
        if (!cJSON_IsString(om) || strlen(om->valuestring) >= sizeof c->hpa_other_metrics)
            e = bad(&w, "other_metrics", "must be a string of at most 127 bytes");
        else
            sa_strlcpy(c->hpa_other_metrics, om->valuestring, sizeof c->hpa_other_metrics);
    }
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(h, "behavior");
    if (e == SA_OK && b && !cJSON_IsNull(b))
        e = sa_codec_behavior_parse(b, "hpa.behavior", &c->hpa_scale_up, &c->hpa_scale_down, eb);
    /* the HPA's target is used unless the deployment states its own */
    if (e == SA_OK && !target_given && isfinite(c->hpa_target_cpu_percent) &&
        c->hpa_target_cpu_percent <= 100.0)
        c->target_cpu_percent = c->hpa_target_cpu_percent;
    return e;
}

static sa_err parse_sample(const cJSON *it, size_t i, sa_sample *s, sa_errbuf *eb)
{
    char path[48];
    snprintf(path, sizeof path, "history[%zu]", i);
    where w = {path, eb};
    if (!cJSON_IsObject(it))
        return sa_fail(eb, SA_ERR_SCHEMA, "%s: must be an object", path);
    s->timestamp = 0;
    s->cpu_percent = s->memory_percent = s->request_rate = NAN;
    s->replicas = -1;
    sa_err e = time_field(it, &w, "timestamp", true, &s->timestamp);
    if (e == SA_OK)
        e = num_field(it, &w, "cpu_percent", false, true, 0, PERCENT_MAX, &s->cpu_percent);
    if (e == SA_OK)
        e = num_field(it, &w, "memory_percent", false, true, 0, PERCENT_MAX, &s->memory_percent);
    if (e == SA_OK)
        e = num_field(it, &w, "request_rate", false, true, 0, RATE_MAX, &s->request_rate);
    if (e == SA_OK)
        e = int_field(it, &w, "replicas", false, true, 0, REPLICAS_MAX, -1, &s->replicas);
    return e;
}

/* Oldest first and evenly spaced: every gap equals the first one, within
 * 1 s or 1 % (sources stamp samples with a little jitter). */
static sa_err check_spacing(const sa_sample *h, size_t n, sa_errbuf *eb)
{
    if (n < 2)
        return SA_OK;
    int64_t step = h[1].timestamp - h[0].timestamp;
    for (size_t i = 1; i < n; i++) {
        int64_t gap = h[i].timestamp - h[i - 1].timestamp;
        if (gap <= 0)
            return sa_fail(eb, SA_ERR_SCHEMA,
                           "history[%zu].timestamp: not after history[%zu] (oldest first, no "
                           "duplicates)",
                           i, i - 1);
        int64_t slack = step / 100 > 1 ? step / 100 : 1;
        if (gap - step > slack || step - gap > slack)
            return sa_fail(eb, SA_ERR_SCHEMA,
                           "history[%zu].timestamp: gap %lld s differs from %lld s (history "
                           "must be evenly spaced)",
                           i, (long long)gap, (long long)step);
    }
    return SA_OK;
}

static sa_err parse_history(const cJSON *root, sa_context *c, sa_errbuf *eb)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(root, "history");
    if (!h || cJSON_IsNull(h))
        return SA_OK;
    if (!cJSON_IsArray(h))
        return sa_fail(eb, SA_ERR_SCHEMA, "history: must be an array");
    size_t n = 0;
    for (const cJSON *it = h->child; it; it = it->next)
        if (++n > SA_CODEC_HISTORY_MAX)
            return sa_fail(eb, SA_ERR_TOOBIG, "history: more than %d entries",
                           SA_CODEC_HISTORY_MAX);
    if (n == 0)
        return SA_OK;
    sa_sample *s = malloc(n * sizeof *s);
    if (!s)
        return sa_fail(eb, SA_ERR_NOMEM, "history: out of memory");
    sa_err e = SA_OK;
    size_t i = 0;
    for (const cJSON *it = h->child; it && e == SA_OK; it = it->next, i++)
        e = parse_sample(it, i, &s[i], eb);
    if (e == SA_OK)
        e = check_spacing(s, n, eb);
    if (e != SA_OK) {
        free(s);
        return e;
    }
    free(c->history);
    c->history = s;
    c->n_history = n;
    return SA_OK;
}

sa_err sa_codec_context_parse(const char *text, size_t len, sa_context *out, sa_errbuf *eb)
{
    cJSON *root = NULL;
    sa_context c;
    sa_context_init(&c);
    sa_err e = SA_OK;
    if (len > SA_CODEC_CONTEXT_MAX) {
        e = sa_fail(eb, SA_ERR_TOOBIG, "context: %zu bytes, at most %u", len,
                    (unsigned)SA_CODEC_CONTEXT_MAX);
        goto out;
    }
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!root) {
        /* cJSON reports no cause: out of memory looks like a syntax error,
         * so name the byte where it stopped */
        size_t at = end && end >= text ? (size_t)(end - text) : 0;
        e = sa_fail(eb, SA_ERR_PARSE, "context: not valid JSON (near byte %zu)", at);
        goto out;
    }
    for (const char *p = end; p && p < text + len; p++)
        if (!isspace((unsigned char)*p)) {
            e = sa_fail(eb, SA_ERR_PARSE, "context: trailing data after the JSON object (byte %zu)",
                        (size_t)(p - text));
            goto out;
        }
    if (!cJSON_IsObject(root)) {
        e = sa_fail(eb, SA_ERR_SCHEMA, "context: must be a JSON object");
        goto out;
    }
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "deployment");
    bool target_given =
        cJSON_IsObject(d) && cJSON_GetObjectItemCaseSensitive(d, "target_cpu_percent");
    e = parse_deployment(root, &c, eb);
    if (e == SA_OK)
        e = parse_metrics(root, &c, eb);
    if (e == SA_OK)
        e = parse_hpa(root, &c, target_given, eb);
    if (e == SA_OK)
        e = parse_history(root, &c, eb);
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(root, "degraded");
    if (e == SA_OK && g && !cJSON_IsNull(g)) {
        if (!cJSON_IsString(g))
            e = sa_fail(eb, SA_ERR_SCHEMA, "degraded: must be a string or null");
        else
            sa_strlcpy(c.degraded, g->valuestring, sizeof c.degraded);
    }
    if (e == SA_OK) {
        sa_context_release(out);
        *out = c;
        sa_context_init(&c);
    }
out:
    cJSON_Delete(root);
    sa_context_release(&c);
    return e;
}
