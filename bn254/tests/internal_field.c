/* White-box tests of the field layer (compiles bn254.c itself to reach the
 * static internals): Fp and Fr against OpenSSL's BIGNUM, the MULX/ADX
 * kernels against the portable C ones (also on lazily reduced inputs), the
 * tower's laws, the Frobenius tables re-derived at run time, sparse line
 * multiplication and cyclotomic squaring against the generic operations, the
 * GLV split and wNAF recodings. */
#include "bn254.c"

#include <openssl/bn.h>

#include "test.h"

#define ROUNDS 200

/* ---- helpers ----------------------------------------------------------- */

static void rand_limbs(uint64_t l[4]) { test_rand_bytes(l, 32); }

/* Uniform-ish element of [0, m): random 254-bit values reduced. */
static void rand_below(uint64_t l[4], const uint64_t m[4])
{
    rand_limbs(l);
    l[3] &= 0x3fffffffffffffffULL;
    limbs_reduce(l, l, m);
}

static void rand_fp(fp *a)
{
    uint64_t l[4];
    rand_below(l, P_LIMBS);
    fp_from_limbs(a, l);
}

static void rand_fp2(fp2 *a) { rand_fp(&a->c0); rand_fp(&a->c1); }
static void rand_fp6(fp6 *a) { rand_fp2(&a->c0); rand_fp2(&a->c1); rand_fp2(&a->c2); }
static void rand_fp12(fp12 *a) { rand_fp6(&a->c0); rand_fp6(&a->c1); }

static BIGNUM *bn_from_limbs(const uint64_t l[4])
{
    uint8_t be[32];
    limbs_to_be(be, l);
    return BN_bin2bn(be, 32, NULL);
}

static void limbs_from_bn(uint64_t l[4], const BIGNUM *x)
{
    uint8_t be[32];
    REQUIRE(BN_bn2binpad(x, be, 32) == 32);
    limbs_from_be(l, be);
}

/* Interesting values below m: 0, 1, 2, m-1, m-2, (m-1)/2, 2^k around the top. */
static void edge_value(uint64_t l[4], const uint64_t m[4], int i)
{
    static const uint64_t one[4] = {1, 0, 0, 0}, two[4] = {2, 0, 0, 0};
    uint64_t borrow = 0;
    switch (i % 7) {
    case 0: memset(l, 0, 32); break;
    case 1: memcpy(l, one, 32); break;
    case 2: memcpy(l, two, 32); break;
    case 3: for (int k = 0; k < 4; k++) l[k] = sbb(m[k], one[k], &borrow); break;
    case 4: for (int k = 0; k < 4; k++) l[k] = sbb(m[k], two[k], &borrow); break;
    case 5: for (int k = 0; k < 4; k++) l[k] = sbb(m[k], one[k], &borrow);
            for (int k = 0; k < 3; k++) l[k] = (l[k] >> 1) | (l[k + 1] << 63);
            l[3] >>= 1; break;
    default: memset(l, 0, 32); l[3] = 1ULL << 61; break;
    }
}

/* ---- Fp and Fr against BIGNUM ------------------------------------------ */

