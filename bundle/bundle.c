/* bundle.c - manifest, safe extraction and the content-addressed cache
 * (see bundle.h), and reproducible packing.
 *
 * Extraction is two lines of defence. Every tar header is checked here
 * before libarchive writes anything (name, type, mode, link target, size,
 * count), and libarchive's own ARCHIVE_EXTRACT_SECURE_* flags refuse to write
 * through a symlink or to a ".." path should a check ever miss one. After the
 * last entry, every symlink is resolved with openat2(RESOLVE_BENEATH), which
 * is the kernel's exact answer to "does this stay inside the tree" (and the
 * same rules walked by hand where openat2 is missing).
 */
#include "bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "eth.h"

static const char *const messages[BUNDLE_ERR__COUNT] = {
    [BUNDLE_OK] = "success",
    [BUNDLE_ERR_ARG] = "invalid argument",
    [BUNDLE_ERR_NOMEM] = "out of memory",
    [BUNDLE_ERR_IO] = "bundle cache I/O error",
    [BUNDLE_ERR_ID_MISMATCH] = "bundle does not match its function id",
    [BUNDLE_ERR_FORMAT] = "bundle is not a valid gzipped tar",
    [BUNDLE_ERR_PATH] = "bundle entry has an unsafe path",
    [BUNDLE_ERR_LINK] = "bundle contains a hard link or a symlink leading outside it",
    [BUNDLE_ERR_TYPE] = "bundle contains a device, FIFO or other special file",
    [BUNDLE_ERR_MODE] = "bundle entry has a setuid or setgid bit",
    [BUNDLE_ERR_DUPLICATE] = "bundle contains the same path twice",
    [BUNDLE_ERR_TOO_MANY_FILES] = "bundle has too many files",
    [BUNDLE_ERR_TOO_BIG] = "bundle is too large",
    [BUNDLE_ERR_MANIFEST] = "bundle manifest.json is missing or invalid",
    [BUNDLE_ERR_RUNTIME] = "bundle names an unknown runtime",
    [BUNDLE_ERR_ENTRY] = "bundle lacks its runtime's entry file",
    [BUNDLE_ERR_NOT_FOUND] = "bundle not in the cache",
};

const char *bundle_strerror(bundle_err e)
{
    if ((unsigned)e >= BUNDLE_ERR__COUNT || !messages[e]) return "unknown error";
    return messages[e];
}

static const char *const runtime_names[BUNDLE_RUNTIME__COUNT] = {"javascript", "python"};
static const char *const runtime_entries[BUNDLE_RUNTIME__COUNT] = {"index.js", "handler.py"};

const char *bundle_runtime_name(bundle_runtime r)
{
    return (unsigned)r < BUNDLE_RUNTIME__COUNT ? runtime_names[r] : NULL;
}

const char *bundle_runtime_entry(bundle_runtime r)
{
    return (unsigned)r < BUNDLE_RUNTIME__COUNT ? runtime_entries[r] : NULL;
}

void bundle_id(uint8_t id[32], const void *tarball, size_t n)
{
    eth_keccak256(id, tarball, n);
}

void bundle_limits_default(bundle_limits *lim)
{
    if (!lim->max_compressed) lim->max_compressed = BUNDLE_DEFAULT_MAX_COMPRESSED;
    if (!lim->max_total) lim->max_total = BUNDLE_DEFAULT_MAX_TOTAL;
    if (!lim->max_files) lim->max_files = BUNDLE_DEFAULT_MAX_FILES;
    if (!lim->max_path) lim->max_path = BUNDLE_DEFAULT_MAX_PATH;
}

/* Formats a one-line detail message (control bytes from hostile entry names
 * become '?') and returns err, so call sites read `return say(...)`. */
__attribute__((format(printf, 3, 4)))
static bundle_err say(char *detail, bundle_err err, const char *fmt, ...)
{
    if (!detail) return err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, BUNDLE_DETAIL_MAX, fmt, ap);
    va_end(ap);
    for (char *p = detail; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    return err;
}

bundle_err bundle_manifest_parse(bundle_runtime *out, const char *json, size_t n, char *detail)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) return say(detail, BUNDLE_ERR_MANIFEST, "manifest.json: %s", jerr.text);
    bundle_err err = BUNDLE_OK;
    json_t *rt = json_is_object(root) ? json_object_get(root, "runtime") : NULL;
    if (!json_is_object(root)) {
        err = say(detail, BUNDLE_ERR_MANIFEST, "manifest.json is not a JSON object");
    } else if (!json_is_string(rt)) {
        err = say(detail, BUNDLE_ERR_MANIFEST, "manifest.json lacks a \"runtime\" string");
    } else {
        int r = 0;
        while (r < BUNDLE_RUNTIME__COUNT && strcmp(json_string_value(rt), runtime_names[r]) != 0) r++;
        if (r < BUNDLE_RUNTIME__COUNT)
            *out = (bundle_runtime)r;
        else
            err = say(detail, BUNDLE_ERR_RUNTIME,
                      "manifest.json: unknown runtime \"%.64s\" (expected \"javascript\" or \"python\")",
                      json_string_value(rt));
    }
    json_decref(root);
    return err;
}

