/* EIP-2335 keystores: the standard's scrypt and PBKDF2 test vectors (with
 * "curveType": "bn254" added; the crypto module is curve independent), round
 * trips, password normalisation, and every rejection path of the decoder. */
#include <stdlib.h>

#include "bn254.h"
#include "eth.h"
#include "test.h"

/* EIP-2335 "Test Cases": password "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑" (NFKD: "testpassword🔑"). */
static const char EIP_PASSWORD[] =
    "\xf0\x9d\x94\xb1\xf0\x9d\x94\xa2\xf0\x9d\x94\xb0\xf0\x9d\x94\xb1\xf0\x9d\x94\xad\xf0\x9d\x94\x9e"
    "\xf0\x9d\x94\xb0\xf0\x9d\x94\xb0\xf0\x9d\x94\xb4\xf0\x9d\x94\xac\xf0\x9d\x94\xaf\xf0\x9d\x94\xa1"
    "\xf0\x9f\x94\x91";
static const char EIP_SECRET[] = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";

static const char EIP_SCRYPT[] =
    "{\"crypto\": {\"kdf\": {\"function\": \"scrypt\", \"params\": {\"dklen\": 32, \"n\": 262144, \"p\": 1,"
    " \"r\": 8, \"salt\": \"d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3\"}, \"message\": \"\"},"
    " \"checksum\": {\"function\": \"sha256\", \"params\": {},"
    " \"message\": \"d2217fe5f3e9a1e34581ef8a78f7c9928e436d36dacc5e846690a5581e8ea484\"},"
    " \"cipher\": {\"function\": \"aes-128-ctr\", \"params\": {\"iv\": \"264daa3f303d7259501c93d997d84fe6\"},"
    " \"message\": \"06ae90d55fe0a6e9c5c3bc5b170827b2e5cce3929ed3f116c2811e6366dfe20f\"}},"
    " \"path\": \"m/12381/60/3141592653/589793238\", \"uuid\": \"1d85ae20-35c5-4611-98e8-aa14a633906f\","
    " \"version\": 4, \"curveType\": \"bn254\"}";

static const char EIP_PBKDF2[] =
    "{\"crypto\": {\"kdf\": {\"function\": \"pbkdf2\", \"params\": {\"dklen\": 32, \"c\": 262144,"
    " \"prf\": \"hmac-sha256\", \"salt\": \"d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3\"},"
    " \"message\": \"\"}, \"checksum\": {\"function\": \"sha256\", \"params\": {},"
    " \"message\": \"8a9f5d9912ed7e75ea794bc5a89bca5f193721d30868ade6f73043c6ea6febf1\"},"
    " \"cipher\": {\"function\": \"aes-128-ctr\", \"params\": {\"iv\": \"264daa3f303d7259501c93d997d84fe6\"},"
    " \"message\": \"cee03fde2af33149775b7223e7845e4fb2c8ae1792e5f99fe9ecf474cc8c16ad\"}},"
    " \"path\": \"m/12381/60/0/0\", \"uuid\": \"64625def-3331-4eea-ab6f-782f3ed16a83\", \"version\": 4,"
    " \"curveType\": \"bn254\"}";

static void check_secret(const bn254_sk *sk, const char *hex)
{
    uint8_t want[32], got[32];
    REQUIRE(eth_hex_decode_exact(want, 32, hex) == ETH_OK);
    bn254_sk_to_bytes(got, sk);
    CHECK_MEM(got, want, 32);
}

static void test_eip2335_vectors(void)
{
    bn254_sk sk;
    CHECK_INT(bn254_keystore_decrypt(&sk, EIP_PBKDF2, EIP_PASSWORD), BN254_OK);
    check_secret(&sk, EIP_SECRET);
    /* The password after NFKD is plain "testpassword" + the key emoji. */
    CHECK_INT(bn254_keystore_decrypt(&sk, EIP_PBKDF2, "testpassword\xf0\x9f\x94\x91"), BN254_OK);
    /* Control codes are stripped: an embedded DEL/C1 does not change the key. */
    CHECK_INT(bn254_keystore_decrypt(&sk, EIP_PBKDF2, "test\x7fpass\xc2\x85word\x01\xf0\x9f\x94\x91"), BN254_OK);
    CHECK_INT(bn254_keystore_decrypt(&sk, EIP_PBKDF2, "testpassword"), BN254_ERR_PASSWORD);
    CHECK_INT(bn254_keystore_decrypt(&sk, EIP_SCRYPT, EIP_PASSWORD), BN254_OK);
    check_secret(&sk, EIP_SECRET);
}

