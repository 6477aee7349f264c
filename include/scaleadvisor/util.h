/*
 * util.h - small checked helpers: number and boolean parsing with range
 * checks, bounded string copy, time formatting and clocks.
 */
#ifndef SCALEADVISOR_UTIL_H
#define SCALEADVISOR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/err.h"

#define SA_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Whole string must be a base-10 integer in [min, max]; leading/trailing
 * blanks are refused. Returns SA_ERR_INVALID otherwise (out untouched). */
SA_MUST_CHECK sa_err sa_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
SA_MUST_CHECK sa_err sa_parse_int(const char *s, int min, int max, int *out);
/* A resource quantity ("250m", "1.5", "128Mi", "1e3", "100n") as a plain
 * number in base units (cores, bytes). SA_ERR_INVALID when malformed. */
SA_MUST_CHECK sa_err sa_parse_quantity(const char *s, double *out);
/* The memory limit of this process's cgroup in bytes: the first of the
 * files v2 (memory.max) and v1 (memory.limit_in_bytes) that can be read;
 * 0 when neither can or the limit is "max" or absurdly high (no limit).
 * NULL paths take the standard /sys/fs/cgroup places. */
int64_t sa_memory_limit_bytes(const char *v2, const char *v1);
/* Whole string must be a finite number in [min, max]. */
SA_MUST_CHECK sa_err sa_parse_double(const char *s, double min, double max, double *out);
/* true/false, 1/0, yes/no, on/off (case-insensitive). */
SA_MUST_CHECK sa_err sa_parse_bool(const char *s, bool *out);

/* Copy src into dst[size] with truncation and NUL termination. Returns
 * strlen(src) so callers can detect truncation (result >= size). */
size_t sa_strlcpy(char *dst, const char *src, size_t size);

/* Format epoch seconds as "YYYY-MM-DDTHH:MM:SSZ" into out[32]. */
void sa_time_iso8601(int64_t epoch_s, char out[32]);
/* Parse epoch seconds (integer or decimal) or ISO-8601 UTC
 * ("YYYY-MM-DDTHH:MM:SS[.fff]Z", "YYYY-MM-DD HH:MM:SS", optional Z/+00:00). */
SA_MUST_CHECK sa_err sa_parse_time(const char *s, double *epoch_s);

/* Wall clock, epoch seconds. */
double sa_now(void);
/* Monotonic clock in milliseconds, for budgets and durations. */
double sa_mono_ms(void);

/* Constant-time comparison of two strings (length leaks, contents don't). */
bool sa_secure_streq(const char *a, const char *b);

/* Run fn(ctx, i) once for every i in [0, n), taken in order by up to
 * `threads` threads (the caller's one of them; fewer when threads cannot
 * be started, at most SA_PARALLEL_MAX), and return when all are done. fn
 * must be safe to run for different i at once. */
#define SA_PARALLEL_MAX 64
void sa_parallel_for(size_t n, size_t threads, void (*fn)(void *ctx, size_t i), void *ctx);

#endif
