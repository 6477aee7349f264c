/*
 * cmd_replay.c - `scaleadvisor replay`: read and check a trace, run one
 * policy through the replay model (src/replay), print the summary as one
 * JSON object and optionally the per-step series as CSV. Bad input: one
 * line on stderr naming the problem (and the trace line), exit 2.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/cli.h"
#include "scaleadvisor/config.h"
#include "scaleadvisor/llm.h"
#include "scaleadvisor/replay.h"
#include "scaleadvisor/series.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: scaleadvisor replay --trace FILE.csv [--policy hpa|rules|predictive|hybrid]\n"
            "         [--period ROWS] [--step-s 60] [--startup-s 120] [--peak-replicas 20]\n"
            "         [--target-utilization 0.7] [--tolerance 0.1] [--downscale-window-s 300]\n"
            "         [--min-replicas 1] [--max-replicas 100] [--miss-cost-rh 16]\n"
            "         [--min-accuracy 0] [--preset balanced|conservative|aggressive]\n"
            "         [--series OUT.csv]\n"
            "Plays a timestamp,value load trace against a modelled deployment and prints\n"
            "the policy's score as one JSON object (see docs/replay.md).\n");
}

typedef struct {
    const char *trace;
    const char *series;
    sa_policy_kind policy;
    sa_replay_params p;
} replay_opts;

/* Parse one numeric flag value; 0 on success, else prints and returns 2. */
static int num_flag(const char *flag, const char *val, double lo, double hi, double *out)
{
    if (sa_parse_double(val, lo, hi, out) != SA_OK) {
        fprintf(stderr, "scaleadvisor replay: %s: '%s' is not a number in [%g, %g]\n", flag, val,
                lo, hi);
        return SA_EXIT_USAGE;
    }
    return 0;
}

static int int_flag(const char *flag, const char *val, int lo, int hi, int *out)
{
    if (sa_parse_int(val, lo, hi, out) != SA_OK) {
        fprintf(stderr, "scaleadvisor replay: %s: '%s' is not an integer in [%d, %d]\n", flag, val,
                lo, hi);
        return SA_EXIT_USAGE;
    }
    return 0;
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, replay_opts *o)
{
    sa_replay_params_init(&o->p);
    o->policy = SA_POLICY_HPA;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return SA_EXIT_OK;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "scaleadvisor replay: %s '%s' (try --help)\n",
                    strncmp(a, "--", 2) == 0 ? "missing value after" : "unexpected argument", a);
            return SA_EXIT_USAGE;
        }
        const char *v = argv[++i];
        int rc = 0, iv = 0;
        if (strcmp(a, "--trace") == 0) {
            o->trace = v;
        } else if (strcmp(a, "--series") == 0) {
            o->series = v;
        } else if (strcmp(a, "--policy") == 0) {
            if (sa_policy_parse(v, &o->policy) != SA_OK) {
                fprintf(stderr,
                        "scaleadvisor replay: --policy: unknown policy '%s' (hpa, rules, "
                        "predictive, hybrid)\n",
                        v);
                return SA_EXIT_USAGE;
            }
        } else if (strcmp(a, "--period") == 0) {
            rc = int_flag(a, v, 0, 100000, &iv);
            o->p.period = (size_t)iv;
        } else if (strcmp(a, "--step-s") == 0) {
            rc = num_flag(a, v, 1e-3, 1e7, &o->p.step_s);
        } else if (strcmp(a, "--startup-s") == 0) {
            rc = num_flag(a, v, 0, 1e7, &o->p.startup_s);
        } else if (strcmp(a, "--peak-replicas") == 0) {
            rc = num_flag(a, v, 1e-6, 1e5, &o->p.peak_replicas);
        } else if (strcmp(a, "--target-utilization") == 0) {
            rc = num_flag(a, v, 1e-3, 1.0, &o->p.target_utilization);
        } else if (strcmp(a, "--tolerance") == 0) {
            rc = num_flag(a, v, 0, 0.99, &o->p.tolerance);
        } else if (strcmp(a, "--downscale-window-s") == 0) {
            rc = num_flag(a, v, 0, 1e7, &o->p.downscale_window_s);
        } else if (strcmp(a, "--min-replicas") == 0) {
            rc = int_flag(a, v, 1, 100000, &o->p.min_replicas);
        } else if (strcmp(a, "--max-replicas") == 0) {
            rc = int_flag(a, v, 1, 100000, &o->p.max_replicas);
        } else if (strcmp(a, "--miss-cost-rh") == 0) {
            rc = num_flag(a, v, 0, 1e6, &o->p.miss_cost_rh);
        } else if (strcmp(a, "--min-accuracy") == 0) {
            rc = num_flag(a, v, 0, 1, &o->p.min_accuracy);
        } else if (strcmp(a, "--preset") == 0) {
            if (sa_preset_parse(v, &o->p.preset) != SA_OK) {
                fprintf(stderr,
                        "scaleadvisor replay: --preset: unknown preset '%s' (balanced, "
                        "conservative, aggressive)\n",
                        v);
                return SA_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "scaleadvisor replay: unknown option '%s' (try --help)\n", a);
            return SA_EXIT_USAGE;
        }
        if (rc)
            return rc;
    }
    if (!o->trace) {
        fprintf(stderr, "scaleadvisor replay: --trace FILE.csv is required (try --help)\n");
        return SA_EXIT_USAGE;
    }
    if (o->p.max_replicas < o->p.min_replicas) {
        fprintf(stderr, "scaleadvisor replay: --max-replicas %d is below --min-replicas %d\n",
                o->p.max_replicas, o->p.min_replicas);
        return SA_EXIT_USAGE;
    }
    return -1;
}

