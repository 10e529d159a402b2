/* test_package.c - deploy-function's offline half: directory validation,
 * dependency install into a temporary copy, the reproducible tarball and
 * the function id, checked against independent tools (GNU tar, cast,
 * node, python3). */
#include "cli.h"
#include "clirun.h"
#include "test.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define JS_MANIFEST "{\"runtime\": \"javascript\"}"
#define PY_MANIFEST "{\"runtime\": \"python\"}"

/* A function directory with the given manifest and entry file. */
static char *make_fn(const char *manifest, const char *entry_name, const char *entry)
{
    char *dir = clirun_tmpdir();
    if (!dir) return NULL;
    if (manifest) clirun_write(dir, "manifest.json", manifest);
    if (entry_name) clirun_write(dir, entry_name, entry);
    return dir;
}

static void drop(char *dir)
{
    clirun_rmrf(dir);
    free(dir);
}

/* Runs a shell command; returns its stdout (caller frees) or NULL. */
static char *sh(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    char *out = NULL;
    size_t len = 0;
    char buf[4096];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, p)) > 0) {
        out = realloc(out, len + k + 1);
        memcpy(out + len, buf, k);
        len += k;
        out[len] = 0;
    }
    int st = pclose(p);
    if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out ? out : strdup("");
}

static void test_validate_accepts_handlers(void)
{
    static const struct {
        const char *manifest, *entry_name, *src;
    } ok[] = {
        { JS_MANIFEST, "index.js", "exports.handler = async function(input) { return input; };" },
        { JS_MANIFEST, "index.js", "module.exports.handler = (x) => x;" },
        { JS_MANIFEST, "index.js", "async function handler(x) { return x; }\nmodule.exports = { handler };" },
        { JS_MANIFEST, "index.js", "module.exports = {\n  handler: async (x) => x,\n};" },
        { JS_MANIFEST, "index.js", "exports['handler'] = function () {};" },
        { PY_MANIFEST, "handler.py", "import json\n\ndef handler(input_data):\n    return input_data\n" },
        { PY_MANIFEST, "handler.py", "def helper():\n    pass\n\ndef   handler (x):\n    return 1\n" },
        { "{\"runtime\": \"python\", \"memory\": 128}", "handler.py", "def handler(x): return x" },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char *dir = make_fn(ok[i].manifest, ok[i].entry_name, ok[i].src);
        cli_manifest m;
        cli_diag d = { 0 };
        cli_err e = cli_pkg_validate(dir, &m, &d);
        if (e) test_fail(__FILE__, __LINE__, "case %zu refused: %s", i, d.msg);
        else CHECK_STR(m.entry, ok[i].entry_name);
        drop(dir);
    }
}

static void test_validate_errors(void)
{
    static const struct {
        const char *manifest, *entry_name, *src;
        cli_err code;
        const char *msg_part;
    } bad[] = {
        { NULL, "index.js", "exports.handler = 1", CLI_ERR_MANIFEST, "no manifest.json in " },
        { "{\"runtime\": ", "index.js", "", CLI_ERR_MANIFEST, "manifest.json is not valid JSON (line 1" },
        { "{\"name\": \"x\"}", "index.js", "", CLI_ERR_MANIFEST, "has no \"runtime\" string" },
        { "{\"runtime\": \"ruby\"}", "index.js", "", CLI_ERR_MANIFEST, "unknown runtime \"ruby\"" },
        { JS_MANIFEST, NULL, NULL, CLI_ERR_BUNDLE, "missing entry file " },
        { PY_MANIFEST, "index.js", "exports.handler = 1", CLI_ERR_BUNDLE, "handler.py (runtime python needs it" },
        { JS_MANIFEST, "index.js", "exports.handle = async () => 1;", CLI_ERR_BUNDLE, "no handler in " },
        { JS_MANIFEST, "index.js", "const myhandler = 1; exports.myhandler = myhandler;", CLI_ERR_BUNDLE,
          "no handler in " },
        { PY_MANIFEST, "handler.py", "def main(x):\n    return x\n", CLI_ERR_BUNDLE, "define it with `def handler(" },
        { PY_MANIFEST, "handler.py", "class A:\n    def handler(self): pass\n", CLI_ERR_BUNDLE, "no handler in " },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *dir = make_fn(bad[i].manifest, bad[i].entry_name, bad[i].src);
        cli_manifest m;
        cli_diag d = { 0 };
        cli_err e = cli_pkg_validate(dir, &m, &d);
        if (e != bad[i].code || !strstr(d.msg, bad[i].msg_part))
            test_fail(__FILE__, __LINE__, "case %zu: %d \"%s\"", i, e, d.msg);
        drop(dir);
    }
    cli_manifest m;
    cli_diag d = { 0 };
    CHECK_INT(cli_pkg_validate("/nonexistent/fn", &m, &d), CLI_ERR_MANIFEST);
    CHECK(strstr(d.msg, "No such file") != NULL);
    CHECK_INT(cli_pkg_validate("/etc/hostname", &m, &d), CLI_ERR_MANIFEST);
    CHECK(strstr(d.msg, "is not a directory") != NULL);
}

