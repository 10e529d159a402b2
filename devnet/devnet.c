/* devnet.c - faas-devnet: starts anvil, runs the contracts' deploy step,
 * starts the executors and the aggregator, writes the CLI config, and stops
 * them again by the pids it recorded. See devnet.h for the files. */
#include "devnet.h"

#include "bn254.h"
#include "eth.h"
#include "svc.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_OPERATORS 32
#define PATH_CAP 4096
/* What the aggregator gets from the deployer to pay for submitResult. */
#define AGGREGATOR_FUNDING_ETH 1000

const char *devnet_strerror(devnet_err e)
{
    static const char *const messages[DEVNET_ERR__COUNT] = {
        [DEVNET_OK] = "success",
        [DEVNET_ERR_ARG] = "invalid option",
        [DEVNET_ERR_NOMEM] = "out of memory",
        [DEVNET_ERR_IO] = "file error",
        [DEVNET_ERR_RUNNING] = "a devnet is already running",
        [DEVNET_ERR_NOT_RUNNING] = "no devnet is running",
        [DEVNET_ERR_PORT] = "port in use",
        [DEVNET_ERR_START] = "a devnet service failed to start",
        [DEVNET_ERR_TIMEOUT] = "devnet services did not become healthy in time",
    };
    if ((unsigned)e >= DEVNET_ERR__COUNT || !messages[e]) return "unknown error";
    return messages[e];
}

void devnet_opts_default(devnet_opts *o)
{
    if (!o->operators) o->operators = 3;
    if (!o->port) o->port = 7545;
    if (!o->threshold_bps) o->threshold_bps = 6667;
    if (!o->task_sla) o->task_sla = 60;
    if (!o->timeout_s) o->timeout_s = 90;
    if (!o->block_time_ms) o->block_time_ms = 100;
}

static devnet_err fail(char *detail, devnet_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static devnet_err fail(char *detail, devnet_err e, const char *fmt, ...)
{
    if (detail) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, SVC_DETAIL_MAX, fmt, ap);
        va_end(ap);
    }
    return e;
}

/* snprintf into a PATH_CAP buffer. */
static char *pathf(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *pathf(char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, PATH_CAP, fmt, ap);
    va_end(ap);
    return out;
}

char *devnet_home(void)
{
    const char *h = getenv("FAAS_HOME");
    if (h && *h) return strdup(h);
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw && pw->pw_dir ? pw->pw_dir : "/tmp";
    }
    char p[PATH_CAP];
    return strdup(pathf(p, "%s/.faas", home));
}

char *devnet_root(const char *bin_dir)
{
    const char *r = getenv("FAAS_ROOT");
    if (r && *r) return strdup(r);
    char p[PATH_CAP];
    pathf(p, "%s/..", bin_dir);
    return realpath(p, NULL);
}

static int mkdirs(const char *path, unsigned mode)
{
    char p[PATH_CAP];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST) return -1;
        *s = '/';
    }
    return mkdir(p, mode) == 0 || errno == EEXIST ? 0 : -1;
}

/* rm -r of our own devnet directory (it holds only what we wrote). */
static void remove_tree(const char *path)
{
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", "--", path, (char *)NULL);
        _exit(127);
    }
    if (pid > 0) waitpid(pid, NULL, 0);
}

static int write_text(const char *path, const char *text, unsigned mode)
{
    return svc_file_write(path, text, strlen(text), mode, NULL) == SVC_OK ? 0 : -1;
}

static int write_json(const char *path, json_t *doc, unsigned mode)
{
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    int rc = text ? write_text(path, text, mode) : -1;
    free(text);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Processes                                                                  */

/* Starts argv in its own session with cwd and output appended to log, and
 * returns once the program runs: until the exec, /proc shows our own command
 * line under the child's pid, which is_ours would take for a dead service.
 * A close-on-exec pipe tells: EOF when the exec succeeded, the errno when
 * the child failed before or at it (-1 returned, errno set). */
static pid_t spawn(char *const argv[], const char *cwd, const char *log)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        setsid();
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int null = open("/dev/null", O_RDONLY);
        int err = fd < 0 || null < 0 || chdir(cwd) != 0 ? errno : 0;
        if (!err) {
            dup2(null, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
            close(null);
            execvp(argv[0], argv);
            err = errno;
            fprintf(stderr, "faas-devnet: cannot run %s: %s\n", argv[0], strerror(err));
        }
        if (write(p[1], &err, sizeof err) != (ssize_t)sizeof err) _exit(126);
        _exit(127);
    }
    close(p[1]);
    int err = 0;
    ssize_t n = 0;
    if (pid > 0)
        while ((n = read(p[0], &err, sizeof err)) < 0 && errno == EINTR) {}
    close(p[0]);
    if (pid > 0 && n > 0) {
        waitpid(pid, NULL, 0);
        errno = err;
        return -1;
    }
    return pid;
}

