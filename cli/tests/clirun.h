/* clirun.h - runs bin/faas-cli as a user would and captures what it prints. */
#ifndef FAAS_CLI_TESTS_CLIRUN_H
#define FAAS_CLI_TESTS_CLIRUN_H

#include <stddef.h>

struct clirun {
    int status;         /* exit status, or 128+signal */
    char *out, *err;    /* stdout, stderr (NUL-terminated, owned) */
    size_t out_len, err_len;
};

/* Runs bin/faas-cli with args (NULL-terminated), with env (NULL-terminated
 * "NAME=value" entries added to, or "NAME" removed from, the current
 * environment; may be NULL), stdin from in (n bytes; NULL: /dev/null), in
 * cwd (NULL: the current directory). Returns 0, or -1 if it could not run. */
int clirun(struct clirun *r, const char *const *args, const char *const *env, const void *in, size_t n,
           const char *cwd);
void clirun_free(struct clirun *r);

/* A fresh temporary directory (caller frees the string; clirun_rmrf removes). */
char *clirun_tmpdir(void);
void clirun_rmrf(const char *path);
/* Writes a file (parents must exist). Returns 0 or -1. */
int clirun_write(const char *dir, const char *name, const char *content);
/* The line of text starting with prefix (copied into buf), or NULL. */
const char *clirun_line(const char *text, const char *prefix, char *buf, size_t cap);

#endif
