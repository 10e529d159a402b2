/* dispatch.c - the aggregator's fan-out loop: each task goes to every
 * executor of its operator table in parallel (libcurl multi, keep-alive
 * connections); answers are checked (operator identity, BN254 point) and
 * grouped by result bytes; once a group has the stake threshold all its
 * signatures are verified in one batch check (each alone only when that
 * fails), the certificate is built and handed to the submitter.
 * Executors that fail are retried with backoff until the task's deadline,
 * when the task expires with the reason; a task whose threshold no result
 * can reach any more (every other executor refused for good) fails at once,
 * with the reason. Hourglass §4.4-§4.6. */
#include "agg_internal.h"

#include "bn254.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Tables are immutable once published; a few are kept. */
#define TABLE_CACHE 8
/* Retry delays of a failing executor: first, and the cap (doubling). */
#define RETRY_FIRST_MS 250
#define RETRY_MAX_MS 2000
/* How often deadlines are checked. */
#define TICK_MS 100

typedef struct {
    agg_table t;
    bn254_g2 *g2;       /* parsed G2 keys */
    uint8_t *usable;    /* 0: the key does not parse (the operator can never sign) */
    unsigned uses;      /* jobs holding it */
    int loaded;
} table_entry;

typedef enum { OP_IDLE, OP_INFLIGHT, OP_ANSWERED, OP_WAIT, OP_FAILED } op_state;

typedef struct job job;

typedef struct {
    job *j;
    size_t index;
    op_state state;
    CURL *easy;
    struct curl_slist *headers;
    char *body;         /* the signed request */
    eth_buf resp;
    double retry_at;
    unsigned attempts;
    char error[200];
    bn254_g1 sig;
} op_slot;

struct job {
    agg_task t;
    table_entry *table;
    agg_quorum *q;
    op_slot *ops;
    uint16_t bps;
    uint64_t creation_time;
    double seen_mono;
    double ready_at;    /* confirmations: not before (0: now) */
    int started;
    job *next;
};

typedef struct {
    agg_service *a;
    CURLM *multi;
    eth_rpc *rpc;
    job *jobs;
    size_t n_jobs;
    table_entry tables[TABLE_CACHE];
    size_t next_table;
    uint64_t head;          /* latest block number known (confirmations) */
    double head_checked;
} dispatcher;

static void task_hex(char out[67], const uint8_t h[32]) { eth_hex_encode(out, h, 32); }

static void count_request(dispatcher *d, const char *result)
{
    char labels[48];
    snprintf(labels, sizeof labels, "result=\"%s\"", result);
    svc_metric_add(svc_metrics_counter(d->a->metrics, "faas_aggregator_executor_requests_total", labels,
                                       "Executor requests by result: ok, refused, unreachable, invalid, bad_signature."),
                   1);
}

/* ------------------------------------------------------------------------ */
/* Tables                                                                     */

static void table_release(table_entry *e)
{
    if (e && e->uses) e->uses--;
}

