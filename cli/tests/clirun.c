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

int clirun_home(struct clirun *r, const char *home, const char *const *args, const char *const *env, const void *in,
                size_t n)
{
    char faas_home[4200];
    snprintf(faas_home, sizeof faas_home, "FAAS_HOME=%s", home);
    const char *all[32] = { faas_home, "FAAS_CONFIG", "FAAS_RPC_URL", "FAAS_WS_RPC_URL", "FAAS_PRIVATE_KEY",
                            "FAAS_PRIVATE_KEY_FILE", "FAAS_ADDRESS", "FAAS_TASKMAILBOX_ADDRESS",
                            "FAAS_AGGREGATOR_URL", "FAAS_TIMEOUT", "FAAS_S3_BASE_URL", NULL };
    size_t k = 11;
    for (; env && *env && k < 31; env++) all[k++] = *env;
    all[k] = NULL;
    return clirun(r, args, all, in, n, NULL);
}

int clirun_deploy(const char *home, const char *const *flags, const char *const *env, const char *dir, char id[67])
{
    const char *args[16] = { "deploy-function" };
    size_t k = 1;
    for (; flags && *flags && k < 14; flags++) args[k++] = *flags;
    args[k++] = dir;
    args[k] = NULL;
    struct clirun r;
    int ok = clirun_home(&r, home, args, env, NULL, 0) == 0 && r.status == 0 &&
             clirun_value(r.out, "Function ID: ", id, 67) && strlen(id) == 66;
    if (!ok) fprintf(stderr, "deploy-function %s failed (status %d): %s%s", dir, r.status, r.out, r.err);
    clirun_free(&r);
    return ok ? 0 : -1;
}

json_t *clirun_result(const char *out)
{
    const char *p = strstr(out, "\nFunction Result:\n");
    /* The pretty-printed value ends the output. */
    return p ? json_loads(p + 18, JSON_DECODE_ANY, NULL) : NULL;
}

json_t *clirun_logs(const char *out)
{
    json_t *lines = json_array();
    const char *p = strstr(out, "\nFunction Logs:\n");
    for (p = p ? p + 16 : NULL; p && strncmp(p, "  ", 2) == 0;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        json_array_append_new(lines, json_stringn(p + 2, len - 2));
        p = nl ? nl + 1 : NULL;
    }
    return lines;
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

const char *clirun_value(const char *text, const char *prefix, char *buf, size_t cap)
{
    char line[4096];
    if (!clirun_line(text, prefix, line, sizeof line)) return NULL;
    snprintf(buf, cap, "%s", line + strlen(prefix));
    return buf;
}

/* Replaces each "{name}" of tmpl by its value (names[i] -> values[i]). */
void clirun_expand(char *out, size_t cap, const char *tmpl, const char *const *names, const char *const *values)
{
    size_t n = 0;
    while (*tmpl && n + 1 < cap) {
        size_t k = 0;
        while (names[k] && strncmp(tmpl, names[k], strlen(names[k])) != 0) k++;
        if (names[k]) {
            n += (size_t)snprintf(out + n, cap - n, "%s", values[k]);
            tmpl += strlen(names[k]);
        } else {
            out[n++] = *tmpl++;
        }
    }
    out[n < cap ? n : cap - 1] = 0;
}

int clirun_err_line(const struct clirun *r, const char *prefix)
{
    return r->err_len > 0 && strchr(r->err, '\n') == r->err + r->err_len - 1 &&
           strncmp(r->err, prefix, strlen(prefix)) == 0;
}

const char *clirun_missing(const char *text, const char *const *prefixes, size_t n)
{
    const char *p = text;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(prefixes[i]);
        const char *hit = p;
        /* The next line at or after p that starts with the prefix. */
        while (hit && strncmp(hit, prefixes[i], len) != 0) {
            hit = strchr(hit, '\n');
            if (hit) hit++;
        }
        if (!hit) return prefixes[i];
        p = strchr(hit, '\n');
        p = p ? p + 1 : hit + len;
    }
    return NULL;
}

/* Starts a server on a free port and waits for it to listen. */
static pid_t start_server(char **argv, int port, char *endpoint, size_t cap)
{
    pid_t pid = test_spawn(argv, "/dev/null");
    if (pid <= 0 || test_wait_port(port, 15000) != 0) {
        test_kill(pid);
        return -1;
    }
    snprintf(endpoint, cap, "http://127.0.0.1:%d", port);
    return pid;
}

pid_t clirun_s3rver_start(const char *data_dir, const char *bucket, char *endpoint, size_t cap)
{
    int port = test_free_port();
    char port_s[16];
    snprintf(port_s, sizeof port_s, "%d", port);
    char *argv[] = { "s3rver", "--silent", "-a", "127.0.0.1", "-p", port_s, "-d", (char *)data_dir,
                     "--configure-bucket", (char *)bucket, NULL };
    return start_server(argv, port, endpoint, cap);
}

pid_t clirun_sigv4_start(const char *key_id, const char *secret, char *endpoint, size_t cap)
{
    int port = test_free_port();
    char port_s[16], script[4096];
    snprintf(port_s, sizeof port_s, "%d", port);
    snprintf(script, sizeof script, "%s/cli/tests/sigv4_server.py", test_root());
    char *argv[] = { "python3", script, port_s, (char *)key_id, (char *)secret, NULL };
    return start_server(argv, port, endpoint, cap);
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
