/*
 * fake_peer.c - the scripted test server. libmicrohttpd runs one thread per
 * connection, so a delayed or hanging answer blocks only its own client;
 * every wait is a timed condition wait that destroy() cuts short.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "fake_peer.h"
#include "scaleadvisor/buf.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

typedef struct script {
    char *method, *path_prefix, *headers, *body;
    size_t body_len;
    int status, delay_ms, times;
    bool hang;
    long cut_after;
    struct script *next;
} script;

struct sa_fake_peer {
    struct MHD_Daemon *d;
    int port;
    char url[64];
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    script *head;
    sa_fake_request **reqs;
    size_t n_reqs, cap_reqs;
    bool released, stopping;
};

typedef struct {
    sa_fake_request *req;
    sa_buf body;
    sa_buf headers;
    bool body_full; /* past SA_FAKE_REQ_BODY_MAX: the rest is dropped */
} conn_state;

typedef struct {
    char *body;
    size_t len;
    long cut_after;
} cut_body;

static char *dup_or_null(const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static void script_free(script *s)
{
    if (!s)
        return;
    free(s->method);
    free(s->path_prefix);
    free(s->headers);
    free(s->body);
    free(s);
}

void sa_fake_response_init(sa_fake_response *r)
{
    memset(r, 0, sizeof *r);
    r->status = 200;
    r->cut_after = -1;
    r->times = 1;
}

static void deadline_after(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Take the first matching script (copy kept by caller). */
static script *take_script(sa_fake_peer *p, const char *method, const char *path)
{
    size_t plen = strcspn(path, "?");
    script **pp = &p->head;
    for (; *pp; pp = &(*pp)->next) {
        script *s = *pp;
        if (s->method && strcmp(s->method, method) != 0)
            continue;
        /* a prefix with a query matches the path with its query */
        size_t limit = s->path_prefix && strchr(s->path_prefix, '?') ? strlen(path) : plen;
        if (s->path_prefix && (strlen(s->path_prefix) > limit ||
                               strncmp(path, s->path_prefix, strlen(s->path_prefix))))
            continue;
        script *c = calloc(1, sizeof *c);
        if (!c)
            return NULL;
        *c = *s;
        c->next = NULL;
        c->method = NULL;
        c->path_prefix = NULL;
        c->headers = dup_or_null(s->headers, s->headers ? strlen(s->headers) : 0);
        c->body = dup_or_null(s->body, s->body_len);
        if (s->times > 0 && --s->times == 0) {
            *pp = s->next;
            script_free(s);
        }
        return c;
    }
    return NULL;
}

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *con)
{
    (void)cls;
    (void)con;
    conn_state *cs = calloc(1, sizeof *cs);
    if (!cs)
        return NULL;
    cs->req = calloc(1, sizeof *cs->req);
    if (!cs->req) {
        free(cs);
        return NULL;
    }
    sa_strlcpy(cs->req->path, uri ? uri : "", sizeof cs->req->path);
    sa_buf_init(&cs->body, SA_FAKE_REQ_BODY_MAX);
    sa_buf_init(&cs->headers, 256u * 1024u);
    return cs;
}

static enum MHD_Result header_it(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    sa_buf *b = cls;
    char name[256];
    size_t i = 0;
    for (; key[i] && i + 1 < sizeof name; i++)
        name[i] = (char)tolower((unsigned char)key[i]);
    name[i] = '\0';
    if (sa_buf_printf(b, "%s: %s\n", name, value ? value : "") != SA_OK)
        return MHD_NO;
    return MHD_YES;
}

static void completed(void *cls, struct MHD_Connection *con, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)con;
    (void)toe;
    conn_state *cs = *con_cls;
    if (!cs)
        return;
    if (cs->req) {
        free(cs->req->headers);
        free(cs->req->body);
        free(cs->req);
    }
    sa_buf_release(&cs->body);
    sa_buf_release(&cs->headers);
    free(cs);
    *con_cls = NULL;
}

