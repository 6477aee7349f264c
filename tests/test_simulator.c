/*
 * test_simulator.c - the simulated cluster's pure core and its source:
 * determinism by seed, the four load shapes, start-up delay of new pods,
 * CPU following load over ready pods, the cluster's own HPA, the
 * back-fill of the first collect and apply().
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_test.h"
#include "scaleadvisor/simulator.h"
#include "scaleadvisor/banned.h"

#define T0 1699999200 /* a multiple of 3600: the simulated day starts at 0 */

enum { WEB = 0, CHECKOUT, INGEST, API };

static sa_sim *make_at(uint64_t seed, int64_t step, bool hpa, int64_t start)
{
    sa_sim_options o;
    sa_sim *s = NULL;
    sa_errbuf eb = {0};
    sa_sim_options_init(&o);
    o.seed = seed;
    o.step_s = step;
    o.hpa = hpa;
    assert_int_equal(sa_sim_create(&o, start, &s, &eb), SA_OK);
    return s;
}

static sa_sim *make(uint64_t seed, int64_t step, bool hpa)
{
    return make_at(seed, step, hpa, T0);
}

static void test_same_seed_same_run_other_seed_differs(void **state)
{
    (void)state;
    sa_sim *a = make(7, 15, true), *b = make(7, 15, true), *c = make(8, 15, true);
    int differ = 0;
    for (int k = 1; k <= 200; k++) {
        /* b is advanced in uneven jumps: the run must not depend on them */
        sa_sim_advance(a, T0 + 15 * k);
        if (k % 3 == 0)
            sa_sim_advance(b, T0 + 15 * k);
        sa_sim_advance(c, T0 + 15 * k);
        if (k % 3 != 0)
            continue;
        for (size_t i = 0; i < SA_SIM_DEPLOYMENTS; i++) {
            sa_context x, y, z;
            sa_sim_observe(a, i, &x);
            sa_sim_observe(b, i, &y);
            sa_sim_observe(c, i, &z);
            SA_ASSERT_NEAR(x.cpu_percent, y.cpu_percent, 0);
            SA_ASSERT_NEAR(x.memory_percent, y.memory_percent, 0);
            assert_int_equal(x.current_replicas, y.current_replicas);
            if (fabs(x.request_rate - z.request_rate) > 1e-9)
                differ++;
        }
    }
    assert_true(differ > 50);
    sa_sim_destroy(a);
    sa_sim_destroy(b);
    sa_sim_destroy(c);
}

static void test_two_namespaces_four_deployments(void **state)
{
    (void)state;
    sa_sim *s = make(1, 15, true);
    const char *want[SA_SIM_DEPLOYMENTS][2] = {
        {"shop", "web"}, {"shop", "checkout"}, {"analytics", "ingest"}, {"analytics", "api"}};
    sa_sim_advance(s, T0 + 60);
    for (size_t i = 0; i < SA_SIM_DEPLOYMENTS; i++) {
        sa_context c;
        sa_sim_observe(s, i, &c);
        assert_string_equal(c.namespace_, want[i][0]);
        assert_string_equal(c.name, want[i][1]);
        assert_true(c.min_replicas >= 1 && c.max_replicas > c.min_replicas);
        assert_true(c.current_replicas >= c.min_replicas);
        assert_true(isfinite(c.cpu_percent) && c.cpu_percent > 0);
        assert_true(isfinite(c.memory_percent) && c.memory_percent > 0 && c.memory_percent <= 100);
        assert_int_equal(c.observed_at, T0 + 60);
        assert_true(c.has_hpa);
    }
    sa_sim_destroy(s);
}

static void test_bursty_bursts_5_to_20_every_1_to_3_s(void **state)
{
    (void)state;
    sa_sim *s = make(3, 1, false); /* 1 s window: each observation is one second */
    int64_t last_burst = 0;
    int bursts = 0;
    for (int64_t t = T0 + 1; t <= T0 + 600; t++) {
        double r;
        sa_sim_advance(s, t);
        r = sa_sim_request_rate(s, CHECKOUT);
        if (r > 0) {
            assert_true(r >= 5 && r <= 20);
            SA_ASSERT_NEAR(r, floor(r), 0);
            if (last_burst)
                assert_true(t - last_burst >= 1 && t - last_burst <= 3);
            last_burst = t;
            bursts++;
        }
    }
    assert_true(bursts >= 600 / 3 && bursts <= 600);
    sa_sim_destroy(s);
}

static double mean_rate(sa_sim *s, size_t i, int64_t from, int64_t to)
{
    double sum = 0;
    int n = 0;
    for (int64_t t = from; t <= to; t += 15) {
        sa_sim_advance(s, t);
        sum += sa_sim_request_rate(s, i);
        n++;
    }
    return sum / n;
}

