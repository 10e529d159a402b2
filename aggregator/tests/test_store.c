/* test_store.c - the aggregator's SQLite state: dedup by task hash, the last
 * processed block only rising, transitions with history, final statuses
 * final, everything intact after reopening. */
#include "aggregator.h"
#include "svc.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[256];

static void fresh_path(void)
{
    snprintf(path, sizeof path, "/tmp/faas-agg-store-%d-%llu.db", (int)getpid(), (unsigned long long)test_rand64());
}

static void remove_db(void)
{
    char p[300];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

static agg_task make_task(uint64_t block, uint64_t idx)
{
    agg_task t = { 0 };
    test_rand_bytes(t.task_hash, 32);
    test_rand_bytes(t.avs.addr, 20);
    t.operator_set_id = 1;
    t.reference_timestamp = 1700000000;
    t.block_number = block;
    t.log_index = idx;
    t.deadline = 1700000060;
    t.payload_len = 70;
    t.payload = malloc(t.payload_len);
    test_rand_bytes(t.payload, t.payload_len);
    return t;
}

static void test_add_and_last_block(void)
{
    fresh_path();
    agg_store *s;
    char d[SVC_DETAIL_MAX];
    REQUIRE(agg_store_open(&s, path, d) == AGG_OK);
    uint64_t b;
    int has, added;
    CHECK_INT(agg_store_last_block(s, &b, &has), AGG_OK);
    CHECK_INT(has, 0);
    agg_task t1 = make_task(10, 0), t2 = make_task(12, 3);
    CHECK_INT(agg_store_add_task(s, &t1, 9, &added), AGG_OK);
    CHECK_INT(added, 1);
    CHECK_INT(agg_store_add_task(s, &t1, 9, &added), AGG_OK);
    CHECK_INT(added, 0);
    CHECK_INT(agg_store_add_task(s, &t2, 11, &added), AGG_OK);
    CHECK_INT(agg_store_last_block(s, &b, &has), AGG_OK);
    CHECK(has && b == 11);
    CHECK_INT(agg_store_set_last_block(s, 5), AGG_OK); /* never lowers */
    CHECK_INT(agg_store_last_block(s, &b, &has), AGG_OK);
    CHECK(b == 11);
    CHECK_INT(agg_store_set_last_block(s, 20), AGG_OK);
    agg_store_close(s);

    REQUIRE(agg_store_open(&s, path, d) == AGG_OK);
    CHECK_INT(agg_store_last_block(s, &b, &has), AGG_OK);
    CHECK(has && b == 20);
    agg_task got;
    CHECK_INT(agg_store_get(s, t2.task_hash, &got), AGG_OK);
    CHECK_INT(got.status, AGG_TASK_PENDING);
    CHECK(got.block_number == 12 && got.log_index == 3 && got.deadline == 1700000060 && got.operator_set_id == 1 &&
          got.reference_timestamp == 1700000000);
    CHECK_INT(got.payload_len, 70);
    CHECK_MEM(got.payload, t2.payload, 70);
    CHECK_MEM(got.avs.addr, t2.avs.addr, 20);
    CHECK(got.seen_ms > 0 && !got.has_tx && got.result_len == 0);
    agg_task_free(&got);
    uint8_t unknown[32] = { 1 };
    CHECK_INT(agg_store_get(s, unknown, &got), AGG_ERR_NOT_FOUND);
    agg_store_close(s);
    agg_task_free(&t1);
    agg_task_free(&t2);
    remove_db();
}

static void test_transitions(void)
{
    fresh_path();
    agg_store *s;
    REQUIRE(agg_store_open(&s, path, NULL) == AGG_OK);
    agg_task a = make_task(1, 0), b = make_task(1, 1), c = make_task(2, 0), r = make_task(3, 0);
    int added;
    REQUIRE(agg_store_add_task(s, &a, 0, &added) == AGG_OK);
    REQUIRE(agg_store_add_task(s, &r, 0, &added) == AGG_OK);
    REQUIRE(agg_store_add_task(s, &b, 0, &added) == AGG_OK);
    REQUIRE(agg_store_add_task(s, &c, 1, &added) == AGG_OK);

    const uint8_t result[] = "{\"payload\":\"ok\",\"error\":null}", cert[] = { 1, 2, 3 };
    uint8_t tx[32];
    test_rand_bytes(tx, 32);
    CHECK_INT(agg_store_set_certified(s, a.task_hash, result, sizeof result, cert, sizeof cert, "2 of 3 signed"), AGG_OK);
    CHECK_INT(agg_store_set_submitted(s, a.task_hash, tx, 12.5), AGG_OK);
    CHECK_INT(agg_store_set_verified(s, a.task_hash, 77, tx, "our submission"), AGG_OK);
    CHECK_INT(agg_store_set_status(s, a.task_hash, AGG_TASK_EXPIRED, "late"), AGG_ERR_ARG); /* final stays final */
    CHECK_INT(agg_store_set_status(s, b.task_hash, AGG_TASK_EXPIRED, "signed 1/3, threshold 2"), AGG_OK);
    /* Our own TaskVerified can be seen before submitResult's send returns:
     * the task stays verified, and gets its off-chain latency (once). */
    uint8_t tx_c[32];
    test_rand_bytes(tx_c, 32);
    CHECK_INT(agg_store_set_certified(s, r.task_hash, result, sizeof result, cert, sizeof cert, "3 of 3"), AGG_OK);
    CHECK_INT(agg_store_set_verified(s, r.task_hash, 78, tx_c, "seen first"), AGG_OK);
    CHECK_INT(agg_store_set_submitted(s, r.task_hash, tx_c, 7.25), AGG_ERR_ARG);
    CHECK_INT(agg_store_set_submitted(s, r.task_hash, tx_c, 99), AGG_ERR_ARG);
    agg_task gc;
    REQUIRE(agg_store_get(s, r.task_hash, &gc) == AGG_OK);
    CHECK_INT(gc.status, AGG_TASK_VERIFIED);
    CHECK(gc.offchain_ms == 7.25);
    agg_task_free(&gc);
    uint8_t unknown[32] = { 9 };
    CHECK_INT(agg_store_set_status(s, unknown, AGG_TASK_FAILED, "x"), AGG_ERR_NOT_FOUND);

    agg_task got;
    REQUIRE(agg_store_get(s, a.task_hash, &got) == AGG_OK);
    CHECK_INT(got.status, AGG_TASK_VERIFIED);
    CHECK_STR(got.reason, "our submission");
    CHECK(got.has_tx && got.verified_block == 77 && got.offchain_ms == 12.5);
    CHECK_MEM(got.tx_hash, tx, 32);
    CHECK_INT(got.result_len, sizeof result);
    CHECK_MEM(got.result, result, sizeof result);
    CHECK_INT(got.cert_len, sizeof cert);
    agg_task_free(&got);

    json_t *h;
    REQUIRE(agg_store_history(s, a.task_hash, &h) == AGG_OK);
    const char *want[] = { "pending", "certified", "submitted", "verified" };
    CHECK_INT(json_array_size(h), 4);
    for (size_t i = 0; i < 4 && i < json_array_size(h); i++)
        CHECK_STR(json_string_value(json_object_get(json_array_get(h, i), "status")), want[i]);
    CHECK_STR(json_string_value(json_object_get(json_array_get(h, 1), "detail")), "2 of 3 signed");
    json_decref(h);

    agg_task *list;
    size_t n;
    REQUIRE(agg_store_unfinished(s, &list, &n) == AGG_OK);
    CHECK_INT(n, 1);
    if (n == 1) CHECK_MEM(list[0].task_hash, c.task_hash, 32);
    for (size_t i = 0; i < n; i++) agg_task_free(&list[i]);
    free(list);

    uint64_t counts[AGG_TASK__COUNT];
    REQUIRE(agg_store_counts(s, counts) == AGG_OK);
    CHECK(counts[AGG_TASK_VERIFIED] == 2 && counts[AGG_TASK_EXPIRED] == 1 && counts[AGG_TASK_PENDING] == 1);
    CHECK_STR(agg_task_status_name(AGG_TASK_SUBMITTED), "submitted");
    CHECK(agg_task_status_name(AGG_TASK__COUNT) == NULL);
    agg_store_close(s);
    agg_task_free(&a);
    agg_task_free(&b);
    agg_task_free(&c);
    agg_task_free(&r);
    remove_db();
}

/* Unfinished tasks come back in chain order whatever the insertion order. */
static void test_unfinished_order(void)
{
    fresh_path();
    agg_store *s;
    REQUIRE(agg_store_open(&s, path, NULL) == AGG_OK);
    agg_task t[5];
    uint64_t blocks[] = { 9, 3, 3, 7, 1 }, idx[] = { 0, 2, 1, 0, 5 };
    int added;
    for (int i = 0; i < 5; i++) {
        t[i] = make_task(blocks[i], idx[i]);
        REQUIRE(agg_store_add_task(s, &t[i], 0, &added) == AGG_OK);
    }
    agg_task *list;
    size_t n;
    REQUIRE(agg_store_unfinished(s, &list, &n) == AGG_OK);
    CHECK_INT(n, 5);
    for (size_t i = 1; i < n; i++)
        CHECK(list[i - 1].block_number < list[i].block_number ||
              (list[i - 1].block_number == list[i].block_number && list[i - 1].log_index < list[i].log_index));
    for (size_t i = 0; i < n; i++) agg_task_free(&list[i]);
    free(list);
    for (int i = 0; i < 5; i++) agg_task_free(&t[i]);
    agg_store_close(s);
    remove_db();
}

/* A reorganisation takes a TaskCreated back (the task fails with
 * AGG_REORG_REASON) and the replacement chain creates it again, in another
 * block: the task is served again with the new block, deadline and payload.
 * A task that failed for any other reason stays failed. */
static void test_reorg_returns(void)
{
    fresh_path();
    agg_store *s;
    REQUIRE(agg_store_open(&s, path, NULL) == AGG_OK);
    agg_task t = make_task(10, 2), other = make_task(11, 0);
    int added;
    REQUIRE(agg_store_add_task(s, &t, 9, &added) == AGG_OK && added);
    REQUIRE(agg_store_add_task(s, &other, 10, &added) == AGG_OK && added);
    CHECK_INT(agg_store_set_status(s, t.task_hash, AGG_TASK_FAILED, AGG_REORG_REASON), AGG_OK);
    CHECK_INT(agg_store_set_status(s, other.task_hash, AGG_TASK_FAILED, "threshold cannot be met"), AGG_OK);

    t.block_number = 12;
    t.log_index = 0;
    t.deadline += 5;
    t.payload[0] ^= 1;
    CHECK_INT(agg_store_add_task(s, &t, 11, &added), AGG_OK);
    CHECK_INT(added, 1);
    CHECK_INT(agg_store_add_task(s, &t, 11, &added), AGG_OK);
    CHECK_INT(added, 0); /* once */
    CHECK_INT(agg_store_add_task(s, &other, 11, &added), AGG_OK);
    CHECK_INT(added, 0);

    agg_task got;
    REQUIRE(agg_store_get(s, t.task_hash, &got) == AGG_OK);
    CHECK_INT(got.status, AGG_TASK_PENDING);
    CHECK(got.block_number == 12 && got.log_index == 0 && got.deadline == t.deadline);
    CHECK(got.payload_len == t.payload_len && memcmp(got.payload, t.payload, t.payload_len) == 0);
    agg_task_free(&got);
    REQUIRE(agg_store_get(s, other.task_hash, &got) == AGG_OK);
    CHECK_INT(got.status, AGG_TASK_FAILED);
    agg_task_free(&got);
    json_t *h;
    REQUIRE(agg_store_history(s, t.task_hash, &h) == AGG_OK);
    CHECK_INT(json_array_size(h), 3);
    CHECK_STR(json_string_value(json_object_get(json_array_get(h, 2), "status")), "pending");
    CHECK_STR(json_string_value(json_object_get(json_array_get(h, 2), "detail")),
              "TaskCreated seen again after a reorganisation");
    json_decref(h);
    agg_task *list;
    size_t n;
    REQUIRE(agg_store_unfinished(s, &list, &n) == AGG_OK);
    CHECK_INT(n, 1);
    for (size_t i = 0; i < n; i++) agg_task_free(&list[i]);
    free(list);
    agg_store_close(s);
    agg_task_free(&t);
    agg_task_free(&other);
    remove_db();
}

static const struct test_case cases[] = {
    TEST(add_and_last_block),
    TEST(transitions),
    TEST(unfinished_order),
    TEST(reorg_returns),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
