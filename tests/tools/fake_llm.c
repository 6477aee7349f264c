/*
 * fake_llm.c - a hostile stand-in for Groq's OpenAI-compatible chat
 * completions API, for the dashboard's browser test. Every answer is a
 * schema-valid "maintain" recommendation whose reasoning and factors carry
 * HTML and script, so the test can check that the page shows them as text
 * and runs nothing.
 *
 *   sa_fake_llm --port-file FILE [--log FILE] [--max-seconds N]
 *
 * Listens on 127.0.0.1, an ephemeral port written to FILE once ready. The
 * target is the deployment's current replica count, read from the prompt
 * ("Replicas: current N" as prompts/user.txt puts it, or "current_replicas"
 * followed by a number), so it is always within the deployment's bounds. Logs one line per request.
 * Exits on SIGTERM/SIGINT or after --max-seconds (default 300).
 */
#include <ctype.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "scaleadvisor/banned.h"

#define BODY_MAX (4u << 20)

/* The hostile text the page must show verbatim and never execute. */
#define HOSTILE_REASONING                                                                          \
    "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned';"                \
    "document.documentElement.setAttribute('data-pwned','1')</script>"                             \
    "Load is steady; keep the current replicas."
#define HOSTILE_FACTOR_1 "<b onmouseover=\"alert(1)\">cpu</b> steady"
#define HOSTILE_FACTOR_2 "<script>document.title='pwned'</script>forecast flat"

static volatile sig_atomic_t g_stop;
static FILE *g_log;
static pthread_mutex_t g_log_mu = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
    char *data;
    size_t len;
    bool full;
} req_body;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* First integer within 40 bytes after a case-insensitive `key`, or -1. */
static long find_number_after(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; *p; p++) {
        if (strncasecmp(p, key, kl) != 0)
            continue;
        const char *q = p + kl;
        for (int i = 0; i < 40 && q[i]; i++) {
            if (isdigit((unsigned char)q[i])) {
                char *end = NULL;
                long v = strtol(q + i, &end, 10);
                if (v >= 0 && v < 100000)
                    return v;
                break;
            }
            if (isalpha((unsigned char)q[i]))
                break; /* another word: not this key's value */
        }
    }
    return -1;
}

static long current_replicas(const char *body)
{
    static const char *keys[] = {"replicas: current", "current_replicas", "current replicas",
                                 "currentReplicas", "min_replicas"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        long v = find_number_after(body, keys[i]);
        if (v > 0)
            return v;
    }
    return 1;
}

