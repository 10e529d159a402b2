/* config.c - where faas-cli's settings come from: flags, environment,
 * $FAAS_HOME/config.json (written by faas-devnet), defaults; and the
 * private key, which is never required on argv. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONFIG_MAX_BYTES ((size_t)1 << 20)
#define KEY_FILE_MAX_BYTES 4096

const char *cli_source_name(cli_source s)
{
    switch (s) {
    case CLI_SRC_CONFIG: return "config file";
    case CLI_SRC_ENV: return "environment";
    case CLI_SRC_FLAG: return "flag";
    case CLI_SRC_NODE: return "node";
    default: return "default";
    }
}

static const char *home_dir(void)
{
    const char *h = getenv("HOME");
    if (h && *h) return h;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_dir ? pw->pw_dir : "/";
}

char *cli_config_path(const cli_args *a)
{
    if (a->value[CLI_FLAG_CONFIG]) return strdup(a->value[CLI_FLAG_CONFIG]);
    const char *faas_home = getenv("FAAS_HOME");
    if (faas_home && *faas_home) return cli_path_join(faas_home, "config.json");
    char *dir = cli_path_join(home_dir(), ".faas");
    char *p = dir ? cli_path_join(dir, "config.json") : NULL;
    free(dir);
    return p;
}

char *cli_config_derive_ws(const char *url)
{
    const char *rest;
    const char *scheme;
    if (strncmp(url, "http://", 7) == 0) {
        scheme = "ws://";
        rest = url + 7;
    } else if (strncmp(url, "https://", 8) == 0) {
        scheme = "wss://";
        rest = url + 8;
    } else {
        return NULL;
    }
    size_t n = strlen(scheme) + strlen(rest) + 1;
    char *ws = malloc(n);
    if (ws) snprintf(ws, n, "%s%s", scheme, rest);
    return ws;
}

static int has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* 0x + 40 hex digits; mixed case must be the EIP-55 checksum (a typo in a
 * checksummed address is caught rather than sent to). */
static int is_address(const char *s)
{
    eth_address a;
    return eth_address_parse(&a, s) == ETH_OK;
}

/* The value of one setting: the command line, else the environment, else
 * the config file. Sets *src; returns a borrowed string or NULL. */
static const char *pick(const cli_args *a, cli_flag f, const char *from_config, cli_source *src)
{
    if (a->value[f]) {
        *src = a->from_env[f] ? CLI_SRC_ENV : CLI_SRC_FLAG;
        return a->value[f];
    }
    if (from_config) {
        *src = CLI_SRC_CONFIG;
        return from_config;
    }
    *src = CLI_SRC_DEFAULT;
    return NULL;
}

static const char *where(const cli_args *a, cli_flag f, cli_source src, const char *path)
{
    return src == CLI_SRC_CONFIG ? path : a->origin[f];
}

/* Reads the config file's members into *doc (NULL when the file is absent
 * and was not asked for explicitly). */
static cli_err read_config_file(json_t **doc, cli_config *c, const cli_args *a, cli_diag *d)
{
    uint8_t *text;
    size_t n;
    *doc = NULL;
    int err = cli_file_read(c->config_path, CONFIG_MAX_BYTES, &text, &n);
    if (err == ENOENT && !a->value[CLI_FLAG_CONFIG]) return CLI_OK;
    if (err == ENOENT)
        return cli_diag_set(d, CLI_ERR_CONFIG, "config file %s does not exist (from %s)", c->config_path,
                            a->origin[CLI_FLAG_CONFIG]);
    if (err) return cli_diag_set(d, CLI_ERR_CONFIG, "cannot read config file %s: %s", c->config_path, strerror(err));
    json_error_t je;
    *doc = json_loadb((const char *)text, n, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!*doc)
        return cli_diag_set(d, CLI_ERR_CONFIG, "config file %s is not valid JSON (line %d: %s)", c->config_path,
                            je.line, je.text);
    if (!json_is_object(*doc))
        return cli_diag_set(d, CLI_ERR_CONFIG, "config file %s must hold a JSON object", c->config_path);
    c->config_found = 1;
    return CLI_OK;
}

/* A string member of the config document, or NULL when absent. */
static cli_err config_string(const char **out, const json_t *doc, const char *key, const char *path, cli_diag *d)
{
    *out = NULL;
    json_t *v = doc ? json_object_get(doc, key) : NULL;
    if (!v || json_is_null(v)) return CLI_OK;
    if (!json_is_string(v) || json_string_length(v) == 0)
        return cli_diag_set(d, CLI_ERR_CONFIG, "config file %s: \"%s\" must be a non-empty string", path, key);
    *out = json_string_value(v);
    return CLI_OK;
}

