/*
 * http.c - the libmicrohttpd daemon and the life of one request: limits
 * (target length, header size, body size), routing and method checks, the
 * bearer-token check, security headers on every response, and request
 * metrics. The handlers themselves live in http_routes.c.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "http/http_srv.h"
#include "scaleadvisor/log.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "                 \
    "frame-ancestors 'none'"

const sa_http_route_def sa_http_routes[R_COUNT] = {
    [R_NONE] = {"unmatched", false},
    [R_INDEX] = {"/", false},
    [R_STATIC] = {"static", false},
    [R_RECS] = {"/api/autoscaling/recommendations", false},
    [R_RECS_SERVER] = {"/api/autoscaling/recommendations/{server_id}", false},
    [R_HISTORY] = {"/api/autoscaling/deployments/{namespace}/{name}/history", false},
    [R_EVALUATE] = {"/api/autoscaling/deployments/{namespace}/{name}/evaluate", true},
    [R_PAUSE] = {"/api/autoscaling/pause", true},
    [R_RESUME] = {"/api/autoscaling/resume", true},
    [R_STOP] = {"/api/autoscaling/stop", true},
    [R_STATUS] = {"/api/status", false},
    [R_HEALTHZ] = {"/healthz", false},
    [R_READYZ] = {"/readyz", false},
    [R_METRICS] = {"/metrics", false},
};

/* ---- responses ---- */

static bool add_hdr(struct MHD_Response *resp, const char *k, const char *v)
{
    return MHD_add_response_header(resp, k, v) == MHD_YES;
}

/* Count the request when its response is queued (so a client that has
 * the answer always finds it counted); the duration runs from the request
 * line to this point. */
static void record(sa_http_req *r, unsigned status)
{
    sa_http *h = r->h;
    char code[8];
    snprintf(code, sizeof code, "%u", status);
    const char *route = sa_http_routes[r->route].label;
    double secs = (sa_mono_ms() - r->t0_ms) / 1000.0;
    /* Metric failures (cardinality cap) must not fail a request. */
    if (sa_metrics_inc(h->m_requests, (const char *[]){route, r->method_label, code}, 1) != SA_OK ||
        sa_metrics_observe(h->m_duration, (const char *[]){route}, secs) != SA_OK)
        sa_log(SA_LOG_DEBUG, "http metrics not recorded", "route=%s", route);
    sa_log(SA_LOG_DEBUG, "http request", "method=%s route=%s status=%u ms=%.1f", r->method_label,
           route, status, secs * 1000.0);
}

enum MHD_Result sa_http_queue(struct MHD_Connection *c, sa_http_req *r, unsigned status,
                              struct MHD_Response *resp, bool cacheable)
{
    static const char oom[] = "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
    if (!resp) {
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        resp = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
        if (!resp || !add_hdr(resp, "Content-Type", "application/json")) {
            if (resp)
                MHD_destroy_response(resp);
            return MHD_NO;
        }
    }
    bool ok = add_hdr(resp, "Content-Security-Policy", CSP) &&
              add_hdr(resp, "X-Content-Type-Options", "nosniff") &&
              add_hdr(resp, "Referrer-Policy", "no-referrer") &&
              add_hdr(resp, "X-Frame-Options", "DENY") &&
              (cacheable || add_hdr(resp, "Cache-Control", "no-store"));
    enum MHD_Result ret = MHD_NO;
    if (ok)
        ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    if (ret == MHD_YES && r) {
        r->status = status;
        record(r, status);
    }
    return ret;
}

struct MHD_Response *sa_http_json_response(sa_buf *b, const char *content_type)
{
    char *text = NULL;
    size_t len = b->len;
    if (sa_buf_detach(b, &text) != SA_OK)
        return NULL;
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return NULL;
    }
    if (!add_hdr(resp, "Content-Type", content_type ? content_type : "application/json")) {
        MHD_destroy_response(resp);
        return NULL;
    }
    return resp;
}

static struct MHD_Response *error_response(const char *code, const char *fmt, va_list ap)
    SA_PRINTF(2, 0);
static struct MHD_Response *error_response(const char *code, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    sa_buf b;
    sa_buf_init(&b, 4096);
    sa_err e = sa_buf_puts(&b, "{\"error\":{\"code\":");
    if (e == SA_OK)
        e = sa_buf_json_str(&b, code);
    if (e == SA_OK)
        e = sa_buf_puts(&b, ",\"message\":");
    if (e == SA_OK)
        e = sa_buf_json_str(&b, msg);
    if (e == SA_OK)
        e = sa_buf_puts(&b, "}}");
    struct MHD_Response *resp = e == SA_OK ? sa_http_json_response(&b, NULL) : NULL;
    sa_buf_release(&b);
    return resp;
}

