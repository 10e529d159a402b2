/* service.c - the aggregator service: settings, start/stop, the log
 * subscription (TaskCreated/TaskVerified of our AVS), inboxes, and the HTTP
 * status API. The work itself is in dispatch.c and submit.c. */
#include "agg_internal.h"
#include "faas_abi.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const svc_setting agg_settings_table[] = {
#define S(key, flag, env, type, member, def, help) \
    { key, flag, env, SVC_SETTING_##type, offsetof(agg_settings, member), def, help }
    S("rpc_url", "rpc-url", "FAAS_AGGREGATOR_RPC_URL", STRING, rpc_url, "http://127.0.0.1:7545", "chain JSON-RPC URL"),
    S("ws_url", "ws-url", "FAAS_AGGREGATOR_WS_URL", STRING, ws_url, "ws://127.0.0.1:7545",
      "chain WebSocket URL (log subscription)"),
    S("chain_id", "chain-id", "FAAS_AGGREGATOR_CHAIN_ID", UINT, chain_id, "0", "expected chain id (0: any)"),
    S("contracts.taskmailbox", "taskmailbox-address", "FAAS_AGGREGATOR_TASKMAILBOX", STRING, mailbox, NULL,
      "TaskMailbox address"),
    S("contracts.operator_registry", "registry-address", "FAAS_AGGREGATOR_REGISTRY", STRING, registry, NULL,
      "OperatorRegistry address"),
    S("contracts.faas", "faas-address", "FAAS_AGGREGATOR_FAAS", STRING, avs, NULL,
      "FaaS contract address (the AVS whose tasks are served)"),
    S("key_file", "key-file", NULL, PATH, key_file, NULL,
      "file with the aggregator's ECDSA key (or the variable FAAS_AGGREGATOR_KEY)"),
    S("listen", "listen", "FAAS_AGGREGATOR_LISTEN", STRING, listen, "127.0.0.1:9000",
      "host:port of the status API and metrics"),
    S("data_dir", "data-dir", "FAAS_AGGREGATOR_DATA_DIR", PATH, data_dir, NULL, "directory for aggregator.db"),
    S("start_block", "start-block", "FAAS_AGGREGATOR_START_BLOCK", UINT, start_block, "0",
      "first block to scan when the store is new (0: the current head)"),
    S("confirmations", "confirmations", "FAAS_AGGREGATOR_CONFIRMATIONS", UINT, confirmations, "0",
      "blocks on top of a TaskCreated before it is served"),
    S("increasing_timestamps", "increasing-timestamps", "FAAS_AGGREGATOR_INCREASING_TIMESTAMPS", BOOL,
      increasing_timestamps, "false",
      "every block is stamped later than its parent (the devnet's miner): submit without waiting for the next second"),
    S("executor_timeout_ms", "executor-timeout-ms", NULL, UINT, executor_timeout_ms, "10000",
      "one request to an executor"),
#undef S
};
const size_t agg_settings_count = sizeof agg_settings_table / sizeof agg_settings_table[0];

static const char *const custom_errors[] = {
    "TimestampAtCreation()", "InvalidTaskStatus(uint8,uint8)", "ThresholdNotMet()", "InvalidMessageHash()",
    "InvalidReferenceTimestamp()", "EmptyCertificateSignature()", "CertificateStale()", "VerificationFailed()",
    "ReferenceTimestampDoesNotExist()", "RootDisabled()", "NonSignerIndicesNotSorted()", "InvalidOperatorIndex()",
    "ArrayLengthMismatch()", NULL,
};
const eth_rpc_opts agg_rpc_opts = { .timeout_ms = 10000, .retries = 1, .custom_errors = custom_errors };

/* ------------------------------------------------------------------------ */
/* Inboxes                                                                    */

void agg_inbox_init(agg_inbox *b)
{
    memset(b, 0, sizeof *b);
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->cond, NULL);
}

void agg_inbox_destroy(agg_inbox *b)
{
    agg_msg *m = b->head;
    while (m) {
        agg_msg *n = m->next;
        agg_msg_free(m);
        m = n;
    }
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->lock);
}

