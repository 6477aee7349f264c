/*
 * service_cycle.c - cost of the control loop's cycle on the simulator
 * (4 deployments, SQLite in WAL with one transaction per cycle, no LLM):
 * the first cycle (two compressed simulated days of back-fill stored and
 * fed to the predictors) and the steady cycles after it, and the peak
 * resident memory. The default 10,000 cycles of 15 s (42 simulated
 * hours) fill the predictors' error windows (5760 samples) and the
 * service's in-memory history (8192), so the figures are those of a
 * service that has run for two days, not of a fresh one. Then what the
 * database holds (bytes a stored decision, a deployment's day) and the
 * retention pass that meets a backlog: decision retention cut to an hour,
 * cycles until a pass has run, its time and what it deleted. (Runs
 * shorter than the 72-h decision retention keep every decision, which the
 * bytes a decision assume.)
 *
 *   build/bench_service_cycle [cycles] [interval_s]     (default 10000, 15)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scaleadvisor/log.h"
#include "scaleadvisor/service.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

static double file_mb(const char *path, const char *suffix)
{
    char p[96];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", path, suffix);
    return stat(p, &st) == 0 ? (double)st.st_size / 1e6 : 0.0;
}

/* The database's size per decision, then the first retention pass with
 * the decision retention cut to an hour (a backlog of every decision). */
static sa_err report_storage(sa_config *cfg, sa_service *svc, sa_store *w, int64_t *t,
                             sa_errbuf *eb)
{
    sa_store_counts k0, k1;
    sa_err e = sa_store_counts_get(w, &k0, eb);
    double mb = file_mb(cfg->db_path, "") + file_mb(cfg->db_path, "-wal");
    if (e != SA_OK)
        return e;
    printf("database: %.1f MB with %lld decisions, %lld samples: %.0f bytes a decision; "
           "a deployment's day at %lld s: %.1f MB\n",
           mb, (long long)k0.recommendations, (long long)k0.samples,
           mb * 1e6 / (double)k0.recommendations, (long long)cfg->interval_s,
           mb / (double)k0.recommendations * 86400.0 / (double)cfg->interval_s);
    cfg->decision_retention_hours = 1;
    for (int k = 0; k < 40; k++) {
        double t0 = sa_mono_ms(), ms;
        *t += cfg->interval_s;
        if ((e = sa_service_cycle(svc, *t, eb)) != SA_OK)
            return e;
        ms = sa_mono_ms() - t0;
        if ((e = sa_store_counts_get(w, &k1, eb)) != SA_OK)
            return e;
        if (k1.recommendations < k0.recommendations) {
            printf("retention pass on that backlog: %lld decisions deleted in one cycle of "
                   "%.1f ms\n",
                   (long long)(k0.recommendations + 4 * (k + 1) - k1.recommendations), ms);
            return SA_OK;
        }
    }
    return SA_OK;
}

int main(int argc, char **argv)
{
    int cycles = 10000, interval = 15, rc = 1;
    char dir[] = "/tmp/sa-bench-XXXXXX", db[64];
    sa_config cfg;
    sa_errbuf eb = {0};
    sa_store *w = NULL, *r = NULL;
    sa_src *src = NULL;
    sa_metrics *m = NULL;
    sa_service *svc = NULL;
    sa_service_deps d = {0};
    double first = 0, sum = 0, worst = 0;
    if ((argc > 1 && sa_parse_int(argv[1], 1, 100000, &cycles) != SA_OK) ||
        (argc > 2 && sa_parse_int(argv[2], 1, 3600, &interval) != SA_OK)) {
        fprintf(stderr, "usage: bench_service_cycle [cycles] [interval_s]\n");
        return 2;
    }
    if (!mkdtemp(dir))
        return 1;
    snprintf(db, sizeof db, "%s/b.db", dir);
    sa_config_defaults(&cfg);
    sa_strlcpy(cfg.db_path, db, sizeof cfg.db_path);
    cfg.interval_s = interval;
    sa_log_set_level(SA_LOG_WARN);
    if (sa_store_open(db, SA_STORE_READWRITE, &w, &eb) != SA_OK ||
        sa_store_open(db, SA_STORE_READONLY, &r, &eb) != SA_OK ||
        sa_src_create(&cfg, &src, &eb) != SA_OK || sa_metrics_create(&m, &eb) != SA_OK)
        goto out;
    d.cfg = &cfg;
    d.src = src;
    d.store = w;
    d.reader = r;
    d.metrics = m;
    if (sa_service_create(&d, &svc, &eb) != SA_OK)
        goto out;
    int64_t t = 1700000000 / interval * interval;
    for (int k = 0; k <= cycles; k++, t += interval) {
        double t0 = sa_mono_ms(), ms;
        if (sa_service_cycle(svc, t, &eb) != SA_OK)
            goto out;
        ms = sa_mono_ms() - t0;
        if (k == 0) {
            first = ms;
            continue;
        }
        sum += ms;
        if (ms > worst)
            worst = ms;
    }
    printf("first cycle (back-fill %d samples x 4 deployments): %.1f ms\n", 7200 / interval - 1,
           first);
    printf("steady cycle: mean %.2f ms, worst %.2f ms over %d cycles (4 deployments)\n",
           sum / cycles, worst, cycles);
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        printf("peak resident memory: %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
    if (report_storage(&cfg, svc, w, &t, &eb) != SA_OK)
        goto out;
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "bench_service_cycle: %s\n", eb.msg);
    sa_service_destroy(svc);
    sa_metrics_destroy(m);
    sa_src_destroy(src);
    sa_store_close(r);
    sa_store_close(w);
    unlink(db);
    {
        char p[96];
        snprintf(p, sizeof p, "%s-wal", db);
        unlink(p);
        snprintf(p, sizeof p, "%s-shm", db);
        unlink(p);
    }
    rmdir(dir);
    return rc;
}
