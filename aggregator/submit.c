/* submit.c - the aggregator's submitter: sends submitResult for each
 * certified task at the first instant the chain accepts it (the block must
 * be later than the creation block: TimestampAtCreation, hourglass §2.7),
 * watches the outcome, retries what may succeed later until the deadline,
 * and records why a task ended otherwise. It owns the aggregator's nonces. */
#include "agg_internal.h"

#include <stdlib.h>
#include <string.h>

/* Transport or node trouble: retry delays (doubling). */
#define RETRY_FIRST_MS 200
#define RETRY_MAX_MS 5000
/* A sent transaction's receipt is looked at after this (the TaskVerified
 * log normally ends the task first). */
#define RECEIPT_CHECK_MS 1500
/* A transaction the node forgot (no receipt) is replaced after this. */
#define DROPPED_AFTER_MS 30000
/* How often the chain clock and the fees are read. */
#define CLOCK_CHECK_MS 2000
/* submitResult's gas without estimation (an estimate costs anvil a binary
 * search of executions, ~40 ms with the pairing inside): what it used in
 * contracts/snapshots/gas.json (~310,000 with one new non-signer and a
 * 100-byte result) with margins: per non-signer its Merkle proof and two
 * cache slots, per result byte its code (200 gas) and calldata (16). A
 * transaction that runs out anyway is retried with an estimate. Results
 * above the size here always get an estimate. */
#define GAS_BASE 450000
#define GAS_PER_NON_SIGNER 80000
#define GAS_PER_RESULT_BYTE 300
#define GAS_FIXED_MAX_RESULT 16384

typedef struct {
    agg_service *a;
    eth_rpc *rpc;
    eth_client *client;
    agg_submission *items;
    double clock_checked;
    int have_fees;              /* EIP-1559 fees read with the clock (else eth_client asks) */
    eth_u256 max_fee, tip;
} submitter;

static void hex(char out[67], const uint8_t h[32]) { eth_hex_encode(out, h, 32); }

static void count(submitter *sb, const char *result)
{
    char labels[48];
    snprintf(labels, sizeof labels, "result=\"%s\"", result);
    svc_metric_add(svc_metrics_counter(sb->a->metrics, "faas_aggregator_submissions_total", labels,
                                       "submitResult attempts by result: sent, reverted, error."),
                   1);
}

