/* api.c - the performer's HTTP/JSON API, both ends: the server in
 * bin/performer (libmicrohttpd, a thread per connection since a call blocks
 * until its function ends) and the client an executor links (libcurl).
 * The endpoints and fields are documented in performer.h. */
#include "performer.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Base64 (RFC 4648 §4, padded), through OpenSSL, strictly checked          */

static char *b64_encode(const uint8_t *p, size_t n)
{
    if (n > (SIZE_MAX / 4) * 3 - 3 || n > INT_MAX / 2) return NULL;
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (out) EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

/* EVP_DecodeBlock skips whitespace and counts padding as zero bytes: the
 * alphabet and the padding are checked here first. */
static int b64_decode(const char *s, size_t len, uint8_t **out, size_t *n)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (len % 4 || len > INT_MAX) return -1;
    size_t pad = len && s[len - 1] == '=' ? (len > 1 && s[len - 2] == '=' ? 2 : 1) : 0;
    for (size_t i = 0; i < len - pad; i++)
        if (!s[i] || !strchr(alphabet, s[i])) return -1;
    uint8_t *buf = malloc(len / 4 * 3 + 1);
    if (!buf) return -1;
    int k = len ? EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len) : 0;
    if (k < 0 || (size_t)k < pad) {
        free(buf);
        return -1;
    }
    *out = buf;
    *n = (size_t)k - pad;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The execute request, both ways                                            */

static int hex32(const json_t *v, uint8_t out[32])
{
    return json_is_string(v) && eth_hex_decode_exact(out, 32, json_string_value(v)) == ETH_OK ? 0 : -1;
}

static const struct {
    const char *name;
    size_t offset;
} limit_fields[] = {
    {"timeout_ms", offsetof(perf_limits, timeout_ms)},       {"memory_mib", offsetof(perf_limits, memory_mib)},
    {"max_procs", offsetof(perf_limits, max_procs)},         {"max_open_files", offsetof(perf_limits, max_open_files)},
    {"tmp_mib", offsetof(perf_limits, tmp_mib)},             {"max_result_bytes", offsetof(perf_limits, max_result_bytes)},
    {"max_log_lines", offsetof(perf_limits, max_log_lines)}, {"max_log_bytes", offsetof(perf_limits, max_log_bytes)},
};
#define NLIMITS (sizeof limit_fields / sizeof *limit_fields)

static uint32_t *limit_at(perf_limits *l, size_t i)
{
    return (uint32_t *)((char *)l + limit_fields[i].offset);
}

static int parse_limits(const json_t *o, perf_limits *l, char *why)
{
    const char *key;
    json_t *v;
    if (!json_is_object(o)) {
        snprintf(why, 256, "limits must be an object");
        return -1;
    }
    json_object_foreach((json_t *)o, key, v) {
        size_t i = 0;
        while (i < NLIMITS && strcmp(key, limit_fields[i].name)) i++;
        if (i == NLIMITS || !json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX) {
            snprintf(why, 256, "limits.%.64s: unknown, or not an integer in [0, 2^32)", key);
            return -1;
        }
        *limit_at(l, i) = (uint32_t)json_integer_value(v);
    }
    return 0;
}

/* Decodes a base64 string field (absent: 0 and *out NULL). */
static int b64_field(const json_t *v, uint8_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!v) return 0;
    return json_is_string(v) ? b64_decode(json_string_value(v), json_string_length(v), out, n) : -1;
}

