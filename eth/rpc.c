/* rpc.c - JSON-RPC 2.0 (jsonrpc.org/specification) over HTTP(S) with libcurl,
 * and the Ethereum methods libeth uses (ethereum.org "JSON-RPC API").
 *
 * One CURL easy handle per eth_rpc keeps its connection alive between calls.
 * Only failures to get an answer are retried; once the node has answered (even
 * with an error) the request is never re-sent, as an answer means the node
 * acted on it. */
#include "eth.h"

#include <curl/curl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RPC_TIMEOUT_DEFAULT_MS 30000
#define RPC_RETRIES_DEFAULT 2
/* Connecting gets its own, shorter bound, so a black-holed address fails
 * fast enough to leave time for the retries. */
#define RPC_CONNECT_TIMEOUT_MAX_MS 10000
/* Backoff between attempts: 100 ms, doubling, at most 1 s. */
#define RPC_BACKOFF_FIRST_MS 100
#define RPC_BACKOFF_MAX_MS 1000
/* A response buffer larger than this is released after its call rather than
 * kept for the next one. */
#define RPC_BODY_KEEP (1u << 20)

struct eth_rpc {
    CURL *curl;
    struct curl_slist *headers;
    char *url;
    long timeout_ms;
    int retries;
    size_t max_response;
    const char *const *custom_errors;
    json_int_t next_id;
    eth_buf body;           /* response of the current attempt */
    int body_overflow;      /* the write callback hit body.max */
    char curl_err[CURL_ERROR_SIZE];
    char err[ETH_RPC_ERROR_MAX];
    int err_code;
    char *err_data;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
    /* curl_global_init is not thread-safe in every libcurl build; run it once. */
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ------------------------------------------------------------------------ */
/* Error detail                                                               */

static void clear_error(eth_rpc *r)
{
    r->err[0] = '\0';
    r->err_code = 0;
    free(r->err_data);
    r->err_data = NULL;
}

/* Keeps messages on one printable line: node texts may carry newlines or
 * control bytes (anvil echoes raw revert bytes in some messages). */
static void one_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) *s = ' ';
}

__attribute__((format(printf, 2, 3))) static void set_error(eth_rpc *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    one_line(r->err);
}

const char *eth_rpc_last_error(const eth_rpc *r)
{
    return r->err;
}

int eth_rpc_last_error_code(const eth_rpc *r)
{
    return r->err_code;
}

const char *eth_rpc_last_error_data(const eth_rpc *r)
{
    return r->err_data;
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                                 */

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
    eth_rpc *r = user;
    (void)size; /* always 1 for write callbacks */
    if (eth_buf_append(&r->body, p, n) != ETH_OK) {
        r->body_overflow = 1;
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    }
    return n;
}

eth_rpc *eth_rpc_new(const char *url, const eth_rpc_opts *opts)
{
    if (!url || (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)) return NULL;
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_result != CURLE_OK) return NULL;

    eth_rpc *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : RPC_TIMEOUT_DEFAULT_MS;
    r->retries = !opts || opts->retries == 0 ? RPC_RETRIES_DEFAULT : opts->retries < 0 ? 0 : opts->retries;
    r->max_response = opts && opts->max_response ? opts->max_response : ETH_BUF_MAX_DEFAULT;
    r->custom_errors = opts ? opts->custom_errors : NULL;
    r->next_id = 1;
    eth_buf_init(&r->body, r->max_response);
    r->url = strdup(url);
    r->curl = curl_easy_init();
    r->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (!r->url || !r->curl || !r->headers) goto fail;
    /* libcurl copies option strings. */
    if (opts && opts->ca_file && curl_easy_setopt(r->curl, CURLOPT_CAINFO, opts->ca_file) != CURLE_OK) goto fail;

    long connect_ms = r->timeout_ms < RPC_CONNECT_TIMEOUT_MAX_MS ? r->timeout_ms : RPC_CONNECT_TIMEOUT_MAX_MS;
    CURL *c = r->curl;
    /* NOSIGNAL: no SIGALRM for timeouts, which would be unsafe with threads. */
    if (curl_easy_setopt(c, CURLOPT_URL, r->url) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->headers) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->timeout_ms) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_response) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_WRITEDATA, r) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->curl_err) != CURLE_OK)
        goto fail;
    return r;
