/*
 * sa_http_fixture.c - the fake backend, fixture and libcurl client of the
 * HTTP suites (see sa_http_fixture.h).
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sa_test.h"
#include "sa_http_fixture.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

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

static sa_err fake_enter(sa_ht_fake *f, const char *ns, const char *name)
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

static sa_err fake_history(void *ctx, const char *ns, const char *name, int64_t since, int limit,
                           sa_buf *out)
{
    sa_ht_fake *f = ctx;
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

static sa_err fake_evaluate(void *ctx, const char *ns, const char *name, sa_buf *out, sa_errbuf *eb)
{
    sa_ht_fake *f = ctx;
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
    sa_ht_fake *f = ctx;
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
    sa_ht_fake *f = ctx;
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
    sa_ht_fake *f = ctx;
    pthread_mutex_lock(&f->mu);
    bool r = f->ready;
    pthread_mutex_unlock(&f->mu);
    return r;
}

static int64_t fake_stalled(void *ctx)
{
    sa_ht_fake *f = ctx;
    pthread_mutex_lock(&f->mu);
    int64_t s = f->stalled_s;
    pthread_mutex_unlock(&f->mu);
    return s;
}

static sa_err fake_metrics(void *ctx, sa_buf *out)
{
    (void)ctx;
    return sa_buf_puts(out, "# HELP fake_cycles_total Cycles run.\n"
                            "# TYPE fake_cycles_total counter\n"
                            "fake_cycles_total 7\n");
}

void sa_ht_fake_set(sa_ht_fake *f, sa_err fail, bool ready)
{
    pthread_mutex_lock(&f->mu);
    f->fail = fail;
    f->ready = ready;
    pthread_mutex_unlock(&f->mu);
}

int sa_ht_fake_calls(sa_ht_fake *f, int *evaluate_calls)
{
    pthread_mutex_lock(&f->mu);
    int n = f->calls;
    if (evaluate_calls)
        *evaluate_calls = f->evaluate_calls;
    pthread_mutex_unlock(&f->mu);
    return n;
}

/* ---- fixture: a web dir, the fake, the server ---- */

static void mkpath(const char *root, const char *rel, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", root, rel);
}

static void make_web(sa_ht_fixture *fx)
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

sa_http_backend sa_ht_fake_backend(sa_ht_fake *f)
{
    sa_http_backend be = {.ctx = f,
                          .recommendations = fake_recs,
                          .history = fake_history,
                          .evaluate = fake_evaluate,
                          .status = fake_status,
                          .set_paused = fake_set_paused,
                          .ready = fake_ready,
                          .stalled_s = fake_stalled,
                          .metrics = fake_metrics};
    return be;
}

void sa_ht_start(sa_ht_fixture *fx, const char *token)
{
    sa_http_options o = {.host = "127.0.0.1", .port = 0, .web_dir = fx->web, .api_token = token};
    sa_http_backend be = sa_ht_fake_backend(&fx->f);
    sa_errbuf eb = {0};
    sa_err e = sa_http_create(&o, &be, &fx->h, &eb);
    if (e != SA_OK)
        fail_msg("sa_http_create: %s", eb.msg);
    fx->port = sa_http_port(fx->h);
    assert_true(fx->port > 0);
}

int sa_ht_setup(void **state)
{
    sa_ht_fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    pthread_mutex_init(&fx->f.mu, NULL);
    make_web(fx);
    sa_ht_start(fx, SA_HT_TOKEN);
    *state = fx;
    return 0;
}

int sa_ht_teardown(void **state)
{
    sa_ht_fixture *fx = *state;
    sa_http_destroy(fx->h);
    sa_test_rmtree(fx->dir);
    pthread_mutex_destroy(&fx->f.mu);
    free(fx->dir);
    free(fx->web);
    free(fx);
    return 0;
}

/* ---- the client ---- */

size_t sa_ht_on_body(char *p, size_t sz, size_t n, void *ud)
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

void sa_ht_do(int port, const sa_ht_req *q, sa_ht_resp *r)
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
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sa_ht_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sa_ht_on_body);
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
            curl_easy_setopt(
                c, CURLOPT_POSTFIELDSIZE_LARGE,
                (curl_off_t)(q->body ? (q->body_len ? q->body_len : strlen(q->body)) : 0));
        }
    } else if (strcmp(m, "GET") != 0 || q->body) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
        if (q->body) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                             (curl_off_t)(q->body_len ? q->body_len : strlen(q->body)));
        }
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK)
        fail_msg("%s %.80s: %s", m, q->target, curl_easy_strerror(cc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
}

void sa_ht_resp_free(sa_ht_resp *r)
{
    sa_buf_release(&r->body);
    sa_buf_release(&r->head);
}

/* Value of response header name (case-insensitive), copied into out. */
bool sa_ht_header(const sa_ht_resp *r, const char *name, char *out, size_t n)
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

void sa_ht_expect_header(const sa_ht_resp *r, const char *name, const char *want)
{
    char v[2048];
    if (!sa_ht_header(r, name, v, sizeof v))
        fail_msg("no %s header in:\n%s", name, r->head.data ? r->head.data : "");
    assert_string_equal(v, want);
}

const char *sa_ht_body(const sa_ht_resp *r)
{
    return r->body.data ? r->body.data : "";
}

/* status, and for errors the JSON error code */
void sa_ht_expect(const sa_ht_resp *r, long status, const char *code)
{
    if (r->status != status)
        fail_msg("status %ld, expected %ld; body: %s", r->status, status, sa_ht_body(r));
    if (code) {
        char want[128];
        snprintf(want, sizeof want, "{\"error\":{\"code\":\"%s\",\"message\":\"", code);
        if (strncmp(sa_ht_body(r), want, strlen(want)) != 0)
            fail_msg("body %s, expected error code %s", sa_ht_body(r), code);
        sa_ht_expect_header(r, "Content-Type", "application/json");
        sa_ht_expect_header(r, "Cache-Control", "no-store");
    }
}

void sa_ht_get(sa_ht_fixture *fx, const char *target, sa_ht_resp *r)
{
    sa_ht_req q = {.target = target};
    sa_ht_do(fx->port, &q, r);
}

void sa_ht_check_get(sa_ht_fixture *fx, const char *target, long status, const char *code)
{
    sa_ht_resp r;
    sa_ht_get(fx, target, &r);
    sa_ht_expect(&r, status, code);
    sa_ht_resp_free(&r);
}

void sa_ht_post(sa_ht_fixture *fx, const char *target, const char *auth, sa_ht_resp *r)
{
    sa_ht_req q = {.method = "POST", .target = target, .auth = auth};
    sa_ht_do(fx->port, &q, r);
}
