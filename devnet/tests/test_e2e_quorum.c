/* test_e2e_quorum.c - 3 operators at 2/3 of stake, task SLA 8 s: with one
 * executor stopped a call is still verified and the stopped operator is a
 * non-signer of the certificate; with two stopped nothing is submitted, the
 * task expires, and the aggregator's status says why. */
#include "e2e.h"
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
    /* The aggregator gives up once the deadline (creation + 8 s) passed. */
    json_t *st = e2e_aggregator_wait(&net, task, "expired", 20000);
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
    TEST(one_stopped_still_verified),
    TEST(two_stopped_expires),
    TEST(zz_down),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
