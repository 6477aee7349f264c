/*
 * test_decide.c - constraint validation and the decision: every hard
 * constraint on hand-built cases, priority and safety, and a property test
 * over many random candidates, contexts and states.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sa_test.h"
#include "scaleadvisor/decide.h"
#include "scaleadvisor/rules.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

#define NOW 100000

static sa_context mkctx(int r, int min, int max)
{
    sa_context c;
    sa_context_init(&c);
    c.current_replicas = r;
    c.min_replicas = min;
    c.max_replicas = max;
    c.cpu_percent = 70.0;
    c.memory_percent = 50.0;
    c.ready_pods = r;
    c.observed_at = NOW - 10;
    return c;
}

static sa_rec mkrec(sa_action a, int target, double conf)
{
    sa_rec r;
    sa_rec_init(&r);
    r.present = true;
    r.action = a;
    r.target_replicas = target;
    r.confidence = conf;
    return r;
}

static sa_constraints mkc(sa_preset p, const sa_context *ctx)
{
    sa_constraints c;
    sa_constraints_preset(&c, p, ctx->min_replicas, ctx->max_replicas);
    return c;
}

static bool has_reason(const sa_validation *v, const char *needle)
{
    for (size_t i = 0; i < v->n_reasons; i++)
        if (strstr(v->reasons[i], needle))
            return true;
    return false;
}

static sa_decision run(const sa_context *ctx, const sa_constraints *c, sa_decide_state *s,
                       const sa_rec *llm, const sa_rec *pred, const sa_rec *rule)
{
    sa_decide_input in = {.ctx = ctx,
                          .c = c,
                          .now = NOW,
                          .llm = llm,
                          .predictive = pred,
                          .rule = rule,
                          .dry_run = true};
    sa_decision d;
    sa_decide(&in, s, &d);
    return d;
}

static void accepted_llm_wins(void **st)
{
    (void)st;
    sa_context ctx = mkctx(3, 2, 10);
    sa_constraints c = mkc(SA_PRESET_BALANCED, &ctx);
    sa_decide_state s;
    sa_decide_state_init(&s);
    sa_rec llm = mkrec(SA_ACTION_SCALE_UP, 6, 0.85);
    sa_rec pred = mkrec(SA_ACTION_SCALE_UP, 5, 0.9);
    sa_rec rule = mkrec(SA_ACTION_SCALE_UP, 7, 0.8);
    sa_decision d = run(&ctx, &c, &s, &llm, &pred, &rule);
    assert_int_equal(d.source, SA_SOURCE_LLM);
    assert_int_equal(d.action, SA_ACTION_SCALE_UP);
    assert_int_equal(d.target_replicas, 6);
    assert_int_equal(d.validation.verdict, SA_VERDICT_ACCEPTED);
    assert_int_equal(d.validation.n_reasons, 0);
    assert_true(d.dry_run);
    assert_false(d.applied);
}

static void priority_falls_through(void **st)
{
    (void)st;
    sa_context ctx = mkctx(3, 2, 10);
    sa_constraints c = mkc(SA_PRESET_BALANCED, &ctx);
    sa_decide_state s;
    sa_decide_state_init(&s);
    sa_rec llm = mkrec(SA_ACTION_SCALE_UP, 6, 0.4); /* below 0.6 floor */
    sa_rec pred = mkrec(SA_ACTION_SCALE_UP, 5, 0.9);
    sa_rec rule = mkrec(SA_ACTION_SCALE_UP, 7, 0.8);
    sa_decision d = run(&ctx, &c, &s, &llm, &pred, &rule);
    assert_int_equal(d.source, SA_SOURCE_PREDICTIVE);
    assert_int_equal(d.target_replicas, 5);
    assert_true(has_reason(&d.validation, "llm rejected: confidence 0.40 below the floor 0.60"));
    /* no llm, low-confidence predictive: the rule (no floor for rules) */
    pred.confidence = 0.1;
    rule.confidence = 0.1;
    d = run(&ctx, &c, &s, NULL, &pred, &rule);
    assert_int_equal(d.source, SA_SOURCE_RULE);
    assert_int_equal(d.target_replicas, 7);
    assert_true(has_reason(&d.validation, "predictive rejected"));
    /* absent (present = false) counts as none */
    llm.present = false;
    pred.present = false;
    d = run(&ctx, &c, &s, &llm, &pred, &rule);
    assert_int_equal(d.source, SA_SOURCE_RULE);
}

static void confidence_out_of_range(void **st)
{
    (void)st;
    sa_context ctx = mkctx(3, 2, 10);
    sa_constraints c = mkc(SA_PRESET_BALANCED, &ctx);
    sa_decide_state s;
    sa_decide_state_init(&s);
    sa_validation v;
    int t;
    double bad[] = {-0.1, 1.5, NAN, INFINITY};
    for (size_t i = 0; i < 4; i++) {
        sa_rec r = mkrec(SA_ACTION_SCALE_UP, 5, bad[i]);
        assert_int_equal(sa_validate(&r, SA_SOURCE_RULE, &ctx, &c, &s, NOW, &t, &v),
                         SA_VERDICT_REJECTED);
        assert_int_equal(t, 3);
        assert_true(has_reason(&v, "outside [0, 1]"));
    }
}

