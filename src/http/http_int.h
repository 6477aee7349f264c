/*
 * http_int.h - internals of the HTTP module, shared by its .c files, its
 * test and its fuzz harness: request-target parsing (pure, no allocation),
 * name validation, file types, and the limits the server enforces.
 */
#ifndef SCALEADVISOR_HTTP_INT_H
#define SCALEADVISOR_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "scaleadvisor/err.h"

#define SA_HTTP_MAX_URL 2048      /* bytes of the request target -> 414 */
#define SA_HTTP_MAX_HEADERS 8192  /* bytes of all request headers -> 431 */
#define SA_HTTP_MAX_SEGMENTS 16   /* path segments */
#define SA_HTTP_MAX_PARAMS 16     /* query parameters */
#define SA_HTTP_MAX_FILE_NAME 128 /* bytes of one static path segment */

typedef struct {
    const char *key;   /* decoded, non-empty, points into the target's store */
    const char *value; /* decoded, may be "" */
} sa_http_param;

/*
 * A request target ("/a/b?k=v") split and percent-decoded. Every pointer
 * points into `store`, so the struct is self-contained (copying it by value
 * is not allowed; keep it in place).
 */
typedef struct {
    char store[SA_HTTP_MAX_URL + 2 * SA_HTTP_MAX_PARAMS + SA_HTTP_MAX_SEGMENTS + 8];
    const char *seg[SA_HTTP_MAX_SEGMENTS]; /* decoded path segments; "/" has none */
    size_t nseg;
    sa_http_param param[SA_HTTP_MAX_PARAMS];
    size_t nparam;
} sa_http_target;

/*
 * Parse raw[0..len) (the target exactly as the client sent it, not
 * NUL-terminated necessarily). Refused with SA_ERR_INVALID and a one-line
 * reason in eb: not starting with '/', a fragment, raw bytes outside
 * printable ASCII (NUL, controls, 8-bit), a backslash, an empty segment
 * ("//", trailing "/"), a "." or ".." segment, a bad %-escape, an encoded
 * '.', '/', '\' or control byte (NUL included) in the path, a control byte
 * in a decoded query value, an empty or repeated query key, more than
 * SA_HTTP_MAX_SEGMENTS segments or SA_HTTP_MAX_PARAMS parameters.
 * SA_ERR_TOOBIG when len > SA_HTTP_MAX_URL. In the query, '+' means space.
 */
SA_MUST_CHECK sa_err sa_http_target_parse(const char *raw, size_t len, sa_http_target *t,
                                          sa_errbuf *eb);
/* Value of query parameter key, or NULL when absent. Borrowed from t. */
const char *sa_http_target_param(const sa_http_target *t, const char *key);

/* DNS-1123 label: 1..63 of [a-z0-9-], starting and ending alphanumeric
 * (Kubernetes namespace names). */
bool sa_http_dns_label(const char *s);
/* DNS-1123 subdomain: 1..253, dot-separated DNS-1123 labels-like parts of
 * [a-z0-9-] (Kubernetes deployment names). */
bool sa_http_dns_subdomain(const char *s);
/* A static file path segment we serve: 1..SA_HTTP_MAX_FILE_NAME of
 * [A-Za-z0-9._-], not starting with '.'. */
bool sa_http_file_segment(const char *s);
/* Content-Type for a served file name by its extension, or NULL for a type
 * we do not serve (the file is then "not found"). */
const char *sa_http_mime(const char *name);

/* Count the top-level elements of the JSON array text s[0..n) and locate
 * the first one (offset and length, surrounding blanks excluded), so that
 * it can be answered byte for byte as the service wrote it. The text must
 * be valid JSON; false when it is not an array or ends early. */
bool sa_http_json_array_first(const char *s, size_t n, size_t *count, size_t *off, size_t *len);

#endif
