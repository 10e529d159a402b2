/* file.c - error names, clocks, whole-file reads, atomic writes, secrets. */
#include "svc.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *svc_strerror(svc_err e)
{
    static const char *const messages[SVC_ERR__COUNT] = {
        [SVC_OK] = "success",
        [SVC_ERR_ARG] = "invalid argument",
        [SVC_ERR_NOMEM] = "out of memory",
        [SVC_ERR_IO] = "file could not be read or written",
        [SVC_ERR_TOO_BIG] = "input exceeds its size limit",
        [SVC_ERR_USAGE] = "invalid command line",
        [SVC_ERR_CONFIG] = "invalid configuration",
        [SVC_ERR_DB] = "database error",
        [SVC_ERR_SCHEMA] = "database written by a newer version",
        [SVC_ERR_LISTEN] = "cannot listen on the address",
    };
    if ((unsigned)e >= SVC_ERR__COUNT || !messages[e]) return "unknown error";
    return messages[e];
}

double svc_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int64_t svc_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_detail(char *detail, const char *fmt, const char *a, const char *b)
{
    if (detail) snprintf(detail, SVC_DETAIL_MAX, fmt, a, b);
}

svc_err svc_file_read(const char *path, size_t max, char **data, size_t *len, char *detail)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_detail(detail, "cannot open %s: %s", path, strerror(errno));
        return SVC_ERR_IO;
    }
    size_t cap = 0, n = 0;
    char *buf = NULL;
    svc_err rc = SVC_OK;
    for (;;) {
        if (n + 1 >= cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            char *p = malloc(ncap);
            if (!p) {
                rc = SVC_ERR_NOMEM;
                break;
            }
            /* Copy rather than realloc so a secret never lingers in freed memory. */
            if (buf) {
                memcpy(p, buf, n);
                memset(buf, 0, cap);
                free(buf);
            }
            buf = p;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = SVC_ERR_IO;
            set_detail(detail, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (r == 0) break;
        n += (size_t)r;
        if (n > max) {
            rc = SVC_ERR_TOO_BIG;
            if (detail) snprintf(detail, SVC_DETAIL_MAX, "%s is larger than %zu bytes", path, max);
            break;
        }
    }
    close(fd);
    if (rc != SVC_OK) {
        if (buf) memset(buf, 0, cap);
        free(buf);
        return rc;
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return SVC_OK;
}

svc_err svc_file_write(const char *path, const void *data, size_t len, unsigned mode, char *detail)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    if (!tmp) return SVC_ERR_NOMEM;
    snprintf(tmp, pl + 16, "%s.tmp%05d", path, (int)(getpid() % 100000));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    svc_err rc = SVC_OK;
    if (fd < 0) {
        set_detail(detail, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return SVC_ERR_IO;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            set_detail(detail, "cannot write %s: %s", tmp, strerror(errno));
            rc = SVC_ERR_IO;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    /* The mode is set explicitly: open()'s is filtered by the umask. */
    if (rc == SVC_OK && (fchmod(fd, mode) != 0 || fsync(fd) != 0)) {
        set_detail(detail, "cannot sync %s: %s", tmp, strerror(errno));
        rc = SVC_ERR_IO;
    }
    close(fd);
    if (rc == SVC_OK && rename(tmp, path) != 0) {
        set_detail(detail, "cannot rename into %s: %s", path, strerror(errno));
        rc = SVC_ERR_IO;
    }
    if (rc != SVC_OK) unlink(tmp);
    free(tmp);
    return rc;
}

/* Secrets are small: a hex key, a password. */
#define SECRET_MAX 4096

svc_err svc_secret_load(char **out, const char *env, const char *file, const char *what, char *detail)
{
    *out = NULL;
    const char *v = env ? getenv(env) : NULL;
    if (v && *v) {
        *out = strdup(v);
        if (!*out) return SVC_ERR_NOMEM;
    } else if (file && *file) {
        size_t n;
        svc_err rc = svc_file_read(file, SECRET_MAX, out, &n, detail);
        if (rc != SVC_OK) return rc == SVC_ERR_TOO_BIG ? SVC_ERR_CONFIG : rc;
    } else {
        if (detail)
            snprintf(detail, SVC_DETAIL_MAX, "no %s: set the environment variable %s or give a file", what,
                     env ? env : "(none)");
        return SVC_ERR_CONFIG;
    }
    size_t n = strlen(*out);
    while (n > 0 && strchr(" \t\r\n", (*out)[n - 1])) (*out)[--n] = 0;
    return SVC_OK;
}

void svc_secret_free(char *s)
{
    if (!s) return;
    /* A volatile function pointer keeps the compiler from proving the store dead. */
    static void *(*const volatile memset_v)(void *, int, size_t) = memset;
    memset_v(s, 0, strlen(s));
    free(s);
}
