/* json.c - readers for JSON-RPC's hex encodings (QUANTITY and DATA) inside
 * jansson values, as specified in ethereum.org's "JSON-RPC API" page
 * ("Hex value encoding"). */
#include "eth.h"

#include <stdlib.h>
#include <string.h>

/* The string of v, rejecting non-strings and strings with an embedded NUL
 * (jansson allows "\u0000"; C string functions would silently stop there). */
static const char *json_str(const json_t *v)
{
    if (!json_is_string(v)) return NULL;
    const char *s = json_string_value(v);
    return strlen(s) == json_string_length(v) ? s : NULL;
}

eth_err eth_json_quantity(uint64_t *out, const json_t *v)
{
    const char *s = json_str(v);
    if (!s) return ETH_ERR_JSON;
    return eth_hex_quantity_decode(out, s);
}

eth_err eth_json_u256(eth_u256 *out, const json_t *v)
{
    const char *s = json_str(v);
    if (!s) return ETH_ERR_JSON;
    /* Same QUANTITY rules as eth_hex_quantity_decode, wider range. */
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2] || (s[2] == '0' && s[3])) return ETH_ERR_HEX;
    if (strlen(s + 2) > 64) return ETH_ERR_TOO_BIG;
    return eth_u256_parse(out, s) == ETH_OK ? ETH_OK : ETH_ERR_HEX;
}

/* DATA must carry its "0x"; the hex decoders also accept bare digits. */
static const char *json_data_str(const json_t *v, eth_err *e)
{
    const char *s = json_str(v);
    *e = ETH_ERR_JSON;
    if (!s) return NULL;
    *e = ETH_ERR_HEX;
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return NULL;
    *e = ETH_OK;
    return s;
}

eth_err eth_json_fixed(uint8_t *out, size_t n, const json_t *v)
{
    eth_err e;
    const char *s = json_data_str(v, &e);
    if (!s) return e;
    return eth_hex_decode_exact(out, n, s);
}

eth_err eth_json_data(uint8_t **out, size_t *out_len, const json_t *v)
{
    eth_err e;
    const char *s = json_data_str(v, &e);
    *out = NULL;
    *out_len = 0;
    if (!s) return e;
    size_t len = strlen(s);
    if (len == 2) return ETH_OK;
    return eth_hex_decode_alloc(out, out_len, s, len);
}

eth_err eth_json_address(eth_address *out, const json_t *v)
{
    return eth_json_fixed(out->addr, sizeof out->addr, v);
}

json_t *eth_json_from_data(const uint8_t *p, size_t n)
{
    char *s = eth_hex_encode_alloc(p, n);
    if (!s) return NULL;
    json_t *j = json_string(s);
    free(s);
    return j;
}

json_t *eth_json_from_quantity(uint64_t v)
{
    char s[19];
    return json_string(eth_hex_quantity_encode(s, v));
}

json_t *eth_json_from_u256(const eth_u256 *v)
{
    /* QUANTITY: the significant bytes in hex, then the leading zero digit cut. */
    size_t i = 0;
    while (i < 31 && v->b[i] == 0) i++;
    char s[67];
    eth_hex_encode(s, v->b + i, 32 - i);
    if (s[2] == '0') memmove(s + 2, s + 3, strlen(s + 3) + 1);
    return json_string(s);
}
