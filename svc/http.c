/* http.c - the HTTP/1.1 server of the services: libmicrohttpd with one
 * thread per connection, so handlers may block on the chain or a performer
 * without stalling other requests; bodies collected up to a cap. */
#include "svc.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct svc_http {
    struct MHD_Daemon *d;
    svc_http_handler handler;
    void *user;
    size_t max_body;
    int port;
};

/* Per-request state, from the first callback to the completion notice. */
typedef struct {
    char *body;
    size_t len, cap;
    int too_big;
} req_state;

svc_err svc_http_parse_listen(const char *listen, uint32_t *ipv4_be, uint16_t *port, char *detail)
{
    const char *colon = listen ? strrchr(listen, ':') : NULL;
    char host[64];
    if (!colon || (size_t)(colon - listen) >= sizeof host) goto bad;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = 0;
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || p < 0 || p > 65535) goto bad;
    struct in_addr a;
    if (strcmp(host, "localhost") == 0) a.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &a) != 1) goto bad;
    *ipv4_be = a.s_addr;
    *port = (uint16_t)p;
    return SVC_OK;
bad:
    if (detail)
        snprintf(detail, SVC_DETAIL_MAX, "listen address \"%.80s\" is not host:port (IPv4 address or localhost)",
                 listen ? listen : "(null)");
    return SVC_ERR_LISTEN;
}

static enum MHD_Result send_response(struct MHD_Connection *c, svc_http_response *r)
{
    if (!r->body && r->body_len) r->body_len = 0;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->body_len, r->body ? r->body : (char *)"", r->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(r->body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type ? r->content_type : "application/json");
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)(r->status ? r->status : 500), resp);
    MHD_destroy_response(resp);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    svc_http *s = cls;
    req_state *st = *con_cls;
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st) return MHD_NO;
        *con_cls = st;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (st->too_big || st->len + n > s->max_body) {
            st->too_big = 1;
            return MHD_YES;
        }
        if (st->len + n + 1 > st->cap) {
            size_t cap = st->cap ? st->cap : 4096;
            while (cap < st->len + n + 1) cap *= 2;
            char *p = realloc(st->body, cap);
            if (!p) return MHD_NO;
            st->body = p;
            st->cap = cap;
        }
        memcpy(st->body + st->len, upload, n);
        st->len += n;
        return MHD_YES;
    }

    svc_http_response resp = { 0 };
    if (st->too_big) {
        svc_http_reply_error(&resp, 413, "too_large", "request body larger than %zu bytes", s->max_body);
        return send_response(c, &resp);
    }
    char remote[64] = "?";
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ci->client_addr;
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
        snprintf(remote, sizeof remote, "%s:%u", ip, ntohs(in->sin_port));
    }
    svc_http_request req = {
        .method = method,
        .path = url,
        .body = (const uint8_t *)(st->body ? st->body : ""),
        .body_len = st->len,
        .remote = remote,
    };
    if (st->body) st->body[st->len] = 0;
    s->handler(s->user, &req, &resp);
    return send_response(c, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    req_state *st = *con_cls;
    if (st) {
        free(st->body);
        free(st);
    }
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char text[512];
    vsnprintf(text, sizeof text, fmt, ap);
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r')) text[--n] = 0;
    svc_log(SVC_LOG_WARN, "http server", "{s:s}", "detail", text);
}

svc_err svc_http_start(svc_http **out, const svc_http_opts *opts, svc_http_handler h, void *user, char *detail)
{
    *out = NULL;
    uint32_t ip;
    uint16_t port;
    svc_err rc = svc_http_parse_listen(opts->listen, &ip, &port, detail);
    if (rc) return rc;
    svc_http *s = calloc(1, sizeof *s);
    if (!s) return SVC_ERR_NOMEM;
    s->handler = h;
    s->user = user;
    s->max_body = opts->max_body ? opts->max_body : (size_t)4 << 20;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = ip };
    s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                                MHD_USE_ERROR_LOG,
                            port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)(opts->max_connections ? opts->max_connections : 256),
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(opts->idle_timeout_s ? opts->idle_timeout_s : 60),
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    if (!s->d) {
        if (detail) snprintf(detail, SVC_DETAIL_MAX, "cannot listen on %s (address in use or not local?)", opts->listen);
        free(s);
        return SVC_ERR_LISTEN;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : port;
    *out = s;
    return SVC_OK;
}

int svc_http_port(const svc_http *s) { return s->port; }

void svc_http_stop(svc_http *s)
{
    if (!s) return;
    MHD_stop_daemon(s->d);
    free(s);
}

void svc_http_reply_json(svc_http_response *r, int status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(body);
    if (!text) {
        svc_http_reply_text(r, 500, "application/json", "{\"error\":\"internal\",\"message\":\"out of memory\"}");
        return;
    }
    r->status = status;
    r->content_type = "application/json";
    r->body = text;
    r->body_len = strlen(text);
}

void svc_http_reply_error(svc_http_response *r, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    svc_http_reply_json(r, status, json_pack("{s:s,s:s}", "error", code, "message", msg));
}

void svc_http_reply_text(svc_http_response *r, int status, const char *content_type, const char *text)
{
    r->status = status;
    r->content_type = content_type;
    r->body = strdup(text);
    r->body_len = r->body ? strlen(text) : 0;
    if (!r->body) r->status = 500;
}

void svc_http_reply_metrics(svc_http_response *r, svc_metrics *m)
{
    char *text = svc_metrics_render(m);
    if (!text) {
        svc_http_reply_error(r, 500, "internal", "out of memory");
        return;
    }
    r->status = 200;
    r->content_type = "text/plain; version=0.0.4";
    r->body = text;
    r->body_len = strlen(text);
}
