/* net_test.h - helpers shared by libeth's network tests (test_rpc.c,
 * test_client.c, test_sub.c): a scriptable fake HTTP server, a TCP proxy that
 * can cut connections, running commands, and the Solidity test contract. */
#ifndef FAAS_ETH_NET_TEST_H
#define FAAS_ETH_NET_TEST_H

#include "eth.h"

#include <stddef.h>
#include <stdint.h>

/* ---- Fake HTTP/1.1 server on a free loopback port ----------------------- */

/* Called on the server's thread for each request with its body; answers by
 * writing to fd (fake_http_reply or raw bytes). Returns 1 to close the
 * connection afterwards, 0 to keep it alive. */
typedef int (*fake_http_fn)(void *user, int fd, const char *body, size_t n);

struct fake_http;
struct fake_http *fake_http_start(fake_http_fn fn, void *user);
int fake_http_port(const struct fake_http *s);
/* "http://127.0.0.1:<port>" */
const char *fake_http_url(const struct fake_http *s);
unsigned fake_http_connections(const struct fake_http *s);
unsigned fake_http_requests(const struct fake_http *s);
void fake_http_stop(struct fake_http *s);
/* Writes a complete response with Content-Length and keep-alive. */
void fake_http_reply(int fd, int status, const char *body, size_t n);
/* Writes all n bytes (ignoring errors: the client may have gone). */
void fake_http_write(int fd, const void *p, size_t n);

/* ---- TCP proxy to 127.0.0.1:target_port --------------------------------- */

struct tcp_proxy;
struct tcp_proxy *tcp_proxy_start(int target_port);
int tcp_proxy_port(const struct tcp_proxy *p);
/* Resets every open connection (both sides see the drop). */
void tcp_proxy_cut(struct tcp_proxy *p);
/* While paused, new connections are accepted and reset at once. */
void tcp_proxy_pause(struct tcp_proxy *p, int paused);
unsigned tcp_proxy_accepted(const struct tcp_proxy *p);
void tcp_proxy_stop(struct tcp_proxy *p);

/* ---- TLS-terminating proxy to 127.0.0.1:target_port ---------------------- */

/* Serves TLS with a fresh self-signed certificate for 127.0.0.1 and
 * localhost, forwarding the plain bytes (HTTP and WebSocket alike). */
struct tls_proxy;
struct tls_proxy *tls_proxy_start(int target_port);
int tls_proxy_port(const struct tls_proxy *p);
/* The certificate (PEM) clients must trust. */
const char *tls_proxy_ca_file(const struct tls_proxy *p);
void tls_proxy_stop(struct tls_proxy *p);

/* ---- Fake WebSocket server (RFC 6455), driven by the test's thread -------- */

/* One client connection at a time; every call blocks at most timeout_ms. */
struct fake_ws;
struct fake_ws *fake_ws_start(void);
/* "ws://127.0.0.1:<port>" */
const char *fake_ws_url(const struct fake_ws *w);
/* The next text message from the client (accepting and upgrading a new
 * connection first if there is none); caller frees. NULL on timeout or when
 * the client closed the connection. Pings are answered on the way. */
char *fake_ws_recv(struct fake_ws *w, int timeout_ms);
/* Sends a text message in frames of at most frag bytes (0: one frame).
 * 0 or -1 (no connection, or it broke). */
int fake_ws_send(struct fake_ws *w, const char *text, size_t n, size_t frag);
/* Waits until the client closes the connection; 0, or -1 on timeout. */
int fake_ws_wait_closed(struct fake_ws *w, int timeout_ms);
/* Resets the current connection. */
void fake_ws_drop(struct fake_ws *w);
unsigned fake_ws_connections(const struct fake_ws *w);
void fake_ws_stop(struct fake_ws *w);

/* ---- Processes and contracts -------------------------------------------- */

/* Runs a shell command; returns its stdout (trailing newline cut; caller
 * frees) or NULL if it failed. */
char *net_run(const char *cmd);
/* Creation bytecode of contract `name` in eth/tests/contracts/<file>,
 * compiled with solc-js (node); caller frees *code. 0 or -1. */
int net_contract_bytecode(const char *file, const char *name, uint8_t **code, size_t *n);
/* Deploys contract `name` of eth/tests/contracts/<file> with constructor
 * arguments args (JSON array text) of types ctor_types ("(uint256)", "()"),
 * and waits for it; *addr gets its address. 0 or -1 (reason printed). */
int net_deploy(eth_client *c, eth_address *addr, const char *file, const char *name, const char *ctor_types,
               const char *args);
/* Sends fn_signature(args) (args: JSON array text) to `to` and waits for the
 * receipt (caller frees it); opts may be NULL. Returns the eth_client_send /
 * wait error (detail in eth_client_last_error). */
eth_err net_transact(eth_client *c, eth_receipt *rc, const eth_address *to, const char *fn_signature, const char *args,
                     const eth_send_opts *opts);
/* abi.encodeWithSignature(fn_signature, args...) (args: JSON array text);
 * caller frees *data. 0 or -1. */
int net_calldata(uint8_t **data, size_t *n, const char *fn_signature, const char *args);
/* Milliseconds on a monotonic clock. */
double net_now_ms(void);

#endif
