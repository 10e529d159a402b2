/* bin/aggregator - sees every TaskCreated of the AVS, collects executors'
 * signed results, submits certificates. Settings: `aggregator --help`. */
#include "aggregator.h"

#include "svc.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: aggregator [--config FILE] [--setting value]...\n\n"
               "The FaaS AVS aggregator: fans tasks out to executors, submits BN254 certificates.\n"
               "Key: FAAS_AGGREGATOR_KEY or key_file (never a flag); it must be the registry's aggregator.\n"
               "Logs: JSON lines on stderr, level from LOG_LEVEL.\n"
               "HTTP: GET /v1/tasks/0x<task hash>, /healthz, /metrics.\n\nSettings:\n");
    svc_settings_usage(f, agg_settings_table, agg_settings_count);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    }
    svc_log_init("aggregator");
    agg_settings s = { 0 };
    char detail[SVC_DETAIL_MAX] = "";
    svc_err se = svc_settings_load(&s, agg_settings_table, agg_settings_count, argc, argv, "FAAS_AGGREGATOR_CONFIG", detail);
    if (se) {
        fprintf(stderr, "aggregator: %s: %s\n", svc_strerror(se), detail);
        svc_settings_free(&s, agg_settings_table, agg_settings_count);
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    agg_service *a;
    agg_err rc = agg_service_start(&a, &s, detail);
    if (rc) {
        fprintf(stderr, "aggregator: %s: %s\n", agg_strerror(rc), detail);
        svc_log(SVC_LOG_ERROR, "aggregator failed to start", "{s:s}", "detail", detail);
    } else {
        int sig;
        sigwait(&set, &sig);
        svc_log(SVC_LOG_INFO, "aggregator stopping", "{s:i}", "signal", sig);
        agg_service_stop(a);
    }
    curl_global_cleanup();
    svc_settings_free(&s, agg_settings_table, agg_settings_count);
    return rc ? 1 : 0;
}
