/* abi.c - the Solidity contract ABI (docs.soliditylang.org, "Contract ABI
 * Specification"): type strings, abi.encode / abi.decode over jansson values,
 * selectors, event logs and revert data.
 *
 * A type string is parsed once into a small tree of nodes kept in one array
 * (no allocation per node for ordinary types). Encoding writes each head in
 * place and appends tails, so one pass over the values produces the output
 * with no temporary buffers. Decoding accepts only the spec's "strict
 * encoding mode": every offset must point exactly where the canonical
 * encoder puts the tail (no gaps, no overlaps, no reordering), and all
 * padding must be clean. That makes decoding linear in the input (no tail
 * can be read twice) and every accepted input re-encodes to itself; bytes
 * after the complete encoding are ignored, as Solidity's decoder ignores them. */
#include "eth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORD 32
#define NONE UINT32_MAX
#define LOCAL_NODES 48        /* nodes held on the stack before the arena moves to the heap */
#define REVERT_REASON_MAX 512 /* bytes of a revert reason shown before "..." */

/* Selectors of the two revert payloads Solidity itself emits. */
static const uint8_t SEL_ERROR[4] = { 0x08, 0xc3, 0x79, 0xa0 }; /* Error(string) */
static const uint8_t SEL_PANIC[4] = { 0x4e, 0x48, 0x7b, 0x71 }; /* Panic(uint256) */

/* The word-sized elementary kinds come first: kind <= K_FBYTES means "fits one word". */
enum abi_kind { K_UINT, K_INT, K_ADDRESS, K_BOOL, K_FBYTES, K_BYTES, K_STRING, K_ARRAY, K_FARRAY, K_TUPLE };

typedef struct {
    uint8_t kind;       /* enum abi_kind */
    uint8_t dynamic;    /* encoded out of line, behind an offset */
    uint8_t indexed;    /* event parameter marked "indexed" */
    uint8_t height;     /* tuples and arrays nested in this type, itself included (0: elementary) */
    uint16_t width;     /* bits of uintN/intN, bytes of bytesN */
    uint32_t sub;       /* arrays: the element; tuples: first component (NONE if empty) */
    uint32_t next;      /* next component of the enclosing tuple (NONE at the end) */
    size_t count;       /* tuples: components; fixed arrays: elements */
    size_t body;        /* tuples and fixed arrays: bytes of their head area */
    size_t head;        /* bytes taken in the parent's head area: 32 if dynamic, else the whole encoding */
    const char *name;   /* parameter name in a declaration, not NUL-terminated (NULL: none) */
    size_t name_len;
} abi_node;

/* A parsed type string or declaration: the node arena and the parse cursor. */
typedef struct {
    abi_node *n;
    size_t len, cap;
    const char *s;
    size_t pos, end;
    abi_node local[LOCAL_NODES];
} abi_types;

static void types_init(abi_types *t, const char *s, size_t len)
{
    t->n = t->local;
    t->len = 0;
    t->cap = LOCAL_NODES;
    t->s = s;
    t->pos = 0;
    t->end = len;
}

static void types_free(abi_types *t)
{
    if (t->n != t->local) free(t->n);
}

