/* Known-answer tests for hex and Keccak-256. */
#include "eth.h"
#include "test.h"

static void check_keccak(const void *in, size_t n, const char *want_hex)
{
    uint8_t got[32], want[32];
    char got_hex[67];
    REQUIRE(eth_hex_decode_exact(want, 32, want_hex) == ETH_OK);
    eth_keccak256(got, in, n);
    if (memcmp(got, want, 32) != 0)
        test_fail(__FILE__, __LINE__, "keccak256(%zu bytes) = %s, want %s", n, eth_hex_encode(got_hex, got, 32), want_hex);
}

static void test_keccak_vectors(void)
{
    /* Empty string and "abc": the values Ethereum tools print (not SHA3-256's). */
    check_keccak("", 0, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    check_keccak("abc", 3, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    /* 200 bytes of 0xa3 (the Keccak team's "200 x 0xA3" message, 256-bit output). */
    uint8_t a3[200];
    memset(a3, 0xa3, sizeof a3);
    check_keccak(a3, sizeof a3, "3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a");
    /* A selector every test depends on: keccak256("transfer(address,uint256)"). */
    check_keccak("transfer(address,uint256)", 25, "a9059cbb2ab09eb219583f4a59a5d0623ade346d962bcd4e46b11da047c9049b");
}

static void test_keccak_incremental(void)
{
    /* Any split of the input gives the one-shot digest (covers the rate boundary). */
    uint8_t msg[500], one[32], inc[32];
    test_rand_bytes(msg, sizeof msg);
    eth_keccak256(one, msg, sizeof msg);
    for (size_t split = 0; split <= sizeof msg; split += 17) {
        eth_keccak_ctx c;
        eth_keccak_init(&c);
        eth_keccak_update(&c, msg, split);
        eth_keccak_update(&c, msg + split, sizeof msg - split);
        eth_keccak_final(&c, inc);
        CHECK_MEM(one, inc, 32);
    }
}

static void test_hex_strict(void)
{
    uint8_t b[8];
    size_t n;
    CHECK_INT(eth_hex_decode(b, sizeof b, &n, "0xdeadBEEF", 10), ETH_OK);
    CHECK_INT(n, 4);
    CHECK(b[0] == 0xde && b[3] == 0xef);
    CHECK_INT(eth_hex_decode(b, sizeof b, &n, "deadbeef", 8), ETH_OK);
    CHECK_INT(eth_hex_decode(b, sizeof b, &n, "0x", 2), ETH_OK);
    CHECK_INT(n, 0);
    CHECK_INT(eth_hex_decode(b, sizeof b, &n, "0xabc", 5), ETH_ERR_HEX);
    CHECK_INT(eth_hex_decode(b, sizeof b, &n, "0xzz", 4), ETH_ERR_HEX);
    CHECK_INT(eth_hex_decode(b, sizeof b, &n, "0x 1", 4), ETH_ERR_HEX);
    CHECK_INT(eth_hex_decode(b, sizeof b, &n, "0x0x1a", 6), ETH_ERR_HEX); /* prefix once only */
    CHECK_INT(eth_hex_decode(b, 1, &n, "0x0102", 6), ETH_ERR_TOO_BIG);
    CHECK_INT(eth_hex_decode_exact(b, 2, "0x010203"), ETH_ERR_HEX);
    char s[19];
    CHECK_STR(eth_hex_encode(s, (const uint8_t *)"\x00\xff\x10", 3), "0x00ff10");
    uint64_t q;
    CHECK_INT(eth_hex_quantity_decode(&q, "0x0"), ETH_OK);
    CHECK_INT(q, 0);
    CHECK_INT(eth_hex_quantity_decode(&q, "0x1a"), ETH_OK);
    CHECK_INT(q, 26);
    CHECK_INT(eth_hex_quantity_decode(&q, "0x01a"), ETH_ERR_HEX);
    CHECK_INT(eth_hex_quantity_decode(&q, "0x"), ETH_ERR_HEX);
    CHECK_INT(eth_hex_quantity_decode(&q, "1a"), ETH_ERR_HEX);
    CHECK_INT(eth_hex_quantity_decode(&q, "0x10000000000000000"), ETH_ERR_TOO_BIG);
    CHECK_STR(eth_hex_quantity_encode(s, 0), "0x0");
    CHECK_STR(eth_hex_quantity_encode(s, 0xffffffffffffffffULL), "0xffffffffffffffff");
}

static const struct test_case cases[] = {
    TEST(keccak_vectors),
    TEST(keccak_incremental),
    TEST(hex_strict),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
