/*
 * test_http.c - the HTTP layer: the real server on 127.0.0.1 and an
 * ephemeral port with a fake backend, driven by libcurl. Every route, every
 * error status, the token check, traversal attempts, limits, security
 * headers, request metrics, concurrent clients. (The pure target parser:
 * test_http_parse.c.)
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "sa_test.h"
#include "http/http_int.h"
#include "scaleadvisor/http.h"
#include "scaleadvisor/metrics.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define TOKEN "s3cret-t0ken-value"

/* ---- the fake backend ---- */

typedef struct {
    const char *ns, *name;
    int replicas;
    const char *extra; /* more members, as the service would write them */
} fake_dep;

static const fake_dep deps[] = {
    {"shop", "web", 3, ""},
    {"shop", "api", 2, ""},
    {"ops", "web", 1, ",\"reasoning\":\"\\u003cb\\u003e [x], {y} \\\"q\\\"\",\"confidence\":0.85"},
};

typedef struct {
    pthread_mutex_t mu;
    bool ready, paused, stopped;
    sa_err fail; /* injected into every call but ready/metrics */
    int calls;   /* backend calls of any kind */
    int evaluate_calls;
    char last_ns[80], last_name[300];
    int64_t last_since;
    int last_limit;
} fake;

static bool dep_known(const char *ns, const char *name)
{
    for (size_t i = 0; i < SA_ARRAY_LEN(deps); i++)
        if (strcmp(deps[i].ns, ns) == 0 && strcmp(deps[i].name, name) == 0)
            return true;
    return false;
}

static sa_err dep_json(sa_buf *out, const fake_dep *d)
{
    return sa_buf_printf(out,
                         "{\"deployment\":\"%s\",\"namespace\":\"%s\",\"current_replicas\":%d,"
                         "\"decision\":{\"source\":\"rule\",\"verdict\":\"accepted\"}%s}",
                         d->name, d->ns, d->replicas, d->extra);
}

static sa_err fake_enter(fake *f, const char *ns, const char *name)
{
    pthread_mutex_lock(&f->mu);
    f->calls++;
    snprintf(f->last_ns, sizeof f->last_ns, "%s", ns ? ns : "(null)");
    snprintf(f->last_name, sizeof f->last_name, "%s", name ? name : "(null)");
    sa_err e = f->fail;
    pthread_mutex_unlock(&f->mu);
    return e;
}

static sa_err fake_recs(void *ctx, const char *ns, const char *name, sa_buf *out)
{
    sa_err e = fake_enter(ctx, ns, name);
    if (e == SA_OK)
        e = sa_buf_puts(out, "[");
    bool first = true;
    for (size_t i = 0; e == SA_OK && i < SA_ARRAY_LEN(deps); i++) {
        if ((ns && strcmp(ns, deps[i].ns) != 0) || (name && strcmp(name, deps[i].name) != 0))
            continue;
        if (!first)
            e = sa_buf_puts(out, ",");
        first = false;
        if (e == SA_OK)
            e = dep_json(out, &deps[i]);
    }
    return e == SA_OK ? sa_buf_puts(out, "]") : e;
}

static sa_err fake_history(void *ctx, const char *ns, const char *name, int64_t since,
                           int limit, sa_buf *out)
{
    fake *f = ctx;
    sa_err e = fake_enter(f, ns, name);
    pthread_mutex_lock(&f->mu);
    f->last_since = since;
    f->last_limit = limit;
    pthread_mutex_unlock(&f->mu);
    if (e != SA_OK)
        return e;
    if (!dep_known(ns, name))
        return SA_ERR_NOTFOUND;
    return sa_buf_printf(out,
                         "{\"deployment\":\"%s\",\"namespace\":\"%s\",\"samples\":[],"
                         "\"forecast\":[],\"decisions\":[]}",
                         name, ns);
}

static sa_err fake_evaluate(void *ctx, const char *ns, const char *name, sa_buf *out,
                            sa_errbuf *eb)
{
    fake *f = ctx;
    sa_err e = fake_enter(f, ns, name);
    pthread_mutex_lock(&f->mu);
    f->evaluate_calls++;
    pthread_mutex_unlock(&f->mu);
    if (e != SA_OK)
        return sa_fail(eb, e, "injected failure");
    for (size_t i = 0; i < SA_ARRAY_LEN(deps); i++)
        if (strcmp(deps[i].ns, ns) == 0 && strcmp(deps[i].name, name) == 0)
            return dep_json(out, &deps[i]);
    return sa_fail(eb, SA_ERR_NOTFOUND, "unknown deployment");
}

static sa_err fake_status(void *ctx, sa_buf *out)
{
    fake *f = ctx;
    sa_err e = fake_enter(f, NULL, NULL);
    if (e != SA_OK)
        return e;
    pthread_mutex_lock(&f->mu);
    e = sa_buf_printf(out, "{\"mode\":\"dry-run\",\"paused\":%s,\"emergency_stop\":%s}",
                      f->paused ? "true" : "false", f->stopped ? "true" : "false");
    pthread_mutex_unlock(&f->mu);
    return e;
}

static sa_err fake_set_paused(void *ctx, bool paused, bool stop, sa_errbuf *eb)
{
    fake *f = ctx;
    sa_err e = fake_enter(f, NULL, NULL);
    if (e != SA_OK)
        return sa_fail(eb, e, "injected failure");
    pthread_mutex_lock(&f->mu);
    f->paused = paused;
    f->stopped = stop;
    pthread_mutex_unlock(&f->mu);
    return SA_OK;
}

static bool fake_ready(void *ctx)
{
    fake *f = ctx;
    pthread_mutex_lock(&f->mu);
    bool r = f->ready;
    pthread_mutex_unlock(&f->mu);
    return r;
}

