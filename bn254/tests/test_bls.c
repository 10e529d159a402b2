/* EigenLayer's hash-to-G1 and BLS scheme through the public API: the
 * reference vectors (certificate digest of a task result and its hashToG1
 * point), keys, signing and both verifications, aggregation, the proof of
 * possession. The same values are checked on chain by evm_check.mjs. */
#include "bn254.h"
#include "eth.h"
#include "test.h"

static void from_hex(uint8_t *out, size_t n, const char *hex) { REQUIRE(eth_hex_decode_exact(out, n, hex) == ETH_OK); }

static void rand_key(bn254_sk *sk)
{
    uint8_t b[32];
    for (;;) {
        test_rand_bytes(b, sizeof b);
        b[0] &= 0x1f;
        if (bn254_sk_from_bytes(sk, b) == BN254_OK) return;
    }
}

/* digest = keccak256(abi.encode(BN254_CERTIFICATE_TYPEHASH, uint32 refTs,
 * keccak256(abi.encode(bytes32 taskHash, bytes result)))): what an executor
 * signs for a task result (TaskMailbox / BN254CertificateVerifier). */
static void test_reference_vectors(void)
{
    uint8_t msg[32 * 4], mh[32], want[32], th[32], pre[96], digest[32], pt[64], got[64];
    static const char result[] = "{\"payload\":\"hi\",\"error\":null}";
    REQUIRE(sizeof result - 1 == 29);
    memset(msg, 0, sizeof msg);
    memset(msg, 0x11, 32);                        /* taskHash */
    msg[63] = 0x40;                               /* offset of the bytes */
    msg[95] = 29;                                 /* length */
    memcpy(msg + 96, result, 29);                 /* zero padded to 32 */
    eth_keccak256(mh, msg, sizeof msg);
    from_hex(want, 32, "7bcc9c7c53fea0c99330b5101d7bc1cc4fbb8e78f01857ced5e81533f2db935c");
    CHECK_MEM(mh, want, 32);
    static const char type[] = "BN254Certificate(uint32 referenceTimestamp,bytes32 messageHash)";
    eth_keccak256(th, type, sizeof type - 1);
    from_hex(want, 32, "d9f77a423768f4b0526fa60a7c732334516a93f1d228dce50ad804ea74ced36e");
    CHECK_MEM(th, want, 32);
    memset(pre, 0, sizeof pre);
    memcpy(pre, th, 32);
    uint32_t ts = 1700000000;
    for (int i = 0; i < 4; i++) pre[60 + i] = (uint8_t)(ts >> (24 - 8 * i));
    memcpy(pre + 64, mh, 32);
    eth_keccak256(digest, pre, sizeof pre);
    from_hex(want, 32, "41bd9105ae76954ac27bec5b22f7df58be4efb5e887afdd7a5f4082c6bf77d26");
    CHECK_MEM(digest, want, 32);
    bn254_g1 h;
    bn254_hash_to_g1(&h, digest);
    bn254_g1_to_bytes(got, &h);
    from_hex(pt, 64, "11594292cd44f5210a2ba6a4a17686fb26cd90cd2009334a69d37c15937a7fdf"
                     "00e9377ad510c07106a6c00f50f6117186a05ae714990e29338a7fef159991b1");
    CHECK_MEM(got, pt, 64);
    /* hashToG1(0): x = 0 is not on the curve, x = 1 gives (1, 2) = G1 */
    uint8_t zero[32] = {0};
    bn254_g1 g;
    bn254_hash_to_g1(&h, zero);
    bn254_g1_generator(&g);
    CHECK(bn254_g1_eq(&h, &g));
    /* The digest is reduced mod p before the first try: p and 0 hash alike. */
    uint8_t pb[32];
    from_hex(pb, 32, "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47");
    bn254_hash_to_g1(&h, pb);
    CHECK(bn254_g1_eq(&h, &g));
    for (int i = 0; i < 50; i++) {                /* always a curve point */
        uint8_t d[32];
        test_rand_bytes(d, sizeof d);
        bn254_hash_to_g1(&h, d);
        CHECK(bn254_g1_is_on_curve(&h) && !bn254_g1_is_infinity(&h));
    }
}

