/*
 * err.h - the one error type of scaleadvisor.
 *
 * Every fallible function returns an sa_err (SA_OK = 0) and, when it fails,
 * writes a one-line human message into a caller-owned sa_errbuf. On success
 * the errbuf is left untouched. The enum names what the caller must do.
 */
#ifndef SCALEADVISOR_ERR_H
#define SCALEADVISOR_ERR_H

#include <stddef.h>

#define SA_MUST_CHECK __attribute__((warn_unused_result))
#define SA_PRINTF(a, b) __attribute__((format(printf, a, b)))

typedef enum {
    SA_OK = 0,
    SA_ERR_INVALID,     /* bad input from outside: fix the input */
    SA_ERR_TOOBIG,      /* input or reply over a named cap */
    SA_ERR_NOMEM,       /* allocation failed */
    SA_ERR_IO,          /* file or socket I/O failed */
    SA_ERR_TIMEOUT,     /* the time budget ran out */
    SA_ERR_HTTP,        /* a peer answered with an HTTP error status */
    SA_ERR_PARSE,       /* a peer's or file's text is not well-formed */
    SA_ERR_SCHEMA,      /* well-formed, but a field is missing or out of range */
    SA_ERR_DB,          /* SQLite failed */
    SA_ERR_NOTFOUND,    /* the named thing does not exist */
    SA_ERR_DENIED,      /* not allowed (auth, RBAC, paused) */
    SA_ERR_UNAVAILABLE, /* peer down, circuit open, not configured */
    SA_ERR_CONFLICT,    /* concurrent modification; re-read and retry */
    SA_ERR_INTERNAL     /* a bug: should not happen */
} sa_err;

#define SA_ERRBUF_SIZE 512

/* Caller-owned message buffer. Zero-initialise it: sa_errbuf eb = {0}; */
typedef struct {
    char msg[SA_ERRBUF_SIZE];
} sa_errbuf;

/* Static name of the code, e.g. "invalid". Never NULL. */
const char *sa_strerror(sa_err e);

/* Format a message into eb (may be NULL) and return e, so that a failing
 * path reads `return sa_fail(eb, SA_ERR_INVALID, "bad port %s", s);` */
sa_err sa_fail(sa_errbuf *eb, sa_err e, const char *fmt, ...) SA_PRINTF(3, 4);

#endif