/* ------------------------------------------------------------------------ */
/* Paths                                                                      */

/* Limits of the userspace walk below: the kernel's MAXSYMLINKS, and how
 * deep a resolved path may go. */
#define WALK_MAX_LINKS 40
#define WALK_MAX_DEPTH 128

/* Closes the directories the walk opened and fails with err. */
static int walk_fail(const int *stack, size_t depth, int err)
{
    for (size_t i = 1; i <= depth; i++) close(stack[i]);
    errno = err;
    return -1;
}

/* RESOLVE_BENEATH (and RESOLVE_NO_SYMLINKS) by hand, for kernels before 5.6
 * and tools (valgrind 3.19) that answer openat2 with ENOSYS: one component
 * at a time with O_NOFOLLOW, symlinks spliced into the rest of the path.
 * Errors as openat2(2) gives them: EXDEV for an absolute path or target or a
 * ".." above dirfd, ELOOP for a symlink under RESOLVE_NO_SYMLINKS or after
 * WALK_MAX_LINKS of them. Unlike the kernel's this walk is not atomic, which
 * is sound here only because the tree is our own fresh extraction that
 * nothing else writes while it is checked. RESOLVE_NO_MAGICLINKS needs
 * nothing: magic links live in /proc, never in an extracted tree. */
static int open_beneath_walk(int dirfd, const char *path, int flags, unsigned long long resolve)
{
    char buf[PATH_MAX], link[PATH_MAX], rest[PATH_MAX];
    if (!*path) return walk_fail(NULL, 0, ENOENT);
    if (*path == '/') return walk_fail(NULL, 0, EXDEV);
    if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf) return walk_fail(NULL, 0, ENAMETOOLONG);
    int stack[WALK_MAX_DEPTH];  /* stack[0] is dirfd (the caller's), then the directories entered */
    size_t depth = 0;
    unsigned links = 0;
    stack[0] = dirfd;
    for (const char *p = buf;;) {
        while (*p == '/') p++;
        if (!*p) { /* a path ending in "." or "..": the directory reached */
            int fd = openat(stack[depth], ".", flags | O_CLOEXEC);
            int err = errno;
            walk_fail(stack, depth, err);
            return fd;
        }
        const char *end = strchrnul(p, '/');
        char name[NAME_MAX + 1];
        if ((size_t)(end - p) > NAME_MAX) return walk_fail(stack, depth, ENAMETOOLONG);
        memcpy(name, p, (size_t)(end - p));
        name[end - p] = 0;
        for (p = end; *p == '/'; p++) {}
        int last = !*p;
        if (strcmp(name, ".") == 0) continue;
        if (strcmp(name, "..") == 0) {
            if (depth == 0) return walk_fail(stack, depth, EXDEV);
            close(stack[depth--]);
            continue;
        }
        int fd = openat(stack[depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            int err = errno;
            if (fd >= 0) close(fd);
            return walk_fail(stack, depth, err);
        }
        if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
            ssize_t n = (resolve & RESOLVE_NO_SYMLINKS) || ++links > WALK_MAX_LINKS ? -2
                                                                                      : readlinkat(fd, "", link, sizeof link - 1);
            int err = n == -2 ? ELOOP : errno;
            close(fd);
            if (n < 0) return walk_fail(stack, depth, err);
            link[n] = 0;
            if (link[0] == '/') return walk_fail(stack, depth, EXDEV);
            snprintf(rest, sizeof rest, "%s", p);
            if ((size_t)snprintf(buf, sizeof buf, "%s%s%s", link, *rest ? "/" : "", rest) >= sizeof buf)
                return walk_fail(stack, depth, ENAMETOOLONG);
            p = buf;
            continue;
        }
        if (last) { /* not a link to follow: open it for real */
            close(fd);
            fd = openat(stack[depth], name, flags | O_NOFOLLOW | O_CLOEXEC);
            int err = errno;
            walk_fail(stack, depth, err);
            return fd;
        }
        if (!S_ISDIR(st.st_mode) || depth + 1 >= WALK_MAX_DEPTH) {
            close(fd);
            return walk_fail(stack, depth, S_ISDIR(st.st_mode) ? ENAMETOOLONG : ENOTDIR);
        }
        stack[++depth] = fd;
    }
}

/* openat() with RESOLVE_* flags: openat2(2) (glibc has no wrapper), or the
 * walk above where the kernel lacks it. */
