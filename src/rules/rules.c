/*
 * rules.c - the service's reactive rule source: the HPA step on CPU % (and
 * on memory % when the deployment's HPA has a memory target) plus a
 * memory-pressure rule otherwise, turned into a full recommendation
 * with the numbers behind it. Pure: time is an argument, the only memory is
 * the caller's sa_hpa_state.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scaleadvisor/rules.h"
#include "scaleadvisor/banned.h"

/* Unclamped ceiling of the HPA step so that a wish beyond max shows as
 * at_max rather than vanishing into the clamp. */
#define RULES_RAW_MAX 1000000000

sa_action sa_action_for(int current, int target, int max_replicas)
{
    if (target > current)
        return current >= max_replicas ? SA_ACTION_AT_MAX : SA_ACTION_SCALE_UP;
    if (target < current)
        return SA_ACTION_SCALE_DOWN;
    return SA_ACTION_MAINTAIN;
}

typedef struct {
    bool stepped; /* the HPA step ran (on CPU, or memory with an HPA memory target) */
    bool cpu_known;
    bool mem_metric;    /* the HPA's memory target gave the larger ratio */
    double cpu_ratio;   /* CPU utilisation / target; NaN unknown */
    double mem_ratio;   /* memory / the HPA's memory target; NaN none */
    int ready;          /* ready pods used for the demand */
    bool ready_assumed; /* ready_pods unknown: took current replicas */
    double demand;      /* replica units */
    double ratio;       /* the larger of the metrics' utilisation / target */
    double target;      /* CPU target %, 70 when the context has none usable */
    int proposal;       /* raw HPA proposal */
    int cpu_target;     /* after stabilisation and the scale-up limit */
    bool stabilised;    /* a scale-down was held back by the window */
    bool mem_known;
    int mem_target;           /* memory rule's wish; 0 when not pressing */
    sa_mem_follow mem_follow; /* under pressure: whether memory follows replicas */
    int mem_then_r;           /* the replicas and memory it was compared with */
    double mem_then;
    int hpa_target; /* the HPA's desired, when it scales on metrics not read here; 0 else */
} rule_calc;

static void eval_cpu(const sa_context *ctx, const sa_constraints *c, sa_hpa_state *s, int64_t now,
                     rule_calc *k)
{
    int r = ctx->current_replicas;
    k->cpu_target = r;
    k->cpu_known = isfinite(ctx->cpu_percent) && ctx->cpu_percent >= 0.0;
    k->cpu_ratio = k->mem_ratio = NAN;
    bool mem = isfinite(ctx->target_memory_percent) && ctx->target_memory_percent > 0.0 &&
               isfinite(ctx->memory_percent) && ctx->memory_percent >= 0.0;
    if (!k->cpu_known && !mem)
        return;
    k->stepped = true;
    k->ready = ctx->ready_pods;
    if (k->ready < 0) {
        k->ready = r;
        k->ready_assumed = true;
    }
    /* a context from the codec has a target in (0, 100]; guard the rest */
    double target = isfinite(ctx->target_cpu_percent) && ctx->target_cpu_percent > 0.0
                        ? ctx->target_cpu_percent
                        : 70.0;
    sa_hpa_params p;
    sa_hpa_params_init(&p);
    p.target_utilization = target / 100.0;
    p.tolerance_up = c->tolerance_up;
    p.tolerance_down = c->tolerance_down;
    p.downscale_window_s = (double)c->downscale_window_s;
    p.upscale_window_s = (double)c->upscale_window_s;
    p.rate_limit = !c->up.set; /* decide applies a behavior's policies */
    p.min_replicas = 0;
    p.max_replicas = RULES_RAW_MAX;
    /* Several metrics: the HPA proposes for each and takes the largest,
     * which (one tolerance for all) is the proposal of the largest ratio,
     * so the step runs once on that ratio as CPU demand. */
    if (k->cpu_known)
        k->cpu_ratio = ctx->cpu_percent / target;
    if (mem)
        k->mem_ratio = ctx->memory_percent / ctx->target_memory_percent;
    k->mem_metric = mem && !(k->cpu_ratio >= k->mem_ratio);
    k->ratio = k->mem_metric ? k->mem_ratio : k->cpu_ratio;
    k->demand = k->ratio * target / 100.0 * (double)k->ready;
    k->target = target;
    k->cpu_target = sa_hpa_step(s, &p, (double)now, k->demand, k->ready, r, &k->proposal);
    k->stabilised = k->proposal < r && k->cpu_target > k->proposal;
}

