/*
 * llm.h - the LLM advisor: asks an OpenAI-compatible chat completions API
 * (Groq by default) for one recommendation, validates the answer, and keeps
 * the economy (when to ask, cache), the circuit breaker and the counters.
 *
 * An answer is advice: sa_llm_advise either fills a fully validated sa_rec
 * (present = true) or leaves it absent and says why in sa_llm_status.error;
 * the caller then falls back to the rules. The constraint validator
 * (decide.h) still checks every answer like any other source.
 *
 * The whole step (retries, back-off, fallback models) ends within
 * cfg->llm_timeout_ms. No cJSON tree leaves this module.
 *
 * Secrets: the API key is copied into the handle, sent only in the
 * Authorization header, never logged, stored, echoed in errors or stats.
 *
 * Thread-safety: one sa_llm is shared by every deployment and thread; all
 * functions may be called concurrently (an internal mutex guards the
 * breaker, cache and counters; each call uses its own curl handle and the
 * mutex is not held while waiting on the network).
 */
#ifndef SCALEADVISOR_LLM_H
#define SCALEADVISOR_LLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/config.h"
#include "scaleadvisor/err.h"
#include "scaleadvisor/model.h"

typedef struct sa_llm sa_llm;

/* One earlier decision for the prompt ("the last decisions and their
 * outcomes"). Plain value. */
typedef struct {
    int64_t at;       /* epoch s */
    sa_source source; /* who won */
    sa_action action;
    int from_replicas;
    int target_replicas;
    bool applied;
    char outcome[SA_STATUS_MAX]; /* free text, e.g. "cpu 85% -> 60%"; "" = unknown */
} sa_llm_past;

#define SA_LLM_PAST_MAX 8 /* at most this many are put in the prompt */

/* Everything the LLM sees for one deployment. All pointers borrowed for
 * the duration of the call; forecast, rule, predictive and recent may be
 * NULL (or !present). */
typedef struct {
    const sa_context *ctx;
    const sa_constraints *constraints;
    const sa_forecast_summary *forecast;
    const sa_rec *rule;
    const sa_rec *predictive;
    const sa_llm_past *recent; /* oldest first */
    size_t n_recent;
    int64_t now; /* epoch s */
    /* Monotonic ms (sa_mono_ms) after which the step sends no request:
     * the service's LLM time of one cycle; 0 = no such limit. A step
     * that would start later is "deferred" (answers from the cache still
     * count). */
    double start_by_ms;
} sa_llm_input;

/* Knobs that are not in the configuration table: defaults suit the
 * service; tests shorten them. Plain value; sa_llm_tuning_init. */
typedef struct {
    int breaker_failures;       /* open after this many failed steps ... (5) */
    int64_t breaker_window_ms;  /* ... within this window (60000) */
    int64_t breaker_cooloff_ms; /* open this long, then half-open (30000) */
    int breaker_close_after;    /* successes in half-open to close (2) */
    int64_t model_skip_ms;      /* skip a not-found/decommissioned model (600000) */
    int64_t backoff_base_ms;    /* first retry delay (250), doubles, jittered */
    int64_t backoff_max_ms;     /* cap of one delay (4000) */
    int64_t min_attempt_ms;     /* no attempt started with less budget left (50) */
    const char *ca_file;        /* NULL = system CA store */
} sa_llm_tuning;

void sa_llm_tuning_init(sa_llm_tuning *t);

/* Build the advisor from the configuration. With groq_api_key "" the
 * advisor is disabled: every advise answers error "disabled" without I/O,
 * and prompts are not required. Otherwise the prompt templates
 * (cfg->prompts_dir/system.txt and user.txt) are loaded now; a missing or
 * malformed template is SA_ERR_INVALID naming the file. tuning may be NULL
 * (defaults). Caller frees with sa_llm_destroy. */
SA_MUST_CHECK sa_err sa_llm_create(const sa_config *cfg, const sa_llm_tuning *tuning, sa_llm **out,
                                   sa_errbuf *eb);
/* Free the handle. NULL is harmless. No call may be in flight. */
void sa_llm_destroy(sa_llm *l);

bool sa_llm_enabled(const sa_llm *l);

/* Economy check for the service's cycle: should this deployment's context
 * be sent to the LLM now? True when something material changed since the
 * last answer for (namespace, name): no earlier answer; the rule or the
 * predictive target differs from the current replicas; the forecast peak
 * moved to another band relative to the CPU target; the last answer is
 * older than cfg->llm_refresh_s. False (and why in `why`, may be NULL)
 * when disabled, stopped by an auth error, the breaker is open, or nothing
 * changed. When it returns false and an earlier answer is still within its
 * refresh time, *reuse (may be NULL) receives it (present = true);
 * otherwise reuse->present = false. */
