/* file.c - whole-file reads with a cap, atomic writes, path joining. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

cli_err cli_read_input(uint8_t **buf, size_t *n, const cli_args *a, size_t pos, cli_diag *d)
{
    const char *arg = a->n_pos > pos ? a->pos[pos] : NULL, *file = a->value[CLI_FLAG_INPUT_FILE];
    *buf = NULL;
    *n = 0;
    if (arg && file) return cli_diag_set(d, CLI_ERR_USAGE, "give the input either as an argument or with --input-file");
    if (!arg && !file)
        return cli_diag_set(d, CLI_ERR_USAGE, "%s needs an input: an argument, --input-file FILE, or - for stdin",
                            cli_cmd_name(a->cmd));
    if (arg && strcmp(arg, "-") != 0) {
        *n = strlen(arg);
        if (*n > CLI_MAX_INPUT) return cli_diag_set(d, CLI_ERR_IO, "the input is larger than %zu bytes", CLI_MAX_INPUT);
        *buf = (uint8_t *)strdup(arg);
        return *buf ? CLI_OK : cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    }
    const char *path = arg ? "-" : file;
    int err = cli_file_read(path, CLI_MAX_INPUT, buf, n);
    if (err == EFBIG) return cli_diag_set(d, CLI_ERR_IO, "the input is larger than %zu bytes", CLI_MAX_INPUT);
    if (err) return cli_diag_set(d, CLI_ERR_IO, "cannot read the input from %s: %s",
                                 strcmp(path, "-") == 0 ? "stdin" : path, strerror(err));
    return CLI_OK;
}

cli_err cli_temp_dir(char **out, const char *what, cli_diag *d)
{
    const char *tmp = getenv("TMPDIR");
    char name[64];
    snprintf(name, sizeof name, "faas-cli-%s-XXXXXX", what);
    *out = cli_path_join(tmp && *tmp ? tmp : "/tmp", name);
    if (!*out) return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    if (mkdtemp(*out)) return CLI_OK;
    cli_err e = cli_diag_set(d, CLI_ERR_IO, "cannot create a temporary directory: %s", strerror(errno));
    free(*out);
    *out = NULL;
    return e;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

void cli_remove_tree(char *path)
{
    if (path) nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS);
    free(path);
}

