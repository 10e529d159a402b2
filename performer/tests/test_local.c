/* The runner scripts and the envelope through the spawn-per-call path
 * (perf_local_invoke): the seed README's examples, failures, input
 * decoding, log caps, determinism, timeouts. No sandbox is involved. */
#include "harness.h"

static perf_err local_exec(const bundle_info *b, const uint8_t *tar, size_t tar_len, const perf_task *t, perf_result *r)
{
    (void)tar, (void)tar_len;
    return perf_local_invoke(NULL, b, t, r);
}

static void test_setup(void)
{
    pt_exec = local_exec;
    CHECK(pt_cache() != NULL);
}

static void test_cleanup(void)
{
    pt_cleanup();
}

static const struct test_case cases[] = {TEST(setup), PT_SHARED_CASES, TEST(cleanup)};

int main(int argc, char **argv)
{
    return test_main(cases, TEST_COUNT(cases), argc, argv);
}
