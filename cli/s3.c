/* s3.c - uploading a bundle to S3 (seed "Remote Deployment (S3)"):
 * s3:// URLs, credentials resolved as the AWS CLI does, and a PUT signed
 * with AWS Signature Version 4 by libcurl (CURLOPT_AWS_SIGV4). */
#include "cli.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AWS_FILE_MAX_BYTES ((size_t)1 << 20)
#define S3_RESPONSE_MAX ((size_t)64 << 10)
#define S3_CONNECT_TIMEOUT_S 15L
#define S3_TIMEOUT_S 600L

cli_err cli_s3_parse_url(cli_s3_location *loc, const char *url, cli_diag *d)
{
    memset(loc, 0, sizeof *loc);
    if (strncmp(url, "s3://", 5) != 0)
        return cli_diag_set(d, CLI_ERR_USAGE, "invalid S3 URL \"%.100s\": expected s3://bucket/prefix/", url);
    const char *b = url + 5, *slash = strchr(b, '/');
    size_t bl = slash ? (size_t)(slash - b) : strlen(b);
    int ok = bl >= 3 && bl <= 63 && isalnum((unsigned char)b[0]) && isalnum((unsigned char)b[bl - 1]);
    for (size_t i = 0; ok && i < bl; i++)
        ok = islower((unsigned char)b[i]) || isdigit((unsigned char)b[i]) || b[i] == '-' || b[i] == '.';
    if (!ok)
        return cli_diag_set(d, CLI_ERR_USAGE,
                            "invalid S3 bucket name in \"%.100s\" (3-63 characters: lowercase letters, digits, "
                            "'.', '-')", url);
    const char *prefix = slash ? slash + 1 : "";
    size_t pl = strlen(prefix);
    int add_slash = pl > 0 && prefix[pl - 1] != '/';
    loc->bucket = strndup(b, bl);
    loc->prefix = malloc(pl + 2);
    if (!loc->bucket || !loc->prefix) {
        cli_s3_location_free(loc);
        return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    }
    snprintf(loc->prefix, pl + 2, "%s%s", prefix, add_slash ? "/" : "");
    return CLI_OK;
}

void cli_s3_location_free(cli_s3_location *loc)
{
    free(loc->bucket);
    free(loc->prefix);
    memset(loc, 0, sizeof *loc);
}

char *cli_s3_object_key(const cli_s3_location *loc, const uint8_t id[32])
{
    char hex[67];
    eth_hex_encode(hex, id, 32);
    size_t n = strlen(loc->prefix) + sizeof hex + 8;
    char *key = malloc(n);
    if (key) snprintf(key, n, "%s%s.tar.gz", loc->prefix, hex);
    return key;
}

/* Appends key percent-encoded as SigV4's canonical URI wants for S3:
 * everything but unreserved characters and '/' (AWS SigV4 docs, "Create a
 * canonical request"). */
static void encode_key(char *out, const char *key)
{
    static const char hexd[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~' || *p == '/') {
            *out++ = (char)*p;
        } else {
            *out++ = '%';
            *out++ = hexd[*p >> 4];
            *out++ = hexd[*p & 15];
        }
    }
    *out = 0;
}

char *cli_s3_object_url(const cli_s3_location *loc, const char *key, const char *region, const char *endpoint)
{
    char *enc = malloc(strlen(key) * 3 + 1);
    if (!enc) return NULL;
    encode_key(enc, key);
    size_t n = strlen(enc) + strlen(loc->bucket) + strlen(region) + (endpoint ? strlen(endpoint) : 0) + 64;
    char *url = malloc(n);
    if (url) {
        if (endpoint) {
            size_t el = strlen(endpoint);
            while (el > 0 && endpoint[el - 1] == '/') el--;
            snprintf(url, n, "%.*s/%s/%s", (int)el, endpoint, loc->bucket, enc);
        } else if (strchr(loc->bucket, '.')) {
            /* Dotted names do not match the *.s3 TLS certificate. */
            snprintf(url, n, "https://s3.%s.amazonaws.com/%s/%s", region, loc->bucket, enc);
        } else {
            snprintf(url, n, "https://%s.s3.%s.amazonaws.com/%s", loc->bucket, region, enc);
        }
    }
    free(enc);
    return url;
}

/* ---- credentials ------------------------------------------------------- */

void cli_aws_creds_free(cli_aws_creds *c)
{
    free(c->access_key_id);
    cli_secret_free(c->secret_access_key);
    cli_secret_free(c->session_token);
    free(c->region);
    memset(c, 0, sizeof *c);
}

static char *aws_file_path(const char *env, const char *name)
{
    const char *p = getenv(env);
    if (p && *p) return strdup(p);
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw && pw->pw_dir ? pw->pw_dir : "/";
    }
    char *dir = cli_path_join(home, ".aws"), *path = dir ? cli_path_join(dir, name) : NULL;
    free(dir);
    return path;
}

