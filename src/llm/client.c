/*
 * client.c - one HTTPS POST to the chat completions endpoint. A fresh curl
 * handle per call (thread-safe), TLS verified, no signals, the remaining
 * budget as the whole transfer's timeout, the reply capped through sa_buf
 * so an oversized body aborts the transfer. The key only ever goes into
 * the Authorization header; nothing here logs headers.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "llm/llm_int.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

void llm_http_reply_init(llm_http_reply *r)
{
    memset(r, 0, sizeof *r);
    sa_buf_init(&r->body, SA_CAP_LLM_REPLY);
    r->retry_after_ms = -1;
    r->reset_ms = -1;
}

void llm_http_reply_release(llm_http_reply *r)
{
    sa_buf_release(&r->body);
}

double llm_parse_duration_ms(const char *s)
{
    double total = 0;
    bool any = false;
    const char *p = s;
    while (*p == ' ')
        p++;
    while (*p && *p != '\r' && *p != '\n') {
        char *end = NULL;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v) || v < 0)
            return -1;
        p = end;
        if (strncmp(p, "ms", 2) == 0) {
            total += v;
            p += 2;
        } else if (*p == 'h') {
            total += v * 3600e3;
            p++;
        } else if (*p == 'm') {
            total += v * 60e3;
            p++;
        } else if (*p == 's' || *p == '\0' || *p == ' ' || *p == '\r' || *p == '\n') {
            total += v * 1e3; /* plain number: seconds */
            if (*p == 's')
                p++;
        } else {
            return -1;
        }
        any = true;
        while (*p == ' ')
            p++;
    }
    return any ? total : -1;
}

typedef struct {
    llm_http_reply *r;
    bool too_big;
    double reset_req, reset_tok;
    bool rem_req_zero, rem_tok_zero;
} xfer;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    xfer *x = ud;
    if (sa_buf_append(&x->r->body, p, sz * n) != SA_OK) {
        x->too_big = true;
        return 0; /* aborts the transfer */
    }
    return sz * n;
}

static bool header_is(const char *line, size_t n, const char *name, const char **value)
{
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return false;
    *value = line + nl + 1;
    return true;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = sz * n;
    char line[256];
    if (len >= sizeof line)
        return len;
    memcpy(line, p, len);
    line[len] = '\0';
    const char *v;
    if (strncasecmp(line, "HTTP/", 5) == 0) { /* a new response (redirect, 100) */
        x->r->retry_after_ms = -1;
        x->reset_req = x->reset_tok = -1;
    } else if (header_is(line, len, "retry-after", &v)) {
        x->r->retry_after_ms = llm_parse_duration_ms(v);
    } else if (header_is(line, len, "x-ratelimit-reset-requests", &v)) {
        x->reset_req = llm_parse_duration_ms(v);
    } else if (header_is(line, len, "x-ratelimit-reset-tokens", &v)) {
        x->reset_tok = llm_parse_duration_ms(v);
    } else if (header_is(line, len, "x-ratelimit-remaining-requests", &v)) {
        x->rem_req_zero = strtol(v, NULL, 10) == 0;
    } else if (header_is(line, len, "x-ratelimit-remaining-tokens", &v)) {
        x->rem_tok_zero = strtol(v, NULL, 10) == 0;
    }
    return len;
}

/* Which reset applies: the exhausted one(s); else the nearest. */
static double reset_hint(const xfer *x)
{
    double best = -1;
    if (x->rem_req_zero && x->reset_req >= 0)
        best = x->reset_req;
    if (x->rem_tok_zero && x->reset_tok > best)
        best = x->reset_tok;
    if (best >= 0)
        return best;
    if (x->reset_req >= 0 && (x->reset_tok < 0 || x->reset_req < x->reset_tok))
        return x->reset_req;
    return x->reset_tok;
}

void llm_http_post(const char *url, const char *key, const char *json, int64_t timeout_ms,
                   const char *ca_file, llm_http_reply *r)
{
    xfer x = {.r = r, .reset_req = -1, .reset_tok = -1};
    struct curl_slist *h = NULL;
    char auth[SA_CFG_STR_MAX + 32];
    double t0 = sa_mono_ms();
    CURL *c = curl_easy_init();
    if (!c) {
        r->err = SA_ERR_NOMEM;
        sa_strlcpy(r->detail, "cannot create a curl handle", sizeof r->detail);
        goto out;
    }
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 1));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 1));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "scaleadvisor/" SA_VERSION);
    if (ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (x.too_big) {
        r->err = SA_ERR_TOOBIG;
        sa_strlcpy(r->detail, "reply larger than the cap", sizeof r->detail);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        r->err = SA_ERR_TIMEOUT;
        sa_strlcpy(r->detail, "timeout", sizeof r->detail);
    } else if (rc != CURLE_OK) {
        r->err = SA_ERR_IO;
        snprintf(r->detail, sizeof r->detail, "%s", curl_easy_strerror(rc));
    }
    if (r->err != SA_OK)
        r->status = 0; /* a partial reply is no reply */
    r->reset_ms = reset_hint(&x);
    r->exhausted = x.rem_req_zero || x.rem_tok_zero;
out:
    /* wipe the header copy that held the key */
    memset(auth, 0, sizeof auth);
    curl_slist_free_all(h);
    if (c)
        curl_easy_cleanup(c);
    r->latency_ms = sa_mono_ms() - t0;
}
