/* test_e2e_restart.c - the aggregator loses nothing and repeats nothing:
 * killed with SIGKILL in the middle of a stream of 50 calls and restarted,
 * every task is verified exactly once; and with its WebSocket connection
 * cut (and kept down) while tasks are created, the catch-up with
 * eth_getLogs after the reconnect finds them. And with confirmations, a
 * task waits for the blocks on top of its own. */
#include "e2e.h"
#include "net_test.h"
#include "test.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STREAM 50

static e2e_net net;
static int up;
static uint8_t fid[32];

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void setup(void)
{
    if (up) return;
    up = -1;
    char dir[512];
    if (e2e_up(&net, NULL) == 0 &&
        e2e_write_js(&net, "echo", "exports.handler = async (input) => ({ echo: input });\n", dir, sizeof dir) == 0 &&
        e2e_register_dir(&net, dir, fid) == 0)
        up = 1;
}

/* Sends calls[first..last) and records their transactions. */
static int send_calls(uint8_t (*tx)[32], int first, int last)
{
    for (int i = first; i < last; i++) {
        char input[32];
        snprintf(input, sizeof input, "{\"i\":%d}", i);
        if (e2e_call_async(&net, fid, input, tx[i]) != 0) return -1;
        sleep_ms(20);
    }
    return 0;
}

/* Every task of the transactions is verified exactly once with its own result. */
static void check_all_verified(uint8_t (*tx)[32], int n, int first_input)
{
    uint8_t (*tasks)[32] = calloc((size_t)n, 32);
    uint64_t first_block = UINT64_MAX;
    for (int i = 0; i < n; i++) {
        uint64_t b;
        REQUIRE(e2e_task_of_tx(&net, tx[i], tasks[i], &b) == 0);
        if (b < first_block) first_block = b;
    }
    /* One budget for all, so that a broken run ends well inside ctest's timeout. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n; i++) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long left = 90000 - (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
        CHECK_INT(e2e_wait_status(&net, tasks[i], 2, left > 0 ? left : 0), 0);
    }
    for (int i = 0; i < n; i++) {
        char *result = NULL, want[80];
        CHECK_INT(e2e_wait_verified_logs(&net, tasks[i], first_block, &result, NULL, 5000), 1);
        snprintf(want, sizeof want, "{\"payload\":{\"echo\":{\"i\":%d}},\"error\":null}", first_input + i);
        CHECK_STR(result, want);
        free(result);
        json_t *st = e2e_aggregator_wait(&net, tasks[i], "verified", 10000);
        CHECK_STR(json_string_value(json_object_get(st, "status")), "verified");
        json_decref(st);
    }
    free(tasks);
}

static void test_sigkill_during_stream(void)
{
    setup();
    REQUIRE(up == 1);
    uint8_t (*tx)[32] = calloc(STREAM, 32);
    uint64_t submitted_before = e2e_aggregator_nonce(&net);
    REQUIRE(send_calls(tx, 0, 20) == 0);
    e2e_kill(&net, "aggregator", SIGKILL);
    REQUIRE(send_calls(tx, 20, 35) == 0);
    REQUIRE(e2e_restart_aggregator(&net, NULL) == 0);
    REQUIRE(send_calls(tx, 35, STREAM) == 0);
    check_all_verified(tx, STREAM, 0);
    /* Exactly one submitResult per task: no second one after the restart. */
    CHECK(e2e_aggregator_nonce(&net) - submitted_before == STREAM);
    free(tx);
}

static void test_ws_drop_catch_up(void)
{
    setup();
    REQUIRE(up == 1);
    struct tcp_proxy *p = tcp_proxy_start(net.port);
    REQUIRE(p);
    char ws[64];
    snprintf(ws, sizeof ws, "ws://127.0.0.1:%d", tcp_proxy_port(p));
    e2e_kill(&net, "aggregator", SIGTERM);
    const char *extra[] = { "--ws-url", ws, NULL };
    REQUIRE(e2e_restart_aggregator(&net, extra) == 0);
    uint8_t tx[15][32];
    REQUIRE(send_calls(tx, 0, 3) == 0);
    /* The connection drops and stays down while tasks are created. */
    tcp_proxy_pause(p, 1);
    tcp_proxy_cut(p);
    REQUIRE(send_calls(tx, 3, 15) == 0);
    sleep_ms(1500);
    tcp_proxy_pause(p, 0);
    check_all_verified(tx, 15, 0);
    CHECK(tcp_proxy_accepted(p) >= 2); /* it reconnected */
    /* Back on the direct connection for the devnet's shutdown. */
    e2e_kill(&net, "aggregator", SIGTERM);
    REQUIRE(e2e_restart_aggregator(&net, NULL) == 0);
    tcp_proxy_stop(p);
}

/* Two confirmations: a task waits until two blocks sit on top of its own. */
static void test_confirmations(void)
{
    setup();
    REQUIRE(up == 1);
    e2e_kill(&net, "aggregator", SIGTERM);
    const char *extra[] = { "--confirmations", "2", NULL };
    REQUIRE(e2e_restart_aggregator(&net, extra) == 0);
    uint8_t task[32];
    uint64_t block;
    REQUIRE(e2e_call(&net, fid, "\"confirm me\"", task, &block) == 0);
    sleep_ms(2500);
    CHECK_INT(e2e_task_status(&net, task), 1); /* anvil mines no block by itself */
    json_t *st = e2e_aggregator_task(&net, task);
    CHECK_STR(json_string_value(json_object_get(st, "status")), "pending");
    json_decref(st);
    /* Two more blocks (plain transfers) confirm it. */
    for (int i = 0; i < 2; i++) {
        uint8_t tx[32];
        eth_receipt rc;
        eth_send_opts o = { .gas_limit = 21000 };
        REQUIRE(eth_client_send(net.client, tx, eth_client_address(net.client), NULL, 0, &o) == ETH_OK);
        REQUIRE(eth_client_wait_receipt(net.client, &rc, tx, 10000) == ETH_OK);
        eth_receipt_free(&rc);
    }
    CHECK_INT(e2e_wait_status(&net, task, 2, 20000), 0);
    e2e_kill(&net, "aggregator", SIGTERM);
    REQUIRE(e2e_restart_aggregator(&net, NULL) == 0);
}

static void test_zz_down(void)
{
    if (up == 1) e2e_down(&net);
    up = 0;
}

static const struct test_case cases[] = {
    TEST(sigkill_during_stream),
    TEST(ws_drop_catch_up),
    TEST(confirmations),
    TEST(zz_down),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