static eth_err new_node(abi_types *t, uint8_t kind, uint32_t *id)
{
    if (t->len == t->cap) {
        size_t cap = t->cap * 2;
        abi_node *n = t->n == t->local ? malloc(cap * sizeof *n) : realloc(t->n, cap * sizeof *n);
        if (!n) return ETH_ERR_NOMEM;
        if (t->n == t->local) memcpy(n, t->local, sizeof t->local);
        t->n = n;
        t->cap = cap;
    }
    t->n[t->len] = (abi_node){ .kind = kind, .sub = NONE, .next = NONE, .head = WORD };
    *id = (uint32_t)t->len++;
    return ETH_OK;
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                    */

static int at(const abi_types *t, char c) { return t->pos < t->end && t->s[t->pos] == c; }

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static void skip_space(abi_types *t)
{
    while (t->pos < t->end && (t->s[t->pos] == ' ' || t->s[t->pos] == '\t' || t->s[t->pos] == '\n')) t->pos++;
}

/* Decimal 1..max without leading zeros (the spec's M in uintM, bytesM, T[M]). */
static int parse_number(abi_types *t, size_t max, size_t *v)
{
    size_t start = t->pos, x = 0;
    while (t->pos < t->end && is_digit(t->s[t->pos])) {
        size_t d = (size_t)(t->s[t->pos++] - '0');
        if (x > (max - d) / 10) return 0;
        x = x * 10 + d;
    }
    if (t->pos == start || t->s[start] == '0') return 0;
    *v = x;
    return 1;
}

/* A Solidity identifier [A-Za-z_$][A-Za-z0-9_$]*; returns its length (0: none). */
static size_t parse_ident(abi_types *t)
{
    size_t start = t->pos;
    while (t->pos < t->end) {
        char c = t->s[t->pos];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
                 (t->pos > start && is_digit(c));
        if (!ok) break;
        t->pos++;
    }
    return t->pos - start;
}

static int word_is(const char *w, size_t n, const char *lit) { return strlen(lit) == n && memcmp(w, lit, n) == 0; }

/* uintM, intM (M % 8 == 0, 8 <= M <= 256; bare uint/int mean 256), address,
 * bool, bytesM (1 <= M <= 32), bytes, string. */
static eth_err parse_elementary(abi_types *t, uint32_t *id)
{
    size_t start = t->pos;
    while (t->pos < t->end && t->s[t->pos] >= 'a' && t->s[t->pos] <= 'z') t->pos++;
    const char *w = t->s + start;
    size_t wl = t->pos - start, m = 0;
    int has_m = t->pos < t->end && is_digit(t->s[t->pos]);
    uint8_t kind;
    if (word_is(w, wl, "uint") || word_is(w, wl, "int")) {
        kind = w[0] == 'u' ? K_UINT : K_INT;
        if (!has_m) m = 256;
        else if (!parse_number(t, 256, &m) || m % 8) return ETH_ERR_ABI;
    } else if (word_is(w, wl, "bytes")) {
        kind = has_m ? K_FBYTES : K_BYTES;
        if (has_m && !parse_number(t, 32, &m)) return ETH_ERR_ABI;
    } else if (!has_m && word_is(w, wl, "address")) {
        kind = K_ADDRESS;
    } else if (!has_m && word_is(w, wl, "bool")) {
        kind = K_BOOL;
    } else if (!has_m && word_is(w, wl, "string")) {
        kind = K_STRING;
    } else {
        return ETH_ERR_ABI; /* unknown, or not supported (fixedMxN, function) */
    }
    eth_err e = new_node(t, kind, id);
    if (e) return e;
    t->n[*id].width = (uint16_t)m;
    t->n[*id].dynamic = kind == K_BYTES || kind == K_STRING;
    return ETH_OK;
}

static eth_err parse_tuple(abi_types *t, int depth, int top, int allow_indexed, uint32_t *id);

/* What may follow a parameter's type in a declaration: "indexed" (events),
 * a data location (ignored, so Solidity source can be pasted), a name. */
static eth_err parse_param_words(abi_types *t, abi_node *nd, int allow_indexed)
{
    for (;;) {
        skip_space(t);
        size_t start = t->pos, wl = parse_ident(t);
        const char *w = t->s + start;
        if (!wl) return ETH_OK;
        if (word_is(w, wl, "indexed")) {
            if (!allow_indexed || nd->indexed || nd->name) return ETH_ERR_ABI;
            nd->indexed = 1;
        } else if (word_is(w, wl, "memory") || word_is(w, wl, "calldata") || word_is(w, wl, "storage")) {
            if (nd->name) return ETH_ERR_ABI;
        } else {
            if (nd->name) return ETH_ERR_ABI;
            nd->name = w;
            nd->name_len = wl;
        }
    }
}

/* type := (elementary | tuple) ('[' M? ']')*. depth is the number of
 * enclosing parentheses, which bounds the parser's recursion; a type's height
 * (what the encoder and decoder recurse over) is checked as nodes are made. */
static eth_err parse_type(abi_types *t, int depth, uint32_t *id)
{
    eth_err e = at(t, '(') ? parse_tuple(t, depth, 0, 0, id) : parse_elementary(t, id);
    while (!e && at(t, '[')) {
        size_t k = 0;
        uint32_t arr;
        t->pos++;
        if (t->n[*id].height >= ETH_ABI_MAX_DEPTH) return ETH_ERR_ABI;
        if (!at(t, ']') && !parse_number(t, ETH_ABI_MAX_DATA / WORD, &k)) return ETH_ERR_ABI;
        if (!at(t, ']')) return ETH_ERR_ABI;
        t->pos++;
        if ((e = new_node(t, k ? K_FARRAY : K_ARRAY, &arr))) return e;
        abi_node *a = &t->n[arr];
        const abi_node *elem = &t->n[*id];
        a->sub = *id;
        a->height = (uint8_t)(elem->height + 1);
        if (k) {
            /* T[k] is encoded like a tuple of k T's; its size must stay under the data cap. */
            if (elem->head > ETH_ABI_MAX_DATA / k) return ETH_ERR_ABI;
            a->count = k;
            a->body = k * elem->head;
            a->dynamic = elem->dynamic;
            a->head = a->dynamic ? WORD : a->body;
        } else {
            a->dynamic = 1;
        }
        *id = arr;
    }
    return e;
}

/* tuple := '(' component (',' component)* ')', component := type [indexed] [name].
 * Only the outermost tuple (top) may be empty or carry "indexed" (when allowed):
 * the spec's T[0] and () would be zero-size, which Solidity never emits and
 * which would let a few bytes of data decode to unbounded output. */
static eth_err parse_tuple(abi_types *t, int depth, int top, int allow_indexed, uint32_t *id)
{
    eth_err e;
    uint32_t prev = NONE;
    size_t count = 0, body = 0;
    int dynamic = 0, height = 0;
    if (depth >= ETH_ABI_MAX_DEPTH) return ETH_ERR_ABI;
    if ((e = new_node(t, K_TUPLE, id))) return e;
    t->pos++; /* '(' */
    skip_space(t);
    int done = at(t, ')');
    if (done) {
        if (!top) return ETH_ERR_ABI;
        t->pos++;
    }
    while (!done) {
        uint32_t c;
        skip_space(t);
        if ((e = parse_type(t, depth + 1, &c))) return e;
        if ((e = parse_param_words(t, &t->n[c], top && allow_indexed))) return e;
        if (prev == NONE) t->n[*id].sub = c;
        else t->n[prev].next = c;
        prev = c;
        count++;
        if (t->n[c].head > ETH_ABI_MAX_DATA - body) return ETH_ERR_ABI;
        body += t->n[c].head;
        dynamic |= t->n[c].dynamic;
        if (t->n[c].height > height) height = t->n[c].height;
        if (!at(t, ',') && !at(t, ')')) return ETH_ERR_ABI;
        done = at(t, ')');
        t->pos++;
    }
    abi_node *tu = &t->n[*id];
    tu->count = count;
    tu->body = body;
    tu->dynamic = (uint8_t)dynamic;
    tu->head = dynamic ? WORD : body;
    tu->height = (uint8_t)(height + 1);
    return tu->height > ETH_ABI_MAX_DEPTH ? ETH_ERR_ABI : ETH_OK;
}

static eth_err check_text(const char *s, size_t *len)
{
    if (!s) return ETH_ERR_ARG;
    *len = strnlen(s, ETH_ABI_MAX_TYPE_LEN + 1);
    return *len > ETH_ABI_MAX_TYPE_LEN ? ETH_ERR_ABI : ETH_OK;
}

/* A list of types: "(T1,...,Tn)" (possibly "()"); any other type T reads as (T). */
static eth_err parse_list(abi_types *t, const char *text, uint32_t *root)
{
    size_t len;
    eth_err e = check_text(text, &len);
    if (e) return e;
    types_init(t, text, len);
    if (at(t, '(')) {
        e = parse_tuple(t, 0, 1, 0, root);
        if (e || t->pos == t->end) return e;
        /* "(…)[]" and the like: a single type after all; start over. */
        t->pos = 0;
        t->len = 0;
    }
    uint32_t c;
    if ((e = new_node(t, K_TUPLE, root))) return e;
    if ((e = parse_type(t, 1, &c))) return e;
    if (t->pos != t->end || t->n[c].height >= ETH_ABI_MAX_DEPTH) return ETH_ERR_ABI;
    abi_node *r = &t->n[*root];
    r->height = (uint8_t)(t->n[c].height + 1);
    r->sub = c;
    r->count = 1;
    r->body = t->n[c].head;
    r->dynamic = t->n[c].dynamic;
    r->head = r->dynamic ? WORD : r->body;
    return ETH_OK;
}

/* A declaration "Name(type [indexed] [name], ...)"; *name and *name_len get
 * Name. The caller frees t with types_free, also after a failure. */
static eth_err parse_decl(abi_types *t, const char *text, int allow_indexed, uint32_t *root, const char **name,
                          size_t *name_len)
{
    size_t len;
    t->n = t->local; /* types_free is safe from here on */
    eth_err e = check_text(text, &len);
    if (e) return e;
    types_init(t, text, len);
    skip_space(t);
    *name = t->s + t->pos;
    if (!(*name_len = parse_ident(t)) || !at(t, '(')) return ETH_ERR_ABI;
    if ((e = parse_tuple(t, 0, 1, allow_indexed, root))) return e;
    skip_space(t);
    return t->pos == t->end ? ETH_OK : ETH_ERR_ABI;
}

/* ------------------------------------------------------------------------ */
/* Canonical type names (what selectors and event topics hash)               */

static eth_err print_type(eth_buf *s, const abi_types *t, uint32_t id)
{
    static const char *const names[] = { [K_ADDRESS] = "address", [K_BOOL] = "bool", [K_BYTES] = "bytes",
                                         [K_STRING] = "string" };
    const abi_node *nd = &t->n[id];
    char tmp[32];
    eth_err e = ETH_OK;
    switch (nd->kind) {
    case K_UINT:
    case K_INT:
    case K_FBYTES:
        snprintf(tmp, sizeof tmp, "%s%u", nd->kind == K_UINT ? "uint" : nd->kind == K_INT ? "int" : "bytes",
                 (unsigned)nd->width);
        return eth_buf_append(s, tmp, strlen(tmp));
    case K_ARRAY:
    case K_FARRAY:
        if ((e = print_type(s, t, nd->sub))) return e;
        if (nd->kind == K_ARRAY) snprintf(tmp, sizeof tmp, "[]");
        else snprintf(tmp, sizeof tmp, "[%zu]", nd->count);
        return eth_buf_append(s, tmp, strlen(tmp));
    case K_TUPLE:
        if ((e = eth_buf_append(s, "(", 1))) return e;
        for (uint32_t c = nd->sub; c != NONE && !e; c = t->n[c].next) {
            if (c != nd->sub) e = eth_buf_append(s, ",", 1);
            if (!e) e = print_type(s, t, c);
        }
        return e ? e : eth_buf_append(s, ")", 1);
    default:
        return eth_buf_append(s, names[nd->kind], strlen(names[nd->kind]));
    }
}

/* keccak256("Name(canonical types)"): the event topic; its first 4 bytes are the selector. */
static eth_err signature_hash(uint8_t out[32], const abi_types *t, uint32_t root, const char *name, size_t name_len)
{
    eth_buf s;
    eth_buf_init(&s, ETH_ABI_MAX_TYPE_LEN * 4);
    eth_err e = eth_buf_append(&s, name, name_len);
    if (!e) e = print_type(&s, t, root);
    if (!e) eth_keccak256(out, s.data, s.len);
    eth_buf_free(&s);
    return e;
}

void eth_abi_selector(uint8_t out[4], const char *signature)
{
    uint8_t h[32];
    eth_keccak256(h, signature, strlen(signature));
    memcpy(out, h, 4);
}

void eth_abi_event_topic(uint8_t out[32], const char *signature)
{
    abi_types t;
    uint32_t root;
    const char *name;
    size_t name_len;
    eth_err e = parse_decl(&t, signature, 1, &root, &name, &name_len);
    if (!e) e = signature_hash(out, &t, root, name, name_len);
    types_free(&t);
    if (e) eth_keccak256(out, signature, strlen(signature)); /* not a declaration: the text as given */
}

/* ------------------------------------------------------------------------ */
/* Words                                                                      */

static void put_word_u64(uint8_t w[WORD], uint64_t v)
{
    memset(w, 0, WORD - 8);
    for (int i = 0; i < 8; i++) w[WORD - 1 - i] = (uint8_t)(v >> (8 * i));
}

/* 1 when the word is a number below 2^64 (then *v holds it). */
static int word_u64(const uint8_t w[WORD], uint64_t *v)
{
    eth_u256 u;
    memcpy(u.b, w, WORD);
    return eth_u256_to_u64(&u, v);
}

/* Two's complement negation of a 256-bit word, in place. */
static void negate(uint8_t w[WORD])
{
    unsigned carry = 1;
    for (int i = WORD - 1; i >= 0; i--) {
        unsigned x = (uint8_t)~w[i] + carry;
        w[i] = (uint8_t)x;
        carry = x >> 8;
    }
}

/* Whether the word is a clean value of the integer type nd: the bytes above
 * its width are zero (uintN) or copies of its sign bit (intN). */
static int int_fits(const abi_node *nd, const uint8_t w[WORD])
{
    size_t top = WORD - nd->width / 8;
    uint8_t fill = nd->kind == K_INT && (w[top] & 0x80) ? 0xff : 0;
    for (size_t i = 0; i < top; i++)
        if (w[i] != fill) return 0;
    return 1;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) acc |= p[i];
    return acc == 0;
}

