/*
 * metrics.c - the metrics registry and its Prometheus text rendering.
 * One mutex guards the whole registry: updates are a lookup plus an add,
 * and a scrape renders every series at one instant. Series are found by a
 * linear scan (families hold tens of series, capped at SA_METRICS_MAX_SERIES).
 */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaleadvisor/metrics.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

typedef enum { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM } metric_kind;

typedef struct {
    char **values;    /* nlabels strings, owned */
    double value;     /* counter / gauge */
    uint64_t *counts; /* histogram: per bucket, not cumulative; nbounds + 1 */
    double sum;
    uint64_t count;
} series;

struct sa_metric {
    sa_metrics *reg;
    metric_kind kind;
    char *name;
    char *help;
    char *labels[SA_METRICS_MAX_LABELS];
    size_t nlabels;
    double bounds[SA_METRICS_MAX_BUCKETS];
    size_t nbounds;
    series **series;
    size_t nseries;
    size_t aseries;
    sa_metric *next;
};

struct sa_metrics {
    pthread_mutex_t mu;
    sa_metric *head;
    sa_metric *tail;
};

const double sa_metrics_default_buckets[11] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                               0.5,   1.0,  2.5,   5.0,  10.0};

static const char *kind_name(metric_kind k)
{
    switch (k) {
    case KIND_COUNTER:
        return "counter";
    case KIND_GAUGE:
        return "gauge";
    case KIND_HISTOGRAM:
        return "histogram";
    }
    return "untyped";
}

static bool valid_name(const char *s, bool colon)
{
    if (!s || !*s)
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (colon && c == ':') || (p != s && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return true;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void series_free(series *s, size_t nlabels)
{
    if (!s)
        return;
    if (s->values)
        for (size_t i = 0; i < nlabels; i++)
            free(s->values[i]);
    free(s->values);
    free(s->counts);
    free(s);
}

static void family_free(sa_metric *f)
{
    for (size_t i = 0; i < f->nseries; i++)
        series_free(f->series[i], f->nlabels);
    free(f->series);
    for (size_t i = 0; i < f->nlabels; i++)
        free(f->labels[i]);
    free(f->name);
    free(f->help);
    free(f);
}

sa_err sa_metrics_create(sa_metrics **out, sa_errbuf *eb)
{
    sa_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return sa_fail(eb, SA_ERR_NOMEM, "metrics: out of memory");
    if (pthread_mutex_init(&m->mu, NULL) != 0) {
        free(m);
        return sa_fail(eb, SA_ERR_INTERNAL, "metrics: cannot create mutex");
    }
    *out = m;
    return SA_OK;
}

void sa_metrics_destroy(sa_metrics *m)
{
    if (!m)
        return;
    sa_metric *f = m->head;
    while (f) {
        sa_metric *next = f->next;
        family_free(f);
        f = next;
    }
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static sa_err check_labels(metric_kind kind, const char *const *names, size_t n, sa_errbuf *eb)
{
    if (n > SA_METRICS_MAX_LABELS)
        return sa_fail(eb, SA_ERR_INVALID, "metrics: more than %d labels", SA_METRICS_MAX_LABELS);
    if (n && !names)
        return sa_fail(eb, SA_ERR_INVALID, "metrics: label names missing");
    for (size_t i = 0; i < n; i++) {
        if (!valid_name(names[i], false) || strncmp(names[i], "__", 2) == 0)
            return sa_fail(eb, SA_ERR_INVALID, "metrics: bad label name \"%s\"",
                           names[i] ? names[i] : "(null)");
        if (kind == KIND_HISTOGRAM && strcmp(names[i], "le") == 0)
            return sa_fail(eb, SA_ERR_INVALID, "metrics: label \"le\" is reserved in histograms");
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return sa_fail(eb, SA_ERR_INVALID, "metrics: label \"%s\" given twice", names[i]);
    }
    return SA_OK;
}

static sa_err check_bounds(const double *b, size_t n, sa_errbuf *eb)
{
    if (n < 1 || n > SA_METRICS_MAX_BUCKETS)
        return sa_fail(eb, SA_ERR_INVALID, "metrics: need 1..%d bucket bounds",
                       SA_METRICS_MAX_BUCKETS);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(b[i]))
            return sa_fail(eb, SA_ERR_INVALID, "metrics: bucket bound %zu is not finite", i);
        if (i && !(b[i] > b[i - 1]))
            return sa_fail(eb, SA_ERR_INVALID, "metrics: bucket bounds must increase");
    }
    return SA_OK;
}

/* Same shape as an existing family? (caller holds the lock) */
static bool same_shape(const sa_metric *f, metric_kind kind, const char *const *names, size_t n,
                       const double *b, size_t nb)
{
    if (f->kind != kind || f->nlabels != n || f->nbounds != nb)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(f->labels[i], names[i]) != 0)
            return false;
    return nb == 0 || memcmp(f->bounds, b, nb * sizeof *b) == 0;
}

