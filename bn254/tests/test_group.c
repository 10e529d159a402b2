/* G1 and G2 through the public API: group laws, scalar multiplication
 * (variable time, constant time and a plain double-and-add agree), the
 * generators of EIP-197, byte decoding with every error code, and the G2
 * subgroup test against [r]Q = O on points of the whole twist. */
#include "bn254.h"
#include "eth.h"
#include "test.h"

static const char *R_HEX = "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
static const char *P_HEX = "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47";

/* A big-endian hex constant as plain little-endian limbs (any value < 2^256). */
static void limbs_from_hex(uint64_t l[4], const char *hex)
{
    uint8_t b[32];
    if (eth_hex_decode_exact(b, 32, hex) != ETH_OK) memset(b, 0, sizeof b);
    for (int i = 0; i < 4; i++) {
        l[i] = 0;
        for (int j = 0; j < 8; j++) l[i] = l[i] << 8 | b[(3 - i) * 8 + j];
    }
}

static void rand_scalar(bn254_scalar *k)
{
    uint8_t b[32];
    test_rand_bytes(b, sizeof b);
    bn254_scalar_from_bytes_reduce(k, b);
}

static void scalar_from_hex(bn254_scalar *k, const char *hex)
{
    uint8_t b[32];
    REQUIRE(eth_hex_decode_exact(b, 32, hex) == ETH_OK);
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

/* [k]a by plain double-and-add over all 256 bits (the reference). */
static void g1_mul_ref(bn254_g1 *r, const bn254_g1 *a, const uint64_t k[4])
{
    bn254_g1_jac acc, base;
    bn254_g1 inf = {0};
    bn254_g1_to_jac(&acc, &inf);
    bn254_g1_to_jac(&base, a);
    for (int i = 255; i >= 0; i--) {
        bn254_g1_jac_dbl(&acc, &acc);
        if ((k[i / 64] >> (i % 64)) & 1) bn254_g1_jac_add_var(&acc, &acc, &base);
    }
    bn254_g1_from_jac(r, &acc);
}

static void g2_mul_ref(bn254_g2 *r, const bn254_g2 *a, const uint64_t k[4])
{
    bn254_g2_jac acc, base;
    bn254_g2 inf = {0};
    bn254_g2_to_jac(&acc, &inf);
    bn254_g2_to_jac(&base, a);
    for (int i = 255; i >= 0; i--) {
        bn254_g2_jac_dbl(&acc, &acc);
        if ((k[i / 64] >> (i % 64)) & 1) bn254_g2_jac_add_var(&acc, &acc, &base);
    }
    bn254_g2_from_jac(r, &acc);
}

static void test_generators(void)
{
    /* EIP-197's G2 generator (imaginary parts first) and G1 = (1, 2). */
    static const char *g2hex =
        "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
        "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
        "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"
        "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa";
    uint8_t want[128], got[128];
    bn254_g2 g2, d2;
    bn254_g1 g1, d1;
    REQUIRE(eth_hex_decode_exact(want, 128, g2hex) == ETH_OK);
    bn254_g2_generator(&g2);
    bn254_g2_to_bytes(got, &g2);
    CHECK_MEM(got, want, 128);
    CHECK_INT(bn254_g2_from_bytes(&d2, want), BN254_OK);
    CHECK(bn254_g2_eq(&d2, &g2));
    bn254_g1_generator(&g1);
    bn254_g1_to_bytes(got, &g1);
    memset(want, 0, 64);
    want[31] = 1;
    want[63] = 2;
    CHECK_MEM(got, want, 64);
    CHECK_INT(bn254_g1_from_bytes(&d1, want), BN254_OK);
    CHECK(bn254_g1_is_on_curve(&g1) && bn254_g2_is_on_curve(&g2) && bn254_g2_is_in_subgroup_var(&g2));
    /* [r]G = O in both groups */
    uint64_t r[4];
    limbs_from_hex(r, R_HEX);
    g1_mul_ref(&d1, &g1, r);
    g2_mul_ref(&d2, &g2, r);
    CHECK(bn254_g1_is_infinity(&d1) && bn254_g2_is_infinity(&d2));
}

static void test_g1_laws(void)
{
    for (int i = 0; i < 30; i++) {
        bn254_g1 a, b, c, t, u, inf = {0};
        rand_g1(&a); rand_g1(&b); rand_g1(&c);
        bn254_g1_add_var(&t, &a, &b); bn254_g1_add_var(&t, &t, &c);
        bn254_g1_add_var(&u, &b, &c); bn254_g1_add_var(&u, &a, &u);
        CHECK(bn254_g1_eq(&t, &u));
        bn254_g1_add_var(&t, &a, &b); bn254_g1_add_var(&u, &b, &a);
        CHECK(bn254_g1_eq(&t, &u));
        bn254_g1_add_var(&t, &a, &inf);
        CHECK(bn254_g1_eq(&t, &a));
        bn254_g1_neg(&u, &a); bn254_g1_add_var(&t, &a, &u);
        CHECK(bn254_g1_is_infinity(&t));
        bn254_g1_add_var(&t, &a, &a);                       /* doubling through add */
        bn254_g1_jac j;
        bn254_g1_to_jac(&j, &a); bn254_g1_jac_dbl(&j, &j); bn254_g1_from_jac(&u, &j);
        CHECK(bn254_g1_eq(&t, &u) && bn254_g1_is_on_curve(&t));
        bn254_g1_jac ja, jb;                                /* Jacobian equality */
        bn254_g1_to_jac(&ja, &a); bn254_g1_jac_add_affine_var(&ja, &ja, &b);
        bn254_g1_to_jac(&jb, &b); bn254_g1_jac_dbl(&jb, &jb);
        bn254_g1_jac_add_affine_var(&jb, &jb, &a); bn254_g1_neg(&u, &b);
        bn254_g1_jac_add_affine_var(&jb, &jb, &u);
        CHECK(bn254_g1_jac_eq(&ja, &jb));
    }
}

static void test_g2_laws(void)
{
    for (int i = 0; i < 15; i++) {
        bn254_g2 a, b, c, t, u, inf = {0};
        rand_g2(&a); rand_g2(&b); rand_g2(&c);
        bn254_g2_add_var(&t, &a, &b); bn254_g2_add_var(&t, &t, &c);
        bn254_g2_add_var(&u, &b, &c); bn254_g2_add_var(&u, &a, &u);
        CHECK(bn254_g2_eq(&t, &u));
        bn254_g2_add_var(&t, &a, &b); bn254_g2_add_var(&u, &b, &a);
        CHECK(bn254_g2_eq(&t, &u));
        bn254_g2_add_var(&t, &inf, &a);
        CHECK(bn254_g2_eq(&t, &a));
        bn254_g2_neg(&u, &a); bn254_g2_add_var(&t, &a, &u);
        CHECK(bn254_g2_is_infinity(&t));
        bn254_g2_jac j, k;
        bn254_g2_to_jac(&j, &a); bn254_g2_jac_dbl(&j, &j);
        bn254_g2_to_jac(&k, &a); bn254_g2_jac_add_var(&k, &k, &k);
        CHECK(bn254_g2_jac_eq(&j, &k));
        /* psi acts as [p mod r] = [6u^2] */
        bn254_scalar six_u2;
        scalar_from_hex(&six_u2, "0000000000000000000000000000000000000000000000000000000000000006");
        bn254_scalar uu = {{0x44e992b44a6909f1ULL, 0, 0, 0}};
        bn254_scalar_mul(&six_u2, &six_u2, &uu);
        bn254_scalar_mul(&six_u2, &six_u2, &uu);
        bn254_g2_psi(&t, &a);
        bn254_g2_mul_var(&u, &a, &six_u2);
        CHECK(bn254_g2_eq(&t, &u));
    }
}

/* Edge scalars: 0, 1, 2, r-1, r (reduced to 0), the GLV basis neighbourhood. */
static const char *EDGE_SCALARS[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000001",
    "0000000000000000000000000000000000000000000000000000000000000002",
    "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000",
    "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001",
    "000000000000000000000000000000006f4d8248eeb859fc8211bbeb7d4f1128",
    "00000000000000000000000000000000000000000000000089d3256894d213e3",
    "0000000000000000b3c4d79d41a917585bfc41088d8daaa78b17ea66b99c90dd",
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
};

static void test_scalar_mul(void)
{
    for (int i = 0; i < 40; i++) {
        bn254_scalar k;
        bn254_g1 a, v, c, ref;
        if (i < (int)(sizeof EDGE_SCALARS / sizeof *EDGE_SCALARS)) scalar_from_hex(&k, EDGE_SCALARS[i]);
        else rand_scalar(&k);
        rand_g1(&a);
        if (i == 39) memset(&a, 0, sizeof a);              /* infinity */
        bn254_g1_mul_var(&v, &a, &k);
        bn254_g1_mul(&c, &a, &k);
        g1_mul_ref(&ref, &a, k.l);
        CHECK(bn254_g1_eq(&v, &ref));
        CHECK(bn254_g1_eq(&c, &ref));
        if (i % 3 == 0) {
            bn254_g2 b, v2, c2, ref2;
            rand_g2(&b);
            if (i == 39) memset(&b, 0, sizeof b);
            bn254_g2_mul_var(&v2, &b, &k);
            bn254_g2_mul(&c2, &b, &k);
            g2_mul_ref(&ref2, &b, k.l);
            CHECK(bn254_g2_eq(&v2, &ref2));
            CHECK(bn254_g2_eq(&c2, &ref2));
        }
    }
    /* [a+b]P = [a]P + [b]P and [ab]P = [a]([b]P) */
    for (int i = 0; i < 10; i++) {
        bn254_scalar a, b, s;
        bn254_g1 p, x, y, z;
        rand_scalar(&a); rand_scalar(&b); rand_g1(&p);
        bn254_scalar_add(&s, &a, &b);
        bn254_g1_mul(&x, &p, &s);
        bn254_g1_mul_var(&y, &p, &a); bn254_g1_mul_var(&z, &p, &b); bn254_g1_add_var(&y, &y, &z);
        CHECK(bn254_g1_eq(&x, &y));
        bn254_scalar_mul(&s, &a, &b);
        bn254_g1_mul(&x, &p, &s);
        bn254_g1_mul_var(&y, &p, &b); bn254_g1_mul(&y, &y, &a);
        CHECK(bn254_g1_eq(&x, &y));
    }
}

/* A point of E'(Fp2) from a random x (not, in general, in G2). */
static void rand_twist_point(bn254_g2 *q)
{
    bn254_g2 g;
    bn254_fp2 rhs, b, xi, three;
    memset(&xi, 0, sizeof xi);
    memset(&three, 0, sizeof three);
    bn254_fp_set_u64(&xi.c0, 9);
    bn254_fp_set_u64(&xi.c1, 1);
    bn254_fp_set_u64(&three.c0, 3);
    bn254_fp2_inv(&b, &xi);
    bn254_fp2_mul(&b, &b, &three);                          /* b' = 3/(9+i) */
    bn254_g2_generator(&g);
    for (;;) {
        uint8_t raw[64];
        test_rand_bytes(raw, sizeof raw);
        bn254_fp_from_bytes_reduce(&q->x.c0, raw);
        bn254_fp_from_bytes_reduce(&q->x.c1, raw + 32);
        bn254_fp2_sqr(&rhs, &q->x);
        bn254_fp2_mul(&rhs, &rhs, &q->x);
        bn254_fp2_add(&rhs, &rhs, &b);
        if (bn254_fp2_sqrt_var(&q->y, &rhs)) return;
    }
}

static void test_g2_subgroup(void)
{
    /* h = 2p - r, the cofactor of G2 in E'(Fp2) */
    uint64_t r[4], p[4], h[4], borrow = 0;
    limbs_from_hex(r, R_HEX);
    limbs_from_hex(p, P_HEX);
    for (int k = 3; k > 0; k--) p[k] = p[k] << 1 | p[k - 1] >> 63;   /* 2p < 2^255 */
    p[0] <<= 1;
    for (int k = 0; k < 4; k++) {
        unsigned __int128 d = (unsigned __int128)p[k] - r[k] - borrow;
        h[k] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    for (int i = 0; i < 12; i++) {
        bn254_g2 q, t;
        uint8_t b[128];
        rand_twist_point(&q);
        CHECK(bn254_g2_is_on_curve(&q));
        g2_mul_ref(&t, &q, r);
        int in = bn254_g2_is_infinity(&t);
        CHECK_INT(bn254_g2_is_in_subgroup_var(&q), in);
        CHECK(!in);                          /* the cofactor is large: never by chance */
        bn254_g2_to_bytes(b, &q);
        CHECK_INT(bn254_g2_from_bytes(&t, b), BN254_ERR_NOT_IN_SUBGROUP);
        /* [h]q with h = 2p - r is in G2. */
        g2_mul_ref(&t, &q, h);
        CHECK(bn254_g2_is_in_subgroup_var(&t));
        bn254_g2_to_bytes(b, &t);
        CHECK_INT(bn254_g2_from_bytes(&q, b), BN254_OK);
    }
}

static void test_decode_errors(void)
{
    uint8_t b[128];
    bn254_g1 p;
    bn254_g2 q;
    /* infinity is all zeros */
    memset(b, 0, sizeof b);
    CHECK_INT(bn254_g1_from_bytes(&p, b), BN254_OK);
    CHECK(bn254_g1_is_infinity(&p));
    CHECK_INT(bn254_g2_from_bytes(&q, b), BN254_OK);
    CHECK(bn254_g2_is_infinity(&q));
    /* x = p is not canonical, x = 2^256-1 neither; (1, 3) is off the curve */
    REQUIRE(eth_hex_decode_exact(b, 32, P_HEX) == ETH_OK);
    CHECK_INT(bn254_g1_from_bytes(&p, b), BN254_ERR_NOT_CANONICAL);
    memset(b, 0xff, 64);
    CHECK_INT(bn254_g1_from_bytes(&p, b), BN254_ERR_NOT_CANONICAL);
    memset(b, 0, 64);
    b[31] = 1;
    b[63] = 3;
    CHECK_INT(bn254_g1_from_bytes(&p, b), BN254_ERR_NOT_ON_CURVE);
    b[31] = 0;
    b[63] = 1;                                               /* (0, 1): off-curve too */
    CHECK_INT(bn254_g1_from_bytes(&p, b), BN254_ERR_NOT_ON_CURVE);
    /* G2: each coordinate >= p, and an off-curve point */
    bn254_g2 g;
    bn254_g2_generator(&g);
    for (int c = 0; c < 4; c++) {
        bn254_g2_to_bytes(b, &g);
        REQUIRE(eth_hex_decode_exact(b + 32 * c, 32, P_HEX) == ETH_OK);
        CHECK_INT(bn254_g2_from_bytes(&q, b), BN254_ERR_NOT_CANONICAL);
    }
    bn254_g2_to_bytes(b, &g);
    b[127] ^= 1;
    CHECK_INT(bn254_g2_from_bytes(&q, b), BN254_ERR_NOT_ON_CURVE);
    /* Scalars and field elements: canonical forms only */
    bn254_scalar k;
    bn254_fp f;
    REQUIRE(eth_hex_decode_exact(b, 32, R_HEX) == ETH_OK);
    CHECK_INT(bn254_scalar_from_bytes(&k, b), BN254_ERR_NOT_CANONICAL);
    b[31] -= 1;
    CHECK_INT(bn254_scalar_from_bytes(&k, b), BN254_OK);
    REQUIRE(eth_hex_decode_exact(b, 32, P_HEX) == ETH_OK);
    CHECK_INT(bn254_fp_from_bytes(&f, b), BN254_ERR_NOT_CANONICAL);
    b[31] -= 1;
    CHECK_INT(bn254_fp_from_bytes(&f, b), BN254_OK);
    uint8_t back[32];
    bn254_fp_to_bytes(back, &f);
    CHECK_MEM(back, b, 32);
    /* round trips of random points */
    for (int i = 0; i < 10; i++) {
        bn254_g1 a, a2;
        bn254_g2 c, c2;
        rand_g1(&a);
        rand_g2(&c);
        bn254_g1_to_bytes(b, &a);
        CHECK_INT(bn254_g1_from_bytes(&a2, b), BN254_OK);
        CHECK(bn254_g1_eq(&a, &a2));
        bn254_g2_to_bytes(b, &c);
        CHECK_INT(bn254_g2_from_bytes(&c2, b), BN254_OK);
        CHECK(bn254_g2_eq(&c, &c2));
    }
    for (int e = 0; e <= BN254_ERR__COUNT; e++) CHECK(bn254_strerror((bn254_err)e)[0]);
}

static const struct test_case cases[] = {
    TEST(generators), TEST(g1_laws), TEST(g2_laws), TEST(scalar_mul), TEST(g2_subgroup), TEST(decode_errors),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