/* ------------------------------------------------------------------------ */
/* Encoding                                                                   */

typedef struct {
    const abi_types *t;
    eth_buf *out;
} abi_enc;

/* An integer from a JSON integer or a decimal/hex string with an optional '-'. */
static eth_err enc_int(uint8_t w[WORD], const abi_node *nd, const json_t *v)
{
    eth_u256 m;
    int neg = 0;
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        neg = x < 0;
        eth_u256_from_u64(&m, neg ? (uint64_t)0 - (uint64_t)x : (uint64_t)x);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        neg = s[0] == '-';
        if (eth_u256_parse(&m, s + neg) != ETH_OK) return ETH_ERR_ABI;
    } else {
        return ETH_ERR_JSON;
    }
    if (neg && nd->kind == K_UINT) return ETH_ERR_ABI;
    memcpy(w, m.b, WORD);
    if (neg) negate(w);
    /* In range: clean high bytes, and for intN the sign bit says what the text said. */
    int sign = (w[WORD - nd->width / 8] & 0x80) != 0;
    if (!int_fits(nd, w) || (nd->kind == K_INT && sign != neg && !all_zero(w, WORD))) return ETH_ERR_ABI;
    return ETH_OK;
}

/* A hex string into exactly n bytes at p. */
static eth_err enc_hex_exact(uint8_t *p, size_t n, const json_t *v)
{
    size_t got;
    if (!json_is_string(v)) return ETH_ERR_JSON;
    eth_err e = eth_hex_decode(p, n, &got, json_string_value(v), json_string_length(v));
    if (e == ETH_ERR_TOO_BIG || (!e && got != n)) return ETH_ERR_ABI;
    return e;
}

