/* test_invoke.c - `invoke --local`: every example under examples/ run
 * through the operators' sandboxed performer with the seed's inputs, the
 * printed result checked; binary input from a file and stdin; exit
 * statuses; without root, the unsandboxed runner, and the user is told.
 * (test_e2e_calls checks the sandbox itself, against the network's.) */
#include "cli.h"
#include "clirun.h"
#include "test.h"

#include <stdlib.h>
#include <unistd.h>

/* invoke --local <more flags> examples/<example> (the input from a flag). */
static int invoke(struct clirun *r, const char *example, const char *const *more, const void *in, size_t n)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/examples/%s", test_root(), example);
    const char *args[12] = { "invoke", "--local" };
    size_t k = 2;
    for (; more && *more && k < 10; more++) args[k++] = *more;
    args[k++] = dir;
    args[k] = NULL;
    return clirun(r, args, NULL, in, n, NULL);
}

/* The document a --json run printed, with the input as the last argument. */
static json_t *invoke_json(const char *example, const char *input, int *status)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/examples/%s", test_root(), example);
    const char *args[] = { "invoke", "--local", "--json", dir, input, NULL };
    struct clirun r;
    if (clirun(&r, args, NULL, NULL, 0, NULL) != 0) return NULL;
    *status = r.status;
    json_t *doc = json_loads(r.out, 0, NULL);
    if (!doc) test_fail(__FILE__, __LINE__, "%s: not JSON: %s %s", example, r.out, r.err);
    clirun_free(&r);
    return doc;
}

static void test_js_hello_text_output(void)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/examples/js-hello", test_root());
    const char *args[] = { "invoke", "--local", dir, "Hello, World!", NULL };
    struct clirun r;
    REQUIRE(clirun(&r, args, NULL, NULL, 0, NULL) == 0);
    CHECK_INT(r.status, 0);
    const char *res = strstr(r.out, "Function Result:\n{\n  \"message\": \"Hello from FaaS!\",\n"
                                    "  \"input\": \"Hello, World!\",\n  \"timestamp\": \"");
    CHECK(res != NULL);
    if (!res) fprintf(stderr, "%s", r.out);
    CHECK(strstr(r.out, "Invoking function from directory: ") == r.out);
    clirun_free(&r);
}

static void test_seed_examples(void)
{
    static const struct {
        const char *example, *input;
        int status;
        const char *result;     /* compact JSON of the value, or NULL */
        const char *error;      /* or the error */
        const char *log;        /* a log line expected, or NULL */
    } cases[] = {
        { "js-advanced", "{\"text\": \"hello\"}", 0, "{\"result\":\"Processed: hello\"}", NULL,
          "Function called with: { text: 'hello' }" },
        { "js-advanced", "Hello", 0, "{\"echo\":\"Hello\"}", NULL, "Function called with: Hello" },
        { "python-hello", "{\"name\": \"Alice\"}", 0,
          "{\"message\":\"Hello, Alice! This is from Python.\",\"language\":\"python\",\"input\":{\"name\":\"Alice\"}}",
          NULL, "Python function called with: {'name': 'Alice'}" },
        { "python-hello", "World", 0, "{\"message\":\"Echo from Python: World\",\"language\":\"python\"}", NULL,
          NULL },
        { "js-error", "{}", 3, NULL, "Name is required", NULL },
        { "js-error", "{\"name\": \"Bob\"}", 0, "{\"greeting\":\"Hello, Bob!\"}", NULL, NULL },
        { "python-deps", "the cat and the hat", 0,
          "{\"words\":5,\"top\":[[\"the\",2],[\"cat\",1],[\"and\",1]],\"package\":\"textstats 1.0.0\"}", NULL,
          "Counting words with textstats 1.0.0" },
        { "js-deps", "hello FaaS world", 0,
          "{\"capitalized\":\"Hello faas world\",\"kebab\":\"hello-faa-s-world\",\"words\":4,\"lodash\":\"4.17.21\"}",
          NULL, "Formatting with lodash 4.17.21" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int status = -1;
        json_t *doc = invoke_json(cases[i].example, cases[i].input, &status);
        if (!doc) continue;
        if (status != cases[i].status) test_fail(__FILE__, __LINE__, "case %zu: status %d", i, status);
        char *got = json_dumps(json_object_get(doc, "result"), JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
        if (cases[i].result && (!got || strcmp(got, cases[i].result) != 0))
            test_fail(__FILE__, __LINE__, "case %zu: result %s", i, got ? got : "(none)");
        free(got);
        const char *err = json_string_value(json_object_get(doc, "error"));
        if (cases[i].error && (!err || !strstr(err, cases[i].error)))
            test_fail(__FILE__, __LINE__, "case %zu: error %s", i, err ? err : "(none)");
        if (!cases[i].error && err) test_fail(__FILE__, __LINE__, "case %zu: unexpected error %s", i, err);
        if (cases[i].log) {
            int found = 0;
            size_t k;
            json_t *line;
            json_array_foreach(json_object_get(doc, "logs"), k, line) {
                if (strcmp(json_string_value(line), cases[i].log) == 0) found = 1;
            }
            if (!found) test_fail(__FILE__, __LINE__, "case %zu: log line \"%s\" missing", i, cases[i].log);
        }
        json_decref(doc);
    }
}

/* Binary input from a file, and from stdin: the handler sees raw bytes. */
static void test_binary_input(void)
{
    uint8_t bin[100];
    for (size_t i = 0; i < sizeof bin; i++) bin[i] = (uint8_t)(0x80 + i); /* not UTF-8 */
    char *work = clirun_tmpdir(), path[4200];
    snprintf(path, sizeof path, "%s/in.bin", work);
    REQUIRE(cli_file_write(path, bin, sizeof bin) == 0);
    const char *from_file[] = { "--json", "--input-file", path, NULL };
    struct clirun r;
    REQUIRE(invoke(&r, "python-hello", from_file, NULL, 0) == 0);
    CHECK_INT(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    REQUIRE(doc);
    json_t *res = json_object_get(doc, "result");
    CHECK_STR(json_string_value(json_object_get(res, "message")), "Processed binary data with Python");
    CHECK_INT(json_integer_value(json_object_get(res, "size")), 100);
    json_decref(doc);
    clirun_free(&r);

    /* "-" reads stdin, binary too. */
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/examples/python-hello", test_root());
    const char *args[] = { "invoke", "--local", "--json", dir, "-", NULL };
    REQUIRE(clirun(&r, args, NULL, bin, sizeof bin, NULL) == 0);
    CHECK_INT(r.status, 0);
    doc = json_loads(r.out, 0, NULL);
    REQUIRE(doc);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(doc, "result"), "size")), 100);
    json_decref(doc);
    clirun_free(&r);
    clirun_rmrf(work);
    free(work);
}

