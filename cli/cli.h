/* cli.h - libfaascli: the pieces of bin/faas-cli.
 *
 * faas-cli is the user's side of FaaS AVS (SPEC §1, seed README "Using the
 * CLI"): it packages a function directory into a reproducible bundle,
 * registers it on-chain (or uploads it to S3 and registers the URL and hash),
 * calls functions and waits for the operators' verified result.
 *
 * Modules (one prefix each):
 *   cli_diag_   one-line error messages with a code (every fallible call)
 *   cli_args_   command line: subcommands, flags, environment fallbacks
 *   cli_config_ where the RPC endpoints and contract addresses come from
 *               (flags > environment > $FAAS_HOME/config.json > defaults)
 *   cli_ini_    the AWS CLI's INI files (~/.aws/credentials, ~/.aws/config)
 *   cli_pkg_    directory validation, dependency install, reproducible bundle
 *   cli_s3_     s3:// URLs, AWS credential resolution, SigV4-signed PUT
 *   cli_chain_  the node, the key, FaaS.sol and the TaskMailbox (libeth)
 *   cli_out_    output: the seed's text lines, or one JSON document (--json)
 *   cli_result_ the result envelope of a task ({"payload":…,"error":…})
 *   cli_cmd_    one function per command (deploy-function, call-function, keys, …)
 *
 * The config file ($FAAS_HOME/config.json, FAAS_HOME default ~/.faas; or
 * --config / FAAS_CONFIG), written by `faas-devnet up`, is one JSON object;
 * every member is optional and unknown members are ignored:
 *   {
 *     "rpc_url": "http://127.0.0.1:7545",        JSON-RPC endpoint
 *     "ws_url": "ws://127.0.0.1:7545",           WebSocket endpoint (default:
 *                                                rpc_url with http->ws)
 *     "chain_id": 31337,                         checked against the node
 *     "faas_address": "0x…",                     FaaS.sol
 *     "taskmailbox_address": "0x…",              TaskMailbox
 *     "aggregator_url": "http://127.0.0.1:9000", the aggregator's status API
 *                                                (why a task failed or expired)
 *     "private_key_file": "dev.key"              a file holding a hex key,
 *                                                relative to the config file
 *   }
 * A URL or chain id from the file applies only while the RPC URL also comes
 * from the file (a --rpc-url elsewhere gets its own derived ws URL, and no
 * aggregator URL unless one is given too).
 *
 * Conventions: fallible functions return cli_err (CLI_OK == 0) and, when
 * they fail, write a one-line explanation into a cli_diag supplied by the
 * caller (the line a user sees after "Error: "). Strings returned to the
 * caller are owned by the caller (free()) unless documented otherwise.
 */
#ifndef FAAS_CLI_H
#define FAAS_CLI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "eth.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Errors                                                                     */

typedef enum {
    CLI_OK = 0,
    CLI_ERR_USAGE,      /* bad flags or arguments (exit status 2) */
    CLI_ERR_CONFIG,     /* config file malformed, address missing or malformed */
    CLI_ERR_KEY,        /* private key missing or malformed */
    CLI_ERR_MANIFEST,   /* manifest.json missing, malformed, unknown runtime */
    CLI_ERR_BUNDLE,     /* entry file or handler missing, unsupported file, too large */
    CLI_ERR_DEPS,       /* npm / pip dependency install failed */
    CLI_ERR_IO,         /* reading or writing a local file failed */
    CLI_ERR_S3,         /* S3 upload failed (endpoint unreachable, server error) */
    CLI_ERR_S3_DENIED,  /* S3 refused the credentials or the access (HTTP 403) */
    CLI_ERR_RPC,        /* the Ethereum node is unreachable or answered an error */
    CLI_ERR_CHAIN,      /* a transaction failed: revert, insufficient funds, ... */
    CLI_ERR_NOT_FOUND,  /* unknown function id or task */
    CLI_ERR_FUNCTION,   /* the function ran and returned an error (exit status 3) */
    CLI_ERR_TIMEOUT,    /* gave up waiting (exit status 4) */
    CLI_ERR_EXPIRED,    /* the task expired before a result was verified (exit status 4) */
    CLI_ERR_TASK_FAILED,/* the network gave the task up: no result can be verified (exit status 4) */
    CLI_ERR_NOMEM,      /* out of memory */
    CLI_ERR__COUNT
} cli_err;

