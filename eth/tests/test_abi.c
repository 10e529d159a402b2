/* Solidity ABI: the spec's worked examples, the encodings this project needs,
 * strict rejection of bad types, values and hostile data, event logs, revert
 * reasons, and random nested types checked against `cast abi-encode`. */
#include "eth.h"
#include "run_tool.h"
#include "test.h"

#include <stdlib.h>
#include <time.h>

static json_t *J(const char *text)
{
    json_error_t err;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
    if (!v) test_fail(__FILE__, __LINE__, "bad test JSON %s: %s", text, err.text);
    return v;
}

/* Strips "0x", spaces and newlines so vectors can be laid out a word per line. */
static size_t unhex(uint8_t *out, size_t cap, const char *text)
{
    char *digits = malloc(strlen(text) + 1);
    size_t n = 0, k = 0;
    if (!digits) return 0;
    if (text[0] == '0' && text[1] == 'x') text += 2;
    for (; *text; text++)
        if (*text != ' ' && *text != '\n') digits[k++] = *text;
    if (eth_hex_decode(out, cap, &n, digits, k) != ETH_OK) n = (size_t)-1;
    free(digits);
    return n;
}

static void check_bytes(const uint8_t *got, size_t got_n, const char *want_text, int line)
{
    static uint8_t want[1 << 14];
    size_t n = unhex(want, sizeof want, want_text);
    if (n != got_n || memcmp(got, want, n) != 0) {
        char *g = eth_hex_encode_alloc(got, got_n);
        test_fail(__FILE__, line, "got %s\nwant %s", g ? g : "(nomem)", want_text);
        free(g);
    }
}

static void check_json(const json_t *got, const char *want_text, int line)
{
    json_t *want = J(want_text);
    if (!got || !want || !json_equal(got, want)) {
        char *g = got ? json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        test_fail(__FILE__, line, "decoded %s, want %s", g ? g : "(null)", want_text);
        free(g);
    }
    json_decref(want);
}

/* Encodes a call with our library, compares with the expected bytes, then
 * decodes the arguments back and compares with the canonical values. */
static void check_call(const char *sig, const char *args, const char *want_hex, const char *canonical, int line)
{
    eth_buf b;
    json_t *v = J(args), *back = NULL;
    eth_buf_init(&b, 0);
    eth_err e = eth_abi_encode_call(&b, sig, v);
    if (e) test_fail(__FILE__, line, "encode %s: %s", sig, eth_strerror(e));
    else check_bytes(b.data, b.len, want_hex, line);
    /* Decode with the parameter list: everything after the name. */
    const char *types = strchr(sig, '(');
    if (!e) e = eth_abi_decode(&back, types, b.data + 4, b.len - 4);
    if (e) test_fail(__FILE__, line, "decode %s: %s", sig, eth_strerror(e));
    else check_json(back, canonical, line);
    json_decref(back);
    json_decref(v);
    eth_buf_free(&b);
}

static void test_spec_examples(void)
{
    /* docs.soliditylang.org, "Contract ABI Specification", Examples and "Use of Dynamic Types". */
    check_call("baz(uint32,bool)", "[69, true]",
               "0xcdcd77c0"
               "0000000000000000000000000000000000000000000000000000000000000045"
               "0000000000000000000000000000000000000000000000000000000000000001",
               "[\"69\", true]", __LINE__);
    check_call("bar(bytes3[2])", "[[\"0x616263\", \"0x646566\"]]",
               "0xfce353f6"
               "6162630000000000000000000000000000000000000000000000000000000000"
               "6465660000000000000000000000000000000000000000000000000000000000",
               "[[\"0x616263\", \"0x646566\"]]", __LINE__);
    check_call("sam(bytes,bool,uint[])", "[\"0x64617665\", true, [1, 2, 3]]",
               "0xa5643bf2"
               "0000000000000000000000000000000000000000000000000000000000000060"
               "0000000000000000000000000000000000000000000000000000000000000001"
               "00000000000000000000000000000000000000000000000000000000000000a0"
               "0000000000000000000000000000000000000000000000000000000000000004"
               "6461766500000000000000000000000000000000000000000000000000000000"
               "0000000000000000000000000000000000000000000000000000000000000003"
               "0000000000000000000000000000000000000000000000000000000000000001"
               "0000000000000000000000000000000000000000000000000000000000000002"
               "0000000000000000000000000000000000000000000000000000000000000003",
               "[\"0x64617665\", true, [\"1\", \"2\", \"3\"]]", __LINE__);
    check_call("f(uint,uint32[],bytes10,bytes)",
               "[\"0x123\", [\"0x456\", \"0x789\"], \"0x31323334353637383930\", \"0x48656c6c6f2c20776f726c6421\"]",
               "0x8be65246"
               "0000000000000000000000000000000000000000000000000000000000000123"
               "0000000000000000000000000000000000000000000000000000000000000080"
               "3132333435363738393000000000000000000000000000000000000000000000"
               "00000000000000000000000000000000000000000000000000000000000000e0"
               "0000000000000000000000000000000000000000000000000000000000000002"
               "0000000000000000000000000000000000000000000000000000000000000456"
               "0000000000000000000000000000000000000000000000000000000000000789"
               "000000000000000000000000000000000000000000000000000000000000000d"
               "48656c6c6f2c20776f726c642100000000000000000000000000000000000000",
               "[\"291\", [\"1110\", \"1929\"], \"0x31323334353637383930\", \"0x48656c6c6f2c20776f726c6421\"]",
               __LINE__);
    check_call("g(uint[][],string[])", "[[[1, 2], [3]], [\"one\", \"two\", \"three\"]]",
               "0x2289b18c"
               "0000000000000000000000000000000000000000000000000000000000000040"
               "0000000000000000000000000000000000000000000000000000000000000140"
               "0000000000000000000000000000000000000000000000000000000000000002"
               "0000000000000000000000000000000000000000000000000000000000000040"
               "00000000000000000000000000000000000000000000000000000000000000a0"
               "0000000000000000000000000000000000000000000000000000000000000002"
               "0000000000000000000000000000000000000000000000000000000000000001"
               "0000000000000000000000000000000000000000000000000000000000000002"
               "0000000000000000000000000000000000000000000000000000000000000001"
               "0000000000000000000000000000000000000000000000000000000000000003"
               "0000000000000000000000000000000000000000000000000000000000000003"
               "0000000000000000000000000000000000000000000000000000000000000060"
               "00000000000000000000000000000000000000000000000000000000000000a0"
               "00000000000000000000000000000000000000000000000000000000000000e0"
               "0000000000000000000000000000000000000000000000000000000000000003"
               "6f6e650000000000000000000000000000000000000000000000000000000000"
               "0000000000000000000000000000000000000000000000000000000000000003"
               "74776f0000000000000000000000000000000000000000000000000000000000"
               "0000000000000000000000000000000000000000000000000000000000000005"
               "7468726565000000000000000000000000000000000000000000000000000000",
               "[[[\"1\", \"2\"], [\"3\"]], [\"one\", \"two\", \"three\"]]", __LINE__);
}

