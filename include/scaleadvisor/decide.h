/*
 * decide.h - constraint validation and the decision (pure: candidates in,
 * decision out; time is an argument; no I/O).
 *
 * Every candidate (llm, predictive, rule) is validated against the hard
 * constraints: min/max replicas, step limits up and down, scale-down
 * stabilisation, cooldowns, confidence floor, action/target consistency.
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
#include <stdint.h>

#include "scaleadvisor/model.h"

#define SA_DECIDE_HISTORY_MAX 256

/* What decide remembers between cycles for one deployment. Plain value;
 * zero-init or sa_decide_state_init. */
typedef struct {
    int64_t last_scale_up_at;   /* 0 = never */
    int64_t last_scale_down_at; /* 0 = never */
    size_t head, n;             /* ring of recent recommended targets */
    int64_t t[SA_DECIDE_HISTORY_MAX];
    int target[SA_DECIDE_HISTORY_MAX];
} sa_decide_state;

void sa_decide_state_init(sa_decide_state *s);

/* Record that replicas changed from `from` to `to` at `now` (whatever
 * caused it: our actuation, the cluster's HPA, a user). Starts cooldowns. */
void sa_decide_note_scale(sa_decide_state *s, int64_t now, int from, int to);

/* Validate one candidate. Returns the verdict, writes the permitted target
 * into *target_out (== current when rejected) and every reason into v. */
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
    bool dry_run;
} sa_decide_input;

/* Decide. Fills out (applied = false; the actuator sets it) and records
 * the chosen target in s for stabilisation. */
void sa_decide(const sa_decide_input *in, sa_decide_state *s, sa_decision *out);

#endif
