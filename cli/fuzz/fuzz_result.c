/* fuzz_result.c - the result bytes of a TaskVerified event come from the
 * chain: parsing and printing them must never crash, whatever they hold. */
#include "cli.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink) sink = fopen("/dev/null", "w");
    cli_result r;
    cli_diag d;
    if (cli_result_parse(&r, data, size, &d) == CLI_OK) {
        cli_result_print(sink, &r);
        cli_result_free(&r);
    }
    return 0;
}