static void check_field_vs_bn(const uint64_t m[4], int is_p)
{
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *M = bn_from_limbs(m), *r = BN_new();
    for (int i = 0; i < ROUNDS; i++) {
        uint64_t a[4], b[4], got[4], want[4];
        if (i < 49) { edge_value(a, m, i); edge_value(b, m, i / 7); }
        else { rand_below(a, m); rand_below(b, m); }
        BIGNUM *A = bn_from_limbs(a), *B = bn_from_limbs(b);
        if (is_p) {
            fp x, y, z;
            fp_from_limbs(&x, a);
            fp_from_limbs(&y, b);
            fp_mul(&z, &x, &y);
            fp_to_limbs(got, &z);
            BN_mod_mul(r, A, B, M, ctx);
            limbs_from_bn(want, r);
            CHECK_MEM(got, want, 32);
            fp_add(&z, &x, &y);
            fp_to_limbs(got, &z);
            BN_mod_add(r, A, B, M, ctx);
            limbs_from_bn(want, r);
            CHECK_MEM(got, want, 32);
            fp_sub(&z, &x, &y);
            fp_to_limbs(got, &z);
            BN_mod_sub(r, A, B, M, ctx);
            limbs_from_bn(want, r);
            CHECK_MEM(got, want, 32);
            fp_sqr(&z, &x);
            fp_to_limbs(got, &z);
            BN_mod_sqr(r, A, M, ctx);
            limbs_from_bn(want, r);
            CHECK_MEM(got, want, 32);
            fp_halve(&z, &x);
            fp_add(&z, &z, &z);
            CHECK(fp_eq(&z, &x));
            if (i % 8 == 0) {
                fp_inv(&z, &x);
                fp_to_limbs(got, &z);
                if (BN_is_zero(A)) memset(want, 0, 32);
                else { BN_mod_inverse(r, A, M, ctx); limbs_from_bn(want, r); }
                CHECK_MEM(got, want, 32);
                /* sqrt: a^((p+1)/4), a square root iff one exists (Legendre). */
                uint64_t s = fp_sqrt(&z, &x);
                fp_to_limbs(got, &z);
                BIGNUM *e = BN_new(), *one = BN_new();
                BN_copy(e, M);
                BN_add_word(e, 1);
                BN_rshift(e, e, 2);
                BN_mod_exp(r, A, e, M, ctx);
                limbs_from_bn(want, r);
                CHECK_MEM(got, want, 32);
                BN_copy(e, M);
                BN_sub_word(e, 1);
                BN_rshift1(e, e);
                BN_mod_exp(one, A, e, M, ctx);
                CHECK_INT(s, BN_is_one(one) || BN_is_zero(A));
                BN_free(e);
                BN_free(one);
            }
        } else {
            scalar_mul(got, a, b);
            BN_mod_mul(r, A, B, M, ctx);
            limbs_from_bn(want, r);
            CHECK_MEM(got, want, 32);
            scalar_add(got, a, b);
            BN_mod_add(r, A, B, M, ctx);
            limbs_from_bn(want, r);
            CHECK_MEM(got, want, 32);
        }
        BN_free(A);
        BN_free(B);
    }
    /* Reduction of any 256-bit value (digests, ecMul scalars). */
    for (int i = 0; i < ROUNDS; i++) {
        uint64_t a[4], got[4], want[4];
        rand_limbs(a);
        if (i == 0) memset(a, 0xff, sizeof a);
        BIGNUM *A = bn_from_limbs(a);
        BN_nnmod(r, A, M, ctx);
        limbs_from_bn(want, r);
        limbs_reduce(got, a, m);
        CHECK_MEM(got, want, 32);
        if (is_p) {
            fp z;
            fp_from_limbs(&z, a);
            fp_to_limbs(got, &z);
            CHECK_MEM(got, want, 32);
        }
        BN_free(A);
    }
    BN_free(M);
    BN_free(r);
    BN_CTX_free(ctx);
}

static void test_fp_vs_bignum(void) { check_field_vs_bn(P_LIMBS, 1); }
static void test_fr_vs_bignum(void) { check_field_vs_bn(R_LIMBS, 0); }

/* ---- kernels: MULX/ADX against portable C -------------------------------- */

