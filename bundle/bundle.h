/* bundle.h - function bundles: verify, extract safely, cache by id, pack.
 *
 * A bundle (SPEC §3) is a gzipped tar with `manifest.json` at its root,
 * {"runtime": "javascript" | "python"}, and the runtime's entry file
 * (`index.js` exporting `handler`, or `handler.py` defining `handler`).
 * Its function id is keccak-256 of the tarball bytes.
 *
 * The cache is one directory with a subdirectory per function id, named by
 * the id's 64 lowercase hex digits and holding the extracted tree. A bundle
 * is extracted once, into a private temporary directory inside the cache,
 * checked, and renamed into place, so a directory named by an id is always
 * complete. Hostile tarballs are rejected before anything lands outside that
 * temporary directory: absolute or ".." paths, symlinks that lead outside
 * the bundle, hard links, devices, FIFOs, sockets, setuid/setgid bits, more
 * than a set number of entries or uncompressed bytes (gzip bombs), and a
 * missing or invalid manifest or entry file.
 *
 * Extracted trees are normalised: files 0644 (0755 if any execute bit was
 * set), directories 0755, owned by the extracting user; modification times
 * come from the tarball, so every operator sees the same tree.
 *
 * Conventions: functions return bundle_err (BUNDLE_OK == 0); bundle_strerror()
 * names each code. Functions that can fail on hostile input also fill an
 * optional `detail` buffer (BUNDLE_DETAIL_MAX bytes, may be NULL) with a
 * one-line explanation naming the offending entry. A bundle_cache may be used
 * from several threads at once.
 */
#ifndef FAAS_BUNDLE_H
#define FAAS_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    BUNDLE_OK = 0,
    BUNDLE_ERR_ARG,             /* invalid argument (API misuse) */
    BUNDLE_ERR_NOMEM,           /* out of memory */
    BUNDLE_ERR_IO,              /* the cache directory could not be read or written */
    BUNDLE_ERR_ID_MISMATCH,     /* keccak-256 of the tarball is not the expected function id */
    BUNDLE_ERR_FORMAT,          /* not a gzipped tar, or corrupt or truncated */
    BUNDLE_ERR_PATH,            /* absolute, "..", empty or over-long entry name */
    BUNDLE_ERR_LINK,            /* hard link, or a symlink leading outside the bundle */
    BUNDLE_ERR_TYPE,            /* device, FIFO, socket or other special file */
    BUNDLE_ERR_MODE,            /* setuid or setgid bit */
    BUNDLE_ERR_DUPLICATE,       /* the same path twice, or a path through a file */
    BUNDLE_ERR_TOO_MANY_FILES,  /* more entries than bundle_limits.max_files */
    BUNDLE_ERR_TOO_BIG,         /* over bundle_limits.max_compressed or max_total */
    BUNDLE_ERR_MANIFEST,        /* manifest.json missing, not a regular file, or invalid */
    BUNDLE_ERR_RUNTIME,         /* manifest names a runtime other than javascript/python */
    BUNDLE_ERR_ENTRY,           /* the runtime's entry file is missing or not a file */
    BUNDLE_ERR_NOT_FOUND,       /* no bundle with this id in the cache */
    BUNDLE_ERR__COUNT
} bundle_err;

/* Static one-line message for e; never NULL. */
const char *bundle_strerror(bundle_err e);

#define BUNDLE_DETAIL_MAX 256

typedef enum {
    BUNDLE_RUNTIME_JAVASCRIPT = 0,  /* Node.js, entry index.js */
    BUNDLE_RUNTIME_PYTHON = 1,      /* CPython, entry handler.py */
    BUNDLE_RUNTIME__COUNT
} bundle_runtime;

/* "javascript" / "python"; NULL for an invalid value. */
const char *bundle_runtime_name(bundle_runtime r);
/* "index.js" / "handler.py"; NULL for an invalid value. */
const char *bundle_runtime_entry(bundle_runtime r);

