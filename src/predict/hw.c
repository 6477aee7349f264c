/*
 * hw.c - the predictor's Holt-Winters candidate: fits the online model of
 * src/forecast on the recent history, advances it in O(1) per sample,
 * refits every period or when its errors drift, and keeps the forecasts
 * made at each recent origin for scoring. Pure: no I/O, no clock.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "predict_int.h"
#include "scaleadvisor/banned.h"

#define HW_METHOD SA_FC_ADDITIVE
#define HW_MIN_EXTRA 8   /* samples beyond two periods before the first fit */
#define HW_FIT_MAX 40320 /* samples a fit looks at, at most (a refit stays a few ms) */
#define HW_DRIFT 2.0     /* refit when recent RMS error / fitted sigma exceeds this */

size_t pr_hw_fit_len(const sa_predict_params *prm)
{
    size_t period = prm->period;
    if (!prm->holt_winters || period < 2 || period > HW_FIT_MAX / 3)
        return 0; /* no season, or too long for a cheap fit: no candidate */
    size_t n = PR_HW_FIT_PERIODS * period;
    return n < HW_FIT_MAX ? n : HW_FIT_MAX;
}

void pr_hw_release(pr_hw *hw)
{
    sa_fc_model_destroy(hw->model);
    hw->model = NULL;
}

/* Fit on the newest min(ny, fit_len) samples; 1 on success. On failure
 * the previous model (if any) stays. */
static int hw_fit(sa_predictor *p, size_t fit_len, int on_drift)
{
    size_t n = p->ny < fit_len ? p->ny : fit_len;
    sa_fc_options o;
    sa_fc_options_init(&o);
    o.method = HW_METHOD;
    o.period = p->p.period;
    o.horizon = p->hmax > 1 ? p->hmax : 2;
    o.step_s = p->p.sample_s;
    sa_fc_model *m = NULL;
    sa_errbuf eb = {0};
    p->hw.since_fit = 0;
    if (sa_fc_model_fit(p->y + (p->ny - n), n, &o, &m, &eb) != SA_OK)
        return 0;
    sa_fc_model_destroy(p->hw.model);
    p->hw.model = m;
    p->hw.fits++;
    if (on_drift)
        p->hw.drift_fits++;
    sa_fc_result d;
    sa_fc_model_describe(m, &d);
    snprintf(p->hw.method, sizeof p->hw.method, "%s", sa_fc_method_name(d.method));
    return 1;
}

/* Does the model need a (re)fit now? 1 = scheduled or first, 2 = drift. */
static int hw_due(const sa_predictor *p, size_t fit_len)
{
    size_t per = p->p.period;
    const pr_hw *hw = &p->hw;
    if (!hw->model) /* first fit, retried a quarter period after a failure */
        return p->ny >= 2 * per + HW_MIN_EXTRA && hw->since_fit > per / 4;
    if (hw->since_fit >= per)
        return 1;
    size_t gap = per / 4 > p->hmax ? per / 4 : p->hmax;
    if (hw->since_fit < gap || fit_len == 0)
        return 0;
    sa_fc_result d;
    sa_fc_model_describe(hw->model, &d);
    return d.drift > HW_DRIFT ? 2 : 0;
}

void pr_hw_observe(sa_predictor *p, double v, int real)
{
    pr_hw *hw = &p->hw;
    size_t fit_len = pr_hw_fit_len(&p->p);
    size_t idx = p->count - 1, slot = idx % PR_HW_RING;
    if (fit_len == 0)
        return;
    hw->since_fit++;
    int due = hw_due(p, fit_len);
    /* a new fit's state is at the newest sample; otherwise (or when the
     * refit failed) the model advances by it: O(1), no allocation */
    if (!(due && hw_fit(p, fit_len, due == 2)) && hw->model)
        sa_fc_model_update(hw->model, real ? v : NAN);
    hw->org[slot] = 0;
    if (!hw->model)
        return;
    sa_fc_model_forecast(hw->model, PR_HW_STEPS, 0.95, hw->fc[slot], NULL, NULL);
    for (size_t k = 0; k < PR_HW_STEPS; k++)
        if (!(hw->fc[slot][k] > 0.0))
            hw->fc[slot][k] = isnan(hw->fc[slot][k]) ? NAN : 0.0;
    hw->org[slot] = idx + 1;
}

double pr_hw_at(const sa_predictor *p, size_t origin, size_t h)
{
    size_t slot = origin % PR_HW_RING;
    if (h == 0 || h > PR_HW_STEPS || p->hw.org[slot] != origin + 1)
        return NAN;
    return p->hw.fc[slot][h - 1];
}
