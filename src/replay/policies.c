/*
 * policies.c - the replay policies, each a thin adapter from the replay
 * observation to the code the live service runs: `hpa` -> sa_hpa_step,
 * `predictive` -> sa_predictor (fed one demand sample per trace row, the
 * sample-and-hold signal a metric source would report), `rules` and
 * `hybrid` -> sa_advisor_evaluate, the service's one evaluation path (rule
 * source and decision with the default preset; hybrid adds the predictor
 * and, when given one, the LLM).
 */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "scaleadvisor/advisor.h"
#include "scaleadvisor/llm.h"
#include "scaleadvisor/predict.h"
#include "scaleadvisor/replay.h"
#include "scaleadvisor/rules.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

static const char *const policy_names[] = {"hpa", "rules", "predictive", "hybrid"};

const char *sa_policy_name(sa_policy_kind k)
{
    return (size_t)k < sizeof policy_names / sizeof policy_names[0] ? policy_names[k] : "unknown";
}

sa_err sa_policy_parse(const char *s, sa_policy_kind *out)
{
    for (size_t i = 0; s && i < sizeof policy_names / sizeof policy_names[0]; i++)
        if (strcmp(s, policy_names[i]) == 0) {
            *out = (sa_policy_kind)i;
            return SA_OK;
        }
    return SA_ERR_INVALID;
}

struct sa_policy {
    sa_policy_kind kind;
    sa_replay_policy iface;
    sa_replay_params rp;
    sa_policy_stats stats;
    sa_hpa_state hpa;
    sa_hpa_params hpa_p;
    sa_predictor *pred;
    sa_context ctx; /* scratch context handed to the service's code */
    bool advisor_ready;
    sa_advisor_state adv; /* rules, hybrid */
    sa_llm *llm;          /* borrowed; NULL = no LLM */
};

static int decide_hpa(void *self, const sa_replay_obs *o)
{
    sa_policy *pol = self;
    return sa_hpa_step(&pol->hpa, &pol->hpa_p, o->t, o->demand, o->ready, o->replicas, NULL);
}

static int decide_predictive(void *self, const sa_replay_obs *o)
{
    sa_policy *pol = self;
    sa_rec rec;
    if (o->new_row)
        sa_predictor_observe(pol->pred, o->row_t, o->demand);
    pol->ctx.current_replicas = o->replicas;
    pol->ctx.ready_pods = o->ready;
    sa_predictor_recommend(pol->pred, &pol->ctx, o->t, &rec, NULL);
    return rec.present ? rec.target_replicas : o->replicas;
}

/* The context a metric source would report: CPU % of the ready pods
 * (unknown when none is ready) and the demand as a request rate of one
 * request per replica unit. */
static void fill_ctx(sa_context *c, const sa_replay_obs *o)
{
    c->current_replicas = o->replicas;
    c->ready_pods = o->ready;
    c->cpu_percent = o->ready > 0 ? o->demand / (double)o->ready * 100.0 : NAN;
    c->request_rate = o->demand;
    c->observed_at = (int64_t)llround(o->t);
}

static int decide_advisor(void *self, const sa_replay_obs *o)
{
    sa_policy *pol = self;
    sa_result res;
    fill_ctx(&pol->ctx, o);
    sa_advisor_input in = {.ctx = &pol->ctx,
                           .now = (int64_t)llround(o->t),
                           .dry_run = true,
                           .llm = pol->llm,
                           .llm_force = false,
                           .untimed_is_now = false};
    sa_advisor_evaluate(&in, &pol->adv, &res);
    return res.decision.target_replicas;
}

void sa_policy_set_llm(sa_policy *pol, struct sa_llm *llm)
{
    pol->llm = llm;
}

void sa_policy_destroy(sa_policy *pol)
{
    if (!pol)
        return;
    if (pol->advisor_ready)
        sa_advisor_state_release(&pol->adv);
    sa_predictor_destroy(pol->pred);
    sa_context_release(&pol->ctx);
    free(pol);
}

/* The predictor parameters both policies take from the replay's: start-up,
 * violation price, Holt-Winters, the reactive fallback and the bounds;
 * sampled every sample_s seconds with a period of `period` samples. */
