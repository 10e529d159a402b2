/* The sandbox from the inside. This test binary starts itself with
 * sandbox_spawn (as a performer starts a zygote) in "--inside <mode>", where
 * it looks at its root and, acting as the zygote, forks sandboxed children
 * with sandbox_fork that probe their own limits: files they must not see or
 * write, syscalls they must not make, the network, other invocations'
 * leftovers, memory and process caps. Every probe reports one line,
 * "ok <name>" or "FAIL <name>: <why>", which the outer test collects. */
#include "sandbox.h"
#include "test.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Inside: probes                                                             */

static int out_fd = 1;

__attribute__((format(printf, 3, 4)))
static void report(int ok, const char *name, const char *fmt, ...)
{
    char why[256] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    dprintf(out_fd, ok ? "ok %s\n" : "FAIL %s: %s\n", name, why);
}

#define PROBE(name, cond, ...) report(!!(cond), name, __VA_ARGS__)

static int fails_with(long r, int err)
{
    return r < 0 && errno == err;
}

/* n bytes of path from one open; how many came before EOF or an error. */
static size_t read_path(const char *path, uint8_t *buf, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t got = 0;
    for (ssize_t r = 1; fd >= 0 && got < n && r > 0; got += r > 0 ? (size_t)r : 0) r = read(fd, buf + got, n - got);
    if (fd >= 0) close(fd);
    return got;
}

static void probe_root(void)
{
    char host[64] = "";
    gethostname(host, sizeof host);
    PROBE("hostname", strcmp(host, SANDBOX_HOSTNAME) == 0, "hostname %s", host);
    PROBE("pid 1", getpid() == 1, "pid %d", (int)getpid());
    PROBE("no /etc/shadow", fails_with(access("/etc/shadow", F_OK), ENOENT), "errno %d", errno);
    PROBE("no /home", fails_with(access("/home", F_OK), ENOENT), "errno %d", errno);
    PROBE("no /root", fails_with(access("/root", F_OK), ENOENT), "errno %d", errno);
    PROBE("no host /tmp", fails_with(access("/tmp/.X11-unix", F_OK), ENOENT) || errno == ENOENT, "errno %d", errno);
    PROBE("usr readable", access("/usr/bin/env", X_OK) == 0, "errno %d", errno);
    PROBE("usr read-only", fails_with(open("/usr/faas-test", O_CREAT | O_WRONLY, 0644), EROFS), "errno %d", errno);
    PROBE("root read-only", fails_with(mkdir("/x", 0755), EROFS), "errno %d", errno);
    FILE *f = fopen("/etc/passwd", "r");
    char line[128] = "";
    if (f) {
        fgets(line, sizeof line, f);
        fclose(f);
    }
    PROBE("own passwd", strncmp(line, "root:x:0:0:root:/root:/usr/sbin/nologin", 39) == 0, "%s", line);
    PROBE("bundles visible to the zygote", access("/.bundles/b1/hello.txt", R_OK) == 0, "errno %d", errno);
    int fd = open("/dev/null", O_WRONLY);
    PROBE("dev null", fd >= 0 && write(fd, "x", 1) == 1, "errno %d", errno);
    if (fd >= 0) close(fd);
}

