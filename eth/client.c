/* client.c - a signing client: nonces, gas, fees, sending and waiting, as a
 * go-ethereum bind.TransactOpts / `cast send` user expects.
 *
 * Nonces: a local counter, seeded from eth_getTransactionCount(addr,
 * "pending") and advanced per accepted transaction, so a caller can have many
 * transactions in flight without waiting for each (go-ethereum's
 * PendingNonceAt once, then counting). When the node says the counter is wrong
 * it is re-read; when a send's fate is unknown it is re-read before the next. */
#include "eth.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GAS_MARGIN_DEFAULT_PCT 20
#define POLL_FIRST_MS 50
#define POLL_MAX_MS 1000

struct eth_client {
    eth_rpc *rpc;
    eth_key key;
    uint64_t chain_id;
    uint64_t next_nonce;
    int nonce_known;
    char err[ETH_RPC_ERROR_MAX];
};

__attribute__((format(printf, 2, 3))) static void set_error(eth_client *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
}

/* Passes an RPC failure through, keeping the RPC's detail as c's. */
static eth_err rpc_failed(eth_client *c, eth_err e)
{
    set_error(c, "%s", eth_rpc_last_error(c->rpc)[0] ? eth_rpc_last_error(c->rpc) : eth_strerror(e));
    return e;
}

void eth_client_resync_nonce(eth_client *c)
{
    c->nonce_known = 0;
}

const char *eth_client_last_error(const eth_client *c)
{
    return c->err;
}

eth_err eth_client_new(eth_client **out, eth_rpc *rpc, const eth_key *key)
{
    *out = NULL;
    if (!rpc || !key) return ETH_ERR_ARG;
    eth_client *c = calloc(1, sizeof *c);
    if (!c) return ETH_ERR_NOMEM;
    c->rpc = rpc;
    c->key = *key;
    eth_err e = eth_rpc_chain_id(rpc, &c->chain_id);
    if (e) {
        eth_client_free(c);
        return e;
    }
    *out = c;
    return ETH_OK;
}

void eth_client_free(eth_client *c)
{
    if (!c) return;
    eth_key_wipe(&c->key);
    free(c);
}

const eth_address *eth_client_address(const eth_client *c)
{
    return &c->key.address;
}

uint64_t eth_client_chain_id(const eth_client *c)
{
    return c->chain_id;
}

/* ---- node queries ------------------------------------------------------- */

static json_t *address_json(const eth_address *a)
{
    return eth_json_from_data(a->addr, sizeof a->addr);
}

/* Calls a method whose result is a QUANTITY of up to 256 bits. */
static eth_err call_u256(eth_client *c, eth_u256 *out, const char *method, json_t *params)
{
    json_t *res;
    eth_err e = eth_rpc_call(c->rpc, &res, method, params);
    if (e) return rpc_failed(c, e);
    e = eth_json_u256(out, res);
    json_decref(res);
    if (e) {
        set_error(c, "%s: the result is not a quantity", method);
        return ETH_ERR_JSON;
    }
    return ETH_OK;
}

static eth_err sync_nonce(eth_client *c)
{
    eth_u256 n;
    eth_err e = call_u256(c, &n, "eth_getTransactionCount", json_pack("[o,s]", address_json(&c->key.address), "pending"));
    if (e) return e;
    if (!eth_u256_to_u64(&n, &c->next_nonce)) {
        set_error(c, "eth_getTransactionCount: nonce does not fit 64 bits");
        return ETH_ERR_JSON;
    }
    c->nonce_known = 1;
    return ETH_OK;
}

/* The call object of eth_estimateGas / eth_call for a transaction. */
static json_t *call_json(const eth_address *from, const eth_address *to, const eth_u256 *value, const uint8_t *data,
                         size_t n)
{
    json_t *obj = json_pack("{s:o, s:o, s:o}", "from", address_json(from), "value", eth_json_from_u256(value), "data",
                            eth_json_from_data(data, n));
    if (obj && to && json_object_set_new(obj, "to", address_json(to)) != 0) {
        json_decref(obj);
        obj = NULL;
    }
    return obj;
}

