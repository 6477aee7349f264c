/*
 * llm_int.h - internals of the llm module, shared by its .c files, the
 * tests and the fuzz harness. Not for other modules.
 *
 *   prompt.c  templates: load, check placeholders, render a context
 *   reply.c   parse a chat completion (and error bodies) into a sa_rec
 *   client.c  one HTTP POST with libcurl within a time limit
 *   llm.c     the advisor: models, retries, breaker, cache, counters
 */
#ifndef SCALEADVISOR_LLM_INT_H
#define SCALEADVISOR_LLM_INT_H

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

#endif
