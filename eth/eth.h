/* eth.h - libeth: the Ethereum client library of FaaS AVS.
 *
 * What a go-ethereum or `cast` user expects, in C: hex, Keccak-256, RLP,
 * Solidity ABI, secp256k1 keys and addresses, legacy/EIP-155 and EIP-1559
 * transactions, JSON-RPC over HTTP(S), log subscriptions over WS(S).
 *
 * Conventions (every function below follows them):
 * - Prefix per module: eth_hex_, eth_keccak_, eth_u256_, eth_buf_, eth_rlp_,
 *   eth_abi_, eth_key_, eth_tx_, eth_json_, eth_rpc_, eth_log_, eth_receipt_,
 *   eth_client_, eth_sub_.
 * - Fallible functions return eth_err (ETH_OK == 0); eth_strerror() gives a
 *   one-line message for each code. Functions that talk to a node also keep a
 *   detailed message (e.g. the node's RPC error text) in the object they act on.
 * - Argument order: object acted on, outputs, inputs; a length follows its pointer.
 * - Ownership: stated at each function. "caller frees" means with the named
 *   _free function (or free() for plain strings); json_t results are owned
 *   references the caller json_decref()s.
 * - Growable buffers (eth_buf) carry a cap; exceeding it is ETH_ERR_TOO_BIG.
 * - Secrets (private keys) are wiped (eth_wipe) when the holder is done.
 *
 * Byte order: all 256-bit integers are big-endian 32-byte arrays, as on the EVM.
 */
#ifndef FAAS_ETH_H
#define FAAS_ETH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ETH_WARN_UNUSED __attribute__((warn_unused_result))

/* ------------------------------------------------------------------------ */
/* Errors                                                                     */

typedef enum {
    ETH_OK = 0,
    ETH_ERR_ARG,        /* invalid argument (API misuse or bad user value) */
    ETH_ERR_NOMEM,      /* out of memory */
    ETH_ERR_TOO_BIG,    /* a buffer or input exceeded its cap */
    ETH_ERR_HEX,        /* malformed hex string */
    ETH_ERR_RLP,        /* malformed or non-canonical RLP */
    ETH_ERR_ABI,        /* ABI type string or data does not parse */
    ETH_ERR_KEY,        /* invalid private key, public key or address */
    ETH_ERR_SIG,        /* signature invalid or not recoverable */
    ETH_ERR_JSON,       /* malformed JSON or unexpected JSON shape */
    ETH_ERR_TRANSPORT,  /* connection refused, reset, TLS or HTTP failure */
    ETH_ERR_RPC,        /* the node answered with a JSON-RPC error */
    ETH_ERR_REVERT,     /* the call or transaction reverted */
    ETH_ERR_TIMEOUT,    /* gave up waiting */
    ETH_ERR_NOT_FOUND,  /* no such transaction, receipt, block or log */
    ETH_ERR__COUNT
} eth_err;

/* Static one-line message for code e; never NULL. */
const char *eth_strerror(eth_err e);

/* Zeroes n bytes at p in a way the compiler may not elide (for secrets). */
void eth_wipe(void *p, size_t n);

/* ------------------------------------------------------------------------ */
/* Growable byte buffer with a cap                                            */

typedef struct {
    uint8_t *data;  /* owned; NULL while empty */
    size_t len;
    size_t cap;     /* allocated */
    size_t max;     /* hard cap: appends beyond it fail with ETH_ERR_TOO_BIG */
} eth_buf;

#define ETH_BUF_MAX_DEFAULT ((size_t)64 << 20) /* 64 MiB: larger than any block */

/* Starts an empty buffer that may grow to max bytes (0: ETH_BUF_MAX_DEFAULT). */
void eth_buf_init(eth_buf *b, size_t max);
/* Frees the storage; the buffer is empty and reusable afterwards. */
void eth_buf_free(eth_buf *b);
ETH_WARN_UNUSED eth_err eth_buf_append(eth_buf *b, const void *p, size_t n);
ETH_WARN_UNUSED eth_err eth_buf_append_zeros(eth_buf *b, size_t n);

/* ------------------------------------------------------------------------ */
/* Hex                                                                        */

/* Decodes hex (optional "0x"/"0X" prefix; even number of digits; upper or
 * lower case) into out, which holds out_cap bytes; *out_len gets the length.
 * Anything else (odd length, non-hex char, too long) is ETH_ERR_HEX / TOO_BIG. */
