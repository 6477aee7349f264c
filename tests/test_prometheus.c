/*
 * test_prometheus.c - the Prometheus source: config file parsing, reply
 * parsing (every error shape), and whole cycles against the scripted fake
 * peer playing the Prometheus HTTP API (requests checked as sent).
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
#include "sources/prom_int.h"
#include "scaleadvisor/config.h"
#include "scaleadvisor/sources_int.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define VEC(v)                                                                                     \
    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"      \
    "\"value\":[1700000000,\"" v "\"]}]}}"
#define EMPTY_VEC "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}"
#define BAD_DATA                                                                                   \
    "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:5: parse error: unexpected "   \
    "identifier\"}"

static void test_config_defaults_and_overrides(void **st)
{
    (void)st;
    sa_prom_config c = {0};
    sa_errbuf eb = {0};
    const char *j =
        "{\"backfill_s\":600,\"queries\":{\"request_rate\":\"sum(rate(http_requests_"
        "total{namespace=\\\"{{namespace}}\\\"}[1m]))\"},"
        "\"deployments\":[{\"name\":\"web\",\"namespace\":\"shop\",\"min_replicas\":2,"
        "\"max_replicas\":12,\"target_cpu_percent\":60,\"preset\":\"aggressive\","
        "\"startup_seconds\":240,\"target_memory_percent\":85,\"miss_cost_rh\":40,\"behavior\":{"
        "\"scaleDown\":{\"policies\":"
        "[{\"type\":\"Pods\",\"value\":1,\"periodSeconds\":60}]}}},"
        "{\"name\":\"api\",\"queries\":{\"memory_percent\":\"\"}}]}";
    assert_int_equal(sa_prom_config_parse(j, 30, SA_PRESET_CONSERVATIVE, &c, &eb), SA_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.backfill_s, 600);
    assert_int_equal(c.step_s, 30);
    assert_int_equal(c.timeout_ms, 5000);
    assert_int_equal(c.readers, 8);
    assert_string_equal(c.deps[0].namespace_, "shop");
    assert_int_equal(c.deps[0].min_replicas, 2);
    assert_int_equal(c.deps[0].max_replicas, 12);
    SA_ASSERT_NEAR(c.deps[0].target_cpu_percent, 60, 1e-9);
    assert_int_equal(c.deps[0].preset, SA_PRESET_AGGRESSIVE);
    SA_ASSERT_NEAR(c.deps[0].startup_s, 240, 0);
    assert_true(isnan(c.deps[1].startup_s)); /* SCALEADVISOR_STARTUP_S */
    SA_ASSERT_NEAR(c.deps[0].target_memory_percent, 85, 0);
    SA_ASSERT_NEAR(c.deps[0].miss_cost_rh, 40, 0);
    assert_true(isnan(c.deps[1].miss_cost_rh));
    assert_true(isnan(c.deps[1].target_memory_percent));
    /* its HPA's behavior, stated in the file (the defaults fill the rest) */
    assert_true(c.deps[0].scale_up.set && c.deps[0].scale_down.set);
    assert_int_equal(c.deps[0].scale_down.window_s, 300);
    assert_int_equal(c.deps[0].scale_down.policies[0].period_s, 60);
    assert_int_equal(c.deps[0].scale_up.n_policies, 2);
    assert_false(c.deps[1].scale_up.set || c.deps[1].scale_down.set);
    assert_non_null(strstr(c.deps[0].queries[SA_PQ_CPU], "container_cpu_usage_seconds_total"));
    assert_non_null(strstr(c.deps[0].queries[SA_PQ_REPLICAS], "kube_deployment_spec_replicas"));
    assert_non_null(strstr(c.deps[0].queries[SA_PQ_RATE], "http_requests_total"));
    assert_string_equal(c.deps[1].namespace_, "default");
    assert_int_equal(c.deps[1].preset, SA_PRESET_CONSERVATIVE);
    assert_string_equal(c.deps[1].queries[SA_PQ_MEMORY], "");
    assert_non_null(strstr(c.deps[1].queries[SA_PQ_MEMORY - 1], "container_cpu"));
    sa_prom_config_release(&c);
}

static void expect_bad(const char *json, const char *needle)
{
    sa_prom_config c = {0};
    sa_errbuf eb = {0};
    assert_int_equal(sa_prom_config_parse(json, 15, SA_PRESET_BALANCED, &c, &eb), SA_ERR_INVALID);
    if (!strstr(eb.msg, needle))
        fail_msg("message '%s' lacks '%s'", eb.msg, needle);
    assert_null(c.deps);
}

