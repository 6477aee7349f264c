/*
 * test_codec.c - context JSON parsing (every malformed case, caps, round
 * trip, failing every allocation in turn) and the recommendation object.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sa_alloc.h"
#include "sa_test.h"
#include "scaleadvisor/buf.h"
#include "scaleadvisor/codec.h"
#include "scaleadvisor/banned.h"

static const char *example =
    "{\"deployment\": {\"name\": \"web\", \"namespace\": \"shop\",\n"
    "  \"current_replicas\": 3, \"min_replicas\": 2, \"max_replicas\": 10},\n"
    " \"metrics\": {\"cpu_percent\": 182.0, \"memory_percent\": 41.5, \"ready_pods\": 3},\n"
    " \"history\": [{\"timestamp\": 1700000000, \"cpu_percent\": 60.1,\n"
    "   \"memory_percent\": 40.0, \"replicas\": 3},\n"
    "  {\"timestamp\": \"2023-11-14T22:14:20Z\", \"cpu_percent\": 61.0, \"replicas\": 3}],\n"
    " \"hpa\": {\"target_cpu_percent\": 70, \"current_replicas\": 3, \"desired_replicas\": 8}}";

static sa_err parse(const char *text, sa_context *c, sa_errbuf *eb)
{
    return sa_codec_context_parse(text, strlen(text), c, eb);
}

static void parses_interface_example(void **st)
{
    (void)st;
    sa_context c;
    sa_context_init(&c);
    sa_errbuf eb = {0};
    assert_int_equal(parse(example, &c, &eb), SA_OK);
    assert_string_equal(c.name, "web");
    assert_string_equal(c.namespace_, "shop");
    assert_int_equal(c.current_replicas, 3);
    assert_int_equal(c.min_replicas, 2);
    assert_int_equal(c.max_replicas, 10);
    SA_ASSERT_NEAR(c.cpu_percent, 182.0, 0);
    SA_ASSERT_NEAR(c.memory_percent, 41.5, 0);
    assert_true(isnan(c.request_rate));
    assert_int_equal(c.ready_pods, 3);
    assert_int_equal(c.observed_at, 0);
    assert_int_equal(c.n_history, 2);
    assert_int_equal(c.history[0].timestamp, 1700000000);
    assert_int_equal(c.history[1].timestamp, 1700000060);
    SA_ASSERT_NEAR(c.history[0].cpu_percent, 60.1, 0);
    assert_true(isnan(c.history[1].memory_percent));
    assert_int_equal(c.history[1].replicas, 3);
    assert_true(c.has_hpa);
    assert_int_equal(c.hpa_desired_replicas, 8);
    SA_ASSERT_NEAR(c.target_cpu_percent, 70.0, 0);
    assert_int_equal(c.preset, SA_PRESET_BALANCED);
    assert_true(isnan(c.startup_s)); /* not given: the configured one */
    assert_string_equal(c.degraded, "");
    assert_string_equal(eb.msg, "");
    sa_context_release(&c);
}

static void defaults_and_extras(void **st)
{
    (void)st;
    sa_context c;
    sa_context_init(&c);
    sa_errbuf eb = {0};
    const char *t =
        "{\"deployment\":{\"name\":\"api.v2\",\"current_replicas\":0,\"min_replicas\":12,"
        "\"preset\":\"aggressive\",\"startup_seconds\":180},"
        "\"metrics\":{\"cpu_percent\":null,\"request_rate\":12.5,"
        "\"observed_at\":\"2026-11-22T10:00:00Z\",\"ready_pods\":null},"
        "\"hpa\":{\"target_cpu_percent\":55},\"degraded\":\"prometheus: timeout\","
        "\"unknown_key\":[1,2,3]}";
    assert_int_equal(parse(t, &c, &eb), SA_OK);
    assert_string_equal(c.namespace_, "default");
    assert_int_equal(c.min_replicas, 12);
    assert_int_equal(c.max_replicas, 12); /* default 10 raised to min */
    assert_int_equal(c.preset, SA_PRESET_AGGRESSIVE);
    SA_ASSERT_NEAR(c.startup_s, 180.0, 0);
    assert_true(isnan(c.cpu_percent));
    SA_ASSERT_NEAR(c.request_rate, 12.5, 0);
    assert_int_equal(c.ready_pods, -1);
    assert_int_equal(c.observed_at, 1795341600);
    SA_ASSERT_NEAR(c.target_cpu_percent, 55.0, 0); /* from the HPA */
    assert_int_equal(c.hpa_desired_replicas, -1);
    assert_string_equal(c.degraded, "prometheus: timeout");
    /* the deployment's own target wins over the HPA's */
    const char *t2 = "{\"deployment\":{\"name\":\"a\",\"current_replicas\":1,"
                     "\"target_cpu_percent\":80},\"hpa\":{\"target_cpu_percent\":55}}";
    assert_int_equal(parse(t2, &c, &eb), SA_OK);
    SA_ASSERT_NEAR(c.target_cpu_percent, 80.0, 0);
    assert_int_equal(c.n_history, 0);
    sa_context_release(&c);
}

