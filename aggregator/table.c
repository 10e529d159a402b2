/* table.c - operator tables and their operator-info Merkle tree, bit for bit
 * as BN254CertificateVerifier and Merkle.sol (hourglass-protocol.md §3.2). */
#include "aggregator.h"

#include <stdlib.h>
#include <string.h>

const char *agg_strerror(agg_err e)
{
    static const char *const messages[AGG_ERR__COUNT] = {
        [AGG_OK] = "success",
        [AGG_ERR_ARG] = "invalid argument",
        [AGG_ERR_NOMEM] = "out of memory",
        [AGG_ERR_RANGE] = "arithmetic overflow",
        [AGG_ERR_DUPLICATE] = "operator already answered",
        [AGG_ERR_ABI] = "ABI encoding failed",
        [AGG_ERR_DB] = "aggregator store error",
        [AGG_ERR_NOT_FOUND] = "no such task",
        [AGG_ERR_CONFIG] = "invalid configuration",
        [AGG_ERR_START] = "service could not start",
    };
    if ((unsigned)e >= AGG_ERR__COUNT || !messages[e]) return "unknown error";
    return messages[e];
}

/* OPERATOR_INFO_LEAF_SALT of LeafCalculatorMixin. */
#define OPERATOR_INFO_LEAF_SALT 0x75

void agg_operator_leaf(uint8_t leaf[32], const uint8_t g1[64], const eth_u256 *weight)
{
    /* 0x75 || abi.encode(BN254OperatorInfo{pubkey, [weight]}): the struct is
     * dynamic (it holds uint256[]), so abi.encode starts with its offset 0x20;
     * inside it: X, Y, offset of weights (0x60), length 1, weight. */
    uint8_t buf[1 + 6 * 32] = { OPERATOR_INFO_LEAF_SALT };
    buf[1 + 31] = 0x20;
    memcpy(buf + 1 + 32, g1, 64);
    buf[1 + 3 * 32 + 31] = 0x60;
    buf[1 + 4 * 32 + 31] = 1;
    memcpy(buf + 1 + 5 * 32, weight->b, 32);
    eth_keccak256(leaf, buf, sizeof buf);
}

static void node_hash(uint8_t out[32], const uint8_t l[32], const uint8_t r[32])
{
    uint8_t both[64];
    memcpy(both, l, 32);
    memcpy(both + 32, r, 32);
    eth_keccak256(out, both, 64);
}

agg_err agg_table_init(agg_table *t, uint32_t reference_timestamp, exec_operator *ops, size_t n)
{
    memset(t, 0, sizeof *t);
    if (!ops || n == 0 || n > ((size_t)1 << 30)) {
        free(ops);
        return AGG_ERR_ARG;
    }
    t->reference_timestamp = reference_timestamp;
    t->ops = ops;
    t->n = n;
    for (size_t i = 0; i < n; i++) {
        if (eth_u256_add(&t->total_weight, &t->total_weight, &ops[i].weight)) {
            agg_table_free(t);
            return AGG_ERR_RANGE;
        }
    }
    t->width = 1;
    while (t->width < n) t->width <<= 1;
    /* Heap order: node 1 is the root, the leaves are width .. 2*width-1. */
    t->nodes = calloc(2 * t->width, 32);
    if (!t->nodes) {
        agg_table_free(t);
        return AGG_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) agg_operator_leaf(t->nodes[t->width + i], ops[i].g1, &ops[i].weight);
    for (size_t i = t->width - 1; i >= 1; i--) node_hash(t->nodes[i], t->nodes[2 * i], t->nodes[2 * i + 1]);
    memcpy(t->root, t->nodes[1], 32);
    return AGG_OK;
}

void agg_table_free(agg_table *t)
{
    free(t->ops);
    free(t->nodes);
    memset(t, 0, sizeof *t);
}

void agg_table_proof(const agg_table *t, size_t index, uint8_t *out, size_t *len)
{
    *len = 0;
    for (size_t pos = t->width + index; pos > 1; pos >>= 1) {
        memcpy(out + *len, t->nodes[pos ^ 1], 32);
        *len += 32;
    }
}
