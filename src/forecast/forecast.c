/*
 * forecast.c - the forecast module's public side: input hygiene (gaps,
 * non-finite values), model choice for `auto` by a holdout of the last
 * season scored over the horizon that will be used, the fitted online model
 * and the batch run. Pure: no I/O, no clock, no globals.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_int.h"
#include "scaleadvisor/forecast.h"
#include "scaleadvisor/banned.h"

struct sa_fc_model {
    fc_spec sp;
    fc_state st;
    double sigma;    /* one-step residual sd of the fit, in fitted units
                        (relative to the forecast when rel) */
    int rel;         /* multiplicative: errors proportional to the level */
    double scale;    /* data = fitted units x scale (max |y| of the fit) */
    size_t shift_at; /* index where the level was re-anchored, 0 = none */
    double err2;     /* EWMA of squared one-step errors since the fit */
    size_t updates;  /* observations since the fit */
    double band;     /* interval calibration: multiplies the analytic half
                        width (1 unless auto measured it on the holdout) */
    size_t n_filled; /* gaps interpolated in the fitted data */
    char why[SA_FC_WHY_MAX];
    double *mem; /* backing of st.s and st.s2 */
};

static const char *const method_names[] = {"auto", "additive", "multiplicative", "damped", "double",
                                           "holt", "ses",      "snaive"};

const char *sa_fc_method_name(sa_fc_method m)
{
    size_t i = (size_t)m;
    return i < sizeof method_names / sizeof method_names[0] ? method_names[i] : "unknown";
}

sa_err sa_fc_method_parse(const char *s, sa_fc_method *out)
{
    for (size_t i = 0; s && i < sizeof method_names / sizeof method_names[0]; i++)
        if (strcmp(s, method_names[i]) == 0) {
            *out = (sa_fc_method)i;
            return SA_OK;
        }
    return SA_ERR_INVALID;
}

void sa_fc_options_init(sa_fc_options *o)
{
    memset(o, 0, sizeof *o);
    o->method = SA_FC_AUTO;
    o->level = 0.95;
    o->horizon = 1;
}

void sa_fc_result_release(sa_fc_result *r)
{
    if (!r)
        return;
    free(r->mean);
    free(r->lower);
    free(r->upper);
    r->mean = r->lower = r->upper = NULL;
}

/* Copy y into out[n], rejecting non-finite values other than NaN and
 * interpolating NaN runs of at most SA_FC_MAX_GAP (linearly; at the ends,
 * the nearest value). */
static sa_err clean_input(const double *y, size_t n, double *out, size_t *filled, sa_errbuf *eb)
{
    size_t last = SIZE_MAX; /* index of the last finite value */
    *filled = 0;
    for (size_t i = 0; i < n; i++) {
        if (isinf(y[i]))
            return sa_fail(eb, SA_ERR_INVALID, "value %zu is infinite", i);
        if (isnan(y[i]))
            continue;
        size_t gap = last == SIZE_MAX ? i : i - last - 1;
        if (gap > SA_FC_MAX_GAP)
            return sa_fail(eb, SA_ERR_INVALID,
                           "%zu missing values in a row before value %zu "
                           "(at most %d are interpolated)",
                           gap, i, SA_FC_MAX_GAP);
        for (size_t k = 1; k <= gap; k++) {
            size_t j = i - gap - 1 + k;
            out[j] = last == SIZE_MAX ? y[i]
                                      : y[last] + (y[i] - y[last]) * (double)k / (double)(gap + 1);
        }
        *filled += gap;
        out[i] = y[i];
        last = i;
    }
    if (last == SIZE_MAX)
        return sa_fail(eb, SA_ERR_INVALID, "no values (all %zu missing)", n);
    if (n - last - 1 > SA_FC_MAX_GAP)
        return sa_fail(eb, SA_ERR_INVALID,
                       "the last %zu values are missing (at most %d are "
                       "interpolated)",
                       n - last - 1, SA_FC_MAX_GAP);
    for (size_t j = last + 1; j < n; j++)
        out[j] = y[last];
    *filled += n - last - 1;
    return SA_OK;
}

static void model_free(sa_fc_model *m)
{
    if (m) {
        free(m->mem);
        free(m);
    }
}

void sa_fc_model_destroy(sa_fc_model *m)
{
    model_free(m);
}

