/* e2e.c - see e2e.h. */
#include "e2e.h"

#include "aggregator.h"
#include "bundle.h"
#include "faas_abi.h"
#include "test.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A JSON string member's text, "" when absent. */
static const char *jstr(const json_t *v)
{
    const char *s = json_string_value(v);
    return s ? s : "";
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static char *state_file(e2e_net *n, char *out, size_t cap)
{
    snprintf(out, cap, "%s/devnet/state.json", n->home);
    return out;
}

/* The state's record of a service, or NULL; *st gets the state (caller decrefs). */
static json_t *service_record(e2e_net *n, const char *service, json_t **st)
{
    char p[512];
    *st = json_load_file(state_file(n, p, sizeof p), 0, NULL);
    size_t i;
    json_t *svc;
    json_array_foreach(json_object_get(*st, "services"), i, svc) {
        if (strcmp(jstr(json_object_get(svc, "name")), service) == 0) return svc;
    }
    return NULL;
}

static int load(e2e_net *n)
{
    char p[512];
    json_t *st = json_load_file(state_file(n, p, sizeof p), 0, NULL);
    json_t *d = json_object_get(st, "deployment");
    int bad = !st || !d ||
              eth_address_parse(&n->mailbox, jstr(json_object_get(d, "taskMailbox"))) != ETH_OK ||
              eth_address_parse(&n->faas, jstr(json_object_get(d, "faas"))) != ETH_OK ||
              eth_address_parse(&n->registry, jstr(json_object_get(d, "operatorRegistry"))) != ETH_OK;
    if (!bad) {
        n->deploy_block = (uint64_t)json_integer_value(json_object_get(d, "deployBlock"));
        json_t *ops = json_object_get(d, "operators");
        n->n_ops = json_array_size(ops) < E2E_MAX_OPS ? json_array_size(ops) : E2E_MAX_OPS;
        for (size_t i = 0; i < n->n_ops && !bad; i++)
            bad = eth_address_parse(&n->ops[i], jstr(json_object_get(json_array_get(ops, i), "address"))) !=
                  ETH_OK;
        if (e2e_service_url(n, "aggregator", n->aggregator_url, sizeof n->aggregator_url) != 0) bad = 1;
        char kp[512], *key = NULL;
        snprintf(kp, sizeof kp, "%s/devnet/aggregator/key", n->home);
        FILE *f = fopen(kp, "r");
        char buf[80] = "";
        if (f) {
            key = fgets(buf, sizeof buf, f);
            fclose(f);
        }
        eth_key k;
        bad = bad || !key || eth_key_from_hex(&k, buf) != ETH_OK;
        if (!bad) n->aggregator = k.address;
        eth_key_wipe(&k);
    }
    json_decref(st);
    return bad ? -1 : 0;
}

/* The watchdog: waits for the end of its pipe (our exit, or e2e_down
 * closing it), then stops the devnet. */
static int start_watchdog(e2e_net *n)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        /* Only its own read end: a write end of another devnet's watchdog
         * held here would keep that one from ever seeing its end. */
        if (p[0] != 3 && dup2(p[0], 3) != 3) _exit(126);
        p[0] = 3;
        close_range(4, ~0U, 0);
        char c;
        while (read(p[0], &c, 1) != 0 && errno == EINTR) {}
        char bin[512];
        snprintf(bin, sizeof bin, "%s/faas-devnet", test_bin_dir());
        setenv("FAAS_HOME", n->home, 1);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        execl(bin, "faas-devnet", "down", (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    if (pid < 0) {
        close(p[1]);
        return -1;
    }
    n->watchdog = pid;
    n->watchdog_fd = p[1];
    return 0;
}

int e2e_up(e2e_net *n, const char *args)
{
    memset(n, 0, sizeof *n);
    n->watchdog_fd = -1;
    snprintf(n->home, sizeof n->home, "/tmp/faas-e2e-%d-%llu", (int)getpid(), (unsigned long long)(test_rand64() % 1000000));
    if (mkdir(n->home, 0700) != 0 || start_watchdog(n) != 0) return -1;
    n->port = test_free_port();
    snprintf(n->rpc_url, sizeof n->rpc_url, "http://127.0.0.1:%d", n->port);
    snprintf(n->ws_url, sizeof n->ws_url, "ws://127.0.0.1:%d", n->port);
    char cmd[2048];
    /* FAAS_E2E_DEVNET_ARGS: the same tests on another kind of devnet
     * ("--block-time 0": anvil's automine); args given here come last and win. */
    const char *env = getenv("FAAS_E2E_DEVNET_ARGS");
    snprintf(cmd, sizeof cmd, "FAAS_HOME='%s' '%s/faas-devnet' up --detach --port %d %s %s > '%s/up.log' 2>&1", n->home,
             test_bin_dir(), n->port, env ? env : "", args ? args : "", n->home);
    int rc = system(cmd);
    if (rc != 0) {
        snprintf(cmd, sizeof cmd, "cat '%s/up.log' >&2", n->home);
        if (system(cmd) != 0) fprintf(stderr, "e2e: devnet failed and left no log\n");
        return -1;
    }
    if (load(n) != 0) return -1;
    n->rpc = eth_rpc_new(n->rpc_url, NULL);
    eth_key user;
    if (!n->rpc || eth_key_from_hex(&user, TEST_DEV_KEY1) != ETH_OK || eth_client_new(&n->client, n->rpc, &user) != ETH_OK)
        return -1;
    eth_key_wipe(&user);
    return 0;
}

void e2e_down(e2e_net *n)
{
    char cmd[1024];
    /* The watchdog runs `faas-devnet down` as soon as its pipe closes. */
    if (n->watchdog_fd >= 0) close(n->watchdog_fd);
    if (n->watchdog > 0) waitpid(n->watchdog, NULL, 0);
    n->watchdog_fd = -1;
    n->watchdog = 0;
    eth_client_free(n->client);
    eth_rpc_free(n->rpc);
    n->client = NULL;
    n->rpc = NULL;
    /* The services' own sanitizer reports (ASan builds) land in their logs. */
    snprintf(cmd, sizeof cmd, "grep -l 'Sanitizer' '%s'/devnet/*/log >&2", n->home);
    if (system(cmd) == 0) test_fail(__FILE__, __LINE__, "a devnet service reported a sanitizer error (see its log)");
    /* Keep the files of a failed test for a post-mortem. */
    if (!test_failures) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", n->home);
        if (system(cmd) != 0) fprintf(stderr, "e2e: cannot remove %s\n", n->home);
    } else {
        fprintf(stderr, "e2e: devnet files kept in %s\n", n->home);
    }
}

int e2e_devnet_run(const char *home, const char *args, char *out, size_t cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "FAAS_HOME='%s' '%s/faas-devnet' %s 2>&1", home, test_bin_dir(), args);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = 0;
    for (size_t got; cap > 1 && (got = fread(out + n, 1, cap - 1 - n, p)) > 0;) n += got;
    if (cap) out[n] = 0;
    char rest[4096];
    while (fread(rest, 1, sizeof rest, p) > 0) {} /* the pipe must drain for the child to end */
    int st = pclose(p);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

pid_t e2e_pid(e2e_net *n, const char *service)
{
    json_t *st, *svc = service_record(n, service, &st);
    pid_t pid = svc ? (pid_t)json_integer_value(json_object_get(svc, "pid")) : -1;
    json_decref(st);
    return pid;
}

void e2e_kill(e2e_net *n, const char *service, int sig)
{
    pid_t pid = e2e_pid(n, service);
    if (pid <= 0) return;
    kill(-pid, sig);
    for (int i = 0; i < 200 && kill(pid, 0) == 0; i++) {
        waitpid(pid, NULL, WNOHANG);
        char p[64], buf[8];
        snprintf(p, sizeof p, "/proc/%d/cmdline", (int)pid);
        FILE *f = fopen(p, "r");
        size_t got = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f) fclose(f);
        if (!got) break; /* a zombie of a process that is not ours to reap */
        sleep_ms(25);
    }
}

