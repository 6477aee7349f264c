/*
 * llm.c - the LLM advisor: per step, tries the configured models in order
 * within one time budget (retries with back-off, retry-after, fallback on
 * missing models), keeps the shared circuit breaker and the counters, and
 * stores answers in the per-deployment memory of economy.c. The mutex
 * guards that shared state and is never held across network I/O.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "llm/llm_int.h"
#include "scaleadvisor/log.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

static const char *const outcome_names[] = {"ok",           "cached",   "invalid",
                                            "rate_limited", "http_4xx", "http_5xx",
                                            "transport",    "timeout",  "skipped"};

const char *sa_llm_outcome_name(sa_llm_outcome o)
{
    return (unsigned)o < SA_LLM_OUT_COUNT ? outcome_names[o] : "unknown";
}

const char *sa_breaker_state_name(sa_breaker_state s)
{
    switch (s) {
    case SA_BREAKER_OPEN:
        return "open";
    case SA_BREAKER_HALF_OPEN:
        return "half_open";
    case SA_BREAKER_CLOSED:
    default:
        return "closed";
    }
}

void sa_llm_tuning_init(sa_llm_tuning *t)
{
    t->breaker_failures = 5;
    t->breaker_window_ms = 60000;
    t->breaker_cooloff_ms = 30000;
    t->breaker_close_after = 2;
    t->model_skip_ms = 600000;
    t->backoff_base_ms = 250;
    t->backoff_max_ms = 4000;
    t->min_attempt_ms = 50;
    t->ca_file = NULL;
}

/* "a,b#json_object, c" -> models; suffix #json_schema|#json_object overrides. */
static sa_err parse_models(sa_llm *l, const char *list, const char *format, sa_errbuf *eb)
{
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        char item[SA_MODEL_MAX + 32] = "";
        size_t a = 0, b = n;
        while (a < b && p[a] == ' ')
            a++;
        while (b > a && p[b - 1] == ' ')
            b--;
        if (b - a >= sizeof item)
            return sa_fail(eb, SA_ERR_INVALID, "GROQ_MODELS: a model name is too long");
        memcpy(item, p + a, b - a);
        item[b - a] = '\0';
        if (item[0]) {
            if (l->n_models == LLM_MODELS_MAX)
                return sa_fail(eb, SA_ERR_INVALID, "GROQ_MODELS: at most %d models",
                               LLM_MODELS_MAX);
            llm_model *m = &l->models[l->n_models++];
            char *hash = strchr(item, '#');
            const char *fmt = format;
            if (hash) {
                *hash = '\0';
                fmt = hash + 1;
                if (strcmp(fmt, "json_schema") && strcmp(fmt, "json_object"))
                    return sa_fail(eb, SA_ERR_INVALID,
                                   "GROQ_MODELS: %s: format must be json_schema or json_object",
                                   item);
            }
            if (!item[0] || sa_strlcpy(m->name, item, sizeof m->name) >= sizeof m->name)
                return sa_fail(eb, SA_ERR_INVALID, "GROQ_MODELS: bad model name");
            bool oss = strstr(m->name, "gpt-oss") != NULL;
            m->strict = strcmp(fmt, "json_schema") == 0 || (strcmp(fmt, "auto") == 0 && oss);
            m->reasoning = oss;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (l->n_models == 0)
        return sa_fail(eb, SA_ERR_INVALID, "GROQ_MODELS: no model given");
    return SA_OK;
}

sa_err sa_llm_create(const sa_config *cfg, const sa_llm_tuning *tuning, sa_llm **out, sa_errbuf *eb)
{
    sa_err e = SA_OK;
    sa_llm *l = calloc(1, sizeof *l);
    if (!l)
        return sa_fail(eb, SA_ERR_NOMEM, "llm: out of memory");
    pthread_mutex_init(&l->mu, NULL);
    if (tuning)
        l->tun = *tuning;
    else
        sa_llm_tuning_init(&l->tun);
    l->st.key_set = cfg->groq_api_key[0] != '\0';
    l->enabled = l->st.key_set;
    l->st.enabled = l->enabled;
    l->timeout_ms = cfg->llm_timeout_ms > 0 ? cfg->llm_timeout_ms : 15000;
    l->max_tokens = cfg->llm_max_completion_tokens < 512 ? 512 : cfg->llm_max_completion_tokens;
    l->temperature = cfg->llm_temperature;
    l->cache_ttl_s = cfg->llm_cache_ttl_s;
    l->refresh_s = cfg->llm_refresh_s;
    if (strcmp(cfg->llm_reasoning_effort, "none") != 0)
        sa_strlcpy(l->effort, cfg->llm_reasoning_effort, sizeof l->effort);
    if (!l->enabled)
        goto out;
    sa_strlcpy(l->key, cfg->groq_api_key, sizeof l->key);
    size_t bl = strlen(cfg->groq_base_url);
    while (bl && cfg->groq_base_url[bl - 1] == '/')
        bl--;
    snprintf(l->url, sizeof l->url, "%.*s/chat/completions", (int)bl, cfg->groq_base_url);
    const char *fmt = cfg->llm_response_format[0] ? cfg->llm_response_format : "auto";
    if ((e = parse_models(l, cfg->groq_models, fmt, eb)) != SA_OK)
        goto out;
    if ((e = llm_prompts_load(cfg->prompts_dir, &l->prompts, eb)) != SA_OK)
        goto out;
    l->schema = cJSON_Parse(llm_answer_schema());
    l->cache_cap = LLM_CACHE_FIRST;
    l->cache = calloc(l->cache_cap, sizeof *l->cache);
    if (!l->schema || !l->cache)
        e = sa_fail(eb, SA_ERR_NOMEM, "llm: out of memory");
out:
    if (e != SA_OK) {
        sa_llm_destroy(l);
        return e;
    }
    *out = l;
    return SA_OK;
}

void sa_llm_destroy(sa_llm *l)
{
    if (!l)
        return;
    llm_prompts_release(&l->prompts);
    cJSON_Delete(l->schema);
    free(l->cache);
    memset(l->key, 0, sizeof l->key);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

bool sa_llm_enabled(const sa_llm *l)
{
    return l && l->enabled;
}

/* ---- breaker (mutex held) ---- */

sa_breaker_state llm_breaker_now(sa_llm *l, double now)
{
    if (l->breaker == SA_BREAKER_OPEN && now - l->opened_at >= (double)l->tun.breaker_cooloff_ms) {
        l->breaker = SA_BREAKER_HALF_OPEN;
        l->half_ok = 0;
        l->probe = false;
    }
    return l->breaker;
}

static bool breaker_allow(sa_llm *l, double now)
{
    switch (llm_breaker_now(l, now)) {
    case SA_BREAKER_CLOSED:
        return true;
    case SA_BREAKER_HALF_OPEN:
        if (l->probe)
            return false;
        l->probe = true;
        return true;
    case SA_BREAKER_OPEN:
    default:
        return false;
    }
}

static void breaker_open(sa_llm *l, double now)
{
    l->breaker = SA_BREAKER_OPEN;
    l->opened_at = now;
    l->n_fails = 0;
    l->probe = false;
    sa_log(SA_LOG_WARN, "llm circuit breaker opened", "cooloff_ms=%lld",
           (long long)l->tun.breaker_cooloff_ms);
}

static void breaker_result(sa_llm *l, double now, bool ok)
{
    if (l->breaker == SA_BREAKER_HALF_OPEN) {
        l->probe = false;
        if (!ok) {
            breaker_open(l, now);
        } else if (++l->half_ok >= l->tun.breaker_close_after) {
            l->breaker = SA_BREAKER_CLOSED;
            l->n_fails = 0;
            sa_log(SA_LOG_INFO, "llm circuit breaker closed", "successes=%d", l->half_ok);
        }
        return;
    }
    if (ok || l->breaker != SA_BREAKER_CLOSED)
        return;
    /* keep the failures inside the window */
    size_t k = 0;
    for (size_t i = 0; i < l->n_fails; i++)
        if (now - l->fails[i] < (double)l->tun.breaker_window_ms)
            l->fails[k++] = l->fails[i];
    l->n_fails = k;
    if (l->n_fails < LLM_FAILS_MAX)
        l->fails[l->n_fails++] = now;
    if ((int)l->n_fails >= l->tun.breaker_failures)
        breaker_open(l, now);
}

/* ---- counters (mutex held) ---- */

static void count_request(sa_llm *l, int64_t now, sa_llm_outcome o, int64_t tokens, int64_t pt,
                          int64_t ct, double latency_ms)
{
    l->st.calls_total++;
    l->st.by_outcome[o]++;
    l->st.prompt_tokens_total += (uint64_t)pt;
    l->st.completion_tokens_total += (uint64_t)ct;
    l->st.latency_count++;
    l->st.latency_ms_sum += latency_ms;
    l->st.latency_ms_last = latency_ms;
    int64_t minute = now / 60;
    llm_minute *m = &l->hour[minute % 60];
    if (m->minute != minute) {
        m->minute = minute;
        m->calls = m->tokens = 0;
    }
    m->calls++;
    m->tokens += (uint64_t)tokens;
}

static void note_error(sa_llm *l, int64_t now, const char *err)
{
    sa_strlcpy(l->st.last_error, err, sizeof l->st.last_error);
    l->st.last_error_at = now;
}

/* ---- one step ---- */

typedef enum { NEXT_DONE, NEXT_RETRY, NEXT_MODEL, NEXT_STOP } next_step;

typedef struct {
    const sa_llm_input *in;
    double deadline; /* mono ms */
    unsigned seed;
    const char *system, *user;
    sa_rec *rec;
    sa_llm_status *st;
    int sent;
    sa_llm_outcome last; /* outcome of the last request */
} step;

static void set_err(step *s, const char *fmt, ...) SA_PRINTF(2, 3);
static void set_err(step *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->st->error, sizeof s->st->error, fmt, ap);
    va_end(ap);
}

static char *build_request(const sa_llm *l, const llm_model *m, const char *sys, const char *user)
{
    char *out = NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON *msgs = cJSON_AddArrayToObject(root, "messages");
    cJSON *sm = cJSON_CreateObject(), *um = cJSON_CreateObject();
    if (!root || !msgs || !sm || !um) {
        cJSON_Delete(sm);
        cJSON_Delete(um);
        goto out;
    }
    cJSON_AddItemToArray(msgs, sm);
    cJSON_AddItemToArray(msgs, um);
    cJSON_AddStringToObject(sm, "role", "system");
    cJSON_AddStringToObject(sm, "content", sys);
    cJSON_AddStringToObject(um, "role", "user");
    cJSON_AddStringToObject(um, "content", user);
    cJSON_AddStringToObject(root, "model", m->name);
    cJSON_AddNumberToObject(root, "temperature", l->temperature);
    cJSON_AddNumberToObject(root, "max_completion_tokens", (double)l->max_tokens);
    cJSON_AddBoolToObject(root, "stream", 0);
    if (m->reasoning && l->effort[0])
        cJSON_AddStringToObject(root, "reasoning_effort", l->effort);
    cJSON *rf = cJSON_AddObjectToObject(root, "response_format");
    if (m->strict) {
        cJSON_AddStringToObject(rf, "type", "json_schema");
        cJSON *js = cJSON_AddObjectToObject(rf, "json_schema");
        cJSON_AddStringToObject(js, "name", "scaling_recommendation");
        cJSON_AddBoolToObject(js, "strict", 1);
        cJSON_AddItemToObject(js, "schema", cJSON_Duplicate(l->schema, 1));
    } else {
        cJSON_AddStringToObject(rf, "type", "json_object");
    }
    out = cJSON_PrintUnformatted(root);
out:
    cJSON_Delete(root);
    return out;
}

static double backoff_ms(const sa_llm *l, int attempt, unsigned *seed)
{
    double d = (double)l->tun.backoff_base_ms * pow(2.0, attempt);
    if (d > (double)l->tun.backoff_max_ms)
        d = (double)l->tun.backoff_max_ms;
    return d * (0.5 + 0.5 * (double)rand_r(seed) / (double)RAND_MAX); /* jitter */
}

static void sleep_ms(double ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(fmod(ms, 1000.0) * 1e6)};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static next_step on_success(step *s, const llm_model *m, const llm_http_reply *r, sa_llm_outcome *o,
                            int64_t *pt, int64_t *ct)
{
    llm_reply_meta meta;
    char why[SA_STATUS_MAX] = "";
    const sa_context *c = s->in->ctx;
    sa_err e = llm_reply_parse(r->body.data ? r->body.data : "", r->body.len, c->current_replicas,
                               c->min_replicas, c->max_replicas, s->rec, &meta, why);
    *pt = meta.prompt_tokens;
    *ct = meta.completion_tokens;
    if (e != SA_OK) {
        sa_rec_init(s->rec);
        set_err(s, "%s", why);
        *o = SA_LLM_OUT_INVALID;
        return NEXT_MODEL;
    }
    if (!s->rec->model[0])
        sa_strlcpy(s->rec->model, m->name, sizeof s->rec->model);
    *o = SA_LLM_OUT_OK;
    return NEXT_DONE;
}

/* Model m's rate limit is spent for the next ms milliseconds. */
static void note_limit(sa_llm *l, llm_model *m, double ms)
{
    pthread_mutex_lock(&l->mu);
    m->limited_until = fmax(m->limited_until, sa_mono_ms() + ms);
    pthread_mutex_unlock(&l->mu);
}

static next_step classify(sa_llm *l, step *s, llm_model *m, const llm_http_reply *r, int attempt,
                          double *delay, sa_llm_outcome *o, int64_t *pt, int64_t *ct)
{
    char code[64];
    *o = SA_LLM_OUT_HTTP_4XX;
    if (r->err == SA_ERR_TIMEOUT) {
        set_err(s, "timeout");
        *o = SA_LLM_OUT_TIMEOUT;
        return NEXT_STOP;
    }
    if (r->err == SA_ERR_TOOBIG) {
        set_err(s, "too big: reply over the cap");
        *o = SA_LLM_OUT_TRANSPORT;
        return NEXT_STOP;
    }
    if (r->err != SA_OK) {
        set_err(s, "connection: %s", r->detail);
        *o = SA_LLM_OUT_TRANSPORT;
        *delay = backoff_ms(l, attempt, &s->seed);
        return NEXT_RETRY;
    }
    if (r->status >= 200 && r->status < 300) {
        /* an answer that used up the last of a limit: the next request
         * would be refused until its reset */
        if (r->exhausted && r->reset_ms >= 0)
            note_limit(l, m, r->reset_ms);
        return on_success(s, m, r, o, pt, ct);
    }
    snprintf(s->st->error, sizeof s->st->error, "http %ld", r->status);
    llm_error_code(r->body.data, r->body.len, code, sizeof code);
    if (r->status == 429) {
        double hint = r->retry_after_ms >= 0 ? r->retry_after_ms : r->reset_ms;
        *o = SA_LLM_OUT_RATE_LIMITED;
        *delay = hint >= 0 ? hint : backoff_ms(l, attempt, &s->seed);
        if (hint >= 0)
            note_limit(l, m, hint);
        return NEXT_RETRY;
    }
    if (r->status == 498 || r->status >= 500) {
        *o = SA_LLM_OUT_HTTP_5XX;
        *delay = backoff_ms(l, attempt, &s->seed);
        return NEXT_RETRY;
    }
    if (r->status == 401 || r->status == 403) {
        pthread_mutex_lock(&l->mu);
        l->auth_stopped = true;
        pthread_mutex_unlock(&l->mu);
        sa_log(SA_LOG_ERROR, "llm key refused: calls stopped until the configuration changes",
               "status=%ld", r->status);
        return NEXT_STOP;
    }
    if (!strcmp(code, "model_not_found") || !strcmp(code, "model_decommissioned")) {
        set_err(s, "%s", code);
        pthread_mutex_lock(&l->mu);
        m->skip_until = sa_mono_ms() + (double)l->tun.model_skip_ms;
        pthread_mutex_unlock(&l->mu);
        sa_log(SA_LOG_WARN, "llm model unavailable, skipped for a while", "model=%s code=%s",
               m->name, code);
        return NEXT_MODEL;
    }
    if (!strcmp(code, "json_validate_failed")) {
        set_err(s, "json_validate_failed");
        return NEXT_MODEL;
    }
    return NEXT_STOP; /* 400, 404, 413, other 4xx: a retry would fail alike */
}

/* Try one model; returns how the step goes on. */
static next_step run_model(sa_llm *l, step *s, llm_model *m)
{
    next_step nx = NEXT_MODEL;
    char *req = build_request(l, m, s->system, s->user);
    if (!req) {
        set_err(s, "out of memory");
        return NEXT_STOP;
    }
    for (int attempt = 0; attempt < LLM_ATTEMPTS_MAX; attempt++) {
        double remaining = s->deadline - sa_mono_ms();
        if (remaining < (double)l->tun.min_attempt_ms) {
            if (!s->st->error[0] || s->sent == 0)
                set_err(s, "timeout");
            nx = NEXT_STOP;
            break;
        }
        llm_http_reply r;
        llm_http_reply_init(&r);
        llm_http_post(l->url, l->key, req, (int64_t)remaining, l->tun.ca_file, &r);
        s->sent++;
        double delay = 0;
        sa_llm_outcome o = SA_LLM_OUT_HTTP_4XX;
        int64_t pt = 0, ct = 0;
        nx = classify(l, s, m, &r, attempt, &delay, &o, &pt, &ct);
        pthread_mutex_lock(&l->mu);
        count_request(l, s->in->now, o, pt + ct, pt, ct, r.latency_ms);
        pthread_mutex_unlock(&l->mu);
        s->last = o;
        s->st->prompt_tokens += pt;
        s->st->completion_tokens += ct;
        llm_http_reply_release(&r);
        if (nx != NEXT_RETRY)
            break;
        if (delay > s->deadline - sa_mono_ms() - (double)l->tun.min_attempt_ms) {
            /* the wait would pass the budget: keep the error; a rate
             * limit is the model's own, the next model may still answer */
            nx = o == SA_LLM_OUT_RATE_LIMITED ? NEXT_MODEL : NEXT_STOP;
            break;
        }
        sleep_ms(delay);
        nx = NEXT_MODEL; /* if the attempts run out */
    }
    free(req);
    return nx;
}

static bool run_models(sa_llm *l, step *s)
{
    bool any = false, limited = false;
    for (size_t i = 0; i < l->n_models; i++) {
        llm_model *m = &l->models[i];
        pthread_mutex_lock(&l->mu);
        double now = sa_mono_ms(), wait = m->limited_until - now;
        bool skip = now < m->skip_until;
        pthread_mutex_unlock(&l->mu);
        if (skip)
            continue;
        if (wait > 0.0) {
            /* its rate limit is spent: wait when the budget allows, else
             * the next model, without a request that would be refused */
            if (wait > s->deadline - now - (double)l->tun.min_attempt_ms) {
                set_err(s, "rate limited: %s for %.0f s more", m->name, ceil(wait / 1000.0));
                limited = true;
                continue;
            }
            sleep_ms(wait);
        }
        any = true;
        sa_strlcpy(s->st->model, m->name, sizeof s->st->model);
        next_step nx = run_model(l, s, m);
        if (nx == NEXT_DONE)
            return true;
        if (nx == NEXT_STOP)
            return false;
    }
    if (!any && limited) {
        pthread_mutex_lock(&l->mu);
        l->st.by_outcome[SA_LLM_OUT_SKIPPED]++;
        pthread_mutex_unlock(&l->mu);
    } else if (!any) {
        set_err(s, "no model available (not found or decommissioned)");
    }
    return false;
}

/* Before the step (mutex held): auth stop, cache, the caller's start-by
 * time (before the breaker, which may hand this step its half-open
 * probe), breaker. */
static bool pre_step(sa_llm *l, const sa_llm_input *in, sa_rec *rec, sa_llm_status *st)
{
    if (l->auth_stopped) {
        sa_strlcpy(st->error, "auth stopped", sizeof st->error);
        l->st.by_outcome[SA_LLM_OUT_SKIPPED]++;
        return false;
    }
    llm_entry *e = llm_entry_find(l, in->ctx, false);
    if (e && e->answer.present && e->fp == llm_fingerprint(in) &&
        in->now - e->answered_at < l->cache_ttl_s && in->now >= e->answered_at) {
        *rec = e->answer;
        st->used = true;
        sa_strlcpy(st->model, rec->model, sizeof st->model);
        l->st.by_outcome[SA_LLM_OUT_CACHED]++;
        l->st.steps_answered++;
        return false;
    }
    if (in->start_by_ms > 0.0 && sa_mono_ms() > in->start_by_ms) {
        sa_strlcpy(st->error, "deferred: the cycle's LLM time was spent on other deployments",
                   sizeof st->error);
        l->st.by_outcome[SA_LLM_OUT_SKIPPED]++;
        return false;
    }
    if (!breaker_allow(l, sa_mono_ms())) {
        sa_strlcpy(st->error, "circuit open", sizeof st->error);
        l->st.by_outcome[SA_LLM_OUT_SKIPPED]++;
        return false;
    }
    return true;
}

/* The breaker guards against an unreachable or failing service: only
 * timeouts, transport errors, 5xx and 429 count against it. A reply that
 * the service did give (a bad answer, a 4xx) neither opens nor closes it. */
static bool service_fault(sa_llm_outcome o)
{
    return o == SA_LLM_OUT_TIMEOUT || o == SA_LLM_OUT_TRANSPORT || o == SA_LLM_OUT_HTTP_5XX ||
           o == SA_LLM_OUT_RATE_LIMITED;
}

/* After the step (mutex held): breaker, cache, counters. */
static void post_step(sa_llm *l, const step *s, bool ok)
{
    double now = sa_mono_ms();
    if (s->sent > 0 && (ok || service_fault(s->last)))
        breaker_result(l, now, ok);
    else if (l->breaker == SA_BREAKER_HALF_OPEN)
        l->probe = false;
    if (s->sent > 0)
        llm_entry_find(l, s->in->ctx, true)->asked_at = s->in->now;
    if (ok) {
        llm_entry *e = llm_entry_find(l, s->in->ctx, true);
        e->fp = llm_fingerprint(s->in);
        e->answered_at = s->in->now;
        e->band = llm_band_of(s->in);
        e->answer = *s->rec;
        l->st.steps_answered++;
        sa_strlcpy(l->st.last_model, s->rec->model, sizeof l->st.last_model);
    } else {
        note_error(l, s->in->now, s->st->error);
    }
}

void sa_llm_advise(sa_llm *l, const sa_llm_input *in, sa_rec *rec, sa_llm_status *st)
{
    double t0 = sa_mono_ms();
    sa_buf sys, user;
    sa_buf_init(&sys, SA_PROMPT_MAX);
    sa_buf_init(&user, SA_PROMPT_MAX);
    sa_rec_init(rec);
    memset(st, 0, sizeof *st);
    if (!l || !l->enabled) {
        sa_strlcpy(st->error, "disabled", sizeof st->error);
        goto done;
    }
    pthread_mutex_lock(&l->mu);
    l->st.steps_total++;
    bool go = pre_step(l, in, rec, st);
    pthread_mutex_unlock(&l->mu);
    if (!go)
        goto done;
    step s = {.in = in, .deadline = t0 + (double)l->timeout_ms, .rec = rec, .st = st};
    s.seed = (unsigned)fmod(t0 * 1000.0, 4294967295.0) ^ (unsigned)(uintptr_t)in;
    bool ok = false;
    if (llm_prompt_render(l->prompts.system, in, &sys) != SA_OK ||
        llm_prompt_render(l->prompts.user, in, &user) != SA_OK || !sys.data || !user.data) {
        set_err(&s, "prompt too big");
    } else {
        s.system = sys.data;
        s.user = user.data;
        ok = run_models(l, &s);
    }
    if (ok) {
        st->used = true;
        st->error[0] = '\0';
        sa_strlcpy(st->model, rec->model, sizeof st->model);
    } else {
        sa_rec_init(rec);
        sa_log(SA_LOG_WARN, "llm step failed, rules decide", "deployment=%s error=%s",
               in->ctx->name, st->error);
    }
    pthread_mutex_lock(&l->mu);
    post_step(l, &s, ok);
    pthread_mutex_unlock(&l->mu);
done:
    sa_buf_release(&sys);
    sa_buf_release(&user);
    st->latency_ms = sa_mono_ms() - t0;
}

/* ---- stats ---- */

void sa_llm_stats_get(sa_llm *l, int64_t now, sa_llm_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    *out = l->st;
    out->auth_stopped = l->auth_stopped;
    out->breaker = l->enabled ? llm_breaker_now(l, sa_mono_ms()) : SA_BREAKER_CLOSED;
    int64_t minute = now / 60;
    for (size_t i = 0; i < 60; i++)
        if (l->hour[i].minute > minute - 60 && l->hour[i].minute <= minute) {
            out->calls_last_hour += l->hour[i].calls;
            out->tokens_last_hour += l->hour[i].tokens;
        }
    pthread_mutex_unlock(&l->mu);
}
