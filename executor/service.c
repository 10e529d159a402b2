/* service.c - the executor: serves POST /v1/task (protocol in executor.h),
 * runs each task at most once on its performer, signs the result with the
 * operator's BN254 key, and binds the answer to the operator's ECDSA key. */
#include "executor.h"

#include "bn254.h"
#include "bundle.h"
#include "performer.h"
#include "svc.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const svc_setting exec_settings_table[] = {
#define S(key, flag, env, type, member, def, help) \
    { key, flag, env, SVC_SETTING_##type, offsetof(exec_settings, member), def, help }
    S("rpc_url", "rpc-url", "FAAS_EXECUTOR_RPC_URL", STRING, rpc_url, "http://127.0.0.1:7545", "chain JSON-RPC URL"),
    S("chain_id", "chain-id", "FAAS_EXECUTOR_CHAIN_ID", UINT, chain_id, "0", "expected chain id (0: any)"),
    S("contracts.taskmailbox", "taskmailbox-address", "FAAS_EXECUTOR_TASKMAILBOX", STRING, mailbox, NULL,
      "TaskMailbox address"),
    S("contracts.operator_registry", "registry-address", "FAAS_EXECUTOR_REGISTRY", STRING, registry, NULL,
      "OperatorRegistry address"),
    S("contracts.faas", "faas-address", "FAAS_EXECUTOR_FAAS", STRING, faas, NULL, "FaaS contract address"),
    S("operator.ecdsa_key_file", "ecdsa-key-file", NULL, PATH, ecdsa_key_file, NULL,
      "file with the operator's ECDSA key (or the variable FAAS_EXECUTOR_ECDSA_KEY)"),
    S("operator.bls_keystore", "bls-keystore", "FAAS_EXECUTOR_BLS_KEYSTORE", PATH, bls_keystore, NULL,
      "EIP-2335 BN254 keystore of the operator"),
    S("operator.bls_password_file", "bls-password-file", NULL, PATH, bls_password_file, NULL,
      "file with the keystore password (or the variable FAAS_EXECUTOR_BLS_PASSWORD)"),
    S("listen", "listen", "FAAS_EXECUTOR_LISTEN", STRING, listen, "127.0.0.1:9090", "host:port of the task API"),
    S("data_dir", "data-dir", "FAAS_EXECUTOR_DATA_DIR", PATH, data_dir, NULL,
      "directory for executor.db and the bundle cache"),
    S("performer", "performer", "FAAS_EXECUTOR_PERFORMER", STRING, performer, "managed",
      "where functions run: managed (our own bin/performer), unix:/path or host:port of one, or local (no sandbox)"),
    S("performer_bin", "performer-bin", "FAAS_EXECUTOR_PERFORMER_BIN", PATH, performer_bin, NULL,
      "bin/performer for managed (default: next to the executor)"),
    S("limits.max_inflight", "max-inflight", NULL, UINT, max_inflight, "64", "tasks at once (more get 503)"),
    S("limits.task_timeout_ms", "task-timeout-ms", NULL, UINT, task_timeout_ms, "5000", "a function's wall time"),
    S("limits.memory_mib", "memory-mib", NULL, UINT, memory_mib, "256", "a function's memory"),
    S("limits.max_bundle_bytes", "max-bundle-bytes", NULL, UINT, max_bundle_bytes, "67108864",
      "largest bundle fetched"),
    S("network_access", "network-access", "FAAS_EXECUTOR_NETWORK_ACCESS", BOOL, network_access, "false",
      "functions may use the network"),
    S("test.lie", "test-lie", "FAAS_EXECUTOR_TEST_LIE", BOOL, test_lie, "false",
      "TEST ONLY: answer a different result, validly signed"),
    S("test.bad_signature", "test-bad-signature", "FAAS_EXECUTOR_TEST_BAD_SIGNATURE", BOOL, test_bad_signature,
      "false", "TEST ONLY: answer a BLS signature that does not verify"),
#undef S
};
const size_t exec_settings_count = sizeof exec_settings_table / sizeof exec_settings_table[0];

/* eth_rpc handles are single-threaded; each request borrows one. */
#define RPC_POOL_MAX 16

/* Operator tables are immutable once published: membership is cached. */
#define TABLE_CACHE 16
/* perf_client handles are single-threaded too. */
#define PERF_POOL_MAX 64
/* How long a managed performer may take to warm up, and to stop. */
#define PERFORMER_START_MS 60000
#define PERFORMER_STOP_MS 5000

typedef enum { PERFORMER_MANAGED, PERFORMER_REMOTE, PERFORMER_LOCAL } performer_mode;

typedef struct inflight {
    uint8_t task_hash[32];
    int done;
    struct inflight *next;
} inflight;

struct exec_service {
    exec_settings cfg;          /* borrowed strings: valid while the caller's settings live */
    uint64_t chain_id;
    eth_address mailbox, registry, faas;
    eth_key ecdsa;
    bn254_sk bls;
    uint8_t g1[64];             /* our BN254 G1 key, to find ourselves in tables */
    performer_mode mode;
    char performer_endpoint[600];   /* managed and remote: where perf_client connects */
    pid_t performer_pid;            /* managed: our child */
    perf_runtimes runtimes;         /* local */
    exec_store *store;
    bundle_cache *bundles;          /* local: extracted bundles */
    svc_http *http;
    svc_metrics *metrics;
    svc_metric *m_runs, *m_run_seconds, *m_request_seconds, *m_inflight;

