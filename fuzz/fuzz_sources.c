/*
 * fuzz_sources.c - libFuzzer harness for the peer-reply parsers of the
 * Prometheus and Kubernetes sources (PodList start-up included): any byte
 * string must parse or fail cleanly, and what parses must keep the
 * parsers' contracts. The first byte picks the parser.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/sources/k8s_int.h"
#include "../src/sources/prom_int.h"
#include "scaleadvisor/util.h"
#include "scaleadvisor/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every failure says why; the message is cleared for the next call. */
static void says_why(sa_err e, sa_errbuf *eb)
{
    if (e != SA_OK && !eb->msg[0])
        __builtin_trap();
    eb->msg[0] = '\0';
}

static void prom(int which, const char *s)
{
    sa_errbuf eb = {0};
    double v = 0, ts = 0, col[16];
    sa_prom_config c = {0};
    switch (which) {
    case 0:
        if (sa_prom_parse_instant(200, s, &v, &ts, &eb) == SA_OK && !isfinite(v))
            __builtin_trap();
        break;
    case 1:
        for (size_t i = 0; i < 16; i++)
            col[i] = NAN;
        says_why(sa_prom_parse_range(200, s, 1000, 10, 16, col, &eb), &eb);
        break;
    default:
        if (sa_prom_config_parse(s, 15, SA_PRESET_BALANCED, &c, &eb) == SA_OK) {
            if (c.n < 1 || c.n > SA_PROM_MAX_DEPLOYMENTS)
                __builtin_trap();
            for (size_t i = 0; i < c.n; i++)
                if (c.deps[i].min_replicas < 1 || c.deps[i].max_replicas < c.deps[i].min_replicas ||
                    strchr(c.deps[i].name, '"') || strchr(c.deps[i].namespace_, '"'))
                    __builtin_trap();
        }
        sa_prom_config_release(&c);
    }
}

static void k8s(int which, const char *s)
{
    sa_errbuf eb = {0};
    size_t n = 0;
    char txt[SA_STATUS_MAX], rv[SA_K8S_RV_MAX], cont[SA_K8S_CONTINUE_MAX];
    int r;
    double q;
    sa_k8s_deployment *d = NULL;
    sa_k8s_hpa *h = NULL, one;
    sa_k8s_usage u;
    switch (which) {
    case 0:
        if (sa_k8s_parse_deployments(s, &d, &n, cont, &eb) == SA_OK) {
            if (strlen(cont) >= SA_K8S_CONTINUE_MAX)
                __builtin_trap();
            for (size_t i = 0; i < n; i++) {
                if (!d[i].selector[0] || d[i].n_containers > SA_K8S_MAX_CONTAINERS)
                    __builtin_trap();
                says_why(sa_k8s_parse_pod_metrics(s, &d[i], &u, &eb), &eb);
            }
            free(d);
        }
        break;
    case 1:
        if (sa_k8s_parse_hpas(s, &h, &n, cont, &eb) == SA_OK) {
            for (size_t i = 0; i < n; i++)
                if (h[i].min_replicas < 1 || h[i].max_replicas < 1 ||
                    h[i].scale_up.n_policies > SA_SCALING_POLICIES_MAX ||
                    h[i].scale_down.n_policies > SA_SCALING_POLICIES_MAX ||
                    (h[i].behavior_error[0] && (h[i].scale_up.set || h[i].scale_down.set)))
                    __builtin_trap();
            free(h);
        }
        says_why(sa_k8s_parse_hpa(s, &one, &eb), &eb);
        break;
    case 2:
        says_why(sa_k8s_parse_scale(s, &r, rv, &eb), &eb);
        sa_k8s_status_text(403, s, txt, sizeof txt);
        /* a measured start-up lies in [0, SA_K8S_STARTUP_MAX_S] */
        if (sa_k8s_parse_pod_startup(s, &q, &n, &eb) == SA_OK &&
            (n > 0 ? !(q >= 0.0 && q <= SA_K8S_STARTUP_MAX_S) : !isnan(q)))
            __builtin_trap();
        break;
    default:
        if (sa_parse_quantity(s, &q) == SA_OK && !isfinite(q))
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    if (data[0] & 0x80)
        k8s(data[0] & 3, s);
    else
        prom(data[0] % 3, s);
    free(s);
    return 0;
}
