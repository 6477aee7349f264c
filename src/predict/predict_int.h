/*
 * predict_int.h - internals of the predictive policy shared by its .c
 * files (predict.c: history, forecasters, error tracking; recommend.c:
 * sizing, stabilisation, the recommendation text).
 */
#ifndef SCALEADVISOR_PREDICT_INT_H
#define SCALEADVISOR_PREDICT_INT_H

#include <stddef.h>

#include "scaleadvisor/predict.h"
#include "scaleadvisor/rules.h"

#define PR_HMAX 16          /* forecast horizons tracked, in samples */
#define PR_NCAND 8          /* candidate forecasters */
#define PR_WINDOW_MAX 16384 /* errors kept per forecaster and horizon */

typedef enum {
    PR_NAIVE = 0,
    PR_SEASONAL,
    PR_BLEND,
    PR_SEASONAL_MUL,
    PR_WEEKLY,
    PR_MEDIAN3,  /* median of the last three samples */
    PR_ENSEMBLE, /* median of naive, seasonal and weekly */
    PR_EWMA      /* weighted mean of the last eight, weights 0.7^age */
} pr_cand;

/* A ring of the most recent errors of one forecaster at one horizon. */
typedef struct {
    double *err;    /* actual - forecast, [cap] */
    double *den;    /* max(forecast, 1 replica), [cap] */
    double *actual; /* actual, [cap] */
    size_t head, n, cap;
} pr_errs;

/* How errors scale with the forecast f (den = max(f, 1 replica)): not at
 * all, like sqrt(den) (counts: Poisson-like noise), or like den. */
typedef enum { PR_ABS = 0, PR_SQRT, PR_REL, PR_NMODES } pr_mode;

struct sa_predictor {
    sa_predict_params p;
    size_t window; /* error window, samples (about a day) */
    size_t hmax;   /* horizons in use */

    /* history: y[0..ny-1], oldest first; trimmed to `keep` from time to time */
    double *y;
    size_t ny, ycap, keep;
    size_t count;  /* samples observed in all */
    double last_t; /* time of the last sample; NaN before any */

    pr_errs errs[PR_NCAND][PR_HMAX];
    int chosen;          /* candidate whose headroom (plus misses) costs least */
    pr_mode mode;        /* and its error mode */
    size_t since_choice; /* samples since the choice was last made */
    double accuracy;     /* 1 - WAPE of the chosen one, NaN = unknown */
    double level;        /* quantile level of the headroom in use (risk, or
                            chosen by cost when miss_cost_rh > 0) */
    double q[PR_HMAX];   /* error quantile at the level, per h (mode's unit) */

    double q_lo[PR_HMAX]; /* lower quantile, for the band */
    double *scratch;      /* [window], for quantiles */

    /* decision memory: the reactive fallback's stabilisation */
    sa_hpa_state hpa;
};

/* Forecast of candidate c for h samples after the newest (h >= 1), from
 * the history. Never negative. */
double pr_forecast(const sa_predictor *p, int c, size_t h);
/* Forecast with the upper (risk) quantile applied, for h >= 1. */
double pr_upper(const sa_predictor *p, size_t h);
double pr_lower(const sa_predictor *p, size_t h);

/* Is the forecast trusted (enough scored samples, accuracy >= threshold)? */
int pr_trusted(const sa_predictor *p);

#endif