enum MHD_Result sa_http_error(struct MHD_Connection *c, sa_http_req *r, unsigned status,
                              const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct MHD_Response *resp = error_response(code, fmt, ap);
    va_end(ap);
    return sa_http_queue(c, r, status, resp, false);
}

enum MHD_Result sa_http_error_hdr(struct MHD_Connection *c, sa_http_req *r, unsigned status,
                                  const char *hname, const char *hvalue, const char *code,
                                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct MHD_Response *resp = error_response(code, fmt, ap);
    va_end(ap);
    if (resp && !add_hdr(resp, hname, hvalue)) {
        MHD_destroy_response(resp);
        resp = NULL;
    }
    return sa_http_queue(c, r, status, resp, false);
}

/* ---- checks on the request head ---- */

static enum MHD_Result sum_header(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
    (void)kind;
    size_t *total = cls;
    *total += strlen(k) + (v ? strlen(v) : 0) + 4;
    return MHD_YES;
}

/* The token check of mutating endpoints. The given token is compared in
 * constant time and never copied into a response or a log line. */
static enum MHD_Result check_auth(sa_http *h, struct MHD_Connection *c, sa_http_req *r, bool *ok)
{
    static const char realm[] = "Bearer realm=\"scaleadvisor\"";
    *ok = false;
    if (!h->token)
        return sa_http_error_hdr(c, r, MHD_HTTP_UNAUTHORIZED, "WWW-Authenticate", realm,
                                 "unauthorized",
                                 "mutating endpoints are disabled: no API token is configured "
                                 "(set SCALEADVISOR_API_TOKEN)");
    const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!a)
        return sa_http_error_hdr(c, r, MHD_HTTP_UNAUTHORIZED, "WWW-Authenticate", realm,
                                 "unauthorized", "missing Authorization: Bearer token");
    if (strncasecmp(a, "Bearer ", 7) != 0)
        return sa_http_error_hdr(c, r, MHD_HTTP_UNAUTHORIZED, "WWW-Authenticate", realm,
                                 "unauthorized", "Authorization must use the Bearer scheme");
    a += 7;
    while (*a == ' ')
        a++;
    if (!sa_secure_streq(a, h->token))
        return sa_http_error_hdr(c, r, MHD_HTTP_UNAUTHORIZED, "WWW-Authenticate",
                                 "Bearer realm=\"scaleadvisor\", error=\"invalid_token\"",
                                 "unauthorized", "wrong API token");
    *ok = true;
    return MHD_YES;
}

static bool is_json_type(const char *ct)
{
    if (!ct || strncasecmp(ct, "application/json", 16) != 0)
        return false;
    return ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ';
}