static sa_metric *family_new(metric_kind kind, const char *name, const char *help,
                             const char *const *names, size_t n, const double *b, size_t nb)
{
    sa_metric *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->kind = kind;
    f->name = dup_str(name);
    f->help = dup_str(help ? help : "");
    bool ok = f->name && f->help;
    for (size_t i = 0; ok && i < n; i++) {
        f->labels[i] = dup_str(names[i]);
        ok = f->labels[i] != NULL;
        f->nlabels = i + 1;
    }
    if (!ok) {
        family_free(f);
        return NULL;
    }
    if (nb)
        memcpy(f->bounds, b, nb * sizeof *b);
    f->nbounds = nb;
    return f;
}

static sa_err do_register(sa_metrics *m, metric_kind kind, const char *name, const char *help,
                          const char *const *names, size_t n, const double *b, size_t nb,
                          sa_metric **out, sa_errbuf *eb)
{
    if (!valid_name(name, true))
        return sa_fail(eb, SA_ERR_INVALID, "metrics: bad metric name \"%s\"",
                       name ? name : "(null)");
    sa_err e = check_labels(kind, names, n, eb);
    if (e == SA_OK && kind == KIND_HISTOGRAM)
        e = check_bounds(b, nb, eb);
    if (e != SA_OK)
        return e;
    pthread_mutex_lock(&m->mu);
    sa_metric *f = m->head;
    while (f && strcmp(f->name, name) != 0)
        f = f->next;
    if (f) {
        if (same_shape(f, kind, names, n, b, nb))
            *out = f;
        else
            e = sa_fail(eb, SA_ERR_CONFLICT, "metrics: \"%s\" already registered differently",
                        name);
    } else {
        f = family_new(kind, name, help, names, n, b, nb);
        if (!f) {
            e = sa_fail(eb, SA_ERR_NOMEM, "metrics: out of memory");
        } else {
            f->reg = m;
            if (m->tail)
                m->tail->next = f;
            else
                m->head = f;
            m->tail = f;
            *out = f;
        }
    }
    pthread_mutex_unlock(&m->mu);
    return e;
}

sa_err sa_metrics_counter(sa_metrics *m, const char *name, const char *help,
                          const char *const *label_names, size_t nlabels, sa_metric **out,
                          sa_errbuf *eb)
{
    return do_register(m, KIND_COUNTER, name, help, label_names, nlabels, NULL, 0, out, eb);
}

sa_err sa_metrics_gauge(sa_metrics *m, const char *name, const char *help,
                        const char *const *label_names, size_t nlabels, sa_metric **out,
                        sa_errbuf *eb)
{
    return do_register(m, KIND_GAUGE, name, help, label_names, nlabels, NULL, 0, out, eb);
}

sa_err sa_metrics_histogram(sa_metrics *m, const char *name, const char *help,
                            const char *const *label_names, size_t nlabels, const double *bounds,
                            size_t nbounds, sa_metric **out, sa_errbuf *eb)
{
    if (!bounds && nbounds == 0) {
        bounds = sa_metrics_default_buckets;
        nbounds = SA_ARRAY_LEN(sa_metrics_default_buckets);
    }
    return do_register(m, KIND_HISTOGRAM, name, help, label_names, nlabels, bounds, nbounds, out,
                       eb);
}

static sa_err check_values(const sa_metric *f, const char *const *v)
{
    if (f->nlabels && !v)
        return SA_ERR_INVALID;
    for (size_t i = 0; i < f->nlabels; i++)
        if (!v[i] || strlen(v[i]) > SA_METRICS_MAX_VALUE)
            return SA_ERR_INVALID;
    return SA_OK;
}

/* Index of the series with these values, or nseries. Caller holds the lock. */
static size_t series_find(const sa_metric *f, const char *const *v)
{
    size_t i;
    for (i = 0; i < f->nseries; i++) {
        size_t j = 0;
        while (j < f->nlabels && strcmp(f->series[i]->values[j], v[j]) == 0)
            j++;
        if (j == f->nlabels)
            break;
    }
    return i;
}

static series *series_new(const sa_metric *f, const char *const *v)
{
    series *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->values = calloc(f->nlabels + 1, sizeof *s->values); /* NULL-terminated */
    bool ok = s->values != NULL;
    for (size_t i = 0; ok && i < f->nlabels; i++)
        ok = (s->values[i] = dup_str(v[i])) != NULL;
    if (ok && f->kind == KIND_HISTOGRAM)
        ok = (s->counts = calloc(f->nbounds + 1, sizeof *s->counts)) != NULL;
    if (!ok) {
        series_free(s, f->nlabels);
        return NULL;
    }
    return s;
}

