/* args.c - faas-cli's command line: commands, flags, environment fallbacks,
 * and the help text generated from the same tables. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define ALL_CMDS 0xffffu
#define CMD(c) (1u << (c))

struct cmd_spec {
    const char *name;
    const char *args;       /* usage after the name */
    unsigned min_pos, max_pos;
    const char *missing;    /* what a missing argument is, for the message */
    const char *summary;
    const char *details;    /* extra help paragraphs, or NULL */
};

static const struct cmd_spec commands[CLI_CMD__COUNT] = {
    [CLI_CMD_DEPLOY] = { "deploy-function", "[flags] <directory>", 1, 1, "a function directory",
        "Package a function directory and register it on-chain (or on S3 with its hash on-chain)",
        "The directory needs manifest.json {\"runtime\": \"javascript\"|\"python\"} and index.js\n"
        "exporting handler / handler.py defining handler. package.json and requirements.txt\n"
        "dependencies are installed into a temporary copy and bundled (--skip-deps skips).\n"
        "The same directory always gives the same tarball and so the same function id;\n"
        "an id that is already registered is reported and not sent again." },
    [CLI_CMD_PACKAGE] = { "package", "[flags] <directory>", 1, 1, "a function directory",
        "Build the function tarball and print its id, without a chain",
        "Writes the tarball to --output (default: <function id>.tar.gz in the current directory)." },
    [CLI_CMD_CALL] = { "call-function", "--function-id <id> [flags] <input> | --input-file <file> | -", 0, 1, "an input",
        "Call a deployed function and wait for its verified result",
        "The input is sent as bytes: valid JSON reaches the handler parsed, other UTF-8 as a\n"
        "string, anything else as binary {raw, text, size}. \"-\" reads stdin. The result is\n"
        "read from the TaskMailbox's TaskVerified event over a WebSocket subscription.\n"
        "With the aggregator's status API (--aggregator-url; faas-devnet writes it to the\n"
        "config), a task the operators refuse (e.g. a bundle that fails its hash) or that\n"
        "expires is reported at once with the aggregator's reason." },
    [CLI_CMD_CONFIG] = { "config", "[flags]", 0, 0, NULL,
        "Show the RPC endpoints, chain id and contract addresses in use, and where they came from", NULL },
    [CLI_CMD_GET] = { "get-function", "[flags] <function id>", 1, 1, "a function id",
        "Show a registered function (size or URL); --output saves its tarball", NULL },
    [CLI_CMD_LIST] = { "list-functions", "[flags]", 0, 0, NULL,
        "List the functions registered on the FaaS contract", NULL },
    [CLI_CMD_TASK] = { "task", "[flags] <task id>", 1, 1, "a task id",
        "Show a task: status, result and the operators that signed its certificate", NULL },
    [CLI_CMD_INVOKE] = { "invoke", "--local [flags] <directory> <input> | --input-file <file> | -", 1, 2, "a function directory",
        "Run a function directory in the operators' sandbox locally, with no chain",
        "Like `sam local invoke`: the directory is validated, its dependencies installed and\n"
        "its bundle run exactly as an operator runs it, in the operators' sandbox (own\n"
        "namespaces, no network, limits). The sandbox needs root, as bin/performer does;\n"
        "without root the function runs unsandboxed and a note says so. The performer\n"
        "logs its warnings to stderr (LOG_LEVEL=info shows more)." },
    [CLI_CMD_INIT] = { "init", "[--runtime javascript|python] <directory>", 1, 1, "a directory",
        "Create a function directory to start from (manifest.json and a handler)",
        "The directory must be new or empty. The handler greets input.name and logs its\n"
        "input; try it with `faas-cli invoke --local <directory> '{\"name\":\"Alice\"}'`, then\n"
        "deploy it with `faas-cli deploy-function <directory>`." },
    [CLI_CMD_KEYS] = { "keys", "new [--output FILE] | address | balance [address]", 1, 2, "new, address or balance",
        "Create a key, or show the address and balance of the configured one",
        "  keys new       a fresh secp256k1 key: its address, and the key itself, printed or\n"
        "                 written to --output FILE (created with mode 0600, never overwritten)\n"
        "  keys address   the address of the key in use (--private-key, its file, the\n"
        "                 environment or the config file; nothing is sent)\n"
        "  keys balance   the balance in ETH of that address, or of the address given" },
    [CLI_CMD_HELP] = { "help", "[command]", 0, 1, NULL, "Show help for a command", NULL },
    [CLI_CMD_VERSION] = { "version", "", 0, 0, NULL, "Print the version", NULL },
};