int e2e_service_url(e2e_net *n, const char *service, char *out, size_t cap)
{
    json_t *st, *svc = service_record(n, service, &st);
    const char *h = jstr(json_object_get(svc, "health"));
    size_t len = strlen(h);
    int ok = len > 8 && strcmp(h + len - 8, "/healthz") == 0 && len - 8 < cap;
    if (ok) snprintf(out, cap, "%.*s", (int)(len - 8), h);
    json_decref(st);
    return ok ? 0 : -1;
}

int e2e_start_service(e2e_net *n, const char *service, const char *const *wrapper, const char *const *extra,
                      long timeout_ms)
{
    char log[512], p[512], health[256] = "";
    json_t *st, *svc = service_record(n, service, &st);
    json_t *cmd = json_object_get(svc, "argv");
    if (!json_array_size(cmd)) {
        json_decref(st);
        return -1;
    }
    snprintf(log, sizeof log, "%s/devnet/%s/log", n->home, service);
    snprintf(health, sizeof health, "%s", jstr(json_object_get(svc, "health")));
    char *argv[64];
    size_t k = 0;
    for (; wrapper && *wrapper && k < 40; wrapper++) argv[k++] = (char *)*wrapper;
    for (size_t i = 0; i < json_array_size(cmd) && k < 56; i++) argv[k++] = (char *)jstr(json_array_get(cmd, i));
    for (; extra && *extra && k < 63; extra++) argv[k++] = (char *)*extra;
    argv[k] = NULL;
    pid_t pid = test_spawn(argv, log);
    /* The state follows (pid, and the program that runs: the wrapper's, if
     * any), so that `faas-devnet down` stops this one too. */
    const char *prog = strrchr(argv[0], '/');
    json_object_set_new(svc, "pid", json_integer(pid));
    json_object_set_new(svc, "exe", json_string(prog ? prog + 1 : argv[0]));
    int rc = pid > 0 ? json_dump_file(st, state_file(n, p, sizeof p), JSON_INDENT(2)) : -1;
    json_decref(st); /* argv's strings were the state's: not used past here */
    if (rc) return -1;
    if (strncmp(health, "http", 4) != 0) return 0;
    for (long t = 0; t <= timeout_ms; t += 50) {
        long status = 0;
        char *body = e2e_http_get(health, &status);
        free(body);
        if (status == 200) return 0;
        sleep_ms(50);
    }
    return -1;
}

