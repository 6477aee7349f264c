/*
 * hpa.c - the Kubernetes HPA decision exactly as ../shared/replay-spec.md
 * defines it. Pure: the caller passes time and the observation; the only
 * memory is the ring of recent proposals used for scale-down stabilisation.
 * The replay `hpa` policy and the service's reactive rule share this code.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "scaleadvisor/rules.h"
#include "scaleadvisor/banned.h"

#define HPA_EPS 1e-9
/* Proposals are capped far below INT_MAX so R + 4 and 2R never overflow. */
#define HPA_PROPOSAL_CAP 1000000000.0

void sa_hpa_state_init(sa_hpa_state *s)
{
    memset(s, 0, sizeof *s);
}

void sa_hpa_params_init(sa_hpa_params *p)
{
    p->target_utilization = 0.7;
    p->tolerance_up = 0.1;
    p->tolerance_down = 0.1;
    p->downscale_window_s = 300.0;
    p->upscale_window_s = 0.0;
    p->rate_limit = true;
    p->min_replicas = 1;
    p->max_replicas = 100;
}

/* ceil(x - 1e-9), saturated to [0, HPA_PROPOSAL_CAP]. */
static int ceil_replicas(double x)
{
    double c = ceil(x - HPA_EPS);
    if (!(c > 0.0))
        return 0;
    if (c > HPA_PROPOSAL_CAP)
        return (int)HPA_PROPOSAL_CAP;
    return (int)c;
}

/* Remember (t, proposal); the ring drops its oldest entry when full. */
static void ring_push(sa_hpa_state *s, double t, int proposal)
{
    if (s->n == SA_HPA_WINDOW_MAX) {
        s->head = (s->head + 1) % SA_HPA_WINDOW_MAX;
        s->n--;
    }
    size_t i = (s->head + s->n) % SA_HPA_WINDOW_MAX;
    s->e[i].t = t;
    s->e[i].proposal = proposal;
    s->n++;
}

/* Forget proposals older than the window (they can never count again as
 * long as time moves forward). */
static void ring_prune(sa_hpa_state *s, double oldest)
{
    while (s->n > 0 && s->e[s->head].t < oldest - HPA_EPS) {
        s->head = (s->head + 1) % SA_HPA_WINDOW_MAX;
        s->n--;
    }
}

/* Highest proposal made at t' with lo <= t' <= hi (1e-9 slack); -1 if none. */
static int ring_max(const sa_hpa_state *s, double lo, double hi)
{
    int best = -1;
    for (size_t k = 0; k < s->n; k++) {
        const sa_hpa_entry *e = &s->e[(s->head + k) % SA_HPA_WINDOW_MAX];
        if (e->t >= lo - HPA_EPS && e->t <= hi + HPA_EPS && e->proposal > best)
            best = e->proposal;
    }
    return best;
}

/* Lowest proposal made at t' with lo <= t' <= hi (1e-9 slack); -1 if none. */
static int ring_min(const sa_hpa_state *s, double lo, double hi)
{
    int best = -1;
    for (size_t k = 0; k < s->n; k++) {
        const sa_hpa_entry *e = &s->e[(s->head + k) % SA_HPA_WINDOW_MAX];
        if (e->t >= lo - HPA_EPS && e->t <= hi + HPA_EPS && (best < 0 || e->proposal < best))
            best = e->proposal;
    }
    return best;
}

/* Raw proposal: R within tolerance, else ceil(d / target). */
static int hpa_proposal(const sa_hpa_params *p, double demand, int ready, int replicas)
{
    double u = demand / (double)ready;
    double ratio = u / p->target_utilization;
    if (ratio >= 1.0 && ratio - 1.0 <= p->tolerance_up + HPA_EPS)
        return replicas;
    if (ratio < 1.0 && 1.0 - ratio <= p->tolerance_down + HPA_EPS)
        return replicas;
    return ceil_replicas(demand / p->target_utilization);
}

int sa_hpa_step(sa_hpa_state *s, const sa_hpa_params *p, double t, double demand, int ready,
                int replicas, int *proposal_out)
{
    /* No ready pod (or no usable observation): nothing to base a decision
     * on, keep R and remember nothing. */
    if (ready <= 0 || !isfinite(demand) || demand < 0.0 || !(p->target_utilization > 0.0)) {
        if (proposal_out)
            *proposal_out = replicas;
        return replicas;
    }
    int proposal = hpa_proposal(p, demand, ready, replicas);
    if (proposal_out)
        *proposal_out = proposal;

    double keep =
        p->downscale_window_s > p->upscale_window_s ? p->downscale_window_s : p->upscale_window_s;
    ring_prune(s, t - keep);
    ring_push(s, t, proposal);

    int64_t desired = proposal;
    if (proposal < replicas) {
        int win = ring_max(s, t - p->downscale_window_s, t);
        desired = win < replicas ? win : replicas;
    } else if (proposal > replicas && p->upscale_window_s > 0.0) {
        int win = ring_min(s, t - p->upscale_window_s, t);
        desired = win > replicas ? win : replicas;
    }
    int64_t r = replicas;
    int64_t up_limit = 2 * r > r + 4 ? 2 * r : r + 4;
    if (p->rate_limit && desired > up_limit)
        desired = up_limit;
    if (desired > p->max_replicas)
        desired = p->max_replicas;
    if (desired < p->min_replicas)
        desired = p->min_replicas;
    return (int)desired;
}
