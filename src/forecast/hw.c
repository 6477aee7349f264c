/*
 * hw.c - the exponential smoothing recursions (Holt-Winters additive,
 * multiplicative, damped, double seasonal; Holt; SES; seasonal naive), their
 * start values from a classical decomposition, point forecasts and the
 * variance multipliers of the prediction intervals. No allocation here.
 */
#include <math.h>
#include <string.h>

#include "fc_int.h"
#include "scaleadvisor/banned.h"

size_t fc_nparams(sa_fc_method kind)
{
    switch (kind) {
    case SA_FC_ADDITIVE:
    case SA_FC_MULTIPLICATIVE:
    case SA_FC_DOUBLE:
        return 3;
    case SA_FC_DAMPED:
        return 4;
    case SA_FC_HOLT:
        return 2;
    case SA_FC_SES:
        return 1;
    default:
        return 0;
    }
}

size_t fc_min_points(sa_fc_method kind, size_t m, size_t m2)
{
    switch (kind) {
    case SA_FC_SES:
        return 3;
    case SA_FC_HOLT:
        return 4;
    case SA_FC_SNAIVE:
        return m;
    case SA_FC_DOUBLE:
        return m2 + m; /* every position of the long season seen once */
    default:
        return 2 * m;
    }
}

/* Centred moving average of y over window m into tr[p] for p in
 * [lo, hi); returns lo and sets *hi. R's decompose() filter. */
static size_t trend_ma(const double *y, size_t n, size_t m, double *tr, size_t *hi)
{
    size_t half = m / 2, lo = half;
    double sum = 0;
    if (m % 2 == 0) {
        /* weights 0.5, 1..1, 0.5 over m + 1 points */
        *hi = n - half;
        for (size_t k = 0; k <= m; k++)
            sum += y[k];
        for (size_t p = lo; p < *hi; p++) {
            tr[p] = (sum - 0.5 * y[p - half] - 0.5 * y[p + half]) / (double)m;
            if (p + half + 1 < n)
                sum += y[p + half + 1] - y[p - half];
        }
    } else {
        *hi = n - half;
        for (size_t k = 0; k < m; k++)
            sum += y[k];
        for (size_t p = lo; p < *hi; p++) {
            tr[p] = sum / (double)m;
            if (p + half + 1 < n)
                sum += y[p + half + 1] - y[p - half];
        }
    }
    return lo;
}

/* Seasonal figure of period P from y[p] - tr[p] (or the ratio) over the
 * defined p, centred (mean 0, or mean 1 when mult). */
static void season_fig(const double *y, const double *tr, size_t lo, size_t hi, size_t P, int mult,
                       double *fig, double *cnt)
{
    for (size_t i = 0; i < P; i++)
        fig[i] = cnt[i] = 0;
    for (size_t p = lo; p < hi; p++) {
        double d = mult ? y[p] / tr[p] : y[p] - tr[p];
        fig[p % P] += d;
        cnt[p % P] += 1;
    }
    double mean = 0;
    for (size_t i = 0; i < P; i++) {
        fig[i] = cnt[i] > 0 ? fig[i] / cnt[i] : (mult ? 1 : 0);
        mean += fig[i];
    }
    mean /= (double)P;
    for (size_t i = 0; i < P; i++)
        fig[i] = mult ? (mean > 0 ? fig[i] / mean : 1) : fig[i] - mean;
}

/* Least-squares line c0 + c1*j through tr[lo..hi-1] at j = 1..k. */
static void trend_line(const double *tr, size_t lo, size_t hi, double *c0, double *c1)
{
    double k = (double)(hi - lo), sj = 0, st = 0, sjj = 0, sjt = 0;
    for (size_t p = lo; p < hi; p++) {
        double j = (double)(p - lo + 1);
        sj += j;
        st += tr[p];
        sjj += j * j;
        sjt += j * tr[p];
    }
    double den = k * sjj - sj * sj;
    *c1 = den > 0 ? (k * sjt - sj * st) / den : 0;
    *c0 = (st - *c1 * sj) / k;
}

static int init_nonseasonal(const fc_spec *sp, const double *y, size_t n, fc_state *st)
{
    if (n < fc_min_points(sp->kind, 0, 0))
        return -1;
    st->b = 0;
    if (sp->kind == SA_FC_HOLT) {
        size_t k = n - 1 < 10 ? n - 1 : 10;
        st->b = (y[k] - y[0]) / (double)k;
    }
    st->l = y[0] - st->b;
    st->pos = st->pos2 = 0;
    return 0;
}

