/*
 * bench/forecast.c - accuracy and speed of the forecaster on the real
 * traces, with the exact protocol of shared/data/README.md (three origins,
 * horizon one season, at most 14 seasons of training), beside R's figures
 * from reference/dev_reference_summary.csv.
 *
 * usage: bench_forecast [DATA_DIR [FILTER]]   (DATA_DIR default ../shared/data)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/forecast.h"
#include "scaleadvisor/series.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define NMODELS 6
#define MAXFILES 64
static const sa_fc_method models[NMODELS] = {SA_FC_SNAIVE,         SA_FC_ADDITIVE, SA_FC_DAMPED,
                                             SA_FC_MULTIPLICATIVE, SA_FC_DOUBLE,   SA_FC_AUTO};

typedef struct {
    double mase, smape, cov, ms;
    int n; /* origins scored */
} score;

typedef struct {
    char file[128];
    double r_mase[4], r_smape[4], r_cov[4]; /* snaive, HoltWinters, ets, stlf */
} rref;

/* CPU time of this thread in ms: less disturbed by other load on a shared
 * machine than the wall clock. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char *const r_methods[4] = {"snaive", "HoltWinters", "ets", "stlf"};

/* Split a CSV line on commas (no quoted commas in the fields we read),
 * stripping quotes; returns the field count. */
static size_t split(char *line, char **f, size_t max)
{
    size_t k = 0;
    char *p = line;
    while (k < max) {
        char *c = strchr(p, ',');
        if (c)
            *c = '\0';
        size_t len = strlen(p);
        while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
            p[--len] = '\0';
        if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
            p[len - 1] = '\0';
            p++;
        }
        f[k++] = p;
        if (!c)
            break;
        p = c + 1;
    }
    return k;
}

static double num(const char *s)
{
    double v;
    return sa_parse_double(s, -1e308, 1e308, &v) == SA_OK ? v : NAN;
}

static size_t load_ref(const char *dir, rref *refs)
{
    char path[512], line[1024];
    size_t nr = 0;
    snprintf(path, sizeof path, "%s/reference/dev_reference_summary.csv", dir);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return 0;
    while (fgets(line, sizeof line, fp)) {
        char *f[16];
        if (split(line, f, 16) < 8)
            continue;
        int mi = -1;
        for (int i = 0; i < 4; i++)
            if (strcmp(f[1], r_methods[i]) == 0)
                mi = i;
        if (mi < 0)
            continue;
        size_t r = 0;
        while (r < nr && strcmp(refs[r].file, f[0]) != 0)
            r++;
        if (r == nr) {
            if (nr == MAXFILES)
                continue;
            memset(&refs[nr], 0, sizeof refs[nr]);
            sa_strlcpy(refs[nr].file, f[0], sizeof refs[nr].file);
            nr++;
        }
        refs[r].r_smape[mi] = num(f[5]);
        refs[r].r_mase[mi] = num(f[6]);
        refs[r].r_cov[mi] = num(f[7]);
    }
    fclose(fp);
    return nr;
}

static void score_origin(const double *y, size_t o, size_t m, const double *train, size_t ntr,
                         const sa_fc_result *r, score *s)
{
    double q = 0, mae = 0, sm = 0, cov = 0;
    for (size_t i = m; i < ntr; i++)
        q += fabs(train[i] - train[i - m]);
    q /= (double)(ntr - m);
    for (size_t j = 0; j < m; j++) {
        double yt = y[o + j], f = r->mean[j], e = yt - f, den = fabs(yt) + fabs(f);
        mae += fabs(e);
        sm += den > 0 ? 200 * fabs(e) / den : 0;
        cov += (yt >= r->lower[j] && yt <= r->upper[j]) ? 1 : 0;
    }
    s->mase += mae / (double)m / q;
    s->smape += sm / (double)m;
    s->cov += cov / (double)m;
    s->n++;
}

