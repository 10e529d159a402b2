/* cmd_query.c - read-only commands on the FaaS registry: get-function
 * (and --output to fetch a bundle, checked against its id) and
 * list-functions. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define FUNCTION_INFO "(bytes32,address,uint64,uint32,string)"
/* The log that carries an on-chain bundle (FaaS.sol). */
#define FUNCTION_REGISTERED "FunctionRegistered(bytes32 indexed functionId, address indexed registrar, bytes tarball)"
/* The largest bundle get-function downloads (the operators' cap, bundle.h). */
#define GET_MAX_BUNDLE ((size_t)64 << 20)

/* One FunctionInfo as JSON for --json, from the decoded tuple. */
static json_t *info_json(const json_t *t)
{
    json_t *size = json_array_get(t, 3);
    return json_pack("{s:O, s:O, s:I, s:I, s:O}", "function_id", json_array_get(t, 0), "owner", json_array_get(t, 1),
                     "block_number", (json_int_t)strtoull(json_string_value(json_array_get(t, 2)), NULL, 10),
                     "size", (json_int_t)strtoull(json_string_value(size), NULL, 10), "url", json_array_get(t, 4));
}

/* The on-chain tarball: the FunctionRegistered log of block `block`. */
static cli_err fetch_from_log(eth_buf *out, cli_chain *ch, const uint8_t id[32], uint64_t block, cli_diag *d)
{
    uint8_t topic0[32];
    eth_abi_event_topic(topic0, "FunctionRegistered(bytes32,address,bytes)");
    eth_log_filter f = { &ch->faas, 1, (const uint8_t(*)[32])topic0, 1 };
    eth_log *logs = NULL;
    size_t n = 0;
    eth_err ee = eth_rpc_get_logs(ch->rpc, &logs, &n, &f, block, block);
    if (ee) return cli_chain_error(ch, ee, "fetching the bundle's log", eth_rpc_last_error(ch->rpc), d);
    cli_err e = cli_diag_set(d, CLI_ERR_NOT_FOUND, "the bundle's FunctionRegistered log is not in block %llu",
                             (unsigned long long)block);
    for (size_t i = 0; i < n; i++) {
        json_t *ev;
        if (logs[i].n_topics < 2 || memcmp(logs[i].topics[1], id, 32) != 0 ||
            eth_abi_decode_log(&ev, FUNCTION_REGISTERED, (const uint8_t(*)[32])logs[i].topics, logs[i].n_topics,
                               logs[i].data, logs[i].data_len) != ETH_OK)
            continue;
        const char *hex = json_string_value(json_object_get(ev, "tarball"));
        uint8_t *bytes;
        size_t len;
        if (hex && eth_hex_decode_alloc(&bytes, &len, hex, strlen(hex)) == ETH_OK) {
            e = eth_buf_append(out, bytes, len) == ETH_OK ? CLI_OK : cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
            free(bytes);
        }
        json_decref(ev);
        break;
    }
    eth_logs_free(logs, n);
    return e;
}

/* Fetches a function's tarball (on-chain log or URL), checks it hashes to
 * its id (as operators do), and writes it to path. */
static cli_err save_bundle(cli_chain *ch, const json_t *info, const uint8_t id[32], const char *path, cli_out *o,
                           cli_diag *d)
{
    const char *url = json_string_value(json_array_get(info, 4));
    uint64_t block = strtoull(json_string_value(json_array_get(info, 2)), NULL, 10);
    eth_buf tar;
    eth_buf_init(&tar, GET_MAX_BUNDLE);
    cli_err e = url && *url ? cli_http_get(url, 0, &tar, d) : fetch_from_log(&tar, ch, id, block, d);
    uint8_t got[32];
    if (!e) cli_pkg_function_id(got, tar.data, tar.len);
    if (!e && memcmp(got, id, 32) != 0) {
        char hex[67];
        e = cli_diag_set(d, CLI_ERR_BUNDLE, "the bundle fetched has keccak-256 %s, not the function id: refusing it",
                         eth_hex_encode(hex, got, 32));
    }
    int err = e ? 0 : cli_file_write(path, tar.data, tar.len);
    if (err) e = cli_diag_set(d, CLI_ERR_IO, "cannot write %s: %s", path, strerror(err));
    if (!e) cli_out_field(o, "output", json_string(path), "Tarball written to: %s (%zu bytes)", path, tar.len);
    eth_buf_free(&tar);
    return e;
}

