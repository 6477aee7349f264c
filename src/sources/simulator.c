/*
 * simulator.c - the embedded simulated cluster (see simulator.h). Each
 * deployment is stepped one simulated second at a time: its request rate
 * comes from its load shape and its own seeded generator, pods start up
 * after startup_s, CPU % is the rate over the ready pods' capacity, and the
 * cluster's HPA runs every hpa_sync_s (checkout's with a spec.behavior
 * that scales down one pod a minute after a 10-minute window, as bursty
 * services are often set up). Metrics are averaged over a ring of the last
 * step_s seconds, as a metrics pipeline would.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaleadvisor/decide.h"
#include "scaleadvisor/rules.h"
#include "scaleadvisor/simulator.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define SIM_PODS_MAX 64
#define SIM_PI 3.14159265358979323846

typedef enum { SHAPE_SEASONAL = 0, SHAPE_BURSTY, SHAPE_RAMP, SHAPE_STEADY } sim_shape;

typedef struct {
    const char *ns, *name;
    sim_shape shape;
    int min_replicas, max_replicas;
    double target_cpu;     /* % */
    double rps_per_pod;    /* requests/s one pod serves at 100 % CPU */
    double mem_base;       /* memory % of an idle pod */
    double mem_per_load;   /* memory % added at 100 % CPU */
    int down_window_s;     /* > 0: its HPA has a behavior: this scale-down window, */
    int down_pods_per_min; /* and at most this many pods removed a minute */
} sim_spec;

static const sim_spec specs[SA_SIM_DEPLOYMENTS] = {
    {"shop", "web", SHAPE_SEASONAL, 2, 12, 70, 25, 30, 25, 0, 0},
    {"shop", "checkout", SHAPE_BURSTY, 1, 8, 70, 4, 35, 20, 600, 1},
    {"analytics", "ingest", SHAPE_RAMP, 1, 12, 70, 20, 40, 40, 0, 0},
    {"analytics", "api", SHAPE_STEADY, 2, 10, 70, 25, 30, 15, 0, 0},
};

typedef struct {
    uint64_t rng;
    int replicas;  /* spec replicas */
    int ready;     /* pods serving */
    int n_pending; /* pods starting, ready at pending[i] */
    int64_t pending[SIM_PODS_MAX];
    double noise;       /* AR(1) multiplicative noise */
    int64_t next_burst; /* bursty: second of the next burst */
    sa_hpa_state hpa;
    int hpa_desired;
    sa_decide_state events; /* its replica changes, for the behavior's policies */
    /* rings of the last step_s seconds */
    double *rate, *cpu, *mem;
} sim_dep;

struct sa_sim {
    sa_sim_options o;
    int64_t now;
    size_t ring_pos, ring_fill;
    sim_dep d[SA_SIM_DEPLOYMENTS];
};

void sa_sim_options_init(sa_sim_options *o)
{
    o->seed = 1;
    o->step_s = 15;
    o->day_s = SA_SIM_DAY_S_DEFAULT;
    o->backfill_s = 2 * SA_SIM_DAY_S_DEFAULT;
    o->startup_s = 45;
    o->hpa_sync_s = 15;
    o->hpa = true;
}

