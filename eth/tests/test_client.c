/* test_client.c - the signing client against a real anvil: transfers checked
 * against balances (and cast), a Solidity contract compiled with solc-js,
 * calls and transactions, reverts decoded from eth_call, from estimation and
 * from mined transactions, and many transactions in flight from one key. */
#include "eth.h"
#include "net_test.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct test_anvil anvil;
static const char *const custom_errors[] = { "Unauthorized(address,uint256)", NULL };
static eth_rpc *rpc;
static eth_client *client; /* anvil's dev account 0 */

static eth_client *new_client(const char *key_hex)
{
    eth_key k;
    eth_client *c = NULL;
    if (eth_key_from_hex(&k, key_hex) != ETH_OK || eth_client_new(&c, rpc, &k) != ETH_OK) c = NULL;
    eth_key_wipe(&k);
    return c;
}

static int deploy(eth_address *addr, uint64_t initial)
{
    char args[32];
    snprintf(args, sizeof args, "[%llu]", (unsigned long long)initial);
    return net_deploy(client, addr, "Events.sol", "Events", "(uint256)", args);
}

/* value() of an Events contract, via eth_call. */
static long long read_value(const eth_address *c)
{
    uint8_t *data, *out;
    size_t n, out_len;
    json_t *v = NULL;
    long long r = -1;
    if (net_calldata(&data, &n, "value()", "[]") != 0) return -1;
    if (eth_rpc_eth_call(rpc, &out, &out_len, NULL, c, data, n) == ETH_OK &&
        eth_abi_decode(&v, "(uint256)", out, out_len) == ETH_OK)
        r = strtoll(json_string_value(json_array_get(v, 0)), NULL, 10);
    json_decref(v);
    free(data);
    free(out);
    return r;
}

/* A field of eth_getTransactionByHash as a uint64 QUANTITY (UINT64_MAX if absent). */
static uint64_t tx_field(const uint8_t hash[32], const char *field)
{
    json_t *tx;
    uint64_t v = UINT64_MAX;
    if (eth_rpc_call(rpc, &tx, "eth_getTransactionByHash", json_pack("[o]", eth_json_from_data(hash, 32))) == ETH_OK) {
        if (eth_json_quantity(&v, json_object_get(tx, field)) != ETH_OK) v = UINT64_MAX;
        json_decref(tx);
    }
    return v;
}

static int set_automine(int on)
{
    json_t *res;
    eth_err e = eth_rpc_call(rpc, &res, "evm_setAutomine", json_pack("[b]", on));
    json_decref(res);
    return e == ETH_OK ? 0 : -1;
}

static int mine(void)
{
    json_t *res;
    eth_err e = eth_rpc_call(rpc, &res, "evm_mine", json_array());
    json_decref(res);
    return e == ETH_OK ? 0 : -1;
}

/* ---- cases ----------------------------------------------------------------- */

