/* cmd_config.c - `config`: the seed's "Embedded Contract Configuration"
 * lines, plus the chain id and where each setting came from. */
#include "cli.h"

#include <string.h>

/* How long `config` waits for a node that may well be down. */
#define CONFIG_RPC_TIMEOUT_MS 3000

static json_t *opt_string(const char *s) { return s ? json_string(s) : json_null(); }

/* The chain id from the node when the config file does not say; `config`
 * still works (and says so) when the node is down. */
static void ask_chain_id(cli_config *c)
{
    eth_rpc_opts opts = { .timeout_ms = CONFIG_RPC_TIMEOUT_MS, .retries = -1 };
    eth_rpc *rpc = eth_rpc_new(c->rpc_url, &opts);
    if (rpc && eth_rpc_chain_id(rpc, &c->chain_id) == ETH_OK) c->src_chain_id = CLI_SRC_NODE;
    else c->chain_id = 0;
    eth_rpc_free(rpc);
}

cli_err cli_cmd_config(const cli_args *a, cli_out *o, cli_diag *d)
{
    cli_config c;
    cli_err e = cli_config_load(&c, a, d);
    if (e) {
        cli_config_free(&c);
        return e;
    }
    cli_out_text(o, "Contract Configuration:\n");
    cli_out_field(o, "rpc_url", json_string(c.rpc_url), "RPC URL: %s", c.rpc_url);
    cli_out_field(o, "ws_url", json_string(c.ws_url), "WebSocket RPC URL: %s", c.ws_url);
    cli_out_field(o, "taskmailbox_address", opt_string(c.taskmailbox_address), "TaskMailbox Address: %s",
                  c.taskmailbox_address ? c.taskmailbox_address : "(not set)");
    cli_out_field(o, "faas_address", opt_string(c.faas_address), "FaaS Address: %s",
                  c.faas_address ? c.faas_address : "(not set)");
    cli_out_field(o, "aggregator_url", opt_string(c.aggregator_url), "Aggregator URL: %s",
                  c.aggregator_url ? c.aggregator_url : "(not set)");
    if (!c.chain_id) ask_chain_id(&c);
    if (c.chain_id)
        cli_out_field(o, "chain_id", json_integer((json_int_t)c.chain_id), "Chain ID: %llu",
                      (unsigned long long)c.chain_id);
    else
        cli_out_field(o, "chain_id", json_null(), "Chain ID: unknown (the RPC URL does not answer)");
    cli_out_field(o, "config_file", json_string(c.config_path), "Config file: %s%s", c.config_path,
                  c.config_found ? "" : " (not found)");
    cli_out_field(o, "config_found", json_boolean(c.config_found), NULL);

    json_t *src = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "rpc_url", cli_source_name(c.src_rpc), "ws_url",
                            c.ws_derived ? "rpc_url" : cli_source_name(c.src_ws), "taskmailbox_address", cli_source_name(c.src_mailbox),
                            "faas_address", cli_source_name(c.src_faas), "aggregator_url",
                            cli_source_name(c.src_aggregator), "chain_id", cli_source_name(c.src_chain_id));
    cli_out_field(o, "sources", src,
                  "Sources: RPC URL from %s, WebSocket RPC URL from %s, TaskMailbox Address from %s, FaaS "
                  "Address from %s, Aggregator URL from %s",
                  cli_source_name(c.src_rpc), c.ws_derived ? "the RPC URL" : cli_source_name(c.src_ws),
                  cli_source_name(c.src_mailbox), cli_source_name(c.src_faas), cli_source_name(c.src_aggregator));
    cli_config_free(&c);
    return CLI_OK;
}