/* Caps on what a bundle may hold. A zero field means the default below. */
typedef struct {
    size_t max_compressed;  /* tarball bytes */
    size_t max_total;       /* sum of the sizes of all files once extracted */
    size_t max_files;       /* entries of any type */
    size_t max_path;        /* bytes in one entry name */
} bundle_limits;

#define BUNDLE_DEFAULT_MAX_COMPRESSED ((size_t)64 << 20)
#define BUNDLE_DEFAULT_MAX_TOTAL ((size_t)256 << 20)
#define BUNDLE_DEFAULT_MAX_FILES ((size_t)20000)
#define BUNDLE_DEFAULT_MAX_PATH ((size_t)1024)
/* Fills every zero field of *lim with its default. */
void bundle_limits_default(bundle_limits *lim);

/* manifest.json is read whole; it is a few bytes in practice. */
#define BUNDLE_MANIFEST_MAX ((size_t)64 << 10)

/* The function id of a tarball: keccak-256 of its bytes (SPEC §3). */
void bundle_id(uint8_t id[32], const void *tarball, size_t n);

/* Parses manifest.json text (n bytes, need not be NUL-terminated): a JSON
 * object whose "runtime" is "javascript" or "python"; other keys are ignored.
 * BUNDLE_ERR_MANIFEST for anything that is not such an object, with
 * BUNDLE_ERR_RUNTIME for an unknown runtime. */
bundle_err bundle_manifest_parse(bundle_runtime *out, const char *json, size_t n, char *detail);

/* ------------------------------------------------------------------------ */
/* The content-addressed cache                                                */

typedef struct bundle_cache bundle_cache;

typedef struct {
    uint8_t id[32];
    char hex[65];           /* the id as 64 lowercase hex digits (no 0x), NUL-terminated */
    bundle_runtime runtime;
    char path[4096];        /* absolute path of the extracted tree */
} bundle_info;

/* Opens (creating with mode 0700 if needed) the cache directory `dir`.
 * lim may be NULL (defaults). *out is freed with bundle_cache_close. */
bundle_err bundle_cache_open(bundle_cache **out, const char *dir, const bundle_limits *lim);
void bundle_cache_close(bundle_cache *c);
/* The cache's canonical absolute path (symlinks resolved); owned by c. */
const char *bundle_cache_path(const bundle_cache *c);

/* Verifies and adds a tarball. When expect_id is not NULL the tarball's id
 * must equal it (BUNDLE_ERR_ID_MISMATCH otherwise, nothing written). When the
 * id is already cached nothing is extracted and *added (may be NULL) is 0;
 * otherwise the bundle is extracted, checked and renamed into place and
 * *added is 1. On any error nothing of this bundle remains in the cache. */
bundle_err bundle_cache_add(bundle_cache *c, const uint8_t *tarball, size_t n,
                            const uint8_t *expect_id, bundle_info *out, int *added, char *detail);
/* Looks up a cached bundle: BUNDLE_ERR_NOT_FOUND if absent. */
bundle_err bundle_cache_get(bundle_cache *c, const uint8_t id[32], bundle_info *out);
/* Deletes a cached bundle (a no-op if absent). */
bundle_err bundle_cache_remove(bundle_cache *c, const uint8_t id[32]);

/* ------------------------------------------------------------------------ */
/* Packing                                                                    */

/* Packs the directory `dir` into a gzipped tar, reproducibly: entries in
 * byte order of their names, regular files, directories and symlinks only,
 * modes normalised as above, owner 0, mtime 0, no gzip timestamp. So the
 * same tree always gives the same function id. Fails with BUNDLE_ERR_TYPE on
 * special files and BUNDLE_ERR_TOO_BIG past `lim` (NULL: defaults). On
 * success *out (caller frees with free()) holds *n bytes. The tree is not
 * checked for a manifest: bundle_cache_add does that. */
bundle_err bundle_pack_dir(const char *dir, const bundle_limits *lim, uint8_t **out, size_t *n,
                           char *detail);

#ifdef __cplusplus
}
#endif
#endif
