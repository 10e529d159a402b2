/* bn254.h - BN254 (alt_bn128) pairing and BLS signatures, compatible bit for
 * bit with the EVM precompiles (EIP-196/197) and EigenLayer's contracts.
 *
 * Contents: the field tower Fp, Fp2, Fp6, Fp12; the groups G1 (y^2 = x^3 + 3
 * over Fp) and G2 (the twist y^2 = x^3 + 3/(9+i) over Fp2) in affine and
 * Jacobian coordinates; the optimal ate pairing and multi-pairing; the EVM
 * precompiles 0x06, 0x07, 0x08 on raw bytes; EigenLayer's try-and-increment
 * hashToG1; BLS keys, signing, verification, aggregation, EigenLayer's
 * gamma-combined check and a proof of possession; EIP-2335 keystores.
 *
 * Conventions (as in libsecp256k1):
 * - Prefix bn254_; sub-prefixes per layer (bn254_fp2_, bn254_g1_, bn254_bls_).
 * - Argument order: outputs first, then inputs; a length follows its pointer.
 *   Outputs may alias inputs of the same type.
 * - Fallible functions return bn254_err (BN254_OK = 0); bn254_strerror() gives
 *   a one-line message. Predicates return int 1/0.
 * - Constant time is the default: no branch or memory access depends on
 *   secret data (checked under valgrind by bn254/tests/ctime_sign.c).
 *   Functions named _var are variable time and must only see public data.
 *   Protocol-level functions whose inputs are public by nature (pairing,
 *   hash-to-G1, verification) are variable time where it helps and say so.
 * - On x86-64 CPUs with BMI2 and ADX the field multiplication runs MULX/ADX
 *   assembly, elsewhere portable C (same results; BN254_ASM=0 in the
 *   environment forces the C path).
 * - No heap allocation except in the keystore functions (stated there). Every
 *   type is a plain fixed-size struct that may be copied freely.
 * - Byte formats are the EVM's: integers are 32-byte big-endian; a G1 point is
 *   x || y (64 bytes); a G2 point is x.c1 || x.c0 || y.c1 || y.c0 (128 bytes,
 *   imaginary part first, as EIP-197 and EigenLayer's G2Point{X[2], Y[2]});
 *   the point at infinity is all zeros.
 * - Inputs to arithmetic are assumed valid (fully reduced field elements,
 *   points on their curve and, for G2, in the subgroup): validate untrusted
 *   bytes with the _from_bytes functions, which reject anything else.
 */
#ifndef FAAS_BN254_H
#define FAAS_BN254_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BN254_WARN_UNUSED __attribute__((warn_unused_result))

/* ------------------------------------------------------------------------ */
/* Errors                                                                     */

typedef enum {
    BN254_OK = 0,
    BN254_ERR_ARG,             /* invalid argument: bad length, NULL, bad option */
    BN254_ERR_NOT_CANONICAL,   /* a field element >= p or a scalar >= r */
    BN254_ERR_NOT_ON_CURVE,    /* coordinates not on the curve */
    BN254_ERR_NOT_IN_SUBGROUP, /* a G2 point outside the order-r subgroup */
    BN254_ERR_INFINITY,        /* the point at infinity where a real point is needed */
    BN254_ERR_BAD_KEY,         /* secret key is zero or >= r */
    BN254_ERR_VERIFY,          /* signature or proof of possession does not verify */
    BN254_ERR_RANDOM,          /* the OS random source failed */
    BN254_ERR_JSON,            /* keystore JSON malformed or missing a field */
    BN254_ERR_KEYSTORE,        /* keystore uses an unsupported kdf, cipher or curve */
    BN254_ERR_PASSWORD,        /* keystore checksum mismatch: wrong password */
    BN254_ERR_NOMEM,           /* out of memory */
    BN254_ERR_CRYPTO,          /* an OpenSSL primitive failed */
    BN254_ERR__COUNT
} bn254_err;

/* Static one-line message for e; never NULL. */
const char *bn254_strerror(bn254_err e);

/* Zeroes n bytes at p in a way the compiler may not elide (for secrets). */
void bn254_wipe(void *p, size_t n);

/* ------------------------------------------------------------------------ */
/* Types (plain structs; the limbs are internal)                              */

