/* zygote.c - the zygote protocol, both ends (see performer.h).
 *
 * A zygote is a runtime (node, python3) that pre-initialised itself and
 * then handed its main thread to perf_zygote_serve, which runs each job in
 * a sandboxed child of its own. It keeps PERF_ZYGOTE_STEMS children forked
 * ahead ("stems": in fresh namespaces and a cgroup slot, with the memory
 * pages a call writes already copied, waiting for a job), so that a call
 * pays only for the last steps of its sandbox; without a stem it forks on
 * the spot. Which pages a call writes it learns once, at start, from a
 * probe child. The performer talks to it over a SOCK_SEQPACKET control
 * socket (message boundaries kept, fds passed with SCM_RIGHTS):
 *
 *   performer -> zygote  CONFIG {allow_network, n}          once, first,
 *                        then n x SLOT + a cgroup's files (sandbox_cgroup_files)
 *   zygote -> performer  READY  {version, pages learnt}     once
 *   performer -> zygote  JOB    {bundle, limits} + fds:     per invocation
 *                        status socket, request, diag, diag, result
 *   zygote -> performer  on the job's status socket: STARTED {pid, slot} +
 *                        pidfd (or FAILED {errno}), later EXITED {wait status}
 *
 * The zygote learns of exits by polling its children's pidfds (no SIGCHLD
 * handling, which threads of the runtime could swallow) and reaps them with
 * waitid(P_PIDFD). This file is built into the zygote modules as well as
 * libperformer, so it depends on libc and libsandbox only.
 */
#include "performer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MSG_CONFIG = 1, MSG_SLOT, MSG_READY, MSG_JOB, MSG_STARTED, MSG_FAILED, MSG_EXITED };
#define MAX_FDS 8

typedef struct {
    uint32_t type;
    int32_t value;          /* allow_network, pages learnt, pid, errno or wait status */
    int32_t slot;           /* CONFIG: how many SLOTs follow; STARTED: the child's */
    uint32_t reserved;      /* 0 */
    char text[80];          /* version, or the job's bundle name */
    uint8_t seed[32];       /* JOB: the seed of its /dev/urandom */
    sandbox_limits limits;
} zmsg;
/* Messages go over the socket as bytes: no implicit padding, so that an
 * initialiser defines every byte (no stack garbage reaches the zygote). */
_Static_assert(sizeof(sandbox_limits) == 4 + 4 + 8 + 4 + 4 + 8, "sandbox_limits has padding");
_Static_assert(sizeof(zmsg) == 4 * 4 + 80 + 32 + sizeof(sandbox_limits), "zmsg has padding");

static int send_msg(int sock, const zmsg *m, const int *fds, size_t nfds)
{
    struct iovec io = {(void *)m, sizeof *m};
    union {
        char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
        struct cmsghdr align;
    } u;
    struct msghdr h = {.msg_iov = &io, .msg_iovlen = 1};
    memset(u.buf, 0, sizeof u.buf); /* CMSG_SPACE pads the fds */
    if (nfds) {
        h.msg_control = u.buf;
        h.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&h);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    }
    ssize_t n;
    do n = sendmsg(sock, &h, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof *m ? 0 : -1;
}

/* Receives one message and up to MAX_FDS fds (CLOEXEC). Returns the number
 * of fds, 0 at EOF with m->type 0, or -1 on error or a malformed message. */
static int recv_msg(int sock, zmsg *m, int *fds, int flags)
{
    struct iovec io = {m, sizeof *m};
    union {
        char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
        struct cmsghdr align;
    } u;
    struct msghdr h = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    memset(m, 0, sizeof *m);
    ssize_t n;
    do n = recvmsg(sock, &h, MSG_CMSG_CLOEXEC | flags);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return n == 0 ? 0 : -1;
    int nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        memcpy(fds + nfds, CMSG_DATA(c), sizeof(int) * (size_t)k);
        nfds += k;
    }
    if (n != (ssize_t)sizeof *m || (h.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
        for (int i = 0; i < nfds; i++) close(fds[i]);
        return -1;
    }
    return nfds;
}

/* ------------------------------------------------------------------------ */
/* Performer side                                                             */

