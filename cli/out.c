/* out.c - the two output modes: the seed's text lines as a command
 * progresses, or one JSON document at the end (--json). */
#include "cli.h"

#include <stdarg.h>

void cli_out_init(cli_out *o, int json, FILE *out)
{
    o->json = json;
    o->obj = json ? json_object() : NULL;
    o->out = out;
}

static void vline(cli_out *o, const char *fmt, va_list ap)
{
    vfprintf(o->out, fmt, ap);
    fputc('\n', o->out);
    fflush(o->out); /* progress lines must show while the command waits */
}

void cli_out_text(cli_out *o, const char *fmt, ...)
{
    if (o->json) return;
    va_list ap;
    va_start(ap, fmt);
    vline(o, fmt, ap);
    va_end(ap);
}

void cli_out_field(cli_out *o, const char *key, json_t *value, const char *fmt, ...)
{
    if (o->json) {
        if (value && o->obj) json_object_set_new(o->obj, key, value);
        else json_decref(value);
        return;
    }
    json_decref(value);
    if (!fmt) return;
    va_list ap;
    va_start(ap, fmt);
    vline(o, fmt, ap);
    va_end(ap);
}

static const char *const code_names[CLI_ERR__COUNT] = {
    [CLI_OK] = "ok",
    [CLI_ERR_USAGE] = "usage",
    [CLI_ERR_CONFIG] = "config",
    [CLI_ERR_KEY] = "key",
    [CLI_ERR_MANIFEST] = "manifest",
    [CLI_ERR_BUNDLE] = "bundle",
    [CLI_ERR_DEPS] = "deps",
    [CLI_ERR_IO] = "io",
    [CLI_ERR_S3] = "s3",
    [CLI_ERR_S3_DENIED] = "s3_denied",
    [CLI_ERR_RPC] = "rpc",
    [CLI_ERR_CHAIN] = "chain",
    [CLI_ERR_NOT_FOUND] = "not_found",
    [CLI_ERR_FUNCTION] = "function_error",
    [CLI_ERR_TIMEOUT] = "timeout",
    [CLI_ERR_EXPIRED] = "expired",
    [CLI_ERR_TASK_FAILED] = "task_failed",
    [CLI_ERR_NOMEM] = "nomem",
};

int cli_out_finish(cli_out *o, const cli_diag *d, cli_err e, FILE *err)
{
    const char *msg = e ? (d && d->code == e && d->msg[0] ? d->msg : cli_strerror(e)) : NULL;
    if (o->json) {
        json_t *doc = o->obj ? o->obj : json_object();
        o->obj = NULL;
        if (e) {
            json_object_set_new(doc, "error", json_string(msg));
            json_object_set_new(doc, "code", json_string((unsigned)e < CLI_ERR__COUNT ? code_names[e] : "unknown"));
        }
        /* ENSURE_ASCII: values may hold any bytes a function returned. */
        json_dumpf(doc, o->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
        fputc('\n', o->out);
        json_decref(doc);
    } else if (e) {
        fprintf(err, "Error: %s\n", msg);
    }
    fflush(o->out);
    return cli_exit_status(e);
}
