/* test_svc.c - the shared service library: JSON log lines, Prometheus text,
 * settings precedence and validation, files and secrets, schema migrations,
 * and the HTTP server driven by libcurl. */
#include "prom.h"
#include "svc.h"
#include "test.h"

#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- logs ---------------------------------------------------------------- */

static void test_log_lines(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    REQUIRE(f);
    svc_log_set_stream(f);
    svc_log_init("unit");
    svc_log_set_level(SVC_LOG_INFO);
    svc_log(SVC_LOG_DEBUG, "hidden", NULL);
    svc_log(SVC_LOG_INFO, "task \"answered\"\n", "{s:s,s:i,s:f}", "task", "0xab", "n", 3, "ms", 1.5);
    svc_log(SVC_LOG_ERROR, "bad fields", "[i]", 1);
    svc_log(SVC_LOG_WARN, "null field", "{s:s}", "x", NULL);
    svc_log_set_stream(NULL);
    fclose(f);

    /* Three lines, each a JSON object with the standard members first. */
    int lines = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        json_t *o = json_loads(line, 0, NULL);
        REQUIRE(o && json_is_object(o));
        CHECK_STR(json_string_value(json_object_get(o, "service")), "unit");
        const char *ts = json_string_value(json_object_get(o, "ts"));
        CHECK(ts && strlen(ts) == 24 && ts[10] == 'T' && ts[23] == 'Z');
        if (lines == 0) {
            CHECK_STR(json_string_value(json_object_get(o, "level")), "info");
            CHECK_STR(json_string_value(json_object_get(o, "msg")), "task \"answered\"\n");
            CHECK_INT(json_integer_value(json_object_get(o, "n")), 3);
            CHECK(json_real_value(json_object_get(o, "ms")) == 1.5);
        } else {
            CHECK(json_object_get(o, "log_error") != NULL);
        }
        json_decref(o);
    }
    CHECK_INT(lines, 3);
    free(buf);
    svc_log_level l;
    CHECK_INT(svc_log_level_parse(&l, "WARN"), SVC_OK);
    CHECK_INT(l, SVC_LOG_WARN);
    CHECK_INT(svc_log_level_parse(&l, "verbose"), SVC_ERR_ARG);
}

/* ---- metrics ------------------------------------------------------------- */

static void test_metrics_text(void)
{
    svc_metrics *m = svc_metrics_new();
    REQUIRE(m);
    svc_metric *ok = svc_metrics_counter(m, "faas_requests_total", "code=\"ok\"", "Requests by outcome.");
    svc_metric *bad = svc_metrics_counter(m, "faas_requests_total", "code=\"bad\"", "ignored");
    svc_metric *g = svc_metrics_gauge(m, "faas_inflight", NULL, "In flight.");
    double b[] = { 0.01, 0.1, 1 };
    svc_metric *h = svc_metrics_histogram(m, "faas_latency_seconds", NULL, "Latency.", b, 3);
    CHECK(svc_metrics_counter(m, "faas_requests_total", "code=\"ok\"", NULL) == ok);
    CHECK(svc_metrics_gauge(m, "faas_requests_total", NULL, "") == NULL); /* kind clash */
    CHECK(svc_metrics_counter(m, "9bad", NULL, "") == NULL);
    CHECK(svc_metrics_counter(m, "bad-name", NULL, "") == NULL);
    double unsorted[] = { 1, 0.5 };
    CHECK(svc_metrics_histogram(m, "faas_h2", NULL, "", unsorted, 2) == NULL);
    svc_metric_add(ok, 2);
    svc_metric_add(ok, -5); /* counters never go down */
    svc_metric_add(bad, 1);
    svc_metric_set(g, -3.5);
    svc_metric_observe(h, 0.005);
    svc_metric_observe(h, 0.05);
    svc_metric_observe(h, 0.05);
    svc_metric_observe(h, 7);
    svc_metric_add(NULL, 1);
    CHECK(svc_metric_value(ok) == 2);
    CHECK(svc_metric_value(h) == 4);
    char *text = svc_metrics_render(m);
    REQUIRE(text);
    const char *want =
        "# HELP faas_requests_total Requests by outcome.\n"
        "# TYPE faas_requests_total counter\n"
        "faas_requests_total{code=\"ok\"} 2\n"
        "faas_requests_total{code=\"bad\"} 1\n"
        "# HELP faas_inflight In flight.\n"
        "# TYPE faas_inflight gauge\n"
        "faas_inflight -3.5\n"
        "# HELP faas_latency_seconds Latency.\n"
        "# TYPE faas_latency_seconds histogram\n"
        "faas_latency_seconds_bucket{le=\"0.01\"} 1\n"
        "faas_latency_seconds_bucket{le=\"0.1\"} 3\n"
        "faas_latency_seconds_bucket{le=\"1\"} 3\n"
        "faas_latency_seconds_bucket{le=\"+Inf\"} 4\n"
        "faas_latency_seconds_sum 7.105\n"
        "faas_latency_seconds_count 4\n";
    CHECK_STR(text, want);
    free(text);
    svc_metrics_free(m);
}

