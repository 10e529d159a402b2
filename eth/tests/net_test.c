/* net_test.c - see net_test.h. */
#include "net_test.h"

#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 16
#define REQ_MAX (1 << 20)

double net_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* A listening socket on a free loopback port; *port gets it. */
static int listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof sa;
    int one = 1;
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Closes with a TCP reset, as a dropped network path looks to the peer. */
static void close_reset(int fd)
{
    struct linger lg = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

void fake_http_write(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = write(fd, c, n); /* SIGPIPE is ignored by test_main */
        if (k <= 0) {
            if (k < 0 && errno == EINTR) continue;
            return;
        }
        c += k;
        n -= (size_t)k;
    }
}

void fake_http_reply(int fd, int status, const char *body, size_t n)
{
    /* One write: header and body in separate segments would meet Nagle's
     * algorithm and the client's delayed ACK (40 ms per call). */
    char *out = malloc(n + 256);
    if (!out) return;
    int k = snprintf(out, 256,
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: keep-alive\r\n\r\n",
                     status, n);
    memcpy(out + k, body, n);
    fake_http_write(fd, out, (size_t)k + n);
    free(out);
}

/* ---- fake HTTP server --------------------------------------------------- */

struct conn {
    int fd;
    char *buf;
    size_t len;
};

struct fake_http {
    int lfd, port, wake[2];
    char url[64];
    fake_http_fn fn;
    void *user;
    pthread_t thread;
    atomic_uint connections, requests;
    struct conn conns[MAX_CONNS];
};

static void conn_close(struct conn *c)
{
    close(c->fd);
    free(c->buf);
    c->fd = -1;
    c->buf = NULL;
    c->len = 0;
}

/* Serves every complete request in c's buffer; 1 when c must be closed. */
static int serve_requests(struct fake_http *s, struct conn *c)
{
    for (;;) {
        char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (!end) return c->len >= REQ_MAX;
        size_t head = (size_t)(end - c->buf) + 4, body = 0;
        for (char *p = c->buf; p < end; p++)
            if (strncasecmp(p, "\r\nContent-Length:", 17) == 0) body = strtoul(p + 17, NULL, 10);
        if (body > REQ_MAX) return 1;
        if (c->len < head + body) return 0;
        s->requests++;
        char *text = strndup(c->buf + head, body);
        int close_it = !text || s->fn(s->user, c->fd, text, body);
        free(text);
        memmove(c->buf, c->buf + head + body, c->len - head - body);
        c->len -= head + body;
        if (close_it) return 1;
    }
}

static void *fake_http_main(void *arg)
{
    struct fake_http *s = arg;
    for (;;) {
        struct pollfd pf[MAX_CONNS + 2];
        int idx[MAX_CONNS + 2], n = 0;
        pf[n++] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
        pf[n++] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
        for (int i = 0; i < MAX_CONNS; i++)
            if (s->conns[i].fd >= 0) {
                idx[n] = i;
                pf[n++] = (struct pollfd){ .fd = s->conns[i].fd, .events = POLLIN };
            }
        if (poll(pf, (nfds_t)n, -1) < 0) continue;
        if (pf[0].revents) break;
        if (pf[1].revents & POLLIN) {
            int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
            int slot = -1;
            for (int i = 0; fd >= 0 && i < MAX_CONNS && slot < 0; i++)
                if (s->conns[i].fd < 0) slot = i;
            if (slot < 0) {
                if (fd >= 0) close(fd);
            } else {
                s->connections++;
                s->conns[slot].fd = fd;
            }
        }
        for (int j = 2; j < n; j++) {
            if (!pf[j].revents) continue;
            struct conn *c = &s->conns[idx[j]];
            char *nb = realloc(c->buf, c->len + 65536);
            ssize_t k = nb ? recv(c->fd, nb + c->len, 65536, 0) : -1;
            if (nb) c->buf = nb;
            if (k <= 0) {
                conn_close(c);
                continue;
            }
            c->len += (size_t)k;
            if (serve_requests(s, c)) conn_close(c);
        }
    }
    return NULL;
}