static void test_config_errors(void **st)
{
    (void)st;
    expect_bad("{", "not valid JSON");
    expect_bad("[]", "top level");
    expect_bad("{\"deployments\":[]}", "deployments");
    expect_bad("{\"deployment\":[{\"name\":\"a\"}]}", "deployment: unknown key");
    expect_bad("{\"deployments\":[{\"name\":\"Web\"}]}", "deployments[0].name");
    expect_bad("{\"deployments\":[{\"name\":\"w\\\"}\"}]}", "deployments[0].name");
    expect_bad("{\"deployments\":[{\"name\":\"a\",\"min_replicas\":5,\"max_replicas\":2}]}",
               "below min_replicas");
    expect_bad("{\"deployments\":[{\"name\":\"a\",\"min_replicas\":1.5}]}", "min_replicas");
    expect_bad("{\"deployments\":[{\"name\":\"a\",\"target_cpu_percent\":0}]}",
               "target_cpu_percent");
    expect_bad("{\"deployments\":[{\"name\":\"a\",\"preset\":\"wild\"}]}", "preset");
    expect_bad("{\"deployments\":[{\"name\":\"a\",\"miss_cost_rh\":-2}]}",
               "deployments[0].miss_cost_rh: must be a number in 0..1000000");
    expect_bad("{\"deployments\":[{\"name\":\"a\",\"target_memory_percent\":\"80\"}]}",
               "deployments[0].target_memory_percent: must be a number in (0, 1000]");
    expect_bad("{\"deployments\":[{\"name\":\"a\",\"startup_seconds\":3601}]}",
               "deployments[0].startup_seconds: must be an integer in 0..3600");
    expect_bad("{\"deployments\":[{\"name\":\"a\",\"behavior\":{\"scaleUp\":{\"selectPolicy\":"
               "\"Never\"}}}]}",
               "deployments[0].behavior.scaleUp.selectPolicy: must be \"Max\", \"Min\" or "
               "\"Disabled\"");
    expect_bad("{\"deployments\":[{\"name\":\"a\",\"queries\":{\"cpu\":\"x\"}}]}", "unknown query");
    expect_bad("{\"deployments\":[{\"name\":\"a\",\"queries\":{\"cpu_percent\":\"\"}}]}",
               "cannot be empty");
    expect_bad("{\"deployments\":[{\"name\":\"a\"},{\"name\":\"a\"}]}", "listed twice");
    expect_bad("{\"backfill_s\":-1,\"deployments\":[{\"name\":\"a\"}]}", "backfill_s");
    expect_bad("{\"readers\":0,\"deployments\":[{\"name\":\"a\"}]}", "readers");
    expect_bad("{\"readers\":9,\"deployments\":[{\"name\":\"a\"}]}", "readers");
}

static void test_expand(void **st)
{
    (void)st;
    sa_buf b;
    sa_buf_init(&b, 1024);
    assert_int_equal(
        sa_prom_expand("x{ns=\"{{namespace}}\",d=\"{{deployment}}\"} {{other}}", "shop", "web", &b),
        SA_OK);
    assert_string_equal(b.data, "x{ns=\"shop\",d=\"web\"} {{other}}");
    sa_buf_release(&b);
}

static void test_parse_instant(void **st)
{
    (void)st;
    double v = -1, ts = -1;
    sa_errbuf eb = {0};
    assert_int_equal(sa_prom_parse_instant(200, VEC("42.5"), &v, &ts, &eb), SA_OK);
    SA_ASSERT_NEAR(v, 42.5, 1e-12);
    SA_ASSERT_NEAR(ts, 1700000000, 1e-9);
    assert_int_equal(sa_prom_parse_instant(200,
                                           "{\"status\":\"success\",\"data\":{\"resultType\":"
                                           "\"scalar\",\"result\":[1700000001.5,\"3\"]}}",
                                           &v, &ts, &eb),
                     SA_OK);
    SA_ASSERT_NEAR(v, 3, 1e-12);
    SA_ASSERT_NEAR(ts, 1700000001.5, 1e-9);
    v = -1;
    assert_int_equal(sa_prom_parse_instant(200, EMPTY_VEC, &v, &ts, &eb), SA_ERR_NOTFOUND);
    assert_non_null(strstr(eb.msg, "empty result"));
    SA_ASSERT_NEAR(v, -1, 0);
    assert_int_equal(sa_prom_parse_instant(200, VEC("NaN"), &v, &ts, &eb), SA_ERR_NOTFOUND);
    assert_int_equal(sa_prom_parse_instant(200, VEC("abc"), &v, &ts, &eb), SA_ERR_SCHEMA);
    assert_int_equal(sa_prom_parse_instant(400, BAD_DATA, &v, &ts, &eb), SA_ERR_HTTP);
    assert_string_equal(eb.msg, "prometheus bad_data: 1:5: parse error: unexpected identifier");
    assert_int_equal(sa_prom_parse_instant(200, "<html>oops</html>", &v, &ts, &eb), SA_ERR_PARSE);
    assert_int_equal(sa_prom_parse_instant(503, "Service Unavailable", &v, &ts, &eb), SA_ERR_HTTP);
    assert_string_equal(eb.msg, "http 503");
    assert_int_equal(sa_prom_parse_instant(200, "{\"status\":\"success\"}", &v, &ts, &eb),
                     SA_ERR_SCHEMA);
    assert_int_equal(sa_prom_parse_instant(
                         200,
                         "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
                         "[{\"value\":[1,\"1\"]},{\"value\":[1,\"2\"]}]}}",
                         &v, &ts, &eb),
                     SA_ERR_SCHEMA);
    assert_non_null(strstr(eb.msg, "2 series"));
    assert_int_equal(sa_prom_parse_instant(200,
                                           "{\"status\":\"success\",\"data\":{\"resultType\":"
                                           "\"matrix\",\"result\":[]}}",
                                           &v, &ts, &eb),
                     SA_ERR_SCHEMA);
}

