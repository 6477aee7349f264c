/*
 * metrics.h - a thread-safe metrics registry rendered in the Prometheus
 * text exposition format 0.0.4 (the body of GET /metrics).
 *
 * A registry holds metric families (counter, gauge, histogram), each with
 * a fixed list of label names; a family holds one series per distinct
 * tuple of label values, made on first use. Handles returned by the
 * registry are borrowed and stay valid until sa_metrics_destroy.
 *
 *   sa_metrics *m;  sa_metric *dec;
 *   sa_metrics_create(&m, &eb);
 *   sa_metrics_counter(m, "scaleadvisor_decisions_total", "Decisions made.",
 *                      (const char *[]){"source", "verdict"}, 2, &dec, &eb);
 *   sa_metrics_inc(dec, (const char *[]){"llm", "accepted"}, 1);
 *   sa_metrics_render(m, &buf);     // appends the exposition text
 *
 * Thread-safety: every function may be called from any thread at once
 * (one mutex per registry; each operation is short). Rendering sees each
 * series at one instant; families are rendered in registration order,
 * series sorted by their label values, so the text is deterministic.
 */
#ifndef SCALEADVISOR_METRICS_H
#define SCALEADVISOR_METRICS_H

#include <stddef.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/err.h"

#define SA_METRICS_MAX_LABELS 8    /* label names per family */
#define SA_METRICS_MAX_BUCKETS 32  /* finite bucket bounds per histogram */
#define SA_METRICS_MAX_SERIES 4096 /* series per family (cardinality cap) */
#define SA_METRICS_MAX_VALUE 256   /* bytes of one label value */

typedef struct sa_metrics sa_metrics; /* the registry */
typedef struct sa_metric sa_metric;   /* one family, owned by its registry */

/* Default bounds (seconds) for request and cycle durations:
 * 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10. */
extern const double sa_metrics_default_buckets[11];

/* Make an empty registry. Caller frees with sa_metrics_destroy. */
SA_MUST_CHECK sa_err sa_metrics_create(sa_metrics **out, sa_errbuf *eb);
/* Free the registry and every family in it. NULL is harmless. */
void sa_metrics_destroy(sa_metrics *m);

/*
 * Register a family. name: [a-zA-Z_:][a-zA-Z0-9_:]*; help: any text (one
 * line; '\' and newlines are escaped on output); label_names (borrowed,
 * copied): nlabels names [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__",
 * distinct, at most SA_METRICS_MAX_LABELS; NULL when nlabels is 0.
 * Counter names should end in "_total" (not enforced).
 * Registering the same name again with the same type and label names
 * returns the existing family; any other reuse of a name is SA_ERR_CONFLICT.
 * Bad names are SA_ERR_INVALID. *out is borrowed from the registry.
 */
SA_MUST_CHECK sa_err sa_metrics_counter(sa_metrics *m, const char *name, const char *help,
                                        const char *const *label_names, size_t nlabels,
                                        sa_metric **out, sa_errbuf *eb);
SA_MUST_CHECK sa_err sa_metrics_gauge(sa_metrics *m, const char *name, const char *help,
                                      const char *const *label_names, size_t nlabels,
                                      sa_metric **out, sa_errbuf *eb);
/* bounds: nbounds finite upper bounds, strictly increasing, 1..
 * SA_METRICS_MAX_BUCKETS (the "+Inf" bucket is implicit). The label name
 * "le" is reserved. NULL bounds with nbounds 0 = sa_metrics_default_buckets. */
SA_MUST_CHECK sa_err sa_metrics_histogram(sa_metrics *m, const char *name, const char *help,
                                          const char *const *label_names, size_t nlabels,
                                          const double *bounds, size_t nbounds, sa_metric **out,
                                          sa_errbuf *eb);

/*
 * Operations on one series. label_values: exactly the family's nlabels
 * strings (any UTF-8 text up to SA_METRICS_MAX_VALUE bytes; escaped on
 * output), NULL for a family without labels. The series is made on first
 * use. Errors: SA_ERR_INVALID (wrong family type, NULL value, over-long
 * value, counter decrement or NaN), SA_ERR_TOOBIG (family already holds
 * SA_METRICS_MAX_SERIES series), SA_ERR_NOMEM.
 */
/* Counter: add delta >= 0. Gauge: add any finite delta. */
SA_MUST_CHECK sa_err sa_metrics_inc(sa_metric *f, const char *const *label_values, double delta);
/* Gauge only: set the value (any double, NaN and infinities included). */
SA_MUST_CHECK sa_err sa_metrics_set(sa_metric *f, const char *const *label_values, double v);
/* Histogram only: count one observation of v (not NaN). */
SA_MUST_CHECK sa_err sa_metrics_observe(sa_metric *f, const char *const *label_values, double v);
/* Drop one series (e.g. a gauge of a deployment no longer watched).
 * Not having it is fine (SA_OK). */
SA_MUST_CHECK sa_err sa_metrics_forget(sa_metric *f, const char *const *label_values);
/* Read one series' value back (counter/gauge; histogram: its _count).
 * SA_ERR_NOTFOUND when the series does not exist. For tests and status. */
SA_MUST_CHECK sa_err sa_metrics_value(sa_metric *f, const char *const *label_values, double *out);

/* Append the whole registry in the text format 0.0.4 to out: per family
 * "# HELP", "# TYPE", then the samples (histograms as _bucket{le=..}
 * cumulative with le="+Inf", _sum, _count). Values print as the shortest
 * text that reads back to the same double, and "+Inf", "-Inf", "NaN".
 * SA_ERR_TOOBIG when out's cap is reached (out is then emptied). */
SA_MUST_CHECK sa_err sa_metrics_render(sa_metrics *m, sa_buf *out);

/* Append v formatted as above (e.g. "0.1", "3", "+Inf"). Exposed for
 * callers writing their own samples. */
SA_MUST_CHECK sa_err sa_metrics_format_value(sa_buf *out, double v);
/* Append s escaped as a label value ('\' -> "\\", '"' -> "\"", newline
 * -> "\n"), without the surrounding quotes. */
SA_MUST_CHECK sa_err sa_metrics_escape_label(sa_buf *out, const char *s);

#endif
