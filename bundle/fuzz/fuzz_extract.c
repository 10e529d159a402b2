/* Fuzz target: any bytes given as a bundle are either extracted into the
 * cache (and then removable) or refused with an error code; never a crash,
 * a leak, or a file written outside the cache. */
#include "bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bundle_cache *cache;
    static char dir[] = "/tmp/faas-fuzz-bundle-XXXXXX";
    if (!cache) {
        /* Small limits keep each run fast and make them reachable. */
        bundle_limits lim = {.max_compressed = 1 << 20, .max_total = 4 << 20, .max_files = 64, .max_path = 128};
        if (!mkdtemp(dir) || bundle_cache_open(&cache, dir, &lim) != BUNDLE_OK) abort();
    }
    bundle_info info;
    char detail[BUNDLE_DETAIL_MAX];
    bundle_err err = bundle_cache_add(cache, data, size, NULL, &info, NULL, detail);
    if (err == BUNDLE_OK) {
        if (bundle_cache_remove(cache, info.id) != BUNDLE_OK) abort();
    } else if (strlen(bundle_strerror(err)) == 0) {
        abort();
    }
    return 0;
}