/* An AWS shared file's text (NULL when absent); *path gets its name. */
static char *read_aws_file(char **path, const char *env, const char *name, size_t *n)
{
    *path = aws_file_path(env, name);
    uint8_t *text = NULL;
    if (!*path || cli_file_read(*path, AWS_FILE_MAX_BYTES, &text, n) != 0) return NULL;
    return (char *)text;
}

static cli_err take_env_creds(cli_aws_creds *c, cli_diag *d)
{
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY"),
               *tok = getenv("AWS_SESSION_TOKEN");
    if (!(ak && *ak) != !(sk && *sk))
        return cli_diag_set(d, CLI_ERR_S3_DENIED,
                            "partial AWS credentials in the environment: set both AWS_ACCESS_KEY_ID and "
                            "AWS_SECRET_ACCESS_KEY");
    if (!(ak && *ak)) return CLI_OK;
    c->access_key_id = strdup(ak);
    c->secret_access_key = strdup(sk);
    c->session_token = tok && *tok ? strdup(tok) : NULL;
    c->source = "environment";
    return c->access_key_id && c->secret_access_key ? CLI_OK : cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
}

/* Looks for the profile's keys in one file (section name as that file
 * spells it). */
static void take_file_creds(cli_aws_creds *c, const char *text, size_t n, const char *section, const char *source)
{
    if (!text || c->access_key_id) return;
    char *ak = cli_ini_get(text, n, section, "aws_access_key_id");
    char *sk = cli_ini_get(text, n, section, "aws_secret_access_key");
    if (ak && sk && *ak && *sk) {
        c->access_key_id = ak;
        c->secret_access_key = sk;
        c->session_token = cli_ini_get(text, n, section, "aws_session_token");
        c->source = source;
        return;
    }
    free(ak);
    cli_secret_free(sk);
}

cli_err cli_aws_creds_resolve(cli_aws_creds *c, cli_diag *d)
{
    memset(c, 0, sizeof *c);
    const char *profile = getenv("AWS_PROFILE");
    if (!profile || !*profile) profile = getenv("AWS_DEFAULT_PROFILE");
    int profile_named = profile && *profile;
    if (!profile_named) profile = "default";

    char *cred_path, *conf_path;
    size_t cred_n = 0, conf_n = 0;
    char *cred = read_aws_file(&cred_path, "AWS_SHARED_CREDENTIALS_FILE", "credentials", &cred_n);
    char *conf = read_aws_file(&conf_path, "AWS_CONFIG_FILE", "config", &conf_n);
    char conf_section[300];
    /* ~/.aws/config spells profiles "[profile NAME]", except "[default]". */
    if (strcmp(profile, "default") == 0) snprintf(conf_section, sizeof conf_section, "default");
    else snprintf(conf_section, sizeof conf_section, "profile %s", profile);

    cli_err e = take_env_creds(c, d);
    if (!e) take_file_creds(c, cred, cred_n, profile, "credentials file");
    if (!e) take_file_creds(c, conf, conf_n, conf_section, "config file");
    if (!e && !c->access_key_id)
        e = cli_diag_set(d, CLI_ERR_S3_DENIED,
                         "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add profile "
                         "\"%s\" to %s", profile, cred_path ? cred_path : "~/.aws/credentials");

    const char *region = getenv("AWS_REGION");
    if (!region || !*region) region = getenv("AWS_DEFAULT_REGION");
    char *conf_region = conf && !(region && *region) ? cli_ini_get(conf, conf_n, conf_section, "region") : NULL;
    if (!e) {
        c->region = strdup(region && *region ? region : conf_region && *conf_region ? conf_region : "us-east-1");
        if (!c->region) e = cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    }
    free(conf_region);
    /* Credentials text holds secrets. */
    if (cred) eth_wipe(cred, cred_n);
    if (conf) eth_wipe(conf, conf_n);
    free(cred);
    free(conf);
    free(cred_path);
    free(conf_path);
    if (e) cli_aws_creds_free(c);
    return e;
}

/* ---- the signed PUT ---------------------------------------------------- */

void cli_s3_error_fields(const char *body, size_t n, char *code, char *msg, size_t cap)
{
    static const char *const tags[2] = { "Code", "Message" };
    char *outs[2] = { code, msg };
    for (int t = 0; t < 2; t++) {
        char open[16], close[16];
        snprintf(open, sizeof open, "<%s>", tags[t]);
        snprintf(close, sizeof close, "</%s>", tags[t]);
        outs[t][0] = 0;
        const char *s = body ? memmem(body, n, open, strlen(open)) : NULL;
        if (!s) continue;
        s += strlen(open);
        const char *e = memmem(s, n - (size_t)(s - body), close, strlen(close));
        if (!e) continue;
        size_t len = (size_t)(e - s) < cap - 1 ? (size_t)(e - s) : cap - 1;
        memcpy(outs[t], s, len);
        outs[t][len] = 0;
    }
}

struct upload {
    const uint8_t *data;
    size_t len, off;
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *user)
{
    struct upload *u = user;
    size_t n = size * nitems, left = u->len - u->off;
    if (n > left) n = left;
    memcpy(buf, u->data + u->off, n);
    u->off += n;
    return n;
}