static void spec_default(fc_spec *sp, sa_fc_method kind, size_t m, size_t m2)
{
    memset(sp, 0, sizeof *sp);
    sp->kind = kind;
    sp->m = (kind == SA_FC_SES || kind == SA_FC_HOLT) ? 0 : m;
    sp->m2 = kind == SA_FC_DOUBLE ? m2 : 0;
    sp->phi = 1;
}

/* Fit one model of kind on y[0..n-1] (clean), from the parameters of warm
 * when not NULL (a fit of the same kind on a slightly shorter window).
 * Returns 0, -1 when the kind does not apply (too short, not positive), -2
 * out of memory. */
static int fit_one(const double *y, size_t n, sa_fc_method kind, size_t m, size_t m2,
                   const fc_spec *warm, sa_fc_model **out)
{
    fc_fitter f;
    fc_spec sp;
    if (warm)
        sp = *warm;
    else
        spec_default(&sp, kind, m, m2);
    int rc = fc_fitter_init(&f, &sp, y, n, 0);
    if (rc != 0)
        return rc;
    sa_fc_model *mod = calloc(1, sizeof *mod);
    double *mem = malloc((sp.m + sp.m2 + 1) * sizeof *mem);
    if (!mod || !mem) {
        free(mod);
        free(mem);
        fc_fitter_release(&f);
        return -2;
    }
    if (kind != SA_FC_SNAIVE && kind != SA_FC_SES && kind != SA_FC_HOLT)
        f.jump_at = fc_find_shift(y, n, m);
    double sse = fc_fitter_optimise(&f, &sp, warm != NULL);
    size_t cnt = n - f.start - (f.jump_at > f.start ? 1 : 0);
    mod->shift_at = f.jump_at > f.start ? f.jump_at : 0;
    mod->sp = sp;
    mod->mem = mem;
    mod->st.s = sp.m ? mem : NULL;
    mod->st.s2 = sp.m2 ? mem + sp.m : NULL;
    fc_state_copy(&sp, &mod->st, &f.work);
    if (kind == SA_FC_SNAIVE) {
        /* one-step sd of the seasonal naive forecast (it is the in-sample
         * seasonal difference) */
        sse = 0;
        for (size_t i = m; i < n; i++)
            sse += (y[i] - y[i - m]) * (y[i] - y[i - m]);
    }
    if (kind == SA_FC_MULTIPLICATIVE) {
        mod->rel = 1;
        sse = fc_fitter_rel_sse(&f, &sp);
    }
    mod->sigma = cnt > 0 ? sqrt(sse / (double)cnt) : 0;
    mod->scale = 1;
    mod->band = 1;
    mod->err2 = mod->sigma * mod->sigma;
    fc_fitter_release(&f);
    *out = mod;
    return 0;
}

/* Mean absolute error of a kind fitted on y[0..n-L-1] over the first h of
 * the L held-out points; NaN when the kind does not apply. The fitted
 * parameters go to *fitted (and start from *warm when not NULL). */
static double holdout_mae(const double *y, size_t n, size_t L, size_t h, sa_fc_method kind,
                          size_t m, size_t m2, const fc_spec *warm, fc_spec *fitted, double *fc,
                          double *zabs, int *nomem)
{
    sa_fc_model *mod = NULL;
    if (n <= L)
        return NAN;
    int rc = fit_one(y, n - L, kind, m, m2, warm, &mod);
    if (rc == -2)
        *nomem = 1;
    if (rc != 0)
        return NAN;
    fc_point(&mod->sp, &mod->st, h, fc);
    *fitted = mod->sp;
    double mae = 0;
    for (size_t j = 0; j < h; j++)
        mae += fabs(y[n - L + j] - fc[j]);
    /* errors in units of the model's own predicted sd (zabs used as the
     * factor buffer first) */
    fc_sd_factor(&mod->sp, h, zabs);
    for (size_t j = 0; j < h; j++) {
        double sd = mod->sigma * zabs[j] * (mod->rel ? fabs(fc[j]) : 1);
        double e = fabs(y[n - L + j] - fc[j]);
        zabs[j] = sd > 0 ? e / sd : (e > 0 ? HUGE_VAL : 0);
    }
    model_free(mod);
    return mae / (double)h;
}

#define FC_HOLDOUT_ORIGINS 2