static void action_target_consistency(void **st)
{
    (void)st;
    sa_context ctx = mkctx(5, 2, 10);
    sa_constraints c = mkc(SA_PRESET_BALANCED, &ctx);
    sa_decide_state s;
    sa_decide_state_init(&s);
    sa_validation v;
    int t;
    struct {
        sa_action a;
        int target;
        const char *why;
    } cases[] = {
        {SA_ACTION_SCALE_DOWN, 7, "scale_down with target 7 not below current 5"},
        {SA_ACTION_SCALE_DOWN, 5, "scale_down with target 5 not below"},
        {SA_ACTION_SCALE_UP, 4, "scale_up with target 4 not above current 5"},
        {SA_ACTION_MAINTAIN, 6, "maintain with target 6 different"},
        {SA_ACTION_AT_MAX, 10, "at_max while current 5 is not max_replicas 10"},
        {SA_ACTION_SCALE_UP, -2, "target_replicas -2 is negative"},
        {(sa_action)42, 5, "unknown action"},
    };
    for (size_t i = 0; i < SA_ARRAY_LEN(cases); i++) {
        sa_rec r = mkrec(cases[i].a, cases[i].target, 0.9);
        assert_int_equal(sa_validate(&r, SA_SOURCE_LLM, &ctx, &c, &s, NOW, &t, &v),
                         SA_VERDICT_REJECTED);
        assert_int_equal(t, 5);
        if (!has_reason(&v, cases[i].why))
            fail_msg("case %zu: no reason '%s' (got '%s')", i, cases[i].why,
                     v.n_reasons ? v.reasons[0] : "");
    }
    /* at max, at_max is fine and holds max */
    ctx = mkctx(10, 2, 10);
    sa_rec r = mkrec(SA_ACTION_AT_MAX, 10, 0.9);
    assert_int_equal(sa_validate(&r, SA_SOURCE_LLM, &ctx, &c, &s, NOW, &t, &v),
                     SA_VERDICT_ACCEPTED);
    assert_int_equal(t, 10);
    r.target_replicas = 14; /* "wants 14, but at max" reads as max */
    assert_int_equal(sa_validate(&r, SA_SOURCE_LLM, &ctx, &c, &s, NOW, &t, &v),
                     SA_VERDICT_ACCEPTED);
    assert_int_equal(t, 10);
    sa_decision d = run(&ctx, &c, &s, &r, NULL, NULL);
    assert_int_equal(d.action, SA_ACTION_AT_MAX);
    assert_int_equal(d.target_replicas, 10);
    /* scale_up beyond max while at max: no move is left */
    r = mkrec(SA_ACTION_SCALE_UP, 12, 0.9);
    assert_int_equal(sa_validate(&r, SA_SOURCE_LLM, &ctx, &c, &s, NOW, &t, &v),
                     SA_VERDICT_REJECTED);
    assert_true(has_reason(&v, "above max_replicas 10"));
}

static void bounds_clamp(void **st)
{
    (void)st;
    sa_context ctx = mkctx(8, 2, 10);
    sa_constraints c = mkc(SA_PRESET_BALANCED, &ctx);
    sa_decide_state s;
    sa_decide_state_init(&s);
    sa_validation v;
    int t;
    sa_rec r = mkrec(SA_ACTION_SCALE_UP, 11, 0.9);
    assert_int_equal(sa_validate(&r, SA_SOURCE_LLM, &ctx, &c, &s, NOW, &t, &v), SA_VERDICT_CLAMPED);
    assert_int_equal(t, 10);
    assert_true(has_reason(&v, "above max_replicas 10 (wanted 11)"));
    ctx = mkctx(3, 2, 10);
    r = mkrec(SA_ACTION_SCALE_DOWN, 1, 0.9);
    assert_int_equal(sa_validate(&r, SA_SOURCE_LLM, &ctx, &c, &s, NOW, &t, &v), SA_VERDICT_CLAMPED);
    assert_int_equal(t, 2);
    assert_true(has_reason(&v, "below min_replicas 2 (wanted 1)"));
}

static void step_limits(void **st)
{
    (void)st;
    sa_decide_state s;
    sa_decide_state_init(&s);
    sa_validation v;
    int t;
    /* balanced from 3: up max(4, 3) = 4 */
    sa_context ctx = mkctx(3, 1, 50);
    sa_constraints c = mkc(SA_PRESET_BALANCED, &ctx);
    assert_int_equal(sa_decide_step_up(&c, 3), 4);
    assert_int_equal(sa_decide_step_up(&c, 10), 10);
    sa_rec r = mkrec(SA_ACTION_SCALE_UP, 12, 0.9);
    assert_int_equal(sa_validate(&r, SA_SOURCE_LLM, &ctx, &c, &s, NOW, &t, &v), SA_VERDICT_CLAMPED);
    assert_int_equal(t, 7);
    assert_true(has_reason(&v, "at most +4 pods"));
    /* aggressive from 3: max(8, 6) = 8 -> 11 */
    c = mkc(SA_PRESET_AGGRESSIVE, &ctx);
    assert_int_equal(sa_validate(&r, SA_SOURCE_LLM, &ctx, &c, &s, NOW, &t, &v), SA_VERDICT_CLAMPED);
    assert_int_equal(t, 11);
    /* balanced from 10 down: max(2, 5) = 5 */
    ctx = mkctx(10, 1, 50);
    c = mkc(SA_PRESET_BALANCED, &ctx);
    assert_int_equal(sa_decide_step_down(&c, 10), 5);
    r = mkrec(SA_ACTION_SCALE_DOWN, 2, 0.9);
    assert_int_equal(sa_validate(&r, SA_SOURCE_LLM, &ctx, &c, &s, NOW, &t, &v), SA_VERDICT_CLAMPED);
    assert_int_equal(t, 5);
    assert_true(has_reason(&v, "at most -5 pods"));
    /* conservative from 10 down: max(1, 1) = 1 */
    c = mkc(SA_PRESET_CONSERVATIVE, &ctx);
    assert_int_equal(sa_validate(&r, SA_SOURCE_LLM, &ctx, &c, &s, NOW, &t, &v), SA_VERDICT_CLAMPED);
    assert_int_equal(t, 9);
    /* step down is at least 1 even with zero limits */
    c.max_step_down = 0;
    c.max_step_down_ratio = 0;
    assert_int_equal(sa_decide_step_down(&c, 10), 1);
}

