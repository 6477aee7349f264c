/*
 * test_kubernetes.c - the Kubernetes source and actuator against the
 * scripted fake peer playing the API server with real-shaped objects
 * (tests/data/k8s/: DeploymentList, HorizontalPodAutoscalerList v2,
 * PodMetricsList, PodList, Scale, Status 403/404/409). Every request is
 * recorded, so
 * the tests check what was sent: GETs only in dry-run, exact merge patches
 * with the resourceVersion read before, retries on 409, a stop on 403.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sa_alloc.h"
#include "sa_test.h"
#include "fake_peer.h"
#include "sources/k8s_int.h"
#include "scaleadvisor/buf.h"
#include "scaleadvisor/sources_int.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define NOW 1700000000 /* 2023-11-14T22:13:20Z */
#define P_DEPLOY "/apis/apps/v1/deployments"
#define P_HPAS "/apis/autoscaling/v2/horizontalpodautoscalers"
#define P_METRICS "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods"
#define P_METRICS_WEB P_METRICS "?labelSelector=app%3Dweb"
#define P_PODS "/api/v1/namespaces/shop/pods"
#define Q_API "?labelSelector=app%3Dapi%2Ctier%20in%20%28backend%29"
#define P_METRICS_API P_METRICS Q_API
#define P_SCALE_WEB "/apis/apps/v1/namespaces/shop/deployments/web/scale"
#define P_HPA_API "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/api-hpa"

/* Fixture text, loaded once per test; freed by fixture_down. */
static char *load(const char *name)
{
    char rel[128];
    snprintf(rel, sizeof rel, "tests/data/k8s/%s", name);
    char *path = sa_test_source_path(rel);
    sa_buf b;
    sa_errbuf eb = {0};
    sa_buf_init(&b, SA_CAP_FILE);
    assert_int_equal(sa_buf_read_file(&b, path, &eb), SA_OK);
    free(path);
    char *s = NULL;
    assert_int_equal(sa_buf_detach(&b, &s), SA_OK);
    return s;
}

typedef struct {
    sa_fake_peer *peer;
    sa_src *src;
    char *deploys, *hpas, *pm_web, *pm_api, *pods_api, *scale, *s403, *s404, *s409;
    bool pods_pushed; /* the pods are listed once in a test's cycles (every 10 min) */
} fixture;

static void fixture_up(fixture *f, bool dry_run)
{
    sa_errbuf eb = {0};
    memset(f, 0, sizeof *f);
    assert_int_equal(sa_fake_peer_start(&f->peer, &eb), SA_OK);
    f->deploys = load("deployments.json");
    f->hpas = load("hpas.json");
    f->pm_web = load("podmetrics-web.json");
    f->pm_api = load("podmetrics-api.json");
    f->pods_api = load("pods-api.json");
    f->scale = load("scale-web.json");
    f->s403 = load("status-403.json");
    f->s404 = load("status-404.json");
    f->s409 = load("status-409.json");
    sa_k8s_options o = {.api_url = sa_fake_peer_url(f->peer),
                        .token = "t0ken-secret",
                        .dry_run = dry_run,
                        .timeout_ms = 2000,
                        .max_conflict_retries = 2};
    assert_int_equal(sa_src_kubernetes_create_opts(&o, &f->src, &eb), SA_OK);
    assert_string_equal(f->src->kind, "kubernetes");
}

static void fixture_down(fixture *f)
{
    if (f->src)
        sa_src_destroy(f->src);
    sa_fake_peer_destroy(f->peer);
    free(f->deploys);
    free(f->hpas);
    free(f->pm_web);
    free(f->pm_api);
    free(f->pods_api);
    free(f->scale);
    free(f->s403);
    free(f->s404);
    free(f->s409);
}

static void push(sa_fake_peer *p, const char *method, const char *path, int status,
                 const char *body)
{
    sa_fake_response r;
    sa_fake_response_init(&r);
    r.method = method;
    r.path_prefix = path;
    r.status = status;
    r.headers = "Content-Type: application/json";
    r.body = body;
    sa_fake_peer_push(p, &r);
}

/* One healthy cycle's replies: list, HPAs, web metrics, api metrics and,
 * the first time, api's pods (web's start-up is an annotation). */
static void push_cycle(fixture *f, const char *hpas)
{
    push(f->peer, "GET", P_DEPLOY, 200, f->deploys);
    push(f->peer, "GET", P_HPAS, 200, hpas);
    push(f->peer, "GET", P_METRICS_WEB, 200, f->pm_web);
    push(f->peer, "GET", P_METRICS_API, 200, f->pm_api);
    if (!f->pods_pushed)
        push(f->peer, "GET", P_PODS, 200, f->pods_api);
    f->pods_pushed = true;
}

static sa_context *collect(fixture *f, size_t *n)
{
    sa_context *v = NULL;
    sa_errbuf eb = {0};
    assert_int_equal(f->src->collect(f->src, NOW, &v, n, &eb), SA_OK);
    return v;
}

static void contexts_free(sa_context *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sa_context_release(&v[i]);
    free(v);
}

static const sa_fake_request *req(fixture *f, size_t i)
{
    const sa_fake_request *r = sa_fake_peer_request(f->peer, i);
    assert_non_null(r);
    return r;
}

/* Whether one of requests [from, to) asked for path (with query). */
static bool requested(fixture *f, size_t from, size_t to, const char *path)
{
    for (size_t i = from; i < to; i++)
        if (strcmp(req(f, i)->path, path) == 0)
            return true;
    return false;
}

