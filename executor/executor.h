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
 *    "chain_id": 31337,                 the chain of the TaskMailbox (< 2^63)
 *    "mailbox": "0x<20 bytes>",         TaskMailbox address
 *    "task_hash": "0x<32 bytes>",       TaskCreated.taskHash
 *    "avs": "0x<20 bytes>",             TaskCreated.avs (the FaaS contract)
 *    "operator_set_id": 1,              TaskCreated.executorOperatorSetId
 *    "reference_timestamp": 1700000000, TaskCreated.operatorTableReferenceTimestamp
 *    "task_block": 42,                  block of the TaskCreated log (< 2^63)
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
 *   (getTaskInfo: status CREATED, the same avs, operator set and reference
 *   timestamp) and its TaskCreated log in block task_block (the same fields
 *   and payload: the mailbox keeps payloads in logs only), and finds its own
 *   operator address, with the BN254 key it holds, in the operator table of
 *   that reference timestamp.
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
#include "svc.h"

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
    EXEC_ERR_CHAIN,     /* the RPC node failed or answered something undecodable */
    EXEC_ERR_NOT_FOUND, /* no such task, function or bundle on chain */
    EXEC_ERR_CONFIG,    /* a setting, key file or keystore is missing or invalid */
    EXEC_ERR_START,     /* the service could not start (listen, store, node) */
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
/* Largest chain_id and task_block the protocol carries (2^63 - 1: JSON
 * integers are int64 for jansson and most parsers). */
#define EXEC_MAX_JSON_UINT ((uint64_t)INT64_MAX)
/* The request as protocol JSON text; caller frees. NULL when out of memory,
 * or when chain_id or task_block is above EXEC_MAX_JSON_UINT (no parser
 * would accept the text). */
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
void exec_response_free(exec_response *r);

/* ------------------------------------------------------------------------ */
/* Reading the chain (shared by executor and aggregator)                      */

/* TaskMailbox TaskStatus (hourglass §2.1). */
typedef enum {
    EXEC_STATUS_NONE = 0,
    EXEC_STATUS_CREATED = 1,
    EXEC_STATUS_VERIFIED = 2,
    EXEC_STATUS_EXPIRED = 3
} exec_task_status;

/* What TaskMailbox.getTaskInfo says about a task (the fields we use). */
typedef struct {
    exec_task_status status;    /* with expiry applied, as the contract computes it */
    eth_address avs;
    uint32_t operator_set_id;
    uint32_t reference_timestamp;
    uint64_t creation_time;     /* block timestamp of the creating block */
    uint64_t task_sla;          /* seconds; deadline = creation_time + task_sla */
    uint8_t curve_type;         /* 2 = BN254 */
    uint8_t consensus_type;     /* 1 = STAKE_PROPORTION_THRESHOLD */
    int has_threshold;          /* consensus value is one 32-byte word */
    uint16_t threshold_bps;
    uint8_t *payload;           /* owned */
    size_t payload_len;
} exec_task_info;

void exec_task_info_free(exec_task_info *t);

/* A TaskCreated log (hourglass §2.3). */
typedef struct {
    eth_address avs;
    uint32_t operator_set_id;
    uint32_t reference_timestamp;
    uint64_t deadline;          /* taskDeadline */
    uint8_t *payload;           /* owned */
    size_t payload_len;
} exec_task_created;

void exec_task_created_free(exec_task_created *c);

/* One operator of a published table (OperatorRegistry.getTable). */
typedef struct {
    eth_address address;    /* the operator's ECDSA address */
    uint8_t g1[64];         /* BN254 G1 public key X || Y */
    uint8_t g2[128];        /* BN254 G2 public key, EVM order (x.c1 x.c0 y.c1 y.c0) */
    eth_u256 weight;        /* stake weight (one stake type) */
    char socket[257];       /* where its executor listens, "host:port" */
} exec_operator;

/* A registered function (FaaS.getFunction). */
typedef struct {
    uint64_t block;         /* block of its FunctionRegistered / FunctionDeployed log */
    uint32_t size;          /* > 0: on-chain bundle of that many bytes; 0: remote at url */
    char *url;              /* owned; "" for on-chain bundles */
} exec_function;

/* Each call makes one eth_call / eth_getLogs on rpc. Errors: EXEC_ERR_CHAIN
 * (detail: the node's or the decoder's message), EXEC_ERR_NOMEM, and as
 * stated. */

/* TaskMailbox.getTaskInfo(taskHash). An unknown task has status NONE. Our
 * TaskMailbox does not store payloads (they live in the TaskCreated log), so
 * payload may come back empty: exec_chain_task_created has it. */
exec_err exec_chain_task(eth_rpc *rpc, const eth_address *mailbox, const uint8_t task_hash[32], exec_task_info *out,
                         char *detail);
/* The mailbox's TaskCreated log of task_hash in block; EXEC_ERR_NOT_FOUND
 * when that block has none. */