static void check_hash(const uint8_t *got, size_t n, const char *want_hex, int line) { check_bytes(got, n, want_hex, line); }

static void test_project_encodings(void)
{
    /* Selectors and topics of the TaskMailbox (hourglass-protocol.md §2.3, §2.9). */
    uint8_t sel[4], topic[32];
    eth_abi_selector(sel, "createTask((address,(address,uint32),bytes))");
    check_hash(sel, 4, "0x1fb66f5d", __LINE__);
    eth_abi_selector(sel, "submitResult(bytes32,bytes,bytes)");
    check_hash(sel, 4, "0xa5fabc81", __LINE__);
    eth_abi_event_topic(topic, "TaskCreated(address,bytes32,address,uint32,uint32,address,uint96,uint256,bytes)");
    check_hash(topic, 32, "0x33add0b01e02278be5459fbfa3274aee699ec47f4ee7236b59e7a2c8b5000c26", __LINE__);
    eth_abi_event_topic(topic, "TaskVerified(address,bytes32,address,uint32,bytes,bytes)");
    check_hash(topic, 32, "0x659f23b2e7edf490e5fd6561c5148691ed0375ed7ddd3ab1bcfcfdbec4f209a9", __LINE__);
    /* A declaration with names and indexed hashes to the same topic. */
    eth_abi_event_topic(topic, "TaskVerified(address indexed aggregator, bytes32 indexed taskHash, address indexed avs,"
                               " uint32 executorOperatorSetId, bytes executorCert, bytes result)");
    check_hash(topic, 32, "0x659f23b2e7edf490e5fd6561c5148691ed0375ed7ddd3ab1bcfcfdbec4f209a9", __LINE__);
    /* Text that is no declaration is hashed as given (keccak256("abc"), a known vector). */
    eth_abi_event_topic(topic, "abc");
    check_hash(topic, 32, "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45", __LINE__);
    /* Too long for a declaration: refused without touching what was never set up. */
    char *long_sig = malloc(ETH_ABI_MAX_TYPE_LEN + 16);
    REQUIRE(long_sig);
    memset(long_sig, 'a', ETH_ABI_MAX_TYPE_LEN + 8);
    memcpy(long_sig, "f(", 2);
    long_sig[ETH_ABI_MAX_TYPE_LEN + 8] = 0;
    eth_buf lb;
    eth_buf_init(&lb, 0);
    CHECK_INT(eth_abi_encode_call(&lb, long_sig, NULL), ETH_ERR_ABI);
    CHECK_INT(lb.len, 0);
    eth_buf_free(&lb);
    free(long_sig);

    /* encode_call hashes the canonical form of a declaration with names. */
    eth_buf b;
    eth_buf_init(&b, 0);
    json_t *args = J("[[\"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\", "
                     "[\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\", 7], \"0x7b7d\"]]");
    REQUIRE(eth_abi_encode_call(&b, "createTask((address refundCollector, (address avs, uint32 id) "
                                    "executorOperatorSet, bytes payload) memory params)", args) == ETH_OK);
    check_hash(b.data, 4, "0x1fb66f5d", __LINE__);
    /* The payload is dynamic, so the tuple sits behind an offset: the layout of
     * hourglass-protocol.md §2.5 (w3 = 0x80 ... w7 = 0x80 relative to the tuple). */
    check_bytes(b.data + 4, b.len - 4,
                "0000000000000000000000000000000000000000000000000000000000000020"
                "00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8"
                "000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266"
                "0000000000000000000000000000000000000000000000000000000000000007"
                "0000000000000000000000000000000000000000000000000000000000000080"
                "0000000000000000000000000000000000000000000000000000000000000002"
                "7b7d000000000000000000000000000000000000000000000000000000000000",
                __LINE__);
    json_decref(args);
    b.len = 0;
    args = J("[\"0x1111111111111111111111111111111111111111111111111111111111111111\", \"0x\", \"0x7b7d\"]");
    REQUIRE(eth_abi_encode_call(&b, "submitResult(bytes32,bytes,bytes)", args) == ETH_OK);
    check_hash(b.data, 4, "0xa5fabc81", __LINE__);
    json_decref(args);

    /* No arguments: ERC-20's totalSupply() selector, nothing after it. */
    b.len = 0;
    REQUIRE(eth_abi_encode_call(&b, "totalSupply()", NULL) == ETH_OK);
    check_bytes(b.data, b.len, "0x18160ddd", __LINE__);
    CHECK_INT(eth_abi_encode_call(&b, "totalSupply(uint256)", NULL), ETH_ERR_JSON);
    CHECK_INT(b.len, 4);
    CHECK_INT(eth_abi_encode_call(&b, "(uint256)", NULL), ETH_ERR_ABI);
    CHECK_INT(eth_abi_encode_call(&b, "f(uint256) extra", NULL), ETH_ERR_ABI);

    /* getMessageHash preimage (§2.7): taskHash | 0x40 | len | result; the digest
     * for taskHash = 0x11..11 and result {"payload":"hi","error":null} is §3.5's. */
    b.len = 0;
    const char *result = "{\"payload\":\"hi\",\"error\":null}";
    char *result_hex = eth_hex_encode_alloc((const uint8_t *)result, strlen(result));
    REQUIRE(result_hex);
    args = json_pack("[s, s]", "0x1111111111111111111111111111111111111111111111111111111111111111", result_hex);
    REQUIRE(eth_abi_encode(&b, "(bytes32,bytes)", args) == ETH_OK);
    eth_keccak256(topic, b.data, b.len);
    check_hash(topic, 32, "0x7bcc9c7c53fea0c99330b5101d7bc1cc4fbb8e78f01857ced5e81533f2db935c", __LINE__);
    json_decref(args);
    free(result_hex);
    eth_buf_free(&b);
}