static void cooldowns(void **st)
{
    (void)st;
    sa_context ctx = mkctx(4, 1, 20);
    sa_constraints c = mkc(SA_PRESET_CONSERVATIVE, &ctx); /* up 60 s, down 600 s */
    sa_decide_state s;
    sa_decide_state_init(&s);
    sa_validation v;
    int t;
    sa_decide_note_scale(&s, NOW - 30, 3, 4);
    sa_rec up = mkrec(SA_ACTION_SCALE_UP, 5, 0.9);
    assert_int_equal(sa_validate(&up, SA_SOURCE_LLM, &ctx, &c, &s, NOW, &t, &v),
                     SA_VERDICT_REJECTED);
    assert_int_equal(t, 4);
    assert_true(has_reason(&v, "cooldown: last scale-up 30 s ago"));
    assert_int_equal(sa_validate(&up, SA_SOURCE_LLM, &ctx, &c, &s, NOW + 31, &t, &v),
                     SA_VERDICT_ACCEPTED);
    /* scale-down is blocked for 600 s after any action */
    sa_rec down = mkrec(SA_ACTION_SCALE_DOWN, 3, 0.9);
    assert_int_equal(sa_validate(&down, SA_SOURCE_LLM, &ctx, &c, &s, NOW + 500, &t, &v),
                     SA_VERDICT_REJECTED);
    assert_true(has_reason(&v, "no scale-down within 600 s"));
    ctx.observed_at = NOW + 600;
    assert_int_equal(sa_validate(&down, SA_SOURCE_LLM, &ctx, &c, &s, NOW + 600, &t, &v),
                     SA_VERDICT_ACCEPTED);
    assert_int_equal(t, 3);
    /* a scale-down also starts the scale-down cooldown */
    sa_decide_state_init(&s);
    sa_decide_note_scale(&s, NOW - 10, 6, 4);
    ctx.observed_at = NOW - 10;
    assert_int_equal(sa_validate(&down, SA_SOURCE_LLM, &ctx, &c, &s, NOW, &t, &v),
                     SA_VERDICT_REJECTED);
    /* an unchanged count starts nothing */
    sa_decide_state_init(&s);
    sa_decide_note_scale(&s, NOW - 10, 4, 4);
    assert_int_equal(s.last_scale_up_at, 0);
    assert_int_equal(s.last_scale_down_at, 0);
}

static void stabilisation_window(void **st)
{
    (void)st;
    sa_context ctx = mkctx(4, 1, 20);
    sa_constraints c = mkc(SA_PRESET_BALANCED, &ctx); /* window 300 */
    sa_decide_state s;
    sa_decide_state_init(&s);
    sa_rec up = mkrec(SA_ACTION_SCALE_UP, 8, 0.9);
    sa_decide_input in = {.ctx = &ctx, .c = &c, .now = NOW, .llm = &up, .dry_run = true};
    sa_decision d;
    sa_decide(&in, &s, &d);
    assert_int_equal(d.target_replicas, 8);
    /* replicas went to 8 long ago for cooldown purposes; load drops */
    ctx = mkctx(8, 1, 20);
    ctx.observed_at = NOW + 290;
    sa_rec down = mkrec(SA_ACTION_SCALE_DOWN, 5, 0.9);
    in.ctx = &ctx;
    in.llm = &down;
    in.now = NOW + 300; /* both ends inclusive: the 8 still counts */
    sa_decide(&in, &s, &d);
    assert_int_equal(d.source, SA_SOURCE_SAFETY); /* the only candidate was rejected */
    assert_int_equal(d.target_replicas, 8);
    assert_true(has_reason(&d.validation, "scale-down stabilisation"));
    /* rejected (no move left), so nothing recorded; at +301 the 8 is out */
    in.now = NOW + 301;
    sa_decide(&in, &s, &d);
    assert_int_equal(d.source, SA_SOURCE_LLM);
    assert_int_equal(d.target_replicas, 5); /* within the step limit -max(2, 4) */
    assert_int_equal(d.validation.verdict, SA_VERDICT_ACCEPTED);
    /* a window max between target and current: clamped to it */
    sa_decide_state_init(&s);
    ctx = mkctx(10, 1, 20);
    ctx.observed_at = NOW;
    sa_rec m = mkrec(SA_ACTION_SCALE_DOWN, 7, 0.9);
    in.ctx = &ctx;
    in.llm = &m;
    in.now = NOW;
    sa_decide(&in, &s, &d); /* records 7 */
    assert_int_equal(d.target_replicas, 7);
    sa_rec m2 = mkrec(SA_ACTION_SCALE_DOWN, 6, 0.9);
    in.llm = &m2;
    in.now = NOW + 60;
    ctx.observed_at = NOW + 60;
    sa_decide(&in, &s, &d);
    assert_int_equal(d.target_replicas, 7);
    assert_int_equal(d.validation.verdict, SA_VERDICT_CLAMPED);
}

