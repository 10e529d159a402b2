/* test_e2e_calls.c - faas-cli on a devnet of its own (3 operators), beyond
 * the examples: binary input from a file and from stdin reaching the
 * function byte for byte; the same directory deployed twice (one id, no
 * second transaction); --json documents of deploy and call checked against
 * the chain; `task` after a call (verified, result, signers as the
 * certificate on chain says); a call that outlives --timeout; a caller
 * with no ether; and `invoke
 * --local` running in the operators' sandbox, with the network's result. */
#include "clirun.h"
#include "e2e.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static e2e_net net;
static int up;

static void setup(void)
{
    if (!up) up = e2e_up(&net, NULL) == 0 ? 1 : -1;
}

/* A function directory under the devnet's home holding one handler file. */
static void write_fn(char *dir, size_t cap, const char *name, const char *runtime, const char *code)
{
    int py = strcmp(runtime, "python") == 0;
    char manifest[64];
    snprintf(dir, cap, "%s/%s", net.home, name);
    snprintf(manifest, sizeof manifest, "{\"runtime\": \"%s\"}\n", runtime);
    if (mkdir(dir, 0755) != 0 || clirun_write(dir, "manifest.json", manifest) != 0 ||
        clirun_write(dir, py ? "handler.py" : "index.js", code) != 0)
        test_fail(__FILE__, __LINE__, "cannot write %s", dir);
}

/* call-function --function-id id <more...>, stdin from in (n bytes). */
static int call(struct clirun *r, const char *id, const char *const *more, const void *in, size_t n)
{
    const char *args[12] = { "call-function", "--function-id", id };
    size_t k = 3;
    for (; more && *more && k < 11; more++) args[k++] = *more;
    args[k] = NULL;
    return clirun_home(r, net.home, args, NULL, in, n);
}

static uint64_t nonce_of(const char *address)
{
    json_t *res;
    uint64_t v = UINT64_MAX;
    if (eth_rpc_call(net.rpc, &res, "eth_getTransactionCount", json_pack("[s,s]", address, "latest")) == ETH_OK) {
        if (eth_json_quantity(&v, res) != ETH_OK) v = UINT64_MAX;
        json_decref(res);
    }
    return v;
}

/* Bytes no text decoding keeps: NUL, 0xff, a truncated UTF-8 sequence,
 * then random bytes; the functions answer them back in hex. */