static void record(sa_fake_peer *p, conn_state *cs)
{
    sa_fake_request *r = cs->req;
    char *s = NULL;
    if (sa_buf_detach(&cs->body, &s) == SA_OK) {
        r->body = s;
        r->body_len = strlen(s);
    }
    if (sa_buf_detach(&cs->headers, &s) == SA_OK)
        r->headers = s;
    pthread_mutex_lock(&p->mu);
    if (p->n_reqs == p->cap_reqs) {
        size_t nc = p->cap_reqs ? p->cap_reqs * 2 : 16;
        sa_fake_request **nr = realloc(p->reqs, nc * sizeof *nr);
        if (nr) {
            p->reqs = nr;
            p->cap_reqs = nc;
        }
    }
    if (p->n_reqs < p->cap_reqs) {
        p->reqs[p->n_reqs++] = r;
        cs->req = NULL;
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Delay, or hang until released / stopping / limit. */
static void wait_script(sa_fake_peer *p, const script *s)
{
    struct timespec ts;
    pthread_mutex_lock(&p->mu);
    if (s->hang) {
        deadline_after(&ts, SA_FAKE_HANG_MAX_MS);
        while (!p->released && !p->stopping)
            if (pthread_cond_timedwait(&p->cv, &p->mu, &ts) == ETIMEDOUT)
                break;
    } else if (s->delay_ms > 0) {
        deadline_after(&ts, s->delay_ms);
        while (!p->stopping)
            if (pthread_cond_timedwait(&p->cv, &p->mu, &ts) == ETIMEDOUT)
                break;
    }
    pthread_mutex_unlock(&p->mu);
}

static ssize_t cut_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    cut_body *cb = cls;
    if (pos >= (uint64_t)cb->cut_after)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = (size_t)((uint64_t)cb->cut_after - pos);
    if (n > max)
        n = max;
    memcpy(buf, cb->body + pos, n);
    return (ssize_t)n;
}

static void cut_free(void *cls)
{
    cut_body *cb = cls;
    free(cb->body);
    free(cb);
}

static struct MHD_Response *build_response(script *s)
{
    struct MHD_Response *resp = NULL;
    if (s->cut_after >= 0 && (size_t)s->cut_after < s->body_len) {
        cut_body *cb = malloc(sizeof *cb);
        if (!cb)
            return NULL;
        cb->body = s->body;
        cb->len = s->body_len;
        cb->cut_after = s->cut_after;
        s->body = NULL;
        resp = MHD_create_response_from_callback(cb->len, 4096, cut_reader, cb, cut_free);
        if (!resp)
            cut_free(cb);
    } else {
        resp = MHD_create_response_from_buffer(s->body_len, s->body ? s->body : (void *)"",
                                               MHD_RESPMEM_MUST_COPY);
    }
    if (!resp || !s->headers)
        return resp;
    for (char *line = s->headers; *line;) {
        size_t n = strcspn(line, "\n");
        char save = line[n];
        line[n] = '\0';
        char *colon = strchr(line, ':');
        if (colon) {
            *colon = '\0';
            char *v = colon + 1;
            while (*v == ' ')
                v++;
            size_t vl = strlen(v);
            while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
                v[--vl] = '\0';
            MHD_add_response_header(resp, line, v);
        }
        line[n] = save;
        line += n + (save ? 1 : 0);
    }
    return resp;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *con, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)url;
    (void)version;
    sa_fake_peer *p = cls;
    conn_state *cs = *con_cls;
    if (!cs || !cs->req)
        return MHD_NO;
    if (!cs->req->method[0]) {
        sa_strlcpy(cs->req->method, method, sizeof cs->req->method);
        MHD_get_connection_values(con, MHD_HEADER_KIND, header_it, &cs->headers);
        return MHD_YES;
    }
    if (*upload_size) {
        if (!cs->body_full && sa_buf_append(&cs->body, upload, *upload_size) != SA_OK)
            cs->body_full = true; /* recorded body stays empty: the test sees it */
        *upload_size = 0;
        return MHD_YES;
    }
    char path[1024];
    sa_strlcpy(path, cs->req->path, sizeof path);
    record(p, cs);

    pthread_mutex_lock(&p->mu);
    script *s = take_script(p, method, path);
    pthread_mutex_unlock(&p->mu);
    script fallback = {0};
    if (!s) {
        fallback.status = 599;
        fallback.body = dup_or_null("fake_peer: no scripted response", 31);
        fallback.body_len = fallback.body ? 31 : 0;
        fallback.cut_after = -1;
        s = &fallback;
    }
    wait_script(p, s);
    struct MHD_Response *resp = build_response(s);
    enum MHD_Result rc = MHD_NO;
    if (resp) {
        rc = MHD_queue_response(con, (unsigned)s->status, resp);
        MHD_destroy_response(resp);
    }
    if (s == &fallback) {
        free(fallback.body);
    } else {
        script_free(s);
    }
    return rc;
}

