/* test_chain.c - deploy-function, get-function and list-functions against a
 * real anvil with FaaS.sol (forge-built) deployed, on-chain and through a
 * real s3rver; results cross-checked with cast; every error a user can
 * cause on this path, with its message and exit status. */
#include "cli.h"
#include "clirun.h"
#include "test.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <sys/wait.h>

static struct test_anvil anvil;
static char faas_addr[43];
static char env_rpc[128], env_faas[64];
static const char *env_key = "FAAS_PRIVATE_KEY=" TEST_DEV_KEY0;

/* stdout of a shell command (caller frees), or NULL. */
static char *sh(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    char *out = calloc(1, 1 << 16);
    size_t n = fread(out, 1, (1 << 16) - 1, p);
    out[n] = 0;
    pclose(p);
    return out;
}

/* Deploys FaaS.sol (constructor: a mailbox address, the executor set id)
 * from anvil's second dev account, as the fixture of every case. */
static int deploy_faas(void)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "cd '%s/contracts' && forge build >/dev/null 2>&1 && echo ok", test_root());
    char *ok = sh(cmd);
    int built = ok && strcmp(ok, "ok\n") == 0;
    free(ok);
    if (!built) return -1;
    char path[4200];
    snprintf(path, sizeof path, "%s/contracts/out/FaaS.sol/FaaS.json", test_root());
    json_t *art = json_load_file(path, 0, NULL);
    const char *code = json_string_value(json_object_get(json_object_get(art, "bytecode"), "object"));
    eth_buf data;
    eth_buf_init(&data, 0);
    uint8_t *bin = NULL;
    size_t n = 0;
    int rc = -1;
    json_t *args = json_pack("[s, i]", "0x000000000000000000000000000000000000dEaD", 1);
    if (code && eth_hex_decode_alloc(&bin, &n, code, strlen(code)) == ETH_OK &&
        eth_buf_append(&data, bin, n) == ETH_OK && eth_abi_encode(&data, "(address,uint32)", args) == ETH_OK) {
        eth_rpc *rpc = eth_rpc_new(anvil.rpc_url, NULL);
        eth_key key;
        eth_client *client = NULL;
        uint8_t hash[32];
        eth_receipt rc_;
        memset(&rc_, 0, sizeof rc_);
        if (eth_key_from_hex(&key, TEST_DEV_KEY1) == ETH_OK && eth_client_new(&client, rpc, &key) == ETH_OK &&
            eth_client_send(client, hash, NULL, data.data, data.len, NULL) == ETH_OK &&
            eth_client_wait_receipt(client, &rc_, hash, 30000) == ETH_OK && rc_.status == 1 &&
            rc_.has_contract_address) {
            eth_address_to_hex(faas_addr, &rc_.contract_address);
            rc = 0;
        }
        eth_receipt_free(&rc_);
        if (client) eth_client_free(client);
        eth_key_wipe(&key);
        eth_rpc_free(rpc);
    }
    json_decref(args);
    json_decref(art);
    free(bin);
    eth_buf_free(&data);
    snprintf(env_rpc, sizeof env_rpc, "FAAS_RPC_URL=%s", anvil.rpc_url);
    snprintf(env_faas, sizeof env_faas, "FAAS_ADDRESS=%s", faas_addr);
    return rc;
}

/* A JS function whose source carries `tag`, so each case has its own id. */
static char *make_fn(const char *tag)
{
    char *dir = clirun_tmpdir();
    char src[256];
    snprintf(src, sizeof src, "// %s\nexports.handler = async (input) => ({ echo: input });\n", tag);
    clirun_write(dir, "manifest.json", "{\"runtime\": \"javascript\"}");
    clirun_write(dir, "index.js", src);
    return dir;
}

