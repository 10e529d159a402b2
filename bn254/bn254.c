/* bn254.c - the BN254 library as one translation unit (the libsecp256k1 and
 * blst layout): the src/ *_impl.h files hold static internals, this file adds
 * hashing, BLS, the EVM precompile entry points and the public wrappers of
 * bn254.h. Tests that need internals include this file directly. */
#include "bn254.h"

#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include "eth.h"

/* Wipes secrets; explicit_bzero is not elided by the optimiser. */
static void wipe(void *p, size_t n) { explicit_bzero(p, n); }

#include "src/fp_impl.h"
#include "src/tower_impl.h"
#include "src/scalar_impl.h"

/* G1: y^2 = x^3 + 3 over Fp. 3b = 9 costs three doublings and an addition. */
static inline void fp_mul_b3(fp *r, const fp *a)
{
    fp t;
    fp_dbl(&t, a);
    fp_dbl(&t, &t);
    fp_dbl(&t, &t);
    fp_add(r, &t, a);
}
#define EC_FE fp
#define EC_F(op) fp_##op
#define EC_G(name) g1_##name
#define EC_AFF bn254_g1
#define EC_JAC bn254_g1_jac
#define EC_B FP_B
#define EC_MUL_B3 fp_mul_b3
#define EC_ONE FP_ONE
#define EC_BETA FP_BETA
#define EC_MUL_FP fp_mul
#define EC_GLV_MUL_CT 1
#include "src/ec_impl.h"
#undef EC_GLV_MUL_CT
#undef EC_FE
#undef EC_F
#undef EC_G
#undef EC_AFF
#undef EC_JAC
#undef EC_B
#undef EC_MUL_B3
#undef EC_ONE
#undef EC_BETA
#undef EC_MUL_FP

/* G2: y^2 = x^3 + 3/xi over Fp2. */
static inline void fp2_mul_b3(fp2 *r, const fp2 *a) { fp2_mul(r, a, &FP2_TWIST_B3); }
#define EC_FE fp2
#define EC_F(op) fp2_##op
#define EC_G(name) g2_##name
#define EC_AFF bn254_g2
#define EC_JAC bn254_g2_jac
#define EC_B FP2_TWIST_B
#define EC_MUL_B3 fp2_mul_b3
#define EC_ONE FP2_ONE
#define EC_BETA FP_BETA_G2
#define EC_MUL_FP fp2_mul_fp
#include "src/ec_impl.h"
#undef EC_FE
#undef EC_F
#undef EC_G
#undef EC_AFF
#undef EC_JAC
#undef EC_B
#undef EC_MUL_B3
#undef EC_ONE
#undef EC_BETA
#undef EC_MUL_FP

#include "src/g2_impl.h"
#include "src/pairing_impl.h"

/* ---- errors and utilities ------------------------------------------------- */

const char *bn254_strerror(bn254_err e)
{
    static const char *const msg[BN254_ERR__COUNT] = {
        [BN254_OK] = "success",
        [BN254_ERR_ARG] = "invalid argument",
        [BN254_ERR_NOT_CANONICAL] = "field element or scalar not below its modulus",
        [BN254_ERR_NOT_ON_CURVE] = "point is not on the curve",
        [BN254_ERR_NOT_IN_SUBGROUP] = "G2 point is not in the order-r subgroup",
        [BN254_ERR_INFINITY] = "point at infinity not allowed here",
        [BN254_ERR_BAD_KEY] = "secret key must be in [1, r)",
        [BN254_ERR_VERIFY] = "signature does not verify",
        [BN254_ERR_RANDOM] = "OS random source failed",
        [BN254_ERR_JSON] = "keystore JSON malformed or missing a field",
        [BN254_ERR_KEYSTORE] = "unsupported keystore (kdf, cipher, curve or parameters)",
        [BN254_ERR_PASSWORD] = "wrong keystore password (checksum mismatch)",
        [BN254_ERR_NOMEM] = "out of memory",
        [BN254_ERR_CRYPTO] = "cryptographic primitive failed",
    };
    return (unsigned)e < BN254_ERR__COUNT ? msg[e] : "unknown bn254 error";
}