/* BN254Certificate as IBN254CertificateVerifier.sol declares it (hourglass-protocol.md §3.1):
 * (uint32 referenceTimestamp, bytes32 messageHash, G1Point signature, G2Point apk,
 *  BN254OperatorInfoWitness[] nonSignerWitnesses), with
 *  BN254OperatorInfoWitness = (uint32 operatorIndex, bytes operatorInfoProof, BN254OperatorInfo operatorInfo),
 *  BN254OperatorInfo = (G1Point pubkey, uint256[] weights). */
#define CERT_TYPE                                                                                                  \
    "((uint32,bytes32,(uint256,uint256),(uint256[2],uint256[2]),(uint32,bytes,((uint256,uint256),uint256[]))[]))"

static void test_certificate_vs_cast(void)
{
    static const char cert_json[] =
        "[[\"1700000000\", \"0x7bcc9c7c53fea0c99330b5101d7bc1cc4fbb8e78f01857ced5e81533f2db935c\","
        "  [\"7848341428468233283138418227618180431011095005087394002735015818092211105759\", \"1\"],"
        "  [[\"11559732032986387107991004021392285783925812861821192530917403151452391805634\","
        "    \"10857046999023057135944570762232829481370756359578518086990519993285655852781\"],"
        "   [\"4082367875863433681332203403145435568316851327593401208105741076214120093531\","
        "    \"8495653923123431417604973247489272438418190587263600148770280649306958101930\"]],"
        "  [[\"1\", \"0xaabbccddeeff00112233445566778899aabbccddeeff00112233445566778899"
        "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899\", [[\"3\", \"4\"], [\"1000\", \"7\"]]],"
        "   [\"4\", \"0x\", [[\"5\", \"6\"], []]]]]]";
    static const char cast_arg[] =
        "(1700000000,0x7bcc9c7c53fea0c99330b5101d7bc1cc4fbb8e78f01857ced5e81533f2db935c,"
        "(7848341428468233283138418227618180431011095005087394002735015818092211105759,1),"
        "([11559732032986387107991004021392285783925812861821192530917403151452391805634,"
        "10857046999023057135944570762232829481370756359578518086990519993285655852781],"
        "[4082367875863433681332203403145435568316851327593401208105741076214120093531,"
        "8495653923123431417604973247489272438418190587263600148770280649306958101930]),"
        "[(1,0xaabbccddeeff00112233445566778899aabbccddeeff00112233445566778899"
        "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899,((3,4),[1000,7])),"
        "(4,0x,((5,6),[]))])";
    json_t *v = J(cert_json), *back = NULL;
    eth_buf b;
    eth_buf_init(&b, 0);
    REQUIRE(v);
    REQUIRE(eth_abi_encode(&b, CERT_TYPE, v) == ETH_OK);
    char sig[sizeof CERT_TYPE + 1] = "f";
    strcat(sig, CERT_TYPE);
    char *argv[] = { "cast", "abi-encode", sig, (char *)cast_arg, NULL };
    char *want = run_tool(argv);
    REQUIRE(want);
    check_bytes(b.data, b.len, want, __LINE__);
    free(want);
    CHECK_INT(eth_abi_decode(&back, CERT_TYPE, b.data, b.len), ETH_OK);
    CHECK(back && json_equal(back, v));
    json_decref(back);
    json_decref(v);
    eth_buf_free(&b);
}

/* Encoding and decoding speed of a certificate with 8 non-signers (printed, not asserted). */
static void test_certificate_speed(void)
{
    json_t *witnesses = json_array(), *cert;
    for (int i = 0; i < 8; i++)
        json_array_append_new(witnesses,
                              json_pack("[i, s, [[s, s], [s, s]]]", i, "0x", "123456789012345678901234567890",
                                        "987654321098765432109876543210", "1000000000000000000", "5"));
    cert = json_pack("[[i, s, [s, s], [[s, s], [s, s]], o]]", 1700000000,
                     "0x7bcc9c7c53fea0c99330b5101d7bc1cc4fbb8e78f01857ced5e81533f2db935c", "1", "2", "3", "4", "5",
                     "6", witnesses);
    REQUIRE(cert);
    enum { N = 2000 };
    eth_buf b;
    eth_buf_init(&b, 0);
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < N; i++) {
        b.len = 0;
        REQUIRE(eth_abi_encode(&b, CERT_TYPE, cert) == ETH_OK);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (int i = 0; i < N; i++) {
        json_t *back = NULL;
        REQUIRE(eth_abi_decode(&back, CERT_TYPE, b.data, b.len) == ETH_OK);
        json_decref(back);
    }
    clock_gettime(CLOCK_MONOTONIC, &t2);
    double enc = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / N / 1e3;
    double dec = ((t2.tv_sec - t1.tv_sec) * 1e9 + (t2.tv_nsec - t1.tv_nsec)) / N / 1e3;
    printf("  certificate with 8 non-signers (%zu bytes): encode %.1f us, decode %.1f us\n", b.len, enc, dec);
    json_decref(cert);
    eth_buf_free(&b);
}

