/* test_cert.c - operator-info leaves, the Merkle tree, proofs, certificate
 * encoding and the threshold, checked against the Solidity contracts on a
 * real anvil: BN254CertificateVerifier (built by forge from contracts/)
 * computes the leaves, verifies our witnesses against our root and decides
 * verifyCertificateProportion exactly as our quorum arithmetic does.
 *
 * How a certificate passes without BLS signatures: the signers' G1 keys are
 * the point at infinity and the certificate carries signature = 0 and
 * apk = 0 in G2, so the pairing check e(0,-G2) e(H, 0) = 1 holds; the
 * non-signers have real keys (random multiples of G1 from the ecMul
 * precompile), so the verifier must find each witness in the tree, subtract
 * its key and weight, and land on exactly the table's aggregate key. */
#include "aggregator.h"
#include "net_test.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static struct test_anvil anvil;
static eth_rpc *rpc;
static char verifier_hex[43];
static eth_address verifier;
static const char *OP_SET_AVS = "0x00000000000000000000000000000000000000aa";

/* `cast send` as dev account 0; returns its JSON receipt (caller decrefs) or NULL. */
static json_t *cast_send(const char *args)
{
    char *cmd = malloc(strlen(args) + 512);
    sprintf(cmd, "cast send --json --private-key %s --rpc-url %s %s", TEST_DEV_KEY0, anvil.rpc_url, args);
    char *out = net_run(cmd);
    free(cmd);
    json_t *r = out ? json_loads(out, 0, NULL) : NULL;
    free(out);
    const char *status = r ? json_string_value(json_object_get(r, "status")) : NULL;
    if (r && (!status || strcmp(status, "0x1") != 0)) {
        json_decref(r);
        r = NULL;
    }
    return r;
}

static int deploy_verifier(void)
{
    char *ok = net_run("cd contracts && forge build >/dev/null 2>&1 && echo built");
    if (!ok) return -1;
    free(ok);
    json_t *art = json_load_file("contracts/out/BN254CertificateVerifier.sol/BN254CertificateVerifier.json", 0, NULL);
    const char *code = json_string_value(json_object_get(json_object_get(art, "bytecode"), "object"));
    if (!code) {
        json_decref(art);
        return -1;
    }
    /* constructor(address operatorTableUpdater) = dev account 0 */
    char *args = malloc(strlen(code) + 256);
    sprintf(args, "--create %s%024x%s", code, 0, &TEST_DEV_ADDR0[2]);
    json_decref(art);
    json_t *rc = cast_send(args);
    free(args);
    const char *addr = rc ? json_string_value(json_object_get(rc, "contractAddress")) : NULL;
    int res = addr && eth_address_parse(&verifier, addr) == ETH_OK ? 0 : -1;
    if (!res) eth_address_to_hex(verifier_hex, &verifier);
    json_decref(rc);
    return res;
}

/* eth_call of the verifier; returns the output (caller frees) or NULL on revert. */
static uint8_t *call(const char *sig, json_t *args, size_t *n)
{
    eth_buf data;
    eth_buf_init(&data, 0);
    uint8_t *out = NULL;
    if (eth_abi_encode_call(&data, sig, args) == ETH_OK &&
        eth_rpc_eth_call(rpc, &out, n, NULL, &verifier, data.data, data.len) != ETH_OK)
        out = NULL;
    eth_buf_free(&data);
    json_decref(args);
    return out;
}

/* A precompile over raw bytes (0x06 ecAdd, 0x07 ecMul). */
static int precompile(uint8_t id, const uint8_t *in, size_t n, uint8_t out[64])
{
    eth_address a = { { 0 } };
    a.addr[19] = id;
    uint8_t *o;
    size_t on;
    if (eth_rpc_eth_call(rpc, &o, &on, NULL, &a, in, n) != ETH_OK) return -1;
    int ok = on == 64;
    if (ok) memcpy(out, o, 64);
    free(o);
    return ok ? 0 : -1;
}

static void random_point(uint8_t out[64])
{
    uint8_t in[96] = { 0 };
    in[31] = 1;
    in[63] = 2;
    test_rand_bytes(in + 64, 32);
    REQUIRE(precompile(7, in, sizeof in, out) == 0);
}

static void g1_add(uint8_t acc[64], const uint8_t p[64])
{
    uint8_t in[128];
    memcpy(in, acc, 64);
    memcpy(in + 64, p, 64);
    REQUIRE(precompile(6, in, sizeof in, acc) == 0);
}

static void setup(void)
{
    if (rpc) return;
    REQUIRE(test_anvil_start(&anvil, NULL) == 0);
    rpc = eth_rpc_new(anvil.rpc_url, NULL);
    REQUIRE(rpc);
    REQUIRE(deploy_verifier() == 0);
}

