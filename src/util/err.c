/*
 * err.c - names of error codes and the sa_fail formatter.
 */
#include <stdarg.h>
#include <stdio.h>

#include "scaleadvisor/err.h"
#include "scaleadvisor/banned.h"

const char *sa_strerror(sa_err e)
{
    switch (e) {
    case SA_OK:
        return "ok";
    case SA_ERR_INVALID:
        return "invalid";
    case SA_ERR_TOOBIG:
        return "too big";
    case SA_ERR_NOMEM:
        return "out of memory";
    case SA_ERR_IO:
        return "i/o error";
    case SA_ERR_TIMEOUT:
        return "timeout";
    case SA_ERR_HTTP:
        return "http error";
    case SA_ERR_PARSE:
        return "parse error";
    case SA_ERR_SCHEMA:
        return "schema error";
    case SA_ERR_DB:
        return "database error";
    case SA_ERR_NOTFOUND:
        return "not found";
    case SA_ERR_DENIED:
        return "denied";
    case SA_ERR_UNAVAILABLE:
        return "unavailable";
    case SA_ERR_CONFLICT:
        return "conflict";
    case SA_ERR_INTERNAL:
        return "internal error";
    }
    return "unknown error";
}

sa_err sa_fail(sa_errbuf *eb, sa_err e, const char *fmt, ...)
{
    if (eb) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(eb->msg, sizeof eb->msg, fmt, ap);
        va_end(ap);
    }
    return e;
}