static void test_bad_types(void)
{
    static const char *const bad[] = {
        "uint7", "uint0", "uint264", "uint08", "int", "bytes33", "bytes0", "bytes01", "(uint256", "uint256)",
        "(uint256,)", "(,uint256)", "(uint256))", "uint256[", "uint256[0]", "uint256[01]", "uint256[-1]",
        "uint256[1", "(uint256,())", "()[]", "fixed128x18", "function", "", "addresss", "Uint256", "uint256 x",
        "(uint256 indexed)", "(uint256 a b)", "(uint256,,bool)", "uint256[99999999999999999999999]",
        "uint256[4294967296][4294967296]",
    };
    json_t *empty = json_array(), *out = NULL;
    eth_buf b;
    eth_buf_init(&b, 0);
    for (size_t i = 0; i < TEST_COUNT(bad); i++) {
        /* "int" alone is int256 and fine: it is in the list as the control that
         * the loop really runs; it is checked separately below. */
        if (strcmp(bad[i], "int") == 0) continue;
        eth_err e1 = eth_abi_encode(&b, bad[i], empty), e2 = eth_abi_decode(&out, bad[i], NULL, 0);
        if (e1 != ETH_ERR_ABI || e2 != ETH_ERR_ABI)
            test_fail(__FILE__, __LINE__, "type \"%s\": encode %d, decode %d, want ETH_ERR_ABI", bad[i], e1, e2);
    }
    CHECK_INT(b.len, 0);
    CHECK_INT(eth_abi_decode(&out, NULL, NULL, 0), ETH_ERR_ARG);
    CHECK_INT(eth_abi_decode(&out, "int", (const uint8_t *)"", 0), ETH_ERR_ABI); /* valid type, no data */

    /* Nesting: ETH_ABI_MAX_DEPTH levels parse, one more does not. */
    char deep[4 * ETH_ABI_MAX_DEPTH + 16];
    size_t k = 0;
    for (int i = 0; i < ETH_ABI_MAX_DEPTH; i++) deep[k++] = '(';
    memcpy(deep + k, "bool", 4);
    k += 4;
    for (int i = 0; i < ETH_ABI_MAX_DEPTH; i++) deep[k++] = ')';
    deep[k] = '\0';
    CHECK_INT(eth_abi_decode(&out, deep, (const uint8_t *)"", 0), ETH_ERR_ABI); /* parses; the data is short */
    char deeper[sizeof deep + 2];
    snprintf(deeper, sizeof deeper, "(%s)", deep);
    uint8_t word[32] = { 0 };
    CHECK_INT(eth_abi_decode(&out, deeper, word, 32), ETH_ERR_ABI);
    CHECK_INT(eth_abi_decode(&out, deep, word, 32), ETH_OK);
    json_decref(out);
    out = NULL;
    /* The list counts as one level: 31 array suffixes fit, 32 do not. */
    char arrays[8 + 2 * ETH_ABI_MAX_DEPTH + 1] = "uint256";
    for (int i = 0; i < ETH_ABI_MAX_DEPTH - 1; i++) strcat(arrays, "[]");
    word[31] = 0x20; /* offset 32, then an empty outer array */
    uint8_t two[64] = { 0 };
    memcpy(two, word, 32);
    CHECK_INT(eth_abi_decode(&out, arrays, two, 64), ETH_OK);
    json_decref(out);
    out = NULL;
    strcat(arrays, "[]");
    CHECK_INT(eth_abi_decode(&out, arrays, two, 64), ETH_ERR_ABI);
    /* An overlong type string. */
    char *longtype = malloc(ETH_ABI_MAX_TYPE_LEN + 16);
    REQUIRE(longtype);
    strcpy(longtype, "(uint256");
    while (strlen(longtype) < ETH_ABI_MAX_TYPE_LEN) strcat(longtype, ",bool");
    strcat(longtype, ")");
    CHECK_INT(eth_abi_decode(&out, longtype, word, 32), ETH_ERR_ABI);
    free(longtype);
    json_decref(empty);
    eth_buf_free(&b);
}

static void check_encode_err(const char *types, const char *values, eth_err want, int line)
{
    eth_buf b;
    json_t *v = J(values);
    eth_buf_init(&b, 0);
    eth_buf_append_zeros(&b, 3) == ETH_OK ? (void)0 : test_fail(__FILE__, line, "nomem");
    eth_err e = eth_abi_encode(&b, types, v);
    if (e != want) test_fail(__FILE__, line, "encode %s %s = %d (%s), want %d", types, values, e, eth_strerror(e), want);
    if (e && b.len != 3) test_fail(__FILE__, line, "failed encode left %zu bytes behind", b.len - 3);
    json_decref(v);
    eth_buf_free(&b);
}

static void test_value_ranges(void)
{
    check_encode_err("(uint8)", "[255]", ETH_OK, __LINE__);
    check_encode_err("(uint8)", "[256]", ETH_ERR_ABI, __LINE__);
    check_encode_err("(uint8)", "[-1]", ETH_ERR_ABI, __LINE__);
    check_encode_err("(uint8)", "[\"-0\"]", ETH_ERR_ABI, __LINE__);
    check_encode_err("(int8)", "[127]", ETH_OK, __LINE__);
    check_encode_err("(int8)", "[-128]", ETH_OK, __LINE__);
    check_encode_err("(int8)", "[128]", ETH_ERR_ABI, __LINE__);
    check_encode_err("(int8)", "[-129]", ETH_ERR_ABI, __LINE__);
    check_encode_err("(int8)", "[\"-0x80\"]", ETH_OK, __LINE__);
    check_encode_err("(int256)", "[\"0x8000000000000000000000000000000000000000000000000000000000000000\"]",
                     ETH_ERR_ABI, __LINE__);
    check_encode_err("(int256)", "[\"-0x8000000000000000000000000000000000000000000000000000000000000000\"]", ETH_OK,
                     __LINE__);
    check_encode_err("(int256)", "[\"-0x8000000000000000000000000000000000000000000000000000000000000001\"]",
                     ETH_ERR_ABI, __LINE__);
    check_encode_err("(uint256)",
                     "[\"115792089237316195423570985008687907853269984665640564039457584007913129639936\"]",
                     ETH_ERR_ABI, __LINE__);
    check_encode_err("(uint256)", "[\"12a\"]", ETH_ERR_ABI, __LINE__);
    check_encode_err("(uint256)", "[1.5]", ETH_ERR_JSON, __LINE__);
    check_encode_err("(uint256)", "[true]", ETH_ERR_JSON, __LINE__);
    check_encode_err("(address)", "[\"0x52908400098527886E0F7030069857D2E4169EE7\"]", ETH_OK, __LINE__);
    check_encode_err("(address)", "[\"0x52908400098527886e0F7030069857D2E4169EE7\"]", ETH_ERR_KEY, __LINE__);
    check_encode_err("(address)", "[\"0x1234\"]", ETH_ERR_KEY, __LINE__);
    check_encode_err("(bytes3)", "[\"0x6162\"]", ETH_ERR_ABI, __LINE__);
    check_encode_err("(bytes3)", "[\"0x61626364\"]", ETH_ERR_ABI, __LINE__);
    check_encode_err("(bytes)", "[\"0x616\"]", ETH_ERR_HEX, __LINE__);
    check_encode_err("(bytes)", "[\"0xzz\"]", ETH_ERR_HEX, __LINE__);
    check_encode_err("(bool)", "[\"true\"]", ETH_ERR_JSON, __LINE__);
    check_encode_err("(bool,uint8)", "[true]", ETH_ERR_JSON, __LINE__);
    check_encode_err("(uint8[2])", "[[1, 2, 3]]", ETH_ERR_JSON, __LINE__);
    check_encode_err("((uint8,bool))", "[[1]]", ETH_ERR_JSON, __LINE__);
    check_encode_err("(uint8[])", "[{}]", ETH_ERR_JSON, __LINE__);
    check_encode_err("(string)", "[5]", ETH_ERR_JSON, __LINE__);
    check_encode_err("()", "[]", ETH_OK, __LINE__);
    check_encode_err("uint8[]", "[[1, 2]]", ETH_OK, __LINE__); /* a bare type is a one-element list */

    /* Integers may come as JSON numbers, decimal or hex strings; all mean the same. */
    eth_buf a, b;
    eth_buf_init(&a, 0);
    eth_buf_init(&b, 0);
    json_t *v1 = J("[-5, 4096, \"0x1000\"]"), *v2 = J("[\"-0x5\", \"4096\", 4096]");
    REQUIRE(eth_abi_encode(&a, "(int16,uint256,uint16)", v1) == ETH_OK);
    REQUIRE(eth_abi_encode(&b, "(int16,uint256,uint16)", v2) == ETH_OK);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    json_t *back = NULL;
    REQUIRE(eth_abi_decode(&back, "(int16,uint256,uint16)", a.data, a.len) == ETH_OK);
    check_json(back, "[\"-5\", \"4096\", \"4096\"]", __LINE__);
    json_decref(back);
    json_decref(v1);
    json_decref(v2);
    eth_buf_free(&a);
    eth_buf_free(&b);
}

