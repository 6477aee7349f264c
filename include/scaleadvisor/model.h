/*
 * model.h - the plain value types that flow through the control loop:
 * the context a source produces for one deployment, a recommendation from
 * one source (rule, predictive, llm), the constraints, and the decision.
 *
 * These are value structs with fixed-size text fields, so pure modules
 * (rules, forecast, decide) can fill them without allocating. The only
 * owned pointer is sa_context.history: release with sa_context_release.
 * Missing numeric metrics are NaN ("unknown"), never 0.
 */
#ifndef SCALEADVISOR_MODEL_H
#define SCALEADVISOR_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/err.h"

#define SA_NAME_MAX 254       /* DNS-1123 subdomain (253) + NUL */
#define SA_REASONING_MAX 1024 /* bytes of reasoning text kept, NUL included */
#define SA_FACTORS_MAX 8
#define SA_FACTOR_MAX 160
#define SA_MODEL_MAX 96
#define SA_REASONS_MAX 12
#define SA_REASON_MAX 160
#define SA_STATUS_MAX 192
#define SA_HPA_OTHER_MAX 128 /* an HPA's metrics the rule cannot read, listed */
#define SA_MISS_COST_MAX 1e6 /* a price of a violation minute, at most (as the configured one) */

typedef enum {
    SA_ACTION_MAINTAIN = 0,
    SA_ACTION_SCALE_UP,
    SA_ACTION_SCALE_DOWN,
    SA_ACTION_AT_MAX
} sa_action;

typedef enum {
    SA_SOURCE_RULE = 0,
    SA_SOURCE_PREDICTIVE,
    SA_SOURCE_LLM,
    SA_SOURCE_SAFETY
} sa_source;

typedef enum { SA_LEVEL_LOW = 0, SA_LEVEL_MEDIUM, SA_LEVEL_HIGH } sa_level; /* risk, cost */
typedef enum { SA_PERF_NEUTRAL = 0, SA_PERF_POSITIVE, SA_PERF_NEGATIVE } sa_perf;
typedef enum {
    SA_TIMING_IMMEDIATE = 0,
    SA_TIMING_WITHIN_5M,  /* "within_5_minutes" */
    SA_TIMING_WITHIN_15M, /* "within_15_minutes" */
    SA_TIMING_NEXT_REVIEW /* "next_review": nothing to do now */
} sa_timing;

typedef enum { SA_VERDICT_ACCEPTED = 0, SA_VERDICT_CLAMPED, SA_VERDICT_REJECTED } sa_verdict;

typedef enum { SA_PRESET_BALANCED = 0, SA_PRESET_CONSERVATIVE, SA_PRESET_AGGRESSIVE } sa_preset;

/* Wire names ("scale_up", "llm", "low", "positive", "immediate",
 * "accepted", "balanced"). Never NULL. */
const char *sa_action_name(sa_action a);
const char *sa_source_name(sa_source s);
const char *sa_level_name(sa_level l);
const char *sa_perf_name(sa_perf p);
const char *sa_timing_name(sa_timing t);
const char *sa_verdict_name(sa_verdict v);
const char *sa_preset_name(sa_preset p);
/* Inverse lookups: SA_OK and *out set, or SA_ERR_INVALID. Exact match. */
SA_MUST_CHECK sa_err sa_action_parse(const char *s, sa_action *out);
SA_MUST_CHECK sa_err sa_source_parse(const char *s, sa_source *out);
SA_MUST_CHECK sa_err sa_level_parse(const char *s, sa_level *out);
SA_MUST_CHECK sa_err sa_perf_parse(const char *s, sa_perf *out);
SA_MUST_CHECK sa_err sa_timing_parse(const char *s, sa_timing *out);
SA_MUST_CHECK sa_err sa_verdict_parse(const char *s, sa_verdict *out);
SA_MUST_CHECK sa_err sa_preset_parse(const char *s, sa_preset *out);

/* The pace an HPA's spec.behavior sets for one direction (autoscaling/v2
 * HPAScalingRules): a change is limited, over every policy's period, to
 * value pods or value % of the count at the period's start; selectPolicy
 * Max takes the policy allowing the most change, Min the least, Disabled
 * allows none. */
#define SA_SCALING_POLICIES_MAX 10
#define SA_SCALING_PERIOD_MAX 1800     /* periodSeconds, as the API validates it */
#define SA_SCALING_WINDOW_MAX 3600     /* stabilizationWindowSeconds, likewise */
#define SA_SCALING_TOLERANCE_MAX 100.0 /* tolerance: 0 .. this (10,000 %) */