static void run_file(const char *dir, const char *file, size_t m, const rref *ref, score *mean_all,
                     size_t *nfiles)
{
    char path[512];
    sa_series s;
    sa_errbuf eb = {0};
    snprintf(path, sizeof path, "%s/traces/%s", dir, file);
    if (sa_series_read(path, &s, &eb) != SA_OK) {
        fprintf(stderr, "%s\n", eb.msg);
        return;
    }
    score sc[NMODELS];
    char chosen[3][24] = {"", "", ""};
    memset(sc, 0, sizeof sc);
    for (size_t k = 1; k <= 3; k++) {
        size_t o = s.n - k * m, start = o > 14 * m ? o - 14 * m : 0;
        for (size_t mi = 0; mi < NMODELS; mi++) {
            sa_fc_options opt;
            sa_fc_result r;
            sa_fc_options_init(&opt);
            opt.method = models[mi];
            opt.period = m;
            opt.horizon = m;
            double t0 = cpu_ms();
            sa_err e = sa_forecast_run(s.v + start, o - start, &opt, &r, &eb);
            sc[mi].ms += cpu_ms() - t0;
            if (e != SA_OK)
                continue; /* e.g. double seasonal without two weeks */
            score_origin(s.v, o, m, s.v + start, o - start, &r, &sc[mi]);
            if (models[mi] == SA_FC_AUTO)
                snprintf(chosen[k - 1], sizeof chosen[k - 1], "%s", sa_fc_method_name(r.method));
            sa_fc_result_release(&r);
        }
    }
    printf("%s (m=%zu, auto chose %s/%s/%s)\n", file, m, chosen[0], chosen[1], chosen[2]);
    printf("  %-15s %7s %8s %7s %9s\n", "model", "MASE", "sMAPE", "cov95", "cpu ms/fit");
    for (size_t mi = 0; mi < NMODELS; mi++) {
        if (sc[mi].n == 0) {
            printf("  %-15s %7s\n", sa_fc_method_name(models[mi]), "n/a");
            continue;
        }
        double n = (double)sc[mi].n;
        printf("  %-15s %7.3f %8.2f %6.1f%% %9.2f\n", sa_fc_method_name(models[mi]),
               sc[mi].mase / n, sc[mi].smape / n, 100 * sc[mi].cov / n, sc[mi].ms / 3.0);
        if (sc[mi].n == 3) {
            mean_all[mi].mase += sc[mi].mase / n;
            mean_all[mi].smape += sc[mi].smape / n;
            mean_all[mi].cov += sc[mi].cov / n;
            mean_all[mi].ms += sc[mi].ms / 3.0;
            mean_all[mi].n++;
        }
    }
    if (ref)
        for (int i = 0; i < 4; i++)
            printf("  R %-13s %7.3f %8.2f %6.1f%%\n", r_methods[i], ref->r_mase[i], ref->r_smape[i],
                   100 * ref->r_cov[i]);
    (*nfiles)++;
    sa_series_release(&s);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../shared/data";
    const char *filter = argc > 2 ? argv[2] : NULL;
    char path[512], line[1024];
    static rref refs[MAXFILES];
    size_t nref = load_ref(dir, refs), nfiles = 0;
    score mean_all[NMODELS];
    memset(mean_all, 0, sizeof mean_all);
    snprintf(path, sizeof path, "%s/traces/manifest.csv", dir);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "bench_forecast: cannot open %s\n", path);
        return 2;
    }
    int first = 1;
    while (fgets(line, sizeof line, fp)) {
        char *f[4];
        if (first || split(line, f, 3) < 2) {
            first = 0;
            continue;
        }
        if (filter && !strstr(f[0], filter))
            continue;
        int m;
        if (sa_parse_int(f[1], 2, 100000, &m) != SA_OK)
            continue;
        const rref *ref = NULL;
        for (size_t r = 0; r < nref; r++)
            if (strcmp(refs[r].file, f[0]) == 0)
                ref = &refs[r];
        char file[256];
        sa_strlcpy(file, f[0], sizeof file);
        run_file(dir, file, (size_t)m, ref, mean_all, &nfiles);
    }
    fclose(fp);
    printf("\nmean over %zu series (models scored on all of them)\n", nfiles);
    printf("  %-15s %7s %8s %7s %9s\n", "model", "MASE", "sMAPE", "cov95", "cpu ms/fit");
    for (size_t mi = 0; mi < NMODELS; mi++)
        if (mean_all[mi].n > 0) {
            double n = (double)mean_all[mi].n;
            printf("  %-15s %7.3f %8.2f %6.1f%% %9.2f%s\n", sa_fc_method_name(models[mi]),
                   mean_all[mi].mase / n, mean_all[mi].smape / n, 100 * mean_all[mi].cov / n,
                   mean_all[mi].ms / n,
                   (size_t)mean_all[mi].n < nfiles ? "  (not all series)" : "");
        }
    printf("  R: snaive 1.285, HoltWinters 1.363, stlf 1.269 (MASE); goal <= 1.205\n");
    return 0;
}
