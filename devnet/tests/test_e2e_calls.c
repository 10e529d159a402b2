/* test_e2e_calls.c - a devnet of 3 operators on anvil's automine (the
 * aggregator waits for the chain's next second; the other tests run on the
 * devnet's miner) where every operator must sign (threshold 10000 bps): a
 * call becomes a verified task whose result is the
 * function's output, and the seed's hello example, whose result carries
 * new Date(), still reaches quorum because every sandbox's clock is the
 * creation block's timestamp. */
#include "e2e.h"
#include "test.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static e2e_net net;
static int up;

static void setup(void)
{
    if (!up) up = e2e_up(&net, "--threshold-bps 10000 --block-time 0") == 0 ? 1 : -1;
}

static void test_call_result(void)
{
    setup();
    REQUIRE(up == 1);
    char dir[512];
    REQUIRE(e2e_write_js(&net, "double", "exports.handler = async (input) => ({ doubled: input.x * 2, greeting: `hi ${input.name}` });\n",
                         dir, sizeof dir) == 0);
    uint8_t id[32], task[32];
    uint64_t block;
    REQUIRE(e2e_register_dir(&net, dir, id) == 0);
    REQUIRE(e2e_call(&net, id, "{\"x\":21,\"name\":\"Ada\"}", task, &block) == 0);
    CHECK_INT(e2e_wait_status(&net, task, 2, 30000), 0);
    char *result = NULL;
    uint8_t nonsigner[E2E_MAX_OPS];
    CHECK_INT(e2e_wait_verified_logs(&net, task, block, &result, nonsigner, 5000), 1);
    CHECK_STR(result, "{\"payload\":{\"doubled\":42,\"greeting\":\"hi Ada\"},\"error\":null}");
    for (size_t i = 0; i < net.n_ops; i++) CHECK_INT(nonsigner[i], 0); /* all three signed */
    free(result);
    json_t *st = e2e_aggregator_wait(&net, task, "verified", 10000);
    CHECK_STR(json_string_value(json_object_get(st, "status")), "verified");
    CHECK(json_real_value(json_object_get(st, "offchain_ms")) > 0);
    json_decref(st);
}

/* The seed README's hello example: {message, input, timestamp: new Date().toISOString()}. */
static void test_hello_example(void)
{
    setup();
    REQUIRE(up == 1);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/examples/js-hello", test_root());
    uint8_t id[32], task[32];
    uint64_t block;
    REQUIRE(e2e_register_dir(&net, dir, id) == 0);
    REQUIRE(e2e_call(&net, id, "{\"name\":\"Alice\"}", task, &block) == 0);
    CHECK_INT(e2e_wait_status(&net, task, 2, 30000), 0);
    char *result = NULL;
    uint8_t nonsigner[E2E_MAX_OPS];
    CHECK_INT(e2e_wait_verified_logs(&net, task, block, &result, nonsigner, 5000), 1);
    for (size_t i = 0; i < net.n_ops; i++) CHECK_INT(nonsigner[i], 0);
    /* The timestamp is the creation block's. */
    uint64_t ts = e2e_block_timestamp(&net, block);
    REQUIRE(ts > 0);
    time_t t = (time_t)ts;
    struct tm tm;
    gmtime_r(&t, &tm);
    char iso[40];
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    json_t *r = json_loads(result ? result : "", 0, NULL);
    json_t *payload = json_object_get(r, "payload");
    CHECK_STR(json_string_value(json_object_get(payload, "message")), "Hello from FaaS!");
    CHECK_STR(json_string_value(json_object_get(json_object_get(payload, "input"), "name")), "Alice");
    CHECK_STR(json_string_value(json_object_get(payload, "timestamp")), iso);
    CHECK(json_is_null(json_object_get(r, "error")));
    json_decref(r);
    free(result);
}

/* The managed performer of an executor holds none of the operator's key
 * material: no FAAS_ variable, no open file of the executor's directory. */
static void test_performer_has_no_keys(void)
{
    setup();
    REQUIRE(up == 1);
    pid_t exec_pid = e2e_pid(&net, "operator-1"), perf_pid = 0;
    DIR *d = opendir("/proc");
    REQUIRE(d);
    for (struct dirent *e; (e = readdir(d)) && !perf_pid;) {
        char p[300], buf[512];
        snprintf(p, sizeof p, "/proc/%.32s/stat", e->d_name);
        FILE *f = fopen(p, "r");
        if (!f) continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        char comm[64] = "";
        int ppid = 0;
        if (sscanf(buf, "%*d (%63[^)]) %*c %d", comm, &ppid) == 2 && ppid == exec_pid && strcmp(comm, "performer") == 0)
            perf_pid = atoi(e->d_name);
    }
    closedir(d);
    REQUIRE(perf_pid > 0);
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/environ", (int)perf_pid);
    FILE *f = fopen(p, "r");
    REQUIRE(f);
    char env[8192];
    size_t n = fread(env, 1, sizeof env - 1, f);
    fclose(f);
    env[n] = 0;
    for (size_t i = 0; i < n; i += strlen(env + i) + 1) CHECK(strncmp(env + i, "FAAS_", 5) != 0);
    /* Its descriptors: none leads into the operator's key files or store. */
    snprintf(p, sizeof p, "/proc/%d/fd", (int)perf_pid);
    d = opendir(p);
    REQUIRE(d);
    for (struct dirent *e; (e = readdir(d));) {
        char link[300], target[512] = "";
        snprintf(link, sizeof link, "%s/%.32s", p, e->d_name);
        ssize_t k = readlink(link, target, sizeof target - 1);
        if (k > 0) target[k] = 0;
        CHECK(!strstr(target, "keystore") && !strstr(target, "ecdsa.key") && !strstr(target, "password") &&
              !strstr(target, "executor.db"));
    }
    closedir(d);
}

static void test_zz_down(void)
{
    if (up == 1) e2e_down(&net);
    up = 0;
}

static const struct test_case cases[] = {
    TEST(call_result),
    TEST(hello_example),
    TEST(performer_has_no_keys),
    TEST(zz_down),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