cli_err cli_cmd_get(const cli_args *a, cli_out *o, cli_diag *d)
{
    uint8_t id[32];
    cli_err e = cli_parse_id(id, a->pos[0], "function id", d);
    if (e) return e;
    cli_chain ch;
    json_t *ret = NULL;
    e = cli_chain_open(&ch, a, CLI_NEED_FAAS, d);
    if (!e)
        e = cli_chain_view(&ch, &ret, &ch.faas, "getFunction(bytes32)", json_pack("[s]", a->pos[0]),
                           "(" FUNCTION_INFO ")", d);
    if (!e) {
        json_t *info = json_array_get(ret, 0);
        const char *url = json_string_value(json_array_get(info, 4));
        cli_out_field(o, "function", info_json(info), NULL);
        cli_out_text(o, "Function ID: %s", json_string_value(json_array_get(info, 0)));
        cli_out_text(o, "Owner: %s", json_string_value(json_array_get(info, 1)));
        cli_out_text(o, "Registered in block: %s", json_string_value(json_array_get(info, 2)));
        if (url && *url) cli_out_text(o, "Bundle URL: %s", url);
        else cli_out_text(o, "Bundle: on-chain, %s bytes", json_string_value(json_array_get(info, 3)));
        if (a->value[CLI_FLAG_OUTPUT]) e = save_bundle(&ch, info, id, a->value[CLI_FLAG_OUTPUT], o, d);
    }
    json_decref(ret);
    cli_chain_close(&ch);
    return e;
}

/* The ids registered from block `from` on, in chain order, without
 * repeats: the FaaS contract's FunctionRegistered and FunctionDeployed logs
 * (the registry keeps no list on-chain). *ids (caller frees) holds *n. */
static cli_err registered_ids(uint8_t (**ids)[32], size_t *n, cli_chain *ch, uint64_t from, cli_diag *d)
{
    uint8_t topics[2][32];
    eth_abi_event_topic(topics[0], "FunctionRegistered(bytes32,address,bytes)");
    eth_abi_event_topic(topics[1], "FunctionDeployed(bytes32,address,string)");
    eth_log_filter f = { &ch->faas, 1, (const uint8_t(*)[32])topics, 2 };
    uint64_t head;
    eth_log *logs = NULL;
    size_t n_logs = 0;
    *ids = NULL;
    *n = 0;
    eth_err ee = eth_rpc_block_number(ch->rpc, &head);
    if (!ee && from <= head) ee = eth_rpc_get_logs(ch->rpc, &logs, &n_logs, &f, from, head);
    if (ee) return cli_chain_error(ch, ee, "reading the registrations", eth_rpc_last_error(ch->rpc), d);
    *ids = n_logs ? malloc(n_logs * sizeof **ids) : NULL;
    if (n_logs && !*ids) {
        eth_logs_free(logs, n_logs);
        return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n_logs; i++) {
        int seen = logs[i].removed || logs[i].n_topics < 2;
        for (size_t k = 0; k < *n && !seen; k++) seen = memcmp((*ids)[k], logs[i].topics[1], 32) == 0;
        if (!seen) memcpy((*ids)[(*n)++], logs[i].topics[1], 32);
    }
    eth_logs_free(logs, n_logs);
    return CLI_OK;
}

cli_err cli_cmd_list(const cli_args *a, cli_out *o, cli_diag *d)
{
    uint64_t from = 0;
    if (a->value[CLI_FLAG_FROM_BLOCK]) {
        char *end;
        from = strtoull(a->value[CLI_FLAG_FROM_BLOCK], &end, 10);
        if (end == a->value[CLI_FLAG_FROM_BLOCK] || *end)
            return cli_diag_set(d, CLI_ERR_USAGE, "invalid --from-block \"%.40s\": expected a block number",
                                a->value[CLI_FLAG_FROM_BLOCK]);
    }
    cli_chain ch;
    uint8_t (*ids)[32] = NULL;
    size_t n = 0;
    json_t *all = json_array();
    cli_err e = cli_chain_open(&ch, a, CLI_NEED_FAAS, d);
    if (!e) e = registered_ids(&ids, &n, &ch, from, d);
    if (!e) {
        char addr[43];
        cli_out_text(o, "Functions registered on %s: %zu", eth_address_to_hex(addr, &ch.faas), n);
    }
    for (size_t i = 0; !e && i < n; i++) {
        char hex[67];
        json_t *ret;
        e = cli_chain_view(&ch, &ret, &ch.faas, "getFunction(bytes32)", json_pack("[s]", eth_hex_encode(hex, ids[i], 32)),
                           "(" FUNCTION_INFO ")", d);
        if (e) break;
        json_t *info = json_array_get(ret, 0);
        const char *url = json_string_value(json_array_get(info, 4)), *block = json_string_value(json_array_get(info, 2));
        json_array_append_new(all, info_json(info));
        if (url && *url) cli_out_text(o, "%s  block %-8s  %s", hex, block, url);
        else cli_out_text(o, "%s  block %-8s  on-chain, %s bytes", hex, block, json_string_value(json_array_get(info, 3)));
        json_decref(ret);
    }
    cli_out_field(o, "functions", all, NULL);
    free(ids);
    cli_chain_close(&ch);
    return e;
}
