/* test_result.c - the result envelope: parsing, and printing checked against
 * Python's json.dumps(indent=2) as an independent pretty-printer. */
#include "cli.h"
#include "test.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static cli_err parse(cli_result *r, const char *text, cli_diag *d)
{
    return cli_result_parse(r, (const uint8_t *)text, strlen(text), d);
}

static char *print_to_string(const cli_result *r)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    cli_result_print(f, r);
    fclose(f);
    return buf;
}

static void test_envelopes(void)
{
    cli_result r;
    cli_diag d = { 0 };

    REQUIRE(parse(&r, "{\"payload\": {\"message\": \"hi\"}, \"error\": null}", &d) == CLI_OK);
    CHECK(r.error == NULL && r.logs == NULL);
    CHECK_STR(json_string_value(json_object_get(r.value, "message")), "hi");
    cli_result_free(&r);

    /* Captured console output (SPEC §3): logs shown apart from the value. */
    REQUIRE(parse(&r, "{\"payload\": {\"result\": 7, \"logs\": [\"a\", \"b\"]}, \"error\": null}", &d) == CLI_OK);
    CHECK_INT(json_integer_value(r.value), 7);
    CHECK_INT(json_array_size(r.logs), 2);
    char *out = print_to_string(&r);
    CHECK_STR(out, "Function Logs:\n  a\n  b\nFunction Result:\n7\n");
    free(out);
    cli_result_free(&r);

    /* A value that merely has a "result" member is the value itself. */
    REQUIRE(parse(&r, "{\"payload\": {\"result\": 1, \"logs\": 2}, \"error\": null}", &d) == CLI_OK);
    CHECK(r.logs == NULL && json_object_size(r.value) == 2);
    cli_result_free(&r);

    REQUIRE(parse(&r, "{\"payload\": null, \"error\": \"Name is required\", \"logs\": [\"x\"]}", &d) == CLI_OK);
    CHECK_STR(r.error, "Name is required");
    out = print_to_string(&r);
    CHECK_STR(out, "Function Logs:\n  x\nFunction Error: Name is required\n");
    free(out);
    cli_result_free(&r);

    /* JavaScript writes large numbers in full; they still parse. */
    REQUIRE(parse(&r, "{\"payload\": [100000000000000000000000, 1], \"error\": null}", &d) == CLI_OK);
    out = print_to_string(&r);
    CHECK_STR(out, "Function Result:\n[\n  1e+23,\n  1.0\n]\n");
    free(out);
    cli_result_free(&r);

    static const char *const bad[] = { "", "not json", "[1]", "{\"payload\": 1}", "{\"error\": null}",
                                       "{\"payload\": 1, \"error\": 5}", "\xff\xfe" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(parse(&r, bad[i], &d), CLI_ERR_FUNCTION);
        CHECK(r.value == NULL && r.error == NULL);
    }
}

/* Python's json module, run on the same document, as the reference. */
static char *python_pretty(const char *doc)
{
    char path[] = "/tmp/faas-cli-result-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    if (write(fd, doc, strlen(doc)) != (ssize_t)strlen(doc)) {
        close(fd);
        return NULL;
    }
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))[\"payload\"], indent=2, "
             "ensure_ascii=False))' %s",
             path);
    FILE *p = popen(cmd, "r");
    char *buf = calloc(1, 65536);
    size_t n = p ? fread(buf, 1, 65535, p) : 0;
    buf[n] = 0;
    if (p) pclose(p);
    unlink(path);
    return buf;
}

static void test_pretty_print_matches_python(void)
{
    static const char *const docs[] = {
        "{\"payload\": {\"message\": \"Hello from FaaS!\", \"input\": \"Hello, World!\", \"n\": 3}, \"error\": null}",
        "{\"payload\": {\"a\": [], \"b\": {}, \"c\": [1, [2, [3]]], \"d\": {\"e\": null}}, \"error\": null}",
        "{\"payload\": [0.1, 0.30000000000000004, 3.0, -2.5e-8, 1e21, 123456789.125], \"error\": null}",
        "{\"payload\": \"plain string with \\\"quotes\\\" and \\\\ and \\n newline\", \"error\": null}",
        "{\"payload\": {\"unicode\": \"h\\u00e9llo \\u2603 \\ud83d\\ude00\", \"ctl\": \"\\u0001\\t\"}, \"error\": null}",
        "{\"payload\": [true, false, null, -9223372036854775808, 9223372036854775807], \"error\": null}",
        "{\"payload\": {\"z\": 1, \"a\": 2, \"m\": 3}, \"error\": null}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        cli_result r;
        cli_diag d = { 0 };
        if (parse(&r, docs[i], &d) != CLI_OK) {
            test_fail(__FILE__, __LINE__, "doc %zu: %s", i, d.msg);
            continue;
        }
        char *ours = print_to_string(&r), *ref = python_pretty(docs[i]);
        char *want = NULL;
        REQUIRE(ref && asprintf(&want, "Function Result:\n%s", ref) > 0);
        if (strcmp(ours, want) != 0) test_fail(__FILE__, __LINE__, "doc %zu:\nours:\n%s\npython:\n%s", i, ours, want);
        free(ours);
        free(ref);
        free(want);
        cli_result_free(&r);
    }
}

static const struct test_case cases[] = { TEST(envelopes), TEST(pretty_print_matches_python) };
int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
