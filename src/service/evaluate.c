/*
 * evaluate.c - the advisor step of one deployment in the service: the
 * reactive rule, the predictive policy, the LLM (when configured and the
 * economy check says the context changed), then the constraint validation
 * and decision, into one sa_result. The state (HPA stabilisation, decide
 * memory, predictor) lives per deployment, so deployments can be evaluated
 * in parallel threads; the LLM handle is thread-safe.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaleadvisor/decide.h"
#include "scaleadvisor/llm.h"
#include "scaleadvisor/predict.h"
#include "scaleadvisor/rules.h"
#include "scaleadvisor/simulator.h"
#include "scaleadvisor/util.h"
#include "svc_int.h"
#include "scaleadvisor/banned.h"

/* Start-up time assumed for a new replica, s: the simulator's, or a
 * typical container start elsewhere. */
#define SVC_STARTUP_S_SIM 45.0
#define SVC_STARTUP_S_REAL 60.0

struct svc_eval {
    sa_hpa_state hpa;
    sa_decide_state dec;
    sa_predictor *pred;
    sa_llm_past recent[SA_LLM_PAST_MAX];
    size_t n_recent;
};

/* Seasonal period in samples: a (compressed) simulated day, else a day. */
static size_t day_samples(const sa_config *cfg)
{
    int64_t day = cfg->source == SA_SRC_SIMULATOR ? SA_SIM_DAY_S_DEFAULT : 86400;
    return (size_t)(day / cfg->interval_s);
}

sa_err svc_eval_create(sa_service *s, const sa_context *ctx, struct svc_eval **out,
                       sa_errbuf *eb)
{
    const sa_config *cfg = s->d.cfg;
    sa_predict_params p;
    sa_err e;
    struct svc_eval *ev = calloc(1, sizeof *ev);
    *out = NULL;
    if (!ev)
        return SA_ERR_NOMEM;
    sa_hpa_state_init(&ev->hpa);
    sa_decide_state_init(&ev->dec);
    sa_predict_params_init(&p);
    p.sample_s = (double)cfg->interval_s;
    p.interval_s = (double)cfg->interval_s;
    p.startup_s = cfg->source == SA_SRC_SIMULATOR ? SVC_STARTUP_S_SIM : SVC_STARTUP_S_REAL;
    p.period = day_samples(cfg);
    p.min_replicas = ctx->min_replicas;
    p.max_replicas = ctx->max_replicas;
    p.target_utilization = ctx->target_cpu_percent / 100.0;
    p.unit_per_replica = 100.0;
    sa_strlcpy(p.unit, "% CPU", sizeof p.unit);
    sa_strlcpy(p.metric, "cpu_percent", sizeof p.metric);
    if ((e = sa_predictor_create(&p, &ev->pred, eb)) != SA_OK) {
        free(ev);
        return e;
    }
    *out = ev;
    return SA_OK;
}

void svc_eval_destroy(struct svc_eval *ev)
{
    if (!ev)
        return;
    sa_predictor_destroy(ev->pred);
    free(ev);
}

void svc_eval_observe(struct svc_eval *ev, const sa_context *ctx, const sa_sample *x)
{
    sa_context c;
    sa_context_init(&c);
    c.cpu_percent = x->cpu_percent;
    c.request_rate = x->request_rate;
    c.current_replicas = x->replicas >= 0 ? x->replicas : ctx->current_replicas;
    c.ready_pods = c.current_replicas;
    sa_predictor_observe(ev->pred, (double)x->timestamp, sa_predict_demand(&c, 0));
}

void svc_eval_note_scale(struct svc_eval *ev, int64_t now, int from, int to)
{
    sa_decide_note_scale(&ev->dec, now, from, to);
    if (ev->n_recent)
        ev->recent[ev->n_recent - 1].applied = true;
}

/* The preset: the deployment's own, or the configured default. */
static sa_preset preset_of(const sa_config *cfg, const sa_context *ctx)
{
    sa_preset p = ctx->preset;
    if (p == SA_PRESET_BALANCED && sa_preset_parse(cfg->preset, &p) != SA_OK)
        p = SA_PRESET_BALANCED;
    return p;
}

/* Consult the LLM when it is configured and the economy check agrees;
 * reuse a still-fresh earlier answer otherwise. */
