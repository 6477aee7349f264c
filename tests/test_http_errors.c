/*
 * test_http_errors.c - the HTTP layer's refusals and limits over loopback:
 * the token on every mutating endpoint (missing, wrong, right, none
 * configured), 405/413/414/415/431/500/503/409, connection limit and idle
 * timeout, concurrent clients, creation errors, a shared metrics registry.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "sa_test.h"
#include "sa_http_fixture.h"
#include "http/http_int.h"
#include "scaleadvisor/http.h"
#include "scaleadvisor/metrics.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

/* ---- tokens and mutating endpoints ---- */

static void test_token_checks(void **state)
{
    sa_ht_fixture *fx = *state;
    const char *ep = "/api/autoscaling/deployments/shop/web/evaluate";
    int ev0 = 0, ev = 0;
    sa_ht_fake_calls(&fx->f, &ev0);
    sa_ht_resp r;
    sa_ht_post(fx, ep, NULL, &r);
    sa_ht_expect(&r, 401, "unauthorized");
    sa_ht_expect_header(&r, "WWW-Authenticate", "Bearer realm=\"scaleadvisor\"");
    sa_ht_resp_free(&r);
    sa_ht_post(fx, ep, "Bearer wrong-token", &r);
    sa_ht_expect(&r, 401, "unauthorized");
    sa_ht_expect_header(&r, "WWW-Authenticate",
                        "Bearer realm=\"scaleadvisor\", error=\"invalid_token\"");
    assert_null(strstr(sa_ht_body(&r), "wrong-token"));
    assert_null(strstr(sa_ht_body(&r), SA_HT_TOKEN));
    assert_null(strstr(r.head.data, SA_HT_TOKEN));
    sa_ht_resp_free(&r);
    sa_ht_post(fx, ep, "Bearer " SA_HT_TOKEN "x", &r); /* a longer token is not a match */
    sa_ht_expect(&r, 401, "unauthorized");
    sa_ht_resp_free(&r);
    sa_ht_post(fx, ep, "Basic " SA_HT_TOKEN, &r);
    sa_ht_expect(&r, 401, "unauthorized");
    sa_ht_resp_free(&r);
    sa_ht_post(fx, ep, "Bearer ", &r);
    sa_ht_expect(&r, 401, "unauthorized");
    sa_ht_resp_free(&r);
    sa_ht_fake_calls(&fx->f, &ev);
    assert_int_equal(ev, ev0); /* refused requests never reach the backend */

    sa_ht_post(fx, ep, "Bearer " SA_HT_TOKEN, &r);
    sa_ht_expect(&r, 200, NULL);
    assert_string_equal(sa_ht_body(&r), "{\"deployment\":\"web\",\"namespace\":\"shop\","
                                        "\"current_replicas\":3,\"decision\":{\"source\":\"rule\","
                                        "\"verdict\":\"accepted\"}}");
    sa_ht_resp_free(&r);
    sa_ht_post(fx, "/api/autoscaling/deployments/shop/ghost/evaluate", "bearer " SA_HT_TOKEN, &r);
    sa_ht_expect(&r, 404, "not_found");
    sa_ht_resp_free(&r);
    sa_ht_post(fx, "/api/autoscaling/deployments/Shop/web/evaluate", "Bearer " SA_HT_TOKEN, &r);
    sa_ht_expect(&r, 400, "bad_request");
    sa_ht_resp_free(&r);
}

