/* test_e2e_examples.c - every example under examples/ deployed with
 * `faas-cli deploy-function` on a devnet of its own (3 operators) and called
 * with `faas-cli call-function` with the seed README's inputs: the seed's
 * lines in the seed's order, and the printed result and logs, each expected
 * value computed here from the input (and the chain, for the clock). */
#include "clirun.h"
#include "e2e.h"
#include "test.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static e2e_net net;
static int up;

static void setup(void)
{
    if (!up) up = e2e_up(&net, NULL) == 0 ? 1 : -1;
}

/* examples/<name>, deployed (once per example). */
static const char *example_id(const char *name)
{
    static struct {
        char name[32];
        char id[67];
    } deployed[8];
    static size_t n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(deployed[i].name, name) == 0) return deployed[i].id;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/examples/%s", test_root(), name);
    if (n == 8 || clirun_deploy(net.home, NULL, NULL, dir, deployed[n].id) != 0) return NULL;
    snprintf(deployed[n].name, sizeof deployed[n].name, "%s", name);
    return deployed[n++].id;
}

/* The seed's lines of a call, in its order ("Calling a Function"). */
static void check_seed_lines(const struct clirun *r, const char *id, int failed)
{
    char calling[100], ws[100];
    snprintf(calling, sizeof calling, "Calling function: %s", id);
    snprintf(ws, sizeof ws, "Connected to WebSocket RPC: %s", net.ws_url);
    const char *order[] = { calling, "Arguments: ", "Transaction sent: 0x", "Waiting for confirmation...",
                            "Task ID: 0x", "Gas used: ", "Gas price: ", "Transaction cost: ", ws,
                            "Listening for TaskVerified event...",
                            "Subscribed to TaskVerified events for task 0x",
                            failed ? "Task completed: the function returned an error." : "Task completed successfully!",
                            "Event found in block ", failed ? "Function Error: " : "Function Result:" };
    const char *missing = clirun_missing(r->out, order, sizeof order / sizeof order[0]);
    if (missing) test_fail(__FILE__, __LINE__, "missing or out of order: \"%s\" in:\n%s", missing, r->out);
    char task[80], subscribed[160];
    clirun_value(r->out, "Task ID: ", task, sizeof task);
    snprintf(subscribed, sizeof subscribed, "Subscribed to TaskVerified events for task %s", task);
    CHECK(strstr(r->out, subscribed) != NULL);
}

/* Calls examples/<name> with input (as the argument), checks the seed's
 * lines and the exit status, and returns the printed value (caller
 * decrefs) with the log lines in *logs. */
static json_t *call_example(const char *name, const char *input, int status, json_t **logs, struct clirun *r)
{
    const char *id = example_id(name);
    if (!id) {
        test_fail(__FILE__, __LINE__, "cannot deploy examples/%s", name);
        return NULL;
    }
    const char *args[] = { "call-function", "--function-id", id, input, NULL };
    if (clirun_home(r, net.home, args, NULL, NULL, 0) != 0) return NULL;
    if (r->status != status)
        test_fail(__FILE__, __LINE__, "%s %s: status %d: %s%s", name, input, r->status, r->out, r->err);
    check_seed_lines(r, id, status == 3);
    char want[256], line[256];
    snprintf(want, sizeof want, "Arguments: %s", input);
    CHECK_STR(clirun_line(r->out, "Arguments: ", line, sizeof line), want);
    if (logs) *logs = clirun_logs(r->out);
    return clirun_result(r->out);
}

/* Checks the printed value against want (a JSON text) and, when log is not
 * NULL, that the log lines hold it. Frees got and logs. */
static void expect(json_t *got, json_t *logs, const char *want, const char *log)
{
    json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
    char *g = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    if (!w || !json_equal(w, got)) test_fail(__FILE__, __LINE__, "result %s, expected %s", g ? g : "(none)", want);
    free(g);
    int found = !log;
    size_t i;
    json_t *line;
    json_array_foreach(logs, i, line) found |= log && strcmp(json_string_value(line), log) == 0;
    if (!found) test_fail(__FILE__, __LINE__, "log line \"%s\" missing", log);
    json_decref(w);
    json_decref(got);
    json_decref(logs);
}

