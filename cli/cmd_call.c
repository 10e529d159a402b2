/* cmd_call.c - `call-function` (seed "Call a Function", "Real-Time Event
 * Subscription"): FaaS.callFunction creates a TaskMailbox task; the result
 * arrives in the mailbox's TaskVerified event, awaited on a WebSocket log
 * subscription (with eth_getLogs catch-up from the call's block, so an event
 * that lands before the subscription is not missed). And `task`, which
 * reads a task back: status, function, result, certificate signers.
 *
 * The result only ever comes from the chain. When the aggregator's status
 * API is known (--aggregator-url, or the devnet's config), it is asked why a
 * task ends without one: the operators refused it (e.g. a bundle that fails
 * its hash), or it expired with too few signatures. */
#include "cli.h"
#include "faas_abi.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ITaskMailboxTypes.Task (getTaskInfo's return), in ABI order. */
#define TASK_TYPE                                                                                                      \
    "((address,uint96,address,uint96,address,uint32,uint16,uint8,bool,uint32,"                                        \
    "(address,uint96,address,uint8,address,(uint8,bytes),bytes),bytes,bytes,bytes))"
/* IBN254CertificateVerifierTypes.BN254Certificate. */
#define BN254_CERT_TYPE "((uint32,bytes32,(uint256,uint256),(uint256[2],uint256[2]),(uint32,bytes,((uint256,uint256),uint256[]))[]))"

/* The default wait for a result: the seed's 5 minutes. */
#define CALL_DEFAULT_TIMEOUT_MS 300000L
/* How long the WebSocket gets to connect before the call is reported as
 * unable to listen. */
#define WS_CONNECT_TIMEOUT_MS 10000L
/* While waiting, the task's status is read this often (to notice expiry,
 * or the aggregator giving the task up). */
#define STATUS_POLL_MS 1000L
/* One question to the aggregator may take this long (it is asked while the
 * event is awaited), and its answer this many bytes (it quotes the result). */
#define AGGREGATOR_TIMEOUT_MS 2000L
#define AGGREGATOR_STATUS_MAX ((size_t)8 << 20)

static const char *const status_names[] = { "None", "Created", "Verified", "Expired" };

/* ---- waiting for TaskVerified ------------------------------------------- */

struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint8_t task_id[32];
    int found;
    eth_log log;        /* a copy of the matching log (owned) while found */
};

/* On the subscription's thread: keep the first TaskVerified of our task
 * (topic2 = taskHash); a reorg's retraction of it un-finds it. */
static void on_log(void *user, const eth_log *log)
{
    struct waiter *w = user;
    if (log->n_topics < 3 || memcmp(log->topics[2], w->task_id, 32) != 0) return;
    pthread_mutex_lock(&w->mu);
    if (log->removed) {
        if (w->found && w->log.block_number == log->block_number && w->log.log_index == log->log_index) {
            eth_log_free(&w->log);
            w->found = 0;
        }
    } else if (!w->found) {
        w->log = *log;
        w->log.data = log->data_len ? malloc(log->data_len) : NULL;
        if (!log->data_len || w->log.data) {
            if (log->data_len) memcpy(w->log.data, log->data, log->data_len);
            w->found = 1;
            pthread_cond_broadcast(&w->cv);
        }
    }
    pthread_mutex_unlock(&w->mu);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Waits up to ms for the event; returns w->found. */
static int wait_found(struct waiter *w, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&w->mu);
    while (!w->found && pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0) {}
    int found = w->found;
    pthread_mutex_unlock(&w->mu);
    return found;
}

/* The task's status as getTaskStatus reports it (expiry applied). */
static cli_err task_status(cli_chain *ch, const char *task_hex, int *status, cli_diag *d)
{
    json_t *ret;
    cli_err e = cli_chain_view(ch, &ret, &ch->mailbox, "getTaskStatus(bytes32)", json_pack("[s]", task_hex), "(uint8)",
                               d);
    if (!e) *status = atoi(json_string_value(json_array_get(ret, 0)));
    json_decref(ret);
    return e;
}

/* What the aggregator's status API says of a task. */
typedef struct {
    char status[32];            /* "pending", "certified", "submitted", "verified", "expired", "failed" */
    char reason[CLI_DIAG_MAX / 2];
} agg_view;

/* GET <aggregator>/v1/tasks/<task>: 1 with *v filled, 0 when no aggregator
 * URL is configured or it does not answer (which is nobody's failure). */
