/* test_miner.c - the devnet's miner (devnet_miner_run) against a real anvil:
 * it turns automine off, mines nothing while nothing waits, puts a burst of
 * transactions into few blocks, stamps every block after its parent (also
 * when the chain's clock is ahead of the wall clock, and with the wall clock
 * otherwise), and refuses bad settings; faas-devnet's own argument errors. */
#include "devnet.h"
#include "e2e.h"
#include "eth.h"
#include "svc.h"
#include "test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Long enough that a burst of sends fits in one or two blocks on a loaded machine. */
#define BLOCK_TIME_S 0.5

static struct test_anvil anvil;
static eth_rpc *rpc;
static pthread_t thread;
static volatile int stop;
static devnet_err miner_rc;
static char miner_detail[SVC_DETAIL_MAX];

static void *run_miner(void *arg)
{
    (void)arg;
    miner_rc = devnet_miner_run(anvil.rpc_url, BLOCK_TIME_S, &stop, miner_detail);
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static uint64_t head(void)
{
    uint64_t n = 0;
    CHECK_INT(eth_rpc_block_number(rpc, &n), ETH_OK);
    return n;
}

static uint64_t timestamp(uint64_t block)
{
    json_t *b = NULL;
    uint64_t ts = 0;
    CHECK_INT(eth_rpc_call(rpc, &b, "eth_getBlockByNumber", json_pack("[o,b]", eth_json_from_quantity(block), 0)),
              ETH_OK);
    CHECK_INT(eth_json_quantity(&ts, json_object_get(b, "timestamp")), ETH_OK);
    json_decref(b);
    return ts;
}

static int automine(void)
{
    json_t *r = NULL;
    if (eth_rpc_call(rpc, &r, "anvil_getAutomine", json_array()) != ETH_OK) return -1;
    int on = json_is_true(r);
    json_decref(r);
    return on;
}

/* n transfers sent back to back; the blocks they landed in. */
static void burst(size_t n, uint64_t *blocks)
{
    eth_key k;
    eth_client *c = NULL;
    REQUIRE(eth_key_from_hex(&k, TEST_DEV_KEY0) == ETH_OK && eth_client_new(&c, rpc, &k) == ETH_OK);
    eth_address to;
    REQUIRE(eth_address_parse(&to, TEST_DEV_ADDR1) == ETH_OK);
    eth_u256 one;
    eth_u256_from_u64(&one, 1);
    eth_send_opts o = { .value = &one, .gas_limit = 21000 };
    uint8_t tx[16][32];
    REQUIRE(n <= 16);
    for (size_t i = 0; i < n; i++) REQUIRE(eth_client_send(c, tx[i], &to, NULL, 0, &o) == ETH_OK);
    for (size_t i = 0; i < n; i++) {
        eth_receipt rc;
        REQUIRE(eth_client_wait_receipt(c, &rc, tx[i], 10000) == ETH_OK);
        CHECK_INT(rc.status, 1);
        blocks[i] = rc.block_number;
        eth_receipt_free(&rc);
    }
    eth_client_free(c);
}

static void test_start(void)
{
    REQUIRE(test_anvil_start(&anvil, NULL) == 0);
    REQUIRE((rpc = eth_rpc_new(anvil.rpc_url, NULL)) != NULL);
    CHECK_INT(automine(), 1);
    REQUIRE(pthread_create(&thread, NULL, run_miner, NULL) == 0);
    for (int i = 0; i < 100 && automine() != 0; i++) sleep_ms(20);
    CHECK_INT(automine(), 0);
}

static void test_idle_mines_nothing(void)
{
    uint64_t h = head();
    sleep_ms(500);
    CHECK(head() == h);
}

static void test_burst_shares_blocks(void)
{
    uint64_t h = head(), blocks[12];
    burst(12, blocks);
    /* At most one block per BLOCK_TIME_S: the first send is mined at once,
     * the other eleven (milliseconds later) wait for the next block or two. */
    size_t distinct = 1;
    for (size_t i = 1; i < 12; i++) distinct += blocks[i] != blocks[i - 1];
    CHECK(distinct <= 3);
    CHECK(blocks[0] == h + 1);
    /* With the chain's clock not ahead, a block carries the wall clock's second
     * (or its parent's + 1). */
    uint64_t now = (uint64_t)time(NULL), ts = timestamp(blocks[11]);
    CHECK(ts + 2 >= now && ts <= now + 3);
    for (uint64_t b = h + 1; b <= blocks[11]; b++) CHECK(timestamp(b) > timestamp(b - 1));
}

/* A chain ahead of the wall clock (an earlier burst) goes on one second a block. */
static void test_ahead_of_wall_clock(void)
{
    uint64_t ahead = (uint64_t)time(NULL) + 1000;
    json_t *r = NULL;
    REQUIRE(eth_rpc_call(rpc, &r, "evm_mine", json_pack("[I]", (json_int_t)ahead)) == ETH_OK);
    json_decref(r);
    uint64_t blocks[2];
    burst(1, blocks);
    sleep_ms(250);
    burst(1, blocks + 1);
    CHECK(blocks[1] == blocks[0] + 1);
    CHECK(timestamp(blocks[0]) == ahead + 1);
    CHECK(timestamp(blocks[1]) == ahead + 2);
}

static void test_stop(void)
{
    stop = 1;
    pthread_join(thread, NULL);
    CHECK_INT(miner_rc, DEVNET_OK);
    eth_rpc_free(rpc);
    test_anvil_stop(&anvil);
}

static void test_bad_settings(void)
{
    char detail[SVC_DETAIL_MAX];
    volatile int never = 0;
    CHECK_INT(devnet_miner_run("http://127.0.0.1:1", 0, &never, detail), DEVNET_ERR_ARG);
    CHECK(strstr(detail, "block time") != NULL);
    CHECK_INT(devnet_miner_run("http://127.0.0.1:1", 5000, &never, detail), DEVNET_ERR_ARG);
    int port = test_free_port();
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    CHECK_INT(devnet_miner_run(url, 0.1, &never, detail), DEVNET_ERR_START);
    CHECK(strstr(detail, "cannot turn off anvil's automine") != NULL);
}

/* faas-devnet's argument errors: one line, exit 2 (1 for a miner without a chain). */
static void expect(const char *args, int status, const char *text)
{
    char out[4096];
    CHECK_INT(e2e_devnet_run("/nonexistent-faas-home", args, out, sizeof out), status);
    if (!strstr(out, text)) test_fail(__FILE__, __LINE__, "faas-devnet %s: expected \"%s\" in: %s", args, text, out);
}

static void test_cli_errors(void)
{
    expect("up --block-time soon", 2, "--block-time needs a number in range, got \"soon\"");
    expect("up --block-time -1", 2, "--block-time needs a number in range");
    expect("up --block-time 0.0001", 2, "--block-time needs a number in range");
    expect("up --operators 0", 2, "--operators needs a number in range");
    expect("up --bogus", 2, "unknown option --bogus");
    expect("miner", 2, "--rpc-url is required");
    expect("miner --rpc-url http://127.0.0.1:1 --block-time 0", 2, "bad option --block-time 0");
    expect("miner --rpc-url http://127.0.0.1:1", 1, "cannot turn off anvil's automine");
    expect("status", 1, "no devnet was started from /nonexistent-faas-home");
    expect("frobnicate", 2, "unknown command frobnicate");
}

static const struct test_case cases[] = {
    TEST(start),
    TEST(idle_mines_nothing),
    TEST(burst_shares_blocks),
    TEST(ahead_of_wall_clock),
    TEST(stop),
    TEST(bad_settings),
    TEST(cli_errors),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