static void test_parse_range(void **st)
{
    (void)st;
    double out[5];
    sa_errbuf eb = {0};
    for (int i = 0; i < 5; i++)
        out[i] = NAN;
    const char *b =
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":"
        "{},\"values\":[[1000,\"1\"],[1020,\"3\"],[1030,\"NaN\"],[1040,\"5\"],[2000,\"9\"]]}]}}";
    assert_int_equal(sa_prom_parse_range(200, b, 1000, 10, 5, out, &eb), SA_OK);
    SA_ASSERT_NEAR(out[0], 1, 0);
    assert_true(isnan(out[1]));
    SA_ASSERT_NEAR(out[2], 3, 0);
    assert_true(isnan(out[3]));
    SA_ASSERT_NEAR(out[4], 5, 0);
    assert_int_equal(
        sa_prom_parse_range(200,
                            "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                            "\"result\":[{\"values\":[[1000,2]]}]}}",
                            1000, 10, 5, out, &eb),
        SA_ERR_SCHEMA);
}

/* A whole source against the fake Prometheus. */
typedef struct {
    sa_fake_peer *peer;
    char *dir;
    sa_config cfg;
    sa_src *src;
} fixture;

static void fixture_up(fixture *f, const char *json, long timeout_ms)
{
    sa_errbuf eb = {0};
    (void)timeout_ms;
    memset(f, 0, sizeof *f);
    assert_int_equal(sa_fake_peer_start(&f->peer, &eb), SA_OK);
    f->dir = sa_test_tmpdir("prom");
    sa_config_defaults(&f->cfg);
    f->cfg.source = SA_SRC_PROMETHEUS;
    f->cfg.interval_s = 60;
    snprintf(f->cfg.prometheus_url, sizeof f->cfg.prometheus_url, "%s/", sa_fake_peer_url(f->peer));
    snprintf(f->cfg.config_file, sizeof f->cfg.config_file, "%s/deployments.json", f->dir);
    sa_test_write_file(f->cfg.config_file, json);
    assert_int_equal(sa_src_prometheus_create(&f->cfg, &f->src, &eb), SA_OK);
    assert_string_equal(f->src->kind, "prometheus");
    assert_null(f->src->apply);
}

static void fixture_down(fixture *f)
{
    if (f->src)
        sa_src_destroy(f->src);
    sa_fake_peer_destroy(f->peer);
    sa_test_rmtree(f->dir);
    free(f->dir);
}

static void push(sa_fake_peer *p, const char *path, int status, const char *body)
{
    sa_fake_response r;
    sa_fake_response_init(&r);
    r.method = "GET";
    r.path_prefix = path;
    r.status = status;
    r.headers = "Content-Type: application/json";
    r.body = body;
    sa_fake_peer_push(p, &r);
}

static void contexts_free(sa_context *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sa_context_release(&v[i]);
    free(v);
}

/* now = 1700000000, step 60, backfill 600: grid end 1699999940 (now - step),
 * start 1699999400, 10 points. */
