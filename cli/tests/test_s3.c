/* test_s3.c - s3:// URLs, AWS credential resolution, and the SigV4-signed
 * upload: its signature checked by an independent verifier
 * (sigv4_server.py), the S3 protocol by a real s3rver on loopback. */
#include "cli.h"
#include "clirun.h"
#include "test.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <sys/stat.h>

static const char *const aws_env[] = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                                       "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
                                       "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", NULL };

static void unset_aws_env(void)
{
    for (const char *const *e = aws_env; *e; e++) unsetenv(*e);
}

/* A HOME with no ~/.aws, and no AWS variables. */
static char *clean_aws_env(void)
{
    unset_aws_env();
    char *home = clirun_tmpdir();
    setenv("HOME", home, 1);
    return home;
}

static void test_parse_url(void)
{
    cli_s3_location loc;
    cli_diag d = { 0 };
    REQUIRE(cli_s3_parse_url(&loc, "s3://my-bucket/functions/", &d) == CLI_OK);
    CHECK_STR(loc.bucket, "my-bucket");
    CHECK_STR(loc.prefix, "functions/");
    cli_s3_location_free(&loc);
    REQUIRE(cli_s3_parse_url(&loc, "s3://my.bucket.1/a/b", &d) == CLI_OK);
    CHECK_STR(loc.prefix, "a/b/");
    cli_s3_location_free(&loc);
    REQUIRE(cli_s3_parse_url(&loc, "s3://fns", &d) == CLI_OK);
    CHECK_STR(loc.prefix, "");
    cli_s3_location_free(&loc);

    static const char *const bad[] = { "https://b/x", "s3://", "s3://ab/x", "s3://My-Bucket/", "s3://-abc/",
                                       "s3://abc-/", "s3://a_b_c/" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(cli_s3_parse_url(&loc, bad[i], &d), CLI_ERR_USAGE);
        CHECK(strstr(d.msg, "S3") != NULL);
    }
}

static void test_object_key_and_urls(void)
{
    cli_s3_location loc;
    cli_diag d = { 0 };
    uint8_t id[32];
    for (int i = 0; i < 32; i++) id[i] = (uint8_t)(0xa0 + i);
    REQUIRE(cli_s3_parse_url(&loc, "s3://my-bucket/functions/", &d) == CLI_OK);
    char *key = cli_s3_object_key(&loc, id);
    CHECK_STR(key, "functions/0xa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf.tar.gz");
    char *url = cli_s3_object_url(&loc, key, "eu-west-1", NULL);
    CHECK_STR(url, "https://my-bucket.s3.eu-west-1.amazonaws.com/"
                   "functions/0xa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf.tar.gz");
    free(url);
    url = cli_s3_object_url(&loc, "a b/ü+x.tar.gz", "us-east-1", "http://127.0.0.1:4568/");
    CHECK_STR(url, "http://127.0.0.1:4568/my-bucket/a%20b/%C3%BC%2Bx.tar.gz");
    free(url);
    free(key);
    cli_s3_location_free(&loc);
    REQUIRE(cli_s3_parse_url(&loc, "s3://my.dotted.bucket/", &d) == CLI_OK);
    url = cli_s3_object_url(&loc, "k.tar.gz", "us-west-2", NULL);
    CHECK_STR(url, "https://s3.us-west-2.amazonaws.com/my.dotted.bucket/k.tar.gz");
    free(url);
    cli_s3_location_free(&loc);
}