static void test_quantity(void **st)
{
    (void)st;
    double v;
    assert_int_equal(sa_parse_quantity("250m", &v), SA_OK);
    SA_ASSERT_NEAR(v, 0.25, 1e-12);
    assert_int_equal(sa_parse_quantity("1.5", &v), SA_OK);
    SA_ASSERT_NEAR(v, 1.5, 1e-12);
    assert_int_equal(sa_parse_quantity("123456789n", &v), SA_OK);
    SA_ASSERT_NEAR(v, 0.123456789, 1e-15);
    assert_int_equal(sa_parse_quantity("128Mi", &v), SA_OK);
    SA_ASSERT_NEAR(v, 134217728.0, 0);
    assert_int_equal(sa_parse_quantity("1Gi", &v), SA_OK);
    SA_ASSERT_NEAR(v, 1073741824.0, 0);
    assert_int_equal(sa_parse_quantity("2k", &v), SA_OK);
    SA_ASSERT_NEAR(v, 2000, 0);
    assert_int_equal(sa_parse_quantity("1e3", &v), SA_OK);
    SA_ASSERT_NEAR(v, 1000, 0);
    assert_int_equal(sa_parse_quantity("5E-3", &v), SA_OK);
    SA_ASSERT_NEAR(v, 0.005, 1e-15);
    assert_int_equal(sa_parse_quantity("1E", &v), SA_OK);
    SA_ASSERT_NEAR(v, 1e18, 0);
    assert_int_equal(sa_parse_quantity("", &v), SA_ERR_INVALID);
    assert_int_equal(sa_parse_quantity("m", &v), SA_ERR_INVALID);
    assert_int_equal(sa_parse_quantity("12Xi", &v), SA_ERR_INVALID);
    assert_int_equal(sa_parse_quantity("0x10", &v), SA_ERR_INVALID);
    assert_int_equal(sa_parse_quantity("inf", &v), SA_ERR_INVALID);
    assert_int_equal(sa_parse_quantity(NULL, &v), SA_ERR_INVALID);
}

static void test_parse_objects(void **st)
{
    (void)st;
    fixture f;
    fixture_up(&f, true);
    sa_k8s_deployment *d = NULL;
    size_t n = 0;
    sa_errbuf eb = {0};
    assert_int_equal(sa_k8s_parse_deployments(f.deploys, &d, &n, NULL, &eb), SA_OK);
    assert_int_equal(n, 2);
    assert_string_equal(d[0].selector, "app=web");
    assert_string_equal(d[1].selector, "app=api,tier in (backend)");
    assert_int_equal(d[0].n_containers, 2);
    SA_ASSERT_NEAR(d[0].containers[0].cpu_request, 0.25, 1e-12);
    assert_true(isnan(d[0].containers[1].cpu_request));
    assert_true(d[0].has_max && !d[0].has_min && d[0].has_preset && d[0].has_startup);
    assert_int_equal(d[0].ann_startup, 180);
    assert_true(d[0].has_miss_cost && !d[1].has_miss_cost);
    SA_ASSERT_NEAR(d[0].ann_miss_cost, 40, 0);
    assert_false(d[1].has_startup);
    assert_int_equal(d[1].ready_replicas, 3);
    free(d);
    /* a start-up that is not whole seconds is named, not used */
    char *two_min = strdup(f.deploys);
    assert_non_null(two_min);
    char *at = strstr(two_min, "\"180\"");
    assert_non_null(at);
    memcpy(at, "\"2m\" ", 5);
    assert_int_equal(sa_k8s_parse_deployments(two_min, &d, &n, NULL, &eb), SA_OK);
    free(two_min);
    assert_false(d[0].has_startup);
    assert_string_equal(
        d[0].ann_error,
        "annotation scaleadvisor.io/startup-seconds: '2m' is not an integer in 0..3600 (seconds)");
    free(d);

    sa_k8s_hpa *h = NULL;
    assert_int_equal(sa_k8s_parse_hpas(f.hpas, &h, &n, NULL, &eb), SA_OK);
    assert_int_equal(n, 2);
    assert_string_equal(h[0].target_name, "api");
    assert_int_equal(h[0].min_replicas, 2);
    SA_ASSERT_NEAR(h[0].target_cpu_percent, 60, 0);
    SA_ASSERT_NEAR(h[0].target_memory_percent, 80, 0);
    assert_string_equal(h[0].other_metrics, "External queue_messages_ready, Pods http_requests");
    assert_string_equal(h[1].other_metrics, "");
    assert_true(isnan(h[1].target_memory_percent));
    assert_string_equal(h[0].resource_version, "700");
    assert_true(isnan(h[1].target_cpu_percent));
    /* spec.behavior: as the API server returns it, and a malformed one named */
    assert_true(h[0].scale_up.set && h[0].scale_down.set);
    assert_int_equal(h[0].scale_up.n_policies, 2);
    assert_int_equal(h[0].scale_down.window_s, 600);
    SA_ASSERT_NEAR(h[0].scale_down.tolerance, 0.05, 1e-12);
    assert_true(isnan(h[0].scale_up.tolerance));
    assert_int_equal(h[0].scale_down.policies[0].value, 1);
    assert_int_equal(h[0].scale_down.policies[0].period_s, 60);
    assert_string_equal(h[0].behavior_error, "");
    assert_false(h[1].scale_up.set || h[1].scale_down.set);
    assert_string_equal(h[1].behavior_error, "spec.behavior.scaleDown.selectPolicy: must be "
                                             "\"Max\", \"Min\" or \"Disabled\"");
    free(h);

    int r;
    char rv[SA_K8S_RV_MAX];
    assert_int_equal(sa_k8s_parse_scale(f.scale, &r, rv, &eb), SA_OK);
    assert_int_equal(r, 3);
    assert_string_equal(rv, "501");
    assert_int_equal(sa_k8s_parse_scale(f.s404, &r, rv, &eb), SA_ERR_SCHEMA);
    assert_int_equal(sa_k8s_parse_deployments("[1,2]", &d, &n, NULL, &eb), SA_ERR_PARSE);
    assert_int_equal(sa_k8s_parse_deployments("{\"items\":5}", &d, &n, NULL, &eb), SA_ERR_SCHEMA);

    double start;
    size_t pods;
    assert_int_equal(sa_k8s_parse_pod_startup(f.pods_api, &start, &pods, &eb), SA_OK);
    SA_ASSERT_NEAR(start, 65, 0);
    assert_int_equal(pods, 3);
    assert_int_equal(
        sa_k8s_parse_pod_startup("{\"kind\":\"PodList\",\"items\":[]}", &start, &pods, &eb), SA_OK);
    assert_true(isnan(start));
    assert_int_equal(pods, 0);
    assert_int_equal(sa_k8s_parse_pod_startup("{\"items\":[7]}", &start, &pods, &eb),
                     SA_ERR_SCHEMA);
    assert_int_equal(sa_k8s_parse_pod_startup("<html>", &start, &pods, &eb), SA_ERR_PARSE);

    char txt[SA_STATUS_MAX];
    sa_k8s_status_text(409, f.s409, txt, sizeof txt);
    assert_non_null(strstr(txt, "http 409 Conflict: Operation cannot be fulfilled"));
    sa_k8s_status_text(502, "<html>bad gateway</html>", txt, sizeof txt);
    assert_string_equal(txt, "http 502");
    fixture_down(&f);
}

