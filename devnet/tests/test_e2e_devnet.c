/* test_e2e_devnet.c - faas-devnet's own commands with two devnets side by
 * side (different ports and FAAS_HOMEs, one operator each): status and logs
 * of each; a second `up` from a FAAS_HOME whose devnet runs, or on a port in
 * use, is refused; the CLI config has every documented member; `down` of
 * one stops exactly its own processes while the other goes on serving
 * calls; `down` of a stopped devnet is an error. */
#include "e2e.h"
#include "test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static e2e_net a, b;
static int up;
static char out[1 << 16];

static const char *const services[] = { "anvil", "miner", "operator-1", "aggregator" };
#define N_SERVICES (sizeof services / sizeof services[0])

static void setup(void)
{
    if (up) return;
    up = e2e_up(&a, "--operators 1") == 0 && e2e_up(&b, "--operators 1") == 0 ? 1 : -1;
}

/* Runs, and is not a zombie (a stopped service's parent, init, may not have
 * reaped it yet). */
static int alive(pid_t pid)
{
    char p[64], buf[256] = "";
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    FILE *f = pid > 0 ? fopen(p, "r") : NULL;
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *r = strrchr(buf, ')');
    return r && r[1] == ' ' && r[2] != 'Z' && r[2] != 'X';
}

static void test_status_and_logs(void)
{
    setup();
    REQUIRE(up == 1);
    CHECK_INT(e2e_devnet_run(a.home, "status", out, sizeof out), 0);
    CHECK(strstr(out, "devnet running") != NULL);
    CHECK(strstr(out, a.rpc_url) != NULL);
    CHECK(strstr(out, b.rpc_url) == NULL);
    /* One line per service: name, pid, running, health. */
    for (size_t i = 0; i < N_SERVICES; i++) {
        char line[128];
        snprintf(line, sizeof line, "%-12s pid %-7d running ", services[i], (int)e2e_pid(&a, services[i]));
        if (!strstr(out, line)) test_fail(__FILE__, __LINE__, "status lacks \"%s\": %s", line, out);
    }
    CHECK(strstr(out, "unhealthy") == NULL);
    CHECK(strstr(out, "healthy   http://127.0.0.1:") != NULL);

    CHECK_INT(e2e_devnet_run(a.home, "logs aggregator", out, sizeof out), 0);
    CHECK(strncmp(out, "[aggregator] ", 13) == 0);
    CHECK(strstr(out, "[operator-1]") == NULL);
    CHECK_INT(e2e_devnet_run(a.home, "logs miner", out, sizeof out), 0);
    CHECK(strstr(out, "[miner] ") && strstr(out, "\"miner started\""));
    CHECK_INT(e2e_devnet_run(a.home, "logs nosuch", out, sizeof out), 1);
    CHECK(strstr(out, "no service nosuch") != NULL);
}

static void test_second_up_refused(void)
{
    setup();
    REQUIRE(up == 1);
    CHECK_INT(e2e_devnet_run(a.home, "up --detach --operators 1 --port 1", out, sizeof out), 1);
    CHECK(strstr(out, "a devnet is already running") && strstr(out, a.home));
    /* Another FAAS_HOME on b's port. */
    char home[300], args[64];
    snprintf(home, sizeof home, "%s-other", a.home);
    snprintf(args, sizeof args, "up --detach --port %d", b.port);
    CHECK_INT(e2e_devnet_run(home, args, out, sizeof out), 1);
    char want[64];
    snprintf(want, sizeof want, "port %d is in use", b.port);
    if (!strstr(out, want)) test_fail(__FILE__, __LINE__, "expected \"%s\" in: %s", want, out);
    CHECK(access(home, F_OK) != 0); /* nothing written for a refused up */
}

static void test_cli_config(void)
{
    setup();
    REQUIRE(up == 1);
    char p[400];
    snprintf(p, sizeof p, "%s/config.json", a.home);
    json_t *c = json_load_file(p, 0, NULL);
    REQUIRE(c);
    CHECK_STR(json_string_value(json_object_get(c, "rpc_url")), a.rpc_url);
    CHECK_STR(json_string_value(json_object_get(c, "ws_url")), a.ws_url);
    CHECK(json_integer_value(json_object_get(c, "chain_id")) == 31337);
    CHECK_STR(json_string_value(json_object_get(c, "aggregator_url")), a.aggregator_url);
    eth_address faas, mailbox;
    CHECK(eth_address_parse(&faas, json_string_value(json_object_get(c, "faas_address"))) == ETH_OK &&
          memcmp(&faas, &a.faas, sizeof faas) == 0);
    CHECK(eth_address_parse(&mailbox, json_string_value(json_object_get(c, "taskmailbox_address"))) == ETH_OK &&
          memcmp(&mailbox, &a.mailbox, sizeof mailbox) == 0);
    /* The dev key file, relative to FAAS_HOME, readable by its owner only. */
    snprintf(p, sizeof p, "%s/%s", a.home, json_string_value(json_object_get(c, "private_key_file")));
    struct stat st;
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0077) == 0);
    json_decref(c);
}

/* down of a stops its processes only; b still verifies a call. */
static void test_down_stops_only_its_own(void)
{
    setup();
    REQUIRE(up == 1);
    pid_t pa[N_SERVICES], pb[N_SERVICES];
    for (size_t i = 0; i < N_SERVICES; i++) {
        pa[i] = e2e_pid(&a, services[i]);
        pb[i] = e2e_pid(&b, services[i]);
        CHECK(alive(pa[i]) && alive(pb[i]));
    }
    CHECK_INT(e2e_devnet_run(a.home, "down", out, sizeof out), 0);
    CHECK(strstr(out, "stopping anvil") && strstr(out, "stopping miner") && strstr(out, "stopping aggregator"));
    for (size_t i = 0; i < N_SERVICES; i++) {
        if (alive(pa[i])) test_fail(__FILE__, __LINE__, "%s of the first devnet still runs", services[i]);
        if (!alive(pb[i])) test_fail(__FILE__, __LINE__, "%s of the second devnet was stopped", services[i]);
    }
    CHECK_INT(e2e_devnet_run(a.home, "status", out, sizeof out), 1);
    CHECK(strstr(out, "devnet stopped") != NULL);
    CHECK_INT(e2e_devnet_run(a.home, "down", out, sizeof out), 1);
    CHECK(strstr(out, "no devnet runs from") != NULL);

    char dir[512];
    uint8_t id[32], task[32];
    uint64_t block;
    REQUIRE(e2e_write_js(&b, "still", "exports.handler = async (x) => ({ still: x });\n", dir, sizeof dir) == 0);
    REQUIRE(e2e_register_dir(&b, dir, id) == 0);
    REQUIRE(e2e_call(&b, id, "\"here\"", task, &block) == 0);
    CHECK_INT(e2e_wait_status(&b, task, 2, 20000), 0);
}

static void test_zz_down(void)
{
    if (up == 1) {
        e2e_down(&a);
        e2e_down(&b);
    }
    up = 0;
}

static const struct test_case cases[] = {
    TEST(status_and_logs),
    TEST(second_up_refused),
    TEST(cli_config),
    TEST(down_stops_only_its_own),
    TEST(zz_down),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
