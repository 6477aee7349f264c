/*
 * decide.h - constraint validation and the decision (pure: candidates in,
 * decision out; time is an argument; no I/O).
 *
 * Every candidate (llm, predictive, rule) is validated against the hard
 * constraints: min/max replicas, step limits up and down (or an HPA
 * behavior's policies), stabilisation windows, cooldowns, the memory
 * floor, confidence floor, action/target consistency.
 * The verdict is accepted, clamped (target moved inside the limits) or
 * rejected, with every reason that bit.
 *
 * Priority: safety, then a valid LLM answer, then predictive, then rule.
 * Safety: missing, stale or partial metrics never cause a scale-down; the
 * decision holds (source safety, with the reason), while a scale-up on the
 * metrics that are valid is still allowed.
 *
 * Invariant (tested as a property): whatever the candidates, the final
 * target lies in [min, max] and within the step limits from current.
 */
#ifndef SCALEADVISOR_DECIDE_H
#define SCALEADVISOR_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/model.h"

#define SA_DECIDE_HISTORY_MAX 256
#define SA_DECIDE_EVENTS_MAX 128 /* replica changes remembered for behavior policies */

/* What decide remembers between cycles for one deployment. Plain value;
 * zero-init or sa_decide_state_init. */
typedef struct {
    int64_t last_scale_up_at;   /* 0 = never */
    int64_t last_scale_down_at; /* 0 = never */
    size_t head, n;             /* ring of recent recommended targets */
    int64_t t[SA_DECIDE_HISTORY_MAX];
    int target[SA_DECIDE_HISTORY_MAX];
    size_t ev_head, ev_n; /* ring of replica changes, newest last */
    int64_t ev_t[SA_DECIDE_EVENTS_MAX];
    int ev_change[SA_DECIDE_EVENTS_MAX]; /* to - from */
} sa_decide_state;

void sa_decide_state_init(sa_decide_state *s);

/* Why the context's metrics cannot justify a scale-down, or false when
 * they can. Problems: ctx->degraded set; observed_at unknown (0); metrics
 * older than c->max_metric_age_s at now (stale) or that far in the future;
 * cpu_percent missing; ready_pods unknown. why[n] receives every problem
 * joined by "; " (may be NULL). Memory alone missing is not a problem: the
 * CPU rule stands on its own, the memory rule then just stays silent. */
bool sa_decide_metrics_problem(const sa_context *ctx, const sa_constraints *c, int64_t now,
                               char *why, size_t n);

/* Per-decision step limits from current R: up = max(max_step_up,
 * floor(R * max_step_up_ratio)), down = max(max_step_down,
 * floor(R * max_step_down_ratio), 1). */
int sa_decide_step_up(const sa_constraints *c, int current);
int sa_decide_step_down(const sa_constraints *c, int current);

/* The pace c allows in one direction from current, in words, for the
 * recommendation object, the dashboard and the prompt: "scale-up: at most
 * +4 replicas per decision" with its cooldown and window, or the HPA
 * behavior's policies ("scale-down disabled by the HPA's behavior"). */
void sa_decide_pace(const sa_constraints *c, bool up, int current, char *out, size_t n);

/* Record that replicas changed from `from` to `to` at `now` (whatever
 * caused it: our actuation, the cluster's HPA, a user). Starts cooldowns
 * and counts against behavior policies' periods. */
void sa_decide_note_scale(sa_decide_state *s, int64_t now, int from, int to);

/* The limit an HPA behavior r (r->set, not Disabled) puts on a move from
 * current at now, as the HPA controller computes it: for each policy, the
 * count at the start of its period (current less this direction's changes
 * noted in s within the last period_s: the controller counts its own
 * changes both ways, but a change someone else made the other way must
 * not widen the limit) plus (up) or minus (down) value pods or value %; the policy allowing the
 * most change (Max) or the least (Min). Up: the highest count allowed, down: the lowest; never past
 * current the wrong way (a spent period allows no move) nor below 0. */
int sa_decide_policy_limit(const sa_scaling_rules *r, bool up, int current,
                           const sa_decide_state *s, int64_t now);

/* Validate one candidate. Returns the verdict, writes the permitted target
 * into *target_out (== current when rejected) and every reason into v.
 * Rejected: absent; confidence not in [0, 1]; llm or predictive below the
 * confidence floor; negative target; action inconsistent with the target
 * (scale_up not above current, scale_down not below, maintain not equal,
 * at_max while current != max); or every hard limit together takes the
 * whole move away. Clamped: the target was moved, in this order, by the
 * step limits, cooldowns, the no-scale-down-on-bad-metrics rule, the
 * scale-down stabilisation window (max of the proposals recorded in s
 * within [now - window, now] and this one) and finally [min, max], which
 * always wins. */
sa_verdict sa_validate(const sa_rec *cand, sa_source src, const sa_context *ctx,
                       const sa_constraints *c, const sa_decide_state *s, int64_t now,
                       int *target_out, sa_validation *v);

typedef struct {
    const sa_context *ctx;
    const sa_constraints *c;
    int64_t now;
    const sa_rec *llm;        /* NULL or !present = none */
    const sa_rec *predictive; /* likewise */
    const sa_rec *rule;       /* likewise */
    const int *rule_proposal; /* the rule's pre-stabilisation wish
                                 (sa_rules_evaluate_ex); NULL = its target */
    bool dry_run;
} sa_decide_input;

/* Decide. The first candidate not rejected, in the order llm, predictive,
 * rule, wins; its validation (plus a line per higher-priority candidate
 * that was passed over) becomes the decision's. Source safety when no
 * candidate survives, or when the metrics have a problem and the winner
 * does not scale up: the decision then holds current replicas (moved into
 * [min, max] if outside) with the reason. Fills out (applied = false; the
 * actuator sets it) and records the winner's proposal (its target within
 * [min, max]; nothing when no candidate survived) in s for stabilisation;
 * when a higher-priority candidate that was valid in itself lost only to
 * the limits and the winner does not scale up, that candidate's proposal
 * is recorded instead (its wish stands, so a scale-down the window holds
 * back goes through once the window has seen it long enough). */
void sa_decide(const sa_decide_input *in, sa_decide_state *s, sa_decision *out);

#endif