/* An element of Fp, p = 0x30644e72...d87cfd47, in Montgomery form. */
typedef struct { uint64_t l[4]; } bn254_fp;
/* c0 + c1 i, i^2 = -1. */
typedef struct { bn254_fp c0, c1; } bn254_fp2;
/* c0 + c1 v + c2 v^2, v^3 = 9 + i. */
typedef struct { bn254_fp2 c0, c1, c2; } bn254_fp6;
/* c0 + c1 w, w^2 = v. GT (pairing values) is the order-r subgroup of Fp12*. */
typedef struct { bn254_fp6 c0, c1; } bn254_fp12;
/* An integer mod r (r = 0x30644e72...f0000001), little-endian 64-bit limbs,
 * plain (not Montgomery) form. */
typedef struct { uint64_t l[4]; } bn254_scalar;

/* Affine points; (0, 0) is the point at infinity (the EVM's encoding). */
typedef struct { bn254_fp x, y; } bn254_g1;
typedef struct { bn254_fp2 x, y; } bn254_g2;
/* Jacobian points (x, y) = (X/Z^2, Y/Z^3); Z = 0 is the point at infinity. */
typedef struct { bn254_fp x, y, z; } bn254_g1_jac;
typedef struct { bn254_fp2 x, y, z; } bn254_g2_jac;

/* A BLS secret key: a scalar in [1, r). Wipe with bn254_sk_wipe. */
typedef struct { bn254_scalar k; } bn254_sk;

/* ------------------------------------------------------------------------ */
/* Fp                                                                         */

/* 32-byte big-endian -> element; BN254_ERR_NOT_CANONICAL when >= p. */
BN254_WARN_UNUSED bn254_err bn254_fp_from_bytes(bn254_fp *r, const uint8_t in[32]);
/* Any 32-byte big-endian integer reduced mod p (e.g. a digest). */
void bn254_fp_from_bytes_reduce(bn254_fp *r, const uint8_t in[32]);
void bn254_fp_to_bytes(uint8_t out[32], const bn254_fp *a);
void bn254_fp_set_u64(bn254_fp *r, uint64_t v);
void bn254_fp_add(bn254_fp *r, const bn254_fp *a, const bn254_fp *b);
void bn254_fp_sub(bn254_fp *r, const bn254_fp *a, const bn254_fp *b);
void bn254_fp_neg(bn254_fp *r, const bn254_fp *a);
void bn254_fp_mul(bn254_fp *r, const bn254_fp *a, const bn254_fp *b);
void bn254_fp_sqr(bn254_fp *r, const bn254_fp *a);
/* 1/a by Fermat (a^(p-2)); the inverse of 0 is 0. */
void bn254_fp_inv(bn254_fp *r, const bn254_fp *a);
/* r = a^((p+1)/4); returns 1 when that is a square root of a, else 0. */
int bn254_fp_sqrt(bn254_fp *r, const bn254_fp *a);
int bn254_fp_eq(const bn254_fp *a, const bn254_fp *b);
int bn254_fp_is_zero(const bn254_fp *a);

/* ------------------------------------------------------------------------ */
/* Fp2, Fp6, Fp12                                                             */

/* 64 bytes in EVM order (c1 || c0) -> element; NOT_CANONICAL if a part >= p. */
BN254_WARN_UNUSED bn254_err bn254_fp2_from_bytes(bn254_fp2 *r, const uint8_t in[64]);
void bn254_fp2_to_bytes(uint8_t out[64], const bn254_fp2 *a);
void bn254_fp2_add(bn254_fp2 *r, const bn254_fp2 *a, const bn254_fp2 *b);
void bn254_fp2_sub(bn254_fp2 *r, const bn254_fp2 *a, const bn254_fp2 *b);
void bn254_fp2_neg(bn254_fp2 *r, const bn254_fp2 *a);
void bn254_fp2_mul(bn254_fp2 *r, const bn254_fp2 *a, const bn254_fp2 *b);
void bn254_fp2_sqr(bn254_fp2 *r, const bn254_fp2 *a);
void bn254_fp2_inv(bn254_fp2 *r, const bn254_fp2 *a);
/* Complex conjugate c0 - c1 i, which is also the Frobenius a^p. */
void bn254_fp2_conj(bn254_fp2 *r, const bn254_fp2 *a);
/* A square root of a, when one exists (returns 1), variable time. */
int bn254_fp2_sqrt_var(bn254_fp2 *r, const bn254_fp2 *a);
int bn254_fp2_eq(const bn254_fp2 *a, const bn254_fp2 *b);

