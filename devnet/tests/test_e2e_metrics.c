/* test_e2e_metrics.c - what the running executor and aggregator serve at
 * /metrics is valid Prometheus text (prom.h's strict reader: comments and
 * samples only, histograms cumulative with +Inf = _count), before and after
 * a call, and the counters of a task's path moved with that call: the
 * executor received, ran and signed it, the aggregator saw, certified,
 * submitted and verified it and got one good answer. */
#include "e2e.h"
#include "prom.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static e2e_net net;
static int up;

/* GET <service>/metrics, parsed strictly into *d. 0 or -1. */
static int scrape(const char *service, prom_doc *d)
{
    char base[128], url[200], why[300] = "";
    if (e2e_service_url(&net, service, base, sizeof base) != 0) return -1;
    snprintf(url, sizeof url, "%s/metrics", base);
    long status;
    char *text = e2e_http_get(url, &status);
    int rc = text && status == 200 && prom_parse(d, text, why, sizeof why) == 0 ? 0 : -1;
    if (rc) test_fail(__FILE__, __LINE__, "%s: HTTP %ld, %s", url, status, why[0] ? why : "no text");
    free(text);
    return rc;
}

/* The series moved by at least one from before to after (absent = 0: the
 * services register a labelled counter on its first use). */
static void check_moved(const prom_doc *before, const prom_doc *after, const char *name, const char *labels)
{
    double a = prom_value(before, name, labels, 0), b = prom_value(after, name, labels, 0);
    if (!(b >= a + 1)) test_fail(__FILE__, __LINE__, "%s{%s} went from %g to %g", name, labels ? labels : "", a, b);
}

static void test_scrape_after_a_call(void)
{
    up = e2e_up(&net, "--operators 1") == 0;
    REQUIRE(up);
    prom_doc exec0, agg0, exec1, agg1;
    REQUIRE(scrape("operator-1", &exec0) == 0);
    if (scrape("aggregator", &agg0) != 0) {
        prom_free(&exec0);
        return;
    }
    char dir[512];
    snprintf(dir, sizeof dir, "%s/examples/js-hello", test_root());
    uint8_t id[32], task[32];
    uint64_t block = 0;
    int called = e2e_register_dir(&net, dir, id) == 0 && e2e_call(&net, id, "{\"name\":\"Alice\"}", task, &block) == 0;
    CHECK(called);
    if (called) {
        CHECK_INT(e2e_wait_status(&net, task, 2, 30000), 0);
        /* Verified in the aggregator's own view too: its last counters moved. */
        json_t *st = e2e_aggregator_wait(&net, task, "verified", 10000);
        CHECK_STR(json_string_value(json_object_get(st, "status")), "verified");
        json_decref(st);
    }
    if (scrape("operator-1", &exec1) == 0) {
        check_moved(&exec0, &exec1, "faas_executor_requests_total", "code=\"ok\""); /* received, answered signed */
        check_moved(&exec0, &exec1, "faas_executor_runs_total", "outcome=\"ok\"");  /* executed */
        check_moved(&exec0, &exec1, "faas_executor_run_seconds_count", NULL);
        check_moved(&exec0, &exec1, "faas_executor_request_seconds_count", NULL);
        CHECK(prom_value(&exec1, "faas_executor_inflight", NULL, -1) == 0);
        prom_free(&exec1);
    }
    if (scrape("aggregator", &agg1) == 0) {
        static const char *const events[] = { "seen", "certified", "submitted", "verified" };
        for (size_t i = 0; i < 4; i++) {
            char labels[48];
            snprintf(labels, sizeof labels, "event=\"%s\"", events[i]);
            check_moved(&agg0, &agg1, "faas_aggregator_tasks_total", labels);
        }
        check_moved(&agg0, &agg1, "faas_aggregator_executor_requests_total", "result=\"ok\"");
        check_moved(&agg0, &agg1, "faas_aggregator_submissions_total", "result=\"sent\"");
        check_moved(&agg0, &agg1, "faas_aggregator_offchain_seconds_count", NULL);
        CHECK(prom_value(&agg1, "faas_aggregator_last_task_block", NULL, -1) >= (double)block);
        prom_free(&agg1);
    }
    prom_free(&exec0);
    prom_free(&agg0);
}

static void test_zz_down(void)
{
    if (up) e2e_down(&net);
    up = 0;
}

static const struct test_case cases[] = {
    TEST(scrape_after_a_call),
    TEST(zz_down),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
