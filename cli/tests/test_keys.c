/* test_keys.c - `faas-cli keys`: new keys (printed, or written to a 0600
 * file that is never overwritten), the address of the key in use from each
 * source, balances from a real anvil, and every misuse as one line with
 * its exit status. */
#include "clirun.h"
#include "eth.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Only what a test gives counts: no FAAS_* setting of the environment. */
static const char *const clean_env[] = { "FAAS_RPC_URL", "FAAS_PRIVATE_KEY", "FAAS_PRIVATE_KEY_FILE", "FAAS_CONFIG",
                                         "FAAS_HOME=/nonexistent-faas-home", NULL };

static void run(struct clirun *r, const char *const *args, const char *const *extra_env)
{
    const char *env[16];
    size_t k = 0;
    for (const char *const *e = clean_env; *e; e++) env[k++] = *e;
    for (; extra_env && *extra_env && k < 15; extra_env++) env[k++] = *extra_env;
    env[k] = NULL;
    REQUIRE(clirun(r, args, env, NULL, 0, NULL) == 0);
}

/* The address `keys address` reports for a key given as env_entry. */
static void address_of(const char *env_entry, char out[43])
{
    struct clirun r;
    const char *args[] = { "keys", "address", NULL }, *env[] = { env_entry, NULL };
    run(&r, args, env);
    CHECK_INT(r.status, 0);
    out[0] = 0;
    clirun_value(r.out, "Address: ", out, 43);
    clirun_free(&r);
}

static void test_new_printed(void)
{
    struct clirun r1, r2;
    const char *args[] = { "keys", "new", NULL };
    run(&r1, args, NULL);
    run(&r2, args, NULL);
    CHECK_INT(r1.status, 0);
    char addr[43] = "", key[80] = "", key2[80] = "", env[100], derived[43];
    clirun_value(r1.out, "Address: ", addr, sizeof addr);
    clirun_value(r1.out, "Private key: ", key, sizeof key);
    clirun_value(r2.out, "Private key: ", key2, sizeof key2);
    eth_key k;
    REQUIRE(eth_key_from_hex(&k, key) == ETH_OK);
    char want[43];
    eth_address_to_hex(want, &k.address);
    CHECK_STR(addr, want);
    CHECK(strcmp(key, key2) != 0);
    /* What `keys address` says of it is the same address. */
    snprintf(env, sizeof env, "FAAS_PRIVATE_KEY=%s", key);
    address_of(env, derived);
    CHECK_STR(derived, addr);
    clirun_free(&r1);
    clirun_free(&r2);
}

static void test_new_to_file(void)
{
    char *dir = clirun_tmpdir(), path[600], env[700], addr[43] = "", derived[43];
    REQUIRE(dir);
    snprintf(path, sizeof path, "%s/deployer.key", dir);
    struct clirun r;
    const char *args[] = { "keys", "new", "--output", path, NULL };
    run(&r, args, NULL);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "Private key: ") == NULL); /* not printed when written */
    clirun_value(r.out, "Address: ", addr, sizeof addr);
    clirun_free(&r);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    snprintf(env, sizeof env, "FAAS_PRIVATE_KEY_FILE=%s", path);
    address_of(env, derived);
    CHECK_STR(derived, addr);
    /* Never overwritten. */
    run(&r, args, NULL);
    CHECK_INT(r.status, 1);
    CHECK(clirun_err_line(&r, "Error: "));
    CHECK(strstr(r.err, "exists: not overwritten") != NULL);
    clirun_free(&r);
    address_of(env, derived);
    CHECK_STR(derived, addr);
    /* JSON: the same facts as members. */
    snprintf(path, sizeof path, "%s/second.key", dir);
    const char *json_args[] = { "keys", "new", "--json", "-o", path, NULL };
    run(&r, json_args, NULL);
    CHECK_INT(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    CHECK(doc && json_string_value(json_object_get(doc, "address")) &&
          !json_object_get(doc, "private_key"));
    CHECK_STR(json_string_value(json_object_get(doc, "private_key_file")), path);
    json_decref(doc);
    clirun_free(&r);
    clirun_rmrf(dir);
    free(dir);
}

