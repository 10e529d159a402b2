/* sandbox.h - per-invocation isolation for function runtimes (SPEC §5).
 *
 * Two levels, matching the performer's zygote design:
 *
 * 1. sandbox_spawn() starts a runtime process (a zygote) in its own PID,
 *    mount, IPC and UTS namespaces, on a private root built from scratch: a
 *    read-only tmpfs holding read-only binds of /usr (and the /bin, /lib...
 *    links or dirs beside it), a minimal /etc and /dev, the runtime
 *    directory at /.runtime, the bundle cache at /.bundles, empty mount
 *    points /var/task and /tmp, and its own /proc. Nothing else of the host
 *    (home directories, keys, /etc/shadow, other mounts) exists there.
 *
 * 2. sandbox_fork(), called in that zygote, forks one child per invocation
 *    that, before returning to the caller's code, enters fresh PID (it is
 *    pid 1 of its own), mount, network (none but a down loopback, unless
 *    the operator allows the network), IPC and UTS namespaces; sees its
 *    bundle read-only at /var/task and no other bundle; gets a fresh tmpfs
 *    /tmp, which vanishes with it; joins its cgroups (memory, processes);
 *    takes rlimits (CPU time, open files, file size, no core dumps); drops
 *    to an unprivileged uid/gid with no capabilities; sets no_new_privs;
 *    and loads a seccomp filter (sandbox_ctx) that refuses ptrace, process
 *    memory access, mounts, namespace and keyring calls, kernel modules,
 *    clock setting, io_uring, bpf, perf events and exotic socket families.
 *
 * Randomness. In a child whose job has a random_seed, /dev/urandom and
 * /dev/random are one FIFO holding the first SANDBOX_RANDOM_BYTES of the
 * ChaCha20 keystream (RFC 8439; key = the seed, nonce and first counter 0):
 * every open, also by the programs the child runs, reads on in that one
 * stream, so the same seed gives the same bytes in the same order on every
 * host; a read past its end waits (until the caller's timeout). getrandom(2)
 * fails with ENOSYS in every child, which makes libc (getentropy,
 * arc4random), CPython and OpenSSL read /dev/urandom instead. Without a seed
 * the devices are the host's.
 *
 * The caller must have CAP_SYS_ADMIN (the performer runs as root).
 * Conventions: functions return sandbox_err (SANDBOX_OK == 0), with
 * sandbox_strerror() naming each code and an optional `detail` buffer
 * (SANDBOX_DETAIL_MAX bytes) saying which step failed and why.
 */
#ifndef FAAS_SANDBOX_H
#define FAAS_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    SANDBOX_OK = 0,
    SANDBOX_ERR_ARG,        /* invalid argument */
    SANDBOX_ERR_NOMEM,      /* out of memory */
    SANDBOX_ERR_PERM,       /* not privileged enough to create namespaces or mounts */
    SANDBOX_ERR_SPAWN,      /* the process could not be created or set up (detail says which step) */
    SANDBOX_ERR_CGROUP,     /* no usable cgroup, or a cgroup file could not be written */
    SANDBOX_ERR_SECCOMP,    /* the seccomp filter could not be built */
    SANDBOX_ERR__COUNT
} sandbox_err;

/* Static one-line message for e; never NULL. */
const char *sandbox_strerror(sandbox_err e);

#define SANDBOX_DETAIL_MAX 256
/* Exit code of a sandbox_fork child whose sandbox could not be set up; it
 * wrote the reason to its fd 2 first. */
#define SANDBOX_EXIT_SETUP 121
/* The unprivileged identity of sandboxed code ("nobody"). */
#define SANDBOX_UID 65534
#define SANDBOX_GID 65534
#define SANDBOX_HOSTNAME "faas"
/* How much of a seed's stream /dev/urandom holds: a pipe's default
 * capacity, made in about 0.1 ms on each call. */
#define SANDBOX_RANDOM_BYTES 65536

/* ------------------------------------------------------------------------ */
/* Runtime processes                                                          */

typedef struct {
    const char *staging;        /* an empty directory the root is built on (in a private mount namespace) */
    const char *runtime_dir;    /* bound read-only at /.runtime */
    const char *bundles_dir;    /* bound read-only at /.bundles; NULL for none */
    int allow_network;          /* also bind /etc/resolv.conf and /etc/ssl */
} sandbox_root;

/* Starts argv[0] (an absolute path inside the root, e.g. /usr/bin/node) with
 * exactly envp, in new PID, mount, IPC and UTS namespaces on the root above,
 * with fds[i] as its fd i (i < nfds) and no other fd. It is killed when the
 * caller dies. On success *pid is its pid and *pidfd (CLOEXEC) a pidfd for
 * it; the caller reaps it. Fails with SANDBOX_ERR_SPAWN (detail: the step)
 * if the root could not be built or argv[0] not executed. */
