/* zygote.c - the zygote protocol, both ends (see performer.h).
 *
 * A zygote is a runtime (node, python3) that pre-initialised itself and
 * then handed its main thread to perf_zygote_serve, which forks one
 * sandboxed child per job. The performer talks to it over a SOCK_SEQPACKET
 * control socket (message boundaries kept, fds passed with SCM_RIGHTS):
 *
 *   performer -> zygote  CONFIG {allow_network}             once, first
 *   zygote -> performer  READY  {version}                   once
 *   performer -> zygote  JOB    {bundle, limits} + fds:     per invocation
 *                        status socket, request, diag, result, cgroup.procs...
 *   zygote -> performer  on the job's status socket: STARTED {pid} + pidfd
 *                        (or FAILED {errno}), later EXITED {wait status}
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

enum { MSG_CONFIG = 1, MSG_READY, MSG_JOB, MSG_STARTED, MSG_FAILED, MSG_EXITED };
#define MAX_FDS 8

typedef struct {
    uint32_t type;
    int32_t value;          /* allow_network, pages learnt, pid, errno or wait status */
    char text[80];          /* version, or the job's bundle name */
    sandbox_limits limits;
} zmsg;

static int send_msg(int sock, const zmsg *m, const int *fds, size_t nfds)
{
    struct iovec io = {(void *)m, sizeof *m};
    union {
        char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
        struct cmsghdr align;
    } u;
    struct msghdr h = {.msg_iov = &io, .msg_iovlen = 1};
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

perf_err perf_zygote_configure(int ctl, int allow_network, int timeout_ms, char *version, size_t version_len,
                               unsigned *learned_pages)
{
    zmsg m = {.type = MSG_CONFIG, .value = allow_network};
    if (send_msg(ctl, &m, NULL, 0) != 0) return PERF_ERR_RUNTIME;
    struct pollfd p = {ctl, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) != 1) return PERF_ERR_RUNTIME;
    int fds[MAX_FDS];
    if (recv_msg(ctl, &m, fds, 0) != 0 || m.type != MSG_READY) return PERF_ERR_RUNTIME;
    snprintf(version, version_len, "%.*s", (int)sizeof m.text, m.text);
    *learned_pages = (unsigned)m.value;
    return PERF_OK;
}

perf_err perf_zygote_submit(int ctl, const char *bundle, const sandbox_limits *lim, const int fds[4], const int *cgroup,
                            size_t ncgroup, int *status_fd)
{
    if (strlen(bundle) >= sizeof((zmsg *)0)->text || ncgroup + 5 > MAX_FDS) return PERF_ERR_ARG;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return PERF_ERR_IO;
    zmsg m = {.type = MSG_JOB, .limits = *lim};
    snprintf(m.text, sizeof m.text, "%s", bundle);
    int all[MAX_FDS] = {sv[1], fds[0], fds[1], fds[2], fds[3]};
    for (size_t i = 0; i < ncgroup; i++) all[5 + i] = cgroup[i];
    int r = send_msg(ctl, &m, all, 5 + ncgroup);
    close(sv[1]);
    if (r != 0) {
        close(sv[0]);
        return PERF_ERR_RUNTIME;
    }
    *status_fd = sv[0];
    return PERF_OK;
}

