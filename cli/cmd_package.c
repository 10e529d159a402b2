/* cmd_package.c - the commands that build a bundle from a directory:
 * `package`; `deploy-function` (seed "Deploy a Function"), which registers
 * it on-chain (FaaS.registerFunction) or uploads it to S3 and registers its
 * URL and hash (FaaS.deployFunction); and `invoke --local`, which runs it
 * through the operators' sandboxed performer with no chain (like `sam local
 * invoke`). */
#include "cli.h"

#include "performer.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* FaaS.sol's view of a function: (id, owner, blockNumber, size, url). */
#define FUNCTION_INFO_TYPE "((bytes32,address,uint64,uint32,string))"

/* A built bundle: the tarball and its id. */
typedef struct {
    cli_manifest manifest;
    uint8_t *tar;   /* owned */
    size_t len;
    uint8_t id[32];
    char id_hex[67];
} bundle;

static void bundle_free(bundle *b) { free(b->tar); }

/* Prints the seed's first line under `verb` and validates the directory. */
static cli_err check_dir(bundle *b, const char *verb, const cli_args *a, cli_out *o, cli_diag *d)
{
    memset(b, 0, sizeof *b);
    cli_out_field(o, "directory", json_string(a->pos[0]), "%s function from directory: %s", verb, a->pos[0]);
    cli_err e = cli_pkg_validate(a->pos[0], &b->manifest, d);
    if (!e) cli_out_field(o, "runtime", json_string(b->manifest.runtime_name), NULL);
    return e;
}

/* Builds the tarball (dependencies installed unless --skip-deps) and prints
 * its size and id. */
