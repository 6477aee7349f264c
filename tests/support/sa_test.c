/*
 * sa_test.c - scratch directories and paths for the cmocka suites.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sa_test.h"
#include "scaleadvisor/banned.h"

char *sa_test_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/sa-%s-XXXXXX", base && *base ? base : "/tmp", tag);
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    return strdup(dir);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void sa_test_rmtree(const char *path)
{
    if (path)
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *join_env(const char *var, const char *fallback, const char *rel)
{
    const char *base = getenv(var);
    if (!base || !*base)
        base = fallback;
    size_t n = strlen(base) + strlen(rel) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", base, rel);
    return p;
}

char *sa_test_source_path(const char *rel)
{
    return join_env("SA_SOURCE_DIR", ".", rel);
}

char *sa_test_shared_path(const char *rel)
{
    return join_env("SA_SHARED", "../shared", rel);
}

void sa_test_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void *collect_thread(void *arg)
{
    sa_test_collect *c = arg;
    sa_errbuf eb = {0};
    c->e = c->src->collect(c->src, c->now, &c->v, &c->n, &eb);
    return NULL;
}

void sa_test_collect_start(sa_test_collect *c)
{
    c->v = NULL;
    c->n = 0;
    c->e = SA_OK;
    assert_int_equal(pthread_create(&c->th, NULL, collect_thread, c), 0);
}

void sa_test_collect_join(sa_test_collect *c)
{
    pthread_join(c->th, NULL);
}