/* Memory does not shrink with more pods the way CPU does, but per-pod
 * working sets of request-serving pods do: ask for enough pods to bring
 * the mean back to the comfortable level, at least one more. */
#define RULES_MEMORY_COMFORT 70.0

sa_mem_follow sa_rules_memory_follows(const sa_context *ctx, int *then_r, double *then_mem)
{
    int r = ctx->current_replicas;
    double m1 = ctx->memory_percent;
    size_t n = ctx->n_history;
    if (!isfinite(m1) || r <= 0 || n == 0)
        return SA_MEM_NO_EVIDENCE;
    int64_t now = ctx->history[n - 1].timestamp;
    if (ctx->observed_at > now)
        now = ctx->observed_at;
    for (size_t k = n; k-- > 0;) {
        const sa_sample *s = &ctx->history[k];
        if (now - s->timestamp > SA_RULES_MEMORY_LOOKBACK_S || s->replicas <= 0)
            break;
        if (s->replicas == r)
            continue;
        double m0 = s->memory_percent;
        if (!isfinite(m0))
            return SA_MEM_NO_EVIDENCE;
        if (then_r)
            *then_r = s->replicas;
        if (then_mem)
            *then_mem = m0;
        /* the first sample at the current count: when the change showed */
        int64_t since = k + 1 < n ? ctx->history[k + 1].timestamp : now;
        if ((ctx->ready_pods >= 0 && ctx->ready_pods < r) || now - since < SA_RULES_MEMORY_SETTLE_S)
            return SA_MEM_SETTLING;
        /* load spread over r pods instead of s->replicas: m0 * r0 / r */
        double spread = m0 * (double)s->replicas / (double)r;
        double half = m0 + 0.5 * (spread - m0);
        return (r > s->replicas ? m1 <= half : m1 >= half) ? SA_MEM_FOLLOWS : SA_MEM_FIXED;
    }
    return SA_MEM_NO_EVIDENCE;
}

static void eval_memory(const sa_context *ctx, rule_calc *k)
{
    int r = ctx->current_replicas;
    k->mem_target = 0;
    k->mem_known = isfinite(ctx->memory_percent) && ctx->memory_percent >= 0.0;
    if (!k->mem_known || ctx->memory_percent <= SA_RULES_MEMORY_HIGH || r <= 0 ||
        isfinite(ctx->target_memory_percent)) /* the HPA's memory target rules instead */
        return;
    k->mem_follow = sa_rules_memory_follows(ctx, &k->mem_then_r, &k->mem_then);
    /* more replicas relieve memory only where it follows them; while a
     * change is starting, its effect is awaited */
    if (k->mem_follow == SA_MEM_FIXED || k->mem_follow == SA_MEM_SETTLING)
        return;
    double want = ceil((double)r * ctx->memory_percent / RULES_MEMORY_COMFORT - 1e-9);
    int64_t limit = r + 4 > 2 * (int64_t)r ? r + 4 : 2 * (int64_t)r;
    int64_t t = want > (double)limit ? limit : (int64_t)want;
    if (t <= r)
        t = r + 1;
    k->mem_target = (int)t;
}