static void test_collect_contexts(void **st)
{
    (void)st;
    fixture f;
    fixture_up(&f, false);
    push_cycle(&f, f.hpas);
    size_t n = 0;
    sa_context *v = collect(&f, &n);
    assert_int_equal(n, 2);

    sa_context *w = &v[0];
    assert_string_equal(w->name, "web");
    assert_string_equal(w->namespace_, "shop");
    assert_string_equal(w->degraded, "");
    assert_int_equal(w->current_replicas, 3);
    assert_int_equal(w->ready_pods, 3);
    assert_int_equal(w->min_replicas, 1);
    assert_int_equal(w->max_replicas, 12);
    assert_int_equal(w->preset, SA_PRESET_AGGRESSIVE);
    SA_ASSERT_NEAR(w->startup_s, 180, 0); /* the annotation; its pods not listed */
    /* no annotation: its pods' median from creation to Ready (50, 65, 90 s;
     * not the one that restarted, the pending one, nor one Ready 23 h
     * after creation) */
    SA_ASSERT_NEAR(v[1].startup_s, 65, 0);
    SA_ASSERT_NEAR(w->target_cpu_percent, 70, 0);
    SA_ASSERT_NEAR(w->miss_cost_rh, 40, 0); /* its annotation */
    assert_true(isnan(v[1].miss_cost_rh));
    SA_ASSERT_NEAR(w->cpu_percent, 100.0, 1e-9);   /* 750m used / 750m requested; sidecar ignored */
    SA_ASSERT_NEAR(w->memory_percent, 50.0, 1e-9); /* 192Mi / 384Mi */
    assert_int_equal(w->observed_at, NOW); /* fresh (newest 20 s old): stamped with the cycle */
    assert_false(w->has_hpa);
    assert_int_equal(w->n_history, 0);

    sa_context *a = &v[1];
    assert_string_equal(a->name, "api");
    assert_string_equal(a->degraded, "");
    assert_true(a->has_hpa);
    assert_int_equal(a->min_replicas, 2);
    assert_int_equal(a->max_replicas, 20);
    SA_ASSERT_NEAR(a->target_cpu_percent, 55, 0); /* annotation over the HPA's 60 */
    SA_ASSERT_NEAR(a->hpa_target_cpu_percent, 60, 0);
    SA_ASSERT_NEAR(a->target_memory_percent, 80, 0); /* its HPA's memory target */
    assert_string_equal(a->hpa_other_metrics, "External queue_messages_ready, Pods http_requests");
    assert_true(isnan(w->target_memory_percent));
    assert_int_equal(a->hpa_current_replicas, 4);
    assert_int_equal(a->hpa_desired_replicas, 5);
    /* the HPA's pace comes with it (no preset annotation on api) */
    assert_true(a->hpa_scale_down.set && a->hpa_scale_up.set);
    assert_int_equal(a->hpa_scale_down.window_s, 600);
    assert_false(w->hpa_scale_down.set);
    SA_ASSERT_NEAR(a->cpu_percent, 120.0, 1e-9);
    SA_ASSERT_NEAR(a->memory_percent, 100.0 * 1548.0 / 3072.0, 1e-9);
    assert_int_equal(a->ready_pods, 3);
    contexts_free(v, n);

    /* what was asked, with the token */
    assert_int_equal(sa_fake_peer_request_count(f.peer), 5);
    assert_string_equal(req(&f, 0)->path,
                        P_DEPLOY "?labelSelector=scaleadvisor.io/enabled%3Dtrue&limit=500");
    assert_string_equal(req(&f, 1)->path, P_HPAS "?limit=500");
    /* the deployments' own reads, side by side in any order */
    assert_true(requested(&f, 2, 5, P_METRICS_WEB));
    assert_true(requested(&f, 2, 5, P_METRICS_API));
    assert_true(requested(&f, 2, 5, P_PODS Q_API));
    char auth[128];
    assert_true(sa_fake_request_header(req(&f, 0), "Authorization", auth, sizeof auth));
    assert_string_equal(auth, "Bearer t0ken-secret");
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(req(&f, i)->method, "GET");

    /* the pods are listed again only after ten minutes; a refusal then
     * (no RBAC for pods) keeps the last measurement, degrades nothing */
    push_cycle(&f, f.hpas);
    v = collect(&f, &n);
    assert_int_equal(sa_fake_peer_request_count(f.peer), 9);
    SA_ASSERT_NEAR(v[1].startup_s, 65, 0);
    contexts_free(v, n);
    push_cycle(&f, f.hpas);
    push(f.peer, "GET", P_PODS, 403, f.s403);
    sa_errbuf eb = {0};
    assert_int_equal(f.src->collect(f.src, NOW + 600, &v, &n, &eb), SA_OK);
    assert_int_equal(sa_fake_peer_request_count(f.peer), 14);
    assert_true(requested(&f, 9, 14, P_PODS Q_API));
    /* (the fixture's metrics are 10 minutes old by then: only that) */
    assert_string_equal(v[1].degraded, "metrics: stale (610 s old)");
    SA_ASSERT_NEAR(v[1].startup_s, 65, 0);
    contexts_free(v, n);
    fixture_down(&f);
}

/* A list body split into pages: items[from, to) of list, with `cont` as
 * metadata.continue ("" = the last page). Caller frees. */
static char *list_page(const char *list, int from, int to, const char *cont)
{
    cJSON *root = cJSON_Parse(list), *items = cJSON_GetObjectItem(root, "items");
    cJSON *page = cJSON_CreateObject(), *meta = cJSON_AddObjectToObject(page, "metadata");
    cJSON *out = cJSON_AddArrayToObject(page, "items");
    assert_non_null(root);
    cJSON_AddStringToObject(page, "kind", cJSON_GetObjectItem(root, "kind")->valuestring);
    cJSON_AddStringToObject(meta, "resourceVersion", "12345");
    if (cont[0]) {
        cJSON_AddStringToObject(meta, "continue", cont);
        cJSON_AddNumberToObject(meta, "remainingItemCount", 1);
    }
    for (int i = from; i < to; i++)
        cJSON_AddItemToArray(out, cJSON_Duplicate(cJSON_GetArrayItem(items, i), true));
    char *s = cJSON_PrintUnformatted(page);
    cJSON_Delete(page);
    cJSON_Delete(root);
    return s;
}

