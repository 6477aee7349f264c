/*
 * test_replay.c - the replay engine against replay-spec.md: the worked
 * example (exact summary and the replica path the page describes), the
 * nearest-rank p99, the scoring rules, bad input, and that no policy looks
 * at the future (a trace whose second half is changed gives the same
 * decisions before the change).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sa_test.h"
#include "scaleadvisor/replay.h"
#include "scaleadvisor/series.h"
#include "scaleadvisor/banned.h"

static const double we_t[] = {0, 300, 600, 900, 1200, 1500, 1800};
static const double we_v[] = {10, 20, 80, 100, 40, 10, 10};

static sa_err run_policy(sa_policy_kind k, const sa_replay_params *p, const double *t,
                         const double *v, size_t n, sa_replay_summary *sum, sa_replay_series *ser)
{
    sa_policy *pol = NULL;
    sa_errbuf eb = {0};
    sa_err e = sa_policy_create(k, p, t[1] - t[0], &pol, &eb);
    if (e == SA_OK)
        e = sa_replay_run(t, v, n, p, sa_policy_iface(pol), sum, ser, &eb);
    sa_policy_destroy(pol);
    return e;
}

static void worked_example_exact(void **st)
{
    (void)st;
    sa_replay_params p;
    sa_replay_params_init(&p);
    sa_replay_summary s;
    sa_replay_series ser;
    assert_int_equal(run_policy(SA_POLICY_HPA, &p, we_t, we_v, 7, &s, &ser), SA_OK);
    assert_int_equal(s.steps, 31);
    SA_ASSERT_NEAR(s.slo_violation_minutes, 5.0, 1e-9);
    SA_ASSERT_NEAR(s.unserved_replica_seconds, 1560.0, 1e-6);
    SA_ASSERT_NEAR(round(s.replica_hours * 1e4) / 1e4, 8.3667, 1e-9);
    assert_int_equal(s.scaling_actions, 6);
    SA_ASSERT_NEAR(round(s.mean_utilization * 1e4) / 1e4, 0.7144, 1e-9);
    /* the path of R the page describes (R while scored at step t) */
    assert_int_equal(ser.n, 31);
    assert_int_equal(ser.replicas[0], 3);   /* t = 0 */
    assert_int_equal(ser.replicas[6], 6);   /* t = 360: 6 since 300 */
    assert_int_equal(ser.replicas[11], 12); /* t = 660: 12 since 600 */
    assert_int_equal(ser.replicas[12], 23); /* t = 720: 23 since 660 */
    assert_int_equal(ser.replicas[16], 29); /* t = 960: 29 since 900 */
    assert_int_equal(ser.replicas[26], 12); /* t = 1560: 12 since 1500 */
    assert_int_equal(ser.replicas[30], 12); /* t = 1800: scored before going to 3 */
    /* violating steps t = 300, 360, 600, 660, 720 */
    for (size_t k = 0; k < ser.n; k++) {
        int v = ser.demand[k] > (double)ser.ready[k] + 1e-9;
        int expect = k == 5 || k == 6 || k == 10 || k == 11 || k == 12;
        assert_int_equal(v, expect);
    }
    SA_ASSERT_NEAR(ser.demand[10], 16.0, 1e-9);
    sa_replay_series_release(&ser);
}

static void p99_nearest_rank(void **st)
{
    (void)st;
    double v[200];
    for (int i = 0; i < 200; i++)
        v[i] = (double)(200 - i); /* 1..200 */
    /* ceil(0.99 * 200) = 198 -> the 198th smallest = 198 */
    SA_ASSERT_NEAR(sa_replay_p99(v, 200), 198.0, 0);
    v[3] = NAN; /* skipped: 199 values, rank ceil(197.01) = 198 of the rest */
    SA_ASSERT_NEAR(sa_replay_p99(v, 200), 199.0, 0);
    SA_ASSERT_NEAR(sa_replay_p99(v, 0), 0.0, 0);
}

