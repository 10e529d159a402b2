/* log.c - logs and receipts from their JSON-RPC objects (ethereum.org
 * "JSON-RPC API": eth_getLogs, eth_getTransactionReceipt). Everything a node
 * sends is untrusted: every field is checked, nothing is assumed present. */
#include "eth.h"

#include <stdlib.h>
#include <string.h>

/* Runs a reader and leaves the function on its first failure. */
#define TRY(expr)                        \
    do {                                 \
        if ((e = (expr)) != ETH_OK) goto fail; \
    } while (0)

eth_err eth_log_from_json(eth_log *log, const json_t *obj)
{
    eth_err e = ETH_ERR_JSON;
    memset(log, 0, sizeof *log);
    if (!json_is_object(obj)) return ETH_ERR_JSON;

    TRY(eth_json_address(&log->address, json_object_get(obj, "address")));
    const json_t *topics = json_object_get(obj, "topics");
    if (!json_is_array(topics) || json_array_size(topics) > 4) {
        e = ETH_ERR_JSON;
        goto fail;
    }
    log->n_topics = json_array_size(topics);
    for (size_t i = 0; i < log->n_topics; i++) TRY(eth_json_fixed(log->topics[i], 32, json_array_get(topics, i)));
    TRY(eth_json_data(&log->data, &log->data_len, json_object_get(obj, "data")));
    TRY(eth_json_quantity(&log->block_number, json_object_get(obj, "blockNumber")));
    TRY(eth_json_fixed(log->block_hash, 32, json_object_get(obj, "blockHash")));
    TRY(eth_json_fixed(log->tx_hash, 32, json_object_get(obj, "transactionHash")));
    TRY(eth_json_quantity(&log->tx_index, json_object_get(obj, "transactionIndex")));
    TRY(eth_json_quantity(&log->log_index, json_object_get(obj, "logIndex")));
    /* Some nodes omit "removed" for logs that are not removed. */
    const json_t *removed = json_object_get(obj, "removed");
    if (removed && !json_is_boolean(removed)) {
        e = ETH_ERR_JSON;
        goto fail;
    }
    log->removed = json_is_true(removed);
    return ETH_OK;
fail:
    eth_log_free(log);
    return e == ETH_ERR_NOMEM ? e : ETH_ERR_JSON;
}

void eth_log_free(eth_log *log)
{
    if (!log) return;
    free(log->data);
    memset(log, 0, sizeof *log);
}

void eth_logs_free(eth_log *logs, size_t n)
{
    if (!logs) return;
    for (size_t i = 0; i < n; i++) eth_log_free(&logs[i]);
    free(logs);
}

eth_err eth_receipt_from_json(eth_receipt *rc, const json_t *obj)
{
    eth_err e = ETH_ERR_JSON;
    uint64_t status;
    memset(rc, 0, sizeof *rc);
    if (!json_is_object(obj)) return ETH_ERR_JSON;

    TRY(eth_json_fixed(rc->tx_hash, 32, json_object_get(obj, "transactionHash")));
    TRY(eth_json_quantity(&status, json_object_get(obj, "status")));
    if (status > 1) {
        e = ETH_ERR_JSON;
        goto fail;
    }
    rc->status = (int)status;
    TRY(eth_json_quantity(&rc->block_number, json_object_get(obj, "blockNumber")));
    TRY(eth_json_fixed(rc->block_hash, 32, json_object_get(obj, "blockHash")));
    TRY(eth_json_quantity(&rc->gas_used, json_object_get(obj, "gasUsed")));
    const json_t *price = json_object_get(obj, "effectiveGasPrice");
    if (price) TRY(eth_json_u256(&rc->effective_gas_price, price));
    const json_t *created = json_object_get(obj, "contractAddress");
    if (created && !json_is_null(created)) {
        TRY(eth_json_address(&rc->contract_address, created));
        rc->has_contract_address = 1;
    }

    const json_t *logs = json_object_get(obj, "logs");
    if (!json_is_array(logs)) {
        e = ETH_ERR_JSON;
        goto fail;
    }
    size_t n = json_array_size(logs);
    if (n) {
        rc->logs = calloc(n, sizeof *rc->logs);
        if (!rc->logs) {
            e = ETH_ERR_NOMEM;
            goto fail;
        }
    }
    for (size_t i = 0; i < n; i++) {
        TRY(eth_log_from_json(&rc->logs[i], json_array_get(logs, i)));
        rc->n_logs = i + 1;
        /* A receipt's logs belong to its transaction and block. */
        const eth_log *l = &rc->logs[i];
        if (l->block_number != rc->block_number || memcmp(l->block_hash, rc->block_hash, 32) != 0 ||
            memcmp(l->tx_hash, rc->tx_hash, 32) != 0) {
            e = ETH_ERR_JSON;
            goto fail;
        }
    }
    return ETH_OK;
fail:
    eth_receipt_free(rc);
    return e == ETH_ERR_NOMEM ? e : ETH_ERR_JSON;
}

void eth_receipt_free(eth_receipt *rc)
{
    if (!rc) return;
    eth_logs_free(rc->logs, rc->n_logs);
    memset(rc, 0, sizeof *rc);
}

/* An array of DATA strings of n items of size bytes each; NULL when out of memory. */
static json_t *data_array(const uint8_t *items, size_t n, size_t size)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, eth_json_from_data(items + i * size, size)) != 0) {
            json_decref(a);
            a = NULL;
        }
    return a;
}

_Static_assert(sizeof(eth_address) == 20, "an array of eth_address is an array of 20-byte addresses");

json_t *eth_log_filter_json(const eth_log_filter *f)
{
    json_t *obj = json_object();
    if (!obj || !f) return obj;
    if (f->n_addresses &&
        json_object_set_new(obj, "address", data_array(f->addresses[0].addr, f->n_addresses, sizeof(eth_address))) != 0)
        goto fail;
    /* topics[0] is a list: any of these event signatures. */
    if (f->n_topic0 && json_object_set_new(obj, "topics", json_pack("[o]", data_array(f->topic0[0], f->n_topic0, 32))) != 0)
        goto fail;
    return obj;
fail:
    json_decref(obj);
    return NULL;
}
