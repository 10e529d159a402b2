/* fp_impl.h - the prime fields Fp (coordinates) and Fr (scalars), 4x64-bit
 * Montgomery arithmetic.
 *
 * Representation: little-endian 64-bit limbs. An `fp` holds a*2^256 mod p
 * (Montgomery form, R = 2^256); an `fr` (scalar) holds a*2^256 mod r when used
 * with the fr_ functions. Every stored fp is fully reduced (< p); functions that
 * accept or return lazily reduced values say so ("< 2p").
 *
 * Multiplication is CIOS (Koc, Acar, Kaliski 1996, "Analyzing and comparing
 * Montgomery multiplication algorithms") in the "no-carry" form that is valid
 * when the modulus' top limb is below 2^63 - 1 (gnark-crypto,
 * hackmd.io/@gnark/modular_multiplication): p and r both have two spare top
 * bits, so the running sum never needs a fifth word. The same headroom lets an
 * operand be < 2p (see mont_mul) and lets double-width products be summed
 * before one reduction (Fp2 multiplication, lazy reduction as in Aranha,
 * Karabina, Longa, Gebotys, Lopez, eprint 2010/526, Sec. 3).
 *
 * Everything here is constant time: no branch or memory index depends on a
 * value, except in functions named _var.
 */
#ifndef BN254_FP_IMPL_H
#define BN254_FP_IMPL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__SIZEOF_INT128__)
#error "bn254 needs a compiler with unsigned __int128 (gcc or clang on a 64-bit target)"
#endif
typedef unsigned __int128 u128;

/* The limb- and Fp-level helpers below are a few instructions each and sit in
 * every inner loop: force them inline (gcc's heuristics otherwise leave calls
 * to sub_if_ge and fp_add in the hot paths). */
#define INLINE static inline __attribute__((always_inline))

typedef bn254_fp fp;
typedef bn254_fp2 fp2;
typedef bn254_fp6 fp6;
typedef bn254_fp12 fp12;
typedef struct { uint64_t l[4]; } fr;   /* a scalar in Montgomery form mod r */

#include "consts.h"

/* ---- limb primitives ----------------------------------------------------- */

/* a + b + carry -> low word; *carry gets the carry out (0 or 1). */
INLINE uint64_t adc(uint64_t a, uint64_t b, uint64_t *carry)
{
    u128 t = (u128)a + b + *carry;
    *carry = (uint64_t)(t >> 64);
    return (uint64_t)t;
}

/* a - b - borrow -> low word; *borrow gets the borrow out (0 or 1). */
INLINE uint64_t sbb(uint64_t a, uint64_t b, uint64_t *borrow)
{
    u128 t = (u128)a - b - *borrow;
    *borrow = (uint64_t)(t >> 64) & 1;
    return (uint64_t)t;
}

/* a + b*c + carry -> low word; *carry gets the high word. Cannot overflow:
 * (2^64-1) + (2^64-1)^2 + (2^64-1) = 2^128 - 1. */
INLINE uint64_t mac(uint64_t a, uint64_t b, uint64_t c, uint64_t *carry)
{
    u128 t = (u128)b * c + a + *carry;
    *carry = (uint64_t)(t >> 64);
    return (uint64_t)t;
}

/* r = a - m if that does not borrow, else a; constant time. a < 2^256. */
INLINE void sub_if_ge(uint64_t r[4], const uint64_t a[4], const uint64_t m[4])
{
    uint64_t t[4], borrow = 0;
    for (int i = 0; i < 4; i++) t[i] = sbb(a[i], m[i], &borrow);
    uint64_t keep = 0 - borrow;    /* all ones: a < m, keep a */
    for (int i = 0; i < 4; i++) r[i] = (a[i] & keep) | (t[i] & ~keep);
}

/* ---- generic Montgomery multiplication ------------------------------------ */

/* r = a*b/2^256 mod m < m, for a < 2m and a*b < 4m^2 (so: a, b < 2m, or
 * a < m and b any 256-bit value). Bounds (m < 2^254): row i adds a*b[i] +
 * q*m < 3m*2^64 and shifts, so t stays < 3m + 1 < 2^256 and the fifth word
 * of textbook CIOS is always zero (the "no-carry" variant); the final t is
 * < a*b/2^256 + m < 2m, so one conditional subtraction reduces it. */
