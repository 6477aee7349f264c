/*
 * predict.c - the predictive policy's memory: the demand history, eight
 * simple forecasters and Holt-Winters (hw.c), and rings of their recent
 * errors per horizon (every one's next-sample errors, the farther ones of
 * the chosen forecaster and of Holt-Winters).
 * Every 12 samples the forecaster, error scaling and quantile level whose
 * capacity above the load plus misses would have cost least is chosen;
 * that quantile of its errors becomes the headroom. Pure: no I/O.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predict_int.h"
#include "scaleadvisor/banned.h"

#define CHOOSE_EVERY 12 /* samples between re-choosing the forecaster */
#define MIN_SCORED 24   /* scored samples before the forecast can be trusted */
#define MIN_LEVEL_N 96  /* scored samples before the level is chosen by cost */
#define LEVEL_LO 0.9    /* range of the level chosen by cost */
#define LEVEL_HI 0.9995
#define REL_FLOOR 1.0 /* relative errors are taken against max(forecast, 1 replica) */

void sa_predict_params_init(sa_predict_params *p)
{
    memset(p, 0, sizeof *p);
    p->sample_s = 60.0;
    p->interval_s = 60.0;
    p->startup_s = 120.0;
    p->period = 0;
    p->risk = 0.993;
    p->miss_cost_rh = 16.0;
    p->min_accuracy = 0.0;
    p->error_window_s = 7.0 * 86400.0;
    p->down_horizon_s = 600.0;
    p->down_tolerance = 0.1;
    p->target_utilization = 0.7;
    p->downscale_window_s = 300.0;
    p->min_replicas = 1;
    p->max_replicas = 100;
    p->unit_per_replica = 1.0;
    p->holt_winters = true;
}

static sa_err check_params(const sa_predict_params *p, sa_errbuf *eb)
{
    if (!(p->sample_s > 0.0) || !isfinite(p->sample_s))
        return sa_fail(eb, SA_ERR_INVALID, "predictor: sample_s must be > 0");
    if (!(p->interval_s > 0.0) || !isfinite(p->interval_s))
        return sa_fail(eb, SA_ERR_INVALID, "predictor: interval_s must be > 0");
    if (!(p->startup_s >= 0.0) || !isfinite(p->startup_s))
        return sa_fail(eb, SA_ERR_INVALID, "predictor: startup_s must be >= 0");
    if (!(p->risk >= 0.5 && p->risk <= 0.9999))
        return sa_fail(eb, SA_ERR_INVALID, "predictor: risk must be in [0.5, 0.9999]");
    if (!(p->miss_cost_rh >= 0.0) || !isfinite(p->miss_cost_rh))
        return sa_fail(eb, SA_ERR_INVALID, "predictor: miss_cost_rh must be >= 0");
    if (!(p->min_accuracy >= 0.0 && p->min_accuracy <= 1.0))
        return sa_fail(eb, SA_ERR_INVALID, "predictor: min_accuracy must be in [0, 1]");
    if (!(p->target_utilization > 0.0 && p->target_utilization <= 1.0))
        return sa_fail(eb, SA_ERR_INVALID, "predictor: target_utilization must be in (0, 1]");
    if (!(p->downscale_window_s >= 0.0) || !isfinite(p->downscale_window_s))
        return sa_fail(eb, SA_ERR_INVALID, "predictor: downscale_window_s must be >= 0");
    if (p->min_replicas < 1 || p->max_replicas < p->min_replicas)
        return sa_fail(eb, SA_ERR_INVALID, "predictor: need 1 <= min_replicas <= max_replicas");
    if (!(p->error_window_s > 0.0) || !isfinite(p->error_window_s))
        return sa_fail(eb, SA_ERR_INVALID, "predictor: error_window_s must be > 0");
    if (!(p->down_horizon_s >= 0.0) || !isfinite(p->down_horizon_s))
        return sa_fail(eb, SA_ERR_INVALID, "predictor: down_horizon_s must be >= 0");
    if (!(p->down_tolerance >= 0.0 && p->down_tolerance < 1.0))
        return sa_fail(eb, SA_ERR_INVALID, "predictor: down_tolerance must be in [0, 1)");
    if (p->period > 100000)
        return sa_fail(eb, SA_ERR_INVALID, "predictor: period %zu too long", p->period);
    if (!(p->unit_per_replica > 0.0) || !isfinite(p->unit_per_replica))
        return sa_fail(eb, SA_ERR_INVALID, "predictor: unit_per_replica must be > 0");
    return SA_OK;
}