static void rule_proposal_avoids_double_stabilisation(void **st)
{
    (void)st;
    /* The rule's HPA holds 8 (its own window); decide must record the
     * rule's wish 3, not the held 8, or it would hold another window. */
    sa_context ctx = mkctx(8, 1, 20);
    sa_constraints c = mkc(SA_PRESET_AGGRESSIVE, &ctx);
    sa_decide_state s;
    sa_decide_state_init(&s);
    sa_rec held = mkrec(SA_ACTION_MAINTAIN, 8, 0.75);
    int wish = 3;
    sa_decide_input in = {
        .ctx = &ctx, .c = &c, .now = NOW, .rule = &held, .rule_proposal = &wish, .dry_run = true};
    sa_decision d;
    sa_decide(&in, &s, &d);
    assert_int_equal(d.target_replicas, 8);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.target[s.head], 3);
    sa_rec down = mkrec(SA_ACTION_SCALE_DOWN, 4, 0.9);
    in.rule = &down;
    in.rule_proposal = NULL;
    in.now = NOW + 60;
    ctx.observed_at = NOW + 60;
    sa_decide(&in, &s, &d);
    assert_int_equal(d.target_replicas, 4);
    assert_int_equal(d.validation.verdict, SA_VERDICT_ACCEPTED);
}

/* The predictor asks for a scale-down the window holds back, while the
 * rule, in its tolerance band, asks to hold. Recording the rule's hold
 * would refill the window every cycle and block the scale-down for ever;
 * the predictor's wish is recorded, so it goes through once the window has
 * seen it for long enough (300 s, both ends inclusive). */
static void held_scale_down_gets_through(void **st)
{
    (void)st;
    sa_context ctx = mkctx(27, 1, 100);
    sa_constraints c = mkc(SA_PRESET_BALANCED, &ctx); /* window 300 s */
    sa_decide_state s;
    sa_decide_state_init(&s);
    sa_rec hold = mkrec(SA_ACTION_MAINTAIN, 27, 0.8);
    int wish = 27;
    sa_decide_input in = {
        .ctx = &ctx, .c = &c, .now = NOW, .rule = &hold, .rule_proposal = &wish, .dry_run = true};
    sa_decision d;
    sa_decide(&in, &s, &d); /* the rule alone: 27 recorded */
    assert_int_equal(d.target_replicas, 27);
    sa_rec down = mkrec(SA_ACTION_SCALE_DOWN, 19, 0.99);
    in.predictive = &down;
    for (int64_t k = 1; k <= 5; k++) {
        in.now = NOW + 60 * k;
        ctx.observed_at = in.now;
        sa_decide(&in, &s, &d);
        assert_int_equal(d.source, SA_SOURCE_RULE);
        assert_int_equal(d.target_replicas, 27);
        assert_true(has_reason(&d.validation, "predictive rejected: scale-down stabilisation"));
    }
    in.now = NOW + 360; /* the 27 recorded at NOW is out of the window */
    ctx.observed_at = in.now;
    sa_decide(&in, &s, &d);
    assert_int_equal(d.source, SA_SOURCE_PREDICTIVE);
    assert_int_equal(d.target_replicas, 19);
    assert_int_equal(d.validation.verdict, SA_VERDICT_ACCEPTED);
    /* a rule scale-up over a held predictor is recorded as the rule's */
    sa_decide_state_init(&s);
    ctx = mkctx(10, 1, 100);
    ctx.observed_at = NOW;
    c = mkc(SA_PRESET_BALANCED, &ctx);
    sa_rec up = mkrec(SA_ACTION_SCALE_UP, 14, 0.8);
    int up_wish = 14;
    sa_rec down8 = mkrec(SA_ACTION_SCALE_DOWN, 8, 0.99);
    in.ctx = &ctx;
    in.now = NOW;
    in.predictive = NULL;
    in.rule = &hold;
    hold.target_replicas = 10;
    wish = 10;
    in.rule_proposal = &wish;
    sa_decide(&in, &s, &d); /* 10 recorded */
    in.now = NOW + 60;
    ctx.observed_at = in.now;
    in.predictive = &down8;
    in.rule = &up;
    in.rule_proposal = &up_wish;
    sa_decide(&in, &s, &d);
    assert_int_equal(d.source, SA_SOURCE_RULE);
    assert_int_equal(d.target_replicas, 14);
    assert_int_equal(s.target[(s.head + s.n - 1) % SA_DECIDE_HISTORY_MAX], 14);
}

static void bad_metrics_never_scale_down(void **st)
{
    (void)st;
    sa_constraints c;
    sa_decide_state s;
    sa_rec down = mkrec(SA_ACTION_SCALE_DOWN, 3, 0.9);
    sa_rec up = mkrec(SA_ACTION_SCALE_UP, 7, 0.9);
    sa_rec keep = mkrec(SA_ACTION_MAINTAIN, 5, 0.9);
    for (int k = 0; k < 5; k++) {
        sa_context ctx = mkctx(5, 1, 20);
        const char *why = "";
        switch (k) {
        case 0:
            ctx.observed_at = NOW - 1000;
            why = "stale: 1000 s old (limit 180 s)";
            break;
        case 1:
            ctx.observed_at = 0;
            why = "metrics time unknown";
            break;
        case 2:
            snprintf(ctx.degraded, sizeof ctx.degraded, "prometheus down");
            why = "degraded: prometheus down";
            break;
        case 3:
            ctx.cpu_percent = NAN;
            why = "cpu_percent missing";
            break;
        default:
            ctx.ready_pods = -1;
            why = "ready_pods unknown";
            break;
        }
        c = mkc(SA_PRESET_BALANCED, &ctx);
        sa_decide_state_init(&s);
        char buf[SA_REASON_MAX];
        assert_true(sa_decide_metrics_problem(&ctx, &c, NOW, buf, sizeof buf));
        assert_non_null(strstr(buf, why));
        /* scale-down from every source: held by safety */
        sa_decision d = run(&ctx, &c, &s, &down, &down, &down);
        assert_int_equal(d.source, SA_SOURCE_SAFETY);
        assert_int_equal(d.target_replicas, 5);
        assert_int_equal(d.action, SA_ACTION_MAINTAIN);
        assert_true(has_reason(&d.validation, why));
        /* a maintain winner also becomes a safety hold, with the reason */
        d = run(&ctx, &c, &s, &keep, NULL, &down);
        assert_int_equal(d.source, SA_SOURCE_SAFETY);
        assert_true(has_reason(&d.validation, "metrics unusable, holding 5"));
        /* a scale-up on what is valid goes through */
        d = run(&ctx, &c, &s, &down, NULL, &up);
        assert_int_equal(d.source, SA_SOURCE_RULE);
        assert_int_equal(d.target_replicas, 7);
        assert_true(has_reason(&d.validation, "llm rejected: no scale-down on unusable metrics"));
    }
    /* memory alone missing is not a problem */
    sa_context ok = mkctx(5, 1, 20);
    ok.memory_percent = NAN;
    c = mkc(SA_PRESET_BALANCED, &ok);
    assert_false(sa_decide_metrics_problem(&ok, &c, NOW, NULL, 0));
    /* future timestamps beyond the age limit are a problem too */
    ok.observed_at = NOW + 1000;
    assert_true(sa_decide_metrics_problem(&ok, &c, NOW, NULL, 0));
}

