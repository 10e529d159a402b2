/* chain.c - the CLI's side of the chain: connecting with the configured
 * node and key, calling the FaaS contract and the TaskMailbox, sending
 * transactions with the seed's progress lines, and turning libeth's
 * failures into one line a user can act on. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* Custom errors of FaaS.sol and the TaskMailbox (ITaskMailboxErrors), so
 * reverts read as their names (hourglass-protocol §2.4, contracts/src). */
static const char *const custom_errors[] = {
    "FunctionNotFound(bytes32)", "FunctionAlreadyRegistered(bytes32)", "EmptyBundle()", "EmptyUrl()",
    "InvalidTaskCreator()", "ThresholdNotMet()", "ExecutorOperatorSetNotRegistered()",
    "ExecutorOperatorSetTaskConfigNotSet()", "InvalidAddressZero()", "InvalidCurveType()",
    "InvalidTaskStatus(uint8,uint8)", "PayloadIsEmpty()", "TimestampAtCreation()", "InvalidOperatorSetOwner()",
    "InvalidConsensusType()", "InvalidConsensusValue()", "InvalidReferenceTimestamp()",
    "EmptyCertificateSignature()", "InvalidFeeReceiver()", "FeeAlreadyRefunded()", "OnlyRefundCollector()",
    "InvalidFeeSplit()", "InvalidMessageHash()", "CertificateStale()", "TaskSLAExceedsMaximum()", NULL,
};

cli_err cli_parse_id(uint8_t id[32], const char *text, const char *what, cli_diag *d)
{
    if (strlen(text) != 66 || strncmp(text, "0x", 2) != 0 || eth_hex_decode_exact(id, 32, text) != ETH_OK)
        return cli_diag_set(d, CLI_ERR_USAGE, "invalid %s \"%.80s\": expected 0x and 64 hex digits", what, text);
    return CLI_OK;
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; hay && *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0) return 1;
    return 0;
}

cli_err cli_chain_error(cli_chain *ch, eth_err e, const char *what, const char *detail, cli_diag *d)
{
    const char *det = detail && *detail ? detail : eth_strerror(e);
    switch (e) {
    case ETH_ERR_TRANSPORT:
        return cli_diag_set(d, CLI_ERR_RPC, "cannot reach the Ethereum node at %s (%s): %s", ch->cfg.rpc_url, what,
                            det);
    case ETH_ERR_TIMEOUT: return cli_diag_set(d, CLI_ERR_TIMEOUT, "timed out %s: %s", what, det);
    case ETH_ERR_NOMEM: return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    default: break;
    }
    const char *nf = strstr(det, "FunctionNotFound(");
    if (nf) {
        const char *id = nf + strlen("FunctionNotFound(");
        return cli_diag_set(d, CLI_ERR_NOT_FOUND, "Function not found: %.66s (check the id, or deploy the function)",
                            id);
    }
    if (contains_nocase(det, "insufficient funds")) {
        char addr[43] = "the account", bal[80] = "?";
        eth_u256 wei;
        if (ch->client) {
            eth_address_to_hex(addr, eth_client_address(ch->client));
            if (eth_rpc_get_balance(ch->rpc, &wei, eth_client_address(ch->client)) == ETH_OK)
                eth_u256_to_ether(bal, &wei);
        }
        return cli_diag_set(d, CLI_ERR_CHAIN, "insufficient funds: %s (balance %s ETH) cannot pay for %s", addr, bal,
                            what);
    }
    if (e == ETH_ERR_REVERT) return cli_diag_set(d, CLI_ERR_CHAIN, "%s reverted: %s", what, det);
    return cli_diag_set(d, CLI_ERR_RPC, "%s failed: %s", what, det);
}

static cli_err parse_address(eth_address *out, const char *text, const char *name, const char *how, cli_diag *d)
{
    if (!text)
        return cli_diag_set(d, CLI_ERR_CONFIG,
                            "no %s address: pass %s, or start the devnet (faas-devnet up writes it to the config "
                            "file)", name, how);
    /* cli_config_load has checked the syntax already. */
    return eth_address_parse(out, text) == ETH_OK ? CLI_OK : cli_diag_set(d, CLI_ERR_CONFIG, "invalid %s address", name);
}

/* The TaskMailbox: configured, or the one the FaaS contract creates its
 * tasks in (FaaS.taskMailbox()). */
