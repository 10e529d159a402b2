/* bn254-tool: BN254 keys, EigenLayer BLS signatures, proofs of possession and
 * EIP-2335 keystores from the command line - what the devnet (operator keys)
 * and forge's ffi (contract tests) use. `bn254-tool help` lists the commands.
 *
 * Output: text "name 0x..." lines by default; --json an object; --abi one
 * 0x-hex string of 32-byte words (abi.encode of the static values, so forge's
 * vm.ffi can abi.decode it). Points use the EVM formats of bn254.h. Errors: one
 * line on stderr, exit status 1 (2 for usage errors). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bn254.h"
#include "eth.h"

#define MAX_HEX_ARG 4096   /* bytes a hex argument may decode to */
#define MAX_BATCH_LINE (1 << 16)
#define MAX_AGGREGATE 1024

static const char USAGE[] =
    "usage: bn254-tool <command> [options]\n"
    "\n"
    "Keys are 32-byte big-endian scalars in hex: --key HEX or --key-env VAR.\n"
    "Points: G1 = x||y (64 bytes), G2 = x.c1||x.c0||y.c1||y.c0 (128 bytes), as the EVM.\n"
    "Output: text lines by default, --json for JSON, --abi for one abi-encoded 0x string.\n"
    "\n"
    "  keygen [--seed HEX | --label TEXT]\n"
    "                               new key: OS randomness; or the seed as a big-endian\n"
    "                               integer mod r (as eigensdk-go's NewPrivateKey); or\n"
    "                               keccak256(label) mod r (deterministic devnet keys)\n"
    "  pubkey --key K               G1 and G2 public keys\n"
    "  sign --key K --digest D      sk * hashToG1(D) (EigenLayer's BN254 scheme)\n"
    "  verify --digest D --sig S --pk-g1 P1 --pk-g2 P2\n"
    "                               BN254SignatureVerifier's gamma check; exit 0 valid, 1 not\n"
    "  hash-to-g1 --digest D        EigenLayer's try-and-increment hashToG1\n"
    "  aggregate-g1 P...            sum of G1 points (signatures or keys)\n"
    "  aggregate-g2 P...            sum of G2 points\n"
    "  pop-digest --chain-id N --registry ADDR --operator ADDR --avs ADDR\n"
    "             --operator-set-id N --pk-g1 P1 --pk-g2 P2\n"
    "                               OperatorRegistry's EIP-712 key-registration digest\n"
    "  pop --key K (--message-digest D | --chain-id N --registry ADDR --operator ADDR\n"
    "      --avs ADDR --operator-set-id N)\n"
    "                               proof of possession sk * hashToG1(digest); --abi gives\n"
    "                               abi.encode(bytes32 digest, uint256[2] g1, uint256[4] g2,\n"
    "                               uint256[2] pop)\n"
    "  keystore-create --key K (--password-env VAR | --password-file F)\n"
    "                  [--kdf scrypt|pbkdf2] [--out FILE]\n"
    "                               EIP-2335 keystore, curveType bn254\n"
    "  keystore-decrypt --keystore FILE (--password-env VAR | --password-file F)\n"
    "                               prints the secret key and public keys\n"
    "  batch                        test interface: one operation per stdin line\n";

/* ---- small helpers ------------------------------------------------------- */

static int fail(const char *fmt, const char *arg)
{
    fprintf(stderr, "bn254-tool: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 1;
}

static int usage_error(const char *fmt, const char *arg)
{
    fail(fmt, arg);
    fprintf(stderr, "run 'bn254-tool help' for usage\n");
    return 2;
}

/* Parsed options: --name value pairs plus the boolean --json / --abi, and
 * the positional arguments. */
#define MAX_OPTS 16
struct opts {
    const char *name[MAX_OPTS], *value[MAX_OPTS];
    int n, json, abi;
    char **pos;
    int npos;
};

static int parse_opts(struct opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->pos = argv;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) o->json = 1;
        else if (strcmp(argv[i], "--abi") == 0) o->abi = 1;
        else if (strncmp(argv[i], "--", 2) == 0) {
            if (i + 1 >= argc) return usage_error("option %s needs a value", argv[i]);
            if (o->n == MAX_OPTS) return usage_error("too many options%s", "");
            o->name[o->n] = argv[i] + 2;
            o->value[o->n++] = argv[++i];
        } else {
            o->pos[o->npos++] = argv[i];
        }
    }
    return 0;
}

