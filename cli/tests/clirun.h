/* clirun.h - runs bin/faas-cli as a user would and captures what it prints;
 * and what the CLI tests share besides: reading its output, and the S3
 * servers they upload to. */
#ifndef FAAS_CLI_TESTS_CLIRUN_H
#define FAAS_CLI_TESTS_CLIRUN_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

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

/* clirun against the network whose FAAS_HOME is home (a devnet's): only its
 * config file counts (every FAAS_* setting of the environment is removed),
 * env adds to that (may be NULL). */
int clirun_home(struct clirun *r, const char *home, const char *const *args, const char *const *env, const void *in,
                size_t n);
/* `deploy-function [flags] dir` there (flags NULL-terminated, may be NULL,
 * env as above): 0 with the function id ("0x" + 64 hex digits) in id, or -1
 * with what it printed on stderr. */
int clirun_deploy(const char *home, const char *const *flags, const char *const *env, const char *dir, char id[67]);
/* From call-function's (or task's) text output: the value printed after
 * "Function Result:" (caller decrefs; NULL when none), and the lines after
 * "Function Logs:" as an array of strings (always an array). */
json_t *clirun_result(const char *out);
json_t *clirun_logs(const char *out);

/* A fresh temporary directory (caller frees the string; clirun_rmrf removes). */
char *clirun_tmpdir(void);
void clirun_rmrf(const char *path);
/* Writes a file (parents must exist). Returns 0 or -1. */
int clirun_write(const char *dir, const char *name, const char *content);
/* The line of text starting with prefix (copied into buf), or NULL. */
const char *clirun_line(const char *text, const char *prefix, char *buf, size_t cap);
/* What follows prefix on that line (copied into buf), or NULL. */
const char *clirun_value(const char *text, const char *prefix, char *buf, size_t cap);
/* tmpl with each "{name}" in it replaced by its value (names NULL-terminated,
 * names[i] -> values[i]), into out (cap bytes, cut to fit). */
void clirun_expand(char *out, size_t cap, const char *tmpl, const char *const *names, const char *const *values);
/* 1 when stderr is exactly one line, starting with prefix. */
int clirun_err_line(const struct clirun *r, const char *prefix);
/* NULL when lines starting with each of the n prefixes appear in text in
 * this order; else the first prefix missing (or out of order). */
const char *clirun_missing(const char *text, const char *const *prefixes, size_t n);

/* s3rver (npm, pinned) on a free loopback port, storing under data_dir, with
 * bucket made; it accepts the access key S3RVER (secret S3RVER) and does not
 * check signatures. endpoint gets "http://127.0.0.1:<port>". Returns its pid
 * (stop it with test_kill), or -1. */
pid_t clirun_s3rver_start(const char *data_dir, const char *bucket, char *endpoint, size_t cap);
/* cli/tests/sigv4_server.py: answers a PUT 200 only when its AWS SigV4
 * signature by key_id/secret checks out, else 403 with S3's error codes.
 * As clirun_s3rver_start otherwise. */
pid_t clirun_sigv4_start(const char *key_id, const char *secret, char *endpoint, size_t cap);

#endif
