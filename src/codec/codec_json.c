/*
 * codec_json.c - model structs as JSON text: the recommendation object of
 * interface.md (plus a few extra keys) and the context. Written straight
 * into a capped sa_buf; non-finite numbers become null.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scaleadvisor/codec.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

/* Chain appends, stopping at the first failure (the buffer is freed by
 * sa_buf on TOOBIG, so nothing half-written survives). */
#define PUT(expr)                                                                                  \
    do {                                                                                           \
        if (e == SA_OK)                                                                            \
            e = (expr);                                                                            \
    } while (0)

static sa_err put_num(sa_buf *b, double v)
{
    return isfinite(v) ? sa_buf_printf(b, "%.15g", v) : sa_buf_puts(b, "null");
}

/* "key": value-number, */
static sa_err key_num(sa_buf *b, const char *key, double v, bool comma)
{
    sa_err e = sa_buf_printf(b, "%s\"%s\":", comma ? "," : "", key);
    PUT(put_num(b, v));
    return e;
}

static sa_err key_int(sa_buf *b, const char *key, int64_t v, bool null_if_negative, bool comma)
{
    if (null_if_negative && v < 0)
        return sa_buf_printf(b, "%s\"%s\":null", comma ? "," : "", key);
    return sa_buf_printf(b, "%s\"%s\":%" PRId64, comma ? "," : "", key, v);
}

/* String value; "" as null when empty_null. */
static sa_err key_str(sa_buf *b, const char *key, const char *v, bool empty_null, bool comma)
{
    sa_err e = sa_buf_printf(b, "%s\"%s\":", comma ? "," : "", key);
    if (empty_null && !v[0])
        PUT(sa_buf_puts(b, "null"));
    else
        PUT(sa_buf_json_str(b, v));
    return e;
}

sa_err sa_codec_rec_json(const sa_rec *r, sa_buf *out)
{
    if (!r || !r->present)
        return sa_buf_puts(out, "null");
    sa_err e = sa_buf_puts(out, "{");
    PUT(key_str(out, "action", sa_action_name(r->action), false, false));
    PUT(key_int(out, "target_replicas", r->target_replicas, false, true));
    PUT(key_num(out, "confidence", r->confidence, true));
    PUT(key_str(out, "reasoning", r->reasoning, false, true));
    PUT(sa_buf_puts(out, ",\"factors_considered\":["));
    for (size_t i = 0; i < r->n_factors && i < SA_FACTORS_MAX; i++) {
        if (i)
            PUT(sa_buf_puts(out, ","));
        PUT(sa_buf_json_str(out, r->factors[i]));
    }
    PUT(sa_buf_puts(out, "]"));
    PUT(key_str(out, "risk_assessment", sa_level_name(r->risk), false, true));
    PUT(key_str(out, "cost_impact", sa_level_name(r->cost), false, true));
    PUT(key_str(out, "performance_impact", sa_perf_name(r->performance), false, true));
    PUT(key_str(out, "recommended_timing", sa_timing_name(r->timing), false, true));
    PUT(key_str(out, "model", r->model, true, true));
    PUT(sa_buf_puts(out, "}"));
    return e;
}

static sa_err forecast_json(const sa_forecast_summary *f, sa_buf *out)
{
    if (!f->present)
        return sa_buf_puts(out, "null");
    sa_err e = sa_buf_puts(out, "{");
    PUT(key_str(out, "metric", f->metric, false, false));
    PUT(key_str(out, "method", f->method, false, true));
    PUT(key_num(out, "horizon_s", f->horizon_s, true));
    PUT(key_num(out, "now", f->now, true));
    PUT(key_num(out, "mean", f->mean, true));
    PUT(key_num(out, "peak", f->peak, true));
    PUT(key_num(out, "peak_upper", f->peak_upper, true));
    PUT(key_num(out, "trough", f->trough, true));
    PUT(key_num(out, "trend_per_hour", f->trend_per_hour, true));
    PUT(key_num(out, "accuracy", f->accuracy, true));
    PUT(sa_buf_puts(out, "}"));
    return e;
}

