/* err.c - error messages, secret wiping and the capped byte buffer. */
#include "eth.h"

#include <stdlib.h>
#include <string.h>

static const char *const messages[ETH_ERR__COUNT] = {
    [ETH_OK] = "success",
    [ETH_ERR_ARG] = "invalid argument",
    [ETH_ERR_NOMEM] = "out of memory",
    [ETH_ERR_TOO_BIG] = "input or buffer exceeds its size limit",
    [ETH_ERR_HEX] = "malformed hex string",
    [ETH_ERR_RLP] = "malformed RLP",
    [ETH_ERR_ABI] = "ABI type or data does not parse",
    [ETH_ERR_KEY] = "invalid key or address",
    [ETH_ERR_SIG] = "invalid signature",
    [ETH_ERR_JSON] = "malformed or unexpected JSON",
    [ETH_ERR_TRANSPORT] = "cannot reach the node",
    [ETH_ERR_RPC] = "the node returned an error",
    [ETH_ERR_REVERT] = "execution reverted",
    [ETH_ERR_TIMEOUT] = "timed out",
    [ETH_ERR_NOT_FOUND] = "not found",
};

const char *eth_strerror(eth_err e)
{
    if ((unsigned)e >= ETH_ERR__COUNT || !messages[e]) return "unknown error";
    return messages[e];
}

void eth_wipe(void *p, size_t n)
{
    /* A volatile function pointer keeps the compiler from proving the store dead. */
    static void *(*const volatile memset_v)(void *, int, size_t) = memset;
    memset_v(p, 0, n);
}

void eth_buf_init(eth_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max ? max : ETH_BUF_MAX_DEFAULT;
}

void eth_buf_free(eth_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static eth_err buf_reserve(eth_buf *b, size_t n)
{
    if (n > b->max - b->len) return ETH_ERR_TOO_BIG;
    size_t need = b->len + n;
    if (need <= b->cap) return ETH_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap > b->max / 2 ? b->max : cap * 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) return ETH_ERR_NOMEM;
    b->data = d;
    b->cap = cap;
    return ETH_OK;
}

eth_err eth_buf_append(eth_buf *b, const void *p, size_t n)
{
    eth_err e = buf_reserve(b, n);
    if (e) return e;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return ETH_OK;
}

eth_err eth_buf_append_zeros(eth_buf *b, size_t n)
{
    eth_err e = buf_reserve(b, n);
    if (e) return e;
    if (n) memset(b->data + b->len, 0, n);
    b->len += n;
    return ETH_OK;
}
