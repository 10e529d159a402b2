/* Bundle extraction, cache and packing: well-formed bundles land intact;
 * every hostile tarball of the list is refused with its own error,
 * and leaves nothing behind, inside the cache or outside it. Tarballs are
 * written here with libarchive's writer, which (unlike `tar`) lets a test put
 * any name, type, mode or link target into a header. */
#include "bundle.h"
#include "test.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eth.h"

typedef struct {
    const char *name;
    char type;              /* f file, d dir, l symlink, h hard link, c char device, p FIFO */
    const char *data;       /* file contents or link target */
    int mode;               /* 0: 0644 (files) / 0755 (dirs) */
    long long size;         /* declared size when data is NULL (zeros are written) */
} tent;

static la_ssize_t buf_write(struct archive *a, void *ctx, const void *p, size_t n)
{
    (void)a;
    eth_buf *b = ctx;
    return eth_buf_append(b, p, n) == ETH_OK ? (la_ssize_t)n : -1;
}

/* A tarball (gzipped unless plain) holding the entries as given. */
static uint8_t *make_tar(const tent *ents, size_t n, int plain, size_t *len)
{
    eth_buf b;
    eth_buf_init(&b, 0);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (!plain) archive_write_add_filter_gzip(a);
    archive_write_set_bytes_in_last_block(a, 1);
    archive_write_open(a, &b, NULL, buf_write, NULL);
    for (size_t i = 0; i < n; i++) {
        const tent *t = &ents[i];
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, t->name);
        archive_entry_set_mtime(e, 1700000000, 0);
        long long size = 0;
        switch (t->type) {
        case 'f': archive_entry_set_filetype(e, AE_IFREG); size = t->data ? (long long)strlen(t->data) : t->size; break;
        case 'd': archive_entry_set_filetype(e, AE_IFDIR); break;
        case 'l': archive_entry_set_filetype(e, AE_IFLNK); archive_entry_set_symlink(e, t->data); break;
        case 'h': archive_entry_set_filetype(e, AE_IFREG); archive_entry_set_hardlink(e, t->data); break;
        case 'c': archive_entry_set_filetype(e, AE_IFCHR); archive_entry_set_rdevmajor(e, 1); archive_entry_set_rdevminor(e, 3); break;
        case 'p': archive_entry_set_filetype(e, AE_IFIFO); break;
        }
        archive_entry_set_perm(e, t->mode ? t->mode : t->type == 'd' ? 0755 : 0644);
        archive_entry_set_size(e, size);
        archive_write_header(a, e);
        if (t->type == 'f') {
            if (t->data) {
                archive_write_data(a, t->data, strlen(t->data));
            } else {
                static char zeros[65536];
                for (long long done = 0; done < size; done += (long long)sizeof zeros)
                    archive_write_data(a, zeros, size - done < (long long)sizeof zeros ? (size_t)(size - done) : sizeof zeros);
            }
        }
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    *len = b.len;
    return b.data;
}

#define MANIFEST_JS {"manifest.json", 'f', "{\"runtime\":\"javascript\"}", 0, 0}
#define INDEX_JS {"index.js", 'f', "exports.handler = async () => 1;\n", 0, 0}

static char workdir[] = "/tmp/faas-bundle-test-XXXXXX";
static int have_workdir;
static char cachedir[256];

static int rm_cb(const char *p, const struct stat *s, int t, struct FTW *f)
{
    (void)s, (void)t, (void)f;
    return remove(p);
}

/* A fresh work dir with an empty cache/ inside, so that anything written
 * next to the cache (a ../ escape) is visible too. */
static bundle_cache *fresh_cache(const bundle_limits *lim)
{
    if (have_workdir) nftw(workdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    strcpy(workdir, "/tmp/faas-bundle-test-XXXXXX");
    if (!(have_workdir = mkdtemp(workdir) != NULL)) return NULL;
    snprintf(cachedir, sizeof cachedir, "%s/cache", workdir);
    bundle_cache *c = NULL;
    return bundle_cache_open(&c, cachedir, lim) == BUNDLE_OK ? c : NULL;
}

/* Entries in dir other than "." and "..". */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    for (struct dirent *de; (de = readdir(d));)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    closedir(d);
    return n;
}

