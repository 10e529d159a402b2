/* test.c - see test.h. */
#include "test.h"

#include "svc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int test_failures;
static const char *current_case;

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "  FAIL %s: %s:%d: ", current_case ? current_case : "?", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    test_failures++;
}

static uint64_t rng_state[4];

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t test_rand64(void)
{
    /* xoshiro256** (Blackman, Vigna 2018). */
    uint64_t *s = rng_state, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return r;
}

void test_rand_bytes(void *out, size_t n)
{
    uint8_t *p = out;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t r = test_rand64();
        size_t k = n - i < 8 ? n - i : 8;
        memcpy(p + i, &r, k);
    }
}

static void seed_rng(void)
{
    const char *env = getenv("TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    printf("TEST_SEED=%llu\n", (unsigned long long)seed);
    for (int i = 0; i < 4; i++) { /* splitmix64 to spread the seed */
        uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        rng_state[i] = z ^ (z >> 31);
    }
}

int test_main(const struct test_case *cases, size_t n, int argc, char **argv)
{
    int passed = 0, failed = 0;
    const char *filter = argc > 1 ? argv[1] : NULL;
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    seed_rng();
    for (size_t i = 0; i < n; i++) {
        if (filter && !strstr(cases[i].name, filter)) continue;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        current_case = cases[i].name;
        test_failures = 0;
        cases[i].fn();
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
        printf("%s %s (%.0f ms)\n", test_failures ? "FAIL" : "ok  ", cases[i].name, ms);
        if (test_failures) failed++; else passed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

const char *test_root(void)
{
    const char *r = getenv("FAAS_ROOT");
    return r ? r : ".";
}

const char *test_bin_dir(void)
{
    const char *b = getenv("FAAS_BIN_DIR");
    return b ? b : "bin";
}

int test_free_port(void)
{
    unsigned p = svc_port_pick();
    return p ? (int)p : -1;
}

int test_wait_port(int port, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
        if (fd >= 0) close(fd);
        if (ok) return 0;
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return -1;
}

pid_t test_spawn(char *const argv[], const char *log_path)
{
    pid_t pid = fork();
    if (pid != 0) return pid;
    setpgid(0, 0);
    if (log_path) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0) { dup2(fd, 1); dup2(fd, 2); }
    }
    execvp(argv[0], argv);
    fprintf(stderr, "test_spawn: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

void test_kill(pid_t pid)
{
    if (pid <= 0) return;
    kill(-pid, SIGTERM);
    for (int i = 0; i < 150; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid) return;
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

int test_anvil_start(struct test_anvil *a, const char *const *extra_args)
{
    char port[16], *argv[32];
    int n = 0;
    memset(a, 0, sizeof *a);
    a->port = test_free_port();
    if (a->port < 0) return -1;
    snprintf(port, sizeof port, "%d", a->port);
    argv[n++] = "anvil";
    argv[n++] = "--host";
    argv[n++] = "127.0.0.1";
    argv[n++] = "--port";
    argv[n++] = port;
    argv[n++] = "--silent";
    for (; extra_args && *extra_args && n < 30; extra_args++) argv[n++] = (char *)*extra_args;
    argv[n] = NULL;
    a->pid = test_spawn(argv, NULL);
    if (a->pid < 0 || test_wait_port(a->port, 15000) != 0) {
        test_kill(a->pid);
        a->pid = 0;
        return -1;
    }
    snprintf(a->rpc_url, sizeof a->rpc_url, "http://127.0.0.1:%d", a->port);
    snprintf(a->ws_url, sizeof a->ws_url, "ws://127.0.0.1:%d", a->port);
    return 0;
}

void test_anvil_stop(struct test_anvil *a)
{
    test_kill(a->pid);
    a->pid = 0;
}
