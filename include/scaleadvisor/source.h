/*
 * source.h - where metrics come from and where decisions are applied.
 *
 * A source (simulator, prometheus, kubernetes) is an object with a small
 * vtable. Each cycle the service calls collect(); each returned context
 * describes one watched deployment now, and its `history` carries samples
 * the service has not stored yet (a back-fill at start-up, or nothing),
 * oldest first. A deployment whose metrics could not be read is still
 * returned, with NaN metrics and `degraded` saying why, so the cycle goes
 * on for the others and the failure is visible.
 *
 * apply() actuates one decision (only called with --apply). Sources that
 * cannot actuate leave it NULL.
 *
 * Threading: one thread (the control loop) calls a source at a time.
 */
#ifndef SCALEADVISOR_SOURCE_H
#define SCALEADVISOR_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/config.h"
#include "scaleadvisor/model.h"

typedef struct {
    int before;                  /* replicas (or HPA minReplicas) before */
    int after;                   /* after; == before when nothing changed */
    char method[32];             /* "simulator", "scale", "hpa_min_replicas" */
    char outcome[SA_STATUS_MAX]; /* "ok", "conflict retried", "forbidden: ..." */
} sa_actuation;

typedef struct sa_src sa_src;
struct sa_src {
    const char *kind; /* "simulator", "prometheus", "kubernetes" */
    void *impl;
    /* Collect every watched deployment at time now (epoch s). On success
     * *out is an array of *n contexts: release each, then free(*out). */
    sa_err (*collect)(sa_src *s, int64_t now, sa_context **out, size_t *n, sa_errbuf *eb);
    /* Move ctx's deployment towards `target` replicas. */
    sa_err (*apply)(sa_src *s, const sa_context *ctx, int target, sa_actuation *out, sa_errbuf *eb);
    void (*destroy)(sa_src *s);
};

/* Build the source the configuration names. Caller frees with
 * sa_src_destroy. */
SA_MUST_CHECK sa_err sa_src_create(const sa_config *cfg, sa_src **out, sa_errbuf *eb);
void sa_src_destroy(sa_src *s);

/* Free an array returned by collect. */
void sa_src_contexts_free(sa_context *v, size_t n);

#endif