/* splitmix64: small, seedable, good enough for load noise. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s) /* [0, 1) */
{
    return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

static int rng_int(uint64_t *s, int lo, int hi) /* [lo, hi] */
{
    return lo + (int)(rng_next(s) % (uint64_t)(hi - lo + 1));
}

static double rng_gauss(uint64_t *s)
{
    double u = rng_unit(s), v = rng_unit(s);
    return sqrt(-2.0 * log(u > 1e-300 ? u : 1e-300)) * cos(2.0 * SIM_PI * v);
}

/* Requests in second t of deployment i: its shape, its noise. */
static double load_at(sa_sim *s, size_t i, int64_t t)
{
    const sim_spec *sp = &specs[i];
    sim_dep *d = &s->d[i];
    double day = (double)s->o.day_s, base;
    d->noise = 0.97 * d->noise + 0.012 * rng_gauss(&d->rng);
    switch (sp->shape) {
    case SHAPE_SEASONAL: {
        double ph = 2.0 * SIM_PI * (double)(t % s->o.day_s) / day;
        /* low at night, peak in the afternoon, a shoulder in the morning */
        base = 110.0 - 80.0 * cos(ph - 0.6) + 15.0 * sin(2.0 * ph);
        return fmax(0.0, base * (1.0 + d->noise));
    }
    case SHAPE_BURSTY:
        if (t < d->next_burst)
            return 0.0;
        d->next_burst = t + rng_int(&d->rng, 1, 3);
        return (double)rng_int(&d->rng, 5, 20);
    case SHAPE_RAMP: {
        double per = 4.0 * day, x = fmod((double)t, per) / per;
        double tri = x < 0.5 ? 2.0 * x : 2.0 - 2.0 * x; /* 0 -> 1 -> 0 */
        return fmax(0.0, (15.0 + 150.0 * tri) * (1.0 + 0.5 * d->noise));
    }
    case SHAPE_STEADY:
    default:
        return fmax(0.0, 80.0 * (1.0 + 0.5 * d->noise));
    }
}

static void pods_start(sa_sim *s, sim_dep *d)
{
    int n = 0;
    for (int k = 0; k < d->n_pending; k++)
        if (d->pending[k] <= s->now)
            d->ready++;
        else
            d->pending[n++] = d->pending[k];
    d->n_pending = n;
}

/* Move spec replicas to `to`: new pods start pending; removals take
 * pending pods first (newest first), then ready ones. */
static void scale_to(sa_sim *s, sim_dep *d, int to)
{
    int from = d->replicas;
    while (d->replicas < to && d->n_pending < SIM_PODS_MAX) {
        d->pending[d->n_pending++] = s->now + s->o.startup_s;
        d->replicas++;
    }
    while (d->replicas > to) {
        if (d->n_pending > 0)
            d->n_pending--;
        else
            d->ready--;
        d->replicas--;
    }
    sa_decide_note_scale(&d->events, s->now, from, d->replicas);
}

/* The behavior of deployment i's HPA, per direction (not set: none). */
static void spec_behavior(size_t i, sa_scaling_rules *up, sa_scaling_rules *down)
{
    memset(up, 0, sizeof *up);
    memset(down, 0, sizeof *down);
    if (specs[i].down_window_s <= 0)
        return;
    sa_scaling_rules_default(up, true);
    sa_scaling_rules_default(down, false);
    down->window_s = specs[i].down_window_s;
    down->policies[0] = (sa_scaling_policy){.value = specs[i].down_pods_per_min, .period_s = 60};
}

static double ring_mean(const sa_sim *s, const double *r)
{
    double sum = 0;
    size_t n = s->ring_fill;
    for (size_t k = 0; k < n; k++)
        sum += r[k];
    return n ? sum / (double)n : NAN;
}

static void hpa_sync(sa_sim *s, size_t i)
{
    sim_dep *d = &s->d[i];
    sa_hpa_params p;
    double cpu = ring_mean(s, d->cpu);
    sa_hpa_params_init(&p);
    p.target_utilization = specs[i].target_cpu / 100.0;
    p.min_replicas = specs[i].min_replicas;
    p.max_replicas = specs[i].max_replicas;
    sa_scaling_rules up, down;
    spec_behavior(i, &up, &down);
    if (down.set) {
        p.downscale_window_s = (double)down.window_s;
        p.rate_limit = false;
    }
    if (!isfinite(cpu) || d->ready < 1)
        return;
    int want = sa_hpa_step(&d->hpa, &p, (double)s->now, cpu / 100.0 * d->ready, d->ready,
                           d->replicas, NULL);
    /* the behavior's policies, counted from the replica changes seen */
    if (up.set && want > d->replicas) {
        int lim = sa_decide_policy_limit(&up, true, d->replicas, &d->events, s->now);
        want = want < lim ? want : lim;
    }
    if (down.set && want < d->replicas) {
        int lim = sa_decide_policy_limit(&down, false, d->replicas, &d->events, s->now);
        want = want > lim ? want : lim;
    }
    d->hpa_desired = want;
    if (s->o.hpa && d->hpa_desired != d->replicas)
        scale_to(s, d, d->hpa_desired);
}

static void tick(sa_sim *s)
{
    size_t pos = s->ring_pos;
    s->now++;
    for (size_t i = 0; i < SA_SIM_DEPLOYMENTS; i++) {
        const sim_spec *sp = &specs[i];
        sim_dep *d = &s->d[i];
        double rate, util;
        pods_start(s, d);
        rate = load_at(s, i, s->now);
        util = d->ready > 0 ? rate / (sp->rps_per_pod * d->ready) : NAN;
        d->rate[pos] = rate;
        d->cpu[pos] = isfinite(util) ? fmin(400.0, 3.0 + 100.0 * util) : NAN;
        d->mem[pos] = isfinite(util) ? fmin(100.0, sp->mem_base + sp->mem_per_load * util) : NAN;
    }
    s->ring_pos = (pos + 1) % (size_t)s->o.step_s;
    if (s->ring_fill < (size_t)s->o.step_s)
        s->ring_fill++;
    if (s->now % s->o.hpa_sync_s == 0)
        for (size_t i = 0; i < SA_SIM_DEPLOYMENTS; i++)
            hpa_sync(s, i);
}

void sa_sim_advance(sa_sim *s, int64_t t)
{
    while (s->now < t)
        tick(s);
}

int64_t sa_sim_now(const sa_sim *s)
{
    return s->now;
}

void sa_sim_set_hpa(sa_sim *s, bool on)
{
    s->o.hpa = on;
}

static sa_err check_options(const sa_sim_options *o, sa_errbuf *eb)
{
    if (o->step_s < 1 || o->step_s > 3600)
        return sa_fail(eb, SA_ERR_INVALID, "simulator: step %lld s is not in [1, 3600]",
                       (long long)o->step_s);
    if (o->day_s < 60)
        return sa_fail(eb, SA_ERR_INVALID, "simulator: a day of %lld s is shorter than 60 s",
                       (long long)o->day_s);
    if (o->backfill_s < 0 || o->backfill_s > 14 * 86400)
        return sa_fail(eb, SA_ERR_INVALID, "simulator: back-fill %lld s out of range",
                       (long long)o->backfill_s);
    if (o->startup_s < 0 || o->hpa_sync_s < 1)
        return sa_fail(eb, SA_ERR_INVALID, "simulator: bad start-up time or HPA period");
    return SA_OK;
}

sa_err sa_sim_create(const sa_sim_options *o, int64_t start, sa_sim **out, sa_errbuf *eb)
{
    sa_err e = check_options(o, eb);
    sa_sim *s = NULL;
    uint64_t seeder = o->seed;
    if (e != SA_OK)
        goto out;
    if (!(s = calloc(1, sizeof *s))) {
        e = SA_ERR_NOMEM;
        goto out;
    }
    s->o = *o;
    s->now = start;
    for (size_t i = 0; i < SA_SIM_DEPLOYMENTS; i++) {
        sim_dep *d = &s->d[i];
        const sim_spec *sp = &specs[i];
        size_t n = (size_t)o->step_s;
        d->rng = rng_next(&seeder);
        d->rate = calloc(n, sizeof(double));
        d->cpu = calloc(n, sizeof(double));
        d->mem = calloc(n, sizeof(double));
        if (!d->rate || !d->cpu || !d->mem) {
            e = SA_ERR_NOMEM;
            goto out;
        }
        sa_hpa_state_init(&d->hpa);
        sa_decide_state_init(&d->events);
        /* start ready, sized for the shape's typical load at the target */
        d->replicas = d->ready = sp->min_replicas + (sp->shape == SHAPE_STEADY ? 3 : 1);
        d->hpa_desired = d->replicas;
        d->next_burst = start + 1;
    }
out:
    if (e != SA_OK) {
        sa_sim_destroy(s);
        s = NULL;
    }
    *out = s;
    return e;
}

void sa_sim_destroy(sa_sim *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < SA_SIM_DEPLOYMENTS; i++) {
        free(s->d[i].rate);
        free(s->d[i].cpu);
        free(s->d[i].mem);
    }
    free(s);
}

