/* Transactions: the EIP-155 example, random legacy and EIP-1559 transactions
 * against `cast mktx`, and the signer recovered from our own raw bytes. */
#include "eth.h"
#include "run_tool.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

static void hex_to(uint8_t *out, size_t n, const char *hex) { REQUIRE(eth_hex_decode_exact(out, n, hex) == ETH_OK); }

static void check_raw(const eth_buf *raw, size_t start, const char *want, int line)
{
    char *got = eth_hex_encode_alloc(raw->data + start, raw->len - start);
    if (!got || strcmp(got, want) != 0) test_fail(__FILE__, line, "raw %s\nwant %s", got ? got : "(nomem)", want);
    free(got);
}

static void eip155_tx(eth_tx *tx)
{
    /* EIP-155, "Example". */
    memset(tx, 0, sizeof *tx);
    tx->type = ETH_TX_LEGACY;
    tx->chain_id = 1;
    tx->nonce = 9;
    tx->gas_limit = 21000;
    eth_u256_from_u64(&tx->gas_price, 20000000000ULL);
    tx->has_to = 1;
    memset(tx->to.addr, 0x35, 20);
    eth_u256_from_u64(&tx->value, 1000000000000000000ULL);
}

static void test_eip155_example(void)
{
    eth_tx tx;
    eth_key k;
    uint8_t secret[32], hash[32], want_hash[32], tx_hash[32];
    eip155_tx(&tx);
    memset(secret, 0x46, 32);
    REQUIRE(eth_key_from_secret(&k, secret) == ETH_OK);
    REQUIRE(eth_tx_signing_hash(hash, &tx) == ETH_OK);
    hex_to(want_hash, 32, "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
    CHECK_MEM(hash, want_hash, 32);
    eth_buf raw;
    eth_buf_init(&raw, 0);
    REQUIRE(eth_buf_append(&raw, "xyz", 3) == ETH_OK); /* appends after what is there */
    REQUIRE(eth_tx_sign(&raw, tx_hash, &tx, &k) == ETH_OK);
    CHECK(memcmp(raw.data, "xyz", 3) == 0);
    check_raw(&raw, 3,
              "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939"
              "bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1"
              "966a3b6d83",
              __LINE__);
    uint8_t h[32];
    eth_keccak256(h, raw.data + 3, raw.len - 3);
    CHECK_MEM(h, tx_hash, 32);
    /* A failed signing leaves raw as it was. */
    size_t before = raw.len;
    tx.type = (eth_tx_type)1;
    CHECK_INT(eth_tx_sign(&raw, NULL, &tx, &k), ETH_ERR_ARG);
    CHECK_INT(raw.len, before);
    tx.type = ETH_TX_LEGACY;
    tx.data_len = 1;
    CHECK_INT(eth_tx_signing_hash(h, &tx), ETH_ERR_ARG);
    eth_buf_free(&raw);
    eth_key_wipe(&k);
}

/* Reads back an RLP integer field (canonical: no leading zeros). */
static void item_u256(eth_u256 *v, const eth_rlp_item *it)
{
    memset(v->b, 0, 32);
    if (!it->is_list && it->len <= 32) memcpy(v->b + 32 - it->len, it->p, it->len);
}

/* Recovers the sender of a raw transaction from its fields, independently of
 * eth_tx_sign: rebuild the signing hash from the decoded items, take v, r, s. */
static void check_sender(const uint8_t *raw, size_t n, const eth_tx *tx, const eth_address *want, int line)
{
    eth_rlp_item top, it[12];
    size_t off = 0, count = 0;
    int typed = raw[0] == 0x02;
    if (eth_rlp_decode(&top, raw + typed, n - typed) != ETH_OK || !top.is_list) {
        test_fail(__FILE__, line, "raw transaction is not an RLP list");
        return;
    }
    while (count < 12 && eth_rlp_list_next(&top, &off, &it[count]) == ETH_OK) count++;
    size_t fields = typed ? 9 : 6;
    if (count != fields + 3) {
        test_fail(__FILE__, line, "%zu items in the transaction", count);
        return;
    }
    eth_u256 v, r, s;
    item_u256(&v, &it[fields]);
    item_u256(&r, &it[fields + 1]);
    item_u256(&s, &it[fields + 2]);
    uint64_t v64 = 0;
    int recid;
    if (typed) {
        CHECK(eth_u256_to_u64(&v, &v64) && v64 <= 1);
        recid = (int)v64;
    } else if (tx->chain_id) {
        /* v - 35 - 2 * chainId must be 0 or 1; for huge chain ids compare in 256 bits. */
        eth_u256 base, one;
        eth_u256_from_u64(&base, tx->chain_id);
        (void)eth_u256_mul_u64(&base, &base, 2);
        eth_u256_from_u64(&one, 35);
        (void)eth_u256_add(&base, &base, &one);
        recid = eth_u256_cmp(&v, &base) == 0 ? 0 : 1;
        eth_u256_from_u64(&one, (uint64_t)recid);
        (void)eth_u256_add(&base, &base, &one);
        CHECK(eth_u256_cmp(&v, &base) == 0);
    } else {
        CHECK(eth_u256_to_u64(&v, &v64) && (v64 == 27 || v64 == 28));
        recid = (int)v64 - 27;
    }
    uint8_t hash[32], sig[65];
    REQUIRE(eth_tx_signing_hash(hash, tx) == ETH_OK);
    memcpy(sig, r.b, 32);
    memcpy(sig + 32, s.b, 32);
    sig[64] = (uint8_t)recid;
    eth_address who;
    CHECK_INT(eth_recover_address(&who, hash, sig), ETH_OK);
    CHECK_MEM(who.addr, want->addr, 20);
}

static void rand_u256_small(eth_u256 *v, size_t max_bytes)
{
    size_t n = test_rand64() % (max_bytes + 1);
    memset(v->b, 0, 32);
    test_rand_bytes(v->b + 32 - n, n);
}

static void test_random_vs_cast(void)
{
    for (int round = 0; round < 12; round++) {
        eth_key k;
        eth_tx tx;
        uint8_t data[64];
        REQUIRE(eth_key_generate(&k) == ETH_OK);
        memset(&tx, 0, sizeof tx);
        tx.type = round % 2 ? ETH_TX_EIP1559 : ETH_TX_LEGACY;
        tx.chain_id = 1 + test_rand64() % 100000;
        tx.nonce = test_rand64() >> (test_rand64() % 64);
        tx.gas_limit = 21000 + test_rand64() % 10000000;
        rand_u256_small(&tx.gas_price, 12);
        rand_u256_small(&tx.max_fee_per_gas, 12);
        rand_u256_small(&tx.max_priority_fee_per_gas, 10);
        rand_u256_small(&tx.value, 20);
        tx.has_to = round % 4 != 3; /* every fourth: contract creation */
        test_rand_bytes(tx.to.addr, 20);
        tx.data_len = test_rand64() % sizeof data;
        if (!tx.has_to && tx.data_len == 0) tx.data_len = 1;
        test_rand_bytes(data, tx.data_len);
        tx.data = data;

        char key_hex[67], chain[24], nonce[24], gas[24], price[80], tip[80], value[80], to[43], data_hex[2 * 64 + 3];
        eth_hex_encode(key_hex, k.secret, 32);
        snprintf(chain, sizeof chain, "%llu", (unsigned long long)tx.chain_id);
        snprintf(nonce, sizeof nonce, "%llu", (unsigned long long)tx.nonce);
        snprintf(gas, sizeof gas, "%llu", (unsigned long long)tx.gas_limit);
        eth_u256_to_dec(price, tx.type == ETH_TX_LEGACY ? &tx.gas_price : &tx.max_fee_per_gas);
        eth_u256_to_dec(tip, &tx.max_priority_fee_per_gas);
        eth_u256_to_dec(value, &tx.value);
        eth_address_to_hex(to, &tx.to);
        eth_hex_encode(data_hex, data, tx.data_len);
        char *argv[24] = { "cast", "mktx", "--private-key", key_hex, "--chain", chain, "--nonce", nonce,
                           "--gas-limit", gas, "--gas-price", price, "--value", value };
        int a = 14;
        if (tx.type == ETH_TX_LEGACY) argv[a++] = "--legacy";
        else {
            argv[a++] = "--priority-gas-price";
            argv[a++] = tip;
        }
        if (tx.has_to) {
            argv[a++] = to;
            if (tx.data_len) argv[a++] = data_hex;
        } else {
            argv[a++] = "--create";
            argv[a++] = data_hex;
        }
        argv[a] = NULL;
        char *want = run_tool(argv);
        REQUIRE(want);

        eth_buf raw;
        uint8_t tx_hash[32];
        eth_buf_init(&raw, 0);
        REQUIRE(eth_tx_sign(&raw, tx_hash, &tx, &k) == ETH_OK);
        check_raw(&raw, 0, want, __LINE__);
        check_sender(raw.data, raw.len, &tx, &k.address, __LINE__);
        free(want);
        eth_buf_free(&raw);
        eth_wipe(key_hex, sizeof key_hex);
        eth_key_wipe(&k);
    }
}

static void test_chain_id_edges(void)
{
    /* No chain id: pre-EIP-155 v of 27/28 over the six-field preimage. */
    eth_tx tx;
    eth_key k;
    eth_buf raw;
    REQUIRE(eth_key_from_hex(&k, TEST_DEV_KEY0) == ETH_OK);
    eip155_tx(&tx);
    tx.chain_id = 0;
    eth_buf_init(&raw, 0);
    REQUIRE(eth_tx_sign(&raw, NULL, &tx, &k) == ETH_OK);
    check_sender(raw.data, raw.len, &tx, &k.address, __LINE__);
    /* The largest chain id: v = recid + 35 + 2^65 - 2 needs 9 bytes. */
    raw.len = 0;
    tx.chain_id = UINT64_MAX;
    REQUIRE(eth_tx_sign(&raw, NULL, &tx, &k) == ETH_OK);
    check_sender(raw.data, raw.len, &tx, &k.address, __LINE__);
    eth_buf_free(&raw);
    eth_key_wipe(&k);
}

static const struct test_case cases[] = {
    TEST(eip155_example),
    TEST(random_vs_cast),
    TEST(chain_id_edges),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