/* Start values of the double seasonal model from day means: D_k the mean
 * of day k (m samples), s the mean intra-day shape y - D, the weekly term
 * the day-of-week effect of D plus the mean remaining intra-day shape at
 * each position of the long season; the level is the first long season's
 * mean. Uses the first min(n, 2 m2) samples (at least m2 + m). */
static void init_double(const fc_spec *sp, const double *y, size_t n, fc_state *st, double *scratch)
{
    size_t m = sp->m, m2 = sp->m2, days = (n < 2 * m2 ? n : 2 * m2) / m, dpw = m2 / m;
    double *D = scratch, *cnt = scratch + days, lev = 0, mean = 0;
    for (size_t k = 0; k < days; k++) {
        D[k] = 0;
        for (size_t i = 0; i < m; i++)
            D[k] += y[k * m + i];
        D[k] /= (double)m;
    }
    for (size_t k = 0; k < dpw; k++)
        lev += D[k] / (double)dpw;
    for (size_t i = 0; i < m; i++) {
        st->s[i] = 0;
        for (size_t k = 0; k < days; k++)
            st->s[i] += (y[k * m + i] - D[k]) / (double)days;
    }
    for (size_t p = 0; p < m2; p++)
        st->s2[p] = cnt[p] = 0;
    for (size_t q = 0; q < days * m; q++) {
        size_t p = q % m2;
        st->s2[p] += y[q] - lev - st->s[q % m];
        cnt[p] += 1;
    }
    for (size_t p = 0; p < m2; p++) {
        st->s2[p] = cnt[p] > 0 ? st->s2[p] / cnt[p] : 0;
        mean += st->s2[p] / (double)m2;
    }
    for (size_t p = 0; p < m2; p++)
        st->s2[p] -= mean;
    st->l = lev + mean;
    st->b = 0;
}

size_t fc_scratch_size(const fc_spec *sp)
{
    size_t P = sp->kind == SA_FC_DOUBLE ? sp->m2 : sp->m;
    return 3 * P + 1; /* double: days + m2 <= 3 m2 */
}

int fc_init_state(const fc_spec *sp, const double *y, size_t n, int r_mode, fc_state *st,
                  double *scratch)
{
    if (sp->kind == SA_FC_SES || sp->kind == SA_FC_HOLT)
        return init_nonseasonal(sp, y, n, st);
    size_t m = sp->m;
    if (m < 2 || n < fc_min_points(sp->kind, m, sp->m2))
        return -1;
    st->l = st->b = 0;
    st->pos = st->pos2 = 0;
    if (sp->kind == SA_FC_SNAIVE) {
        memcpy(st->s, y, m * sizeof *y);
        return 0;
    }
    int mult = sp->kind == SA_FC_MULTIPLICATIVE;
    if (mult)
        for (size_t i = 0; i < n; i++)
            if (!(y[i] > 0))
                return -1;
    if (sp->kind == SA_FC_DOUBLE) {
        init_double(sp, y, n, st, scratch);
        return 0;
    }
    size_t nd = 2 * m, hi;
    double *tr = scratch, *cnt = scratch + nd;
    size_t lo = trend_ma(y, nd, m, tr, &hi);
    season_fig(y, tr, lo, hi, m, mult, st->s, cnt);
    double c0, c1;
    trend_line(tr, lo, hi, &c0, &c1);
    if (r_mode) {
        st->l = c0;
        st->b = c1;
    } else {
        /* line at index -1 (j = -lo), so that index 0 is forecast as l + b */
        st->l = c0 - c1 * (double)lo;
        st->b = c1;
    }
    return 0;
}