/* Whether pid runs a program whose name (argv[0] base name) is exe. */
static int is_ours(pid_t pid, const char *exe)
{
    if (pid <= 0 || kill(pid, 0) != 0) return 0;
    char p[64], cmd[PATH_CAP];
    snprintf(p, sizeof p, "/proc/%d/cmdline", (int)pid);
    FILE *f = fopen(p, "r");
    if (!f) return 0;
    size_t n = fread(cmd, 1, sizeof cmd - 1, f);
    fclose(f);
    cmd[n] = 0;
    if (n == 0) return 0; /* a zombie: already gone */
    const char *base = strrchr(cmd, '/');
    return strcmp(base ? base + 1 : cmd, exe) == 0;
}

/* SIGTERM to the service's process group, SIGKILL after 5 s. */
static void stop_process(pid_t pid, const char *exe)
{
    if (!is_ours(pid, exe)) {
        waitpid(pid, NULL, WNOHANG);
        return;
    }
    kill(-pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        waitpid(pid, NULL, WNOHANG); /* reaps it when it is our child */
        if (!is_ours(pid, exe)) return;
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static size_t discard(char *p, size_t size, size_t n, void *user)
{
    (void)p;
    (void)user;
    return size * n;
}

/* GET url answers 200 within a second. */
static int healthy(const char *url)
{
    CURL *c = curl_easy_init();
    if (!c) return 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    long status = 0;
    int ok = curl_easy_perform(c) == CURLE_OK && curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
             status == 200;
    curl_easy_cleanup(c);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* State                                                                      */

static char *state_path(char *out, const char *home) { return pathf(out, "%s/devnet/state.json", home); }

static json_t *load_state(const char *home)
{
    char p[PATH_CAP];
    return json_load_file(state_path(p, home), 0, NULL);
}

/* A service of the state runs when its recorded pid still runs its program. */
static int service_running(const json_t *svc)
{
    return is_ours((pid_t)json_integer_value(json_object_get(svc, "pid")),
                   json_string_value(json_object_get(svc, "exe")));
}

static int any_running(const json_t *state)
{
    size_t i;
    json_t *svc;
    json_array_foreach(json_object_get(state, "services"), i, svc) if (service_running(svc)) return 1;
    return 0;
}

static void stop_all(json_t *state, FILE *out)
{
    json_t *svcs = json_object_get(state, "services");
    /* In reverse start order: aggregator and executors before the chain. */
    for (size_t k = json_array_size(svcs); k-- > 0;) {
        json_t *svc = json_array_get(svcs, k);
        pid_t pid = (pid_t)json_integer_value(json_object_get(svc, "pid"));
        const char *exe = json_string_value(json_object_get(svc, "exe"));
        if (!exe) continue;
        if (is_ours(pid, exe) && out)
            fprintf(out, "stopping %s (pid %d)\n", json_string_value(json_object_get(svc, "name")), (int)pid);
        stop_process(pid, exe);
    }
}

/* ------------------------------------------------------------------------ */
/* Keys                                                                       */

typedef struct {
    eth_key ecdsa;
    bn254_sk bls;
    uint8_t g2[128];
    unsigned port;
    char name[32];
    char dir[PATH_CAP];
} operator_keys;

/* An operator's key files: ecdsa.key, keystore.json (EIP-2335, PBKDF2) and
 * its password, all 0600 in its directory. */
static int write_operator_keys(const operator_keys *k, char *detail)
{
    char p[PATH_CAP], hex[67], pw_hex[35];
    uint8_t pw[16];
    if (getentropy(pw, sizeof pw) != 0) return fail(detail, DEVNET_ERR_IO, "no randomness"), -1;
    eth_hex_encode(pw_hex, pw, sizeof pw);
    bn254_keystore_opts ko;
    bn254_keystore_opts_default(&ko, BN254_KDF_PBKDF2);
    char *ks = NULL;
    if (bn254_keystore_encrypt(&ks, &k->bls, pw_hex + 2, &ko) != BN254_OK) {
        fail(detail, DEVNET_ERR_IO, "cannot create a keystore");
        return -1;
    }
    int rc = write_text(pathf(p, "%s/ecdsa.key", k->dir), eth_hex_encode(hex, k->ecdsa.secret, 32), 0600) ||
             write_text(pathf(p, "%s/keystore.json", k->dir), ks, 0600) ||
             write_text(pathf(p, "%s/password", k->dir), pw_hex + 2, 0600);
    eth_wipe(hex, sizeof hex);
    eth_wipe(pw_hex, sizeof pw_hex);
    free(ks);
    if (rc) fail(detail, DEVNET_ERR_IO, "cannot write the keys of %s", k->name);
    return rc;
}

/* The deploy step's operators file (contracts/scripts/deploy.mjs). */
static json_t *operators_doc(const operator_keys *ks, unsigned n)
{
    json_t *list = json_array();
    for (unsigned i = 0; list && i < n; i++) {
        char ecdsa[67], bls[67], g2[259], socket[32];
        uint8_t sk[32];
        bn254_sk_to_bytes(sk, &ks[i].bls);
        snprintf(socket, sizeof socket, "127.0.0.1:%u", ks[i].port);
        json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:s}", "ecdsaPrivateKey",
                                              eth_hex_encode(ecdsa, ks[i].ecdsa.secret, 32), "bn254PrivateKey",
                                              eth_hex_encode(bls, sk, 32), "g2", eth_hex_encode(g2, ks[i].g2, 128),
                                              "socket", socket, "weight", "1"));
        eth_wipe(sk, sizeof sk);
        eth_wipe(bls, sizeof bls);
        eth_wipe(ecdsa, sizeof ecdsa);
    }
    return list ? json_pack("{s:o}", "operators", list) : NULL;
}

