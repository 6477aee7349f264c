/*
 * test_advisor.c - the one evaluation path end to end: rule only,
 * predictive fed from history, safety on bad metrics, cooldown from an
 * observed replica change, the recent-decision memory, and the LLM over a
 * scripted fake Groq peer (valid answer wins; failure falls back).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fake_peer.h"
#include "sa_test.h"
#include "scaleadvisor/advisor.h"
#include "scaleadvisor/codec.h"
#include "scaleadvisor/config.h"
#include "scaleadvisor/banned.h"

#define T0 1795341600

static sa_context mkctx(int r, double cpu, int64_t observed_at)
{
    sa_context c;
    sa_context_init(&c);
    snprintf(c.name, sizeof c.name, "web");
    snprintf(c.namespace_, sizeof c.namespace_, "shop");
    c.current_replicas = r;
    c.min_replicas = 2;
    c.max_replicas = 20;
    c.cpu_percent = cpu;
    c.memory_percent = 40.0;
    c.ready_pods = r;
    c.observed_at = observed_at;
    return c;
}

static void rule_only_result(void **st)
{
    (void)st;
    sa_advisor_state s;
    assert_int_equal(sa_advisor_state_init(&s, NULL, 0, &(sa_errbuf){0}), SA_OK);
    sa_context ctx = mkctx(3, 182.0, T0);
    ctx.has_hpa = true;
    ctx.hpa_desired_replicas = 8;
    sa_advisor_input in = {.ctx = &ctx, .now = T0 + 5, .dry_run = true};
    sa_result r;
    sa_advisor_evaluate(&in, &s, &r);
    assert_string_equal(r.deployment, "web");
    assert_string_equal(r.namespace_, "shop");
    assert_int_equal(r.generated_at, T0 + 5);
    assert_int_equal(r.current_replicas, 3);
    assert_int_equal(r.min_replicas, 2);
    assert_int_equal(r.max_replicas, 20);
    assert_int_equal(r.hpa_desired_replicas, 8);
    assert_string_equal(r.degraded, "");
    assert_true(r.rule.present);
    assert_int_equal(r.rule.target_replicas, 7);
    assert_false(r.predictive.present);
    assert_false(r.llm.present);
    assert_false(r.llm_status.used);
    assert_string_equal(r.llm_status.error, "disabled");
    assert_int_equal(r.decision.source, SA_SOURCE_RULE);
    assert_int_equal(r.decision.action, SA_ACTION_SCALE_UP);
    assert_int_equal(r.decision.target_replicas, 7);
    assert_true(r.decision.dry_run);
    assert_false(r.decision.applied);
    /* the result serialises to the interface's object */
    sa_buf b;
    sa_buf_init(&b, SA_CAP_JSON_OUT);
    assert_int_equal(sa_codec_result_json(&r, &b), SA_OK);
    cJSON *j = cJSON_Parse(b.data);
    assert_non_null(j);
    assert_true(
        cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "recommendations"), "llm")));
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "decision"), "source")->valuestring, "rule");
    /* the pace it was held to: the preset's here */
    const cJSON *pace = cJSON_GetObjectItem(j, "pace");
    assert_string_equal(cJSON_GetObjectItem(pace, "from")->valuestring, "balanced");
    assert_string_equal(cJSON_GetObjectItem(pace, "scale_up")->valuestring,
                        "scale-up at most +4 replicas per decision");
    cJSON_Delete(j);
    sa_buf_release(&b);
    /* with the HPA's behavior, that is the pace */
    sa_scaling_rules_default(&ctx.hpa_scale_up, true);
    sa_scaling_rules_default(&ctx.hpa_scale_down, false);
    ctx.hpa_scale_down.select = SA_SELECT_DISABLED;
    sa_advisor_evaluate(&in, &s, &r);
    assert_string_equal(r.pace_from, "hpa_behavior");
    assert_string_equal(r.pace_down, "scale-down disabled by the HPA's behavior");
    /* the decision is remembered for the next prompt */
    assert_int_equal(s.n_recent, 2);
    assert_int_equal(s.recent[0].target_replicas, 7);
    assert_int_equal(s.recent[0].from_replicas, 3);
    sa_advisor_state_release(&s);
}

