/* bin/performer end to end, through its HTTP API and perf_client: the shared
 * behaviour cases (now sandboxed), the hostile-function suite (each case
 * asserts a clear error or a harmless result, and that the performer still
 * serves the next call), hostile bundles, determinism across two performers,
 * zygote restarts, concurrency, health and metrics. */
#include "harness.h"

#include <archive.h>
#include <archive_entry.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    pid_t pid;
    char endpoint[320];
    char cache[256];
} performer;

static performer main_perf;
static perf_client *client;
static char key_path[256];

#define OPERATOR_SECRET "operator-secret-5f2a"

/* Starts bin/performer with the given cache, on a free loopback port or
 * on the Unix socket unix_path. Its environment carries an operator
 * secret no function may see. Returns once /health answers. */
static int start(performer *p, const char *cache, const char *unix_path)
{
    char bin[512], listen[300], log[300];
    snprintf(bin, sizeof bin, "%s/performer", test_bin_dir());
    if (unix_path)
        snprintf(listen, sizeof listen, "unix:%s", unix_path);
    else
        snprintf(listen, sizeof listen, "127.0.0.1:%d", test_free_port());
    snprintf(p->endpoint, sizeof p->endpoint, "%s", listen);
    snprintf(p->cache, sizeof p->cache, "%s", cache);
    snprintf(log, sizeof log, "%s/../performer-%d.log", cache, (int)getpid());
    setenv("OPERATOR_PRIVATE_KEY", OPERATOR_SECRET, 1);
    char *argv[] = {bin, "--listen", listen, "--cache-dir", (char *)cache, "--bundle-max-mib", "8", "--max-inflight", "16",
                    NULL};
    p->pid = test_spawn(argv, log);
    unsetenv("OPERATOR_PRIVATE_KEY");
    perf_client *c;
    long status = 0;
    if (p->pid < 0 || perf_client_new(&c, p->endpoint) != PERF_OK) return -1;
    for (int i = 0; i < 400 && status != 200; i++) {
        char *body = NULL;
        if (perf_client_get(c, "/health", &status, &body) != PERF_OK) usleep(50000);
        free(body);
    }
    perf_client_free(c);
    if (status != 200) fprintf(stderr, "  performer did not start; see %s\n", log);
    return status == 200 ? 0 : -1;
}

static perf_err client_exec(const bundle_info *b, const uint8_t *tar, size_t n, const perf_task *t, perf_result *r)
{
    char detail[256] = "";
    perf_err e = perf_client_execute(client, b->id, tar, n, t, r, detail);
    if (e) fprintf(stderr, "  execute: %s: %s\n", perf_strerror(e), detail);
    return e;
}

static void test_setup(void)
{
    bundle_cache *c = pt_cache();
    REQUIRE(c);
    REQUIRE(start(&main_perf, bundle_cache_path(c), NULL) == 0);
    REQUIRE(perf_client_new(&client, main_perf.endpoint) == PERF_OK);
    pt_exec = client_exec;
    /* A key file of the operator's, readable by root on the host. */
    snprintf(key_path, sizeof key_path, "%s/../operator.key", bundle_cache_path(c));
    FILE *f = fopen(key_path, "w");
    REQUIRE(f);
    fputs(OPERATOR_SECRET, f);
    fclose(f);
}

/* The README's hello call: what every hostile case checks afterwards. */
static void still_serves(void)
{
    bundle_info b;
    perf_outcome o = PERF_OUTCOME__COUNT;
    REQUIRE(pt_example("js-hello", &b, NULL, NULL) == 0);
    PT_EXPECT(pt_call_str(&b, "Hello, World!", &o), o,
              "{\"payload\":{\"message\":\"Hello from FaaS!\",\"input\":\"Hello, World!\","
              "\"timestamp\":\"2025-01-01T12:00:00.000Z\"},\"error\":null}");
}

/* An inline function called with input and limits (NULL: defaults). */
static char *call(const char *runtime, const char *code, const char *input, const perf_limits *lim, perf_outcome *o)
{
    bundle_info b;
    pt_file f = {strcmp(runtime, "python") == 0 ? "handler.py" : "index.js", code};
    if (pt_bundle(runtime, &f, 1, &b, NULL, NULL) != 0) return NULL;
    return pt_call(&b, NULL, 0, input, strlen(input), 1, PT_README_TS, lim, o);
}

#define CHECK_HAS(s, sub) do { const char *s_ = (s); \
        if (!s_ || !strstr(s_, sub)) test_fail(__FILE__, __LINE__, "\"%s\" lacks \"%s\"", s_ ? s_ : "(null)", sub); } while (0)
#define CHECK_LACKS(s, sub) do { const char *s_ = (s); \
        if (!s_ || strstr(s_, sub)) test_fail(__FILE__, __LINE__, "\"%s\" has \"%s\"", s_ ? s_ : "(null)", sub); } while (0)

/* ------------------------------------------------------------------------ */
/* Hostile functions                                                          */

