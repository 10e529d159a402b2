/* executor.h - the FaaS AVS executor (operator node) and the wire protocol
 * between the aggregator and executors.
 *
 * =========================================================================
 * Protocol (version 1): HTTP/1.1 + JSON, aggregator -> executor
 * =========================================================================
 *
 * Each operator registers a socket ("host:port") in the OperatorRegistry; the
 * aggregator reaches its executor at http://<socket>. All binary values are
 * "0x"-prefixed lowercase hex strings; integers are JSON numbers.
 *
 * POST /v1/task   body: a task request
 *   {"version": 1,
 *    "chain_id": 31337,                 the chain of the TaskMailbox
 *    "mailbox": "0x<20 bytes>",         TaskMailbox address
 *    "task_hash": "0x<32 bytes>",       TaskCreated.taskHash
 *    "avs": "0x<20 bytes>",             TaskCreated.avs (the FaaS contract)
 *    "operator_set_id": 1,              TaskCreated.executorOperatorSetId
 *    "reference_timestamp": 1700000000, TaskCreated.operatorTableReferenceTimestamp
 *    "task_block": 42,                  block of the TaskCreated log
 *    "payload": "0x…",                  TaskCreated.payload
 *    "executor": "0x<20 bytes>",        the operator this request is meant for
 *    "signature": "0x<65 bytes>"}       the aggregator's ECDSA signature
 *
 *   signature = r || s || v (v = 27 + recovery id, as eth_sign) over the
 *   request digest (exec_request_digest):
 *     keccak256(abi.encode(EXEC_REQUEST_TYPEHASH, chainId, mailbox, taskHash,
 *               avs, operatorSetId, referenceTimestamp, taskBlock,
 *               keccak256(payload), executor))
 *   EXEC_REQUEST_TYPEHASH = keccak256("FaaSTaskRequest(uint256 chainId,"
 *     "address mailbox,bytes32 taskHash,address avs,uint32 operatorSetId,"
 *     "uint32 referenceTimestamp,uint64 taskBlock,bytes32 payloadHash,"
 *     "address executor)")
 *   It binds every field, the chain and the mailbox (no cross-chain replay),
 *   and the executor's address (a request captured for one operator is
 *   refused by the others). The executor accepts it only when the signer is
 *   the aggregator registered on chain (OperatorRegistry.aggregator()).
 *
 *   Before running anything the executor reads the task from the mailbox
 *   (getTaskInfo) and requires: status CREATED, the same avs, operator set,
 *   reference timestamp and payload; and its own operator address in the
 *   operator table of that reference timestamp, with the BN254 key it holds.
 *   A task is run at most once per executor, across restarts: the answer is
 *   stored, and a repeated request (a retry, a restarted aggregator) gets the
 *   stored answer byte for byte. A task whose run was cut by a crash is never
 *   run again (answered with "interrupted").
 *
 *   200: a task response
 *   {"version": 1,
 *    "task_hash": "0x…",
 *    "operator": "0x<20 bytes>",        the operator's address
 *    "result": "0x…",                   the result bytes (SPEC §3 envelope)
 *    "signature": "0x<64 bytes>",       BN254 G1 point X || Y (EVM order)
 *    "auth": "0x<65 bytes>"}            the operator's ECDSA signature
 *
 *   signature is EigenLayer's BN254 certificate signature (hourglass §2.7):
 *     messageHash = keccak256(abi.encode(bytes32 taskHash, bytes result))
 *     digest = keccak256(abi.encode(BN254_CERTIFICATE_TYPEHASH,
 *                                   uint32 referenceTimestamp, messageHash))
 *     signature = sk * hashToG1(digest)
 *   auth binds the answer to the operator identity (BLS signatures of one
 *   digest are otherwise interchangeable between relayers): r || s || v over
 *     keccak256(abi.encode(EXEC_RESPONSE_TYPEHASH, chainId, mailbox,
 *               taskHash, operator, keccak256(result), keccak256(signature)))
 *   EXEC_RESPONSE_TYPEHASH = keccak256("FaaSTaskResponse(uint256 chainId,"
 *     "address mailbox,bytes32 taskHash,address operator,bytes32 resultHash,"
 *     "bytes32 signatureHash)")
 *   signed by the operator's ECDSA key (the address that registered).
 *
 *   Errors: a non-200 status with {"error": <code>, "message": <one line>}:
 *     400 bad_request        body is not a valid request (or wrong version)
 *     401 unauthorized       signature is not the registered aggregator's
 *     403 wrong_executor     "executor" is not this operator
 *     403 not_in_operator_set this operator is not in the task's table
 *     404 unknown_task       no such task in the mailbox
 *     409 task_not_created   the task is VERIFIED or EXPIRED
 *     409 interrupted        a run of this task was cut short earlier
 *     422 task_mismatch      avs, operator set, timestamp or payload differ
 *     422 bad_payload        payload is not abi.encode(bytes32, bytes)
 *     422 function_unavailable the bundle cannot be fetched or fails its hash
 *     413 too_large          body over the executor's limit
 *     503 busy               too many tasks in flight
 *     502 chain_unavailable  the RPC node did not answer
 *     500 performer_failed / internal
 *   A function that throws is not an error here: its error envelope is the
 *   result, signed like any other.
 *
 * GET /healthz   200 {"status":"ok", "operator": "0x…"} once serving.
 * GET /metrics   Prometheus text (requests by code, runs, durations).
 *
 * Conventions: libeth's (see eth.h). Prefix exec_; errors exec_err with
 * exec_strerror(); detail buffers of SVC_DETAIL_MAX bytes where given.
 */
