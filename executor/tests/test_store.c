/* test_store.c - the executor's processed-task store: claim once, answer
 * once, the same answer after reopening, one winner among racing claims. */
#include "executor.h"
#include "svc.h"
#include "test.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void tmp_db(char *path, size_t n)
{
    snprintf(path, n, "/tmp/faas-exec-store-%d-%llu.db", (int)getpid(), (unsigned long long)test_rand64());
}

static void remove_db(const char *path)
{
    char p[300];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

static void make_answer(exec_response *a, const uint8_t th[32], size_t len)
{
    memset(a, 0, sizeof *a);
    memcpy(a->task_hash, th, 32);
    test_rand_bytes(a->operator_address.addr, 20);
    a->result_len = len;
    a->result = len ? malloc(len) : NULL;
    test_rand_bytes(a->result, len);
    test_rand_bytes(a->signature, 64);
    test_rand_bytes(a->auth, 65);
}

static void test_claim_answer_reopen(void)
{
    char path[256], detail[SVC_DETAIL_MAX];
    tmp_db(path, sizeof path);
    exec_store *s;
    REQUIRE(exec_store_open(&s, path, detail) == EXEC_OK);
    uint8_t th[32], other[32];
    test_rand_bytes(th, 32);
    test_rand_bytes(other, 32);
    exec_task_state st;
    exec_response got, a;
    CHECK_INT(exec_store_claim(s, th, &st, &got), EXEC_OK);
    CHECK_INT(st, EXEC_TASK_NEW);
    CHECK_INT(exec_store_claim(s, th, &st, &got), EXEC_OK);
    CHECK_INT(st, EXEC_TASK_STARTED);
    make_answer(&a, th, 300);
    CHECK_INT(exec_store_answer(s, &a), EXEC_OK);
    CHECK_INT(exec_store_answer(s, &a), EXEC_ERR_ARG); /* answered once only */
    /* An unclaimed task cannot be answered. */
    exec_response b;
    make_answer(&b, other, 0);
    CHECK_INT(exec_store_answer(s, &b), EXEC_ERR_ARG);
    exec_store_close(s);

    REQUIRE(exec_store_open(&s, path, detail) == EXEC_OK);
    CHECK_INT(exec_store_claim(s, th, &st, &got), EXEC_OK);
    CHECK_INT(st, EXEC_TASK_ANSWERED);
    CHECK_INT(got.result_len, 300);
    CHECK_MEM(got.result, a.result, 300);
    CHECK_MEM(got.signature, a.signature, 64);
    CHECK_MEM(got.auth, a.auth, 65);
    CHECK_MEM(got.operator_address.addr, a.operator_address.addr, 20);
    CHECK_MEM(got.task_hash, th, 32);
    exec_response_free(&got);
    /* An empty result survives as empty. */
    CHECK_INT(exec_store_claim(s, other, &st, &got), EXEC_OK);
    CHECK_INT(exec_store_answer(s, &b), EXEC_OK);
    CHECK_INT(exec_store_claim(s, other, &st, &got), EXEC_OK);
    CHECK_INT(st, EXEC_TASK_ANSWERED);
    CHECK_INT(got.result_len, 0);
    exec_response_free(&got);
    exec_response_free(&a);
    exec_response_free(&b);
    exec_store_close(s);
    remove_db(path);
}

static void test_release(void)
{
    char path[256];
    tmp_db(path, sizeof path);
    exec_store *s;
    REQUIRE(exec_store_open(&s, path, NULL) == EXEC_OK);
    uint8_t th[32];
    test_rand_bytes(th, 32);
    exec_task_state st;
    exec_response got, a;
    CHECK_INT(exec_store_claim(s, th, &st, &got), EXEC_OK);
    CHECK_INT(exec_store_release(s, th), EXEC_OK);
    CHECK_INT(exec_store_claim(s, th, &st, &got), EXEC_OK);
    CHECK_INT(st, EXEC_TASK_NEW);
    make_answer(&a, th, 5);
    CHECK_INT(exec_store_answer(s, &a), EXEC_OK);
    /* An answered task is never released. */
    CHECK_INT(exec_store_release(s, th), EXEC_OK);
    CHECK_INT(exec_store_claim(s, th, &st, &got), EXEC_OK);
    CHECK_INT(st, EXEC_TASK_ANSWERED);
    exec_response_free(&got);
    exec_response_free(&a);
    exec_store_close(s);
    remove_db(path);
}

struct race {
    exec_store *s;
    uint8_t th[32];
    int new_count;
    pthread_mutex_t lock;
};

static void *claimer(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < 20; i++) {
        exec_task_state st;
        exec_response got;
        if (exec_store_claim(r->s, r->th, &st, &got) == EXEC_OK && st == EXEC_TASK_NEW) {
            pthread_mutex_lock(&r->lock);
            r->new_count++;
            pthread_mutex_unlock(&r->lock);
        }
        exec_response_free(&got);
    }
    return NULL;
}

static void test_racing_claims(void)
{
    char path[256];
    tmp_db(path, sizeof path);
    struct race r = { 0 };
    pthread_mutex_init(&r.lock, NULL);
    REQUIRE(exec_store_open(&r.s, path, NULL) == EXEC_OK);
    test_rand_bytes(r.th, 32);
    pthread_t t[8];
    for (int i = 0; i < 8; i++) pthread_create(&t[i], NULL, claimer, &r);
    for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
    CHECK_INT(r.new_count, 1);
    exec_store_close(r.s);
    pthread_mutex_destroy(&r.lock);
    remove_db(path);
}

static void test_bad_path(void)
{
    exec_store *s;
    char detail[SVC_DETAIL_MAX] = "";
    CHECK_INT(exec_store_open(&s, "/nonexistent-dir/x/y.db", detail), EXEC_ERR_DB);
    CHECK(strstr(detail, "/nonexistent-dir") != NULL);
}

static const struct test_case cases[] = {
    TEST(claim_answer_reopen),
    TEST(release),
    TEST(racing_claims),
    TEST(bad_path),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
