/* test_rpc.c - JSON-RPC over HTTP: against a real anvil (cross-checked with
 * cast), and against a scripted fake server for what anvil never does
 * (malformed, oversized, slow or failing answers, ranges refused). Also the
 * strict log and receipt parsers. */
#include "eth.h"
#include "net_test.h"
#include "test.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct test_anvil anvil;

/* ---- fake-server behaviours ------------------------------------------------ */

/* The id of the request in body (0 if unreadable). */
static json_int_t request_id(const char *body)
{
    json_t *req = json_loads(body, 0, NULL);
    json_int_t id = json_integer_value(json_object_get(req, "id"));
    json_decref(req);
    return id;
}

/* Answers with the fixture's body, its "%lld" (if any) replaced by the
 * request id. */
static int answer_fmt(void *user, int fd, const char *body, size_t n)
{
    const char *fmt = user, *at = strstr(fmt, "%lld");
    char out[4096];
    (void)n;
    int k = at ? snprintf(out, sizeof out, "%.*s%lld%s", (int)(at - fmt), fmt, (long long)request_id(body), at + 4)
               : snprintf(out, sizeof out, "%s", fmt);
    fake_http_reply(fd, 200, out, (size_t)k);
    return 0;
}

struct status_answer {
    int status;
    const char *body;
};

static int answer_status(void *user, int fd, const char *body, size_t n)
{
    const struct status_answer *a = user;
    (void)body;
    (void)n;
    fake_http_reply(fd, a->status, a->body, strlen(a->body));
    return 0;
}

/* Holds the request longer than the client waits, then hangs up. */
static int answer_late(void *user, int fd, const char *body, size_t n)
{
    (void)user;
    (void)fd;
    (void)body;
    (void)n;
    poll(NULL, 0, 300);
    return 1;
}

/* A valid response of `size` bytes (result is a long string). */
static int answer_big(void *user, int fd, const char *body, size_t n)
{
    size_t size = *(const size_t *)user;
    char head[64];
    (void)n;
    int k = snprintf(head, sizeof head, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":\"", (long long)request_id(body));
    char *out = malloc(size);
    memcpy(out, head, (size_t)k);
    memset(out + k, 'a', size - (size_t)k - 2);
    memcpy(out + size - 2, "\"}", 2);
    fake_http_reply(fd, 200, out, size);
    free(out);
    return 0;
}

/* A close-delimited body (no Content-Length) of 64 KiB. */
static int answer_unbounded(void *user, int fd, const char *body, size_t n)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
    char chunk[4096];
    (void)user;
    (void)body;
    (void)n;
    memset(chunk, ' ', sizeof chunk);
    fake_http_write(fd, head, sizeof head - 1);
    for (int i = 0; i < 16; i++) fake_http_write(fd, chunk, sizeof chunk);
    return 1;
}

/* ---- cases ----------------------------------------------------------------- */

static void test_url_rejected(void)
{
    CHECK(eth_rpc_new(NULL, NULL) == NULL);
    CHECK(eth_rpc_new("ws://127.0.0.1:1", NULL) == NULL);
    CHECK(eth_rpc_new("ftp://127.0.0.1:1", NULL) == NULL);
    CHECK(eth_rpc_new("127.0.0.1:8545", NULL) == NULL);
    eth_rpc *r = eth_rpc_new("HTTP://127.0.0.1:1", NULL);
    CHECK(r != NULL);
    eth_rpc_free(r);
}

/* What anvil answers agrees with cast, an independent client. */
static void test_anvil_basics(void)
{
    eth_rpc *r = eth_rpc_new(anvil.rpc_url, NULL);
    REQUIRE(r);
    char cmd[256];
    uint64_t chain, block;
    CHECK_INT(eth_rpc_chain_id(r, &chain), ETH_OK);
    snprintf(cmd, sizeof cmd, "cast chain-id --rpc-url %s", anvil.rpc_url);
    char *want = net_run(cmd);
    CHECK(want && strtoull(want, NULL, 10) == chain);
    free(want);

    CHECK_INT(eth_rpc_block_number(r, &block), ETH_OK);
    snprintf(cmd, sizeof cmd, "cast block-number --rpc-url %s", anvil.rpc_url);
    want = net_run(cmd);
    CHECK(want && strtoull(want, NULL, 10) == block);
    free(want);

    eth_address a;
    eth_u256 bal;
    char dec[80];
    REQUIRE(eth_hex_decode_exact(a.addr, 20, TEST_DEV_ADDR0) == ETH_OK);
    CHECK_INT(eth_rpc_get_balance(r, &bal, &a), ETH_OK);
    snprintf(cmd, sizeof cmd, "cast balance --rpc-url %s %s", anvil.rpc_url, TEST_DEV_ADDR0);
    want = net_run(cmd);
    CHECK_STR(eth_u256_to_dec(dec, &bal), want);
    free(want);
    CHECK_STR(eth_rpc_last_error(r), "");

    /* An unknown transaction has no receipt. */
    uint8_t hash[32];
    eth_receipt rc;
    test_rand_bytes(hash, sizeof hash);
    CHECK_INT(eth_rpc_get_receipt(r, &rc, hash), ETH_ERR_NOT_FOUND);

    /* No logs yet: an empty list, not an error. */
    eth_log *logs;
    size_t n_logs;
    CHECK_INT(eth_rpc_get_logs(r, &logs, &n_logs, NULL, 0, block), ETH_OK);
    CHECK_INT(n_logs, 0);
    CHECK(logs == NULL);
    eth_rpc_free(r);
}

