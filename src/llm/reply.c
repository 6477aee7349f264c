/*
 * reply.c - turns a chat completion reply into a validated sa_rec. The
 * model's text is untrusted: the answer object is dug out of fences or
 * prose, every field is checked, text is cleaned and capped, and each
 * failure gets a short named reason that ends up in llm_status.error.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "llm/llm_int.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

static sa_err why_fail(char why[SA_STATUS_MAX], sa_err e, const char *fmt, ...) SA_PRINTF(3, 4);
static sa_err why_fail(char why[SA_STATUS_MAX], sa_err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, SA_STATUS_MAX, fmt, ap);
    va_end(ap);
    return e;
}

void llm_clean_text(char *dst, size_t size, const char *s)
{
    size_t n = 0;
    bool blank = true; /* drop leading blanks and collapse runs */
    if (!size)
        return;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && n + 1 < size; p++) {
        unsigned char c = *p;
        if (c < 0x20 || c == 0x7f || c == ' ') {
            if (!blank)
                dst[n++] = ' ';
            blank = true;
            continue;
        }
        dst[n++] = (char)c;
        blank = false;
    }
    /* never end inside a UTF-8 sequence */
    size_t k = n;
    while (k > 0 && ((unsigned char)dst[k - 1] & 0xC0) == 0x80)
        k--;
    if (k > 0 && ((unsigned char)dst[k - 1] & 0x80)) {
        unsigned char lead = (unsigned char)dst[k - 1];
        size_t want = (lead & 0xE0) == 0xC0   ? 2
                      : (lead & 0xF0) == 0xE0 ? 3
                      : (lead & 0xF8) == 0xF0 ? 4
                                              : 1;
        if (n - (k - 1) < want)
            n = k - 1;
    }
    while (n > 0 && dst[n - 1] == ' ')
        n--;
    dst[n] = '\0';
}

/* Find the first balanced {...} in text (strings and escapes honoured). */
static bool find_object(const char *t, size_t len, size_t *start, size_t *end)
{
    const char *open = memchr(t, '{', len);
    if (!open)
        return false;
    size_t i = (size_t)(open - t);
    int depth = 0;
    bool in_str = false, esc = false;
    *start = i;
    for (; i < len; i++) {
        char c = t[i];
        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"')
            in_str = true;
        else if (c == '{')
            depth++;
        else if (c == '}' && --depth == 0) {
            *end = i + 1;
            return true;
        }
    }
    *end = len; /* unbalanced: let the parser say it is invalid */
    return true;
}

static const cJSON *field(const cJSON *o, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(o, name);
}

