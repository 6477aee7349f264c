/*
 * test_metrics.c - the metrics registry: exact exposition text for
 * counters, gauges and histograms, label and HELP escaping, value
 * formatting, registration rules, caps, and concurrent updates.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_test.h"
#include "scaleadvisor/metrics.h"
#include "scaleadvisor/banned.h"

#define L(...) ((const char *const[]){__VA_ARGS__})

static char *render(sa_metrics *m)
{
    sa_buf b;
    sa_buf_init(&b, SA_CAP_JSON_OUT);
    assert_int_equal(sa_metrics_render(m, &b), SA_OK);
    char *s = NULL;
    assert_int_equal(sa_buf_detach(&b, &s), SA_OK);
    return s;
}

static void test_counter_gauge_text(void **state)
{
    (void)state;
    sa_errbuf eb = {0};
    sa_metrics *m = NULL;
    sa_metric *c = NULL, *g = NULL, *plain = NULL;
    assert_int_equal(sa_metrics_create(&m, &eb), SA_OK);
    assert_int_equal(sa_metrics_counter(m, "sa_decisions_total", "Decisions made.",
                                        L("source", "verdict"), 2, &c, &eb),
                     SA_OK);
    assert_int_equal(
        sa_metrics_gauge(m, "sa_replicas", "Recommended replicas.", L("deployment"), 1, &g, &eb),
        SA_OK);
    assert_int_equal(sa_metrics_gauge(m, "sa_up", "Always 1.", NULL, 0, &plain, &eb), SA_OK);
    assert_int_equal(sa_metrics_inc(c, L("rule", "accepted"), 1), SA_OK);
    assert_int_equal(sa_metrics_inc(c, L("llm", "clamped"), 2), SA_OK);
    assert_int_equal(sa_metrics_inc(c, L("llm", "accepted"), 1), SA_OK);
    assert_int_equal(sa_metrics_inc(c, L("llm", "accepted"), 0.5), SA_OK);
    assert_int_equal(sa_metrics_set(g, L("shop/web"), 8), SA_OK);
    assert_int_equal(sa_metrics_set(g, L("a/b"), -0.25), SA_OK);
    assert_int_equal(sa_metrics_inc(g, L("a/b"), 0.5), SA_OK);
    assert_int_equal(sa_metrics_set(plain, NULL, 1), SA_OK);
    char *t = render(m);
    assert_string_equal(t, "# HELP sa_decisions_total Decisions made.\n"
                           "# TYPE sa_decisions_total counter\n"
                           "sa_decisions_total{source=\"llm\",verdict=\"accepted\"} 1.5\n"
                           "sa_decisions_total{source=\"llm\",verdict=\"clamped\"} 2\n"
                           "sa_decisions_total{source=\"rule\",verdict=\"accepted\"} 1\n"
                           "# HELP sa_replicas Recommended replicas.\n"
                           "# TYPE sa_replicas gauge\n"
                           "sa_replicas{deployment=\"a/b\"} 0.25\n"
                           "sa_replicas{deployment=\"shop/web\"} 8\n"
                           "# HELP sa_up Always 1.\n"
                           "# TYPE sa_up gauge\n"
                           "sa_up 1\n");
    free(t);
    double v = 0;
    assert_int_equal(sa_metrics_value(c, L("llm", "accepted"), &v), SA_OK);
    SA_ASSERT_NEAR(v, 1.5, 1e-12);
    assert_int_equal(sa_metrics_value(c, L("none", "x"), &v), SA_ERR_NOTFOUND);
    /* forget drops one series only */
    assert_int_equal(sa_metrics_forget(g, L("shop/web")), SA_OK);
    assert_int_equal(sa_metrics_forget(g, L("never")), SA_OK);
    assert_int_equal(sa_metrics_value(g, L("shop/web"), &v), SA_ERR_NOTFOUND);
    assert_int_equal(sa_metrics_value(g, L("a/b"), &v), SA_OK);
    sa_metrics_destroy(m);
}

