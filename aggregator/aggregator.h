/* aggregator.h - the FaaS AVS aggregator: sees every TaskCreated of its AVS,
 * fans each task out to the executors of the operator set (protocol in
 * executor.h), verifies and groups their answers, builds EigenLayer's BN254
 * certificate once one result has the stake threshold, and submits it.
 *
 * This header holds the parts with no I/O of their own, each testable
 * alone:
 *   agg_table_   an operator table: operators with keys and weights, the
 *                operator-info Merkle tree, total weight (hourglass §3.2)
 *   agg_quorum_  answers grouped by result bytes, threshold arithmetic exactly
 *                as BN254CertificateVerifier.verifyCertificateProportion
 *   agg_cert_    abi.encode(BN254Certificate) with sorted non-signer witnesses
 *   agg_store_   the SQLite state: last processed block, tasks, history
 *
 * Conventions: libeth's (see eth.h). Prefix agg_; errors agg_err with
 * agg_strerror(); detail buffers of SVC_DETAIL_MAX bytes where given.
 */
#ifndef FAAS_AGGREGATOR_H
#define FAAS_AGGREGATOR_H

#include "eth.h"
#include "executor.h"
#include "svc.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    AGG_OK = 0,
    AGG_ERR_ARG,        /* invalid argument (API misuse, index out of range) */
    AGG_ERR_NOMEM,      /* out of memory */
    AGG_ERR_RANGE,      /* arithmetic past 2^256, as the contract would revert */
    AGG_ERR_DUPLICATE,  /* an operator answered twice */
    AGG_ERR_ABI,        /* an encoding failed (libeth's ABI codec refused) */
    AGG_ERR_DB,         /* the store failed (detail in the detail buffer) */
    AGG_ERR_NOT_FOUND,  /* no such task in the store */
    AGG_ERR_CONFIG,     /* a setting or the key is missing or invalid */
    AGG_ERR_START,      /* the service could not start (node, store, listen) */
    AGG_ERR__COUNT
} agg_err;

/* Static one-line message for e; never NULL. */
const char *agg_strerror(agg_err e);

/* ------------------------------------------------------------------------ */
/* Operator tables                                                            */

/* A table: operators in table order (the index is the certificates'
 * operatorIndex), the Merkle tree over their operator-info leaves, and the
 * total weight (totalWeights[0]). */
typedef struct {
    uint32_t reference_timestamp;
    exec_operator *ops;     /* owned (executor.h: address, keys, weight, socket) */
    size_t n;
    eth_u256 total_weight;
    uint8_t root[32];       /* operatorInfoTreeRoot */
    size_t width;           /* leaves padded to a power of two */
    uint8_t (*nodes)[32];   /* owned; the tree, 2*width - 1 nodes, heap order (1-based) */
} agg_table;

/* keccak256(0x75 || abi.encode(BN254OperatorInfo{pubkey: g1, weights: [weight]}))
 * (LeafCalculatorMixin, hourglass §3.2). */
void agg_operator_leaf(uint8_t leaf[32], const uint8_t g1[64], const eth_u256 *weight);

/* Takes ownership of ops (n >= 1, allocated with malloc) and builds the
 * tree: leaves padded with zero to the next power of two, inner node =
 * keccak256(left || right) (Merkle.merkleizeKeccak). AGG_ERR_RANGE when the
 * weights overflow 256 bits. On failure ops is freed too. */
agg_err agg_table_init(agg_table *t, uint32_t reference_timestamp, exec_operator *ops, size_t n);
void agg_table_free(agg_table *t);
/* The sibling path of operator index (32 bytes per level, leaf upwards), what
 * Merkle.verifyInclusionKeccak takes; *len = 32 * log2(width). out must hold
 * 32 * log2(width) bytes (at most 32 * 32). */
void agg_table_proof(const agg_table *t, size_t index, uint8_t *out, size_t *len);

/* ------------------------------------------------------------------------ */
/* Quorum: answers grouped by result bytes                                    */

typedef struct agg_quorum agg_quorum;

/* floor(total * bps / 10000), as verifyCertificateProportion computes it.
 * AGG_ERR_RANGE when total * bps overflows (the contract would revert);
 * AGG_ERR_ARG when bps > 10000. */
agg_err agg_threshold(eth_u256 *out, const eth_u256 *total, uint16_t bps);

