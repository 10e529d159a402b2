/* keystore.c - EIP-2335 keystores for BN254 keys, in the variant of Layr-Labs
 * crypto-libs (pkg/keystore): the EIP-2335 "crypto" module (scrypt or
 * PBKDF2-HMAC-SHA256, sha256 checksum, aes-128-ctr) plus "curveType": "bn254";
 * "pubkey" holds the G2 public key (128 bytes, EVM order).
 *
 * EIP-2335 (eips.ethereum.org/EIPS/eip-2335), Sec. "Password requirements"
 * and "Checksum": the password is NFKD-normalised and stripped of the control
 * codes U+0000-U+001F, U+007F, U+0080-U+009F; the derived key dk gives
 * checksum = sha256(dk[16:32] || ciphertext) and the AES-128-CTR key dk[0:16].
 * Primitives come from OpenSSL (libcrypto), normalisation from utf8proc. */
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <utf8proc.h>

#include "bn254.h"
#include "eth.h"

/* Caps on what a keystore may ask for, so a hostile file cannot make us
 * allocate or compute without bound: scrypt memory 128 r n <= 1 GiB (the
 * EIP-2335 default takes 256 MiB), PBKDF2 iterations <= 2^24, salt <= 1 KiB. */
#define KS_SCRYPT_MAXMEM ((uint64_t)1 << 30)
#define KS_PBKDF2_MAX_C ((uint64_t)1 << 24)
#define KS_SALT_MAX 1024
#define KS_DEFAULT_COST 262144

void bn254_keystore_opts_default(bn254_keystore_opts *o, bn254_kdf kdf)
{
    memset(o, 0, sizeof *o);
    o->kdf = kdf;
    o->scrypt_n = KS_DEFAULT_COST;
    o->scrypt_r = 8;
    o->scrypt_p = 1;
    o->pbkdf2_c = KS_DEFAULT_COST;
}

/* The EIP-2335 password bytes: NFKD, minus C0, DEL and C1 control codes.
 * *out is a new string (caller wipes and frees). */
static bn254_err normalise_password(char **out, size_t *out_len, const char *password)
{
    utf8proc_uint8_t *nfkd = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)password, 0, &nfkd,
                                      UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE);
    if (n < 0) return n == UTF8PROC_ERROR_NOMEM ? BN254_ERR_NOMEM : BN254_ERR_ARG;
    char *w = malloc((size_t)n + 1);
    if (!w) {
        bn254_wipe(nfkd, (size_t)n);
        free(nfkd);
        return BN254_ERR_NOMEM;
    }
    size_t len = 0;
    for (utf8proc_ssize_t i = 0; i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(nfkd + i, n - i, &cp);
        int control = cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f);
        if (!control) memcpy(w + len, nfkd + i, (size_t)k), len += (size_t)k;
        i += k;
    }
    w[len] = 0;
    bn254_wipe(nfkd, (size_t)n);
    free(nfkd);
    *out = w;
    *out_len = len;
    return BN254_OK;
}

static bn254_err derive_key(uint8_t dk[32], const char *password, const bn254_keystore_opts *o,
                            const uint8_t *salt, size_t salt_len)
{
    char *pw;
    size_t pw_len;
    bn254_err e = normalise_password(&pw, &pw_len, password);
    if (e) return e;
    int ok;
    if (o->kdf == BN254_KDF_SCRYPT)
        ok = EVP_PBE_scrypt(pw, pw_len, salt, salt_len, o->scrypt_n, o->scrypt_r, o->scrypt_p,
                            KS_SCRYPT_MAXMEM + ((uint64_t)1 << 20), dk, 32);
    else
        ok = PKCS5_PBKDF2_HMAC(pw, (int)pw_len, salt, (int)salt_len, (int)o->pbkdf2_c, EVP_sha256(), 32, dk);
    bn254_wipe(pw, pw_len);
    free(pw);
    return ok == 1 ? BN254_OK : BN254_ERR_CRYPTO;
}

