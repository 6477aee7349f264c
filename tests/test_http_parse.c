/*
 * test_http_parse.c - the pure part of the HTTP layer: request-target
 * parsing (dot segments, encoded separators, NUL, limits, query decoding)
 * and the DNS-1123, file-name and content-type checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_test.h"
#include "http/http_int.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

/* ---- the pure parser ---- */

static void parse_ok(const char *raw, size_t nseg, size_t nparam)
{
    sa_http_target t;
    sa_errbuf eb = {0};
    sa_err e = sa_http_target_parse(raw, strlen(raw), &t, &eb);
    if (e != SA_OK)
        fail_msg("%s: %s", raw, eb.msg);
    assert_int_equal(t.nseg, nseg);
    assert_int_equal(t.nparam, nparam);
}

static void parse_bad(const char *raw, size_t len, sa_err want)
{
    sa_http_target t;
    sa_errbuf eb = {0};
    sa_err e = sa_http_target_parse(raw, len, &t, &eb);
    if (e != want)
        fail_msg("%.*s: got %s", (int)len, raw, sa_strerror(e));
    assert_true(eb.msg[0] != '\0');
    assert_int_equal(t.nseg, 0);
}

static void test_target_parser(void **state)
{
    (void)state;
    parse_ok("/", 0, 0);
    parse_ok("/?", 0, 0);
    parse_ok("/a/b/c", 3, 0);
    parse_ok("/a?x=1&y=&z", 1, 3);
    parse_ok("/a?x=1&&y=2&", 1, 2);
    parse_ok("/a%20b", 1, 0);
    sa_http_target t;
    sa_errbuf eb = {0};
    const char *raw = "/api/x%41y?namespace=a+b%2Fc&deployment=%C3%A9&flag";
    assert_int_equal(sa_http_target_parse(raw, strlen(raw), &t, &eb), SA_OK);
    assert_string_equal(t.seg[0], "api");
    assert_string_equal(t.seg[1], "xAy");
    assert_string_equal(sa_http_target_param(&t, "namespace"), "a b/c");
    assert_string_equal(sa_http_target_param(&t, "deployment"), "\xc3\xa9");
    assert_string_equal(sa_http_target_param(&t, "flag"), "");
    assert_null(sa_http_target_param(&t, "nope"));
    /* a query value may hold an encoded dot or slash; a path may not */
    raw = "/a?since=2023-11-14T22%3A13%3A20.5Z";
    assert_int_equal(sa_http_target_parse(raw, strlen(raw), &t, &eb), SA_OK);
    assert_string_equal(sa_http_target_param(&t, "since"), "2023-11-14T22:13:20.5Z");

    const char *bad[] = {"",      "a",         "*",       "http://x/", "/..",
                         "/.",    "/a/../b",   "/a/./b",  "//",        "/a/",
                         "/a//b", "/%2e",      "/%2E%2E", "/a%2fb",    "/a%5cb",
                         "/a%00", "/a%0a",     "/a%",     "/a%g0",     "/a%0",
                         "/a b",  "/a\\b",     "/a#b",    "/\x7f",     "/\xc3\xa9",
                         "/?=x",  "/?a=1&a=2", "/?a=%00", "/?a=%1b",   "/?%3D=1&%3D=2"};
    for (size_t i = 0; i < SA_ARRAY_LEN(bad); i++)
        parse_bad(bad[i], strlen(bad[i]), SA_ERR_INVALID);
    parse_bad("/a\0b", 4, SA_ERR_INVALID); /* a raw NUL inside */
    char many[256] = "";
    for (int i = 0; i <= SA_HTTP_MAX_SEGMENTS; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "/s");
    parse_bad(many, strlen(many), SA_ERR_INVALID);
    char params[512] = "/?";
    for (int i = 0; i <= SA_HTTP_MAX_PARAMS; i++)
        snprintf(params + strlen(params), sizeof params - strlen(params), "k%d=1&", i);
    parse_bad(params, strlen(params), SA_ERR_INVALID);
    char *longt = malloc(SA_HTTP_MAX_URL + 2);
    assert_non_null(longt);
    longt[0] = '/';
    memset(longt + 1, 'a', SA_HTTP_MAX_URL);
    parse_bad(longt, SA_HTTP_MAX_URL + 1, SA_ERR_TOOBIG);
    assert_int_equal(sa_http_target_parse(longt, SA_HTTP_MAX_URL, &t, &eb), SA_OK);
    free(longt);
}