static sa_err fake_metrics(void *ctx, sa_buf *out)
{
    (void)ctx;
    return sa_buf_puts(out, "# HELP fake_cycles_total Cycles run.\n"
                            "# TYPE fake_cycles_total counter\n"
                            "fake_cycles_total 7\n");
}

static void fake_set(fake *f, sa_err fail, bool ready)
{
    pthread_mutex_lock(&f->mu);
    f->fail = fail;
    f->ready = ready;
    pthread_mutex_unlock(&f->mu);
}

static int fake_get_calls(fake *f, int *evaluate_calls)
{
    pthread_mutex_lock(&f->mu);
    int n = f->calls;
    if (evaluate_calls)
        *evaluate_calls = f->evaluate_calls;
    pthread_mutex_unlock(&f->mu);
    return n;
}

/* ---- fixture: a web dir, the fake, the server ---- */

typedef struct {
    char *dir;     /* scratch root */
    char *web;     /* dir/web */
    fake f;
    sa_http *h;
    int port;
} fixture;

static void mkpath(const char *root, const char *rel, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", root, rel);
}

static void make_web(fixture *fx)
{
    char p[1024];
    fx->dir = sa_test_tmpdir("http");
    mkpath(fx->dir, "web", p, sizeof p);
    fx->web = strdup(p);
    assert_int_equal(mkdir(fx->web, 0755), 0);
    mkpath(fx->web, "sub", p, sizeof p);
    assert_int_equal(mkdir(p, 0755), 0);
    mkpath(fx->dir, "outside", p, sizeof p);
    assert_int_equal(mkdir(p, 0755), 0);
    static const struct {
        const char *rel, *text;
    } files[] = {
        {"web/index.html", "<!DOCTYPE html><title>scaleadvisor</title>"},
        {"web/app.js", "console.log('app');\n"},
        {"web/style.css", "body{color:#111}\n"},
        {"web/logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"},
        {"web/img.png", "\x89PNG fake"},
        {"web/data.json", "{\"a\":1}"},
        {"web/notes.md", "# not served"},
        {"web/.hidden.js", "hidden"},
        {"web/sub/x.js", "nested"},
        {"outside/secret.js", "SECRET-OUTSIDE"},
    };
    for (size_t i = 0; i < SA_ARRAY_LEN(files); i++) {
        mkpath(fx->dir, files[i].rel, p, sizeof p);
        sa_test_write_file(p, files[i].text);
    }
    char target[1024];
    mkpath(fx->dir, "outside/secret.js", target, sizeof target);
    mkpath(fx->web, "escape.js", p, sizeof p);
    assert_int_equal(symlink(target, p), 0);
}

static sa_http_backend fake_backend(fake *f)
{
    sa_http_backend be = {.ctx = f,
                          .recommendations = fake_recs,
                          .history = fake_history,
                          .evaluate = fake_evaluate,
                          .status = fake_status,
                          .set_paused = fake_set_paused,
                          .ready = fake_ready,
                          .metrics = fake_metrics};
    return be;
}

static void start(fixture *fx, const char *token)
{
    sa_http_options o = {.host = "127.0.0.1", .port = 0, .web_dir = fx->web, .api_token = token};
    sa_http_backend be = fake_backend(&fx->f);
    sa_errbuf eb = {0};
    sa_err e = sa_http_create(&o, &be, &fx->h, &eb);
    if (e != SA_OK)
        fail_msg("sa_http_create: %s", eb.msg);
    fx->port = sa_http_port(fx->h);
    assert_true(fx->port > 0);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    pthread_mutex_init(&fx->f.mu, NULL);
    make_web(fx);
    start(fx, TOKEN);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    sa_http_destroy(fx->h);
    sa_test_rmtree(fx->dir);
    pthread_mutex_destroy(&fx->f.mu);
    free(fx->dir);
    free(fx->web);
    free(fx);
    return 0;
}

/* ---- the client ---- */

typedef struct {
    long status;
    sa_buf body;
    sa_buf head;
} resp;

typedef struct {
    const char *method;       /* NULL = GET */
    const char *target;       /* sent exactly (CURLOPT_REQUEST_TARGET) */
    const char *body;         /* POST body, NULL = none */
    size_t body_len;
    const char *content_type; /* NULL = none */
    const char *auth;         /* Authorization value, NULL = none */
    const char *extra;        /* one more header line, NULL = none */
    size_t chunked_bytes;     /* > 0: send a chunked body of this many 'x' */
} req;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    sa_buf *b = ud;
    return sa_buf_append(b, p, sz * n) == SA_OK ? sz * n : 0;
}

typedef struct {
    size_t left;
} chunk_src;

static size_t on_read(char *p, size_t sz, size_t n, void *ud)
{
    chunk_src *s = ud;
    size_t k = sz * n < s->left ? sz * n : s->left;
    memset(p, 'x', k);
    s->left -= k;
    return k;
}

