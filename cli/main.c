/* main.c - cli_main: parse, dispatch, report. */
#include "cli.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define FAAS_CLI_VERSION "0.1.0"

static const cli_command_fn dispatch[CLI_CMD__COUNT] = {
    [CLI_CMD_DEPLOY] = cli_cmd_deploy,
    [CLI_CMD_PACKAGE] = cli_cmd_package,
    [CLI_CMD_CONFIG] = cli_cmd_config,
    [CLI_CMD_GET] = cli_cmd_get,
    [CLI_CMD_LIST] = cli_cmd_list,
    [CLI_CMD_INVOKE] = cli_cmd_invoke,
    [CLI_CMD_CALL] = cli_cmd_call,
    [CLI_CMD_TASK] = cli_cmd_task,
    [CLI_CMD_KEYS] = cli_cmd_keys,
    [CLI_CMD_INIT] = cli_cmd_init,
};

/* A key given with --private-key is copied and then erased from argv, so it
 * no longer shows in /proc/<pid>/cmdline or `ps` while the command runs.
 * The value points into one argv string (whole, or after "--private-key="). */
static char *take_key_from_argv(cli_args *a, int argc, char **argv)
{
    const char *v = a->value[CLI_FLAG_PRIVATE_KEY];
    if (!v || a->from_env[CLI_FLAG_PRIVATE_KEY]) return NULL;
    char *copy = strdup(v);
    for (int i = 1; i < argc; i++)
        if (v >= argv[i] && v <= argv[i] + strlen(argv[i])) eth_wipe((char *)v, strlen(v));
    a->value[CLI_FLAG_PRIVATE_KEY] = copy;
    return copy;
}

static int help(const cli_args *a)
{
    cli_cmd which = a->cmd;
    if (a->cmd == CLI_CMD_HELP && a->n_pos == 1 && (which = cli_cmd_find(a->pos[0])) == CLI_CMD_NONE) {
        fprintf(stderr, "Error: unknown command \"%s\" (see faas-cli --help)\n", a->pos[0]);
        return cli_exit_status(CLI_ERR_USAGE);
    }
    cli_args_usage(stdout, which);
    return 0;
}

int cli_main(int argc, char **argv)
{
    cli_args a;
    cli_diag d = { 0 };
    cli_err e = cli_args_parse(&a, argc, argv, &d);
    if (e) {
        fprintf(stderr, "Error: %s\n", d.msg);
        return cli_exit_status(e);
    }
    if (a.value[CLI_FLAG_HELP] || a.cmd == CLI_CMD_HELP) return help(&a);
    if (a.cmd == CLI_CMD_VERSION) {
        printf("faas-cli %s\n", FAAS_CLI_VERSION);
        return 0;
    }
    char *key_copy = take_key_from_argv(&a, argc, argv);
    cli_out o;
    cli_out_init(&o, a.value[CLI_FLAG_JSON] != NULL, stdout);
    if (!key_copy && a.origin[CLI_FLAG_PRIVATE_KEY] && !a.from_env[CLI_FLAG_PRIVATE_KEY]) {
        e = cli_diag_set(&d, CLI_ERR_NOMEM, "out of memory");
    } else {
        /* Once per process, before any thread exists (libcurl's rule). */
        curl_global_init(CURL_GLOBAL_DEFAULT);
        e = dispatch[a.cmd](&a, &o, &d);
        curl_global_cleanup();
    }
    cli_secret_free(key_copy);
    return cli_out_finish(&o, &d, e, stderr);
}