static inline void mont_mul_c(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const uint64_t m[5])
{
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, n0 = m[4];
    for (int i = 0; i < 4; i++) {
        uint64_t A = 0, C = 0, q;
        t0 = mac(t0, a[0], b[i], &A);
        q = t0 * n0;
        (void)mac(t0, q, m[0], &C);
        t1 = mac(t1, a[1], b[i], &A);
        t0 = mac(t1, q, m[1], &C);
        t2 = mac(t2, a[2], b[i], &A);
        t1 = mac(t2, q, m[2], &C);
        t3 = mac(t3, a[3], b[i], &A);
        t2 = mac(t3, q, m[3], &C);
        t3 = C + A;
    }
    uint64_t t[4] = {t0, t1, t2, t3};
    sub_if_ge(r, t, m);
}

/* Montgomery reduction of a double-width t < m*2^256: r = t/2^256 mod m < m. */
static inline void mont_redc_c(uint64_t r[4], const uint64_t t[8], const uint64_t m[5])
{
    uint64_t w[8], n0 = m[4];
    memcpy(w, t, sizeof w);
    uint64_t top = 0;   /* carry beyond w[4+i] from the previous row */
    for (int i = 0; i < 4; i++) {
        uint64_t q = w[i] * n0, c = 0;
        for (int j = 0; j < 4; j++) w[i + j] = mac(w[i + j], q, m[j], &c);
        w[i + 4] = adc(w[i + 4], c, &top);   /* carry-in: the previous row's */
    }
    /* (t + q*m)/2^256 < 2m < 2^255: top is 0 here. */
    sub_if_ge(r, w + 4, m);
}

/* Double-width product t = a*b (8 limbs), schoolbook. */
static inline void mul_wide_c(uint64_t t[8], const uint64_t a[4], const uint64_t b[4])
{
    for (int i = 0; i < 8; i++) t[i] = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t c = 0;
        for (int j = 0; j < 4; j++) t[i + j] = mac(t[i + j], a[i], b[j], &c);
        t[i + 4] = c;
    }
}

/* x86-64 with BMI2 and ADX (Broadwell, Zen and later) runs the MULX/ADCX/ADOX
 * kernels of asm_x86_64.h; everything else the portable C above. The choice
 * is made once from CPUID by a constructor; the branch on it is on a
 * constant, never on data. For tests and benchmarks BN254_ASM=0 in the
 * environment forces the C kernels and BN254_ASM=1 the assembly (valgrind
 * hides ADX from CPUID but executes it, so the constant-time check runs both;
 * on a CPU without ADX, BN254_ASM=1 would fault). */
#if defined(__x86_64__) && !defined(BN254_PORTABLE)
#include <cpuid.h>
#include "asm_x86_64.h"
static int use_adx;

__attribute__((constructor)) static void detect_cpu(void)
{
    unsigned a, b, c, d;
    const char *force = getenv("BN254_ASM");
    if (force && (!strcmp(force, "0") || !strcmp(force, "1"))) use_adx = force[0] == '1';
    else if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) use_adx = (b & bit_BMI2) && (b & bit_ADX);
}
#define USE_ADX use_adx
#else
#define USE_ADX 0
#define mont_mul_adx(r, a, b, m) mont_mul_c(r, a, b, m)
#define mul_wide_adx(t, a, b) mul_wide_c(t, a, b)
#define mont_redc_adx(r, t, m) mont_redc_c(r, t, m)
#define fp_sqr_adx(r, a, s) ((void)(r), (void)(a), (void)(s))
#define fp2_mul_adx(r, a, b, s) ((void)(r), (void)(a), (void)(b), (void)(s))
#endif

INLINE void mont_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const uint64_t m[5])
{
    if (USE_ADX) mont_mul_adx(r, a, b, m);
    else mont_mul_c(r, a, b, m);
}

INLINE void mul_wide(uint64_t t[8], const uint64_t a[4], const uint64_t b[4])
{
    if (USE_ADX) mul_wide_adx(t, a, b);
    else mul_wide_c(t, a, b);
}

INLINE void mont_redc(uint64_t r[4], const uint64_t t[8], const uint64_t m[5])
{
    if (USE_ADX) mont_redc_adx(r, t, m);
    else mont_redc_c(r, t, m);
}

/* ---- Fp ------------------------------------------------------------------- */

INLINE void fp_mul(fp *r, const fp *a, const fp *b) { mont_mul(r->l, a->l, b->l, P_LIMBS); }
/* a^2 for a < 2p: with ADX the dedicated square (10 instead of 16 products)
 * then the reduction; a^2 < 4p^2 < p 2^256 is within the bound of redc. */
INLINE void fp_sqr(fp *r, const fp *a)
{
    if (USE_ADX) {
        uint64_t s[8];
        fp_sqr_adx(r->l, a->l, s);
    } else {
        mont_mul(r->l, a->l, a->l, P_LIMBS);
    }
}