static cli_err find_mailbox(cli_chain *ch, cli_diag *d)
{
    if (ch->cfg.taskmailbox_address) return parse_address(&ch->mailbox, ch->cfg.taskmailbox_address, "TaskMailbox", "", d);
    if (!ch->cfg.faas_address || eth_address_parse(&ch->faas, ch->cfg.faas_address) != ETH_OK)
        return cli_diag_set(d, CLI_ERR_CONFIG,
                            "no TaskMailbox address: pass --taskmailbox-address (or --faas-address to look it up), or "
                            "start the devnet (faas-devnet up writes both to the config file)");
    json_t *ret;
    cli_err e = cli_chain_view(ch, &ret, &ch->faas, "taskMailbox()", NULL, "(address)", d);
    if (!e && eth_address_parse(&ch->mailbox, json_string_value(json_array_get(ret, 0))) != ETH_OK)
        e = cli_diag_set(d, CLI_ERR_RPC, "the FaaS contract names no TaskMailbox");
    json_decref(ret);
    return e;
}

cli_err cli_chain_load_key(eth_key *k, const cli_args *a, const cli_config *c, cli_diag *d)
{
    char *hex;
    const char *from;
    cli_err e = cli_config_key_text(&hex, &from, a, c, d);
    if (e) return e;
    eth_err ee = eth_key_from_hex(k, hex);
    cli_secret_free(hex);
    if (ee != ETH_OK)
        return cli_diag_set(d, CLI_ERR_KEY,
                            "invalid private key from %s: expected 32 bytes as 64 hex digits (0x prefix optional)",
                            from);
    return CLI_OK;
}

cli_err cli_chain_open(cli_chain *ch, const cli_args *a, unsigned needs, cli_diag *d)
{
    memset(ch, 0, sizeof *ch);
    cli_err e = cli_config_load(&ch->cfg, a, d);
    if (e) return e;
    if ((needs & CLI_NEED_FAAS) &&
        (e = parse_address(&ch->faas, ch->cfg.faas_address, "FaaS contract", "--faas-address or set FAAS_ADDRESS",
                           d)))
        return e;
    eth_key key;
    if ((needs & CLI_NEED_KEY) && (e = cli_chain_load_key(&key, a, &ch->cfg, d))) return e;

    eth_rpc_opts opts = { .custom_errors = custom_errors };
    ch->rpc = eth_rpc_new(ch->cfg.rpc_url, &opts);
    if (!ch->rpc) e = cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    eth_err ee = ETH_OK;
    if (!e && (needs & CLI_NEED_KEY)) {
        ee = eth_client_new(&ch->client, ch->rpc, &key);
        if (!ee) ch->chain_id = eth_client_chain_id(ch->client);
    } else if (!e) {
        ee = eth_rpc_chain_id(ch->rpc, &ch->chain_id);
    }
    if (needs & CLI_NEED_KEY) eth_key_wipe(&key);
    if (!e && ee) e = cli_chain_error(ch, ee, "asking for the chain id", eth_rpc_last_error(ch->rpc), d);
    if (!e && ch->cfg.chain_id && ch->cfg.chain_id != ch->chain_id)
        e = cli_diag_set(d, CLI_ERR_CONFIG, "chain id mismatch: %s says %llu, the node at %s says %llu",
                         ch->cfg.config_path, (unsigned long long)ch->cfg.chain_id, ch->cfg.rpc_url,
                         (unsigned long long)ch->chain_id);
    if (!e && (needs & CLI_NEED_MAILBOX)) e = find_mailbox(ch, d);
    return e;
}

void cli_chain_close(cli_chain *ch)
{
    if (ch->client) eth_client_free(ch->client);
    if (ch->rpc) eth_rpc_free(ch->rpc);
    cli_config_free(&ch->cfg);
    memset(ch, 0, sizeof *ch);
}

/* The function's name, for messages: "getFunction" of "getFunction(bytes32)". */
static void fn_name(char *out, size_t cap, const char *sig)
{
    size_t n = strcspn(sig, "(");
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), sig);
}

static cli_err encode_call(eth_buf *data, const char *fn_signature, json_t *args, cli_diag *d)
{
    eth_buf_init(data, 0);
    eth_err ee = eth_abi_encode_call(data, fn_signature, args);
    json_decref(args);
    if (ee == ETH_ERR_NOMEM) return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    if (ee == ETH_ERR_TOO_BIG) return cli_diag_set(d, CLI_ERR_BUNDLE, "the call data is too large to send");
    return ee ? cli_diag_set(d, CLI_ERR_USAGE, "cannot encode %s: %s", fn_signature, eth_strerror(ee)) : CLI_OK;
}