static const char *opt(const struct opts *o, const char *name)
{
    for (int i = 0; i < o->n; i++)
        if (strcmp(o->name[i], name) == 0) return o->value[i];
    return NULL;
}

/* Fails on any option not in the NULL-terminated allowed list. */
static int check_opts(const struct opts *o, const char *const *allowed)
{
    for (int i = 0; i < o->n; i++) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++) ok |= strcmp(o->name[i], *a) == 0;
        if (!ok) return usage_error("unknown option --%s", o->name[i]);
    }
    return 0;
}

static int hex_exact(uint8_t *out, size_t n, const char *hex, const char *what)
{
    if (!hex) return usage_error("missing --%s", what);
    if (eth_hex_decode_exact(out, n, hex) != ETH_OK) {
        char msg[96];
        snprintf(msg, sizeof msg, "--%s must be %zu bytes of hex", what, n);
        return fail("%s", msg);
    }
    return 0;
}

static int read_g1(bn254_g1 *p, const char *hex, const char *what)
{
    uint8_t b[64];
    if (hex_exact(b, sizeof b, hex, what)) return 1;
    bn254_err e = bn254_g1_from_bytes(p, b);
    if (e) {
        fprintf(stderr, "bn254-tool: --%s: %s\n", what, bn254_strerror(e));
        return 1;
    }
    return 0;
}

static int read_g2(bn254_g2 *p, const char *hex, const char *what)
{
    uint8_t b[128];
    if (hex_exact(b, sizeof b, hex, what)) return 1;
    bn254_err e = bn254_g2_from_bytes(p, b);
    if (e) {
        fprintf(stderr, "bn254-tool: --%s: %s\n", what, bn254_strerror(e));
        return 1;
    }
    return 0;
}

/* The secret key from --key HEX or --key-env VAR (exactly one). */
static int read_key(bn254_sk *sk, const struct opts *o)
{
    const char *hex = opt(o, "key"), *env = opt(o, "key-env");
    uint8_t b[32];
    if (!hex == !env) return usage_error("give the secret key with exactly one of --key or --key-env%s", "");
    if (env && !(hex = getenv(env))) return fail("environment variable %s is not set", env);
    if (eth_hex_decode_exact(b, sizeof b, hex) != ETH_OK) return fail("the secret key must be 32 bytes of hex%s", "");
    bn254_err e = bn254_sk_from_bytes(sk, b);
    bn254_wipe(b, sizeof b);
    if (e) return fail("%s", bn254_strerror(e));
    return 0;
}

/* Output: collects named byte strings, then prints them in the chosen form. */
#define MAX_FIELDS 8
struct out {
    const char *name[MAX_FIELDS];
    uint8_t *data[MAX_FIELDS];
    size_t len[MAX_FIELDS];
    int n;
};

static void out_add(struct out *w, const char *name, uint8_t *data, size_t len)
{
    w->name[w->n] = name;
    w->data[w->n] = data;
    w->len[w->n++] = len;
}

static int out_print(const struct out *w, const struct opts *o)
{
    char *hex;
    if (o->abi) {
        fputs("0x", stdout);
        for (int i = 0; i < w->n; i++) {
            if (!(hex = eth_hex_encode_alloc(w->data[i], w->len[i]))) return fail("out of memory%s", "");
            fputs(hex + 2, stdout);
            free(hex);
        }
        fputc('\n', stdout);
        return 0;
    }
    json_t *obj = json_object();
    for (int i = 0; i < w->n; i++) {
        if (!(hex = eth_hex_encode_alloc(w->data[i], w->len[i]))) {
            json_decref(obj);
            return fail("out of memory%s", "");
        }
        if (o->json) json_object_set_new(obj, w->name[i], json_string(hex));
        else printf("%s %s\n", w->name[i], hex);
        bn254_wipe(hex, strlen(hex));
        free(hex);
    }
    if (o->json) {
        char *s = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!s) {
            json_decref(obj);
            return fail("out of memory%s", "");
        }
        puts(s);
        bn254_wipe(s, strlen(s));
        free(s);
    }
    json_decref(obj);
    return 0;
}

