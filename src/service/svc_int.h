/*
 * svc_int.h - internals of the service: per-deployment state, the
 * evaluate-now request queue, the metric families.
 */
#ifndef SA_SVC_INT_H
#define SA_SVC_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "scaleadvisor/actuate.h"
#include "scaleadvisor/buf.h"
#include "scaleadvisor/metrics.h"
#include "scaleadvisor/model.h"
#include "scaleadvisor/service.h"

/* Samples of one deployment kept in memory for the context history (and
 * so for the predictor after a restart): two compressed simulated days
 * even at a 1 s interval, about 34 h at 15 s, 5.7 days at 1 minute. */
#define SVC_HISTORY_MAX 8192
/* History samples kept in the context JSON stored with a recommendation. */
#define SVC_CONTEXT_HISTORY 20
/* Forecast points written per cycle (the chart's look-ahead). */
#define SVC_FORECAST_POINTS 20
/* Liveness: the loop is stalled when it made no progress for the longer
 * of this and 3 intervals + 4 LLM budgets (a cycle spends at most two). */
#define SVC_STALL_MIN_S 600
/* Memory the service needs, for the warning against its cgroup's limit:
 * a base, and per watched deployment its predictor, advisor and samples
 * once every window is full (2.1-2.8 MB measured by bench_advisor at 1 to
 * 60 s intervals, 330 KB of samples; docs/service.md). */
#define SVC_MEM_BASE (32ll << 20)
#define SVC_MEM_PER_DEPLOYMENT (3ll << 20)
#define SVC_MEM_WARN 0.9 /* of the limit */

struct svc_eval; /* the advisor's state of one deployment (evaluate.c) */

typedef struct {
    char ns[SA_NAME_MAX];
    char name[SA_NAME_MAX];
    int64_t dep_id;
    int64_t seen_at;    /* time of the last cycle that collected it */
    int64_t seen_cycle; /* and its number (sa_service.cycles then) */
    bool gauges_set;    /* its per-deployment gauges are exported */
    /* history ring, oldest first once unrolled */
    sa_sample *hist;
    size_t hist_head, hist_n;
    int64_t last_ts;     /* newest sample stored */
    struct svc_eval *ev; /* advisor state */
    /* latest result, for evaluate-now replies and the status */
    bool has_last;
    sa_result last;
    char *last_json; /* owned */
} svc_dep;

typedef struct svc_req {
    struct svc_req *next;
    char ns[SA_NAME_MAX];
    char name[SA_NAME_MAX];
    bool done;
    int refs; /* 2 while queued: the waiter and the loop; last one frees */
    sa_err err;
    sa_errbuf eb;
    sa_buf out;
} svc_req;

struct sa_service {
    sa_service_deps d;
    svc_dep *deps;
    size_t n_deps, cap_deps;
    int64_t cycles;
    int64_t started_at;

    pthread_mutex_t mu; /* guards the fields below */
    pthread_cond_t cv;
    bool ready;
    bool paused;
    bool emergency_stop;
    bool stopping;
    svc_req *queue;
    int64_t last_cycle_at;
    int64_t mem_limit;      /* the cgroup's memory limit, bytes; 0 = none */
    size_t mem_warned_deps; /* deployments at the last memory warning */
    double last_cycle_ms;
    char last_error[SA_STATUS_MAX];
    double beat_ms; /* sa_mono_ms of the loop's last progress (liveness) */

    /* metric families (borrowed from the registry) */
    sa_metric *m_decisions, *m_cycle_seconds, *m_cycles, *m_cycle_errors;
    sa_metric *m_recommended, *m_current, *m_actuations, *m_paused, *m_ready;
    sa_metric *m_db_bytes, *m_retained, *m_degraded, *m_last_cycle;
    sa_metric *m_hpa_desired, *m_accuracy, *m_build, *m_mem_limit, *m_mem_needed;
};

/* evaluate.c: the advisor step of one deployment. */
SA_MUST_CHECK sa_err svc_eval_create(sa_service *s, const sa_context *ctx, struct svc_eval **out,
                                     sa_errbuf *eb);
void svc_eval_destroy(struct svc_eval *ev);
/* Evaluate ctx (history attached) at now into r; forecast points for the
 * chart into pts (up to SVC_FORECAST_POINTS, *npts; metric name into
 * metric[32]). An LLM request is started only before llm_start_by_ms
 * (sa_mono_ms; 0 = any time). Safe to run for several deployments in
 * parallel. */
void svc_eval_run(sa_service *s, struct svc_eval *ev, const sa_context *ctx, int64_t now,
                  double llm_start_by_ms, sa_result *r, sa_store_fc_point *pts, size_t *npts,
                  char metric[32]);
/* Tell the advisor that our actuation changed replicas (cooldowns). */
void svc_eval_note_scale(struct svc_eval *ev, int64_t now, int from, int to);

/* backend.c */
/* A metric update failing (cardinality cap) is logged, never fatal. */
void svc_mcheck(sa_err e);
SA_MUST_CHECK sa_err svc_metrics_init(sa_service *s, sa_errbuf *eb);
void svc_metrics_cycle(sa_service *s, svc_dep *d, const sa_result *r, sa_act_status act);
/* Drop a deployment's gauges (it is no longer collected). */
void svc_metrics_forget(sa_service *s, svc_dep *d);

#endif
