/*
 * peer_http.c - blocking HTTP requests to Prometheus and the Kubernetes API.
 * The write callback appends into a capped sa_buf, so an oversized reply
 * aborts the transfer instead of growing memory. CURLOPT_NOSIGNAL keeps
 * libcurl away from signals (the service waits for them in its loop).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "sources/peer_http.h"
#include "scaleadvisor/banned.h"

void sa_peer_reply_init(sa_peer_reply *r)
{
    r->status = 0;
    sa_buf_init(&r->body, SA_CAP_PEER_REPLY);
}

void sa_peer_reply_release(sa_peer_reply *r)
{
    if (!r)
        return;
    sa_buf_release(&r->body);
    r->status = 0;
}

typedef struct {
    sa_buf *b;
    sa_err err;
} sink;

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    sink *s = ud;
    size_t n = size * nmemb;
    sa_err e = sa_buf_append(s->b, p, n);
    if (e != SA_OK) {
        s->err = e;
        return 0; /* aborts the transfer */
    }
    return n;
}

static sa_err map_curl(CURLcode rc, const sink *s, const sa_peer_req *rq, sa_errbuf *eb)
{
    if (s->err == SA_ERR_TOOBIG)
        return sa_fail(eb, SA_ERR_TOOBIG, "reply larger than %zu bytes",
                       rq->cap ? rq->cap : (size_t)SA_CAP_PEER_REPLY);
    if (s->err != SA_OK)
        return sa_fail(eb, s->err, "reading reply: %s", sa_strerror(s->err));
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return sa_fail(eb, SA_ERR_TIMEOUT, "timed out after %ld ms", rq->timeout_ms);
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return sa_fail(eb, SA_ERR_UNAVAILABLE, "cannot connect: %s", curl_easy_strerror(rc));
    default:
        return sa_fail(eb, SA_ERR_IO, "request failed: %s", curl_easy_strerror(rc));
    }
}

/* Headers: Accept JSON, optional Content-Type, optional bearer. The token
 * is formatted into a local buffer that is wiped before return. */
static sa_err build_headers(const sa_peer_req *rq, struct curl_slist **out, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    struct curl_slist *h = NULL, *t;
    char line[8300]; /* tokens up to 8 KiB (K8S_TOKEN_MAX) */
    if (!(t = curl_slist_append(h, "Accept: application/json")))
        goto nomem;
    h = t;
    if (rq->content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", rq->content_type);
        if (!(t = curl_slist_append(h, line)))
            goto nomem;
        h = t;
    }
    if (rq->bearer && rq->bearer[0]) {
        int n = snprintf(line, sizeof line, "Authorization: Bearer %s", rq->bearer);
        if (n < 0 || (size_t)n >= sizeof line) {
            e = sa_fail(eb, SA_ERR_INVALID, "bearer token too long");
            goto out;
        }
        t = curl_slist_append(h, line);
        memset(line, 0, sizeof line);
        if (!t)
            goto nomem;
        h = t;
    }
    *out = h;
    h = NULL;
    goto out;
nomem:
    e = sa_fail(eb, SA_ERR_NOMEM, "out of memory building request headers");
out:
    curl_slist_free_all(h);
    return e;
}

sa_err sa_peer_request(const sa_peer_req *rq, sa_peer_reply *rp, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    struct curl_slist *hdr = NULL;
    CURL *c = NULL;
    sink s = {&rp->body, SA_OK};

    sa_buf_release(&rp->body);
    rp->body.cap = rq->cap ? rq->cap : SA_CAP_PEER_REPLY;
    rp->status = 0;
    if ((e = build_headers(rq, &hdr, eb)) != SA_OK)
        goto out;
    if (!(c = curl_easy_init())) {
        e = sa_fail(eb, SA_ERR_NOMEM, "cannot create a curl handle");
        goto out;
    }
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, rq->timeout_ms > 0 ? rq->timeout_ms : 5000L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, rq->timeout_ms > 0 ? rq->timeout_ms : 5000L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    if (rq->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, rq->ca_file);
    if (rq->method && strcmp(rq->method, "GET") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
    if (rq->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(rq->body));
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        e = map_curl(rc, &s, rq, eb);
        sa_buf_release(&rp->body);
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rp->status);
    if (!rp->body.data && (e = sa_buf_puts(&rp->body, "")) != SA_OK)
        e = sa_fail(eb, e, "out of memory");
out:
    curl_easy_cleanup(c);
    curl_slist_free_all(hdr);
    return e;
}

char *sa_peer_escape(const char *s)
{
    char *esc = curl_easy_escape(NULL, s, 0);
    char *copy = NULL;
    if (esc) {
        size_t n = strlen(esc);
        copy = malloc(n + 1);
        if (copy)
            memcpy(copy, esc, n + 1);
        curl_free(esc);
    }
    return copy;
}
