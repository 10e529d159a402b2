/* 256-bit integers: boundary values by hand, random values checked against
 * Python's arbitrary-precision integers (one python3 run for all of them). */
#include "eth.h"
#include "run_tool.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

#define U256_MAX_DEC "115792089237316195423570985008687907853269984665640564039457584007913129639935"

static void test_parse_bounds(void)
{
    eth_u256 v, ff;
    char dec[79];
    memset(ff.b, 0xff, 32);
    CHECK_INT(eth_u256_parse(&v, U256_MAX_DEC), ETH_OK);
    CHECK_MEM(v.b, ff.b, 32);
    CHECK_STR(eth_u256_to_dec(dec, &v), U256_MAX_DEC);
    CHECK_INT(eth_u256_parse(&v, "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), ETH_OK);
    CHECK_MEM(v.b, ff.b, 32);
    /* 2^256 and beyond, in both bases. */
    CHECK_INT(eth_u256_parse(&v, "115792089237316195423570985008687907853269984665640564039457584007913129639936"),
              ETH_ERR_TOO_BIG);
    CHECK_INT(eth_u256_parse(&v, "0x10000000000000000000000000000000000000000000000000000000000000000"),
              ETH_ERR_TOO_BIG);
    CHECK_INT(eth_u256_parse(&v, "1000000000000000000000000000000000000000000000000000000000000000000000000000000"),
              ETH_ERR_TOO_BIG);
    /* Leading zeros are harmless, in both bases. */
    CHECK_INT(eth_u256_parse(&v, "0x00000000000000000000000000000000000000000000000000000000000000000001"), ETH_OK);
    CHECK_STR(eth_u256_to_dec(dec, &v), "1");
    CHECK_INT(eth_u256_parse(&v, "007"), ETH_OK);
    CHECK_STR(eth_u256_to_dec(dec, &v), "7");
    CHECK_INT(eth_u256_parse(&v, "0"), ETH_OK);
    CHECK_STR(eth_u256_to_dec(dec, &v), "0");
    CHECK_INT(eth_u256_parse(&v, "0x7B"), ETH_OK);
    CHECK_STR(eth_u256_to_dec(dec, &v), "123");
    static const char *const bad[] = { "", "0x", "-1", "+1", " 1", "1 ", "12a", "0xg", "1e18", "0x-1", "1.5", "0b1" };
    for (size_t i = 0; i < TEST_COUNT(bad); i++) CHECK_INT(eth_u256_parse(&v, bad[i]), ETH_ERR_ARG);
    CHECK_INT(eth_u256_parse(&v, NULL), ETH_ERR_ARG);
}

static void test_u64_conversions(void)
{
    eth_u256 v;
    uint64_t x;
    char dec[79];
    eth_u256_from_u64(&v, 0xffffffffffffffffULL);
    CHECK_STR(eth_u256_to_dec(dec, &v), "18446744073709551615");
    CHECK(eth_u256_to_u64(&v, &x) && x == 0xffffffffffffffffULL);
    CHECK_INT(eth_u256_parse(&v, "18446744073709551616"), ETH_OK); /* 2^64 */
    CHECK(!eth_u256_to_u64(&v, &x));
}

static void test_ether_format(void)
{
    static const struct {
        const char *wei, *ether;
    } cases[] = {
        { "0", "0" },
        { "1", "0.000000000000000001" },
        { "1000000000000000000", "1" },
        { "2100000000000000", "0.0021" },
        { "1234567890123456789012", "1234.567890123456789012" },
        { "20000000000", "0.00000002" },
        { "100000000000000000000", "100" },
        { U256_MAX_DEC, "115792089237316195423570985008687907853269984665640564039457.584007913129639935" },
    };
    for (size_t i = 0; i < TEST_COUNT(cases); i++) {
        eth_u256 v;
        char out[80];
        REQUIRE(eth_u256_parse(&v, cases[i].wei) == ETH_OK);
        CHECK_STR(eth_u256_to_ether(out, &v), cases[i].ether);
    }
}

static void test_arith_edges(void)
{
    eth_u256 a, b, r;
    char dec[79];
    memset(a.b, 0xff, 32);
    eth_u256_from_u64(&b, 1);
    CHECK_INT(eth_u256_add(&r, &a, &b), 1);
    eth_u256 zero;
    eth_u256_from_u64(&zero, 0);
    CHECK_MEM(r.b, zero.b, 32);
    CHECK_INT(eth_u256_mul_u64(&r, &a, 1), 0);
    CHECK_MEM(r.b, a.b, 32);
    CHECK_INT(eth_u256_mul_u64(&r, &a, 2), 1);
    CHECK_INT(eth_u256_mul_u64(&r, &a, 0), 0);
    CHECK_MEM(r.b, zero.b, 32);
    /* 2^192 * 2^63 fits; * 2^64 overflows by exactly one bit. */
    REQUIRE(eth_u256_parse(&a, "0x1000000000000000000000000000000000000000000000000") == ETH_OK);
    CHECK_INT(eth_u256_mul_u64(&r, &a, 1ULL << 63), 0);
    CHECK_INT(eth_u256_mul_u64(&r, &a, 0xffffffffffffffffULL), 0);
    REQUIRE(eth_u256_parse(&a, "0x10000000000000000000000000000000000000000000000000") == ETH_OK);
    CHECK_INT(eth_u256_mul_u64(&r, &a, 1ULL << 63), 1);
    /* 21000 gas at 20 gwei. */
    REQUIRE(eth_u256_parse(&a, "20000000000") == ETH_OK);
    CHECK_INT(eth_u256_mul_u64(&r, &a, 21000), 0);
    CHECK_STR(eth_u256_to_dec(dec, &r), "420000000000000");
    CHECK_INT(eth_u256_cmp(&a, &r), -1);
    CHECK_INT(eth_u256_cmp(&r, &a), 1);
    CHECK_INT(eth_u256_cmp(&a, &a), 0);
}

/* A random value whose magnitude is itself random (so small and huge values both occur). */
static void rand_u256(eth_u256 *v)
{
    size_t n = test_rand64() % 33;
    memset(v->b, 0, 32);
    test_rand_bytes(v->b + 32 - n, n);
}

static void test_random_vs_python(void)
{
    /* Each line states an operation and our answer; Python recomputes it and
     * prints every line where it disagrees. */
    static const char checker[] =
        "import sys\n"
        "def eth(v):\n"
        "    i, f = divmod(v, 10**18)\n"
        "    f = ('%018d' % f).rstrip('0')\n"
        "    return str(i) + ('.' + f if f else '')\n"
        "bad = 0\n"
        "for line in open(sys.argv[1]):\n"
        "    w = line.split()\n"
        "    op, a = w[0], int(w[1], 16)\n"
        "    if op == 'dec': ok = w[2] == str(a)\n"
        "    elif op == 'eth': ok = w[2] == eth(a)\n"
        "    elif op == 'add':\n"
        "        s = a + int(w[2], 16); ok = int(w[3], 16) == s % 2**256 and int(w[4]) == (s >> 256)\n"
        "    elif op == 'mul':\n"
        "        p = a * int(w[2]); ok = int(w[3], 16) == p % 2**256 and int(w[4]) == (p >= 2**256)\n"
        "    else: ok = False\n"
        "    if not ok:\n"
        "        bad += 1; print('mismatch:', line.strip())\n"
        "print('checked', bad)\n";
    char path[] = "/tmp/eth_u256_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    FILE *f = fdopen(fd, "w");
    REQUIRE(f);
    for (int i = 0; i < 300; i++) {
        eth_u256 a, b, r;
        char ah[67], bh[67], rh[67], dec[79], eth[80];
        rand_u256(&a);
        rand_u256(&b);
        eth_hex_encode(ah, a.b, 32);
        eth_hex_encode(bh, b.b, 32);
        fprintf(f, "dec %s %s\n", ah, eth_u256_to_dec(dec, &a));
        fprintf(f, "eth %s %s\n", ah, eth_u256_to_ether(eth, &a));
        int carry = eth_u256_add(&r, &a, &b);
        fprintf(f, "add %s %s %s %d\n", ah, bh, eth_hex_encode(rh, r.b, 32), carry);
        uint64_t m = test_rand64() >> (test_rand64() % 64);
        int ovf = eth_u256_mul_u64(&r, &a, m);
        fprintf(f, "mul %s %llu %s %d\n", ah, (unsigned long long)m, eth_hex_encode(rh, r.b, 32), ovf);
        /* Parsing the decimal text back must give the same value. */
        eth_u256 back;
        CHECK_INT(eth_u256_parse(&back, dec), ETH_OK);
        CHECK_MEM(back.b, a.b, 32);
    }
    fclose(f);
    char *argv[] = { "python3", "-c", (char *)checker, path, NULL };
    char *out = run_tool(argv);
    unlink(path);
    REQUIRE(out);
    if (strcmp(out, "checked 0") != 0) test_fail(__FILE__, __LINE__, "python disagrees:\n%s", out);
    free(out);
}

static const struct test_case cases[] = {
    TEST(parse_bounds),
    TEST(u64_conversions),
    TEST(ether_format),
    TEST(arith_edges),
    TEST(random_vs_python),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
