/*
 * advisor.c - the one evaluation path: rule, predictive and LLM sources,
 * then the decision, for one deployment and one instant. Every caller (the
 * service, `advise`, the replay hybrid policy) goes through here, so a
 * recommendation means the same thing wherever it is shown.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scaleadvisor/advisor.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

sa_err sa_advisor_state_init(sa_advisor_state *s, const sa_predict_params *pp,
                             double rps_per_replica, sa_errbuf *eb)
{
    memset(s, 0, sizeof *s);
    sa_hpa_state_init(&s->hpa);
    sa_decide_state_init(&s->decide);
    s->rps_per_replica = rps_per_replica > 0 && isfinite(rps_per_replica) ? rps_per_replica : 0;
    s->last_replicas = -1;
    if (!pp)
        return SA_OK;
    sa_err e = sa_predictor_create(pp, &s->predictor, eb);
    if (e != SA_OK)
        sa_advisor_state_release(s);
    return e;
}

void sa_advisor_state_release(sa_advisor_state *s)
{
    if (!s)
        return;
    sa_predictor_destroy(s->predictor);
    memset(s, 0, sizeof *s);
    s->last_replicas = -1;
}

void sa_advisor_predict_params(const sa_config *cfg, sa_predict_params *pp)
{
    sa_predict_params_init(pp);
    pp->miss_cost_rh = cfg->miss_cost_rh;
    pp->min_accuracy = cfg->min_accuracy;
    pp->startup_s = (double)cfg->startup_s;
}

/* Demand of one history sample in replica units; NaN when unknown. */
static double sample_demand(const sa_sample *h, double rps_per_replica)
{
    if (rps_per_replica > 0 && isfinite(h->request_rate))
        return h->request_rate / rps_per_replica;
    if (isfinite(h->cpu_percent) && h->replicas >= 0)
        return h->cpu_percent / 100.0 * (double)h->replicas;
    return NAN;
}

/* Give the predictor what it has not seen: newer history, then now. */
static void feed_predictor(sa_advisor_state *st, const sa_context *ctx, int64_t now)
{
    for (size_t i = 0; i < ctx->n_history; i++) {
        const sa_sample *h = &ctx->history[i];
        if (h->timestamp <= st->fed_until)
            continue;
        sa_predictor_observe(st->predictor, (double)h->timestamp,
                             sample_demand(h, st->rps_per_replica));
        st->fed_until = h->timestamp;
    }
    int64_t t = ctx->observed_at > 0 ? ctx->observed_at : now;
    if (t > st->fed_until) {
        sa_predictor_observe(st->predictor, (double)t, sa_predict_demand(ctx, st->rps_per_replica));
        st->fed_until = t;
    }
}

static void ask_llm(const sa_advisor_input *in, const sa_advisor_state *st, const sa_constraints *c,
                    sa_result *out)
{
    if (!in->llm) {
        sa_strlcpy(out->llm_status.error, "disabled", sizeof out->llm_status.error);
        return;
    }
    sa_llm_input li = {.ctx = in->ctx,
                       .constraints = c,
                       .forecast = out->forecast.present ? &out->forecast : NULL,
                       .rule = &out->rule,
                       .predictive = &out->predictive,
                       .recent = st->recent,
                       .n_recent = st->n_recent,
                       .now = in->now,
                       .start_by_ms = in->llm_start_by_ms};
    if (in->llm_force) {
        sa_llm_advise(in->llm, &li, &out->llm, &out->llm_status);
        return;
    }
    sa_rec reuse;
    char why[SA_STATUS_MAX];
    if (sa_llm_should_consult(in->llm, &li, &reuse, why)) {
        sa_llm_advise(in->llm, &li, &out->llm, &out->llm_status);
    } else if (reuse.present) {
        out->llm = reuse;
        out->llm_status.used = true;
        sa_strlcpy(out->llm_status.model, reuse.model, sizeof out->llm_status.model);
        out->llm_status.error[0] = '\0';
    } else {
        sa_strlcpy(out->llm_status.error, why, sizeof out->llm_status.error);
    }
}

/* Remember this decision for the prompt, and say how the previous one
 * turned out now that its effect can be seen. */
