/*
 * recommend.c - the predictive policy's decision: size for the highest
 * load expected while a replica added now could still matter (start-up
 * plus one decision interval), with headroom from the forecaster's own
 * error quantile; scale down only to what that horizon needs and never
 * below the targets of the stabilisation window; fall back to the reactive
 * HPA rule while the forecast has not proven itself. Pure: time is `now`.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "predict_int.h"
#include "scaleadvisor/banned.h"

#define EPS 1e-9

static const char *const cand_names[PR_NCAND] = {"naive",          "seasonal", "seasonal-blend",
                                                 "seasonal-ratio", "weekly",   "median-3",
                                                 "ensemble",       "ewma",     "holt-winters"};

typedef struct {
    double need;       /* replica units to cover over the horizon */
    double known;      /* the part still covered by the current sample; -1 none */
    double peak_mean;  /* highest point forecast over the forecast part */
    double peak_upper; /* highest upper band value */
    double trough;
    double sum_mean;
    size_t n_fc;      /* forecast samples in the horizon */
    double peak_in_s; /* seconds from now to the sample of the peak */
} pr_horizon;

/* Action word for current -> target (at_max: more is needed than max). */
static sa_action action_for(int current, int target, int max_replicas, double need)
{
    if (target > current)
        return SA_ACTION_SCALE_UP;
    if (target < current)
        return SA_ACTION_SCALE_DOWN;
    return current >= max_replicas && need > (double)max_replicas + EPS ? SA_ACTION_AT_MAX
                                                                        : SA_ACTION_MAINTAIN;
}

static int ceil_replicas(double x)
{
    double c = ceil(x - EPS);
    if (!(c > 0.0))
        return 0;
    return c > 1e9 ? 1000000000 : (int)c;
}

/* Samples a horizon may span (bounds the scan on a tiny sample_s). */
#define SCAN_MAX 100000.0

/* What the horizon [now + interval, now + startup + interval) needs: the
 * held current sample where it still holds, the upper forecast of every
 * later sample that overlaps. Errors are tracked for hmax samples ahead;
 * farther samples (a short interval, a long start-up) take the farthest
 * tracked headroom (pr_upper), so the whole horizon is always seen. */
static void horizon_need(const sa_predictor *p, double now, double extra_s, pr_horizon *hz)
{
    double lo = now + p->p.interval_s;
    double hi = now + p->p.startup_s + p->p.interval_s + extra_s;
    double s = p->p.sample_s;
    memset(hz, 0, sizeof *hz);
    hz->known = -1.0;
    hz->trough = INFINITY;
    if (lo < p->last_t + s - EPS) {
        hz->known = p->y[p->ny - 1];
        hz->need = hz->known;
    }
    double span = ceil((hi - p->last_t) / s);
    size_t jmax = !(span > 0.0) ? 0 : span > SCAN_MAX ? (size_t)SCAN_MAX : (size_t)span;
    for (size_t j = 1; j <= jmax; j++) {
        double a = p->last_t + (double)j * s;
        if (a >= hi - EPS)
            break;
        if (a + s <= lo + EPS)
            continue;
        double m = pr_forecast(p, p->chosen, j), u = pr_upper(p, j);
        if (u > hz->need)
            hz->need = u;
        if (m >= hz->peak_mean || hz->n_fc == 0) {
            hz->peak_mean = m;
            hz->peak_in_s = fmax(0.0, a - now);
        }
        hz->peak_upper = fmax(hz->peak_upper, u);
        hz->trough = fmin(hz->trough, m);
        hz->sum_mean += m;
        hz->n_fc++;
    }
    if (hz->n_fc == 0)
        hz->trough = hz->known > 0.0 ? hz->known : 0.0;
}

static double in_unit(const sa_predictor *p, double replica_units)
{
    return replica_units * p->p.unit_per_replica;
}

static const char *unit_name(const sa_predictor *p)
{
    return p->p.unit[0] ? p->p.unit : "replica units";
}

static void fill_summary(const sa_predictor *p, const pr_horizon *hz, sa_forecast_summary *fs)
{
    memset(fs, 0, sizeof *fs);
    fs->present = true;
    snprintf(fs->metric, sizeof fs->metric, "%s", p->p.metric[0] ? p->p.metric : "demand");
    snprintf(fs->method, sizeof fs->method, "%s", cand_names[p->chosen]);
    fs->horizon_s = p->p.startup_s + p->p.interval_s;
    fs->now = in_unit(p, p->y[p->ny - 1]);
    double known = hz->known >= 0.0 ? hz->known : 0.0;
    fs->mean = in_unit(p, hz->n_fc ? hz->sum_mean / (double)hz->n_fc : known);
    fs->peak = in_unit(p, hz->n_fc ? hz->peak_mean : known);
    fs->peak_upper = in_unit(p, hz->n_fc ? hz->peak_upper : known);
    fs->trough = in_unit(p, hz->trough);
    /* the slope of the point forecast over the next hour (at least two
     * samples, within a season and what Holt-Winters keeps): one sample's
     * step times 3600 s would turn noise at a short interval into
     * thousands of % an hour */
    double hour = round(3600.0 / p->p.sample_s);
    size_t h2 = hour < 2.0 ? 2 : hour > 1e6 ? 1000000 : (size_t)hour;
    if (p->p.period >= 2 && h2 > p->p.period)
        h2 = p->p.period;
    if (p->chosen == PR_HW && h2 > PR_HW_STEPS)
        h2 = PR_HW_STEPS;
    double f1 = pr_forecast(p, p->chosen, 1), f2 = pr_forecast(p, p->chosen, h2);
    fs->trend_per_hour = in_unit(p, (f2 - f1) * 3600.0 / ((double)(h2 - 1) * p->p.sample_s));
    fs->accuracy = p->accuracy;
}