ETH_WARN_UNUSED eth_err eth_hex_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *hex, size_t hex_len);
/* Decodes hex that must be exactly n bytes (e.g. a 20-byte address, a 32-byte hash). */
ETH_WARN_UNUSED eth_err eth_hex_decode_exact(uint8_t *out, size_t n, const char *hex);
/* Decodes hex of any length into a fresh buffer; caller frees *out with free(). */
ETH_WARN_UNUSED eth_err eth_hex_decode_alloc(uint8_t **out, size_t *out_len, const char *hex, size_t hex_len);
/* Writes "0x" + 2n lowercase digits + NUL; out must hold 2n+3 bytes. Returns out. */
char *eth_hex_encode(char *out, const uint8_t *in, size_t n);
/* Same into a fresh string; caller frees with free(). NULL when out of memory. */
char *eth_hex_encode_alloc(const uint8_t *in, size_t n);
/* JSON-RPC QUANTITY ("0x0", "0x1a": no leading zeros) to/from uint64. */
ETH_WARN_UNUSED eth_err eth_hex_quantity_decode(uint64_t *out, const char *hex);
/* Writes the QUANTITY form of v; out must hold 19 bytes. Returns out. */
char *eth_hex_quantity_encode(char *out, uint64_t v);

/* ------------------------------------------------------------------------ */
/* Keccak-256 (the original Keccak padding 0x01, not FIPS-202 SHA3-256's 0x06) */

typedef struct {
    uint64_t st[25];
    size_t pos;     /* bytes absorbed into the current block */
} eth_keccak_ctx;

void eth_keccak256(uint8_t out[32], const void *in, size_t n);
void eth_keccak_init(eth_keccak_ctx *c);
void eth_keccak_update(eth_keccak_ctx *c, const void *in, size_t n);
void eth_keccak_final(eth_keccak_ctx *c, uint8_t out[32]);

/* ------------------------------------------------------------------------ */
/* 256-bit unsigned integers (wei amounts, fees), big-endian bytes            */

typedef struct {
    uint8_t b[32];
} eth_u256;

void eth_u256_from_u64(eth_u256 *r, uint64_t v);
/* Returns 1 and sets *v when r fits in 64 bits, else 0. */
int eth_u256_to_u64(const eth_u256 *r, uint64_t *v);
/* Parses decimal ("123") or hex ("0x7b"), leading zeros allowed. Signs,
 * spaces, other characters and empty digits are ETH_ERR_ARG; values of 2^256
 * or more are ETH_ERR_TOO_BIG. */
ETH_WARN_UNUSED eth_err eth_u256_parse(eth_u256 *r, const char *s);
/* Decimal digits + NUL; out must hold 79 bytes. Returns out. */
char *eth_u256_to_dec(char *out, const eth_u256 *a);
/* Formats a wei amount as ether with up to 18 decimals, trailing zeros cut
 * ("0.0021", "1"); out must hold 80 bytes. Returns out. */
char *eth_u256_to_ether(char *out, const eth_u256 *wei);
int eth_u256_cmp(const eth_u256 *a, const eth_u256 *b);
/* r = a + b; returns 1 on overflow (r then holds the low 256 bits). */
int eth_u256_add(eth_u256 *r, const eth_u256 *a, const eth_u256 *b);
/* r = a * m; returns 1 on overflow. */
int eth_u256_mul_u64(eth_u256 *r, const eth_u256 *a, uint64_t m);

/* ------------------------------------------------------------------------ */
/* RLP (Ethereum Yellow Paper, appendix B)                                    */

/* Encoding appends to an eth_buf (errors: ETH_ERR_TOO_BIG past its cap,
 * ETH_ERR_NOMEM). A list is written as
 *     size_t l; eth_rlp_list_begin(b, &l); ...put the items...; eth_rlp_list_end(b, l);
 * and lists nest. A list whose payload exceeds 55 bytes has its payload moved
 * once (by 1..8 bytes) when closed; shorter lists move nothing. */
ETH_WARN_UNUSED eth_err eth_rlp_put_bytes(eth_buf *b, const uint8_t *p, size_t n);
/* An unsigned integer: big-endian, leading zeros stripped, 0 as the empty string. */
ETH_WARN_UNUSED eth_err eth_rlp_put_u64(eth_buf *b, uint64_t v);
ETH_WARN_UNUSED eth_err eth_rlp_put_u256(eth_buf *b, const eth_u256 *v);
/* Starts a list; *begin gets the offset to pass to eth_rlp_list_end. */
ETH_WARN_UNUSED eth_err eth_rlp_list_begin(eth_buf *b, size_t *begin);
/* Closes the list started at begin (ETH_ERR_ARG if begin is not inside b). */
ETH_WARN_UNUSED eth_err eth_rlp_list_end(eth_buf *b, size_t begin);

/* Decoding is zero-copy: items point into the caller's input. Validation is
 * per level: eth_rlp_decode checks the outer item, eth_rlp_list_next each
 * item as the iteration reaches it (a consumer walks what it reads anyway). */
typedef struct {
    int is_list;
    const uint8_t *p;   /* payload (string bytes, or the list's concatenated items) */
    size_t len;         /* payload length */
    size_t enc_len;     /* length of the whole encoding, header included */
} eth_rlp_item;

