/*
 * rules.h - reactive rules (pure: no I/O, no clock, time is an argument).
 *
 * sa_hpa_*: the Kubernetes HPA algorithm exactly as ../shared/replay-spec.md
 * defines it (tolerance, scale-down stabilisation over the proposals of the
 * window, scale-up limit max(2R, R+4), clamp). The replay `hpa` policy and
 * the service's reactive rule both call it.
 *
 * sa_rules_evaluate: the service's reactive rule source: the HPA step on
 * CPU plus a memory-pressure rule, emitting a full sa_rec.
 */
#ifndef SCALEADVISOR_RULES_H
#define SCALEADVISOR_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/model.h"

#define SA_HPA_WINDOW_MAX 512 /* proposals remembered for stabilisation */

typedef struct {
    double t;     /* seconds, any epoch */
    int proposal; /* replica count proposed at t */
} sa_hpa_entry;

/* Stabilisation memory: a ring of recent proposals. Zero-init or
 * sa_hpa_state_init. Plain value, copyable. */
typedef struct {
    size_t head, n;
    sa_hpa_entry e[SA_HPA_WINDOW_MAX];
} sa_hpa_state;

typedef struct {
    double target_utilization; /* (0, 1], e.g. 0.7 */
    double tolerance_up;       /* 0.1: no change while ratio <= 1 + tol */
    double tolerance_down;     /* 0.1: no change while ratio >= 1 - tol */
    double downscale_window_s; /* 300 */
    double upscale_window_s;   /* 0: a scale-up is held to the lowest proposal of this window */
    bool rate_limit;           /* true: the scale-up limit max(2R, R+4) (an HPA without
                                  behavior); false: the caller applies behavior policies */
    int min_replicas;
    int max_replicas;
} sa_hpa_params;

void sa_hpa_state_init(sa_hpa_state *s);
/* Defaults of replay-spec.md: 0.7, 0.1, 0.1, 300, no scale-up window,
 * the scale-up limit, 1, 100. */
void sa_hpa_params_init(sa_hpa_params *p);

/* One HPA decision at time t. demand: load in replica units (sum of the
 * ready pods' utilisation, i.e. u * ready); ready: ready pods; replicas:
 * current R. Returns the new desired R, within [min, max]. Updates s.
 * *proposal_out (may be NULL) receives the raw proposal before
 * stabilisation and limits. */
int sa_hpa_step(sa_hpa_state *s, const sa_hpa_params *p, double t, double demand, int ready,
                int replicas, int *proposal_out);

/* Memory pressure: above this memory %, the rule asks for more replicas. */
#define SA_RULES_MEMORY_HIGH 85.0

/* The reactive rule for one deployment at time now (epoch s): HPA on
 * CPU % vs ctx->target_cpu_percent with c's tolerances and windows (and on
 * memory % vs ctx->target_memory_percent when set: the larger ratio
 * decides, as the HPA takes the largest of its metrics' proposals), and
 * otherwise the memory-pressure rule; the larger target wins. Fills a full recommendation
 * (action, target, confidence, reasoning, factors, risk, cost, performance,
 * timing). When CPU is unknown and memory is fine, recommends maintain.
 * ready_pods unknown (-1): current replicas are taken as ready (lower
 * confidence). The target lies in [c->min_replicas, c->max_replicas]; the
 * action is at_max (target = max) when more is wanted at max. Updates s. */
void sa_rules_evaluate(const sa_context *ctx, const sa_constraints *c, sa_hpa_state *s, int64_t now,
                       sa_rec *out);
/* Same, and *proposal_out (may be NULL) receives the rule's wish before
 * its own scale-down stabilisation: max(HPA proposal, memory wish) within
 * [min, max] (current when nothing is known). sa_decide records this, not
 * the stabilised target, so that its window does not stabilise twice. */
void sa_rules_evaluate_ex(const sa_context *ctx, const sa_constraints *c, sa_hpa_state *s,
                          int64_t now, sa_rec *out, int *proposal_out);

/* Whether the pods' memory follows the replica count (load spread over
 * more pods uses less memory in each), from the context's history: the
 * newest sample of the last SA_RULES_MEMORY_LOOKBACK_S with other
 * replicas than now, against now. A heap sized at start (a JVM's) does
 * not follow, and more replicas never relieve it. */
typedef enum {
    SA_MEM_NO_EVIDENCE = 0, /* no change of replicas seen, or memory unknown */
    SA_MEM_SETTLING,        /* a change still starting (pods not all ready, or just made) */
    SA_MEM_FOLLOWS,         /* memory moved at least half the way a spread load would */
    SA_MEM_FIXED            /* it did not */
} sa_mem_follow;
#define SA_RULES_MEMORY_LOOKBACK_S 1800
#define SA_RULES_MEMORY_SETTLE_S 60 /* after the first sample at the new count */
/* *then_r and *then_mem (may be NULL) receive the sample compared with. */
sa_mem_follow sa_rules_memory_follows(const sa_context *ctx, int *then_r, double *then_mem);

/* The fewest replicas a scale-down may leave by memory, which the
 * predictor and the LLM do not size for. With an HPA memory target
 * (ctx->target_memory_percent): what the HPA's memory metric alone would
 * propose (current replicas inside c's down tolerance, else ceil(ready *
 * memory% / target)), since that HPA never goes below it. Without one:
 * current replicas while memory is above SA_RULES_MEMORY_HIGH (no
 * scale-down under memory pressure) unless the history shows it does not
 * follow the replica count (SA_MEM_FIXED: a heap that more replicas do
 * not relieve must not block scale-downs either), else 0. 0 when memory is
 * unknown. sa_decide holds every source's scale-down to it. */
int sa_rules_memory_floor(const sa_context *ctx, const sa_constraints *c);

/* Action word for moving from `current` to `target` (the wish before the
 * max clamp): scale_up / scale_down / maintain, and at_max when more is
 * wanted but current is already at or above max_replicas. */
sa_action sa_action_for(int current, int target, int max_replicas);

#endif