/* The node's error objects come back as ETH_ERR_RPC with code and text. */
static void test_anvil_errors(void)
{
    eth_rpc *r = eth_rpc_new(anvil.rpc_url, NULL);
    REQUIRE(r);
    json_t *res;
    CHECK_INT(eth_rpc_call(r, &res, "eth_nope", json_array()), ETH_ERR_RPC);
    CHECK(res == NULL);
    CHECK_INT(eth_rpc_last_error_code(r), -32601);
    CHECK(strstr(eth_rpc_last_error(r), "eth_nope") != NULL);
    CHECK(strstr(eth_rpc_last_error(r), "-32601") != NULL);

    CHECK_INT(eth_rpc_call(r, &res, "eth_getBalance", json_pack("[s,s]", "0xzz", "latest")), ETH_ERR_RPC);
    CHECK_INT(eth_rpc_last_error_code(r), -32602);

    /* A failed json_pack (NULL params) is reported, not sent as []. */
    CHECK_INT(eth_rpc_call(r, &res, "eth_blockNumber", NULL), ETH_ERR_NOMEM);
    CHECK_INT(eth_rpc_call(r, &res, "eth_blockNumber", json_object()), ETH_ERR_ARG);

    /* After an error, success clears the detail. */
    CHECK_INT(eth_rpc_call(r, &res, "eth_blockNumber", json_array()), ETH_OK);
    CHECK(json_is_string(res));
    json_decref(res);
    CHECK_STR(eth_rpc_last_error(r), "");
    CHECK_INT(eth_rpc_last_error_code(r), 0);
    CHECK(eth_rpc_last_error_data(r) == NULL);
    eth_rpc_free(r);
}

/* Consecutive calls on one eth_rpc share one TCP connection. */
static void test_keep_alive(void)
{
    struct fake_http *s = fake_http_start(answer_fmt, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":\"0x2a\"}");
    REQUIRE(s);
    eth_rpc *r = eth_rpc_new(fake_http_url(s), NULL);
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) CHECK_INT(eth_rpc_block_number(r, &v), ETH_OK);
    CHECK_INT(v, 42);
    CHECK_INT(fake_http_requests(s), 10);
    CHECK_INT(fake_http_connections(s), 1);
    eth_rpc_free(r);
    fake_http_stop(s);
}

/* Nothing listens: a transport error after the retries, quickly. */
static void test_unreachable(void)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", test_free_port());
    eth_rpc *r = eth_rpc_new(url, NULL);
    REQUIRE(r);
    uint64_t v;
    double t0 = net_now_ms();
    CHECK_INT(eth_rpc_block_number(r, &v), ETH_ERR_TRANSPORT);
    double ms = net_now_ms() - t0;
    printf("  unreachable: %.0f ms, \"%s\"\n", ms, eth_rpc_last_error(r));
    CHECK(ms < 2000);
    CHECK(strstr(eth_rpc_last_error(r), "connect") != NULL);
    CHECK(strstr(eth_rpc_last_error(r), "3 attempts") != NULL);

    /* No retries when asked for none. */
    eth_rpc_opts o = { .retries = -1 };
    eth_rpc *r1 = eth_rpc_new(url, &o);
    CHECK_INT(eth_rpc_block_number(r1, &v), ETH_ERR_TRANSPORT);
    CHECK(strstr(eth_rpc_last_error(r1), "attempts") == NULL);
    eth_rpc_free(r1);
    eth_rpc_free(r);
}