/* Decodes exactly one item occupying all n bytes; rejects non-canonical
 * forms (single byte < 0x80 wrapped, long form for < 56 bytes, leading zeros
 * in lengths) and truncation. */
ETH_WARN_UNUSED eth_err eth_rlp_decode(eth_rlp_item *item, const uint8_t *p, size_t n);
/* Iterates a list: *off starts at 0; returns ETH_OK with the next item,
 * ETH_ERR_NOT_FOUND at the end, or an error on malformed input. */
ETH_WARN_UNUSED eth_err eth_rlp_list_next(const eth_rlp_item *list, size_t *off, eth_rlp_item *item);

/* ------------------------------------------------------------------------ */
/* Solidity ABI (docs.soliditylang.org, "Contract ABI Specification")         */

/* Types are written as in Solidity signatures: "uint256", "int8", "address",
 * "bool", "bytes32", "bytes", "string", "uint32[]", "bytes32[3]", and tuples
 * "(address,(address,uint32),bytes)", nested and in arrays "(uint256,bytes)[]".
 * "uint"/"int" mean uint256/int256. Not supported: fixedMxN, function, and the
 * zero-size types T[0] and () inside other types (Solidity rejects them too).
 * A list of types is written as a tuple: "(bytes32,bytes)" (any other type T
 * reads as the one-element list (T)). Components may carry names, and data
 * locations are ignored: "(bytes32 taskHash, bytes calldata result)".
 *
 * Values are jansson JSON values, as `cast abi-encode` takes them:
 *   uintN/intN : JSON integer, or string in decimal ("-5", "1000") or hex ("0x1f", "-0x1f")
 *   address    : "0x" + 40 hex digits (checksum verified when mixed case)
 *   bool       : true / false
 *   bytesN     : "0x" + exactly 2N hex digits
 *   bytes      : "0x…" hex string
 *   string     : JSON string (UTF-8)
 *   arrays and tuples: JSON arrays
 * Decoding yields the same shapes with canonical forms: integers as decimal
 * strings, addresses EIP-55 checksummed, bytes as lowercase "0x" hex.
 *
 * Errors: ETH_ERR_ABI for a type string that does not parse (or exceeds a cap
 * below), a value out of range for its type or of the wrong length (bytesN),
 * and data that is not a valid encoding; ETH_ERR_JSON for a value of the wrong
 * JSON kind or an array of the wrong length; ETH_ERR_HEX for malformed hex;
 * ETH_ERR_KEY for a malformed address or a wrong EIP-55 checksum;
 * ETH_ERR_TOO_BIG past ETH_ABI_MAX_DATA / ETH_ABI_MAX_VALUES or the output's cap. */

#define ETH_ABI_MAX_TYPE_LEN 4096           /* characters in a type string or declaration */
#define ETH_ABI_MAX_DEPTH 32                /* nesting of tuples and arrays, the list included: "((bool)[])" is 3 */
#define ETH_ABI_MAX_DATA ETH_BUF_MAX_DEFAULT /* bytes of ABI data decoded; also the largest static type */
#define ETH_ABI_MAX_VALUES ((size_t)1 << 20) /* values (elements, components) one decode may produce */

/* Appends abi.encode(values...) for the tuple type `types` to out; values is
 * a JSON array with one entry per component. On failure out is unchanged. */
ETH_WARN_UNUSED eth_err eth_abi_encode(eth_buf *out, const char *types, const json_t *values);
/* Decodes data as abi.encode(types); *out is a JSON array, caller decrefs.
 * Only the strict (canonical) encoding is accepted, as the ABI spec's "strict
 * encoding mode" defines it and Solidity produces it: every offset points
 * exactly where the previous tail ends, lengths stay within the data, and the
 * padding of addresses, bools, intN/uintN, bytesN, bytes and strings is clean.
 * Strings must be valid UTF-8. Bytes after the complete encoding are ignored,
 * as Solidity's decoder ignores them. Work and output are linear in n. */
ETH_WARN_UNUSED eth_err eth_abi_decode(json_t **out, const char *types, const uint8_t *data, size_t n);

/* keccak256(signature)[0..4] of the text as given, e.g. "submitResult(bytes32,bytes,bytes)". */
void eth_abi_selector(uint8_t out[4], const char *signature);
/* keccak256 of the event's canonical signature, e.g. of
 * "TaskVerified(address,bytes32,address,uint32,bytes,bytes)"; signature may
 * also be a declaration with names and "indexed" (as eth_abi_decode_log
 * takes), reduced to that form. Text that does not parse is hashed as given. */