perf_err perf_zygote_configure(int ctl, int allow_network, const int (*slots)[SANDBOX_CGROUP_FILES], size_t nslots,
                               int timeout_ms, char *version, size_t version_len, unsigned *learned_pages)
{
    zmsg m = {.type = MSG_CONFIG, .value = allow_network, .slot = (int32_t)nslots};
    if (send_msg(ctl, &m, NULL, 0) != 0) return PERF_ERR_RUNTIME;
    for (size_t i = 0; i < nslots; i++) {
        zmsg sm = {.type = MSG_SLOT};
        if (send_msg(ctl, &sm, slots[i], SANDBOX_CGROUP_FILES) != 0) return PERF_ERR_RUNTIME;
    }
    struct pollfd p = {ctl, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) != 1) return PERF_ERR_RUNTIME;
    int fds[MAX_FDS];
    if (recv_msg(ctl, &m, fds, 0) != 0 || m.type != MSG_READY) return PERF_ERR_RUNTIME;
    snprintf(version, version_len, "%.*s", (int)sizeof m.text, m.text);
    *learned_pages = (unsigned)m.value;
    return PERF_OK;
}

perf_err perf_zygote_submit(int ctl, const char *bundle, const sandbox_limits *lim, const uint8_t seed[32],
                            const int fds[4], int *status_fd)
{
    if (strlen(bundle) >= sizeof((zmsg *)0)->text) return PERF_ERR_ARG;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return PERF_ERR_IO;
    zmsg m = {.type = MSG_JOB, .limits = *lim};
    snprintf(m.text, sizeof m.text, "%s", bundle);
    memcpy(m.seed, seed, sizeof m.seed);
    const int all[5] = {sv[1], fds[0], fds[1], fds[2], fds[3]};
    int r = send_msg(ctl, &m, all, 5);
    close(sv[1]);
    if (r != 0) {
        close(sv[0]);
        return PERF_ERR_RUNTIME;
    }
    *status_fd = sv[0];
    return PERF_OK;
}

perf_err perf_zygote_started(int status_fd, int timeout_ms, int *pidfd, int *slot, int *err)
{
    struct pollfd p = {status_fd, POLLIN, 0};
    zmsg m;
    int fds[MAX_FDS];
    *err = 0;
    if (poll(&p, 1, timeout_ms) != 1) return PERF_ERR_RUNTIME;
    int n = recv_msg(status_fd, &m, fds, 0);
    if (m.type == MSG_STARTED && n == 1) {
        *pidfd = fds[0];
        *slot = m.slot;
        return PERF_OK;
    }
    for (int i = 0; i < n; i++) close(fds[i]);
    if (m.type == MSG_FAILED) {
        *err = m.value;
        return PERF_ERR_SANDBOX;
    }
    return PERF_ERR_RUNTIME;
}

int perf_zygote_reap(int status_fd, int *wstatus)
{
    zmsg m;
    int fds[MAX_FDS];
    int n = recv_msg(status_fd, &m, fds, MSG_DONTWAIT);
    for (int i = 0; i < n; i++) close(fds[i]);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    if (m.type != MSG_EXITED) return -1;
    *wstatus = m.value;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Zygote side                                                                */

/* V8 marks its heap MADV_DONTFORK (so that Node's child_process forks stay
 * cheap); a forked zygote child would then find its heap unmapped. Every
 * such area ("dc" in smaps' VmFlags) is made inheritable again. The zygote
 * runs no JavaScript while serving, so no new areas appear afterwards. */
static int make_inheritable(void)
{
    FILE *f = fopen("/proc/self/smaps", "re");
    if (!f) return -1;
    char line[512];
    unsigned long start = 0, end = 0;
    int r = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long a, b;
        char c;
        if (sscanf(line, "%lx-%lx %c", &a, &b, &c) == 3 && strchr(line, '-') < strchr(line, ' ')) {
            start = a;
            end = b;
        } else if (strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " dc")) {
            if (madvise((void *)start, end - start, MADV_DOFORK) != 0) r = -1;
        }
    }
    fclose(f);
    return r;
}

/* ------------------------------------------------------------------------ */
/* Learning what a call writes                                                */

/* Copy-on-write faults are most of what a forked child spends before its
 * handler runs: each heap page of the runtime it writes first (object
 * headers, reference counts, inline caches, the allocation area) is copied
 * from the zygote then, one fault at a time. So at start a probe child (a
 * trusted, unsandboxed fork) runs one warm-up call and reports, from
 * /proc/self/pagemap, which of the zygote's pages it wrote (present and no
 * longer shared: "exclusively mapped", bit 56). Each stem then copies those
 * ahead of its job with MADV_POPULATE_WRITE, one call per run of pages,
 * off the path of the call it will run. */

typedef struct {
    uintptr_t start, end;
} span;