perf_err perf_request_parse(perf_request *q, const char *json, size_t n, char *why)
{
    memset(q, 0, sizeof *q);
    json_error_t je;
    json_t *j = json_loadb(json, n, JSON_REJECT_DUPLICATES, &je);
    json_t *ts = json_object_get(j, "timestamp"), *in = json_object_get(j, "input"), *in_hex = json_object_get(j, "input_hex"),
           *lim = json_object_get(j, "limits"), *bundle = json_object_get(j, "bundle"),
           *file = json_object_get(j, "bundle_file");
    const char *problem = NULL;
    if (!json_is_object(j))
        snprintf(why, 256, "request body is not a JSON object: %.200s", je.text);
    else if (hex32(json_object_get(j, "task_id"), q->task.task_id) != 0)
        problem = "task_id must be 0x + 64 hex digits";
    else if (hex32(json_object_get(j, "function_id"), q->function_id) != 0)
        problem = "function_id must be 0x + 64 hex digits";
    else if (!json_is_integer(ts) || json_integer_value(ts) < 0)
        problem = "timestamp must be a non-negative integer (unix seconds)";
    else if ((in && in_hex) || b64_field(in, &q->input, &q->task.input_len) != 0)
        problem = "input must be base64 (or use input_hex, not both)";
    else if (in_hex && (!json_is_string(in_hex) || eth_hex_decode_alloc(&q->input, &q->task.input_len, json_string_value(in_hex),
                                                                        json_string_length(in_hex)) != ETH_OK))
        problem = "input_hex must be 0x-prefixed hex";
    else if (q->task.input_len > PERF_MAX_INPUT_BYTES)
        snprintf(why, 256, "input exceeds %zu bytes", PERF_MAX_INPUT_BYTES);
    else if (lim && parse_limits(lim, &q->task.limits, why) != 0) {
        /* why names the field */
    } else if ((bundle && file) || b64_field(bundle, &q->bundle, &q->bundle_len) != 0)
        problem = "bundle must be the base64 tarball (or use bundle_file, not both)";
    else if (file && (!json_is_string(file) || !(q->bundle_file = strdup(json_string_value(file)))))
        problem = "bundle_file must be a path";
    else {
        q->task.input = q->input;
        q->task.timestamp = (uint64_t)json_integer_value(ts);
        json_decref(j);
        return PERF_OK;
    }
    if (problem) snprintf(why, 256, "%s", problem);
    json_decref(j);
    perf_request_free(q);
    return PERF_ERR_ARG;
}

void perf_request_free(perf_request *q)
{
    if (!q) return;
    free(q->input);
    free(q->bundle);
    free(q->bundle_file);
    memset(q, 0, sizeof *q);
}

char *perf_request_encode(const uint8_t function_id[32], const uint8_t *bundle, size_t bundle_len, const perf_task *t)
{
    char task_hex[67], fid_hex[67];
    char *input = b64_encode(t->input ? t->input : (const uint8_t *)"", t->input_len);
    char *tar = bundle ? b64_encode(bundle, bundle_len) : NULL;
    json_t *lim = json_object();
    for (size_t i = 0; lim && i < NLIMITS; i++) {
        uint32_t v = *limit_at((perf_limits *)&t->limits, i);
        if (v) json_object_set_new(lim, limit_fields[i].name, json_integer(v));
    }
    json_t *j = input && lim && (!bundle || tar)
                    ? json_pack("{s:s, s:s, s:I, s:s, s:O}", "task_id", eth_hex_encode(task_hex, t->task_id, 32), "function_id",
                                eth_hex_encode(fid_hex, function_id, 32), "timestamp", (json_int_t)t->timestamp, "input",
                                input, "limits", lim)
                    : NULL;
    if (j && tar) json_object_set_new(j, "bundle", json_string(tar));
    char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    json_decref(lim);
    free(input);
    free(tar);
    return body;
}

/* ------------------------------------------------------------------------ */
/* Server: metrics                                                            */

/* Latency buckets in seconds, for the Prometheus histogram. */
static const double buckets[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10};
#define NBUCKETS (sizeof buckets / sizeof *buckets)

typedef struct {
    atomic_ullong calls[BUNDLE_RUNTIME__COUNT][PERF_OUTCOME__COUNT];
    atomic_ullong cold[BUNDLE_RUNTIME__COUNT], warm[BUNDLE_RUNTIME__COUNT];
    atomic_ullong hist[BUNDLE_RUNTIME__COUNT][NBUCKETS + 1];
    atomic_ullong sum_us[BUNDLE_RUNTIME__COUNT];
    atomic_ullong failures[PERF_ERR__COUNT];
    atomic_ullong extracted, rejected;
} metrics;

static void observe(metrics *m, bundle_runtime rt, perf_outcome o, int cold, double ms)
{
    atomic_fetch_add(&m->calls[rt][o], 1);
    atomic_fetch_add(cold ? &m->cold[rt] : &m->warm[rt], 1);
    size_t b = 0;
    while (b < NBUCKETS && ms / 1000 > buckets[b]) b++;
    atomic_fetch_add(&m->hist[rt][b], 1);
    atomic_fetch_add(&m->sum_us[rt], (unsigned long long)(ms * 1000));
}

/* Bundles run since start (a call is "cold" the first time), as an
 * open-addressing set of function ids. */
typedef struct {
    pthread_mutex_t lock;
    uint8_t (*keys)[32];
    size_t n, cap;
} idset;

static size_t slot_of(const uint8_t id[32], size_t cap)
{
    uint64_t h;
    memcpy(&h, id, sizeof h); /* ids are hashes: any 8 bytes are spread */
    return (size_t)(h & (cap - 1));
}

/* 1 if id was new (and is now in), 0 if seen before, -1 out of memory.
 * The all-zero id marks empty slots, so it is never stored (and always new). */
