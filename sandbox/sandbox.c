/* sandbox.c - namespaces, the private root, per-invocation children,
 * rlimits, privilege drop and the seccomp filter (see sandbox.h); cgroups
 * are in cgroup.c.
 *
 * Code that runs in a freshly cloned or forked child before exec or before
 * returning sticks to system calls: the parent plans every path up front,
 * and errors travel as errno names (strerrorname_np, a table lookup). The
 * layout follows bubblewrap (containers/bubblewrap): a tmpfs root on a
 * staging directory in a private mount namespace, read-only binds,
 * pivot_root, then the old root detached.
 */
#include "sandbox.h"

#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const messages[SANDBOX_ERR__COUNT] = {
    [SANDBOX_OK] = "success",
    [SANDBOX_ERR_ARG] = "invalid argument",
    [SANDBOX_ERR_NOMEM] = "out of memory",
    [SANDBOX_ERR_PERM] = "not privileged enough for namespaces and mounts (run as root)",
    [SANDBOX_ERR_SPAWN] = "sandboxed process could not be set up",
    [SANDBOX_ERR_CGROUP] = "cgroup unavailable or not writable",
    [SANDBOX_ERR_SECCOMP] = "seccomp filter could not be built",
};

const char *sandbox_strerror(sandbox_err e)
{
    if ((unsigned)e >= SANDBOX_ERR__COUNT || !messages[e]) return "unknown error";
    return messages[e];
}

__attribute__((format(printf, 3, 4)))
static sandbox_err say(char *detail, sandbox_err err, const char *fmt, ...)
{
    if (detail) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, SANDBOX_DETAIL_MAX, fmt, ap);
        va_end(ap);
    }
    return err;
}

/* Copies s into buf at *at (NUL-terminated); async-signal-safe. */
static void append(char *buf, size_t cap, size_t *at, const char *s)
{
    for (; *s && *at + 1 < cap; s++) buf[(*at)++] = *s;
    buf[*at] = '\0';
}

/* Moves each fds[i] to fd i, with no other fd surviving exec (the ones
 * above n get FD_CLOEXEC). Sources are first lifted above every target so
 * that a dup2 never overwrites a source still to be moved. */
