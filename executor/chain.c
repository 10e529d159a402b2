/* chain.c - the contract reads both services need: a task from the
 * TaskMailbox, an operator table and the aggregator from the
 * OperatorRegistry, a function and its bundle from FaaS. */
#include "executor.h"
#include "faas_abi.h"

#include "svc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static exec_err chain_fail(char *detail, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static exec_err chain_fail(char *detail, const char *fmt, ...)
{
    if (detail) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, SVC_DETAIL_MAX, fmt, ap);
        va_end(ap);
    }
    return EXEC_ERR_CHAIN;
}

/* eth_call of fn_signature with args (stolen) on `to`, decoded as out_types.
 * A revert is EXEC_ERR_NOT_FOUND when its description starts with
 * not_found_error (may be NULL), else EXEC_ERR_CHAIN. */
static exec_err call(eth_rpc *rpc, const eth_address *to, const char *fn_signature, json_t *args,
                     const char *out_types, json_t **out, const char *not_found_error, char *detail)
{
    *out = NULL;
    eth_buf data;
    eth_buf_init(&data, 0);
    eth_err e = args ? eth_abi_encode_call(&data, fn_signature, args) : ETH_ERR_NOMEM;
    json_decref(args);
    if (e) {
        eth_buf_free(&data);
        return e == ETH_ERR_NOMEM ? EXEC_ERR_NOMEM : chain_fail(detail, "cannot encode %s", fn_signature);
    }
    uint8_t *ret = NULL;
    size_t n = 0;
    e = eth_rpc_eth_call(rpc, &ret, &n, NULL, to, data.data, data.len);
    eth_buf_free(&data);
    if (e == ETH_ERR_REVERT && not_found_error && strstr(eth_rpc_last_error(rpc), not_found_error))
        return EXEC_ERR_NOT_FOUND;
    if (e) return chain_fail(detail, "%s: %s (%s)", fn_signature, eth_strerror(e), eth_rpc_last_error(rpc));
    e = eth_abi_decode(out, out_types, ret, n);
    free(ret);
    if (e == ETH_ERR_NOMEM) return EXEC_ERR_NOMEM;
    if (e) return chain_fail(detail, "%s returned %zu bytes that do not decode as %s", fn_signature, n, out_types);
    return EXEC_OK;
}

static json_t *hex_arg(const uint8_t *p, size_t n) { return eth_json_from_data(p, n); }

/* Decoded ABI values are canonical (eth.h): integers as decimal strings,
 * addresses checksummed, bytes as 0x hex; these read them back. */
static int get_u64(const json_t *v, uint64_t *out)
{
    eth_u256 u;
    return json_is_string(v) && eth_u256_parse(&u, json_string_value(v)) == ETH_OK && eth_u256_to_u64(&u, out) ? 0 : -1;
}

static int get_word(const json_t *v, uint8_t out[32])
{
    eth_u256 u;
    if (!json_is_string(v) || eth_u256_parse(&u, json_string_value(v)) != ETH_OK) return -1;
    memcpy(out, u.b, 32);
    return 0;
}

static int get_address(const json_t *v, eth_address *out)
{
    return json_is_string(v) && eth_address_parse(out, json_string_value(v)) == ETH_OK ? 0 : -1;
}

static int get_bytes(const json_t *v, uint8_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    return json_is_string(v) &&
                   eth_hex_decode_alloc(out, n, json_string_value(v), json_string_length(v)) == ETH_OK
               ? 0
               : -1;
}

void exec_task_info_free(exec_task_info *t)
{
    free(t->payload);
    memset(t, 0, sizeof *t);
}

#define TASK_TYPE                                                                                           \
    "((address,uint96,address,uint96,address,uint32,uint16,uint8,bool,uint32,"                              \
    "(address,uint96,address,uint8,address,(uint8,bytes),bytes),bytes,bytes,bytes))"