/* A directory exercising the tarball rules: nesting, an executable, a long
 * name (pax header), a symlink to a file inside, and things left out. */
static char *make_rich_fn(void)
{
    char *dir = make_fn(JS_MANIFEST, "index.js", "exports.handler = async (x) => ({ got: x });\n");
    char path[4096];
    snprintf(path, sizeof path, "%s/lib", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/lib/deep", dir);
    mkdir(path, 0700);
    clirun_write(dir, "lib/util.js", "module.exports = 42;\n");
    clirun_write(dir, "lib/deep/data.bin", "\x01\x02\x03");
    clirun_write(dir, "run.sh", "#!/bin/sh\necho hi\n");
    snprintf(path, sizeof path, "%s/run.sh", dir);
    chmod(path, 0700);
    char name[256];
    memset(name, 'n', 150);
    strcpy(name + 150, ".txt");
    clirun_write(dir, name, "long name\n");
    snprintf(path, sizeof path, "%s/link.js", dir);
    symlink("lib/util.js", path);
    snprintf(path, sizeof path, "%s/.git", dir);
    mkdir(path, 0755);
    clirun_write(dir, ".git/HEAD", "ref: refs/heads/main\n");
    snprintf(path, sizeof path, "%s/__pycache__", dir);
    mkdir(path, 0755);
    clirun_write(dir, "__pycache__/x.pyc", "junk");
    snprintf(path, sizeof path, "%s/node_modules", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/node_modules/.bin", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/node_modules/.bin/tool", dir);
    symlink("../../run.sh", path);
    /* Not left empty: bundle_pack_dir passes NULL to qsort for an empty
     * directory, which UBSan reports (reported to the bundle's owner). */
    clirun_write(dir, "node_modules/.package-lock.json", "{}\n");
    return dir;
}

/* The bundle of dir without dependency installs, in an eth_buf (freed
 * with eth_buf_free). */
static void build(eth_buf *b, const char *dir)
{
    cli_diag d = { 0 };
    eth_buf_init(b, 0);
    cli_err e = cli_pkg_build(&b->data, &b->len, dir, 1, NULL, &d);
    if (e) test_fail(__FILE__, __LINE__, "tarball of %s: %s", dir, d.msg);
}

static cli_err build_err(const char *dir, cli_diag *d)
{
    uint8_t *tar;
    size_t n;
    cli_err e = cli_pkg_build(&tar, &n, dir, 1, NULL, d);
    free(tar);
    return e;
}

/* Copies src to a new directory with `cp -a`, then gives every file another
 * mtime and the non-executable ones another mode. */
static char *copy_and_disturb(const char *src)
{
    char *dst = clirun_tmpdir(), cmd[8192];
    snprintf(cmd, sizeof cmd,
             "cp -a '%s/.' '%s/' && find '%s' -exec touch -h -d '2001-02-03 04:05:06' {} + && "
             "find '%s' -type f ! -perm -u+x -exec chmod 600 {} + && chmod 700 '%s/lib'",
             src, dst, dst, dst, dst);
    int st;
    free(sh(cmd, &st));
    CHECK_INT(st, 0);
    return dst;
}

static void test_tarball_reproducible(void)
{
    char *dir = make_rich_fn();
    eth_buf a, b, c;
    build(&a, dir);
    build(&b, dir);
    REQUIRE(a.len > 0);
    CHECK_INT(a.len, b.len);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);

    /* Same names and contents elsewhere, other mtimes and modes: same bytes. */
    char *copy = copy_and_disturb(dir);
    build(&c, copy);
    CHECK(a.len == c.len && memcmp(a.data, c.data, a.len) == 0);

    /* gzip header (RFC 1952): no name (FLG 0), MTIME 0. */
    CHECK(a.data[0] == 0x1f && a.data[1] == 0x8b && a.data[2] == 8);
    CHECK_INT(a.data[3], 0);
    CHECK(a.data[4] == 0 && a.data[5] == 0 && a.data[6] == 0 && a.data[7] == 0);

    /* A changed byte, or a changed execute bit, is another function. */
    uint8_t id1[32], id2[32];
    cli_pkg_function_id(id1, a.data, a.len);
    clirun_write(copy, "lib/util.js", "module.exports = 43;\n");
    eth_buf_free(&c);
    build(&c, copy);
    cli_pkg_function_id(id2, c.data, c.len);
    CHECK(memcmp(id1, id2, 32) != 0);
    char path[4096];
    clirun_write(copy, "lib/util.js", "module.exports = 42;\n");
    snprintf(path, sizeof path, "%s/index.js", copy);
    chmod(path, 0755);
    eth_buf_free(&c);
    build(&c, copy);
    cli_pkg_function_id(id2, c.data, c.len);
    CHECK(memcmp(id1, id2, 32) != 0);

    eth_buf_free(&a);
    eth_buf_free(&b);
    eth_buf_free(&c);
    drop(dir);
    drop(copy);
}