static void nothing_valid_holds(void **st)
{
    (void)st;
    sa_context ctx = mkctx(5, 1, 20);
    sa_constraints c = mkc(SA_PRESET_BALANCED, &ctx);
    sa_decide_state s;
    sa_decide_state_init(&s);
    sa_decision d = run(&ctx, &c, &s, NULL, NULL, NULL);
    assert_int_equal(d.source, SA_SOURCE_SAFETY);
    assert_int_equal(d.target_replicas, 5);
    assert_int_equal(d.validation.verdict, SA_VERDICT_REJECTED);
    assert_true(has_reason(&d.validation, "no valid recommendation"));
    /* current above max (bounds lowered): bounds win */
    ctx = mkctx(25, 1, 20);
    sa_rec bad = mkrec(SA_ACTION_SCALE_UP, 2, 0.9);
    d = run(&ctx, &c, &s, &bad, NULL, NULL);
    assert_int_equal(d.source, SA_SOURCE_SAFETY);
    assert_int_equal(d.target_replicas, 20);
    assert_int_equal(d.action, SA_ACTION_SCALE_DOWN);
    assert_int_equal(d.validation.verdict, SA_VERDICT_CLAMPED);
    assert_true(has_reason(&d.validation, "outside bounds 1..20"));
}

/* ---- property: whatever the input, the decision keeps every hard limit */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static int rint_in(int lo, int hi)
{
    return lo + (int)(rng() % (uint64_t)(hi - lo + 1));
}

static sa_scaling_rules mkrules(sa_select sel, int window_s)
{
    sa_scaling_rules r;
    memset(&r, 0, sizeof r);
    r.set = true;
    r.tolerance = NAN;
    r.select = sel;
    r.window_s = window_s;
    return r;
}

static void add_policy(sa_scaling_rules *r, bool percent, int value, int period_s)
{
    r->policies[r->n_policies++] = (sa_scaling_policy){percent, value, period_s};
}

/* The HPA controller's rate limits: per policy, the count at the start of
 * its period plus or minus value pods or %, over the changes seen. */
static void behavior_policy_limits(void **st)
{
    (void)st;
    sa_decide_state s;
    sa_decide_state_init(&s);
    /* the controller's defaults: up 4 pods or 100 % per 15 s (Max) */
    sa_scaling_rules up, down;
    sa_scaling_rules_default(&up, true);
    sa_scaling_rules_default(&down, false);
    assert_int_equal(sa_decide_policy_limit(&up, true, 3, &s, NOW), 7);   /* 3 + 4 > 6 */
    assert_int_equal(sa_decide_policy_limit(&up, true, 10, &s, NOW), 20); /* 20 > 14 */
    assert_int_equal(sa_decide_policy_limit(&down, false, 10, &s, NOW), 0);
    up.select = SA_SELECT_MIN;
    assert_int_equal(sa_decide_policy_limit(&up, true, 3, &s, NOW), 6);
    assert_int_equal(sa_decide_policy_limit(&up, true, 10, &s, NOW), 14);

    /* one pod a minute down: spent by a change 30 s ago, free again after */
    sa_scaling_rules one = mkrules(SA_SELECT_MAX, 300);
    add_policy(&one, false, 1, 60);
    assert_int_equal(sa_decide_policy_limit(&one, false, 10, &s, NOW), 9);
    sa_decide_note_scale(&s, NOW - 30, 10, 9);
    assert_int_equal(sa_decide_policy_limit(&one, false, 9, &s, NOW), 9);
    assert_int_equal(sa_decide_policy_limit(&one, false, 9, &s, NOW + 30), 8);
    /* a scale-up inside the period (someone's 9 -> 12 at NOW) does not
     * open the way down: the pod removed 31 s ago still spends it */
    sa_decide_note_scale(&s, NOW, 9, 12);
    assert_int_equal(sa_decide_policy_limit(&one, false, 12, &s, NOW + 1), 12);
    assert_int_equal(sa_decide_policy_limit(&one, false, 12, &s, NOW + 31), 11);

    /* 10 % up: the controller's float arithmetic, rounding included:
     * 50 * 1.1 is 55.00000000000001 in doubles, so 56 */
    sa_decide_state_init(&s);
    sa_scaling_rules ten = mkrules(SA_SELECT_MAX, 0);
    add_policy(&ten, true, 10, 60);
    assert_int_equal(sa_decide_policy_limit(&ten, true, 10, &s, NOW), 11);
    assert_int_equal(sa_decide_policy_limit(&ten, true, 50, &s, NOW), 56);
    /* 50 % down truncates: 7 -> 3 */
    sa_scaling_rules half = mkrules(SA_SELECT_MAX, 0);
    add_policy(&half, true, 50, 60);
    assert_int_equal(sa_decide_policy_limit(&half, false, 7, &s, NOW), 3);
}

