/* exec.c - one invocation, from request to result bytes: the request file a
 * runner reads, watching a running child (result, diagnostics, exit, wall
 * time, output cap), turning how it ended into a result envelope, and the
 * spawn-per-call path (perf_local_invoke). The zygote path (pool.c) reuses
 * the watching and classifying through perf_exec_* (performer.h). */
#include "performer.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "eth.h"

#ifndef PERF_RUNTIME_DIR
#error "PERF_RUNTIME_DIR must name the staged runtime directory (set by CMake)"
#endif

static const char *const messages[PERF_ERR__COUNT] = {
    [PERF_OK] = "success",
    [PERF_ERR_ARG] = "invalid argument",
    [PERF_ERR_NOMEM] = "out of memory",
    [PERF_ERR_IO] = "I/O error",
    [PERF_ERR_BUNDLE] = "bundle rejected",
    [PERF_ERR_BUNDLE_MISSING] = "bundle not cached: send it with the request",
    [PERF_ERR_RUNTIME] = "runtime failed",
    [PERF_ERR_SANDBOX] = "sandbox setup failed",
    [PERF_ERR_BUSY] = "too many invocations in flight",
    [PERF_ERR_TRANSPORT] = "performer unreachable",
    [PERF_ERR_PROTOCOL] = "malformed answer from the performer",
};

const char *perf_strerror(perf_err e)
{
    if ((unsigned)e >= PERF_ERR__COUNT || !messages[e]) return "unknown error";
    return messages[e];
}

static const char *const outcomes[PERF_OUTCOME__COUNT] = {"ok", "error", "timeout", "memory", "limit", "crash"};

const char *perf_outcome_name(perf_outcome o)
{
    return (unsigned)o < PERF_OUTCOME__COUNT ? outcomes[o] : "unknown";
}

void perf_result_free(perf_result *r)
{
    if (!r) return;
    free(r->bytes);
    r->bytes = NULL;
    r->len = 0;
}

void perf_limits_resolve(perf_limits *l, const perf_limits *defaults, const perf_limits *max)
{
    static const perf_limits builtin = {
        PERF_DEFAULT_TIMEOUT_MS, PERF_DEFAULT_MEMORY_MIB, PERF_DEFAULT_MAX_PROCS, PERF_DEFAULT_MAX_OPEN_FILES,
        PERF_DEFAULT_TMP_MIB, PERF_DEFAULT_MAX_RESULT_BYTES, PERF_DEFAULT_MAX_LOG_LINES, PERF_DEFAULT_MAX_LOG_BYTES,
    };
    /* perf_limits is a run of uint32_t fields, handled alike. */
    enum { N = sizeof(perf_limits) / sizeof(uint32_t) };
    _Static_assert(sizeof(perf_limits) == 8 * sizeof(uint32_t), "perf_limits holds only uint32_t fields");
    uint32_t *f = (uint32_t *)l;
    const uint32_t *d = (const uint32_t *)(defaults ? defaults : &builtin), *b = (const uint32_t *)&builtin;
    const uint32_t *m = (const uint32_t *)max;
    for (int i = 0; i < N; i++) {
        if (!f[i]) f[i] = d[i] ? d[i] : b[i];
        if (m && m[i] && f[i] > m[i]) f[i] = m[i];
    }
}

void perf_task_seed(uint8_t seed[32], const uint8_t task_id[32])
{
    static const char domain[] = "faas-avs/random-seed/v1";
    eth_keccak_ctx k;
    eth_keccak_init(&k);
    eth_keccak_update(&k, domain, sizeof domain - 1);
    eth_keccak_update(&k, task_id, 32);
    eth_keccak_final(&k, seed);
}

double perf_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------------------ */
/* The request a runner reads on fd 0                                         */