static void probe_invocation(int port)
{
    PROBE("pid 1", getpid() == 1, "pid %d", (int)getpid());
    uint8_t rnd[16];
    PROBE("urandom without a seed: the runtime's", read_path("/dev/urandom", rnd, sizeof rnd) == sizeof rnd, "errno %d", errno);
    PROBE("uid nobody", getuid() == SANDBOX_UID && geteuid() == SANDBOX_UID && getgid() == SANDBOX_GID, "uid %d", (int)getuid());
    char cwd[64] = "";
    PROBE("cwd", getcwd(cwd, sizeof cwd) && strcmp(cwd, "/var/task") == 0, "%s", cwd);
    PROBE("bundle readable", access("/var/task/hello.txt", R_OK) == 0, "errno %d", errno);
    PROBE("bundle read-only", open("/var/task/new", O_CREAT | O_WRONLY, 0644) < 0 && (errno == EROFS || errno == EACCES),
          "errno %d", errno);
    PROBE("other bundles hidden", fails_with(access("/.bundles/b2", F_OK), ENOENT), "errno %d", errno);
    PROBE("no /etc/shadow", fails_with(open("/etc/shadow", O_RDONLY), ENOENT), "errno %d", errno);
    int fd = open("/tmp/left-behind", O_CREAT | O_EXCL | O_WRONLY, 0644);
    PROBE("tmp writable", fd >= 0 && write(fd, "x", 1) == 1, "errno %d", errno);
    if (fd >= 0) close(fd);
    PROBE("ptrace refused", fails_with(ptrace(PTRACE_TRACEME, 0, NULL, NULL), EPERM), "errno %d", errno);
    PROBE("unshare refused", fails_with(unshare(CLONE_NEWUSER), EPERM), "errno %d", errno);
    PROBE("mount refused", fails_with(mount("none", "/tmp", "tmpfs", 0, NULL), EPERM), "errno %d", errno);
    PROBE("clone with namespaces refused", fails_with(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0), EPERM),
          "errno %d", errno);
    PROBE("clone3 hidden", fails_with(syscall(SYS_clone3, NULL, 0), ENOSYS), "errno %d", errno);
    PROBE("packet sockets refused", fails_with(socket(AF_PACKET, SOCK_RAW, 0), EAFNOSUPPORT), "errno %d", errno);
    PROBE("keyring refused", fails_with(syscall(SYS_keyctl, 0, 0, 0, 0, 0), EPERM), "errno %d", errno);
    PROBE("process_vm_readv refused", fails_with(syscall(SYS_process_vm_readv, 1, NULL, 0, NULL, 0, 0), EPERM), "errno %d", errno);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    PROBE("host loopback unreachable", s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof sa) != 0, "connected to host port %d", port);
    if (s >= 0) close(s);
    PROBE("kill(-1) reaches nobody", fails_with(kill(-1, SIGKILL), ESRCH), "errno %d", errno);
    int procs = 0;
    DIR *d = opendir("/proc");
    for (struct dirent *de; d && (de = readdir(d));)
        if (de->d_name[0] >= '1' && de->d_name[0] <= '9') procs++;
    if (d) closedir(d);
    PROBE("alone in /proc", procs == 1, "%d processes", procs);
    char status[4096] = "";
    fd = open("/proc/self/status", O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, status, sizeof status - 1);
        status[n > 0 ? n : 0] = '\0';
        close(fd);
    }
    PROBE("no capabilities", strstr(status, "CapEff:\t0000000000000000") && strstr(status, "CapBnd:\t0000000000000000"), "%s", "caps");
    PROBE("seccomp on", strstr(status, "Seccomp:\t2") != NULL, "%s", "mode");
    PROBE("no_new_privs", strstr(status, "NoNewPrivs:\t1") != NULL, "%s", "flag");
    struct rlimit rl;
    PROBE("open files limited", getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max == 64, "%llu", (unsigned long long)rl.rlim_max);
    PROBE("cpu limited", getrlimit(RLIMIT_CPU, &rl) == 0 && rl.rlim_max == 3, "%llu", (unsigned long long)rl.rlim_max);
}

/* The seeds of the random-stream jobs: chosen by the test, inherited. */
static uint8_t seeds[2][32];

/* With a seed, /dev/urandom and /dev/random are one stream: the first
 * SANDBOX_RANDOM_BYTES of the seed's ChaCha20 keystream, computed here by
 * OpenSSL (EVP_chacha20: iv = 32-bit counter || 96-bit nonce, all zero). */