static int idset_add(idset *s, const uint8_t id[32])
{
    static const uint8_t empty[32];
    if (!memcmp(id, empty, 32)) return 1;
    pthread_mutex_lock(&s->lock);
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        uint8_t(*keys)[32] = calloc(cap, 32);
        if (!keys) {
            pthread_mutex_unlock(&s->lock);
            return -1;
        }
        for (size_t i = 0; i < s->cap; i++) {
            if (!memcmp(s->keys[i], empty, 32)) continue;
            size_t j = slot_of(s->keys[i], cap);
            while (memcmp(keys[j], empty, 32)) j = (j + 1) & (cap - 1);
            memcpy(keys[j], s->keys[i], 32);
        }
        free(s->keys);
        s->keys = keys;
        s->cap = cap;
    }
    size_t j = slot_of(id, s->cap);
    while (memcmp(s->keys[j], empty, 32) && memcmp(s->keys[j], id, 32)) j = (j + 1) & (s->cap - 1);
    int added = memcmp(s->keys[j], id, 32) != 0;
    if (added) {
        memcpy(s->keys[j], id, 32);
        s->n++;
    }
    pthread_mutex_unlock(&s->lock);
    return added;
}

/* ------------------------------------------------------------------------ */
/* Server                                                                     */

struct perf_server {
    struct MHD_Daemon *mhd;
    perf_pool *pool;
    bundle_cache *cache;
    size_t max_body;
    metrics m;
    idset seen;
    char address[PATH_MAX + 8];
    char unix_path[PATH_MAX];
};

typedef struct {
    eth_buf body;
    int too_big;
} upload;

typedef struct {
    unsigned status;
    char *body;             /* malloc'd */
    size_t len;
    const char *type;
    char headers[4][2][64]; /* extra response headers */
    int nheaders;
} reply;

