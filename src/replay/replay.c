/*
 * replay.c - the replay model of replay-spec.md: demand in replica units,
 * pods with ready times, score-then-decide-then-apply at every step. The
 * engine owns the pods; the policy only returns the new R. Invariant: the
 * pods' ready times are kept ascending (new pods are ready at t + startup,
 * never earlier than any existing pod), so scale-down removes from the end.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaleadvisor/predict.h"
#include "scaleadvisor/replay.h"
#include "scaleadvisor/banned.h"

#define EPS 1e-9
#define UTIL_CAP 10.0
/* A trace's span over --step-s bounds the run's time (and --series'
 * memory): 10 million steps is 19 years at 60 s, 115 days at 1 s. */
#define MAX_STEPS 10000000.0

void sa_replay_params_init(sa_replay_params *p)
{
    p->step_s = 60.0;
    p->startup_s = 120.0;
    p->peak_replicas = 20.0;
    p->target_utilization = 0.7;
    p->tolerance = 0.1;
    p->downscale_window_s = 300.0;
    p->min_replicas = 1;
    p->max_replicas = 100;
    p->period = 0;
    sa_predict_params pp;
    sa_predict_params_init(&pp);
    p->miss_cost_rh = pp.miss_cost_rh;
    p->min_accuracy = pp.min_accuracy;
    p->holt_winters = true;
    p->preset = SA_PRESET_BALANCED;
}

sa_err sa_replay_params_check(const sa_replay_params *p, sa_errbuf *eb)
{
    if (!(p->step_s > 0.0) || !isfinite(p->step_s))
        return sa_fail(eb, SA_ERR_INVALID, "step-s must be > 0");
    if (!(p->startup_s >= 0.0) || !isfinite(p->startup_s))
        return sa_fail(eb, SA_ERR_INVALID, "startup-s must be >= 0");
    if (!(p->peak_replicas > 0.0) || !isfinite(p->peak_replicas))
        return sa_fail(eb, SA_ERR_INVALID, "peak-replicas must be > 0");
    if (!(p->target_utilization > 0.0 && p->target_utilization <= 1.0))
        return sa_fail(eb, SA_ERR_INVALID, "target-utilization must be in (0, 1]");
    if (!(p->tolerance >= 0.0 && p->tolerance < 1.0))
        return sa_fail(eb, SA_ERR_INVALID, "tolerance must be in [0, 1)");
    if (!(p->downscale_window_s >= 0.0) || !isfinite(p->downscale_window_s))
        return sa_fail(eb, SA_ERR_INVALID, "downscale-window-s must be >= 0");
    if (p->min_replicas < 1 || p->max_replicas < p->min_replicas || p->max_replicas > 100000)
        return sa_fail(eb, SA_ERR_INVALID, "replica bounds must satisfy 1 <= min <= max <= 100000");
    if (!(p->miss_cost_rh >= 0.0) || !isfinite(p->miss_cost_rh))
        return sa_fail(eb, SA_ERR_INVALID, "miss-cost-rh must be >= 0");
    if (!(p->min_accuracy >= 0.0 && p->min_accuracy <= 1.0))
        return sa_fail(eb, SA_ERR_INVALID, "min-accuracy must be in [0, 1]");
    return SA_OK;
}

void sa_replay_series_init(sa_replay_series *s)
{
    memset(s, 0, sizeof *s);
}