#define MAX_SPANS 4096
#define MAX_LEARNED_PAGES 8192 /* 32 MiB: far beyond one call's writes */

static struct {
    span regions[MAX_SPANS];    /* the zygote's private writable mappings */
    size_t nregions;
    span written[MAX_SPANS];    /* what the probe wrote, as runs of pages */
    size_t nwritten;
    int report_fd;              /* in the probe: where its findings go */
} learn = {.report_fd = -1};

static size_t private_writable(span *out, size_t max)
{
    FILE *f = fopen("/proc/self/maps", "re");
    char line[512];
    size_t n = 0;
    while (f && n < max && fgets(line, sizeof line, f)) {
        unsigned long a, b;
        char perms[5];
        if (sscanf(line, "%lx-%lx %4s", &a, &b, perms) == 3 && perms[0] == 'r' && perms[1] == 'w' && perms[3] == 'p')
            out[n++] = (span){a, b};
    }
    if (f) fclose(f);
    return n;
}

static size_t written_spans(const span *regions, size_t nregions, span *out, size_t max)
{
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    size_t n = 0, pages = 0;
    uint64_t e[512];
    for (size_t r = 0; fd >= 0 && r < nregions && pages < MAX_LEARNED_PAGES; r++) {
        for (uintptr_t a = regions[r].start; a < regions[r].end && pages < MAX_LEARNED_PAGES;) {
            size_t k = (regions[r].end - a) / page;
            if (k > sizeof e / sizeof *e) k = sizeof e / sizeof *e;
            ssize_t got = pread(fd, e, k * sizeof *e, (off_t)(a / page * sizeof *e));
            if (got <= 0) break;
            for (size_t i = 0; i < (size_t)got / sizeof *e; i++, a += page) {
                if (!(e[i] >> 63 & 1) || !(e[i] >> 56 & 1) || pages == MAX_LEARNED_PAGES) continue;
                pages++;
                if (n && out[n - 1].end == a)
                    out[n - 1].end = a + page;
                else if (n < max)
                    out[n++] = (span){a, a + page};
            }
        }
    }
    if (fd >= 0) close(fd);
    return n;
}

void perf_zygote_probe_done(void)
{
    size_t n = written_spans(learn.regions, learn.nregions, learn.written, MAX_SPANS);
    const char *p = (const char *)learn.written;
    for (size_t left = n * sizeof(span); left;) {
        ssize_t w = write(learn.report_fd, p, left);
        if (w <= 0) break;
        p += w;
        left -= (size_t)w;
    }
    _exit(0);
}

/* Forks the probe: returns 1 in it (the runtime then makes its warm-up
 * call and perf_zygote_probe_done), 0 in the zygote once it learnt. */
static int probe(int ctl, const perf_zygote_hooks *h)
{
    learn.nregions = private_writable(learn.regions, MAX_SPANS);
    int pp[2];
    if (pipe2(pp, O_CLOEXEC) != 0) return 0;
    if (h && h->before_fork) h->before_fork(h->ctx);
    pid_t pid = fork();
    if (pid == 0) {
        if (h && h->after_fork_child) h->after_fork_child(h->ctx);
        close(pp[0]);
        close(ctl);
        learn.report_fd = pp[1];
        return 1;
    }
    if (h && h->after_fork_parent) h->after_fork_parent(h->ctx);
    close(pp[1]);
    size_t got = 0;
    char *buf = (char *)learn.written;
    struct pollfd p = {pp[0], POLLIN, 0};
    while (pid > 0 && got < sizeof learn.written && poll(&p, 1, 10000) == 1) {
        ssize_t k = read(pp[0], buf + got, sizeof learn.written - got);
        if (k <= 0) break;
        got += (size_t)k;
    }
    learn.nwritten = got / sizeof(span);
    close(pp[0]);
    if (pid > 0) {
        kill(pid, SIGKILL); /* normally gone already */
        waitpid(pid, NULL, 0);
    }
    return 0;
}

/* In a stem: the copies a call would fault in, made now. */
static void populate(void)
{
    for (size_t i = 0; i < learn.nwritten; i++)
        madvise((void *)learn.written[i].start, learn.written[i].end - learn.written[i].start, MADV_POPULATE_WRITE);
}

/* A process the zygote forked: a stem waiting for its job on sock, or a
 * child running one and reporting to the performer on status. */
typedef struct {
    pid_t pid;
    int pidfd;
    int sock;       /* stems: the zygote's end of the socket the job comes on */
    int status;     /* children: the job's status socket */
    int ready;      /* stems: set up and waiting (it said so on sock) */
    int slot;       /* the cgroup slot it runs in, -1 for none */
} proc;

