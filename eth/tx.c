/* tx.c - legacy (EIP-155) and EIP-1559 transactions: signing hash and the
 * signed raw form.
 *
 * Legacy:   rlp([nonce, gasPrice, gas, to, value, data, v, r, s]), signed over
 *           rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]) with
 *           v = recid + 35 + 2 * chainId (EIP-155), or over the first six
 *           fields with v = 27 + recid when chainId is 0 (pre-EIP-155).
 * EIP-1559: 0x02 || rlp([chainId, nonce, maxPriorityFee, maxFee, gas, to,
 *           value, data, accessList, yParity, r, s]), signed over the same
 *           without the last three (EIP-2718 envelope, EIP-1559 payload). */
#include "eth.h"

#include <string.h>

#define TX_TYPE_1559 0x02
#define TX_BUF_MAX ETH_BUF_MAX_DEFAULT

static eth_err check_tx(const eth_tx *tx)
{
    if (tx->type != ETH_TX_LEGACY && tx->type != ETH_TX_EIP1559) return ETH_ERR_ARG;
    if (!tx->data && tx->data_len) return ETH_ERR_ARG;
    return ETH_OK;
}

/* A signature word as an RLP integer (leading zeros stripped). */
static eth_err put_sig_word(eth_buf *b, const uint8_t w[32])
{
    eth_u256 v;
    memcpy(v.b, w, 32);
    return eth_rlp_put_u256(b, &v);
}

/* Appends the transaction: the signing preimage when sig is NULL, else the
 * signed form with sig = r || s || recid. */
static eth_err encode(eth_buf *b, const eth_tx *tx, const uint8_t *sig)
{
    static const uint8_t type2 = TX_TYPE_1559;
    int legacy = tx->type == ETH_TX_LEGACY;
    size_t list, access_list;
    eth_err e = legacy ? ETH_OK : eth_buf_append(b, &type2, 1);
    if (!e) e = eth_rlp_list_begin(b, &list);
    if (!e && !legacy) e = eth_rlp_put_u64(b, tx->chain_id);
    if (!e) e = eth_rlp_put_u64(b, tx->nonce);
    if (!e && legacy) e = eth_rlp_put_u256(b, &tx->gas_price);
    if (!e && !legacy) e = eth_rlp_put_u256(b, &tx->max_priority_fee_per_gas);
    if (!e && !legacy) e = eth_rlp_put_u256(b, &tx->max_fee_per_gas);
    if (!e) e = eth_rlp_put_u64(b, tx->gas_limit);
    if (!e) e = eth_rlp_put_bytes(b, tx->to.addr, tx->has_to ? 20 : 0); /* empty: contract creation */
    if (!e) e = eth_rlp_put_u256(b, &tx->value);
    if (!e) e = eth_rlp_put_bytes(b, tx->data, tx->data_len);
    if (!e && !legacy) e = eth_rlp_list_begin(b, &access_list);
    if (!e && !legacy) e = eth_rlp_list_end(b, access_list); /* always empty */
    if (!e && sig) {
        eth_u256 v;
        if (legacy && tx->chain_id) {
            /* EIP-155 v = recid + 35 + 2 * chainId, in 256 bits: any chain id fits. */
            eth_u256 add;
            eth_u256_from_u64(&v, tx->chain_id);
            eth_u256_from_u64(&add, 35u + sig[64]);
            (void)eth_u256_mul_u64(&v, &v, 2);
            (void)eth_u256_add(&v, &v, &add);
        } else {
            eth_u256_from_u64(&v, legacy ? 27u + sig[64] : sig[64]);
        }
        e = eth_rlp_put_u256(b, &v);
        if (!e) e = put_sig_word(b, sig);
        if (!e) e = put_sig_word(b, sig + 32);
    } else if (!e && legacy && tx->chain_id) {
        e = eth_rlp_put_u64(b, tx->chain_id);
        if (!e) e = eth_rlp_put_u64(b, 0);
        if (!e) e = eth_rlp_put_u64(b, 0);
    }
    if (!e) e = eth_rlp_list_end(b, list);
    return e;
}

eth_err eth_tx_signing_hash(uint8_t hash[32], const eth_tx *tx)
{
    eth_buf b;
    eth_err e = check_tx(tx);
    if (e) return e;
    eth_buf_init(&b, TX_BUF_MAX);
    e = encode(&b, tx, NULL);
    if (!e) eth_keccak256(hash, b.data, b.len);
    eth_buf_free(&b);
    return e;
}

eth_err eth_tx_sign(eth_buf *raw, uint8_t tx_hash[32], const eth_tx *tx, const eth_key *k)
{
    uint8_t hash[32], sig[65];
    size_t start = raw->len;
    eth_err e = eth_tx_signing_hash(hash, tx);
    if (!e) e = eth_sign_hash(sig, k, hash);
    if (!e) e = encode(raw, tx, sig);
    if (e) {
        raw->len = start;
        return e;
    }
    if (tx_hash) eth_keccak256(tx_hash, raw->data + start, raw->len - start);
    return ETH_OK;
}