static void do_req(int port, const req *q, resp *r)
{
    sa_buf_init(&r->body, 1u << 20);
    sa_buf_init(&r->head, 1u << 16);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    struct curl_slist *hs = NULL;
    char line[16384];
    if (q->content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", q->content_type);
        hs = curl_slist_append(hs, line);
    }
    if (q->auth) {
        snprintf(line, sizeof line, "Authorization: %s", q->auth);
        hs = curl_slist_append(hs, line);
    }
    if (q->extra)
        hs = curl_slist_append(hs, q->extra);
    chunk_src src = {q->chunked_bytes};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_REQUEST_TARGET, q->target);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->head);
    const char *m = q->method ? q->method : "GET";
    if (strcmp(m, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(m, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        if (q->chunked_bytes) {
            hs = curl_slist_append(hs, "Transfer-Encoding: chunked");
            curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(c, CURLOPT_READDATA, &src);
        } else {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body ? q->body : "");
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                             (curl_off_t)(q->body ? (q->body_len ? q->body_len : strlen(q->body))
                                                  : 0));
        }
    } else if (strcmp(m, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK)
        fail_msg("%s %.80s: %s", m, q->target, curl_easy_strerror(cc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
}

static void resp_free(resp *r)
{
    sa_buf_release(&r->body);
    sa_buf_release(&r->head);
}

/* Value of response header name (case-insensitive), copied into out. */
static bool header(const resp *r, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    const char *p = r->head.data;
    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);
        if (ll > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            size_t vl = ll - (size_t)(v - p);
            snprintf(out, n, "%.*s", (int)vl, v);
            return true;
        }
        p = eol ? eol + 2 : NULL;
    }
    return false;
}

static void expect_header(const resp *r, const char *name, const char *want)
{
    char v[2048];
    if (!header(r, name, v, sizeof v))
        fail_msg("no %s header in:\n%s", name, r->head.data ? r->head.data : "");
    assert_string_equal(v, want);
}

static const char *body(const resp *r)
{
    return r->body.data ? r->body.data : "";
}

/* status, and for errors the JSON error code */
static void expect(const resp *r, long status, const char *code)
{
    if (r->status != status)
        fail_msg("status %ld, expected %ld; body: %s", r->status, status, body(r));
    if (code) {
        char want[128];
        snprintf(want, sizeof want, "{\"error\":{\"code\":\"%s\",\"message\":\"", code);
        if (strncmp(body(r), want, strlen(want)) != 0)
            fail_msg("body %s, expected error code %s", body(r), code);
        expect_header(r, "Content-Type", "application/json");
        expect_header(r, "Cache-Control", "no-store");
    }
}

static void get(fixture *fx, const char *target, resp *r)
{
    req q = {.target = target};
    do_req(fx->port, &q, r);
}

static void check_get(fixture *fx, const char *target, long status, const char *code)
{
    resp r;
    get(fx, target, &r);
    expect(&r, status, code);
    resp_free(&r);
}

static void post(fixture *fx, const char *target, const char *auth, resp *r)
{
    req q = {.method = "POST", .target = target, .auth = auth};
    do_req(fx->port, &q, r);
}

/* ---- security headers ---- */

static void expect_security_headers(const resp *r)
{
    char v[2048];
    assert_true(header(r, "Content-Security-Policy", v, sizeof v));
    assert_non_null(strstr(v, "default-src 'self'"));
    assert_non_null(strstr(v, "script-src 'self'"));
    assert_non_null(strstr(v, "object-src 'none'"));
    assert_non_null(strstr(v, "frame-ancestors 'none'"));
    assert_null(strstr(v, "unsafe-inline"));
    assert_null(strstr(v, "unsafe-eval"));
    expect_header(r, "X-Content-Type-Options", "nosniff");
    expect_header(r, "Referrer-Policy", "no-referrer");
}

static void test_security_headers_everywhere(void **state)
{
    fixture *fx = *state;
    fake_set(&fx->f, SA_OK, true);
    const char *targets[] = {"/", "/app.js", "/missing.js", "/api/status", "/healthz",
                             "/readyz", "/metrics", "/api/nope", "/%2e%2e/x"};
    for (size_t i = 0; i < SA_ARRAY_LEN(targets); i++) {
        resp r;
        get(fx, targets[i], &r);
        expect_security_headers(&r);
        resp_free(&r);
    }
    resp r;
    post(fx, "/api/autoscaling/pause", NULL, &r); /* 401 */
    expect(&r, 401, "unauthorized");
    expect_security_headers(&r);
    resp_free(&r);
}

/* ---- simple routes ---- */

static void test_health_ready_status(void **state)
{
    fixture *fx = *state;
    resp r;
    get(fx, "/healthz", &r);
    expect(&r, 200, NULL);
    assert_string_equal(body(&r), "{\"status\":\"ok\"}");
    expect_header(&r, "Content-Type", "application/json");
    expect_header(&r, "Cache-Control", "no-store");
    resp_free(&r);

    fake_set(&fx->f, SA_OK, false);
    check_get(fx, "/readyz", 503, "not_ready");
    fake_set(&fx->f, SA_OK, true);
    get(fx, "/readyz", &r);
    expect(&r, 200, NULL);
    assert_string_equal(body(&r), "{\"status\":\"ready\"}");
    resp_free(&r);

    get(fx, "/api/status", &r);
    expect(&r, 200, NULL);
    assert_string_equal(body(&r), "{\"mode\":\"dry-run\",\"paused\":false,\"emergency_stop\":false}");
    resp_free(&r);
    /* HEAD of a GET route: the status and headers, no body */
    req q = {.method = "HEAD", .target = "/api/status"};
    do_req(fx->port, &q, &r);
    expect(&r, 200, NULL);
    assert_int_equal(r.body.len, 0);
    resp_free(&r);
    /* no query parameters on these */
    check_get(fx, "/healthz?x=1", 400, "bad_request");
}

