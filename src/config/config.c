/*
 * config.c - the configuration table and its loaders. One row per
 * variable drives parsing, --help, the redacted dump and the .env.example
 * test; nothing else in the program reads the environment.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scaleadvisor/config.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

typedef enum { T_STR, T_INT, T_DOUBLE, T_BOOL, T_ENUM, T_LISTEN, T_SOURCE, T_URL } cfg_type;

typedef struct {
    const char *name;
    cfg_type type;
    const char *def;
    double min, max;     /* T_INT, T_DOUBLE */
    const char *choices; /* T_ENUM: "|"-separated */
    int secret;
    size_t off, size; /* field offset and size (strings) */
    const char *help;
} cfg_entry;

#define F(field) offsetof(sa_config, field), sizeof(((sa_config *)0)->field)

static const cfg_entry table[] = {
    {"GROQ_API_KEY", T_STR, "", 0, 0, NULL, 1, F(groq_api_key),
     "key for the LLM API; unset = rules and forecasts only"},
    {"GROQ_BASE_URL", T_URL, "https://api.groq.com/openai/v1", 0, 0, NULL, 0, F(groq_base_url),
     "OpenAI-compatible base URL (Groq, vLLM, llama.cpp, Ollama)"},
    {"GROQ_MODELS", T_STR, "openai/gpt-oss-120b,openai/gpt-oss-20b", 0, 0, NULL, 0, F(groq_models),
     "comma list of models, tried in order"},
    {"LLM_TIMEOUT_MS", T_INT, "15000", 100, 600000, NULL, 0, F(llm_timeout_ms),
     "time limit of the whole LLM step of one decision, retries included"},
    {"LLM_REASONING_EFFORT", T_ENUM, "low", 0, 0, "low|medium|high|none", 0,
     F(llm_reasoning_effort), "reasoning_effort sent to reasoning models (none = not sent)"},
    {"LLM_MAX_COMPLETION_TOKENS", T_INT, "2048", 512, 65536, NULL, 0, F(llm_max_completion_tokens),
     "max_completion_tokens, reasoning included"},
    {"LLM_TEMPERATURE", T_DOUBLE, "0.3", 0, 2, NULL, 0, F(llm_temperature), "sampling temperature"},
    {"LLM_RESPONSE_FORMAT", T_ENUM, "auto", 0, 0, "auto|json_schema|json_object", 0,
     F(llm_response_format),
     "auto = strict json_schema for models that support it, json_object otherwise"},
    {"LLM_CACHE_TTL_S", T_INT, "300", 0, 86400, NULL, 0, F(llm_cache_ttl_s),
     "an identical context within this time reuses the last answer"},
    {"LLM_REFRESH_S", T_INT, "600", 0, 86400, NULL, 0, F(llm_refresh_s),
     "an LLM answer expires after this and is asked again"},
    {"LLM_MAX_CONCURRENT", T_INT, "4", 1, 64, NULL, 0, F(llm_max_concurrent),
     "LLM requests the service has in flight at once; the rest wait their turn"},
    {"SCALEADVISOR_PROMPTS_DIR", T_STR, "./prompts", 0, 0, NULL, 0, F(prompts_dir),
     "directory of the prompt templates"},
    {"SCALEADVISOR_LISTEN", T_LISTEN, "127.0.0.1:8080", 0, 0, NULL, 0, F(listen_host),
     "address:port of the HTTP server (port 0 = any free port)"},
    {"SCALEADVISOR_DB", T_STR, "./data/scaleadvisor.db", 0, 0, NULL, 0, F(db_path),
     "SQLite database file"},
    {"SCALEADVISOR_DRY_RUN", T_BOOL, "true", 0, 0, NULL, 0, F(dry_run),
     "true = advise only, never actuate"},
    {"SCALEADVISOR_API_TOKEN", T_STR, "", 0, 0, NULL, 1, F(api_token),
     "bearer token required by every mutating endpoint; unset = refused"},
    {"SCALEADVISOR_SOURCE", T_SOURCE, "simulator", 0, 0, NULL, 0, F(source),
     "simulator, prometheus or kubernetes"},
    {"SCALEADVISOR_INTERVAL_S", T_INT, "15", 1, 3600, NULL, 0, F(interval_s),
     "seconds between control-loop cycles"},
    {"SCALEADVISOR_RETENTION_HOURS", T_INT, "336", 1, 87600, NULL, 0, F(retention_hours),
     "metric samples, forecasts and actuations (with their decisions) older than this "
     "are deleted"},
    {"SCALEADVISOR_DECISION_RETENTION_HOURS", T_INT, "72", 1, 87600, NULL, 0,
     F(decision_retention_hours),
     "decisions older than this are deleted, except those an actuation kept"},
    {"SCALEADVISOR_MISS_COST_RH", T_DOUBLE, "16", 0, 1e6, NULL, 0, F(miss_cost_rh),
     "predictor: one SLO-violation minute priced in replica-hours (sets its headroom)"},
    {"SCALEADVISOR_MIN_ACCURACY", T_DOUBLE, "0", 0, 1, NULL, 0, F(min_accuracy),
     "predictor: below this 1 - WAPE of its recent forecasts it falls back to the "
     "reactive rule and says so (0 = only while unproven)"},
    {"SCALEADVISOR_STARTUP_S", T_INT, "60", 0, 3600, NULL, 0, F(startup_s),
     "predictor: seconds a new replica takes to become ready; it sizes for the load "
     "until then plus one interval (the simulator's replicas take 45)"},
    {"SCALEADVISOR_PRESET", T_ENUM, "balanced", 0, 0, "balanced|conservative|aggressive", 0,
     F(preset), "default constraint preset for deployments without an annotation"},
    {"SCALEADVISOR_WEB_DIR", T_STR, "./web", 0, 0, NULL, 0, F(web_dir),
     "directory of the dashboard files"},
    {"SCALEADVISOR_LOG_LEVEL", T_ENUM, "info", 0, 0, "debug|info|warn|error", 0, F(log_level),
     "least severe log level written to stderr"},
    {"PROMETHEUS_URL", T_STR, "http://127.0.0.1:9090", 0, 0, NULL, 0, F(prometheus_url),
     "Prometheus base URL (source prometheus)"},
    {"SCALEADVISOR_CONFIG", T_STR, "", 0, 0, NULL, 0, F(config_file),
     "JSON file of deployments and PromQL queries (source prometheus)"},
    {"K8S_API_URL", T_STR, "", 0, 0, NULL, 0, F(k8s_api_url),
     "Kubernetes API URL out of cluster (e.g. kubectl proxy); unset = in-cluster"},
    {"K8S_TOKEN", T_STR, "", 0, 0, NULL, 1, F(k8s_token),
     "bearer token for K8S_API_URL (optional)"},
};