struct fake_http *fake_http_start(fake_http_fn fn, void *user)
{
    struct fake_http *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    for (int i = 0; i < MAX_CONNS; i++) s->conns[i].fd = -1;
    s->fn = fn;
    s->user = user;
    s->lfd = listen_loopback(&s->port);
    if (s->lfd < 0 || pipe2(s->wake, O_CLOEXEC) != 0) {
        if (s->lfd >= 0) close(s->lfd);
        free(s);
        return NULL;
    }
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
    pthread_create(&s->thread, NULL, fake_http_main, s);
    return s;
}

int fake_http_port(const struct fake_http *s) { return s->port; }
const char *fake_http_url(const struct fake_http *s) { return s->url; }
unsigned fake_http_connections(const struct fake_http *s) { return s->connections; }
unsigned fake_http_requests(const struct fake_http *s) { return s->requests; }

void fake_http_stop(struct fake_http *s)
{
    if (!s) return;
    fake_http_write(s->wake[1], "x", 1);
    pthread_join(s->thread, NULL);
    for (int i = 0; i < MAX_CONNS; i++)
        if (s->conns[i].fd >= 0) conn_close(&s->conns[i]);
    close(s->lfd);
    close(s->wake[0]);
    close(s->wake[1]);
    free(s);
}

/* ---- TCP proxy ---------------------------------------------------------- */

struct tcp_proxy {
    int lfd, port, target, wake[2];
    pthread_t thread;
    atomic_int cut_req, paused;
    atomic_uint accepted;
    int pairs[MAX_CONNS][2]; /* client side, target side; -1 when free */
};

