/*
 * advisor.h - the ONE evaluation path, shared by the service's cycle, the
 * `advise` command and the replay `hybrid` policy: a context in, a complete
 * sa_result out (rule, predictive and LLM recommendations, llm_status, the
 * forecast summary, and the decision with its validation).
 *
 *   context -> constraints (preset + bounds)
 *           -> rule (sa_rules_evaluate_ex, HPA state)
 *           -> predictive (predictor fed with the new samples)
 *           -> llm (optional; economy check unless forced)
 *           -> decide (priority safety > llm > predictive > rule)
 *
 * No clock: `now` is an argument. No I/O except what the LLM handle does.
 * The state is per deployment and owned by one caller at a time; the LLM
 * handle may be shared (llm.h is thread-safe).
 */
#ifndef SCALEADVISOR_ADVISOR_H
#define SCALEADVISOR_ADVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/config.h"
#include "scaleadvisor/decide.h"
#include "scaleadvisor/err.h"
#include "scaleadvisor/llm.h"
#include "scaleadvisor/model.h"
#include "scaleadvisor/predict.h"
#include "scaleadvisor/rules.h"

/* What one deployment's evaluations remember. Set up with
 * sa_advisor_state_init, free with sa_advisor_state_release. */
typedef struct {
    sa_hpa_state hpa;        /* the rule's stabilisation memory */
    sa_decide_state decide;  /* cooldowns and the decision's window */
    sa_predictor *predictor; /* owned; NULL = no predictive source */
    double rps_per_replica;  /* demand from request_rate when > 0, else CPU */
    int64_t fed_until;       /* latest sample time given to the predictor */
    int last_replicas;       /* replicas at the previous evaluation; -1 = none */
    /* the last decisions, oldest first, for the LLM prompt */
    sa_llm_past recent[SA_LLM_PAST_MAX];
    double recent_cpu[SA_LLM_PAST_MAX]; /* cpu % when each was decided */
    size_t n_recent;
} sa_advisor_state;

/* pp: the predictor's parameters, or NULL for no predictive source.
 * rps_per_replica: > 0 to size on request_rate, 0 for CPU %. Errors:
 * those of sa_predictor_create (SA_ERR_INVALID naming the parameter,
 * SA_ERR_NOMEM); s is then released. */
SA_MUST_CHECK sa_err sa_advisor_state_init(sa_advisor_state *s, const sa_predict_params *pp,
                                           double rps_per_replica, sa_errbuf *eb);
/* Free the predictor; s is re-initialised without one. NULL is harmless. */
void sa_advisor_state_release(sa_advisor_state *s);

/* The predictor parameters the configuration sets (the service and
 * `advise` alike): sa_predict_params_init, then the violation price, the
 * trust threshold and the start-up time. */
void sa_advisor_predict_params(const sa_config *cfg, sa_predict_params *pp);

typedef struct {
    const sa_context *ctx; /* borrowed; validated (codec or source) */
    int64_t now;           /* epoch s */
    bool dry_run;
    /* LLM: NULL = none (llm_status.error "disabled"). With llm_force the
     * LLM is asked every time (`advise`); otherwise sa_llm_should_consult
     * decides, and a still-fresh earlier answer is reused. */
    sa_llm *llm;
    bool llm_force;
    double llm_start_by_ms; /* sa_llm_input.start_by_ms: 0 = no limit */
    /* A context without metrics.observed_at (0) is a snapshot taken now
     * (`advise --context FILE`): true treats it as observed at `now`.
     * The service leaves it false: a source that cannot say when it
     * measured gets no scale-down. */
    bool untimed_is_now;
} sa_advisor_input;

/* Evaluate once. Fills out completely (sa_result_init first): names,
 * bounds, generated_at = now, hpa_desired_replicas, degraded (the metrics
 * problem when there is one, see sa_decide_metrics_problem), the three
 * recommendations (absent ones present = false), llm_status, forecast and
 * the decision (applied = false; the actuator sets it). Updates st:
 * the rule's and the decision's windows, the predictor, cooldowns (a
 * change of current_replicas since the previous evaluation is noted as a
 * scaling at now; callers that actuate may also call
 * sa_decide_note_scale), and the recent decisions for the prompt. Never
 * fails: every source failure is a reason in the result. */
void sa_advisor_evaluate(const sa_advisor_input *in, sa_advisor_state *st, sa_result *out);

#endif