void bn254_fp6_add(bn254_fp6 *r, const bn254_fp6 *a, const bn254_fp6 *b);
void bn254_fp6_sub(bn254_fp6 *r, const bn254_fp6 *a, const bn254_fp6 *b);
void bn254_fp6_mul(bn254_fp6 *r, const bn254_fp6 *a, const bn254_fp6 *b);
void bn254_fp6_sqr(bn254_fp6 *r, const bn254_fp6 *a);
void bn254_fp6_inv(bn254_fp6 *r, const bn254_fp6 *a);
int bn254_fp6_eq(const bn254_fp6 *a, const bn254_fp6 *b);

void bn254_fp12_set_one(bn254_fp12 *r);
void bn254_fp12_mul(bn254_fp12 *r, const bn254_fp12 *a, const bn254_fp12 *b);
void bn254_fp12_sqr(bn254_fp12 *r, const bn254_fp12 *a);
void bn254_fp12_inv(bn254_fp12 *r, const bn254_fp12 *a);
/* c0 - c1 w: the p^6-th power; the inverse for elements of GT. */
void bn254_fp12_conj(bn254_fp12 *r, const bn254_fp12 *a);
/* a^(p^n) for n = 1, 2, 3. */
void bn254_fp12_frobenius(bn254_fp12 *r, const bn254_fp12 *a, int n);
/* a^k for a public exponent k (any 256-bit value), variable time. */
void bn254_fp12_pow_var(bn254_fp12 *r, const bn254_fp12 *a, const bn254_scalar *k);
int bn254_fp12_eq(const bn254_fp12 *a, const bn254_fp12 *b);
int bn254_fp12_is_one(const bn254_fp12 *a);
/* 384 bytes: the 12 Fp coefficients, each 32-byte big-endian, in tower order
 * c0.c0.c0, c0.c0.c1, c0.c1.c0, ..., c1.c2.c1 (real part before imaginary). */
void bn254_fp12_to_bytes(uint8_t out[384], const bn254_fp12 *a);

/* ------------------------------------------------------------------------ */
/* Scalars mod r                                                              */

/* 32-byte big-endian -> scalar; NOT_CANONICAL when >= r. */
BN254_WARN_UNUSED bn254_err bn254_scalar_from_bytes(bn254_scalar *r, const uint8_t in[32]);
/* Any 32-byte big-endian integer reduced mod r (ecMul scalars, gamma). */
void bn254_scalar_from_bytes_reduce(bn254_scalar *r, const uint8_t in[32]);
void bn254_scalar_to_bytes(uint8_t out[32], const bn254_scalar *a);
void bn254_scalar_add(bn254_scalar *r, const bn254_scalar *a, const bn254_scalar *b);
void bn254_scalar_mul(bn254_scalar *r, const bn254_scalar *a, const bn254_scalar *b);

/* ------------------------------------------------------------------------ */
/* G1 (cofactor 1: every curve point is in the group)                         */

void bn254_g1_generator(bn254_g1 *r);                     /* (1, 2) */
int bn254_g1_is_infinity(const bn254_g1 *a);
/* 1 when a is on the curve or is the point at infinity. */
int bn254_g1_is_on_curve(const bn254_g1 *a);
/* 64 bytes x || y -> point. Errors: NOT_CANONICAL (a coordinate >= p),
 * NOT_ON_CURVE. All zeros is the point at infinity (accepted). */
BN254_WARN_UNUSED bn254_err bn254_g1_from_bytes(bn254_g1 *r, const uint8_t in[64]);
void bn254_g1_to_bytes(uint8_t out[64], const bn254_g1 *a);
int bn254_g1_eq(const bn254_g1 *a, const bn254_g1 *b);
void bn254_g1_neg(bn254_g1 *r, const bn254_g1 *a);
/* a + b (variable time; ecAdd). */
void bn254_g1_add_var(bn254_g1 *r, const bn254_g1 *a, const bn254_g1 *b);
/* [k]a, variable time (GLV + wNAF; ecMul). */
void bn254_g1_mul_var(bn254_g1 *r, const bn254_g1 *a, const bn254_scalar *k);
/* [k]a, constant time in k and a (for secret k). */
void bn254_g1_mul(bn254_g1 *r, const bn254_g1 *a, const bn254_scalar *k);

