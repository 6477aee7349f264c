/*
 * predict.h - the predictive policy: one recommendation source of the
 * service (recommendations.predictive) and the `predictive` policy of
 * `scaleadvisor replay`. Pure: no I/O, no clock, no globals; time is an
 * argument. One sa_predictor per deployment; not thread-safe (one owner).
 *
 * Demand is in replica units: the number of replicas that would run at
 * 100 % (cpu_percent / 100 * ready pods, or request_rate / per-replica
 * capacity; see sa_predict_demand). The predictor
 *  - forecasts demand one or more samples ahead from what it has observed
 *    (never from the future);
 *  - sizes the deployment for the highest load expected over the horizon
 *    that matters: the start-up time of a new replica plus one decision
 *    interval;
 *  - takes its headroom from its own recent forecast errors at a stated
 *    risk level (a quantile), not from a fixed utilisation target;
 *  - pre-scales ahead of rising load, scales down only when the forecast
 *    over the horizon agrees, and damps flapping;
 *  - tracks its own accuracy (1 - WAPE of its recent one-sample-ahead
 *    forecasts over the error window) and, while it has too little
 *    history or below min_accuracy (when set), falls back to the reactive
 *    HPA rule (sa_hpa_step) and says so in its reasoning.
 *
 * Observed samples are treated as sample-and-hold: a sample observed at t
 * is the load until t + sample_s (the next sample). When sample_s equals
 * the decision interval (the service), every horizon reaches into the
 * future and is forecast; when samples are coarser than decisions (replay
 * of a 5-minute trace stepped every minute), the rest of the current
 * sample's interval is known and only the part of the horizon past it is
 * forecast.
 */
#ifndef SCALEADVISOR_PREDICT_H
#define SCALEADVISOR_PREDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "scaleadvisor/err.h"
#include "scaleadvisor/model.h"

#define SA_PREDICT_UNIT_MAX 24

typedef struct {
    double sample_s;           /* spacing of observed demand samples, s; > 0 */
    double interval_s;         /* decision interval, s; > 0 */
    double startup_s;          /* time for a new replica to become ready, s; >= 0 */
    size_t period;             /* seasonal period in samples (e.g. a day); 0 = none */
    double risk;               /* probability that capacity covers the demand of a
                                  forecast sample, in [0.5, 0.9999]; default 0.993.
                                  With miss_cost_rh > 0 it only picks the
                                  forecaster; the level used is chosen by cost */
    double miss_cost_rh;       /* what one SLO-violation minute is worth in
                                  replica-hours, >= 0; default 16. > 0: the
                                  forecaster, error mode and headroom quantile
                                  level (within [0.9, 0.9995]) are chosen per
                                  deployment where, over its recent errors,
                                  the capacity held above the load for a
                                  sample (its headroom minus its mean error)
                                  plus the violation minutes of the errors
                                  above the headroom (a
                                  miss lasts until a replica added on seeing
                                  it is ready) cost least. A heavy-tailed
                                  series gets a lower level, a tight one a
                                  higher. 0: the fixed `risk` quantile */
    double min_accuracy;       /* fall back to reactive below this 1 - WAPE, [0, 1];
                                  default 0: only while unproven. 1 - WAPE
                                  is near 0 on an intermittent series (a
                                  count that is mostly 0) even where the
                                  error quantiles size it well (docs/replay.md) */
    double error_window_s;     /* recent errors kept for headroom and accuracy,
                                  s; default 7 days (at least 48 samples, at
                                  most 5760: a day at 15 s sampling) */
    double down_horizon_s;     /* a scale-down must also cover the forecast
                                  this much beyond start-up + interval; 600 */
    double down_tolerance;     /* no scale-down by less than this fraction of
                                  the replicas, [0, 1); 0.1 (the HPA's) */
    double target_utilization; /* the reactive fallback's target, (0, 1]; 0.7 */
    double downscale_window_s; /* fallback's stabilisation window, s; 300 */
    bool holt_winters;         /* add the online Holt-Winters model (additive,
                                  fitted on up to 14 periods, O(1) update per
                                  sample, refitted every period or on drift)
                                  as a ninth candidate, scored and chosen like
                                  the others; needs period >= 2. Default
                                  true, in the service and in replay alike
                                  (docs/replay.md has its measured effect) */
    int min_replicas;          /* >= 1; the context's bounds override per call */
    int max_replicas;          /* >= min_replicas */
    /* Presentation only (reasoning text and summary): metric units per
     * replica unit (e.g. 60 req/s per replica, or 100 % CPU), and the unit
     * name ("req/s", "% CPU"). unit "" = speak in replica units. */
    double unit_per_replica;
    char unit[SA_PREDICT_UNIT_MAX];
    char metric[32]; /* sa_forecast_summary.metric: "request_rate" or
                        "cpu_percent"; "" = "demand" */
} sa_predict_params;

