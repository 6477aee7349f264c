/*
 * test_predict.c - the predictive policy: parameter checks, the reactive
 * fallback while unproven and when inaccurate (and that it says so),
 * sizing from the held sample and the forecast, pre-scaling ahead of a
 * seasonal rise, headroom that grows with the errors, the down tolerance,
 * the forecast points and the demand conversion.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_test.h"
#include "scaleadvisor/predict.h"
#include "scaleadvisor/banned.h"

/* 5-minute samples decided every minute, as in the replay benchmark. */
static sa_predict_params replay_like(size_t period)
{
    sa_predict_params p;
    sa_predict_params_init(&p);
    p.sample_s = 300;
    p.interval_s = 60;
    p.startup_s = 120;
    p.period = period;
    return p;
}

static sa_predictor *make(const sa_predict_params *p)
{
    sa_predictor *pr = NULL;
    sa_errbuf eb = {0};
    assert_int_equal(sa_predictor_create(p, &pr, &eb), SA_OK);
    return pr;
}

static sa_context ctx_with(int current, int ready)
{
    sa_context c;
    sa_context_init(&c);
    c.current_replicas = current;
    c.ready_pods = ready;
    c.min_replicas = 1;
    c.max_replicas = 100;
    return c;
}

static void params_are_checked(void **st)
{
    (void)st;
    sa_predict_params p;
    sa_predictor *pr = NULL;
    sa_errbuf eb = {0};
    sa_predict_params_init(&p);
    p.risk = 1.5;
    assert_int_equal(sa_predictor_create(&p, &pr, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, "risk"));
    assert_null(pr);
    sa_predict_params_init(&p);
    p.sample_s = 0;
    assert_int_equal(sa_predictor_create(&p, &pr, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, "sample_s"));
    sa_predict_params_init(&p);
    p.max_replicas = 0;
    assert_int_equal(sa_predictor_create(&p, &pr, &eb), SA_ERR_INVALID);
    sa_predict_params_init(&p);
    p.miss_cost_rh = -1.0;
    assert_int_equal(sa_predictor_create(&p, &pr, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, "miss_cost_rh"));
    sa_predictor_destroy(NULL);
}

static void nothing_observed_no_recommendation(void **st)
{
    (void)st;
    sa_predict_params p = replay_like(0);
    sa_predictor *pr = make(&p);
    sa_context c = ctx_with(3, 3);
    sa_rec r;
    sa_forecast_summary fs;
    sa_predictor_recommend(pr, &c, 1000, &r, &fs);
    assert_false(r.present);
    assert_false(fs.present);
    double m[3];
    assert_int_equal(sa_predictor_forecast(pr, 3, m, NULL, NULL, NULL), 0);
    sa_predictor_destroy(pr);
}

static void unproven_falls_back_to_reactive_and_says_so(void **st)
{
    (void)st;
    sa_predict_params p = replay_like(0);
    sa_predictor *pr = make(&p);
    sa_context c = ctx_with(10, 10);
    sa_rec r;
    sa_predictor_observe(pr, 0, 14.0); /* u = 1.4 -> HPA: ceil(14 / 0.7) = 20 */
    sa_predictor_recommend(pr, &c, 0, &r, NULL);
    assert_true(r.present);
    assert_int_equal(r.target_replicas, 20);
    assert_int_equal(r.action, SA_ACTION_SCALE_UP);
    assert_non_null(strstr(r.reasoning, "not yet proven"));
    assert_non_null(strstr(r.reasoning, "reactive"));
    assert_true(isnan(sa_predictor_accuracy(pr)));
    sa_predictor_destroy(pr);
}