/* A node that never answers: each attempt ends at timeout_ms. */
static void test_timeout(void)
{
    struct fake_http *s = fake_http_start(answer_late, NULL);
    REQUIRE(s);
    eth_rpc_opts o = { .timeout_ms = 150, .retries = 1 };
    eth_rpc *r = eth_rpc_new(fake_http_url(s), &o);
    uint64_t v;
    double t0 = net_now_ms();
    CHECK_INT(eth_rpc_block_number(r, &v), ETH_ERR_TRANSPORT);
    double ms = net_now_ms() - t0;
    printf("  timeout: %.0f ms, \"%s\"\n", ms, eth_rpc_last_error(r));
    CHECK(ms >= 300 && ms < 1500);
    CHECK(strstr(eth_rpc_last_error(r), "2 attempts") != NULL);
    CHECK_INT(fake_http_requests(s), 2);
    eth_rpc_free(r);
    fake_http_stop(s);
}

/* An answer, even an error, is final: never re-sent. */
static void test_rpc_error_not_retried(void)
{
    struct fake_http *s = fake_http_start(
        answer_fmt, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":-32000,\"message\":\"nonce too low\\nnext "
                    "line\",\"data\":{\"a\":1}}}");
    REQUIRE(s);
    eth_rpc *r = eth_rpc_new(fake_http_url(s), NULL);
    json_t *res;
    CHECK_INT(eth_rpc_call(r, &res, "eth_sendRawTransaction", json_pack("[s]", "0x00")), ETH_ERR_RPC);
    CHECK_INT(fake_http_requests(s), 1);
    CHECK_INT(eth_rpc_last_error_code(r), -32000);
    CHECK_STR(eth_rpc_last_error_data(r), "{\"a\":1}");
    CHECK(strstr(eth_rpc_last_error(r), "nonce too low next line") != NULL);
    CHECK(strchr(eth_rpc_last_error(r), '\n') == NULL);
    eth_rpc_free(r);
    fake_http_stop(s);

    /* The same with a 500 status: the JSON-RPC body wins, no retry. */
    struct status_answer a500 = { 500, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"bad\"}}" };
    s = fake_http_start(answer_status, &a500);
    r = eth_rpc_new(fake_http_url(s), NULL);
    CHECK_INT(eth_rpc_call(r, &res, "eth_blockNumber", json_array()), ETH_ERR_RPC);
    CHECK_INT(eth_rpc_last_error_code(r), -32600);
    CHECK_INT(fake_http_requests(s), 1);
    eth_rpc_free(r);
    fake_http_stop(s);
}

/* Revert errors: ETH_ERR_REVERT, described from the data bytes (not from the
 * node's text), custom errors named when declared in opts.custom_errors. */
static void test_revert_described(void)
{
    /* Error(string) "boom" and Unauthorized(address,uint256), abi-encoded by
     * `cast calldata` (an independent encoder). */
    char *err_string = net_run("cast calldata 'Error(string)' boom");
    char *custom = net_run("cast calldata 'Unauthorized(address,uint256)' 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 7");
    REQUIRE(err_string && custom);
    static const char *const known[] = { "Unauthorized(address,uint256)", NULL };
    char body[2048];
    snprintf(body, sizeof body,
             "{\"jsonrpc\":\"2.0\",\"id\":%%lld,\"error\":{\"code\":3,\"message\":\"execution reverted: \\u0000junk\","
             "\"data\":\"%s\"}}", err_string);
    struct fake_http *s = fake_http_start(answer_fmt, body);
    REQUIRE(s);
    eth_rpc *r = eth_rpc_new(fake_http_url(s), NULL);
    uint8_t *out;
    size_t n;
    eth_address to = { { 1 } };
    CHECK_INT(eth_rpc_eth_call(r, &out, &n, NULL, &to, (const uint8_t *)"", 0), ETH_ERR_REVERT);
    CHECK_STR(eth_rpc_last_error(r), "execution reverted: boom");
    CHECK_STR(eth_rpc_last_error_data(r), err_string);
    CHECK_INT(eth_rpc_last_error_code(r), 3);
    eth_rpc_free(r);
    fake_http_stop(s);

    snprintf(body, sizeof body,
             "{\"jsonrpc\":\"2.0\",\"id\":%%lld,\"error\":{\"code\":3,\"message\":\"execution reverted\",\"data\":\"%s\"}}",
             custom);
    s = fake_http_start(answer_fmt, body);
    eth_rpc_opts o = { .custom_errors = known };
    r = eth_rpc_new(fake_http_url(s), &o);
    CHECK_INT(eth_rpc_eth_call(r, &out, &n, NULL, &to, (const uint8_t *)"", 0), ETH_ERR_REVERT);
    CHECK(strstr(eth_rpc_last_error(r), "Unauthorized(") != NULL);
    CHECK(strstr(eth_rpc_last_error(r), "7") != NULL);
    eth_rpc_free(r);
    /* Not declared: named by selector. */
    r = eth_rpc_new(fake_http_url(s), NULL);
    CHECK_INT(eth_rpc_eth_call(r, &out, &n, NULL, &to, (const uint8_t *)"", 0), ETH_ERR_REVERT);
    CHECK(strstr(eth_rpc_last_error(r), "custom error 0x") != NULL);
    eth_rpc_free(r);
    fake_http_stop(s);

    /* Nodes without data: their own text, still a revert. */
    s = fake_http_start(answer_fmt, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":-32000,\"message\":\"VM Exception "
                                    "while processing transaction: revert nope\"}}");
    r = eth_rpc_new(fake_http_url(s), NULL);
    CHECK_INT(eth_rpc_eth_call(r, &out, &n, NULL, &to, (const uint8_t *)"", 0), ETH_ERR_REVERT);
    CHECK_STR(eth_rpc_last_error(r), "VM Exception while processing transaction: revert nope");
    eth_rpc_free(r);
    fake_http_stop(s);
    free(err_string);
    free(custom);
}