/* Rules of a replay trace beyond the CSV format: values >= 0, two rows. */
static int check_trace(const char *name, const sa_series *s)
{
    size_t usable = 0, last_line = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (isnan(s->v[i]))
            continue;
        if (s->v[i] < 0.0) {
            fprintf(stderr, "scaleadvisor replay: %s:%zu: negative value %g (load must be >= 0)\n",
                    name, s->line[i], s->v[i]);
            return SA_EXIT_USAGE;
        }
        usable++;
        last_line = s->line[i];
    }
    if (usable < 2) {
        if (usable == 0)
            fprintf(stderr,
                    "scaleadvisor replay: %s: no row with a value; a trace needs at "
                    "least two rows\n",
                    name);
        else
            fprintf(stderr,
                    "scaleadvisor replay: %s:%zu: only one row with a value; a trace "
                    "needs at least two rows\n",
                    name, last_line);
        return SA_EXIT_USAGE;
    }
    return -1;
}

/* %.4f without trailing zeros beyond the first decimal: 5.0, 8.3667. */
static void put_num(sa_buf *b, const char *key, double x, int *ok)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.4f", x);
    size_t n = strlen(tmp);
    while (n > 0 && tmp[n - 1] == '0' && n >= 2 && tmp[n - 2] != '.')
        tmp[--n] = '\0';
    if (sa_buf_printf(b, ", \"%s\": %s", key, tmp) != SA_OK)
        *ok = 0;
}

static int write_series(const char *path, const sa_replay_series *s)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!f) {
        fprintf(stderr, "scaleadvisor replay: --series %s: %s\n", path, strerror(errno));
        return SA_EXIT_USAGE;
    }
    fprintf(f, "t,demand,replicas,ready,utilization\n");
    for (size_t k = 0; k < s->n; k++)
        fprintf(f, "%.15g,%.6f,%d,%d,%.6f\n", s->t[k], s->demand[k], s->replicas[k], s->ready[k],
                s->utilization[k]);
    int bad = ferror(f);
    if (f != stdout && fclose(f) != 0)
        bad = 1;
    if (bad) {
        fprintf(stderr, "scaleadvisor replay: --series %s: write failed\n", path);
        return SA_EXIT_FAIL;
    }
    return SA_EXIT_OK;
}