/* The headroom's quantile level in words: a level of 1 is the largest
 * error in the window (a short window makes 99.95 % that), not "100 %".
 * Returns whether it is the largest. */
static bool level_words(double level, char *buf, size_t n)
{
    bool largest = level >= 1.0 - EPS;
    if (largest)
        snprintf(buf, n, "the largest");
    else
        snprintf(buf, n, "the %.4g %% quantile", level * 100.0);
    return largest;
}

/* When the peak comes: seconds under two minutes, else minutes. */
static void when_words(double in_s, char *buf, size_t n)
{
    if (in_s < 120.0)
        snprintf(buf, n, "%.0f s", in_s);
    else
        snprintf(buf, n, "%.0f min", ceil(in_s / 60.0));
}

static void describe(const sa_predictor *p, const pr_horizon *hz, int trusted, int target,
                     int current, sa_rec *out)
{
    char lvl[32];
    bool largest = level_words(p->level, lvl, sizeof lvl);
    if (!trusted) {
        if (isnan(p->accuracy))
            sa_rec_set_reasoning(out,
                                 "forecast not yet proven (%zu samples); reactive rule at "
                                 "%.0f %% target utilisation; %d replicas",
                                 p->count, p->p.target_utilization * 100.0, target);
        else
            sa_rec_set_reasoning(out,
                                 "forecast accuracy %.0f %% below the %.0f %% threshold; "
                                 "falling back to the reactive rule; %d replicas",
                                 p->accuracy * 100.0, p->p.min_accuracy * 100.0, target);
    } else if (hz->n_fc > 0) {
        char when[32];
        when_words(hz->peak_in_s, when, sizeof when);
        if (largest)
            sa_rec_set_reasoning(out,
                                 "forecast peak %.4g %s in %s, band up to %.4g (covers every "
                                 "recent error); %d replicas",
                                 in_unit(p, hz->peak_mean), unit_name(p), when,
                                 in_unit(p, hz->peak_upper), target);
        else
            sa_rec_set_reasoning(
                out, "forecast peak %.4g %s in %s, %.4g %% band up to %.4g; %d replicas",
                in_unit(p, hz->peak_mean), unit_name(p), when, p->level * 100.0,
                in_unit(p, hz->peak_upper), target);
    } else {
        sa_rec_set_reasoning(out,
                             "current load %.4g %s holds through the next %.0f min; "
                             "%d replicas",
                             in_unit(p, hz->known), unit_name(p),
                             (p->p.startup_s + p->p.interval_s) / 60.0, target);
    }
    /* whose start-up time: the deployment's own (an annotation, its pods'
     * measured time, the source's file) or the configured one */
    sa_rec_add_factor(out, "horizon %.0f s (%s start-up %.0f s + interval %.0f s)",
                      p->p.startup_s + p->p.interval_s,
                      p->startup_own ? "this deployment's" : "configured", p->p.startup_s,
                      p->p.interval_s);
    sa_rec_add_factor(out, "forecaster %s, accuracy (1 - WAPE) %s%.0f %%", cand_names[p->chosen],
                      isnan(p->accuracy) ? "unknown " : "",
                      isnan(p->accuracy) ? 0.0 : p->accuracy * 100.0);
    if (!isnan(pr_coverage(p)))
        sa_rec_add_factor(out, "its capacity covered %.1f %% of the last %zu samples",
                          pr_coverage(p) * 100.0, p->cov_n);
    static const char *const mode_names[PR_NMODES] = {"absolute", "sqrt-scaled", "relative"};
    sa_rec_add_factor(out,
                      "headroom from %s of the recent %s errors: %+.4g %s "
                      "on the next sample",
                      lvl, mode_names[p->mode],
                      in_unit(p, pr_upper(p, 1) - pr_forecast(p, p->chosen, 1)), unit_name(p));
    if (p->p.miss_cost_rh > 0.0)
        sa_rec_add_factor(out,
                          "forecaster and level chosen where capacity above the load plus "
                          "misses would have cost least, %s violation minute priced at %.4g "
                          "replica-hours",
                          p->miss_cost_own ? "this deployment's" : "a", p->p.miss_cost_rh);
    if (p->chosen == PR_HW)
        sa_rec_add_factor(out,
                          "Holt-Winters %s model on the last %zu samples, updated every sample, "
                          "refitted every period or on drift (%zu fits, %zu on drift)",
                          p->hw.method, pr_hw_fit_len(&p->p), p->hw.fits, p->hw.drift_fits);
    sa_rec_add_factor(out, "current demand %.4g %s on %d replicas", in_unit(p, p->y[p->ny - 1]),
                      unit_name(p), current);
    if (p->p.period)
        sa_rec_add_factor(out, "seasonal period %zu samples", p->p.period);
}