int perf_exec_request_fd(const perf_task *t, const perf_limits *l, const char *dir)
{
    uint8_t seed[32];
    char seed_hex[67], task_hex[67];
    perf_task_seed(seed, t->task_id);
    json_t *h = json_pack("{s:s, s:I, s:s, s:s, s:i, s:i, s:i}", "task_id", eth_hex_encode(task_hex, t->task_id, 32),
                          "timestamp", (json_int_t)t->timestamp, "seed", eth_hex_encode(seed_hex, seed, 32), "dir", dir,
                          "max_log_lines", (int)l->max_log_lines, "max_log_bytes", (int)l->max_log_bytes,
                          "max_result_bytes", (int)l->max_result_bytes);
    char *text = h ? json_dumps(h, JSON_COMPACT) : NULL;
    json_decref(h);
    int fd = text ? memfd_create("faas-request", MFD_CLOEXEC | MFD_ALLOW_SEALING) : -1;
    int ok = fd >= 0;
    if (ok) {
        size_t n = strlen(text);
        text[n] = '\n'; /* the header is one line; its NUL is not written */
        ok = write(fd, text, n + 1) == (ssize_t)(n + 1) &&
             (t->input_len == 0 || write(fd, t->input, t->input_len) == (ssize_t)t->input_len) &&
             fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0 &&
             lseek(fd, 0, SEEK_SET) == 0;
    }
    free(text);
    if (!ok && fd >= 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* ------------------------------------------------------------------------ */
/* Watching a running invocation                                              */

static int read_into(int fd, perf_watch *w, int is_result)
{
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) return errno == EINTR || errno == EAGAIN ? 1 : 0;
    if (n == 0) return 0;
    if (is_result) {
        if ((size_t)n > w->max_result - w->result.len) {
            w->over_output = 1;
            return 1;
        }
        if (eth_buf_append(&w->result, buf, (size_t)n) != ETH_OK) w->over_output = 1;
    } else {
        size_t k = (size_t)n < sizeof w->diag - 1 - w->diag_len ? (size_t)n : sizeof w->diag - 1 - w->diag_len;
        memcpy(w->diag + w->diag_len, buf, k);
        w->diag[w->diag_len += k] = '\0';
    }
    return 1;
}

static int ends_with(const uint8_t *p, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(p + n - k, suffix, k) == 0;
}

/* A shape check, not a parse: the runners write JSON.stringify's output,
 * which may hold lone-surrogate escapes ("\ud800") that strict parsers such
 * as jansson refuse. A raw '"' cannot occur inside a JSON string, so the
 * last raw `,"error":"` is the envelope's own. */
int perf_envelope_outcome(const uint8_t *p, size_t n)
{
    static const char head[] = "{\"payload\":", key[] = ",\"error\":\"";
    if (n < sizeof head || memcmp(p, head, sizeof head - 1) != 0) return -1;
    if (ends_with(p, n, ",\"error\":null}")) return PERF_OUTCOME_OK;
    if (!ends_with(p, n, "\"}")) return -1;
    for (size_t i = n - 2; i >= sizeof head - 1 + 1; i--)
        if (memcmp(p + i - (sizeof key - 1), key, sizeof key - 1) == 0) return PERF_OUTCOME_ERROR;
    return -1;
}

/* After the child's exit, pipes still held by a leftover grandchild are
 * given this long before the watch gives up on them. */
#define EXIT_GRACE_MS 200.0

void perf_exec_watch(perf_watch *w)
{
    const double start = perf_now_ms(), deadline = start + w->timeout_ms;
    int fds[3] = {w->result_fd, w->diag_fd, w->exit_fd};
    double exited_at = 0;
    eth_buf_init(&w->result, w->max_result ? w->max_result : 1);
    while (fds[0] >= 0 || fds[1] >= 0 || fds[2] >= 0) {
        double now = perf_now_ms();
        if (!w->killed && !w->exited && now >= deadline) {
            w->timed_out = 1;
            w->kill(w->ctx);
            w->killed = 1;
        }
        if (w->over_output && !w->killed) {
            w->kill(w->ctx);
            w->killed = 1;
        }
        if (w->exited && now - exited_at > EXIT_GRACE_MS) break;
        struct pollfd p[3];
        for (int i = 0; i < 3; i++) p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        double wait = w->exited ? exited_at + EXIT_GRACE_MS - now : w->killed ? 1000 : deadline - now;
        if (poll(p, 3, wait < 0 ? 0 : (int)wait + 1) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; i++)
            if (p[i].revents && !read_into(fds[i], w, i == 0)) fds[i] = -1;
        /* The runner closes fd 3 right after a complete envelope. */
        if (w->early && fds[0] < 0 && !w->killed && perf_envelope_outcome(w->result.data, w->result.len) >= 0) {
            w->complete = 1;
            break;
        }
        if (p[2].revents) {
            int r = w->reap(w->ctx, &w->wstatus);
            if (r != 0) {
                w->exited = r > 0;
                w->lost = r < 0;
                fds[2] = -1;
                exited_at = perf_now_ms();
                if (w->lost) break;
            }
        }
    }
    w->duration_ms = perf_now_ms() - start;
}

void perf_exec_watch_free(perf_watch *w)
{
    eth_buf_free(&w->result);
}

/* {"payload":null,"error":<msg>} */
static int error_envelope(perf_result *out, perf_outcome outcome, const char *msg)
{
    json_t *s = json_string(msg);
    char *esc = s ? json_dumps(s, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    json_decref(s);
    size_t cap = esc ? strlen(esc) + 32 : 0;
    char *env = esc ? malloc(cap) : NULL;
    if (env) snprintf(env, cap, "{\"payload\":null,\"error\":%s}", esc);
    free(esc);
    if (!env) return -1;
    out->bytes = (uint8_t *)env;
    out->len = strlen(env);
    out->outcome = outcome;
    return 0;
}

perf_err perf_exec_result(perf_watch *w, const perf_limits *l, int oom_killed, perf_result *out)
{
    char msg[256];
    memset(out, 0, sizeof *out);
    out->duration_ms = w->duration_ms;
    int clean = w->complete || (w->exited && WIFEXITED(w->wstatus) && WEXITSTATUS(w->wstatus) == 0);
    if (w->exited && WIFEXITED(w->wstatus) && WEXITSTATUS(w->wstatus) == PERF_EXIT_SANDBOX && !w->result.len)
        return PERF_ERR_SANDBOX;
    if (w->lost) return PERF_ERR_RUNTIME;
    if (w->timed_out) {
        snprintf(msg, sizeof msg, "Task timeout after %u ms", l->timeout_ms);
        return error_envelope(out, PERF_OUTCOME_TIMEOUT, msg) ? PERF_ERR_NOMEM : PERF_OK;
    }
    /* V8 aborts at its heap limit instead of meeting the cgroup's. */
    if (oom_killed || (!clean && strstr(w->diag, "heap out of memory"))) {
        snprintf(msg, sizeof msg, "Memory limit exceeded (%u MiB)", l->memory_mib);
        return error_envelope(out, PERF_OUTCOME_MEMORY, msg) ? PERF_ERR_NOMEM : PERF_OK;
    }
    if (w->over_output) {
        snprintf(msg, sizeof msg, "Output limit exceeded (%u bytes)", l->max_result_bytes);
        return error_envelope(out, PERF_OUTCOME_LIMIT, msg) ? PERF_ERR_NOMEM : PERF_OK;
    }
    int outcome = clean ? perf_envelope_outcome(w->result.data, w->result.len) : -1;
    if (outcome >= 0) {
        out->bytes = w->result.data;
        out->len = w->result.len;
        out->outcome = (perf_outcome)outcome;
        w->result.data = NULL; /* now owned by out */
        w->result.len = 0;
        return PERF_OK;
    }
    perf_outcome o = PERF_OUTCOME_CRASH;
    if (clean) {
        snprintf(msg, sizeof msg, "Function wrote an invalid result");
    } else if (WIFSIGNALED(w->wstatus) && (WTERMSIG(w->wstatus) == SIGXCPU || WTERMSIG(w->wstatus) == SIGKILL)) {
        /* We did not send it and it is no OOM kill: the CPU-time rlimit. */
        snprintf(msg, sizeof msg, "CPU time limit exceeded (%u ms)", l->timeout_ms);
        o = PERF_OUTCOME_LIMIT;
    } else if (WIFSIGNALED(w->wstatus)) {
        snprintf(msg, sizeof msg, "Runtime exited without a result (signal %d)", WTERMSIG(w->wstatus));
    } else {
        snprintf(msg, sizeof msg, "Runtime exited without a result (exit code %d)", WEXITSTATUS(w->wstatus));
    }
    return error_envelope(out, o, msg) ? PERF_ERR_NOMEM : PERF_OK;
}

/* ------------------------------------------------------------------------ */
/* Runtime command lines                                                      */

/* The whole environment of a runtime process, built from scratch: nothing
 * of the operator's leaks in, and variables such as NODE_EXTRA_CA_CERTS
 * (which triples Node's start-up) or NODE_OPTIONS cannot slow or change it. */
static char *const runtime_env[] = {
    "PATH=/usr/local/bin:/usr/bin:/bin",
    "HOME=/tmp",
    "TMPDIR=/tmp",
    "LANG=C.UTF-8",
    "LC_ALL=C.UTF-8",
    "TZ=UTC",
    "PYTHONHASHSEED=0",
    "PYTHONDONTWRITEBYTECODE=1",
    "PYTHONUTF8=1",
    "PYTHONIOENCODING=utf-8",
    NULL,
};

char *const *perf_runtime_env(void)
{
    return runtime_env;
}

int perf_runtime_argv(const perf_runtimes *rt, bundle_runtime which, int once, const perf_limits *max,
                      char *argv[PERF_ARGV_MAX], char storage[PERF_ARGV_STORAGE])
{
    const char *dir = rt && rt->runtime_dir ? rt->runtime_dir : PERF_RUNTIME_DIR;
    int n = 0;
    size_t used = 0;
#define ARG(...) do { \
        int k_ = snprintf(storage + used, PERF_ARGV_STORAGE - used, __VA_ARGS__); \
        if (k_ < 0 || (size_t)k_ >= PERF_ARGV_STORAGE - used) return -1; \
        argv[n++] = storage + used; \
        used += (size_t)k_ + 1; \
    } while (0)
    if (which == BUNDLE_RUNTIME_JAVASCRIPT) {
        ARG("%s", rt && rt->node ? rt->node : "/usr/bin/node");
        /* V8's heap limit sits above the cgroup's, which then decides. */
        ARG("--max-old-space-size=%u", (max && max->memory_mib ? max->memory_mib : PERF_DEFAULT_MEMORY_MIB) + 64);
        if (!once) {
            /* Forked children need V8 never to post work to threads they do
             * not have; huge pages make forking the zygote cheap. */
            ARG("--single-threaded");
            ARG("--use-largepages=on");
        }
        ARG("%s/runner.js", dir);
    } else {
        ARG("%s", rt && rt->python ? rt->python : "/usr/bin/python3");
        ARG("-S"); /* no site: only the stdlib and the bundle are importable */
        ARG("-B");
        ARG("%s/runner.py", dir);
    }
    if (once) ARG("--once");
#undef ARG
    argv[n] = NULL;
    return n;
}

/* ------------------------------------------------------------------------ */
/* Spawn per call                                                             */

typedef struct {
    pid_t pid;
    int pidfd;
} local_child;

static int local_reap(void *ctx, int *wstatus)
{
    local_child *c = ctx;
    siginfo_t si = {0};
    if (waitid(P_PIDFD, (id_t)c->pidfd, &si, WEXITED | WNOHANG) != 0) return -1;
    if (si.si_pid == 0) return 0;
    *wstatus = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : si.si_status;
    return 1;
}

static void local_kill(void *ctx)
{
    local_child *c = ctx;
    kill(-c->pid, SIGKILL); /* its process group: helpers it started, too */
}

perf_err perf_local_invoke(const perf_runtimes *rt, const bundle_info *bundle, const perf_task *task,
                           perf_result *out)
{
    if (!bundle || !task || !out || (task->input_len && !task->input) || task->input_len > PERF_MAX_INPUT_BYTES)
        return PERF_ERR_ARG;
    perf_limits l = task->limits;
    perf_limits_resolve(&l, NULL, NULL);
    char *argv[PERF_ARGV_MAX], storage[PERF_ARGV_STORAGE];
    if (perf_runtime_argv(rt, bundle->runtime, 1, &l, argv, storage) < 0) return PERF_ERR_ARG;

    int req = perf_exec_request_fd(task, &l, bundle->path);
    int res[2] = {-1, -1}, diag[2] = {-1, -1};
    perf_err err = PERF_ERR_IO;
    local_child c = {.pid = -1, .pidfd = -1};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    if (req < 0 || pipe2(res, O_CLOEXEC) != 0 || pipe2(diag, O_CLOEXEC) != 0) goto done;
    posix_spawn_file_actions_adddup2(&fa, req, 0);
    posix_spawn_file_actions_adddup2(&fa, diag[1], 1);
    posix_spawn_file_actions_adddup2(&fa, diag[1], 2);
    posix_spawn_file_actions_adddup2(&fa, res[1], 3);
    posix_spawn_file_actions_addclosefrom_np(&fa, 4);
    posix_spawn_file_actions_addchdir_np(&fa, bundle->path);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    if ((errno = posix_spawn(&c.pid, argv[0], &fa, &attr, argv, perf_runtime_env())) != 0) {
        c.pid = -1;
        err = PERF_ERR_RUNTIME;
        goto done;
    }
    close(res[1]);
    close(diag[1]);
    res[1] = diag[1] = -1;
    if ((c.pidfd = pidfd_open(c.pid, 0)) < 0) {
        local_kill(&c);
        waitpid(c.pid, NULL, 0);
        goto done;
    }
    perf_watch w = {.result_fd = res[0], .diag_fd = diag[0], .exit_fd = c.pidfd, .timeout_ms = l.timeout_ms,
                    .max_result = l.max_result_bytes, .reap = local_reap, .kill = local_kill, .ctx = &c};
    perf_exec_watch(&w);
    if (!w.exited) { /* gave up on it: make sure it is gone and reaped */
        local_kill(&c);
        waitpid(c.pid, NULL, 0);
    }
    err = perf_exec_result(&w, &l, 0, out);
    perf_exec_watch_free(&w);
done:
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    int fds[] = {req, res[0], res[1], diag[0], diag[1], c.pidfd};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (fds[i] >= 0) close(fds[i]);
    return err;
}