static int aggregator_view(const cli_chain *ch, const char *task_hex, agg_view *v)
{
    const char *base = ch->cfg.aggregator_url;
    if (!base) return 0;
    size_t n = strlen(base);
    while (n && base[n - 1] == '/') n--;
    char *url = NULL;
    eth_buf body;
    eth_buf_init(&body, AGGREGATOR_STATUS_MAX);
    json_t *doc = NULL;
    if (asprintf(&url, "%.*s/v1/tasks/%s", (int)n, base, task_hex) >= 0 &&
        cli_http_get(url, AGGREGATOR_TIMEOUT_MS, &body, NULL) == CLI_OK)
        doc = json_loadb((const char *)body.data, body.len, 0, NULL);
    const char *status = json_string_value(json_object_get(doc, "status"));
    const char *reason = json_string_value(json_object_get(doc, "reason"));
    if (status) {
        snprintf(v->status, sizeof v->status, "%s", status);
        snprintf(v->reason, sizeof v->reason, "%s", reason ? reason : "");
    }
    json_decref(doc);
    eth_buf_free(&body);
    free(url);
    return status != NULL;
}

/* While the event is awaited: whether the task ended without a result. The
 * chain says when it expired; the aggregator says why, and that it gave a
 * task up before its deadline (no result can reach the threshold any more).
 * A node or aggregator that does not answer is not the call's failure. */
static cli_err check_ended(cli_chain *ch, const char *task_hex, cli_diag *d)
{
    int status = 0;
    cli_diag ignore;
    int expired = task_status(ch, task_hex, &status, &ignore) == CLI_OK && status == 3;
    agg_view v;
    int known = aggregator_view(ch, task_hex, &v);
    if (known && strcmp(v.status, "failed") == 0)
        return cli_diag_set(d, CLI_ERR_TASK_FAILED, "task %s failed before any result was verified: %s", task_hex,
                            v.reason);
    if (known && strcmp(v.status, "expired") == 0) expired = 1;
    else known = 0;
    if (expired)
        return cli_diag_set(d, CLI_ERR_EXPIRED, "task %s expired before the operators' result was verified%s%s",
                            task_hex, known ? ": " : "", known ? v.reason : "");
    return CLI_OK;
}

/* Prints the event's result; the function's own error is CLI_ERR_FUNCTION. */
static cli_err report_event(const eth_log *log, cli_out *o, cli_diag *d)
{
    json_t *ev;
    if (eth_abi_decode_log(&ev, FAAS_ABI_TASK_VERIFIED, (const uint8_t(*)[32])log->topics, log->n_topics, log->data,
                           log->data_len) != ETH_OK)
        return cli_diag_set(d, CLI_ERR_RPC, "the TaskVerified event does not decode");
    const char *hex = json_string_value(json_object_get(ev, "result"));
    uint8_t *bytes = NULL;
    size_t n = 0;
    cli_err e = hex && eth_hex_decode_alloc(&bytes, &n, hex, strlen(hex)) == ETH_OK
                    ? CLI_OK
                    : cli_diag_set(d, CLI_ERR_RPC, "the TaskVerified event carries no result");
    json_decref(ev);
    if (e) return e;
    char tx[67];
    eth_hex_encode(tx, log->tx_hash, 32);
    cli_result r;
    int failed = cli_result_parse(&r, bytes, n, NULL) == CLI_OK && r.error;
    cli_result_free(&r);
    cli_out_text(o, "%s", "");
    cli_out_text(o, failed ? "Task completed: the function returned an error." : "Task completed successfully!");
    cli_out_field(o, "result_block", json_integer((json_int_t)log->block_number), "Event found in block %llu, transaction %s",
                  (unsigned long long)log->block_number, tx);
    cli_out_field(o, "result_tx", json_string(tx), NULL);
    e = cli_result_report(o, bytes, n, d);
    free(bytes);
    return e;
}

/* Subscribes to the mailbox's TaskVerified events from the call's block
 * and waits for the task's, its expiry, or the timeout. */