struct flag_spec {
    const char *name;       /* without "--" */
    const char *alias;      /* another accepted spelling, or NULL */
    char short_name;        /* 0: none */
    const char *value;      /* value placeholder; NULL: boolean */
    unsigned cmds;          /* commands it applies to */
    const char *env;        /* fallback environment variable, or NULL */
    const char *help;
};

#define GLOBAL_CMDS (ALL_CMDS & ~(CMD(CLI_CMD_HELP) | CMD(CLI_CMD_VERSION)))

static const struct flag_spec flags[CLI_FLAG__COUNT] = {
    [CLI_FLAG_RPC_URL] = { "rpc-url", NULL, 0, "URL", GLOBAL_CMDS, "FAAS_RPC_URL",
        "Ethereum JSON-RPC endpoint (default " CLI_DEFAULT_RPC_URL ")" },
    [CLI_FLAG_WS_RPC_URL] = { "ws-rpc-url", NULL, 0, "URL", GLOBAL_CMDS, "FAAS_WS_RPC_URL",
        "WebSocket RPC endpoint for event subscriptions (default: --rpc-url with http->ws)" },
    [CLI_FLAG_PRIVATE_KEY] = { "private-key", NULL, 0, "HEX", GLOBAL_CMDS, "FAAS_PRIVATE_KEY",
        "Private key for transactions (prefer the environment variable or --private-key-file)" },
    [CLI_FLAG_PRIVATE_KEY_FILE] = { "private-key-file", NULL, 0, "PATH", GLOBAL_CMDS, "FAAS_PRIVATE_KEY_FILE",
        "File holding the private key as hex" },
    [CLI_FLAG_FAAS_ADDRESS] = { "faas-address", NULL, 0, "ADDRESS", GLOBAL_CMDS, "FAAS_ADDRESS",
        "FaaS contract address" },
    [CLI_FLAG_TASKMAILBOX_ADDRESS] = { "taskmailbox-address", "taskMailbox-address", 0, "ADDRESS", GLOBAL_CMDS,
        "FAAS_TASKMAILBOX_ADDRESS", "TaskMailbox contract address" },
    [CLI_FLAG_CONFIG] = { "config", NULL, 0, "PATH", GLOBAL_CMDS, "FAAS_CONFIG",
        "Config file (default $FAAS_HOME/config.json, FAAS_HOME default ~/.faas)" },
    [CLI_FLAG_JSON] = { "json", NULL, 0, NULL, GLOBAL_CMDS, NULL, "Print one JSON document instead of text" },
    [CLI_FLAG_HELP] = { "help", NULL, 'h', NULL, ALL_CMDS, NULL, "Show help" },
    [CLI_FLAG_S3_BASE_URL] = { "s3-base-url", NULL, 0, "s3://BUCKET/PREFIX/", CMD(CLI_CMD_DEPLOY), "FAAS_S3_BASE_URL",
        "Upload the tarball to S3 and register its URL and hash on-chain" },
    [CLI_FLAG_S3_ENDPOINT] = { "s3-endpoint", NULL, 0, "URL", CMD(CLI_CMD_DEPLOY), "AWS_ENDPOINT_URL_S3",
        "S3-compatible endpoint (path-style requests), e.g. http://127.0.0.1:4568" },
    [CLI_FLAG_SKIP_DEPS] = { "skip-deps", NULL, 0, NULL, CMD(CLI_CMD_DEPLOY) | CMD(CLI_CMD_PACKAGE) | CMD(CLI_CMD_INVOKE),
        NULL, "Do not install package.json / requirements.txt dependencies" },
    [CLI_FLAG_DRY_RUN] = { "dry-run", NULL, 0, NULL, CMD(CLI_CMD_DEPLOY), NULL,
        "Validate and package, print the function id, send nothing" },
    [CLI_FLAG_OUTPUT] = { "output", NULL, 'o', "FILE", CMD(CLI_CMD_PACKAGE) | CMD(CLI_CMD_GET) | CMD(CLI_CMD_KEYS), NULL,
        "Write the tarball (keys new: the key) to FILE" },
    [CLI_FLAG_VERBOSE] = { "verbose", NULL, 'v', NULL, CMD(CLI_CMD_DEPLOY) | CMD(CLI_CMD_PACKAGE) | CMD(CLI_CMD_INVOKE),
        NULL, "Show the dependency installers' output" },
    [CLI_FLAG_FUNCTION_ID] = { "function-id", NULL, 0, "0xID", CMD(CLI_CMD_CALL), NULL, "Function to call" },
    [CLI_FLAG_INPUT_FILE] = { "input-file", NULL, 0, "FILE", CMD(CLI_CMD_CALL) | CMD(CLI_CMD_INVOKE), NULL,
        "Read the input bytes from FILE (binary allowed; - for stdin)" },
    [CLI_FLAG_TIMEOUT] = { "timeout", NULL, 0, "SECONDS", CMD(CLI_CMD_CALL) | CMD(CLI_CMD_INVOKE), "FAAS_TIMEOUT",
        "How long to wait for the result (default 300; invoke: the function's time limit, default 5)" },
    [CLI_FLAG_NO_WAIT] = { "no-wait", NULL, 0, NULL, CMD(CLI_CMD_CALL), NULL,
        "Print the task id and return without waiting for the result" },
    [CLI_FLAG_LOCAL] = { "local", NULL, 0, NULL, CMD(CLI_CMD_INVOKE), NULL, "Run locally (required)" },
    [CLI_FLAG_FROM_BLOCK] = { "from-block", NULL, 0, "N", CMD(CLI_CMD_LIST), NULL,
        "First block to look for registrations in (default 0)" },
    [CLI_FLAG_RUNTIME] = { "runtime", NULL, 0, "NAME", CMD(CLI_CMD_INIT), NULL,
        "javascript (default) or python" },
    [CLI_FLAG_AGGREGATOR_URL] = { "aggregator-url", NULL, 0, "URL", CMD(CLI_CMD_CALL) | CMD(CLI_CMD_TASK) | CMD(CLI_CMD_CONFIG),
        "FAAS_AGGREGATOR_URL", "Aggregator status API, asked why a task failed or expired (faas-devnet sets it)" },
};

