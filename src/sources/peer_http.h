/*
 * peer_http.h - one blocking HTTP request to a peer (Prometheus, the
 * Kubernetes API) on libcurl, with a capped reply (SA_CAP_PEER_REPLY), a
 * time limit and an optional bearer token. Private to src/sources.
 *
 * The token goes only into the Authorization header: never into errors or
 * logs. Thread-safety: each call uses its own curl handle.
 */
#ifndef SA_SOURCES_PEER_HTTP_H
#define SA_SOURCES_PEER_HTTP_H

#include <stddef.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/err.h"

typedef struct {
    const char *method;       /* "GET" or "PATCH" */
    const char *url;          /* full URL, already escaped */
    const char *bearer;       /* NULL or "" = no Authorization header */
    const char *ca_file;      /* NULL = system CA bundle */
    const char *content_type; /* of body; NULL = none */
    const char *body;         /* NULL = no body */
    long timeout_ms;          /* whole transfer; > 0 */
    size_t cap;               /* reply cap; 0 = SA_CAP_PEER_REPLY */
} sa_peer_req;

typedef struct {
    long status; /* HTTP status, 0 when no reply */
    sa_buf body; /* the reply body (capped) */
} sa_peer_reply;

void sa_peer_reply_init(sa_peer_reply *r);
void sa_peer_reply_release(sa_peer_reply *r);

/* Send rq and read the whole reply into rp (initialised by the caller;
 * its previous body is discarded). SA_OK whenever a complete HTTP reply
 * came back, whatever its status. Else SA_ERR_TIMEOUT, SA_ERR_TOOBIG
 * (reply over the cap), SA_ERR_UNAVAILABLE (could not connect) or
 * SA_ERR_IO, with a one-line message in eb. */
SA_MUST_CHECK sa_err sa_peer_request(const sa_peer_req *rq, sa_peer_reply *rp, sa_errbuf *eb);

/* Escape s for a URL query or path segment; caller frees with free().
 * NULL on allocation failure. */
char *sa_peer_escape(const char *s);

#endif