cli_err cli_chain_view(cli_chain *ch, json_t **out, const eth_address *to, const char *fn_signature, json_t *args,
                       const char *ret_types, cli_diag *d)
{
    *out = NULL;
    char what[96], name[64];
    fn_name(name, sizeof name, fn_signature);
    snprintf(what, sizeof what, "calling %s", name);
    eth_buf data;
    cli_err e = encode_call(&data, fn_signature, args, d);
    uint8_t *ret = NULL;
    size_t n = 0;
    eth_err ee = e ? ETH_OK : eth_rpc_eth_call(ch->rpc, &ret, &n, NULL, to, data.data, data.len);
    eth_buf_free(&data);
    if (!e && ee) e = cli_chain_error(ch, ee, what, eth_rpc_last_error(ch->rpc), d);
    if (!e && n == 0)
        e = cli_diag_set(d, CLI_ERR_CONFIG, "%s returned nothing: is there a FaaS/TaskMailbox contract at that address?",
                         what);
    if (!e && (ee = eth_abi_decode(out, ret_types, ret, n)) != ETH_OK)
        e = cli_diag_set(d, CLI_ERR_RPC, "%s: unexpected answer (%s)", what, eth_strerror(ee));
    free(ret);
    return e;
}

cli_err cli_chain_send(cli_chain *ch, eth_receipt *rc, const eth_address *to, const char *fn_signature, json_t *args,
                       cli_out *o, cli_diag *d)
{
    memset(rc, 0, sizeof *rc);
    char what[96], name[64];
    fn_name(name, sizeof name, fn_signature);
    snprintf(what, sizeof what, "sending %s", name);
    eth_buf data;
    cli_err e = encode_call(&data, fn_signature, args, d);
    if (e) return e;
    uint8_t hash[32];
    eth_err ee = eth_client_send(ch->client, hash, to, data.data, data.len, NULL);
    eth_buf_free(&data);
    if (ee) return cli_chain_error(ch, ee, what, eth_client_last_error(ch->client), d);
    char hex[67];
    eth_hex_encode(hex, hash, 32);
    cli_out_field(o, "tx_hash", json_string(hex), "Transaction sent: %s", hex);
    cli_out_text(o, "Waiting for confirmation...");
    ee = eth_client_wait_receipt(ch->client, rc, hash, CLI_RECEIPT_TIMEOUT_MS);
    if (ee) return cli_chain_error(ch, ee, "waiting for the receipt", eth_client_last_error(ch->client), d);
    if (rc->status != 1) {
        char *reason = NULL;
        if (eth_client_revert_reason(ch->client, &reason, hash) != ETH_OK) reason = NULL;
        e = cli_chain_error(ch, ETH_ERR_REVERT, what, reason ? reason : "no reason given", d);
        free(reason);
    }
    return e;
}

/* A wei amount in units of 10^decimals (9: gwei, 18: ether), cut (not
 * rounded) to `keep` decimal places: "20.00", "0.002517". */
static void format_units(char *out, size_t cap, const eth_u256 *wei, size_t decimals, int keep)
{
    char dec[80], padded[100];
    eth_u256_to_dec(dec, wei);
    size_t n = strlen(dec), pad = n <= decimals ? decimals + 1 - n : 0;
    memset(padded, '0', pad);
    memcpy(padded + pad, dec, n + 1);
    size_t int_len = pad + n - decimals;
    snprintf(out, cap, "%.*s.%.*s", (int)int_len, padded, keep, padded + int_len);
}

void cli_chain_print_costs(cli_out *o, const eth_receipt *rc)
{
    eth_u256 cost;
    char price_dec[80], cost_dec[80], gwei[100], eth[100];
    int overflow = eth_u256_mul_u64(&cost, &rc->effective_gas_price, rc->gas_used);
    format_units(gwei, sizeof gwei, &rc->effective_gas_price, 9, 2);
    format_units(eth, sizeof eth, &cost, 18, 6);
    eth_u256_to_dec(price_dec, &rc->effective_gas_price);
    eth_u256_to_dec(cost_dec, &cost);
    cli_out_field(o, "gas_used", json_integer((json_int_t)rc->gas_used), "Gas used: %llu",
                  (unsigned long long)rc->gas_used);
    cli_out_field(o, "gas_price_wei", json_string(price_dec), "Gas price: %s gwei", gwei);
    if (!overflow) cli_out_field(o, "cost_wei", json_string(cost_dec), "Transaction cost: %s ETH", eth);
}
