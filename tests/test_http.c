/*
 * test_http.c - the HTTP layer over loopback: the real server on 127.0.0.1
 * and an ephemeral port with a fake backend (tests/support/sa_http_fixture),
 * driven by libcurl: security headers, every read route, request metrics,
 * static files and caching, traversal attempts, filters and name checks.
 * Errors, tokens, limits and concurrency: test_http_errors.c; the pure
 * target parser: test_http_parse.c.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_test.h"
#include "sa_http_fixture.h"
#include "scaleadvisor/http.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

/* ---- security headers ---- */

static void expect_security_headers(const sa_ht_resp *r)
{
    char v[2048];
    assert_true(sa_ht_header(r, "Content-Security-Policy", v, sizeof v));
    assert_non_null(strstr(v, "default-src 'self'"));
    assert_non_null(strstr(v, "script-src 'self'"));
    assert_non_null(strstr(v, "object-src 'none'"));
    assert_non_null(strstr(v, "frame-ancestors 'none'"));
    assert_null(strstr(v, "unsafe-inline"));
    assert_null(strstr(v, "unsafe-eval"));
    sa_ht_expect_header(r, "X-Content-Type-Options", "nosniff");
    sa_ht_expect_header(r, "Referrer-Policy", "no-referrer");
}

static void test_security_headers_everywhere(void **state)
{
    sa_ht_fixture *fx = *state;
    sa_ht_fake_set(&fx->f, SA_OK, true);
    const char *targets[] = {"/",       "/app.js",  "/missing.js", "/api/status", "/healthz",
                             "/readyz", "/metrics", "/api/nope",   "/%2e%2e/x"};
    for (size_t i = 0; i < SA_ARRAY_LEN(targets); i++) {
        sa_ht_resp r;
        sa_ht_get(fx, targets[i], &r);
        expect_security_headers(&r);
        sa_ht_resp_free(&r);
    }
    sa_ht_resp r;
    sa_ht_post(fx, "/api/autoscaling/pause", NULL, &r); /* 401 */
    sa_ht_expect(&r, 401, "unauthorized");
    expect_security_headers(&r);
    sa_ht_resp_free(&r);
}

/* ---- simple routes ---- */

static void test_health_ready_status(void **state)
{
    sa_ht_fixture *fx = *state;
    sa_ht_resp r;
    sa_ht_get(fx, "/healthz", &r);
    sa_ht_expect(&r, 200, NULL);
    assert_string_equal(sa_ht_body(&r), "{\"status\":\"ok\"}");
    sa_ht_expect_header(&r, "Content-Type", "application/json");
    sa_ht_expect_header(&r, "Cache-Control", "no-store");
    sa_ht_resp_free(&r);

    /* a stuck control loop fails liveness (the kubelet restarts it) */
    pthread_mutex_lock(&fx->f.mu);
    fx->f.stalled_s = 700;
    pthread_mutex_unlock(&fx->f.mu);
    sa_ht_get(fx, "/healthz", &r);
    sa_ht_expect(&r, 503, "stalled");
    assert_non_null(strstr(sa_ht_body(&r), "no progress for 700 s"));
    sa_ht_resp_free(&r);
    pthread_mutex_lock(&fx->f.mu);
    fx->f.stalled_s = 0;
    pthread_mutex_unlock(&fx->f.mu);
    sa_ht_check_get(fx, "/healthz", 200, NULL);

    sa_ht_fake_set(&fx->f, SA_OK, false);
    sa_ht_check_get(fx, "/readyz", 503, "not_ready");
    sa_ht_fake_set(&fx->f, SA_OK, true);
    sa_ht_get(fx, "/readyz", &r);
    sa_ht_expect(&r, 200, NULL);
    assert_string_equal(sa_ht_body(&r), "{\"status\":\"ready\"}");
    sa_ht_resp_free(&r);

    sa_ht_get(fx, "/api/status", &r);
    sa_ht_expect(&r, 200, NULL);
    assert_string_equal(sa_ht_body(&r),
                        "{\"mode\":\"dry-run\",\"paused\":false,\"emergency_stop\":false}");
    sa_ht_resp_free(&r);
    /* HEAD of a GET route: the status and headers, no body */
    sa_ht_req q = {.method = "HEAD", .target = "/api/status"};
    sa_ht_do(fx->port, &q, &r);
    sa_ht_expect(&r, 200, NULL);
    assert_int_equal(r.body.len, 0);
    sa_ht_resp_free(&r);
    /* no query parameters on these */
    sa_ht_check_get(fx, "/healthz?x=1", 400, "bad_request");
}

