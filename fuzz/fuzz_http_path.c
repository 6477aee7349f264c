/*
 * fuzz_http_path.c - libFuzzer harness for the HTTP request-target parser
 * and the name checks that follow it. Beyond "no crash, no sanitizer
 * report", it checks the invariants the static-file and API code rely on:
 * no accepted segment is empty, ".", "..", or holds '/', '\' or a NUL;
 * no accepted path segment decoded from an escape holds a dot; every
 * query key is non-empty and unique. Also drives the JSON array scanner.
 * Build: see docs/http.md (clang, -DSA_FUZZ=ON).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/http/http_int.h"
#include "scaleadvisor/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_segment(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strchr(s, '/') || strchr(s, '\\'))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            abort();
    /* a file segment never begins with a dot and never holds a slash */
    if (sa_http_file_segment(s) && (s[0] == '.' || strchr(s, '/')))
        abort();
    if (sa_http_dns_label(s) && (n > 63 || strchr(s, '.')))
        abort();
    if (sa_http_dns_subdomain(s) && (n > 253 || s[0] == '.' || s[n - 1] == '.' || strstr(s, "..")))
        abort();
    (void)sa_http_mime(s);
}

/* The array scanner that picks one deployment's object out of the
 * service's list: never reads past the end, and what it returns lies
 * inside the input. */
static void check_array_scan(const uint8_t *data, size_t size)
{
    size_t n = 0, off = 0, len = 0;
    if (sa_http_json_array_first((const char *)data, size, &n, &off, &len) &&
        (off > size || len > size - off || (n == 0 && len != 0)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_array_scan(data, size);
    sa_http_target t;
    sa_errbuf eb = {0};
    sa_err e = sa_http_target_parse((const char *)data, size, &t, &eb);
    if (e != SA_OK) {
        if (eb.msg[0] == '\0' || t.nseg != 0 || t.nparam != 0)
            abort();
        return 0;
    }
    if (size == 0 || data[0] != '/' || size > SA_HTTP_MAX_URL || memchr(data, 0, size))
        abort();
    if (t.nseg > SA_HTTP_MAX_SEGMENTS || t.nparam > SA_HTTP_MAX_PARAMS)
        abort();
    /* the raw path holds no escaped dot, so a decoded dot came in raw */
    size_t raw_dots = 0, dec_dots = 0;
    for (size_t i = 0; i < size && data[i] != '?'; i++)
        raw_dots += data[i] == '.';
    for (size_t i = 0; i < t.nseg; i++) {
        check_segment(t.seg[i]);
        for (const char *p = t.seg[i]; *p; p++)
            dec_dots += *p == '.';
    }
    if (dec_dots != raw_dots)
        abort();
    for (size_t i = 0; i < t.nparam; i++) {
        if (t.param[i].key[0] == '\0')
            abort();
        for (size_t j = 0; j < i; j++)
            if (strcmp(t.param[i].key, t.param[j].key) == 0)
                abort();
        if (sa_http_target_param(&t, t.param[i].key) != t.param[i].value)
            abort();
    }
    return 0;
}
