/* test_proto.c - the aggregator <-> executor protocol: EigenLayer digests
 * against the reference vectors and cast, request/response digests against
 * cast's ABI encoder, signatures against `cast wallet sign`, strict JSON. */
#include "executor.h"
#include "net_test.h"
#include "svc.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static void hex(char *out, const uint8_t *p, size_t n) { eth_hex_encode(out, p, n); }

/* Runs a cast pipeline and compares its one-line output with want (hex). */
static void check_cast(const char *cmd, const uint8_t *want, size_t n)
{
    char *out = net_run(cmd);
    REQUIRE(out);
    char w[2 * 256 + 3];
    REQUIRE(n <= 256);
    hex(w, want, n);
    CHECK_STR(out, w);
    free(out);
}

static void random_request(exec_request *r)
{
    memset(r, 0, sizeof *r);
    r->chain_id = test_rand64() >> (1 + test_rand64() % 63); /* JSON integers: below 2^63 */
    test_rand_bytes(r->mailbox.addr, 20);
    test_rand_bytes(r->task_hash, 32);
    test_rand_bytes(r->avs.addr, 20);
    r->operator_set_id = (uint32_t)test_rand64();
    r->reference_timestamp = (uint32_t)test_rand64();
    r->task_block = test_rand64() >> 1;
    r->payload_len = 1 + test_rand64() % 300;
    r->payload = malloc(r->payload_len);
    test_rand_bytes(r->payload, r->payload_len);
    test_rand_bytes(r->executor.addr, 20);
}

/* hourglass-protocol.md §3.5: taskHash 0x11..11, result {"payload":"hi","error":null}. */
static void test_reference_vectors(void)
{
    uint8_t th[32], mh[32], dg[32], want[32];
    memset(th, 0x11, 32);
    const char *result = "{\"payload\":\"hi\",\"error\":null}";
    exec_message_hash(mh, th, (const uint8_t *)result, strlen(result));
    REQUIRE(eth_hex_decode_exact(want, 32, "0x7bcc9c7c53fea0c99330b5101d7bc1cc4fbb8e78f01857ced5e81533f2db935c") == ETH_OK);
    CHECK_MEM(mh, want, 32);
    exec_certificate_digest(dg, 1700000000, mh);
    REQUIRE(eth_hex_decode_exact(want, 32, "0x41bd9105ae76954ac27bec5b22f7df58be4efb5e887afdd7a5f4082c6bf77d26") == ETH_OK);
    CHECK_MEM(dg, want, 32);
}

/* Random results of every length class against cast's abi-encode. */
static void test_message_hash_vs_cast(void)
{
    for (int i = 0; i < 6; i++) {
        uint8_t th[32], res[100], mh[32], dg[32];
        size_t n = i == 0 ? 0 : (size_t)(test_rand64() % sizeof res);
        test_rand_bytes(th, 32);
        test_rand_bytes(res, n);
        uint32_t ts = (uint32_t)test_rand64();
        char th_hex[67], res_hex[203], mh_hex[67], cmd[1024];
        hex(th_hex, th, 32);
        hex(res_hex, res, n);
        exec_message_hash(mh, th, res, n);
        snprintf(cmd, sizeof cmd, "cast keccak $(cast abi-encode 'f(bytes32,bytes)' %s %s)", th_hex, res_hex);
        check_cast(cmd, mh, 32);
        exec_certificate_digest(dg, ts, mh);
        hex(mh_hex, mh, 32);
        snprintf(cmd, sizeof cmd,
                 "cast keccak $(cast abi-encode 'f(bytes32,uint32,bytes32)' $(cast keccak "
                 "'BN254Certificate(uint32 referenceTimestamp,bytes32 messageHash)') %u %s)",
                 ts, mh_hex);
        check_cast(cmd, dg, 32);
    }
}

