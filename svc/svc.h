/* svc.h - what the FaaS AVS services (bin/executor, bin/aggregator,
 * bin/faas-devnet) share: structured logs, Prometheus metrics, settings from
 * a JSON config file + environment + flags, SQLite with versioned schemas,
 * and a small HTTP/JSON server on libmicrohttpd.
 *
 * Conventions (as libeth's):
 * - Prefix svc_; sub-prefixes svc_log_, svc_metric(s)_, svc_settings_,
 *   svc_file_, svc_db_, svc_http_.
 * - Fallible functions return svc_err (SVC_OK == 0), svc_strerror() names
 *   each code; those that can fail for a reason worth telling the user also
 *   fill an optional `detail` buffer of SVC_DETAIL_MAX bytes (may be NULL)
 *   with one line naming the file, field or address at fault.
 * - Ownership is stated per function; "caller frees" means free() unless a
 *   _free function is named.
 * - Everything here may be used from several threads at once unless stated.
 */
#ifndef FAAS_SVC_H
#define FAAS_SVC_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Errors                                                                     */

typedef enum {
    SVC_OK = 0,
    SVC_ERR_ARG,        /* invalid argument (API misuse) */
    SVC_ERR_NOMEM,      /* out of memory */
    SVC_ERR_IO,         /* a file could not be read or written */
    SVC_ERR_TOO_BIG,    /* a file or request body exceeded its cap */
    SVC_ERR_USAGE,      /* bad command line: unknown flag, missing value */
    SVC_ERR_CONFIG,     /* config file malformed, or a setting missing or invalid */
    SVC_ERR_DB,         /* SQLite refused to open, migrate or run a statement */
    SVC_ERR_SCHEMA,     /* the database was written by a newer program version */
    SVC_ERR_LISTEN,     /* the HTTP server could not bind or start */
    SVC_ERR__COUNT
} svc_err;

/* Static one-line message for e; never NULL. */
const char *svc_strerror(svc_err e);

/* Size of the `detail` buffers filled by the functions below. */
#define SVC_DETAIL_MAX 512

/* Milliseconds on a monotonic clock (durations) and since the Unix epoch. */
double svc_mono_ms(void);
int64_t svc_wall_ms(void);

/* ------------------------------------------------------------------------ */
/* Structured logs: one JSON object per line on stderr                        */

/* {"ts":"2025-01-01T12:00:00.123Z","level":"info","service":"executor",
 *  "msg":"task answered", <fields>...}. The level threshold comes from the
 * LOG_LEVEL environment variable (debug, info, warn, error; default info). */
typedef enum { SVC_LOG_DEBUG = 0, SVC_LOG_INFO, SVC_LOG_WARN, SVC_LOG_ERROR } svc_log_level;

/* Names the service in every line (copied; NULL: "faas") and reads LOG_LEVEL
 * (an unknown value is reported once and info is used). Call once at start. */
void svc_log_init(const char *service);
/* Parses "debug"/"info"/"warn"/"error" (any case); SVC_ERR_ARG otherwise. */
svc_err svc_log_level_parse(svc_log_level *out, const char *text);
void svc_log_set_level(svc_log_level level);
/* Where lines go (default stderr); the stream is borrowed. For tests. */
void svc_log_set_stream(FILE *f);
int svc_log_enabled(svc_log_level level);
/* Logs msg with extra fields given as a jansson json_pack() object format and
 * its arguments, e.g. svc_log(SVC_LOG_INFO, "task answered", "{s:s,s:f}",
 * "task", hex, "ms", ms); fields may be NULL. Fields that fail to pack are
 * replaced by {"log_error": "..."} so a bad format never loses the line. */
void svc_log(svc_log_level level, const char *msg, const char *fields, ...);

/* ------------------------------------------------------------------------ */
/* Metrics in the Prometheus text exposition format (version 0.0.4)           */

typedef struct svc_metrics svc_metrics;
/* One time series: a counter, a gauge or a histogram. Owned by its registry. */
typedef struct svc_metric svc_metric;

/* Caps: series per registry, histogram buckets, label text. */
#define SVC_METRICS_MAX_SERIES 256
#define SVC_METRICS_MAX_BUCKETS 32
#define SVC_METRICS_MAX_LABELS 256

/* NULL when out of memory. Free with svc_metrics_free (frees its series). */
svc_metrics *svc_metrics_new(void);
void svc_metrics_free(svc_metrics *m);

/* Registers the series name{labels} and returns it (the existing one when
 * registered before with the same kind). name must match
 * [a-zA-Z_:][a-zA-Z0-9_:]*; labels is the text between the braces, e.g.
 * `code="ok"`, or NULL; help is one line, the first registration's is kept.
 * NULL on a bad name, a kind clash, a cap or out of memory: the update
 * functions accept NULL and do nothing, so callers need not check. */
