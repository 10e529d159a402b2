/* test_e2e_s3.c - faas-cli with S3 on a devnet of its own (3 operators at
 * 2/3 of stake, task SLA 8 s): a function uploaded to a real S3-protocol
 * server (s3rver) and registered with its URL and hash is called (and
 * replacing it afterwards changes nothing: operators keep the bundle its id
 * names); an object replaced after upload, before any call, is refused by
 * the operators (its hash is not the function id) and call-function says so
 * at once, in one line, with a non-zero status; S3 refusing the signature (an independent SigV4
 * verifier) stops the deploy before any transaction; and a task that
 * expires (two operators stopped) is reported with the aggregator's reason. */
#include "cli.h"
#include "clirun.h"
#include "e2e.h"
#include "test.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static e2e_net net;
static int up;
static pid_t s3rver = -1;
static char s3_endpoint[64], s3_data[300];
static const char *const s3_creds[] = { "AWS_ACCESS_KEY_ID=S3RVER", "AWS_SECRET_ACCESS_KEY=S3RVER",
                                        "AWS_REGION=us-east-1", "AWS_PROFILE", "HOME=/nonexistent", NULL };

static void setup(void)
{
    if (up) return;
    up = -1;
    if (e2e_up(&net, "--task-sla 8") != 0) return;
    snprintf(s3_data, sizeof s3_data, "%s/s3", net.home);
    if (mkdir(s3_data, 0700) == 0)
        s3rver = clirun_s3rver_start(s3_data, "fns", s3_endpoint, sizeof s3_endpoint);
    if (s3rver > 0) up = 1;
}