static void test_metrics_endpoint(void **state)
{
    fixture *fx = *state;
    for (int i = 0; i < 3; i++)
        check_get(fx, "/healthz", 200, NULL);
    check_get(fx, "/api/nope", 404, "not_found");
    resp r;
    get(fx, "/metrics", &r);
    expect(&r, 200, NULL);
    expect_header(&r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    const char *t = body(&r);
    assert_non_null(strstr(t, "# HELP scaleadvisor_http_requests_total "));
    assert_non_null(strstr(t, "# TYPE scaleadvisor_http_requests_total counter\n"));
    assert_non_null(strstr(
        t, "scaleadvisor_http_requests_total{route=\"/healthz\",method=\"GET\",code=\"200\"} 3\n"));
    assert_non_null(strstr(
        t, "scaleadvisor_http_requests_total{route=\"unmatched\",method=\"GET\",code=\"404\"} 1\n"));
    assert_non_null(strstr(t, "# TYPE scaleadvisor_http_request_duration_seconds histogram\n"));
    assert_non_null(strstr(t, "scaleadvisor_http_request_duration_seconds_bucket{route=\"/healthz\","
                              "le=\"+Inf\"} 3\n"));
    assert_non_null(strstr(t, "scaleadvisor_http_request_duration_seconds_count{route=\"/healthz\"} 3\n"));
    /* the backend's own metrics follow */
    assert_non_null(strstr(t, "# TYPE fake_cycles_total counter\nfake_cycles_total 7\n"));
    /* every line is a comment or "name{...} value" */
    for (const char *p = t; *p;) {
        const char *eol = strchr(p, '\n');
        assert_non_null(eol);
        assert_true(p[0] == '#' || (p[0] >= 'a' && p[0] <= 'z'));
        p = eol + 1;
    }
    resp_free(&r);
}

/* ---- static files ---- */

static void test_static_files(void **state)
{
    fixture *fx = *state;
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
        resp r;
        get(fx, ok[i].target, &r);
        expect(&r, 200, NULL);
        expect_header(&r, "Content-Type", ok[i].type);
        expect_header(&r, "Cache-Control", "no-cache");
        assert_string_equal(body(&r), ok[i].content);
        assert_true(header(&r, "ETag", etag, sizeof etag));
        assert_true(etag[0] == '"');
        assert_true(header(&r, "Last-Modified", lm, sizeof lm));
        assert_non_null(strstr(lm, " GMT"));
        resp_free(&r);
    }
    /* revalidation: the ETag of app.js gives 304 without a body */
    resp r;
    get(fx, "/app.js", &r);
    assert_true(header(&r, "ETag", etag, sizeof etag));
    resp_free(&r);
    char inm[300];
    snprintf(inm, sizeof inm, "If-None-Match: \"other\", %s", etag);
    req q = {.target = "/app.js", .extra = inm};
    do_req(fx->port, &q, &r);
    expect(&r, 304, NULL);
    assert_int_equal(r.body.len, 0);
    expect_header(&r, "ETag", etag);
    resp_free(&r);
    q.extra = "If-None-Match: \"stale\"";
    do_req(fx->port, &q, &r);
    expect(&r, 200, NULL);
    resp_free(&r);
    /* HEAD: headers only */
    req hq = {.method = "HEAD", .target = "/style.css"};
    do_req(fx->port, &hq, &r);
    expect(&r, 200, NULL);
    expect_header(&r, "Content-Type", "text/css; charset=utf-8");
    assert_int_equal(r.body.len, 0);
    resp_free(&r);
    /* not served: missing, unknown type, hidden, directory, symlink out */
    const char *missing[] = {"/missing.js", "/notes.md", "/.hidden.js", "/sub",
                             "/escape.js", "/index", "/sub/missing.css"};
    for (size_t i = 0; i < SA_ARRAY_LEN(missing); i++)
        check_get(fx, missing[i], 404, "not_found");
}

static void test_traversal_refused(void **state)
{
    fixture *fx = *state;
    const char *bad[] = {
        "/../outside/secret.js",     "/sub/../../outside/secret.js",
        "/%2e%2e/outside/secret.js", "/%2E%2E%2Foutside%2Fsecret.js",
        "/sub/..%2f..%2foutside",    "/.%2e/outside/secret.js",
        "/..%5coutside%5csecret.js", "/app.js%00.png",
        "/%00",                      "//etc/passwd",
        "/sub/./x.js",               "/./index.html",
        "/sub//x.js",                "/app%2ejs",
        "/%zz",                      "/a%2",
        "/app.js#frag",              "/\\..\\outside",
    };
    for (size_t i = 0; i < SA_ARRAY_LEN(bad); i++) {
        resp r;
        get(fx, bad[i], &r);
        if (r.status != 400)
            fail_msg("%s: status %ld, body %s", bad[i], r.status, body(&r));
        expect(&r, 400, "bad_request");
        assert_null(strstr(body(&r), "SECRET"));
        resp_free(&r);
    }
    /* absolute-form and asterisk targets are not paths */
    const char *odd[] = {"http://127.0.0.1/outside/secret.js", "*"};
    for (size_t i = 0; i < SA_ARRAY_LEN(odd); i++) {
        resp r;
        get(fx, odd[i], &r);
        assert_true(r.status >= 400 && r.status < 500);
        assert_null(strstr(body(&r), "SECRET"));
        resp_free(&r);
    }
}

/* ---- recommendations ---- */

