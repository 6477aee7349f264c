/*
 * test_fake_peer.c - the scripted test server itself: scripted answers,
 * matching, recording, delay, hang with release, connection cut.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "sa_test.h"
#include "fake_peer.h"
#include "scaleadvisor/buf.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

typedef struct {
    long status;
    CURLcode rc;
    sa_buf body;
    sa_buf headers;
} reply;

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    sa_buf *b = ud;
    return sa_buf_append(b, p, sz * n) == SA_OK ? sz * n : 0;
}

static void do_request(const char *url, const char *method, const char *body, long timeout_ms,
                       reply *r)
{
    sa_buf_init(&r->body, 8u << 20);
    sa_buf_init(&r->headers, 64u * 1024u);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    struct curl_slist *h = curl_slist_append(NULL, "X-Test: yes");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
    r->rc = curl_easy_perform(c);
    r->status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

static void reply_release(reply *r)
{
    sa_buf_release(&r->body);
    sa_buf_release(&r->headers);
}

static sa_fake_peer *start(void)
{
    sa_fake_peer *p = NULL;
    sa_errbuf eb = {0};
    assert_int_equal(sa_fake_peer_start(&p, &eb), SA_OK);
    assert_true(sa_fake_peer_port(p) > 0);
    return p;
}

static void test_scripted_and_recorded(void **state)
{
    (void)state;
    sa_fake_peer *p = start();
    sa_fake_peer_push_simple(p, 201, "X-One: 1\nContent-Type: application/json", "{\"a\":1}");
    sa_fake_peer_push_simple(p, 404, NULL, "nope");
    char url[256];
    snprintf(url, sizeof url, "%s/v1/thing?x=1", sa_fake_peer_url(p));
    reply r;
    do_request(url, "POST", "{\"hello\":true}", 5000, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body.data, "{\"a\":1}");
    assert_non_null(strstr(r.headers.data, "X-One: 1"));
    reply_release(&r);
    do_request(url, "GET", NULL, 5000, &r);
    assert_int_equal(r.status, 404);
    reply_release(&r);
    /* queue empty: 599 so the test notices */
    do_request(url, "GET", NULL, 5000, &r);
    assert_int_equal(r.status, 599);
    reply_release(&r);

    assert_int_equal(sa_fake_peer_request_count(p), 3);
    const sa_fake_request *q = sa_fake_peer_request(p, 0);
    assert_string_equal(q->method, "POST");
    assert_string_equal(q->path, "/v1/thing?x=1");
    assert_string_equal(q->body, "{\"hello\":true}");
    char v[64];
    assert_true(sa_fake_request_header(q, "x-test", v, sizeof v));
    assert_string_equal(v, "yes");
    assert_false(sa_fake_request_header(q, "authorization", v, sizeof v));
    assert_null(sa_fake_peer_request(p, 3));
    sa_fake_peer_destroy(p);
}

static void test_match_and_repeat(void **state)
{
    (void)state;
    sa_fake_peer *p = start();
    sa_fake_response a;
    sa_fake_response_init(&a);
    a.path_prefix = "/apis";
    a.body = "apis";
    a.times = -1;
    sa_fake_peer_push(p, &a);
    sa_fake_response b;
    sa_fake_response_init(&b);
    b.method = "PATCH";
    b.body = "patched";
    sa_fake_peer_push(p, &b);
    char url[256];
    reply r;
    snprintf(url, sizeof url, "%s/other", sa_fake_peer_url(p));
    do_request(url, "PATCH", "x", 5000, &r);
    assert_string_equal(r.body.data, "patched");
    reply_release(&r);
    snprintf(url, sizeof url, "%s/apis/apps/v1", sa_fake_peer_url(p));
    for (int i = 0; i < 3; i++) {
        do_request(url, "GET", NULL, 5000, &r);
        assert_string_equal(r.body.data, "apis");
        reply_release(&r);
    }
    assert_int_equal(sa_fake_peer_pending(p), 1);
    sa_fake_peer_clear(p);
    assert_int_equal(sa_fake_peer_pending(p), 0);
    sa_fake_peer_destroy(p);
}

static void test_cut_connection(void **state)
{
    (void)state;
    sa_fake_peer *p = start();
    sa_fake_response a;
    sa_fake_response_init(&a);
    a.body = "0123456789abcdef";
    a.cut_after = 5;
    sa_fake_peer_push(p, &a);
    reply r;
    do_request(sa_fake_peer_url(p), "GET", NULL, 5000, &r);
    assert_int_not_equal(r.rc, CURLE_OK);
    reply_release(&r);
    sa_fake_peer_destroy(p);
}

static void test_hang_times_out_and_release(void **state)
{
    (void)state;
    sa_fake_peer *p = start();
    sa_fake_response a;
    sa_fake_response_init(&a);
    a.hang = true;
    a.body = "late";
    a.times = 2;
    sa_fake_peer_push(p, &a);
    reply r;
    double t0 = sa_mono_ms();
    do_request(sa_fake_peer_url(p), "GET", NULL, 300, &r);
    assert_int_equal(r.rc, CURLE_OPERATION_TIMEDOUT);
    assert_true(sa_mono_ms() - t0 < 5000);
    reply_release(&r);
    sa_fake_peer_release(p);
    do_request(sa_fake_peer_url(p), "GET", NULL, 5000, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_string_equal(r.body.data, "late");
    reply_release(&r);
    sa_fake_peer_destroy(p);
}

static void test_delay_and_big_body(void **state)
{
    (void)state;
    sa_fake_peer *p = start();
    size_t n = 3u << 20;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'x', n);
    big[n] = '\0';
    sa_fake_response a;
    sa_fake_response_init(&a);
    a.body = big;
    a.delay_ms = 50;
    sa_fake_peer_push(p, &a);
    free(big); /* the peer copied it */
    reply r;
    do_request(sa_fake_peer_url(p), "GET", NULL, 10000, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.body.len, n);
    reply_release(&r);
    /* destroy while a client hangs is bounded: hang is woken */
    sa_fake_peer_destroy(p);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scripted_and_recorded),
        cmocka_unit_test(test_match_and_repeat),
        cmocka_unit_test(test_cut_connection),
        cmocka_unit_test(test_hang_times_out_and_release),
        cmocka_unit_test(test_delay_and_big_body),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
