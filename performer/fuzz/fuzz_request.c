/* Fuzz target: the execute request parser (bytes from the API's callers)
 * never crashes or leaks, explains every refusal, and what it accepts
 * survives perf_request_encode + parse unchanged. */
#include "performer.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    perf_request q, r;
    char why[256] = "";
    if (perf_request_parse(&q, (const char *)data, size, why) != PERF_OK) {
        if (!why[0]) abort();
        return 0;
    }
    if (!q.bundle_file) {
        char *body = perf_request_encode(q.function_id, q.bundle, q.bundle_len, &q.task);
        if (!body || perf_request_parse(&r, body, strlen(body), why) != PERF_OK) abort();
        if (memcmp(q.task.task_id, r.task.task_id, 32) || memcmp(q.function_id, r.function_id, 32) ||
            q.task.timestamp != r.task.timestamp || memcmp(&q.task.limits, &r.task.limits, sizeof q.task.limits) ||
            q.task.input_len != r.task.input_len ||
            (q.task.input_len && memcmp(q.task.input, r.task.input, q.task.input_len)) || q.bundle_len != r.bundle_len ||
            (!q.bundle) != (!r.bundle) || (q.bundle_len && memcmp(q.bundle, r.bundle, q.bundle_len)))
            abort();
        perf_request_free(&r);
        free(body);
    }
    perf_request_free(&q);
    return 0;
}
