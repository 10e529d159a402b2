/* bin/executor - one per operator: serves the aggregator's task requests
 * (protocol in executor.h). Settings: `executor --help`. */
#include "executor.h"

#include "svc.h"

static int start(void **service, const void *settings, char *detail)
{
    return (int)exec_service_start((exec_service **)service, settings, detail);
}

static const char *err_text(int code) { return exec_strerror((exec_err)code); }
static void stop(void *service) { exec_service_stop(service); }

int main(int argc, char **argv)
{
    static const svc_program program = {
        .name = "executor",
        .usage = "usage: executor [--config FILE] [--setting value]...\n\n"
                 "The FaaS AVS operator node: runs tasks the aggregator sends, signs results.\n"
                 "Secrets: FAAS_EXECUTOR_ECDSA_KEY / operator.ecdsa_key_file and\n"
                 "FAAS_EXECUTOR_BLS_PASSWORD / operator.bls_password_file (never flags).\n"
                 "Logs: JSON lines on stderr, level from LOG_LEVEL. Metrics: GET /metrics.\n\nSettings:\n",
        .config_env = "FAAS_EXECUTOR_CONFIG",
        .start = start,
        .strerror_fn = err_text,
        .stop = stop,
    };
    svc_program p = program;
    p.table = exec_settings_table;
    p.n_settings = exec_settings_count;
    exec_settings s = { 0 };
    return svc_run(&p, &s, argc, argv);
}
