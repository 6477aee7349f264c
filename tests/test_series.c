/*
 * test_series.c - the timestamp,value CSV reader: good input in its
 * accepted variants, and every refused case with the line it names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_test.h"
#include "scaleadvisor/series.h"
#include "scaleadvisor/banned.h"

static sa_err parse(const char *text, sa_series *s, sa_errbuf *eb)
{
    return sa_series_parse(text, strlen(text), "in.csv", s, eb);
}

/* Expect SA_ERR_INVALID with a message containing want. */
static void expect_bad(const char *text, const char *want)
{
    sa_series s;
    sa_errbuf eb = {0};
    assert_int_equal(parse(text, &s, &eb), SA_ERR_INVALID);
    if (!strstr(eb.msg, want))
        fail_msg("message '%s' lacks '%s'", eb.msg, want);
    assert_null(s.t);
    assert_int_equal(s.n, 0);
}

static void good_epoch_and_iso(void **st)
{
    (void)st;
    sa_series s;
    sa_errbuf eb = {0};
    assert_int_equal(parse("timestamp,value\n1700000000,1.5\n"
                           "2023-11-14T22:15:00Z,2\n1700000200.5, -3e2 \n",
                           &s, &eb),
                     SA_OK);
    assert_int_equal(s.n, 3);
    SA_ASSERT_NEAR(s.t[0], 1700000000.0, 0);
    SA_ASSERT_NEAR(s.t[1], 1700000100.0, 0);
    SA_ASSERT_NEAR(s.t[2], 1700000200.5, 0);
    SA_ASSERT_NEAR(s.v[0], 1.5, 0);
    SA_ASSERT_NEAR(s.v[2], -300.0, 0);
    assert_int_equal(s.line[0], 2);
    assert_int_equal(s.line[2], 4);
    assert_int_equal(s.n_missing, 0);
    sa_series_release(&s);
    assert_null(s.v);
    sa_series_release(&s); /* twice is harmless */
}

static void crlf_blank_lines_no_trailing_newline(void **st)
{
    (void)st;
    sa_series s;
    sa_errbuf eb = {0};
    assert_int_equal(parse("Timestamp, Value\r\n0,1\r\n\r\n60,2\r\n120,3", &s, &eb), SA_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.line[1], 4);
    SA_ASSERT_NEAR(s.v[2], 3.0, 0);
    SA_ASSERT_NEAR(sa_series_step(&s), 60.0, 0);
    sa_series_release(&s);
}

static void empty_value_is_missing(void **st)
{
    (void)st;
    sa_series s;
    sa_errbuf eb = {0};
    assert_int_equal(parse("timestamp,value\n0,1\n60,\n120, \n180,4\n", &s, &eb), SA_OK);
    assert_int_equal(s.n, 4);
    assert_true(isnan(s.v[1]));
    assert_true(isnan(s.v[2]));
    assert_int_equal(s.n_missing, 2);
    sa_series_release(&s);
}

static void bad_cases_name_the_line(void **st)
{
    (void)st;
    expect_bad("", "empty file");
    expect_bad("timestamp,value\n", "no data rows");
    expect_bad("timestamp,value\r\n\r\n", "no data rows");
    expect_bad("time,value\n0,1\n", "in.csv:1: expected the header");
    expect_bad("0,1\n60,2\n", "in.csv:1: expected the header");
    expect_bad("timestamp,value\n0,1\n60,abc\n", "in.csv:3: value 'abc'");
    expect_bad("timestamp,value\n0,1\n60,nan\n", "in.csv:3:");
    expect_bad("timestamp,value\n0,inf\n", "in.csv:2:");
    expect_bad("timestamp,value\n0,1e999\n", "in.csv:2:");
    expect_bad("timestamp,value\n0,1\nyesterday,2\n", "in.csv:3: bad timestamp");
    expect_bad("timestamp,value\n0,1\n2023-13-01T00:00:00Z,2\n", "in.csv:3: bad timestamp");
    expect_bad("timestamp,value\n0,1\n,2\n", "in.csv:3: bad timestamp");
    expect_bad("timestamp,value\n60,1\n60,2\n", "in.csv:3: timestamp '60' is not after");
    expect_bad("timestamp,value\n60,1\n0,2\n", "in.csv:3:");
    expect_bad("timestamp,value\n0,1\n60\n", "in.csv:3: expected 'timestamp,value'");
    expect_bad("timestamp,value\n0,1,2\n", "in.csv:2: more than two fields");
    expect_bad("timestamp,value\n0,1\n\n\n180,x\n", "in.csv:5:");
}

static void nul_byte_refused(void **st)
{
    (void)st;
    const char text[] = "timestamp,value\n0,1\0\n";
    sa_series s;
    sa_errbuf eb = {0};
    assert_int_equal(sa_series_parse(text, sizeof text - 1, "x", &s, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, "NUL"));
}

static void read_file_and_missing_file(void **st)
{
    (void)st;
    char *dir = sa_test_tmpdir("series");
    char path[512];
    snprintf(path, sizeof path, "%s/s.csv", dir);
    sa_test_write_file(path, "timestamp,value\n0,1\n300,2\n600,x\n");
    sa_series s;
    sa_errbuf eb = {0};
    assert_int_equal(sa_series_read(path, &s, &eb), SA_ERR_INVALID);
    assert_non_null(strstr(eb.msg, "s.csv:4:"));
    sa_test_write_file(path, "timestamp,value\n0,1\n300,2\n600,3\n");
    assert_int_equal(sa_series_read(path, &s, &eb), SA_OK);
    assert_int_equal(s.n, 3);
    sa_series_release(&s);
    snprintf(path, sizeof path, "%s/none.csv", dir);
    assert_int_equal(sa_series_read(path, &s, &eb), SA_ERR_IO);
    sa_test_rmtree(dir);
    free(dir);
}

static void real_trace_reads(void **st)
{
    (void)st;
    char *path = sa_test_shared_path("data/traces/nyc_taxi.csv");
    sa_series s;
    sa_errbuf eb = {0};
    if (sa_series_read(path, &s, &eb) != SA_OK)
        fail_msg("%s", eb.msg);
    assert_int_equal(s.n, 10320);
    SA_ASSERT_NEAR(sa_series_step(&s), 1800.0, 0);
    assert_int_equal(s.n_missing, 0);
    sa_series_release(&s);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_epoch_and_iso),
        cmocka_unit_test(crlf_blank_lines_no_trailing_newline),
        cmocka_unit_test(empty_value_is_missing),
        cmocka_unit_test(bad_cases_name_the_line),
        cmocka_unit_test(nul_byte_refused),
        cmocka_unit_test(read_file_and_missing_file),
        cmocka_unit_test(real_trace_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
