/* Fuzz target: hex decoders must never read or write out of bounds, and what
 * they accept must re-encode to the same digits (case-insensitively). */
#include "eth.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    uint8_t *out;
    size_t n;
    if (eth_hex_decode_alloc(&out, &n, s, size) == ETH_OK) {
        char *back = eth_hex_encode_alloc(out, n);
        const char *digits = (size >= 2 && s[0] == '0' && (s[1] | 32) == 'x') ? s + 2 : s;
        if (!back || strcasecmp(back + 2, digits) != 0) abort();
        free(back);
        free(out);
    }
    uint64_t q;
    if (eth_hex_quantity_decode(&q, s) == ETH_OK) {
        char enc[19];
        if (strcasecmp(eth_hex_quantity_encode(enc, q), s) != 0) abort();
    }
    free(s);
    return 0;
}
