/* fuzz_s3_error.c - an S3 server's error body is untrusted input. */
#include "cli.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char code[64], msg[64];
    cli_s3_error_fields((const char *)data, size, code, msg, sizeof code);
    if (strlen(code) >= sizeof code || strlen(msg) >= sizeof msg) __builtin_trap();
    return 0;
}
