/* proto.c - the aggregator <-> executor protocol (see executor.h): the
 * EigenLayer digests, request and response digests and signatures, and the
 * strict JSON codec. */
#include "executor.h"

#include "svc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The EIP-712-style type strings whose keccak256 heads each digest. */
#define CERT_TYPE "BN254Certificate(uint32 referenceTimestamp,bytes32 messageHash)"
#define REQUEST_TYPE                                                                                      \
    "FaaSTaskRequest(uint256 chainId,address mailbox,bytes32 taskHash,address avs,uint32 operatorSetId," \
    "uint32 referenceTimestamp,uint64 taskBlock,bytes32 payloadHash,address executor)"
#define RESPONSE_TYPE                                                                                        \
    "FaaSTaskResponse(uint256 chainId,address mailbox,bytes32 taskHash,address operator,bytes32 resultHash," \
    "bytes32 signatureHash)"

static uint8_t cert_typehash[32], request_typehash[32], response_typehash[32];
static pthread_once_t typehash_once = PTHREAD_ONCE_INIT;

static void typehash_init(void)
{
    eth_keccak256(cert_typehash, CERT_TYPE, strlen(CERT_TYPE));
    eth_keccak256(request_typehash, REQUEST_TYPE, strlen(REQUEST_TYPE));
    eth_keccak256(response_typehash, RESPONSE_TYPE, strlen(RESPONSE_TYPE));
}

const char *exec_strerror(exec_err e)
{
    static const char *const messages[EXEC_ERR__COUNT] = {
        [EXEC_OK] = "success",
        [EXEC_ERR_ARG] = "invalid argument",
        [EXEC_ERR_NOMEM] = "out of memory",
        [EXEC_ERR_FORMAT] = "malformed protocol message",
        [EXEC_ERR_VERSION] = "unsupported protocol version",
        [EXEC_ERR_TOO_BIG] = "payload or result too large",
        [EXEC_ERR_SIGNATURE] = "invalid signature",
        [EXEC_ERR_DB] = "task store error",
        [EXEC_ERR_CHAIN] = "chain read failed",
        [EXEC_ERR_NOT_FOUND] = "not found on chain",
        [EXEC_ERR_CONFIG] = "invalid configuration",
        [EXEC_ERR_START] = "service could not start",
    };
    if ((unsigned)e >= EXEC_ERR__COUNT || !messages[e]) return "unknown error";
    return messages[e];
}

/* ABI words: a static value left-padded into 32 bytes. */
static void word_u64(uint8_t w[32], uint64_t v)
{
    memset(w, 0, 32);
    for (int i = 0; i < 8; i++) w[31 - i] = (uint8_t)(v >> (8 * i));
}

static void word_address(uint8_t w[32], const eth_address *a)
{
    memset(w, 0, 12);
    memcpy(w + 12, a->addr, 20);
}

void exec_message_hash(uint8_t out[32], const uint8_t task_hash[32], const uint8_t *result, size_t n)
{
    /* abi.encode(bytes32, bytes): taskHash | offset 0x40 | length | data padded to 32. */
    uint8_t head[96], pad[32] = { 0 };
    memcpy(head, task_hash, 32);
    word_u64(head + 32, 64);
    word_u64(head + 64, n);
    eth_keccak_ctx c;
    eth_keccak_init(&c);
    eth_keccak_update(&c, head, sizeof head);
    if (n) eth_keccak_update(&c, result, n);
    eth_keccak_update(&c, pad, (32 - n % 32) % 32);
    eth_keccak_final(&c, out);
}

void exec_certificate_digest(uint8_t out[32], uint32_t reference_timestamp, const uint8_t message_hash[32])
{
    pthread_once(&typehash_once, typehash_init);
    uint8_t buf[96];
    memcpy(buf, cert_typehash, 32);
    word_u64(buf + 32, reference_timestamp);
    memcpy(buf + 64, message_hash, 32);
    eth_keccak256(out, buf, sizeof buf);
}

void exec_request_digest(uint8_t out[32], const exec_request *r)
{
    pthread_once(&typehash_once, typehash_init);
    uint8_t w[10][32];
    memcpy(w[0], request_typehash, 32);
    word_u64(w[1], r->chain_id);
    word_address(w[2], &r->mailbox);
    memcpy(w[3], r->task_hash, 32);
    word_address(w[4], &r->avs);
    word_u64(w[5], r->operator_set_id);
    word_u64(w[6], r->reference_timestamp);
    word_u64(w[7], r->task_block);
    eth_keccak256(w[8], r->payload, r->payload_len);
    word_address(w[9], &r->executor);
    eth_keccak256(out, w, sizeof w);
}

