/* The pairing through the public API: bilinearity, non-degeneracy, values in
 * the order-r subgroup, multi-pairing = product of pairings (also across the
 * 16-pair chunks of the Miller loop), pairing checks and the 0x08 precompile
 * entry point with its error cases. */
#include "bn254.h"
#include "test.h"

static const bn254_scalar R_MINUS_1 = {{0x43e1f593f0000000ULL, 0x2833e84879b97091ULL,
                                        0xb85045b68181585dULL, 0x30644e72e131a029ULL}};

static void rand_scalar(bn254_scalar *k)
{
    uint8_t b[32];
    test_rand_bytes(b, sizeof b);
    bn254_scalar_from_bytes_reduce(k, b);
}

static void rand_g1(bn254_g1 *p)
{
    bn254_scalar k;
    rand_scalar(&k);
    bn254_g1_generator(p);
    bn254_g1_mul_var(p, p, &k);
}

static void rand_g2(bn254_g2 *p)
{
    bn254_scalar k;
    rand_scalar(&k);
    bn254_g2_generator(p);
    bn254_g2_mul_var(p, p, &k);
}

static void test_bilinear(void)
{
    for (int i = 0; i < 4; i++) {
        bn254_g1 p, ap;
        bn254_g2 q, bq;
        bn254_scalar a, b, ab;
        bn254_fp12 e, lhs, rhs;
        rand_g1(&p); rand_g2(&q); rand_scalar(&a); rand_scalar(&b);
        bn254_g1_mul_var(&ap, &p, &a);
        bn254_g2_mul_var(&bq, &q, &b);
        bn254_pairing(&lhs, &ap, &bq);
        bn254_pairing(&e, &p, &q);
        bn254_scalar_mul(&ab, &a, &b);
        bn254_fp12_pow_var(&rhs, &e, &ab);
        CHECK(bn254_fp12_eq(&lhs, &rhs));                   /* e(aP, bQ) = e(P, Q)^(ab) */
        CHECK(!bn254_fp12_is_one(&e));                      /* non-degenerate */
        bn254_fp12 t;                                        /* e^r = 1: e^(r-1) = e^-1 */
        bn254_fp12_pow_var(&t, &e, &R_MINUS_1);
        bn254_fp12_mul(&t, &t, &e);
        CHECK(bn254_fp12_is_one(&t));
        bn254_fp12_conj(&t, &e);                             /* in GT the inverse is the conjugate */
        bn254_fp12_mul(&t, &t, &e);
        CHECK(bn254_fp12_is_one(&t));
        /* e(P + P', Q) = e(P, Q) e(P', Q) */
        bn254_g1 p2, s;
        rand_g1(&p2);
        bn254_g1_add_var(&s, &p, &p2);
        bn254_pairing(&lhs, &s, &q);
        bn254_pairing(&rhs, &p2, &q);
        bn254_fp12_mul(&rhs, &rhs, &e);
        CHECK(bn254_fp12_eq(&lhs, &rhs));
    }
    /* The generators' pairing: infinity in either slot gives 1. */
    bn254_g1 g1, inf1 = {0};
    bn254_g2 g2, inf2;
    bn254_fp12 e;
    memset(&inf2, 0, sizeof inf2);
    bn254_g1_generator(&g1);
    bn254_g2_generator(&g2);
    bn254_pairing(&e, &inf1, &g2);
    CHECK(bn254_fp12_is_one(&e));
    bn254_pairing(&e, &g1, &inf2);
    CHECK(bn254_fp12_is_one(&e));
}

/* Multi-pairing against the product of single pairings, for n up to 18 (the
 * Miller loop processes pairs in chunks of 16). */
static void test_multi_pairing(void)
{
    enum { N = 18 };
    bn254_g1 p[N];
    bn254_g2 q[N];
    for (int i = 0; i < N; i++) {
        rand_g1(&p[i]);
        rand_g2(&q[i]);
    }
    memset(&p[3], 0, sizeof p[3]);        /* a pair with infinity contributes 1 */
    memset(&q[5], 0, sizeof q[5]);
    bn254_fp12 prod, e, m;
    bn254_fp12_set_one(&prod);
    for (int n = 1; n <= N; n++) {
        bn254_pairing(&e, &p[n - 1], &q[n - 1]);
        bn254_fp12_mul(&prod, &prod, &e);
        if (n <= 4 || n >= 16) {
            bn254_multi_pairing(&m, p, q, (size_t)n);
            CHECK(bn254_fp12_eq(&m, &prod));
        }
    }
    /* Miller loops multiply before one final exponentiation. */
    bn254_fp12 f1, f2;
    bn254_miller_loop(&f1, p, q, 2);
    bn254_miller_loop(&f2, p + 2, q + 2, 3);
    bn254_fp12_mul(&f1, &f1, &f2);
    bn254_final_exp(&f1, &f1);
    bn254_multi_pairing(&m, p, q, 5);
    CHECK(bn254_fp12_eq(&f1, &m));
    bn254_multi_pairing(&m, p, q, 0);
    CHECK(bn254_fp12_is_one(&m));
}

