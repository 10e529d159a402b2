/* test_args.c - the command line, the config file and its precedence, the
 * private key's sources, help and one-line errors of bin/faas-cli. */
#include "cli.h"
#include "clirun.h"
#include "test.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#define ADDR_A "0x1111111111111111111111111111111111111111"
#define ADDR_B "0x2222222222222222222222222222222222222222"
#define ADDR_C "0x3333333333333333333333333333333333333333"

static const char *const faas_env[] = { "FAAS_RPC_URL", "FAAS_WS_RPC_URL", "FAAS_PRIVATE_KEY",
                                        "FAAS_PRIVATE_KEY_FILE", "FAAS_ADDRESS", "FAAS_TASKMAILBOX_ADDRESS",
                                        "FAAS_CONFIG", "FAAS_HOME", "FAAS_TIMEOUT", "FAAS_S3_BASE_URL",
                                        "AWS_ENDPOINT_URL_S3", "FAAS_AGGREGATOR_URL", NULL };

static void clear_env(void)
{
    for (const char *const *e = faas_env; *e; e++) unsetenv(*e);
}

static cli_err parse(cli_args *a, cli_diag *d, const char *const *args)
{
    char *argv[32];
    int n = 0;
    argv[n++] = "faas-cli";
    for (; *args; args++) argv[n++] = (char *)*args;
    argv[n] = NULL;
    return cli_args_parse(a, n, argv, d);
}

static void test_parse_flags_anywhere(void)
{
    clear_env();
    cli_args a;
    cli_diag d = { 0 };
    const char *args[] = { "--rpc-url", "http://x:1", "deploy-function", "--skip-deps", "./fn",
                           "--faas-address=" ADDR_A, NULL };
    REQUIRE(parse(&a, &d, args) == CLI_OK);
    CHECK_INT(a.cmd, CLI_CMD_DEPLOY);
    CHECK_STR(a.value[CLI_FLAG_RPC_URL], "http://x:1");
    CHECK_STR(a.value[CLI_FLAG_FAAS_ADDRESS], ADDR_A);
    CHECK(a.value[CLI_FLAG_SKIP_DEPS] != NULL);
    CHECK_INT(a.n_pos, 1);
    CHECK_STR(a.pos[0], "./fn");

    /* "--" ends flags; "-" is an argument (stdin). */
    const char *args2[] = { "call-function", "--function-id", "0x01", "--", "-5", NULL };
    REQUIRE(parse(&a, &d, args2) == CLI_OK);
    CHECK_STR(a.pos[0], "-5");
    const char *args3[] = { "call-function", "--function-id", "0x01", "-", NULL };
    REQUIRE(parse(&a, &d, args3) == CLI_OK);
    CHECK_STR(a.pos[0], "-");

    /* The seed's spellings. */
    const char *args4[] = { "register-function", "--taskMailbox-address", ADDR_B, "dir", NULL };
    REQUIRE(parse(&a, &d, args4) == CLI_OK);
    CHECK_INT(a.cmd, CLI_CMD_DEPLOY);
    CHECK_STR(a.value[CLI_FLAG_TASKMAILBOX_ADDRESS], ADDR_B);

    const char *none[] = { NULL };
    REQUIRE(parse(&a, &d, none) == CLI_OK);
    CHECK_INT(a.cmd, CLI_CMD_HELP);
}

