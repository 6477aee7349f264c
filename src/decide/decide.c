/*
 * decide.c - constraint validation and the decision. Pure: candidates and
 * context in, decision out, time as an argument. The invariant every path
 * keeps: the final target lies in [min, max] and, when current is inside
 * the bounds, within the step limits from current (bounds win otherwise).
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scaleadvisor/decide.h"
#include "scaleadvisor/rules.h"
#include "scaleadvisor/banned.h"

void sa_decide_state_init(sa_decide_state *s)
{
    memset(s, 0, sizeof *s);
}

void sa_decide_note_scale(sa_decide_state *s, int64_t now, int from, int to)
{
    if (to > from)
        s->last_scale_up_at = now;
    else if (to < from)
        s->last_scale_down_at = now;
    if (to == from)
        return;
    if (s->ev_n == SA_DECIDE_EVENTS_MAX) {
        s->ev_head = (s->ev_head + 1) % SA_DECIDE_EVENTS_MAX;
        s->ev_n--;
    }
    size_t i = (s->ev_head + s->ev_n++) % SA_DECIDE_EVENTS_MAX;
    s->ev_t[i] = now;
    s->ev_change[i] = to - from;
}

int sa_decide_policy_limit(const sa_scaling_rules *r, bool up, int current,
                           const sa_decide_state *s, int64_t now)
{
    int64_t best = current;
    bool have = false;
    for (size_t p = 0; p < r->n_policies && p < SA_SCALING_POLICIES_MAX; p++) {
        const sa_scaling_policy *pol = &r->policies[p];
        /* the count when the period began, undoing this direction's
         * changes in it: the controller counts its own changes both ways,
         * we see everyone's, and a manual scale-up must not open the way
         * to as large a scale-down at once */
        int64_t start = current;
        for (size_t k = 0; k < s->ev_n && k < SA_DECIDE_EVENTS_MAX; k++) {
            size_t i = (s->ev_head + k) % SA_DECIDE_EVENTS_MAX;
            if (s->ev_t[i] > now - pol->period_s && s->ev_t[i] <= now &&
                (up ? s->ev_change[i] > 0 : s->ev_change[i] < 0))
                start -= s->ev_change[i];
        }
        if (start < 0)
            start = 0;
        /* the controller's own arithmetic, float rounding included:
         * ceil(start * (1 + v/100)) up, truncation down */
        double f = 1.0 + (up ? 1.0 : -1.0) * (double)pol->value / 100.0;
        int64_t lim;
        if (pol->percent)
            lim = up ? (int64_t)ceil((double)start * f) : (int64_t)((double)start * f);
        else
            lim = up ? start + pol->value : start - pol->value;
        if (lim < 0)
            lim = 0;
        if (!have)
            best = lim;
        else if ((r->select == SA_SELECT_MIN) == up) /* Min up, Max down: the lower */
            best = lim < best ? lim : best;
        else
            best = lim > best ? lim : best;
        have = true;
    }
    if (!have || (up ? best < current : best > current))
        best = current;
    return best > 1000000000 ? 1000000000 : (int)best;
}

static void why_add(char *why, size_t n, size_t *used, const char *fmt, ...) SA_PRINTF(4, 5);

static void why_add(char *why, size_t n, size_t *used, const char *fmt, ...)
{
    if (!why || n == 0 || *used >= n - 1)
        return;
    if (*used > 0) {
        int k = snprintf(why + *used, n - *used, "; ");
        *used += k > 0 ? (size_t)k : 0;
        if (*used >= n)
            *used = n - 1;
    }
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(why + *used, n - *used, fmt, ap);
    va_end(ap);
    *used += k > 0 ? (size_t)k : 0;
    if (*used >= n)
        *used = n - 1;
}

bool sa_decide_metrics_problem(const sa_context *ctx, const sa_constraints *c, int64_t now,
                               char *why, size_t n)
{
    size_t used = 0;
    bool bad = false;
    if (why && n)
        why[0] = '\0';
    if (ctx->degraded[0]) {
        bad = true;
        why_add(why, n, &used, "degraded: %s", ctx->degraded);
    }
    if (ctx->observed_at <= 0) {
        bad = true;
        why_add(why, n, &used, "metrics time unknown");
    } else if (now - ctx->observed_at > c->max_metric_age_s) {
        bad = true;
        why_add(why, n, &used, "metrics stale: %" PRId64 " s old (limit %" PRId64 " s)",
                now - ctx->observed_at, c->max_metric_age_s);
    } else if (ctx->observed_at - now > c->max_metric_age_s) {
        bad = true;
        why_add(why, n, &used, "metrics time %" PRId64 " s in the future", ctx->observed_at - now);
    }
    if (!isfinite(ctx->cpu_percent)) {
        bad = true;
        why_add(why, n, &used, "cpu_percent missing");
    }
    if (ctx->ready_pods < 0) {
        bad = true;
        why_add(why, n, &used, "ready_pods unknown");
    }
    return bad;
}