/* A static value of an elementary type into the (zeroed) word w. */
static eth_err enc_scalar(uint8_t w[WORD], const abi_node *nd, const json_t *v)
{
    switch (nd->kind) {
    case K_UINT:
    case K_INT:
        return enc_int(w, nd, v);
    case K_ADDRESS: {
        eth_address a;
        if (!json_is_string(v)) return ETH_ERR_JSON;
        eth_err e = eth_address_parse(&a, json_string_value(v));
        if (!e) memcpy(w + 12, a.addr, 20);
        return e;
    }
    case K_BOOL:
        if (!json_is_boolean(v)) return ETH_ERR_JSON;
        w[WORD - 1] = json_is_true(v);
        return ETH_OK;
    default: /* K_FBYTES: left-aligned, zero-padded on the right */
        return enc_hex_exact(w, nd->width, v);
    }
}

static eth_err enc_static(abi_enc *c, uint32_t id, const json_t *v, size_t pos);
static eth_err enc_tail(abi_enc *c, uint32_t id, const json_t *v);

/* The values of a tuple (components first, first->next, ...) or of an array
 * (every element is node first, same = 1) into the head area at pos, which
 * the caller reserved; dynamic values get an offset there, measured from pos,
 * and their tails appended. */
static eth_err enc_seq(abi_enc *c, uint32_t first, int same, const json_t *vals, size_t pos)
{
    const size_t base = pos;
    uint32_t id = first;
    for (size_t i = 0; i < json_array_size(vals); i++) {
        const abi_node *nd = &c->t->n[id];
        const json_t *v = json_array_get(vals, i);
        eth_err e;
        if (nd->dynamic) {
            put_word_u64(c->out->data + pos, c->out->len - base);
            e = enc_tail(c, id, v);
        } else {
            e = enc_static(c, id, v, pos);
        }
        if (e) return e;
        pos += nd->head;
        if (!same) id = nd->next;
    }
    return ETH_OK;
}

