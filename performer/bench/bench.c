/* performer_bench - make bench-performer (bench/performer.sh).
 *
 * For a trivial handler in each runtime, in one run:
 *   ours:     bin/performer (warm zygotes, a sandboxed fork per call),
 *             called over its HTTP API with perf_client, as an executor calls it;
 *   baseline: the original design, a runtime spawned with its runner per
 *             call (perf_local_invoke, no HTTP and no sandbox, so the
 *             comparison favours the baseline).
 * Cases: cold (a bundle never run before: sent with the call, verified,
 * extracted, run), warm (the same bundle again), and throughput with 2 to 16
 * concurrent callers. Prints one line per case:
 *   performer <runtime> <cold|warm> ours_ms=<p50> p99_ms=<p99> baseline_ms=<p50> ratio=<baseline/ours>
 *   performer <runtime> throughput ours_per_s=<n> baseline_per_s=<n>
 * and, as '#' lines, the numbers behind them.
 */
#include <archive.h>
#include <archive_entry.h>
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "performer.h"
#include "svc.h"

static const char *const code[BUNDLE_RUNTIME__COUNT] = {
    "exports.handler = async function (input) { return { ok: true, input }; };\n",
    "def handler(input_data):\n    return {'ok': True, 'input': input_data}\n",
};

static la_ssize_t to_buf(struct archive *a, void *ctx, const void *p, size_t n)
{
    (void)a;
    return eth_buf_append(ctx, p, n) == ETH_OK ? (la_ssize_t)n : -1;
}

/* A bundle of the trivial handler; `variant` changes a comment, so each
 * variant has its own function id. Caller frees *out. */
static size_t make_bundle(bundle_runtime rt, unsigned variant, uint8_t **out)
{
    char entry[512], manifest[64];
    snprintf(entry, sizeof entry, "%s%s variant %u\n", code[rt], rt == BUNDLE_RUNTIME_PYTHON ? "#" : "//", variant);
    snprintf(manifest, sizeof manifest, "{\"runtime\":\"%s\"}", bundle_runtime_name(rt));
    const char *names[2] = {"manifest.json", bundle_runtime_entry(rt)}, *data[2] = {manifest, entry};
    eth_buf b;
    eth_buf_init(&b, 0);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter_gzip(a);
    archive_write_set_bytes_in_last_block(a, 1);
    archive_write_open(a, &b, NULL, to_buf, NULL);
    for (int i = 0; i < 2; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, names[i]);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)strlen(data[i]));
        archive_write_header(a, e);
        archive_write_data(a, data[i], strlen(data[i]));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    *out = b.data;
    return b.len;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    double p50, p99;
} quantiles;

static quantiles stats(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp);
    size_t k99 = (n * 99 + 99) / 100;
    return (quantiles){v[n / 2], v[(k99 ? k99 : 1) - 1]};
}

/* ------------------------------------------------------------------------ */
/* The two executors                                                          */

static char endpoint[64];
static bundle_cache *cache;     /* the baseline's */
static atomic_uint task_seq;

static perf_task task(void)
{
    perf_task t = {.input = (const uint8_t *)"{\"n\":1}", .input_len = 7, .timestamp = 1735732800};
    unsigned s = atomic_fetch_add(&task_seq, 1);
    memcpy(t.task_id, &s, sizeof s);
    return t;
}

/* One call on the performer; bundle bytes sent when tar is given. */
static int ours(perf_client *c, const uint8_t id[32], const uint8_t *tar, size_t n)
{
    perf_task t = task();
    perf_result r;
    char detail[256] = "";
    perf_err e = perf_client_execute(c, id, tar, n, &t, &r, detail);
    if (e) {
        fprintf(stderr, "bench: performer: %s: %s\n", perf_strerror(e), detail);
        return -1;
    }
    int ok = r.outcome == PERF_OUTCOME_OK;
    perf_result_free(&r);
    return ok ? 0 : -1;
}