void bn254_wipe(void *p, size_t n) { wipe(p, n); }

/* ---- Fp ------------------------------------------------------------------- */

bn254_err bn254_fp_from_bytes(bn254_fp *r, const uint8_t in[32])
{
    uint64_t l[4];
    limbs_from_be(l, in);
    if (!limbs_lt(l, P_LIMBS)) return BN254_ERR_NOT_CANONICAL;
    fp_from_limbs(r, l);
    return BN254_OK;
}

void bn254_fp_from_bytes_reduce(bn254_fp *r, const uint8_t in[32])
{
    uint64_t l[4];
    limbs_from_be(l, in);
    fp_from_limbs(r, l);
}

void bn254_fp_to_bytes(uint8_t out[32], const bn254_fp *a)
{
    uint64_t l[4];
    fp_to_limbs(l, a);
    limbs_to_be(out, l);
}

void bn254_fp_set_u64(bn254_fp *r, uint64_t v) { fp_set_u64(r, v); }
void bn254_fp_add(bn254_fp *r, const bn254_fp *a, const bn254_fp *b) { fp_add(r, a, b); }
void bn254_fp_sub(bn254_fp *r, const bn254_fp *a, const bn254_fp *b) { fp_sub(r, a, b); }
void bn254_fp_neg(bn254_fp *r, const bn254_fp *a) { fp_neg(r, a); }
void bn254_fp_mul(bn254_fp *r, const bn254_fp *a, const bn254_fp *b) { fp_mul(r, a, b); }
void bn254_fp_sqr(bn254_fp *r, const bn254_fp *a) { fp_sqr(r, a); }
void bn254_fp_inv(bn254_fp *r, const bn254_fp *a) { fp_inv(r, a); }
int bn254_fp_sqrt(bn254_fp *r, const bn254_fp *a) { return (int)fp_sqrt(r, a); }
int bn254_fp_eq(const bn254_fp *a, const bn254_fp *b) { return (int)fp_eq(a, b); }
int bn254_fp_is_zero(const bn254_fp *a) { return (int)fp_is_zero(a); }

/* ---- tower ---------------------------------------------------------------- */

bn254_err bn254_fp2_from_bytes(bn254_fp2 *r, const uint8_t in[64])
{
    bn254_err e = bn254_fp_from_bytes(&r->c1, in);
    return e ? e : bn254_fp_from_bytes(&r->c0, in + 32);
}

void bn254_fp2_to_bytes(uint8_t out[64], const bn254_fp2 *a)
{
    bn254_fp_to_bytes(out, &a->c1);
    bn254_fp_to_bytes(out + 32, &a->c0);
}

void bn254_fp2_add(bn254_fp2 *r, const bn254_fp2 *a, const bn254_fp2 *b) { fp2_add(r, a, b); }
void bn254_fp2_sub(bn254_fp2 *r, const bn254_fp2 *a, const bn254_fp2 *b) { fp2_sub(r, a, b); }
void bn254_fp2_neg(bn254_fp2 *r, const bn254_fp2 *a) { fp2_neg(r, a); }
void bn254_fp2_mul(bn254_fp2 *r, const bn254_fp2 *a, const bn254_fp2 *b) { fp2_mul(r, a, b); }
void bn254_fp2_sqr(bn254_fp2 *r, const bn254_fp2 *a) { fp2_sqr(r, a); }
void bn254_fp2_inv(bn254_fp2 *r, const bn254_fp2 *a) { fp2_inv(r, a); }
void bn254_fp2_conj(bn254_fp2 *r, const bn254_fp2 *a) { fp2_conj(r, a); }
int bn254_fp2_sqrt_var(bn254_fp2 *r, const bn254_fp2 *a) { return fp2_sqrt_var(r, a); }
int bn254_fp2_eq(const bn254_fp2 *a, const bn254_fp2 *b) { return (int)fp2_eq(a, b); }

