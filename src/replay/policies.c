/*
 * policies.c - the replay policies, each a thin adapter from the replay
 * observation to the code the live service runs: `hpa` -> sa_hpa_step,
 * `predictive` -> sa_predictor (fed one demand sample per trace row, the
 * sample-and-hold signal a metric source would report).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaleadvisor/predict.h"
#include "scaleadvisor/replay.h"
#include "scaleadvisor/rules.h"
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

void sa_policy_destroy(sa_policy *pol)
{
    if (!pol)
        return;
    sa_predictor_destroy(pol->pred);
    sa_context_release(&pol->ctx);
    free(pol);
}

static sa_err make_predictor(sa_policy *pol, double row_s, sa_errbuf *eb)
{
    sa_predict_params pp;
    sa_predict_params_init(&pp);
    pp.sample_s = row_s;
    pp.interval_s = pol->rp.step_s;
    pp.startup_s = pol->rp.startup_s;
    pp.period = pol->rp.period;
    pp.target_utilization = pol->rp.target_utilization;
    pp.downscale_window_s = pol->rp.downscale_window_s;
    pp.min_replicas = pol->rp.min_replicas;
    pp.max_replicas = pol->rp.max_replicas;
    return sa_predictor_create(&pp, &pol->pred, eb);
}

sa_err sa_policy_create(sa_policy_kind k, const sa_replay_params *p, double row_s,
                        sa_policy **out, sa_errbuf *eb)
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
    default:
        e = sa_fail(eb, SA_ERR_UNAVAILABLE, "policy '%s' is not available in this build",
                    sa_policy_name(k));
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
}
