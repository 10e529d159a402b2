/* pool.c - the engine of bin/performer: warm zygotes per runtime, started
 * in their sandbox root and restarted when they die, each with its cgroup
 * slots (a memory and a pids cgroup for every process it may have at once:
 * its stems join one while they wait), and a bound on the invocations in
 * flight.
 *
 * One invocation: wait for room, write the request to a memfd, hand the
 * zygote the fds of the child-to-be, learn its pidfd and slot, watch it
 * (exec.c), and turn how it ended into the result. The call never waits for
 * a runtime to boot: the zygote is up before the first request.
 */
#include "performer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ZYGOTES 8
#define MAX_SLOTS (PERF_ZYGOTE_MAX_CHILDREN + PERF_ZYGOTE_STEMS)
/* How long a call waits for a zygote being (re)started, for room among the
 * invocations in flight, and for its child to be forked. */
#define READY_WAIT_MS 20000
#define ROOM_WAIT_MS 30000
#define FORK_WAIT_MS 10000

typedef struct {
    bundle_runtime rt;
    pthread_mutex_t lock;   /* ctl, pid, pidfd, ready, version */
    pid_t pid;
    int pidfd, ctl;
    int ready;
    char version[80];
    unsigned restarts;
    unsigned failures;      /* consecutive failed starts, for the backoff */
    double next_start;      /* perf_now_ms() before which no restart */
    sandbox_cgroup *cg[MAX_SLOTS];  /* its slots (none without cgroups) */
    unsigned ncg;
    uint64_t oom_seen[MAX_SLOTS];   /* OOM kills seen in each slot so far */
} zygote;

/* An invocation whose result was sent while its process was still ending:
 * the monitor reaps it, and only then counts it out of flight. */
typedef struct {
    int status, pidfd;
    double deadline;        /* SIGKILL if still there then */
} ending;

/* A runner exits right after closing fd 3; this is generous. */
#define ENDING_GRACE_MS 2000.0

struct perf_pool {
    perf_pool_config cfg;
    char *strings[4];       /* owned copies of cfg's paths */
    zygote z[BUNDLE_RUNTIME__COUNT][MAX_ZYGOTES];
    unsigned nz[BUNDLE_RUNTIME__COUNT];
    atomic_uint rr;
    pthread_mutex_t lock;   /* inflight, endings, zygote readiness changes */
    pthread_cond_t changed;
    unsigned inflight;
    sandbox_cgroup *cg_parent;
    ending *endings;        /* max_inflight of them, under lock */
    unsigned nendings;
    struct pollfd *pollfds; /* the monitor's: stop, wake, zygotes, endings */
    unsigned *which;        /* the monitor's: which ending each pollfd is */
    short *ending_revents;
    pthread_t monitor;
    int stop[2], wake[2];
};

