/*
 * bench/replay.c - the replay benchmark: every policy on every trace of a
 * trace folder (seasonal periods from its manifest.csv), with the spec's
 * default model. Prints a table (trace, policy, SLO-violation minutes,
 * unserved demand, replica-hours, scaling actions), the totals per policy
 * and predictive's share of hpa, and draws one SVG per trace (demand,
 * ready capacity and replicas, hpa against predictive) into OUT_DIR.
 *
 * usage: bench_replay TRACES_DIR OUT_DIR [policy,policy,...]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaleadvisor/replay.h"
#include "scaleadvisor/series.h"
#include "scaleadvisor/banned.h"

#define MAX_TRACES 64
#define NPOL 4

typedef struct {
    char file[256];
    size_t period;
} trace_ent;

typedef struct {
    double viol, unserved, rh;
    long actions;
    int ran;
} totals;

static size_t read_manifest(const char *dir, trace_ent *t, size_t max)
{
    char path[1024], line[4096];
    size_t n = 0;
    snprintf(path, sizeof path, "%s/manifest.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_replay: cannot open %s\n", path);
        return 0;
    }
    int first = 1;
    while (n < max && fgets(line, sizeof line, f)) {
        if (first) { /* header */
            first = 0;
            continue;
        }
        char *c1 = strchr(line, ',');
        if (!c1)
            continue;
        *c1 = '\0';
        char *end = NULL;
        unsigned long per = strtoul(c1 + 1, &end, 10);
        if (end == c1 + 1)
            continue;
        if (snprintf(t[n].file, sizeof t[n].file, "%s", line) >= (int)sizeof t[n].file)
            continue;
        t[n].period = (size_t)per;
        n++;
    }
    fclose(f);
    return n;
}

/* Start of the window of `len` steps where hpa violated most. */
static size_t worst_window(const sa_replay_series *s, size_t len)
{
    size_t best = 0, bi = 0, cur = 0;
    if (len >= s->n)
        return 0;
    for (size_t k = 0; k < s->n; k++) {
        cur += s->demand[k] > (double)s->ready[k] + 1e-9;
        if (k >= len)
            cur -= s->demand[k - len] > (double)s->ready[k - len] + 1e-9;
        if (k + 1 >= len && cur > best) {
            best = cur;
            bi = k + 1 - len;
        }
    }
    return bi;
}

static void svg_path(FILE *f, const sa_replay_series *s, size_t a, size_t len, int which,
                     double ymax, double x0, double y0, double w, double h, const char *style)
{
    fprintf(f, "<path style=\"fill:none;%s\" d=\"", style);
    for (size_t k = 0; k < len && a + k < s->n; k++) {
        double v = which == 0   ? s->demand[a + k]
                   : which == 1 ? (double)s->ready[a + k]
                                : (double)s->replicas[a + k];
        double x = x0 + w * (double)k / (double)(len > 1 ? len - 1 : 1);
        double y = y0 + h - h * fmin(v, ymax) / ymax;
        fprintf(f, "%s%.1f,%.1f", k ? " L" : "M", x, y);
        if (which > 0 && a + k + 1 < s->n && k + 1 < len) /* steps, not slopes */
            fprintf(f, " L%.1f,%.1f", x0 + w * (double)(k + 1) / (double)(len - 1), y);
    }
    fprintf(f, "\"/>\n");
}