static void consult_llm(sa_service *s, struct svc_eval *ev, const sa_llm_input *in, sa_result *r)
{
    char why[SA_STATUS_MAX] = "";
    sa_rec reuse;
    sa_rec_init(&reuse);
    if (!s->d.llm || !sa_llm_enabled(s->d.llm)) {
        sa_strlcpy(r->llm_status.error, "disabled", sizeof r->llm_status.error);
        return;
    }
    if (sa_llm_should_consult(s->d.llm, in, &reuse, why)) {
        sa_llm_advise(s->d.llm, in, &r->llm, &r->llm_status);
        return;
    }
    if (reuse.present) {
        r->llm = reuse;
        r->llm_status.used = true;
        sa_strlcpy(r->llm_status.model, reuse.model, sizeof r->llm_status.model);
    } else {
        sa_strlcpy(r->llm_status.error, why[0] ? why : "not consulted",
                   sizeof r->llm_status.error);
    }
    (void)ev;
}

static void remember(struct svc_eval *ev, const sa_result *r, int64_t now)
{
    sa_llm_past *p;
    if (ev->n_recent == SA_LLM_PAST_MAX) {
        memmove(&ev->recent[0], &ev->recent[1], (SA_LLM_PAST_MAX - 1) * sizeof ev->recent[0]);
        ev->n_recent--;
    }
    p = &ev->recent[ev->n_recent++];
    memset(p, 0, sizeof *p);
    p->at = now;
    p->source = r->decision.source;
    p->action = r->decision.action;
    p->from_replicas = r->current_replicas;
    p->target_replicas = r->decision.target_replicas;
    p->applied = false;
}

/* Forecast points of the demand (replicas at 100 % CPU) for the chart. */
static void forecast_points(struct svc_eval *ev, double step, sa_store_fc_point *pts,
                            size_t *npts, char metric[32])
{
    double mean[SVC_FORECAST_POINTS], lo[SVC_FORECAST_POINTS], hi[SVC_FORECAST_POINTS], t0 = 0;
    size_t n = sa_predictor_forecast(ev->pred, SVC_FORECAST_POINTS, mean, lo, hi, &t0);
    *npts = 0;
    sa_strlcpy(metric, "demand_replicas", 32);
    if (n == 0 || sa_predictor_count(ev->pred) < 2)
        return;
    for (size_t k = 0; k < n; k++) {
        pts[k].timestamp = (int64_t)llround(t0 + (double)(k + 1) * step);
        pts[k].mean = mean[k];
        pts[k].lower = lo[k];
        pts[k].upper = hi[k];
    }
    *npts = n;
}

void svc_eval_run(sa_service *s, struct svc_eval *ev, const sa_context *ctx, int64_t now,
                  sa_result *r, sa_store_fc_point *pts, size_t *npts, char metric[32])
{
    const sa_config *cfg = s->d.cfg;
    sa_constraints c;
    int proposal = ctx->current_replicas;
    sa_llm_input li;
    sa_decide_input di;
    sa_result_init(r);
    sa_strlcpy(r->deployment, ctx->name, sizeof r->deployment);
    sa_strlcpy(r->namespace_, ctx->namespace_, sizeof r->namespace_);
    sa_strlcpy(r->degraded, ctx->degraded, sizeof r->degraded);
    r->generated_at = now;
    r->current_replicas = ctx->current_replicas;
    r->min_replicas = ctx->min_replicas;
    r->max_replicas = ctx->max_replicas;
    r->hpa_desired_replicas = ctx->has_hpa ? ctx->hpa_desired_replicas : -1;
    sa_constraints_preset(&c, preset_of(cfg, ctx), ctx->min_replicas, ctx->max_replicas);

    sa_rules_evaluate_ex(ctx, &c, &ev->hpa, now, &r->rule, &proposal);
    sa_predictor_recommend(ev->pred, ctx, (double)now, &r->predictive, &r->forecast);

    memset(&li, 0, sizeof li);
    li.ctx = ctx;
    li.constraints = &c;
    li.forecast = r->forecast.present ? &r->forecast : NULL;
    li.rule = &r->rule;
    li.predictive = &r->predictive;
    li.recent = ev->recent;
    li.n_recent = ev->n_recent;
    li.now = now;
    consult_llm(s, ev, &li, r);

    memset(&di, 0, sizeof di);
    di.ctx = ctx;
    di.c = &c;
    di.now = now;
    di.llm = &r->llm;
    di.predictive = &r->predictive;
    di.rule = &r->rule;
    di.rule_proposal = &proposal;
    di.dry_run = cfg->dry_run;
    sa_decide(&di, &ev->dec, &r->decision);
    remember(ev, r, now);
    forecast_points(ev, (double)cfg->interval_s, pts, npts, metric);
}
