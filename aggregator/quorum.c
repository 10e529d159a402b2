/* quorum.c - answers grouped by exact result bytes (messageHash binds the
 * result, so only identical results aggregate), with the stake threshold of
 * BN254CertificateVerifier.verifyCertificateProportion:
 *   threshold = totalWeights[0] * bps / 10000 (floor), met when signed >= threshold
 * (hourglass-protocol.md §3.2, §4.6). */
#include "aggregator.h"

#include <stdlib.h>
#include <string.h>

#define BPS_DENOMINATOR 10000
#define REJECTED SIZE_MAX

typedef struct {
    uint8_t hash[32];   /* keccak256(result), for a quick comparison */
    uint8_t *result;
    size_t len;
    eth_u256 weight;
} group;

struct agg_quorum {
    const agg_table *t;
    eth_u256 threshold;
    size_t *group_of;   /* per operator: group index + 1, 0 = no answer, REJECTED */
    group *groups;
    size_t n_groups;
};

/* q = a / d for a small divisor (schoolbook long division, base 256). */
static void u256_div_small(eth_u256 *q, const eth_u256 *a, uint32_t d)
{
    uint32_t rem = 0;
    for (int i = 0; i < 32; i++) {
        uint32_t cur = (rem << 8) | a->b[i];
        q->b[i] = (uint8_t)(cur / d);
        rem = cur % d;
    }
}

agg_err agg_threshold(eth_u256 *out, const eth_u256 *total, uint16_t bps)
{
    if (bps > BPS_DENOMINATOR) return AGG_ERR_ARG;
    eth_u256 prod;
    /* Solidity 0.8 checks the multiplication: an overflow reverts. */
    if (eth_u256_mul_u64(&prod, total, bps)) return AGG_ERR_RANGE;
    u256_div_small(out, &prod, BPS_DENOMINATOR);
    return AGG_OK;
}

agg_err agg_quorum_new(agg_quorum **out, const agg_table *t, uint16_t bps)
{
    *out = NULL;
    agg_quorum *q = calloc(1, sizeof *q);
    if (!q) return AGG_ERR_NOMEM;
    q->t = t;
    agg_err e = agg_threshold(&q->threshold, &t->total_weight, bps);
    q->group_of = calloc(t->n, sizeof *q->group_of);
    q->groups = calloc(t->n, sizeof *q->groups); /* at most one group per operator */
    if (!e && (!q->group_of || !q->groups)) e = AGG_ERR_NOMEM;
    if (e) {
        agg_quorum_free(q);
        return e;
    }
    *out = q;
    return AGG_OK;
}

void agg_quorum_free(agg_quorum *q)
{
    if (!q) return;
    for (size_t i = 0; i < q->n_groups; i++) free(q->groups[i].result);
    free(q->groups);
    free(q->group_of);
    free(q);
}

const eth_u256 *agg_quorum_threshold(const agg_quorum *q) { return &q->threshold; }

agg_err agg_quorum_add(agg_quorum *q, size_t op, const uint8_t *result, size_t n, size_t *group_index, int *reached)
{
    if (op >= q->t->n) return AGG_ERR_ARG;
    if (q->group_of[op]) return AGG_ERR_DUPLICATE;
    uint8_t h[32];
    eth_keccak256(h, result, n);
    size_t g = 0;
    while (g < q->n_groups && !(q->groups[g].len == n && memcmp(q->groups[g].hash, h, 32) == 0 &&
                                (n == 0 || memcmp(q->groups[g].result, result, n) == 0)))
        g++;
    if (g == q->n_groups) {
        group *ng = &q->groups[g];
        memset(ng, 0, sizeof *ng);
        if (n) {
            ng->result = malloc(n);
            if (!ng->result) return AGG_ERR_NOMEM;
            memcpy(ng->result, result, n);
        }
        memcpy(ng->hash, h, 32);
        ng->len = n;
        q->n_groups++;
    }
    /* Cannot overflow: the table's total of all weights fits. */
    (void)eth_u256_add(&q->groups[g].weight, &q->groups[g].weight, &q->t->ops[op].weight);
    q->group_of[op] = g + 1;
    *group_index = g;
    *reached = eth_u256_cmp(&q->groups[g].weight, &q->threshold) >= 0;
    return AGG_OK;
}

agg_err agg_quorum_reject(agg_quorum *q, size_t op, int *reached)
{
    if (op >= q->t->n || !q->group_of[op] || q->group_of[op] == REJECTED) return AGG_ERR_ARG;
    size_t g = q->group_of[op] - 1;
    q->group_of[op] = REJECTED;
    /* The group's weight again from its remaining members (no subtraction needed). */
    eth_u256 w = { { 0 } };
    for (size_t i = 0; i < q->t->n; i++)
        if (q->group_of[i] == g + 1) (void)eth_u256_add(&w, &w, &q->t->ops[i].weight);
    q->groups[g].weight = w;
    *reached = eth_u256_cmp(&w, &q->threshold) >= 0;
    return AGG_OK;
}

size_t agg_quorum_groups(const agg_quorum *q) { return q->n_groups; }

const uint8_t *agg_quorum_result(const agg_quorum *q, size_t g, size_t *n)
{
    *n = q->groups[g].len;
    return q->groups[g].result;
}

const eth_u256 *agg_quorum_weight(const agg_quorum *q, size_t g) { return &q->groups[g].weight; }

int agg_quorum_is_signer(const agg_quorum *q, size_t g, size_t op) { return op < q->t->n && q->group_of[op] == g + 1; }
