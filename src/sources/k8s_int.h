/*
 * k8s_int.h - internals of the Kubernetes source, visible to its tests:
 * the parsed shapes of the objects it reads (Deployment, HPA autoscaling/v2,
 * PodMetricsList, Scale, Status).
 * cJSON stays inside k8s_parse.c: callers get these plain structs.
 */
#ifndef SA_SOURCES_K8S_INT_H
#define SA_SOURCES_K8S_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/err.h"
#include "scaleadvisor/model.h"

#define SA_K8S_MAX_CONTAINERS 16
#define SA_K8S_SELECTOR_MAX 2048
#define SA_K8S_RV_MAX 64
#define SA_K8S_MAX_ITEMS 2000    /* in one page of a list */
#define SA_K8S_CONTINUE_MAX 1024 /* a list's continue token, NUL included */

#define SA_K8S_LABEL_ENABLED "scaleadvisor.io/enabled"
#define SA_K8S_ANN_MIN "scaleadvisor.io/min-replicas"
#define SA_K8S_ANN_MAX "scaleadvisor.io/max-replicas"
#define SA_K8S_ANN_TARGET "scaleadvisor.io/target-cpu-percent"
#define SA_K8S_ANN_PRESET "scaleadvisor.io/preset"
#define SA_K8S_ANN_STARTUP "scaleadvisor.io/startup-seconds"
#define SA_K8S_ANN_MISS_COST "scaleadvisor.io/miss-cost-rh"

typedef struct {
    char name[64];
    double cpu_request;    /* cores; NaN = no request */
    double memory_request; /* bytes; NaN = no request */
} sa_k8s_container;

typedef struct {
    char name[SA_NAME_MAX];
    char namespace_[SA_NAME_MAX];
    int spec_replicas;                  /* spec.replicas, default 1 */
    int ready_replicas;                 /* status.readyReplicas, default 0 */
    char selector[SA_K8S_SELECTOR_MAX]; /* label selector string ("app=web,tier in (a,b)") */
    size_t n_containers;
    sa_k8s_container containers[SA_K8S_MAX_CONTAINERS];
    /* annotations: has_* false when absent; bad values named in ann_error */
    bool has_min, has_max, has_target, has_preset, has_startup, has_miss_cost;
    int ann_min, ann_max, ann_startup;
    double ann_target, ann_miss_cost;
    sa_preset ann_preset;
    char ann_error[SA_STATUS_MAX]; /* "" = all annotations valid */
} sa_k8s_deployment;

/* Parse a DeploymentList (apps/v1), or one page of it. *out is an array
 * of *n (caller frees with free()). Items without a usable selector are
 * skipped with a warning in the log. cont (may be NULL) receives the
 * page's metadata.continue (SA_K8S_CONTINUE_MAX bytes; "" on the last
 * page). SA_ERR_PARSE / SA_ERR_SCHEMA on a malformed list, SA_ERR_TOOBIG
 * past SA_K8S_MAX_ITEMS items or a continue token too long. */
SA_MUST_CHECK sa_err sa_k8s_parse_deployments(const char *body, sa_k8s_deployment **out, size_t *n,
                                              char *cont, sa_errbuf *eb);

typedef struct {
    char name[SA_NAME_MAX];
    char namespace_[SA_NAME_MAX];
    char target_kind[64];                 /* spec.scaleTargetRef.kind */
    char target_name[SA_NAME_MAX];        /* spec.scaleTargetRef.name */
    int min_replicas;                     /* spec.minReplicas, default 1 */
    int max_replicas;                     /* spec.maxReplicas */
    double target_cpu_percent;            /* Resource cpu Utilization target; NaN = none */
    double target_memory_percent;         /* Resource memory Utilization target; NaN = none */
    char other_metrics[SA_HPA_OTHER_MAX]; /* the metrics the rule cannot read; "" none */
    int current_replicas;                 /* status.currentReplicas; -1 = unknown */
    int desired_replicas;                 /* status.desiredReplicas; -1 = unknown */
    /* spec.behavior (sa_codec_behavior_parse): not set when absent; a
     * malformed one is not set either and named in behavior_error */
    sa_scaling_rules scale_up, scale_down;
    char behavior_error[SA_STATUS_MAX];
    char resource_version[SA_K8S_RV_MAX];
} sa_k8s_hpa;

/* A HorizontalPodAutoscalerList (autoscaling/v2), or one page of it, as
 * sa_k8s_parse_deployments; caller frees *out. */
SA_MUST_CHECK sa_err sa_k8s_parse_hpas(const char *body, sa_k8s_hpa **out, size_t *n, char *cont,
                                       sa_errbuf *eb);
/* One HorizontalPodAutoscaler object. */
SA_MUST_CHECK sa_err sa_k8s_parse_hpa(const char *body, sa_k8s_hpa *out, sa_errbuf *eb);

/* A Scale object (autoscaling/v1): spec.replicas and metadata.resourceVersion. */
SA_MUST_CHECK sa_err sa_k8s_parse_scale(const char *body, int *replicas, char rv[SA_K8S_RV_MAX],
                                        sa_errbuf *eb);

typedef struct {
    double cpu_percent;    /* usage / requests over all pods, %; NaN = unknown */
    double memory_percent; /* idem */
    int pods;              /* pods with metrics */
    int64_t newest;        /* newest sample timestamp, epoch s; 0 = none */
} sa_k8s_usage;

/* Aggregate a PodMetricsList (metrics.k8s.io/v1beta1) against the
 * deployment's container requests: for each resource, the sum of usage of
 * containers that have a request over the sum of those requests. */
SA_MUST_CHECK sa_err sa_k8s_parse_pod_metrics(const char *body, const sa_k8s_deployment *d,
                                              sa_k8s_usage *out, sa_errbuf *eb);

/* Pods that took longer than this from creation to Ready are not counted
 * as starting up: a later Ready transition is a readiness flap. */
#define SA_K8S_STARTUP_MAX_S 3600.0

/* The start-up time of a deployment's pods from a PodList (core/v1): over
 * the pods that are Ready and whose containers never restarted, the median
 * of the seconds from metadata.creationTimestamp to the Ready condition's
 * lastTransitionTime (within [0, SA_K8S_STARTUP_MAX_S]) into *startup_s,
 * how many were measured into *pods (0: none, *startup_s NaN).
 * SA_ERR_PARSE / SA_ERR_SCHEMA on a malformed list. */
SA_MUST_CHECK sa_err sa_k8s_parse_pod_startup(const char *body, double *startup_s, size_t *pods,
                                              sa_errbuf *eb);

/* Describe an error reply as "http 403 Forbidden: <message>" from a
 * Status body (kind Status; reason, message, code), or "http 503" when the
 * body is not one. Message text capped. */
void sa_k8s_status_text(long http_status, const char *body, char *out, size_t size);

#endif