static void test_kernels_agree(void)
{
#if defined(__x86_64__) && !defined(BN254_PORTABLE)
    if (!use_adx) {
        printf("  (no BMI2/ADX on this CPU: only the portable kernels exist)\n");
        return;
    }
    for (int i = 0; i < 20 * ROUNDS; i++) {
        uint64_t a[4], b[4], t[8], r1[4], r2[4], w1[8], w2[8], carry = 0;
        /* Operands < 2p (lazy sums), as fp2_mul and fp2_sqr pass them. */
        rand_below(a, P_LIMBS);
        rand_below(b, P_LIMBS);
        if (i & 1) for (int k = 0; k < 4; k++) a[k] = adc(a[k], P_LIMBS[k], &carry);
        carry = 0;
        if (i & 2) for (int k = 0; k < 4; k++) b[k] = adc(b[k], P_LIMBS[k], &carry);
        if (i % 97 == 0) { edge_value(a, P_LIMBS, i); edge_value(b, P_LIMBS, i + 3); }
        mont_mul_c(r1, a, b, P_LIMBS);
        mont_mul_adx(r2, a, b, P_LIMBS);
        CHECK_MEM(r1, r2, 32);
        CHECK(limbs_lt(r1, P_LIMBS));
        mul_wide_c(w1, a, b);
        mul_wide_adx(w2, a, b);
        CHECK_MEM(w1, w2, 64);
        uint64_t sc[8];
        mont_mul_c(r1, a, a, P_LIMBS);
        fp_sqr_adx(r2, a, sc);
        CHECK_MEM(r1, r2, 32);
        /* redc input: any t < p 2^256 (random 510-bit, and the extremes) */
        test_rand_bytes(t, 64);
        t[7] &= 0x0fffffffffffffffULL;
        if (i == 0) { memset(t, 0, 32); memcpy(t + 4, P_LIMBS, 32); t[4] -= 1; memset(t, 0xff, 32); }
        if (i == 1) memset(t, 0, 64);
        mont_redc_c(r1, t, P_LIMBS);
        mont_redc_adx(r2, t, P_LIMBS);
        CHECK_MEM(r1, r2, 32);
        CHECK(limbs_lt(r2, P_LIMBS));
        mont_mul_c(r1, a, b, R_LIMBS);
        mont_mul_adx(r2, a, b, R_LIMBS);
        CHECK_MEM(r1, r2, 32);
        /* The fused Fp2 product (random elements, and the extremes p - 1). */
        fp2 x, y, z1, z2;
        rand_fp2(&x);
        rand_fp2(&y);
        if (i < 4) {
            edge_value(x.c0.l, P_LIMBS, 3);
            edge_value(y.c1.l, P_LIMBS, 3 + i);
        }
        use_adx = 0;
        fp2_mul(&z1, &x, &y);
        use_adx = 1;
        fp2_mul(&z2, &x, &y);
        CHECK(fp2_eq(&z1, &z2));
    }
#else
    printf("  (portable build: no assembly kernels)\n");
#endif
}

/* The whole pairing gives the same bytes on both kernel sets. */
static void test_pairing_both_kernels(void)
{
#if defined(__x86_64__) && !defined(BN254_PORTABLE)
    bn254_g1 p;
    bn254_g2 q;
    bn254_fp12 e1, e2;
    bn254_scalar k = {{test_rand64(), test_rand64(), test_rand64(), test_rand64() >> 4}};
    int saved = use_adx;
    bn254_g1_generator(&p);
    bn254_g2_generator(&q);
    bn254_g1_mul_var(&p, &p, &k);
    use_adx = 0;
    bn254_pairing(&e1, &p, &q);
    use_adx = saved;
    bn254_pairing(&e2, &p, &q);
    CHECK(bn254_fp12_eq(&e1, &e2));
#endif
}

/* ---- tower laws ----------------------------------------------------------- */