int sa_decide_step_up(const sa_constraints *c, int current)
{
    double rel = floor((double)(current > 0 ? current : 0) * c->max_step_up_ratio + 1e-9);
    int up = c->max_step_up > 0 ? c->max_step_up : 0;
    if (rel > (double)up)
        up = rel > 1e9 ? 1000000000 : (int)rel;
    return up;
}

int sa_decide_step_down(const sa_constraints *c, int current)
{
    double rel = floor((double)(current > 0 ? current : 0) * c->max_step_down_ratio + 1e-9);
    int down = c->max_step_down > 1 ? c->max_step_down : 1;
    if (rel > (double)down)
        down = rel > 1e9 ? 1000000000 : (int)rel;
    return down;
}

void sa_decide_pace(const sa_constraints *c, bool up, int current, char *out, size_t n)
{
    const sa_scaling_rules *b = up ? &c->up : &c->down;
    int64_t window = up ? c->upscale_window_s : c->downscale_window_s;
    int64_t cool = up ? c->cooldown_up_s : c->cooldown_down_s;
    char base[SA_REASON_MAX], cd[96] = "", win[64] = "";
    if (b->set)
        sa_scaling_rules_text(b, up ? "scale-up" : "scale-down", base, sizeof base);
    else
        snprintf(base, sizeof base, "%s at most %c%d replicas per decision",
                 up ? "scale-up" : "scale-down", up ? '+' : '-',
                 up ? sa_decide_step_up(c, current) : sa_decide_step_down(c, current));
    if (cool > 0)
        snprintf(cd, sizeof cd,
                 up ? ", %" PRId64 " s between scale-ups"
                    : ", none within %" PRId64 " s of any scaling",
                 cool);
    if (window > 0 && !(b->set && b->select == SA_SELECT_DISABLED))
        snprintf(win, sizeof win, ", stabilised over %" PRId64 " s", window);
    snprintf(out, n, "%s%s%s", base, cd, win);
}

/* Highest proposal recorded at t' in [lo, hi]; -1 when none. */
static int window_max(const sa_decide_state *s, int64_t lo, int64_t hi)
{
    int best = -1;
    for (size_t k = 0; k < s->n && k < SA_DECIDE_HISTORY_MAX; k++) {
        size_t i = (s->head + k) % SA_DECIDE_HISTORY_MAX;
        if (s->t[i] >= lo && s->t[i] <= hi && s->target[i] > best)
            best = s->target[i];
    }
    return best;
}

/* Lowest proposal recorded at t' in [lo, hi]; -1 when none. */
static int window_min(const sa_decide_state *s, int64_t lo, int64_t hi)
{
    int best = -1;
    for (size_t k = 0; k < s->n && k < SA_DECIDE_HISTORY_MAX; k++) {
        size_t i = (s->head + k) % SA_DECIDE_HISTORY_MAX;
        if (s->t[i] >= lo && s->t[i] <= hi && (best < 0 || s->target[i] < best))
            best = s->target[i];
    }
    return best;
}

/* Record a proposal for the stabilisation windows of c. */
static void record_proposal(sa_decide_state *s, int64_t now, const sa_constraints *c, int target)
{
    int64_t window =
        c->downscale_window_s > c->upscale_window_s ? c->downscale_window_s : c->upscale_window_s;
    /* drop what can no longer count (assuming time moves forward) */
    while (s->n > 0 && s->t[s->head] < now - window) {
        s->head = (s->head + 1) % SA_DECIDE_HISTORY_MAX;
        s->n--;
    }
    if (s->n >= SA_DECIDE_HISTORY_MAX) {
        s->head = (s->head + 1) % SA_DECIDE_HISTORY_MAX;
        s->n = SA_DECIDE_HISTORY_MAX - 1;
    }
    size_t i = (s->head + s->n) % SA_DECIDE_HISTORY_MAX;
    s->t[i] = now;
    s->target[i] = target;
    s->n++;
}

