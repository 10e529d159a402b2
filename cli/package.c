/* package.c - building a function's bundle the way deploy-function sends it
 * (SPEC §3 "Function bundle", seed "Dependencies"): copy the directory,
 * install its dependencies in the copy, pack it reproducibly with the
 * bundle library, and check the result as an operator will. */
#include "cli.h"

#include "bundle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Installer output kept for the error message: the tail, up to this much. */
#define TOOL_OUTPUT_KEEP ((size_t)64 << 10)
/* Deepest directory nesting copied. */
#define COPY_MAX_DEPTH 64

extern char **environ;

static int exists(const char *dir, const char *name)
{
    char *p = cli_path_join(dir, name);
    struct stat st;
    int ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
    free(p);
    return ok;
}

/* ---- walking the user's directory -------------------------------------- */

/* One entry to copy. */
typedef struct {
    const char *path;       /* relative to the root, '/'-separated */
    const char *abs_path;   /* where to read it */
    int is_dir;
    unsigned mode;          /* 0755 (directories, executables) or 0644 */
} entry;

typedef cli_err (*visit_fn)(void *user, const entry *e, cli_diag *d);

struct walker {
    const char *root_real;  /* realpath of the root, for symlink checks */
    visit_fn visit;
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
                        cli_diag *d);

/* One name in a directory: skip it, refuse it, or visit it (and recurse). */
static cli_err walk_child(struct walker *w, const char *abs, const char *rel, const char *name,
                          const char *dir_name, int depth, cli_diag *d)
{
    if (skipped(name, dir_name, 1) && skipped(name, dir_name, 0)) return CLI_OK;
    char *child_abs = NULL, *child_rel = NULL;
    if (asprintf(&child_abs, "%s/%s", abs, name) < 0 || asprintf(&child_rel, "%s%s%s", rel, *rel ? "/" : "", name) < 0) {
        free(child_abs);
        return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    }
    struct stat st;
    cli_err e = CLI_OK;
    if (lstat(child_abs, &st) != 0) e = cli_diag_set(d, CLI_ERR_IO, "%s: %s", child_rel, strerror(errno));
    if (!e && S_ISLNK(st.st_mode)) e = follow_link(&st, w, child_abs, child_rel, d);
    if (!e && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
        e = cli_diag_set(d, CLI_ERR_BUNDLE, "%s is not a regular file or directory", child_rel);
    int is_dir = !e && S_ISDIR(st.st_mode);
    if (!e && !skipped(name, dir_name, is_dir)) {
        entry ent = { child_rel, child_abs, is_dir, norm_mode(st.st_mode, is_dir) };
        e = w->visit(w->user, &ent, d);
        if (!e && is_dir) e = walk_dir(w, child_abs, child_rel, name, depth + 1, d);
    }
    free(child_abs);
    free(child_rel);
    return e;
}

/* Visits a directory's names in byte order, each directory before its
 * contents (so a copy can create it first). */
static cli_err walk_dir(struct walker *w, const char *abs, const char *rel, const char *dir_name, int depth,
                        cli_diag *d)
{
    if (depth > COPY_MAX_DEPTH)
        return cli_diag_set(d, CLI_ERR_BUNDLE, "%s is nested deeper than %d levels", rel, COPY_MAX_DEPTH);
    struct dirent **names;
    int n = scandir(abs, &names, NULL, by_name);
    if (n < 0) return cli_diag_set(d, CLI_ERR_IO, "cannot list %s: %s", *rel ? rel : abs, strerror(errno));
    cli_err e = CLI_OK;
    for (int i = 0; i < n && !e; i++) e = walk_child(w, abs, rel, names[i]->d_name, dir_name, depth, d);
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    return e;
}

static cli_err walk(const char *dir, visit_fn visit, void *user, cli_diag *d)
{
    char *root_real = realpath(dir, NULL);
    if (!root_real) return cli_diag_set(d, CLI_ERR_IO, "function directory %s: %s", dir, strerror(errno));
    struct walker w = { root_real, visit, user };
    cli_err e = walk_dir(&w, root_real, "", NULL, 0, d);
    free(root_real);
    return e;
}

/* ---- copying ------------------------------------------------------------ */

static cli_err copy_file(const char *from, const char *to, unsigned mode, const char *rel, cli_diag *d)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) return cli_diag_set(d, CLI_ERR_IO, "cannot read %s: %s", rel, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (out < 0) {
        close(in);
        return cli_diag_set(d, CLI_ERR_IO, "cannot create %s: %s", to, strerror(errno));
    }
    uint8_t buf[65536];
    cli_err e = CLI_OK;
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r < 0) e = cli_diag_set(d, CLI_ERR_IO, "cannot read %s: %s", rel, strerror(errno));
            break;
        }
        for (ssize_t off = 0; off < r && !e;) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0 && errno != EINTR) e = cli_diag_set(d, CLI_ERR_IO, "cannot write %s: %s", to, strerror(errno));
            if (w > 0) off += w;
        }
        if (e) break;
    }
    close(in);
    if (close(out) != 0 && !e) e = cli_diag_set(d, CLI_ERR_IO, "cannot write %s: %s", to, strerror(errno));
    return e;
}

