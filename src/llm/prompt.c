/*
 * prompt.c - the prompt templates (prompts/system.txt, prompts/user.txt):
 * loaded and checked once at start-up, rendered per call by replacing
 * {{name}} placeholders. Text that comes from outside (names, outcomes,
 * reasoning of other sources) is always put in as a quoted, escaped and
 * capped literal so it reads as data, never as an instruction.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/llm_int.h"
#include "scaleadvisor/decide.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

static const char *const known[] = {
    "deployment",
    "namespace",
    "current_replicas",
    "min_replicas",
    "max_replicas",
    "target_cpu_percent",
    "cpu_percent",
    "memory_percent",
    "ready_pods",
    "history_summary",
    "forecast",
    "hpa",
    "rule",
    "predictive",
    "recent_decisions",
    "constraints",
    "answer_schema",
    "now",
};

static const char schema_text[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"action\":{\"type\":\"string\",\"enum\":[\"scale_up\",\"scale_down\",\"maintain\",\"at_max\"]"
    "},"
    "\"target_replicas\":{\"type\":\"integer\"},"
    "\"confidence\":{\"type\":\"number\"},"
    "\"reasoning\":{\"type\":\"string\"},"
    "\"factors_considered\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"risk_assessment\":{\"type\":\"string\",\"enum\":[\"low\",\"medium\",\"high\"]},"
    "\"cost_impact\":{\"type\":\"string\",\"enum\":[\"low\",\"medium\",\"high\"]},"
    "\"performance_impact\":{\"type\":\"string\",\"enum\":[\"positive\",\"neutral\",\"negative\"]},"
    "\"recommended_timing\":{\"type\":\"string\",\"enum\":[\"immediate\",\"within_5_minutes\","
    "\"within_15_minutes\",\"next_review\"]}},"
    "\"required\":[\"action\",\"target_replicas\",\"confidence\",\"reasoning\","
    "\"factors_considered\",\"risk_assessment\",\"cost_impact\",\"performance_impact\","
    "\"recommended_timing\"],"
    "\"additionalProperties\":false}";

const char *llm_answer_schema(void)
{
    return schema_text;
}

static bool is_known(const char *name, size_t n)
{
    for (size_t i = 0; i < SA_ARRAY_LEN(known); i++)
        if (strlen(known[i]) == n && memcmp(known[i], name, n) == 0)
            return true;
    return false;
}

/* Every {{...}} names a known placeholder. */
static sa_err check_template(const char *path, const char *t, bool need_deployment, sa_errbuf *eb)
{
    bool has_dep = false;
    for (const char *p = strstr(t, "{{"); p; p = strstr(p + 2, "{{")) {
        const char *end = strstr(p + 2, "}}");
        if (!end)
            return sa_fail(eb, SA_ERR_INVALID, "%s: unclosed {{ placeholder", path);
        size_t n = (size_t)(end - p - 2);
        if (!is_known(p + 2, n))
            return sa_fail(eb, SA_ERR_INVALID, "%s: unknown placeholder {{%.*s}}", path,
                           (int)(n > 40 ? 40 : n), p + 2);
        if (n == 10 && memcmp(p + 2, "deployment", 10) == 0)
            has_dep = true;
    }
    if (need_deployment && !has_dep)
        return sa_fail(eb, SA_ERR_INVALID, "%s: must contain {{deployment}}", path);
    return SA_OK;
}

static sa_err load_one(const char *dir, const char *file, bool need_dep, char **out, sa_errbuf *eb)
{
    char path[SA_CFG_STR_MAX + 32];
    sa_buf b;
    sa_buf_init(&b, SA_PROMPT_MAX);
    snprintf(path, sizeof path, "%s/%s", dir, file);
    sa_err e = sa_buf_read_file(&b, path, eb);
    if (e != SA_OK) {
        e = SA_ERR_INVALID; /* message already names the file */
        goto out;
    }
    if (b.len == 0) {
        e = sa_fail(eb, SA_ERR_INVALID, "%s: empty template", path);
        goto out;
    }
    if ((e = check_template(path, b.data, need_dep, eb)) != SA_OK)
        goto out;
    e = sa_buf_detach(&b, out);
out:
    sa_buf_release(&b);
    return e;
}

sa_err llm_prompts_load(const char *dir, llm_prompts *out, sa_errbuf *eb)
{
    memset(out, 0, sizeof *out);
    sa_err e = load_one(dir, "system.txt", false, &out->system, eb);
    if (e == SA_OK)
        e = load_one(dir, "user.txt", true, &out->user, eb);
    if (e != SA_OK)
        llm_prompts_release(out);
    return e;
}