/* A deployment whose HPA has behavior: its policies and windows replace
 * the preset's step limits, windows and cooldowns, in the decision. */
static void behavior_paces_the_decision(void **st)
{
    (void)st;
    sa_context ctx = mkctx(10, 2, 30);
    ctx.hpa_scale_down = mkrules(SA_SELECT_MAX, 60);
    add_policy(&ctx.hpa_scale_down, false, 1, 120);
    ctx.hpa_scale_up = mkrules(SA_SELECT_DISABLED, 0);
    sa_constraints c;
    sa_constraints_for(&c, &ctx);
    assert_int_equal(c.downscale_window_s, 60);
    assert_int_equal(c.cooldown_down_s, 0);
    SA_ASSERT_NEAR(c.tolerance_down, 0.1, 0); /* no tolerance of its own: the preset's */
    ctx.hpa_scale_down.tolerance = 0.25;
    sa_constraints_for(&c, &ctx);
    SA_ASSERT_NEAR(c.tolerance_down, 0.25, 0);
    SA_ASSERT_NEAR(c.tolerance_up, 0.1, 0);
    assert_int_equal(c.cooldown_up_s, 0);
    sa_decide_state s;
    sa_decide_state_init(&s);
    sa_rec down = mkrec(SA_ACTION_SCALE_DOWN, 5, 0.9), up = mkrec(SA_ACTION_SCALE_UP, 16, 0.9);
    sa_decision d = run(&ctx, &c, &s, &down, NULL, NULL);
    assert_int_equal(d.target_replicas, 9); /* one pod per 120 s, not the preset's 5 */
    assert_int_equal(d.validation.verdict, SA_VERDICT_CLAMPED);
    assert_true(has_reason(&d.validation, "HPA behavior: scale-down policies"));
    /* a scale-down 40 s ago spends the period: no cooldown, but no pod */
    sa_decide_state_init(&s);
    sa_decide_note_scale(&s, NOW - 40, 11, 10);
    d = run(&ctx, &c, &s, &down, NULL, NULL);
    assert_int_equal(d.target_replicas, 10);
    /* scale-up disabled: the candidate is rejected, the decision holds */
    sa_decide_state_init(&s);
    d = run(&ctx, &c, &s, &up, NULL, NULL);
    assert_int_equal(d.target_replicas, 10);
    assert_int_equal(d.source, SA_SOURCE_SAFETY);
    sa_validation v;
    int t;
    assert_int_equal(sa_validate(&up, SA_SOURCE_LLM, &ctx, &c, &s, NOW, &t, &v),
                     SA_VERDICT_REJECTED);
    assert_true(has_reason(&v, "scale-up disabled (selectPolicy Disabled)"));

    /* scale-up stabilisation: held to the lowest proposal of its window */
    ctx.hpa_scale_up = mkrules(SA_SELECT_MAX, 120);
    add_policy(&ctx.hpa_scale_up, false, 10, 15);
    sa_constraints_for(&c, &ctx);
    sa_decide_state_init(&s);
    sa_rec twelve = mkrec(SA_ACTION_SCALE_UP, 12, 0.9), hold = mkrec(SA_ACTION_MAINTAIN, 10, 0.9);
    sa_decide_input in = {.ctx = &ctx, .c = &c, .now = NOW - 60, .rule = &hold, .dry_run = true};
    sa_decide(&in, &s, &d); /* records 10 at NOW - 60 */
    d = run(&ctx, &c, &s, &up, NULL, NULL);
    assert_int_equal(d.target_replicas, 10);
    assert_true(has_reason(&d.validation, "scale-up stabilisation: lowest proposal in the last "
                                          "120 s is 10"));
    in.now = NOW + 61;
    in.llm = &twelve;
    sa_decide(&in, &s, &d); /* 10 at NOW - 60 has left the window */
    assert_int_equal(d.target_replicas, 12);
    /* without behavior, the preset's pace as before */
    sa_context plain = mkctx(10, 2, 30);
    sa_constraints_for(&c, &plain);
    sa_constraints p = mkc(SA_PRESET_BALANCED, &plain);
    assert_memory_equal(&c, &p, sizeof c);
}

/* Memory the predictor and the LLM do not size for still holds their
 * scale-downs: above the pressure level none, with an HPA memory target
 * not below what that target needs; memory that does not follow load
 * (below the level, no target) blocks nothing. */