#ifndef FAAS_EXECUTOR_H
#define FAAS_EXECUTOR_H

#include "eth.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    EXEC_OK = 0,
    EXEC_ERR_ARG,       /* invalid argument (API misuse) */
    EXEC_ERR_NOMEM,     /* out of memory */
    EXEC_ERR_FORMAT,    /* a message is not valid JSON of the protocol's shape */
    EXEC_ERR_VERSION,   /* a message of another protocol version */
    EXEC_ERR_TOO_BIG,   /* payload or result over its cap */
    EXEC_ERR_SIGNATURE, /* a signature does not recover to an address */
    EXEC_ERR_DB,        /* the store failed (detail in the detail buffer) */
    EXEC_ERR__COUNT
} exec_err;

/* Static one-line message for e; never NULL. */
const char *exec_strerror(exec_err e);

#define EXEC_PROTO_VERSION 1
/* Caps: a payload is abi.encode(functionId, input) of one transaction; a
 * result is what ponos accepts from an executor (< 1.5 MiB, hourglass §4.6). */
#define EXEC_MAX_PAYLOAD ((size_t)4 << 20)
#define EXEC_MAX_RESULT ((size_t)1536 << 10)
/* A request or response body never needs more than hex of the above + slack. */
#define EXEC_MAX_BODY (2 * EXEC_MAX_PAYLOAD + 4096)

/* ------------------------------------------------------------------------ */
/* EigenLayer digests (hourglass §2.7)                                        */

/* TaskMailbox.getMessageHash: keccak256(abi.encode(bytes32 taskHash, bytes result)). */
void exec_message_hash(uint8_t out[32], const uint8_t task_hash[32], const uint8_t *result, size_t n);
/* BN254CertificateVerifier.calculateCertificateDigest:
 * keccak256(abi.encode(BN254_CERTIFICATE_TYPEHASH, uint32 refTs, bytes32 messageHash)). */
void exec_certificate_digest(uint8_t out[32], uint32_t reference_timestamp, const uint8_t message_hash[32]);

/* ------------------------------------------------------------------------ */
/* Requests                                                                   */

typedef struct {
    uint64_t chain_id;
    eth_address mailbox;
    uint8_t task_hash[32];
    eth_address avs;
    uint32_t operator_set_id;
    uint32_t reference_timestamp;
    uint64_t task_block;
    uint8_t *payload;       /* owned (malloc); NULL when payload_len == 0 */
    size_t payload_len;
    eth_address executor;
    uint8_t signature[65];  /* r || s || v, v = 27 or 28 */
} exec_request;