/* One call the original way; a new tarball is extracted first, as the
 * original extracted every call's bundle. */
static int baseline(const bundle_info *cached, const uint8_t *tar, size_t n)
{
    bundle_info fresh;
    if (tar && bundle_cache_add(cache, tar, n, NULL, &fresh, NULL, NULL) != BUNDLE_OK) return -1;
    perf_task t = task();
    perf_result r;
    if (perf_local_invoke(NULL, tar ? &fresh : cached, &t, &r) != PERF_OK) return -1;
    int ok = r.outcome == PERF_OUTCOME_OK;
    perf_result_free(&r);
    return ok ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* Cases                                                                      */

static unsigned variants = 1000;

/* Latencies of n calls; cold: each on a bundle never seen before. */
static quantiles latency(bundle_runtime rt, int use_ours, int cold, size_t n, const bundle_info *cached,
                         const uint8_t cached_id[32])
{
    double *v = calloc(n, sizeof *v);
    perf_client *c = NULL;
    if (use_ours) perf_client_new(&c, endpoint);
    for (size_t i = 0; i < n; i++) {
        uint8_t *tar = NULL, id[32];
        size_t len = 0;
        if (cold) {
            len = make_bundle(rt, variants++, &tar);
            bundle_id(id, tar, len);
        }
        double t0 = perf_now_ms();
        int r = use_ours ? ours(c, cold ? id : cached_id, tar, len) : baseline(cached, tar, len);
        v[i] = perf_now_ms() - t0;
        free(tar);
        if (r != 0) {
            fprintf(stderr, "bench: a %s %s call failed\n", bundle_runtime_name(rt), cold ? "cold" : "warm");
            exit(1);
        }
    }
    quantiles q = stats(v, n);
    free(v);
    perf_client_free(c);
    return q;
}

typedef struct {
    int use_ours;
    const bundle_info *b;
    double until;
    unsigned calls, failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    perf_client *c = NULL;
    if (w->use_ours && perf_client_new(&c, endpoint) != PERF_OK) return NULL;
    while (perf_now_ms() < w->until) {
        int r = w->use_ours ? ours(c, w->b->id, NULL, 0) : baseline(w->b, NULL, 0);
        if (r == 0)
            w->calls++;
        else
            w->failures++;
    }
    perf_client_free(c);
    return NULL;
}

/* Calls per second with `callers` threads for `seconds`. */
static double throughput(int use_ours, const bundle_info *b, int callers, double seconds)
{
    worker w[16];
    pthread_t th[16];
    double start = perf_now_ms();
    for (int i = 0; i < callers; i++) {
        w[i] = (worker){use_ours, b, start + seconds * 1000, 0, 0};
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    unsigned calls = 0, failures = 0;
    for (int i = 0; i < callers; i++) {
        pthread_join(th[i], NULL);
        calls += w[i].calls;
        failures += w[i].failures;
    }
    double elapsed = (perf_now_ms() - start) / 1000;
    if (failures) fprintf(stderr, "bench: %u calls failed\n", failures);
    return calls / elapsed;
}

/* ------------------------------------------------------------------------ */

static int rm_cb(const char *p, const struct stat *s, int t, struct FTW *f)
{
    (void)s, (void)t, (void)f;
    return remove(p);
}

int main(int argc, char **argv)
{
    const char *bin = argc > 1 ? argv[1] : "bin/performer";
    double seconds = argc > 2 ? atof(argv[2]) : 1.5;
    char work_dir[] = "/tmp/faas-bench-XXXXXX", perf_cache[64], base_cache[64], listen[32];
    if (!mkdtemp(work_dir)) return 1;
    snprintf(perf_cache, sizeof perf_cache, "%s/performer", work_dir);
    snprintf(base_cache, sizeof base_cache, "%s/baseline", work_dir);
    snprintf(listen, sizeof listen, "127.0.0.1:%d", (int)svc_port_pick());
    snprintf(endpoint, sizeof endpoint, "%s", listen);
    if (bundle_cache_open(&cache, base_cache, NULL) != BUNDLE_OK) return 1;

    pid_t pid = fork();
    if (pid == 0) {
        setenv("LOG_LEVEL", "warn", 1);
        execl(bin, bin, "--listen", listen, "--cache-dir", perf_cache, (char *)NULL);
        _exit(127);
    }
    /* Ready once it answers /health. */
    perf_client *probe;
    perf_client_new(&probe, endpoint);
    long status = 0;
    for (int i = 0; i < 300 && status != 200; i++) {
        char *body = NULL;
        if (perf_client_get(probe, "/health", &status, &body) != PERF_OK) usleep(50000);
        free(body);
    }
    if (status != 200) {
        fprintf(stderr, "bench: %s did not start (it needs root)\n", bin);
        return 1;
    }
    char *health = NULL;
    perf_client_get(probe, "/health", &status, &health);
    printf("# %s\n", health);
    free(health);

    for (int rt = 0; rt < BUNDLE_RUNTIME__COUNT; rt++) {
        const char *name = bundle_runtime_name((bundle_runtime)rt);
        uint8_t *tar, id[32];
        size_t len = make_bundle((bundle_runtime)rt, 0, &tar);
        bundle_id(id, tar, len);
        bundle_info b;
        if (perf_client_put_bundle(probe, tar, len, NULL) != PERF_OK ||
            bundle_cache_add(cache, tar, len, NULL, &b, NULL, NULL) != BUNDLE_OK) {
            fprintf(stderr, "bench: cannot add the %s bundle\n", name);
            return 1;
        }
        free(tar);
        latency((bundle_runtime)rt, 1, 0, 20, &b, id); /* warm-up */
        latency((bundle_runtime)rt, 0, 0, 2, &b, id);
        quantiles oc = latency((bundle_runtime)rt, 1, 1, 100, &b, id);
        quantiles bc = latency((bundle_runtime)rt, 0, 1, 20, &b, id);
        quantiles ow = latency((bundle_runtime)rt, 1, 0, 300, &b, id);
        quantiles bw = latency((bundle_runtime)rt, 0, 0, 20, &b, id);
        double best_ours = 0, best_base = 0;
        int ours_at = 0, base_at = 0;
        for (int callers = 2; callers <= 16; callers *= 2) {
            double o = throughput(1, &b, callers, seconds), x = throughput(0, &b, callers, seconds);
            printf("# %s throughput with %d callers: ours %.0f/s, baseline %.1f/s\n", name, callers, o, x);
            if (o > best_ours) best_ours = o, ours_at = callers;
            if (x > best_base) best_base = x, base_at = callers;
        }
        printf("# %s cold: ours p50 %.2f p99 %.2f ms, baseline p50 %.2f p99 %.2f ms\n", name, oc.p50, oc.p99, bc.p50, bc.p99);
        printf("# %s warm: ours p50 %.2f p99 %.2f ms, baseline p50 %.2f p99 %.2f ms\n", name, ow.p50, ow.p99, bw.p50, bw.p99);
        printf("# %s best throughput: ours with %d callers, baseline with %d\n", name, ours_at, base_at);
        printf("performer %s cold ours_ms=%.2f p99_ms=%.2f baseline_ms=%.2f ratio=%.1f\n", name, oc.p50, oc.p99, bc.p50,
               bc.p50 / oc.p50);
        printf("performer %s warm ours_ms=%.2f p99_ms=%.2f baseline_ms=%.2f ratio=%.1f\n", name, ow.p50, ow.p99, bw.p50,
               bw.p50 / ow.p50);
        printf("performer %s throughput ours_per_s=%.0f baseline_per_s=%.1f\n", name, best_ours, best_base);
        fflush(stdout);
    }
    perf_client_free(probe);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    bundle_cache_close(cache);
    nftw(work_dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
