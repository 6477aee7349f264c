/*
 * http_srv.h - private to src/http: the server handle, the per-request
 * state, the route table and the response helpers shared by http.c (the
 * daemon and request lifecycle) and http_routes.c (the handlers).
 */
#ifndef SCALEADVISOR_HTTP_SRV_H
#define SCALEADVISOR_HTTP_SRV_H

#include <microhttpd.h>
#include <stdbool.h>

#include "http/http_int.h"
#include "scaleadvisor/buf.h"
#include "scaleadvisor/http.h"
#include "scaleadvisor/metrics.h"

typedef enum {
    R_NONE = 0, /* no route: 404 */
    R_INDEX,
    R_STATIC,
    R_RECS,
    R_RECS_SERVER,
    R_HISTORY,
    R_EVALUATE,
    R_PAUSE,
    R_RESUME,
    R_STOP,
    R_STATUS,
    R_HEALTHZ,
    R_READYZ,
    R_METRICS,
    R_COUNT
} sa_http_route;

typedef struct {
    const char *label; /* the route template, used as the metrics label */
    bool post;         /* POST (mutating, token) rather than GET/HEAD */
} sa_http_route_def;

extern const sa_http_route_def sa_http_routes[R_COUNT];

struct sa_http {
    struct MHD_Daemon *d;
    sa_http_backend be;
    char *token;    /* NULL = mutating endpoints refused */
    char *web_root; /* realpath of web_dir, NULL when missing */
    sa_metrics *reg;
    bool own_reg;
    sa_metric *m_requests; /* counter {route,method,code} */
    sa_metric *m_duration; /* histogram {route} */
    int port;
};

/* One request, made by the URI log callback, freed when it completes. */
typedef struct {
    sa_http *h;
    char raw[SA_HTTP_MAX_URL + 1]; /* the target as sent, when not too long */
    size_t raw_len;
    bool too_long;
    bool started;      /* first access-handler call done */
    bool head;         /* HEAD request */
    bool post;         /* POST request */
    bool body_too_big; /* the upload passed SA_CAP_HTTP_BODY */
    const char *method_label;
    sa_http_route route;
    unsigned status; /* of the response queued, 0 = none yet */
    double t0_ms;
    sa_buf body;
    sa_http_target target;
} sa_http_req;

/* Queue resp (takes it; NULL = out of memory, answered 500) with the
 * security headers, and Cache-Control: no-store unless `cacheable`. */
enum MHD_Result sa_http_queue(struct MHD_Connection *c, sa_http_req *r, unsigned status,
                              struct MHD_Response *resp, bool cacheable);
/* A JSON response taking b's contents (b is left empty). NULL on failure. */
struct MHD_Response *sa_http_json_response(sa_buf *b, const char *content_type);
/* Queue {"error":{"code":code,"message":...}} with status. */
enum MHD_Result sa_http_error(struct MHD_Connection *c, sa_http_req *r, unsigned status,
                              const char *code, const char *fmt, ...) SA_PRINTF(5, 6);
/* Same, with one extra response header (Allow, WWW-Authenticate). */
enum MHD_Result sa_http_error_hdr(struct MHD_Connection *c, sa_http_req *r, unsigned status,
                                  const char *hname, const char *hvalue, const char *code,
                                  const char *fmt, ...) SA_PRINTF(7, 8);

/* Route the parsed target (method checks done by the caller). */
sa_http_route sa_http_match(const sa_http_target *t);
/* Answer a GET/HEAD route. */
enum MHD_Result sa_http_serve_get(sa_http *h, struct MHD_Connection *c, sa_http_req *r);
/* Answer a POST route once its body is in r->body. */
enum MHD_Result sa_http_serve_post(sa_http *h, struct MHD_Connection *c, sa_http_req *r);

#endif