/* Adds the tarball and checks the error code, that the detail names the
 * problem, and that nothing was left in the cache or beside it. */
static void expect_reject(const tent *ents, size_t n, const bundle_limits *lim, bundle_err want, const char *detail_has)
{
    bundle_cache *c = fresh_cache(lim);
    REQUIRE(c);
    size_t len;
    uint8_t *tar = make_tar(ents, n, 0, &len);
    bundle_info info;
    char detail[BUNDLE_DETAIL_MAX] = "";
    bundle_err err = bundle_cache_add(c, tar, len, NULL, &info, NULL, detail);
    if (err != want) test_fail(__FILE__, __LINE__, "got %s (%s), expected %s", bundle_strerror(err), detail, bundle_strerror(want));
    if (detail_has && !strstr(detail, detail_has)) test_fail(__FILE__, __LINE__, "detail \"%s\" lacks \"%s\"", detail, detail_has);
    CHECK_INT(count_entries(cachedir), 0);
    CHECK_INT(count_entries(workdir), 1); /* just cache/ */
    free(tar);
    bundle_cache_close(c);
}

#define REJECT(want, has, ...) do { \
        const tent ents_[] = {__VA_ARGS__}; \
        expect_reject(ents_, TEST_COUNT(ents_), NULL, want, has); \
    } while (0)

static void test_valid_js_bundle(void)
{
    bundle_cache *c = fresh_cache(NULL);
    REQUIRE(c);
    const tent ents[] = {
        {"./", 'd', NULL, 0, 0}, MANIFEST_JS, INDEX_JS,
        {"node_modules/", 'd', NULL, 0, 0},
        {"node_modules/greet/index.js", 'f', "module.exports = 'hi';\n", 0, 0},
        {"node_modules/greet/bin.js", 'f', "#!/usr/bin/env node\n", 0750, 0},
        {"node_modules/.bin/greet", 'l', "../greet/bin.js", 0777, 0},
        {"dangling", 'l', "does/not/exist", 0777, 0},
        {"deep/a/b/c.txt", 'f', "implicit parents", 0600, 0},
    };
    size_t len;
    uint8_t *tar = make_tar(ents, TEST_COUNT(ents), 0, &len);
    uint8_t want_id[32];
    eth_keccak256(want_id, tar, len);

    bundle_info info;
    int added = -1;
    char detail[BUNDLE_DETAIL_MAX] = "";
    bundle_err err = bundle_cache_add(c, tar, len, want_id, &info, &added, detail);
    if (err) test_fail(__FILE__, __LINE__, "%s: %s", bundle_strerror(err), detail);
    CHECK_INT(added, 1);
    CHECK_INT(info.runtime, BUNDLE_RUNTIME_JAVASCRIPT);
    CHECK_MEM(info.id, want_id, 32);
    char want_path[4200], hex[67];
    snprintf(want_path, sizeof want_path, "%s/%s", bundle_cache_path(c), eth_hex_encode(hex, want_id, 32) + 2);
    CHECK_STR(info.path, want_path);
    CHECK_STR(info.hex, hex + 2);

    char p[4200];
    struct stat st;
    snprintf(p, sizeof p, "%s/index.js", info.path);
    CHECK(stat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644);
    CHECK_INT(st.st_mtime, 1700000000);
    snprintf(p, sizeof p, "%s/node_modules/greet/bin.js", info.path);
    CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0755);
    snprintf(p, sizeof p, "%s/deep/a/b/c.txt", info.path);
    CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0644);
    snprintf(p, sizeof p, "%s/node_modules/.bin/greet", info.path);
    char target[256] = "";
    CHECK(readlink(p, target, sizeof target - 1) > 0);
    CHECK_STR(target, "../greet/bin.js");
    CHECK(stat(info.path, &st) == 0 && (st.st_mode & 07777) == 0755);
    snprintf(p, sizeof p, "%s/node_modules/greet/index.js", info.path);
    FILE *f = fopen(p, "r");
    char content[64] = "";
    CHECK(f && fgets(content, sizeof content, f));
    if (f) fclose(f);
    CHECK_STR(content, "module.exports = 'hi';\n");

    /* Cached: a second add extracts nothing; get finds it. */
    CHECK_INT(bundle_cache_add(c, tar, len, NULL, &info, &added, NULL), BUNDLE_OK);
    CHECK_INT(added, 0);
    bundle_info got;
    CHECK_INT(bundle_cache_get(c, want_id, &got), BUNDLE_OK);
    CHECK_STR(got.path, info.path);
    CHECK_INT(got.runtime, BUNDLE_RUNTIME_JAVASCRIPT);
    CHECK_INT(count_entries(bundle_cache_path(c)), 1); /* no temporary left */

    CHECK_INT(bundle_cache_remove(c, want_id), BUNDLE_OK);
    CHECK_INT(bundle_cache_get(c, want_id, &got), BUNDLE_ERR_NOT_FOUND);
    CHECK_INT(count_entries(bundle_cache_path(c)), 0);
    CHECK_INT(bundle_cache_remove(c, want_id), BUNDLE_OK);
    free(tar);
    bundle_cache_close(c);
}