double sa_sim_request_rate(const sa_sim *s, size_t i)
{
    return i < SA_SIM_DEPLOYMENTS ? ring_mean(s, s->d[i].rate) : NAN;
}

void sa_sim_observe(const sa_sim *s, size_t i, sa_context *c)
{
    const sim_spec *sp = &specs[i];
    const sim_dep *d = &s->d[i];
    sa_context_init(c);
    sa_strlcpy(c->name, sp->name, sizeof c->name);
    sa_strlcpy(c->namespace_, sp->ns, sizeof c->namespace_);
    c->current_replicas = d->replicas;
    c->min_replicas = sp->min_replicas;
    c->max_replicas = sp->max_replicas;
    c->target_cpu_percent = sp->target_cpu;
    c->cpu_percent = ring_mean(s, d->cpu);
    c->memory_percent = ring_mean(s, d->mem);
    c->request_rate = ring_mean(s, d->rate);
    c->ready_pods = d->ready;
    c->observed_at = s->now;
    c->has_hpa = s->o.hpa;
    if (c->has_hpa) {
        spec_behavior(i, &c->hpa_scale_up, &c->hpa_scale_down);
        c->hpa_target_cpu_percent = sp->target_cpu;
        c->hpa_current_replicas = d->replicas;
        c->hpa_desired_replicas = d->hpa_desired;
    }
}

