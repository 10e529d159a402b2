/* test_e2e_quorum.c - 3 operators at 2/3 of stake, task SLA 8 s: a burst
 * of calls on the devnet's miner shares blocks, each stamped after its
 * parent, and every call is verified; a bundle
 * served from a URL runs when it hashes to its id and is refused by every
 * executor when it does not (the task fails at once); with one
 * executor stopped a call is still verified and the stopped operator is a
 * non-signer of the certificate; with two stopped nothing is submitted, the
 * task expires, and the aggregator's status says why. */
#include "e2e.h"
#include "net_test.h"
#include "test.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static e2e_net net;
static int up;
static uint8_t fid[32];

static void setup(void)
{
    if (up) return;
    up = -1;
    char dir[512];
    if (e2e_up(&net, "--task-sla 8") == 0 &&
        e2e_write_js(&net, "echo", "exports.handler = async (input) => ({ echo: input });\n", dir, sizeof dir) == 0 &&
        e2e_register_dir(&net, dir, fid) == 0)
        up = 1;
}

/* The devnet's miner (its default): a burst of calls shares blocks (fewer
 * blocks than calls), every block is stamped later than its parent, so each
 * result lands in a block after its task's (TimestampAtCreation) without
 * waiting for a second boundary. */
static void test_miner_burst(void)
{
    setup();
    REQUIRE(up == 1);
    json_t *am = NULL;
    REQUIRE(eth_rpc_call(net.rpc, &am, "anvil_getAutomine", json_array()) == ETH_OK);
    int automine = json_is_true(am);
    json_decref(am);
    if (automine) {
        printf("  (automine devnet: no miner to test)\n");
        return;
    }
    enum { BURST = 12 };
    uint8_t tx[BURST][32], task[BURST][32];
    uint64_t block[BURST], head0 = 0, head1 = 0;
    REQUIRE(eth_rpc_block_number(net.rpc, &head0) == ETH_OK);
    for (int i = 0; i < BURST; i++) {
        char input[32];
        snprintf(input, sizeof input, "{\"burst\":%d}", i);
        REQUIRE(e2e_call_async(&net, fid, input, tx[i]) == 0);
    }
    size_t blocks = 0;
    for (int i = 0; i < BURST; i++) {
        REQUIRE(e2e_task_of_tx(&net, tx[i], task[i], &block[i]) == 0);
        blocks += i == 0 || block[i] != block[i - 1];
    }
    CHECK(blocks < BURST); /* some share a block (test_miner bounds it tightly) */
    for (int i = 0; i < BURST; i++) CHECK_INT(e2e_wait_status(&net, task[i], 2, 20000), 0);
    REQUIRE(eth_rpc_block_number(net.rpc, &head1) == ETH_OK);
    uint64_t prev = e2e_block_timestamp(&net, head0);
    for (uint64_t b = head0 + 1; b <= head1; b++) {
        uint64_t ts = e2e_block_timestamp(&net, b);
        CHECK(ts > prev);
        prev = ts;
    }
}

/* A bundle at a URL: fetched by every executor, checked against its id. */
static uint8_t *served;
static size_t served_len;

static int serve_bundle(void *user, int fd, const char *body, size_t n)
{
    (void)user;
    (void)body;
    (void)n;
    fake_http_reply(fd, 200, (const char *)served, served_len);
    return 0;
}