/* deploy-function --s3-base-url s3://fns/functions/ --s3-endpoint ep dir. */
static int deploy_s3(struct clirun *r, const char *dir, const char *ep, const char *const *creds)
{
    const char *args[] = { "deploy-function", "--s3-base-url", "s3://fns/functions/", "--s3-endpoint", ep, dir, NULL };
    return clirun_home(r, net.home, args, creds, NULL, 0);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int call(struct clirun *r, const char *id, const char *input)
{
    const char *args[] = { "call-function", "--function-id", id, input, NULL };
    return clirun_home(r, net.home, args, NULL, NULL, 0);
}

/* A call that ends without a result: status 4, no result printed, and one
 * line on stderr, "Error: task <task id> <why>...", holding `also`; the task
 * id into task_hex. */
static void call_without_result(const char *id, const char *input, const char *why, const char *also, char task_hex[80])
{
    struct clirun r;
    REQUIRE(call(&r, id, input) == 0);
    CHECK_INT(r.status, 4);
    CHECK(strstr(r.out, "Function Result") == NULL);
    char want[600];
    task_hex[0] = 0;
    clirun_value(r.out, "Task ID: ", task_hex, 80);
    snprintf(want, sizeof want, "Error: task %s %s", task_hex, why);
    if (!task_hex[0] || !clirun_err_line(&r, want) || !strstr(r.err, also))
        test_fail(__FILE__, __LINE__, "stderr: %s", r.err);
    clirun_free(&r);
}

/* `task <id>` of a task that ended without a result: status 4, the
 * aggregator's status line, and one line on stderr. */
static void task_without_result(const char *task_hex, const char *aggregator, const char *why)
{
    const char *args[] = { "task", task_hex, NULL };
    struct clirun r;
    REQUIRE(clirun_home(&r, net.home, args, NULL, NULL, 0) == 0);
    CHECK_INT(r.status, 4);
    char line[1024], want[300];
    CHECK(clirun_line(r.out, aggregator, line, sizeof line) != NULL);
    snprintf(want, sizeof want, "Error: task %s %s\n", task_hex, why);
    CHECK_STR(r.err, want);
    clirun_free(&r);
}

/* The object URL the seed's naming gives: <endpoint>/<bucket>/<prefix>0x<id>.tar.gz. */
static void object_url(char *out, size_t cap, const char *ep, const char *id)
{
    snprintf(out, cap, "%s/fns/functions/%s.tar.gz", ep, id);
}

/* A valid bundle of another function, the bytes an attacker with write
 * access to the bucket would put there. */
static void put_impostor(const char *url, const char *name)
{
    char dir[600];
    uint8_t *tar, impostor_id[32];
    size_t n;
    REQUIRE(e2e_write_js(&net, name, "exports.handler = async () => ({ owned: true });\n", dir, sizeof dir) == 0);
    REQUIRE(e2e_pack_dir(dir, &tar, &n, impostor_id) == 0);
    cli_aws_creds c = { strdup("S3RVER"), strdup("S3RVER"), NULL, strdup("us-east-1"), "test" };
    cli_diag d = { 0 };
    CHECK_INT(cli_s3_put(url, &c, tar, n, "application/gzip", &d), CLI_OK);
    cli_aws_creds_free(&c);
    free(tar);
}

static void test_s3_deploy_and_call(void)
{
    setup();
    REQUIRE(up == 1);
    char dir[600], id[67], url[256], want[400], line[400];
    REQUIRE(e2e_write_js(&net, "s3-fn", "exports.handler = async (input) => ({ from: 's3', input });\n",
                         dir, sizeof dir) == 0);
    struct clirun r;
    REQUIRE(deploy_s3(&r, dir, s3_endpoint, s3_creds) == 0);
    CHECK_INT(r.status, 0);
    if (r.status) fprintf(stderr, "%s%s", r.out, r.err);
    REQUIRE(clirun_value(r.out, "Function ID: ", id, sizeof id));
    /* The seed's S3 deployment output, in its order. */
    static const char *const order[] = { "Deploying function from directory: ", "Tarball size: ", "Function ID: ",
                                         "Using chain ID: 31337", "Uploaded to S3: ", "Transaction sent: 0x",
                                         "Waiting for confirmation...", "Function registered successfully!",
                                         "Function ID: ", "Gas used: ", "Gas price: ", "Transaction cost: " };
    const char *missing = clirun_missing(r.out, order, sizeof order / sizeof order[0]);
    if (missing) test_fail(__FILE__, __LINE__, "missing or out of order: %s", missing);
    object_url(url, sizeof url, s3_endpoint, id);
    snprintf(want, sizeof want, "Uploaded to S3: %s", url);
    CHECK_STR(clirun_line(r.out, "Uploaded to S3: ", line, sizeof line), want);
    clirun_free(&r);

    /* The operators download it from S3, check its hash and run it. */
    REQUIRE(call(&r, id, "\"via S3\"") == 0);
    CHECK_INT(r.status, 0);
    json_t *got = clirun_result(r.out);
    CHECK_STR(json_string_value(json_object_get(got, "from")), "s3");
    CHECK_STR(json_string_value(json_object_get(got, "input")), "via S3");
    json_decref(got);
    clirun_free(&r);
    const char *get[] = { "get-function", id, NULL };
    REQUIRE(clirun_home(&r, net.home, get, NULL, NULL, 0) == 0);
    snprintf(want, sizeof want, "Bundle URL: %s", url);
    CHECK_STR(clirun_line(r.out, "Bundle URL: ", line, sizeof line), want);
    clirun_free(&r);

    /* Replaced once the operators hold the verified bundle: they keep
     * running what the id names (their caches are content-addressed). */
    put_impostor(url, "impostor-late");
    REQUIRE(call(&r, id, "\"again\"") == 0);
    CHECK_INT(r.status, 0);
    got = clirun_result(r.out);
    CHECK_STR(json_string_value(json_object_get(got, "input")), "again");
    json_decref(got);
    clirun_free(&r);
}

/* The object replaced after upload, before any operator fetched it: every
 * operator refuses it, the aggregator gives the task up, and call-function
 * reports why, long before the task's deadline. */
static void test_tampered_bundle_refused(void)
{
    setup();
    REQUIRE(up == 1);
    char dir[600], id[67], url[256];
    REQUIRE(e2e_write_js(&net, "tampered", "exports.handler = async (input) => ({ honest: input });\n",
                         dir, sizeof dir) == 0);
    struct clirun r;
    REQUIRE(deploy_s3(&r, dir, s3_endpoint, s3_creds) == 0);
    CHECK_INT(r.status, 0);
    REQUIRE(clirun_value(r.out, "Function ID: ", id, sizeof id));
    clirun_free(&r);
    object_url(url, sizeof url, s3_endpoint, id);
    put_impostor(url, "impostor");

    double t0 = now_ms();
    char task_hex[80];
    call_without_result(id, "\"anyone there?\"",
                        "failed before any result was verified: threshold cannot be met: no valid answer "
                        "(threshold 2); 0x",
                        ": HTTP 422 function_unavailable: bundle rejected: its keccak-256 is not the function id",
                        task_hex);
    CHECK(now_ms() - t0 < 8000); /* not a timeout, not the deadline */
    task_without_result(task_hex, "Aggregator: failed: threshold cannot be met: ",
                        "failed before any result was verified");
}

/* S3 refusing the upload's signature (wrong secret): one line, status 1,
 * and nothing sent to the chain. */
static void test_s3_signature_denied(void)
{
    setup();
    REQUIRE(up == 1);
    char ep[64], dir[600], id[67], url[256], want[600];
    pid_t verifier = clirun_sigv4_start("AKIDFAAS", "the-right-secret", ep, sizeof ep);
    REQUIRE(verifier > 0);
    REQUIRE(e2e_write_js(&net, "denied", "exports.handler = async (input) => ({ denied: input });\n",
                         dir, sizeof dir) == 0);
    static const char *const wrong[] = { "AWS_ACCESS_KEY_ID=AKIDFAAS", "AWS_SECRET_ACCESS_KEY=a-wrong-secret",
                                         "AWS_REGION=us-east-1", "AWS_PROFILE", "HOME=/nonexistent", NULL };
    json_t *nonce0 = NULL;
    REQUIRE(eth_rpc_call(net.rpc, &nonce0, "eth_getTransactionCount", json_pack("[s,s]", TEST_DEV_ADDR0, "latest")) ==
            ETH_OK);
    struct clirun r;
    REQUIRE(deploy_s3(&r, dir, ep, wrong) == 0);
    CHECK_INT(r.status, 1);
    REQUIRE(clirun_value(r.out, "Function ID: ", id, sizeof id));
    object_url(url, sizeof url, ep, id);
    snprintf(want, sizeof want,
             "Error: S3 denied the upload to %s (HTTP 403 SignatureDoesNotMatch: The request signature we calculated "
             "does not match)\n",
             url);
    CHECK_STR(r.err, want);
    CHECK(strstr(r.out, "Transaction sent") == NULL);
    clirun_free(&r);
    json_t *nonce1 = NULL;
    REQUIRE(eth_rpc_call(net.rpc, &nonce1, "eth_getTransactionCount", json_pack("[s,s]", TEST_DEV_ADDR0, "latest")) ==
            ETH_OK);
    CHECK(json_equal(nonce0, nonce1));
    json_decref(nonce0);
    json_decref(nonce1);
    /* The right secret: accepted by the verifier (the chain registers it). */
    static const char *const right[] = { "AWS_ACCESS_KEY_ID=AKIDFAAS", "AWS_SECRET_ACCESS_KEY=the-right-secret",
                                         "AWS_REGION=us-east-1", "AWS_PROFILE", "HOME=/nonexistent", NULL };
    REQUIRE(deploy_s3(&r, dir, ep, right) == 0);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "Function registered successfully!") != NULL);
    clirun_free(&r);
    test_kill(verifier);
}

