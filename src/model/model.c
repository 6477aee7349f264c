/*
 * model.c - wire names of the model enums, initialisers, and the constraint
 * presets. The presets are the one place where scaling limits are chosen.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaleadvisor/model.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

static const char *const action_names[] = {"maintain", "scale_up", "scale_down", "at_max"};
static const char *const source_names[] = {"rule", "predictive", "llm", "safety"};
static const char *const level_names[] = {"low", "medium", "high"};
static const char *const perf_names[] = {"neutral", "positive", "negative"};
static const char *const timing_names[] = {"immediate", "within_5_minutes", "within_15_minutes",
                                           "next_review"};
static const char *const verdict_names[] = {"accepted", "clamped", "rejected"};
static const char *const preset_names[] = {"balanced", "conservative", "aggressive"};
static const char *const select_names[] = {"Max", "Min", "Disabled"};

static const char *name_of(const char *const *names, size_t n, int v)
{
    return v >= 0 && (size_t)v < n ? names[v] : "unknown";
}

static sa_err parse_of(const char *const *names, size_t n, const char *s, int *out)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (int)i;
            return SA_OK;
        }
    return SA_ERR_INVALID;
}

#define SA_ENUM_FUNCS(type, fname, names)                                                          \
    const char *fname##_name(type v)                                                               \
    {                                                                                              \
        return name_of(names, SA_ARRAY_LEN(names), (int)v);                                        \
    }                                                                                              \
    sa_err fname##_parse(const char *s, type *out)                                                 \
    {                                                                                              \
        int v;                                                                                     \
        sa_err e = parse_of(names, SA_ARRAY_LEN(names), s, &v);                                    \
        if (e == SA_OK)                                                                            \
            *out = (type)v;                                                                        \
        return e;                                                                                  \
    }

SA_ENUM_FUNCS(sa_action, sa_action, action_names)
SA_ENUM_FUNCS(sa_source, sa_source, source_names)
SA_ENUM_FUNCS(sa_level, sa_level, level_names)
SA_ENUM_FUNCS(sa_perf, sa_perf, perf_names)
SA_ENUM_FUNCS(sa_timing, sa_timing, timing_names)
SA_ENUM_FUNCS(sa_verdict, sa_verdict, verdict_names)
SA_ENUM_FUNCS(sa_select, sa_select, select_names)
SA_ENUM_FUNCS(sa_preset, sa_preset, preset_names)

void sa_context_init(sa_context *c)
{
    memset(c, 0, sizeof *c);
    c->current_replicas = 1;
    c->min_replicas = 1;
    c->max_replicas = 10;
    c->target_cpu_percent = 70.0;
    c->target_memory_percent = NAN;
    c->preset = SA_PRESET_BALANCED;
    c->startup_s = NAN;
    c->miss_cost_rh = NAN;
    c->cpu_percent = NAN;
    c->memory_percent = NAN;
    c->request_rate = NAN;
    c->ready_pods = -1;
    c->hpa_target_cpu_percent = NAN;
    c->hpa_current_replicas = -1;
    c->hpa_desired_replicas = -1;
}

void sa_context_release(sa_context *c)
{
    if (!c)
        return;
    free(c->history);
    sa_context_init(c);
}

sa_err sa_context_copy(sa_context *dst, const sa_context *src)
{
    sa_sample *h = NULL;
    if (src->n_history) {
        h = malloc(src->n_history * sizeof *h);
        if (!h)
            return SA_ERR_NOMEM;
        memcpy(h, src->history, src->n_history * sizeof *h);
    }
    free(dst->history);
    *dst = *src;
    dst->history = h;
    return SA_OK;
}

void sa_rec_init(sa_rec *r)
{
    memset(r, 0, sizeof *r);
    r->action = SA_ACTION_MAINTAIN;
    r->risk = SA_LEVEL_LOW;
    r->cost = SA_LEVEL_LOW;
    r->performance = SA_PERF_NEUTRAL;
    r->timing = SA_TIMING_NEXT_REVIEW;
}

void sa_rec_add_factor(sa_rec *r, const char *fmt, ...)
{
    if (r->n_factors >= SA_FACTORS_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->factors[r->n_factors++], SA_FACTOR_MAX, fmt, ap);
    va_end(ap);
}

void sa_rec_set_reasoning(sa_rec *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reasoning, sizeof r->reasoning, fmt, ap);
    va_end(ap);
}

void sa_validation_add(sa_validation *v, const char *fmt, ...)
{
    if (v->n_reasons >= SA_REASONS_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reasons[v->n_reasons++], SA_REASON_MAX, fmt, ap);
    va_end(ap);
}

void sa_constraints_preset(sa_constraints *c, sa_preset p, int min_replicas, int max_replicas)
{
    memset(c, 0, sizeof *c);
    c->min_replicas = min_replicas;
    c->max_replicas = max_replicas;
    c->max_metric_age_s = 180;
    switch (p) {
    case SA_PRESET_CONSERVATIVE:
        /* slow to move, slower to shrink; trusts only confident advice */
        c->max_step_up = 2;
        c->max_step_up_ratio = 0.5;
        c->max_step_down = 1;
        c->max_step_down_ratio = 0.1;
        c->tolerance_up = 0.1;
        c->tolerance_down = 0.2;
        c->downscale_window_s = 600;
        c->cooldown_up_s = 60;
        c->cooldown_down_s = 600;
        c->min_confidence = 0.75;
        break;
    case SA_PRESET_AGGRESSIVE:
        /* follows load closely: cheaper, more actions */
        c->max_step_up = 8;
        c->max_step_up_ratio = 2.0;
        c->max_step_down = 4;
        c->max_step_down_ratio = 0.5;
        c->tolerance_up = 0.05;
        c->tolerance_down = 0.1;
        c->downscale_window_s = 120;
        c->cooldown_up_s = 0;
        c->cooldown_down_s = 60;
        c->min_confidence = 0.5;
        break;
    case SA_PRESET_BALANCED:
    default:
        /* the Kubernetes HPA's own defaults (autoscaling/v2) */
        c->max_step_up = 4;
        c->max_step_up_ratio = 1.0;
        c->max_step_down = 2;
        c->max_step_down_ratio = 0.5;
        c->tolerance_up = 0.1;
        c->tolerance_down = 0.1;
        c->downscale_window_s = 300;
        c->cooldown_up_s = 0;
        c->cooldown_down_s = 120;
        c->min_confidence = 0.6;
        break;
    }
}

