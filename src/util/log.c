/*
 * log.c - JSON log lines on stderr. The level is set once at start-up;
 * each line is built in a local buffer and written with one fputs under
 * the stdio lock, so lines from threads never interleave.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/log.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

static sa_log_level min_level = SA_LOG_INFO;

static const char *level_names[] = {"debug", "info", "warn", "error", "off"};

void sa_log_set_level(sa_log_level lvl)
{
    min_level = lvl;
}

sa_err sa_log_parse_level(const char *s, sa_log_level *out)
{
    for (size_t i = 0; i < SA_ARRAY_LEN(level_names); i++)
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (sa_log_level)i;
            return SA_OK;
        }
    return SA_ERR_INVALID;
}

/* A key starts at p when p is [a-z0-9_]+ followed by '='. */
static size_t key_len(const char *p)
{
    size_t n = 0;
    while (islower((unsigned char)p[n]) || isdigit((unsigned char)p[n]) || p[n] == '_')
        n++;
    return n > 0 && p[n] == '=' ? n : 0;
}

static sa_err append_fields(sa_buf *b, const char *f)
{
    sa_err e = SA_OK;
    char key[64], val[2048];
    while (e == SA_OK && *f) {
        size_t kl = key_len(f);
        if (!kl || kl >= sizeof key)
            break;
        memcpy(key, f, kl);
        key[kl] = '\0';
        const char *v = f + kl + 1, *end = v;
        while (*end && !(*end == ' ' && key_len(end + 1)))
            end++;
        size_t vl = (size_t)(end - v) < sizeof val - 1 ? (size_t)(end - v) : sizeof val - 1;
        memcpy(val, v, vl);
        val[vl] = '\0';
        e = sa_buf_puts(b, ",");
        if (e == SA_OK)
            e = sa_buf_json_str(b, key);
        if (e == SA_OK)
            e = sa_buf_puts(b, ":");
        if (e == SA_OK)
            e = sa_buf_json_str(b, val);
        f = *end ? end + 1 : end;
    }
    return e;
}

void sa_log(sa_log_level lvl, const char *msg, const char *fields_fmt, ...)
{
    if (lvl < min_level || lvl >= SA_LOG_OFF)
        return;
    char fields[4096] = "";
    if (fields_fmt && *fields_fmt) {
        va_list ap;
        va_start(ap, fields_fmt);
        vsnprintf(fields, sizeof fields, fields_fmt, ap);
        va_end(ap);
    }
    char ts[32];
    double now = sa_now();
    sa_time_iso8601((int64_t)now, ts);
    sa_buf b;
    sa_buf_init(&b, 16384);
    ts[19] = '\0'; /* drop the Z, add milliseconds */
    sa_err e = sa_buf_printf(&b, "{\"time\":\"%s.%03dZ\",\"level\":\"%s\",\"msg\":", ts,
                             (int)((now - (double)(int64_t)now) * 1000), level_names[lvl]);
    if (e == SA_OK)
        e = sa_buf_json_str(&b, msg);
    if (e == SA_OK)
        e = append_fields(&b, fields);
    if (e == SA_OK)
        e = sa_buf_puts(&b, "}\n");
    if (e == SA_OK) {
        flockfile(stderr);
        fputs(b.data, stderr);
        fflush(stderr);
        funlockfile(stderr);
    }
    sa_buf_release(&b);
}
