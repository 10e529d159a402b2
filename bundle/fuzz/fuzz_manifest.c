/* Fuzz target: manifest parsing accepts exactly the two runtimes. */
#include "bundle.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bundle_runtime rt = BUNDLE_RUNTIME__COUNT;
    char detail[BUNDLE_DETAIL_MAX];
    if (bundle_manifest_parse(&rt, (const char *)data, size, detail) == BUNDLE_OK) {
        const char *name = bundle_runtime_name(rt);
        if (!name || !memmem(data, size, name, strlen(name))) abort();
    }
    return 0;
}