static int open_beneath(int dirfd, const char *path, int flags, unsigned long long resolve)
{
    struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC), .resolve = resolve};
    int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    return fd < 0 && errno == ENOSYS ? open_beneath_walk(dirfd, path, flags, resolve) : fd;
}

/* out = dir + "/" + name; -1 if that does not fit in PATH_MAX. */
static int path_join(char out[PATH_MAX], const char *dir, const char *name)
{
    return (size_t)snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX ? 0 : -1;
}

/* Normalises a tar entry name: relative, no empty or "." components, no
 * "..". out receives the clean name ("" for the root itself); *depth its
 * number of components. */
static bundle_err clean_path(const char *name, const bundle_limits *lim, char *out, size_t *depth,
                             char *detail)
{
    if (!name || !*name) return say(detail, BUNDLE_ERR_PATH, "entry without a name");
    size_t len = strlen(name);
    if (len > lim->max_path || len >= PATH_MAX)
        return say(detail, BUNDLE_ERR_PATH, "entry name of %zu bytes exceeds the limit of %zu", len, lim->max_path);
    if (name[0] == '/') return say(detail, BUNDLE_ERR_PATH, "entry '%.200s': absolute path", name);
    size_t o = 0;
    *depth = 0;
    for (const char *p = name; *p;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return say(detail, BUNDLE_ERR_PATH, "entry '%.200s': \"..\" in path", name);
        if (n > NAME_MAX) return say(detail, BUNDLE_ERR_PATH, "entry '%.200s': component too long", name);
        if (n && !(n == 1 && p[0] == '.')) {
            if (o) out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
            (*depth)++;
        }
        p += n + (end ? 1 : 0);
    }
    out[o] = '\0';
    return BUNDLE_OK;
}

/* Lexical check of a symlink target written at a path whose parent
 * directory is parent_depth components below the root: 1 if it escapes. */
static int link_escapes(size_t parent_depth, const char *target)
{
    if (target[0] == '/') return 1;
    long depth = (long)parent_depth;
    for (const char *p = target; *p;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (--depth < 0) return 1;
        } else if (n && !(n == 1 && p[0] == '.')) {
            depth++;
        }
        p += n + (end ? 1 : 0);
    }
    return 0;
}