static cli_err await_result(cli_chain *ch, const uint8_t task_id[32], uint64_t from_block, long timeout_ms,
                            cli_out *o, cli_diag *d)
{
    char task_hex[67];
    eth_hex_encode(task_hex, task_id, 32);
    struct waiter w = { .found = 0 };
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    memcpy(w.task_id, task_id, 32);
    uint8_t topic0[32];
    eth_abi_event_topic(topic0, FAAS_ABI_TASK_VERIFIED);
    eth_sub_opts so = { .ws_url = ch->cfg.ws_url, .rpc_url = ch->cfg.rpc_url,
                        .filter = { &ch->mailbox, 1, (const uint8_t(*)[32])topic0, 1 },
                        .from_block = from_block, .on_log = on_log, .user = &w };
    eth_sub *sub = NULL;
    cli_err e = CLI_OK;
    if (eth_sub_start(&sub, &so) != ETH_OK)
        e = cli_diag_set(d, CLI_ERR_CONFIG, "cannot subscribe at WebSocket URL %s", ch->cfg.ws_url);

    double start = now_ms();
    while (!e && eth_sub_connections(sub) == 0 && !w.found) {
        if (now_ms() - start > WS_CONNECT_TIMEOUT_MS) {
            char why[256];
            eth_sub_last_error(sub, why, sizeof why);
            e = cli_diag_set(d, CLI_ERR_RPC, "cannot connect to the WebSocket RPC at %s: %s (the task %s was created; "
                             "see faas-cli task %s)", ch->cfg.ws_url, why[0] ? why : "no answer", task_hex, task_hex);
        }
        wait_found(&w, 20);
    }
    if (!e) {
        cli_out_field(o, "ws_url", json_string(ch->cfg.ws_url), "Connected to WebSocket RPC: %s", ch->cfg.ws_url);
        cli_out_text(o, "Listening for TaskVerified event...");
        cli_out_text(o, "Subscribed to TaskVerified events for task %s", task_hex);
    }
    double last_poll = now_ms();
    while (!e && !wait_found(&w, STATUS_POLL_MS < timeout_ms ? STATUS_POLL_MS : timeout_ms)) {
        double t = now_ms();
        if (t - start >= timeout_ms) {
            e = cli_diag_set(d, CLI_ERR_TIMEOUT,
                             "Task timeout: no TaskVerified event for task %s after %.0f s (it may still complete: "
                             "faas-cli task %s)", task_hex, (t - start) / 1000, task_hex);
        } else if (t - last_poll >= STATUS_POLL_MS) {
            last_poll = t;
            e = check_ended(ch, task_hex, d);
        }
    }
    if (sub) eth_sub_free(sub); /* no callback runs after this */
    if (!e) e = report_event(&w.log, o, d);
    if (w.found) eth_log_free(&w.log);
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    return e;
}

/* ---- call-function ------------------------------------------------------ */

/* The input as the seed's "Arguments:" line shows it: text as is, binary
 * as its size. */
static void print_input(cli_out *o, const uint8_t *in, size_t n)
{
    json_t *text = json_stringn((const char *)in, n); /* NULL unless valid UTF-8 */
    int printable = text != NULL;
    for (size_t i = 0; printable && i < n; i++) printable = in[i] >= 0x20 || in[i] == '\t';
    if (printable) cli_out_field(o, "input", text, "Arguments: %.*s", (int)n, (const char *)in);
    else {
        json_decref(text);
        cli_out_field(o, "input_size", json_integer((json_int_t)n), "Arguments: <%zu bytes of binary data>", n);
    }
}

/* The task id from the receipt's FunctionCalled log. */
static cli_err task_from_receipt(uint8_t task_id[32], const cli_chain *ch, const eth_receipt *rc, cli_diag *d)
{
    uint8_t topic0[32];
    eth_abi_event_topic(topic0, FAAS_ABI_FUNCTION_CALLED);
    for (size_t i = 0; i < rc->n_logs; i++) {
        const eth_log *l = &rc->logs[i];
        if (memcmp(&l->address, &ch->faas, sizeof ch->faas) == 0 && l->n_topics == 4 &&
            memcmp(l->topics[0], topic0, 32) == 0) {
            memcpy(task_id, l->topics[2], 32);
            return CLI_OK;
        }
    }
    return cli_diag_set(d, CLI_ERR_CHAIN, "the call's receipt has no FunctionCalled event (%s)", FAAS_ABI_FUNCTION_CALLED);
}

