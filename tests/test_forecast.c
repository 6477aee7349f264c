/*
 * test_forecast.c - the forecaster: hand-computed recursions, R parity of
 * the additive Holt-Winters model on a real window, parameter recovery on
 * synthetic series, model choice, data hygiene, period detection and the
 * online model (equivalence with the batch recursion, no memory growth).
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_test.h"
#include "forecast/fc_int.h"
#include "scaleadvisor/forecast.h"
#include "scaleadvisor/series.h"
#include "scaleadvisor/banned.h"

/* Deterministic standard normal draws (LCG + Box-Muller). */
static double gauss(unsigned long long *st)
{
    double u[2];
    for (int i = 0; i < 2; i++) {
        *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
        u[i] = ((double)(*st >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2 * log(u[0])) * cos(2 * M_PI * u[1]);
}

/* Additive Holt-Winters series from the innovations form with known
 * parameters. */
static double *gen_hw(size_t n, size_t m, double a, double b, double g, double sigma,
                      unsigned long long seed)
{
    double *y = malloc(n * sizeof *y), *s = malloc(m * sizeof *s);
    assert_non_null(y);
    assert_non_null(s);
    for (size_t i = 0; i < m; i++)
        s[i] = 10 * sin(2 * M_PI * (double)i / (double)m);
    double l = 100, tr = 0.01;
    for (size_t t = 0; t < n; t++) {
        double e = sigma * gauss(&seed), S = s[t % m];
        y[t] = l + tr + S + e;
        l = l + tr + a * e;
        tr = tr + a * b * e;
        s[t % m] = S + g * (1 - a) * e;
    }
    free(s);
    return y;
}

static sa_fc_options opts(sa_fc_method m, size_t period, size_t h)
{
    sa_fc_options o;
    sa_fc_options_init(&o);
    o.method = m;
    o.period = period;
    o.horizon = h;
    return o;
}

static void method_names_round_trip(void **st)
{
    (void)st;
    for (int i = SA_FC_AUTO; i <= SA_FC_SNAIVE; i++) {
        sa_fc_method m;
        assert_int_equal(sa_fc_method_parse(sa_fc_method_name((sa_fc_method)i), &m), SA_OK);
        assert_int_equal(m, i);
    }
    sa_fc_method m = SA_FC_SES;
    assert_int_equal(sa_fc_method_parse("Additive", &m), SA_ERR_INVALID);
    assert_int_equal(sa_fc_method_parse(NULL, &m), SA_ERR_INVALID);
    assert_int_equal(m, SA_FC_SES);
}

/* SES and additive HW steps computed by hand. */
static void hand_computed_steps(void **st)
{
    (void)st;
    fc_spec ses = {.kind = SA_FC_SES, .alpha = 0.5, .phi = 1};
    fc_state s0 = {.l = 10};
    SA_ASSERT_NEAR(fc_step(&ses, &s0, 14), 10, 0);  /* l = 12 */
    SA_ASSERT_NEAR(fc_step(&ses, &s0, 8), 12, 0);   /* l = 10 */
    SA_ASSERT_NEAR(fc_step(&ses, &s0, NAN), 10, 0); /* missing: l stays 10 */
    SA_ASSERT_NEAR(s0.l, 10, 1e-12);

    double seas[2] = {1, -1};
    fc_spec hw = {
        .kind = SA_FC_ADDITIVE, .m = 2, .alpha = 0.5, .beta = 0.5, .gamma = 0.5, .phi = 1};
    fc_state s1 = {.l = 10, .b = 1, .s = seas};
    /* xhat = 10 + 1 + 1 = 12; x = 14: l' = .5*13 + .5*11 = 12, b' = .5*2 + .5*1
     * = 1.5, s0' = .5*(14 - 12) + .5*1 = 1.5 */
    SA_ASSERT_NEAR(fc_step(&hw, &s1, 14), 12, 1e-12);
    SA_ASSERT_NEAR(s1.l, 12, 1e-12);
    SA_ASSERT_NEAR(s1.b, 1.5, 1e-12);
    SA_ASSERT_NEAR(seas[0], 1.5, 1e-12);
    /* xhat = 12 + 1.5 - 1 = 12.5 */
    SA_ASSERT_NEAR(fc_step(&hw, &s1, 12.5), 12.5, 1e-12);
    double f[3];
    fc_point(&hw, &s1, 3, f);
    /* l = 13.5, b = 1.5, s = {1.5, -1}: 13.5+1.5+1.5, 13.5+3-1, 13.5+4.5+1.5 */
    SA_ASSERT_NEAR(f[0], 16.5, 1e-12);
    SA_ASSERT_NEAR(f[1], 15.5, 1e-12);
    SA_ASSERT_NEAR(f[2], 19.5, 1e-12);
    /* the fitting loop computes the same states as fc_step */
    double y[6] = {14, 12.5, 17, 15, 20, 18}, seas2[2] = {1, -1};
    fc_state a = {.l = 10, .b = 1, .s = seas}, b = {.l = 10, .b = 1, .s = seas2};
    seas[0] = 1;
    seas[1] = -1;
    double sse = 0;
    for (size_t i = 0; i < 6; i++) {
        double e = y[i] - fc_step(&hw, &a, y[i]);
        sse += e * e;
    }
    SA_ASSERT_NEAR(fc_sse_run(&hw, &b, y, 0, 6), sse, 1e-9);
    SA_ASSERT_NEAR(a.l, b.l, 1e-9);
    SA_ASSERT_NEAR(a.b, b.b, 1e-9);
    SA_ASSERT_NEAR(seas[1], seas2[1], 1e-9);
    /* interval multipliers: psi_1 = a(1 + b) = .75, psi_2 = a(1 + 2b) + g(1-a) = 1.25 */
    double fac[3];
    fc_sd_factor(&hw, 3, fac);
    SA_ASSERT_NEAR(fac[0], 1, 1e-12);
    SA_ASSERT_NEAR(fac[1], sqrt(1 + 0.75 * 0.75), 1e-12);
    SA_ASSERT_NEAR(fac[2], sqrt(1 + 0.75 * 0.75 + 1.25 * 1.25), 1e-12);
    SA_ASSERT_NEAR(fc_qnorm(0.975), 1.959963984540054, 1e-9);
    SA_ASSERT_NEAR(fc_qnorm(0.5), 0, 1e-12);
}

typedef struct {
    size_t test_start, n_train;
    double mae, rmse, coverage, alpha, beta, gamma;
} r_row;

/* The HoltWinters row of dev_reference.csv for (file, origin). */
static void r_reference(const char *file, int origin, r_row *r)
{
    char *path = sa_test_shared_path("data/reference/dev_reference.csv");
    FILE *fp = fopen(path, "r");
    char line[2048], want[256];
    int found = 0;
    assert_non_null(fp);
    snprintf(want, sizeof want, "\"%s\",%d,\"HoltWinters\",", file, origin);
    while (!found && fgets(line, sizeof line, fp)) {
        if (strncmp(line, want, strlen(want)) != 0)
            continue;
        char *f[16], *p = line;
        size_t k = 0;
        while (k < 16 && p) {
            f[k++] = p;
            p = strchr(p, ',');
            if (p)
                *p++ = '\0';
        }
        assert_true(k >= 15);
        r->mae = strtod(f[4], NULL);
        r->rmse = strtod(f[5], NULL);
        r->coverage = strtod(f[8], NULL);
        r->test_start = (size_t)strtoul(f[9], NULL, 10);
        r->n_train = (size_t)strtoul(f[10], NULL, 10);
        r->alpha = strtod(f[12], NULL);
        r->beta = strtod(f[13], NULL);
        r->gamma = strtod(f[14], NULL);
        found = 1;
    }
    fclose(fp);
    free(path);
    if (!found)
        fail_msg("no HoltWinters row for %s origin %d", file, origin);
}

/* With R's alpha, beta, gamma and R's start values, the additive recursion
 * reproduces R's MAE, RMSE (relative 1e-6) and interval coverage. */
static void r_parity_window(const char *file, int origin)
{
    r_row r = {0};
    r_reference(file, origin, &r);
    char rel[256];
    snprintf(rel, sizeof rel, "data/traces/%s", file);
    char *path = sa_test_shared_path(rel);
    sa_series s;
    sa_errbuf eb = {0};
    if (sa_series_read(path, &s, &eb) != SA_OK)
        fail_msg("%s", eb.msg);
    const size_t m = 288;
    const double *x = s.v + r.test_start - r.n_train, *test = s.v + r.test_start;
    fc_spec sp = {.kind = SA_FC_ADDITIVE,
                  .m = m,
                  .alpha = r.alpha,
                  .beta = r.beta,
                  .gamma = r.gamma,
                  .phi = 1};
    fc_fitter f;
    assert_int_equal(fc_fitter_init(&f, &sp, x, r.n_train, 1), 0);
    assert_int_equal(f.start, m);
    /* residuals by the plain recursion, for R's sigma^2 */
    fc_state_copy(&sp, &f.work, &f.init);
    double sum = 0, sum2 = 0, cnt = (double)(r.n_train - m);
    for (size_t i = m; i < r.n_train; i++) {
        double e = x[i] - fc_step(&sp, &f.work, x[i]);
        sum += e;
        sum2 += e * e;
    }
    double var = (sum2 - sum * sum / cnt) / (cnt - 1);
    double fc[288], fac[288], mae = 0, mse = 0, z = fc_qnorm(0.975);
    size_t inside = 0;
    fc_point(&sp, &f.work, m, fc);
    fc_sd_factor(&sp, m, fac);
    for (size_t j = 0; j < m; j++) {
        double e = test[j] - fc[j], half = z * sqrt(var) * fac[j];
        mae += fabs(e);
        mse += e * e;
        inside += (test[j] >= fc[j] - half && test[j] <= fc[j] + half) ? 1 : 0;
    }
    mae /= (double)m;
    double rmse = sqrt(mse / (double)m);
    SA_ASSERT_NEAR(mae / r.mae, 1, 1e-6);
    SA_ASSERT_NEAR(rmse / r.rmse, 1, 1e-6);
    SA_ASSERT_NEAR((double)inside / (double)m, r.coverage, 1e-9);
    /* and the fast fitting loop gives the same SSE */
    double sse = fc_fitter_sse(&f, &sp);
    SA_ASSERT_NEAR(sse / sum2, 1, 1e-9);
    fc_fitter_release(&f);
    sa_series_release(&s);
    free(path);
}

static void r_parity(void **st)
{
    (void)st;
    r_parity_window("nasa_http_requests_1995_07.csv", 1);
    r_parity_window("nasa_http_requests_1995_07.csv", 2);
    r_parity_window("elb_request_count_8c0756.csv", 1);
    r_parity_window("azure_vm_cpu_usage.csv", 3);
}

/* Fitting a series generated with known parameters recovers them. */
static void parameters_recovered(void **st)
{
    (void)st;
    const size_t m = 24, n = 24 * 100;
    double *y = gen_hw(n, m, 0.4, 0.02, 0.3, 1.0, 42);
    fc_spec sp = {.kind = SA_FC_ADDITIVE, .m = m, .phi = 1};
    fc_fitter f;
    assert_int_equal(fc_fitter_init(&f, &sp, y, n, 0), 0);
    double sse = fc_fitter_optimise(&f, &sp, 0);
    SA_ASSERT_NEAR(sp.alpha, 0.4, 0.06);
    SA_ASSERT_NEAR(sp.beta, 0.02, 0.03);
    SA_ASSERT_NEAR(sp.gamma, 0.3, 0.1);
    /* the one-step sd is the noise sd */
    SA_ASSERT_NEAR(sqrt(sse / (double)n), 1.0, 0.1);
    /* the optimum is a local minimum: nudging any parameter does not help */
    fc_spec q = sp;
    q.alpha = sp.alpha * 0.9;
    assert_true(fc_fitter_sse(&f, &q) >= sse);
    q = sp;
    q.gamma = sp.gamma * 1.1;
    assert_true(fc_fitter_sse(&f, &q) >= sse);
    fc_fitter_release(&f);
    free(y);

    /* SES: alpha recovered */
    double *z = malloc(3000 * sizeof *z), l = 50;
    unsigned long long seed = 7;
    for (size_t t = 0; t < 3000; t++) {
        double e = gauss(&seed);
        z[t] = l + e;
        l += 0.7 * e;
    }
    fc_spec ses = {.kind = SA_FC_SES, .phi = 1};
    assert_int_equal(fc_fitter_init(&f, &ses, z, 3000, 0), 0);
    (void)fc_fitter_optimise(&f, &ses, 0);
    SA_ASSERT_NEAR(ses.alpha, 0.7, 0.05);
    fc_fitter_release(&f);
    free(z);
}

/* The batch run: forecasts near the truth, ordered bands, a reason. */
static void batch_run_and_intervals(void **st)
{
    (void)st;
    const size_t m = 24, n = 24 * 20;
    double *y = malloc(n * sizeof *y);
    unsigned long long seed = 3;
    for (size_t i = 0; i < n; i++)
        y[i] = 100 + 20 * sin(2 * M_PI * (double)i / (double)m) + gauss(&seed);
    sa_fc_method ms[] = {SA_FC_AUTO, SA_FC_ADDITIVE, SA_FC_MULTIPLICATIVE, SA_FC_DAMPED,
                         SA_FC_SNAIVE};
    for (size_t k = 0; k < sizeof ms / sizeof ms[0]; k++) {
        sa_fc_options o = opts(ms[k], m, 48);
        sa_fc_result r;
        sa_errbuf eb = {0};
        if (sa_forecast_run(y, n, &o, &r, &eb) != SA_OK)
            fail_msg("%s: %s", sa_fc_method_name(ms[k]), eb.msg);
        assert_int_equal(r.horizon, 48);
        assert_int_equal(r.period, m);
        assert_true(r.method != SA_FC_AUTO);
        if (ms[k] != SA_FC_AUTO)
            assert_int_equal(r.method, ms[k]);
        else
            assert_non_null(strstr(r.why, "chose"));
        for (size_t j = 0; j < 48; j++) {
            double truth = 100 + 20 * sin(2 * M_PI * (double)(n + j) / (double)m);
            if (fabs(r.mean[j] - truth) > 4)
                fail_msg("%s step %zu: %g vs %g", sa_fc_method_name(ms[k]), j + 1, r.mean[j],
                         truth);
            assert_true(r.lower[j] < r.mean[j] && r.mean[j] < r.upper[j]);
            /* 95 % band of noise sd 1: half-width about 2, never absurd */
            assert_true(r.upper[j] - r.mean[j] > 1.2 && r.upper[j] - r.mean[j] < 8);
            /* the band widens with the horizon (multiplicative: relative
             * to the forecast) */
            double w = r.upper[j] - r.mean[j], wp = j ? r.upper[j - 1] - r.mean[j - 1] : 0;
            if (r.method == SA_FC_MULTIPLICATIVE && j > 0)
                assert_true(w / r.mean[j] >= wp / r.mean[j - 1] - 1e-9);
            else if (j > 0 && r.method != SA_FC_SNAIVE)
                assert_true(w >= wp - 1e-9);
        }
        sa_fc_result_release(&r);
    }
    free(y);
}

static void expect_invalid(const double *y, size_t n, sa_fc_options o, const char *want)
{
    sa_fc_result r;
    sa_errbuf eb = {0};
    assert_int_equal(sa_forecast_run(y, n, &o, &r, &eb), SA_ERR_INVALID);
    if (!strstr(eb.msg, want))
        fail_msg("message '%s' lacks '%s'", eb.msg, want);
    assert_null(r.mean);
}

static void data_hygiene(void **st)
{
    (void)st;
    const size_t m = 12, n = 12 * 10;
    double *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++)
        y[i] = 50 + 10 * sin(2 * M_PI * (double)i / (double)m) + (double)(i % 5) * 0.1;
    sa_fc_result r;
    sa_errbuf eb = {0};
    sa_fc_options o = opts(SA_FC_ADDITIVE, m, 12);

    /* gaps up to the limit are filled and reported, also at the ends */
    y[0] = NAN;
    for (size_t i = 30; i < 30 + SA_FC_MAX_GAP; i++)
        y[i] = NAN;
    y[n - 1] = NAN;
    assert_int_equal(sa_forecast_run(y, n, &o, &r, &eb), SA_OK);
    assert_int_equal(r.n_filled, SA_FC_MAX_GAP + 2);
    for (size_t j = 0; j < 12; j++)
        assert_true(isfinite(r.mean[j]) && isfinite(r.lower[j]));
    sa_fc_result_release(&r);
    /* one more is refused, naming where */
    y[30 + SA_FC_MAX_GAP] = NAN;
    expect_invalid(y, n, o, "13 missing values in a row before value 43");
    y[30 + SA_FC_MAX_GAP] = 1;
    /* infinite values are refused naming the index */
    y[57] = INFINITY;
    expect_invalid(y, n, o, "value 57 is infinite");
    y[57] = 1;
    /* too short for the seasonal model, no season for a seasonal method */
    expect_invalid(y + 1, 20, o, "at least 24 values");
    sa_fc_options o1 = opts(SA_FC_ADDITIVE, 1, 5);
    expect_invalid(y + 1, 60, o1, "needs a seasonal period");
    /* bad options */
    sa_fc_options ob = opts(SA_FC_AUTO, m, 0);
    expect_invalid(y + 1, 60, ob, "horizon");
    ob = opts(SA_FC_AUTO, m, 5);
    ob.level = 1.5;
    expect_invalid(y + 1, 60, ob, "level");
    double none[3] = {NAN, NAN, NAN};
    expect_invalid(none, 3, opts(SA_FC_SES, 0, 1), "no values");

    /* zeros with multiplicative seasonality: additive, and said so */
    for (size_t i = 0; i < n; i++)
        y[i] = (i % m < 3) ? 0 : 10 + (double)(i % m);
    o = opts(SA_FC_MULTIPLICATIVE, m, 12);
    assert_int_equal(sa_forecast_run(y, n, &o, &r, &eb), SA_OK);
    assert_int_equal(r.method, SA_FC_ADDITIVE);
    assert_non_null(strstr(r.why, "additive used"));
    sa_fc_result_release(&r);

    /* a constant series: the constant, with a zero-width band, no NaN */
    for (size_t i = 0; i < n; i++)
        y[i] = 7;
    for (int k = SA_FC_AUTO; k <= SA_FC_SNAIVE; k++) {
        if (k == SA_FC_DOUBLE)
            continue;
        o = opts((sa_fc_method)k, m, 30);
        if (sa_forecast_run(y, n, &o, &r, &eb) != SA_OK)
            fail_msg("%s: %s", sa_fc_method_name((sa_fc_method)k), eb.msg);
        for (size_t j = 0; j < 30; j++) {
            SA_ASSERT_NEAR(r.mean[j], 7, 1e-6);
            SA_ASSERT_NEAR(r.upper[j], 7, 1e-6);
            SA_ASSERT_NEAR(r.lower[j], 7, 1e-6);
        }
        sa_fc_result_release(&r);
    }
    free(y);
}

/* The unit does not matter: y x 1e250 gives the forecast of y x 1e250 (no
 * overflow in the squares), and the multiplicative band is relative. */
static void scale_invariance(void **st)
{
    (void)st;
    const size_t m = 24, n = 24 * 12;
    double *y = malloc(n * sizeof *y), *big = malloc(n * sizeof *big);
    unsigned long long seed = 17;
    for (size_t i = 0; i < n; i++) {
        y[i] = (50 + 0.05 * (double)i) * (1 + 0.4 * sin(2 * M_PI * (double)i / (double)m)) *
               (1 + 0.02 * gauss(&seed));
        big[i] = y[i] * 1e250;
    }
    sa_fc_method ms[] = {SA_FC_AUTO, SA_FC_MULTIPLICATIVE};
    for (size_t k = 0; k < 2; k++) {
        sa_fc_options o = opts(ms[k], m, m);
        sa_fc_result a, b;
        sa_errbuf eb = {0};
        assert_int_equal(sa_forecast_run(y, n, &o, &a, &eb), SA_OK);
        assert_int_equal(sa_forecast_run(big, n, &o, &b, &eb), SA_OK);
        assert_int_equal(a.method, b.method);
        for (size_t j = 0; j < m; j++) {
            SA_ASSERT_NEAR(b.mean[j] / 1e250 / a.mean[j], 1, 1e-9);
            SA_ASSERT_NEAR(b.upper[j] / 1e250 / a.upper[j], 1, 1e-9);
            assert_true(isfinite(b.lower[j]));
        }
        if (ms[k] == SA_FC_MULTIPLICATIVE) {
            /* 2 % noise: relative sigma a little above 0.02 (the states are
             * estimated too), and the band at the
             * seasonal peak wider than at the trough */
            SA_ASSERT_NEAR(a.sigma, 0.024, 0.006);
            size_t hi = 0, lo = 0;
            for (size_t j = 0; j < m; j++) {
                hi = a.mean[j] > a.mean[hi] ? j : hi;
                lo = a.mean[j] < a.mean[lo] ? j : lo;
            }
            assert_true(a.upper[hi] - a.mean[hi] > 1.5 * (a.upper[lo] - a.mean[lo]));
        }
        sa_fc_result_release(&a);
        sa_fc_result_release(&b);
    }
    free(y);
    free(big);
}

/* Short series: no seasonal candidate, SES or Holt chosen. */
static void short_series_nonseasonal(void **st)
{
    (void)st;
    double y[30];
    for (size_t i = 0; i < 30; i++)
        y[i] = 10 + 2 * (double)i + ((i % 3) ? 0.3 : -0.3);
    sa_fc_options o = opts(SA_FC_AUTO, 24, 5);
    sa_fc_result r;
    sa_errbuf eb = {0};
    assert_int_equal(sa_forecast_run(y, 30, &o, &r, &eb), SA_OK);
    assert_true(r.method == SA_FC_HOLT || r.method == SA_FC_SES);
    assert_int_equal(r.method, SA_FC_HOLT); /* a clear trend */
    SA_ASSERT_NEAR(r.mean[4], 10 + 2 * 34.0, 1.5);
    sa_fc_result_release(&r);
}

/* A level shift three seasons before the end does not drag the forecast
 * back to the old level. */
static void level_shift_recovers(void **st)
{
    (void)st;
    const size_t m = 24, n = 24 * 14;
    double *y = malloc(n * sizeof *y);
    unsigned long long seed = 11;
    for (size_t i = 0; i < n; i++)
        y[i] = (i >= n - 3 * m ? 160 : 100) + 10 * sin(2 * M_PI * (double)i / (double)m) +
               gauss(&seed);
    sa_fc_options o = opts(SA_FC_AUTO, m, m);
    sa_fc_result r;
    sa_errbuf eb = {0};
    assert_int_equal(sa_forecast_run(y, n, &o, &r, &eb), SA_OK);
    double mean = 0;
    for (size_t j = 0; j < m; j++)
        mean += r.mean[j] / (double)m;
    SA_ASSERT_NEAR(mean, 160, 8);
    sa_fc_result_release(&r);
    free(y);
}

/* A shift only a few samples before the end: the level is re-anchored
 * (and said so) instead of creeping towards it at the fitted alpha; a lone
 * spike is not a shift. */
static void late_level_shift_reanchored(void **st)
{
    (void)st;
    const size_t m = 24, n = 24 * 14;
    double *y = malloc(n * sizeof *y);
    unsigned long long seed = 13;
    for (size_t i = 0; i < n; i++)
        y[i] = (i >= n - 8 ? 160 : 100) + 10 * sin(2 * M_PI * (double)i / (double)m) + gauss(&seed);
    sa_fc_options o = opts(SA_FC_ADDITIVE, m, m);
    sa_fc_result r;
    sa_errbuf eb = {0};
    assert_int_equal(sa_forecast_run(y, n, &o, &r, &eb), SA_OK);
    assert_non_null(strstr(r.why, "level shift at value 328"));
    assert_true(r.alpha < 0.3); /* the fit did not chase the shift */
    for (size_t j = 0; j < m; j++) {
        double truth = 160 + 10 * sin(2 * M_PI * (double)(n + j) / (double)m);
        SA_ASSERT_NEAR(r.mean[j], truth, 4);
    }
    sa_fc_result_release(&r);
    for (size_t i = n - 8; i < n; i++)
        y[i] -= 60;
    y[n - 2] += 60;
    assert_int_equal(sa_forecast_run(y, n, &o, &r, &eb), SA_OK);
    assert_null(strstr(r.why, "level shift"));
    double mean = 0;
    for (size_t j = 0; j < m; j++)
        mean += r.mean[j] / (double)m;
    SA_ASSERT_NEAR(mean, 100, 5);
    sa_fc_result_release(&r);
    free(y);
}

static void period_detection(void **st)
{
    (void)st;
    const size_t n = 24 * 30;
    double *y = malloc(n * sizeof *y);
    unsigned long long seed = 5;
    for (size_t i = 0; i < n; i++)
        y[i] = 30 * sin(2 * M_PI * (double)i / 24) + 10 * cos(4 * M_PI * (double)i / 24) +
               3 * gauss(&seed);
    assert_int_equal(sa_fc_detect_period(y, n, 2, n / 3), 24);
    /* white noise: no season, and auto forecasts it without one */
    for (size_t i = 0; i < n; i++)
        y[i] = 20 + gauss(&seed);
    assert_int_equal(sa_fc_detect_period(y, n, 2, n / 3), 0);
    sa_fc_options on = opts(SA_FC_AUTO, 0, 5);
    sa_fc_result rn;
    sa_errbuf ebn = {0};
    assert_int_equal(sa_forecast_run(y, n, &on, &rn, &ebn), SA_OK);
    assert_int_equal(rn.period, 0);
    assert_true(rn.method == SA_FC_SES || rn.method == SA_FC_HOLT);
    SA_ASSERT_NEAR(rn.mean[0], 20, 0.5);
    sa_fc_result_release(&rn);
    /* a strong short cycle under a weak long one: the first clear peak */
    for (size_t i = 0; i < n; i++)
        y[i] = 10 * sin(2 * M_PI * (double)i / 12) + 3 * sin(2 * M_PI * (double)i / 144) +
               gauss(&seed);
    assert_int_equal(sa_fc_detect_period(y, n, 2, n / 3), 12);
    /* constant: no season */
    for (size_t i = 0; i < n; i++)
        y[i] = 4;
    assert_int_equal(sa_fc_detect_period(y, n, 2, n / 3), 0);
    /* period 0 in the options: detected; with the spacing known, a peak
     * near a day of samples is a day (here 47 samples of 30 min: 48) */
    for (size_t i = 0; i < n; i++)
        y[i] = 100 + 30 * sin(2 * M_PI * (double)i / 47) + gauss(&seed);
    sa_fc_options o = opts(SA_FC_ADDITIVE, 0, 10);
    sa_fc_result r;
    sa_errbuf eb = {0};
    assert_int_equal(sa_forecast_run(y, n, &o, &r, &eb), SA_OK);
    assert_int_equal(r.period, 47);
    sa_fc_result_release(&r);
    o.step_s = 1800;
    assert_int_equal(sa_forecast_run(y, n, &o, &r, &eb), SA_OK);
    assert_int_equal(r.period, 48);
    sa_fc_result_release(&r);
    free(y);
}

/* Daily and weekly cycles: the double seasonal model is fitted and beats
 * the single season on the weekly part. */
static void double_seasonal(void **st)
{
    (void)st;
    const size_t m = 24, m2 = 168, n = 168 * 4;
    double *y = malloc((n + m2) * sizeof *y);
    unsigned long long seed = 9;
    for (size_t i = 0; i < n + m2; i++)
        y[i] = 100 + 20 * sin(2 * M_PI * (double)i / (double)m) + ((i % m2) / m >= 5 ? -30 : 0) +
               gauss(&seed);
    sa_fc_options o = opts(SA_FC_DOUBLE, m, m2);
    sa_fc_result r, a;
    sa_errbuf eb = {0};
    assert_int_equal(sa_forecast_run(y, n, &o, &r, &eb), SA_OK);
    assert_int_equal(r.method, SA_FC_DOUBLE);
    o.method = SA_FC_ADDITIVE;
    assert_int_equal(sa_forecast_run(y, n, &o, &a, &eb), SA_OK);
    double ed = 0, ea = 0;
    for (size_t j = 0; j < m2; j++) {
        ed += fabs(y[n + j] - r.mean[j]);
        ea += fabs(y[n + j] - a.mean[j]);
    }
    assert_true(ed / (double)m2 < 2.0);
    assert_true(ed < 0.5 * ea);
    sa_fc_result_release(&r);
    sa_fc_result_release(&a);
    o.method = SA_FC_AUTO;
    assert_int_equal(sa_forecast_run(y, n, &o, &r, &eb), SA_OK);
    assert_int_equal(r.method, SA_FC_DOUBLE);
    sa_fc_result_release(&r);
    free(y);
}

/* Random series, options and gaps: every run ends in SA_OK with finite,
 * ordered output or SA_ERR_INVALID with a message; never a crash or leak
 * (the sanitizers watch). */
static void random_inputs_never_crash(void **st)
{
    (void)st;
    unsigned long long seed = 99;
    double *y = malloc(400 * sizeof *y);
    size_t ok = 0;
    for (int it = 0; it < 400; it++) {
        double u = fabs(gauss(&seed));
        size_t n = 1 + (size_t)(u * 150) % 400, period = (size_t)(fabs(gauss(&seed)) * 12) % 40;
        double mag = pow(10, (double)((int)(fabs(gauss(&seed)) * 100) % 300) - 150);
        int kind = (int)(fabs(gauss(&seed)) * 5) % 4; /* noise, seasonal, steps, zeros */
        for (size_t i = 0; i < n; i++) {
            double g = gauss(&seed);
            y[i] = kind == 0   ? g * mag
                   : kind == 1 ? mag * (2 + sin((double)i) + 0.1 * g)
                   : kind == 2 ? mag * (double)(i / 7 % 3)
                               : 0;
            if (fabs(g) > 2.2)
                y[i] = NAN; /* a few gaps */
        }
        sa_fc_options o = opts((sa_fc_method)(it % 8), period, 1 + (size_t)it % 50);
        sa_fc_result r;
        sa_errbuf eb = {0};
        sa_err e = sa_forecast_run(y, n, &o, &r, &eb);
        if (e != SA_OK) {
            assert_int_equal(e, SA_ERR_INVALID);
            assert_true(eb.msg[0] != '\0');
            continue;
        }
        ok++;
        for (size_t j = 0; j < r.horizon; j++) {
            assert_true(isfinite(r.mean[j]) && isfinite(r.lower[j]) && isfinite(r.upper[j]));
            assert_true(r.lower[j] <= r.mean[j] && r.mean[j] <= r.upper[j]);
        }
        sa_fc_result_release(&r);
    }
    assert_true(ok > 100); /* most runs are valid input */
    free(y);
}

size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

static size_t heap_in_use(void)
{
    if (__sanitizer_get_current_allocated_bytes)
        return __sanitizer_get_current_allocated_bytes();
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks;
}

/* The online model: updating it sample by sample gives exactly the state of
 * the batch recursion, missing samples advance on the forecast, and a
 * million updates allocate nothing. */
static void online_model(void **st)
{
    (void)st;
    const size_t m = 24, n0 = 24 * 10, n = 24 * 40;
    double *y = gen_hw(n, m, 0.3, 0.01, 0.2, 1.0, 21);
    sa_fc_options o = opts(SA_FC_ADDITIVE, m, 1);
    sa_fc_model *mod = NULL;
    sa_errbuf eb = {0};
    assert_int_equal(sa_fc_model_fit(y, n0, &o, &mod, &eb), SA_OK);
    sa_fc_result d;
    sa_fc_model_describe(mod, &d);
    assert_int_equal(d.method, SA_FC_ADDITIVE);
    assert_true(d.alpha > 0 && d.alpha <= 1);
    assert_true(isnan(d.phi));
    assert_null(d.mean);
    /* reference: the same spec run by the fitter over all of y */
    fc_spec sp = {.kind = SA_FC_ADDITIVE,
                  .m = m,
                  .alpha = d.alpha,
                  .beta = d.beta,
                  .gamma = d.gamma,
                  .phi = 1};
    fc_fitter f;
    assert_int_equal(fc_fitter_init(&f, &sp, y, n, 0), 0);
    (void)fc_fitter_sse(&f, &sp);
    for (size_t i = n0; i < n; i++)
        sa_fc_model_update(mod, y[i]);
    double a[30], b[30], lo[30], hi[30];
    sa_fc_model_forecast(mod, 30, 0.95, a, lo, hi);
    fc_point(&sp, &f.work, 30, b);
    for (size_t j = 0; j < 30; j++) {
        SA_ASSERT_NEAR(a[j], b[j], 1e-6 * fabs(b[j]));
        assert_true(lo[j] < a[j] && a[j] < hi[j]);
    }
    fc_fitter_release(&f);
    /* a missing sample: the state advances on its own forecast */
    double before[2];
    sa_fc_model_forecast(mod, 2, 0.95, before, NULL, NULL);
    sa_fc_model_update(mod, NAN);
    sa_fc_model_forecast(mod, 1, 0.95, a, NULL, NULL);
    SA_ASSERT_NEAR(a[0], before[1], 1e-9 * fabs(before[1]));
    /* a long run: bounded state, no allocation */
    size_t heap0 = heap_in_use();
    unsigned long long seed = 1;
    for (size_t i = 0; i < 1000000; i++)
        sa_fc_model_update(mod,
                           100 + 10 * sin(2 * M_PI * (double)(i % m) / (double)m) + gauss(&seed));
    assert_int_equal(heap_in_use(), heap0);
    sa_fc_model_describe(mod, &d);
    assert_int_equal(d.updates, n - n0 + 1 + 1000000);
    assert_true(d.drift > 0.7 && d.drift < 1.5); /* same noise as the fit */
    /* a level shift shows up as drift */
    for (size_t i = 0; i < 10; i++)
        sa_fc_model_update(mod, 200);
    sa_fc_model_describe(mod, &d);
    assert_true(d.drift > 3);
    for (size_t i = 0; i < 24 * 40; i++)
        sa_fc_model_update(mod, 100 + 10 * sin(2 * M_PI * (double)((1000010 + i) % m) / (double)m) +
                                    gauss(&seed));
    sa_fc_model_forecast(mod, 24, 0.95, a, lo, hi);
    double dev = 0;
    for (size_t j = 0; j < 24; j++) {
        double truth = 100 + 10 * sin(2 * M_PI * (double)((1000010 + 24 * 40 + j) % m) / (double)m);
        SA_ASSERT_NEAR(a[j], truth, 5);
        dev += fabs(a[j] - truth) / 24;
    }
    assert_true(dev < 2.5);
    sa_fc_model_destroy(mod);
    sa_fc_model_destroy(NULL);
    free(y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(method_names_round_trip),
        cmocka_unit_test(hand_computed_steps),
        cmocka_unit_test(r_parity),
        cmocka_unit_test(parameters_recovered),
        cmocka_unit_test(batch_run_and_intervals),
        cmocka_unit_test(data_hygiene),
        cmocka_unit_test(scale_invariance),
        cmocka_unit_test(short_series_nonseasonal),
        cmocka_unit_test(level_shift_recovers),
        cmocka_unit_test(late_level_shift_reanchored),
        cmocka_unit_test(period_detection),
        cmocka_unit_test(double_seasonal),
        cmocka_unit_test(online_model),
        cmocka_unit_test(random_inputs_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