static void test_parse_errors(void)
{
    clear_env();
    static const struct {
        const char *args[6];
        const char *msg_part;
    } bad[] = {
        { { "deploy-function", "--nope", "d" }, "unknown flag --nope" },
        { { "deploy-function", "-x", "d" }, "unknown flag -x" },
        { { "config", "--function-id", "0x1" }, "does not apply to config" },
        { { "call-function", "--function-id" }, "needs a value" },
        { { "deploy-function", "--json=yes", "d" }, "takes no value" },
        { { "deploy-function", "--rpc-url", "a", "--rpc-url", "b" }, "given twice" },
        { { "deploy-function" }, "needs a function directory" },
        { { "deploy-function", "a", "b" }, "unexpected argument \"b\"" },
        { { "frobnicate" }, "unknown command \"frobnicate\"" },
        { { "task" }, "needs a task id" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cli_args a;
        cli_diag d = { 0 };
        CHECK_INT(parse(&a, &d, bad[i].args), CLI_ERR_USAGE);
        if (!strstr(d.msg, bad[i].msg_part)) test_fail(__FILE__, __LINE__, "case %zu: \"%s\"", i, d.msg);
    }
}

static void test_env_fallback_and_flag_wins(void)
{
    clear_env();
    setenv("FAAS_RPC_URL", "http://env:1", 1);
    setenv("FAAS_ADDRESS", ADDR_A, 1);
    cli_args a;
    cli_diag d = { 0 };
    const char *args[] = { "config", "--faas-address", ADDR_B, NULL };
    REQUIRE(parse(&a, &d, args) == CLI_OK);
    CHECK_STR(a.value[CLI_FLAG_RPC_URL], "http://env:1");
    CHECK(a.from_env[CLI_FLAG_RPC_URL]);
    CHECK_STR(a.origin[CLI_FLAG_RPC_URL], "FAAS_RPC_URL");
    CHECK_STR(a.value[CLI_FLAG_FAAS_ADDRESS], ADDR_B);
    CHECK(!a.from_env[CLI_FLAG_FAAS_ADDRESS]);
    clear_env();
}

/* A FAAS_HOME with config.json holding text. */
static char *home_with_config(const char *text)
{
    char *home = clirun_tmpdir();
    if (home && text) clirun_write(home, "config.json", text);
    setenv("FAAS_HOME", home, 1);
    return home;
}

static const char *devnet_config = "{\"rpc_url\": \"http://127.0.0.1:7545\", \"ws_url\": \"ws://127.0.0.1:7546\","
                                   " \"chain_id\": 31337, \"faas_address\": \"" ADDR_A "\","
                                   " \"taskmailbox_address\": \"" ADDR_B "\", \"private_key_file\": \"dev.key\","
                                   " \"aggregator_url\": \"http://127.0.0.1:9000\", \"operators\": [1, 2, 3]}";

static void test_config_precedence(void)
{
    clear_env();
    char *home = home_with_config(devnet_config);
    cli_args a;
    cli_config c;
    cli_diag d = { 0 };
    const char *plain[] = { "config", NULL };

    /* Config file over defaults; unknown members ignored. */
    REQUIRE(parse(&a, &d, plain) == CLI_OK);
    REQUIRE(cli_config_load(&c, &a, &d) == CLI_OK);
    CHECK(c.config_found);
    CHECK_STR(c.rpc_url, "http://127.0.0.1:7545");
    CHECK_STR(c.ws_url, "ws://127.0.0.1:7546");
    CHECK_STR(c.faas_address, ADDR_A);
    CHECK_STR(c.taskmailbox_address, ADDR_B);
    CHECK_INT(c.chain_id, 31337);
    CHECK_INT(c.src_rpc, CLI_SRC_CONFIG);
    CHECK_STR(c.aggregator_url, "http://127.0.0.1:9000");
    CHECK_INT(c.src_aggregator, CLI_SRC_CONFIG);
    char want_key[4096];
    snprintf(want_key, sizeof want_key, "%s/dev.key", home);
    CHECK_STR(c.private_key_file, want_key);
    cli_config_free(&c);

    /* Environment over config: another node, so the file's ws URL, chain id
     * and aggregator (which describe the file's network) no longer apply. */
    setenv("FAAS_RPC_URL", "https://rpc.example:8545", 1);
    setenv("FAAS_ADDRESS", ADDR_C, 1);
    REQUIRE(parse(&a, &d, plain) == CLI_OK);
    REQUIRE(cli_config_load(&c, &a, &d) == CLI_OK);
    CHECK_STR(c.rpc_url, "https://rpc.example:8545");
    CHECK_STR(c.ws_url, "wss://rpc.example:8545");
    CHECK(c.ws_derived);
    CHECK_INT(c.chain_id, 0);
    CHECK(c.aggregator_url == NULL);
    CHECK_STR(c.faas_address, ADDR_C);
    CHECK_INT(c.src_faas, CLI_SRC_ENV);
    CHECK_STR(c.taskmailbox_address, ADDR_B);
    cli_config_free(&c);

    /* Flags over environment. */
    setenv("FAAS_AGGREGATOR_URL", "http://env-agg:1", 1);
    const char *flagged[] = { "config", "--rpc-url", "http://flag:1", "--ws-rpc-url", "ws://flagws:2",
                              "--faas-address", ADDR_B, "--aggregator-url", "https://flag-agg:2/", NULL };
    REQUIRE(parse(&a, &d, flagged) == CLI_OK);
    REQUIRE(cli_config_load(&c, &a, &d) == CLI_OK);
    CHECK_STR(c.aggregator_url, "https://flag-agg:2/");
    CHECK_INT(c.src_aggregator, CLI_SRC_FLAG);
    CHECK_STR(c.rpc_url, "http://flag:1");
    CHECK_STR(c.ws_url, "ws://flagws:2");
    CHECK_INT(c.src_ws, CLI_SRC_FLAG);
    CHECK_STR(c.faas_address, ADDR_B);
    CHECK_INT(c.src_faas, CLI_SRC_FLAG);
    cli_config_free(&c);

    /* No file at all: defaults. */
    clear_env();
    char *empty = home_with_config(NULL);
    REQUIRE(parse(&a, &d, plain) == CLI_OK);
    REQUIRE(cli_config_load(&c, &a, &d) == CLI_OK);
    CHECK(!c.config_found);
    CHECK_STR(c.rpc_url, CLI_DEFAULT_RPC_URL);
    CHECK_STR(c.ws_url, "ws://localhost:7545");
    CHECK(c.faas_address == NULL);
    cli_config_free(&c);

    clirun_rmrf(home);
    clirun_rmrf(empty);
    free(home);
    free(empty);
    clear_env();
}

static void test_config_errors(void)
{
    static const struct {
        const char *text;
        const char *msg_part;
    } bad[] = {
        { "{\"rpc_url\": ", "not valid JSON" },
        { "[1,2]", "must hold a JSON object" },
        { "{\"rpc_url\": 5}", "\"rpc_url\" must be a non-empty string" },
        { "{\"rpc_url\": \"ftp://x\"}", "expected http:// or https://" },
        { "{\"ws_url\": \"http://x\"}", "expected ws:// or wss://" },
        { "{\"aggregator_url\": \"ws://x\"}", "invalid aggregator URL \"ws://x\" from " },
        { "{\"faas_address\": \"0x12\"}", "invalid faas_address" },
        { "{\"taskmailbox_address\": \"0xZZ22222222222222222222222222222222222222\"}", "invalid taskmailbox_address" },
        { "{\"chain_id\": \"31337\"}", "\"chain_id\" must be a positive integer" },
        /* anvil's first account with one letter's case flipped: bad EIP-55 checksum. */
        { "{\"faas_address\": \"0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266\"}", "EIP-55 checksum" },
        { "{\"a\": 1, \"a\": 2}", "not valid JSON" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clear_env();
        char *home = home_with_config(bad[i].text);
        cli_args a;
        cli_config c;
        cli_diag d = { 0 };
        const char *plain[] = { "config", NULL };
        REQUIRE(parse(&a, &d, plain) == CLI_OK);
        CHECK_INT(cli_config_load(&c, &a, &d), CLI_ERR_CONFIG);
        if (!strstr(d.msg, bad[i].msg_part)) test_fail(__FILE__, __LINE__, "case %zu: \"%s\"", i, d.msg);
        if (!strstr(d.msg, "config.json")) test_fail(__FILE__, __LINE__, "case %zu names no file: \"%s\"", i, d.msg);
        cli_config_free(&c);
        clirun_rmrf(home);
        free(home);
    }
    /* An explicitly named config file must exist. */
    clear_env();
    cli_args a;
    cli_config c;
    cli_diag d = { 0 };
    const char *named[] = { "config", "--config", "/nonexistent/faas.json", NULL };
    REQUIRE(parse(&a, &d, named) == CLI_OK);
    CHECK_INT(cli_config_load(&c, &a, &d), CLI_ERR_CONFIG);
    CHECK(strstr(d.msg, "/nonexistent/faas.json does not exist") != NULL);
    cli_config_free(&c);
    /* A bad address from a flag names the flag. */
    const char *flag[] = { "config", "--faas-address", "nope", NULL };
    REQUIRE(parse(&a, &d, flag) == CLI_OK);
    CHECK_INT(cli_config_load(&c, &a, &d), CLI_ERR_CONFIG);
    CHECK(strstr(d.msg, "--faas-address") != NULL);
    cli_config_free(&c);
}

static void test_key_sources(void)
{
    clear_env();
    char *home = home_with_config("{\"private_key_file\": \"dev.key\"}");
    clirun_write(home, "dev.key", "  0xcafe01\n");
    char flag_file[4096];
    snprintf(flag_file, sizeof flag_file, "%s/flag.key", home);
    clirun_write(home, "flag.key", "0xf1a9\n");
    cli_args a;
    cli_config c;
    cli_diag d = { 0 };
    char *hex;
    const char *where;

    const char *plain[] = { "deploy-function", "x", NULL };
    REQUIRE(parse(&a, &d, plain) == CLI_OK);
    REQUIRE(cli_config_load(&c, &a, &d) == CLI_OK);
    REQUIRE(cli_config_key_text(&hex, &where, &a, &c, &d) == CLI_OK);
    CHECK_STR(hex, "0xcafe01"); /* config's file, whitespace trimmed */
    cli_secret_free(hex);

    setenv("FAAS_PRIVATE_KEY_FILE", flag_file, 1);
    REQUIRE(parse(&a, &d, plain) == CLI_OK);
    REQUIRE(cli_config_key_text(&hex, &where, &a, &c, &d) == CLI_OK);
    CHECK_STR(hex, "0xf1a9");
    CHECK_STR(where, "FAAS_PRIVATE_KEY_FILE");
    cli_secret_free(hex);

    setenv("FAAS_PRIVATE_KEY", "0xe1111", 1); /* env key beats env key file */
    REQUIRE(parse(&a, &d, plain) == CLI_OK);
    REQUIRE(cli_config_key_text(&hex, &where, &a, &c, &d) == CLI_OK);
    CHECK_STR(hex, "0xe1111");
    cli_secret_free(hex);

    const char *with_file[] = { "deploy-function", "--private-key-file", flag_file, "x", NULL };
    REQUIRE(parse(&a, &d, with_file) == CLI_OK); /* a flag beats the environment */
    REQUIRE(cli_config_key_text(&hex, &where, &a, &c, &d) == CLI_OK);
    CHECK_STR(hex, "0xf1a9");
    CHECK_STR(where, "--private-key-file");
    cli_secret_free(hex);

    const char *both[] = { "deploy-function", "--private-key", "0x1", "--private-key-file", flag_file, "x", NULL };
    REQUIRE(parse(&a, &d, both) == CLI_OK);
    CHECK_INT(cli_config_key_text(&hex, &where, &a, &c, &d), CLI_ERR_USAGE);

    const char *missing[] = { "deploy-function", "--private-key-file", "/nonexistent/k", "x", NULL };
    REQUIRE(parse(&a, &d, missing) == CLI_OK);
    CHECK_INT(cli_config_key_text(&hex, &where, &a, &c, &d), CLI_ERR_KEY);
    CHECK(strstr(d.msg, "/nonexistent/k") != NULL);
    cli_config_free(&c);

    clear_env();
    char *empty = home_with_config(NULL);
    REQUIRE(parse(&a, &d, plain) == CLI_OK);
    REQUIRE(cli_config_load(&c, &a, &d) == CLI_OK);
    CHECK_INT(cli_config_key_text(&hex, &where, &a, &c, &d), CLI_ERR_KEY);
    CHECK(strstr(d.msg, "FAAS_PRIVATE_KEY") != NULL);
    cli_config_free(&c);
    clirun_rmrf(home);
    clirun_rmrf(empty);
    free(home);
    free(empty);
    clear_env();
}

static void test_help_on_every_command(void)
{
    static const char *const cmds[] = { "deploy-function", "package", "call-function", "config", "get-function",
                                        "list-functions", "task", "invoke", "help", "version" };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        struct clirun r;
        const char *args[] = { cmds[i], "--help", NULL };
        REQUIRE(clirun(&r, args, NULL, NULL, 0, NULL) == 0);
        CHECK_INT(r.status, 0);
        char want[128];
        /* `help --help` is the overview. */
        snprintf(want, sizeof want, "Usage: faas-cli %s", strcmp(cmds[i], "help") ? cmds[i] : "<command>");
        if (!strstr(r.out, want)) test_fail(__FILE__, __LINE__, "%s --help lacks \"%s\"", cmds[i], want);
        clirun_free(&r);
    }
    struct clirun r;
    const char *args[] = { "help", "call-function", NULL };
    REQUIRE(clirun(&r, args, NULL, NULL, 0, NULL) == 0);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "--function-id") != NULL);
    clirun_free(&r);
    const char *top[] = { NULL };
    REQUIRE(clirun(&r, top, NULL, NULL, 0, NULL) == 0);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "deploy-function") && strstr(r.out, "FAAS_PRIVATE_KEY"));
    clirun_free(&r);
}

