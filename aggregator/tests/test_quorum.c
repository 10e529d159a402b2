/* test_quorum.c - grouping by result bytes and the stake threshold, against
 * Python's big integers as the independent reference for the arithmetic. */
#include "aggregator.h"
#include "net_test.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static agg_table make_table(const uint64_t *weights, size_t n)
{
    exec_operator *ops = calloc(n, sizeof *ops);
    for (size_t i = 0; i < n; i++) {
        eth_u256_from_u64(&ops[i].weight, weights[i]);
        test_rand_bytes(ops[i].g1, 64);
    }
    agg_table t;
    if (agg_table_init(&t, 1, ops, n) != AGG_OK) memset(&t, 0, sizeof t);
    return t;
}

static void test_threshold_vs_python(void)
{
    /* Random 256-bit totals (some overflowing with the multiplication). */
    for (int i = 0; i < 12; i++) {
        eth_u256 total, thr;
        memset(&total, 0, sizeof total);
        size_t bytes = 1 + test_rand64() % 32;
        test_rand_bytes(total.b + 32 - bytes, bytes);
        uint16_t bps = (uint16_t)(test_rand64() % 10001);
        if (i == 0) bps = 10000;
        if (i == 1) bps = 0;
        char dec[79], cmd[512];
        eth_u256_to_dec(dec, &total);
        snprintf(cmd, sizeof cmd,
                 "python3 -c 'p=%s*%u; print(\"overflow\" if p >= 2**256 else p//10000)'", dec, bps);
        char *want = net_run(cmd);
        REQUIRE(want);
        agg_err e = agg_threshold(&thr, &total, bps);
        if (strcmp(want, "overflow") == 0) {
            CHECK_INT(e, AGG_ERR_RANGE);
        } else {
            CHECK_INT(e, AGG_OK);
            CHECK_STR(eth_u256_to_dec(dec, &thr), want);
        }
        free(want);
    }
    eth_u256 t, r;
    eth_u256_from_u64(&t, 3);
    CHECK_INT(agg_threshold(&r, &t, 10001), AGG_ERR_ARG);
}

/* Small totals exhaustively against plain integer arithmetic. */
static void test_threshold_small(void)
{
    for (uint64_t total = 0; total < 50; total++) {
        for (uint32_t bps = 0; bps <= 10000; bps += 37) {
            eth_u256 t, r;
            uint64_t v;
            eth_u256_from_u64(&t, total);
            REQUIRE(agg_threshold(&r, &t, (uint16_t)bps) == AGG_OK);
            REQUIRE(eth_u256_to_u64(&r, &v));
            CHECK(v == total * bps / 10000);
        }
    }
}

static void test_groups_and_threshold(void)
{
    /* The devnet: 3 equal operators at 2/3 (6667 bps): threshold floor(3*6667/10000) = 2. */
    uint64_t w[] = { 1, 1, 1 };
    agg_table t = make_table(w, 3);
    agg_quorum *q;
    REQUIRE(agg_quorum_new(&q, &t, 6667) == AGG_OK);
    uint64_t thr;
    REQUIRE(eth_u256_to_u64(agg_quorum_threshold(q), &thr));
    CHECK(thr == 2);
    size_t g;
    int reached;
    const uint8_t honest[] = "{\"payload\":1,\"error\":null}", liar[] = "{\"payload\":2,\"error\":null}";
    CHECK_INT(agg_quorum_add(q, 1, liar, sizeof liar, &g, &reached), AGG_OK);
    CHECK(g == 0 && !reached);
    CHECK_INT(agg_quorum_add(q, 0, honest, sizeof honest, &g, &reached), AGG_OK);
    CHECK(g == 1 && !reached);
    CHECK_INT(agg_quorum_add(q, 0, honest, sizeof honest, &g, &reached), AGG_ERR_DUPLICATE);
    CHECK_INT(agg_quorum_add(q, 3, honest, sizeof honest, &g, &reached), AGG_ERR_ARG);
    CHECK_INT(agg_quorum_add(q, 2, honest, sizeof honest, &g, &reached), AGG_OK);
    CHECK(g == 1 && reached);
    CHECK_INT(agg_quorum_groups(q), 2);
    size_t n;
    const uint8_t *r = agg_quorum_result(q, 1, &n);
    CHECK_INT(n, sizeof honest);
    CHECK_MEM(r, honest, n);
    CHECK(agg_quorum_is_signer(q, 1, 0) && agg_quorum_is_signer(q, 1, 2) && !agg_quorum_is_signer(q, 1, 1));
    /* Rejecting a signer (bad signature) drops the group below the threshold. */
    int still;
    CHECK_INT(agg_quorum_reject(q, 2, &still), AGG_OK);
    CHECK(!still && !agg_quorum_is_signer(q, 1, 2));
    CHECK_INT(agg_quorum_reject(q, 2, &still), AGG_ERR_ARG);
    CHECK_INT(agg_quorum_add(q, 2, honest, sizeof honest, &g, &reached), AGG_ERR_DUPLICATE);
    uint64_t left;
    REQUIRE(eth_u256_to_u64(agg_quorum_weight(q, 1), &left));
    CHECK(left == 1);
    agg_quorum_free(q);
    agg_table_free(&t);
}

/* Weighted: one heavy operator alone meets a 50% threshold; empty results group too. */
static void test_weighted(void)
{
    uint64_t w[] = { 60, 25, 15 };
    agg_table t = make_table(w, 3);
    agg_quorum *q;
    REQUIRE(agg_quorum_new(&q, &t, 5000) == AGG_OK);
    size_t g;
    int reached;
    CHECK_INT(agg_quorum_add(q, 1, NULL, 0, &g, &reached), AGG_OK);
    CHECK(!reached);
    CHECK_INT(agg_quorum_add(q, 2, NULL, 0, &g, &reached), AGG_OK);
    CHECK(!reached && g == 0); /* 40 < 50 */
    CHECK_INT(agg_quorum_add(q, 0, (const uint8_t *)"x", 1, &g, &reached), AGG_OK);
    CHECK(reached && g == 1);
    CHECK(agg_quorum_is_signer(q, 1, 0) && !agg_quorum_is_signer(q, 0, 0));
    agg_quorum_free(q);
    /* A 100% threshold needs everyone. */
    REQUIRE(agg_quorum_new(&q, &t, 10000) == AGG_OK);
    CHECK_INT(agg_quorum_add(q, 0, NULL, 0, &g, &reached), AGG_OK);
    CHECK_INT(agg_quorum_add(q, 1, NULL, 0, &g, &reached), AGG_OK);
    CHECK(!reached);
    CHECK_INT(agg_quorum_add(q, 2, NULL, 0, &g, &reached), AGG_OK);
    CHECK(reached);
    CHECK(!agg_quorum_is_signer(q, 0, 3));
    agg_quorum_free(q);
    agg_table_free(&t);
}

static const struct test_case cases[] = {
    TEST(threshold_vs_python), TEST(threshold_small), TEST(groups_and_threshold), TEST(weighted),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
