/*
 * http_routes.c - the handlers: the JSON API over the backend vtable,
 * /healthz, /readyz, /metrics, and the dashboard's static files. Every
 * name from the URL is validated here before the backend sees it.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/http_srv.h"
#include "scaleadvisor/log.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define HISTORY_LIMIT_DEFAULT 1000
#define HISTORY_LIMIT_MAX 10000
#define REASON_MAX 256
#define STATIC_FILE_MAX (16u << 20)

static bool seg_is(const sa_http_target *t, size_t i, const char *s)
{
    return i < t->nseg && strcmp(t->seg[i], s) == 0;
}

sa_http_route sa_http_match(const sa_http_target *t)
{
    size_t n = t->nseg;
    if (n == 0)
        return R_INDEX;
    if (n == 1 && seg_is(t, 0, "healthz"))
        return R_HEALTHZ;
    if (n == 1 && seg_is(t, 0, "readyz"))
        return R_READYZ;
    if (n == 1 && seg_is(t, 0, "metrics"))
        return R_METRICS;
    if (!seg_is(t, 0, "api"))
        return R_STATIC;
    if (n == 2 && seg_is(t, 1, "status"))
        return R_STATUS;
    if (!seg_is(t, 1, "autoscaling"))
        return R_NONE;
    if (n == 3 && seg_is(t, 2, "recommendations"))
        return R_RECS;
    if (n == 4 && seg_is(t, 2, "recommendations"))
        return R_RECS_SERVER;
    if (n == 3 && seg_is(t, 2, "pause"))
        return R_PAUSE;
    if (n == 3 && seg_is(t, 2, "resume"))
        return R_RESUME;
    if (n == 3 && seg_is(t, 2, "stop"))
        return R_STOP;
    if (n == 6 && seg_is(t, 2, "deployments") && seg_is(t, 5, "history"))
        return R_HISTORY;
    if (n == 6 && seg_is(t, 2, "deployments") && seg_is(t, 5, "evaluate"))
        return R_EVALUATE;
    return R_NONE;
}

/* ---- helpers ---- */

/* 400 unless every query parameter is one of allowed (NULL-terminated). */
static bool params_ok(const sa_http_target *t, const char *const *allowed, const char **bad)
{
    for (size_t i = 0; i < t->nparam; i++) {
        size_t j = 0;
        while (allowed[j] && strcmp(allowed[j], t->param[i].key) != 0)
            j++;
        if (!allowed[j]) {
            *bad = t->param[i].key;
            return false;
        }
    }
    return true;
}

static enum MHD_Result bad_param(struct MHD_Connection *c, sa_http_req *r, const char *bad,
                                 const char *allowed)
{
    return sa_http_error(c, r, MHD_HTTP_BAD_REQUEST, "bad_request",
                         "unknown query parameter \"%.64s\" (allowed: %s)", bad, allowed);
}

/* A backend failure as a response; the detail goes to the log. */
static enum MHD_Result backend_fail(struct MHD_Connection *c, sa_http_req *r, sa_err e,
                                    const char *what, const char *detail)
{
    sa_log(SA_LOG_WARN, "http backend call failed", "call=%s error=%s detail=%s", what,
           sa_strerror(e), detail && *detail ? detail : "-");
    switch (e) {
    case SA_ERR_UNAVAILABLE:
    case SA_ERR_TIMEOUT:
        return sa_http_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                             "%s: temporarily unavailable", what);
    case SA_ERR_CONFLICT:
    case SA_ERR_DENIED:
        return sa_http_error(c, r, MHD_HTTP_CONFLICT, "conflict", "%s: %s", what,
                             detail && *detail ? detail : sa_strerror(e));
    default:
        return sa_http_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "%s failed", what);
    }
}

static enum MHD_Result not_supported(struct MHD_Connection *c, sa_http_req *r)
{
    return sa_http_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                         "not available in this service");
}

static enum MHD_Result send_json(struct MHD_Connection *c, sa_http_req *r, unsigned status,
                                 sa_buf *b)
{
    if (b->len == 0)
        return sa_http_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                             "empty answer from the service");
    return sa_http_queue(c, r, status, sa_http_json_response(b, NULL), false);
}

/* Filter value from the query: "" counts as absent. */
static const char *filter(const sa_http_target *t, const char *key)
{
    const char *v = sa_http_target_param(t, key);
    return v && *v ? v : NULL;
}

