/*
 * llm_int.h - internals of the llm module, shared by its .c files, the
 * tests and the fuzz harness. Not for other modules.
 *
 *   prompt.c  templates: load, check placeholders, render a context
 *   reply.c   parse a chat completion (and error bodies) into a sa_rec
 *   client.c  one HTTP POST with libcurl within a time limit
 *   llm.c     the advisor: models, retries, breaker, counters
 *   economy.c each deployment's last answer; whether to ask again
 */
#ifndef SCALEADVISOR_LLM_INT_H
#define SCALEADVISOR_LLM_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/err.h"
#include "scaleadvisor/llm.h"
#include "scaleadvisor/model.h"

/* ---- prompt.c ---- */

#define SA_PROMPT_MAX (64u * 1024u) /* one template, and one rendered prompt */
#define SA_PROMPT_QUOTE_MAX 200     /* outside text kept per quoted field */

typedef struct {
    char *system; /* owned */
    char *user;   /* owned */
} llm_prompts;

/* Load dir/system.txt and dir/user.txt; every {{name}} must be known and
 * user.txt must name {{deployment}}. On error SA_ERR_INVALID "FILE: why". */
SA_MUST_CHECK sa_err llm_prompts_load(const char *dir, llm_prompts *out, sa_errbuf *eb);
void llm_prompts_release(llm_prompts *p);
/* Render a template with the input's values into out. */
SA_MUST_CHECK sa_err llm_prompt_render(const char *tmpl, const sa_llm_input *in, sa_buf *out);
/* Append s as a quoted, sanitised literal (JSON string escaping, control
 * characters dropped, at most max bytes of s kept, "..." when cut). */
SA_MUST_CHECK sa_err llm_quote(sa_buf *out, const char *s, size_t max);
/* The strict JSON schema of the answer (static text). */
const char *llm_answer_schema(void);

/* ---- reply.c ---- */

typedef struct {
    int64_t prompt_tokens;
    int64_t completion_tokens;
    char model[SA_MODEL_MAX]; /* "model" of the reply */
    char finish_reason[32];
    bool target_was_string; /* numeric string accepted */
} llm_reply_meta;

/* Parse a 200 chat completion body into rec, checking the answer against
 * the deployment bounds [min_replicas, max_replicas] and current replicas.
 * On failure returns SA_ERR_PARSE or SA_ERR_SCHEMA with why[] the named
 * reason ("invalid json", "prose", "empty choices", "length: budget spent
 * reasoning", "schema: target_replicas out of range", ...); meta is filled
 * as far as it could be read. */
SA_MUST_CHECK sa_err llm_reply_parse(const char *body, size_t len, int current, int min_replicas,
                                     int max_replicas, sa_rec *rec, llm_reply_meta *meta,
                                     char why[SA_STATUS_MAX]);
/* Validate just the answer object text (content of the message). */
SA_MUST_CHECK sa_err llm_answer_parse(const char *content, size_t len, int current,
                                      int min_replicas, int max_replicas, sa_rec *rec,
                                      llm_reply_meta *meta, char why[SA_STATUS_MAX]);
/* Read an error body {"error":{"message","type","code"}}: copies the code
 * (or type) into code[size]; "" when the body is not such an object. */
void llm_error_code(const char *body, size_t len, char *code, size_t size);
/* Copy s into dst[size], dropping control characters, collapsing runs of
 * blanks; cut at a UTF-8 boundary. */
void llm_clean_text(char *dst, size_t size, const char *s);

/* ---- client.c ---- */

typedef struct {
    long status;           /* HTTP status; 0 = no reply */
    sa_err err;            /* SA_OK, SA_ERR_TIMEOUT, SA_ERR_TOOBIG, SA_ERR_IO */
    char detail[128];      /* transport error text (no secrets) */
    sa_buf body;           /* capped at SA_CAP_LLM_REPLY */
    double retry_after_ms; /* retry-after header, -1 = absent */
    double reset_ms;       /* x-ratelimit-reset-* hint, -1 = absent */
    bool exhausted;        /* an x-ratelimit-remaining-* header said 0 */
    double latency_ms;
} llm_http_reply;

void llm_http_reply_init(llm_http_reply *r);
void llm_http_reply_release(llm_http_reply *r);
/* POST json to url with "Authorization: Bearer key" within timeout_ms.
 * Always fills r (transport failures in r->err/detail). */
void llm_http_post(const char *url, const char *key, const char *json, int64_t timeout_ms,
                   const char *ca_file, llm_http_reply *r);
/* Parse a Go-style duration ("2m59.56s", "7.66s", "120ms") or plain
 * seconds into milliseconds; -1 when malformed. */
double llm_parse_duration_ms(const char *s);

/* ---- llm.c and economy.c: the handle ---- */

#define LLM_MODELS_MAX 8
/* Deployments remembered (last answer, when last asked): as many as the
 * Kubernetes source lists (SA_K8S_MAX_ITEMS), about 2.5 KB each, grown on
 * demand; past it the oldest entry is reused. */
#define LLM_CACHE_MAX 2048
#define LLM_CACHE_FIRST 64
#define LLM_FAILS_MAX 64
#define LLM_ATTEMPTS_MAX 10 /* per model and step, besides the budget */

typedef struct {
    char name[SA_MODEL_MAX];
    bool strict;       /* json_schema strict, else json_object */
    bool reasoning;    /* send reasoning_effort */
    double skip_until; /* mono ms; not found / decommissioned */
    /* mono ms until which its rate limit (per model at Groq) is spent, as
     * a 429's retry-after or x-ratelimit-reset said, or an answer's
     * x-ratelimit-remaining 0: no request to it before, from any step */
    double limited_until;
} llm_model;

typedef struct {
    char ns[SA_NAME_MAX];
    char name[SA_NAME_MAX];
    uint64_t fp;
    int64_t answered_at; /* epoch s of the input; answer.present when valid */
    int64_t asked_at;    /* epoch s of the last step that sent a request */
    int band;
    sa_rec answer;
} llm_entry;

typedef struct {
    int64_t minute;
    uint64_t calls, tokens;
} llm_minute;

struct sa_llm {
    bool enabled;
    char key[SA_CFG_STR_MAX];
    char url[SA_CFG_STR_MAX + 32];
    llm_model models[LLM_MODELS_MAX];
    size_t n_models;
    int64_t timeout_ms, max_tokens, cache_ttl_s, refresh_s;
    double temperature;
    char effort[16];
    llm_prompts prompts;
    sa_llm_tuning tun;
    struct cJSON *schema; /* parsed once, copied into each request */

    pthread_mutex_t mu;
    /* breaker */
    sa_breaker_state breaker;
    double fails[LLM_FAILS_MAX];
    size_t n_fails;
    double opened_at;
    int half_ok;
    bool probe;
    bool auth_stopped;
    /* cache */
    llm_entry *cache;
    size_t cache_n, cache_cap, cache_next; /* cache_next: round robin when full */
    /* counters */
    sa_llm_stats st;
    llm_minute hour[60];
};

/* llm.c: the breaker's state at now (mono ms), half-open after cool-off. */
sa_breaker_state llm_breaker_now(sa_llm *l, double now);

/* economy.c (mutex held): a deployment's entry (NULL when unknown and
 * !create; a new one, evicting round robin when full, when create); a
 * hash of everything the prompt says; the band of the expected peak
 * against the CPU target (-1 unknown). */
llm_entry *llm_entry_find(sa_llm *l, const sa_context *c, bool create);
uint64_t llm_fingerprint(const sa_llm_input *in);
int llm_band_of(const sa_llm_input *in);

#endif