static void safety_on_stale_metrics(void **st)
{
    (void)st;
    sa_advisor_state s;
    assert_int_equal(sa_advisor_state_init(&s, NULL, 0, &(sa_errbuf){0}), SA_OK);
    sa_context ctx = mkctx(10, 10.0, T0); /* would scale down */
    sa_advisor_input in = {.ctx = &ctx, .now = T0 + 1000, .dry_run = true};
    sa_result r;
    sa_advisor_evaluate(&in, &s, &r);
    assert_non_null(strstr(r.degraded, "metrics stale: 1000 s old"));
    assert_true(r.rule.present);
    assert_int_equal(r.rule.action, SA_ACTION_SCALE_DOWN);
    assert_int_equal(r.decision.source, SA_SOURCE_SAFETY);
    assert_int_equal(r.decision.target_replicas, 10);
    assert_int_equal(r.decision.action, SA_ACTION_MAINTAIN);
    /* a scale-up on stale metrics still goes through */
    sa_advisor_state_release(&s);
    assert_int_equal(sa_advisor_state_init(&s, NULL, 0, &(sa_errbuf){0}), SA_OK);
    ctx = mkctx(4, 200.0, T0);
    sa_advisor_evaluate(&in, &s, &r);
    assert_int_equal(r.decision.source, SA_SOURCE_RULE);
    assert_int_equal(r.decision.target_replicas, 8);
    sa_advisor_state_release(&s);
}

static void untimed_snapshot(void **st)
{
    (void)st;
    sa_advisor_state s;
    assert_int_equal(sa_advisor_state_init(&s, NULL, 0, &(sa_errbuf){0}), SA_OK);
    sa_context ctx = mkctx(10, 10.0, 0);
    sa_advisor_input in = {.ctx = &ctx, .now = T0, .dry_run = true};
    sa_result r;
    sa_advisor_evaluate(&in, &s, &r); /* service: no time, no scale-down */
    assert_int_equal(r.decision.source, SA_SOURCE_SAFETY);
    assert_non_null(strstr(r.degraded, "metrics time unknown"));
    sa_advisor_state_release(&s);
    assert_int_equal(sa_advisor_state_init(&s, NULL, 0, &(sa_errbuf){0}), SA_OK);
    in.untimed_is_now = true; /* advise: the file is now */
    sa_advisor_evaluate(&in, &s, &r);
    assert_string_equal(r.degraded, "");
    assert_int_equal(r.decision.source, SA_SOURCE_RULE);
    assert_int_equal(r.decision.action, SA_ACTION_SCALE_DOWN);
    assert_int_equal(r.decision.target_replicas, 5); /* step limit -5 of 10 */
    assert_int_equal(ctx.observed_at, 0);            /* caller's context untouched */
    sa_advisor_state_release(&s);
}

static void replica_change_starts_cooldown(void **st)
{
    (void)st;
    sa_advisor_state s;
    assert_int_equal(sa_advisor_state_init(&s, NULL, 0, &(sa_errbuf){0}), SA_OK);
    sa_context ctx = mkctx(4, 70.0, T0);
    sa_advisor_input in = {.ctx = &ctx, .now = T0, .dry_run = true};
    sa_result r;
    sa_advisor_evaluate(&in, &s, &r);
    assert_int_equal(r.decision.target_replicas, 4);
    /* someone scaled to 8; load is low now: balanced cooldown 120 s */
    ctx = mkctx(8, 10.0, T0 + 30);
    in.now = T0 + 30;
    sa_advisor_evaluate(&in, &s, &r);
    assert_int_equal(s.decide.last_scale_up_at, T0 + 30);
    assert_int_equal(r.rule.action, SA_ACTION_SCALE_DOWN);
    assert_int_equal(r.decision.source, SA_SOURCE_SAFETY);
    assert_int_equal(r.decision.target_replicas, 8);
    bool cooldown = false;
    for (size_t i = 0; i < r.decision.validation.n_reasons; i++)
        cooldown |= strstr(r.decision.validation.reasons[i], "cooldown") != NULL;
    assert_true(cooldown);
    /* the previous decision's outcome is filled in for the prompt */
    assert_int_equal(s.n_recent, 2);
    assert_non_null(strstr(s.recent[0].outcome, "replicas 4 -> 8, cpu 70% -> 10%"));
    sa_advisor_state_release(&s);
}