static char *make(const bn254_sk *sk, const char *pw, bn254_kdf kdf)
{
    bn254_keystore_opts o;
    char *json = NULL;
    bn254_keystore_opts_default(&o, kdf);
    o.scrypt_n = 1024;    /* fast test parameters */
    o.pbkdf2_c = 1000;
    CHECK_INT(bn254_keystore_encrypt(&json, sk, pw, &o), BN254_OK);
    return json;
}

static void test_roundtrip(void)
{
    for (int i = 0; i < 4; i++) {
        bn254_sk sk, back;
        uint8_t a[32], b[32];
        REQUIRE(bn254_sk_generate(&sk) == BN254_OK);
        const char *pw = i == 3 ? "" : "caf\xc3\xa9 p\xc3\xa4ss";    /* "café päss" */
        char *json = make(&sk, pw, i % 2 ? BN254_KDF_PBKDF2 : BN254_KDF_SCRYPT);
        REQUIRE(json);
        CHECK_INT(bn254_keystore_decrypt(&back, json, pw), BN254_OK);
        bn254_sk_to_bytes(a, &sk);
        bn254_sk_to_bytes(b, &back);
        CHECK_MEM(a, b, 32);
        if (i < 3) {   /* NFKD: the decomposed "e" + combining acute is the same password */
            CHECK_INT(bn254_keystore_decrypt(&back, json, "cafe\xcc\x81 pa\xcc\x88ss"), BN254_OK);
            CHECK_INT(bn254_keystore_decrypt(&back, json, "cafe p\xc3\xa4ss"), BN254_ERR_PASSWORD);
        }
        /* The file names the curve and carries the G2 key, as crypto-libs writes it. */
        json_t *doc = json_loads(json, 0, NULL);
        REQUIRE(doc);
        CHECK_STR(json_string_value(json_object_get(doc, "curveType")), "bn254");
        CHECK_INT(json_integer_value(json_object_get(doc, "version")), 4);
        bn254_g2 pk;
        uint8_t pkb[128], want[128];
        bn254_bls_pubkey_g2(&pk, &sk);
        bn254_g2_to_bytes(want, &pk);
        CHECK_INT(eth_hex_decode_exact(pkb, 128, json_string_value(json_object_get(doc, "pubkey"))), ETH_OK);
        CHECK_MEM(pkb, want, 128);
        json_decref(doc);
        free(json);
    }
    /* Invalid options and non-UTF-8 passwords are refused. */
    bn254_keystore_opts o;
    bn254_sk sk;
    char *json = NULL;
    REQUIRE(bn254_sk_generate(&sk) == BN254_OK);
    bn254_keystore_opts_default(&o, BN254_KDF_SCRYPT);
    o.scrypt_n = 1000;                                    /* not a power of 2 */
    CHECK_INT(bn254_keystore_encrypt(&json, &sk, "pw", &o), BN254_ERR_ARG);
    o.scrypt_n = 1 << 30;                                 /* beyond the memory cap */
    CHECK_INT(bn254_keystore_encrypt(&json, &sk, "pw", &o), BN254_ERR_ARG);
    bn254_keystore_opts_default(&o, BN254_KDF_PBKDF2);
    o.pbkdf2_c = 0;
    CHECK_INT(bn254_keystore_encrypt(&json, &sk, "pw", &o), BN254_ERR_ARG);
    o.pbkdf2_c = 10;
    CHECK_INT(bn254_keystore_encrypt(&json, &sk, "\xff\xfe", &o), BN254_ERR_ARG);
    CHECK(json == NULL);
}

/* Replaces the first occurrence of from by to in a copy of s. */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    if (!at) return NULL;
    size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    if (!out) return NULL;
    snprintf(out, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
    return out;
}