/* Builds data from words given as hex (short words are right-aligned numbers). */
static size_t words(uint8_t *out, const char *const *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t tmp[32];
        size_t len = unhex(tmp, 32, w[i]);
        memset(out + 32 * i, 0, 32);
        if (strlen(w[i]) == 64) memcpy(out + 32 * i, tmp, 32);
        else memcpy(out + 32 * i + 32 - len, tmp, len);
    }
    return 32 * n;
}

#define DECODE_ERR(types, want, ...)                                                                      \
    do {                                                                                                  \
        static const char *const w_[] = { __VA_ARGS__ };                                                  \
        uint8_t d_[32 * TEST_COUNT(w_)];                                                                  \
        size_t n_ = words(d_, w_, TEST_COUNT(w_));                                                        \
        json_t *o_ = NULL;                                                                                \
        eth_err e_ = eth_abi_decode(&o_, types, d_, n_);                                                  \
        if (e_ != (want)) test_fail(__FILE__, __LINE__, "decode %s = %d (%s)", types, e_, eth_strerror(e_)); \
        json_decref(o_);                                                                                  \
    } while (0)

#define FF "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static void test_hostile_data(void)
{
    /* Controls: the well-formed versions decode. */
    DECODE_ERR("(bytes)", ETH_OK, "20", "03", "616263" "0000000000000000000000000000000000000000000000000000000000");
    DECODE_ERR("(uint8[])", ETH_OK, "20", "02", "01", "02");
    /* Offsets: huge, past the end, pointing back into the head, leaving a gap. */
    DECODE_ERR("(bytes)", ETH_ERR_ABI, FF, "00");
    DECODE_ERR("(bytes)", ETH_ERR_ABI, "ffffffffffffffff", "00");
    DECODE_ERR("(bytes)", ETH_ERR_ABI, "40", "00");
    DECODE_ERR("(bytes)", ETH_ERR_ABI, "00", "00");
    DECODE_ERR("(bytes)", ETH_ERR_ABI, "40", "00", "00");
    /* Two dynamic values sharing one tail (the overlap a permissive decoder would amplify). */
    DECODE_ERR("(bytes,bytes)", ETH_ERR_ABI, "40", "40", "00");
    DECODE_ERR("(bytes,bytes)", ETH_OK, "40", "60", "00", "00");
    /* Lengths: huge, one past the data, 2^64-1 elements, count*32 overflowing. */
    DECODE_ERR("(bytes)", ETH_ERR_ABI, "20", FF);
    DECODE_ERR("(bytes)", ETH_ERR_ABI, "20", "21", "00");
    DECODE_ERR("(uint256[])", ETH_ERR_ABI, "20", "ffffffffffffffff");
    DECODE_ERR("(uint256[])", ETH_ERR_ABI, "20", "0800000000000000");
    DECODE_ERR("(uint256[][])", ETH_ERR_ABI, "20", "01", "20", "ffffffff");
    DECODE_ERR("(string[])", ETH_ERR_ABI, "20", "02", "40", "40", "00");
    /* Truncation and dirty padding. */
    DECODE_ERR("(uint256,uint256)", ETH_ERR_ABI, "01");
    DECODE_ERR("(bytes)", ETH_ERR_ABI, "20", "03");
    DECODE_ERR("(bytes)", ETH_ERR_ABI, "20", "03", "6162630000000000000000000000000000000000000000000000000000000001");
    DECODE_ERR("(address)", ETH_ERR_ABI, "0100000000000000000000000000000000000000000000000000000000000000");
    DECODE_ERR("(bool)", ETH_ERR_ABI, "02");
    DECODE_ERR("(uint8)", ETH_ERR_ABI, "0100");
    DECODE_ERR("(int8)", ETH_ERR_ABI, "80");
    DECODE_ERR("(int8)", ETH_OK, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80");
    DECODE_ERR("(int8)", ETH_ERR_ABI, "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe7f");
    DECODE_ERR("(bytes2)", ETH_ERR_ABI, "6162630000000000000000000000000000000000000000000000000000000000");
    DECODE_ERR("(string)", ETH_ERR_ABI, "20", "02", "c328000000000000000000000000000000000000000000000000000000000000");
    /* Trailing bytes after a complete encoding are ignored, as Solidity does. */
    DECODE_ERR("(uint8)", ETH_OK, "01", "1234");
    /* Data beyond the cap is refused before it is read. */
    json_t *o = NULL;
    CHECK_INT(eth_abi_decode(&o, "(uint8)", (const uint8_t *)"", ETH_ABI_MAX_DATA + 1), ETH_ERR_TOO_BIG);
    /* An array with more elements than ETH_ABI_MAX_VALUES (the data really
     * holds them: zero pages, never touched) is refused before any is built. */
    size_t big = 64 + 32 * (ETH_ABI_MAX_VALUES + 1);
    uint8_t *zeros = calloc(1, big);
    REQUIRE(zeros);
    zeros[31] = 0x20;
    for (int i = 0; i < 8; i++) zeros[63 - i] = (uint8_t)((uint64_t)(ETH_ABI_MAX_VALUES + 1) >> (8 * i));
    CHECK_INT(eth_abi_decode(&o, "(uint8[])", zeros, big), ETH_ERR_TOO_BIG);
    free(zeros);
}

static void test_decode_values(void)
{
    static const char *const w[] = {
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff85", /* int8 -123 */
        "8000000000000000000000000000000000000000000000000000000000000000", /* int256 min */
        "0000000000000000000000005aaeb6053f3e94c9b9a09f33669435e7ef1beaed", /* EIP-55 example */
        "01",
        "ab00000000000000000000000000000000000000000000000000000000000000",
    };
    uint8_t d[32 * TEST_COUNT(w)];
    size_t n = words(d, w, TEST_COUNT(w));
    json_t *o = NULL;
    REQUIRE(eth_abi_decode(&o, "(int8,int256,address,bool,bytes1)", d, n) == ETH_OK);
    check_json(o,
               "[\"-123\", \"-57896044618658097711785492504343953926634992332820282019728792003956564819968\","
               " \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\", true, \"0xab\"]",
               __LINE__);
    json_decref(o);
}

/* cast's calldata for a signature and arguments (selector included). */
static size_t cast_calldata(uint8_t *out, size_t cap, char *const *args)
{
    char *argv[16] = { "cast", "calldata" };
    size_t k = 2;
    for (; args[k - 2] && k < 15; k++) argv[k] = args[k - 2];
    argv[k] = NULL;
    char *hex = run_tool(argv);
    if (!hex) return (size_t)-1;
    size_t n = unhex(out, cap, hex);
    free(hex);
    return n;
}

static void test_decode_log(void)
{
    /* A TaskCreated log: indexed creator, taskHash, avs; the rest in data,
     * encoded by cast (hourglass-protocol.md §2.3). */
    static const char decl[] =
        "TaskCreated(address indexed creator, bytes32 indexed taskHash, address indexed avs, "
        "uint32 executorOperatorSetId, uint32 operatorTableReferenceTimestamp, address refundCollector, "
        "uint96 avsFee, uint256 taskDeadline, bytes payload)";
    uint8_t data[1024], topics[4][32];
    char *args[] = { "f(uint32,uint32,address,uint96,uint256,bytes)", "3", "1700000000",
                     "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0", "1700003600", "0x7b226e616d65223a22417a227d",
                     NULL };
    size_t n = cast_calldata(data, sizeof data, args);
    REQUIRE(n != (size_t)-1 && n > 4);
    REQUIRE(unhex(topics[0], 32, "0x33add0b01e02278be5459fbfa3274aee699ec47f4ee7236b59e7a2c8b5000c26") == 32);
    REQUIRE(unhex(topics[1], 32, "000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266") == 32);
    REQUIRE(unhex(topics[2], 32, "2222222222222222222222222222222222222222222222222222222222222222") == 32);
    REQUIRE(unhex(topics[3], 32, "0000000000000000000000005fbdb2315678afecb367f032d93f642f64180aa3") == 32);
    json_t *o = NULL;
    REQUIRE(eth_abi_decode_log(&o, decl, (const uint8_t(*)[32])topics, 4, data + 4, n - 4) == ETH_OK);
    check_json(o,
               "{\"creator\": \"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\","
               " \"taskHash\": \"0x2222222222222222222222222222222222222222222222222222222222222222\","
               " \"avs\": \"0x5FbDB2315678afecb367f032d93F642f64180aa3\", \"executorOperatorSetId\": \"3\","
               " \"operatorTableReferenceTimestamp\": \"1700000000\","
               " \"refundCollector\": \"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\", \"avsFee\": \"0\","
               " \"taskDeadline\": \"1700003600\", \"payload\": \"0x7b226e616d65223a22417a227d\"}",
               __LINE__);
    json_decref(o);
    o = NULL;
    /* Wrong event, wrong topic count, dirty indexed address. */
    CHECK_INT(eth_abi_decode_log(&o, "TaskVerified(address indexed aggregator, bytes32 indexed taskHash, address "
                                     "indexed avs, uint32 executorOperatorSetId, bytes executorCert, bytes result)",
                                 (const uint8_t(*)[32])topics, 4, data + 4, n - 4),
              ETH_ERR_NOT_FOUND);
    CHECK_INT(eth_abi_decode_log(&o, decl, (const uint8_t(*)[32])topics, 3, data + 4, n - 4), ETH_ERR_ABI);
    CHECK_INT(eth_abi_decode_log(&o, decl, NULL, 0, data + 4, n - 4), ETH_ERR_NOT_FOUND);
    topics[1][0] = 1;
    CHECK_INT(eth_abi_decode_log(&o, decl, (const uint8_t(*)[32])topics, 4, data + 4, n - 4), ETH_ERR_ABI);
    CHECK_INT(eth_abi_decode_log(&o, "TaskCreated(address indexed)", (const uint8_t(*)[32])topics, 2, NULL, 0),
              ETH_ERR_NOT_FOUND);

    /* An indexed string gives its topic hash; unnamed parameters are arg<i>. */
    uint8_t t2[2][32];
    eth_abi_event_topic(t2[0], "Named(string,uint256)");
    eth_keccak256(t2[1], "hello", 5);
    uint8_t word[32] = { 0 };
    word[31] = 9;
    REQUIRE(eth_abi_decode_log(&o, "Named(string indexed label, uint256)", (const uint8_t(*)[32])t2, 2, word, 32) ==
            ETH_OK);
    check_json(o, "{\"label\": \"0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8\", \"arg1\": \"9\"}",
               __LINE__);
    json_decref(o);
}

static void check_revert(char *const *cast_args, const char *hex, const char *const *custom, const char *want,
                         int line)
{
    uint8_t data[2048];
    size_t n = cast_args ? cast_calldata(data, sizeof data, cast_args) : unhex(data, sizeof data, hex);
    if (n == (size_t)-1) {
        test_fail(__FILE__, line, "could not build revert data");
        return;
    }
    char *got = eth_abi_describe_revert(data, n, custom);
    if (!got || strcmp(got, want) != 0) test_fail(__FILE__, line, "described as \"%s\", want \"%s\"", got, want);
    free(got);
}

static void test_revert_reasons(void)
{
    static const char *const custom[] = { "InvalidTaskStatus(uint8 expected, uint8 actual)",
                                          "Weird(address,string,(uint16,bytes2)[])", "not a declaration", NULL };
    char *error_args[] = { "Error(string)", "Function not found", NULL };
    check_revert(error_args, NULL, NULL, "Function not found", __LINE__);
    char *nl_args[] = { "Error(string)", "two\nlines", NULL };
    check_revert(nl_args, NULL, NULL, "two\\x0alines", __LINE__);
    char *panic_args[] = { "Panic(uint256)", "17", NULL };
    check_revert(panic_args, NULL, NULL, "panic 0x11 (arithmetic underflow or overflow)", __LINE__);
    char *panic2[] = { "Panic(uint256)", "50", NULL };
    check_revert(panic2, NULL, NULL, "panic 0x32 (array index out of bounds)", __LINE__);
    char *status_args[] = { "InvalidTaskStatus(uint8,uint8)", "1", "2", NULL };
    check_revert(status_args, NULL, custom, "InvalidTaskStatus(1, 2)", __LINE__);
    check_revert(status_args, NULL, NULL, "custom error 0x81236312", __LINE__);
    char *weird_args[] = { "Weird(address,string,(uint16,bytes2)[])", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                           "q\"x", "[(7,0xbeef),(8,0x0000)]", NULL };
    check_revert(weird_args, NULL, custom,
                 "Weird(0x70997970C51812dc3A010C7d01b50e0d17dc79C8, \"q\\\"x\", [(7, 0xbeef), (8, 0x0000)])", __LINE__);
    check_revert(NULL, "0x", NULL, "reverted without a reason", __LINE__);
    check_revert(NULL, "0x08c379", NULL, "malformed revert data 0x08c379", __LINE__);
    check_revert(NULL, "0x08c379a0", NULL, "malformed Error(string) revert data", __LINE__);
    check_revert(NULL, "0x08c379a0 0000000000000000000000000000000000000000000000000000000000000020", NULL,
                 "malformed Error(string) revert data", __LINE__);
    check_revert(NULL, "0x4e487b71", NULL, "malformed Panic(uint256) revert data", __LINE__);
    check_revert(NULL, "0x81236312 01", custom, "InvalidTaskStatus with malformed arguments", __LINE__);
    /* A non-UTF-8 reason is escaped byte by byte; a long one is cut. */
    check_revert(NULL,
                 "0x08c379a0 0000000000000000000000000000000000000000000000000000000000000020"
                 "0000000000000000000000000000000000000000000000000000000000000002"
                 "ff41000000000000000000000000000000000000000000000000000000000000",
                 NULL, "\\xffA", __LINE__);
    char long_reason[700];
    memset(long_reason, 'z', sizeof long_reason - 1);
    long_reason[sizeof long_reason - 1] = '\0';
    char *long_args[] = { "Error(string)", long_reason, NULL };
    char want[600];
    memset(want, 'z', 512);
    strcpy(want + 512, "...");
    check_revert(long_args, NULL, NULL, want, __LINE__);
}

/* ------------------------------------------------------------------------ */
/* Random types and values, against cast                                      */

enum { R_UINT, R_INT, R_ADDRESS, R_BOOL, R_FBYTES, R_BYTES, R_STRING, R_ARRAY, R_FARRAY, R_TUPLE };

typedef struct {
    char *p;
    size_t len, cap;
} text;

static void put(text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->p = realloc(t->p, t->cap);
        if (!t->p) abort();
    }
    memcpy(t->p + t->len, s, n + 1);
    t->len += n;
}