bool sa_llm_should_consult(sa_llm *l, const sa_llm_input *in, sa_rec *reuse,
                           char why[SA_STATUS_MAX]);

/* Ask for one recommendation. Always returns with rec and st filled:
 *  - rec->present = true: a schema-valid answer (target within
 *    [ctx min, ctx max] and consistent with the action), model set;
 *  - rec->present = false: st->error names why, e.g. "disabled",
 *    "timeout", "http 429", "http 401", "circuit open", "auth stopped",
 *    "model_not_found", "invalid json", "prose", "empty choices",
 *    "length: budget spent reasoning", "schema: target_replicas out of
 *    range", "too big", "deferred: ..." (in->start_by_ms passed).
 * An identical context (same deployment, same inputs) within
 * cfg->llm_cache_ttl_s reuses the last answer without a call (st->used
 * true, tokens 0). st->latency_ms is the wall time of the step. */
void sa_llm_advise(sa_llm *l, const sa_llm_input *in, sa_rec *rec, sa_llm_status *st);

/* Epoch s (the input's `now`) of the last step that sent a request for
 * this deployment, answered or not; 0 = none remembered. The service asks
 * the deployments that waited longest first. */
int64_t sa_llm_asked_at(sa_llm *l, const char *ns, const char *name);

typedef enum { SA_BREAKER_CLOSED = 0, SA_BREAKER_OPEN, SA_BREAKER_HALF_OPEN } sa_breaker_state;
const char *sa_breaker_state_name(sa_breaker_state s); /* "closed", "open", "half_open" */

/* Outcome of one HTTP request to the API (and of steps that sent none). */
typedef enum {
    SA_LLM_OUT_OK = 0,       /* a valid answer */
    SA_LLM_OUT_CACHED,       /* step answered from the cache, no request */
    SA_LLM_OUT_INVALID,      /* 200 but the answer failed parsing/schema */
    SA_LLM_OUT_RATE_LIMITED, /* 429 */
    SA_LLM_OUT_HTTP_4XX,     /* other 4xx (auth, bad request, model) */
    SA_LLM_OUT_HTTP_5XX,     /* 5xx and 498 */
    SA_LLM_OUT_TRANSPORT,    /* connection refused/reset, TLS, too big */
    SA_LLM_OUT_TIMEOUT,      /* the budget ended during the request */
    SA_LLM_OUT_SKIPPED,      /* step sent nothing: disabled, breaker, auth, rate limit
                                spent, deferred */
    SA_LLM_OUT_COUNT
} sa_llm_outcome;
const char *sa_llm_outcome_name(sa_llm_outcome o); /* "ok", "cached", ... */

/* Counters and state for /metrics, the API and the dashboard. */
typedef struct {
    bool enabled;
    bool key_set;      /* never the key itself */
    bool auth_stopped; /* a 401/403 stopped calls until the config changes */
    sa_breaker_state breaker;
    char last_error[SA_STATUS_MAX]; /* "" = none yet */
    int64_t last_error_at;          /* epoch s, 0 = never */
    char last_model[SA_MODEL_MAX];  /* model of the last valid answer */
    uint64_t steps_total;           /* sa_llm_advise calls (not disabled) */
    uint64_t steps_answered;        /* ... that produced a valid answer */
    uint64_t calls_total;           /* HTTP requests sent */
    uint64_t calls_last_hour;
    uint64_t prompt_tokens_total;
    uint64_t completion_tokens_total;
    uint64_t tokens_last_hour; /* prompt + completion */
    uint64_t by_outcome[SA_LLM_OUT_COUNT];
    uint64_t latency_count; /* requests with a measured latency */
    double latency_ms_sum;
    double latency_ms_last;
} sa_llm_stats;

/* Snapshot the counters at `now` (epoch s, for the last-hour figures). */
void sa_llm_stats_get(sa_llm *l, int64_t now, sa_llm_stats *out);
/* Append the snapshot as a JSON object (for the API and dashboard). */
SA_MUST_CHECK sa_err sa_llm_stats_json(const sa_llm_stats *s, sa_buf *out);
/* Append Prometheus text lines (HELP, TYPE, samples), all named
 * scaleadvisor_llm_*: enabled, breaker_state{state}, calls_total{outcome},
 * tokens_total{kind}, calls_last_hour, tokens_last_hour, steps_total,
 * steps_answered_total, request_duration_seconds_{sum,count}. */
SA_MUST_CHECK sa_err sa_llm_metrics_prometheus(sa_llm *l, int64_t now, sa_buf *out);

#endif
