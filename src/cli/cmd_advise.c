/*
 * cmd_advise.c - `scaleadvisor advise --context FILE.json|-`: one context
 * in, one recommendation object out, through the shared advisor (rule,
 * predictive from the context's history, the LLM when a key is set). Bad
 * input is exit 2 with one line on stderr; any LLM trouble only falls back
 * to the other sources, so a decision always comes out (exit 0).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "scaleadvisor/advisor.h"
#include "scaleadvisor/buf.h"
#include "scaleadvisor/cli.h"
#include "scaleadvisor/codec.h"
#include "scaleadvisor/config.h"
#include "scaleadvisor/llm.h"
#include "scaleadvisor/log.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: scaleadvisor advise --context FILE.json|- [--env-file PATH] [--now EPOCH]\n"
               "                           [--no-llm]\n"
               "Prints one recommendation for the deployment described by the context JSON\n"
               "(see docs/llm.md). Uses the LLM when GROQ_API_KEY is set and falls back to the\n"
               "rules on any LLM failure. --now fixes the evaluation time (default: the clock).\n");
}

typedef struct {
    const char *context;
    const char *env_file;
    bool no_llm;
    bool has_now;
    int64_t now;
} advise_opts;

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, advise_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return SA_EXIT_OK;
        }
        if (!strcmp(a, "--no-llm")) {
            o->no_llm = true;
            continue;
        }
        if (strcmp(a, "--context") && strcmp(a, "--env-file") && strcmp(a, "--now")) {
            fprintf(stderr, "scaleadvisor advise: unknown argument '%s' (try --help)\n", a);
            return SA_EXIT_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "scaleadvisor advise: missing value after %s\n", a);
            return SA_EXIT_USAGE;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "--context")) {
            o->context = v;
        } else if (!strcmp(a, "--env-file")) {
            o->env_file = v;
        } else if (sa_parse_i64(v, 0, INT64_C(32503680000), &o->now) == SA_OK) {
            o->has_now = true;
        } else {
            fprintf(stderr, "scaleadvisor advise: --now: '%s' is not epoch seconds\n", v);
            return SA_EXIT_USAGE;
        }
    }
    if (!o->context) {
        fprintf(stderr, "scaleadvisor advise: --context FILE.json (or -) is required\n");
        return SA_EXIT_USAGE;
    }
    return -1;
}

/* Predictor parameters for a one-off context: the history's own spacing. */
static void predict_params(const sa_context *ctx, const sa_config *cfg, sa_predict_params *pp)
{
    sa_advisor_predict_params(cfg, pp);
    if (ctx->n_history >= 2) {
        double dt = (double)(ctx->history[1].timestamp - ctx->history[0].timestamp);
        if (dt > 0) {
            pp->sample_s = dt;
            pp->interval_s = dt;
        }
    }
    pp->min_replicas = ctx->min_replicas;
    pp->max_replicas = ctx->max_replicas;
    pp->unit_per_replica = 100.0;
    sa_strlcpy(pp->unit, "% CPU", sizeof pp->unit);
    sa_strlcpy(pp->metric, "cpu_percent", sizeof pp->metric);
}

static int evaluate(const advise_opts *o, const sa_config *cfg, const sa_context *ctx)
{
    int rc = SA_EXIT_FAIL;
    sa_llm *llm = NULL;
    sa_errbuf eb = {0};
    char llm_problem[SA_STATUS_MAX] = "";
    sa_advisor_state st;
    sa_predict_params pp;
    sa_buf out;
    sa_buf_init(&out, SA_CAP_JSON_OUT);
    sa_result *r = malloc(sizeof *r);
    if (!r) {
        fprintf(stderr, "scaleadvisor advise: out of memory\n");
        return SA_EXIT_FAIL;
    }
    if (!o->no_llm && sa_llm_create(cfg, NULL, &llm, &eb) != SA_OK) {
        /* a broken LLM set-up must not stop the rules from deciding */
        snprintf(llm_problem, sizeof llm_problem, "unavailable: %.170s", eb.msg);
        sa_log(SA_LOG_WARN, "llm unavailable, rules decide", "error=%s", eb.msg);
        llm = NULL;
    }
    predict_params(ctx, cfg, &pp);
    if (sa_advisor_state_init(&st, &pp, 0, &eb) != SA_OK &&
        sa_advisor_state_init(&st, NULL, 0, &eb) != SA_OK) {
        fprintf(stderr, "scaleadvisor advise: %s\n", eb.msg);
        goto out;
    }
    sa_advisor_input in = {.ctx = ctx,
                           .now = o->has_now ? o->now : (int64_t)sa_now(),
                           .dry_run = true,
                           .llm = llm,
                           .llm_force = true,
                           .untimed_is_now = true};
    sa_result_init(r);
    sa_advisor_evaluate(&in, &st, r);
    sa_advisor_state_release(&st);
    if (llm_problem[0])
        sa_strlcpy(r->llm_status.error, llm_problem, sizeof r->llm_status.error);
    if (sa_codec_result_json(r, &out) != SA_OK || !out.data) {
        fprintf(stderr, "scaleadvisor advise: cannot write the recommendation\n");
        goto out;
    }
    fputs(out.data, stdout);
    fputc('\n', stdout);
    rc = fflush(stdout) == 0 ? SA_EXIT_OK : SA_EXIT_FAIL;
out:
    sa_llm_destroy(llm);
    sa_buf_release(&out);
    free(r);
    return rc;
}

int sa_cmd_advise(int argc, char **argv)
{
    advise_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    sa_errbuf eb = {0};
    sa_config *cfg = malloc(sizeof *cfg);
    sa_buf text;
    sa_buf_init(&text, SA_CAP_FILE);
    sa_context ctx;
    sa_context_init(&ctx);
    rc = SA_EXIT_USAGE;
    if (!cfg) {
        rc = SA_EXIT_FAIL;
        goto out;
    }
    if (sa_config_load(cfg, o.env_file, &eb) != SA_OK) {
        fprintf(stderr, "scaleadvisor advise: %s\n", eb.msg);
        goto out;
    }
    sa_log_level lvl;
    if (sa_log_parse_level(cfg->log_level, &lvl) == SA_OK)
        sa_log_set_level(lvl);
    if (sa_buf_read_file(&text, o.context, &eb) != SA_OK) {
        fprintf(stderr, "scaleadvisor advise: %s\n", eb.msg);
        goto out;
    }
    if (sa_codec_context_parse(text.data, text.len, &ctx, &eb) != SA_OK) {
        fprintf(stderr, "scaleadvisor advise: %s: %s\n",
                !strcmp(o.context, "-") ? "stdin" : o.context, eb.msg);
        goto out;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = evaluate(&o, cfg, &ctx);
    curl_global_cleanup();
out:
    sa_context_release(&ctx);
    sa_buf_release(&text);
    if (cfg)
        memset(cfg->groq_api_key, 0, sizeof cfg->groq_api_key);
    free(cfg);
    return rc;
}
