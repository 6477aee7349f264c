/*
 * http_load.c - throughput and latency of the HTTP layer alone: the real
 * server on 127.0.0.1 (ephemeral port) with an in-process backend that
 * answers a fixed list of four recommendation objects (~1.4 KB), hit by
 * libcurl clients on keep-alive connections.
 *
 *   build/bench_http_load [--threads N (1..32, 4)] [--requests M (1..100000, 2000)]
 *                         [--path /api/autoscaling/recommendations]
 * Prints one line: requests, seconds, requests/s, p50 and p99 latency (ms).
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaleadvisor/http.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

static sa_err bench_recs(void *ctx, const char *ns, const char *name, sa_buf *out)
{
    (void)ctx;
    (void)ns;
    (void)name;
    static const char *deps[] = {"web", "api", "worker", "cache"};
    sa_err e = sa_buf_puts(out, "[");
    for (size_t i = 0; e == SA_OK && i < 4; i++)
        e = sa_buf_printf(out,
                          "%s{\"deployment\":\"%s\",\"namespace\":\"shop\",\"current_replicas\":3,"
                          "\"recommendations\":{\"llm\":null,\"rule\":{\"action\":\"scale_up\","
                          "\"target_replicas\":5,\"confidence\":0.8,\"reasoning\":\"cpu 120%% of "
                          "target\"}},\"llm_status\":{\"used\":false,\"model\":null,\"error\":"
                          "\"disabled\"},\"decision\":{\"source\":\"rule\",\"action\":\"scale_up\","
                          "\"target_replicas\":5,\"applied\":false,\"dry_run\":true,\"validation\":"
                          "{\"verdict\":\"accepted\",\"reasons\":[]}}}",
                          i ? "," : "", deps[i]);
    return e == SA_OK ? sa_buf_puts(out, "]") : e;
}

static bool bench_ready(void *ctx)
{
    (void)ctx;
    return true;
}

typedef struct {
    int port, requests, failures;
    const char *path;
    double *lat_ms; /* requests entries */
} worker_ctx;

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return sz * n;
}

static void *worker(void *arg)
{
    worker_ctx *w = arg;
    CURL *c = curl_easy_init();
    if (!c) {
        w->failures = w->requests;
        return NULL;
    }
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", w->port, w->path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    for (int i = 0; i < w->requests; i++) {
        double t0 = sa_mono_ms();
        long status = 0;
        if (curl_easy_perform(c) != CURLE_OK ||
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200)
            w->failures++;
        w->lat_ms[i] = sa_mono_ms() - t0;
    }
    curl_easy_cleanup(c);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int usage(const char *msg)
{
    fprintf(stderr,
            "bench_http_load: %s\nusage: bench_http_load [--threads N] [--requests M] "
            "[--path P]\n",
            msg);
    return 2;
}

int main(int argc, char **argv)
{
    int threads = 4, requests = 2000;
    const char *path = "/api/autoscaling/recommendations";
    for (int i = 1; i < argc; i += 2) { /* flag value pairs */
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--threads") == 0 && v) {
            if (sa_parse_int(v, 1, 32, &threads) != SA_OK)
                return usage("--threads must be 1..32");
        } else if (strcmp(argv[i], "--requests") == 0 && v) {
            if (sa_parse_int(v, 1, 100000, &requests) != SA_OK)
                return usage("--requests must be 1..100000");
        } else if (strcmp(argv[i], "--path") == 0 && v && v[0] == '/') {
            path = v;
        } else {
            return usage("unknown or incomplete argument");
        }
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    sa_http_backend be = {.recommendations = bench_recs, .ready = bench_ready};
    sa_http_options o = {.host = "127.0.0.1", .port = 0, .web_dir = "web"};
    sa_http *h = NULL;
    sa_errbuf eb = {0};
    if (sa_http_create(&o, &be, &h, &eb) != SA_OK) {
        fprintf(stderr, "bench_http_load: %s\n", eb.msg);
        return 1;
    }
    size_t total = (size_t)threads * (size_t)requests;
    double *lat = calloc(total, sizeof *lat);
    worker_ctx *w = calloc((size_t)threads, sizeof *w);
    pthread_t *t = calloc((size_t)threads, sizeof *t);
    int rc = 1, failures = 0;
    if (!lat || !w || !t)
        goto out;
    double t0 = sa_mono_ms();
    for (int i = 0; i < threads; i++) {
        w[i] = (worker_ctx){sa_http_port(h), requests, 0, path, lat + (size_t)i * (size_t)requests};
        if (pthread_create(&t[i], NULL, worker, &w[i]) != 0)
            goto out;
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        failures += w[i].failures;
    }
    double secs = (sa_mono_ms() - t0) / 1000.0;
    qsort(lat, total, sizeof *lat, cmp_double);
    printf("path=%s threads=%d requests=%zu failures=%d seconds=%.2f rps=%.0f p50_ms=%.2f "
           "p99_ms=%.2f\n",
           path, threads, total, failures, secs, (double)total / secs, lat[total / 2],
           lat[(size_t)((double)total * 0.99)]);
    rc = failures ? 1 : 0;
out:
    sa_http_destroy(h);
    free(lat);
    free(w);
    free(t);
    curl_global_cleanup();
    return rc;
}
