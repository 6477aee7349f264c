/*
 * series.c - `timestamp,value` CSV reader. Parses the whole text in one
 * pass into three parallel owned arrays; every error names the file and
 * line so the user can fix the input. Missing values stay NaN here: what to
 * do with them (interpolate, refuse) is the caller's decision.
 */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/series.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define FIELD_MAX 128

void sa_series_init(sa_series *s)
{
    memset(s, 0, sizeof *s);
}

void sa_series_release(sa_series *s)
{
    if (!s)
        return;
    free(s->t);
    free(s->v);
    free(s->line);
    sa_series_init(s);
}

/* Copy p[0..n-1] without surrounding blanks into out[FIELD_MAX]; false when
 * too long. */
static int field_copy(const char *p, size_t n, char out[FIELD_MAX])
{
    while (n > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n >= FIELD_MAX)
        return 0;
    memcpy(out, p, n);
    out[n] = '\0';
    return 1;
}

static int name_is(const char *f, const char *want)
{
    for (; *f && *want; f++, want++)
        if (tolower((unsigned char)*f) != *want)
            return 0;
    return *f == '\0' && *want == '\0';
}

static sa_err grow(sa_series *s, size_t *alloc)
{
    size_t na = *alloc ? *alloc * 2 : 1024;
    double *t = realloc(s->t, na * sizeof *t);
    if (!t)
        return SA_ERR_NOMEM;
    s->t = t;
    double *v = realloc(s->v, na * sizeof *v);
    if (!v)
        return SA_ERR_NOMEM;
    s->v = v;
    size_t *l = realloc(s->line, na * sizeof *l);
    if (!l)
        return SA_ERR_NOMEM;
    s->line = l;
    *alloc = na;
    return SA_OK;
}

/* Parse one data line (no line end) into row s->n. */
static sa_err parse_row(const char *p, size_t n, const char *name, size_t lineno, sa_series *s,
                        sa_errbuf *eb)
{
    const char *comma = memchr(p, ',', n);
    char ft[FIELD_MAX], fv[FIELD_MAX];
    if (!comma)
        return sa_fail(eb, SA_ERR_INVALID, "%s:%zu: expected 'timestamp,value'", name, lineno);
    size_t nt = (size_t)(comma - p);
    if (memchr(comma + 1, ',', n - nt - 1))
        return sa_fail(eb, SA_ERR_INVALID, "%s:%zu: more than two fields", name, lineno);
    if (!field_copy(p, nt, ft) || !field_copy(comma + 1, n - nt - 1, fv))
        return sa_fail(eb, SA_ERR_INVALID, "%s:%zu: field longer than %d characters", name, lineno,
                       FIELD_MAX - 1);
    double t, v;
    if (sa_parse_time(ft, &t) != SA_OK)
        return sa_fail(eb, SA_ERR_INVALID,
                       "%s:%zu: bad timestamp '%s' (epoch seconds or "
                       "ISO-8601 UTC)",
                       name, lineno, ft);
    if (fv[0] == '\0') {
        v = NAN;
        s->n_missing++;
    } else if (sa_parse_double(fv, -DBL_MAX, DBL_MAX, &v) != SA_OK) {
        return sa_fail(eb, SA_ERR_INVALID, "%s:%zu: value '%s' is not a finite number", name,
                       lineno, fv);
    }
    if (s->n > 0 && !(t > s->t[s->n - 1]))
        return sa_fail(eb, SA_ERR_INVALID,
                       "%s:%zu: timestamp '%s' is not after the previous "
                       "row's (line %zu)",
                       name, lineno, ft, s->line[s->n - 1]);
    s->t[s->n] = t;
    s->v[s->n] = v;
    s->line[s->n] = lineno;
    s->n++;
    return SA_OK;
}

static sa_err check_header(const char *p, size_t n, const char *name, sa_errbuf *eb)
{
    char a[FIELD_MAX], b[FIELD_MAX];
    /* A UTF-8 byte-order mark is tolerated. */
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
        n -= 3;
    }
    const char *comma = memchr(p, ',', n);
    if (!comma || !field_copy(p, (size_t)(comma - p), a) ||
        !field_copy(comma + 1, n - (size_t)(comma - p) - 1, b) || !name_is(a, "timestamp") ||
        !name_is(b, "value"))
        return sa_fail(eb, SA_ERR_INVALID, "%s:1: expected the header 'timestamp,value'", name);
    return SA_OK;
}

sa_err sa_series_parse(const char *text, size_t len, const char *name, sa_series *out,
                       sa_errbuf *eb)
{
    sa_err e = SA_OK;
    size_t alloc = 0, lineno = 0, pos = 0;
    int have_header = 0;
    sa_series_init(out);
    if (memchr(text, '\0', len)) {
        e = sa_fail(eb, SA_ERR_INVALID, "%s: contains a NUL byte (not a text file)", name);
        goto out;
    }
    while (pos < len) {
        const char *p = text + pos;
        const char *nl = memchr(p, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - p) : len - pos;
        pos += n + (nl ? 1 : 0);
        lineno++;
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (!have_header) {
            e = check_header(p, n, name, eb);
            if (e != SA_OK)
                goto out;
            have_header = 1;
            continue;
        }
        size_t k = 0;
        while (k < n && (p[k] == ' ' || p[k] == '\t'))
            k++;
        if (k == n)
            continue; /* blank line */
        if (out->n == alloc && (e = grow(out, &alloc)) != SA_OK) {
            sa_fail(eb, e, "%s: out of memory at line %zu", name, lineno);
            goto out;
        }
        e = parse_row(p, n, name, lineno, out, eb);
        if (e != SA_OK)
            goto out;
    }
    if (!have_header)
        e = sa_fail(eb, SA_ERR_INVALID,
                    "%s: empty file (expected the header "
                    "'timestamp,value' and rows)",
                    name);
    else if (out->n == 0)
        e = sa_fail(eb, SA_ERR_INVALID, "%s: no data rows after the header", name);
out:
    if (e != SA_OK)
        sa_series_release(out);
    return e;
}

sa_err sa_series_read(const char *path, sa_series *out, sa_errbuf *eb)
{
    sa_buf b;
    sa_buf_init(&b, SA_CAP_FILE);
    sa_series_init(out);
    sa_err e = sa_buf_read_file(&b, path, eb);
    if (e == SA_OK)
        e = sa_series_parse(b.data, b.len, path, out, eb);
    sa_buf_release(&b);
    return e;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double sa_series_step(const sa_series *s)
{
    if (!s || s->n < 2)
        return 0;
    double *d = malloc((s->n - 1) * sizeof *d);
    if (!d)
        return s->t[1] - s->t[0];
    for (size_t i = 0; i + 1 < s->n; i++)
        d[i] = s->t[i + 1] - s->t[i];
    qsort(d, s->n - 1, sizeof *d, cmp_double);
    double m = d[(s->n - 1) / 2];
    free(d);
    return m;
}
