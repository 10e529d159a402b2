/* tarball.c - walking a function directory in a fixed order and writing it
 * as a reproducible gzipped tar (libarchive), so the same source always
 * gets the same function id = keccak256(tarball) (SPEC §3). */
#include "cli.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct walker {
    const char *root_real;  /* realpath of the root, for symlink checks */
    size_t n_entries;
    cli_pkg_visit visit;
    void *user;
};

/* Bytewise, so the order is the same under every locale. */
static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int skipped(const char *name, const char *parent_name, int is_dir)
{
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, ".git") == 0) return 1;
    if (is_dir && strcmp(name, "__pycache__") == 0) return 1;
    return strcmp(name, ".bin") == 0 && parent_name && strcmp(parent_name, "node_modules") == 0;
}

static unsigned norm_mode(mode_t m, int is_dir) { return is_dir || (m & 0111) ? 0755 : 0644; }

/* Resolves a symlink to the regular file it names inside the root. */
static cli_err follow_link(struct stat *st, const struct walker *w, const char *abs, const char *rel, cli_diag *d)
{
    char *target = realpath(abs, NULL);
    size_t rl = strlen(w->root_real);
    int inside = target && strncmp(target, w->root_real, rl) == 0 && (target[rl] == '/' || target[rl] == 0 || rl == 1);
    int ok = inside && stat(target, st) == 0 && S_ISREG(st->st_mode);
    free(target);
    if (ok) return CLI_OK;
    if (!inside)
        return cli_diag_set(d, CLI_ERR_BUNDLE, "%s is a symlink that leaves the function directory (or is broken)",
                            rel);
    return cli_diag_set(d, CLI_ERR_BUNDLE, "%s is a symlink to something other than a regular file", rel);
}

static cli_err walk_dir(struct walker *w, const char *abs, const char *rel, const char *dir_name, int depth,
                        cli_diag *d)
{
    if (depth > CLI_PKG_MAX_DEPTH)
        return cli_diag_set(d, CLI_ERR_BUNDLE, "%s is nested deeper than %d levels", rel, CLI_PKG_MAX_DEPTH);
    struct dirent **names;
    int n = scandir(abs, &names, NULL, by_name);
    if (n < 0) return cli_diag_set(d, CLI_ERR_IO, "cannot list %s: %s", *rel ? rel : abs, strerror(errno));
    cli_err e = CLI_OK;
    for (int i = 0; i < n && !e; i++) {
        const char *name = names[i]->d_name;
        if (skipped(name, dir_name, 1) && skipped(name, dir_name, 0)) continue;
        size_t al = strlen(abs) + strlen(name) + 2, rlen = strlen(rel) + strlen(name) + 2;
        char *child_abs = malloc(al), *child_rel = malloc(rlen);
        if (!child_abs || !child_rel) {
            e = cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
        } else {
            snprintf(child_abs, al, "%s/%s", abs, name);
            snprintf(child_rel, rlen, "%s%s%s", rel, *rel ? "/" : "", name);
        }
        struct stat st;
        if (!e && lstat(child_abs, &st) != 0) e = cli_diag_set(d, CLI_ERR_IO, "%s: %s", child_rel, strerror(errno));
        if (!e && S_ISLNK(st.st_mode)) e = follow_link(&st, w, child_abs, child_rel, d);
        if (!e && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
            e = cli_diag_set(d, CLI_ERR_BUNDLE, "%s is not a regular file or directory", child_rel);
        int is_dir = !e && S_ISDIR(st.st_mode);
        if (!e && skipped(name, dir_name, is_dir)) goto next;
        if (!e && ++w->n_entries > CLI_PKG_MAX_ENTRIES)
            e = cli_diag_set(d, CLI_ERR_BUNDLE, "the function directory has more than %d entries",
                             CLI_PKG_MAX_ENTRIES);
        if (!e && (strlen(child_rel) >= PATH_MAX))
            e = cli_diag_set(d, CLI_ERR_BUNDLE, "path too long: %.80s…", child_rel);
        if (!e) {
            cli_pkg_entry ent = { child_rel, child_abs, is_dir, norm_mode(st.st_mode, is_dir),
                                  is_dir ? 0 : (uint64_t)st.st_size };
            e = w->visit(w->user, &ent, d);
        }
        if (!e && is_dir) e = walk_dir(w, child_abs, child_rel, name, depth + 1, d);
    next:
        free(child_abs);
        free(child_rel);
    }
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    return e;
}

cli_err cli_pkg_walk(const char *dir, cli_pkg_visit visit, void *user, cli_diag *d)
{
    char *root_real = realpath(dir, NULL);
    if (!root_real) return cli_diag_set(d, CLI_ERR_IO, "function directory %s: %s", dir, strerror(errno));
    struct walker w = { root_real, 0, visit, user };
    cli_err e = walk_dir(&w, root_real, "", NULL, 0, d);
    free(root_real);
    return e;
}

/* ------------------------------------------------------------------------ */

struct tar_ctx {
    struct archive *ar;
    struct archive_entry *ent;
};

static la_ssize_t append_cb(struct archive *a, void *user, const void *buf, size_t n)
{
    if (eth_buf_append(user, buf, n) != ETH_OK) {
        archive_set_error(a, EFBIG, "the tarball exceeds %zu bytes", CLI_PKG_MAX_TARBALL);
        return -1;
    }
    return (la_ssize_t)n;
}

static cli_err archive_failed(struct archive *a, const char *what, cli_diag *d)
{
    int en = archive_errno(a);
    const char *msg = archive_error_string(a);
    return cli_diag_set(d, en == EFBIG ? CLI_ERR_BUNDLE : CLI_ERR_IO, "%s: %s", what, msg ? msg : "archive error");
}

static cli_err copy_data(struct tar_ctx *t, const cli_pkg_entry *e, cli_diag *d)
{
    int fd = open(e->abs_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cli_diag_set(d, CLI_ERR_IO, "cannot read %s: %s", e->path, strerror(errno));
    uint8_t buf[65536];
    uint64_t total = 0;
    cli_err err = CLI_OK;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            err = cli_diag_set(d, CLI_ERR_IO, "cannot read %s: %s", e->path, strerror(errno));
            break;
        }
        if (r == 0) break;
        total += (uint64_t)r;
        if (total > e->size) break;
        if (archive_write_data(t->ar, buf, (size_t)r) != r) {
            err = archive_failed(t->ar, e->path, d);
            break;
        }
    }
    close(fd);
    if (!err && total != e->size)
        err = cli_diag_set(d, CLI_ERR_IO, "%s changed while it was being packaged", e->path);
    return err;
}