/* Structural checks: anything that makes the candidate unusable as is. */
static bool check_candidate(const sa_rec *cand, sa_source src, const sa_context *ctx,
                            const sa_constraints *c, sa_validation *v)
{
    int r = ctx->current_replicas;
    int t = cand->target_replicas;
    bool ok = true;
    if (!isfinite(cand->confidence) || cand->confidence < 0.0 || cand->confidence > 1.0) {
        sa_validation_add(v, "confidence %g outside [0, 1]", cand->confidence);
        ok = false;
    } else if ((src == SA_SOURCE_LLM || src == SA_SOURCE_PREDICTIVE) &&
               cand->confidence < c->min_confidence - 1e-9) {
        sa_validation_add(v, "confidence %.2f below the floor %.2f", cand->confidence,
                          c->min_confidence);
        ok = false;
    }
    if (t < 0) {
        sa_validation_add(v, "target_replicas %d is negative", t);
        return false;
    }
    switch (cand->action) {
    case SA_ACTION_SCALE_UP:
        if (t <= r) {
            sa_validation_add(v, "scale_up with target %d not above current %d", t, r);
            ok = false;
        }
        break;
    case SA_ACTION_SCALE_DOWN:
        if (t >= r) {
            sa_validation_add(v, "scale_down with target %d not below current %d", t, r);
            ok = false;
        }
        break;
    case SA_ACTION_MAINTAIN:
        if (t != r) {
            sa_validation_add(v, "maintain with target %d different from current %d", t, r);
            ok = false;
        }
        break;
    case SA_ACTION_AT_MAX:
        if (r != c->max_replicas) {
            sa_validation_add(v, "at_max while current %d is not max_replicas %d", r,
                              c->max_replicas);
            ok = false;
        } else if (t < r) {
            sa_validation_add(v, "at_max with target %d below current %d", t, r);
            ok = false;
        }
        break;
    default:
        sa_validation_add(v, "unknown action %d", (int)cand->action);
        ok = false;
        break;
    }
    return ok;
}

/* An HPA behavior's pace for a move from r to t in one direction. */
static int limit_behavior(int t, int r, const sa_scaling_rules *b, bool up,
                          const sa_decide_state *s, int64_t now, sa_validation *v)
{
    const char *dir = up ? "scale-up" : "scale-down";
    if (b->select == SA_SELECT_DISABLED) {
        sa_validation_add(v, "HPA behavior: %s disabled (selectPolicy Disabled)", dir);
        return r;
    }
    int lim = sa_decide_policy_limit(b, up, r, s, now);
    if (up ? t > lim : t < lim) {
        sa_validation_add(v,
                          "HPA behavior: %s policies (%s of %zu) allow %d now from %d (wanted %d)",
                          dir, sa_select_name(b->select), b->n_policies, lim, r, t);
        t = lim;
    }
    return t;
}

/* Step limits (or an HPA's behavior policies) and cooldowns: the pace of
 * change. */
static int limit_pace(int t, const sa_context *ctx, const sa_constraints *c,
                      const sa_decide_state *s, int64_t now, sa_validation *v)
{
    int r = ctx->current_replicas;
    int up = sa_decide_step_up(c, r), down = sa_decide_step_down(c, r);
    if (t > r && c->up.set)
        t = limit_behavior(t, r, &c->up, true, s, now, v);
    else if (t > r && (int64_t)t - r > up) {
        sa_validation_add(v, "step limit: at most +%d pods per decision from %d (wanted %d)", up, r,
                          t);
        t = r + up;
    }
    if (t < r && c->down.set)
        t = limit_behavior(t, r, &c->down, false, s, now, v);
    else if (t < r && (int64_t)r - t > down) {
        sa_validation_add(v, "step limit: at most -%d pods per decision from %d (wanted %d)", down,
                          r, t);
        t = r - down;
    }
    int64_t since_up = now - s->last_scale_up_at;
    if (t > r && s->last_scale_up_at > 0 && since_up >= 0 && since_up < c->cooldown_up_s) {
        sa_validation_add(v, "cooldown: last scale-up %" PRId64 " s ago (< %" PRId64 " s)",
                          since_up, c->cooldown_up_s);
        t = r;
    }
    int64_t last =
        s->last_scale_up_at > s->last_scale_down_at ? s->last_scale_up_at : s->last_scale_down_at;
    int64_t since = now - last;
    if (t < r && last > 0 && since >= 0 && since < c->cooldown_down_s) {
        sa_validation_add(
            v, "cooldown: last scaling %" PRId64 " s ago, no scale-down within %" PRId64 " s",
            since, c->cooldown_down_s);
        t = r;
    }
    return t;
}

