/*
 * test_rules.c - the HPA step (hand-computed cases and the worked example
 * of replay-spec.md) and the reactive rule source.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_test.h"
#include "scaleadvisor/rules.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

static sa_hpa_params defaults(void)
{
    sa_hpa_params p;
    sa_hpa_params_init(&p);
    return p;
}

static void hpa_defaults_match_spec(void **st)
{
    (void)st;
    sa_hpa_params p = defaults();
    SA_ASSERT_NEAR(p.target_utilization, 0.7, 0);
    SA_ASSERT_NEAR(p.tolerance_up, 0.1, 0);
    SA_ASSERT_NEAR(p.tolerance_down, 0.1, 0);
    SA_ASSERT_NEAR(p.downscale_window_s, 300, 0);
    assert_int_equal(p.min_replicas, 1);
    assert_int_equal(p.max_replicas, 100);
}

static void hpa_no_ready_pod_keeps_r(void **st)
{
    (void)st;
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    sa_hpa_params p = defaults();
    int prop = -7;
    assert_int_equal(sa_hpa_step(&s, &p, 0, 50.0, 0, 5, &prop), 5);
    assert_int_equal(prop, 5);
    assert_int_equal(s.n, 0); /* nothing remembered */
    assert_int_equal(sa_hpa_step(&s, &p, 0, NAN, 3, 5, NULL), 5);
    assert_int_equal(sa_hpa_step(&s, &p, 0, -1.0, 3, 5, NULL), 5);
}

static void hpa_tolerance_boundaries(void **st)
{
    (void)st;
    sa_hpa_params p = defaults();
    sa_hpa_state s;
    int prop;
    /* 10 ready, u = d/10, ratio = u/0.7. ratio 1.1 exactly: d = 7.7 -> keep */
    sa_hpa_state_init(&s);
    assert_int_equal(sa_hpa_step(&s, &p, 0, 7.7, 10, 10, &prop), 10);
    assert_int_equal(prop, 10);
    /* just above: d = 7.71 -> ceil(11.014) = 12 */
    sa_hpa_state_init(&s);
    assert_int_equal(sa_hpa_step(&s, &p, 0, 7.71, 10, 10, &prop), 12);
    assert_int_equal(prop, 12);
    /* ratio 0.9 exactly: d = 6.3 -> keep */
    sa_hpa_state_init(&s);
    assert_int_equal(sa_hpa_step(&s, &p, 0, 6.3, 10, 10, &prop), 10);
    assert_int_equal(prop, 10);
    /* just below: d = 6.29 -> proposal ceil(8.986) = 9, first step so the
     * window holds only this proposal -> 9 */
    sa_hpa_state_init(&s);
    assert_int_equal(sa_hpa_step(&s, &p, 0, 6.29, 10, 10, &prop), 9);
    assert_int_equal(prop, 9);
}

static void hpa_separate_tolerances(void **st)
{
    (void)st;
    sa_hpa_params p = defaults();
    p.tolerance_up = 0.3;
    p.tolerance_down = 0.05;
    sa_hpa_state s;
    int prop;
    /* ratio 1.2 is inside the up tolerance */
    sa_hpa_state_init(&s);
    assert_int_equal(sa_hpa_step(&s, &p, 0, 8.4, 10, 10, &prop), 10);
    /* ratio 0.92 is outside the down tolerance: ceil(6.44/0.7) = ceil(9.2) = 10,
     * d = 6.3 (ratio 0.9) -> 9 */
    sa_hpa_state_init(&s);
    assert_int_equal(sa_hpa_step(&s, &p, 0, 6.3, 10, 10, &prop), 9);
    assert_int_equal(prop, 9);
}

static void hpa_ceil_slack(void **st)
{
    (void)st;
    sa_hpa_params p = defaults();
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    int prop;
    /* 4.9 / 0.7 is 7.000000000000001 in binary floating point: still 7 */
    assert_true(4.9 / 0.7 > 7.0);
    assert_int_equal(sa_hpa_step(&s, &p, 0, 4.9, 4, 4, &prop), 7);
    assert_int_equal(prop, 7);
}