fail:
    eth_rpc_free(r);
    return NULL;
}

void eth_rpc_free(eth_rpc *r)
{
    if (!r) return;
    if (r->curl) curl_easy_cleanup(r->curl);
    curl_slist_free_all(r->headers);
    free(r->url);
    eth_buf_free(&r->body);
    free(r->err_data);
    free(r);
}

/* ------------------------------------------------------------------------ */
/* Response envelope                                                          */

void eth_rpc_error_free(eth_rpc_error *e)
{
    if (!e) return;
    free(e->message);
    free(e->data);
    memset(e, 0, sizeof *e);
}

/* A C copy of a JSON string; embedded NULs (JSON_ALLOW_NUL) become spaces
 * rather than cutting the text short. */
static char *string_copy(const json_t *v)
{
    size_t n = json_string_length(v);
    char *s = malloc(n + 1);
    if (!s) return NULL;
    memcpy(s, json_string_value(v), n);
    s[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!s[i]) s[i] = ' ';
    return s;
}

static eth_err parse_error_object(eth_rpc_error *err, const json_t *obj)
{
    const json_t *code = json_object_get(obj, "code");
    const json_t *message = json_object_get(obj, "message");
    const json_t *data = json_object_get(obj, "data");
    if (!json_is_object(obj) || !json_is_integer(code) || (message && !json_is_string(message)))
        return ETH_ERR_JSON;
    json_int_t c = json_integer_value(code);
    if (c < INT32_MIN || c > INT32_MAX) return ETH_ERR_JSON;
    err->code = (int)c;
    err->message = message ? string_copy(message) : strdup("");
    if (!err->message) return ETH_ERR_NOMEM;
    if (data && !json_is_null(data)) {
        err->data = json_is_string(data) ? string_copy(data) : json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!err->data) return ETH_ERR_NOMEM;
    }
    return ETH_OK;
}

eth_err eth_rpc_parse_response(json_t **result, eth_rpc_error *err, const json_t *msg, json_int_t id)
{
    *result = NULL;
    memset(err, 0, sizeof *err);
    if (!json_is_object(msg)) return ETH_ERR_JSON;
    const json_t *version = json_object_get(msg, "jsonrpc");
    if (!json_is_string(version) || strcmp(json_string_value(version), "2.0") != 0) return ETH_ERR_JSON;
    const json_t *res = json_object_get(msg, "result");
    const json_t *error = json_object_get(msg, "error");
    if (!res == !error) return ETH_ERR_JSON;
    /* The spec answers with id null when the request could not be read. */
    const json_t *rid = json_object_get(msg, "id");
    int id_ok = json_is_integer(rid) ? json_integer_value(rid) == id : json_is_null(rid) && error;
    if (!id_ok) return ETH_ERR_JSON;
    if (res) {
        *result = json_incref((json_t *)res);
        return ETH_OK;
    }
    eth_err e = parse_error_object(err, error);
    if (e) {
        eth_rpc_error_free(err);
        return e;
    }
    return ETH_ERR_RPC;
}

/* ------------------------------------------------------------------------ */
/* Transport                                                                  */

/* One HTTP exchange. ETH_OK: *msg holds the parsed JSON body (which may still
 * be a JSON-RPC error). Otherwise *retry says whether another attempt may
 * succeed: only when the node did not answer. */