static int place_fds(const int *fds, size_t n)
{
    int lifted[8];
    if (n > sizeof lifted / sizeof *lifted) return -1;
    for (size_t i = 0; i < n; i++)
        if ((lifted[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 64)) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (dup2(lifted[i], (int)i) < 0) return -1;
        close(lifted[i]);
    }
    return syscall(SYS_close_range, (unsigned)n, ~0u, CLOSE_RANGE_CLOEXEC) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* The root: planned in the parent, carried out in the child                 */

typedef enum { OP_MKDIR, OP_SYMLINK, OP_MKFILE, OP_WRITE, OP_BIND_RO, OP_BIND_DEV, OP_TMPFS } op_kind;

typedef struct {
    op_kind kind;
    const char *a;      /* the path created or mounted on */
    const char *b;      /* symlink target, bind source, file content or tmpfs options */
} root_op;

#define MAX_OPS 64
#define POOL_BYTES 16384

typedef struct {
    root_op ops[MAX_OPS];
    size_t n;
    char pool[POOL_BYTES];  /* the strings of ops */
    size_t used;
    int overflow;
} root_plan;

static const char *keep(root_plan *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(p->pool + p->used, POOL_BYTES - p->used, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= POOL_BYTES - p->used) {
        p->overflow = 1;
        return "";
    }
    const char *s = p->pool + p->used;
    p->used += (size_t)k + 1;
    return s;
}

static void op(root_plan *p, op_kind kind, const char *a, const char *b)
{
    if (p->n == MAX_OPS) {
        p->overflow = 1;
        return;
    }
    p->ops[p->n++] = (root_op){kind, a, b};
}

/* Fixed identity files: nothing of the host's /etc is copied. */
static const struct {
    const char *name, *content;
} etc_files[] = {
    {"passwd", "root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/tmp:/usr/sbin/nologin\n"},
    {"group", "root:x:0:\nnogroup:x:65534:\n"},
    {"hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n"},
    {"hostname", SANDBOX_HOSTNAME "\n"},
    {"nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n"},
};

static void plan_root(root_plan *p, const sandbox_root *r)
{
    const char *s = r->staging;
    op(p, OP_TMPFS, s, "mode=0755,size=4m,nr_inodes=4096");
    static const char *const dirs[] = {"usr", "etc", "dev", "proc", "tmp", "var", "var/task", ".runtime"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) op(p, OP_MKDIR, keep(p, "%s/%s", s, dirs[i]), NULL);
    op(p, OP_BIND_RO, keep(p, "%s/usr", s), "/usr");
    /* Beside /usr, as the host has them: merged-/usr links, or real dirs. */
    static const char *const beside[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};
    for (size_t i = 0; i < sizeof beside / sizeof *beside; i++) {
        char host[32], target[256];
        struct stat st;
        snprintf(host, sizeof host, "/%s", beside[i]);
        if (lstat(host, &st) != 0) continue;
        if (S_ISLNK(st.st_mode)) {
            ssize_t k = readlink(host, target, sizeof target - 1);
            if (k <= 0) continue;
            target[k] = '\0';
            op(p, OP_SYMLINK, keep(p, "%s/%s", s, beside[i]), keep(p, "%s", target));
        } else if (S_ISDIR(st.st_mode)) {
            const char *dst = keep(p, "%s/%s", s, beside[i]);
            op(p, OP_MKDIR, dst, NULL);
            op(p, OP_BIND_RO, dst, keep(p, "%s", host));
        }
    }
    for (size_t i = 0; i < sizeof etc_files / sizeof *etc_files; i++)
        op(p, OP_WRITE, keep(p, "%s/etc/%s", s, etc_files[i].name), etc_files[i].content);
    if (r->allow_network) {
        struct stat st;
        if (stat("/etc/resolv.conf", &st) == 0) {
            const char *dst = keep(p, "%s/etc/resolv.conf", s);
            op(p, OP_MKFILE, dst, NULL);
            op(p, OP_BIND_RO, dst, "/etc/resolv.conf");
        }
        if (stat("/etc/ssl", &st) == 0 && S_ISDIR(st.st_mode)) {
            const char *dst = keep(p, "%s/etc/ssl", s);
            op(p, OP_MKDIR, dst, NULL);
            op(p, OP_BIND_RO, dst, "/etc/ssl");
        }
    }
    /* /dev: a few harmless character devices bound from the host. */
    op(p, OP_TMPFS, keep(p, "%s/dev", s), "mode=0755,size=64k,nr_inodes=64");
    static const char *const devs[] = {"null", "zero", "full", "random", "urandom"};
    for (size_t i = 0; i < sizeof devs / sizeof *devs; i++) {
        const char *dst = keep(p, "%s/dev/%s", s, devs[i]);
        op(p, OP_MKFILE, dst, NULL);
        op(p, OP_BIND_DEV, dst, keep(p, "/dev/%s", devs[i]));
    }
    static const char *const links[][2] = {
        {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}};
    for (size_t i = 0; i < sizeof links / sizeof *links; i++)
        op(p, OP_SYMLINK, keep(p, "%s/dev/%s", s, links[i][0]), links[i][1]);
    /* Node reads this to decide on --use-largepages; it is all of /sys shown. */
    static const char thp[] = "/sys/kernel/mm/transparent_hugepage/enabled";
    struct stat st;
    if (stat(thp, &st) == 0) {
        static const char *const parts[] = {"sys", "sys/kernel", "sys/kernel/mm", "sys/kernel/mm/transparent_hugepage"};
        for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) op(p, OP_MKDIR, keep(p, "%s/%s", s, parts[i]), NULL);
        const char *dst = keep(p, "%s%s", s, thp);
        op(p, OP_MKFILE, dst, NULL);
        op(p, OP_BIND_RO, dst, thp);
    }
    op(p, OP_BIND_RO, keep(p, "%s/.runtime", s), r->runtime_dir);
    if (r->bundles_dir) {
        const char *dst = keep(p, "%s/.bundles", s);
        op(p, OP_MKDIR, dst, NULL);
        op(p, OP_BIND_RO, dst, r->bundles_dir);
    }
}