/* Every error is one line on stderr with a non-zero status; --json puts it
 * in the document instead. */
static void test_errors_are_one_line(void)
{
    struct clirun r;
    const char *args[] = { "deploy-function", "--bogus", "x", NULL };
    REQUIRE(clirun(&r, args, NULL, NULL, 0, NULL) == 0);
    CHECK_INT(r.status, 2);
    CHECK_STR(r.err, "Error: unknown flag --bogus (see faas-cli --help)\n");
    CHECK_INT(r.out_len, 0);
    clirun_free(&r);

    const char *env[] = { "FAAS_HOME=/nonexistent-home", "FAAS_ADDRESS=0xnot-an-address", NULL };
    const char *cfg[] = { "config", "--json", NULL };
    REQUIRE(clirun(&r, cfg, env, NULL, 0, NULL) == 0);
    CHECK_INT(r.status, 1);
    json_error_t je;
    json_t *doc = json_loads(r.out, 0, &je);
    REQUIRE(doc != NULL);
    CHECK_STR(json_string_value(json_object_get(doc, "code")), "config");
    CHECK(strstr(json_string_value(json_object_get(doc, "error")), "FAAS_ADDRESS") != NULL);
    json_decref(doc);
    clirun_free(&r);
}

static void test_config_command(void)
{
    clear_env();
    char *home = home_with_config(devnet_config);
    char env_home[4200];
    snprintf(env_home, sizeof env_home, "FAAS_HOME=%s", home);
    const char *env[] = { env_home, "FAAS_TASKMAILBOX_ADDRESS=" ADDR_C, NULL };
    const char *args[] = { "config", NULL };
    struct clirun r;
    REQUIRE(clirun(&r, args, env, NULL, 0, NULL) == 0);
    CHECK_INT(r.status, 0);
    char line[256];
    CHECK_STR(clirun_line(r.out, "RPC URL:", line, sizeof line), "RPC URL: http://127.0.0.1:7545");
    CHECK_STR(clirun_line(r.out, "WebSocket RPC URL:", line, sizeof line), "WebSocket RPC URL: ws://127.0.0.1:7546");
    CHECK_STR(clirun_line(r.out, "TaskMailbox Address:", line, sizeof line), "TaskMailbox Address: " ADDR_C);
    CHECK_STR(clirun_line(r.out, "FaaS Address:", line, sizeof line), "FaaS Address: " ADDR_A);
    CHECK_STR(clirun_line(r.out, "Chain ID:", line, sizeof line), "Chain ID: 31337");
    CHECK_STR(clirun_line(r.out, "Aggregator URL:", line, sizeof line), "Aggregator URL: http://127.0.0.1:9000");
    char want[4300];
    snprintf(want, sizeof want, "Config file: %s/config.json", home);
    CHECK_STR(clirun_line(r.out, "Config file:", line, sizeof line), want);
    CHECK(strstr(r.out, "TaskMailbox Address from environment") != NULL);
    clirun_free(&r);
    clirun_rmrf(home);
    free(home);
    clear_env();
}