static void test_transfer(void)
{
    eth_key to;
    REQUIRE(eth_key_generate(&to) == ETH_OK);
    eth_u256 value, before, after, zero, got;
    REQUIRE(eth_u256_parse(&value, "1500000000000000000") == ETH_OK);
    REQUIRE(eth_rpc_get_balance(rpc, &before, eth_client_address(client)) == ETH_OK);
    REQUIRE(eth_rpc_get_balance(rpc, &zero, &to.address) == ETH_OK);
    CHECK(eth_u256_to_u64(&zero, &(uint64_t){ 0 }));

    uint8_t hash[32];
    eth_send_opts o = { .value = &value };
    REQUIRE(eth_client_send(client, hash, &to.address, NULL, 0, &o) == ETH_OK);
    eth_receipt rc;
    REQUIRE(eth_client_wait_receipt(client, &rc, hash, 10000) == ETH_OK);
    CHECK_INT(rc.status, 1);
    CHECK_INT(rc.gas_used, 21000);
    CHECK_MEM(rc.tx_hash, hash, 32);
    CHECK_INT(tx_field(hash, "type"), 2);

    /* The recipient has exactly the value; cast agrees. */
    REQUIRE(eth_rpc_get_balance(rpc, &got, &to.address) == ETH_OK);
    CHECK(eth_u256_cmp(&got, &value) == 0);
    char cmd[256], addr[43];
    snprintf(cmd, sizeof cmd, "cast balance --rpc-url %s %s", anvil.rpc_url, eth_address_to_hex(addr, &to.address));
    char *cast = net_run(cmd);
    CHECK_STR(cast, "1500000000000000000");
    free(cast);

    /* The sender paid value + gasUsed * effectiveGasPrice, nothing else. */
    eth_u256 fee, spent, check;
    REQUIRE(eth_rpc_get_balance(rpc, &after, eth_client_address(client)) == ETH_OK);
    CHECK(!eth_u256_mul_u64(&fee, &rc.effective_gas_price, rc.gas_used));
    CHECK(!eth_u256_add(&spent, &fee, &value));
    CHECK(!eth_u256_add(&check, &after, &spent));
    CHECK(eth_u256_cmp(&check, &before) == 0);
    eth_receipt_free(&rc);

    /* Legacy (EIP-155) too, with eth_gasPrice. */
    o.legacy = 1;
    REQUIRE(eth_client_send(client, hash, &to.address, NULL, 0, &o) == ETH_OK);
    REQUIRE(eth_client_wait_receipt(client, &rc, hash, 10000) == ETH_OK);
    CHECK_INT(rc.status, 1);
    CHECK_INT(tx_field(hash, "type"), 0);
    CHECK_INT(tx_field(hash, "chainId"), eth_client_chain_id(client));
    eth_receipt_free(&rc);
    REQUIRE(eth_rpc_get_balance(rpc, &got, &to.address) == ETH_OK);
    CHECK(!eth_u256_mul_u64(&check, &value, 2));
    CHECK(eth_u256_cmp(&got, &check) == 0);
    eth_key_wipe(&to);
}

/* Explicit fees are used as given. */
static void test_explicit_fees(void)
{
    eth_u256 max_fee, tip, one;
    REQUIRE(eth_u256_parse(&max_fee, "7000000000") == ETH_OK);
    REQUIRE(eth_u256_parse(&tip, "1234") == ETH_OK);
    eth_u256_from_u64(&one, 1);
    eth_send_opts o = { .value = &one, .max_fee = &max_fee, .priority_fee = &tip, .gas_limit = 30000 };
    uint8_t hash[32];
    eth_address to = { { 0x42 } };
    REQUIRE(eth_client_send(client, hash, &to, NULL, 0, &o) == ETH_OK);
    eth_receipt rc;
    REQUIRE(eth_client_wait_receipt(client, &rc, hash, 10000) == ETH_OK);
    CHECK_INT(tx_field(hash, "maxFeePerGas"), 7000000000ULL);
    CHECK_INT(tx_field(hash, "maxPriorityFeePerGas"), 1234);
    CHECK_INT(tx_field(hash, "gas"), 30000);
    eth_receipt_free(&rc);
}

static void test_deploy_call_transact(void)
{
    eth_address c;
    REQUIRE(deploy(&c, 5) == 0);
    CHECK_INT(read_value(&c), 5);

    eth_receipt rc;
    REQUIRE(net_transact(client, &rc, &c, "store(uint256)", "[42]", NULL) == ETH_OK);
    CHECK_INT(rc.status, 1);
    REQUIRE(rc.n_logs == 1);
    /* The event, decoded: Stored(42) from the contract. */
    uint8_t topic[32];
    eth_abi_event_topic(topic, "Stored(uint256)");
    CHECK_MEM(rc.logs[0].topics[0], topic, 32);
    CHECK_MEM(rc.logs[0].address.addr, c.addr, 20);
    json_t *ev = NULL;
    CHECK_INT(eth_abi_decode_log(&ev, "Stored(uint256 value)", (const uint8_t(*)[32])rc.logs[0].topics,
                                 rc.logs[0].n_topics, rc.logs[0].data, rc.logs[0].data_len),
              ETH_OK);
    CHECK_STR(json_string_value(json_object_get(ev, "value")), "42");
    json_decref(ev);
    eth_receipt_free(&rc);

    /* Our eth_call and cast's agree on the new state. */
    CHECK_INT(read_value(&c), 42);
    char cmd[256], addr[43];
    snprintf(cmd, sizeof cmd, "cast call --rpc-url %s %s 'value()(uint256)'", anvil.rpc_url, eth_address_to_hex(addr, &c));
    char *cast = net_run(cmd);
    CHECK_STR(cast, "42");
    free(cast);
}

