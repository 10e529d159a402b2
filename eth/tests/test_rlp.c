/* RLP: the Ethereum wiki's examples, strict rejection of non-canonical and
 * truncated input, and random nested structures checked against `cast to-rlp`. */
#include "eth.h"
#include "run_tool.h"
#include "test.h"

#include <stdlib.h>

static void check_buf_hex(const eth_buf *b, const char *want_hex, int line)
{
    char *got = eth_hex_encode_alloc(b->data, b->len);
    if (!got || strcmp(got, want_hex) != 0)
        test_fail(__FILE__, line, "encoded %s, want %s", got ? got : "(nomem)", want_hex);
    free(got);
}

#define PUT(call) REQUIRE((call) == ETH_OK)

static void test_wiki_vectors(void)
{
    /* https://ethereum.org/en/developers/docs/data-structures-and-encoding/rlp/ (examples section). */
    eth_buf b;
    size_t l0, l1, l2, l3;
    eth_buf_init(&b, 0);

    PUT(eth_rlp_put_bytes(&b, (const uint8_t *)"dog", 3));
    check_buf_hex(&b, "0x83646f67", __LINE__);
    b.len = 0;

    PUT(eth_rlp_list_begin(&b, &l0));
    PUT(eth_rlp_put_bytes(&b, (const uint8_t *)"cat", 3));
    PUT(eth_rlp_put_bytes(&b, (const uint8_t *)"dog", 3));
    PUT(eth_rlp_list_end(&b, l0));
    check_buf_hex(&b, "0xc88363617483646f67", __LINE__);
    b.len = 0;

    PUT(eth_rlp_put_bytes(&b, NULL, 0));
    check_buf_hex(&b, "0x80", __LINE__);
    b.len = 0;

    PUT(eth_rlp_list_begin(&b, &l0));
    PUT(eth_rlp_list_end(&b, l0));
    check_buf_hex(&b, "0xc0", __LINE__);
    b.len = 0;

    PUT(eth_rlp_put_u64(&b, 0));
    check_buf_hex(&b, "0x80", __LINE__);
    b.len = 0;

    PUT(eth_rlp_put_bytes(&b, (const uint8_t *)"\x00", 1));
    check_buf_hex(&b, "0x00", __LINE__);
    b.len = 0;

    PUT(eth_rlp_put_u64(&b, 15));
    check_buf_hex(&b, "0x0f", __LINE__);
    b.len = 0;

    PUT(eth_rlp_put_u64(&b, 1024));
    check_buf_hex(&b, "0x820400", __LINE__);
    b.len = 0;

    eth_u256 v;
    REQUIRE(eth_u256_parse(&v, "1024") == ETH_OK);
    PUT(eth_rlp_put_u256(&b, &v));
    check_buf_hex(&b, "0x820400", __LINE__);
    b.len = 0;

    /* The set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ]. */
    PUT(eth_rlp_list_begin(&b, &l0));
    PUT(eth_rlp_list_begin(&b, &l1));
    PUT(eth_rlp_list_end(&b, l1));
    PUT(eth_rlp_list_begin(&b, &l1));
    PUT(eth_rlp_list_begin(&b, &l2));
    PUT(eth_rlp_list_end(&b, l2));
    PUT(eth_rlp_list_end(&b, l1));
    PUT(eth_rlp_list_begin(&b, &l1));
    PUT(eth_rlp_list_begin(&b, &l2));
    PUT(eth_rlp_list_end(&b, l2));
    PUT(eth_rlp_list_begin(&b, &l2));
    PUT(eth_rlp_list_begin(&b, &l3));
    PUT(eth_rlp_list_end(&b, l3));
    PUT(eth_rlp_list_end(&b, l2));
    PUT(eth_rlp_list_end(&b, l1));
    PUT(eth_rlp_list_end(&b, l0));
    check_buf_hex(&b, "0xc7c0c1c0c3c0c1c0", __LINE__);
    b.len = 0;

    static const char lorem[] = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
    PUT(eth_rlp_put_bytes(&b, (const uint8_t *)lorem, strlen(lorem)));
    check_buf_hex(&b,
                  "0xb8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c6974",
                  __LINE__);
    b.len = 0;

    /* A list holding that string is longer than 55 bytes: header 0xf8 0x3a. */
    PUT(eth_rlp_list_begin(&b, &l0));
    PUT(eth_rlp_put_bytes(&b, (const uint8_t *)lorem, strlen(lorem)));
    PUT(eth_rlp_list_end(&b, l0));
    CHECK_INT(b.len, 2 + 2 + 56);
    CHECK(b.data[0] == 0xf8 && b.data[1] == 0x3a && b.data[2] == 0xb8 && b.data[3] == 0x38);
    eth_buf_free(&b);
}