static void test_histogram_text(void **state)
{
    (void)state;
    sa_errbuf eb = {0};
    sa_metrics *m = NULL;
    sa_metric *h = NULL, *d = NULL;
    assert_int_equal(sa_metrics_create(&m, &eb), SA_OK);
    const double bounds[] = {0.1, 1, 2.5};
    assert_int_equal(sa_metrics_histogram(m, "sa_cycle_seconds", "Cycle duration.", L("source"), 1,
                                          bounds, 3, &h, &eb),
                     SA_OK);
    /* 0.1 lands in le="0.1" (upper bounds are inclusive) */
    const double obs[] = {0.05, 0.1, 0.7, 3, 100};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(sa_metrics_observe(h, L("sim"), obs[i]), SA_OK);
    assert_int_equal(
        sa_metrics_histogram(m, "sa_empty_seconds", "No labels.", NULL, 0, NULL, 0, &d, &eb),
        SA_OK);
    assert_int_equal(sa_metrics_observe(d, NULL, 0.003), SA_OK);
    char *t = render(m);
    assert_string_equal(t, "# HELP sa_cycle_seconds Cycle duration.\n"
                           "# TYPE sa_cycle_seconds histogram\n"
                           "sa_cycle_seconds_bucket{source=\"sim\",le=\"0.1\"} 2\n"
                           "sa_cycle_seconds_bucket{source=\"sim\",le=\"1\"} 3\n"
                           "sa_cycle_seconds_bucket{source=\"sim\",le=\"2.5\"} 3\n"
                           "sa_cycle_seconds_bucket{source=\"sim\",le=\"+Inf\"} 5\n"
                           "sa_cycle_seconds_sum{source=\"sim\"} 103.85\n"
                           "sa_cycle_seconds_count{source=\"sim\"} 5\n"
                           "# HELP sa_empty_seconds No labels.\n"
                           "# TYPE sa_empty_seconds histogram\n"
                           "sa_empty_seconds_bucket{le=\"0.005\"} 1\n"
                           "sa_empty_seconds_bucket{le=\"0.01\"} 1\n"
                           "sa_empty_seconds_bucket{le=\"0.025\"} 1\n"
                           "sa_empty_seconds_bucket{le=\"0.05\"} 1\n"
                           "sa_empty_seconds_bucket{le=\"0.1\"} 1\n"
                           "sa_empty_seconds_bucket{le=\"0.25\"} 1\n"
                           "sa_empty_seconds_bucket{le=\"0.5\"} 1\n"
                           "sa_empty_seconds_bucket{le=\"1\"} 1\n"
                           "sa_empty_seconds_bucket{le=\"2.5\"} 1\n"
                           "sa_empty_seconds_bucket{le=\"5\"} 1\n"
                           "sa_empty_seconds_bucket{le=\"10\"} 1\n"
                           "sa_empty_seconds_bucket{le=\"+Inf\"} 1\n"
                           "sa_empty_seconds_sum 0.003\n"
                           "sa_empty_seconds_count 1\n");
    free(t);
    double v = 0;
    assert_int_equal(sa_metrics_value(h, L("sim"), &v), SA_OK);
    SA_ASSERT_NEAR(v, 5, 0);
    sa_metrics_destroy(m);
}

static void test_escaping(void **state)
{
    (void)state;
    sa_errbuf eb = {0};
    sa_metrics *m = NULL;
    sa_metric *c = NULL;
    assert_int_equal(sa_metrics_create(&m, &eb), SA_OK);
    assert_int_equal(sa_metrics_counter(m, "sa_odd_total", "Back\\slash and\nnewline \"kept\".",
                                        L("v"), 1, &c, &eb),
                     SA_OK);
    assert_int_equal(sa_metrics_inc(c, L("a\"b\\c\nd}e,f=g"), 1), SA_OK);
    assert_int_equal(sa_metrics_inc(c, L(""), 1), SA_OK);
    assert_int_equal(sa_metrics_inc(c, L("\xc3\xa9t\xc3\xa9"), 1), SA_OK);
    char *t = render(m);
    assert_string_equal(t, "# HELP sa_odd_total Back\\\\slash and\\nnewline \"kept\".\n"
                           "# TYPE sa_odd_total counter\n"
                           "sa_odd_total{v=\"\"} 1\n"
                           "sa_odd_total{v=\"a\\\"b\\\\c\\nd}e,f=g\"} 1\n"
                           "sa_odd_total{v=\"\xc3\xa9t\xc3\xa9\"} 1\n");
    free(t);
    sa_metrics_destroy(m);
}