static void hpa_scale_up_limit(void **st)
{
    (void)st;
    sa_hpa_params p = defaults();
    sa_hpa_state s;
    int prop;
    /* R = 6: limit max(12, 10) = 12 although 23 is proposed */
    sa_hpa_state_init(&s);
    assert_int_equal(sa_hpa_step(&s, &p, 600, 16, 6, 6, &prop), 12);
    assert_int_equal(prop, 23);
    /* R = 2: limit max(4, 6) = 6 */
    sa_hpa_state_init(&s);
    assert_int_equal(sa_hpa_step(&s, &p, 0, 14, 2, 2, &prop), 6);
    assert_int_equal(prop, 20);
    /* max_replicas clamps below the limit */
    p.max_replicas = 5;
    sa_hpa_state_init(&s);
    assert_int_equal(sa_hpa_step(&s, &p, 0, 14, 2, 2, NULL), 5);
}

static void hpa_min_clamp_and_zero_demand(void **st)
{
    (void)st;
    sa_hpa_params p = defaults();
    p.min_replicas = 2;
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    int prop;
    assert_int_equal(sa_hpa_step(&s, &p, 0, 0.0, 3, 3, &prop), 2);
    assert_int_equal(prop, 0);
}

static void hpa_stabilisation_window_inclusive(void **st)
{
    (void)st;
    sa_hpa_params p = defaults();
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    int prop;
    /* t=0: demand 14 on 10 pods -> proposal 20, R 10 -> 20 */
    assert_int_equal(sa_hpa_step(&s, &p, 0, 14, 10, 10, &prop), 20);
    /* t=60..300: demand drops to 2.1 on 20 pods: proposal 3, but the
     * proposal 20 made at t=0 is still inside [t-300, t] */
    for (int t = 60; t <= 300; t += 60) {
        assert_int_equal(sa_hpa_step(&s, &p, t, 2.1, 20, 20, &prop), 20);
        assert_int_equal(prop, 3);
    }
    /* t=300 + tiny float noise: still inside thanks to the 1e-9 slack */
    sa_hpa_state s2 = s;
    assert_int_equal(sa_hpa_step(&s2, &p, 300.0 + 1e-12, 2.1, 20, 20, NULL), 20);
    /* t=360: 0 is out; the window [60, 360] holds only 3s */
    assert_int_equal(sa_hpa_step(&s, &p, 360, 2.1, 20, 20, &prop), 3);
}

static void hpa_stabilisation_never_raises(void **st)
{
    (void)st;
    sa_hpa_params p = defaults();
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    /* a big past proposal while R is lower now: min(R, max window) = R */
    assert_int_equal(sa_hpa_step(&s, &p, 0, 14, 10, 10, NULL), 20);
    assert_int_equal(sa_hpa_step(&s, &p, 60, 2.1, 8, 8, NULL), 8);
}

static void hpa_ring_full_stays_bounded(void **st)
{
    (void)st;
    sa_hpa_params p = defaults();
    p.downscale_window_s = 1e9;
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    for (int i = 0; i < 3 * SA_HPA_WINDOW_MAX; i++)
        (void)sa_hpa_step(&s, &p, i, 7.0, 10, 10, NULL);
    assert_int_equal(s.n, SA_HPA_WINDOW_MAX);
}

/* The worked example of replay-spec.md, with the spec's pod model. */
typedef struct {
    int r;
    double ready_at[64];
} pods;

static int pods_ready(const pods *p, double t)
{
    int n = 0;
    for (int i = 0; i < p->r; i++)
        n += p->ready_at[i] <= t + 1e-9;
    return n;
}

static void pods_resize(pods *p, int r, double t, double startup)
{
    /* ready times are nondecreasing in index: new pods go last, and the
     * pods with the latest ready time are the last ones, removed first */
    for (int i = p->r; i < r; i++)
        p->ready_at[i] = t + startup;
    p->r = r;
}