static eth_err estimate_gas(eth_client *c, uint64_t *gas, const eth_address *to, const eth_u256 *value,
                            const uint8_t *data, size_t n, unsigned margin_pct)
{
    eth_u256 est;
    eth_err e = call_u256(c, &est, "eth_estimateGas", json_pack("[o]", call_json(&c->key.address, to, value, data, n)));
    if (e) return e;
    uint64_t g;
    /* The margin covers state that changes between estimation and inclusion. */
    if (!eth_u256_to_u64(&est, &g) || g > UINT64_MAX / (100 + margin_pct)) {
        set_error(c, "eth_estimateGas: estimate out of range");
        return ETH_ERR_JSON;
    }
    *gas = g * (100 + margin_pct) / 100;
    return ETH_OK;
}

static int u256_order(const void *a, const void *b)
{
    return eth_u256_cmp(a, b);
}

/* EIP-1559 fees from eth_feeHistory: the base fee of the next block (the
 * history's last baseFeePerGas entry) and the median, over recent blocks that
 * carried transactions, of their ETH_CLIENT_FEE_PERCENTILE tip. */
static eth_err fee_history(eth_client *c, eth_u256 *base_fee, eth_u256 *tip, int *have_tip)
{
    json_t *res;
    *have_tip = 0;
    eth_err e = eth_rpc_call(c->rpc, &res, "eth_feeHistory",
                             json_pack("[o,s,[i]]", eth_json_from_quantity(ETH_CLIENT_FEE_BLOCKS), "latest",
                                       ETH_CLIENT_FEE_PERCENTILE));
    if (e) return rpc_failed(c, e);
    const json_t *bases = json_object_get(res, "baseFeePerGas");
    const json_t *rewards = json_object_get(res, "reward"), *ratios = json_object_get(res, "gasUsedRatio");
    size_t nb = json_array_size(bases);
    if (nb == 0 || eth_json_u256(base_fee, json_array_get(bases, nb - 1)) != ETH_OK) {
        json_decref(res);
        set_error(c, "eth_feeHistory: no base fee (a chain without EIP-1559 needs legacy transactions)");
        return ETH_ERR_JSON;
    }
    eth_u256 tips[ETH_CLIENT_FEE_BLOCKS];
    size_t nt = 0;
    for (size_t i = 0; i < json_array_size(rewards) && nt < ETH_CLIENT_FEE_BLOCKS; i++) {
        /* An empty block reports a zero tip that says nothing of the market. */
        if (!(json_number_value(json_array_get(ratios, i)) > 0)) continue;
        if (eth_json_u256(&tips[nt], json_array_get(json_array_get(rewards, i), 0)) == ETH_OK) nt++;
    }
    json_decref(res);
    if (nt) {
        qsort(tips, nt, sizeof tips[0], u256_order);
        *tip = tips[nt / 2];
        *have_tip = 1;
    }
    return ETH_OK;
}

static eth_err choose_fees(eth_client *c, eth_tx *tx, const eth_send_opts *o)
{
    if (o->legacy) {
        tx->type = ETH_TX_LEGACY;
        if (o->max_fee) {
            tx->gas_price = *o->max_fee;
            return ETH_OK;
        }
        return call_u256(c, &tx->gas_price, "eth_gasPrice", json_array());
    }
    tx->type = ETH_TX_EIP1559;
    eth_u256 base, tip;
    int have_tip = 0;
    if (!o->max_fee || !o->priority_fee) {
        eth_err e = fee_history(c, &base, &tip, &have_tip);
        if (e) return e;
    }
    if (o->priority_fee) {
        tip = *o->priority_fee;
    } else if (!have_tip) {
        eth_err e = call_u256(c, &tip, "eth_maxPriorityFeePerGas", json_array());
        if (e) return e;
    }
    if (o->max_fee) {
        tx->max_fee_per_gas = *o->max_fee;
    } else {
        /* 2 * baseFee + tip (go-ethereum's bind): still enough after six full
         * blocks, as each can raise the base fee by at most 12.5% (EIP-1559). */
        eth_u256 twice;
        if (eth_u256_mul_u64(&twice, &base, 2) || eth_u256_add(&tx->max_fee_per_gas, &twice, &tip)) {
            set_error(c, "fee overflow");
            return ETH_ERR_JSON;
        }
    }
    /* Nodes refuse a tip above the fee cap. */
    tx->max_priority_fee_per_gas = eth_u256_cmp(&tip, &tx->max_fee_per_gas) > 0 ? tx->max_fee_per_gas : tip;
    return ETH_OK;
}

/* ---- sending ------------------------------------------------------------ */

/* Contains any of the words, case-insensitively. */
static int mentions(const char *text, const char *const *words)
{
    for (; *words; words++)
        if (strcasestr(text, *words)) return 1;
    return 0;
}