static void test_address_sources(void)
{
    char addr[43];
    address_of("FAAS_PRIVATE_KEY=" TEST_DEV_KEY0, addr);
    CHECK_STR(addr, TEST_DEV_ADDR0);
    /* The config file's private_key_file, relative to the file. */
    char *dir = clirun_tmpdir(), cfg[600], env[700];
    REQUIRE(dir);
    REQUIRE(clirun_write(dir, "dev.key", TEST_DEV_KEY1 "\n") == 0);
    REQUIRE(clirun_write(dir, "config.json", "{\"private_key_file\": \"dev.key\"}") == 0);
    snprintf(cfg, sizeof cfg, "%s/config.json", dir);
    snprintf(env, sizeof env, "FAAS_CONFIG=%s", cfg);
    address_of(env, addr);
    CHECK_STR(addr, TEST_DEV_ADDR1);
    clirun_rmrf(dir);
    free(dir);
}

static void test_balance(void)
{
    struct test_anvil anvil;
    REQUIRE(test_anvil_start(&anvil, NULL) == 0);
    char rpc[100];
    snprintf(rpc, sizeof rpc, "FAAS_RPC_URL=%s", anvil.rpc_url);
    struct clirun r;
    const char *mine[] = { "keys", "balance", NULL }, *env[] = { rpc, "FAAS_PRIVATE_KEY=" TEST_DEV_KEY0, NULL };
    run(&r, mine, env);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "Address: " TEST_DEV_ADDR0 "\n") && strstr(r.out, "Balance: 10000 ETH\n"));
    clirun_free(&r);
    /* Any address, no key needed; JSON gives wei exactly. */
    const char *other[] = { "keys", "balance", "--json", "0x000000000000000000000000000000000000dEaD", NULL },
                *env2[] = { rpc, NULL };
    run(&r, other, env2);
    CHECK_INT(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(doc, "balance_wei")), "0");
    CHECK(json_integer_value(json_object_get(doc, "chain_id")) == 31337);
    json_decref(doc);
    clirun_free(&r);
    test_anvil_stop(&anvil);
    /* The node gone. */
    const char *gone[] = { "keys", "balance", "0x000000000000000000000000000000000000dEaD", NULL };
    run(&r, gone, env2);
    CHECK_INT(r.status, 1);
    CHECK(clirun_err_line(&r, "Error: cannot reach the Ethereum node at "));
    clirun_free(&r);
}

static void test_misuse(void)
{
    static const struct {
        const char *args[6];
        int status;
        const char *err;
    } cases[] = {
        { { "keys", NULL }, 2, "Error: keys needs new, address or balance" },
        { { "keys", "rotate", NULL }, 2, "Error: unknown keys command \"rotate\"" },
        { { "keys", "address", "0x1234", NULL }, 2, "Error: keys address takes no argument" },
        { { "keys", "address", "--output", "x.key", NULL }, 2, "Error: --output applies to keys new only" },
        { { "keys", "balance", "0x1234", NULL }, 2, "Error: invalid address \"0x1234\"" },
        { { "keys", "address", NULL }, 1, "Error: no private key" },
        { { "keys", "address", "--private-key", "0xnothex", NULL }, 1, "Error: invalid private key from --private-key" },
        { { "keys", "new", "--output", "/nonexistent-dir/k", NULL }, 1, "Error: cannot create /nonexistent-dir/k" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct clirun r;
        run(&r, cases[i].args, NULL);
        CHECK_INT(r.status, cases[i].status);
        if (!clirun_err_line(&r, cases[i].err))
            test_fail(__FILE__, __LINE__, "case %zu: expected one line starting \"%s\", got: %s", i, cases[i].err, r.err);
        CHECK(!strstr(r.err, "nothex")); /* a bad key is never echoed */
        clirun_free(&r);
    }
}

static const struct test_case cases[] = {
    TEST(new_printed),
    TEST(new_to_file),
    TEST(address_sources),
    TEST(balance),
    TEST(misuse),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