static void test_pause_resume_stop(void **state)
{
    sa_ht_fixture *fx = *state;
    sa_ht_resp r;
    sa_ht_post(fx, "/api/autoscaling/pause", "Bearer " SA_HT_TOKEN, &r);
    sa_ht_expect(&r, 200, NULL);
    assert_string_equal(sa_ht_body(&r),
                        "{\"mode\":\"dry-run\",\"paused\":true,\"emergency_stop\":false}");
    sa_ht_resp_free(&r);
    sa_ht_post(fx, "/api/autoscaling/resume", "Bearer " SA_HT_TOKEN, &r);
    sa_ht_expect(&r, 200, NULL);
    assert_string_equal(sa_ht_body(&r),
                        "{\"mode\":\"dry-run\",\"paused\":false,\"emergency_stop\":false}");
    sa_ht_resp_free(&r);
    sa_ht_req q = {.method = "POST",
                   .target = "/api/autoscaling/stop",
                   .auth = "Bearer " SA_HT_TOKEN,
                   .content_type = "application/json",
                   .body = "{\"reason\":\"incident 42\"}"};
    sa_ht_do(fx->port, &q, &r);
    sa_ht_expect(&r, 200, NULL);
    assert_string_equal(sa_ht_body(&r),
                        "{\"mode\":\"dry-run\",\"paused\":true,\"emergency_stop\":true}");
    sa_ht_resp_free(&r);
    /* without the token nothing changes */
    sa_ht_post(fx, "/api/autoscaling/resume", NULL, &r);
    sa_ht_expect(&r, 401, "unauthorized");
    sa_ht_resp_free(&r);
    assert_true(fx->f.paused && fx->f.stopped);
    /* body rules */
    q.body = "{\"other\":1}";
    sa_ht_do(fx->port, &q, &r);
    sa_ht_expect(&r, 400, "bad_request");
    sa_ht_resp_free(&r);
    q.body = "{\"reason\":";
    sa_ht_do(fx->port, &q, &r);
    sa_ht_expect(&r, 400, "bad_request");
    sa_ht_resp_free(&r);
    q.body = "[1]";
    sa_ht_do(fx->port, &q, &r);
    sa_ht_expect(&r, 400, "bad_request");
    sa_ht_resp_free(&r);
    q.body = "{\"reason\":\"x\"}";
    q.content_type = "text/plain";
    sa_ht_do(fx->port, &q, &r);
    sa_ht_expect(&r, 415, "unsupported_media_type");
    sa_ht_resp_free(&r);
    q.content_type = NULL;
    sa_ht_do(fx->port, &q, &r);
    sa_ht_expect(&r, 415, "unsupported_media_type");
    sa_ht_resp_free(&r);
    q.content_type = "application/json; charset=utf-8";
    sa_ht_do(fx->port, &q, &r);
    sa_ht_expect(&r, 200, NULL);
    sa_ht_resp_free(&r);
}

static void test_no_token_configured(void **state)
{
    sa_ht_fixture *fx = *state;
    sa_http_destroy(fx->h);
    fx->h = NULL;
    sa_ht_start(fx, ""); /* "" = no token */
    const char *eps[] = {"/api/autoscaling/pause", "/api/autoscaling/resume",
                         "/api/autoscaling/stop", "/api/autoscaling/deployments/shop/web/evaluate"};
    for (size_t i = 0; i < SA_ARRAY_LEN(eps); i++) {
        sa_ht_resp r;
        sa_ht_post(fx, eps[i], "Bearer ", &r);
        sa_ht_expect(&r, 401, "unauthorized");
        assert_non_null(strstr(sa_ht_body(&r), "SCALEADVISOR_API_TOKEN"));
        sa_ht_expect_header(&r, "WWW-Authenticate", "Bearer realm=\"scaleadvisor\"");
        sa_ht_resp_free(&r);
        sa_ht_post(fx, eps[i], "Bearer anything", &r);
        sa_ht_expect(&r, 401, "unauthorized");
        sa_ht_resp_free(&r);
    }
    assert_false(fx->f.paused);
    /* reads still work */
    sa_ht_check_get(fx, "/api/status", 200, NULL);
}

/* ---- error statuses and limits ---- */