static cli_err copy_entry(void *user, const entry *ent, cli_diag *d)
{
    char *to = cli_path_join(user, ent->path);
    if (!to) return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    cli_err e = CLI_OK;
    if (ent->is_dir) {
        if (mkdir(to, 0755) != 0) e = cli_diag_set(d, CLI_ERR_IO, "cannot create %s: %s", to, strerror(errno));
    } else {
        e = copy_file(ent->abs_path, to, ent->mode, ent->path, d);
    }
    free(to);
    return e;
}

/* ---- running an installer ---------------------------------------------- */

struct tool_output {
    char *data;
    size_t len;
};

/* Keeps the last TOOL_OUTPUT_KEEP bytes. */
static void keep_tail(struct tool_output *o, const char *p, size_t n)
{
    if (n >= TOOL_OUTPUT_KEEP) {
        p += n - TOOL_OUTPUT_KEEP;
        n = TOOL_OUTPUT_KEEP;
    }
    if (o->len + n > TOOL_OUTPUT_KEEP) {
        size_t drop = o->len + n - TOOL_OUTPUT_KEEP;
        memmove(o->data, o->data + drop, o->len - drop);
        o->len -= drop;
    }
    memcpy(o->data + o->len, p, n);
    o->len += n;
}

/* The line of an installer's output that says what went wrong: pip's last
 * "ERROR: …" line, npm's first "npm error …" line that is not just a code,
 * else the last non-empty line. Written into buf (cap bytes). */
static void telling_line(const struct tool_output *o, char *buf, size_t cap)
{
    const char *best = NULL, *last = NULL;
    size_t best_len = 0, last_len = 0;
    int best_is_pip = 0;
    for (size_t i = 0; i < o->len;) {
        const char *s = o->data + i, *nl = memchr(s, '\n', o->len - i);
        size_t len = nl ? (size_t)(nl - s) : o->len - i;
        i += len + 1;
        while (len && (s[len - 1] == '\r' || s[len - 1] == ' ')) len--;
        if (!len) continue;
        last = s;
        last_len = len;
        if (len > 7 && memcmp(s, "ERROR: ", 7) == 0) {
            best = s, best_len = len, best_is_pip = 1;
        } else if (!best_is_pip && !best && len > 10 &&
                   (memcmp(s, "npm error ", 10) == 0 || memcmp(s, "npm ERR! ", 9) == 0)) {
            const char *rest = s + (s[4] == 'e' ? 10 : 9);
            size_t rl = len - (size_t)(rest - s);
            if (!(rl > 5 && (memcmp(rest, "code ", 5) == 0 || memcmp(rest, "errno ", 6) == 0 ||
                             memcmp(rest, "syscall ", 8) == 0)))
                best = s, best_len = len;
        }
    }
    if (!best) best = last, best_len = last_len;
    snprintf(buf, cap, "%.*s", best ? (int)(best_len > 300 ? 300 : best_len) : 0, best ? best : "");
}

/* Runs argv in cwd with stdin from /dev/null and stdout+stderr captured. */
static cli_err run_tool(char *const argv[], const char *cwd, const cli_pkg_opts *opts, cli_diag *d)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return cli_diag_set(d, CLI_ERR_DEPS, "pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_addchdir_np(&fa, cwd);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return cli_diag_set(d, CLI_ERR_DEPS, "cannot run %s: %s (install it, or deploy with --skip-deps)", argv[0],
                            strerror(rc));
    }
    struct tool_output out = { malloc(TOOL_OUTPUT_KEEP), 0 };
    char buf[8192];
    for (;;) {
        ssize_t r = read(fds[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        if (out.data) keep_tail(&out, buf, (size_t)r);
        if (opts && opts->verbose && opts->log) fwrite(buf, 1, (size_t)r, opts->log);
    }
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    cli_err e = CLI_OK;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char line[320] = "";
        if (out.data) telling_line(&out, line, sizeof line);
        char how[48];
        if (WIFEXITED(status)) snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(status));
        else snprintf(how, sizeof how, "was killed by signal %d", WTERMSIG(status));
        e = cli_diag_set(d, CLI_ERR_DEPS, "dependency install failed: %s %s %s%s%s", argv[0], argv[1], how,
                         line[0] ? ": " : "", line);
    }
    free(out.data);
    return e;
}

