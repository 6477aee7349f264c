/*
 * fake_peer.h - one scripted in-process HTTP server for tests (libmicrohttpd
 * on 127.0.0.1, ephemeral port). Generic: plays the Groq API for the llm
 * tests and the Kubernetes / Prometheus APIs for the sources tests.
 *
 * A test queues responses; each request takes the first queued response
 * whose method and path prefix match (NULL = any) and plays it: status,
 * headers, body, an optional delay, a hang (until sa_fake_peer_release or
 * the hang limit), or a connection cut after some body bytes. A response
 * may repeat (times > 1, or forever). With nothing queued the peer answers
 * 599 with body "fake_peer: no scripted response" so a test sees it.
 *
 * Every request is recorded (method, path with query, headers, body) so a
 * test checks what the client sent. All waits are bounded; destroy wakes
 * any hang, stops the daemon and frees everything. Thread-safe.
 */
#ifndef SA_FAKE_PEER_H
#define SA_FAKE_PEER_H

#include <stdbool.h>
#include <stddef.h>

#include "scaleadvisor/err.h"

typedef struct sa_fake_peer sa_fake_peer;

/* Longest a hang lasts when never released (ms). */
#define SA_FAKE_HANG_MAX_MS 20000
/* Largest request body recorded (bytes); longer ones are cut here. */
#define SA_FAKE_REQ_BODY_MAX (4u << 20)

typedef struct {
    const char *method;      /* match: NULL = any */
    const char *path_prefix; /* match on the path (without query; with it when the
                                prefix has a '?'): NULL = any */
    int status;              /* e.g. 200 */
    const char *headers;     /* "Name: value" lines separated by \n; NULL = none */
    const char *body;        /* NULL = empty */
    size_t body_len;         /* 0 = strlen(body) */
    int delay_ms;            /* wait before answering (bounded by destroy) */
    bool hang;               /* never answer until released / hang limit */
    long cut_after;          /* >= 0: send this many body bytes, then drop the
                                connection (Content-Length stays full); -1 = no cut */
    int times;               /* how often it plays: 0 or 1 = once; -1 = forever */
} sa_fake_response;

/* A response that plays once: status, no headers, no delay, no cut. */
void sa_fake_response_init(sa_fake_response *r);

typedef struct {
    char method[16];
    char path[1024]; /* with the query string, as sent ("/v1/x?a=b") */
    char *headers;   /* "name: value\n" lines, names lower-case, as received */
    char *body;      /* NUL-terminated; body_len bytes */
    size_t body_len;
} sa_fake_request;

/* Start on 127.0.0.1, port 0. Caller frees with sa_fake_peer_destroy. */
SA_MUST_CHECK sa_err sa_fake_peer_start(sa_fake_peer **out, sa_errbuf *eb);
/* Wake hangs, stop, free. NULL is harmless. */
void sa_fake_peer_destroy(sa_fake_peer *p);

int sa_fake_peer_port(const sa_fake_peer *p);
/* "http://127.0.0.1:PORT" (static inside p, valid until destroy). */
const char *sa_fake_peer_url(const sa_fake_peer *p);

/* Queue a response (copied). */
void sa_fake_peer_push(sa_fake_peer *p, const sa_fake_response *r);
/* Shorthand: status, headers (may be NULL), body (may be NULL), once. */
void sa_fake_peer_push_simple(sa_fake_peer *p, int status, const char *headers, const char *body);
/* Drop every queued response. */
void sa_fake_peer_clear(sa_fake_peer *p);
/* Responses still queued (repeating ones count once). */
size_t sa_fake_peer_pending(sa_fake_peer *p);

/* Let every current and future hang answer now (with its status/body). */
void sa_fake_peer_release(sa_fake_peer *p);

/* Number of requests received so far. */
size_t sa_fake_peer_request_count(sa_fake_peer *p);
/* Request i (0-based, arrival order), or NULL. Borrowed; valid until
 * destroy. */
const sa_fake_request *sa_fake_peer_request(sa_fake_peer *p, size_t i);
/* Wait until at least n requests arrived or timeout_ms passed. */
bool sa_fake_peer_wait_requests(sa_fake_peer *p, size_t n, int timeout_ms);

/* Value of header `name` (case-insensitive) in a recorded request, copied
 * into out[size]; false when absent. */
bool sa_fake_request_header(const sa_fake_request *r, const char *name, char *out, size_t size);

#endif