/* sha256(dk[16:32] || ciphertext). */
static bn254_err checksum(uint8_t out[32], const uint8_t dk[32], const uint8_t *ct, size_t ct_len)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned n = 0;
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, dk + 16, 16) &&
             EVP_DigestUpdate(c, ct, ct_len) && EVP_DigestFinal_ex(c, out, &n) && n == 32;
    EVP_MD_CTX_free(c);
    return ok ? BN254_OK : BN254_ERR_CRYPTO;
}

/* AES-128-CTR with key dk[0:16] (encryption and decryption are the same). */
static bn254_err aes_ctr(uint8_t *out, const uint8_t *in, size_t len, const uint8_t dk[32], const uint8_t iv[16])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    int ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, dk, iv) &&
             EVP_EncryptUpdate(c, out, &n1, in, (int)len) && EVP_EncryptFinal_ex(c, out + n1, &n2) &&
             (size_t)(n1 + n2) == len;
    EVP_CIPHER_CTX_free(c);
    return ok ? BN254_OK : BN254_ERR_CRYPTO;
}

static bn254_err random_bytes(uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = getrandom(p, n, 0);
        if (k <= 0) return BN254_ERR_RANDOM;
        p += k;
        n -= (size_t)k;
    }
    return BN254_OK;
}

/* Lowercase hex without "0x" (the EIP-2335 style) as a JSON string. */
static json_t *json_hex(const uint8_t *p, size_t n)
{
    char *h = eth_hex_encode_alloc(p, n);
    json_t *s = h ? json_string(h + 2) : NULL;
    free(h);
    return s;
}

static int valid_opts(const bn254_keystore_opts *o)
{
    if (o->kdf == BN254_KDF_PBKDF2) return o->pbkdf2_c >= 1 && o->pbkdf2_c <= KS_PBKDF2_MAX_C;
    if (o->kdf != BN254_KDF_SCRYPT) return 0;
    uint64_t n = o->scrypt_n, r = o->scrypt_r, p = o->scrypt_p;
    return n >= 2 && (n & (n - 1)) == 0 && r >= 1 && p >= 1 && r * p < ((uint64_t)1 << 30) &&
           128 * r * n <= KS_SCRYPT_MAXMEM && 128 * r * p <= KS_SCRYPT_MAXMEM;
}