static void test_url_bundle(void)
{
    setup();
    REQUIRE(up == 1);
    char dir[512], url[128];
    uint8_t id[32], task[32], wrong[32];
    uint64_t block;
    REQUIRE(e2e_write_js(&net, "remote", "exports.handler = async (input) => ({ remote: input });\n", dir,
                         sizeof dir) == 0);
    REQUIRE(e2e_pack_dir(dir, &served, &served_len, id) == 0);
    struct fake_http *srv = fake_http_start(serve_bundle, NULL);
    REQUIRE(srv);
    snprintf(url, sizeof url, "%s/fns/remote.tar.gz", fake_http_url(srv));
    REQUIRE(e2e_deploy_url(&net, url, id) == 0);
    REQUIRE(e2e_call(&net, id, "\"from a URL\"", task, &block) == 0);
    CHECK_INT(e2e_wait_status(&net, task, 2, 20000), 0);
    char *result = NULL;
    CHECK_INT(e2e_wait_verified_logs(&net, task, block, &result, NULL, 5000), 1);
    CHECK_STR(result, "{\"payload\":{\"remote\":\"from a URL\"},\"error\":null}");
    free(result);
    /* The same bytes registered under another hash: every executor refuses
     * them, and the aggregator gives up at once (long before the deadline). */
    eth_keccak256(wrong, "not this bundle", 15);
    snprintf(url, sizeof url, "%s/fns/impostor.tar.gz", fake_http_url(srv));
    REQUIRE(e2e_deploy_url(&net, url, wrong) == 0);
    REQUIRE(e2e_call(&net, wrong, "\"impostor\"", task, &block) == 0);
    json_t *st = e2e_aggregator_wait(&net, task, "failed", 6000);
    CHECK_STR(json_string_value(json_object_get(st, "status")), "failed");
    const char *reason = json_string_value(json_object_get(st, "reason"));
    CHECK(reason && strstr(reason, "threshold cannot be met: no valid answer"));
    CHECK(reason && strstr(reason, "function_unavailable") && strstr(reason, "keccak-256"));
    json_decref(st);
    CHECK_INT(e2e_verified_logs(&net, task, block, NULL, NULL), 0);
    fake_http_stop(srv);
    free(served);
}

static void test_one_stopped_still_verified(void)
{
    setup();
    REQUIRE(up == 1);
    e2e_kill(&net, "operator-3", SIGTERM);
    uint8_t task[32];
    uint64_t block;
    REQUIRE(e2e_call(&net, fid, "\"one down\"", task, &block) == 0);
    CHECK_INT(e2e_wait_status(&net, task, 2, 20000), 0);
    char *result = NULL;
    uint8_t nonsigner[E2E_MAX_OPS];
    CHECK_INT(e2e_wait_verified_logs(&net, task, block, &result, nonsigner, 5000), 1);
    CHECK_STR(result, "{\"payload\":{\"echo\":\"one down\"},\"error\":null}");
    CHECK(!nonsigner[0] && !nonsigner[1] && nonsigner[2]);
    free(result);
}

static void test_two_stopped_expires(void)
{
    setup();
    REQUIRE(up == 1);
    e2e_kill(&net, "operator-2", SIGTERM);
    uint64_t sent_before = e2e_aggregator_nonce(&net);
    uint8_t task[32];
    uint64_t block;
    REQUIRE(e2e_call(&net, fid, "\"two down\"", task, &block) == 0);
    /* The aggregator gives up once the deadline (creation + 8 s, chain time)
     * passed: later in wall time by as much as the chain's clock is ahead. */
    json_t *st = e2e_aggregator_wait(&net, task, "expired", 20000 + (long)e2e_chain_ahead_ms(&net));
    CHECK_STR(json_string_value(json_object_get(st, "status")), "expired");
    const char *reason = json_string_value(json_object_get(st, "reason"));
    CHECK(reason && strstr(reason, "threshold not met"));
    CHECK(reason && strstr(reason, "1 of 3 operators signed"));
    char a2[43], a3[43];
    eth_address_to_hex(a2, &net.ops[1]);
    eth_address_to_hex(a3, &net.ops[2]);
    CHECK(reason && strstr(reason, a2) && strstr(reason, a3));
    if (reason) printf("expiry reason: %s\n", reason);
    json_decref(st);
    /* The chain agrees once a later block exists, and nothing was submitted. */
    uint8_t again[32];
    REQUIRE(e2e_call(&net, fid, "\"a later block\"", again, NULL) == 0);
    CHECK_INT(e2e_task_status(&net, task), 3);
    CHECK_INT(e2e_verified_logs(&net, task, block, NULL, NULL), 0);
    CHECK(e2e_aggregator_nonce(&net) == sent_before);
}

static void test_zz_down(void)
{
    if (up == 1) e2e_down(&net);
    up = 0;
}

static const struct test_case cases[] = {
    TEST(miner_burst),
    TEST(url_bundle),
    TEST(one_stopped_still_verified),
    TEST(two_stopped_expires),
    TEST(zz_down),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