static enum MHD_Result bad_ns(struct MHD_Connection *c, sa_http_req *r, const char *ns)
{
    return sa_http_error(c, r, MHD_HTTP_BAD_REQUEST, "bad_request",
                         "namespace \"%.64s\" is not a DNS-1123 label", ns);
}

static enum MHD_Result bad_name(struct MHD_Connection *c, sa_http_req *r, const char *name)
{
    return sa_http_error(c, r, MHD_HTTP_BAD_REQUEST, "bad_request",
                         "deployment name \"%.64s\" is not a DNS-1123 subdomain", name);
}

/* ---- GET handlers ---- */

/* The single object of a one-element JSON array, or why not. The object is
 * answered byte for byte as the service wrote it. */
static enum MHD_Result one_of(struct MHD_Connection *c, sa_http_req *r, const sa_buf *arr,
                              const char *ns, const char *name)
{
    size_t n = 0, off = 0, len = 0;
    cJSON *doc = arr->len ? cJSON_ParseWithLength(arr->data, arr->len) : NULL;
    bool ok = cJSON_IsArray(doc) && sa_http_json_array_first(arr->data, arr->len, &n, &off, &len);
    cJSON_Delete(doc);
    if (!ok)
        return backend_fail(c, r, SA_ERR_INTERNAL, "recommendations", "not a JSON array");
    if (n == 0)
        return sa_http_error(c, r, MHD_HTTP_NOT_FOUND, "not_found",
                             "no watched deployment \"%s\"%s%s", name, ns ? " in namespace " : "",
                             ns ? ns : "");
    if (n > 1)
        return sa_http_error(
            c, r, MHD_HTTP_BAD_REQUEST, "bad_request",
            "deployment \"%s\" exists in several namespaces; add ?namespace=", name);
    sa_buf b;
    sa_buf_init(&b, SA_CAP_JSON_OUT);
    enum MHD_Result ret = sa_buf_append(&b, arr->data + off, len) == SA_OK
                              ? send_json(c, r, MHD_HTTP_OK, &b)
                              : sa_http_queue(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, false);
    sa_buf_release(&b);
    return ret;
}

static enum MHD_Result get_recs(sa_http *h, struct MHD_Connection *c, sa_http_req *r)
{
    const sa_http_target *t = &r->target;
    const char *bad = NULL;
    if (!params_ok(t, (const char *[]){"namespace", "deployment", NULL}, &bad))
        return bad_param(c, r, bad, "namespace, deployment");
    const char *ns = filter(t, "namespace"), *name = filter(t, "deployment");
    if (ns && !sa_http_dns_label(ns))
        return bad_ns(c, r, ns);
    if (name && !sa_http_dns_subdomain(name))
        return bad_name(c, r, name);
    if (r->route == R_RECS_SERVER && strcmp(t->seg[3], "default") != 0)
        return sa_http_error(c, r, MHD_HTTP_NOT_FOUND, "not_found",
                             "unknown server_id \"%.64s\"; the local cluster is \"default\"",
                             t->seg[3]);
    if (!h->be.recommendations)
        return not_supported(c, r);
    sa_buf arr, out;
    sa_buf_init(&arr, SA_CAP_JSON_OUT);
    sa_buf_init(&out, SA_CAP_JSON_OUT);
    enum MHD_Result ret;
    sa_err e = h->be.recommendations(h->be.ctx, ns, name, &arr);
    if (e == SA_ERR_NOTFOUND) { /* nothing matches the filters */
        sa_buf_reset(&arr);
        e = sa_buf_puts(&arr, "[]");
    }
    if (e != SA_OK) {
        ret = backend_fail(c, r, e, "recommendations", NULL);
    } else if (r->route == R_RECS_SERVER && name) {
        ret = one_of(c, r, &arr, ns, name);
    } else if (arr.len == 0) {
        ret = backend_fail(c, r, SA_ERR_INTERNAL, "recommendations", "empty answer");
    } else {
        e = sa_buf_puts(&out, "{\"recommendations\":");
        if (e == SA_OK)
            e = sa_buf_append(&out, arr.data, arr.len);
        if (e == SA_OK)
            e = sa_buf_puts(&out, "}");
        ret = e == SA_OK ? send_json(c, r, MHD_HTTP_OK, &out)
                         : backend_fail(c, r, e, "recommendations", "answer too big");
    }
    sa_buf_release(&arr);
    sa_buf_release(&out);
    return ret;
}