static void probe_random_stream(int which)
{
    uint8_t buf[8];
    PROBE("getrandom hidden", fails_with(syscall(SYS_getrandom, buf, sizeof buf, 0), ENOSYS), "errno %d", errno);
    static uint8_t got[SANDBOX_RANDOM_BYTES], want[SANDBOX_RANDOM_BYTES], zeros[SANDBOX_RANDOM_BYTES];
    size_t n = read_path("/dev/urandom", got, 100);
    n += read_path("/dev/random", got + n, 100);
    /* A process without the child's fds (a program run with close_fds) reads on. */
    pid_t pid = fork();
    if (pid == 0) {
        syscall(SYS_close_range, 3u, ~0u, 0);
        _exit(read_path("/dev/urandom", got + n, 100) == 100 ? 0 : 1);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    PROBE("a process without the child's fds reads it", pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %x", st);
    n += 100; /* what that process took */
    n += read_path("/dev/urandom", got + n, sizeof got - n);
    uint8_t iv[16] = {0};
    int len = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int ok = c && EVP_EncryptInit_ex(c, EVP_chacha20(), NULL, seeds[which], iv) == 1 &&
             EVP_EncryptUpdate(c, want, &len, zeros, sizeof zeros) == 1 && len == (int)sizeof want;
    EVP_CIPHER_CTX_free(c);
    PROBE("the stream is the seed's ChaCha20 keystream, across opens", ok && memcmp(got, want, 200) == 0, "%d", ok);
    PROBE("the stream holds SANDBOX_RANDOM_BYTES", n == SANDBOX_RANDOM_BYTES && memcmp(got + 300, want + 300, n - 300) == 0,
          "%zu bytes", n);
    int fd = open("/dev/urandom", O_RDONLY | O_NONBLOCK);
    PROBE("past its end a read waits", fd >= 0 && fails_with(read(fd, buf, 1), EAGAIN), "errno %d", errno);
    if (fd >= 0) close(fd);
    PROBE("read-only", fails_with(open("/dev/urandom", O_WRONLY | O_NONBLOCK), EACCES) || errno == EROFS, "errno %d", errno);
    PROBE("gone from /tmp", fails_with(access("/tmp/.urandom", F_OK), ENOENT), "errno %d", errno);
}

static void probe_fresh_tmp(void)
{
    PROBE("tmp is fresh", fails_with(access("/tmp/left-behind", F_OK), ENOENT), "errno %d", errno);
    PROBE("own bundle", access("/var/task/secret.txt", R_OK) == 0 && access("/var/task/hello.txt", F_OK) != 0, "errno %d", errno);
}

static void probe_network_allowed(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    PROBE("host loopback reachable when allowed", s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof sa) == 0, "errno %d", errno);
    if (s >= 0) close(s);
    PROBE("no AF_UNIX sockets on the host network", fails_with(socket(AF_UNIX, SOCK_STREAM, 0), EPERM), "errno %d", errno);
    int sv[2];
    PROBE("socketpair still works", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "errno %d", errno);
}

static void probe_memory_hog(void)
{
    /* 64 MiB touched under a 32 MiB limit: the OOM killer ends this. */
    for (int i = 0; i < 64; i++) {
        char *p = malloc(1 << 20);
        if (p) memset(p, i, 1 << 20);
    }
    report(0, "memory limit", "survived 64 MiB");
}

static void probe_fork_bomb(void)
{
    int ok = 0;
    for (int i = 0; i < 20; i++) {
        pid_t p = fork();
        if (p == 0) {
            pause();
            _exit(0);
        }
        if (p > 0) ok++;
    }
    PROBE("process limit", ok > 0 && ok < 20, "%d of 20 forks succeeded", ok);
}

static char diag[1024]; /* what the last child wrote to its fds 1 and 2 */
static const uint8_t *job_seed; /* the next job's random_seed */

/* As a zygote: runs probe in a sandboxed child and relays its lines.
 * Returns the child's wait status. */
static int run_job(const sandbox_ctx *ctx, const char *bundle, const int *cg, uint64_t memory, void (*probe)(int), int arg)
{
    int res[2], dg[2], devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (pipe2(res, O_CLOEXEC) != 0 || pipe2(dg, O_CLOEXEC) != 0 || devnull < 0) return -1;
    int close_fds[] = {res[0], dg[0]};
    sandbox_job job = {.bundle = bundle, .fds = {devnull, dg[1], dg[1], res[1]}, .cgroup = cg, .close_fds = close_fds,
                       .n_close_fds = 2,
                       .limits = {.cpu_seconds = 3, .open_files = 64, .tmp_bytes = 1 << 20, .procs = 8, .memory_bytes = memory},
                       .random_seed = job_seed};
    int pidfd;
    pid_t pid = sandbox_fork(ctx, &job, &pidfd);
    if (pid == 0) {
        out_fd = 3;
        probe(arg);
        _exit(0);
    }
    close(res[1]);
    close(dg[1]);
    close(devnull);
    char buf[4096];
    for (ssize_t n; (n = read(res[0], buf, sizeof buf)) > 0;) {
        ssize_t w = write(1, buf, (size_t)n);
        (void)w;
    }
    ssize_t n = read(dg[0], diag, sizeof diag - 1);
    diag[n > 0 ? n : 0] = '\0';
    close(res[0]);
    close(dg[0]);
    int st = -1;
    if (pid > 0) {
        waitpid(pid, &st, 0);
        close(pidfd);
    } else {
        report(0, "sandbox_fork", "errno %d", errno);
    }
    return st;
}

static void call_root(int arg) { (void)arg; probe_root(); }
static void call_invocation(int port) { probe_invocation(port); }
static void call_fresh(int arg) { (void)arg; probe_fresh_tmp(); }
static void call_network(int port) { probe_network_allowed(port); }
static void call_memory(int arg) { (void)arg; probe_memory_hog(); }
static void call_forks(int arg) { (void)arg; probe_fork_bomb(); }
static void call_random(int which) { probe_random_stream(which); }

static int inside(const char *mode, int port)
{
    sandbox_ctx *ctx = NULL;
    char detail[SANDBOX_DETAIL_MAX] = "";
    if (strcmp(mode, "root") == 0) {
        call_root(0);
        return 0;
    }
    if (sandbox_ctx_new(&ctx, strcmp(mode, "network") == 0, detail) != SANDBOX_OK) {
        report(0, "sandbox_ctx_new", "%s", detail);
        return 1;
    }
    if (strcmp(mode, "jobs") == 0) {
        int st = run_job(ctx, "b1", NULL, 0, call_invocation, port);
        PROBE("child exits cleanly", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %x", st);
        run_job(ctx, "b2", NULL, 0, call_fresh, 0);
        st = run_job(ctx, "missing", NULL, 0, call_fresh, 0);
        PROBE("missing bundle fails setup", WIFEXITED(st) && WEXITSTATUS(st) == SANDBOX_EXIT_SETUP, "status %x", st);
        PROBE("setup failure says why", strstr(diag, "sandbox: bind /.bundles/missing: ENOENT") != NULL, "%s", diag);
        for (int k = 0; k < 2; k++) {
            memset(seeds[k], 0x5a + k, 32);
            job_seed = seeds[k];
            st = run_job(ctx, "b1", NULL, 0, call_random, k);
            PROBE("random-stream child exits cleanly", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %x %s", st, diag);
        }
        job_seed = NULL;
        int pidfd;
        sandbox_job bad = {.bundle = "../b1", .limits = {.cpu_seconds = 1, .open_files = 8, .tmp_bytes = 1, .procs = 1}};
        PROBE("bad bundle name refused", sandbox_fork(ctx, &bad, &pidfd) < 0 && errno == EINVAL, "errno %d", errno);
    } else if (strcmp(mode, "network") == 0) {
        run_job(ctx, "b1", NULL, 0, call_network, port);
    } else if (strcmp(mode, "memory") == 0 || strcmp(mode, "forks") == 0) {
        const int cg[SANDBOX_CGROUP_FILES] = {4, 5, 6, 7}; /* inherited cgroup files */
        int st = run_job(ctx, "b1", cg, 32 << 20, strcmp(mode, "memory") == 0 ? call_memory : call_forks, 0);
        if (strcmp(mode, "memory") == 0)
            PROBE("memory hog killed", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %x", st);
    }
    sandbox_ctx_free(ctx);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Outside                                                                    */

static char work[] = "/tmp/faas-sandbox-test-XXXXXX";
static char self_dir[4096], self_name[256];

static void put(const char *dir, const char *name, const char *content)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    mkdir(dir, 0755);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(content, f);
        fclose(f);
    }
}

static void test_setup(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    REQUIRE(n > 0);
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    *slash = '\0';
    snprintf(self_dir, sizeof self_dir, "%s", exe);
    snprintf(self_name, sizeof self_name, "%s", slash + 1);
    REQUIRE(mkdtemp(work));
    char p[128];
    snprintf(p, sizeof p, "%s/staging", work);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/bundles", work);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/bundles/b1", work);
    put(p, "hello.txt", "hello");
    snprintf(p, sizeof p, "%s/bundles/b2", work);
    put(p, "secret.txt", "secret");
    CHECK(geteuid() == 0);
}

/* A TCP listener on the host's loopback, standing for an operator service. */
static int listener(int *port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(s, 8) != 0 ||
        getsockname(s, (struct sockaddr *)&sa, &len) != 0)
        return -1;
    *port = ntohs(sa.sin_port);
    return s;
}

/* Runs this binary --inside mode in a sandbox and checks its report: no
 * FAIL line and at least min_ok ok lines. extra: fds that become 4, 5. */
static void run_inside(const char *mode, int allow_network, const int *extra, size_t nextra, int min_ok)
{
    int port = 0, ls = listener(&port);
    REQUIRE(ls >= 0);
    char staging[128], bundles[128], argv0[512], portstr[16];
    snprintf(staging, sizeof staging, "%s/staging", work);
    snprintf(bundles, sizeof bundles, "%s/bundles", work);
    snprintf(argv0, sizeof argv0, "/.runtime/%s", self_name);
    snprintf(portstr, sizeof portstr, "%d", port);
    char *argv[] = {argv0, "--inside", (char *)mode, portstr, NULL};
    char *envp[] = {"PATH=/usr/bin", "ASAN_OPTIONS=detect_leaks=0", NULL};
    int out[2];
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fds[8] = {devnull, out[1], 2, -1, -1, -1, -1, -1};
    size_t nfds = 3;
    if (nextra) {
        fds[3] = devnull;
        for (size_t i = 0; i < nextra; i++) fds[4 + i] = extra[i];
        nfds = 4 + nextra;
    }
    sandbox_root root = {.staging = staging, .runtime_dir = self_dir, .bundles_dir = bundles, .allow_network = allow_network};
    pid_t pid;
    int pidfd;
    char detail[SANDBOX_DETAIL_MAX] = "";
    sandbox_err err = sandbox_spawn(&root, argv, envp, fds, nfds, &pid, &pidfd, detail);
    close(out[1]);
    close(devnull);
    if (err) test_fail(__FILE__, __LINE__, "sandbox_spawn: %s: %s", sandbox_strerror(err), detail);
    char buf[16384];
    size_t len = 0;
    for (ssize_t n; len < sizeof buf - 1 && (n = read(out[0], buf + len, sizeof buf - 1 - len)) > 0;) len += (size_t)n;
    buf[len] = '\0';
    close(out[0]);
    close(ls);
    if (err) return;
    int st;
    waitpid(pid, &st, 0);
    close(pidfd);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    int oks = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "ok ", 3) == 0)
            oks++;
        else
            test_fail(__FILE__, __LINE__, "%s: %s", mode, line);
    }
    if (oks < min_ok) test_fail(__FILE__, __LINE__, "%s: only %d probes passed, expected %d", mode, oks, min_ok);
}