static eth_err http_attempt(eth_rpc *r, json_t **msg, int *retry, const char *method, const char *req,
                            size_t req_len)
{
    *msg = NULL;
    *retry = 0;
    r->body.len = 0;
    r->body_overflow = 0;
    r->curl_err[0] = '\0';
    if (curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, req) != CURLE_OK ||
        curl_easy_setopt(r->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req_len) != CURLE_OK) {
        set_error(r, "%s: cannot set up the request", method);
        return ETH_ERR_NOMEM;
    }
    CURLcode cc = curl_easy_perform(r->curl);
    if (r->body_overflow || cc == CURLE_FILESIZE_EXCEEDED) {
        set_error(r, "%s: response larger than %zu bytes", method, r->max_response);
        return ETH_ERR_TOO_BIG;
    }
    if (cc != CURLE_OK) {
        set_error(r, "%s: %s", method, r->curl_err[0] ? r->curl_err : curl_easy_strerror(cc));
        /* A malformed URL or an unsupported scheme will not get better. */
        *retry = cc != CURLE_URL_MALFORMAT && cc != CURLE_UNSUPPORTED_PROTOCOL && cc != CURLE_OUT_OF_MEMORY;
        return cc == CURLE_OUT_OF_MEMORY ? ETH_ERR_NOMEM : ETH_ERR_TRANSPORT;
    }
    long status = 0;
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
    json_error_t jerr;
    /* ALLOW_NUL: anvil puts raw revert bytes, NULs included, in messages. */
    json_t *body = json_loadb((const char *)r->body.data, r->body.len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    /* Some nodes and proxies send JSON-RPC errors with a non-200 status; the
     * error object is the better message. */
    int is_rpc = json_is_object(body) && (json_object_get(body, "result") || json_object_get(body, "error"));
    if (status != 200 && !is_rpc) {
        json_decref(body);
        set_error(r, "%s: HTTP status %ld", method, status);
        /* Overload and gateway failures are transient; other statuses are answers. */
        *retry = status == 408 || status == 429 || status >= 500;
        return ETH_ERR_TRANSPORT;
    }
    if (!body) {
        set_error(r, "%s: malformed JSON in the response: %s", method, jerr.text);
        return ETH_ERR_JSON;
    }
    *msg = body;
    return ETH_OK;
}

/* A revert: EIP-1474's code 3 (geth, anvil) or the wording other nodes use. */
static int is_revert(const eth_rpc_error *e)
{
    return e->code == 3 || strcasestr(e->message, "revert") != NULL;
}

/* Records the node's error object on r and classifies it. */
static eth_err record_rpc_error(eth_rpc *r, const char *method, eth_rpc_error *e)
{
    r->err_code = e->code;
    r->err_data = e->data;
    e->data = NULL;
    if (!is_revert(e)) {
        set_error(r, "%s: node error %d: %s%s%s", method, e->code, e->message, r->err_data ? "; data: " : "",
                  r->err_data ? r->err_data : "");
        return ETH_ERR_RPC;
    }
    /* Describe the revert from its bytes (the node's text is not reliable:
     * anvil prints custom errors' raw bytes); fall back to the text. */
    uint8_t *bytes = NULL;
    size_t n = 0;
    char *why = NULL;
    if (r->err_data && strncmp(r->err_data, "0x", 2) == 0 &&
        eth_hex_decode_alloc(&bytes, &n, r->err_data, strlen(r->err_data)) == ETH_OK) {
        why = eth_abi_describe_revert(bytes, n, r->custom_errors);
        free(bytes);
    }
    if (why)
        set_error(r, "execution reverted: %s", why);
    else
        set_error(r, "%s", e->message[0] ? e->message : "execution reverted");
    free(why);
    return ETH_ERR_REVERT;
}

eth_err eth_rpc_call(eth_rpc *r, json_t **result, const char *method, json_t *params)
{
    *result = NULL;
    clear_error(r);
    /* NULL is what a failed json_pack() of the params gives. */
    if (!params) {
        set_error(r, "%s: out of memory", method ? method : "eth_rpc_call");
        return ETH_ERR_NOMEM;
    }
    if (!method || !json_is_array(params)) {
        json_decref(params);
        set_error(r, "eth_rpc_call: method missing or params not an array");
        return ETH_ERR_ARG;
    }
    json_int_t id = r->next_id++;
    /* "o" steals params, also when packing fails. */
    json_t *req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", id, "method", method, "params", params);
    char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!text) {
        set_error(r, "%s: out of memory", method);
        return ETH_ERR_NOMEM;
    }

    json_t *msg = NULL;
    eth_err e;
    int retry, attempts = 0;
    long backoff = RPC_BACKOFF_FIRST_MS;
    for (;;) {
        attempts++;
        e = http_attempt(r, &msg, &retry, method, text, strlen(text));
        if (e == ETH_OK || !retry || attempts > r->retries) break;
        poll(NULL, 0, (int)backoff);
        backoff = backoff * 2 > RPC_BACKOFF_MAX_MS ? RPC_BACKOFF_MAX_MS : backoff * 2;
    }
    free(text);
    if (r->body.cap > RPC_BODY_KEEP) eth_buf_free(&r->body);
    if (e) {
        if (e == ETH_ERR_TRANSPORT && attempts > 1) {
            size_t len = strlen(r->err);
            snprintf(r->err + len, sizeof r->err - len, " (%d attempts)", attempts);
        }
        return e;
    }

    eth_rpc_error err;
    e = eth_rpc_parse_response(result, &err, msg, id);
    json_decref(msg);
    if (e == ETH_ERR_RPC) {
        e = record_rpc_error(r, method, &err);
        eth_rpc_error_free(&err);
    } else if (e == ETH_ERR_JSON) {
        set_error(r, "%s: the answer is not a JSON-RPC 2.0 response to this request", method);
    } else if (e) {
        set_error(r, "%s: %s", method, eth_strerror(e));
    }
    return e;
}