static cli_err set_string(char **dst, const char *v, cli_diag *d)
{
    free(*dst);
    *dst = v ? strdup(v) : NULL;
    return v && !*dst ? cli_diag_set(d, CLI_ERR_NOMEM, "out of memory") : CLI_OK;
}

static cli_err load_addresses(cli_config *c, const cli_args *a, const json_t *doc, cli_diag *d)
{
    static const struct {
        cli_flag flag;
        const char *key;
        size_t off_value, off_src;
    } addrs[] = {
        { CLI_FLAG_FAAS_ADDRESS, "faas_address", offsetof(cli_config, faas_address), offsetof(cli_config, src_faas) },
        { CLI_FLAG_TASKMAILBOX_ADDRESS, "taskmailbox_address", offsetof(cli_config, taskmailbox_address),
          offsetof(cli_config, src_mailbox) },
    };
    for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
        const char *from_config;
        cli_err e = config_string(&from_config, doc, addrs[i].key, c->config_path, d);
        if (e) return e;
        cli_source *src = (cli_source *)((char *)c + addrs[i].off_src);
        const char *v = pick(a, addrs[i].flag, from_config, src);
        if (v && !is_address(v))
            return cli_diag_set(d, CLI_ERR_CONFIG, "invalid %s \"%.60s\" from %s: expected 0x and 40 hex digits (EIP-55 checksum if mixed case)",
                                addrs[i].key, v, where(a, addrs[i].flag, *src, c->config_path));
        if ((e = set_string((char **)((char *)c + addrs[i].off_value), v, d))) return e;
    }
    return CLI_OK;
}

static cli_err load_urls(cli_config *c, const cli_args *a, const json_t *doc, cli_diag *d)
{
    const char *cfg_rpc, *cfg_ws;
    cli_err e;
    if ((e = config_string(&cfg_rpc, doc, "rpc_url", c->config_path, d))) return e;
    if ((e = config_string(&cfg_ws, doc, "ws_url", c->config_path, d))) return e;

    const char *rpc = pick(a, CLI_FLAG_RPC_URL, cfg_rpc, &c->src_rpc);
    if (!rpc) rpc = CLI_DEFAULT_RPC_URL;
    if (!has_prefix(rpc, "http://") && !has_prefix(rpc, "https://"))
        return cli_diag_set(d, CLI_ERR_CONFIG, "invalid RPC URL \"%.100s\" from %s: expected http:// or https://",
                            rpc, c->src_rpc == CLI_SRC_DEFAULT ? "default" : where(a, CLI_FLAG_RPC_URL, c->src_rpc,
                                                                                  c->config_path));
    if ((e = set_string(&c->rpc_url, rpc, d))) return e;

    /* A WebSocket URL from a weaker source than the RPC URL belongs to
     * another node (e.g. the devnet's, while --rpc-url points elsewhere):
     * derive it from the RPC URL instead, as the seed does. */
    const char *ws = pick(a, CLI_FLAG_WS_RPC_URL, cfg_ws, &c->src_ws);
    if (ws && c->src_ws < c->src_rpc) ws = NULL;
    if (ws) {
        if (!has_prefix(ws, "ws://") && !has_prefix(ws, "wss://"))
            return cli_diag_set(d, CLI_ERR_CONFIG, "invalid WebSocket URL \"%.100s\" from %s: expected ws:// or wss://",
                                ws, where(a, CLI_FLAG_WS_RPC_URL, c->src_ws, c->config_path));
        return set_string(&c->ws_url, ws, d);
    }
    c->src_ws = c->src_rpc;
    c->ws_derived = 1;
    c->ws_url = cli_config_derive_ws(c->rpc_url);
    return c->ws_url ? CLI_OK : cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
}

/* The aggregator's status API: like the chain id, the file's URL belongs to
 * the file's node only. */
static cli_err load_aggregator(cli_config *c, const cli_args *a, const json_t *doc, cli_diag *d)
{
    const char *from_config;
    cli_err e = config_string(&from_config, doc, "aggregator_url", c->config_path, d);
    if (e) return e;
    if (c->src_rpc > CLI_SRC_CONFIG) from_config = NULL;
    const char *v = pick(a, CLI_FLAG_AGGREGATOR_URL, from_config, &c->src_aggregator);
    if (v && !has_prefix(v, "http://") && !has_prefix(v, "https://"))
        return cli_diag_set(d, CLI_ERR_CONFIG, "invalid aggregator URL \"%.100s\" from %s: expected http:// or https://",
                            v, where(a, CLI_FLAG_AGGREGATOR_URL, c->src_aggregator, c->config_path));
    return set_string(&c->aggregator_url, v, d);
}