bn254_err bn254_keystore_encrypt(char **json, const bn254_sk *sk, const char *password,
                                 const bn254_keystore_opts *opts)
{
    bn254_keystore_opts def;
    uint8_t salt[32], iv[16], dk[32], secret[32], ct[32], sum[32], uuid[16], g2b[128];
    char uuid_str[37];
    bn254_g2 pk;
    json_t *kdf_params, *doc;
    if (!json || !sk || !password) return BN254_ERR_ARG;
    *json = NULL;
    if (!opts) {
        bn254_keystore_opts_default(&def, BN254_KDF_SCRYPT);
        opts = &def;
    }
    if (!valid_opts(opts)) return BN254_ERR_ARG;
    bn254_err e = random_bytes(salt, sizeof salt);
    if (!e) e = random_bytes(iv, sizeof iv);
    if (!e) e = random_bytes(uuid, sizeof uuid);
    if (!e) e = derive_key(dk, password, opts, salt, sizeof salt);
    if (e) return e;
    bn254_sk_to_bytes(secret, sk);
    e = aes_ctr(ct, secret, sizeof secret, dk, iv);
    if (!e) e = checksum(sum, dk, ct, sizeof ct);
    bn254_wipe(secret, sizeof secret);
    bn254_wipe(dk, sizeof dk);
    if (e) return e;

    uuid[6] = (uuid[6] & 0x0f) | 0x40;   /* RFC 4122 version 4, variant 10 */
    uuid[8] = (uuid[8] & 0x3f) | 0x80;
    snprintf(uuid_str, sizeof uuid_str,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8], uuid[9],
             uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
    bn254_bls_pubkey_g2(&pk, sk);
    bn254_g2_to_bytes(g2b, &pk);
    if (opts->kdf == BN254_KDF_SCRYPT)
        kdf_params = json_pack("{s:i, s:I, s:I, s:I, s:o}", "dklen", 32, "n", (json_int_t)opts->scrypt_n,
                               "r", (json_int_t)opts->scrypt_r, "p", (json_int_t)opts->scrypt_p,
                               "salt", json_hex(salt, sizeof salt));
    else
        kdf_params = json_pack("{s:i, s:I, s:s, s:o}", "dklen", 32, "c", (json_int_t)opts->pbkdf2_c,
                               "prf", "hmac-sha256", "salt", json_hex(salt, sizeof salt));
    doc = json_pack("{s:{s:{s:s, s:o, s:s}, s:{s:s, s:{}, s:o}, s:{s:s, s:{s:o}, s:o}},"
                    " s:s, s:o, s:s, s:s, s:i, s:s}",
                    "crypto",
                    "kdf", "function", opts->kdf == BN254_KDF_SCRYPT ? "scrypt" : "pbkdf2",
                    "params", kdf_params, "message", "",
                    "checksum", "function", "sha256", "params", "message", json_hex(sum, sizeof sum),
                    "cipher", "function", "aes-128-ctr", "params", "iv", json_hex(iv, sizeof iv),
                    "message", json_hex(ct, sizeof ct),
                    "description", "", "pubkey", json_hex(g2b, sizeof g2b), "path", "m/1/0/0",
                    "uuid", uuid_str, "version", 4, "curveType", "bn254");
    if (!doc) return BN254_ERR_NOMEM;
    *json = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    return *json ? BN254_OK : BN254_ERR_NOMEM;
}

/* Decodes the hex string at obj.key (optional "0x") into a new buffer of at
 * most max bytes. */
static bn254_err get_hex(uint8_t **out, size_t *len, const json_t *obj, const char *key, size_t max)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s) return BN254_ERR_JSON;
    size_t n = strlen(s);
    if (n / 2 > max + 1) return BN254_ERR_KEYSTORE;
    if (eth_hex_decode_alloc(out, len, s, n) != ETH_OK) return BN254_ERR_JSON;
    if (*len > max) {
        free(*out);
        *out = NULL;
        return BN254_ERR_KEYSTORE;
    }
    return BN254_OK;
}

/* A JSON integer in [lo, hi]; JSON when missing or not an integer,
 * KEYSTORE when out of range. */
static bn254_err get_uint(uint64_t *v, const json_t *obj, const char *key, uint64_t lo, uint64_t hi)
{
    const json_t *j = json_object_get(obj, key);
    if (!json_is_integer(j)) return BN254_ERR_JSON;
    json_int_t x = json_integer_value(j);
    if (x < 0 || (uint64_t)x < lo || (uint64_t)x > hi) return BN254_ERR_KEYSTORE;
    *v = (uint64_t)x;
    return BN254_OK;
}

static int str_is(const json_t *obj, const char *key, const char *want)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && strcmp(s, want) == 0;
}