double fc_step(const fc_spec *sp, fc_state *st, double x)
{
    double a = sp->alpha, xhat, l = st->l, b = st->b, nl, S;
    switch (sp->kind) {
    case SA_FC_SES:
        xhat = l;
        if (isnan(x))
            x = xhat;
        st->l = a * x + (1 - a) * l;
        return xhat;
    case SA_FC_HOLT:
        xhat = l + b;
        if (isnan(x))
            x = xhat;
        nl = a * x + (1 - a) * (l + b);
        st->b = sp->beta * (nl - l) + (1 - sp->beta) * b;
        st->l = nl;
        return xhat;
    case SA_FC_SNAIVE:
        xhat = st->s[st->pos];
        st->s[st->pos] = isnan(x) ? xhat : x;
        break;
    case SA_FC_MULTIPLICATIVE:
        S = st->s[st->pos];
        xhat = (l + b) * S;
        if (isnan(x))
            x = xhat;
        nl = S > 1e-12 ? a * x / S + (1 - a) * (l + b) : l + b;
        st->b = sp->beta * (nl - l) + (1 - sp->beta) * b;
        st->l = nl;
        if (nl > 1e-12)
            st->s[st->pos] = sp->gamma * x / nl + (1 - sp->gamma) * S;
        break;
    case SA_FC_DOUBLE: {
        double S2 = st->s2[st->pos2];
        S = st->s[st->pos];
        xhat = l + S + S2;
        if (isnan(x))
            x = xhat;
        nl = a * (x - S - S2) + (1 - a) * l;
        st->l = nl;
        st->s[st->pos] = sp->gamma * (x - nl - S2) + (1 - sp->gamma) * S;
        st->s2[st->pos2] = sp->omega * (x - nl - S) + (1 - sp->omega) * S2;
        if (++st->pos2 == sp->m2)
            st->pos2 = 0;
        break;
    }
    default: { /* additive, damped */
        double pb = sp->phi * b;
        S = st->s[st->pos];
        xhat = l + pb + S;
        if (isnan(x))
            x = xhat;
        nl = a * (x - S) + (1 - a) * (l + pb);
        st->b = sp->beta * (nl - l) + (1 - sp->beta) * pb;
        st->l = nl;
        st->s[st->pos] = sp->gamma * (x - nl) + (1 - sp->gamma) * S;
        break;
    }
    }
    if (++st->pos == sp->m)
        st->pos = 0;
    return xhat;
}

void fc_point(const fc_spec *sp, const fc_state *st, size_t h, double *mean)
{
    size_t p = st->pos, p2 = st->pos2;
    double damp = 0, phik = 1;
    for (size_t j = 1; j <= h; j++) {
        double S = sp->m ? st->s[p] : 0, f;
        phik *= sp->phi;
        damp += phik;
        switch (sp->kind) {
        case SA_FC_SES:
            f = st->l;
            break;
        case SA_FC_HOLT:
            f = st->l + (double)j * st->b;
            break;
        case SA_FC_SNAIVE:
            f = S;
            break;
        case SA_FC_MULTIPLICATIVE:
            f = (st->l + (double)j * st->b) * S;
            break;
        case SA_FC_DOUBLE:
            f = st->l + S + st->s2[p2];
            if (++p2 == sp->m2)
                p2 = 0;
            break;
        case SA_FC_DAMPED:
            f = st->l + damp * st->b + S;
            break;
        default:
            f = st->l + (double)j * st->b + S;
            break;
        }
        mean[j - 1] = f;
        if (sp->m && ++p == sp->m)
            p = 0;
    }
}

void fc_sd_factor(const fc_spec *sp, size_t h, double *out)
{
    double acc = 1, a = sp->alpha, damp = 0, phik = 1;
    for (size_t j = 1; j <= h; j++) {
        if (sp->kind == SA_FC_SNAIVE) {
            out[j - 1] = sqrt((double)((j - 1) / sp->m + 1));
            continue;
        }
        out[j - 1] = sqrt(acc);
        /* psi_u for u = j, used from step j + 1 on */
        double u = (double)j, psi;
        phik *= sp->phi;
        damp += phik;
        int seas = sp->m && j % sp->m == 0;
        switch (sp->kind) {
        case SA_FC_SES:
            psi = a;
            break;
        case SA_FC_HOLT:
            psi = a * (1 + u * sp->beta);
            break;
        case SA_FC_DOUBLE:
            psi =
                a + (seas ? sp->gamma * (1 - a) : 0) + (j % sp->m2 == 0 ? sp->omega * (1 - a) : 0);
            break;
        case SA_FC_DAMPED:
            psi = a * (1 + sp->beta * damp) + (seas ? sp->gamma * (1 - a) : 0);
            break;
        default:
            psi = a * (1 + u * sp->beta) + (seas ? sp->gamma * (1 - a) : 0);
            break;
        }
        acc += psi * psi;
    }
}