static void test_fp2_laws(void)
{
    for (int i = 0; i < ROUNDS; i++) {
        fp2 a, b, c, t, u, v;
        rand_fp2(&a); rand_fp2(&b); rand_fp2(&c);
        fp2_mul(&t, &a, &b); fp2_mul(&t, &t, &c);
        fp2_mul(&u, &b, &c); fp2_mul(&u, &a, &u);
        CHECK(fp2_eq(&t, &u));                              /* associative */
        fp2_mul(&t, &a, &b); fp2_mul(&u, &b, &a);
        CHECK(fp2_eq(&t, &u));                              /* commutative */
        fp2_add(&t, &b, &c); fp2_mul(&t, &a, &t);
        fp2_mul(&u, &a, &b); fp2_mul(&v, &a, &c); fp2_add(&u, &u, &v);
        CHECK(fp2_eq(&t, &u));                              /* distributive */
        fp2_sqr(&t, &a); fp2_mul(&u, &a, &a);
        CHECK(fp2_eq(&t, &u));
        fp2_inv(&t, &a); fp2_mul(&t, &t, &a);
        CHECK(fp2_eq(&t, &FP2_ONE));
        fp2_mul_xi(&t, &a); fp2_mul(&u, &a, &FP2_XI);
        CHECK(fp2_eq(&t, &u));
        fp2_sqr(&t, &a);
        CHECK(fp2_sqrt_var(&u, &t));                        /* squares have roots */
        fp2_sqr(&u, &u);
        CHECK(fp2_eq(&u, &t));
        fp2_mul(&t, &a, &FP2_XI);                           /* xi is a non-square, so */
        fp2_sqr(&t, &a);                                    /* a^2 xi has no root */
        fp2_mul(&t, &t, &FP2_XI);
        CHECK(!fp2_is_zero(&a) ? !fp2_sqrt_var(&u, &t) : 1);
    }
}

static void test_fp6_laws(void)
{
    for (int i = 0; i < ROUNDS / 4; i++) {
        fp6 a, b, c, t, u, v;
        rand_fp6(&a); rand_fp6(&b); rand_fp6(&c);
        fp6_mul(&t, &a, &b); fp6_mul(&t, &t, &c);
        fp6_mul(&u, &b, &c); fp6_mul(&u, &a, &u);
        CHECK(fp6_eq(&t, &u));
        fp6_add(&t, &b, &c); fp6_mul(&t, &a, &t);
        fp6_mul(&u, &a, &b); fp6_mul(&v, &a, &c); fp6_add(&u, &u, &v);
        CHECK(fp6_eq(&t, &u));
        fp6_sqr(&t, &a); fp6_mul(&u, &a, &a);
        CHECK(fp6_eq(&t, &u));
        fp6_inv(&t, &a); fp6_mul(&t, &t, &a);
        fp6 one = {.c0 = FP2_ONE};
        CHECK(fp6_eq(&t, &one));
        fp6 vv = {.c1 = FP2_ONE};                           /* multiplication by v */
        fp6_mul_v(&t, &a); fp6_mul(&u, &a, &vv);
        CHECK(fp6_eq(&t, &u));
        fp6 sp = {.c0 = b.c0, .c1 = b.c1};                  /* sparse b0 + b1 v */
        fp6_mul_01(&t, &a, &b.c0, &b.c1); fp6_mul(&u, &a, &sp);
        CHECK(fp6_eq(&t, &u));
    }
}

static void test_fp12_laws(void)
{
    for (int i = 0; i < ROUNDS / 8; i++) {
        fp12 a, b, c, t, u, v;
        rand_fp12(&a); rand_fp12(&b); rand_fp12(&c);
        fp12_mul(&t, &a, &b); fp12_mul(&t, &t, &c);
        fp12_mul(&u, &b, &c); fp12_mul(&u, &a, &u);
        CHECK(fp12_eq(&t, &u));
        fp12_mul(&t, &a, &b); fp12_mul(&u, &b, &a);
        CHECK(fp12_eq(&t, &u));
        fp6_add(&t.c0, &b.c0, &c.c0); fp6_add(&t.c1, &b.c1, &c.c1);
        fp12_mul(&t, &a, &t);
        fp12_mul(&u, &a, &b); fp12_mul(&v, &a, &c);
        fp6_add(&u.c0, &u.c0, &v.c0); fp6_add(&u.c1, &u.c1, &v.c1);
        CHECK(fp12_eq(&t, &u));
        fp12_sqr(&t, &a); fp12_mul(&u, &a, &a);
        CHECK(fp12_eq(&t, &u));
        fp12_inv(&t, &a); fp12_mul(&t, &t, &a);
        CHECK(fp12_is_one(&t));
        /* Line multiplication: l = x + y w + z v w against the dense product. */
        fp2 x, y, z;
        rand_fp2(&x); rand_fp2(&y); rand_fp2(&z);
        fp12 l = {.c0 = {.c0 = x}, .c1 = {.c0 = y, .c1 = z}};
        t = a;
        fp12_mul_line(&t, &x, &y, &z);
        fp12_mul(&u, &a, &l);
        CHECK(fp12_eq(&t, &u));
    }
}