/* ------------------------------------------------------------------------ */
/* Methods                                                                    */

/* A result of the wrong shape is the node's fault: ETH_ERR_JSON. */
static eth_err bad_result(eth_rpc *r, const char *method, const char *expected)
{
    set_error(r, "%s: the result is not %s", method, expected);
    return ETH_ERR_JSON;
}

/* Calls a method whose result is one QUANTITY. */
static eth_err call_quantity(eth_rpc *r, uint64_t *out, const char *method, json_t *params)
{
    json_t *res;
    eth_err e = eth_rpc_call(r, &res, method, params);
    if (e) return e;
    e = eth_json_quantity(out, res);
    json_decref(res);
    if (e) return bad_result(r, method, "a quantity");
    return ETH_OK;
}

eth_err eth_rpc_chain_id(eth_rpc *r, uint64_t *out)
{
    return call_quantity(r, out, "eth_chainId", json_array());
}

eth_err eth_rpc_block_number(eth_rpc *r, uint64_t *out)
{
    return call_quantity(r, out, "eth_blockNumber", json_array());
}

eth_err eth_rpc_get_balance(eth_rpc *r, eth_u256 *out, const eth_address *a)
{
    json_t *res;
    eth_err e = eth_rpc_call(r, &res, "eth_getBalance", json_pack("[o,s]", eth_json_from_data(a->addr, 20), "latest"));
    if (e) return e;
    e = eth_json_u256(out, res);
    json_decref(res);
    if (e) return bad_result(r, "eth_getBalance", "a quantity");
    return ETH_OK;
}

eth_err eth_rpc_eth_call(eth_rpc *r, uint8_t **out, size_t *out_len, const eth_address *from, const eth_address *to,
                         const uint8_t *data, size_t n)
{
    *out = NULL;
    *out_len = 0;
    json_t *call = json_pack("{s:o, s:o}", "to", eth_json_from_data(to->addr, 20), "data", eth_json_from_data(data, n));
    if (call && from && json_object_set_new(call, "from", eth_json_from_data(from->addr, 20)) != 0) {
        json_decref(call);
        call = NULL;
    }
    json_t *res;
    eth_err e = eth_rpc_call(r, &res, "eth_call", json_pack("[o,s]", call, "latest"));
    if (e) return e;
    e = eth_json_data(out, out_len, res);
    json_decref(res);
    if (e == ETH_ERR_NOMEM) return e;
    if (e) return bad_result(r, "eth_call", "hex data");
    return ETH_OK;
}

/* Logs ----------------------------------------------------------------- */

/* Errors by which nodes refuse a range or a result set as too large (EIP-1474
 * code -32005 "limit exceeded", and the texts geth, erigon and hosted nodes use). */
static int is_range_refusal(const eth_rpc *r)
{
    static const char *const words[] = { "range", "too many", "more than", "limit", "too large", "exceed" };
    if (r->err_code == -32005) return 1;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasestr(r->err, words[i])) return 1;
    return 0;
}

static int log_order(const void *a, const void *b)
{
    const eth_log *x = a, *y = b;
    if (x->block_number != y->block_number) return x->block_number < y->block_number ? -1 : 1;
    return x->log_index < y->log_index ? -1 : x->log_index > y->log_index;
}