/* Numbers are written with %g (le="0.0025", le="10"), with more digits only
 * where %g would not read back exactly, and what the services
 * render is valid exposition text by prom.h's strict reader. */
static void test_metrics_numbers(void)
{
    svc_metrics *m = svc_metrics_new();
    REQUIRE(m);
    svc_metric *lat = svc_metrics_histogram(m, "faas_lat_seconds", "op=\"a\"", "Latency.", svc_latency_buckets,
                                            svc_latency_buckets_n);
    svc_metric *lat2 = svc_metrics_histogram(m, "faas_lat_seconds", "op=\"b\"", "", svc_latency_buckets,
                                             svc_latency_buckets_n);
    /* Random bounds and values of every magnitude. */
    double bounds[20];
    for (size_t i = 0; i < 20; i++) {
        double x;
        do {
            uint64_t r = test_rand64();
            memcpy(&x, &r, sizeof x);
            x = fabs(x);
        } while (!isfinite(x));
        bounds[i] = x;
    }
    for (size_t i = 1; i < 20; i++) /* sorted, distinct */
        for (size_t j = i; j > 0 && bounds[j] < bounds[j - 1]; j--) {
            double t = bounds[j];
            bounds[j] = bounds[j - 1];
            bounds[j - 1] = t;
        }
    svc_metric *rnd = svc_metrics_histogram(m, "faas_rnd", NULL, "Random bounds.", bounds, 20);
    svc_metric *g = svc_metrics_gauge(m, "faas_g", NULL, "A gauge.");
    REQUIRE(lat && lat2 && rnd && g);
    for (int i = 0; i < 200; i++) {
        svc_metric_observe(lat, (double)(test_rand64() % 20000) / 1000);
        svc_metric_observe(rnd, bounds[test_rand64() % 20]);
    }
    svc_metric_observe(lat2, 0.0025);
    svc_metric_set(g, 1.0 / 3);
    char *text = svc_metrics_render(m);
    REQUIRE(text);
    CHECK(strstr(text, "faas_lat_seconds_bucket{op=\"a\",le=\"0.0025\"} ") != NULL);
    CHECK(strstr(text, "faas_lat_seconds_bucket{op=\"b\",le=\"0.0025\"} 1\n") != NULL);
    CHECK(strstr(text, "faas_lat_seconds_bucket{op=\"b\",le=\"10\"} 1\n") != NULL);
    CHECK(strstr(text, "faas_g 0.3333333333333333\n") != NULL); /* 16 digits are needed, and enough */
    prom_doc d;
    char why[200] = "";
    if (prom_parse(&d, text, why, sizeof why) != 0) test_fail(__FILE__, __LINE__, "render does not parse: %s", why);
    /* Every bound reads back exactly. */
    for (size_t i = 0; i < 20; i++) {
        const char *at = strstr(text, "faas_rnd_bucket{le=\"");
        int found = 0;
        for (; at && !found; at = strstr(at + 1, "faas_rnd_bucket{le=\"")) {
            const char *le = at + strlen("faas_rnd_bucket{le=\"");
            found = strtod(le, NULL) == bounds[i];
        }
        if (!found) test_fail(__FILE__, __LINE__, "bound %.17g does not read back", bounds[i]);
    }
    CHECK_INT((long long)prom_value(&d, "faas_rnd_count", NULL, -1), 200);
    CHECK_INT((long long)prom_value(&d, "faas_lat_seconds_count", "op=\"b\"", -1), 1);
    prom_free(&d);
    free(text);
    svc_metrics_free(m);
}