void exec_response_digest(uint8_t out[32], uint64_t chain_id, const eth_address *mailbox, const exec_response *r)
{
    pthread_once(&typehash_once, typehash_init);
    uint8_t w[7][32];
    memcpy(w[0], response_typehash, 32);
    word_u64(w[1], chain_id);
    word_address(w[2], mailbox);
    memcpy(w[3], r->task_hash, 32);
    word_address(w[4], &r->operator_address);
    eth_keccak256(w[5], r->result, r->result_len);
    eth_keccak256(w[6], r->signature, sizeof r->signature);
    eth_keccak256(out, w, sizeof w);
}

/* eth_sign's v is 27 + the recovery id. */
static exec_err sign(uint8_t sig[65], const eth_key *k, const uint8_t digest[32])
{
    if (eth_sign_hash(sig, k, digest) != ETH_OK) return EXEC_ERR_NOMEM;
    sig[64] += 27;
    return EXEC_OK;
}

static exec_err recover(eth_address *out, const uint8_t digest[32], const uint8_t sig[65])
{
    if (sig[64] != 27 && sig[64] != 28) return EXEC_ERR_SIGNATURE;
    uint8_t s[65];
    memcpy(s, sig, 65);
    s[64] -= 27;
    return eth_recover_address(out, digest, s) == ETH_OK ? EXEC_OK : EXEC_ERR_SIGNATURE;
}

exec_err exec_request_sign(exec_request *r, const eth_key *aggregator_key)
{
    uint8_t d[32];
    exec_request_digest(d, r);
    return sign(r->signature, aggregator_key, d);
}

exec_err exec_request_signer(eth_address *signer, const exec_request *r)
{
    uint8_t d[32];
    exec_request_digest(d, r);
    return recover(signer, d, r->signature);
}

exec_err exec_response_sign_auth(exec_response *r, uint64_t chain_id, const eth_address *mailbox,
                                 const eth_key *operator_key)
{
    r->operator_address = operator_key->address;
    uint8_t d[32];
    exec_response_digest(d, chain_id, mailbox, r);
    return sign(r->auth, operator_key, d);
}

exec_err exec_response_signer(eth_address *signer, uint64_t chain_id, const eth_address *mailbox,
                              const exec_response *r)
{
    uint8_t d[32];
    exec_response_digest(d, chain_id, mailbox, r);
    return recover(signer, d, r->auth);
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                       */

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char *h = eth_hex_encode_alloc(p, n);
    json_t *v = h ? json_string(h) : NULL;
    free(h);
    return v;
}

static char *dump(json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return text;
}

char *exec_request_to_json(const exec_request *r)
{
    /* JSON integers are int64 (jansson's json_int_t): a larger value would be
     * written negative and refused by every parser, so refuse it here. */
    if (r->chain_id > EXEC_MAX_JSON_UINT || r->task_block > EXEC_MAX_JSON_UINT) return NULL;
    return dump(json_pack("{s:i,s:I,s:o,s:o,s:o,s:I,s:I,s:I,s:o,s:o,s:o}", "version", EXEC_PROTO_VERSION, "chain_id",
                          (json_int_t)r->chain_id, "mailbox", hex_json(r->mailbox.addr, 20), "task_hash",
                          hex_json(r->task_hash, 32), "avs", hex_json(r->avs.addr, 20), "operator_set_id",
                          (json_int_t)r->operator_set_id, "reference_timestamp", (json_int_t)r->reference_timestamp,
                          "task_block", (json_int_t)r->task_block, "payload", hex_json(r->payload, r->payload_len),
                          "executor", hex_json(r->executor.addr, 20), "signature", hex_json(r->signature, 65)));
}

char *exec_response_to_json(const exec_response *r)
{
    return dump(json_pack("{s:i,s:o,s:o,s:o,s:o,s:o}", "version", EXEC_PROTO_VERSION, "task_hash",
                          hex_json(r->task_hash, 32), "operator", hex_json(r->operator_address.addr, 20), "result",
                          hex_json(r->result, r->result_len), "signature", hex_json(r->signature, 64), "auth",
                          hex_json(r->auth, 65)));
}

/* A parse in progress: the document, and the first error. */
typedef struct {
    json_t *doc;
    exec_err err;
    char *detail;
    size_t members; /* members read so far; must equal the object's size */
} parser;

static void perr(parser *p, exec_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void perr(parser *p, exec_err e, const char *fmt, ...)
{
    if (p->err) return;
    p->err = e;
    if (p->detail) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->detail, SVC_DETAIL_MAX, fmt, ap);
        va_end(ap);
    }
}

static json_t *member(parser *p, const char *key)
{
    if (p->err) return NULL;
    json_t *v = json_object_get(p->doc, key);
    if (!v) perr(p, EXEC_ERR_FORMAT, "member \"%s\" is missing", key);
    else p->members++;
    return v;
}

static uint64_t get_uint(parser *p, const char *key, uint64_t max)
{
    json_t *v = member(p, key);
    if (!v) return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max) {
        perr(p, EXEC_ERR_FORMAT, "\"%s\" must be an integer from 0 to %llu", key, (unsigned long long)max);
        return 0;
    }
    return (uint64_t)json_integer_value(v);
}