static void test_metrics_endpoint(void **state)
{
    sa_ht_fixture *fx = *state;
    for (int i = 0; i < 3; i++)
        sa_ht_check_get(fx, "/healthz", 200, NULL);
    sa_ht_check_get(fx, "/api/nope", 404, "not_found");
    sa_ht_resp r;
    sa_ht_get(fx, "/metrics", &r);
    sa_ht_expect(&r, 200, NULL);
    sa_ht_expect_header(&r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    const char *t = sa_ht_body(&r);
    assert_non_null(strstr(t, "# HELP scaleadvisor_http_requests_total "));
    assert_non_null(strstr(t, "# TYPE scaleadvisor_http_requests_total counter\n"));
    assert_non_null(strstr(
        t, "scaleadvisor_http_requests_total{route=\"/healthz\",method=\"GET\",code=\"200\"} 3\n"));
    assert_non_null(strstr(
        t,
        "scaleadvisor_http_requests_total{route=\"unmatched\",method=\"GET\",code=\"404\"} 1\n"));
    assert_non_null(strstr(t, "# TYPE scaleadvisor_http_request_duration_seconds histogram\n"));
    assert_non_null(strstr(t,
                           "scaleadvisor_http_request_duration_seconds_bucket{route=\"/healthz\","
                           "le=\"+Inf\"} 3\n"));
    assert_non_null(
        strstr(t, "scaleadvisor_http_request_duration_seconds_count{route=\"/healthz\"} 3\n"));
    /* the backend's own metrics follow */
    assert_non_null(strstr(t, "# TYPE fake_cycles_total counter\nfake_cycles_total 7\n"));
    /* every line is a comment or "name{...} value" */
    for (const char *p = t; *p;) {
        const char *eol = strchr(p, '\n');
        assert_non_null(eol);
        assert_true(p[0] == '#' || (p[0] >= 'a' && p[0] <= 'z'));
        p = eol + 1;
    }
    sa_ht_resp_free(&r);
}

/* ---- static files ---- */

static void test_static_files(void **state)
{
    sa_ht_fixture *fx = *state;
    static const struct {
        const char *target, *type, *content;
    } ok[] = {
        {"/", "text/html; charset=utf-8", "<!DOCTYPE html><title>scaleadvisor</title>"},
        {"/index.html", "text/html; charset=utf-8", "<!DOCTYPE html><title>scaleadvisor</title>"},
        {"/app.js", "text/javascript; charset=utf-8", "console.log('app');\n"},
        {"/style.css", "text/css; charset=utf-8", "body{color:#111}\n"},
        {"/logo.svg", "image/svg+xml", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"},
        {"/img.png", "image/png", "\x89PNG fake"},
        {"/data.json", "application/json", "{\"a\":1}"},
        {"/sub/x.js", "text/javascript; charset=utf-8", "nested"},
        {"/app.js?v=123", "text/javascript; charset=utf-8", "console.log('app');\n"},
    };
    char etag[256], lm[256];
    for (size_t i = 0; i < SA_ARRAY_LEN(ok); i++) {
        sa_ht_resp r;
        sa_ht_get(fx, ok[i].target, &r);
        sa_ht_expect(&r, 200, NULL);
        sa_ht_expect_header(&r, "Content-Type", ok[i].type);
        sa_ht_expect_header(&r, "Cache-Control", "no-cache");
        assert_string_equal(sa_ht_body(&r), ok[i].content);
        assert_true(sa_ht_header(&r, "ETag", etag, sizeof etag));
        assert_true(etag[0] == '"');
        assert_true(sa_ht_header(&r, "Last-Modified", lm, sizeof lm));
        assert_non_null(strstr(lm, " GMT"));
        sa_ht_resp_free(&r);
    }
    /* revalidation: the ETag of app.js gives 304 without a body */
    sa_ht_resp r;
    sa_ht_get(fx, "/app.js", &r);
    assert_true(sa_ht_header(&r, "ETag", etag, sizeof etag));
    sa_ht_resp_free(&r);
    char inm[300];
    snprintf(inm, sizeof inm, "If-None-Match: \"other\", %s", etag);
    sa_ht_req q = {.target = "/app.js", .extra = inm};
    sa_ht_do(fx->port, &q, &r);
    sa_ht_expect(&r, 304, NULL);
    assert_int_equal(r.body.len, 0);
    sa_ht_expect_header(&r, "ETag", etag);
    sa_ht_resp_free(&r);
    q.extra = "If-None-Match: \"stale\"";
    sa_ht_do(fx->port, &q, &r);
    sa_ht_expect(&r, 200, NULL);
    sa_ht_resp_free(&r);
    /* HEAD: headers only */
    sa_ht_req hq = {.method = "HEAD", .target = "/style.css"};
    sa_ht_do(fx->port, &hq, &r);
    sa_ht_expect(&r, 200, NULL);
    sa_ht_expect_header(&r, "Content-Type", "text/css; charset=utf-8");
    assert_int_equal(r.body.len, 0);
    sa_ht_resp_free(&r);
    /* not served: missing, unknown type, hidden, directory, symlink out */
    const char *missing[] = {"/missing.js", "/notes.md", "/.hidden.js",     "/sub",
                             "/escape.js",  "/index",    "/sub/missing.css"};
    for (size_t i = 0; i < SA_ARRAY_LEN(missing); i++)
        sa_ht_check_get(fx, missing[i], 404, "not_found");
}

static void test_traversal_refused(void **state)
{
    sa_ht_fixture *fx = *state;
    const char *bad[] = {
        "/../outside/secret.js",
        "/sub/../../outside/secret.js",
        "/%2e%2e/outside/secret.js",
        "/%2E%2E%2Foutside%2Fsecret.js",
        "/sub/..%2f..%2foutside",
        "/.%2e/outside/secret.js",
        "/..%5coutside%5csecret.js",
        "/app.js%00.png",
        "/%00",
        "//etc/passwd",
        "/sub/./x.js",
        "/./index.html",
        "/sub//x.js",
        "/app%2ejs",
        "/%zz",
        "/a%2",
        "/app.js#frag",
        "/\\..\\outside",
    };
    for (size_t i = 0; i < SA_ARRAY_LEN(bad); i++) {
        sa_ht_resp r;
        sa_ht_get(fx, bad[i], &r);
        if (r.status != 400)
            fail_msg("%s: status %ld, body %s", bad[i], r.status, sa_ht_body(&r));
        sa_ht_expect(&r, 400, "bad_request");
        assert_null(strstr(sa_ht_body(&r), "SECRET"));
        sa_ht_resp_free(&r);
    }
    /* absolute-form and asterisk targets are not paths */
    const char *odd[] = {"http://127.0.0.1/outside/secret.js", "*"};
    for (size_t i = 0; i < SA_ARRAY_LEN(odd); i++) {
        sa_ht_resp r;
        sa_ht_get(fx, odd[i], &r);
        assert_true(r.status >= 400 && r.status < 500);
        assert_null(strstr(sa_ht_body(&r), "SECRET"));
        sa_ht_resp_free(&r);
    }
}

/* ---- recommendations ---- */

static void test_recommendations(void **state)
{
    sa_ht_fixture *fx = *state;
    sa_ht_resp r;
    sa_ht_get(fx, "/api/autoscaling/recommendations", &r);
    sa_ht_expect(&r, 200, NULL);
    sa_ht_expect_header(&r, "Content-Type", "application/json");
    sa_ht_expect_header(&r, "Cache-Control", "no-store");
    assert_int_equal(strncmp(sa_ht_body(&r), "{\"recommendations\":[{", 21), 0);
    assert_non_null(strstr(sa_ht_body(&r), "\"namespace\":\"ops\""));
    assert_string_equal(fx->f.last_ns, "(null)");
    sa_ht_resp_free(&r);

    sa_ht_get(fx, "/api/autoscaling/recommendations?namespace=shop", &r);
    sa_ht_expect(&r, 200, NULL);
    assert_non_null(strstr(sa_ht_body(&r), "\"namespace\":\"shop\""));
    assert_null(strstr(sa_ht_body(&r), "\"namespace\":\"ops\""));
    assert_string_equal(fx->f.last_ns, "shop");
    assert_string_equal(fx->f.last_name, "(null)");
    sa_ht_resp_free(&r);

    sa_ht_get(fx, "/api/autoscaling/recommendations?deployment=api&namespace=shop", &r);
    sa_ht_expect(&r, 200, NULL);
    assert_string_equal(sa_ht_body(&r),
                        "{\"recommendations\":[{\"deployment\":\"api\",\"namespace\":\"shop\","
                        "\"current_replicas\":2,\"decision\":{\"source\":\"rule\","
                        "\"verdict\":\"accepted\"}}]}");
    sa_ht_resp_free(&r);
    /* empty filter = no filter; nothing matching = empty list */
    sa_ht_get(fx, "/api/autoscaling/recommendations?namespace=", &r);
    sa_ht_expect(&r, 200, NULL);
    assert_string_equal(fx->f.last_ns, "(null)");
    sa_ht_resp_free(&r);
    sa_ht_get(fx, "/api/autoscaling/recommendations?namespace=nothing-here", &r);
    sa_ht_expect(&r, 200, NULL);
    assert_string_equal(sa_ht_body(&r), "{\"recommendations\":[]}");
    sa_ht_resp_free(&r);

    int before = sa_ht_fake_calls(&fx->f, NULL);
    sa_ht_check_get(fx, "/api/autoscaling/recommendations?namespace=Shop", 400, "bad_request");
    sa_ht_check_get(fx, "/api/autoscaling/recommendations?namespace=shop_x", 400, "bad_request");
    sa_ht_check_get(fx, "/api/autoscaling/recommendations?namespace=-shop", 400, "bad_request");
    sa_ht_check_get(fx, "/api/autoscaling/recommendations?deployment=web.", 400, "bad_request");
    sa_ht_check_get(fx, "/api/autoscaling/recommendations?deployment=%3Cscript%3E", 400,
                    "bad_request");
    sa_ht_check_get(fx, "/api/autoscaling/recommendations?deploymnt=web", 400, "bad_request");
    sa_ht_check_get(fx, "/api/autoscaling/recommendations?namespace=a&namespace=b", 400,
                    "bad_request");
    assert_int_equal(sa_ht_fake_calls(&fx->f, NULL), before); /* never reached the backend */
}

static void test_recommendation_by_server(void **state)
{
    sa_ht_fixture *fx = *state;
    sa_ht_resp r;
    sa_ht_get(fx, "/api/autoscaling/recommendations/default?deployment=api&namespace=shop", &r);
    sa_ht_expect(&r, 200, NULL);
    assert_string_equal(sa_ht_body(&r), "{\"deployment\":\"api\",\"namespace\":\"shop\","
                                        "\"current_replicas\":2,\"decision\":{\"source\":\"rule\","
                                        "\"verdict\":\"accepted\"}}");
    sa_ht_resp_free(&r);
    /* name alone is enough when it is unique */
    sa_ht_get(fx, "/api/autoscaling/recommendations/default?deployment=api", &r);
    sa_ht_expect(&r, 200, NULL);
    assert_non_null(strstr(sa_ht_body(&r), "\"deployment\":\"api\""));
    sa_ht_resp_free(&r);
    /* ambiguous, unknown deployment, unknown server */
    sa_ht_check_get(fx, "/api/autoscaling/recommendations/default?deployment=web", 400,
                    "bad_request");
    sa_ht_check_get(fx, "/api/autoscaling/recommendations/default?deployment=nope&namespace=shop",
                    404, "not_found");
    sa_ht_check_get(fx, "/api/autoscaling/recommendations/default?deployment=web&namespace=other",
                    404, "not_found");
    sa_ht_check_get(fx, "/api/autoscaling/recommendations/prod?deployment=web&namespace=shop", 404,
                    "not_found");
    /* the object comes back byte for byte as the service wrote it */
    sa_ht_get(fx, "/api/autoscaling/recommendations/default?deployment=web&namespace=ops", &r);
    sa_ht_expect(&r, 200, NULL);
    assert_string_equal(sa_ht_body(&r),
                        "{\"deployment\":\"web\",\"namespace\":\"ops\","
                        "\"current_replicas\":1,\"decision\":{\"source\":\"rule\","
                        "\"verdict\":\"accepted\"},\"reasoning\":\"\\u003cb\\u003e [x], "
                        "{y} \\\"q\\\"\",\"confidence\":0.85}");
    sa_ht_resp_free(&r);
    /* without a deployment: the list of that cluster */
    sa_ht_get(fx, "/api/autoscaling/recommendations/default?namespace=ops", &r);
    sa_ht_expect(&r, 200, NULL);
    assert_int_equal(strncmp(sa_ht_body(&r), "{\"recommendations\":[{\"deployment\":\"web\",", 40),
                     0);
    sa_ht_resp_free(&r);
}

static void test_history(void **state)
{
    sa_ht_fixture *fx = *state;
    sa_ht_resp r;
    sa_ht_get(fx, "/api/autoscaling/deployments/shop/web/history", &r);
    sa_ht_expect(&r, 200, NULL);
    assert_string_equal(sa_ht_body(&r),
                        "{\"deployment\":\"web\",\"namespace\":\"shop\",\"samples\":[],"
                        "\"forecast\":[],\"decisions\":[]}");
    assert_int_equal(fx->f.last_since, 0);
    assert_int_equal(fx->f.last_limit, 1000);
    sa_ht_resp_free(&r);
    sa_ht_check_get(fx, "/api/autoscaling/deployments/shop/web/history?since=1700000000&limit=5",
                    200, NULL);
    assert_int_equal(fx->f.last_since, 1700000000);
    assert_int_equal(fx->f.last_limit, 5);
    sa_ht_check_get(fx, "/api/autoscaling/deployments/shop/web/history?since=2023-11-14T22:13:20Z",
                    200, NULL);
    assert_int_equal(fx->f.last_since, 1700000000);
    sa_ht_check_get(fx, "/api/autoscaling/deployments/shop/web/history?since=yesterday", 400,
                    "bad_request");
    sa_ht_check_get(fx, "/api/autoscaling/deployments/shop/web/history?since=-5", 400,
                    "bad_request");
    sa_ht_check_get(fx, "/api/autoscaling/deployments/shop/web/history?limit=0", 400,
                    "bad_request");
    sa_ht_check_get(fx, "/api/autoscaling/deployments/shop/web/history?limit=10001", 400,
                    "bad_request");
    sa_ht_check_get(fx, "/api/autoscaling/deployments/shop/web/history?limit=5x", 400,
                    "bad_request");
    sa_ht_check_get(fx, "/api/autoscaling/deployments/shop/web/history?page=2", 400, "bad_request");
    sa_ht_check_get(fx, "/api/autoscaling/deployments/shop/nope/history", 404, "not_found");
    sa_ht_check_get(fx, "/api/autoscaling/deployments/SHOP/web/history", 400, "bad_request");
    sa_ht_check_get(fx, "/api/autoscaling/deployments/shop/we_b/history", 400, "bad_request");
    char longns[128];
    memset(longns, 'a', 64);
    longns[64] = '\0';
    char target[256];
    snprintf(target, sizeof target, "/api/autoscaling/deployments/%s/web/history", longns);
    sa_ht_check_get(fx, target, 400, "bad_request");
    sa_ht_check_get(fx, "/api/autoscaling/deployments/shop/web/other", 404, "not_found");
}

/* Answers keep the connection open: a second request reuses it. */
static void test_keep_alive(void **state)
{
    sa_ht_fixture *fx = *state;
    CURL *c = curl_easy_init();
    assert_non_null(c);
    const char *paths[] = {"/healthz", "/api/status", "/app.js", "/api/nope", "/healthz"};
    for (size_t i = 0; i < SA_ARRAY_LEN(paths); i++) {
        char url[128];
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", fx->port, paths[i]);
        sa_buf b;
        sa_buf_init(&b, 1u << 16);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sa_ht_on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        assert_int_equal(curl_easy_perform(c), CURLE_OK);
        long connects = -1;
        assert_int_equal(curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects), CURLE_OK);
        assert_int_equal(connects, i == 0 ? 1 : 0);
        sa_buf_release(&b);
    }
    curl_easy_cleanup(c);
}

int main(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keep_alive, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_security_headers_everywhere, sa_ht_setup,
                                        sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_health_ready_status, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_metrics_endpoint, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_static_files, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_traversal_refused, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_recommendations, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_recommendation_by_server, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_history, sa_ht_setup, sa_ht_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