static int clamp_int(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static double rule_confidence(const rule_calc *k, sa_action a)
{
    double conf;
    if (!k->stepped && !k->mem_known)
        return 0.3;
    if (a == SA_ACTION_MAINTAIN)
        conf = k->stabilised ? 0.75 : 0.85;
    else if (a == SA_ACTION_AT_MAX)
        conf = 0.9;
    else {
        double dist = k->stepped ? fabs(k->ratio - 1.0) : 0.5;
        conf = 0.6 + 0.3 * (dist > 0.5 ? 1.0 : dist / 0.5);
    }
    if (!k->cpu_known || k->ready_assumed)
        conf -= 0.15;
    return conf < 0.05 ? 0.05 : conf;
}

static void fill_impact(sa_rec *out, int r, int target, sa_action a, const rule_calc *k)
{
    switch (a) {
    case SA_ACTION_SCALE_UP:
        out->risk = SA_LEVEL_LOW;
        out->cost = r > 0 && (target - r) * 2 >= r ? SA_LEVEL_HIGH : SA_LEVEL_MEDIUM;
        out->performance = SA_PERF_POSITIVE;
        out->timing = SA_TIMING_IMMEDIATE;
        break;
    case SA_ACTION_SCALE_DOWN:
        out->risk = (r - target) * 2 >= r ? SA_LEVEL_HIGH : SA_LEVEL_MEDIUM;
        out->cost = SA_LEVEL_LOW;
        out->performance = SA_PERF_NEUTRAL;
        out->timing = SA_TIMING_WITHIN_5M;
        break;
    case SA_ACTION_AT_MAX:
        out->risk = SA_LEVEL_HIGH;
        out->cost = SA_LEVEL_LOW;
        out->performance = SA_PERF_NEGATIVE;
        out->timing = SA_TIMING_IMMEDIATE;
        break;
    case SA_ACTION_MAINTAIN:
    default:
        out->risk = k->stepped && k->ratio > 1.0 + 1e-9 ? SA_LEVEL_MEDIUM : SA_LEVEL_LOW;
        out->cost = SA_LEVEL_LOW;
        out->performance = SA_PERF_NEUTRAL;
        out->timing = SA_TIMING_NEXT_REVIEW;
        break;
    }
}

static void add_factors(sa_rec *out, const sa_context *ctx, const sa_constraints *c,
                        const rule_calc *k)
{
    if (k->cpu_known)
        sa_rec_add_factor(out,
                          "cpu %.1f%% vs target %.1f%% (ratio %.2f, tolerance -%.0f%%/+%.0f%%)",
                          ctx->cpu_percent, k->target, k->cpu_ratio, c->tolerance_down * 100.0,
                          c->tolerance_up * 100.0);
    if (isfinite(k->mem_ratio))
        sa_rec_add_factor(out, "memory %.1f%% vs the HPA's memory target %.1f%% (ratio %.2f)%s",
                          ctx->memory_percent, ctx->target_memory_percent, k->mem_ratio,
                          k->mem_metric ? ", the larger: it decides" : "");
    if (k->stepped) {
        sa_rec_add_factor(out, "demand %.2f pod-equivalents on %d ready pods%s", k->demand,
                          k->ready, k->ready_assumed ? " (ready count unknown: assumed)" : "");
        sa_rec_add_factor(out, "HPA proposal %d, after stabilisation and scale-up limit %d",
                          k->proposal, k->cpu_target);
    } else {
        sa_rec_add_factor(out, "cpu unknown: no CPU-based change");
    }
    if (!k->mem_known)
        sa_rec_add_factor(out, "memory unknown");
    else if (!isfinite(ctx->target_memory_percent))
        sa_rec_add_factor(out, "memory %.1f%% (pressure above %.0f%%)", ctx->memory_percent,
                          SA_RULES_MEMORY_HIGH);
    if (ctx->has_hpa && ctx->hpa_other_metrics[0])
        sa_rec_add_factor(out, "HPA metrics not read here: %.100s (its desired %d)",
                          ctx->hpa_other_metrics, ctx->hpa_desired_replicas);
    sa_rec_add_factor(out, "bounds %d..%d, current %d", c->min_replicas, c->max_replicas,
                      ctx->current_replicas);
}

static void write_reasoning(sa_rec *out, const sa_context *ctx, const sa_constraints *c,
                            const rule_calc *k, int raw, int target)
{
    char cpu[400], mem[320], end[200], what[96], other[SA_HPA_OTHER_MAX + 128] = "";
    int r = ctx->current_replicas;
    if (k->mem_metric)
        snprintf(what, sizeof what,
                 "Memory %.1f%% on %d ready pods is %.2fx the HPA's %.0f%% memory "
                 "target",
                 ctx->memory_percent, k->ready, k->ratio, ctx->target_memory_percent);
    else
        snprintf(what, sizeof what, "CPU %.1f%% on %d ready pods is %.2fx the %.0f%% target",
                 ctx->cpu_percent, k->ready, k->ratio, k->target);
    const char *then = k->stabilised ? "scale-down stabilisation over the window holds at"
                       : k->cpu_target < k->proposal
                           ? (c->up.set ? "scale-up stabilisation over the window holds at"
                                        : "the scale-up limit max(2R, R+4) allows")
                           : "HPA asks for";
    if (!k->stepped)
        snprintf(cpu, sizeof cpu, "CPU utilisation unknown, so the HPA rule keeps %d.", r);
    else if (k->proposal == r && k->cpu_target == r)
        snprintf(cpu, sizeof cpu, "%s, within tolerance (-%.0f%%/+%.0f%%): HPA keeps %d.", what,
                 c->tolerance_down * 100.0, c->tolerance_up * 100.0, r);
    else if (k->mem_metric)
        snprintf(cpu, sizeof cpu, "%s: needs ceil(%d x %.2f) = %d pods; %s %d.", what, k->ready,
                 k->ratio, k->proposal, then, k->cpu_target);
    else
        snprintf(cpu, sizeof cpu,
                 "%s: demand %.2f pod-equivalents needs ceil(%.2f / %.2f) = %d pods; %s %d.", what,
                 k->demand, k->demand, k->target / 100.0, k->proposal, then, k->cpu_target);
    if (!k->mem_known)
        snprintf(mem, sizeof mem, " Memory unknown.");
    else if (isfinite(k->mem_ratio) && k->mem_metric)
        snprintf(mem, sizeof mem, " CPU is %.2fx its target, below memory's ratio.", k->cpu_ratio);
    else if (isfinite(k->mem_ratio))
        snprintf(mem, sizeof mem,
                 " Memory %.1f%% is %.2fx the HPA's %.0f%% memory target, below "
                 "CPU's ratio.",
                 ctx->memory_percent, k->mem_ratio, ctx->target_memory_percent);
    else if (ctx->memory_percent > SA_RULES_MEMORY_HIGH && k->mem_follow == SA_MEM_FIXED)
        snprintf(mem, sizeof mem,
                 " Memory %.1f%% is above %.0f%% but did not fall when replicas went from %d to "
                 "%d (%.1f%% then): more replicas would not relieve it, so the memory rule asks "
                 "for none.",
                 ctx->memory_percent, SA_RULES_MEMORY_HIGH, k->mem_then_r, r, k->mem_then);
    else if (ctx->memory_percent > SA_RULES_MEMORY_HIGH && k->mem_follow == SA_MEM_SETTLING)
        snprintf(mem, sizeof mem,
                 " Memory %.1f%% is above %.0f%%: the last change of replicas (from %d) is "
                 "still starting, its effect awaited before asking for more.",
                 ctx->memory_percent, SA_RULES_MEMORY_HIGH, k->mem_then_r);
    else if (ctx->memory_percent > SA_RULES_MEMORY_HIGH)
        snprintf(mem, sizeof mem,
                 " Memory %.1f%% is above %.0f%%: the memory rule asks for %d pods to bring "
                 "it near %.0f%%.",
                 ctx->memory_percent, SA_RULES_MEMORY_HIGH, k->mem_target, RULES_MEMORY_COMFORT);
    else
        snprintf(mem, sizeof mem, " Memory %.1f%% is below the %.0f%% pressure level.",
                 ctx->memory_percent, SA_RULES_MEMORY_HIGH);
    if (raw > c->max_replicas && r >= c->max_replicas)
        snprintf(end, sizeof end, " Wanted %d but already at max_replicas %d.", raw,
                 c->max_replicas);
    else if (raw != target)
        snprintf(end, sizeof end, " Wanted %d, bounds %d..%d give %d.", raw, c->min_replicas,
                 c->max_replicas, target);
    else
        snprintf(end, sizeof end, " Target %d (current %d).", target, r);
    if (ctx->has_hpa && ctx->hpa_other_metrics[0] && ctx->hpa_desired_replicas >= 0)
        snprintf(other, sizeof other,
                 " The HPA also scales on %s, not read here: its own desired %d replicas stand "
                 "for them%s.",
                 ctx->hpa_other_metrics, ctx->hpa_desired_replicas,
                 k->hpa_target > k->cpu_target && k->hpa_target > k->mem_target ? " and decide"
                                                                                : "");
    else if (ctx->has_hpa && ctx->hpa_other_metrics[0])
        snprintf(other, sizeof other,
                 " The HPA also scales on %s, not read here (its desired count unknown).",
                 ctx->hpa_other_metrics);
    sa_rec_set_reasoning(out, "%s%s%s%s", cpu, mem, other, end);
}

int sa_rules_memory_floor(const sa_context *ctx, const sa_constraints *c)
{
    int r = ctx->current_replicas;
    int ready = ctx->ready_pods >= 0 ? ctx->ready_pods : r;
    double mem = ctx->memory_percent, target = ctx->target_memory_percent;
    if (!isfinite(mem) || mem < 0.0 || ready <= 0)
        return 0;
    if (!(isfinite(target) && target > 0.0))
        return mem > SA_RULES_MEMORY_HIGH &&
                       sa_rules_memory_follows(ctx, NULL, NULL) != SA_MEM_FIXED
                   ? r
                   : 0;
    double ratio = mem / target;
    if (ratio >= 1.0 - c->tolerance_down - 1e-9)
        return r;
    double need = ceil((double)ready * ratio - 1e-9);
    return need > (double)RULES_RAW_MAX ? RULES_RAW_MAX : (int)need;
}

void sa_rules_evaluate(const sa_context *ctx, const sa_constraints *c, sa_hpa_state *s, int64_t now,
                       sa_rec *out)
{
    sa_rules_evaluate_ex(ctx, c, s, now, out, NULL);
}

void sa_rules_evaluate_ex(const sa_context *ctx, const sa_constraints *c, sa_hpa_state *s,
                          int64_t now, sa_rec *out, int *proposal_out)
{
    rule_calc k;
    memset(&k, 0, sizeof k);
    sa_rec_init(out);
    out->present = true;
    int r = ctx->current_replicas;
    eval_cpu(ctx, c, s, now, &k);
    eval_memory(ctx, &k);
    /* The HPA takes the largest of its metrics' proposals: where some of
     * them cannot be read here, its own desired count stands for them. */
    if (ctx->has_hpa && ctx->hpa_other_metrics[0] && ctx->hpa_desired_replicas >= 0)
        k.hpa_target = ctx->hpa_desired_replicas;
    /* the larger wish wins; memory pressure also vetoes a CPU scale-down */
    int raw = k.cpu_target > k.mem_target ? k.cpu_target : k.mem_target;
    raw = raw > k.hpa_target ? raw : k.hpa_target;
    int target = clamp_int(raw, c->min_replicas, c->max_replicas);
    /* at_max: more is wanted but the deployment already sits at max */
    sa_action a = raw > target && r == c->max_replicas ? SA_ACTION_AT_MAX
                                                       : sa_action_for(r, target, c->max_replicas);
    if (proposal_out) {
        int wish = k.stepped ? k.proposal : r;
        wish = wish > k.mem_target ? wish : k.mem_target;
        *proposal_out =
            clamp_int(wish > k.hpa_target ? wish : k.hpa_target, c->min_replicas, c->max_replicas);
    }
    out->action = a;
    out->target_replicas = target;
    out->confidence = rule_confidence(&k, a);
    fill_impact(out, r, target, a, &k);
    add_factors(out, ctx, c, &k);
    write_reasoning(out, ctx, c, &k, raw, target);
}
