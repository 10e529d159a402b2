/* validate.c - checks a function directory before anything is built or
 * sent (SPEC §3 "Function bundle"): manifest.json with a known runtime, the
 * runtime's entry file, and a handler in it. */
#include "cli.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct runtime_spec {
    cli_runtime runtime;
    const char *name, *entry, *how;
    /* Extended regexes (REG_NEWLINE) any of which shows a handler. */
    const char *patterns[4];
};

/* Identifier boundaries: POSIX EREs have no \b. */
#define NOT_ID_BEFORE "(^|[^A-Za-z0-9_$])"
#define NOT_ID_AFTER "([^A-Za-z0-9_$]|$)"

static const struct runtime_spec runtimes[] = {
    { CLI_RUNTIME_JS, "javascript", "index.js", "export it with `exports.handler = async function (input) { … }`",
      { NOT_ID_BEFORE "exports[[:space:]]*\\.[[:space:]]*handler" NOT_ID_AFTER,
        NOT_ID_BEFORE "exports[[:space:]]*\\[[[:space:]]*['\"`]handler['\"`][[:space:]]*\\]",
        NULL } },
    { CLI_RUNTIME_PYTHON, "python", "handler.py", "define it with `def handler(input_data):`",
      { "^(async[[:space:]]+)?def[[:space:]]+handler[[:space:]]*\\(", "^handler[[:space:]]*=", NULL, NULL } },
};

/* JavaScript `module.exports = { handler }` (or `{ handler: … }`), which
 * may span lines: an assignment to module.exports plus handler named as a
 * member of an object literal. */
static int js_multiline_export(const char *src)
{
    regex_t a, b;
    int ok = 0;
    if (regcomp(&a, NOT_ID_BEFORE "module[[:space:]]*\\.[[:space:]]*exports[[:space:]]*=", REG_EXTENDED | REG_NOSUB) != 0)
        return 0;
    if (regcomp(&b, "[{,][[:space:]]*handler[[:space:]]*[:,}]", REG_EXTENDED | REG_NOSUB) == 0) {
        ok = regexec(&a, src, 0, NULL, 0) == 0 && regexec(&b, src, 0, NULL, 0) == 0;
        regfree(&b);
    }
    regfree(&a);
    return ok;
}

static int has_handler(const struct runtime_spec *rt, const char *src)
{
    for (int i = 0; i < 4 && rt->patterns[i]; i++) {
        regex_t re;
        if (regcomp(&re, rt->patterns[i], REG_EXTENDED | REG_NEWLINE | REG_NOSUB) != 0) continue;
        int found = regexec(&re, src, 0, NULL, 0) == 0;
        regfree(&re);
        if (found) return 1;
    }
    return rt->runtime == CLI_RUNTIME_JS && js_multiline_export(src);
}

static cli_err read_manifest(const struct runtime_spec **rt, const char *dir, cli_diag *d)
{
    char *path = cli_path_join(dir, "manifest.json");
    if (!path) return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    uint8_t *text;
    size_t n;
    int err = cli_file_read(path, CLI_PKG_MAX_MANIFEST, &text, &n);
    free(path);
    if (err == ENOENT)
        return cli_diag_set(d, CLI_ERR_MANIFEST,
                            "no manifest.json in %s (it needs {\"runtime\": \"javascript\"} or {\"runtime\": "
                            "\"python\"})", dir);
    if (err == EFBIG)
        return cli_diag_set(d, CLI_ERR_MANIFEST, "%s/manifest.json is larger than %zu bytes", dir,
                            CLI_PKG_MAX_MANIFEST);
    if (err) return cli_diag_set(d, CLI_ERR_MANIFEST, "cannot read %s/manifest.json: %s", dir, strerror(err));
    json_error_t je;
    json_t *doc = json_loadb((const char *)text, n, 0, &je);
    free(text);
    if (!doc)
        return cli_diag_set(d, CLI_ERR_MANIFEST, "%s/manifest.json is not valid JSON (line %d: %s)", dir, je.line,
                            je.text);
    json_t *runtime = json_object_get(doc, "runtime");
    cli_err e = CLI_OK;
    if (!json_is_string(runtime)) {
        e = cli_diag_set(d, CLI_ERR_MANIFEST,
                         "%s/manifest.json has no \"runtime\" string (expected \"javascript\" or \"python\")", dir);
    } else {
        *rt = NULL;
        for (size_t i = 0; i < sizeof runtimes / sizeof runtimes[0]; i++)
            if (strcmp(json_string_value(runtime), runtimes[i].name) == 0) *rt = &runtimes[i];
        if (!*rt)
            e = cli_diag_set(d, CLI_ERR_MANIFEST,
                             "unknown runtime \"%.40s\" in %s/manifest.json (expected \"javascript\" or \"python\")",
                             json_string_value(runtime), dir);
    }
    json_decref(doc);
    return e;
}

cli_err cli_pkg_validate(const char *dir, cli_manifest *m, cli_diag *d)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return cli_diag_set(d, CLI_ERR_MANIFEST, "function directory %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return cli_diag_set(d, CLI_ERR_MANIFEST, "%s is not a directory", dir);

    const struct runtime_spec *rt = NULL;
    cli_err e = read_manifest(&rt, dir, d);
    if (e) return e;

    char *path = cli_path_join(dir, rt->entry);
    if (!path) return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    uint8_t *src;
    size_t n;
    int err = cli_file_read(path, CLI_PKG_MAX_ENTRY_FILE, &src, &n);
    free(path);
    if (err == ENOENT || err == EISDIR)
        return cli_diag_set(d, CLI_ERR_BUNDLE, "missing entry file %s/%s (runtime %s needs it; %s)", dir, rt->entry,
                            rt->name, rt->how);
    if (err) return cli_diag_set(d, CLI_ERR_BUNDLE, "cannot read %s/%s: %s", dir, rt->entry, strerror(err));
    /* The regexes stop at a NUL byte; a file with one is not source text. */
    int found = memchr(src, 0, n) == NULL && has_handler(rt, (const char *)src);
    free(src);
    if (!found) return cli_diag_set(d, CLI_ERR_BUNDLE, "no handler in %s/%s: %s", dir, rt->entry, rt->how);

    m->runtime = rt->runtime;
    m->runtime_name = rt->name;
    m->entry = rt->entry;
    return CLI_OK;
}