/* sk, pk_g1, pk_g2 of a key. */
static int print_key(const bn254_sk *sk, const struct opts *o, int with_secret)
{
    uint8_t skb[32], g1[64], g2[128];
    bn254_g1 p1;
    bn254_g2 p2;
    struct out w = {0};
    bn254_bls_pubkey_g1(&p1, sk);
    bn254_bls_pubkey_g2(&p2, sk);
    bn254_g1_to_bytes(g1, &p1);
    bn254_g2_to_bytes(g2, &p2);
    bn254_sk_to_bytes(skb, sk);
    if (with_secret) out_add(&w, "sk", skb, 32);
    out_add(&w, "pk_g1", g1, 64);
    out_add(&w, "pk_g2", g2, 128);
    int rc = out_print(&w, o);
    bn254_wipe(skb, sizeof skb);
    return rc;
}

/* ---- commands ------------------------------------------------------------ */

/* A key from 32 big-endian bytes reduced mod r (0 is refused). */
static int key_mod_r(bn254_sk *sk, uint8_t b[32], const char *what)
{
    bn254_scalar s;
    bn254_scalar_from_bytes_reduce(&s, b);
    bn254_scalar_to_bytes(b, &s);
    bn254_err e = bn254_sk_from_bytes(sk, b);
    bn254_wipe(b, 32);
    bn254_wipe(&s, sizeof s);
    if (e) return fail("%s is 0 mod r", what);
    return 0;
}

static int cmd_keygen(const struct opts *o)
{
    static const char *const allowed[] = {"seed", "label", NULL};
    bn254_sk sk;
    uint8_t b[32] = {0};
    if (check_opts(o, allowed)) return 2;
    const char *seed = opt(o, "seed"), *label = opt(o, "label");
    if (seed && label) return usage_error("give at most one of --seed and --label%s", "");
    if (seed) {
        uint8_t raw[32];
        size_t n;
        if (eth_hex_decode(raw, sizeof raw, &n, seed, strlen(seed)) != ETH_OK)
            return fail("--seed must be at most 32 bytes of hex%s", "");
        memcpy(b + 32 - n, raw, n);
        bn254_wipe(raw, sizeof raw);
        if (key_mod_r(&sk, b, "--seed")) return 1;
    } else if (label) {
        eth_keccak256(b, label, strlen(label));
        if (key_mod_r(&sk, b, "keccak256(--label)")) return 1;
    } else {
        bn254_err e = bn254_sk_generate(&sk);
        if (e) return fail("%s", bn254_strerror(e));
    }
    int rc = print_key(&sk, o, 1);
    bn254_sk_wipe(&sk);
    return rc;
}

static int cmd_pubkey(const struct opts *o)
{
    static const char *const allowed[] = {"key", "key-env", NULL};
    bn254_sk sk;
    if (check_opts(o, allowed)) return 2;
    int rk = read_key(&sk, o);
    if (rk) return rk;
    int rc = print_key(&sk, o, 0);
    bn254_sk_wipe(&sk);
    return rc;
}

static int sign_and_print(const bn254_sk *sk, const uint8_t digest[32], const struct opts *o, const char *name)
{
    bn254_g1 sig;
    uint8_t sb[64];
    struct out w = {0};
    bn254_bls_sign(&sig, sk, digest);
    bn254_g1_to_bytes(sb, &sig);
    out_add(&w, name, sb, 64);
    return out_print(&w, o);
}

static int cmd_sign(const struct opts *o)
{
    static const char *const allowed[] = {"key", "key-env", "digest", NULL};
    uint8_t d[32];
    bn254_sk sk;
    if (check_opts(o, allowed) || hex_exact(d, 32, opt(o, "digest"), "digest")) return 2;
    int rk = read_key(&sk, o);
    if (rk) return rk;
    int rc = sign_and_print(&sk, d, o, "signature");
    bn254_sk_wipe(&sk);
    return rc;
}

