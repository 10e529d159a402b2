/* bin/executor - one per operator: serves the aggregator's task requests
 * (protocol in executor.h). Settings: `executor --help`. */
#include "executor.h"

#include "svc.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: executor [--config FILE] [--setting value]...\n\n"
               "The FaaS AVS operator node: runs tasks the aggregator sends, signs results.\n"
               "Secrets: FAAS_EXECUTOR_ECDSA_KEY / operator.ecdsa_key_file and\n"
               "FAAS_EXECUTOR_BLS_PASSWORD / operator.bls_password_file (never flags).\n"
               "Logs: JSON lines on stderr, level from LOG_LEVEL. Metrics: GET /metrics.\n\nSettings:\n");
    svc_settings_usage(f, exec_settings_table, exec_settings_count);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    }
    svc_log_init("executor");
    exec_settings s = { 0 };
    char detail[SVC_DETAIL_MAX] = "";
    svc_err se = svc_settings_load(&s, exec_settings_table, exec_settings_count, argc, argv, "FAAS_EXECUTOR_CONFIG", detail);
    if (se) {
        fprintf(stderr, "executor: %s: %s\n", svc_strerror(se), detail);
        svc_settings_free(&s, exec_settings_table, exec_settings_count);
        return 2;
    }
    /* Signals are taken synchronously below; threads inherit the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    exec_service *e;
    exec_err rc = exec_service_start(&e, &s, detail);
    if (rc) {
        fprintf(stderr, "executor: %s: %s\n", exec_strerror(rc), detail);
        svc_log(SVC_LOG_ERROR, "executor failed to start", "{s:s}", "detail", detail);
    } else {
        int sig;
        sigwait(&set, &sig);
        svc_log(SVC_LOG_INFO, "executor stopping", "{s:i}", "signal", sig);
        exec_service_stop(e);
    }
    curl_global_cleanup();
    svc_settings_free(&s, exec_settings_table, exec_settings_count);
    return rc ? 1 : 0;
}