/* prom.h's reader, which the end-to-end metrics test trusts, refuses each
 * way a text can break the format or a histogram's rules. */
static void test_prom_reader(void)
{
    static const char *const good[] = {
        "",
        "# HELP a_total Things.\n# TYPE a_total counter\na_total 1\na_total{x=\"y\"} 2.5e3 1700000000000\n",
        "# random comment\n\n# TYPE g gauge\ng -Inf\ng{a=\"\\\"q\\\\\\n\"} NaN\n",
        "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n",
    };
    static const char *const bad[] = {
        "# TYPE a counter\na 1",                                     /* no final newline */
        "a 1\n",                                                     /* no # TYPE */
        "# TYPE a counter\na -1\n",                                 /* negative counter */
        "# TYPE a gauge\na one\n",                                  /* bad value */
        "# TYPE a gauge\na 0x10\n",                                 /* hex is not a float here */
        "# TYPE a gauge\na inf\n",                                  /* +Inf is spelled +Inf */
        "# TYPE a gauge\na{x=\"1\",} 1\n",                        /* trailing comma */
        "# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n",               /* repeated label */
        "# TYPE a gauge\na{x=\"\\t\"} 1\n",                     /* bad escape */
        "# TYPE a gauge\na{x=1} 1\n",                               /* unquoted */
        "# TYPE a gauge\na{x=\"1\"}1\n",                          /* no blank */
        "# TYPE a gauge\na 1 2 3\n",                                /* trailing text */
        "# TYPE a gauge\na 1\na 2\n",                              /* the same series twice */
        "# TYPE a gauge\n# TYPE a gauge\na 1\n",                   /* second TYPE */
        "# TYPE a gauge\n# TYPE b gauge\nb 1\na 1\n",             /* not contiguous */
        "# TYPE a gauge\na 1\n# TYPE a gauge\n",                   /* TYPE after samples */
        "# TYPE a sometype\na 1\n",                                 /* unknown type */
        "# TYPE 9a gauge\n",                                         /* bad name */
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
        "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",          /* no +Inf */
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",                /* no _sum */
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1.5\nh_sum 1\nh_count 1.5\n",  /* fractional count */
        "# TYPE h histogram\nh 1\n",                                                 /* no suffix */
        "# TYPE h histogram\nh_bucket 1\nh_sum 1\nh_count 1\n",                    /* bucket without le */
    };
    char why[200];
    prom_doc d;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        why[0] = 0;
        if (prom_parse(&d, good[i], why, sizeof why) != 0) test_fail(__FILE__, __LINE__, "good[%zu]: %s", i, why);
        else prom_free(&d);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = 0;
        if (prom_parse(&d, bad[i], why, sizeof why) == 0) {
            test_fail(__FILE__, __LINE__, "bad[%zu] parsed", i);
            prom_free(&d);
        }
        CHECK(why[0] != 0);
    }
    REQUIRE(prom_parse(&d, good[1], why, sizeof why) == 0);
    CHECK(prom_value(&d, "a_total", "x=\"y\"", -1) == 2500);
    CHECK(prom_value(&d, "a_total", NULL, -1) == 1);
    CHECK(prom_value(&d, "b", NULL, -1) == -1);
    prom_free(&d);
}

