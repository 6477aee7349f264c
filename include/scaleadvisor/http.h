/*
 * http.h - the HTTP server (libmicrohttpd): dashboard files from web/, the
 * JSON API of ../shared/interface.md, /metrics, /healthz, /readyz.
 *
 * The server knows nothing of the control loop: it reads and acts through
 * a backend vtable that the service provides (and tests fake). Every
 * backend call may come from any of the server's threads at once.
 *
 * The server validates everything from the URL before the backend sees it:
 * namespaces are DNS-1123 labels, names DNS-1123 subdomains, `since` >= 0,
 * `limit` in 1..10000; mutating calls come only with the right token. What
 * the backend appends must be valid JSON (or Prometheus text for metrics).
 * A backend error becomes: SA_ERR_NOTFOUND 404 (recommendations: an empty
 * list), SA_ERR_UNAVAILABLE / SA_ERR_TIMEOUT 503, SA_ERR_CONFLICT /
 * SA_ERR_DENIED 409 with the errbuf message, anything else 500 with the
 * detail logged only. A NULL callback answers 503 (ready: not ready).
 * The full HTTP behaviour is in docs/http.md.
 */
#ifndef SCALEADVISOR_HTTP_H
#define SCALEADVISOR_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/err.h"

typedef struct {
    void *ctx;
    /* Append a JSON array of the latest recommendation objects, filtered
     * (NULL = any) by namespace and deployment name. */
    sa_err (*recommendations)(void *ctx, const char *ns, const char *name, sa_buf *out);
    /* Append the history object of one deployment since `since` (epoch s):
     * {"deployment":..,"samples":[..],"forecast":[..],"decisions":[..]}.
     * SA_ERR_NOTFOUND for an unknown deployment. */
    sa_err (*history)(void *ctx, const char *ns, const char *name, int64_t since, int limit,
                      sa_buf *out);
    /* Evaluate one deployment now; append its recommendation object.
     * SA_ERR_NOTFOUND for an unknown deployment. */
    sa_err (*evaluate)(void *ctx, const char *ns, const char *name, sa_buf *out, sa_errbuf *eb);
    /* Append the service status object (mode, source, llm state, paused). */
    sa_err (*status)(void *ctx, sa_buf *out);
    /* Pause or resume actuation (emergency stop = pause with stop=true).
     * The answer to the POST is then the status object. */
    sa_err (*set_paused)(void *ctx, bool paused, bool emergency_stop, sa_errbuf *eb);
    /* Readiness: true once the first cycle has completed. */
    bool (*ready)(void *ctx);
    /* Liveness: seconds the control loop has been stuck past its limit,
     * 0 = live (NULL = always live). /healthz answers 503 then. */
    int64_t (*stalled_s)(void *ctx);
    /* Append the service's own metrics in Prometheus text format. */
    sa_err (*metrics)(void *ctx, sa_buf *out);
} sa_http_backend;

/* Forward declaration (scaleadvisor/metrics.h). */
typedef struct sa_metrics sa_metrics;

typedef struct {
    const char *host;      /* "127.0.0.1" (IPv4 or IPv6 literal; NULL = 127.0.0.1) */
    int port;              /* 0 = ephemeral; read the bound port back */
    const char *web_dir;   /* directory of the dashboard files (NULL or missing =
                            * static files answer 404, with a warning logged) */
    const char *api_token; /* "" or NULL = mutating endpoints refused (401) */
    /* Optional, zero = default: */
    sa_metrics *metrics; /* borrowed registry for the server's request
                          * metrics (must outlive the server); NULL = the
                          * server keeps its own. If you pass yours, do not
                          * render it again in backend.metrics. */
    int max_connections; /* concurrent connections; 0 = 64 */
    int timeout_s;       /* idle connection timeout in seconds; 0 = 30 */
} sa_http_options;

typedef struct sa_http sa_http;

/* Start serving on its own threads. Caller frees with sa_http_destroy. */
SA_MUST_CHECK sa_err sa_http_create(const sa_http_options *o, const sa_http_backend *be,
                                    sa_http **out, sa_errbuf *eb);
/* The bound port (useful with port 0). */
int sa_http_port(const sa_http *h);
/* Stop accepting, finish in-flight requests, free. NULL is harmless. */
void sa_http_destroy(sa_http *h);

#endif