static void test_seasonal_ramp_steady_shapes(void **state)
{
    (void)state;
    sa_sim *s = make(5, 15, true);
    /* web: a simulated day of 3600 s; the night (around phase 0.6 rad back)
     * is far below the afternoon. */
    double night = mean_rate(s, WEB, T0 + 15, T0 + 300);
    double peak = mean_rate(s, WEB, T0 + 1800, T0 + 2400);
    assert_true(peak > 3 * night);
    /* and the next day repeats it */
    double night2 = mean_rate(s, WEB, T0 + 3600 + 15, T0 + 3600 + 300);
    assert_true(fabs(night2 - night) < 0.3 * night);
    sa_sim_destroy(s);

    /* ingest rises slowly over two simulated days (T4: the start of its
     * four-day triangle), then falls over the next two */
    const int64_t T4 = T0 - 7200;
    s = make_at(5, 15, true, T4);
    double r1 = mean_rate(s, INGEST, T4 + 15, T4 + 900);
    double r2 = mean_rate(s, INGEST, T4 + 3600, T4 + 4500);
    double r3 = mean_rate(s, INGEST, T4 + 7200 - 900, T4 + 7200);
    double r4 = mean_rate(s, INGEST, T4 + 10800, T4 + 11700);
    assert_true(r4 < r3);
    assert_true(r1 < r2 && r2 < r3);
    assert_true(r3 > 3 * r1);
    /* api is steady: every window within 15 % of 80 req/s */
    for (int64_t t = T4 + 11715; t < T4 + 13500; t += 15) {
        sa_sim_advance(s, t);
        assert_true(fabs(sa_sim_request_rate(s, API) - 80.0) < 12.0);
    }
    sa_sim_destroy(s);
}

static void test_new_pods_take_startup_to_be_ready(void **state)
{
    (void)state;
    sa_sim *s = make(2, 15, false);
    sa_actuation a;
    sa_errbuf eb = {0};
    sa_context before, mid, after;
    sa_sim_advance(s, T0 + 60);
    sa_sim_observe(s, API, &before);
    assert_int_equal(
        sa_sim_set_replicas(s, "analytics", "api", before.current_replicas + 4, &a, &eb), SA_OK);
    assert_int_equal(a.before, before.current_replicas);
    assert_int_equal(a.after, before.current_replicas + 4);
    assert_string_equal(a.method, "simulator");
    sa_sim_advance(s, T0 + 60 + 30); /* start-up is 45 s */
    sa_sim_observe(s, API, &mid);
    assert_int_equal(mid.current_replicas, before.current_replicas + 4);
    assert_int_equal(mid.ready_pods, before.ready_pods);
    sa_sim_advance(s, T0 + 60 + 45 + 15);
    sa_sim_observe(s, API, &after);
    assert_int_equal(after.ready_pods, before.current_replicas + 4);
    /* CPU follows load over ready pods: same load, more pods, lower CPU */
    assert_true(after.cpu_percent < mid.cpu_percent * 0.8);
    /* clamped to the bounds; unknown names refused */
    assert_int_equal(sa_sim_set_replicas(s, "analytics", "api", 1000, &a, &eb), SA_OK);
    assert_int_equal(a.after, after.max_replicas);
    assert_int_equal(sa_sim_set_replicas(s, "analytics", "nope", 3, &a, &eb), SA_ERR_NOTFOUND);
    assert_non_null(strstr(eb.msg, "analytics/nope"));
    /* without the cluster HPA nothing moves replicas by itself */
    sa_sim_advance(s, T0 + 3600);
    sa_sim_observe(s, API, &after);
    assert_int_equal(after.current_replicas, after.max_replicas);
    assert_false(after.has_hpa);
    sa_sim_destroy(s);
}

static void test_cluster_hpa_holds_cpu_near_target(void **state)
{
    (void)state;
    sa_sim *s = make(4, 15, true);
    sa_context c;
    /* api starts over-provisioned (5 pods, ~3.2 needed at 100 %) */
    sa_sim_advance(s, T0 + 1800);
    sa_sim_observe(s, API, &c);
    assert_true(c.cpu_percent > 50 && c.cpu_percent < 90);
    assert_int_equal(c.hpa_desired_replicas, c.current_replicas);
    sa_sim_destroy(s);
}

/* checkout's HPA has a behavior: scale-down at most one pod a minute
 * after a 10-minute window; its context says so, web's has none. */
