/*
 * bench/advisor.c - cost of one evaluation on the shared path (rule +
 * predictive + decide, no LLM), the per-deployment work of a service cycle,
 * and the heap one deployment's state holds once its windows are full.
 * Usage: bench_advisor [evaluations] [interval_s]   (defaults 20000, 60:
 * one evaluation per interval, a daily season of 86400 / interval_s samples)
 * BENCH_NO_PREDICT=1 leaves the predictor out (rule + decide only).
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "scaleadvisor/advisor.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

/* Bytes malloc has handed out: the arenas' and the large mmap()ed blocks. */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

int main(int argc, char **argv)
{
    long n = 20000;
    if (argc > 1) {
        int64_t v;
        if (sa_parse_i64(argv[1], 1, 100000000, &v) != SA_OK) {
            fprintf(stderr, "bench_advisor: evaluations must be an integer in [1, 1e8]\n");
            return 2;
        }
        n = (long)v;
    }
    int64_t interval = 60;
    if (argc > 2 && sa_parse_i64(argv[2], 1, 3600, &interval) != SA_OK) {
        fprintf(stderr, "bench_advisor: interval_s must be an integer in [1, 3600]\n");
        return 2;
    }
    size_t period = (size_t)(86400 / interval);
    sa_predict_params pp;
    sa_predict_params_init(&pp);
    pp.sample_s = pp.interval_s = (double)interval;
    pp.period = period;
    sa_advisor_state s;
    sa_errbuf eb = {0};
    size_t heap0 = heap_in_use();
    if (sa_advisor_state_init(&s, getenv("BENCH_NO_PREDICT") ? NULL : &pp, 0, &eb) != SA_OK) {
        fprintf(stderr, "bench_advisor: %s\n", eb.msg);
        return 1;
    }
    sa_context ctx;
    sa_context_init(&ctx);
    snprintf(ctx.name, sizeof ctx.name, "web");
    ctx.min_replicas = 2;
    ctx.max_replicas = 50;
    ctx.current_replicas = 5;
    ctx.memory_percent = 50;
    sa_result r;
    long moves = 0;
    double t0 = sa_mono_ms();
    for (long i = 0; i < n; i++) {
        int64_t now = 1700000000 + interval * (int64_t)i;
        double load = 6.0 + 4.0 * sin((double)i * 2.0 * M_PI / (double)period); /* daily wave */
        ctx.ready_pods = ctx.current_replicas;
        ctx.cpu_percent = load / ctx.current_replicas * 100.0;
        ctx.observed_at = now;
        sa_advisor_input in = {.ctx = &ctx, .now = now, .dry_run = true};
        sa_advisor_evaluate(&in, &s, &r);
        if (r.decision.target_replicas != ctx.current_replicas)
            moves++;
        ctx.current_replicas = r.decision.target_replicas; /* close the loop */
    }
    double ms = sa_mono_ms() - t0;
    double state_kb = (double)(heap_in_use() - heap0) / 1024.0;
    printf("{\"predictor\": %s, \"evaluations\": %ld, \"interval_s\": %lld, \"seconds\": %.3f, "
           "\"us_per_evaluation\": %.2f, \"replica_changes\": %ld, \"state_heap_kb\": %.0f}\n",
           s.predictor ? "true" : "false", n, (long long)interval, ms / 1000.0,
           ms * 1000.0 / (double)n, moves, state_kb);
    sa_advisor_state_release(&s);
    return 0;
}