/* POST before its body: token, declared size, content type. */
static enum MHD_Result check_post_head(sa_http *h, struct MHD_Connection *c, sa_http_req *r,
                                       bool *ok)
{
    enum MHD_Result ret = check_auth(h, c, r, ok);
    if (!*ok)
        return ret;
    *ok = false;
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
    int64_t n = 0;
    if (cl && sa_parse_i64(cl, 0, INT64_MAX, &n) != SA_OK)
        return sa_http_error(c, r, MHD_HTTP_BAD_REQUEST, "bad_request", "bad Content-Length");
    if (n > (int64_t)SA_CAP_HTTP_BODY)
        return sa_http_error(c, r, MHD_HTTP_CONTENT_TOO_LARGE, "payload_too_large",
                             "request body over %u bytes", SA_CAP_HTTP_BODY);
    if ((n > 0 || te) &&
        !is_json_type(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type")))
        return sa_http_error(c, r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                             "request body must be application/json");
    *ok = true;
    return MHD_YES;
}

static const char *method_label(const char *m)
{
    static const char *known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    for (size_t i = 0; i < SA_ARRAY_LEN(known); i++)
        if (strcmp(m, known[i]) == 0)
            return known[i];
    return "other";
}

/* Everything that needs only the head; answers all but an accepted POST. */
static enum MHD_Result on_head(sa_http *h, struct MHD_Connection *c, sa_http_req *r,
                               const char *method)
{
    r->method_label = method_label(method);
    r->head = strcmp(method, "HEAD") == 0;
    if (r->too_long)
        return sa_http_error(c, r, MHD_HTTP_URI_TOO_LONG, "uri_too_long",
                             "request target longer than %d bytes", SA_HTTP_MAX_URL);
    sa_errbuf eb = {0};
    sa_err e = sa_http_target_parse(r->raw, r->raw_len, &r->target, &eb);
    if (e == SA_ERR_TOOBIG)
        return sa_http_error(c, r, MHD_HTTP_URI_TOO_LONG, "uri_too_long", "%s", eb.msg);
    if (e != SA_OK)
        return sa_http_error(c, r, MHD_HTTP_BAD_REQUEST, "bad_request", "%s", eb.msg);
    size_t hsize = 0;
    MHD_get_connection_values(c, MHD_HEADER_KIND, sum_header, &hsize);
    if (hsize > SA_HTTP_MAX_HEADERS)
        return sa_http_error(c, r, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large",
                             "request headers over %d bytes", SA_HTTP_MAX_HEADERS);
    r->route = sa_http_match(&r->target);
    if (r->route == R_NONE)
        return sa_http_error(c, r, MHD_HTTP_NOT_FOUND, "not_found", "no such endpoint");
    bool post = sa_http_routes[r->route].post;
    bool get_ok = !post && (strcmp(method, "GET") == 0 || r->head);
    bool post_ok = post && strcmp(method, "POST") == 0;
    if (!get_ok && !post_ok)
        return sa_http_error_hdr(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "Allow",
                                 post ? "POST" : "GET, HEAD", "method_not_allowed",
                                 "%s is not allowed here; use %s", r->method_label,
                                 post ? "POST" : "GET");
    if (get_ok)
        return sa_http_serve_get(h, c, r);
    bool ok = false;
    enum MHD_Result ret = check_post_head(h, c, r, &ok);
    return ok ? MHD_YES : ret; /* MHD_YES: go on reading the body */
}

/* Does the request announce a body? */
static bool has_body(struct MHD_Connection *c)
{
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding") ||
           (cl && strcmp(cl, "0") != 0);
}

/*
 * libmicrohttpd calls this once with the head, once per body chunk, and
 * once more at the end. A POST is checked on the first call, so a refused
 * upload (token, size, type) is answered before its body is read (and the
 * connection then closes); so is any other request that carries a body,
 * which we never read. Every other request is answered on the last call:
 * libmicrohttpd 0.9.75 closes the connection after a response queued on
 * the first call, and answering later keeps it alive.
 */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
    (void)url; /* MHD's decoded copy; we parse the raw target ourselves */
    (void)version;
    sa_http *h = cls;
    sa_http_req *r = *req_cls;
    if (!r)
        return MHD_NO; /* the URI callback could not allocate: drop */
    if (!r->started) {
        r->started = true;
        r->post = strcmp(method, "POST") == 0;
        return r->post || has_body(c) ? on_head(h, c, r, method) : MHD_YES;
    }
    if (r->status || (*upload_size && !r->post)) { /* answered, or a body we do not read */
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->body_too_big && sa_buf_append(&r->body, upload, *upload_size) != SA_OK)
            r->body_too_big = true; /* keep reading and dropping; answer 413 at the end */
        *upload_size = 0;
        return MHD_YES;
    }
    if (!r->post)
        return on_head(h, c, r, method);
    if (r->body_too_big)
        return sa_http_error(c, r, MHD_HTTP_CONTENT_TOO_LARGE, "payload_too_large",
                             "request body over %u bytes", SA_CAP_HTTP_BODY);
    return sa_http_serve_post(h, c, r);
}

/* Called by MHD with the raw request target, before any parsing. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)c;
    sa_http_req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->h = cls;
    r->t0_ms = sa_mono_ms();
    r->method_label = "other";
    sa_buf_init(&r->body, SA_CAP_HTTP_BODY);
    size_t n = strlen(uri);
    if (n > SA_HTTP_MAX_URL) {
        r->too_long = true;
    } else {
        memcpy(r->raw, uri, n + 1);
        r->raw_len = n;
    }
    return r;
}

static void on_done(void *cls, struct MHD_Connection *c, void **req_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    sa_http_req *r = *req_cls;
    if (!r)
        return;
    sa_buf_release(&r->body);
    free(r);
    *req_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) SA_PRINTF(2, 0);
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    sa_log(SA_LOG_WARN, "http server", "detail=%s", msg);
}

/* ---- life cycle ---- */

