/*
 * cmd_serve.c - the `serve` command: configuration (defaults < .env <
 * environment < flags), then start-up in order (signals blocked before any
 * thread, database, source, service, HTTP), the loop until SIGINT or
 * SIGTERM, and shutdown in reverse order.
 */
#include <errno.h>
#include <pthread.h>

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scaleadvisor/cli.h"
#include "scaleadvisor/config.h"
#include "scaleadvisor/http.h"
#include "scaleadvisor/llm.h"
#include "scaleadvisor/log.h"
#include "scaleadvisor/metrics.h"
#include "scaleadvisor/service.h"
#include "scaleadvisor/source.h"
#include "scaleadvisor/store.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

/* Flags that map onto a configuration variable. */
static const struct {
    const char *flag;
    const char *var;
    const char *help;
} value_flags[] = {
    {"--listen", "SCALEADVISOR_LISTEN", "ADDR:PORT  HTTP address (port 0: any free port)"},
    {"--db", "SCALEADVISOR_DB", "PATH       SQLite database file"},
    {"--source", "SCALEADVISOR_SOURCE", "NAME       simulator, prometheus or kubernetes"},
    {"--interval-s", "SCALEADVISOR_INTERVAL_S", "N          seconds between cycles"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: scaleadvisor serve [options]\n\n"
               "Runs the control loop, the API and the dashboard. Flags override the\n"
               "environment, which overrides the .env file.\n\noptions:\n");
    for (size_t i = 0; i < SA_ARRAY_LEN(value_flags); i++)
        fprintf(f, "  %-12s %s (%s)\n", value_flags[i].flag, value_flags[i].help,
                value_flags[i].var);
    fprintf(f, "  --dry-run               advise only, never actuate (default)\n"
               "  --apply                 actuate the decisions (simulator: drives the cluster)\n"
               "  --env-file PATH         read variables from PATH (default ./.env if present)\n"
               "  --help                  this text\n\nvariables:\n");
}

typedef struct {
    const char *env_file;
    const char *values[SA_ARRAY_LEN(value_flags)];
    int dry_run; /* -1 = from config */
} serve_args;

/* 0 ok, 1 --help printed, 2 bad flag (message printed). */
static int parse_args(int argc, char **argv, serve_args *a)
{
    a->env_file = NULL;
    a->dry_run = -1;
    for (size_t i = 0; i < SA_ARRAY_LEN(value_flags); i++)
        a->values[i] = NULL;
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        size_t k;
        if (strcmp(f, "--help") == 0 || strcmp(f, "-h") == 0)
            return 1;
        if (strcmp(f, "--dry-run") == 0 || strcmp(f, "--apply") == 0) {
            int want = f[2] == 'd';
            if (a->dry_run >= 0 && a->dry_run != want) {
                fprintf(stderr, "scaleadvisor serve: --dry-run and --apply exclude each other\n");
                return 2;
            }
            a->dry_run = want;
            continue;
        }
        if (strcmp(f, "--env-file") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "scaleadvisor serve: --env-file needs a value\n");
                return 2;
            }
            a->env_file = argv[++i];
            continue;
        }
        for (k = 0; k < SA_ARRAY_LEN(value_flags); k++)
            if (strcmp(f, value_flags[k].flag) == 0)
                break;
        if (k == SA_ARRAY_LEN(value_flags)) {
            fprintf(stderr, "scaleadvisor serve: unknown option '%s' (try --help)\n", f);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "scaleadvisor serve: %s needs a value\n", f);
            return 2;
        }
        a->values[k] = argv[++i];
    }
    return 0;
}

static int load_config(const serve_args *a, sa_config *cfg)
{
    sa_errbuf eb = {0};
    if (sa_config_load(cfg, a->env_file, &eb) != SA_OK) {
        fprintf(stderr, "scaleadvisor serve: %s\n", eb.msg);
        return 2;
    }
    for (size_t k = 0; k < SA_ARRAY_LEN(value_flags); k++)
        if (a->values[k] && sa_config_set(cfg, value_flags[k].var, a->values[k], &eb) != SA_OK) {
            fprintf(stderr, "scaleadvisor serve: %s: %s\n", value_flags[k].flag, eb.msg);
            return 2;
        }
    if (a->dry_run >= 0 &&
        sa_config_set(cfg, "SCALEADVISOR_DRY_RUN", a->dry_run ? "true" : "false", &eb) != SA_OK) {
        fprintf(stderr, "scaleadvisor serve: %s\n", eb.msg);
        return 2;
    }
    return 0;
}

/* Create the database's directory when it is missing (one level). */
static void make_db_dir(const char *path)
{
    char dir[SA_CFG_STR_MAX];
    char *slash;
    sa_strlcpy(dir, path, sizeof dir);
    slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return;
    *slash = '\0';
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        sa_log(SA_LOG_WARN, "cannot create database directory", "dir=%s error=%s", dir,
               strerror(errno));
}

/* The effective configuration, one log line per variable, secrets shown
 * only as (set) or (unset) by sa_config_dump. */
