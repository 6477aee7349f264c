/*
 * test_predict.c - the predictive policy: parameter checks, the reactive
 * fallback while unproven and when inaccurate (and that it says so),
 * sizing from the held sample and the forecast, pre-scaling ahead of a
 * seasonal rise, headroom that grows with the errors, rare spikes not held
 * at the far horizons, the down tolerance,
 * the forecast points and the demand conversion; the Holt-Winters
 * candidate (chosen on a trending seasonal series, forecasts kept as made
 * at each origin, refit on drift, bounded memory).
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict/predict_int.h"
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
    sa_context c = ctx_with(21, 21); /* need 19: 2 of 21 < 10 % -> keep */
    sa_rec r;
    sa_predictor_recommend(pr, &c, 300.0 * 59 + 60, &r, NULL);
    assert_int_equal(r.target_replicas, 21);
    c.current_replicas = c.ready_pods = 22; /* 3 of 22 > 10 % -> 19 */
    sa_predictor_recommend(pr, &c, 300.0 * 59 + 60, &r, NULL);
    assert_int_equal(r.target_replicas, 19);
    sa_predictor_destroy(pr);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
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
    assert_non_null(strstr(r.reasoning, "in 2 min, ")); /* the next sample, 120 s ahead */
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

/* The trend is the point forecast's slope over the next hour: on an
 * hourly wave rising 1.8 units an hour, sampled every 2 s, it is that
 * rise, and on flat noise it
 * stays small (one sample's step times 1800 would be hundreds). */
static double trend_after(double (*f)(int, unsigned *))
{
    sa_predict_params p;
    sa_predict_params_init(&p);
    p.sample_s = p.interval_s = 2.0;
    p.startup_s = 45.0;
    p.period = 1800;
    p.holt_winters = false;
    p.error_window_s = 1800.0; /* 900 samples */
    sa_predictor *pr = make(&p);
    unsigned x = 5;
    for (int i = 0; i < 3000; i++) /* every error window full */
        sa_predictor_observe(pr, 2.0 * i, f(i, &x));
    sa_context c = ctx_with(10, 10);
    sa_rec r;
    sa_forecast_summary fs;
    sa_predictor_recommend(pr, &c, 2.0 * 2999, &r, &fs);
    sa_predictor_destroy(pr);
    return fs.trend_per_hour;
}

static double ramp(int i, unsigned *x)
{
    (void)x; /* a rising hourly wave: only the seasonal forecasters follow it */
    return 5.0 + 0.001 * i + sin(2.0 * M_PI * i / 1800.0);
}

static double flat_noise(int i, unsigned *x)
{
    (void)i;
    *x = *x * 1103515245u + 12345u;
    return 5.0 + (double)((*x >> 16) % 1000) / 1000.0 - 0.5;
}

static void trend_is_the_hours_slope(void **st)
{
    (void)st;
    SA_ASSERT_NEAR(trend_after(ramp), 1.8, 0.01);
    assert_true(fabs(trend_after(flat_noise)) < 0.5);
}

/* A horizon longer than the samples whose errors are tracked (a 1-s
 * interval with a 60-s start-up is 61 samples, PR_HMAX is 16) is still
 * seen whole: the rise 31 samples ahead is prepared for. Fails when the
 * scan stops at the tracked horizons (target 4). */