static void test_request_digest_vs_cast(void)
{
    exec_request r;
    random_request(&r);
    uint8_t d[32], ph[32];
    exec_request_digest(d, &r);
    eth_keccak256(ph, r.payload, r.payload_len);
    char mb[43], th[67], avs[43], phx[67], ex[43], cmd[2048];
    hex(mb, r.mailbox.addr, 20);
    hex(th, r.task_hash, 32);
    hex(avs, r.avs.addr, 20);
    hex(phx, ph, 32);
    hex(ex, r.executor.addr, 20);
    snprintf(cmd, sizeof cmd,
             "cast keccak $(cast abi-encode 'f(bytes32,uint256,address,bytes32,address,uint32,uint32,uint64,bytes32,address)' "
             "$(cast keccak 'FaaSTaskRequest(uint256 chainId,address mailbox,bytes32 taskHash,address avs,"
             "uint32 operatorSetId,uint32 referenceTimestamp,uint64 taskBlock,bytes32 payloadHash,address executor)') "
             "%llu %s %s %s %u %u %llu %s %s)",
             (unsigned long long)r.chain_id, mb, th, avs, r.operator_set_id, r.reference_timestamp,
             (unsigned long long)r.task_block, phx, ex);
    check_cast(cmd, d, 32);
    exec_request_free(&r);
}

static void test_response_digest_vs_cast(void)
{
    exec_response a = { 0 };
    eth_address mailbox;
    test_rand_bytes(mailbox.addr, 20);
    test_rand_bytes(a.task_hash, 32);
    test_rand_bytes(a.operator_address.addr, 20);
    test_rand_bytes(a.signature, 64);
    a.result_len = 41;
    a.result = malloc(a.result_len);
    test_rand_bytes(a.result, a.result_len);
    uint8_t d[32], rh[32], sh[32];
    exec_response_digest(d, 31337, &mailbox, &a);
    eth_keccak256(rh, a.result, a.result_len);
    eth_keccak256(sh, a.signature, 64);
    char mb[43], th[67], op[43], rhx[67], shx[67], cmd[2048];
    hex(mb, mailbox.addr, 20);
    hex(th, a.task_hash, 32);
    hex(op, a.operator_address.addr, 20);
    hex(rhx, rh, 32);
    hex(shx, sh, 32);
    snprintf(cmd, sizeof cmd,
             "cast keccak $(cast abi-encode 'f(bytes32,uint256,address,bytes32,address,bytes32,bytes32)' "
             "$(cast keccak 'FaaSTaskResponse(uint256 chainId,address mailbox,bytes32 taskHash,address operator,"
             "bytes32 resultHash,bytes32 signatureHash)') 31337 %s %s %s %s %s)",
             mb, th, op, rhx, shx);
    check_cast(cmd, d, 32);
    exec_response_free(&a);
}

/* Our signature equals cast's for the same key and digest (RFC 6979), and recovers. */
static void test_request_signature(void)
{
    eth_key k;
    REQUIRE(eth_key_from_hex(&k, TEST_DEV_KEY1) == ETH_OK);
    exec_request r;
    random_request(&r);
    REQUIRE(exec_request_sign(&r, &k) == EXEC_OK);
    uint8_t d[32];
    exec_request_digest(d, &r);
    char dh[67], cmd[512];
    hex(dh, d, 32);
    snprintf(cmd, sizeof cmd, "cast wallet sign --no-hash --private-key %s %s", TEST_DEV_KEY1, dh);
    check_cast(cmd, r.signature, 65);
    eth_address who;
    REQUIRE(exec_request_signer(&who, &r) == EXEC_OK);
    CHECK_MEM(who.addr, k.address.addr, 20);
    /* Any change to a signed field changes the signer. */
    r.task_block ^= 1;
    if (exec_request_signer(&who, &r) == EXEC_OK) CHECK(memcmp(who.addr, k.address.addr, 20) != 0);
    r.task_block ^= 1;
    r.payload[0] ^= 1;
    if (exec_request_signer(&who, &r) == EXEC_OK) CHECK(memcmp(who.addr, k.address.addr, 20) != 0);
    r.signature[64] = 29;
    CHECK_INT(exec_request_signer(&who, &r), EXEC_ERR_SIGNATURE);
    exec_request_free(&r);
    eth_key_wipe(&k);
}

