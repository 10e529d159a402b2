/* cmd_package.c - `package` and the offline half of `deploy-function`:
 * validate the directory, install dependencies, build the reproducible
 * tarball and compute the function id (seed "Deploy a Function"). */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A built bundle: the tarball and its id. */
typedef struct {
    cli_manifest manifest;
    uint8_t *tar;   /* owned */
    size_t len;
    uint8_t id[32];
    char id_hex[67];
} bundle;

static void bundle_free(bundle *b) { free(b->tar); }

/* Validates dir, stages it (dependencies) and builds the tarball, printing
 * the seed's first lines under `verb` ("Deploying", "Packaging"). */
static cli_err build_bundle(bundle *b, const char *verb, const cli_args *a, cli_out *o, cli_diag *d)
{
    const char *dir = a->pos[0];
    memset(b, 0, sizeof *b);
    cli_out_field(o, "directory", json_string(dir), "%s function from directory: %s", verb, dir);
    cli_err e = cli_pkg_validate(dir, &b->manifest, d);
    if (e) return e;
    cli_out_field(o, "runtime", json_string(b->manifest.runtime_name), NULL);
    /* Installer progress goes to stderr: stdout keeps the seed's lines (or
     * the JSON document). */
    cli_pkg_opts opts = { stderr, a->value[CLI_FLAG_VERBOSE] != NULL };
    e = cli_pkg_build(&b->tar, &b->len, dir, a->value[CLI_FLAG_SKIP_DEPS] != NULL, &opts, d);
    if (e) return e;
    cli_pkg_function_id(b->id, b->tar, b->len);
    eth_hex_encode(b->id_hex, b->id, sizeof b->id);
    cli_out_field(o, "tarball_size", json_integer((json_int_t)b->len), "Tarball size: %zu bytes", b->len);
    cli_out_field(o, "function_id", json_string(b->id_hex), "Function ID: %s", b->id_hex);
    return CLI_OK;
}

cli_err cli_cmd_package(const cli_args *a, cli_out *o, cli_diag *d)
{
    bundle b;
    cli_err e = build_bundle(&b, "Packaging", a, o, d);
    if (!e) {
        char fallback[80];
        const char *path = a->value[CLI_FLAG_OUTPUT];
        if (!path) {
            snprintf(fallback, sizeof fallback, "%s.tar.gz", b.id_hex);
            path = fallback;
        }
        int err = cli_file_write(path, b.tar, b.len);
        if (err) e = cli_diag_set(d, CLI_ERR_IO, "cannot write %s: %s", path, strerror(err));
        else cli_out_field(o, "output", json_string(path), "Tarball written to: %s", path);
    }
    bundle_free(&b);
    return e;
}

cli_err cli_cmd_deploy(const cli_args *a, cli_out *o, cli_diag *d)
{
    bundle b;
    cli_err e = build_bundle(&b, "Deploying", a, o, d);
    if (!e && a->value[CLI_FLAG_DRY_RUN]) {
        cli_out_field(o, "dry_run", json_true(), "Dry run: nothing was uploaded or sent.");
    } else if (!e) {
        e = cli_diag_set(d, CLI_ERR_USAGE, "on-chain deployment is not available in this build (use --dry-run)");
    }
    bundle_free(&b);
    return e;
}