static int all_positive(const double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(y[i] > 0))
            return 0;
    return 1;
}

/* Choose among the candidates by their mean holdout MAE; writes the
 * choice and the scores into why. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Band calibration from standardized holdout errors z[k]: the ratio of
 * their level-quantile to the normal one, within [0.7, 2.5] (sorts z). */
static double band_factor(double *z, size_t k, double level)
{
    if (k < 20)
        return 1;
    qsort(z, k, sizeof *z, cmp_double);
    double q = z[(size_t)floor(level * (double)(k - 1))];
    double c = q / fc_qnorm(0.5 + level / 2);
    return isfinite(c) ? fmin(2.5, fmax(0.7, c)) : 2.5;
}

static sa_err choose_auto(const double *y, size_t n, size_t m, size_t m2, size_t horizon,
                          double level, double scale, sa_fc_method *kind, fc_spec *warm,
                          double *band, char *why, size_t whylen, sa_errbuf *eb)
{
    sa_fc_method cand[6];
    size_t nc = 0;
    int seasonal = m >= 2 && n >= 2 * m;
    if (seasonal) {
        cand[nc++] = SA_FC_ADDITIVE;
        cand[nc++] = SA_FC_DAMPED;
        cand[nc++] = SA_FC_SNAIVE;
        if (all_positive(y, n))
            cand[nc++] = SA_FC_MULTIPLICATIVE;
        if (m2 && n >= 2 * m2)
            cand[nc++] = SA_FC_DOUBLE;
    } else {
        cand[nc++] = SA_FC_SES;
        cand[nc++] = SA_FC_HOLT;
    }
    size_t L = seasonal ? m : (horizon < n / 5 ? horizon : n / 5);
    if (L == 0)
        L = 1;
    size_t h = horizon < L ? horizon : L;
    size_t K = (seasonal && n >= (2 + FC_HOLDOUT_ORIGINS) * m) ? FC_HOLDOUT_ORIGINS : 1;
    double *fc = malloc(h * sizeof *fc), *z = malloc(2 * K * h * sizeof *z);
    if (!fc || !z) {
        free(fc);
        free(z);
        return sa_fail(eb, SA_ERR_NOMEM, "out of memory");
    }
    /* z: [0, K h) the current candidate's standardized errors, [K h, 2 K h)
     * the best one's */
    double best = HUGE_VAL;
    int nomem = 0, used = snprintf(why, whylen,
                                   "auto: holdout MAE (last %zu x %zu points, "
                                   "first %zu scored):",
                                   K, L, h);
    *kind = cand[0];
    for (size_t c = 0; c < nc; c++) {
        double score = 0;
        size_t ok = 0;
        fc_spec first, other;
        /* the most recent origin first; the earlier ones start from its fit */
        for (size_t k = 1; k <= K; k++) {
            double mae =
                holdout_mae(y, n - (k - 1) * L, L, h, cand[c], m, m2, k > 1 ? &first : NULL,
                            k > 1 ? &other : &first, fc, z + (k - 1) * h, &nomem);
            if (!isnan(mae)) {
                score += mae;
                ok++;
            }
        }
        if (ok < K)
            continue;
        score /= (double)K;
        if (used >= 0 && (size_t)used < whylen)
            used += snprintf(why + used, whylen - (size_t)used, " %s %.4g",
                             sa_fc_method_name(cand[c]), score * scale);
        if (score < best) {
            best = score;
            *kind = cand[c];
            *warm = first;
            memcpy(z + K * h, z, K * h * sizeof *z);
        }
    }
    *band = best < HUGE_VAL ? band_factor(z + K * h, K * h, level) : 1;
    free(fc);
    free(z);
    if (nomem)
        return sa_fail(eb, SA_ERR_NOMEM, "out of memory");
    if (used >= 0 && (size_t)used < whylen)
        snprintf(why + used, whylen - (size_t)used,
                 "; chose %s, band x%.2f from its holdout "
                 "errors",
                 sa_fc_method_name(*kind), *band);
    return SA_OK;
}