static void test_cycle_backfill_and_degraded(void **st)
{
    (void)st;
    fixture f;
    fixture_up(&f,
               "{\"readers\":1,\"backfill_s\":600,\"queries\":{\"hpa_desired_replicas\":\"\"},"
               "\"deployments\":[{\"name\":\"web\",\"namespace\":"
               "\"shop\","
               "\"min_replicas\":2,\"max_replicas\":8},{\"name\":\"api\",\"namespace\":\"shop\","
               "\"queries\":{\"memory_percent\":\"\",\"ready_pods\":\"\"}}]}",
               0);
    /* web: cpu, memory, replicas, ready; then back-fill cpu, memory, replicas */
    push(f.peer, "/api/v1/query", 200, VEC("81.5"));
    push(f.peer, "/api/v1/query", 200, VEC("40"));
    push(f.peer, "/api/v1/query", 200, VEC("3"));
    push(f.peer, "/api/v1/query", 200, VEC("3"));
    char cpu_range[512], mem_range[256];
    snprintf(
        cpu_range, sizeof cpu_range,
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
        "\"values\":[[1699999520,\"50\"],[1699999580,\"55\"],[1699999640,\"60\"],[1699999940,"
        "\"80\"]]}]}}");
    snprintf(mem_range, sizeof mem_range,
             "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}");
    push(f.peer, "/api/v1/query_range", 200, cpu_range);
    push(f.peer, "/api/v1/query_range", 200, mem_range);
    push(f.peer, "/api/v1/query_range", 400, BAD_DATA);
    /* and its pods' start-up time (kube-state-metrics' ready and created) */
    push(f.peer, "/api/v1/query", 200, VEC("65"));
    /* api: cpu is a bad query, replicas empty */
    push(f.peer, "/api/v1/query", 400, BAD_DATA);
    push(f.peer, "/api/v1/query", 200, EMPTY_VEC);

    sa_context *v = NULL;
    size_t n = 0;
    sa_errbuf eb = {0};
    assert_int_equal(f.src->collect(f.src, 1700000000, &v, &n, &eb), SA_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].name, "web");
    assert_string_equal(v[0].degraded, "");
    SA_ASSERT_NEAR(v[0].cpu_percent, 81.5, 1e-9);
    SA_ASSERT_NEAR(v[0].memory_percent, 40, 1e-9);
    assert_int_equal(v[0].current_replicas, 3);
    assert_int_equal(v[0].ready_pods, 3);
    assert_int_equal(v[0].min_replicas, 2);
    assert_int_equal(v[0].max_replicas, 8);
    assert_int_equal(v[0].observed_at, 1700000000);
    /* leading NaN rows trimmed: first point 1699999520 (index 2), last index 9 */
    assert_int_equal(v[0].n_history, 8);
    assert_int_equal(v[0].history[0].timestamp, 1699999520);
    SA_ASSERT_NEAR(v[0].history[0].cpu_percent, 50, 0);
    assert_true(isnan(v[0].history[3].cpu_percent));
    assert_true(isnan(v[0].history[0].memory_percent));
    assert_int_equal(v[0].history[0].replicas, -1);
    assert_int_equal(v[0].history[7].timestamp, 1699999940);
    SA_ASSERT_NEAR(v[0].history[7].cpu_percent, 80, 0);
    SA_ASSERT_NEAR(v[0].startup_s, 65, 0);

    assert_string_equal(v[1].name, "api");
    assert_true(isnan(v[1].cpu_percent));
    assert_string_equal(
        v[1].degraded,
        "cpu_percent: prometheus bad_data: 1:5: parse error: unexpected identifier (+1 more)");
    assert_int_equal(v[1].n_history, 0);

    /* requests as sent: the expanded, escaped query and the range grid */
    assert_int_equal(sa_fake_peer_request_count(f.peer), 10);
    assert_non_null(strstr(sa_fake_peer_request(f.peer, 7)->path, "kube_pod_status_ready_time"));
    const sa_fake_request *r0 = sa_fake_peer_request(f.peer, 0);
    assert_non_null(strstr(r0->path, "/api/v1/query?query="));
    assert_non_null(strstr(r0->path, "container_cpu_usage_seconds_total"));
    assert_non_null(strstr(r0->path, "namespace%3D%22shop%22"));
    assert_non_null(strstr(r0->path, "pod%3D~%22web-%5Ba-z0-9%5D%2B-%5Ba-z0-9%5D%2B%22"));
    assert_non_null(strstr(r0->path, "&time=1700000000"));
    const sa_fake_request *r4 = sa_fake_peer_request(f.peer, 4);
    assert_non_null(strstr(r4->path, "/api/v1/query_range?query="));
    assert_non_null(strstr(r4->path, "&start=1699999400&end=1699999940&step=60"));
    contexts_free(v, n);

    /* second cycle: web is back-filled already, so no range query; api's
     * Prometheus reply is too large, then not JSON */
    push(f.peer, "/api/v1/query", 200, VEC("70"));
    push(f.peer, "/api/v1/query", 200, VEC("41"));
    push(f.peer, "/api/v1/query", 200, VEC("4"));
    push(f.peer, "/api/v1/query", 200, VEC("4"));
    size_t big = SA_CAP_PEER_REPLY + 16;
    char *huge = malloc(big + 1);
    assert_non_null(huge);
    memset(huge, ' ', big);
    huge[big] = '\0';
    push(f.peer, "/api/v1/query", 200, huge);
    push(f.peer, "/api/v1/query", 200, "not json");
    assert_int_equal(f.src->collect(f.src, 1700000060, &v, &n, &eb), SA_OK);
    free(huge);
    /* the start-up time is not asked again within ten minutes */
    assert_int_equal(sa_fake_peer_request_count(f.peer), 16);
    assert_string_equal(v[0].degraded, "");
    assert_int_equal(v[0].n_history, 0);
    assert_int_equal(v[0].current_replicas, 4);
    SA_ASSERT_NEAR(v[0].startup_s, 65, 0);
    assert_non_null(strstr(v[1].degraded, "cpu_percent: reply larger than"));
    assert_non_null(strstr(v[1].degraded, "(+1 more)"));
    contexts_free(v, n);

    /* ten minutes on: asked again; no series (kube-state-metrics before
     * 2.8) keeps the last measurement and degrades nothing */
    push(f.peer, "/api/v1/query", 200, VEC("70"));
    push(f.peer, "/api/v1/query", 200, VEC("41"));
    push(f.peer, "/api/v1/query", 200, VEC("4"));
    push(f.peer, "/api/v1/query", 200, VEC("4"));
    push(f.peer, "/api/v1/query", 200, EMPTY_VEC);
    push(f.peer, "/api/v1/query", 400, BAD_DATA);
    push(f.peer, "/api/v1/query", 200, EMPTY_VEC);
    assert_int_equal(f.src->collect(f.src, 1700000600, &v, &n, &eb), SA_OK);
    assert_int_equal(sa_fake_peer_request_count(f.peer), 23);
    assert_non_null(strstr(sa_fake_peer_request(f.peer, 20)->path, "kube_pod_created"));
    assert_string_equal(v[0].degraded, "");
    SA_ASSERT_NEAR(v[0].startup_s, 65, 0);
    contexts_free(v, n);
    fixture_down(&f);
}