perf_err perf_zygote_started(int status_fd, int timeout_ms, int *pidfd, int *err)
{
    struct pollfd p = {status_fd, POLLIN, 0};
    zmsg m;
    int fds[MAX_FDS];
    *err = 0;
    if (poll(&p, 1, timeout_ms) != 1) return PERF_ERR_RUNTIME;
    int n = recv_msg(status_fd, &m, fds, 0);
    if (m.type == MSG_STARTED && n == 1) {
        *pidfd = fds[0];
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
} proc;

typedef struct {
    proc *v;
    size_t n, cap;
} procs;

static void forget(procs *ps, size_t i)
{
    ps->v[i] = ps->v[--ps->n];
}

/* Reaps an exited child and reports its wait status. */
static void reap(procs *cs, size_t i)
{
    proc *c = &cs->v[i];
    siginfo_t si = {0};
    if (waitid(P_PIDFD, (id_t)c->pidfd, &si, WEXITED | WNOHANG) != 0 || si.si_pid == 0) return;
    zmsg m = {.type = MSG_EXITED, .value = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : si.si_status};
    if (c->status >= 0) {
        send_msg(c->status, &m, NULL, 0);
        close(c->status);
    }
    if (c->sock >= 0) close(c->sock);
    close(c->pidfd);
    forget(cs, i);
}

static void kill_and_reap(proc *c)
{
    syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
    waitid(P_PIDFD, (id_t)c->pidfd, &(siginfo_t){0}, WEXITED);
    close(c->pidfd);
    if (c->sock >= 0) close(c->sock);
    if (c->status >= 0) close(c->status);
}

/* Everything of the zygote's own a new process must not keep. */
static size_t zygote_fds(int ctl, const procs *cs, const procs *stems, int *out)
{
    size_t n = 0;
    out[n++] = ctl;
    for (size_t i = 0; i < cs->n; i++) {
        out[n++] = cs->v[i].pidfd;
        out[n++] = cs->v[i].status;
    }
    for (size_t i = 0; i < stems->n; i++) {
        out[n++] = stems->v[i].pidfd;
        out[n++] = stems->v[i].sock;
    }
    return n;
}

static sandbox_job job_of(const zmsg *m, const int *fds, int nfds)
{
    return (sandbox_job){.bundle = m->text, .fds = {fds[0], fds[1], fds[2], fds[3]}, .cgroup_procs = fds + 4,
                         .n_cgroup_procs = (size_t)(nfds - 4), .limits = m->limits};
}

/* Forks a stem: in the child, after its job came (fds: request, diag,
 * diag, result, cgroup.procs...) and sandbox_finish, returns 1; in the
 * zygote, adds it to stems and returns 0 (-1 if it could not fork). */
static int fork_stem(const sandbox_ctx *sb, int ctl, procs *cs, procs *stems, const perf_zygote_hooks *h)
{
    int sv[2];
    if (stems->n == stems->cap || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return -1;
    int close_fds[2 + 2 * (PERF_ZYGOTE_MAX_CHILDREN + PERF_ZYGOTE_STEMS) + 1];
    size_t n = zygote_fds(ctl, cs, stems, close_fds);
    close_fds[n++] = sv[0];
    int pidfd = -1;
    if (h && h->before_fork) h->before_fork(h->ctx);
    pid_t pid = sandbox_fork_stem(sb, close_fds, n, &pidfd);
    if (pid == 0) {
        populate();
        /* Ready: new namespaces can take milliseconds while the kernel
         * tears down others; the zygote prefers stems that are past that. */
        ssize_t ignored = send(sv[1], "R", 1, MSG_NOSIGNAL);
        (void)ignored;
        zmsg m;
        int fds[MAX_FDS];
        int nfds = recv_msg(sv[1], &m, fds, 0);
        if (m.type != MSG_JOB || nfds < 4) _exit(0); /* the zygote is gone, or no job for us */
        close(sv[1]);
        sandbox_job job = job_of(&m, fds, nfds);
        sandbox_finish(sb, &job);
        if (h && h->after_fork_child) h->after_fork_child(h->ctx);
        return 1;
    }
    if (h && h->after_fork_parent) h->after_fork_parent(h->ctx);
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        return -1;
    }
    stems->v[stems->n++] = (proc){pid, pidfd, sv[0], -1, 0};
    return 0;
}

/* Handles one JOB (fds: status socket, request, diag, diag, result,
 * cgroup.procs...): hands it to a stem, or forks a child for it when none
 * is left. Returns 1 in a child that forked here, 0 in the zygote. */
static int start_job(const sandbox_ctx *sb, int ctl, procs *cs, procs *stems, const zmsg *m, int *fds, int nfds,
                     const perf_zygote_hooks *h)
{
    int status = fds[0];
    if (m->type != MSG_JOB || nfds < 5 || cs->n == cs->cap) {
        zmsg fail = {.type = MSG_FAILED, .value = cs->n == cs->cap ? EAGAIN : EINVAL};
        if (nfds > 0) send_msg(status, &fail, NULL, 0);
        for (int i = 0; i < nfds; i++) close(fds[i]);
        return 0;
    }
    proc c = {.pid = -1, .sock = -1, .status = status};
    while (c.pid < 0 && stems->n) {
        size_t pick = 0; /* a ready one if any, else the oldest */
        for (size_t i = 0; i < stems->n; i++)
            if (stems->v[i].ready) {
                pick = i;
                break;
            }
        proc st = stems->v[pick];
        forget(stems, pick);
        if (send_msg(st.sock, m, fds + 1, (size_t)nfds - 1) == 0) {
            c.pid = st.pid;
            c.pidfd = st.pidfd;
            close(st.sock);
        } else {
            kill_and_reap(&st); /* it died waiting */
        }
    }
    int err = 0;
    if (c.pid < 0) {
        int close_fds[2 + 2 * (PERF_ZYGOTE_MAX_CHILDREN + PERF_ZYGOTE_STEMS) + 1];
        size_t n = zygote_fds(ctl, cs, stems, close_fds);
        close_fds[n++] = status;
        sandbox_job job = job_of(m, fds + 1, nfds - 1);
        job.close_fds = close_fds;
        job.n_close_fds = n;
        if (h && h->before_fork) h->before_fork(h->ctx);
        c.pid = sandbox_fork(sb, &job, &c.pidfd);
        if (c.pid == 0) {
            if (h && h->after_fork_child) h->after_fork_child(h->ctx);
            return 1;
        }
        err = errno;
        if (h && h->after_fork_parent) h->after_fork_parent(h->ctx);
    }
    for (int i = 1; i < nfds; i++) close(fds[i]);
    zmsg reply = {.type = c.pid > 0 ? MSG_STARTED : MSG_FAILED, .value = c.pid > 0 ? (int32_t)c.pid : err};
    if (c.pid < 0 || send_msg(status, &reply, &c.pidfd, 1) != 0) {
        if (c.pid < 0) send_msg(status, &reply, NULL, 0);
        if (c.pid > 0) /* the performer is gone for this job: end it */
            kill_and_reap(&c);
        else
            close(status);
        return 0;
    }
    cs->v[cs->n++] = c;
    return 0;
}

int perf_zygote_serve(int ctl, const char *version, const perf_zygote_hooks *h)
{
    zmsg m;
    int fds[MAX_FDS];
    if (recv_msg(ctl, &m, fds, 0) != 0 || m.type != MSG_CONFIG) return -1;
    sandbox_ctx *sb;
    char detail[SANDBOX_DETAIL_MAX] = "";
    if (sandbox_ctx_new(&sb, m.value, detail) != SANDBOX_OK) {
        fprintf(stderr, "zygote: %s\n", detail);
        return -1;
    }
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
    static proc child_slots[PERF_ZYGOTE_MAX_CHILDREN], stem_slots[PERF_ZYGOTE_STEMS];
    procs cs = {child_slots, 0, PERF_ZYGOTE_MAX_CHILDREN}, stems = {stem_slots, 0, PERF_ZYGOTE_STEMS};
    for (;;) {
        struct pollfd p[1 + PERF_ZYGOTE_MAX_CHILDREN + 2 * PERF_ZYGOTE_STEMS];
        size_t n = 0;
        p[n++] = (struct pollfd){ctl, POLLIN, 0};
        for (size_t i = 0; i < cs.n; i++) p[n++] = (struct pollfd){cs.v[i].pidfd, POLLIN, 0};
        for (size_t i = 0; i < stems.n; i++) p[n++] = (struct pollfd){stems.v[i].pidfd, POLLIN, 0};
        for (size_t i = 0; i < stems.n; i++) p[n++] = (struct pollfd){stems.v[i].ready ? -1 : stems.v[i].sock, POLLIN, 0};
        /* Stems are made when nothing else is waiting. */
        int r = poll(p, n, stems.n < stems.cap ? 0 : -1);
        if (r < 0) {
            if (errno == EINTR) continue;
            _exit(70);
        }
        if (r == 0) {
            if (fork_stem(sb, ctl, &cs, &stems, h) == 1) break;
            continue;
        }
        for (size_t i = 0; i < stems.n; i++) {
            char b;
            if (p[1 + cs.n + stems.n + i].revents && recv(stems.v[i].sock, &b, 1, MSG_DONTWAIT) == 1) stems.v[i].ready = 1;
        }
        /* Exits first (from the end, since forget moves the last entry). */
        for (size_t i = stems.n; i-- > 0;)
            if (p[1 + cs.n + i].revents) {
                kill_and_reap(&stems.v[i]);
                forget(&stems, i);
            }
        for (size_t i = cs.n; i-- > 0;)
            if (p[1 + i].revents) reap(&cs, i);
        if (!p[0].revents) continue;
        int nfds = recv_msg(ctl, &m, fds, 0);
        if (nfds == 0 && m.type == 0) _exit(0); /* the performer closed: we and our children end */
        if (nfds < 0) continue;
        if (start_job(sb, ctl, &cs, &stems, &m, fds, nfds, h)) break;
    }
    sandbox_ctx_free(sb);
    return 0;
}