typedef struct {
    proc *v;
    size_t n, cap;
} procs;

#define MAX_SLOTS (PERF_ZYGOTE_MAX_CHILDREN + PERF_ZYGOTE_STEMS)

/* The serving zygote. Cgroup slots (from the performer, one per process
 * that can be alive at once) belong to a stem from its fork, so that the
 * move into a cgroup is not on a call's path, and come back when the
 * process is reaped. */
typedef struct {
    const sandbox_ctx *sb;
    const perf_zygote_hooks *h;
    int ctl;
    procs children, stems;
    int slots[MAX_SLOTS][SANDBOX_CGROUP_FILES];
    size_t nslots;
    uint8_t busy[MAX_SLOTS];
} zygote;

static void forget(procs *ps, size_t i)
{
    ps->v[i] = ps->v[--ps->n];
}

/* Closes what the zygote holds for a process, its slot coming back. */
static void release(zygote *z, proc *c)
{
    close(c->pidfd);
    if (c->sock >= 0) close(c->sock);
    if (c->status >= 0) close(c->status);
    if (c->slot >= 0) z->busy[c->slot] = 0;
}

/* Reaps an exited child and reports its wait status. */
static void reap(zygote *z, size_t i)
{
    proc *c = &z->children.v[i];
    siginfo_t si = {0};
    if (waitid(P_PIDFD, (id_t)c->pidfd, &si, WEXITED | WNOHANG) != 0 || si.si_pid == 0) return;
    zmsg m = {.type = MSG_EXITED, .value = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : si.si_status};
    send_msg(c->status, &m, NULL, 0);
    release(z, c);
    forget(&z->children, i);
}

static void kill_and_reap(zygote *z, proc *c)
{
    syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
    waitid(P_PIDFD, (id_t)c->pidfd, &(siginfo_t){0}, WEXITED);
    release(z, c);
}

/* A free cgroup slot (taken), -1 when none is free, -2 without cgroups. */
static int take_slot(zygote *z)
{
    if (!z->nslots) return -2;
    for (size_t i = 0; i < z->nslots; i++)
        if (!z->busy[i]) {
            z->busy[i] = 1;
            return (int)i;
        }
    return -1;
}

static int slot_free(const zygote *z)
{
    for (size_t i = 0; i < z->nslots; i++)
        if (!z->busy[i]) return 1;
    return !z->nslots;
}

/* Everything of the zygote's own a new process must not keep: the control
 * socket, the other processes' fds, the other slots' cgroup files. */
static size_t zygote_fds(const zygote *z, int keep_slot, int *out)
{
    size_t n = 0;
    out[n++] = z->ctl;
    for (size_t i = 0; i < z->children.n; i++) {
        out[n++] = z->children.v[i].pidfd;
        out[n++] = z->children.v[i].status;
        if (z->children.v[i].sock >= 0) out[n++] = z->children.v[i].sock;
    }
    for (size_t i = 0; i < z->stems.n; i++) {
        out[n++] = z->stems.v[i].pidfd;
        out[n++] = z->stems.v[i].sock;
    }
    for (size_t i = 0; i < z->nslots; i++)
        for (int k = 0; k < SANDBOX_CGROUP_FILES && (int)i != keep_slot; k++) out[n++] = z->slots[i][k];
    return n;
}

#define MAX_CLOSE (1 + 3 * PERF_ZYGOTE_MAX_CHILDREN + 2 * PERF_ZYGOTE_STEMS + SANDBOX_CGROUP_FILES * MAX_SLOTS + 1)

static sandbox_job job_of(zygote *z, const zmsg *m, const int *fds, int slot)
{
    return (sandbox_job){.bundle = m->text, .fds = {fds[0], fds[1], fds[2], fds[3]},
                         .cgroup = slot >= 0 ? z->slots[slot] : NULL, .limits = m->limits, .random_seed = m->seed};
}

/* Forks a stem into a free slot: in the child, after its job came (fds:
 * request, diag, diag, result) and sandbox_finish, returns 1; in the
 * zygote, adds it to stems and returns 0 (-1 if it could not). */