/* Visits every nested item: inner malformations surface while iterating. */
static eth_err walk(const eth_rlp_item *it)
{
    eth_rlp_item sub;
    eth_err e = ETH_OK;
    for (size_t off = 0; it->is_list && (e = eth_rlp_list_next(it, &off, &sub)) == ETH_OK;)
        if ((e = walk(&sub)) != ETH_OK) return e;
    return e == ETH_ERR_NOT_FOUND ? ETH_OK : e;
}

static void check_rejected(const char *hex, eth_err want, int line)
{
    uint8_t in[64];
    size_t n;
    eth_rlp_item it;
    if (eth_hex_decode(in, sizeof in, &n, hex, strlen(hex)) != ETH_OK) {
        test_fail(__FILE__, line, "bad test hex %s", hex);
        return;
    }
    eth_err e = eth_rlp_decode(&it, in, n);
    if (e == ETH_OK) e = walk(&it);
    if (e != want) test_fail(__FILE__, line, "decode(%s) = %d (%s), want %d", hex, e, eth_strerror(e), want);
}

static void test_decode_rejects(void)
{
    check_rejected("0x", ETH_ERR_RLP, __LINE__);                 /* nothing */
    check_rejected("0x8100", ETH_ERR_RLP, __LINE__);             /* byte < 0x80 wrapped */
    check_rejected("0x817f", ETH_ERR_RLP, __LINE__);
    check_rejected("0xb80548656c6c6f", ETH_ERR_RLP, __LINE__);   /* long form for 5 bytes */
    check_rejected("0xb90038", ETH_ERR_RLP, __LINE__);           /* leading zero in length */
    check_rejected("0xf800", ETH_ERR_RLP, __LINE__);             /* long list form for 0 bytes */
    check_rejected("0x83646f", ETH_ERR_RLP, __LINE__);           /* truncated string */
    check_rejected("0x83646f6767", ETH_ERR_RLP, __LINE__);       /* trailing byte */
    check_rejected("0xc1", ETH_ERR_RLP, __LINE__);               /* truncated list */
    check_rejected("0xb8", ETH_ERR_RLP, __LINE__);               /* missing length bytes */
    check_rejected("0xbfffffffffffffffff00", ETH_ERR_RLP, __LINE__); /* 2^64-1 bytes claimed */
    check_rejected("0xc28100", ETH_ERR_RLP, __LINE__);           /* bad item inside a list */
    check_rejected("0xc3c28100", ETH_ERR_RLP, __LINE__);         /* ... nested deeper */
    check_rejected("0xc283", ETH_ERR_RLP, __LINE__);             /* item overruns its list */
    check_rejected("0xc4c3010203", ETH_OK, __LINE__);
    check_rejected("0x8180", ETH_OK, __LINE__);
    check_rejected("0x00", ETH_OK, __LINE__);
}

static void test_decode_walk(void)
{
    /* ["cat", ["dog", ""], []] from the encoder, walked back. */
    static const uint8_t enc[] = { 0xcb, 0x83, 'c', 'a', 't', 0xc5, 0x83, 'd', 'o', 'g', 0x80, 0xc0 };
    eth_rlp_item top, a, b, c, d, e;
    size_t off = 0, off2 = 0;
    REQUIRE(eth_rlp_decode(&top, enc, sizeof enc) == ETH_OK);
    CHECK(top.is_list && top.len == 11 && top.enc_len == 12);
    REQUIRE(eth_rlp_list_next(&top, &off, &a) == ETH_OK);
    CHECK(!a.is_list && a.len == 3 && memcmp(a.p, "cat", 3) == 0);
    REQUIRE(eth_rlp_list_next(&top, &off, &b) == ETH_OK);
    CHECK(b.is_list && b.len == 5);
    REQUIRE(eth_rlp_list_next(&b, &off2, &d) == ETH_OK);
    CHECK(memcmp(d.p, "dog", 3) == 0);
    REQUIRE(eth_rlp_list_next(&b, &off2, &e) == ETH_OK);
    CHECK(!e.is_list && e.len == 0);
    CHECK_INT(eth_rlp_list_next(&b, &off2, &e), ETH_ERR_NOT_FOUND);
    REQUIRE(eth_rlp_list_next(&top, &off, &c) == ETH_OK);
    CHECK(c.is_list && c.len == 0);
    CHECK_INT(eth_rlp_list_next(&top, &off, &c), ETH_ERR_NOT_FOUND);
    CHECK_INT(eth_rlp_list_next(&a, &off, &c), ETH_ERR_ARG); /* not a list */
}