/* Appends the logs of one eth_getLogs result to *logs. */
static eth_err append_logs(eth_rpc *r, eth_log **logs, size_t *n, size_t *cap, const json_t *res, uint64_t from,
                           uint64_t to)
{
    if (!json_is_array(res)) {
        set_error(r, "eth_getLogs: result is not an array");
        return ETH_ERR_JSON;
    }
    size_t k = json_array_size(res);
    if (k > *cap - *n) {
        size_t want = *n + k > 2 * *cap ? *n + k : 2 * *cap;
        eth_log *p = realloc(*logs, want * sizeof *p);
        if (!p) {
            set_error(r, "eth_getLogs: out of memory");
            return ETH_ERR_NOMEM;
        }
        *logs = p;
        *cap = want;
    }
    for (size_t i = 0; i < k; i++) {
        eth_log *l = &(*logs)[*n];
        eth_err e = eth_log_from_json(l, json_array_get(res, i));
        if (e) {
            set_error(r, "eth_getLogs: malformed log object at index %zu", i);
            return e;
        }
        (*n)++;
        if (l->block_number < from || l->block_number > to || l->removed) {
            set_error(r, "eth_getLogs: node returned a log of block %llu outside [%llu, %llu]",
                      (unsigned long long)l->block_number, (unsigned long long)from, (unsigned long long)to);
            return ETH_ERR_JSON;
        }
    }
    return ETH_OK;
}

eth_err eth_rpc_get_logs(eth_rpc *r, eth_log **logs, size_t *n_logs, const eth_log_filter *f, uint64_t from_block,
                         uint64_t to_block)
{
    *logs = NULL;
    *n_logs = 0;
    clear_error(r);
    if (from_block > to_block) return ETH_OK;
    size_t n = 0, cap = 0;
    uint64_t chunk = ETH_RPC_LOGS_CHUNK, from = from_block;
    eth_log *out = NULL;
    eth_err e = ETH_OK;
    for (;;) {
        uint64_t to = to_block - from < chunk - 1 ? to_block : from + chunk - 1;
        json_t *res, *filter = eth_log_filter_json(f);
        if (filter && (json_object_set_new(filter, "fromBlock", eth_json_from_quantity(from)) != 0 ||
                       json_object_set_new(filter, "toBlock", eth_json_from_quantity(to)) != 0)) {
            json_decref(filter);
            filter = NULL;
        }
        e = eth_rpc_call(r, &res, "eth_getLogs", json_pack("[o]", filter));
        if (e == ETH_ERR_RPC && chunk > 1 && is_range_refusal(r)) {
            chunk /= 2;
            continue;
        }
        if (e) break;
        e = append_logs(r, &out, &n, &cap, res, from, to);
        json_decref(res);
        if (e || to == to_block) break;
        from = to + 1;
    }
    if (e) {
        eth_logs_free(out, n);
        return e;
    }
    /* Nodes return chain order already; a sort costs little and makes it so. */
    if (n > 1) qsort(out, n, sizeof *out, log_order);
    *logs = out;
    *n_logs = n;
    return ETH_OK;
}

/* Receipts ------------------------------------------------------------- */

eth_err eth_rpc_get_receipt(eth_rpc *r, eth_receipt *out, const uint8_t tx_hash[32])
{
    json_t *res;
    memset(out, 0, sizeof *out);
    eth_err e = eth_rpc_call(r, &res, "eth_getTransactionReceipt", json_pack("[o]", eth_json_from_data(tx_hash, 32)));
    if (e) return e;
    if (json_is_null(res)) {
        json_decref(res);
        set_error(r, "eth_getTransactionReceipt: no receipt (transaction pending or unknown)");
        return ETH_ERR_NOT_FOUND;
    }
    e = eth_receipt_from_json(out, res);
    json_decref(res);
    if (!e && memcmp(out->tx_hash, tx_hash, 32) != 0) {
        eth_receipt_free(out);
        e = ETH_ERR_JSON;
    }
    if (e) set_error(r, "eth_getTransactionReceipt: malformed receipt");
    return e;
}