static void hpa_worked_example(void **st)
{
    (void)st;
    static const double vals[] = {10, 20, 80, 100, 40, 10, 10};
    sa_hpa_params p = defaults();
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    pods pd = {0};
    double d0 = vals[0] / 5.0;
    pods_resize(&pd, (int)ceil(d0 / 0.7 - 1e-9), -1e9, 0);
    assert_int_equal(pd.r, 3);
    int violations = 0, actions = 0;
    double replica_s = 0;
    int r_at[31];
    for (int k = 0; k <= 30; k++) {
        double t = 60.0 * k;
        double d = vals[k / 5 < 6 ? k / 5 : 6] / 5.0;
        int ready = pods_ready(&pd, t);
        violations += d / ready > 1.0 + 1e-9;
        replica_s += pd.r * 60.0;
        int nr = sa_hpa_step(&s, &p, t, d, ready, pd.r, NULL);
        actions += nr != pd.r;
        pods_resize(&pd, nr, t, 120);
        r_at[k] = nr;
    }
    assert_int_equal(r_at[5], 6);   /* t=300 */
    assert_int_equal(r_at[10], 12); /* t=600 */
    assert_int_equal(r_at[11], 23); /* t=660 */
    assert_int_equal(r_at[15], 29); /* t=900 */
    assert_int_equal(r_at[24], 29); /* t=1440: still stabilised */
    assert_int_equal(r_at[25], 12); /* t=1500 */
    assert_int_equal(r_at[30], 3);  /* t=1800 */
    assert_int_equal(violations, 5);
    assert_int_equal(actions, 6);
    SA_ASSERT_NEAR(replica_s / 3600.0, 8.3667, 5e-5);
}

/* ---- the reactive rule source ---- */

static sa_context ctx_with(int r, double cpu, double mem, int ready)
{
    sa_context c;
    sa_context_init(&c);
    snprintf(c.name, sizeof c.name, "web");
    snprintf(c.namespace_, sizeof c.namespace_, "shop");
    c.current_replicas = r;
    c.min_replicas = 2;
    c.max_replicas = 10;
    c.cpu_percent = cpu;
    c.memory_percent = mem;
    c.ready_pods = ready;
    c.observed_at = 1000;
    return c;
}

static sa_rec eval(const sa_context *ctx, sa_hpa_state *s, int64_t now)
{
    sa_constraints c;
    sa_constraints_for(&c, ctx);
    sa_rec r;
    sa_rules_evaluate(ctx, &c, s, now, &r);
    return r;
}

static void rules_interface_example(void **st)
{
    (void)st;
    /* cpu 182% on 3 pods vs 70%: demand 5.46, ceil(7.8) = 8, limit 7 */
    sa_context ctx = ctx_with(3, 182.0, 41.5, 3);
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    sa_rec r = eval(&ctx, &s, 1000);
    assert_true(r.present);
    assert_int_equal(r.action, SA_ACTION_SCALE_UP);
    assert_int_equal(r.target_replicas, 7);
    assert_true(r.confidence > 0.8 && r.confidence <= 0.9 + 1e-12);
    assert_non_null(strstr(r.reasoning, "182.0%"));
    assert_non_null(strstr(r.reasoning, "= 8 pods"));
    assert_non_null(strstr(r.reasoning, "scale-up limit"));
    assert_true(r.n_factors >= 4);
    assert_int_equal(r.performance, SA_PERF_POSITIVE);
    assert_int_equal(r.timing, SA_TIMING_IMMEDIATE);
    assert_int_equal(r.cost, SA_LEVEL_HIGH); /* +4 on 3 */
    assert_string_equal(r.model, "");
}

static void rules_within_tolerance_maintains(void **st)
{
    (void)st;
    sa_context ctx = ctx_with(4, 72.0, 50.0, 4);
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    sa_rec r = eval(&ctx, &s, 1000);
    assert_int_equal(r.action, SA_ACTION_MAINTAIN);
    assert_int_equal(r.target_replicas, 4);
    assert_int_equal(r.timing, SA_TIMING_NEXT_REVIEW);
    assert_non_null(strstr(r.reasoning, "within tolerance"));
}

