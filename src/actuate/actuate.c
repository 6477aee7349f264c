/*
 * actuate.c - the gate in front of the source's apply(): dry-run and pause
 * are checked here, once, so no source can actuate by mistake. A failed
 * apply is not an error of the cycle: it is recorded as the outcome.
 */
#include <stdio.h>
#include <string.h>

#include "scaleadvisor/actuate.h"
#include "scaleadvisor/log.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

const char *sa_act_status_name(sa_act_status st)
{
    static const char *const names[] = {"dry_run", "paused", "noop", "unsupported",
                                        "applied", "failed", "due"};
    return (size_t)st < SA_ARRAY_LEN(names) ? names[st] : "unknown";
}

sa_act_status sa_act_gate(const sa_src *src, const sa_context *ctx, sa_decision *d, bool dry_run,
                          bool paused)
{
    d->dry_run = dry_run;
    d->applied = false;
    if (dry_run)
        return SA_ACT_DRY_RUN;
    if (paused)
        return SA_ACT_PAUSED;
    if (d->target_replicas == ctx->current_replicas)
        return SA_ACT_NOOP;
    if (!src || !src->apply)
        return SA_ACT_UNSUPPORTED;
    return SA_ACT_DUE;
}

void sa_act_intent(const sa_src *src, const sa_context *ctx, const sa_decision *d,
                   sa_actuation *out)
{
    memset(out, 0, sizeof *out);
    sa_strlcpy(out->method, src ? src->kind : "", sizeof out->method);
    out->before = ctx->current_replicas;
    out->after = d->target_replicas;
    sa_strlcpy(out->outcome, "pending", sizeof out->outcome);
}

sa_act_status sa_actuate(sa_src *src, const sa_context *ctx, sa_decision *d, bool dry_run,
                         bool paused, sa_actuation *out)
{
    sa_errbuf eb = {0};
    sa_err e;
    sa_act_status st = sa_act_gate(src, ctx, d, dry_run, paused);
    memset(out, 0, sizeof *out);
    if (st != SA_ACT_DUE)
        return st;
    e = src->apply(src, ctx, d->target_replicas, out, &eb);
    if (e != SA_OK) {
        out->before = out->after = ctx->current_replicas;
        if (!out->method[0])
            sa_strlcpy(out->method, src->kind, sizeof out->method);
        sa_strlcpy(out->outcome, sa_strerror(e), sizeof out->outcome);
        if (eb.msg[0]) {
            size_t n = strlen(out->outcome);
            sa_strlcpy(out->outcome + n, ": ", sizeof out->outcome - n);
            n = strlen(out->outcome);
            sa_strlcpy(out->outcome + n, eb.msg, sizeof out->outcome - n);
        }
        sa_log(SA_LOG_WARN, "actuation failed", "namespace=%s deployment=%s target=%d error=%s",
               ctx->namespace_, ctx->name, d->target_replicas, out->outcome);
        return SA_ACT_FAILED;
    }
    d->applied = out->after != out->before;
    sa_log(SA_LOG_INFO, "actuated", "namespace=%s deployment=%s before=%d after=%d method=%s",
           ctx->namespace_, ctx->name, out->before, out->after, out->method);
    return SA_ACT_APPLIED;
}