static enum MHD_Result get_history(sa_http *h, struct MHD_Connection *c, sa_http_req *r)
{
    const sa_http_target *t = &r->target;
    const char *ns = t->seg[3], *name = t->seg[4], *bad = NULL;
    if (!params_ok(t, (const char *[]){"since", "limit", NULL}, &bad))
        return bad_param(c, r, bad, "since, limit");
    if (!sa_http_dns_label(ns))
        return bad_ns(c, r, ns);
    if (!sa_http_dns_subdomain(name))
        return bad_name(c, r, name);
    const char *ssince = sa_http_target_param(t, "since");
    const char *slimit = sa_http_target_param(t, "limit");
    double since = 0;
    int limit = HISTORY_LIMIT_DEFAULT;
    if (ssince && (sa_parse_time(ssince, &since) != SA_OK || since < 0 || since > 1e11))
        return sa_http_error(c, r, MHD_HTTP_BAD_REQUEST, "bad_request",
                             "since must be epoch seconds or an ISO-8601 UTC time");
    if (slimit && sa_parse_int(slimit, 1, HISTORY_LIMIT_MAX, &limit) != SA_OK)
        return sa_http_error(c, r, MHD_HTTP_BAD_REQUEST, "bad_request",
                             "limit must be an integer in 1..%d", HISTORY_LIMIT_MAX);
    if (!h->be.history)
        return not_supported(c, r);
    sa_buf out;
    sa_buf_init(&out, SA_CAP_JSON_OUT);
    enum MHD_Result ret;
    sa_err e = h->be.history(h->be.ctx, ns, name, (int64_t)since, limit, &out);
    if (e == SA_ERR_NOTFOUND)
        ret = sa_http_error(c, r, MHD_HTTP_NOT_FOUND, "not_found", "no watched deployment %s/%s",
                            ns, name);
    else if (e != SA_OK)
        ret = backend_fail(c, r, e, "history", NULL);
    else
        ret = send_json(c, r, MHD_HTTP_OK, &out);
    sa_buf_release(&out);
    return ret;
}

static enum MHD_Result get_status(sa_http *h, struct MHD_Connection *c, sa_http_req *r)
{
    if (!h->be.status)
        return not_supported(c, r);
    sa_buf out;
    sa_buf_init(&out, SA_CAP_JSON_OUT);
    sa_err e = h->be.status(h->be.ctx, &out);
    enum MHD_Result ret =
        e == SA_OK ? send_json(c, r, MHD_HTTP_OK, &out) : backend_fail(c, r, e, "status", NULL);
    sa_buf_release(&out);
    return ret;
}

static enum MHD_Result get_simple(struct MHD_Connection *c, sa_http_req *r, const char *body)
{
    sa_buf b;
    sa_buf_init(&b, 256);
    enum MHD_Result ret = sa_buf_puts(&b, body) == SA_OK
                              ? send_json(c, r, MHD_HTTP_OK, &b)
                              : sa_http_queue(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, false);
    sa_buf_release(&b);
    return ret;
}

static enum MHD_Result get_metrics(sa_http *h, struct MHD_Connection *c, sa_http_req *r)
{
    sa_buf out;
    sa_buf_init(&out, SA_CAP_JSON_OUT);
    sa_err e = sa_metrics_render(h->reg, &out);
    if (e == SA_OK && h->be.metrics)
        e = h->be.metrics(h->be.ctx, &out);
    enum MHD_Result ret =
        e == SA_OK ? sa_http_queue(c, r, MHD_HTTP_OK,
                                   sa_http_json_response(&out, "text/plain; version=0.0.4; "
                                                               "charset=utf-8"),
                                   false)
                   : backend_fail(c, r, e, "metrics", NULL);
    sa_buf_release(&out);
    return ret;
}

/* ---- static files ---- */

static enum MHD_Result no_file(struct MHD_Connection *c, sa_http_req *r)
{
    return sa_http_error(c, r, MHD_HTTP_NOT_FOUND, "not_found", "no such file");
}

/* Resolve the target to a path under web_root, or fail (-> 404). The
 * segments are already free of dot segments and encoded separators; the
 * whitelist and the realpath prefix check keep symlinks from leading out. */