/* Defaults above; sample_s = interval_s = 60, startup_s = 120, period 0,
 * replicas 1..100, unit "" (replica units), unit_per_replica 1. */
void sa_predict_params_init(sa_predict_params *p);

typedef struct sa_predictor sa_predictor;

/* Create a predictor. Errors: SA_ERR_INVALID (a parameter out of range,
 * named in eb), SA_ERR_NOMEM. Caller frees with sa_predictor_destroy. */
SA_MUST_CHECK sa_err sa_predictor_create(const sa_predict_params *p, sa_predictor **out,
                                         sa_errbuf *eb);
/* NULL is harmless. */
void sa_predictor_destroy(sa_predictor *p);

/* Observe one demand sample (replica units, >= 0; NaN = missing, the
 * model advances on its own forecast) taken at time t (epoch s). Samples
 * must come in time order, about sample_s apart; a sample whose t is not
 * after the previous one is ignored. Samples further apart than 1.5
 * sample_s count the skipped samples as missing. O(1) amortised. */
void sa_predictor_observe(sa_predictor *p, double t, double demand);

/* Number of samples observed so far (missing ones included). */
size_t sa_predictor_count(const sa_predictor *p);

/* Recommend for the deployment of ctx (borrowed; reads current_replicas,
 * ready_pods, min_replicas, max_replicas, and startup_s: when set it is
 * used instead of the params' start-up time) at time now (epoch s, not
 * before the last observed sample). Fills out with a full recommendation
 * (present, action, target within [min, max], confidence, reasoning such
 * as "forecast peak 410 req/s in 3 min, 95 % band up to 470; 7 replicas",
 * factors, risk, cost, performance, timing; model ""), and fs (may be NULL)
 * with the forecast over the horizon in the params' unit. Before any
 * sample has been observed out->present is false. Updates the predictor's
 * decision memory (stabilisation, reactive fallback state). */
void sa_predictor_recommend(sa_predictor *p, const sa_context *ctx, double now, sa_rec *out,
                            sa_forecast_summary *fs);

/* The forecast of the next h samples after the last observed one, in
 * replica units, into caller arrays [h] (lower, upper may be NULL):
 * point forecast and the band at the risk level from recent errors.
 * Sample k (1-based) is for time last_t + k * sample_s (*t0_out, may be
 * NULL, receives last_t). Returns the number of points written: 0 before
 * any sample, else h. */
size_t sa_predictor_forecast(const sa_predictor *p, size_t h, double *mean, double *lower,
                             double *upper, double *t0_out);

/* Recent accuracy, 1 - WAPE of the one-sample-ahead forecasts over the
 * error window, in [0, 1]; NaN until enough samples were scored. */
double sa_predictor_accuracy(const sa_predictor *p);

/* Demand in replica units from a context: request_rate / rps_per_replica
 * when rps_per_replica > 0 and the rate is known, else cpu_percent / 100 *
 * ready_pods (ready_pods unknown: current_replicas). NaN when unknown. */
double sa_predict_demand(const sa_context *ctx, double rps_per_replica);

#endif