static int run(struct clirun *r, const char *const *args, const char *const *extra_env)
{
    const char *env[16] = { "FAAS_HOME=/nonexistent-faas-home", env_rpc, env_faas, env_key, "FAAS_WS_RPC_URL",
                            "FAAS_TASKMAILBOX_ADDRESS", "FAAS_CONFIG", NULL };
    size_t k = 7;
    for (; extra_env && *extra_env && k < 15; extra_env++) env[k++] = *extra_env;
    env[k] = NULL;
    return clirun(r, args, env, NULL, 0, NULL);
}

static void package_id(const char *dir, char id[67])
{
    const char *args[] = { "package", "--output", "/dev/null", dir, NULL };
    struct clirun r;
    id[0] = 0;
    if (run(&r, args, NULL) == 0) clirun_value(r.out, "Function ID: ", id, 67);
    clirun_free(&r);
}

static void test_deploy_on_chain_prints_the_seed_lines(void)
{
    char *dir = make_fn("on-chain"), id[67], buf[256], cmd[512];
    package_id(dir, id);
    REQUIRE(id[0]);
    const char *args[] = { "deploy-function", dir, NULL };
    struct clirun r;
    REQUIRE(run(&r, args, NULL) == 0);
    CHECK_INT(r.status, 0);
    if (r.status) fprintf(stderr, "%s%s", r.out, r.err);

    /* The seed's lines, in the seed's order. */
    static const char *const order[] = { "Deploying function from directory: ", "Tarball size: ", "Function ID: ",
                                         "Using chain ID: 31337", "Transaction sent: 0x", "Waiting for confirmation...",
                                         "Function registered successfully!", "Function ID: ", "Gas used: ",
                                         "Gas price: ", "Transaction cost: " };
    const char *missing = clirun_missing(r.out, order, sizeof order / sizeof order[0]);
    if (missing) test_fail(__FILE__, __LINE__, "missing or out of order: %s", missing);
    CHECK_STR(clirun_value(r.out, "Function ID: ", buf, sizeof buf), id);

    /* cast reads the same facts from the node. */
    char tx[80], gas[40];
    REQUIRE(clirun_value(r.out, "Transaction sent: ", tx, sizeof tx));
    clirun_value(r.out, "Gas used: ", gas, sizeof gas);
    snprintf(cmd, sizeof cmd, "cast receipt --rpc-url %s %s gasUsed", anvil.rpc_url, tx);
    char *cast_gas = sh(cmd);
    REQUIRE(cast_gas);
    cast_gas[strcspn(cast_gas, "\n")] = 0;
    CHECK_STR(cast_gas, gas);
    free(cast_gas);
    snprintf(cmd, sizeof cmd, "cast call --rpc-url %s %s 'functionExists(bytes32)(bool)' %s", anvil.rpc_url, faas_addr,
             id);
    char *exists = sh(cmd);
    CHECK_STR(exists, "true\n");
    free(exists);
    /* "Gas price: N.NN gwei", "Transaction cost: N.NNNNNN ETH". */
    clirun_value(r.out, "Gas price: ", buf, sizeof buf);
    CHECK(strlen(buf) > 8 && strcmp(buf + strlen(buf) - 5, " gwei") == 0 && buf[strlen(buf) - 8] == '.');
    clirun_value(r.out, "Transaction cost: ", buf, sizeof buf);
    CHECK(strlen(buf) > 11 && strcmp(buf + strlen(buf) - 4, " ETH") == 0 && buf[strlen(buf) - 11] == '.');
    clirun_free(&r);

    /* The same directory again: the same id, reported, nothing sent. */
    REQUIRE(run(&r, args, NULL) == 0);
    CHECK_INT(r.status, 0);
    snprintf(buf, sizeof buf, "Function already registered: %s (block ", id);
    CHECK(strstr(r.out, buf) != NULL);
    CHECK(strstr(r.out, "Transaction sent") == NULL);
    clirun_free(&r);
    clirun_rmrf(dir);
    free(dir);
}