/* The chat completion reply; caller frees. NULL on allocation failure. */
static char *completion(const char *req)
{
    char *out = NULL;
    char *content = NULL;
    cJSON *rq = cJSON_Parse(req);
    const cJSON *m = rq ? cJSON_GetObjectItemCaseSensitive(rq, "model") : NULL;
    const char *model = cJSON_IsString(m) ? m->valuestring : "openai/gpt-oss-120b";
    cJSON *ans = cJSON_CreateObject();
    cJSON *factors = cJSON_CreateArray();
    cJSON *top = cJSON_CreateObject();
    if (!ans || !factors || !top)
        goto out;
    cJSON_AddStringToObject(ans, "action", "maintain");
    cJSON_AddNumberToObject(ans, "target_replicas", (double)current_replicas(req));
    cJSON_AddNumberToObject(ans, "confidence", 0.8);
    cJSON_AddStringToObject(ans, "reasoning", HOSTILE_REASONING);
    cJSON_AddItemToArray(factors, cJSON_CreateString(HOSTILE_FACTOR_1));
    cJSON_AddItemToArray(factors, cJSON_CreateString(HOSTILE_FACTOR_2));
    cJSON_AddItemToObject(ans, "factors_considered", factors);
    factors = NULL;
    cJSON_AddStringToObject(ans, "risk_assessment", "low");
    cJSON_AddStringToObject(ans, "cost_impact", "low");
    cJSON_AddStringToObject(ans, "performance_impact", "neutral");
    cJSON_AddStringToObject(ans, "recommended_timing", "next_review");
    content = cJSON_PrintUnformatted(ans);
    if (!content)
        goto out;

    cJSON_AddStringToObject(top, "id", "chatcmpl-fake");
    cJSON_AddStringToObject(top, "object", "chat.completion");
    cJSON_AddNumberToObject(top, "created", (double)time(NULL));
    cJSON_AddStringToObject(top, "model", model);
    cJSON *choices = cJSON_AddArrayToObject(top, "choices");
    cJSON *choice = cJSON_CreateObject();
    cJSON *msg = cJSON_CreateObject();
    if (!choices || !choice || !msg) {
        cJSON_Delete(choice);
        cJSON_Delete(msg);
        goto out;
    }
    cJSON_AddNumberToObject(choice, "index", 0);
    cJSON_AddStringToObject(msg, "role", "assistant");
    cJSON_AddStringToObject(msg, "content", content);
    cJSON_AddItemToObject(choice, "message", msg);
    cJSON_AddStringToObject(choice, "finish_reason", "stop");
    cJSON_AddItemToArray(choices, choice);
    cJSON *usage = cJSON_AddObjectToObject(top, "usage");
    if (usage) {
        cJSON_AddNumberToObject(usage, "prompt_tokens", 900);
        cJSON_AddNumberToObject(usage, "completion_tokens", 120);
        cJSON_AddNumberToObject(usage, "total_tokens", 1020);
    }
    out = cJSON_PrintUnformatted(top);
out:
    free(content);
    cJSON_Delete(factors);
    cJSON_Delete(ans);
    cJSON_Delete(top);
    cJSON_Delete(rq);
    return out;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static void log_request(const char *method, const char *url, bool auth, size_t len)
{
    if (!g_log)
        return;
    pthread_mutex_lock(&g_log_mu);
    fprintf(g_log, "%s %s auth=%s body=%zu\n", method, url, auth ? "bearer" : "none", len);
    fflush(g_log);
    pthread_mutex_unlock(&g_log_mu);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    req_body *b = *con_cls;
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b)
            return MHD_NO;
        *con_cls = b;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        if (b->len + n > BODY_MAX) {
            b->full = true;
        } else {
            char *p = realloc(b->data, b->len + n + 1);
            if (!p)
                return MHD_NO;
            b->data = p;
            memcpy(b->data + b->len, upload, n);
            b->len += n;
            b->data[b->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    bool bearer = auth && strncmp(auth, "Bearer ", 7) == 0 && auth[7] != '\0';
    log_request(method, url, bearer, b->len);

    size_t ul = strlen(url);
    static const char suffix[] = "/chat/completions";
    if (strcmp(method, "POST") == 0 && ul >= sizeof suffix - 1 &&
        strcmp(url + ul - (sizeof suffix - 1), suffix) == 0) {
        if (!bearer)
            return send_text(c, 401, "{\"error\":{\"message\":\"missing api key\"}}");
        if (b->full || !b->data)
            return send_text(c, 400, "{\"error\":{\"message\":\"empty or too big body\"}}");
        char *reply = completion(b->data);
        if (!reply)
            return send_text(c, 500, "{\"error\":{\"message\":\"fake_llm: out of memory\"}}");
        enum MHD_Result r = send_text(c, 200, reply);
        free(reply);
        return r;
    }
    return send_text(c, 404, "{\"error\":{\"message\":\"fake_llm: unknown path\"}}");
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    req_body *b = *con_cls;
    if (b) {
        free(b->data);
        free(b);
        *con_cls = NULL;
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: sa_fake_llm --port-file FILE [--log FILE] [--max-seconds N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *port_file = NULL, *log_file = NULL;
    long max_s = 300;
    int rc = 1;
    struct MHD_Daemon *d = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port-file") == 0 && i + 1 < argc) {
            port_file = argv[++i];
        } else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc) {
            log_file = argv[++i];
        } else if (strcmp(argv[i], "--max-seconds") == 0 && i + 1 < argc) {
            char *end = NULL;
            max_s = strtol(argv[++i], &end, 10);
            if (!end || *end || max_s < 1 || max_s > 3600) {
                fprintf(stderr, "sa_fake_llm: --max-seconds: expected 1..3600\n");
                return 2;
            }
        } else {
            return usage();
        }
    }
    if (!port_file)
        return usage();
    if (log_file && !(g_log = fopen(log_file, "a"))) {
        fprintf(stderr, "sa_fake_llm: cannot open %s\n", log_file);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL,
                         NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &addr,
                         MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "sa_fake_llm: cannot listen on 127.0.0.1\n");
        goto out;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (!info || info->port == 0) {
        fprintf(stderr, "sa_fake_llm: no bound port\n");
        goto out;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%u\n", (unsigned)info->port) < 0 || fclose(f) != 0 ||
        rename(tmp, port_file) != 0) {
        fprintf(stderr, "sa_fake_llm: cannot write %s\n", port_file);
        goto out;
    }
    struct timespec step = {0, 100 * 1000 * 1000};
    for (long ticks = 0; !g_stop && ticks < max_s * 10; ticks++)
        nanosleep(&step, NULL);
    rc = 0;
out:
    if (d)
        MHD_stop_daemon(d);
    if (g_log)
        fclose(g_log);
    return rc;
}