/* Reserves a head area of body bytes at the end of the output and fills it. */
static eth_err enc_seq_append(abi_enc *c, uint32_t first, int same, const json_t *vals, size_t body)
{
    size_t pos = c->out->len;
    eth_err e = eth_buf_append_zeros(c->out, body);
    return e ? e : enc_seq(c, first, same, vals, pos);
}

static int is_array_of(const json_t *v, size_t n) { return json_is_array(v) && json_array_size(v) == n; }

static eth_err enc_static(abi_enc *c, uint32_t id, const json_t *v, size_t pos)
{
    const abi_node *nd = &c->t->n[id];
    if (nd->kind == K_FARRAY || nd->kind == K_TUPLE) {
        if (!is_array_of(v, nd->count)) return ETH_ERR_JSON;
        return enc_seq(c, nd->sub, nd->kind == K_FARRAY, v, pos);
    }
    return enc_scalar(c->out->data + pos, nd, v);
}

static eth_err enc_tail(abi_enc *c, uint32_t id, const json_t *v)
{
    const abi_node *nd = &c->t->n[id];
    eth_buf *out = c->out;
    size_t n, at = out->len;
    eth_err e;
    switch (nd->kind) {
    case K_BYTES:
    case K_STRING: {
        /* len(X) as a word, then X padded with zeros to a multiple of 32. */
        if (!json_is_string(v)) return ETH_ERR_JSON;
        const char *s = json_string_value(v);
        size_t sl = json_string_length(v);
        if (nd->kind == K_BYTES) {
            if (sl >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                s += 2;
                sl -= 2;
            }
            if (sl % 2) return ETH_ERR_HEX;
            n = sl / 2;
        } else {
            n = sl;
        }
        size_t padded = (n + WORD - 1) / WORD * WORD;
        if ((e = eth_buf_append_zeros(out, WORD + padded))) return e;
        put_word_u64(out->data + at, n);
        if (nd->kind == K_BYTES) return eth_hex_decode(out->data + at + WORD, n, NULL, s, sl);
        memcpy(out->data + at + WORD, s, n);
        return ETH_OK;
    }
    case K_ARRAY: {
        const abi_node *elem = &c->t->n[nd->sub];
        if (!json_is_array(v)) return ETH_ERR_JSON;
        n = json_array_size(v);
        if (n > ETH_ABI_MAX_DATA / elem->head) return ETH_ERR_TOO_BIG;
        if ((e = eth_buf_append_zeros(out, WORD))) return e;
        put_word_u64(out->data + at, n);
        return enc_seq_append(c, nd->sub, 1, v, n * elem->head);
    }
    default: /* a dynamic K_FARRAY or K_TUPLE: like a tuple, in place of its offset */
        if (!is_array_of(v, nd->count)) return ETH_ERR_JSON;
        return enc_seq_append(c, nd->sub, nd->kind == K_FARRAY, v, nd->body);
    }
}

/* abi.encode(values) for the tuple root; on failure out is left as it was. */
static eth_err encode_root(eth_buf *out, const abi_types *t, uint32_t root, const json_t *values)
{
    const abi_node *r = &t->n[root];
    abi_enc c = { t, out };
    size_t start = out->len;
    if (!values && r->count == 0) return ETH_OK; /* NULL stands for "no values" */
    eth_err e = is_array_of(values, r->count) ? enc_seq_append(&c, r->sub, 0, values, r->body) : ETH_ERR_JSON;
    if (e) out->len = start;
    return e;
}

eth_err eth_abi_encode(eth_buf *out, const char *types, const json_t *values)
{
    abi_types t;
    uint32_t root;
    eth_err e = parse_list(&t, types, &root);
    if (!e) e = encode_root(out, &t, root, values);
    types_free(&t);
    return e;
}

eth_err eth_abi_encode_call(eth_buf *out, const char *fn_signature, const json_t *args)
{
    abi_types t;
    uint32_t root;
    const char *name;
    size_t name_len, start = out->len;
    uint8_t h[32];
    eth_err e = parse_decl(&t, fn_signature, 0, &root, &name, &name_len);
    if (!e) e = signature_hash(h, &t, root, name, name_len);
    if (!e) e = eth_buf_append(out, h, 4);
    if (!e) e = encode_root(out, &t, root, args);
    if (e) out->len = start;
    types_free(&t);
    return e;
}

/* ------------------------------------------------------------------------ */
/* Decoding                                                                   */

typedef struct {
    const abi_types *t;
    const uint8_t *d;
    size_t n;
    size_t values; /* decoded so far, capped by ETH_ABI_MAX_VALUES */
} abi_dec;

static json_t *hex_value(const uint8_t *p, size_t n)
{
    char *s = eth_hex_encode_alloc(p, n);
    json_t *v = s ? json_stringn_nocheck(s, 2 + 2 * n) : NULL;
    free(s);
    return v;
}