static void remove_item(submitter *sb, agg_submission *s)
{
    for (agg_submission **p = &sb->items; *p; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    agg_submission_free(s);
}

/* Ends the task in the store (when it was not final yet) and drops it. */
static void finish(submitter *sb, agg_submission *s, agg_task_status st, const char *reason)
{
    char h[67];
    hex(h, s->task_hash);
    agg_err e = st == AGG_TASK_VERIFIED ? agg_store_set_verified(sb->a->store, s->task_hash, 0, s->tx_hash, reason)
                                        : agg_store_set_status(sb->a->store, s->task_hash, st, reason);
    if (e == AGG_OK) {
        agg_count_task(sb->a, agg_task_status_name(st));
        svc_log(st == AGG_TASK_VERIFIED ? SVC_LOG_INFO : SVC_LOG_WARN, "task ended", "{s:s,s:s,s:s}", "task", h,
                "status", agg_task_status_name(st), "reason", reason);
    }
    remove_item(sb, s);
}

static void retry_later(agg_submission *s)
{
    unsigned shift = s->attempts > 5 ? 5 : s->attempts;
    double d = RETRY_FIRST_MS * (double)(1u << shift);
    s->next_mono_ms = svc_mono_ms() + (d > RETRY_MAX_MS ? RETRY_MAX_MS : d);
    s->attempts++;
}

/* The chain clock: the next block's timestamp is about wall clock + offset.
 * anvil stamps a block with its wall clock rounded down to the second, or
 * later when its time was moved forward; an idle chain's latest block is
 * old, which says nothing. So only a latest block ahead of our clock (by
 * more than the rounding) sets an offset. */
static void check_clock(submitter *sb)
{
    if (svc_mono_ms() - sb->clock_checked < CLOCK_CHECK_MS) return;
    sb->clock_checked = svc_mono_ms();
    json_t *b;
    if (eth_rpc_call(sb->rpc, &b, "eth_getBlockByNumber", json_pack("[s,b]", "latest", 0)) != ETH_OK) return;
    uint64_t ts;
    if (eth_json_quantity(&ts, json_object_get(b, "timestamp")) == ETH_OK) {
        int64_t off = (int64_t)ts * 1000 - svc_wall_ms();
        atomic_store(&sb->a->chain_offset_ms, off > 1000 ? off : 0);
    }
    /* Fees as go-ethereum's bind: maxFee = 2 * baseFee + tip, enough for six
     * full blocks of base fee growth (EIP-1559), so a few seconds of cache. */
    eth_u256 base, twice;
    json_t *tip = NULL;
    sb->have_fees = eth_json_u256(&base, json_object_get(b, "baseFeePerGas")) == ETH_OK &&
                    eth_rpc_call(sb->rpc, &tip, "eth_maxPriorityFeePerGas", json_array()) == ETH_OK &&
                    eth_json_u256(&sb->tip, tip) == ETH_OK && !eth_u256_mul_u64(&twice, &base, 2) &&
                    !eth_u256_add(&sb->max_fee, &twice, &sb->tip);
    json_decref(tip);
    json_decref(b);
}

/* How a revert ends (or not) a submission. Returns 1 when s was dropped. */
static int on_revert(submitter *sb, agg_submission *s, const char *why)
{
    count(sb, "reverted");
    if (strstr(why, "TimestampAtCreation")) {
        /* Too early for the chain's clock: at the next second, or (blocks
         * stamped after their parents) with the next block. */
        int64_t now = agg_chain_now_ms(sb->a);
        if (sb->a->cfg.increasing_timestamps) retry_later(s);
        else s->next_mono_ms = svc_mono_ms() + (double)(1000 - now % 1000) + 1;
        return 0;
    }
    if (strstr(why, "InvalidTaskStatus(1, 2)")) {
        finish(sb, s, AGG_TASK_VERIFIED, "verified on chain by another submission");
        return 1;
    }
    if (strstr(why, "InvalidTaskStatus(1, 3)")) {
        finish(sb, s, AGG_TASK_EXPIRED, "expired on chain before the certificate landed");
        return 1;
    }
    char reason[600];
    snprintf(reason, sizeof reason, "submitResult reverted: %s", why);
    finish(sb, s, AGG_TASK_FAILED, reason);
    return 1;
}

/* Resumed submissions do not know the task's creation time: read it (and
 * whether the chain already settled the task). Returns 1 when s was dropped. */
static int learn_task(submitter *sb, agg_submission *s)
{
    exec_task_info ti;
    char detail[SVC_DETAIL_MAX];
    if (exec_chain_task(sb->rpc, &sb->a->mailbox, s->task_hash, &ti, detail) != EXEC_OK) {
        retry_later(s);
        return 0;
    }
    exec_task_status st = ti.status;
    s->creation_time = ti.creation_time;
    exec_task_info_free(&ti);
    if (st == EXEC_STATUS_VERIFIED) {
        finish(sb, s, AGG_TASK_VERIFIED, "verified on chain (found after a restart)");
        return 1;
    }
    if (st != EXEC_STATUS_CREATED) {
        finish(sb, s, st == EXEC_STATUS_EXPIRED ? AGG_TASK_EXPIRED : AGG_TASK_FAILED,
               st == EXEC_STATUS_EXPIRED ? "expired on chain before the certificate landed" : "unknown to the mailbox");
        return 1;
    }
    return 0;
}

static void send(submitter *sb, agg_submission *s)
{
    json_t *args = json_pack("[o,o,o]", eth_json_from_data(s->task_hash, 32), eth_json_from_data(s->cert, s->cert_len),
                             eth_json_from_data(s->result, s->result_len));
    eth_buf data;
    eth_buf_init(&data, 0);
    if (!args || eth_abi_encode_call(&data, "submitResult(bytes32,bytes,bytes)", args) != ETH_OK) {
        json_decref(args);
        eth_buf_free(&data);
        finish(sb, s, AGG_TASK_FAILED, "cannot encode submitResult");
        return;
    }
    json_decref(args);
    uint8_t tx[32];
    eth_send_opts o = { .gas_margin_pct = 25 };
    /* The first attempt with a computed gas limit; retries estimate. */
    if (!s->attempts && s->result_len <= GAS_FIXED_MAX_RESULT)
        o.gas_limit = GAS_BASE + (uint64_t)GAS_PER_NON_SIGNER * s->non_signers + GAS_PER_RESULT_BYTE * s->result_len;
    if (sb->have_fees) {
        o.max_fee = &sb->max_fee;
        o.priority_fee = &sb->tip;
    }
    double t0 = svc_mono_ms();
    eth_err e = eth_client_send(sb->client, tx, &sb->a->mailbox, data.data, data.len, &o);
    double t1 = svc_mono_ms();
    eth_buf_free(&data);
    char h[67];
    hex(h, s->task_hash);
    if (e == ETH_ERR_REVERT) {
        on_revert(sb, s, eth_client_last_error(sb->client));
        return;
    }
    if (e) {
        count(sb, "error");
        svc_log(SVC_LOG_WARN, "submitResult not sent, retrying", "{s:s,s:s,s:s}", "task", h, "error", eth_strerror(e),
                "detail", eth_client_last_error(sb->client));
        retry_later(s);
        return;
    }
    count(sb, "sent");
    /* Off-chain latency: the dispatcher's part, then ours until the
     * transaction was sent, less the wait for the chain clock. */
    double offchain = s->work_ms + (t1 - s->queued_mono_ms - s->wait_ms);
    memcpy(s->tx_hash, tx, 32);
    s->submitted = 1;
    s->sent_mono_ms = t1;
    s->next_mono_ms = t1 + RECEIPT_CHECK_MS;
    agg_store_set_submitted(sb->a->store, s->task_hash, tx, offchain);
    svc_metric_observe(sb->a->m_offchain, offchain / 1000);
    agg_count_task(sb->a, "submitted");
    char txh[67];
    svc_log(SVC_LOG_INFO, "submitResult sent", "{s:s,s:s,s:f,s:f}", "task", h, "tx", eth_hex_encode(txh, tx, 32),
            "offchain_ms", offchain, "send_ms", t1 - t0);
}

static void check_receipt(submitter *sb, agg_submission *s)
{
    eth_receipt rc;
    eth_err e = eth_rpc_get_receipt(sb->rpc, &rc, s->tx_hash);
    if (e == ETH_ERR_NOT_FOUND) {
        /* Pending, or forgotten by the node: after a while, send again. */
        if (svc_mono_ms() - s->sent_mono_ms > DROPPED_AFTER_MS) s->submitted = 0;
        s->next_mono_ms = svc_mono_ms() + RECEIPT_CHECK_MS;
        return;
    }
    if (e) {
        retry_later(s);
        return;
    }
    int ok = rc.status == 1;
    uint64_t block = rc.block_number;
    eth_receipt_free(&rc);
    if (ok) {
        char reason[96];
        snprintf(reason, sizeof reason, "submitResult mined in block %llu", (unsigned long long)block);
        if (agg_store_set_verified(sb->a->store, s->task_hash, block, s->tx_hash, reason) == AGG_OK)
            agg_count_task(sb->a, "verified");
        remove_item(sb, s);
        return;
    }
    char *why = NULL;
    if (eth_client_revert_reason(sb->client, &why, s->tx_hash) != ETH_OK) {
        retry_later(s);
        return;
    }
    s->submitted = 0;
    s->attempts++; /* the next one estimates its gas */
    if (strstr(why, "gas")) s->next_mono_ms = svc_mono_ms();
    else on_revert(sb, s, why);
    free(why);
}

/* One pass over the due submissions; returns ms until the next one is due. */
static long work(submitter *sb)
{
    double next = svc_mono_ms() + 1000;
    for (agg_submission *s = sb->items, *n; s; s = n) {
        n = s->next;
        double now = svc_mono_ms();
        if (s->next_mono_ms > now) {
            if (s->next_mono_ms < next) next = s->next_mono_ms;
            continue;
        }
        if (((int64_t)s->deadline + 1) * 1000 <= agg_chain_now_ms(sb->a)) {
            finish(sb, s, AGG_TASK_EXPIRED, s->submitted ? "deadline passed before submitResult landed"
                                                         : "deadline passed before submitResult could be sent");
            continue;
        }
        if (s->submitted) {
            check_receipt(sb, s);
        } else if (!s->creation_time && learn_task(sb, s)) {
            continue;
        } else if (s->creation_time) {
            /* The first instant the next block's timestamp exceeds the creation
             * time: at once when every block is stamped after its parent. */
            int64_t wait = sb->a->cfg.increasing_timestamps
                               ? 0
                               : ((int64_t)s->creation_time + 1) * 1000 - agg_chain_now_ms(sb->a);
            if (wait > 0) {
                s->next_mono_ms = now + (double)wait + 1;
                /* The wait is the chain's, not ours: it leaves the off-chain latency. */
                s->wait_ms += (double)wait + 1;
            } else {
                send(sb, s);
            }
        }
    }
    for (agg_submission *s = sb->items; s; s = s->next)
        if (s->next_mono_ms < next) next = s->next_mono_ms;
    double ms = next - svc_mono_ms();
    return ms < 1 ? 0 : (long)ms;
}

static void take(submitter *sb, agg_msg *m)
{
    for (agg_msg *next; m; m = next) {
        next = m->next;
        if (m->kind == AGG_MSG_SUBMIT && m->sub) {
            agg_submission *s = m->sub;
            m->sub = NULL;
            s->next_mono_ms = 0;
            s->queued_mono_ms = svc_mono_ms();
            s->next = sb->items;
            sb->items = s;
        } else if (m->kind == AGG_MSG_DONE) {
            for (agg_submission *s = sb->items; s; s = s->next) {
                if (memcmp(s->task_hash, m->task_hash, 32) == 0) {
                    remove_item(sb, s);
                    break;
                }
            }
        }
        agg_msg_free(m);
    }
}

void *agg_submit_main(void *arg)
{
    submitter sb = { .a = arg };
    sb.rpc = eth_rpc_new(sb.a->cfg.rpc_url, &agg_rpc_opts);
    if (!sb.rpc || eth_client_new(&sb.client, sb.rpc, &sb.a->key) != ETH_OK) {
        svc_log(SVC_LOG_ERROR, "submitter cannot start", "{s:s}", "detail", sb.rpc ? eth_rpc_last_error(sb.rpc) : "");
        eth_rpc_free(sb.rpc);
        return NULL;
    }
    long wait = 0;
    while (!atomic_load(&sb.a->stopping)) {
        take(&sb, agg_inbox_take(&sb.a->submit_in, wait));
        check_clock(&sb);
        wait = work(&sb);
        if (wait > 100) wait = 100;
    }
    while (sb.items) remove_item(&sb, sb.items);
    eth_client_free(sb.client);
    eth_rpc_free(sb.rpc);
    return NULL;
}
