/* performer.h - runs function bundles on inputs in isolated, pre-warmed
 * Node.js and Python runtimes, and returns the result envelope (SPEC §3).
 *
 * Three ways in:
 * - perf_client_*: what an executor (operator node) calls; it talks to a
 *   running bin/performer over HTTP (loopback or a Unix socket).
 * - perf_pool_*: the engine inside bin/performer: one warm zygote process
 *   per runtime that forks a fresh sandboxed child for every invocation.
 * - perf_local_invoke: spawn-per-call with no sandbox (the original design):
 *   for local development without root, and the benchmark's baseline.
 *
 * Result bytes. An invocation always yields one JSON object
 *   {"payload": <value>, "error": null}                       success
 *   {"payload": {"result": <value>, "logs": [...]}, "error": null}   with output
 *   {"payload": null, "error": "<message>"}                    failure
 *   {"payload": {"result": null, "logs": [...]}, "error": "<message>"}
 *                                           failure of a handler that logged
 * where <value> is the handler's return value as JSON.stringify writes it (a
 * Python handler's too), logs are the lines the function wrote (console.*,
 * print, stdout/stderr), and failures include a throw, a syntax error, a
 * missing handler, an unserialisable result, "Task timeout after N ms" and
 * "Memory limit exceeded (N MiB)". These bytes are what operators sign.
 *
 * Determinism: given the same bundle, input, task id and task timestamp,
 * every performer returns the same bytes. In the sandbox the wall clock is
 * frozen at the task timestamp, random sources are seeded from the task id
 * (perf_task_seed), and environment, locale (C.UTF-8), timezone (UTC),
 * hostname, pid (1) and hash seeds are fixed. See runtime/runner.js.
 *
 * Conventions: functions return perf_err (PERF_OK == 0); perf_strerror()
 * names each code. A function's own failure is not a perf_err: it is a
 * result with an "error" string. perf_err means the performer could not run
 * the function at all (bad request, missing bundle, runtime or sandbox
 * broken, performer unreachable), and nothing should be signed.
 */
#ifndef FAAS_PERFORMER_H
#define FAAS_PERFORMER_H

#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "eth.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    PERF_OK = 0,
    PERF_ERR_ARG,           /* invalid argument or request field */
    PERF_ERR_NOMEM,         /* out of memory */
    PERF_ERR_IO,            /* pipe, memfd, socket or file failure */
    PERF_ERR_BUNDLE,        /* the bundle was rejected (see the detail) */
    PERF_ERR_BUNDLE_MISSING,/* the bundle is not cached and was not sent: send it */
    PERF_ERR_RUNTIME,       /* the runtime could not be started or died */
    PERF_ERR_SANDBOX,       /* the sandbox could not be set up */
    PERF_ERR_BUSY,          /* too many invocations in flight */
    PERF_ERR_TRANSPORT,     /* client: the performer is unreachable */
    PERF_ERR_PROTOCOL,      /* client: the performer's answer is malformed */
    PERF_ERR__COUNT
} perf_err;

/* Static one-line message for e; never NULL. */
const char *perf_strerror(perf_err e);

/* Per-invocation limits. A zero field means the performer's default; the
 * performer also caps each field at its configured maximum. */
typedef struct {
    uint32_t timeout_ms;        /* wall time (default 5000); CPU time is capped at the same */
    uint32_t memory_mib;        /* resident memory of all processes (default 256) */
    uint32_t max_procs;         /* processes and threads (default 32) */
    uint32_t max_open_files;    /* per process (default 256) */
    uint32_t tmp_mib;           /* size of the private /tmp (default 64) */
    uint32_t max_result_bytes;  /* size of the result envelope (default 1 MiB) */
    uint32_t max_log_lines;     /* log lines kept (default 1000) */
    uint32_t max_log_bytes;     /* UTF-8 bytes of log lines kept (default 64 KiB) */
} perf_limits;

#define PERF_DEFAULT_TIMEOUT_MS 5000u
#define PERF_DEFAULT_MEMORY_MIB 256u
#define PERF_DEFAULT_MAX_PROCS 32u
#define PERF_DEFAULT_MAX_OPEN_FILES 256u
#define PERF_DEFAULT_TMP_MIB 64u
#define PERF_DEFAULT_MAX_RESULT_BYTES (1u << 20)
#define PERF_DEFAULT_MAX_LOG_LINES 1000u
#define PERF_DEFAULT_MAX_LOG_BYTES (64u << 10)
/* Inputs are task payloads: bounded by what a transaction can carry. */
#define PERF_MAX_INPUT_BYTES ((size_t)4 << 20)

/* Fills each zero field of *l from defaults (NULL: the PERF_DEFAULT_*),
 * then caps each field at the matching field of max (NULL: no caps). */
void perf_limits_resolve(perf_limits *l, const perf_limits *defaults, const perf_limits *max);

/* One task: what a function call on chain fixes. */
typedef struct {
    uint8_t task_id[32];        /* the TaskMailbox task hash */
    const uint8_t *input;       /* the call's input bytes (not owned) */
    size_t input_len;           /* at most PERF_MAX_INPUT_BYTES */
    uint64_t timestamp;         /* the task's creation block timestamp, unix seconds */
    perf_limits limits;
} perf_task;