static int remove_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* rm -rf without following symlinks or crossing mounts. */
static int remove_tree(const char *path)
{
    return nftw(path, remove_cb, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) == 0 || errno == ENOENT ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* Extraction                                                                 */

typedef struct {
    const bundle_limits *lim;
    const char *root;       /* absolute path of the temporary tree */
    int rootfd;
    size_t entries;
    size_t total;           /* file bytes declared so far */
    char **links;           /* clean names of symlinks, for the final check */
    size_t nlinks;
    char parent_ok[PATH_MAX]; /* last parent directory found safe */
    char *detail;
} extract_ctx;

/* Every proper prefix of `clean` that exists must be a real directory (not a
 * symlink, not a file); `clean` itself may only exist as a directory when
 * the entry is one. */
static bundle_err check_target(extract_ctx *x, const char *clean, int is_dir)
{
    char buf[PATH_MAX];
    size_t len = strlen(clean);
    memcpy(buf, clean, len + 1);
    char *slash = strrchr(buf, '/');
    if (slash) {
        *slash = '\0';
        if (strcmp(buf, x->parent_ok) != 0) {
            for (char *p = buf;; p++) {
                if (*p != '/' && *p != '\0') continue;
                char saved = *p;
                *p = '\0';
                struct stat st;
                int r = fstatat(x->rootfd, buf, &st, AT_SYMLINK_NOFOLLOW);
                *p = saved;
                if (r != 0) {
                    if (errno == ENOENT) break;
                    return say(x->detail, BUNDLE_ERR_IO, "stat %.200s: %s", buf, strerror(errno));
                }
                if (S_ISLNK(st.st_mode))
                    return say(x->detail, BUNDLE_ERR_LINK, "entry '%.200s' goes through a symlink", clean);
                if (!S_ISDIR(st.st_mode))
                    return say(x->detail, BUNDLE_ERR_DUPLICATE, "entry '%.200s' goes through a file", clean);
                if (saved == '\0') break;
            }
            memcpy(x->parent_ok, buf, strlen(buf) + 1);
        }
    }
    struct stat st;
    if (fstatat(x->rootfd, clean, &st, AT_SYMLINK_NOFOLLOW) == 0 && !(is_dir && S_ISDIR(st.st_mode)))
        return say(x->detail, BUNDLE_ERR_DUPLICATE, "entry '%.200s' appears twice", clean);
    return BUNDLE_OK;
}

/* Validates one header and rewrites it for archive_write_disk: absolute
 * path inside the temporary tree, normalised mode, no owner. *skip is set
 * for the root directory entry ("./"). */
static bundle_err check_entry(extract_ctx *x, struct archive_entry *e, int *skip)
{
    char clean[PATH_MAX];
    size_t depth = 0;
    const char *name = archive_entry_pathname(e);
    bundle_err err = clean_path(name, x->lim, clean, &depth, x->detail);
    if (err) return err;
    if (++x->entries > x->lim->max_files)
        return say(x->detail, BUNDLE_ERR_TOO_MANY_FILES, "more than %zu entries", x->lim->max_files);
    if (archive_entry_hardlink(e))
        return say(x->detail, BUNDLE_ERR_LINK, "entry '%.200s' is a hard link", clean);
    mode_t type = archive_entry_filetype(e);
    mode_t perm = archive_entry_perm(e);
    if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
        return say(x->detail, BUNDLE_ERR_TYPE, "entry '%.200s' is a %s", clean,
                   type == AE_IFCHR || type == AE_IFBLK ? "device" : type == AE_IFIFO ? "FIFO"
                   : type == AE_IFSOCK ? "socket" : "special file");
    if (perm & (S_ISUID | S_ISGID))
        return say(x->detail, BUNDLE_ERR_MODE, "entry '%.200s' has a setuid/setgid bit", clean);
    *skip = depth == 0;
    if (*skip) {
        if (type != AE_IFDIR) return say(x->detail, BUNDLE_ERR_PATH, "entry '%.200s' names the root", name);
        return BUNDLE_OK;
    }
    if (type == AE_IFLNK) {
        const char *target = archive_entry_symlink(e);
        if (!target || !*target || link_escapes(depth - 1, target))
            return say(x->detail, BUNDLE_ERR_LINK, "symlink '%.200s' -> '%.200s' leads outside the bundle", clean,
                       target ? target : "");
        char **grown = realloc(x->links, (x->nlinks + 1) * sizeof *grown);
        if (!grown) return BUNDLE_ERR_NOMEM;
        x->links = grown;
        if (!(x->links[x->nlinks] = strdup(clean))) return BUNDLE_ERR_NOMEM;
        x->nlinks++;
    }
    if (type == AE_IFREG) {
        la_int64_t size = archive_entry_size(e);
        if (size < 0 || (uint64_t)size > x->lim->max_total - x->total)
            return say(x->detail, BUNDLE_ERR_TOO_BIG, "files exceed %zu bytes once extracted (at '%.200s')",
                       x->lim->max_total, clean);
        x->total += (size_t)size;
    }
    if ((err = check_target(x, clean, type == AE_IFDIR))) return err;

    char full[PATH_MAX];
    if (path_join(full, x->root, clean) != 0)
        return say(x->detail, BUNDLE_ERR_PATH, "entry '%.200s': path too long", clean);
    archive_entry_copy_pathname(e, full);
    archive_entry_set_perm(e, type == AE_IFREG && !(perm & 0111) ? 0644 : 0755);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    return BUNDLE_OK;
}

/* Copies an entry's data, counting the bytes actually produced (the header's
 * size was already charged; this guards against a lying header). */
static bundle_err copy_data(extract_ctx *x, struct archive *in, struct archive *out)
{
    size_t seen = 0;
    for (;;) {
        const void *buf;
        size_t n;
        la_int64_t off;
        int r = archive_read_data_block(in, &buf, &n, &off);
        if (r == ARCHIVE_EOF) return BUNDLE_OK;
        if (r < ARCHIVE_WARN) return say(x->detail, BUNDLE_ERR_FORMAT, "%s", archive_error_string(in));
        if ((seen += n) > x->lim->max_total)
            return say(x->detail, BUNDLE_ERR_TOO_BIG, "files exceed %zu bytes once extracted", x->lim->max_total);
        if (archive_write_data_block(out, buf, n, off) < ARCHIVE_WARN)
            return say(x->detail, BUNDLE_ERR_IO, "write: %s", archive_error_string(out));
    }
}

/* Reads manifest.json (a regular file at the root, no symlinks) from the
 * tree at dirfd and parses it. */
static bundle_err read_manifest(int dirfd, bundle_runtime *rt, char *detail)
{
    int fd = open_beneath(dirfd, "manifest.json", O_RDONLY | O_NOFOLLOW, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
    if (fd < 0)
        return say(detail, BUNDLE_ERR_MANIFEST, errno == ENOENT ? "manifest.json missing at the bundle root"
                   : "manifest.json is not a regular file");
    struct stat st;
    bundle_err err = BUNDLE_OK;
    char *buf = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err = say(detail, BUNDLE_ERR_MANIFEST, "manifest.json is not a regular file");
    } else if ((size_t)st.st_size > BUNDLE_MANIFEST_MAX) {
        err = say(detail, BUNDLE_ERR_MANIFEST, "manifest.json is larger than %zu bytes", BUNDLE_MANIFEST_MAX);
    } else if (!(buf = malloc((size_t)st.st_size + 1))) {
        err = BUNDLE_ERR_NOMEM;
    } else {
        ssize_t n = pread(fd, buf, (size_t)st.st_size, 0);
        err = n == st.st_size ? bundle_manifest_parse(rt, buf, (size_t)n, detail)
                              : say(detail, BUNDLE_ERR_IO, "read manifest.json: %s", strerror(errno));
    }
    free(buf);
    close(fd);
    return err;
}

/* The final checks on a complete tree: every symlink resolves inside it (or
 * dangles), the manifest is valid and the entry file exists. */
static bundle_err check_tree(extract_ctx *x, bundle_runtime *rt)
{
    for (size_t i = 0; i < x->nlinks; i++) {
        int fd = open_beneath(x->rootfd, x->links[i], O_PATH, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
        if (fd >= 0) {
            close(fd);
        } else if (errno != ENOENT) {
            return say(x->detail, BUNDLE_ERR_LINK, "symlink '%.200s' leads outside the bundle or loops",
                       x->links[i]);
        }
    }
    bundle_err err = read_manifest(x->rootfd, rt, x->detail);
    if (err) return err;
    const char *entry = runtime_entries[*rt];
    int fd = open_beneath(x->rootfd, entry, O_RDONLY, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
    struct stat st;
    int ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (fd >= 0) close(fd);
    if (!ok)
        return say(x->detail, BUNDLE_ERR_ENTRY, "%s runtime needs %s at the bundle root", runtime_names[*rt], entry);
    return BUNDLE_OK;
}

/* The whole gzip stream, decompressed to nowhere: it must be gzip, end with
 * a correct CRC and length (no truncation or corruption, which the tar
 * reader alone would not notice since it stops at the end-of-archive
 * blocks), and not inflate past cap bytes (a gzip bomb is refused before
 * anything is written). */
static bundle_err check_gzip(const uint8_t *tar, size_t n, uint64_t cap, char *detail)
{
    struct archive *a = archive_read_new();
    if (!a) return BUNDLE_ERR_NOMEM;
    archive_read_support_filter_gzip(a);
    archive_read_support_format_raw(a);
    bundle_err err = BUNDLE_OK;
    struct archive_entry *e;
    if (archive_read_open_memory(a, tar, n) != ARCHIVE_OK || archive_read_next_header(a, &e) != ARCHIVE_OK) {
        err = say(detail, BUNDLE_ERR_FORMAT, "%s", n ? archive_error_string(a) : "empty tarball");
    } else if (archive_filter_code(a, 0) != ARCHIVE_FILTER_GZIP) {
        err = say(detail, BUNDLE_ERR_FORMAT, "not gzip-compressed");
    } else {
        uint64_t total = 0;
        for (;;) {
            const void *buf;
            size_t len;
            la_int64_t off;
            int r = archive_read_data_block(a, &buf, &len, &off);
            if (r == ARCHIVE_EOF) break;
            if (r < ARCHIVE_WARN) {
                err = say(detail, BUNDLE_ERR_FORMAT, "gzip: %s", archive_error_string(a));
                break;
            }
            if ((total += len) > cap) {
                err = say(detail, BUNDLE_ERR_TOO_BIG, "tar stream inflates past %llu bytes", (unsigned long long)cap);
                break;
            }
        }
    }
    archive_read_free(a);
    return err;
}

/* Extracts tarball into the empty directory x->root. */
static bundle_err extract(extract_ctx *x, const uint8_t *tar, size_t n, bundle_runtime *rt)
{
    struct archive *in = archive_read_new(), *out = archive_write_disk_new();
    bundle_err err = BUNDLE_OK;
    if (!in || !out) {
        err = BUNDLE_ERR_NOMEM;
        goto done;
    }
    archive_read_support_filter_gzip(in);
    archive_read_support_format_tar(in);
    archive_write_disk_set_options(out, ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                   ARCHIVE_EXTRACT_NO_OVERWRITE | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM);
    /* Tar headers (ustar + pax) of one entry take a few blocks plus its
     * names; anything past this is padding or a header flood. */
    const uint64_t stream_cap = x->lim->max_total + (uint64_t)(x->lim->max_files + 2) * (2 * x->lim->max_path + 2048);
    if ((err = check_gzip(tar, n, stream_cap, x->detail))) goto done;
    if (archive_read_open_memory(in, tar, n) != ARCHIVE_OK) {
        err = say(x->detail, BUNDLE_ERR_FORMAT, "%s", archive_error_string(in));
        goto done;
    }
    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(in, &e);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) {
            err = say(x->detail, BUNDLE_ERR_FORMAT, "%s", archive_error_string(in));
            goto done;
        }
        int skip = 0;
        if ((err = check_entry(x, e, &skip))) goto done;
        if (skip) continue;
        if (archive_write_header(out, e) < ARCHIVE_WARN) {
            err = say(x->detail, BUNDLE_ERR_IO, "extract: %s", archive_error_string(out));
            goto done;
        }
        if (archive_entry_filetype(e) == AE_IFREG && (err = copy_data(x, in, out))) goto done;
        if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
            err = say(x->detail, BUNDLE_ERR_IO, "extract: %s", archive_error_string(out));
            goto done;
        }
    }
    /* Closing applies the deferred directory modes and times. */
    if (archive_write_close(out) != ARCHIVE_OK) {
        err = say(x->detail, BUNDLE_ERR_IO, "extract: %s", archive_error_string(out));
        goto done;
    }
    err = check_tree(x, rt);
done:
    archive_read_free(in);
    archive_write_free(out);
    return err;
}

