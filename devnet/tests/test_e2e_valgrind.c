/* test_e2e_valgrind.c - the long-running services leak nothing and touch no
 * memory they should not: a devnet of one operator whose executor (with its
 * managed performer), aggregator and miner run under valgrind's memcheck serves
 * calls of every kind (JavaScript, Python, a throwing handler, a bundle the
 * performer has cached already) and its status and metrics APIs, then stops
 * on SIGTERM. Every process of ours must end with no error and no definitely
 * or indirectly lost byte. Children that exec node or python3 are not
 * traced (--trace-children-skip): that code is not ours. Release build only
 * (label valgrind): valgrind cannot run under the sanitizers. */
#include "e2e.h"
#include "test.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

/* Programs whose every process must finish clean under valgrind. */
static const char *const programs[] = { "executor", "aggregator", "performer", "faas-devnet" };
#define N_PROGRAMS (sizeof programs / sizeof programs[0])

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* A file's text (caller frees), NULL if unreadable. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    for (size_t got; s && (got = fread(s + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (cap - n < 2) s = realloc(s, cap *= 2);
    }
    fclose(f);
    if (s) s[n] = 0;
    return s;
}

/* Calls function id with input and checks that its task is verified with a
 * result that contains want. */
static void call(e2e_net *net, const uint8_t id[32], const char *input, const char *want)
{
    uint8_t task[32];
    uint64_t block;
    REQUIRE(e2e_call(net, id, input, task, &block) == 0);
    CHECK_INT(e2e_wait_status(net, task, 2, 60000), 0);
    char *result = NULL;
    CHECK_INT(e2e_wait_verified_logs(net, task, block, &result, NULL, 5000), 1);
    if (!result || !strstr(result, want)) test_fail(__FILE__, __LINE__, "result %s lacks %s", result ? result : "(none)", want);
    free(result);
    json_t *st = e2e_aggregator_wait(net, task, "verified", 10000);
    CHECK_STR(json_string_value(json_object_get(st, "status")), "verified");
    json_decref(st);
}

/* SIGTERM to a service (not its group: the executor stops its performer
 * itself) and waits for its clean exit. */
