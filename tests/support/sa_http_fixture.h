/*
 * sa_http_fixture.h - for the HTTP suites (test_http.c, test_http_errors.c):
 * a fake service backend, a fixture that starts the real server on
 * 127.0.0.1 and an ephemeral port over a scratch web directory, and a
 * libcurl client that sends a request exactly as written and keeps the
 * status, headers and body. Include after sa_test.h.
 */
#ifndef SA_HTTP_FIXTURE_H
#define SA_HTTP_FIXTURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/http.h"

#define SA_HT_TOKEN "s3cret-t0ken-value"

/* The fake service: deployments shop/web, shop/api, ops/web (the last one
 * with extra members holding JSON-escaped '<', brackets and quotes). Each
 * call records its arguments; `fail` is returned by every call but
 * ready/metrics. Guarded by mu (the server calls from many threads). */
typedef struct {
    pthread_mutex_t mu;
    bool ready, paused, stopped;
    sa_err fail; /* injected into every call but ready/metrics */
    int calls;   /* backend calls of any kind */
    int evaluate_calls;
    char last_ns[80], last_name[300];
    int64_t last_since;
    int last_limit;
    int64_t stalled_s; /* what the liveness check answers (0 = live) */
} sa_ht_fake;

/* Scratch dir/web with index.html, app.js, style.css, logo.svg, img.png,
 * data.json, notes.md, .hidden.js, sub/x.js and escape.js -> ../outside/
 * secret.js; the server runs with token SA_HT_TOKEN. */
typedef struct {
    char *dir; /* scratch root */
    char *web; /* dir/web */
    sa_ht_fake f;
    sa_http *h;
    int port;
} sa_ht_fixture;

typedef struct {
    long status;
    sa_buf body;
    sa_buf head;
} sa_ht_resp;

typedef struct {
    const char *method; /* NULL = GET */
    const char *target; /* sent exactly (CURLOPT_REQUEST_TARGET) */
    const char *body;   /* POST body, NULL = none */
    size_t body_len;
    const char *content_type; /* NULL = none */
    const char *auth;         /* Authorization value, NULL = none */
    const char *extra;        /* one more header line, NULL = none */
    size_t chunked_bytes;     /* > 0: send a chunked body of this many 'x' */
} sa_ht_req;

/* Backend vtable over f. */
sa_http_backend sa_ht_fake_backend(sa_ht_fake *f);
/* Set the injected error and readiness. */
void sa_ht_fake_set(sa_ht_fake *f, sa_err fail, bool ready);
/* Backend calls so far (and evaluate calls, when non-NULL). */
int sa_ht_fake_calls(sa_ht_fake *f, int *evaluate_calls);

/* cmocka setup/teardown: make the fixture (server with SA_HT_TOKEN). */
int sa_ht_setup(void **state);
int sa_ht_teardown(void **state);
/* (Re)start fx->h with this token ("" = none configured). */
void sa_ht_start(sa_ht_fixture *fx, const char *token);

/* Send q to 127.0.0.1:port; fails the test if no HTTP answer came. */
void sa_ht_do(int port, const sa_ht_req *q, sa_ht_resp *r);
void sa_ht_resp_free(sa_ht_resp *r);
void sa_ht_get(sa_ht_fixture *fx, const char *target, sa_ht_resp *r);
void sa_ht_post(sa_ht_fixture *fx, const char *target, const char *auth, sa_ht_resp *r);
/* GET target and check the status (and the JSON error code, when given). */
void sa_ht_check_get(sa_ht_fixture *fx, const char *target, long status, const char *code);
/* Header value (case-insensitive name) copied into out. */
bool sa_ht_header(const sa_ht_resp *r, const char *name, char *out, size_t n);
void sa_ht_expect_header(const sa_ht_resp *r, const char *name, const char *want);
/* The body text ("" when none). */
const char *sa_ht_body(const sa_ht_resp *r);
/* Status is `status`; with code, the body is that JSON error, no-store. */
void sa_ht_expect(const sa_ht_resp *r, long status, const char *code);
/* libcurl write callback appending into an sa_buf. */
size_t sa_ht_on_body(char *p, size_t sz, size_t n, void *ud);

#endif
