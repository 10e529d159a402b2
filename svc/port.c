/* port.c - choosing loopback ports for services started together (the
 * devnet, tests, benchmarks).
 *
 * A port from bind(port 0) comes from the kernel's ephemeral range, which is
 * also where every outgoing connection gets its local port: between choosing
 * such a port and the service binding it, any connect() on the machine (or a
 * concurrent test doing the same) may take it. Ports below the ephemeral
 * range are never handed out implicitly, so a random one there that binds
 * now only collides with another program choosing the same way. */
#include "svc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

/* Lowest port we choose: above the well-known and common service ports. */
#define SVC_PORT_FLOOR 10000u
#define SVC_PORT_TRIES 64

int svc_port_free(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int ok = fd >= 0 && port > 0 && port <= 65535 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    if (fd >= 0) close(fd);
    return ok;
}

/* The first port of the kernel's ephemeral range (net.ipv4.ip_local_port_range). */
static unsigned ephemeral_low(void)
{
    unsigned low = 32768, high = 60999;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
    if (f) {
        if (fscanf(f, "%u %u", &low, &high) != 2) low = 32768;
        fclose(f);
    }
    return low;
}

/* Port 0's choice: the fallback when no range below the ephemeral one exists. */
static unsigned kernel_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof sa;
    unsigned port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

unsigned svc_port_pick(void)
{
    unsigned low = ephemeral_low();
    if (low <= SVC_PORT_FLOOR + 1000) return kernel_port();
    unsigned span = low - SVC_PORT_FLOOR;
    for (int i = 0; i < SVC_PORT_TRIES; i++) {
        uint32_t r;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) break;
        unsigned port = SVC_PORT_FLOOR + r % span;
        if (svc_port_free(port)) return port;
    }
    return kernel_port();
}
