/*
 * config.h - the service configuration, declared once in a table
 * (src/config/config.c): environment name, type, default, bounds, secret
 * flag and help. The table drives parsing, `--help`, the redacted start-up
 * dump and the test that .env.example lists every entry.
 *
 * Precedence: defaults < .env file < process environment < flags.
 * The struct is read-only once built.
 */
#ifndef SCALEADVISOR_CONFIG_H
#define SCALEADVISOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/err.h"

#define SA_CFG_STR_MAX 1024

typedef enum { SA_SRC_SIMULATOR = 0, SA_SRC_PROMETHEUS, SA_SRC_KUBERNETES } sa_source_kind;

typedef struct {
    /* LLM */
    char groq_api_key[SA_CFG_STR_MAX]; /* secret; "" = LLM disabled */
    char groq_base_url[SA_CFG_STR_MAX];
    char groq_models[SA_CFG_STR_MAX]; /* comma list */
    int64_t llm_timeout_ms;
    char llm_reasoning_effort[16];     /* low | medium | high | "" (not sent) */
    int64_t llm_max_completion_tokens; /* >= 512 */
    double llm_temperature;
    char llm_response_format[16]; /* auto | json_schema | json_object */
    int64_t llm_cache_ttl_s;      /* identical context reuses the answer */
    int64_t llm_refresh_s;        /* an answer expires after this */
    int64_t llm_max_concurrent;   /* service: LLM steps in flight at once */
    char prompts_dir[SA_CFG_STR_MAX];

    /* service */
    char listen_host[256]; /* from SCALEADVISOR_LISTEN host:port */
    int listen_port;       /* 0 = ephemeral (tests) */
    char db_path[SA_CFG_STR_MAX];
    bool dry_run;
    char api_token[SA_CFG_STR_MAX]; /* secret; "" = mutating endpoints refused */
    sa_source_kind source;
    int64_t interval_s;      /* seconds between cycles */
    int64_t retention_hours; /* samples, forecasts, actuations: deleted after */
    char preset[16];         /* default preset for deployments */
    double miss_cost_rh;     /* predictor's price of a violation minute, replica-hours */
    double min_accuracy;     /* predictor: reactive fallback below this 1 - WAPE */
    int64_t startup_s;       /* predictor: a new replica is ready after this, s */
    /* decisions older than this are deleted, but for those of actuations
     * (kept with them for the longer of the two retentions) */
    int64_t decision_retention_hours;
    char web_dir[SA_CFG_STR_MAX];
    char log_level[16];

    /* prometheus / kubernetes */
    char prometheus_url[SA_CFG_STR_MAX];
    char config_file[SA_CFG_STR_MAX]; /* SCALEADVISOR_CONFIG: deployments + queries (JSON) */
    char k8s_api_url[SA_CFG_STR_MAX];
    char k8s_token[SA_CFG_STR_MAX]; /* secret */
} sa_config;

/* Fill c with the table's defaults. */
void sa_config_defaults(sa_config *c);

/* Apply one variable by its environment name (e.g. "SCALEADVISOR_LISTEN").
 * SA_ERR_INVALID with "NAME: reason" on a bad value; SA_ERR_NOTFOUND when
 * the name is not in the table. */
SA_MUST_CHECK sa_err sa_config_set(sa_config *c, const char *name, const char *value,
                                   sa_errbuf *eb);

/* Read a .env file (KEY=VALUE lines, # comments, optional quotes, optional
 * `export `). Unknown keys are errors naming the line. */
SA_MUST_CHECK sa_err sa_config_load_env_file(sa_config *c, const char *path, sa_errbuf *eb);

/* Apply every table variable present in the process environment. */
SA_MUST_CHECK sa_err sa_config_load_environ(sa_config *c, sa_errbuf *eb);

/* defaults, then env_file (NULL: ./.env when present; a given file must
 * exist), then the environment. */
SA_MUST_CHECK sa_err sa_config_load(sa_config *c, const char *env_file, sa_errbuf *eb);

/* Write "NAME=value" lines, secrets shown as "(set)" or "(unset)". */
SA_MUST_CHECK sa_err sa_config_dump(const sa_config *c, sa_buf *out);
/* Write the help table (name, default, meaning), one line each. */
SA_MUST_CHECK sa_err sa_config_help(sa_buf *out);

/* The table's variable names, for tests and tools: sa_config_name(i) for
 * i < sa_config_count(), NULL past the end. Static strings. */
size_t sa_config_count(void);
const char *sa_config_name(size_t i);

const char *sa_source_kind_name(sa_source_kind k);

#endif
