/* harness.c - see harness.h. The expected envelopes of the README cases are
 * the seed README's own (Function Result, Logging, Error Handling); log
 * lines are what Node's console.log / Python's print write for the value. */
#include "harness.h"

#include <ftw.h>
#include <jansson.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

pt_exec_fn pt_exec;

static char workdir[] = "/tmp/faas-perf-test-XXXXXX";
static bundle_cache *cache;
static int serial;

bundle_cache *pt_cache(void)
{
    if (!cache) {
        char dir[64];
        if (!mkdtemp(workdir)) return NULL;
        snprintf(dir, sizeof dir, "%s/cache", workdir);
        if (bundle_cache_open(&cache, dir, NULL) != BUNDLE_OK) return NULL;
    }
    return cache;
}

static int rm_cb(const char *p, const struct stat *s, int t, struct FTW *f)
{
    (void)s, (void)t, (void)f;
    return remove(p);
}

void pt_cleanup(void)
{
    if (cache) bundle_cache_close(cache);
    cache = NULL;
    if (workdir[sizeof workdir - 2] != 'X') nftw(workdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static int add_dir(const char *dir, bundle_info *out, uint8_t **tar, size_t *tar_len)
{
    uint8_t *bytes;
    size_t n;
    char detail[BUNDLE_DETAIL_MAX] = "";
    bundle_err err = bundle_pack_dir(dir, NULL, &bytes, &n, detail);
    if (!err) err = bundle_cache_add(pt_cache(), bytes, n, NULL, out, NULL, detail);
    if (err) {
        fprintf(stderr, "  bundle %s: %s: %s\n", dir, bundle_strerror(err), detail);
        return -1;
    }
    if (tar) {
        *tar = bytes;
        *tar_len = n;
    } else {
        free(bytes);
    }
    return 0;
}

/* Writes dir/name, making its parent directories. */
static void put(const char *dir, const char *name, const char *content)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    for (char *slash = strchr(p + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(p, 0700);
        *slash = '/';
    }
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(content, f);
        fclose(f);
    }
}

int pt_bundle(const char *runtime, const pt_file *files, size_t n, bundle_info *out, uint8_t **tar, size_t *tar_len)
{
    if (!pt_cache()) return -1;
    char dir[128], manifest[64];
    snprintf(dir, sizeof dir, "%s/src%d", workdir, serial++);
    mkdir(dir, 0700);
    snprintf(manifest, sizeof manifest, "{\"runtime\":\"%s\"}", runtime);
    put(dir, "manifest.json", manifest);
    for (size_t i = 0; i < n; i++) put(dir, files[i].name, files[i].content);
    return add_dir(dir, out, tar, tar_len);
}

int pt_example(const char *name, bundle_info *out, uint8_t **tar, size_t *tar_len)
{
    if (!pt_cache()) return -1;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/examples/%s", test_root(), name);
    return add_dir(dir, out, tar, tar_len);
}

char *pt_call(const bundle_info *b, const uint8_t *tar, size_t tar_len, const void *input, size_t n, uint8_t task,
              uint64_t ts, const perf_limits *lim, perf_outcome *outcome)
{
    perf_task t = {.input = input, .input_len = n, .timestamp = ts};
    memset(t.task_id, task, sizeof t.task_id);
    if (lim) t.limits = *lim;
    perf_result r;
    perf_err err = pt_exec(b, tar, tar_len, &t, &r);
    if (err) {
        fprintf(stderr, "  call failed: %s\n", perf_strerror(err));
        return NULL;
    }
    char *s = malloc(r.len + 1);
    if (s) {
        memcpy(s, r.bytes, r.len);
        s[r.len] = '\0';
    }
    if (outcome) *outcome = r.outcome;
    perf_result_free(&r);
    return s;
}

char *pt_call_str(const bundle_info *b, const char *input, perf_outcome *outcome)
{
    return pt_call(b, NULL, 0, input, strlen(input), 1, PT_README_TS, NULL, outcome);
}

char *pt_run(const char *runtime, const char *code, const char *input, perf_outcome *outcome)
{
    bundle_info b;
    pt_file f = {strcmp(runtime, "python") == 0 ? "handler.py" : "index.js", code};
    if (pt_bundle(runtime, &f, 1, &b, NULL, NULL) != 0) return NULL;
    return pt_call_str(&b, input, outcome);
}

void pt_expect(const char *file, int line, char *result, const perf_outcome *got, const char *want)
{
    /* The outcome an envelope implies (exec.c's messages for each). */
    perf_outcome o = PERF_OUTCOME_OK;
    if (!strstr(want, "\"error\":null")) o = PERF_OUTCOME_ERROR;
    if (strstr(want, "\"error\":\"Task timeout")) o = PERF_OUTCOME_TIMEOUT;
    if (strstr(want, "\"error\":\"Memory limit exceeded")) o = PERF_OUTCOME_MEMORY;
    if (strstr(want, "\"error\":\"Output limit exceeded")) o = PERF_OUTCOME_LIMIT;
    if (!result || strcmp(result, want) != 0)
        test_fail(file, line, "result\n    %s\n  expected\n    %s", result ? result : "(none)", want);
    else if (*got != o)
        test_fail(file, line, "outcome %s, expected %s", perf_outcome_name(*got), perf_outcome_name(o));
    free(result);
}

/* The error string of an envelope (caller frees), for prefix checks. */
static char *error_of(char *result)
{
    json_t *j = result ? json_loads(result, 0, NULL) : NULL;
    const char *e = json_string_value(json_object_get(j, "error"));
    char *s = strdup(e ? e : "(no error)");
    json_decref(j);
    free(result);
    return s;
}

#define EXPECT_ERROR_PREFIX(result, prefix) do { \
        char *e_ = error_of(result); \
        if (strncmp(e_, prefix, strlen(prefix)) != 0) test_fail(__FILE__, __LINE__, "error \"%s\" lacks prefix \"%s\"", e_, prefix); \
        free(e_); \
    } while (0)