/* A deployment that names a preset keeps that preset's pace over its
 * HPA's behavior, as its other annotations win over the HPA. */
static void test_preset_annotation_over_behavior(void **st)
{
    (void)st;
    fixture f;
    fixture_up(&f, true);
    const char *from = "{\"scaleadvisor.io/target-cpu-percent\": \"55\"}";
    char *at = strstr(f.deploys, from);
    assert_non_null(at);
    sa_buf b;
    sa_buf_init(&b, 1u << 20);
    assert_int_equal(sa_buf_printf(&b,
                                   "%.*s{\"scaleadvisor.io/target-cpu-percent\": \"55\", "
                                   "\"scaleadvisor.io/preset\": \"conservative\"}%s",
                                   (int)(at - f.deploys), f.deploys, at + strlen(from)),
                     SA_OK);
    free(f.deploys);
    f.deploys = strdup(b.data);
    sa_buf_release(&b);
    push_cycle(&f, f.hpas);
    size_t n = 0;
    sa_context *v = collect(&f, &n);
    assert_int_equal(n, 2);
    assert_int_equal(v[1].preset, SA_PRESET_CONSERVATIVE);
    assert_true(v[1].has_hpa);
    assert_false(v[1].hpa_scale_up.set || v[1].hpa_scale_down.set);
    contexts_free(v, n);
    fixture_down(&f);
}

/* The cluster-wide lists are read in pages (limit, then the escaped
 * continue token of the page before); the HPAs of unwatched workloads on
 * any page are dropped, the watched deployment's found on a later page.
 * A list that fails on a later page fails as a whole. */
static void test_collect_pages(void **st)
{
    (void)st;
    fixture f;
    /* a real token's shape: base64 with '+', '/' and '=' */
    const char *tok = "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzNDV9+/a=";
    fixture_up(&f, true);
    char *d1 = list_page(f.deploys, 0, 1, tok), *d2 = list_page(f.deploys, 1, 2, "");
    char *h1 = list_page(f.hpas, 1, 2, "h2"), *h2 = list_page(f.hpas, 0, 1, "");
    push(f.peer, "GET", P_DEPLOY, 200, d1);
    push(f.peer, "GET", P_DEPLOY, 200, d2);
    push(f.peer, "GET", P_HPAS, 200, h1);
    push(f.peer, "GET", P_HPAS, 200, h2);
    push(f.peer, "GET", P_METRICS_WEB, 200, f.pm_web);
    push(f.peer, "GET", P_METRICS_API, 200, f.pm_api);
    push(f.peer, "GET", P_PODS, 200, f.pods_api);
    size_t n = 0;
    sa_context *v = collect(&f, &n);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].name, "web");
    assert_false(v[0].has_hpa); /* the StatefulSet "web"'s HPA is not its */
    assert_string_equal(v[1].name, "api");
    assert_true(v[1].has_hpa);
    assert_int_equal(v[1].max_replicas, 20);
    contexts_free(v, n);
    assert_string_equal(req(&f, 0)->path,
                        P_DEPLOY "?labelSelector=scaleadvisor.io/enabled%3Dtrue&limit=500");
    assert_string_equal(req(&f, 1)->path,
                        P_DEPLOY "?labelSelector=scaleadvisor.io/enabled%3Dtrue&limit=500&continue="
                                 "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzNDV9%2B%2Fa%3D");
    assert_string_equal(req(&f, 2)->path, P_HPAS "?limit=500");
    assert_string_equal(req(&f, 3)->path, P_HPAS "?limit=500&continue=h2");

    /* the second page expired (410 Gone): no partial list, the known
     * deployments are reported degraded */
    push(f.peer, "GET", P_DEPLOY, 200, d1);
    push(f.peer, "GET", P_DEPLOY, 410,
         "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
         "\"The provided continue parameter is too old to display a consistent list result.\","
         "\"reason\":\"Expired\",\"code\":410}");
    v = collect(&f, &n);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++)
        assert_non_null(strstr(v[i].degraded, "list deployments: "));
    assert_non_null(strstr(v[0].degraded, "too old"));
    contexts_free(v, n);
    free(d1);
    free(d2);
    free(h1);
    free(h2);
    fixture_down(&f);
}

/* The fixture's DeploymentList with copies of api (api2, api3, ...) up to
 * n deployments. Caller frees. */
static char *with_copies(const fixture *f, int n)
{
    cJSON *list = cJSON_Parse(f->deploys), *items = cJSON_GetObjectItem(list, "items");
    for (int i = 2; i < n; i++) {
        char name[32];
        cJSON *copy = cJSON_Duplicate(cJSON_GetArrayItem(items, 1), true);
        snprintf(name, sizeof name, "api%d", i);
        cJSON_SetValuestring(cJSON_GetObjectItem(cJSON_GetObjectItem(copy, "metadata"), "name"),
                             name);
        cJSON_AddItemToArray(items, copy);
    }
    char *s = cJSON_PrintUnformatted(list);
    cJSON_Delete(list);
    assert_non_null(s);
    return s;
}

/* A metrics API that hangs costs one round of request timeouts a cycle,
 * not one per deployment: once two reads in a row timed out, the
 * deployments not read yet are degraded "skipped" without a request (at
 * most the 8 readers' requests and one more that started in between), and
 * the next cycle tries again. */
