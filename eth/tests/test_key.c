/* Keys, addresses and signatures: EIP-55's examples, anvil's dev keys, key
 * validation, sign/recover with EIP-2 low-s, and agreement with `cast wallet`. */
#include "eth.h"
#include "run_tool.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

/* The secp256k1 group order n (SEC 2, section 2.4.1). */
#define SECP_N "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"

static void test_eip55_vectors(void)
{
    /* EIP-55, "Test Cases": all caps, all lower, and mixed (checksummed) forms. */
    static const char *const mixed[] = {
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    };
    static const char *const caps[] = { "0x52908400098527886E0F7030069857D2E4169EE7",
                                        "0x8617E340B3D01FA5F11F306F4090FD50E238070D" };
    static const char *const lower[] = { "0xde709f2102306220921060314715629080e2fb77",
                                         "0x27b1fdb04752bbc536007a920d24acb045561c26" };
    eth_address a;
    char out[43];
    for (size_t i = 0; i < TEST_COUNT(mixed); i++) {
        char text[43];
        CHECK_INT(eth_address_parse(&a, mixed[i]), ETH_OK);
        CHECK_STR(eth_address_to_hex(out, &a), mixed[i]);
        /* The all-lowercase form parses to the same address and prints checksummed. */
        for (int j = 0; j < 43; j++) text[j] = (char)(mixed[i][j] >= 'A' && mixed[i][j] <= 'F' ? mixed[i][j] + 32 : mixed[i][j]);
        CHECK_INT(eth_address_parse(&a, text), ETH_OK);
        CHECK_STR(eth_address_to_hex(out, &a), mixed[i]);
        /* Flipping the case of one letter breaks the checksum. */
        strcpy(text, mixed[i]);
        for (int j = 2; j < 42; j++)
            if ((text[j] >= 'a' && text[j] <= 'f') || (text[j] >= 'A' && text[j] <= 'F')) {
                text[j] ^= 0x20;
                break;
            }
        CHECK_INT(eth_address_parse(&a, text), ETH_ERR_KEY);
    }
    for (size_t i = 0; i < 2; i++) {
        CHECK_INT(eth_address_parse(&a, caps[i]), ETH_OK);
        CHECK_INT(eth_address_parse(&a, lower[i]), ETH_OK);
    }
    static const char *const bad[] = { "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",
                                       "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed0", "0xgaAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                                       "", "0x" };
    for (size_t i = 0; i < TEST_COUNT(bad); i++) CHECK_INT(eth_address_parse(&a, bad[i]), ETH_ERR_KEY);
    CHECK_INT(eth_address_parse(&a, NULL), ETH_ERR_KEY);
}

static void check_key_address(const char *hex, const char *want, int line)
{
    eth_key k;
    char out[43];
    eth_err e = eth_key_from_hex(&k, hex);
    if (e) test_fail(__FILE__, line, "key %s: %s", hex, eth_strerror(e));
    else if (strcmp(eth_address_to_hex(out, &k.address), want) != 0) test_fail(__FILE__, line, "address %s, want %s", out, want);
    eth_key_wipe(&k);
}

static void test_known_keys(void)
{
    check_key_address(TEST_DEV_KEY0, TEST_DEV_ADDR0, __LINE__);
    check_key_address(TEST_DEV_KEY1, TEST_DEV_ADDR1, __LINE__);
    /* Key files: no prefix, upper case, trailing newline. */
    check_key_address("AC0974BEC39A17E36BA4A6B4D238FF944BACB478CBED5EFCAE784D7BF4F2FF80\n", TEST_DEV_ADDR0, __LINE__);
    /* The secret 1 gives the generator G, whose address is well known. */
    check_key_address("0x0000000000000000000000000000000000000000000000000000000000000001",
                      "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", __LINE__);
    /* n - 1 is the largest valid secret (-G); n, n + 1, 0 and 2^256 - 1 are not. */
    check_key_address("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140",
                      "0x80C0dbf239224071c59dD8970ab9d542E3414aB2", __LINE__);
    eth_key k;
    static const char *const bad[] = {
        ("0x" SECP_N), "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142",
        "0x0000000000000000000000000000000000000000000000000000000000000000",
        "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff8", /* 63 digits */
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff800",
        " 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        "0xzc0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", "", "0x",
    };
    for (size_t i = 0; i < TEST_COUNT(bad); i++)
        if (eth_key_from_hex(&k, bad[i]) != ETH_ERR_KEY) test_fail(__FILE__, __LINE__, "accepted key \"%s\"", bad[i]);
    CHECK_INT(eth_key_from_hex(&k, NULL), ETH_ERR_ARG);
}

static void test_generate_and_wipe(void)
{
    eth_key a, b, again;
    REQUIRE(eth_key_generate(&a) == ETH_OK);
    REQUIRE(eth_key_generate(&b) == ETH_OK);
    CHECK(memcmp(a.secret, b.secret, 32) != 0);
    REQUIRE(eth_key_from_secret(&again, a.secret) == ETH_OK);
    CHECK_MEM(again.pubkey, a.pubkey, 64);
    CHECK_MEM(again.address.addr, a.address.addr, 20);
    /* In place: the secret argument may be the key's own. */
    REQUIRE(eth_key_from_secret(&a, a.secret) == ETH_OK);
    CHECK_MEM(again.address.addr, a.address.addr, 20);
    eth_key_wipe(&a);
    static const uint8_t zero[sizeof a] = { 0 };
    CHECK_MEM(&a, zero, sizeof a);
    eth_key_wipe(&b);
    eth_key_wipe(&again);
}

/* s' = n - s (the other, high-s, signature of the same message). */
static void negate_mod_n(uint8_t s[32])
{
    eth_u256 n, neg;
    REQUIRE(eth_u256_parse(&n, "0x" SECP_N) == ETH_OK);
    memcpy(neg.b, s, 32);
    for (int i = 0; i < 32; i++) neg.b[i] = (uint8_t)~neg.b[i];
    eth_u256 one;
    eth_u256_from_u64(&one, 1);
    (void)eth_u256_add(&neg, &neg, &one);
    (void)eth_u256_add(&neg, &neg, &n);
    memcpy(s, neg.b, 32);
}

static void test_sign_recover(void)
{
    eth_u256 half_n;
    REQUIRE(eth_u256_parse(&half_n, "0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0") == ETH_OK);
    for (int i = 0; i < 50; i++) {
        eth_key k;
        uint8_t hash[32], sig[65];
        eth_address who;
        REQUIRE(eth_key_generate(&k) == ETH_OK);
        test_rand_bytes(hash, 32);
        REQUIRE(eth_sign_hash(sig, &k, hash) == ETH_OK);
        CHECK(sig[64] <= 1);
        eth_u256 s;
        memcpy(s.b, sig + 32, 32);
        CHECK(eth_u256_cmp(&s, &half_n) <= 0); /* low-s */
        CHECK_INT(eth_recover_address(&who, hash, sig), ETH_OK);
        CHECK_MEM(who.addr, k.address.addr, 20);
        /* Deterministic (RFC 6979): the same message gives the same signature. */
        uint8_t sig2[65];
        REQUIRE(eth_sign_hash(sig2, &k, hash) == ETH_OK);
        CHECK_MEM(sig, sig2, 65);
        /* Another message recovers to someone else. */
        hash[0] ^= 1;
        if (eth_recover_address(&who, hash, sig) == ETH_OK) CHECK(memcmp(who.addr, k.address.addr, 20) != 0);
        hash[0] ^= 1;
        /* The high-s twin is rejected (EIP-2), as are recid 2 and r = 0. */
        memcpy(sig2, sig, 65);
        negate_mod_n(sig2 + 32);
        sig2[64] ^= 1;
        CHECK_INT(eth_recover_address(&who, hash, sig2), ETH_ERR_SIG);
        memcpy(sig2, sig, 65);
        sig2[64] = 2;
        CHECK_INT(eth_recover_address(&who, hash, sig2), ETH_ERR_SIG);
        memset(sig2, 0, 32);
        sig2[64] = 0;
        CHECK_INT(eth_recover_address(&who, hash, sig2), ETH_ERR_SIG);
        memset(sig2, 0xff, 32); /* r >= n */
        CHECK_INT(eth_recover_address(&who, hash, sig2), ETH_ERR_SIG);
        eth_key_wipe(&k);
    }
}

static void test_vs_cast(void)
{
    for (int i = 0; i < 4; i++) {
        eth_key k;
        uint8_t hash[32], sig[65];
        char key_hex[67], hash_hex[67], addr[43];
        REQUIRE(eth_key_generate(&k) == ETH_OK);
        test_rand_bytes(hash, 32);
        eth_hex_encode(key_hex, k.secret, 32);
        eth_hex_encode(hash_hex, hash, 32);
        char *addr_argv[] = { "cast", "wallet", "address", "--private-key", key_hex, NULL };
        char *cast_addr = run_tool(addr_argv);
        REQUIRE(cast_addr);
        CHECK_STR(eth_address_to_hex(addr, &k.address), cast_addr);
        free(cast_addr);
        /* `cast wallet sign --no-hash` signs the 32 bytes as given; v = 27 + recid. */
        char *sign_argv[] = { "cast", "wallet", "sign", "--no-hash", "--private-key", key_hex, hash_hex, NULL };
        char *cast_sig = run_tool(sign_argv);
        REQUIRE(cast_sig);
        REQUIRE(eth_sign_hash(sig, &k, hash) == ETH_OK);
        sig[64] += 27;
        char ours[2 * 65 + 3];
        CHECK_STR(eth_hex_encode(ours, sig, 65), cast_sig);
        free(cast_sig);
        eth_wipe(key_hex, sizeof key_hex);
        eth_key_wipe(&k);
    }
}

static const struct test_case cases[] = {
    TEST(eip55_vectors), TEST(known_keys), TEST(generate_and_wipe), TEST(sign_recover), TEST(vs_cast),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