static void test_method_not_allowed(void **state)
{
    sa_ht_fixture *fx = *state;
    sa_ht_resp r;
    sa_ht_get(fx, "/api/autoscaling/pause", &r);
    sa_ht_expect(&r, 405, "method_not_allowed");
    sa_ht_expect_header(&r, "Allow", "POST");
    sa_ht_resp_free(&r);
    sa_ht_post(fx, "/healthz", "Bearer " SA_HT_TOKEN, &r);
    sa_ht_expect(&r, 405, "method_not_allowed");
    sa_ht_expect_header(&r, "Allow", "GET, HEAD");
    sa_ht_resp_free(&r);
    const char *methods[] = {"DELETE", "PUT", "OPTIONS", "PATCH"};
    for (size_t i = 0; i < SA_ARRAY_LEN(methods); i++) {
        sa_ht_req q = {.method = methods[i], .target = "/api/autoscaling/recommendations"};
        sa_ht_do(fx->port, &q, &r);
        sa_ht_expect(&r, 405, "method_not_allowed");
        sa_ht_expect_header(&r, "Allow", "GET, HEAD");
        sa_ht_resp_free(&r);
    }
    sa_ht_req q = {.method = "DELETE", .target = "/api/autoscaling/deployments/shop/web/evaluate"};
    sa_ht_do(fx->port, &q, &r);
    sa_ht_expect(&r, 405, "method_not_allowed");
    sa_ht_expect_header(&r, "Allow", "POST");
    sa_ht_resp_free(&r);
    /* a body on a method that takes none is never read: answered at once */
    size_t n = 4 * SA_CAP_HTTP_BODY;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'x', n);
    big[n] = '\0';
    sa_ht_req qb = {.method = "PUT", .target = "/api/autoscaling/recommendations", .body = big};
    sa_ht_do(fx->port, &qb, &r);
    sa_ht_expect(&r, 405, "method_not_allowed");
    sa_ht_resp_free(&r);
    qb.method = "GET";
    qb.target = "/healthz";
    sa_ht_do(fx->port, &qb, &r);
    sa_ht_expect(&r, 200, NULL);
    sa_ht_resp_free(&r);
    free(big);
    /* an unknown API path is 404 whatever the method */
    sa_ht_req q2 = {.method = "DELETE", .target = "/api/autoscaling/whatever"};
    sa_ht_do(fx->port, &q2, &r);
    sa_ht_expect(&r, 404, "not_found");
    sa_ht_resp_free(&r);
}

static void test_body_limits(void **state)
{
    sa_ht_fixture *fx = *state;
    size_t n = SA_CAP_HTTP_BODY + 1;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    big[n] = '\0';
    int ev0 = 0, ev = 0;
    sa_ht_fake_calls(&fx->f, &ev0);
    sa_ht_resp r;
    sa_ht_req q = {.method = "POST",
                   .target = "/api/autoscaling/deployments/shop/web/evaluate",
                   .auth = "Bearer " SA_HT_TOKEN,
                   .content_type = "application/json",
                   .body = big,
                   .body_len = n};
    sa_ht_do(fx->port, &q, &r);
    sa_ht_expect(&r, 413, "payload_too_large");
    sa_ht_resp_free(&r);
    /* the same size, chunked (no Content-Length): read, dropped, 413 */
    sa_ht_req qc = {.method = "POST",
                    .target = "/api/autoscaling/deployments/shop/web/evaluate",
                    .auth = "Bearer " SA_HT_TOKEN,
                    .content_type = "application/json",
                    .chunked_bytes = n};
    sa_ht_do(fx->port, &qc, &r);
    sa_ht_expect(&r, 413, "payload_too_large");
    sa_ht_resp_free(&r);
    sa_ht_fake_calls(&fx->f, &ev);
    assert_int_equal(ev, ev0);
    /* exactly at the cap is accepted */
    q.body_len = SA_CAP_HTTP_BODY;
    big[SA_CAP_HTTP_BODY - 1] = '}';
    sa_ht_do(fx->port, &q, &r);
    sa_ht_expect(&r, 200, NULL);
    sa_ht_resp_free(&r);
    free(big);
}