/* HTTP failures without a JSON-RPC body: 5xx retried, 4xx not. */
static void test_http_status(void)
{
    struct status_answer a503 = { 503, "overloaded" }, a404 = { 404, "<html>not here</html>" };
    struct fake_http *s = fake_http_start(answer_status, &a503);
    REQUIRE(s);
    eth_rpc *r = eth_rpc_new(fake_http_url(s), NULL);
    uint64_t v;
    CHECK_INT(eth_rpc_block_number(r, &v), ETH_ERR_TRANSPORT);
    CHECK(strstr(eth_rpc_last_error(r), "HTTP status 503") != NULL);
    CHECK_INT(fake_http_requests(s), 3);
    eth_rpc_free(r);
    fake_http_stop(s);

    s = fake_http_start(answer_status, &a404);
    r = eth_rpc_new(fake_http_url(s), NULL);
    CHECK_INT(eth_rpc_block_number(r, &v), ETH_ERR_TRANSPORT);
    CHECK(strstr(eth_rpc_last_error(r), "HTTP status 404") != NULL);
    CHECK_INT(fake_http_requests(s), 1);
    eth_rpc_free(r);
    fake_http_stop(s);
}

/* Answers that are not a JSON-RPC response to our request. */
static void test_malformed_responses(void)
{
    static const struct {
        const char *body; /* printf format given the request id */
        eth_err want;
    } cases[] = {
        { "garbage", ETH_ERR_JSON },
        { "", ETH_ERR_JSON },
        { "null", ETH_ERR_JSON },
        { "[1,2]", ETH_ERR_JSON },
        { "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":\"0x1\"", ETH_ERR_JSON },
        { "{\"jsonrpc\":\"2.0\",\"id\":%lld}", ETH_ERR_JSON },
        { "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":\"0x1\",\"error\":{\"code\":1,\"message\":\"x\"}}", ETH_ERR_JSON },
        { "{\"jsonrpc\":\"1.0\",\"id\":%lld,\"result\":\"0x1\"}", ETH_ERR_JSON },
        { "{\"id\":%lld,\"result\":\"0x1\"}", ETH_ERR_JSON },
        { "{\"jsonrpc\":\"2.0\",\"id\":999999,\"result\":\"0x1\"}", ETH_ERR_JSON },
        { "{\"jsonrpc\":\"2.0\",\"id\":\"%lld\",\"result\":\"0x1\"}", ETH_ERR_JSON },
        { "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":\"0x1\"}", ETH_ERR_JSON },
        { "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":\"x\",\"message\":\"m\"}}", ETH_ERR_JSON },
        { "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":99999999999,\"message\":\"m\"}}", ETH_ERR_JSON },
        { "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":1,\"message\":7}}", ETH_ERR_JSON },
        { "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":\"text\"}", ETH_ERR_JSON },
        { "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":\"0x1\",\"result\":\"0x2\"}", ETH_ERR_JSON },
        /* Well-formed envelopes whose result is not a QUANTITY. */
        { "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":\"0x01\"}", ETH_ERR_JSON },
        { "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":\"0x1\\u00002\"}", ETH_ERR_JSON },
        { "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":1}", ETH_ERR_JSON },
        { "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":\"0x10000000000000000\"}", ETH_ERR_JSON },
        /* And what must pass. */
        { "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":\"0x1\"}", ETH_OK },
        { "  {\"result\":\"0x0\",\"id\":%lld,\"jsonrpc\":\"2.0\"}\n", ETH_OK },
        { "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"parse error\"}}", ETH_ERR_RPC },
        { "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":5}}", ETH_ERR_RPC },
    };
    for (size_t i = 0; i < TEST_COUNT(cases); i++) {
        struct fake_http *s = fake_http_start(answer_fmt, (void *)cases[i].body);
        REQUIRE(s);
        eth_rpc *r = eth_rpc_new(fake_http_url(s), NULL);
        uint64_t v;
        eth_err e = eth_rpc_block_number(r, &v);
        if (e != cases[i].want)
            test_fail(__FILE__, __LINE__, "case %zu (%s): got %s, want %s", i, cases[i].body, eth_strerror(e),
                      eth_strerror(cases[i].want));
        if (e != ETH_OK) CHECK(eth_rpc_last_error(r)[0] != '\0');
        CHECK_INT(fake_http_requests(s), 1);
        eth_rpc_free(r);
        fake_http_stop(s);
    }
}