/* The model of o->method (auto resolved) fitted on clean y. */
static sa_err select_and_fit(const double *y, size_t n, const sa_fc_options *o, size_t horizon,
                             double scale, sa_fc_model **out, sa_errbuf *eb)
{
    size_t m = o->period;
    size_t m2 = o->period2 ? o->period2 : 7 * m;
    char why[SA_FC_WHY_MAX] = "";
    sa_fc_method kind = o->method;
    fc_spec warm;
    int have_warm = 0;
    double band = 1;
    sa_err e = SA_OK;
    if (m == 1)
        m = 0;
    if (m >= 2 && (m2 % m != 0 || m2 <= m))
        return sa_fail(eb, SA_ERR_INVALID,
                       "second period %zu must be a multiple of the "
                       "period %zu",
                       m2, m);
    if (kind == SA_FC_AUTO) {
        e = choose_auto(y, n, m, m2, horizon, o->level, scale, &kind, &warm, &band, why, sizeof why,
                        eb);
        if (e != SA_OK)
            return e;
        have_warm = 1;
    } else if (kind == SA_FC_MULTIPLICATIVE && !all_positive(y, n)) {
        kind = SA_FC_ADDITIVE;
        snprintf(why, sizeof why, "multiplicative seasonality needs values > 0: additive used");
    } else {
        snprintf(why, sizeof why, "%s as requested", sa_fc_method_name(kind));
    }
    int seasonal = kind != SA_FC_SES && kind != SA_FC_HOLT;
    if (seasonal && m < 2)
        return sa_fail(eb, SA_ERR_INVALID,
                       "method %s needs a seasonal period (none given or "
                       "detected)",
                       sa_fc_method_name(kind));
    size_t need = fc_min_points(kind, m, m2);
    if (n < need)
        return sa_fail(eb, SA_ERR_INVALID, "method %s needs at least %zu values, got %zu",
                       sa_fc_method_name(kind), need, n);
    int rc = fit_one(y, n, kind, m, m2, have_warm ? &warm : NULL, out);
    if (rc == -2)
        return sa_fail(eb, SA_ERR_NOMEM, "out of memory");
    if (rc != 0)
        return sa_fail(eb, SA_ERR_INVALID, "method %s cannot be fitted to this series",
                       sa_fc_method_name(kind));
    if ((*out)->shift_at) {
        size_t len = strlen(why);
        snprintf(why + len, sizeof why - len, "; level shift at value %zu: level re-anchored",
                 (*out)->shift_at);
    }
    snprintf((*out)->why, sizeof(*out)->why, "%s", why);
    (*out)->band = band;
    return SA_OK;
}

static sa_err check_options(const sa_fc_options *o, sa_errbuf *eb)
{
    if (!o)
        return sa_fail(eb, SA_ERR_INVALID, "no options");
    if ((size_t)o->method > SA_FC_SNAIVE)
        return sa_fail(eb, SA_ERR_INVALID, "unknown method %d", (int)o->method);
    if (!(o->level > 0 && o->level < 1))
        return sa_fail(eb, SA_ERR_INVALID, "interval level %g is not in (0,1)", o->level);
    return SA_OK;
}

/* A detected period within 5 % of a day or a week of samples is that
 * calendar period exactly (load follows the clock; the ACF peak of an
 * irregular daily shape can sit a few samples off). */
static size_t calendar_snap(size_t p, double step)
{
    static const double cycles[] = {86400.0, 7 * 86400.0};
    for (size_t i = 0; p && step > 0 && i < 2; i++) {
        double c = cycles[i] / step;
        if (c >= 2 && fabs(c - round(c)) < 1e-9 && fabs((double)p - c) <= 0.05 * c)
            return (size_t)c;
    }
    return p;
}

/* Detect the period when not given: lags [2, min(n/3, 3000)] on at most
 * the last 12000 values (the ACF costs n * lags). */
static size_t period_of(const double *y, size_t n, const sa_fc_options *o)
{
    if (o->period)
        return o->period;
    size_t use = n < 12000 ? n : 12000, maxp = use / 3 < 3000 ? use / 3 : 3000;
    size_t p = maxp >= 2 ? sa_fc_detect_period(y + n - use, use, 2, maxp) : 0;
    return calendar_snap(p, o->step_s);
}