/* No scale-down on bad metrics; scale-down stabilisation; bounds. */
static int limit_safety(int t, const sa_context *ctx, const sa_constraints *c,
                        const sa_decide_state *s, int64_t now, sa_validation *v)
{
    int r = ctx->current_replicas;
    char why[SA_REASON_MAX];
    if (t < r && sa_decide_metrics_problem(ctx, c, now, why, sizeof why)) {
        sa_validation_add(v, "no scale-down on unusable metrics (%s)", why);
        t = r;
    }
    /* the floor reads the history: only for a scale-down */
    int mem = t < r ? sa_rules_memory_floor(ctx, c) : 0;
    if (t < mem) {
        int held = mem < r ? mem : r;
        if (isfinite(ctx->target_memory_percent))
            sa_validation_add(v, "memory %.1f%% against the HPA's %.0f%% target needs %d replicas",
                              ctx->memory_percent, ctx->target_memory_percent, held);
        else
            sa_validation_add(v, "no scale-down under memory pressure (%.1f%% above %.0f%%)",
                              ctx->memory_percent, SA_RULES_MEMORY_HIGH);
        t = held;
    }
    if (t > r && c->upscale_window_s > 0) {
        int w = window_min(s, now - c->upscale_window_s, now);
        if (w >= 0 && w < t) {
            sa_validation_add(
                v, "scale-up stabilisation: lowest proposal in the last %" PRId64 " s is %d",
                c->upscale_window_s, w);
            t = w > r ? w : r;
        }
    }
    if (t < r) {
        int w = window_max(s, now - c->downscale_window_s, now);
        if (w > t) {
            int floor_t = w < r ? w : r;
            sa_validation_add(
                v, "scale-down stabilisation: highest proposal in the last %" PRId64 " s is %d",
                c->downscale_window_s, w);
            t = floor_t;
        }
    }
    if (t > c->max_replicas) {
        sa_validation_add(v, "above max_replicas %d (wanted %d)", c->max_replicas, t);
        t = c->max_replicas;
    }
    if (t < c->min_replicas) {
        sa_validation_add(v, "below min_replicas %d (wanted %d)", c->min_replicas, t);
        t = c->min_replicas;
    }
    return t;
}

/* sa_validate; *sound (may be NULL) says whether the candidate itself was
 * valid, so that a rejection came from the limits alone. */
static sa_verdict validate(const sa_rec *cand, sa_source src, const sa_context *ctx,
                           const sa_constraints *c, const sa_decide_state *s, int64_t now,
                           int *target_out, sa_validation *v, bool *sound)
{
    int r = ctx->current_replicas;
    memset(v, 0, sizeof *v);
    *target_out = r;
    if (sound)
        *sound = false;
    if (!cand || !cand->present) {
        sa_validation_add(v, "no recommendation");
        v->verdict = SA_VERDICT_REJECTED;
        return v->verdict;
    }
    if (!check_candidate(cand, src, ctx, c, v)) {
        v->verdict = SA_VERDICT_REJECTED;
        return v->verdict;
    }
    if (sound)
        *sound = true;
    int want = cand->target_replicas;
    if (cand->action == SA_ACTION_AT_MAX)
        want = r; /* at_max means: stay at max (checked above: r == max) */
    int t = limit_pace(want, ctx, c, s, now, v);
    t = limit_safety(t, ctx, c, s, now, v);
    if (t == want)
        v->verdict = SA_VERDICT_ACCEPTED;
    else if (t == r && want != r)
        v->verdict = SA_VERDICT_REJECTED; /* the limits took the whole move away */
    else
        v->verdict = SA_VERDICT_CLAMPED;
    *target_out = t;
    return v->verdict;
}

sa_verdict sa_validate(const sa_rec *cand, sa_source src, const sa_context *ctx,
                       const sa_constraints *c, const sa_decide_state *s, int64_t now,
                       int *target_out, sa_validation *v)
{
    return validate(cand, src, ctx, c, s, now, target_out, v, NULL);
}

typedef struct {
    const sa_rec *rec;
    sa_source src;
    sa_verdict verdict;
    bool sound; /* valid in itself (a rejection came from the limits) */
    int target;
    sa_validation v;
} candidate;

static int clamp_bounds(int t, const sa_constraints *c)
{
    if (t > c->max_replicas)
        t = c->max_replicas;
    if (t < c->min_replicas)
        t = c->min_replicas;
    return t;
}

