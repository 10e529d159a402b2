/* run_tool.h - runs an independent reference tool (cast, python3) from a test
 * and captures its standard output. Shared by the libeth tests. */
#ifndef FAAS_ETH_TESTS_RUN_TOOL_H
#define FAAS_ETH_TESTS_RUN_TOOL_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs argv (argv[0] searched in PATH) with stdin from /dev/null; returns its
 * stdout with trailing whitespace cut (caller frees), or NULL when it could
 * not run or exited non-zero (its stderr is passed through for the log). */
static inline char *run_tool(char *const argv[])
{
    int fd[2];
    if (pipe(fd) != 0) return NULL;
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return NULL;
    }
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0, cap = 4096;
    char *out = malloc(cap);
    for (;;) {
        if (out && len + 1 >= cap) {
            char *bigger = realloc(out, cap * 2);
            if (!bigger) {
                free(out);
                out = NULL;
            } else {
                out = bigger;
                cap *= 2;
            }
        }
        char sink[256];
        ssize_t r = out ? read(fd[0], out + len, cap - len - 1) : read(fd[0], sink, sizeof sink);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        if (out) len += (size_t)r;
    }
    close(fd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        free(out);
        return NULL;
    }
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' ' || out[len - 1] == '\r')) len--;
    out[len] = '\0';
    return out;
}

#endif