static void test_hostile_read_secrets(void)
{
    char input[300];
    snprintf(input, sizeof input, "{\"key\":\"%s\"}", key_path);
    perf_outcome o;
    char *r = call("javascript",
                   "const fs = require('fs');\n"
                   "exports.handler = (p) => { const out = {};\n"
                   "  for (const f of ['/etc/shadow', p.key, '/root/.ssh/id_rsa', '/proc/1/environ'])\n"
                   "    try { out[f] = fs.readFileSync(f, 'utf8'); } catch (e) { out[f] = e.code; }\n"
                   "  out.bundles = fs.readdirSync('/.bundles'); out.env = process.env; return out; };\n",
                   input, NULL, &o);
    CHECK_HAS(r, "\"/etc/shadow\":\"ENOENT\"");
    CHECK_HAS(r, "\"/root/.ssh/id_rsa\":\"ENOENT\"");
    CHECK_HAS(r, "\"bundles\":[]"); /* the cache is unmounted: an empty mount point */
    CHECK_LACKS(r, OPERATOR_SECRET);
    CHECK_LACKS(r, "OPERATOR_PRIVATE_KEY");
    CHECK_HAS(r, "\"env\":{\"PATH\":\"/usr/local/bin:/usr/bin:/bin\",\"HOME\":\"/tmp\"");
    free(r);
    r = call("python",
             "import os\ndef handler(p):\n    out = {}\n"
             "    for f in ['/etc/shadow', p['key'], '/proc/1/environ']:\n"
             "        try:\n            out[f] = open(f).read()\n"
             "        except OSError as e:\n            out[f] = e.strerror\n"
             "    out['env'] = dict(os.environ)\n    return out\n",
             input, NULL, &o);
    CHECK_HAS(r, "\"/etc/shadow\":\"No such file or directory\"");
    CHECK_LACKS(r, OPERATOR_SECRET);
    CHECK_LACKS(r, "OPERATOR_PRIVATE_KEY");
    free(r);
    still_serves();
}

static void test_hostile_write_outside_tmp(void)
{
    perf_outcome o;
    char *r = call("javascript",
                   "const fs = require('fs');\n"
                   "exports.handler = () => { const r = {};\n"
                   "  for (const f of ['/var/task/x', '/x', '/usr/x', '/etc/passwd', '/.runtime/x', '/dev/x', '/proc/x', '/tmp/ok'])\n"
                   "    try { fs.writeFileSync(f, 'x'); r[f] = 'written'; } catch (e) { r[f] = e.code; }\n"
                   "  return r; };\n",
                   "x", NULL, &o);
    CHECK_HAS(r, "\"/tmp/ok\":\"written\"");
    char *first = r ? strstr(r, "written") : NULL;
    CHECK(first && !strstr(first + 1, "written")); /* only /tmp */
    CHECK_HAS(r, "\"/var/task/x\":\"EROFS\"");
    CHECK_HAS(r, "\"/usr/x\":\"EROFS\"");
    free(r);
    still_serves();
}

static void test_hostile_tmp_and_globals_do_not_persist(void)
{
    static const char js[] =
        "const fs = require('fs');\n"
        "exports.handler = () => { const seen = fs.existsSync('/tmp/marker'); fs.writeFileSync('/tmp/marker', 'x');\n"
        "  globalThis.calls = (globalThis.calls || 0) + 1; return {seen, calls: globalThis.calls}; };\n";
    static const char py[] =
        "import builtins, os\ncalls = 0\n"
        "def handler(x):\n    global calls\n    calls += 1\n"
        "    builtins.stash = getattr(builtins, 'stash', 0) + 1\n"
        "    seen = os.path.exists('/tmp/marker')\n    open('/tmp/marker', 'w').write('x')\n"
        "    return {'seen': seen, 'calls': calls, 'stash': builtins.stash}\n";
    bundle_info bj, bp;
    pt_file fj = {"index.js", js}, fp = {"handler.py", py};
    REQUIRE(pt_bundle("javascript", &fj, 1, &bj, NULL, NULL) == 0);
    REQUIRE(pt_bundle("python", &fp, 1, &bp, NULL, NULL) == 0);
    for (int i = 0; i < 3; i++) {
        perf_outcome o;
        PT_EXPECT(pt_call_str(&bj, "x", &o), o, "{\"payload\":{\"seen\":false,\"calls\":1},\"error\":null}");
        PT_EXPECT(pt_call_str(&bp, "x", &o), o, "{\"payload\":{\"seen\":false,\"calls\":1,\"stash\":1},\"error\":null}");
    }
}