void llm_prompts_release(llm_prompts *p)
{
    free(p->system);
    free(p->user);
    p->system = p->user = NULL;
}

sa_err llm_quote(sa_buf *out, const char *s, size_t max)
{
    char tmp[SA_REASONING_MAX];
    size_t cap = max < sizeof tmp ? max + 1 : sizeof tmp;
    llm_clean_text(tmp, cap, s);
    bool cut = strlen(s ? s : "") > strlen(tmp) + 8; /* cleaning shrinks a little */
    sa_err e = sa_buf_json_str(out, tmp);
    if (e == SA_OK && cut)
        e = sa_buf_puts(out, " (cut)");
    return e;
}

static sa_err num(sa_buf *b, double v, const char *unit)
{
    if (!isfinite(v))
        return sa_buf_puts(b, "unknown");
    return sa_buf_printf(b, "%.1f%s", v, unit);
}

static sa_err history_summary(sa_buf *b, const sa_context *c)
{
    if (c->n_history == 0)
        return sa_buf_puts(b, "no history");
    double mn = INFINITY, mx = -INFINITY, sum = 0, msum = 0, mmx = -INFINITY;
    size_t n = 0, mn_ = 0;
    int rmin = -1, rmax = -1;
    for (size_t i = 0; i < c->n_history; i++) {
        const sa_sample *s = &c->history[i];
        if (isfinite(s->cpu_percent)) {
            mn = fmin(mn, s->cpu_percent);
            mx = fmax(mx, s->cpu_percent);
            sum += s->cpu_percent;
            n++;
        }
        if (isfinite(s->memory_percent)) {
            msum += s->memory_percent;
            mmx = fmax(mmx, s->memory_percent);
            mn_++;
        }
        if (s->replicas >= 0) {
            rmin = rmin < 0 || s->replicas < rmin ? s->replicas : rmin;
            rmax = s->replicas > rmax ? s->replicas : rmax;
        }
    }
    int64_t span = c->history[c->n_history - 1].timestamp - c->history[0].timestamp;
    sa_err e = sa_buf_printf(b, "%zu samples over %lld s; ", c->n_history, (long long)span);
    if (e == SA_OK && n)
        e = sa_buf_printf(b, "cpu%% min %.1f mean %.1f max %.1f; ", mn, sum / (double)n, mx);
    if (e == SA_OK && mn_)
        e = sa_buf_printf(b, "memory%% mean %.1f max %.1f; ", msum / (double)mn_, mmx);
    if (e == SA_OK && rmin >= 0)
        e = sa_buf_printf(b, "replicas %d..%d; ", rmin, rmax);
    /* the last few cpu values, oldest first */
    size_t k = c->n_history < 8 ? c->n_history : 8;
    if (e == SA_OK)
        e = sa_buf_puts(b, "last cpu%%:");
    for (size_t i = c->n_history - k; e == SA_OK && i < c->n_history; i++) {
        e = sa_buf_puts(b, " ");
        if (e == SA_OK)
            e = num(b, c->history[i].cpu_percent, "");
    }
    return e;
}

static sa_err forecast_text(sa_buf *b, const sa_forecast_summary *f)
{
    if (!f || !f->present)
        return sa_buf_puts(b, "no forecast");
    sa_err e = sa_buf_puts(b, "metric ");
    if (e == SA_OK)
        e = llm_quote(b, f->metric, 32);
    if (e == SA_OK)
        e = sa_buf_puts(b, ", model ");
    if (e == SA_OK)
        e = llm_quote(b, f->method[0] ? f->method : "unknown", 16);
    if (e == SA_OK)
        e = sa_buf_printf(b,
                          ", next %.0f s: now %.1f, mean %.1f, peak %.1f, "
                          "upper band peak %.1f, trough %.1f, trend %+.1f per hour",
                          f->horizon_s, f->now, f->mean, f->peak, f->peak_upper, f->trough,
                          f->trend_per_hour);
    if (e == SA_OK && isfinite(f->accuracy))
        e = sa_buf_printf(b, ", recent accuracy %.2f", f->accuracy);
    return e;
}

static sa_err rec_text(sa_buf *b, const sa_rec *r)
{
    if (!r || !r->present)
        return sa_buf_puts(b, "none");
    sa_err e = sa_buf_printf(b, "%s to %d replicas (confidence %.2f), reasoning ",
                             sa_action_name(r->action), r->target_replicas, r->confidence);
    if (e == SA_OK)
        e = llm_quote(b, r->reasoning, SA_PROMPT_QUOTE_MAX);
    return e;
}