/* Responses past max_response stop the transfer and are not retried. */
static void test_oversized(void)
{
    size_t size = 4096;
    struct fake_http *s = fake_http_start(answer_big, &size);
    REQUIRE(s);
    eth_rpc_opts small = { .max_response = 1024 }, roomy = { .max_response = 4096 };
    eth_rpc *r = eth_rpc_new(fake_http_url(s), &small);
    json_t *res;
    CHECK_INT(eth_rpc_call(r, &res, "eth_x", json_array()), ETH_ERR_TOO_BIG);
    CHECK(strstr(eth_rpc_last_error(r), "1024") != NULL);
    CHECK_INT(fake_http_requests(s), 1);
    eth_rpc_free(r);
    /* Exactly at the cap is fine. */
    r = eth_rpc_new(fake_http_url(s), &roomy);
    CHECK_INT(eth_rpc_call(r, &res, "eth_x", json_array()), ETH_OK);
    CHECK_INT(json_string_length(res), 4096 - 2 - strlen("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"\"}") + 2);
    json_decref(res);
    eth_rpc_free(r);
    fake_http_stop(s);

    /* Without Content-Length the cap still holds. */
    s = fake_http_start(answer_unbounded, NULL);
    r = eth_rpc_new(fake_http_url(s), &small);
    CHECK_INT(eth_rpc_call(r, &res, "eth_x", json_array()), ETH_ERR_TOO_BIG);
    CHECK_INT(fake_http_requests(s), 1);
    eth_rpc_free(r);
    fake_http_stop(s);
}

/* ---- eth_getLogs chunking against a node that refuses wide ranges ------- */

#define FAKE_MAX_RANGE 300
static const uint8_t fake_topic0[32] = { 0xab, 0xcd };
static const eth_address fake_addr = { { 0x11, 0x22 } };

static char *hex_of(const uint8_t *p, size_t n)
{
    return eth_hex_encode_alloc(p, n);
}

/* One log for each block that is a multiple of 7, newest first (the client
 * sorts); refuses ranges wider than FAKE_MAX_RANGE blocks. */
static int answer_logs(void *user, int fd, const char *body, size_t n)
{
    int *bad_filter = user;
    (void)n;
    json_t *req = json_loads(body, 0, NULL);
    json_int_t id = json_integer_value(json_object_get(req, "id"));
    json_t *f = json_array_get(json_object_get(req, "params"), 0);
    uint64_t from = 0, to = 0;
    char *addr = hex_of(fake_addr.addr, 20), *t0 = hex_of(fake_topic0, 32);
    const json_t *fa = json_object_get(f, "address"), *ft = json_object_get(f, "topics");
    if (eth_json_quantity(&from, json_object_get(f, "fromBlock")) || eth_json_quantity(&to, json_object_get(f, "toBlock")) ||
        json_array_size(fa) != 1 || strcmp(json_string_value(json_array_get(fa, 0)), addr) != 0 ||
        json_array_size(ft) != 1 || strcmp(json_string_value(json_array_get(json_array_get(ft, 0), 0)), t0) != 0)
        ++*bad_filter;
    json_t *resp;
    if (to - from + 1 > FAKE_MAX_RANGE) {
        resp = json_pack("{s:s, s:I, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id, "error", "code", -32000, "message",
                         "query exceeds max block range 300");
    } else {
        json_t *logs = json_array();
        for (uint64_t b = to + 1; b-- > from;) {
            if (b % 7) continue;
            uint8_t h[32] = { 0 };
            h[31] = (uint8_t)b;
            h[30] = (uint8_t)(b >> 8);
            json_t *l = json_pack("{s:s, s:[s], s:s, s:o, s:o, s:o, s:s, s:s, s:b}", "address", addr, "topics", t0,
                                  "data", "0x", "blockNumber", eth_json_from_quantity(b), "blockHash",
                                  eth_json_from_data(h, 32), "transactionHash", eth_json_from_data(h, 32),
                                  "transactionIndex", "0x0", "logIndex", "0x0", "removed", 0);
            json_array_append_new(logs, l);
        }
        resp = json_pack("{s:s, s:I, s:o}", "jsonrpc", "2.0", "id", id, "result", logs);
    }
    char *text = json_dumps(resp, JSON_COMPACT);
    fake_http_reply(fd, 200, text, strlen(text));
    free(text);
    free(addr);
    free(t0);
    json_decref(resp);
    json_decref(req);
    return 0;
}