static void svg_panel(FILE *f, const sa_replay_series *s, size_t a, size_t len, double ymax,
                      double y0, const char *title, const sa_replay_summary *sum)
{
    const double x0 = 60, w = 1100, h = 220;
    fprintf(f,
            "<text x=\"%.0f\" y=\"%.0f\" font-size=\"14\">%s: %.0f violation min, %.0f "
            "replica-h, %ld actions (whole trace)</text>\n",
            x0, y0 - 6, title, sum->slo_violation_minutes, sum->replica_hours,
            sum->scaling_actions);
    fprintf(f,
            "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" "
            "style=\"fill:#fafafa;stroke:#999\"/>\n",
            x0, y0, w, h);
    for (int g = 0; g <= 4; g++) {
        double yy = y0 + h - h * g / 4.0;
        fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"end\">%.0f</text>\n",
                x0 - 4, yy + 4, ymax * g / 4.0);
    }
    /* violating steps shaded */
    for (size_t k = 0; k < len && a + k < s->n; k++)
        if (s->demand[a + k] > (double)s->ready[a + k] + 1e-9)
            fprintf(f,
                    "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" "
                    "style=\"fill:#f4c7c3\"/>\n",
                    x0 + w * (double)k / (double)(len - 1), y0, w / (double)(len - 1) + 0.3, h);
    svg_path(f, s, a, len, 2, ymax, x0, y0, w, h, "stroke:#9e9e9e;stroke-width:1");
    svg_path(f, s, a, len, 1, ymax, x0, y0, w, h, "stroke:#1e88e5;stroke-width:1.5");
    svg_path(f, s, a, len, 0, ymax, x0, y0, w, h, "stroke:#000;stroke-width:1.2");
}

static void write_svg(const char *out_dir, const char *file, const sa_replay_series *hs,
                      const sa_replay_summary *hsum, const sa_replay_series *ps,
                      const sa_replay_summary *psum, size_t len)
{
    char path[1200], stem[256];
    if (snprintf(stem, sizeof stem, "%s", file) >= (int)sizeof stem)
        return;
    char *dot = strrchr(stem, '.');
    if (dot)
        *dot = '\0';
    if (snprintf(path, sizeof path, "%s/%s.svg", out_dir, stem) >= (int)sizeof path)
        return;
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench_replay: cannot write %s\n", path);
        return;
    }
    size_t a = worst_window(hs, len);
    if (len > hs->n)
        len = hs->n;
    double ymax = 1.0;
    for (size_t k = a; k < a + len && k < hs->n; k++) {
        ymax = fmax(ymax, fmax(hs->demand[k], (double)hs->replicas[k]));
        ymax = fmax(ymax, (double)ps->replicas[k]);
    }
    ymax = ceil(ymax * 1.05);
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1200\" height=\"600\" "
            "font-family=\"sans-serif\">\n<rect width=\"1200\" height=\"600\" fill=\"#fff\"/>\n");
    fprintf(f,
            "<text x=\"60\" y=\"22\" font-size=\"16\">%s: the %.0f h with the most hpa "
            "violations (from step %zu). black demand, blue ready, grey replicas, red "
            "violation</text>\n",
            file, (double)len / 60.0, a);
    svg_panel(f, hs, a, len, ymax, 60, "hpa", hsum);
    svg_panel(f, ps, a, len, ymax, 340, "predictive", psum);
    fprintf(f, "</svg>\n");
    fclose(f);
}

static void print_row(const char *file, const char *pol, const sa_replay_summary *s)
{
    printf("| %-40s | %-10s | %10.0f | %14.0f | %11.1f | %8ld |\n", file, pol,
           s->slo_violation_minutes, s->unserved_replica_seconds / 60.0, s->replica_hours,
           s->scaling_actions);
}