/* The deployment's HPA from kube-state-metrics: desired every cycle, its
 * bounds and targets every ten minutes standing in for what the file does
 * not state; no HPA (an empty result) or a failing query degrades nothing. */
static void test_cycle_hpa(void **st)
{
    (void)st;
    fixture f;
    fixture_up(&f,
               "{\"readers\":1,\"backfill_s\":0,\"queries\":{\"memory_percent\":\"\","
               "\"ready_pods\":\"\",\"startup\":\"\"},\"deployments\":[{\"name\":\"web\","
               "\"namespace\":\"shop\",\"min_replicas\":2},{\"name\":\"api\",\"namespace\":"
               "\"shop\"}]}",
               0);
    /* web: cpu, replicas; its HPA: desired, min, max, cpu and memory targets */
    push(f.peer, "/api/v1/query", 200, VEC("90"));
    push(f.peer, "/api/v1/query", 200, VEC("5"));
    push(f.peer, "/api/v1/query", 200, VEC("6"));
    push(f.peer, "/api/v1/query", 200, VEC("3"));
    push(f.peer, "/api/v1/query", 200, VEC("15"));
    push(f.peer, "/api/v1/query", 200, VEC("60"));
    push(f.peer, "/api/v1/query", 200, VEC("80"));
    /* api: cpu, replicas, and no HPA */
    push(f.peer, "/api/v1/query", 200, VEC("50"));
    push(f.peer, "/api/v1/query", 200, VEC("2"));
    push(f.peer, "/api/v1/query", 200, EMPTY_VEC);
    sa_context *v = NULL;
    size_t n = 0;
    sa_errbuf eb = {0};
    assert_int_equal(f.src->collect(f.src, 1700000000, &v, &n, &eb), SA_OK);
    assert_int_equal(sa_fake_peer_request_count(f.peer), 10);
    const char *q = sa_fake_peer_request(f.peer, 2)->path;
    assert_non_null(strstr(q, "kube_horizontalpodautoscaler_status_desired_replicas"));
    assert_non_null(strstr(q, "kube_horizontalpodautoscaler_info"));
    assert_non_null(strstr(q, "scaletargetref_kind%3D%22Deployment%22"));
    assert_non_null(strstr(q, "scaletargetref_name%3D%22web%22"));
    assert_non_null(strstr(sa_fake_peer_request(f.peer, 6)->path, "metric_name%3D%22memory%22"));
    assert_string_equal(v[0].degraded, "");
    assert_true(v[0].has_hpa);
    assert_int_equal(v[0].hpa_desired_replicas, 6);
    assert_int_equal(v[0].hpa_current_replicas, 5);
    assert_int_equal(v[0].min_replicas, 2);  /* the file states it */
    assert_int_equal(v[0].max_replicas, 15); /* the HPA's */
    SA_ASSERT_NEAR(v[0].target_cpu_percent, 60, 0);
    SA_ASSERT_NEAR(v[0].hpa_target_cpu_percent, 60, 0);
    SA_ASSERT_NEAR(v[0].target_memory_percent, 80, 0);
    assert_string_equal(v[1].degraded, "");
    assert_false(v[1].has_hpa);
    assert_int_equal(v[1].max_replicas, 10);
    assert_true(isnan(v[1].target_memory_percent));
    contexts_free(v, n);

    /* a minute on: web's spec is not read again (its figures kept); api's
     * HPA query fails: logged, nothing degraded */
    push(f.peer, "/api/v1/query", 200, VEC("95"));
    push(f.peer, "/api/v1/query", 200, VEC("6"));
    push(f.peer, "/api/v1/query", 200, VEC("8"));
    push(f.peer, "/api/v1/query", 200, VEC("50"));
    push(f.peer, "/api/v1/query", 200, VEC("2"));
    push(f.peer, "/api/v1/query", 400, BAD_DATA);
    assert_int_equal(f.src->collect(f.src, 1700000060, &v, &n, &eb), SA_OK);
    assert_int_equal(sa_fake_peer_request_count(f.peer), 16);
    assert_int_equal(v[0].hpa_desired_replicas, 8);
    assert_int_equal(v[0].max_replicas, 15);
    SA_ASSERT_NEAR(v[0].target_memory_percent, 80, 0);
    assert_string_equal(v[1].degraded, "");
    assert_false(v[1].has_hpa);
    contexts_free(v, n);
    fixture_down(&f);
}