/* ------------------------------------------------------------------------ */
/* The cache                                                                  */

struct bundle_cache {
    char path[PATH_MAX];
    bundle_limits lim;
};

/* Leftovers of a crashed extraction or removal older than this are swept on open. */
#define STALE_SECONDS 600
#define TMP_PREFIX ".tmp-"
#define DEL_PREFIX ".del-"

static void sweep_stale(const char *path)
{
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0) close(dfd);
        return;
    }
    time_t now = time(NULL);
    for (struct dirent *de; (de = readdir(d));) {
        struct stat st;
        if ((strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0 &&
             strncmp(de->d_name, DEL_PREFIX, strlen(DEL_PREFIX)) != 0) ||
            fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || now - st.st_mtime < STALE_SECONDS)
            continue;
        char full[PATH_MAX];
        if (path_join(full, path, de->d_name) == 0) remove_tree(full);
    }
    closedir(d);
}

bundle_err bundle_cache_open(bundle_cache **out, const char *dir, const bundle_limits *lim)
{
    if (!out || !dir || !*dir) return BUNDLE_ERR_ARG;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return BUNDLE_ERR_IO;
    bundle_cache *c = calloc(1, sizeof *c);
    if (!c) return BUNDLE_ERR_NOMEM;
    /* Canonical path: archive_write_disk's symlink guard checks every
     * component of the paths we hand it, including the cache's own. */
    if (!realpath(dir, c->path)) {
        free(c);
        return BUNDLE_ERR_IO;
    }
    if (lim) c->lim = *lim;
    bundle_limits_default(&c->lim);
    sweep_stale(c->path);
    *out = c;
    return BUNDLE_OK;
}