/* A "0x" hex string of exactly n bytes. */
static void get_fixed(parser *p, const char *key, uint8_t *out, size_t n)
{
    json_t *v = member(p, key);
    if (!v) return;
    const char *s = json_string_value(v);
    if (!s || json_string_length(v) != 2 + 2 * n || strncmp(s, "0x", 2) != 0 || eth_hex_decode_exact(out, n, s) != ETH_OK)
        perr(p, EXEC_ERR_FORMAT, "\"%s\" must be 0x and %zu hex digits", key, 2 * n);
}

/* A "0x" hex string of at most max bytes, into a new buffer. */
static void get_bytes(parser *p, const char *key, uint8_t **out, size_t *len, size_t max, int allow_empty)
{
    json_t *v = member(p, key);
    if (!v) return;
    const char *s = json_string_value(v);
    size_t sl = json_string_length(v);
    if (!s || sl < 2 || strncmp(s, "0x", 2) != 0 || sl % 2) {
        perr(p, EXEC_ERR_FORMAT, "\"%s\" must be 0x-prefixed hex", key);
        return;
    }
    if ((sl - 2) / 2 > max) {
        perr(p, EXEC_ERR_TOO_BIG, "\"%s\" is larger than %zu bytes", key, max);
        return;
    }
    if (sl == 2) {
        if (!allow_empty) perr(p, EXEC_ERR_FORMAT, "\"%s\" must not be empty", key);
        return;
    }
    eth_err e = eth_hex_decode_alloc(out, len, s, sl);
    if (e == ETH_ERR_NOMEM) perr(p, EXEC_ERR_NOMEM, "out of memory");
    else if (e) perr(p, EXEC_ERR_FORMAT, "\"%s\" must be 0x-prefixed hex", key);
}

static void parse_begin(parser *p, const char *json, size_t n, char *detail)
{
    memset(p, 0, sizeof *p);
    p->detail = detail;
    json_error_t je;
    p->doc = json_loadb(json, n, JSON_REJECT_DUPLICATES, &je);
    if (!p->doc) {
        perr(p, EXEC_ERR_FORMAT, "not JSON: %s", je.text);
        return;
    }
    if (!json_is_object(p->doc)) {
        perr(p, EXEC_ERR_FORMAT, "not a JSON object");
        return;
    }
    json_t *v = member(p, "version");
    if (v && (!json_is_integer(v) || json_integer_value(v) != EXEC_PROTO_VERSION))
        perr(p, EXEC_ERR_VERSION, "protocol version must be %d", EXEC_PROTO_VERSION);
}

static exec_err parse_end(parser *p)
{
    if (!p->err && p->members != json_object_size(p->doc)) perr(p, EXEC_ERR_FORMAT, "unknown members in the message");
    json_decref(p->doc);
    return p->err;
}

exec_err exec_request_parse(exec_request *r, const char *json, size_t n, char *detail)
{
    memset(r, 0, sizeof *r);
    parser p;
    parse_begin(&p, json, n, detail);
    r->chain_id = get_uint(&p, "chain_id", EXEC_MAX_JSON_UINT);
    get_fixed(&p, "mailbox", r->mailbox.addr, 20);
    get_fixed(&p, "task_hash", r->task_hash, 32);
    get_fixed(&p, "avs", r->avs.addr, 20);
    r->operator_set_id = (uint32_t)get_uint(&p, "operator_set_id", UINT32_MAX);
    r->reference_timestamp = (uint32_t)get_uint(&p, "reference_timestamp", UINT32_MAX);
    r->task_block = get_uint(&p, "task_block", EXEC_MAX_JSON_UINT);
    get_bytes(&p, "payload", &r->payload, &r->payload_len, EXEC_MAX_PAYLOAD, 0);
    get_fixed(&p, "executor", r->executor.addr, 20);
    get_fixed(&p, "signature", r->signature, 65);
    exec_err e = parse_end(&p);
    if (e) exec_request_free(r);
    return e;
}

exec_err exec_response_parse(exec_response *r, const char *json, size_t n, char *detail)
{
    memset(r, 0, sizeof *r);
    parser p;
    parse_begin(&p, json, n, detail);
    get_fixed(&p, "task_hash", r->task_hash, 32);
    get_fixed(&p, "operator", r->operator_address.addr, 20);
    get_bytes(&p, "result", &r->result, &r->result_len, EXEC_MAX_RESULT, 1);
    get_fixed(&p, "signature", r->signature, 64);
    get_fixed(&p, "auth", r->auth, 65);
    exec_err e = parse_end(&p);
    if (e) exec_response_free(r);
    return e;
}

void exec_request_free(exec_request *r)
{
    free(r->payload);
    memset(r, 0, sizeof *r);
}

void exec_response_free(exec_response *r)
{
    free(r->result);
    memset(r, 0, sizeof *r);
}
