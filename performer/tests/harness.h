/* harness.h - what the performer tests share: bundles built from inline
 * files or from examples/, one call through whichever executor a test file
 * chose (spawn-per-call or a performer), and the behaviour cases that every
 * executor must pass (the seed README's examples, the envelope, input
 * decoding, determinism). Each test file lists the shared cases it runs. */
#ifndef FAAS_PERF_TEST_HARNESS_H
#define FAAS_PERF_TEST_HARNESS_H

#include "performer.h"
#include "test.h"

typedef struct {
    const char *name;
    const char *content;
} pt_file;

/* Runs one invocation: the test file's choice of executor. */
typedef perf_err (*pt_exec_fn)(const bundle_info *b, const uint8_t *tar, size_t tar_len, const perf_task *t,
                               perf_result *r);
extern pt_exec_fn pt_exec;

/* A fresh cache in a fresh temporary directory (removed by pt_cleanup). */
bundle_cache *pt_cache(void);
void pt_cleanup(void);

/* A bundle for runtime ("javascript"/"python") with the given files (the
 * manifest is added), packed and added to the cache. *tar (may be NULL)
 * receives the tarball (caller frees). 0 on success. */
int pt_bundle(const char *runtime, const pt_file *files, size_t n, bundle_info *out, uint8_t **tar, size_t *tar_len);
/* The same for examples/<name>. */
int pt_example(const char *name, bundle_info *out, uint8_t **tar, size_t *tar_len);

/* Calls b with input (n bytes), task id byte `task` repeated, timestamp ts
 * and the given limits (NULL: defaults). Returns the result bytes as a
 * NUL-terminated string (caller frees) and the outcome, or NULL on a perf_err. */
char *pt_call(const bundle_info *b, const uint8_t *tar, size_t tar_len, const void *input, size_t n, uint8_t task,
              uint64_t ts, const perf_limits *lim, perf_outcome *outcome);
/* pt_call with a NUL-terminated input, task 1 and the README's timestamp. */
char *pt_call_str(const bundle_info *b, const char *input, perf_outcome *outcome);
/* An inline function's result in one call: pt_bundle + pt_call_str. */
char *pt_run(const char *runtime, const char *code, const char *input, perf_outcome *outcome);

/* Checks that result (freed here) is exactly `want` and the outcome `o`. */
#define PT_EXPECT(result, o, want) pt_expect(__FILE__, __LINE__, result, &(o), want)
void pt_expect(const char *file, int line, char *result, const perf_outcome *got, const char *want);

/* 2025-01-01T12:00:00Z, the timestamp in the seed README's example output. */
#define PT_README_TS 1735732800ull

/* The shared behaviour cases (see harness.c). */
void test_readme_js_hello(void);
void test_readme_js_advanced(void);
void test_readme_python(void);
void test_readme_error(void);
void test_readme_binary_input(void);
void test_envelope_failures_js(void);
void test_envelope_failures_python(void);
void test_input_decoding(void);
void test_logs_capped(void);
void test_deterministic_clock_and_random(void);
void test_same_json_from_both_runtimes(void);
void test_timeout(void);
void test_bundled_dependencies(void);

#define PT_SHARED_CASES \
    TEST(readme_js_hello), TEST(readme_js_advanced), TEST(readme_python), TEST(readme_error), \
    TEST(readme_binary_input), TEST(envelope_failures_js), TEST(envelope_failures_python), TEST(input_decoding), \
    TEST(logs_capped), TEST(deterministic_clock_and_random), TEST(same_json_from_both_runtimes), TEST(timeout), \
    TEST(bundled_dependencies)

#endif
