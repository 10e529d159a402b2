/* fuzz_proto.c - the executor parses requests from the network and the
 * aggregator parses responses: both parsers on arbitrary bytes. Whatever
 * parses must re-encode to a message that parses to the same values. */
#include "executor.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    exec_request r, r2;
    if (exec_request_parse(&r, (const char *)data, size, NULL) == EXEC_OK) {
        char *text = exec_request_to_json(&r);
        if (text) {
            if (exec_request_parse(&r2, text, strlen(text), NULL) != EXEC_OK) abort();
            uint8_t d1[32], d2[32];
            exec_request_digest(d1, &r);
            exec_request_digest(d2, &r2);
            if (memcmp(d1, d2, 32) != 0) abort();
            exec_request_free(&r2);
            free(text);
        }
        exec_request_free(&r);
    }
    exec_response a, b;
    if (exec_response_parse(&a, (const char *)data, size, NULL) == EXEC_OK) {
        char *text = exec_response_to_json(&a);
        if (text) {
            if (exec_response_parse(&b, text, strlen(text), NULL) != EXEC_OK) abort();
            if (a.result_len != b.result_len || (a.result_len && memcmp(a.result, b.result, a.result_len) != 0)) abort();
            exec_response_free(&b);
            free(text);
        }
        exec_response_free(&a);
    }
    return 0;
}