static void test_hung_metrics_api_skipped(void **st)
{
    (void)st;
    enum { N = 20, MAX_REQUESTS = 8 + 2 };
    fixture f;
    sa_errbuf eb = {0};
    fixture_up(&f, true);
    sa_src_destroy(f.src);
    sa_k8s_options o = {.api_url = sa_fake_peer_url(f.peer), .dry_run = true, .timeout_ms = 300};
    assert_int_equal(sa_src_kubernetes_create_opts(&o, &f.src, &eb), SA_OK);
    char *many = with_copies(&f, N);
    sa_fake_response hang, pods;
    sa_fake_response_init(&hang);
    hang.method = "GET";
    hang.path_prefix = "/apis/metrics.k8s.io/";
    hang.hang = true;
    hang.times = -1;
    sa_fake_response_init(&pods);
    pods.method = "GET";
    pods.path_prefix = P_PODS;
    pods.status = 200;
    pods.body = f.pods_api;
    pods.times = -1;
    for (int cyc = 0; cyc < 2; cyc++) {
        size_t before = sa_fake_peer_request_count(f.peer), metrics = 0, n = 0, skipped = 0;
        push(f.peer, "GET", P_DEPLOY, 200, many);
        push(f.peer, "GET", P_HPAS, 200, f.hpas);
        sa_fake_peer_push(f.peer, &pods);
        sa_fake_peer_push(f.peer, &hang);
        sa_context *v = collect(&f, &n);
        assert_int_equal(n, N);
        for (size_t i = before; i < sa_fake_peer_request_count(f.peer); i++)
            metrics += strncmp(req(&f, i)->path, "/apis/metrics.k8s.io/", 21) == 0;
        for (size_t i = 0; i < n; i++) {
            static const char skip[] =
                "metrics: skipped this cycle: /apis/metrics.k8s.io/v1beta1 timed out ";
            if (strncmp(v[i].degraded, skip, sizeof skip - 1) == 0)
                skipped++;
            else if (strcmp(v[i].degraded, "metrics: timed out after 300 ms") != 0)
                fail_msg("deployment %zu: '%s'", i, v[i].degraded);
        }
        assert_true(metrics >= 2 && metrics <= MAX_REQUESTS);
        assert_int_equal(metrics + skipped, N);
        contexts_free(v, n);
        sa_fake_peer_clear(f.peer);
    }
    free(many);
    fixture_down(&f);
}

/* The deployments' own reads run side by side: with every metrics reply
 * held back, several requests are in flight at once. */
static void test_reads_side_by_side(void **st)
{
    (void)st;
    fixture f;
    sa_errbuf eb = {0};
    sa_test_collect cc = {.now = NOW};
    fixture_up(&f, true);
    sa_src_destroy(f.src);
    sa_k8s_options o = {.api_url = sa_fake_peer_url(f.peer), .dry_run = true, .timeout_ms = 15000};
    assert_int_equal(sa_src_kubernetes_create_opts(&o, &f.src, &eb), SA_OK);
    char *six = with_copies(&f, 6);
    sa_fake_response held, pods;
    sa_fake_response_init(&held);
    held.method = "GET";
    held.path_prefix = "/apis/metrics.k8s.io/";
    held.status = 200;
    held.body = f.pm_api;
    held.hang = true;
    held.times = -1;
    pods = held;
    pods.path_prefix = P_PODS;
    pods.body = f.pods_api;
    pods.hang = false;
    push(f.peer, "GET", P_DEPLOY, 200, six);
    push(f.peer, "GET", P_HPAS, 200, f.hpas);
    sa_fake_peer_push(f.peer, &held);
    sa_fake_peer_push(f.peer, &pods);
    cc.src = f.src;
    sa_test_collect_start(&cc);
    /* the two lists, then at least four metrics reads held at once */
    bool side_by_side = sa_fake_peer_wait_requests(f.peer, 2 + 4, 10000);
    sa_fake_peer_release(f.peer);
    sa_test_collect_join(&cc);
    assert_true(side_by_side);
    assert_int_equal(cc.e, SA_OK);
    assert_int_equal(cc.n, 6);
    for (size_t i = 1; i < cc.n; i++) {
        assert_string_equal(cc.v[i].degraded, "");
        SA_ASSERT_NEAR(cc.v[i].cpu_percent, 120.0, 1e-9);
    }
    contexts_free(cc.v, cc.n);
    free(six);
    fixture_down(&f);
}

static void test_collect_degraded(void **st)
{
    (void)st;
    fixture f;
    fixture_up(&f, false);
    sa_context *v;
    size_t n = 0;
    sa_errbuf eb = {0};
    /* no deployment known yet and the list is forbidden: the cycle fails */
    push(f.peer, "GET", P_DEPLOY, 403, f.s403);
    assert_int_equal(f.src->collect(f.src, NOW, &v, &n, &eb), SA_ERR_UNAVAILABLE);
    assert_non_null(strstr(eb.msg, "http 403 Forbidden"));

    /* metrics API missing for web, stale for api; HPA list fine */
    char *stale = strdup(f.pm_api);
    assert_non_null(stale);
    for (char *p = stale; (p = strstr(p, "2023-11-14T22:13:10Z")); p++)
        memcpy(p, "2023-11-14T22:03:10Z", 20);
    push(f.peer, "GET", P_DEPLOY, 200, f.deploys);
    push(f.peer, "GET", P_HPAS, 200, f.hpas);
    push(f.peer, "GET", P_METRICS_WEB, 404, f.s404);
    push(f.peer, "GET", P_METRICS_API, 200, stale);
    v = collect(&f, &n);
    free(stale);
    assert_int_equal(n, 2);
    assert_string_equal(
        v[0].degraded,
        "metrics: http 404 NotFound: the server could not find the requested resource");
    assert_true(isnan(v[0].cpu_percent));
    assert_string_equal(v[1].degraded, "metrics: stale (610 s old)");
    contexts_free(v, n);

    /* the list now fails: every known deployment comes back degraded */
    push(f.peer, "GET", P_DEPLOY, 500,
         "{\"kind\":\"Status\",\"reason\":\"InternalError\",\"message\":\"etcdserver: request "
         "timed out\",\"code\":500}");
    v = collect(&f, &n);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].degraded,
                        "list deployments: http 500 InternalError: etcdserver: request timed out");
    assert_string_equal(v[1].name, "api");
    assert_int_equal(v[1].max_replicas, 20);
    assert_true(isnan(v[1].cpu_percent));
    contexts_free(v, n);

    /* HPA list refused: deployments degraded, and apply refuses to act
     * (it cannot know whether an HPA would fight it) */
    push(f.peer, "GET", P_DEPLOY, 200, f.deploys);
    push(f.peer, "GET", P_HPAS, 403, f.s403);
    push(f.peer, "GET", P_METRICS_WEB, 200, f.pm_web);
    push(f.peer, "GET", P_METRICS_API, 200, f.pm_api);
    v = collect(&f, &n);
    assert_non_null(strstr(v[0].degraded, "hpa list: http 403 Forbidden"));
    size_t before = sa_fake_peer_request_count(f.peer);
    sa_actuation act;
    assert_int_equal(f.src->apply(f.src, &v[0], 5, &act, &eb), SA_ERR_UNAVAILABLE);
    assert_non_null(strstr(act.outcome, "HPA state unknown"));
    assert_int_equal(sa_fake_peer_request_count(f.peer), before);
    contexts_free(v, n);

    /* bad annotation: named, deployment degraded, value ignored */
    char *bad = strdup(f.deploys);
    assert_non_null(bad);
    char *p = strstr(bad, "\"12\"");
    assert_non_null(p);
    memcpy(p, "\"x2\"", 4);
    push(f.peer, "GET", P_DEPLOY, 200, bad);
    push(f.peer, "GET", P_HPAS, 200, f.hpas);
    push(f.peer, "GET", P_METRICS_WEB, 200, f.pm_web);
    push(f.peer, "GET", P_METRICS_API, 200, f.pm_api);
    v = collect(&f, &n);
    free(bad);
    assert_string_equal(
        v[0].degraded,
        "annotation scaleadvisor.io/max-replicas: 'x2' is not an integer in 1..10000");
    assert_int_equal(v[0].max_replicas, 10);
    assert_string_equal(v[1].degraded, "");
    contexts_free(v, n);

    /* web scaled to zero by its owner: held, not revived */
    char *zero = strdup(f.deploys);
    assert_non_null(zero);
    memcpy(strstr(zero, "\"replicas\": 3"), "\"replicas\": 0", 13);
    push(f.peer, "GET", P_DEPLOY, 200, zero);
    push(f.peer, "GET", P_HPAS, 200, f.hpas);
    push(f.peer, "GET", P_METRICS_WEB, 200, "{\"kind\":\"PodMetricsList\",\"items\":[]}");
    push(f.peer, "GET", P_METRICS_API, 200, f.pm_api);
    v = collect(&f, &n);
    free(zero);
    assert_int_equal(v[0].current_replicas, 0);
    assert_string_equal(v[0].degraded, "scaled to zero (spec.replicas 0): held");
    assert_string_equal(v[1].degraded, "");
    contexts_free(v, n);

    /* the label was removed everywhere: nothing listed, nothing remembered */
    push(f.peer, "GET", P_DEPLOY, 200,
         "{\"kind\":\"DeploymentList\",\"apiVersion\":\"apps/v1\",\"metadata\":{},\"items\":[]}");
    push(f.peer, "GET", P_HPAS, 200, f.hpas);
    v = collect(&f, &n);
    assert_int_equal(n, 0);
    free(v);
    push(f.peer, "GET", P_DEPLOY, 503, "upstream connect error");
    assert_int_equal(f.src->collect(f.src, NOW, &v, &n, &eb), SA_ERR_UNAVAILABLE);
    assert_string_equal(eb.msg, "kubernetes: list deployments: http 503");
    fixture_down(&f);
}