sa_err sa_sim_set_replicas(sa_sim *s, const char *ns, const char *name, int target, sa_actuation *a,
                           sa_errbuf *eb)
{
    for (size_t i = 0; i < SA_SIM_DEPLOYMENTS; i++) {
        const sim_spec *sp = &specs[i];
        sim_dep *d = &s->d[i];
        if (strcmp(sp->ns, ns) != 0 || strcmp(sp->name, name) != 0)
            continue;
        if (target < sp->min_replicas)
            target = sp->min_replicas;
        if (target > sp->max_replicas)
            target = sp->max_replicas;
        memset(a, 0, sizeof *a);
        a->before = d->replicas;
        scale_to(s, d, target);
        a->after = d->replicas;
        sa_strlcpy(a->method, "simulator", sizeof a->method);
        sa_strlcpy(a->outcome, "ok", sizeof a->outcome);
        return SA_OK;
    }
    return sa_fail(eb, SA_ERR_NOTFOUND, "simulator: no deployment %s/%s", ns, name);
}

/* ---- the simulator as a source ---- */

typedef struct {
    sa_sim_options o;
    sa_sim *sim;       /* NULL until the first collect */
    int64_t origin;    /* the cluster's start: the sample grid is origin + k * step */
    int64_t last_grid; /* newest grid point at or before the last collect */
} sim_source;

/* Run the cluster through nh grid points one step apart from `first`,
 * recording each deployment's sample at every point as its history. */
static sa_err sim_record(sim_source *ss, int64_t first, size_t nh, sa_context *v)
{
    int64_t step = ss->o.step_s;
    size_t j = 0;
    if (nh == 0)
        return SA_OK;
    for (size_t i = 0; i < SA_SIM_DEPLOYMENTS; i++)
        if (!(v[i].history = calloc(nh, sizeof(sa_sample))))
            return SA_ERR_NOMEM;
    for (int64_t t = first; j < nh; t += step, j++) {
        sa_sim_advance(ss->sim, t);
        for (size_t i = 0; i < SA_SIM_DEPLOYMENTS; i++) {
            sa_context c;
            sa_sim_observe(ss->sim, i, &c);
            v[i].history[j] = (sa_sample){c.observed_at, c.cpu_percent, c.memory_percent,
                                          c.request_rate, c.current_replicas};
            v[i].n_history = j + 1;
        }
    }
    return SA_OK;
}

/* First collect: build the cluster backfill_s ago and run it up to now,
 * keeping a sample every step_s for each deployment's history. */