/* eth_call reverts: Error(string), a custom error, a panic. */
static void test_revert_from_call(void)
{
    eth_address c;
    REQUIRE(deploy(&c, 1) == 0);
    uint8_t *data, *out;
    size_t n, out_len;

    REQUIRE(net_calldata(&data, &n, "failString()", "[]") == 0);
    CHECK_INT(eth_rpc_eth_call(rpc, &out, &out_len, NULL, &c, data, n), ETH_ERR_REVERT);
    CHECK_STR(eth_rpc_last_error(rpc), "execution reverted: boom: not allowed");
    CHECK_INT(eth_rpc_last_error_code(rpc), 3);
    free(data);
    /* cast reads the same reason out of the same node. */
    char cmd[256], addr[43];
    snprintf(cmd, sizeof cmd, "cast call --rpc-url %s %s 'failString()' 2>&1", anvil.rpc_url, eth_address_to_hex(addr, &c));
    FILE *f = popen(cmd, "r");
    char line[1024] = "";
    size_t k = f ? fread(line, 1, sizeof line - 1, f) : 0;
    line[k] = '\0';
    if (f) pclose(f);
    CHECK(strstr(line, "boom: not allowed") != NULL);

    REQUIRE(net_calldata(&data, &n, "failCustom(uint256)", "[7]") == 0);
    CHECK_INT(eth_rpc_eth_call(rpc, &out, &out_len, eth_client_address(client), &c, data, n), ETH_ERR_REVERT);
    printf("  custom error: %s\n", eth_rpc_last_error(rpc));
    CHECK(strstr(eth_rpc_last_error(rpc), "execution reverted: Unauthorized(") != NULL);
    CHECK(strstr(eth_rpc_last_error(rpc), TEST_DEV_ADDR0) != NULL);
    CHECK(strstr(eth_rpc_last_error(rpc), "7)") != NULL);
    free(data);

    REQUIRE(net_calldata(&data, &n, "failPanic(uint256)", "[5]") == 0);
    CHECK_INT(eth_rpc_eth_call(rpc, &out, &out_len, NULL, &c, data, n), ETH_ERR_REVERT);
    printf("  panic: %s\n", eth_rpc_last_error(rpc));
    CHECK(strstr(eth_rpc_last_error(rpc), "0x11") != NULL);
    free(data);
    /* And no revert: failPanic(1) = 0. */
    REQUIRE(net_calldata(&data, &n, "failPanic(uint256)", "[1]") == 0);
    CHECK_INT(eth_rpc_eth_call(rpc, &out, &out_len, NULL, &c, data, n), ETH_OK);
    CHECK_INT(out_len, 32);
    free(out);
    free(data);
}

/* Estimation reverts: nothing is sent, the nonce is not used. */
static void test_revert_from_estimate(void)
{
    eth_address c;
    REQUIRE(deploy(&c, 1) == 0);
    eth_receipt rc;
    CHECK_INT(net_transact(client, &rc, &c, "failString()", "[]", NULL), ETH_ERR_REVERT);
    CHECK_STR(eth_client_last_error(client), "execution reverted: boom: not allowed");
    CHECK_INT(net_transact(client, &rc, &c, "failCustom(uint256)", "[8]", NULL), ETH_ERR_REVERT);
    CHECK(strstr(eth_client_last_error(client), "Unauthorized(") != NULL);
    CHECK(strstr(eth_client_last_error(client), "8)") != NULL);

    /* The next transaction takes the very next nonce. */
    uint64_t before = UINT64_MAX;
    json_t *res;
    REQUIRE(eth_rpc_call(rpc, &res, "eth_getTransactionCount",
                         json_pack("[o,s]", eth_json_from_data(eth_client_address(client)->addr, 20), "latest")) == ETH_OK);
    CHECK_INT(eth_json_quantity(&before, res), ETH_OK);
    json_decref(res);
    REQUIRE(net_transact(client, &rc, &c, "store(uint256)", "[4]", NULL) == ETH_OK);
    CHECK_INT(tx_field(rc.tx_hash, "nonce"), before);
    eth_receipt_free(&rc);
}

/* A mined failure (fixed gas limit, so no estimation stops it) and its
 * reason, replayed. */
