/* cert.c - abi.encode(BN254Certificate) (hourglass-protocol.md §3.1): the
 * signers' aggregate signature and G2 key, and a witness for every
 * non-signer in increasing operatorIndex (the verifier requires strictly
 * increasing indices) with its Merkle proof and operator info. */
#include "aggregator.h"

#include <stdlib.h>

static json_t *word(const uint8_t w[32]) { return eth_json_from_data(w, 32); }

/* A G2 point in EVM order x.c1 x.c0 y.c1 y.c0 as G2Point{X[2], Y[2]} with
 * X[0] = x.c1 (imaginary part first, EIP-197), which is exactly the byte order. */
static json_t *g2_json(const uint8_t p[128])
{
    return json_pack("[[o,o],[o,o]]", word(p), word(p + 32), word(p + 64), word(p + 96));
}

agg_err agg_cert_encode(eth_buf *out, const agg_cert *c, const agg_table *t, const uint8_t *is_signer)
{
    json_t *witnesses = json_array();
    if (!witnesses) return AGG_ERR_NOMEM;
    uint8_t proof[32 * 32];
    for (size_t i = 0; i < t->n; i++) {
        if (is_signer[i]) continue;
        size_t plen;
        agg_table_proof(t, i, proof, &plen);
        json_t *w = json_pack("[I,o,[[o,o],[o]]]", (json_int_t)i, eth_json_from_data(proof, plen), word(t->ops[i].g1),
                              word(t->ops[i].g1 + 32), word(t->ops[i].weight.b));
        if (!w || json_array_append_new(witnesses, w)) {
            json_decref(witnesses);
            return AGG_ERR_NOMEM;
        }
    }
    json_t *args = json_pack("[[I,o,[o,o],o,o]]", (json_int_t)c->reference_timestamp, word(c->message_hash),
                             word(c->signature), word(c->signature + 32), g2_json(c->apk), witnesses);
    if (!args) return AGG_ERR_NOMEM;
    eth_err e = eth_abi_encode(out, "(" AGG_CERT_ABI_TYPE ")", args);
    json_decref(args);
    return e == ETH_OK ? AGG_OK : e == ETH_ERR_NOMEM ? AGG_ERR_NOMEM : AGG_ERR_ABI;
}