void sa_result_init(sa_result *r)
{
    memset(r, 0, sizeof *r);
    sa_rec_init(&r->llm);
    sa_rec_init(&r->predictive);
    sa_rec_init(&r->rule);
    r->hpa_desired_replicas = -1;
    r->decision.dry_run = true;
}

void sa_scaling_rules_default(sa_scaling_rules *r, bool up)
{
    memset(r, 0, sizeof *r);
    r->set = true;
    r->select = SA_SELECT_MAX;
    r->tolerance = NAN;
    if (up) {
        r->window_s = 0;
        r->policies[r->n_policies++] =
            (sa_scaling_policy){.percent = false, .value = 4, .period_s = 15};
        r->policies[r->n_policies++] =
            (sa_scaling_policy){.percent = true, .value = 100, .period_s = 15};
    } else {
        r->window_s = 300;
        r->policies[r->n_policies++] =
            (sa_scaling_policy){.percent = true, .value = 100, .period_s = 15};
    }
}

/* One direction of an HPA behavior in place of the preset's pace. */
static void follow(const sa_scaling_rules *b, sa_scaling_rules *rules, int64_t *window,
                   int64_t *cooldown, double *tolerance)
{
    if (!b->set)
        return;
    *rules = *b;
    *window = b->window_s;
    *cooldown = 0;
    if (isfinite(b->tolerance))
        *tolerance = b->tolerance;
}

void sa_constraints_for(sa_constraints *c, const sa_context *ctx)
{
    sa_constraints_preset(c, ctx->preset, ctx->min_replicas, ctx->max_replicas);
    follow(&ctx->hpa_scale_up, &c->up, &c->upscale_window_s, &c->cooldown_up_s, &c->tolerance_up);
    follow(&ctx->hpa_scale_down, &c->down, &c->downscale_window_s, &c->cooldown_down_s,
           &c->tolerance_down);
}

void sa_scaling_rules_text(const sa_scaling_rules *r, const char *what, char *out, size_t n)
{
    if (!n)
        return;
    if (r->select == SA_SELECT_DISABLED) {
        snprintf(out, n, "%s disabled by the HPA's behavior", what);
        return;
    }
    size_t used = 0;
    int k = snprintf(out, n, "%s as the HPA's behavior allows:", what);
    for (size_t i = 0; k >= 0 && i < r->n_policies && i < SA_SCALING_POLICIES_MAX; i++) {
        used += (size_t)k;
        if (used >= n)
            return;
        const sa_scaling_policy *p = &r->policies[i];
        k = snprintf(out + used, n - used, "%s %d %s per %d s", i ? " or" : "", p->value,
                     p->percent      ? "%"
                     : p->value == 1 ? "pod"
                                     : "pods",
                     p->period_s);
    }
    used += k > 0 ? (size_t)k : 0;
    if (r->n_policies > 1 && used < n)
        snprintf(out + used, n - used, ", whichever allows %s",
                 r->select == SA_SELECT_MIN ? "less" : "more");
}