static void test_format_values(void **state)
{
    (void)state;
    struct {
        double v;
        const char *want;
    } cases[] = {
        {0, "0"},
        {1, "1"},
        {-3, "-3"},
        {0.1, "0.1"},
        {1.0 / 3, "0.3333333333333333"},
        {1e-9, "1e-09"},
        {123456789, "123456789"},
        {1e20, "1e+20"},
        {2.5, "2.5"},
        {INFINITY, "+Inf"},
        {-INFINITY, "-Inf"},
        {NAN, "NaN"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sa_buf b;
        sa_buf_init(&b, 64);
        assert_int_equal(sa_metrics_format_value(&b, cases[i].v), SA_OK);
        assert_string_equal(b.data, cases[i].want);
        sa_buf_release(&b);
    }
}

static void test_registration_rules(void **state)
{
    (void)state;
    sa_errbuf eb = {0};
    sa_metrics *m = NULL;
    sa_metric *a = NULL, *b = NULL;
    assert_int_equal(sa_metrics_create(&m, &eb), SA_OK);
    assert_int_equal(sa_metrics_counter(m, "x_total", "h", L("a"), 1, &a, &eb), SA_OK);
    /* same shape: same family back */
    assert_int_equal(sa_metrics_counter(m, "x_total", "h", L("a"), 1, &b, &eb), SA_OK);
    assert_ptr_equal(a, b);
    /* other type or other labels under the same name */
    assert_int_equal(sa_metrics_gauge(m, "x_total", "h", L("a"), 1, &b, &eb), SA_ERR_CONFLICT);
    assert_int_equal(sa_metrics_counter(m, "x_total", "h", L("b"), 1, &b, &eb), SA_ERR_CONFLICT);
    /* names */
    assert_int_equal(sa_metrics_counter(m, "9bad", "h", NULL, 0, &b, &eb), SA_ERR_INVALID);
    assert_int_equal(sa_metrics_counter(m, "bad-name", "h", NULL, 0, &b, &eb), SA_ERR_INVALID);
    assert_int_equal(sa_metrics_counter(m, "", "h", NULL, 0, &b, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, "bad metric name"));
    assert_int_equal(sa_metrics_counter(m, "ok:name_total", "h", NULL, 0, &b, &eb), SA_OK);
    assert_int_equal(sa_metrics_counter(m, "y", "h", L("__x"), 1, &b, &eb), SA_ERR_INVALID);
    assert_int_equal(sa_metrics_counter(m, "y", "h", L("a:b"), 1, &b, &eb), SA_ERR_INVALID);
    assert_int_equal(sa_metrics_counter(m, "y", "h", L("a", "a"), 2, &b, &eb), SA_ERR_INVALID);
    assert_int_equal(sa_metrics_histogram(m, "y", "h", L("le"), 1, NULL, 0, &b, &eb),
                     SA_ERR_INVALID);
    const double dec[] = {1, 0.5};
    assert_int_equal(sa_metrics_histogram(m, "y", "h", NULL, 0, dec, 2, &b, &eb), SA_ERR_INVALID);
    const double inf[] = {1, INFINITY};
    assert_int_equal(sa_metrics_histogram(m, "y", "h", NULL, 0, inf, 2, &b, &eb), SA_ERR_INVALID);
    /* operations of the wrong kind or with bad values */
    assert_int_equal(sa_metrics_inc(a, L("v"), -1), SA_ERR_INVALID);
    assert_int_equal(sa_metrics_inc(a, L("v"), NAN), SA_ERR_INVALID);
    assert_int_equal(sa_metrics_set(a, L("v"), 1), SA_ERR_INVALID);
    assert_int_equal(sa_metrics_observe(a, L("v"), 1), SA_ERR_INVALID);
    assert_int_equal(sa_metrics_inc(a, NULL, 1), SA_ERR_INVALID);
    assert_int_equal(sa_metrics_inc(a, L((const char *)NULL), 1), SA_ERR_INVALID);
    char big[SA_METRICS_MAX_VALUE + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(sa_metrics_inc(a, L(big), 1), SA_ERR_INVALID);
    sa_metrics_destroy(m);
    sa_metrics_destroy(NULL);
}

static void test_series_cap(void **state)
{
    (void)state;
    sa_errbuf eb = {0};
    sa_metrics *m = NULL;
    sa_metric *g = NULL;
    assert_int_equal(sa_metrics_create(&m, &eb), SA_OK);
    assert_int_equal(sa_metrics_gauge(m, "g", "h", L("k"), 1, &g, &eb), SA_OK);
    char name[32];
    for (int i = 0; i < SA_METRICS_MAX_SERIES; i++) {
        snprintf(name, sizeof name, "s%d", i);
        assert_int_equal(sa_metrics_set(g, L(name), i), SA_OK);
    }
    assert_int_equal(sa_metrics_set(g, L("one-more"), 1), SA_ERR_TOOBIG);
    /* an existing series still updates */
    assert_int_equal(sa_metrics_set(g, L("s0"), 5), SA_OK);
    /* render into a small buffer: TOOBIG, buffer emptied */
    sa_buf b;
    sa_buf_init(&b, 100);
    assert_int_equal(sa_metrics_render(m, &b), SA_ERR_TOOBIG);
    assert_int_equal(b.len, 0);
    sa_buf_release(&b);
    sa_metrics_destroy(m);
}

#define THREADS 4
#define PER_THREAD 2000

typedef struct {
    sa_metric *c;
    sa_metric *h;
    sa_metrics *m;
} conc_ctx;

static void *worker(void *arg)
{
    conc_ctx *x = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        const char *lv = (i % 2) ? "odd" : "even";
        if (sa_metrics_inc(x->c, L(lv), 1) != SA_OK ||
            sa_metrics_observe(x->h, NULL, 0.01 * (i % 7)) != SA_OK)
            return (void *)1;
        if (i % 500 == 0) {
            sa_buf b;
            sa_buf_init(&b, SA_CAP_JSON_OUT);
            sa_err e = sa_metrics_render(x->m, &b);
            sa_buf_release(&b);
            if (e != SA_OK)
                return (void *)1;
        }
    }
    return NULL;
}

static void test_concurrent_updates(void **state)
{
    (void)state;
    sa_errbuf eb = {0};
    conc_ctx x = {0};
    assert_int_equal(sa_metrics_create(&x.m, &eb), SA_OK);
    assert_int_equal(sa_metrics_counter(x.m, "c_total", "h", L("k"), 1, &x.c, &eb), SA_OK);
    assert_int_equal(sa_metrics_histogram(x.m, "h_seconds", "h", NULL, 0, NULL, 0, &x.h, &eb),
                     SA_OK);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, &x), 0);
    for (int i = 0; i < THREADS; i++) {
        void *r = NULL;
        pthread_join(t[i], &r);
        assert_null(r);
    }
    double v = 0;
    assert_int_equal(sa_metrics_value(x.c, L("odd"), &v), SA_OK);
    SA_ASSERT_NEAR(v, THREADS * PER_THREAD / 2, 0);
    assert_int_equal(sa_metrics_value(x.c, L("even"), &v), SA_OK);
    SA_ASSERT_NEAR(v, THREADS * PER_THREAD / 2, 0);
    assert_int_equal(sa_metrics_value(x.h, NULL, &v), SA_OK);
    SA_ASSERT_NEAR(v, THREADS * PER_THREAD, 0);
    sa_metrics_destroy(x.m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_gauge_text), cmocka_unit_test(test_histogram_text),
        cmocka_unit_test(test_escaping),           cmocka_unit_test(test_format_values),
        cmocka_unit_test(test_registration_rules), cmocka_unit_test(test_series_cap),
        cmocka_unit_test(test_concurrent_updates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
