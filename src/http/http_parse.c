/*
 * http_parse.c - request-target parsing and name checks. Pure functions
 * over bytes: no allocation, no I/O, so the fuzz harness can drive them.
 * We parse the raw target ourselves (not libmicrohttpd's decoded copy) so
 * that an encoded "/" or "." can never turn into a path separator or a
 * dot segment after decoding.
 */
#include <string.h>
#include <strings.h>

#include "http/http_int.h"
#include "scaleadvisor/banned.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

typedef struct {
    sa_http_target *t;
    size_t used; /* bytes of t->store used */
} store_ctx;

/* Decode raw[0..n) into the store, NUL-terminated. In a path segment an
 * encoded '.', '/', '\' or control byte is refused; in the query '+' is a
 * space and decoded control bytes are refused. */
static sa_err decode(store_ctx *sc, const char *raw, size_t n, bool query, const char **out,
                     sa_errbuf *eb)
{
    sa_http_target *t = sc->t;
    if (sc->used + n + 1 > sizeof t->store)
        return sa_fail(eb, SA_ERR_TOOBIG, "request target too long");
    char *dst = t->store + sc->used;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c == '%') {
            int hi = i + 2 < n ? hexval(raw[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(raw[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return sa_fail(eb, SA_ERR_INVALID, "bad percent-escape in request target");
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
            if (c < 0x20 || c == 0x7f)
                return sa_fail(eb, SA_ERR_INVALID, "encoded control byte in request target");
            if (!query && (c == '.' || c == '/' || c == '\\'))
                return sa_fail(eb, SA_ERR_INVALID, "encoded '%c' in path", (char)c);
        } else if (query && c == '+') {
            c = ' ';
        }
        dst[k++] = (char)c;
    }
    dst[k] = '\0';
    sc->used += k + 1;
    *out = dst;
    return SA_OK;
}

static sa_err parse_path(store_ctx *sc, const char *p, size_t n, sa_errbuf *eb)
{
    sa_http_target *t = sc->t;
    if (n == 1)
        return SA_OK; /* "/" */
    size_t i = 1;
    while (i <= n) {
        size_t j = i;
        while (j < n && p[j] != '/')
            j++;
        size_t sl = j - i;
        if (sl == 0)
            return sa_fail(eb, SA_ERR_INVALID, "empty segment in path");
        if ((sl == 1 && p[i] == '.') || (sl == 2 && p[i] == '.' && p[i + 1] == '.'))
            return sa_fail(eb, SA_ERR_INVALID, "dot segment in path");
        if (t->nseg == SA_HTTP_MAX_SEGMENTS)
            return sa_fail(eb, SA_ERR_INVALID, "too many path segments");
        sa_err e = decode(sc, p + i, sl, false, &t->seg[t->nseg], eb);
        if (e != SA_OK)
            return e;
        t->nseg++;
        i = j + 1;
    }
    return SA_OK;
}

static sa_err parse_query(store_ctx *sc, const char *q, size_t n, sa_errbuf *eb)
{
    sa_http_target *t = sc->t;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && q[j] != '&')
            j++;
        if (j > i) { /* empty pieces ("a=1&&b=2") are skipped */
            size_t eq = i;
            while (eq < j && q[eq] != '=')
                eq++;
            if (eq == i)
                return sa_fail(eb, SA_ERR_INVALID, "empty query parameter name");
            if (t->nparam == SA_HTTP_MAX_PARAMS)
                return sa_fail(eb, SA_ERR_INVALID, "too many query parameters");
            sa_http_param *pp = &t->param[t->nparam];
            sa_err e = decode(sc, q + i, eq - i, true, &pp->key, eb);
            if (e == SA_OK)
                e = decode(sc, eq < j ? q + eq + 1 : q + j, eq < j ? j - eq - 1 : 0, true,
                           &pp->value, eb);
            if (e != SA_OK)
                return e;
            if (pp->key[0] == '\0')
                return sa_fail(eb, SA_ERR_INVALID, "empty query parameter name");
            if (sa_http_target_param(t, pp->key))
                return sa_fail(eb, SA_ERR_INVALID, "query parameter given twice");
            t->nparam++;
        }
        i = j + 1;
    }
    return SA_OK;
}

sa_err sa_http_target_parse(const char *raw, size_t len, sa_http_target *t, sa_errbuf *eb)
{
    t->nseg = 0;
    t->nparam = 0;
    t->store[0] = '\0';
    if (len > SA_HTTP_MAX_URL)
        return sa_fail(eb, SA_ERR_TOOBIG, "request target longer than %d bytes", SA_HTTP_MAX_URL);
    if (len == 0 || raw[0] != '/')
        return sa_fail(eb, SA_ERR_INVALID, "request target must be an absolute path");
    size_t qpos = len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c <= 0x20 || c >= 0x7f)
            return sa_fail(eb, SA_ERR_INVALID, "bad byte 0x%02x in request target", c);
        if (c == '\\')
            return sa_fail(eb, SA_ERR_INVALID, "backslash in request target");
        if (c == '#')
            return sa_fail(eb, SA_ERR_INVALID, "fragment in request target");
        if (c == '?' && qpos == len)
            qpos = i;
    }
    store_ctx sc = {t, 0};
    sa_err e = parse_path(&sc, raw, qpos, eb);
    if (e == SA_OK && qpos < len)
        e = parse_query(&sc, raw + qpos + 1, len - qpos - 1, eb);
    if (e != SA_OK) {
        t->nseg = 0;
        t->nparam = 0;
    }
    return e;
}

const char *sa_http_target_param(const sa_http_target *t, const char *key)
{
    for (size_t i = 0; i < t->nparam; i++)
        if (strcmp(t->param[i].key, key) == 0)
            return t->param[i].value;
    return NULL;
}

static bool lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? of exactly n bytes. */
static bool label_n(const char *s, size_t n)
{
    if (n == 0 || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!lower_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

bool sa_http_dns_label(const char *s)
{
    size_t n = strlen(s);
    return n <= 63 && label_n(s, n);
}

bool sa_http_dns_subdomain(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253)
        return false;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != '.')
            j++;
        if (!label_n(s + i, j - i))
            return false;
        i = j + 1;
    }
    return true;
}

bool sa_http_file_segment(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SA_HTTP_MAX_FILE_NAME || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

const char *sa_http_mime(const char *name)
{
    static const struct {
        const char *ext;
        const char *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".json", "application/json"},
        {".txt", "text/plain; charset=utf-8"},
        {".woff2", "font/woff2"},
    };
    const char *dot = strrchr(name, '.');
    if (!dot)
        return NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcasecmp(dot, types[i].ext) == 0)
            return types[i].type;
    return NULL;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool sa_http_json_array_first(const char *s, size_t n, size_t *count, size_t *off, size_t *len)
{
    size_t i = 0;
    while (i < n && blank(s[i]))
        i++;
    if (i == n || s[i] != '[')
        return false;
    i++;
    while (i < n && blank(s[i]))
        i++;
    *count = 0;
    *off = i;
    *len = 0;
    if (i < n && s[i] == ']')
        return true;
    *count = 1;
    int depth = 1;
    bool in_str = false, first_open = true;
    for (; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            depth++;
        } else if ((c == ',' && depth == 1) || ((c == ']' || c == '}') && --depth == 0)) {
            if (first_open) {
                size_t e = i;
                while (e > *off && blank(s[e - 1]))
                    e--;
                *len = e - *off;
                first_open = false;
            }
            if (depth == 0)
                return c == ']';
            (*count)++;
        }
    }
    return false;
}
