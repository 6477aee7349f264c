/*
 * fc_int.h - internals of the forecast module: the exponential smoothing
 * state, its one-step recursion, start values and the parameter fit.
 * Only src/forecast/ includes this.
 */
#ifndef SA_FC_INT_H
#define SA_FC_INT_H

#include <stddef.h>

#include "scaleadvisor/forecast.h"

/* A model's structure and smoothing parameters. */
typedef struct {
    sa_fc_method kind; /* never SA_FC_AUTO */
    size_t m;          /* season (0 for SES/Holt) */
    size_t m2;         /* second season (SA_FC_DOUBLE only), multiple of m */
    double alpha, beta, gamma, omega, phi;
} fc_spec;

/* The state after the last observation. s[pos] (and s2[pos2]) is the
 * seasonal term of the next observation. For SA_FC_SNAIVE, s holds the last
 * season of values. */
typedef struct {
    double l, b;
    double *s;  /* [m] */
    double *s2; /* [m2] */
    size_t pos, pos2;
} fc_state;

/* Number of free parameters of a kind (alpha, beta, gamma, omega, phi). */
size_t fc_nparams(sa_fc_method kind);

/* Smallest n a kind can be fitted on (given m, m2). */
size_t fc_min_points(sa_fc_method kind, size_t m, size_t m2);

/* Start values from a classical decomposition of y (R's HoltWinters rule:
 * first two seasons; for SA_FC_DOUBLE the first two long seasons). With
 * r_mode the level is R's (intercept at trend index 0, the recursion then
 * starting at index m); otherwise the level is extrapolated to index -1 so
 * the recursion starts at 0. st arrays must be allocated. Returns 0 on
 * success, -1 when y is too short or (multiplicative) not positive. */
int fc_init_state(const fc_spec *sp, const double *y, size_t n, int r_mode, fc_state *st,
                  double *scratch);
/* Doubles of scratch fc_init_state needs. */
size_t fc_scratch_size(const fc_spec *sp);

/* One step: returns the forecast of x made from st, then updates st with x
 * (NaN = missing: the state advances on its own forecast). */
double fc_step(const fc_spec *sp, fc_state *st, double x);

/* Run the recursion over clean y[start..n-1] from st (updated); returns
 * the sum of squared one-step errors. Same states as fc_step. */
double fc_sse_run(const fc_spec *sp, fc_state *st, const double *y, size_t start, size_t n);

/* Forecast steps 1..h from st into mean[h]. */
void fc_point(const fc_spec *sp, const fc_state *st, size_t h, double *mean);

/* Standard deviation multiplier of step j (1-based) for one-step sd 1:
 * sqrt(1 + sum_{u<j} psi_u^2), psi as for the additive state space. Fills
 * out[h]. */
void fc_sd_factor(const fc_spec *sp, size_t h, double *out);

/* Deep copy of state arrays (dst arrays allocated with the same sizes). */
void fc_state_copy(const fc_spec *sp, fc_state *dst, const fc_state *src);

/* Workspace for fitting on one series. */
typedef struct {
    const double *y;
    size_t n;
    size_t start;   /* first index scored */
    fc_state init;  /* start values */
    fc_state work;  /* scratch state */
    double *buf;    /* backing memory of both states and the scratch */
    size_t evals;   /* objective evaluations so far */
    size_t jump_at; /* > start: intervention (level jump) at this index,
                       its error not counted; 0 = none */
} fc_fitter;

/* Set up a fitter (allocates; 0 on success, -1 too short/not positive,
 * -2 out of memory). */
int fc_fitter_init(fc_fitter *f, const fc_spec *sp, const double *y, size_t n, int r_mode);
void fc_fitter_release(fc_fitter *f);
/* Sum of squared one-step errors with sp's parameters; also the final
 * state in f->work. */
double fc_fitter_sse(fc_fitter *f, const fc_spec *sp);
/* Sum of squared relative one-step errors (y - f) / f with sp's
 * parameters (the multiplicative model's error scale); same final state. */
double fc_fitter_rel_sse(fc_fitter *f, const fc_spec *sp);
/* Fit sp's free parameters by bounded Nelder-Mead with restarts; returns
 * the SSE; f->work holds the final state of the fitted model. With warm,
 * sp's parameters (a previous optimum on a similar window) are the start
 * and a single small simplex refines them. */
double fc_fitter_optimise(fc_fitter *f, fc_spec *sp, int warm);

/* Level shift in the last season of y (shift.c): the index where it
 * starts, or 0 when there is none (or m < 2 or n < 4 m). */
size_t fc_find_shift(const double *y, size_t n, size_t m);
/* The intervention step at a shift: the level jumps to the data (alpha 1,
 * trend and seasons kept). Returns the forecast of x made from st. */
double fc_jump_step(const fc_spec *sp, fc_state *st, double x);

/* Inverse of the standard normal CDF. */
double fc_qnorm(double p);

#endif