static void test_get_and_list(void)
{
    char *dir = make_fn("get-and-list"), id[67], want[256], out[4200];
    package_id(dir, id);
    const char *deploy[] = { "deploy-function", "--json", dir, NULL };
    struct clirun r;
    REQUIRE(run(&r, deploy, NULL) == 0);
    CHECK_INT(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    REQUIRE(doc);
    CHECK_STR(json_string_value(json_object_get(doc, "function_id")), id);
    CHECK(json_integer_value(json_object_get(doc, "gas_used")) > 21000);
    json_int_t block = json_integer_value(json_object_get(doc, "block_number"));
    json_decref(doc);
    clirun_free(&r);

    char *work = clirun_tmpdir();
    snprintf(out, sizeof out, "%s/got.tar.gz", work);
    const char *get[] = { "get-function", "--output", out, id, NULL };
    REQUIRE(run(&r, get, NULL) == 0);
    CHECK_INT(r.status, 0);
    snprintf(want, sizeof want, "Registered in block: %lld", (long long)block);
    CHECK(strstr(r.out, want) != NULL);
    CHECK(strstr(r.out, "Owner: " TEST_DEV_ADDR0) != NULL);
    CHECK(strstr(r.out, "Bundle: on-chain, ") != NULL);
    clirun_free(&r);
    /* The bundle read back from the chain is the one `package` builds. */
    char pkg[4300];
    snprintf(pkg, sizeof pkg, "%s/pkg.tar.gz", work);
    const char *package[] = { "package", "--output", pkg, dir, NULL };
    REQUIRE(run(&r, package, NULL) == 0);
    clirun_free(&r);
    uint8_t *a, *b;
    size_t na, nb;
    REQUIRE(cli_file_read(out, 1 << 20, &a, &na) == 0 && cli_file_read(pkg, 1 << 20, &b, &nb) == 0);
    CHECK(na == nb && memcmp(a, b, na) == 0);
    free(a);
    free(b);

    const char *list[] = { "list-functions", "--json", NULL };
    REQUIRE(run(&r, list, NULL) == 0);
    CHECK_INT(r.status, 0);
    doc = json_loads(r.out, 0, NULL);
    REQUIRE(doc);
    int seen = 0;
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(doc, "functions"), i, f) {
        if (strcmp(json_string_value(json_object_get(f, "function_id")), id) == 0) seen = 1;
    }
    CHECK(seen);
    json_decref(doc);
    clirun_free(&r);
    clirun_rmrf(work);
    clirun_rmrf(dir);
    free(work);
    free(dir);
}