static void test_name_checks(void **state)
{
    (void)state;
    const char *labels_ok[] = {"a", "shop", "kube-system", "a1", "0abc", "a-b-c"};
    const char *labels_bad[] = {
        "",  "-a",  "a-",
        "A", "a_b", "a.b",
        "é", "a b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < SA_ARRAY_LEN(labels_ok); i++)
        assert_true(sa_http_dns_label(labels_ok[i]));
    for (size_t i = 0; i < SA_ARRAY_LEN(labels_bad); i++)
        assert_false(sa_http_dns_label(labels_bad[i]));
    assert_true(sa_http_dns_label(
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 63 */
    const char *sub_ok[] = {"web", "web.v2", "a.b.c", "web-1", "x"};
    const char *sub_bad[] = {"", ".web", "web.", "a..b", "Web", "web_1", "a.-b", "a/b"};
    for (size_t i = 0; i < SA_ARRAY_LEN(sub_ok); i++)
        assert_true(sa_http_dns_subdomain(sub_ok[i]));
    for (size_t i = 0; i < SA_ARRAY_LEN(sub_bad); i++)
        assert_false(sa_http_dns_subdomain(sub_bad[i]));
    char s254[300];
    memset(s254, 'a', 254);
    s254[254] = '\0';
    for (int i = 60; i < 254; i += 61)
        s254[i] = '.';
    assert_false(sa_http_dns_subdomain(s254));
    s254[253] = '\0';
    assert_true(sa_http_dns_subdomain(s254));

    assert_true(sa_http_file_segment("app.js"));
    assert_true(sa_http_file_segment("a_b-c.min.css"));
    assert_false(sa_http_file_segment(".env"));
    assert_false(sa_http_file_segment("a b.js"));
    assert_false(sa_http_file_segment(""));
    assert_string_equal(sa_http_mime("x.HTML"), "text/html; charset=utf-8");
    assert_string_equal(sa_http_mime("a.b.svg"), "image/svg+xml");
    assert_null(sa_http_mime("README"));
    assert_null(sa_http_mime("x.md"));
    assert_null(sa_http_mime("x.html.bak"));
}

static void array_case(const char *text, bool ok, size_t count, const char *first)
{
    size_t n = 99, off = 0, len = 0;
    bool got = sa_http_json_array_first(text, strlen(text), &n, &off, &len);
    if (got != ok)
        fail_msg("%s: got %d", text, got);
    if (!ok)
        return;
    assert_int_equal(n, count);
    if (first) {
        if (len != strlen(first) || strncmp(text + off, first, len) != 0)
            fail_msg("%s: first element \"%.*s\", expected \"%s\"", text, (int)len, text + off,
                     first);
    }
}

static void test_json_array_first(void **state)
{
    (void)state;
    array_case("[]", true, 0, NULL);
    array_case(" [ \n ] ", true, 0, NULL);
    array_case("[{\"a\":1}]", true, 1, "{\"a\":1}");
    array_case("[ {\"a\":[1,2,{\"b\":\"],}\"}]} , 2 ]", true, 2, "{\"a\":[1,2,{\"b\":\"],}\"}]}");
    array_case("[\"x\\\"]\",\"y\"]", true, 2, "\"x\\\"]\"");
    array_case("[1,2,3]", true, 3, "1");
    array_case("{}", false, 0, NULL);
    array_case("", false, 0, NULL);
    array_case("[1,2", false, 0, NULL);
    array_case("[\"abc", false, 0, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_parser),
        cmocka_unit_test(test_name_checks),
        cmocka_unit_test(test_json_array_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