cli_err cli_cmd_call(const cli_args *a, cli_out *o, cli_diag *d)
{
    const char *fid = a->value[CLI_FLAG_FUNCTION_ID];
    if (!fid) return cli_diag_set(d, CLI_ERR_USAGE, "call-function needs --function-id 0x… (see faas-cli list-functions)");
    uint8_t id[32];
    long timeout_ms;
    cli_err e = cli_parse_id(id, fid, "function id", d);
    if (!e) e = cli_args_millis(a, CLI_FLAG_TIMEOUT, CALL_DEFAULT_TIMEOUT_MS, &timeout_ms, d);
    if (e) return e;
    uint8_t *input;
    size_t n;
    if ((e = cli_read_input(&input, &n, a, 0, d))) return e;
    cli_chain ch;
    memset(&ch, 0, sizeof ch);
    char *hex = eth_hex_encode_alloc(input, n);
    e = hex ? cli_chain_open(&ch, a, CLI_NEED_KEY | CLI_NEED_FAAS | CLI_NEED_MAILBOX, d)
            : cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    eth_receipt rc;
    memset(&rc, 0, sizeof rc);
    uint8_t task_id[32];
    if (!e) {
        cli_out_field(o, "function_id", json_string(fid), "Calling function: %s", fid);
        print_input(o, input, n);
        e = cli_chain_send(&ch, &rc, &ch.faas, "callFunction(bytes32,bytes)", json_pack("[s,s]", fid, hex), o, d);
    }
    if (!e) e = task_from_receipt(task_id, &ch, &rc, d);
    if (!e) {
        char task_hex[67];
        cli_out_field(o, "task_id", json_string(eth_hex_encode(task_hex, task_id, 32)), "Task ID: %s", task_hex);
        cli_chain_print_costs(o, &rc);
        if (!a->value[CLI_FLAG_NO_WAIT]) e = await_result(&ch, task_id, rc.block_number, timeout_ms, o, d);
    }
    eth_receipt_free(&rc);
    cli_chain_close(&ch);
    free(hex);
    free(input);
    return e;
}

/* ---- task --------------------------------------------------------------- */

static void print_time(cli_out *o, const char *key, const char *label, uint64_t unix_s)
{
    char buf[64];
    time_t t = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cli_out_field(o, key, json_integer((json_int_t)unix_s), "%s: %s (%llu)", label, buf, (unsigned long long)unix_s);
}

/* The certificate's signers: every operator of the table at its reference
 * timestamp except the non-signers it lists. */
static void print_signers(cli_chain *ch, const json_t *task, const char *cert_hex, cli_out *o)
{
    uint8_t *cert = NULL;
    size_t n = 0;
    json_t *dec = NULL, *ret = NULL, *verifier = NULL;
    if (eth_hex_decode_alloc(&cert, &n, cert_hex, strlen(cert_hex)) != ETH_OK || n == 0 ||
        eth_abi_decode(&dec, BN254_CERT_TYPE, cert, n) != ETH_OK) {
        free(cert);
        cli_out_text(o, "Certificate: %zu bytes (not a BN254 certificate)", n);
        return;
    }
    free(cert);
    json_t *c = json_array_get(dec, 0), *non = json_array_get(c, 4);
    const char *ref_ts = json_string_value(json_array_get(c, 0));
    size_t i;
    json_t *w, *indices = json_array();
    json_array_foreach(non, i, w) json_array_append_new(indices, json_integer(atoll(json_string_value(json_array_get(w, 0)))));
    long long total = -1;
    cli_diag ignore;
    eth_address va;
    if (cli_chain_view(ch, &verifier, &ch->mailbox, "BN254_CERTIFICATE_VERIFIER()", NULL, "(address)", &ignore) ==
            CLI_OK &&
        eth_address_parse(&va, json_string_value(json_array_get(verifier, 0))) == ETH_OK &&
        cli_chain_view(ch, &ret, &va, "getOperatorCount((address,uint32),uint32)",
                       json_pack("[[O,O],s]", json_array_get(task, 2), json_array_get(task, 5), ref_ts), "(uint256)",
                       &ignore) == CLI_OK)
        total = atoll(json_string_value(json_array_get(ret, 0)));
    cli_out_field(o, "certificate", json_pack("{s:s, s:O, s:I}", "reference_timestamp", ref_ts, "non_signers", indices,
                                              "operators", (json_int_t)total), NULL);
    if (total >= 0) {
        char list[1024] = "";
        size_t len = 0;
        for (long long k = 0; k < total && len < sizeof list - 16; k++) {
            int skip = 0;
            json_array_foreach(indices, i, w) if (json_integer_value(w) == k) skip = 1;
            if (!skip) len += (size_t)snprintf(list + len, sizeof list - len, "%s%lld", len ? ", " : "", k);
        }
        cli_out_text(o, "Certificate signers: %lld of %lld operators (indices %s)",
                     total - (long long)json_array_size(indices), total, len ? list : "none");
    } else {
        cli_out_text(o, "Certificate: reference timestamp %s, %zu non-signers", ref_ts, json_array_size(indices));
    }
    json_decref(indices);
    json_decref(ret);
    json_decref(verifier);
    json_decref(dec);
}