svc_metric *svc_metrics_counter(svc_metrics *m, const char *name, const char *labels, const char *help);
svc_metric *svc_metrics_gauge(svc_metrics *m, const char *name, const char *labels, const char *help);
/* bounds: n strictly increasing upper bounds (the +Inf bucket is implied). */
svc_metric *svc_metrics_histogram(svc_metrics *m, const char *name, const char *labels, const char *help,
                                  const double *bounds, size_t n);
/* Counter: v >= 0 (negative values are ignored); gauge: any v. */
void svc_metric_add(svc_metric *s, double v);
/* Gauge only. */
void svc_metric_set(svc_metric *s, double v);
/* Histogram only. */
void svc_metric_observe(svc_metric *s, double v);
/* The current value of a counter or gauge (the count of a histogram). */
double svc_metric_value(const svc_metric *s);
/* The whole registry as exposition text: per metric name one # HELP and
 * # TYPE line, then its series; histograms with cumulative _bucket{le=...},
 * _sum and _count. Caller frees; NULL when out of memory. */
char *svc_metrics_render(svc_metrics *m);
/* Latency buckets in seconds used by both services (1 ms .. 10 s). */
extern const double svc_latency_buckets[];
extern const size_t svc_latency_buckets_n;

/* ------------------------------------------------------------------------ */
/* Settings: flag > environment > config file > default                       */

typedef enum {
    SVC_SETTING_STRING, /* char * (owned by the settings struct) */
    SVC_SETTING_PATH,   /* char *; relative paths from the config file are taken
                         * relative to the file's directory */
    SVC_SETTING_UINT,   /* uint64_t; decimal */
    SVC_SETTING_BOOL    /* int 0/1; true/false/1/0/yes/no; a bare --flag means true */
} svc_setting_type;

typedef struct {
    const char *key;    /* where in the config file: a JSON path with "." between
                         * object levels, e.g. "contracts.faas" */
    const char *flag;   /* long option without the dashes ("rpc-url"); NULL: none */
    const char *env;    /* environment variable; NULL: none */
    svc_setting_type type;
    size_t offset;      /* of the member in the caller's settings struct */
    const char *def;    /* default as text; NULL: unset (NULL / 0) */
    const char *help;   /* one line for --help */
} svc_setting;

/* Fills the struct at out from the table: for each setting the flag wins
 * over the environment, which wins over the config file, which wins over the
 * default. The config file is `--config PATH`, else the environment variable
 * config_env (may be NULL), else none; it must hold a JSON object whose
 * members are all known keys (a typo is an error, not silently ignored).
 * Flags are "--name value" or "--name=value". Errors (detail names the flag,
 * variable, file and key): SVC_ERR_USAGE for an unknown flag, a missing value
 * or a positional argument; SVC_ERR_CONFIG for an unreadable or malformed
 * file or a value of the wrong type; SVC_ERR_NOMEM. "--help" is not handled
 * here: programs look for it first. Free with svc_settings_free, also after
 * a failure. */
svc_err svc_settings_load(void *out, const svc_setting *table, size_t n, int argc, char **argv,
                          const char *config_env, char *detail);
/* Frees the strings of the struct at out (the other members stay). */
void svc_settings_free(void *out, const svc_setting *table, size_t n);
/* Writes one line per setting: flag, environment variable, config key, default, help. */
void svc_settings_usage(FILE *f, const svc_setting *table, size_t n);

/* ------------------------------------------------------------------------ */
/* Files                                                                      */

/* Reads the whole file (at most max bytes, else SVC_ERR_TOO_BIG) into a new
 * buffer with a NUL after the data. Caller frees *data (wipe it first when
 * it is a secret). SVC_ERR_IO with detail naming the file and errno text. */
svc_err svc_file_read(const char *path, size_t max, char **data, size_t *len, char *detail);
/* Writes data to path atomically (a temporary file in the same directory,
 * fsync, rename) with the given mode. SVC_ERR_IO with detail. */
svc_err svc_file_write(const char *path, const void *data, size_t len, unsigned mode, char *detail);
/* A secret as text: the value of environment variable env when set and not
 * empty, else the contents of file (when not NULL), with trailing
 * whitespace removed. *out is a new string the caller wipes and frees with
 * svc_secret_free. SVC_ERR_CONFIG when neither is given (detail names both). */
svc_err svc_secret_load(char **out, const char *env, const char *file, const char *what, char *detail);
/* Wipes and frees a string from svc_secret_load; NULL is fine. */
void svc_secret_free(char *s);

/* ------------------------------------------------------------------------ */
/* Loopback ports (port.c)                                                    */