static void test_revert_mined(void)
{
    eth_address c;
    REQUIRE(deploy(&c, 3) == 0);
    eth_send_opts fixed = { .gas_limit = 100000 };
    eth_receipt rc;
    char *why;

    REQUIRE(net_transact(client, &rc, &c, "failString()", "[]", &fixed) == ETH_OK);
    CHECK_INT(rc.status, 0);
    CHECK_INT(eth_client_revert_reason(client, &why, rc.tx_hash), ETH_OK);
    CHECK_STR(why, "execution reverted: boom: not allowed");
    free(why);
    eth_receipt_free(&rc);

    REQUIRE(net_transact(client, &rc, &c, "failCustom(uint256)", "[9]", &fixed) == ETH_OK);
    CHECK_INT(rc.status, 0);
    CHECK_INT(eth_client_revert_reason(client, &why, rc.tx_hash), ETH_OK);
    printf("  mined custom error: %s\n", why);
    CHECK(why && strstr(why, "Unauthorized(") && strstr(why, TEST_DEV_ADDR0) && strstr(why, "9)"));
    free(why);
    eth_receipt_free(&rc);

    /* State-dependent: value is 3 (odd). */
    REQUIRE(net_transact(client, &rc, &c, "failIfOdd()", "[]", &fixed) == ETH_OK);
    CHECK_INT(rc.status, 0);
    CHECK_INT(eth_client_revert_reason(client, &why, rc.tx_hash), ETH_OK);
    CHECK_STR(why, "execution reverted: value is odd");
    free(why);
    eth_receipt_free(&rc);

    /* Out of gas: enough for the intrinsic cost, not for the SSTORE. */
    eth_send_opts tight = { .gas_limit = 23000 };
    REQUIRE(net_transact(client, &rc, &c, "store(uint256)", "[7]", &tight) == ETH_OK);
    CHECK_INT(rc.status, 0);
    CHECK_INT(rc.gas_used, 23000);
    CHECK_INT(eth_client_revert_reason(client, &why, rc.tx_hash), ETH_OK);
    CHECK(why && strstr(why, "out of gas") != NULL);
    free(why);
    eth_receipt_free(&rc);
    CHECK_INT(read_value(&c), 3);

    /* Failing only because of an earlier transaction of its block: the replay
     * on the parent block's state succeeds, and the reason says so. */
    REQUIRE(net_transact(client, &rc, &c, "store(uint256)", "[2]", NULL) == ETH_OK);
    eth_receipt_free(&rc);
    REQUIRE(set_automine(0) == 0);
    uint8_t *data, h_odd[32], h_fail[32];
    size_t n;
    REQUIRE(net_calldata(&data, &n, "store(uint256)", "[5]") == 0);
    CHECK_INT(eth_client_send(client, h_odd, &c, data, n, NULL), ETH_OK);
    free(data);
    REQUIRE(net_calldata(&data, &n, "failIfOdd()", "[]") == 0);
    CHECK_INT(eth_client_send(client, h_fail, &c, data, n, &fixed), ETH_OK);
    free(data);
    CHECK_INT(mine(), 0);
    CHECK_INT(set_automine(1), 0);
    REQUIRE(eth_client_wait_receipt(client, &rc, h_fail, 5000) == ETH_OK);
    CHECK_INT(rc.status, 0);
    eth_receipt_free(&rc);
    CHECK_INT(eth_client_revert_reason(client, &why, h_fail), ETH_OK);
    printf("  same-block dependency: %s\n", why);
    CHECK(why && strstr(why, "did not revert when replayed") != NULL);
    free(why);

    /* A success has no revert reason; an unknown hash has no transaction. */
    REQUIRE(net_transact(client, &rc, &c, "store(uint256)", "[6]", NULL) == ETH_OK);
    CHECK_INT(eth_client_revert_reason(client, &why, rc.tx_hash), ETH_ERR_ARG);
    CHECK(why == NULL);
    eth_receipt_free(&rc);
    uint8_t unknown[32];
    test_rand_bytes(unknown, 32);
    CHECK_INT(eth_client_revert_reason(client, &why, unknown), ETH_ERR_NOT_FOUND);
}

/* 50 transactions from one key sent without waiting (the node holds them
 * pending), then mined together: consecutive nonces, all succeed, and the
 * contract saw them in nonce order. */
