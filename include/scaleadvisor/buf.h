/*
 * buf.h - growable text buffer with a hard size cap.
 *
 * All text from outside (HTTP bodies, LLM replies, files) goes through one
 * sa_buf. An append that would pass the cap frees the contents and fails
 * with SA_ERR_TOOBIG, so an oversized reply can never grow memory without
 * bound. The contents are always NUL-terminated (when data != NULL).
 */
#ifndef SCALEADVISOR_BUF_H
#define SCALEADVISOR_BUF_H

#include <stddef.h>
#include "scaleadvisor/err.h"

/* Named caps, in bytes. */
#define SA_CAP_LLM_REPLY (1u << 20)    /* one chat completion reply */
#define SA_CAP_HTTP_BODY (64u * 1024u) /* one request body to our API */
#define SA_CAP_PEER_REPLY (16u << 20)  /* Prometheus / Kubernetes replies */
#define SA_CAP_FILE (64u << 20)        /* CSV / JSON input files */
#define SA_CAP_JSON_OUT (16u << 20)    /* one JSON document we produce */

typedef struct {
    char *data; /* NUL-terminated, or NULL when empty and never grown */
    size_t len;
    size_t alloc;
    size_t cap; /* hard limit on len */
} sa_buf;

/* Set up an empty buffer that may hold at most cap bytes. */
void sa_buf_init(sa_buf *b, size_t cap);
/* Free the contents; b is empty and reusable afterwards (same cap). */
void sa_buf_release(sa_buf *b);
/* Empty the buffer but keep its memory. */
void sa_buf_reset(sa_buf *b);

SA_MUST_CHECK sa_err sa_buf_append(sa_buf *b, const void *p, size_t n);
SA_MUST_CHECK sa_err sa_buf_puts(sa_buf *b, const char *s);
SA_MUST_CHECK sa_err sa_buf_printf(sa_buf *b, const char *fmt, ...) SA_PRINTF(2, 3);
/* Append s as a JSON string literal, with quotes and escapes. */
SA_MUST_CHECK sa_err sa_buf_json_str(sa_buf *b, const char *s);
/* Take the contents (caller frees with free()); b is left empty. Never NULL
 * on SA_OK: an empty buffer yields "". */
SA_MUST_CHECK sa_err sa_buf_detach(sa_buf *b, char **out);

/* Read a whole file ("-" = standard input) into b, within b's cap. */
SA_MUST_CHECK sa_err sa_buf_read_file(sa_buf *b, const char *path, sa_errbuf *eb);

#endif
