/* sub.c - eth_subscribe("logs") over WebSocket (libwebsockets), with
 * reconnect, resubscribe and catch-up (geth's "Real-time Events" / pubsub
 * API: https://geth.ethereum.org/docs/interacting-with-geth/rpc/pubsub).
 *
 * One thread per subscription runs its own lws context and a small state
 * machine:
 *
 *   IDLE --(backoff elapsed)--> CONNECTING --(established)--> SUBSCRIBING
 *     ^                                                         | (subscription id)
 *     |                                                         v
 *     +--------(any failure: connection, node, catch-up)---- CATCHUP --> LIVE
 *
 * Gap-free delivery: the subscription is confirmed before the catch-up reads
 * the head H, so every block after H reaches us over WS, and eth_getLogs
 * covers [cursor, H]. Logs arriving over WS meanwhile wait in `pending`, and
 * are delivered after the catch-up. Both sources overlap around H, and a
 * reconnect catches up from the last delivered block again, so each delivery
 * goes through a set of recently delivered (block hash, log index) keys:
 * duplicates are dropped, and a `removed` log passes only if its original
 * was delivered (and only once).
 *
 * Logs are delivered from the thread's loop, outside lws callbacks, so a
 * slow callback only delays reading (the kernel buffers, or pings fail and
 * the catch-up recovers). */
#include "eth.h"

#include <libwebsockets.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BACKOFF_FIRST_MS 100
#define RECONNECT_MAX_DEFAULT_MS 2000
/* Blocks per eth_rpc_get_logs call during a catch-up, so a long gap is
 * delivered (and memory freed) piece by piece. */
#define CATCHUP_WINDOW 10000
/* Keys of delivered logs are kept for this many blocks below the newest
 * delivered block: the depth of reorganisation whose removals are passed on,
 * and far more than the overlap of catch-up and WS. */
#define SEEN_DEPTH 256
/* Ping after 10 s of silence, give up after 25 s without an answer. */
#define PING_IDLE_SECS 10
#define PING_HANGUP_SECS 25
#define CONNECT_TIMEOUT_SECS 10
#define RX_CHUNK 65536
#define IDLE_STEP_MS 50
#define ERR_MAX 512

enum state { ST_IDLE, ST_CONNECTING, ST_SUBSCRIBING, ST_CATCHUP, ST_LIVE };

typedef struct {
    uint64_t block;
    uint64_t index;
    uint8_t hash[32];
} seen_key;

struct eth_sub {
    /* Configuration, fixed at start. */
    char *ws_url, *rpc_url, *ca_file;
    char host[256], path[1024];
    int port, use_tls;
    eth_address *addresses;
    uint8_t (*topic0)[32];
    eth_log_filter filter;
    long reconnect_max_ms;
    eth_sub_log_cb on_log;
    void *user;

    /* Shared with other threads. */
    pthread_t thread;
    atomic_int stop, drop;
    atomic_uint connections;
    pthread_mutex_t err_lock;
    char err[ERR_MAX];

    /* The thread's own. */
    struct lws_context *ctx;
    struct lws *wsi;
    double next_attempt;         /* monotonic ms: end of the backoff */
    enum state state;
    int closing;                 /* close the connection at the next chance */
    eth_rpc *rpc;
    eth_buf rx;                  /* the WS message being assembled */
    char *tx;                    /* the request waiting for a writable socket (LWS_PRE + text) */
    size_t tx_len;
    json_int_t next_id, sub_req_id;
    char *sub_id;
    eth_log *pending;
    size_t n_pending, cap_pending;
    uint64_t cursor;             /* first block that may hold undelivered logs */
    int have_cursor;             /* 0 until known (from_block 0: the head at the first subscription) */
    long backoff_ms;
    seen_key *seen;              /* sorted */
    size_t n_seen, cap_seen;
    uint64_t newest;             /* newest block delivered */
};

static pthread_once_t lws_log_once = PTHREAD_ONCE_INIT;

static void quiet_lws(void)
{
    /* lws logs every failed connect to stderr; our errors go to last_error. */
    lws_set_log_level(0, NULL);
}

__attribute__((format(printf, 2, 3))) static void set_error(eth_sub *s, const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&s->err_lock);
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&s->err_lock);
}

void eth_sub_last_error(const eth_sub *s, char *buf, size_t n)
{
    if (!n) return;
    pthread_mutex_lock((pthread_mutex_t *)&s->err_lock);
    snprintf(buf, n, "%s", s->err);
    pthread_mutex_unlock((pthread_mutex_t *)&s->err_lock);
}