/* The first block stamped at ts or later, found by bisection over [0, head]
 * (block timestamps only grow); head + 1 when there is none. A task was
 * created in the block stamped with its creation time. */
static cli_err first_block_at(cli_chain *ch, uint64_t ts, uint64_t head, uint64_t *out, cli_diag *d)
{
    uint64_t lo = 0, hi = head + 1; /* the answer is in [lo, hi]; hi = head + 1: none */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2, t = 0;
        json_t *b = NULL;
        eth_err ee = eth_rpc_call(ch->rpc, &b, "eth_getBlockByNumber", json_pack("[o,b]", eth_json_from_quantity(mid), 0));
        if (!ee) ee = eth_json_quantity(&t, json_object_get(b, "timestamp"));
        json_decref(b);
        if (ee) return cli_chain_error(ch, ee, "reading a block", eth_rpc_last_error(ch->rpc), d);
        if (t >= ts) hi = mid;
        else lo = mid + 1;
    }
    *out = lo;
    return CLI_OK;
}

/* The mailbox keeps neither a task's payload nor its certificate (only
 * their events, topic2 = taskHash; contracts/src/TaskMailbox.sol): finds
 * the task's TaskCreated log, in the block of its creation time, and its
 * TaskVerified log, no later than its deadline. *logs (caller frees with
 * eth_logs_free) holds them; *created / *verified point into it (NULL when
 * not found). */
static cli_err task_logs(cli_chain *ch, const uint8_t task[32], uint64_t created_at, uint64_t deadline, eth_log **logs,
                         size_t *n, const eth_log **created, const eth_log **verified, cli_diag *d)
{
    uint8_t topics[2][32];
    eth_abi_event_topic(topics[0], FAAS_ABI_TASK_CREATED);
    eth_abi_event_topic(topics[1], FAAS_ABI_TASK_VERIFIED);
    uint64_t head, from, to;
    *logs = NULL;
    *n = 0;
    *created = *verified = NULL;
    eth_err ee = eth_rpc_block_number(ch->rpc, &head);
    if (ee) return cli_chain_error(ch, ee, "reading the head block", eth_rpc_last_error(ch->rpc), d);
    cli_err e = first_block_at(ch, created_at, head, &from, d);
    if (!e) e = first_block_at(ch, deadline + 1, head, &to, d);
    if (e || from > head) return e;
    eth_log_filter f = { .addresses = &ch->mailbox, .n_addresses = 1, .topic0 = (const uint8_t(*)[32])topics, .n_topic0 = 2 };
    if ((ee = eth_rpc_get_logs(ch->rpc, logs, n, &f, from, to > head ? head : to)))
        return cli_chain_error(ch, ee, "reading the task's events", eth_rpc_last_error(ch->rpc), d);
    for (size_t i = 0; i < *n; i++) {
        const eth_log *l = &(*logs)[i];
        if (l->n_topics < 3 || memcmp(l->topics[2], task, 32) != 0 || l->removed) continue;
        if (memcmp(l->topics[0], topics[0], 32) == 0 && !*created) *created = l;
        if (memcmp(l->topics[0], topics[1], 32) == 0 && !*verified) *verified = l;
    }
    return CLI_OK;
}

/* One member of a decoded TaskCreated / TaskVerified log (caller decrefs), or NULL. */
static json_t *log_member(const eth_log *l, const char *event_decl, const char *name)
{
    json_t *ev = NULL, *v = NULL;
    if (l && eth_abi_decode_log(&ev, event_decl, (const uint8_t(*)[32])l->topics, l->n_topics, l->data, l->data_len) ==
                 ETH_OK)
        v = json_incref(json_object_get(ev, name));
    json_decref(ev);
    return v;
}

/* The function and input of a task, from its TaskCreated payload:
 * abi.encode(bytes32 functionId, bytes input) (FaaS.sol). */