static sa_err fit_clean(const double *y, size_t n, const sa_fc_options *o, size_t horizon,
                        sa_fc_model **out, sa_errbuf *eb)
{
    sa_err e = check_options(o, eb);
    double *clean = NULL;
    size_t filled = 0;
    *out = NULL;
    if (e != SA_OK)
        return e;
    if (!y || n == 0)
        return sa_fail(eb, SA_ERR_INVALID, "empty series");
    clean = malloc(n * sizeof *clean);
    if (!clean)
        return sa_fail(eb, SA_ERR_NOMEM, "out of memory");
    e = clean_input(y, n, clean, &filled, eb);
    if (e != SA_OK)
        goto out;
    /* fit in units of max |y|: squares never overflow, whatever the unit */
    double scale = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(clean[i]));
    if (!(scale > 0) || !isfinite(scale))
        scale = 1;
    for (size_t i = 0; i < n; i++)
        clean[i] /= scale;
    sa_fc_options eff = *o;
    eff.period = period_of(clean, n, o);
    e = select_and_fit(clean, n, &eff, horizon, scale, out, eb);
    if (e != SA_OK)
        goto out;
    (*out)->n_filled = filled;
    (*out)->scale = scale;
out:
    free(clean);
    return e;
}

sa_err sa_fc_model_fit(const double *y, size_t n, const sa_fc_options *o, sa_fc_model **out,
                       sa_errbuf *eb)
{
    size_t h = o && o->period ? o->period : 1;
    if (o && o->horizon > 1)
        h = o->horizon;
    return fit_clean(y, n, o, h, out, eb);
}

void sa_fc_model_update(sa_fc_model *m, double y)
{
    if (!m)
        return;
    if (isinf(y))
        y = NAN;
    y /= m->scale;
    double f = fc_step(&m->sp, &m->st, y);
    if (!isnan(y)) {
        /* memory of about one season (at least 24 samples) */
        double lambda = 1.0 / (double)(m->sp.m > 24 ? m->sp.m : 24);
        double e = m->rel ? (fabs(f) > 0 ? (y - f) / f : 0) : y - f;
        m->err2 += lambda * (e * e - m->err2);
    }
    m->updates++;
}

void sa_fc_model_forecast(const sa_fc_model *m, size_t h, double level, double *mean, double *lower,
                          double *upper)
{
    if (!m || h == 0)
        return;
    fc_point(&m->sp, &m->st, h, mean);
    if (!(level > 0 && level < 1))
        level = 0.95;
    double z = fc_qnorm(0.5 + level / 2), k = m->scale;
    /* the sd factors go into lower (or upper) first, then the bounds */
    double *fac = lower ? lower : upper;
    if (fac)
        fc_sd_factor(&m->sp, h, fac);
    for (size_t j = 0; j < h; j++) {
        double half = fac ? z * m->sigma * m->band * fac[j] * (m->rel ? fabs(mean[j]) : 1) : 0;
        if (lower)
            lower[j] = (mean[j] - half) * k;
        if (upper)
            upper[j] = (mean[j] + half) * k;
        mean[j] *= k;
    }
}

void sa_fc_model_describe(const sa_fc_model *m, sa_fc_result *out)
{
    memset(out, 0, sizeof *out);
    if (!m)
        return;
    const fc_spec *sp = &m->sp;
    out->method = sp->kind;
    out->period = sp->m;
    out->alpha = sp->kind == SA_FC_SNAIVE ? NAN : sp->alpha;
    out->beta = (sp->kind == SA_FC_HOLT || sp->kind == SA_FC_ADDITIVE || sp->kind == SA_FC_DAMPED ||
                 sp->kind == SA_FC_MULTIPLICATIVE)
                    ? sp->beta
                    : NAN;
    out->gamma = (sp->kind == SA_FC_SES || sp->kind == SA_FC_HOLT || sp->kind == SA_FC_SNAIVE)
                     ? NAN
                     : sp->gamma;
    out->phi = sp->kind == SA_FC_DAMPED ? sp->phi : NAN;
    out->sigma = m->rel ? m->sigma : m->sigma * m->scale;
    out->updates = m->updates;
    double rms = sqrt(m->err2);
    out->drift = m->sigma > 0 ? rms / m->sigma : (rms > 0 ? HUGE_VAL : 1);
    out->n_filled = m->n_filled;
    snprintf(out->why, sizeof out->why, "%s", m->why);
}