const char *cli_cmd_name(cli_cmd cmd)
{
    return (unsigned)cmd < CLI_CMD__COUNT ? commands[cmd].name : NULL;
}

cli_cmd cli_cmd_find(const char *name)
{
    for (int c = 1; c < CLI_CMD__COUNT; c++)
        if (commands[c].name && strcmp(commands[c].name, name) == 0) return (cli_cmd)c;
    /* The seed's original name for on-chain deployment (hourglass-protocol §6.4). */
    if (strcmp(name, "register-function") == 0) return CLI_CMD_DEPLOY;
    return CLI_CMD_NONE;
}

/* The flag named by text (without dashes, up to len chars), or -1. */
static int find_long(const char *text, size_t len)
{
    for (int f = 0; f < CLI_FLAG__COUNT; f++) {
        const char *names[2] = { flags[f].name, flags[f].alias };
        for (int i = 0; i < 2; i++)
            if (names[i] && strlen(names[i]) == len && memcmp(names[i], text, len) == 0) return f;
    }
    return -1;
}

static int find_short(char c)
{
    for (int f = 0; f < CLI_FLAG__COUNT; f++)
        if (flags[f].short_name && flags[f].short_name == c) return f;
    return -1;
}

struct pending {
    int flag;
    const char *spelled;    /* as typed, for messages */
};