static bool resolve_file(const sa_http *h, const sa_http_target *t, char *path, size_t size,
                         const char **mime)
{
    const char *last = t->nseg ? t->seg[t->nseg - 1] : "index.html";
    *mime = sa_http_mime(last);
    if (!*mime)
        return false;
    char want[PATH_MAX];
    size_t n = (size_t)snprintf(want, sizeof want, "%s", h->web_root);
    for (size_t i = 0; i < t->nseg && n < sizeof want; i++) {
        if (!sa_http_file_segment(t->seg[i]))
            return false;
        n += (size_t)snprintf(want + n, sizeof want - n, "/%s", t->seg[i]);
    }
    if (t->nseg == 0)
        n += (size_t)snprintf(want + n, sizeof want - n, "/index.html");
    if (n >= sizeof want)
        return false;
    char *real = realpath(want, NULL);
    size_t rl = strlen(h->web_root);
    bool ok = real && strncmp(real, h->web_root, rl) == 0 && real[rl] == '/' &&
              sa_strlcpy(path, real, size) < size;
    free(real);
    return ok;
}

static bool etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return false;
    if (strcmp(inm, "*") == 0)
        return true;
    size_t el = strlen(etag);
    for (const char *p = inm; (p = strstr(p, etag)) != NULL; p += el) {
        bool start = p == inm || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/';
        bool end = p[el] == '\0' || p[el] == ',' || p[el] == ' ';
        if (start && end)
            return true;
    }
    return false;
}

static bool file_headers(struct MHD_Response *resp, const char *mime, const char *etag,
                         const struct stat *st)
{
    char lm[64];
    struct tm tm;
    time_t mt = st->st_mtime;
    bool ok = gmtime_r(&mt, &tm) && strftime(lm, sizeof lm, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return ok && (!mime || MHD_add_response_header(resp, "Content-Type", mime) == MHD_YES) &&
           MHD_add_response_header(resp, "Cache-Control", "no-cache") == MHD_YES &&
           MHD_add_response_header(resp, "ETag", etag) == MHD_YES &&
           MHD_add_response_header(resp, "Last-Modified", lm) == MHD_YES;
}

static enum MHD_Result get_file(sa_http *h, struct MHD_Connection *c, sa_http_req *r)
{
    char path[PATH_MAX];
    const char *mime = NULL;
    if (!h->web_root || !resolve_file(h, &r->target, path, sizeof path, &mime))
        return no_file(c, r);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
        (uint64_t)st.st_size > STATIC_FILE_MAX) {
        if (fd >= 0)
            close(fd);
        return no_file(c, r);
    }
    char etag[64];
    snprintf(etag, sizeof etag, "\"%" PRIx64 "-%" PRIx64 "\"", (uint64_t)st.st_size,
             (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec);
    struct MHD_Response *resp;
    unsigned status = MHD_HTTP_OK;
    if (etag_matches(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match"), etag)) {
        close(fd);
        status = MHD_HTTP_NOT_MODIFIED;
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        mime = NULL;
    } else {
        resp = MHD_create_response_from_fd((size_t)st.st_size, fd); /* takes fd */
        if (!resp)
            close(fd);
    }
    if (resp && !file_headers(resp, mime, etag, &st)) {
        MHD_destroy_response(resp);
        resp = NULL;
    }
    return sa_http_queue(c, r, status, resp, true);
}

enum MHD_Result sa_http_serve_get(sa_http *h, struct MHD_Connection *c, sa_http_req *r)
{
    const char *bad = NULL;
    switch (r->route) {
    case R_INDEX:
    case R_STATIC:
        return get_file(h, c, r);
    case R_RECS:
    case R_RECS_SERVER:
        return get_recs(h, c, r);
    case R_HISTORY:
        return get_history(h, c, r);
    case R_STATUS:
    case R_HEALTHZ:
    case R_READYZ:
    case R_METRICS:
        if (!params_ok(&r->target, (const char *[]){NULL}, &bad))
            return bad_param(c, r, bad, "none");
        break;
    default:
        return sa_http_error(c, r, MHD_HTTP_NOT_FOUND, "not_found", "no such endpoint");
    }
    if (r->route == R_STATUS)
        return get_status(h, c, r);
    if (r->route == R_HEALTHZ) {
        int64_t stalled = h->be.stalled_s ? h->be.stalled_s(h->be.ctx) : 0;
        if (stalled > 0)
            return sa_http_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "stalled",
                                 "the control loop has made no progress for %lld s",
                                 (long long)stalled);
        return get_simple(c, r, "{\"status\":\"ok\"}");
    }
    if (r->route == R_METRICS)
        return get_metrics(h, c, r);
    if (h->be.ready && h->be.ready(h->be.ctx))
        return get_simple(c, r, "{\"status\":\"ready\"}");
    return sa_http_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "not_ready",
                         "the first cycle has not completed yet");
}