/* Find or make the series; caller holds the lock. */
static sa_err series_get(sa_metric *f, const char *const *v, series **out)
{
    size_t i = series_find(f, v);
    if (i < f->nseries) {
        *out = f->series[i];
        return SA_OK;
    }
    if (f->nseries >= SA_METRICS_MAX_SERIES)
        return SA_ERR_TOOBIG;
    if (f->nseries == f->aseries) {
        size_t na = f->aseries ? f->aseries * 2 : 8;
        series **p = realloc(f->series, na * sizeof *p);
        if (!p)
            return SA_ERR_NOMEM;
        f->series = p;
        f->aseries = na;
    }
    series *s = series_new(f, v);
    if (!s)
        return SA_ERR_NOMEM;
    f->series[f->nseries++] = s;
    *out = s;
    return SA_OK;
}

typedef enum { OP_INC, OP_SET, OP_OBSERVE } op_kind;

static sa_err update(sa_metric *f, const char *const *v, op_kind op, double x)
{
    if (!f || check_values(f, v) != SA_OK)
        return SA_ERR_INVALID;
    bool ok;
    switch (op) {
    case OP_INC:
        ok = (f->kind == KIND_COUNTER && x >= 0 && !isinf(x)) ||
             (f->kind == KIND_GAUGE && isfinite(x));
        break;
    case OP_SET:
        ok = f->kind == KIND_GAUGE;
        break;
    default:
        ok = f->kind == KIND_HISTOGRAM && !isnan(x);
        break;
    }
    if (!ok)
        return SA_ERR_INVALID;
    pthread_mutex_lock(&f->reg->mu);
    series *s = NULL;
    sa_err e = series_get(f, v, &s);
    if (e == SA_OK) {
        if (op == OP_INC) {
            s->value += x;
        } else if (op == OP_SET) {
            s->value = x;
        } else {
            size_t b = 0;
            while (b < f->nbounds && x > f->bounds[b])
                b++;
            s->counts[b]++;
            s->count++;
            s->sum += x;
        }
    }
    pthread_mutex_unlock(&f->reg->mu);
    return e;
}

sa_err sa_metrics_inc(sa_metric *f, const char *const *label_values, double delta)
{
    return update(f, label_values, OP_INC, delta);
}

sa_err sa_metrics_set(sa_metric *f, const char *const *label_values, double v)
{
    return update(f, label_values, OP_SET, v);
}

sa_err sa_metrics_observe(sa_metric *f, const char *const *label_values, double v)
{
    return update(f, label_values, OP_OBSERVE, v);
}

sa_err sa_metrics_forget(sa_metric *f, const char *const *label_values)
{
    if (!f || check_values(f, label_values) != SA_OK)
        return SA_ERR_INVALID;
    pthread_mutex_lock(&f->reg->mu);
    size_t i = series_find(f, label_values);
    if (i < f->nseries) {
        series_free(f->series[i], f->nlabels);
        memmove(&f->series[i], &f->series[i + 1], (f->nseries - i - 1) * sizeof *f->series);
        f->nseries--;
    }
    pthread_mutex_unlock(&f->reg->mu);
    return SA_OK;
}

sa_err sa_metrics_value(sa_metric *f, const char *const *label_values, double *out)
{
    if (!f || check_values(f, label_values) != SA_OK)
        return SA_ERR_INVALID;
    sa_err e = SA_ERR_NOTFOUND;
    pthread_mutex_lock(&f->reg->mu);
    size_t i = series_find(f, label_values);
    if (i < f->nseries) {
        const series *s = f->series[i];
        *out = f->kind == KIND_HISTOGRAM ? (double)s->count : s->value;
        e = SA_OK;
    }
    pthread_mutex_unlock(&f->reg->mu);
    return e;
}

/* ---- rendering ---- */

sa_err sa_metrics_format_value(sa_buf *out, double v)
{
    if (isnan(v))
        return sa_buf_puts(out, "NaN");
    if (isinf(v))
        return sa_buf_puts(out, v > 0 ? "+Inf" : "-Inf");
    double fl = floor(v);
    if (!isless(v, fl) && !isgreater(v, fl) && fabs(v) < 1e15)
        return sa_buf_printf(out, "%.0f", v);
    /* The shortest %g that reads back to the same double. */
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        double back = strtod(tmp, NULL);
        if (!(back < v) && !(back > v))
            break;
    }
    return sa_buf_puts(out, tmp);
}

