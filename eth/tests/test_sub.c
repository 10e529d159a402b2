/* test_sub.c - log subscriptions against a real anvil: every event of a
 * contract arrives once and in order, history is caught up from a block, and
 * with the WS path cut (a TCP proxy in between that resets connections and
 * refuses new ones for a while) while events keep coming, nothing is lost or
 * repeated. Reorganisations (anvil_reorg) come through as removed logs. */
#include "eth.h"
#include "net_test.h"
#include "test.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct test_anvil anvil;
static eth_rpc *rpc;
static eth_client *client;
static uint8_t ping_topic[32];

/* ---- what the callback saw ------------------------------------------------ */

#define MAX_SEEN 4096

struct seen {
    pthread_mutex_t lock;
    size_t n;
    struct {
        uint64_t seq, block, index;
        uint8_t block_hash[32];
        int removed;
    } log[MAX_SEEN];
    eth_address bad_address; /* a log of another contract arrived */
    int foreign;
};

static void on_log(void *user, const eth_log *l)
{
    struct seen *s = user;
    pthread_mutex_lock(&s->lock);
    if (s->n < MAX_SEEN) {
        uint64_t seq = 0;
        for (int i = 24; i < 32 && l->n_topics > 1; i++) seq = seq << 8 | l->topics[1][i];
        if (l->n_topics < 2 || memcmp(l->topics[0], ping_topic, 32) != 0) s->foreign++;
        s->log[s->n].seq = seq;
        s->log[s->n].block = l->block_number;
        s->log[s->n].index = l->log_index;
        memcpy(s->log[s->n].block_hash, l->block_hash, 32);
        s->log[s->n].removed = l->removed;
        s->n++;
    }
    pthread_mutex_unlock(&s->lock);
}