static void memory_floor_holds_every_source(void **st)
{
    (void)st;
    sa_context ctx = mkctx(8, 2, 20);
    sa_constraints c = mkc(SA_PRESET_BALANCED, &ctx);
    sa_decide_state s;
    sa_decide_state_init(&s);
    sa_rec down = mkrec(SA_ACTION_SCALE_DOWN, 6, 0.9);
    ctx.memory_percent = 80.0; /* a JVM's steady heap: no floor */
    sa_decision d = run(&ctx, &c, &s, NULL, &down, NULL);
    assert_int_equal(d.target_replicas, 6);
    sa_decide_state_init(&s);
    ctx.memory_percent = 90.0; /* pressure: no scale-down from any source */
    d = run(&ctx, &c, &s, &down, &down, NULL);
    assert_int_equal(d.target_replicas, 8);
    assert_true(has_reason(&d.validation, "no scale-down under memory pressure (90.0% above 85%)"));
    /* unless memory stayed at 90 % when replicas went from 7 to 8: a heap
     * that does not follow them blocks nothing */
    sa_sample h[3] = {
        {NOW - 700, 70, 90, NAN, 7}, {NOW - 600, 70, 90, NAN, 8}, {NOW - 15, 70, 90, NAN, 8}};
    ctx.history = h;
    ctx.n_history = 3;
    sa_decide_state_init(&s);
    d = run(&ctx, &c, &s, NULL, &down, NULL);
    assert_int_equal(d.target_replicas, 6);
    ctx.history = NULL;
    ctx.n_history = 0;
    /* an HPA memory target of 80: 8 pods at 60 % need ceil(8 x 0.75) = 6,
     * so 4 is held at 6; at 75 % (0.94x, inside the tolerance) it keeps 8 */
    sa_decide_state_init(&s);
    ctx.target_memory_percent = 80.0;
    ctx.memory_percent = 60.0;
    sa_rec four = mkrec(SA_ACTION_SCALE_DOWN, 4, 0.9);
    d = run(&ctx, &c, &s, NULL, &four, NULL);
    assert_int_equal(d.target_replicas, 6);
    assert_int_equal(d.validation.verdict, SA_VERDICT_CLAMPED);
    assert_true(has_reason(&d.validation, "memory 60.0% against the HPA's 80% target needs 6"));
    sa_decide_state_init(&s);
    ctx.memory_percent = 75.0;
    d = run(&ctx, &c, &s, NULL, &four, NULL);
    assert_int_equal(d.target_replicas, 8);
    assert_int_equal(sa_rules_memory_floor(&ctx, &c), 8);
    ctx.memory_percent = NAN;
    assert_int_equal(sa_rules_memory_floor(&ctx, &c), 0);
}

static double rdouble(void)
{
    return (double)(rng() >> 11) / 9007199254740992.0;
}

static sa_rec random_rec(int max)
{
    sa_rec r = mkrec((sa_action)rint_in(0, 4), rint_in(-3, max + 30), rdouble() * 1.4 - 0.1);
    r.present = rint_in(0, 5) != 0;
    if (rint_in(0, 30) == 0)
        r.confidence = NAN;
    return r;
}

static void random_constraints(sa_constraints *c, const sa_context *ctx)
{
    sa_constraints_preset(c, (sa_preset)rint_in(0, 2), ctx->min_replicas, ctx->max_replicas);
    if (rint_in(0, 2) == 0) {
        c->max_step_up = rint_in(0, 10);
        c->max_step_up_ratio = rdouble() * 3;
        c->max_step_down = rint_in(0, 10);
        c->max_step_down_ratio = rdouble();
        c->cooldown_up_s = rint_in(0, 600);
        c->cooldown_down_s = rint_in(0, 900);
        c->downscale_window_s = rint_in(0, 900);
        c->min_confidence = rdouble();
    }
    /* an HPA's behavior in either direction, now and then */
    for (int dir = 0; dir < 2 && rint_in(0, 2) == 0; dir++) {
        sa_scaling_rules *b = dir ? &c->down : &c->up;
        *b = mkrules((sa_select)rint_in(0, 2), rint_in(0, 600));
        for (int k = rint_in(1, 3); k > 0; k--)
            add_policy(b, rint_in(0, 1), rint_in(1, 200), rint_in(1, 300));
        if (dir)
            c->downscale_window_s = b->window_s;
        else
            c->upscale_window_s = b->window_s;
    }
}

/* Lowest (low) or highest proposal recorded at t' in [now - w, now]. */
static int recorded(const sa_decide_state *s, int64_t now, int64_t w, bool low)
{
    int best = -1;
    for (size_t k = 0; k < s->n; k++) {
        size_t i = (s->head + k) % SA_DECIDE_HISTORY_MAX;
        if (s->t[i] >= now - w && s->t[i] <= now &&
            (best < 0 || (low ? s->target[i] < best : s->target[i] > best)))
            best = s->target[i];
    }
    return best;
}