static void test_pairing_check(void)
{
    for (int i = 0; i < 4; i++) {
        /* e(aP, Q) e(-P, aQ) = 1, and with one point perturbed != 1 */
        bn254_g1 p[2], base;
        bn254_g2 q[2], qb;
        bn254_scalar a;
        rand_g1(&base); rand_g2(&qb); rand_scalar(&a);
        bn254_g1_mul_var(&p[0], &base, &a);
        q[0] = qb;
        bn254_g1_neg(&p[1], &base);
        bn254_g2_mul_var(&q[1], &qb, &a);
        CHECK(bn254_pairing_check(p, q, 2));
        bn254_g1_add_var(&p[1], &p[1], &base);
        bn254_g1_add_var(&p[1], &p[1], &base);
        CHECK(!bn254_pairing_check(p, q, 2));
    }
}

static void test_evm_ecpairing(void)
{
    uint8_t in[192 * 3], out[32], one[32] = {0};
    one[31] = 1;
    bn254_g1 p, np;
    bn254_g2 q;
    rand_g1(&p); rand_g2(&q);
    bn254_g1_neg(&np, &p);
    bn254_g1_to_bytes(in, &p);
    bn254_g2_to_bytes(in + 64, &q);
    bn254_g1_to_bytes(in + 192, &np);
    bn254_g2_to_bytes(in + 256, &q);
    CHECK_INT(bn254_evm_ecpairing(out, in, 384), BN254_OK);
    CHECK_MEM(out, one, 32);
    CHECK_INT(bn254_evm_ecpairing(out, in, 192), BN254_OK);
    CHECK(out[31] == 0);
    CHECK_INT(bn254_evm_ecpairing(out, NULL, 0), BN254_OK);      /* empty product = 1 */
    CHECK_MEM(out, one, 32);
    CHECK_INT(bn254_evm_ecpairing(out, in, 191), BN254_ERR_ARG);
    CHECK_INT(bn254_evm_ecpairing(out, in, 193), BN254_ERR_ARG);
    memcpy(in + 384, in, 192);                                     /* bad third pair */
    in[384 + 63] ^= 1;
    CHECK_INT(bn254_evm_ecpairing(out, in, 576), BN254_ERR_NOT_ON_CURVE);
    memcpy(in + 384, in, 192);
    in[384 + 64 + 127] ^= 1;
    CHECK_INT(bn254_evm_ecpairing(out, in, 576), BN254_ERR_NOT_ON_CURVE);
    /* ecAdd / ecMul: padding and truncation of call data */
    uint8_t buf[200] = {0}, o1[64], o2[64];
    bn254_g1_to_bytes(buf, &p);
    CHECK_INT(bn254_evm_ecadd(o1, buf, 64), BN254_OK);            /* p + infinity */
    CHECK_MEM(o1, buf, 64);
    CHECK_INT(bn254_evm_ecadd(o2, buf, 200), BN254_OK);
    CHECK_MEM(o1, o2, 64);
    buf[95] = 2;                                                   /* p * 2 = p + p */
    CHECK_INT(bn254_evm_ecmul(o1, buf, 96), BN254_OK);
    memcpy(buf + 64, buf, 64);
    CHECK_INT(bn254_evm_ecadd(o2, buf, 128), BN254_OK);
    CHECK_MEM(o1, o2, 64);
    CHECK_INT(bn254_evm_ecadd(o1, NULL, 0), BN254_OK);
    buf[63] ^= 1;
    CHECK_INT(bn254_evm_ecmul(o1, buf, 96), BN254_ERR_NOT_ON_CURVE);
}

static const struct test_case cases[] = {
    TEST(bilinear), TEST(multi_pairing), TEST(pairing_check), TEST(evm_ecpairing),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