/* a^e for a public exponent given as 4 limbs (square and multiply). */
static void fp12_pow4(fp12 *r, const fp12 *a, const uint64_t e[4])
{
    bn254_scalar k;
    memcpy(k.l, e, 32);
    bn254_fp12_pow_var(r, a, &k);
}

static void fp2_pow4(fp2 *r, const fp2 *a, const uint64_t e[4])
{
    fp2 acc = FP2_ONE;
    for (int i = 255; i >= 0; i--) {
        fp2_sqr(&acc, &acc);
        if ((e[i / 64] >> (i % 64)) & 1) fp2_mul(&acc, &acc, a);
    }
    *r = acc;
}

static void test_frobenius(void)
{
    /* frob(a) = a^p, and frob^2, frob^3 compose; frob^12 would be the identity. */
    for (int i = 0; i < 4; i++) {
        fp12 a, t, u;
        rand_fp12(&a);
        fp12_frobenius(&t, &a, 1);
        fp12_pow4(&u, &a, P_LIMBS);
        CHECK(fp12_eq(&t, &u));
        fp12_frobenius(&u, &t, 1);
        fp12_frobenius(&t, &a, 2);
        CHECK(fp12_eq(&t, &u));
        fp12_frobenius(&u, &u, 1);
        fp12_frobenius(&t, &a, 3);
        CHECK(fp12_eq(&t, &u));
        fp12_frobenius(&u, &t, 3);
        fp12_frobenius(&u, &u, 3);
        fp12_frobenius(&u, &u, 3);
        CHECK(fp12_eq(&u, &a));
    }
    fp6 a6, t6, u6;   /* Frobenius on Fp6 = the Fp12 map restricted to c0 */
    rand_fp6(&a6);
    fp12 a12 = {.c0 = a6}, t12;
    fp12_frobenius(&t12, &a12, 1);
    t6 = t12.c0;
    fp2_conj(&u6.c0, &a6.c0);
    fp2_conj(&u6.c1, &a6.c1); fp2_mul(&u6.c1, &u6.c1, &FROB1[1]);
    fp2_conj(&u6.c2, &a6.c2); fp2_mul(&u6.c2, &u6.c2, &FROB1[3]);
    CHECK(fp6_eq(&t6, &u6));
}