static void zero_trace_scores_nothing(void **st)
{
    (void)st;
    double t[] = {0, 60, 120};
    double v[] = {0, 0, 0};
    sa_replay_params p;
    sa_replay_params_init(&p);
    sa_replay_summary s;
    assert_int_equal(run_policy(SA_POLICY_HPA, &p, t, v, 3, &s, NULL), SA_OK);
    assert_int_equal(s.steps, 3);
    SA_ASSERT_NEAR(s.slo_violation_minutes, 0, 0);
    SA_ASSERT_NEAR(s.mean_utilization, 0, 0);
    /* R starts at clamp(ceil(0)) = min = 1 */
    SA_ASSERT_NEAR(s.replica_hours, 3 * 60.0 / 3600.0, 1e-12);
}

/* A policy that asks for a fixed R, to check the pod model itself. */
static int fixed_decide(void *self, const sa_replay_obs *o)
{
    (void)o;
    return *(int *)self;
}

static void startup_delay_and_scale_down_order(void **st)
{
    (void)st;
    double t[] = {0, 600};
    double v[] = {7, 7};
    sa_replay_params p;
    sa_replay_params_init(&p);
    p.peak_replicas = 7; /* d = 7 replica units: R0 = ceil(7/0.7) = 10 */
    int want = 12;
    sa_replay_policy pol = {"fixed", &want, fixed_decide};
    sa_replay_summary s;
    sa_replay_series ser;
    sa_errbuf eb = {0};
    assert_int_equal(sa_replay_run(t, v, 2, &p, &pol, &s, &ser, &eb), SA_OK);
    assert_int_equal(ser.replicas[0], 10);
    assert_int_equal(ser.replicas[1], 12);
    assert_int_equal(ser.ready[1], 10); /* added at 0, ready at 120 */
    assert_int_equal(ser.ready[2], 12);
    assert_int_equal(s.scaling_actions, 1);
    sa_replay_series_release(&ser);
}

static void bad_input_is_refused(void **st)
{
    (void)st;
    sa_replay_params p;
    sa_replay_params_init(&p);
    sa_replay_summary s;
    double t1[] = {0};
    double v1[] = {5};
    assert_int_equal(
        run_policy(SA_POLICY_HPA, &p, (double[]){0, 60}, (double[]){1, -1}, 2, &s, NULL),
        SA_ERR_INVALID);
    sa_errbuf eb = {0};
    int want = 1;
    sa_replay_policy pol = {"fixed", &want, fixed_decide};
    assert_int_equal(sa_replay_run(t1, v1, 1, &p, &pol, &s, NULL, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, "two rows"));
    p.step_s = 0;
    assert_int_equal(sa_replay_params_check(&p, &eb), SA_ERR_INVALID);
    sa_replay_params_init(&p);
    p.max_replicas = 0;
    assert_int_equal(sa_replay_params_check(&p, &eb), SA_ERR_INVALID);
    sa_policy_kind k;
    assert_int_equal(sa_policy_parse("hpa", &k), SA_OK);
    assert_int_equal(k, SA_POLICY_HPA);
    assert_int_equal(sa_policy_parse("predictive", &k), SA_OK);
    assert_int_equal(k, SA_POLICY_PREDICTIVE);
    assert_int_equal(sa_policy_parse("HPA", &k), SA_ERR_INVALID);
}

/* A seasonal-looking trace: daily-ish wave plus a deterministic jitter. */
static void make_trace(double *t, double *v, size_t n, size_t period, int changed_from)
{
    unsigned x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        double jitter = (double)((x >> 16) % 100) / 10.0;
        t[i] = 1.7e9 + 300.0 * (double)i;
        v[i] = 100.0 + 60.0 * sin(2.0 * M_PI * (double)i / (double)period) + jitter;
        if (changed_from >= 0 && (int)i >= changed_from)
            v[i] = (i % 7 == 0) ? 400.0 : 20.0 + (double)(i % 13);
    }
}