/* ---- settings ------------------------------------------------------------ */

typedef struct {
    char *rpc;
    char *keystore;
    uint64_t timeout;
    int network;
    char *name;
} demo_settings;

static const svc_setting demo_table[] = {
    { "rpc_url", "rpc-url", "DEMO_RPC_URL", SVC_SETTING_STRING, offsetof(demo_settings, rpc), "http://127.0.0.1:8545", "RPC" },
    { "operator.keystore", "keystore", NULL, SVC_SETTING_PATH, offsetof(demo_settings, keystore), NULL, "keystore" },
    { "limits.timeout_ms", "timeout-ms", "DEMO_TIMEOUT", SVC_SETTING_UINT, offsetof(demo_settings, timeout), "1000", "t" },
    { "network_access", "network-access", NULL, SVC_SETTING_BOOL, offsetof(demo_settings, network), "false", "net" },
    { "name", NULL, NULL, SVC_SETTING_STRING, offsetof(demo_settings, name), NULL, "name" },
};
#define N_DEMO (sizeof demo_table / sizeof demo_table[0])

static char cfg_dir[128];

/* Writes config_text (NULL: none) and loads the demo settings with extra flags. */
static svc_err load_demo(demo_settings *s, const char *config_text, const char *const *flags, char *detail)
{
    memset(s, 0, sizeof *s);
    char path[160];
    snprintf(path, sizeof path, "%s/c.json", cfg_dir);
    if (config_text && svc_file_write(path, config_text, strlen(config_text), 0600, NULL) != SVC_OK) return SVC_ERR_IO;
    char *args[16] = { "prog" };
    int n = 1;
    if (config_text) {
        args[n++] = "--config";
        args[n++] = path;
    }
    for (; flags && *flags && n < 15; flags++) args[n++] = (char *)*flags;
    return svc_settings_load(s, demo_table, N_DEMO, n, args, NULL, detail);
}