static const char *const source_kinds[] = {"simulator", "prometheus", "kubernetes"};

const char *sa_source_kind_name(sa_source_kind k)
{
    return (size_t)k < SA_ARRAY_LEN(source_kinds) ? source_kinds[k] : "unknown";
}

static const cfg_entry *find(const char *name)
{
    for (size_t i = 0; i < SA_ARRAY_LEN(table); i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

static int enum_has(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0)
            return 1;
        p += len + (bar ? 1 : 0);
    }
    return 0;
}

static sa_err set_listen(sa_config *c, const char *v, sa_errbuf *eb)
{
    const char *colon = strrchr(v, ':');
    int port;
    if (!colon || colon == v)
        return sa_fail(eb, SA_ERR_INVALID, "SCALEADVISOR_LISTEN: '%s' is not address:port", v);
    if (sa_parse_int(colon + 1, 0, 65535, &port) != SA_OK)
        return sa_fail(eb, SA_ERR_INVALID,
                       "SCALEADVISOR_LISTEN: port '%s' is not a number from 0 to 65535", colon + 1);
    size_t hl = (size_t)(colon - v);
    const char *h = v;
    if (hl >= 2 && v[0] == '[' && v[hl - 1] == ']') { /* [::1]:8080 */
        h++;
        hl -= 2;
    }
    if (hl == 0 || hl >= sizeof c->listen_host)
        return sa_fail(eb, SA_ERR_INVALID, "SCALEADVISOR_LISTEN: bad address in '%s'", v);
    for (size_t i = 0; i < hl; i++)
        if (!(isalnum((unsigned char)h[i]) || h[i] == '.' || h[i] == '-' || h[i] == ':'))
            return sa_fail(eb, SA_ERR_INVALID, "SCALEADVISOR_LISTEN: bad address in '%s'", v);
    memcpy(c->listen_host, h, hl);
    c->listen_host[hl] = '\0';
    c->listen_port = port;
    return SA_OK;
}