static cli_err build(bundle *b, const cli_args *a, cli_out *o, cli_diag *d)
{
    /* Installer progress goes to stderr: stdout keeps the seed's lines (or
     * the JSON document). */
    cli_pkg_opts opts = { stderr, a->value[CLI_FLAG_VERBOSE] != NULL };
    cli_err e = cli_pkg_build(&b->tar, &b->len, a->pos[0], a->value[CLI_FLAG_SKIP_DEPS] != NULL, &opts, d);
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
    cli_err e = check_dir(&b, "Packaging", a, o, d);
    if (!e) e = build(&b, a, o, d);
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

/* An id already registered is reported, not sent again (its bytes, and so
 * its contents, are the same). Sets *found. */
static cli_err report_if_registered(int *found, cli_chain *ch, const bundle *b, cli_out *o, cli_diag *d)
{
    json_t *ret;
    cli_err e = cli_chain_view(ch, &ret, &ch->faas, "functionExists(bytes32)", json_pack("[s]", b->id_hex), "(bool)",
                               d);
    if (e) return e;
    *found = json_is_true(json_array_get(ret, 0));
    json_decref(ret);
    if (!*found) return CLI_OK;
    if ((e = cli_chain_view(ch, &ret, &ch->faas, "getFunction(bytes32)", json_pack("[s]", b->id_hex),
                            FUNCTION_INFO_TYPE, d)))
        return e;
    json_t *info = json_array_get(ret, 0);
    const char *owner = json_string_value(json_array_get(info, 1)), *block = json_string_value(json_array_get(info, 2));
    cli_out_field(o, "already_registered", json_true(),
                  "Function already registered: %s (block %s, by %s); nothing sent.", b->id_hex, block, owner);
    json_decref(ret);
    return CLI_OK;
}

/* Uploads the tarball to S3 and returns its URL (caller frees). */
static cli_err upload(char **url, const cli_args *a, const cli_s3_location *loc, const bundle *b, cli_out *o,
                      cli_diag *d)
{
    cli_aws_creds creds;
    cli_err e = cli_aws_creds_resolve(&creds, d);
    if (e) return e;
    char *key = cli_s3_object_key(loc, b->id);
    *url = key ? cli_s3_object_url(loc, key, creds.region, a->value[CLI_FLAG_S3_ENDPOINT]) : NULL;
    if (!*url) e = cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    if (!e) e = cli_s3_put(*url, &creds, b->tar, b->len, "application/gzip", d);
    if (!e) cli_out_field(o, "s3_url", json_string(*url), "Uploaded to S3: %s", *url);
    free(key);
    cli_aws_creds_free(&creds);
    return e;
}

/* Registers the bundle: its bytes on-chain, or its S3 URL and hash. */
static cli_err register_bundle(cli_chain *ch, const cli_args *a, const cli_s3_location *loc, const bundle *b,
                               cli_out *o, cli_diag *d)
{
    eth_receipt rc;
    memset(&rc, 0, sizeof rc);
    cli_err e;
    if (loc) {
        char *url = NULL;
        e = upload(&url, a, loc, b, o, d);
        if (!e)
            e = cli_chain_send(ch, &rc, &ch->faas, "deployFunction(string,bytes32)", json_pack("[s,s]", url, b->id_hex),
                               o, d);
        free(url);
    } else {
        char *hex = eth_hex_encode_alloc(b->tar, b->len);
        e = hex ? cli_chain_send(ch, &rc, &ch->faas, "registerFunction(bytes)", json_pack("[s]", hex), o, d)
                : cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
        free(hex);
    }
    if (!e) {
        cli_out_text(o, "Function registered successfully!");
        cli_out_text(o, "Function ID: %s", b->id_hex);
        cli_out_field(o, "block_number", json_integer((json_int_t)rc.block_number), NULL);
        cli_chain_print_costs(o, &rc);
    }
    eth_receipt_free(&rc);
    return e;
}

cli_err cli_cmd_deploy(const cli_args *a, cli_out *o, cli_diag *d)
{
    bundle b;
    cli_chain ch;
    cli_s3_location loc = { 0 };
    const char *s3 = a->value[CLI_FLAG_S3_BASE_URL];
    int dry = a->value[CLI_FLAG_DRY_RUN] != NULL, found = 0;
    memset(&ch, 0, sizeof ch);
    /* Everything a user can get wrong is checked before the (slow)
     * dependency install and before any transaction: the directory, the
     * S3 URL, the key, the addresses and the node. */
    cli_err e = check_dir(&b, "Deploying", a, o, d);
    if (!e && s3) e = cli_s3_parse_url(&loc, s3, d);
    if (!e && !dry) e = cli_chain_open(&ch, a, CLI_NEED_KEY | CLI_NEED_FAAS, d);
    if (!e) e = build(&b, a, o, d);
    if (!e && dry) cli_out_field(o, "dry_run", json_true(), "Dry run: nothing was uploaded or sent.");
    if (!e && !dry) {
        cli_out_field(o, "chain_id", json_integer((json_int_t)ch.chain_id), "Using chain ID: %llu",
                      (unsigned long long)ch.chain_id);
        e = report_if_registered(&found, &ch, &b, o, d);
    }
    if (!e && !dry && !found) e = register_bundle(&ch, a, s3 ? &loc : NULL, &b, o, d);
    cli_s3_location_free(&loc);
    cli_chain_close(&ch);
    bundle_free(&b);
    return e;
}

/* Runs one invocation in a performer pool of this process: one warm zygote
 * of the bundle's runtime in the operators' sandbox (namespaces, seccomp,
 * cgroup limits; bin/performer's engine). The pool's caps are the task's
 * limits, so --timeout is what the function gets. */
static cli_err run_sandboxed(const char *work, const bundle_cache *cache, const bundle_info *info,
                             const perf_task *task, perf_result *res, cli_diag *d)
{
    char *staging = cli_path_join(work, "sandbox-root");
    if (!staging || mkdir(staging, 0700) != 0) {
        free(staging);
        return cli_diag_set(d, CLI_ERR_IO, "cannot create the sandbox's staging directory in %s", work);
    }
    perf_pool_config pc = { .cache_dir = bundle_cache_path(cache), .staging_dir = staging, .zygotes = 1,
                            .max_inflight = 1, .runtime_mask = 1u << info->runtime, .limits = task->limits };
    perf_pool *pool = NULL;
    char detail[256] = "";
    /* The performer logs JSON lines to stderr; a user wants only its
     * warnings (e.g. limits that cgroups cannot enforce here). */
    setenv("LOG_LEVEL", "warn", 0);
    perf_err pe = perf_pool_start(&pool, &pc, detail);
    cli_err e = CLI_OK;
    if (pe)
        e = cli_diag_set(d, CLI_ERR_IO, "cannot start the sandboxed performer: %s%s%s", perf_strerror(pe),
                         detail[0] ? ": " : "", detail);
    else if ((pe = perf_pool_invoke(pool, info, task, res)))
        e = cli_diag_set(d, CLI_ERR_IO, "cannot run the function in the sandbox: %s", perf_strerror(pe));
    perf_pool_stop(pool);
    free(staging);
    return e;
}

/* Runs the bundle once as an operator's performer runs it: in the sandbox
 * (which needs root, like bin/performer), else - and the user is told -
 * through the spawn-per-call runner with the same envelope and determinism
 * but no isolation (perf_local_invoke; the devnet falls back the same way).
 * The task is local: id 0x00…00, timestamp now. */
static cli_err run_locally(const bundle *b, const uint8_t *input, size_t input_len, long timeout_ms, cli_out *o,
                           cli_diag *d)
{
    char *dir;
    cli_err e = cli_temp_dir(&dir, "invoke", d);
    if (e) return e;
    char detail[BUNDLE_DETAIL_MAX] = "";
    char *cache_dir = cli_path_join(dir, "cache");
    bundle_cache *cache = NULL;
    bundle_info info;
    perf_result res = { 0 };
    bundle_err be = cache_dir ? bundle_cache_open(&cache, cache_dir, NULL) : BUNDLE_ERR_NOMEM;
    if (!be) be = bundle_cache_add(cache, b->tar, b->len, b->id, &info, NULL, detail);
    if (be) e = cli_diag_set(d, CLI_ERR_BUNDLE, "cannot unpack the bundle: %s", detail[0] ? detail : bundle_strerror(be));
    int sandboxed = geteuid() == 0;
    if (!e) {
        perf_task task = { .input = input, .input_len = input_len, .timestamp = (uint64_t)time(NULL) };
        task.limits.timeout_ms = (uint32_t)timeout_ms;
        cli_out_field(o, "sandboxed", json_boolean(sandboxed), sandboxed ? "Sandbox: the operators' performer "
                      "(own namespaces, no network, read-only bundle, limits)" : NULL);
        if (sandboxed) {
            e = run_sandboxed(dir, cache, &info, &task, &res, d);
        } else {
            /* stderr: stdout keeps the result (or the JSON document). */
            fprintf(stderr, "Note: not running as root: the function runs without the operators' sandbox "
                            "(no namespaces, seccomp or cgroup limits)\n");
            perf_err pe = perf_local_invoke(NULL, &info, &task, &res);
            if (pe) e = cli_diag_set(d, CLI_ERR_IO, "cannot run the function locally: %s", perf_strerror(pe));
        }
    }
    if (!e) {
        cli_out_field(o, "outcome", json_string(perf_outcome_name(res.outcome)), NULL);
        cli_out_field(o, "duration_ms", json_real(res.duration_ms), "Duration: %.1f ms", res.duration_ms);
        e = cli_result_report(o, res.bytes, res.len, d);
    }
    perf_result_free(&res);
    if (cache) bundle_cache_close(cache);
    free(cache_dir);
    cli_remove_tree(dir);
    return e;
}

cli_err cli_cmd_invoke(const cli_args *a, cli_out *o, cli_diag *d)
{
    if (!a->value[CLI_FLAG_LOCAL])
        return cli_diag_set(d, CLI_ERR_USAGE,
                            "invoke runs functions on this machine only: add --local (on the network: "
                            "deploy-function, then call-function)");
    uint8_t *input;
    size_t input_len;
    long timeout_ms;
    cli_err e = cli_args_millis(a, CLI_FLAG_TIMEOUT, PERF_DEFAULT_TIMEOUT_MS, &timeout_ms, d);
    if (e) return e;
    if ((e = cli_read_input(&input, &input_len, a, 1, d))) return e;
    bundle b;
    e = check_dir(&b, "Invoking", a, o, d);
    if (!e) e = build(&b, a, o, d);
    if (!e) e = run_locally(&b, input, input_len, timeout_ms, o, d);
    bundle_free(&b);
    free(input);
    return e;
}
