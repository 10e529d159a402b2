/* key.c - secp256k1 keys (libsecp256k1), addresses and EIP-55 checksums.
 *
 * address = keccak256(X || Y)[12..32] of the uncompressed public key (Yellow
 * Paper, eq. 284). EIP-55: in the lowercase hex of the address, a letter is
 * upper-cased when the matching nibble of keccak256(that hex) is >= 8. */
#include "eth.h"

#include <errno.h>
#include <pthread.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>
#include <sys/random.h>

/* One context for the whole process, created on first use. After creation it
 * is only read, which libsecp256k1 allows from any number of threads. */
static secp256k1_context *secp_ctx;
static pthread_once_t secp_once = PTHREAD_ONCE_INIT;

static void secp_create(void)
{
    secp256k1_context *c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    uint8_t seed[32];
    /* Blinding of the signing multiplication against side channels
     * (secp256k1_context_randomize); without entropy the context still works. */
    if (c && getrandom(seed, sizeof seed, 0) == (ssize_t)sizeof seed && !secp256k1_context_randomize(c, seed)) {
        secp256k1_context_destroy(c);
        c = NULL;
    }
    eth_wipe(seed, sizeof seed);
    secp_ctx = c;
}

static const secp256k1_context *secp(void)
{
    pthread_once(&secp_once, secp_create);
    return secp_ctx;
}

/* Address of an uncompressed public key (65 bytes, 0x04 || X || Y). */
static void address_of(eth_address *a, uint8_t pub64[64], const secp256k1_context *c, const secp256k1_pubkey *pk)
{
    uint8_t ser[65], h[32];
    size_t len = sizeof ser;
    secp256k1_ec_pubkey_serialize(c, ser, &len, pk, SECP256K1_EC_UNCOMPRESSED);
    eth_keccak256(h, ser + 1, 64);
    memcpy(a->addr, h + 12, 20);
    if (pub64) memcpy(pub64, ser + 1, 64);
}

eth_err eth_key_from_secret(eth_key *k, const uint8_t secret[32])
{
    const secp256k1_context *c = secp();
    secp256k1_pubkey pk;
    if (!c) return ETH_ERR_NOMEM;
    /* Rejects 0 and values >= the group order n. */
    if (!secp256k1_ec_pubkey_create(c, &pk, secret)) return ETH_ERR_KEY;
    memmove(k->secret, secret, 32);
    address_of(&k->address, k->pubkey, c, &pk);
    return ETH_OK;
}

eth_err eth_key_from_hex(eth_key *k, const char *hex)
{
    uint8_t secret[32];
    size_t n, len;
    if (!hex) return ETH_ERR_ARG;
    len = strlen(hex);
    while (len > 0 && (hex[len - 1] == '\n' || hex[len - 1] == '\r' || hex[len - 1] == ' ' || hex[len - 1] == '\t'))
        len--;
    if (len >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) {
        hex += 2;
        len -= 2;
    }
    eth_err e = len == 64 && eth_hex_decode(secret, sizeof secret, &n, hex, len) == ETH_OK ? ETH_OK : ETH_ERR_KEY;
    if (!e) e = eth_key_from_secret(k, secret);
    eth_wipe(secret, sizeof secret);
    return e;
}

eth_err eth_key_generate(eth_key *k)
{
    uint8_t secret[32];
    eth_err e;
    /* A uniform 256-bit value is a valid key except with probability ~2^-128. */
    do {
        ssize_t got;
        while ((got = getrandom(secret, sizeof secret, 0)) < 0 && errno == EINTR) {
        }
        if (got != (ssize_t)sizeof secret) {
            eth_wipe(secret, sizeof secret);
            return ETH_ERR_KEY;
        }
        e = eth_key_from_secret(k, secret);
    } while (e == ETH_ERR_KEY);
    eth_wipe(secret, sizeof secret);
    return e;
}

void eth_key_wipe(eth_key *k)
{
    eth_wipe(k, sizeof *k);
}

eth_err eth_sign_hash(uint8_t sig[65], const eth_key *k, const uint8_t hash[32])
{
    const secp256k1_context *c = secp();
    secp256k1_ecdsa_recoverable_signature rs;
    int recid;
    if (!c) return ETH_ERR_NOMEM;
    /* NULL nonce function: RFC 6979. libsecp256k1 always emits low-s. */
    if (!secp256k1_ecdsa_sign_recoverable(c, &rs, hash, k->secret, NULL, NULL)) return ETH_ERR_KEY;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(c, sig, &recid, &rs);
    sig[64] = (uint8_t)recid;
    return ETH_OK;
}

eth_err eth_recover_address(eth_address *out, const uint8_t hash[32], const uint8_t sig[65])
{
    const secp256k1_context *c = secp();
    secp256k1_ecdsa_recoverable_signature rs;
    secp256k1_ecdsa_signature plain;
    secp256k1_pubkey pk;
    if (!c) return ETH_ERR_NOMEM;
    /* recid 2 and 3 (r >= n) never occur for honest signers, and Ethereum's v cannot express them. */
    if (sig[64] > 1 || !secp256k1_ecdsa_recoverable_signature_parse_compact(c, &rs, sig, sig[64])) return ETH_ERR_SIG;
    /* EIP-2: s above n/2 is malleable and invalid. normalize() returns 1 when it had to flip s. */
    secp256k1_ecdsa_recoverable_signature_convert(c, &plain, &rs);
    if (secp256k1_ecdsa_signature_normalize(c, NULL, &plain)) return ETH_ERR_SIG;
    if (!secp256k1_ecdsa_recover(c, &pk, &rs, hash)) return ETH_ERR_SIG;
    address_of(out, NULL, c, &pk);
    return ETH_OK;
}

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
