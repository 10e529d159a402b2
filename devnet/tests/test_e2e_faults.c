/* test_e2e_faults.c - 4 operators at 2/3 of stake (threshold 2), one that
 * answers a different (validly signed) result and one whose BLS signatures
 * do not verify: the honest result is verified, and neither of the two is
 * among the certificate's signers. */
#include "e2e.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static void test_liar_and_bad_signature(void)
{
    e2e_net net;
    REQUIRE(e2e_up(&net, "--operators 4 --test-lie 2 --test-bad-signature 3") == 0);
    char dir[512];
    uint8_t id[32];
    REQUIRE(e2e_write_js(&net, "sum", "exports.handler = async (input) => ({ sum: input.a + input.b });\n", dir,
                         sizeof dir) == 0);
    REQUIRE(e2e_register_dir(&net, dir, id) == 0);
    for (int round = 0; round < 3; round++) {
        char input[64];
        snprintf(input, sizeof input, "{\"a\":%d,\"b\":%d}", round, 40 + round);
        uint8_t task[32];
        uint64_t block;
        REQUIRE(e2e_call(&net, id, input, task, &block) == 0);
        CHECK_INT(e2e_wait_status(&net, task, 2, 30000), 0);
        char *result = NULL, want[80];
        uint8_t nonsigner[E2E_MAX_OPS];
        CHECK_INT(e2e_wait_verified_logs(&net, task, block, &result, nonsigner, 5000), 1);
        snprintf(want, sizeof want, "{\"payload\":{\"sum\":%d},\"error\":null}", 40 + 2 * round);
        CHECK_STR(result, want);
        CHECK(nonsigner[1] && nonsigner[2]); /* the liar and the bad signer */
        CHECK(!nonsigner[0] || !nonsigner[3]);
        free(result);
    }
    e2e_down(&net);
}

static const struct test_case cases[] = {
    TEST(liar_and_bad_signature),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