static void stop(e2e_net *net, const char *service)
{
    pid_t pid = e2e_pid(net, service);
    REQUIRE(pid > 0);
    CHECK(kill(pid, SIGTERM) == 0);
    int status = 0;
    pid_t got = 0;
    for (int t = 0; t < 1200 && (got = waitpid(pid, &status, WNOHANG)) == 0; t++) sleep_ms(50);
    if (got != pid) {
        test_fail(__FILE__, __LINE__, "%s did not stop within 60 s of SIGTERM", service);
        kill(-pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return;
    }
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Checks one valgrind log: no error report (a stack trace only appears in
 * one, since only definite and indirect leaks are shown, and they count as
 * errors), and an ERROR SUMMARY of 0 when the process ended under valgrind
 * (one that exec'd an untraced runtime has none). Counts the clean ends of
 * each program in clean[]. */
static void check_log(const char *path, unsigned clean[N_PROGRAMS])
{
    char *log = slurp(path);
    REQUIRE(log);
    const char *cmd = strstr(log, "Command: ");
    char prog[64] = "";
    if (cmd) {
        const char *end = cmd + 9 + strcspn(cmd + 9, " \n");
        const char *base = cmd + 9;
        for (const char *p = base; p < end; p++)
            if (*p == '/') base = p + 1;
        snprintf(prog, sizeof prog, "%.*s", (int)(end - base), base);
    }
    const char *summary = strstr(log, "ERROR SUMMARY: ");
    int bad = strstr(log, "   at 0x") != NULL || (summary && strncmp(summary + 15, "0 errors", 8) != 0);
    if (bad) {
        test_fail(__FILE__, __LINE__, "valgrind found errors in %s (%s):", prog, path);
        fprintf(stderr, "%s\n", log);
    } else if (summary) {
        for (size_t i = 0; i < N_PROGRAMS; i++)
            if (strcmp(prog, programs[i]) == 0) clean[i]++;
    }
    free(log);
}

static void test_services_under_valgrind(void)
{
    REQUIRE(system("valgrind --version >/dev/null 2>&1") == 0);
    e2e_net net;
    REQUIRE(e2e_up(&net, "--operators 1") == 0);
    char vgdir[400], log_file[450];
    snprintf(vgdir, sizeof vgdir, "%s/valgrind", net.home);
    snprintf(log_file, sizeof log_file, "--log-file=%s/%%p.log", vgdir);
    if (mkdir(vgdir, 0755) != 0) {
        test_fail(__FILE__, __LINE__, "mkdir %s", vgdir);
        e2e_down(&net);
        return;
    }
    const char *const valgrind[] = {
        "valgrind", "--vgdb=no", "--trace-children=yes",
        /* node, python3 and any tool they run: not our code. */
        "--trace-children-skip=/usr/*,/bin/*,/sbin/*",
        "--leak-check=full", "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
        "--num-callers=30", log_file, NULL,
    };
    e2e_kill(&net, "aggregator", SIGTERM);
    e2e_kill(&net, "operator-1", SIGTERM);
    e2e_kill(&net, "miner", SIGTERM);
    int started = e2e_start_service(&net, "miner", valgrind, NULL, 0) == 0 &&
                  e2e_start_service(&net, "operator-1", valgrind, NULL, 90000) == 0 &&
                  e2e_start_service(&net, "aggregator", valgrind, NULL, 90000) == 0;
    CHECK(started);
    if (started) {
        static const char *const examples[] = { "js-hello", "python-hello", "js-error" };
        uint8_t ids[4][32];
        char dir[512];
        for (size_t i = 0; i < 3; i++) {
            snprintf(dir, sizeof dir, "%s/examples/%s", test_root(), examples[i]);
            CHECK(e2e_register_dir(&net, dir, ids[i]) == 0);
        }
        CHECK(e2e_write_js(&net, "logs", "exports.handler = async (x) => { console.log('seen', x); return x; };\n", dir,
                           sizeof dir) == 0 &&
              e2e_register_dir(&net, dir, ids[3]) == 0);
        call(&net, ids[0], "{\"name\":\"Alice\"}", "\"message\":\"Hello from FaaS!\"");
        call(&net, ids[0], "{\"name\":\"Bob\"}", "\"name\":\"Bob\""); /* the performer has the bundle */
        call(&net, ids[1], "{\"name\":\"Carol\"}", "This is from Python.");
        call(&net, ids[2], "{}", "\"error\":\"Name is required\"");
        call(&net, ids[3], "\"\\u00ff\"", "\"logs\"");
        /* The other APIs: health, metrics, an unknown task. */
        const char *const services[] = { "operator-1", "aggregator" };
        for (size_t i = 0; i < 2; i++) {
            char base[128], url[300];
            REQUIRE(e2e_service_url(&net, services[i], base, sizeof base) == 0);
            long status;
            snprintf(url, sizeof url, "%s/metrics", base);
            free(e2e_http_get(url, &status));
            CHECK_INT(status, 200);
            snprintf(url, sizeof url, "%s/v1/tasks/0x%064d", base, 0);
            free(e2e_http_get(url, &status));
            CHECK(status >= 400);
        }
        stop(&net, "aggregator");
        stop(&net, "operator-1");
        stop(&net, "miner");
    }
    unsigned clean[N_PROGRAMS] = { 0 };
    DIR *d = opendir(vgdir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!strstr(e->d_name, ".log")) continue;
        char p[700];
        snprintf(p, sizeof p, "%s/%s", vgdir, e->d_name);
        check_log(p, clean);
    }
    if (d) closedir(d);
    for (size_t i = 0; i < N_PROGRAMS; i++)
        if (!clean[i]) test_fail(__FILE__, __LINE__, "no clean end of %s under valgrind", programs[i]);
    e2e_down(&net);
}

static const struct test_case cases[] = {
    TEST(services_under_valgrind),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