static void test_cycle_timeout_and_unreachable(void **st)
{
    (void)st;
    fixture f;
    fixture_up(
        &f,
        "{\"readers\":1,\"timeout_ms\":300,\"backfill_s\":0,\"deployments\":[{\"name\":\"slow\"},"
        "{\"name\":\"fine\",\"queries\":{\"memory_percent\":\"\",\"ready_pods\":\"\"}}]}",
        300);
    sa_fake_response r;
    sa_fake_response_init(&r);
    r.status = 200;
    r.body = VEC("1");
    r.delay_ms = 2000;
    sa_fake_peer_push(f.peer, &r);
    push(f.peer, "/api/v1/query", 200, VEC("20"));
    push(f.peer, "/api/v1/query", 200, VEC("2"));
    sa_context *v = NULL;
    size_t n = 0;
    sa_errbuf eb = {0};
    assert_int_equal(f.src->collect(f.src, 1700000000, &v, &n, &eb), SA_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].degraded, "cpu_percent: timed out after 300 ms");
    assert_string_equal(v[1].degraded, "");
    SA_ASSERT_NEAR(v[1].cpu_percent, 20, 0);
    assert_int_equal(v[1].current_replicas, 2);
    contexts_free(v, n);
    fixture_down(&f);

    /* Prometheus hangs: two timeouts in a row, then the other deployments
     * are skipped for the cycle without a request */
    fixture_up(
        &f,
        "{\"readers\":1,\"timeout_ms\":300,\"backfill_s\":0,\"deployments\":[{\"name\":\"a\"},"
        "{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"d\"}]}",
        300);
    r.times = -1;
    r.hang = true;
    sa_fake_peer_push(f.peer, &r);
    assert_int_equal(f.src->collect(f.src, 1700000000, &v, &n, &eb), SA_OK);
    assert_int_equal(n, 4);
    assert_int_equal(sa_fake_peer_request_count(f.peer), 2);
    assert_string_equal(v[1].degraded, "cpu_percent: timed out after 300 ms");
    for (size_t i = 2; i < 4; i++)
        assert_string_equal(v[i].degraded,
                            "skipped this cycle: Prometheus timed out for 2 deployments in a row");
    contexts_free(v, n);
    fixture_down(&f);

    /* Prometheus gone: every deployment degraded, the cycle still returns */
    fixture_up(
        &f,
        "{\"readers\":1,\"timeout_ms\":300,\"backfill_s\":0,\"deployments\":[{\"name\":\"slow\"},"
        "{\"name\":\"fine\",\"queries\":{\"memory_percent\":\"\",\"ready_pods\":\"\"}}]}",
        300);
    sa_fake_peer_destroy(f.peer);
    f.peer = NULL;
    assert_int_equal(f.src->collect(f.src, 1700000060, &v, &n, &eb), SA_OK);
    assert_int_equal(n, 2);
    assert_non_null(strstr(v[0].degraded, "cannot connect"));
    assert_non_null(strstr(v[1].degraded, "cannot connect"));
    contexts_free(v, n);
    fixture_down(&f);
}