/* A word as the elementary type nd, checking that its padding is clean. */
static eth_err dec_scalar(json_t **out, const abi_node *nd, const uint8_t w[WORD])
{
    char text[80];
    switch (nd->kind) {
    case K_UINT:
    case K_INT: {
        if (!int_fits(nd, w)) return ETH_ERR_ABI;
        eth_u256 m;
        memcpy(m.b, w, WORD);
        int neg = nd->kind == K_INT && (w[0] & 0x80);
        if (neg) negate(m.b);
        text[0] = '-';
        eth_u256_to_dec(text + neg, &m);
        *out = json_string_nocheck(text);
        break;
    }
    case K_ADDRESS: {
        eth_address a;
        if (!all_zero(w, 12)) return ETH_ERR_ABI;
        memcpy(a.addr, w + 12, 20);
        *out = json_string_nocheck(eth_address_to_hex(text, &a));
        break;
    }
    case K_BOOL:
        if (!all_zero(w, WORD - 1) || w[WORD - 1] > 1) return ETH_ERR_ABI;
        *out = json_boolean(w[WORD - 1]);
        break;
    default: /* K_FBYTES */
        if (!all_zero(w + nd->width, WORD - nd->width)) return ETH_ERR_ABI;
        *out = hex_value(w, nd->width);
    }
    return *out ? ETH_OK : ETH_ERR_NOMEM;
}

/* The length word at `at` followed by that many bytes (bytes, string): checks
 * bounds and clean padding; *p and *len get the payload, *used the bytes taken. */
static eth_err dec_bytes(const abi_dec *c, size_t at, const uint8_t **p, size_t *len, size_t *used)
{
    uint64_t n;
    if (at > c->n || c->n - at < WORD || !word_u64(c->d + at, &n)) return ETH_ERR_ABI;
    size_t room = c->n - at - WORD;
    if (n > room) return ETH_ERR_ABI;
    size_t padded = (size_t)(n + WORD - 1) / WORD * WORD;
    if (padded > room || !all_zero(c->d + at + WORD + n, padded - n)) return ETH_ERR_ABI;
    *p = c->d + at + WORD;
    *len = (size_t)n;
    *used = WORD + padded;
    return ETH_OK;
}

static eth_err dec_static(abi_dec *c, uint32_t id, size_t pos, json_t **out);
static eth_err dec_tail(abi_dec *c, uint32_t id, size_t at, json_t **out, size_t *used);

/* The counterpart of enc_seq: count values whose head area (body bytes)
 * starts at base. *end gets where the last tail ends. */
static eth_err dec_seq(abi_dec *c, uint32_t first, int same, size_t count, size_t body, size_t base, json_t **out,
                       size_t *end)
{
    if (base > c->n || body > c->n - base) return ETH_ERR_ABI;
    if (count > ETH_ABI_MAX_VALUES - c->values) return ETH_ERR_TOO_BIG;
    c->values += count;
    json_t *arr = json_array();
    if (!arr) return ETH_ERR_NOMEM;
    size_t pos = base, tail = base + body;
    uint32_t id = first;
    for (size_t i = 0; i < count; i++) {
        const abi_node *nd = &c->t->n[id];
        json_t *v = NULL;
        eth_err e;
        uint64_t off;
        if (nd->dynamic) {
            /* Strict mode: the tail starts right where the previous one ended. */
            size_t used = 0;
            if (!word_u64(c->d + pos, &off) || off != tail - base) e = ETH_ERR_ABI;
            else e = dec_tail(c, id, tail, &v, &used);
            tail += used;
        } else {
            e = dec_static(c, id, pos, &v);
        }
        if (!e && json_array_append_new(arr, v)) e = ETH_ERR_NOMEM;
        if (e) {
            json_decref(arr);
            return e;
        }
        pos += nd->head;
        if (!same) id = nd->next;
    }
    *out = arr;
    *end = tail;
    return ETH_OK;
}

static eth_err dec_static(abi_dec *c, uint32_t id, size_t pos, json_t **out)
{
    const abi_node *nd = &c->t->n[id];
    size_t end;
    if (nd->kind == K_FARRAY || nd->kind == K_TUPLE)
        return dec_seq(c, nd->sub, nd->kind == K_FARRAY, nd->count, nd->body, pos, out, &end);
    return dec_scalar(out, nd, c->d + pos);
}

static eth_err dec_tail(abi_dec *c, uint32_t id, size_t at, json_t **out, size_t *used)
{
    const abi_node *nd = &c->t->n[id];
    size_t end;
    eth_err e;
    switch (nd->kind) {
    case K_BYTES:
    case K_STRING: {
        const uint8_t *p;
        size_t len;
        if ((e = dec_bytes(c, at, &p, &len, used))) return e;
        /* jansson refuses invalid UTF-8, which a string must not hold. */
        *out = nd->kind == K_BYTES ? hex_value(p, len) : json_stringn((const char *)p, len);
        if (!*out) return nd->kind == K_BYTES ? ETH_ERR_NOMEM : ETH_ERR_ABI;
        return ETH_OK;
    }
    case K_ARRAY: {
        uint64_t n;
        size_t elem = c->t->n[nd->sub].head;
        if (at > c->n || c->n - at < WORD || !word_u64(c->d + at, &n)) return ETH_ERR_ABI;
        /* Every element takes at least one word of head, so the length is bounded by the data. */
        if (n > (c->n - at - WORD) / elem) return ETH_ERR_ABI;
        e = dec_seq(c, nd->sub, 1, (size_t)n, (size_t)n * elem, at + WORD, out, &end);
        break;
    }
    default: /* dynamic K_FARRAY or K_TUPLE */
        e = dec_seq(c, nd->sub, nd->kind == K_FARRAY, nd->count, nd->body, at, out, &end);
    }
    if (!e) *used = end - at;
    return e;
}