static void timeout_at(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* ------------------------------------------------------------------------ */
/* Zygotes                                                                    */

static perf_err zygote_start(perf_pool *p, zygote *z, char *detail)
{
    /* Paths as the zygote sees them inside its root. */
    perf_runtimes inside = {p->cfg.runtimes.node, p->cfg.runtimes.python, "/.runtime"};
    char *argv[PERF_ARGV_MAX], storage[PERF_ARGV_STORAGE];
    if (perf_runtime_argv(&inside, z->rt, 0, &p->cfg.limits, argv, storage) < 0) return PERF_ERR_ARG;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return PERF_ERR_IO;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    /* Its stdout and stderr are ours: a runtime's own failures get logged. */
    int fds[4] = {devnull, 2, 2, sv[1]};
    sandbox_root root = {.staging = p->cfg.staging_dir, .runtime_dir = p->cfg.runtimes.runtime_dir,
                         .bundles_dir = p->cfg.cache_dir, .allow_network = p->cfg.allow_network};
    char sd[SANDBOX_DETAIL_MAX] = "";
    pid_t pid;
    int pidfd;
    sandbox_err se = devnull < 0 ? SANDBOX_ERR_SPAWN : sandbox_spawn(&root, argv, perf_runtime_env(), fds, 4, &pid, &pidfd, sd);
    if (devnull >= 0) close(devnull);
    close(sv[1]);
    if (se) {
        close(sv[0]);
        if (detail) snprintf(detail, 256, "start %s: %s: %s", argv[0], sandbox_strerror(se), sd);
        return se == SANDBOX_ERR_PERM ? PERF_ERR_SANDBOX : PERF_ERR_RUNTIME;
    }
    char version[80];
    unsigned learned = 0;
    int slots[MAX_SLOTS][SANDBOX_CGROUP_FILES];
    for (unsigned i = 0; i < z->ncg; i++) {
        sandbox_cgroup_files(z->cg[i], slots[i]);
        z->oom_seen[i] = sandbox_cgroup_oom_kills(z->cg[i]);
    }
    perf_err err = perf_zygote_configure(sv[0], p->cfg.allow_network, (const int (*)[SANDBOX_CGROUP_FILES])slots, z->ncg,
                                         READY_WAIT_MS, version, sizeof version, &learned);
    if (err) {
        close(sv[0]);
        syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        waitpid(pid, NULL, 0);
        close(pidfd);
        if (detail) snprintf(detail, 256, "%s zygote did not become ready", bundle_runtime_name(z->rt));
        return err;
    }
    pthread_mutex_lock(&z->lock);
    z->pid = pid;
    z->pidfd = pidfd;
    z->ctl = sv[0];
    z->ready = 1;
    memcpy(z->version, version, sizeof version);
    pthread_mutex_unlock(&z->lock);
    perf_log(PERF_LOG_INFO, "runtime ready", "{s:s, s:s, s:i, s:i}", "runtime", bundle_runtime_name(z->rt), "version",
             version, "pid", (int)pid, "prefault_pages", (int)learned);
    return PERF_OK;
}

/* Reaps a dead zygote; in-flight calls on it see their status sockets close. */
static void zygote_reap(perf_pool *p, zygote *z)
{
    pthread_mutex_lock(&p->lock);
    pthread_mutex_lock(&z->lock);
    siginfo_t si = {0};
    waitid(P_PIDFD, (id_t)z->pidfd, &si, WEXITED);
    close(z->pidfd);
    close(z->ctl);
    z->pidfd = z->ctl = -1;
    z->ready = 0;
    pthread_mutex_unlock(&z->lock);
    pthread_mutex_unlock(&p->lock);
    perf_log(PERF_LOG_WARN, "runtime exited", "{s:s, s:i, s:i}", "runtime", bundle_runtime_name(z->rt), "code",
             si.si_status, "killed", si.si_code != CLD_EXITED);
}

/* The monitor thread: reaps zygotes that exit and restarts them, with
 * exponential backoff (100 ms doubling to 5 s) between failed starts. Only
 * this thread changes pidfd and ctl (the others hold z->lock to use them). */

/* Reaps the endings that exited, kills those past their grace. Adds the
 * status fds of the others to fds (and their index to which). */
static size_t tend_endings(perf_pool *p, struct pollfd *fds, const short *revents, size_t n, unsigned *which)
{
    size_t added = 0;
    pthread_mutex_lock(&p->lock);
    double now = perf_now_ms();
    for (unsigned i = p->nendings; i-- > 0;) {
        ending *e = &p->endings[i];
        int wstatus;
        if (revents && revents[i] && perf_zygote_reap(e->status, &wstatus) != 0) {
            close(e->status);
            close(e->pidfd);
            p->inflight--;
            *e = p->endings[--p->nendings];
            pthread_cond_broadcast(&p->changed);
            continue;
        }
        if (now > e->deadline) {
            syscall(SYS_pidfd_send_signal, e->pidfd, SIGKILL, NULL, 0);
            e->deadline = now + ENDING_GRACE_MS;
        }
    }
    for (unsigned i = 0; i < p->nendings; i++) {
        fds[n + added] = (struct pollfd){p->endings[i].status, POLLIN, 0};
        which[added++] = i;
    }
    pthread_mutex_unlock(&p->lock);
    return added;
}

/* The monitor thread: reaps zygotes that exit and restarts them, with
 * exponential backoff (100 ms doubling to 5 s) between failed starts, and
 * finishes the endings. Only this thread changes a zygote's pidfd and ctl
 * (the others hold z->lock to use them). */
static void *monitor(void *arg)
{
    perf_pool *p = arg;
    struct pollfd *fds = p->pollfds;
    unsigned *which = p->which;
    short *ending_revents = p->ending_revents;
    for (;;) {
        zygote *who[BUNDLE_RUNTIME__COUNT * MAX_ZYGOTES];
        size_t n = 0, nz = 0;
        double next = 0, now = perf_now_ms();
        fds[n++] = (struct pollfd){p->stop[0], POLLIN, 0};
        fds[n++] = (struct pollfd){p->wake[0], POLLIN, 0};
        for (int r = 0; r < BUNDLE_RUNTIME__COUNT; r++) {
            for (unsigned i = 0; i < p->nz[r]; i++) {
                zygote *z = &p->z[r][i];
                if (z->pidfd >= 0) { /* running, or dying */
                    who[nz++] = z;
                    fds[n++] = (struct pollfd){z->pidfd, POLLIN, 0};
                    continue;
                }
                if (z->next_start <= now) {
                    char detail[256] = "";
                    if (zygote_start(p, z, detail) == PERF_OK) {
                        z->restarts++;
                        z->failures = 0;
                        pthread_mutex_lock(&p->lock);
                        pthread_cond_broadcast(&p->changed);
                        pthread_mutex_unlock(&p->lock);
                        continue;
                    }
                    double backoff = 100.0 * (1u << (z->failures < 6 ? z->failures : 6));
                    z->failures++;
                    z->next_start = now + (backoff < 5000 ? backoff : 5000);
                    perf_log(PERF_LOG_ERROR, "runtime start failed", "{s:s, s:s}", "runtime", bundle_runtime_name(z->rt),
                             "detail", detail);
                }
                next = next == 0 || z->next_start < next ? z->next_start : next;
            }
        }
        size_t first_ending = n, nend = tend_endings(p, fds, NULL, n, which);
        n += nend;
        if (nend) {
            double soonest = now + ENDING_GRACE_MS;
            next = next == 0 || soonest < next ? soonest : next;
        }
        int wait = next ? (int)(next - perf_now_ms()) + 1 : -1;
        if (poll(fds, n, next && wait < 0 ? 0 : wait) < 0 && errno != EINTR) break;
        if (fds[0].revents) break;
        if (fds[1].revents) {
            char buf[64];
            ssize_t r = read(p->wake[0], buf, sizeof buf);
            (void)r;
        }
        for (size_t i = 0; i < nz; i++)
            if (fds[2 + i].revents) zygote_reap(p, who[i]);
        memset(ending_revents, 0, (p->cfg.max_inflight + 1) * sizeof *ending_revents);
        for (size_t i = 0; i < nend; i++) ending_revents[which[i]] = fds[first_ending + i].revents;
        if (nend) tend_endings(p, fds, ending_revents, 0, which);
    }
    return NULL;
}

/* Takes a zygote that failed a job out of service: killed, it is then
 * reaped and restarted by the monitor. Called with z->lock held. */
static void zygote_fail(zygote *z)
{
    if (!z->ready) return;
    z->ready = 0;
    syscall(SYS_pidfd_send_signal, z->pidfd, SIGKILL, NULL, 0);
    perf_log(PERF_LOG_WARN, "runtime failed a job; restarting it", "{s:s}", "runtime", bundle_runtime_name(z->rt));
}

/* A ready zygote of runtime rt, locked; NULL when none became ready in time. */
static zygote *pick(perf_pool *p, bundle_runtime rt)
{
    struct timespec deadline;
    timeout_at(&deadline, READY_WAIT_MS);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        unsigned start = atomic_fetch_add(&p->rr, 1);
        for (unsigned k = 0; k < p->nz[rt]; k++) {
            zygote *z = &p->z[rt][(start + k) % p->nz[rt]];
            pthread_mutex_lock(&z->lock);
            if (z->ready) {
                pthread_mutex_unlock(&p->lock);
                return z;
            }
            pthread_mutex_unlock(&z->lock);
        }
        if (!p->nz[rt] || pthread_cond_timedwait(&p->changed, &p->lock, &deadline) == ETIMEDOUT) {
            pthread_mutex_unlock(&p->lock);
            return NULL;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Room for an invocation                                                     */

static int room_take(perf_pool *p)
{
    struct timespec deadline;
    timeout_at(&deadline, ROOM_WAIT_MS);
    pthread_mutex_lock(&p->lock);
    int ok = 1;
    while (p->inflight >= p->cfg.max_inflight && ok)
        ok = pthread_cond_timedwait(&p->changed, &p->lock, &deadline) != ETIMEDOUT;
    if (ok) p->inflight++;
    pthread_mutex_unlock(&p->lock);
    return ok;
}

static void room_give(perf_pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->inflight--;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

/* ------------------------------------------------------------------------ */
/* The pool                                                                   */

static char *dup_or(const char *s, const char *fallback)
{
    return strdup(s ? s : fallback);
}

perf_err perf_pool_start(perf_pool **out, const perf_pool_config *cfg, char *detail)
{
    if (!out || !cfg || !cfg->cache_dir || !cfg->staging_dir) return PERF_ERR_ARG;
    perf_pool *p = calloc(1, sizeof *p);
    if (!p) return PERF_ERR_NOMEM;
    p->cfg = *cfg;
    p->cfg.cache_dir = p->strings[0] = strdup(cfg->cache_dir);
    p->cfg.staging_dir = p->strings[1] = strdup(cfg->staging_dir);
    p->cfg.runtimes.runtime_dir = p->strings[2] = dup_or(cfg->runtimes.runtime_dir, PERF_RUNTIME_DIR);
    p->cfg.runtimes.node = p->strings[3] = dup_or(cfg->runtimes.node, "/usr/bin/node");
    p->cfg.runtimes.python = cfg->runtimes.python ? cfg->runtimes.python : "/usr/bin/python3";
    perf_limits_resolve(&p->cfg.limits, NULL, NULL);
    if (!p->cfg.zygotes) p->cfg.zygotes = 1;
    if (p->cfg.zygotes > MAX_ZYGOTES) p->cfg.zygotes = MAX_ZYGOTES;
    if (!p->cfg.max_inflight) p->cfg.max_inflight = 64;
    if (p->cfg.max_inflight > PERF_ZYGOTE_MAX_CHILDREN * p->cfg.zygotes)
        p->cfg.max_inflight = PERF_ZYGOTE_MAX_CHILDREN * p->cfg.zygotes;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    p->stop[0] = p->stop[1] = p->wake[0] = p->wake[1] = -1;
    perf_err err = PERF_OK;
    for (int i = 0; i < 4; i++)
        if (!p->strings[i]) err = PERF_ERR_NOMEM;
    if (err || pipe2(p->stop, O_CLOEXEC) != 0 || pipe2(p->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        perf_pool_stop(p);
        return err ? err : PERF_ERR_IO;
    }

    p->endings = calloc(p->cfg.max_inflight, sizeof *p->endings);
    p->pollfds = calloc(2 + BUNDLE_RUNTIME__COUNT * MAX_ZYGOTES + p->cfg.max_inflight, sizeof *p->pollfds);
    p->which = calloc(p->cfg.max_inflight + 1, sizeof *p->which);
    p->ending_revents = calloc(p->cfg.max_inflight + 1, sizeof *p->ending_revents);
    if (!p->endings || !p->pollfds || !p->which || !p->ending_revents) {
        perf_pool_stop(p);
        return PERF_ERR_NOMEM;
    }
    /* Each zygote's slots, a cgroup for every process it may have at once,
     * when the memory and pids controllers can be used; without them memory
     * is bounded only by V8's heap limit and processes by RLIMIT_NPROC. */
    char name[64], sd[SANDBOX_DETAIL_MAX] = "";
    snprintf(name, sizeof name, "faas-performer-%d", (int)getpid());
    if (!p->cfg.no_cgroups && sandbox_cgroup_new(&p->cg_parent, NULL, name, sd) != SANDBOX_OK) {
        perf_log(PERF_LOG_WARN, "no cgroups: memory and process limits are not enforced", "{s:s}", "detail", sd);
    }
    unsigned per_zygote = (p->cfg.max_inflight < PERF_ZYGOTE_MAX_CHILDREN ? p->cfg.max_inflight : PERF_ZYGOTE_MAX_CHILDREN) +
                          PERF_ZYGOTE_STEMS;
    for (int r = 0; r < BUNDLE_RUNTIME__COUNT; r++) {
        if (p->cfg.runtime_mask && !(p->cfg.runtime_mask & (1u << r))) continue;
        for (unsigned i = 0; i < p->cfg.zygotes; i++) {
            zygote *z = &p->z[r][p->nz[r]++];
            z->rt = (bundle_runtime)r;
            z->pidfd = z->ctl = -1;
            pthread_mutex_init(&z->lock, NULL);
            for (unsigned k = 0; p->cg_parent && k < per_zygote; k++, z->ncg++) {
                snprintf(name, sizeof name, "%s-%u-%u", bundle_runtime_name(z->rt), i, k);
                if (sandbox_cgroup_new(&z->cg[k], p->cg_parent, name, sd) != SANDBOX_OK) {
                    if (detail) snprintf(detail, 256, "cgroup: %s", sd);
                    perf_pool_stop(p);
                    return PERF_ERR_SANDBOX;
                }
            }
            if ((err = zygote_start(p, z, detail)) != PERF_OK) {
                perf_pool_stop(p);
                return err;
            }
        }
    }
    if (pthread_create(&p->monitor, NULL, monitor, p) != 0) {
        perf_pool_stop(p);
        return PERF_ERR_NOMEM;
    }
    *out = p;
    return PERF_OK;
}

void perf_pool_stop(perf_pool *p)
{
    if (!p) return;
    if (p->monitor) {
        ssize_t w = write(p->stop[1], "x", 1);
        (void)w;
        pthread_join(p->monitor, NULL);
    }
    for (int r = 0; r < BUNDLE_RUNTIME__COUNT; r++) {
        for (unsigned i = 0; i < p->nz[r]; i++) {
            zygote *z = &p->z[r][i];
            if (z->ctl >= 0) close(z->ctl); /* the zygote exits, and with it its children */
            if (z->pidfd >= 0) {
                syscall(SYS_pidfd_send_signal, z->pidfd, SIGKILL, NULL, 0);
                waitid(P_PIDFD, (id_t)z->pidfd, &(siginfo_t){0}, WEXITED);
                close(z->pidfd);
            }
            for (unsigned k = 0; k < z->ncg; k++) sandbox_cgroup_free(z->cg[k]);
            pthread_mutex_destroy(&z->lock);
        }
    }
    sandbox_cgroup_free(p->cg_parent);
    for (unsigned i = 0; i < p->nendings; i++) { /* the zygotes are gone: so are these */
        close(p->endings[i].status);
        close(p->endings[i].pidfd);
    }
    for (int i = 0; i < 2; i++) {
        if (p->stop[i] >= 0) close(p->stop[i]);
        if (p->wake[i] >= 0) close(p->wake[i]);
    }
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->changed);
    free(p->endings);
    free(p->pollfds);
    free(p->which);
    free(p->ending_revents);
    for (int i = 0; i < 4; i++) free(p->strings[i]);
    free(p);
}

void perf_pool_status(perf_pool *p, perf_pool_runtime_status st[BUNDLE_RUNTIME__COUNT], unsigned *inflight)
{
    for (int r = 0; r < BUNDLE_RUNTIME__COUNT; r++) {
        st[r] = (perf_pool_runtime_status){0};
        st[r].configured = p->nz[r];
        for (unsigned i = 0; i < p->nz[r]; i++) {
            zygote *z = &p->z[r][i];
            pthread_mutex_lock(&z->lock);
            st[r].ready += z->ready;
            st[r].restarts += z->restarts;
            if (z->ready) snprintf(st[r].version, sizeof st[r].version, "%s", z->version);
            pthread_mutex_unlock(&z->lock);
        }
    }
    pthread_mutex_lock(&p->lock);
    *inflight = p->inflight;
    pthread_mutex_unlock(&p->lock);
}

typedef struct {
    int status;
    int pidfd;
} job_ref;

static int job_reap(void *ctx, int *wstatus)
{
    return perf_zygote_reap(((job_ref *)ctx)->status, wstatus);
}

static void job_kill(void *ctx)
{
    /* pid 1 of the child's PID namespace: its death ends all it started. */
    syscall(SYS_pidfd_send_signal, ((job_ref *)ctx)->pidfd, SIGKILL, NULL, 0);
}

perf_err perf_pool_invoke(perf_pool *p, const bundle_info *b, const perf_task *t, perf_result *out)
{
    if (!p || !b || !t || !out || (t->input_len && !t->input) || t->input_len > PERF_MAX_INPUT_BYTES ||
        (unsigned)b->runtime >= BUNDLE_RUNTIME__COUNT)
        return PERF_ERR_ARG;
    perf_limits l = t->limits;
    /* The operator's limits are the defaults and the caps. */
    perf_limits_resolve(&l, &p->cfg.limits, &p->cfg.limits);
    if (!room_take(p)) return PERF_ERR_BUSY;
    perf_err err = PERF_ERR_IO;
    int counted = 1; /* in flight: given back here, or by the monitor */
    int req = perf_exec_request_fd(t, &l, "/var/task");
    int res[2] = {-1, -1}, diag[2] = {-1, -1};
    job_ref j = {-1, -1};
    if (req < 0 || pipe2(res, O_CLOEXEC) != 0 || pipe2(diag, O_CLOEXEC) != 0) goto done;
    sandbox_limits sl = {.cpu_seconds = (l.timeout_ms + 999) / 1000 + 1, .open_files = l.max_open_files,
                         .tmp_bytes = (uint64_t)l.tmp_mib << 20, .procs = l.max_procs,
                         .memory_bytes = (uint64_t)l.memory_mib << 20};
    uint8_t seed[32]; /* /dev/urandom's, like the runner's random sources */
    perf_task_seed(seed, t->task_id);
    /* A zygote may die between being picked and forking (it is then being
     * restarted): one more try, on a ready one. */
    int fork_err = 0, slot = -1;
    zygote *z = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        z = pick(p, b->runtime);
        if (!z) {
            err = PERF_ERR_RUNTIME;
            break;
        }
        const int fds[4] = {req, diag[1], diag[1], res[1]};
        err = perf_zygote_submit(z->ctl, b->hex, &sl, seed, fds, &j.status);
        pthread_mutex_unlock(&z->lock);
        if (!err) err = perf_zygote_started(j.status, FORK_WAIT_MS, &j.pidfd, &slot, &fork_err);
        if (err != PERF_ERR_RUNTIME) break;
        /* It died or hangs (its exit may not be visible yet: a PID
         * namespace's init is reaped only after all in it are gone). */
        pthread_mutex_lock(&z->lock);
        zygote_fail(z);
        pthread_mutex_unlock(&z->lock);
        if (j.status >= 0) close(j.status);
        j.status = -1;
    }
    close(res[1]);
    close(diag[1]);
    res[1] = diag[1] = -1;
    if (err) {
        perf_log(PERF_LOG_ERROR, "zygote could not start the invocation", "{s:s, s:s, s:s}", "runtime",
                 bundle_runtime_name(b->runtime), "error", perf_strerror(err), "errno",
                 fork_err ? strerrorname_np(fork_err) : "none");
        goto done;
    }
    perf_watch w = {.result_fd = res[0], .diag_fd = diag[0], .exit_fd = j.status, .timeout_ms = l.timeout_ms,
                    .max_result = l.max_result_bytes, .reap = job_reap, .kill = job_kill, .ctx = &j, .early = 1};
    perf_exec_watch(&w);
    if (!w.exited && !w.lost && !w.complete) job_kill(&j);
    /* The slot is this call's until its process is reaped, and a waiting
     * stem cannot hit the memory limit: any new OOM kill is this call's. */
    int oom = 0;
    if (slot >= 0 && (unsigned)slot < z->ncg) {
        uint64_t kills = sandbox_cgroup_oom_kills(z->cg[slot]);
        oom = kills > z->oom_seen[slot];
        z->oom_seen[slot] = kills;
    }
    err = perf_exec_result(&w, &l, oom, out);
    if (w.complete && !w.exited) {
        /* Answered; the monitor sees the process out and counts it out of flight. */
        pthread_mutex_lock(&p->lock);
        p->endings[p->nendings++] = (ending){j.status, j.pidfd, perf_now_ms() + ENDING_GRACE_MS};
        pthread_mutex_unlock(&p->lock);
        ssize_t wr = write(p->wake[1], "x", 1);
        (void)wr;
        j.status = j.pidfd = -1;
        counted = 0;
    }
    if (err == PERF_ERR_SANDBOX)
        perf_log(PERF_LOG_ERROR, "sandbox setup failed", "{s:s}", "detail", w.diag);
    else if (w.diag_len && perf_log_enabled(PERF_LOG_DEBUG))
        perf_log(PERF_LOG_DEBUG, "function diagnostics", "{s:s}", "text", w.diag);
    perf_exec_watch_free(&w);
done:;
    int all[] = {req, res[0], res[1], diag[0], diag[1], j.status, j.pidfd};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (all[i] >= 0) close(all[i]);
    if (counted) room_give(p);
    return err;
}
