/*
 * sa_alloc.c - a counting allocator for cJSON that fails on demand, and
 * the loop that fails every allocation of an operation in turn.
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "sa_alloc.h"
#include "sa_test.h"
#include "scaleadvisor/banned.h"

static long fail_at = -1; /* allocation number that fails; -1 = none */
static long count;

static void *counting_malloc(size_t n)
{
    if (count++ == fail_at)
        return NULL;
    return malloc(n);
}

long sa_test_fail_each_cjson_alloc(int (*op)(void *ctx), void *ctx)
{
    cJSON_Hooks hooks = {counting_malloc, free};
    cJSON_InitHooks(&hooks);
    fail_at = -1;
    count = 0;
    int rc = op(ctx);
    long total = count;
    if (rc != 0)
        fail_msg("the operation failed with no allocation failing (%d)", rc);
    for (long n = 0; n < total; n++) {
        fail_at = n;
        count = 0;
        if (op(ctx) == 0)
            fail_msg("allocation %ld of %ld failed, yet the operation succeeded", n, total);
    }
    fail_at = -1;
    cJSON_InitHooks(NULL);
    return total;
}