static void test_usage_errors(void)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/examples/js-hello", test_root());
    struct clirun r;
    const char *no_local[] = { "invoke", dir, "x", NULL };
    REQUIRE(clirun(&r, no_local, NULL, NULL, 0, NULL) == 0);
    CHECK_INT(r.status, 2);
    CHECK(strncmp(r.err, "Error: invoke runs functions on this machine only: add --local", 62) == 0);
    clirun_free(&r);
    const char *no_input[] = { "invoke", "--local", dir, NULL };
    REQUIRE(clirun(&r, no_input, NULL, NULL, 0, NULL) == 0);
    CHECK_INT(r.status, 2);
    CHECK_STR(r.err, "Error: invoke needs an input: an argument, --input-file FILE, or - for stdin\n");
    clirun_free(&r);
    const char *both[] = { "invoke", "--local", "--input-file", "/dev/null", dir, "x", NULL };
    REQUIRE(clirun(&r, both, NULL, NULL, 0, NULL) == 0);
    CHECK_INT(r.status, 2);
    clirun_free(&r);
    const char *bad_timeout[] = { "invoke", "--local", "--timeout", "soon", dir, "x", NULL };
    REQUIRE(clirun(&r, bad_timeout, NULL, NULL, 0, NULL) == 0);
    CHECK_INT(r.status, 2);
    CHECK(strncmp(r.err, "Error: invalid --timeout \"soon\"", 31) == 0);
    clirun_free(&r);
}

/* Not root (no namespaces to make): the function still runs, and a note on
 * stderr says it is without the sandbox. */
static void test_not_root_says_so(void)
{
    if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0) return; /* cannot drop root here */
    char cmd[8400];
    snprintf(cmd, sizeof cmd,
             "cd /tmp && /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups '%s/faas-cli' invoke --local "
             "--json "
             "'%s/examples/js-error' '{\"name\": \"Ann\"}' 2>&1",
             test_bin_dir(), test_root());
    FILE *p = popen(cmd, "r");
    REQUIRE(p);
    char out[8192];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    CHECK_INT(pclose(p), 0);
    static const char note[] = "Note: not running as root: the function runs without the operators' sandbox (no "
                               "namespaces, seccomp or cgroup limits)\n";
    CHECK(strncmp(out, note, strlen(note)) == 0);
    CHECK(strstr(out, "\"sandboxed\": false") != NULL);
    CHECK(strstr(out, "\"greeting\": \"Hello, Ann!\"") != NULL);
}

static const struct test_case cases[] = {
    TEST(js_hello_text_output),
    TEST(seed_examples),
    TEST(binary_input),
    TEST(usage_errors),
    TEST(not_root_says_so),
};
int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