static void test_checkout_hpa_behavior(void **state)
{
    (void)state;
    sa_sim *s = make(5, 15, true);
    sa_context c;
    sa_actuation a;
    sa_errbuf eb = {0};
    sa_sim_advance(s, T0 + 900);
    assert_int_equal(sa_sim_set_replicas(s, "shop", "checkout", 8, &a, &eb), SA_OK);
    int last = 8, drops = 0;
    for (int64_t t = T0 + 960; t <= T0 + 900 + 1800; t += 60) {
        sa_sim_advance(s, t);
        sa_sim_observe(s, CHECKOUT, &c);
        assert_true(c.current_replicas >= last - 1); /* one pod a minute at most */
        drops += last - c.current_replicas > 0;
        last = c.current_replicas;
    }
    assert_true(drops >= 3); /* it does come down, a pod at a time */
    assert_true(c.hpa_scale_down.set && c.hpa_scale_up.set);
    assert_int_equal(c.hpa_scale_down.window_s, 600);
    assert_int_equal(c.hpa_scale_down.policies[0].value, 1);
    sa_sim_observe(s, WEB, &c);
    assert_false(c.hpa_scale_down.set || c.hpa_scale_up.set);
    sa_sim_destroy(s);
}

static void test_source_backfill_then_live(void **state)
{
    (void)state;
    sa_sim_options o;
    sa_src *src = NULL;
    sa_errbuf eb = {0};
    sa_context *v = NULL;
    size_t n = 0;
    sa_actuation a;
    sa_sim_options_init(&o);
    o.step_s = 15;
    o.hpa = false;
    assert_int_equal(sa_sim_source_create(&o, &src, &eb), SA_OK);
    assert_string_equal(src->kind, "simulator");
    assert_int_equal(src->apply(src, NULL, 3, &a, &eb), SA_ERR_UNAVAILABLE);
    assert_int_equal(src->collect(src, T0, &v, &n, &eb), SA_OK);
    assert_int_equal(n, SA_SIM_DEPLOYMENTS);
    for (size_t i = 0; i < n; i++) {
        /* two simulated days at 15 s, before now, evenly spaced */
        assert_int_equal(v[i].n_history, 7200 / 15 - 1);
        assert_int_equal(v[i].history[0].timestamp, T0 - 7200 + 15);
        for (size_t k = 1; k < v[i].n_history; k++)
            assert_int_equal(v[i].history[k].timestamp - v[i].history[k - 1].timestamp, 15);
        assert_int_equal(v[i].history[v[i].n_history - 1].timestamp, T0 - 15);
        assert_int_equal(v[i].observed_at, T0);
        assert_true(isfinite(v[i].cpu_percent));
    }
    assert_int_equal(src->apply(src, &v[0], v[0].current_replicas + 1, &a, &eb), SA_OK);
    assert_int_equal(a.after, a.before + 1);
    sa_src_contexts_free(v, n);
    assert_int_equal(src->collect(src, T0 + 15, &v, &n, &eb), SA_OK);
    assert_int_equal(v[0].n_history, 0);
    assert_int_equal(v[0].observed_at, T0 + 15);
    assert_int_equal(v[0].current_replicas, a.after);
    sa_src_contexts_free(v, n);
    /* a late collect hands out the grid samples it skipped ... */
    assert_int_equal(src->collect(src, T0 + 60, &v, &n, &eb), SA_OK);
    assert_int_equal(v[3].n_history, 2);
    assert_int_equal(v[3].history[0].timestamp, T0 + 30);
    assert_int_equal(v[3].history[1].timestamp, T0 + 45);
    sa_src_contexts_free(v, n);
    /* ... an off-grid collect (evaluate now) does not move the grid */
    assert_int_equal(src->collect(src, T0 + 67, &v, &n, &eb), SA_OK);
    assert_int_equal(v[0].n_history, 0);
    assert_int_equal(v[0].observed_at, T0 + 67);
    sa_src_contexts_free(v, n);
    assert_int_equal(src->collect(src, T0 + 75, &v, &n, &eb), SA_OK);
    assert_int_equal(v[0].n_history, 0);
    sa_src_contexts_free(v, n);
    assert_int_equal(src->collect(src, T0 + 105, &v, &n, &eb), SA_OK);
    assert_int_equal(v[1].n_history, 1);
    assert_int_equal(v[1].history[0].timestamp, T0 + 90);
    sa_src_contexts_free(v, n);
    sa_src_destroy(src);

    o.step_s = 0;
    assert_int_equal(sa_sim_source_create(&o, &src, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, "step"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_run_other_seed_differs),
        cmocka_unit_test(test_two_namespaces_four_deployments),
        cmocka_unit_test(test_bursty_bursts_5_to_20_every_1_to_3_s),
        cmocka_unit_test(test_seasonal_ramp_steady_shapes),
        cmocka_unit_test(test_new_pods_take_startup_to_be_ready),
        cmocka_unit_test(test_cluster_hpa_holds_cpu_near_target),
        cmocka_unit_test(test_checkout_hpa_behavior),
        cmocka_unit_test(test_source_backfill_then_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
