/* cmd_keys.c - `keys`: what `cast wallet new` / `cast wallet address` /
 * `cast balance` give a user of a chain, for the key faas-cli signs with.
 *   keys new [--output FILE]   a fresh key (libsecp256k1 via eth_key_generate)
 *   keys address               the address of the configured key, offline
 *   keys balance [ADDRESS]     eth_getBalance of it (or of ADDRESS)
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Writes the key's hex to path, which must not exist yet (O_EXCL: a key is
 * never overwritten), readable by its owner only. */
static cli_err write_key_file(const char *path, const char *hex, cli_diag *d)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return cli_diag_set(d, CLI_ERR_IO, errno == EEXIST ? "%s exists: not overwritten (choose another --output)"
                                                          : "cannot create %s: %s",
                            path, strerror(errno));
    size_t n = strlen(hex);
    int ok = write(fd, hex, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        unlink(path);
        return cli_diag_set(d, CLI_ERR_IO, "cannot write %s", path);
    }
    return CLI_OK;
}

static cli_err keys_new(const cli_args *a, cli_out *o, cli_diag *d)
{
    eth_key k;
    if (eth_key_generate(&k) != ETH_OK) return cli_diag_set(d, CLI_ERR_IO, "no randomness for a new key");
    char addr[43], hex[67];
    eth_address_to_hex(addr, &k.address);
    eth_hex_encode(hex, k.secret, 32);
    eth_key_wipe(&k);
    const char *out = a->value[CLI_FLAG_OUTPUT];
    cli_err e = out ? write_key_file(out, hex, d) : CLI_OK;
    if (!e) {
        cli_out_field(o, "address", json_string(addr), "Address: %s", addr);
        if (out) {
            cli_out_field(o, "private_key_file", json_string(out), "Private key written to %s (mode 0600)", out);
            cli_out_text(o, "Use it with --private-key-file %s (or FAAS_PRIVATE_KEY_FILE)", out);
        } else {
            cli_out_field(o, "private_key", json_string(hex), "Private key: %s", hex);
            cli_out_text(o, "Keep it secret; use it with FAAS_PRIVATE_KEY or --private-key-file");
        }
    }
    eth_wipe(hex, sizeof hex);
    return e;
}

/* The configured key's address, without a node. */
static cli_err configured_address(eth_address *addr, const cli_args *a, cli_diag *d)
{
    cli_config c;
    eth_key k;
    cli_err e = cli_config_load(&c, a, d);
    if (!e) e = cli_chain_load_key(&k, a, &c, d);
    if (!e) {
        *addr = k.address;
        eth_key_wipe(&k);
    }
    cli_config_free(&c);
    return e;
}

static cli_err keys_balance(const cli_args *a, cli_out *o, cli_diag *d)
{
    eth_address addr;
    cli_err e = CLI_OK;
    if (a->n_pos == 2) {
        if (eth_address_parse(&addr, a->pos[1]) != ETH_OK)
            return cli_diag_set(d, CLI_ERR_USAGE, "invalid address \"%s\": expected 0x and 40 hex digits", a->pos[1]);
    } else if ((e = configured_address(&addr, a, d))) {
        return e;
    }
    cli_chain ch;
    e = cli_chain_open(&ch, a, 0, d);
    eth_u256 wei;
    eth_err ee = e ? ETH_OK : eth_rpc_get_balance(ch.rpc, &wei, &addr);
    if (!e && ee) e = cli_chain_error(&ch, ee, "asking for the balance", eth_rpc_last_error(ch.rpc), d);
    if (!e) {
        char hex[43], eth[80], dec[80];
        eth_address_to_hex(hex, &addr);
        cli_out_field(o, "address", json_string(hex), "Address: %s", hex);
        cli_out_field(o, "balance_wei", json_string(eth_u256_to_dec(dec, &wei)), "Balance: %s ETH",
                      eth_u256_to_ether(eth, &wei));
        cli_out_field(o, "chain_id", json_integer((json_int_t)ch.chain_id), NULL);
    }
    cli_chain_close(&ch);
    return e;
}

cli_err cli_cmd_keys(const cli_args *a, cli_out *o, cli_diag *d)
{
    const char *sub = a->pos[0];
    int is_new = strcmp(sub, "new") == 0, is_address = strcmp(sub, "address") == 0,
        is_balance = strcmp(sub, "balance") == 0;
    if (!is_new && !is_address && !is_balance)
        return cli_diag_set(d, CLI_ERR_USAGE, "unknown keys command \"%s\" (new, address or balance)", sub);
    if (a->n_pos > 1 && !is_balance)
        return cli_diag_set(d, CLI_ERR_USAGE, "keys %s takes no argument (got \"%s\")", sub, a->pos[1]);
    if (a->value[CLI_FLAG_OUTPUT] && !is_new)
        return cli_diag_set(d, CLI_ERR_USAGE, "--output applies to keys new only");
    if (is_new) return keys_new(a, o, d);
    if (is_balance) return keys_balance(a, o, d);
    eth_address addr;
    cli_err e = configured_address(&addr, a, d);
    if (!e) {
        char hex[43];
        eth_address_to_hex(hex, &addr);
        cli_out_field(o, "address", json_string(hex), "Address: %s", hex);
    }
    return e;
}