static void decisions_see_only_the_past(void **st)
{
    (void)st;
    enum { N = 2000, P = 96 };
    double *t = malloc(N * sizeof *t), *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    assert_non_null(t);
    assert_non_null(a);
    assert_non_null(b);
    make_trace(t, a, N, P, -1);
    make_trace(t, b, N, P, N / 2);
    /* The engine scales demand by the whole trace's p99; pin it at the same
     * value in both (30 rows of 5000 > 1 % of 2000) so that only the
     * policy could tell the two traces apart before the change. */
    for (size_t i = 300; i < 330; i++)
        a[i] = b[i] = 5000.0;
    SA_ASSERT_NEAR(sa_replay_p99(a, N), 5000.0, 0);
    SA_ASSERT_NEAR(sa_replay_p99(b, N), 5000.0, 0);
    sa_replay_params p;
    sa_replay_params_init(&p);
    p.period = P;
    double t_change = t[N / 2];
    for (int k = 0; k < 4; k++) {
        sa_replay_summary sa_, sb;
        sa_replay_series xa, xb;
        assert_int_equal(run_policy((sa_policy_kind)k, &p, t, a, N, &sa_, &xa), SA_OK);
        assert_int_equal(run_policy((sa_policy_kind)k, &p, t, b, N, &sb, &xb), SA_OK);
        size_t same = 0, differ_after = 0;
        for (size_t s = 0; s < xa.n; s++) {
            if (xa.t[s] <= t_change + 1e-9) {
                /* R at a step before or at the change was decided earlier */
                if (xa.replicas[s] != xb.replicas[s])
                    fail_msg("policy %s: R differs at step %zu (t %.0f) before the change",
                             sa_policy_name((sa_policy_kind)k), s, xa.t[s]);
                same++;
            } else if (xa.replicas[s] != xb.replicas[s]) {
                differ_after++;
            }
        }
        assert_true(same > 1000);
        assert_true(differ_after > 0); /* the change does matter afterwards */
        sa_replay_series_release(&xa);
        sa_replay_series_release(&xb);
    }
    free(t);
    free(a);
    free(b);
}

static void reads_a_real_trace(void **st)
{
    (void)st;
    char *path = sa_test_shared_path("data/traces/ec2_cpu_utilization_5f5533.csv");
    sa_series s;
    sa_errbuf eb = {0};
    if (sa_series_read(path, &s, &eb) != SA_OK) {
        free(path);
        skip();
    }
    sa_replay_params p;
    sa_replay_params_init(&p);
    p.period = 288;
    sa_replay_summary h, pr;
    sa_policy *pol = NULL;
    assert_int_equal(sa_policy_create(SA_POLICY_HPA, &p, sa_series_step(&s), &pol, &eb), SA_OK);
    assert_int_equal(sa_replay_run(s.t, s.v, s.n, &p, sa_policy_iface(pol), &h, NULL, &eb), SA_OK);
    sa_policy_destroy(pol);
    assert_int_equal(sa_policy_create(SA_POLICY_PREDICTIVE, &p, sa_series_step(&s), &pol, &eb),
                     SA_OK);
    assert_int_equal(sa_replay_run(s.t, s.v, s.n, &p, sa_policy_iface(pol), &pr, NULL, &eb), SA_OK);
    sa_policy_destroy(pol);
    assert_int_equal(h.steps, pr.steps);
    /* 4032 five-minute rows: (4031 * 300) / 60 + 1 steps */
    assert_int_equal(h.steps, 4031 * 5 + 1);
    /* the predictive policy sizes this steady trace below the HPA's 0.7 */
    assert_true(pr.replica_hours < h.replica_hours);
    sa_series_release(&s);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(worked_example_exact),
        cmocka_unit_test(p99_nearest_rank),
        cmocka_unit_test(zero_trace_scores_nothing),
        cmocka_unit_test(startup_delay_and_scale_down_order),
        cmocka_unit_test(bad_input_is_refused),
        cmocka_unit_test(decisions_see_only_the_past),
        cmocka_unit_test(reads_a_real_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