/* The generated tables against their definitions, computed here. */
static void test_constants(void)
{
    uint64_t e[4], six = 6, rem = 0;
    /* (p - 1)/6 by long division */
    uint64_t pm1[4];
    memcpy(pm1, P_LIMBS, 32);
    pm1[0] -= 1;
    for (int i = 3; i >= 0; i--) {
        u128 cur = ((u128)rem << 64) | pm1[i];
        e[i] = (uint64_t)(cur / six);
        rem = (uint64_t)(cur % six);
    }
    CHECK_INT(rem, 0);
    fp2 g1, acc = FP2_ONE, t;
    fp2_pow4(&g1, &FP2_XI, e);                  /* gamma_{1,1} = xi^((p-1)/6) */
    for (int j = 0; j < 5; j++) {
        fp2_mul(&acc, &acc, &g1);               /* gamma_{1,j+1} = gamma_{1,1}^(j+1) */
        CHECK(fp2_eq(&acc, &FROB1[j]));
        /* gamma_2 = gamma_1^(p+1) = conj(gamma_1) gamma_1 (in Fp) */
        fp2_conj(&t, &acc);
        fp2_mul(&t, &t, &acc);
        CHECK(fp_eq(&t.c0, &FROB2[j]) && fp_is_zero(&t.c1));
        /* gamma_3 = gamma_1^(p^2+p+1) = gamma_1^2 conj(gamma_1) */
        fp2_conj(&t, &acc);
        fp2_mul(&t, &t, &acc);
        fp2_mul(&t, &t, &acc);
        CHECK(fp2_eq(&t, &FROB3[j]));
    }
    CHECK(fp2_eq(&PSI_X, &FROB1[1]) && fp2_eq(&PSI_Y, &FROB1[2]) && fp_eq(&PSI2_X, &FROB2[1]));
    /* beta: non-trivial cube roots of 1 */
    fp b3;
    fp_sqr(&b3, &FP_BETA); fp_mul(&b3, &b3, &FP_BETA);
    CHECK(fp_eq(&b3, &FP_ONE) && !fp_eq(&FP_BETA, &FP_ONE));
    fp_sqr(&b3, &FP_BETA_G2); fp_mul(&b3, &b3, &FP_BETA_G2);
    CHECK(fp_eq(&b3, &FP_ONE) && !fp_eq(&FP_BETA_G2, &FP_ONE));
    /* b' = 3/xi, the small constants */
    fp2 b;
    fp2_mul(&b, &FP2_TWIST_B, &FP2_XI);
    fp2 three = {.c0 = FP_B};
    CHECK(fp2_eq(&b, &three));
    fp2_mul3(&b, &FP2_TWIST_B);
    CHECK(fp2_eq(&b, &FP2_TWIST_B3));
    fp nine;
    fp_set_u64(&nine, 9);
    CHECK(fp_eq(&nine, &FP_B3));
    fp half;
    fp_set_u64(&half, 2);
    fp_mul(&half, &half, &FP_HALF);
    CHECK(fp_eq(&half, &FP_ONE));
    /* lambda^2 + lambda + 1 = 0 mod r */
    uint64_t l2[4], one[4] = {1, 0, 0, 0};
    scalar_mul(l2, GLV_LAMBDA, GLV_LAMBDA);
    scalar_add(l2, l2, GLV_LAMBDA);
    scalar_add(l2, l2, one);
    CHECK(limbs_is_zero(l2, 4));
    /* NAF tables encode 6u + 2 and u */
    u128 v = 0;
    for (size_t i = 0; i < sizeof ATE_NAF; i++) v = 2 * v + (u128)(__int128)ATE_NAF[i];
    CHECK(v == (u128)6 * BN_U + 2);
    v = 0;
    for (size_t i = 0; i < sizeof U_NAF; i++) v = 2 * v + (u128)(__int128)U_NAF[i];
    CHECK(v == BN_U);
    v = 0;
    for (size_t i = 0; i < sizeof U_WNAF4; i++) v = 2 * v + (u128)(__int128)U_WNAF4[i];
    CHECK(v == BN_U);
    int lines = 0;
    for (size_t i = 1; i < sizeof ATE_NAF; i++) lines += 1 + (ATE_NAF[i] != 0);
    CHECK_INT(lines + 2, ATE_LINES);
}