static void test_buffer_cap(void)
{
    /* Appends past the cap fail cleanly, leaving what was there. */
    eth_buf b;
    uint8_t big[100] = { 0 };
    size_t l;
    eth_buf_init(&b, 60);
    CHECK_INT(eth_rlp_put_bytes(&b, big, 100), ETH_ERR_TOO_BIG);
    CHECK_INT(b.len, 0);
    REQUIRE(eth_rlp_list_begin(&b, &l) == ETH_OK);
    REQUIRE(eth_rlp_put_bytes(&b, big, 57) == ETH_OK); /* 60 bytes so far */
    CHECK_INT(eth_rlp_list_end(&b, l), ETH_ERR_TOO_BIG); /* needs 60 + 1 */
    CHECK_INT(eth_rlp_list_end(&b, b.len), ETH_ERR_ARG);
    eth_buf_free(&b);
}

/* A random tree: encodes it with us into b and as cast's JSON-ish text into t. */
static int gen_tree(eth_buf *b, char *t, size_t *tl, size_t tcap, int depth)
{
    if (depth > 0 && test_rand64() % 3 == 0) {
        size_t l, n = test_rand64() % 5;
        if (eth_rlp_list_begin(b, &l)) return -1;
        t[(*tl)++] = '[';
        for (size_t i = 0; i < n; i++) {
            if (i) t[(*tl)++] = ',';
            if (gen_tree(b, t, tl, tcap, depth - 1)) return -1;
        }
        t[(*tl)++] = ']';
        return eth_rlp_list_end(b, l) ? -1 : 0;
    }
    /* Lengths around the 1-byte and 55/56-byte boundaries, sometimes longer. */
    static const size_t lens[] = { 0, 1, 1, 2, 55, 56, 57, 300 };
    size_t n = lens[test_rand64() % TEST_COUNT(lens)];
    uint8_t s[300];
    test_rand_bytes(s, n);
    if (n == 1 && test_rand64() % 2) s[0] &= 0x7f;
    if (*tl + 2 * n + 8 > tcap) return -1;
    t[(*tl)++] = '"';
    eth_hex_encode(t + *tl, s, n);
    *tl += 2 + 2 * n;
    t[(*tl)++] = '"';
    return eth_rlp_put_bytes(b, s, n) ? -1 : 0;
}

/* Re-encodes a decoded item (checks the decoder hands back what went in). */
static int reencode(eth_buf *b, const eth_rlp_item *it)
{
    if (!it->is_list) return eth_rlp_put_bytes(b, it->p, it->len) ? -1 : 0;
    size_t l, off = 0;
    eth_rlp_item sub;
    eth_err e;
    if (eth_rlp_list_begin(b, &l)) return -1;
    while ((e = eth_rlp_list_next(it, &off, &sub)) == ETH_OK)
        if (reencode(b, &sub)) return -1;
    if (e != ETH_ERR_NOT_FOUND) return -1;
    return eth_rlp_list_end(b, l) ? -1 : 0;
}

static void test_random_vs_cast(void)
{
    enum { ROUNDS = 12, TEXT_CAP = 1 << 16 };
    char *text = malloc(TEXT_CAP);
    REQUIRE(text);
    for (int round = 0; round < ROUNDS; round++) {
        eth_buf ours, again;
        size_t tl = 0;
        eth_buf_init(&ours, 0);
        eth_buf_init(&again, 0);
        /* Always a list at the top so there is structure to compare. */
        text[tl++] = '[';
        size_t l;
        REQUIRE(eth_rlp_list_begin(&ours, &l) == ETH_OK);
        for (int i = 0; i < 4; i++) {
            if (i) text[tl++] = ',';
            REQUIRE(gen_tree(&ours, text, &tl, TEXT_CAP - 64, 4) == 0);
        }
        text[tl++] = ']';
        text[tl] = '\0';
        REQUIRE(eth_rlp_list_end(&ours, l) == ETH_OK);

        char *argv[] = { "cast", "to-rlp", text, NULL };
        char *cast_hex = run_tool(argv);
        REQUIRE(cast_hex);
        check_buf_hex(&ours, cast_hex, __LINE__);
        free(cast_hex);

        eth_rlp_item top;
        CHECK_INT(eth_rlp_decode(&top, ours.data, ours.len), ETH_OK);
        CHECK_INT(reencode(&again, &top), 0);
        CHECK(again.len == ours.len && memcmp(again.data, ours.data, ours.len) == 0);
        eth_buf_free(&ours);
        eth_buf_free(&again);
    }
    free(text);
}

static const struct test_case cases[] = {
    TEST(wiki_vectors),
    TEST(decode_rejects),
    TEST(decode_walk),
    TEST(buffer_cap),
    TEST(random_vs_cast),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
