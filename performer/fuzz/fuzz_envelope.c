/* Fuzz target: perf_envelope_outcome, the shape check on what a runner (so
 * a function) wrote to fd 3. Any bytes: no crash. And for an envelope
 * built by a JSON serialiser around any payload (strings full of quotes,
 * ",\"error\":\"", escapes...), it finds the right outcome. */
#include "performer.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    perf_envelope_outcome(data, size);
    if (size < 1) return 0;
    json_t *payload = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
    if (!payload) return 0;
    char *text = json_dumps(payload, JSON_ENCODE_ANY | JSON_COMPACT);
    /* The error, when there is one, is the payload's own text: quotes and all. */
    json_t *error = data[0] & 1 ? json_string(text) : json_null();
    json_t *env = json_object();
    json_object_set_new(env, "payload", payload);
    json_object_set_new(env, "error", error);
    char *bytes = json_dumps(env, JSON_COMPACT | JSON_PRESERVE_ORDER);
    int want = data[0] & 1 ? PERF_OUTCOME_ERROR : PERF_OUTCOME_OK;
    if (bytes && perf_envelope_outcome((const uint8_t *)bytes, strlen(bytes)) != want) abort();
    free(bytes);
    free(text);
    json_decref(env);
    return 0;
}