static void test_dry_run_writes_nothing(void **st)
{
    (void)st;
    fixture f;
    fixture_up(&f, true);
    push_cycle(&f, f.hpas);
    size_t n = 0;
    sa_context *v = collect(&f, &n);
    sa_actuation act;
    sa_errbuf eb = {0};
    assert_int_equal(f.src->apply(f.src, &v[0], 6, &act, &eb), SA_ERR_DENIED);
    assert_non_null(strstr(act.outcome, "dry-run"));
    assert_int_equal(act.before, 3);
    assert_int_equal(act.after, 3);
    assert_int_equal(f.src->apply(f.src, &v[1], 8, &act, &eb), SA_ERR_DENIED);
    assert_int_equal(sa_fake_peer_request_count(f.peer), 5);
    for (size_t i = 0; i < sa_fake_peer_request_count(f.peer); i++)
        assert_string_equal(req(&f, i)->method, "GET");
    contexts_free(v, n);
    fixture_down(&f);
}

static void expect_patch(fixture *f, size_t i, const char *path, const char *body)
{
    const sa_fake_request *r = req(f, i);
    char ct[64];
    assert_string_equal(r->method, "PATCH");
    assert_string_equal(r->path, path);
    assert_true(sa_fake_request_header(r, "Content-Type", ct, sizeof ct));
    assert_string_equal(ct, "application/merge-patch+json");
    assert_string_equal(r->body, body);
}

static void test_apply_scale_subresource(void **st)
{
    (void)st;
    fixture f;
    fixture_up(&f, false);
    push_cycle(&f, f.hpas);
    size_t n = 0;
    sa_context *v = collect(&f, &n);
    sa_actuation act;
    sa_errbuf eb = {0};

    /* outside the deployment's bounds: refused before any request */
    assert_int_equal(f.src->apply(f.src, &v[0], 13, &act, &eb), SA_ERR_INVALID);
    assert_int_equal(sa_fake_peer_request_count(f.peer), 5);

    push(f.peer, "GET", P_SCALE_WEB, 200, f.scale);
    push(f.peer, "PATCH", P_SCALE_WEB, 200, f.scale);
    assert_int_equal(f.src->apply(f.src, &v[0], 5, &act, &eb), SA_OK);
    assert_string_equal(act.method, "scale");
    assert_int_equal(act.before, 3);
    assert_int_equal(act.after, 5);
    assert_string_equal(act.outcome, "ok");
    assert_int_equal(sa_fake_peer_request_count(f.peer), 7);
    assert_string_equal(req(&f, 5)->method, "GET");
    assert_string_equal(req(&f, 5)->path, P_SCALE_WEB);
    expect_patch(&f, 6, P_SCALE_WEB,
                 "{\"metadata\":{\"resourceVersion\":\"501\"},\"spec\":{\"replicas\":5}}");

    /* already there: read, no write */
    push(f.peer, "GET", P_SCALE_WEB, 200, f.scale);
    assert_int_equal(f.src->apply(f.src, &v[0], 3, &act, &eb), SA_OK);
    assert_string_equal(act.outcome, "unchanged: already 3");
    assert_int_equal(sa_fake_peer_request_count(f.peer), 8);
    contexts_free(v, n);
    fixture_down(&f);
}