typedef struct {
    const char *text;
    sa_err code;
    const char *msg;
} bad_case;

static const bad_case bad_cases[] = {
    {"", SA_ERR_PARSE, "context: not valid JSON"},
    {"{", SA_ERR_PARSE, "not valid JSON"},
    {"{\"deployment\":{}} x", SA_ERR_PARSE, "trailing data"},
    {"[]", SA_ERR_SCHEMA, "context: must be a JSON object"},
    {"{}", SA_ERR_SCHEMA, "deployment: missing"},
    {"{\"deployment\":3}", SA_ERR_SCHEMA, "deployment: must be an object"},
    {"{\"deployment\":{\"current_replicas\":1}}", SA_ERR_SCHEMA, "deployment.name: missing"},
    {"{\"deployment\":{\"name\":5,\"current_replicas\":1}}", SA_ERR_SCHEMA,
     "deployment.name: must be a string"},
    {"{\"deployment\":{\"name\":\"Web\",\"current_replicas\":1}}", SA_ERR_SCHEMA,
     "deployment.name: must be a DNS-1123 name"},
    {"{\"deployment\":{\"name\":\"-web\",\"current_replicas\":1}}", SA_ERR_SCHEMA,
     "deployment.name"},
    {"{\"deployment\":{\"name\":\"\",\"current_replicas\":1}}", SA_ERR_SCHEMA, "deployment.name"},
    {"{\"deployment\":{\"name\":\"w\",\"namespace\":\"a.b\",\"current_replicas\":1}}",
     SA_ERR_SCHEMA, "deployment.namespace"},
    {"{\"deployment\":{\"name\":\"w\"}}", SA_ERR_SCHEMA, "deployment.current_replicas: missing"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":-1}}", SA_ERR_SCHEMA,
     "deployment.current_replicas: must be an integer between 0 and 100000"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1.5}}", SA_ERR_SCHEMA,
     "deployment.current_replicas: must be an integer"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":\"3\"}}", SA_ERR_SCHEMA,
     "deployment.current_replicas: must be an integer"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":null}}", SA_ERR_SCHEMA,
     "deployment.current_replicas: must not be null"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1e300}}", SA_ERR_SCHEMA,
     "deployment.current_replicas"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1,\"min_replicas\":0}}", SA_ERR_SCHEMA,
     "deployment.min_replicas: must be an integer between 1"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1,\"min_replicas\":5,\"max_replicas\":4}"
     "}",
     SA_ERR_SCHEMA, "deployment.max_replicas: must be >= min_replicas (4 < 5)"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1,\"target_cpu_percent\":0}}",
     SA_ERR_SCHEMA, "deployment.target_cpu_percent: must be between"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1,\"target_cpu_percent\":150}}",
     SA_ERR_SCHEMA, "deployment.target_cpu_percent"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1,\"preset\":\"yolo\"}}", SA_ERR_SCHEMA,
     "deployment.preset: must be"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1,\"startup_seconds\":3601}}",
     SA_ERR_SCHEMA, "deployment.startup_seconds: must be between 0 and 3600 (got 3601)"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1,\"startup_seconds\":\"1m\"}}",
     SA_ERR_SCHEMA, "deployment.startup_seconds: must be a number"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"metrics\":[]}", SA_ERR_SCHEMA,
     "metrics: must be an object"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"metrics\":{\"cpu_percent\":-1}}",
     SA_ERR_SCHEMA, "metrics.cpu_percent: must be between 0 and"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"metrics\":{\"cpu_percent\":"
     "\"high\"}}",
     SA_ERR_SCHEMA, "metrics.cpu_percent: must be a number"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"metrics\":{\"memory_percent\":true}"
     "}",
     SA_ERR_SCHEMA, "metrics.memory_percent: must be a number"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"metrics\":{\"ready_pods\":2.5}}",
     SA_ERR_SCHEMA, "metrics.ready_pods: must be an integer"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"metrics\":{\"request_rate\":-3}}",
     SA_ERR_SCHEMA, "metrics.request_rate"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"metrics\":{\"observed_at\":"
     "\"soon\"}}",
     SA_ERR_SCHEMA, "metrics.observed_at: must be epoch seconds or an ISO-8601 UTC time"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"metrics\":{\"observed_at\":-5}}",
     SA_ERR_SCHEMA, "metrics.observed_at: time out of range"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"hpa\":5}", SA_ERR_SCHEMA,
     "hpa: must be an object"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"hpa\":{\"desired_replicas\":-2}}",
     SA_ERR_SCHEMA, "hpa.desired_replicas"},
