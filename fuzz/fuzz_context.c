/*
 * fuzz_context.c - libFuzzer harness for the context JSON parser: any byte
 * string must parse or fail cleanly; what parses must satisfy the
 * contract (bounds, evenly spaced history) and survive a JSON round trip.
 */
#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/codec.h"
#include "scaleadvisor/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const sa_context *c)
{
    if (c->min_replicas < 1 || c->max_replicas < c->min_replicas || c->current_replicas < 0)
        __builtin_trap();
    if (!c->name[0] || !c->namespace_[0])
        __builtin_trap();
    if (c->n_history > SA_CODEC_HISTORY_MAX || (c->n_history > 0) != (c->history != NULL))
        __builtin_trap();
    for (size_t i = 1; i < c->n_history; i++)
        if (c->history[i].timestamp <= c->history[i - 1].timestamp)
            __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sa_context c, again;
    sa_context_init(&c);
    sa_context_init(&again);
    sa_errbuf eb = {0};
    sa_buf out;
    sa_buf_init(&out, SA_CAP_JSON_OUT);
    if (sa_codec_context_parse((const char *)data, size, &c, &eb) == SA_OK) {
        check(&c);
        /* what we write, we read back */
        if (sa_codec_context_json(&c, &out) != SA_OK ||
            sa_codec_context_parse(out.data, out.len, &again, &eb) != SA_OK)
            __builtin_trap();
        if (again.n_history != c.n_history || again.current_replicas != c.current_replicas)
            __builtin_trap();
        const sa_scaling_rules *a[2] = {&c.hpa_scale_up, &c.hpa_scale_down};
        const sa_scaling_rules *b[2] = {&again.hpa_scale_up, &again.hpa_scale_down};
        for (int k = 0; k < 2; k++)
            if (a[k]->set != b[k]->set || a[k]->window_s != b[k]->window_s ||
                a[k]->select != b[k]->select || a[k]->n_policies != b[k]->n_policies ||
                a[k]->n_policies > SA_SCALING_POLICIES_MAX)
                __builtin_trap();
    } else if (!eb.msg[0]) {
        __builtin_trap(); /* every failure says why */
    }
    sa_buf_release(&out);
    sa_context_release(&c);
    sa_context_release(&again);
    return 0;
}