static void test_valid_python_bundle(void)
{
    bundle_cache *c = fresh_cache(NULL);
    REQUIRE(c);
    const tent ents[] = {
        {"manifest.json", 'f', "{\"runtime\": \"python\", \"name\": \"extra keys are fine\"}", 0, 0},
        {"handler.py", 'f', "def handler(input_data):\n    return input_data\n", 0, 0},
        {"requests/__init__.py", 'f', "", 0, 0},
    };
    size_t len;
    uint8_t *tar = make_tar(ents, TEST_COUNT(ents), 0, &len);
    bundle_info info;
    CHECK_INT(bundle_cache_add(c, tar, len, NULL, &info, NULL, NULL), BUNDLE_OK);
    CHECK_INT(info.runtime, BUNDLE_RUNTIME_PYTHON);
    free(tar);
    bundle_cache_close(c);
}

static void test_id_mismatch_writes_nothing(void)
{
    bundle_cache *c = fresh_cache(NULL);
    REQUIRE(c);
    const tent ents[] = {MANIFEST_JS, INDEX_JS};
    size_t len;
    uint8_t *tar = make_tar(ents, TEST_COUNT(ents), 0, &len);
    uint8_t wrong[32] = {1};
    bundle_info info;
    char detail[BUNDLE_DETAIL_MAX];
    CHECK_INT(bundle_cache_add(c, tar, len, wrong, &info, NULL, detail), BUNDLE_ERR_ID_MISMATCH);
    CHECK(strstr(detail, "expected 0x0100") != NULL);
    CHECK_INT(count_entries(cachedir), 0);
    free(tar);
    bundle_cache_close(c);
}

static void test_unsafe_paths(void)
{
    REJECT(BUNDLE_ERR_PATH, "absolute", MANIFEST_JS, INDEX_JS, {"/tmp/evil", 'f', "x", 0, 0});
    REJECT(BUNDLE_ERR_PATH, "\"..\"", MANIFEST_JS, INDEX_JS, {"../evil", 'f', "x", 0, 0});
    REJECT(BUNDLE_ERR_PATH, "\"..\"", MANIFEST_JS, INDEX_JS, {"a/../../evil", 'f', "x", 0, 0});
    REJECT(BUNDLE_ERR_PATH, "\"..\"", MANIFEST_JS, {"sub/..", 'd', NULL, 0, 0}, INDEX_JS);
    REJECT(BUNDLE_ERR_PATH, NULL, MANIFEST_JS, INDEX_JS, {"./", 'f', "x", 0, 0});
    REJECT(BUNDLE_ERR_PATH, "names the root", MANIFEST_JS, INDEX_JS, {"./.", 'f', "x", 0, 0});
}

