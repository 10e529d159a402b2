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
 * (perf_task_seed): the runtimes' APIs (runtime/runner.js), and /dev/urandom
 * and getrandom(2) for native code and programs the function runs (sandbox.h,
 * "Randomness"); environment, locale (C.UTF-8), timezone (UTC), hostname,
 * pid (1) and hash seeds are fixed. Not yet: Node.js's own OpenSSL DRBG
 * (generateKeyPair, ECDH, webcrypto generateKey) keeps the zygote's state.
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
#include "sandbox.h"

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

/* A memory limit below this is raised to it: a runtime's child needs a few
 * MiB before any function code runs. */
#define PERF_MIN_MEMORY_MIB 16u

/* Fills each zero field of *l from defaults (NULL: the PERF_DEFAULT_*),
 * then caps each field at the matching field of max (NULL: no caps), and
 * raises memory_mib to PERF_MIN_MEMORY_MIB. */
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
/* The HTTP API of bin/performer, and its client                             */
/*
 * The performer listens on a loopback address or a Unix socket (no
 * authentication: keep it local). JSON in and out; 32-byte ids are
 * "0x" + 64 hex digits.
 *
 * POST /v1/execute
 *   {"task_id": "0x…", "function_id": "0x…", "timestamp": <unix seconds>,
 *    "input": "<base64>" | "input_hex": "0x…",          (absent: empty input)
 *    "bundle": "<base64 tarball>" | "bundle_file": "/path/to/tarball",
 *                                          (absent: the cached bundle is used)
 *    "limits": {"timeout_ms": …, "memory_mib": …, "max_procs": …,
 *               "max_open_files": …, "tmp_mib": …, "max_result_bytes": …,
 *               "max_log_lines": …, "max_log_bytes": …}}  (optional, capped)
 *   200: the body is the result bytes (SPEC §3), exactly what to sign, with
 *        headers X-Faas-Outcome (ok|error|timeout|memory|limit|crash),
 *        X-Faas-Cold (1 the first time this performer runs the bundle),
 *        X-Faas-Duration-Ms and X-Faas-Runtime.
 *   otherwise {"error": "<message>", "code": "<code>"}: 400 bad_request,
 *        404 bundle_missing (send the bundle), 422 bundle_rejected (hostile,
 *        malformed, or its keccak-256 is not function_id), 503 busy or
 *        runtime_unavailable, 500 sandbox_failed or internal.
 * PUT /v1/bundles/0x<function id>   body: the tarball; 201 added, 200 already
 *        cached, 422 bundle_rejected. {"function_id","runtime","added"}
 * GET /v1/bundles/0x<function id>   200 {"function_id","runtime"} or 404
 * GET /health   200 {"status":"ok","runtimes":{"javascript":{"ready":true,
 *        "version":"node v20.20.2",…},…},"inflight":N}; 503 "degraded"
 * GET /metrics  Prometheus text: performer_invocations_total{runtime,outcome},
 *        performer_cold_starts_total, performer_warm_starts_total,
 *        performer_invocation_duration_seconds (histogram), performer_errors_total,
 *        performer_bundles_extracted_total / _rejected_total, performer_inflight,
 *        performer_runtime_ready, performer_runtime_restarts_total.
 */

typedef struct perf_server perf_server;
typedef struct perf_pool perf_pool;

typedef struct {
    const char *listen;         /* "127.0.0.1:8080" (port 0: any free one) or "unix:/path/to.sock" */
    perf_pool *pool;            /* not owned */
    bundle_cache *cache;        /* not owned; the one whose path the pool binds */
} perf_server_config;

/* Starts serving in background threads. detail (256 bytes, may be NULL)
 * says why on PERF_ERR_IO (address in use, not a loopback address...). */
perf_err perf_server_start(perf_server **out, const perf_server_config *cfg, char *detail);
/* "127.0.0.1:<port>" as bound, or "unix:<path>"; owned by s. */
const char *perf_server_address(const perf_server *s);
/* Stops accepting, waits for requests in progress, frees s. */
void perf_server_stop(perf_server *s);

/* A client of one performer; not thread-safe (one per thread). */
typedef struct perf_client perf_client;

/* endpoint: "127.0.0.1:8080", "http://127.0.0.1:8080" or "unix:/path". */
perf_err perf_client_new(perf_client **out, const char *endpoint);
void perf_client_free(perf_client *c);

/* Runs task on function function_id. bundle (may be NULL) is its tarball,
 * sent along so that a performer without it in its cache need not answer
 * PERF_ERR_BUNDLE_MISSING (then call again with the bundle, or PUT it first
 * with perf_client_put_bundle). On PERF_OK *out holds the result bytes to
 * sign (free with perf_result_free). Other codes: the performer's refusal
 * (PERF_ERR_ARG, _BUNDLE, _BUNDLE_MISSING, _BUSY, _RUNTIME, _SANDBOX, _IO)
 * or PERF_ERR_TRANSPORT / _PROTOCOL; detail (256 bytes, may be NULL) gets
 * the message. Nothing should be signed then. */