void eth_abi_event_topic(uint8_t out[32], const char *signature);
/* Appends selector + abi.encode(args) to out. fn_signature is "name(type,...)",
 * parameter names allowed; the selector hashes its canonical form (names and
 * spaces dropped, uint -> uint256). args is a JSON array (NULL: no arguments).
 * On failure out is unchanged. */
ETH_WARN_UNUSED eth_err eth_abi_encode_call(eth_buf *out, const char *fn_signature, const json_t *args);

/* Decodes an event log. event_decl lists parameters with names and "indexed":
 * "TaskCreated(address indexed creator, bytes32 indexed taskHash, ...)".
 * Checks topics[0] against the canonical signature's topic (ETH_ERR_NOT_FOUND:
 * the log is another event) and the number of topics (ETH_ERR_ABI), then
 * returns an object {name: value} (unnamed parameters are "arg<i>", i its
 * position). Indexed parameters of up to 32 bytes are decoded from their
 * topic; indexed bytes, strings, arrays and tuples give the 32-byte topic hash
 * as hex. Anonymous events are not supported. Caller decrefs *out. */
ETH_WARN_UNUSED eth_err eth_abi_decode_log(json_t **out, const char *event_decl, const uint8_t (*topics)[32],
                                           size_t n_topics, const uint8_t *data, size_t n);

/* Describes revert data in one line, caller frees with free():
 *   Error(string)   -> the reason text, e.g. "Function not found" (control
 *                      bytes escaped as \xNN, cut after 512 bytes with "...")
 *   Panic(uint256)  -> "panic 0x11 (arithmetic underflow or overflow)"
 *   custom error    -> "Name(arg, ...)" when its declaration is in
 *                      custom_errors (NULL-terminated list of signatures such as
 *                      "InvalidTaskStatus(uint8,uint8)"), else "custom error 0x12345678"
 *   empty           -> "reverted without a reason"
 * Malformed data is described as such. NULL only when out of memory. */
char *eth_abi_describe_revert(const uint8_t *data, size_t n, const char *const *custom_errors);

/* ------------------------------------------------------------------------ */
/* Keys and addresses (secp256k1 via libsecp256k1)                            */

typedef struct {
    uint8_t addr[20];
} eth_address;

typedef struct {
    uint8_t secret[32];     /* wipe with eth_key_wipe */
    uint8_t pubkey[64];     /* uncompressed X || Y, no 0x04 prefix */
    eth_address address;    /* keccak256(pubkey)[12..32] */
} eth_key;

/* From 32 raw bytes; rejects 0 and values >= the curve order (ETH_ERR_KEY).
 * secret may point into k->secret. */
ETH_WARN_UNUSED eth_err eth_key_from_secret(eth_key *k, const uint8_t secret[32]);
/* From "0x…" or bare 64-hex-digit text; whitespace/newline at the end tolerated
 * (key files). Anything else is ETH_ERR_KEY. The text is not retained, and the
 * decoded copy is wiped; wiping the text is the caller's business. */
ETH_WARN_UNUSED eth_err eth_key_from_hex(eth_key *k, const char *hex);
/* A fresh random key from the kernel's CSPRNG (getrandom); ETH_ERR_KEY if it
 * cannot be read. */
ETH_WARN_UNUSED eth_err eth_key_generate(eth_key *k);
/* Zeroes the whole key (secret, public key, address). */
void eth_key_wipe(eth_key *k);

/* EIP-55 checksummed "0x…" text; out must hold 43 bytes. Returns out. */
char *eth_address_to_hex(char out[43], const eth_address *a);
/* Parses "0x" + 40 hex digits; all-lower/all-upper accepted, mixed case must
 * match the EIP-55 checksum (ETH_ERR_KEY otherwise). */
ETH_WARN_UNUSED eth_err eth_address_parse(eth_address *a, const char *text);

/* Recoverable ECDSA over a 32-byte hash (RFC 6979 nonces, low-s).
 * sig = r(32) || s(32) || recid(1, 0 or 1); add 27 for the v of eth_sign /
 * `cast wallet sign`. ETH_ERR_NOMEM if the secp256k1 context cannot be made. */
ETH_WARN_UNUSED eth_err eth_sign_hash(uint8_t sig[65], const eth_key *k, const uint8_t hash[32]);
/* The signer's address. ETH_ERR_SIG for r or s out of range, high s (EIP-2),
 * recid other than 0/1, or no recoverable key. */
ETH_WARN_UNUSED eth_err eth_recover_address(eth_address *out, const uint8_t hash[32], const uint8_t sig[65]);

/* ------------------------------------------------------------------------ */
/* Transactions                                                               */

typedef enum { ETH_TX_LEGACY = 0, ETH_TX_EIP1559 = 2 } eth_tx_type;