static void check_one(const sa_context *ctx, const sa_constraints *c, const sa_decide_state *before,
                      int64_t now, const sa_decision *d, const sa_rec *cand[3])
{
    int r = ctx->current_replicas, t = d->target_replicas;
    if (t < c->min_replicas || t > c->max_replicas)
        fail_msg("target %d outside [%d, %d]", t, c->min_replicas, c->max_replicas);
    bool inside = r >= c->min_replicas && r <= c->max_replicas;
    if (!inside)
        return;
    if (!c->up.set && t > r + sa_decide_step_up(c, r))
        fail_msg("target %d breaks the step limit up from %d", t, r);
    if (!c->down.set && t < r - sa_decide_step_down(c, r))
        fail_msg("target %d breaks the step limit down from %d", t, r);
    if (c->up.set && t > r &&
        (c->up.select == SA_SELECT_DISABLED ||
         t > sa_decide_policy_limit(&c->up, true, r, before, now)))
        fail_msg("target %d breaks the behavior's scale-up pace from %d", t, r);
    if (c->down.set && t < r &&
        (c->down.select == SA_SELECT_DISABLED ||
         t < sa_decide_policy_limit(&c->down, false, r, before, now)))
        fail_msg("target %d breaks the behavior's scale-down pace from %d", t, r);
    if (t > r && c->upscale_window_s > 0) {
        int w = recorded(before, now, c->upscale_window_s, true);
        if (w >= 0 && t > (w > r ? w : r))
            fail_msg("scale-up to %d above stabilised %d", t, w);
    }
    if (t < r && sa_decide_metrics_problem(ctx, c, now, NULL, 0))
        fail_msg("scale-down %d -> %d on bad metrics", r, t);
    if (t < r && t < sa_rules_memory_floor(ctx, c))
        fail_msg("scale-down %d -> %d below the memory floor %d", r, t,
                 sa_rules_memory_floor(ctx, c));
    int64_t last = before->last_scale_up_at > before->last_scale_down_at
                       ? before->last_scale_up_at
                       : before->last_scale_down_at;
    if (t < r && last > 0 && now - last >= 0 && now - last < c->cooldown_down_s)
        fail_msg("scale-down inside the cooldown");
    if (t > r && before->last_scale_up_at > 0 && now - before->last_scale_up_at >= 0 &&
        now - before->last_scale_up_at < c->cooldown_up_s)
        fail_msg("scale-up inside the cooldown");
    if (t < r) {
        int w = recorded(before, now, c->downscale_window_s, false);
        int floor_t = w < r ? w : r;
        if (t < floor_t)
            fail_msg("scale-down to %d below stabilised %d", t, floor_t);
    }
    /* the action word matches the move */
    if ((t > r) != (d->action == SA_ACTION_SCALE_UP) ||
        (t < r) != (d->action == SA_ACTION_SCALE_DOWN))
        fail_msg("action %s for %d -> %d", sa_action_name(d->action), r, t);
    if (d->action == SA_ACTION_AT_MAX && r != c->max_replicas)
        fail_msg("at_max below max");
    if (d->source != SA_SOURCE_SAFETY) {
        const sa_rec *w = cand[d->source == SA_SOURCE_LLM          ? 0
                               : d->source == SA_SOURCE_PREDICTIVE ? 1
                                                                   : 2];
        assert_non_null(w);
        assert_true(w->present);
        assert_true(d->validation.verdict != SA_VERDICT_REJECTED);
        if (d->source != SA_SOURCE_RULE)
            assert_true(w->confidence >= c->min_confidence - 1e-9);
        if (d->validation.verdict == SA_VERDICT_ACCEPTED && w->action != SA_ACTION_AT_MAX)
            assert_int_equal(t, w->target_replicas);
    }
}

static void property_decision_inside_limits(void **st)
{
    (void)st;
    sa_decide_state s;
    sa_decide_state_init(&s);
    int64_t now = NOW;
    int seen[4] = {0}, verdicts[3] = {0}, ups = 0, downs = 0;
    for (int i = 0; i < 20000; i++) {
        if (rint_in(0, 50) == 0)
            sa_decide_state_init(&s);
        int min = rint_in(1, 10), max = min + rint_in(0, 40);
        sa_context ctx = mkctx(rint_in(0, max + 10), min, max);
        if (rint_in(0, 4) == 0)
            ctx.observed_at = now - rint_in(0, 400);
        if (rint_in(0, 10) == 0)
            ctx.cpu_percent = NAN;
        if (rint_in(0, 10) == 0)
            ctx.ready_pods = -1;
        if (rint_in(0, 20) == 0)
            snprintf(ctx.degraded, sizeof ctx.degraded, "source error");
        if (rint_in(0, 3) == 0)
            ctx.memory_percent = rint_in(0, 1) ? rdouble() * 120.0 : NAN;
        if (rint_in(0, 4) == 0)
            ctx.target_memory_percent = 40.0 + rdouble() * 60.0;
        sa_constraints c;
        random_constraints(&c, &ctx);
        if (rint_in(0, 6) == 0)
            sa_decide_note_scale(&s, now - rint_in(0, 700), 3, rint_in(0, 1) ? 5 : 1);
        sa_rec l = random_rec(max), p = random_rec(max), r = random_rec(max);
        const sa_rec *cand[3] = {rint_in(0, 3) ? &l : NULL, rint_in(0, 3) ? &p : NULL,
                                 rint_in(0, 3) ? &r : NULL};
        sa_decide_input in = {.ctx = &ctx,
                              .c = &c,
                              .now = now,
                              .llm = cand[0],
                              .predictive = cand[1],
                              .rule = cand[2],
                              .dry_run = true};
        sa_decide_state before = s;
        sa_decision d;
        sa_decide(&in, &s, &d);
        check_one(&ctx, &c, &before, now, &d, cand);
        assert_true(d.validation.n_reasons <= SA_REASONS_MAX);
        seen[d.source]++;
        verdicts[d.validation.verdict]++;
        ups += d.target_replicas > ctx.current_replicas;
        downs += d.target_replicas < ctx.current_replicas;
        if (d.target_replicas != ctx.current_replicas && rint_in(0, 1))
            sa_decide_note_scale(&s, now, ctx.current_replicas, d.target_replicas);
        now += rint_in(0, 120);
    }
    /* the random input reaches every path, so the checks above bite */
    for (int k = 0; k < 4; k++)
        assert_true(seen[k] > 200);
    for (int k = 0; k < 3; k++)
        assert_true(verdicts[k] > 200);
    assert_true(ups > 1000 && downs > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepted_llm_wins),
        cmocka_unit_test(priority_falls_through),
        cmocka_unit_test(confidence_out_of_range),
        cmocka_unit_test(action_target_consistency),
        cmocka_unit_test(bounds_clamp),
        cmocka_unit_test(step_limits),
        cmocka_unit_test(cooldowns),
        cmocka_unit_test(stabilisation_window),
        cmocka_unit_test(rule_proposal_avoids_double_stabilisation),
        cmocka_unit_test(held_scale_down_gets_through),
        cmocka_unit_test(bad_metrics_never_scale_down),
        cmocka_unit_test(nothing_valid_holds),
        cmocka_unit_test(behavior_policy_limits),
        cmocka_unit_test(behavior_paces_the_decision),
        cmocka_unit_test(memory_floor_holds_every_source),
        cmocka_unit_test(property_decision_inside_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
