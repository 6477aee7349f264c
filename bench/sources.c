/*
 * bench/sources.c - cost of the Kubernetes source's parsing on a large
 * cluster: one DeploymentList of N labelled deployments (two containers
 * each, annotations, a matchExpressions selector), one HPA list of N, and
 * the PodMetricsList of one deployment with 50 pods aggregated against its
 * requests. Network time is not included (see the fake-API tests).
 * Usage: bench_sources [deployments]   (default 2000, the list cap)
 */
#include <stdio.h>
#include <stdlib.h>

#include "../src/sources/k8s_int.h"
#include "scaleadvisor/buf.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

static sa_err deployments(sa_buf *b, long n)
{
    sa_err e =
        sa_buf_puts(b, "{\"kind\":\"DeploymentList\",\"apiVersion\":\"apps/v1\",\"items\":[");
    for (long i = 0; i < n && e == SA_OK; i++)
        e = sa_buf_printf(
            b,
            "%s{\"metadata\":{\"name\":\"svc-%ld\",\"namespace\":\"ns-%ld\",\"labels\":{\"app\":"
            "\"svc-%ld\",\"scaleadvisor.io/enabled\":\"true\"},\"annotations\":{"
            "\"scaleadvisor.io/max-replicas\":\"20\",\"scaleadvisor.io/preset\":\"balanced\"}},"
            "\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":\"svc-%ld\"},"
            "\"matchExpressions\":[{\"key\":\"tier\",\"operator\":\"In\",\"values\":[\"web\"]}]},"
            "\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"resources\":{\"requests\":"
            "{\"cpu\":\"250m\",\"memory\":\"128Mi\"}}},{\"name\":\"sidecar\",\"resources\":{}}]}}},"
            "\"status\":{\"replicas\":3,\"readyReplicas\":3}}",
            i ? "," : "", i, i % 40, i, i);
    return e == SA_OK ? sa_buf_puts(b, "]}") : e;
}

static sa_err hpas(sa_buf *b, long n)
{
    sa_err e = sa_buf_puts(b, "{\"kind\":\"HorizontalPodAutoscalerList\",\"items\":[");
    for (long i = 0; i < n && e == SA_OK; i++)
        e = sa_buf_printf(
            b,
            "%s{\"metadata\":{\"name\":\"svc-%ld\",\"namespace\":\"ns-%ld\",\"resourceVersion\":"
            "\"%ld\"},\"spec\":{\"scaleTargetRef\":{\"apiVersion\":\"apps/v1\",\"kind\":"
            "\"Deployment\",\"name\":\"svc-%ld\"},\"minReplicas\":2,\"maxReplicas\":20,\"metrics\":"
            "[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":"
            "\"Utilization\",\"averageUtilization\":70}}}]},\"status\":{\"currentReplicas\":3,"
            "\"desiredReplicas\":3}}",
            i ? "," : "", i, i % 40, 1000 + i, i);
    return e == SA_OK ? sa_buf_puts(b, "]}") : e;
}

static sa_err pod_metrics(sa_buf *b, int pods)
{
    sa_err e = sa_buf_puts(b, "{\"kind\":\"PodMetricsList\",\"items\":[");
    for (int i = 0; i < pods && e == SA_OK; i++)
        e = sa_buf_printf(b,
                          "%s{\"metadata\":{\"name\":\"svc-0-abc-%d\"},\"timestamp\":"
                          "\"2026-11-24T10:00:00Z\",\"window\":\"15s\",\"containers\":[{\"name\":"
                          "\"app\",\"usage\":{\"cpu\":\"%dm\",\"memory\":\"%dMi\"}},{\"name\":"
                          "\"sidecar\",\"usage\":{\"cpu\":\"12m\",\"memory\":\"20Mi\"}}]}",
                          i ? "," : "", i, 100 + i, 60 + i % 10);
    return e == SA_OK ? sa_buf_puts(b, "]}") : e;
}

int main(int argc, char **argv)
{
    long n = 2000, reps = 20;
    int rc = 1;
    if (argc > 1) {
        int64_t v;
        if (sa_parse_i64(argv[1], 1, SA_K8S_MAX_ITEMS, &v) != SA_OK) {
            fprintf(stderr, "bench_sources: deployments must be an integer in [1, %d]\n",
                    SA_K8S_MAX_ITEMS);
            return 2;
        }
        n = (long)v;
    }
    sa_buf d, h, m;
    sa_buf_init(&d, SA_CAP_PEER_REPLY);
    sa_buf_init(&h, SA_CAP_PEER_REPLY);
    sa_buf_init(&m, SA_CAP_PEER_REPLY);
    sa_errbuf eb = {0};
    double t_dep = 0, t_hpa = 0, t_pm = 0;
    if (deployments(&d, n) != SA_OK || hpas(&h, n) != SA_OK || pod_metrics(&m, 50) != SA_OK) {
        fprintf(stderr, "bench_sources: building the input failed\n");
        goto out;
    }
    for (long r = 0; r < reps; r++) {
        sa_k8s_deployment *dv = NULL;
        sa_k8s_hpa *hv = NULL;
        sa_k8s_usage u;
        size_t nd = 0, nh = 0;
        double t0 = sa_mono_ms();
        sa_err e = sa_k8s_parse_deployments(d.data, &dv, &nd, NULL, &eb);
        double t1 = sa_mono_ms();
        if (e == SA_OK)
            e = sa_k8s_parse_hpas(h.data, &hv, &nh, NULL, &eb);
        double t2 = sa_mono_ms();
        if (e == SA_OK)
            e = sa_k8s_parse_pod_metrics(m.data, &dv[0], &u, &eb);
        double t3 = sa_mono_ms();
        free(dv);
        free(hv);
        if (e != SA_OK || nd != (size_t)n || nh != (size_t)n) {
            fprintf(stderr, "bench_sources: parse failed: %s\n", eb.msg);
            goto out;
        }
        t_dep += t1 - t0;
        t_hpa += t2 - t1;
        t_pm += t3 - t2;
    }
    printf("deployments=%ld list_bytes=%zu hpa_bytes=%zu reps=%ld\n", n, d.len, h.len, reps);
    printf("parse_deployment_list_ms=%.2f parse_hpa_list_ms=%.2f pod_metrics_50_pods_ms=%.3f\n",
           t_dep / (double)reps, t_hpa / (double)reps, t_pm / (double)reps);
    rc = 0;
out:
    sa_buf_release(&d);
    sa_buf_release(&h);
    sa_buf_release(&m);
    return rc;
}
