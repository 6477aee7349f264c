/*
 * sa_test.h - shared test helpers: include after cmocka's prerequisites.
 */
#ifndef SA_TEST_H
#define SA_TEST_H

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "scaleadvisor/source.h"

/* cmocka 1.1.5's assert_float_equal casts to float: compare doubles here. */
#define SA_ASSERT_NEAR(a, b, tol)                                                                  \
    do {                                                                                           \
        double sa_a_ = (a), sa_b_ = (b);                                                           \
        if (!(fabs(sa_a_ - sa_b_) <= (tol)))                                                       \
            fail_msg("%s = %.12g, expected %.12g (tol %g)", #a, sa_a_, sa_b_, (double)(tol));      \
    } while (0)

/* A fresh scratch directory under $TMPDIR (or /tmp); caller frees the
 * string and may remove the tree with sa_test_rmtree. */
char *sa_test_tmpdir(const char *tag);
void sa_test_rmtree(const char *path);
/* Path of a file in the source tree ($SA_SOURCE_DIR/rel); caller frees. */
char *sa_test_source_path(const char *rel);
/* Path of a file in ../shared ($SA_SHARED/rel); caller frees. */
char *sa_test_shared_path(const char *rel);
/* Write text to a new file at path; fails the test on error. */
void sa_test_write_file(const char *path, const char *text);

/* src->collect(src, now) on a thread of its own, so a test can watch its
 * requests while they are in flight: start, then join; v, n and e hold
 * what collect returned (free v with sa_src_contexts_free). */
typedef struct {
    sa_src *src;
    int64_t now;
    sa_context *v;
    size_t n;
    sa_err e;
    pthread_t th;
} sa_test_collect;
void sa_test_collect_start(sa_test_collect *c);
void sa_test_collect_join(sa_test_collect *c);

#endif