void bn254_fp6_add(bn254_fp6 *r, const bn254_fp6 *a, const bn254_fp6 *b) { fp6_add(r, a, b); }
void bn254_fp6_sub(bn254_fp6 *r, const bn254_fp6 *a, const bn254_fp6 *b) { fp6_sub(r, a, b); }
void bn254_fp6_mul(bn254_fp6 *r, const bn254_fp6 *a, const bn254_fp6 *b) { fp6_mul(r, a, b); }
void bn254_fp6_sqr(bn254_fp6 *r, const bn254_fp6 *a) { fp6_sqr(r, a); }
void bn254_fp6_inv(bn254_fp6 *r, const bn254_fp6 *a) { fp6_inv(r, a); }
int bn254_fp6_eq(const bn254_fp6 *a, const bn254_fp6 *b) { return (int)fp6_eq(a, b); }

void bn254_fp12_set_one(bn254_fp12 *r) { *r = FP12_ONE; }
void bn254_fp12_mul(bn254_fp12 *r, const bn254_fp12 *a, const bn254_fp12 *b) { fp12_mul(r, a, b); }
void bn254_fp12_sqr(bn254_fp12 *r, const bn254_fp12 *a) { fp12_sqr(r, a); }
void bn254_fp12_inv(bn254_fp12 *r, const bn254_fp12 *a) { fp12_inv(r, a); }
void bn254_fp12_conj(bn254_fp12 *r, const bn254_fp12 *a) { fp12_conj(r, a); }
int bn254_fp12_eq(const bn254_fp12 *a, const bn254_fp12 *b) { return (int)fp12_eq(a, b); }
int bn254_fp12_is_one(const bn254_fp12 *a) { return (int)fp12_is_one(a); }

void bn254_fp12_frobenius(bn254_fp12 *r, const bn254_fp12 *a, int n)
{
    if (n >= 1 && n <= 3) fp12_frobenius(r, a, n);
    else *r = *a;
}

void bn254_fp12_pow_var(bn254_fp12 *r, const bn254_fp12 *a, const bn254_scalar *k)
{
    fp12 acc = FP12_ONE;
    for (int i = 255; i >= 0; i--) {
        fp12_sqr(&acc, &acc);
        if ((k->l[i / 64] >> (i % 64)) & 1) fp12_mul(&acc, &acc, a);
    }
    *r = acc;
}

void bn254_fp12_to_bytes(uint8_t out[384], const bn254_fp12 *a)
{
    const bn254_fp6 *h[2] = {&a->c0, &a->c1};
    for (int i = 0; i < 2; i++) {
        const bn254_fp2 *c[3] = {&h[i]->c0, &h[i]->c1, &h[i]->c2};
        for (int j = 0; j < 3; j++) {
            bn254_fp_to_bytes(out + (i * 6 + j * 2) * 32, &c[j]->c0);
            bn254_fp_to_bytes(out + (i * 6 + j * 2 + 1) * 32, &c[j]->c1);
        }
    }
}

/* ---- scalars -------------------------------------------------------------- */

bn254_err bn254_scalar_from_bytes(bn254_scalar *r, const uint8_t in[32])
{
    uint64_t l[4];
    limbs_from_be(l, in);
    if (!limbs_lt(l, R_LIMBS)) return BN254_ERR_NOT_CANONICAL;
    memcpy(r->l, l, sizeof l);
    return BN254_OK;
}

void bn254_scalar_from_bytes_reduce(bn254_scalar *r, const uint8_t in[32])
{
    uint64_t l[4];
    limbs_from_be(l, in);
    limbs_reduce(r->l, l, R_LIMBS);
}

void bn254_scalar_to_bytes(uint8_t out[32], const bn254_scalar *a) { limbs_to_be(out, a->l); }
void bn254_scalar_add(bn254_scalar *r, const bn254_scalar *a, const bn254_scalar *b) { scalar_add(r->l, a->l, b->l); }
void bn254_scalar_mul(bn254_scalar *r, const bn254_scalar *a, const bn254_scalar *b) { scalar_mul(r->l, a->l, b->l); }

/* ---- G1 ------------------------------------------------------------------- */