/* Reads crypto.kdf into opts and the salt. */
static bn254_err parse_kdf(bn254_keystore_opts *o, uint8_t **salt, size_t *salt_len, const json_t *kdf)
{
    const json_t *params = json_object_get(kdf, "params");
    uint64_t dklen, a, b, c;
    bn254_err e;
    if (!json_is_object(kdf) || !json_is_object(params)) return BN254_ERR_JSON;
    if (!json_is_string(json_object_get(kdf, "function"))) return BN254_ERR_JSON;
    if ((e = get_uint(&dklen, params, "dklen", 32, 32))) return e;
    memset(o, 0, sizeof *o);
    if (str_is(kdf, "function", "scrypt")) {
        o->kdf = BN254_KDF_SCRYPT;
        if ((e = get_uint(&a, params, "n", 2, KS_SCRYPT_MAXMEM)) || (e = get_uint(&b, params, "r", 1, 1 << 20)) ||
            (e = get_uint(&c, params, "p", 1, 1 << 20)))
            return e;
        o->scrypt_n = (uint32_t)a;
        o->scrypt_r = (uint32_t)b;
        o->scrypt_p = (uint32_t)c;
    } else if (str_is(kdf, "function", "pbkdf2")) {
        o->kdf = BN254_KDF_PBKDF2;
        if (!json_is_string(json_object_get(params, "prf"))) return BN254_ERR_JSON;
        if (!str_is(params, "prf", "hmac-sha256")) return BN254_ERR_KEYSTORE;
        if ((e = get_uint(&a, params, "c", 1, KS_PBKDF2_MAX_C))) return e;
        o->pbkdf2_c = (uint32_t)a;
    } else {
        return BN254_ERR_KEYSTORE;
    }
    if (!valid_opts(o)) return BN254_ERR_KEYSTORE;
    if ((e = get_hex(salt, salt_len, params, "salt", KS_SALT_MAX))) return e;
    return BN254_OK;
}

bn254_err bn254_keystore_decrypt(bn254_sk *sk, const char *json, const char *password)
{
    json_error_t jerr;
    bn254_keystore_opts o;
    uint8_t *salt = NULL, *iv = NULL, *ct = NULL, *want = NULL, dk[32], got[32], secret[32], padded[32] = {0};
    size_t salt_len, iv_len, ct_len, want_len;
    bn254_err e;
    if (!sk || !json || !password) return BN254_ERR_ARG;
    json_t *doc = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) return BN254_ERR_JSON;
    const json_t *crypto = json_object_get(doc, "crypto");
    const json_t *kdf = json_object_get(crypto, "kdf"), *sum = json_object_get(crypto, "checksum"),
                 *cipher = json_object_get(crypto, "cipher");
    const json_t *version = json_object_get(doc, "version"), *curve = json_object_get(doc, "curveType");
    if (!json_is_object(doc) || !json_is_object(crypto) || !json_is_object(sum) || !json_is_object(cipher) ||
        !json_is_string(json_object_get(sum, "function")) || !json_is_string(json_object_get(cipher, "function")) ||
        !json_is_string(curve) || (version && !json_is_integer(version))) {
        e = BN254_ERR_JSON;
        goto out;
    }
    if (!str_is(doc, "curveType", "bn254") || (version && json_integer_value(version) != 4) ||
        !str_is(sum, "function", "sha256") || !str_is(cipher, "function", "aes-128-ctr")) {
        e = BN254_ERR_KEYSTORE;
        goto out;
    }
    if ((e = parse_kdf(&o, &salt, &salt_len, kdf)) ||
        (e = get_hex(&iv, &iv_len, json_object_get(cipher, "params"), "iv", 16)) ||
        (e = get_hex(&ct, &ct_len, cipher, "message", 32)) ||
        (e = get_hex(&want, &want_len, sum, "message", 32)))
        goto out;
    if (iv_len != 16 || want_len != 32 || ct_len == 0) {
        e = BN254_ERR_KEYSTORE;
        goto out;
    }
    if ((e = derive_key(dk, password, &o, salt, salt_len))) goto out;
    e = checksum(got, dk, ct, ct_len);
    if (!e && CRYPTO_memcmp(got, want, 32) != 0) e = BN254_ERR_PASSWORD;
    if (!e) e = aes_ctr(secret, ct, ct_len, dk, iv);
    if (!e) {
        /* crypto-libs stores big.Int.Bytes(): big-endian, maybe shorter. */
        memcpy(padded + 32 - ct_len, secret, ct_len);
        e = bn254_sk_from_bytes(sk, padded);
    }
    bn254_wipe(dk, sizeof dk);
    bn254_wipe(secret, sizeof secret);
    bn254_wipe(padded, sizeof padded);
out:
    free(salt);
    free(iv);
    free(ct);
    free(want);
    json_decref(doc);
    return e;
}
