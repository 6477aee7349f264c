/*
 * source.c - builds the source the configuration names and frees what a
 * source's collect returns, and the start-up measurement the real sources
 * share. The simulator is always built in;
 * the Prometheus and Kubernetes sources are added by their own modules.
 */
#include <math.h>
#include <stdlib.h>

#include "scaleadvisor/simulator.h"
#include "scaleadvisor/source.h"
#include "scaleadvisor/sources_int.h"
#include "scaleadvisor/banned.h"

sa_err sa_src_create(const sa_config *cfg, sa_src **out, sa_errbuf *eb)
{
    sa_sim_options o;
    *out = NULL;
    switch (cfg->source) {
    case SA_SRC_SIMULATOR:
        sa_sim_options_init(&o);
        o.step_s = cfg->interval_s;
        /* The service drives the cluster itself when it may actuate. */
        o.hpa = cfg->dry_run;
        return sa_sim_source_create(&o, out, eb);
    case SA_SRC_PROMETHEUS:
        return sa_src_prometheus_create(cfg, out, eb);
    case SA_SRC_KUBERNETES:
        return sa_src_kubernetes_create(cfg, out, eb);
    default:
        return sa_fail(eb, SA_ERR_UNAVAILABLE,
                       "SCALEADVISOR_SOURCE=%s: not available in this build",
                       sa_source_kind_name(cfg->source));
    }
}

void sa_src_destroy(sa_src *s)
{
    if (s && s->destroy)
        s->destroy(s);
    free(s);
}

void sa_src_startup_init(sa_src_startup *m)
{
    m->at = 0;
    m->s = NAN;
}

bool sa_src_startup_due(sa_src_startup *m, int64_t now)
{
    if (m->at && now >= m->at && now - m->at < SA_SRC_STARTUP_EVERY_S)
        return false;
    m->at = now;
    return true;
}

bool sa_src_startup_take(sa_src_startup *m, double s)
{
    bool changed = !(fabs(s - m->s) < 0.5);
    m->s = s;
    return changed;
}

void sa_src_contexts_free(sa_context *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        sa_context_release(&v[i]);
    free(v);
}