void fc_state_copy(const fc_spec *sp, fc_state *dst, const fc_state *src)
{
    dst->l = src->l;
    dst->b = src->b;
    dst->pos = src->pos;
    dst->pos2 = src->pos2;
    if (sp->m)
        memcpy(dst->s, src->s, sp->m * sizeof *dst->s);
    if (sp->m2)
        memcpy(dst->s2, src->s2, sp->m2 * sizeof *dst->s2);
}

/* Acklam's rational approximation of the normal quantile, refined by one
 * Halley step on erfc (|error| < 1e-12). */
double fc_qnorm(double p)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    double q, r, x;
    if (p <= 0)
        return -INFINITY;
    if (p >= 1)
        return INFINITY;
    if (p < 0.02425) {
        q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - 0.02425) {
        q = p - 0.5;
        r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        q = sqrt(-2 * log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    double e = 0.5 * erfc(-x / sqrt(2)) - p;
    double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

/* The fitting loops: the recursions of fc_step in error-correction form
 * (l' = l + b + alpha e, ...), specialised per kind so that the loop-carried
 * dependency is two floating-point operations deep. Input is clean. */
static double sse_additive(const fc_spec *sp, fc_state *st, const double *y, size_t i, size_t n)
{
    /* carried: u = l + phi b (the next non-seasonal forecast), pb = phi b */
    const double a = sp->alpha, phi = sp->phi, ab = a * sp->beta;
    const double c1 = a + phi * ab, c2 = phi * ab, ga = sp->gamma * (1 - a);
    double pb = phi * st->b, u = st->l + pb, sse = 0, *s = st->s;
    size_t p = st->pos, m = sp->m;
    for (; i < n; i++) {
        double S = s[p], e = (y[i] - S) - u, v = u + phi * pb;
        sse += e * e;
        u = v + c1 * e;
        pb = phi * pb + c2 * e;
        s[p] = S + ga * e;
        if (++p == m)
            p = 0;
    }
    st->l = u - pb;
    st->b = pb / phi;
    st->pos = p;
    return sse;
}

static double sse_mult(const fc_spec *sp, fc_state *st, const double *y, size_t i, size_t n)
{
    const double a = sp->alpha, ab = sp->alpha * sp->beta, g = sp->gamma;
    double u = st->l + st->b, b = st->b, sse = 0, *s = st->s;
    size_t p = st->pos, m = sp->m;
    for (; i < n; i++) {
        double S = s[p], inv = S > 1e-12 ? 1 / S : 0, e = y[i] - u * S;
        sse += e * e;
        double l = u + a * inv * e;
        b = b + ab * inv * e;
        u = l + b;
        if (l > 1e-12)
            s[p] = g * y[i] / l + (1 - g) * S;
        if (++p == m)
            p = 0;
    }
    st->l = u - b;
    st->b = b;
    st->pos = p;
    return sse;
}

static double sse_double(const fc_spec *sp, fc_state *st, const double *y, size_t i, size_t n)
{
    const double a = sp->alpha, ga = sp->gamma * (1 - a), wa = sp->omega * (1 - a);
    double l = st->l, sse = 0, *s = st->s, *s2 = st->s2;
    size_t p = st->pos, p2 = st->pos2, m = sp->m, m2 = sp->m2;
    for (; i < n; i++) {
        double S = s[p], S2 = s2[p2], e = (y[i] - S - S2) - l;
        sse += e * e;
        l += a * e;
        s[p] = S + ga * e;
        s2[p2] = S2 + wa * e;
        if (++p == m)
            p = 0;
        if (++p2 == m2)
            p2 = 0;
    }
    st->l = l;
    st->pos = p;
    st->pos2 = p2;
    return sse;
}

double fc_sse_run(const fc_spec *sp, fc_state *st, const double *y, size_t start, size_t n)
{
    double sse = 0;
    switch (sp->kind) {
    case SA_FC_ADDITIVE:
    case SA_FC_DAMPED:
        return sse_additive(sp, st, y, start, n);
    case SA_FC_MULTIPLICATIVE:
        return sse_mult(sp, st, y, start, n);
    case SA_FC_DOUBLE:
        return sse_double(sp, st, y, start, n);
    default:
        for (size_t i = start; i < n; i++) {
            double e = y[i] - fc_step(sp, st, y[i]);
            sse += e * e;
        }
        return sse;
    }
}