static void recent_memory_is_bounded(void **st)
{
    (void)st;
    sa_advisor_state s;
    assert_int_equal(sa_advisor_state_init(&s, NULL, 0, &(sa_errbuf){0}), SA_OK);
    sa_result r;
    for (int i = 0; i < 3 * SA_LLM_PAST_MAX; i++) {
        sa_context ctx = mkctx(4, 70.0, T0 + 60 * i);
        sa_advisor_input in = {.ctx = &ctx, .now = T0 + 60 * i, .dry_run = true};
        sa_advisor_evaluate(&in, &s, &r);
    }
    assert_int_equal(s.n_recent, SA_LLM_PAST_MAX);
    assert_int_equal(s.recent[SA_LLM_PAST_MAX - 1].at, T0 + 60 * (3 * SA_LLM_PAST_MAX - 1));
    assert_true(s.recent[0].at < s.recent[1].at);
    sa_advisor_state_release(&s);
}

static void predictive_from_history(void **st)
{
    (void)st;
    sa_predict_params pp;
    sa_predict_params_init(&pp);
    pp.min_replicas = 2;
    pp.max_replicas = 20;
    sa_advisor_state s;
    sa_errbuf eb = {0};
    assert_int_equal(sa_advisor_state_init(&s, &pp, 0, &eb), SA_OK);
    assert_non_null(s.predictor);
    /* two hours of minutely history at steady demand 3.5 pods */
    sa_context ctx = mkctx(5, 70.0, T0 + 120 * 60);
    ctx.n_history = 120;
    ctx.history = calloc(ctx.n_history, sizeof *ctx.history);
    assert_non_null(ctx.history);
    for (size_t i = 0; i < ctx.n_history; i++) {
        ctx.history[i].timestamp = T0 + 60 * (int64_t)i;
        ctx.history[i].cpu_percent = 70.0;
        ctx.history[i].memory_percent = NAN;
        ctx.history[i].request_rate = NAN;
        ctx.history[i].replicas = 5;
    }
    sa_advisor_input in = {.ctx = &ctx, .now = T0 + 120 * 60, .dry_run = true};
    sa_result r;
    sa_advisor_evaluate(&in, &s, &r);
    assert_int_equal(sa_predictor_count(s.predictor), 121);
    assert_int_equal(s.fed_until, T0 + 120 * 60);
    assert_true(r.predictive.present);
    assert_true(r.predictive.target_replicas >= 2 && r.predictive.target_replicas <= 20);
    assert_true(r.forecast.present);
    /* the same history again feeds nothing twice */
    in.now += 60;
    ctx.observed_at += 60;
    sa_advisor_evaluate(&in, &s, &r);
    assert_int_equal(sa_predictor_count(s.predictor), 122);
    /* the predictive source wins over the rule when valid */
    if (r.predictive.confidence >= 0.6 && r.decision.validation.verdict != SA_VERDICT_REJECTED &&
        r.decision.source != SA_SOURCE_SAFETY)
        assert_int_equal(r.decision.source, SA_SOURCE_PREDICTIVE);
    sa_context_release(&ctx);
    sa_advisor_state_release(&s);
    /* a bad parameter is reported and nothing leaks */
    pp.sample_s = -1;
    assert_int_not_equal(sa_advisor_state_init(&s, &pp, 0, &eb), SA_OK);
    assert_null(s.predictor);
    sa_advisor_state_release(&s);
}

