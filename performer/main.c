/* bin/performer - runs function bundles for an operator node (see performer.h
 * for the HTTP API). Starts one warm zygote per runtime, serves until
 * SIGINT/SIGTERM, then stops cleanly. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "performer.h"

static const char usage[] =
    "usage: performer [options]\n"
    "  --listen ADDR          127.0.0.1:PORT or unix:/path (default 127.0.0.1:8080)\n"
    "  --cache-dir DIR        bundle cache (default /var/cache/faas-performer)\n"
    "  --runtime-dir DIR      runner scripts and zygote modules (default: the build's)\n"
    "  --node PATH            Node.js under /usr (default /usr/bin/node)\n"
    "  --python PATH          CPython under /usr (default /usr/bin/python3)\n"
    "  --runtimes LIST        javascript,python (default both)\n"
    "  --zygotes N            zygotes per runtime (default 1)\n"
    "  --max-inflight N       invocations at once (default 64)\n"
    "  --allow-network        let functions use the host's network (default: none)\n"
    "  --no-cgroups           do not use cgroups for memory and process limits\n"
    "  --bundle-max-mib N     largest bundle once extracted (default 256)\n"
    "  --timeout-ms N, --memory-mib N, --max-procs N, --max-open-files N, --tmp-mib N,\n"
    "  --max-result-bytes N, --max-log-lines N, --max-log-bytes N\n"
    "                         invocation limits: the defaults, and caps on what a request asks\n"
    "Environment: LOG_LEVEL=debug|info|warn|error (JSON lines on stderr).\n"
    "The performer needs root (namespaces, mounts, cgroups).\n";

/* Parses a positive integer option value. */
static int positive(const char *s, uint32_t *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v == 0 || v > UINT32_MAX) return -1;
    *out = (uint32_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    enum { O_TIMEOUT = 256, O_MEMORY, O_PROCS, O_FILES, O_TMP, O_RESULT, O_LOG_LINES, O_LOG_BYTES };
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},        {"cache-dir", required_argument, NULL, 'c'},
        {"runtime-dir", required_argument, NULL, 'r'},   {"node", required_argument, NULL, 'n'},
        {"python", required_argument, NULL, 'p'},        {"runtimes", required_argument, NULL, 'R'},
        {"zygotes", required_argument, NULL, 'z'},       {"max-inflight", required_argument, NULL, 'i'},
        {"allow-network", no_argument, NULL, 'N'},       {"no-cgroups", no_argument, NULL, 'G'},
        {"timeout-ms", required_argument, NULL, O_TIMEOUT}, {"memory-mib", required_argument, NULL, O_MEMORY},
        {"max-procs", required_argument, NULL, O_PROCS}, {"max-open-files", required_argument, NULL, O_FILES},
        {"tmp-mib", required_argument, NULL, O_TMP},     {"max-result-bytes", required_argument, NULL, O_RESULT},
        {"max-log-lines", required_argument, NULL, O_LOG_LINES}, {"max-log-bytes", required_argument, NULL, O_LOG_BYTES},
        {"bundle-max-mib", required_argument, NULL, 'B'}, {"help", no_argument, NULL, 'h'},                {NULL, 0, NULL, 0},
    };
    const char *listen = "127.0.0.1:8080", *cache_dir = "/var/cache/faas-performer";
    perf_pool_config cfg = {0};
    bundle_limits blim = {0};
    uint32_t *limit_of[] = {
        [O_TIMEOUT - O_TIMEOUT] = &cfg.limits.timeout_ms,      [O_MEMORY - O_TIMEOUT] = &cfg.limits.memory_mib,
        [O_PROCS - O_TIMEOUT] = &cfg.limits.max_procs,         [O_FILES - O_TIMEOUT] = &cfg.limits.max_open_files,
        [O_TMP - O_TIMEOUT] = &cfg.limits.tmp_mib,             [O_RESULT - O_TIMEOUT] = &cfg.limits.max_result_bytes,
        [O_LOG_LINES - O_TIMEOUT] = &cfg.limits.max_log_lines, [O_LOG_BYTES - O_TIMEOUT] = &cfg.limits.max_log_bytes,
    };
    for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        uint32_t n;
        switch (c) {
        case 'l': listen = optarg; break;
        case 'c': cache_dir = optarg; break;
        case 'r': cfg.runtimes.runtime_dir = optarg; break;
        case 'n': cfg.runtimes.node = optarg; break;
        case 'p': cfg.runtimes.python = optarg; break;
        case 'N': cfg.allow_network = 1; break;
        case 'G': cfg.no_cgroups = 1; break;
        case 'R':
            for (char *tok = strtok(optarg, ","); tok; tok = strtok(NULL, ",")) {
                int r = strcmp(tok, "javascript") == 0 ? BUNDLE_RUNTIME_JAVASCRIPT : strcmp(tok, "python") == 0 ? BUNDLE_RUNTIME_PYTHON : -1;
                if (r < 0) {
                    fprintf(stderr, "performer: unknown runtime '%s' (javascript, python)\n", tok);
                    return 2;
                }
                cfg.runtime_mask |= 1u << r;
            }
            break;
        case 'B':
            if (positive(optarg, &n) != 0 || n > 65536) {
                fprintf(stderr, "performer: --bundle-max-mib needs a positive integer\n");
                return 2;
            }
            blim.max_total = (size_t)n << 20;
            break;
        case 'z':
        case 'i':
            if (positive(optarg, &n) != 0) {
                fprintf(stderr, "performer: --%s needs a positive integer\n", c == 'z' ? "zygotes" : "max-inflight");
                return 2;
            }
            *(c == 'z' ? &cfg.zygotes : &cfg.max_inflight) = n;
            break;
        case 'h': fputs(usage, stdout); return 0;
        default:
            if (c >= O_TIMEOUT && c <= O_LOG_BYTES) {
                if (positive(optarg, limit_of[c - O_TIMEOUT]) != 0) {
                    fprintf(stderr, "performer: %s needs a positive integer\n", argv[optind - 1]);
                    return 2;
                }
                break;
            }
            fputs(usage, stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "performer: unexpected argument '%s'\n%s", argv[optind], usage);
        return 2;
    }
    if (geteuid() != 0) {
        fprintf(stderr, "performer: needs root for namespaces, mounts and cgroups\n");
        return 1;
    }

    /* Signals are taken synchronously by sigwait below; the server's
     * threads inherit the mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    bundle_cache *cache = NULL;
    bundle_err be = bundle_cache_open(&cache, cache_dir, &blim);
    if (be) {
        fprintf(stderr, "performer: cache %s: %s\n", cache_dir, bundle_strerror(be));
        return 1;
    }
    char staging[4200], detail[256] = "";
    snprintf(staging, sizeof staging, "%s/.sandbox-root", bundle_cache_path(cache));
    mkdir(staging, 0700);
    cfg.cache_dir = bundle_cache_path(cache);
    cfg.staging_dir = staging;
    perf_pool *pool = NULL;
    perf_server *server = NULL;
    perf_err err = perf_pool_start(&pool, &cfg, detail);
    if (!err) {
        perf_server_config sc = {.listen = listen, .pool = pool, .cache = cache};
        err = perf_server_start(&server, &sc, detail);
    }
    if (err) {
        fprintf(stderr, "performer: %s%s%s\n", perf_strerror(err), *detail ? ": " : "", detail);
        perf_pool_stop(pool);
        bundle_cache_close(cache);
        return 1;
    }
    perf_log(PERF_LOG_INFO, "listening", "{s:s, s:s}", "address", perf_server_address(server), "cache", cfg.cache_dir);

    int sig = 0;
    sigwait(&stop, &sig);
    perf_log(PERF_LOG_INFO, "stopping", "{s:s}", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM");
    perf_server_stop(server);
    perf_pool_stop(pool);
    bundle_cache_close(cache);
    return 0;
}
