/* test_init.c - `faas-cli init`: a JavaScript and a Python function directory
 * that `invoke --local` runs with the expected result and logs, the same
 * twice (it reads no clock or randomness); only new or empty directories
 * are written; misuse is one line with its exit status. */
#include "clirun.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmp;

static void path_in(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", tmp, name); }

/* init [--runtime R] dir; status. */
static int init(const char *runtime, const char *dir, struct clirun *r)
{
    const char *args[] = { "init", dir, runtime ? "--runtime" : NULL, runtime, NULL };
    if (clirun(r, args, NULL, NULL, 0, NULL) != 0) {
        test_fail(__FILE__, __LINE__, "cannot run faas-cli");
        memset(r, 0, sizeof *r);
        return -1;
    }
    return r->status;
}

/* invoke --local --json dir input: the result document. */
static json_t *invoke(const char *dir, const char *input)
{
    const char *args[] = { "invoke", "--local", "--json", dir, input, NULL };
    struct clirun r;
    if (clirun(&r, args, NULL, NULL, 0, NULL) != 0) return NULL;
    CHECK_INT(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    if (!doc) test_fail(__FILE__, __LINE__, "not JSON: %s %s", r.out, r.err);
    clirun_free(&r);
    return doc;
}

static void check_runs(const char *runtime, const char *entry, const char *log_line)
{
    char dir[600], p[700];
    path_in(dir, sizeof dir, runtime);
    struct clirun r;
    CHECK_INT(init(strcmp(runtime, "javascript") ? runtime : NULL, dir, &r), 0);
    CHECK(strstr(r.out, "Created a ") && strstr(r.out, "faas-cli deploy-function "));
    clirun_free(&r);
    snprintf(p, sizeof p, "%s/%s", dir, entry);
    struct stat st;
    CHECK(stat(p, &st) == 0);
    snprintf(p, sizeof p, "%s/manifest.json", dir);
    json_t *m = json_load_file(p, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(m, "runtime")), runtime);
    json_decref(m);

    json_t *a = invoke(dir, "{\"name\":\"Alice\"}"), *b = invoke(dir, "{\"name\":\"Alice\"}"), *c = invoke(dir, "\"x\"");
    REQUIRE(a && b && c);
    CHECK_STR(json_string_value(json_object_get(json_object_get(a, "result"), "message")), "Hello, Alice!");
    CHECK_STR(json_string_value(json_array_get(json_object_get(a, "logs"), 0)), log_line);
    CHECK_STR(json_string_value(json_object_get(json_object_get(c, "result"), "message")), "Hello, world!");
    CHECK(json_equal(json_object_get(a, "result"), json_object_get(b, "result")));
    CHECK_STR(json_string_value(json_object_get(a, "function_id")), json_string_value(json_object_get(b, "function_id")));
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

static void test_javascript(void)
{
    REQUIRE((tmp = clirun_tmpdir()) != NULL);
    check_runs("javascript", "index.js", "called with { name: 'Alice' }");
}

static void test_python(void) { check_runs("python", "handler.py", "called with {'name': 'Alice'}"); }

static void test_only_new_or_empty(void)
{
    char dir[600], p[700];
    struct clirun r;
    /* An empty directory is fine. */
    path_in(dir, sizeof dir, "empty");
    REQUIRE(mkdir(dir, 0755) == 0);
    CHECK_INT(init(NULL, dir, &r), 0);
    clirun_free(&r);
    /* A directory with anything in it is left alone. */
    path_in(dir, sizeof dir, "mine");
    REQUIRE(mkdir(dir, 0755) == 0 && clirun_write(dir, "index.js", "// mine\n") == 0);
    CHECK_INT(init(NULL, dir, &r), 1);
    CHECK(clirun_err_line(&r, "Error: ") && strstr(r.err, "is not empty"));
    clirun_free(&r);
    snprintf(p, sizeof p, "%s/manifest.json", dir);
    CHECK(access(p, F_OK) != 0);
    /* A file, and a directory whose parent is missing. */
    path_in(dir, sizeof dir, "mine/index.js");
    CHECK_INT(init(NULL, dir, &r), 1);
    CHECK(clirun_err_line(&r, "Error: ") && strstr(r.err, "exists and is not a directory"));
    clirun_free(&r);
    path_in(dir, sizeof dir, "no/such/parent");
    CHECK_INT(init(NULL, dir, &r), 1);
    CHECK(clirun_err_line(&r, "Error: cannot create "));
    clirun_free(&r);
}

static void test_misuse(void)
{
    char dir[600];
    path_in(dir, sizeof dir, "ruby");
    struct clirun r;
    CHECK_INT(init("ruby", dir, &r), 2);
    CHECK(clirun_err_line(&r, "Error: unknown runtime \"ruby\" (javascript or python)"));
    clirun_free(&r);
    CHECK(access(dir, F_OK) != 0);
    const char *none[] = { "init", NULL };
    REQUIRE(clirun(&r, none, NULL, NULL, 0, NULL) == 0);
    CHECK_INT(r.status, 2);
    CHECK(clirun_err_line(&r, "Error: init needs a directory"));
    clirun_free(&r);
    clirun_rmrf(tmp);
    free(tmp);
}

static const struct test_case cases[] = {
    TEST(javascript),
    TEST(python),
    TEST(only_new_or_empty),
    TEST(misuse),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