static sa_err setup_metrics(sa_http *h, sa_metrics *shared, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    if (shared) {
        h->reg = shared;
    } else {
        e = sa_metrics_create(&h->reg, eb);
        h->own_reg = e == SA_OK;
    }
    if (e == SA_OK)
        e = sa_metrics_counter(h->reg, "scaleadvisor_http_requests_total",
                               "HTTP requests answered, by route template, method and status.",
                               (const char *[]){"route", "method", "code"}, 3, &h->m_requests, eb);
    if (e == SA_OK)
        e = sa_metrics_histogram(h->reg, "scaleadvisor_http_request_duration_seconds",
                                 "Time from request line to response completion.",
                                 (const char *[]){"route"}, 1, NULL, 0, &h->m_duration, eb);
    return e;
}

static sa_err setup_web(sa_http *h, const char *web_dir)
{
    if (!web_dir || !*web_dir) {
        sa_log(SA_LOG_WARN, "no web directory: dashboard files will answer 404", NULL);
        return SA_OK;
    }
    h->web_root = realpath(web_dir, NULL);
    if (!h->web_root)
        sa_log(SA_LOG_WARN, "web directory not found: dashboard files will answer 404",
               "web_dir=%s", web_dir);
    return SA_OK;
}

static sa_err parse_addr(const sa_http_options *o, struct sockaddr_storage *ss, bool *v6,
                         sa_errbuf *eb)
{
    const char *host = o->host && *o->host ? o->host : "127.0.0.1";
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    if (o->port < 0 || o->port > 65535)
        return sa_fail(eb, SA_ERR_INVALID, "http: port %d out of range 0..65535", o->port);
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    *v6 = false;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)o->port);
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)o->port);
        *v6 = true;
    } else {
        return sa_fail(eb, SA_ERR_INVALID, "http: listen host \"%s\" is not an IP address", host);
    }
    return SA_OK;
}

sa_err sa_http_create(const sa_http_options *o, const sa_http_backend *be, sa_http **out,
                      sa_errbuf *eb)
{
    struct sockaddr_storage ss;
    bool v6 = false;
    sa_err e = parse_addr(o, &ss, &v6, eb);
    if (e != SA_OK)
        return e;
    if (o->max_connections < 0 || o->timeout_s < 0)
        return sa_fail(eb, SA_ERR_INVALID, "http: negative connection limit or timeout");
    sa_http *h = calloc(1, sizeof *h);
    if (!h)
        return sa_fail(eb, SA_ERR_NOMEM, "http: out of memory");
    h->be = *be;
    if (o->api_token && *o->api_token && !(h->token = strdup(o->api_token)))
        e = sa_fail(eb, SA_ERR_NOMEM, "http: out of memory");
    if (e == SA_OK)
        e = setup_metrics(h, o->metrics, eb);
    if (e == SA_OK)
        e = setup_web(h, o->web_dir);
    if (e != SA_OK)
        goto out;
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    unsigned limit = (unsigned)(o->max_connections ? o->max_connections : 64);
    unsigned timeout = (unsigned)(o->timeout_s ? o->timeout_s : 30);
    h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER,
                            on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_CONNECTION_TIMEOUT,
                            timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                            MHD_OPTION_URI_LOG_CALLBACK, on_uri, h, MHD_OPTION_NOTIFY_COMPLETED,
                            on_done, h, MHD_OPTION_END);
    if (!h->d) {
        e = sa_fail(eb, SA_ERR_IO, "http: cannot listen on %s port %d (in use or not allowed)",
                    o->host && *o->host ? o->host : "127.0.0.1", o->port);
        goto out;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? (int)info->port : o->port;
out:
    if (e != SA_OK) {
        sa_http_destroy(h);
        h = NULL;
    }
    *out = h;
    return e;
}

int sa_http_port(const sa_http *h)
{
    return h ? h->port : 0;
}

void sa_http_destroy(sa_http *h)
{
    if (!h)
        return;
    if (h->d)
        MHD_stop_daemon(h->d);
    if (h->own_reg)
        sa_metrics_destroy(h->reg);
    if (h->token) {
        explicit_bzero(h->token, strlen(h->token));
        free(h->token);
    }
    free(h->web_root);
    free(h);
}
