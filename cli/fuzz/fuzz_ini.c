/* fuzz_ini.c - ~/.aws/credentials and ~/.aws/config are user files: any
 * bytes must parse without a crash. The first byte picks the section and
 * key asked for, so lookups hit as well as miss. */
#include "cli.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const sections[] = { "default", "profile dev", "", "a" };
    static const char *const keys[] = { "aws_access_key_id", "region", "", "k" };
    if (size == 0) return 0;
    const char *section = sections[data[0] & 3], *key = keys[(data[0] >> 2) & 3];
    free(cli_ini_get((const char *)data + 1, size - 1, section, key));
    return 0;
}