perf_err perf_client_execute(perf_client *c, const uint8_t function_id[32], const uint8_t *bundle, size_t bundle_len,
                             const perf_task *task, perf_result *out, char *detail);
/* Uploads a tarball (its id is computed here) into the performer's cache. */
perf_err perf_client_put_bundle(perf_client *c, const uint8_t *tarball, size_t n, char *detail);
/* GET path (e.g. "/health", "/metrics"): *status and *body (NUL-terminated,
 * caller frees). PERF_ERR_TRANSPORT when unreachable. */
perf_err perf_client_get(perf_client *c, const char *path, long *status, char **body);

/* ------------------------------------------------------------------------ */
/* The pool: warm, sandboxed runtimes (the engine of bin/performer)          */

typedef struct {
    perf_runtimes runtimes;     /* node and python3 must live under /usr: only /usr is in the sandbox */
    const char *cache_dir;      /* the bundle cache (bundle_cache_path), bound read-only into sandboxes */
    const char *staging_dir;    /* an empty directory the zygotes' roots are built on */
    int allow_network;          /* functions share the host's network (default: none at all) */
    unsigned zygotes;           /* zygotes per runtime (default 1, at most 8) */
    unsigned max_inflight;      /* invocations at once (default 64); more wait their turn */
    unsigned runtime_mask;      /* bit r set: start runtime r (0: all) */
    int no_cgroups;             /* do not use cgroups even where available */
    perf_limits limits;         /* invocation defaults, and caps on what a request asks (0: PERF_DEFAULT_*) */
} perf_pool_config;

/* The most invocations one zygote runs at once, and how many children it
 * keeps forked ahead (in fresh namespaces and their cgroup, waiting for a
 * job). The performer gives each zygote a cgroup slot for each. */
#define PERF_ZYGOTE_MAX_CHILDREN 64
#define PERF_ZYGOTE_STEMS 2

/* Starts the zygotes (each in its sandbox root, pre-initialised and warmed
 * up), with their cgroup slots. Returns once every runtime is ready.
 * A zygote that dies later is restarted; calls wait for it meanwhile. */
perf_err perf_pool_start(perf_pool **out, const perf_pool_config *cfg, char *detail);
/* Stops the zygotes (their running children die with them) and removes the cgroups. */
void perf_pool_stop(perf_pool *p);

/* Runs one invocation of a cached bundle in a fresh sandboxed child of the
 * runtime's zygote. The task's limits are capped at the pool's. PERF_OK:
 * *out holds the result (whatever the function did). PERF_ERR_BUSY: no turn
 * freed within 30 s; PERF_ERR_RUNTIME: no zygote ready or it died;
 * PERF_ERR_SANDBOX: the child's sandbox could not be set up. */
perf_err perf_pool_invoke(perf_pool *p, const bundle_info *b, const perf_task *t, perf_result *out);

typedef struct {
    unsigned configured, ready, restarts;
    char version[80];           /* e.g. "node v20.20.2", "python 3.11.2" */
} perf_pool_runtime_status;

void perf_pool_status(perf_pool *p, perf_pool_runtime_status st[BUNDLE_RUNTIME__COUNT], unsigned *inflight);

/* ------------------------------------------------------------------------ */
/* Structured logs: one JSON object per line on stderr,                      */
/* {"ts":"<UTC ISO 8601>","level":"info","msg":"...", <fields>}. The level   */
/* comes from LOG_LEVEL (debug, info, warn, error; default info).            */

typedef enum { PERF_LOG_DEBUG, PERF_LOG_INFO, PERF_LOG_WARN, PERF_LOG_ERROR } perf_log_level;

int perf_log_enabled(perf_log_level level);
/* fields: a jansson json_pack format of an object ("{s:s, s:i}"), or NULL. */
void perf_log(perf_log_level level, const char *msg, const char *fields, ...);

/* ------------------------------------------------------------------------ */
/* Building blocks shared by the pool, the local path and the runtime        */
/* bindings; an executor does not need them.                                  */

/* Exit code of a sandboxed child whose sandbox could not be set up; its
 * diagnostics (fd 2) say why. */
#define PERF_EXIT_SANDBOX SANDBOX_EXIT_SETUP

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
    int early;                  /* stop at a complete envelope (fd 3 closed), before the exit */
    /* outputs */
    eth_buf result;
    char diag[2048];            /* NUL-terminated */
    size_t diag_len;
    int wstatus;
    int exited, lost, killed, timed_out, over_output;
    int complete;               /* early: the envelope is complete; the child may still run */
    double duration_ms;
} perf_watch;

void perf_exec_watch(perf_watch *w);
void perf_exec_watch_free(perf_watch *w);