void bn254_g1_to_jac(bn254_g1_jac *r, const bn254_g1 *a);
/* Affine from Jacobian (one constant-time inversion). */
void bn254_g1_from_jac(bn254_g1 *r, const bn254_g1_jac *a);
void bn254_g1_jac_dbl(bn254_g1_jac *r, const bn254_g1_jac *a);
void bn254_g1_jac_add_var(bn254_g1_jac *r, const bn254_g1_jac *a, const bn254_g1_jac *b);
void bn254_g1_jac_add_affine_var(bn254_g1_jac *r, const bn254_g1_jac *a, const bn254_g1 *b);
void bn254_g1_jac_mul_var(bn254_g1_jac *r, const bn254_g1_jac *a, const bn254_scalar *k);
int bn254_g1_jac_eq(const bn254_g1_jac *a, const bn254_g1_jac *b);

/* ------------------------------------------------------------------------ */
/* G2 (on the twist; the subgroup of order r has a large cofactor)            */

void bn254_g2_generator(bn254_g2 *r);                     /* EIP-197's */
int bn254_g2_is_infinity(const bn254_g2 *a);
int bn254_g2_is_on_curve(const bn254_g2 *a);
/* 1 when a (on the curve) is in the order-r subgroup: the test of Dai, Lin,
 * Zhao, Zhou (eprint 2022/348) [u+1]a + psi([u]a) + psi^2([u]a) =
 * psi^3([2u]a), one 63-bit multiplication. Variable time. */
int bn254_g2_is_in_subgroup_var(const bn254_g2 *a);
/* 128 bytes x.c1 || x.c0 || y.c1 || y.c0 -> point. Errors: NOT_CANONICAL,
 * NOT_ON_CURVE, NOT_IN_SUBGROUP. All zeros is the point at infinity. */
BN254_WARN_UNUSED bn254_err bn254_g2_from_bytes(bn254_g2 *r, const uint8_t in[128]);
void bn254_g2_to_bytes(uint8_t out[128], const bn254_g2 *a);
int bn254_g2_eq(const bn254_g2 *a, const bn254_g2 *b);
void bn254_g2_neg(bn254_g2 *r, const bn254_g2 *a);
void bn254_g2_add_var(bn254_g2 *r, const bn254_g2 *a, const bn254_g2 *b);
void bn254_g2_mul_var(bn254_g2 *r, const bn254_g2 *a, const bn254_scalar *k);
void bn254_g2_mul(bn254_g2 *r, const bn254_g2 *a, const bn254_scalar *k);
/* psi = untwist-Frobenius-twist (Galbraith, Scott, eprint 2008/117); acts on
 * the subgroup as multiplication by p. */
void bn254_g2_psi(bn254_g2 *r, const bn254_g2 *a);

void bn254_g2_to_jac(bn254_g2_jac *r, const bn254_g2 *a);
void bn254_g2_from_jac(bn254_g2 *r, const bn254_g2_jac *a);
void bn254_g2_jac_dbl(bn254_g2_jac *r, const bn254_g2_jac *a);
void bn254_g2_jac_add_var(bn254_g2_jac *r, const bn254_g2_jac *a, const bn254_g2_jac *b);
void bn254_g2_jac_add_affine_var(bn254_g2_jac *r, const bn254_g2_jac *a, const bn254_g2 *b);
void bn254_g2_jac_mul_var(bn254_g2_jac *r, const bn254_g2_jac *a, const bn254_scalar *k);
int bn254_g2_jac_eq(const bn254_g2_jac *a, const bn254_g2_jac *b);

/* ------------------------------------------------------------------------ */
/* Pairing                                                                    */

/* e(p, q), the optimal ate pairing; 1 when either point is at infinity. The
 * final exponentiation raises to a fixed multiple m (p^12-1)/r, m coprime to r
 * (Fuentes-Castaneda et al.), the same value gnark-crypto and @noble/curves
 * return. Inputs must be valid points (q in the subgroup). */
void bn254_pairing(bn254_fp12 *r, const bn254_g1 *p, const bn254_g2 *q);
/* prod_i e(p[i], q[i]) with one shared Miller loop and one final
 * exponentiation. n = 0 gives 1. */
void bn254_multi_pairing(bn254_fp12 *r, const bn254_g1 *p, const bn254_g2 *q, size_t n);
/* The two halves, for callers that combine Miller loops themselves. */
void bn254_miller_loop(bn254_fp12 *r, const bn254_g1 *p, const bn254_g2 *q, size_t n);
void bn254_final_exp(bn254_fp12 *r, const bn254_fp12 *f);
/* 1 when prod_i e(p[i], q[i]) = 1 (the 0x08 precompile's predicate). */
int bn254_pairing_check(const bn254_g1 *p, const bn254_g2 *q, size_t n);

