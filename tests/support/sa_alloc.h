/*
 * sa_alloc.h - fail cJSON's allocations one at a time (STYLE.md rule 18).
 */
#ifndef SA_ALLOC_H
#define SA_ALLOC_H

/* Run op(ctx) with cJSON's allocator counting, once with no failure (op
 * must return 0), then once for every N below that count with the Nth
 * allocation failing (op must return non-zero: a clean error, nothing
 * half-built; LeakSanitizer checks that nothing leaks). op does its own
 * extra asserts. Restores cJSON's default allocator. Returns the count of
 * allocations of the clean run. */
long sa_test_fail_each_cjson_alloc(int (*op)(void *ctx), void *ctx);

#endif