exec_err exec_chain_task(eth_rpc *rpc, const eth_address *mailbox, const uint8_t task_hash[32], exec_task_info *out,
                         char *detail)
{
    memset(out, 0, sizeof *out);
    json_t *v;
    exec_err e = call(rpc, mailbox, "getTaskInfo(bytes32)", json_pack("[o]", hex_arg(task_hash, 32)), TASK_TYPE, &v,
                      NULL, detail);
    if (e) return e;
    const json_t *t = json_array_get(v, 0);
    const json_t *cfg = json_array_get(t, 10), *cons = json_array_get(cfg, 5);
    uint64_t status, set, ts, created, sla, curve, ctype;
    uint8_t *value = NULL;
    size_t vn = 0;
    int bad = get_u64(json_array_get(t, 7), &status) || get_address(json_array_get(t, 2), &out->avs) ||
              get_u64(json_array_get(t, 5), &set) || get_u64(json_array_get(t, 9), &ts) ||
              get_u64(json_array_get(t, 1), &created) || get_u64(json_array_get(cfg, 1), &sla) ||
              get_u64(json_array_get(cfg, 3), &curve) || get_u64(json_array_get(cons, 0), &ctype) ||
              get_bytes(json_array_get(cons, 1), &value, &vn) ||
              get_bytes(json_array_get(t, 11), &out->payload, &out->payload_len);
    if (!bad && status <= EXEC_STATUS_EXPIRED) {
        out->status = (exec_task_status)status;
        out->operator_set_id = (uint32_t)set;
        out->reference_timestamp = (uint32_t)ts;
        out->creation_time = created;
        out->task_sla = sla;
        out->curve_type = (uint8_t)curve;
        out->consensus_type = (uint8_t)ctype;
        /* abi.encode(uint16 bps): one word whose value fits 16 bits. */
        if (vn == 32) {
            int high = 0;
            for (int i = 0; i < 30; i++) high |= value[i];
            if (!high) {
                out->has_threshold = 1;
                out->threshold_bps = (uint16_t)(value[30] << 8 | value[31]);
            }
        }
    }
    free(value);
    json_decref(v);
    if (bad || status > EXEC_STATUS_EXPIRED) {
        exec_task_info_free(out);
        return chain_fail(detail, "getTaskInfo returned an unexpected task");
    }
    return EXEC_OK;
}


void exec_task_created_free(exec_task_created *c)
{
    free(c->payload);
    memset(c, 0, sizeof *c);
}

exec_err exec_chain_task_created(eth_rpc *rpc, const eth_address *mailbox, const uint8_t task_hash[32],
                                 uint64_t block, exec_task_created *out, char *detail)
{
    memset(out, 0, sizeof *out);
    uint8_t topic0[32];
    eth_abi_event_topic(topic0, FAAS_ABI_TASK_CREATED);
    eth_log_filter f = { .addresses = mailbox, .n_addresses = 1, .topic0 = (const uint8_t(*)[32])topic0, .n_topic0 = 1 };
    eth_log *logs;
    size_t n_logs;
    eth_err e = eth_rpc_get_logs(rpc, &logs, &n_logs, &f, block, block);
    if (e) return chain_fail(detail, "eth_getLogs for TaskCreated: %s (%s)", eth_strerror(e), eth_rpc_last_error(rpc));
    exec_err rc = EXEC_ERR_NOT_FOUND;
    for (size_t i = 0; i < n_logs && rc == EXEC_ERR_NOT_FOUND; i++) {
        if (logs[i].n_topics != 4 || memcmp(logs[i].topics[2], task_hash, 32) != 0) continue;
        json_t *v;
        uint64_t set, ts;
        rc = chain_fail(detail, "TaskCreated log does not decode");
        if (eth_abi_decode_log(&v, FAAS_ABI_TASK_CREATED, (const uint8_t(*)[32])logs[i].topics, logs[i].n_topics,
                               logs[i].data, logs[i].data_len) != ETH_OK)
            break;
        if (!get_u64(json_object_get(v, "executorOperatorSetId"), &set) &&
            !get_u64(json_object_get(v, "operatorTableReferenceTimestamp"), &ts) &&
            !get_u64(json_object_get(v, "taskDeadline"), &out->deadline) &&
            !get_bytes(json_object_get(v, "payload"), &out->payload, &out->payload_len)) {
            memcpy(out->avs.addr, logs[i].topics[3] + 12, 20);
            out->operator_set_id = (uint32_t)set;
            out->reference_timestamp = (uint32_t)ts;
            rc = EXEC_OK;
        }
        json_decref(v);
    }
    eth_logs_free(logs, n_logs);
    if (rc == EXEC_ERR_NOT_FOUND && detail)
        snprintf(detail, SVC_DETAIL_MAX, "no TaskCreated log of this task in block %llu", (unsigned long long)block);
    return rc;
}

