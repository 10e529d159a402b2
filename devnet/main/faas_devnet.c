/* bin/faas-devnet - the local FaaS AVS network (devnet.h):
 *   faas-devnet up [--operators N] [--port P] [--detach] [...]
 *   faas-devnet down | status | logs [NAME] [-f]
 *   faas-devnet miner --rpc-url URL [--block-time S]   (started by up) */
#include "devnet.h"

#include "svc.h"

#include <curl/curl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char USAGE[] =
    "usage: faas-devnet <command> [options]\n"
    "\n"
    "  up        start anvil, deploy the contracts, register the operators, start\n"
    "            their executors and the aggregator, write the CLI config; then\n"
    "            stay in the foreground showing their logs (Ctrl-C stops all)\n"
    "      --operators N       operators/executors (default 3)\n"
    "      --port P            anvil's port (default 7545)\n"
    "      --detach            return once everything is healthy\n"
    "      --threshold-bps B   stake threshold of the operator set (default 6667 = 2/3)\n"
    "      --task-sla S        seconds a task may take (default 60)\n"
    "      --timeout S         seconds to wait for health (default 90)\n"
    "      --block-time S      at most one block per S seconds (default 0.1), mined as\n"
    "                          soon as a transaction waits and stamped after its parent;\n"
    "                          0: anvil's automine (a block per transaction)\n"
    "      --test-lie I        TEST ONLY: operator I (1-based) answers a wrong result\n"
    "      --test-bad-signature I  TEST ONLY: operator I answers signatures that do not verify\n"
    "  down      stop everything this FAAS_HOME's devnet started (by pid)\n"
    "  status    show the services, their pids and health\n"
    "  logs [NAME] [-f|--follow]   print (and follow) the services' logs\n"
    "  miner --rpc-url URL [--block-time S]   the block producer `up` starts (runs until SIGTERM)\n"
    "\n"
    "Files live in FAAS_HOME (default ~/.faas): config.json for faas-cli, devnet/ for the rest.\n";

static volatile int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int parse_uint(const char *s, unsigned *out, unsigned max)
{
    char *end;
    unsigned long v = s ? strtoul(s, &end, 10) : 0;
    if (!s || !*s || *end || v > max) return -1;
    *out = (unsigned)v;
    return 0;
}

/* Seconds with a fraction, 0 to 3600. */
static int parse_seconds(const char *s, double *out)
{
    char *end;
    double v = s ? strtod(s, &end) : 0;
    if (!s || !*s || *end || !(v >= 0 && v <= 3600)) return -1;
    *out = v;
    return 0;
}