static void rules_scale_down_is_stabilised(void **st)
{
    (void)st;
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    sa_context ctx = ctx_with(8, 70.0, 50.0, 8);
    sa_rec r = eval(&ctx, &s, 1000); /* proposal 8 remembered */
    assert_int_equal(r.target_replicas, 8);
    ctx.cpu_percent = 20.0; /* demand 1.6 -> 3 */
    r = eval(&ctx, &s, 1060);
    assert_int_equal(r.action, SA_ACTION_MAINTAIN);
    assert_int_equal(r.target_replicas, 8);
    assert_non_null(strstr(r.reasoning, "stabilisation"));
    r = eval(&ctx, &s, 1000 + 301);
    assert_int_equal(r.action, SA_ACTION_SCALE_DOWN);
    assert_int_equal(r.target_replicas, 3);
    assert_int_equal(r.risk, SA_LEVEL_HIGH);
    assert_int_equal(r.cost, SA_LEVEL_LOW);
}

static void rules_min_bound(void **st)
{
    (void)st;
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    sa_context ctx = ctx_with(3, 1.0, 10.0, 3);
    sa_rec r = eval(&ctx, &s, 1000);
    assert_int_equal(r.action, SA_ACTION_SCALE_DOWN);
    assert_int_equal(r.target_replicas, 2); /* min */
    assert_non_null(strstr(r.reasoning, "bounds 2..10 give 2"));
}

static void rules_at_max(void **st)
{
    (void)st;
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    sa_context ctx = ctx_with(10, 150.0, 50.0, 10);
    sa_rec r = eval(&ctx, &s, 1000);
    assert_int_equal(r.action, SA_ACTION_AT_MAX);
    assert_int_equal(r.target_replicas, 10);
    assert_int_equal(r.risk, SA_LEVEL_HIGH);
    assert_non_null(strstr(r.reasoning, "already at max_replicas 10"));
    /* below max the same load scales up to max */
    sa_hpa_state_init(&s);
    ctx = ctx_with(8, 150.0, 50.0, 8);
    r = eval(&ctx, &s, 1000);
    assert_int_equal(r.action, SA_ACTION_SCALE_UP);
    assert_int_equal(r.target_replicas, 10);
}

static void rules_memory_pressure(void **st)
{
    (void)st;
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    /* cpu fine, memory 92% on 4: ceil(4 * 92 / 70) = 6 */
    sa_context ctx = ctx_with(4, 70.0, 92.0, 4);
    sa_rec r = eval(&ctx, &s, 1000);
    assert_int_equal(r.action, SA_ACTION_SCALE_UP);
    assert_int_equal(r.target_replicas, 6);
    assert_non_null(strstr(r.reasoning, "Memory 92.0% is above 85%"));
    /* memory pressure vetoes a CPU scale-down */
    sa_hpa_state_init(&s);
    ctx = ctx_with(4, 10.0, 86.0, 4);
    r = eval(&ctx, &s, 1000);
    assert_int_equal(r.action, SA_ACTION_SCALE_UP);
    assert_int_equal(r.target_replicas, 5);
}

/* An HPA with a memory Utilization target: as the HPA, the larger of the
 * metrics' ratios decides (and the pressure rule stands aside). */
static void rules_hpa_memory_target(void **st)
{
    (void)st;
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    /* cpu 0.5x its 70 % target, memory 96 % against 80: 1.2x, ceil(4 x 1.2) = 5 */
    sa_context ctx = ctx_with(4, 35.0, 96.0, 4);
    ctx.target_memory_percent = 80.0;
    ctx.max_replicas = 20;
    sa_rec r = eval(&ctx, &s, 1000);
    assert_int_equal(r.action, SA_ACTION_SCALE_UP);
    assert_int_equal(r.target_replicas, 5);
    assert_non_null(strstr(r.reasoning, "Memory 96.0% on 4 ready pods is 1.20x the HPA's 80% "
                                        "memory target: needs ceil(4 x 1.20) = 5 pods; HPA asks "
                                        "for 5."));
    assert_non_null(strstr(r.reasoning, "CPU is 0.50x its target, below memory's ratio."));
    bool factor = false;
    for (size_t i = 0; i < r.n_factors; i++)
        factor = factor || strstr(r.factors[i], "vs the HPA's memory target 80.0% (ratio 1.20), "
                                                "the larger: it decides");
    assert_true(factor);
    /* memory at 92 % against 88 (1.05x) is below CPU's 80 / 70 (1.14x):
     * CPU decides, 5; no pressure rule (it would ask for 6) */
    sa_hpa_state_init(&s);
    ctx = ctx_with(4, 80.0, 92.0, 4);
    ctx.target_memory_percent = 88.0;
    r = eval(&ctx, &s, 1000);
    assert_int_equal(r.target_replicas, 5);
    assert_non_null(strstr(r.reasoning, "Memory 92.0% is 1.05x the HPA's 88% memory target, "
                                        "below CPU's ratio."));
    /* CPU unknown: memory alone decides; a low memory ratio scales down */
    sa_hpa_state_init(&s);
    ctx = ctx_with(4, NAN, 20.0, 4);
    ctx.target_memory_percent = 80.0;
    r = eval(&ctx, &s, 1000);
    assert_int_equal(r.action, SA_ACTION_SCALE_DOWN);
    assert_int_equal(r.target_replicas, 2); /* ceil(4 x 0.25) = 1, min 2 */
}

