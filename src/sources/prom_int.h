/*
 * prom_int.h - internals of the Prometheus source, visible to its tests:
 * the config file model and the parsers of Prometheus API replies.
 */
#ifndef SA_SOURCES_PROM_INT_H
#define SA_SOURCES_PROM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/err.h"
#include "scaleadvisor/model.h"

/* The series a deployment is described by, in query order. */
typedef enum {
    SA_PQ_CPU = 0,  /* cpu_percent: CPU used over requested, % (required) */
    SA_PQ_MEMORY,   /* memory_percent: memory used over requested, % */
    SA_PQ_REPLICAS, /* replicas: spec replicas (required) */
    SA_PQ_READY,    /* ready_pods */
    SA_PQ_RATE,     /* request_rate: requests per second; no default */
    SA_PQ_STARTUP,  /* startup: seconds a new pod takes to become ready; queried
                       every 10 minutes when startup_seconds is not set, and
                       its failure degrades nothing */
    /* the deployment's HPA, from kube-state-metrics: its desired replicas
     * every cycle (an empty result: no HPA), its spec every 10 minutes; a
     * failure degrades nothing */
    SA_PQ_HPA_DESIRED, /* hpa_desired_replicas */
    SA_PQ_HPA_MIN,     /* hpa_min_replicas */
    SA_PQ_HPA_MAX,     /* hpa_max_replicas */
    SA_PQ_HPA_CPU,     /* hpa_target_cpu_percent: its cpu Utilization target */
    SA_PQ_HPA_MEMORY,  /* hpa_target_memory_percent: its memory Utilization target */
    SA_PQ_COUNT
} sa_prom_query;

#define SA_PROM_MAX_DEPLOYMENTS 256
#define SA_PROM_QUERY_MAX 4096

/* Key of query q in the config file and in messages ("cpu_percent"). */
const char *sa_prom_query_name(sa_prom_query q);

typedef struct {
    char name[SA_NAME_MAX];
    char namespace_[SA_NAME_MAX];
    int min_replicas, max_replicas;
    bool has_min, has_max, has_target_cpu; /* stated in the file: over the HPA's */
    double target_cpu_percent;
    double target_memory_percent; /* its HPA's memory target; NaN = none */
    sa_preset preset;
    double startup_s;    /* startup_seconds; NaN = SCALEADVISOR_STARTUP_S */
    double miss_cost_rh; /* miss_cost_rh; NaN = SCALEADVISOR_MISS_COST_RH */
    /* behavior: its HPA's spec.behavior (kube-state-metrics does not
     * export it); not set when absent */
    sa_scaling_rules scale_up, scale_down;
    /* templates after defaults and overrides; "" = not queried */
    char queries[SA_PQ_COUNT][SA_PROM_QUERY_MAX];
} sa_prom_deployment;

typedef struct {
    int64_t backfill_s; /* history fetched at start-up, seconds; 0 = none */
    int64_t step_s;     /* spacing of back-filled history */
    long timeout_ms;    /* per Prometheus request */
    size_t readers;     /* deployments read at once, 1..SA_SRC_READERS */
    size_t n;
    sa_prom_deployment *deps; /* owned: free with sa_prom_config_release */
} sa_prom_config;

/* Parse the JSON config file text. step_s defaults to interval_s, preset to
 * default_preset. SA_ERR_INVALID with a message naming the field. */
SA_MUST_CHECK sa_err sa_prom_config_parse(const char *json, int64_t interval_s,
                                          sa_preset default_preset, sa_prom_config *out,
                                          sa_errbuf *eb);
void sa_prom_config_release(sa_prom_config *c);

/* Replace {{namespace}} and {{deployment}} in tmpl into out. */
SA_MUST_CHECK sa_err sa_prom_expand(const char *tmpl, const char *ns, const char *name,
                                    sa_buf *out);

/* Parse an /api/v1/query reply (HTTP status given): one finite value and
 * its timestamp. Vector with exactly one series, or scalar. Errors:
 * SA_ERR_PARSE (not JSON), SA_ERR_HTTP (status: error, or non-2xx),
 * SA_ERR_SCHEMA (missing field, several series), SA_ERR_NOTFOUND (empty
 * result or NaN/Inf value: no data). */
SA_MUST_CHECK sa_err sa_prom_parse_instant(long http_status, const char *body, double *value,
                                           double *ts, sa_errbuf *eb);

/* Parse an /api/v1/query_range reply onto the grid start + i*step,
 * i < n: out[i] set for every finite point, others left NaN. An empty
 * matrix is SA_OK with all NaN; several series are SA_ERR_SCHEMA. */
SA_MUST_CHECK sa_err sa_prom_parse_range(long http_status, const char *body, int64_t start,
                                         int64_t step, size_t n, double *out, sa_errbuf *eb);

#endif