static void test_links(void)
{
    REJECT(BUNDLE_ERR_LINK, "leads outside", MANIFEST_JS, INDEX_JS, {"root", 'l', "/", 0777, 0});
    REJECT(BUNDLE_ERR_LINK, "leads outside", MANIFEST_JS, INDEX_JS, {"a/up", 'l', "../../etc", 0777, 0});
    /* Lexically inside ("d/up/.." is "d"), but d/up is itself a link to the
     * root, so the kernel resolves x to the root's parent: only the final
     * openat2(RESOLVE_BENEATH) check can see it. */
    REJECT(BUNDLE_ERR_LINK, "leads outside", MANIFEST_JS, INDEX_JS, {"d/up", 'l', "..", 0777, 0},
           {"x", 'l', "d/up/..", 0777, 0});
    REJECT(BUNDLE_ERR_LINK, "loops", MANIFEST_JS, INDEX_JS, {"a", 'l', "b", 0777, 0}, {"b", 'l', "a", 0777, 0});
    /* A link inside the bundle may not be written through. */
    REJECT(BUNDLE_ERR_LINK, "through a symlink", MANIFEST_JS, INDEX_JS, {"sub", 'd', NULL, 0, 0},
           {"lnk", 'l', "sub", 0777, 0}, {"lnk/evil", 'f', "x", 0, 0});
    REJECT(BUNDLE_ERR_LINK, "hard link", MANIFEST_JS, INDEX_JS, {"copy", 'h', "index.js", 0, 0});
    REJECT(BUNDLE_ERR_LINK, "hard link", MANIFEST_JS, INDEX_JS, {"shadow", 'h', "/etc/shadow", 0, 0});
    /* The manifest itself may not be a link, even to a good file. */
    REJECT(BUNDLE_ERR_MANIFEST, "not a regular file", {"m.json", 'f', "{\"runtime\":\"javascript\"}", 0, 0},
           {"manifest.json", 'l', "m.json", 0777, 0}, INDEX_JS);
}

/* Links that stay inside are fine, however they get there: chains, "..",
 * and the entry file itself a link. */
static void test_links_inside(void)
{
    bundle_cache *c = fresh_cache(NULL);
    REQUIRE(c);
    const tent ents[] = {
        MANIFEST_JS,
        {"src/main.js", 'f', "exports.handler = async () => 1;\n", 0, 0},
        {"index.js", 'l', "src/../src/main.js", 0777, 0},
        {"lib", 'l', "src", 0777, 0},
        {"chain", 'l', "lib/../lib/main.js", 0777, 0},
        {"deep/up", 'l', "../lib/.", 0777, 0},
    };
    size_t len;
    uint8_t *tar = make_tar(ents, TEST_COUNT(ents), 0, &len);
    bundle_info info;
    char detail[BUNDLE_DETAIL_MAX] = "";
    bundle_err err = bundle_cache_add(c, tar, len, NULL, &info, NULL, detail);
    if (err) test_fail(__FILE__, __LINE__, "%s: %s", bundle_strerror(err), detail);
    CHECK_INT(info.runtime, BUNDLE_RUNTIME_JAVASCRIPT);
    free(tar);
    bundle_cache_close(c);
}

static void test_special_files_and_modes(void)
{
    REJECT(BUNDLE_ERR_TYPE, "device", MANIFEST_JS, INDEX_JS, {"null", 'c', NULL, 0666, 0});
    REJECT(BUNDLE_ERR_TYPE, "FIFO", MANIFEST_JS, INDEX_JS, {"fifo", 'p', NULL, 0644, 0});
    REJECT(BUNDLE_ERR_MODE, "setuid", MANIFEST_JS, INDEX_JS, {"suid", 'f', "x", 04755, 0});
    REJECT(BUNDLE_ERR_MODE, "setuid/setgid", MANIFEST_JS, INDEX_JS, {"sgid", 'd', NULL, 02755, 0});
}

static void test_duplicates(void)
{
    REJECT(BUNDLE_ERR_DUPLICATE, "twice", MANIFEST_JS, INDEX_JS, {"index.js", 'f', "again", 0, 0});
    REJECT(BUNDLE_ERR_DUPLICATE, "twice", MANIFEST_JS, INDEX_JS, {"index.js", 'd', NULL, 0, 0});
    REJECT(BUNDLE_ERR_DUPLICATE, "through a file", MANIFEST_JS, INDEX_JS, {"index.js/x", 'f', "x", 0, 0});
    /* A directory named twice is what `tar` writes for "./" and is fine. */
    bundle_cache *c = fresh_cache(NULL);
    REQUIRE(c);
    const tent ok[] = {{"lib", 'd', NULL, 0, 0}, {"lib/", 'd', NULL, 0, 0}, MANIFEST_JS, INDEX_JS};
    size_t len;
    uint8_t *tar = make_tar(ok, TEST_COUNT(ok), 0, &len);
    bundle_info info;
    CHECK_INT(bundle_cache_add(c, tar, len, NULL, &info, NULL, NULL), BUNDLE_OK);
    free(tar);
    bundle_cache_close(c);
}

