/* result.c - the result envelope operators sign (SPEC §3 "Result bytes") and
 * how the CLI shows it: logs plainly, the value as indented JSON. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Parses JSON text. Integers beyond 64 bits (JavaScript numbers such as 1e21
 * are written in full by JSON.stringify) make jansson fail; such documents
 * are read again with every integer as a double rather than refused. */
static json_t *load_json(const uint8_t *bytes, size_t n, json_error_t *je)
{
    json_t *v = json_loadb((const char *)bytes, n, JSON_ALLOW_NUL | JSON_DECODE_ANY, je);
    if (!v && strstr(je->text, "too big"))
        v = json_loadb((const char *)bytes, n, JSON_ALLOW_NUL | JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, je);
    return v;
}

static int is_string_array(const json_t *a)
{
    size_t i;
    json_t *v;
    if (!json_is_array(a)) return 0;
    json_array_foreach(a, i, v) if (!json_is_string(v)) return 0;
    return 1;
}

cli_err cli_result_parse(cli_result *r, const uint8_t *bytes, size_t n, cli_diag *d)
{
    memset(r, 0, sizeof *r);
    json_error_t je;
    json_t *doc = load_json(bytes, n, &je);
    if (!doc) return cli_diag_set(d, CLI_ERR_FUNCTION, "the result (%zu bytes) is not JSON: %s", n, je.text);
    json_t *payload = json_object_get(doc, "payload"), *error = json_object_get(doc, "error");
    if (!json_is_object(doc) || !payload || !error || !(json_is_null(error) || json_is_string(error))) {
        json_decref(doc);
        return cli_diag_set(d, CLI_ERR_FUNCTION, "the result is not a {\"payload\", \"error\"} envelope");
    }
    json_t *logs = json_object_get(doc, "logs");
    /* Captured console output: the payload is exactly {result, logs}. */
    if (json_is_object(payload) && json_object_size(payload) == 2 && json_object_get(payload, "result") &&
        is_string_array(json_object_get(payload, "logs"))) {
        logs = json_object_get(payload, "logs");
        payload = json_object_get(payload, "result");
    }
    if (is_string_array(logs) && json_array_size(logs) > 0) r->logs = json_incref(logs);
    int failed = json_is_string(error);
    if (failed) r->error = strndup(json_string_value(error), json_string_length(error));
    else r->value = json_incref(payload);
    json_decref(doc);
    if (failed && !r->error) {
        cli_result_free(r);
        return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    }
    return CLI_OK;
}

void cli_result_free(cli_result *r)
{
    json_decref(r->value);
    json_decref(r->logs);
    free(r->error);
    memset(r, 0, sizeof *r);
}

/* The shortest "%.Ng" that reads back as the same double, as JavaScript's
 * Number#toString would pick (jansson always writes 17 digits). */
static void print_real(FILE *f, double x)
{
    char buf[40];
    if (!isfinite(x)) {
        fputs("null", f);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    fputs(buf, f);
    /* Keep it a real for readers that care (3.0 rather than 3), like Python. */
    if (!strpbrk(buf, ".eEn")) fputs(".0", f);
}

static void indent(FILE *f, int depth)
{
    for (int i = 0; i < depth; i++) fputs("  ", f);
}

static void print_string(FILE *f, const json_t *s)
{
    char *text = json_dumps(s, JSON_ENCODE_ANY);
    fputs(text ? text : "\"\"", f);
    free(text);
}

/* Like JSON.stringify(v, null, 2), keeping object member order. */
static void print_value(FILE *f, const json_t *v, int depth)
{
    size_t i, n;
    const char *key;
    json_t *item;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        if (json_object_size(v) == 0) {
            fputs("{}", f);
            return;
        }
        fputs("{\n", f);
        n = 0;
        json_object_foreach((json_t *)v, key, item) {
            json_t *k = json_stringn(key, strlen(key));
            indent(f, depth + 1);
            print_string(f, k);
            json_decref(k);
            fputs(": ", f);
            print_value(f, item, depth + 1);
            fputs(++n < json_object_size(v) ? ",\n" : "\n", f);
        }
        indent(f, depth);
        fputc('}', f);
        return;
    case JSON_ARRAY:
        if (json_array_size(v) == 0) {
            fputs("[]", f);
            return;
        }
        fputs("[\n", f);
        json_array_foreach(v, i, item) {
            indent(f, depth + 1);
            print_value(f, item, depth + 1);
            fputs(i + 1 < json_array_size(v) ? ",\n" : "\n", f);
        }
        indent(f, depth);
        fputc(']', f);
        return;
    case JSON_STRING: print_string(f, v); return;
    case JSON_INTEGER: fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); return;
    case JSON_REAL: print_real(f, json_real_value(v)); return;
    case JSON_TRUE: fputs("true", f); return;
    case JSON_FALSE: fputs("false", f); return;
    case JSON_NULL: fputs("null", f); return;
    }
}

void cli_result_print(FILE *f, const cli_result *r)
{
    if (r->logs) {
        size_t i;
        json_t *line;
        fputs("Function Logs:\n", f);
        json_array_foreach(r->logs, i, line) {
            /* Logs are shown plainly; a line with embedded newlines keeps its indent. */
            const char *s = json_string_value(line);
            size_t len = json_string_length(line);
            fputs("  ", f);
            for (size_t k = 0; k < len; k++) {
                fputc(s[k] ? s[k] : ' ', f);
                if (s[k] == '\n') fputs("  ", f);
            }
            fputc('\n', f);
        }
    }
    if (r->error) {
        fprintf(f, "Function Error: %s\n", r->error);
        return;
    }
    fputs("Function Result:\n", f);
    print_value(f, r->value, 0);
    fputc('\n', f);
}

cli_err cli_result_report(cli_out *o, const uint8_t *bytes, size_t n, cli_diag *d)
{
    cli_result r;
    cli_err e = cli_result_parse(&r, bytes, n, d);
    if (e) return e;
    if (o->json) {
        cli_out_field(o, "result", r.value ? json_incref(r.value) : json_null(), NULL);
        cli_out_field(o, "logs", r.logs ? json_incref(r.logs) : json_array(), NULL);
        cli_out_field(o, "error", r.error ? json_string(r.error) : json_null(), NULL);
    } else {
        cli_result_print(o->out, &r);
        fflush(o->out);
    }
    if (r.error) e = cli_diag_set(d, CLI_ERR_FUNCTION, "the function returned an error: %s", r.error);
    cli_result_free(&r);
    return e;
}