void sa_predictor_destroy(sa_predictor *p)
{
    if (!p)
        return;
    for (size_t h = 0; h < PR_HMAX; h++) {
        for (int c = 0; c < PR_NCAND; c++) {
            free(p->errs[c][h].err);
            free(p->errs[c][h].fc);
        }
        free(p->far[h].err);
        free(p->far[h].fc);
    }
    pr_hw_release(&p->hw);
    free(p->y);
    free(p->real);
    free(p->covered);
    free(p->scratch);
    free(p);
}

/* An empty ring of cap errors; 0 when out of memory (freed with the
 * predictor either way). */
static int errs_alloc(pr_errs *r, size_t cap)
{
    r->cap = cap;
    r->err = malloc(cap * sizeof *r->err);
    r->fc = malloc(cap * sizeof *r->fc);
    return r->err && r->fc;
}

sa_err sa_predictor_create(const sa_predict_params *prm, sa_predictor **out, sa_errbuf *eb)
{
    sa_predictor *p = NULL;
    sa_err e = check_params(prm, eb);
    if (e != SA_OK)
        goto out;
    p = calloc(1, sizeof *p);
    if (!p) {
        e = sa_fail(eb, SA_ERR_NOMEM, "predictor: out of memory");
        goto out;
    }
    p->p = *prm;
    p->p.unit[SA_PREDICT_UNIT_MAX - 1] = '\0';
    p->p.metric[sizeof p->p.metric - 1] = '\0';
    /* the error window: a week by default (the tails of a day's errors are
     * a handful of samples), at least 48 samples */
    double win = prm->error_window_s / prm->sample_s;
    p->window = win < 48.0 ? 48 : win > (double)PR_WINDOW_MAX ? PR_WINDOW_MAX : (size_t)win;
    /* horizons: through start-up + interval + the scale-down horizon, and
     * at least two samples (the next one wholly) */
    double hs =
        ceil((prm->startup_s + prm->interval_s + prm->down_horizon_s) / prm->sample_s) + 1.0;
    if (hs < 2.0)
        hs = 2.0;
    p->hmax = hs > (double)PR_HMAX ? PR_HMAX : hs < 1.0 ? 1 : (size_t)hs;
    size_t look = 7 * prm->period, fit = pr_hw_fit_len(prm);
    if (look > PR_LOOK_MAX)
        look = prm->period; /* no weekly candidates (PR_LOOK_MAX) */
    p->reach = (fit > look ? fit : look) + p->hmax + 4;
    p->keep = p->reach + p->window + 8; /* + 8: the weighted mean's look-back */
    p->ycap = 2 * p->keep + 16;
    p->y = malloc(p->ycap * sizeof *p->y);
    p->real = malloc(p->ycap);
    p->scratch = malloc(p->window * sizeof *p->scratch);
    p->covered = malloc(p->window);
    p->last_t = NAN;
    p->accuracy = NAN;
    p->level = prm->risk;
    p->far_c = -1;
    p->startup_cfg = prm->startup_s;
    p->miss_cost_cfg = prm->miss_cost_rh;
    if (!p->y || !p->real || !p->scratch || !p->covered) {
        e = sa_fail(eb, SA_ERR_NOMEM, "predictor: out of memory");
        goto out;
    }
    /* every candidate's next-sample errors; the farther ones for the
     * chosen candidate (far) and for Holt-Winters when it runs */
    for (size_t h = 0; h < p->hmax; h++) {
        int ok = 1;
        for (int c = 0; c < PR_NCAND; c++)
            if (h == 0 || (c == PR_HW && fit > 0))
                ok &= errs_alloc(&p->errs[c][h], p->window);
        if (h > 0)
            ok &= errs_alloc(&p->far[h], p->window);
        if (!ok) {
            e = sa_fail(eb, SA_ERR_NOMEM, "predictor: out of memory");
            goto out;
        }
    }
    sa_hpa_state_init(&p->hpa);
    *out = p;
    p = NULL;
out:
    sa_predictor_destroy(p);
    return e;
}

size_t sa_predictor_count(const sa_predictor *p)
{
    return p->count;
}