static void test_deploy_to_s3(void)
{
    char endpoint[64], *data = clirun_tmpdir();
    pid_t pid = clirun_s3rver_start(data, "fns", endpoint, sizeof endpoint);
    REQUIRE(pid > 0);

    char *dir = make_fn("s3"), id[67], want[512], url[256];
    package_id(dir, id);
    const char *creds[] = { "AWS_ACCESS_KEY_ID=S3RVER", "AWS_SECRET_ACCESS_KEY=S3RVER", "AWS_REGION=us-east-1",
                            "HOME=/nonexistent", NULL };
    const char *args[] = { "deploy-function", "--s3-base-url", "s3://fns/functions/", "--s3-endpoint", endpoint, dir,
                           NULL };
    struct clirun r;
    REQUIRE(run(&r, args, creds) == 0);
    CHECK_INT(r.status, 0);
    if (r.status) fprintf(stderr, "%s%s", r.out, r.err);
    snprintf(url, sizeof url, "%s/fns/functions/%s.tar.gz", endpoint, id);
    snprintf(want, sizeof want, "Uploaded to S3: %s", url);
    char line[512];
    CHECK_STR(clirun_line(r.out, "Uploaded to S3:", line, sizeof line), want);
    CHECK(strstr(r.out, "Function registered successfully!") != NULL);
    clirun_free(&r);

    /* Registered with its URL; get-function fetches it and checks the hash. */
    char *work = clirun_tmpdir(), out[4200];
    snprintf(out, sizeof out, "%s/got.tar.gz", work);
    const char *get[] = { "get-function", "--output", out, id, NULL };
    REQUIRE(run(&r, get, NULL) == 0);
    CHECK_INT(r.status, 0);
    snprintf(want, sizeof want, "Bundle URL: %s", url);
    CHECK(strstr(r.out, want) != NULL);
    clirun_free(&r);

    /* Someone replaces the object: the bundle no longer hashes to its id. */
    cli_aws_creds c = { strdup("S3RVER"), strdup("S3RVER"), NULL, strdup("us-east-1"), "test" };
    cli_diag d = { 0 };
    static const uint8_t evil[] = "not the bundle";
    CHECK_INT(cli_s3_put(url, &c, evil, sizeof evil - 1, "application/gzip", &d), CLI_OK);
    cli_aws_creds_free(&c);
    REQUIRE(run(&r, get, NULL) == 0);
    CHECK_INT(r.status, 1);
    CHECK(strstr(r.err, "not the function id: refusing it") != NULL);
    clirun_free(&r);

    /* Credentials S3 refuses: one line, nothing registered. */
    char *dir2 = make_fn("s3-denied");
    const char *bad_creds[] = { "AWS_ACCESS_KEY_ID=NOPE", "AWS_SECRET_ACCESS_KEY=x", "HOME=/nonexistent", NULL };
    const char *args2[] = { "deploy-function", "--s3-base-url", "s3://fns/functions/", "--s3-endpoint", endpoint, dir2,
                            NULL };
    REQUIRE(run(&r, args2, bad_creds) == 0);
    CHECK_INT(r.status, 1);
    CHECK(strncmp(r.err, "Error: S3 denied the upload to ", 31) == 0 && strstr(r.err, "InvalidAccessKeyId"));
    CHECK(strstr(r.out, "Transaction sent") == NULL);
    clirun_free(&r);

    test_kill(pid);
    clirun_rmrf(data);
    clirun_rmrf(work);
    clirun_rmrf(dir);
    clirun_rmrf(dir2);
    free(data);
    free(work);
    free(dir);
    free(dir2);
}

/* Each failure a user can cause on the chain path: exactly this one line
 * (a shell pattern only where curl reports its timing), and the status.
 * (This FaaS has no TaskMailbox, so a call that gets past its checks
 * reverts: test_e2e_calls has the calls that need a network.) */