sa_err sa_config_set(sa_config *c, const char *name, const char *value, sa_errbuf *eb)
{
    const cfg_entry *e = find(name);
    if (!e)
        return sa_fail(eb, SA_ERR_NOTFOUND, "unknown variable %s", name);
    char *field = (char *)c + e->off;
    switch (e->type) {
    case T_URL:
        if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)
            return sa_fail(eb, SA_ERR_INVALID, "%s: '%s' is not an http(s) URL", name, value);
        /* fall through */
    case T_STR:
        if (strlen(value) >= e->size)
            return sa_fail(eb, SA_ERR_INVALID, "%s: longer than %zu bytes", name, e->size - 1);
        sa_strlcpy(field, value, e->size);
        return SA_OK;
    case T_ENUM:
        if (!enum_has(e->choices, value))
            return sa_fail(eb, SA_ERR_INVALID, "%s: '%s' is not one of %s", name, value,
                           e->choices);
        sa_strlcpy(field, value, e->size);
        return SA_OK;
    case T_INT: {
        int64_t v;
        if (sa_parse_i64(value, (int64_t)e->min, (int64_t)e->max, &v) != SA_OK)
            return sa_fail(eb, SA_ERR_INVALID, "%s: '%s' is not a whole number from %.0f to %.0f",
                           name, value, e->min, e->max);
        memcpy(field, &v, sizeof v);
        return SA_OK;
    }
    case T_DOUBLE: {
        double v;
        if (sa_parse_double(value, e->min, e->max, &v) != SA_OK)
            return sa_fail(eb, SA_ERR_INVALID, "%s: '%s' is not a number from %g to %g", name,
                           value, e->min, e->max);
        memcpy(field, &v, sizeof v);
        return SA_OK;
    }
    case T_BOOL: {
        bool v;
        if (sa_parse_bool(value, &v) != SA_OK)
            return sa_fail(eb, SA_ERR_INVALID, "%s: '%s' is not true or false", name, value);
        memcpy(field, &v, sizeof v);
        return SA_OK;
    }
    case T_LISTEN:
        return set_listen(c, value, eb);
    case T_SOURCE:
        for (size_t i = 0; i < SA_ARRAY_LEN(source_kinds); i++)
            if (strcmp(value, source_kinds[i]) == 0) {
                c->source = (sa_source_kind)i;
                return SA_OK;
            }
        return sa_fail(eb, SA_ERR_INVALID,
                       "%s: '%s' is not one of simulator, prometheus, kubernetes", name, value);
    }
    return sa_fail(eb, SA_ERR_INTERNAL, "%s: unhandled type", name);
}

void sa_config_defaults(sa_config *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < SA_ARRAY_LEN(table); i++) {
        sa_err e = sa_config_set(c, table[i].name, table[i].def, NULL);
        (void)e; /* defaults are valid by construction (tested) */
    }
}

/* Strip blanks at both ends of [*s, *s+*n). */
static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static sa_err env_line(sa_config *c, const char *path, int lineno, const char *line, size_t n,
                       sa_errbuf *eb)
{
    char key[128], val[SA_CFG_STR_MAX];
    trim(&line, &n);
    if (n == 0 || line[0] == '#')
        return SA_OK;
    if (n > 7 && strncmp(line, "export ", 7) == 0) {
        line += 7;
        n -= 7;
        trim(&line, &n);
    }
    const char *eq = memchr(line, '=', n);
    if (!eq)
        return sa_fail(eb, SA_ERR_INVALID, "%s:%d: expected KEY=VALUE", path, lineno);
    const char *k = line, *v = eq + 1;
    size_t kn = (size_t)(eq - line), vn = n - kn - 1;
    trim(&k, &kn);
    trim(&v, &vn);
    if (vn >= 2 && (v[0] == '"' || v[0] == '\'') && v[vn - 1] == v[0]) {
        v++;
        vn -= 2;
    }
    if (kn == 0 || kn >= sizeof key || vn >= sizeof val)
        return sa_fail(eb, SA_ERR_INVALID, "%s:%d: key or value too long", path, lineno);
    memcpy(key, k, kn);
    key[kn] = '\0';
    memcpy(val, v, vn);
    val[vn] = '\0';
    sa_errbuf inner = {0};
    sa_err e = sa_config_set(c, key, val, &inner);
    if (e != SA_OK)
        return sa_fail(eb, SA_ERR_INVALID, "%s:%d: %s", path, lineno, inner.msg);
    return SA_OK;
}

