/* Fuzz target: what a node sends back. A JSON-RPC response envelope, then its
 * result read as a list of logs, a log, a receipt and the hex value types.
 * Nothing may crash or leak, a rejected log or receipt must come back empty,
 * and an accepted one must satisfy the invariants the parsers promise. */
#include "eth.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void check_log(const json_t *v)
{
    eth_log l;
    if (eth_log_from_json(&l, v) != ETH_OK) {
        if (l.data || l.data_len || l.n_topics) abort();
        return;
    }
    if (l.n_topics > 4 || (!l.data) != (l.data_len == 0) || (l.removed != 0 && l.removed != 1)) abort();
    eth_log_free(&l);
}

static void check_receipt(const json_t *v)
{
    eth_receipt rc;
    if (eth_receipt_from_json(&rc, v) != ETH_OK) {
        if (rc.logs || rc.n_logs) abort();
        return;
    }
    if (rc.status != 0 && rc.status != 1) abort();
    for (size_t i = 0; i < rc.n_logs; i++)
        if (rc.logs[i].block_number != rc.block_number || memcmp(rc.logs[i].tx_hash, rc.tx_hash, 32) != 0) abort();
    eth_receipt_free(&rc);
}

/* enc is v re-encoded: the same text up to letter case. */
static void check_same(json_t *enc, const json_t *v)
{
    if (!enc || strcasecmp(json_string_value(enc), json_string_value(v)) != 0) abort();
    json_decref(enc);
}

/* The length of v read as DATA of any length, or -1. */
static long data_len(const json_t *v)
{
    uint8_t *data;
    size_t n;
    if (eth_json_data(&data, &n, v) != ETH_OK) return -1;
    free(data);
    return (long)n;
}

static void check_values(const json_t *v)
{
    uint64_t q;
    eth_u256 u;
    uint8_t fixed[32];
    eth_address a;
    if (eth_json_quantity(&q, v) == ETH_OK) {
        /* A QUANTITY that fits 64 bits reads the same as a u256. */
        uint64_t back;
        if (eth_json_u256(&u, v) != ETH_OK || !eth_u256_to_u64(&u, &back) || back != q) abort();
        check_same(eth_json_from_quantity(q), v);
    }
    if (eth_json_u256(&u, v) == ETH_OK) {
        check_same(eth_json_from_u256(&u), v);
    }
    /* DATA that reads as 32 or 20 bytes reads as that many of any length. */
    long len = data_len(v);
    if (eth_json_fixed(fixed, sizeof fixed, v) == ETH_OK && len != 32) abort();
    if (eth_json_address(&a, v) == ETH_OK && len != 20) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    json_t *msg = json_loadb((const char *)bytes, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    if (!msg) return 0;
    json_t *res;
    eth_rpc_error err;
    eth_err e = eth_rpc_parse_response(&res, &err, msg, 1);
    if (e == ETH_OK) {
        if (json_is_array(res))
            for (size_t i = 0; i < json_array_size(res); i++) check_log(json_array_get(res, i));
        check_log(res);
        check_receipt(res);
        check_values(res);
        json_decref(res);
    } else if (e == ETH_ERR_RPC) {
        if (!err.message) abort();
        eth_rpc_error_free(&err);
    } else if (res || err.message || err.data) {
        abort();
    }
    json_decref(msg);
    return 0;
}
