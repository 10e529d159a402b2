/* test_abi_header.c - abi/faas_abi.h says what the compiled contracts say:
 * each declaration equals the one rebuilt from forge's ABI output
 * (contracts/out/<file>/<contract>.json, written by devnet_forge_build), so
 * a changed event cannot leave the executor, aggregator and CLI reading the
 * old one. Topics are cross-checked with `cast sig-event`. */
#include "eth.h"
#include "faas_abi.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "Name(type [indexed ]name, ...)" of event `name` in the artifact. */
static char *decl_from_artifact(const char *artifact, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/contracts/out/%s", test_root(), artifact);
    json_t *doc = json_load_file(path, 0, NULL), *item;
    if (!doc) {
        test_fail(__FILE__, __LINE__, "cannot read %s (forge build)", path);
        return NULL;
    }
    size_t i;
    char *out = NULL;
    json_array_foreach(json_object_get(doc, "abi"), i, item) {
        if (strcmp(json_string_value(json_object_get(item, "type")), "event") != 0 ||
            strcmp(json_string_value(json_object_get(item, "name")), name) != 0)
            continue;
        char buf[2048];
        size_t n = (size_t)snprintf(buf, sizeof buf, "%s(", name), k;
        json_t *in;
        json_array_foreach(json_object_get(item, "inputs"), k, in) {
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s%s %s", k ? ", " : "",
                                  json_string_value(json_object_get(in, "type")),
                                  json_is_true(json_object_get(in, "indexed")) ? " indexed" : "",
                                  json_string_value(json_object_get(in, "name")));
        }
        snprintf(buf + n, sizeof buf - n, ")");
        out = strdup(buf);
    }
    json_decref(doc);
    if (!out) test_fail(__FILE__, __LINE__, "no event %s in %s", name, path);
    return out;
}

/* The topic `cast sig-event` computes for the declaration. */
static void check_topic(const char *decl)
{
    uint8_t topic[32];
    char hex[67], cmd[1024], got[128] = "";
    eth_abi_event_topic(topic, decl);
    eth_hex_encode(hex, topic, 32);
    snprintf(cmd, sizeof cmd, "cast sig-event '%s' 2>&1", decl);
    FILE *p = popen(cmd, "r");
    REQUIRE(p);
    if (!fgets(got, sizeof got, p)) got[0] = 0;
    pclose(p);
    got[strcspn(got, "\n")] = 0;
    CHECK_STR(got, hex);
}

static void check(const char *artifact, const char *name, const char *ours)
{
    char *theirs = decl_from_artifact(artifact, name);
    if (theirs) CHECK_STR(ours, theirs);
    free(theirs);
    check_topic(ours);
}

static void test_task_created(void) { check("ITaskMailbox.sol/ITaskMailbox.json", "TaskCreated", FAAS_ABI_TASK_CREATED); }
static void test_task_verified(void) { check("ITaskMailbox.sol/ITaskMailbox.json", "TaskVerified", FAAS_ABI_TASK_VERIFIED); }
static void test_function_called(void) { check("FaaS.sol/FaaS.json", "FunctionCalled", FAAS_ABI_FUNCTION_CALLED); }

static const struct test_case cases[] = {
    TEST(task_created),
    TEST(task_verified),
    TEST(function_called),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