void bundle_cache_close(bundle_cache *c)
{
    free(c);
}

const char *bundle_cache_path(const bundle_cache *c)
{
    return c->path;
}

static void hex_id(char hex[65], const uint8_t id[32])
{
    char tmp[67];
    eth_hex_encode(tmp, id, 32);
    memcpy(hex, tmp + 2, 65);
}

/* Fills out for the tree at <cache>/<hex>, reading its manifest. */
static bundle_err load(bundle_cache *c, const uint8_t id[32], bundle_info *out, char *detail)
{
    memcpy(out->id, id, 32);
    hex_id(out->hex, id);
    if (path_join(out->path, c->path, out->hex) != 0) return BUNDLE_ERR_IO;
    int dfd = open(out->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) return errno == ENOENT ? BUNDLE_ERR_NOT_FOUND : BUNDLE_ERR_IO;
    bundle_err err = read_manifest(dfd, &out->runtime, detail);
    close(dfd);
    return err;
}

bundle_err bundle_cache_get(bundle_cache *c, const uint8_t id[32], bundle_info *out)
{
    if (!c || !id || !out) return BUNDLE_ERR_ARG;
    return load(c, id, out, NULL);
}

bundle_err bundle_cache_add(bundle_cache *c, const uint8_t *tarball, size_t n, const uint8_t *expect_id,
                            bundle_info *out, int *added, char *detail)
{
    if (!c || (!tarball && n) || !out) return BUNDLE_ERR_ARG;
    if (added) *added = 0;
    if (detail) detail[0] = '\0';
    if (n > c->lim.max_compressed)
        return say(detail, BUNDLE_ERR_TOO_BIG, "tarball of %zu bytes exceeds the limit of %zu", n, c->lim.max_compressed);
    uint8_t id[32];
    bundle_id(id, tarball, n);
    if (expect_id && memcmp(id, expect_id, 32) != 0) {
        char want[67], got[67];
        return say(detail, BUNDLE_ERR_ID_MISMATCH, "keccak-256 of the tarball is %s, expected %s",
                   eth_hex_encode(got, id, 32), eth_hex_encode(want, expect_id, 32));
    }
    bundle_err err = load(c, id, out, detail);
    if (err != BUNDLE_ERR_NOT_FOUND) return err;

    char tmp[PATH_MAX];
    if (path_join(tmp, c->path, TMP_PREFIX "XXXXXX") != 0 || !mkdtemp(tmp))
        return say(detail, BUNDLE_ERR_IO, "mkdtemp in %.200s: %s", c->path, strerror(errno));
    extract_ctx x = {.lim = &c->lim, .root = tmp, .detail = detail};
    x.rootfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (x.rootfd < 0) {
        err = say(detail, BUNDLE_ERR_IO, "open %.200s: %s", tmp, strerror(errno));
    } else if (!(err = extract(&x, tarball, n, &out->runtime))) {
        if (fchmod(x.rootfd, 0755) != 0 || rename(tmp, out->path) != 0) {
            /* Another thread or process won the race: theirs is identical. */
            err = errno == EEXIST || errno == ENOTEMPTY ? load(c, id, out, detail)
                  : say(detail, BUNDLE_ERR_IO, "install %.200s: %s", out->path, strerror(errno));
        } else if (added) {
            *added = 1;
        }
    }
    if (x.rootfd >= 0) close(x.rootfd);
    for (size_t i = 0; i < x.nlinks; i++) free(x.links[i]);
    free(x.links);
    remove_tree(tmp); /* a no-op once renamed */
    return err;
}