static void test_get_logs_chunked(void)
{
    int bad_filter = 0;
    struct fake_http *s = fake_http_start(answer_logs, &bad_filter);
    REQUIRE(s);
    eth_rpc *r = eth_rpc_new(fake_http_url(s), NULL);
    eth_log_filter f = { .addresses = &fake_addr, .n_addresses = 1, .topic0 = &fake_topic0, .n_topic0 = 1 };
    eth_log *logs;
    size_t n;
    CHECK_INT(eth_rpc_get_logs(r, &logs, &n, &f, 3, 5000), ETH_OK);
    CHECK_INT(bad_filter, 0);
    /* Blocks 7, 14, ..., 4998, each once and in order. */
    CHECK_INT(n, 5000 / 7);
    for (size_t i = 0; i < n; i++) {
        if (logs[i].block_number != 7 * (i + 1)) {
            test_fail(__FILE__, __LINE__, "log %zu is of block %llu", i, (unsigned long long)logs[i].block_number);
            break;
        }
    }
    /* 2000, 1000, 500 refused, then 250-block chunks: 3 + ceil(4998 / 250). */
    CHECK_INT(fake_http_requests(s), 3 + 20);
    eth_logs_free(logs, n);

    /* from > to is an empty answer without a request. */
    CHECK_INT(eth_rpc_get_logs(r, &logs, &n, &f, 10, 9), ETH_OK);
    CHECK_INT(n, 0);
    CHECK_INT(fake_http_requests(s), 23);
    eth_rpc_free(r);
    fake_http_stop(s);
}

/* A node answering with logs outside the range asked for is not believed;
 * an RPC error that is not about the range is returned as is. */
static void test_get_logs_bad_answers(void)
{
    struct fake_http *s;
    eth_rpc *r;
    s = fake_http_start(answer_fmt, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":[{\"address\":\"0x1122000000000000000000000000000000000000\","
                                    "\"topics\":[],\"data\":\"0x\",\"blockNumber\":\"0x7\",\"blockHash\":\"0x"
                                    "0000000000000000000000000000000000000000000000000000000000000007\","
                                    "\"transactionHash\":\"0x0000000000000000000000000000000000000000000000000000000000000007\","
                                    "\"transactionIndex\":\"0x0\",\"logIndex\":\"0x0\",\"removed\":false}]}");
    r = eth_rpc_new(fake_http_url(s), NULL);
    eth_log *logs;
    size_t n;
    CHECK_INT(eth_rpc_get_logs(r, &logs, &n, NULL, 7, 7), ETH_OK);
    CHECK_INT(n, 1);
    eth_logs_free(logs, n);
    CHECK_INT(eth_rpc_get_logs(r, &logs, &n, NULL, 8, 10), ETH_ERR_JSON);
    CHECK(strstr(eth_rpc_last_error(r), "outside") != NULL);
    CHECK(logs == NULL && n == 0);
    eth_rpc_free(r);
    fake_http_stop(s);

    s = fake_http_start(answer_fmt, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":-32000,\"message\":\"boom\"}}");
    r = eth_rpc_new(fake_http_url(s), NULL);
    CHECK_INT(eth_rpc_get_logs(r, &logs, &n, NULL, 0, 100000), ETH_ERR_RPC);
    CHECK_INT(fake_http_requests(s), 1);
    eth_rpc_free(r);
    fake_http_stop(s);
}

/* ---- strict parsers ---------------------------------------------------------- */

static const char valid_log[] =
    "{\"address\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\","
    "\"topics\":[\"0x5274c581c2e908275209d1f336f7e94f1aac6541bda57dc58f4507d14b1f1518\","
    "\"0x0000000000000000000000000000000000000000000000000000000000000001\"],"
    "\"data\":\"0x1234\","
    "\"blockHash\":\"0x5fe89717cd898586a98f96b18f8a9fb60ab7d70f78ceb537ad7c997acfa099b4\","
    "\"blockNumber\":\"0x2\",\"blockTimestamp\":\"0x6b0a2464\","
    "\"transactionHash\":\"0x696908fb525331f9bb08f408b56bb9b1f608945a000c84b9167e2816797f3e73\","
    "\"transactionIndex\":\"0x3\",\"logIndex\":\"0x1f\",\"removed\":false}";