static void test_keys(void)
{
    bn254_sk sk, sk2;
    uint8_t b[32], back[32];
    memset(b, 0, sizeof b);
    CHECK_INT(bn254_sk_from_bytes(&sk, b), BN254_ERR_BAD_KEY);
    from_hex(b, 32, "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001");
    CHECK_INT(bn254_sk_from_bytes(&sk, b), BN254_ERR_BAD_KEY);
    memset(b, 0xff, sizeof b);
    CHECK_INT(bn254_sk_from_bytes(&sk, b), BN254_ERR_BAD_KEY);
    from_hex(b, 32, "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000");
    CHECK_INT(bn254_sk_from_bytes(&sk, b), BN254_OK);
    bn254_sk_to_bytes(back, &sk);
    CHECK_MEM(back, b, 32);
    /* sk = 1 gives the generators */
    bn254_g1 p1, g1;
    bn254_g2 p2, g2;
    memset(b, 0, sizeof b);
    b[31] = 1;
    REQUIRE(bn254_sk_from_bytes(&sk, b) == BN254_OK);
    bn254_bls_pubkey_g1(&p1, &sk);
    bn254_bls_pubkey_g2(&p2, &sk);
    bn254_g1_generator(&g1);
    bn254_g2_generator(&g2);
    CHECK(bn254_g1_eq(&p1, &g1) && bn254_g2_eq(&p2, &g2));
    /* OS keys: valid and distinct */
    uint8_t prev[32] = {0};
    for (int i = 0; i < 20; i++) {
        REQUIRE(bn254_sk_generate(&sk) == BN254_OK);
        bn254_sk_to_bytes(b, &sk);
        CHECK_INT(bn254_sk_from_bytes(&sk2, b), BN254_OK);
        CHECK(memcmp(b, prev, 32) != 0);
        memcpy(prev, b, 32);
    }
    bn254_sk_wipe(&sk);
    bn254_sk_to_bytes(b, &sk);
    memset(back, 0, sizeof back);
    CHECK_MEM(b, back, 32);
}

static void test_sign_verify(void)
{
    for (int i = 0; i < 4; i++) {
        bn254_sk sk, other;
        bn254_g1 sig, pk1, opk1;
        bn254_g2 pk2, opk2;
        uint8_t d[32], d2[32];
        rand_key(&sk); rand_key(&other);
        test_rand_bytes(d, 32);
        test_rand_bytes(d2, 32);
        bn254_bls_sign(&sig, &sk, d);
        bn254_bls_pubkey_g1(&pk1, &sk);
        bn254_bls_pubkey_g2(&pk2, &sk);
        bn254_bls_pubkey_g1(&opk1, &other);
        bn254_bls_pubkey_g2(&opk2, &other);
        CHECK_INT(bn254_bls_verify(d, &sig, &pk2), BN254_OK);
        CHECK_INT(bn254_bls_verify(d2, &sig, &pk2), BN254_ERR_VERIFY);
        CHECK_INT(bn254_bls_verify(d, &sig, &opk2), BN254_ERR_VERIFY);
        CHECK_INT(bn254_bls_verify_eigen(d, &sig, &pk1, &pk2), BN254_OK);
        CHECK_INT(bn254_bls_verify_eigen(d2, &sig, &pk1, &pk2), BN254_ERR_VERIFY);
        CHECK_INT(bn254_bls_verify_eigen(d, &sig, &opk1, &pk2), BN254_ERR_VERIFY);  /* G1/G2 keys differ */
        CHECK_INT(bn254_bls_verify_eigen(d, &sig, &pk1, &opk2), BN254_ERR_VERIFY);
        /* sig = sk H(d): the same as multiplying the hash point */
        bn254_g1 h, t;
        bn254_hash_to_g1(&h, d);
        bn254_g1_mul_var(&t, &h, &sk.k);
        CHECK(bn254_g1_eq(&t, &sig));
        /* The degenerate inputs the contract would let through are refused. */
        bn254_g1 inf1 = {0};
        bn254_g2 inf2;
        memset(&inf2, 0, sizeof inf2);
        CHECK_INT(bn254_bls_verify(d, &inf1, &pk2), BN254_ERR_INFINITY);
        CHECK_INT(bn254_bls_verify(d, &sig, &inf2), BN254_ERR_INFINITY);
        CHECK_INT(bn254_bls_verify_eigen(d, &inf1, &inf1, &inf2), BN254_ERR_INFINITY);
        CHECK_INT(bn254_bls_verify_eigen(d, &sig, &inf1, &pk2), BN254_ERR_INFINITY);
    }
}