int e2e_restart_aggregator(e2e_net *n, const char *const *extra)
{
    return e2e_start_service(n, "aggregator", NULL, extra, 15000);
}

/* ------------------------------------------------------------------------ */

static int send_wait(e2e_net *n, const eth_address *to, const char *sig, json_t *args, eth_receipt *rc)
{
    eth_buf data;
    eth_buf_init(&data, 0);
    uint8_t tx[32];
    int ok = eth_abi_encode_call(&data, sig, args) == ETH_OK &&
             eth_client_send(n->client, tx, to, data.data, data.len, NULL) == ETH_OK &&
             eth_client_wait_receipt(n->client, rc, tx, 30000) == ETH_OK;
    json_decref(args);
    eth_buf_free(&data);
    if (!ok) fprintf(stderr, "e2e: %s failed: %s\n", sig, eth_client_last_error(n->client));
    if (ok && rc->status != 1) {
        eth_receipt_free(rc);
        ok = 0;
    }
    return ok ? 0 : -1;
}

int e2e_pack_dir(const char *dir, uint8_t **tar, size_t *n, uint8_t id[32])
{
    char why[BUNDLE_DETAIL_MAX];
    if (bundle_pack_dir(dir, NULL, tar, n, why) != BUNDLE_OK) return -1;
    bundle_id(id, *tar, *n);
    return 0;
}

int e2e_deploy_url(e2e_net *n, const char *url, const uint8_t code_hash[32])
{
    eth_receipt rc;
    if (send_wait(n, &n->faas, "deployFunction(string,bytes32)", json_pack("[s,o]", url, eth_json_from_data(code_hash, 32)),
                  &rc))
        return -1;
    eth_receipt_free(&rc);
    return 0;
}

int e2e_register_dir(e2e_net *n, const char *dir, uint8_t id[32])
{
    uint8_t *tar;
    size_t len;
    if (e2e_pack_dir(dir, &tar, &len, id) != 0) return -1;
    eth_receipt rc;
    int r = send_wait(n, &n->faas, "registerFunction(bytes)", json_pack("[o]", eth_json_from_data(tar, len)), &rc);
    free(tar);
    if (!r) eth_receipt_free(&rc);
    return r;
}

int e2e_write_js(e2e_net *n, const char *name, const char *js, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", n->home, name);
    char f[600];
    if (mkdir(path, 0755) != 0 && errno != EEXIST) return -1;
    snprintf(f, sizeof f, "%s/manifest.json", path);
    FILE *m = fopen(f, "w");
    if (!m) return -1;
    fputs("{\"runtime\":\"javascript\"}\n", m);
    fclose(m);
    snprintf(f, sizeof f, "%s/index.js", path);
    FILE *i = fopen(f, "w");
    if (!i) return -1;
    fputs(js, i);
    fclose(i);
    return 0;
}

static int task_from_receipt(e2e_net *n, const eth_receipt *rc, uint8_t task[32], uint64_t *block)
{
    uint8_t topic[32];
    eth_abi_event_topic(topic, FAAS_ABI_TASK_CREATED);
    for (size_t i = 0; i < rc->n_logs; i++) {
        const eth_log *l = &rc->logs[i];
        if (memcmp(l->address.addr, n->mailbox.addr, 20) || l->n_topics < 3 || memcmp(l->topics[0], topic, 32)) continue;
        memcpy(task, l->topics[2], 32);
        if (block) *block = rc->block_number;
        return 0;
    }
    return -1;
}