static sa_err recent_text(sa_buf *b, const sa_llm_input *in)
{
    if (!in->recent || in->n_recent == 0)
        return sa_buf_puts(b, "none");
    size_t from = in->n_recent > SA_LLM_PAST_MAX ? in->n_recent - SA_LLM_PAST_MAX : 0;
    sa_err e = SA_OK;
    for (size_t i = from; e == SA_OK && i < in->n_recent; i++) {
        const sa_llm_past *p = &in->recent[i];
        char ts[32];
        sa_time_iso8601(p->at, ts);
        e = sa_buf_printf(b, "\n- %s source %s: %s %d -> %d, %s, outcome ", ts,
                          sa_source_name(p->source), sa_action_name(p->action), p->from_replicas,
                          p->target_replicas, p->applied ? "applied" : "not applied");
        if (e == SA_OK)
            e = p->outcome[0] ? llm_quote(b, p->outcome, SA_PROMPT_QUOTE_MAX)
                              : sa_buf_puts(b, "unknown");
    }
    return e;
}

static sa_err constraints_text(sa_buf *b, const sa_llm_input *in)
{
    const sa_context *c = in->ctx;
    const sa_constraints *k = in->constraints;
    sa_err e =
        sa_buf_printf(b, "target_replicas must lie in [%d, %d]", c->min_replicas, c->max_replicas);
    if (e == SA_OK && k) {
        /* the pace decide.c holds every candidate to */
        char pace[2][SA_REASON_MAX];
        sa_decide_pace(k, true, c->current_replicas, pace[0], sizeof pace[0]);
        sa_decide_pace(k, false, c->current_replicas, pace[1], sizeof pace[1]);
        e = sa_buf_printf(b, "; %s; %s; answers with confidence below %.2f are ignored", pace[0],
                          pace[1], k->min_confidence);
    }
    if (e == SA_OK)
        e = sa_buf_puts(b, "; scale_up needs a target above current, scale_down below, maintain "
                           "equal to current, at_max equal to max_replicas");
    return e;
}

static sa_err value(sa_buf *b, const char *name, size_t n, const sa_llm_input *in)
{
    const sa_context *c = in->ctx;
#define IS(s) (n == sizeof(s) - 1 && memcmp(name, s, n) == 0)
    if (IS("deployment"))
        return llm_quote(b, c->name, SA_PROMPT_QUOTE_MAX);
    if (IS("namespace"))
        return llm_quote(b, c->namespace_, SA_PROMPT_QUOTE_MAX);
    if (IS("current_replicas"))
        return sa_buf_printf(b, "%d", c->current_replicas);
    if (IS("min_replicas"))
        return sa_buf_printf(b, "%d", c->min_replicas);
    if (IS("max_replicas"))
        return sa_buf_printf(b, "%d", c->max_replicas);
    if (IS("target_cpu_percent"))
        return num(b, c->target_cpu_percent, "%");
    if (IS("cpu_percent"))
        return num(b, c->cpu_percent, "%");
    if (IS("memory_percent"))
        return num(b, c->memory_percent, "%");
    if (IS("ready_pods"))
        return c->ready_pods < 0 ? sa_buf_puts(b, "unknown")
                                 : sa_buf_printf(b, "%d", c->ready_pods);
    if (IS("history_summary"))
        return history_summary(b, c);
    if (IS("forecast"))
        return forecast_text(b, in->forecast);
    if (IS("hpa"))
        return c->has_hpa ? sa_buf_printf(b, "target cpu %.0f%%, current %d, desired %d",
                                          c->hpa_target_cpu_percent, c->hpa_current_replicas,
                                          c->hpa_desired_replicas)
                          : sa_buf_puts(b, "no HPA");
    if (IS("rule"))
        return rec_text(b, in->rule);
    if (IS("predictive"))
        return rec_text(b, in->predictive);
    if (IS("recent_decisions"))
        return recent_text(b, in);
    if (IS("constraints"))
        return constraints_text(b, in);
    if (IS("answer_schema"))
        return sa_buf_puts(b, schema_text);
    if (IS("now")) {
        char ts[32];
        sa_time_iso8601(in->now, ts);
        return sa_buf_puts(b, ts);
    }
#undef IS
    return SA_ERR_INTERNAL; /* checked at load */
}

sa_err llm_prompt_render(const char *tmpl, const sa_llm_input *in, sa_buf *out)
{
    sa_err e = SA_OK;
    const char *p = tmpl;
    while (e == SA_OK && *p) {
        const char *open = strstr(p, "{{");
        const char *close = open ? strstr(open + 2, "}}") : NULL;
        if (!open || !close) {
            e = sa_buf_puts(out, p);
            break;
        }
        e = sa_buf_append(out, p, (size_t)(open - p));
        if (e == SA_OK)
            e = value(out, open + 2, (size_t)(close - open - 2), in);
        p = close + 2;
    }
    return e;
}