typedef enum { SA_SELECT_MAX = 0, SA_SELECT_MIN, SA_SELECT_DISABLED } sa_select;

typedef struct {
    bool percent; /* type Percent; false = Pods */
    int value;    /* > 0 */
    int period_s; /* 1 .. SA_SCALING_PERIOD_MAX */
} sa_scaling_policy;

typedef struct {
    bool set;         /* false: no behavior for this direction (the preset's pace) */
    int64_t window_s; /* stabilizationWindowSeconds */
    double tolerance; /* tolerance (Kubernetes 1.33+); NaN = the preset's */
    sa_select select;
    size_t n_policies;
    sa_scaling_policy policies[SA_SCALING_POLICIES_MAX];
} sa_scaling_rules;

/* The HPA controller's defaults for a direction (up: 0 s window, 4 pods or
 * 100 % per 15 s, Max; down: 300 s window, 100 % per 15 s, Max; the
 * cluster's tolerance), set. */
void sa_scaling_rules_default(sa_scaling_rules *r, bool up);
/* r in words for reasons and prompts, led by what ("scale-up"): "scale-up
 * disabled by the HPA's behavior" or "scale-up as the HPA's behavior
 * allows: 4 pods or 100 % per 15 s, whichever allows more". */
void sa_scaling_rules_text(const sa_scaling_rules *r, const char *what, char *out, size_t n);
/* "Max", "Min", "Disabled" (the API's words) and back. */
const char *sa_select_name(sa_select s);
SA_MUST_CHECK sa_err sa_select_parse(const char *s, sa_select *out);

/* One observation of a deployment. NaN = not measured. */
typedef struct {
    int64_t timestamp;     /* epoch seconds */
    double cpu_percent;    /* CPU used / CPU requested, averaged over ready pods, % */
    double memory_percent; /* memory used / requested, % */
    double request_rate;   /* requests per second for the whole deployment */
    int replicas;          /* spec replicas at that time; -1 = unknown */
} sa_sample;

/* What a source reports for one deployment in one cycle, and the input of
 * `scaleadvisor advise`. */
typedef struct {
    char name[SA_NAME_MAX];
    char namespace_[SA_NAME_MAX];
    int current_replicas;
    int min_replicas;             /* >= 1 */
    int max_replicas;             /* >= min_replicas */
    double target_cpu_percent;    /* utilisation target, (0, 100]; default 70 */
    double target_memory_percent; /* its HPA's memory utilisation target; NaN = none */
    sa_preset preset;
    double startup_s;    /* a new replica is ready after this, s; NaN = configured */
    double miss_cost_rh; /* the predictor's price of a violation minute, replica-hours;
                            NaN = configured (SCALEADVISOR_MISS_COST_RH) */

    /* metrics now; NaN when unknown */
    double cpu_percent;
    double memory_percent;
    double request_rate;
    int ready_pods;      /* -1 = unknown */
    int64_t observed_at; /* epoch seconds of these metrics; 0 = unknown */

    /* history, oldest first, evenly spaced; owned (free with release) */
    sa_sample *history;
    size_t n_history;

    /* HPA status, if the deployment has one */
    bool has_hpa;
    double hpa_target_cpu_percent;
    int hpa_current_replicas;
    int hpa_desired_replicas;
    /* its metrics the rule cannot evaluate (custom, external, object,
     * averageValue targets: "External queue_depth"); "" = none. The rule
     * then counts the HPA's own desired replicas among its wishes. */
    char hpa_other_metrics[SA_HPA_OTHER_MAX];
    /* its spec.behavior, per direction (set = false where it has none) */
    sa_scaling_rules hpa_scale_up, hpa_scale_down;

    /* "" = metrics usable; else why they are not (source error, stale, no
     * data). A degraded context never leads to a scale-down. */
    char degraded[SA_STATUS_MAX];
} sa_context;

/* Defaults: replicas 1..10, target 70, NaN metrics, no history, no HPA. */
void sa_context_init(sa_context *c);
/* Free the history; c is re-initialised. NULL is harmless. */
void sa_context_release(sa_context *c);
/* Deep copy (history included) into dst (initialised or released). */
SA_MUST_CHECK sa_err sa_context_copy(sa_context *dst, const sa_context *src);

/* One source's recommendation, the same shape for rule, predictive, llm. */
typedef struct {
    bool present; /* false: this source gave no recommendation */
    sa_action action;
    int target_replicas;
    double confidence; /* [0, 1] */
    char reasoning[SA_REASONING_MAX];
    size_t n_factors;
    char factors[SA_FACTORS_MAX][SA_FACTOR_MAX];
    sa_level risk;
    sa_level cost;
    sa_perf performance;
    sa_timing timing;
    char model[SA_MODEL_MAX]; /* LLM model id; "" for rule sources */
} sa_rec;