exec_err exec_chain_task_created(eth_rpc *rpc, const eth_address *mailbox, const uint8_t task_hash[32],
                                 uint64_t block, exec_task_created *out, char *detail);
/* OperatorRegistry.getTable(refTs): the operators in table order (caller
 * frees *ops); EXEC_ERR_NOT_FOUND for a timestamp without a table. */
exec_err exec_chain_table(eth_rpc *rpc, const eth_address *registry, uint32_t reference_timestamp,
                          exec_operator **ops, size_t *n, char *detail);
/* OperatorRegistry.aggregator(): the address whose signature executors accept. */
exec_err exec_chain_aggregator(eth_rpc *rpc, const eth_address *registry, eth_address *out, char *detail);
/* FaaS.getFunction(id); EXEC_ERR_NOT_FOUND when the contract reverts FunctionNotFound. */
exec_err exec_chain_function(eth_rpc *rpc, const eth_address *faas, const uint8_t id[32], exec_function *out,
                             char *detail);
void exec_function_free(exec_function *f);
/* The tarball of the FunctionRegistered log of id in block (caller frees
 * *tarball); EXEC_ERR_NOT_FOUND when there is no such log. */
exec_err exec_chain_bundle(eth_rpc *rpc, const eth_address *faas, const uint8_t id[32], uint64_t block,
                           uint8_t **tarball, size_t *n, char *detail);
/* Splits a task payload abi.encode(bytes32 functionId, bytes input) (strict:
 * offset 0x40, exact length, zero padding); *input points into payload.
 * EXEC_ERR_FORMAT otherwise. */
exec_err exec_payload_decode(const uint8_t *payload, size_t n, uint8_t function_id[32], const uint8_t **input,
                             size_t *input_len);

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

/* ------------------------------------------------------------------------ */
/* The executor service (bin/executor)                                        */

/* Settings; each comes from a flag, an environment variable, the JSON config
 * file (--config or FAAS_EXECUTOR_CONFIG) or a default, in that order of
 * precedence (svc_settings_load). Secrets never come from flags: the ECDSA
 * key is FAAS_EXECUTOR_ECDSA_KEY or the file operator.ecdsa_key_file, the
 * keystore password FAAS_EXECUTOR_BLS_PASSWORD or operator.bls_password_file.
 * `bin/executor --help` lists every setting with its flag, variable and key. */
typedef struct {
    char *rpc_url;              /* rpc_url: the chain's JSON-RPC endpoint */
    uint64_t chain_id;          /* chain_id: expected chain id (0: whatever the node says) */
    char *mailbox;              /* contracts.taskmailbox */
    char *registry;             /* contracts.operator_registry */
    char *faas;                 /* contracts.faas */
    char *ecdsa_key_file;       /* operator.ecdsa_key_file */
    char *bls_keystore;         /* operator.bls_keystore: EIP-2335 keystore, curveType bn254 */
    char *bls_password_file;    /* operator.bls_password_file */
    char *listen;               /* listen: host:port of the task API */
    char *data_dir;             /* data_dir: executor.db and the bundle cache */
    char *performer;            /* performer: where functions run -
                                 *   "managed": a bin/performer this executor starts and
                                 *     stops (unix socket in data_dir, sandboxed, warm)
                                 *   "unix:/path", "host:port": a performer run separately
                                 *   "local": a runtime process per call, NO sandbox (development) */
    char *performer_bin;        /* performer_bin: for "managed" (default: next to executor) */
    uint64_t max_inflight;      /* limits.max_inflight: tasks at once, more get 503 */
    uint64_t task_timeout_ms;   /* limits.task_timeout_ms: a function's wall time */
    uint64_t memory_mib;        /* limits.memory_mib: a function's memory */
    uint64_t max_bundle_bytes;  /* limits.max_bundle_bytes: largest bundle fetched */
    int network_access;         /* network_access: functions may use the network ("managed"
                                 * passes --allow-network; others decide themselves) */
    int test_lie;               /* test.lie: TEST ONLY - answer a wrong result (validly signed) */
    int test_bad_signature;     /* test.bad_signature: TEST ONLY - answer a signature that does not verify */
} exec_settings;

extern const svc_setting exec_settings_table[];
extern const size_t exec_settings_count;

typedef struct exec_service exec_service;

/* Loads the keys (and removes FAAS_EXECUTOR_ECDSA_KEY and
 * FAAS_EXECUTOR_BLS_PASSWORD from the environment once read), checks the
 * chain (chain id, registered aggregator), opens the store, starts or
 * reaches the performer (a managed one gets no descriptor and none of our
 * environment but PATH, HOME, LANG, TMPDIR, LOG_LEVEL and the sanitizer
 * options), and serves the protocol above on s->listen. Errors come with a
 * one-line detail. */
exec_err exec_service_start(exec_service **out, const exec_settings *s, char *detail);
/* Stops serving (waits for requests in flight) and frees. NULL is fine. */
void exec_service_stop(exec_service *e);

#ifdef __cplusplus
}
#endif
#endif