/* The digest the aggregator signs (see the protocol above). */
void exec_request_digest(uint8_t out[32], const exec_request *r);
/* Fills r->signature with key's signature of the digest. */
exec_err exec_request_sign(exec_request *r, const eth_key *aggregator_key);
/* The address that signed r (EXEC_ERR_SIGNATURE when none recovers). */
exec_err exec_request_signer(eth_address *signer, const exec_request *r);
/* The request as protocol JSON text; caller frees. NULL when out of memory. */
char *exec_request_to_json(const exec_request *r);
/* Parses untrusted protocol JSON (n bytes, need not be NUL-terminated).
 * Strict: every member present with its type and length, nothing else, hex
 * well formed, payload non-empty and at most EXEC_MAX_PAYLOAD. Errors:
 * EXEC_ERR_FORMAT (detail names the member), EXEC_ERR_VERSION,
 * EXEC_ERR_TOO_BIG, EXEC_ERR_NOMEM. *r is empty (safe to free) on failure. */
exec_err exec_request_parse(exec_request *r, const char *json, size_t n, char *detail);
void exec_request_free(exec_request *r);

/* ------------------------------------------------------------------------ */
/* Responses                                                                  */

typedef struct {
    uint8_t task_hash[32];
    eth_address operator_address;
    uint8_t *result;        /* owned (malloc); NULL when result_len == 0 */
    size_t result_len;
    uint8_t signature[64];  /* BN254 G1 X || Y */
    uint8_t auth[65];       /* r || s || v by the operator's ECDSA key */
} exec_response;

/* The digest the operator's ECDSA key signs (auth). */
void exec_response_digest(uint8_t out[32], uint64_t chain_id, const eth_address *mailbox, const exec_response *r);
/* Fills r->auth (and r->operator_address from key). */
exec_err exec_response_sign_auth(exec_response *r, uint64_t chain_id, const eth_address *mailbox,
                                 const eth_key *operator_key);
/* The address that signed r->auth. */
exec_err exec_response_signer(eth_address *signer, uint64_t chain_id, const eth_address *mailbox,
                              const exec_response *r);
char *exec_response_to_json(const exec_response *r);
/* Strict like exec_request_parse; result may be empty, at most EXEC_MAX_RESULT. */
exec_err exec_response_parse(exec_response *r, const char *json, size_t n, char *detail);
/* Deep copy (dst's previous contents are not freed). */
exec_err exec_response_copy(exec_response *dst, const exec_response *src);
void exec_response_free(exec_response *r);

/* ------------------------------------------------------------------------ */
/* The processed-task store (SQLite, WAL; see svc_db_open)                    */

typedef struct exec_store exec_store;

typedef enum {
    EXEC_TASK_NEW = 0,      /* never seen: now claimed (marked started) by the caller */
    EXEC_TASK_STARTED,      /* claimed before and never answered */
    EXEC_TASK_ANSWERED      /* answered: the stored answer is returned */
} exec_task_state;

/* Opens or creates the store at path. EXEC_ERR_DB with detail. */
exec_err exec_store_open(exec_store **out, const char *path, char *detail);
void exec_store_close(exec_store *s);
/* Atomically looks up task_hash and, when it is new, records it as started
 * (before the run, so a crash mid-run can never lead to a second run).
 * For EXEC_TASK_ANSWERED *answer receives the stored answer (caller frees
 * with exec_response_free); otherwise it is zeroed. */
exec_err exec_store_claim(exec_store *s, const uint8_t task_hash[32], exec_task_state *state, exec_response *answer);
/* Stores the answer of a started task (EXEC_ERR_ARG when it was not claimed
 * or is already answered). */
exec_err exec_store_answer(exec_store *s, const exec_response *answer);
/* Drops the claim of a task that provably never reached a runtime (e.g. its
 * bundle could not be fetched), so a later request may run it. Answered
 * tasks are kept. */
exec_err exec_store_release(exec_store *s, const uint8_t task_hash[32]);

#ifdef __cplusplus
}
#endif
#endif
