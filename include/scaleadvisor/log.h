/*
 * log.h - structured log lines on standard error, one JSON object a line:
 * {"time":"...","level":"info","msg":"...","key":"value",...}
 *
 * Fields come as a printf format of space-separated key=value pairs:
 *   sa_log(SA_LOG_INFO, "cycle done", "deployments=%d ms=%.1f", n, ms);
 * A value runs up to the next " key=" (key: [a-z0-9_]+). Never pass a
 * secret (API key, token) to a log call. Thread-safe: one write per line.
 */
#ifndef SCALEADVISOR_LOG_H
#define SCALEADVISOR_LOG_H

#include "scaleadvisor/err.h"

typedef enum { SA_LOG_DEBUG = 0, SA_LOG_INFO, SA_LOG_WARN, SA_LOG_ERROR, SA_LOG_OFF } sa_log_level;

/* Set once at start-up, before threads start. Default SA_LOG_INFO. */
void sa_log_set_level(sa_log_level lvl);
SA_MUST_CHECK sa_err sa_log_parse_level(const char *s, sa_log_level *out);
void sa_log(sa_log_level lvl, const char *msg, const char *fields_fmt, ...) SA_PRINTF(3, 4);

#endif