void sa_predictor_recommend(sa_predictor *p, const sa_context *ctx, double now, sa_rec *out,
                            sa_forecast_summary *fs)
{
    sa_rec_init(out);
    if (fs)
        memset(fs, 0, sizeof *fs);
    /* the deployment's own start-up time (an annotation) over the
     * configured one; the miss duration of the level choice follows it */
    p->startup_own = isfinite(ctx->startup_s) && ctx->startup_s >= 0.0;
    p->p.startup_s = p->startup_own ? ctx->startup_s : p->startup_cfg;
    /* likewise its own price of a violation minute (read at the next
     * choice of forecaster and level) */
    p->miss_cost_own = isfinite(ctx->miss_cost_rh) && ctx->miss_cost_rh >= 0.0;
    p->p.miss_cost_rh = p->miss_cost_own ? ctx->miss_cost_rh : p->miss_cost_cfg;
    if (p->ny == 0)
        return;
    int lo = ctx->min_replicas >= 1 ? ctx->min_replicas : p->p.min_replicas;
    int hi = ctx->max_replicas >= lo ? ctx->max_replicas : p->p.max_replicas;
    int current = ctx->current_replicas;
    int ready = ctx->ready_pods >= 0 ? ctx->ready_pods : current;
    double d = p->y[p->ny - 1];

    sa_hpa_params hp;
    sa_hpa_params_init(&hp);
    hp.target_utilization = p->p.target_utilization;
    hp.downscale_window_s = p->p.downscale_window_s;
    hp.min_replicas = lo;
    hp.max_replicas = hi;
    int reactive = sa_hpa_step(&p->hpa, &hp, now, d, ready, current, NULL);

    /* Short horizon: what a replica added now can still help with. Long
     * horizon: that plus the scale-down horizon (and at least through the
     * next sample), which a removal must also cover. R stays while it lies
     * in [short, long]; below, it goes up to the short need; above, it
     * comes down to the long need only when that saves more than the down
     * tolerance. */
    pr_horizon hz, hl;
    horizon_need(p, now, 0.0, &hz);
    double extra = p->p.down_horizon_s;
    double to_next = p->last_t + 2.0 * p->p.sample_s - (now + p->p.startup_s + p->p.interval_s);
    horizon_need(p, now, extra > to_next ? extra : to_next, &hl);
    int trusted = pr_trusted(p);
    int need_short = ceil_replicas(hz.need), need_long = ceil_replicas(hl.need);
    int target = reactive;
    if (trusted) {
        target = current;
        if (current < need_short)
            target = need_short;
        else if (current > need_long &&
                 (double)need_long <= (double)current * (1.0 - p->p.down_tolerance) + EPS)
            target = need_long;
    }
    if (target < lo)
        target = lo;
    if (target > hi)
        target = hi;

    out->present = true;
    out->target_replicas = target;
    out->action = action_for(current, target, hi, trusted ? hz.need : (double)reactive);
    /* confidence: how often its capacity covered the next sample lately
     * (what a headroom policy promises), not how close the point forecast
     * came: 1 - WAPE is near 0 on a count that is mostly 0 even where the
     * headroom covers it */
    double cov = pr_coverage(p);
    out->confidence = trusted ? fmin(0.99, fmax(0.05, isnan(cov) ? p->accuracy : cov)) : 0.3;
    out->risk = !trusted ? SA_LEVEL_HIGH : p->accuracy >= 0.9 ? SA_LEVEL_LOW : SA_LEVEL_MEDIUM;
    out->cost = target > current + 2 || target > current * 3 / 2 ? SA_LEVEL_HIGH
                : target > current                               ? SA_LEVEL_MEDIUM
                                                                 : SA_LEVEL_LOW;
    /* more capacity helps; a scale-down the forecast agrees with does not hurt */
    out->performance = target > current ? SA_PERF_POSITIVE : SA_PERF_NEUTRAL;
    out->timing = target > current   ? SA_TIMING_IMMEDIATE
                  : target < current ? SA_TIMING_WITHIN_5M
                                     : SA_TIMING_NEXT_REVIEW;
    describe(p, &hz, trusted, target, current, out);
    if (fs)
        fill_summary(p, &hz, fs);
}