#if defined(__x86_64__) && defined(__OPTIMIZE__) && !defined(BN254_PORTABLE)
/* x86-64 (baseline ISA, no CPUID check needed): gcc turns the carry chains of
 * the C versions below into long sequences with spills; these are the plain
 * add/adc, sub/sbb and cmov sequences. Branch-free, like the C. (Only when
 * optimising: unoptimised code cannot allocate the operands' registers.) */

/* r = a + b mod p for a, b < p: a + b < 2^255 never carries out; subtract p
 * and keep a + b when that borrows. */
INLINE void fp_add(fp *r, const fp *a, const fp *b)
{
    uint64_t s0, s1, s2, s3, t0, t1, t2, t3;
    __asm__("movq %[a0], %[s0]\n\t"
            "movq %[a1], %[s1]\n\t"
            "movq %[a2], %[s2]\n\t"
            "movq %[a3], %[s3]\n\t"
            "addq %[b0], %[s0]\n\t"
            "adcq %[b1], %[s1]\n\t"
            "adcq %[b2], %[s2]\n\t"
            "adcq %[b3], %[s3]\n\t"
            "movq %[s0], %[t0]\n\t"
            "movq %[s1], %[t1]\n\t"
            "movq %[s2], %[t2]\n\t"
            "movq %[s3], %[t3]\n\t"
            "subq %[p0], %[t0]\n\t"
            "sbbq %[p1], %[t1]\n\t"
            "sbbq %[p2], %[t2]\n\t"
            "sbbq %[p3], %[t3]\n\t"
            "cmovcq %[s0], %[t0]\n\t"
            "cmovcq %[s1], %[t1]\n\t"
            "cmovcq %[s2], %[t2]\n\t"
            "cmovcq %[s3], %[t3]"
            : [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3),
              [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
            : [a0] "m"(a->l[0]), [a1] "m"(a->l[1]), [a2] "m"(a->l[2]), [a3] "m"(a->l[3]),
              [b0] "m"(b->l[0]), [b1] "m"(b->l[1]), [b2] "m"(b->l[2]), [b3] "m"(b->l[3]),
              [p0] "m"(P_LIMBS[0]), [p1] "m"(P_LIMBS[1]), [p2] "m"(P_LIMBS[2]), [p3] "m"(P_LIMBS[3])
            : "cc");
    r->l[0] = t0;
    r->l[1] = t1;
    r->l[2] = t2;
    r->l[3] = t3;
}

/* r = a - b mod p for a, b < p: subtract, then add p masked by the borrow. */
INLINE void fp_sub(fp *r, const fp *a, const fp *b)
{
    uint64_t s0, s1, s2, s3, m, t0, t1, t2, t3;
    __asm__("movq %[a0], %[s0]\n\t"
            "movq %[a1], %[s1]\n\t"
            "movq %[a2], %[s2]\n\t"
            "movq %[a3], %[s3]\n\t"
            "subq %[b0], %[s0]\n\t"
            "sbbq %[b1], %[s1]\n\t"
            "sbbq %[b2], %[s2]\n\t"
            "sbbq %[b3], %[s3]\n\t"
            "sbbq %[m], %[m]\n\t"
            "movq %[p0], %[t0]\n\t"
            "movq %[p1], %[t1]\n\t"
            "movq %[p2], %[t2]\n\t"
            "movq %[p3], %[t3]\n\t"
            "andq %[m], %[t0]\n\t"
            "andq %[m], %[t1]\n\t"
            "andq %[m], %[t2]\n\t"
            "andq %[m], %[t3]\n\t"
            "addq %[t0], %[s0]\n\t"
            "adcq %[t1], %[s1]\n\t"
            "adcq %[t2], %[s2]\n\t"
            "adcq %[t3], %[s3]"
            : [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3), [m] "=&r"(m),
              [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
            : [a0] "m"(a->l[0]), [a1] "m"(a->l[1]), [a2] "m"(a->l[2]), [a3] "m"(a->l[3]),
              [b0] "m"(b->l[0]), [b1] "m"(b->l[1]), [b2] "m"(b->l[2]), [b3] "m"(b->l[3]),
              [p0] "m"(P_LIMBS[0]), [p1] "m"(P_LIMBS[1]), [p2] "m"(P_LIMBS[2]), [p3] "m"(P_LIMBS[3])
            : "cc");
    r->l[0] = s0;
    r->l[1] = s1;
    r->l[2] = s2;
    r->l[3] = s3;
}
#else
INLINE void fp_add(fp *r, const fp *a, const fp *b)
{
    uint64_t t[4], c = 0;
    for (int i = 0; i < 4; i++) t[i] = adc(a->l[i], b->l[i], &c);
    sub_if_ge(r->l, t, P_LIMBS);   /* a + b < 2p < 2^255: no carry out */
}

INLINE void fp_sub(fp *r, const fp *a, const fp *b)
{
    uint64_t borrow = 0, c = 0;
    for (int i = 0; i < 4; i++) r->l[i] = sbb(a->l[i], b->l[i], &borrow);
    uint64_t mask = 0 - borrow;     /* add p back when a < b */
    for (int i = 0; i < 4; i++) r->l[i] = adc(r->l[i], P_LIMBS[i] & mask, &c);
}
#endif

/* a + b without reduction: < 2p when a, b < p (an operand of mont_mul). */
INLINE void fp_add_lazy(fp *r, const fp *a, const fp *b)
{
    uint64_t c = 0;
    for (int i = 0; i < 4; i++) r->l[i] = adc(a->l[i], b->l[i], &c);
}

INLINE void fp_dbl(fp *r, const fp *a) { fp_add(r, a, a); }

INLINE void fp_neg(fp *r, const fp *a)
{
    static const fp zero;
    fp_sub(r, &zero, a);
}

/* 1 when x = 0, else 0, without a branch. */
INLINE uint64_t u64_is_zero(uint64_t x) { return ((x | (0 - x)) >> 63) ^ 1; }

INLINE uint64_t limbs_is_zero(const uint64_t *a, int n)
{
    uint64_t acc = 0;
    for (int i = 0; i < n; i++) acc |= a[i];
    return u64_is_zero(acc);
}

INLINE uint64_t fp_is_zero(const fp *a) { return limbs_is_zero(a->l, 4); }

INLINE uint64_t fp_eq(const fp *a, const fp *b)
{
    uint64_t acc = 0;
    for (int i = 0; i < 4; i++) acc |= a->l[i] ^ b->l[i];
    return u64_is_zero(acc);
}

/* r = flag ? a : r, constant time (flag is 0 or 1). */
INLINE void fp_cmov(fp *r, const fp *a, uint64_t flag)
{
    uint64_t mask = 0 - flag;
    for (int i = 0; i < 4; i++) r->l[i] ^= (r->l[i] ^ a->l[i]) & mask;
}

/* r = 3a, 9a and 2^-1 a: small multiples used by the curve formulas. */
INLINE void fp_mul3(fp *r, const fp *a)
{
    fp t;
    fp_add(&t, a, a);
    fp_add(r, &t, a);
}

INLINE void fp_halve(fp *r, const fp *a)
{
    /* a odd: (a + p)/2, else a/2; p odd so a + p is even. */
    uint64_t mask = 0 - (a->l[0] & 1), c = 0, t[4];
    for (int i = 0; i < 4; i++) t[i] = adc(a->l[i], P_LIMBS[i] & mask, &c);
    for (int i = 0; i < 3; i++) r->l[i] = (t[i] >> 1) | (t[i + 1] << 63);
    r->l[3] = (t[3] >> 1) | (c << 63);
}

INLINE void fp_redc(fp *r, const uint64_t t[8]) { mont_redc(r->l, t, P_LIMBS); }

/* Double-width subtractions for lazy reduction (the portable fp2_mul).
 * wide_sub: a - b for a >= b. */
INLINE void wide_sub(uint64_t r[8], const uint64_t a[8], const uint64_t b[8])
{
    uint64_t borrow = 0;
    for (int i = 0; i < 8; i++) r[i] = sbb(a[i], b[i], &borrow);
}

/* a - b, plus p^2 when that borrows: a non-negative representative. */
INLINE void wide_sub_modp2(uint64_t r[8], const uint64_t a[8], const uint64_t b[8])
{
    uint64_t borrow = 0, c = 0;
    for (int i = 0; i < 8; i++) r[i] = sbb(a[i], b[i], &borrow);
    uint64_t mask = 0 - borrow;
    for (int i = 0; i < 8; i++) r[i] = adc(r[i], P_SQ[i] & mask, &c);
}

/* Plain (non-Montgomery) 256-bit integer <-> fp. fp_from_limbs takes any
 * 256-bit a (also >= p: the result is reduced mod p). */
static inline void fp_from_limbs(fp *r, const uint64_t a[4]) { mont_mul(r->l, P_R2, a, P_LIMBS); }

static inline void fp_to_limbs(uint64_t r[4], const fp *a)
{
    static const uint64_t one[4] = {1, 0, 0, 0};
    mont_mul(r, a->l, one, P_LIMBS);
}

static inline void fp_set_u64(fp *r, uint64_t v)
{
    const uint64_t l[4] = {v, 0, 0, 0};
    fp_from_limbs(r, l);
}

/* Big-endian bytes <-> limbs. */
static void limbs_from_be(uint64_t r[4], const uint8_t in[32])
{
    for (int i = 0; i < 4; i++) {
        uint64_t w = 0;
        for (int j = 0; j < 8; j++) w = (w << 8) | in[(3 - i) * 8 + j];
        r[i] = w;
    }
}

static void limbs_to_be(uint8_t out[32], const uint64_t a[4])
{
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) out[(3 - i) * 8 + j] = (uint8_t)(a[i] >> (56 - 8 * j));
}

/* 1 when a < m (constant time). */
INLINE uint64_t limbs_lt(const uint64_t a[4], const uint64_t m[4])
{
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) (void)sbb(a[i], m[i], &borrow);
    return borrow;
}

