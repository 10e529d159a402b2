/* stage.c - dependency install at deploy time (SPEC §3, seed "Dependencies"):
 * the function directory is copied into a temporary directory and npm / pip
 * install there, so the user's directory is never modified and the bundle
 * carries its dependencies. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Installer output kept for the error message: the tail, up to this much. */
#define TOOL_OUTPUT_KEEP ((size_t)64 << 10)

extern char **environ;

static int exists(const char *dir, const char *name)
{
    char *p = cli_path_join(dir, name);
    struct stat st;
    int ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
    free(p);
    return ok;
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

static cli_err copy_entry(void *user, const cli_pkg_entry *ent, cli_diag *d)
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

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

void cli_pkg_unstage(char *staged, int is_temp)
{
    if (staged && is_temp) nftw(staged, remove_one, 32, FTW_DEPTH | FTW_PHYS);
    free(staged);
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

cli_err cli_pkg_stage(char **staged, int *is_temp, const char *dir, int skip_deps, const cli_pkg_opts *o,
                      cli_diag *d)
{
    *staged = NULL;
    *is_temp = 0;
    if (skip_deps || (!exists(dir, "package.json") && !exists(dir, "requirements.txt"))) {
        *staged = strdup(dir);
        return *staged ? CLI_OK : cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    }
    const char *tmp = getenv("TMPDIR");
    char *tmpl = cli_path_join(tmp && *tmp ? tmp : "/tmp", "faas-cli-XXXXXX");
    if (!tmpl) return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    if (!mkdtemp(tmpl)) {
        cli_err e = cli_diag_set(d, CLI_ERR_IO, "cannot create a temporary directory: %s", strerror(errno));
        free(tmpl);
        return e;
    }
    cli_err e = cli_pkg_walk(dir, copy_entry, tmpl, d);
    if (!e) e = install_deps(tmpl, o, d);
    if (e) {
        cli_pkg_unstage(tmpl, 1);
        return e;
    }
    *staged = tmpl;
    *is_temp = 1;
    return CLI_OK;
}