typedef struct {
    eth_tx_type type;
    uint64_t chain_id;          /* legacy: EIP-155 replay protection when != 0 */
    uint64_t nonce;
    uint64_t gas_limit;
    eth_u256 gas_price;         /* legacy */
    eth_u256 max_fee_per_gas;   /* EIP-1559 */
    eth_u256 max_priority_fee_per_gas;
    int has_to;                 /* 0: contract creation */
    eth_address to;
    eth_u256 value;
    const uint8_t *data;        /* borrowed */
    size_t data_len;
} eth_tx;

/* The hash that is signed: keccak256 of the EIP-155 legacy preimage
 * rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]) (chain_id 0: the
 * pre-EIP-155 six fields) or of
 * 0x02 || rlp([chainId, nonce, tip, maxFee, gas, to, value, data, accessList]).
 * The access list is always empty. ETH_ERR_ARG for an unknown type or NULL
 * data with a length. */
ETH_WARN_UNUSED eth_err eth_tx_signing_hash(uint8_t hash[32], const eth_tx *tx);
/* Signs tx with k and appends the raw transaction (what eth_sendRawTransaction
 * takes) to raw; tx_hash (may be NULL) gets keccak256 of it (the transaction
 * hash nodes report). Legacy v = recid + 35 + 2 * chainId (EIP-155), or 27 +
 * recid when chain_id is 0; EIP-1559 carries yParity = recid. On failure raw
 * is unchanged. */
ETH_WARN_UNUSED eth_err eth_tx_sign(eth_buf *raw, uint8_t tx_hash[32], const eth_tx *tx, const eth_key *k);

/* ------------------------------------------------------------------------ */
/* JSON-RPC values (ethereum.org "JSON-RPC API", hex value encoding)          */

/* Readers for the encodings nodes use inside JSON-RPC results. Each takes a
 * JSON value that may be NULL (a missing member: pass json_object_get(...))
 * and fails with ETH_ERR_JSON when it is missing, not a string, or holds an
 * embedded NUL; other codes come from the hex decoders.
 *   QUANTITY: "0x" + hex digits, no leading zeros ("0x0", "0x1a").
 *   DATA:     "0x" + an even number of hex digits. */
ETH_WARN_UNUSED eth_err eth_json_quantity(uint64_t *out, const json_t *v);
/* A QUANTITY of up to 256 bits (balances, fees). */
ETH_WARN_UNUSED eth_err eth_json_u256(eth_u256 *out, const json_t *v);
/* DATA of exactly n bytes (hashes, topics). */
ETH_WARN_UNUSED eth_err eth_json_fixed(uint8_t *out, size_t n, const json_t *v);
/* DATA of any length into a fresh buffer (caller frees with free(); NULL when empty). */
ETH_WARN_UNUSED eth_err eth_json_data(uint8_t **out, size_t *out_len, const json_t *v);
/* DATA of 20 bytes; any letter case accepted (nodes send lowercase). */
ETH_WARN_UNUSED eth_err eth_json_address(eth_address *out, const json_t *v);
/* Writers for request parameters: new JSON strings (caller decrefs; NULL when
 * out of memory): DATA "0x…" of n bytes, and QUANTITY of v. */
json_t *eth_json_from_data(const uint8_t *p, size_t n);
json_t *eth_json_from_quantity(uint64_t v);
json_t *eth_json_from_u256(const eth_u256 *v);

/* ------------------------------------------------------------------------ */
/* JSON-RPC over HTTP(S) (libcurl + jansson)                                  */

/* One eth_rpc holds one libcurl handle, so consecutive calls reuse the same
 * keep-alive connection. It is not thread-safe: use one eth_rpc per thread
 * (they share nothing). */
typedef struct eth_rpc eth_rpc;

typedef struct {
    long timeout_ms;        /* per attempt (connect + request + response); 0: 30000 */
    int retries;            /* extra attempts after a transport error (never after an
                             * answer from the node); 0: 2, <0: none */
    size_t max_response;    /* response size cap; 0: ETH_BUF_MAX_DEFAULT */
    const char *const *custom_errors; /* NULL-terminated custom error signatures used to
                             * describe reverts (see eth_abi_describe_revert);
                             * borrowed, must outlive the eth_rpc; may be NULL */
    const char *ca_file;    /* https: PEM file of the CAs to trust (a private node's
                             * own certificate); NULL: the system's CAs. Copied. */
} eth_rpc_opts;

/* Longest detail message kept by eth_rpc_last_error (longer ones are cut). */
#define ETH_RPC_ERROR_MAX 1024

/* Creates a client for url (http:// or https://); opts may be NULL.
 * Caller frees with eth_rpc_free. NULL when out of memory or url is not http(s).
 * Creating does not connect. */
eth_rpc *eth_rpc_new(const char *url, const eth_rpc_opts *opts);
void eth_rpc_free(eth_rpc *r);
/* The detailed message of the last failure on r (node's error text, curl's
 * message, ...), one line. Valid until the next call on r; "" after success. */
