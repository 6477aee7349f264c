/*
 * series.h - reader of `timestamp,value` CSV files (load traces, forecast
 * input).
 *
 * Format: a header line `timestamp,value` (case-insensitive, blanks around
 * the names allowed), then one `timestamp,value` row per line. Timestamps
 * are epoch seconds or ISO-8601 UTC (see sa_parse_time) and must be
 * strictly increasing. An empty value marks a missing sample and is stored
 * as NaN; a non-numeric, NaN or infinite value is an error. CRLF line ends,
 * a trailing newline and blank lines are accepted. Errors name the file and
 * the 1-based line: "FILE:LINE: reason".
 */
#ifndef SCALEADVISOR_SERIES_H
#define SCALEADVISOR_SERIES_H

#include <stddef.h>

#include "scaleadvisor/err.h"

typedef struct {
    size_t n;         /* number of rows */
    double *t;        /* [n] epoch seconds, strictly increasing; owned */
    double *v;        /* [n] values; NaN = missing (empty field); owned */
    size_t *line;     /* [n] 1-based source line of each row; owned */
    size_t n_missing; /* rows whose value was empty */
} sa_series;

/* Empty series (all pointers NULL). */
void sa_series_init(sa_series *s);
/* Free the arrays; s is empty afterwards. Accepts an empty series. */
void sa_series_release(sa_series *s);

/* Parse CSV text[0..len-1]; `name` (borrowed) is used in messages. On
 * success *out (initialised by the call) holds the rows; release with
 * sa_series_release. On failure *out is empty. Errors: SA_ERR_INVALID
 * (bad header, bad row, non-increasing time, no rows), SA_ERR_NOMEM. */
SA_MUST_CHECK sa_err sa_series_parse(const char *text, size_t len, const char *name, sa_series *out,
                                     sa_errbuf *eb);

/* Read the file at path ("-" = standard input) within SA_CAP_FILE and
 * parse it as above. Extra errors: SA_ERR_IO, SA_ERR_TOOBIG. */
SA_MUST_CHECK sa_err sa_series_read(const char *path, sa_series *out, sa_errbuf *eb);

/* Typical spacing of the timestamps: the median of the differences
 * (0 when n < 2). */
double sa_series_step(const sa_series *s);

#endif