static int connect_loopback(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void pair_close(int pair[2])
{
    close_reset(pair[0]);
    close_reset(pair[1]);
    pair[0] = pair[1] = -1;
}

static void *tcp_proxy_main(void *arg)
{
    struct tcp_proxy *p = arg;
    char buf[65536];
    for (;;) {
        struct pollfd pf[2 * MAX_CONNS + 2];
        int idx[2 * MAX_CONNS + 2], side[2 * MAX_CONNS + 2], n = 0;
        pf[n++] = (struct pollfd){ .fd = p->wake[0], .events = POLLIN };
        pf[n++] = (struct pollfd){ .fd = p->lfd, .events = POLLIN };
        for (int i = 0; i < MAX_CONNS; i++)
            for (int k = 0; k < 2 && p->pairs[i][0] >= 0; k++) {
                idx[n] = i;
                side[n] = k;
                pf[n++] = (struct pollfd){ .fd = p->pairs[i][k], .events = POLLIN };
            }
        if (poll(pf, (nfds_t)n, -1) < 0) continue;
        if (pf[0].revents) {
            char c;
            if (read(p->wake[0], &c, 1) == 1 && c == 'q') break;
            if (atomic_exchange(&p->cut_req, 0))
                for (int i = 0; i < MAX_CONNS; i++)
                    if (p->pairs[i][0] >= 0) pair_close(p->pairs[i]);
            continue;
        }
        if (pf[1].revents & POLLIN) {
            int fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
            int up = fd >= 0 && !p->paused ? connect_loopback(p->target) : -1;
            int slot = -1;
            for (int i = 0; up >= 0 && i < MAX_CONNS && slot < 0; i++)
                if (p->pairs[i][0] < 0) slot = i;
            if (slot < 0) {
                if (fd >= 0) close_reset(fd);
                if (up >= 0) close(up);
            } else {
                p->accepted++;
                p->pairs[slot][0] = fd;
                p->pairs[slot][1] = up;
            }
        }
        for (int j = 2; j < n; j++) {
            int *pair = p->pairs[idx[j]];
            if (!pf[j].revents || pair[0] < 0) continue;
            ssize_t k = recv(pair[side[j]], buf, sizeof buf, 0);
            if (k <= 0) {
                pair_close(pair);
                continue;
            }
            fake_http_write(pair[1 - side[j]], buf, (size_t)k);
        }
    }
    return NULL;
}

struct tcp_proxy *tcp_proxy_start(int target_port)
{
    struct tcp_proxy *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    for (int i = 0; i < MAX_CONNS; i++) p->pairs[i][0] = p->pairs[i][1] = -1;
    p->target = target_port;
    p->lfd = listen_loopback(&p->port);
    if (p->lfd < 0 || pipe2(p->wake, O_CLOEXEC) != 0) {
        if (p->lfd >= 0) close(p->lfd);
        free(p);
        return NULL;
    }
    pthread_create(&p->thread, NULL, tcp_proxy_main, p);
    return p;
}

int tcp_proxy_port(const struct tcp_proxy *p) { return p->port; }
unsigned tcp_proxy_accepted(const struct tcp_proxy *p) { return p->accepted; }

void tcp_proxy_cut(struct tcp_proxy *p)
{
    p->cut_req = 1;
    fake_http_write(p->wake[1], "c", 1);
}

void tcp_proxy_pause(struct tcp_proxy *p, int paused)
{
    p->paused = paused;
}

void tcp_proxy_stop(struct tcp_proxy *p)
{
    if (!p) return;
    fake_http_write(p->wake[1], "q", 1);
    pthread_join(p->thread, NULL);
    for (int i = 0; i < MAX_CONNS; i++)
        if (p->pairs[i][0] >= 0) pair_close(p->pairs[i]);
    close(p->lfd);
    close(p->wake[0]);
    close(p->wake[1]);
    free(p);
}

/* ---- TLS proxy ------------------------------------------------------------- */

struct tls_conn {
    struct tls_proxy *proxy;
    int cfd, ufd; /* client (TLS), upstream (plain) */
    pthread_t thread;
    int used;
};

struct tls_proxy {
    int lfd, port, target;
    char dir[64], cert[96], key[96];
    SSL_CTX *ctx;
    pthread_t thread;
    int started;
    atomic_int stop;
    struct tls_conn conns[MAX_CONNS]; /* not reused: at most MAX_CONNS per proxy */
};

/* One connection: TLS handshake, then bytes both ways until either side ends. */
static void *tls_conn_main(void *arg)
{
    struct tls_conn *c = arg;
    SSL *ssl = SSL_new(c->proxy->ctx);
    char buf[16384];
    if (ssl && SSL_set_fd(ssl, c->cfd) == 1 && SSL_accept(ssl) == 1 && (c->ufd = connect_loopback(c->proxy->target)) >= 0) {
        while (!c->proxy->stop) {
            struct pollfd pf[2] = { { .fd = c->cfd, .events = POLLIN }, { .fd = c->ufd, .events = POLLIN } };
            if (!SSL_pending(ssl) && poll(pf, 2, 100) <= 0) continue;
            if (SSL_pending(ssl) || pf[0].revents) {
                int k = SSL_read(ssl, buf, sizeof buf);
                if (k <= 0) break;
                fake_http_write(c->ufd, buf, (size_t)k);
            }
            if (pf[1].revents) {
                ssize_t k = recv(c->ufd, buf, sizeof buf, 0);
                if (k <= 0 || SSL_write(ssl, buf, (int)k) != (int)k) break;
            }
        }
    }
    SSL_free(ssl);
    close(c->cfd);
    if (c->ufd >= 0) close(c->ufd);
    return NULL;
}

static void *tls_proxy_main(void *arg)
{
    struct tls_proxy *p = arg;
    while (!p->stop) {
        struct pollfd pf = { .fd = p->lfd, .events = POLLIN };
        if (poll(&pf, 1, 100) <= 0) continue;
        int fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) continue;
        struct tls_conn *c = NULL;
        for (int i = 0; i < MAX_CONNS && !c; i++)
            if (!p->conns[i].used) c = &p->conns[i];
        if (!c) {
            close(fd);
            continue;
        }
        *c = (struct tls_conn){ .proxy = p, .cfd = fd, .ufd = -1, .used = 1 };
        pthread_create(&c->thread, NULL, tls_conn_main, c);
    }
    return NULL;
}