/* The node already has exactly this transaction: an earlier attempt of ours
 * got through (geth "already known", erigon/anvil "already imported"). */
static int is_already_known(const char *msg)
{
    static const char *const words[] = { "already known", "already imported", "known transaction", NULL };
    return mentions(msg, words);
}

/* The node disagrees with our nonce counter (another sender of this key, a
 * dropped transaction, a restarted node). */
static int is_nonce_error(const char *msg)
{
    static const char *const words[] = { "nonce too low", "nonce too high", "invalid nonce",
                                         "replacement transaction underpriced", "nonce has already been used", NULL };
    return mentions(msg, words);
}

/* Whether the node knows the transaction (pending or mined). */
static int node_has_tx(eth_client *c, const uint8_t tx_hash[32])
{
    json_t *res;
    if (eth_rpc_call(c->rpc, &res, "eth_getTransactionByHash", json_pack("[o]", eth_json_from_data(tx_hash, 32))) != ETH_OK)
        return 0;
    int known = json_is_object(res);
    json_decref(res);
    return known;
}

/* Signs tx at the counter's nonce and sends it. */
static eth_err send_signed(eth_client *c, uint8_t tx_hash[32], eth_tx *tx)
{
    eth_buf raw;
    eth_buf_init(&raw, 0);
    tx->nonce = c->next_nonce;
    eth_err e = eth_tx_sign(&raw, tx_hash, tx, &c->key);
    if (e) {
        eth_buf_free(&raw);
        set_error(c, "cannot sign the transaction: %s", eth_strerror(e));
        return e;
    }
    json_t *res;
    e = eth_rpc_call(c->rpc, &res, "eth_sendRawTransaction", json_pack("[o]", eth_json_from_data(raw.data, raw.len)));
    eth_buf_free(&raw);
    if (e == ETH_OK) {
        uint8_t echoed[32];
        int same = eth_json_fixed(echoed, 32, res) == ETH_OK && memcmp(echoed, tx_hash, 32) == 0;
        json_decref(res);
        if (!same) {
            set_error(c, "eth_sendRawTransaction: the node answered with another transaction hash");
            return ETH_ERR_JSON;
        }
    } else {
        rpc_failed(c, e);
        /* "Already known": an earlier attempt of ours got through. And a
         * "nonce too low" may be our own transaction too: an attempt whose
         * answer was lost got it mined, then the retry met its nonce used. */
        if (e != ETH_ERR_RPC || !(is_already_known(c->err) || (is_nonce_error(c->err) && node_has_tx(c, tx_hash))))
            return e;
        c->err[0] = '\0';
    }
    c->next_nonce++;
    return ETH_OK;
}

eth_err eth_client_send(eth_client *c, uint8_t tx_hash[32], const eth_address *to, const uint8_t *data, size_t n,
                        const eth_send_opts *opts)
{
    static const eth_send_opts no_opts;
    const eth_send_opts *o = opts ? opts : &no_opts;
    eth_tx tx = { .chain_id = c->chain_id, .data = data, .data_len = n, .has_to = to != NULL };
    c->err[0] = '\0';
    if (!data && n) {
        set_error(c, "data is NULL with a length");
        return ETH_ERR_ARG;
    }
    if (to) tx.to = *to;
    if (o->value) tx.value = *o->value;
    eth_err e = choose_fees(c, &tx, o);
    if (e) return e;
    tx.gas_limit = o->gas_limit;
    if (!tx.gas_limit) {
        e = estimate_gas(c, &tx.gas_limit, to, &tx.value, data, n, o->gas_margin_pct ? o->gas_margin_pct : GAS_MARGIN_DEFAULT_PCT);
        if (e) return e;
    }
    if (!c->nonce_known && (e = sync_nonce(c)) != ETH_OK) return e;
    e = send_signed(c, tx_hash, &tx);
    if (e == ETH_ERR_RPC && is_nonce_error(c->err)) {
        /* Our counter was wrong: re-read it and try once more. */
        if ((e = sync_nonce(c)) != ETH_OK) return e;
        e = send_signed(c, tx_hash, &tx);
    }
    /* No answer: the node may or may not have the transaction. */
    if (e == ETH_ERR_TRANSPORT || e == ETH_ERR_TOO_BIG || e == ETH_ERR_JSON) c->nonce_known = 0;
    return e;
}

/* ---- waiting and post-mortems ------------------------------------------- */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