/* ---- LLM over the fake Groq peer ---- */

static const char *answer_body(int target, const char *action)
{
    static char body[2048];
    snprintf(body, sizeof body,
             "{\"id\":\"x\",\"model\":\"openai/gpt-oss-120b\",\"choices\":[{\"index\":0,"
             "\"finish_reason\":\"stop\",\"message\":{\"role\":\"assistant\",\"content\":"
             "\"{\\\"action\\\":\\\"%s\\\",\\\"target_replicas\\\":%d,\\\"confidence\\\":0.9,"
             "\\\"reasoning\\\":\\\"cpu is far above target\\\",\\\"factors_considered\\\":"
             "[\\\"cpu\\\"],\\\"risk_assessment\\\":\\\"low\\\",\\\"cost_impact\\\":\\\"medium\\\","
             "\\\"performance_impact\\\":\\\"positive\\\",\\\"recommended_timing\\\":"
             "\\\"immediate\\\"}\"}}],\"usage\":{\"prompt_tokens\":900,\"completion_tokens\":80}}",
             action, target);
    return body;
}

static sa_llm *make_llm(sa_fake_peer *peer)
{
    sa_config cfg;
    sa_config_defaults(&cfg);
    snprintf(cfg.groq_api_key, sizeof cfg.groq_api_key, "test-key-not-secret");
    snprintf(cfg.groq_base_url, sizeof cfg.groq_base_url, "%s/openai/v1", sa_fake_peer_url(peer));
    snprintf(cfg.groq_models, sizeof cfg.groq_models, "openai/gpt-oss-120b");
    char *prompts = sa_test_source_path("prompts");
    snprintf(cfg.prompts_dir, sizeof cfg.prompts_dir, "%s", prompts);
    free(prompts);
    cfg.llm_timeout_ms = 3000;
    sa_llm_tuning tun;
    sa_llm_tuning_init(&tun);
    tun.backoff_base_ms = 1;
    tun.backoff_max_ms = 5;
    sa_llm *l = NULL;
    sa_errbuf eb = {0};
    if (sa_llm_create(&cfg, &tun, &l, &eb) != SA_OK)
        fail_msg("sa_llm_create: %s", eb.msg);
    return l;
}