static void test_binary_input_file_and_stdin(void)
{
    setup();
    REQUIRE(up == 1);
    uint8_t bin[96] = { 0x00, 0xff, 0xfe, 0xc3, 0x28, 'A', 0x00, 0x80, 0xe2, 0x82 };
    test_rand_bytes(bin + 10, sizeof bin - 10);
    char want_hex[2 * sizeof bin + 1], path[600], js[600], py[600];
    for (size_t i = 0; i < sizeof bin; i++) snprintf(want_hex + 2 * i, 3, "%02x", bin[i]);
    snprintf(path, sizeof path, "%s/input.bin", net.home);
    FILE *f = fopen(path, "wb");
    REQUIRE(f && fwrite(bin, 1, sizeof bin, f) == sizeof bin && fclose(f) == 0);

    write_fn(js, sizeof js, "hex-js", "javascript",
             "exports.handler = async (i) => ({ hex: Buffer.isBuffer(i.raw) ? i.raw.toString('hex') : null,"
             " size: i.size });\n");
    write_fn(py, sizeof py, "hex-py", "python",
             "def handler(i):\n    return {\"hex\": i[\"raw\"].hex() if isinstance(i[\"raw\"], bytes) else None,"
             " \"size\": i[\"size\"]}\n");
    char id[2][67];
    REQUIRE(clirun_deploy(net.home, NULL, NULL, js, id[0]) == 0);
    REQUIRE(clirun_deploy(net.home, NULL, NULL, py, id[1]) == 0);
    for (int k = 0; k < 2; k++) {
        /* --input-file, then the same bytes on stdin ("-"). */
        const char *from_file[] = { "--input-file", path, NULL }, *from_stdin[] = { "-", NULL };
        for (int via_stdin = 0; via_stdin < 2; via_stdin++) {
            struct clirun r;
            REQUIRE(call(&r, id[k], via_stdin ? from_stdin : from_file, via_stdin ? bin : NULL,
                         via_stdin ? sizeof bin : 0) == 0);
            CHECK_INT(r.status, 0);
            char line[128], want[128];
            snprintf(want, sizeof want, "Arguments: <%zu bytes of binary data>", sizeof bin);
            CHECK_STR(clirun_line(r.out, "Arguments: ", line, sizeof line), want);
            json_t *got = clirun_result(r.out);
            CHECK_STR(json_string_value(json_object_get(got, "hex")), want_hex);
            CHECK_INT(json_integer_value(json_object_get(got, "size")), (long long)sizeof bin);
            if (!got) fprintf(stderr, "%s%s", r.out, r.err);
            json_decref(got);
            clirun_free(&r);
        }
    }
    /* The seed's Python example takes its binary branch. (Its advanced JS
     * example tests input.text first, which binary input has too: SPEC §3.) */
    char hello[4200], hello_id[67];
    snprintf(hello, sizeof hello, "%s/examples/python-hello", test_root());
    REQUIRE(clirun_deploy(net.home, NULL, NULL, hello, hello_id) == 0);
    struct clirun r;
    const char *from_stdin[] = { "-", NULL };
    REQUIRE(call(&r, hello_id, from_stdin, bin, sizeof bin) == 0);
    CHECK_INT(r.status, 0);
    json_t *got = clirun_result(r.out);
    CHECK_STR(json_string_value(json_object_get(got, "message")), "Processed binary data with Python");
    CHECK_INT(json_integer_value(json_object_get(got, "size")), (long long)sizeof bin);
    CHECK_STR(json_string_value(json_object_get(got, "type")), "binary");
    json_decref(got);
    clirun_free(&r);
}

/* The same directory twice: the same id, and the second deploy says it is
 * registered and sends nothing (the deployer's nonce does not move). */
static void test_deploy_twice(void)
{
    setup();
    REQUIRE(up == 1);
    char dir[600], first[67], second[67], want[200];
    write_fn(dir, sizeof dir, "twice", "javascript", "exports.handler = async (i) => ({ twice: i });\n");
    uint64_t n0 = nonce_of(TEST_DEV_ADDR0);
    REQUIRE(clirun_deploy(net.home, NULL, NULL, dir, first) == 0);
    uint64_t n1 = nonce_of(TEST_DEV_ADDR0);
    CHECK(n1 == n0 + 1);
    const char *args[] = { "deploy-function", dir, NULL };
    struct clirun r;
    REQUIRE(clirun_home(&r, net.home, args, NULL, NULL, 0) == 0);
    CHECK_INT(r.status, 0);
    CHECK_STR(clirun_value(r.out, "Function ID: ", second, sizeof second), first);
    snprintf(want, sizeof want, "Function already registered: %s (block ", first);
    CHECK(strstr(r.out, want) != NULL);
    CHECK(strstr(r.out, "); nothing sent.\n") != NULL);
    CHECK(strstr(r.out, "Transaction sent") == NULL);
    clirun_free(&r);
    CHECK(nonce_of(TEST_DEV_ADDR0) == n1);
}