/* The seed of an invocation's random sources:
 * keccak256("faas-avs/random-seed/v1" || task_id). */
void perf_task_seed(uint8_t seed[32], const uint8_t task_id[32]);

typedef enum {
    PERF_OUTCOME_OK = 0,        /* "error" is null */
    PERF_OUTCOME_ERROR,         /* the function failed: threw, bad module, unserialisable result */
    PERF_OUTCOME_TIMEOUT,       /* killed at the wall-time limit */
    PERF_OUTCOME_MEMORY,        /* killed at the memory limit */
    PERF_OUTCOME_LIMIT,         /* killed at another limit (output, CPU time) */
    PERF_OUTCOME_CRASH,         /* the runtime exited without a result */
    PERF_OUTCOME__COUNT
} perf_outcome;

/* "ok", "error", "timeout", "memory", "limit", "crash". */
const char *perf_outcome_name(perf_outcome o);

typedef struct {
    uint8_t *bytes;             /* the result envelope; free with perf_result_free */
    size_t len;
    perf_outcome outcome;
    double duration_ms;         /* from request to result */
} perf_result;

void perf_result_free(perf_result *r);

/* ------------------------------------------------------------------------ */
/* Runtimes                                                                   */

/* Where the runtimes and the runner scripts are. NULL fields: defaults
 * (/usr/bin/node, /usr/bin/python3, PERF_RUNTIME_DIR set at build time). */
typedef struct {
    const char *node;
    const char *python;
    const char *runtime_dir;    /* runner.js, runner.py, warmup/, the zygote modules */
} perf_runtimes;

/* Runs one invocation the original way: spawns the runtime with its runner
 * for this call alone, with a clean environment and the determinism of the
 * sandboxed path, but no isolation, no memory limit and the bundle at its
 * cache path (so error messages may differ from sandboxed runs). Enforces
 * the wall-time, result and log limits. On PERF_OK, *out holds the result. */
perf_err perf_local_invoke(const perf_runtimes *rt, const bundle_info *bundle, const perf_task *task,
                           perf_result *out);

/* ------------------------------------------------------------------------ */
/* Building blocks shared by the pool, the local path and the runtime        */
/* bindings; an executor does not need them.                                  */

/* Exit code of a sandboxed child whose sandbox could not be set up; its
 * diagnostics (fd 2) say why. */
#define PERF_EXIT_SANDBOX 121

/* CLOCK_MONOTONIC in milliseconds. */
double perf_now_ms(void);

/* A sealed memfd holding what a runner reads on fd 0: one JSON header line
 * {"task_id","timestamp","seed","dir","max_log_lines","max_log_bytes",
 * "max_result_bytes"} then the input bytes. dir is where the runner finds
 * the bundle. Returns the fd (O_CLOEXEC, offset 0), or -1. */
int perf_exec_request_fd(const perf_task *t, const perf_limits *l, const char *dir);

/* Watches one running invocation until it exits or is killed: reads the
 * result (fd 3 of the child) up to max_result bytes and the first bytes of
 * its diagnostics (fds 1 and 2), kills it at the deadline or when the
 * result overflows, and learns its exit status from exit_fd through reap.
 * The caller sets the inputs; perf_exec_watch sets the rest. */
typedef struct {
    /* inputs */
    int result_fd, diag_fd;     /* read ends (the watch does not close them) */
    int exit_fd;                /* readable once the child has exited */
    uint32_t timeout_ms;
    size_t max_result;
    /* 1 and *wstatus when exited, 0 if not yet, -1 if the status is lost */
    int (*reap)(void *ctx, int *wstatus);
    void (*kill)(void *ctx);    /* SIGKILL the child and everything it started */
    void *ctx;
    /* outputs */
    eth_buf result;
    char diag[2048];            /* NUL-terminated */
    size_t diag_len;
    int wstatus;
    int exited, lost, killed, timed_out, over_output;
    double duration_ms;
} perf_watch;

void perf_exec_watch(perf_watch *w);
void perf_exec_watch_free(perf_watch *w);

/* Turns a finished watch into a result: the runner's envelope when it wrote
 * a valid one and exited cleanly, else an error envelope for the timeout,
 * memory limit (oom_killed: the cgroup killed it), output or CPU limit, or
 * crash. PERF_ERR_SANDBOX when the child exited with PERF_EXIT_SANDBOX and
 * PERF_ERR_RUNTIME when its status was lost: those are no function results.
 * On PERF_OK the result takes over w's buffer. */
perf_err perf_exec_result(perf_watch *w, const perf_limits *l, int oom_killed, perf_result *out);

/* The fixed environment of every runtime process (NULL-terminated, static). */
char *const *perf_runtime_env(void);

#define PERF_ARGV_MAX 16
#define PERF_ARGV_STORAGE 4096
/* Fills argv (NULL-terminated, strings in storage) with the command line of
 * a runtime: its zygote (once = 0) or a one-invocation runner (once = 1).
 * max: the largest limits any invocation may get (sizes V8's heap).
 * Returns the argument count, or -1 if storage is too small. */
int perf_runtime_argv(const perf_runtimes *rt, bundle_runtime which, int once, const perf_limits *max,
                      char *argv[PERF_ARGV_MAX], char storage[PERF_ARGV_STORAGE]);

#ifdef __cplusplus
}
#endif
#endif
