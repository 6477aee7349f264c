/*
 * util.c - checked parsing, bounded copies, time formatting and clocks.
 * Parsers accept the whole string or nothing: "12abc", " 12" and "" fail.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>
#include <time.h>

#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

sa_err sa_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return SA_ERR_INVALID;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return SA_ERR_INVALID;
    *out = (int64_t)v;
    return SA_OK;
}

sa_err sa_parse_int(const char *s, int min, int max, int *out)
{
    int64_t v;
    if (sa_parse_i64(s, min, max, &v) != SA_OK)
        return SA_ERR_INVALID;
    *out = (int)v;
    return SA_OK;
}

sa_err sa_parse_double(const char *s, double min, double max, double *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return SA_ERR_INVALID;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno == ERANGE || *end || !isfinite(v) || v < min || v > max)
        return SA_ERR_INVALID;
    *out = v;
    return SA_OK;
}

sa_err sa_parse_bool(const char *s, bool *out)
{
    static const char *yes[] = {"true", "1", "yes", "on"};
    static const char *no[] = {"false", "0", "no", "off"};
    if (!s)
        return SA_ERR_INVALID;
    for (size_t i = 0; i < SA_ARRAY_LEN(yes); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return SA_OK;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return SA_OK;
        }
    }
    return SA_ERR_INVALID;
}

size_t sa_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t k = n < size - 1 ? n : size - 1;
        memcpy(dst, src, k);
        dst[k] = '\0';
    }
    return n;
}

void sa_time_iso8601(int64_t epoch_s, char out[32])
{
    time_t t = (time_t)epoch_s;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "%lld", (long long)epoch_s);
}

static int days_from_civil(int y, unsigned m, unsigned d)
{
    /* Howard Hinnant's algorithm: days since 1970-01-01 (proleptic Gregorian). */
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int)doe - 719468;
}

sa_err sa_parse_time(const char *s, double *epoch_s)
{
    if (!s || !*s)
        return SA_ERR_INVALID;
    if (strchr(s, '-') == NULL || s[0] == '-')
        return sa_parse_double(s, -1e12, 1e12, epoch_s);
    int y, mo, d, h = 0, mi = 0, n = 0;
    double sec = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return SA_ERR_INVALID;
    const char *p = s + n;
    if (*p == 'T' || *p == ' ') {
        int n2 = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &n2) != 2 || n2 != 5)
            return SA_ERR_INVALID;
        p += 1 + n2;
        if (*p == ':') {
            char *end;
            if (!isdigit((unsigned char)p[1]))
                return SA_ERR_INVALID;
            sec = strtod(p + 1, &end);
            p = end;
        }
    }
    if (*p == 'Z')
        p++;
    else if (strcmp(p, "+00:00") == 0)
        p += 6;
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec < 0 || sec >= 61)
        return SA_ERR_INVALID;
    *epoch_s = (double)days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400.0 + h * 3600.0 +
               mi * 60.0 + sec;
    return SA_OK;
}

double sa_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double sa_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

bool sa_secure_streq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < la; i++)
        diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    return diff == 0 && lb != 0;
}

typedef struct {
    size_t n, next;
    void (*fn)(void *ctx, size_t i);
    void *ctx;
    pthread_mutex_t mu;
} par_each;

static void *par_work(void *arg)
{
    par_each *w = arg;
    for (;;) {
        size_t i;
        pthread_mutex_lock(&w->mu);
        i = w->next < w->n ? w->next++ : w->n;
        pthread_mutex_unlock(&w->mu);
        if (i == w->n)
            return NULL;
        w->fn(w->ctx, i);
    }
}

void sa_parallel_for(size_t n, size_t threads, void (*fn)(void *ctx, size_t i), void *ctx)
{
    par_each w = {.n = n, .fn = fn, .ctx = ctx};
    pthread_t th[SA_PARALLEL_MAX];
    size_t want = threads < n ? threads : n, started = 0;
    if (want > SA_PARALLEL_MAX)
        want = SA_PARALLEL_MAX;
    pthread_mutex_init(&w.mu, NULL);
    while (started + 1 < want && pthread_create(&th[started], NULL, par_work, &w) == 0)
        started++;
    par_work(&w);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&w.mu);
}

sa_err sa_parse_quantity(const char *s, double *out)
{
    char num[64];
    size_t i = 0, digits = 0;
    if (!s)
        return SA_ERR_INVALID;
    if (s[i] == '+' || s[i] == '-')
        i++;
    while (s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (s[i] == '.') {
        i++;
        while (s[i] >= '0' && s[i] <= '9')
            i++, digits++;
    }
    if (digits == 0 || i >= sizeof num)
        return SA_ERR_INVALID;
    memcpy(num, s, i);
    num[i] = '\0';
    double v = strtod(num, NULL), mult = 1;
    const char *suf = s + i;
    static const struct {
        const char *s;
        double m;
    } sufs[] = {{"", 1},
                {"n", 1e-9},
                {"u", 1e-6},
                {"m", 1e-3},
                {"k", 1e3},
                {"M", 1e6},
                {"G", 1e9},
                {"T", 1e12},
                {"P", 1e15},
                {"E", 1e18},
                {"Ki", 1024.0},
                {"Mi", 1048576.0},
                {"Gi", 1073741824.0},
                {"Ti", 1099511627776.0},
                {"Pi", 1125899906842624.0},
                {"Ei", 1152921504606846976.0}};
    bool found = false;
    for (size_t k = 0; k < SA_ARRAY_LEN(sufs) && !found; k++)
        if (strcmp(suf, sufs[k].s) == 0) {
            mult = sufs[k].m;
            found = true;
        }
    if (!found && (suf[0] == 'e' || suf[0] == 'E')) {
        int ex;
        if (sa_parse_int(suf + 1, -30, 30, &ex) != SA_OK)
            return SA_ERR_INVALID;
        mult = pow(10.0, ex);
        found = true;
    }
    if (!found || !isfinite(v * mult))
        return SA_ERR_INVALID;
    *out = v * mult;
    return SA_OK;
}

int64_t sa_memory_limit_bytes(const char *v2, const char *v1)
{
    const char *paths[2] = {v2 ? v2 : "/sys/fs/cgroup/memory.max",
                            v1 ? v1 : "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    for (size_t i = 0; i < 2; i++) {
        char text[64];
        FILE *f = fopen(paths[i], "r");
        if (!f)
            continue;
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
            text[--n] = '\0';
        int64_t v;
        /* "max" (v2) or a v1 "unlimited" near 2^63: no limit */
        if (sa_parse_i64(text, 1, INT64_C(1) << 50, &v) == SA_OK)
            return v;
        return 0;
    }
    return 0;
}