static void test_request_json_roundtrip(void)
{
    for (int i = 0; i < 20; i++) {
        exec_request r, q;
        random_request(&r);
        test_rand_bytes(r.signature, 65);
        char *text = exec_request_to_json(&r);
        REQUIRE(text);
        char detail[SVC_DETAIL_MAX] = "";
        CHECK_INT(exec_request_parse(&q, text, strlen(text), detail), EXEC_OK);
        CHECK(q.chain_id == r.chain_id && q.operator_set_id == r.operator_set_id &&
              q.reference_timestamp == r.reference_timestamp && q.task_block == r.task_block);
        CHECK_MEM(q.mailbox.addr, r.mailbox.addr, 20);
        CHECK_MEM(q.task_hash, r.task_hash, 32);
        CHECK_MEM(q.avs.addr, r.avs.addr, 20);
        CHECK_MEM(q.executor.addr, r.executor.addr, 20);
        CHECK_MEM(q.signature, r.signature, 65);
        CHECK_INT(q.payload_len, r.payload_len);
        if (q.payload_len == r.payload_len) CHECK_MEM(q.payload, r.payload, r.payload_len);
        free(text);
        exec_request_free(&r);
        exec_request_free(&q);
    }
}

/* chain_id and task_block are uint64 in memory but int64 in JSON: the largest
 * value round-trips, one more is refused by the encoder (it would otherwise
 * write a negative number that no parser accepts). */
static void test_request_json_range(void)
{
    for (int field = 0; field < 2; field++) {
        const uint64_t values[] = { EXEC_MAX_JSON_UINT, EXEC_MAX_JSON_UINT + 1, UINT64_MAX };
        for (size_t i = 0; i < TEST_COUNT(values); i++) {
            exec_request r, q;
            random_request(&r);
            *(field ? &r.task_block : &r.chain_id) = values[i];
            char *text = exec_request_to_json(&r);
            if (values[i] <= EXEC_MAX_JSON_UINT) {
                CHECK(text != NULL);
                if (text && exec_request_parse(&q, text, strlen(text), NULL) == EXEC_OK) {
                    CHECK(q.chain_id == r.chain_id && q.task_block == r.task_block);
                    exec_request_free(&q);
                } else {
                    CHECK(!"the largest value parses");
                }
            } else {
                CHECK(text == NULL);
            }
            free(text);
            exec_request_free(&r);
        }
    }
}

/* A valid request with one member replaced (or removed, or added). */
static exec_err parse_with(const char *key, json_t *value, char *detail)
{
    exec_request r;
    random_request(&r);
    char *text = exec_request_to_json(&r);
    exec_request_free(&r);
    json_t *doc = json_loads(text, 0, NULL);
    free(text);
    if (value) json_object_set_new(doc, key, value);
    else json_object_del(doc, key);
    text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    exec_err e = exec_request_parse(&r, text, strlen(text), detail);
    free(text);
    exec_request_free(&r);
    return e;
}

static void test_request_strict(void)
{
    char d[SVC_DETAIL_MAX];
    CHECK_INT(parse_with("version", json_integer(2), d), EXEC_ERR_VERSION);
    CHECK_INT(parse_with("version", NULL, d), EXEC_ERR_FORMAT);
    CHECK_INT(parse_with("task_hash", NULL, d), EXEC_ERR_FORMAT);
    CHECK(strstr(d, "task_hash") != NULL);
    CHECK_INT(parse_with("extra", json_true(), d), EXEC_ERR_FORMAT);
    CHECK_INT(parse_with("mailbox", json_string("0x1234"), d), EXEC_ERR_FORMAT);
    CHECK_INT(parse_with("mailbox", json_string("1111111111111111111111111111111111111111"), d), EXEC_ERR_FORMAT);
    CHECK_INT(parse_with("task_hash", json_string("0xzz11111111111111111111111111111111111111111111111111111111111111"), d),
              EXEC_ERR_FORMAT);
    CHECK_INT(parse_with("operator_set_id", json_integer(-1), d), EXEC_ERR_FORMAT);
    CHECK_INT(parse_with("operator_set_id", json_integer((json_int_t)1 << 32), d), EXEC_ERR_FORMAT);
    CHECK_INT(parse_with("reference_timestamp", json_string("5"), d), EXEC_ERR_FORMAT);
    CHECK_INT(parse_with("payload", json_string("0x"), d), EXEC_ERR_FORMAT);
    CHECK_INT(parse_with("payload", json_string("0x123"), d), EXEC_ERR_FORMAT);
    CHECK_INT(parse_with("signature", json_null(), d), EXEC_ERR_FORMAT);
    /* A payload over the cap is refused before it is decoded. */
    size_t n = 2 + 2 * (EXEC_MAX_PAYLOAD + 1);
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[0] = '0';
    big[1] = 'x';
    big[n] = 0;
    CHECK_INT(parse_with("payload", json_string(big), d), EXEC_ERR_TOO_BIG);
    free(big);
    exec_request r;
    CHECK_INT(exec_request_parse(&r, "[1,2]", 5, d), EXEC_ERR_FORMAT);
    CHECK_INT(exec_request_parse(&r, "{\"version\":1,\"version\":1}", 25, d), EXEC_ERR_FORMAT);
    CHECK_INT(exec_request_parse(&r, "", 0, NULL), EXEC_ERR_FORMAT);
}

