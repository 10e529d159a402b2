/* cgroup.c - memory and process limits through cgroup v1 (see sandbox.h).
 *
 * Each sandbox_cgroup is one directory in the memory hierarchy and one in
 * the pids hierarchy. New cgroups nest under the caller's own ones (read
 * from /proc/self/cgroup), so whatever accounts for the performer keeps
 * accounting for its functions. A process joins by writing "0" (itself) to
 * the cgroup.procs files, which a zygote child can do with fds it was given
 * even though no /sys exists in its root.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { MEMORY, PIDS, NCTL };
static const char *const controllers[NCTL] = {"memory", "pids"};

struct sandbox_cgroup {
    char dir[NCTL][PATH_MAX];
    int procs[NCTL];
};

/* 1 if the comma-separated list has the token. */
static int has_token(const char *list, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, token, n) == 0 && (p[n] == ',' || p[n] == '\0' || p[n] == '\n')) return 1;
    return 0;
}

/* The directory of the caller's own cgroup in controller ctl's v1
 * hierarchy: its mount point plus its path there (/proc/self/cgroup), less
 * the mount's own root when a sub-cgroup is what is mounted. */
static int own_dir(int ctl, char out[PATH_MAX])
{
    char line[1024], mnt[PATH_MAX] = "", mroot[PATH_MAX] = "", path[PATH_MAX] = "";
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        /* id parent major:minor root mountpoint options... - fstype source superoptions */
        char root[PATH_MAX], point[PATH_MAX], fstype[32], super[512];
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2 ||
            sscanf(dash + 3, "%31s %*s %511s", fstype, super) != 2)
            continue;
        if (strcmp(fstype, "cgroup") == 0 && has_token(super, controllers[ctl])) {
            snprintf(mnt, sizeof mnt, "%s", point);
            snprintf(mroot, sizeof mroot, "%s", root);
            break;
        }
    }
    fclose(f);
    if (!mnt[0] || !(f = fopen("/proc/self/cgroup", "re"))) return -1;
    while (fgets(line, sizeof line, f)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2) continue;
        *c2 = '\0';
        if (!has_token(c1 + 1, controllers[ctl])) continue;
        c2[1 + strcspn(c2 + 1, "\n")] = '\0';
        snprintf(path, sizeof path, "%s", c2 + 1);
        break;
    }
    fclose(f);
    if (!path[0]) return -1;
    size_t rl = strcmp(mroot, "/") == 0 ? 0 : strlen(mroot);
    const char *rel = strncmp(path, mroot, rl) == 0 ? path + rl : path;
    return (size_t)snprintf(out, PATH_MAX, "%s%s", mnt, strcmp(rel, "/") == 0 ? "" : rel) < PATH_MAX ? 0 : -1;
}

static int write_file(const char *dir, const char *name, const char *value)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, value, strlen(value));
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)strlen(value) ? 0 : -1;
}

sandbox_err sandbox_cgroup_new(sandbox_cgroup **out, const sandbox_cgroup *parent, const char *name, char *detail)
{
    if (!out || !name || !*name || strchr(name, '/') || strlen(name) > 128) return SANDBOX_ERR_ARG;
    sandbox_cgroup *c = calloc(1, sizeof *c);
    if (!c) return SANDBOX_ERR_NOMEM;
    for (int i = 0; i < NCTL; i++) c->procs[i] = -1;
    for (int i = 0; i < NCTL; i++) {
        char base[PATH_MAX];
        if (parent) {
            snprintf(base, sizeof base, "%s", parent->dir[i]);
        } else if (own_dir(i, base) != 0) {
            if (detail) snprintf(detail, SANDBOX_DETAIL_MAX, "no cgroup v1 %s hierarchy mounted", controllers[i]);
            sandbox_cgroup_free(c);
            return SANDBOX_ERR_CGROUP;
        }
        char procs[PATH_MAX + 16];
        int fit = (size_t)snprintf(c->dir[i], PATH_MAX, "%s/%s", base, name) < PATH_MAX;
        snprintf(procs, sizeof procs, "%s/cgroup.procs", c->dir[i]);
        if (!fit || (mkdir(c->dir[i], 0755) != 0 && errno != EEXIST) ||
            (c->procs[i] = open(procs, O_WRONLY | O_CLOEXEC)) < 0) {
            if (detail) snprintf(detail, SANDBOX_DETAIL_MAX, "cgroup %.200s: %s", c->dir[i], strerror(errno));
            c->dir[i][0] = '\0';
            sandbox_cgroup_free(c);
            return SANDBOX_ERR_CGROUP;
        }
    }
    *out = c;
    return SANDBOX_OK;
}

sandbox_err sandbox_cgroup_limit(sandbox_cgroup *c, uint64_t memory_bytes, uint32_t procs)
{
    char v[32];
    if (!c) return SANDBOX_ERR_ARG;
    if (memory_bytes) {
        snprintf(v, sizeof v, "%" PRIu64, memory_bytes);
        if (write_file(c->dir[MEMORY], "memory.limit_in_bytes", v) != 0) return SANDBOX_ERR_CGROUP;
    }
    if (procs) {
        snprintf(v, sizeof v, "%" PRIu32, procs);
        if (write_file(c->dir[PIDS], "pids.max", v) != 0) return SANDBOX_ERR_CGROUP;
    }
    return SANDBOX_OK;
}

size_t sandbox_cgroup_procs(const sandbox_cgroup *c, const int **fds)
{
    *fds = c->procs;
    return NCTL;
}

uint64_t sandbox_cgroup_oom_kills(const sandbox_cgroup *c)
{
    char p[PATH_MAX + 32], line[128];
    snprintf(p, sizeof p, "%s/memory.oom_control", c->dir[MEMORY]);
    FILE *f = fopen(p, "re");
    uint64_t n = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "oom_kill %" SCNu64, &n) == 1) break;
    fclose(f);
    return n;
}

void sandbox_cgroup_free(sandbox_cgroup *c)
{
    if (!c) return;
    for (int i = 0; i < NCTL; i++) {
        if (c->procs[i] >= 0) close(c->procs[i]);
        if (c->dir[i][0]) rmdir(c->dir[i]);
    }
    free(c);
}