#define REQUIRE(o, name, item)                                                                     \
    do {                                                                                           \
        (item) = field((o), (name));                                                               \
        if (!(item)) {                                                                             \
            e = why_fail(why, SA_ERR_SCHEMA, "schema: missing %s", (name));                        \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

static sa_err enum_field(const cJSON *o, const char *name, int *out,
                         sa_err (*parse)(const char *, int *), char why[SA_STATUS_MAX])
{
    const cJSON *it = field(o, name);
    if (!it)
        return why_fail(why, SA_ERR_SCHEMA, "schema: missing %s", name);
    if (!cJSON_IsString(it) || parse(it->valuestring, out) != SA_OK)
        return why_fail(why, SA_ERR_SCHEMA, "schema: %s not one of the allowed values", name);
    return SA_OK;
}

/* Adapters so one helper handles every enum. */
static sa_err p_level(const char *s, int *o)
{
    sa_level v;
    sa_err e = sa_level_parse(s, &v);
    *o = (int)v;
    return e;
}
static sa_err p_perf(const char *s, int *o)
{
    sa_perf v;
    sa_err e = sa_perf_parse(s, &v);
    *o = (int)v;
    return e;
}
static sa_err p_timing(const char *s, int *o)
{
    sa_timing v;
    sa_err e = sa_timing_parse(s, &v);
    *o = (int)v;
    return e;
}
static sa_err p_action(const char *s, int *o)
{
    sa_action v;
    sa_err e = sa_action_parse(s, &v);
    *o = (int)v;
    return e;
}

static sa_err target_field(const cJSON *it, int *target, bool *was_string, char why[SA_STATUS_MAX])
{
    if (cJSON_IsNumber(it)) {
        double v = it->valuedouble;
        if (!isfinite(v) || fabs(v - nearbyint(v)) > 1e-9 || fabs(v) > 1e6)
            return why_fail(why, SA_ERR_SCHEMA, "schema: target_replicas not an integer");
        *target = (int)nearbyint(v);
        return SA_OK;
    }
    if (cJSON_IsString(it) && sa_parse_int(it->valuestring, -1000000, 1000000, target) == SA_OK) {
        *was_string = true;
        return SA_OK;
    }
    return why_fail(why, SA_ERR_SCHEMA, "schema: target_replicas not an integer");
}

static sa_err check_consistency(sa_action a, int target, int current, int max_replicas,
                                char why[SA_STATUS_MAX])
{
    bool ok = (a == SA_ACTION_SCALE_UP && target > current) ||
              (a == SA_ACTION_SCALE_DOWN && target < current) ||
              (a == SA_ACTION_MAINTAIN && target == current) ||
              (a == SA_ACTION_AT_MAX && target == max_replicas);
    if (ok)
        return SA_OK;
    return why_fail(why, SA_ERR_SCHEMA, "schema: action %s contradicts target_replicas",
                    sa_action_name(a));
}

static sa_err factors_field(const cJSON *it, sa_rec *rec, char why[SA_STATUS_MAX])
{
    if (!cJSON_IsArray(it))
        return why_fail(why, SA_ERR_SCHEMA, "schema: factors_considered not an array");
    const cJSON *f;
    cJSON_ArrayForEach(f, it)
    {
        if (!cJSON_IsString(f))
            return why_fail(why, SA_ERR_SCHEMA, "schema: factors_considered item not a string");
        if (rec->n_factors < SA_FACTORS_MAX) {
            llm_clean_text(rec->factors[rec->n_factors], SA_FACTOR_MAX, f->valuestring);
            if (rec->factors[rec->n_factors][0])
                rec->n_factors++;
        }
    }
    return SA_OK;
}

sa_err llm_answer_parse(const char *content, size_t len, int current, int min_replicas,
                        int max_replicas, sa_rec *rec, llm_reply_meta *meta,
                        char why[SA_STATUS_MAX])
{
    sa_err e = SA_OK;
    cJSON *root = NULL;
    size_t s = 0, t = 0;
    const cJSON *it;
    int v = 0;
    sa_rec r;
    sa_rec_init(&r);
    if (!find_object(content, len, &s, &t)) {
        e = why_fail(why, SA_ERR_PARSE, "prose");
        goto out;
    }
    root = cJSON_ParseWithLength(content + s, t - s);
    if (!root || !cJSON_IsObject(root)) {
        e = why_fail(why, SA_ERR_PARSE, "invalid json");
        goto out;
    }
    if ((e = enum_field(root, "action", &v, p_action, why)) != SA_OK)
        goto out;
    r.action = (sa_action)v;
    REQUIRE(root, "target_replicas", it);
    if ((e = target_field(it, &r.target_replicas, &meta->target_was_string, why)) != SA_OK)
        goto out;
    if (r.target_replicas < min_replicas || r.target_replicas > max_replicas) {
        e = why_fail(why, SA_ERR_SCHEMA, "schema: target_replicas out of range");
        goto out;
    }
    if ((e = check_consistency(r.action, r.target_replicas, current, max_replicas, why)) != SA_OK)
        goto out;
    REQUIRE(root, "confidence", it);
    if (!cJSON_IsNumber(it) || !(it->valuedouble >= 0.0 && it->valuedouble <= 1.0)) {
        e = why_fail(why, SA_ERR_SCHEMA, "schema: confidence out of range");
        goto out;
    }
    r.confidence = it->valuedouble;
    REQUIRE(root, "reasoning", it);
    if (!cJSON_IsString(it)) {
        e = why_fail(why, SA_ERR_SCHEMA, "schema: reasoning not a string");
        goto out;
    }
    llm_clean_text(r.reasoning, sizeof r.reasoning, it->valuestring);
    REQUIRE(root, "factors_considered", it);
    if ((e = factors_field(it, &r, why)) != SA_OK)
        goto out;
    if ((e = enum_field(root, "risk_assessment", &v, p_level, why)) != SA_OK)
        goto out;
    r.risk = (sa_level)v;
    if ((e = enum_field(root, "cost_impact", &v, p_level, why)) != SA_OK)
        goto out;
    r.cost = (sa_level)v;
    if ((e = enum_field(root, "performance_impact", &v, p_perf, why)) != SA_OK)
        goto out;
    r.performance = (sa_perf)v;
    if ((e = enum_field(root, "recommended_timing", &v, p_timing, why)) != SA_OK)
        goto out;
    r.timing = (sa_timing)v;
    if (meta->target_was_string)
        sa_rec_add_factor(&r, "note: target_replicas came as a string");
    r.present = true;
    sa_strlcpy(r.model, meta->model, sizeof r.model);
    *rec = r;
out:
    cJSON_Delete(root);
    return e;
}

static bool looks_like_html(const char *b, size_t len)
{
    size_t i = 0;
    while (i < len && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t'))
        i++;
    return i < len && b[i] == '<';
}

static int64_t usage_int(const cJSON *usage, const char *name)
{
    const cJSON *it = field(usage, name);
    if (!cJSON_IsNumber(it) || !(it->valuedouble >= 0 && it->valuedouble < 1e12))
        return 0;
    return (int64_t)it->valuedouble;
}

sa_err llm_reply_parse(const char *body, size_t len, int current, int min_replicas,
                       int max_replicas, sa_rec *rec, llm_reply_meta *meta, char why[SA_STATUS_MAX])
{
    sa_err e = SA_OK;
    memset(meta, 0, sizeof *meta);
    sa_rec_init(rec);
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!root || !cJSON_IsObject(root)) {
        e = why_fail(why, SA_ERR_PARSE, "%s",
                     looks_like_html(body, len) ? "html instead of json" : "invalid json");
        goto out;
    }
    const cJSON *usage = field(root, "usage");
    if (cJSON_IsObject(usage)) {
        meta->prompt_tokens = usage_int(usage, "prompt_tokens");
        meta->completion_tokens = usage_int(usage, "completion_tokens");
    }
    const cJSON *model = field(root, "model");
    if (cJSON_IsString(model))
        llm_clean_text(meta->model, sizeof meta->model, model->valuestring);
    if (field(root, "error")) {
        e = why_fail(why, SA_ERR_SCHEMA, "api error in a 200 reply");
        goto out;
    }
    const cJSON *choices = field(root, "choices");
    if (!cJSON_IsArray(choices) || cJSON_GetArraySize(choices) == 0) {
        e = why_fail(why, SA_ERR_SCHEMA, "empty choices");
        goto out;
    }
    const cJSON *c0 = cJSON_GetArrayItem(choices, 0);
    const cJSON *fr = field(c0, "finish_reason");
    if (cJSON_IsString(fr))
        llm_clean_text(meta->finish_reason, sizeof meta->finish_reason, fr->valuestring);
    bool length = strcmp(meta->finish_reason, "length") == 0;
    const cJSON *msg = field(c0, "message");
    if (!cJSON_IsObject(msg)) {
        e = why_fail(why, SA_ERR_SCHEMA, "schema: missing message");
        goto out;
    }
    /* the answer is message.content only; message.reasoning is ignored */
    const cJSON *content = field(msg, "content");
    const char *text = cJSON_IsString(content) ? content->valuestring : "";
    size_t tl = strlen(text);
    size_t k = 0;
    while (k < tl && (text[k] == ' ' || text[k] == '\n' || text[k] == '\r' || text[k] == '\t'))
        k++;
    if (k == tl) {
        e = why_fail(why, SA_ERR_SCHEMA, "%s",
                     length ? "length: budget spent reasoning" : "empty content");
        goto out;
    }
    e = llm_answer_parse(text, tl, current, min_replicas, max_replicas, rec, meta, why);
    if (e != SA_OK && length)
        snprintf(why, SA_STATUS_MAX, "length: answer truncated");
out:
    cJSON_Delete(root);
    return e;
}

void llm_error_code(const char *body, size_t len, char *code, size_t size)
{
    if (size)
        code[0] = '\0';
    cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL;
    const cJSON *err = field(root, "error");
    const cJSON *c = field(err, "code");
    if (!cJSON_IsString(c))
        c = field(err, "type");
    if (cJSON_IsString(c) && size) {
        char tmp[64];
        llm_clean_text(tmp, sizeof tmp, c->valuestring);
        /* codes are identifiers: keep [a-z0-9_] only */
        size_t n = 0;
        for (const char *p = tmp; *p && n + 1 < size; p++)
            if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
                code[n++] = *p;
        code[n] = '\0';
    }
    cJSON_Delete(root);
}