#define BEH(x)                                                                                     \
    "{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"hpa\":{\"behavior\":" x "}}"
    {BEH("[]"), SA_ERR_SCHEMA, "hpa.behavior: must be an object"},
    {BEH("{\"scaleUp\":3}"), SA_ERR_SCHEMA, "hpa.behavior.scaleUp: must be an object"},
    {BEH("{\"scaleDown\":{\"stabilizationWindowSeconds\":3601}}"), SA_ERR_SCHEMA,
     "hpa.behavior.scaleDown.stabilizationWindowSeconds: must be an integer between 0 and 3600"},
    {BEH("{\"scaleDown\":{\"selectPolicy\":\"max\"}}"), SA_ERR_SCHEMA,
     "hpa.behavior.scaleDown.selectPolicy: must be \"Max\", \"Min\" or \"Disabled\""},
    {BEH("{\"scaleUp\":{\"policies\":{}}}"), SA_ERR_SCHEMA,
     "hpa.behavior.scaleUp.policies: must be an array"},
    {BEH("{\"scaleUp\":{\"policies\":[]}}"), SA_ERR_SCHEMA,
     "hpa.behavior.scaleUp.policies: must list at least one policy"},
    {BEH("{\"scaleUp\":{\"policies\":[{\"type\":\"Nodes\",\"value\":1,\"periodSeconds\":15}]}}"),
     SA_ERR_SCHEMA, "hpa.behavior.scaleUp.policies[0].type: must be \"Pods\" or \"Percent\""},
    {BEH("{\"scaleUp\":{\"policies\":[{\"type\":\"Pods\",\"value\":1,\"periodSeconds\":15},"
         "{\"type\":\"Pods\",\"value\":0,\"periodSeconds\":15}]}}"),
     SA_ERR_SCHEMA, "hpa.behavior.scaleUp.policies[1].value: must be an integer between 1"},
    {BEH("{\"scaleDown\":{\"policies\":[{\"type\":\"Percent\",\"value\":10,"
         "\"periodSeconds\":1801}]}}"),
     SA_ERR_SCHEMA,
     "hpa.behavior.scaleDown.policies[0].periodSeconds: must be an integer between 1 "
     "and 1800"},
    {BEH("{\"scaleDown\":{\"policies\":[{\"type\":\"Percent\",\"value\":10}]}}"), SA_ERR_SCHEMA,
     "hpa.behavior.scaleDown.policies[0].periodSeconds: missing"},
    {BEH("{\"scaleUp\":{\"tolerance\":\"ten\"}}"), SA_ERR_SCHEMA,
     "hpa.behavior.scaleUp.tolerance: must be a quantity between 0 and 100"},
    {BEH("{\"scaleDown\":{\"tolerance\":-0.1}}"), SA_ERR_SCHEMA,
     "hpa.behavior.scaleDown.tolerance: must be a quantity"},