static void test_response_sign_json(void)
{
    eth_key k;
    REQUIRE(eth_key_from_hex(&k, TEST_DEV_KEY0) == ETH_OK);
    eth_address mailbox;
    test_rand_bytes(mailbox.addr, 20);
    for (size_t len = 0; len < 3; len++) {
        exec_response a = { 0 }, b;
        test_rand_bytes(a.task_hash, 32);
        test_rand_bytes(a.signature, 64);
        a.result_len = len * 17;
        a.result = a.result_len ? malloc(a.result_len) : NULL;
        test_rand_bytes(a.result, a.result_len);
        REQUIRE(exec_response_sign_auth(&a, 31337, &mailbox, &k) == EXEC_OK);
        CHECK_MEM(a.operator_address.addr, k.address.addr, 20);
        char *text = exec_response_to_json(&a);
        REQUIRE(text);
        CHECK_INT(exec_response_parse(&b, text, strlen(text), NULL), EXEC_OK);
        CHECK_INT(b.result_len, a.result_len);
        if (a.result_len) CHECK_MEM(b.result, a.result, a.result_len);
        CHECK_MEM(b.signature, a.signature, 64);
        eth_address who;
        CHECK_INT(exec_response_signer(&who, 31337, &mailbox, &b), EXEC_OK);
        CHECK_MEM(who.addr, k.address.addr, 20);
        /* Bound to the chain: another chain id recovers someone else. */
        if (exec_response_signer(&who, 1, &mailbox, &b) == EXEC_OK) CHECK(memcmp(who.addr, k.address.addr, 20) != 0);
        free(text);
        exec_response_free(&a);
        exec_response_free(&b);
    }
    eth_key_wipe(&k);
}

/* Random mutations of a valid message never crash; what still parses
 * re-encodes to a message that parses to the same request. */
static void test_mutations(void)
{
    exec_request r;
    random_request(&r);
    char *text = exec_request_to_json(&r);
    size_t n = strlen(text);
    int accepted = 0;
    for (int i = 0; i < 2000; i++) {
        char *m = strdup(text);
        m[test_rand64() % n] = (char)(test_rand64() % 128);
        exec_request q, q2;
        if (exec_request_parse(&q, m, n, NULL) == EXEC_OK) {
            accepted++;
            char *again = exec_request_to_json(&q);
            REQUIRE(again);
            CHECK_INT(exec_request_parse(&q2, again, strlen(again), NULL), EXEC_OK);
            uint8_t d1[32], d2[32];
            exec_request_digest(d1, &q);
            exec_request_digest(d2, &q2);
            CHECK_MEM(d1, d2, 32);
            CHECK_MEM(q.signature, q2.signature, 65);
            exec_request_free(&q2);
            free(again);
        }
        exec_request_free(&q);
        free(m);
    }
    CHECK(accepted < 2000);
    free(text);
    exec_request_free(&r);
}

static const struct test_case cases[] = {
    TEST(reference_vectors),   TEST(message_hash_vs_cast), TEST(request_digest_vs_cast),
    TEST(response_digest_vs_cast), TEST(request_signature), TEST(request_json_roundtrip),
    TEST(request_json_range),
    TEST(request_strict),      TEST(response_sign_json),   TEST(mutations),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