static void test_recommendations(void **state)
{
    fixture *fx = *state;
    resp r;
    get(fx, "/api/autoscaling/recommendations", &r);
    expect(&r, 200, NULL);
    expect_header(&r, "Content-Type", "application/json");
    expect_header(&r, "Cache-Control", "no-store");
    assert_int_equal(strncmp(body(&r), "{\"recommendations\":[{", 21), 0);
    assert_non_null(strstr(body(&r), "\"namespace\":\"ops\""));
    assert_string_equal(fx->f.last_ns, "(null)");
    resp_free(&r);

    get(fx, "/api/autoscaling/recommendations?namespace=shop", &r);
    expect(&r, 200, NULL);
    assert_non_null(strstr(body(&r), "\"namespace\":\"shop\""));
    assert_null(strstr(body(&r), "\"namespace\":\"ops\""));
    assert_string_equal(fx->f.last_ns, "shop");
    assert_string_equal(fx->f.last_name, "(null)");
    resp_free(&r);

    get(fx, "/api/autoscaling/recommendations?deployment=api&namespace=shop", &r);
    expect(&r, 200, NULL);
    assert_string_equal(body(&r),
                        "{\"recommendations\":[{\"deployment\":\"api\",\"namespace\":\"shop\","
                        "\"current_replicas\":2,\"decision\":{\"source\":\"rule\","
                        "\"verdict\":\"accepted\"}}]}");
    resp_free(&r);
    /* empty filter = no filter; nothing matching = empty list */
    get(fx, "/api/autoscaling/recommendations?namespace=", &r);
    expect(&r, 200, NULL);
    assert_string_equal(fx->f.last_ns, "(null)");
    resp_free(&r);
    get(fx, "/api/autoscaling/recommendations?namespace=nothing-here", &r);
    expect(&r, 200, NULL);
    assert_string_equal(body(&r), "{\"recommendations\":[]}");
    resp_free(&r);

    int before = fake_get_calls(&fx->f, NULL);
    check_get(fx, "/api/autoscaling/recommendations?namespace=Shop", 400, "bad_request");
    check_get(fx, "/api/autoscaling/recommendations?namespace=shop_x", 400, "bad_request");
    check_get(fx, "/api/autoscaling/recommendations?namespace=-shop", 400, "bad_request");
    check_get(fx, "/api/autoscaling/recommendations?deployment=web.", 400, "bad_request");
    check_get(fx, "/api/autoscaling/recommendations?deployment=%3Cscript%3E", 400,
              "bad_request");
    check_get(fx, "/api/autoscaling/recommendations?deploymnt=web", 400, "bad_request");
    check_get(fx, "/api/autoscaling/recommendations?namespace=a&namespace=b", 400,
              "bad_request");
    assert_int_equal(fake_get_calls(&fx->f, NULL), before); /* never reached the backend */
}

static void test_recommendation_by_server(void **state)
{
    fixture *fx = *state;
    resp r;
    get(fx, "/api/autoscaling/recommendations/default?deployment=api&namespace=shop", &r);
    expect(&r, 200, NULL);
    assert_string_equal(body(&r), "{\"deployment\":\"api\",\"namespace\":\"shop\","
                                  "\"current_replicas\":2,\"decision\":{\"source\":\"rule\","
                                  "\"verdict\":\"accepted\"}}");
    resp_free(&r);
    /* name alone is enough when it is unique */
    get(fx, "/api/autoscaling/recommendations/default?deployment=api", &r);
    expect(&r, 200, NULL);
    assert_non_null(strstr(body(&r), "\"deployment\":\"api\""));
    resp_free(&r);
    /* ambiguous, unknown deployment, unknown server */
    check_get(fx, "/api/autoscaling/recommendations/default?deployment=web", 400, "bad_request");
    check_get(fx, "/api/autoscaling/recommendations/default?deployment=nope&namespace=shop", 404,
              "not_found");
    check_get(fx, "/api/autoscaling/recommendations/default?deployment=web&namespace=other", 404,
              "not_found");
    check_get(fx, "/api/autoscaling/recommendations/prod?deployment=web&namespace=shop", 404,
              "not_found");
    /* the object comes back byte for byte as the service wrote it */
    get(fx, "/api/autoscaling/recommendations/default?deployment=web&namespace=ops", &r);
    expect(&r, 200, NULL);
    assert_string_equal(body(&r), "{\"deployment\":\"web\",\"namespace\":\"ops\","
                                  "\"current_replicas\":1,\"decision\":{\"source\":\"rule\","
                                  "\"verdict\":\"accepted\"},\"reasoning\":\"\\u003cb\\u003e [x], "
                                  "{y} \\\"q\\\"\",\"confidence\":0.85}");
    resp_free(&r);
    /* without a deployment: the list of that cluster */
    get(fx, "/api/autoscaling/recommendations/default?namespace=ops", &r);
    expect(&r, 200, NULL);
    assert_int_equal(strncmp(body(&r), "{\"recommendations\":[{\"deployment\":\"web\",", 40), 0);
    resp_free(&r);
}

static void test_history(void **state)
{
    fixture *fx = *state;
    resp r;
    get(fx, "/api/autoscaling/deployments/shop/web/history", &r);
    expect(&r, 200, NULL);
    assert_string_equal(body(&r), "{\"deployment\":\"web\",\"namespace\":\"shop\",\"samples\":[],"
                                  "\"forecast\":[],\"decisions\":[]}");
    assert_int_equal(fx->f.last_since, 0);
    assert_int_equal(fx->f.last_limit, 1000);
    resp_free(&r);
    check_get(fx, "/api/autoscaling/deployments/shop/web/history?since=1700000000&limit=5", 200,
              NULL);
    assert_int_equal(fx->f.last_since, 1700000000);
    assert_int_equal(fx->f.last_limit, 5);
    check_get(fx, "/api/autoscaling/deployments/shop/web/history?since=2023-11-14T22:13:20Z", 200,
              NULL);
    assert_int_equal(fx->f.last_since, 1700000000);
    check_get(fx, "/api/autoscaling/deployments/shop/web/history?since=yesterday", 400,
              "bad_request");
    check_get(fx, "/api/autoscaling/deployments/shop/web/history?since=-5", 400, "bad_request");
    check_get(fx, "/api/autoscaling/deployments/shop/web/history?limit=0", 400, "bad_request");
    check_get(fx, "/api/autoscaling/deployments/shop/web/history?limit=10001", 400,
              "bad_request");
    check_get(fx, "/api/autoscaling/deployments/shop/web/history?limit=5x", 400, "bad_request");
    check_get(fx, "/api/autoscaling/deployments/shop/web/history?page=2", 400, "bad_request");
    check_get(fx, "/api/autoscaling/deployments/shop/nope/history", 404, "not_found");
    check_get(fx, "/api/autoscaling/deployments/SHOP/web/history", 400, "bad_request");
    check_get(fx, "/api/autoscaling/deployments/shop/we_b/history", 400, "bad_request");
    char longns[128];
    memset(longns, 'a', 64);
    longns[64] = '\0';
    char target[256];
    snprintf(target, sizeof target, "/api/autoscaling/deployments/%s/web/history", longns);
    check_get(fx, target, 400, "bad_request");
    check_get(fx, "/api/autoscaling/deployments/shop/web/other", 404, "not_found");
}