static void test_rejections(void)
{
    bn254_sk sk, sk2;
    REQUIRE(bn254_sk_generate(&sk) == BN254_OK);
    char *good = make(&sk, "pw", BN254_KDF_PBKDF2);
    REQUIRE(good);
    CHECK_INT(bn254_keystore_decrypt(&sk2, good, "pw"), BN254_OK);
    static const struct { const char *from, *to; bn254_err want; } edits[] = {
        {"\"curveType\": \"bn254\"", "\"curveType\": \"bls12-381\"", BN254_ERR_KEYSTORE},
        {"\"curveType\": \"bn254\"", "\"curve\": \"bn254\"", BN254_ERR_JSON},
        {"\"version\": 4", "\"version\": 3", BN254_ERR_KEYSTORE},
        {"\"function\": \"pbkdf2\"", "\"function\": \"argon2\"", BN254_ERR_KEYSTORE},
        {"\"function\": \"pbkdf2\"", "\"function\": 7", BN254_ERR_JSON},
        {"\"prf\": \"hmac-sha256\"", "\"prf\": \"hmac-sha512\"", BN254_ERR_KEYSTORE},
        {"\"dklen\": 32", "\"dklen\": 16", BN254_ERR_KEYSTORE},
        {"\"c\": 1000", "\"c\": 0", BN254_ERR_KEYSTORE},
        {"\"c\": 1000", "\"c\": 99999999999", BN254_ERR_KEYSTORE},
        {"\"c\": 1000", "\"c\": \"1000\"", BN254_ERR_JSON},
        {"\"function\": \"sha256\"", "\"function\": \"keccak256\"", BN254_ERR_KEYSTORE},
        {"\"function\": \"aes-128-ctr\"", "\"function\": \"aes-128-cbc\"", BN254_ERR_KEYSTORE},
        {"\"iv\": \"", "\"iv\": \"zz", BN254_ERR_JSON},
        {"\"iv\": \"", "\"iv\": \"00", BN254_ERR_KEYSTORE},
        {"\"salt\": \"", "\"salt\": 5, \"x\": \"", BN254_ERR_JSON},
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        char *bad = replace(good, edits[i].from, edits[i].to);
        if (!bad) {
            test_fail(__FILE__, __LINE__, "edit %zu: '%s' not in the keystore", i, edits[i].from);
            continue;
        }
        bn254_err e = bn254_keystore_decrypt(&sk2, bad, "pw");
        if (e != edits[i].want)
            test_fail(__FILE__, __LINE__, "edit %zu (%s): %s, want %s", i, edits[i].to, bn254_strerror(e),
                      bn254_strerror(edits[i].want));
        free(bad);
    }
    /* A tampered ciphertext fails the checksum like a wrong password. */
    json_t *doc = json_loads(good, 0, NULL);
    REQUIRE(doc);
    json_t *cipher = json_object_get(json_object_get(doc, "crypto"), "cipher");
    char ct[65];
    snprintf(ct, sizeof ct, "%s", json_string_value(json_object_get(cipher, "message")));
    ct[0] = ct[0] == '0' ? '1' : '0';
    json_object_set_new(cipher, "message", json_string(ct));
    char *t = json_dumps(doc, 0);
    CHECK_INT(bn254_keystore_decrypt(&sk2, t, "pw"), BN254_ERR_PASSWORD);
    free(t);
    json_decref(doc);
    /* scrypt memory beyond the cap is refused before any work */
    char *big = make(&sk, "pw", BN254_KDF_SCRYPT);
    REQUIRE(big);
    char *huge = replace(big, "\"n\": 1024", "\"n\": 1073741824");
    REQUIRE(huge);
    CHECK_INT(bn254_keystore_decrypt(&sk2, huge, "pw"), BN254_ERR_KEYSTORE);
    free(huge);
    free(big);
    /* Not JSON at all, and the wrong shapes */
    CHECK_INT(bn254_keystore_decrypt(&sk2, "", "pw"), BN254_ERR_JSON);
    CHECK_INT(bn254_keystore_decrypt(&sk2, "[1,2]", "pw"), BN254_ERR_JSON);
    CHECK_INT(bn254_keystore_decrypt(&sk2, "{\"crypto\": 5, \"curveType\": \"bn254\"}", "pw"), BN254_ERR_JSON);
    CHECK_INT(bn254_keystore_decrypt(&sk2, NULL, "pw"), BN254_ERR_ARG);
    free(good);
}

static const struct test_case cases[] = {
    TEST(eip2335_vectors), TEST(roundtrip), TEST(rejections),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
