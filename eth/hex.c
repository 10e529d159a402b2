/* hex.c - strict hex codecs: DATA (bytes) and QUANTITY (JSON-RPC integers). */
#include "eth.h"

#include <stdlib.h>
#include <string.h>

static int nibble(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void strip_prefix(const char **hex, size_t *len)
{
    if (*len >= 2 && (*hex)[0] == '0' && ((*hex)[1] == 'x' || (*hex)[1] == 'X')) {
        *hex += 2;
        *len -= 2;
    }
}

/* Decodes digits only (prefix already stripped). */
static eth_err decode_digits(uint8_t *out, size_t out_cap, size_t *out_len, const char *hex, size_t hex_len)
{
    if (hex_len % 2) return ETH_ERR_HEX;
    if (hex_len / 2 > out_cap) return ETH_ERR_TOO_BIG;
    for (size_t i = 0; i < hex_len; i += 2) {
        int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return ETH_ERR_HEX;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    if (out_len) *out_len = hex_len / 2;
    return ETH_OK;
}

eth_err eth_hex_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *hex, size_t hex_len)
{
    if (!hex) return ETH_ERR_ARG;
    strip_prefix(&hex, &hex_len);
    return decode_digits(out, out_cap, out_len, hex, hex_len);
}

eth_err eth_hex_decode_exact(uint8_t *out, size_t n, const char *hex)
{
    size_t len;
    if (!hex) return ETH_ERR_ARG;
    size_t hex_len = strlen(hex);
    const char *h = hex;
    strip_prefix(&h, &hex_len);
    if (hex_len != 2 * n) return ETH_ERR_HEX;
    return decode_digits(out, n, &len, h, hex_len);
}

eth_err eth_hex_decode_alloc(uint8_t **out, size_t *out_len, const char *hex, size_t hex_len)
{
    if (!hex) return ETH_ERR_ARG;
    strip_prefix(&hex, &hex_len);
    uint8_t *p = malloc(hex_len / 2 + 1); /* +1: never malloc(0) */
    if (!p) return ETH_ERR_NOMEM;
    eth_err e = decode_digits(p, hex_len / 2, out_len, hex, hex_len);
    if (e) {
        free(p);
        return e;
    }
    *out = p;
    return ETH_OK;
}

char *eth_hex_encode(char *out, const uint8_t *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < n; i++) {
        out[2 + 2 * i] = digits[in[i] >> 4];
        out[3 + 2 * i] = digits[in[i] & 15];
    }
    out[2 + 2 * n] = '\0';
    return out;
}

char *eth_hex_encode_alloc(const uint8_t *in, size_t n)
{
    char *s = malloc(2 * n + 3);
    return s ? eth_hex_encode(s, in, n) : NULL;
}

eth_err eth_hex_quantity_decode(uint64_t *out, const char *hex)
{
    /* QUANTITY: "0x" then at least one digit, no leading zeros except "0x0". */
    if (!hex || hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X') || !hex[2]) return ETH_ERR_HEX;
    const char *d = hex + 2;
    size_t n = strlen(d);
    if (n > 16) return ETH_ERR_TOO_BIG;
    if (n > 1 && d[0] == '0') return ETH_ERR_HEX;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int x = nibble(d[i]);
        if (x < 0) return ETH_ERR_HEX;
        v = v << 4 | (uint64_t)x;
    }
    *out = v;
    return ETH_OK;
}

char *eth_hex_quantity_encode(char *out, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = digits[v & 15];
        v >>= 4;
    } while (v);
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < n; i++) out[2 + i] = tmp[n - 1 - i];
    out[2 + n] = '\0';
    return out;
}
