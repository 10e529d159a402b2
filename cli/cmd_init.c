/* cmd_init.c - `init`: a function directory to start from, as `sam init`
 * gives a Lambda user: manifest.json and the runtime's entry file with a
 * handler (SPEC §3 "Function bundle"). The handler reads no clock and no
 * randomness, so every operator returns the same bytes for it. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char JS_HANDLER[] =
    "// A FaaS AVS function. `input` is the call's input: parsed JSON, a string, or\n"
    "// {raw, text, size} for binary input. What it returns (JSON) is the result the\n"
    "// operators sign; console output comes back as the result's logs.\n"
    "exports.handler = async (input) => {\n"
    "  console.log('called with', input);\n"
    "  const name = input && typeof input === 'object' && input.name ? input.name : 'world';\n"
    "  return { message: `Hello, ${name}!` };\n"
    "};\n";

static const char PY_HANDLER[] =
    "# A FaaS AVS function. `input` is the call's input: parsed JSON, a string, or\n"
    "# {\"raw\": bytes, \"text\", \"size\"} for binary input. What it returns (JSON) is the\n"
    "# result the operators sign; printed lines come back as the result's logs.\n"
    "def handler(input):\n"
    "    print(\"called with\", input)\n"
    "    name = input.get(\"name\") if isinstance(input, dict) else None\n"
    "    return {\"message\": f\"Hello, {name or 'world'}!\"}\n";

/* dir must not exist (it is created) or be an empty directory. */
static cli_err prepare_dir(const char *dir, cli_diag *d)
{
    if (mkdir(dir, 0755) == 0) return CLI_OK;
    if (errno != EEXIST) return cli_diag_set(d, CLI_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
    DIR *dh = opendir(dir);
    if (!dh) return cli_diag_set(d, CLI_ERR_IO, "%s exists and is not a directory", dir);
    int empty = 1;
    for (struct dirent *e; empty && (e = readdir(dh));)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(dh);
    return empty ? CLI_OK
                 : cli_diag_set(d, CLI_ERR_IO, "%s is not empty: init writes only into a new or empty directory", dir);
}

static cli_err write_file(const char *dir, const char *name, const char *text, cli_diag *d)
{
    char *p = cli_path_join(dir, name);
    if (!p) return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    int err = cli_file_write(p, (const uint8_t *)text, strlen(text));
    cli_err e = err ? cli_diag_set(d, CLI_ERR_IO, "cannot write %s: %s", p, strerror(err)) : CLI_OK;
    free(p);
    return e;
}

cli_err cli_cmd_init(const cli_args *a, cli_out *o, cli_diag *d)
{
    const char *runtime = a->value[CLI_FLAG_RUNTIME] ? a->value[CLI_FLAG_RUNTIME] : "javascript";
    int python = strcmp(runtime, "python") == 0;
    if (!python && strcmp(runtime, "javascript") != 0)
        return cli_diag_set(d, CLI_ERR_USAGE, "unknown runtime \"%s\" (javascript or python)", runtime);
    const char *dir = a->pos[0], *entry = python ? "handler.py" : "index.js";
    char manifest[64];
    snprintf(manifest, sizeof manifest, "{\n  \"runtime\": \"%s\"\n}\n", runtime);
    cli_err e = prepare_dir(dir, d);
    if (!e) e = write_file(dir, "manifest.json", manifest, d);
    if (!e) e = write_file(dir, entry, python ? PY_HANDLER : JS_HANDLER, d);
    if (e) return e;
    /* What was written is what deploy-function accepts. */
    cli_manifest m;
    if ((e = cli_pkg_validate(dir, &m, d))) return e;
    cli_out_field(o, "directory", json_string(dir), "Created a %s function in %s", runtime, dir);
    cli_out_field(o, "runtime", json_string(runtime), NULL);
    cli_out_field(o, "files", json_pack("[s,s]", "manifest.json", entry), "  %s/manifest.json\n  %s/%s", dir, dir,
                  entry);
    cli_out_text(o, "Next:\n  faas-cli invoke --local %s '{\"name\":\"Alice\"}'\n  faas-cli deploy-function %s", dir,
                 dir);
    return CLI_OK;
}
