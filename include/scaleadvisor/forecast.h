/*
 * forecast.h - Holt-Winters family forecaster (pure: no I/O, no clock).
 *
 * Two ways in:
 *  - batch: sa_forecast_run() fits on a whole series and returns the point
 *    forecast and prediction interval for steps 1..h (the `forecast` CLI
 *    and the benchmark);
 *  - online: sa_fc_model_fit() returns a fitted model whose state is
 *    advanced one sample at a time in O(1) with sa_fc_model_update(), and
 *    refitted on a schedule (the service and the predictive policy).
 *
 * Input values are finite; NaN marks a missing sample (interpolated
 * linearly, up to SA_FC_MAX_GAP consecutive values; more is an error; at
 * the ends the nearest value is repeated). Infinite values are refused.
 * Thread-safe: no shared state. Pure: no I/O, no clock.
 *
 * Models (error-correction form of the additive state space, as R's
 * stats::HoltWinters): one-step forecast
 *   additive        l + b + s            multiplicative  (l + b) s
 *   damped          l + phi b + s        double          l + s1 + s2
 *   holt            l + b                ses             l
 *   snaive          the value one season ago
 * Smoothing parameters minimise the one-step squared error (bounded
 * Nelder-Mead in the unit box, phi in [0.8, 0.98]); start values from a
 * classical decomposition of the first two seasons (double: day means of
 * the first two long seasons).
 *
 * auto: candidates are additive, damped, snaive, multiplicative (values
 * all > 0) and double (history >= 2 long seasons) when the series covers
 * two seasons, else ses and holt. Each is fitted with the last season held
 * out, and again with the last two held out; the one with the least mean
 * absolute error over the first min(horizon, season) held-out points is
 * refitted on everything. Its holdout errors, in units of its own predicted
 * sd, also calibrate the interval band (factor in [0.7, 2.5]).
 *
 * Intervals: mean +- z sigma sqrt(1 + sum psi_u^2) (R's formula for the
 * additive model); multiplicative: sigma relative, band proportional to the
 * forecast. A level shift in the last season (seasonal differences
 * persistently beyond 3 RMS) is fitted as an intervention: the level jumps
 * to the data there and that error is not fitted ("why" says so). Fitting
 * is done in units of max |y|, so any unit works.
 */
#ifndef SCALEADVISOR_FORECAST_H
#define SCALEADVISOR_FORECAST_H

#include <stdbool.h>
#include <stddef.h>

#include "scaleadvisor/err.h"

#define SA_FC_MAX_GAP 12
#define SA_FC_WHY_MAX 256

typedef enum {
    SA_FC_AUTO = 0,
    SA_FC_ADDITIVE,       /* Holt-Winters, additive seasonality */
    SA_FC_MULTIPLICATIVE, /* Holt-Winters, multiplicative seasonality */
    SA_FC_DAMPED,         /* Holt-Winters additive, damped trend */
    SA_FC_DOUBLE,         /* double seasonal (period and period2) */
    SA_FC_HOLT,           /* Holt's linear trend, no season */
    SA_FC_SES,            /* simple exponential smoothing */
    SA_FC_SNAIVE          /* seasonal naive */
} sa_fc_method;

/* "auto", "additive", "multiplicative", "damped", "double", "holt", "ses",
 * "snaive". */
const char *sa_fc_method_name(sa_fc_method m);
SA_MUST_CHECK sa_err sa_fc_method_parse(const char *s, sa_fc_method *out);

typedef struct {
    sa_fc_method method; /* default SA_FC_AUTO */
    size_t period;       /* seasonal period in samples; 0 = detect from ACF */
    size_t period2;      /* second period of SA_FC_DOUBLE (e.g. weekly), a
                            multiple of period; 0 = 7 * period. auto tries
                            it when the series covers two of them */
    double level;        /* interval level in (0,1), default 0.95 */
    size_t horizon;      /* steps to forecast, >= 1 */
    double step_s;       /* sample spacing in seconds, 0 = unknown; when known
                            a detected period within 5 % of a day or a week
                            of samples becomes exactly that */
} sa_fc_options;

void sa_fc_options_init(sa_fc_options *o);

typedef struct {
    sa_fc_method method;            /* the model used (auto resolved) */
    size_t period;                  /* the period used (detected or given); 0 = none */
    double alpha, beta, gamma, phi; /* NaN where the model has none */
    double sigma;                   /* one-step residual standard deviation (RMS), in
                                       the data's unit; multiplicative: relative to
                                       the forecast ((y - f) / f) */
    size_t n_filled;                /* missing values interpolated */
    size_t updates;                 /* online: observations since the fit */
    double drift;                   /* online: RMS of the recent one-step errors (EWMA,
                                       memory about one season) over sigma; 1 right
                                       after the fit, well above 1 (say 2) when the
                                       series has drifted from the model: refit */
    char why[SA_FC_WHY_MAX];        /* why this model (auto) and any fallback note */
    size_t horizon;
    double *mean;  /* [horizon], owned */
    double *lower; /* [horizon], owned */
    double *upper; /* [horizon], owned */
} sa_fc_result;

/* Fit on y[0..n-1] (borrowed) and forecast o->horizon steps (1..1e6). On
 * success out is filled (release with sa_fc_result_release); on failure
 * out is empty. Errors: SA_ERR_INVALID (too short for the method, no
 * season for a seasonal method, infinite value or gap too long: the
 * message names the 0-based index; bad options), SA_ERR_NOMEM. The
 * period 0 = detected by sa_fc_detect_period; none found = non-seasonal. */
SA_MUST_CHECK sa_err sa_forecast_run(const double *y, size_t n, const sa_fc_options *o,
                                     sa_fc_result *out, sa_errbuf *eb);
void sa_fc_result_release(sa_fc_result *r);

/* Online model. */
typedef struct sa_fc_model sa_fc_model;

/* Fit a model on y[0..n-1] (options as above; horizon, when > 1, is the
 * horizon auto scores on, else one season). Caller frees with
 * sa_fc_model_destroy (NULL is harmless). */
SA_MUST_CHECK sa_err sa_fc_model_fit(const double *y, size_t n, const sa_fc_options *o,
                                     sa_fc_model **out, sa_errbuf *eb);
void sa_fc_model_destroy(sa_fc_model *m);
/* Advance the state by one observation in O(1), allocating nothing; NaN or
 * infinite = missing (the state advances on its own forecast). The
 * parameters stay those of the fit: refit on a schedule. */
void sa_fc_model_update(sa_fc_model *m, double y);
/* Forecast steps 1..h from the current state into caller arrays [h]
 * (lower/upper may be NULL) at interval level in (0,1). */
void sa_fc_model_forecast(const sa_fc_model *m, size_t h, double level, double *mean, double *lower,
                          double *upper);
/* Method, period and parameters of the fitted model (arrays left NULL). */
void sa_fc_model_describe(const sa_fc_model *m, sa_fc_result *out);

/* Seasonal period of y by autocorrelation, within [min_p, max_p] (min_p >=
 * 2, max_p capped at n/2): the first ACF peak that is a local maximum above
 * 0.2, rises 0.1 above the trough before it and reaches 80 % of the highest
 * such peak (so the fundamental wins over its multiples); 0 when there is
 * none. Cost O(n * max_p). */
size_t sa_fc_detect_period(const double *y, size_t n, size_t min_p, size_t max_p);

#endif
