/* Constant-time check of everything that touches a secret key, after
 * libsecp256k1's ctime_tests.c: the key is marked undefined with valgrind's
 * memcheck client requests, so any branch or memory index that depends on it
 * is reported ("Conditional jump or move depends on uninitialised value"), and
 * the run fails (ctest runs this under `valgrind --error-exitcode=1`).
 * Outputs, which are public, are marked defined again before use. */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "bn254.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

int main(void)
{
    uint8_t key[32], digest[32], out[128];
    bn254_sk sk;
    bn254_g1 g1, h;
    bn254_g2 g2;
    bn254_scalar k;
    int bad = 0;
    for (int round = 0; round < 4; round++) {
        memset(key, 0, sizeof key);
        for (int i = 1; i < 32; i++) key[i] = (uint8_t)(round * 37 + i * 101);
        memset(digest, round, sizeof digest);

        /* Parsing the key: validity is the only thing that may leak. */
        SECRET(key, sizeof key);
        bn254_err e = bn254_sk_from_bytes(&sk, key);
        PUBLIC(&e, sizeof e);
        bad |= e != BN254_OK;

        SECRET(&sk, sizeof sk);
        bn254_bls_sign(&g1, &sk, digest);                 /* sk * hashToG1(digest) */
        PUBLIC(&g1, sizeof g1);
        bn254_g1_to_bytes(out, &g1);
        bn254_bls_pubkey_g1(&g1, &sk);
        PUBLIC(&g1, sizeof g1);
        bn254_bls_pubkey_g2(&g2, &sk);
        PUBLIC(&g2, sizeof g2);
        bn254_bls_pop_prove(&g1, &sk, digest);
        PUBLIC(&g1, sizeof g1);
        bn254_sk_to_bytes(key, &sk);

        /* The group multiplications with a secret scalar and a public point. */
        memcpy(k.l, sk.k.l, sizeof k.l);
        bn254_hash_to_g1(&h, digest);
        bn254_g1_mul(&g1, &h, &k);
        PUBLIC(&g1, sizeof g1);
        bn254_g2_generator(&g2);
        bn254_g2_mul(&g2, &g2, &k);
        PUBLIC(&g2, sizeof g2);
        bn254_sk_wipe(&sk);
    }
    printf("ctime_sign: %s\n", bad ? "FAILED (bad test key)" : "done");
    return bad;
}