static int cmd_verify(const struct opts *o)
{
    static const char *const allowed[] = {"digest", "sig", "pk-g1", "pk-g2", NULL};
    uint8_t d[32];
    bn254_g1 sig, p1;
    bn254_g2 p2;
    if (check_opts(o, allowed)) return 2;
    if (hex_exact(d, 32, opt(o, "digest"), "digest") || read_g1(&sig, opt(o, "sig"), "sig") ||
        read_g1(&p1, opt(o, "pk-g1"), "pk-g1") || read_g2(&p2, opt(o, "pk-g2"), "pk-g2"))
        return 1;
    bn254_err e = bn254_bls_verify_eigen(d, &sig, &p1, &p2);
    if (o->json) printf("{\"valid\": %s}\n", e ? "false" : "true");
    else puts(e ? "invalid" : "valid");
    if (e && e != BN254_ERR_VERIFY) fprintf(stderr, "bn254-tool: %s\n", bn254_strerror(e));
    return e ? 1 : 0;
}

static int cmd_hash(const struct opts *o)
{
    static const char *const allowed[] = {"digest", NULL};
    uint8_t d[32], pb[64];
    bn254_g1 h;
    struct out w = {0};
    if (check_opts(o, allowed) || hex_exact(d, 32, opt(o, "digest"), "digest")) return 2;
    bn254_hash_to_g1(&h, d);
    bn254_g1_to_bytes(pb, &h);
    out_add(&w, "point", pb, 64);
    return out_print(&w, o);
}

static int cmd_aggregate(const struct opts *o, int g2)
{
    static const char *const allowed[] = {NULL};
    static bn254_g1 p1[MAX_AGGREGATE];
    static bn254_g2 p2[MAX_AGGREGATE];
    uint8_t b[128];
    struct out w = {0};
    if (check_opts(o, allowed)) return 2;
    if (o->npos == 0 || o->npos > MAX_AGGREGATE) return usage_error("give 1 to 1024 points%s", "");
    for (int i = 0; i < o->npos; i++)
        if (g2 ? read_g2(&p2[i], o->pos[i], "point") : read_g1(&p1[i], o->pos[i], "point")) return 1;
    if (g2) {
        bn254_bls_aggregate_g2(&p2[0], p2, (size_t)o->npos);
        bn254_g2_to_bytes(b, &p2[0]);
    } else {
        bn254_bls_aggregate_g1(&p1[0], p1, (size_t)o->npos);
        bn254_g1_to_bytes(b, &p1[0]);
    }
    out_add(&w, "sum", b, g2 ? 128 : 64);
    return out_print(&w, o);
}

/* A non-negative decimal or 0x-hex integer of at most max, or usage error. */
static int read_uint(uint64_t *v, const struct opts *o, const char *name, uint64_t max)
{
    const char *s = opt(o, name);
    char *end;
    if (!s) return usage_error("missing --%s", name);
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || *end || !*s || s[0] == '-' || x > max) {
        char msg[96];
        snprintf(msg, sizeof msg, "--%s must be an integer in [0, %llu]", name, (unsigned long long)max);
        return fail("%s", msg);
    }
    *v = x;
    return 0;
}

/* The proof-of-possession digest of the registration options and the keys. */
static int pop_digest_of(uint8_t out[32], const struct opts *o, const bn254_g1 *pk1, const bn254_g2 *pk2)
{
    uint8_t reg[20], op[20], avs[20];
    uint64_t chain, set;
    int rc;
    if ((rc = read_uint(&chain, o, "chain-id", UINT64_MAX)) || (rc = read_uint(&set, o, "operator-set-id", UINT32_MAX)))
        return rc;
    if ((rc = hex_exact(reg, 20, opt(o, "registry"), "registry")) || (rc = hex_exact(op, 20, opt(o, "operator"), "operator")) ||
        (rc = hex_exact(avs, 20, opt(o, "avs"), "avs")))
        return rc;
    bn254_bls_pop_digest(out, chain, reg, op, avs, (uint32_t)set, pk1, pk2);
    return 0;
}