static void test_uri_and_header_limits(void **state)
{
    sa_ht_fixture *fx = *state;
    size_t n = SA_HTTP_MAX_URL + 1;
    char *t = malloc(n + 1);
    assert_non_null(t);
    memcpy(t, "/api/autoscaling/recommendations?namespace=", 43);
    memset(t + 43, 'a', n - 43);
    t[n] = '\0';
    sa_ht_check_get(fx, t, 414, "uri_too_long");
    /* exactly at the limit is parsed (and refused for its content) */
    t[SA_HTTP_MAX_URL] = '\0';
    sa_ht_check_get(fx, t, 400, "bad_request");
    free(t);
    /* far past libmicrohttpd's own buffer: still refused, not served */
    size_t huge = 100000;
    t = malloc(huge + 2);
    assert_non_null(t);
    t[0] = '/';
    memset(t + 1, 'b', huge);
    t[huge + 1] = '\0';
    sa_ht_resp r;
    sa_ht_get(fx, t, &r);
    assert_int_equal(r.status, 414);
    sa_ht_resp_free(&r);
    free(t);
    /* headers */
    char *h = malloc(SA_HTTP_MAX_HEADERS + 64);
    assert_non_null(h);
    int k = snprintf(h, 64, "X-Big: ");
    memset(h + k, 'h', SA_HTTP_MAX_HEADERS);
    h[k + SA_HTTP_MAX_HEADERS] = '\0';
    sa_ht_req q = {.target = "/healthz", .extra = h};
    sa_ht_do(fx->port, &q, &r);
    sa_ht_expect(&r, 431, "headers_too_large");
    sa_ht_resp_free(&r);
    free(h);
}

static void test_backend_failures(void **state)
{
    sa_ht_fixture *fx = *state;
    sa_ht_fake_set(&fx->f, SA_ERR_INTERNAL, true);
    sa_ht_check_get(fx, "/api/autoscaling/recommendations", 500, "internal");
    sa_ht_check_get(fx, "/api/status", 500, "internal");
    sa_ht_check_get(fx, "/api/autoscaling/deployments/shop/web/history", 500, "internal");
    sa_ht_fake_set(&fx->f, SA_ERR_UNAVAILABLE, true);
    sa_ht_check_get(fx, "/api/autoscaling/recommendations", 503, "unavailable");
    sa_ht_resp r;
    sa_ht_post(fx, "/api/autoscaling/deployments/shop/web/evaluate", "Bearer " SA_HT_TOKEN, &r);
    sa_ht_expect(&r, 503, "unavailable");
    sa_ht_resp_free(&r);
    sa_ht_fake_set(&fx->f, SA_ERR_CONFLICT, true);
    sa_ht_post(fx, "/api/autoscaling/pause", "Bearer " SA_HT_TOKEN, &r);
    sa_ht_expect(&r, 409, "conflict");
    sa_ht_resp_free(&r);
    sa_ht_fake_set(&fx->f, SA_ERR_DB, true);
    sa_ht_post(fx, "/api/autoscaling/deployments/shop/web/evaluate", "Bearer " SA_HT_TOKEN, &r);
    sa_ht_expect(&r, 500, "internal");
    assert_null(strstr(sa_ht_body(&r), "injected")); /* internals stay in the log */
    sa_ht_resp_free(&r);
    /* a service that says "no such deployment" for a filter */
    sa_ht_fake_set(&fx->f, SA_ERR_NOTFOUND, true);
    sa_ht_get(fx, "/api/autoscaling/recommendations?namespace=zzz", &r);
    sa_ht_expect(&r, 200, NULL);
    assert_string_equal(sa_ht_body(&r), "{\"recommendations\":[]}");
    sa_ht_resp_free(&r);
    sa_ht_check_get(fx, "/api/autoscaling/recommendations/default?deployment=web&namespace=zzz",
                    404, "not_found");
    sa_ht_fake_set(&fx->f, SA_OK, true);
    sa_ht_check_get(fx, "/api/status", 200, NULL);
}