/* --json: one document each, its facts as the chain has them. */
static void test_json_documents(void)
{
    setup();
    REQUIRE(up == 1);
    char dir[600];
    write_fn(dir, sizeof dir, "json", "python",
             "def handler(i):\n    print('adding', i['a'], i['b'])\n    return {'sum': i['a'] + i['b']}\n");
    const char *deploy[] = { "deploy-function", "--json", dir, NULL };
    struct clirun r;
    REQUIRE(clirun_home(&r, net.home, deploy, NULL, NULL, 0) == 0);
    CHECK_INT(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    REQUIRE(doc);
    const char *id = json_string_value(json_object_get(doc, "function_id"));
    const char *tx = json_string_value(json_object_get(doc, "tx_hash"));
    REQUIRE(id && tx && strlen(id) == 66);
    CHECK_STR(json_string_value(json_object_get(doc, "runtime")), "python");
    CHECK_INT(json_integer_value(json_object_get(doc, "chain_id")), 31337);
    json_t *rc = NULL;
    uint64_t gas = 0, block = 0;
    REQUIRE(eth_rpc_call(net.rpc, &rc, "eth_getTransactionReceipt", json_pack("[s]", tx)) == ETH_OK);
    CHECK_INT(eth_json_quantity(&gas, json_object_get(rc, "gasUsed")), ETH_OK);
    CHECK_INT(eth_json_quantity(&block, json_object_get(rc, "blockNumber")), ETH_OK);
    CHECK_INT(json_integer_value(json_object_get(doc, "gas_used")), (long long)gas);
    CHECK_INT(json_integer_value(json_object_get(doc, "block_number")), (long long)block);
    json_decref(rc);
    clirun_free(&r);

    const char *more[] = { "--json", "{\"a\": 40, \"b\": 2}", NULL };
    REQUIRE(call(&r, id, more, NULL, 0) == 0);
    CHECK_INT(r.status, 0);
    json_t *res = json_loads(r.out, 0, NULL);
    REQUIRE(res);
    CHECK_STR(json_string_value(json_object_get(res, "function_id")), id);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(res, "result"), "sum")), 42);
    CHECK_STR(json_string_value(json_array_get(json_object_get(res, "logs"), 0)), "adding 40 2");
    CHECK(json_is_null(json_object_get(res, "error")));
    /* The task is verified on chain, with exactly these result bytes. */
    uint8_t task[32];
    const char *task_hex = json_string_value(json_object_get(res, "task_id"));
    REQUIRE(task_hex && eth_hex_decode_exact(task, 32, task_hex) == ETH_OK);
    CHECK_INT(e2e_task_status(&net, task), 2);
    char *onchain = NULL;
    CHECK_INT(e2e_verified_logs(&net, task, block, &onchain, NULL), 1);
    CHECK_STR(onchain, "{\"payload\":{\"result\":{\"sum\":42},\"logs\":[\"adding 40 2\"]},\"error\":null}");
    free(onchain);
    CHECK(json_integer_value(json_object_get(res, "result_block")) > (json_int_t)block);
    json_decref(res);
    json_decref(doc);
    clirun_free(&r);
}

/* `task` after a call: verified, the call's result, and the signers that
 * the certificate in the TaskVerified event names (decoded by the e2e
 * harness with the aggregator's certificate ABI). */
static void test_task_after_call(void)
{
    setup();
    REQUIRE(up == 1);
    char dir[4200], id[67];
    snprintf(dir, sizeof dir, "%s/examples/python-hello", test_root());
    REQUIRE(clirun_deploy(net.home, NULL, NULL, dir, id) == 0);
    const char *more[] = { "{\"name\": \"Bob\"}", NULL };
    struct clirun r;
    REQUIRE(call(&r, id, more, NULL, 0) == 0);
    CHECK_INT(r.status, 0);
    char task_hex[80], found[160], verified[180];
    REQUIRE(clirun_value(r.out, "Task ID: ", task_hex, sizeof task_hex));
    REQUIRE(clirun_value(r.out, "Event found in block ", found, sizeof found));
    snprintf(verified, sizeof verified, "Verified in block %s", found);
    json_t *called = clirun_result(r.out);
    clirun_free(&r);

    uint8_t task[32], nonsigner[E2E_MAX_OPS];
    REQUIRE(eth_hex_decode_exact(task, 32, task_hex) == ETH_OK);
    REQUIRE(e2e_wait_verified_logs(&net, task, net.deploy_block, NULL, nonsigner, 5000) == 1);
    char want[200], list[64] = "";
    size_t signers = 0;
    for (size_t i = 0; i < net.n_ops; i++) {
        if (nonsigner[i]) continue;
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%zu", signers ? ", " : "", i);
        signers++;
    }
    CHECK(signers >= 2); /* 2/3 of 3 equal weights */
    snprintf(want, sizeof want, "Certificate signers: %zu of %zu operators (indices %s)", signers, net.n_ops, list);

    const char *args[] = { "task", task_hex, NULL };
    REQUIRE(clirun_home(&r, net.home, args, NULL, NULL, 0) == 0);
    CHECK_INT(r.status, 0);
    char line[200];
    CHECK_STR(clirun_line(r.out, "Status: ", line, sizeof line), "Status: Verified");
    CHECK_STR(clirun_line(r.out, "Verified in block ", line, sizeof line), verified);
    CHECK_STR(clirun_line(r.out, "Certificate signers: ", line, sizeof line), want);
    snprintf(want, sizeof want, "Function ID: %s", id);
    CHECK_STR(clirun_line(r.out, "Function ID: ", line, sizeof line), want);
    CHECK_STR(clirun_line(r.out, "Input: ", line, sizeof line), "Input: 15 bytes");
    json_t *shown = clirun_result(r.out);
    CHECK(called && shown && json_equal(called, shown));
    CHECK(strstr(r.out, "Aggregator:") == NULL); /* only asked about tasks with no result */
    json_decref(called);
    json_decref(shown);
    clirun_free(&r);
}