/* ---- tokens and mutating endpoints ---- */

static void test_token_checks(void **state)
{
    fixture *fx = *state;
    const char *ep = "/api/autoscaling/deployments/shop/web/evaluate";
    int ev0 = 0, ev = 0;
    fake_get_calls(&fx->f, &ev0);
    resp r;
    post(fx, ep, NULL, &r);
    expect(&r, 401, "unauthorized");
    expect_header(&r, "WWW-Authenticate", "Bearer realm=\"scaleadvisor\"");
    resp_free(&r);
    post(fx, ep, "Bearer wrong-token", &r);
    expect(&r, 401, "unauthorized");
    expect_header(&r, "WWW-Authenticate", "Bearer realm=\"scaleadvisor\", error=\"invalid_token\"");
    assert_null(strstr(body(&r), "wrong-token"));
    assert_null(strstr(body(&r), TOKEN));
    assert_null(strstr(r.head.data, TOKEN));
    resp_free(&r);
    post(fx, ep, "Bearer " TOKEN "x", &r); /* a longer token is not a match */
    expect(&r, 401, "unauthorized");
    resp_free(&r);
    post(fx, ep, "Basic " TOKEN, &r);
    expect(&r, 401, "unauthorized");
    resp_free(&r);
    post(fx, ep, "Bearer ", &r);
    expect(&r, 401, "unauthorized");
    resp_free(&r);
    fake_get_calls(&fx->f, &ev);
    assert_int_equal(ev, ev0); /* refused requests never reach the backend */

    post(fx, ep, "Bearer " TOKEN, &r);
    expect(&r, 200, NULL);
    assert_string_equal(body(&r), "{\"deployment\":\"web\",\"namespace\":\"shop\","
                                  "\"current_replicas\":3,\"decision\":{\"source\":\"rule\","
                                  "\"verdict\":\"accepted\"}}");
    resp_free(&r);
    post(fx, "/api/autoscaling/deployments/shop/ghost/evaluate", "bearer " TOKEN, &r);
    expect(&r, 404, "not_found");
    resp_free(&r);
    post(fx, "/api/autoscaling/deployments/Shop/web/evaluate", "Bearer " TOKEN, &r);
    expect(&r, 400, "bad_request");
    resp_free(&r);
}

static void test_pause_resume_stop(void **state)
{
    fixture *fx = *state;
    resp r;
    post(fx, "/api/autoscaling/pause", "Bearer " TOKEN, &r);
    expect(&r, 200, NULL);
    assert_string_equal(body(&r), "{\"mode\":\"dry-run\",\"paused\":true,\"emergency_stop\":false}");
    resp_free(&r);
    post(fx, "/api/autoscaling/resume", "Bearer " TOKEN, &r);
    expect(&r, 200, NULL);
    assert_string_equal(body(&r), "{\"mode\":\"dry-run\",\"paused\":false,\"emergency_stop\":false}");
    resp_free(&r);
    req q = {.method = "POST", .target = "/api/autoscaling/stop", .auth = "Bearer " TOKEN,
             .content_type = "application/json", .body = "{\"reason\":\"incident 42\"}"};
    do_req(fx->port, &q, &r);
    expect(&r, 200, NULL);
    assert_string_equal(body(&r), "{\"mode\":\"dry-run\",\"paused\":true,\"emergency_stop\":true}");
    resp_free(&r);
    /* without the token nothing changes */
    post(fx, "/api/autoscaling/resume", NULL, &r);
    expect(&r, 401, "unauthorized");
    resp_free(&r);
    assert_true(fx->f.paused && fx->f.stopped);
    /* body rules */
    q.body = "{\"other\":1}";
    do_req(fx->port, &q, &r);
    expect(&r, 400, "bad_request");
    resp_free(&r);
    q.body = "{\"reason\":";
    do_req(fx->port, &q, &r);
    expect(&r, 400, "bad_request");
    resp_free(&r);
    q.body = "[1]";
    do_req(fx->port, &q, &r);
    expect(&r, 400, "bad_request");
    resp_free(&r);
    q.body = "{\"reason\":\"x\"}";
    q.content_type = "text/plain";
    do_req(fx->port, &q, &r);
    expect(&r, 415, "unsupported_media_type");
    resp_free(&r);
    q.content_type = NULL;
    do_req(fx->port, &q, &r);
    expect(&r, 415, "unsupported_media_type");
    resp_free(&r);
    q.content_type = "application/json; charset=utf-8";
    do_req(fx->port, &q, &r);
    expect(&r, 200, NULL);
    resp_free(&r);
}