static void predict_params(const sa_replay_params *rp, double sample_s, size_t period,
                           sa_predict_params *pp)
{
    sa_predict_params_init(pp);
    pp->sample_s = sample_s;
    pp->interval_s = rp->step_s;
    pp->startup_s = rp->startup_s;
    pp->period = period;
    pp->holt_winters = rp->holt_winters;
    pp->miss_cost_rh = rp->miss_cost_rh;
    pp->min_accuracy = rp->min_accuracy;
    pp->target_utilization = rp->target_utilization;
    pp->downscale_window_s = rp->downscale_window_s;
    pp->min_replicas = rp->min_replicas;
    pp->max_replicas = rp->max_replicas;
}

static sa_err make_predictor(sa_policy *pol, double row_s, sa_errbuf *eb)
{
    sa_predict_params pp;
    predict_params(&pol->rp, row_s, pol->rp.period, &pp);
    return sa_predictor_create(&pp, &pol->pred, eb);
}

/* hybrid: the predictor as the service runs it, one sample per decision
 * interval (the seasonal period converted from rows to steps). */
static sa_err make_advisor(sa_policy *pol, double row_s, bool with_predictor, sa_errbuf *eb)
{
    sa_predict_params pp;
    double per = (double)pol->rp.period * row_s / pol->rp.step_s;
    predict_params(&pol->rp, pol->rp.step_s,
                   per >= 2.0 && per <= 100000.0 ? (size_t)llround(per) : 0, &pp);
    /* a day of one-minute errors: the week the service keeps would make
     * each replayed minute ~7x dearer and the benchmark slow */
    pp.error_window_s = 86400.0;
    snprintf(pp.metric, sizeof pp.metric, "request_rate");
    sa_err e = sa_advisor_state_init(&pol->adv, with_predictor ? &pp : NULL, 1.0, eb);
    if (e == SA_OK)
        pol->advisor_ready = true;
    return e;
}

sa_err sa_policy_create(sa_policy_kind k, const sa_replay_params *p, double row_s, sa_policy **out,
                        sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sa_policy *pol = calloc(1, sizeof *pol);
    if (!pol)
        return sa_fail(eb, SA_ERR_NOMEM, "out of memory");
    pol->kind = k;
    pol->rp = *p;
    sa_context_init(&pol->ctx);
    pol->ctx.min_replicas = p->min_replicas;
    pol->ctx.max_replicas = p->max_replicas;
    pol->ctx.target_cpu_percent = p->target_utilization * 100.0;
    pol->ctx.preset = p->preset;
    sa_strlcpy(pol->ctx.name, "replay", sizeof pol->ctx.name);
    sa_strlcpy(pol->ctx.namespace_, "replay", sizeof pol->ctx.namespace_);
    sa_hpa_state_init(&pol->hpa);
    sa_hpa_params_init(&pol->hpa_p);
    pol->hpa_p.target_utilization = p->target_utilization;
    pol->hpa_p.tolerance_up = p->tolerance;
    pol->hpa_p.tolerance_down = p->tolerance;
    pol->hpa_p.downscale_window_s = p->downscale_window_s;
    pol->hpa_p.min_replicas = p->min_replicas;
    pol->hpa_p.max_replicas = p->max_replicas;
    pol->iface.name = sa_policy_name(k);
    pol->iface.self = pol;
    switch (k) {
    case SA_POLICY_HPA:
        pol->iface.decide = decide_hpa;
        break;
    case SA_POLICY_PREDICTIVE:
        pol->iface.decide = decide_predictive;
        e = make_predictor(pol, row_s, eb);
        break;
    case SA_POLICY_RULES:
    case SA_POLICY_HYBRID:
        pol->iface.decide = decide_advisor;
        e = make_advisor(pol, row_s, k == SA_POLICY_HYBRID, eb);
        break;
    default:
        e = sa_fail(eb, SA_ERR_INVALID, "unknown policy %d", (int)k);
        break;
    }
    if (e != SA_OK) {
        sa_policy_destroy(pol);
        return e;
    }
    *out = pol;
    return SA_OK;
}

sa_replay_policy *sa_policy_iface(sa_policy *pol)
{
    return &pol->iface;
}

void sa_policy_get_stats(const sa_policy *pol, sa_policy_stats *out)
{
    *out = pol->stats;
    if (pol->llm) {
        sa_llm_stats ls;
        sa_llm_stats_get(pol->llm, 0, &ls);
        out->llm_calls = (long)ls.calls_total;
        out->llm_tokens = (long)(ls.prompt_tokens_total + ls.completion_tokens_total);
    }
}
