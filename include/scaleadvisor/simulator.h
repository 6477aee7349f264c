/*
 * simulator.h - the embedded simulated cluster, the default source.
 *
 * Four deployments in two namespaces with different load shapes:
 *   shop/web        daily-seasonal request rate with noise
 *   shop/checkout   bursty: bursts of 5-20 requests every 1-3 s
 *   analytics/ingest a slow ramp (a triangle wave over four simulated days)
 *   analytics/api   steady
 * CPU % follows the request rate over the ready replicas; a new replica is
 * ready only startup_s after it was asked for; memory % follows the load
 * per pod. The simulated cluster runs its own HPA (sa_hpa_step, every
 * hpa_sync_s) as a real cluster would, unless hpa is off (--apply: the
 * service's decisions drive it through sa_sim_set_replicas).
 *
 * The core is pure: state + time in, metrics out. It advances in whole
 * simulated seconds from its start, drawing randomness from its own seeded
 * generator, so the same seed and the same calls give the same numbers
 * whatever the wall clock. Not thread-safe (one owner).
 */
#ifndef SCALEADVISOR_SIMULATOR_H
#define SCALEADVISOR_SIMULATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/err.h"
#include "scaleadvisor/model.h"
#include "scaleadvisor/source.h"

#define SA_SIM_DEPLOYMENTS 4
/* Length of a simulated day, s: compressed so that two days of history
 * (what the seasonal forecaster needs) are back-filled in two hours. */
#define SA_SIM_DAY_S_DEFAULT 3600

typedef struct {
    uint64_t seed;      /* any value; same seed, same run */
    int64_t step_s;     /* sample interval (the service's interval), >= 1 */
    int64_t day_s;      /* length of a simulated day, s; default 3600: the
                           demo compresses a day into an hour so that the
                           seasonal forecaster has two whole days at once */
    int64_t backfill_s; /* history produced on the first collect; default
                           2 * day_s */
    int64_t startup_s;  /* a new replica becomes ready after this, s (45) */
    int64_t hpa_sync_s; /* the cluster HPA's period, s (15) */
    bool hpa;           /* the simulated cluster runs its own HPA */
} sa_sim_options;

/* seed 1, step 15, day 3600, backfill 7200, startup 45, sync 15, hpa on. */
void sa_sim_options_init(sa_sim_options *o);

typedef struct sa_sim sa_sim;

/* Create a cluster whose clock starts at `start` (epoch s). Errors:
 * SA_ERR_INVALID naming the bad option. Caller frees with sa_sim_destroy. */
SA_MUST_CHECK sa_err sa_sim_create(const sa_sim_options *o, int64_t start, sa_sim **out,
                                   sa_errbuf *eb);
void sa_sim_destroy(sa_sim *s);

/* The simulated time (epoch s) the cluster has reached. */
int64_t sa_sim_now(const sa_sim *s);

/* Advance the cluster second by second up to t (no-op when t is not
 * later than now): load, replica start-up, the cluster's HPA. */
void sa_sim_advance(sa_sim *s, int64_t t);

/* The state of deployment i (0 <= i < SA_SIM_DEPLOYMENTS) now, as a
 * context without history: bounds, replicas, ready pods, metrics averaged
 * over the last step_s seconds, observed_at = now, the HPA's status. */
void sa_sim_observe(const sa_sim *s, size_t i, sa_context *out);

/* Mean requests per second of deployment i over the last step_s seconds. */
double sa_sim_request_rate(const sa_sim *s, size_t i);

/* Set the replicas of the named deployment (clamped to its bounds);
 * before/after into *a (method "simulator", outcome "ok").
 * SA_ERR_NOTFOUND for an unknown deployment. */
SA_MUST_CHECK sa_err sa_sim_set_replicas(sa_sim *s, const char *ns, const char *name, int target,
                                         sa_actuation *a, sa_errbuf *eb);

/* Turn the cluster's own HPA on or off. */
void sa_sim_set_hpa(sa_sim *s, bool on);

/* The simulator as a source: the first collect(now) builds the cluster at
 * now - backfill_s, advances it to now and returns, per deployment, the
 * back-filled samples (every step_s, oldest first, before now) as history;
 * later collects return the state at now and, as history, the grid samples
 * (origin + k * step_s) since the previous collect that were not handed
 * out (a cycle that overran; at most backfill_s of them). apply() sets
 * replicas. Caller frees with sa_src_destroy. */
SA_MUST_CHECK sa_err sa_sim_source_create(const sa_sim_options *o, sa_src **out, sa_errbuf *eb);

#endif