void agg_inbox_post(agg_inbox *b, agg_msg *m)
{
    m->next = NULL;
    pthread_mutex_lock(&b->lock);
    if (b->tail) b->tail->next = m;
    else b->head = m;
    b->tail = m;
    pthread_cond_signal(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

agg_msg *agg_inbox_take(agg_inbox *b, long wait_ms)
{
    pthread_mutex_lock(&b->lock);
    if (!b->head && wait_ms > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += wait_ms / 1000;
        ts.tv_nsec += (wait_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&b->cond, &b->lock, &ts);
    }
    agg_msg *m = b->head;
    b->head = b->tail = NULL;
    pthread_mutex_unlock(&b->lock);
    return m;
}

void agg_submission_free(agg_submission *s)
{
    if (!s) return;
    free(s->result);
    free(s->cert);
    free(s);
}

void agg_msg_free(agg_msg *m)
{
    if (!m) return;
    agg_task_free(&m->task);
    agg_submission_free(m->sub);
    free(m);
}

void agg_dispatch_post(agg_service *a, agg_msg *m)
{
    agg_inbox_post(&a->dispatch_in, m);
    pthread_mutex_lock(&a->wake_lock);
    if (a->wake) curl_multi_wakeup(a->wake);
    pthread_mutex_unlock(&a->wake_lock);
}

void agg_post_done(agg_service *a, const uint8_t task_hash[32])
{
    for (int i = 0; i < 2; i++) {
        agg_msg *m = calloc(1, sizeof *m);
        if (!m) return;
        m->kind = AGG_MSG_DONE;
        memcpy(m->task_hash, task_hash, 32);
        if (i == 0) agg_dispatch_post(a, m);
        else agg_inbox_post(&a->submit_in, m);
    }
}

int64_t agg_chain_now_ms(agg_service *a) { return svc_wall_ms() + atomic_load(&a->chain_offset_ms); }

void agg_count_task(agg_service *a, const char *event)
{
    char labels[48];
    snprintf(labels, sizeof labels, "event=\"%s\"", event);
    svc_metric_add(svc_metrics_counter(a->metrics, "faas_aggregator_tasks_total", labels,
                                       "Tasks by event: seen, certified, submitted, verified, expired, failed."),
                   1);
}

/* ------------------------------------------------------------------------ */
/* The subscription                                                           */


static uint8_t topic_created[32], topic_verified[32];

static int u64_member(const json_t *o, const char *k, uint64_t *out)
{
    eth_u256 u;
    const char *s = json_string_value(json_object_get(o, k));
    return s && eth_u256_parse(&u, s) == ETH_OK && eth_u256_to_u64(&u, out) ? 0 : -1;
}

static void on_created(agg_service *a, const eth_log *log, const json_t *ev)
{
    char hash[67];
    agg_task t = { 0 };
    uint64_t set, ts, deadline;
    const char *payload = json_string_value(json_object_get(ev, "payload"));
    if (u64_member(ev, "executorOperatorSetId", &set) || u64_member(ev, "operatorTableReferenceTimestamp", &ts) ||
        u64_member(ev, "taskDeadline", &deadline) || !payload ||
        eth_hex_decode_alloc(&t.payload, &t.payload_len, payload, strlen(payload)) != ETH_OK) {
        svc_log(SVC_LOG_WARN, "TaskCreated log does not decode", "{s:I}", "block", (json_int_t)log->block_number);
        return;
    }
    memcpy(t.task_hash, log->topics[2], 32);
    memcpy(t.avs.addr, log->topics[3] + 12, 20);
    t.operator_set_id = (uint32_t)set;
    t.reference_timestamp = (uint32_t)ts;
    t.deadline = deadline;
    t.block_number = log->block_number;
    t.log_index = log->log_index;
    t.seen_ms = svc_wall_ms();
    double seen = svc_mono_ms();
    int added = 0;
    /* Every log of earlier blocks is stored: the last processed block is the one before. */
    agg_err e = agg_store_add_task(a->store, &t, log->block_number ? log->block_number - 1 : 0, &added);
    eth_hex_encode(hash, t.task_hash, 32);
    if (e) {
        svc_log(SVC_LOG_ERROR, "cannot store a task", "{s:s,s:s}", "task", hash, "error", agg_strerror(e));
        agg_task_free(&t);
        return;
    }
    svc_metric_set(a->m_last_block, (double)log->block_number);
    if (!added) {
        agg_task_free(&t);
        return;
    }
    agg_count_task(a, "seen");
    svc_log(SVC_LOG_INFO, "task seen", "{s:s,s:I,s:I}", "task", hash, "block", (json_int_t)t.block_number, "deadline",
            (json_int_t)t.deadline);
    agg_msg *m = calloc(1, sizeof *m);
    if (!m) {
        agg_task_free(&t);
        return;
    }
    m->kind = AGG_MSG_TASK;
    m->task = t;
    m->seen_mono_ms = seen;
    agg_dispatch_post(a, m);
}

static void on_verified(agg_service *a, const eth_log *log)
{
    char hash[67], tx[67];
    eth_hex_encode(hash, log->topics[2], 32);
    eth_hex_encode(tx, log->tx_hash, 32);
    char reason[128];
    eth_address by;
    memcpy(by.addr, log->topics[1] + 12, 20);
    char who[43];
    snprintf(reason, sizeof reason, "TaskVerified in block %llu, submitted by %s%s",
             (unsigned long long)log->block_number, eth_address_to_hex(who, &by),
             memcmp(by.addr, a->key.address.addr, 20) == 0 ? " (us)" : "");
    agg_err e = agg_store_set_verified(a->store, log->topics[2], log->block_number, log->tx_hash, reason);
    agg_store_set_last_block(a->store, log->block_number ? log->block_number - 1 : 0);
    if (e == AGG_OK) {
        agg_count_task(a, "verified");
        svc_log(SVC_LOG_INFO, "task verified", "{s:s,s:s,s:I}", "task", hash, "tx", tx, "block",
                (json_int_t)log->block_number);
        agg_post_done(a, log->topics[2]);
    }
}

static void on_log(void *user, const eth_log *log)
{
    agg_service *a = user;
    if (log->n_topics < 4 || memcmp(log->topics[3] + 12, a->avs.addr, 20) != 0) return;
    if (log->removed) {
        /* A reorganisation took the log back; its task is served again if it
         * returns (agg_store_add_task takes it up again). */
        char hash[67];
        svc_log(SVC_LOG_WARN, "log removed by a reorganisation", "{s:s}", "task", eth_hex_encode(hash, log->topics[2], 32));
        if (memcmp(log->topics[0], topic_created, 32) == 0 &&
            agg_store_set_status(a->store, log->topics[2], AGG_TASK_FAILED, AGG_REORG_REASON) ==
                AGG_OK)
            agg_post_done(a, log->topics[2]);
        return;
    }
    if (memcmp(log->topics[0], topic_verified, 32) == 0) {
        on_verified(a, log);
        return;
    }
    json_t *ev;
    if (eth_abi_decode_log(&ev, FAAS_ABI_TASK_CREATED, (const uint8_t(*)[32])log->topics, log->n_topics, log->data,
                           log->data_len) != ETH_OK)
        return;
    on_created(a, log, ev);
    json_decref(ev);
}

/* ------------------------------------------------------------------------ */
/* HTTP status API                                                            */

static json_t *hex_json(const uint8_t *p, size_t n) { return p || !n ? eth_json_from_data(p, n) : json_null(); }

/* The result as text when it is UTF-8 JSON (what functions return), else hex. */
static json_t *result_json(const uint8_t *r, size_t n)
{
    if (!r) return json_null();
    json_t *s = json_stringn((const char *)r, n);
    return s ? s : hex_json(r, n);
}

static void task_status(agg_service *a, const char *hex, svc_http_response *resp)
{
    uint8_t h[32];
    if (eth_hex_decode_exact(h, 32, hex) != ETH_OK) {
        svc_http_reply_error(resp, 400, "bad_request", "task hash must be 0x and 64 hex digits");
        return;
    }
    agg_task t;
    agg_err e = agg_store_get(a->store, h, &t);
    if (e == AGG_ERR_NOT_FOUND) {
        svc_http_reply_error(resp, 404, "unknown_task", "the aggregator has not seen this task");
        return;
    }
    json_t *hist = NULL;
    if (e || agg_store_history(a->store, h, &hist)) {
        agg_task_free(&t);
        svc_http_reply_error(resp, 500, "internal", "store failed");
        return;
    }
    char avs[43];
    json_t *o = json_pack("{s:o,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:o,s:o,s:I,s:I,s:f,s:o}", "task_hash", hex_json(h, 32),
                          "status", agg_task_status_name(t.status), "reason", t.reason, "avs",
                          eth_address_to_hex(avs, &t.avs), "operator_set_id", (json_int_t)t.operator_set_id,
                          "reference_timestamp", (json_int_t)t.reference_timestamp, "block", (json_int_t)t.block_number,
                          "deadline", (json_int_t)t.deadline, "result", result_json(t.result, t.result_len), "tx_hash",
                          t.has_tx ? hex_json(t.tx_hash, 32) : json_null(), "verified_block",
                          (json_int_t)t.verified_block, "seen_ms", (json_int_t)t.seen_ms, "offchain_ms",
                          t.offchain_ms, "history", hist);
    agg_task_free(&t);
    svc_http_reply_json(resp, 200, o);
}

static void handle(void *user, const svc_http_request *req, svc_http_response *resp)
{
    agg_service *a = user;
    if (strcmp(req->method, "GET") != 0) {
        svc_http_reply_error(resp, 405, "bad_request", "use GET");
    } else if (strncmp(req->path, "/v1/tasks/", 10) == 0) {
        task_status(a, req->path + 10, resp);
    } else if (strcmp(req->path, "/healthz") == 0) {
        uint64_t counts[AGG_TASK__COUNT], last = 0;
        int has = 0;
        unsigned conns = eth_sub_connections(a->sub);
        if (agg_store_counts(a->store, counts) || agg_store_last_block(a->store, &last, &has)) {
            svc_http_reply_error(resp, 500, "internal", "store failed");
            return;
        }
        json_t *c = json_object();
        for (int i = 0; i < AGG_TASK__COUNT; i++)
            json_object_set_new(c, agg_task_status_name((agg_task_status)i), json_integer((json_int_t)counts[i]));
        char sub_err[256];
        eth_sub_last_error(a->sub, sub_err, sizeof sub_err);
        svc_http_reply_json(resp, conns ? 200 : 503,
                            json_pack("{s:s,s:i,s:s,s:o,s:o}", "status", conns ? "ok" : "connecting", "subscriptions",
                                      (int)conns, "subscription_error", sub_err, "last_block",
                                      has ? json_integer((json_int_t)last) : json_null(), "tasks", c));
    } else if (strcmp(req->path, "/metrics") == 0) {
        svc_metric_set(a->m_ws, (double)eth_sub_connections(a->sub));
        svc_http_reply_metrics(resp, a->metrics);
    } else {
        svc_http_reply_error(resp, 404, "not_found", "no such endpoint (try /v1/tasks/0x..., /healthz, /metrics)");
    }
}

/* ------------------------------------------------------------------------ */
/* Start and stop                                                             */

static agg_err fail(char *detail, agg_err e, const char *fmt, const char *arg)
{
    snprintf(detail, SVC_DETAIL_MAX, fmt, arg);
    return e;
}

static agg_err parse_address(eth_address *out, const char *text, const char *what, char *detail)
{
    if (!text) return fail(detail, AGG_ERR_CONFIG, "%s address is not set", what);
    if (eth_address_parse(out, text) != ETH_OK)
        return fail(detail, AGG_ERR_CONFIG, "%s address is not 0x + 40 hex digits (EIP-55 if mixed case)", what);
    return AGG_OK;
}

/* Checks the node and that our key is the registered aggregator. */
static agg_err check_chain(agg_service *a, char *detail)
{
    eth_rpc *r = eth_rpc_new(a->cfg.rpc_url, &agg_rpc_opts);
    if (!r) return fail(detail, AGG_ERR_CONFIG, "RPC URL %s is not http(s)", a->cfg.rpc_url);
    uint64_t id;
    agg_err rc = AGG_OK;
    eth_address registered;
    char why[SVC_DETAIL_MAX];
    if (eth_rpc_chain_id(r, &id) != ETH_OK) {
        snprintf(detail, SVC_DETAIL_MAX, "cannot reach the chain at %s: %s", a->cfg.rpc_url, eth_rpc_last_error(r));
        rc = AGG_ERR_START;
    } else if (a->cfg.chain_id && id != a->cfg.chain_id) {
        snprintf(detail, SVC_DETAIL_MAX, "the node at %s is chain %llu, configured chain_id is %llu", a->cfg.rpc_url,
                 (unsigned long long)id, (unsigned long long)a->cfg.chain_id);
        rc = AGG_ERR_CONFIG;
    } else if (exec_chain_aggregator(r, &a->registry, &registered, why) != EXEC_OK) {
        snprintf(detail, SVC_DETAIL_MAX, "cannot read the registered aggregator: %.400s", why);
        rc = AGG_ERR_START;
    } else if (memcmp(registered.addr, a->key.address.addr, 20) != 0) {
        char mine[43], theirs[43];
        snprintf(detail, SVC_DETAIL_MAX, "this key is %s but the registry's aggregator is %s: executors would refuse us",
                 eth_address_to_hex(mine, &a->key.address), eth_address_to_hex(theirs, &registered));
        rc = AGG_ERR_CONFIG;
    } else {
        a->chain_id = id;
    }
    eth_rpc_free(r);
    return rc;
}

static agg_err open_store(agg_service *a, char *detail)
{
    if (!a->cfg.data_dir) return fail(detail, AGG_ERR_CONFIG, "no data directory (data_dir)%s", "");
    if (mkdir(a->cfg.data_dir, 0700) != 0 && errno != EEXIST)
        return fail(detail, AGG_ERR_CONFIG, "cannot create the data directory %s", a->cfg.data_dir);
    size_t n = strlen(a->cfg.data_dir) + 32;
    char *path = malloc(n);
    if (!path) return AGG_ERR_NOMEM;
    snprintf(path, n, "%s/aggregator.db", a->cfg.data_dir);
    agg_err e = agg_store_open(&a->store, path, detail);
    free(path);
    return e == AGG_ERR_DB ? AGG_ERR_START : e;
}

/* Unfinished tasks of an earlier run go back to the workers. */
static agg_err resume(agg_service *a)
{
    agg_task *list;
    size_t n;
    agg_err e = agg_store_unfinished(a->store, &list, &n);
    if (e) return e;
    for (size_t i = 0; i < n; i++) {
        agg_msg *m = calloc(1, sizeof *m);
        if (!m) {
            agg_task_free(&list[i]);
            continue;
        }
        if (list[i].status == AGG_TASK_PENDING) {
            m->kind = AGG_MSG_TASK;
            m->task = list[i];
            m->seen_mono_ms = svc_mono_ms();
            agg_dispatch_post(a, m);
            continue;
        }
        /* Certified or submitted: the certificate is stored, go straight to submission. */
        agg_submission *s = calloc(1, sizeof *s);
        if (!s) {
            free(m);
            agg_task_free(&list[i]);
            continue;
        }
        memcpy(s->task_hash, list[i].task_hash, 32);
        s->result = list[i].result;
        s->result_len = list[i].result_len;
        s->cert = list[i].cert;
        s->cert_len = list[i].cert_len;
        list[i].result = list[i].cert = NULL;
        s->deadline = list[i].deadline;
        s->submitted = list[i].status == AGG_TASK_SUBMITTED && list[i].has_tx;
        if (s->submitted) memcpy(s->tx_hash, list[i].tx_hash, 32);
        m->kind = AGG_MSG_SUBMIT;
        m->sub = s;
        agg_inbox_post(&a->submit_in, m);
        agg_task_free(&list[i]);
    }
    free(list);
    if (n) svc_log(SVC_LOG_INFO, "resuming unfinished tasks", "{s:I}", "count", (json_int_t)n);
    return AGG_OK;
}

static agg_err subscribe(agg_service *a, char *detail)
{
    uint64_t last;
    int has;
    if (agg_store_last_block(a->store, &last, &has)) return fail(detail, AGG_ERR_START, "cannot read the store%s", "");
    eth_abi_event_topic(topic_created, FAAS_ABI_TASK_CREATED);
    eth_abi_event_topic(topic_verified, FAAS_ABI_TASK_VERIFIED);
    static uint8_t topics[2][32];
    memcpy(topics[0], topic_created, 32);
    memcpy(topics[1], topic_verified, 32);
    eth_sub_opts o = {
        .ws_url = a->cfg.ws_url,
        .rpc_url = a->cfg.rpc_url,
        .filter = { .addresses = &a->mailbox, .n_addresses = 1, .topic0 = (const uint8_t(*)[32])topics, .n_topic0 = 2 },
        /* Catch-up from the block after the last one whose logs are all stored. */
        .from_block = has ? last + 1 : a->cfg.start_block,
        .reconnect_max_ms = 2000,
        .on_log = on_log,
        .user = a,
    };
    if (eth_sub_start(&a->sub, &o) != ETH_OK)
        return fail(detail, AGG_ERR_CONFIG, "cannot subscribe: is ws_url %s a ws:// URL?", a->cfg.ws_url);
    svc_log(SVC_LOG_INFO, "subscribed", "{s:s,s:I}", "ws_url", a->cfg.ws_url, "from_block", (json_int_t)o.from_block);
    return AGG_OK;
}

agg_err agg_service_start(agg_service **out, const agg_settings *s, char *detail)
{
    *out = NULL;
    char scratch[SVC_DETAIL_MAX];
    if (!detail) detail = scratch;
    *detail = 0;
    agg_service *a = calloc(1, sizeof *a);
    if (!a) return AGG_ERR_NOMEM;
    a->cfg = *s;
    agg_inbox_init(&a->dispatch_in);
    agg_inbox_init(&a->submit_in);
    pthread_mutex_init(&a->wake_lock, NULL);
    a->metrics = svc_metrics_new();
    a->m_offchain = svc_metrics_histogram(a->metrics, "faas_aggregator_offchain_seconds", NULL,
                                          "First sight of TaskCreated to submitResult sent (less the chain-clock wait).",
                                          svc_latency_buckets, svc_latency_buckets_n);
    a->m_ws = svc_metrics_gauge(a->metrics, "faas_aggregator_ws_subscriptions", NULL,
                                "Successful log subscriptions (first one plus resubscriptions).");
    a->m_last_block = svc_metrics_gauge(a->metrics, "faas_aggregator_last_task_block", NULL,
                                        "Block of the latest TaskCreated seen.");
    a->m_jobs = svc_metrics_gauge(a->metrics, "faas_aggregator_tasks_dispatching", NULL,
                                  "Tasks being fanned out to executors.");
    agg_err rc = a->metrics ? AGG_OK : AGG_ERR_NOMEM;
    if (!rc) rc = parse_address(&a->mailbox, s->mailbox, "TaskMailbox", detail);
    if (!rc) rc = parse_address(&a->registry, s->registry, "OperatorRegistry", detail);
    if (!rc) rc = parse_address(&a->avs, s->avs, "FaaS (AVS)", detail);
    if (!rc) {
        char *hex;
        svc_err se = svc_secret_load(&hex, "FAAS_AGGREGATOR_KEY", s->key_file, "aggregator key", detail);
        unsetenv("FAAS_AGGREGATOR_KEY"); /* read once; no child inherits it */
        if (se) {
            rc = AGG_ERR_CONFIG;
        } else {
            if (eth_key_from_hex(&a->key, hex) != ETH_OK)
                rc = fail(detail, AGG_ERR_CONFIG, "the aggregator key is not a valid secp256k1 key%s", "");
            svc_secret_free(hex);
        }
    }
    if (!rc) rc = check_chain(a, detail);
    if (!rc) rc = open_store(a, detail);
    if (!rc) {
        if (pthread_create(&a->dispatch_thread, NULL, agg_dispatch_main, a) == 0) a->dispatch_started = 1;
        if (pthread_create(&a->submit_thread, NULL, agg_submit_main, a) == 0) a->submit_started = 1;
        if (!a->dispatch_started || !a->submit_started) rc = fail(detail, AGG_ERR_START, "cannot start threads%s", "");
    }
    if (!rc) rc = resume(a);
    if (!rc) rc = subscribe(a, detail);
    if (!rc) {
        svc_http_opts ho = { .listen = s->listen };
        if (svc_http_start(&a->http, &ho, handle, a, detail) != SVC_OK) rc = AGG_ERR_START;
    }
    if (rc) {
        agg_service_stop(a);
        return rc;
    }
    char addr[43];
    svc_log(SVC_LOG_INFO, "aggregator serving", "{s:s,s:i,s:I,s:I}", "address", eth_address_to_hex(addr, &a->key.address),
            "port", svc_http_port(a->http), "chain_id", (json_int_t)a->chain_id, "confirmations",
            (json_int_t)s->confirmations);
    *out = a;
    return AGG_OK;
}

void agg_service_stop(agg_service *a)
{
    if (!a) return;
    svc_http_stop(a->http);
    eth_sub_free(a->sub);
    atomic_store(&a->stopping, 1);
    pthread_mutex_lock(&a->wake_lock);
    if (a->wake) curl_multi_wakeup(a->wake);
    pthread_mutex_unlock(&a->wake_lock);
    pthread_mutex_lock(&a->submit_in.lock);
    pthread_cond_signal(&a->submit_in.cond);
    pthread_mutex_unlock(&a->submit_in.lock);
    if (a->dispatch_started) pthread_join(a->dispatch_thread, NULL);
    if (a->submit_started) pthread_join(a->submit_thread, NULL);
    agg_store_close(a->store);
    agg_inbox_destroy(&a->dispatch_in);
    agg_inbox_destroy(&a->submit_in);
    pthread_mutex_destroy(&a->wake_lock);
    svc_metrics_free(a->metrics);
    eth_key_wipe(&a->key);
    free(a);
}