static void test_zygote_root(void) { run_inside("root", 0, NULL, 0, 12); }
static void test_invocation_isolation(void) { run_inside("jobs", 0, NULL, 0, 30); }
static void test_allowed_network(void) { run_inside("network", 1, NULL, 0, 3); }

static void test_spawn_errors(void)
{
    char staging[128];
    snprintf(staging, sizeof staging, "%s/staging", work);
    sandbox_root root = {.staging = staging, .runtime_dir = self_dir};
    char *argv[] = {"/usr/bin/does-not-exist", NULL}, *envp[] = {NULL};
    pid_t pid;
    int pidfd;
    char detail[SANDBOX_DETAIL_MAX] = "";
    CHECK_INT(sandbox_spawn(&root, argv, envp, NULL, 0, &pid, &pidfd, detail), SANDBOX_ERR_SPAWN);
    CHECK(strstr(detail, "execute /usr/bin/does-not-exist") != NULL);
    root.runtime_dir = "/nonexistent-runtime-dir";
    argv[0] = "/usr/bin/true";
    CHECK_INT(sandbox_spawn(&root, argv, envp, NULL, 0, &pid, &pidfd, detail), SANDBOX_ERR_SPAWN);
    CHECK(strstr(detail, "bind /nonexistent-runtime-dir") != NULL);
    char *relative[] = {"true", NULL};
    CHECK_INT(sandbox_spawn(&root, relative, envp, NULL, 0, &pid, &pidfd, detail), SANDBOX_ERR_ARG);
}

