/*
 * buf.c - the capped growable buffer. Growth doubles; an append past the
 * cap releases everything so a caller that ignores the error still cannot
 * keep a half-filled reply around.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/banned.h"

void sa_buf_init(sa_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

void sa_buf_release(sa_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
}

void sa_buf_reset(sa_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static sa_err buf_reserve(sa_buf *b, size_t n)
{
    if (n > b->cap || b->len > b->cap - n) {
        sa_buf_release(b);
        return SA_ERR_TOOBIG;
    }
    size_t need = b->len + n + 1;
    if (need <= b->alloc)
        return SA_OK;
    size_t na = b->alloc ? b->alloc : 64;
    while (na < need)
        na *= 2;
    char *p = realloc(b->data, na);
    if (!p) {
        sa_buf_release(b);
        return SA_ERR_NOMEM;
    }
    b->data = p;
    b->alloc = na;
    return SA_OK;
}

sa_err sa_buf_append(sa_buf *b, const void *p, size_t n)
{
    sa_err e = buf_reserve(b, n);
    if (e != SA_OK)
        return e;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return SA_OK;
}

sa_err sa_buf_puts(sa_buf *b, const char *s)
{
    return sa_buf_append(b, s, strlen(s));
}

sa_err sa_buf_printf(sa_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return SA_ERR_INTERNAL;
    sa_err e = buf_reserve(b, (size_t)n);
    if (e != SA_OK)
        return e;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return SA_OK;
}

sa_err sa_buf_json_str(sa_buf *b, const char *s)
{
    sa_err e = sa_buf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; e == SA_OK && *p; p++) {
        switch (*p) {
        case '"':
            e = sa_buf_append(b, "\\\"", 2);
            break;
        case '\\':
            e = sa_buf_append(b, "\\\\", 2);
            break;
        case '\n':
            e = sa_buf_append(b, "\\n", 2);
            break;
        case '\r':
            e = sa_buf_append(b, "\\r", 2);
            break;
        case '\t':
            e = sa_buf_append(b, "\\t", 2);
            break;
        default:
            /* '<' and '>' escaped too, so JSON embedded in a page can never
             * close a script element. */
            if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
                e = sa_buf_printf(b, "\\u%04x", *p);
            else
                e = sa_buf_append(b, p, 1);
        }
    }
    if (e == SA_OK)
        e = sa_buf_append(b, "\"", 1);
    return e;
}

sa_err sa_buf_detach(sa_buf *b, char **out)
{
    if (!b->data) {
        sa_err e = buf_reserve(b, 0);
        if (e != SA_OK)
            return e;
        b->data[0] = '\0';
    }
    *out = b->data;
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    return SA_OK;
}

sa_err sa_buf_read_file(sa_buf *b, const char *path, sa_errbuf *eb)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    sa_err e = SA_OK;
    if (!f)
        return sa_fail(eb, SA_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        e = sa_buf_append(b, chunk, n);
        if (e == SA_ERR_TOOBIG) {
            sa_fail(eb, e, "%s is larger than %zu bytes", path, b->cap);
            goto out;
        }
        if (e != SA_OK) {
            sa_fail(eb, e, "reading %s: %s", path, sa_strerror(e));
            goto out;
        }
    }
    if (ferror(f)) {
        e = sa_fail(eb, SA_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    if (!b->data)
        e = sa_buf_append(b, "", 0);
out:
    if (!is_stdin)
        fclose(f);
    return e;
}
