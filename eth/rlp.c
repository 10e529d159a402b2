/* rlp.c - Recursive Length Prefix (Ethereum Yellow Paper, appendix B).
 *
 * An item is a byte string or a list of items. Headers (0x80 strings, 0xc0
 * lists): payloads of 0..55 bytes take one byte (base + length); longer ones
 * take base + 55 + k followed by the length in k big-endian bytes. A single
 * byte below 0x80 is its own encoding. The decoder accepts only this
 * canonical form, so every accepted input re-encodes to itself. */
#include "eth.h"

#include <string.h>

#define RLP_STRING 0x80
#define RLP_LIST 0xc0
#define RLP_SHORT_MAX 55
#define RLP_HEADER_MAX 9 /* 1 + an 8-byte length */

/* Number of big-endian bytes needed for v (v > 0). */
static size_t be_len(uint64_t v)
{
    size_t k = 0;
    for (; v; v >>= 8) k++;
    return k;
}

/* Writes the header for an n-byte payload; returns its length (1..9). */
static size_t header_encode(uint8_t h[RLP_HEADER_MAX], uint8_t base, size_t n)
{
    if (n <= RLP_SHORT_MAX) {
        h[0] = (uint8_t)(base + n);
        return 1;
    }
    size_t k = be_len(n);
    h[0] = (uint8_t)(base + RLP_SHORT_MAX + k);
    for (size_t i = 0; i < k; i++) h[1 + i] = (uint8_t)(n >> (8 * (k - 1 - i)));
    return 1 + k;
}

eth_err eth_rlp_put_bytes(eth_buf *b, const uint8_t *p, size_t n)
{
    if (n == 1 && p[0] < RLP_STRING) return eth_buf_append(b, p, 1);
    uint8_t h[RLP_HEADER_MAX];
    size_t hl = header_encode(h, RLP_STRING, n);
    /* Check the cap for header + payload at once, so a failure appends nothing. */
    if (hl > b->max - b->len || n > b->max - b->len - hl) return ETH_ERR_TOO_BIG;
    eth_err e = eth_buf_append(b, h, hl);
    if (e) return e;
    e = eth_buf_append(b, p, n);
    if (e) b->len -= hl;
    return e;
}

/* An integer is its big-endian bytes with leading zeros stripped. */
static eth_err put_be_int(eth_buf *b, const uint8_t *p, size_t n)
{
    while (n > 0 && p[0] == 0) {
        p++;
        n--;
    }
    return eth_rlp_put_bytes(b, p, n);
}

eth_err eth_rlp_put_u64(eth_buf *b, uint64_t v)
{
    uint8_t be[8];
    for (int i = 0; i < 8; i++) be[i] = (uint8_t)(v >> (56 - 8 * i));
    return put_be_int(b, be, sizeof be);
}

eth_err eth_rlp_put_u256(eth_buf *b, const eth_u256 *v)
{
    return put_be_int(b, v->b, sizeof v->b);
}

eth_err eth_rlp_list_begin(eth_buf *b, size_t *begin)
{
    /* Reserve the one-byte header of a short list: most lists are short, and
     * then closing them writes that byte and moves nothing. */
    *begin = b->len;
    return eth_buf_append_zeros(b, 1);
}

eth_err eth_rlp_list_end(eth_buf *b, size_t begin)
{
    if (begin >= b->len) return ETH_ERR_ARG;
    size_t n = b->len - begin - 1;
    uint8_t h[RLP_HEADER_MAX];
    size_t hl = header_encode(h, RLP_LIST, n);
    if (hl > 1) {
        /* A long list: grow by the extra length bytes and shift the payload once. */
        eth_err e = eth_buf_append_zeros(b, hl - 1);
        if (e) return e;
        memmove(b->data + begin + hl, b->data + begin + 1, n);
    }
    memcpy(b->data + begin, h, hl);
    return ETH_OK;
}

/* Parses the item starting at p, with n bytes available, into *it. */
static eth_err parse_item(eth_rlp_item *it, const uint8_t *p, size_t n)
{
    if (n == 0) return ETH_ERR_RLP;
    uint8_t first = p[0];
    if (first < RLP_STRING) {
        *it = (eth_rlp_item){ .is_list = 0, .p = p, .len = 1, .enc_len = 1 };
        return ETH_OK;
    }
    int is_list = first >= RLP_LIST;
    size_t code = (size_t)(first - (is_list ? RLP_LIST : RLP_STRING)), hl, len;
    if (code <= RLP_SHORT_MAX) {
        hl = 1;
        len = code;
    } else {
        size_t k = code - RLP_SHORT_MAX; /* 1..8 length bytes */
        if (k > n - 1) return ETH_ERR_RLP;
        if (p[1] == 0) return ETH_ERR_RLP; /* leading zero in the length */
        uint64_t v = 0;
        for (size_t i = 0; i < k; i++) v = v << 8 | p[1 + i];
        if (v <= RLP_SHORT_MAX) return ETH_ERR_RLP; /* needed the short form */
        hl = 1 + k;
        if (v > n - hl) return ETH_ERR_RLP;
        len = (size_t)v;
    }
    if (len > n - hl) return ETH_ERR_RLP;
    if (!is_list && len == 1 && p[1] < RLP_STRING) return ETH_ERR_RLP; /* a byte < 0x80 is its own encoding */
    *it = (eth_rlp_item){ .is_list = is_list, .p = p + hl, .len = len, .enc_len = hl + len };
    return ETH_OK;
}

eth_err eth_rlp_decode(eth_rlp_item *item, const uint8_t *p, size_t n)
{
    if (!p && n) return ETH_ERR_ARG;
    eth_err e = parse_item(item, p, n);
    if (e) return e;
    return item->enc_len == n ? ETH_OK : ETH_ERR_RLP;
}

eth_err eth_rlp_list_next(const eth_rlp_item *list, size_t *off, eth_rlp_item *item)
{
    if (!list->is_list || *off > list->len) return ETH_ERR_ARG;
    if (*off == list->len) return ETH_ERR_NOT_FOUND;
    eth_err e = parse_item(item, list->p + *off, list->len - *off);
    if (e) return e;
    *off += item->enc_len;
    return ETH_OK;
}