static void copy_reasons(sa_validation *dst, const sa_validation *src)
{
    for (size_t i = 0; i < src->n_reasons; i++)
        sa_validation_add(dst, "%s", src->reasons[i]);
}

/* One line per candidate passed over, after the winner's own reasons. */
static void note_others(sa_validation *dst, const candidate *cs, size_t n, size_t skip)
{
    for (size_t i = 0; i < n; i++) {
        if (i == skip || !cs[i].rec || !cs[i].rec->present)
            continue;
        if (cs[i].verdict != SA_VERDICT_REJECTED)
            continue;
        sa_validation_add(dst, "%s rejected: %s", sa_source_name(cs[i].src),
                          cs[i].v.n_reasons ? cs[i].v.reasons[0] : "no reason");
    }
}

/* What the winner proposed, for the stabilisation window: its target
 * within bounds (the rule's pre-stabilisation wish when given). */
static int proposal_of(const candidate *w, const sa_decide_input *in, int current)
{
    int prop = w->rec->action == SA_ACTION_AT_MAX ? current : w->rec->target_replicas;
    if (w->src == SA_SOURCE_RULE && in->rule_proposal)
        prop = *in->rule_proposal;
    return clamp_bounds(prop, in->c);
}

void sa_decide(const sa_decide_input *in, sa_decide_state *s, sa_decision *out)
{
    const sa_context *ctx = in->ctx;
    const sa_constraints *c = in->c;
    int r = ctx->current_replicas;
    candidate cs[3] = {{.rec = in->llm, .src = SA_SOURCE_LLM},
                       {.rec = in->predictive, .src = SA_SOURCE_PREDICTIVE},
                       {.rec = in->rule, .src = SA_SOURCE_RULE}};
    size_t win = 3, pref = 3;
    for (size_t i = 0; i < 3; i++) {
        cs[i].verdict = validate(cs[i].rec, cs[i].src, ctx, c, s, in->now, &cs[i].target, &cs[i].v,
                                 &cs[i].sound);
        if (win == 3 && cs[i].verdict != SA_VERDICT_REJECTED)
            win = i;
        if (pref == 3 && cs[i].sound)
            pref = i;
    }
    memset(out, 0, sizeof *out);
    out->applied = false;
    out->dry_run = in->dry_run;
    char why[SA_REASON_MAX];
    bool bad = sa_decide_metrics_problem(ctx, c, in->now, why, sizeof why);
    if (win < 3 && !(bad && cs[win].target <= r)) {
        const candidate *w = &cs[win];
        out->source = w->src;
        out->target_replicas = w->target;
        out->action = w->verdict == SA_VERDICT_ACCEPTED
                          ? w->rec->action
                          : sa_action_for(r, w->target, c->max_replicas);
        out->validation.verdict = w->verdict;
        copy_reasons(&out->validation, &w->v);
        note_others(&out->validation, cs, 3, win);
        /* A preferred source whose move the limits took away entirely (a
         * scale-down held by the window, say) still states what it wants:
         * that is recorded while a lower source merely holds or scales
         * down, or the lower source's hold would refill the window for
         * ever and the preferred source never get its scale-down. */
        const candidate *rec = pref < win && w->target <= r ? &cs[pref] : w;
        record_proposal(s, in->now, c, proposal_of(rec, in, r));
        return;
    }
    /* safety: nothing usable, or bad metrics and no scale-up on offer */
    int t = clamp_bounds(r, c);
    out->source = SA_SOURCE_SAFETY;
    out->target_replicas = t;
    out->action = sa_action_for(r, t, c->max_replicas);
    if (win == 3) {
        out->validation.verdict = SA_VERDICT_REJECTED;
        sa_validation_add(&out->validation, "no valid recommendation: holding %d replicas", r);
    } else {
        out->validation.verdict = cs[win].verdict;
        sa_validation_add(&out->validation, "metrics unusable, holding %d replicas: %s", r, why);
        copy_reasons(&out->validation, &cs[win].v);
    }
    if (t != r) {
        out->validation.verdict = SA_VERDICT_CLAMPED;
        sa_validation_add(&out->validation, "current %d outside bounds %d..%d", r, c->min_replicas,
                          c->max_replicas);
    }
    note_others(&out->validation, cs, 3, win);
    /* a hold for lack of any valid candidate proposes nothing: recording
     * it would extend the stabilisation window by itself */
    if (win < 3)
        record_proposal(s, in->now, c, proposal_of(&cs[win], in, r));
}