static void test_errors(void)
{
    char *dir = make_fn("errors"), *registered = make_fn("errors-registered"), id[67], port[16], closed_rpc[64];
    package_id(registered, id);
    const char *deploy[] = { "deploy-function", registered, NULL };
    struct clirun r;
    REQUIRE(run(&r, deploy, NULL) == 0 && r.status == 0);
    clirun_free(&r);
    snprintf(port, sizeof port, "%d", test_free_port());
    snprintf(closed_rpc, sizeof closed_rpc, "FAAS_RPC_URL=http://127.0.0.1:%s", port);
    /* The address of the private key 0x0101…01, which holds no ether. */
#define POOR_KEY "FAAS_PRIVATE_KEY=0x0101010101010101010101010101010101010101010101010101010101010101"
#define POOR_ADDR "0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1"
#define UNKNOWN "0x00000000000000000000000000000000000000000000000000000000000000aa"
#define UNREACHABLE                                                                                                \
    "Error: cannot reach the Ethereum node at http://127.0.0.1:{port} (asking for the chain id): eth_chainId: Failed " \
    "to connect to 127.0.0.1 port {port} after * ms: Couldn't connect to server (3 attempts)\n"
    static const struct {
        const char *args[6];    /* "{dir}": a function directory; "{id}": a registered function */
        const char *env;
        int status;
        const char *want;       /* stderr, after expanding {port} and {id} */
    } cases[] = {
        { { "deploy-function", "{dir}" }, "FAAS_PRIVATE_KEY", 1,
          "Error: no private key: set FAAS_PRIVATE_KEY, or pass --private-key-file <file> or --private-key <hex>\n" },
        { { "deploy-function", "{dir}" }, "FAAS_PRIVATE_KEY=0x1234", 1,
          "Error: invalid private key from FAAS_PRIVATE_KEY: expected 32 bytes as 64 hex digits (0x prefix "
          "optional)\n" },
        { { "call-function", "--function-id", "{id}", "x" }, "FAAS_PRIVATE_KEY=not hex at all", 1,
          "Error: invalid private key from FAAS_PRIVATE_KEY: expected 32 bytes as 64 hex digits (0x prefix "
          "optional)\n" },
        { { "deploy-function", "{dir}" }, "FAAS_ADDRESS", 1,
          "Error: no FaaS contract address: pass --faas-address or set FAAS_ADDRESS, or start the devnet "
          "(faas-devnet up writes it to the config file)\n" },
        { { "deploy-function", "{dir}" }, "{closed}", 1, UNREACHABLE },
        { { "call-function", "--function-id", "{id}", "x" }, "{closed}", 1, UNREACHABLE },
        { { "deploy-function", "{dir}" }, POOR_KEY, 1,
          "Error: insufficient funds: " POOR_ADDR " (balance 0 ETH) cannot pay for sending registerFunction\n" },
        { { "get-function", UNKNOWN }, NULL, 1,
          "Error: Function not found: " UNKNOWN " (check the id, or deploy the function)\n" },
        { { "call-function", "--function-id", UNKNOWN, "hello" }, NULL, 1,
          "Error: Function not found: " UNKNOWN " (check the id, or deploy the function)\n" },
        { { "get-function", "0x12" }, NULL, 2, "Error: invalid function id \"0x12\": expected 0x and 64 hex digits\n" },
        { { "call-function", "hello" }, NULL, 2,
          "Error: call-function needs --function-id 0x… (see faas-cli list-functions)\n" },
        { { "call-function", "--function-id", UNKNOWN }, NULL, 2,
          "Error: call-function needs an input: an argument, --input-file FILE, or - for stdin\n" },
        { { "call-function", "--input-file", "/nonexistent/input", "--function-id", UNKNOWN }, NULL, 1,
          "Error: cannot read the input from /nonexistent/input: No such file or directory\n" },
        { { "task", UNKNOWN }, "FAAS_ADDRESS", 1,
          "Error: no TaskMailbox address: pass --taskmailbox-address (or --faas-address to look it up), or start the "
          "devnet (faas-devnet up writes both to the config file)\n" },
    };
    const char *names[] = { "{dir}", "{id}", "{port}", "{closed}", NULL }, *values[] = { dir, id, port, closed_rpc };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char argv_buf[6][256], want[1024], env0[256];
        const char *args[7] = { NULL }, *env[2] = { NULL, NULL };
        for (size_t k = 0; k < 6 && cases[i].args[k]; k++) {
            clirun_expand(argv_buf[k], sizeof argv_buf[k], cases[i].args[k], names, values);
            args[k] = argv_buf[k];
        }
        if (cases[i].env) {
            clirun_expand(env0, sizeof env0, cases[i].env, names, values);
            env[0] = env0;
        }
        clirun_expand(want, sizeof want, cases[i].want, names, values);
        REQUIRE(run(&r, args, env) == 0);
        if (r.status != cases[i].status || fnmatch(want, r.err, 0) != 0)
            test_fail(__FILE__, __LINE__, "case %zu: status %d: %s", i, r.status, r.err);
        clirun_free(&r);
    }
    clirun_rmrf(dir);
    clirun_rmrf(registered);
    free(dir);
    free(registered);
}

static const struct test_case cases[] = {
    TEST(deploy_on_chain_prints_the_seed_lines),
    TEST(get_and_list),
    TEST(deploy_to_s3),
    TEST(errors),
};

int main(int argc, char **argv)
{
    if (test_anvil_start(&anvil, NULL) != 0 || deploy_faas() != 0) {
        fprintf(stderr, "cannot start anvil with FaaS.sol deployed\n");
        test_anvil_stop(&anvil);
        return 1;
    }
    int rc = test_main(cases, TEST_COUNT(cases), argc, argv);
    test_anvil_stop(&anvil);
    return rc;
}