static void test_limits_and_bombs(void)
{
    bundle_limits lim = {.max_total = 1 << 20, .max_files = 8};
    /* A gzip bomb: 64 MiB of zeros compress to about 64 KiB. */
    const tent bomb[] = {MANIFEST_JS, INDEX_JS, {"zeros", 'f', NULL, 0, 64ll << 20}};
    size_t len;
    uint8_t *tar = make_tar(bomb, TEST_COUNT(bomb), 0, &len);
    CHECK(len < (1 << 20));
    free(tar);
    expect_reject(bomb, TEST_COUNT(bomb), &lim, BUNDLE_ERR_TOO_BIG, "inflates past");
    /* Under the stream cap (which allows for headers) but over the file cap. */
    bundle_limits roomy = {.max_total = 1 << 20, .max_files = 1000};
    const tent big[] = {MANIFEST_JS, INDEX_JS, {"big", 'f', NULL, 0, 2 << 20}};
    expect_reject(big, TEST_COUNT(big), &roomy, BUNDLE_ERR_TOO_BIG, "once extracted");
    /* Files that together pass the byte limit, and too many files. */
    tent many[10] = {MANIFEST_JS, INDEX_JS};
    char names[8][16];
    for (int i = 0; i < 8; i++) {
        snprintf(names[i], sizeof names[i], "f%d", i);
        many[2 + i] = (tent){names[i], 'f', NULL, 0, 300 << 10};
    }
    expect_reject(many, 7, &lim, BUNDLE_ERR_TOO_BIG, NULL);
    for (int i = 0; i < 8; i++) many[2 + i].size = 1;
    expect_reject(many, 10, &lim, BUNDLE_ERR_TOO_MANY_FILES, "more than 8");
    /* Compressed size and name length. */
    bundle_limits small = {.max_compressed = 64};
    const tent ok[] = {MANIFEST_JS, INDEX_JS};
    expect_reject(ok, 2, &small, BUNDLE_ERR_TOO_BIG, "exceeds the limit of 64");
    bundle_limits shortpath = {.max_path = 16};
    const tent longname[] = {MANIFEST_JS, INDEX_JS, {"a-name-longer-than-sixteen", 'f', "x", 0, 0}};
    expect_reject(longname, 3, &shortpath, BUNDLE_ERR_PATH, "exceeds the limit of 16");
}

static void test_not_a_gzipped_tar(void)
{
    bundle_cache *c = fresh_cache(NULL);
    REQUIRE(c);
    const tent ents[] = {MANIFEST_JS, INDEX_JS};
    size_t len;
    uint8_t *plain = make_tar(ents, 2, 1, &len);
    bundle_info info;
    char detail[BUNDLE_DETAIL_MAX];
    CHECK_INT(bundle_cache_add(c, plain, len, NULL, &info, NULL, detail), BUNDLE_ERR_FORMAT);
    CHECK(strstr(detail, "gzip") != NULL);
    free(plain);
    uint8_t *gz = make_tar(ents, 2, 0, &len);
    CHECK_INT(bundle_cache_add(c, gz, len / 2, NULL, &info, NULL, NULL), BUNDLE_ERR_FORMAT); /* truncated */
    gz[len / 2] ^= 0xff;
    CHECK_INT(bundle_cache_add(c, gz, len, NULL, &info, NULL, NULL), BUNDLE_ERR_FORMAT); /* corrupt */
    free(gz);
    const uint8_t junk[] = "definitely not a tarball";
    CHECK_INT(bundle_cache_add(c, junk, sizeof junk, NULL, &info, NULL, NULL), BUNDLE_ERR_FORMAT);
    CHECK_INT(bundle_cache_add(c, junk, 0, NULL, &info, NULL, NULL), BUNDLE_ERR_FORMAT);
    CHECK_INT(count_entries(cachedir), 0);
    bundle_cache_close(c);
}

