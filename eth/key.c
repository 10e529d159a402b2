/* key.c - secp256k1 keys (libsecp256k1), addresses and EIP-55 checksums.
 *
 * address = keccak256(X || Y)[12..32] of the uncompressed public key (Yellow
 * Paper, eq. 284). EIP-55: in the lowercase hex of the address, a letter is
 * upper-cased when the matching nibble of keccak256(that hex) is >= 8. */
#include "eth.h"

#include <string.h>

char *eth_address_to_hex(char out[43], const eth_address *a)
{
    uint8_t h[32];
    eth_hex_encode(out, a->addr, 20);
    eth_keccak256(h, out + 2, 40);
    for (int i = 0; i < 40; i++) {
        int nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 15;
        char *c = &out[2 + i];
        if (*c >= 'a' && nib >= 8) *c = (char)(*c - 'a' + 'A');
    }
    return out;
}

eth_err eth_address_parse(eth_address *a, const char *text)
{
    if (!text || text[0] != '0' || (text[1] != 'x' && text[1] != 'X') || strlen(text) != 42) return ETH_ERR_KEY;
    if (eth_hex_decode_exact(a->addr, 20, text) != ETH_OK) return ETH_ERR_KEY;
    int lower = 0, upper = 0;
    for (int i = 2; i < 42; i++) {
        lower |= text[i] >= 'a' && text[i] <= 'f';
        upper |= text[i] >= 'A' && text[i] <= 'F';
    }
    if (lower && upper) {
        /* Mixed case carries a checksum: it must be exactly the EIP-55 form. */
        char want[43];
        if (strcmp(eth_address_to_hex(want, a) + 2, text + 2) != 0) return ETH_ERR_KEY;
    }
    return ETH_OK;
}