/* Deployments are read side by side (`readers`, 8 by default): with every
 * reply held back, several queries are in flight at once. */
static void test_reads_side_by_side(void **st)
{
    (void)st;
    fixture f;
    sa_test_collect cc = {.now = 1700000000};
    fixture_up(&f,
               "{\"timeout_ms\":20000,\"backfill_s\":0,\"deployments\":[{\"name\":\"a\"},"
               "{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"d\"},{\"name\":\"e\"},"
               "{\"name\":\"f\"}]}",
               20000);
    sa_fake_response r;
    sa_fake_response_init(&r);
    r.status = 200;
    r.body = VEC("3");
    r.hang = true;
    r.times = -1;
    sa_fake_peer_push(f.peer, &r);
    cc.src = f.src;
    sa_test_collect_start(&cc);
    bool side_by_side = sa_fake_peer_wait_requests(f.peer, 4, 10000);
    sa_fake_peer_release(f.peer);
    sa_test_collect_join(&cc);
    assert_true(side_by_side);
    assert_int_equal(cc.e, SA_OK);
    assert_int_equal(cc.n, 6);
    for (size_t i = 0; i < cc.n; i++) {
        assert_string_equal(cc.v[i].degraded, "");
        assert_int_equal(cc.v[i].current_replicas, 3);
    }
    contexts_free(cc.v, cc.n);
    fixture_down(&f);
}

/* Every cJSON allocation of a parse fails in turn: a clean error each
 * time, nothing half-built returned, nothing leaked (LSan). */
static const char *const cfg_json =
    "{\"backfill_s\":600,\"queries\":{\"request_rate\":\"x\"},\"deployments\":[{\"name\":"
    "\"web\",\"namespace\":\"shop\",\"min_replicas\":2},{\"name\":\"api\"}]}";

static int parse_all(void *unused)
{
    (void)unused;
    sa_errbuf eb = {0};
    sa_prom_config c = {0};
    double v, ts, col[4];
    sa_err e = sa_prom_config_parse(cfg_json, 15, SA_PRESET_BALANCED, &c, &eb);
    if (e == SA_OK) {
        assert_int_equal(c.n, 2);
        sa_prom_config_release(&c);
    } else {
        assert_null(c.deps);
    }
    if (e == SA_OK)
        e = sa_prom_parse_instant(200, VEC("1"), &v, &ts, &eb);
    if (e == SA_OK)
        e = sa_prom_parse_range(200,
                                "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                                "\"result\":[{\"values\":[[1000,\"2\"]]}]}}",
                                1000, 10, 4, col, &eb);
    if (e != SA_OK && !eb.msg[0])
        fail_msg("error %d without a message", (int)e);
    return e != SA_OK;
}

static void test_parsers_fail_each_allocation(void **st)
{
    (void)st;
    assert_true(sa_test_fail_each_cjson_alloc(parse_all, NULL) > 20);
}

static void test_create_errors(void **st)
{
    (void)st;
    sa_config cfg;
    sa_config_defaults(&cfg);
    sa_src *s = NULL;
    sa_errbuf eb = {0};
    assert_int_equal(sa_src_prometheus_create(&cfg, &s, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, "SCALEADVISOR_CONFIG"));
    sa_strlcpy(cfg.config_file, "/nonexistent/deployments.json", sizeof cfg.config_file);
    assert_int_not_equal(sa_src_prometheus_create(&cfg, &s, &eb), SA_OK);
    assert_null(s);
    sa_strlcpy(cfg.prometheus_url, "ftp://x", sizeof cfg.prometheus_url);
    assert_int_equal(sa_src_prometheus_create(&cfg, &s, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, "PROMETHEUS_URL"));
}

/* The exporter is gone (Prometheus has marked its series stale): every
 * deployment is degraded, none is reported with made-up numbers. */
static void live_stale(const char *url, const char *file)
{
    sa_config cfg;
    sa_config_defaults(&cfg);
    cfg.interval_s = 60;
    sa_strlcpy(cfg.prometheus_url, url, sizeof cfg.prometheus_url);
    sa_strlcpy(cfg.config_file, file, sizeof cfg.config_file);
    sa_src *s = NULL;
    sa_errbuf eb = {0};
    assert_int_equal(sa_src_prometheus_create(&cfg, &s, &eb), SA_OK);
    sa_context *v = NULL;
    size_t n = 0;
    assert_int_equal(s->collect(s, (int64_t)sa_now(), &v, &n, &eb), SA_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        if (!strstr(v[i].degraded, "empty result"))
            fail_msg("%s: degraded '%s'", v[i].name, v[i].degraded);
        assert_int_equal(v[i].ready_pods, -1);
    }
    contexts_free(v, n);
    sa_src_destroy(s);
}

