/* bn254-bench: median wall time of the library's main operations, printed as
 * "<op> <median microseconds>" lines for bench/bn254.sh, which runs the same
 * operations with @noble/curves and prints the ratios. Inputs are random
 * (fixed seed) and differ between runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bn254.h"

#define NIN 16   /* distinct inputs cycled through */

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static void rand_bytes(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        p[i] = (uint8_t)rng;
    }
}

static bn254_g1 P1[NIN], SIG[NIN], PK1[NIN];
static bn254_g2 Q2[NIN], PK2[NIN];
static bn254_scalar K[NIN];
static bn254_sk SK[NIN];
static uint8_t D[NIN][32];
static volatile int sink;

static void setup(void)
{
    bn254_g1 g;
    bn254_g2 h;
    bn254_g1_generator(&g);
    bn254_g2_generator(&h);
    for (int i = 0; i < NIN; i++) {
        uint8_t b[32];
        rand_bytes(b, 32);
        bn254_scalar_from_bytes_reduce(&K[i], b);
        bn254_g1_mul_var(&P1[i], &g, &K[i]);
        bn254_g2_mul_var(&Q2[i], &h, &K[i]);
        do rand_bytes(b, 32);
        while (bn254_sk_from_bytes(&SK[i], b) != BN254_OK);
        rand_bytes(D[i], 32);
        bn254_bls_pubkey_g1(&PK1[i], &SK[i]);
        bn254_bls_pubkey_g2(&PK2[i], &SK[i]);
        bn254_bls_sign(&SIG[i], &SK[i], D[0]);   /* all sign D[0]: aggregatable */
    }
}

static void op(int kind, int i)
{
    bn254_fp12 e;
    bn254_g1 a, p[4];
    bn254_g2 b, q[4];
    int j = (i + 1) % NIN;
    switch (kind) {
    case 0: bn254_pairing(&e, &P1[i], &Q2[i]); sink += (int)e.c0.c0.c0.l[0]; break;
    case 1:
        p[0] = P1[i]; q[0] = Q2[i]; p[1] = P1[j]; q[1] = Q2[j];
        sink += bn254_pairing_check(p, q, 2);
        break;
    case 2:
        for (int k = 0; k < 4; k++) p[k] = P1[(i + k) % NIN], q[k] = Q2[(i + k) % NIN];
        sink += bn254_pairing_check(p, q, 4);
        break;
    case 3: bn254_g1_mul(&a, &P1[i], &K[j]); sink += (int)a.x.l[0]; break;
    case 4: bn254_g2_mul(&b, &Q2[i], &K[j]); sink += (int)b.x.c0.l[0]; break;
    case 5: bn254_hash_to_g1(&a, D[i]); sink += (int)a.x.l[0]; break;
    case 6: bn254_bls_sign(&a, &SK[i], D[j]); sink += (int)a.x.l[0]; break;
    case 7: sink += bn254_bls_verify_eigen(D[0], &SIG[i], &PK1[i], &PK2[i]); break;
    default: {
        bn254_g1 s3[3] = {SIG[i], SIG[j], SIG[(i + 2) % NIN]}, k3[3] = {PK1[i], PK1[j], PK1[(i + 2) % NIN]};
        bn254_g2 w3[3] = {PK2[i], PK2[j], PK2[(i + 2) % NIN]};
        bn254_bls_aggregate_g1(&a, s3, 3);
        bn254_bls_aggregate_g1(&p[0], k3, 3);
        bn254_bls_aggregate_g2(&b, w3, 3);
        sink += bn254_bls_verify_eigen(D[0], &a, &p[0], &b);
        break;
    }
    }
}

int main(int argc, char **argv)
{
    static const char *names[] = {"pairing", "pairing2", "pairing4", "g1_mul", "g2_mul",
                                  "hash_to_g1", "sign", "verify", "verify_agg3"};
    static const int runs[] = {301, 301, 201, 1001, 601, 2001, 1001, 301, 301};
    double scale = argc > 1 ? atof(argv[1]) : 1.0;   /* fewer runs: bn254-bench 0.1 */
    static double t[2001];
    setup();
    for (int k = 0; k < 9; k++) {
        int n = (int)(runs[k] * scale) | 1;
        if (n > 2001) n = 2001;
        for (int i = 0; i < 5; i++) op(k, i % NIN);   /* warm up */
        for (int i = 0; i < n; i++) {
            double t0 = now_us();
            op(k, i % NIN);
            t[i] = now_us() - t0;
        }
        qsort(t, (size_t)n, sizeof *t, cmp_double);
        printf("%s %.1f\n", names[k], t[n / 2]);
        fflush(stdout);
    }
    return sink == 42 ? 1 : 0;
}