double sa_predictor_accuracy(const sa_predictor *p)
{
    return p->accuracy;
}

/* Forecast of candidate c made at history index o (the newest sample then)
 * for o + h. The seasonal ones move the newest value by last season's
 * change from the same phase to the target phase: added (seasonal, half of
 * it for the blend, a week back for weekly) or as a ratio. Without a full
 * season of history they give NaN (not available). */
static double med3(double a, double b, double c)
{
    return fmax(fmin(a, b), fmin(fmax(a, b), c));
}

static double fc_at(const sa_predictor *p, int c, size_t o, size_t h)
{
    double base = p->y[o];
    if (c == PR_HW) /* as made at that origin (absolute index) */
        return pr_hw_at(p, p->count - p->ny + o, h);
    if (c == PR_MEDIAN3)
        return o >= 2 ? med3(base, p->y[o - 1], p->y[o - 2]) : NAN;
    if (c == PR_EWMA) {
        if (o < 7)
            return NAN;
        double s = 0.0, w = 1.0, ws = 0.0;
        for (size_t k = 0; k < 8; k++, w *= 0.7) {
            s += w * p->y[o - k];
            ws += w;
        }
        return s / ws;
    }
    if (c == PR_ENSEMBLE) {
        double s = fc_at(p, PR_SEASONAL, o, h), w = fc_at(p, PR_WEEKLY, o, h);
        return isnan(s) || isnan(w) ? NAN : med3(base, s, w);
    }
    size_t per = c == PR_WEEKLY ? 7 * p->p.period : p->p.period;
    if (c == PR_NAIVE)
        return base;
    if (per == 0 || o < per || h > per)
        return NAN; /* not available yet: neither scored nor chosen */
    double then = p->y[o - per], later = p->y[o + h - per], f;
    if (c == PR_SEASONAL_MUL)
        f = then > REL_FLOOR ? base * later / then : base + later - then;
    else
        f = base + (c == PR_BLEND ? 0.5 : 1.0) * (later - then);
    return f > 0.0 ? f : 0.0;
}

double pr_forecast(const sa_predictor *p, int c, size_t h)
{
    double f = fc_at(p, c, p->ny - 1, h);
    return isnan(f) ? p->y[p->ny - 1] : f;
}

static void errs_push(pr_errs *r, double actual, double f)
{
    size_t i;
    if (r->n == r->cap) {
        i = r->head;
        r->head = (r->head + 1) % r->cap;
    } else {
        i = (r->head + r->n) % r->cap;
        r->n++;
    }
    r->err[i] = (float)(actual - f);
    r->fc[i] = (float)f;
}

/* The scale of relative errors of entry k: max(forecast, 1 replica). */
static double errs_den(const pr_errs *r, size_t k)
{
    return r->fc[k] > REL_FLOOR ? (double)r->fc[k] : REL_FLOOR;
}