const char *eth_rpc_last_error(const eth_rpc *r);
/* For ETH_ERR_RPC / ETH_ERR_REVERT: the node's error code (0 if none) and its
 * "data" member (revert bytes as "0x…" hex; other JSON as compact text),
 * borrowed, valid until the next call on r; NULL if none. */
int eth_rpc_last_error_code(const eth_rpc *r);
const char *eth_rpc_last_error_data(const eth_rpc *r);

/* Calls method with params, a JSON array whose reference is stolen (also on
 * failure). NULL params, what a failed json_pack() gives, is ETH_ERR_NOMEM, so
 * eth_rpc_call(r, &res, "m", json_pack(...)) needs no check of its own.
 * *result (caller decrefs) is the "result" member, possibly JSON null. Errors:
 *   ETH_ERR_TRANSPORT  no answer (refused, reset, TLS, timeout, HTTP status
 *                      other than 200 without a JSON-RPC body), after the retries
 *   ETH_ERR_TOO_BIG    the response exceeded max_response (not retried)
 *   ETH_ERR_JSON       the answer is not a JSON-RPC 2.0 response to this request
 *   ETH_ERR_RPC        the node answered with an error object (code, message, data)
 *   ETH_ERR_REVERT     that error object reports a revert (code 3 or "execution
 *                      reverted"); eth_rpc_last_error is "execution reverted: "
 *                      + the reason decoded from the data (Error(string), Panic,
 *                      custom errors of opts.custom_errors)
 * A request that timed out may have reached the node: a retry re-sends it,
 * which is harmless for reads and for eth_sendRawTransaction (same bytes). */
ETH_WARN_UNUSED eth_err eth_rpc_call(eth_rpc *r, json_t **result, const char *method, json_t *params);

/* A JSON-RPC error object as a node sent it. */
typedef struct {
    int code;
    char *message;  /* owned; "" when the node sent none */
    char *data;     /* owned; "data" as a string (strings as is, other JSON compact); NULL if absent */
} eth_rpc_error;
void eth_rpc_error_free(eth_rpc_error *e);

/* Parses a JSON-RPC 2.0 response msg (untrusted) to the request with id.
 * ETH_OK: *result (caller decrefs) is the "result" member.
 * ETH_ERR_RPC: the node's error object is in *err (caller frees with
 *   eth_rpc_error_free; zeroed otherwise).
 * ETH_ERR_JSON: not an object, "jsonrpc" not "2.0", id missing or different,
 *   not exactly one of result/error, or a malformed error object.
 * eth_rpc_call uses it; WS clients and fuzzers use it directly. */
ETH_WARN_UNUSED eth_err eth_rpc_parse_response(json_t **result, eth_rpc_error *err, const json_t *msg,
                                               json_int_t id);

ETH_WARN_UNUSED eth_err eth_rpc_chain_id(eth_rpc *r, uint64_t *out);
ETH_WARN_UNUSED eth_err eth_rpc_block_number(eth_rpc *r, uint64_t *out);
/* Balance in wei at "latest". */
ETH_WARN_UNUSED eth_err eth_rpc_get_balance(eth_rpc *r, eth_u256 *out, const eth_address *a);
/* eth_call at "latest" (from may be NULL); *out (caller frees with free();
 * NULL when empty) holds the return data.
 * A revert is ETH_ERR_REVERT with the described reason in eth_rpc_last_error
 * and the raw revert bytes in eth_rpc_last_error_data. */
ETH_WARN_UNUSED eth_err eth_rpc_eth_call(eth_rpc *r, uint8_t **out, size_t *out_len, const eth_address *from,
                                         const eth_address *to, const uint8_t *data, size_t n);

/* A log as nodes report it. */
typedef struct {
    eth_address address;
    uint8_t topics[4][32];
    size_t n_topics;
    uint8_t *data;          /* owned by the log; NULL when data_len == 0 */
    size_t data_len;
    uint64_t block_number;
    uint8_t block_hash[32];
    uint8_t tx_hash[32];
    uint64_t tx_index;
    uint64_t log_index;
    int removed;            /* 1 when a reorg removed it */
} eth_log;

/* Parses one log object as returned by eth_getLogs / eth_subscribe. Strict:
 * address, topics (0..4), data, blockNumber, blockHash, transactionHash,
 * transactionIndex and logIndex must be present and well-formed (pending logs
 * with null positions are rejected); "removed", when present, must be a bool.
 * ETH_ERR_JSON otherwise (ETH_ERR_NOMEM aside); *log is then empty (safe to free). */
ETH_WARN_UNUSED eth_err eth_log_from_json(eth_log *log, const json_t *obj);
void eth_log_free(eth_log *log);