static int fork_stem(zygote *z)
{
    int sv[2], slot = take_slot(z);
    if (slot == -1) return -1;
    if (z->stems.n == z->stems.cap || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        if (slot >= 0) z->busy[slot] = 0;
        return -1;
    }
    int close_fds[MAX_CLOSE], pidfd = -1;
    size_t n = zygote_fds(z, slot, close_fds);
    close_fds[n++] = sv[0];
    if (z->h && z->h->before_fork) z->h->before_fork(z->h->ctx);
    pid_t pid = sandbox_fork_stem(z->sb, slot >= 0 ? z->slots[slot] : NULL, close_fds, n, &pidfd);
    if (pid == 0) {
        populate();
        /* Ready: new namespaces can take milliseconds while the kernel
         * tears down others; the zygote prefers stems that are past that. */
        ssize_t ignored = send(sv[1], "R", 1, MSG_NOSIGNAL);
        (void)ignored;
        zmsg m;
        int fds[MAX_FDS];
        int nfds = recv_msg(sv[1], &m, fds, 0);
        if (m.type != MSG_JOB || nfds != 4) _exit(0); /* the zygote is gone, or no job for us */
        close(sv[1]);
        sandbox_job job = job_of(z, &m, fds, slot);
        sandbox_finish(z->sb, &job);
        if (z->h && z->h->after_fork_child) z->h->after_fork_child(z->h->ctx);
        return 1;
    }
    if (z->h && z->h->after_fork_parent) z->h->after_fork_parent(z->h->ctx);
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        if (slot >= 0) z->busy[slot] = 0;
        return -1;
    }
    z->stems.v[z->stems.n++] = (proc){pid, pidfd, sv[0], -1, 0, slot};
    return 0;
}

/* Handles one JOB (fds: status socket, request, diag, diag, result): hands
 * it to a stem, or forks a child for it when none is left. Returns 1 in a
 * child that forked here, 0 in the zygote. */
static int start_job(zygote *z, const zmsg *m, int *fds, int nfds)
{
    int status = fds[0];
    procs *cs = &z->children, *stems = &z->stems;
    if (m->type != MSG_JOB || nfds != 5 || cs->n == cs->cap) {
        zmsg fail = {.type = MSG_FAILED, .value = cs->n == cs->cap ? EAGAIN : EINVAL};
        if (nfds > 0) send_msg(status, &fail, NULL, 0);
        for (int i = 0; i < nfds; i++) close(fds[i]);
        return 0;
    }
    proc c = {.pid = -1, .sock = -1, .status = status, .slot = -1};
    while (c.pid < 0 && stems->n) {
        size_t pick = 0; /* a ready one if any, else the oldest */
        for (size_t i = 0; i < stems->n; i++)
            if (stems->v[i].ready) {
                pick = i;
                break;
            }
        proc st = stems->v[pick];
        forget(stems, pick);
        if (send_msg(st.sock, m, fds + 1, 4) == 0) {
            /* sock stays open until the reap: closing it with the stem's
             * "ready" byte unread would make the stem's read of its job
             * fail with ECONNRESET (a Unix socket's rule). */
            c.pid = st.pid;
            c.pidfd = st.pidfd;
            c.slot = st.slot;
            c.sock = st.sock;
        } else {
            kill_and_reap(z, &st); /* it died waiting */
        }
    }
    int err = 0;
    if (c.pid < 0 && (c.slot = take_slot(z)) == -1) {
        err = EAGAIN;
    } else if (c.pid < 0) {
        if (c.slot < 0) c.slot = -1;
        int close_fds[MAX_CLOSE];
        size_t n = zygote_fds(z, c.slot, close_fds);
        close_fds[n++] = status;
        sandbox_job job = job_of(z, m, fds + 1, c.slot);
        job.close_fds = close_fds;
        job.n_close_fds = n;
        if (z->h && z->h->before_fork) z->h->before_fork(z->h->ctx);
        c.pid = sandbox_fork(z->sb, &job, &c.pidfd);
        if (c.pid == 0) {
            if (z->h && z->h->after_fork_child) z->h->after_fork_child(z->h->ctx);
            return 1;
        }
        err = errno;
        if (z->h && z->h->after_fork_parent) z->h->after_fork_parent(z->h->ctx);
        if (c.pid < 0 && c.slot >= 0) z->busy[c.slot] = 0;
    }
    for (int i = 1; i < nfds; i++) close(fds[i]);
    zmsg reply = {.type = c.pid > 0 ? MSG_STARTED : MSG_FAILED, .value = c.pid > 0 ? (int32_t)c.pid : err,
                  .slot = c.slot};
    if (c.pid <= 0 || send_msg(status, &reply, &c.pidfd, 1) != 0) {
        if (c.pid <= 0) {
            send_msg(status, &reply, NULL, 0);
            close(status);
        } else { /* the performer is gone for this job: end it */
            kill_and_reap(z, &c);
        }
        return 0;
    }
    cs->v[cs->n++] = c;
    return 0;
}