static void test_hostile_fork_bomb(void)
{
    perf_outcome o;
    /* Counted: the process limit (32) stops it. */
    char *r = call("python",
                   "import os, time\ndef handler(x):\n    n = 0\n    for i in range(200):\n"
                   "        try:\n            pid = os.fork()\n        except OSError:\n            break\n"
                   "        if pid == 0:\n            time.sleep(30)\n            os._exit(0)\n"
                   "        n += 1\n    return n\n",
                   "x", NULL, &o);
    CHECK_INT(o, PERF_OUTCOME_OK);
    int n = r ? atoi(strstr(r, ":") + 1) : 0;
    CHECK(n >= 1 && n < (int)PERF_DEFAULT_MAX_PROCS);
    free(r);
    /* Unbounded: every child forks too, until the wall-time limit. */
    perf_limits lim = {.timeout_ms = 1000};
    r = call("python", "import os\ndef handler(x):\n    while True:\n        try:\n            os.fork()\n"
                       "        except OSError:\n            pass\n", "x", &lim, &o);
    CHECK_INT(o, PERF_OUTCOME_TIMEOUT);
    free(r);
    still_serves();
}

static void test_hostile_memory(void)
{
    perf_limits lim = {.memory_mib = 64};
    perf_outcome o;
    PT_EXPECT(call("javascript", "exports.handler = () => { const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1)); };\n",
                   "x", &lim, &o), o, "{\"payload\":null,\"error\":\"Memory limit exceeded (64 MiB)\"}");
    CHECK_INT(o, PERF_OUTCOME_MEMORY);
    PT_EXPECT(call("javascript", "exports.handler = () => { const a = []; for (;;) a.push(new Array(1e5).fill(Math.random())); };\n",
                   "x", &lim, &o), o, "{\"payload\":null,\"error\":\"Memory limit exceeded (64 MiB)\"}");
    CHECK_INT(o, PERF_OUTCOME_MEMORY);
    PT_EXPECT(call("python", "def handler(x):\n    a = []\n    while True:\n        a.append(bytearray(1 << 20))\n", "x", &lim, &o),
              o, "{\"payload\":null,\"error\":\"Memory limit exceeded (64 MiB)\"}");
    CHECK_INT(o, PERF_OUTCOME_MEMORY);
    still_serves();
}

static void test_hostile_output_flood(void)
{
    perf_outcome o;
    /* 100 MB through console, stdout and the raw fds. */
    PT_EXPECT(call("javascript",
                   "const fs = require('fs');\n"
                   "exports.handler = () => { const mb = 'x'.repeat(1 << 20);\n"
                   "  for (let i = 0; i < 50; i++) console.log(mb);\n"
                   "  for (let i = 0; i < 25; i++) process.stdout.write(mb);\n"
                   "  for (let i = 0; i < 25; i++) fs.writeSync(1, mb);\n"
                   "  return 'done'; };\n",
                   "x", NULL, &o),
              o, "{\"payload\":{\"result\":\"done\",\"logs\":[\"[51 more log lines dropped: limit 1000 lines, 65536 bytes]\"]},"
                 "\"error\":null}");
    PT_EXPECT(call("python", "import os, sys\ndef handler(x):\n    mb = 'x' * (1 << 20)\n"
                             "    for i in range(50):\n        print(mb)\n"
                             "    for i in range(50):\n        os.write(1, mb.encode())\n    return 'done'\n", "x", NULL, &o),
              o, "{\"payload\":{\"result\":\"done\",\"logs\":[\"[50 more log lines dropped: limit 1000 lines, 65536 bytes]\"]},"
                 "\"error\":null}");
    /* A result over the limit is refused by the runner, deterministically. */
    perf_limits lim = {.max_result_bytes = 1000};
    PT_EXPECT(call("javascript", "exports.handler = () => 'y'.repeat(5000);\n", "x", &lim, &o), o,
              "{\"payload\":null,\"error\":\"Result too large: 5027 bytes (limit 1000)\"}");
    /* Bytes written straight to the result fd past the cap end the call. */
    PT_EXPECT(call("javascript", "exports.handler = () => { require('fs').writeSync(3, 'z'.repeat(5000)); return 1; };\n",
                   "x", &lim, &o), o, "{\"payload\":null,\"error\":\"Output limit exceeded (1000 bytes)\"}");
    still_serves();
}

/* An operator service on the host's loopback, answering a secret. */
static int service_fd;

static void *serve_secret(void *arg)
{
    (void)arg;
    for (int c; (c = accept(service_fd, NULL, NULL)) >= 0; close(c)) {
        ssize_t w = write(c, "SECRET-SERVICE", 14);
        (void)w;
    }
    return NULL;
}