static int cmd_pop_digest(const struct opts *o)
{
    static const char *const allowed[] = {"chain-id", "registry", "operator", "avs", "operator-set-id", "pk-g1", "pk-g2", NULL};
    uint8_t d[32];
    bn254_g1 pk1;
    bn254_g2 pk2;
    struct out w = {0};
    int rc;
    if (check_opts(o, allowed)) return 2;
    if (read_g1(&pk1, opt(o, "pk-g1"), "pk-g1") || read_g2(&pk2, opt(o, "pk-g2"), "pk-g2")) return 1;
    if ((rc = pop_digest_of(d, o, &pk1, &pk2))) return rc;
    out_add(&w, "digest", d, 32);
    return out_print(&w, o);
}

/* digest, pk_g1, pk_g2, pop: with --abi exactly abi.encode(bytes32, uint256[2],
 * uint256[4], uint256[2]), what the contract tests' ffi decodes. */
static int cmd_pop(const struct opts *o)
{
    static const char *const allowed[] = {"key", "key-env", "message-digest", "chain-id", "registry",
                                          "operator", "avs", "operator-set-id", NULL};
    uint8_t d[32], g1b[64], g2b[128], popb[64];
    bn254_sk sk;
    bn254_g1 pk1, pop;
    bn254_g2 pk2;
    struct out w = {0};
    if (check_opts(o, allowed)) return 2;
    int rc = read_key(&sk, o);
    if (rc) return rc;
    bn254_bls_pubkey_g1(&pk1, &sk);
    bn254_bls_pubkey_g2(&pk2, &sk);
    if (opt(o, "message-digest")) rc = hex_exact(d, 32, opt(o, "message-digest"), "message-digest");
    else rc = pop_digest_of(d, o, &pk1, &pk2);
    if (!rc) {
        bn254_bls_pop_prove(&pop, &sk, d);
        bn254_g1_to_bytes(g1b, &pk1);
        bn254_g2_to_bytes(g2b, &pk2);
        bn254_g1_to_bytes(popb, &pop);
        out_add(&w, "digest", d, 32);
        out_add(&w, "pk_g1", g1b, 64);
        out_add(&w, "pk_g2", g2b, 128);
        out_add(&w, "pop", popb, 64);
        rc = out_print(&w, o);
    }
    bn254_sk_wipe(&sk);
    return rc;
}

/* The password from --password-env VAR or --password-file FILE (one trailing
 * newline stripped). Caller wipes and frees. */
static char *read_password(const struct opts *o)
{
    const char *env = opt(o, "password-env"), *file = opt(o, "password-file");
    if (!env == !file) {
        usage_error("give the password with exactly one of --password-env or --password-file%s", "");
        return NULL;
    }
    if (env) {
        const char *v = getenv(env);
        if (!v) {
            fail("environment variable %s is not set", env);
            return NULL;
        }
        return strdup(v);
    }
    FILE *f = fopen(file, "rb");
    if (!f) {
        fail("cannot open password file %s", file);
        return NULL;
    }
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    int too_long = !feof(f);
    fclose(f);
    if (too_long) {
        bn254_wipe(buf, sizeof buf);
        fail("password file %s is longer than 4095 bytes", file);
        return NULL;
    }
    buf[n] = 0;
    if (n && buf[n - 1] == '\n') buf[--n] = 0;
    if (n && buf[n - 1] == '\r') buf[--n] = 0;
    char *p = strdup(buf);
    bn254_wipe(buf, sizeof buf);
    return p;
}

static void free_password(char *p)
{
    if (p) {
        bn254_wipe(p, strlen(p));
        free(p);
    }
}