bundle_err bundle_cache_remove(bundle_cache *c, const uint8_t id[32])
{
    if (!c || !id) return BUNDLE_ERR_ARG;
    static atomic_uint seq;
    char hex[65], trash[128], from[PATH_MAX], to[PATH_MAX];
    hex_id(hex, id);
    /* Renamed away first so that no reader ever sees a half-deleted tree. */
    snprintf(trash, sizeof trash, DEL_PREFIX "%s-%d-%u", hex, (int)getpid(), atomic_fetch_add(&seq, 1));
    if (path_join(from, c->path, hex) != 0 || path_join(to, c->path, trash) != 0) return BUNDLE_ERR_IO;
    if (rename(from, to) != 0) return errno == ENOENT ? BUNDLE_OK : BUNDLE_ERR_IO;
    return remove_tree(to) == 0 ? BUNDLE_OK : BUNDLE_ERR_IO;
}

/* ------------------------------------------------------------------------ */
/* Packing                                                                    */

typedef struct {
    struct archive *a;
    const bundle_limits *lim;
    size_t entries, total;
    uint8_t *data;          /* the tarball being written */
    size_t len, cap;
    char *detail;
} pack_ctx;

static la_ssize_t pack_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
    pack_ctx *p = ctx;
    if (n > p->lim->max_compressed - p->len) {
        archive_set_error(a, EFBIG, "tarball exceeds %zu bytes", p->lim->max_compressed);
        return -1;
    }
    if (p->len + n > p->cap) {
        size_t cap = p->cap ? p->cap : 16384;
        while (cap < p->len + n) cap *= 2;
        uint8_t *grown = realloc(p->data, cap);
        if (!grown) {
            archive_set_error(a, ENOMEM, "out of memory");
            return -1;
        }
        p->data = grown;
        p->cap = cap;
    }
    memcpy(p->data + p->len, buf, n);
    p->len += n;
    return (la_ssize_t)n;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bundle_err pack_tree(pack_ctx *p, int dirfd, const char *rel);

static bundle_err archive_fail(pack_ctx *p)
{
    return say(p->detail, archive_errno(p->a) == EFBIG ? BUNDLE_ERR_TOO_BIG : BUNDLE_ERR_IO, "pack: %s",
               archive_error_string(p->a));
}

/* Writes a regular file's bytes; the file must still have the size its
 * header announced. */
static bundle_err pack_data(pack_ctx *p, int fd, off_t size, const char *path)
{
    char buf[65536];
    off_t done = 0;
    for (ssize_t n; done < size; done += n) {
        if ((n = read(fd, buf, sizeof buf)) <= 0) break;
        if (n > size - done) n = size - done;
        if (archive_write_data(p->a, buf, (size_t)n) < 0) return archive_fail(p);
    }
    return done == size ? BUNDLE_OK : say(p->detail, BUNDLE_ERR_IO, "'%.200s' changed while packing", path);
}