static void test_apply_conflict_retried(void **st)
{
    (void)st;
    fixture f;
    fixture_up(&f, false);
    push_cycle(&f, f.hpas);
    size_t n = 0;
    sa_context *v = collect(&f, &n);
    sa_actuation act;
    sa_errbuf eb = {0};
    char *scale2 = strdup(f.scale);
    assert_non_null(scale2);
    memcpy(strstr(scale2, "\"501\""), "\"502\"", 5);

    push(f.peer, "GET", P_SCALE_WEB, 200, f.scale);
    push(f.peer, "PATCH", P_SCALE_WEB, 409, f.s409);
    push(f.peer, "GET", P_SCALE_WEB, 200, scale2);
    push(f.peer, "PATCH", P_SCALE_WEB, 200, scale2);
    assert_int_equal(f.src->apply(f.src, &v[0], 6, &act, &eb), SA_OK);
    assert_string_equal(act.outcome, "ok after 1 conflict retry");
    assert_int_equal(act.after, 6);
    assert_int_equal(sa_fake_peer_request_count(f.peer), 9);
    expect_patch(&f, 6, P_SCALE_WEB,
                 "{\"metadata\":{\"resourceVersion\":\"501\"},\"spec\":{\"replicas\":6}}");
    assert_string_equal(req(&f, 7)->method, "GET");
    expect_patch(&f, 8, P_SCALE_WEB,
                 "{\"metadata\":{\"resourceVersion\":\"502\"},\"spec\":{\"replicas\":6}}");

    /* conflicts every time: bounded (1 + 2 retries), then reported */
    for (int i = 0; i < 3; i++) {
        push(f.peer, "GET", P_SCALE_WEB, 200, f.scale);
        push(f.peer, "PATCH", P_SCALE_WEB, 409, f.s409);
    }
    assert_int_equal(f.src->apply(f.src, &v[0], 6, &act, &eb), SA_ERR_CONFLICT);
    assert_string_equal(act.outcome, "conflict: gave up after 3 attempts");
    assert_int_equal(act.after, act.before);
    assert_int_equal(sa_fake_peer_request_count(f.peer), 15);
    free(scale2);
    contexts_free(v, n);
    fixture_down(&f);
}

static void test_apply_forbidden_stops(void **st)
{
    (void)st;
    fixture f;
    fixture_up(&f, false);
    push_cycle(&f, f.hpas);
    size_t n = 0;
    sa_context *v = collect(&f, &n);
    sa_actuation act;
    sa_errbuf eb = {0};
    push(f.peer, "GET", P_SCALE_WEB, 200, f.scale);
    push(f.peer, "PATCH", P_SCALE_WEB, 403, f.s403);
    assert_int_equal(f.src->apply(f.src, &v[0], 5, &act, &eb), SA_ERR_DENIED);
    assert_non_null(
        strstr(act.outcome, "forbidden, actuation stopped: patch refused (http 403 Forbidden"));
    assert_int_equal(act.after, 3);
    assert_int_equal(sa_fake_peer_request_count(f.peer), 7);
    /* stopped: no request at all on the next attempts, and it says why */
    assert_int_equal(f.src->apply(f.src, &v[0], 5, &act, &eb), SA_ERR_DENIED);
    assert_non_null(strstr(act.outcome, "forbidden: actuation stopped for shop/web"));
    assert_int_equal(sa_fake_peer_request_count(f.peer), 7);
    /* still stopped after the next cycle; other deployments unaffected */
    push_cycle(&f, f.hpas);
    contexts_free(v, n);
    v = collect(&f, &n);
    assert_int_equal(f.src->apply(f.src, &v[0], 5, &act, &eb), SA_ERR_DENIED);
    assert_int_equal(sa_fake_peer_request_count(f.peer), 11);
    /* a 404 on the object is reported, not fatal */
    push(f.peer, "GET", P_HPA_API, 404, f.s404);
    assert_int_equal(f.src->apply(f.src, &v[1], 5, &act, &eb), SA_ERR_NOTFOUND);
    assert_non_null(strstr(act.outcome, "not found: get (http 404 NotFound"));
    contexts_free(v, n);
    fixture_down(&f);
}

/* HPA with minReplicas m and resourceVersion rv. */
static char *hpa_with(const fixture *f, const char *min, const char *rv)
{
    char *s = strdup(f->hpas);
    assert_non_null(s);
    char *p = strstr(s, "\"minReplicas\": 2");
    assert_non_null(p);
    p[15] = min[0];
    p = strstr(s, "\"700\"");
    memcpy(p + 1, rv, 3);
    /* a single object: cut the list down to items[0] */
    char *start = strstr(s, "{\n      \"metadata\": {\"name\": \"api-hpa\"");
    char *end = strstr(start, "\n    },\n    {");
    assert_non_null(start);
    assert_non_null(end);
    end[6] = '\0';
    memmove(s, start, strlen(start) + 1);
    return s;
}

static void test_apply_hpa_min_replicas(void **st)
{
    (void)st;
    fixture f;
    fixture_up(&f, false);
    push_cycle(&f, f.hpas);
    size_t n = 0;
    sa_context *v = collect(&f, &n);
    sa_actuation act;
    sa_errbuf eb = {0};
    char *h2 = hpa_with(&f, "2", "700"), *h8 = hpa_with(&f, "8", "701");

    /* pre-scale: raise the HPA's minReplicas, never touch the scale */
    push(f.peer, "GET", P_HPA_API, 200, h2);
    push(f.peer, "PATCH", P_HPA_API, 200, h8);
    assert_int_equal(f.src->apply(f.src, &v[1], 8, &act, &eb), SA_OK);
    assert_string_equal(act.method, "hpa_min_replicas");
    assert_int_equal(act.before, 2);
    assert_int_equal(act.after, 8);
    expect_patch(&f, 6, P_HPA_API,
                 "{\"metadata\":{\"resourceVersion\":\"700\"},\"spec\":{\"minReplicas\":8}}");

    /* next cycle the HPA shows our 8: the deployment's floor stays 2 */
    char *list8 = strdup(f.hpas);
    assert_non_null(list8);
    strstr(list8, "\"minReplicas\": 2")[15] = '8';
    push_cycle(&f, list8);
    contexts_free(v, n);
    v = collect(&f, &n);
    assert_int_equal(v[1].min_replicas, 2);

    /* lower it back: target 1 is below the floor (refused), target 2 = floor */
    assert_int_equal(f.src->apply(f.src, &v[1], 1, &act, &eb), SA_ERR_INVALID);
    push(f.peer, "GET", P_HPA_API, 200, h8);
    push(f.peer, "PATCH", P_HPA_API, 200, h2);
    assert_int_equal(f.src->apply(f.src, &v[1], 2, &act, &eb), SA_OK);
    assert_int_equal(act.before, 8);
    assert_int_equal(act.after, 2);
    expect_patch(&f, 12, P_HPA_API,
                 "{\"metadata\":{\"resourceVersion\":\"701\"},\"spec\":{\"minReplicas\":2}}");
    assert_int_equal(sa_fake_peer_request_count(f.peer), 13);
    for (size_t i = 0; i < 13; i++)
        assert_null(strstr(req(&f, i)->path, "/scale"));
    free(list8);
    free(h2);
    free(h8);
    contexts_free(v, n);
    fixture_down(&f);
}

