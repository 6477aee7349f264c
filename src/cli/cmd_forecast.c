/*
 * cmd_forecast.c - `scaleadvisor forecast`: read a timestamp,value CSV, put
 * missing rows back as gaps (found from the timestamps), fit the forecaster
 * on all of it and print `step,forecast,lower,upper`. Parsing and checks
 * happen here; the fitting is the pure forecast module.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaleadvisor/cli.h"
#include "scaleadvisor/forecast.h"
#include "scaleadvisor/series.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define MAX_ROWS 20000000u

static void usage(FILE *f)
{
    fprintf(f,
            "usage: scaleadvisor forecast --input FILE.csv --horizon H [--period P]\n"
            "         [--method auto|additive|multiplicative|damped|double|holt|ses|snaive]\n"
            "         [--level 0.95]\n"
            "Fits the forecaster to the whole timestamp,value CSV (with a header) and\n"
            "prints step,forecast,lower,upper for steps 1..H. Without --period the\n"
            "seasonal period is detected from the autocorrelation. Up to %d missing\n"
            "values in a row (empty values or missing rows) are interpolated.\n",
            SA_FC_MAX_GAP);
}

/* y[] on the regular grid of the series' step: rows missing between two
 * timestamps become NaN. Caller frees *out. */
static sa_err regrid(const sa_series *s, const char *path, double **out, size_t *n_out,
                     size_t *n_rows_missing, sa_errbuf *eb)
{
    double step = sa_series_step(s);
    size_t n = 1;
    *out = NULL;
    *n_rows_missing = 0;
    for (size_t i = 1; i < s->n; i++) {
        double k = round((s->t[i] - s->t[i - 1]) / step);
        if (fabs(s->t[i] - s->t[i - 1] - k * step) > 0.1 * step)
            return sa_fail(eb, SA_ERR_INVALID,
                           "%s:%zu: timestamp is off the series' %g s "
                           "spacing",
                           path, s->line[i], step);
        if (k - 1 > SA_FC_MAX_GAP)
            return sa_fail(eb, SA_ERR_INVALID,
                           "%s:%zu: %.0f rows missing before this line "
                           "(at most %d are interpolated)",
                           path, s->line[i], k - 1, SA_FC_MAX_GAP);
        n += (size_t)k;
        *n_rows_missing += (size_t)k - 1;
    }
    if (n > MAX_ROWS)
        return sa_fail(eb, SA_ERR_TOOBIG, "%s: more than %u rows", path, MAX_ROWS);
    double *y = malloc(n * sizeof *y);
    if (!y)
        return sa_fail(eb, SA_ERR_NOMEM, "out of memory");
    size_t j = 0;
    y[j++] = s->v[0];
    for (size_t i = 1; i < s->n; i++) {
        size_t k = (size_t)round((s->t[i] - s->t[i - 1]) / step);
        for (size_t g = 1; g < k; g++)
            y[j++] = NAN;
        y[j++] = s->v[i];
    }
    *out = y;
    *n_out = j;
    return SA_OK;
}

static int bad(const char *msg, const char *arg)
{
    fprintf(stderr, "scaleadvisor forecast: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    return SA_EXIT_USAGE;
}

/* Parse the flags into o and *input. Returns -1 to go on, else the exit
 * status (after --help, or one line on stderr for bad usage). */
static int parse_args(int argc, char **argv, sa_fc_options *o, const char **input)
{
    int horizon = 0, period = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return SA_EXIT_OK;
        }
        if (!v)
            return bad("missing value after", a);
        i++;
        if (strcmp(a, "--input") == 0)
            *input = v;
        else if (strcmp(a, "--horizon") == 0) {
            if (sa_parse_int(v, 1, 100000, &horizon) != SA_OK)
                return bad("--horizon must be an integer in [1, 100000], got", v);
        } else if (strcmp(a, "--period") == 0) {
            if (sa_parse_int(v, 1, 100000, &period) != SA_OK)
                return bad("--period must be an integer in [1, 100000], got", v);
        } else if (strcmp(a, "--method") == 0) {
            if (sa_fc_method_parse(v, &o->method) != SA_OK)
                return bad("unknown --method (auto, additive, multiplicative, damped, double, "
                           "holt, ses, snaive)",
                           v);
        } else if (strcmp(a, "--level") == 0) {
            if (sa_parse_double(v, 0.5, 0.9999, &o->level) != SA_OK)
                return bad("--level must be a number in [0.5, 0.9999], got", v);
        } else
            return bad("unknown option (try --help)", a);
    }
    if (!*input)
        return bad("--input FILE.csv is required", NULL);
    if (horizon == 0)
        return bad("--horizon H is required", NULL);
    o->horizon = (size_t)horizon;
    o->period = (size_t)period;
    return -1;
}

int sa_cmd_forecast(int argc, char **argv)
{
    const char *input = NULL;
    sa_fc_options o;
    int rc;
    sa_series s;
    sa_fc_result r;
    sa_errbuf eb = {0};
    double *y = NULL;
    size_t n = 0, rows_missing = 0;
    sa_fc_options_init(&o);
    sa_series_init(&s);
    memset(&r, 0, sizeof r);
    rc = parse_args(argc, argv, &o, &input);
    if (rc >= 0)
        return rc;
    rc = SA_EXIT_USAGE;
    sa_err e = sa_series_read(input, &s, &eb);
    if (e == SA_OK)
        e = regrid(&s, input, &y, &n, &rows_missing, &eb);
    if (e == SA_OK) {
        o.step_s = sa_series_step(&s);
        e = sa_forecast_run(y, n, &o, &r, &eb);
    }
    if (e != SA_OK) {
        fprintf(stderr, "scaleadvisor forecast: %s\n", eb.msg);
        rc = (e == SA_ERR_NOMEM || e == SA_ERR_INTERNAL) ? SA_EXIT_FAIL : SA_EXIT_USAGE;
        goto out;
    }
    printf("step,forecast,lower,upper\n");
    for (size_t j = 0; j < r.horizon; j++)
        printf("%zu,%.10g,%.10g,%.10g\n", j + 1, r.mean[j], r.lower[j], r.upper[j]);
    fprintf(stderr,
            "scaleadvisor forecast: %s, period %zu%s; %zu missing values "
            "interpolated (%zu missing rows, %zu empty values); %s\n",
            sa_fc_method_name(r.method), r.period, o.period ? "" : " (detected)", r.n_filled,
            rows_missing, s.n_missing, r.why);
    rc = fflush(stdout) == 0 ? SA_EXIT_OK : SA_EXIT_FAIL;
out:
    sa_fc_result_release(&r);
    sa_series_release(&s);
    free(y);
    return rc;
}