/* A history of 41 samples 15 s apart ending at 1000: r0 pods at m0 %
 * memory until the change at `at` (seconds before 1000), r1 at m1 after. */
static void memory_history(sa_context *c, sa_sample h[41], int r0, double m0, int r1, double m1,
                           int at)
{
    for (int i = 0; i < 41; i++) {
        int64_t t = 400 + 15 * i;
        bool after = t >= 1000 - at;
        h[i] = (sa_sample){.timestamp = t,
                           .cpu_percent = 70.0,
                           .memory_percent = after ? m1 : m0,
                           .request_rate = NAN,
                           .replicas = after ? r1 : r0};
    }
    c->history = h;
    c->n_history = 41;
}

/* Memory pressure asks for more replicas only where memory follows them:
 * a heap that stayed at 90 % when a replica was added (a JVM's) is not
 * relieved by more, and scaling on it would run to max_replicas. */
static void rules_memory_that_does_not_follow(void **st)
{
    (void)st;
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    sa_sample h[41];
    sa_context ctx = ctx_with(5, 70.0, 90.0, 5);
    memory_history(&ctx, h, 4, 89.0, 5, 90.0, 300);
    assert_int_equal(sa_rules_memory_follows(&ctx, NULL, NULL), SA_MEM_FIXED);
    sa_rec r = eval(&ctx, &s, 1000);
    assert_int_equal(r.target_replicas, 5);
    assert_non_null(strstr(r.reasoning, "Memory 90.0% is above 85% but did not fall when "
                                        "replicas went from 4 to 5 (89.0% then): more replicas "
                                        "would not relieve it"));
    /* where it followed (110 % on 4 became 88 % on 5), it asks: ceil(5 x 88 / 70) */
    sa_hpa_state_init(&s);
    ctx = ctx_with(5, 70.0, 88.0, 5);
    memory_history(&ctx, h, 4, 110.0, 5, 88.0, 300);
    assert_int_equal(sa_rules_memory_follows(&ctx, NULL, NULL), SA_MEM_FOLLOWS);
    r = eval(&ctx, &s, 1000);
    assert_int_equal(r.target_replicas, 7);
    /* a change 30 s old, or pods not all ready: its effect is awaited */
    sa_hpa_state_init(&s);
    ctx = ctx_with(5, 70.0, 90.0, 5);
    memory_history(&ctx, h, 4, 89.0, 5, 90.0, 30);
    assert_int_equal(sa_rules_memory_follows(&ctx, NULL, NULL), SA_MEM_SETTLING);
    r = eval(&ctx, &s, 1000);
    assert_int_equal(r.target_replicas, 5);
    assert_non_null(strstr(r.reasoning, "still starting"));
    ctx.ready_pods = 4;
    memory_history(&ctx, h, 4, 89.0, 5, 90.0, 300);
    assert_int_equal(sa_rules_memory_follows(&ctx, NULL, NULL), SA_MEM_SETTLING);
    /* no change in the last 30 minutes: no evidence, the pressure rule asks */
    ctx = ctx_with(5, 70.0, 90.0, 5);
    memory_history(&ctx, h, 5, 90.0, 5, 90.0, 300);
    assert_int_equal(sa_rules_memory_follows(&ctx, NULL, NULL), SA_MEM_NO_EVIDENCE);
    /* a scale-down that memory followed (80 % on 6 became 96 % on 5) */
    ctx = ctx_with(5, 70.0, 96.0, 5);
    memory_history(&ctx, h, 6, 80.0, 5, 96.0, 300);
    assert_int_equal(sa_rules_memory_follows(&ctx, NULL, NULL), SA_MEM_FOLLOWS);
}