/* ------------------------------------------------------------------------ */
/* The seed README's examples                                                 */

void test_readme_js_hello(void)
{
    bundle_info b;
    REQUIRE(pt_example("js-hello", &b, NULL, NULL) == 0);
    perf_outcome o = PERF_OUTCOME__COUNT;
    /* README "Call a Function": input "Hello, World!", and its Function Result. */
    PT_EXPECT(pt_call_str(&b, "Hello, World!", &o), o,
              "{\"payload\":{\"message\":\"Hello from FaaS!\",\"input\":\"Hello, World!\","
              "\"timestamp\":\"2025-01-01T12:00:00.000Z\"},\"error\":null}");
}

void test_readme_js_advanced(void)
{
    bundle_info b;
    REQUIRE(pt_example("js-advanced", &b, NULL, NULL) == 0);
    perf_outcome o = PERF_OUTCOME__COUNT;
    PT_EXPECT(pt_call_str(&b, "{\"text\":\"hi\"}", &o), o,
              "{\"payload\":{\"result\":{\"result\":\"Processed: hi\"},"
              "\"logs\":[\"Function called with: { text: 'hi' }\"]},\"error\":null}");
    PT_EXPECT(pt_call_str(&b, "plain text", &o), o,
              "{\"payload\":{\"result\":{\"echo\":\"plain text\"},"
              "\"logs\":[\"Function called with: plain text\"]},\"error\":null}");
    /* The README's Logging example: Date objects log in ISO form. */
    const pt_file f = {"index.js",
                       "exports.handler = async function(input) {\n"
                       "    console.log(\"Processing request:\", input);\n"
                       "    console.log(\"Current time:\", new Date());\n"
                       "    return { status: \"completed\" };\n};\n"};
    REQUIRE(pt_bundle("javascript", &f, 1, &b, NULL, NULL) == 0);
    PT_EXPECT(pt_call_str(&b, "Hello", &o), o,
              "{\"payload\":{\"result\":{\"status\":\"completed\"},\"logs\":[\"Processing request: Hello\","
              "\"Current time: 2025-01-01T12:00:00.000Z\"]},\"error\":null}");
}