typedef struct {
    int err;
    char what[200];
} child_error;

/* Records which step failed (async-signal-safe) and returns -1. */
static int failed(child_error *e, const char *step, const char *path)
{
    e->err = errno;
    size_t at = 0;
    append(e->what, sizeof e->what, &at, step);
    if (path) {
        append(e->what, sizeof e->what, &at, " ");
        append(e->what, sizeof e->what, &at, path);
    }
    return -1;
}

/* The file system type of a bind, a remount or a propagation change: the
 * kernel ignores it, but valgrind (3.19) reads it as a string, so a harmless
 * "none" instead of NULL keeps the valgrind test quiet. */
#define NO_FSTYPE "none"

/* A bind mount with flags: they only take effect on a remount of the bind. */
static int bind_mount(const char *src, const char *dst, unsigned long flags)
{
    if (mount(src, dst, NO_FSTYPE, MS_BIND | MS_REC, NULL) != 0) return -1;
    return mount(NULL, dst, NO_FSTYPE, MS_BIND | MS_REMOUNT | MS_NOSUID | flags, NULL);
}

static int run_op(const root_op *o, child_error *e)
{
    int fd;
    switch (o->kind) {
    case OP_MKDIR:
        return mkdir(o->a, 0755) == 0 || errno == EEXIST ? 0 : failed(e, "mkdir", o->a);
    case OP_SYMLINK:
        return symlink(o->b, o->a) == 0 ? 0 : failed(e, "symlink", o->a);
    case OP_MKFILE:
        if ((fd = open(o->a, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0) return failed(e, "create", o->a);
        close(fd);
        return 0;
    case OP_WRITE: {
        if ((fd = open(o->a, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) return failed(e, "create", o->a);
        size_t n = strlen(o->b);
        ssize_t w = write(fd, o->b, n);
        close(fd);
        return w == (ssize_t)n ? 0 : failed(e, "write", o->a);
    }
    case OP_BIND_RO:
        return bind_mount(o->b, o->a, MS_RDONLY | MS_NODEV) == 0 ? 0 : failed(e, "bind", o->b);
    case OP_BIND_DEV: /* a device node: writable (/dev/null), never executable */
        return bind_mount(o->b, o->a, MS_NOEXEC) == 0 ? 0 : failed(e, "bind", o->b);
    case OP_TMPFS:
        return mount("tmpfs", o->a, "tmpfs", MS_NOSUID | MS_NODEV, o->b) == 0 ? 0 : failed(e, "mount tmpfs on", o->a);
    }
    return failed(e, "unknown step", NULL);
}

typedef struct {
    const root_plan *plan;
    const char *staging;
    char *const *argv, *const *envp;
    const int *fds;
    size_t nfds;
    int err_fd;
} spawn_args;

static int build_root(const spawn_args *a, child_error *e)
{
    /* Nothing done here may propagate back to the host's mounts. */
    if (mount(NULL, "/", NO_FSTYPE, MS_REC | MS_PRIVATE, NULL) != 0) return failed(e, "make mounts private", NULL);
    for (size_t i = 0; i < a->plan->n; i++)
        if (run_op(&a->plan->ops[i], e) != 0) return -1;
    /* The "pivot_root(".", ".")" idiom (as runc uses): the old root ends up
     * stacked under the new one and is detached at once. */
    if (chdir(a->staging) != 0) return failed(e, "chdir", a->staging);
    if (syscall(SYS_pivot_root, ".", ".") != 0) return failed(e, "pivot_root", a->staging);
    if (umount2(".", MNT_DETACH) != 0) return failed(e, "detach the old root", NULL);
    if (chdir("/") != 0) return failed(e, "chdir /", NULL);
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) return failed(e, "mount /proc", NULL);
    if (mount(NULL, "/dev", NO_FSTYPE, MS_REMOUNT | MS_RDONLY | MS_NOSUID, NULL) != 0) return failed(e, "read-only /dev", NULL);
    if (mount(NULL, "/", NO_FSTYPE, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
        return failed(e, "read-only /", NULL);
    if (sethostname(SANDBOX_HOSTNAME, strlen(SANDBOX_HOSTNAME)) != 0) return failed(e, "sethostname", NULL);
    return 0;
}

static int spawn_child(void *arg)
{
    const spawn_args *a = arg;
    child_error e = {0};
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fds[8];
    if (a->nfds) memcpy(fds, a->fds, a->nfds * sizeof *fds);
    if (build_root(a, &e) == 0) {
        if (place_fds(fds, a->nfds) != 0) {
            failed(&e, "set up fds", NULL);
        } else {
            execve(a->argv[0], a->argv, a->envp);
            failed(&e, "execute", a->argv[0]);
        }
    }
    ssize_t ignored = write(a->err_fd, &e, sizeof e);
    (void)ignored;
    _exit(127);
}

sandbox_err sandbox_spawn(const sandbox_root *root, char *const argv[], char *const envp[], const int *fds, size_t nfds,
                          pid_t *pid, int *pidfd, char *detail)
{
    if (!root || !root->staging || !root->runtime_dir || !argv || !argv[0] || argv[0][0] != '/' || !envp ||
        nfds > 8 || (nfds && !fds) || !pid || !pidfd)
        return SANDBOX_ERR_ARG;
    root_plan *plan = calloc(1, sizeof *plan);
    if (!plan) return SANDBOX_ERR_NOMEM;
    plan_root(plan, root);
    if (plan->overflow) {
        free(plan);
        return say(detail, SANDBOX_ERR_ARG, "root plan too large");
    }
    int errp[2];
    if (pipe2(errp, O_CLOEXEC) != 0) {
        free(plan);
        return say(detail, SANDBOX_ERR_SPAWN, "pipe: %s", strerror(errno));
    }
    const size_t stack_size = 256 << 10;
    void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    sandbox_err err = SANDBOX_OK;
    if (stack == MAP_FAILED) {
        err = SANDBOX_ERR_NOMEM;
        goto out;
    }
    spawn_args a = {plan, root->staging, argv, envp, fds, nfds, errp[1]};
    int pfd = -1;
    /* No CLONE_VM: the child gets a copy of this address space, stack included. */
    pid_t p = clone(spawn_child, (char *)stack + stack_size,
                    CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_PIDFD | SIGCHLD, &a, &pfd);
    munmap(stack, stack_size);
    if (p < 0) {
        err = errno == EPERM ? SANDBOX_ERR_PERM : SANDBOX_ERR_SPAWN;
        say(detail, err, "clone: %s", strerror(errno));
        goto out;
    }
    close(errp[1]);
    errp[1] = -1;
    child_error e;
    ssize_t n;
    do n = read(errp[0], &e, sizeof e);
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof e) { /* exec never happened */
        waitpid(p, NULL, 0);
        close(pfd);
        err = e.err == EPERM ? SANDBOX_ERR_PERM : SANDBOX_ERR_SPAWN;
        say(detail, err, "%s: %s", e.what, strerror(e.err));
        goto out;
    }
    *pid = p;
    *pidfd = pfd;
out:
    for (int i = 0; i < 2; i++)
        if (errp[i] >= 0) close(errp[i]);
    free(plan);
    return err;
}

/* ------------------------------------------------------------------------ */
/* The seccomp filter                                                         */

struct sandbox_ctx {
    struct sock_fprog prog;
    int pidns_fd;           /* the zygote's own PID namespace */
    int allow_network;
};

/* Calls sandboxed code never needs and that reach kernel attack surface or
 * other processes: refused with EPERM (a clear error, not a kill). Names
 * unknown to this kernel's architecture are skipped. */
static const char *const denied_calls[] = {
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "perf_event_open", "bpf",
    "userfaultfd", "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
    "swapon", "swapoff", "acct", "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount",
    "fspick", "move_mount", "open_tree", "mount_setattr", "unshare", "setns", "keyctl", "add_key", "request_key",
    "syslog", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "quotactl", "quotactl_fd",
    "lookup_dcookie", "vhangup", "iopl", "ioperm", "uselib", "sysfs", "_sysctl", "nfsservctl", "ustat",
    "open_by_handle_at", "name_to_handle_at", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "fanotify_init", "memfd_secret",
};

/* Socket families besides AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK
 * (route queries such as os.networkInterfaces()), below AF_NETLINK: those
 * above it are refused by one range rule. */
static const int denied_families[] = {AF_UNSPEC, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15};

static int rule(scmp_filter_ctx f, uint32_t action, const char *name, unsigned n, const struct scmp_arg_cmp *cmp)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) return 0;
    return seccomp_rule_add_array(f, action, nr, n, cmp);
}

/* A comparison on the first argument (SCMP_A0 without its missing field). */
static struct scmp_arg_cmp arg0(enum scmp_compare op, scmp_datum_t a, scmp_datum_t b)
{
    return (struct scmp_arg_cmp){.arg = 0, .op = op, .datum_a = a, .datum_b = b};
}

static int build_filter(scmp_filter_ctx f, int allow_network)
{
    int r = 0;
    for (size_t i = 0; i < sizeof denied_calls / sizeof *denied_calls && !r; i++)
        r = rule(f, SCMP_ACT_ERRNO(EPERM), denied_calls[i], 0, NULL);
    /* clone3 passes its flags in memory, out of a filter's sight: ENOSYS
     * makes glibc fall back to clone, whose flags are checked here. */
    if (!r) r = rule(f, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
    /* getrandom(2) would bypass the task's random stream: ENOSYS makes libc
     * (getentropy, arc4random), CPython and OpenSSL read /dev/urandom. */
    if (!r) r = rule(f, SCMP_ACT_ERRNO(ENOSYS), "getrandom", 0, NULL);
    static const unsigned long ns_flags[] = {CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
                                             CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP};
    for (size_t i = 0; i < sizeof ns_flags / sizeof *ns_flags && !r; i++) {
        struct scmp_arg_cmp c = arg0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]);
        r = rule(f, SCMP_ACT_ERRNO(EPERM), "clone", 1, &c);
    }
    for (size_t i = 0; i < sizeof denied_families / sizeof *denied_families && !r; i++) {
        struct scmp_arg_cmp c = arg0(SCMP_CMP_EQ, (scmp_datum_t)denied_families[i], 0);
        r = rule(f, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &c);
    }
    if (!r) {
        struct scmp_arg_cmp c = arg0(SCMP_CMP_GT, AF_NETLINK, 0);
        r = rule(f, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &c);
    }
    if (!r && allow_network) {
        /* In the host's network namespace, AF_UNIX sockets could reach the
         * host's abstract socket names (D-Bus, container runtimes...). */
        struct scmp_arg_cmp c = arg0(SCMP_CMP_EQ, AF_UNIX, 0);
        r = rule(f, SCMP_ACT_ERRNO(EPERM), "socket", 1, &c);
    }
    return r;
}

sandbox_err sandbox_ctx_new(sandbox_ctx **out, int allow_network, char *detail)
{
    if (!out) return SANDBOX_ERR_ARG;
    sandbox_ctx *c = calloc(1, sizeof *c);
    if (!c) return SANDBOX_ERR_NOMEM;
    c->allow_network = allow_network;
    c->pidns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
    sandbox_err err = SANDBOX_OK;
    int memfd = -1, r;
    if (c->pidns_fd < 0) {
        err = say(detail, SANDBOX_ERR_PERM, "open /proc/self/ns/pid: %s", strerror(errno));
    } else if (!f || (r = build_filter(f, allow_network)) != 0) {
        err = say(detail, SANDBOX_ERR_SECCOMP, "seccomp rules: %s", f ? strerror(-r) : "seccomp_init failed");
    } else if ((memfd = memfd_create("seccomp", MFD_CLOEXEC)) < 0 || (r = seccomp_export_bpf(f, memfd)) != 0) {
        err = say(detail, SANDBOX_ERR_SECCOMP, "seccomp export: %s", strerror(memfd < 0 ? errno : -r));
    } else {
        /* Exported once here, loaded with one prctl in each child. */
        off_t size = lseek(memfd, 0, SEEK_END);
        c->prog.filter = size > 0 ? malloc((size_t)size) : NULL;
        c->prog.len = (unsigned short)((size_t)size / sizeof(struct sock_filter));
        if (!c->prog.filter || pread(memfd, c->prog.filter, (size_t)size, 0) != size)
            err = say(detail, SANDBOX_ERR_SECCOMP, "seccomp export: short read");
    }
    if (memfd >= 0) close(memfd);
    seccomp_release(f);
    if (err) {
        sandbox_ctx_free(c);
        return err;
    }
    *out = c;
    return SANDBOX_OK;
}

void sandbox_ctx_free(sandbox_ctx *c)
{
    if (!c) return;
    if (c->pidns_fd >= 0) close(c->pidns_fd);
    free(c->prog.filter);
    free(c);
}

/* ------------------------------------------------------------------------ */
/* Per-invocation children                                                    */

/* Writes "sandbox: <what>: <ERRNO>" to fd 2 and exits; async-signal-safe. */
__attribute__((noreturn)) static void child_fail(const char *what, const char *path)
{
    char msg[320];
    size_t at = 0;
    const char *name = strerrorname_np(errno);
    append(msg, sizeof msg, &at, "sandbox: ");
    append(msg, sizeof msg, &at, what);
    if (path) {
        append(msg, sizeof msg, &at, " ");
        append(msg, sizeof msg, &at, path);
    }
    append(msg, sizeof msg, &at, ": ");
    append(msg, sizeof msg, &at, name ? name : "unknown error");
    append(msg, sizeof msg, &at, "\n");
    ssize_t ignored = write(2, msg, at);
    (void)ignored;
    _exit(SANDBOX_EXIT_SETUP);
}

static int set_limit(int resource, rlim_t value)
{
    struct rlimit rl = {value, value};
    return setrlimit(resource, &rl);
}

/* v in decimal, NUL-terminated, at the end of buf; async-signal-safe. */
static const char *decimal(char buf[24], uint64_t v)
{
    size_t k = 23;
    buf[k] = '\0';
    do buf[--k] = (char)('0' + v % 10);
    while ((v /= 10) && k);
    return buf + k;
}

static int write_number(int fd, uint64_t v)
{
    char buf[24];
    const char *s = decimal(buf, v);
    size_t n = strlen(s);
    return pwrite(fd, s, n, 0) == (ssize_t)n ? 0 : -1;
}

/* ChaCha20 (RFC 8439 §2.3): the 64-byte block `counter` of the keystream
 * for key (little-endian words) and an all-zero nonce; async-signal-safe. */
#define CHACHA_ROTL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define CHACHA_QR(a, b, c, d) \
    (a += b, d ^= a, d = CHACHA_ROTL(d, 16), c += d, b ^= c, b = CHACHA_ROTL(b, 12), \
     a += b, d ^= a, d = CHACHA_ROTL(d, 8), c += d, b ^= c, b = CHACHA_ROTL(b, 7))
static void chacha20_block(uint8_t out[64], const uint32_t key[8], uint32_t counter)
{
    uint32_t s[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, key[0], key[1], key[2], key[3],
                      key[4], key[5], key[6], key[7], counter, 0, 0, 0};
    uint32_t x[16];
    memcpy(x, s, sizeof x);
    for (int i = 0; i < 10; i++) { /* 20 rounds: a column round and a diagonal round each */
        CHACHA_QR(x[0], x[4], x[8], x[12]);
        CHACHA_QR(x[1], x[5], x[9], x[13]);
        CHACHA_QR(x[2], x[6], x[10], x[14]);
        CHACHA_QR(x[3], x[7], x[11], x[15]);
        CHACHA_QR(x[0], x[5], x[10], x[15]);
        CHACHA_QR(x[1], x[6], x[11], x[12]);
        CHACHA_QR(x[2], x[7], x[8], x[13]);
        CHACHA_QR(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) {
        uint32_t v = x[i] + s[i];
        out[4 * i] = (uint8_t)v;
        out[4 * i + 1] = (uint8_t)(v >> 8);
        out[4 * i + 2] = (uint8_t)(v >> 16);
        out[4 * i + 3] = (uint8_t)(v >> 24);
    }
}

/* /dev/urandom and /dev/random become one FIFO holding the first
 * SANDBOX_RANDOM_BYTES of the seed's ChaCha20 keystream. The child keeps its
 * write end (close-on-exec, never written again), so every open, also by
 * programs it runs, reads on in the one stream without waiting for a
 * writer; reads past its end wait. Made in /tmp (just mounted), bound over
 * both devices read-only, and unlinked there. */
static void seed_random(const uint8_t seed[32])
{
    static const char fifo[] = "/tmp/.urandom";
    if (mkfifo(fifo, 0444) != 0) child_fail("mkfifo", fifo);
    int fd = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) child_fail("open", fifo);
    uint32_t key[8];
    for (int i = 0; i < 8; i++)
        key[i] = (uint32_t)seed[4 * i] | (uint32_t)seed[4 * i + 1] << 8 | (uint32_t)seed[4 * i + 2] << 16 |
                 (uint32_t)seed[4 * i + 3] << 24;
    uint8_t chunk[4096];
    uint32_t counter = 0;
    /* A pipe smaller than the stream (a lowered pipe-max-size) keeps its
     * prefix: the same bytes for the same seed all the same. */
    for (size_t done = 0; done < SANDBOX_RANDOM_BYTES; done += sizeof chunk) {
        for (size_t i = 0; i < sizeof chunk; i += 64) chacha20_block(chunk + i, key, counter++);
        if (write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk) break;
    }
    if (bind_mount(fifo, "/dev/urandom", MS_RDONLY | MS_NODEV) != 0 || bind_mount(fifo, "/dev/random", MS_RDONLY | MS_NODEV) != 0)
        child_fail("bind", "/dev/urandom");
    if (unlink(fifo) != 0) child_fail("unlink", fifo);
}

/* Stage 1, in a fresh child: its cgroup, its own namespaces and /proc. */
static void enter_namespaces(const sandbox_ctx *c, const int *cgroup, const int *close_fds, size_t n_close)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (size_t i = 0; i < n_close; i++) close(close_fds[i]);
    for (int i = 0; cgroup && i < 2; i++)
        if (write(cgroup[i], "0", 1) != 1) child_fail("join cgroup", NULL);
    if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | (c->allow_network ? 0 : CLONE_NEWNET)) != 0)
        child_fail("unshare", NULL);
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) child_fail("mount", "/proc");
}