void bn254_g1_generator(bn254_g1 *r)
{
    r->x = FP_ONE;
    fp_dbl(&r->y, &FP_ONE);
}

int bn254_g1_is_infinity(const bn254_g1 *a) { return (int)g1_aff_is_inf(a); }
int bn254_g1_is_on_curve(const bn254_g1 *a) { return (int)g1_aff_on_curve(a); }

bn254_err bn254_g1_from_bytes(bn254_g1 *r, const uint8_t in[64])
{
    bn254_g1 p;
    bn254_err e = bn254_fp_from_bytes(&p.x, in);
    if (!e) e = bn254_fp_from_bytes(&p.y, in + 32);
    if (!e && !g1_aff_on_curve(&p)) e = BN254_ERR_NOT_ON_CURVE;
    if (!e) *r = p;
    return e;
}

void bn254_g1_to_bytes(uint8_t out[64], const bn254_g1 *a)
{
    bn254_fp_to_bytes(out, &a->x);
    bn254_fp_to_bytes(out + 32, &a->y);
}

int bn254_g1_eq(const bn254_g1 *a, const bn254_g1 *b) { return (int)(fp_eq(&a->x, &b->x) & fp_eq(&a->y, &b->y)); }
void bn254_g1_neg(bn254_g1 *r, const bn254_g1 *a) { g1_aff_neg(r, a); }

void bn254_g1_add_var(bn254_g1 *r, const bn254_g1 *a, const bn254_g1 *b)
{
    bn254_g1_jac t;
    g1_jac_from_aff(&t, a);
    g1_jac_add_aff_var(&t, &t, b);
    g1_jac_to_aff(r, &t);
}

void bn254_g1_mul_var(bn254_g1 *r, const bn254_g1 *a, const bn254_scalar *k)
{
    bn254_g1_jac t;
    g1_jac_from_aff(&t, a);
    g1_jac_mul_var(&t, &t, k->l);
    g1_jac_to_aff(r, &t);
}

void bn254_g1_mul(bn254_g1 *r, const bn254_g1 *a, const bn254_scalar *k) { g1_mul_ct(r, a, k->l); }
void bn254_g1_to_jac(bn254_g1_jac *r, const bn254_g1 *a) { g1_jac_from_aff(r, a); }
void bn254_g1_from_jac(bn254_g1 *r, const bn254_g1_jac *a) { g1_jac_to_aff(r, a); }
void bn254_g1_jac_dbl(bn254_g1_jac *r, const bn254_g1_jac *a) { g1_jac_dbl(r, a); }
void bn254_g1_jac_add_var(bn254_g1_jac *r, const bn254_g1_jac *a, const bn254_g1_jac *b) { g1_jac_add_var(r, a, b); }
void bn254_g1_jac_add_affine_var(bn254_g1_jac *r, const bn254_g1_jac *a, const bn254_g1 *b) { g1_jac_add_aff_var(r, a, b); }
void bn254_g1_jac_mul_var(bn254_g1_jac *r, const bn254_g1_jac *a, const bn254_scalar *k) { g1_jac_mul_var(r, a, k->l); }
int bn254_g1_jac_eq(const bn254_g1_jac *a, const bn254_g1_jac *b) { return (int)g1_jac_eq(a, b); }

/* ---- G2 ------------------------------------------------------------------- */

void bn254_g2_generator(bn254_g2 *r)
{
    r->x = G2_GEN_X;
    r->y = G2_GEN_Y;
}

int bn254_g2_is_infinity(const bn254_g2 *a) { return (int)g2_aff_is_inf(a); }
int bn254_g2_is_on_curve(const bn254_g2 *a) { return (int)g2_aff_on_curve(a); }

int bn254_g2_is_in_subgroup_var(const bn254_g2 *a) { return g2_in_subgroup(a); }

