/*
 * stats.c - the advisor's counters as JSON (API, dashboard) and as
 * Prometheus text (/metrics). Reads only the public snapshot, so the
 * formats can change without touching the advisor.
 */
#include <stdio.h>

#include "scaleadvisor/llm.h"
#include "scaleadvisor/banned.h"

sa_err sa_llm_stats_json(const sa_llm_stats *s, sa_buf *out)
{
    sa_err e =
        sa_buf_printf(out,
                      "{\"enabled\":%s,\"key_set\":%s,\"auth_stopped\":%s,\"breaker\":\"%s\","
                      "\"last_error\":",
                      s->enabled ? "true" : "false", s->key_set ? "true" : "false",
                      s->auth_stopped ? "true" : "false", sa_breaker_state_name(s->breaker));
    if (e == SA_OK)
        e = s->last_error[0] ? sa_buf_json_str(out, s->last_error) : sa_buf_puts(out, "null");
    if (e == SA_OK)
        e = sa_buf_printf(out,
                          ",\"last_error_at\":%lld,\"last_model\":", (long long)s->last_error_at);
    if (e == SA_OK)
        e = s->last_model[0] ? sa_buf_json_str(out, s->last_model) : sa_buf_puts(out, "null");
    if (e == SA_OK)
        e = sa_buf_printf(
            out,
            ",\"steps_total\":%llu,\"steps_answered\":%llu,\"calls_total\":%llu,"
            "\"calls_last_hour\":%llu,\"prompt_tokens_total\":%llu,"
            "\"completion_tokens_total\":%llu,\"tokens_last_hour\":%llu,"
            "\"latency_ms_avg\":%.1f,\"latency_ms_last\":%.1f,\"by_outcome\":{",
            (unsigned long long)s->steps_total, (unsigned long long)s->steps_answered,
            (unsigned long long)s->calls_total, (unsigned long long)s->calls_last_hour,
            (unsigned long long)s->prompt_tokens_total,
            (unsigned long long)s->completion_tokens_total, (unsigned long long)s->tokens_last_hour,
            s->latency_count ? s->latency_ms_sum / (double)s->latency_count : 0.0,
            s->latency_ms_last);
    for (int i = 0; e == SA_OK && i < SA_LLM_OUT_COUNT; i++)
        e = sa_buf_printf(out, "%s\"%s\":%llu", i ? "," : "",
                          sa_llm_outcome_name((sa_llm_outcome)i),
                          (unsigned long long)s->by_outcome[i]);
    if (e == SA_OK)
        e = sa_buf_puts(out, "}}");
    return e;
}

sa_err sa_llm_metrics_prometheus(sa_llm *l, int64_t now, sa_buf *out)
{
    sa_llm_stats s;
    sa_llm_stats_get(l, now, &s);
    if (!l)
        s.enabled = false;
    sa_err e = sa_buf_printf(out,
                             "# HELP scaleadvisor_llm_enabled 1 when an LLM API key is set.\n"
                             "# TYPE scaleadvisor_llm_enabled gauge\n"
                             "scaleadvisor_llm_enabled %d\n"
                             "# HELP scaleadvisor_llm_auth_stopped 1 when the key was refused.\n"
                             "# TYPE scaleadvisor_llm_auth_stopped gauge\n"
                             "scaleadvisor_llm_auth_stopped %d\n"
                             "# HELP scaleadvisor_llm_breaker_state Circuit breaker state.\n"
                             "# TYPE scaleadvisor_llm_breaker_state gauge\n",
                             s.enabled, s.auth_stopped);
    for (int b = 0; e == SA_OK && b < 3; b++)
        e = sa_buf_printf(out, "scaleadvisor_llm_breaker_state{state=\"%s\"} %d\n",
                          sa_breaker_state_name((sa_breaker_state)b), (int)s.breaker == b);
    if (e == SA_OK)
        e = sa_buf_puts(out, "# HELP scaleadvisor_llm_calls_total LLM API requests and "
                             "request-less steps by outcome.\n"
                             "# TYPE scaleadvisor_llm_calls_total counter\n");
    for (int i = 0; e == SA_OK && i < SA_LLM_OUT_COUNT; i++)
        e = sa_buf_printf(out, "scaleadvisor_llm_calls_total{outcome=\"%s\"} %llu\n",
                          sa_llm_outcome_name((sa_llm_outcome)i),
                          (unsigned long long)s.by_outcome[i]);
    if (e == SA_OK)
        e = sa_buf_printf(
            out,
            "# HELP scaleadvisor_llm_tokens_total Tokens used.\n"
            "# TYPE scaleadvisor_llm_tokens_total counter\n"
            "scaleadvisor_llm_tokens_total{kind=\"prompt\"} %llu\n"
            "scaleadvisor_llm_tokens_total{kind=\"completion\"} %llu\n"
            "# HELP scaleadvisor_llm_calls_last_hour LLM API requests in the last hour.\n"
            "# TYPE scaleadvisor_llm_calls_last_hour gauge\n"
            "scaleadvisor_llm_calls_last_hour %llu\n"
            "# HELP scaleadvisor_llm_tokens_last_hour Tokens used in the last hour.\n"
            "# TYPE scaleadvisor_llm_tokens_last_hour gauge\n"
            "scaleadvisor_llm_tokens_last_hour %llu\n"
            "# HELP scaleadvisor_llm_steps_total LLM steps (one per consulted decision).\n"
            "# TYPE scaleadvisor_llm_steps_total counter\n"
            "scaleadvisor_llm_steps_total %llu\n"
            "# HELP scaleadvisor_llm_steps_answered_total Steps with a valid answer.\n"
            "# TYPE scaleadvisor_llm_steps_answered_total counter\n"
            "scaleadvisor_llm_steps_answered_total %llu\n"
            "# HELP scaleadvisor_llm_request_duration_seconds LLM API request latency.\n"
            "# TYPE scaleadvisor_llm_request_duration_seconds summary\n"
            "scaleadvisor_llm_request_duration_seconds_sum %.6f\n"
            "scaleadvisor_llm_request_duration_seconds_count %llu\n",
            (unsigned long long)s.prompt_tokens_total,
            (unsigned long long)s.completion_tokens_total, (unsigned long long)s.calls_last_hour,
            (unsigned long long)s.tokens_last_hour, (unsigned long long)s.steps_total,
            (unsigned long long)s.steps_answered, s.latency_ms_sum / 1000.0,
            (unsigned long long)s.latency_count);
    return e;
}