/* Turns a finished watch into a result: the runner's envelope when it wrote
 * a valid one and closed fd 3 (complete) or exited cleanly, else an error envelope for the timeout,
 * memory limit (oom_killed: the cgroup killed it), output or CPU limit, or
 * crash. PERF_ERR_SANDBOX when the child exited with PERF_EXIT_SANDBOX and
 * PERF_ERR_RUNTIME when its status was lost: those are no function results.
 * On PERF_OK the result takes over w's buffer. */
perf_err perf_exec_result(perf_watch *w, const perf_limits *l, int oom_killed, perf_result *out);

/* The outcome a runner's envelope claims: PERF_OUTCOME_OK for
 * {"payload":…,"error":null}, PERF_OUTCOME_ERROR for {"payload":…,"error":"…"},
 * -1 for bytes of any other shape. */
int perf_envelope_outcome(const uint8_t *p, size_t n);

/* A POST /v1/execute body, parsed (api.c). */
typedef struct {
    perf_task task;             /* task.input points at input */
    uint8_t function_id[32];
    uint8_t *input;             /* owned */
    uint8_t *bundle;            /* owned; NULL when not sent */
    size_t bundle_len;
    char *bundle_file;          /* owned; NULL when not named */
} perf_request;

/* Parses and checks a request body (n bytes of JSON). PERF_ERR_ARG with a
 * one-line reason in why (256 bytes) for anything malformed; perf_request_free
 * releases a parsed one. */
perf_err perf_request_parse(perf_request *out, const char *json, size_t n, char *why);
void perf_request_free(perf_request *r);
/* The body perf_client_execute sends; caller frees. NULL when out of memory. */
char *perf_request_encode(const uint8_t function_id[32], const uint8_t *bundle, size_t bundle_len, const perf_task *t);

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

/* The zygote protocol (zygote.c). Runtime side: a zygote's language
 * binding calls perf_zygote_serve once it is initialised. */
typedef struct {
    void (*before_fork)(void *ctx);         /* e.g. PyOS_BeforeFork */
    void (*after_fork_parent)(void *ctx);   /* e.g. PyOS_AfterFork_Parent */
    void (*after_fork_child)(void *ctx);    /* e.g. PyOS_AfterFork_Child, uv_loop_fork */
    void *ctx;
} perf_zygote_hooks;

/* Serves the control socket ctl: reads the performer's configuration,
 * answers READY with version, then runs each job in a child of its own:
 * one forked ahead with sandbox_fork_stem when there is one, else forked
 * then. Returns 0 in a child, which then runs its invocation:
 * request on fd 0, diagnostics on 1 and 2, result to fd 3, bundle at
 * /var/task. Returns PERF_ZYGOTE_PROBE, once, in the probe: a trusted,
 * unsandboxed child that must make one warm-up call and then call
 * perf_zygote_probe_done (the zygote learns which memory pages a call
 * writes, and has its stems copy them ahead). In the zygote it never
 * returns but exits when the performer closes ctl. -1 if the zygote could
 * not start serving (hooks may be NULL). */
int perf_zygote_serve(int ctl, const char *version, const perf_zygote_hooks *hooks);
#define PERF_ZYGOTE_PROBE 1
/* In the probe: reports the pages it wrote to the zygote and exits. */
void perf_zygote_probe_done(void) __attribute__((noreturn));

/* Performer side. Sends the configuration and the zygote's cgroup slots
 * (nslots of them, each the files of sandbox_cgroup_files; none without
 * cgroups) and waits up to timeout_ms for READY; version receives the
 * zygote's runtime version and learned_pages how many pages its probe found
 * a call writes. */
perf_err perf_zygote_configure(int ctl, int allow_network, const int (*slots)[SANDBOX_CGROUP_FILES], size_t nslots,
                               int timeout_ms, char *version, size_t version_len, unsigned *learned_pages);
/* Submits a job: the bundle's directory name in the cache, its limits, the
 * seed of its /dev/urandom (sandbox_job.random_seed: perf_task_seed) and
 * the child's fds 0..3. *status_fd is the job's status socket (CLOEXEC,
 * the caller closes it). */
perf_err perf_zygote_submit(int ctl, const char *bundle, const sandbox_limits *lim, const uint8_t seed[32],
                            const int fds[4], int *status_fd);
/* Waits for the child to be forked: *pidfd is its pidfd (for killing) and
 * *slot the index of the cgroup slot it runs in (-1: none). PERF_ERR_SANDBOX
 * with *err = errno if the zygote could not fork it. */
perf_err perf_zygote_started(int status_fd, int timeout_ms, int *pidfd, int *slot, int *err);
/* Non-blocking: 1 with *wstatus once the child exited, 0 if not yet, -1 if
 * the zygote is gone. Fits perf_watch.reap. */
int perf_zygote_reap(int status_fd, int *wstatus);

#ifdef __cplusplus
}
#endif
#endif
