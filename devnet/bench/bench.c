/* network_bench (make bench-network, bench/network.sh): a devnet of 3
 * operators, a warm function (an echo), and:
 *
 *   offchain    per task, the aggregator's first sight of TaskCreated to its
 *               submitResult sent, less any wait for the chain's clock (the
 *               aggregator's offchain_ms: executors, performers, signing,
 *               verification and the certificate are all inside)
 *   latency     callFunction sent -> TaskVerified seen by our own WebSocket
 *               subscriber, over 100 sequential calls, each after a random
 *               pause of up to a second (so calls fall anywhere in a second)
 *   throughput  tasks verified per second with 32 calls in flight
 *               (BENCH_IN_FLIGHT) for 30 s (BENCH_SECONDS), and how many
 *               were lost (never verified) or verified twice; the baseline
 *               is callFunction alone (tasks created per second at the same
 *               concurrency, the aggregator and operators stopped) for a
 *               tenth of the time, at most 3 s
 *
 * Each line gives the goal and value/goal as ratio (below 1 is
 * better for latency, above 1 for throughput).
 *
 * Two devnets, one after the other (BENCH_MODES=default runs the first only):
 *   default     the devnet's miner: a block as soon as a transaction waits,
 *               stamped after its parent
 *   automine    anvil's automine (--block-time 0), the baseline: submitResult
 *               may not land in a block stamped with the creation block's
 *               second (TimestampAtCreation) and anvil stamps every block of
 *               a wall-clock second alike, so each call waits for the next
 *               second; its floor (send -> next second of the creation block)
 *               is printed for the same calls, and at most one task per
 *               second per call in flight can be verified
 * BENCH_KEEP=1 keeps the devnets' files (logs, databases) afterwards.
 */
#include "e2e.h"
#include "faas_abi.h"
#include "test.h"

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEQUENTIAL 100
#define IN_FLIGHT_DEFAULT 32
#define MAX_TASKS 20000
/* The goals. */
#define GOAL_OFFCHAIN_MS 15.0
#define GOAL_LATENCY_MS 600.0
#define GOAL_TASKS_PER_S 50.0

typedef struct {
    uint8_t tx[32];
    uint8_t task[32];
    int has_task;
    uint64_t block;
    double sent_ms, verified_ms;
    int verified;       /* TaskVerified logs seen */
} call;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static call calls[MAX_TASKS];
static size_t n_calls;
/* TaskCreated logs that arrived before their call was recorded (anvil mines
 * at once: the log can beat eth_sendRawTransaction's answer). */
static call early[MAX_TASKS];
static size_t n_early;
static uint8_t topic_created[32], topic_verified[32];

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void sleep_ms(double ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(fmod(ms, 1000) * 1e6) };
    nanosleep(&ts, NULL);
}

/* The subscriber: TaskCreated tells which task a transaction made,
 * TaskVerified when it was verified. */
static void on_log(void *user, const eth_log *l)
{
    (void)user;
    if (l->removed || l->n_topics < 3) return;
    double t = now_ms();
    pthread_mutex_lock(&lock);
    if (memcmp(l->topics[0], topic_created, 32) == 0) {
        size_t i = n_calls;
        while (i-- > 0 && memcmp(calls[i].tx, l->tx_hash, 32) != 0) {}
        call *c = i < n_calls ? &calls[i] : n_early < MAX_TASKS ? &early[n_early++] : NULL;
        if (c) {
            memcpy(c->tx, l->tx_hash, 32);
            memcpy(c->task, l->topics[2], 32);
            c->block = l->block_number;
            c->has_task = 1;
        }
    } else {
        for (size_t i = n_calls; i-- > 0;) {
            if (calls[i].has_task && memcmp(calls[i].task, l->topics[2], 32) == 0) {
                if (!calls[i].verified++) calls[i].verified_ms = t;
                break;
            }
        }
    }
    pthread_mutex_unlock(&lock);
}