static void set_header(reply *r, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_header(reply *r, const char *name, const char *fmt, ...)
{
    if (r->nheaders == 4) return;
    snprintf(r->headers[r->nheaders][0], 64, "%s", name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->headers[r->nheaders][1], 64, fmt, ap);
    va_end(ap);
    r->nheaders++;
}

/* A JSON reply (steals o). */
static void json_reply(reply *r, unsigned status, json_t *o)
{
    r->status = status;
    r->type = "application/json";
    r->body = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    r->len = r->body ? strlen(r->body) : 0;
    json_decref(o);
}

/* {"error": message, "code": code}: why no result could be produced. */
static void error_reply(reply *r, unsigned status, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void error_reply(reply *r, unsigned status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_reply(r, status, json_pack("{s:s, s:s}", "error", msg, "code", code));
}

/* HTTP status and error code for each perf_err the engine may return. */
static void perf_err_reply(perf_server *s, reply *r, perf_err e, const char *detail)
{
    atomic_fetch_add(&s->m.failures[e], 1);
    static const struct {
        unsigned status;
        const char *code;
    } map[PERF_ERR__COUNT] = {
        [PERF_ERR_ARG] = {400, "bad_request"},        [PERF_ERR_NOMEM] = {500, "internal"},
        [PERF_ERR_IO] = {500, "internal"},            [PERF_ERR_BUNDLE] = {422, "bundle_rejected"},
        [PERF_ERR_BUNDLE_MISSING] = {404, "bundle_missing"}, [PERF_ERR_RUNTIME] = {503, "runtime_unavailable"},
        [PERF_ERR_SANDBOX] = {500, "sandbox_failed"}, [PERF_ERR_BUSY] = {503, "busy"},
    };
    unsigned status = map[e].status ? map[e].status : 500;
    error_reply(r, status, map[e].code ? map[e].code : "internal", "%s%s%s", perf_strerror(e), detail && *detail ? ": " : "",
                detail ? detail : "");
}

/* Reads a tarball the executor left in a file (capped like uploads). */
static int read_file(const char *path, size_t cap, uint8_t **out, size_t *n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > cap) {
        if (fd >= 0) close(fd);
        return -1;
    }
    uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    ssize_t got = buf ? read(fd, buf, (size_t)st.st_size) : -1;
    close(fd);
    if (got != st.st_size) {
        free(buf);
        return -1;
    }
    *out = buf;
    *n = (size_t)got;
    return 0;
}

/* Verifies and caches a tarball for function id fid. */
static perf_err add_bundle(perf_server *s, const uint8_t *tar, size_t n, const uint8_t fid[32], bundle_info *b,
                           int *added, char *detail)
{
    bundle_err be = bundle_cache_add(s->cache, tar, n, fid, b, added, detail);
    if (be == BUNDLE_OK) {
        if (*added) atomic_fetch_add(&s->m.extracted, 1);
        return PERF_OK;
    }
    atomic_fetch_add(&s->m.rejected, 1);
    if (!*detail) snprintf(detail, BUNDLE_DETAIL_MAX, "%s", bundle_strerror(be));
    return be == BUNDLE_ERR_IO || be == BUNDLE_ERR_NOMEM ? PERF_ERR_IO : PERF_ERR_BUNDLE;
}

static void execute(perf_server *s, const upload *u, reply *r)
{
    double t0 = perf_now_ms();
    perf_request q;
    char why[BUNDLE_DETAIL_MAX] = "";
    if (perf_request_parse(&q, (const char *)u->body.data, u->body.len, why) != PERF_OK) {
        error_reply(r, 400, "bad_request", "%s", why);
        return;
    }
    if (q.bundle_file && read_file(q.bundle_file, BUNDLE_DEFAULT_MAX_COMPRESSED, &q.bundle, &q.bundle_len) != 0) {
        error_reply(r, 400, "bad_request", "bundle_file must name a readable tarball");
        perf_request_free(&q);
        return;
    }
    bundle_info b;
    int added = 0;
    perf_err err = PERF_OK;
    char fid[67], task[67];
    eth_hex_encode(fid, q.function_id, 32);
    if (q.bundle) {
        err = add_bundle(s, q.bundle, q.bundle_len, q.function_id, &b, &added, why);
    } else if (bundle_cache_get(s->cache, q.function_id, &b) != BUNDLE_OK) {
        err = PERF_ERR_BUNDLE_MISSING;
        snprintf(why, sizeof why, "function %s", fid);
    }
    perf_result res = {0};
    if (!err) err = perf_pool_invoke(s->pool, &b, &q.task, &res);
    if (err) {
        perf_err_reply(s, r, err, why);
    } else {
        int cold = idset_add(&s->seen, q.function_id) != 0 || added;
        double ms = perf_now_ms() - t0;
        observe(&s->m, b.runtime, res.outcome, cold, ms);
        r->status = 200;
        r->type = "application/json";
        r->body = (char *)res.bytes; /* the result bytes, exactly as signed */
        r->len = res.len;
        set_header(r, "X-Faas-Outcome", "%s", perf_outcome_name(res.outcome));
        set_header(r, "X-Faas-Cold", "%d", cold);
        set_header(r, "X-Faas-Duration-Ms", "%.3f", ms);
        set_header(r, "X-Faas-Runtime", "%s", bundle_runtime_name(b.runtime));
        if (perf_log_enabled(PERF_LOG_DEBUG))
            perf_log(PERF_LOG_DEBUG, "invocation", "{s:s, s:s, s:s, s:s, s:b, s:f}", "task",
                     eth_hex_encode(task, q.task.task_id, 32), "function", fid, "runtime", bundle_runtime_name(b.runtime),
                     "outcome", perf_outcome_name(res.outcome), "cold", cold, "ms", ms);
    }
    perf_request_free(&q);
}

static void bundle_endpoint(perf_server *s, const char *method, const char *hex, const upload *u, reply *r)
{
    uint8_t fid[32];
    if (eth_hex_decode_exact(fid, 32, hex) != ETH_OK) {
        error_reply(r, 400, "bad_request", "function id must be 0x + 64 hex digits");
        return;
    }
    bundle_info b;
    int added = 0;
    char why[BUNDLE_DETAIL_MAX] = "";
    if (strcmp(method, "PUT") == 0) {
        perf_err err = add_bundle(s, u->body.data, u->body.len, fid, &b, &added, why);
        if (err) {
            perf_err_reply(s, r, err, why);
            return;
        }
    } else if (bundle_cache_get(s->cache, fid, &b) != BUNDLE_OK) {
        error_reply(r, 404, "bundle_missing", "function %s is not cached", hex);
        return;
    }
    char id[67];
    json_reply(r, added ? 201 : 200,
               json_pack("{s:s, s:s, s:b}", "function_id", eth_hex_encode(id, b.id, 32), "runtime",
                         bundle_runtime_name(b.runtime), "added", added));
}

static void health(perf_server *s, reply *r)
{
    perf_pool_runtime_status st[BUNDLE_RUNTIME__COUNT];
    unsigned inflight;
    perf_pool_status(s->pool, st, &inflight);
    json_t *rts = json_object();
    int ok = 1;
    for (int i = 0; i < BUNDLE_RUNTIME__COUNT; i++) {
        if (!st[i].configured) continue;
        ok &= st[i].ready > 0;
        json_object_set_new(rts, bundle_runtime_name((bundle_runtime)i),
                            json_pack("{s:b, s:s, s:i, s:i}", "ready", st[i].ready > 0, "version", st[i].version,
                                      "zygotes", st[i].ready, "restarts", st[i].restarts));
    }
    json_reply(r, ok ? 200 : 503, json_pack("{s:s, s:o, s:i}", "status", ok ? "ok" : "degraded", "runtimes", rts,
                                            "inflight", inflight));
}

/* Appends printf output to a growing string; gives up quietly on ENOMEM. */
typedef struct {
    char *p;
    size_t len, cap;
} text;

static void emit(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (k < 0) return;
        if (t->p && (size_t)k < t->cap - t->len) {
            t->len += (size_t)k;
            return;
        }
        size_t cap = t->cap ? t->cap * 2 : 8192;
        while (cap < t->len + (size_t)k + 1) cap *= 2;
        char *grown = realloc(t->p, cap);
        if (!grown) return;
        t->p = grown;
        t->cap = cap;
    }
}

