/* test.h - the small test harness every C test in the repo uses.
 *
 * A test file defines `static void test_<name>(void)` functions and a table:
 *
 *     static const struct test_case cases[] = { TEST(hex_roundtrip), TEST(rlp_wiki) };
 *     int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
 *
 * `test_main` runs every case (or those whose name contains argv[1]), prints
 * one line per case and a closing "N passed, N failed" line, and exits 1 if any
 * CHECK failed. A failed CHECK prints file:line and the expression and goes on,
 * so one run shows every broken assertion. Randomised tests draw from
 * test_rand*(), seeded from TEST_SEED (printed at start) so failures replay.
 *
 * Services: test_anvil_start() starts a real anvil on a free loopback port and
 * test_anvil_stop() kills it; test_spawn() starts any program the same way.
 */
#ifndef FAAS_TEST_H
#define FAAS_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

struct test_case {
    const char *name;
    void (*fn)(void);
};
#define TEST(name) { #name, test_##name }
#define TEST_COUNT(arr) (sizeof(arr) / sizeof((arr)[0]))

int test_main(const struct test_case *cases, size_t n, int argc, char **argv);

/* Count of failed checks in the running case; test_fail() records one. */
extern int test_failures;
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define CHECK(cond) \
    do { if (!(cond)) test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); } while (0)
#define CHECK_INT(a, b) \
    do { long long a_ = (long long)(a), b_ = (long long)(b); \
         if (a_ != b_) test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, a_, #b, b_); } while (0)
#define CHECK_STR(a, b) \
    do { const char *a_ = (a), *b_ = (b); \
         if (!a_ || !b_ || strcmp(a_, b_) != 0) \
             test_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
#define CHECK_MEM(a, b, n) \
    do { if (memcmp((a), (b), (n)) != 0) test_fail(__FILE__, __LINE__, "memory %s != %s (%zu bytes)", #a, #b, (size_t)(n)); } while (0)
/* Stops the running case (after recording the failure) when a precondition fails. */
#define REQUIRE(cond) \
    do { if (!(cond)) { test_fail(__FILE__, __LINE__, "REQUIRE(%s)", #cond); return; } } while (0)

/* Deterministic PRNG (xoshiro256**) seeded from TEST_SEED or the clock. */
uint64_t test_rand64(void);
void test_rand_bytes(void *out, size_t n);

/* Path helpers: FAAS_ROOT (repo root) and FAAS_BIN_DIR (our programs), set by ctest. */
const char *test_root(void);
const char *test_bin_dir(void);

/* A free TCP port on 127.0.0.1 (svc_port_pick), or -1. */
int test_free_port(void);
/* Waits until 127.0.0.1:port accepts a connection; 0 on success, -1 on timeout. */
int test_wait_port(int port, int timeout_ms);
/* Starts argv[0] (searched in PATH) with stdout+stderr appended to log_path
 * (NULL: inherited), in its own process group. Returns the pid or -1. */
pid_t test_spawn(char *const argv[], const char *log_path);
/* SIGTERM (then SIGKILL after 3 s) to the process group of pid, and reaps it. */
void test_kill(pid_t pid);

/* A real anvil on a free port; 10 funded dev accounts (anvil's default mnemonic). */
struct test_anvil {
    pid_t pid;
    int port;
    char rpc_url[64];   /* http://127.0.0.1:<port> */
    char ws_url[64];    /* ws://127.0.0.1:<port> */
};
/* extra_args: NULL-terminated extra anvil flags, or NULL. Returns 0 or -1. */
int test_anvil_start(struct test_anvil *a, const char *const *extra_args);
void test_anvil_stop(struct test_anvil *a);

/* anvil's first dev account (deterministic from its default mnemonic). */
#define TEST_DEV_KEY0 "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define TEST_DEV_ADDR0 "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
#define TEST_DEV_KEY1 "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
#define TEST_DEV_ADDR1 "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"

#endif
