/*
 * evaluate.c - the advisor step of one deployment in the service, through
 * the shared advisor (advisor.h: the one evaluation path of the service,
 * `advise` and replay). The state (HPA stabilisation, decide memory,
 * predictor) lives per deployment, so deployments can be evaluated in
 * parallel threads; the LLM handle is thread-safe. The predictor is fed by
 * the advisor from the context's history.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaleadvisor/advisor.h"
#include "scaleadvisor/simulator.h"
#include "scaleadvisor/util.h"
#include "svc_int.h"
#include "scaleadvisor/banned.h"

struct svc_eval {
    sa_advisor_state st;
};

/* Seasonal period in samples: a (compressed) simulated day, else a day. */
static size_t day_samples(const sa_config *cfg)
{
    int64_t day = cfg->source == SA_SRC_SIMULATOR ? SA_SIM_DAY_S_DEFAULT : 86400;
    return (size_t)(day / cfg->interval_s);
}

sa_err svc_eval_create(sa_service *s, const sa_context *ctx, struct svc_eval **out, sa_errbuf *eb)
{
    const sa_config *cfg = s->d.cfg;
    sa_predict_params p;
    sa_err e;
    struct svc_eval *ev = calloc(1, sizeof *ev);
    *out = NULL;
    if (!ev)
        return SA_ERR_NOMEM;
    sa_advisor_predict_params(cfg, &p);
    p.sample_s = (double)cfg->interval_s;
    p.interval_s = (double)cfg->interval_s;
    if (cfg->source == SA_SRC_SIMULATOR) { /* its replicas' own start-up */
        sa_sim_options so;
        sa_sim_options_init(&so);
        p.startup_s = (double)so.startup_s;
    }
    p.period = day_samples(cfg);
    p.min_replicas = ctx->min_replicas;
    p.max_replicas = ctx->max_replicas;
    p.target_utilization = ctx->target_cpu_percent / 100.0;
    p.unit_per_replica = 100.0;
    sa_strlcpy(p.unit, "% CPU", sizeof p.unit);
    sa_strlcpy(p.metric, "cpu_percent", sizeof p.metric);
    if ((e = sa_advisor_state_init(&ev->st, &p, 0.0, eb)) != SA_OK) {
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
    sa_advisor_state_release(&ev->st);
    free(ev);
}

/* Our own actuation: cooldowns start now, and the advisor must not note
 * the same change again at the next evaluation. */
void svc_eval_note_scale(struct svc_eval *ev, int64_t now, int from, int to)
{
    sa_decide_note_scale(&ev->st.decide, now, from, to);
    ev->st.last_replicas = to;
}

/* Forecast points of the demand (replicas at 100 % CPU) for the chart. */
static void forecast_points(struct svc_eval *ev, double step, sa_store_fc_point *pts, size_t *npts,
                            char metric[32])
{
    double mean[SVC_FORECAST_POINTS], lo[SVC_FORECAST_POINTS], hi[SVC_FORECAST_POINTS], t0 = 0;
    size_t n = ev->st.predictor
                   ? sa_predictor_forecast(ev->st.predictor, SVC_FORECAST_POINTS, mean, lo, hi, &t0)
                   : 0;
    *npts = 0;
    sa_strlcpy(metric, "demand_replicas", 32);
    if (n == 0 || sa_predictor_count(ev->st.predictor) < 2)
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
                  double llm_start_by_ms, sa_result *r, sa_store_fc_point *pts, size_t *npts,
                  char metric[32])
{
    sa_advisor_input in;
    memset(&in, 0, sizeof in);
    in.ctx = ctx;
    in.now = now;
    in.dry_run = s->d.cfg->dry_run;
    in.llm = s->d.llm;
    in.llm_start_by_ms = llm_start_by_ms;
    sa_advisor_evaluate(&in, &ev->st, r);
    forecast_points(ev, (double)s->d.cfg->interval_s, pts, npts, metric);
}