static sa_err escape(sa_buf *out, const char *s, bool quote)
{
    sa_err e = SA_OK;
    const char *run = s;
    for (const char *p = s; e == SA_OK && *p; p++) {
        const char *rep = NULL;
        if (*p == '\\')
            rep = "\\\\";
        else if (*p == '\n')
            rep = "\\n";
        else if (quote && *p == '"')
            rep = "\\\"";
        if (!rep)
            continue;
        e = sa_buf_append(out, run, (size_t)(p - run));
        if (e == SA_OK)
            e = sa_buf_puts(out, rep);
        run = p + 1;
    }
    if (e == SA_OK)
        e = sa_buf_puts(out, run);
    return e;
}

sa_err sa_metrics_escape_label(sa_buf *out, const char *s)
{
    return escape(out, s, true);
}

/* name{l1="v1",l2="v2"[,le="x"]} with a trailing space. */
static sa_err write_head(sa_buf *out, const sa_metric *f, const char *suffix, const series *s,
                         const char *le)
{
    sa_err e = sa_buf_printf(out, "%s%s", f->name, suffix);
    bool any = f->nlabels > 0 || le;
    if (e == SA_OK && any)
        e = sa_buf_puts(out, "{");
    for (size_t i = 0; e == SA_OK && i < f->nlabels; i++) {
        e = sa_buf_printf(out, "%s%s=\"", i ? "," : "", f->labels[i]);
        if (e == SA_OK)
            e = escape(out, s->values[i], true);
        if (e == SA_OK)
            e = sa_buf_puts(out, "\"");
    }
    if (e == SA_OK && le)
        e = sa_buf_printf(out, "%sle=\"%s\"", f->nlabels ? "," : "", le);
    if (e == SA_OK)
        e = sa_buf_puts(out, any ? "} " : " ");
    return e;
}

static sa_err write_series(sa_buf *out, const sa_metric *f, const series *s)
{
    sa_err e = SA_OK;
    if (f->kind != KIND_HISTOGRAM) {
        e = write_head(out, f, "", s, NULL);
        if (e == SA_OK)
            e = sa_metrics_format_value(out, s->value);
        return e == SA_OK ? sa_buf_puts(out, "\n") : e;
    }
    uint64_t cum = 0;
    for (size_t b = 0; e == SA_OK && b <= f->nbounds; b++) {
        sa_buf le;
        sa_buf_init(&le, 64);
        cum += s->counts[b];
        e = b < f->nbounds ? sa_metrics_format_value(&le, f->bounds[b]) : sa_buf_puts(&le, "+Inf");
        if (e == SA_OK)
            e = write_head(out, f, "_bucket", s, le.data);
        if (e == SA_OK)
            e = sa_buf_printf(out, "%" PRIu64 "\n", cum);
        sa_buf_release(&le);
    }
    if (e == SA_OK)
        e = write_head(out, f, "_sum", s, NULL);
    if (e == SA_OK)
        e = sa_metrics_format_value(out, s->sum);
    if (e == SA_OK)
        e = sa_buf_puts(out, "\n");
    if (e == SA_OK)
        e = write_head(out, f, "_count", s, NULL);
    if (e == SA_OK)
        e = sa_buf_printf(out, "%" PRIu64 "\n", s->count);
    return e;
}

/* Order series by their label values, for a stable text. The values
 * array is NULL-terminated, so the comparator needs no context. */
static int series_cmp(const void *a, const void *b)
{
    char *const *x = (*(series *const *)a)->values;
    char *const *y = (*(series *const *)b)->values;
    for (; *x && *y; x++, y++) {
        int c = strcmp(*x, *y);
        if (c)
            return c;
    }
    return 0;
}

static sa_err write_family(sa_buf *out, sa_metric *f)
{
    sa_err e = sa_buf_printf(out, "# HELP %s ", f->name);
    if (e == SA_OK)
        e = escape(out, f->help, false);
    if (e == SA_OK)
        e = sa_buf_printf(out, "\n# TYPE %s %s\n", f->name, kind_name(f->kind));
    if (e != SA_OK || f->nseries == 0)
        return e;
    series **order = malloc(f->nseries * sizeof *order);
    if (!order)
        return SA_ERR_NOMEM;
    memcpy(order, f->series, f->nseries * sizeof *order);
    qsort(order, f->nseries, sizeof *order, series_cmp);
    for (size_t i = 0; e == SA_OK && i < f->nseries; i++)
        e = write_series(out, f, order[i]);
    free(order);
    return e;
}

sa_err sa_metrics_render(sa_metrics *m, sa_buf *out)
{
    sa_err e = SA_OK;
    pthread_mutex_lock(&m->mu);
    for (sa_metric *f = m->head; e == SA_OK && f; f = f->next)
        e = write_family(out, f);
    pthread_mutex_unlock(&m->mu);
    if (e != SA_OK)
        sa_buf_release(out);
    return e;
}