/* r = a mod m for any 256-bit a and m = p or r: 2^256/m < 5.3, so five
 * unconditional conditional-subtractions suffice (constant time). */
static void limbs_reduce(uint64_t r[4], const uint64_t a[4], const uint64_t m[4])
{
    uint64_t t[4];
    memcpy(t, a, sizeof t);
    for (int k = 0; k < 5; k++) sub_if_ge(t, t, m);
    memcpy(r, t, sizeof t);
}

/* r = a^e for a public exponent e (4 limbs): left to right sliding windows
 * of up to 5 bits over a table of the odd powers a^1 .. a^31 (Menezes, van
 * Oorschot, Vanstone, "Handbook of Applied Cryptography", Alg. 14.85). The
 * operation sequence depends on e only, so this is constant time in a. */
static void fp_pow(fp *r, const fp *a, const uint64_t e[4])
{
    fp tab[16], acc, sq;
    int started = 0, i = 255;
    fp_sqr(&sq, a);
    tab[0] = *a;
    for (int k = 1; k < 16; k++) fp_mul(&tab[k], &tab[k - 1], &sq);
    acc = FP_ONE;
#define EBIT(k) ((e[(k) / 64] >> ((k) % 64)) & 1)
    while (i >= 0) {
        if (!EBIT(i)) {
            if (started) fp_sqr(&acc, &acc);
            i--;
            continue;
        }
        int j = i - 4 < 0 ? 0 : i - 4, v = 0;
        while (!EBIT(j)) j++;                 /* the window e[i..j] ends in a 1 */
        for (int k = i; k >= j; k--) v = 2 * v + (int)EBIT(k);
        if (started) {
            for (int k = i; k >= j; k--) fp_sqr(&acc, &acc);
            fp_mul(&acc, &acc, &tab[v >> 1]);
        } else {
            acc = tab[v >> 1];
        }
        started = 1;
        i = j - 1;
    }
#undef EBIT
    *r = acc;
}

