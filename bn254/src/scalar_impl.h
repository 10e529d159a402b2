/* scalar_impl.h - scalar recodings for the multiplications in ec_impl.h:
 * the GLV split (constant time) and width-5 NAF (variable time). */
#ifndef BN254_SCALAR_IMPL_H
#define BN254_SCALAR_IMPL_H

/* k = +-k1 + (+-k2) lambda (mod r) with |k1|, |k2| < 2^127. */
struct glv_split {
    uint64_t k1[2], k2[2];  /* magnitudes */
    uint64_t neg1, neg2;    /* 1 when the half is negative */
};

/* Two's-complement d = a - b on 4 limbs; returns the magnitude's low 128 bits
 * in out and 1 when a < b, without branching. */
static uint64_t sub_abs128(uint64_t out[2], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t d[4], borrow = 0, carry;
    for (int i = 0; i < 4; i++) d[i] = sbb(a[i], b[i], &borrow);
    uint64_t mask = 0 - borrow;
    carry = borrow;                     /* -d = ~d + 1 */
    for (int i = 0; i < 2; i++) out[i] = adc(d[i] ^ mask, 0, &carry);
    wipe(d, sizeof d);
    return borrow;
}

/* round(k g / 2^256) for the 4-limb constant g: (k g + 2^255) >> 256. */
static void mul_round(uint64_t c[4], const uint64_t k[4], const uint64_t g[4])
{
    uint64_t w[8], carry = 0;
    mul_wide(w, k, g);
    w[3] = adc(w[3], 1ULL << 63, &carry);
    for (int i = 4; i < 8; i++) w[i] = adc(w[i], 0, &carry);
    memcpy(c, w + 4, 4 * sizeof(uint64_t));
}

/* GLV decomposition (Gallant, Lambert, Vanstone, CRYPTO 2001, Sec. 4) by
 * Babai rounding against the basis v1 = (a1, b1) = (2u+1, -(6u^2+2u)),
 * v2 = (a2, b2) = (6u^2+4u+1, 2u+1) of gen_consts.py:
 *   c1 = round(b2 k / r), c2 = round(-b1 k / r) (via g_i = 2^256 b_i / r),
 *   k1 = k - c1 a1 - c2 a2,  k2 = c1 (-b1) - c2 b2.
 * For k < r, |k1|, |k2| < 2^127 (gen_consts.py). Constant time. */
static void glv_split(struct glv_split *s, const uint64_t k[4])
{
    uint64_t c1[4], c2[4], t[8], u[8];   /* wiped below: they determine k */
    mul_round(c1, k, GLV_G1);
    mul_round(c2, k, GLV_G2);
    /* c1 < 2^66, c2 < 2^130: every product and sum below fits in 256 bits. */
    mul_wide(t, c1, GLV_A1);
    mul_wide(u, c2, GLV_A2);
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) t[i] = adc(t[i], u[i], &carry);
    s->neg1 = sub_abs128(s->k1, k, t);
    mul_wide(t, c1, GLV_MB1);
    mul_wide(u, c2, GLV_A1);
    s->neg2 = sub_abs128(s->k2, t, u);
    wipe(c1, sizeof c1);
    wipe(c2, sizeof c2);
    wipe(t, sizeof t);
    wipe(u, sizeof u);
}

static void glv_split_wipe(struct glv_split *s) { wipe(s, sizeof *s); }

#define WNAF_W 5
#define WNAF_TABLE (1 << (WNAF_W - 2))   /* odd multiples 1, 3, ..., 15 */
#define GLV_NAF_LEN 130

/* Width-5 NAF of a 128-bit k (least significant digit first): odd digits in
 * [-15, 15], at most one non-zero digit in any 5 consecutive. Returns the
 * number of digits; out is zero beyond them. Variable time. */
static int wnaf(int8_t out[GLV_NAF_LEN], const uint64_t k[2])
{
    u128 v = ((u128)k[1] << 64) | k[0];
    int len = 0;
    memset(out, 0, GLV_NAF_LEN);
    while (v) {
        int d = 0;
        if (v & 1) {
            d = (int)(v & ((1 << WNAF_W) - 1));
            if (d >= 1 << (WNAF_W - 1)) d -= 1 << WNAF_W;
            if (d > 0) v -= (u128)d; else v += (u128)(-d);
        }
        out[len++] = (int8_t)d;
        v >>= 1;
    }
    return len;
}

#endif
