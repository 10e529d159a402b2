/* diag.c - error codes, their messages and exit statuses, one-line details. */
#include "cli.h"

#include <stdarg.h>

static const char *const messages[CLI_ERR__COUNT] = {
    [CLI_OK] = "success",
    [CLI_ERR_USAGE] = "invalid command line",
    [CLI_ERR_CONFIG] = "invalid configuration",
    [CLI_ERR_KEY] = "private key missing or malformed",
    [CLI_ERR_MANIFEST] = "manifest.json missing or invalid",
    [CLI_ERR_BUNDLE] = "function directory cannot be packaged",
    [CLI_ERR_DEPS] = "dependency install failed",
    [CLI_ERR_IO] = "file read or write failed",
    [CLI_ERR_S3] = "S3 upload failed",
    [CLI_ERR_S3_DENIED] = "S3 denied access",
    [CLI_ERR_RPC] = "Ethereum node unreachable or returned an error",
    [CLI_ERR_CHAIN] = "transaction failed",
    [CLI_ERR_NOT_FOUND] = "not found",
    [CLI_ERR_FUNCTION] = "the function returned an error",
    [CLI_ERR_TIMEOUT] = "timed out",
    [CLI_ERR_EXPIRED] = "task expired",
    [CLI_ERR_TASK_FAILED] = "the operators could not run the task",
    [CLI_ERR_NOMEM] = "out of memory",
};

const char *cli_strerror(cli_err e)
{
    if ((unsigned)e >= CLI_ERR__COUNT) return "unknown error";
    return messages[e];
}

int cli_exit_status(cli_err e)
{
    switch (e) {
    case CLI_OK: return 0;
    case CLI_ERR_USAGE: return 2;
    case CLI_ERR_FUNCTION: return 3;
    case CLI_ERR_TIMEOUT:
    case CLI_ERR_EXPIRED:
    case CLI_ERR_TASK_FAILED: return 4;
    default: return 1;
    }
}

cli_err cli_diag_set(cli_diag *d, cli_err code, const char *fmt, ...)
{
    if (!d) return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    /* One line, whatever a server or file put into the message. */
    for (char *p = d->msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = ' ';
    d->code = code;
    return code;
}