struct tls_proxy *tls_proxy_start(int target_port)
{
    struct tls_proxy *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->target = target_port;
    snprintf(p->dir, sizeof p->dir, "/tmp/eth-tls-XXXXXX");
    if (!mkdtemp(p->dir)) {
        free(p);
        return NULL;
    }
    snprintf(p->cert, sizeof p->cert, "%s/cert.pem", p->dir);
    snprintf(p->key, sizeof p->key, "%s/key.pem", p->dir);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1,DNS:127.0.0.1,DNS:localhost -keyout %s -out %s 2>/dev/null",
             p->key, p->cert);
    char *out = net_run(cmd);
    free(out);
    p->ctx = SSL_CTX_new(TLS_server_method());
    p->lfd = listen_loopback(&p->port);
    if (!out || !p->ctx || p->lfd < 0 || SSL_CTX_use_certificate_file(p->ctx, p->cert, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(p->ctx, p->key, SSL_FILETYPE_PEM) != 1) {
        tls_proxy_stop(p);
        return NULL;
    }
    p->started = pthread_create(&p->thread, NULL, tls_proxy_main, p) == 0;
    return p;
}

int tls_proxy_port(const struct tls_proxy *p) { return p->port; }
const char *tls_proxy_ca_file(const struct tls_proxy *p) { return p->cert; }

void tls_proxy_stop(struct tls_proxy *p)
{
    if (!p) return;
    p->stop = 1;
    if (p->started) pthread_join(p->thread, NULL);
    for (int i = 0; i < MAX_CONNS; i++)
        if (p->conns[i].used) {
            shutdown(p->conns[i].cfd, SHUT_RDWR); /* unblocks a pending SSL_read */
            pthread_join(p->conns[i].thread, NULL);
        }
    if (p->lfd > 0) close(p->lfd);
    SSL_CTX_free(p->ctx);
    unlink(p->cert);
    unlink(p->key);
    rmdir(p->dir);
    free(p);
}

/* ---- fake WebSocket server ----------------------------------------------- */

struct fake_ws {
    int lfd, fd, port;
    unsigned connections;
    char url[64];
};

struct fake_ws *fake_ws_start(void)
{
    struct fake_ws *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->fd = -1;
    w->lfd = listen_loopback(&w->port);
    if (w->lfd < 0) {
        free(w);
        return NULL;
    }
    snprintf(w->url, sizeof w->url, "ws://127.0.0.1:%d", w->port);
    return w;
}

const char *fake_ws_url(const struct fake_ws *w) { return w->url; }
unsigned fake_ws_connections(const struct fake_ws *w) { return w->connections; }

void fake_ws_drop(struct fake_ws *w)
{
    if (w->fd >= 0) close_reset(w->fd);
    w->fd = -1;
}

void fake_ws_stop(struct fake_ws *w)
{
    if (!w) return;
    fake_ws_drop(w);
    close(w->lfd);
    free(w);
}

