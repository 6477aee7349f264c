/*
 * fuzz_llm_reply.c - libFuzzer harness for the LLM reply parser: any bytes
 * as a chat completion body, and as the bare answer text; the parser must
 * never crash, leak or accept an answer outside the bounds it was given.
 * Build: cmake -DSA_FUZZ=ON -DCMAKE_C_COMPILER=clang; run build/fuzz_llm_reply.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/llm/llm_int.h"
#include "scaleadvisor/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    sa_rec rec;
    llm_reply_meta meta;
    char why[SA_STATUS_MAX];
    if (llm_reply_parse(text, size, 3, 2, 10, &rec, &meta, why) == SA_OK &&
        (rec.target_replicas < 2 || rec.target_replicas > 10 || !rec.present))
        abort();
    memset(&meta, 0, sizeof meta);
    if (llm_answer_parse(text, size, 3, 2, 10, &rec, &meta, why) == SA_OK &&
        (rec.target_replicas < 2 || rec.target_replicas > 10 || rec.confidence < 0 ||
         rec.confidence > 1 || strlen(rec.reasoning) >= SA_REASONING_MAX))
        abort();
    char code[64];
    llm_error_code(text, size, code, sizeof code);
    free(text);
    return 0;
}