int perf_zygote_serve(int ctl, const char *version, const perf_zygote_hooks *h)
{
    zmsg m;
    int fds[MAX_FDS];
    static zygote z;
    static proc child_slots[PERF_ZYGOTE_MAX_CHILDREN], stem_slots[PERF_ZYGOTE_STEMS];
    z = (zygote){.h = h, .ctl = ctl, .children = {child_slots, 0, PERF_ZYGOTE_MAX_CHILDREN},
                 .stems = {stem_slots, 0, PERF_ZYGOTE_STEMS}};
    if (recv_msg(ctl, &m, fds, 0) != 0 || m.type != MSG_CONFIG || m.slot < 0 || m.slot > MAX_SLOTS) return -1;
    int allow_network = m.value;
    for (z.nslots = 0; z.nslots < (size_t)m.slot; z.nslots++) {
        zmsg sm;
        if (recv_msg(ctl, &sm, z.slots[z.nslots], 0) != SANDBOX_CGROUP_FILES || sm.type != MSG_SLOT) return -1;
    }
    sandbox_ctx *sb;
    char detail[SANDBOX_DETAIL_MAX] = "";
    if (sandbox_ctx_new(&sb, allow_network, detail) != SANDBOX_OK) {
        fprintf(stderr, "zygote: %s\n", detail);
        return -1;
    }
    z.sb = sb;
    if (make_inheritable() != 0) {
        sandbox_ctx_free(sb);
        return -1;
    }
    if (probe(ctl, h)) {
        sandbox_ctx_free(sb);
        return PERF_ZYGOTE_PROBE;
    }
    size_t pages = 0;
    for (size_t i = 0; i < learn.nwritten; i++)
        pages += (learn.written[i].end - learn.written[i].start) / (size_t)sysconf(_SC_PAGESIZE);
    zmsg ready = {.type = MSG_READY, .value = (int32_t)pages};
    snprintf(ready.text, sizeof ready.text, "%s", version);
    if (send_msg(ctl, &ready, NULL, 0) != 0) {
        sandbox_ctx_free(sb);
        return -1;
    }
    procs *cs = &z.children, *stems = &z.stems;
    for (;;) {
        struct pollfd p[1 + PERF_ZYGOTE_MAX_CHILDREN + 2 * PERF_ZYGOTE_STEMS];
        size_t n = 0;
        p[n++] = (struct pollfd){ctl, POLLIN, 0};
        for (size_t i = 0; i < cs->n; i++) p[n++] = (struct pollfd){cs->v[i].pidfd, POLLIN, 0};
        for (size_t i = 0; i < stems->n; i++) p[n++] = (struct pollfd){stems->v[i].pidfd, POLLIN, 0};
        for (size_t i = 0; i < stems->n; i++)
            p[n++] = (struct pollfd){stems->v[i].ready ? -1 : stems->v[i].sock, POLLIN, 0};
        /* Stems are made when nothing else is waiting (and a slot is free). */
        int r = poll(p, n, stems->n < stems->cap && slot_free(&z) ? 0 : -1);
        if (r < 0) {
            if (errno == EINTR) continue;
            _exit(70);
        }
        if (r == 0) {
            if (fork_stem(&z) == 1) break;
            continue;
        }
        for (size_t i = 0; i < stems->n; i++) {
            char b;
            if (p[1 + cs->n + stems->n + i].revents && recv(stems->v[i].sock, &b, 1, MSG_DONTWAIT) == 1)
                stems->v[i].ready = 1;
        }
        /* Exits first (from the end, since forget moves the last entry). */
        for (size_t i = stems->n; i-- > 0;)
            if (p[1 + cs->n + i].revents) {
                kill_and_reap(&z, &stems->v[i]);
                forget(stems, i);
            }
        for (size_t i = cs->n; i-- > 0;)
            if (p[1 + i].revents) reap(&z, i);
        if (!p[0].revents) continue;
        int nfds = recv_msg(ctl, &m, fds, 0);
        if (nfds == 0 && m.type == 0) _exit(0); /* the performer closed: we and our children end */
        if (nfds < 0) continue;
        if (start_job(&z, &m, fds, nfds)) break;
    }
    sandbox_ctx_free(sb);
    return 0;
}