#undef BEH
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1,\"miss_cost_rh\":-1}}", SA_ERR_SCHEMA,
     "deployment.miss_cost_rh: must be between 0 and 1e+06"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"hpa\":{\"other_metrics\":3}}",
     SA_ERR_SCHEMA, "hpa.other_metrics: must be a string of at most 127 bytes"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"hpa\":{\"target_memory_percent\":0}"
     "}",
     SA_ERR_SCHEMA, "hpa.target_memory_percent: must be between"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"history\":{}}", SA_ERR_SCHEMA,
     "history: must be an array"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"history\":[3]}", SA_ERR_SCHEMA,
     "history[0]: must be an object"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"history\":[{\"cpu_percent\":3}]}",
     SA_ERR_SCHEMA, "history[0].timestamp: missing"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"history\":[{\"timestamp\":10},"
     "{\"timestamp\":20,\"cpu_percent\":-4}]}",
     SA_ERR_SCHEMA, "history[1].cpu_percent"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"history\":[{\"timestamp\":10},"
     "{\"timestamp\":20,\"replicas\":-1}]}",
     SA_ERR_SCHEMA, "history[1].replicas"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"history\":[{\"timestamp\":20},"
     "{\"timestamp\":10}]}",
     SA_ERR_SCHEMA, "history[1].timestamp: not after history[0]"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"history\":[{\"timestamp\":20},"
     "{\"timestamp\":20}]}",
     SA_ERR_SCHEMA, "history[1].timestamp: not after"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"history\":[{\"timestamp\":1000},"
     "{\"timestamp\":1060},{\"timestamp\":1180}]}",
     SA_ERR_SCHEMA, "history[2].timestamp: gap 120 s differs from 60 s"},
    {"{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"degraded\":7}", SA_ERR_SCHEMA,
     "degraded: must be a string or null"},
};

static void rejects_every_malformed_case(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        sa_context c;
        sa_context_init(&c);
        /* out keeps what it had on failure */
        assert_int_equal(parse(example, &c, &(sa_errbuf){0}), SA_OK);
        sa_errbuf eb = {0};
        sa_err e = parse(bad_cases[i].text, &c, &eb);
        if (e != bad_cases[i].code || !strstr(eb.msg, bad_cases[i].msg))
            fail_msg("case %zu (%s): got %s '%s', expected %s '%s'", i, bad_cases[i].text,
                     sa_strerror(e), eb.msg, sa_strerror(bad_cases[i].code), bad_cases[i].msg);
        assert_null(strchr(eb.msg, '\n'));
        assert_string_equal(c.name, "web");
        assert_int_equal(c.n_history, 2);
        sa_context_release(&c);
    }
}

static void history_jitter_tolerated(void **st)
{
    (void)st;
    sa_context c;
    sa_context_init(&c);
    sa_errbuf eb = {0};
    const char *t = "{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"history\":["
                    "{\"timestamp\":1000},{\"timestamp\":1015},{\"timestamp\":1029},"
                    "{\"timestamp\":1045}]}";
    assert_int_equal(parse(t, &c, &eb), SA_OK);
    assert_int_equal(c.n_history, 4);
    sa_context_release(&c);
}