static void test_in_flight_50(void)
{
    enum { N = 50 };
    eth_address c;
    REQUIRE(deploy(&c, 0) == 0);
    eth_client *sender = new_client(TEST_DEV_KEY1);
    REQUIRE(sender);
    REQUIRE(set_automine(0) == 0);
    uint8_t hashes[N][32], *data;
    size_t n;
    REQUIRE(net_calldata(&data, &n, "ping(bytes)", "[\"0x\"]") == 0);
    double t0 = net_now_ms();
    int sent = 0;
    for (; sent < N; sent++)
        if (eth_client_send(sender, hashes[sent], &c, data, n, NULL) != ETH_OK) {
            test_fail(__FILE__, __LINE__, "send %d: %s", sent, eth_client_last_error(sender));
            break;
        }
    double ms = net_now_ms() - t0;
    printf("  sent %d transactions in %.0f ms (%.1f ms each)\n", sent, ms, ms / N);
    free(data);
    CHECK_INT(mine(), 0);
    CHECK_INT(set_automine(1), 0);

    uint64_t first = tx_field(hashes[0], "nonce"), block = 0;
    for (int i = 0; i < sent; i++) {
        eth_receipt rc;
        if (eth_client_wait_receipt(sender, &rc, hashes[i], 5000) != ETH_OK) {
            test_fail(__FILE__, __LINE__, "tx %d not mined: %s", i, eth_client_last_error(sender));
            continue;
        }
        CHECK_INT(rc.status, 1);
        CHECK_INT(tx_field(hashes[i], "nonce"), first + (uint64_t)i);
        if (i == 0) block = rc.block_number;
        CHECK_INT(rc.block_number, block);
        /* Ping(seq): the i-th transaction was the contract's (i+1)-th ping. */
        if (rc.n_logs == 1) CHECK_INT(rc.logs[0].topics[1][31], i + 1);
        eth_receipt_free(&rc);
    }
    eth_client_free(sender);
}

/* Another sender of the same key makes our counter stale: the client
 * resyncs and the transaction still goes out, with the next free nonce. */
static void test_nonce_resync(void)
{
    eth_client *a = new_client(TEST_DEV_KEY0), *b = new_client(TEST_DEV_KEY0);
    REQUIRE(a && b);
    /* Different recipients: identical transactions would have one hash, and
     * the client rightly takes the node's copy of it as its own. */
    eth_address to_a = { { 0x77 } }, to_b = { { 0x78 } };
    uint8_t h1[32], h2[32], h3[32];
    eth_receipt rc;
    REQUIRE(eth_client_send(a, h1, &to_a, NULL, 0, NULL) == ETH_OK);
    REQUIRE(eth_client_send(b, h2, &to_b, NULL, 0, NULL) == ETH_OK);
    REQUIRE(eth_client_send(a, h3, &to_a, NULL, 0, NULL) == ETH_OK);
    CHECK_INT(tx_field(h2, "nonce"), tx_field(h1, "nonce") + 1);
    CHECK_INT(tx_field(h3, "nonce"), tx_field(h2, "nonce") + 1);
    CHECK_INT(eth_client_wait_receipt(a, &rc, h3, 5000), ETH_OK);
    CHECK_INT(rc.status, 1);
    eth_receipt_free(&rc);
    eth_client_free(a);
    eth_client_free(b);
}

/* The node drops a pending transaction (anvil_dropTransaction): the client's
 * counter runs ahead, its next transaction waits behind the gap, the wait
 * times out, and the send after that re-reads the nonce and fills the gap. */
