/* Fuzz target: the RLP decoder must never read out of bounds, and whatever
 * it accepts (the item and everything nested in it) must re-encode to the
 * very same bytes, since only canonical encodings are accepted. */
#include "eth.h"

#include <stdlib.h>
#include <string.h>

/* Re-encodes it into b; 1 when it (or something inside it) is malformed. */
static int reencode(eth_buf *b, const eth_rlp_item *it)
{
    if (!it->is_list) {
        if (eth_rlp_put_bytes(b, it->p, it->len)) abort();
        return 0;
    }
    size_t l, off = 0;
    eth_rlp_item sub;
    eth_err e;
    if (eth_rlp_list_begin(b, &l)) abort();
    while ((e = eth_rlp_list_next(it, &off, &sub)) == ETH_OK)
        if (reencode(b, &sub)) return 1;
    if (e != ETH_ERR_NOT_FOUND) return 1;
    if (eth_rlp_list_end(b, l)) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eth_rlp_item top;
    if (eth_rlp_decode(&top, data, size) != ETH_OK) return 0;
    if (top.enc_len != size) abort();
    eth_buf b;
    eth_buf_init(&b, 0);
    if (reencode(&b, &top) == 0 && (b.len != size || memcmp(b.data, data, size) != 0)) abort();
    eth_buf_free(&b);
    return 0;
}