static void caps(void **st)
{
    (void)st;
    sa_context c;
    sa_context_init(&c);
    sa_errbuf eb = {0};
    /* SA_CODEC_HISTORY_MAX + 1 entries */
    sa_buf b;
    sa_buf_init(&b, SA_CAP_FILE);
    assert_int_equal(
        sa_buf_puts(&b, "{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},\"history\":["),
        SA_OK);
    for (int i = 0; i <= SA_CODEC_HISTORY_MAX; i++)
        assert_int_equal(sa_buf_printf(&b, "%s{\"timestamp\":%d}", i ? "," : "", 1000 + 60 * i),
                         SA_OK);
    assert_int_equal(sa_buf_puts(&b, "]}"), SA_OK);
    assert_int_equal(sa_codec_context_parse(b.data, b.len, &c, &eb), SA_ERR_TOOBIG);
    assert_non_null(strstr(eb.msg, "history: more than 100000 entries"));
    /* exactly the cap is fine: drop the last entry */
    char *last = strrchr(b.data, ',');
    assert_non_null(last);
    memcpy(last, "]}", 3);
    b.len = (size_t)(last - b.data) + 2;
    assert_int_equal(sa_codec_context_parse(b.data, b.len, &c, &eb), SA_OK);
    assert_int_equal(c.n_history, SA_CODEC_HISTORY_MAX);
    assert_int_equal(c.history[SA_CODEC_HISTORY_MAX - 1].timestamp,
                     1000 + 60 * (SA_CODEC_HISTORY_MAX - 1));
    sa_buf_release(&b);
    /* the byte cap is checked before parsing */
    assert_int_equal(sa_codec_context_parse("{}", (size_t)SA_CODEC_CONTEXT_MAX + 1, &c, &eb),
                     SA_ERR_TOOBIG);
    /* deep nesting is refused, not a crash */
    char *deep = malloc(200001);
    assert_non_null(deep);
    memset(deep, '[', 200000);
    deep[200000] = '\0';
    assert_int_equal(parse(deep, &c, &eb), SA_ERR_PARSE);
    free(deep);
    /* an embedded NUL ends the text cJSON sees: trailing data */
    const char nul[] = "{\"deployment\":{\"name\":\"w\",\"current_replicas\":1}}\0garbage";
    assert_int_equal(sa_codec_context_parse(nul, sizeof nul - 1, &c, &eb), SA_ERR_PARSE);
    sa_context_release(&c);
}

/* Parse text into a, write a as JSON and parse that into b. */
static void round_trip(const char *text, sa_context *a, sa_context *b)
{
    sa_errbuf eb = {0};
    sa_buf out;
    sa_buf_init(&out, SA_CAP_JSON_OUT);
    assert_int_equal(parse(text, a, &eb), SA_OK);
    assert_int_equal(sa_codec_context_json(a, &out), SA_OK);
    assert_int_equal(sa_codec_context_parse(out.data, out.len, b, &eb), SA_OK);
    sa_buf_release(&out);
}

/* hpa.behavior in the Kubernetes shape: what is absent takes the
 * controller's defaults, and it survives the trip through JSON. */