static sa_err decision_json(const sa_decision *d, sa_buf *out)
{
    sa_err e = sa_buf_puts(out, "{");
    PUT(key_str(out, "source", sa_source_name(d->source), false, false));
    PUT(key_str(out, "action", sa_action_name(d->action), false, true));
    PUT(key_int(out, "target_replicas", d->target_replicas, false, true));
    PUT(sa_buf_printf(out, ",\"applied\":%s,\"dry_run\":%s", d->applied ? "true" : "false",
                      d->dry_run ? "true" : "false"));
    PUT(sa_buf_puts(out, ",\"validation\":{"));
    PUT(key_str(out, "verdict", sa_verdict_name(d->validation.verdict), false, false));
    PUT(sa_buf_puts(out, ",\"reasons\":["));
    for (size_t i = 0; i < d->validation.n_reasons && i < SA_REASONS_MAX; i++) {
        if (i)
            PUT(sa_buf_puts(out, ","));
        PUT(sa_buf_json_str(out, d->validation.reasons[i]));
    }
    PUT(sa_buf_puts(out, "]}}"));
    return e;
}

sa_err sa_codec_result_json(const sa_result *r, sa_buf *out)
{
    char when[32];
    sa_time_iso8601(r->generated_at, when);
    sa_err e = sa_buf_puts(out, "{");
    PUT(key_str(out, "deployment", r->deployment, false, false));
    PUT(key_str(out, "namespace", r->namespace_, false, true));
    PUT(key_str(out, "generated_at", when, false, true));
    PUT(key_int(out, "current_replicas", r->current_replicas, false, true));
    PUT(key_int(out, "min_replicas", r->min_replicas, false, true));
    PUT(key_int(out, "max_replicas", r->max_replicas, false, true));
    PUT(key_int(out, "hpa_desired_replicas", r->hpa_desired_replicas, true, true));
    PUT(key_str(out, "degraded", r->degraded, true, true));
    if (r->pace_from[0]) {
        PUT(sa_buf_puts(out, ",\"pace\":{"));
        PUT(key_str(out, "from", r->pace_from, false, false));
        PUT(key_str(out, "scale_up", r->pace_up, false, true));
        PUT(key_str(out, "scale_down", r->pace_down, false, true));
        PUT(sa_buf_puts(out, "}"));
    }
    PUT(sa_buf_puts(out, ",\"recommendations\":{\"llm\":"));
    PUT(sa_codec_rec_json(&r->llm, out));
    PUT(sa_buf_puts(out, ",\"predictive\":"));
    PUT(sa_codec_rec_json(&r->predictive, out));
    PUT(sa_buf_puts(out, ",\"rule\":"));
    PUT(sa_codec_rec_json(&r->rule, out));
    PUT(sa_buf_puts(out, "},\"llm_status\":{"));
    PUT(sa_buf_printf(out, "\"used\":%s", r->llm_status.used ? "true" : "false"));
    PUT(key_str(out, "model", r->llm_status.model, true, true));
    PUT(key_str(out, "error", r->llm_status.error, true, true));
    PUT(key_int(out, "prompt_tokens", r->llm_status.prompt_tokens, false, true));
    PUT(key_int(out, "completion_tokens", r->llm_status.completion_tokens, false, true));
    PUT(key_num(out, "latency_ms", r->llm_status.latency_ms, true));
    PUT(sa_buf_puts(out, "},\"forecast\":"));
    PUT(forecast_json(&r->forecast, out));
    PUT(sa_buf_puts(out, ",\"decision\":"));
    PUT(decision_json(&r->decision, out));
    PUT(sa_buf_puts(out, "}"));
    return e;
}

static sa_err sample_json(const sa_sample *s, sa_buf *out)
{
    sa_err e = sa_buf_printf(out, "{\"timestamp\":%" PRId64, s->timestamp);
    PUT(key_num(out, "cpu_percent", s->cpu_percent, true));
    PUT(key_num(out, "memory_percent", s->memory_percent, true));
    PUT(key_num(out, "request_rate", s->request_rate, true));
    PUT(key_int(out, "replicas", s->replicas, true, true));
    PUT(sa_buf_puts(out, "}"));
    return e;
}