static void horizon_beyond_tracked_samples(void **st)
{
    (void)st;
    sa_predict_params p;
    sa_predict_params_init(&p);
    p.sample_s = 1;
    p.interval_s = 1;
    p.startup_s = 60;
    p.period = 240;
    sa_predictor *pr = make(&p);
    int i;
    for (i = 0; i < 240 * 9 + 90; i++) /* last observed: index 89 of 240 (low until 120) */
        sa_predictor_observe(pr, (double)i, (i % 240) < 120 ? 4.0 : 12.0);
    assert_true(PR_HMAX < 31);
    sa_context c = ctx_with(4, 4);
    sa_rec r;
    sa_predictor_recommend(pr, &c, (double)(i - 1), &r, NULL);
    assert_int_equal(r.action, SA_ACTION_SCALE_UP);
    assert_int_equal(r.target_replicas, 12);
    assert_non_null(strstr(r.reasoning, "forecast peak 12"));
    /* into the next period: the rise 61 samples ahead is past the horizon
     * [now + 1, now + 61), the one 60 ahead is in it */
    for (; i <= 240 * 10 + 59; i++)
        sa_predictor_observe(pr, (double)i, (i % 240) < 120 ? 4.0 : 12.0);
    sa_predictor_recommend(pr, &c, (double)(i - 1), &r, NULL);
    assert_int_equal(r.target_replicas, 4);
    sa_predictor_observe(pr, (double)i, 4.0);
    sa_predictor_recommend(pr, &c, (double)i, &r, NULL);
    assert_int_equal(r.target_replicas, 12);
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

/* A deployment's own price of a miss (its context's, from an annotation)
 * over the configured one: the same spikes, configured at 1 replica-hour
 * (not worth covering), covered while the deployment prices a violation
 * minute at 1000, and left again once it stops. */
static void miss_cost_of_the_deployment(void **st)
{
    (void)st;
    sa_predict_params p = replay_like(0);
    p.miss_cost_rh = 1.0;
    sa_predictor *pr = make(&p);
    sa_context c = ctx_with(10, 10);
    c.miss_cost_rh = 1000.0;
    sa_rec r;
    unsigned x = 11;
    double m, u;
    for (int i = 0; i < 1200; i++) {
        x = x * 1103515245u + 12345u;
        double noise = (double)((x >> 16) % 1000) / 1000.0 - 0.5;
        sa_predictor_observe(pr, 300.0 * i, 10.0 + 0.5 * noise + (i % 60 == 30 ? 40.0 : 0.0));
        if (i == 600) {
            assert_int_equal(sa_predictor_forecast(pr, 1, &m, NULL, &u, NULL), 1);
            assert_true(u - m > 30.0); /* a miss is dear for this one */
            bool said = false;
            for (size_t k = 0; k < r.n_factors; k++)
                said = said || strstr(r.factors[k], "this deployment's violation minute priced "
                                                    "at 1000 replica-hours");
            assert_true(said);
            c.miss_cost_rh = NAN; /* back to the configured price */
        }
        sa_predictor_recommend(pr, &c, 300.0 * i + 180, &r, NULL);
    }
    assert_int_equal(sa_predictor_forecast(pr, 1, &m, NULL, &u, NULL), 1);
    assert_true(u - m < 1.0);
    sa_predictor_destroy(pr);
}

/* Rare spikes two samples wide on a noisy level of 10: covering them costs
 * far more than missing them, at every horizon. A level chosen on the next
 * sample's errors (where such a spike is one error) and applied two or
 * three samples ahead (where it is two) would hold spike-sized capacity
 * long after each spike; each horizon's own level does not. */
static void far_horizons_do_not_hold_spikes(void **st)
{
    (void)st;
    sa_predict_params p = replay_like(0);
    sa_predictor *pr = make(&p);
    unsigned x = 7;
    int i = 0;
    for (; i < 600; i++) {
        x = x * 1103515245u + 12345u;
        double noise = (double)((x >> 16) % 1000) / 1000.0 - 0.5;
        double spike = (i % 150 == 100 || i % 150 == 101) ? 90.0 : 0.0;
        sa_predictor_observe(pr, 300.0 * i, 10.0 + 2.0 * noise + spike);
    }
    /* the last spike was at 551-552; the load has been about 10 since */
    sa_context c = ctx_with(100, 100);
    sa_rec r;
    sa_predictor_recommend(pr, &c, 300.0 * (i - 1) + 60, &r, NULL);
    assert_int_equal(r.action, SA_ACTION_SCALE_DOWN);
    assert_true(r.target_replicas <= 20);
    sa_predictor_destroy(pr);
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

static bool has_factor(const sa_rec *r, const char *needle)
{
    for (size_t k = 0; k < r->n_factors; k++)
        if (strstr(r->factors[k], needle))
            return true;
    return false;
}

/* The confidence handed to the decision is how often the capacity it asked
 * for covered the next sample: on a count that is 0 most of the time and 5
 * now and then, 1 - WAPE stays low whatever the forecaster, while the
 * headroom covers nearly every sample (the balanced preset's floor is 0.6).
 * A level shift it did not see coming lowers it. */
static void confidence_is_coverage(void **st)
{
    (void)st;
    sa_predict_params p = replay_like(0);
    sa_predictor *pr = make(&p);
    unsigned x = 7;
    int i;
    for (i = 0; i < 600; i++) {
        x = x * 1103515245u + 12345u;
        sa_predictor_observe(pr, 300.0 * i, (x >> 16) % 10 == 0 ? 5.0 : 0.0);
    }
    sa_context c = ctx_with(5, 5);
    sa_rec r;
    sa_predictor_recommend(pr, &c, 300.0 * (i - 1) + 60, &r, NULL);
    assert_true(sa_predictor_accuracy(pr) < 0.5);
    assert_true(pr_coverage(pr) > 0.85);
    SA_ASSERT_NEAR(r.confidence, fmin(0.99, pr_coverage(pr)), 1e-12);
    assert_true(r.confidence >= 0.6);
    assert_true(has_factor(&r, "its capacity covered"));
    /* a step to 40 held for good: the first samples at the new level were
     * not covered; the share drops by exactly those misses */
    double before = pr_coverage(pr);
    size_t n = pr->cov_n;
    size_t hits = pr->cov_hits;
    for (int k = 0; k < 3; k++, i++)
        sa_predictor_observe(pr, 300.0 * i, 40.0);
    assert_true(pr_coverage(pr) < before);
    assert_true(pr->cov_hits <= hits + 3 && pr->cov_hits >= hits + 1);
    assert_int_equal(pr->cov_n, n + 3 <= pr->window ? n + 3 : pr->window);
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
    /* 99 errors: the level chosen is their largest, said as such, and no
     * "100 %" quantile anywhere */
    assert_non_null(strstr(r.reasoning, "band up to"));
    assert_non_null(strstr(r.reasoning, "(covers every recent error)"));
    assert_null(strstr(r.reasoning, "100 %"));
    for (size_t k = 0; k < r.n_factors; k++)
        assert_null(strstr(r.factors[k], "100 %"));
    sa_predictor_destroy(pr);
    /* no miss price: the fixed risk level, said as a percentage */
    p.miss_cost_rh = 0.0;
    pr = make(&p);
    for (int i = 0; i < 100; i++)
        sa_predictor_observe(pr, 60.0 * i, 5.0 + 0.05 * i);
    sa_predictor_recommend(pr, &c, 60.0 * 99, &r, &fs);
    assert_non_null(strstr(r.reasoning, "99.3 % band up to"));
    int said = 0;
    for (size_t k = 0; k < r.n_factors; k++)
        said += strstr(r.factors[k], "headroom from the 99.3 % quantile of the recent") != NULL;
    assert_int_equal(said, 1);
    assert_string_equal(fs.metric, "request_rate");
    assert_true(fs.peak >= fs.now);
    assert_true(r.n_factors >= 4);
    SA_ASSERT_NEAR(fs.horizon_s, 180.0, 0);
    /* a deployment's own start-up time (an annotation) is used while set */
    c.startup_s = 300.0;
    sa_predictor_recommend(pr, &c, 60.0 * 99, &r, &fs);
    SA_ASSERT_NEAR(fs.horizon_s, 360.0, 0);
    said = 0;
    for (size_t k = 0; k < r.n_factors; k++)
        said += strcmp(r.factors[k],
                       "horizon 360 s (this deployment's start-up 300 s + interval 60 s)") == 0;
    assert_int_equal(said, 1);
    c.startup_s = NAN;
    sa_predictor_recommend(pr, &c, 60.0 * 99, &r, &fs);
    SA_ASSERT_NEAR(fs.horizon_s, 180.0, 0);
    said = 0;
    for (size_t k = 0; k < r.n_factors; k++)
        said +=
            strcmp(r.factors[k], "horizon 180 s (configured start-up 120 s + interval 60 s)") == 0;
    assert_int_equal(said, 1);
    sa_predictor_destroy(pr);
}

/* Noise: the mean of four uniforms in [-1, 1), sd about 0.58 * amp / 2. */
static double noise(unsigned *x, double amp)
{
    double s = 0.0;
    for (int k = 0; k < 4; k++) {
        *x = *x * 1103515245u + 12345u;
        s += (double)((*x >> 16) % 10000) / 5000.0 - 1.0;
    }
    return amp * s / 4.0;
}

/* A daily-like wave of period 24 with an upward trend and noise. */
static double trend_wave(int i, unsigned *x)
{
    return 20.0 + 0.02 * i + 6.0 * sin(2.0 * M_PI * (double)(i % 24) / 24.0) + noise(x, 2.0);
}

static sa_predictor *hw_predictor(int on)
{
    sa_predict_params p = replay_like(24);
    p.holt_winters = on;
    return make(&p);
}

/* On a trending seasonal series with noise Holt-Winters forecasts better
 * than the last value (the wave moves), last season's change (three noise
 * terms) and the smoothers (lag): the error-cost choice picks it, says so,
 * and the forecast points are its forecast. Without the option it is never
 * a candidate. */
static void holt_winters_chosen_on_trending_season(void **st)
{
    (void)st;
    sa_predictor *on = hw_predictor(1), *off = hw_predictor(0);
    unsigned x1 = 3, x2 = 3;
    int n = 24 * 30;
    for (int i = 0; i < n; i++) {
        sa_predictor_observe(on, 300.0 * i, trend_wave(i, &x1));
        sa_predictor_observe(off, 300.0 * i, trend_wave(i, &x2));
    }
    sa_context c = ctx_with(30, 30);
    sa_rec r;
    sa_forecast_summary fs;
    sa_predictor_recommend(on, &c, 300.0 * (n - 1) + 180, &r, &fs);
    assert_string_equal(fs.method, "holt-winters");
    int named = 0, model = 0;
    for (size_t k = 0; k < r.n_factors; k++) {
        named |= strstr(r.factors[k], "forecaster holt-winters") != NULL;
        model |= strstr(r.factors[k], "Holt-Winters additive") != NULL;
    }
    assert_true(named && model);
    assert_true(on->hw.fits >= 2 && on->hw.model != NULL);
    /* the points are the model's forecast made at the newest sample */
    double m[20], lo[20], up[20];
    assert_int_equal(sa_predictor_forecast(on, 20, m, lo, up, NULL), 20);
    for (size_t k = 0; k < 20; k++) {
        SA_ASSERT_NEAR(m[k], pr_hw_at(on, (size_t)n - 1, k + 1), 1e-12);
        double truth = 20.0 + 0.02 * (double)(n + (int)k) +
                       6.0 * sin(2.0 * M_PI * (double)((n + (int)k) % 24) / 24.0);
        SA_ASSERT_NEAR(m[k], truth, 1.0);
        assert_true(lo[k] <= m[k] && m[k] <= up[k]);
    }
    sa_predictor_recommend(off, &c, 300.0 * (n - 1) + 180, &r, &fs);
    assert_string_not_equal(fs.method, "holt-winters");
    assert_null(off->hw.model);
    assert_int_equal(off->errs[PR_HW][0].n, 0);
    sa_predictor_destroy(on);
    sa_predictor_destroy(off);
}

/* The forecast scored for origin o is the one the model made at o: two
 * predictors fed the same history and then different futures keep the
 * same forecasts for the shared origins, and the newest scored error is
 * the actual minus the ring's forecast. */
static void ring_keeps_forecasts_made_at_origin(void **st)
{
    (void)st;
    sa_predictor *a = hw_predictor(1), *b = hw_predictor(1);
    unsigned xa = 9, xb = 9;
    int n0 = 24 * 8 + 5, i;
    for (i = 0; i < n0; i++) {
        sa_predictor_observe(a, 300.0 * i, trend_wave(i, &xa));
        sa_predictor_observe(b, 300.0 * i, trend_wave(i, &xb));
    }
    assert_non_null(a->hw.model);
    size_t o = (size_t)n0 - 1;
    double made[PR_HW_STEPS];
    sa_fc_model_forecast(a->hw.model, PR_HW_STEPS, 0.95, made, NULL, NULL);
    for (; i < n0 + 6; i++) {
        sa_predictor_observe(a, 300.0 * i, trend_wave(i, &xa));
        sa_predictor_observe(b, 300.0 * i, 3.0 * trend_wave(i, &xb)); /* another future */
    }
    for (size_t h = 1; h <= PR_HW_STEPS; h++) {
        SA_ASSERT_NEAR(pr_hw_at(a, o, h), fmax(made[h - 1], 0.0), 1e-12);
        SA_ASSERT_NEAR(pr_hw_at(b, o, h), pr_hw_at(a, o, h), 1e-12);
    }
    /* after the split the forecasts differ */
    assert_true(fabs(pr_hw_at(a, o + 3, 1) - pr_hw_at(b, o + 3, 1)) > 1.0);
    /* the newest one-step error of the candidate is scored from the ring */
    const pr_errs *r = &a->errs[PR_HW][0];
    size_t last = (r->head + r->n - 1) % r->cap, t = a->count - 1;
    double f = pr_hw_at(a, t - 1, 1); /* stored in single precision */
    SA_ASSERT_NEAR(r->fc[last], f, 1e-6 * fmax(1.0, fabs(f)));
    SA_ASSERT_NEAR(r->err[last], a->y[a->ny - 1] - f, 1e-6 * fmax(1.0, fabs(a->y[a->ny - 1])));
    /* not kept: an origin older than the ring, a step beyond it */
    assert_true(isnan(pr_hw_at(a, o - PR_HW_RING, 1)));
    assert_true(isnan(pr_hw_at(a, t, PR_HW_STEPS + 1)));
    sa_predictor_destroy(a);
    sa_predictor_destroy(b);
}

/* A level shift makes the one-step errors drift: the model is refitted
 * well before the scheduled refit, and follows the new level. */
static void refit_on_drift(void **st)
{
    (void)st;
    sa_predictor *pr = hw_predictor(1);
    unsigned x = 4;
    int i, n0 = 24 * 12;
    for (i = 0; i < n0; i++)
        sa_predictor_observe(pr, 300.0 * i, trend_wave(i, &x));
    assert_int_equal(pr->hw.drift_fits, 0);
    size_t fits = pr->hw.fits, since = pr->hw.since_fit;
    /* +30 from here on; the next scheduled refit is 24 - since away */
    for (; i < n0 + 12 && pr->hw.drift_fits == 0; i++)
        sa_predictor_observe(pr, 300.0 * i, 30.0 + trend_wave(i, &x));
    assert_int_equal(pr->hw.drift_fits, 1);
    assert_true(pr->hw.fits == fits + 1 || since + (size_t)(i - n0) >= 24);
    for (; i < n0 + 24 * 3; i++)
        sa_predictor_observe(pr, 300.0 * i, 30.0 + trend_wave(i, &x));
    double truth = 50.0 + 0.02 * i + 6.0 * sin(2.0 * M_PI * (double)(i % 24) / 24.0);
    SA_ASSERT_NEAR(pr_hw_at(pr, (size_t)i - 1, 1), truth, 2.0);
    sa_predictor_destroy(pr);
}

size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

static size_t heap_in_use(void)
{
    if (__sanitizer_get_current_allocated_bytes)
        return __sanitizer_get_current_allocated_bytes();
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks;
}

/* A long run with hundreds of refits (and missing samples): the heap in
 * use is the same at the end as after the first refits. */
static void holt_winters_memory_bounded(void **st)
{
    (void)st;
    sa_predictor *pr = hw_predictor(1);
    unsigned x = 8;
    int i;
    for (i = 0; i < 24 * 20; i++)
        sa_predictor_observe(pr, 300.0 * i, trend_wave(i % 2400, &x));
    size_t heap0 = heap_in_use(), fits0 = pr->hw.fits;
    for (; i < 24 * 420; i++)
        sa_predictor_observe(pr, 300.0 * i, i % 97 == 0 ? NAN : trend_wave(i % 2400, &x));
    assert_int_equal(heap_in_use(), heap0);
    assert_true(pr->hw.fits >= fits0 + 390);
    assert_true(pr->ny <= pr->ycap);
    sa_predictor_destroy(pr);
}

/* The error rings hold the window in samples, at most PR_WINDOW_MAX
 * however fine the sampling: a service sampling every 15 s keeps a day
 * (5760), not the week the default error_window_s asks for (40320). */
static void error_window_capped_in_samples(void **st)
{
    (void)st;
    sa_predict_params p = replay_like(288);
    sa_predictor *pr = make(&p);
    assert_int_equal(pr->window, 7 * 288); /* a week of 5-minute samples */
    assert_int_equal(pr->errs[PR_NAIVE][0].cap, 7 * 288);
    sa_predictor_destroy(pr);
    p.sample_s = p.interval_s = 15.0;
    p.period = 5760;
    p.holt_winters = false; /* the rings are the point here */
    pr = make(&p);
    assert_int_equal(pr->window, PR_WINDOW_MAX);
    assert_int_equal(PR_WINDOW_MAX, 5760);
    /* every candidate's next-sample errors; farther ones only for the
     * chosen candidate (far), none per candidate without Holt-Winters */
    for (int c = 0; c < PR_NCAND; c++)
        for (size_t h = 0; h < pr->hmax; h++)
            assert_int_equal(pr->errs[c][h].cap, h == 0 ? PR_WINDOW_MAX : 0);
    for (size_t h = 1; h < pr->hmax; h++)
        assert_int_equal(pr->far[h].cap, PR_WINDOW_MAX);
    /* a day and more of samples: the rings stay at their capacity */
    for (int i = 0; i < 6000; i++)
        sa_predictor_observe(pr, 15.0 * i, 10.0 + (i % 7));
    assert_int_equal(pr->errs[PR_NAIVE][0].n, PR_WINDOW_MAX);
    sa_predictor_destroy(pr);
}

/* The far-horizon errors are kept for the chosen forecaster only and
 * rebuilt from the history when the choice moves: after every switch they
 * must be exactly the errors that forecaster made over the window, as if
 * it had been scored all along. The reference records each candidate's
 * forecasts as they were made (pr_forecast at every origin). A season
 * with little noise, then none and a noisy level: the choice moves from a
 * seasonal forecaster to a level one. */
static void far_errors_rebuilt_on_switch(void **st)
{
    (void)st;
    enum { N = 4000, H = 4, SWITCH = 2500 };
    sa_predict_params p = replay_like(24);
    p.holt_winters = false;
    sa_predictor *pr = make(&p);
    assert_int_equal(pr->hmax, H);
    static double y[N], fc[PR_NCAND][H + 1][N];
    unsigned x = 3;
    int switches = 0, checks = 0, last = -1;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        double noise = (double)((x >> 16) % 1000) / 1000.0 - 0.5;
        y[i] = i < SWITCH ? square(i) + 0.2 * noise : 8.0 + 3.0 * noise;
        sa_predictor_observe(pr, 300.0 * i, y[i]);
        for (int c = 0; c < PR_NCAND - 1; c++)
            for (size_t h = 1; h <= H; h++)
                fc[c][h][i] = pr_forecast(pr, c, h);
        if (pr->chosen != last && last >= 0 && i >= SWITCH)
            switches++; /* after the full windows below are checked */
        last = pr->chosen;
        if (i < 24 * 7 + (int)pr->window + H || i % 31 != 0)
            continue; /* every candidate scored over the whole window */
        checks++;
        assert_int_equal(pr->far_c, pr->chosen);
        for (size_t h = 2; h <= H; h++) {
            const pr_errs *r = pr_errs_at(pr, pr->chosen, h - 1);
            assert_non_null(r);
            assert_int_equal(r->n, pr->window);
            float got[7 * 288], want[7 * 288];
            for (size_t k = 0; k < r->n; k++) {
                int j = i - (int)k;
                got[k] = r->err[k];
                want[k] = (float)(y[j] - fc[pr->chosen][h][j - (int)h]);
            }
            qsort(got, r->n, sizeof *got, cmp_float);
            qsort(want, r->n, sizeof *want, cmp_float);
            assert_memory_equal(got, want, r->n * sizeof *got);
        }
    }
    assert_true(switches >= 1);
    assert_true(checks >= 40);
    sa_predictor_destroy(pr);
}

/* The history a deployment keeps is bounded however fine the sampling: at
 * 1 s a week of samples (604,800) is not kept; the weekly candidates are
 * left out and the daily ones stay. */
static void history_bounded_at_fine_sampling(void **st)
{
    (void)st;
    sa_predict_params p;
    sa_predict_params_init(&p);
    p.sample_s = p.interval_s = 1.0;
    p.startup_s = 60.0;
    p.period = 86400;
    sa_predictor *pr = make(&p);
    assert_true(pr->ycap < 2 * (86400 + PR_WINDOW_MAX + 100));
    assert_true(pr->keep >= 86400 + PR_WINDOW_MAX); /* a day and the error window */
    sa_predictor_destroy(pr);
    p.sample_s = p.interval_s = 15.0; /* a week at 15 s is kept */
    p.period = 5760;
    pr = make(&p);
    assert_true(pr->keep >= 7 * 5760 + PR_WINDOW_MAX);
    sa_predictor_destroy(pr);
}

/* A forecaster that runs b high needs b less headroom for the same
 * capacity: shifting every forecast up by b (and so every error down by b)
 * leaves the capacity it would hold, and so its cost, unchanged, at the
 * fixed risk level and with the level chosen by cost. Counting only the
 * headroom above the forecast made such a forecaster look b cheaper per
 * sample than it is. */
static void bias_does_not_buy_capacity(void **st)
{
    (void)st;
    sa_predict_params p = replay_like(0);
    sa_predictor *pr = make(&p);
    enum { N = 400 };
    float err[2][N], fc[2][N];
    double scratch[N];
    unsigned x = 11;
    for (int k = 0; k < N; k++) {
        x = x * 1103515245u + 12345u;
        double e = (double)((x >> 16) % 1000) / 100.0 - 5.0 + (k % 97 == 0 ? 30.0 : 0.0);
        err[0][k] = (float)e;
        fc[0][k] = 40.0f;
        err[1][k] = (float)(e - 3.0); /* the same forecasts, 3 replicas higher */
        fc[1][k] = 43.0f;
    }
    pr_errs r[2];
    for (int i = 0; i < 2; i++)
        r[i] = (pr_errs){.err = err[i], .fc = fc[i], .head = 0, .n = N, .cap = N};
    for (int by_cost = 1; by_cost >= 0; by_cost--) {
        double lv[2], c[2];
        for (int i = 0; i < 2; i++)
            c[i] = pr_candidate_cost(pr, &r[i], PR_ABS, by_cost, INFINITY, scratch, &lv[i]);
        SA_ASSERT_NEAR(c[0], c[1], 1e-5);
        SA_ASSERT_NEAR(lv[0], lv[1], 1e-12);
    }
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
        cmocka_unit_test(horizon_beyond_tracked_samples),
        cmocka_unit_test(trend_is_the_hours_slope),
        cmocka_unit_test(far_errors_rebuilt_on_switch),
        cmocka_unit_test(headroom_grows_with_errors),
        cmocka_unit_test(level_from_tail_and_miss_cost),
        cmocka_unit_test(miss_cost_of_the_deployment),
        cmocka_unit_test(far_horizons_do_not_hold_spikes),
        cmocka_unit_test(smoothing_chosen_for_noise),
        cmocka_unit_test(inaccurate_forecast_falls_back),
        cmocka_unit_test(confidence_is_coverage),
        cmocka_unit_test(gaps_and_missing_samples),
        cmocka_unit_test(demand_from_context),
        cmocka_unit_test(reasoning_in_the_metric_unit),
        cmocka_unit_test(holt_winters_chosen_on_trending_season),
        cmocka_unit_test(ring_keeps_forecasts_made_at_origin),
        cmocka_unit_test(refit_on_drift),
        cmocka_unit_test(holt_winters_memory_bounded),
        cmocka_unit_test(error_window_capped_in_samples),
        cmocka_unit_test(history_bounded_at_fine_sampling),
        cmocka_unit_test(bias_does_not_buy_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