/* 1 when a TCP socket can bind 127.0.0.1:port now (nobody holds it). */
int svc_port_free(unsigned port);
/* A loopback TCP port nobody holds now, for a service started a moment
 * later: random below the kernel's ephemeral range, where no outgoing
 * connection can take it meanwhile (the kernel's bind-to-0 choice when that
 * range leaves no room). 0 when no socket can be made. */
unsigned svc_port_pick(void);

/* ------------------------------------------------------------------------ */
/* SQLite with a versioned schema                                             */

/* Opens (creating) the database at path in WAL mode with synchronous=NORMAL
 * (each commit survives a crash of the process; the OS keeps it across a
 * power loss only up to the last checkpoint), a 5 s busy timeout, and
 * SQLITE_OPEN_FULLMUTEX so the handle may be shared by threads. Then brings
 * the schema to version n_migrations: PRAGMA user_version counts the
 * migrations applied; migrations[i] (SQL text, any number of statements)
 * takes version i to i+1, each in its own transaction together with the
 * version bump. Errors: SVC_ERR_DB (detail: SQLite's message),
 * SVC_ERR_SCHEMA when the file's version is above n_migrations (written by a
 * newer program). Caller closes *db with sqlite3_close. */
svc_err svc_db_open(sqlite3 **db, const char *path, const char *const *migrations, size_t n_migrations,
                    char *detail);

/* ------------------------------------------------------------------------ */
/* HTTP/1.1 server (libmicrohttpd, one thread per connection)                 */

typedef struct svc_http svc_http;

typedef struct {
    const char *method;     /* "GET", "POST", ... */
    const char *path;       /* URL path without the query string */
    const uint8_t *body;    /* request body, NUL-terminated (not counted in body_len) */
    size_t body_len;
    const char *remote;     /* peer address "127.0.0.1:54321" */
} svc_http_request;

typedef struct {
    int status;             /* HTTP status; 0 is taken as 500 */
    const char *content_type; /* static string; NULL: "application/json" */
    char *body;             /* malloc'd; the server frees it after sending */
    size_t body_len;
} svc_http_response;

/* Called on the connection's thread once the whole body has arrived; fills
 * resp. Handlers may block (the connection has its own thread). */
typedef void (*svc_http_handler)(void *user, const svc_http_request *req, svc_http_response *resp);

typedef struct {
    const char *listen;         /* "127.0.0.1:9090"; port 0 picks a free one */
    size_t max_body;            /* larger bodies get 413; 0: 4 MiB */
    unsigned max_connections;   /* 0: 256 */
    unsigned idle_timeout_s;    /* idle keep-alive connections closed after; 0: 60 */
} svc_http_opts;

/* Parses "host:port" (IPv4 literal or "localhost"; port 0..65535). */
svc_err svc_http_parse_listen(const char *listen, uint32_t *ipv4_be, uint16_t *port, char *detail);
/* Starts serving. SVC_ERR_LISTEN (detail: address and reason) when the
 * address does not parse or cannot be bound. Stop with svc_http_stop. */
svc_err svc_http_start(svc_http **out, const svc_http_opts *opts, svc_http_handler h, void *user, char *detail);
/* The bound port (useful with port 0). */
int svc_http_port(const svc_http *s);
/* Stops accepting, waits for the connection threads, frees. NULL is fine. */
void svc_http_stop(svc_http *s);

/* Response helpers. svc_http_reply_json takes a reference to body (stolen,
 * may be NULL after a failed json_pack: then 500). svc_http_reply_error
 * answers {"error": code, "message": <printf text>}. svc_http_reply_text
 * copies text with the given content type. */
void svc_http_reply_json(svc_http_response *r, int status, json_t *body);
void svc_http_reply_error(svc_http_response *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void svc_http_reply_text(svc_http_response *r, int status, const char *content_type, const char *text);
/* Answers GET /metrics: m rendered as Prometheus text (500 when out of memory). */
void svc_http_reply_metrics(svc_http_response *r, svc_metrics *m);

#ifdef __cplusplus
}
#endif
/* ------------------------------------------------------------------------ */
/* A service's main()                                                         */

/* What svc_run needs to know of a service. start returns 0 or the service's
 * own error code (named by strerror_fn) and fills detail. */
typedef struct {
    const char *name;               /* program name, also the log's "service" */
    const char *usage;              /* --help text printed before the settings table */
    const svc_setting *table;
    size_t n_settings;
    const char *config_env;         /* environment variable naming the config file */
    int (*start)(void **service, const void *settings, char *detail);
    const char *(*strerror_fn)(int code);
    void (*stop)(void *service);
} svc_program;

/* Runs a service: --help, settings (flags > env > config file), signal mask,
 * start, wait for SIGINT/SIGTERM, stop. settings is the program's zeroed
 * settings struct (freed here). Returns the process exit status: 0, 1 when
 * start failed, 2 on bad settings. */
int svc_run(const svc_program *p, void *settings, int argc, char **argv);

#endif