static int cmd_keystore_create(const struct opts *o)
{
    static const char *const allowed[] = {"key", "key-env", "password-env", "password-file", "kdf", "out", NULL};
    bn254_keystore_opts ko;
    bn254_sk sk;
    char *json = NULL, *pw;
    if (check_opts(o, allowed)) return 2;
    const char *kdf = opt(o, "kdf") ? opt(o, "kdf") : "scrypt";
    if (strcmp(kdf, "scrypt") == 0) bn254_keystore_opts_default(&ko, BN254_KDF_SCRYPT);
    else if (strcmp(kdf, "pbkdf2") == 0) bn254_keystore_opts_default(&ko, BN254_KDF_PBKDF2);
    else return usage_error("--kdf must be scrypt or pbkdf2, not '%s'", kdf);
    int rk = read_key(&sk, o);
    if (rk) return rk;
    if (!(pw = read_password(o))) {
        bn254_sk_wipe(&sk);
        return 1;
    }
    bn254_err e = bn254_keystore_encrypt(&json, &sk, pw, &ko);
    bn254_sk_wipe(&sk);
    free_password(pw);
    if (e) return fail("%s", bn254_strerror(e));
    int rc = 0;
    const char *path = opt(o, "out");
    if (path) {
        FILE *f = fopen(path, "wx");
        if (!f) rc = fail("cannot create %s (it must not exist yet)", path);
        else if (fputs(json, f) < 0 || fputc('\n', f) < 0) rc = fail("cannot write %s", path);
        if (f && fclose(f) && !rc) rc = fail("cannot write %s", path);
    } else {
        puts(json);
    }
    free(json);
    return rc;
}

static int cmd_keystore_decrypt(const struct opts *o)
{
    static const char *const allowed[] = {"keystore", "password-env", "password-file", NULL};
    bn254_sk sk;
    json_error_t jerr;
    if (check_opts(o, allowed)) return 2;
    const char *path = opt(o, "keystore");
    if (!path) return usage_error("missing --keystore%s", "");
    json_t *doc = json_load_file(path, 0, &jerr);
    if (!doc) return fail("cannot read keystore: %s", jerr.text);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!text) return fail("out of memory%s", "");
    char *pw = read_password(o);
    if (!pw) {
        free(text);
        return 1;
    }
    bn254_err e = bn254_keystore_decrypt(&sk, text, pw);
    free(text);
    free_password(pw);
    if (e) return fail("%s", bn254_strerror(e));
    int rc = print_key(&sk, o, 1);
    bn254_sk_wipe(&sk);
    return rc;
}

/* ---- batch: the cross-check interface of the bn254/tests node scripts -----
 * Each stdin line is "<op> <hex> ..."; each answer line "ok <hex> ..." or
 * "err <message>". Ops: g1add A B, g1mul P K, g1mulct P K, g2add A B,
 * g2mul P K, g2mulct P K, g1check P, g2check P, pairing P Q (the GT value,
 * 384 bytes), ecadd DATA, ecmul DATA, ecpairing DATA (the precompiles on raw
 * call data), hash D, pubkey SK, sign SK D, verify D SIG PK1 PK2 (gamma check:
 * 1 or 0), gamma D SIG PK1 PK2, popdigest CHAINID(8) REGISTRY OPERATOR AVS
 * SETID(4) PK1 PK2. */

/* The answer of one batch line ("ok" plus hex words). */
static char answer[2 + 6 * (1 + 2 * 384) + 1];
static size_t answer_len;

static void put_hex(const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    answer[answer_len++] = ' ';
    for (size_t i = 0; i < n; i++) {
        answer[answer_len++] = digits[b[i] >> 4];
        answer[answer_len++] = digits[b[i] & 15];
    }
    answer[answer_len] = 0;
}

#define MAX_BATCH_ARGS 8