static void test_no_token_configured(void **state)
{
    fixture *fx = *state;
    sa_http_destroy(fx->h);
    fx->h = NULL;
    start(fx, ""); /* "" = no token */
    const char *eps[] = {"/api/autoscaling/pause", "/api/autoscaling/resume",
                         "/api/autoscaling/stop", "/api/autoscaling/deployments/shop/web/evaluate"};
    for (size_t i = 0; i < SA_ARRAY_LEN(eps); i++) {
        resp r;
        post(fx, eps[i], "Bearer ", &r);
        expect(&r, 401, "unauthorized");
        assert_non_null(strstr(body(&r), "SCALEADVISOR_API_TOKEN"));
        expect_header(&r, "WWW-Authenticate", "Bearer realm=\"scaleadvisor\"");
        resp_free(&r);
        post(fx, eps[i], "Bearer anything", &r);
        expect(&r, 401, "unauthorized");
        resp_free(&r);
    }
    assert_false(fx->f.paused);
    /* reads still work */
    check_get(fx, "/api/status", 200, NULL);
}

/* ---- error statuses and limits ---- */

static void test_method_not_allowed(void **state)
{
    fixture *fx = *state;
    resp r;
    get(fx, "/api/autoscaling/pause", &r);
    expect(&r, 405, "method_not_allowed");
    expect_header(&r, "Allow", "POST");
    resp_free(&r);
    post(fx, "/healthz", "Bearer " TOKEN, &r);
    expect(&r, 405, "method_not_allowed");
    expect_header(&r, "Allow", "GET, HEAD");
    resp_free(&r);
    const char *methods[] = {"DELETE", "PUT", "OPTIONS", "PATCH"};
    for (size_t i = 0; i < SA_ARRAY_LEN(methods); i++) {
        req q = {.method = methods[i], .target = "/api/autoscaling/recommendations"};
        do_req(fx->port, &q, &r);
        expect(&r, 405, "method_not_allowed");
        expect_header(&r, "Allow", "GET, HEAD");
        resp_free(&r);
    }
    req q = {.method = "DELETE", .target = "/api/autoscaling/deployments/shop/web/evaluate"};
    do_req(fx->port, &q, &r);
    expect(&r, 405, "method_not_allowed");
    expect_header(&r, "Allow", "POST");
    resp_free(&r);
    /* an unknown API path is 404 whatever the method */
    req q2 = {.method = "DELETE", .target = "/api/autoscaling/whatever"};
    do_req(fx->port, &q2, &r);
    expect(&r, 404, "not_found");
    resp_free(&r);
}

static void test_body_limits(void **state)
{
    fixture *fx = *state;
    size_t n = SA_CAP_HTTP_BODY + 1;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    big[n] = '\0';
    int ev0 = 0, ev = 0;
    fake_get_calls(&fx->f, &ev0);
    resp r;
    req q = {.method = "POST", .target = "/api/autoscaling/deployments/shop/web/evaluate",
             .auth = "Bearer " TOKEN, .content_type = "application/json", .body = big,
             .body_len = n};
    do_req(fx->port, &q, &r);
    expect(&r, 413, "payload_too_large");
    resp_free(&r);
    /* the same size, chunked (no Content-Length): read, dropped, 413 */
    req qc = {.method = "POST", .target = "/api/autoscaling/deployments/shop/web/evaluate",
              .auth = "Bearer " TOKEN, .content_type = "application/json",
              .chunked_bytes = n};
    do_req(fx->port, &qc, &r);
    expect(&r, 413, "payload_too_large");
    resp_free(&r);
    fake_get_calls(&fx->f, &ev);
    assert_int_equal(ev, ev0);
    /* exactly at the cap is accepted */
    q.body_len = SA_CAP_HTTP_BODY;
    big[SA_CAP_HTTP_BODY - 1] = '}';
    do_req(fx->port, &q, &r);
    expect(&r, 200, NULL);
    resp_free(&r);
    free(big);
}

static void test_uri_and_header_limits(void **state)
{
    fixture *fx = *state;
    size_t n = SA_HTTP_MAX_URL + 1;
    char *t = malloc(n + 1);
    assert_non_null(t);
    memcpy(t, "/api/autoscaling/recommendations?namespace=", 43);
    memset(t + 43, 'a', n - 43);
    t[n] = '\0';
    check_get(fx, t, 414, "uri_too_long");
    /* exactly at the limit is parsed (and refused for its content) */
    t[SA_HTTP_MAX_URL] = '\0';
    check_get(fx, t, 400, "bad_request");
    free(t);
    /* far past libmicrohttpd's own buffer: still refused, not served */
    size_t huge = 100000;
    t = malloc(huge + 2);
    assert_non_null(t);
    t[0] = '/';
    memset(t + 1, 'b', huge);
    t[huge + 1] = '\0';
    resp r;
    get(fx, t, &r);
    assert_int_equal(r.status, 414);
    resp_free(&r);
    free(t);
    /* headers */
    char *h = malloc(SA_HTTP_MAX_HEADERS + 64);
    assert_non_null(h);
    int k = snprintf(h, 64, "X-Big: ");
    memset(h + k, 'h', SA_HTTP_MAX_HEADERS);
    h[k + SA_HTTP_MAX_HEADERS] = '\0';
    req q = {.target = "/healthz", .extra = h};
    do_req(fx->port, &q, &r);
    expect(&r, 431, "headers_too_large");
    resp_free(&r);
    free(h);
}