/* ---- POST handlers ---- */

/* The optional body: empty, or a JSON object whose only member is an
 * optional "reason" string (logged). */
static bool body_ok(sa_http_req *r, char *reason, size_t rsize, const char **why)
{
    reason[0] = '\0';
    if (r->body.len == 0)
        return true;
    cJSON *doc = cJSON_ParseWithLength(r->body.data, r->body.len);
    bool ok = false;
    *why = "body is not valid JSON";
    if (cJSON_IsObject(doc)) {
        ok = true;
        *why = NULL;
        for (cJSON *it = doc->child; ok && it; it = it->next) {
            if (strcmp(it->string, "reason") != 0) {
                ok = false;
                *why = "unknown member in body (allowed: reason)";
            } else if (!cJSON_IsString(it) || strlen(it->valuestring) > REASON_MAX) {
                ok = false;
                *why = "reason must be a string of at most 256 bytes";
            } else {
                sa_strlcpy(reason, it->valuestring, rsize);
                /* a log field value: no "key=" lookalikes, no control bytes */
                for (char *p = reason; *p; p++)
                    if ((unsigned char)*p < 0x20 || *p == '=')
                        *p = ' ';
            }
        }
    } else if (doc) {
        *why = "body must be a JSON object";
    }
    cJSON_Delete(doc);
    return ok;
}

static enum MHD_Result post_evaluate(sa_http *h, struct MHD_Connection *c, sa_http_req *r)
{
    const char *ns = r->target.seg[3], *name = r->target.seg[4];
    if (!sa_http_dns_label(ns))
        return bad_ns(c, r, ns);
    if (!sa_http_dns_subdomain(name))
        return bad_name(c, r, name);
    if (!h->be.evaluate)
        return not_supported(c, r);
    sa_buf out;
    sa_buf_init(&out, SA_CAP_JSON_OUT);
    sa_errbuf eb = {0};
    enum MHD_Result ret;
    sa_err e = h->be.evaluate(h->be.ctx, ns, name, &out, &eb);
    if (e == SA_ERR_NOTFOUND)
        ret = sa_http_error(c, r, MHD_HTTP_NOT_FOUND, "not_found", "no watched deployment %s/%s",
                            ns, name);
    else if (e != SA_OK)
        ret = backend_fail(c, r, e, "evaluate", eb.msg);
    else
        ret = send_json(c, r, MHD_HTTP_OK, &out);
    sa_buf_release(&out);
    return ret;
}

static enum MHD_Result post_pause(sa_http *h, struct MHD_Connection *c, sa_http_req *r,
                                  const char *reason)
{
    bool paused = r->route != R_RESUME, stop = r->route == R_STOP;
    if (!h->be.set_paused || !h->be.status)
        return not_supported(c, r);
    sa_errbuf eb = {0};
    sa_err e = h->be.set_paused(h->be.ctx, paused, stop, &eb);
    if (e != SA_OK)
        return backend_fail(c, r, e, stop ? "stop" : paused ? "pause" : "resume", eb.msg);
    sa_log(SA_LOG_WARN,
           stop     ? "emergency stop"
           : paused ? "actuation paused"
                    : "actuation resumed",
           "reason=%s", *reason ? reason : "-");
    return get_status(h, c, r);
}

enum MHD_Result sa_http_serve_post(sa_http *h, struct MHD_Connection *c, sa_http_req *r)
{
    const char *bad = NULL, *why = NULL;
    char reason[REASON_MAX + 1];
    if (!params_ok(&r->target, (const char *[]){NULL}, &bad))
        return bad_param(c, r, bad, "none");
    if (!body_ok(r, reason, sizeof reason, &why))
        return sa_http_error(c, r, MHD_HTTP_BAD_REQUEST, "bad_request", "%s", why);
    if (r->route == R_EVALUATE)
        return post_evaluate(h, c, r);
    if (r->route == R_PAUSE || r->route == R_RESUME || r->route == R_STOP)
        return post_pause(h, c, r, reason);
    return sa_http_error(c, r, MHD_HTTP_NOT_FOUND, "not_found", "no such endpoint");
}