sa_err sa_forecast_run(const double *y, size_t n, const sa_fc_options *o, sa_fc_result *out,
                       sa_errbuf *eb)
{
    sa_fc_model *mod = NULL;
    memset(out, 0, sizeof *out);
    if (o && (o->horizon == 0 || o->horizon > 1000000))
        return sa_fail(eb, SA_ERR_INVALID, "horizon %zu is not in [1, 1000000]", o->horizon);
    sa_err e = fit_clean(y, n, o, o ? o->horizon : 1, &mod, eb);
    if (e != SA_OK)
        return e;
    sa_fc_model_describe(mod, out);
    out->horizon = o->horizon;
    out->mean = malloc(o->horizon * sizeof *out->mean);
    out->lower = malloc(o->horizon * sizeof *out->lower);
    out->upper = malloc(o->horizon * sizeof *out->upper);
    if (!out->mean || !out->lower || !out->upper) {
        sa_fc_result_release(out);
        e = sa_fail(eb, SA_ERR_NOMEM, "out of memory");
        goto out;
    }
    sa_fc_model_forecast(mod, o->horizon, o->level, out->mean, out->lower, out->upper);
out:
    model_free(mod);
    return e;
}

/* Autocorrelation of d (mean 0) at lag k, over the sum of squares v. */
static double acf_at(const double *d, size_t n, double v, size_t k)
{
    double s = 0;
    for (size_t i = k; i < n; i++)
        s += d[i] * d[i - k];
    return s / v;
}

/* r[k] for k in [1, kmax] of y with its least-squares line removed (a
 * trend would make every early lag look best); d is scratch [n]. Returns
 * 0 when y is constant. */
static int acf_detrended(const double *y, size_t n, size_t kmax, double *d, double *r)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0, v = 0;
    for (size_t i = 0; i < n; i++) {
        double x = (double)i;
        sx += x;
        sy += y[i];
        sxx += x * x;
        sxy += x * y[i];
    }
    double N = (double)n, den = N * sxx - sx * sx;
    double b = den > 0 ? (N * sxy - sx * sy) / den : 0, a = (sy - b * sx) / N;
    for (size_t i = 0; i < n; i++) {
        d[i] = y[i] - a - b * (double)i;
        v += d[i] * d[i];
    }
    if (!(v > 1e-300 * N))
        return 0;
    for (size_t k = 1; k <= kmax; k++)
        r[k] = acf_at(d, n, v, k);
    return 1;
}

size_t sa_fc_detect_period(const double *y, size_t n, size_t min_p, size_t max_p)
{
    if (!y || n < 8 || min_p < 2)
        return 0;
    if (max_p > n / 2)
        max_p = n / 2;
    if (max_p < min_p)
        return 0;
    size_t kmax = max_p + max_p / 10 + 2 < n - 1 ? max_p + max_p / 10 + 2 : n - 1, best = 0;
    double *d = malloc(n * sizeof *d), *r = malloc((kmax + 1) * sizeof *r), top = 0;
    if (!d || !r || !acf_detrended(y, n, kmax, d, r))
        goto out;
    /* A peak: the highest ACF within +-max(2, k/10) lags, above 0.2 and the
     * significance bound; its prominence is its rise over the lowest value
     * in [k/2, k] (a season swings from -a to a; short-lag persistence only
     * wiggles). The first peak with at least 0.1 and 80 % of the largest
     * prominence is the fundamental period (its multiples peak too). */
    double bound = fmax(0.2, 3 / sqrt((double)n)), prom[64];
    size_t cand[64], nc = 0;
    for (size_t k = min_p; k <= max_p && nc < 64; k++) {
        size_t w = k / 10 > 2 ? k / 10 : 2, lo = k > w ? k - w : 1;
        size_t hi = k + w < kmax ? k + w : kmax;
        int peak = r[k] > bound;
        double low = r[k];
        for (size_t j = lo; peak && j <= hi; j++)
            peak = j == k || r[j] < r[k] || (r[j] <= r[k] && j > k);
        for (size_t j = k / 2 > 0 ? k / 2 : 1; peak && j < k; j++)
            low = fmin(low, r[j]);
        if (peak && r[k] - low >= 0.1) {
            prom[nc] = r[k] - low;
            cand[nc++] = k;
            top = fmax(top, r[k] - low);
        }
    }
    for (size_t i = 0; i < nc && !best; i++)
        if (prom[i] >= 0.8 * top)
            best = cand[i];
out:
    free(d);
    free(r);
    return best;
}
