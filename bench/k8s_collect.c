/*
 * bench/k8s_collect.c - wall time of the Kubernetes source's collect() on
 * a cluster of N labelled deployments whose API answers each request after
 * a fixed latency: an in-process libmicrohttpd server on 127.0.0.1 (one
 * thread per connection) serves the DeploymentList, the HPA list, every
 * deployment's PodMetricsList (20 pods, stamped now) and PodList. The first
 * collect also lists every deployment's pods (the start-up time, every ten
 * minutes); the second reads the metrics only.
 * Usage: bench_k8s_collect [deployments] [latency_ms]   (default 200, 20)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include "../src/sources/k8s_int.h"
#include "scaleadvisor/buf.h"
#include "scaleadvisor/sources_int.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

typedef struct {
    sa_buf deployments, hpas, metrics;
    long latency_ms;
    unsigned long requests; /* served; read after the collects */
} api;

static sa_err build(api *a, long n)
{
    char now[32];
    sa_err e = sa_buf_puts(&a->deployments, "{\"kind\":\"DeploymentList\",\"items\":[");
    for (long i = 0; i < n && e == SA_OK; i++)
        e = sa_buf_printf(
            &a->deployments,
            "%s{\"metadata\":{\"name\":\"svc-%ld\",\"namespace\":\"ns-%ld\"},\"spec\":{"
            "\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":\"svc-%ld\"}},\"template\":{"
            "\"spec\":{\"containers\":[{\"name\":\"app\",\"resources\":{\"requests\":{\"cpu\":"
            "\"250m\",\"memory\":\"128Mi\"}}}]}}},\"status\":{\"replicas\":3,\"readyReplicas\":3}}",
            i ? "," : "", i, i % 40, i);
    if (e == SA_OK)
        e = sa_buf_puts(&a->deployments, "]}");
    if (e == SA_OK)
        e = sa_buf_puts(&a->hpas, "{\"kind\":\"HorizontalPodAutoscalerList\",\"items\":[");
    for (long i = 0; i < n && e == SA_OK; i += 2) /* every other deployment has one */
        e = sa_buf_printf(&a->hpas,
                          "%s{\"metadata\":{\"name\":\"svc-%ld\",\"namespace\":\"ns-%ld\","
                          "\"resourceVersion\":\"7\"},\"spec\":{\"scaleTargetRef\":{\"kind\":"
                          "\"Deployment\",\"name\":\"svc-%ld\"},\"minReplicas\":2,"
                          "\"maxReplicas\":20},\"status\":{\"currentReplicas\":3,"
                          "\"desiredReplicas\":3}}",
                          i ? "," : "", i, i % 40, i);
    if (e == SA_OK)
        e = sa_buf_puts(&a->hpas, "]}");
    sa_time_iso8601((int64_t)sa_now(), now);
    if (e == SA_OK)
        e = sa_buf_puts(&a->metrics, "{\"kind\":\"PodMetricsList\",\"items\":[");
    for (int i = 0; i < 20 && e == SA_OK; i++)
        e = sa_buf_printf(&a->metrics,
                          "%s{\"metadata\":{\"name\":\"p-%d\"},\"timestamp\":\"%s\",\"window\":"
                          "\"15s\",\"containers\":[{\"name\":\"app\",\"usage\":{\"cpu\":\"%dm\","
                          "\"memory\":\"64Mi\"}}]}",
                          i ? "," : "", i, now, 150 + i);
    return e == SA_OK ? sa_buf_puts(&a->metrics, "]}") : e;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
    api *a = cls;
    const sa_buf *body = NULL;
    static const char pods[] = "{\"kind\":\"PodList\",\"items\":[]}";
    (void)method;
    (void)version;
    (void)upload;
    (void)upload_size;
    if (!*state) { /* headers only: answer on the next call */
        *state = a;
        return MHD_YES;
    }
    struct timespec ts = {a->latency_ms / 1000, (a->latency_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    __atomic_add_fetch(&a->requests, 1, __ATOMIC_RELAXED);
    if (strcmp(url, "/apis/apps/v1/deployments") == 0)
        body = &a->deployments;
    else if (strcmp(url, "/apis/autoscaling/v2/horizontalpodautoscalers") == 0)
        body = &a->hpas;
    else if (strncmp(url, "/apis/metrics.k8s.io/", 21) == 0)
        body = &a->metrics;
    struct MHD_Response *r =
        body ? MHD_create_response_from_buffer(body->len, body->data, MHD_RESPMEM_PERSISTENT)
             : MHD_create_response_from_buffer(sizeof pods - 1, (void *)pods,
                                               MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ok;
}

static sa_err timed_collect(sa_src *src, double *ms, size_t *n, size_t *degraded, sa_errbuf *eb)
{
    sa_context *v = NULL;
    double t0 = sa_mono_ms();
    sa_err e = src->collect(src, (int64_t)sa_now(), &v, n, eb);
    *ms = sa_mono_ms() - t0;
    *degraded = 0;
    for (size_t i = 0; e == SA_OK && i < *n; i++)
        *degraded += v[i].degraded[0] != '\0';
    sa_src_contexts_free(v, e == SA_OK ? *n : 0);
    return e;
}

int main(int argc, char **argv)
{
    int64_t n = 200, lat = 20;
    api a = {.latency_ms = 0};
    struct MHD_Daemon *d = NULL;
    sa_src *src = NULL;
    sa_errbuf eb = {0};
    char url[64];
    double first = 0, steady = 0;
    size_t nd = 0, deg1 = 0, deg2 = 0;
    int rc = 1;
    if ((argc > 1 && sa_parse_i64(argv[1], 1, SA_K8S_MAX_ITEMS, &n) != SA_OK) ||
        (argc > 2 && sa_parse_i64(argv[2], 0, 5000, &lat) != SA_OK)) {
        fprintf(stderr, "usage: bench_k8s_collect [deployments 1..%d] [latency_ms 0..5000]\n",
                SA_K8S_MAX_ITEMS);
        return 2;
    }
    a.latency_ms = (long)lat;
    sa_buf_init(&a.deployments, SA_CAP_PEER_REPLY);
    sa_buf_init(&a.hpas, SA_CAP_PEER_REPLY);
    sa_buf_init(&a.metrics, SA_CAP_PEER_REPLY);
    if (build(&a, (long)n) != SA_OK) {
        fprintf(stderr, "bench_k8s_collect: building the replies failed\n");
        goto out;
    }
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = 0};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
                         NULL, answer, &a, MHD_OPTION_SOCK_ADDR, &sin, MHD_OPTION_CONNECTION_LIMIT,
                         256u, MHD_OPTION_END);
    const union MHD_DaemonInfo *di = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!di) {
        fprintf(stderr, "bench_k8s_collect: cannot start the fake API on 127.0.0.1\n");
        goto out;
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)di->port);
    sa_k8s_options o = {.api_url = url, .dry_run = true, .timeout_ms = 30000};
    if (sa_src_kubernetes_create_opts(&o, &src, &eb) != SA_OK ||
        timed_collect(src, &first, &nd, &deg1, &eb) != SA_OK ||
        timed_collect(src, &steady, &nd, &deg2, &eb) != SA_OK) {
        fprintf(stderr, "bench_k8s_collect: %s\n", eb.msg);
        goto out;
    }
    printf("deployments=%zu api_latency_ms=%lld requests=%lu degraded=%zu/%zu\n", nd,
           (long long)lat, __atomic_load_n(&a.requests, __ATOMIC_RELAXED), deg1, deg2);
    printf("first_collect_ms=%.0f (metrics and pods) steady_collect_ms=%.0f (metrics)\n", first,
           steady);
    rc = 0;
out:
    sa_src_destroy(src);
    if (d)
        MHD_stop_daemon(d);
    sa_buf_release(&a.deployments);
    sa_buf_release(&a.hpas);
    sa_buf_release(&a.metrics);
    return rc;
}
