/*
 * predict_int.h - internals of the predictive policy shared by its .c
 * files (predict.c: history, forecasters, error tracking; recommend.c:
 * sizing, stabilisation, the recommendation text).
 */
#ifndef SCALEADVISOR_PREDICT_INT_H
#define SCALEADVISOR_PREDICT_INT_H

#include <stddef.h>

#include "scaleadvisor/forecast.h"
#include "scaleadvisor/predict.h"
#include "scaleadvisor/rules.h"

#define PR_HMAX 16               /* forecast horizons tracked, in samples */
#define PR_NCAND 9               /* candidate forecasters */
#define PR_HW_STEPS 32           /* Holt-Winters forecasts kept per origin */
#define PR_HW_RING (PR_HMAX + 1) /* origins kept: every one still scored */
/* errors kept per forecaster and horizon: a day at the service's 15 s, a
 * week at 5 min */
#define PR_WINDOW_MAX 5760
/* History kept for the weekly forecasters, samples: a week at 15 s is
 * 40,320; at 1 s it would be 604,800 (9.7 MB a deployment), so below about
 * 6 s a sample the weekly candidates are left out. */
#define PR_LOOK_MAX 100000

typedef enum {
    PR_NAIVE = 0,
    PR_SEASONAL,
    PR_BLEND,
    PR_SEASONAL_MUL,
    PR_WEEKLY,
    PR_MEDIAN3,  /* median of the last three samples */
    PR_ENSEMBLE, /* median of naive, seasonal and weekly */
    PR_EWMA,     /* weighted mean of the last eight, weights 0.7^age */
    PR_HW        /* the online Holt-Winters model of src/forecast */
} pr_cand;

/* The Holt-Winters candidate: a model fitted on the recent history (at most
 * PR_HW_FIT_PERIODS periods), advanced in O(1) by every sample, refitted
 * every period or on drift; and the forecasts it made at each of the last
 * PR_HW_RING origins (key = absolute sample index of the origin), so that
 * a forecast is scored as it was made, not as a later state would make
 * it. */
#define PR_HW_FIT_PERIODS 14
typedef struct {
    sa_fc_model *model;                 /* owned; NULL until enough history (or no season) */
    size_t since_fit;                   /* samples since the last fit (or failed attempt) */
    size_t fits;                        /* fits in all (first, scheduled, on drift) */
    size_t drift_fits;                  /* of which because drift exceeded the threshold */
    size_t org[PR_HW_RING];             /* origin index + 1; 0 = empty */
    double fc[PR_HW_RING][PR_HW_STEPS]; /* forecast for origin + 1.. */
    char method[16];                    /* method of the current model ("" = none) */
} pr_hw;

/* A ring of the most recent errors of one forecaster at one horizon, in
 * single precision (8 bytes a sample, 46 KB for a full window). */
typedef struct {
    float *err; /* actual - forecast, [cap] */
    float *fc;  /* forecast, [cap] */
    size_t head, n, cap;
} pr_errs;

/* How errors scale with the forecast f (den = max(f, 1 replica)): not at
 * all, like sqrt(den) (counts: Poisson-like noise), or like den. */
typedef enum { PR_ABS = 0, PR_SQRT, PR_REL, PR_NMODES } pr_mode;

struct sa_predictor {
    sa_predict_params p;  /* p.startup_s: the deployment's own when it has one */
    double startup_cfg;   /* the start-up time it was created with */
    double miss_cost_cfg; /* the violation price it was created with */
    bool miss_cost_own;   /* p.miss_cost_rh is the deployment's own (its context's) */
    bool startup_own;     /* p.startup_s is the deployment's own (its context's) */
    size_t window;        /* error window, samples (about a day) */
    size_t hmax;          /* horizons in use */

    /* history: y[0..ny-1], oldest first, real[k] = observed, not filled;
     * trimmed to `keep` from time to time: what any forecaster looks back
     * plus the error window, so that far-horizon errors can be rebuilt */
    double *y;
    unsigned char *real;
    size_t ny, ycap, keep;
    size_t reach;  /* samples any forecaster looks back (caps a gap's fill) */
    size_t count;  /* samples observed in all */
    double last_t; /* time of the last sample; NaN before any */