static int miner(int argc, char **argv)
{
    const char *rpc = NULL;
    double bt = 0.1;
    for (int i = 0; i < argc; i += 2) { /* --option value pairs */
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--rpc-url") == 0 && v) rpc = v;
        else if (strcmp(argv[i], "--block-time") == 0 && !parse_seconds(v, &bt) && bt > 0) {}
        else {
            fprintf(stderr, "faas-devnet miner: bad option %s%s%s\n", argv[i], v ? " " : "", v ? v : "");
            return 2;
        }
    }
    if (!rpc) {
        fprintf(stderr, "faas-devnet miner: --rpc-url is required\n");
        return 2;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    char detail[SVC_DETAIL_MAX] = "";
    devnet_err e = devnet_miner_run(rpc, bt, &stop_flag, detail);
    if (e) fprintf(stderr, "faas-devnet miner: %s: %s\n", devnet_strerror(e), detail);
    return e ? 1 : 0;
}

static int up(int argc, char **argv, const char *home, const char *root, const char *bin)
{
    devnet_opts o = { 0 };
    int detach = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned x = 0;
        int bad = 0;
        if (strcmp(a, "--detach") == 0) {
            detach = 1;
            continue;
        } else if (strcmp(a, "--operators") == 0) {
            bad = parse_uint(v, &o.operators, 32) || !o.operators;
        } else if (strcmp(a, "--port") == 0) {
            bad = parse_uint(v, &o.port, 65535) || !o.port;
        } else if (strcmp(a, "--threshold-bps") == 0) {
            bad = parse_uint(v, &x, 10000) || !x;
            o.threshold_bps = (uint16_t)x;
        } else if (strcmp(a, "--task-sla") == 0) {
            bad = parse_uint(v, &o.task_sla, 604800) || !o.task_sla;
        } else if (strcmp(a, "--timeout") == 0) {
            bad = parse_uint(v, &o.timeout_s, 3600) || !o.timeout_s;
        } else if (strcmp(a, "--block-time") == 0) {
            double bt = 0;
            bad = parse_seconds(v, &bt);
            o.automine = !bad && bt == 0;
            o.block_time_ms = (unsigned)(bt * 1000 + 0.5);
            bad = bad || (!o.automine && !o.block_time_ms);
        } else if (strcmp(a, "--test-lie") == 0) {
            bad = parse_uint(v, &o.lie, 32) || !o.lie;
        } else if (strcmp(a, "--test-bad-signature") == 0) {
            bad = parse_uint(v, &o.bad_signature, 32) || !o.bad_signature;
        } else {
            fprintf(stderr, "faas-devnet: unknown option %s (see faas-devnet help)\n", a);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "faas-devnet: %s needs a number in range, got \"%s\"\n", a, v ? v : "");
            return 2;
        }
        i++;
    }
    /* Ctrl-C while starting stops what was started; the services live in
     * their own sessions, so the terminal's signal reaches only us. */
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    char detail[SVC_DETAIL_MAX] = "";
    devnet_err e = devnet_up(home, root, bin, &o, stdout, detail);
    if (e) {
        fprintf(stderr, "faas-devnet: %s: %s\n", devnet_strerror(e), detail);
        return 1;
    }
    if (detach) return 0;
    printf("\nfollowing the logs (Ctrl-C stops the devnet)\n");
    fflush(stdout);
    devnet_logs(home, NULL, 1, &stop_flag, stdout, detail);
    devnet_down(home, stdout, detail);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf(stderr, "faas-devnet: cannot find its own directory\n");
        return 1;
    }
    exe[n] = 0;
    char *bin = dirname(exe);
    char *home = devnet_home(), *root = devnet_root(bin);
    if (!home || !root) {
        fprintf(stderr, "faas-devnet: cannot find FAAS_HOME or the repository (set FAAS_ROOT)\n");
        return 1;
    }
    /* anvil, forge and cast come from the repository's pinned node tools. */
    const char *path = getenv("PATH");
    size_t pl = strlen(root) + (path ? strlen(path) : 0) + 32;
    char *newpath = malloc(pl);
    snprintf(newpath, pl, "%s/node_modules/.bin%s%s", root, path ? ":" : "", path ? path : "");
    setenv("PATH", newpath, 1);
    free(newpath);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    int rc;
    char detail[SVC_DETAIL_MAX] = "";
    const char *cmd = argv[1];
    if (strcmp(cmd, "up") == 0) {
        rc = up(argc - 2, argv + 2, home, root, bin);
    } else if (strcmp(cmd, "down") == 0 || strcmp(cmd, "status") == 0) {
        devnet_err e = cmd[0] == 'd' ? devnet_down(home, stdout, detail) : devnet_status(home, stdout, detail);
        if (e && *detail) fprintf(stderr, "faas-devnet: %s\n", detail);
        rc = e ? 1 : 0;
    } else if (strcmp(cmd, "miner") == 0) {
        rc = miner(argc - 2, argv + 2);
    } else if (strcmp(cmd, "logs") == 0) {
        const char *name = NULL;
        int follow = 0;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0) follow = 1;
            else name = argv[i];
        }
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        devnet_err e = devnet_logs(home, name, follow, &stop_flag, stdout, detail);
        if (e) fprintf(stderr, "faas-devnet: %s\n", detail);
        rc = e ? 1 : 0;
    } else {
        fprintf(stderr, "faas-devnet: unknown command %s\n%s", cmd, USAGE);
        rc = 2;
    }
    curl_global_cleanup();
    free(home);
    free(root);
    return rc;
}
