/* file.c - whole-file reads with a cap, atomic writes, path joining. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_file_read(const char *path, size_t max, uint8_t **out, size_t *n)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (fd != STDIN_FILENO) close(fd);
        return EISDIR;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    int err = buf ? 0 : ENOMEM;
    while (!err) {
        if (len + 1 >= cap) {
            /* Keep room for one byte past max, to tell "exactly max" from "more". */
            size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
            if (ncap <= cap) { err = EFBIG; break; }
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) { err = ENOMEM; break; }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r < 0) {
            if (errno == EINTR) continue;
            err = errno;
        } else if (r == 0) {
            break;
        } else {
            len += (size_t)r;
            if (len > max) err = EFBIG;
        }
    }
    if (fd != STDIN_FILENO) close(fd);
    if (err) {
        free(buf);
        return err;
    }
    buf[len] = 0;
    *out = buf;
    *n = len;
    return 0;
}

int cli_file_write(const char *path, const uint8_t *data, size_t n)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) return ENOMEM;
    snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC), err = 0;
    if (fd < 0) {
        err = errno;
        free(tmp);
        return err;
    }
    for (size_t off = 0; off < n && !err;) {
        ssize_t w = write(fd, data + off, n - off);
        if (w < 0 && errno != EINTR) err = errno;
        if (w > 0) off += (size_t)w;
    }
    if (!err && fchmod(fd, 0644) != 0) err = errno;
    if (close(fd) != 0 && !err) err = errno;
    if (!err && rename(tmp, path) != 0) err = errno;
    if (err) unlink(tmp);
    free(tmp);
    return err;
}

char *cli_path_join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    int slash = dl > 0 && dir[dl - 1] != '/';
    char *p = malloc(dl + slash + nl + 1);
    if (!p) return NULL;
    memcpy(p, dir, dl);
    if (slash) p[dl] = '/';
    memcpy(p + dl + slash, name, nl + 1);
    return p;
}