static void test_settings(void)
{
    snprintf(cfg_dir, sizeof cfg_dir, "/tmp/faas-svc-cfg-%d", (int)getpid());
    REQUIRE(mkdir(cfg_dir, 0700) == 0);
    char d[SVC_DETAIL_MAX];
    demo_settings s;

    /* Defaults only. */
    unsetenv("DEMO_RPC_URL");
    unsetenv("DEMO_TIMEOUT");
    CHECK_INT(load_demo(&s, NULL, NULL, d), SVC_OK);
    CHECK_STR(s.rpc, "http://127.0.0.1:8545");
    CHECK(s.keystore == NULL && s.timeout == 1000 && s.network == 0);
    svc_settings_free(&s, demo_table, N_DEMO);

    /* File beats defaults; relative paths are relative to the file. */
    const char *cfg = "{\"rpc_url\":\"http://file\",\"operator\":{\"keystore\":\"keys/k.json\"},"
                      "\"limits\":{\"timeout_ms\":250},\"network_access\":true,\"name\":\"x\"}";
    CHECK_INT(load_demo(&s, cfg, NULL, d), SVC_OK);
    CHECK_STR(s.rpc, "http://file");
    char want[200];
    snprintf(want, sizeof want, "%s/keys/k.json", cfg_dir);
    CHECK_STR(s.keystore, want);
    CHECK(s.timeout == 250 && s.network == 1);
    CHECK_STR(s.name, "x");
    svc_settings_free(&s, demo_table, N_DEMO);

    /* Environment beats the file; flags beat the environment. */
    setenv("DEMO_RPC_URL", "http://env", 1);
    setenv("DEMO_TIMEOUT", "77", 1);
    const char *flags[] = { "--rpc-url", "http://flag", "--network-access=false", "--keystore=/abs/k", NULL };
    CHECK_INT(load_demo(&s, cfg, flags, d), SVC_OK);
    CHECK_STR(s.rpc, "http://flag");
    CHECK(s.timeout == 77 && s.network == 0);
    CHECK_STR(s.keystore, "/abs/k");
    svc_settings_free(&s, demo_table, N_DEMO);
    unsetenv("DEMO_RPC_URL");

    /* Errors name what is wrong. */
    CHECK_INT(load_demo(&s, NULL, NULL, d), SVC_OK);
    CHECK(s.timeout == 77);
    svc_settings_free(&s, demo_table, N_DEMO);
    unsetenv("DEMO_TIMEOUT");
    const char *unknown[] = { "--rpc", "x", NULL };
    CHECK_INT(load_demo(&s, NULL, unknown, d), SVC_ERR_USAGE);
    CHECK(strstr(d, "--rpc") != NULL);
    svc_settings_free(&s, demo_table, N_DEMO);
    const char *novalue[] = { "--rpc-url", NULL };
    CHECK_INT(load_demo(&s, NULL, novalue, d), SVC_ERR_USAGE);
    svc_settings_free(&s, demo_table, N_DEMO);
    const char *positional[] = { "extra", NULL };
    CHECK_INT(load_demo(&s, NULL, positional, d), SVC_ERR_USAGE);
    svc_settings_free(&s, demo_table, N_DEMO);
    const char *badnum[] = { "--timeout-ms", "12x", NULL };
    CHECK_INT(load_demo(&s, NULL, badnum, d), SVC_ERR_CONFIG);
    CHECK(strstr(d, "--timeout-ms") != NULL);
    svc_settings_free(&s, demo_table, N_DEMO);
    CHECK_INT(load_demo(&s, "{\"rpc_ur\":\"x\"}", NULL, d), SVC_ERR_CONFIG);
    CHECK(strstr(d, "rpc_ur") != NULL);
    svc_settings_free(&s, demo_table, N_DEMO);
    CHECK_INT(load_demo(&s, "{\"limits\":{\"timeout_ms\":-1}}", NULL, d), SVC_ERR_CONFIG);
    CHECK(strstr(d, "limits.timeout_ms") != NULL);
    svc_settings_free(&s, demo_table, N_DEMO);
    CHECK_INT(load_demo(&s, "{\"network_access\":\"yes\"}", NULL, d), SVC_ERR_CONFIG);
    svc_settings_free(&s, demo_table, N_DEMO);
    CHECK_INT(load_demo(&s, "{\"rpc_url\":", NULL, d), SVC_ERR_CONFIG);
    CHECK(strstr(d, "not valid JSON") != NULL);
    svc_settings_free(&s, demo_table, N_DEMO);
    CHECK_INT(load_demo(&s, "[]", NULL, d), SVC_ERR_CONFIG);
    svc_settings_free(&s, demo_table, N_DEMO);
    const char *missing[] = { "--config", "/nonexistent/c.json", NULL };
    CHECK_INT(load_demo(&s, NULL, missing, d), SVC_ERR_CONFIG);
    CHECK(strstr(d, "/nonexistent/c.json") != NULL);
    svc_settings_free(&s, demo_table, N_DEMO);

    char path[200];
    snprintf(path, sizeof path, "%s/c.json", cfg_dir);
    unlink(path);
    rmdir(cfg_dir);
}

/* ---- files and secrets --------------------------------------------------- */

