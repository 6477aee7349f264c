/*
 * sources_int.h - constructors of the metric sources that talk to real
 * systems: Prometheus (metrics only) and Kubernetes (metrics and actuation).
 * sa_src_create (src/sources/source.c) dispatches to them by cfg->source.
 *
 * Both return a source whose collect() never fails for one deployment's
 * sake: a deployment whose metrics could not be read comes back with NaN
 * metrics and `degraded` set. collect() itself fails only when the set of
 * deployments cannot be known at all (Kubernetes list refused, out of memory).
 */
#ifndef SCALEADVISOR_SOURCES_INT_H
#define SCALEADVISOR_SOURCES_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "scaleadvisor/config.h"
#include "scaleadvisor/err.h"
#include "scaleadvisor/source.h"

/* A deployment's start-up time as a source measures it (Kubernetes: from
 * its pods; Prometheus: from kube-state-metrics), once every
 * SA_SRC_STARTUP_EVERY_S; a failed measurement keeps the last one. */
#define SA_SRC_STARTUP_EVERY_S 600
typedef struct {
    int64_t at; /* when last measured (or tried); 0 = never */
    double s;   /* seconds; NaN = not measured */
} sa_src_startup;
void sa_src_startup_init(sa_src_startup *m);
/* Is a measurement due at now (never tried, the interval passed, or the
 * clock went back)? When it is, now is recorded as its time. */
bool sa_src_startup_due(sa_src_startup *m, int64_t now);
/* Keep a measurement of s seconds; true when it differs from the last by
 * half a second or more (worth a log line). */
bool sa_src_startup_take(sa_src_startup *m, double s);

/* Deployments a real source reads side by side (sa_parallel_for): each
 * waits on the network while the others' requests are in flight. */
#define SA_SRC_READERS 8

/* Prometheus at cfg->prometheus_url; deployments and PromQL queries from the
 * JSON file cfg->config_file (format in docs/sources.md). Fails with
 * SA_ERR_INVALID naming the problem when the file is missing or malformed.
 * apply is NULL (Prometheus cannot actuate). Caller frees with
 * sa_src_destroy. */
SA_MUST_CHECK sa_err sa_src_prometheus_create(const sa_config *cfg, sa_src **out, sa_errbuf *eb);

/* How to reach the Kubernetes API. Strings are borrowed for the call. */
typedef struct {
    const char *api_url;        /* "https://host:port" or "http://127.0.0.1:8001" */
    const char *token;          /* bearer token, "" or NULL = none; never logged */
    const char *token_file;     /* re-read before each cycle (rotating tokens); NULL = none */
    const char *ca_file;        /* CA bundle for https; NULL = system default */
    bool dry_run;               /* true: apply() refuses, nothing is written */
    long timeout_ms;            /* per request; <= 0 = 5000 */
    int max_conflict_retries;   /* 409 re-read and retry, <= 0 = 3 */
    const char *default_preset; /* "balanced" when NULL */
} sa_k8s_options;

/* Build the options from the configuration: cfg->k8s_api_url (+ k8s_token)
 * when set, else in-cluster (KUBERNETES_SERVICE_HOST/PORT, the service
 * account token and CA under /var/run/secrets/kubernetes.io/serviceaccount).
 * Then create the source. SA_ERR_INVALID when neither is available. */
SA_MUST_CHECK sa_err sa_src_kubernetes_create(const sa_config *cfg, sa_src **out, sa_errbuf *eb);

/* Same, with explicit options (tests, tools). */
SA_MUST_CHECK sa_err sa_src_kubernetes_create_opts(const sa_k8s_options *o, sa_src **out,
                                                   sa_errbuf *eb);

#endif