static void test_hostile_network(void)
{
    service_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    REQUIRE(bind(service_fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(service_fd, 8) == 0 &&
            getsockname(service_fd, (struct sockaddr *)&sa, &len) == 0);
    pthread_t th;
    pthread_create(&th, NULL, serve_secret, NULL);
    char input[64];
    snprintf(input, sizeof input, "{\"port\":%d}", ntohs(sa.sin_port));
    perf_outcome o;
    char *r = call("javascript",
                   "const net = require('net');\n"
                   "exports.handler = (p) => new Promise((done) => { const s = net.connect(p.port, '127.0.0.1');\n"
                   "  s.on('data', (d) => done('got ' + d)); s.on('error', (e) => done(e.code)); });\n",
                   input, NULL, &o);
    CHECK_LACKS(r, "SECRET");
    CHECK(r && (strstr(r, "ENETUNREACH") || strstr(r, "ECONNREFUSED")));
    free(r);
    r = call("python",
             "import socket\ndef handler(p):\n    try:\n"
             "        return 'got ' + socket.create_connection(('127.0.0.1', p['port']), timeout=1).recv(64).decode()\n"
             "    except OSError as e:\n        return e.strerror\n",
             input, NULL, &o);
    CHECK_LACKS(r, "SECRET");
    free(r);
    shutdown(service_fd, SHUT_RDWR);
    close(service_fd);
    pthread_join(th, NULL);
    still_serves();
}

static void test_hostile_kill_and_ptrace(void)
{
    perf_outcome o;
    PT_EXPECT(call("javascript", "exports.handler = () => { process.kill(-1, 'SIGKILL'); return 'alive'; };\n", "x", NULL, &o), o,
              "{\"payload\":null,\"error\":\"kill ESRCH\"}");
    PT_EXPECT(call("python", "import os, signal\ndef handler(x):\n    os.kill(-1, signal.SIGKILL)\n    return 'alive'\n", "x", NULL, &o),
              o, "{\"payload\":null,\"error\":\"[Errno 3] No such process\"}");
    PT_EXPECT(call("python",
                   "import ctypes\ndef handler(x):\n    libc = ctypes.CDLL(None, use_errno=True)\n"
                   "    r = libc.ptrace(0, 0, None, None)\n    return {'ptrace': r, 'errno': ctypes.get_errno()}\n",
                   "x", NULL, &o), o, "{\"payload\":{\"ptrace\":-1,\"errno\":1},\"error\":null}");
    still_serves();
    long status;
    char *health = NULL;
    CHECK_INT(perf_client_get(client, "/health", &status, &health), PERF_OK);
    CHECK_INT(status, 200);
    CHECK_HAS(health, "\"restarts\":0");
    free(health);
}

typedef struct {
    const bundle_info *b;
    char *result;
} async_call;

static void *call_async(void *arg)
{
    async_call *a = arg;
    perf_client *own;
    if (perf_client_new(&own, main_perf.endpoint) != PERF_OK) return NULL;
    perf_task t = {.input = (const uint8_t *)"x", .input_len = 1, .timestamp = PT_README_TS};
    memset(t.task_id, 9, 32);
    perf_result r;
    if (perf_client_execute(own, a->b->id, NULL, 0, &t, &r, NULL) == PERF_OK) {
        a->result = strndup((char *)r.bytes, r.len);
        perf_result_free(&r);
    }
    perf_client_free(own);
    return NULL;
}

static void test_hostile_proc_memory(void)
{
    /* A holds a secret in memory while B, at the same time, looks for other
     * processes in /proc and tries to read their memory and environment. */
    bundle_info a, b;
    pt_file fa = {"handler.py", "import time\nSECRET = 'SECRET-A-' * 1000\ndef handler(x):\n    time.sleep(1.5)\n    return len(SECRET)\n"};
    pt_file fb = {"handler.py",
                  "import os\ndef handler(x):\n    pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
                  "    found = {}\n    for p in pids + list(range(2, 64)):\n"
                  "        for what in ('mem', 'environ', 'cmdline'):\n            try:\n"
                  "                with open(f'/proc/{p}/{what}', 'rb') as f:\n"
                  "                    data = f.read(1 << 16)\n"
                  "                if b'SECRET-A' in data:\n                    found[f'{p}/{what}'] = True\n"
                  "            except OSError:\n                pass\n"
                  "    return {'pids': pids, 'found': found}\n"};
    REQUIRE(pt_bundle("python", &fa, 1, &a, NULL, NULL) == 0);
    REQUIRE(pt_bundle("python", &fb, 1, &b, NULL, NULL) == 0);
    async_call ca = {&a, NULL};
    pthread_t th;
    pthread_create(&th, NULL, call_async, &ca);
    usleep(400000);
    perf_outcome o;
    PT_EXPECT(pt_call_str(&b, "x", &o), o, "{\"payload\":{\"pids\":[1],\"found\":{}},\"error\":null}");
    pthread_join(th, NULL);
    CHECK_STR(ca.result, "{\"payload\":9000,\"error\":null}");
    free(ca.result);
}

/* ------------------------------------------------------------------------ */
/* Hostile bundles                                                            */

static la_ssize_t to_buf(struct archive *a, void *ctx, const void *p, size_t n)
{
    (void)a;
    return eth_buf_append(ctx, p, n) == ETH_OK ? (la_ssize_t)n : -1;
}

/* manifest + index.js + one crafted entry (symlink when target is set, else a file of size bytes of zeros). */
static uint8_t *crafted(const char *name, const char *target, size_t size, size_t *len)
{
    eth_buf b;
    eth_buf_init(&b, 0);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter_gzip(a);
    archive_write_set_bytes_in_last_block(a, 1);
    archive_write_open(a, &b, NULL, to_buf, NULL);
    const char *names[3] = {"manifest.json", "index.js", name};
    const char *data[3] = {"{\"runtime\":\"javascript\"}", "exports.handler = () => 1;", NULL};
    for (int i = 0; i < 3; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, names[i]);
        archive_entry_set_perm(e, 0644);
        if (i == 2 && target) {
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_symlink(e, target);
        } else {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_size(e, (la_int64_t)(data[i] ? strlen(data[i]) : size));
        }
        archive_write_header(a, e);
        if (data[i]) archive_write_data(a, data[i], strlen(data[i]));
        static char zeros[1 << 16];
        for (size_t done = 0; i == 2 && !target && done < size; done += sizeof zeros) archive_write_data(a, zeros, sizeof zeros);
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    *len = b.len;
    return b.data;
}

static void expect_rejected(uint8_t *tar, size_t len, const char *why)
{
    uint8_t id[32];
    bundle_id(id, tar, len);
    perf_task t = {.input = (const uint8_t *)"x", .input_len = 1, .timestamp = 1};
    perf_result r;
    char detail[256] = "";
    CHECK_INT(perf_client_execute(client, id, tar, len, &t, &r, detail), PERF_ERR_BUNDLE);
    CHECK_HAS(detail, why);
    free(tar);
}

static void test_hostile_bundles(void)
{
    size_t len;
    uint8_t *tar = crafted("../../escape.js", NULL, 10, &len);
    expect_rejected(tar, len, "\"..\" in path");
    tar = crafted("root", "/", 0, &len);
    expect_rejected(tar, len, "leads outside the bundle");
    tar = crafted("zeros", NULL, (size_t)16 << 20, &len); /* 16 MiB of zeros: about 16 KiB gzipped; the limit is 8 MiB */
    CHECK(len < (64 << 10));
    expect_rejected(tar, len, "bytes once extracted");
    /* A good bundle sent under another function's id. */
    bundle_info b;
    uint8_t *good;
    REQUIRE(pt_example("js-error", &b, &good, &len) == 0);
    uint8_t wrong[32] = {0xab};
    perf_task t = {.input = (const uint8_t *)"{}", .input_len = 2, .timestamp = 1};
    perf_result r;
    char detail[256] = "";
    CHECK_INT(perf_client_execute(client, wrong, good, len, &t, &r, detail), PERF_ERR_BUNDLE);
    CHECK_HAS(detail, "expected 0xab00000000");
    free(good);
    /* An unknown function without its bundle: ask for it. */
    CHECK_INT(perf_client_execute(client, wrong, NULL, 0, &t, &r, detail), PERF_ERR_BUNDLE_MISSING);
    still_serves();
}

/* ------------------------------------------------------------------------ */
/* Determinism, restarts, concurrency, health, metrics                       */

/* Code that reads /dev/urandom itself, or whose native code seeds from
 * getrandom(2) (CPython's random.Random()), gets the task's stream: the
 * same bytes for the same task, other bytes for another task, bytes of
 * ChaCha20(perf_task_seed) (sandbox.h; computed here by OpenSSL) - at its
 * start in Node.js; CPython's fork handler reseeds `random` from it first.
 * Programs the function runs read it too. */
static void test_urandom_device_per_task(void)
{
    static const char js[] =
        "const fs = require('fs');\n"
        "exports.handler = () => { const b = Buffer.alloc(16), fd = fs.openSync('/dev/urandom', 'r');\n"
        "  fs.readSync(fd, b, 0, 16, null); fs.closeSync(fd); return {dev: b.toString('hex')}; };\n";
    static const char py[] =
        "import os, random, subprocess\n"
        "def handler(x):\n"
        "    with open('/dev/urandom', 'rb', buffering=0) as f:\n"
        "        dev = f.read(16).hex()\n"
        "    sub = subprocess.run(['/usr/bin/head', '-c', '8', '/dev/urandom'], capture_output=True, check=True).stdout\n"
        "    return {'dev': dev, 'r': random.Random().random(), 'g': os.getrandom(4).hex(), 'sub': sub.hex()}\n";
    static uint8_t zeros[SANDBOX_RANDOM_BYTES], stream[SANDBOX_RANDOM_BYTES];
    uint8_t task_id[32], seed[32], iv[16] = {0};
    memset(task_id, 7, 32);
    perf_task_seed(seed, task_id);
    int len = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    REQUIRE(c && EVP_EncryptInit_ex(c, EVP_chacha20(), NULL, seed, iv) == 1 &&
            EVP_EncryptUpdate(c, stream, &len, zeros, sizeof zeros) == 1 && len == (int)sizeof stream);
    EVP_CIPHER_CTX_free(c);
    for (int k = 0; k < 2; k++) {
        bundle_info b;
        pt_file f = {k ? "handler.py" : "index.js", k ? py : js};
        REQUIRE(pt_bundle(k ? "python" : "javascript", &f, 1, &b, NULL, NULL) == 0);
        char *a = pt_call(&b, NULL, 0, "x", 1, 7, PT_README_TS, NULL, NULL);
        char *again = pt_call(&b, NULL, 0, "x", 1, 7, PT_README_TS, NULL, NULL);
        char *other = pt_call(&b, NULL, 0, "x", 1, 8, PT_README_TS, NULL, NULL);
        REQUIRE(a && again && other);
        CHECK_STR(a, again);
        CHECK(strcmp(a, other) != 0);
        CHECK_LACKS(a, "\"error\":\"");
        const char *dev = strstr(a, "\"dev\":\"");
        uint8_t got[16];
        char hex[35] = "0x";
        if (dev) memcpy(hex + 2, dev + 7, 32);
        REQUIRE(dev && eth_hex_decode_exact(got, 16, hex) == ETH_OK);
        const uint8_t *at = memmem(stream, sizeof stream, got, sizeof got);
        CHECK(at != NULL);
        if (k == 0) CHECK(at == stream);
        else CHECK(strstr(a, "\"sub\":\"") && !strstr(a, "\"sub\":\"\"")); /* an exec'd program reads it too */
        free(a);
        free(again);
        free(other);
    }
}

static void test_two_performers_agree(void)
{
    /* The second one listens on a Unix socket. */
    char dir[300], sock[320];
    snprintf(dir, sizeof dir, "%s/../cache2", main_perf.cache);
    snprintf(sock, sizeof sock, "%s/../performer.sock", main_perf.cache);
    REQUIRE(mkdir(dir, 0700) == 0);
    performer second;
    REQUIRE(start(&second, dir, sock) == 0);
    perf_client *c2;
    REQUIRE(perf_client_new(&c2, second.endpoint) == PERF_OK);
    static const pt_file fns[][1] = {
        {{"index.js", "const c = require('crypto');\nexports.handler = (i) => ({i, r: [Math.random(), Math.random()],\n"
                      "  u: c.randomUUID(), b: c.randomBytes(8).toString('hex'), t: new Date().toISOString(),\n"
                      "  dev: (() => { const b = Buffer.alloc(16), fs = require('fs'), fd = fs.openSync('/dev/urandom', 'r');\n"
                      "    fs.readSync(fd, b); fs.closeSync(fd); return b.toString('hex'); })()});\n"}},
        {{"handler.py", "import random, uuid, os, time\ndef handler(i):\n"
                        "    return {'i': i, 'r': [random.random(), random.randint(0, 10**9)], 'u': str(uuid.uuid4()),\n"
                        "            'b': os.urandom(8).hex(), 't': time.time(), 's': sorted({'b', 'a', 'c'}), 'h': hash('x'),\n"
                        "            'mt': random.Random().random(), 'dev': open('/dev/urandom', 'rb').read(16).hex()}\n"}},
        /* Key generation and ECDSA: OpenSSL's own would differ between performers. */
        {{"index.js", "const c = require('crypto'), s = c.webcrypto.subtle, m = Buffer.from('m');\n"
                      "const spki = (k) => k.export({type: 'spki', format: 'der'}).toString('hex');\n"
                      "exports.handler = async () => {\n"
                      "  const ec = c.generateKeyPairSync('ec', {namedCurve: 'P-256'}), ed = c.generateKeyPairSync('ed25519');\n"
                      "  const wc = await s.generateKey({name: 'ECDSA', namedCurve: 'P-384'}, true, ['sign', 'verify']);\n"
                      "  const sig = await s.sign({name: 'ECDSA', hash: 'SHA-384'}, wc.privateKey, m);\n"
                      "  const e = c.createECDH('secp256k1');\n"
                      "  let rsa; try { c.generateKeyPairSync('rsa', {modulusLength: 1024}); rsa = 'made'; } catch (x) { rsa = x.message; }\n"
                      "  return {ec: spki(ec.publicKey), ed: spki(ed.publicKey), ecdh: e.generateKeys('hex'),\n"
                      "    wc: Buffer.from(await s.exportKey('raw', wc.publicKey)).toString('hex'),\n"
                      "    ok: [c.verify('sha256', m, ec.publicKey, c.sign('sha256', m, ec.privateKey)),\n"
                      "         c.verify(null, m, ed.publicKey, c.sign(null, m, ed.privateKey)),\n"
                      "         await s.verify({name: 'ECDSA', hash: 'SHA-384'}, wc.publicKey, sig, m)],\n"
                      "    hmac: c.generateKeySync('hmac', {length: 128}).export().toString('hex'), rsa,\n"
                      "    sig: c.sign('sha256', m, ec.privateKey).toString('hex'), wsig: Buffer.from(sig).toString('hex'),\n"
                      /* RFC 6979 A.2.5: P-256, SHA-256, "sample" (the key as SEC1 DER without its public part). */
                      "    rfc: c.sign('sha256', Buffer.from('sample'), {dsaEncoding: 'ieee-p1363', key: c.createPrivateKey({\n"
                      "      format: 'der', type: 'sec1', key: Buffer.from('30310201010420c9afa9d845ba75166b5c215767b1d6934e50c3db36e8'\n"
                      "        + '9b127b8a622b120f6721a00a06082a8648ce3d030107', 'hex')})}).toString('hex')};\n"
                      "};\n"}},
    };
    const char *runtimes[] = {"javascript", "python", "javascript"};
    for (int k = 0; k < 4; k++) {
        bundle_info b;
        uint8_t *tar;
        size_t n;
        REQUIRE((k == 3 ? pt_example("js-hello", &b, &tar, &n) : pt_bundle(runtimes[k], fns[k], 1, &b, &tar, &n)) == 0);
        perf_task t = {.input = (const uint8_t *)"Hello, World!", .input_len = 13, .timestamp = PT_README_TS};
        memset(t.task_id, 0x42, 32);
        perf_result r1, r2;
        /* The second performer gets the bundle with the call, as an executor sends it. */
        REQUIRE(perf_client_execute(client, b.id, NULL, 0, &t, &r1, NULL) == PERF_OK);
        REQUIRE(perf_client_execute(c2, b.id, tar, n, &t, &r2, NULL) == PERF_OK);
        CHECK(r1.len == r2.len && memcmp(r1.bytes, r2.bytes, r1.len) == 0);
        CHECK_INT(r1.outcome, PERF_OUTCOME_OK);
        if (k == 2) {
            char *text = strndup((const char *)r1.bytes, r1.len);
            CHECK_HAS(text, "\"ok\":[true,true,true]");
            CHECK_HAS(text, "\"rsa\":\"rsa key generation is not available in FaaS AVS functions");
            CHECK_HAS(text, "\"rfc\":\"efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
                            "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8\"");
            /* Another task, other keys. */
            perf_result r3;
            t.task_id[0] ^= 1;
            REQUIRE(perf_client_execute(client, b.id, NULL, 0, &t, &r3, NULL) == PERF_OK);
            char *other = strndup((const char *)r3.bytes, r3.len);
            json_t *j1 = json_loads(text, 0, NULL), *j3 = json_loads(other, 0, NULL);
            const char *keys[] = {"ec", "ed", "ecdh", "wc", "hmac", "sig", "wsig"};
            for (size_t i = 0; i < 7; i++) {
                const char *a = json_string_value(json_object_get(json_object_get(j1, "payload"), keys[i]));
                const char *o = json_string_value(json_object_get(json_object_get(j3, "payload"), keys[i]));
                CHECK(a && o && strcmp(a, o) != 0);
            }
            json_decref(j1);
            json_decref(j3);
            free(text);
            free(other);
            perf_result_free(&r3);
        }
        perf_result_free(&r1);
        perf_result_free(&r2);
        free(tar);
    }
    perf_client_free(c2);
    test_kill(second.pid);
}

/* Pids of the zygotes: the performer's children running runner.<ext>. */
static pid_t zygote_pid(const char *runner)
{
    char path[128], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/task", (int)main_perf.pid);
    DIR *d = opendir(path);
    pid_t found = -1;
    for (struct dirent *de; d && found < 0 && (de = readdir(d));) {
        snprintf(path, sizeof path, "/proc/%d/task/%.32s/children", (int)main_perf.pid, de->d_name);
        FILE *f = fopen(path, "r");
        for (int pid; f && fscanf(f, "%d", &pid) == 1;) {
            snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
            int fd = open(path, O_RDONLY);
            ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
            if (fd >= 0) close(fd);
            for (ssize_t i = 0; i < n; i++) buf[i] = buf[i] ? buf[i] : ' ';
            if (n > 0 && (buf[n] = '\0', strstr(buf, runner))) found = pid;
        }
        if (f) fclose(f);
    }
    if (d) closedir(d);
    return found;
}

static void test_zygote_restart(void)
{
    pid_t z = zygote_pid("runner.js");
    REQUIRE(z > 0);
    kill(z, SIGKILL);
    still_serves(); /* waits for the restarted zygote */
    long status;
    char *health = NULL;
    CHECK_INT(perf_client_get(client, "/health", &status, &health), PERF_OK);
    CHECK_INT(status, 200);
    CHECK_HAS(health, "\"javascript\":{\"ready\":true,\"version\":\"node v");
    CHECK_HAS(health, "\"restarts\":1");
    free(health);
    CHECK(zygote_pid("runner.js") > 0 && zygote_pid("runner.js") != z);
}

typedef struct {
    int python;
    int ok;
} burst_arg;

/* 25 calls of the README's hello example in one runtime, each checked. */
static void *burst(void *arg)
{
    burst_arg *a = arg;
    static const char *const want[2] = {
        "{\"payload\":{\"message\":\"Hello from FaaS!\",\"input\":\"hi\",\"timestamp\":\"2025-01-01T12:00:00.000Z\"},\"error\":null}",
        "{\"payload\":{\"result\":{\"message\":\"Echo from Python: hi\",\"language\":\"python\"},"
        "\"logs\":[\"Python function called with: hi\"]},\"error\":null}",
    };
    perf_client *own;
    bundle_info b;
    if (perf_client_new(&own, main_perf.endpoint) != PERF_OK ||
        pt_example(a->python ? "python-hello" : "js-hello", &b, NULL, NULL) != 0)
        return NULL;
    for (int i = 0; i < 25; i++) {
        perf_task t = {.input = (const uint8_t *)"hi", .input_len = 2, .timestamp = PT_README_TS};
        perf_result r;
        char detail[256] = "";
        perf_err e = perf_client_execute(own, b.id, NULL, 0, &t, &r, detail);
        if (e != PERF_OK) {
            fprintf(stderr, "  burst: %s: %s\n", perf_strerror(e), detail);
            continue;
        }
        if (r.len == strlen(want[a->python]) && memcmp(r.bytes, want[a->python], r.len) == 0)
            a->ok++;
        else
            fprintf(stderr, "  burst: %.*s\n", (int)r.len, (char *)r.bytes);
        perf_result_free(&r);
    }
    perf_client_free(own);
    return NULL;
}

/* More callers than stems: jobs go both to stems and to children forked
 * on the spot, in both runtimes at once. */
static void test_concurrent_calls(void)
{
    pthread_t th[8];
    burst_arg a[8];
    for (int i = 0; i < 8; i++) {
        a[i] = (burst_arg){.python = i & 1};
        pthread_create(&th[i], NULL, burst, &a[i]);
    }
    int total = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        total += a[i].ok;
    }
    CHECK_INT(total, 200);
}

