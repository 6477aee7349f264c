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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scaleadvisor/replay.h"
#include "scaleadvisor/series.h"
#include "scaleadvisor/util.h"
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

/* One replay: policy k on trace i, run by a worker thread. */
typedef struct {
    size_t trace;
    int policy;
    int ok;
    sa_replay_summary sum;
    sa_replay_series ser;
    sa_errbuf eb;
} job;

typedef struct {
    const trace_ent *te;
    const sa_series *s;
    job *jobs;
    size_t njobs, next;
    double miss_cost_rh; /* the predictor's violation price */
    bool holt_winters;   /* the predictor's Holt-Winters candidate */
    sa_preset preset;    /* rules and hybrid: the constraint preset */
    pthread_mutex_t mu;
} work;

static void run_job(const work *w, job *j)
{
    const trace_ent *te = &w->te[j->trace];
    const sa_series *s = &w->s[j->trace];
    sa_replay_params p;
    sa_replay_params_init(&p);
    p.period = te->period;
    p.holt_winters = w->holt_winters;
    p.miss_cost_rh = w->miss_cost_rh;
    p.preset = w->preset;
    sa_policy *pol = NULL;
    if (sa_policy_create((sa_policy_kind)j->policy, &p, sa_series_step(s), &pol, &j->eb) == SA_OK &&
        sa_replay_run(s->t, s->v, s->n, &p, sa_policy_iface(pol), &j->sum, &j->ser, &j->eb) ==
            SA_OK)
        j->ok = 1;
    sa_policy_destroy(pol);
}

static void *worker(void *arg)
{
    work *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        size_t k = w->next < w->njobs ? w->next++ : w->njobs;
        pthread_mutex_unlock(&w->mu);
        if (k == w->njobs)
            return NULL;
        run_job(w, &w->jobs[k]);
    }
}

/* Run every job on `threads` threads (the calling one included). */
static void run_all(work *w, int threads)
{
    pthread_t tid[16];
    int started = 0;
    for (; started < threads - 1 && started < 16; started++)
        if (pthread_create(&tid[started], NULL, worker, w) != 0)
            break;
    worker(w);
    for (int k = 0; k < started; k++)
        pthread_join(tid[k], NULL);
}

static job *find_job(job *jobs, size_t n, size_t trace, int policy)
{
    for (size_t k = 0; k < n; k++)
        if (jobs[k].trace == trace && jobs[k].policy == policy)
            return &jobs[k];
    return NULL;
}

int main(int argc, char **argv)
{
    static trace_ent te[MAX_TRACES];
    static sa_series ser[MAX_TRACES];
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
    static job jobs[MAX_TRACES * NPOL];
    size_t nj = 0;
    for (size_t i = 0; i < n; i++) {
        char path[1200];
        sa_errbuf eb = {0};
        if (snprintf(path, sizeof path, "%s/%s", argv[1], te[i].file) >= (int)sizeof path ||
            sa_series_read(path, &ser[i], &eb) != SA_OK) {
            fprintf(stderr, "bench_replay: %s\n", eb.msg[0] ? eb.msg : path);
            return 2;
        }
    }
    /* the slowest policies first, so that the threads finish together */
    static const int order[NPOL] = {SA_POLICY_HYBRID, SA_POLICY_PREDICTIVE, SA_POLICY_RULES,
                                    SA_POLICY_HPA};
    for (int o = 0; o < NPOL; o++)
        for (size_t i = 0; i < n; i++) {
            if (!want(pols, sa_policy_name((sa_policy_kind)order[o])))
                continue;
            job *j = &jobs[nj++];
            j->trace = i;
            j->policy = order[o];
            sa_replay_series_init(&j->ser);
        }
    /* SA_BENCH_THREADS: worker threads (default: the online processors) */
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    const char *th = getenv("SA_BENCH_THREADS");
    if (th)
        threads = strtol(th, NULL, 10);
    if (threads < 1)
        threads = 1;
    if (threads > 16)
        threads = 16;
    work w = {.te = te, .s = ser, .jobs = jobs, .njobs = nj};
    /* SA_BENCH_MISS_COST_RH: the predictor's price of a violation minute
     * (default: the predictor's own), to measure the trade it sets */
    sa_replay_params dp;
    sa_replay_params_init(&dp);
    w.miss_cost_rh = dp.miss_cost_rh;
    const char *mc = getenv("SA_BENCH_MISS_COST_RH");
    if (mc && sa_parse_double(mc, 0.0, 1e6, &w.miss_cost_rh) != SA_OK) {
        fprintf(stderr, "bench_replay: SA_BENCH_MISS_COST_RH: '%s' is not a number in [0, 1e6]\n",
                mc);
        return 2;
    }
    /* SA_BENCH_HOLT_WINTERS=0: the predictor without its Holt-Winters
     * candidate, to measure what it brings */
    const char *hw = getenv("SA_BENCH_HOLT_WINTERS");
    w.holt_winters = !(hw && strcmp(hw, "0") == 0);
    /* SA_BENCH_PRESET: the constraint preset of rules and hybrid */
    w.preset = dp.preset;
    const char *pe = getenv("SA_BENCH_PRESET");
    if (pe && sa_preset_parse(pe, &w.preset) != SA_OK) {
        fprintf(stderr,
                "bench_replay: SA_BENCH_PRESET: '%s' is not balanced, conservative or aggressive\n",
                pe);
        return 2;
    }
    pthread_mutex_init(&w.mu, NULL);
    run_all(&w, (int)threads);
    pthread_mutex_destroy(&w.mu);

    printf("| %-40s | %-10s | %10s | %14s | %11s | %8s |\n", "trace", "policy", "SLO min",
           "unserved r-min", "replica-h", "actions");
    printf("|%s|%s|%s|%s|%s|%s|\n", "------------------------------------------", "------------",
           "-----------:", "---------------:", "------------:", "---------:");
    sa_replay_params p;
    sa_replay_params_init(&p);
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < NPOL; k++) {
            job *j = find_job(jobs, nj, i, k);
            if (!j)
                continue;
            if (!j->ok) {
                fprintf(stderr, "bench_replay: %s %s: %s\n", te[i].file,
                        sa_policy_name((sa_policy_kind)k), j->eb.msg);
                continue;
            }
            print_row(te[i].file, sa_policy_name((sa_policy_kind)k), &j->sum);
            tot[k].viol += j->sum.slo_violation_minutes;
            tot[k].unserved += j->sum.unserved_replica_seconds;
            tot[k].rh += j->sum.replica_hours;
            tot[k].actions += j->sum.scaling_actions;
            tot[k].ran++;
        }
        job *h = find_job(jobs, nj, i, SA_POLICY_HPA),
            *pr = find_job(jobs, nj, i, SA_POLICY_PREDICTIVE);
        if (out_dir && h && pr && h->ok && pr->ok) {
            size_t six_h = (size_t)(6 * 3600.0 / p.step_s);
            write_svg(out_dir, te[i].file, &h->ser, &h->sum, &pr->ser, &pr->sum, six_h);
        }
    }
    for (size_t k = 0; k < nj; k++)
        sa_replay_series_release(&jobs[k].ser);
    for (size_t i = 0; i < n; i++)
        sa_series_release(&ser[i]);
    printf("\ntotals over %zu traces (%ld threads):\n", n, threads);
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