/* k-th smallest of a[0..n-1] (0-based), reordering a: quickselect. */
static double select_kth(double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = a[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return a[k];
}

static double mode_scale(pr_mode m, double den)
{
    return m == PR_REL ? den : m == PR_SQRT ? sqrt(den) : 1.0;
}

/* Quantile q (nearest rank) of the ring's errors scaled for mode m; 0 when
 * empty. */
static double errs_quantile(const pr_errs *r, pr_mode m, double q, double *scratch)
{
    if (r->n == 0)
        return 0.0;
    for (size_t k = 0; k < r->n; k++)
        scratch[k] = r->err[k] / mode_scale(m, errs_den(r, k));
    size_t rank = (size_t)ceil(q * (double)r->n);
    return select_kth(scratch, r->n, rank > 0 ? rank - 1 : 0);
}

static double errs_wape(const pr_errs *r)
{
    double se = 0.0, sa = 0.0;
    for (size_t k = 0; k < r->n; k++) {
        se += fabs((double)r->err[k]);
        sa += fabs((double)r->err[k] + (double)r->fc[k]);
    }
    return sa > 0.0 ? se / sa : (se > 0.0 ? 1.0 : 0.0);
}

/* Mean error (actual - forecast), replica units; 0 when empty. */
static double errs_mean(const pr_errs *r)
{
    double s = 0.0;
    for (size_t k = 0; k < r->n; k++)
        s += (double)r->err[k];
    return r->n ? s / (double)r->n : 0.0;
}

/* Mean of the mode's scale over the window: the average headroom of a
 * unit quantile. */
static double errs_mean_scale(const pr_errs *r, pr_mode m)
{
    double s = 0.0;
    for (size_t k = 0; k < r->n; k++)
        s += mode_scale(m, errs_den(r, k));
    return r->n ? s / (double)r->n : 1.0;
}

pr_errs *pr_errs_at(sa_predictor *p, int c, size_t h)
{
    if (h == 0 || (c == PR_HW && p->errs[c][h].cap > 0))
        return &p->errs[c][h];
    return c == p->far_c ? &p->far[h] : NULL;
}

/* Score the forecasts that target the newest sample: every candidate's
 * from the sample before, the far_c's and Holt-Winters' from farther. */
static void score_newest(sa_predictor *p)
{
    size_t n = p->ny - 1;
    double actual = p->y[n];
    for (size_t h = 1; h <= p->hmax && h <= n; h++)
        for (int c = 0; c < PR_NCAND; c++) {
            pr_errs *r = pr_errs_at(p, c, h - 1);
            double f;
            if (r && r->cap > 0 && !isnan(f = fc_at(p, c, n - h, h)))
                errs_push(r, actual, f);
        }
}

/* Fill the far rings with candidate c's errors from the history, oldest
 * first: what score_newest would have pushed over the window (the history
 * keeps the window and every forecaster's look-back before it). */
static void rebuild_far(sa_predictor *p, int c)
{
    for (size_t h = 1; h < p->hmax; h++) {
        pr_errs *r = &p->far[h];
        size_t ahead = h + 1, first = p->ny, found = 0;
        r->head = r->n = 0;
        for (size_t i = p->ny; i-- > ahead && found < r->cap;)
            if (p->real[i] && !isnan(fc_at(p, c, i - ahead, ahead))) {
                first = i;
                found++;
            }
        for (size_t i = first; i < p->ny; i++) {
            double f;
            if (p->real[i] && !isnan(f = fc_at(p, c, i - ahead, ahead)))
                errs_push(r, p->y[i], f);
        }
    }
    p->far_c = c;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The ring's errors scaled for mode m into out[r->n]; returns how many,
 * *mean_scale the mean scale. */
static size_t errs_scaled(const pr_errs *r, pr_mode m, double *out, double *mean_scale)
{
    double s = 0.0;
    for (size_t k = 0; k < r->n; k++) {
        double sc = mode_scale(m, errs_den(r, k));
        out[k] = r->err[k] / sc;
        s += sc;
    }
    *mean_scale = r->n ? s / (double)r->n : 1.0;
    return r->n;
}

/* The least cost per sample, over quantile levels within [LEVEL_LO,
 * LEVEL_HI], of the n scaled errors in a (reordered): the headroom held
 * above the forecast for a sample (replica-hours; below it when the
 * quantile is negative, as for a forecaster that runs high) plus, for
 * every error above it, the violation minutes of a miss (until a replica
 * added on seeing it is ready) at miss_cost_rh each. *level receives the
 * level. A series whose tail is a few spikes gets a lower level than one
 * whose errors are tight. INFINITY when it cannot be below bound. */
static double level_cost(const sa_predictor *p, double *a, size_t n, double mean_scale,
                         double bound, double *level)
{
    size_t k0 = (size_t)ceil(LEVEL_LO * (double)n) - 1, k1 = (size_t)ceil(LEVEL_HI * (double)n) - 1;
    double hold_h = mean_scale * p->p.sample_s / 3600.0;
    *level = p->p.risk;
    /* every level costs at least the headroom of the lowest: when that is
     * already no better than `bound`, the rest need not be looked at */
    if (select_kth(a, n, k0) * hold_h >= bound - 1e-12)
        return INFINITY;
    /* only the tail from rank k0 up needs to be in order */
    qsort(a + k0, n - k0, sizeof *a, cmp_double);
    double steps = ceil(p->p.startup_s / p->p.interval_s - 1e-9);
    double miss_min = (steps > 1.0 ? steps : 1.0) * p->p.interval_s / 60.0;
    double best = INFINITY;
    for (size_t k = k0; k <= k1 && k < n; k++) {
        double above = (double)(n - 1 - k) / (double)n;
        double cost = a[k] * hold_h + p->p.miss_cost_rh * miss_min * above;
        if (cost < best - 1e-12) {
            best = cost;
            *level = (double)(k + 1) / (double)n;
        }
    }
    return best;
}

double pr_candidate_cost(const sa_predictor *p, const pr_errs *r, pr_mode m, int by_cost,
                         double bound, double *scratch, double *level)
{
    /* The capacity held above the load, not only above the forecast: the
     * headroom minus the mean error. A forecaster that runs b high needs b
     * less headroom for the same capacity; its headroom alone would make
     * it look b cheaper than it is. */
    double over = -errs_mean(r);
    *level = p->p.risk;
    if (!by_cost)
        return errs_quantile(r, m, p->p.risk, scratch) * errs_mean_scale(r, m) + over;
    double ms, off = over * p->p.sample_s / 3600.0;
    size_t n = errs_scaled(r, m, scratch, &ms);
    return level_cost(p, scratch, n, ms, bound - off, level) + off;
}

/* Choose the forecaster, error mode and quantile level. With a miss cost
 * and enough errors: the combination that would have cost least over the
 * window (level_cost). Otherwise: the forecaster and mode whose capacity
 * at the risk level costs least (the mean capacity above the load that
 * covering `risk` of its recent errors takes), at the risk level. */
static void choose(sa_predictor *p)
{
    double best = INFINITY;
    int by_cost = p->p.miss_cost_rh > 0.0 && p->errs[PR_NAIVE][0].n >= MIN_LEVEL_N;
    p->level = p->p.risk;
    for (int c = 0; c < PR_NCAND; c++) {
        const pr_errs *r = &p->errs[c][0];
        if (c != PR_NAIVE && r->n < (by_cost ? MIN_LEVEL_N : MIN_SCORED))
            continue; /* not proven yet */
        for (int m = 0; m < PR_NMODES; m++) {
            double level;
            double cost = pr_candidate_cost(p, r, (pr_mode)m, by_cost, best, p->scratch, &level);
            if (cost < best - 1e-12) {
                best = cost;
                p->chosen = c;
                p->mode = (pr_mode)m;
                p->level = level;
            }
        }
    }
    if (pr_errs_at(p, p->chosen, 1) == NULL)
        rebuild_far(p, p->chosen);
    double w = errs_wape(&p->errs[p->chosen][0]);
    p->accuracy = p->errs[p->chosen][0].n >= MIN_SCORED ? fmax(0.0, 1.0 - w) : NAN;
}

/* Every CHOOSE_EVERY samples the choice, then the quantiles. The level of
 * the next sample's headroom comes with the choice; every farther horizon
 * gets its own level by the same cost rule on its own errors, so that a
 * level that leaves the next sample's few spikes uncovered does not cover
 * them at the horizons where they weigh more (a spike of two samples is
 * two errors two samples ahead, one error one sample ahead). */
static void refresh(sa_predictor *p)
{
    if (p->since_choice == 0)
        choose(p);
    /* the next sample's quantile every time; the farther ones (scale-down
     * horizon) and the lower band (display only) with the choice */
    for (size_t h = 0; h < p->hmax; h++) {
        const pr_errs *r = pr_errs_at(p, p->chosen, h);
        if (p->since_choice == 0) {
            p->level_h[h] = p->level;
            if (h > 0 && p->p.miss_cost_rh > 0.0 && r->n >= MIN_LEVEL_N) {
                double ms;
                size_t n = errs_scaled(r, p->mode, p->scratch, &ms);
                (void)level_cost(p, p->scratch, n, ms, INFINITY, &p->level_h[h]);
            }
            p->q_lo[h] = errs_quantile(r, p->mode, 1.0 - p->level_h[h], p->scratch);
        }
        if (h == 0 || p->since_choice == 0)
            p->q[h] = errs_quantile(r, p->mode, p->level_h[h], p->scratch);
    }
    p->since_choice = (p->since_choice + 1) % CHOOSE_EVERY;
}

static void append(sa_predictor *p, double v, int scored)
{
    if (p->ny == p->ycap) {
        /* keep the newest `keep` samples: the error window and all any
         * forecaster looks back before it */
        memmove(p->y, p->y + (p->ny - p->keep), p->keep * sizeof *p->y);
        memmove(p->real, p->real + (p->ny - p->keep), p->keep);
        p->ny = p->keep;
    }
    p->real[p->ny] = (unsigned char)(scored != 0);
    p->y[p->ny++] = v;
    p->count++;
    if (scored)
        score_newest(p);
    pr_hw_observe(p, v, scored);
}

/* Record whether the next sample's capacity (whole replicas at the upper
 * band) covered the sample now observed. */
static void note_coverage(sa_predictor *p, double demand)
{
    double cap = ceil(pr_upper(p, 1) - 1e-9);
    unsigned char hit = demand <= cap + 1e-9;
    if (p->cov_n == p->window) {
        p->cov_hits -= p->covered[p->cov_head];
        p->covered[p->cov_head] = hit;
        p->cov_head = (p->cov_head + 1) % p->window;
    } else {
        p->covered[(p->cov_head + p->cov_n) % p->window] = hit;
        p->cov_n++;
    }
    p->cov_hits += hit;
}

double pr_coverage(const sa_predictor *p)
{
    return p->cov_n >= MIN_SCORED ? (double)p->cov_hits / (double)p->cov_n : NAN;
}

void sa_predictor_observe(sa_predictor *p, double t, double demand)
{
    if (!isfinite(t) || (!isnan(p->last_t) && !(t > p->last_t)))
        return;
    if (!isnan(demand) && (!isfinite(demand) || demand < 0.0))
        demand = NAN;
    /* the sample the last forecast was for: how did its capacity do */
    if (!isnan(demand) && p->ny > 0 && (t - p->last_t) <= 1.5 * p->p.sample_s)
        note_coverage(p, demand);
    if (!isnan(p->last_t)) {
        /* skipped samples: missing, the history holds the last value */
        double gap = (t - p->last_t) / p->p.sample_s;
        size_t skipped = gap > 1.5 ? (size_t)fmin(floor(gap + 0.5) - 1.0, (double)p->reach) : 0;
        for (size_t k = 0; k < skipped; k++)
            append(p, p->y[p->ny - 1], 0);
    }
    if (isnan(demand)) {
        if (p->ny == 0)
            return;
        append(p, pr_forecast(p, p->chosen, 1), 0);
    } else {
        append(p, demand, 1);
    }
    p->last_t = t;
    refresh(p);
}

int pr_trusted(const sa_predictor *p)
{
    return !isnan(p->accuracy) && p->accuracy >= p->p.min_accuracy;
}

double pr_upper(const sa_predictor *p, size_t h)
{
    size_t hi = h > p->hmax ? p->hmax : h;
    double f = pr_forecast(p, p->chosen, h);
    double u = f + p->q[hi - 1] * mode_scale(p->mode, f > REL_FLOOR ? f : REL_FLOOR);
    return u > 0.0 ? u : 0.0;
}

double pr_lower(const sa_predictor *p, size_t h)
{
    size_t hi = h > p->hmax ? p->hmax : h;
    double f = pr_forecast(p, p->chosen, h);
    double l = f + p->q_lo[hi - 1] * mode_scale(p->mode, f > REL_FLOOR ? f : REL_FLOOR);
    return l > 0.0 ? l : 0.0;
}

size_t sa_predictor_forecast(const sa_predictor *p, size_t h, double *mean, double *lower,
                             double *upper, double *t0_out)
{
    if (p->ny == 0)
        return 0;
    for (size_t k = 1; k <= h; k++) {
        mean[k - 1] = pr_forecast(p, p->chosen, k);
        if (lower)
            lower[k - 1] = pr_lower(p, k);
        if (upper)
            upper[k - 1] = pr_upper(p, k);
    }
    if (t0_out)
        *t0_out = p->last_t;
    return h;
}

double sa_predict_demand(const sa_context *ctx, double rps_per_replica)
{
    if (rps_per_replica > 0.0 && isfinite(ctx->request_rate) && ctx->request_rate >= 0.0)
        return ctx->request_rate / rps_per_replica;
    if (!isfinite(ctx->cpu_percent) || ctx->cpu_percent < 0.0)
        return NAN;
    int pods = ctx->ready_pods >= 0 ? ctx->ready_pods : ctx->current_replicas;
    return ctx->cpu_percent / 100.0 * (double)(pods > 0 ? pods : 0);
}