/* The table of ts (cached); NULL with detail when it cannot be had. */
static table_entry *table_get(dispatcher *d, uint32_t ts, char *detail)
{
    for (size_t i = 0; i < TABLE_CACHE; i++) {
        if (d->tables[i].loaded && d->tables[i].t.reference_timestamp == ts) {
            d->tables[i].uses++;
            return &d->tables[i];
        }
    }
    /* A free slot, or the least recently loaded unused one. */
    table_entry *e = NULL;
    for (size_t k = 0; k < TABLE_CACHE && !e; k++) {
        table_entry *c = &d->tables[(d->next_table + k) % TABLE_CACHE];
        if (!c->uses) e = c;
    }
    if (!e) {
        snprintf(detail, SVC_DETAIL_MAX, "too many operator tables in use");
        return NULL;
    }
    d->next_table = (size_t)(e - d->tables + 1) % TABLE_CACHE;
    if (e->loaded) {
        agg_table_free(&e->t);
        free(e->g2);
        free(e->usable);
        memset(e, 0, sizeof *e);
    }
    exec_operator *ops;
    size_t n;
    if (exec_chain_table(d->rpc, &d->a->registry, ts, &ops, &n, detail) != EXEC_OK) return NULL;
    if (agg_table_init(&e->t, ts, ops, n) != AGG_OK) {
        snprintf(detail, SVC_DETAIL_MAX, "operator table of %u is unusable (weights overflow)", ts);
        return NULL;
    }
    e->g2 = calloc(n, sizeof *e->g2);
    e->usable = calloc(n, 1);
    if (!e->g2 || !e->usable) {
        agg_table_free(&e->t);
        free(e->g2);
        free(e->usable);
        memset(e, 0, sizeof *e);
        snprintf(detail, SVC_DETAIL_MAX, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        e->usable[i] = bn254_g2_from_bytes(&e->g2[i], e->t.ops[i].g2) == BN254_OK && !bn254_g2_is_infinity(&e->g2[i]);
    e->loaded = 1;
    e->uses = 1;
    svc_log(SVC_LOG_INFO, "operator table loaded", "{s:I,s:I}", "reference_timestamp", (json_int_t)ts, "operators",
            (json_int_t)n);
    return e;
}

/* ------------------------------------------------------------------------ */
/* Jobs                                                                       */

static void op_cancel(dispatcher *d, op_slot *o)
{
    if (o->easy) {
        curl_multi_remove_handle(d->multi, o->easy);
        curl_easy_cleanup(o->easy);
        o->easy = NULL;
    }
    curl_slist_free_all(o->headers);
    o->headers = NULL;
    eth_buf_free(&o->resp);
}

static void job_free(dispatcher *d, job *j)
{
    if (j->ops) {
        for (size_t i = 0; i < j->table->t.n; i++) {
            op_cancel(d, &j->ops[i]);
            free(j->ops[i].body);
        }
        free(j->ops);
    }
    agg_quorum_free(j->q);
    table_release(j->table);
    agg_task_free(&j->t);
    free(j);
}

/* Unlinks and frees j. */
static void job_remove(dispatcher *d, job *j)
{
    for (job **p = &d->jobs; *p; p = &(*p)->next) {
        if (*p == j) {
            *p = j->next;
            d->n_jobs--;
            break;
        }
    }
    job_free(d, j);
    svc_metric_set(d->a->m_jobs, (double)d->n_jobs);
}

/* Ends a task with a final status (the store decides whether it is new). */
static void job_finish(dispatcher *d, job *j, agg_task_status st, const char *reason)
{
    char h[67];
    task_hex(h, j->t.task_hash);
    if (agg_store_set_status(d->a->store, j->t.task_hash, st, reason) == AGG_OK) {
        agg_count_task(d->a, agg_task_status_name(st));
        svc_log(st == AGG_TASK_EXPIRED || st == AGG_TASK_FAILED ? SVC_LOG_WARN : SVC_LOG_INFO, "task ended",
                "{s:s,s:s,s:s}", "task", h, "status", agg_task_status_name(st), "reason", reason);
    }
    job_remove(d, j);
}

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
    op_slot *o = user;
    return eth_buf_append(&o->resp, p, size * n) == ETH_OK ? size * n : 0;
}

/* Builds the signed request for operator i of the job. */
static int build_request(dispatcher *d, job *j, size_t i)
{
    exec_request r = {
        .chain_id = d->a->chain_id,
        .mailbox = d->a->mailbox,
        .avs = j->t.avs,
        .operator_set_id = j->t.operator_set_id,
        .reference_timestamp = j->t.reference_timestamp,
        .task_block = j->t.block_number,
        .payload = j->t.payload,
        .payload_len = j->t.payload_len,
        .executor = j->table->t.ops[i].address,
    };
    memcpy(r.task_hash, j->t.task_hash, 32);
    if (exec_request_sign(&r, &d->a->key) != EXEC_OK) return -1;
    j->ops[i].body = exec_request_to_json(&r);
    return j->ops[i].body ? 0 : -1;
}

static void op_start(dispatcher *d, job *j, size_t i)
{
    op_slot *o = &j->ops[i];
    char url[300];
    snprintf(url, sizeof url, "http://%s/v1/task", j->table->t.ops[i].socket);
    eth_buf_init(&o->resp, EXEC_MAX_BODY);
    o->easy = curl_easy_init();
    o->headers = curl_slist_append(NULL, "Content-Type: application/json");
    o->headers = o->headers ? curl_slist_append(o->headers, "Expect:") : NULL;
    if (!o->easy || !o->headers) {
        op_cancel(d, o);
        o->state = OP_WAIT;
        o->retry_at = svc_mono_ms() + RETRY_MAX_MS;
        snprintf(o->error, sizeof o->error, "out of memory");
        return;
    }
    curl_easy_setopt(o->easy, CURLOPT_URL, url);
    curl_easy_setopt(o->easy, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(o->easy, CURLOPT_POSTFIELDS, o->body);
    curl_easy_setopt(o->easy, CURLOPT_HTTPHEADER, o->headers);
    curl_easy_setopt(o->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(o->easy, CURLOPT_WRITEDATA, o);
    curl_easy_setopt(o->easy, CURLOPT_PRIVATE, o);
    curl_easy_setopt(o->easy, CURLOPT_TIMEOUT_MS, (long)d->a->cfg.executor_timeout_ms);
    curl_easy_setopt(o->easy, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt(o->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(o->easy, CURLOPT_TCP_NODELAY, 1L);
    curl_multi_add_handle(d->multi, o->easy);
    o->state = OP_INFLIGHT;
    o->attempts++;
}

/* Prepares the job: its table, a signed request per operator sent at once,
 * then (while executors work) the task from the mailbox for its threshold
 * and creation time. 0 to go on, 1 when the job ended here (final status or
 * failure), -1 to retry later. */
static int job_prepare(dispatcher *d, job *j)
{
    char detail[SVC_DETAIL_MAX] = "";
    if (!j->table && !(j->table = table_get(d, j->t.reference_timestamp, detail))) {
        char reason[SVC_DETAIL_MAX + 64];
        snprintf(reason, sizeof reason, "no operator table: %s", detail);
        job_finish(d, j, AGG_TASK_FAILED, reason);
        return 1;
    }
    size_t n = j->table->t.n;
    if (!j->ops) {
        if (!(j->ops = calloc(n, sizeof *j->ops))) return -1;
        for (size_t i = 0; i < n; i++) {
            j->ops[i].j = j;
            j->ops[i].index = i;
            if (!j->table->usable[i]) {
                j->ops[i].state = OP_FAILED;
                snprintf(j->ops[i].error, sizeof j->ops[i].error, "registered G2 key is not a valid point");
            } else if (build_request(d, j, i) != 0) {
                j->ops[i].state = OP_FAILED;
                snprintf(j->ops[i].error, sizeof j->ops[i].error, "cannot sign the request");
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        if (j->ops[i].state == OP_IDLE) op_start(d, j, i);
    /* Out on the wire now, before the mailbox read below. */
    int running;
    curl_multi_perform(d->multi, &running);

    exec_task_info ti;
    if (exec_chain_task(d->rpc, &d->a->mailbox, j->t.task_hash, &ti, detail) != EXEC_OK) {
        svc_log(SVC_LOG_WARN, "cannot read the task, retrying", "{s:s}", "detail", detail);
        for (size_t i = 0; i < n; i++) {
            if (j->ops[i].state != OP_INFLIGHT) continue;
            op_cancel(d, &j->ops[i]);
            j->ops[i].state = OP_IDLE;
        }
        return -1;
    }
    int ended = 1;
    if (ti.status == EXEC_STATUS_VERIFIED) job_finish(d, j, AGG_TASK_VERIFIED, "already verified on chain");
    else if (ti.status == EXEC_STATUS_EXPIRED) job_finish(d, j, AGG_TASK_EXPIRED, "expired on chain before it was served");
    else if (ti.status == EXEC_STATUS_NONE) job_finish(d, j, AGG_TASK_FAILED, "the mailbox does not know this task");
    else if (ti.curve_type != 2) job_finish(d, j, AGG_TASK_FAILED, "the operator set's curve is not BN254");
    else if (ti.consensus_type != 1 || !ti.has_threshold || ti.threshold_bps > 10000)
        job_finish(d, j, AGG_TASK_FAILED, "the operator set's consensus is not a stake-proportion threshold");
    else if (agg_quorum_new(&j->q, &j->table->t, ti.threshold_bps) != AGG_OK)
        job_finish(d, j, AGG_TASK_FAILED, "the threshold overflows (as the contract would revert)");
    else ended = 0;
    if (!ended) {
        j->bps = ti.threshold_bps;
        j->creation_time = ti.creation_time;
    }
    exec_task_info_free(&ti);
    return ended;
}

/* ------------------------------------------------------------------------ */
/* Answers                                                                    */

/* Whether an executor's refusal may change on retry. */
static int retryable(long status, const char *code)
{
    if (status == 0 || status >= 500) return 1;
    return status == 404 && strcmp(code, "unknown_task") == 0; /* its node may lag behind ours */
}

static void op_fail(op_slot *o, int retry, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void op_fail(op_slot *o, int retry, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->error, sizeof o->error, fmt, ap);
    va_end(ap);
    if (retry) {
        unsigned shift = o->attempts > 4 ? 4 : o->attempts - 1;
        double delay = RETRY_FIRST_MS * (double)(1u << shift);
        o->state = OP_WAIT;
        o->retry_at = svc_mono_ms() + (delay > RETRY_MAX_MS ? RETRY_MAX_MS : delay);
    } else {
        o->state = OP_FAILED;
    }
}

/* Checks a 200 answer and adds it to the quorum; returns the group or -1. */
static long accept_answer(dispatcher *d, job *j, op_slot *o, int *reached)
{
    const exec_operator *op = &j->table->t.ops[o->index];
    exec_response r;
    char detail[SVC_DETAIL_MAX];
    if (exec_response_parse(&r, (const char *)o->resp.data, o->resp.len, detail) != EXEC_OK) {
        count_request(d, "invalid");
        op_fail(o, 0, "malformed answer: %s", detail);
        return -1;
    }
    eth_address signer;
    long group = -1;
    if (memcmp(r.task_hash, j->t.task_hash, 32) != 0 || memcmp(r.operator_address.addr, op->address.addr, 20) != 0) {
        count_request(d, "invalid");
        op_fail(o, 0, "answer for another task or operator");
    } else if (exec_response_signer(&signer, d->a->chain_id, &d->a->mailbox, &r) != EXEC_OK ||
               memcmp(signer.addr, op->address.addr, 20) != 0) {
        count_request(d, "invalid");
        op_fail(o, 0, "answer not signed by the operator's key");
    } else if (bn254_g1_from_bytes(&o->sig, r.signature) != BN254_OK || bn254_g1_is_infinity(&o->sig)) {
        count_request(d, "bad_signature");
        op_fail(o, 0, "BLS signature is not a point of G1");
    } else {
        size_t g;
        agg_err e = agg_quorum_add(j->q, o->index, r.result, r.result_len, &g, reached);
        if (e) {
            op_fail(o, 0, "cannot record the answer: %s", agg_strerror(e));
        } else {
            count_request(d, "ok");
            o->state = OP_ANSWERED;
            group = (long)g;
        }
    }
    exec_response_free(&r);
    return group;
}

static void sum_group(job *j, size_t g, bn254_g1 *sig, bn254_g2 *apk)
{
    bn254_g1 s = { 0 };
    bn254_g2 k = { 0 };
    for (size_t i = 0; i < j->table->t.n; i++) {
        if (!agg_quorum_is_signer(j->q, g, i)) continue;
        bn254_g1_add_var(&s, &s, &j->ops[i].sig);
        bn254_g2_add_var(&k, &k, &j->table->g2[i]);
    }
    *sig = s;
    *apk = k;
}

/* 0 when every signature of group g verifies on digest (batch check). */
static int batch_verify(job *j, size_t g, const uint8_t digest[32])
{
    bn254_g1 lhs = { 0 }, term;
    bn254_g2 rhs = { 0 }, kterm;
    for (size_t i = 0; i < j->table->t.n; i++) {
        if (!agg_quorum_is_signer(j->q, g, i)) continue;
        uint8_t rb[32] = { 0 };
        bn254_scalar r;
        if (getentropy(rb + 16, 16) != 0) return -1;
        rb[16] |= 0x80; /* never zero */
        bn254_scalar_from_bytes_reduce(&r, rb);
        bn254_g1_mul_var(&term, &j->ops[i].sig, &r);
        bn254_g1_add_var(&lhs, &lhs, &term);
        bn254_g2_mul_var(&kterm, &j->table->g2[i], &r);
        bn254_g2_add_var(&rhs, &rhs, &kterm);
    }
    return bn254_bls_verify(digest, &lhs, &rhs) == BN254_OK ? 0 : -1;
}

/* "2 of 3 operators signed (weight 2 of 3, threshold 2)" */
static void describe_group(job *j, size_t g, char *out, size_t n)
{
    size_t signers = 0;
    for (size_t i = 0; i < j->table->t.n; i++) signers += agg_quorum_is_signer(j->q, g, i) != 0;
    char w[79], total[79], thr[79];
    snprintf(out, n, "%zu of %zu operators signed (weight %s of %s, threshold %s)", signers, j->table->t.n,
             eth_u256_to_dec(w, agg_quorum_weight(j->q, g)), eth_u256_to_dec(total, &j->table->t.total_weight),
             eth_u256_to_dec(thr, agg_quorum_threshold(j->q)));
}

/* Group g has the threshold by weight: verifies, certifies, hands over.
 * Returns 1 when the job is done. */
static int certify(dispatcher *d, job *j, size_t g)
{
    size_t rlen;
    const uint8_t *result = agg_quorum_result(j->q, g, &rlen);
    uint8_t mh[32], digest[32];
    exec_message_hash(mh, j->t.task_hash, result, rlen);
    exec_certificate_digest(digest, j->t.reference_timestamp, mh);
    bn254_g1 sig;
    bn254_g2 apk;
    /* Every signature of the group is verified, in one pairing check
     * (small-exponent batch verification, Bellare-Garay-Rabin 1998): with
     * random 128-bit r_i, e(sum r_i sig_i, G2) = e(H(digest), sum r_i pk_i)
     * holds for a bad signature with probability 2^-128. Only when it fails
     * is each signature checked alone, to find and drop the bad ones. */
    if (batch_verify(j, g, digest) != 0) {
        int reached = 0;
        for (size_t i = 0; i < j->table->t.n; i++) {
            if (!agg_quorum_is_signer(j->q, g, i)) continue;
            if (bn254_bls_verify(digest, &j->ops[i].sig, &j->table->g2[i]) == BN254_OK) continue;
            agg_quorum_reject(j->q, i, &reached);
            count_request(d, "bad_signature");
            char h[67], who[43];
            task_hex(h, j->t.task_hash);
            svc_log(SVC_LOG_WARN, "signature rejected", "{s:s,s:s}", "task", h, "operator",
                    eth_address_to_hex(who, &j->table->t.ops[i].address));
            snprintf(j->ops[i].error, sizeof j->ops[i].error, "BLS signature does not verify");
            j->ops[i].state = OP_FAILED;
        }
        /* What is left must still meet the threshold, with at least one
         * signer (an empty certificate is EmptyCertificateSignature). */
        if (!reached) return 0;
    }
    sum_group(j, g, &sig, &apk);
    if (bn254_g1_is_infinity(&sig)) return 0;
    agg_cert c = { .reference_timestamp = j->t.reference_timestamp };
    memcpy(c.message_hash, mh, 32);
    bn254_g1_to_bytes(c.signature, &sig);
    bn254_g2_to_bytes(c.apk, &apk);
    uint8_t *is_signer = calloc(j->table->t.n, 1);
    eth_buf cert;
    eth_buf_init(&cert, 0);
    for (size_t i = 0; is_signer && i < j->table->t.n; i++) is_signer[i] = (uint8_t)agg_quorum_is_signer(j->q, g, i);
    agg_err e = is_signer ? agg_cert_encode(&cert, &c, &j->table->t, is_signer) : AGG_ERR_NOMEM;
    free(is_signer);
    char reason[200];
    describe_group(j, g, reason, sizeof reason);
    agg_submission *s = e ? NULL : calloc(1, sizeof *s);
    if (s) {
        memcpy(s->task_hash, j->t.task_hash, 32);
        s->result = rlen ? malloc(rlen) : NULL;
        if (rlen && s->result) memcpy(s->result, result, rlen);
        s->result_len = rlen;
        s->cert = cert.data;
        s->cert_len = cert.len;
        cert.data = NULL;
        s->creation_time = j->creation_time;
        s->deadline = j->t.deadline;
        for (size_t i = 0; i < j->table->t.n; i++) s->non_signers += !agg_quorum_is_signer(j->q, g, i);
        s->work_ms = svc_mono_ms() - j->seen_mono;
    }
    agg_msg *m = s ? calloc(1, sizeof *m) : NULL;
    if (!m || (rlen && !s->result) ||
        agg_store_set_certified(d->a->store, j->t.task_hash, result, rlen, s->cert, s->cert_len, reason) != AGG_OK) {
        eth_buf_free(&cert);
        agg_submission_free(s);
        free(m);
        job_finish(d, j, AGG_TASK_FAILED, "cannot build or store the certificate");
        return 1;
    }
    agg_count_task(d->a, "certified");
    char h[67];
    task_hex(h, j->t.task_hash);
    svc_log(SVC_LOG_INFO, "task certified", "{s:s,s:s,s:f}", "task", h, "quorum", reason, "ms", s->work_ms);
    /* s belongs to the submitter from here on. */
    m->kind = AGG_MSG_SUBMIT;
    m->sub = s;
    agg_inbox_post(&d->a->submit_in, m);
    job_remove(d, j);
    return 1;
}

/* Whether some result may still reach the threshold: the heaviest group
 * plus every operator that has neither answered nor refused for good
 * (answers never move between groups). */
static int threshold_reachable(job *j)
{
    eth_u256 sum = { 0 };
    for (size_t i = 0; i < j->table->t.n; i++)
        if (j->ops[i].state != OP_ANSWERED && j->ops[i].state != OP_FAILED)
            eth_u256_add(&sum, &sum, &j->table->t.ops[i].weight); /* no overflow: agg_table_init summed them all */
    const eth_u256 *best = NULL;
    for (size_t g = 0; g < agg_quorum_groups(j->q); g++)
        if (!best || eth_u256_cmp(agg_quorum_weight(j->q, g), best) > 0) best = agg_quorum_weight(j->q, g);
    if (best) eth_u256_add(&sum, &sum, best);
    return eth_u256_cmp(&sum, agg_quorum_threshold(j->q)) >= 0;
}

static const char *op_said(const op_slot *o) { return *o->error ? o->error : "no answer"; }

/* The reason a task ended without a certificate (`what` happened): the
 * best group and what each other operator said (operators that said the
 * same are listed together). */
static void failure_reason(job *j, const char *what, char *out, size_t n)
{
    size_t best = 0, len;
    int have = 0;
    for (size_t g = 0; g < agg_quorum_groups(j->q); g++) {
        if (!have || eth_u256_cmp(agg_quorum_weight(j->q, g), agg_quorum_weight(j->q, best)) > 0) best = g;
        have = 1;
    }
    if (have) {
        len = (size_t)snprintf(out, n, "%s: best result ", what);
        describe_group(j, best, out + len, n - len);
    } else {
        char thr[79];
        len = (size_t)snprintf(out, n, "%s: no valid answer (threshold %s)", what,
                               eth_u256_to_dec(thr, agg_quorum_threshold(j->q)));
    }
    for (size_t i = 0; i < j->table->t.n; i++) {
        if (j->ops[i].state == OP_ANSWERED) continue;
        size_t first = 0;
        while (j->ops[first].state == OP_ANSWERED || strcmp(op_said(&j->ops[first]), op_said(&j->ops[i])) != 0) first++;
        if (first < i) continue; /* listed with an earlier operator */
        for (size_t k = i; k < j->table->t.n; k++) {
            if (j->ops[k].state == OP_ANSWERED || strcmp(op_said(&j->ops[k]), op_said(&j->ops[i])) != 0) continue;
            char who[43];
            len = strlen(out);
            snprintf(out + len, n - len, "%s%s", k == i ? "; " : ", ", eth_address_to_hex(who, &j->table->t.ops[k].address));
        }
        len = strlen(out);
        snprintf(out + len, n - len, ": %s", op_said(&j->ops[i]));
    }
}

/* A finished transfer. Returns 1 when its job is done. */
static int on_done(dispatcher *d, op_slot *o, CURLcode cc)
{
    job *j = o->j;
    long status = 0;
    curl_easy_getinfo(o->easy, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK) {
        count_request(d, "unreachable");
        op_fail(o, 1, "%s", curl_easy_strerror(cc));
    } else if (status != 200) {
        count_request(d, "refused");
        json_t *err = json_loadb((const char *)o->resp.data, o->resp.len, 0, NULL);
        const char *code = json_string_value(json_object_get(err, "error"));
        const char *msg = json_string_value(json_object_get(err, "message"));
        op_fail(o, retryable(status, code ? code : ""), "HTTP %ld %s: %.120s", status, code ? code : "",
                msg ? msg : "");
        json_decref(err);
    }
    int reached = 0;
    long g = status == 200 && cc == CURLE_OK ? accept_answer(d, j, o, &reached) : -1;
    op_cancel(d, o);
    if (o->state != OP_ANSWERED && o->state != OP_WAIT && o->state != OP_FAILED) o->state = OP_FAILED;
    if (g >= 0 && reached && certify(d, j, (size_t)g)) return 1;
    /* Refusals are final (a bundle that fails its hash, a task the executor
     * will not run): once no result can reach the threshold any more, the
     * task fails now, with the reason, rather than at its deadline. */
    if (!threshold_reachable(j)) {
        char reason[1024];
        failure_reason(j, "threshold cannot be met", reason, sizeof reason);
        job_finish(d, j, AGG_TASK_FAILED, reason);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The loop                                                                   */

static void take_messages(dispatcher *d)
{
    for (agg_msg *m = agg_inbox_take(&d->a->dispatch_in, 0), *next; m; m = next) {
        next = m->next;
        if (m->kind == AGG_MSG_TASK) {
            job *j = calloc(1, sizeof *j);
            if (j) {
                j->t = m->task;
                memset(&m->task, 0, sizeof m->task);
                j->seen_mono = m->seen_mono_ms;
                j->next = d->jobs;
                d->jobs = j;
                d->n_jobs++;
            }
        } else if (m->kind == AGG_MSG_DONE) {
            for (job *j = d->jobs; j; j = j->next) {
                if (memcmp(j->t.task_hash, m->task_hash, 32) == 0) {
                    job_remove(d, j);
                    break;
                }
            }
        }
        agg_msg_free(m);
    }
    svc_metric_set(d->a->m_jobs, (double)d->n_jobs);
}

/* Confirmations: a task is served once `confirmations` blocks sit on top. */
static int confirmed(dispatcher *d, job *j)
{
    uint64_t need = d->a->cfg.confirmations;
    if (!need) return 1;
    if (d->head < j->t.block_number + need && svc_mono_ms() - d->head_checked > 500) {
        uint64_t h;
        if (eth_rpc_block_number(d->rpc, &h) == ETH_OK) d->head = h;
        d->head_checked = svc_mono_ms();
    }
    return d->head >= j->t.block_number + need;
}

/* Starts new jobs, sends due retries, expires jobs past their deadline. */
static void service_jobs(dispatcher *d)
{
    double now = svc_mono_ms();
    int64_t chain_now = agg_chain_now_ms(d->a);
    for (job *j = d->jobs, *next; j; j = next) {
        next = j->next;
        /* A block stamped with the deadline itself still accepts the result
         * (EXPIRED is "timestamp > deadline"): give up one second later. */
        if (((int64_t)j->t.deadline + 1) * 1000 <= chain_now) {
            char reason[1024];
            if (j->started) failure_reason(j, "threshold not met before the deadline", reason, sizeof reason);
            else snprintf(reason, sizeof reason, "deadline passed before the task could be served");
            job_finish(d, j, AGG_TASK_EXPIRED, reason);
            continue;
        }
        if (!j->started) {
            if (j->ready_at > now || !confirmed(d, j)) continue;
            int r = job_prepare(d, j);
            if (r > 0) continue; /* ended */
            if (r < 0) {
                j->ready_at = now + 1000;
                continue;
            }
            j->started = 1;
        }
        for (size_t i = 0; i < j->table->t.n; i++) {
            op_slot *o = &j->ops[i];
            if (o->state == OP_IDLE || (o->state == OP_WAIT && o->retry_at <= now)) op_start(d, j, i);
        }
    }
}

void *agg_dispatch_main(void *arg)
{
    dispatcher d = { .a = arg };
    d.multi = curl_multi_init();
    d.rpc = eth_rpc_new(d.a->cfg.rpc_url, &agg_rpc_opts);
    if (!d.multi || !d.rpc) {
        svc_log(SVC_LOG_ERROR, "dispatcher cannot start", NULL);
        curl_multi_cleanup(d.multi);
        eth_rpc_free(d.rpc);
        return NULL;
    }
    curl_multi_setopt(d.multi, CURLMOPT_MAXCONNECTS, 512L);
    pthread_mutex_lock(&d.a->wake_lock);
    d.a->wake = d.multi;
    pthread_mutex_unlock(&d.a->wake_lock);
    double last_tick = 0;
    while (!atomic_load(&d.a->stopping)) {
        take_messages(&d);
        if (svc_mono_ms() - last_tick >= TICK_MS || d.jobs) {
            service_jobs(&d);
            last_tick = svc_mono_ms();
        }
        int running;
        curl_multi_perform(d.multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(d.multi, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            op_slot *o;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&o);
            on_done(&d, o, msg->data.result);
        }
        /* Waits for sockets, a wakeup (new message) or the next tick. */
        curl_multi_poll(d.multi, NULL, 0, d.jobs ? 20 : TICK_MS, NULL);
    }
    pthread_mutex_lock(&d.a->wake_lock);
    d.a->wake = NULL;
    pthread_mutex_unlock(&d.a->wake_lock);
    while (d.jobs) job_remove(&d, d.jobs);
    for (size_t i = 0; i < TABLE_CACHE; i++) {
        if (!d.tables[i].loaded) continue;
        agg_table_free(&d.tables[i].t);
        free(d.tables[i].g2);
        free(d.tables[i].usable);
    }
    curl_multi_cleanup(d.multi);
    eth_rpc_free(d.rpc);
    return NULL;
}