/* ------------------------------------------------------------------------ */
/* EVM precompiles on raw call data (EIP-196, EIP-197)                        */

/* 0x06 ecAdd: in is zero-padded or truncated to 128 bytes (two G1 points).
 * Errors: NOT_CANONICAL / NOT_ON_CURVE (the precompile then fails). */
BN254_WARN_UNUSED bn254_err bn254_evm_ecadd(uint8_t out[64], const uint8_t *in, size_t len);
/* 0x07 ecMul: G1 point || 32-byte scalar (any value), padded/truncated to 96. */
BN254_WARN_UNUSED bn254_err bn254_evm_ecmul(uint8_t out[64], const uint8_t *in, size_t len);
/* 0x08 ecPairing: len a multiple of 192 (else ARG); each pair G1 || G2.
 * out = 32-byte 1 or 0. Errors as the from_bytes functions. */
BN254_WARN_UNUSED bn254_err bn254_evm_ecpairing(uint8_t out[32], const uint8_t *in, size_t len);

/* ------------------------------------------------------------------------ */
/* EigenLayer hash-to-G1 (BN254.sol hashToG1, eigensdk-go MapToCurve)         */

/* Try-and-increment, bit for bit as EigenLayer's contract: x = digest mod p;
 * loop { beta = x^3 + 3; y = beta^((p+1)/4); if y^2 = beta return (x, y);
 * x = x + 1 mod p }. y is the raw power (no sign normalisation). The digest
 * is public: the number of tries is variable. */
void bn254_hash_to_g1(bn254_g1 *r, const uint8_t digest[32]);

/* ------------------------------------------------------------------------ */
/* BLS signatures as EigenLayer uses them: sk in Fr, pubkeys sk*G1 and sk*G2,
 * signature sk*hashToG1(digest) in G1.                                       */

/* A uniformly random key in [1, r) from getrandom(2). Errors: RANDOM. */
BN254_WARN_UNUSED bn254_err bn254_sk_generate(bn254_sk *sk);
/* 32-byte big-endian scalar -> key. Errors: BAD_KEY (0 or >= r; *sk is then
 * zeroed). Constant time: only the validity of the key can leak. */
BN254_WARN_UNUSED bn254_err bn254_sk_from_bytes(bn254_sk *sk, const uint8_t in[32]);
void bn254_sk_to_bytes(uint8_t out[32], const bn254_sk *sk);
void bn254_sk_wipe(bn254_sk *sk);

/* sk*G1 and sk*G2 (constant time). */
void bn254_bls_pubkey_g1(bn254_g1 *pk, const bn254_sk *sk);
void bn254_bls_pubkey_g2(bn254_g2 *pk, const bn254_sk *sk);
/* sig = sk * hashToG1(digest) (constant time in sk). */
void bn254_bls_sign(bn254_g1 *sig, const bn254_sk *sk, const uint8_t digest[32]);
/* e(sig, G2) = e(hashToG1(digest), pk): OK or VERIFY; INFINITY when sig or pk
 * is the point at infinity. Inputs must be valid points. */
BN254_WARN_UNUSED bn254_err bn254_bls_verify(const uint8_t digest[32], const bn254_g1 *sig, const bn254_g2 *pk);
/* EigenLayer's gamma = keccak256(digest, apk1.X, apk1.Y, apk2.X[0], apk2.X[1],
 * apk2.Y[0], apk2.Y[1], sig.X, sig.Y) mod r (BN254SignatureVerifier). */
void bn254_bls_gamma(bn254_scalar *gamma, const uint8_t digest[32], const bn254_g1 *sig,
                     const bn254_g1 *apk_g1, const bn254_g2 *apk_g2);
/* The on-chain check of BN254SignatureVerifier.verifySignature:
 *   e(sig + gamma apk1, -G2) e(hashToG1(digest) + gamma G1, apk2) = 1.
 * It holds iff sig is the signature of the key behind both apk1 (G1) and apk2
 * (G2), so what passes here passes on chain. OK or VERIFY; INFINITY when sig,
 * apk1 or apk2 is the point at infinity (which the contract would accept as
 * a degenerate identity, and we refuse). */