/* GNU tar reads what we wrote: entries, order, owners, modes, dates,
 * contents; and the left-out paths are absent. */
static void test_tarball_read_by_gnu_tar(void)
{
    char *dir = make_rich_fn(), *work = clirun_tmpdir();
    eth_buf t;
    build(&t, dir);
    char tgz[4096], cmd[8192];
    snprintf(tgz, sizeof tgz, "%s/f.tar.gz", work);
    REQUIRE(cli_file_write(tgz, t.data, t.len) == 0);
    snprintf(cmd, sizeof cmd, "tar --numeric-owner --utc -tvzf '%s' | awk '{print $1, $2, $4, $5, $6}'", tgz);
    int st;
    char *list = sh(cmd, &st);
    REQUIRE(list && st == 0);
    char name[160];
    memset(name, 'n', 150);
    strcpy(name + 150, ".txt");
    char want[2048];
    snprintf(want, sizeof want,
             "-rw-r--r-- 0/0 1970-01-01 00:00 index.js\n"
             "drwxr-xr-x 0/0 1970-01-01 00:00 lib/\n"
             "drwxr-xr-x 0/0 1970-01-01 00:00 lib/deep/\n"
             "-rw-r--r-- 0/0 1970-01-01 00:00 lib/deep/data.bin\n"
             "-rw-r--r-- 0/0 1970-01-01 00:00 lib/util.js\n"
             "-rw-r--r-- 0/0 1970-01-01 00:00 link.js\n"
             "-rw-r--r-- 0/0 1970-01-01 00:00 manifest.json\n"
             "-rw-r--r-- 0/0 1970-01-01 00:00 %s\n"
             "drwxr-xr-x 0/0 1970-01-01 00:00 node_modules/\n"
             "-rw-r--r-- 0/0 1970-01-01 00:00 node_modules/.package-lock.json\n"
             "-rwxr-xr-x 0/0 1970-01-01 00:00 run.sh\n",
             name);
    CHECK_STR(list, want);
    free(list);

    snprintf(cmd, sizeof cmd, "mkdir '%s/x' && tar -xzf '%s' -C '%s/x' && cmp '%s/x/link.js' '%s/lib/util.js' && "
             "cmp '%s/x/lib/deep/data.bin' '%s/lib/deep/data.bin' && cmp '%s/x/%s' '%s/%s' && echo ok",
             work, tgz, work, work, dir, work, dir, work, name, dir, name);
    char *ok = sh(cmd, &st);
    CHECK_STR(ok, "ok\n");
    free(ok);
    eth_buf_free(&t);
    drop(dir);
    drop(work);
}