/* The Prometheus text exposition format (version 0.0.4). */
static void render_metrics(perf_server *s, reply *r)
{
    metrics *m = &s->m;
    text t = {0};
    perf_pool_runtime_status st[BUNDLE_RUNTIME__COUNT];
    unsigned inflight;
    perf_pool_status(s->pool, st, &inflight);
#define FAMILY(name, type, help) emit(&t, "# HELP " name " " help "\n# TYPE " name " " type "\n")
    FAMILY("performer_invocations_total", "counter", "Function invocations that produced a result, by runtime and outcome.");
    for (int rt = 0; rt < BUNDLE_RUNTIME__COUNT; rt++)
        for (int o = 0; o < PERF_OUTCOME__COUNT; o++)
            emit(&t, "performer_invocations_total{runtime=\"%s\",outcome=\"%s\"} %llu\n", bundle_runtime_name((bundle_runtime)rt),
                 perf_outcome_name((perf_outcome)o), (unsigned long long)atomic_load(&m->calls[rt][o]));
    FAMILY("performer_cold_starts_total", "counter", "Invocations of a bundle this performer had not run before.");
    for (int rt = 0; rt < BUNDLE_RUNTIME__COUNT; rt++)
        emit(&t, "performer_cold_starts_total{runtime=\"%s\"} %llu\n", bundle_runtime_name((bundle_runtime)rt),
             (unsigned long long)atomic_load(&m->cold[rt]));
    FAMILY("performer_warm_starts_total", "counter", "Invocations of a bundle this performer had run before.");
    for (int rt = 0; rt < BUNDLE_RUNTIME__COUNT; rt++)
        emit(&t, "performer_warm_starts_total{runtime=\"%s\"} %llu\n", bundle_runtime_name((bundle_runtime)rt),
             (unsigned long long)atomic_load(&m->warm[rt]));
    FAMILY("performer_invocation_duration_seconds", "histogram", "Time from request to result, bundle extraction included.");
    for (int rt = 0; rt < BUNDLE_RUNTIME__COUNT; rt++) {
        const char *name = bundle_runtime_name((bundle_runtime)rt);
        unsigned long long cum = 0;
        for (size_t b = 0; b <= NBUCKETS; b++) {
            cum += atomic_load(&m->hist[rt][b]);
            if (b < NBUCKETS)
                emit(&t, "performer_invocation_duration_seconds_bucket{runtime=\"%s\",le=\"%g\"} %llu\n", name, buckets[b], cum);
            else
                emit(&t, "performer_invocation_duration_seconds_bucket{runtime=\"%s\",le=\"+Inf\"} %llu\n", name, cum);
        }
        emit(&t, "performer_invocation_duration_seconds_sum{runtime=\"%s\"} %.6f\n", name, atomic_load(&m->sum_us[rt]) / 1e6);
        emit(&t, "performer_invocation_duration_seconds_count{runtime=\"%s\"} %llu\n", name, cum);
    }
    FAMILY("performer_errors_total", "counter", "Requests that produced no result, by reason.");
    for (int e = 1; e < PERF_ERR__COUNT; e++)
        if (e != PERF_ERR_TRANSPORT && e != PERF_ERR_PROTOCOL)
            emit(&t, "performer_errors_total{reason=\"%s\"} %llu\n", perf_strerror((perf_err)e),
                 (unsigned long long)atomic_load(&m->failures[e]));
    FAMILY("performer_bundles_extracted_total", "counter", "Bundles verified and extracted into the cache.");
    emit(&t, "performer_bundles_extracted_total %llu\n", (unsigned long long)atomic_load(&m->extracted));
    FAMILY("performer_bundles_rejected_total", "counter", "Bundles refused (hostile, malformed or not matching their id).");
    emit(&t, "performer_bundles_rejected_total %llu\n", (unsigned long long)atomic_load(&m->rejected));
    FAMILY("performer_inflight", "gauge", "Invocations running now.");
    emit(&t, "performer_inflight %u\n", inflight);
    FAMILY("performer_runtime_ready", "gauge", "Zygotes ready to fork, by runtime.");
    FAMILY("performer_runtime_restarts_total", "counter", "Zygotes restarted after dying, by runtime.");
    for (int rt = 0; rt < BUNDLE_RUNTIME__COUNT; rt++) {
        if (!st[rt].configured) continue;
        emit(&t, "performer_runtime_ready{runtime=\"%s\"} %u\n", bundle_runtime_name((bundle_runtime)rt), st[rt].ready);
        emit(&t, "performer_runtime_restarts_total{runtime=\"%s\"} %u\n", bundle_runtime_name((bundle_runtime)rt), st[rt].restarts);
    }
#undef FAMILY
    r->status = t.p ? 200 : 500;
    r->type = "text/plain; version=0.0.4";
    r->body = t.p;
    r->len = t.len;
}

