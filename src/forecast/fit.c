/*
 * fit.c - fitting the smoothing parameters: the one-step sum of squared
 * errors over the series and a bounded Nelder-Mead search in the unit box
 * (phi in [0.8, 0.98]) from the best of four start points (for the
 * four-parameter damped model restarted once from its own optimum). All memory is taken once in
 * fc_fitter_init: an objective evaluation only copies the start state and runs the recursion.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fc_int.h"
#include "scaleadvisor/banned.h"

#define NM_MAX_EVALS 400
#define NM_TOL 1e-5

int fc_fitter_init(fc_fitter *f, const fc_spec *sp, const double *y, size_t n, int r_mode)
{
    size_t per = sp->m + sp->m2, scr = fc_scratch_size(sp);
    memset(f, 0, sizeof *f);
    if (n < fc_min_points(sp->kind, sp->m, sp->m2))
        return -1;
    f->buf = malloc((2 * per + scr) * sizeof *f->buf);
    if (!f->buf)
        return -2;
    f->init.s = f->buf;
    f->init.s2 = f->buf + sp->m;
    f->work.s = f->buf + per;
    f->work.s2 = f->buf + per + sp->m;
    f->y = y;
    f->n = n;
    f->start = (r_mode || sp->kind == SA_FC_SNAIVE) ? sp->m : 0;
    if (fc_init_state(sp, y, n, r_mode, &f->init, f->buf + 2 * per) != 0) {
        fc_fitter_release(f);
        return -1;
    }
    if (!sp->m2)
        f->init.s2 = f->work.s2 = NULL;
    if (!sp->m)
        f->init.s = f->work.s = NULL;
    return 0;
}

void fc_fitter_release(fc_fitter *f)
{
    free(f->buf);
    memset(f, 0, sizeof *f);
}

double fc_fitter_sse(fc_fitter *f, const fc_spec *sp)
{
    f->evals++;
    fc_state *st = &f->work;
    fc_state_copy(sp, st, &f->init);
    double sse;
    if (f->jump_at > f->start && f->jump_at < f->n) {
        sse = fc_sse_run(sp, st, f->y, f->start, f->jump_at);
        (void)fc_jump_step(sp, st, f->y[f->jump_at]);
        sse += fc_sse_run(sp, st, f->y, f->jump_at + 1, f->n);
    } else {
        sse = fc_sse_run(sp, st, f->y, f->start, f->n);
    }
    return isfinite(sse) ? sse : HUGE_VAL;
}

double fc_fitter_rel_sse(fc_fitter *f, const fc_spec *sp)
{
    fc_state *st = &f->work;
    double sse = 0;
    fc_state_copy(sp, st, &f->init);
    for (size_t i = f->start; i < f->n; i++) {
        if (i == f->jump_at) {
            (void)fc_jump_step(sp, st, f->y[i]);
            continue;
        }
        double xhat = fc_step(sp, st, f->y[i]);
        double e = fabs(xhat) > 0 ? (f->y[i] - xhat) / xhat : 0;
        sse += e * e;
    }
    return isfinite(sse) ? sse : HUGE_VAL;
}

/* Parameter vector <-> spec, per kind: which fields are free and their
 * bounds. */
typedef struct {
    double *field[4];
    double lo[4], hi[4];
    size_t k;
} pmap;

static void pmap_make(fc_spec *sp, pmap *pm)
{
    pm->k = 0;
#define ADD(fld, l, h)                                                                             \
    (pm->field[pm->k] = &sp->fld, pm->lo[pm->k] = (l), pm->hi[pm->k] = (h), pm->k++)
    if (sp->kind == SA_FC_SNAIVE)
        return;
    ADD(alpha, 1e-4, 1.0);
    if (sp->kind == SA_FC_HOLT || sp->kind == SA_FC_ADDITIVE || sp->kind == SA_FC_DAMPED ||
        sp->kind == SA_FC_MULTIPLICATIVE)
        ADD(beta, 0.0, 1.0);
    if (sp->kind == SA_FC_ADDITIVE || sp->kind == SA_FC_DAMPED ||
        sp->kind == SA_FC_MULTIPLICATIVE || sp->kind == SA_FC_DOUBLE)
        ADD(gamma, 0.0, 1.0);
    if (sp->kind == SA_FC_DOUBLE)
        ADD(omega, 0.0, 1.0);
    if (sp->kind == SA_FC_DAMPED)
        ADD(phi, 0.8, 0.98);
#undef ADD
}

static double eval_at(fc_fitter *f, fc_spec *sp, const pmap *pm, const double *x)
{
    for (size_t i = 0; i < pm->k; i++)
        *pm->field[i] = x[i] < pm->lo[i] ? pm->lo[i] : x[i] > pm->hi[i] ? pm->hi[i] : x[i];
    return fc_fitter_sse(f, sp);
}

static void clamp(const pmap *pm, double *x)
{
    for (size_t i = 0; i < pm->k; i++)
        x[i] = x[i] < pm->lo[i] ? pm->lo[i] : x[i] > pm->hi[i] ? pm->hi[i] : x[i];
}

