/*
 * fuzz_series.c - libFuzzer harness for the timestamp,value CSV reader:
 * any byte string must parse or fail cleanly, never crash or leak.
 */
#include <stddef.h>
#include <stdint.h>

#include "scaleadvisor/series.h"
#include "scaleadvisor/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sa_series s;
    sa_errbuf eb = {0};
    if (sa_series_parse((const char *)data, size, "fuzz", &s, &eb) == SA_OK) {
        for (size_t i = 1; i < s.n; i++)
            if (!(s.t[i] > s.t[i - 1]))
                __builtin_trap();
        sa_series_release(&s);
    }
    return 0;
}