/* ------------------------------------------------------------------------ */
/* Steps of `up`                                                              */

typedef struct {
    const char *home, *root, *bin;
    const devnet_opts *o;
    FILE *out;
    char dir[PATH_CAP];         /* FAAS_HOME/devnet */
    char rpc_url[64], ws_url[64];
    uint64_t chain_id;
    json_t *state;              /* what is running, saved after each start */
    json_t *deployment;
    json_t *anvil;              /* anvil --config-out */
    operator_keys ops[MAX_OPERATORS];
    eth_key aggregator;
    unsigned aggregator_port;
    const char *performer;      /* the executors' performer setting */
} up_ctx;

static int save_state(up_ctx *c)
{
    char p[PATH_CAP];
    return write_json(state_path(p, c->home), c->state, 0644);
}

/* A started service in the state: its command line (argv, for a restart
 * by hand or by a test), pid, directory and health check (an http URL, or a
 * word for services without one). */
static int record_service(up_ctx *c, const char *name, char *const argv[], pid_t pid, const char *health)
{
    char dir[PATH_CAP];
    const char *exe = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    json_t *args = json_array();
    for (size_t i = 0; argv[i]; i++) json_array_append_new(args, json_string(argv[i]));
    json_array_append_new(json_object_get(c->state, "services"),
                          json_pack("{s:s,s:s,s:o,s:i,s:s,s:s}", "name", name, "exe", exe, "argv", args, "pid",
                                    (int)pid, "dir", pathf(dir, "%s/%s", c->dir, name), "health", health ? health : ""));
    return save_state(c);
}