sandbox_err sandbox_spawn(const sandbox_root *root, char *const argv[], char *const envp[], const int *fds, size_t nfds,
                          pid_t *pid, int *pidfd, char *detail);

/* ------------------------------------------------------------------------ */
/* Per-invocation children                                                    */

typedef struct {
    uint32_t cpu_seconds;       /* RLIMIT_CPU */
    uint32_t open_files;        /* RLIMIT_NOFILE */
    uint64_t tmp_bytes;         /* size of /tmp, and RLIMIT_FSIZE */
    uint32_t procs;             /* the cgroup's pids.max; RLIMIT_NPROC when there is no cgroup */
    uint32_t reserved;          /* 0; no implicit padding: the performer sends the struct as bytes */
    uint64_t memory_bytes;      /* the cgroup's memory.limit_in_bytes (unused without one) */
} sandbox_limits;

/* What a zygote prepares once: the compiled seccomp filter and a handle on
 * its own PID namespace. */
typedef struct sandbox_ctx sandbox_ctx;

/* allow_network: children keep the zygote's network namespace (and may use
 * AF_UNIX sockets only through socketpair, since the host's abstract socket
 * namespace is then reachable). */
sandbox_err sandbox_ctx_new(sandbox_ctx **out, int allow_network, char *detail);
void sandbox_ctx_free(sandbox_ctx *c);

/* The files of a cgroup a child needs (sandbox_cgroup_files). */
#define SANDBOX_CGROUP_FILES 4

typedef struct {
    const char *bundle;         /* directory name under /.bundles, mounted at /var/task */
    int fds[4];                 /* become the child's fds 0, 1, 2 and 3 */
    const int *cgroup;          /* SANDBOX_CGROUP_FILES fds of the cgroup to run in, or NULL */
    const int *close_fds;       /* the caller's own fds the child must not keep */
    size_t n_close_fds;
    sandbox_limits limits;
    const uint8_t *random_seed; /* 32 bytes, or NULL: what /dev/urandom reads (see "Randomness") */
} sandbox_job;

/* Forks like fork(): returns 0 in the child, fully sandboxed as described at
 * the top of this file, with cwd /var/task and only job->fds (as 0..3) plus
 * whatever fds the caller's runtime keeps open internally; returns the
 * child's pid in the caller, with *pidfd (CLOEXEC) for it, or -1 with
 * errno set. A child that cannot complete its setup writes why to its fd 2
 * and exits with SANDBOX_EXIT_SETUP; it never returns.
 * The same as sandbox_fork_stem followed by sandbox_finish in the child. */
pid_t sandbox_fork(const sandbox_ctx *c, const sandbox_job *job, int *pidfd);

/* The two halves of sandbox_fork, for forking ahead of time ("stem"
 * children that wait for their job), so that the costly half (fork, new
 * namespaces, /proc, moving into a cgroup, which can wait milliseconds for
 * an RCU grace period) is off the path of a call. sandbox_fork_stem
 * returns 0 in a child that has closed close_fds, joined cgroup (when not
 * NULL) and entered fresh PID (as its pid 1), mount, network, IPC and UTS
 * namespaces with its own /proc, and is still privileged: it must run no
 * untrusted code before sandbox_finish, which takes its job (fds, the
 * cgroup's limits, bundle, /tmp, rlimits, identity, seccomp; job->cgroup
 * must be the stem's cgroup) and returns with the child fully sandboxed,
 * or exits with SANDBOX_EXIT_SETUP. */
pid_t sandbox_fork_stem(const sandbox_ctx *c, const int *cgroup, const int *close_fds, size_t n_close, int *pidfd);
void sandbox_finish(const sandbox_ctx *c, const sandbox_job *job);

/* ------------------------------------------------------------------------ */
/* cgroups (v1 memory and pids controllers)                                   */

typedef struct sandbox_cgroup sandbox_cgroup;

/* Creates the cgroup `name` (one path component) in each controller, under
 * parent, or under the caller's own cgroups when parent is NULL.
 * SANDBOX_ERR_CGROUP when the memory or pids controller is not mounted or
 * the directories cannot be made. */
sandbox_err sandbox_cgroup_new(sandbox_cgroup **out, const sandbox_cgroup *parent, const char *name, char *detail);
/* The open files (CLOEXEC, owned by c) through which a child joins c and
 * sets its limits, for sandbox_job.cgroup: the cgroup.procs of its memory
 * and pids cgroups (writing "0" moves the writer in), memory.limit_in_bytes
 * and pids.max. */
void sandbox_cgroup_files(const sandbox_cgroup *c, int fds[SANDBOX_CGROUP_FILES]);
/* How many processes the kernel's OOM killer has killed in this cgroup so far. */
uint64_t sandbox_cgroup_oom_kills(const sandbox_cgroup *c);
/* Removes the cgroup (its processes must be gone) and frees c. */
void sandbox_cgroup_free(sandbox_cgroup *c);

#ifdef __cplusplus
}
#endif
#endif