static sa_err sim_backfill(sim_source *ss, int64_t now, sa_context *v, sa_errbuf *eb)
{
    int64_t step = ss->o.step_s, k_max = ss->o.backfill_s / step;
    size_t nh = k_max > 1 ? (size_t)(k_max - 1) : 0;
    sa_err e = sa_sim_create(&ss->o, now - k_max * step, &ss->sim, eb);
    if (e != SA_OK)
        return e;
    ss->origin = now - k_max * step;
    return sim_record(ss, now - (int64_t)nh * step, nh, v);
}

/* Later collects: the grid samples between the last collect and now (a
 * cycle that overran, a paused loop) come back as history, so the stored
 * series has no holes. */
static sa_err sim_catch_up(sim_source *ss, int64_t now, sa_context *v)
{
    int64_t step = ss->o.step_s, first = ss->last_grid + step;
    size_t nh = now > first ? (size_t)((now - 1 - first) / step + 1) : 0;
    if (nh > (size_t)(ss->o.backfill_s / step)) { /* a long sleep: keep the newest */
        nh = (size_t)(ss->o.backfill_s / step);
        first = now - (int64_t)nh * step;
    }
    return sim_record(ss, first, nh, v);
}

static sa_err sim_collect(sa_src *src, int64_t now, sa_context **out, size_t *n, sa_errbuf *eb)
{
    sim_source *ss = src->impl;
    sa_err e = SA_OK;
    sa_context *v = calloc(SA_SIM_DEPLOYMENTS, sizeof *v);
    sa_sample *hist[SA_SIM_DEPLOYMENTS] = {0};
    size_t nhist[SA_SIM_DEPLOYMENTS] = {0};
    *out = NULL;
    *n = 0;
    if (!v)
        return SA_ERR_NOMEM;
    for (size_t i = 0; i < SA_SIM_DEPLOYMENTS; i++)
        sa_context_init(&v[i]);
    if (!ss->sim) {
        if ((e = sim_backfill(ss, now, v, eb)) != SA_OK)
            goto out;
    } else if ((e = sim_catch_up(ss, now, v)) != SA_OK) {
        goto out;
    }
    sa_sim_advance(ss->sim, now);
    ss->last_grid = now - (now - ss->origin) % ss->o.step_s;
    for (size_t i = 0; i < SA_SIM_DEPLOYMENTS; i++) {
        hist[i] = v[i].history;
        nhist[i] = v[i].n_history;
        sa_sim_observe(ss->sim, i, &v[i]); /* re-initialises v[i] */
        v[i].history = hist[i];
        v[i].n_history = nhist[i];
    }
out:
    if (e != SA_OK) {
        sa_src_contexts_free(v, SA_SIM_DEPLOYMENTS);
        return e;
    }
    *out = v;
    *n = SA_SIM_DEPLOYMENTS;
    return SA_OK;
}

static sa_err sim_apply(sa_src *src, const sa_context *ctx, int target, sa_actuation *a,
                        sa_errbuf *eb)
{
    sim_source *ss = src->impl;
    if (!ss->sim)
        return sa_fail(eb, SA_ERR_UNAVAILABLE, "simulator: not started (no collect yet)");
    return sa_sim_set_replicas(ss->sim, ctx->namespace_, ctx->name, target, a, eb);
}

static void sim_destroy(sa_src *src)
{
    sim_source *ss = src->impl;
    if (ss)
        sa_sim_destroy(ss->sim);
    free(ss);
}

sa_err sa_sim_source_create(const sa_sim_options *o, sa_src **out, sa_errbuf *eb)
{
    sa_err e = check_options(o, eb);
    sa_src *src = NULL;
    sim_source *ss = NULL;
    *out = NULL;
    if (e != SA_OK)
        return e;
    src = calloc(1, sizeof *src);
    ss = calloc(1, sizeof *ss);
    if (!src || !ss) {
        free(src);
        free(ss);
        return SA_ERR_NOMEM;
    }
    ss->o = *o;
    src->kind = "simulator";
    src->impl = ss;
    src->collect = sim_collect;
    src->apply = sim_apply;
    src->destroy = sim_destroy;
    *out = src;
    return SA_OK;
}