bn254_err bn254_g2_from_bytes(bn254_g2 *r, const uint8_t in[128])
{
    bn254_g2 p;
    bn254_err e = bn254_fp2_from_bytes(&p.x, in);
    if (!e) e = bn254_fp2_from_bytes(&p.y, in + 64);
    if (!e && !g2_aff_on_curve(&p)) e = BN254_ERR_NOT_ON_CURVE;
    if (!e && !bn254_g2_is_in_subgroup_var(&p)) e = BN254_ERR_NOT_IN_SUBGROUP;
    if (!e) *r = p;
    return e;
}

void bn254_g2_to_bytes(uint8_t out[128], const bn254_g2 *a)
{
    bn254_fp2_to_bytes(out, &a->x);
    bn254_fp2_to_bytes(out + 64, &a->y);
}

int bn254_g2_eq(const bn254_g2 *a, const bn254_g2 *b) { return (int)(fp2_eq(&a->x, &b->x) & fp2_eq(&a->y, &b->y)); }
void bn254_g2_neg(bn254_g2 *r, const bn254_g2 *a) { g2_aff_neg(r, a); }

void bn254_g2_add_var(bn254_g2 *r, const bn254_g2 *a, const bn254_g2 *b)
{
    bn254_g2_jac t;
    g2_jac_from_aff(&t, a);
    g2_jac_add_aff_var(&t, &t, b);
    g2_jac_to_aff(r, &t);
}

void bn254_g2_mul_var(bn254_g2 *r, const bn254_g2 *a, const bn254_scalar *k)
{
    bn254_g2_jac t;
    g2_jac_from_aff(&t, a);
    g2_jac_mul_var(&t, &t, k->l);
    g2_jac_to_aff(r, &t);
}

void bn254_g2_mul(bn254_g2 *r, const bn254_g2 *a, const bn254_scalar *k) { g2_mul_gls(r, a, k->l); }

void bn254_g2_psi(bn254_g2 *r, const bn254_g2 *a)
{
    if (g2_aff_is_inf(a)) *r = *a;
    else g2_aff_psi(r, a);
}

void bn254_g2_to_jac(bn254_g2_jac *r, const bn254_g2 *a) { g2_jac_from_aff(r, a); }
void bn254_g2_from_jac(bn254_g2 *r, const bn254_g2_jac *a) { g2_jac_to_aff(r, a); }
void bn254_g2_jac_dbl(bn254_g2_jac *r, const bn254_g2_jac *a) { g2_jac_dbl(r, a); }
void bn254_g2_jac_add_var(bn254_g2_jac *r, const bn254_g2_jac *a, const bn254_g2_jac *b) { g2_jac_add_var(r, a, b); }
void bn254_g2_jac_add_affine_var(bn254_g2_jac *r, const bn254_g2_jac *a, const bn254_g2 *b) { g2_jac_add_aff_var(r, a, b); }
void bn254_g2_jac_mul_var(bn254_g2_jac *r, const bn254_g2_jac *a, const bn254_scalar *k) { g2_jac_mul_var(r, a, k->l); }
int bn254_g2_jac_eq(const bn254_g2_jac *a, const bn254_g2_jac *b) { return (int)g2_jac_eq(a, b); }

/* ---- pairing -------------------------------------------------------------- */

void bn254_miller_loop(bn254_fp12 *r, const bn254_g1 *p, const bn254_g2 *q, size_t n) { miller_loop(r, p, q, n); }
void bn254_final_exp(bn254_fp12 *r, const bn254_fp12 *f) { final_exp(r, f); }

void bn254_multi_pairing(bn254_fp12 *r, const bn254_g1 *p, const bn254_g2 *q, size_t n)
{
    fp12 f;
    miller_loop(&f, p, q, n);
    final_exp(r, &f);
}

void bn254_pairing(bn254_fp12 *r, const bn254_g1 *p, const bn254_g2 *q) { bn254_multi_pairing(r, p, q, 1); }

int bn254_pairing_check(const bn254_g1 *p, const bn254_g2 *q, size_t n)
{
    fp12 f;
    bn254_multi_pairing(&f, p, q, n);
    return (int)fp12_is_one(&f);
}

/* ---- EVM precompiles ------------------------------------------------------ */

/* Copies in to a zeroed buffer of n bytes: the precompiles' implicit padding
 * (and truncation) of call data. */