static void hpa_behavior_parsed_and_kept(void **st)
{
    (void)st;
    const char *text =
        "{\"deployment\":{\"name\":\"w\",\"current_replicas\":4},\"hpa\":{\"behavior\":"
        "{\"scaleUp\":{\"tolerance\":\"50m\"},"
        "\"scaleDown\":{\"stabilizationWindowSeconds\":600,\"selectPolicy\":\"Min\",\"tolerance\":"
        "0.2,"
        "\"policies\":[{\"type\":\"Pods\",\"value\":1,\"periodSeconds\":60},"
        "{\"type\":\"Percent\",\"value\":10,\"periodSeconds\":120}]}}}}";
    sa_context a, b;
    sa_context_init(&a);
    sa_context_init(&b);
    sa_errbuf eb = {0};
    assert_int_equal(parse(text, &a, &eb), SA_OK);
    sa_scaling_rules up;
    sa_scaling_rules_default(&up, true);
    SA_ASSERT_NEAR(a.hpa_scale_up.tolerance, 0.05, 1e-12); /* a quantity string */
    SA_ASSERT_NEAR(a.hpa_scale_down.tolerance, 0.2, 0);    /* or a number */
    up.tolerance = 0.05;
    assert_memory_equal(&a.hpa_scale_up, &up, sizeof up); /* the rest absent: defaults */
    assert_true(a.hpa_scale_down.set);
    assert_int_equal(a.hpa_scale_down.window_s, 600);
    assert_int_equal(a.hpa_scale_down.select, SA_SELECT_MIN);
    assert_int_equal(a.hpa_scale_down.n_policies, 2);
    assert_false(a.hpa_scale_down.policies[0].percent);
    assert_int_equal(a.hpa_scale_down.policies[0].value, 1);
    assert_int_equal(a.hpa_scale_down.policies[0].period_s, 60);
    assert_true(a.hpa_scale_down.policies[1].percent);
    assert_int_equal(a.hpa_scale_down.policies[1].period_s, 120);
    sa_buf out;
    sa_buf_init(&out, SA_CAP_JSON_OUT);
    assert_int_equal(sa_codec_context_json(&a, &out), SA_OK);
    assert_non_null(strstr(out.data, "\"selectPolicy\":\"Min\""));
    assert_int_equal(sa_codec_context_parse(out.data, out.len, &b, &eb), SA_OK);
    assert_memory_equal(&a.hpa_scale_up, &b.hpa_scale_up, sizeof up);
    assert_memory_equal(&a.hpa_scale_down, &b.hpa_scale_down, sizeof up);
    /* the deployment's own price of a violation minute, kept */
    round_trip("{\"deployment\":{\"name\":\"w\",\"current_replicas\":1,\"miss_cost_rh\":40}}", &a,
               &b);
    SA_ASSERT_NEAR(a.miss_cost_rh, 40, 0);
    SA_ASSERT_NEAR(b.miss_cost_rh, 40, 0);
    /* the HPA's metrics the rule cannot read, named, kept */
    round_trip("{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},"
               "\"hpa\":{\"desired_replicas\":4,\"other_metrics\":\"External q\"}}",
               &a, &b);
    assert_string_equal(a.hpa_other_metrics, "External q");
    assert_string_equal(b.hpa_other_metrics, "External q");
    /* the HPA's memory target, unless the deployment states its own */
    round_trip("{\"deployment\":{\"name\":\"w\",\"current_replicas\":1},"
               "\"hpa\":{\"target_memory_percent\":75}}",
               &a, &b);
    SA_ASSERT_NEAR(a.target_memory_percent, 75, 0);
    SA_ASSERT_NEAR(b.target_memory_percent, 75, 0);
    assert_int_equal(parse("{\"deployment\":{\"name\":\"w\",\"current_replicas\":1,"
                           "\"target_memory_percent\":60},\"hpa\":{\"target_memory_percent\":75}}",
                           &a, &eb),
                     SA_OK);
    SA_ASSERT_NEAR(a.target_memory_percent, 60, 0);
    /* no behavior: none set, none written; no memory target */
    sa_buf_reset(&out);
    assert_int_equal(parse(example, &a, &eb), SA_OK);
    assert_false(a.hpa_scale_up.set || a.hpa_scale_down.set);
    assert_true(isnan(a.target_memory_percent));
    assert_int_equal(sa_codec_context_json(&a, &out), SA_OK);
    assert_null(strstr(out.data, "behavior"));
    sa_buf_release(&out);
    sa_context_release(&a);
    sa_context_release(&b);
}

static void context_round_trip(void **st)
{
    (void)st;
    sa_context a, b2;
    sa_context_init(&a);
    sa_context_init(&b2);
    sa_errbuf eb = {0};
    assert_int_equal(parse(example, &a, &eb), SA_OK);
    a.observed_at = 1700000120;
    a.request_rate = 33.25;
    a.startup_s = 90.0;
    snprintf(a.degraded, sizeof a.degraded, "stale \"metrics\"");
    sa_buf out;
    sa_buf_init(&out, SA_CAP_JSON_OUT);
    assert_int_equal(sa_codec_context_json(&a, &out), SA_OK);
    assert_int_equal(sa_codec_context_parse(out.data, out.len, &b2, &eb), SA_OK);
    assert_string_equal(a.name, b2.name);
    assert_string_equal(a.namespace_, b2.namespace_);
    assert_int_equal(a.current_replicas, b2.current_replicas);
    assert_int_equal(a.min_replicas, b2.min_replicas);
    assert_int_equal(a.max_replicas, b2.max_replicas);
    SA_ASSERT_NEAR(a.startup_s, b2.startup_s, 0);
    SA_ASSERT_NEAR(a.cpu_percent, b2.cpu_percent, 0);
    SA_ASSERT_NEAR(a.request_rate, b2.request_rate, 0);
    assert_int_equal(a.ready_pods, b2.ready_pods);
    assert_int_equal(a.observed_at, b2.observed_at);
    assert_int_equal(a.n_history, b2.n_history);
    for (size_t i = 0; i < a.n_history; i++) {
        assert_int_equal(a.history[i].timestamp, b2.history[i].timestamp);
        assert_int_equal(a.history[i].replicas, b2.history[i].replicas);
        assert_int_equal(isnan(a.history[i].memory_percent), isnan(b2.history[i].memory_percent));
    }
    assert_int_equal(a.hpa_desired_replicas, b2.hpa_desired_replicas);
    assert_string_equal(a.degraded, b2.degraded);
    sa_buf_release(&out);
    sa_context_release(&a);
    sa_context_release(&b2);
}