static void remember(sa_advisor_state *st, const sa_context *ctx, int64_t now, const sa_decision *d)
{
    if (st->n_recent > 0) {
        size_t k = st->n_recent - 1;
        sa_llm_past *p = &st->recent[k];
        p->applied =
            p->target_replicas != p->from_replicas && ctx->current_replicas == p->target_replicas;
        if (isfinite(st->recent_cpu[k]) && isfinite(ctx->cpu_percent))
            snprintf(p->outcome, sizeof p->outcome, "replicas %d -> %d, cpu %.0f%% -> %.0f%%",
                     p->from_replicas, ctx->current_replicas, st->recent_cpu[k], ctx->cpu_percent);
        else
            snprintf(p->outcome, sizeof p->outcome, "replicas %d -> %d", p->from_replicas,
                     ctx->current_replicas);
    }
    if (st->n_recent == SA_LLM_PAST_MAX) {
        memmove(&st->recent[0], &st->recent[1], (SA_LLM_PAST_MAX - 1) * sizeof st->recent[0]);
        memmove(&st->recent_cpu[0], &st->recent_cpu[1],
                (SA_LLM_PAST_MAX - 1) * sizeof st->recent_cpu[0]);
        st->n_recent--;
    }
    sa_llm_past *p = &st->recent[st->n_recent];
    memset(p, 0, sizeof *p);
    p->at = now;
    p->source = d->source;
    p->action = d->action;
    p->from_replicas = ctx->current_replicas;
    p->target_replicas = d->target_replicas;
    st->recent_cpu[st->n_recent] = ctx->cpu_percent;
    st->n_recent++;
}

static void fill_header(const sa_context *ctx, int64_t now, sa_result *out)
{
    sa_strlcpy(out->deployment, ctx->name, sizeof out->deployment);
    sa_strlcpy(out->namespace_, ctx->namespace_, sizeof out->namespace_);
    out->generated_at = now;
    out->current_replicas = ctx->current_replicas;
    out->min_replicas = ctx->min_replicas;
    out->max_replicas = ctx->max_replicas;
    out->hpa_desired_replicas = ctx->has_hpa ? ctx->hpa_desired_replicas : -1;
}

void sa_advisor_evaluate(const sa_advisor_input *in, sa_advisor_state *st, sa_result *out)
{
    const sa_context *ctx = in->ctx;
    int64_t now = in->now;
    sa_context snapshot; /* shallow copy: history stays borrowed */
    if (in->untimed_is_now && ctx->observed_at <= 0) {
        snapshot = *ctx;
        snapshot.observed_at = now;
        ctx = &snapshot;
    }
    sa_result_init(out);
    fill_header(ctx, now, out);

    /* something (us, the cluster's HPA, a person) changed the replicas */
    if (st->last_replicas >= 0 && st->last_replicas != ctx->current_replicas)
        sa_decide_note_scale(&st->decide, now, st->last_replicas, ctx->current_replicas);
    st->last_replicas = ctx->current_replicas;

    sa_constraints c;
    sa_constraints_for(&c, ctx);
    sa_strlcpy(out->pace_from,
               c.up.set || c.down.set ? "hpa_behavior" : sa_preset_name(ctx->preset),
               sizeof out->pace_from);
    sa_decide_pace(&c, true, ctx->current_replicas, out->pace_up, sizeof out->pace_up);
    sa_decide_pace(&c, false, ctx->current_replicas, out->pace_down, sizeof out->pace_down);
    (void)sa_decide_metrics_problem(ctx, &c, now, out->degraded, sizeof out->degraded);

    int rule_proposal = ctx->current_replicas;
    sa_rules_evaluate_ex(ctx, &c, &st->hpa, now, &out->rule, &rule_proposal);

    if (st->predictor) {
        feed_predictor(st, ctx, now);
        double at = (double)(now > st->fed_until ? now : st->fed_until);
        sa_predictor_recommend(st->predictor, ctx, at, &out->predictive, &out->forecast);
    }

    ask_llm(in, st, &c, out);

    sa_decide_input di = {.ctx = ctx,
                          .c = &c,
                          .now = now,
                          .llm = &out->llm,
                          .predictive = &out->predictive,
                          .rule = &out->rule,
                          .rule_proposal = &rule_proposal,
                          .dry_run = in->dry_run};
    sa_decide(&di, &st->decide, &out->decision);
    remember(st, ctx, now, &out->decision);
}