static void announce(const cli_pkg_opts *o, char *const argv[])
{
    if (!o || !o->log) return;
    fputs("Installing dependencies:", o->log);
    for (int i = 0; argv[i]; i++) fprintf(o->log, " %s", argv[i]);
    fputc('\n', o->log);
    fflush(o->log);
}

static cli_err install_deps(const char *dir, const cli_pkg_opts *o, cli_diag *d)
{
    cli_err e = CLI_OK;
    if (exists(dir, "package.json")) {
        /* A lock file pins the exact tree: `npm ci` installs exactly it. */
        static char *const ci[] = { "npm", "ci", "--omit=dev", "--no-audit", "--no-fund", NULL };
        static char *const install[] = { "npm", "install", "--omit=dev", "--no-audit", "--no-fund",
                                         "--no-package-lock", NULL };
        char *const *argv = exists(dir, "package-lock.json") ? ci : install;
        announce(o, argv);
        e = run_tool(argv, dir, o, d);
    }
    if (!e && exists(dir, "requirements.txt")) {
        /* --no-compile: .pyc files embed source mtimes and would change the
         * id on every deploy; the runtime compiles on import anyway. */
        static char *const pip[] = { "pip3", "install", "-r", "requirements.txt", "--target", ".", "--no-compile",
                                     "--disable-pip-version-check", "--no-input", NULL };
        announce(o, pip);
        e = run_tool(pip, dir, o, d);
    }
    return e;
}

/* ---- packing and checking ---------------------------------------------- */

static cli_err bundle_failed(bundle_err be, const char *what, const char *detail, cli_diag *d)
{
    cli_err code = be == BUNDLE_ERR_NOMEM ? CLI_ERR_NOMEM : be == BUNDLE_ERR_IO ? CLI_ERR_IO : CLI_ERR_BUNDLE;
    return cli_diag_set(d, code, "%s: %s", what, detail[0] ? detail : bundle_strerror(be));
}

/* Adds the tarball to a throw-away cache: the same extraction and checks
 * an operator's performer runs before it executes a bundle. */
static cli_err check_like_an_operator(const uint8_t *tar, size_t n, cli_diag *d)
{
    char *dir;
    cli_err e = cli_temp_dir(&dir, "check", d);
    if (e) return e;
    char detail[BUNDLE_DETAIL_MAX] = "";
    bundle_cache *cache = NULL;
    bundle_info info;
    bundle_err be = bundle_cache_open(&cache, dir, NULL);
    if (!be) be = bundle_cache_add(cache, tar, n, NULL, &info, NULL, detail);
    if (be) e = bundle_failed(be, "operators would refuse this bundle", detail, d);
    if (cache) bundle_cache_close(cache);
    cli_remove_tree(dir);
    return e;
}

cli_err cli_pkg_build(uint8_t **tar, size_t *n, const char *dir, int skip_deps, const cli_pkg_opts *o,
                      cli_diag *d)
{
    *tar = NULL;
    *n = 0;
    char *copy;
    cli_err e = cli_temp_dir(&copy, "build", d);
    if (e) return e;
    e = walk(dir, copy_entry, copy, d);
    if (!e && !skip_deps) e = install_deps(copy, o, d);
    if (!e) {
        char detail[BUNDLE_DETAIL_MAX] = "";
        bundle_err be = bundle_pack_dir(copy, NULL, tar, n, detail);
        if (be) e = bundle_failed(be, "cannot pack the function", detail, d);
    }
    cli_remove_tree(copy);
    if (!e) e = check_like_an_operator(*tar, *n, d);
    if (e) {
        free(*tar);
        *tar = NULL;
        *n = 0;
    }
    return e;
}

void cli_pkg_function_id(uint8_t id[32], const uint8_t *tarball, size_t n) { bundle_id(id, tarball, n); }