/* Without a chain id in the config file, `config` asks the node, and says
 * so plainly when the node does not answer. */
static void test_config_asks_node_for_chain_id(void)
{
    struct test_anvil anvil;
    REQUIRE(test_anvil_start(&anvil, NULL) == 0);
    const char *env[] = { "FAAS_HOME=/nonexistent-home", NULL };
    const char *args[] = { "config", "--rpc-url", anvil.rpc_url, "--json", NULL };
    struct clirun r;
    REQUIRE(clirun(&r, args, env, NULL, 0, NULL) == 0);
    CHECK_INT(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    REQUIRE(doc);
    CHECK_INT(json_integer_value(json_object_get(doc, "chain_id")), 31337);
    CHECK_STR(json_string_value(json_object_get(json_object_get(doc, "sources"), "chain_id")), "node");
    CHECK_STR(json_string_value(json_object_get(doc, "ws_url")), anvil.ws_url);
    json_decref(doc);
    clirun_free(&r);
    test_anvil_stop(&anvil);

    const char *down[] = { "config", "--rpc-url", anvil.rpc_url, NULL };
    REQUIRE(clirun(&r, down, env, NULL, 0, NULL) == 0);
    CHECK_INT(r.status, 0);
    char line[256];
    CHECK_STR(clirun_line(r.out, "Chain ID:", line, sizeof line), "Chain ID: unknown (the RPC URL does not answer)");
    clirun_free(&r);
}

/* A key on the command line is erased from argv at start, so `ps` and
 * /proc/<pid>/cmdline no longer show it while the command runs (here: while
 * call-function waits for its input on stdin). */
static void test_private_key_hidden_from_ps(void)
{
    int in[2];
    REQUIRE(pipe(in) == 0);
    char exe[4200];
    snprintf(exe, sizeof exe, "%s/faas-cli", test_bin_dir());
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        close(in[1]);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        execl(exe, "faas-cli", "call-function", "--private-key", TEST_DEV_KEY1, "--function-id",
              "0x00000000000000000000000000000000000000000000000000000000000000aa", "-", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    char path[64], cmdline[4096];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    int hidden = 0;
    for (int i = 0; i < 100 && !hidden; i++) {
        usleep(20000);
        FILE *f = fopen(path, "rb");
        size_t n = f ? fread(cmdline, 1, sizeof cmdline - 1, f) : 0;
        if (f) fclose(f);
        for (size_t k = 0; k < n; k++)
            if (!cmdline[k]) cmdline[k] = ' ';
        cmdline[n] = 0;
        /* Started (the function id is there) and the key gone. */
        const char *key = TEST_DEV_KEY1;
        hidden = strstr(cmdline, "--function-id") && !strstr(cmdline, key + 2); /* without "0x" */
    }
    CHECK(hidden);
    close(in[1]);
    waitpid(pid, NULL, 0);
}

static const struct test_case cases[] = {
    TEST(private_key_hidden_from_ps),
    TEST(config_asks_node_for_chain_id),
    TEST(parse_flags_anywhere), TEST(parse_errors),  TEST(env_fallback_and_flag_wins),
    TEST(config_precedence),    TEST(config_errors), TEST(key_sources),
    TEST(help_on_every_command), TEST(errors_are_one_line), TEST(config_command),
};
int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
