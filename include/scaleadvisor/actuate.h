/*
 * actuate.h - acting on a decision, and the audit of every actuation.
 *
 * sa_actuate applies a decision through the source only when the service
 * may act (not dry-run, not paused, the source can actuate, the target
 * differs from the current replicas), and sets decision.applied and
 * decision.dry_run accordingly. The service writes the intent of every
 * due actuation to the audit log first (sa_act_gate, sa_act_intent), then
 * acts and writes the outcome: before/after, method, outcome.
 */
#ifndef SCALEADVISOR_ACTUATE_H
#define SCALEADVISOR_ACTUATE_H

#include <stdbool.h>
#include <stdint.h>

#include "scaleadvisor/model.h"
#include "scaleadvisor/source.h"
#include "scaleadvisor/store.h"

typedef enum {
    SA_ACT_DRY_RUN = 0, /* dry-run: nothing done (applied false, dry_run true) */
    SA_ACT_PAUSED,      /* actuation paused or emergency-stopped */
    SA_ACT_NOOP,        /* target == current replicas */
    SA_ACT_UNSUPPORTED, /* the source cannot actuate */
    SA_ACT_APPLIED,     /* the source applied it (out filled) */
    SA_ACT_FAILED,      /* the source refused or failed (out->outcome says why) */
    SA_ACT_DUE          /* sa_act_gate only: the gate is open, the source is to act */
} sa_act_status;

/* "dry_run", "paused", "noop", "unsupported", "applied", "failed", "due". */
const char *sa_act_status_name(sa_act_status st);

/* The gate of sa_actuate without acting: SA_ACT_DUE when sa_actuate would
 * call the source, else why not. Sets d->dry_run = dry_run and
 * d->applied = false. The service records its intent (an audit row
 * "pending") for a due actuation before it acts. */
sa_act_status sa_act_gate(const sa_src *src, const sa_context *ctx, sa_decision *d, bool dry_run,
                          bool paused);

/* The intent of a due actuation, as its audit row says until the outcome
 * is known: method the source's kind, before the current replicas, after
 * the target, outcome "pending". */
void sa_act_intent(const sa_src *src, const sa_context *ctx, const sa_decision *d,
                   sa_actuation *out);

/* Act on d for ctx. Sets d->dry_run = dry_run and d->applied (true only
 * for SA_ACT_APPLIED with after != before). out is filled for APPLIED and
 * FAILED (before = current replicas). */
sa_act_status sa_actuate(sa_src *src, const sa_context *ctx, sa_decision *d, bool dry_run,
                         bool paused, sa_actuation *out);

#endif