static void test_backend_without_callbacks(void **state)
{
    sa_ht_fixture *fx = *state;
    sa_http_destroy(fx->h);
    sa_http_options o = {.host = "127.0.0.1", .web_dir = fx->web, .api_token = SA_HT_TOKEN};
    sa_http_backend be = {0};
    sa_errbuf eb = {0};
    assert_int_equal(sa_http_create(&o, &be, &fx->h, &eb), SA_OK);
    fx->port = sa_http_port(fx->h);
    sa_ht_check_get(fx, "/api/autoscaling/recommendations", 503, "unavailable");
    sa_ht_check_get(fx, "/readyz", 503, "not_ready");
    sa_ht_check_get(fx, "/healthz", 200, NULL);
    sa_ht_check_get(fx, "/metrics", 200, NULL);
}

/* ---- concurrency ---- */

#define CLIENTS 4
#define PER_CLIENT 20

typedef struct {
    int port;
    int failures;
} client_ctx;

static void *client(void *arg)
{
    client_ctx *cx = arg;
    const char *targets[] = {"/healthz", "/api/autoscaling/recommendations?namespace=shop",
                             "/app.js", "/api/autoscaling/deployments/ops/web/history"};
    CURL *c = curl_easy_init();
    if (!c) {
        cx->failures = PER_CLIENT;
        return NULL;
    }
    for (int i = 0; i < PER_CLIENT; i++) {
        char url[256];
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", cx->port, targets[i % 4]);
        sa_buf b;
        sa_buf_init(&b, 1u << 16);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sa_ht_on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        long status = 0;
        if (curl_easy_perform(c) != CURLE_OK ||
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200 ||
            b.len == 0)
            cx->failures++;
        sa_buf_release(&b);
    }
    curl_easy_cleanup(c);
    return NULL;
}

static void test_concurrent_clients(void **state)
{
    sa_ht_fixture *fx = *state;
    pthread_t t[CLIENTS];
    client_ctx cx[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        cx[i] = (client_ctx){fx->port, 0};
        assert_int_equal(pthread_create(&t[i], NULL, client, &cx[i]), 0);
    }
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(cx[i].failures, 0);
    }
    /* every request was counted once */
    sa_ht_resp r;
    sa_ht_get(fx, "/metrics", &r);
    char want[256];
    snprintf(
        want, sizeof want,
        "scaleadvisor_http_requests_total{route=\"/healthz\",method=\"GET\",code=\"200\"} %d\n",
        CLIENTS * PER_CLIENT / 4);
    assert_non_null(strstr(sa_ht_body(&r), want));
    snprintf(want, sizeof want,
             "scaleadvisor_http_requests_total{route=\"static\",method=\"GET\",code=\"200\"} %d\n",
             CLIENTS * PER_CLIENT / 4);
    assert_non_null(strstr(sa_ht_body(&r), want));
    sa_ht_resp_free(&r);
}

/* ---- connection limit and idle timeout ---- */

/* An idle TCP connection to the server (nothing sent). */
static int raw_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {.tv_sec = 10};
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    return fd;
}