eth_err eth_client_wait_receipt(eth_client *c, eth_receipt *rc, const uint8_t tx_hash[32], long timeout_ms)
{
    double deadline = now_ms() + (double)timeout_ms;
    long interval = POLL_FIRST_MS;
    c->err[0] = '\0';
    for (;;) {
        eth_err e = eth_rpc_get_receipt(c->rpc, rc, tx_hash);
        if (e != ETH_ERR_NOT_FOUND) return e ? rpc_failed(c, e) : ETH_OK;
        double left = deadline - now_ms();
        if (left <= 0) {
            /* Pending for long, or dropped: let the node say what comes next. */
            c->nonce_known = 0;
            set_error(c, "no receipt after %ld ms (transaction still pending or dropped)", timeout_ms);
            return ETH_ERR_TIMEOUT;
        }
        poll(NULL, 0, (int)(left < interval ? left : interval));
        interval = interval * 2 > POLL_MAX_MS ? POLL_MAX_MS : interval * 2;
    }
}

/* Reads the fields of a transaction that a replay needs: from, to, value,
 * input and gas. (Its block comes from the receipt: anvil may still report
 * the transaction as pending for a moment after its receipt exists.) */
static eth_err get_tx(eth_client *c, json_t **tx, uint64_t *gas, const uint8_t tx_hash[32])
{
    eth_err e = eth_rpc_call(c->rpc, tx, "eth_getTransactionByHash", json_pack("[o]", eth_json_from_data(tx_hash, 32)));
    if (e) return rpc_failed(c, e);
    if (json_is_null(*tx)) {
        json_decref(*tx);
        set_error(c, "transaction unknown");
        return ETH_ERR_NOT_FOUND;
    }
    if (eth_json_quantity(gas, json_object_get(*tx, "gas")) != ETH_OK || !json_is_string(json_object_get(*tx, "from")) ||
        !json_is_string(json_object_get(*tx, "value")) || !json_is_string(json_object_get(*tx, "input"))) {
        json_decref(*tx);
        set_error(c, "eth_getTransactionByHash: malformed transaction");
        return ETH_ERR_JSON;
    }
    return ETH_OK;
}

eth_err eth_client_revert_reason(eth_client *c, char **reason, const uint8_t tx_hash[32])
{
    *reason = NULL;
    c->err[0] = '\0';
    eth_receipt rc;
    eth_err e = eth_rpc_get_receipt(c->rpc, &rc, tx_hash);
    if (e) return rpc_failed(c, e);
    int status = rc.status;
    uint64_t gas_used = rc.gas_used, block = rc.block_number, gas;
    eth_receipt_free(&rc);
    if (status == 1) {
        set_error(c, "the transaction succeeded");
        return ETH_ERR_ARG;
    }
    if (block == 0) {
        set_error(c, "a transaction of the genesis block cannot be replayed");
        return ETH_ERR_ARG;
    }
    json_t *tx;
    if ((e = get_tx(c, &tx, &gas, tx_hash)) != ETH_OK) return e;
    /* The same message (from, to, value, input, gas) on its parent block's state. */
    json_t *call = json_pack("{s:O, s:O, s:O, s:O}", "from", json_object_get(tx, "from"), "value",
                             json_object_get(tx, "value"), "data", json_object_get(tx, "input"), "gas",
                             json_object_get(tx, "gas"));
    const json_t *to = json_object_get(tx, "to");
    if (call && to && !json_is_null(to) && json_object_set(call, "to", (json_t *)to) != 0) {
        json_decref(call);
        call = NULL;
    }
    json_decref(tx);
    json_t *res;
    e = eth_rpc_call(c->rpc, &res, "eth_call", json_pack("[o,o]", call, eth_json_from_quantity(block - 1)));
    json_decref(res);
    char text[ETH_RPC_ERROR_MAX + 64];
    if (e == ETH_ERR_REVERT)
        snprintf(text, sizeof text, "%s", eth_rpc_last_error(c->rpc));
    else if (gas_used >= gas)
        snprintf(text, sizeof text, "out of gas (used all %llu gas)", (unsigned long long)gas);
    else if (e == ETH_OK)
        snprintf(text, sizeof text,
                 "failed in block %llu, but did not revert when replayed on block %llu (it depended on an earlier "
                 "transaction of its block)",
                 (unsigned long long)block, (unsigned long long)(block - 1));
    else
        return rpc_failed(c, e);
    *reason = strdup(text);
    if (!*reason) {
        set_error(c, "out of memory");
        return ETH_ERR_NOMEM;
    }
    return ETH_OK;
}