static void test_health_and_metrics(void)
{
    long status;
    char *body = NULL;
    CHECK_INT(perf_client_get(client, "/health", &status, &body), PERF_OK);
    CHECK_INT(status, 200);
    CHECK_HAS(body, "\"status\":\"ok\"");
    CHECK_HAS(body, "\"python\":{\"ready\":true,\"version\":\"python 3.");
    free(body);
    CHECK_INT(perf_client_get(client, "/metrics", &status, &body), PERF_OK);
    CHECK_INT(status, 200);
    CHECK_HAS(body, "# TYPE performer_invocations_total counter");
    CHECK_HAS(body, "performer_invocations_total{runtime=\"javascript\",outcome=\"memory\"} 2");
    CHECK_HAS(body, "performer_invocations_total{runtime=\"python\",outcome=\"timeout\"} ");
    CHECK_HAS(body, "# TYPE performer_invocation_duration_seconds histogram");
    CHECK_HAS(body, "performer_invocation_duration_seconds_bucket{runtime=\"javascript\",le=\"+Inf\"} ");
    CHECK_HAS(body, "performer_cold_starts_total{runtime=\"python\"} ");
    CHECK_HAS(body, "performer_warm_starts_total{runtime=\"javascript\"} ");
    CHECK_HAS(body, "performer_bundles_rejected_total 4");
    CHECK_HAS(body, "performer_errors_total{reason=\"bundle not cached: send it with the request\"} 1");
    CHECK_HAS(body, "performer_runtime_restarts_total{runtime=\"javascript\"} 1");
    free(body);
    CHECK_INT(perf_client_get(client, "/nope", &status, &body), PERF_OK);
    CHECK_INT(status, 404);
    free(body);
}