/* A random type: kind, width (bits or bytes), length of fixed arrays, parts. */
typedef struct rtype {
    int kind;
    unsigned width;
    size_t count;
    struct rtype *part[3]; /* arrays: part[0] is the element; tuples: count components */
} rtype;

static rtype *gen_type(int depth)
{
    rtype *t = calloc(1, sizeof *t);
    if (!t) abort();
    t->kind = (int)(test_rand64() % (depth > 0 ? 10 : 7));
    switch (t->kind) {
    case R_UINT:
    case R_INT: t->width = 8 * (unsigned)(1 + test_rand64() % 32); break;
    case R_FBYTES: t->width = (unsigned)(1 + test_rand64() % 32); break;
    case R_ARRAY: t->part[0] = gen_type(depth - 1); break;
    case R_FARRAY:
        t->count = 1 + test_rand64() % 3;
        t->part[0] = gen_type(depth - 1);
        break;
    case R_TUPLE:
        t->count = 1 + test_rand64() % 3;
        for (size_t i = 0; i < t->count; i++) t->part[i] = gen_type(depth - 1);
        break;
    }
    return t;
}

static void free_type(rtype *t)
{
    for (int i = 0; i < 3; i++)
        if (t->part[i]) free_type(t->part[i]);
    free(t);
}

