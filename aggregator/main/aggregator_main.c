/* bin/aggregator - sees every TaskCreated of the AVS, collects executors'
 * signed results, submits certificates. Settings: `aggregator --help`. */
#include "aggregator.h"

#include "svc.h"

static int start(void **service, const void *settings, char *detail)
{
    return (int)agg_service_start((agg_service **)service, settings, detail);
}

static const char *err_text(int code) { return agg_strerror((agg_err)code); }
static void stop(void *service) { agg_service_stop(service); }

int main(int argc, char **argv)
{
    static const svc_program program = {
        .name = "aggregator",
        .usage = "usage: aggregator [--config FILE] [--setting value]...\n\n"
                 "The FaaS AVS aggregator: fans tasks out to executors, submits BN254 certificates.\n"
                 "Key: FAAS_AGGREGATOR_KEY or key_file (never a flag); it must be the registry's aggregator.\n"
                 "Logs: JSON lines on stderr, level from LOG_LEVEL.\n"
                 "HTTP: GET /v1/tasks/0x<task hash>, /healthz, /metrics.\n\nSettings:\n",
        .config_env = "FAAS_AGGREGATOR_CONFIG",
        .start = start,
        .strerror_fn = err_text,
        .stop = stop,
    };
    svc_program p = program;
    p.table = agg_settings_table;
    p.n_settings = agg_settings_count;
    agg_settings s = { 0 };
    return svc_run(&p, &s, argc, argv);
}