/* Reads exactly n bytes before the deadline (monotonic ms); 0 or -1. */
static int read_full(int fd, void *p, size_t n, double deadline)
{
    char *c = p;
    while (n) {
        int left = (int)(deadline - net_now_ms());
        struct pollfd pf = { .fd = fd, .events = POLLIN };
        if (left <= 0 || poll(&pf, 1, left) <= 0) return -1;
        ssize_t k = recv(fd, c, n, 0);
        if (k <= 0) return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Accepts a connection and answers its upgrade request (RFC 6455 section 4.2). */
static int ws_accept(struct fake_ws *w, double deadline)
{
    struct pollfd pf = { .fd = w->lfd, .events = POLLIN };
    int left = (int)(deadline - net_now_ms());
    if (left <= 0 || poll(&pf, 1, left) <= 0) return -1;
    int fd = accept4(w->lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return -1;
    char req[4096];
    size_t len = 0;
    while (!memmem(req, len, "\r\n\r\n", 4)) {
        if (len == sizeof req - 1 || read_full(fd, req + len, 1, deadline) != 0) {
            close(fd);
            return -1;
        }
        len++;
    }
    req[len] = '\0';
    const char *key = strcasestr(req, "\r\nSec-WebSocket-Key:");
    if (!key) {
        close(fd);
        return -1;
    }
    key += 20;
    while (*key == ' ') key++;
    char text[128];
    unsigned char digest[20], b64[64];
    int k = snprintf(text, sizeof text, "%.*s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", (int)strcspn(key, "\r\n "), key);
    SHA1((const unsigned char *)text, (size_t)k, digest);
    EVP_EncodeBlock(b64, digest, sizeof digest);
    char resp[256];
    k = snprintf(resp, sizeof resp,
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: %s\r\n\r\n",
                 b64);
    fake_http_write(fd, resp, (size_t)k);
    w->fd = fd;
    w->connections++;
    return 0;
}

static int ws_frame(int fd, int opcode, int fin, const void *p, size_t n)
{
    unsigned char head[10];
    size_t h = 2;
    head[0] = (unsigned char)((fin ? 0x80 : 0) | opcode);
    if (n < 126) {
        head[1] = (unsigned char)n;
    } else if (n < 65536) {
        head[1] = 126;
        head[2] = (unsigned char)(n >> 8);
        head[3] = (unsigned char)n;
        h = 4;
    } else {
        head[1] = 127;
        for (int i = 0; i < 8; i++) head[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
        h = 10;
    }
    if (send(fd, head, h, MSG_NOSIGNAL) != (ssize_t)h) return -1;
    const char *c = p;
    while (n) {
        ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
        if (k <= 0) return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

int fake_ws_send(struct fake_ws *w, const char *text, size_t n, size_t frag)
{
    if (w->fd < 0) return -1;
    if (!frag || frag > n) frag = n ? n : 1;
    size_t off = 0;
    do {
        size_t k = n - off < frag ? n - off : frag;
        if (ws_frame(w->fd, off ? 0x0 : 0x1, off + k == n, text + off, k) != 0) return -1;
        off += k;
    } while (off < n);
    return 0;
}

/* Reads one frame from the client (masked, RFC 6455 section 5.2). */
static int ws_read_frame(struct fake_ws *w, int *opcode, int *fin, char **payload, size_t *n, double deadline)
{
    unsigned char h[2], ext[8], mask[4];
    if (read_full(w->fd, h, 2, deadline) != 0) return -1;
    uint64_t len = h[1] & 0x7f;
    if (len >= 126) {
        size_t k = len == 126 ? 2 : 8;
        if (read_full(w->fd, ext, k, deadline) != 0) return -1;
        len = 0;
        for (size_t i = 0; i < k; i++) len = len << 8 | ext[i];
    }
    if (!(h[1] & 0x80) || len > (1u << 20) || read_full(w->fd, mask, 4, deadline) != 0) return -1;
    *payload = malloc(len + 1);
    if (!*payload || read_full(w->fd, *payload, len, deadline) != 0) {
        free(*payload);
        return -1;
    }
    for (uint64_t i = 0; i < len; i++) (*payload)[i] ^= (char)mask[i % 4];
    (*payload)[len] = '\0';
    *n = len;
    *opcode = h[0] & 0x0f;
    *fin = h[0] >> 7;
    return 0;
}

char *fake_ws_recv(struct fake_ws *w, int timeout_ms)
{
    double deadline = net_now_ms() + timeout_ms;
    if (w->fd < 0 && ws_accept(w, deadline) != 0) return NULL;
    char *msg = NULL;
    size_t len = 0;
    for (;;) {
        int opcode, fin;
        char *p;
        size_t n;
        if (ws_read_frame(w, &opcode, &fin, &p, &n, deadline) != 0) break;
        if (opcode == 0x8) { /* close */
            free(p);
            fake_ws_drop(w);
            break;
        }
        if (opcode == 0x9) { /* ping: pong with the same payload */
            ws_frame(w->fd, 0xA, 1, p, n);
            free(p);
            continue;
        }
        if (opcode == 0xA) {
            free(p);
            continue;
        }
        char *m = realloc(msg, len + n + 1);
        if (!m) {
            free(p);
            break;
        }
        msg = m;
        memcpy(msg + len, p, n + 1);
        len += n;
        free(p);
        if (fin) return msg;
    }
    free(msg);
    return NULL;
}

int fake_ws_wait_closed(struct fake_ws *w, int timeout_ms)
{
    double deadline = net_now_ms() + timeout_ms;
    while (w->fd >= 0) {
        char c;
        struct pollfd pf = { .fd = w->fd, .events = POLLIN };
        int left = (int)(deadline - net_now_ms());
        if (left <= 0 || poll(&pf, 1, left) <= 0) return -1;
        /* Anything but data (EOF, reset) means closed; data is discarded. */
        if (recv(w->fd, &c, 1, 0) <= 0) fake_ws_drop(w);
    }
    return 0;
}

/* ---- processes and contracts -------------------------------------------- */

char *net_run(const char *cmd)
{
    FILE *f = popen(cmd, "r");
    if (!f) return NULL;
    size_t len = 0, cap = 4096;
    char *out = malloc(cap);
    for (size_t k; out && (k = fread(out + len, 1, cap - len - 1, f)) > 0;) {
        len += k;
        if (cap - len < 2) {
            char *p = realloc(out, cap *= 2);
            if (!p) {
                free(out);
                out = NULL;
            }
            out = p;
        }
    }
    int rc = pclose(f);
    if (!out || rc != 0) {
        free(out);
        return NULL;
    }
    while (len && (out[len - 1] == '\n' || out[len - 1] == '\r')) len--;
    out[len] = '\0';
    return out;
}

int net_contract_bytecode(const char *file, const char *name, uint8_t **code, size_t *n)
{
    /* Compiling takes about a second: keep the last contract's hex. */
    static char cached_cmd[1024], *cached_hex;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "node '%s/eth/tests/contracts/compile.js' '%s' '%s'", test_root(), file, name);
    if (!cached_hex || strcmp(cmd, cached_cmd) != 0) {
        free(cached_hex);
        cached_hex = net_run(cmd);
        snprintf(cached_cmd, sizeof cached_cmd, "%s", cmd);
    }
    return cached_hex && eth_hex_decode_alloc(code, n, cached_hex, strlen(cached_hex)) == ETH_OK ? 0 : -1;
}

int net_calldata(uint8_t **data, size_t *n, const char *fn_signature, const char *args)
{
    json_t *values = json_loads(args, 0, NULL);
    eth_buf b;
    eth_buf_init(&b, 0);
    int ok = values && eth_abi_encode_call(&b, fn_signature, values) == ETH_OK;
    json_decref(values);
    if (!ok) {
        eth_buf_free(&b);
        return -1;
    }
    *data = b.data;
    *n = b.len;
    return 0;
}

int net_deploy(eth_client *c, eth_address *addr, const char *file, const char *name, const char *ctor_types,
               const char *args)
{
    uint8_t *code, hash[32];
    size_t n;
    if (net_contract_bytecode(file, name, &code, &n) != 0) {
        fprintf(stderr, "cannot compile %s:%s\n", file, name);
        return -1;
    }
    eth_buf b;
    eth_buf_init(&b, 0);
    json_t *values = json_loads(args, 0, NULL);
    int ok = values && eth_buf_append(&b, code, n) == ETH_OK && eth_abi_encode(&b, ctor_types, values) == ETH_OK;
    json_decref(values);
    free(code);
    eth_receipt rc;
    eth_err e = ok ? eth_client_send(c, hash, NULL, b.data, b.len, NULL) : ETH_ERR_ABI;
    if (!e) e = eth_client_wait_receipt(c, &rc, hash, 10000);
    eth_buf_free(&b);
    if (e) {
        fprintf(stderr, "deploying %s failed: %s: %s\n", name, eth_strerror(e), eth_client_last_error(c));
        return -1;
    }
    ok = rc.status == 1 && rc.has_contract_address;
    *addr = rc.contract_address;
    eth_receipt_free(&rc);
    return ok ? 0 : -1;
}

eth_err net_transact(eth_client *c, eth_receipt *rc, const eth_address *to, const char *fn_signature, const char *args,
                     const eth_send_opts *opts)
{
    uint8_t *data, hash[32];
    size_t n;
    memset(rc, 0, sizeof *rc);
    if (net_calldata(&data, &n, fn_signature, args) != 0) return ETH_ERR_ABI;
    eth_err e = eth_client_send(c, hash, to, data, n, opts);
    free(data);
    if (!e) e = eth_client_wait_receipt(c, rc, hash, 10000);
    return e;
}