static void type_text(text *ty, const rtype *t)
{
    static const char *const names[] = { [R_ADDRESS] = "address", [R_BOOL] = "bool", [R_BYTES] = "bytes",
                                         [R_STRING] = "string" };
    char tmp[32];
    switch (t->kind) {
    case R_UINT: case R_INT: case R_FBYTES:
        snprintf(tmp, sizeof tmp, "%s%u", t->kind == R_UINT ? "uint" : t->kind == R_INT ? "int" : "bytes", t->width);
        put(ty, tmp);
        break;
    case R_ARRAY: case R_FARRAY:
        type_text(ty, t->part[0]);
        if (t->kind == R_FARRAY) snprintf(tmp, sizeof tmp, "[%zu]", t->count);
        put(ty, t->kind == R_FARRAY ? tmp : "[]");
        break;
    case R_TUPLE:
        put(ty, "(");
        for (size_t i = 0; i < t->count; i++) {
            if (i) put(ty, ",");
            type_text(ty, t->part[i]);
        }
        put(ty, ")");
        break;
    default: put(ty, names[t->kind]);
    }
}

/* A random value of type t: returned as canonical JSON, appended to arg in cast's syntax. */
static json_t *gen_value(const rtype *t, text *arg)
{
    char tmp[160];
    switch (t->kind) {
    case R_UINT:
    case R_INT: {
        /* Random bits of the width, with the all-ones pattern and small values common. */
        unsigned nb = t->width / 8;
        eth_u256 v;
        memset(v.b, 0, 32);
        int shape = (int)(test_rand64() % 4);
        if (shape == 0) memset(v.b + 32 - nb, 0xff, nb);
        else if (shape == 1) v.b[31] = (uint8_t)test_rand64();
        else test_rand_bytes(v.b + 32 - nb, nb);
        int neg = t->kind == R_INT && (v.b[32 - nb] & 0x80);
        if (neg) {
            /* A negative nb-byte two's complement value: its magnitude is 2^bits - v. */
            eth_u256 one;
            for (unsigned i = 32 - nb; i < 32; i++) v.b[i] = (uint8_t)~v.b[i];
            eth_u256_from_u64(&one, 1);
            (void)eth_u256_add(&v, &v, &one);
        }
        tmp[0] = '-';
        eth_u256_to_dec(tmp + neg, &v);
        break;
    }
    case R_ADDRESS: {
        eth_address a;
        test_rand_bytes(a.addr, 20);
        eth_address_to_hex(tmp, &a);
        break;
    }
    case R_BOOL: {
        int b = (int)(test_rand64() & 1);
        put(arg, b ? "true" : "false");
        return json_boolean(b);
    }
    case R_FBYTES:
    case R_BYTES: {
        size_t n = t->kind == R_FBYTES ? t->width : test_rand64() % 70;
        uint8_t b[70];
        test_rand_bytes(b, n);
        eth_hex_encode(tmp, b, n);
        break;
    }
    case R_STRING: {
        /* cast's argument syntax has no quoting, so: 1..40 alphanumerics. */
        static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        size_t n = 1 + test_rand64() % 40;
        for (size_t i = 0; i < n; i++) tmp[i] = alnum[test_rand64() % (sizeof alnum - 1)];
        tmp[n] = '\0';
        break;
    }
    default: { /* arrays and tuples */
        size_t n = t->kind == R_ARRAY ? test_rand64() % 4 : t->count;
        json_t *arr = json_array();
        put(arg, t->kind == R_TUPLE ? "(" : "[");
        for (size_t i = 0; i < n; i++) {
            if (i) put(arg, ",");
            json_array_append_new(arr, gen_value(t->part[t->kind == R_TUPLE ? i : 0], arg));
        }
        put(arg, t->kind == R_TUPLE ? ")" : "]");
        return arr;
    }
    }
    put(arg, tmp);
    return json_string(tmp);
}