exec_err exec_chain_table(eth_rpc *rpc, const eth_address *registry, uint32_t reference_timestamp,
                          exec_operator **ops, size_t *n, char *detail)
{
    *ops = NULL;
    *n = 0;
    json_t *v;
    exec_err e = call(rpc, registry, "getTable(uint32)", json_pack("[I]", (json_int_t)reference_timestamp),
                      "((address,(uint256,uint256),(uint256[2],uint256[2]),uint256,string)[])", &v, NULL, detail);
    if (e) return e;
    const json_t *list = json_array_get(v, 0);
    size_t count = json_array_size(list);
    if (count == 0) {
        json_decref(v);
        if (detail) snprintf(detail, SVC_DETAIL_MAX, "no operator table for reference timestamp %u", reference_timestamp);
        return EXEC_ERR_NOT_FOUND;
    }
    exec_operator *o = calloc(count, sizeof *o);
    if (!o) {
        json_decref(v);
        return EXEC_ERR_NOMEM;
    }
    for (size_t i = 0; i < count && !e; i++) {
        const json_t *row = json_array_get(list, i), *g1 = json_array_get(row, 1), *g2 = json_array_get(row, 2);
        const char *socket = json_string_value(json_array_get(row, 4));
        if (get_address(json_array_get(row, 0), &o[i].address) || get_word(json_array_get(g1, 0), o[i].g1) ||
            get_word(json_array_get(g1, 1), o[i].g1 + 32) ||
            get_word(json_array_get(json_array_get(g2, 0), 0), o[i].g2) ||
            get_word(json_array_get(json_array_get(g2, 0), 1), o[i].g2 + 32) ||
            get_word(json_array_get(json_array_get(g2, 1), 0), o[i].g2 + 64) ||
            get_word(json_array_get(json_array_get(g2, 1), 1), o[i].g2 + 96) ||
            get_word(json_array_get(row, 3), o[i].weight.b) || !socket || strlen(socket) >= sizeof o[i].socket)
            e = chain_fail(detail, "getTable returned a malformed operator %zu", i);
        else
            strcpy(o[i].socket, socket);
    }
    json_decref(v);
    if (e) {
        free(o);
        return e;
    }
    *ops = o;
    *n = count;
    return EXEC_OK;
}

exec_err exec_chain_aggregator(eth_rpc *rpc, const eth_address *registry, eth_address *out, char *detail)
{
    json_t *v;
    exec_err e = call(rpc, registry, "aggregator()", json_array(), "(address)", &v, NULL, detail);
    if (e) return e;
    if (get_address(json_array_get(v, 0), out)) e = chain_fail(detail, "aggregator() returned no address");
    json_decref(v);
    return e;
}

void exec_function_free(exec_function *f)
{
    free(f->url);
    memset(f, 0, sizeof *f);
}