static void route(perf_server *s, const char *method, const char *url, const upload *u, reply *r)
{
    static const char bundles[] = "/v1/bundles/";
    int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0, put = strcmp(method, "PUT") == 0;
    if (u->too_big)
        error_reply(r, 413, "bad_request", "request body exceeds %zu bytes", s->max_body);
    else if (strcmp(url, "/v1/execute") == 0)
        post ? execute(s, u, r) : error_reply(r, 405, "bad_request", "use POST");
    else if (strncmp(url, bundles, sizeof bundles - 1) == 0)
        get || put ? bundle_endpoint(s, method, url + sizeof bundles - 1, u, r) : error_reply(r, 405, "bad_request", "use GET or PUT");
    else if (strcmp(url, "/health") == 0)
        get ? health(s, r) : error_reply(r, 405, "bad_request", "use GET");
    else if (strcmp(url, "/metrics") == 0)
        get ? render_metrics(s, r) : error_reply(r, 405, "bad_request", "use GET");
    else
        error_reply(r, 404, "not_found", "no endpoint %s", url);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *data, size_t *data_size, void **con_cls)
{
    (void)version;
    perf_server *s = cls;
    upload *u = *con_cls;
    if (!u) { /* first call: headers only */
        if (!(u = calloc(1, sizeof *u))) return MHD_NO;
        eth_buf_init(&u->body, s->max_body);
        *con_cls = u;
        return MHD_YES;
    }
    if (*data_size) {
        if (!u->too_big && eth_buf_append(&u->body, data, *data_size) != ETH_OK) u->too_big = 1;
        *data_size = 0;
        return MHD_YES;
    }
    reply r = {0};
    route(s, method, url, u, &r);
    if (!r.body) {
        r.status = 500;
        r.type = "text/plain";
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(r.len, r.body ? r.body : (char *)"", r.body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(r.body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", r.type);
    for (int i = 0; i < r.nheaders; i++) MHD_add_response_header(resp, r.headers[i][0], r.headers[i][1]);
    enum MHD_Result ok = MHD_queue_response(conn, r.status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)conn, (void)why;
    upload *u = *con_cls;
    if (u) {
        eth_buf_free(&u->body);
        free(u);
        *con_cls = NULL;
    }
}

/* A listening socket for "unix:/path" or "HOST:PORT" (loopback addresses
 * only: the API has no authentication). */
static int listen_on(perf_server *s, const char *addr, char *detail)
{
    int fd = -1;
    if (strncmp(addr, "unix:", 5) == 0) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(addr + 5) >= sizeof sa.sun_path) return -1;
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", addr + 5);
        struct stat st; /* a stale socket from an earlier run goes; any other file stays */
        if (lstat(sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(sa.sun_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || chmod(sa.sun_path, 0600) != 0) goto fail;
        snprintf(s->unix_path, sizeof s->unix_path, "%s", sa.sun_path);
        snprintf(s->address, sizeof s->address, "unix:%s", sa.sun_path);
    } else {
        char host[64];
        unsigned port;
        const char *colon = strrchr(addr, ':');
        struct sockaddr_in sa = {.sin_family = AF_INET};
        if (!colon || (size_t)(colon - addr) >= sizeof host || sscanf(colon + 1, "%u", &port) != 1 || port > 65535) {
            snprintf(detail, 256, "listen address must be HOST:PORT or unix:/path, got %s", addr);
            return -1;
        }
        snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
        if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 || (ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
            snprintf(detail, 256, "listen address %s is not an IPv4 loopback address", host);
            return -1;
        }
        sa.sin_port = htons((uint16_t)port);
        socklen_t len = sizeof sa;
        int one = 1;
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
            bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
            goto fail;
        snprintf(s->address, sizeof s->address, "%s:%u", host, ntohs(sa.sin_port));
    }
    if (listen(fd, 128) != 0) goto fail;
    return fd;
fail:
    snprintf(detail, 256, "listen on %s: %s", addr, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
}

perf_err perf_server_start(perf_server **out, const perf_server_config *cfg, char *detail)
{
    if (!out || !cfg || !cfg->pool || !cfg->cache || !cfg->listen) return PERF_ERR_ARG;
    perf_server *s = calloc(1, sizeof *s);
    if (!s) return PERF_ERR_NOMEM;
    s->pool = cfg->pool;
    s->cache = cfg->cache;
    /* A base64 bundle of the largest size, the largest input, and JSON around them. */
    s->max_body = BUNDLE_DEFAULT_MAX_COMPRESSED / 3 * 4 + PERF_MAX_INPUT_BYTES * 2 + (64 << 10);
    pthread_mutex_init(&s->seen.lock, NULL);
    int fd = listen_on(s, cfg->listen, detail);
    if (fd < 0) {
        perf_server_stop(s);
        return PERF_ERR_IO;
    }
    s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL, on_request, s,
                              MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300, MHD_OPTION_END);
    if (!s->mhd) {
        close(fd);
        snprintf(detail, 256, "libmicrohttpd could not start");
        perf_server_stop(s);
        return PERF_ERR_IO;
    }
    *out = s;
    return PERF_OK;
}

const char *perf_server_address(const perf_server *s)
{
    return s->address;
}

void perf_server_stop(perf_server *s)
{
    if (!s) return;
    if (s->mhd) MHD_stop_daemon(s->mhd);
    if (s->unix_path[0]) unlink(s->unix_path);
    pthread_mutex_destroy(&s->seen.lock);
    free(s->seen.keys);
    free(s);
}

/* ------------------------------------------------------------------------ */
/* Client                                                                     */

struct perf_client {
    CURL *curl;
    char base[PATH_MAX];    /* http://host:port, or http://localhost over a Unix socket */
    eth_buf body;
    char outcome[16];
    int cold;
    double ms;
};

/* Answers bigger than a result, its logs and JSON around them are refused. */
#define CLIENT_MAX_ANSWER ((size_t)64 << 20)

static void init_curl(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

perf_err perf_client_new(perf_client **out, const char *endpoint)
{
    if (!out || !endpoint || !*endpoint) return PERF_ERR_ARG;
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_curl);
    perf_client *c = calloc(1, sizeof *c);
    if (!c || !(c->curl = curl_easy_init())) {
        free(c);
        return PERF_ERR_NOMEM;
    }
    if (strncmp(endpoint, "unix:", 5) == 0) {
        curl_easy_setopt(c->curl, CURLOPT_UNIX_SOCKET_PATH, endpoint + 5);
        snprintf(c->base, sizeof c->base, "http://localhost");
    } else {
        snprintf(c->base, sizeof c->base, "%s%s", strstr(endpoint, "://") ? "" : "http://", endpoint);
        size_t n = strlen(c->base);
        if (n && c->base[n - 1] == '/') c->base[n - 1] = '\0';
    }
    eth_buf_init(&c->body, CLIENT_MAX_ANSWER);
    *out = c;
    return PERF_OK;
}

void perf_client_free(perf_client *c)
{
    if (!c) return;
    curl_easy_cleanup(c->curl);
    eth_buf_free(&c->body);
    free(c);
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    perf_client *c = ctx;
    return eth_buf_append(&c->body, p, size * n) == ETH_OK ? size * n : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    perf_client *c = ctx;
    size_t len = size * n;
    char line[128];
    snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line - 1 ? len : sizeof line - 1), p);
    line[strcspn(line, "\r\n")] = '\0';
    if (strncasecmp(line, "X-Faas-Outcome: ", 16) == 0) snprintf(c->outcome, sizeof c->outcome, "%.15s", line + 16);
    if (strncasecmp(line, "X-Faas-Cold: ", 13) == 0) c->cold = atoi(line + 13);
    if (strncasecmp(line, "X-Faas-Duration-Ms: ", 20) == 0) c->ms = atof(line + 20);
    return len;
}

/* One request; the answer lands in c->body. Returns the HTTP status, or -1. */
static long request(perf_client *c, const char *method, const char *path, const void *body, size_t len, const char *type,
                    long timeout_ms)
{
    char url[PATH_MAX + 256];
    snprintf(url, sizeof url, "%s%s", c->base, path);
    c->body.len = 0;
    c->outcome[0] = '\0';
    c->cold = 0;
    c->ms = 0;
    struct curl_slist *h = NULL;
    char ct[96];
    snprintf(ct, sizeof ct, "Content-Type: %s", type ? type : "application/json");
    h = curl_slist_append(h, ct);
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    CURL *k = c->curl;
    curl_easy_setopt(k, CURLOPT_URL, url);
    curl_easy_setopt(k, CURLOPT_HTTPHEADER, h);
    if (body) {
        curl_easy_setopt(k, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, method);
    } else {
        curl_easy_setopt(k, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, NULL);
    }
    curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(k, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(k, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(k, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(k);
    long status = -1;
    if (rc == CURLE_OK) curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    return status;
}

/* The perf_err for a non-200 answer: the server's "code" names it. */
static perf_err answer_error(perf_client *c, long status, char *detail)
{
    if (status < 0) {
        if (detail) snprintf(detail, 256, "cannot reach %.200s", c->base);
        return PERF_ERR_TRANSPORT;
    }
    json_t *j = json_loadb((const char *)c->body.data, c->body.len, 0, NULL);
    const char *code = json_string_value(json_object_get(j, "code")), *msg = json_string_value(json_object_get(j, "error"));
    if (detail) snprintf(detail, 256, "%s", msg ? msg : "malformed error answer");
    static const struct {
        const char *code;
        perf_err err;
    } map[] = {{"bad_request", PERF_ERR_ARG},         {"bundle_rejected", PERF_ERR_BUNDLE},
               {"bundle_missing", PERF_ERR_BUNDLE_MISSING}, {"runtime_unavailable", PERF_ERR_RUNTIME},
               {"sandbox_failed", PERF_ERR_SANDBOX},   {"busy", PERF_ERR_BUSY},
               {"internal", PERF_ERR_IO}};
    perf_err e = PERF_ERR_PROTOCOL;
    for (size_t i = 0; code && i < sizeof map / sizeof *map; i++)
        if (strcmp(code, map[i].code) == 0) e = map[i].err;
    json_decref(j);
    return e;
}

perf_err perf_client_execute(perf_client *c, const uint8_t function_id[32], const uint8_t *bundle, size_t bundle_len,
                             const perf_task *t, perf_result *out, char *detail)
{
    if (!c || !function_id || !t || !out || (t->input_len && !t->input)) return PERF_ERR_ARG;
    char *body = perf_request_encode(function_id, bundle, bundle_len, t);
    if (!body) return PERF_ERR_NOMEM;
    /* Allow the function its whole time limit, plus the performer's own. */
    long timeout = (t->limits.timeout_ms ? (long)t->limits.timeout_ms : 600000L) + 30000L;
    long status = request(c, "POST", "/v1/execute", body, strlen(body), NULL, timeout);
    free(body);
    if (status != 200) return answer_error(c, status, detail);
    perf_outcome o = PERF_OUTCOME__COUNT;
    for (int i = 0; i < PERF_OUTCOME__COUNT; i++)
        if (strcmp(c->outcome, perf_outcome_name((perf_outcome)i)) == 0) o = (perf_outcome)i;
    if (o == PERF_OUTCOME__COUNT || !c->body.len) {
        if (detail) snprintf(detail, 256, "answer without a result or outcome");
        return PERF_ERR_PROTOCOL;
    }
    out->bytes = c->body.data;
    out->len = c->body.len;
    out->outcome = o;
    out->duration_ms = c->ms;
    eth_buf_init(&c->body, CLIENT_MAX_ANSWER); /* the result took the buffer */
    return PERF_OK;
}

perf_err perf_client_put_bundle(perf_client *c, const uint8_t *tarball, size_t n, char *detail)
{
    if (!c || (!tarball && n)) return PERF_ERR_ARG;
    uint8_t id[32];
    char path[96], hex[67];
    bundle_id(id, tarball, n);
    snprintf(path, sizeof path, "/v1/bundles/%s", eth_hex_encode(hex, id, 32));
    long status = request(c, "PUT", path, tarball ? (const void *)tarball : (const void *)"", n, "application/gzip", 120000);
    return status == 200 || status == 201 ? PERF_OK : answer_error(c, status, detail);
}

perf_err perf_client_get(perf_client *c, const char *path, long *status, char **body)
{
    if (!c || !path || !status || !body) return PERF_ERR_ARG;
    *status = request(c, "GET", path, NULL, 0, NULL, 30000);
    if (*status < 0) return PERF_ERR_TRANSPORT;
    if (!(*body = malloc(c->body.len + 1))) return PERF_ERR_NOMEM;
    if (c->body.len) memcpy(*body, c->body.data, c->body.len);
    (*body)[c->body.len] = '\0';
    return PERF_OK;
}