    pthread_mutex_t lock;       /* everything below */
    pthread_cond_t changed;
    eth_rpc *rpc_free[RPC_POOL_MAX];
    size_t n_rpc_free;
    perf_client *perf_free[PERF_POOL_MAX];
    size_t n_perf_free;
    eth_address aggregator;
    int has_aggregator;
    double aggregator_checked_ms;
    struct {
        uint32_t ts;
        int member;             /* 1: our address with our key is in the table */
    } tables[TABLE_CACHE];
    size_t n_tables, next_table;
    inflight *running;
    size_t n_running;
};

/* ------------------------------------------------------------------------ */
/* Small helpers                                                              */

static eth_rpc *rpc_get(exec_service *e)
{
    eth_rpc *r = NULL;
    pthread_mutex_lock(&e->lock);
    if (e->n_rpc_free) r = e->rpc_free[--e->n_rpc_free];
    pthread_mutex_unlock(&e->lock);
    if (!r) {
        eth_rpc_opts o = { .timeout_ms = 10000, .retries = 1 };
        r = eth_rpc_new(e->cfg.rpc_url, &o);
    }
    return r;
}

static void rpc_put(exec_service *e, eth_rpc *r)
{
    if (!r) return;
    pthread_mutex_lock(&e->lock);
    if (e->n_rpc_free < RPC_POOL_MAX) {
        e->rpc_free[e->n_rpc_free++] = r;
        r = NULL;
    }
    pthread_mutex_unlock(&e->lock);
    eth_rpc_free(r);
}

static perf_client *perf_get(exec_service *e)
{
    perf_client *c = NULL;
    pthread_mutex_lock(&e->lock);
    if (e->n_perf_free) c = e->perf_free[--e->n_perf_free];
    pthread_mutex_unlock(&e->lock);
    if (!c && perf_client_new(&c, e->performer_endpoint) != PERF_OK) c = NULL;
    return c;
}

static void perf_put(exec_service *e, perf_client *c)
{
    if (!c) return;
    pthread_mutex_lock(&e->lock);
    if (e->n_perf_free < PERF_POOL_MAX) {
        e->perf_free[e->n_perf_free++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&e->lock);
    perf_client_free(c);
}

static void count_request(exec_service *e, const char *code)
{
    char labels[64];
    snprintf(labels, sizeof labels, "code=\"%s\"", code);
    svc_metric_add(svc_metrics_counter(e->metrics, "faas_executor_requests_total", labels,
                                       "Task requests by answer (ok or the error code)."),
                   1);
}

/* An error answer, counted and logged. */
static void reply_error(exec_service *e, svc_http_response *resp, int status, const char *code, const char *task,
                        const char *msg)
{
    count_request(e, code);
    svc_log(status >= 500 ? SVC_LOG_WARN : SVC_LOG_INFO, "task refused", "{s:s,s:s,s:s}", "task", task, "code",
            code, "detail", msg);
    svc_http_reply_error(resp, status, code, "%s", msg);
}

/* ------------------------------------------------------------------------ */
/* Checks against the chain                                                   */

/* The registered aggregator, re-read at most once a second when a request
 * does not match (the owner may have rotated it). */
static int aggregator_is(exec_service *e, const eth_address *signer, char *detail)
{
    pthread_mutex_lock(&e->lock);
    int match = e->has_aggregator && memcmp(e->aggregator.addr, signer->addr, 20) == 0;
    int stale = !match && svc_mono_ms() - e->aggregator_checked_ms > 1000;
    if (stale) e->aggregator_checked_ms = svc_mono_ms();
    pthread_mutex_unlock(&e->lock);
    if (match || !stale) return match;
    eth_rpc *r = rpc_get(e);
    eth_address a;
    exec_err rc = r ? exec_chain_aggregator(r, &e->registry, &a, detail) : EXEC_ERR_NOMEM;
    rpc_put(e, r);
    if (rc) return 0;
    pthread_mutex_lock(&e->lock);
    e->aggregator = a;
    e->has_aggregator = 1;
    match = memcmp(a.addr, signer->addr, 20) == 0;
    pthread_mutex_unlock(&e->lock);
    return match;
}

/* 1 when this operator (address and G1 key) is in the table of ts, 0 when
 * not, -1 when the table could not be read. */
static int is_member(exec_service *e, eth_rpc *r, uint32_t ts, char *detail)
{
    pthread_mutex_lock(&e->lock);
    for (size_t i = 0; i < e->n_tables; i++) {
        if (e->tables[i].ts == ts) {
            int m = e->tables[i].member;
            pthread_mutex_unlock(&e->lock);
            return m;
        }
    }
    pthread_mutex_unlock(&e->lock);
    exec_operator *ops;
    size_t n;
    exec_err rc = exec_chain_table(r, &e->registry, ts, &ops, &n, detail);
    if (rc == EXEC_ERR_NOT_FOUND) return 0;
    if (rc) return -1;
    int member = 0;
    for (size_t i = 0; i < n; i++)
        if (memcmp(ops[i].address.addr, e->ecdsa.address.addr, 20) == 0 && memcmp(ops[i].g1, e->g1, 64) == 0) member = 1;
    free(ops);
    pthread_mutex_lock(&e->lock);
    e->tables[e->next_table].ts = ts;
    e->tables[e->next_table].member = member;
    e->next_table = (e->next_table + 1) % TABLE_CACHE;
    if (e->n_tables < TABLE_CACHE) e->n_tables++;
    pthread_mutex_unlock(&e->lock);
    return member;
}

/* ------------------------------------------------------------------------ */
/* Bundles                                                                    */

typedef struct {
    eth_buf buf;
    int over;
} download;

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
    download *d = user;
    if (eth_buf_append(&d->buf, p, size * n) != ETH_OK) {
        d->over = 1;
        return 0;
    }
    return size * n;
}