/* A service-account token file is re-read every cycle (bound tokens
 * rotate); the Authorization header follows it. */
static void test_token_file_rotation(void **st)
{
    (void)st;
    fixture f;
    fixture_up(&f, true);
    char *dir = sa_test_tmpdir("k8s-token"), path[512], auth[128];
    snprintf(path, sizeof path, "%s/token", dir);
    sa_test_write_file(path, "first-token\n");
    sa_k8s_options o = {.api_url = sa_fake_peer_url(f.peer), .token_file = path, .dry_run = true};
    sa_src *s = NULL;
    sa_errbuf eb = {0};
    assert_int_equal(sa_src_kubernetes_create_opts(&o, &s, &eb), SA_OK);
    sa_context *v = NULL;
    size_t n = 0;
    push(f.peer, "GET", P_DEPLOY, 503, "unavailable");
    assert_int_equal(s->collect(s, NOW, &v, &n, &eb), SA_ERR_UNAVAILABLE);
    sa_test_write_file(path, "second-token");
    push(f.peer, "GET", P_DEPLOY, 503, "unavailable");
    assert_int_equal(s->collect(s, NOW, &v, &n, &eb), SA_ERR_UNAVAILABLE);
    assert_true(sa_fake_request_header(req(&f, 0), "Authorization", auth, sizeof auth));
    assert_string_equal(auth, "Bearer first-token");
    assert_true(sa_fake_request_header(req(&f, 1), "Authorization", auth, sizeof auth));
    assert_string_equal(auth, "Bearer second-token");
    sa_src_destroy(s);
    sa_test_rmtree(dir);
    free(dir);
    fixture_down(&f);
}

/* Every cJSON allocation of a parse fails in turn: a clean error each
 * time, nothing half-built returned, nothing leaked (LSan). */
typedef struct {
    const fixture *f;
    const sa_k8s_deployment *web;
} parse_args;

static int parse_all(void *ctx)
{
    const fixture *f = ((const parse_args *)ctx)->f;
    const sa_k8s_deployment *web = ((const parse_args *)ctx)->web;
    sa_errbuf eb = {0};
    sa_k8s_deployment *d = NULL;
    sa_k8s_hpa *h = NULL;
    sa_k8s_usage u;
    size_t n;
    sa_err e = sa_k8s_parse_deployments(f->deploys, &d, &n, NULL, &eb);
    free(d);
    if (e == SA_OK) {
        e = sa_k8s_parse_hpas(f->hpas, &h, &n, NULL, &eb);
        free(h);
    }
    if (e == SA_OK)
        e = sa_k8s_parse_pod_metrics(f->pm_web, web, &u, &eb);
    if (e == SA_OK) {
        double start;
        e = sa_k8s_parse_pod_startup(f->pods_api, &start, &n, &eb);
    }
    if (e != SA_OK && !eb.msg[0])
        fail_msg("error %d without a message", (int)e);
    return e != SA_OK;
}

static void test_parsers_fail_each_allocation(void **st)
{
    (void)st;
    fixture f;
    fixture_up(&f, true);
    sa_k8s_deployment *d = NULL;
    size_t n;
    sa_errbuf eb = {0};
    assert_int_equal(sa_k8s_parse_deployments(f.deploys, &d, &n, NULL, &eb), SA_OK);
    parse_args args = {&f, &d[0]};
    assert_true(sa_test_fail_each_cjson_alloc(parse_all, &args) > 50);
    free(d);
    fixture_down(&f);
}

static void test_create_errors(void **st)
{
    (void)st;
    sa_config cfg;
    sa_config_defaults(&cfg);
    sa_src *s = NULL;
    sa_errbuf eb = {0};
    unsetenv("KUBERNETES_SERVICE_HOST");
    assert_int_equal(sa_src_kubernetes_create(&cfg, &s, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, "K8S_API_URL"));
    sa_strlcpy(cfg.k8s_api_url, "127.0.0.1:8001", sizeof cfg.k8s_api_url);
    assert_int_equal(sa_src_kubernetes_create(&cfg, &s, &eb), SA_ERR_INVALID);
    /* in cluster (KUBERNETES_SERVICE_HOST set) but no service account mounted */
    cfg.k8s_api_url[0] = '\0';
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    assert_int_equal(sa_src_kubernetes_create(&cfg, &s, &eb), SA_ERR_IO);
    assert_non_null(strstr(eb.msg, "/var/run/secrets/kubernetes.io/serviceaccount/token"));
    setenv("KUBERNETES_SERVICE_PORT", "http", 1);
    assert_int_equal(sa_src_kubernetes_create(&cfg, &s, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, "KUBERNETES_SERVICE_PORT"));
    unsetenv("KUBERNETES_SERVICE_HOST");
    unsetenv("KUBERNETES_SERVICE_PORT");
    sa_k8s_options o = {.api_url = "http://127.0.0.1:1", .token_file = "/nonexistent/token"};
    assert_int_not_equal(sa_src_kubernetes_create_opts(&o, &s, &eb), SA_OK);
    assert_null(s);
    sa_strlcpy(cfg.k8s_api_url, "http://127.0.0.1:8001/", sizeof cfg.k8s_api_url);
    sa_strlcpy(cfg.k8s_token, "abc", sizeof cfg.k8s_token);
    assert_int_equal(sa_src_kubernetes_create(&cfg, &s, &eb), SA_OK);
    assert_non_null(s->apply);
    sa_src_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantity),
        cmocka_unit_test(test_parse_objects),
        cmocka_unit_test(test_collect_contexts),
        cmocka_unit_test(test_collect_pages),
        cmocka_unit_test(test_preset_annotation_over_behavior),
        cmocka_unit_test(test_hung_metrics_api_skipped),
        cmocka_unit_test(test_reads_side_by_side),
        cmocka_unit_test(test_collect_degraded),
        cmocka_unit_test(test_dry_run_writes_nothing),
        cmocka_unit_test(test_apply_scale_subresource),
        cmocka_unit_test(test_apply_conflict_retried),
        cmocka_unit_test(test_apply_forbidden_stops),
        cmocka_unit_test(test_apply_hpa_min_replicas),
        cmocka_unit_test(test_token_file_rotation),
        cmocka_unit_test(test_parsers_fail_each_allocation),
        cmocka_unit_test(test_create_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
