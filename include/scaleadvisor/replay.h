/*
 * replay.h - the replay model of ../shared/replay-spec.md: a load trace is
 * played against a modelled deployment (pods with start-up delay) and a
 * scaling policy is scored (SLO-violation minutes, unserved demand,
 * replica-hours, scaling actions, mean utilisation).
 *
 * Pure: trace arrays in, per-step series and summary out; no I/O, no
 * clock. Policies sit behind a small interface (sa_replay_policy) so that
 * each one runs the same code the live service runs: `hpa` (sa_hpa_step),
 * `predictive` (sa_predictor), `rules` (sa_rules_evaluate) and `hybrid`
 * (the advisor's decision path).
 */
#ifndef SCALEADVISOR_REPLAY_H
#define SCALEADVISOR_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/err.h"
#include "scaleadvisor/model.h"

/* Model parameters; defaults (sa_replay_params_init) are the spec's. */
typedef struct {
    double step_s;             /* 60 */
    double startup_s;          /* 120 */
    double peak_replicas;      /* 20: demand at the trace's p99, in replicas */
    double target_utilization; /* 0.7 (initial size; hpa and rules target) */
    double tolerance;          /* 0.1 */
    double downscale_window_s; /* 300 */
    int min_replicas;          /* 1 */
    int max_replicas;          /* 100 */
    size_t period;             /* trace's seasonal period in rows; 0 = none */
    double miss_cost_rh;       /* predictive, hybrid: the predictor's price of
                                  a violation minute in replica-hours (its
                                  default, 16) */
    double min_accuracy;       /* predictive, hybrid: the predictor falls back
                                  to the reactive rule below this 1 - WAPE
                                  (its default, 0: only while unproven) */
    bool holt_winters;         /* predictive, hybrid: the predictor's
                                  Holt-Winters candidate (sa_predict_params);
                                  default true, as in the service */
    sa_preset preset;          /* rules, hybrid: the service's constraint
                                  preset; balanced (the HPA's defaults) */
} sa_replay_params;

void sa_replay_params_init(sa_replay_params *p);
/* Check ranges; SA_ERR_INVALID naming the parameter. */
SA_MUST_CHECK sa_err sa_replay_params_check(const sa_replay_params *p, sa_errbuf *eb);

/* What a policy may observe at one step (spec step 2): never the future. */
typedef struct {
    double t;           /* now, epoch s */
    size_t step;        /* 0-based step index */
    double demand;      /* d(t), replica units (the request rate a source would report) */
    int replicas;       /* R */
    int ready;          /* ready(t) */
    double utilization; /* u(t); INFINITY when nothing is ready and d > 0 */
    bool new_row;       /* a trace row starts within (previous step, t] */
    double row_t;       /* timestamp of the row d(t) comes from */
    double row_s;       /* typical spacing of the trace's rows (median), s */
} sa_replay_obs;

/* A policy: decide returns the new R (the engine clamps nothing: the
 * policy respects [min, max] itself). self is the policy's state. */
typedef struct {
    const char *name;
    void *self;
    int (*decide)(void *self, const sa_replay_obs *obs);
} sa_replay_policy;

typedef struct {
    size_t steps;
    double slo_violation_minutes;
    double unserved_replica_seconds;
    double replica_hours;
    long scaling_actions;
    double mean_utilization;
} sa_replay_summary;

/* Per-step series (optional output); arrays owned, [n]. */
typedef struct {
    size_t n;
    double *t;
    double *demand;
    int *replicas; /* R while scored, before the step's decision */
    int *ready;
    double *utilization; /* u(t), capped at 10 as in the mean */
} sa_replay_series;

void sa_replay_series_init(sa_replay_series *s);
void sa_replay_series_release(sa_replay_series *s);

/* Play the trace (t[0..n-1] strictly increasing epoch s, v[] >= 0 finite;
 * rows with NaN values are skipped) against policy pol. series may be
 * NULL; when given it is filled (release with sa_replay_series_release).
 * Errors: SA_ERR_INVALID (fewer than two usable rows, negative value,
 * bad params), SA_ERR_NOMEM. */
SA_MUST_CHECK sa_err sa_replay_run(const double *t, const double *v, size_t n,
                                   const sa_replay_params *p, sa_replay_policy *pol,
                                   sa_replay_summary *out, sa_replay_series *series, sa_errbuf *eb);

/* Nearest-rank 99th percentile of v[0..n-1] (NaN skipped); 0 when empty. */
double sa_replay_p99(const double *v, size_t n);

/* ---- policies (src/replay/policies.c) ---- */

typedef enum {
    SA_POLICY_HPA = 0,
    SA_POLICY_RULES,
    SA_POLICY_PREDICTIVE,
    SA_POLICY_HYBRID
} sa_policy_kind;

/* "hpa", "rules", "predictive", "hybrid". */
const char *sa_policy_name(sa_policy_kind k);
SA_MUST_CHECK sa_err sa_policy_parse(const char *s, sa_policy_kind *out);

/* Extra counters some policies keep (LLM use of hybrid). */
typedef struct {
    long llm_calls;
    long llm_tokens;
} sa_policy_stats;

typedef struct sa_policy sa_policy;

/* Build a policy for a trace whose rows are row_s apart. Caller frees
 * with sa_policy_destroy. Errors: SA_ERR_INVALID, SA_ERR_NOMEM. */
SA_MUST_CHECK sa_err sa_policy_create(sa_policy_kind k, const sa_replay_params *p, double row_s,
                                      sa_policy **out, sa_errbuf *eb);
void sa_policy_destroy(sa_policy *pol);
/* The engine-facing interface (borrowed from pol). */
sa_replay_policy *sa_policy_iface(sa_policy *pol);
/* Counters; llm_* are the LLM handle's totals (0 without one). */
void sa_policy_get_stats(const sa_policy *pol, sa_policy_stats *out);
/* hybrid: consult this LLM (borrowed, outlives pol) as the service would. */
struct sa_llm;
void sa_policy_set_llm(sa_policy *pol, struct sa_llm *llm);

#endif