static void test_dropped_tx_resync(void)
{
    eth_client *c = new_client(TEST_DEV_KEY0);
    REQUIRE(c);
    eth_address to1 = { { 0x99 } }, to2 = { { 0x9a } }, to3 = { { 0x9b } };
    uint8_t h1[32], h2[32], h3[32];
    eth_receipt rc;
    json_t *res;
    REQUIRE(set_automine(0) == 0);
    REQUIRE(eth_client_send(c, h1, &to1, NULL, 0, NULL) == ETH_OK);
    uint64_t n1 = tx_field(h1, "nonce");
    CHECK_INT(eth_rpc_call(rpc, &res, "anvil_dropTransaction", json_pack("[o]", eth_json_from_data(h1, 32))), ETH_OK);
    json_decref(res);
    CHECK_INT(tx_field(h1, "nonce"), UINT64_MAX); /* gone */

    REQUIRE(eth_client_send(c, h2, &to2, NULL, 0, NULL) == ETH_OK);
    CHECK_INT(tx_field(h2, "nonce"), n1 + 1);
    CHECK_INT(mine(), 0);
    CHECK_INT(eth_client_wait_receipt(c, &rc, h2, 300), ETH_ERR_TIMEOUT);
    CHECK(strstr(eth_client_last_error(c), "dropped") != NULL);
    REQUIRE(eth_client_send(c, h3, &to3, NULL, 0, NULL) == ETH_OK);
    CHECK_INT(tx_field(h3, "nonce"), n1);
    CHECK_INT(mine(), 0);
    CHECK_INT(set_automine(1), 0);
    CHECK_INT(eth_client_wait_receipt(c, &rc, h3, 5000), ETH_OK);
    CHECK_INT(rc.status, 1);
    eth_receipt_free(&rc);
    /* With the gap filled, the waiting one goes through too. */
    CHECK_INT(mine(), 0);
    CHECK_INT(eth_client_wait_receipt(c, &rc, h2, 5000), ETH_OK);
    eth_receipt_free(&rc);
    eth_client_free(c);
}

static void test_node_refusals(void)
{
    /* A key without funds: the node's refusal comes back as its message. */
    eth_key k;
    REQUIRE(eth_key_generate(&k) == ETH_OK);
    eth_client *poor;
    REQUIRE(eth_client_new(&poor, rpc, &k) == ETH_OK);
    eth_key_wipe(&k);
    eth_u256 one;
    eth_u256_from_u64(&one, 1);
    eth_send_opts o = { .value = &one };
    uint8_t hash[32];
    eth_address to = { { 0x55 } };
    eth_err e = eth_client_send(poor, hash, &to, NULL, 0, &o);
    printf("  no funds: %s: %s\n", eth_strerror(e), eth_client_last_error(poor));
    CHECK_INT(e, ETH_ERR_RPC);
    CHECK(strcasestr(eth_client_last_error(poor), "insufficient funds") != NULL);
    eth_client_free(poor);

    /* Waiting for a transaction that never comes ends at the timeout. */
    eth_receipt rc;
    test_rand_bytes(hash, 32);
    double t0 = net_now_ms();
    CHECK_INT(eth_client_wait_receipt(client, &rc, hash, 300), ETH_ERR_TIMEOUT);
    double ms = net_now_ms() - t0;
    CHECK(ms >= 300 && ms < 1000);
    CHECK(strstr(eth_client_last_error(client), "300 ms") != NULL);

    /* No node at all: eth_client_new reports the transport error. */
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", test_free_port());
    eth_rpc_opts quick = { .retries = -1 };
    eth_rpc *dead = eth_rpc_new(url, &quick);
    eth_client *c = NULL;
    REQUIRE(eth_key_from_hex(&k, TEST_DEV_KEY0) == ETH_OK);
    CHECK_INT(eth_client_new(&c, dead, &k), ETH_ERR_TRANSPORT);
    CHECK(c == NULL);
    eth_key_wipe(&k);
    eth_rpc_free(dead);
}

static const struct test_case cases[] = {
    TEST(transfer),          TEST(explicit_fees), TEST(deploy_call_transact), TEST(revert_from_call),
    TEST(revert_from_estimate), TEST(revert_mined), TEST(in_flight_50),       TEST(nonce_resync),
    TEST(dropped_tx_resync), TEST(node_refusals),
};

int main(int argc, char **argv)
{
    eth_rpc_opts o = { .custom_errors = custom_errors };
    if (test_anvil_start(&anvil, NULL) != 0 || !(rpc = eth_rpc_new(anvil.rpc_url, &o)) ||
        !(client = new_client(TEST_DEV_KEY0))) {
        fprintf(stderr, "cannot start anvil or connect to it\n");
        test_anvil_stop(&anvil);
        return 1;
    }
    int rc = test_main(cases, TEST_COUNT(cases), argc, argv);
    eth_client_free(client);
    eth_rpc_free(rpc);
    test_anvil_stop(&anvil);
    return rc;
}