static void steady_load_sized_exactly(void **st)
{
    (void)st;
    sa_predict_params p = replay_like(0);
    sa_predictor *pr = make(&p);
    for (int i = 0; i < 60; i++)
        sa_predictor_observe(pr, 300.0 * i, 6.5);
    SA_ASSERT_NEAR(sa_predictor_accuracy(pr), 1.0, 1e-12);
    sa_context c = ctx_with(10, 10);
    sa_rec r;
    sa_forecast_summary fs;
    /* mid-sample: the held value covers the horizon -> 7 replicas, no
     * utilisation target; well below 10 (more than the tolerance) */
    sa_predictor_recommend(pr, &c, 300.0 * 59 + 60, &r, &fs);
    assert_int_equal(r.target_replicas, 7);
    assert_int_equal(r.action, SA_ACTION_SCALE_DOWN);
    assert_true(fs.present);
    SA_ASSERT_NEAR(fs.now, 6.5, 1e-12);
    SA_ASSERT_NEAR(fs.accuracy, 1.0, 1e-12);
    /* at 7 it stays */
    c.current_replicas = c.ready_pods = 7;
    sa_predictor_recommend(pr, &c, 300.0 * 59 + 120, &r, NULL);
    assert_int_equal(r.target_replicas, 7);
    assert_int_equal(r.action, SA_ACTION_MAINTAIN);
    sa_predictor_destroy(pr);
}

static void down_tolerance_holds_small_savings(void **st)
{
    (void)st;
    sa_predict_params p = replay_like(0);
    sa_predictor *pr = make(&p);
    for (int i = 0; i < 60; i++)
        sa_predictor_observe(pr, 300.0 * i, 18.5);
    sa_context c = ctx_with(20, 20); /* need 19: 1 of 20 < 5.5 % -> keep */
    sa_rec r;
    sa_predictor_recommend(pr, &c, 300.0 * 59 + 60, &r, NULL);
    assert_int_equal(r.target_replicas, 20);
    c.current_replicas = c.ready_pods = 21; /* 2 of 21 > 5.5 % -> 19 */
    sa_predictor_recommend(pr, &c, 300.0 * 59 + 60, &r, NULL);
    assert_int_equal(r.target_replicas, 19);
    sa_predictor_destroy(pr);
}

/* A square wave of period 24 samples: 4 units for 12, then 12 units. */
static double square(int i)
{
    return (i % 24) < 12 ? 4.0 : 12.0;
}

static void prescales_before_a_seasonal_rise(void **st)
{
    (void)st;
    sa_predict_params p = replay_like(24);
    sa_predictor *pr = make(&p);
    int i;
    for (i = 0; i < 24 * 9 + 12; i++) /* last observed: index 11 of a period (low) */
        sa_predictor_observe(pr, 300.0 * i, square(i));
    double t_last = 300.0 * (i - 1);
    sa_context c = ctx_with(4, 4);
    sa_rec r;
    sa_forecast_summary fs;
    /* 60 s into the sample: the horizon [120, 240) stays in it -> hold 4 */
    sa_predictor_recommend(pr, &c, t_last + 60, &r, NULL);
    assert_int_equal(r.target_replicas, 4);
    /* 180 s in: the horizon [240, 360) reaches the next sample, which the
     * seasonal forecaster knows is high: scale up before the rise */
    sa_predictor_recommend(pr, &c, t_last + 180, &r, &fs);
    assert_int_equal(r.action, SA_ACTION_SCALE_UP);
    assert_int_equal(r.target_replicas, 12);
    assert_non_null(strstr(r.reasoning, "forecast peak 12"));
    SA_ASSERT_NEAR(fs.peak, 12.0, 1e-9);
    assert_true(fs.accuracy > 0.99);
    assert_string_equal(fs.method, "seasonal");
    /* the forecast points follow the wave */
    double m[13], lo[13], up[13], t0 = 0;
    assert_int_equal(sa_predictor_forecast(pr, 13, m, lo, up, &t0), 13);
    SA_ASSERT_NEAR(t0, t_last, 0);
    for (int k = 0; k < 12; k++)
        SA_ASSERT_NEAR(m[k], 12.0, 1e-9);
    SA_ASSERT_NEAR(m[12], 4.0, 1e-9);
    for (int k = 0; k < 13; k++)
        assert_true(lo[k] <= m[k] + 1e-12 && m[k] <= up[k] + 1e-12);
    sa_predictor_destroy(pr);
}

