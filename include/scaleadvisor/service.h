/*
 * service.h - the control loop: each cycle collects every watched
 * deployment from the source, stores the new samples, evaluates each
 * deployment through the shared advisor (rules, predictive, LLM, decide),
 * stores the result with the context it was made from, actuates when
 * allowed (--apply and not paused) with an audit entry, updates the
 * metrics. One transaction per cycle.
 *
 * The service also implements the HTTP backend (http.h): reads go to the
 * read-only store handle; "evaluate now" is handed to the loop thread,
 * which owns the source, the writer handle and the per-deployment state.
 *
 * Threading: sa_service_cycle and sa_service_run belong to one thread (the
 * loop). The backend functions may be called from any thread.
 */
#ifndef SCALEADVISOR_SERVICE_H
#define SCALEADVISOR_SERVICE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "scaleadvisor/config.h"
#include "scaleadvisor/err.h"
#include "scaleadvisor/http.h"
#include "scaleadvisor/metrics.h"
#include "scaleadvisor/source.h"
#include "scaleadvisor/store.h"

/* What the service works with; every pointer is borrowed and must outlive
 * the service. llm may be NULL (rules and forecasts only). */
typedef struct {
    const sa_config *cfg;
    sa_src *src;
    sa_store *store;  /* writer: used by the loop thread only */
    sa_store *reader; /* SA_STORE_READONLY handle for the API */
    sa_metrics *metrics;
    struct sa_llm *llm;
    int64_t memory_limit; /* bytes; 0 = the cgroup's (sa_memory_limit_bytes) */
} sa_service_deps;

typedef struct sa_service sa_service;

/* Build the service and its metric families. Caller frees with
 * sa_service_destroy. */
SA_MUST_CHECK sa_err sa_service_create(const sa_service_deps *d, sa_service **out, sa_errbuf *eb);
/* Free the per-deployment state; pending evaluate requests are answered
 * "unavailable". NULL is harmless. */
void sa_service_destroy(sa_service *s);

/* Run one cycle at time now (epoch s). Deployments that fail are logged
 * and skipped; the cycle fails only when the source cannot collect at all
 * or the database refuses the transaction (then nothing of it is kept). */
SA_MUST_CHECK sa_err sa_service_cycle(sa_service *s, int64_t now, sa_errbuf *eb);

/* The loop: a cycle every cfg->interval_s, on a fixed cadence; between
 * cycles waits for one of `stop` (blocked by the caller in every thread)
 * with sigtimedwait in short slices and serves evaluate-now requests.
 * Returns the signal that stopped it, after the cycle in flight ended. */
int sa_service_run(sa_service *s, const sigset_t *stop);

/* Refuse new evaluate-now requests and answer queued ones "unavailable",
 * so HTTP threads waiting on them return; call before stopping HTTP. */
void sa_service_stop(sa_service *s);

/* Answer pending evaluate-now requests (loop thread). */
void sa_service_serve_requests(sa_service *s);

/* Fill be with the service's backend (be->ctx = s). */
void sa_service_backend(sa_service *s, sa_http_backend *be);

/* Liveness: seconds since the loop last made progress (a turn of
 * sa_service_run, a cycle begun or ended) when that exceeds
 * sa_service_stall_limit_s, else 0. now_ms is sa_mono_ms(). */
int64_t sa_service_stalled_s(sa_service *s, double now_ms);
/* The longer of SVC_STALL_MIN_S (600) and 3 intervals + 4 LLM budgets. */
int64_t sa_service_stall_limit_s(const sa_service *s);

/* Cycles completed since start. */
int64_t sa_service_cycles(const sa_service *s);

/* Deployments whose state is held in memory: those collected lately and
 * those gone for less than an hour. */
size_t sa_service_deployments(const sa_service *s);

#endif