static void test_credentials_like_the_aws_cli(void)
{
    char *home = clean_aws_env();
    cli_aws_creds c;
    cli_diag d = { 0 };

    /* Nothing anywhere. */
    CHECK_INT(cli_aws_creds_resolve(&c, &d), CLI_ERR_S3_DENIED);
    CHECK(strstr(d.msg, "no AWS credentials") && strstr(d.msg, ".aws/credentials"));

    /* ~/.aws/credentials, default profile; region from ~/.aws/config. */
    char aws[4200];
    snprintf(aws, sizeof aws, "%s/.aws", home);
    mkdir(aws, 0700);
    clirun_write(aws, "credentials",
                 "# comment\n[default]\naws_access_key_id = AKDEFAULT\naws_secret_access_key = sdefault\n\n"
                 "[dev]\naws_access_key_id=AKDEV\naws_secret_access_key=sdev\naws_session_token = tdev\n");
    clirun_write(aws, "config", "[default]\nregion = eu-central-1\n[profile dev]\nregion=ap-south-1\n"
                                "[profile cfgonly]\naws_access_key_id = AKCFG\naws_secret_access_key = scfg\n");
    REQUIRE(cli_aws_creds_resolve(&c, &d) == CLI_OK);
    CHECK_STR(c.access_key_id, "AKDEFAULT");
    CHECK_STR(c.secret_access_key, "sdefault");
    CHECK(c.session_token == NULL);
    CHECK_STR(c.region, "eu-central-1");
    CHECK_STR(c.source, "credentials file");
    cli_aws_creds_free(&c);

    /* AWS_PROFILE picks [dev] in credentials and [profile dev] in config. */
    setenv("AWS_PROFILE", "dev", 1);
    REQUIRE(cli_aws_creds_resolve(&c, &d) == CLI_OK);
    CHECK_STR(c.access_key_id, "AKDEV");
    CHECK_STR(c.session_token, "tdev");
    CHECK_STR(c.region, "ap-south-1");
    cli_aws_creds_free(&c);

    /* Keys may also live in the config file. */
    setenv("AWS_PROFILE", "cfgonly", 1);
    REQUIRE(cli_aws_creds_resolve(&c, &d) == CLI_OK);
    CHECK_STR(c.access_key_id, "AKCFG");
    CHECK_STR(c.source, "config file");
    CHECK_STR(c.region, "us-east-1");
    cli_aws_creds_free(&c);

    setenv("AWS_PROFILE", "nosuch", 1);
    CHECK_INT(cli_aws_creds_resolve(&c, &d), CLI_ERR_S3_DENIED);
    CHECK(strstr(d.msg, "profile \"nosuch\"") != NULL);

    /* The environment wins over the files; AWS_REGION over AWS_DEFAULT_REGION. */
    setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "senv", 1);
    setenv("AWS_DEFAULT_REGION", "sa-east-1", 1);
    REQUIRE(cli_aws_creds_resolve(&c, &d) == CLI_OK);
    CHECK_STR(c.access_key_id, "AKENV");
    CHECK_STR(c.source, "environment");
    CHECK_STR(c.region, "sa-east-1");
    cli_aws_creds_free(&c);
    setenv("AWS_REGION", "us-west-1", 1);
    REQUIRE(cli_aws_creds_resolve(&c, &d) == CLI_OK);
    CHECK_STR(c.region, "us-west-1");
    cli_aws_creds_free(&c);

    unsetenv("AWS_SECRET_ACCESS_KEY");
    CHECK_INT(cli_aws_creds_resolve(&c, &d), CLI_ERR_S3_DENIED);
    CHECK(strstr(d.msg, "partial AWS credentials") != NULL);

    unset_aws_env();
    clirun_rmrf(home);
    free(home);
}

static cli_aws_creds creds(const char *ak, const char *sk, const char *token)
{
    cli_aws_creds c = { strdup(ak), strdup(sk), token ? strdup(token) : NULL, strdup("us-east-1"), "test" };
    return c;
}

static const uint8_t body[] = "\x1f\x8b\x08 not really a tarball, but bytes \x00\xff";

/* curl's SigV4, checked by an independent verifier with known keys. */
static void test_sigv4_verified_independently(void)
{
    char endpoint[64], url[128];
    pid_t pid = clirun_sigv4_start("AKIDTEST", "secret/with+chars", endpoint, sizeof endpoint);
    REQUIRE(pid > 0);
    snprintf(url, sizeof url, "%s/fns/dir/0xabc.tar.gz", endpoint);
    cli_diag d = { 0 };

    cli_aws_creds c = creds("AKIDTEST", "secret/with+chars", NULL);
    CHECK_INT(cli_s3_put(url, &c, body, sizeof body - 1, "application/gzip", &d), CLI_OK);
    cli_aws_creds_free(&c);

    c = creds("AKIDTEST", "secret/with+chars", "session-token-123");
    CHECK_INT(cli_s3_put(url, &c, body, sizeof body - 1, "application/gzip", &d), CLI_OK);
    cli_aws_creds_free(&c);

    c = creds("AKIDTEST", "wrong-secret", NULL);
    CHECK_INT(cli_s3_put(url, &c, body, sizeof body - 1, "application/gzip", &d), CLI_ERR_S3_DENIED);
    CHECK(strstr(d.msg, "S3 denied the upload to") && strstr(d.msg, "(HTTP 403 SignatureDoesNotMatch: "));
    cli_aws_creds_free(&c);

    c = creds("AKIDOTHER", "secret/with+chars", NULL);
    CHECK_INT(cli_s3_put(url, &c, body, sizeof body - 1, "application/gzip", &d), CLI_ERR_S3_DENIED);
    CHECK(strstr(d.msg, "InvalidAccessKeyId") != NULL);
    cli_aws_creds_free(&c);
    test_kill(pid);
}