/* The id is keccak-256 of the tarball bytes, as `cast keccak` computes it. */
static void test_function_id_matches_cast(void)
{
    char *dir = make_fn(PY_MANIFEST, "handler.py", "def handler(x):\n    return x\n");
    eth_buf t;
    build(&t, dir);
    uint8_t id[32];
    cli_pkg_function_id(id, t.data, t.len);
    char want[68], *hex = eth_hex_encode_alloc(t.data, t.len), *cmd = malloc(t.len * 2 + 64);
    snprintf(cmd, t.len * 2 + 64, "cast keccak %s", hex);
    int st;
    char *got = sh(cmd, &st);
    CHECK_INT(st, 0);
    eth_hex_encode(want, id, 32);
    strcat(want, "\n");
    CHECK_STR(got, want);
    free(got);
    free(cmd);
    free(hex);
    eth_buf_free(&t);
    drop(dir);
}

static void test_walk_refuses_unsafe_entries(void)
{
    char path[4096];
    cli_diag d = { 0 };

    char *dir = make_fn(JS_MANIFEST, "index.js", "exports.handler = 1;");
    snprintf(path, sizeof path, "%s/secret", dir);
    symlink("/etc/passwd", path);
    CHECK_INT(build_err(dir, &d), CLI_ERR_BUNDLE);
    CHECK(strstr(d.msg, "secret is a symlink that leaves the function directory") != NULL);
    drop(dir);

    dir = make_fn(JS_MANIFEST, "index.js", "exports.handler = 1;");
    snprintf(path, sizeof path, "%s/pipe", dir);
    mkfifo(path, 0644);
    CHECK_INT(build_err(dir, &d), CLI_ERR_BUNDLE);
    CHECK(strstr(d.msg, "pipe is not a regular file or directory") != NULL);
    drop(dir);

    dir = make_fn(JS_MANIFEST, "index.js", "exports.handler = 1;");
    snprintf(path, sizeof path, "%s/sub", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/sub/loop", dir);
    symlink("..", path);
    CHECK_INT(build_err(dir, &d), CLI_ERR_BUNDLE);
    CHECK(strstr(d.msg, "sub/loop is a symlink to something other than a regular file") != NULL);
    drop(dir);

    /* Limits operators enforce (bundle.h) are enforced before sending. */
    dir = make_fn(JS_MANIFEST, "index.js", "exports.handler = 1;");
    char seg[201];
    memset(seg, 's', 200);
    seg[200] = 0;
    snprintf(path, sizeof path, "%s", dir);
    for (int i = 0; i < 6; i++) {
        strcat(path, "/");
        strcat(path, seg);
        mkdir(path, 0755);
    }
    CHECK_INT(build_err(dir, &d), CLI_ERR_BUNDLE);
    CHECK(strstr(d.msg, "cannot pack the function: ") && strstr(d.msg, "path too long"));
    drop(dir);
}

/* Stages dir (dependencies installed), builds its tarball and extracts it
 * into a fresh directory (returned). */
static char *stage_build_extract(const char *dir, uint8_t id[32], eth_buf *t)
{
    cli_diag d = { 0 };
    eth_buf_init(t, 0);
    cli_err e = cli_pkg_build(&t->data, &t->len, dir, 0, NULL, &d);
    if (e) {
        test_fail(__FILE__, __LINE__, "build %s: %s", dir, d.msg);
        return NULL;
    }
    cli_pkg_function_id(id, t->data, t->len);
    char *out = clirun_tmpdir(), tgz[4096], cmd[16384];
    snprintf(tgz, sizeof tgz, "%s.tgz", out);
    cli_file_write(tgz, t->data, t->len);
    snprintf(cmd, sizeof cmd, "tar -xzf '%s' -C '%s' && rm '%s'", tgz, out, tgz);
    free(sh(cmd, NULL));
    return out;
}

static void test_pip_bundles_local_package_offline(void)
{
    char src[2048], path[4096];
    snprintf(src, sizeof src, "%s/examples/python-deps", test_root());
    uint8_t id1[32], id2[32];
    eth_buf t1, t2;
    char *x1 = stage_build_extract(src, id1, &t1);
    REQUIRE(x1);
    char *x2 = stage_build_extract(src, id2, &t2);
    REQUIRE(x2);
    CHECK_MEM(id1, id2, 32); /* installs are reproducible too */

    snprintf(path, sizeof path, "%s/textstats/__init__.py", x1);
    CHECK(access(path, R_OK) == 0);
    /* The user's directory is untouched. */
    snprintf(path, sizeof path, "%s/textstats", src);
    CHECK(access(path, F_OK) != 0);

    /* The bundle runs with only itself on sys.path, as the runner sets it. */
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && python3 -S -c 'import sys, json; sys.path.insert(0, \".\"); import handler; "
             "print(json.dumps(handler.handler(\"the cat and the hat and the bat\")))' | tail -1",
             x1);
    int st;
    char *out = sh(cmd, &st);
    CHECK_STR(out, "{\"words\": 8, \"top\": [[\"the\", 3], [\"and\", 2], [\"cat\", 1]], \"package\": \"textstats "
                   "1.0.0\"}\n");
    free(out);
    eth_buf_free(&t1);
    eth_buf_free(&t2);
    drop(x1);
    drop(x2);
}