static void log_config(const sa_config *cfg)
{
    sa_buf b;
    sa_buf_init(&b, 256 * 1024);
    if (sa_config_dump(cfg, &b) == SA_OK && b.data) {
        char *line = b.data, *nl;
        for (; *line; line = nl + 1) {
            nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            if (*line)
                sa_log(SA_LOG_INFO, "config", "var=%s", line);
            if (!nl)
                break;
        }
    }
    sa_buf_release(&b);
}

/* Everything that runs, in start-up order; torn down in reverse. */
typedef struct {
    sa_store *store, *reader;
    sa_src *src;
    sa_metrics *metrics;
    sa_llm *llm;
    sa_service *svc;
    sa_http *http;
} serve_parts;

static int start(const sa_config *cfg, serve_parts *p, sa_errbuf *eb)
{
    sa_service_deps d;
    sa_http_backend be;
    sa_http_options ho;
    make_db_dir(cfg->db_path);
    if (sa_store_open(cfg->db_path, SA_STORE_READWRITE, &p->store, eb) != SA_OK ||
        sa_store_open(cfg->db_path, SA_STORE_READONLY, &p->reader, eb) != SA_OK ||
        sa_src_create(cfg, &p->src, eb) != SA_OK || sa_metrics_create(&p->metrics, eb) != SA_OK ||
        sa_llm_create(cfg, NULL, &p->llm, eb) != SA_OK)
        return 1;
    memset(&d, 0, sizeof d);
    d.cfg = cfg;
    d.src = p->src;
    d.store = p->store;
    d.reader = p->reader;
    d.metrics = p->metrics;
    d.llm = p->llm;
    if (sa_service_create(&d, &p->svc, eb) != SA_OK)
        return 1;
    sa_service_backend(p->svc, &be);
    memset(&ho, 0, sizeof ho);
    ho.host = cfg->listen_host;
    ho.port = cfg->listen_port;
    ho.web_dir = cfg->web_dir;
    ho.api_token = cfg->api_token;
    if (sa_http_create(&ho, &be, &p->http, eb) != SA_OK)
        return 1;
    sa_log(SA_LOG_INFO, "http listening", "addr=%s:%d dry_run=%s source=%s llm=%s",
           cfg->listen_host, sa_http_port(p->http), cfg->dry_run ? "true" : "false", p->src->kind,
           sa_llm_enabled(p->llm) ? "enabled" : "disabled");
    return 0;
}

static void stop(serve_parts *p)
{
    if (p->svc)
        sa_service_stop(p->svc); /* wake HTTP threads waiting on the loop */
    sa_http_destroy(p->http);
    sa_service_destroy(p->svc);
    sa_llm_destroy(p->llm);
    sa_metrics_destroy(p->metrics);
    sa_src_destroy(p->src);
    sa_store_close(p->reader);
    sa_store_close(p->store);
}

int sa_cmd_serve(int argc, char **argv)
{
    serve_args a;
    sa_config *cfg = NULL;
    serve_parts p;
    sa_errbuf eb = {0};
    sigset_t set;
    sa_log_level lvl;
    int rc = parse_args(argc, argv, &a), sig;
    if (rc == 1) {
        sa_buf help;
        sa_buf_init(&help, 64 * 1024);
        usage(stdout);
        if (sa_config_help(&help) == SA_OK && help.data)
            fputs(help.data, stdout);
        sa_buf_release(&help);
        return SA_EXIT_OK;
    }
    if (rc)
        return SA_EXIT_USAGE;
    if (!(cfg = malloc(sizeof *cfg)))
        return SA_EXIT_FAIL;
    if (load_config(&a, cfg) != 0) {
        free(cfg);
        return SA_EXIT_USAGE;
    }
    if (sa_log_parse_level(cfg->log_level, &lvl) == SA_OK)
        sa_log_set_level(lvl);
    /* Signals: SIGPIPE ignored; SIGINT and SIGTERM blocked here, before
     * any thread exists, so every thread inherits the mask and only the
     * loop's sigtimedwait takes them. */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    /* libcurl's global state, once, before any thread that uses it */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "scaleadvisor serve: libcurl initialisation failed\n");
        free(cfg);
        return SA_EXIT_FAIL;
    }
    log_config(cfg);
    memset(&p, 0, sizeof p);
    if (start(cfg, &p, &eb) != 0) {
        fprintf(stderr, "scaleadvisor serve: %s\n", eb.msg);
        sa_log(SA_LOG_ERROR, "start-up failed", "error=%s", eb.msg);
        stop(&p);
        curl_global_cleanup();
        free(cfg);
        return SA_EXIT_FAIL;
    }
    sig = sa_service_run(p.svc, &set);
    sa_log(SA_LOG_INFO, "shutting down", "signal=%s cycles=%lld",
           sig == SIGINT ? "SIGINT" : "SIGTERM", (long long)sa_service_cycles(p.svc));
    stop(&p);
    curl_global_cleanup();
    sa_log(SA_LOG_INFO, "stopped", "db=%s", cfg->db_path);
    free(cfg);
    return SA_EXIT_OK;
}