static devnet_err start_anvil(up_ctx *c, char *detail)
{
    char dir[PATH_CAP], log[PATH_CAP], cfg[PATH_CAP], port[16];
    pathf(dir, "%s/anvil", c->dir);
    if (mkdirs(dir, 0755)) return fail(detail, DEVNET_ERR_IO, "cannot create %s", dir);
    snprintf(port, sizeof port, "%u", c->o->port);
    pathf(cfg, "%s/anvil.json", c->dir);
    char *argv[] = { "anvil", "--host", "127.0.0.1", "--port", port, "--silent", "--config-out", cfg, NULL };
    pid_t pid = spawn(argv, dir, pathf(log, "%s/log", dir));
    if (pid < 0) return fail(detail, DEVNET_ERR_START, "cannot start anvil: %s (make setup installs it)", strerror(errno));
    record_service(c, "anvil", argv, pid, "rpc");
    eth_rpc *r = eth_rpc_new(c->rpc_url, NULL);
    for (int i = 0; r && i < 150; i++) {
        if (eth_rpc_chain_id(r, &c->chain_id) == ETH_OK && (c->anvil = json_load_file(cfg, 0, NULL))) break;
        struct timespec ts = { 0, 100 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    eth_rpc_free(r);
    if (!c->anvil) return fail(detail, DEVNET_ERR_START, "anvil did not start on port %s (see %s)", port, log);
    return DEVNET_OK;
}

/* The miner (miner.c) runs before the deploy step: with automine off,
 * nothing else mines its transactions. It is up once anvil's automine is off. */
static devnet_err start_miner(up_ctx *c, char *detail)
{
    if (c->o->automine) return DEVNET_OK;
    char dir[PATH_CAP], log[PATH_CAP], bin[PATH_CAP], bt[32];
    pathf(dir, "%s/miner", c->dir);
    if (mkdirs(dir, 0755)) return fail(detail, DEVNET_ERR_IO, "cannot create %s", dir);
    snprintf(bt, sizeof bt, "%u.%03u", c->o->block_time_ms / 1000, c->o->block_time_ms % 1000);
    char *argv[] = { pathf(bin, "%s/faas-devnet", c->bin), "miner", "--rpc-url", c->rpc_url, "--block-time", bt, NULL };
    pid_t pid = spawn(argv, dir, pathf(log, "%s/log", dir));
    if (pid < 0) return fail(detail, DEVNET_ERR_START, "cannot start the miner: %s", strerror(errno));
    record_service(c, "miner", argv, pid, "blocks");
    eth_rpc *r = eth_rpc_new(c->rpc_url, NULL);
    int automine = 1;
    for (int i = 0; r && automine && i < 100; i++) {
        json_t *res = NULL;
        if (eth_rpc_call(r, &res, "anvil_getAutomine", json_array()) == ETH_OK) automine = json_is_true(res);
        json_decref(res);
        if (automine) {
            struct timespec ts = { 0, 50 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    eth_rpc_free(r);
    if (automine) return fail(detail, DEVNET_ERR_START, "the miner did not start (see %s)", log);
    return DEVNET_OK;
}

static devnet_err make_keys(up_ctx *c, char *detail)
{
    if (eth_key_generate(&c->aggregator) != ETH_OK) return fail(detail, DEVNET_ERR_IO, "no randomness for keys");
    c->aggregator_port = svc_port_pick();
    for (unsigned i = 0; i < c->o->operators; i++) {
        operator_keys *k = &c->ops[i];
        snprintf(k->name, sizeof k->name, "operator-%u", i + 1);
        pathf(k->dir, "%s/%s", c->dir, k->name);
        bn254_g2 pk;
        if (eth_key_generate(&k->ecdsa) != ETH_OK || bn254_sk_generate(&k->bls) != BN254_OK)
            return fail(detail, DEVNET_ERR_IO, "no randomness for keys");
        bn254_bls_pubkey_g2(&pk, &k->bls);
        bn254_g2_to_bytes(k->g2, &pk);
        k->port = svc_port_pick();
        if (mkdirs(k->dir, 0700) || write_operator_keys(k, detail)) return DEVNET_ERR_IO;
    }
    return DEVNET_OK;
}

/* Runs the contracts' deploy step (forge script behind a node driver). Deploys
 * of different devnets share contracts/ (forge's cache), so they take turns. */
static devnet_err deploy(up_ctx *c, char *detail)
{
    char ops_file[PATH_CAP], out_file[PATH_CAP], log[PATH_CAP], script[PATH_CAP], lockf[PATH_CAP], bps[16], sla[16];
    json_t *doc = operators_doc(c->ops, c->o->operators);
    int wrote = write_json(pathf(ops_file, "%s/operators.json", c->dir), doc, 0600);
    json_decref(doc);
    if (wrote) return fail(detail, DEVNET_ERR_IO, "cannot write %s", ops_file);
    snprintf(bps, sizeof bps, "%u", c->o->threshold_bps);
    snprintf(sla, sizeof sla, "%u", c->o->task_sla);
    pathf(out_file, "%s/deployment.json", c->dir);
    pathf(log, "%s/deploy.log", c->dir);
    char *argv[] = { "node", pathf(script, "%s/contracts/scripts/deploy.mjs", c->root), "--rpc-url", c->rpc_url,
                     "--operators", ops_file, "--threshold-bps", bps, "--task-sla", sla, "--out", out_file, NULL };
    int lock = open(pathf(lockf, "%s/contracts/foundry.toml", c->root), O_RDONLY | O_CLOEXEC);
    if (lock >= 0) flock(lock, LOCK_EX);
    const char *key0 = json_string_value(json_array_get(json_object_get(c->anvil, "private_keys"), 0));
    setenv("DEPLOYER_KEY", key0 ? key0 : "", 1);
    pid_t pid = spawn(argv, c->root, log);
    unsetenv("DEPLOYER_KEY");
    int st = -1;
    if (pid > 0) waitpid(pid, &st, 0);
    if (lock >= 0) close(lock);
    unlink(ops_file); /* it holds every operator's secrets */
    if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char *text = NULL;
        size_t n;
        svc_file_read(log, 1 << 20, &text, &n, NULL);
        const char *last = text ? text : "";
        /* The deploy step's error is its last line. */
        while (n > 1 && text && text[n - 1] == '\n') text[--n] = 0;
        if (text && strrchr(text, '\n')) last = strrchr(text, '\n') + 1;
        devnet_err e = fail(detail, DEVNET_ERR_START, "deploy step failed: %.300s (see %s)", last, log);
        free(text);
        return e;
    }
    c->deployment = json_load_file(out_file, 0, NULL);
    return c->deployment ? DEVNET_OK : fail(detail, DEVNET_ERR_START, "deploy step wrote no %s", out_file);
}

static const char *dep(up_ctx *c, const char *key) { return json_string_value(json_object_get(c->deployment, key)); }

/* Registers the aggregator in the registry and funds it, from the deployer. */
static devnet_err setup_aggregator(up_ctx *c, char *detail)
{
    eth_key deployer;
    const char *key0 = json_string_value(json_array_get(json_object_get(c->anvil, "private_keys"), 0));
    eth_address registry;
    if (!key0 || eth_key_from_hex(&deployer, key0) != ETH_OK || !dep(c, "operatorRegistry") ||
        eth_address_parse(&registry, dep(c, "operatorRegistry")) != ETH_OK)
        return fail(detail, DEVNET_ERR_START, "deployment or anvil accounts unreadable");
    eth_rpc *r = eth_rpc_new(c->rpc_url, NULL);
    eth_client *cl = NULL;
    devnet_err rc = DEVNET_OK;
    if (!r || eth_client_new(&cl, r, &deployer) != ETH_OK) {
        rc = fail(detail, DEVNET_ERR_START, "cannot reach anvil");
        goto out;
    }
    char addr[43];
    json_t *args = json_pack("[s]", eth_address_to_hex(addr, &c->aggregator.address));
    eth_buf data;
    eth_buf_init(&data, 0);
    uint8_t tx1[32], tx2[32];
    eth_u256 value;
    eth_u256_from_u64(&value, AGGREGATOR_FUNDING_ETH);
    (void)eth_u256_mul_u64(&value, &value, 1000000000000000000ull);
    eth_send_opts fund = { .value = &value, .gas_limit = 21000 };
    eth_receipt rc1, rc2;
    if (eth_abi_encode_call(&data, "setAggregator(address)", args) != ETH_OK ||
        eth_client_send(cl, tx1, &registry, data.data, data.len, NULL) != ETH_OK ||
        eth_client_send(cl, tx2, &c->aggregator.address, NULL, 0, &fund) != ETH_OK ||
        eth_client_wait_receipt(cl, &rc1, tx1, 30000) != ETH_OK) {
        rc = fail(detail, DEVNET_ERR_START, "cannot register the aggregator: %s", eth_client_last_error(cl));
    } else {
        int ok = rc1.status == 1;
        eth_receipt_free(&rc1);
        if (!ok || eth_client_wait_receipt(cl, &rc2, tx2, 30000) != ETH_OK)
            rc = fail(detail, DEVNET_ERR_START, "setAggregator or the funding failed");
        else eth_receipt_free(&rc2);
    }
    json_decref(args);
    eth_buf_free(&data);
out:
    eth_client_free(cl);
    eth_rpc_free(r);
    eth_key_wipe(&deployer);
    return rc;
}

static json_t *contracts_json(up_ctx *c)
{
    return json_pack("{s:s,s:s,s:s}", "taskmailbox", dep(c, "taskMailbox"), "operator_registry",
                     dep(c, "operatorRegistry"), "faas", dep(c, "faas"));
}

static devnet_err start_executors(up_ctx *c, char *detail)
{
    for (unsigned i = 0; i < c->o->operators; i++) {
        operator_keys *k = &c->ops[i];
        char listen[32], cfg[PATH_CAP], log[PATH_CAP], health[64], bin[PATH_CAP];
        snprintf(listen, sizeof listen, "127.0.0.1:%u", k->port);
        json_t *doc = json_pack("{s:s,s:I,s:o,s:{s:s,s:s,s:s},s:s,s:s,s:s,s:{s:b,s:b}}", "rpc_url", c->rpc_url,
                                "chain_id", (json_int_t)c->chain_id, "contracts", contracts_json(c), "operator",
                                "ecdsa_key_file", "ecdsa.key", "bls_keystore", "keystore.json", "bls_password_file",
                                "password", "listen", listen, "data_dir", "data", "performer", c->performer, "test", "lie",
                                c->o->lie == i + 1, "bad_signature", c->o->bad_signature == i + 1);
        int wrote = write_json(pathf(cfg, "%s/config.json", k->dir), doc, 0644);
        json_decref(doc);
        if (wrote) return fail(detail, DEVNET_ERR_IO, "cannot write %s", cfg);
        char *argv[] = { pathf(bin, "%s/executor", c->bin), "--config", cfg, NULL };
        pid_t pid = spawn(argv, k->dir, pathf(log, "%s/log", k->dir));
        if (pid < 0) return fail(detail, DEVNET_ERR_START, "cannot start %s: %s", k->name, strerror(errno));
        snprintf(health, sizeof health, "http://%s/healthz", listen);
        record_service(c, k->name, argv, pid, health);
    }
    return DEVNET_OK;
}

static devnet_err start_aggregator(up_ctx *c, char *detail)
{
    char dir[PATH_CAP], cfg[PATH_CAP], log[PATH_CAP], key[PATH_CAP], hex[67], listen[32], health[64], bin[PATH_CAP];
    pathf(dir, "%s/aggregator", c->dir);
    if (mkdirs(dir, 0700)) return fail(detail, DEVNET_ERR_IO, "cannot create %s", dir);
    int bad = write_text(pathf(key, "%s/key", dir), eth_hex_encode(hex, c->aggregator.secret, 32), 0600);
    eth_wipe(hex, sizeof hex);
    snprintf(listen, sizeof listen, "127.0.0.1:%u", c->aggregator_port);
    json_t *doc = json_pack("{s:s,s:s,s:I,s:o,s:s,s:s,s:s,s:I,s:b}", "rpc_url", c->rpc_url, "ws_url", c->ws_url,
                            "chain_id", (json_int_t)c->chain_id, "contracts", contracts_json(c), "key_file", "key",
                            "listen", listen, "data_dir", "data", "start_block",
                            json_integer_value(json_object_get(c->deployment, "deployBlock")), "increasing_timestamps",
                            !c->o->automine);
    bad = bad || write_json(pathf(cfg, "%s/config.json", dir), doc, 0644);
    json_decref(doc);
    if (bad) return fail(detail, DEVNET_ERR_IO, "cannot write the aggregator's files");
    char *argv[] = { pathf(bin, "%s/aggregator", c->bin), "--config", cfg, NULL };
    pid_t pid = spawn(argv, dir, pathf(log, "%s/log", dir));
    if (pid < 0) return fail(detail, DEVNET_ERR_START, "cannot start the aggregator: %s", strerror(errno));
    snprintf(health, sizeof health, "http://%s/healthz", listen);
    record_service(c, "aggregator", argv, pid, health);
    return DEVNET_OK;
}

/* Waits until every service answers its health check. */
static devnet_err wait_healthy(up_ctx *c, char *detail)
{
    double deadline = svc_mono_ms() + c->o->timeout_s * 1000.0;
    json_t *svcs = json_object_get(c->state, "services");
    size_t i;
    json_t *svc;
    json_array_foreach(svcs, i, svc) {
        const char *name = json_string_value(json_object_get(svc, "name"));
        const char *url = json_string_value(json_object_get(svc, "health"));
        if (!url || strncmp(url, "http", 4) != 0) continue;
        while (!healthy(url)) {
            char log[PATH_CAP];
            pathf(log, "%s/log", json_string_value(json_object_get(svc, "dir")));
            if (!service_running(svc)) return fail(detail, DEVNET_ERR_START, "%s exited (see %s)", name, log);
            if (svc_mono_ms() > deadline) return fail(detail, DEVNET_ERR_TIMEOUT, "%s is not healthy (see %s)", name, log);
            struct timespec ts = { 0, 100 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    return DEVNET_OK;
}

/* The CLI's config file (cli/cli.h, cli_config_load). */
static devnet_err write_cli_config(up_ctx *c, char *detail)
{
    char p[PATH_CAP];
    const char *key0 = json_string_value(json_array_get(json_object_get(c->anvil, "private_keys"), 0));
    if (!key0 || write_text(pathf(p, "%s/dev-key", c->dir), key0, 0600))
        return fail(detail, DEVNET_ERR_IO, "cannot write %s", p);
    char agg_url[64];
    snprintf(agg_url, sizeof agg_url, "http://127.0.0.1:%u", c->aggregator_port);
    json_t *doc = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s}", "rpc_url", c->rpc_url, "ws_url", c->ws_url, "chain_id",
                            (json_int_t)c->chain_id, "faas_address", dep(c, "faas"), "taskmailbox_address",
                            dep(c, "taskMailbox"), "aggregator_url", agg_url, "private_key_file", "devnet/dev-key");
    int bad = write_json(pathf(p, "%s/config.json", c->home), doc, 0644);
    json_decref(doc);
    return bad ? fail(detail, DEVNET_ERR_IO, "cannot write %s", p) : DEVNET_OK;
}

static void print_summary(up_ctx *c)
{
    FILE *o = c->out;
    char addr[43];
    fprintf(o, "\nFaaS devnet is up (FAAS_HOME=%s)\n\n", c->home);
    fprintf(o, "Chain:         %s  (%s)  chain id %llu\n", c->rpc_url, c->ws_url, (unsigned long long)c->chain_id);
    fprintf(o, "TaskMailbox:   %s\n", dep(c, "taskMailbox"));
    fprintf(o, "FaaS:          %s\n", dep(c, "faas"));
    fprintf(o, "Registry:      %s\n", dep(c, "operatorRegistry"));
    fprintf(o, "Verifier:      %s\n", dep(c, "bn254CertificateVerifier"));
    fprintf(o, "Aggregator:    %s  status API http://127.0.0.1:%u/v1/tasks/<task id>\n",
            eth_address_to_hex(addr, &c->aggregator.address), c->aggregator_port);
    if (c->o->automine) fprintf(o, "Blocks:        anvil automine (a block per transaction)\n");
    else fprintf(o, "Blocks:        as transactions come, at most one per %u ms, each stamped after its parent\n",
                 c->o->block_time_ms);
    fprintf(o, "Operators:     %u, threshold %u bps of stake, task SLA %u s\n", c->o->operators, c->o->threshold_bps,
            c->o->task_sla);
    if (strcmp(c->performer, "local") == 0)
        fprintf(o, "               NOT root: functions run without the performer's sandbox (performer local)\n");
    for (unsigned i = 0; i < c->o->operators; i++)
        fprintf(o, "  %-12s %s  executor 127.0.0.1:%u%s%s\n", c->ops[i].name,
                eth_address_to_hex(addr, &c->ops[i].ecdsa.address), c->ops[i].port,
                c->o->lie == i + 1 ? "  [TEST: lies]" : "", c->o->bad_signature == i + 1 ? "  [TEST: bad signatures]" : "");
    fprintf(o, "CLI config:    %s/config.json\n\nFunded dev accounts (10000 ETH each):\n", c->home);
    json_t *addrs = json_object_get(c->anvil, "available_accounts"), *keys = json_object_get(c->anvil, "private_keys");
    for (size_t i = 0; i < json_array_size(keys); i++)
        fprintf(o, "  (%zu) %s  %s\n", i, json_string_value(json_array_get(addrs, i)),
                json_string_value(json_array_get(keys, i)));
    fprintf(o, "\nfaas-devnet status | logs [-f] | down\n");
    fflush(o);
}

devnet_err devnet_up(const char *home, const char *root, const char *bin_dir, const devnet_opts *opts, FILE *out,
                     char *detail)
{
    devnet_opts o = *opts;
    devnet_opts_default(&o);
    if (o.operators > MAX_OPERATORS) return fail(detail, DEVNET_ERR_ARG, "at most %d operators", MAX_OPERATORS);
    if (o.port > 65535) return fail(detail, DEVNET_ERR_ARG, "port %u is not a TCP port", o.port);
    if (o.threshold_bps > 10000) return fail(detail, DEVNET_ERR_ARG, "threshold is at most 10000 bps");
    json_t *old = load_state(home);
    int running = old && any_running(old);
    json_decref(old);
    if (running)
        return fail(detail, DEVNET_ERR_RUNNING, "a devnet runs from %s: `faas-devnet down` first (or another FAAS_HOME)",
                    home);
    if (!svc_port_free(o.port))
        return fail(detail, DEVNET_ERR_PORT, "port %u is in use (choose another with --port)", o.port);

    up_ctx *c = calloc(1, sizeof *c);
    if (!c) return DEVNET_ERR_NOMEM;
    c->home = home;
    c->root = root;
    c->bin = bin_dir;
    c->o = &o;
    c->out = out;
    pathf(c->dir, "%s/devnet", home);
    /* The sandboxed performer needs root (namespaces, mounts, cgroups);
     * without it functions run in plain processes, which the summary says. */
    c->performer = geteuid() == 0 ? "managed" : "local";
    snprintf(c->rpc_url, sizeof c->rpc_url, "http://127.0.0.1:%u", o.port);
    snprintf(c->ws_url, sizeof c->ws_url, "ws://127.0.0.1:%u", o.port);
    /* A fresh chain: nothing of an earlier devnet is valid any more. */
    remove_tree(c->dir);
    devnet_err rc = mkdirs(c->dir, 0700) ? fail(detail, DEVNET_ERR_IO, "cannot create %s", c->dir) : DEVNET_OK;
    c->state = json_pack("{s:i,s:s,s:s,s:i,s:I,s:[]}", "version", 1, "rpc_url", c->rpc_url, "ws_url", c->ws_url,
                         "port", (int)o.port, "started_ms", (json_int_t)svc_wall_ms(), "services");
    if (!rc && !c->state) rc = DEVNET_ERR_NOMEM;
    fprintf(out, "starting anvil on %s\n", c->rpc_url);
    fflush(out);
    if (!rc) rc = start_anvil(c, detail);
    if (!rc) rc = start_miner(c, detail);
    if (!rc) rc = make_keys(c, detail);
    if (!rc) {
        fprintf(out, "deploying contracts and registering %u operators\n", o.operators);
        fflush(out);
        rc = deploy(c, detail);
    }
    if (!rc) rc = setup_aggregator(c, detail);
    if (!rc) {
        json_object_set(c->state, "deployment", c->deployment);
        json_object_set_new(c->state, "chain_id", json_integer((json_int_t)c->chain_id));
        fprintf(out, "starting %u executors and the aggregator\n", o.operators);
        fflush(out);
        rc = start_executors(c, detail);
    }
    if (!rc) rc = start_aggregator(c, detail);
    if (!rc) rc = wait_healthy(c, detail);
    if (!rc) rc = write_cli_config(c, detail);
    if (!rc) print_summary(c);
    else if (c->state) stop_all(c->state, NULL);
    json_decref(c->state);
    json_decref(c->deployment);
    json_decref(c->anvil);
    for (unsigned i = 0; i < MAX_OPERATORS; i++) {
        eth_key_wipe(&c->ops[i].ecdsa);
        bn254_sk_wipe(&c->ops[i].bls);
    }
    eth_key_wipe(&c->aggregator);
    free(c);
    return rc;
}

devnet_err devnet_down(const char *home, FILE *out, char *detail)
{
    json_t *state = load_state(home);
    if (!state || !any_running(state)) {
        json_decref(state);
        return fail(detail, DEVNET_ERR_NOT_RUNNING, "no devnet runs from %s", home);
    }
    stop_all(state, out);
    json_decref(state);
    return DEVNET_OK;
}

devnet_err devnet_status(const char *home, FILE *out, char *detail)
{
    json_t *state = load_state(home);
    if (!state) return fail(detail, DEVNET_ERR_NOT_RUNNING, "no devnet was started from %s", home);
    int any = any_running(state);
    fprintf(out, "devnet %s (FAAS_HOME=%s)\n", any ? "running" : "stopped", home);
    fprintf(out, "chain:       %s  chain id %lld\n", json_string_value(json_object_get(state, "rpc_url")),
            json_integer_value(json_object_get(state, "chain_id")));
    json_t *d = json_object_get(state, "deployment");
    if (d) {
        fprintf(out, "TaskMailbox: %s\nFaaS:        %s\n", json_string_value(json_object_get(d, "taskMailbox")),
                json_string_value(json_object_get(d, "faas")));
    }
    size_t i;
    json_t *svc;
    json_array_foreach(json_object_get(state, "services"), i, svc) {
        const char *health = json_string_value(json_object_get(svc, "health"));
        int run = service_running(svc);
        const char *h = !run ? "-" : health && strncmp(health, "http", 4) == 0 ? (healthy(health) ? "healthy" : "unhealthy")
                                                                               : "up";
        fprintf(out, "  %-12s pid %-7lld %-8s %-9s %s\n", json_string_value(json_object_get(svc, "name")),
                json_integer_value(json_object_get(svc, "pid")), run ? "running" : "stopped", h,
                health && strncmp(health, "http", 4) == 0 ? health : "");
    }
    json_decref(state);
    return any ? DEVNET_OK : DEVNET_ERR_NOT_RUNNING;
}

/* Copies new lines of one log to out with a "[name] " prefix. */
static void pump(FILE *out, const char *name, const char *path, long *pos, int final)
{
    FILE *f = fopen(path, "r");
    if (!f) return;
    if (fseek(f, *pos, SEEK_SET) != 0) {
        fclose(f);
        return;
    }
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        if (line[n - 1] != '\n' && !final) break; /* a partial line: later */
        fprintf(out, "[%s] %s%s", name, line, line[n - 1] == '\n' ? "" : "\n");
        *pos = ftell(f);
    }
    fclose(f);
    fflush(out);
}

devnet_err devnet_logs(const char *home, const char *name, int follow, volatile int *stop, FILE *out, char *detail)
{
    json_t *state = load_state(home);
    if (!state) return fail(detail, DEVNET_ERR_NOT_RUNNING, "no devnet was started from %s", home);
    json_t *svcs = json_object_get(state, "services");
    size_t n = json_array_size(svcs), i;
    long *pos = calloc(n ? n : 1, sizeof *pos);
    int found = 0;
    json_t *svc;
    json_array_foreach(svcs, i, svc) found |= !name || strcmp(name, json_string_value(json_object_get(svc, "name"))) == 0;
    if (!pos || !found) {
        free(pos);
        json_decref(state);
        return pos ? fail(detail, DEVNET_ERR_ARG, "no service %s (see faas-devnet status)", name) : DEVNET_ERR_NOMEM;
    }
    do {
        json_array_foreach(svcs, i, svc) {
            const char *sn = json_string_value(json_object_get(svc, "name"));
            if (name && strcmp(name, sn) != 0) continue;
            char p[PATH_CAP];
            pump(out, sn, pathf(p, "%s/log", json_string_value(json_object_get(svc, "dir"))), &pos[i], !follow);
        }
        if (follow) {
            struct timespec ts = { 0, 200 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    } while (follow && !(stop && *stop));
    free(pos);
    json_decref(state);
    return DEVNET_OK;
}