/* Live check against a real Prometheus, run by tests/integration/
 * prometheus.sh (which sets SA_IT_PROMETHEUS_URL and SA_IT_PROMETHEUS_CONFIG
 * and serves shop/web at 60 % CPU and shop/api at 150 %, with three hours of
 * history); skipped in the unit run, where no Prometheus is started. */
static void test_live_prometheus(void **st)
{
    (void)st;
    const char *url = getenv("SA_IT_PROMETHEUS_URL"), *file = getenv("SA_IT_PROMETHEUS_CONFIG");
    if (!url || !file)
        skip();
    if (getenv("SA_IT_PROMETHEUS_STALE")) {
        live_stale(url, file);
        return;
    }
    sa_config cfg;
    sa_config_defaults(&cfg);
    cfg.interval_s = 60;
    sa_strlcpy(cfg.prometheus_url, url, sizeof cfg.prometheus_url);
    sa_strlcpy(cfg.config_file, file, sizeof cfg.config_file);
    sa_src *s = NULL;
    sa_errbuf eb = {0};
    assert_int_equal(sa_src_prometheus_create(&cfg, &s, &eb), SA_OK);
    sa_context *v = NULL;
    size_t n = 0;
    int64_t now = (int64_t)sa_now();
    assert_int_equal(s->collect(s, now, &v, &n, &eb), SA_OK);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].name, "web");
    assert_string_equal(v[0].degraded, "");
    /* rate() extrapolates over the seconds between history and live
     * scrapes, and on a loaded machine the exporter answers late: allow
     * 15 % on the live values (the back-filled history below is exact) */
    SA_ASSERT_NEAR(v[0].cpu_percent, 60.0, 9.0);
    SA_ASSERT_NEAR(v[0].memory_percent, 50.0, 0.01);
    SA_ASSERT_NEAR(v[0].request_rate, 40.0, 6.0);
    assert_int_equal(v[0].current_replicas, 3);
    assert_int_equal(v[0].ready_pods, 3);
    /* back-fill: 3 h at 60 s, mostly from the promtool blocks */
    assert_true(v[0].n_history >= 150);
    for (size_t i = 1; i < v[0].n_history; i++)
        assert_int_equal(v[0].history[i].timestamp - v[0].history[i - 1].timestamp, 60);
    SA_ASSERT_NEAR(v[0].history[10].cpu_percent, 60.0, 0.5);
    assert_int_equal(v[0].history[10].replicas, 3);
    assert_false(v[0].has_hpa); /* the StatefulSet's HPA named like it is not its */
    assert_string_equal(v[1].name, "api");
    /* api's HPA: desired read; the file's bounds and CPU target stand, its
     * memory target (which the file does not give) is the HPA's */
    assert_true(v[1].has_hpa);
    assert_int_equal(v[1].hpa_desired_replicas, 3);
    assert_int_equal(v[1].max_replicas, 8);
    SA_ASSERT_NEAR(v[1].target_cpu_percent, 70, 0);
    SA_ASSERT_NEAR(v[1].hpa_target_cpu_percent, 75, 0);
    SA_ASSERT_NEAR(v[1].target_memory_percent, 90, 0);
    SA_ASSERT_NEAR(v[1].cpu_percent, 150.0, 22.5);
    assert_true(v[1].n_history >= 150);
    assert_string_equal(v[2].name, "ghost");
    assert_true(isnan(v[2].cpu_percent));
    assert_string_equal(v[2].degraded, "cpu_percent: empty result (no series matched) (+4 more)");
    contexts_free(v, n);
    /* second cycle: no back-fill again */
    assert_int_equal(s->collect(s, (int64_t)sa_now(), &v, &n, &eb), SA_OK);
    assert_int_equal(v[0].n_history, 0);
    assert_string_equal(v[0].degraded, "");
    contexts_free(v, n);
    sa_src_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults_and_overrides),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_parse_instant),
        cmocka_unit_test(test_parse_range),
        cmocka_unit_test(test_cycle_backfill_and_degraded),
        cmocka_unit_test(test_cycle_hpa),
        cmocka_unit_test(test_cycle_timeout_and_unreachable),
        cmocka_unit_test(test_reads_side_by_side),
        cmocka_unit_test(test_parsers_fail_each_allocation),
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_live_prometheus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