/* The timestamp of the block that mined tx, as JavaScript's toISOString(). */
static void block_iso(const char *tx, char iso[40])
{
    json_t *rc = NULL;
    uint64_t num = 0, ts = 0;
    iso[0] = 0;
    if (eth_rpc_call(net.rpc, &rc, "eth_getTransactionReceipt", json_pack("[s]", tx)) != ETH_OK ||
        eth_json_quantity(&num, json_object_get(rc, "blockNumber")) != ETH_OK ||
        !(ts = e2e_block_timestamp(&net, num))) {
        test_fail(__FILE__, __LINE__, "cannot read the block of %s", tx);
    } else {
        time_t t = (time_t)ts;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(iso, 40, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    }
    json_decref(rc);
}

/* The seed's simple function with the seed's call: its exact output. */
static void test_js_hello(void)
{
    setup();
    REQUIRE(up == 1);
    struct clirun r;
    json_t *got = call_example("js-hello", "Hello, World!", 0, NULL, &r);
    char tx[80], iso[40], want[512];
    REQUIRE(clirun_value(r.out, "Transaction sent: ", tx, sizeof tx));
    /* The sandbox's clock is the task's creation block's timestamp. */
    block_iso(tx, iso);
    snprintf(want, sizeof want,
             "\nFunction Result:\n{\n  \"message\": \"Hello from FaaS!\",\n  \"input\": \"Hello, World!\",\n"
             "  \"timestamp\": \"%s\"\n}\n",
             iso);
    CHECK(r.out_len > strlen(want) && strcmp(r.out + r.out_len - strlen(want), want) == 0);
    if (!strstr(r.out, want)) fprintf(stderr, "expected the output to end with:%s\ngot:\n%s", want, r.out);
    CHECK_STR(r.err, "");
    json_decref(got);
    clirun_free(&r);
}

static void test_js_advanced(void)
{
    setup();
    REQUIRE(up == 1);
    struct clirun r;
    json_t *logs;
    json_t *got = call_example("js-advanced", "{\"text\":\"Hello World\"}", 0, &logs, &r);
    expect(got, logs, "{\"result\": \"Processed: Hello World\"}", "Function called with: { text: 'Hello World' }");
    clirun_free(&r);
    got = call_example("js-advanced", "Hello, World!", 0, &logs, &r);
    expect(got, logs, "{\"echo\": \"Hello, World!\"}", "Function called with: Hello, World!");
    clirun_free(&r);
}

static void test_python_hello(void)
{
    setup();
    REQUIRE(up == 1);
    struct clirun r;
    json_t *logs;
    /* The seed's CLI reference input. */
    json_t *got = call_example("python-hello", "{\"name\": \"Alice\", \"age\": 30}", 0, &logs, &r);
    expect(got, logs,
           "{\"message\": \"Hello, Alice! This is from Python.\", \"language\": \"python\","
           " \"input\": {\"name\": \"Alice\", \"age\": 30}}",
           "Python function called with: {'name': 'Alice', 'age': 30}");
    clirun_free(&r);
    got = call_example("python-hello", "Hello, World!", 0, &logs, &r);
    expect(got, logs, "{\"message\": \"Echo from Python: Hello, World!\", \"language\": \"python\"}",
           "Python function called with: Hello, World!");
    clirun_free(&r);
}

/* The error example: a throw is the function's error, shown plainly, and
 * the exit status says so (3); with a name it greets. */
static void test_js_error(void)
{
    setup();
    REQUIRE(up == 1);
    struct clirun r;
    json_t *got = call_example("js-error", "{}", 3, NULL, &r);
    CHECK(got == NULL);
    char line[256];
    CHECK_STR(clirun_line(r.out, "Function Error: ", line, sizeof line), "Function Error: Name is required");
    CHECK_STR(r.err, "Error: the function returned an error: Name is required\n");
    clirun_free(&r);
    json_t *logs;
    got = call_example("js-error", "{\"name\":\"Alice\"}", 0, &logs, &r);
    expect(got, logs, "{\"greeting\": \"Hello, Alice!\"}", NULL);
    clirun_free(&r);
}

/* lodash (bundled from package.json at deploy time) on a plain sentence:
 * capitalize, kebabCase and words computed here. */
static void test_js_deps(void)
{
    setup();
    REQUIRE(up == 1);
    static const char input[] = "hello brave new world";
    char path[4200], want[512], kebab[64], cap[64], log[64];
    snprintf(path, sizeof path, "%s/examples/js-deps/package.json", test_root());
    json_t *pkg = json_load_file(path, 0, NULL);
    const char *version = json_string_value(json_object_get(json_object_get(pkg, "dependencies"), "lodash"));
    REQUIRE(version);
    snprintf(cap, sizeof cap, "%s", input);
    cap[0] = (char)toupper((unsigned char)cap[0]);
    snprintf(kebab, sizeof kebab, "%s", input);
    int words = 1;
    for (char *p = kebab; *p; p++)
        if (*p == ' ') *p = '-', words++;
    snprintf(want, sizeof want, "{\"capitalized\": \"%s\", \"kebab\": \"%s\", \"words\": %d, \"lodash\": \"%s\"}", cap,
             kebab, words, version);
    snprintf(log, sizeof log, "Formatting with lodash %s", version);
    struct clirun r;
    json_t *logs;
    json_t *got = call_example("js-deps", input, 0, &logs, &r);
    expect(got, logs, want, log);
    clirun_free(&r);
    json_decref(pkg);
}

/* textstats (bundled from requirements.txt, offline from vendor/): its word
 * count and top three words, ties in order of first use (Counter), here. */
static void test_python_deps(void)
{
    setup();
    REQUIRE(up == 1);
    static const char input[] = "the quick brown fox jumps over the lazy dog the end";
    struct {
        char w[16];
        int count, first;
    } seen[32];
    size_t n = 0;
    int total = 0;
    for (const char *p = input; *p;) {
        while (*p == ' ') p++;
        size_t len = strcspn(p, " ");
        if (!len) break;
        size_t k = 0;
        while (k < n && (strlen(seen[k].w) != len || strncmp(seen[k].w, p, len) != 0)) k++;
        if (k == n) {
            snprintf(seen[n].w, sizeof seen[n].w, "%.*s", (int)len, p);
            seen[n].count = 0;
            seen[n].first = total;
            n++;
        }
        seen[k].count++;
        total++;
        p += len;
    }
    char want[512];
    size_t off = (size_t)snprintf(want, sizeof want, "{\"words\": %d, \"top\": [", total);
    for (int rank = 0; rank < 3; rank++) {
        size_t best = n;
        for (size_t k = 0; k < n; k++)
            if (seen[k].count > 0 && (best == n || seen[k].count > seen[best].count)) best = k;
        off += (size_t)snprintf(want + off, sizeof want - off, "%s[\"%s\", %d]", rank ? ", " : "", seen[best].w,
                                seen[best].count);
        seen[best].count = -seen[best].count;
    }
    snprintf(want + off, sizeof want - off, "], \"package\": \"textstats 1.0.0\"}");
    struct clirun r;
    json_t *logs;
    char quoted[128];
    snprintf(quoted, sizeof quoted, "\"%s\"", input); /* a JSON string reaches the handler as str */
    json_t *got = call_example("python-deps", quoted, 0, &logs, &r);
    expect(got, logs, want, "Counting words with textstats 1.0.0");
    clirun_free(&r);
}

static void test_zz_down(void)
{
    if (up == 1) e2e_down(&net);
    up = 0;
}

static const struct test_case cases[] = {
    TEST(js_hello), TEST(js_advanced), TEST(python_hello), TEST(js_error), TEST(js_deps), TEST(python_deps),
    TEST(zz_down),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