static void test_manifest_and_entry(void)
{
    REJECT(BUNDLE_ERR_MANIFEST, "missing", INDEX_JS);
    REJECT(BUNDLE_ERR_MANIFEST, "manifest.json", {"manifest.json", 'f', "{runtime: js}", 0, 0}, INDEX_JS);
    REJECT(BUNDLE_ERR_MANIFEST, "not a JSON object", {"manifest.json", 'f', "[\"javascript\"]", 0, 0}, INDEX_JS);
    REJECT(BUNDLE_ERR_MANIFEST, "\"runtime\"", {"manifest.json", 'f', "{\"runtime\": 1}", 0, 0}, INDEX_JS);
    REJECT(BUNDLE_ERR_MANIFEST, "manifest.json", {"sub/manifest.json", 'f', "{\"runtime\":\"javascript\"}", 0, 0}, INDEX_JS);
    REJECT(BUNDLE_ERR_RUNTIME, "unknown runtime \"ruby\"", {"manifest.json", 'f', "{\"runtime\":\"ruby\"}", 0, 0}, INDEX_JS);
    REJECT(BUNDLE_ERR_ENTRY, "needs index.js", MANIFEST_JS, {"main.js", 'f', "x", 0, 0});
    REJECT(BUNDLE_ERR_ENTRY, "needs index.js", MANIFEST_JS, {"index.js", 'd', NULL, 0, 0});
    REJECT(BUNDLE_ERR_ENTRY, "needs handler.py", {"manifest.json", 'f', "{\"runtime\":\"python\"}", 0, 0}, INDEX_JS);

    bundle_runtime rt;
    CHECK_INT(bundle_manifest_parse(&rt, "{\"runtime\":\"python\"}", 20, NULL), BUNDLE_OK);
    CHECK_INT(rt, BUNDLE_RUNTIME_PYTHON);
    CHECK_INT(bundle_manifest_parse(&rt, "{\"runtime\":\"python\",\"runtime\":\"javascript\"}", 43, NULL),
              BUNDLE_ERR_MANIFEST);
    CHECK_INT(bundle_manifest_parse(&rt, "{\"runtime\":\"Python\"}", 20, NULL), BUNDLE_ERR_RUNTIME);
}

static void write_file(const char *dir, const char *name, const char *data, int mode)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(data, f);
        fclose(f);
    }
    chmod(p, mode);
}