static void headroom_grows_with_errors(void **st)
{
    (void)st;
    sa_predict_params p = replay_like(0);
    sa_predictor *calm = make(&p), *noisy = make(&p);
    unsigned x = 7;
    for (int i = 0; i < 400; i++) {
        x = x * 1103515245u + 12345u;
        double noise = (double)((x >> 16) % 1000) / 1000.0 - 0.5; /* [-0.5, 0.5) */
        sa_predictor_observe(calm, 300.0 * i, 20.0 + 0.2 * noise);
        sa_predictor_observe(noisy, 300.0 * i, 20.0 + 8.0 * noise);
    }
    double mc, uc, mn, un;
    assert_int_equal(sa_predictor_forecast(calm, 1, &mc, NULL, &uc, NULL), 1);
    assert_int_equal(sa_predictor_forecast(noisy, 1, &mn, NULL, &un, NULL), 1);
    /* the 99 % band above the forecast: about 0.2 vs about 8 */
    assert_true(uc - mc < 0.25);
    assert_true(un - mn > 5.0);
    /* and the sizing follows: the calm one needs at most one spare */
    sa_context c = ctx_with(20, 20);
    sa_rec rc;
    sa_predictor_recommend(calm, &c, 300.0 * 399 + 180, &rc, NULL);
    assert_true(rc.target_replicas <= 21);
    sa_predictor_destroy(calm);
    sa_predictor_destroy(noisy);
}

/* The headroom level follows the tail's shape and the price of a miss:
 * rare spikes (1 row in 60) far above tight noise are covered at the fixed
 * 99.3 % level and when a miss is dear, but not when holding 40 replicas
 * for them costs more than the violation minutes they cause. */
static double headroom_with_miss_cost(double miss_cost_rh)
{
    sa_predict_params p = replay_like(0);
    p.miss_cost_rh = miss_cost_rh;
    sa_predictor *pr = make(&p);
    unsigned x = 11;
    for (int i = 0; i < 600; i++) {
        x = x * 1103515245u + 12345u;
        double noise = (double)((x >> 16) % 1000) / 1000.0 - 0.5;
        sa_predictor_observe(pr, 300.0 * i, 10.0 + 0.5 * noise + (i % 60 == 30 ? 40.0 : 0.0));
    }
    double m, u;
    assert_int_equal(sa_predictor_forecast(pr, 1, &m, NULL, &u, NULL), 1);
    sa_predictor_destroy(pr);
    return u - m;
}

static void level_from_tail_and_miss_cost(void **st)
{
    (void)st;
    assert_true(headroom_with_miss_cost(0.0) > 30.0);    /* fixed risk 0.993 */
    assert_true(headroom_with_miss_cost(1.0) < 1.0);     /* spikes not worth it */
    assert_true(headroom_with_miss_cost(1000.0) > 30.0); /* a miss is dear */
}

/* Noise around a steady level: a smoothed level forecasts better than the
 * last value, and the cost-based choice finds it. */
static void smoothing_chosen_for_noise(void **st)
{
    (void)st;
    sa_predict_params p = replay_like(0);
    sa_predictor *pr = make(&p);
    unsigned x = 5;
    for (int i = 0; i < 400; i++) {
        x = x * 1103515245u + 12345u;
        double noise = (double)((x >> 16) % 1000) / 1000.0 - 0.5;
        sa_predictor_observe(pr, 300.0 * i, 20.0 + 6.0 * noise);
    }
    sa_context c = ctx_with(24, 24);
    sa_rec r;
    sa_forecast_summary fs;
    sa_predictor_recommend(pr, &c, 300.0 * 399 + 180, &r, &fs);
    assert_string_equal(fs.method, "ewma");
    sa_predictor_destroy(pr);
}