static const char *batch_op(const char *op, uint8_t *arg[], const size_t len[], int nargs)
{
    uint8_t out[384];
    bn254_err e = BN254_OK;
    bn254_g1 a1, b1;
    bn254_g2 a2, b2;
    bn254_scalar k;
#define NEED(n, ...)                                                             \
    do {                                                                         \
        const size_t want_[] = {__VA_ARGS__};                                   \
        if (nargs != (n)) return "wrong number of arguments";                   \
        for (int i_ = 0; i_ < (n); i_++)                                         \
            if (want_[i_] && len[i_] != want_[i_]) return "wrong argument length"; \
    } while (0)
#define TRY(x) do { if ((e = (x))) return bn254_strerror(e); } while (0)
    if (!strcmp(op, "ecadd") || !strcmp(op, "ecmul") || !strcmp(op, "ecpairing")) {
        const uint8_t *data = nargs ? arg[0] : NULL;   /* no argument: empty call data */
        size_t n = nargs ? len[0] : 0;
        if (nargs > 1) return "wrong number of arguments";
        if (!strcmp(op, "ecadd")) TRY(bn254_evm_ecadd(out, data, n));
        else if (!strcmp(op, "ecmul")) TRY(bn254_evm_ecmul(out, data, n));
        else TRY(bn254_evm_ecpairing(out, data, n));
        put_hex(out, strcmp(op, "ecpairing") ? 64 : 32);
    } else if (!strcmp(op, "g1add")) {
        NEED(2, 64, 64);
        TRY(bn254_g1_from_bytes(&a1, arg[0]));
        TRY(bn254_g1_from_bytes(&b1, arg[1]));
        bn254_g1_add_var(&a1, &a1, &b1);
        bn254_g1_to_bytes(out, &a1);
        put_hex(out, 64);
    } else if (!strcmp(op, "g1mul") || !strcmp(op, "g1mulct")) {
        NEED(2, 64, 32);
        TRY(bn254_g1_from_bytes(&a1, arg[0]));
        bn254_scalar_from_bytes_reduce(&k, arg[1]);
        if (!strcmp(op, "g1mul")) bn254_g1_mul_var(&a1, &a1, &k);
        else bn254_g1_mul(&a1, &a1, &k);
        bn254_g1_to_bytes(out, &a1);
        put_hex(out, 64);
    } else if (!strcmp(op, "g2add")) {
        NEED(2, 128, 128);
        TRY(bn254_g2_from_bytes(&a2, arg[0]));
        TRY(bn254_g2_from_bytes(&b2, arg[1]));
        bn254_g2_add_var(&a2, &a2, &b2);
        bn254_g2_to_bytes(out, &a2);
        put_hex(out, 128);
    } else if (!strcmp(op, "g2mul") || !strcmp(op, "g2mulct")) {
        NEED(2, 128, 32);
        TRY(bn254_g2_from_bytes(&a2, arg[0]));
        bn254_scalar_from_bytes_reduce(&k, arg[1]);
        if (!strcmp(op, "g2mul")) bn254_g2_mul_var(&a2, &a2, &k);
        else bn254_g2_mul(&a2, &a2, &k);
        bn254_g2_to_bytes(out, &a2);
        put_hex(out, 128);
    } else if (!strcmp(op, "g1check")) {
        NEED(1, 64);
        TRY(bn254_g1_from_bytes(&a1, arg[0]));
    } else if (!strcmp(op, "g2check")) {
        NEED(1, 128);
        TRY(bn254_g2_from_bytes(&a2, arg[0]));
    } else if (!strcmp(op, "pairing")) {
        bn254_fp12 f;
        NEED(2, 64, 128);
        TRY(bn254_g1_from_bytes(&a1, arg[0]));
        TRY(bn254_g2_from_bytes(&a2, arg[1]));
        bn254_pairing(&f, &a1, &a2);
        bn254_fp12_to_bytes(out, &f);
        put_hex(out, 384);
    } else if (!strcmp(op, "hash")) {
        NEED(1, 32);
        bn254_hash_to_g1(&a1, arg[0]);
        bn254_g1_to_bytes(out, &a1);
        put_hex(out, 64);
    } else if (!strcmp(op, "pubkey") || !strcmp(op, "sign")) {
        bn254_sk sk;
        if (!strcmp(op, "pubkey")) NEED(1, 32);
        else NEED(2, 32, 32);
        TRY(bn254_sk_from_bytes(&sk, arg[0]));
        if (!strcmp(op, "pubkey")) {
            bn254_bls_pubkey_g1(&a1, &sk);
            bn254_bls_pubkey_g2(&a2, &sk);
            bn254_g1_to_bytes(out, &a1);
            bn254_g2_to_bytes(out + 64, &a2);
            put_hex(out, 192);
        } else {
            bn254_bls_sign(&a1, &sk, arg[1]);
            bn254_g1_to_bytes(out, &a1);
            put_hex(out, 64);
        }
        bn254_sk_wipe(&sk);
    } else if (!strcmp(op, "verify") || !strcmp(op, "gamma")) {
        NEED(4, 32, 64, 64, 128);
        TRY(bn254_g1_from_bytes(&a1, arg[1]));
        TRY(bn254_g1_from_bytes(&b1, arg[2]));
        TRY(bn254_g2_from_bytes(&a2, arg[3]));
        if (!strcmp(op, "gamma")) {
            bn254_bls_gamma(&k, arg[0], &a1, &b1, &a2);
            bn254_scalar_to_bytes(out, &k);
            put_hex(out, 32);
        } else {
            e = bn254_bls_verify_eigen(arg[0], &a1, &b1, &a2);
            if (e && e != BN254_ERR_VERIFY) return bn254_strerror(e);
            out[0] = e == BN254_OK;
            put_hex(out, 1);
        }
    } else if (!strcmp(op, "popdigest")) {
        NEED(7, 8, 20, 20, 20, 4, 64, 128);
        uint64_t id = 0;
        uint32_t set = 0;
        for (int i = 0; i < 8; i++) id = id << 8 | arg[0][i];
        for (int i = 0; i < 4; i++) set = set << 8 | arg[4][i];
        TRY(bn254_g1_from_bytes(&a1, arg[5]));
        TRY(bn254_g2_from_bytes(&a2, arg[6]));
        bn254_bls_pop_digest(out, id, arg[1], arg[2], arg[3], set, &a1, &a2);
        put_hex(out, 32);
    } else {
        return "unknown operation";
    }
    return NULL;
#undef NEED
#undef TRY
}