static void test_leaf_matches_contract(void)
{
    setup();
    REQUIRE(rpc);
    for (int i = 0; i < 4; i++) {
        uint8_t g1[64], leaf[32];
        eth_u256 w;
        test_rand_bytes(g1, 64);
        memset(&w, 0, sizeof w);
        test_rand_bytes(w.b + (i == 0 ? 0 : 20), i == 0 ? 32 : 12);
        agg_operator_leaf(leaf, g1, &w);
        char x[67], y[67], wh[67];
        eth_hex_encode(x, g1, 32);
        eth_hex_encode(y, g1 + 32, 32);
        eth_hex_encode(wh, w.b, 32);
        size_t n;
        uint8_t *out = call("calculateOperatorInfoLeaf(((uint256,uint256),uint256[]))", json_pack("[[[s,s],[s]]]", x, y, wh), &n);
        REQUIRE(out && n == 32);
        CHECK_MEM(out, leaf, 32);
        free(out);
    }
}

/* Publishes a table for reference timestamp ts with our root, count, total
 * and aggregate key. */
static int publish(const agg_table *t, const uint8_t apk[64], uint32_t ts)
{
    char root[67], x[67], y[67], total[79], args[1024];
    eth_hex_encode(root, t->root, 32);
    eth_hex_encode(x, apk, 32);
    eth_hex_encode(y, apk + 32, 32);
    eth_u256_to_dec(total, &t->total_weight);
    snprintf(args, sizeof args,
             "%s 'updateOperatorTable((address,uint32),uint32,(bytes32,uint256,(uint256,uint256),uint256[]),(address,uint32))' "
             "'(%s,7)' %u '(%s,%zu,(%s,%s),[%s])' '(%s,0)'",
             verifier_hex, OP_SET_AVS, ts, root, t->n, x, y, total, TEST_DEV_ADDR0);
    json_t *r = cast_send(args);
    json_decref(r);
    return r ? 0 : -1;
}

/* verifyCertificateProportion(opSet, cert, [bps]) on our certificate bytes:
 * 1 true, 0 false, -1 reverted. The bytes go in as the decoded value, and we
 * check that the strict decoder re-encodes them to exactly our bytes. */
static int verify_on_chain(const uint8_t *cert, size_t n, uint16_t bps)
{
    json_t *decoded;
    if (eth_abi_decode(&decoded, "(" AGG_CERT_ABI_TYPE ")", cert, n) != ETH_OK) return -2;
    eth_buf again;
    eth_buf_init(&again, 0);
    int same = eth_abi_encode(&again, "(" AGG_CERT_ABI_TYPE ")", decoded) == ETH_OK && again.len == n &&
               memcmp(again.data, cert, n) == 0;
    eth_buf_free(&again);
    if (!same) {
        json_decref(decoded);
        return -3;
    }
    json_t *args = json_pack("[[s,i],o,[i]]", OP_SET_AVS, 7, json_incref(json_array_get(decoded, 0)), (int)bps);
    json_decref(decoded);
    size_t on;
    uint8_t *out = call("verifyCertificateProportion((address,uint32)," AGG_CERT_ABI_TYPE ",uint16[])", args, &on);
    if (!out) return -1;
    int r = on == 32 ? out[31] : -4;
    free(out);
    return r;
}

static uint32_t next_ts = 1000;
static int outcomes[2]; /* certificates the contract found below / at threshold */

static void one_case_with(size_t n, int big_weights, int fixed_bps);
static void one_case(size_t n, int big_weights) { one_case_with(n, big_weights, -1); }
static void one_case_bps(size_t n, uint16_t bps) { one_case_with(n, 0, bps); }