/* An HPA that also scales on metrics the rule cannot read (external,
 * custom): its own desired count stands for them, as the largest of the
 * HPA's proposals would. */
static void rules_hpa_other_metrics(void **st)
{
    (void)st;
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    sa_context ctx = ctx_with(4, 70.0, 40.0, 4); /* CPU keeps 4 */
    ctx.has_hpa = true;
    ctx.hpa_desired_replicas = 9;
    sa_strlcpy(ctx.hpa_other_metrics, "External queue_messages_ready",
               sizeof ctx.hpa_other_metrics);
    sa_rec r = eval(&ctx, &s, 1000);
    assert_int_equal(r.target_replicas, 9);
    assert_non_null(strstr(r.reasoning, "The HPA also scales on External queue_messages_ready, "
                                        "not read here: its own desired 9 replicas stand for "
                                        "them and decide."));
    bool factor = false;
    for (size_t i = 0; i < r.n_factors; i++)
        factor = factor || strstr(r.factors[i], "HPA metrics not read here: External "
                                                "queue_messages_ready (its desired 9)");
    assert_true(factor);
    /* below CPU's wish it does not decide; unknown, it is only named */
    sa_hpa_state_init(&s);
    ctx.cpu_percent = 140.0; /* ceil(4 x 2) = 8 */
    ctx.hpa_desired_replicas = 5;
    r = eval(&ctx, &s, 1000);
    assert_int_equal(r.target_replicas, 8);
    assert_non_null(strstr(r.reasoning, "its own desired 5 replicas stand for them."));
    ctx.hpa_desired_replicas = -1;
    r = eval(&ctx, &s, 1015);
    assert_non_null(strstr(r.reasoning, "(its desired count unknown)"));
    /* without other metrics the HPA's desired is only shown, not used */
    sa_hpa_state_init(&s);
    ctx = ctx_with(4, 70.0, 40.0, 4);
    ctx.has_hpa = true;
    ctx.hpa_desired_replicas = 9;
    r = eval(&ctx, &s, 1000);
    assert_int_equal(r.target_replicas, 4);
}

static void rules_unknown_cpu(void **st)
{
    (void)st;
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    sa_context ctx = ctx_with(4, NAN, 40.0, 4);
    sa_rec r = eval(&ctx, &s, 1000);
    assert_int_equal(r.action, SA_ACTION_MAINTAIN);
    assert_int_equal(r.target_replicas, 4);
    assert_true(r.confidence < 0.75);
    assert_non_null(strstr(r.reasoning, "CPU utilisation unknown"));
    assert_int_equal(s.n, 0);
    /* nothing known at all */
    ctx = ctx_with(4, NAN, NAN, -1);
    r = eval(&ctx, &s, 1000);
    assert_int_equal(r.action, SA_ACTION_MAINTAIN);
    SA_ASSERT_NEAR(r.confidence, 0.3, 1e-12);
}

static void rules_unknown_ready_assumes_current(void **st)
{
    (void)st;
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    sa_context ctx = ctx_with(4, 140.0, 40.0, -1);
    sa_rec r = eval(&ctx, &s, 1000);
    assert_int_equal(r.target_replicas, 8); /* 5.6 / 0.7 */
    assert_true(r.confidence < 0.9 - 0.1);
    assert_non_null(strstr(r.factors[1], "assumed"));
}

/* An HPA's scale-up stabilisation window: the lowest proposal of the
 * window holds a scale-up back, as the controller does with behavior. */