static int cmd_batch(void)
{
    static char line[MAX_BATCH_LINE];
    static uint8_t bufs[MAX_BATCH_ARGS][MAX_HEX_ARG];
    while (fgets(line, sizeof line, stdin)) {
        uint8_t *arg[MAX_BATCH_ARGS];
        size_t len[MAX_BATCH_ARGS];
        int nargs = 0;
        const char *err = NULL;
        char *save = NULL, *op = strtok_r(line, " \t\r\n", &save), *tok;
        if (!op) continue;
        while (!err && (tok = strtok_r(NULL, " \t\r\n", &save))) {
            if (nargs == MAX_BATCH_ARGS) err = "too many arguments";
            else if (eth_hex_decode(bufs[nargs], MAX_HEX_ARG, &len[nargs], tok, strlen(tok)) != ETH_OK) err = "bad hex";
            else arg[nargs] = bufs[nargs], nargs++;
        }
        answer_len = 0;
        answer[0] = 0;
        if (!err) err = batch_op(op, arg, len, nargs);
        if (err) printf("err %s\n", err);
        else printf("ok%s\n", answer);
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    int rc = parse_opts(&o, argc - 2, argv + 2);
    if (rc) return rc;
    if (strncmp(cmd, "aggregate", 9) && o.npos) return usage_error("unexpected argument '%s'", o.pos[0]);
    if (!strcmp(cmd, "keygen")) return cmd_keygen(&o);
    if (!strcmp(cmd, "pubkey")) return cmd_pubkey(&o);
    if (!strcmp(cmd, "sign")) return cmd_sign(&o);
    if (!strcmp(cmd, "verify")) return cmd_verify(&o);
    if (!strcmp(cmd, "hash-to-g1")) return cmd_hash(&o);
    if (!strcmp(cmd, "aggregate-g1")) return cmd_aggregate(&o, 0);
    if (!strcmp(cmd, "aggregate-g2")) return cmd_aggregate(&o, 1);
    if (!strcmp(cmd, "pop-digest")) return cmd_pop_digest(&o);
    if (!strcmp(cmd, "pop")) return cmd_pop(&o);
    if (!strcmp(cmd, "keystore-create")) return cmd_keystore_create(&o);
    if (!strcmp(cmd, "keystore-decrypt")) return cmd_keystore_decrypt(&o);
    if (!strcmp(cmd, "batch")) return cmd_batch();
    return usage_error("unknown command '%s'", cmd);
}