/* A function slower than --timeout: status 4 and the one line that says
 * the task may still complete - which it then does. */
static void test_call_timeout(void)
{
    setup();
    REQUIRE(up == 1);
    char dir[600], id[67];
    write_fn(dir, sizeof dir, "slow", "javascript",
             "exports.handler = async (i) => {\n"
             "  await new Promise((r) => setTimeout(r, 3000));\n"
             "  return { slept: i };\n"
             "};\n");
    REQUIRE(clirun_deploy(net.home, NULL, NULL, dir, id) == 0);
    const char *more[] = { "--timeout", "1", "\"zzz\"", NULL };
    struct clirun r;
    REQUIRE(call(&r, id, more, NULL, 0) == 0);
    CHECK_INT(r.status, 4);
    char task_hex[80], want[300];
    REQUIRE(clirun_value(r.out, "Task ID: ", task_hex, sizeof task_hex));
    snprintf(want, sizeof want,
             "Error: Task timeout: no TaskVerified event for task %s after 1 s (it may still complete: faas-cli task "
             "%s)\n",
             task_hex, task_hex);
    CHECK_STR(r.err, want);
    clirun_free(&r);
    uint8_t task[32];
    REQUIRE(eth_hex_decode_exact(task, 32, task_hex) == ETH_OK);
    CHECK_INT(e2e_wait_status(&net, task, 2, 20000), 0);
    const char *args[] = { "task", task_hex, NULL };
    REQUIRE(clirun_home(&r, net.home, args, NULL, NULL, 0) == 0);
    CHECK_INT(r.status, 0);
    json_t *got = clirun_result(r.out);
    CHECK_STR(json_string_value(json_object_get(got, "slept")), "zzz");
    json_decref(got);
    clirun_free(&r);
}

/* A caller whose account holds no ether (the key 0x0101…01): one line,
 * status 1, and the function is not called. */
static void test_call_insufficient_funds(void)
{
    setup();
    REQUIRE(up == 1);
    char dir[600], id[67];
    write_fn(dir, sizeof dir, "unpaid", "javascript", "exports.handler = async (i) => ({ unpaid: i });\n");
    REQUIRE(clirun_deploy(net.home, NULL, NULL, dir, id) == 0);
    static const char *const poor[] = {
        "FAAS_PRIVATE_KEY=0x0101010101010101010101010101010101010101010101010101010101010101", NULL
    };
    const char *args[] = { "call-function", "--function-id", id, "\"x\"", NULL };
    struct clirun r;
    REQUIRE(clirun_home(&r, net.home, args, poor, NULL, 0) == 0);
    CHECK_INT(r.status, 1);
    CHECK_STR(r.err, "Error: insufficient funds: 0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1 (balance 0 ETH) cannot "
                     "pay for sending callFunction\n");
    CHECK(strstr(r.out, "Task ID") == NULL);
    clirun_free(&r);
}

/* What a function sees of its machine: process, host name, files, network,
 * environment. In the operators' sandbox: pid 1, no host file, no network. */