static eth_err decode_root(json_t **out, const abi_types *t, uint32_t root, const uint8_t *data, size_t n)
{
    if (n > ETH_ABI_MAX_DATA) return ETH_ERR_TOO_BIG;
    if (!data && n) return ETH_ERR_ARG;
    abi_dec c = { t, data, n, 0 };
    const abi_node *r = &t->n[root];
    size_t end;
    return dec_seq(&c, r->sub, 0, r->count, r->body, 0, out, &end);
}

eth_err eth_abi_decode(json_t **out, const char *types, const uint8_t *data, size_t n)
{
    abi_types t;
    uint32_t root;
    eth_err e = parse_list(&t, types, &root);
    if (!e) e = decode_root(out, &t, root, data, n);
    types_free(&t);
    return e;
}

/* ------------------------------------------------------------------------ */
/* Event logs                                                                 */

/* Indexed parameters up to 32 bytes are stored in their topic as they would be
 * encoded; all others (bytes, string, arrays, tuples) as keccak256 of their
 * encoding, which is all a log can tell about them (spec, "Events"). */
static eth_err dec_topic(json_t **out, const abi_node *nd, const uint8_t topic[32])
{
    if (nd->kind <= K_FBYTES) return dec_scalar(out, nd, topic);
    *out = hex_value(topic, 32);
    return *out ? ETH_OK : ETH_ERR_NOMEM;
}

/* Adds the tuple of the non-indexed components of root to the arena (copies
 * of those nodes linked to each other; their subtrees are shared). */
static eth_err data_tuple(abi_types *t, uint32_t root, uint32_t *data_root)
{
    uint32_t prev = NONE;
    eth_err e = new_node(t, K_TUPLE, data_root);
    for (uint32_t c = t->n[root].sub; c != NONE && !e; c = t->n[c].next) {
        uint32_t copy;
        if (t->n[c].indexed) continue;
        if ((e = new_node(t, K_TUPLE, &copy))) break;
        t->n[copy] = t->n[c];
        t->n[copy].next = NONE;
        if (prev == NONE) t->n[*data_root].sub = copy;
        else t->n[prev].next = copy;
        prev = copy;
        abi_node *d = &t->n[*data_root];
        d->count++;
        d->body += t->n[copy].head;
        d->dynamic |= t->n[copy].dynamic;
    }
    return e;
}

eth_err eth_abi_decode_log(json_t **out, const char *event_decl, const uint8_t (*topics)[32], size_t n_topics,
                           const uint8_t *data, size_t n)
{
    abi_types t;
    uint32_t root, data_root;
    const char *name;
    size_t name_len, n_indexed = 0;
    uint8_t topic0[32];
    json_t *values = NULL, *obj = NULL;
    eth_err e = parse_decl(&t, event_decl, 1, &root, &name, &name_len);
    if (!e) e = signature_hash(topic0, &t, root, name, name_len);
    if (!e && (n_topics == 0 || memcmp(topics[0], topic0, 32) != 0)) e = ETH_ERR_NOT_FOUND;
    if (!e) {
        for (uint32_t c = t.n[root].sub; c != NONE; c = t.n[c].next) n_indexed += t.n[c].indexed;
        if (n_topics != 1 + n_indexed) e = ETH_ERR_ABI;
    }
    if (!e) e = data_tuple(&t, root, &data_root);
    if (!e) e = decode_root(&values, &t, data_root, data, n);
    if (!e && !(obj = json_object())) e = ETH_ERR_NOMEM;
    size_t ti = 1, di = 0, i = 0;
    for (uint32_t c = e ? NONE : t.n[root].sub; c != NONE && !e; c = t.n[c].next, i++) {
        const abi_node *nd = &t.n[c];
        json_t *v;
        char key[32];
        if (nd->indexed) e = dec_topic(&v, nd, topics[ti++]);
        else v = json_incref(json_array_get(values, di++));
        if (e) break;
        size_t key_len = nd->name ? nd->name_len : (size_t)snprintf(key, sizeof key, "arg%zu", i);
        if (json_object_setn_new(obj, nd->name ? nd->name : key, key_len, v)) e = ETH_ERR_NOMEM;
    }
    json_decref(values);
    types_free(&t);
    if (e) {
        json_decref(obj);
        return e;
    }
    *out = obj;
    return ETH_OK;
}

/* ------------------------------------------------------------------------ */
/* Revert reasons                                                             */

/* Panic codes (Solidity docs, "Panic via assert and Error via require"). */
static const char *panic_meaning(uint64_t code)
{
    switch (code) {
    case 0x00: return "generic compiler panic";
    case 0x01: return "assertion failed";
    case 0x11: return "arithmetic underflow or overflow";
    case 0x12: return "division or modulo by zero";
    case 0x21: return "invalid enum value";
    case 0x22: return "corrupted storage byte array";
    case 0x31: return "pop() on an empty array";
    case 0x32: return "array index out of bounds";
    case 0x41: return "too much memory allocated";
    case 0x51: return "call to a zero-initialized internal function";
    default: return "unknown panic code";
    }
}

static eth_err put_str(eth_buf *s, const char *text) { return eth_buf_append(s, text, strlen(text)); }

/* Appends a revert reason on one line: control bytes (and, unless the text is
 * valid UTF-8, all non-ASCII bytes) as \xNN; cut at REVERT_REASON_MAX bytes. */
