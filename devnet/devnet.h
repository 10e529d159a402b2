/* devnet.h - the local FaaS AVS network behind `faas-devnet` and `make demo`:
 * anvil, the contracts deployed with N registered operators, N executors and
 * the aggregator, and the CLI's config file.
 *
 * Files, all under FAAS_HOME (default ~/.faas):
 *   config.json              the CLI's config (cli/cli.h): rpc_url, ws_url,
 *                            chain_id, faas_address, taskmailbox_address,
 *                            aggregator_url (its status API),
 *                            private_key_file (devnet/dev-key: anvil account 0)
 *   devnet/state.json        what runs: ports, and per service its command
 *                            line, pid and health check; addresses (devnet_status)
 *   devnet/deployment.json   the deploy step's output (contracts/scripts/deploy.mjs)
 *   devnet/anvil.json        anvil's accounts (--config-out)
 *   devnet/<name>/           one directory per service: anvil, miner,
 *                            aggregator, operator-1..N, each with its config.json, keys
 *                            (mode 0600), data/ and log
 * Services are started in their own sessions and stopped by the pids
 * recorded in state.json (checked against /proc before any signal), so two
 * devnets with different FAAS_HOMEs and ports run side by side.
 *
 * Conventions: prefix devnet_; errors devnet_err with devnet_strerror(); a
 * detail buffer of SVC_DETAIL_MAX bytes says what failed.
 */
#ifndef FAAS_DEVNET_H
#define FAAS_DEVNET_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    DEVNET_OK = 0,
    DEVNET_ERR_ARG,         /* invalid option */
    DEVNET_ERR_NOMEM,       /* out of memory */
    DEVNET_ERR_IO,          /* a file or directory could not be written or read */
    DEVNET_ERR_RUNNING,     /* a devnet already runs from this FAAS_HOME */
    DEVNET_ERR_NOT_RUNNING, /* no devnet runs from this FAAS_HOME */
    DEVNET_ERR_PORT,        /* the chain port is taken */
    DEVNET_ERR_START,       /* a service or the deploy step failed */
    DEVNET_ERR_TIMEOUT,     /* services did not become healthy in time */
    DEVNET_ERR__COUNT
} devnet_err;

const char *devnet_strerror(devnet_err e);

typedef struct {
    unsigned operators;         /* executors/operators (default 3, at most 32) */
    unsigned port;              /* anvil's port (default 7545) */
    uint16_t threshold_bps;     /* stake threshold (default 6667: 2/3) */
    unsigned task_sla;          /* seconds (default 60) */
    unsigned timeout_s;         /* for everything to become healthy (default 90) */
    /* Blocks: the devnet's miner (devnet_miner_run) mines a block as soon as
     * a transaction waits, at most one per block_time_ms (default 100), each
     * stamped after its parent; automine instead leaves it to anvil (a block
     * per transaction, stamped with the wall clock's second). */
    unsigned block_time_ms;
    int automine;
    /* TEST ONLY: operator index (1-based, 0 = none) that lies about results,
     * and one that answers BLS signatures that do not verify. */
    unsigned lie;
    unsigned bad_signature;
} devnet_opts;

/* Fills defaults for the zero fields. */
void devnet_opts_default(devnet_opts *o);

/* FAAS_HOME, else ~/.faas (caller frees). */
char *devnet_home(void);
/* The repository: FAAS_ROOT, else the parent of the directory of bin (the
 * directory holding faas-devnet, executor and aggregator). Caller frees. */
char *devnet_root(const char *bin_dir);

/* Starts the devnet and returns once everything is healthy, having written
 * the state, the CLI config, and a summary (URLs, addresses, dev keys) to
 * out. On failure whatever was started is stopped again. */
devnet_err devnet_up(const char *home, const char *root, const char *bin_dir, const devnet_opts *o, FILE *out,
                     char *detail);
/* The miner service (`faas-devnet miner`, miner.c): turns off anvil's
 * automine at rpc_url, then until *stop mines a block whenever transactions
 * wait, stamped max(parent + 1 s, wall clock), at most one per block_time_s.
 * Returns DEVNET_ERR_ARG for a block time outside (0, 3600] or a bad URL,
 * DEVNET_ERR_START when anvil cannot be reached at the start. */
devnet_err devnet_miner_run(const char *rpc_url, double block_time_s, volatile int *stop, char *detail);
/* Stops every service recorded in the state (SIGTERM, then SIGKILL after
 * 5 s) and marks the devnet stopped. DEVNET_ERR_NOT_RUNNING when none runs. */
devnet_err devnet_down(const char *home, FILE *out, char *detail);
/* One line per service: name, pid, running or not, health, address. */
devnet_err devnet_status(const char *home, FILE *out, char *detail);
/* Prints the logs (all services, or the one named), then follows them
 * while follow is set, until *stop becomes non-zero (may be NULL). */
devnet_err devnet_logs(const char *home, const char *name, int follow, volatile int *stop, FILE *out, char *detail);

#ifdef __cplusplus
}
#endif
#endif