/* r = 1/a (0 for a = 0), Fermat: a^(p-2). Constant time. */
static void fp_inv(fp *r, const fp *a) { fp_pow(r, a, P_MINUS_2); }

/* r = a^((p+1)/4); returns 1 iff r^2 = a, i.e. a is a square (p = 3 mod 4).
 * This is exactly the candidate root EigenLayer's hashToG1 takes from the
 * modexp precompile, so no sign normalisation happens here either. */
static uint64_t fp_sqrt(fp *r, const fp *a)
{
    fp s, t;
    fp_pow(&s, a, P_PLUS1_DIV4);
    fp_sqr(&t, &s);
    *r = s;
    return fp_eq(&t, a);
}

/* ---- Fr (scalars mod r) --------------------------------------------------- */

static inline void fr_mul(fr *r, const fr *a, const fr *b) { mont_mul(r->l, a->l, b->l, R_LIMBS); }

/* Any 256-bit a (reduced mod r). */
static inline void fr_from_limbs(fr *r, const uint64_t a[4]) { mont_mul(r->l, R_R2, a, R_LIMBS); }

static inline void fr_to_limbs(uint64_t r[4], const fr *a)
{
    static const uint64_t one[4] = {1, 0, 0, 0};
    mont_mul(r, a->l, one, R_LIMBS);
}

/* Plain scalars mod r (no Montgomery form): (a + b) mod r, (m - a) mod m. */
static inline void scalar_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t[4], c = 0;
    for (int i = 0; i < 4; i++) t[i] = adc(a[i], b[i], &c);
    sub_if_ge(r, t, R_LIMBS);
}

/* Plain scalars: r = a*b mod r. */
static void scalar_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    fr x, y, z;
    fr_from_limbs(&x, a);
    fr_from_limbs(&y, b);
    fr_mul(&z, &x, &y);
    fr_to_limbs(r, &z);
}

#endif