static void test_bad_requests(void)
{
    perf_task t = {.timestamp = 1};
    perf_result r;
    char detail[256] = "";
    perf_client *bad;
    REQUIRE(perf_client_new(&bad, "127.0.0.1:1") == PERF_OK);
    CHECK_INT(perf_client_execute(bad, t.task_id, NULL, 0, &t, &r, detail), PERF_ERR_TRANSPORT);
    perf_client_free(bad);
    uint8_t tar[] = "junk";
    CHECK_INT(perf_client_put_bundle(client, tar, 4, detail), PERF_ERR_BUNDLE);
    CHECK_HAS(detail, "gzip");
}

static void test_cleanup(void)
{
    perf_client_free(client);
    test_kill(main_perf.pid);
    unlink(key_path);
    pt_cleanup();
}

static const struct test_case cases[] = {
    TEST(setup), PT_SHARED_CASES,
    TEST(hostile_read_secrets), TEST(hostile_write_outside_tmp), TEST(hostile_tmp_and_globals_do_not_persist),
    TEST(hostile_fork_bomb), TEST(hostile_memory), TEST(hostile_output_flood), TEST(hostile_network),
    TEST(hostile_kill_and_ptrace), TEST(hostile_proc_memory), TEST(hostile_bundles),
    TEST(urandom_device_per_task), TEST(two_performers_agree), TEST(zygote_restart), TEST(concurrent_calls), TEST(health_and_metrics),
    TEST(bad_requests), TEST(cleanup),
};

int main(int argc, char **argv)
{
    return test_main(cases, TEST_COUNT(cases), argc, argv);
}