static void test_backend_failures(void **state)
{
    fixture *fx = *state;
    fake_set(&fx->f, SA_ERR_INTERNAL, true);
    check_get(fx, "/api/autoscaling/recommendations", 500, "internal");
    check_get(fx, "/api/status", 500, "internal");
    check_get(fx, "/api/autoscaling/deployments/shop/web/history", 500, "internal");
    fake_set(&fx->f, SA_ERR_UNAVAILABLE, true);
    check_get(fx, "/api/autoscaling/recommendations", 503, "unavailable");
    resp r;
    post(fx, "/api/autoscaling/deployments/shop/web/evaluate", "Bearer " TOKEN, &r);
    expect(&r, 503, "unavailable");
    resp_free(&r);
    fake_set(&fx->f, SA_ERR_CONFLICT, true);
    post(fx, "/api/autoscaling/pause", "Bearer " TOKEN, &r);
    expect(&r, 409, "conflict");
    resp_free(&r);
    fake_set(&fx->f, SA_ERR_DB, true);
    post(fx, "/api/autoscaling/deployments/shop/web/evaluate", "Bearer " TOKEN, &r);
    expect(&r, 500, "internal");
    assert_null(strstr(body(&r), "injected")); /* internals stay in the log */
    resp_free(&r);
    /* a service that says "no such deployment" for a filter */
    fake_set(&fx->f, SA_ERR_NOTFOUND, true);
    get(fx, "/api/autoscaling/recommendations?namespace=zzz", &r);
    expect(&r, 200, NULL);
    assert_string_equal(body(&r), "{\"recommendations\":[]}");
    resp_free(&r);
    check_get(fx, "/api/autoscaling/recommendations/default?deployment=web&namespace=zzz", 404,
              "not_found");
    fake_set(&fx->f, SA_OK, true);
    check_get(fx, "/api/status", 200, NULL);
}

static void test_backend_without_callbacks(void **state)
{
    fixture *fx = *state;
    sa_http_destroy(fx->h);
    sa_http_options o = {.host = "127.0.0.1", .web_dir = fx->web, .api_token = TOKEN};
    sa_http_backend be = {0};
    sa_errbuf eb = {0};
    assert_int_equal(sa_http_create(&o, &be, &fx->h, &eb), SA_OK);
    fx->port = sa_http_port(fx->h);
    check_get(fx, "/api/autoscaling/recommendations", 503, "unavailable");
    check_get(fx, "/readyz", 503, "not_ready");
    check_get(fx, "/healthz", 200, NULL);
    check_get(fx, "/metrics", 200, NULL);
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
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
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
    fixture *fx = *state;
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
    resp r;
    get(fx, "/metrics", &r);
    char want[256];
    snprintf(want, sizeof want,
             "scaleadvisor_http_requests_total{route=\"/healthz\",method=\"GET\",code=\"200\"} %d\n",
             CLIENTS * PER_CLIENT / 4);
    assert_non_null(strstr(body(&r), want));
    snprintf(want, sizeof want,
             "scaleadvisor_http_requests_total{route=\"static\",method=\"GET\",code=\"200\"} %d\n",
             CLIENTS * PER_CLIENT / 4);
    assert_non_null(strstr(body(&r), want));
    resp_free(&r);
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
    fixture *fx = *state;
    sa_http_destroy(fx->h);
    sa_http_options o = {.host = "127.0.0.1", .web_dir = fx->web, .api_token = TOKEN,
                         .max_connections = 2, .timeout_s = 3};
    sa_http_backend be = fake_backend(&fx->f);
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
    fixture *fx = *state;
    sa_http_backend be = fake_backend(&fx->f);
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
    sa_http_options o2 = {.host = "::1", .web_dir = "/nonexistent/web", .api_token = TOKEN};
    sa_err e = sa_http_create(&o2, &be, &h, &eb);
    if (e == SA_OK) { /* IPv6 loopback may be absent in some sandboxes */
        sa_http_destroy(h);
    }
    sa_http_options o3 = {.web_dir = "/nonexistent/web", .max_connections = 8, .timeout_s = 5};
    assert_int_equal(sa_http_create(&o3, &be, &h, &eb), SA_OK);
    fixture tmp = {.port = sa_http_port(h)};
    check_get(&tmp, "/", 404, "not_found");
    check_get(&tmp, "/healthz", 200, NULL);
    sa_http_destroy(h);
    sa_http_destroy(NULL);
}

/* A registry passed in options receives the request metrics. */
static void test_shared_registry(void **state)
{
    fixture *fx = *state;
    sa_errbuf eb = {0};
    sa_metrics *m = NULL;
    assert_int_equal(sa_metrics_create(&m, &eb), SA_OK);
    sa_http_backend be = fake_backend(&fx->f);
    be.metrics = NULL;
    sa_http_options o = {.web_dir = fx->web, .metrics = m};
    sa_http *h = NULL;
    assert_int_equal(sa_http_create(&o, &be, &h, &eb), SA_OK);
    fixture tmp = {.port = sa_http_port(h)};
    check_get(&tmp, "/healthz", 200, NULL);
    sa_http_destroy(h); /* waits for the request to complete */
    sa_buf b;
    sa_buf_init(&b, 1u << 20);
    assert_int_equal(sa_metrics_render(m, &b), SA_OK);
    assert_non_null(strstr(
        b.data, "scaleadvisor_http_requests_total{route=\"/healthz\",method=\"GET\",code=\"200\"} 1\n"));
    sa_buf_release(&b);
    sa_metrics_destroy(m);
}

int main(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_security_headers_everywhere, setup, teardown),
        cmocka_unit_test_setup_teardown(test_health_ready_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_endpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traversal_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recommendations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recommendation_by_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_resume_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_token_configured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_method_not_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uri_and_header_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backend_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backend_without_callbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_clients, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_timeout_and_connection_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_registry, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