static void evm_input(uint8_t *buf, size_t n, const uint8_t *in, size_t len)
{
    memset(buf, 0, n);
    if (in) memcpy(buf, in, len < n ? len : n);
}

bn254_err bn254_evm_ecadd(uint8_t out[64], const uint8_t *in, size_t len)
{
    uint8_t buf[128];
    bn254_g1 a, b;
    evm_input(buf, sizeof buf, in, len);
    bn254_err e = bn254_g1_from_bytes(&a, buf);
    if (!e) e = bn254_g1_from_bytes(&b, buf + 64);
    if (e) return e;
    bn254_g1_add_var(&a, &a, &b);
    bn254_g1_to_bytes(out, &a);
    return BN254_OK;
}

bn254_err bn254_evm_ecmul(uint8_t out[64], const uint8_t *in, size_t len)
{
    uint8_t buf[96];
    bn254_g1 a;
    bn254_scalar k;
    evm_input(buf, sizeof buf, in, len);
    bn254_err e = bn254_g1_from_bytes(&a, buf);
    if (e) return e;
    bn254_scalar_from_bytes_reduce(&k, buf + 64);   /* G1 has order r */
    bn254_g1_mul_var(&a, &a, &k);
    bn254_g1_to_bytes(out, &a);
    return BN254_OK;
}

bn254_err bn254_evm_ecpairing(uint8_t out[32], const uint8_t *in, size_t len)
{
    bn254_g1 p[MILLER_CHUNK];
    bn254_g2 q[MILLER_CHUNK];
    fp12 f = FP12_ONE, g;
    if (len % 192) return BN254_ERR_ARG;
    size_t n = len / 192;
    for (size_t i = 0; i < n; i += MILLER_CHUNK) {
        size_t k = n - i < MILLER_CHUNK ? n - i : MILLER_CHUNK;
        for (size_t j = 0; j < k; j++) {
            const uint8_t *pair = in + 192 * (i + j);
            bn254_err e = bn254_g1_from_bytes(&p[j], pair);
            if (!e) e = bn254_g2_from_bytes(&q[j], pair + 64);
            if (e) return e;
        }
        miller_loop(&g, p, q, k);
        fp12_mul(&f, &f, &g);
    }
    final_exp(&f, &f);
    memset(out, 0, 32);
    out[31] = (uint8_t)fp12_is_one(&f);
    return BN254_OK;
}

/* ---- hash to G1 ----------------------------------------------------------- */

void bn254_hash_to_g1(bn254_g1 *r, const uint8_t digest[32])
{
    fp x, beta, y;
    bn254_fp_from_bytes_reduce(&x, digest);
    for (;;) {
        fp_sqr(&beta, &x);
        fp_mul(&beta, &beta, &x);
        fp_add(&beta, &beta, &FP_B);
        if (fp_sqrt(&y, &beta)) break;   /* y = beta^((p+1)/4), no sign normalisation */
        fp_add(&x, &x, &FP_ONE);
    }
    r->x = x;
    r->y = y;
}

/* ---- BLS ------------------------------------------------------------------ */

/* The Miller loop lines of the G2 generator, computed once: both checks below
 * pair something with +-G2. */
static line G2_LINES[ATE_LINES];
static pthread_once_t g2_lines_once = PTHREAD_ONCE_INIT;

static void g2_lines_init(void)
{
    bn254_g2 g;
    bn254_g2_generator(&g);
    g2_prepare_lines(G2_LINES, &g);
}

/* 1 iff e(a, G2) e(b, q) = 1 (points valid; infinity contributes 1). */
static int check_with_g2(const bn254_g1 *a, const bn254_g1 *b, const bn254_g2 *q)
{
    fp12 f;
    int live = !g1_aff_is_inf(b) && !g2_aff_is_inf(q);
    pthread_once(&g2_lines_once, g2_lines_init);
    if (g1_aff_is_inf(a)) miller_loop(&f, b, q, 1);
    else miller_loop_chunk(&f, b, q, (size_t)live, a, G2_LINES);
    final_exp(&f, &f);
    return (int)fp12_is_one(&f);
}