/* Two of three operators stopped: no result reaches 2/3 of the stake, the
 * task expires at its deadline, and call-function says why (the
 * aggregator's reason) with status 4. */
static void test_zz_expired(void)
{
    setup();
    REQUIRE(up == 1);
    char dir[600], id[67], a2[43], a3[43];
    REQUIRE(e2e_write_js(&net, "lonely", "exports.handler = async (input) => ({ lonely: input });\n",
                         dir, sizeof dir) == 0);
    REQUIRE(clirun_deploy(net.home, NULL, NULL, dir, id) == 0);
    e2e_kill(&net, "operator-2", SIGTERM);
    e2e_kill(&net, "operator-3", SIGTERM);
    char task_hex[80], why[300];
    snprintf(why, sizeof why,
             "expired before the operators' result was verified: threshold not met before the deadline: best result "
             "1 of 3 operators signed (weight 1 of 3, threshold 2); %s, %s: ",
             eth_address_to_hex(a2, &net.ops[1]), eth_address_to_hex(a3, &net.ops[2]));
    call_without_result(id, "\"hello?\"", why, ": Couldn't connect to server", task_hex);
    task_without_result(task_hex, "Aggregator: expired: threshold not met before the deadline",
                        "expired without a verified result");
}

static void test_zz_down(void)
{
    test_kill(s3rver);
    if (up == 1) e2e_down(&net);
    up = 0;
}

static const struct test_case cases[] = {
    TEST(s3_deploy_and_call), TEST(tampered_bundle_refused), TEST(s3_signature_denied), TEST(zz_expired),
    TEST(zz_down),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
