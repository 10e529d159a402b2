/* run.c - the main() every service shares: --help, settings, signals, start,
 * wait for SIGINT/SIGTERM, stop. See svc_run in svc.h. */
#include "svc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

int svc_run(const svc_program *p, void *settings, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(p->usage, stdout);
            svc_settings_usage(stdout, p->table, p->n_settings);
            return 0;
        }
    }
    svc_log_init(p->name);
    char detail[SVC_DETAIL_MAX] = "";
    svc_err se = svc_settings_load(settings, p->table, p->n_settings, argc, argv, p->config_env, detail);
    if (se) {
        fprintf(stderr, "%s: %s: %s\n", p->name, svc_strerror(se), detail);
        svc_settings_free(settings, p->table, p->n_settings);
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

    void *service = NULL;
    int rc = p->start(&service, settings, detail);
    if (rc) {
        fprintf(stderr, "%s: %s: %s\n", p->name, p->strerror_fn(rc), detail);
        svc_log(SVC_LOG_ERROR, "failed to start", "{s:s}", "detail", detail);
    } else {
        int sig;
        sigwait(&set, &sig);
        svc_log(SVC_LOG_INFO, "stopping", "{s:i}", "signal", sig);
        p->stop(service);
    }
    curl_global_cleanup();
    svc_settings_free(settings, p->table, p->n_settings);
    return rc ? 1 : 0;
}