    /* Errors per candidate and horizon h + 1: every candidate's next-sample
     * errors ([c][0], what the choice weighs); the farther horizons only
     * for the candidate far_c (the chosen one, rebuilt from the history
     * when the choice moves: pr_errs_at) and for Holt-Winters (its
     * forecasts as made cannot be rebuilt). 9 + 2 x 15 rings, not 9 x 16:
     * 1.8 MB per deployment at a full window, not 6.6 MB. */
    pr_errs errs[PR_NCAND][PR_HMAX];
    pr_errs far[PR_HMAX]; /* [0] unused */
    int far_c;            /* candidate the far rings hold; -1 none */
    int chosen;           /* candidate whose headroom (plus misses) costs least */
    pr_mode mode;         /* and its error mode */
    size_t since_choice;  /* samples since the choice was last made */
    double accuracy;      /* 1 - WAPE of the chosen one, NaN = unknown */
    /* coverage: did the capacity asked for the next sample (whole replicas
     * at its upper band) cover it? A ring of the last `window` answers */
    unsigned char *covered;
    size_t cov_head, cov_n, cov_hits;
    double level;            /* quantile level of the headroom in use (risk, or
                                chosen by cost when miss_cost_rh > 0) */
    double level_h[PR_HMAX]; /* quantile level per h: level for h = 1, chosen by
                                cost on that horizon's errors for the others */
    double q[PR_HMAX];       /* error quantile at level_h, per h (mode's unit) */

    double q_lo[PR_HMAX]; /* lower quantile, for the band */
    double *scratch;      /* [window], for quantiles */

    pr_hw hw; /* the Holt-Winters candidate */

    /* decision memory: the reactive fallback's stabilisation */
    sa_hpa_state hpa;
};

/* The errors of candidate c at horizon h + 1 (h = 0 is the next sample);
 * NULL for a far horizon of a candidate whose far errors are not kept. */
pr_errs *pr_errs_at(sa_predictor *p, int c, size_t h);

/* Forecast of candidate c for h samples after the newest (h >= 1), from
 * the history. Never negative. */
double pr_forecast(const sa_predictor *p, int c, size_t h);
/* Forecast with the upper (risk) quantile applied, for h >= 1. */
double pr_upper(const sa_predictor *p, size_t h);
double pr_lower(const sa_predictor *p, size_t h);

/* The Holt-Winters candidate (hw.c). Fit length for the params (0 = no
 * candidate: not enabled, no season or too long a one); after sample p->count - 1 (value v, real =
 * observed, not filled) was appended: fit, refit or advance the model and record its forecasts at
 * that origin; the forecast made at absolute sample index `origin` for origin + h (NaN when none
 * was made); free the model. */
size_t pr_hw_fit_len(const sa_predict_params *prm);
void pr_hw_observe(sa_predictor *p, double v, int real);
double pr_hw_at(const sa_predictor *p, size_t origin, size_t h);
void pr_hw_release(pr_hw *hw);

/* What choosing forecaster errors r with mode m would cost per sample:
 * by_cost, the least over quantile levels of the capacity held above the
 * load (replica-hours) plus the misses at miss_cost_rh (INFINITY when it
 * cannot be below bound; *level the level); else the capacity above the
 * load at the risk level (replica units; *level = risk). scratch holds
 * r->n doubles. */
double pr_candidate_cost(const sa_predictor *p, const pr_errs *r, pr_mode m, int by_cost,
                         double bound, double *scratch, double *level);

/* Share of the recent samples that the capacity asked for them (whole
 * replicas at the upper band of the sample before) covered; NaN until
 * enough were seen. The predictor's confidence. */
double pr_coverage(const sa_predictor *p);

/* Is the forecast trusted (enough scored samples, accuracy >= threshold)? */
int pr_trusted(const sa_predictor *p);

#endif