void sa_replay_series_release(sa_replay_series *s)
{
    if (!s)
        return;
    free(s->t);
    free(s->demand);
    free(s->replicas);
    free(s->ready);
    free(s->utilization);
    sa_replay_series_init(s);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double sa_replay_p99(const double *v, size_t n)
{
    double *s = malloc((n ? n : 1) * sizeof *s);
    size_t m = 0;
    double r = 0.0;
    if (!s)
        return NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            s[m++] = v[i];
    if (m > 0) {
        qsort(s, m, sizeof *s, cmp_double);
        size_t rank = (size_t)ceil(0.99 * (double)m);
        r = s[rank > 0 ? rank - 1 : 0];
    }
    free(s);
    return r;
}

static int ceil_replicas(double x)
{
    double c = ceil(x - EPS);
    if (!(c > 0.0))
        return 0;
    return c > 1e9 ? 1000000000 : (int)c;
}

static int clamp_int(int x, int lo, int hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* Ready pods at t: ready times are ascending, count those <= t. */
static int count_ready(const double *ready_at, int r, double t)
{
    int k = 0;
    while (k < r && ready_at[k] <= t + EPS)
        k++;
    return k;
}

/* Copy the usable rows (value not NaN) and check them. */
static sa_err usable_rows(const double *t, const double *v, size_t n, double **tt, double **vv,
                          size_t *m, sa_errbuf *eb)
{
    *tt = malloc((n ? n : 1) * sizeof **tt);
    *vv = malloc((n ? n : 1) * sizeof **vv);
    *m = 0;
    if (!*tt || !*vv)
        return sa_fail(eb, SA_ERR_NOMEM, "out of memory for %zu rows", n);
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            continue;
        if (!isfinite(v[i]) || v[i] < 0.0)
            return sa_fail(eb, SA_ERR_INVALID, "row %zu: value %g is not a non-negative number",
                           i + 1, v[i]);
        if (!isfinite(t[i]) || (*m > 0 && !(t[i] > (*tt)[*m - 1])))
            return sa_fail(eb, SA_ERR_INVALID, "row %zu: timestamp not after the previous row",
                           i + 1);
        (*tt)[*m] = t[i];
        (*vv)[*m] = v[i];
        (*m)++;
    }
    if (*m < 2)
        return sa_fail(eb, SA_ERR_INVALID, "need at least two rows with a value, got %zu", *m);
    return SA_OK;
}

static double median_spacing(const double *t, size_t m)
{
    double *d = malloc((m - 1) * sizeof *d);
    double r;
    if (!d)
        return t[1] - t[0];
    for (size_t i = 0; i + 1 < m; i++)
        d[i] = t[i + 1] - t[i];
    qsort(d, m - 1, sizeof *d, cmp_double);
    r = d[(m - 1) / 2];
    free(d);
    return r;
}

static sa_err series_alloc(sa_replay_series *s, size_t n, sa_errbuf *eb)
{
    sa_replay_series_init(s);
    s->t = malloc(n * sizeof *s->t);
    s->demand = malloc(n * sizeof *s->demand);
    s->replicas = malloc(n * sizeof *s->replicas);
    s->ready = malloc(n * sizeof *s->ready);
    s->utilization = malloc(n * sizeof *s->utilization);
    if (!s->t || !s->demand || !s->replicas || !s->ready || !s->utilization) {
        sa_replay_series_release(s);
        return sa_fail(eb, SA_ERR_NOMEM, "out of memory for %zu steps", n);
    }
    s->n = n;
    return SA_OK;
}

/* Apply a new R at t: add pods ready at t + startup, or drop the latest. */
static sa_err apply_r(double **ready_at, int *cap, int *r, int new_r, double t, double startup,
                      sa_errbuf *eb)
{
    if (new_r > *cap) {
        int nc = new_r > 2 * *cap ? new_r : 2 * *cap;
        double *p = realloc(*ready_at, (size_t)nc * sizeof *p);
        if (!p)
            return sa_fail(eb, SA_ERR_NOMEM, "out of memory for %d pods", new_r);
        *ready_at = p;
        *cap = nc;
    }
    for (int k = *r; k < new_r; k++)
        (*ready_at)[k] = t + startup;
    *r = new_r;
    return SA_OK;
}

sa_err sa_replay_run(const double *t, const double *v, size_t n, const sa_replay_params *p,
                     sa_replay_policy *pol, sa_replay_summary *out, sa_replay_series *series,
                     sa_errbuf *eb)
{
    double *tt = NULL, *vv = NULL, *ready_at = NULL;
    size_t m = 0;
    int cap = 0, r = 0;
    sa_replay_summary sum = {0};
    sa_err e = sa_replay_params_check(p, eb);
    if (e != SA_OK)
        goto out;
    e = usable_rows(t, v, n, &tt, &vv, &m, eb);
    if (e != SA_OK)
        goto out;
    double p99 = sa_replay_p99(vv, m);
    if (isnan(p99)) {
        e = sa_fail(eb, SA_ERR_NOMEM, "out of memory for %zu rows", m);
        goto out;
    }
    double scale = p99 > 0.0 ? p->peak_replicas / p99 : 0.0;
    double row_s = median_spacing(tt, m);
    double span = tt[m - 1] - tt[0];
    double n_steps = floor(span / p->step_s + EPS) + 1.0;
    if (!(n_steps <= MAX_STEPS)) {
        e = sa_fail(eb, SA_ERR_INVALID,
                    "the trace spans %.0f s, %.0f steps of %g s: more than %.0f (raise --step-s)",
                    span, n_steps, p->step_s, MAX_STEPS);
        goto out;
    }
    size_t steps = (size_t)n_steps;
    if (series && (e = series_alloc(series, steps, eb)) != SA_OK)
        goto out;

    int r0 = clamp_int(ceil_replicas(vv[0] * scale / p->target_utilization), p->min_replicas,
                       p->max_replicas);
    if ((e = apply_r(&ready_at, &cap, &r, r0, tt[0], 0.0, eb)) != SA_OK)
        goto out;
    for (int k = 0; k < r; k++)
        ready_at[k] = -INFINITY;

    size_t row = 0;
    double util_sum = 0.0;
    for (size_t k = 0; k < steps; k++) {
        double now = tt[0] + (double)k * p->step_s;
        size_t prev_row = row;
        while (row + 1 < m && tt[row + 1] <= now + EPS)
            row++;
        double d = vv[row] * scale;
        int ready = count_ready(ready_at, r, now);
        double u = d <= 0.0 ? 0.0 : ready > 0 ? d / (double)ready : INFINITY;
        /* 1. score */
        if (u > 1.0 + EPS)
            sum.slo_violation_minutes += p->step_s / 60.0;
        if (d > (double)ready)
            sum.unserved_replica_seconds += (d - (double)ready) * p->step_s;
        sum.replica_hours += (double)r * p->step_s / 3600.0;
        double uc = u < UTIL_CAP ? u : UTIL_CAP;
        util_sum += uc;
        if (series) {
            series->t[k] = now;
            series->demand[k] = d;
            series->replicas[k] = r;
            series->ready[k] = ready;
            series->utilization[k] = uc;
        }
        /* 2. decide */
        sa_replay_obs obs = {.t = now,
                             .step = k,
                             .demand = d,
                             .replicas = r,
                             .ready = ready,
                             .utilization = u,
                             .new_row = k == 0 || row != prev_row,
                             .row_t = tt[row],
                             .row_s = row_s};
        int nr = pol->decide(pol->self, &obs);
        /* 3. apply */
        if (nr != r) {
            sum.scaling_actions++;
            if ((e = apply_r(&ready_at, &cap, &r, nr < 0 ? 0 : nr, now, p->startup_s, eb)) != SA_OK)
                goto out;
        }
    }
    sum.steps = steps;
    sum.mean_utilization = util_sum / (double)steps;
    *out = sum;
out:
    if (e != SA_OK && series)
        sa_replay_series_release(series);
    free(tt);
    free(vv);
    free(ready_at);
    return e;
}