exec_err exec_chain_function(eth_rpc *rpc, const eth_address *faas, const uint8_t id[32], exec_function *out,
                             char *detail)
{
    memset(out, 0, sizeof *out);
    json_t *v;
    exec_err e = call(rpc, faas, "getFunction(bytes32)", json_pack("[o]", hex_arg(id, 32)),
                      "((bytes32,address,uint64,uint32,string))", &v, "FunctionNotFound", detail);
    if (e) return e;
    const json_t *f = json_array_get(v, 0);
    uint64_t block, size;
    const char *url = json_string_value(json_array_get(f, 4));
    if (get_u64(json_array_get(f, 2), &block) || get_u64(json_array_get(f, 3), &size) || !url) {
        e = chain_fail(detail, "getFunction returned a malformed record");
    } else {
        out->block = block;
        out->size = (uint32_t)size;
        out->url = strdup(url);
        if (!out->url) e = EXEC_ERR_NOMEM;
    }
    json_decref(v);
    return e;
}

exec_err exec_chain_bundle(eth_rpc *rpc, const eth_address *faas, const uint8_t id[32], uint64_t block,
                           uint8_t **tarball, size_t *n, char *detail)
{
    *tarball = NULL;
    *n = 0;
    static const char *const decl = "FunctionRegistered(bytes32 indexed functionId, address indexed registrar, bytes tarball)";
    uint8_t topic0[32];
    eth_abi_event_topic(topic0, "FunctionRegistered(bytes32,address,bytes)");
    eth_log_filter f = { .addresses = faas, .n_addresses = 1, .topic0 = (const uint8_t(*)[32])topic0, .n_topic0 = 1 };
    eth_log *logs;
    size_t n_logs;
    eth_err e = eth_rpc_get_logs(rpc, &logs, &n_logs, &f, block, block);
    if (e) return chain_fail(detail, "eth_getLogs for the bundle: %s (%s)", eth_strerror(e), eth_rpc_last_error(rpc));
    exec_err rc = EXEC_ERR_NOT_FOUND;
    for (size_t i = 0; i < n_logs && rc == EXEC_ERR_NOT_FOUND; i++) {
        if (logs[i].n_topics < 2 || memcmp(logs[i].topics[1], id, 32) != 0) continue;
        json_t *v;
        if (eth_abi_decode_log(&v, decl, (const uint8_t(*)[32])logs[i].topics, logs[i].n_topics, logs[i].data,
                               logs[i].data_len) != ETH_OK) {
            rc = chain_fail(detail, "FunctionRegistered log does not decode");
            break;
        }
        rc = get_bytes(json_object_get(v, "tarball"), tarball, n) ? EXEC_ERR_NOMEM : EXEC_OK;
        json_decref(v);
    }
    eth_logs_free(logs, n_logs);
    if (rc == EXEC_ERR_NOT_FOUND && detail)
        snprintf(detail, SVC_DETAIL_MAX, "no FunctionRegistered log for this function in block %llu",
                 (unsigned long long)block);
    return rc;
}

exec_err exec_payload_decode(const uint8_t *payload, size_t n, uint8_t function_id[32], const uint8_t **input,
                             size_t *input_len)
{
    /* functionId | offset (0x40) | length | data zero-padded to 32 */
    if (n < 96) return EXEC_ERR_FORMAT;
    uint64_t off = 0, len = 0;
    for (int i = 0; i < 32; i++) {
        if (i < 24 && (payload[32 + i] || payload[64 + i])) return EXEC_ERR_FORMAT;
        if (i >= 24) {
            off = off << 8 | payload[32 + i];
            len = len << 8 | payload[64 + i];
        }
    }
    if (off != 64 || len > n - 96 || n - 96 != (len + 31) / 32 * 32) return EXEC_ERR_FORMAT;
    for (size_t i = 96 + len; i < n; i++)
        if (payload[i]) return EXEC_ERR_FORMAT;
    memcpy(function_id, payload, 32);
    *input = payload + 96;
    *input_len = (size_t)len;
    return EXEC_OK;
}