static bundle_err pack_entry(pack_ctx *p, int dirfd, const char *name, const char *rel)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s%s", rel, name) >= sizeof path || strlen(path) > p->lim->max_path)
        return say(p->detail, BUNDLE_ERR_PATH, "'%.200s': path too long", path);
    if (++p->entries > p->lim->max_files)
        return say(p->detail, BUNDLE_ERR_TOO_MANY_FILES, "more than %zu entries", p->lim->max_files);
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return say(p->detail, BUNDLE_ERR_IO, "stat '%.200s': %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
        return say(p->detail, BUNDLE_ERR_TYPE, "'%.200s' is not a file, directory or symlink", path);
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > p->lim->max_total - p->total)
        return say(p->detail, BUNDLE_ERR_TOO_BIG, "files exceed %zu bytes", p->lim->max_total);

    struct archive_entry *e = archive_entry_new();
    if (!e) return BUNDLE_ERR_NOMEM;
    archive_entry_set_pathname(e, path);
    archive_entry_set_mtime(e, 0, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    int fd = -1;
    bundle_err err = BUNDLE_OK;
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(dirfd, name, target, sizeof target - 1);
        if (n < 0) {
            err = say(p->detail, BUNDLE_ERR_IO, "readlink '%.200s': %s", path, strerror(errno));
            goto done;
        }
        target[n] = '\0';
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_perm(e, 0777);
        archive_entry_set_symlink(e, target);
    } else {
        int dir = S_ISDIR(st.st_mode);
        fd = openat(dirfd, name, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            err = say(p->detail, BUNDLE_ERR_IO, "open '%.200s': %s", path, strerror(errno));
            goto done;
        }
        archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
        archive_entry_set_perm(e, !dir && !(st.st_mode & 0111) ? 0644 : 0755);
        if (!dir) {
            archive_entry_set_size(e, st.st_size);
            p->total += (size_t)st.st_size;
        }
    }
    if (archive_write_header(p->a, e) != ARCHIVE_OK) {
        err = archive_fail(p);
    } else if (S_ISREG(st.st_mode)) {
        err = pack_data(p, fd, st.st_size, path);
    } else if (S_ISDIR(st.st_mode)) {
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/", path);
        err = pack_tree(p, fd, sub);
    }
done:
    if (fd >= 0) close(fd);
    archive_entry_free(e);
    return err;
}

/* Packs the entries of dirfd (whose path in the tarball is rel, "" or
 * ending in '/') in byte order of their names. */
static bundle_err pack_tree(pack_ctx *p, int dirfd, const char *rel)
{
    int fd = dup(dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return say(p->detail, BUNDLE_ERR_IO, "opendir '%.200s': %s", rel, strerror(errno));
    }
    char **names = NULL;
    size_t n = 0;
    bundle_err err = BUNDLE_OK;
    for (struct dirent *de; (de = readdir(d));) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        char **grown = realloc(names, (n + 1) * sizeof *names);
        if (!grown || !(grown[n] = strdup(de->d_name))) {
            names = grown ? grown : names;
            err = BUNDLE_ERR_NOMEM;
            break;
        }
        names = grown;
        n++;
        if (n > p->lim->max_files) {
            err = say(p->detail, BUNDLE_ERR_TOO_MANY_FILES, "more than %zu entries", p->lim->max_files);
            break;
        }
    }
    closedir(d);
    if (!err && n) qsort(names, n, sizeof *names, name_cmp); /* qsort wants a non-NULL array */
    for (size_t i = 0; i < n && !err; i++) err = pack_entry(p, dirfd, names[i], rel);
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return err;
}

bundle_err bundle_pack_dir(const char *dir, const bundle_limits *lim, uint8_t **out, size_t *n, char *detail)
{
    if (!dir || !out || !n) return BUNDLE_ERR_ARG;
    bundle_limits l = lim ? *lim : (bundle_limits){0};
    bundle_limits_default(&l);
    pack_ctx p = {.lim = &l, .detail = detail, .a = archive_write_new()};
    if (!p.a) return BUNDLE_ERR_NOMEM;
    bundle_err err = BUNDLE_OK;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        err = say(detail, BUNDLE_ERR_IO, "open '%.200s': %s", dir, strerror(errno));
    } else if (archive_write_set_format_pax_restricted(p.a) != ARCHIVE_OK ||
               archive_write_add_filter_gzip(p.a) != ARCHIVE_OK ||
               /* No mtime in the gzip header: the same tree, the same bytes. */
               archive_write_set_filter_option(p.a, "gzip", "timestamp", NULL) != ARCHIVE_OK ||
               /* No padding after the gzip stream: bundles are stored on-chain. */
               archive_write_set_bytes_in_last_block(p.a, 1) != ARCHIVE_OK ||
               archive_write_open(p.a, &p, NULL, pack_write, NULL) != ARCHIVE_OK) {
        err = archive_fail(&p);
    } else if (!(err = pack_tree(&p, dfd, "")) && archive_write_close(p.a) != ARCHIVE_OK) {
        err = archive_fail(&p);
    }
    if (dfd >= 0) close(dfd);
    archive_write_free(p.a);
    if (err) {
        free(p.data);
        return err;
    }
    *out = p.data;
    *n = p.len;
    return BUNDLE_OK;
}