static int want(const char *list, const char *name)
{
    if (!list)
        return 1;
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

static int run_one(const char *dir, const trace_ent *te, const char *out_dir, const char *pols,
                   totals *tot)
{
    char path[1200];
    sa_series s;
    sa_errbuf eb = {0};
    sa_replay_series ser[NPOL];
    sa_replay_summary sum[NPOL];
    int ok = 1;
    if (snprintf(path, sizeof path, "%s/%s", dir, te->file) >= (int)sizeof path)
        return 0;
    for (int k = 0; k < NPOL; k++)
        sa_replay_series_init(&ser[k]);
    if (sa_series_read(path, &s, &eb) != SA_OK) {
        fprintf(stderr, "bench_replay: %s\n", eb.msg);
        return 0;
    }
    sa_replay_params p;
    sa_replay_params_init(&p);
    p.period = te->period;
    /* SA_BENCH_HOLT_WINTERS=0: the predictor without its Holt-Winters
     * candidate, to measure what it brings */
    const char *hw = getenv("SA_BENCH_HOLT_WINTERS");
    p.holt_winters = !(hw && strcmp(hw, "0") == 0);
    double row_s = sa_series_step(&s);
    for (int k = 0; k < NPOL && ok; k++) {
        sa_policy *pol = NULL;
        if (!want(pols, sa_policy_name((sa_policy_kind)k)))
            continue;
        if (sa_policy_create((sa_policy_kind)k, &p, row_s, &pol, &eb) != SA_OK ||
            sa_replay_run(s.t, s.v, s.n, &p, sa_policy_iface(pol), &sum[k], &ser[k], &eb) !=
                SA_OK) {
            fprintf(stderr, "bench_replay: %s %s: %s\n", te->file,
                    sa_policy_name((sa_policy_kind)k), eb.msg);
            sa_policy_destroy(pol);
            continue;
        }
        sa_policy_destroy(pol);
        print_row(te->file, sa_policy_name((sa_policy_kind)k), &sum[k]);
        tot[k].viol += sum[k].slo_violation_minutes;
        tot[k].unserved += sum[k].unserved_replica_seconds;
        tot[k].rh += sum[k].replica_hours;
        tot[k].actions += sum[k].scaling_actions;
        tot[k].ran++;
    }
    if (out_dir && ser[SA_POLICY_HPA].n && ser[SA_POLICY_PREDICTIVE].n) {
        size_t day = (size_t)(6 * 3600.0 / p.step_s); /* six hours */
        write_svg(out_dir, te->file, &ser[SA_POLICY_HPA], &sum[SA_POLICY_HPA],
                  &ser[SA_POLICY_PREDICTIVE], &sum[SA_POLICY_PREDICTIVE], day);
    }
    for (int k = 0; k < NPOL; k++)
        sa_replay_series_release(&ser[k]);
    sa_series_release(&s);
    return ok;
}

int main(int argc, char **argv)
{
    trace_ent te[MAX_TRACES];
    totals tot[NPOL];
    memset(tot, 0, sizeof tot);
    if (argc < 2) {
        fprintf(stderr, "usage: bench_replay TRACES_DIR [OUT_DIR|-] [policy,...]\n");
        return 2;
    }
    const char *out_dir = argc > 2 && strcmp(argv[2], "-") != 0 ? argv[2] : NULL;
    const char *pols = argc > 3 ? argv[3] : NULL;
    size_t n = read_manifest(argv[1], te, MAX_TRACES);
    if (n == 0)
        return 2;
    printf("| %-40s | %-10s | %10s | %14s | %11s | %8s |\n", "trace", "policy", "SLO min",
           "unserved r-min", "replica-h", "actions");
    printf("|%s|%s|%s|%s|%s|%s|\n", "------------------------------------------", "------------",
           "-----------:", "---------------:", "------------:", "---------:");
    for (size_t i = 0; i < n; i++)
        run_one(argv[1], &te[i], out_dir, pols, tot);
    printf("\ntotals over %zu traces:\n", n);
    for (int k = 0; k < NPOL; k++) {
        if (!tot[k].ran)
            continue;
        printf("  %-10s SLO-violation min %9.0f  unserved replica-min %10.0f  replica-h %10.1f"
               "  actions %7ld",
               sa_policy_name((sa_policy_kind)k), tot[k].viol, tot[k].unserved / 60.0, tot[k].rh,
               tot[k].actions);
        if (k != SA_POLICY_HPA && tot[SA_POLICY_HPA].ran && tot[SA_POLICY_HPA].viol > 0)
            printf("  (of hpa: %.1f %% violations, %.1f %% replica-h, %.1f %% actions)",
                   100.0 * tot[k].viol / tot[SA_POLICY_HPA].viol,
                   100.0 * tot[k].rh / tot[SA_POLICY_HPA].rh,
                   100.0 * (double)tot[k].actions / (double)tot[SA_POLICY_HPA].actions);
        printf("\n");
    }
    return 0;
}