sa_err sa_config_load_env_file(sa_config *c, const char *path, sa_errbuf *eb)
{
    sa_buf b;
    sa_buf_init(&b, 1u << 20);
    sa_err e = sa_buf_read_file(&b, path, eb);
    if (e != SA_OK)
        goto out;
    if (memchr(b.data, '\0', b.len)) {
        e = sa_fail(eb, SA_ERR_INVALID, "%s: contains a NUL byte", path);
        goto out;
    }
    int lineno = 1;
    for (const char *p = b.data; *p && e == SA_OK; lineno++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        e = env_line(c, path, lineno, p, n, eb);
        p += n + (nl ? 1 : 0);
    }
out:
    sa_buf_release(&b);
    return e;
}

sa_err sa_config_load_environ(sa_config *c, sa_errbuf *eb)
{
    for (size_t i = 0; i < SA_ARRAY_LEN(table); i++) {
        const char *v = getenv(table[i].name);
        if (!v)
            continue;
        sa_err e = sa_config_set(c, table[i].name, v, eb);
        if (e != SA_OK)
            return e;
    }
    return SA_OK;
}

sa_err sa_config_load(sa_config *c, const char *env_file, sa_errbuf *eb)
{
    sa_config_defaults(c);
    if (env_file) {
        sa_err e = sa_config_load_env_file(c, env_file, eb);
        if (e != SA_OK)
            return e;
    } else if (access(".env", F_OK) == 0) {
        sa_err e = sa_config_load_env_file(c, ".env", eb);
        if (e != SA_OK)
            return e;
    }
    return sa_config_load_environ(c, eb);
}

static sa_err value_text(const sa_config *c, const cfg_entry *e, char *out, size_t n)
{
    const char *field = (const char *)c + e->off;
    switch (e->type) {
    case T_STR:
    case T_URL:
    case T_ENUM:
        snprintf(out, n, "%s", field);
        break;
    case T_INT: {
        int64_t v;
        memcpy(&v, field, sizeof v);
        snprintf(out, n, "%lld", (long long)v);
        break;
    }
    case T_DOUBLE: {
        double v;
        memcpy(&v, field, sizeof v);
        snprintf(out, n, "%g", v);
        break;
    }
    case T_BOOL: {
        bool v;
        memcpy(&v, field, sizeof v);
        snprintf(out, n, "%s", v ? "true" : "false");
        break;
    }
    case T_LISTEN:
        snprintf(out, n, strchr(c->listen_host, ':') ? "[%s]:%d" : "%s:%d", c->listen_host,
                 c->listen_port);
        break;
    case T_SOURCE:
        snprintf(out, n, "%s", sa_source_kind_name(c->source));
        break;
    }
    return SA_OK;
}

sa_err sa_config_dump(const sa_config *c, sa_buf *out)
{
    char v[SA_CFG_STR_MAX + 64];
    sa_err e = SA_OK;
    for (size_t i = 0; e == SA_OK && i < SA_ARRAY_LEN(table); i++) {
        const cfg_entry *t = &table[i];
        value_text(c, t, v, sizeof v);
        if (t->secret)
            e = sa_buf_printf(out, "%s=%s\n", t->name, v[0] ? "(set)" : "(unset)");
        else
            e = sa_buf_printf(out, "%s=%s\n", t->name, v);
    }
    return e;
}

sa_err sa_config_help(sa_buf *out)
{
    sa_err e = SA_OK;
    for (size_t i = 0; e == SA_OK && i < SA_ARRAY_LEN(table); i++)
        e = sa_buf_printf(out, "  %-29s %s (default: %s)\n", table[i].name, table[i].help,
                          table[i].def[0] ? table[i].def : "unset");
    return e;
}

size_t sa_config_count(void)
{
    return SA_ARRAY_LEN(table);
}

const char *sa_config_name(size_t i)
{
    return i < SA_ARRAY_LEN(table) ? table[i].name : NULL;
}