static void test_log_json_strict(void)
{
    json_t *obj = json_loads(valid_log, 0, NULL);
    REQUIRE(obj);
    eth_log l;
    REQUIRE(eth_log_from_json(&l, obj) == ETH_OK);
    uint8_t want_addr[20], want_hash[32];
    REQUIRE(eth_hex_decode_exact(want_addr, 20, "0x5fbdb2315678afecb367f032d93f642f64180aa3") == ETH_OK);
    CHECK_MEM(l.address.addr, want_addr, 20);
    CHECK_INT(l.n_topics, 2);
    CHECK_INT(l.topics[1][31], 1);
    CHECK_INT(l.data_len, 2);
    CHECK(l.data && l.data[0] == 0x12 && l.data[1] == 0x34);
    CHECK_INT(l.block_number, 2);
    CHECK_INT(l.tx_index, 3);
    CHECK_INT(l.log_index, 31);
    CHECK_INT(l.removed, 0);
    REQUIRE(eth_hex_decode_exact(want_hash, 32, "0x5fe89717cd898586a98f96b18f8a9fb60ab7d70f78ceb537ad7c997acfa099b4") == ETH_OK);
    CHECK_MEM(l.block_hash, want_hash, 32);
    eth_log_free(&l);

    /* Every required member, removed. */
    static const char *const required[] = { "address", "topics", "data", "blockNumber", "blockHash",
                                            "transactionHash", "transactionIndex", "logIndex" };
    for (size_t i = 0; i < TEST_COUNT(required); i++) {
        json_t *c = json_deep_copy(obj);
        json_object_del(c, required[i]);
        if (eth_log_from_json(&l, c) != ETH_ERR_JSON) test_fail(__FILE__, __LINE__, "accepted a log without %s", required[i]);
        eth_log_free(&l);
        json_decref(c);
    }
    /* Each member with a bad value. */
    static const struct {
        const char *key, *json;
    } bad[] = {
        { "address", "\"0x5fbdb2315678afecb367f032d93f642f64180a\"" },
        { "address", "\"5fbdb2315678afecb367f032d93f642f64180aa3\"" },
        { "address", "42" },
        { "topics", "\"0x00\"" },
        { "topics", "[\"0x01\"]" },
        { "topics", "[1]" },
        { "topics", "[\"0x0000000000000000000000000000000000000000000000000000000000000001\","
                    "\"0x0000000000000000000000000000000000000000000000000000000000000001\","
                    "\"0x0000000000000000000000000000000000000000000000000000000000000001\","
                    "\"0x0000000000000000000000000000000000000000000000000000000000000001\","
                    "\"0x0000000000000000000000000000000000000000000000000000000000000001\"]" },
        { "data", "\"0x123\"" },
        { "data", "\"1234\"" },
        { "data", "\"0xzz\"" },
        { "data", "null" },
        { "blockNumber", "null" },
        { "blockNumber", "\"0x02\"" },
        { "blockNumber", "\"2\"" },
        { "blockNumber", "2" },
        { "blockNumber", "\"0x\"" },
        { "blockHash", "null" },
        { "blockHash", "\"0x5fe8\"" },
        { "transactionHash", "\"0x\"" },
        { "transactionIndex", "\"0xg\"" },
        { "logIndex", "\"0x10000000000000000\"" },
        { "removed", "\"false\"" },
        { "removed", "0" },
    };
    for (size_t i = 0; i < TEST_COUNT(bad); i++) {
        json_t *c = json_deep_copy(obj);
        json_object_set_new(c, bad[i].key, json_loads(bad[i].json, JSON_DECODE_ANY, NULL));
        if (eth_log_from_json(&l, c) != ETH_ERR_JSON)
            test_fail(__FILE__, __LINE__, "accepted %s = %s", bad[i].key, bad[i].json);
        CHECK(l.data == NULL);
        eth_log_free(&l);
        json_decref(c);
    }
    /* removed: true, and "removed" left out (some nodes), and no topics. */
    json_t *c = json_deep_copy(obj);
    json_object_set_new(c, "removed", json_true());
    json_object_set_new(c, "topics", json_array());
    json_object_set_new(c, "data", json_string("0x"));
    CHECK_INT(eth_log_from_json(&l, c), ETH_OK);
    CHECK_INT(l.removed, 1);
    CHECK_INT(l.n_topics, 0);
    CHECK(l.data == NULL && l.data_len == 0);
    eth_log_free(&l);
    json_object_del(c, "removed");
    CHECK_INT(eth_log_from_json(&l, c), ETH_OK);
    CHECK_INT(l.removed, 0);
    eth_log_free(&l);
    json_decref(c);
    CHECK_INT(eth_log_from_json(&l, json_array_get(NULL, 0)), ETH_ERR_JSON);
    json_decref(obj);
}