/* Static one-line description of e; never NULL. */
const char *cli_strerror(cli_err e);
/* The process exit status for e: 0 ok, 2 usage, 3 function error, 4 no
 * verified result (timeout, expiry, task failed), 1 everything else
 * (documented in --help). */
int cli_exit_status(cli_err e);

#define CLI_DIAG_MAX 1024

/* The detail of a failure: the code and the line a user reads. */
typedef struct {
    cli_err code;
    char msg[CLI_DIAG_MAX];
} cli_diag;

/* Records code and a printf-style message in d (d may be NULL); returns code,
 * so callers write `return cli_diag_set(d, CLI_ERR_IO, "cannot read %s", p);`.
 * Control characters in the message are replaced so it stays one line. */
cli_err cli_diag_set(cli_diag *d, cli_err code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------------ */
/* Files                                                                      */

/* Reads the whole file at path ("-": stdin) into *out (caller frees; a NUL
 * is appended after the n bytes for convenience). Returns 0, or an errno
 * value: EFBIG when the file holds more than max bytes, ENOMEM. */
int cli_file_read(const char *path, size_t max, uint8_t **out, size_t *n);
/* Writes n bytes to path (created or truncated, mode 0644) via a temporary
 * file renamed into place. Returns 0 or an errno value. */
int cli_file_write(const char *path, const uint8_t *data, size_t n);
/* dir + "/" + name; caller frees; NULL when out of memory. */
char *cli_path_join(const char *dir, const char *name);
/* A fresh directory $TMPDIR/faas-cli-<what>-XXXXXX (TMPDIR default /tmp),
 * mode 0700. *out (caller releases with cli_remove_tree) is its path. */
cli_err cli_temp_dir(char **out, const char *what, cli_diag *d);
/* Removes path and everything under it (symlinks not followed), then frees
 * the string. NULL is fine. */
void cli_remove_tree(char *path);

/* ------------------------------------------------------------------------ */
/* Command line                                                               */

typedef enum {
    CLI_CMD_NONE = 0,
    CLI_CMD_DEPLOY,     /* deploy-function <dir> */
    CLI_CMD_PACKAGE,    /* package <dir>: the tarball and id, no chain */
    CLI_CMD_CALL,       /* call-function --function-id <id> <input> */
    CLI_CMD_CONFIG,     /* config */
    CLI_CMD_GET,        /* get-function <id> */
    CLI_CMD_LIST,       /* list-functions */
    CLI_CMD_TASK,       /* task <taskHash> */
    CLI_CMD_INVOKE,     /* invoke --local <dir> <input> */
    CLI_CMD_KEYS,       /* keys new | address | balance [address] */
    CLI_CMD_INIT,       /* init [--runtime R] <dir>: a new function directory */
    CLI_CMD_HELP,       /* help [command] */
    CLI_CMD_VERSION,    /* version */
    CLI_CMD__COUNT
} cli_cmd;

typedef enum {
    CLI_FLAG_RPC_URL,
    CLI_FLAG_WS_RPC_URL,
    CLI_FLAG_PRIVATE_KEY,
    CLI_FLAG_PRIVATE_KEY_FILE,
    CLI_FLAG_FAAS_ADDRESS,
    CLI_FLAG_TASKMAILBOX_ADDRESS,
    CLI_FLAG_CONFIG,
    CLI_FLAG_JSON,
    CLI_FLAG_HELP,
    CLI_FLAG_S3_BASE_URL,
    CLI_FLAG_S3_ENDPOINT,
    CLI_FLAG_SKIP_DEPS,
    CLI_FLAG_DRY_RUN,
    CLI_FLAG_OUTPUT,
    CLI_FLAG_VERBOSE,
    CLI_FLAG_FUNCTION_ID,
    CLI_FLAG_INPUT_FILE,
    CLI_FLAG_TIMEOUT,
    CLI_FLAG_NO_WAIT,
    CLI_FLAG_LOCAL,
    CLI_FLAG_FROM_BLOCK,
    CLI_FLAG_AGGREGATOR_URL,
    CLI_FLAG_RUNTIME,
    CLI_FLAG__COUNT
} cli_flag;

#define CLI_ARGS_MAX_POSITIONAL 8

/* The parsed command line. Values point into argv (or the environment) and
 * live as long as those do. */
typedef struct {
    cli_cmd cmd;
    const char *cmd_name;                       /* as typed */
    const char *value[CLI_FLAG__COUNT];         /* NULL: not given */
    const char *origin[CLI_FLAG__COUNT];        /* "--rpc-url" or "FAAS_RPC_URL" */
    int from_env[CLI_FLAG__COUNT];              /* 1: the value came from the environment */
    const char *pos[CLI_ARGS_MAX_POSITIONAL];   /* positional arguments after the command */
    size_t n_pos;
} cli_args;

/* Parses argv: `faas-cli [flags] <command> [flags] [args]`; flags may come
 * before or after the command, `--name value` or `--name=value`, and `--`
 * ends the flags (for inputs that start with '-'; a lone "-" means stdin).
 * Flags not given on the command line fall back to their environment
 * variable (see cli_args_usage). A flag that does not apply to the command,
 * a missing value, an unknown flag or command, or too many arguments is
 * CLI_ERR_USAGE with a message naming it. `--help`/`-h` anywhere sets
 * CLI_FLAG_HELP; no command at all gives CLI_CMD_HELP. */
cli_err cli_args_parse(cli_args *a, int argc, char **argv, cli_diag *d);

/* The value of flag f (a number of seconds, fractions allowed, > 0) in
 * milliseconds, or dflt_ms when not given; CLI_ERR_USAGE naming the flag
 * otherwise. */
cli_err cli_args_millis(const cli_args *a, cli_flag f, long dflt_ms, long *ms, cli_diag *d);

/* Writes the help text for cmd (CLI_CMD_NONE/HELP: the overview) to f. */
void cli_args_usage(FILE *f, cli_cmd cmd);

/* The command's canonical name ("deploy-function"), or NULL. */
const char *cli_cmd_name(cli_cmd cmd);
/* The command named name (canonical, or the seed's "register-function"),
 * or CLI_CMD_NONE. */
cli_cmd cli_cmd_find(const char *name);

/* ------------------------------------------------------------------------ */
/* Configuration                                                              */

#define CLI_DEFAULT_RPC_URL "http://localhost:7545"

/* Where a setting came from (printed by `config`). */
typedef enum { CLI_SRC_DEFAULT = 0, CLI_SRC_CONFIG, CLI_SRC_ENV, CLI_SRC_FLAG, CLI_SRC_NODE } cli_source;
const char *cli_source_name(cli_source s);

typedef struct {
    char *rpc_url;              /* owned */
    char *ws_url;               /* owned; derived from rpc_url when not set */
    int ws_derived;             /* 1: ws_url is rpc_url with http->ws */
    char *faas_address;         /* owned; NULL when nowhere given */
    char *taskmailbox_address;  /* owned; NULL when nowhere given */
    char *private_key_file;     /* owned; from the config file, resolved against its directory */
    char *aggregator_url;       /* owned; NULL when nowhere given (no status API to ask) */
    uint64_t chain_id;          /* 0: unknown (not in the config file) */
    cli_source src_rpc, src_ws, src_faas, src_mailbox, src_chain_id, src_aggregator;
    char *config_path;          /* owned; the file consulted */
    int config_found;           /* 1: it existed and was read */
} cli_config;

/* The config file path: args' --config / FAAS_CONFIG, else
 * $FAAS_HOME/config.json with FAAS_HOME defaulting to ~/.faas.
 * Caller frees. NULL when out of memory. */
char *cli_config_path(const cli_args *a);

/* Resolves every setting with precedence flag > environment > config file >
 * default, and checks that given addresses are 20-byte hex and URLs are
 * http(s):// (rpc, aggregator) or ws(s):// (ws). A missing config file is fine; a
 * malformed one is CLI_ERR_CONFIG naming the file and the field. Free c with
 * cli_config_free, also after a failure. */
cli_err cli_config_load(cli_config *c, const cli_args *a, cli_diag *d);
void cli_config_free(cli_config *c);

/* "http://x" -> "ws://x", "https://x" -> "wss://x" (the seed's rule).
 * Caller frees; NULL when url is not http(s) or out of memory. */
char *cli_config_derive_ws(const char *url);

/* The private key as text, from --private-key, --private-key-file,
 * FAAS_PRIVATE_KEY, FAAS_PRIVATE_KEY_FILE, or the config file's
 * private_key_file, in that order. *hex (caller wipes and frees with
 * cli_secret_free) holds the key text with surrounding whitespace removed.
 * Missing everywhere is CLI_ERR_KEY with a message naming the ways to give
 * one; an unreadable key file is CLI_ERR_KEY naming the file. The key's
 * syntax is not checked here. *where names the source, for messages. */
cli_err cli_config_key_text(char **hex, const char **where, const cli_args *a, const cli_config *c, cli_diag *d);
/* Wipes and frees a secret string from cli_config_key_text. NULL is fine. */
void cli_secret_free(char *s);

/* ------------------------------------------------------------------------ */
/* INI files (the AWS CLI's ~/.aws/credentials and ~/.aws/config)            */

/* Finds `key` in `[section]` of the INI text (n bytes, need not be
 * NUL-terminated). Section and key names compare exactly after trimming
 * spaces; values are trimmed; '#' and ';' start comment lines. Returns a
 * fresh string (caller frees), or NULL when absent or out of memory. */
char *cli_ini_get(const char *text, size_t n, const char *section, const char *key);

/* ------------------------------------------------------------------------ */
/* Function packages                                                          */

typedef enum { CLI_RUNTIME_JS = 0, CLI_RUNTIME_PYTHON } cli_runtime;

typedef struct {
    cli_runtime runtime;
    const char *runtime_name;   /* "javascript" | "python" (static) */
    const char *entry;          /* "index.js" | "handler.py" (static) */
} cli_manifest;

/* Caps on what validation reads: the largest manifest.json and entry file. */
#define CLI_PKG_MAX_MANIFEST ((size_t)64 << 10)
#define CLI_PKG_MAX_ENTRY_FILE ((size_t)8 << 20)

/* Checks dir before anything is built or sent (SPEC §3 "Function bundle"):
 * a directory with manifest.json {"runtime": "javascript"|"python"}, the
 * runtime's entry file (index.js / handler.py), and in it a handler (a cheap
 * static check: JS assigns exports.handler / module.exports with a handler,
 * Python defines `def handler(`). Fills *m. Failures are CLI_ERR_MANIFEST
 * (no manifest, bad JSON, unknown runtime) or CLI_ERR_BUNDLE (no entry file,
 * no handler) with a message saying what to fix. */
cli_err cli_pkg_validate(const char *dir, cli_manifest *m, cli_diag *d);

/* Where cli_pkg_build reports what it runs (NULL: quiet). verbose: also
 * stream the installers' output there. */
typedef struct {
    FILE *log;
    int verbose;
} cli_pkg_opts;

/* Builds the bundle of dir, the way deploy-function sends it:
 *  1. dir is copied into a fresh temporary directory, leaving out `.git`,
 *     `__pycache__` and `node_modules/.bin` (npm's command shims); a symlink
 *     to a regular file inside dir is copied as that file; any other symlink,
 *     a device, FIFO or socket is CLI_ERR_BUNDLE naming the path;
 *  2. unless skip_deps, dependencies are installed in the copy (seed
 *     "Dependencies"): `npm ci --omit=dev` with a package-lock.json, else
 *     `npm install --omit=dev`, for package.json; `pip3 install -r
 *     requirements.txt --target .` for requirements.txt, which may carry
 *     pip's own options such as --no-index and --find-links for offline
 *     installs. A failing installer is CLI_ERR_DEPS with its most telling
 *     output line;
 *  3. the copy is packed with bundle_pack_dir (bundle.h): sorted entries,
 *     mtime 0, owner 0, normalised modes, no gzip timestamp, so the same
 *     source always gives the same bytes and so the same function id;
 *  4. the tarball is checked exactly as an operator checks it before running
 *     it (bundle_cache_add into a temporary cache: limits, paths, manifest,
 *     entry file); a refusal is CLI_ERR_BUNDLE with the reason.
 * On success *tar (caller frees) holds *n bytes. The user's directory is
 * never modified. */
cli_err cli_pkg_build(uint8_t **tar, size_t *n, const char *dir, int skip_deps, const cli_pkg_opts *o,
                      cli_diag *d);

/* The function id: keccak-256 of the tarball bytes (SPEC §3). */
void cli_pkg_function_id(uint8_t id[32], const uint8_t *tarball, size_t n);

/* ------------------------------------------------------------------------ */
/* S3                                                                         */

typedef struct {
    char *bucket;   /* owned */
    char *prefix;   /* owned; "" or ending in '/' */
} cli_s3_location;

/* Parses "s3://bucket[/prefix[/]]". The prefix gets a trailing '/' when it
 * has none. Bucket names follow S3's rules (3-63 chars of [a-z0-9.-]).
 * CLI_ERR_USAGE on anything else. Free with cli_s3_location_free. */
cli_err cli_s3_parse_url(cli_s3_location *loc, const char *url, cli_diag *d);
void cli_s3_location_free(cli_s3_location *loc);

typedef struct {
    char *access_key_id;        /* owned */
    char *secret_access_key;    /* owned, wiped on free */
    char *session_token;        /* owned, wiped on free; NULL when none */
    char *region;               /* owned */
    const char *source;         /* static: "environment", "credentials file", "config file" */
} cli_aws_creds;

/* Resolves credentials the way the AWS CLI does: AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) from the environment, else the
 * profile AWS_PROFILE (or AWS_DEFAULT_PROFILE, or "default") in
 * AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials), else in AWS_CONFIG_FILE
 * (~/.aws/config, section "[profile NAME]" or "[default]"). Region:
 * AWS_REGION, AWS_DEFAULT_REGION, the profile's `region` in the config file,
 * else "us-east-1". None found is CLI_ERR_S3_DENIED saying where it looked.
 * Free with cli_aws_creds_free. */
cli_err cli_aws_creds_resolve(cli_aws_creds *c, cli_diag *d);
void cli_aws_creds_free(cli_aws_creds *c);

/* The object key for a function: prefix + "0x<id hex>.tar.gz" (the seed's naming). */
char *cli_s3_object_key(const cli_s3_location *loc, const uint8_t id[32]);

/* The URLs of an object: where it is PUT and where operators GET it (the
 * same URL). With endpoint (e.g. "http://127.0.0.1:4568", an S3-compatible
 * store) path-style "<endpoint>/<bucket>/<key>"; without, AWS's
 * virtual-hosted "https://<bucket>.s3.<region>.amazonaws.com/<key>"
 * (path-style on s3.<region>.amazonaws.com for bucket names with dots).
 * The key is percent-encoded as SigV4 requires. Caller frees. */
char *cli_s3_object_url(const cli_s3_location *loc, const char *key, const char *region, const char *endpoint);

/* PUTs body to url signed with AWS Signature Version 4 (libcurl's
 * CURLOPT_AWS_SIGV4, with x-amz-content-sha256 set to the body's SHA-256 so
 * the payload is signed too). HTTP 403 is CLI_ERR_S3_DENIED, other failures
 * CLI_ERR_S3; both carry S3's error code and message when it sent one. */
cli_err cli_s3_put(const char *url, const cli_aws_creds *c, const uint8_t *body, size_t n, const char *content_type,
                   cli_diag *d);

/* GETs url (http or https) without credentials, as operators download a
 * bundle (and as call-function asks the aggregator), into out (appended, up
 * to out's cap: CLI_ERR_BUNDLE beyond), giving up after timeout_ms (0: ten
 * minutes). HTTP errors are CLI_ERR_S3 with S3's code and message when it
 * sent them. */
cli_err cli_http_get(const char *url, long timeout_ms, eth_buf *out, cli_diag *d);

/* Extracts <Code> and <Message> from an S3 XML error body into code/msg
 * (each cap bytes, NUL-terminated, "" when absent). Never fails. */
void cli_s3_error_fields(const char *body, size_t n, char *code, char *msg, size_t cap);

/* ------------------------------------------------------------------------ */
/* Output                                                                     */

/* Text mode prints the seed's lines as the command progresses; JSON mode
 * (--json) collects the same facts as members of one object printed at the
 * end, so scripts read one document from stdout. */
typedef struct {
    int json;
    json_t *obj;    /* JSON mode: the document being built (owned) */
    FILE *out;      /* where text lines and the final document go (borrowed) */
} cli_out;

void cli_out_init(cli_out *o, int json, FILE *out);
/* Text mode: prints the formatted line (a '\n' is added). JSON mode: nothing. */
void cli_out_text(cli_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets key to value (reference stolen; NULL is ignored) in JSON mode, and in
 * text mode prints the formatted line when fmt is not NULL. */
void cli_out_field(cli_out *o, const char *key, json_t *value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Ends the command: on success prints the JSON document (JSON mode); on
 * failure prints "Error: <msg>" to err (text mode) or {"error": msg, "code":
 * name, ...facts so far} to out (JSON mode). Frees o's state and returns
 * the exit status for the result. */
int cli_out_finish(cli_out *o, const cli_diag *d, cli_err e, FILE *err);

/* ------------------------------------------------------------------------ */
/* The chain: the FaaS contract and the TaskMailbox through libeth            */

/* What a command needs from cli_chain_open. */
enum {
    CLI_NEED_KEY = 1,       /* a signing key and client (transactions) */
    CLI_NEED_FAAS = 2,      /* the FaaS contract address */
    CLI_NEED_MAILBOX = 4,   /* the TaskMailbox address (configured, or FaaS.taskMailbox()) */
};

/* Transaction receipts are awaited this long before CLI_ERR_TIMEOUT. */
#define CLI_RECEIPT_TIMEOUT_MS 120000L

typedef struct {
    cli_config cfg;
    eth_rpc *rpc;           /* owned */
    eth_client *client;     /* owned; NULL without CLI_NEED_KEY */
    eth_address faas;       /* valid with CLI_NEED_FAAS */
    eth_address mailbox;    /* valid with CLI_NEED_MAILBOX */
    uint64_t chain_id;      /* known with CLI_NEED_KEY */
} cli_chain;

/* The signing key (cli_config_key_text, parsed with eth_key_from_hex): a
 * malformed key is CLI_ERR_KEY naming where it came from, never echoing it.
 * The caller wipes *k (eth_key_wipe). */
cli_err cli_chain_load_key(eth_key *k, const cli_args *a, const cli_config *c, cli_diag *d);

/* Resolves the configuration, and per `needs` the key (parsed with
 * eth_key_from_hex: a malformed key is CLI_ERR_KEY naming where it came from,
 * never echoing it), the contract addresses (missing: CLI_ERR_CONFIG saying
 * how to give one), and connects: the node must answer eth_chainId
 * (CLI_ERR_RPC "cannot reach the Ethereum node at …" otherwise) and agree
 * with the config file's chain_id when the node is the file's. Free with
 * cli_chain_close, also after a failure. */
cli_err cli_chain_open(cli_chain *ch, const cli_args *a, unsigned needs, cli_diag *d);
void cli_chain_close(cli_chain *ch);

/* eth_call of fn_signature(args) on `to`, return data decoded as
 * ret_types; *out (caller decrefs) is the JSON array of values. A revert is
 * mapped by cli_chain_error. args may be NULL (no arguments). */
cli_err cli_chain_view(cli_chain *ch, json_t **out, const eth_address *to, const char *fn_signature, json_t *args,
                       const char *ret_types, cli_diag *d);

/* Sends fn_signature(args) to `to`, printing the seed's "Transaction sent:"
 * and "Waiting for confirmation..." lines, and waits for the receipt
 * (rc, caller frees with eth_receipt_free). A mined revert is CLI_ERR_CHAIN
 * (or the mapped error) with the reason. */
cli_err cli_chain_send(cli_chain *ch, eth_receipt *rc, const eth_address *to, const char *fn_signature, json_t *args,
                       cli_out *o, cli_diag *d);

/* Prints the seed's cost lines for a receipt: "Gas used: N", "Gas price:
 * X.XX gwei", "Transaction cost: X.XXXXXX ETH" (JSON: gas_used,
 * gas_price_wei, cost_wei as decimal strings). */
void cli_chain_print_costs(cli_out *o, const eth_receipt *rc);

/* Turns a libeth failure into the user's one line: unreachable node
 * (CLI_ERR_RPC), insufficient funds (CLI_ERR_CHAIN), "Function not found"
 * (CLI_ERR_NOT_FOUND), other reverts with their reason (CLI_ERR_CHAIN),
 * timeouts (CLI_ERR_TIMEOUT). `what` says what was being done ("calling
 * getFunction"), `detail` is libeth's detail message (may be NULL). */
cli_err cli_chain_error(cli_chain *ch, eth_err e, const char *what, const char *detail, cli_diag *d);

/* Parses a 32-byte id ("0x" + 64 hex digits) given as `what` ("function
 * id"); CLI_ERR_USAGE otherwise. */
cli_err cli_parse_id(uint8_t id[32], const char *text, const char *what, cli_diag *d);

/* ------------------------------------------------------------------------ */
/* Task results                                                               */

/* The result envelope operators sign (SPEC §3 "Result bytes"):
 * {"payload": <value>, "error": null|"<message>"}, where a payload of exactly
 * {"result": <value>, "logs": [strings]} carries captured console output. */
typedef struct {
    json_t *value;      /* the function's return value (owned); NULL on error */
    json_t *logs;       /* array of strings (owned); NULL when none */
    char *error;        /* owned; NULL when the function succeeded */
} cli_result;

/* Parses result bytes. Anything that is not such an envelope (not JSON, not
 * an object, wrong member types) is CLI_ERR_FUNCTION with a message saying
 * so; r is then empty. Free with cli_result_free. */
cli_err cli_result_parse(cli_result *r, const uint8_t *bytes, size_t n, cli_diag *d);
void cli_result_free(cli_result *r);
/* Prints r as the seed does: "Function Logs:" with each line indented (when
 * any), then "Function Result:" and the value as 2-space indented JSON, or
 * "Function Error: <message>". */
void cli_result_print(FILE *f, const cli_result *r);

/* Reports result bytes through o: printed as above (text), or as members
 * "result", "logs", "error" (JSON). A function's error is CLI_ERR_FUNCTION
 * ("the function returned an error: …", exit status 3); bytes that are not
 * an envelope are CLI_ERR_FUNCTION too, saying so. */
cli_err cli_result_report(cli_out *o, const uint8_t *bytes, size_t n, cli_diag *d);

/* The largest input a call carries (the performer's cap on task inputs). */
#define CLI_MAX_INPUT ((size_t)4 << 20)

/* The input bytes of call-function / invoke: the positional argument at
 * index pos, or --input-file FILE (binary allowed), where "-" (as either)
 * reads stdin. Exactly one source: CLI_ERR_USAGE otherwise; unreadable or
 * larger than CLI_MAX_INPUT is CLI_ERR_IO. *buf (caller frees) holds *n
 * bytes. */
cli_err cli_read_input(uint8_t **buf, size_t *n, const cli_args *a, size_t pos, cli_diag *d);

/* ------------------------------------------------------------------------ */
/* Commands: each runs one parsed command line, reporting through o; the
 * caller (cli_main) prints the error and picks the exit status.            */

typedef cli_err (*cli_command_fn)(const cli_args *a, cli_out *o, cli_diag *d);

cli_err cli_cmd_deploy(const cli_args *a, cli_out *o, cli_diag *d);
cli_err cli_cmd_package(const cli_args *a, cli_out *o, cli_diag *d);
cli_err cli_cmd_config(const cli_args *a, cli_out *o, cli_diag *d);
cli_err cli_cmd_get(const cli_args *a, cli_out *o, cli_diag *d);
cli_err cli_cmd_list(const cli_args *a, cli_out *o, cli_diag *d);
cli_err cli_cmd_invoke(const cli_args *a, cli_out *o, cli_diag *d);
cli_err cli_cmd_call(const cli_args *a, cli_out *o, cli_diag *d);
cli_err cli_cmd_task(const cli_args *a, cli_out *o, cli_diag *d);
cli_err cli_cmd_keys(const cli_args *a, cli_out *o, cli_diag *d);
cli_err cli_cmd_init(const cli_args *a, cli_out *o, cli_diag *d);

/* ------------------------------------------------------------------------ */
/* Entry point                                                                */

/* Runs faas-cli with argv; returns the process exit status. */
int cli_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