static void with_cgroup(const char *mode, uint64_t want_oom)
{
    sandbox_cgroup *parent, *slot;
    char detail[SANDBOX_DETAIL_MAX] = "", name[64];
    snprintf(name, sizeof name, "faas-sandbox-test-%d", (int)getpid());
    sandbox_err err = sandbox_cgroup_new(&parent, NULL, name, detail);
    if (err) test_fail(__FILE__, __LINE__, "%s: %s", sandbox_strerror(err), detail);
    REQUIRE(err == SANDBOX_OK);
    REQUIRE(sandbox_cgroup_new(&slot, parent, "slot", detail) == SANDBOX_OK);
    int fds[SANDBOX_CGROUP_FILES];
    sandbox_cgroup_files(slot, fds);
    uint64_t before = sandbox_cgroup_oom_kills(slot);
    run_inside(mode, 0, fds, SANDBOX_CGROUP_FILES, 0);
    CHECK_INT(sandbox_cgroup_oom_kills(slot) - before, want_oom);
    sandbox_cgroup_free(slot);
    sandbox_cgroup_free(parent);
}

/* Both limits are set by the child from its job: 32 MiB, 8 processes. */
static void test_memory_limit(void) { with_cgroup("memory", 1); }
static void test_process_limit(void) { with_cgroup("forks", 0); }

static int rm_cb(const char *p, const struct stat *s, int t, struct FTW *f)
{
    (void)s, (void)t, (void)f;
    return remove(p);
}

static void test_cleanup(void)
{
    nftw(work, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    for (int e = 0; e < SANDBOX_ERR__COUNT; e++) CHECK(strcmp(sandbox_strerror((sandbox_err)e), "unknown error") != 0);
}

static const struct test_case cases[] = {
    TEST(setup), TEST(zygote_root), TEST(invocation_isolation), TEST(allowed_network), TEST(spawn_errors),
    TEST(memory_limit), TEST(process_limit), TEST(cleanup),
};

int main(int argc, char **argv)
{
    if (argc > 3 && strcmp(argv[1], "--inside") == 0) return inside(argv[2], atoi(argv[3]));
    return test_main(cases, TEST_COUNT(cases), argc, argv);
}