void sandbox_finish(const sandbox_ctx *c, const sandbox_job *job)
{
    if (place_fds(job->fds, 4) != 0) child_fail("set up fds", NULL);
    for (size_t i = 0; i < 4; i++)
        if (job->fds[i] > 3) close(job->fds[i]);

    if (job->cgroup) {
        if (job->limits.memory_bytes && write_number(job->cgroup[2], job->limits.memory_bytes) != 0)
            child_fail("set memory limit", NULL);
        if (write_number(job->cgroup[3], job->limits.procs) != 0) child_fail("set process limit", NULL);
        for (int i = 0; i < SANDBOX_CGROUP_FILES; i++) close(job->cgroup[i]); /* no way back to them */
    }
    if (!job->bundle || strchr(job->bundle, '/') || strlen(job->bundle) >= 200) {
        errno = EINVAL;
        child_fail("bundle name", job->bundle);
    }
    char src[256] = "/.bundles/", tmp_opts[96] = "mode=1777,size=", num[24];
    size_t at = strlen(src), ot = strlen(tmp_opts);
    append(src, sizeof src, &at, job->bundle);
    append(tmp_opts, sizeof tmp_opts, &ot, decimal(num, job->limits.tmp_bytes));
    append(tmp_opts, sizeof tmp_opts, &ot, ",nr_inodes=4096");
    if (bind_mount(src, "/var/task", MS_RDONLY | MS_NODEV) != 0) child_fail("bind", src);
    /* Hidden under an empty read-only tmpfs: mounting over is quick, while
     * an unmount waits for an RCU grace period (milliseconds under load). */
    if (mount("tmpfs", "/.bundles", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,nr_inodes=1") != 0)
        child_fail("hide", "/.bundles");
    if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, tmp_opts) != 0) child_fail("mount", "/tmp");
    if (job->random_seed) seed_random(job->random_seed);
    if (chdir("/var/task") != 0) child_fail("chdir", "/var/task");

    if (set_limit(RLIMIT_CPU, job->limits.cpu_seconds) != 0 || set_limit(RLIMIT_NOFILE, job->limits.open_files) != 0 ||
        set_limit(RLIMIT_FSIZE, job->limits.tmp_bytes) != 0 || set_limit(RLIMIT_CORE, 0) != 0 ||
        (!job->cgroup && set_limit(RLIMIT_NPROC, job->limits.procs) != 0))
        child_fail("setrlimit", NULL);

    /* Drop every capability for good: the bounding set first (that needs
     * CAP_SETPCAP), then the ids, which empties the other sets. */
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) child_fail("drop capability", NULL);
    if (setgroups(0, NULL) != 0 || setresgid(SANDBOX_GID, SANDBOX_GID, SANDBOX_GID) != 0 ||
        setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID) != 0)
        child_fail("drop privileges", NULL);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* a credential change cleared it */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail("no_new_privs", NULL);
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &c->prog) != 0) child_fail("seccomp", NULL);
}