static void test_files_and_secrets(void)
{
    char path[128], d[SVC_DETAIL_MAX];
    snprintf(path, sizeof path, "/tmp/faas-svc-file-%d", (int)getpid());
    CHECK_INT(svc_file_write(path, "secret-pass \n\n", 14, 0600, d), SVC_OK);
    struct stat st;
    REQUIRE(stat(path, &st) == 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    char *data;
    size_t n;
    CHECK_INT(svc_file_read(path, 14, &data, &n, d), SVC_OK);
    CHECK_INT(n, 14);
    free(data);
    CHECK_INT(svc_file_read(path, 13, &data, &n, d), SVC_ERR_TOO_BIG);
    CHECK_INT(svc_file_read("/nonexistent/file", 10, &data, &n, d), SVC_ERR_IO);
    CHECK(strstr(d, "/nonexistent/file") != NULL);

    char *sec;
    unsetenv("DEMO_SECRET");
    CHECK_INT(svc_secret_load(&sec, "DEMO_SECRET", path, "password", d), SVC_OK);
    CHECK_STR(sec, "secret-pass");
    svc_secret_free(sec);
    setenv("DEMO_SECRET", "from-env", 1);
    CHECK_INT(svc_secret_load(&sec, "DEMO_SECRET", path, "password", d), SVC_OK);
    CHECK_STR(sec, "from-env");
    svc_secret_free(sec);
    unsetenv("DEMO_SECRET");
    CHECK_INT(svc_secret_load(&sec, "DEMO_SECRET", NULL, "password", d), SVC_ERR_CONFIG);
    CHECK(strstr(d, "DEMO_SECRET") != NULL);
    unlink(path);
}

/* ---- database ------------------------------------------------------------ */

static void test_db_migrations(void)
{
    char path[128], p2[160], d[SVC_DETAIL_MAX];
    snprintf(path, sizeof path, "/tmp/faas-svc-db-%d.db", (int)getpid());
    const char *v1[] = { "CREATE TABLE a (x INTEGER);" };
    const char *v2[] = { "CREATE TABLE a (x INTEGER);", "ALTER TABLE a ADD COLUMN y TEXT; INSERT INTO a VALUES (1,'z');" };
    const char *broken[] = { v2[0], v2[1], "THIS IS NOT SQL" };
    sqlite3 *db;
    REQUIRE(svc_db_open(&db, path, v1, 1, d) == SVC_OK);
    sqlite3_stmt *st;
    REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
    /* Upgrade applies only the missing migration. */
    REQUIRE(svc_db_open(&db, path, v2, 2, d) == SVC_OK);
    REQUIRE(sqlite3_prepare_v2(db, "SELECT y FROM a", -1, &st, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "z");
    sqlite3_finalize(st);
    sqlite3_close(db);
    /* A failing migration is rolled back and reported. */
    CHECK_INT(svc_db_open(&db, path, broken, 3, d), SVC_ERR_DB);
    CHECK(strstr(d, "migration 3") != NULL);
    /* An older program refuses a newer file. */
    CHECK_INT(svc_db_open(&db, path, v1, 1, d), SVC_ERR_SCHEMA);
    CHECK(strstr(d, "version 2") != NULL);
    unlink(path);
    snprintf(p2, sizeof p2, "%s-wal", path);
    unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", path);
    unlink(p2);
}

/* ---- HTTP ---------------------------------------------------------------- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open;

static void handler(void *user, const svc_http_request *req, svc_http_response *resp)
{
    (void)user;
    if (strcmp(req->path, "/echo") == 0 && strcmp(req->method, "POST") == 0) {
        json_t *o = json_pack("{s:s%,s:I}", "body", (const char *)req->body, req->body_len, "len",
                              (json_int_t)req->body_len);
        svc_http_reply_json(resp, 200, o);
    } else if (strcmp(req->path, "/slow") == 0) {
        /* Blocks until /open is requested on another connection. */
        pthread_mutex_lock(&gate_lock);
        while (!gate_open) pthread_cond_wait(&gate_cond, &gate_lock);
        pthread_mutex_unlock(&gate_lock);
        svc_http_reply_text(resp, 200, "text/plain", "slow done");
    } else if (strcmp(req->path, "/open") == 0) {
        pthread_mutex_lock(&gate_lock);
        gate_open = 1;
        pthread_cond_broadcast(&gate_cond);
        pthread_mutex_unlock(&gate_lock);
        svc_http_reply_text(resp, 200, "text/plain", "opened");
    } else {
        svc_http_reply_error(resp, 404, "not_found", "no route %s %s", req->method, req->path);
    }
}

