/* cmd_query.c - read-only commands on the FaaS registry: get-function
 * (and --output to fetch a bundle, checked against its id) and
 * list-functions. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define FUNCTION_INFO "(bytes32,address,uint64,uint32,string)"
/* The log that carries an on-chain bundle (FaaS.sol). */
#define FUNCTION_REGISTERED "FunctionRegistered(bytes32 indexed functionId, address indexed registrar, bytes tarball)"
/* Functions fetched per listFunctions call. */
#define LIST_PAGE 100
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
    cli_err e = url && *url ? cli_s3_get(url, &tar, d) : fetch_from_log(&tar, ch, id, block, d);
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

cli_err cli_cmd_list(const cli_args *a, cli_out *o, cli_diag *d)
{
    cli_chain ch;
    memset(&ch, 0, sizeof ch);
    json_t *ret = NULL, *all = json_array();
    cli_err e = all ? cli_chain_open(&ch, a, CLI_NEED_FAAS, d) : cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    if (!e) e = cli_chain_view(&ch, &ret, &ch.faas, "functionCount()", NULL, "(uint256)", d);
    uint64_t count = e ? 0 : strtoull(json_string_value(json_array_get(ret, 0)), NULL, 10);
    json_decref(ret);
    if (!e) {
        char addr[43];
        cli_out_text(o, "Functions registered on %s: %llu", eth_address_to_hex(addr, &ch.faas),
                     (unsigned long long)count);
    }
    for (uint64_t off = 0; !e && off < count; off += LIST_PAGE) {
        e = cli_chain_view(&ch, &ret, &ch.faas, "listFunctions(uint256,uint256)", json_pack("[I,I]", (json_int_t)off,
                           (json_int_t)LIST_PAGE), "(" FUNCTION_INFO "[])", d);
        size_t i;
        json_t *info;
        json_array_foreach(e ? NULL : json_array_get(ret, 0), i, info) {
            const char *url = json_string_value(json_array_get(info, 4));
            json_array_append_new(all, info_json(info));
            if (url && *url)
                cli_out_text(o, "%s  block %-8s  %s", json_string_value(json_array_get(info, 0)),
                             json_string_value(json_array_get(info, 2)), url);
            else
                cli_out_text(o, "%s  block %-8s  on-chain, %s bytes", json_string_value(json_array_get(info, 0)),
                             json_string_value(json_array_get(info, 2)), json_string_value(json_array_get(info, 3)));
        }
        json_decref(ret);
        ret = NULL;
    }
    cli_out_field(o, "functions", all, NULL);
    cli_chain_close(&ch);
    return e;
}