static void test_pack_is_reproducible(void)
{
    bundle_cache *c = fresh_cache(NULL);
    REQUIRE(c);
    char src[512];
    snprintf(src, sizeof src, "%s/src", workdir);
    mkdir(src, 0700);
    write_file(src, "manifest.json", "{\"runtime\":\"javascript\"}", 0600);
    write_file(src, "index.js", "exports.handler = async (x) => x;\n", 0644);
    char sub[600];
    snprintf(sub, sizeof sub, "%s/lib", src);
    mkdir(sub, 0700);
    snprintf(sub, sizeof sub, "%s/empty", src); /* an empty directory is packed too */
    mkdir(sub, 0700);
    snprintf(sub, sizeof sub, "%s/lib", src);
    write_file(sub, "tool.sh", "#!/bin/sh\n", 0700);
    snprintf(sub, sizeof sub, "%s/alias.js", src);
    REQUIRE(symlink("index.js", sub) == 0);

    uint8_t *a, *b;
    size_t na, nb;
    char detail[BUNDLE_DETAIL_MAX] = "";
    bundle_err err = bundle_pack_dir(src, NULL, &a, &na, detail);
    if (err) test_fail(__FILE__, __LINE__, "%s: %s", bundle_strerror(err), detail);
    REQUIRE(err == BUNDLE_OK);
    sleep(1); /* a different clock must not change the bytes */
    snprintf(sub, sizeof sub, "%s/index.js", src);
    utimensat(AT_FDCWD, sub, NULL, 0);
    REQUIRE(bundle_pack_dir(src, NULL, &b, &nb, NULL) == BUNDLE_OK);
    CHECK(na == nb && memcmp(a, b, na) == 0);
    /* gzip magic, and no mtime in the gzip header (bytes 4..7). */
    CHECK(a[0] == 0x1f && a[1] == 0x8b && a[4] == 0 && a[5] == 0 && a[6] == 0 && a[7] == 0);
    CHECK(na < 1024); /* no block padding after the gzip stream */

    bundle_info info;
    CHECK_INT(bundle_cache_add(c, a, na, NULL, &info, NULL, NULL), BUNDLE_OK);
    char p[4200];
    struct stat st;
    snprintf(p, sizeof p, "%s/lib/tool.sh", info.path);
    CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0755 && st.st_mtime == 0);
    snprintf(p, sizeof p, "%s/manifest.json", info.path);
    CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0644);
    snprintf(p, sizeof p, "%s/alias.js", info.path);
    CHECK(lstat(p, &st) == 0 && S_ISLNK(st.st_mode));
    snprintf(p, sizeof p, "%s/empty", info.path);
    CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
    free(a);
    free(b);

    /* Special files cannot be packed; nor past the limits. */
    snprintf(sub, sizeof sub, "%s/fifo", src);
    REQUIRE(mkfifo(sub, 0600) == 0);
    CHECK_INT(bundle_pack_dir(src, NULL, &a, &na, detail), BUNDLE_ERR_TYPE);
    CHECK(strstr(detail, "fifo") != NULL);
    unlink(sub);
    bundle_limits lim = {.max_files = 3};
    CHECK_INT(bundle_pack_dir(src, &lim, &a, &na, NULL), BUNDLE_ERR_TOO_MANY_FILES);
    lim = (bundle_limits){.max_compressed = 100};
    CHECK_INT(bundle_pack_dir(src, &lim, &a, &na, NULL), BUNDLE_ERR_TOO_BIG);
    CHECK_INT(bundle_pack_dir("/nonexistent/dir", NULL, &a, &na, NULL), BUNDLE_ERR_IO);
    bundle_cache_close(c);
}

static void test_errors_have_messages(void)
{
    for (int e = 0; e < BUNDLE_ERR__COUNT; e++) CHECK(strcmp(bundle_strerror((bundle_err)e), "unknown error") != 0);
    CHECK_STR(bundle_strerror(BUNDLE_ERR__COUNT), "unknown error");
    CHECK_STR(bundle_runtime_name(BUNDLE_RUNTIME_PYTHON), "python");
    CHECK_STR(bundle_runtime_entry(BUNDLE_RUNTIME_JAVASCRIPT), "index.js");
    CHECK(bundle_runtime_name(BUNDLE_RUNTIME__COUNT) == NULL);
}

static void test_cleanup(void)
{
    if (have_workdir) nftw(workdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    have_workdir = 0;
}

/* Without openat2 (kernels before 5.6, valgrind 3.19) the symlink checks
 * are walked by hand: the same bundles pass and fail, with the same errors.
 * A child process stands in for such a kernel with a seccomp filter that
 * answers openat2 with ENOSYS. */
static void test_without_openat2(void)
{
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
        if (!f || seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0) != 0 || seccomp_load(f) != 0)
            _exit(2);
        seccomp_release(f);
        struct open_how how = {.flags = O_RDONLY};
        CHECK(syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how) == -1 && errno == ENOSYS);
        test_valid_js_bundle();
        test_valid_python_bundle();
        test_links();
        test_links_inside();
        test_manifest_and_entry();
        test_cleanup();
        _exit(test_failures ? 1 : 0);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK_INT(WEXITSTATUS(status), 0);
}

static const struct test_case cases[] = {
    TEST(valid_js_bundle), TEST(valid_python_bundle), TEST(id_mismatch_writes_nothing),
    TEST(unsafe_paths), TEST(links), TEST(links_inside), TEST(special_files_and_modes), TEST(duplicates),
    TEST(limits_and_bombs), TEST(not_a_gzipped_tar), TEST(manifest_and_entry),
    TEST(pack_is_reproducible), TEST(errors_have_messages), TEST(without_openat2), TEST(cleanup),
};

int main(int argc, char **argv)
{
    return test_main(cases, TEST_COUNT(cases), argc, argv);
}