typedef struct {
    char *p;
    size_t n;
} sink;

static size_t collect(char *p, size_t size, size_t n, void *user)
{
    sink *s = user;
    char *q = realloc(s->p, s->n + size * n + 1);
    if (!q) return 0;
    memcpy(q + s->n, p, size * n);
    s->p = q;
    s->n += size * n;
    s->p[s->n] = 0;
    return size * n;
}

/* Performs one request; returns the status and the body in *body (caller frees). */
static long http(int port, const char *path, const char *post, size_t post_len, char **body)
{
    CURL *c = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    sink s = { 0 };
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    if (post) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)post_len);
    }
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    *body = s.p;
    return status;
}

struct slow_arg {
    int port;
    long status;
    char *body;
};

static void *slow_client(void *arg)
{
    struct slow_arg *a = arg;
    a->status = http(a->port, "/slow", NULL, 0, &a->body);
    return NULL;
}

static void test_http_server(void)
{
    svc_http *s;
    char d[SVC_DETAIL_MAX];
    svc_http_opts o = { .listen = "127.0.0.1:0", .max_body = 1000 };
    REQUIRE(svc_http_start(&s, &o, handler, NULL, d) == SVC_OK);
    int port = svc_http_port(s);
    CHECK(port > 0);
    char *body;
    CHECK_INT(http(port, "/echo", "hello", 5, &body), 200);
    json_t *j = json_loads(body ? body : "", 0, NULL);
    CHECK(j && json_integer_value(json_object_get(j, "len")) == 5);
    CHECK_STR(json_string_value(json_object_get(j, "body")), "hello");
    json_decref(j);
    free(body);
    CHECK_INT(http(port, "/nowhere", NULL, 0, &body), 404);
    CHECK(body && strstr(body, "\"not_found\""));
    free(body);
    char big[1001];
    memset(big, 'x', sizeof big);
    CHECK_INT(http(port, "/echo", big, sizeof big, &body), 413);
    free(body);
    CHECK_INT(http(port, "/echo", big, 1000, &body), 200);
    free(body);

    /* A blocked handler does not hold up other connections. */
    struct slow_arg a = { .port = port };
    pthread_t t;
    pthread_create(&t, NULL, slow_client, &a);
    usleep(100 * 1000);
    CHECK_INT(http(port, "/open", NULL, 0, &body), 200);
    free(body);
    pthread_join(t, NULL);
    CHECK_INT(a.status, 200);
    CHECK_STR(a.body, "slow done");
    free(a.body);

    /* The same port cannot be bound twice. */
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    svc_http *s2;
    svc_http_opts o2 = { .listen = listen };
    CHECK_INT(svc_http_start(&s2, &o2, handler, NULL, d), SVC_ERR_LISTEN);
    svc_http_stop(s);

    uint32_t ip;
    uint16_t p;
    CHECK_INT(svc_http_parse_listen("localhost:80", &ip, &p, d), SVC_OK);
    CHECK_INT(p, 80);
    CHECK_INT(svc_http_parse_listen("127.0.0.1", &ip, &p, d), SVC_ERR_LISTEN);
    CHECK_INT(svc_http_parse_listen("127.0.0.1:70000", &ip, &p, d), SVC_ERR_LISTEN);
    CHECK_INT(svc_http_parse_listen("example.com:80", &ip, &p, d), SVC_ERR_LISTEN);
    CHECK_INT(svc_http_parse_listen(":80", &ip, &p, d), SVC_ERR_LISTEN);
}

static const struct test_case cases[] = {
    TEST(log_lines), TEST(metrics_text), TEST(metrics_numbers), TEST(prom_reader), TEST(settings), TEST(files_and_secrets), TEST(db_migrations), TEST(http_server),
};

int main(int argc, char **argv)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = test_main(cases, TEST_COUNT(cases), argc, argv);
    curl_global_cleanup();
    return rc;
}
