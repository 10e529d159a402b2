/* keccak.c - Keccak-256 as Ethereum uses it: Keccak-f[1600], rate 136 bytes,
 * the original multi-rate padding (0x01 ... 0x80), not FIPS 202's 0x06
 * (The Keccak reference, version 3.0, sections 1.2 and 5.1). */
#include "eth.h"

#include <string.h>

#define KECCAK_RATE 136

static const uint64_t round_constants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* rho offsets and pi lane order, walked as one cycle starting at lane 1. */
static const unsigned rho[24] = { 1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14,
                                  27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44 };
static const unsigned pi[24] = { 10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4,
                                 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1 };

static inline uint64_t rotl64(uint64_t x, unsigned k) { return (x << k) | (x >> ((64 - k) & 63)); }

static void keccak_f1600(uint64_t st[25])
{
    for (int round = 0; round < 24; round++) {
        uint64_t c[5], t;
        /* theta */
        for (int x = 0; x < 5; x++) c[x] = st[x] ^ st[x + 5] ^ st[x + 10] ^ st[x + 15] ^ st[x + 20];
        for (int x = 0; x < 5; x++) {
            t = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
            for (int y = 0; y < 25; y += 5) st[y + x] ^= t;
        }
        /* rho and pi */
        t = st[1];
        for (int i = 0; i < 24; i++) {
            uint64_t next = st[pi[i]];
            st[pi[i]] = rotl64(t, rho[i]);
            t = next;
        }
        /* chi */
        for (int y = 0; y < 25; y += 5) {
            for (int x = 0; x < 5; x++) c[x] = st[y + x];
            for (int x = 0; x < 5; x++) st[y + x] = c[x] ^ (~c[(x + 1) % 5] & c[(x + 2) % 5]);
        }
        /* iota */
        st[0] ^= round_constants[round];
    }
}

/* Lanes are little-endian 64-bit words of the byte stream. */
static void xor_byte(uint64_t st[25], size_t pos, uint8_t b) { st[pos / 8] ^= (uint64_t)b << (8 * (pos % 8)); }

void eth_keccak_init(eth_keccak_ctx *c)
{
    memset(c, 0, sizeof *c);
}

void eth_keccak_update(eth_keccak_ctx *c, const void *in, size_t n)
{
    const uint8_t *p = in;
    /* Whole aligned lanes go in 8 bytes at a time; the rest byte by byte. */
    while (n > 0) {
        if (c->pos % 8 == 0 && n >= 8) {
            uint64_t w = 0;
            for (int i = 7; i >= 0; i--) w = w << 8 | p[i];
            c->st[c->pos / 8] ^= w;
            c->pos += 8;
            p += 8;
            n -= 8;
        } else {
            xor_byte(c->st, c->pos++, *p++);
            n--;
        }
        if (c->pos == KECCAK_RATE) {
            keccak_f1600(c->st);
            c->pos = 0;
        }
    }
}

void eth_keccak_final(eth_keccak_ctx *c, uint8_t out[32])
{
    xor_byte(c->st, c->pos, 0x01);
    xor_byte(c->st, KECCAK_RATE - 1, 0x80);
    keccak_f1600(c->st);
    for (int i = 0; i < 32; i++) out[i] = (uint8_t)(c->st[i / 8] >> (8 * (i % 8)));
    eth_wipe(c, sizeof *c);
}

void eth_keccak256(uint8_t out[32], const void *in, size_t n)
{
    eth_keccak_ctx c;
    eth_keccak_init(&c);
    eth_keccak_update(&c, in, n);
    eth_keccak_final(&c, out);
}