static cli_err load_chain_and_key(cli_config *c, const json_t *doc, cli_diag *d)
{
    json_t *v = doc ? json_object_get(doc, "chain_id") : NULL;
    /* The file's chain id describes the file's node only. */
    if (v && !json_is_null(v) && c->src_rpc <= CLI_SRC_CONFIG) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0)
            return cli_diag_set(d, CLI_ERR_CONFIG, "config file %s: \"chain_id\" must be a positive integer",
                                c->config_path);
        c->chain_id = (uint64_t)json_integer_value(v);
        c->src_chain_id = CLI_SRC_CONFIG;
    }
    const char *key_file;
    cli_err e = config_string(&key_file, doc, "private_key_file", c->config_path, d);
    if (e || !key_file) return e;
    if (key_file[0] == '/') return set_string(&c->private_key_file, key_file, d);
    /* Relative to the config file's directory, so FAAS_HOME can move. */
    char *dir = strdup(c->config_path);
    if (!dir) return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    char *slash = strrchr(dir, '/');
    if (slash) slash[1] = 0; else strcpy(dir, ".");
    c->private_key_file = cli_path_join(dir, key_file);
    free(dir);
    return c->private_key_file ? CLI_OK : cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
}

cli_err cli_config_load(cli_config *c, const cli_args *a, cli_diag *d)
{
    memset(c, 0, sizeof *c);
    c->config_path = cli_config_path(a);
    if (!c->config_path) return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    json_t *doc;
    cli_err e = read_config_file(&doc, c, a, d);
    if (!e) e = load_urls(c, a, doc, d);
    if (!e) e = load_addresses(c, a, doc, d);
    if (!e) e = load_aggregator(c, a, doc, d);
    if (!e) e = load_chain_and_key(c, doc, d);
    json_decref(doc);
    return e;
}

void cli_config_free(cli_config *c)
{
    free(c->rpc_url);
    free(c->ws_url);
    free(c->faas_address);
    free(c->taskmailbox_address);
    free(c->private_key_file);
    free(c->aggregator_url);
    free(c->config_path);
    memset(c, 0, sizeof *c);
}

void cli_secret_free(char *s)
{
    if (!s) return;
    eth_wipe(s, strlen(s));
    free(s);
}

static cli_err read_key_file(char **hex, const char *path, const char *origin, cli_diag *d)
{
    uint8_t *text;
    size_t n;
    int err = cli_file_read(path, KEY_FILE_MAX_BYTES, &text, &n);
    if (err == EFBIG)
        return cli_diag_set(d, CLI_ERR_KEY, "private key file %s (from %s) is too large to hold a key", path, origin);
    if (err) return cli_diag_set(d, CLI_ERR_KEY, "cannot read private key file %s (from %s): %s", path, origin,
                                 strerror(err));
    size_t start = 0, end = n;
    while (start < end && isspace(text[start])) start++;
    while (end > start && isspace(text[end - 1])) end--;
    memmove(text, text + start, end - start);
    eth_wipe(text + (end - start), n - (end - start));
    text[end - start] = 0;
    *hex = (char *)text;
    return CLI_OK;
}

cli_err cli_config_key_text(char **hex, const char **where_from, const cli_args *a, const cli_config *c, cli_diag *d)
{
    *hex = NULL;
    const char *k = a->value[CLI_FLAG_PRIVATE_KEY], *kf = a->value[CLI_FLAG_PRIVATE_KEY_FILE];
    int k_flag = k && !a->from_env[CLI_FLAG_PRIVATE_KEY], kf_flag = kf && !a->from_env[CLI_FLAG_PRIVATE_KEY_FILE];
    if (k_flag && kf_flag) return cli_diag_set(d, CLI_ERR_USAGE, "give either --private-key or --private-key-file");
    /* Flags first, then the environment (key before key file), then config. */
    const char *order[4][2] = {
        { k_flag ? k : NULL, NULL },
        { NULL, kf_flag ? kf : NULL },
        { !k_flag && k ? k : NULL, NULL },
        { NULL, !kf_flag && kf ? kf : NULL },
    };
    for (int i = 0; i < 4; i++) {
        if (order[i][0]) {
            *where_from = a->origin[CLI_FLAG_PRIVATE_KEY];
            size_t n = strlen(order[i][0]);
            while (n && isspace((unsigned char)order[i][0][n - 1])) n--;
            *hex = strndup(order[i][0], n);
            return *hex ? CLI_OK : cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
        }
        if (order[i][1]) {
            *where_from = a->origin[CLI_FLAG_PRIVATE_KEY_FILE];
            return read_key_file(hex, order[i][1], *where_from, d);
        }
    }
    if (c && c->private_key_file) {
        *where_from = c->config_path;
        return read_key_file(hex, c->private_key_file, c->config_path, d);
    }
    return cli_diag_set(d, CLI_ERR_KEY,
                        "no private key: set FAAS_PRIVATE_KEY, or pass --private-key-file <file> or --private-key "
                        "<hex>");
}