#define PROBE_JS                                                                                                    \
    "const fs = require('fs'), os = require('os'), net = require('net');\n"                                         \
    "exports.handler = async (input) => {\n"                                                                        \
    "  const read = (p) => { try { return fs.readFileSync(p, 'utf8'); } catch (e) { return e.code; } };\n"          \
    "  const conn = await new Promise((done) => { const s = net.connect(input.port, '127.0.0.1');\n"                \
    "    s.on('data', (d) => done('read ' + d)); s.on('connect', () => done('connected'));\n"                         \
    "    s.on('error', (e) => done(e.code)); });\n"                                                                 \
    "  return { pid: process.pid, hostname: os.hostname(), cwd: process.cwd(), secret: read(input.secret), conn,\n" \
    "           root: fs.readdirSync('/').sort(), env: Object.keys(process.env).sort(), input };\n"                 \
    "};\n"

/* invoke --local runs in the operators' sandbox: the probe finds what it
 * finds on the network, and what it finds is a sandbox. */
static void test_invoke_local_is_the_operators_sandbox(void)
{
    setup();
    REQUIRE(up == 1);
    char dir[600], id[67], secret[600], input[1200];
    write_fn(dir, sizeof dir, "probe", "javascript", PROBE_JS);
    snprintf(secret, sizeof secret, "%s/operator-secret", net.home);
    REQUIRE(clirun_write(net.home, "operator-secret", "the operator's secret") == 0);
    /* A port that is open on the host: the chain's. */
    snprintf(input, sizeof input, "{\"port\": %d, \"secret\": \"%s\"}", net.port, secret);

    const char *invoke[] = { "invoke", "--local", "--json", dir, input, NULL };
    struct clirun r;
    REQUIRE(clirun_home(&r, net.home, invoke, NULL, NULL, 0) == 0);
    CHECK_INT(r.status, 0);
    json_t *local = json_loads(r.out, 0, NULL);
    REQUIRE(local);
    clirun_free(&r);
    json_t *res = json_object_get(local, "result");
    if (geteuid() == 0) {
        CHECK(json_is_true(json_object_get(local, "sandboxed")));
        CHECK_INT(json_integer_value(json_object_get(res, "pid")), 1);
        CHECK_STR(json_string_value(json_object_get(res, "secret")), "ENOENT");
        const char *conn = json_string_value(json_object_get(res, "conn"));
        CHECK(conn && (strcmp(conn, "ENETUNREACH") == 0 || strcmp(conn, "ECONNREFUSED") == 0));
        CHECK_STR(json_string_value(json_object_get(res, "cwd")), "/var/task");
        CHECK(json_array_size(json_object_get(res, "env")) > 0);
        json_t *env = json_object_get(res, "env");
        size_t i;
        json_t *name;
        json_array_foreach(env, i, name) CHECK(strncmp(json_string_value(name), "FAAS_", 5) != 0);
    } else {
        CHECK(json_is_false(json_object_get(local, "sandboxed"))); /* and the user was told */
    }

    /* The network: every operator runs it in the same sandbox. */
    REQUIRE(clirun_deploy(net.home, NULL, NULL, dir, id) == 0);
    const char *more[] = { "--json", input, NULL };
    REQUIRE(call(&r, id, more, NULL, 0) == 0);
    CHECK_INT(r.status, 0);
    json_t *remote = json_loads(r.out, 0, NULL);
    REQUIRE(remote);
    json_t *net_res = json_object_get(remote, "result");
    CHECK(net_res && json_equal(res, net_res));
    if (!json_equal(res, net_res)) fprintf(stderr, "network:\n%s\n", r.out);
    CHECK(json_equal(json_object_get(local, "logs"), json_object_get(remote, "logs")));
    json_decref(remote);
    json_decref(local);
    clirun_free(&r);
}

static void test_zz_down(void)
{
    if (up == 1) e2e_down(&net);
    up = 0;
}

static const struct test_case cases[] = {
    TEST(binary_input_file_and_stdin),
    TEST(deploy_twice),
    TEST(json_documents),
    TEST(task_after_call),
    TEST(call_timeout),
    TEST(call_insufficient_funds),
    TEST(invoke_local_is_the_operators_sandbox),
    TEST(zz_down),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
