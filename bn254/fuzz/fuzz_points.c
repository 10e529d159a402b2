/* Fuzzes every decoder of untrusted bytes in libbn254: G1/G2 points, field
 * elements and scalars, and the three precompile entry points on raw call
 * data. Invariants: no crash or sanitizer report; whatever decodes re-encodes
 * to the same bytes and is a valid point (G2: in the subgroup). The first
 * input byte picks the target. */
#include <stdlib.h>
#include <string.h>

#include "bn254.h"

#define MAX_PAIRS 2   /* pairings are slow under the sanitizers */

static void check(int cond)
{
    if (!cond) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t buf[128], out[384];
    if (size < 1) return 0;
    uint8_t which = data[0];
    data++;
    size--;
    memset(buf, 0, sizeof buf);
    memcpy(buf, data, size < sizeof buf ? size : sizeof buf);
    switch (which % 7) {
    case 0: {
        bn254_g1 p;
        if (bn254_g1_from_bytes(&p, buf) == BN254_OK) {
            bn254_g1_to_bytes(out, &p);
            check(memcmp(out, buf, 64) == 0 && bn254_g1_is_on_curve(&p));
        }
        break;
    }
    case 1: {
        bn254_g2 q;
        if (bn254_g2_from_bytes(&q, buf) == BN254_OK) {
            bn254_g2_to_bytes(out, &q);
            check(memcmp(out, buf, 128) == 0 && bn254_g2_is_on_curve(&q) && bn254_g2_is_in_subgroup_var(&q));
        }
        break;
    }
    case 2: {
        bn254_fp f;
        bn254_scalar k;
        bn254_fp2 f2;
        if (bn254_fp_from_bytes(&f, buf) == BN254_OK) {
            bn254_fp_to_bytes(out, &f);
            check(memcmp(out, buf, 32) == 0);
        }
        if (bn254_scalar_from_bytes(&k, buf) == BN254_OK) {
            bn254_scalar_to_bytes(out, &k);
            check(memcmp(out, buf, 32) == 0);
        }
        if (bn254_fp2_from_bytes(&f2, buf) == BN254_OK) {
            bn254_fp2_to_bytes(out, &f2);
            check(memcmp(out, buf, 64) == 0);
        }
        break;
    }
    case 3:
        (void)bn254_evm_ecadd(out, data, size);
        break;
    case 4:
        (void)bn254_evm_ecmul(out, data, size);
        break;
    case 5:
        if (size <= 192 * MAX_PAIRS) (void)bn254_evm_ecpairing(out, data, size);
        break;
    default: {
        bn254_g1 h;
        bn254_hash_to_g1(&h, buf);
        check(bn254_g1_is_on_curve(&h));
        break;
    }
    }
    return 0;
}