int e2e_call(e2e_net *n, const uint8_t id[32], const char *input, uint8_t task[32], uint64_t *block)
{
    eth_receipt rc;
    if (send_wait(n, &n->faas, "callFunction(bytes32,bytes)",
                  json_pack("[o,o]", eth_json_from_data(id, 32), eth_json_from_data((const uint8_t *)input, strlen(input))),
                  &rc))
        return -1;
    int r = task_from_receipt(n, &rc, task, block);
    eth_receipt_free(&rc);
    return r;
}

int e2e_call_async(e2e_net *n, const uint8_t id[32], const char *input, uint8_t tx[32])
{
    eth_buf data;
    eth_buf_init(&data, 0);
    json_t *args = json_pack("[o,o]", eth_json_from_data(id, 32), eth_json_from_data((const uint8_t *)input, strlen(input)));
    /* A fixed gas limit and fees (anvil's base fee only falls while blocks
     * stay this empty): estimating every call of a stream costs round trips. */
    eth_u256 max_fee, tip;
    eth_u256_from_u64(&max_fee, 50000000000ull);
    eth_u256_from_u64(&tip, 1000000000ull);
    eth_send_opts o = { .gas_limit = 500000, .max_fee = &max_fee, .priority_fee = &tip };
    int ok = eth_abi_encode_call(&data, "callFunction(bytes32,bytes)", args) == ETH_OK &&
             eth_client_send(n->client, tx, &n->faas, data.data, data.len, &o) == ETH_OK;
    json_decref(args);
    eth_buf_free(&data);
    return ok ? 0 : -1;
}

uint64_t e2e_block_timestamp(e2e_net *n, uint64_t block)
{
    json_t *b = NULL;
    uint64_t ts = 0;
    if (eth_rpc_call(n->rpc, &b, "eth_getBlockByNumber", json_pack("[o,b]", eth_json_from_quantity(block), 0)) != ETH_OK ||
        eth_json_quantity(&ts, json_object_get(b, "timestamp")) != ETH_OK)
        ts = 0;
    json_decref(b);
    return ts;
}