static void one_case_with(size_t n, int big_weights, int fixed_bps)
{
    exec_operator *ops = calloc(n, sizeof *ops);
    uint8_t *is_signer = calloc(n, 1);
    uint8_t apk[64] = { 0 };
    for (size_t i = 0; i < n; i++) {
        test_rand_bytes(ops[i].address.addr, 20);
        /* Weights: uint96 like the registry's, or huge ones near 2^256 / n. */
        if (big_weights) test_rand_bytes(ops[i].weight.b + 1, 31);
        else test_rand_bytes(ops[i].weight.b + 20, 12);
        if (test_rand64() % 7 == 0) memset(&ops[i].weight, 0, sizeof ops[i].weight);
        is_signer[i] = test_rand64() % 2;
        if (!is_signer[i]) {
            random_point(ops[i].g1);
            g1_add(apk, ops[i].g1);
        }
    }
    agg_table t;
    REQUIRE(agg_table_init(&t, next_ts, ops, n) == AGG_OK);
    REQUIRE(publish(&t, apk, next_ts) == 0);
    /* Our quorum's decision: the signers as one group. */
    uint16_t bps = (uint16_t)(test_rand64() % 10001);
    if (test_rand64() % 4 == 0) bps = 6667;
    if (fixed_bps >= 0) bps = (uint16_t)fixed_bps;
    eth_u256 thr, signed_w = { { 0 } };
    agg_err te = agg_threshold(&thr, &t.total_weight, bps);
    for (size_t i = 0; i < n; i++)
        if (is_signer[i]) CHECK(!eth_u256_add(&signed_w, &signed_w, &t.ops[i].weight));
    agg_cert c = { .reference_timestamp = next_ts };
    test_rand_bytes(c.message_hash, 32);
    eth_buf cert;
    eth_buf_init(&cert, 0);
    REQUIRE(agg_cert_encode(&cert, &c, &t, is_signer) == AGG_OK);
    int got = verify_on_chain(cert.data, cert.len, bps);
    if (te == AGG_ERR_RANGE) {
        CHECK_INT(got, -1); /* the contract reverts on the overflow too */
    } else {
        CHECK_INT(te, AGG_OK);
        CHECK_INT(got, eth_u256_cmp(&signed_w, &thr) >= 0);
        if (got == 0 || got == 1) outcomes[got]++;
    }
    /* A damaged proof makes the verifier revert. */
    size_t first_ns = 0;
    while (first_ns < n && is_signer[first_ns]) first_ns++;
    if (first_ns < n && t.width > 1) {
        t.nodes[t.width + (first_ns ^ 1)][0] ^= 1; /* the first sibling of its proof */
        eth_buf bad;
        eth_buf_init(&bad, 0);
        REQUIRE(agg_cert_encode(&bad, &c, &t, is_signer) == AGG_OK);
        CHECK_INT(verify_on_chain(bad.data, bad.len, bps), -1);
        eth_buf_free(&bad);
    }
    eth_buf_free(&cert);
    agg_table_free(&t);
    free(is_signer);
    next_ts += 10;
}

static void test_certificates_verify_on_chain(void)
{
    setup();
    REQUIRE(rpc);
    static const size_t sizes[] = { 1, 2, 3, 4, 5, 7, 8, 9, 16, 33 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) one_case(sizes[i], 0);
    for (int i = 0; i < 4; i++) one_case(3 + (size_t)i, 1);
    /* Both answers were exercised (the 100% and 0% thresholds guarantee it). */
    for (uint16_t bps = 0; bps <= 10000; bps += 10000) {
        size_t before = (size_t)outcomes[0] + (size_t)outcomes[1];
        one_case_bps(4, bps);
        CHECK_INT((size_t)outcomes[0] + (size_t)outcomes[1], before + 1);
    }
    CHECK(outcomes[0] > 0 && outcomes[1] > 0);
}

/* The tree by itself: a one-leaf tree is its leaf; proofs have log2(width) levels. */
static void test_tree_shape(void)
{
    for (size_t n = 1; n <= 9; n++) {
        exec_operator *ops = calloc(n, sizeof *ops);
        for (size_t i = 0; i < n; i++) test_rand_bytes(ops[i].g1, 64);
        agg_table t;
        REQUIRE(agg_table_init(&t, 1, ops, n) == AGG_OK);
        size_t depth = 0;
        while (((size_t)1 << depth) < n) depth++;
        CHECK_INT(t.width, (size_t)1 << depth);
        uint8_t proof[32 * 32], leaf[32];
        size_t len;
        agg_table_proof(&t, n - 1, proof, &len);
        CHECK_INT(len, 32 * depth);
        if (n == 1) {
            agg_operator_leaf(leaf, t.ops[0].g1, &t.ops[0].weight);
            CHECK_MEM(t.root, leaf, 32);
        }
        agg_table_free(&t);
    }
    agg_table t;
    CHECK_INT(agg_table_init(&t, 1, NULL, 0), AGG_ERR_ARG);
    /* Weights past 2^256 are refused as the contract's checked sum would revert. */
    exec_operator *ops = calloc(2, sizeof *ops);
    memset(ops[0].weight.b, 0xff, 32);
    ops[1].weight.b[31] = 1;
    CHECK_INT(agg_table_init(&t, 1, ops, 2), AGG_ERR_RANGE);
}

static void teardown(void)
{
    eth_rpc_free(rpc);
    rpc = NULL;
    test_anvil_stop(&anvil);
}

static void test_zz_teardown(void) { teardown(); }

static const struct test_case cases[] = {
    TEST(tree_shape),
    TEST(leaf_matches_contract),
    TEST(certificates_verify_on_chain),
    TEST(zz_teardown),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