static sa_result sample_result(void)
{
    sa_result r;
    sa_result_init(&r);
    snprintf(r.deployment, sizeof r.deployment, "web");
    snprintf(r.namespace_, sizeof r.namespace_, "shop");
    r.generated_at = 1795341600; /* 2026-11-22T10:00:00Z */
    r.current_replicas = 3;
    r.min_replicas = 2;
    r.max_replicas = 10;
    r.rule.present = true;
    r.rule.action = SA_ACTION_SCALE_UP;
    r.rule.target_replicas = 7;
    r.rule.confidence = 0.85;
    sa_rec_set_reasoning(&r.rule, "CPU \"182%%\"\nover <target>");
    sa_rec_add_factor(&r.rule, "cpu 182%%");
    sa_rec_add_factor(&r.rule, "memory 41.5%%");
    r.rule.cost = SA_LEVEL_MEDIUM;
    r.rule.performance = SA_PERF_POSITIVE;
    r.rule.timing = SA_TIMING_IMMEDIATE;
    snprintf(r.llm_status.model, sizeof r.llm_status.model, "openai/gpt-oss-120b");
    snprintf(r.llm_status.error, sizeof r.llm_status.error, "disabled");
    r.decision.source = SA_SOURCE_RULE;
    r.decision.action = SA_ACTION_SCALE_UP;
    r.decision.target_replicas = 7;
    r.decision.validation.verdict = SA_VERDICT_CLAMPED;
    sa_validation_add(&r.decision.validation, "step limit: at most +4 pods");
    return r;
}

