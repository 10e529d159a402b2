/* e2e.h - helpers of the end-to-end tests: a devnet of our own (bin/faas-devnet
 * up --detach on a free port with a temporary FAAS_HOME), functions
 * registered and called with libeth, results read back from the chain, the
 * aggregator's status API, and its services stopped and restarted. */
#ifndef FAAS_E2E_H
#define FAAS_E2E_H

#include "eth.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define E2E_MAX_OPS 8

typedef struct {
    char home[256];             /* FAAS_HOME */
    int port;
    char rpc_url[64], ws_url[64];
    eth_address mailbox, faas, registry;
    uint64_t deploy_block;
    size_t n_ops;
    eth_address ops[E2E_MAX_OPS];   /* in table order */
    char aggregator_url[64];    /* http://127.0.0.1:port */
    eth_address aggregator;
    eth_rpc *rpc;
    eth_client *client;         /* anvil dev account 1: the user */
    int watchdog_fd;            /* closing it (or our death) makes the watchdog stop the devnet */
    pid_t watchdog;
} e2e_net;

/* faas-devnet up --detach --port <free> $FAAS_E2E_DEVNET_ARGS <args> with a fresh FAAS_HOME;
 * 0 or -1 (the devnet's output is in <home>/up.log). A watchdog process
 * runs `faas-devnet down` when this process ends in any way (even killed
 * by ctest's timeout), so no service outlives its test. */
int e2e_up(e2e_net *n, const char *args);
/* faas-devnet down, and the FAAS_HOME removed. */
void e2e_down(e2e_net *n);

/* The pid of a devnet service ("aggregator", "operator-2"), or -1. */
pid_t e2e_pid(e2e_net *n, const char *service);
/* Runs `FAAS_HOME=home bin/faas-devnet args` (args: shell words), its
 * stdout and stderr into out (cap bytes, NUL-terminated); its exit status,
 * or -1 when it could not run or was killed. */
int e2e_devnet_run(const char *home, const char *args, char *out, size_t cap);
/* Sends sig to a service's process group and waits until it is gone. */
void e2e_kill(e2e_net *n, const char *service, int sig);
/* Starts a stopped service ("aggregator", "operator-2", "miner") again with
 * the command line the devnet recorded, under wrapper (a NULL-terminated
 * command prefix such as valgrind and its flags; NULL for none), plus extra
 * flags (may be NULL), output appended to its log; records the new pid and
 * program in the state (so that `faas-devnet down` stops it) and waits up
 * to timeout_ms until it is healthy (services with an http health check).
 * 0 or -1. */
int e2e_start_service(e2e_net *n, const char *service, const char *const *wrapper, const char *const *extra,
                      long timeout_ms);
/* e2e_start_service of the aggregator, unwrapped, within 15 s. */
int e2e_restart_aggregator(e2e_net *n, const char *const *extra);
/* The base URL (http://127.0.0.1:port) of a service's HTTP API. 0 or -1. */
int e2e_service_url(e2e_net *n, const char *service, char *out, size_t cap);
/* GET url: the body (caller frees; NULL when there was no answer) and the
 * HTTP status in *status (0 without an answer). */
char *e2e_http_get(const char *url, long *status);
/* The timestamp of block number `block` (0 when it cannot be read). */
uint64_t e2e_block_timestamp(e2e_net *n, uint64_t block);
/* How far the chain's latest block is stamped ahead of the wall clock, in ms
 * (0 when it is not): the devnet's miner runs the chain's clock ahead under
 * load, and a deadline in chain seconds passes that much later in wall time. */
int64_t e2e_chain_ahead_ms(e2e_net *n);

/* Registers a function directory's bundle on chain (bundle_pack_dir, then
 * FaaS.registerFunction); id gets the function id. 0 or -1. */
int e2e_register_dir(e2e_net *n, const char *dir, uint8_t id[32]);
/* Packs a function directory (bundle_pack_dir): *tar (caller frees), *n, id. */
int e2e_pack_dir(const char *dir, uint8_t **tar, size_t *n, uint8_t id[32]);
/* FaaS.deployFunction(url, code_hash): a remote bundle. 0 or -1. */
int e2e_deploy_url(e2e_net *n, const char *url, const uint8_t code_hash[32]);
/* A function directory with manifest.json and index.js holding js (the
 * handler module); path gets it (under the FAAS_HOME). 0 or -1. */
int e2e_write_js(e2e_net *n, const char *name, const char *js, char *path, size_t cap);
/* FaaS.callFunction(id, input); task gets the task hash, block the block of
 * its TaskCreated. 0 or -1. */
int e2e_call(e2e_net *n, const uint8_t id[32], const char *input, uint8_t task[32], uint64_t *block);
/* Sends callFunction without waiting for its receipt (for streams). */
int e2e_call_async(e2e_net *n, const uint8_t id[32], const char *input, uint8_t tx[32]);
/* The task hash created by a callFunction transaction (waits for it). */
int e2e_task_of_tx(e2e_net *n, const uint8_t tx[32], uint8_t task[32], uint64_t *block);

/* TaskMailbox.getTaskStatus: 0 none, 1 created, 2 verified, 3 expired; -1 on error. */
int e2e_task_status(e2e_net *n, const uint8_t task[32]);
/* Waits up to timeout_ms for status want; 0 when reached, -1 otherwise. */
int e2e_wait_status(e2e_net *n, const uint8_t task[32], int want, long timeout_ms);

/* The task's TaskVerified logs from from_block on: how many, and the last
 * one's result (caller frees; may be NULL) and the operator indices of its
 * certificate's non-signers (is_nonsigner[i] = 1). -1 on error. */
int e2e_verified_logs(e2e_net *n, const uint8_t task[32], uint64_t from_block, char **result,
                      uint8_t is_nonsigner[E2E_MAX_OPS]);

/* e2e_verified_logs, retried for up to timeout_ms while it finds none
 * (a node may answer getTaskStatus from a block its log index lacks yet). */
int e2e_wait_verified_logs(e2e_net *n, const uint8_t task[32], uint64_t from_block, char **result,
                           uint8_t is_nonsigner[E2E_MAX_OPS], long timeout_ms);

/* GET <aggregator>/v1/tasks/<task>: the JSON (caller decrefs) or NULL. */
json_t *e2e_aggregator_task(e2e_net *n, const uint8_t task[32]);
/* Polls the aggregator's status of the task until it is `status` (its view
 * follows the chain's by the time a log takes to arrive); returns the last
 * status document (caller decrefs), whatever it says, or NULL. */
json_t *e2e_aggregator_wait(e2e_net *n, const uint8_t task[32], const char *status, long timeout_ms);
/* Transactions sent by the aggregator so far (its nonce). */
uint64_t e2e_aggregator_nonce(e2e_net *n);

#endif
