/* agg_internal.h - what the aggregator service's threads share (private to
 * the aggregator library; the public API is aggregator.h).
 *
 * Threads:
 *   subscription  eth_sub's thread: stores each TaskCreated (and raises the
 *                 last processed block) and TaskVerified, hands new tasks to
 *                 the dispatcher and verifications to both workers
 *   dispatcher    dispatch.c: one libcurl multi loop fanning every task out
 *                 to its executors, verifying and grouping answers, building
 *                 the certificate, expiring tasks at their deadline
 *   submitter     submit.c: owns the aggregator's eth_client; sends
 *                 submitResult at the first instant the chain accepts it,
 *                 retries, watches receipts
 *   HTTP          svc_http's threads: status API and metrics
 */
#ifndef FAAS_AGG_INTERNAL_H
#define FAAS_AGG_INTERNAL_H

#include "aggregator.h"
#include "svc.h"

#include <pthread.h>
#include <stdatomic.h>

/* A task certified by the dispatcher, for the submitter. */
typedef struct agg_submission {
    uint8_t task_hash[32];
    uint8_t *result;            /* owned */
    size_t result_len;
    uint8_t *cert;              /* owned */
    size_t cert_len;
    uint64_t creation_time;     /* chain seconds; submitResult must land after it */
    uint64_t deadline;          /* chain seconds; not after it */
    unsigned non_signers;       /* witnesses in the certificate (gas) */
    double work_ms;             /* first sight -> certificate (0 when resumed) */
    double queued_mono_ms;      /* when the submitter took it */
    double wait_ms;             /* spent waiting for the chain clock (not ours) */
    double sent_mono_ms;        /* when the transaction was sent */
    int submitted;              /* a transaction was sent (tx_hash) */
    uint8_t tx_hash[32];
    double next_mono_ms;        /* when to act next (send, or check the receipt) */
    unsigned attempts;
    struct agg_submission *next;
} agg_submission;

/* A message to a worker's inbox. */
typedef enum { AGG_MSG_TASK, AGG_MSG_SUBMIT, AGG_MSG_DONE } agg_msg_kind;

typedef struct agg_msg {
    agg_msg_kind kind;
    agg_task task;              /* AGG_MSG_TASK (owned) */
    agg_submission *sub;        /* AGG_MSG_SUBMIT (owned) */
    uint8_t task_hash[32];      /* AGG_MSG_DONE: the task is final, drop it */
    double seen_mono_ms;        /* AGG_MSG_TASK: when the log arrived */
    struct agg_msg *next;
} agg_msg;

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    agg_msg *head, *tail;
} agg_inbox;

struct agg_service {
    agg_settings cfg;           /* borrowed strings */
    uint64_t chain_id;
    eth_address mailbox, registry, avs;
    eth_key key;
    agg_store *store;
    svc_http *http;
    eth_sub *sub;
    svc_metrics *metrics;
    svc_metric *m_offchain, *m_ws, *m_last_block, *m_jobs;
    atomic_int stopping;
    /* Chain clock minus wall clock in ms (>= 0): the next block's timestamp
     * is about wall clock + offset. Updated by the submitter. */
    atomic_llong chain_offset_ms;

    pthread_t dispatch_thread, submit_thread;
    int dispatch_started, submit_started;
    agg_inbox dispatch_in, submit_in;
    void *wake;                 /* the dispatcher's CURLM, for curl_multi_wakeup */
    pthread_mutex_t wake_lock;
};

/* Inboxes: post takes ownership of m; take returns the whole list (oldest
 * first) or NULL, waiting at most wait_ms (0: no wait). */
void agg_inbox_init(agg_inbox *b);
void agg_inbox_destroy(agg_inbox *b);
void agg_inbox_post(agg_inbox *b, agg_msg *m);
agg_msg *agg_inbox_take(agg_inbox *b, long wait_ms);
void agg_msg_free(agg_msg *m);
void agg_submission_free(agg_submission *s);

/* Posts to the dispatcher and wakes its curl loop. */
void agg_dispatch_post(agg_service *a, agg_msg *m);
/* Tells both workers that a task reached a final status. */
void agg_post_done(agg_service *a, const uint8_t task_hash[32]);

/* The chain's clock as the next block would see it, in ms. */
int64_t agg_chain_now_ms(agg_service *a);

/* Counts a task event in faas_aggregator_tasks_total{event=...}. */
void agg_count_task(agg_service *a, const char *event);

/* Worker threads (arg: the service). */
void *agg_dispatch_main(void *arg);
void *agg_submit_main(void *arg);

/* eth_rpc options with the mailbox's and verifier's custom errors, so
 * reverts read "TimestampAtCreation()", "InvalidTaskStatus(1, 2)". */
extern const eth_rpc_opts agg_rpc_opts;

#endif