static void result_object_shape(void **st)
{
    (void)st;
    sa_result r = sample_result();
    sa_buf out;
    sa_buf_init(&out, SA_CAP_JSON_OUT);
    assert_int_equal(sa_codec_result_json(&r, &out), SA_OK);
    cJSON *j = cJSON_Parse(out.data);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "deployment")->valuestring, "web");
    assert_string_equal(cJSON_GetObjectItem(j, "namespace")->valuestring, "shop");
    assert_string_equal(cJSON_GetObjectItem(j, "generated_at")->valuestring,
                        "2026-11-22T10:00:00Z");
    assert_int_equal(cJSON_GetObjectItem(j, "current_replicas")->valueint, 3);
    assert_int_equal(cJSON_GetObjectItem(j, "max_replicas")->valueint, 10);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "hpa_desired_replicas")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "degraded")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "forecast")));
    cJSON *recs = cJSON_GetObjectItem(j, "recommendations");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(recs, "llm")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(recs, "predictive")));
    cJSON *rule = cJSON_GetObjectItem(recs, "rule");
    assert_string_equal(cJSON_GetObjectItem(rule, "action")->valuestring, "scale_up");
    assert_int_equal(cJSON_GetObjectItem(rule, "target_replicas")->valueint, 7);
    SA_ASSERT_NEAR(cJSON_GetObjectItem(rule, "confidence")->valuedouble, 0.85, 0);
    assert_string_equal(cJSON_GetObjectItem(rule, "reasoning")->valuestring,
                        "CPU \"182%\"\nover <target>");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(rule, "factors_considered")), 2);
    assert_string_equal(cJSON_GetObjectItem(rule, "risk_assessment")->valuestring, "low");
    assert_string_equal(cJSON_GetObjectItem(rule, "cost_impact")->valuestring, "medium");
    assert_string_equal(cJSON_GetObjectItem(rule, "performance_impact")->valuestring, "positive");
    assert_string_equal(cJSON_GetObjectItem(rule, "recommended_timing")->valuestring, "immediate");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(rule, "model")));
    cJSON *ls = cJSON_GetObjectItem(j, "llm_status");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(ls, "used")));
    assert_string_equal(cJSON_GetObjectItem(ls, "error")->valuestring, "disabled");
    cJSON *d = cJSON_GetObjectItem(j, "decision");
    assert_string_equal(cJSON_GetObjectItem(d, "source")->valuestring, "rule");
    assert_string_equal(cJSON_GetObjectItem(d, "action")->valuestring, "scale_up");
    assert_int_equal(cJSON_GetObjectItem(d, "target_replicas")->valueint, 7);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(d, "applied")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(d, "dry_run")));
    cJSON *v = cJSON_GetObjectItem(d, "validation");
    assert_string_equal(cJSON_GetObjectItem(v, "verdict")->valuestring, "clamped");
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(v, "reasons"), 0)->valuestring,
                        "step limit: at most +4 pods");
    cJSON_Delete(j);

    /* llm present, error "" -> null, forecast and degraded present */
    r.llm = r.rule;
    snprintf(r.llm.model, sizeof r.llm.model, "openai/gpt-oss-120b");
    r.llm_status.used = true;
    r.llm_status.error[0] = '\0';
    r.forecast.present = true;
    snprintf(r.forecast.metric, sizeof r.forecast.metric, "cpu_percent");
    r.forecast.peak = 91.5;
    r.forecast.accuracy = NAN;
    snprintf(r.degraded, sizeof r.degraded, "stale");
    r.hpa_desired_replicas = 8;
    sa_buf_reset(&out);
    assert_int_equal(sa_codec_result_json(&r, &out), SA_OK);
    j = cJSON_Parse(out.data);
    assert_non_null(j);
    recs = cJSON_GetObjectItem(j, "recommendations");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(recs, "llm"), "model")->valuestring,
                        "openai/gpt-oss-120b");
    ls = cJSON_GetObjectItem(j, "llm_status");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(ls, "used")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(ls, "error")));
    cJSON *f = cJSON_GetObjectItem(j, "forecast");
    SA_ASSERT_NEAR(cJSON_GetObjectItem(f, "peak")->valuedouble, 91.5, 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(f, "accuracy")));
    assert_string_equal(cJSON_GetObjectItem(j, "degraded")->valuestring, "stale");
    assert_int_equal(cJSON_GetObjectItem(j, "hpa_desired_replicas")->valueint, 8);
    cJSON_Delete(j);
    sa_buf_release(&out);
}

static void output_cap_is_enforced(void **st)
{
    (void)st;
    sa_result r = sample_result();
    sa_buf out;
    sa_buf_init(&out, 64);
    assert_int_equal(sa_codec_result_json(&r, &out), SA_ERR_TOOBIG);
    assert_null(out.data);
    sa_buf_release(&out);
}

/* ---- failing the Nth allocation in turn ---- */

static int parse_example(void *unused)
{
    (void)unused;
    sa_context k;
    sa_context_init(&k);
    sa_errbuf eb = {0};
    sa_err e = parse(example, &k, &eb);
    if (e != SA_OK) {
        assert_true(eb.msg[0] != '\0');
        assert_int_equal(k.n_history, 0); /* untouched */
    }
    sa_context_release(&k);
    return e != SA_OK;
}

static void fails_every_allocation_in_turn(void **st)
{
    (void)st;
    assert_true(sa_test_fail_each_cjson_alloc(parse_example, NULL) > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_interface_example),
        cmocka_unit_test(defaults_and_extras),
        cmocka_unit_test(rejects_every_malformed_case),
        cmocka_unit_test(history_jitter_tolerated),
        cmocka_unit_test(caps),
        cmocka_unit_test(hpa_behavior_parsed_and_kept),
        cmocka_unit_test(context_round_trip),
        cmocka_unit_test(result_object_shape),
        cmocka_unit_test(output_cap_is_enforced),
        cmocka_unit_test(fails_every_allocation_in_turn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