void test_readme_python(void)
{
    bundle_info b;
    REQUIRE(pt_example("python-hello", &b, NULL, NULL) == 0);
    perf_outcome o = PERF_OUTCOME__COUNT;
    PT_EXPECT(pt_call_str(&b, "{\"name\":\"Alice\"}", &o), o,
              "{\"payload\":{\"result\":{\"message\":\"Hello, Alice! This is from Python.\",\"language\":\"python\","
              "\"input\":{\"name\":\"Alice\"}},\"logs\":[\"Python function called with: {'name': 'Alice'}\"]},"
              "\"error\":null}");
    PT_EXPECT(pt_call_str(&b, "World", &o), o,
              "{\"payload\":{\"result\":{\"message\":\"Echo from Python: World\",\"language\":\"python\"},"
              "\"logs\":[\"Python function called with: World\"]},\"error\":null}");
}

void test_readme_error(void)
{
    bundle_info b;
    REQUIRE(pt_example("js-error", &b, NULL, NULL) == 0);
    perf_outcome o = PERF_OUTCOME__COUNT;
    /* README "Error Handling": exactly this envelope. */
    PT_EXPECT(pt_call_str(&b, "{}", &o), o, "{\"payload\":null,\"error\":\"Name is required\"}");
    PT_EXPECT(pt_call_str(&b, "{\"name\":\"Bob\"}", &o), o, "{\"payload\":{\"greeting\":\"Hello, Bob!\"},\"error\":null}");
}