static int send_call(e2e_net *n, const uint8_t id[32], size_t k)
{
    char input[48];
    snprintf(input, sizeof input, "{\"n\":%zu}", k);
    uint8_t tx[32];
    double t0 = now_ms();
    if (e2e_call_async(n, id, input, tx) != 0) return -1;
    pthread_mutex_lock(&lock);
    int ok = n_calls < MAX_TASKS;
    if (ok) {
        call *c = &calls[n_calls++];
        memset(c, 0, sizeof *c);
        memcpy(c->tx, tx, 32);
        c->sent_ms = t0;
        for (size_t i = 0; i < n_early; i++) {
            if (memcmp(early[i].tx, tx, 32) != 0) continue;
            memcpy(c->task, early[i].task, 32);
            c->block = early[i].block;
            c->has_task = 1;
            early[i] = early[--n_early];
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return ok ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The p-th percentile (nearest rank) of v[0..n). */
static double pct(double *v, size_t n, double p)
{
    if (!n) return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    size_t k = (size_t)ceil(p / 100 * (double)n);
    return v[k ? k - 1 : 0];
}

/* CPU seconds (user + system, with reaped children) of every process of a
 * session: a devnet service with what it started (an executor's performer,
 * its zygotes and their finished children). */
static double session_cpu_s(pid_t sid)
{
    DIR *d = opendir("/proc");
    double total = 0;
    long hz = sysconf(_SC_CLK_TCK);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        char p[300], buf[1024];
        snprintf(p, sizeof p, "/proc/%.32s/stat", e->d_name);
        FILE *f = fopen(p, "r");
        if (!f) continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        /* Fields after the ")" of the command: state ppid pgrp session ... */
        char *r = strrchr(buf, ')');
        long s_id;
        unsigned long ut, st;
        long cut, cst;
        if (!r || sscanf(r + 2, "%*c %*d %*d %ld %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld", &s_id, &ut, &st, &cut,
                         &cst) != 5 || s_id != sid)
            continue;
        total += (double)(ut + st + (unsigned long)cut + (unsigned long)cst) / (double)hz;
    }
    if (d) closedir(d);
    return total;
}

static const char *const services[] = { "anvil", "miner", "aggregator", "operator-1", "operator-2", "operator-3" };
/* The services stopped for the throughput baseline: all but the chain's. */
#define FIRST_OFFCHAIN_SERVICE 2
#define N_SERVICES (sizeof services / sizeof services[0])

static void cpu_snapshot(e2e_net *n, double out[N_SERVICES])
{
    for (size_t i = 0; i < N_SERVICES; i++) {
        pid_t pid = e2e_pid(n, services[i]);
        out[i] = pid > 0 ? session_cpu_s(pid) : -1; /* no miner under automine */
    }
}

static int wait_verified(size_t i, double timeout_ms)
{
    for (double t0 = now_ms(); now_ms() - t0 < timeout_ms; sleep_ms(0.5)) {
        pthread_mutex_lock(&lock);
        int v = calls[i].verified;
        pthread_mutex_unlock(&lock);
        if (v) return 0;
    }
    return -1;
}

/* One devnet (devnet_args) measured; lines start with label. */
static int run_mode(const char *label, const char *devnet_args, int automine, double seconds, size_t in_flight)
{
    e2e_net net;
    n_calls = n_early = 0;
    if (e2e_up(&net, devnet_args) != 0) {
        fprintf(stderr, "bench: the devnet did not start\n");
        return 1;
    }
    int rc = 1;
    char dir[512];
    uint8_t fid[32];
    eth_sub *sub = NULL;
    eth_abi_event_topic(topic_created, FAAS_ABI_TASK_CREATED);
    eth_abi_event_topic(topic_verified, FAAS_ABI_TASK_VERIFIED);
    uint8_t topics[2][32];
    memcpy(topics[0], topic_created, 32);
    memcpy(topics[1], topic_verified, 32);
    eth_sub_opts so = { .ws_url = net.ws_url, .rpc_url = net.rpc_url,
                        .filter = { .addresses = &net.mailbox, .n_addresses = 1,
                                    .topic0 = (const uint8_t(*)[32])topics, .n_topic0 = 2 },
                        .on_log = on_log };
    if (e2e_write_js(&net, "echo", "exports.handler = async (input) => ({ echo: input });\n", dir, sizeof dir) ||
        e2e_register_dir(&net, dir, fid) || eth_sub_start(&sub, &so) != ETH_OK) {
        fprintf(stderr, "bench: setup failed\n");
        goto out;
    }
    while (!eth_sub_connections(sub)) sleep_ms(10);

    /* Warm-up: every executor's performer has the bundle and warm zygotes. */
    for (size_t i = 0; i < 5; i++)
        if (send_call(&net, fid, i) || wait_verified(n_calls - 1, 30000)) goto out;

    /* Sequential calls. */
    size_t first = n_calls;
    double e2e[SEQUENTIAL], floor_ms[SEQUENTIAL], offchain[SEQUENTIAL];
    size_t n_off = 0;
    srand(4711);
    for (size_t i = 0; i < SEQUENTIAL; i++) {
        /* A pause of 0..1 s: calls come at any point of a second, as a
         * user's do, not locked to the second the previous one ended in. */
        sleep_ms(rand() % 1000);
        double sent_wall = wall_ms();
        if (send_call(&net, fid, first + i) || wait_verified(first + i, 30000)) {
            fprintf(stderr, "bench: call %zu was not verified\n", i);
            goto out;
        }
        call *c = &calls[first + i];
        e2e[i] = c->verified_ms - c->sent_ms;
        /* The chain's floor: the first instant of the second after the creation block's. */
        floor_ms[i] = (double)(e2e_block_timestamp(&net, c->block) + 1) * 1000 - sent_wall;
        json_t *st = e2e_aggregator_task(&net, c->task);
        double off = json_real_value(json_object_get(st, "offchain_ms"));
        if (off > 0) offchain[n_off++] = off;
        json_decref(st);
    }
    double o50 = pct(offchain, n_off, 50), o99 = pct(offchain, n_off, 99);
    printf("%soffchain p50_ms=%.1f p99_ms=%.1f goal_ms=%.0f ratio=%.2f\n", label, o50, o99, GOAL_OFFCHAIN_MS,
           o50 / GOAL_OFFCHAIN_MS);
    double e50 = pct(e2e, SEQUENTIAL, 50), e99 = pct(e2e, SEQUENTIAL, 99);
    printf("%slatency p50_ms=%.1f p99_ms=%.1f goal_ms=%.0f ratio=%.2f\n", label, e50, e99, GOAL_LATENCY_MS,
           e50 / GOAL_LATENCY_MS);
    if (automine) {
        double f50 = pct(floor_ms, SEQUENTIAL, 50);
        printf("%slatency floor: send -> next second of the creation block p50_ms=%.1f; latency over the floor p50 %.1f"
               " ms\n",
               label, f50, e50 - f50);
    }
    fflush(stdout);

    /* Throughput with IN_FLIGHT calls outstanding. */
    size_t tp_first = n_calls, done_in_window = 0;
    double cpu0[N_SERVICES], cpu1[N_SERVICES];
    cpu_snapshot(&net, cpu0);
    double t0 = now_ms();
    while (now_ms() - t0 < seconds * 1000) {
        pthread_mutex_lock(&lock);
        size_t outstanding = 0;
        for (size_t i = tp_first; i < n_calls; i++) outstanding += !calls[i].verified;
        pthread_mutex_unlock(&lock);
        if (outstanding < in_flight) {
            if (send_call(&net, fid, n_calls)) goto out;
        } else {
            sleep_ms(1);
        }
    }
    double window_end = now_ms();
    cpu_snapshot(&net, cpu1);
    size_t sent = n_calls - tp_first;
    for (size_t i = tp_first; i < n_calls; i++) wait_verified(i, 90000);
    size_t lost = 0, dup = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = tp_first; i < n_calls; i++) {
        if (!calls[i].verified) lost++;
        if (calls[i].verified > 1) dup++;
        if (calls[i].verified && calls[i].verified_ms <= window_end) done_in_window++;
    }
    pthread_mutex_unlock(&lock);
    /* Duplicates on chain too (the subscriber could miss nothing it counts twice). */
    for (size_t i = tp_first; i < n_calls; i++)
        if (calls[i].has_task && e2e_verified_logs(&net, calls[i].task, calls[i].block, NULL, NULL) > 1) dup++;
    double tps = done_in_window / seconds;
    printf("%sthroughput tasks_per_s=%.1f lost=%zu duplicated=%zu goal_per_s=%.0f ratio=%.2f\n", label, tps, lost, dup,
           GOAL_TASKS_PER_S, tps / GOAL_TASKS_PER_S);
    /* Each call in flight is followed by the next only once it is verified,
     * which under automine is after a second boundary its own task needs
     * (TimestampAtCreation, one timestamp per wall-clock second): at most
     * one task per second per call in flight. */
    if (automine)
        printf("%sthroughput cap: %zu calls in flight x 1 task/s = %zu tasks/s\n", label, in_flight, in_flight);
    printf("%scpu ms per verified task in the window:", label);
    for (size_t i = 0; i < N_SERVICES; i++)
        if (cpu0[i] >= 0)
            printf(" %s=%.1f", services[i], done_in_window ? (cpu1[i] - cpu0[i]) * 1000 / (double)done_in_window : 0);
    printf(" (an operator: executor + performer + functions)\n");
    fflush(stdout);

    /* Baseline: callFunction alone at the same concurrency, a call counting
     * as done when its TaskCreated arrives: the chain's side of the ceiling,
     * with the aggregator and the operators stopped (SIGSTOP) meanwhile. */
    double base_s = seconds / 10 < 3 ? seconds / 10 : 3;
    for (size_t i = FIRST_OFFCHAIN_SERVICE; i < N_SERVICES; i++) kill(-e2e_pid(&net, services[i]), SIGSTOP);
    size_t base_first = n_calls;
    t0 = now_ms();
    while (now_ms() - t0 < base_s * 1000) {
        pthread_mutex_lock(&lock);
        size_t outstanding = 0;
        for (size_t i = base_first; i < n_calls; i++) outstanding += !calls[i].has_task;
        pthread_mutex_unlock(&lock);
        if (outstanding < in_flight) {
            if (send_call(&net, fid, n_calls)) goto out;
        } else {
            sleep_ms(0.5);
        }
    }
    for (size_t i = FIRST_OFFCHAIN_SERVICE; i < N_SERVICES; i++) kill(-e2e_pid(&net, services[i]), SIGCONT);
    size_t created = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = base_first; i < n_calls; i++) created += calls[i].has_task;
    pthread_mutex_unlock(&lock);
    printf("%sthroughput baseline: callFunction alone (services stopped) %.1f tasks created/s at %d in flight;"
           " verified/created ratio %.2f; %zu calls sent in the window\n",
           label, created / base_s, (int)in_flight, tps / (created / base_s), sent);
    rc = 0;
out:
    eth_sub_free(sub);
    /* Keeps the devnet's files for a look after a failure, or when asked. */
    if (rc || getenv("BENCH_KEEP")) test_failures = 1;
    e2e_down(&net);
    return rc;
}

int main(void)
{
    double seconds = getenv("BENCH_SECONDS") ? atof(getenv("BENCH_SECONDS")) : 30;
    size_t in_flight = getenv("BENCH_IN_FLIGHT") ? (size_t)atoi(getenv("BENCH_IN_FLIGHT")) : IN_FLIGHT_DEFAULT;
    const char *modes = getenv("BENCH_MODES");
    int rc = run_mode("network ", "--operators 3", 0, seconds, in_flight);
    if (!rc && !(modes && strcmp(modes, "default") == 0))
        rc = run_mode("network automine: ", "--operators 3 --block-time 0", 1, seconds, in_flight);
    return rc;
}