/* One direction of an HPA behavior, in the API's shape (nothing when
 * not set). */
static sa_err rules_json(sa_buf *out, const char *key, const sa_scaling_rules *r, bool comma)
{
    sa_err e = SA_OK;
    if (!r->set)
        return SA_OK;
    PUT(sa_buf_printf(out, "%s\"%s\":{", comma ? "," : "", key));
    PUT(key_int(out, "stabilizationWindowSeconds", r->window_s, false, false));
    PUT(key_str(out, "selectPolicy", sa_select_name(r->select), false, true));
    if (isfinite(r->tolerance))
        PUT(key_num(out, "tolerance", r->tolerance, true));
    PUT(sa_buf_puts(out, ",\"policies\":["));
    for (size_t i = 0; i < r->n_policies && i < SA_SCALING_POLICIES_MAX; i++)
        PUT(sa_buf_printf(out, "%s{\"type\":\"%s\",\"value\":%d,\"periodSeconds\":%d}",
                          i ? "," : "", r->policies[i].percent ? "Percent" : "Pods",
                          r->policies[i].value, r->policies[i].period_s));
    PUT(sa_buf_puts(out, "]}"));
    return e;
}

sa_err sa_codec_context_json(const sa_context *c, sa_buf *out)
{
    sa_err e = sa_buf_puts(out, "{\"deployment\":{");
    PUT(key_str(out, "name", c->name, false, false));
    PUT(key_str(out, "namespace", c->namespace_, false, true));
    PUT(key_int(out, "current_replicas", c->current_replicas, false, true));
    PUT(key_int(out, "min_replicas", c->min_replicas, false, true));
    PUT(key_int(out, "max_replicas", c->max_replicas, false, true));
    PUT(key_num(out, "target_cpu_percent", c->target_cpu_percent, true));
    if (isfinite(c->target_memory_percent))
        PUT(key_num(out, "target_memory_percent", c->target_memory_percent, true));
    PUT(key_str(out, "preset", sa_preset_name(c->preset), false, true));
    PUT(key_num(out, "startup_seconds", c->startup_s, true));
    if (isfinite(c->miss_cost_rh))
        PUT(key_num(out, "miss_cost_rh", c->miss_cost_rh, true));
    PUT(sa_buf_puts(out, "},\"metrics\":{"));
    PUT(key_num(out, "cpu_percent", c->cpu_percent, false));
    PUT(key_num(out, "memory_percent", c->memory_percent, true));
    PUT(key_num(out, "request_rate", c->request_rate, true));
    PUT(key_int(out, "ready_pods", c->ready_pods, true, true));
    PUT(key_int(out, "observed_at", c->observed_at > 0 ? c->observed_at : -1, true, true));
    PUT(sa_buf_puts(out, "},\"history\":["));
    for (size_t i = 0; i < c->n_history; i++) {
        if (i)
            PUT(sa_buf_puts(out, ","));
        PUT(sample_json(&c->history[i], out));
    }
    PUT(sa_buf_puts(out, "]"));
    if (c->has_hpa) {
        PUT(sa_buf_puts(out, ",\"hpa\":{"));
        PUT(key_num(out, "target_cpu_percent", c->hpa_target_cpu_percent, false));
        PUT(key_int(out, "current_replicas", c->hpa_current_replicas, true, true));
        PUT(key_int(out, "desired_replicas", c->hpa_desired_replicas, true, true));
        if (c->hpa_other_metrics[0])
            PUT(key_str(out, "other_metrics", c->hpa_other_metrics, false, true));
        if (c->hpa_scale_up.set || c->hpa_scale_down.set) {
            PUT(sa_buf_puts(out, ",\"behavior\":{"));
            PUT(rules_json(out, "scaleUp", &c->hpa_scale_up, false));
            PUT(rules_json(out, "scaleDown", &c->hpa_scale_down, c->hpa_scale_up.set));
            PUT(sa_buf_puts(out, "}"));
        }
        PUT(sa_buf_puts(out, "}"));
    }
    PUT(key_str(out, "degraded", c->degraded, true, true));
    PUT(sa_buf_puts(out, "}"));
    return e;
}