/* Sort the k + 1 simplex points by objective, best first. */
static void order_simplex(double P[5][4], double *F, size_t k)
{
    for (size_t i = 1; i <= k; i++)
        for (size_t j = i; j > 0 && F[j] < F[j - 1]; j--) {
            double t = F[j];
            F[j] = F[j - 1];
            F[j - 1] = t;
            for (size_t d = 0; d < k; d++) {
                t = P[j][d];
                P[j][d] = P[j - 1][d];
                P[j - 1][d] = t;
            }
        }
}

/* One Nelder-Mead run from x (updated to the best point); returns its
 * objective. *evals counts evaluations against the budget. */
static double nelder_mead(fc_fitter *f, fc_spec *sp, const pmap *pm, double *x, double step,
                          size_t *evals)
{
    size_t k = pm->k;
    double P[5][4], F[5], c[4], xr[4], xe[4];
    for (size_t i = 0; i <= k; i++) {
        memcpy(P[i], x, k * sizeof *x);
        if (i > 0) {
            size_t d = i - 1;
            P[i][d] += (P[i][d] + step <= pm->hi[d]) ? step : -step;
        }
        clamp(pm, P[i]);
        F[i] = eval_at(f, sp, pm, P[i]);
        (*evals)++;
    }
    while (*evals < NM_MAX_EVALS) {
        order_simplex(P, F, k);
        double size = 0;
        for (size_t i = 1; i <= k; i++)
            for (size_t d = 0; d < k; d++)
                size = fmax(size, fabs(P[i][d] - P[0][d]));
        if (F[k] - F[0] <= NM_TOL * (fabs(F[0]) + 1e-300) || size < 1e-3)
            break;
        for (size_t d = 0; d < k; d++) {
            c[d] = 0;
            for (size_t i = 0; i < k; i++)
                c[d] += P[i][d] / (double)k;
            xr[d] = c[d] + (c[d] - P[k][d]);
        }
        clamp(pm, xr);
        double fr = eval_at(f, sp, pm, xr);
        (*evals)++;
        if (fr < F[0]) {
            for (size_t d = 0; d < k; d++)
                xe[d] = c[d] + 2 * (c[d] - P[k][d]);
            clamp(pm, xe);
            double fe = eval_at(f, sp, pm, xe);
            (*evals)++;
            if (fe < fr) {
                memcpy(P[k], xe, k * sizeof *xe);
                F[k] = fe;
            } else {
                memcpy(P[k], xr, k * sizeof *xr);
                F[k] = fr;
            }
        } else if (fr < F[k - 1]) {
            memcpy(P[k], xr, k * sizeof *xr);
            F[k] = fr;
        } else {
            int outside = fr < F[k];
            for (size_t d = 0; d < k; d++)
                xe[d] = outside ? c[d] + 0.5 * (xr[d] - c[d]) : c[d] + 0.5 * (P[k][d] - c[d]);
            double fc = eval_at(f, sp, pm, xe);
            (*evals)++;
            if (fc < (outside ? fr : F[k])) {
                memcpy(P[k], xe, k * sizeof *xe);
                F[k] = fc;
            } else {
                for (size_t i = 1; i <= k; i++) {
                    for (size_t d = 0; d < k; d++)
                        P[i][d] = P[0][d] + 0.5 * (P[i][d] - P[0][d]);
                    F[i] = eval_at(f, sp, pm, P[i]);
                    (*evals)++;
                }
            }
        }
    }
    size_t best = 0;
    for (size_t i = 1; i <= k; i++)
        if (F[i] < F[best])
            best = i;
    memcpy(x, P[best], k * sizeof *x);
    return F[best];
}

double fc_fitter_optimise(fc_fitter *f, fc_spec *sp, int warm)
{
    pmap pm;
    double x[4], best[4], fbest = HUGE_VAL;
    size_t evals = 0;
    pmap_make(sp, &pm);
    if (pm.k == 0)
        return fc_fitter_sse(f, sp);
    if (warm) {
        /* near a previous optimum (a slightly shorter window): one small
         * simplex around it */
        for (size_t i = 0; i < pm.k; i++)
            best[i] = *pm.field[i];
        clamp(&pm, best);
        (void)nelder_mead(f, sp, &pm, best, 0.02, &evals);
        return eval_at(f, sp, &pm, best);
    }
    /* start points: R's default and a few spread over the box */
    static const double starts[][4] = {{0.3, 0.1, 0.1, 0.9},
                                       {0.6, 0.01, 0.3, 0.95},
                                       {0.1, 0.01, 0.05, 0.9},
                                       {0.9, 0.001, 0.6, 0.85}};
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
        memcpy(x, starts[s], pm.k * sizeof *x);
        clamp(&pm, x);
        double fx = eval_at(f, sp, &pm, x);
        evals++;
        if (fx < fbest) {
            fbest = fx;
            memcpy(best, x, pm.k * sizeof *x);
        }
    }
    fbest = nelder_mead(f, sp, &pm, best, 0.1, &evals);
    /* Nelder-Mead can collapse early in four dimensions: restart the damped
     * model's search around its optimum (in three or fewer it gains < 1e-6
     * of the SSE on real series, so the time is saved) */
    if (pm.k >= 4)
        fbest = fmin(fbest, nelder_mead(f, sp, &pm, best, 0.03, &evals));
    /* leave the spec at the best point and f->work at its final state */
    return eval_at(f, sp, &pm, best);
}
