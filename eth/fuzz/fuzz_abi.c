/* Fuzz target: ABI decoding of hostile bytes. The first byte picks one of a
 * few fixed types (static, dynamic, nested dynamic, the BN254 certificate);
 * the rest is decoded. Whatever is accepted must re-encode to exactly the
 * bytes it came from (strict mode: no other encoding is accepted; trailing
 * bytes are ignored, so the re-encoding is a prefix). The same bytes also go
 * through the revert describer, which must always produce a line. */
#include "eth.h"

#include <stdlib.h>
#include <string.h>

static const char *const types[] = {
    "(address,bool,bytes3,int256,uint96,int8)",
    "(bytes32,bytes,bytes)",
    "(string[],(uint8,bytes)[2],int16[][])",
    "((uint32,bytes32,(uint256,uint256),(uint256[2],uint256[2]),(uint32,bytes,((uint256,uint256),uint256[]))[]))",
    "((bytes,(string,uint256[])[])[3],bool[][2])",
};

static const char *const custom_errors[] = { "InvalidTaskStatus(uint8,uint8)", "Oops(string,(bytes,int32)[])", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    const char *ty = types[data[0] % (sizeof types / sizeof types[0])];
    json_t *v = NULL;
    if (eth_abi_decode(&v, ty, data + 1, size - 1) == ETH_OK) {
        eth_buf b;
        eth_buf_init(&b, 0);
        if (eth_abi_encode(&b, ty, v) != ETH_OK) abort();
        if (b.len > size - 1 || memcmp(b.data, data + 1, b.len) != 0) abort();
        eth_buf_free(&b);
        json_decref(v);
    }
    char *why = eth_abi_describe_revert(data + 1, size - 1, custom_errors);
    if (!why || strchr(why, '\n')) abort();
    free(why);
    return 0;
}