unsigned eth_sub_connections(const eth_sub *s)
{
    return atomic_load(&s->connections);
}

/* ---- the set of delivered logs ------------------------------------------ */

static int key_cmp(const seen_key *a, const seen_key *b)
{
    if (a->block != b->block) return a->block < b->block ? -1 : 1;
    if (a->index != b->index) return a->index < b->index ? -1 : 1;
    return memcmp(a->hash, b->hash, 32);
}

/* Index of the first key >= k. */
static size_t seen_lower(const eth_sub *s, const seen_key *k)
{
    size_t lo = 0, hi = s->n_seen;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(&s->seen[mid], k) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static eth_err seen_insert(eth_sub *s, const seen_key *k, size_t at)
{
    if (s->n_seen == s->cap_seen) {
        size_t cap = s->cap_seen ? 2 * s->cap_seen : 256;
        seen_key *p = realloc(s->seen, cap * sizeof *p);
        if (!p) return ETH_ERR_NOMEM;
        s->seen = p;
        s->cap_seen = cap;
    }
    memmove(&s->seen[at + 1], &s->seen[at], (s->n_seen - at) * sizeof *s->seen);
    s->seen[at] = *k;
    s->n_seen++;
    return ETH_OK;
}

static void seen_prune(eth_sub *s)
{
    if (s->newest < SEEN_DEPTH) return;
    seen_key floor = { .block = s->newest - SEEN_DEPTH };
    size_t cut = seen_lower(s, &floor);
    memmove(s->seen, s->seen + cut, (s->n_seen - cut) * sizeof *s->seen);
    s->n_seen -= cut;
}

/* Passes log to the callback unless it is a duplicate (or the removal of a
 * log never delivered), and keeps the cursor and the set up to date. */
static eth_err deliver(eth_sub *s, const eth_log *log)
{
    seen_key k = { .block = log->block_number, .index = log->log_index };
    memcpy(k.hash, log->block_hash, 32);
    size_t at = seen_lower(s, &k);
    int found = at < s->n_seen && key_cmp(&s->seen[at], &k) == 0;
    if (log->removed) {
        if (!found) return ETH_OK;
        memmove(&s->seen[at], &s->seen[at + 1], (s->n_seen - at - 1) * sizeof *s->seen);
        s->n_seen--;
        /* The replacement chain's logs may sit in this block or later. */
        if (s->cursor > log->block_number) s->cursor = log->block_number;
    } else {
        if (found) return ETH_OK;
        eth_err e = seen_insert(s, &k, at);
        if (e) return e;
        /* The block may have more logs to come: it stays in the catch-up range. */
        if (s->cursor < log->block_number) s->cursor = log->block_number;
        if (s->newest < log->block_number) {
            s->newest = log->block_number;
            seen_prune(s);
        }
    }
    s->on_log(s->user, log);
    return ETH_OK;
}

static void pending_clear(eth_sub *s)
{
    for (size_t i = 0; i < s->n_pending; i++) eth_log_free(&s->pending[i]);
    s->n_pending = 0;
}

/* ---- connection --------------------------------------------------------- */

/* For callbacks: records that we end the connection (so its closing is not
 * taken for the node's doing) and returns lws's "close" code. */
static int hang_up(eth_sub *s)
{
    s->closing = 1;
    return -1;
}

/* Asks for the connection to be closed from its own callback. */
static void request_close(eth_sub *s)
{
    s->closing = 1;
    if (s->wsi) lws_callback_on_writable(s->wsi);
}

/* Queues a JSON-RPC request; it goes out when the socket is writable. */
static int queue_request(eth_sub *s, const char *method, json_t *params, json_int_t *id)
{
    *id = s->next_id++;
    json_t *req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", *id, "method", method, "params", params);
    char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!text) return -1;
    size_t n = strlen(text);
    free(s->tx);
    s->tx = malloc(LWS_PRE + n);
    if (s->tx) memcpy(s->tx + LWS_PRE, text, n);
    s->tx_len = n;
    free(text);
    if (!s->tx) return -1;
    lws_callback_on_writable(s->wsi);
    return 0;
}

static void on_subscribed(eth_sub *s, const json_t *res)
{
    const char *id = json_string_value(res);
    if (!id || !*id || strlen(id) > 256 || !(s->sub_id = strdup(id))) {
        set_error(s, "eth_subscribe: the node answered without a subscription id");
        request_close(s);
        return;
    }
    s->state = ST_CATCHUP;
}

