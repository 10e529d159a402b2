/* u256.c - 256-bit unsigned integers for wei amounts and fees.
 *
 * The public form is 32 big-endian bytes (the EVM word); arithmetic runs on
 * eight little-endian 32-bit limbs so every partial product fits in 64 bits
 * (schoolbook multiplication, Knuth TAOCP vol. 2, 4.3.1). Nothing here is
 * secret, so nothing needs to be constant-time. */
#include "eth.h"

#include <string.h>

#define LIMBS 8

static void load(uint32_t l[LIMBS], const eth_u256 *a)
{
    for (int i = 0; i < LIMBS; i++) {
        const uint8_t *p = a->b + 28 - 4 * i;
        l[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    }
}

static void store(eth_u256 *r, const uint32_t l[LIMBS])
{
    for (int i = 0; i < LIMBS; i++) {
        uint8_t *p = r->b + 28 - 4 * i;
        p[0] = (uint8_t)(l[i] >> 24);
        p[1] = (uint8_t)(l[i] >> 16);
        p[2] = (uint8_t)(l[i] >> 8);
        p[3] = (uint8_t)l[i];
    }
}

/* l = l * m + add; returns the carry out of the top limb (0: no overflow). */
static uint32_t mul_add_small(uint32_t l[LIMBS], uint32_t m, uint32_t add)
{
    uint64_t carry = add;
    for (int i = 0; i < LIMBS; i++) {
        uint64_t t = (uint64_t)l[i] * m + carry;
        l[i] = (uint32_t)t;
        carry = t >> 32;
    }
    return (uint32_t)carry;
}

/* l = l / d, returns the remainder (d != 0). */
static uint32_t div_small(uint32_t l[LIMBS], uint32_t d)
{
    uint64_t rem = 0;
    for (int i = LIMBS - 1; i >= 0; i--) {
        uint64_t cur = rem << 32 | l[i];
        l[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    return (uint32_t)rem;
}

static int is_zero(const uint32_t l[LIMBS])
{
    uint32_t acc = 0;
    for (int i = 0; i < LIMBS; i++) acc |= l[i];
    return acc == 0;
}

void eth_u256_from_u64(eth_u256 *r, uint64_t v)
{
    memset(r->b, 0, 24);
    for (int i = 0; i < 8; i++) r->b[31 - i] = (uint8_t)(v >> (8 * i));
}

int eth_u256_to_u64(const eth_u256 *r, uint64_t *v)
{
    for (int i = 0; i < 24; i++)
        if (r->b[i]) return 0;
    uint64_t x = 0;
    for (int i = 24; i < 32; i++) x = x << 8 | r->b[i];
    *v = x;
    return 1;
}

static int digit_value(char c, unsigned base)
{
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return -1;
    return (unsigned)d < base ? d : -1;
}

eth_err eth_u256_parse(eth_u256 *r, const char *s)
{
    if (!s) return ETH_ERR_ARG;
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s) return ETH_ERR_ARG;
    uint32_t l[LIMBS] = { 0 };
    for (; *s; s++) {
        int d = digit_value(*s, base);
        if (d < 0) return ETH_ERR_ARG;
        if (mul_add_small(l, base, (uint32_t)d)) return ETH_ERR_TOO_BIG;
    }
    store(r, l);
    return ETH_OK;
}

char *eth_u256_to_dec(char *out, const eth_u256 *a)
{
    /* Peel off nine decimal digits at a time (10^9 < 2^32), least significant first. */
    uint32_t l[LIMBS];
    char tmp[81];
    size_t pos = sizeof tmp;
    load(l, a);
    tmp[--pos] = '\0';
    for (;;) {
        uint32_t chunk = div_small(l, 1000000000u);
        if (is_zero(l)) {
            /* The most significant chunk: no leading zeros (but "0" for zero). */
            do {
                tmp[--pos] = (char)('0' + chunk % 10);
                chunk /= 10;
            } while (chunk);
            break;
        }
        for (int i = 0; i < 9; i++) {
            tmp[--pos] = (char)('0' + chunk % 10);
            chunk /= 10;
        }
    }
    memcpy(out, tmp + pos, sizeof tmp - pos);
    return out;
}

char *eth_u256_to_ether(char *out, const eth_u256 *wei)
{
    enum { DECIMALS = 18 };
    char dec[79];
    size_t n = strlen(eth_u256_to_dec(dec, wei));
    char *o = out;
    /* Integer part: the digits above 10^18, or "0". */
    if (n > DECIMALS) {
        memcpy(o, dec, n - DECIMALS);
        o += n - DECIMALS;
    } else {
        *o++ = '0';
    }
    /* Fraction: exactly 18 digits (left-padded with zeros), then trailing zeros cut. */
    char frac[DECIMALS];
    size_t have = n > DECIMALS ? DECIMALS : n;
    memset(frac, '0', DECIMALS - have);
    memcpy(frac + DECIMALS - have, dec + n - have, have);
    size_t keep = DECIMALS;
    while (keep > 0 && frac[keep - 1] == '0') keep--;
    if (keep) {
        *o++ = '.';
        memcpy(o, frac, keep);
        o += keep;
    }
    *o = '\0';
    return out;
}

int eth_u256_cmp(const eth_u256 *a, const eth_u256 *b)
{
    int c = memcmp(a->b, b->b, 32);
    return (c > 0) - (c < 0);
}

int eth_u256_add(eth_u256 *r, const eth_u256 *a, const eth_u256 *b)
{
    unsigned carry = 0;
    for (int i = 31; i >= 0; i--) {
        unsigned t = (unsigned)a->b[i] + b->b[i] + carry;
        r->b[i] = (uint8_t)t;
        carry = t >> 8;
    }
    return (int)carry;
}

int eth_u256_mul_u64(eth_u256 *r, const eth_u256 *a, uint64_t m)
{
    /* Two rows of 32-bit partial products, the second shifted by one limb;
     * whatever lands above limb 7 is overflow. */
    uint32_t x[LIMBS], acc[LIMBS + 2] = { 0 };
    const uint32_t mh[2] = { (uint32_t)m, (uint32_t)(m >> 32) };
    load(x, a);
    for (int j = 0; j < 2; j++) {
        uint64_t carry = 0;
        for (int i = 0; i < LIMBS; i++) {
            uint64_t t = (uint64_t)x[i] * mh[j] + acc[i + j] + carry;
            acc[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        for (int k = LIMBS + j; carry && k < LIMBS + 2; k++) {
            uint64_t t = (uint64_t)acc[k] + carry;
            acc[k] = (uint32_t)t;
            carry = t >> 32;
        }
    }
    store(r, acc);
    return acc[LIMBS] || acc[LIMBS + 1];
}