static eth_err put_reason(eth_buf *s, const uint8_t *p, size_t n)
{
    json_t *probe = json_stringn((const char *)p, n);
    int utf8 = probe != NULL;
    json_decref(probe);
    size_t show = n;
    if (show > REVERT_REASON_MAX) {
        show = REVERT_REASON_MAX;
        while (utf8 && show > 0 && (p[show] & 0xc0) == 0x80) show--; /* not inside a character */
    }
    eth_err e = ETH_OK;
    for (size_t i = 0; i < show && !e; i++) {
        char esc[5];
        if (p[i] < 0x20 || p[i] == 0x7f || (p[i] >= 0x80 && !utf8)) {
            snprintf(esc, sizeof esc, "\\x%02x", p[i]);
            e = eth_buf_append(s, esc, 4);
        } else {
            e = eth_buf_append(s, p + i, 1);
        }
    }
    return !e && show < n ? put_str(s, "...") : e;
}

/* A decoded value as Solidity source would write it: numbers, addresses and
 * bytes bare, strings quoted, arrays [a, b], tuples (a, b). */
static eth_err put_value(eth_buf *s, const abi_types *t, uint32_t id, const json_t *v)
{
    const abi_node *nd = &t->n[id];
    eth_err e = ETH_OK;
    if (nd->kind == K_ARRAY || nd->kind == K_FARRAY || nd->kind == K_TUPLE) {
        int tuple = nd->kind == K_TUPLE;
        uint32_t c = nd->sub;
        e = put_str(s, tuple ? "(" : "[");
        for (size_t i = 0; i < json_array_size(v) && !e; i++) {
            if (i) e = put_str(s, ", ");
            if (!e) e = put_value(s, t, c, json_array_get(v, i));
            if (tuple) c = t->n[c].next;
        }
        return e ? e : put_str(s, tuple ? ")" : "]");
    }
    if (nd->kind == K_BOOL) return put_str(s, json_is_true(v) ? "true" : "false");
    if (nd->kind != K_STRING) return put_str(s, json_string_value(v));
    char *quoted = json_dumps(v, JSON_ENCODE_ANY);
    if (!quoted) return ETH_ERR_NOMEM;
    e = put_reason(s, (const uint8_t *)quoted, strlen(quoted));
    free(quoted);
    return e;
}

static eth_err describe_error_string(eth_buf *s, const uint8_t *args, size_t n)
{
    abi_dec c = { NULL, args, n, 0 };
    const uint8_t *p;
    size_t len, used;
    uint64_t off;
    if (n < WORD || !word_u64(args, &off) || off != WORD || dec_bytes(&c, WORD, &p, &len, &used))
        return put_str(s, "malformed Error(string) revert data");
    return put_reason(s, p, len);
}

static eth_err describe_panic(eth_buf *s, const uint8_t *args, size_t n)
{
    char text[96], q[19];
    uint64_t code;
    if (n < WORD) return put_str(s, "malformed Panic(uint256) revert data");
    if (!word_u64(args, &code)) return put_str(s, "panic with an out-of-range code (unknown panic code)");
    snprintf(text, sizeof text, "panic %s (%s)", eth_hex_quantity_encode(q, code), panic_meaning(code));
    return put_str(s, text);
}

/* "Name(arg, ...)" when a declaration in custom_errors has this selector.
 * *matched says whether one did. */
static eth_err describe_custom(eth_buf *s, int *matched, const uint8_t *data, size_t n,
                               const char *const *custom_errors)
{
    *matched = 0;
    for (size_t i = 0; custom_errors && custom_errors[i] && !*matched; i++) {
        abi_types t;
        uint32_t root;
        const char *name;
        size_t name_len;
        uint8_t h[32];
        json_t *args = NULL;
        eth_err e = parse_decl(&t, custom_errors[i], 0, &root, &name, &name_len);
        if (!e) e = signature_hash(h, &t, root, name, name_len);
        if (!e && memcmp(h, data, 4) == 0) {
            *matched = 1;
            e = eth_buf_append(s, name, name_len);
            if (!e && decode_root(&args, &t, root, data + 4, n - 4) == ETH_OK) e = put_value(s, &t, root, args);
            else if (!e) e = put_str(s, " with malformed arguments");
        }
        json_decref(args);
        types_free(&t);
        /* An unparsable declaration is skipped: the caller still gets a description. */
        if (e == ETH_ERR_NOMEM) return e;
    }
    return ETH_OK;
}

char *eth_abi_describe_revert(const uint8_t *data, size_t n, const char *const *custom_errors)
{
    eth_buf s;
    eth_err e;
    int matched = 0;
    eth_buf_init(&s, 0);
    if (n == 0) {
        e = put_str(&s, "reverted without a reason");
    } else if (n < 4) {
        e = put_str(&s, "malformed revert data ");
        char hex[2 * 4 + 3];
        if (!e) e = put_str(&s, eth_hex_encode(hex, data, n));
    } else if (memcmp(data, SEL_ERROR, 4) == 0) {
        e = describe_error_string(&s, data + 4, n - 4);
    } else if (memcmp(data, SEL_PANIC, 4) == 0) {
        e = describe_panic(&s, data + 4, n - 4);
    } else if (!(e = describe_custom(&s, &matched, data, n, custom_errors)) && !matched) {
        char hex[4 * 2 + 3];
        e = put_str(&s, "custom error ");
        if (!e) e = put_str(&s, eth_hex_encode(hex, data, 4));
    }
    if (!e) e = eth_buf_append(&s, "", 1);
    if (e) {
        eth_buf_free(&s);
        return NULL;
    }
    return (char *)s.data;
}