sa_err sa_fake_peer_start(sa_fake_peer **out, sa_errbuf *eb)
{
    sa_fake_peer *p = calloc(1, sizeof *p);
    if (!p)
        return sa_fail(eb, SA_ERR_NOMEM, "fake_peer: out of memory");
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&p->mu, NULL);

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p->d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL,
                         NULL, handle, p, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_URI_LOG_CALLBACK, uri_log, p, MHD_OPTION_NOTIFY_COMPLETED,
                         completed, p, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    if (!p->d) {
        sa_fake_peer_destroy(p);
        return sa_fail(eb, SA_ERR_IO, "fake_peer: cannot start the daemon");
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(p->d, MHD_DAEMON_INFO_BIND_PORT);
    p->port = di ? (int)di->port : 0;
    snprintf(p->url, sizeof p->url, "http://127.0.0.1:%d", p->port);
    *out = p;
    return SA_OK;
}

void sa_fake_peer_destroy(sa_fake_peer *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (p->d)
        MHD_stop_daemon(p->d);
    sa_fake_peer_clear(p);
    for (size_t i = 0; i < p->n_reqs; i++) {
        free(p->reqs[i]->headers);
        free(p->reqs[i]->body);
        free(p->reqs[i]);
    }
    free(p->reqs);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int sa_fake_peer_port(const sa_fake_peer *p)
{
    return p->port;
}

const char *sa_fake_peer_url(const sa_fake_peer *p)
{
    return p->url;
}

void sa_fake_peer_push(sa_fake_peer *p, const sa_fake_response *r)
{
    script *s = calloc(1, sizeof *s);
    if (!s)
        return;
    size_t blen = r->body ? (r->body_len ? r->body_len : strlen(r->body)) : 0;
    s->method = dup_or_null(r->method, r->method ? strlen(r->method) : 0);
    s->path_prefix = dup_or_null(r->path_prefix, r->path_prefix ? strlen(r->path_prefix) : 0);
    s->headers = dup_or_null(r->headers, r->headers ? strlen(r->headers) : 0);
    s->body = dup_or_null(r->body, blen);
    s->body_len = blen;
    s->status = r->status;
    s->delay_ms = r->delay_ms;
    s->hang = r->hang;
    s->cut_after = r->cut_after;
    s->times = r->times == 0 ? 1 : r->times;
    pthread_mutex_lock(&p->mu);
    script **pp = &p->head;
    while (*pp)
        pp = &(*pp)->next;
    *pp = s;
    pthread_mutex_unlock(&p->mu);
}

void sa_fake_peer_push_simple(sa_fake_peer *p, int status, const char *headers, const char *body)
{
    sa_fake_response r;
    sa_fake_response_init(&r);
    r.status = status;
    r.headers = headers;
    r.body = body;
    sa_fake_peer_push(p, &r);
}

void sa_fake_peer_clear(sa_fake_peer *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->head) {
        script *s = p->head;
        p->head = s->next;
        script_free(s);
    }
    pthread_mutex_unlock(&p->mu);
}

size_t sa_fake_peer_pending(sa_fake_peer *p)
{
    size_t n = 0;
    pthread_mutex_lock(&p->mu);
    for (script *s = p->head; s; s = s->next)
        n++;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void sa_fake_peer_release(sa_fake_peer *p)
{
    pthread_mutex_lock(&p->mu);
    p->released = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

size_t sa_fake_peer_request_count(sa_fake_peer *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->n_reqs;
    pthread_mutex_unlock(&p->mu);
    return n;
}

const sa_fake_request *sa_fake_peer_request(sa_fake_peer *p, size_t i)
{
    pthread_mutex_lock(&p->mu);
    const sa_fake_request *r = i < p->n_reqs ? p->reqs[i] : NULL;
    pthread_mutex_unlock(&p->mu);
    return r;
}

bool sa_fake_peer_wait_requests(sa_fake_peer *p, size_t n, int timeout_ms)
{
    struct timespec ts;
    deadline_after(&ts, timeout_ms);
    pthread_mutex_lock(&p->mu);
    while (p->n_reqs < n && !p->stopping)
        if (pthread_cond_timedwait(&p->cv, &p->mu, &ts) == ETIMEDOUT)
            break;
    bool ok = p->n_reqs >= n;
    pthread_mutex_unlock(&p->mu);
    return ok;
}

bool sa_fake_request_header(const sa_fake_request *r, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        size_t n = strcspn(line, "\n");
        if (n >= nl + 1 && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ')
                v++;
            size_t vl = (size_t)(line + n - v);
            if (size) {
                size_t c = vl < size - 1 ? vl : size - 1;
                memcpy(out, v, c);
                out[c] = '\0';
            }
            return true;
        }
        line += n + (line[n] ? 1 : 0);
    }
    return false;
}