static void test_pip_failure_is_one_line(void)
{
    char *dir = make_fn(PY_MANIFEST, "handler.py", "def handler(x):\n    return x\n");
    clirun_write(dir, "requirements.txt", "--no-index\nno-such-package-for-faas==9.9.9\n");
    uint8_t *tar;
    size_t n;
    cli_diag d = { 0 };
    CHECK_INT(cli_pkg_build(&tar, &n, dir, 0, NULL, &d), CLI_ERR_DEPS);
    CHECK(strstr(d.msg, "dependency install failed: pip3 install exited with status 1: ERROR: ") != NULL);
    CHECK(strstr(d.msg, "no-such-package-for-faas") != NULL);
    CHECK(!strchr(d.msg, '\n'));
    /* --skip-deps does not run pip at all. */
    CHECK_INT(cli_pkg_build(&tar, &n, dir, 1, NULL, &d), CLI_OK);
    free(tar);
    drop(dir);
}

static void test_npm_bundles_lodash(void)
{
    char src[2048], path[4096];
    snprintf(src, sizeof src, "%s/examples/js-deps", test_root());
    uint8_t id1[32], id2[32];
    eth_buf t1, t2;
    char *x1 = stage_build_extract(src, id1, &t1);
    REQUIRE(x1);
    char *x2 = stage_build_extract(src, id2, &t2);
    REQUIRE(x2);
    CHECK_MEM(id1, id2, 32);
    snprintf(path, sizeof path, "%s/node_modules/lodash/package.json", x1);
    CHECK(access(path, R_OK) == 0);
    snprintf(path, sizeof path, "%s/node_modules", src);
    CHECK(access(path, F_OK) != 0);

    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && NODE_PATH= node -e 'require(\"./index.js\").handler(\"hello FaaS world\")"
             ".then(r => process.stdout.write(JSON.stringify(r)))' 2>/dev/null | tail -c 200",
             x1);
    int st;
    char *out = sh(cmd, &st);
    CHECK(out && strstr(out, "{\"capitalized\":\"Hello faas world\",\"kebab\":\"hello-faa-s-world\",\"words\":4,"
                             "\"lodash\":\"4.17.21\"}") != NULL);
    if (out && !strstr(out, "capitalized")) test_fail(__FILE__, __LINE__, "node printed: %s", out);
    free(out);
    eth_buf_free(&t1);
    eth_buf_free(&t2);
    drop(x1);
    drop(x2);
}

static void test_npm_failure_is_one_line(void)
{
    char *dir = make_fn(JS_MANIFEST, "index.js", "exports.handler = async () => 1;");
    clirun_write(dir, "package.json",
                 "{\"name\": \"f\", \"version\": \"1.0.0\", \"dependencies\": {\"lodash\": \"99.99.99\"}}");
    uint8_t *tar;
    size_t n;
    cli_diag d = { 0 };
    CHECK_INT(cli_pkg_build(&tar, &n, dir, 0, NULL, &d), CLI_ERR_DEPS);
    CHECK(strstr(d.msg, "dependency install failed: npm install exited with status 1: npm error") != NULL);
    CHECK(strstr(d.msg, "lodash") != NULL);
    drop(dir);
}