static int print_summary(const sa_replay_summary *sum, sa_policy_kind k, const sa_policy_stats *st)
{
    sa_buf b;
    int ok = 1;
    sa_buf_init(&b, SA_CAP_JSON_OUT);
    if (sa_buf_printf(&b, "{\"policy\": \"%s\", \"steps\": %zu", sa_policy_name(k), sum->steps))
        ok = 0;
    put_num(&b, "slo_violation_minutes", sum->slo_violation_minutes, &ok);
    put_num(&b, "unserved_replica_seconds", sum->unserved_replica_seconds, &ok);
    put_num(&b, "replica_hours", sum->replica_hours, &ok);
    if (sa_buf_printf(&b, ", \"scaling_actions\": %ld", sum->scaling_actions))
        ok = 0;
    put_num(&b, "mean_utilization", sum->mean_utilization, &ok);
    if (k == SA_POLICY_HYBRID && sa_buf_printf(&b, ", \"llm_calls\": %ld, \"llm_tokens\": %ld",
                                               st->llm_calls, st->llm_tokens))
        ok = 0;
    if (sa_buf_puts(&b, "}\n"))
        ok = 0;
    if (ok)
        fputs(b.data, stdout);
    sa_buf_release(&b);
    if (!ok) {
        fprintf(stderr, "scaleadvisor replay: out of memory formatting the summary\n");
        return SA_EXIT_FAIL;
    }
    return SA_EXIT_OK;
}

/* hybrid consults the LLM when GROQ_API_KEY is set (environment or ./.env),
 * exactly as the service would; *out stays NULL otherwise. */
static sa_err hybrid_llm(sa_llm **out, sa_errbuf *eb)
{
    const char *key = getenv("GROQ_API_KEY");
    sa_config cfg;
    *out = NULL;
    if (!key || !*key)
        return SA_OK;
    sa_err e = sa_config_load(&cfg, NULL, eb);
    if (e == SA_OK && cfg.groq_api_key[0])
        e = sa_llm_create(&cfg, NULL, out, eb);
    memset(cfg.groq_api_key, 0, sizeof cfg.groq_api_key);
    return e;
}

int sa_cmd_replay(int argc, char **argv)
{
    replay_opts o;
    memset(&o, 0, sizeof o);
    sa_series s;
    sa_replay_series ser;
    sa_policy *pol = NULL;
    sa_llm *llm = NULL;
    sa_errbuf eb = {0};
    sa_replay_summary sum;
    sa_policy_stats st = {0};
    int rc = parse_args(argc, argv, &o);
    sa_series_init(&s);
    sa_replay_series_init(&ser);
    if (rc >= 0)
        goto out;
    sa_err e = sa_series_read(o.trace, &s, &eb);
    if (e != SA_OK) {
        fprintf(stderr, "scaleadvisor replay: %s\n", eb.msg);
        rc = e == SA_ERR_NOMEM ? SA_EXIT_FAIL : SA_EXIT_USAGE;
        goto out;
    }
    if ((rc = check_trace(o.trace, &s)) >= 0)
        goto out;
    e = sa_policy_create(o.policy, &o.p, sa_series_step(&s), &pol, &eb);
    if (e == SA_OK && o.policy == SA_POLICY_HYBRID && (e = hybrid_llm(&llm, &eb)) == SA_OK)
        sa_policy_set_llm(pol, llm);
    /* the run's own errors are about the trace: name it */
    const char *about = "";
    if (e == SA_OK) {
        e = sa_replay_run(s.t, s.v, s.n, &o.p, sa_policy_iface(pol), &sum, o.series ? &ser : NULL,
                          &eb);
        about = o.trace;
    }
    if (e != SA_OK) {
        fprintf(stderr, "scaleadvisor replay: %s%s%s\n", about, *about ? ": " : "", eb.msg);
        rc = e == SA_ERR_INVALID || e == SA_ERR_UNAVAILABLE ? SA_EXIT_USAGE : SA_EXIT_FAIL;
        goto out;
    }
    sa_policy_get_stats(pol, &st);
    rc = o.series ? write_series(o.series, &ser) : SA_EXIT_OK;
    if (rc == SA_EXIT_OK)
        rc = print_summary(&sum, o.policy, &st);
out:
    sa_policy_destroy(pol);
    sa_llm_destroy(llm);
    sa_replay_series_release(&ser);
    sa_series_release(&s);
    return rc;
}