/* A bundle name is one plain path component. */
static int valid_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n < 200 && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

pid_t sandbox_fork_stem(const sandbox_ctx *c, const int *cgroup, const int *close_fds, size_t n_close, int *pidfd)
{
    if (!c || !pidfd || (n_close && !close_fds)) {
        errno = EINVAL;
        return -1;
    }
    /* The next child is pid 1 of a new PID namespace; this process stays in
     * its own, and goes back to creating children there right after. */
    if (unshare(CLONE_NEWPID) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        enter_namespaces(c, cgroup, close_fds, n_close);
        return 0;
    }
    int saved = errno;
    if (setns(c->pidns_fd, CLONE_NEWPID) != 0) {
        saved = errno;
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
        pid = -1;
    }
    if (pid > 0 && (*pidfd = pidfd_open(pid, 0)) < 0) {
        saved = errno;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        pid = -1;
    }
    errno = saved;
    return pid;
}

pid_t sandbox_fork(const sandbox_ctx *c, const sandbox_job *job, int *pidfd)
{
    if (!c || !job || !pidfd || !valid_name(job->bundle) || !job->limits.cpu_seconds || !job->limits.open_files ||
        !job->limits.tmp_bytes || !job->limits.procs) {
        errno = EINVAL;
        return -1;
    }
    pid_t pid = sandbox_fork_stem(c, job->cgroup, job->close_fds, job->n_close_fds, pidfd);
    if (pid == 0) sandbox_finish(c, job);
    return pid;
}