cli_err cli_args_parse(cli_args *a, int argc, char **argv, cli_diag *d)
{
    memset(a, 0, sizeof *a);
    /* Flags are checked against the command once it is known, since they may
     * come before it; remember what was typed. */
    struct pending seen[CLI_FLAG__COUNT];
    size_t n_seen = 0;
    const char *pos[CLI_ARGS_MAX_POSITIONAL + 1];
    size_t n_pos = 0;
    int only_pos = 0;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int f = -1;
        const char *value = NULL;
        if (!only_pos && strcmp(arg, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (only_pos || arg[0] != '-' || arg[1] == '\0') {
            if (n_pos > CLI_ARGS_MAX_POSITIONAL) return cli_diag_set(d, CLI_ERR_USAGE, "too many arguments");
            pos[n_pos++] = arg;
            continue;
        }
        if (arg[1] == '-') {
            const char *name = arg + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            f = find_long(name, len);
            if (f < 0) return cli_diag_set(d, CLI_ERR_USAGE, "unknown flag --%.*s (see faas-cli --help)", (int)len, name);
            if (eq) {
                if (!flags[f].value) return cli_diag_set(d, CLI_ERR_USAGE, "flag --%s takes no value", flags[f].name);
                value = eq + 1;
            }
        } else {
            f = arg[2] == '\0' ? find_short(arg[1]) : -1;
            if (f < 0)
                return cli_diag_set(d, CLI_ERR_USAGE,
                                    "unknown flag %s (put -- before an argument that starts with '-')", arg);
        }
        if (flags[f].value && !value) {
            if (i + 1 >= argc) return cli_diag_set(d, CLI_ERR_USAGE, "flag --%s needs a value (%s)", flags[f].name,
                                                   flags[f].value);
            value = argv[++i];
        }
        if (a->value[f] && f != CLI_FLAG_HELP)
            return cli_diag_set(d, CLI_ERR_USAGE, "flag --%s given twice", flags[f].name);
        a->value[f] = flags[f].value ? value : "1";
        a->origin[f] = arg;
        seen[n_seen].flag = f;
        seen[n_seen].spelled = arg;
        n_seen++;
    }

    size_t first = 0;
    if (n_pos == 0) {
        a->cmd = CLI_CMD_HELP;
    } else {
        a->cmd_name = pos[0];
        a->cmd = cli_cmd_find(pos[0]);
        if (a->cmd == CLI_CMD_NONE)
            return cli_diag_set(d, CLI_ERR_USAGE, "unknown command \"%s\" (see faas-cli --help)", pos[0]);
        first = 1;
    }
    for (size_t i = first; i < n_pos; i++) a->pos[a->n_pos++] = pos[i];

    const struct cmd_spec *cs = &commands[a->cmd];
    for (size_t i = 0; i < n_seen; i++)
        if (!(flags[seen[i].flag].cmds & CMD(a->cmd)))
            return cli_diag_set(d, CLI_ERR_USAGE, "flag %s does not apply to %s (see faas-cli %s --help)",
                                seen[i].spelled, cs->name, cs->name);
    if (a->value[CLI_FLAG_HELP]) return CLI_OK; /* help wins over argument checks */
    if (a->n_pos < cs->min_pos)
        return cli_diag_set(d, CLI_ERR_USAGE, "%s needs %s (usage: faas-cli %s %s)", cs->name, cs->missing,
                            cs->name, cs->args);
    if (a->n_pos > cs->max_pos)
        return cli_diag_set(d, CLI_ERR_USAGE, "unexpected argument \"%s\" for %s (usage: faas-cli %s %s)",
                            a->pos[cs->max_pos], cs->name, cs->name, cs->args);

    /* Environment fallbacks for what the command line left unset. */
    for (int f = 0; f < CLI_FLAG__COUNT; f++) {
        if (a->value[f] || !flags[f].env || !(flags[f].cmds & CMD(a->cmd))) continue;
        const char *v = getenv(flags[f].env);
        if (v && *v) {
            a->value[f] = v;
            a->origin[f] = flags[f].env;
            a->from_env[f] = 1;
        }
    }
    return CLI_OK;
}

cli_err cli_args_millis(const cli_args *a, cli_flag f, long dflt_ms, long *ms, cli_diag *d)
{
    const char *v = a->value[f];
    *ms = dflt_ms;
    if (!v) return CLI_OK;
    char *end;
    double s = strtod(v, &end);
    /* A day is more than any task's SLA; past it the number is a mistake. */
    if (end == v || *end || !(s > 0) || s > 86400)
        return cli_diag_set(d, CLI_ERR_USAGE, "invalid %s \"%.40s\": expected seconds (e.g. 30 or 2.5), at most 86400",
                            a->origin[f], v);
    *ms = (long)(s * 1000 + 0.5);
    return CLI_OK;
}

static void print_flags(FILE *f, unsigned mask, int global)
{
    for (int i = 0; i < CLI_FLAG__COUNT; i++) {
        const struct flag_spec *s = &flags[i];
        int is_global = s->cmds == GLOBAL_CMDS || s->cmds == ALL_CMDS;
        if (!(s->cmds & mask) || is_global != global) continue;
        char left[64];
        snprintf(left, sizeof left, "%c%c%c --%s%s%s", s->short_name ? '-' : ' ', s->short_name ? s->short_name : ' ',
                 s->short_name ? ',' : ' ', s->name, s->value ? " " : "", s->value ? s->value : "");
        fprintf(f, "  %-36s %s", left, s->help);
        if (s->env) fprintf(f, "\n  %-36s [env %s]", "", s->env);
        fputc('\n', f);
    }
}

void cli_args_usage(FILE *f, cli_cmd cmd)
{
    if (cmd == CLI_CMD_NONE || cmd == CLI_CMD_HELP) {
        fputs("faas-cli - deploy and call functions on FaaS AVS, a decentralized AWS Lambda\n\n"
              "Usage: faas-cli <command> [flags] [arguments]\n\nCommands:\n", f);
        for (int c = 1; c < CLI_CMD__COUNT; c++) fprintf(f, "  %-17s %s\n", commands[c].name, commands[c].summary);
        fputs("\nGlobal flags (each also read from the environment variable shown, then from the\n"
              "config file, which `faas-devnet up` writes):\n", f);
        print_flags(f, ALL_CMDS, 1);
        fputs("\nFlags win over the environment, the environment over the config file.\n"
              "Exit status: 0 success, 1 error, 2 invalid command line, 3 the function returned\n"
              "an error, 4 no verified result (timed out, task expired or failed).\n\n"
              "Examples:\n"
              "  export FAAS_PRIVATE_KEY=0x…\n"
              "  faas-cli deploy-function ./my-function\n"
              "  faas-cli deploy-function --s3-base-url s3://my-bucket/functions/ ./my-function\n"
              "  faas-cli call-function --function-id 0x… '{\"name\":\"Alice\"}'\n"
              "  faas-cli invoke --local ./my-function '\"Hello\"'\n"
              "  faas-cli config\n\n"
              "Run `faas-cli <command> --help` for a command's flags.\n", f);
        return;
    }
    const struct cmd_spec *cs = &commands[cmd];
    fprintf(f, "faas-cli %s - %s\n\nUsage: faas-cli %s %s\n", cs->name, cs->summary, cs->name, cs->args);
    if (cs->details) fprintf(f, "\n%s\n", cs->details);
    if (cmd != CLI_CMD_VERSION) {
        int any = 0;
        for (int i = 0; i < CLI_FLAG__COUNT; i++)
            if ((flags[i].cmds & CMD(cmd)) && flags[i].cmds != GLOBAL_CMDS && flags[i].cmds != ALL_CMDS) any = 1;
        if (any) {
            fputs("\nFlags:\n", f);
            print_flags(f, CMD(cmd), 0);
        }
        fputs("\nGlobal flags:\n", f);
        print_flags(f, CMD(cmd), 1);
    }
}