/* A quorum for table t (borrowed; must outlive q) and threshold bps. */
agg_err agg_quorum_new(agg_quorum **out, const agg_table *t, uint16_t bps);
void agg_quorum_free(agg_quorum *q);
const eth_u256 *agg_quorum_threshold(const agg_quorum *q);
/* Records that operator `op` answered `result` (n bytes, copied); the
 * caller keeps its signature. *group gets the index of the group of that
 * result; *reached is 1 when that group's weight is now >= the threshold
 * (the contract's signed >= threshold), else 0. AGG_ERR_DUPLICATE for a
 * second answer of op (or one after its rejection), AGG_ERR_ARG for op out
 * of range. */
agg_err agg_quorum_add(agg_quorum *q, size_t op, const uint8_t *result, size_t n, size_t *group, int *reached);
/* Drops the answer of op (its signature failed verification): op leaves its
 * group, whose weight goes down, and may not answer again (a later add is
 * AGG_ERR_DUPLICATE). *reached tells whether that group still meets the
 * threshold. AGG_ERR_ARG when op has no answer. */
agg_err agg_quorum_reject(agg_quorum *q, size_t op, int *reached);
size_t agg_quorum_groups(const agg_quorum *q);
/* A group's result bytes (borrowed) and weight. */
const uint8_t *agg_quorum_result(const agg_quorum *q, size_t group, size_t *n);
const eth_u256 *agg_quorum_weight(const agg_quorum *q, size_t group);
/* 1 when operator op is in group (it signed that result). */
int agg_quorum_is_signer(const agg_quorum *q, size_t group, size_t op);

/* ------------------------------------------------------------------------ */
/* Certificates                                                               */

typedef struct {
    uint32_t reference_timestamp;
    uint8_t message_hash[32];
    uint8_t signature[64];  /* aggregate G1 signature of the signers */
    uint8_t apk[128];       /* aggregate G2 key of the signers */
} agg_cert;

/* The ABI type of a BN254Certificate. */
#define AGG_CERT_ABI_TYPE \
    "(uint32,bytes32,(uint256,uint256),(uint256[2],uint256[2]),(uint32,bytes,((uint256,uint256),uint256[]))[])"

/* Appends abi.encode(BN254Certificate) (what TaskMailbox.submitResult takes)
 * to out: c's fields, and a witness {operatorIndex, Merkle proof,
 * OperatorInfo} for every operator of t for which is_signer[i] == 0, in
 * increasing index order. */
agg_err agg_cert_encode(eth_buf *out, const agg_cert *c, const agg_table *t, const uint8_t *is_signer);

/* ------------------------------------------------------------------------ */
/* Store (SQLite, WAL; see svc_db_open)                                       */

typedef enum {
    AGG_TASK_PENDING = 0,   /* seen, being fanned out */
    AGG_TASK_CERTIFIED,     /* a result met the threshold; certificate built */
    AGG_TASK_SUBMITTED,     /* submitResult sent (tx_hash known) */
    AGG_TASK_VERIFIED,      /* TaskVerified on chain (ours or anyone's) */
    AGG_TASK_EXPIRED,       /* the deadline passed without quorum or submission */
    AGG_TASK_FAILED,        /* cannot be served (e.g. no table); reason says why */
    AGG_TASK__COUNT
} agg_task_status;

/* "pending", "certified", ...; NULL for an invalid value. */
const char *agg_task_status_name(agg_task_status s);
/* 1 for VERIFIED, EXPIRED, FAILED. */
int agg_task_status_final(agg_task_status s);

typedef struct {
    uint8_t task_hash[32];
    eth_address avs;
    uint32_t operator_set_id;
    uint32_t reference_timestamp;
    uint64_t block_number;      /* of the TaskCreated log */
    uint64_t log_index;
    uint64_t deadline;          /* taskDeadline, chain seconds */
    uint8_t *payload;           /* owned */
    size_t payload_len;
    agg_task_status status;
    char *reason;               /* owned; last status detail, "" when none */
    uint8_t *result;            /* owned; the winning result once certified */
    size_t result_len;
    uint8_t *cert;              /* owned; abi.encode(BN254Certificate) once certified */
    size_t cert_len;
    int has_tx;
    uint8_t tx_hash[32];        /* the submitResult / verifying transaction */
    uint64_t verified_block;
    int64_t seen_ms;            /* wall clock of first sight */
    double offchain_ms;         /* first sight -> submitResult sent, less the wait for
                                 * the chain clock (TimestampAtCreation); 0 until sent */
} agg_task;

void agg_task_free(agg_task *t);

typedef struct agg_store agg_store;

agg_err agg_store_open(agg_store **out, const char *path, char *detail);
void agg_store_close(agg_store *s);

