/*
 * economy.c - the LLM's memory of each deployment (its last answer, when it
 * was last asked) and the rule that decides when a deployment is worth a
 * request: the service asks only when something material changed. Called
 * with the handle's mutex held, but for the two public functions.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/llm_int.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

uint64_t llm_fingerprint(const sa_llm_input *in)
{
    const sa_context *c = in->ctx;
    char s[1024];
    int n = snprintf(s, sizeof s, "%s/%s|%d|%d|%d|%.0f|%.0f|%d|%d|%d", c->namespace_, c->name,
                     c->current_replicas, c->min_replicas, c->max_replicas,
                     isfinite(c->cpu_percent) ? c->cpu_percent : -1.0,
                     isfinite(c->memory_percent) ? c->memory_percent : -1.0, c->ready_pods,
                     c->has_hpa ? c->hpa_desired_replicas : -1, c->degraded[0] != '\0');
    uint64_t h = fnv(1469598103934665603ull, s, n > 0 ? (size_t)n : 0);
    const sa_rec *r[2] = {in->rule, in->predictive};
    for (int i = 0; i < 2; i++) {
        n = snprintf(s, sizeof s, "|%d:%d:%d", r[i] && r[i]->present, r[i] ? (int)r[i]->action : 0,
                     r[i] ? r[i]->target_replicas : 0);
        h = fnv(h, s, (size_t)n);
    }
    if (in->forecast && in->forecast->present) {
        n = snprintf(s, sizeof s, "|f%.0f:%.0f", in->forecast->peak, in->forecast->peak_upper);
        h = fnv(h, s, (size_t)n);
    }
    return h;
}

/* Band of the expected peak relative to the CPU target: <50%, <90%,
 * within +-10%, above. -1 when unknown. */
int llm_band_of(const sa_llm_input *in)
{
    const sa_context *c = in->ctx;
    double v =
        in->forecast && in->forecast->present && strcmp(in->forecast->metric, "cpu_percent") == 0
            ? in->forecast->peak
            : c->cpu_percent;
    double t = c->target_cpu_percent > 0 ? c->target_cpu_percent : 70.0;
    if (!isfinite(v))
        return -1;
    double r = v / t;
    return r < 0.5 ? 0 : r < 0.9 ? 1 : r <= 1.1 ? 2 : 3;
}

static llm_entry *entry_lookup(sa_llm *l, const char *ns, const char *name)
{
    for (size_t i = 0; i < l->cache_n; i++) {
        llm_entry *e = &l->cache[i];
        if (strcmp(e->name, name) == 0 && strcmp(e->ns, ns) == 0)
            return e;
    }
    return NULL;
}

/* A free entry: a new one while the cache may grow, else (full, or out of
 * memory) the next in round robin. */
static llm_entry *entry_new(sa_llm *l)
{
    if (l->cache_n == l->cache_cap && l->cache_cap < LLM_CACHE_MAX) {
        size_t cap = l->cache_cap * 2 < LLM_CACHE_MAX ? l->cache_cap * 2 : LLM_CACHE_MAX;
        llm_entry *c = realloc(l->cache, cap * sizeof *c);
        if (c) {
            l->cache = c;
            l->cache_cap = cap;
        }
    }
    if (l->cache_n < l->cache_cap)
        return &l->cache[l->cache_n++];
    llm_entry *e = &l->cache[l->cache_next];
    l->cache_next = (l->cache_next + 1) % l->cache_n;
    return e;
}

llm_entry *llm_entry_find(sa_llm *l, const sa_context *c, bool create)
{
    llm_entry *e = entry_lookup(l, c->namespace_, c->name);
    if (e || !create)
        return e;
    e = entry_new(l);
    memset(e, 0, sizeof *e);
    sa_strlcpy(e->ns, c->namespace_, sizeof e->ns);
    sa_strlcpy(e->name, c->name, sizeof e->name);
    return e;
}

bool sa_llm_should_consult(sa_llm *l, const sa_llm_input *in, sa_rec *reuse,
                           char why[SA_STATUS_MAX])
{
    char tmp[SA_STATUS_MAX];
    char *w = why ? why : tmp;
    bool consult = false;
    if (reuse)
        sa_rec_init(reuse);
    if (!l || !l->enabled) {
        sa_strlcpy(w, "disabled", SA_STATUS_MAX);
        return false;
    }
    const sa_context *c = in->ctx;
    pthread_mutex_lock(&l->mu);
    llm_entry *e = llm_entry_find(l, c, false);
    bool fresh = e && e->answer.present && in->now - e->answered_at < l->refresh_s;
    if (reuse && fresh)
        *reuse = e->answer;
    if (l->auth_stopped) {
        sa_strlcpy(w, "auth stopped", SA_STATUS_MAX);
    } else if (llm_breaker_now(l, sa_mono_ms()) == SA_BREAKER_OPEN) {
        sa_strlcpy(w, "circuit open", SA_STATUS_MAX);
    } else if (!e || !e->answer.present) {
        consult = true;
        sa_strlcpy(w, "no earlier answer", SA_STATUS_MAX);
    } else if (!fresh) {
        consult = true;
        sa_strlcpy(w, "earlier answer expired", SA_STATUS_MAX);
    } else if (in->rule && in->rule->present && in->rule->target_replicas != c->current_replicas) {
        consult = true;
        sa_strlcpy(w, "rule disagrees with current replicas", SA_STATUS_MAX);
    } else if (in->predictive && in->predictive->present &&
               in->predictive->target_replicas != c->current_replicas) {
        consult = true;
        sa_strlcpy(w, "forecast disagrees with current replicas", SA_STATUS_MAX);
    } else if (llm_band_of(in) != e->band) {
        consult = true;
        sa_strlcpy(w, "forecast crossed a band", SA_STATUS_MAX);
    } else {
        sa_strlcpy(w, "no material change", SA_STATUS_MAX);
    }
    pthread_mutex_unlock(&l->mu);
    if (consult && reuse)
        reuse->present = false;
    return consult;
}

int64_t sa_llm_asked_at(sa_llm *l, const char *ns, const char *name)
{
    int64_t at = 0;
    if (!l || !l->enabled)
        return 0;
    pthread_mutex_lock(&l->mu);
    const llm_entry *e = entry_lookup(l, ns, name);
    if (e)
        at = e->asked_at;
    pthread_mutex_unlock(&l->mu);
    return at;
}