BN254_WARN_UNUSED bn254_err bn254_bls_verify_eigen(const uint8_t digest[32], const bn254_g1 *sig,
                                                   const bn254_g1 *apk_g1, const bn254_g2 *apk_g2);
/* Sum of n points (signatures or G1 keys; G2 keys). n = 0 gives infinity. */
void bn254_bls_aggregate_g1(bn254_g1 *r, const bn254_g1 *pts, size_t n);
void bn254_bls_aggregate_g2(bn254_g2 *r, const bn254_g2 *pts, size_t n);

/* Proof of possession for operator registration, EigenLayer KeyRegistrar's
 * BN254 scheme as contracts/src/OperatorRegistry.sol implements it:
 *   keyData    = abi.encode(g1.X, g1.Y, g2.X[0], g2.X[1], g2.Y[0], g2.Y[1])
 *   structHash = keccak256(abi.encode(keccak256("BN254KeyRegistration(address
 *                operator,address avs,uint32 operatorSetId,bytes keyData)"),
 *                operator, avs, operatorSetId, keccak256(keyData)))
 *   domain     = keccak256(abi.encode(keccak256("EIP712Domain(string name,
 *                string version,uint256 chainId,address verifyingContract)"),
 *                keccak256("FaaSOperatorRegistry"), keccak256("1"), chainid,
 *                registry))
 *   digest     = keccak256("\x19\x01" || domain || structHash)   (EIP-712)
 * pop = sk * hashToG1(digest), checked with the gamma-combined pairing
 * (bn254_bls_verify_eigen) against the operator's G1 and G2 keys, which also
 * proves that both keys hold the same sk. Binding chain, registry, operator,
 * AVS and operator set stops a proof from being replayed elsewhere. */
void bn254_bls_pop_digest(uint8_t out[32], uint64_t chain_id, const uint8_t registry[20],
                          const uint8_t operator_addr[20], const uint8_t avs[20], uint32_t operator_set_id,
                          const bn254_g1 *pk_g1, const bn254_g2 *pk_g2);
void bn254_bls_pop_prove(bn254_g1 *pop, const bn254_sk *sk, const uint8_t pop_digest[32]);
BN254_WARN_UNUSED bn254_err bn254_bls_pop_verify(const uint8_t pop_digest[32], const bn254_g1 *pop,
                                                 const bn254_g1 *pk_g1, const bn254_g2 *pk_g2);

/* ------------------------------------------------------------------------ */
/* EIP-2335 keystores with "curveType": "bn254" (Layr-Labs crypto-libs)       */

typedef enum { BN254_KDF_SCRYPT, BN254_KDF_PBKDF2 } bn254_kdf;

typedef struct {
    bn254_kdf kdf;
    uint32_t scrypt_n, scrypt_r, scrypt_p; /* scrypt cost (n a power of 2) */
    uint32_t pbkdf2_c;                     /* PBKDF2-HMAC-SHA256 iterations */
} bn254_keystore_opts;

/* The defaults of EIP-2335 and crypto-libs: scrypt n = 262144, r = 8, p = 1
 * (256 MiB, ~1 s); PBKDF2 c = 262144. */
void bn254_keystore_opts_default(bn254_keystore_opts *o, bn254_kdf kdf);

/* Encrypts sk under password (UTF-8; NFKD-normalised and stripped of control
 * codes as EIP-2335 says) into a new JSON keystore: crypto{kdf, checksum
 * (sha256), cipher (aes-128-ctr)}, pubkey (the G2 key, 128 bytes hex), path,
 * uuid, version 4, curveType "bn254". opts NULL = scrypt defaults. *json is a
 * new string the caller frees with free(). Errors: ARG (bad opts or
 * password not UTF-8), RANDOM, CRYPTO, NOMEM. */
BN254_WARN_UNUSED bn254_err bn254_keystore_encrypt(char **json, const bn254_sk *sk, const char *password,
                                                   const bn254_keystore_opts *opts);
/* Decrypts a keystore. Errors: JSON (malformed, missing or mistyped field,
 * bad hex), KEYSTORE (unsupported function, curveType not "bn254", absurd kdf
 * parameters), PASSWORD (checksum mismatch), BAD_KEY (the secret is 0 or
 * >= r), CRYPTO, NOMEM. */
BN254_WARN_UNUSED bn254_err bn254_keystore_decrypt(bn254_sk *sk, const char *json, const char *password);

#ifdef __cplusplus
}
#endif
#endif