bn254_err bn254_sk_from_bytes(bn254_sk *sk, const uint8_t in[32])
{
    /* Branch-free (ctime_sign.c checks it): only validity may leak. */
    uint64_t l[4];
    limbs_from_be(l, in);
    uint64_t ok = limbs_lt(l, R_LIMBS) & (limbs_is_zero(l, 4) ^ 1), mask = 0 - ok;
    for (int i = 0; i < 4; i++) sk->k.l[i] = l[i] & mask;
    wipe(l, sizeof l);
    return (bn254_err)((1 - ok) * BN254_ERR_BAD_KEY);
}

bn254_err bn254_sk_generate(bn254_sk *sk)
{
    uint8_t buf[32];
    bn254_err e;
    do {
        /* Rejection sampling over [0, 2^254): about 1 in 4 draws is >= r. */
        size_t got = 0;
        while (got < sizeof buf) {
            ssize_t n = getrandom(buf + got, sizeof buf - got, 0);
            if (n <= 0) {
                wipe(buf, sizeof buf);
                return BN254_ERR_RANDOM;
            }
            got += (size_t)n;
        }
        buf[0] &= 0x3f;
        e = bn254_sk_from_bytes(sk, buf);
    } while (e);
    wipe(buf, sizeof buf);
    return BN254_OK;
}

void bn254_sk_to_bytes(uint8_t out[32], const bn254_sk *sk) { limbs_to_be(out, sk->k.l); }
void bn254_sk_wipe(bn254_sk *sk) { wipe(sk, sizeof *sk); }

void bn254_bls_pubkey_g1(bn254_g1 *pk, const bn254_sk *sk)
{
    bn254_g1 g;
    bn254_g1_generator(&g);
    g1_mul_ct(pk, &g, sk->k.l);
}

void bn254_bls_pubkey_g2(bn254_g2 *pk, const bn254_sk *sk)
{
    bn254_g2 g;
    bn254_g2_generator(&g);
    g2_mul_gls(pk, &g, sk->k.l);
}

void bn254_bls_sign(bn254_g1 *sig, const bn254_sk *sk, const uint8_t digest[32])
{
    bn254_g1 h;
    bn254_hash_to_g1(&h, digest);
    g1_mul_ct(sig, &h, sk->k.l);
}

bn254_err bn254_bls_verify(const uint8_t digest[32], const bn254_g1 *sig, const bn254_g2 *pk)
{
    bn254_g1 ns, h;
    if (g1_aff_is_inf(sig) || g2_aff_is_inf(pk)) return BN254_ERR_INFINITY;
    /* e(-sig, G2) e(H, pk) = 1 */
    g1_aff_neg(&ns, sig);
    bn254_hash_to_g1(&h, digest);
    return check_with_g2(&ns, &h, pk) ? BN254_OK : BN254_ERR_VERIFY;
}

void bn254_bls_gamma(bn254_scalar *gamma, const uint8_t digest[32], const bn254_g1 *sig,
                     const bn254_g1 *apk_g1, const bn254_g2 *apk_g2)
{
    /* abi.encodePacked(bytes32, uint256 x 8): 9 words. */
    uint8_t buf[32 * 9], h[32];
    memcpy(buf, digest, 32);
    bn254_g1_to_bytes(buf + 32, apk_g1);
    bn254_g2_to_bytes(buf + 96, apk_g2);
    bn254_g1_to_bytes(buf + 224, sig);
    eth_keccak256(h, buf, sizeof buf);
    bn254_scalar_from_bytes_reduce(gamma, h);
}