/* One complete WS message from the node. Returns -1 to drop the connection. */
static int on_message(eth_sub *s, const char *text, size_t n)
{
    json_t *msg = json_loadb(text, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    if (!json_is_object(msg)) {
        json_decref(msg);
        set_error(s, "malformed JSON from the node");
        return -1;
    }
    int rc = 0;
    const json_t *method = json_object_get(msg, "method");
    if (method) {
        /* A notification: {"method":"eth_subscription","params":{"subscription":id,"result":log}} */
        const json_t *params = json_object_get(msg, "params");
        const char *sub = json_string_value(json_object_get(params, "subscription"));
        if (json_is_string(method) && strcmp(json_string_value(method), "eth_subscription") == 0 && sub && s->sub_id &&
            strcmp(sub, s->sub_id) == 0) {
            if (s->n_pending >= ETH_SUB_MAX_PENDING) {
                set_error(s, "more than %d logs waiting: resyncing with eth_getLogs", ETH_SUB_MAX_PENDING);
                rc = -1;
            } else if (s->n_pending == s->cap_pending &&
                       !(s->pending = realloc(s->pending, (s->cap_pending = s->cap_pending ? 2 * s->cap_pending : 64) *
                                                              sizeof *s->pending))) {
                s->cap_pending = s->n_pending = 0;
                set_error(s, "out of memory");
                rc = -1;
            } else if (eth_log_from_json(&s->pending[s->n_pending], json_object_get(params, "result")) != ETH_OK) {
                set_error(s, "malformed log in a notification");
                rc = -1;
            } else {
                s->n_pending++;
            }
        }
    } else if (s->state == ST_SUBSCRIBING) {
        json_t *res;
        eth_rpc_error err;
        eth_err e = eth_rpc_parse_response(&res, &err, msg, s->sub_req_id);
        if (e == ETH_OK) {
            on_subscribed(s, res);
            json_decref(res);
        } else {
            if (e == ETH_ERR_RPC)
                set_error(s, "eth_subscribe: node error %d: %s", err.code, err.message);
            else
                set_error(s, "eth_subscribe: unexpected answer");
            eth_rpc_error_free(&err);
            rc = -1;
        }
    }
    json_decref(msg);
    return rc;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    eth_sub *s = lws_context_user(lws_get_context(wsi));
    (void)user;
    if (!s) return 0;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED: {
        s->state = ST_SUBSCRIBING;
        s->rx.len = 0;
        json_t *f = eth_log_filter_json(&s->filter);
        if (queue_request(s, "eth_subscribe", json_pack("[s,o]", "logs", f), &s->sub_req_id) != 0) {
            set_error(s, "out of memory");
            return hang_up(s);
        }
        return 0;
    }
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (s->closing || atomic_load(&s->drop)) return hang_up(s);
        if (s->tx) {
            int k = lws_write(wsi, (unsigned char *)s->tx + LWS_PRE, s->tx_len, LWS_WRITE_TEXT);
            free(s->tx);
            s->tx = NULL;
            if (k < (int)s->tx_len) {
                set_error(s, "cannot send to the node");
                return hang_up(s);
            }
        }
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (eth_buf_append(&s->rx, in, len) != ETH_OK) {
            set_error(s, "a message from the node exceeds %zu bytes", (size_t)ETH_SUB_MAX_MESSAGE);
            return hang_up(s);
        }
        if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi)) return 0;
        {
            int rc = on_message(s, (const char *)s->rx.data, s->rx.len);
            s->rx.len = 0;
            if (s->rx.cap > RX_CHUNK) eth_buf_free(&s->rx);
            return rc ? hang_up(s) : 0;
        }
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        set_error(s, "cannot connect to %s: %s", s->ws_url, in ? (const char *)in : "connection failed");
        if (wsi == s->wsi) s->wsi = NULL;
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (!s->closing && !atomic_load(&s->drop)) set_error(s, "connection to the node lost (closed, or no answer to pings)");
        if (wsi == s->wsi) s->wsi = NULL;
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        /* Every way a connection ends comes through here. */
        if (wsi == s->wsi) s->wsi = NULL;
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    { "eth-sub", callback, 0, RX_CHUNK, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

static const lws_retry_bo_t ping_policy = {
    .secs_since_valid_ping = PING_IDLE_SECS,
    .secs_since_valid_hangup = PING_HANGUP_SECS,
};

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void start_connect(eth_sub *s)
{
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = s->ctx;
    ci.address = s->host;
    ci.port = s->port;
    ci.path = s->path;
    ci.host = s->host;
    ci.origin = s->host;
    ci.ssl_connection = s->use_tls ? LCCSCF_USE_SSL : 0;
    ci.alpn = "http/1.1"; /* WS over HTTP/2 (RFC 8441) is rare on nodes */
    ci.local_protocol_name = protocols[0].name;
    ci.retry_and_idle_policy = &ping_policy;
    ci.pwsi = &s->wsi;
    s->closing = 0;
    s->state = ST_CONNECTING;
    if (!lws_client_connect_via_info(&ci)) s->wsi = NULL;
}

/* After a connection ended: forget it and wait before the next attempt. */
static void schedule_reconnect(eth_sub *s)
{
    free(s->sub_id);
    s->sub_id = NULL;
    free(s->tx);
    s->tx = NULL;
    s->rx.len = 0;
    pending_clear(s);
    s->state = ST_IDLE;
    s->next_attempt = now_ms() + (double)s->backoff_ms;
    s->backoff_ms = s->backoff_ms * 2 > s->reconnect_max_ms ? s->reconnect_max_ms : s->backoff_ms * 2;
}

/* Brings delivery up to the head (the subscription is live, its logs wait). */
static int catch_up(eth_sub *s)
{
    uint64_t head;
    if (eth_rpc_block_number(s->rpc, &head) != ETH_OK) {
        set_error(s, "catch-up: %s", eth_rpc_last_error(s->rpc));
        return -1;
    }
    if (!s->have_cursor) {
        s->cursor = head + 1;
        s->have_cursor = 1;
    }
    while (s->cursor <= head && !atomic_load(&s->stop)) {
        uint64_t to = head - s->cursor < CATCHUP_WINDOW - 1 ? head : s->cursor + CATCHUP_WINDOW - 1;
        eth_log *logs;
        size_t n;
        if (eth_rpc_get_logs(s->rpc, &logs, &n, &s->filter, s->cursor, to) != ETH_OK) {
            set_error(s, "catch-up: %s", eth_rpc_last_error(s->rpc));
            return -1;
        }
        eth_err e = ETH_OK;
        for (size_t i = 0; i < n && !e; i++) e = deliver(s, &logs[i]);
        eth_logs_free(logs, n);
        if (e) {
            set_error(s, "catch-up: %s", eth_strerror(e));
            return -1;
        }
        s->cursor = to + 1;
    }
    return 0;
}

static void flush_pending(eth_sub *s)
{
    for (size_t i = 0; i < s->n_pending; i++)
        if (deliver(s, &s->pending[i]) != ETH_OK) {
            /* Undelivered logs stay at or after the cursor: the catch-up of
             * the next connection brings them. */
            set_error(s, "out of memory");
            request_close(s);
            break;
        }
    pending_clear(s);
}

static void *sub_main(void *arg)
{
    eth_sub *s = arg;
    while (!atomic_load(&s->stop)) {
        if (s->state == ST_IDLE) {
            /* Backoff: sleep in short steps to notice a stop. (lws 4.1's own
             * timers, lws_sul, do not reliably wake an idle context.) */
            double left = s->next_attempt - now_ms();
            atomic_store(&s->drop, 0); /* no connection to drop */
            if (left > 0) {
                poll(NULL, 0, left < IDLE_STEP_MS ? (int)left + 1 : IDLE_STEP_MS);
                continue;
            }
            start_connect(s);
        }
        /* A connect that failed at once leaves nothing to wait for. */
        if (s->wsi) lws_service(s->ctx, 0);
        if (atomic_load(&s->stop)) break;
        if (atomic_load(&s->drop)) {
            /* Closed from the writable callback; nothing to drop when idle. */
            if (s->wsi)
                lws_callback_on_writable(s->wsi);
            else
                atomic_store(&s->drop, 0);
        }
        if (s->state == ST_CATCHUP) {
            if (catch_up(s) == 0) {
                s->state = ST_LIVE;
                s->backoff_ms = BACKOFF_FIRST_MS;
                set_error(s, "%s", "");
                atomic_fetch_add(&s->connections, 1);
            } else {
                request_close(s);
            }
        }
        if (s->state == ST_LIVE && !s->closing) flush_pending(s);
        if (!s->wsi && s->state != ST_IDLE) {
            atomic_store(&s->drop, 0);
            schedule_reconnect(s);
        }
    }
    return NULL;
}

/* ---- life cycle --------------------------------------------------------- */

static eth_err parse_ws_url(eth_sub *s)
{
    char *copy = strdup(s->ws_url);
    const char *scheme, *host, *path;
    int port;
    if (!copy) return ETH_ERR_NOMEM;
    eth_err e = ETH_ERR_ARG;
    if (lws_parse_uri(copy, &scheme, &host, &port, &path) == 0 && *host && strlen(host) < sizeof s->host &&
        strlen(path) + 2 <= sizeof s->path && (!strcmp(scheme, "ws") || !strcmp(scheme, "wss"))) {
        s->use_tls = !strcmp(scheme, "wss");
        snprintf(s->host, sizeof s->host, "%s", host);
        /* lws_parse_uri cuts the path's leading '/', except for a bare "/". */
        snprintf(s->path, sizeof s->path, "%s%s", path[0] == '/' ? "" : "/", path);
        s->port = port;
        e = ETH_OK;
    }
    free(copy);
    return e;
}

static void sub_destroy(eth_sub *s)
{
    if (s->ctx) lws_context_destroy(s->ctx);
    eth_rpc_free(s->rpc);
    pending_clear(s);
    free(s->pending);
    free(s->seen);
    free(s->tx);
    free(s->sub_id);
    eth_buf_free(&s->rx);
    free(s->addresses);
    free(s->topic0);
    free(s->ws_url);
    free(s->rpc_url);
    free(s->ca_file);
    pthread_mutex_destroy(&s->err_lock);
    free(s);
}

eth_err eth_sub_start(eth_sub **out, const eth_sub_opts *o)
{
    *out = NULL;
    if (!o || !o->ws_url || !o->rpc_url || !o->on_log || (o->filter.n_addresses && !o->filter.addresses) ||
        (o->filter.n_topic0 && !o->filter.topic0))
        return ETH_ERR_ARG;
    pthread_once(&lws_log_once, quiet_lws);
    eth_sub *s = calloc(1, sizeof *s);
    if (!s) return ETH_ERR_NOMEM;
    pthread_mutex_init(&s->err_lock, NULL);
    eth_buf_init(&s->rx, ETH_SUB_MAX_MESSAGE);
    s->on_log = o->on_log;
    s->user = o->user;
    s->reconnect_max_ms = o->reconnect_max_ms > 0 ? o->reconnect_max_ms : RECONNECT_MAX_DEFAULT_MS;
    s->backoff_ms = BACKOFF_FIRST_MS;
    s->next_id = 1;
    s->cursor = o->from_block;
    s->have_cursor = o->from_block != 0;
    s->ws_url = strdup(o->ws_url);
    s->rpc_url = strdup(o->rpc_url);
    s->ca_file = o->ca_file ? strdup(o->ca_file) : NULL;
    eth_err e = ETH_ERR_NOMEM;
    if (!s->ws_url || !s->rpc_url || (o->ca_file && !s->ca_file)) goto fail;
    if ((e = parse_ws_url(s)) != ETH_OK) goto fail;
    e = ETH_ERR_NOMEM;
    if (o->filter.n_addresses) {
        if (!(s->addresses = malloc(o->filter.n_addresses * sizeof *s->addresses))) goto fail;
        memcpy(s->addresses, o->filter.addresses, o->filter.n_addresses * sizeof *s->addresses);
    }
    if (o->filter.n_topic0) {
        if (!(s->topic0 = malloc(o->filter.n_topic0 * sizeof *s->topic0))) goto fail;
        memcpy(s->topic0, o->filter.topic0, o->filter.n_topic0 * sizeof *s->topic0);
    }
    s->filter = (eth_log_filter){ s->addresses, o->filter.n_addresses, (const uint8_t(*)[32])s->topic0,
                                  o->filter.n_topic0 };
    /* The catch-up connection gives up fast and leaves retrying to the loop. */
    eth_rpc_opts ro = { .timeout_ms = 10000, .retries = -1, .ca_file = s->ca_file };
    if (!(s->rpc = eth_rpc_new(s->rpc_url, &ro))) {
        e = ETH_ERR_ARG;
        goto fail;
    }

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = s->use_tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0;
    info.client_ssl_ca_filepath = s->ca_file;
    info.user = s;
    info.gid = -1;
    info.uid = -1;
    info.connect_timeout_secs = CONNECT_TIMEOUT_SECS;
    info.retry_and_idle_policy = &ping_policy;
    if (!(s->ctx = lws_create_context(&info))) goto fail;
    if (pthread_create(&s->thread, NULL, sub_main, s) != 0) goto fail;
    *out = s;
    return ETH_OK;
fail:
    sub_destroy(s);
    return e;
}

void eth_sub_free(eth_sub *s)
{
    if (!s) return;
    atomic_store(&s->stop, 1);
    lws_cancel_service(s->ctx);
    pthread_join(s->thread, NULL);
    sub_destroy(s);
}

void eth_sub_drop_connection(eth_sub *s)
{
    atomic_store(&s->drop, 1);
    lws_cancel_service(s->ctx);
}