static void inaccurate_forecast_falls_back(void **st)
{
    (void)st;
    sa_predict_params p = replay_like(0);
    p.min_accuracy = 0.95;
    sa_predictor *pr = make(&p);
    for (int i = 0; i < 100; i++)
        sa_predictor_observe(pr, 300.0 * i, (i % 2) ? 2.0 : 10.0); /* WAPE ~ 1.3 */
    sa_context c = ctx_with(5, 5);
    sa_rec r;
    sa_predictor_recommend(pr, &c, 300.0 * 99 + 60, &r, NULL);
    assert_true(sa_predictor_accuracy(pr) < 0.95);
    assert_non_null(strstr(r.reasoning, "below the 95 % threshold"));
    /* reactive: d = 2 on 5 ready, u = 0.4 -> ceil(2 / 0.7) = 3 */
    assert_int_equal(r.target_replicas, 3);
    sa_predictor_destroy(pr);
}

static void gaps_and_missing_samples(void **st)
{
    (void)st;
    sa_predict_params p = replay_like(0);
    sa_predictor *pr = make(&p);
    sa_predictor_observe(pr, 0, 3.0);
    sa_predictor_observe(pr, 0, 9.0);     /* not after the last: ignored */
    sa_predictor_observe(pr, 900, 3.0);   /* two skipped samples */
    sa_predictor_observe(pr, 1200, NAN);  /* missing */
    sa_predictor_observe(pr, 1500, -4.0); /* invalid: treated as missing */
    assert_int_equal(sa_predictor_count(pr), 6);
    double m[1];
    assert_int_equal(sa_predictor_forecast(pr, 1, m, NULL, NULL, NULL), 1);
    SA_ASSERT_NEAR(m[0], 3.0, 1e-12);
    sa_predictor_destroy(pr);
}

static void demand_from_context(void **st)
{
    (void)st;
    sa_context c;
    sa_context_init(&c);
    c.current_replicas = 4;
    assert_true(isnan(sa_predict_demand(&c, 0)));
    c.cpu_percent = 150.0;
    c.ready_pods = 3;
    SA_ASSERT_NEAR(sa_predict_demand(&c, 0), 4.5, 1e-12);
    c.ready_pods = -1; /* unknown: current replicas */
    SA_ASSERT_NEAR(sa_predict_demand(&c, 0), 6.0, 1e-12);
    c.request_rate = 410.0;
    SA_ASSERT_NEAR(sa_predict_demand(&c, 60.0), 410.0 / 60.0, 1e-12);
}

static void reasoning_in_the_metric_unit(void **st)
{
    (void)st;
    sa_predict_params p;
    sa_predict_params_init(&p); /* service-like: 60 s samples and decisions */
    p.unit_per_replica = 60.0;
    snprintf(p.unit, sizeof p.unit, "req/s");
    snprintf(p.metric, sizeof p.metric, "request_rate");
    sa_predictor *pr = make(&p);
    for (int i = 0; i < 100; i++)
        sa_predictor_observe(pr, 60.0 * i, 5.0 + 0.05 * i); /* rising 3 req/s a minute */
    sa_context c = ctx_with(10, 10);
    sa_rec r;
    sa_forecast_summary fs;
    sa_predictor_recommend(pr, &c, 60.0 * 99, &r, &fs);
    assert_non_null(strstr(r.reasoning, "req/s"));
    assert_non_null(strstr(r.reasoning, "% band up to"));
    assert_string_equal(fs.metric, "request_rate");
    assert_true(fs.peak >= fs.now);
    assert_true(r.n_factors >= 4);
    SA_ASSERT_NEAR(fs.horizon_s, 180.0, 0);
    sa_predictor_destroy(pr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(params_are_checked),
        cmocka_unit_test(nothing_observed_no_recommendation),
        cmocka_unit_test(unproven_falls_back_to_reactive_and_says_so),
        cmocka_unit_test(steady_load_sized_exactly),
        cmocka_unit_test(down_tolerance_holds_small_savings),
        cmocka_unit_test(prescales_before_a_seasonal_rise),
        cmocka_unit_test(headroom_grows_with_errors),
        cmocka_unit_test(level_from_tail_and_miss_cost),
        cmocka_unit_test(smoothing_chosen_for_noise),
        cmocka_unit_test(inaccurate_forecast_falls_back),
        cmocka_unit_test(gaps_and_missing_samples),
        cmocka_unit_test(demand_from_context),
        cmocka_unit_test(reasoning_in_the_metric_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