/* GET url (http or https), at most max bytes. */
static int fetch_url(const char *url, size_t max, uint8_t **out, size_t *n, char *detail)
{
    download d = { .over = 0 };
    eth_buf_init(&d.buf, max);
    CURL *c = curl_easy_init();
    if (!c) return -1;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (cc != CURLE_OK || status != 200) {
        if (d.over) snprintf(detail, SVC_DETAIL_MAX, "bundle at %.200s is larger than %zu bytes", url, max);
        else if (cc != CURLE_OK) snprintf(detail, SVC_DETAIL_MAX, "cannot fetch %.200s: %s", url, curl_easy_strerror(cc));
        else snprintf(detail, SVC_DETAIL_MAX, "cannot fetch %.200s: HTTP %ld", url, status);
        eth_buf_free(&d.buf);
        return -1;
    }
    *out = d.buf.data;
    *n = d.buf.len;
    return 0;
}

/* The tarball of function id, from the chain (its FunctionRegistered log)
 * or its URL; it must hash to id. Caller frees *tarball. */
static int fetch_tarball(exec_service *e, eth_rpc *r, const uint8_t id[32], uint8_t **tarball, size_t *n,
                         char *detail)
{
    exec_function f;
    exec_err rc = exec_chain_function(r, &e->faas, id, &f, detail);
    if (rc == EXEC_ERR_NOT_FOUND) snprintf(detail, SVC_DETAIL_MAX, "function is not registered");
    if (rc) return -1;
    int bad = f.size > 0 ? exec_chain_bundle(r, &e->faas, id, f.block, tarball, n, detail) != EXEC_OK
                         : fetch_url(f.url, (size_t)e->cfg.max_bundle_bytes, tarball, n, detail) != 0;
    exec_function_free(&f);
    uint8_t got[32];
    if (!bad) bundle_id(got, *tarball, *n);
    if (!bad && memcmp(got, id, 32) != 0) {
        snprintf(detail, SVC_DETAIL_MAX, "bundle rejected: its keccak-256 is not the function id");
        free(*tarball);
        *tarball = NULL;
        bad = 1;
    }
    return bad ? -1 : 0;
}

/* Local mode: the bundle extracted in our cache, fetched when missing. */
static int local_bundle(exec_service *e, eth_rpc *r, const uint8_t id[32], bundle_info *info, char *detail)
{
    if (bundle_cache_get(e->bundles, id, info) == BUNDLE_OK) return 0;
    uint8_t *tarball;
    size_t n;
    if (fetch_tarball(e, r, id, &tarball, &n, detail) != 0) return -1;
    char why[BUNDLE_DETAIL_MAX] = "";
    bundle_err be = bundle_cache_add(e->bundles, tarball, n, id, info, NULL, why);
    free(tarball);
    if (be) snprintf(detail, SVC_DETAIL_MAX, "bundle rejected: %s%s%s", bundle_strerror(be), *why ? ": " : "", why);
    return be ? -1 : 0;
}

/* Runs the task on the performer. Returns 0 with *res, or -1 with code,
 * msg, and *ran (the function may have run: the claim must stay). */