static void test_idle_timeout_and_connection_limit(void **state)
{
    sa_ht_fixture *fx = *state;
    sa_http_destroy(fx->h);
    sa_http_options o = {.host = "127.0.0.1",
                         .web_dir = fx->web,
                         .api_token = SA_HT_TOKEN,
                         .max_connections = 2,
                         .timeout_s = 3};
    sa_http_backend be = sa_ht_fake_backend(&fx->f);
    sa_errbuf eb = {0};
    assert_int_equal(sa_http_create(&o, &be, &fx->h, &eb), SA_OK);
    fx->port = sa_http_port(fx->h);
    /* two idle clients fill the server */
    int a = raw_connect(fx->port), b = raw_connect(fx->port);
    /* a third is closed at once, without an answer */
    int c = raw_connect(fx->port);
    const char rq[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    (void)send(c, rq, sizeof rq - 1, MSG_NOSIGNAL);
    char buf[512];
    ssize_t n = recv(c, buf, sizeof buf, 0);
    assert_true(n <= 0);
    close(c);
    /* the idle ones are dropped by the 3 s timeout (recv waits up to 10 s) */
    assert_true(recv(a, buf, sizeof buf, 0) <= 0);
    assert_true(recv(b, buf, sizeof buf, 0) <= 0);
    close(a);
    close(b);
    /* and the server answers again (the slots free up as the threads end) */
    bool served = false;
    for (int i = 0; i < 50 && !served; i++) {
        int d = raw_connect(fx->port);
        (void)send(d, rq, sizeof rq - 1, MSG_NOSIGNAL);
        n = recv(d, buf, sizeof buf - 1, 0);
        served = n > 12 && strncmp(buf, "HTTP/1.1 200", 12) == 0;
        close(d);
        if (!served)
            usleep(100 * 1000);
    }
    assert_true(served);
}

/* ---- creation ---- */

static void test_create_errors(void **state)
{
    sa_ht_fixture *fx = *state;
    sa_http_backend be = sa_ht_fake_backend(&fx->f);
    sa_errbuf eb = {0};
    sa_http *h = NULL;
    sa_http_options o = {.host = "not-an-ip", .web_dir = fx->web};
    assert_int_equal(sa_http_create(&o, &be, &h, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, "not-an-ip"));
    assert_null(h);
    o.host = "127.0.0.1";
    o.port = 70000;
    assert_int_equal(sa_http_create(&o, &be, &h, &eb), SA_ERR_INVALID);
    o.port = fx->port; /* taken by the fixture's server */
    assert_int_equal(sa_http_create(&o, &be, &h, &eb), SA_ERR_IO);
    assert_null(h);
    o.port = 0;
    o.max_connections = -1;
    assert_int_equal(sa_http_create(&o, &be, &h, &eb), SA_ERR_INVALID);
    /* a missing web dir: the API works, files answer 404 */
    sa_http_options o2 = {.host = "::1", .web_dir = "/nonexistent/web", .api_token = SA_HT_TOKEN};
    sa_err e = sa_http_create(&o2, &be, &h, &eb);
    if (e == SA_OK) { /* IPv6 loopback may be absent in some sandboxes */
        sa_http_destroy(h);
    }
    sa_http_options o3 = {.web_dir = "/nonexistent/web", .max_connections = 8, .timeout_s = 5};
    assert_int_equal(sa_http_create(&o3, &be, &h, &eb), SA_OK);
    sa_ht_fixture tmp = {.port = sa_http_port(h)};
    sa_ht_check_get(&tmp, "/", 404, "not_found");
    sa_ht_check_get(&tmp, "/healthz", 200, NULL);
    sa_http_destroy(h);
    sa_http_destroy(NULL);
}

/* A registry passed in options receives the request metrics. */
static void test_shared_registry(void **state)
{
    sa_ht_fixture *fx = *state;
    sa_errbuf eb = {0};
    sa_metrics *m = NULL;
    assert_int_equal(sa_metrics_create(&m, &eb), SA_OK);
    sa_http_backend be = sa_ht_fake_backend(&fx->f);
    be.metrics = NULL;
    sa_http_options o = {.web_dir = fx->web, .metrics = m};
    sa_http *h = NULL;
    assert_int_equal(sa_http_create(&o, &be, &h, &eb), SA_OK);
    sa_ht_fixture tmp = {.port = sa_http_port(h)};
    sa_ht_check_get(&tmp, "/healthz", 200, NULL);
    sa_http_destroy(h); /* waits for the request to complete */
    sa_buf b;
    sa_buf_init(&b, 1u << 20);
    assert_int_equal(sa_metrics_render(m, &b), SA_OK);
    assert_non_null(strstr(
        b.data,
        "scaleadvisor_http_requests_total{route=\"/healthz\",method=\"GET\",code=\"200\"} 1\n"));
    sa_buf_release(&b);
    sa_metrics_destroy(m);
}

int main(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_token_checks, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_pause_resume_stop, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_no_token_configured, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_method_not_allowed, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_body_limits, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_uri_and_header_limits, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_backend_failures, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_backend_without_callbacks, sa_ht_setup,
                                        sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_clients, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_idle_timeout_and_connection_limit, sa_ht_setup,
                                        sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_create_errors, sa_ht_setup, sa_ht_teardown),
        cmocka_unit_test_setup_teardown(test_shared_registry, sa_ht_setup, sa_ht_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
