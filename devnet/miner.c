/* miner.c - the devnet's block producer (`faas-devnet miner`, devnet.h).
 *
 * Why: TaskMailbox.submitResult reverts with TimestampAtCreation unless its
 * block's timestamp exceeds the task's creation block's, and anvil stamps
 * every block of one wall-clock second alike. Under automine a result can
 * therefore land only after the next whole second: ~500 ms of waiting per
 * call, and at most one task per second per call in flight. This miner runs
 * anvil with automine off and mines a block as soon as a transaction waits,
 * stamped max(parent + 1 s, wall clock), at most one block per block time:
 * every block is strictly later than its parent, so a result can land in the
 * very next block. The price: under sustained load the chain's clock runs
 * ahead of the wall clock (at most 1 s per block time) and catches up once
 * the load stops, as a chain with a fast slot time would.
 *
 * Pending transactions are seen by polling txpool_status: every
 * MINER_POLL_ACTIVE_MS while transactions came within MINER_ACTIVE_MS, then
 * every MINER_POLL_IDLE_MS (a call on an idle chain waits at most that). */
#include "devnet.h"

#include "eth.h"
#include "svc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MINER_POLL_ACTIVE_MS 1.0
#define MINER_POLL_IDLE_MS 10.0
#define MINER_ACTIVE_MS 2000.0

static void sleep_ms(double ms)
{
    if (ms <= 0) return;
    struct timespec ts = { (time_t)(ms / 1000), (long)(fmod(ms, 1000) * 1e6) };
    nanosleep(&ts, NULL);
}

/* Transactions waiting in anvil's pool (txpool_status's "pending"). */
static int pending_count(eth_rpc *r, uint64_t *n)
{
    json_t *res = NULL;
    int ok = eth_rpc_call(r, &res, "txpool_status", json_array()) == ETH_OK &&
             eth_json_quantity(n, json_object_get(res, "pending")) == ETH_OK;
    json_decref(res);
    return ok ? 0 : -1;
}

static int latest_timestamp(eth_rpc *r, uint64_t *ts)
{
    json_t *b = NULL;
    int ok = eth_rpc_call(r, &b, "eth_getBlockByNumber", json_pack("[s,b]", "latest", 0)) == ETH_OK &&
             eth_json_quantity(ts, json_object_get(b, "timestamp")) == ETH_OK;
    json_decref(b);
    return ok ? 0 : -1;
}

devnet_err devnet_miner_run(const char *rpc_url, double block_time_s, volatile int *stop, char *detail)
{
    if (!(block_time_s > 0) || block_time_s > 3600) {
        snprintf(detail, SVC_DETAIL_MAX, "block time must be in (0, 3600] seconds");
        return DEVNET_ERR_ARG;
    }
    eth_rpc *r = eth_rpc_new(rpc_url, NULL);
    if (!r) {
        snprintf(detail, SVC_DETAIL_MAX, "bad RPC URL %s", rpc_url);
        return DEVNET_ERR_ARG;
    }
    json_t *off = NULL;
    if (eth_rpc_call(r, &off, "evm_setAutomine", json_pack("[b]", 0)) != ETH_OK) {
        snprintf(detail, SVC_DETAIL_MAX, "cannot turn off anvil's automine at %s", rpc_url);
        eth_rpc_free(r);
        return DEVNET_ERR_START;
    }
    json_decref(off);
    svc_log(SVC_LOG_INFO, "miner started", "{s:s,s:f}", "rpc_url", rpc_url, "block_time_s", block_time_s);
    double last_mined = -1e9, last_active = -1e9;
    unsigned long blocks = 0;
    int failing = 0;
    while (!(stop && *stop)) {
        uint64_t n = 0, parent = 0;
        double now = svc_mono_ms();
        if (pending_count(r, &n) != 0 || n == 0) {
            sleep_ms(now - last_active < MINER_ACTIVE_MS ? MINER_POLL_ACTIVE_MS : MINER_POLL_IDLE_MS);
            continue;
        }
        last_active = now;
        sleep_ms(last_mined + block_time_s * 1000 - now);
        uint64_t wall = (uint64_t)(svc_wall_ms() / 1000);
        json_t *res = NULL;
        if (latest_timestamp(r, &parent) != 0 ||
            eth_rpc_call(r, &res, "evm_mine", json_pack("[I]", (json_int_t)(parent + 1 > wall ? parent + 1 : wall))) !=
                ETH_OK) {
            /* anvil restarting or gone: say so once, keep trying. */
            if (!failing++) svc_log(SVC_LOG_WARN, "cannot mine", "{s:s}", "rpc_url", rpc_url);
            sleep_ms(MINER_POLL_IDLE_MS);
            continue;
        }
        json_decref(res);
        failing = 0;
        last_mined = svc_mono_ms();
        if (++blocks % 1000 == 0) svc_log(SVC_LOG_INFO, "mined", "{s:I}", "blocks", (json_int_t)blocks);
    }
    svc_log(SVC_LOG_INFO, "miner stopped", "{s:I}", "blocks", (json_int_t)blocks);
    eth_rpc_free(r);
    return DEVNET_OK;
}