static int perform(exec_service *e, eth_rpc *r, const uint8_t fid[32], const perf_task *t, perf_result *res,
                   const char **code, char *msg, int *ran)
{
    *ran = 0;
    perf_err pe;
    if (e->mode == PERFORMER_LOCAL) {
        bundle_info b;
        if (local_bundle(e, r, fid, &b, msg) != 0) {
            *code = "function_unavailable";
            return -1;
        }
        *ran = 1;
        pe = perf_local_invoke(&e->runtimes, &b, t, res);
        if (pe) snprintf(msg, SVC_DETAIL_MAX, "performer: %s", perf_strerror(pe));
    } else {
        perf_client *c = perf_get(e);
        char why[256] = "";
        pe = c ? perf_client_execute(c, fid, NULL, 0, t, res, why) : PERF_ERR_NOMEM;
        if (pe == PERF_ERR_BUNDLE_MISSING) {
            /* The performer does not have the bundle yet: fetch it (and check
             * its hash) and send it along. */
            uint8_t *tarball;
            size_t n;
            if (fetch_tarball(e, r, fid, &tarball, &n, msg) != 0) {
                perf_put(e, c);
                *code = "function_unavailable";
                return -1;
            }
            pe = perf_client_execute(c, fid, tarball, n, t, res, why);
            free(tarball);
        }
        perf_put(e, c);
        /* A refusal before running (bad bundle, busy, bad request) leaves
         * the task runnable; anything later may have run it. */
        *ran = !(pe == PERF_ERR_BUNDLE || pe == PERF_ERR_BUNDLE_MISSING || pe == PERF_ERR_BUSY || pe == PERF_ERR_ARG ||
                 pe == PERF_ERR_NOMEM);
        if (pe) snprintf(msg, SVC_DETAIL_MAX, "performer: %s: %.300s", perf_strerror(pe), why);
        if (pe == PERF_ERR_BUNDLE) {
            *code = "function_unavailable";
            return -1;
        }
    }
    if (pe) {
        *code = pe == PERF_ERR_BUSY ? "busy" : "performer_failed";
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* One task                                                                   */

/* Registers the task as running in this process, after waiting for a run
 * of the same task already in progress here (the caller then finds its
 * answer in the store). 0, or -1 when out of memory. */
static int begin_running(exec_service *e, const uint8_t h[32])
{
    pthread_mutex_lock(&e->lock);
    for (;;) {
        inflight *it = e->running;
        while (it && memcmp(it->task_hash, h, 32) != 0) it = it->next;
        if (!it) break;
        pthread_cond_wait(&e->changed, &e->lock);
    }
    inflight *n = calloc(1, sizeof *n);
    if (n) {
        memcpy(n->task_hash, h, 32);
        n->next = e->running;
        e->running = n;
        e->n_running++;
        svc_metric_set(e->m_inflight, (double)e->n_running);
    }
    pthread_mutex_unlock(&e->lock);
    return n ? 0 : -1;
}

static void end_running(exec_service *e, const uint8_t h[32])
{
    pthread_mutex_lock(&e->lock);
    for (inflight **p = &e->running; *p; p = &(*p)->next) {
        if (memcmp((*p)->task_hash, h, 32) == 0) {
            inflight *dead = *p;
            *p = dead->next;
            free(dead);
            e->n_running--;
            svc_metric_set(e->m_inflight, (double)e->n_running);
            break;
        }
    }
    pthread_cond_broadcast(&e->changed);
    pthread_mutex_unlock(&e->lock);
}

static void reply_answer(exec_service *e, svc_http_response *resp, const exec_response *a)
{
    char *text = exec_response_to_json(a);
    if (!text) {
        svc_http_reply_error(resp, 500, "internal", "out of memory");
        return;
    }
    count_request(e, "ok");
    resp->status = 200;
    resp->body = text;
    resp->body_len = strlen(text);
}

/* The TEST ONLY behaviours: a different result (validly signed, so only
 * the grouping can catch it), or a signature of another digest (a valid
 * point that fails verification). */
static void sign_result(exec_service *e, exec_response *a, uint32_t ref_ts)
{
    uint8_t mh[32], digest[32];
    exec_message_hash(mh, a->task_hash, a->result, a->result_len);
    exec_certificate_digest(digest, ref_ts, mh);
    /* A high byte: try-and-increment maps neighbouring digests to the same point. */
    if (e->cfg.test_bad_signature) digest[0] ^= 1;
    bn254_g1 sig;
    bn254_bls_sign(&sig, &e->bls, digest);
    bn254_g1_to_bytes(a->signature, &sig);
}

static const uint8_t lie[] = "{\"payload\":\"this operator lies\",\"error\":null}";

/* Runs the task (claimed, checked) and fills the answer. Returns the HTTP
 * status; on failure code/msg say why and whether the claim may be dropped. */
static int run_task(exec_service *e, eth_rpc *r, const exec_request *req, const exec_task_info *ti,
                    exec_response *a, const char **code, char *msg, int *release)
{
    uint8_t fid[32];
    const uint8_t *input;
    size_t input_len;
    *release = 1;
    if (exec_payload_decode(ti->payload, ti->payload_len, fid, &input, &input_len) != EXEC_OK) {
        *code = "bad_payload";
        snprintf(msg, SVC_DETAIL_MAX, "payload is not abi.encode(bytes32 functionId, bytes input)");
        return 422;
    }
    perf_task t = { .input = input, .input_len = input_len, .timestamp = ti->creation_time };
    memcpy(t.task_id, req->task_hash, 32);
    t.limits.timeout_ms = (uint32_t)e->cfg.task_timeout_ms;
    t.limits.memory_mib = (uint32_t)e->cfg.memory_mib;
    perf_result res = { 0 };
    double t0 = svc_mono_ms();
    int ran = 0;
    int failed = perform(e, r, fid, &t, &res, code, msg, &ran);
    svc_metric_observe(e->m_run_seconds, (svc_mono_ms() - t0) / 1000);
    *release = !ran;
    if (failed) return strcmp(*code, "function_unavailable") == 0 ? 422 : strcmp(*code, "busy") == 0 ? 503 : 500;
    char labels[48];
    snprintf(labels, sizeof labels, "outcome=\"%s\"", perf_outcome_name(res.outcome));
    svc_metric_add(svc_metrics_counter(e->metrics, "faas_executor_runs_total", labels, "Function runs by outcome."), 1);
    memcpy(a->task_hash, req->task_hash, 32);
    if (e->cfg.test_lie) {
        perf_result_free(&res);
        res.bytes = malloc(sizeof lie - 1);
        if (res.bytes) memcpy(res.bytes, lie, sizeof lie - 1);
        res.len = res.bytes ? sizeof lie - 1 : 0;
    }
    a->result = res.bytes;
    a->result_len = res.len;
    sign_result(e, a, ti->reference_timestamp);
    if (exec_response_sign_auth(a, e->chain_id, &e->mailbox, &e->ecdsa) != EXEC_OK) {
        *code = "internal";
        snprintf(msg, SVC_DETAIL_MAX, "cannot sign the answer");
        return 500;
    }
    return 200;
}

/* The on-chain checks of the protocol: the task exists, is CREATED, and
 * matches the request; we are in its operator set. */
static int check_task(exec_service *e, eth_rpc *r, const exec_request *req, exec_task_info *ti, const char **code,
                      char *msg)
{
    exec_err rc = exec_chain_task(r, &e->mailbox, req->task_hash, ti, msg);
    if (rc) {
        *code = "chain_unavailable";
        return 502;
    }
    static const char *const names[] = { "NONE", "CREATED", "VERIFIED", "EXPIRED" };
    if (ti->status == EXEC_STATUS_NONE) {
        *code = "unknown_task";
        snprintf(msg, SVC_DETAIL_MAX, "no such task in the mailbox");
        return 404;
    }
    if (ti->status != EXEC_STATUS_CREATED) {
        *code = "task_not_created";
        snprintf(msg, SVC_DETAIL_MAX, "task is %s", names[ti->status]);
        return 409;
    }
    exec_task_created tc;
    rc = exec_chain_task_created(r, &e->mailbox, req->task_hash, req->task_block, &tc, msg);
    if (rc == EXEC_ERR_NOT_FOUND) {
        *code = "task_mismatch";
        return 422;
    }
    if (rc) {
        *code = "chain_unavailable";
        return 502;
    }
    const char *what = memcmp(ti->avs.addr, req->avs.addr, 20) || memcmp(tc.avs.addr, req->avs.addr, 20) ? "avs"
                       : ti->operator_set_id != req->operator_set_id || tc.operator_set_id != req->operator_set_id
                           ? "operator set"
                       : ti->reference_timestamp != req->reference_timestamp ||
                               tc.reference_timestamp != req->reference_timestamp
                           ? "reference timestamp"
                       : tc.payload_len != req->payload_len || memcmp(tc.payload, req->payload, req->payload_len)
                           ? "payload"
                           : NULL;
    /* The payload the function gets is the one on chain. */
    free(ti->payload);
    ti->payload = tc.payload;
    ti->payload_len = tc.payload_len;
    tc.payload = NULL;
    exec_task_created_free(&tc);
    if (what) {
        *code = "task_mismatch";
        snprintf(msg, SVC_DETAIL_MAX, "the request's %s differs from the task on chain", what);
        return 422;
    }
    int m = is_member(e, r, ti->reference_timestamp, msg);
    if (m < 0) {
        *code = "chain_unavailable";
        return 502;
    }
    if (!m) {
        *code = "not_in_operator_set";
        snprintf(msg, SVC_DETAIL_MAX, "this operator is not in the table of reference timestamp %u",
                 ti->reference_timestamp);
        return 403;
    }
    return 200;
}

static void handle_task(exec_service *e, const svc_http_request *hr, svc_http_response *resp)
{
    double t0 = svc_mono_ms();
    char msg[SVC_DETAIL_MAX] = "", task[67] = "-";
    exec_request req;
    exec_err pe = exec_request_parse(&req, (const char *)hr->body, hr->body_len, msg);
    if (pe) {
        reply_error(e, resp, pe == EXEC_ERR_TOO_BIG ? 413 : 400, pe == EXEC_ERR_TOO_BIG ? "too_large" : "bad_request",
                    task, msg);
        return;
    }
    eth_hex_encode(task, req.task_hash, 32);
    eth_address signer;
    if (memcmp(req.executor.addr, e->ecdsa.address.addr, 20) != 0) {
        reply_error(e, resp, 403, "wrong_executor", task, "the request is for another operator");
    } else if (req.chain_id != e->chain_id || memcmp(req.mailbox.addr, e->mailbox.addr, 20) != 0) {
        reply_error(e, resp, 400, "bad_request", task, "the request is for another chain or mailbox");
    } else if (exec_request_signer(&signer, &req) != EXEC_OK || !aggregator_is(e, &signer, msg)) {
        reply_error(e, resp, 401, "unauthorized", task, "request not signed by the registered aggregator");
    } else {
        if (begin_running(e, req.task_hash) != 0) {
            reply_error(e, resp, 500, "internal", task, "out of memory");
            exec_request_free(&req);
            return;
        }
        pthread_mutex_lock(&e->lock);
        int busy = e->n_running > e->cfg.max_inflight;
        pthread_mutex_unlock(&e->lock);
        if (busy) {
            reply_error(e, resp, 503, "busy", task, "too many tasks in flight");
            end_running(e, req.task_hash);
            exec_request_free(&req);
            return;
        }
        exec_task_state st;
        exec_response a;
        exec_err se = exec_store_claim(e->store, req.task_hash, &st, &a);
        if (se) {
            reply_error(e, resp, 500, "internal", task, "task store failed");
        } else if (st == EXEC_TASK_ANSWERED) {
            reply_answer(e, resp, &a);
            svc_log(SVC_LOG_INFO, "task answered again", "{s:s}", "task", task);
        } else if (st == EXEC_TASK_STARTED) {
            reply_error(e, resp, 409, "interrupted", task, "an earlier run of this task was cut short; it is not run twice");
        } else {
            eth_rpc *r = rpc_get(e);
            exec_task_info ti = { 0 };
            const char *code = "internal";
            double t1 = svc_mono_ms();
            int release = 1, status = r ? check_task(e, r, &req, &ti, &code, msg) : 500;
            double t2 = svc_mono_ms();
            if (status == 200) status = run_task(e, r, &req, &ti, &a, &code, msg, &release);
            double t3 = svc_mono_ms();
            if (status == 200 && exec_store_answer(e->store, &a) != EXEC_OK) {
                status = 500;
                code = "internal";
                snprintf(msg, SVC_DETAIL_MAX, "cannot store the answer");
            }
            if (status == 200) {
                reply_answer(e, resp, &a);
                svc_log(SVC_LOG_INFO, "task answered", "{s:s,s:i,s:f,s:f,s:f}", "task", task, "result_bytes",
                        (int)a.result_len, "ms", svc_mono_ms() - t0, "chain_ms", t2 - t1, "run_ms", t3 - t2);
            } else {
                if (release) exec_store_release(e->store, req.task_hash);
                reply_error(e, resp, status, code, task, msg);
            }
            exec_task_info_free(&ti);
            rpc_put(e, r);
        }
        exec_response_free(&a);
        end_running(e, req.task_hash);
    }
    exec_request_free(&req);
    svc_metric_observe(e->m_request_seconds, (svc_mono_ms() - t0) / 1000);
}

static void handle(void *user, const svc_http_request *req, svc_http_response *resp)
{
    exec_service *e = user;
    if (strcmp(req->path, "/v1/task") == 0) {
        if (strcmp(req->method, "POST") == 0) handle_task(e, req, resp);
        else svc_http_reply_error(resp, 405, "bad_request", "use POST");
    } else if (strcmp(req->path, "/healthz") == 0) {
        char addr[43];
        svc_http_reply_json(resp, 200,
                            json_pack("{s:s,s:s,s:I}", "status", "ok", "operator",
                                      eth_address_to_hex(addr, &e->ecdsa.address), "chain_id", (json_int_t)e->chain_id));
    } else if (strcmp(req->path, "/metrics") == 0) {
        svc_http_reply_metrics(resp, e->metrics);
    } else {
        svc_http_reply_error(resp, 404, "not_found", "no such endpoint");
    }
}

/* ------------------------------------------------------------------------ */
/* Start and stop                                                             */

static exec_err config_fail(char *detail, const char *fmt, const char *a)
{
    snprintf(detail, SVC_DETAIL_MAX, fmt, a);
    return EXEC_ERR_CONFIG;
}

static exec_err parse_address(eth_address *out, const char *text, const char *what, char *detail)
{
    if (!text) return config_fail(detail, "%s address is not set", what);
    if (eth_address_parse(out, text) != ETH_OK)
        return config_fail(detail, "%s address is not 0x + 40 hex digits (EIP-55 if mixed case)", what);
    return EXEC_OK;
}

static exec_err load_keys(exec_service *e, char *detail)
{
    char *hex;
    svc_err se = svc_secret_load(&hex, "FAAS_EXECUTOR_ECDSA_KEY", e->cfg.ecdsa_key_file, "operator ECDSA key", detail);
    /* Read once, the secrets leave the environment: no child (the
     * performer) ever sees them. */
    unsetenv("FAAS_EXECUTOR_ECDSA_KEY");
    if (se) {
        unsetenv("FAAS_EXECUTOR_BLS_PASSWORD");
        return EXEC_ERR_CONFIG;
    }
    eth_err ke = eth_key_from_hex(&e->ecdsa, hex);
    svc_secret_free(hex);
    if (ke) return config_fail(detail, "operator ECDSA key is not a valid secp256k1 key%s", "");
    if (!e->cfg.bls_keystore) return config_fail(detail, "no BN254 keystore (operator.bls_keystore)%s", "");
    char *json, *password;
    size_t n;
    if (svc_file_read(e->cfg.bls_keystore, 1 << 20, &json, &n, detail)) return EXEC_ERR_CONFIG;
    se = svc_secret_load(&password, "FAAS_EXECUTOR_BLS_PASSWORD", e->cfg.bls_password_file, "keystore password", detail);
    unsetenv("FAAS_EXECUTOR_BLS_PASSWORD");
    if (se) {
        free(json);
        return EXEC_ERR_CONFIG;
    }
    bn254_err be = bn254_keystore_decrypt(&e->bls, json, password);
    svc_secret_free(password);
    free(json);
    if (be) {
        snprintf(detail, SVC_DETAIL_MAX, "keystore %s: %s", e->cfg.bls_keystore, bn254_strerror(be));
        return EXEC_ERR_CONFIG;
    }
    bn254_g1 pk;
    bn254_bls_pubkey_g1(&pk, &e->bls);
    bn254_g1_to_bytes(e->g1, &pk);
    return EXEC_OK;
}

static exec_err open_state(exec_service *e, char *detail)
{
    if (!e->cfg.data_dir) return config_fail(detail, "no data directory (data_dir)%s", "");
    if (mkdir(e->cfg.data_dir, 0700) != 0 && errno != EEXIST)
        return config_fail(detail, "cannot create the data directory %s", e->cfg.data_dir);
    size_t dl = strlen(e->cfg.data_dir) + 32;
    char *path = malloc(dl);
    if (!path) return EXEC_ERR_NOMEM;
    snprintf(path, dl, "%s/executor.db", e->cfg.data_dir);
    exec_err rc = exec_store_open(&e->store, path, detail);
    if (!rc && e->mode == PERFORMER_LOCAL) {
        snprintf(path, dl, "%s/bundles", e->cfg.data_dir);
        bundle_limits lim = { .max_compressed = (size_t)e->cfg.max_bundle_bytes };
        if (bundle_cache_open(&e->bundles, path, &lim) != BUNDLE_OK) {
            snprintf(detail, SVC_DETAIL_MAX, "cannot open the bundle cache %s", path);
            rc = EXEC_ERR_START;
        }
    }
    free(path);
    return rc;
}

static exec_err check_chain(exec_service *e, char *detail)
{
    eth_rpc *r = rpc_get(e);
    if (!r) return config_fail(detail, "RPC URL %s is not http(s)", e->cfg.rpc_url);
    uint64_t id;
    exec_err rc = EXEC_OK;
    if (eth_rpc_chain_id(r, &id) != ETH_OK) {
        snprintf(detail, SVC_DETAIL_MAX, "cannot reach the chain at %s: %s", e->cfg.rpc_url, eth_rpc_last_error(r));
        rc = EXEC_ERR_START;
    } else if (e->cfg.chain_id && id != e->cfg.chain_id) {
        snprintf(detail, SVC_DETAIL_MAX, "the node at %s is chain %llu, configured chain_id is %llu", e->cfg.rpc_url,
                 (unsigned long long)id, (unsigned long long)e->cfg.chain_id);
        rc = EXEC_ERR_CONFIG;
    } else {
        e->chain_id = id;
        rc = exec_chain_aggregator(r, &e->registry, &e->aggregator, detail);
        if (!rc) e->has_aggregator = 1;
        else rc = EXEC_ERR_START;
    }
    rpc_put(e, r);
    return rc;
}

/* Where functions run (the "performer" setting). */
static exec_err choose_performer(exec_service *e, char *detail)
{
    const char *p = e->cfg.performer ? e->cfg.performer : "";
    if (strcmp(p, "local") == 0) {
        e->mode = PERFORMER_LOCAL;
    } else if (strcmp(p, "managed") == 0) {
        e->mode = PERFORMER_MANAGED;
        if (!e->cfg.data_dir) return config_fail(detail, "no data directory (data_dir)%s", "");
        /* A Unix socket path has 108 bytes. */
        if (strlen(e->cfg.data_dir) > 80)
            return config_fail(detail, "data_dir %s is too long for the performer's socket", e->cfg.data_dir);
        snprintf(e->performer_endpoint, sizeof e->performer_endpoint, "unix:%s/performer.sock", e->cfg.data_dir);
    } else if (strncmp(p, "unix:/", 6) == 0 || strchr(p, ':')) {
        e->mode = PERFORMER_REMOTE;
        snprintf(e->performer_endpoint, sizeof e->performer_endpoint, "%s", p);
    } else {
        return config_fail(detail, "performer \"%s\" is not managed, local, unix:/path or host:port", p);
    }
    return EXEC_OK;
}

/* Waits until the performer answers /health with 200 (its zygotes warm). */
static exec_err wait_performer(exec_service *e, char *detail)
{
    double deadline = svc_mono_ms() + PERFORMER_START_MS;
    for (;;) {
        perf_client *c = perf_get(e);
        long status = 0;
        char *body = NULL;
        int ok = c && perf_client_get(c, "/health", &status, &body) == PERF_OK && status == 200;
        free(body);
        perf_put(e, c);
        if (ok) return EXEC_OK;
        if (e->performer_pid > 0 && waitpid(e->performer_pid, NULL, WNOHANG) == e->performer_pid) {
            e->performer_pid = 0;
            snprintf(detail, SVC_DETAIL_MAX, "the performer exited while starting (see the log above)");
            return EXEC_ERR_START;
        }
        if (svc_mono_ms() > deadline) {
            snprintf(detail, SVC_DETAIL_MAX, "the performer at %.300s is not healthy", e->performer_endpoint);
            return EXEC_ERR_START;
        }
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}

/* Managed mode: our own bin/performer on a Unix socket in data_dir, with
 * our limits and network policy; it dies with us (PR_SET_PDEATHSIG). */
static exec_err start_performer(exec_service *e, char *detail)
{
    char bin[PATH_MAX], sock[600], cache[600], timeout[24], memory[24], inflight[24];
    if (e->cfg.performer_bin) {
        snprintf(bin, sizeof bin, "%s", e->cfg.performer_bin);
    } else {
        ssize_t n = readlink("/proc/self/exe", bin, sizeof bin - 32);
        if (n <= 0) return config_fail(detail, "cannot find bin/performer (set performer_bin)%s", "");
        bin[n] = 0;
        char *slash = strrchr(bin, '/');
        snprintf(slash + 1, sizeof bin - (size_t)(slash + 1 - bin), "performer");
    }
    snprintf(sock, sizeof sock, "unix:%s/performer.sock", e->cfg.data_dir);
    snprintf(cache, sizeof cache, "%s/performer-cache", e->cfg.data_dir);
    snprintf(timeout, sizeof timeout, "%llu", (unsigned long long)e->cfg.task_timeout_ms);
    snprintf(memory, sizeof memory, "%llu", (unsigned long long)e->cfg.memory_mib);
    snprintf(inflight, sizeof inflight, "%llu", (unsigned long long)e->cfg.max_inflight);
    char *argv[] = { bin, "--listen", sock, "--cache-dir", cache, "--timeout-ms", timeout, "--memory-mib", memory,
                     "--max-inflight", inflight, e->cfg.network_access ? "--allow-network" : NULL, NULL };
    unlink(sock + 5); /* a stale socket of an earlier run */
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(0); /* the executor is already gone */
        sigset_t none;
        sigemptyset(&none);
        pthread_sigmask(SIG_SETMASK, &none, NULL);
        /* Nothing of ours beyond stdio (the store, sockets, keystore files)
         * and only a few harmless variables go to the performer. */
        close_range(3, ~0u, 0);
        static const char *const keep[] = { "PATH", "HOME", "LANG", "TMPDIR", "LOG_LEVEL", "ASAN_OPTIONS",
                                            "UBSAN_OPTIONS", "LSAN_OPTIONS" };
        char *env[sizeof keep / sizeof keep[0] + 1];
        size_t ne = 0;
        for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
            const char *v = getenv(keep[k]);
            size_t len = v ? strlen(keep[k]) + strlen(v) + 2 : 0;
            char *kv = len ? malloc(len) : NULL;
            if (!kv) continue;
            snprintf(kv, len, "%s=%s", keep[k], v);
            env[ne++] = kv;
        }
        env[ne] = NULL;
        execve(bin, argv, env);
        fprintf(stderr, "executor: cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    if (pid < 0) return config_fail(detail, "cannot start the performer %.300s", bin);
    e->performer_pid = pid;
    return wait_performer(e, detail);
}

static void stop_performer(exec_service *e)
{
    if (e->performer_pid <= 0) return;
    kill(e->performer_pid, SIGTERM);
    for (double t0 = svc_mono_ms(); svc_mono_ms() - t0 < PERFORMER_STOP_MS;) {
        if (waitpid(e->performer_pid, NULL, WNOHANG) == e->performer_pid) {
            e->performer_pid = 0;
            return;
        }
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    kill(e->performer_pid, SIGKILL);
    waitpid(e->performer_pid, NULL, 0);
    e->performer_pid = 0;
}

exec_err exec_service_start(exec_service **out, const exec_settings *s, char *detail)
{
    *out = NULL;
    char scratch[SVC_DETAIL_MAX];
    if (!detail) detail = scratch;
    *detail = 0;
    exec_service *e = calloc(1, sizeof *e);
    if (!e) return EXEC_ERR_NOMEM;
    e->cfg = *s;
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->changed, NULL);
    e->metrics = svc_metrics_new();
    e->m_run_seconds = svc_metrics_histogram(e->metrics, "faas_executor_run_seconds", NULL,
                                             "Time the performer took per task.", svc_latency_buckets,
                                             svc_latency_buckets_n);
    e->m_request_seconds = svc_metrics_histogram(e->metrics, "faas_executor_request_seconds", NULL,
                                                 "Time from request to answer.", svc_latency_buckets,
                                                 svc_latency_buckets_n);
    e->m_inflight = svc_metrics_gauge(e->metrics, "faas_executor_inflight", NULL, "Tasks being served.");
    exec_err rc = e->metrics ? EXEC_OK : EXEC_ERR_NOMEM;
    if (!rc) rc = choose_performer(e, detail);
    if (!rc) rc = parse_address(&e->mailbox, s->mailbox, "TaskMailbox", detail);
    if (!rc) rc = parse_address(&e->registry, s->registry, "OperatorRegistry", detail);
    if (!rc) rc = parse_address(&e->faas, s->faas, "FaaS", detail);
    if (!rc) rc = load_keys(e, detail);
    if (!rc) rc = check_chain(e, detail);
    if (!rc) rc = open_state(e, detail);
    if (!rc && e->mode == PERFORMER_MANAGED) rc = start_performer(e, detail);
    if (!rc && e->mode == PERFORMER_REMOTE) rc = wait_performer(e, detail);
    if (!rc) {
        svc_http_opts ho = { .listen = s->listen, .max_body = EXEC_MAX_BODY,
                             .max_connections = (unsigned)s->max_inflight * 2 + 16 };
        if (svc_http_start(&e->http, &ho, handle, e, detail) != SVC_OK) rc = EXEC_ERR_START;
    }
    if (rc) {
        exec_service_stop(e);
        return rc;
    }
    if (e->mode == PERFORMER_LOCAL)
        svc_log(SVC_LOG_WARN, "performer local runs functions without a sandbox (development only)", NULL);
    char addr[43];
    svc_log(SVC_LOG_INFO, "executor serving", "{s:s,s:i,s:I,s:s,s:b}", "operator",
            eth_address_to_hex(addr, &e->ecdsa.address), "port", svc_http_port(e->http), "chain_id",
            (json_int_t)e->chain_id, "performer", s->performer, "network_access", s->network_access);
    *out = e;
    return EXEC_OK;
}

void exec_service_stop(exec_service *e)
{
    if (!e) return;
    svc_http_stop(e->http);
    stop_performer(e);
    exec_store_close(e->store);
    bundle_cache_close(e->bundles);
    for (size_t i = 0; i < e->n_rpc_free; i++) eth_rpc_free(e->rpc_free[i]);
    for (size_t i = 0; i < e->n_perf_free; i++) perf_client_free(e->perf_free[i]);
    while (e->running) {
        inflight *n = e->running->next;
        free(e->running);
        e->running = n;
    }
    svc_metrics_free(e->metrics);
    eth_key_wipe(&e->ecdsa);
    bn254_sk_wipe(&e->bls);
    pthread_cond_destroy(&e->changed);
    pthread_mutex_destroy(&e->lock);
    free(e);
}