void sa_rec_init(sa_rec *r);
/* Append a factor (truncated to SA_FACTOR_MAX); ignored past SA_FACTORS_MAX. */
void sa_rec_add_factor(sa_rec *r, const char *fmt, ...) SA_PRINTF(2, 3);
/* Set reasoning with printf formatting (truncated). */
void sa_rec_set_reasoning(sa_rec *r, const char *fmt, ...) SA_PRINTF(2, 3);

/* Hard constraints, resolved from the preset and the deployment's bounds. */
typedef struct {
    int min_replicas;
    int max_replicas;
    int max_step_up;            /* pods per decision, absolute cap */
    double max_step_up_ratio;   /* and relative: max(R*ratio, max_step_up) */
    int max_step_down;          /* pods per decision */
    double max_step_down_ratio; /* max(R*ratio, max_step_down), at least 1 */
    double tolerance_up;        /* HPA-style tolerance, ratio above 1 */
    double tolerance_down;      /* ratio below 1 */
    int64_t downscale_window_s; /* scale-down stabilisation window */
    int64_t upscale_window_s;   /* scale-up stabilisation window (0 = none) */
    int64_t cooldown_up_s;      /* no second scale-up within this time */
    int64_t cooldown_down_s;    /* no scale-down within this time after any action */
    double min_confidence;      /* LLM / predictive below this are rejected */
    int64_t max_metric_age_s;   /* older metrics are stale */
    /* An HPA's behavior for a direction (set): its policies replace the
     * step limit and the cooldown of that direction. */
    sa_scaling_rules up, down;
} sa_constraints;

/* Fill c from a preset and the deployment bounds. */
void sa_constraints_preset(sa_constraints *c, sa_preset p, int min_replicas, int max_replicas);
/* The deployment's own: the preset with its bounds, then, for each
 * direction its HPA has behavior for, that behavior's window and policies
 * in place of the preset's window, step limit and cooldown. */
void sa_constraints_for(sa_constraints *c, const sa_context *ctx);

typedef struct {
    sa_verdict verdict;
    size_t n_reasons;
    char reasons[SA_REASONS_MAX][SA_REASON_MAX];
} sa_validation;

void sa_validation_add(sa_validation *v, const char *fmt, ...) SA_PRINTF(2, 3);

typedef struct {
    sa_source source;
    sa_action action;
    int target_replicas;
    bool applied;
    bool dry_run;
    sa_validation validation;
} sa_decision;

typedef struct {
    bool used;                 /* a valid LLM answer was had */
    char model[SA_MODEL_MAX];  /* model that answered (or was last tried) */
    char error[SA_STATUS_MAX]; /* "" = null; else "disabled", "timeout", ... */
    int64_t prompt_tokens;
    int64_t completion_tokens;
    double latency_ms;
} sa_llm_status;

/* What the forecast says about the next horizon, for the LLM prompt, the
 * API and the dashboard. Values in the unit of `metric`. */
typedef struct {
    bool present;
    char metric[32];       /* "cpu_percent" or "request_rate" */
    char method[16];       /* forecaster model used, e.g. "additive" */
    double horizon_s;      /* how far ahead the figures look */
    double now;            /* last observed value */
    double mean;           /* mean forecast over the horizon */
    double peak;           /* highest point forecast over the horizon */
    double peak_upper;     /* highest upper band value over the horizon */
    double trough;         /* lowest point forecast */
    double trend_per_hour; /* slope of the point forecast over the next hour */
    double accuracy;       /* 1 - WAPE of recent one-step forecasts, [0,1]; NaN = unknown */
} sa_forecast_summary;

/* The recommendation object of the API and `advise`. */
typedef struct {
    char deployment[SA_NAME_MAX];
    char namespace_[SA_NAME_MAX];
    int64_t generated_at; /* epoch seconds */
    int current_replicas;
    int min_replicas;
    int max_replicas;
    int hpa_desired_replicas; /* -1 = no HPA */
    sa_rec llm;
    sa_rec predictive;
    sa_rec rule;
    sa_llm_status llm_status;
    sa_decision decision;
    sa_forecast_summary forecast;
    char degraded[SA_STATUS_MAX]; /* "" = healthy; else why metrics are unusable */
    /* the pace the decision was held to (sa_decide_pace), and where it
     * came from: a preset's name or "hpa_behavior" */
    char pace_from[16];
    char pace_up[SA_REASON_MAX], pace_down[SA_REASON_MAX];
} sa_result;

void sa_result_init(sa_result *r);

#endif