/* The last block whose TaskCreated logs are all stored; *has = 0 when none yet. */
agg_err agg_store_last_block(agg_store *s, uint64_t *block, int *has);
/* Raises the last processed block (never lowers it). */
agg_err agg_store_set_last_block(agg_store *s, uint64_t block);
/* Why a task failed when a reorganisation took its TaskCreated back. */
#define AGG_REORG_REASON "TaskCreated removed by a reorganisation"
/* In one transaction: inserts t as PENDING unless its hash is known (*added
 * 0 then), records "pending" in its history, and raises the last processed
 * block to processed_block. A task that failed with AGG_REORG_REASON is
 * known but comes back: the replacement chain created it again, so it is
 * PENDING again with t's block, deadline and payload (*added 1). */
agg_err agg_store_add_task(agg_store *s, const agg_task *t, uint64_t processed_block, int *added);
/* Moves a task to status with reason (may be NULL) and appends to its
 * history. A final status is never left (AGG_ERR_ARG then, nothing changes). */
agg_err agg_store_set_status(agg_store *s, const uint8_t task_hash[32], agg_task_status status, const char *reason);
/* CERTIFIED, with the winning result and the certificate. */
agg_err agg_store_set_certified(agg_store *s, const uint8_t task_hash[32], const uint8_t *result, size_t result_len,
                                const uint8_t *cert, size_t cert_len, const char *reason);
/* SUBMITTED with the transaction hash and the off-chain latency. A task
 * already final keeps its status (AGG_ERR_ARG) but still gets the latency
 * when it has none: the TaskVerified of this very transaction can be seen
 * (on the subscription's thread) before the send returns. */
agg_err agg_store_set_submitted(agg_store *s, const uint8_t task_hash[32], const uint8_t tx_hash[32],
                                double offchain_ms);
/* VERIFIED by the transaction tx_hash in block. */
agg_err agg_store_set_verified(agg_store *s, const uint8_t task_hash[32], uint64_t block, const uint8_t tx_hash[32],
                               const char *reason);
/* One task; AGG_ERR_NOT_FOUND when unknown. Free with agg_task_free. */
agg_err agg_store_get(agg_store *s, const uint8_t task_hash[32], agg_task *out);
/* The task's history as a JSON array of {"at_ms", "status", "detail"}
 * (caller decrefs). */
agg_err agg_store_history(agg_store *s, const uint8_t task_hash[32], json_t **out);
/* Every task not in a final status, oldest first. Caller frees each with
 * agg_task_free and the array with free(). */
agg_err agg_store_unfinished(agg_store *s, agg_task **out, size_t *n);
/* Number of tasks per status (counts[AGG_TASK__COUNT]). */
agg_err agg_store_counts(agg_store *s, uint64_t counts[AGG_TASK__COUNT]);

/* ------------------------------------------------------------------------ */
/* The aggregator service (bin/aggregator)                                    */

/* Settings: flag > environment > JSON config (--config or
 * FAAS_AGGREGATOR_CONFIG) > default (svc_settings_load). The aggregator's
 * ECDSA key (registered in OperatorRegistry.aggregator(), pays for
 * submitResult) is FAAS_AGGREGATOR_KEY or the file key_file, never a flag.
 * `bin/aggregator --help` lists them all. */
typedef struct {
    char *rpc_url;              /* rpc_url */
    char *ws_url;               /* ws_url: for the TaskCreated subscription */
    uint64_t chain_id;          /* chain_id: expected (0: any) */
    char *mailbox;              /* contracts.taskmailbox */
    char *registry;             /* contracts.operator_registry */
    char *avs;                  /* contracts.faas: the AVS whose tasks are served */
    char *key_file;             /* key_file */
    char *listen;               /* listen: status API and metrics */
    char *data_dir;             /* data_dir: aggregator.db */
    uint64_t start_block;       /* start_block: first block scanned when the store is new (0: the head) */
    uint64_t confirmations;     /* confirmations: blocks on top of a TaskCreated before serving it */
    uint64_t executor_timeout_ms; /* executor_timeout_ms: one request to an executor */
    int increasing_timestamps;  /* increasing_timestamps: each block is stamped after its parent (no wait for
                                 * the next second before submitResult) */
} agg_settings;

extern const svc_setting agg_settings_table[];
extern const size_t agg_settings_count;

typedef struct agg_service agg_service;

/* Opens the store, checks the chain and the key, resumes unfinished tasks,
 * subscribes to the mailbox's logs (with catch-up from the last processed
 * block) and serves the status API. Errors come with a one-line detail. */
agg_err agg_service_start(agg_service **out, const agg_settings *s, char *detail);
/* Stops everything (work in flight stays in the store for the next start). */
void agg_service_stop(agg_service *a);

#ifdef __cplusplus
}
#endif
#endif
