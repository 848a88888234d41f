/*
 * om_sock.h - a TCP client over the BSD-socket subset that both Linux and
 * lwIP provide (the calls are listed at the top of om_sock.c).
 *
 * Build for Linux (default) or for lwIP's sockets with -DOM_SOCK_LWIP.
 * Sockets are non-blocking from connect to close; every call waits at most
 * its timeout_ms (poll), so nothing here blocks forever. The caller owns
 * the om_sock_t; nothing is allocated (getaddrinfo's list is freed before
 * om_sock_connect returns; lwIP takes it from its own memp pool).
 *
 * Compile-time knobs (default in brackets):
 *  OM_SOCK_MAX_ADDRS       [4]  addresses of one name tried in turn
 *  OM_SOCK_ERR_MAX         [80] bytes of the error line, NUL included
 *  OM_SOCK_CUSTOM_RESOLVE  [off] the board supplies om_sock_resolve()
 *                               (e.g. over lwIP's raw dns_gethostbyname)
 *  OM_SOCK_NODELAY         [1]  set TCP_NODELAY (a TLS client writes small
 *                               records back to back; Nagle would stall
 *                               them behind delayed ACKs)
 */
#ifndef OM_SOCK_H
#define OM_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include "ormodels.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef OM_SOCK_MAX_ADDRS
#define OM_SOCK_MAX_ADDRS 4
#endif

#ifndef OM_SOCK_ERR_MAX
#define OM_SOCK_ERR_MAX 80
#endif

/* A connection. Zero-initialised (static storage, or = {0}) it is "not
 * open", so om_sock_close is always safe. Fields are private except err. */
typedef struct om_sock {
    int fd;
    int is_open;
    char err[OM_SOCK_ERR_MAX]; /* last failure for people, "" if none */
} om_sock_t;

/* One resolved address, without a port. */
#define OM_SOCK_AF_INET 4
#define OM_SOCK_AF_INET6 6
typedef struct om_sock_addr {
    uint8_t family;    /* OM_SOCK_AF_INET or OM_SOCK_AF_INET6 */
    uint8_t ip[16];    /* network byte order; IPv4 uses ip[0..3] */
    uint32_t scope_id; /* IPv6 link-local scope, else 0 */
} om_sock_addr_t;

/* Port hook: resolves host (a name or an IPv4/IPv6 literal) into at most
 * cap addresses, in the order they should be tried. May write a reason
 * into s->err. The default uses getaddrinfo (lwIP: lwip_getaddrinfo, which
 * gives one address); build with -DOM_SOCK_CUSTOM_RESOLVE to supply your
 * own. Returns the count (1..cap), or OM_ERR_DNS, or OM_ERR_TIMEOUT. */
int om_sock_resolve(om_sock_t *s, const char *host, uint32_t timeout_ms,
                    om_sock_addr_t *out, size_t cap);

/* Resolves host and connects to port, trying each address (IPv6 and
 * IPv4) in turn within timeout_ms overall: an address gets an equal share
 * of what is left, so one black-holed address cannot eat the whole budget.
 * Closes s first if it was open. Returns 0, or OM_ERR_DNS, OM_ERR_CONNECT
 * (s->err has the errno text, e.g. "127.0.0.1:443: Connection refused"),
 * OM_ERR_TIMEOUT, OM_ERR_INVAL (NULL or empty host). */
int om_sock_connect(om_sock_t *s, const char *host, uint16_t port,
                    uint32_t timeout_ms);

/* Sends all len bytes within timeout_ms (never raises SIGPIPE). Returns 0,
 * or OM_ERR_TIMEOUT, OM_ERR_CLOSED (peer gone or reset; also when s is
 * not open). After an error the connection is unusable: close it. */
int om_sock_send(om_sock_t *s, const void *buf, size_t len,
                 uint32_t timeout_ms);

/* Receives at most cap bytes (cap > 0), waiting up to timeout_ms for the
 * first. Returns the count (> 0), 0 when the peer ended the stream (FIN),
 * OM_ERR_TIMEOUT, OM_ERR_CLOSED on a reset or another socket error (or s
 * not open), OM_ERR_INVAL when cap is 0. */
int om_sock_recv(om_sock_t *s, void *buf, size_t cap, uint32_t timeout_ms);

/* Closes the socket; safe when not open. Keeps s->err. */
void om_sock_close(om_sock_t *s);

/* Milliseconds of a monotonic clock (wraps; use differences). Linux:
 * CLOCK_MONOTONIC; lwIP: sys_now(). Exposed for om_tls's deadlines. */
uint32_t om_sock_now_ms(void);

#ifdef __cplusplus
}
#endif

#endif /* OM_SOCK_H */