bn254_err bn254_bls_verify_eigen(const uint8_t digest[32], const bn254_g1 *sig,
                                 const bn254_g1 *apk_g1, const bn254_g2 *apk_g2)
{
    bn254_scalar gamma;
    bn254_g1 l, r, t;
    if (g1_aff_is_inf(sig) || g1_aff_is_inf(apk_g1) || g2_aff_is_inf(apk_g2)) return BN254_ERR_INFINITY;
    bn254_bls_gamma(&gamma, digest, sig, apk_g1, apk_g2);
    /* L = sig + gamma apk1 paired with -G2 (as -L with G2); R = H + gamma G1
     * with apk2. */
    bn254_g1_mul_var(&t, apk_g1, &gamma);
    bn254_g1_add_var(&l, sig, &t);
    g1_aff_neg(&l, &l);
    bn254_g1_generator(&t);
    bn254_g1_mul_var(&t, &t, &gamma);
    bn254_hash_to_g1(&r, digest);
    bn254_g1_add_var(&r, &r, &t);
    return check_with_g2(&l, &r, apk_g2) ? BN254_OK : BN254_ERR_VERIFY;
}

void bn254_bls_aggregate_g1(bn254_g1 *r, const bn254_g1 *pts, size_t n)
{
    bn254_g1_jac acc;
    g1_jac_set_inf(&acc);
    for (size_t i = 0; i < n; i++) g1_jac_add_aff_var(&acc, &acc, &pts[i]);
    g1_jac_to_aff(r, &acc);
}

void bn254_bls_aggregate_g2(bn254_g2 *r, const bn254_g2 *pts, size_t n)
{
    bn254_g2_jac acc;
    g2_jac_set_inf(&acc);
    for (size_t i = 0; i < n; i++) g2_jac_add_aff_var(&acc, &acc, &pts[i]);
    g2_jac_to_aff(r, &acc);
}

/* 32-byte big-endian word of an integer (ABI uint / address padding). */
static uint8_t *put_word(uint8_t *w, const uint8_t *v, size_t n)
{
    memset(w, 0, 32 - n);
    memcpy(w + 32 - n, v, n);
    return w + 32;
}

static uint8_t *put_u64_word(uint8_t *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (56 - 8 * i));
    return put_word(w, b, 8);
}

static void keccak_str(uint8_t out[32], const char *s) { eth_keccak256(out, s, strlen(s)); }

void bn254_bls_pop_digest(uint8_t out[32], uint64_t chain_id, const uint8_t registry[20],
                          const uint8_t operator_addr[20], const uint8_t avs[20], uint32_t operator_set_id,
                          const bn254_g1 *pk_g1, const bn254_g2 *pk_g2)
{
    uint8_t key_data[192], buf[2 + 32 * 5], *w, domain[32], strct[32];
    bn254_g1_to_bytes(key_data, pk_g1);
    bn254_g2_to_bytes(key_data + 64, pk_g2);
    /* domain separator */
    w = buf;
    keccak_str(w, "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    keccak_str(w + 32, "FaaSOperatorRegistry");
    keccak_str(w + 64, "1");
    w = put_u64_word(w + 96, chain_id);
    w = put_word(w, registry, 20);
    eth_keccak256(domain, buf, (size_t)(w - buf));
    /* struct hash */
    w = buf;
    keccak_str(w, "BN254KeyRegistration(address operator,address avs,uint32 operatorSetId,bytes keyData)");
    w = put_word(w + 32, operator_addr, 20);
    w = put_word(w, avs, 20);
    w = put_u64_word(w, operator_set_id);
    eth_keccak256(w, key_data, sizeof key_data);
    eth_keccak256(strct, buf, (size_t)(w + 32 - buf));
    /* EIP-712 */
    buf[0] = 0x19;
    buf[1] = 0x01;
    memcpy(buf + 2, domain, 32);
    memcpy(buf + 34, strct, 32);
    eth_keccak256(out, buf, 66);
}

void bn254_bls_pop_prove(bn254_g1 *pop, const bn254_sk *sk, const uint8_t pop_digest[32])
{
    bn254_bls_sign(pop, sk, pop_digest);
}

bn254_err bn254_bls_pop_verify(const uint8_t pop_digest[32], const bn254_g1 *pop,
                               const bn254_g1 *pk_g1, const bn254_g2 *pk_g2)
{
    return bn254_bls_verify_eigen(pop_digest, pop, pk_g1, pk_g2);
}