/* Cyclotomic squaring equals squaring on the image of the easy part. */
static void test_cyclotomic_sqr(void)
{
    for (int i = 0; i < 8; i++) {
        fp12 a, t, u, inv;
        rand_fp12(&a);
        fp12_inv(&inv, &a);
        fp12_conj(&t, &a);
        fp12_mul(&t, &t, &inv);
        fp12_frobenius(&u, &t, 2);
        fp12_mul(&a, &u, &t);               /* a^((p^6-1)(p^2+1)) */
        fp12_cyclotomic_sqr(&t, &a);
        fp12_sqr(&u, &a);
        CHECK(fp12_eq(&t, &u));
        fp12_conj(&t, &a);                  /* and the inverse is the conjugate */
        fp12_mul(&t, &t, &a);
        CHECK(fp12_is_one(&t));
        fp12_cyclotomic_pow_u(&t, &a);
        uint64_t ue[4] = {BN_U, 0, 0, 0};
        fp12_pow4(&u, &a, ue);
        CHECK(fp12_eq(&t, &u));
    }
}

/* ---- scalar recodings ---------------------------------------------------- */

/* r = (m - a) mod m for a < m (0 stays 0). */
static void limbs_neg_mod(uint64_t r[4], const uint64_t a[4], const uint64_t m[4])
{
    uint64_t borrow = 0, nz = 1 ^ limbs_is_zero(a, 4), mask = 0 - nz;
    for (int i = 0; i < 4; i++) r[i] = sbb(m[i], a[i], &borrow) & mask;
}

static void check_split(const uint64_t k[4])
{
    struct glv_split s;
    uint64_t a[4] = {0}, b[4] = {0}, t[4];
    glv_split(&s, k);
    CHECK((s.k1[1] >> 63) == 0 && (s.k2[1] >> 63) == 0);   /* < 2^127 */
    memcpy(a, s.k1, 16);
    memcpy(b, s.k2, 16);
    if (s.neg1) limbs_neg_mod(a, a, R_LIMBS);
    if (s.neg2) limbs_neg_mod(b, b, R_LIMBS);
    scalar_mul(t, b, GLV_LAMBDA);
    scalar_add(t, t, a);
    CHECK_MEM(t, k, 32);
    int8_t naf[GLV_NAF_LEN];
    int len = wnaf(naf, s.k1);
    u128 v = 0;
    for (int i = len - 1; i >= 0; i--) {
        v = 2 * v + (u128)(__int128)naf[i];
        CHECK(naf[i] == 0 || (naf[i] & 1));
    }
    CHECK(v == (((u128)s.k1[1] << 64) | s.k1[0]));
}

static void test_glv_split(void)
{
    for (int i = 0; i < 20 * ROUNDS; i++) {
        uint64_t k[4];
        if (i < 7) edge_value(k, R_LIMBS, i);
        else rand_below(k, R_LIMBS);
        check_split(k);
    }
}

/* GLS: k = sum_i (+-k_i) lambda^i mod r with lambda = 6u^2 (psi's eigenvalue). */
static void test_gls_split(void)
{
    uint64_t lambda[4] = {6, 0, 0, 0}, u[4] = {BN_U, 0, 0, 0};
    scalar_mul(lambda, lambda, u);
    scalar_mul(lambda, lambda, u);
    for (int i = 0; i < 20 * ROUNDS; i++) {
        uint64_t k[4], acc[4] = {0}, pw[4] = {1, 0, 0, 0};
        struct gls_split s;
        if (i < 7) edge_value(k, R_LIMBS, i);
        else rand_below(k, R_LIMBS);
        gls_split(&s, k);
        for (int j = 0; j < 4; j++) {
            uint64_t t[4] = {s.k[j], 0, 0, 0};
            if (s.neg[j]) limbs_neg_mod(t, t, R_LIMBS);
            scalar_mul(t, t, pw);
            scalar_add(acc, acc, t);
            scalar_mul(pw, pw, lambda);
        }
        CHECK_MEM(acc, k, 32);
    }
}

static const struct test_case cases[] = {
    TEST(fp_vs_bignum), TEST(fr_vs_bignum), TEST(kernels_agree), TEST(pairing_both_kernels),
    TEST(fp2_laws), TEST(fp6_laws), TEST(fp12_laws), TEST(frobenius), TEST(constants),
    TEST(cyclotomic_sqr), TEST(glv_split), TEST(gls_split),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