static size_t seen_count(struct seen *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->n;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* Waits until the callback has seen n logs; 0 or -1 on timeout. */
static int wait_seen(struct seen *s, size_t n, int timeout_ms)
{
    double end = net_now_ms() + timeout_ms;
    while (seen_count(s) < n) {
        if (net_now_ms() > end) return -1;
        poll(NULL, 0, 10);
    }
    return 0;
}

/* Checks the pings seen are exactly seq first..first+n-1, in order, each once,
 * in chain order. */
static void check_sequence(struct seen *s, uint64_t first, size_t n)
{
    pthread_mutex_lock(&s->lock);
    CHECK_INT(s->n, n);
    CHECK_INT(s->foreign, 0);
    for (size_t i = 0; i < s->n && i < n; i++) {
        if (s->log[i].seq != first + i || s->log[i].removed) {
            test_fail(__FILE__, __LINE__, "log %zu has seq %llu (removed %d), expected %llu", i,
                      (unsigned long long)s->log[i].seq, s->log[i].removed, (unsigned long long)(first + i));
            break;
        }
        if (i && (s->log[i].block < s->log[i - 1].block ||
                  (s->log[i].block == s->log[i - 1].block && s->log[i].index <= s->log[i - 1].index))) {
            test_fail(__FILE__, __LINE__, "log %zu out of chain order", i);
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

static struct seen *seen_new(void)
{
    struct seen *s = calloc(1, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

static void seen_free(struct seen *s)
{
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* ---- chain helpers ------------------------------------------------------- */

static int deploy(eth_address *addr)
{
    return net_deploy(client, addr, "Events.sol", "Events", "(uint256)", "[0]");
}

static uint64_t head(void)
{
    uint64_t b = 0;
    if (eth_rpc_block_number(rpc, &b) != ETH_OK) return 0;
    return b;
}

/* pingMany(k) (k == 1: ping("0x01")) from c; returns 0 or -1. */
static int ping(eth_client *c, const eth_address *contract, unsigned k)
{
    char args[32];
    eth_receipt rc;
    eth_err e;
    if (k == 1) {
        e = net_transact(c, &rc, contract, "ping(bytes)", "[\"0x01\"]", NULL);
    } else {
        snprintf(args, sizeof args, "[%u]", k);
        e = net_transact(c, &rc, contract, "pingMany(uint256)", args, NULL);
    }
    int ok = e == ETH_OK && rc.status == 1 && rc.n_logs == k;
    eth_receipt_free(&rc);
    return ok ? 0 : -1;
}

static eth_sub *start_sub(const char *ws_url, const eth_address *contract, uint64_t from_block, struct seen *s)
{
    eth_sub_opts o = {
        .ws_url = ws_url,
        .rpc_url = anvil.rpc_url,
        .filter = { .addresses = contract, .n_addresses = 1, .topic0 = (const uint8_t(*)[32])ping_topic, .n_topic0 = 1 },
        .from_block = from_block,
        .reconnect_max_ms = 400,
        .on_log = on_log,
        .user = s,
    };
    eth_sub *sub = NULL;
    return eth_sub_start(&sub, &o) == ETH_OK ? sub : NULL;
}

/* Waits until the subscription is live (subscribed and caught up). */
static int wait_live(eth_sub *sub, unsigned connections, int timeout_ms)
{
    double end = net_now_ms() + timeout_ms;
    while (eth_sub_connections(sub) < connections) {
        if (net_now_ms() > end) return -1;
        poll(NULL, 0, 10);
    }
    return 0;
}

/* ---- cases ----------------------------------------------------------------- */

static void test_bad_options(void)
{
    struct seen *s = seen_new();
    eth_sub *sub;
    eth_sub_opts o = { .ws_url = anvil.ws_url, .rpc_url = anvil.rpc_url, .on_log = on_log, .user = s };
    o.ws_url = "http://127.0.0.1:1";
    CHECK_INT(eth_sub_start(&sub, &o), ETH_ERR_ARG);
    o.ws_url = "ws://";
    CHECK_INT(eth_sub_start(&sub, &o), ETH_ERR_ARG);
    o.ws_url = anvil.ws_url;
    o.rpc_url = "ws://127.0.0.1:1";
    CHECK_INT(eth_sub_start(&sub, &o), ETH_ERR_ARG);
    o.rpc_url = anvil.rpc_url;
    o.on_log = NULL;
    CHECK_INT(eth_sub_start(&sub, &o), ETH_ERR_ARG);
    o.on_log = on_log;
    o.filter.n_addresses = 1;
    CHECK_INT(eth_sub_start(&sub, &o), ETH_ERR_ARG);
    CHECK(sub == NULL);
    seen_free(s);
}

/* Live events: each once, in order, and only the filtered ones. */
static void test_live_events(void)
{
    eth_address c, other;
    REQUIRE(deploy(&c) == 0 && deploy(&other) == 0);
    struct seen *s = seen_new();
    eth_sub *sub = start_sub(anvil.ws_url, &c, 0, s);
    REQUIRE(sub);
    REQUIRE(wait_live(sub, 1, 5000) == 0);
    /* 1 + 3 + 1 + 4 + 1 pings in five blocks; noise from another contract
     * and from another event of the same contract. */
    static const unsigned batches[] = { 1, 3, 1, 4, 1 };
    size_t total = 0;
    for (size_t i = 0; i < TEST_COUNT(batches); i++) {
        CHECK_INT(ping(client, &c, batches[i]), 0);
        CHECK_INT(ping(client, &other, 2), 0);
        eth_receipt rc;
        CHECK_INT(net_transact(client, &rc, &c, "store(uint256)", "[1]", NULL), ETH_OK);
        eth_receipt_free(&rc);
        total += batches[i];
    }
    CHECK_INT(wait_seen(s, total, 10000), 0);
    poll(NULL, 0, 100); /* nothing more may come */
    check_sequence(s, 1, total);
    CHECK_INT(eth_sub_connections(sub), 1);
    char err[256];
    eth_sub_last_error(sub, err, sizeof err);
    CHECK_STR(err, "");
    eth_sub_free(sub);
    seen_free(s);
}

/* from_block in the past: history first (catch-up), then live. */
static void test_catch_up_from_block(void)
{
    eth_address c;
    REQUIRE(deploy(&c) == 0);
    uint64_t from = head();
    for (int i = 0; i < 5; i++) CHECK_INT(ping(client, &c, i % 2 ? 2 : 1), 0); /* 7 pings */
    struct seen *s = seen_new();
    eth_sub *sub = start_sub(anvil.ws_url, &c, from, s);
    REQUIRE(sub);
    CHECK_INT(wait_seen(s, 7, 5000), 0);
    CHECK_INT(ping(client, &c, 3), 0);
    CHECK_INT(wait_seen(s, 10, 5000), 0);
    poll(NULL, 0, 100);
    check_sequence(s, 1, 10);
    eth_sub_free(sub);
    seen_free(s);
}

struct pinger {
    const eth_address *contract;
    int rounds;
    atomic_int done;
    int logs, failures;
};

/* Emits pings from its own connection and key (one eth_rpc per thread). */
static void *pinger_main(void *arg)
{
    struct pinger *p = arg;
    eth_rpc *r = eth_rpc_new(anvil.rpc_url, NULL);
    eth_key k;
    eth_client *c = NULL;
    if (!r || eth_key_from_hex(&k, TEST_DEV_KEY1) != ETH_OK || eth_client_new(&c, r, &k) != ETH_OK) {
        p->failures++;
    } else {
        for (int i = 0; i < p->rounds; i++) {
            unsigned k_logs = i % 4 == 3 ? 3 : 1;
            if (ping(c, p->contract, k_logs) == 0)
                p->logs += (int)k_logs;
            else
                p->failures++;
            poll(NULL, 0, 15);
        }
    }
    eth_key_wipe(&k);
    eth_client_free(c);
    eth_rpc_free(r);
    atomic_store(&p->done, 1);
    return NULL;
}

/* The WS path is cut (connections reset, and for a while refused) and the
 * connection dropped locally, while another thread keeps emitting events:
 * the subscriber still sees every event exactly once, in order. */
static void test_reconnect_catch_up(void)
{
    eth_address c;
    REQUIRE(deploy(&c) == 0);
    struct tcp_proxy *proxy = tcp_proxy_start(anvil.port);
    REQUIRE(proxy);
    char ws[64];
    snprintf(ws, sizeof ws, "ws://127.0.0.1:%d", tcp_proxy_port(proxy));
    struct seen *s = seen_new();
    eth_sub *sub = start_sub(ws, &c, head() + 1, s);
    REQUIRE(sub);
    REQUIRE(wait_live(sub, 1, 5000) == 0);

    struct pinger p = { .contract = &c, .rounds = 60 };
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, pinger_main, &p) == 0);
    double t0 = net_now_ms();
    /* Plain resets. */
    for (unsigned i = 0; i < 2; i++) {
        poll(NULL, 0, 250);
        tcp_proxy_cut(proxy);
        CHECK_INT(wait_live(sub, 2 + i, 5000), 0);
    }
    /* The node unreachable for 700 ms: reconnects fail, then succeed. */
    poll(NULL, 0, 200);
    tcp_proxy_pause(proxy, 1);
    tcp_proxy_cut(proxy);
    poll(NULL, 0, 700);
    char err[256];
    eth_sub_last_error(sub, err, sizeof err);
    printf("  while the node was unreachable: \"%s\"\n", err);
    CHECK(err[0] != '\0');
    CHECK_INT(eth_sub_connections(sub), 3);
    tcp_proxy_pause(proxy, 0);
    CHECK_INT(wait_live(sub, 4, 5000), 0);
    /* A drop on our side. */
    poll(NULL, 0, 200);
    eth_sub_drop_connection(sub);
    CHECK_INT(wait_live(sub, 5, 5000), 0);

    pthread_join(t, NULL);
    CHECK_INT(p.failures, 0);
    CHECK_INT(wait_seen(s, (size_t)p.logs, 10000), 0);
    poll(NULL, 0, 200);
    printf("  %d events in %.0f ms over %u connections (%u accepted by the proxy)\n", p.logs, net_now_ms() - t0,
           eth_sub_connections(sub), tcp_proxy_accepted(proxy));
    check_sequence(s, 1, (size_t)p.logs);
    eth_sub_free(sub);
    tcp_proxy_stop(proxy);
    seen_free(s);
}

/* wss:// and https:// through a TLS proxy with its own certificate: trusted
 * with ca_file, refused without. */
static void test_tls(void)
{
    eth_address c;
    REQUIRE(deploy(&c) == 0);
    struct tls_proxy *tls = tls_proxy_start(anvil.port);
    REQUIRE(tls);
    char wss[64], https[64];
    snprintf(wss, sizeof wss, "wss://127.0.0.1:%d", tls_proxy_port(tls));
    snprintf(https, sizeof https, "https://127.0.0.1:%d", tls_proxy_port(tls));

    /* Plain eth_rpc over https. */
    eth_rpc_opts ro = { .ca_file = tls_proxy_ca_file(tls), .retries = -1 };
    eth_rpc *r = eth_rpc_new(https, &ro);
    uint64_t block;
    CHECK_INT(eth_rpc_block_number(r, &block), ETH_OK);
    CHECK_INT(block, head());
    eth_rpc_free(r);
    ro.ca_file = NULL;
    r = eth_rpc_new(https, &ro);
    CHECK_INT(eth_rpc_block_number(r, &block), ETH_ERR_TRANSPORT);
    printf("  untrusted https: \"%s\"\n", eth_rpc_last_error(r));
    eth_rpc_free(r);

    struct seen *s = seen_new();
    uint64_t from = head() + 1;
    eth_sub_opts o = {
        .ws_url = wss,
        .rpc_url = https,
        .filter = { .addresses = &c, .n_addresses = 1 },
        .from_block = from,
        .reconnect_max_ms = 200,
        .on_log = on_log,
        .user = s,
    };
    /* Without trust in the certificate: no connection. */
    eth_sub *sub;
    REQUIRE(eth_sub_start(&sub, &o) == ETH_OK);
    poll(NULL, 0, 300);
    char err[256];
    eth_sub_last_error(sub, err, sizeof err);
    printf("  untrusted wss: \"%s\"\n", err);
    CHECK(err[0] != '\0');
    CHECK_INT(eth_sub_connections(sub), 0);
    eth_sub_free(sub);

    o.ca_file = tls_proxy_ca_file(tls);
    REQUIRE(eth_sub_start(&sub, &o) == ETH_OK);
    CHECK_INT(ping(client, &c, 2), 0);
    CHECK_INT(wait_live(sub, 1, 5000), 0);
    CHECK_INT(ping(client, &c, 1), 0);
    CHECK_INT(wait_seen(s, 3, 5000), 0);
    check_sequence(s, 1, 3);
    eth_sub_free(sub);
    tls_proxy_stop(tls);
    seen_free(s);
}

/* ---- a scripted node: fake WS server + fake HTTP for the catch-up -------- */

static const eth_address fake_contract = { { 0xfa, 0xce } };

struct fake_node {
    pthread_mutex_t lock;
    uint64_t head, last_from;
    json_t *logs; /* what eth_getLogs knows */
};

/* A Ping(seq) log of fake_contract at (block, index) in the block whose hash
 * is 32 bytes of hash_byte. */
static json_t *fake_log(uint64_t block, uint8_t hash_byte, uint64_t index, uint64_t seq, int removed)
{
    uint8_t hash[32], seq_topic[32] = { 0 }, tx[32];
    memset(hash, hash_byte, 32);
    memset(tx, (int)(seq & 0xff), 32);
    for (int i = 0; i < 8; i++) seq_topic[31 - i] = (uint8_t)(seq >> (8 * i));
    return json_pack("{s:o, s:[o,o], s:s, s:o, s:o, s:o, s:s, s:o, s:b}", "address",
                     eth_json_from_data(fake_contract.addr, 20), "topics", eth_json_from_data(ping_topic, 32),
                     eth_json_from_data(seq_topic, 32), "data", "0x", "blockNumber", eth_json_from_quantity(block),
                     "blockHash", eth_json_from_data(hash, 32), "transactionHash", eth_json_from_data(tx, 32),
                     "transactionIndex", "0x0", "logIndex", eth_json_from_quantity(index), "removed", removed);
}

static int fake_node_answer(void *user, int fd, const char *body, size_t n)
{
    struct fake_node *node = user;
    (void)n;
    json_t *req = json_loads(body, 0, NULL), *result;
    const char *method = json_string_value(json_object_get(req, "method"));
    pthread_mutex_lock(&node->lock);
    if (method && !strcmp(method, "eth_blockNumber")) {
        result = eth_json_from_quantity(node->head);
    } else {
        const json_t *f = json_array_get(json_object_get(req, "params"), 0);
        uint64_t from = 0, to = 0;
        if (eth_json_quantity(&from, json_object_get(f, "fromBlock")) != ETH_OK ||
            eth_json_quantity(&to, json_object_get(f, "toBlock")) != ETH_OK)
            from = 1, to = 0; /* an empty answer */
        node->last_from = from;
        result = json_array();
        size_t i;
        json_t *l;
        json_array_foreach(node->logs, i, l)
        {
            uint64_t b;
            if (eth_json_quantity(&b, json_object_get(l, "blockNumber")) == ETH_OK && b >= from && b <= to)
                json_array_append(result, l);
        }
    }
    pthread_mutex_unlock(&node->lock);
    json_t *resp = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", json_object_get(req, "id"), "result", result);
    char *text = json_dumps(resp, JSON_COMPACT);
    fake_http_reply(fd, 200, text, strlen(text));
    free(text);
    json_decref(resp);
    json_decref(req);
    return 0;
}

/* Answers the client's eth_subscribe (checking the filter it asks for) with
 * sub_id, or with an error when sub_id is NULL. 0 or -1. */
static int fake_subscribe(struct fake_ws *w, const char *sub_id)
{
    char *text = fake_ws_recv(w, 5000);
    json_t *req = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    const json_t *params = json_object_get(req, "params");
    const json_t *f = json_array_get(params, 1);
    char *addr = eth_hex_encode_alloc(fake_contract.addr, 20), *topic = eth_hex_encode_alloc(ping_topic, 32);
    int ok = req && !strcmp(json_string_value(json_object_get(req, "method")), "eth_subscribe") &&
             !strcmp(json_string_value(json_array_get(params, 0)), "logs") &&
             !strcmp(json_string_value(json_array_get(json_object_get(f, "address"), 0)), addr) &&
             !strcmp(json_string_value(json_array_get(json_array_get(json_object_get(f, "topics"), 0), 0)), topic);
    free(addr);
    free(topic);
    json_t *resp = sub_id ? json_pack("{s:s, s:O, s:s}", "jsonrpc", "2.0", "id", json_object_get(req, "id"), "result", sub_id)
                          : json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", json_object_get(req, "id"),
                                      "error", "code", -32601, "message", "subscriptions are off");
    char *out = resp ? json_dumps(resp, JSON_COMPACT) : NULL;
    if (!out || fake_ws_send(w, out, strlen(out), 0) != 0) ok = 0;
    free(out);
    json_decref(resp);
    json_decref(req);
    return ok ? 0 : -1;
}

/* Sends log (reference stolen) as a notification of subscription sub_id. */
static int fake_notify(struct fake_ws *w, const char *sub_id, json_t *log, size_t frag)
{
    json_t *n = json_pack("{s:s, s:s, s:{s:s, s:o}}", "jsonrpc", "2.0", "method", "eth_subscription", "params",
                          "subscription", sub_id, "result", log);
    char *text = n ? json_dumps(n, JSON_COMPACT) : NULL;
    int rc = text ? fake_ws_send(w, text, strlen(text), frag) : -1;
    free(text);
    json_decref(n);
    return rc;
}

/* Against a scripted node: duplicates between catch-up and WS, removed logs
 * (passed once, and only for delivered logs), other subscriptions' traffic,
 * fragmented messages, and every way a connection can go bad (malformed
 * JSON, an oversized message, a refused subscription), each followed by a
 * reconnect and a catch-up from the last delivered block. */
static void test_scripted_node(void)
{
    struct fake_node node = { .head = 10, .logs = json_array() };
    pthread_mutex_init(&node.lock, NULL);
    json_array_append_new(node.logs, fake_log(5, 0xa5, 0, 1, 0));
    json_array_append_new(node.logs, fake_log(7, 0xa7, 0, 2, 0));
    json_array_append_new(node.logs, fake_log(10, 0xaa, 0, 3, 0));
    json_array_append_new(node.logs, fake_log(10, 0xaa, 1, 4, 0));
    struct fake_http *http = fake_http_start(fake_node_answer, &node);
    struct fake_ws *ws = fake_ws_start();
    REQUIRE(http && ws);
    struct seen *s = seen_new();
    eth_sub_opts o = {
        .ws_url = fake_ws_url(ws),
        .rpc_url = fake_http_url(http),
        .filter = { .addresses = &fake_contract, .n_addresses = 1, .topic0 = (const uint8_t(*)[32])ping_topic,
                    .n_topic0 = 1 },
        .from_block = 5,
        .reconnect_max_ms = 200,
        .on_log = on_log,
        .user = s,
    };
    eth_sub *sub;
    REQUIRE(eth_sub_start(&sub, &o) == ETH_OK);

    /* First connection: catch-up gives seq 1..4; WS repeats 4 and goes on. */
    CHECK_INT(fake_subscribe(ws, "0xabc"), 0);
    CHECK_INT(fake_notify(ws, "0xabc", fake_log(10, 0xaa, 1, 4, 0), 0), 0);      /* duplicate */
    CHECK_INT(fake_notify(ws, "0xabc", fake_log(11, 0xb1, 0, 5, 0), 0), 0);      /* new */
    CHECK_INT(fake_notify(ws, "0xother", fake_log(11, 0xb1, 1, 99, 0), 0), 0);   /* not ours */
    CHECK_INT(fake_notify(ws, "0xabc", fake_log(11, 0xb1, 0, 5, 1), 0), 0);      /* reorg: 5 removed */
    CHECK_INT(fake_notify(ws, "0xabc", fake_log(11, 0xb1, 0, 5, 1), 0), 0);      /* removed again */
    CHECK_INT(fake_notify(ws, "0xabc", fake_log(9, 0xa9, 0, 98, 1), 0), 0);      /* never delivered */
    CHECK_INT(fake_notify(ws, "0xabc", fake_log(11, 0xb2, 0, 6, 0), 0), 0);      /* the new block 11 */
    CHECK_INT(wait_seen(s, 7, 5000), 0);
    CHECK_INT(eth_sub_connections(sub), 1);
    CHECK_INT(node.last_from, 5);

    /* Malformed JSON: dropped, reconnected, caught up from block 11. */
    pthread_mutex_lock(&node.lock);
    node.head = 12;
    json_array_append_new(node.logs, fake_log(11, 0xb2, 0, 6, 0));
    json_array_append_new(node.logs, fake_log(12, 0xc0, 0, 7, 0));
    pthread_mutex_unlock(&node.lock);
    CHECK_INT(fake_ws_send(ws, "{bad", 4, 0), 0);
    CHECK_INT(fake_ws_wait_closed(ws, 5000), 0);
    char err[256];
    eth_sub_last_error(sub, err, sizeof err);
    CHECK(strstr(err, "malformed") != NULL);
    CHECK_INT(fake_subscribe(ws, "0xdef"), 0);
    CHECK_INT(wait_seen(s, 8, 5000), 0);
    CHECK_INT(node.last_from, 11);

    /* A message past ETH_SUB_MAX_MESSAGE, in 1 MiB frames. */
    size_t big = ETH_SUB_MAX_MESSAGE + 1;
    char *junk = malloc(big);
    REQUIRE(junk);
    memset(junk, ' ', big);
    junk[0] = '[';
    junk[big - 1] = ']';
    fake_ws_send(ws, junk, big, 1 << 20); /* the client may hang up before the end */
    free(junk);
    CHECK_INT(fake_ws_wait_closed(ws, 5000), 0);
    eth_sub_last_error(sub, err, sizeof err);
    CHECK(strstr(err, "exceeds") != NULL);

    /* A refused subscription, then an accepted one; a fragmented notification. */
    CHECK_INT(fake_subscribe(ws, NULL), 0);
    CHECK_INT(fake_ws_wait_closed(ws, 5000), 0);
    eth_sub_last_error(sub, err, sizeof err);
    printf("  refused: \"%s\"\n", err);
    CHECK(strstr(err, "subscriptions are off") != NULL);
    CHECK_INT(fake_subscribe(ws, "0x123"), 0);
    CHECK_INT(fake_notify(ws, "0x123", fake_log(13, 0xd0, 0, 8, 0), 7), 0);
    CHECK_INT(wait_seen(s, 9, 5000), 0);
    poll(NULL, 0, 100);
    CHECK_INT(eth_sub_connections(sub), 3);
    CHECK_INT(fake_ws_connections(ws), 4);

    static const struct {
        uint64_t seq;
        int removed;
    } want[] = { { 1, 0 }, { 2, 0 }, { 3, 0 }, { 4, 0 }, { 5, 0 }, { 5, 1 }, { 6, 0 }, { 7, 0 }, { 8, 0 } };
    pthread_mutex_lock(&s->lock);
    CHECK_INT(s->n, TEST_COUNT(want));
    for (size_t i = 0; i < s->n && i < TEST_COUNT(want); i++)
        if (s->log[i].seq != want[i].seq || s->log[i].removed != want[i].removed)
            test_fail(__FILE__, __LINE__, "delivery %zu: seq %llu removed %d, want seq %llu removed %d", i,
                      (unsigned long long)s->log[i].seq, s->log[i].removed, (unsigned long long)want[i].seq,
                      want[i].removed);
    pthread_mutex_unlock(&s->lock);

    eth_sub_free(sub);
    fake_ws_stop(ws);
    fake_http_stop(http);
    json_decref(node.logs);
    pthread_mutex_destroy(&node.lock);
    seen_free(s);
}

/* Stopping while the node is unreachable returns promptly. */
static void test_stop_while_down(void)
{
    char ws[64];
    snprintf(ws, sizeof ws, "ws://127.0.0.1:%d", test_free_port());
    eth_address c = { { 1 } };
    struct seen *s = seen_new();
    eth_sub *sub = start_sub(ws, &c, 0, s);
    REQUIRE(sub);
    poll(NULL, 0, 500);
    char err[256];
    eth_sub_last_error(sub, err, sizeof err);
    printf("  unreachable: \"%s\"\n", err);
    CHECK(strstr(err, "cannot connect") != NULL);
    CHECK_INT(eth_sub_connections(sub), 0);
    double t0 = net_now_ms();
    eth_sub_free(sub);
    CHECK(net_now_ms() - t0 < 500);
    seen_free(s);
}

static const struct test_case cases[] = {
    TEST(bad_options),  TEST(live_events),    TEST(catch_up_from_block), TEST(reconnect_catch_up),
    TEST(tls), TEST(scripted_node), TEST(stop_while_down),
};

int main(int argc, char **argv)
{
    eth_key k;
    eth_abi_event_topic(ping_topic, "Ping(uint256,address,bytes)");
    if (test_anvil_start(&anvil, NULL) != 0 || !(rpc = eth_rpc_new(anvil.rpc_url, NULL)) ||
        eth_key_from_hex(&k, TEST_DEV_KEY0) != ETH_OK || eth_client_new(&client, rpc, &k) != ETH_OK) {
        fprintf(stderr, "cannot start anvil or connect to it\n");
        test_anvil_stop(&anvil);
        return 1;
    }
    eth_key_wipe(&k);
    int rc = test_main(cases, TEST_COUNT(cases), argc, argv);
    eth_client_free(client);
    eth_rpc_free(rpc);
    test_anvil_stop(&anvil);
    return rc;
}