static void test_receipt_json_strict(void)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"type\":\"0x2\",\"status\":\"0x1\",\"cumulativeGasUsed\":\"0x538b\",\"logs\":[%s],"
             "\"transactionHash\":\"0x696908fb525331f9bb08f408b56bb9b1f608945a000c84b9167e2816797f3e73\","
             "\"transactionIndex\":\"0x3\","
             "\"blockHash\":\"0x5fe89717cd898586a98f96b18f8a9fb60ab7d70f78ceb537ad7c997acfa099b4\","
             "\"blockNumber\":\"0x2\",\"gasUsed\":\"0x538b\",\"effectiveGasPrice\":\"0x2dca6758\","
             "\"from\":\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\",\"to\":null,"
             "\"contractAddress\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\"}",
             valid_log);
    json_t *obj = json_loads(text, 0, NULL);
    REQUIRE(obj);
    eth_receipt rc;
    REQUIRE(eth_receipt_from_json(&rc, obj) == ETH_OK);
    CHECK_INT(rc.status, 1);
    CHECK_INT(rc.block_number, 2);
    CHECK_INT(rc.gas_used, 0x538b);
    uint64_t price;
    CHECK(eth_u256_to_u64(&rc.effective_gas_price, &price) && price == 0x2dca6758);
    CHECK_INT(rc.has_contract_address, 1);
    CHECK_INT(rc.contract_address.addr[0], 0x5f);
    CHECK_INT(rc.n_logs, 1);
    CHECK_INT(rc.logs[0].log_index, 31);
    eth_receipt_free(&rc);

    static const struct {
        const char *key, *json; /* json NULL: member removed */
    } bad[] = {
        { "status", "\"0x2\"" },
        { "status", NULL },
        { "transactionHash", "\"0x696908fb525331f9bb08f408b56bb9b1f608945a000c84b9167e2816797f3e74\"" },
        { "blockHash", "\"0x5fe89717cd898586a98f96b18f8a9fb60ab7d70f78ceb537ad7c997acfa099b5\"" },
        { "blockNumber", "\"0x3\"" },
        { "gasUsed", NULL },
        { "effectiveGasPrice", "\"0x\"" },
        { "contractAddress", "\"0x12\"" },
        { "logs", NULL },
        { "logs", "[{}]" },
        { "logs", "{}" },
    };
    for (size_t i = 0; i < TEST_COUNT(bad); i++) {
        json_t *c = json_deep_copy(obj);
        if (bad[i].json)
            json_object_set_new(c, bad[i].key, json_loads(bad[i].json, JSON_DECODE_ANY, NULL));
        else
            json_object_del(c, bad[i].key);
        if (eth_receipt_from_json(&rc, c) != ETH_ERR_JSON)
            test_fail(__FILE__, __LINE__, "accepted a receipt with %s = %s", bad[i].key, bad[i].json ? bad[i].json : "(none)");
        CHECK(rc.logs == NULL);
        eth_receipt_free(&rc);
        json_decref(c);
    }
    /* A failed call, no contract, no price (pre-London node). */
    json_object_set_new(obj, "status", json_string("0x0"));
    json_object_set_new(obj, "contractAddress", json_null());
    json_object_del(obj, "effectiveGasPrice");
    json_object_set_new(obj, "logs", json_array());
    REQUIRE(eth_receipt_from_json(&rc, obj) == ETH_OK);
    CHECK_INT(rc.status, 0);
    CHECK_INT(rc.has_contract_address, 0);
    CHECK(eth_u256_to_u64(&rc.effective_gas_price, &price) && price == 0);
    CHECK(rc.logs == NULL && rc.n_logs == 0);
    eth_receipt_free(&rc);
    json_decref(obj);
}

static const struct test_case cases[] = {
    TEST(url_rejected),    TEST(anvil_basics),        TEST(anvil_errors),         TEST(keep_alive),
    TEST(unreachable),     TEST(timeout),             TEST(rpc_error_not_retried), TEST(revert_described), TEST(http_status),
    TEST(malformed_responses), TEST(oversized),       TEST(get_logs_chunked),     TEST(get_logs_bad_answers),
    TEST(log_json_strict), TEST(receipt_json_strict),
};

int main(int argc, char **argv)
{
    if (test_anvil_start(&anvil, NULL) != 0) {
        fprintf(stderr, "cannot start anvil\n");
        return 1;
    }
    int rc = test_main(cases, TEST_COUNT(cases), argc, argv);
    test_anvil_stop(&anvil);
    return rc;
}