/* Appends to an eth_buf; past its cap the transfer stops (CURLE_WRITE_ERROR). */
static size_t write_cb(char *p, size_t size, size_t nmemb, void *user)
{
    size_t n = size * nmemb;
    return eth_buf_append(user, p, n) == ETH_OK ? n : 0;
}

static struct curl_slist *put_headers(const uint8_t *body, size_t n, const char *content_type,
                                      const cli_aws_creds *c)
{
    uint8_t sha[32];
    unsigned int sha_len = 0;
    char line[4200], hex[67];
    struct curl_slist *h = NULL, *t;
    /* S3 requires the payload hash; curl signs it and uses it in the
     * canonical request instead of UNSIGNED-PAYLOAD. Every header added here
     * is signed, so none may be a curl "remove this header" entry (curl
     * 7.88 would sign "expect:" while not sending it). */
    EVP_Digest(body, n, sha, &sha_len, EVP_sha256(), NULL);
    eth_hex_encode(hex, sha, 32);
    snprintf(line, sizeof line, "x-amz-content-sha256: %s", hex + 2);
    if (!(t = curl_slist_append(h, line))) goto fail;
    h = t;
    snprintf(line, sizeof line, "Content-Type: %s", content_type);
    if (!(t = curl_slist_append(h, line))) goto fail;
    h = t;
    if (c->session_token) {
        snprintf(line, sizeof line, "x-amz-security-token: %s", c->session_token);
        t = curl_slist_append(h, line);
        eth_wipe(line, sizeof line);
        if (!t) goto fail;
        h = t;
    }
    return h;
fail:
    curl_slist_free_all(h);
    return NULL;
}

/* The one-line error for an HTTP status other than 2xx. */
static cli_err http_status_error(long status, const char *verb, const char *url, const eth_buf *resp, cli_diag *d)
{
    char code[256], msg[256];
    cli_s3_error_fields((const char *)resp->data, resp->len, code, msg, sizeof code);
    return cli_diag_set(d, status == 403 ? CLI_ERR_S3_DENIED : CLI_ERR_S3, "S3 %s the %s %s (HTTP %ld%s%s%s%s)",
                        status == 403 ? "denied" : "refused", verb, url, status, code[0] ? " " : "", code,
                        msg[0] ? ": " : "", msg);
}

cli_err cli_http_get(const char *url, long timeout_ms, eth_buf *out, cli_diag *d)
{
    CURL *curl = curl_easy_init();
    if (!curl) return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    eth_buf err_body;
    eth_buf_init(&err_body, S3_RESPONSE_MAX);
    size_t before = out->len;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, S3_CONNECT_TIMEOUT_S);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : S3_TIMEOUT_S * 1000);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    cli_err e = CLI_OK;
    if (rc == CURLE_WRITE_ERROR)
        e = cli_diag_set(d, CLI_ERR_BUNDLE, "%s holds more than %zu bytes", url, out->max);
    else if (rc != CURLE_OK)
        e = cli_diag_set(d, CLI_ERR_S3, "download of %s failed: %s", url, curl_easy_strerror(rc));
    else if (status < 200 || status > 299) {
        /* The body is the error document, not the bundle (an error
         * document that does not fit is simply not quoted). */
        size_t body = out->len - before;
        if (eth_buf_append(&err_body, out->data + before, body < S3_RESPONSE_MAX ? body : S3_RESPONSE_MAX) != ETH_OK)
            err_body.len = 0;
        e = http_status_error(status, "download of", url, &err_body, d);
    }
    if (e) out->len = before;
    eth_buf_free(&err_body);
    return e;
}

cli_err cli_s3_put(const char *url, const cli_aws_creds *c, const uint8_t *body, size_t n, const char *content_type,
                   cli_diag *d)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = put_headers(body, n, content_type, c);
    if (!curl || !headers) {
        curl_slist_free_all(headers);
        if (curl) curl_easy_cleanup(curl);
        return cli_diag_set(d, CLI_ERR_NOMEM, "out of memory");
    }
    char sigv4[128];
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3", c->region);
    struct upload up = { body, n, 0 };
    eth_buf resp;
    eth_buf_init(&resp, S3_RESPONSE_MAX);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)n);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4);
    curl_easy_setopt(curl, CURLOPT_USERNAME, c->access_key_id);
    curl_easy_setopt(curl, CURLOPT_PASSWORD, c->secret_access_key);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, S3_CONNECT_TIMEOUT_S);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, S3_TIMEOUT_S);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    cli_err e = CLI_OK;
    if (rc != CURLE_OK) {
        e = cli_diag_set(d, CLI_ERR_S3, "S3 upload to %s failed: %s", url, curl_easy_strerror(rc));
    } else if (status < 200 || status > 299) {
        e = http_status_error(status, "upload to", url, &resp, d);
    }
    eth_buf_free(&resp);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return e;
}