static void print_call(const eth_log *created, cli_out *o)
{
    json_t *payload = log_member(created, FAAS_ABI_TASK_CREATED, "payload"), *call = NULL;
    const char *hex = json_string_value(payload);
    uint8_t *p = NULL;
    size_t pn = 0;
    if (hex && eth_hex_decode_alloc(&p, &pn, hex, strlen(hex)) == ETH_OK &&
        eth_abi_decode(&call, "(bytes32,bytes)", p, pn) == ETH_OK) {
        const char *input = json_string_value(json_array_get(call, 1));
        cli_out_field(o, "function_id", json_incref(json_array_get(call, 0)), "Function ID: %s",
                      json_string_value(json_array_get(call, 0)));
        cli_out_field(o, "input_size", json_integer((json_int_t)(strlen(input) - 2) / 2), "Input: %zu bytes",
                      (strlen(input) - 2) / 2);
    }
    json_decref(call);
    json_decref(payload);
    free(p);
}

cli_err cli_cmd_task(const cli_args *a, cli_out *o, cli_diag *d)
{
    uint8_t id[32];
    cli_err e = cli_parse_id(id, a->pos[0], "task id", d);
    if (e) return e;
    cli_chain ch;
    json_t *ret = NULL;
    e = cli_chain_open(&ch, a, CLI_NEED_MAILBOX, d);
    if (!e) e = cli_chain_view(&ch, &ret, &ch.mailbox, "getTaskInfo(bytes32)", json_pack("[s]", a->pos[0]), TASK_TYPE, d);
    json_t *t = json_array_get(ret, 0);
    int status = e ? 0 : atoi(json_string_value(json_array_get(t, 7)));
    if (!e && status == 0) e = cli_diag_set(d, CLI_ERR_NOT_FOUND, "task not found: %s", a->pos[0]);
    if (!e) {
        uint64_t created = strtoull(json_string_value(json_array_get(t, 1)), NULL, 10);
        uint64_t sla = strtoull(json_string_value(json_array_get(json_array_get(t, 10), 1)), NULL, 10);
        cli_out_field(o, "task_id", json_string(a->pos[0]), "Task ID: %s", a->pos[0]);
        cli_out_field(o, "status", json_string(status_names[status & 3]), "Status: %s", status_names[status & 3]);
        print_time(o, "created", "Created", created);
        print_time(o, "deadline", "Deadline", created + sla);
        eth_log *logs = NULL;
        size_t nl = 0;
        const eth_log *created_log, *verified_log;
        e = task_logs(&ch, id, created, created + sla, &logs, &nl, &created_log, &verified_log, d);
        if (!e) print_call(created_log, o);
        /* A task with no result yet (or never): the aggregator may say why. */
        char task_hex[67];
        agg_view v;
        int known = !e && status != 2 && aggregator_view(&ch, eth_hex_encode(task_hex, id, 32), &v);
        if (known)
            cli_out_field(o, "aggregator", json_pack("{s:s,s:s}", "status", v.status, "reason", v.reason),
                          "Aggregator: %s%s%s", v.status, *v.reason ? ": " : "", v.reason);
        if (!e && status == 2) {
            if (verified_log) {
                char tx[67];
                eth_hex_encode(tx, verified_log->tx_hash, 32);
                cli_out_field(o, "result_block", json_integer((json_int_t)verified_log->block_number),
                              "Verified in block %llu, transaction %s", (unsigned long long)verified_log->block_number, tx);
                cli_out_field(o, "result_tx", json_string(tx), NULL);
            }
            json_t *cert = log_member(verified_log, FAAS_ABI_TASK_VERIFIED, "executorCert");
            print_signers(&ch, t, cert ? json_string_value(cert) : "0x", o);
            json_decref(cert);
            const char *result = json_string_value(json_array_get(t, 13));
            uint8_t *rb = NULL;
            size_t rn = 0;
            if (eth_hex_decode_alloc(&rb, &rn, result, strlen(result)) != ETH_OK)
                e = cli_diag_set(d, CLI_ERR_RPC, "the task's result does not decode");
            else e = cli_result_report(o, rb, rn, d);
            free(rb);
        } else if (!e && (status == 3 || (known && strcmp(v.status, "expired") == 0))) {
            /* The chain's view of expiry waits for a block past the deadline;
             * the aggregator's (chain time by the wall clock) does not. */
            e = cli_diag_set(d, CLI_ERR_EXPIRED, "task %s expired without a verified result", a->pos[0]);
        } else if (!e && known && strcmp(v.status, "failed") == 0) {
            /* The reason is the "Aggregator:" line (member) above. */
            e = cli_diag_set(d, CLI_ERR_TASK_FAILED, "task %s failed before any result was verified", a->pos[0]);
        }
        eth_logs_free(logs, nl);
    }
    json_decref(ret);
    cli_chain_close(&ch);
    return e;
}