static void hpa_scale_up_window(void **st)
{
    (void)st;
    sa_hpa_params p;
    sa_hpa_params_init(&p);
    p.upscale_window_s = 60.0;
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    assert_int_equal(sa_hpa_step(&s, &p, 0.0, 2.1, 3, 3, NULL), 3);   /* proposes 3 */
    assert_int_equal(sa_hpa_step(&s, &p, 30.0, 4.2, 3, 3, NULL), 3);  /* 6, held at 3 */
    assert_int_equal(sa_hpa_step(&s, &p, 45.0, 3.5, 3, 3, NULL), 3);  /* 5, held */
    assert_int_equal(sa_hpa_step(&s, &p, 61.0, 4.2, 3, 3, NULL), 5);  /* lowest left: 5 */
    assert_int_equal(sa_hpa_step(&s, &p, 106.0, 4.2, 3, 3, NULL), 6); /* window all 6 */
    /* without the spec's rate limit (behavior policies apply elsewhere) */
    sa_hpa_params_init(&p);
    p.rate_limit = false;
    sa_hpa_state_init(&s);
    assert_int_equal(sa_hpa_step(&s, &p, 0.0, 14.0, 2, 2, NULL), 20);
    p.rate_limit = true;
    assert_int_equal(sa_hpa_step(&s, &p, 15.0, 14.0, 2, 2, NULL), 6);
}

/* The rule with an HPA's behavior: its windows, no built-in rate limit,
 * and the reasoning says which held the scale-up. */
static void rules_follow_hpa_behavior(void **st)
{
    (void)st;
    sa_context ctx = ctx_with(2, 70.0, 40.0, 2);
    ctx.max_replicas = 50;
    sa_scaling_rules_default(&ctx.hpa_scale_up, true);
    ctx.hpa_scale_up.window_s = 120;
    sa_scaling_rules_default(&ctx.hpa_scale_down, false);
    sa_hpa_state s;
    sa_hpa_state_init(&s);
    sa_rec r = eval(&ctx, &s, 1000); /* steady: proposes 2 */
    assert_int_equal(r.target_replicas, 2);
    ctx.cpu_percent = 490.0; /* demand 9.8: 14 pods, past max(2R, R+4) = 6 */
    r = eval(&ctx, &s, 1060);
    assert_int_equal(r.target_replicas, 2);
    assert_non_null(strstr(r.reasoning, "scale-up stabilisation over the window holds at 2"));
    r = eval(&ctx, &s, 1121);
    assert_int_equal(r.target_replicas, 14); /* the behavior's policies limit it in decide */
}

static void action_for_words(void **st)
{
    (void)st;
    assert_int_equal(sa_action_for(3, 5, 10), SA_ACTION_SCALE_UP);
    assert_int_equal(sa_action_for(5, 3, 10), SA_ACTION_SCALE_DOWN);
    assert_int_equal(sa_action_for(5, 5, 10), SA_ACTION_MAINTAIN);
    assert_int_equal(sa_action_for(10, 12, 10), SA_ACTION_AT_MAX);
    assert_int_equal(sa_action_for(10, 10, 10), SA_ACTION_MAINTAIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hpa_defaults_match_spec),
        cmocka_unit_test(hpa_no_ready_pod_keeps_r),
        cmocka_unit_test(hpa_tolerance_boundaries),
        cmocka_unit_test(hpa_separate_tolerances),
        cmocka_unit_test(hpa_ceil_slack),
        cmocka_unit_test(hpa_scale_up_limit),
        cmocka_unit_test(hpa_min_clamp_and_zero_demand),
        cmocka_unit_test(hpa_stabilisation_window_inclusive),
        cmocka_unit_test(hpa_stabilisation_never_raises),
        cmocka_unit_test(hpa_ring_full_stays_bounded),
        cmocka_unit_test(hpa_worked_example),
        cmocka_unit_test(hpa_scale_up_window),
        cmocka_unit_test(rules_follow_hpa_behavior),
        cmocka_unit_test(rules_interface_example),
        cmocka_unit_test(rules_within_tolerance_maintains),
        cmocka_unit_test(rules_scale_down_is_stabilised),
        cmocka_unit_test(rules_min_bound),
        cmocka_unit_test(rules_at_max),
        cmocka_unit_test(rules_memory_pressure),
        cmocka_unit_test(rules_hpa_memory_target),
        cmocka_unit_test(rules_hpa_other_metrics),
        cmocka_unit_test(rules_memory_that_does_not_follow),
        cmocka_unit_test(rules_unknown_cpu),
        cmocka_unit_test(rules_unknown_ready_assumes_current),
        cmocka_unit_test(action_for_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
