/* clirun.c - see clirun.h. */
#include "clirun.h"

#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void apply_env(const char *const *env)
{
    for (; env && *env; env++) {
        const char *eq = strchr(*env, '=');
        if (!eq) {
            unsetenv(*env);
            continue;
        }
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(eq - *env), *env);
        setenv(name, eq + 1, 1);
    }
}

static void append(char **buf, size_t *len, const char *p, size_t n)
{
    char *nb = realloc(*buf, *len + n + 1);
    if (!nb) abort();
    memcpy(nb + *len, p, n);
    *len += n;
    nb[*len] = 0;
    *buf = nb;
}

int clirun(struct clirun *r, const char *const *args, const char *const *env, const void *in, size_t n,
           const char *cwd)
{
    int po[2], pe[2], pi[2];
    memset(r, 0, sizeof *r);
    if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC) || pipe2(pi, O_CLOEXEC)) return -1;
    char exe[4096];
    const char *bin = test_bin_dir();
    if (bin[0] == '/') snprintf(exe, sizeof exe, "%s/faas-cli", bin);
    else snprintf(exe, sizeof exe, "%s/%s/faas-cli", test_root(), bin);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(in ? pi[0] : open("/dev/null", O_RDONLY), 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        if (cwd && chdir(cwd) != 0) _exit(126);
        apply_env(env);
        const char *argv[64];
        int k = 0;
        argv[k++] = "faas-cli";
        for (; args && *args && k < 63; args++) argv[k++] = *args;
        argv[k] = NULL;
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    close(pi[0]);
    size_t off = 0;
    int fd_in = in ? pi[1] : -1;
    if (!in) close(pi[1]);
    signal(SIGPIPE, SIG_IGN);
    r->out = calloc(1, 1);
    r->err = calloc(1, 1);
    int open_fds = 2;
    while (open_fds > 0 || fd_in >= 0) {
        struct pollfd fds[3] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 }, { fd_in, POLLOUT, 0 } };
        if (poll(fds, 3, -1) < 0 && errno != EINTR) break;
        char buf[65536];
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t k = read(fds[i].fd, buf, sizeof buf);
            if (k > 0) {
                if (i == 0) append(&r->out, &r->out_len, buf, (size_t)k);
                else append(&r->err, &r->err_len, buf, (size_t)k);
            } else if (k == 0 || errno != EINTR) {
                close(fds[i].fd);
                if (i == 0) po[0] = -1; else pe[0] = -1;
                open_fds--;
            }
        }
        if (fd_in >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = off < n ? write(fd_in, (const char *)in + off, n - off) : 0;
            if (w > 0) off += (size_t)w;
            if (off >= n || w < 0) {
                close(fd_in);
                fd_in = -1;
            }
        }
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

void clirun_free(struct clirun *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

char *clirun_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    char *p;
    if (asprintf(&p, "%s/faas-cli-test-XXXXXX", t && *t ? t : "/tmp") < 0) return NULL;
    if (!mkdtemp(p)) {
        free(p);
        return NULL;
    }
    return p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

void clirun_rmrf(const char *path)
{
    if (path) nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

int clirun_write(const char *dir, const char *name, const char *content)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t n = strlen(content);
    int ok = fwrite(content, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

const char *clirun_line(const char *text, const char *prefix, char *buf, size_t cap)
{
    size_t pl = strlen(prefix);
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len >= pl && memcmp(p, prefix, pl) == 0) {
            snprintf(buf, cap, "%.*s", (int)len, p);
            return buf;
        }
        p = nl ? nl + 1 : NULL;
    }
    return NULL;
}