static void llm_answer_wins_and_failure_falls_back(void **st)
{
    (void)st;
    sa_fake_peer *peer = NULL;
    sa_errbuf eb = {0};
    assert_int_equal(sa_fake_peer_start(&peer, &eb), SA_OK);
    sa_llm *llm = make_llm(peer);
    sa_advisor_state s;
    assert_int_equal(sa_advisor_state_init(&s, NULL, 0, &eb), SA_OK);
    sa_context ctx = mkctx(3, 182.0, T0);
    sa_fake_peer_push_simple(peer, 200, "Content-Type: application/json",
                             answer_body(6, "scale_up"));
    sa_advisor_input in = {.ctx = &ctx, .now = T0, .dry_run = true, .llm = llm, .llm_force = true};
    sa_result r;
    sa_advisor_evaluate(&in, &s, &r);
    if (!r.llm.present)
        fail_msg("llm error '%s'", r.llm_status.error);
    assert_true(r.llm_status.used);
    assert_string_equal(r.llm_status.error, "");
    assert_int_equal(r.decision.source, SA_SOURCE_LLM);
    assert_int_equal(r.decision.target_replicas, 6);
    assert_int_equal(sa_fake_peer_request_count(peer), 1);
    /* the prompt carried the rule's recommendation */
    const sa_fake_request *q = sa_fake_peer_request(peer, 0);
    assert_non_null(q);
    assert_non_null(strstr(q->body, "web"));

    /* an answer that breaks a hard limit is clamped by decide */
    sa_fake_peer_push_simple(peer, 200, "Content-Type: application/json",
                             answer_body(15, "scale_up"));
    sa_advisor_state_release(&s);
    assert_int_equal(sa_advisor_state_init(&s, NULL, 0, &eb), SA_OK);
    ctx = mkctx(4, 182.0, T0 + 60);
    in.now = T0 + 60;
    sa_advisor_evaluate(&in, &s, &r);
    assert_int_equal(r.decision.source, SA_SOURCE_LLM);
    assert_int_equal(r.decision.validation.verdict, SA_VERDICT_CLAMPED);
    assert_int_equal(r.decision.target_replicas, 8); /* +max(4, 4) */

    /* server errors: no LLM recommendation, the rule decides */
    sa_fake_response fr;
    sa_fake_response_init(&fr);
    fr.status = 500;
    fr.body = "{\"error\":{\"message\":\"boom\"}}";
    fr.times = -1;
    sa_fake_peer_push(peer, &fr);
    in.now = T0 + 120;
    ctx.observed_at = T0 + 120;
    ctx.cpu_percent = 190.0; /* a new context: the LLM cache does not answer */
    sa_advisor_evaluate(&in, &s, &r);
    assert_false(r.llm.present);
    assert_false(r.llm_status.used);
    assert_true(r.llm_status.error[0] != '\0');
    assert_int_equal(r.decision.source, SA_SOURCE_RULE);
    sa_advisor_state_release(&s);
    sa_llm_destroy(llm);
    sa_fake_peer_destroy(peer);
}

static void llm_economy_reuses_fresh_answer(void **st)
{
    (void)st;
    sa_fake_peer *peer = NULL;
    sa_errbuf eb = {0};
    assert_int_equal(sa_fake_peer_start(&peer, &eb), SA_OK);
    sa_llm *llm = make_llm(peer);
    sa_advisor_state s;
    assert_int_equal(sa_advisor_state_init(&s, NULL, 0, &eb), SA_OK);
    sa_context ctx = mkctx(4, 70.0, T0); /* on target: the rule maintains */
    sa_fake_peer_push_simple(peer, 200, "Content-Type: application/json",
                             answer_body(4, "maintain"));
    sa_advisor_input in = {.ctx = &ctx, .now = T0, .dry_run = true, .llm = llm};
    sa_result r;
    sa_advisor_evaluate(&in, &s, &r); /* no earlier answer: asks */
    assert_true(r.llm.present);
    assert_int_equal(sa_fake_peer_request_count(peer), 1);
    assert_int_equal(r.decision.source, SA_SOURCE_LLM);
    ctx.cpu_percent = 71.0;
    ctx.observed_at = T0 + 60;
    in.now = T0 + 60;
    sa_advisor_evaluate(&in, &s, &r); /* nothing material changed: reuse */
    assert_int_equal(sa_fake_peer_request_count(peer), 1);
    assert_true(r.llm.present);
    assert_true(r.llm_status.used);
    assert_string_equal(r.llm_status.model, "openai/gpt-oss-120b");
    assert_int_equal(r.decision.source, SA_SOURCE_LLM);
    assert_int_equal(r.decision.action, SA_ACTION_MAINTAIN);
    sa_advisor_state_release(&s);
    sa_llm_destroy(llm);
    sa_fake_peer_destroy(peer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rule_only_result),
        cmocka_unit_test(safety_on_stale_metrics),
        cmocka_unit_test(untimed_snapshot),
        cmocka_unit_test(replica_change_starts_cooldown),
        cmocka_unit_test(recent_memory_is_bounded),
        cmocka_unit_test(predictive_from_history),
        cmocka_unit_test(llm_answer_wins_and_failure_falls_back),
        cmocka_unit_test(llm_economy_reuses_fresh_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