/* Which logs: addresses (any of, n_addresses == 0: all) and topic0 (any of,
 * n_topic0 == 0: all). Enough for our consumers; more topics filter in code.
 * The arrays are borrowed for the duration of each call that takes the filter. */
typedef struct {
    const eth_address *addresses;
    size_t n_addresses;
    const uint8_t (*topic0)[32];
    size_t n_topic0;
} eth_log_filter;

/* The filter as JSON-RPC wants it: {"address": [...], "topics": [[...]]},
 * members left out when unconstrained; f may be NULL (every log). A new
 * object (caller decrefs; NULL when out of memory) to which eth_getLogs
 * callers add fromBlock/toBlock. */
json_t *eth_log_filter_json(const eth_log_filter *f);

/* Blocks per eth_getLogs request; halved (down to 1) while the node answers
 * that a range or its result set is too large. */
#define ETH_RPC_LOGS_CHUNK 2000

/* eth_getLogs over [from_block, to_block] (inclusive), split into chunks a node
 * accepts. *logs (caller frees with eth_logs_free; NULL when none) in chain
 * order (block number, then log index). f may be NULL (every log).
 * A log outside the requested range is ETH_ERR_JSON. */
ETH_WARN_UNUSED eth_err eth_rpc_get_logs(eth_rpc *r, eth_log **logs, size_t *n_logs, const eth_log_filter *f,
                                         uint64_t from_block, uint64_t to_block);
void eth_logs_free(eth_log *logs, size_t n);

typedef struct {
    uint8_t tx_hash[32];
    int status;             /* 1 success, 0 reverted */
    uint64_t block_number;
    uint8_t block_hash[32];
    uint64_t gas_used;
    eth_u256 effective_gas_price; /* 0 when the node omits it (pre-London) */
    int has_contract_address;
    eth_address contract_address;
    eth_log *logs;          /* owned by the receipt */
    size_t n_logs;
} eth_receipt;

/* Parses a receipt object (eth_getTransactionReceipt's result). Strict like
 * eth_log_from_json; "status" is required (post-Byzantium receipts). *rc is
 * empty (safe to free) on failure. */
ETH_WARN_UNUSED eth_err eth_receipt_from_json(eth_receipt *rc, const json_t *obj);
/* ETH_ERR_NOT_FOUND while the transaction is pending or unknown.
 * Free with eth_receipt_free. */
ETH_WARN_UNUSED eth_err eth_rpc_get_receipt(eth_rpc *r, eth_receipt *out, const uint8_t tx_hash[32]);
void eth_receipt_free(eth_receipt *rc);

/* ------------------------------------------------------------------------ */
/* Client: an RPC connection plus a signing key, with nonce management        */

/* Like eth_rpc, an eth_client is used by one thread at a time. */
typedef struct eth_client eth_client;

/* Takes a copy of key (wiped on free); rpc is borrowed and must outlive the
 * client. Learns the chain id (an RPC failure is returned, detail in
 * eth_rpc_last_error). Caller frees with eth_client_free. */
ETH_WARN_UNUSED eth_err eth_client_new(eth_client **out, eth_rpc *rpc, const eth_key *key);
void eth_client_free(eth_client *c);
const eth_address *eth_client_address(const eth_client *c);
uint64_t eth_client_chain_id(const eth_client *c);

typedef struct {
    uint64_t gas_limit;         /* 0: eth_estimateGas, plus gas_margin_pct */
    unsigned gas_margin_pct;    /* 0: 20 */
    int legacy;                 /* 1: legacy EIP-155 tx with eth_gasPrice */
    const eth_u256 *value;      /* NULL: 0 */
    const eth_u256 *max_fee;    /* NULL: from the node; legacy: the gas price,
                                 * EIP-1559: maxFeePerGas */
    const eth_u256 *priority_fee; /* EIP-1559 tip; NULL: from the node */
} eth_send_opts;

/* Percentile of eth_feeHistory rewards taken as the tip, over this many blocks. */
#define ETH_CLIENT_FEE_BLOCKS 10
#define ETH_CLIENT_FEE_PERCENTILE 50

/* Builds, signs and sends a transaction to `to` (NULL: contract creation);
 * opts may be NULL. tx_hash gets the transaction hash.
 * Nonces come from a local counter seeded by eth_getTransactionCount("pending"),
 * so many transactions may be in flight; a nonce error ("nonce too low",
 * "replacement transaction underpriced", ...) resyncs and retries once, and a
 * send whose fate is unknown (transport error) resyncs before the next one.
 * Fees: EIP-1559 from eth_feeHistory: baseFee of the next block and, as tip,
 * the median ETH_CLIENT_FEE_PERCENTILE reward of recent non-empty blocks
 * (eth_maxPriorityFeePerGas when all were empty); maxFee = 2*baseFee + tip,
 * as go-ethereum's bind does. Legacy: eth_gasPrice.
 * Estimation reverts are ETH_ERR_REVERT with the reason in eth_client_last_error;
 * the node's other refusals are ETH_ERR_RPC with its message. */