int64_t e2e_chain_ahead_ms(e2e_net *n)
{
    uint64_t head = 0;
    if (eth_rpc_block_number(n->rpc, &head) != ETH_OK) return 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t ahead = (int64_t)e2e_block_timestamp(n, head) * 1000 - ((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
    return ahead > 0 ? ahead : 0;
}

int e2e_task_of_tx(e2e_net *n, const uint8_t tx[32], uint8_t task[32], uint64_t *block)
{
    eth_receipt rc;
    if (eth_client_wait_receipt(n->client, &rc, tx, 30000) != ETH_OK) return -1;
    int r = rc.status == 1 ? task_from_receipt(n, &rc, task, block) : -1;
    eth_receipt_free(&rc);
    return r;
}

int e2e_task_status(e2e_net *n, const uint8_t task[32])
{
    eth_buf data;
    eth_buf_init(&data, 0);
    uint8_t *out = NULL;
    size_t len = 0;
    int st = -1;
    json_t *args = json_pack("[o]", eth_json_from_data(task, 32));
    if (eth_abi_encode_call(&data, "getTaskStatus(bytes32)", args) == ETH_OK &&
        eth_rpc_eth_call(n->rpc, &out, &len, NULL, &n->mailbox, data.data, data.len) == ETH_OK && len == 32)
        st = out[31];
    json_decref(args);
    free(out);
    eth_buf_free(&data);
    return st;
}

int e2e_wait_status(e2e_net *n, const uint8_t task[32], int want, long timeout_ms)
{
    for (long t = 0; t <= timeout_ms; t += 50) {
        if (e2e_task_status(n, task) == want) return 0;
        sleep_ms(50);
    }
    return -1;
}

int e2e_verified_logs(e2e_net *n, const uint8_t task[32], uint64_t from_block, char **result,
                      uint8_t is_nonsigner[E2E_MAX_OPS])
{
    if (result) *result = NULL;
    if (is_nonsigner) memset(is_nonsigner, 0, E2E_MAX_OPS);
    uint8_t topic[32];
    eth_abi_event_topic(topic, FAAS_ABI_TASK_VERIFIED);
    eth_log_filter f = { .addresses = &n->mailbox, .n_addresses = 1, .topic0 = (const uint8_t(*)[32])topic, .n_topic0 = 1 };
    uint64_t head;
    eth_log *logs;
    size_t nl;
    if (eth_rpc_block_number(n->rpc, &head) != ETH_OK ||
        eth_rpc_get_logs(n->rpc, &logs, &nl, &f, from_block, head) != ETH_OK)
        return -1;
    int count = 0;
    for (size_t i = 0; i < nl; i++) {
        if (logs[i].n_topics < 3 || memcmp(logs[i].topics[2], task, 32) != 0) continue;
        count++;
        json_t *ev, *cert = NULL;
        if (eth_abi_decode_log(&ev, FAAS_ABI_TASK_VERIFIED, (const uint8_t(*)[32])logs[i].topics, logs[i].n_topics, logs[i].data,
                               logs[i].data_len) != ETH_OK)
            continue;
        const char *rh = json_string_value(json_object_get(ev, "result"));
        uint8_t *rb = NULL, *cb = NULL;
        size_t rl = 0, cl = 0;
        if (result && rh && eth_hex_decode_alloc(&rb, &rl, rh, strlen(rh)) == ETH_OK) {
            free(*result);
            *result = malloc(rl + 1);
            if (*result) {
                memcpy(*result, rb, rl);
                (*result)[rl] = 0;
            }
        }
        const char *ch = json_string_value(json_object_get(ev, "executorCert"));
        if (is_nonsigner && ch && eth_hex_decode_alloc(&cb, &cl, ch, strlen(ch)) == ETH_OK &&
            eth_abi_decode(&cert, "(" AGG_CERT_ABI_TYPE ")", cb, cl) == ETH_OK) {
            size_t k;
            json_t *w;
            memset(is_nonsigner, 0, E2E_MAX_OPS);
            json_array_foreach(json_array_get(json_array_get(cert, 0), 4), k, w) {
                const char *is = json_string_value(json_array_get(w, 0));
                long idx = is ? strtol(is, NULL, 10) : -1;
                if (idx >= 0 && idx < E2E_MAX_OPS) is_nonsigner[idx] = 1;
            }
        }
        json_decref(cert);
        free(rb);
        free(cb);
        json_decref(ev);
    }
    eth_logs_free(logs, nl);
    return count;
}

int e2e_wait_verified_logs(e2e_net *n, const uint8_t task[32], uint64_t from_block, char **result,
                           uint8_t is_nonsigner[E2E_MAX_OPS], long timeout_ms)
{
    int count = 0;
    for (long t = 0; t <= timeout_ms; t += 50) {
        if ((count = e2e_verified_logs(n, task, from_block, result, is_nonsigner)) != 0) break;
        sleep_ms(50);
    }
    return count;
}

static size_t collect(char *p, size_t size, size_t nm, void *user)
{
    eth_buf *b = user;
    return eth_buf_append(b, p, size * nm) == ETH_OK ? size * nm : 0;
}

char *e2e_http_get(const char *url, long *status)
{
    CURL *c = curl_easy_init();
    eth_buf b;
    eth_buf_init(&b, 0);
    *status = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    char *body = NULL;
    if (curl_easy_perform(c) == CURLE_OK && curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status) == CURLE_OK &&
        (body = malloc(b.len + 1))) {
        if (b.len) memcpy(body, b.data, b.len);
        body[b.len] = 0;
    }
    curl_easy_cleanup(c);
    eth_buf_free(&b);
    return body;
}

json_t *e2e_aggregator_task(e2e_net *n, const uint8_t task[32])
{
    char url[256], h[67];
    snprintf(url, sizeof url, "%s/v1/tasks/%s", n->aggregator_url, eth_hex_encode(h, task, 32));
    long status;
    char *body = e2e_http_get(url, &status);
    json_t *doc = body && status == 200 ? json_loads(body, 0, NULL) : NULL;
    free(body);
    return doc;
}

json_t *e2e_aggregator_wait(e2e_net *n, const uint8_t task[32], const char *status, long timeout_ms)
{
    json_t *doc = NULL;
    for (long t = 0; t <= timeout_ms; t += 50) {
        json_decref(doc);
        doc = e2e_aggregator_task(n, task);
        if (strcmp(jstr(json_object_get(doc, "status")), status) == 0) break;
        sleep_ms(50);
    }
    return doc;
}

uint64_t e2e_aggregator_nonce(e2e_net *n)
{
    char a[43];
    json_t *res;
    uint64_t v = 0;
    if (eth_rpc_call(n->rpc, &res, "eth_getTransactionCount", json_pack("[s,s]", eth_address_to_hex(a, &n->aggregator), "latest")) ==
        ETH_OK) {
        if (eth_json_quantity(&v, res) != ETH_OK) v = 0;
        json_decref(res);
    }
    return v;
}