/* GET without credentials, as operators download a bundle. */
static int http_get(const char *url, eth_buf *out, long *status)
{
    CURL *curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, url);
    FILE *f = open_memstream((char **)&out->data, &out->len);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(curl);
    fclose(f);
    return rc == CURLE_OK ? 0 : -1;
}

static void test_s3rver_upload_and_download(void)
{
    char endpoint[64], *data = clirun_tmpdir();
    pid_t pid = clirun_s3rver_start(data, "fns", endpoint, sizeof endpoint);
    REQUIRE(pid > 0);

    cli_s3_location loc;
    cli_diag d = { 0 };
    REQUIRE(cli_s3_parse_url(&loc, "s3://fns/functions/", &d) == CLI_OK);
    uint8_t id[32];
    cli_pkg_function_id(id, body, sizeof body - 1);
    char *key = cli_s3_object_key(&loc, id);
    char *url = cli_s3_object_url(&loc, key, "us-east-1", endpoint);

    /* s3rver's built-in account; it checks the key id (not V4 signatures). */
    cli_aws_creds c = creds("S3RVER", "S3RVER", NULL);
    CHECK_INT(cli_s3_put(url, &c, body, sizeof body - 1, "application/gzip", &d), CLI_OK);
    eth_buf got = { 0 };
    long status = 0;
    CHECK_INT(http_get(url, &got, &status), 0);
    CHECK_INT(status, 200);
    CHECK(got.len == sizeof body - 1 && memcmp(got.data, body, got.len) == 0);
    free(got.data);
    cli_aws_creds_free(&c);

    c = creds("NOT-A-KEY", "x", NULL);
    CHECK_INT(cli_s3_put(url, &c, body, sizeof body - 1, "application/gzip", &d), CLI_ERR_S3_DENIED);
    CHECK(strstr(d.msg, "HTTP 403 InvalidAccessKeyId: The AWS Access Key Id you provided does not exist") != NULL);
    cli_aws_creds_free(&c);

    cli_s3_location other;
    REQUIRE(cli_s3_parse_url(&other, "s3://no-such-bucket/", &d) == CLI_OK);
    char *url2 = cli_s3_object_url(&other, key, "us-east-1", endpoint);
    c = creds("S3RVER", "S3RVER", NULL);
    CHECK_INT(cli_s3_put(url2, &c, body, sizeof body - 1, "application/gzip", &d), CLI_ERR_S3);
    CHECK(strstr(d.msg, "(HTTP 404 NoSuchBucket: The specified bucket does not exist)") != NULL);
    free(url2);
    cli_s3_location_free(&other);

    test_kill(pid);
    /* Nobody listening any more. */
    CHECK_INT(cli_s3_put(url, &c, body, sizeof body - 1, "application/gzip", &d), CLI_ERR_S3);
    CHECK(strstr(d.msg, "Couldn't connect to server") != NULL);
    cli_aws_creds_free(&c);
    free(url);
    free(key);
    cli_s3_location_free(&loc);
    clirun_rmrf(data);
    free(data);
}

static const struct test_case cases[] = {
    TEST(parse_url), TEST(object_key_and_urls), TEST(credentials_like_the_aws_cli),
    TEST(sigv4_verified_independently), TEST(s3rver_upload_and_download),
};
int main(int argc, char **argv)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = test_main(cases, TEST_COUNT(cases), argc, argv);
    curl_global_cleanup();
    return rc;
}