ETH_WARN_UNUSED eth_err eth_client_send(eth_client *c, uint8_t tx_hash[32], const eth_address *to,
                                        const uint8_t *data, size_t n, const eth_send_opts *opts);
/* Polls for the receipt (interval growing from 50 ms to 1 s) until timeout_ms:
 * ETH_ERR_TIMEOUT then, and the nonce counter is re-read before the next send
 * (the transaction may have been dropped). A reverted transaction still yields
 * ETH_OK with rc->status == 0 (use eth_client_revert_reason to learn why). */
ETH_WARN_UNUSED eth_err eth_client_wait_receipt(eth_client *c, eth_receipt *rc, const uint8_t tx_hash[32],
                                                long timeout_ms);
/* Why a mined transaction failed: replays it with eth_call (same sender, to,
 * value, data and gas) on the state of the block before its own, and
 * describes the revert like eth_rpc_call does. Transactions earlier in the
 * same block are not replayed, so a failure that depended on them may replay
 * differently; then, and for a transaction that used all its gas, *reason
 * says so. *reason (caller frees with free()) is one line.
 * ETH_ERR_NOT_FOUND for an unknown or pending transaction. */
ETH_WARN_UNUSED eth_err eth_client_revert_reason(eth_client *c, char **reason, const uint8_t tx_hash[32]);
/* Forgets the nonce counter: the next send re-reads it from the node. For
 * when the caller knows transactions were dropped (a node restart, a reorg). */
void eth_client_resync_nonce(eth_client *c);
/* Detail of the last failure on c (one line; "" after success). */
const char *eth_client_last_error(const eth_client *c);

/* ------------------------------------------------------------------------ */
/* Log subscriptions over WS(S) with reconnect and catch-up                   */

typedef struct eth_sub eth_sub;

/* Called on the subscription's own thread for each log, once, in order.
 * The log is borrowed for the duration of the call. A log with removed == 1
 * retracts one delivered earlier (chain reorganisation); it comes at most
 * once, and only for a log that was delivered. The callback must not call
 * eth_sub_free on its own subscription; while it runs, no log is read. */
typedef void (*eth_sub_log_cb)(void *user, const eth_log *log);

typedef struct {
    const char *ws_url;         /* ws:// or wss:// (copied) */
    const char *rpc_url;        /* http(s) URL for eth_getLogs catch-up (copied) */
    eth_log_filter filter;      /* copied */
    uint64_t from_block;        /* deliver logs from here on (catch-up first); 0: from the head */
    long reconnect_max_ms;      /* backoff ceiling; 0: 2000 */
    const char *ca_file;        /* wss/https: PEM CAs to trust; NULL: the system's (copied) */
    eth_sub_log_cb on_log;
    void *user;
} eth_sub_opts;

/* Caps: one WS message (a notification carries one log), and logs held back
 * while a catch-up runs. Past either the connection is dropped and the gap is
 * closed with eth_getLogs instead. */
#define ETH_SUB_MAX_MESSAGE ((size_t)16 << 20)
#define ETH_SUB_MAX_PENDING 100000

/* Starts a background thread that subscribes with eth_subscribe("logs"),
 * delivers each matching log exactly once (deduplicated by block hash + log
 * index), and after a dropped connection reconnects, resubscribes and closes
 * the gap with eth_getLogs from the last delivered block. Each (re)connection
 * subscribes first and then catches up to the head, so no block falls between
 * the two. A silent connection is pinged after 10 s and dropped after 25 s
 * without an answer. Failures (node down, HTTP errors, malformed messages) are
 * retried with backoff (100 ms doubling to reconnect_max_ms) forever;
 * eth_sub_last_error tells the latest one. The thread owns its own lws context
 * and eth_rpc. Logs of blocks that a reorganisation replaced while the
 * connection was down are not retracted (no removed notification comes).
 * ETH_ERR_ARG for a bad URL or no callback; caller stops it with eth_sub_free. */
ETH_WARN_UNUSED eth_err eth_sub_start(eth_sub **out, const eth_sub_opts *opts);
/* Stops the thread and frees; no callback runs after it returns. Returns
 * promptly, except during a catch-up request (at most its 10 s timeout). */
void eth_sub_free(eth_sub *s);
/* Number of successful subscriptions (first + resubscriptions) so far. */
unsigned eth_sub_connections(const eth_sub *s);
/* Closes the current WS connection as if the network dropped it (for tests). */
void eth_sub_drop_connection(eth_sub *s);
/* Copies the latest connection or catch-up failure (one line, "" if none
 * since the last successful subscription) into buf of n bytes. */
void eth_sub_last_error(const eth_sub *s, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
