/* net_test.c - see net_test.h. */
#include "net_test.h"

#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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