static void test_installer_missing(void)
{
    char *dir = make_fn(PY_MANIFEST, "handler.py", "def handler(x):\n    return x\n");
    clirun_write(dir, "requirements.txt", "six\n");
    const char *args[] = { "package", dir, NULL };
    const char *env[] = { "PATH=/nonexistent", NULL };
    struct clirun r;
    REQUIRE(clirun(&r, args, env, NULL, 0, NULL) == 0);
    CHECK_INT(r.status, 1);
    char line[512];
    CHECK_STR(clirun_line(r.err, "Error:", line, sizeof line),
              "Error: cannot run pip3: No such file or directory (install it, or deploy with --skip-deps)");
    clirun_free(&r);
    drop(dir);
}

static void test_package_and_dry_run_commands(void)
{
    char *dir = make_fn(JS_MANIFEST, "index.js", "exports.handler = async (x) => x;\n");
    char *work = clirun_tmpdir();
    eth_buf t;
    build(&t, dir);
    uint8_t id[32];
    char id_hex[67], want[256], line[256];
    cli_pkg_function_id(id, t.data, t.len);
    eth_hex_encode(id_hex, id, 32);

    const char *args[] = { "package", dir, NULL };
    struct clirun r;
    REQUIRE(clirun(&r, args, NULL, NULL, 0, work) == 0);
    CHECK_INT(r.status, 0);
    snprintf(want, sizeof want, "Tarball size: %zu bytes", t.len);
    CHECK_STR(clirun_line(r.out, "Tarball size:", line, sizeof line), want);
    snprintf(want, sizeof want, "Function ID: %s", id_hex);
    CHECK_STR(clirun_line(r.out, "Function ID:", line, sizeof line), want);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.tar.gz", work, id_hex);
    uint8_t *file;
    size_t n;
    REQUIRE(cli_file_read(path, 1 << 20, &file, &n) == 0);
    CHECK(n == t.len && memcmp(file, t.data, n) == 0);
    free(file);
    clirun_free(&r);

    /* The seed's first deploy lines, then nothing sent. */
    const char *dry[] = { "deploy-function", "--dry-run", dir, NULL };
    REQUIRE(clirun(&r, dry, NULL, NULL, 0, work) == 0);
    CHECK_INT(r.status, 0);
    snprintf(want, sizeof want,
             "Deploying function from directory: %s\nTarball size: %zu bytes\nFunction ID: %s\n"
             "Dry run: nothing was uploaded or sent.\n",
             dir, t.len, id_hex);
    CHECK_STR(r.out, want);
    clirun_free(&r);

    const char *js[] = { "deploy-function", "--dry-run", "--json", dir, NULL };
    REQUIRE(clirun(&r, js, NULL, NULL, 0, work) == 0);
    CHECK_INT(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    REQUIRE(doc);
    CHECK_STR(json_string_value(json_object_get(doc, "function_id")), id_hex);
    CHECK_INT(json_integer_value(json_object_get(doc, "tarball_size")), t.len);
    CHECK_STR(json_string_value(json_object_get(doc, "runtime")), "javascript");
    json_decref(doc);
    clirun_free(&r);
    eth_buf_free(&t);
    drop(dir);
    drop(work);
}

/* What a user sees for each mistake in a function directory: exactly this
 * one line (a shell pattern only for the npm registry's URL) and status 1.
 * The directory is checked before anything else (no FaaS address is
 * configured: that error never shows); dependencies are installed after the
 * chain is checked, so those cases use --dry-run. */
static void test_directory_errors_through_the_cli(void)
{
    static const struct {
        const char *manifest, *entry_name, *src, *deps_name, *deps;
        const char *want;   /* "{dir}": the directory */
    } bad[] = {
        { NULL, NULL, NULL, NULL, NULL,
          "Error: no manifest.json in {dir} (it needs {\"runtime\": \"javascript\"} or {\"runtime\": \"python\"})\n" },
        { "{runtime", NULL, NULL, NULL, NULL,
          "Error: {dir}/manifest.json is not valid JSON (line 1: string or '}' expected near 'runtime')\n" },
        { "{\"runtime\": \"go\"}", NULL, NULL, NULL, NULL,
          "Error: unknown runtime \"go\" in {dir}/manifest.json (expected \"javascript\" or \"python\")\n" },
        { JS_MANIFEST, NULL, NULL, NULL, NULL,
          "Error: missing entry file {dir}/index.js (runtime javascript needs it; export it with `exports.handler = "
          "async function (input) { … }`)\n" },
        { PY_MANIFEST, "handler.py", "print(1)\n", NULL, NULL,
          "Error: no handler in {dir}/handler.py: define it with `def handler(input_data):`\n" },
        /* An npm package that does not exist (the registry answers 404). */
        { JS_MANIFEST, "index.js", "exports.handler = async () => 1;\n", "package.json",
          "{\"name\": \"f\", \"version\": \"1.0.0\", \"dependencies\": {\"faas-no-such-package-7f3a\": \"1.0.0\"}}",
          "Error: dependency install failed: npm install exited with status 1: npm error 404 Not Found - GET "
          "http*/faas-no-such-package-7f3a\n" },
        /* A requirement with no wheel anywhere pip may look (no index). */
        { PY_MANIFEST, "handler.py", "def handler(x):\n    return x\n", "requirements.txt",
          "--no-index\nno-such-package-for-faas==9.9.9\n",
          "Error: dependency install failed: pip3 install exited with status 1: ERROR: No matching distribution found "
          "for no-such-package-for-faas==9.9.9\n" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *dir = make_fn(bad[i].manifest, bad[i].entry_name, bad[i].src), want[1024];
        if (bad[i].deps_name) clirun_write(dir, bad[i].deps_name, bad[i].deps);
        const char *args[] = { "deploy-function", bad[i].deps_name ? "--dry-run" : dir, dir, NULL };
        if (!bad[i].deps_name) args[2] = NULL;
        const char *env[] = { "FAAS_PRIVATE_KEY=" TEST_DEV_KEY0, "FAAS_ADDRESS", "FAAS_HOME=/nonexistent", NULL };
        const char *names[] = { "{dir}", NULL }, *values[] = { dir };
        clirun_expand(want, sizeof want, bad[i].want, names, values);
        struct clirun r;
        REQUIRE(clirun(&r, args, env, NULL, 0, NULL) == 0);
        /* Installs print their progress on stderr first: the error is the last line. */
        const char *last = r.err;
        if (bad[i].deps_name && r.err_len > 1)
            for (const char *p = r.err; p < r.err + r.err_len - 1; p++)
                if (*p == '\n') last = p + 1;
        if (r.status != 1 || fnmatch(want, last, 0) != 0)
            test_fail(__FILE__, __LINE__, "case %zu: %d %s", i, r.status, r.err);
        CHECK(strstr(r.out, "Tarball size") == NULL);
        clirun_free(&r);
        drop(dir);
    }
    /* Not a directory at all. */
    const char *args[] = { "deploy-function", "/nonexistent/function", NULL };
    struct clirun r;
    REQUIRE(clirun(&r, args, NULL, NULL, 0, NULL) == 0);
    CHECK_INT(r.status, 1);
    CHECK_STR(r.err, "Error: function directory /nonexistent/function: No such file or directory\n");
    clirun_free(&r);
}

static const struct test_case cases[] = {
    TEST(validate_accepts_handlers),
    TEST(validate_errors),
    TEST(tarball_reproducible),
    TEST(tarball_read_by_gnu_tar),
    TEST(function_id_matches_cast),
    TEST(walk_refuses_unsafe_entries),
    TEST(pip_bundles_local_package_offline),
    TEST(pip_failure_is_one_line),
    TEST(npm_bundles_lodash),
    TEST(npm_failure_is_one_line),
    TEST(installer_missing),
    TEST(package_and_dry_run_commands),
    TEST(directory_errors_through_the_cli),
};
int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