static cli_err add_entry(void *user, const cli_pkg_entry *e, cli_diag *d)
{
    struct tar_ctx *t = user;
    struct archive_entry *ent = archive_entry_clear(t->ent);
    char path[PATH_MAX + 2];
    snprintf(path, sizeof path, "%s%s", e->path, e->is_dir ? "/" : "");
    archive_entry_set_pathname(ent, path);
    archive_entry_set_filetype(ent, e->is_dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(ent, e->mode);
    archive_entry_set_size(ent, e->is_dir ? 0 : (la_int64_t)e->size);
    archive_entry_set_uid(ent, 0);
    archive_entry_set_gid(ent, 0);
    archive_entry_set_mtime(ent, 0, 0);
    if (archive_write_header(t->ar, ent) != ARCHIVE_OK) return archive_failed(t->ar, e->path, d);
    return e->is_dir ? CLI_OK : copy_data(t, e, d);
}

cli_err cli_pkg_tarball(eth_buf *out, const char *dir, cli_diag *d)
{
    if (out->max < CLI_PKG_MAX_TARBALL) out->max = CLI_PKG_MAX_TARBALL;
    struct tar_ctx t = { archive_write_new(), archive_entry_new() };
    cli_err e = CLI_OK;
    if (!t.ar || !t.ent) {
        e = cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* The options that make the bytes a function of the contents only: no
     * gzip timestamp, one compression level, no block padding. */
    if (archive_write_set_format_pax_restricted(t.ar) != ARCHIVE_OK ||
        archive_write_add_filter_gzip(t.ar) != ARCHIVE_OK ||
        archive_write_set_options(t.ar, "gzip:!timestamp,gzip:compression-level=9") != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(t.ar, 1) != ARCHIVE_OK ||
        archive_write_open2(t.ar, out, NULL, append_cb, NULL, NULL) != ARCHIVE_OK) {
        e = archive_failed(t.ar, "cannot start the tarball", d);
        goto done;
    }
    e = cli_pkg_walk(dir, add_entry, &t, d);
    if (!e && archive_write_close(t.ar) != ARCHIVE_OK) e = archive_failed(t.ar, "cannot finish the tarball", d);
done:
    if (t.ent) archive_entry_free(t.ent);
    if (t.ar) archive_write_free(t.ar);
    return e;
}

void cli_pkg_function_id(uint8_t id[32], const uint8_t *tarball, size_t n) { eth_keccak256(id, tarball, n); }