/* Checks the "result" and log lines of a payload-with-logs envelope. */
static void expect_logged(char *result, const char *want_result, size_t nlogs, const char *const *log_prefixes)
{
    json_t *j = result ? json_loads(result, JSON_ALLOW_NUL, NULL) : NULL;
    json_t *payload = json_object_get(j, "payload"), *logs = json_object_get(payload, "logs");
    char *got = json_dumps(json_object_get(payload, "result"), JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    if (!got || strcmp(got, want_result) != 0) test_fail(__FILE__, __LINE__, "result %s, expected %s (%s)", got, want_result, result);
    CHECK(json_is_null(json_object_get(j, "error")));
    CHECK_INT(json_array_size(logs), nlogs);
    for (size_t i = 0; i < nlogs && i < json_array_size(logs); i++) {
        const char *line = json_string_value(json_array_get(logs, i));
        if (!line || strncmp(line, log_prefixes[i], strlen(log_prefixes[i])) != 0)
            test_fail(__FILE__, __LINE__, "log line \"%s\" lacks prefix \"%s\"", line, log_prefixes[i]);
    }
    free(got);
    json_decref(j);
    free(result);
}

void test_readme_binary_input(void)
{
    static const uint8_t bin[] = {0xff, 0x00, 0x01, 0x02}; /* not UTF-8 */
    bundle_info b;
    REQUIRE(pt_example("js-advanced", &b, NULL, NULL) == 0);
    /* The README's advanced example tests input.text before input.raw, and
     * binary input has a text (SPEC §3), so it takes its "JSON input" branch. */
    const char *js_logs[] = {"Function called with: { raw: <Buffer ff 00 01 02>, text: '\xef\xbf\xbd\\x00\\x01\\x02', size: 4 }"};
    expect_logged(pt_call(&b, NULL, 0, bin, sizeof bin, 1, PT_README_TS, NULL, NULL),
                  "{\"result\":\"Processed: \xef\xbf\xbd\\u0000\\u0001\\u0002\"}", 1, js_logs);
    REQUIRE(pt_example("python-hello", &b, NULL, NULL) == 0);
    const char *py_logs[] = {"Python function called with: {'raw': b'\\xff\\x00\\x01\\x02', 'text': '\xef\xbf\xbd\\x00\\x01\\x02', 'size': 4}"};
    expect_logged(pt_call(&b, NULL, 0, bin, sizeof bin, 1, PT_README_TS, NULL, NULL),
                  "{\"message\":\"Processed binary data with Python\",\"size\":4,\"type\":\"binary\"}", 1, py_logs);
    /* The README's Input Handling example, for all three kinds of input. */
    const pt_file f = {"index.js",
                       "exports.handler = async function(input) {\n"
                       "    if (typeof input === 'string') {\n"
                       "        return { type: 'string', value: input };\n"
                       "    } else if (input && input.raw) {\n"
                       "        return { type: 'binary', size: input.raw.length, text: input.text };\n"
                       "    } else {\n"
                       "        return { type: 'json', data: input };\n"
                       "    }\n};\n"};
    REQUIRE(pt_bundle("javascript", &f, 1, &b, NULL, NULL) == 0);
    perf_outcome o = PERF_OUTCOME__COUNT;
    PT_EXPECT(pt_call(&b, NULL, 0, bin, sizeof bin, 1, PT_README_TS, NULL, &o), o,
              "{\"payload\":{\"type\":\"binary\",\"size\":4,\"text\":\"\xef\xbf\xbd\\u0000\\u0001\\u0002\"},\"error\":null}");
    PT_EXPECT(pt_call_str(&b, "{\"a\":[1,2]}", &o), o, "{\"payload\":{\"type\":\"json\",\"data\":{\"a\":[1,2]}},\"error\":null}");
    PT_EXPECT(pt_call_str(&b, "hi", &o), o, "{\"payload\":{\"type\":\"string\",\"value\":\"hi\"},\"error\":null}");
}

/* ------------------------------------------------------------------------ */
/* The envelope's failure cases                                               */

void test_envelope_failures_js(void)
{
    perf_outcome o = PERF_OUTCOME__COUNT;
    EXPECT_ERROR_PREFIX(pt_run("javascript", "exports.handler = async function( {\n", "x", &o),
                        "Failed to load index.js: SyntaxError: ");
    CHECK_INT(o, PERF_OUTCOME_ERROR);
    PT_EXPECT(pt_run("javascript", "throw new Error('boom at load');\n", "x", &o), o,
              "{\"payload\":null,\"error\":\"Failed to load index.js: Error: boom at load\"}");
    PT_EXPECT(pt_run("javascript", "exports.other = 1;\n", "x", &o), o,
              "{\"payload\":null,\"error\":\"index.js does not export a function named handler\"}");
    PT_EXPECT(pt_run("javascript", "exports.handler = () => 1n;\n", "x", &o), o,
              "{\"payload\":null,\"error\":\"Result is not JSON-serialisable: Do not know how to serialize a BigInt\"}");
    EXPECT_ERROR_PREFIX(pt_run("javascript", "exports.handler = () => { const a = {}; a.a = a; return a; };\n", "x", &o),
                        "Result is not JSON-serialisable: Converting circular structure to JSON");
    PT_EXPECT(pt_run("javascript", "exports.handler = () => { throw 'plain'; };\n", "x", &o), o,
              "{\"payload\":null,\"error\":\"plain\"}");
    PT_EXPECT(pt_run("javascript", "exports.handler = () => { console.log('before'); throw new Error('after'); };\n", "x", &o),
              o, "{\"payload\":{\"result\":null,\"logs\":[\"before\"]},\"error\":\"after\"}");
    PT_EXPECT(pt_run("javascript", "exports.handler = () => process.exit(3);\n", "x", &o), o,
              "{\"payload\":null,\"error\":\"Function called process.exit(3)\"}");
    PT_EXPECT(pt_run("javascript", "exports.handler = () => new Promise(() => {});\n", "x", &o), o,
              "{\"payload\":null,\"error\":\"Handler returned a promise that never settled\"}");
    PT_EXPECT(pt_run("javascript", "exports.handler = () => new Promise(() => setTimeout(() => { throw new Error('late'); }, 1));\n",
                     "x", &o), o, "{\"payload\":null,\"error\":\"late\"}");
    PT_EXPECT(pt_run("javascript", "exports.handler = function () {};\n", "x", &o), o, "{\"payload\":null,\"error\":null}");
}

void test_envelope_failures_python(void)
{
    perf_outcome o = PERF_OUTCOME__COUNT;
    EXPECT_ERROR_PREFIX(pt_run("python", "def handler(x)\n    return 1\n", "x", &o), "Failed to load handler.py: SyntaxError: ");
    PT_EXPECT(pt_run("python", "x = 1\n", "x", &o), o,
              "{\"payload\":null,\"error\":\"handler.py does not define a function named handler\"}");
    PT_EXPECT(pt_run("python", "def handler(x):\n    raise ValueError('bad input')\n", "x", &o), o,
              "{\"payload\":null,\"error\":\"bad input\"}");
    PT_EXPECT(pt_run("python", "def handler(x):\n    return {'b': b'x'}\n", "x", &o), o,
              "{\"payload\":null,\"error\":\"Result is not JSON-serialisable: Object of type bytes is not JSON serializable\"}");
    PT_EXPECT(pt_run("python", "import sys\ndef handler(x):\n    sys.exit(2)\n", "x", &o), o,
              "{\"payload\":null,\"error\":\"Function called sys.exit(2)\"}");
    PT_EXPECT(pt_run("python", "def handler(x):\n    print('before')\n    raise RuntimeError('after')\n", "x", &o), o,
              "{\"payload\":{\"result\":null,\"logs\":[\"before\"]},\"error\":\"after\"}");
    PT_EXPECT(pt_run("python", "def handler(x):\n    pass\n", "x", &o), o, "{\"payload\":null,\"error\":null}");
    PT_EXPECT(pt_run("python", "async def handler(x):\n    return 7\n", "x", &o), o, "{\"payload\":7,\"error\":null}");
    PT_EXPECT(pt_run("python", "import helper\ndef handler(x):\n    return helper.VALUE\n", "x", &o), o,
              "{\"payload\":null,\"error\":\"Failed to load handler.py: ModuleNotFoundError: No module named 'helper'\"}");
}

void test_input_decoding(void)
{
    static const char js[] = "exports.handler = (i) => i && i.raw ? {raw: i.raw.toString('hex'), size: i.size} : {t: typeof i, v: i};\n";
    static const char py[] = "def handler(i):\n"
                             "    if isinstance(i, dict) and 'raw' in i:\n"
                             "        return {'raw': i['raw'].hex(), 'size': i['size']}\n"
                             "    return {'t': type(i).__name__, 'v': i}\n";
    bundle_info bjs, bpy;
    pt_file fjs = {"index.js", js}, fpy = {"handler.py", py};
    REQUIRE(pt_bundle("javascript", &fjs, 1, &bjs, NULL, NULL) == 0);
    REQUIRE(pt_bundle("python", &fpy, 1, &bpy, NULL, NULL) == 0);
    perf_outcome o = PERF_OUTCOME__COUNT;
    PT_EXPECT(pt_call_str(&bjs, "42", &o), o, "{\"payload\":{\"t\":\"number\",\"v\":42},\"error\":null}");
    PT_EXPECT(pt_call_str(&bpy, "42", &o), o, "{\"payload\":{\"t\":\"int\",\"v\":42},\"error\":null}");
    PT_EXPECT(pt_call_str(&bjs, " [1, \"a\"] ", &o), o, "{\"payload\":{\"t\":\"object\",\"v\":[1,\"a\"]},\"error\":null}");
    PT_EXPECT(pt_call_str(&bpy, " [1, \"a\"] ", &o), o, "{\"payload\":{\"t\":\"list\",\"v\":[1,\"a\"]},\"error\":null}");
    PT_EXPECT(pt_call_str(&bjs, "\"quoted\"", &o), o, "{\"payload\":{\"t\":\"string\",\"v\":\"quoted\"},\"error\":null}");
    PT_EXPECT(pt_call_str(&bpy, "NaN", &o), o, "{\"payload\":{\"t\":\"str\",\"v\":\"NaN\"},\"error\":null}");
    PT_EXPECT(pt_call_str(&bjs, "", &o), o, "{\"payload\":{\"t\":\"string\",\"v\":\"\"},\"error\":null}");
    PT_EXPECT(pt_call_str(&bpy, "", &o), o, "{\"payload\":{\"t\":\"str\",\"v\":\"\"},\"error\":null}");
    PT_EXPECT(pt_call_str(&bjs, "caf\xc3\xa9", &o), o, "{\"payload\":{\"t\":\"string\",\"v\":\"caf\xc3\xa9\"},\"error\":null}");
    static const uint8_t bad[] = {'a', 0xc3, 0x28}; /* a broken two-byte sequence */
    PT_EXPECT(pt_call(&bjs, NULL, 0, bad, 3, 1, PT_README_TS, NULL, &o), o, "{\"payload\":{\"raw\":\"61c328\",\"size\":3},\"error\":null}");
    PT_EXPECT(pt_call(&bpy, NULL, 0, bad, 3, 1, PT_README_TS, NULL, &o), o, "{\"payload\":{\"raw\":\"61c328\",\"size\":3},\"error\":null}");
}

void test_logs_capped(void)
{
    perf_limits lim = {.max_log_lines = 5};
    bundle_info b;
    perf_outcome o = PERF_OUTCOME__COUNT;
    pt_file js = {"index.js", "exports.handler = () => { for (let i = 0; i < 100000; i++) console.log(i); return 'done'; };\n"};
    REQUIRE(pt_bundle("javascript", &js, 1, &b, NULL, NULL) == 0);
    PT_EXPECT(pt_call(&b, NULL, 0, "x", 1, 1, PT_README_TS, &lim, &o), o,
              "{\"payload\":{\"result\":\"done\",\"logs\":[\"0\",\"1\",\"2\",\"3\",\"4\","
              "\"[99995 more log lines dropped: limit 5 lines, 65536 bytes]\"]},\"error\":null}");
    pt_file py = {"handler.py", "def handler(x):\n    for i in range(100000):\n        print(i)\n    return 'done'\n"};
    REQUIRE(pt_bundle("python", &py, 1, &b, NULL, NULL) == 0);
    PT_EXPECT(pt_call(&b, NULL, 0, "x", 1, 1, PT_README_TS, &lim, &o), o,
              "{\"payload\":{\"result\":\"done\",\"logs\":[\"0\",\"1\",\"2\",\"3\",\"4\","
              "\"[99995 more log lines dropped: limit 5 lines, 65536 bytes]\"]},\"error\":null}");
    /* stdout and stderr writes, partial lines and console.error interleave. */
    PT_EXPECT(pt_run("javascript",
                     "exports.handler = () => { process.stdout.write('a'); process.stderr.write('b\\nc'); "
                     "console.error('d'); console.warn('e'); return 1; };\n", "x", &o), o,
              "{\"payload\":{\"result\":1,\"logs\":[\"ab\",\"cd\",\"e\"]},\"error\":null}");
    PT_EXPECT(pt_run("python", "import sys\ndef handler(x):\n    sys.stdout.write('a')\n    sys.stderr.write('b\\nc')\n"
                     "    print('d', file=sys.stderr)\n    return 1\n", "x", &o), o,
              "{\"payload\":{\"result\":1,\"logs\":[\"ab\",\"cd\"]},\"error\":null}");
}

void test_deterministic_clock_and_random(void)
{
    static const char js[] =
        "const crypto = require('crypto');\n"
        "exports.handler = () => ({b: crypto.randomBytes(4).toString('hex'), now: Date.now(),\n"
        "  iso: new Date().toISOString(), str: Date(), r: Math.random(), u: crypto.randomUUID(),\n"
        "  g: Array.from(crypto.getRandomValues(new Uint8Array(2))), i: crypto.randomInt(1000),\n"
        "  fmt: new Intl.DateTimeFormat('en-US', {timeZone: 'UTC'}).format()});\n";
    static const char py[] =
        "import datetime, os, random, secrets, time, uuid\n"
        "def handler(x):\n"
        "    return {'now': time.time(), 'iso': datetime.datetime.now(datetime.timezone.utc).isoformat(),\n"
        "            'b': os.urandom(4).hex(), 'r': random.random(), 'u': str(uuid.uuid4()), 's': secrets.token_hex(2),\n"
        "            'today': datetime.date.today().isoformat(), 'inst': isinstance(datetime.datetime.now(), datetime.datetime),\n"
        "            'gm': time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())}\n";
    bundle_info bjs, bpy;
    pt_file fjs = {"index.js", js}, fpy = {"handler.py", py};
    REQUIRE(pt_bundle("javascript", &fjs, 1, &bjs, NULL, NULL) == 0);
    REQUIRE(pt_bundle("python", &fpy, 1, &bpy, NULL, NULL) == 0);
    const bundle_info *bs[2] = {&bjs, &bpy};
    /* The first random bytes are SHA-256(seed || 0^8), by OpenSSL here. */
    uint8_t task_id[32], seed[32], block[40] = {0}, digest[32];
    memset(task_id, 7, 32);
    perf_task_seed(seed, task_id);
    memcpy(block, seed, 32);
    SHA256(block, sizeof block, digest);
    char want_b[32];
    snprintf(want_b, sizeof want_b, "\"b\":\"%02x%02x%02x%02x\"", digest[0], digest[1], digest[2], digest[3]);
    for (int k = 0; k < 2; k++) {
        char *a = pt_call(bs[k], NULL, 0, "x", 1, 7, PT_README_TS, NULL, NULL);
        char *again = pt_call(bs[k], NULL, 0, "x", 1, 7, PT_README_TS, NULL, NULL);
        char *other = pt_call(bs[k], NULL, 0, "x", 1, 8, PT_README_TS, NULL, NULL);
        REQUIRE(a && again && other);
        CHECK_STR(a, again);
        CHECK(strcmp(a, other) != 0);
        if (!strstr(a, want_b)) test_fail(__FILE__, __LINE__, "%s lacks %s", a, want_b);
        if (k == 0) {
            CHECK(strstr(a, "\"now\":1735732800000,\"iso\":\"2025-01-01T12:00:00.000Z\","
                            "\"str\":\"Wed Jan 01 2025 12:00:00 GMT+0000 (Coordinated Universal Time)\"") != NULL);
            CHECK(strstr(a, "\"fmt\":\"1/1/2025\"") != NULL);
        } else {
            CHECK(strstr(a, "\"now\":1735732800,\"iso\":\"2025-01-01T12:00:00+00:00\"") != NULL);
            CHECK(strstr(a, "\"today\":\"2025-01-01\",\"inst\":true,\"gm\":\"2025-01-01 12:00:00\"") != NULL);
        }
        free(a);
        free(again);
        free(other);
    }
}

void test_same_json_from_both_runtimes(void)
{
    char *js = pt_run("javascript",
                      "exports.handler = () => ({a: 1, b: 1.5, c: [1e21, 1e-7, 0.1, -0, 123456789012345680000, 2 ** 60],\n"
                      "  d: 'caf\\u00e9\\u2028\\n\\u0001\"\\\\', e: null, f: true, g: {x: [], y: {}}, h: NaN, s: '\\ud800'});\n",
                      "x", NULL);
    char *py = pt_run("python",
                      "def handler(x):\n"
                      "    return {'a': 1.0, 'b': 1.5, 'c': [1e21, 1e-7, 0.1, -0.0, 123456789012345680000.0, float(2 ** 60)],\n"
                      "            'd': 'caf\\u00e9\\u2028\\n\\u0001\"\\\\', 'e': None, 'f': True, 'g': {'x': [], 'y': {}},\n"
                      "            'h': float('nan'), 's': '\\ud800'}\n",
                      "x", NULL);
    REQUIRE(js && py);
    CHECK_STR(py, js);
    CHECK_STR(js, "{\"payload\":{\"a\":1,\"b\":1.5,\"c\":[1e+21,1e-7,0.1,0,123456789012345680000,1152921504606847000],"
                  "\"d\":\"caf\xc3\xa9\xe2\x80\xa8\\n\\u0001\\\"\\\\\",\"e\":null,\"f\":true,\"g\":{\"x\":[],\"y\":{}},\"h\":null,"
                  "\"s\":\"\\ud800\"},\"error\":null}");
    free(js);
    free(py);
}

void test_bundled_dependencies(void)
{
    /* As the CLI bundles them: node_modules beside index.js (npm install),
     * packages beside handler.py (pip install --target). */
    static const pt_file js[] = {
        {"index.js", "const greet = require('greet');\nexports.handler = (name) => greet(name);\n"},
        {"node_modules/greet/package.json", "{\"name\":\"greet\",\"main\":\"lib/main.js\"}"},
        {"node_modules/greet/lib/main.js", "module.exports = (n) => `Hello, ${n}!`;\n"},
    };
    static const pt_file py[] = {
        {"handler.py", "from greeting import hello\nimport helper\ndef handler(name):\n    return hello(name) + helper.MARK\n"},
        {"greeting/__init__.py", "from .core import hello\n"},
        {"greeting/core.py", "def hello(n):\n    return f'Hello, {n}!'\n"},
        {"helper.py", "MARK = ' (py)'\n"},
    };
    bundle_info b;
    perf_outcome o;
    REQUIRE(pt_bundle("javascript", js, 3, &b, NULL, NULL) == 0);
    PT_EXPECT(pt_call_str(&b, "\"Ada\"", &o), o, "{\"payload\":\"Hello, Ada!\",\"error\":null}");
    REQUIRE(pt_bundle("python", py, 4, &b, NULL, NULL) == 0);
    PT_EXPECT(pt_call_str(&b, "\"Ada\"", &o), o, "{\"payload\":\"Hello, Ada! (py)\",\"error\":null}");
}

void test_timeout(void)
{
    perf_limits lim = {.timeout_ms = 400};
    bundle_info b;
    perf_outcome o = PERF_OUTCOME__COUNT;
    pt_file js = {"index.js", "exports.handler = () => { for (;;) {} };\n"};
    REQUIRE(pt_bundle("javascript", &js, 1, &b, NULL, NULL) == 0);
    double t0 = perf_now_ms();
    PT_EXPECT(pt_call(&b, NULL, 0, "x", 1, 1, PT_README_TS, &lim, &o), o, "{\"payload\":null,\"error\":\"Task timeout after 400 ms\"}");
    CHECK(perf_now_ms() - t0 < 2000);
    pt_file py = {"handler.py", "def handler(x):\n    while True:\n        pass\n"};
    REQUIRE(pt_bundle("python", &py, 1, &b, NULL, NULL) == 0);
    PT_EXPECT(pt_call(&b, NULL, 0, "x", 1, 1, PT_README_TS, &lim, &o), o, "{\"payload\":null,\"error\":\"Task timeout after 400 ms\"}");
}