static void test_random_vs_cast(void)
{
    enum { ROUNDS = 40 };
    for (int round = 0; round < ROUNDS; round++) {
        text ty = { 0 }, sig = { 0 };
        char *args[8];
        size_t nargs = 1 + test_rand64() % 4;
        json_t *values = json_array();
        put(&ty, "(");
        for (size_t i = 0; i < nargs; i++) {
            text arg = { 0 };
            rtype *t = gen_type(3);
            if (i) put(&ty, ",");
            type_text(&ty, t);
            json_array_append_new(values, gen_value(t, &arg));
            args[i] = arg.p;
            free_type(t);
        }
        put(&ty, ")");
        put(&sig, "f");
        put(&sig, ty.p);

        eth_buf ours;
        eth_buf_init(&ours, 0);
        eth_err e = eth_abi_encode(&ours, ty.p, values);
        if (e) test_fail(__FILE__, __LINE__, "encode %s: %s", ty.p, eth_strerror(e));
        char *argv[12] = { "cast", "abi-encode", sig.p };
        for (size_t i = 0; i < nargs; i++) argv[3 + i] = args[i];
        argv[3 + nargs] = NULL;
        char *want = run_tool(argv);
        if (!want) test_fail(__FILE__, __LINE__, "cast failed on %s", sig.p);
        else if (!e) check_bytes(ours.data, ours.len, want, __LINE__);
        if (want && !e) {
            /* Decode cast's bytes (independent of our encoder) back to the values. */
            uint8_t *cast_bytes;
            size_t cast_n;
            REQUIRE(eth_hex_decode_alloc(&cast_bytes, &cast_n, want, strlen(want)) == ETH_OK);
            json_t *back = NULL;
            e = eth_abi_decode(&back, ty.p, cast_bytes, cast_n);
            if (e || !json_equal(back, values)) test_fail(__FILE__, __LINE__, "decode %s: %s", ty.p, eth_strerror(e));
            json_decref(back);
            free(cast_bytes);
        }
        free(want);
        for (size_t i = 0; i < nargs; i++) free(args[i]);
        free(ty.p);
        free(sig.p);
        json_decref(values);
        eth_buf_free(&ours);
    }
}

static const struct test_case cases[] = {
    TEST(spec_examples),   TEST(project_encodings), TEST(certificate_vs_cast), TEST(bad_types),
    TEST(certificate_speed), TEST(value_ranges),    TEST(hostile_data),      TEST(decode_values),       TEST(decode_log),
    TEST(revert_reasons),  TEST(random_vs_cast),
};

int main(int argc, char **argv) { return test_main(cases, TEST_COUNT(cases), argc, argv); }