static void test_aggregate(void)
{
    enum { N = 5 };
    bn254_sk sk[N];
    bn254_g1 sig[N], pk1[N], asig, apk1;
    bn254_g2 pk2[N], apk2;
    uint8_t d[32];
    test_rand_bytes(d, 32);
    bn254_scalar sum = {{0}};
    for (int i = 0; i < N; i++) {
        rand_key(&sk[i]);
        bn254_bls_sign(&sig[i], &sk[i], d);
        bn254_bls_pubkey_g1(&pk1[i], &sk[i]);
        bn254_bls_pubkey_g2(&pk2[i], &sk[i]);
        bn254_scalar_add(&sum, &sum, &sk[i].k);
    }
    for (int n = 1; n <= N; n++) {
        bn254_bls_aggregate_g1(&asig, sig, (size_t)n);
        bn254_bls_aggregate_g1(&apk1, pk1, (size_t)n);
        bn254_bls_aggregate_g2(&apk2, pk2, (size_t)n);
        CHECK_INT(bn254_bls_verify_eigen(d, &asig, &apk1, &apk2), BN254_OK);
        CHECK_INT(bn254_bls_verify(d, &asig, &apk2), BN254_OK);
        if (n > 1) {                      /* a missing signature is noticed */
            bn254_bls_aggregate_g1(&asig, sig, (size_t)n - 1);
            CHECK_INT(bn254_bls_verify_eigen(d, &asig, &apk1, &apk2), BN254_ERR_VERIFY);
        }
    }
    /* The aggregate signature is the signature of the summed key. */
    bn254_sk total = {sum};
    bn254_g1 s;
    bn254_bls_sign(&s, &total, d);
    bn254_bls_aggregate_g1(&asig, sig, N);
    CHECK(bn254_g1_eq(&s, &asig));
    bn254_bls_aggregate_g1(&asig, sig, 0);
    CHECK(bn254_g1_is_infinity(&asig));
}

/* keccak256 of a string */
static void kstr(uint8_t out[32], const char *s) { eth_keccak256(out, s, strlen(s)); }

static void test_pop(void)
{
    bn254_sk sk;
    bn254_g1 pk1, pop;
    bn254_g2 pk2;
    uint8_t reg[20], op[20], avs[20], d[32], d2[32], want[32];
    rand_key(&sk);
    bn254_bls_pubkey_g1(&pk1, &sk);
    bn254_bls_pubkey_g2(&pk2, &sk);
    test_rand_bytes(reg, 20);
    test_rand_bytes(op, 20);
    test_rand_bytes(avs, 20);
    bn254_bls_pop_digest(d, 31337, reg, op, avs, 7, &pk1, &pk2);
    /* EIP-712 by hand: domain("FaaSOperatorRegistry", "1", 31337, registry),
     * BN254KeyRegistration(operator, avs, 7, keccak256(keyData)). */
    uint8_t dom[160] = {0}, st[160] = {0}, kd[192], msg[66], ds[32], sh[32];
    kstr(dom, "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    kstr(dom + 32, "FaaSOperatorRegistry");
    kstr(dom + 64, "1");
    dom[96 + 30] = 31337 >> 8;
    dom[96 + 31] = 31337 & 0xff;
    memcpy(dom + 128 + 12, reg, 20);
    eth_keccak256(ds, dom, sizeof dom);
    kstr(st, "BN254KeyRegistration(address operator,address avs,uint32 operatorSetId,bytes keyData)");
    memcpy(st + 32 + 12, op, 20);
    memcpy(st + 64 + 12, avs, 20);
    st[96 + 31] = 7;
    bn254_g1_to_bytes(kd, &pk1);
    bn254_g2_to_bytes(kd + 64, &pk2);
    eth_keccak256(st + 128, kd, sizeof kd);
    eth_keccak256(sh, st, sizeof st);
    msg[0] = 0x19;
    msg[1] = 0x01;
    memcpy(msg + 2, ds, 32);
    memcpy(msg + 34, sh, 32);
    eth_keccak256(want, msg, sizeof msg);
    CHECK_MEM(d, want, 32);
    bn254_bls_pop_prove(&pop, &sk, d);
    CHECK_INT(bn254_bls_pop_verify(d, &pop, &pk1, &pk2), BN254_OK);
    /* any other chain, registry, operator, AVS or set is another message */
    bn254_bls_pop_digest(d2, 1, reg, op, avs, 7, &pk1, &pk2);
    CHECK_INT(bn254_bls_pop_verify(d2, &pop, &pk1, &pk2), BN254_ERR_VERIFY);
    bn254_bls_pop_digest(d2, 31337, reg, op, avs, 8, &pk1, &pk2);
    CHECK_INT(bn254_bls_pop_verify(d2, &pop, &pk1, &pk2), BN254_ERR_VERIFY);
    op[0] ^= 1;
    bn254_bls_pop_digest(d2, 31337, reg, op, avs, 7, &pk1, &pk2);
    CHECK_INT(bn254_bls_pop_verify(d2, &pop, &pk1, &pk2), BN254_ERR_VERIFY);
}

static const struct test_case cases[] = {
    TEST(reference_vectors), TEST(keys), TEST(sign_verify), TEST(aggregate), TEST(pop),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
