/*
 * om_sock.c - TCP client over BSD sockets: Linux, or lwIP with
 * -DOM_SOCK_LWIP. See om_sock.h.
 *
 * The whole socket subset this file uses, so a porter knows what the
 * stack must give (lwIP name / POSIX name, and how it is used):
 *   lwip_socket        socket        AF_INET or AF_INET6, SOCK_STREAM
 *   lwip_fcntl         fcntl         F_GETFL, then F_SETFL | O_NONBLOCK
 *   lwip_connect       connect       non-blocking: 0 or EINPROGRESS
 *   lwip_poll          poll          one fd, POLLIN or POLLOUT, ms timeout
 *   lwip_getsockopt    getsockopt    SOL_SOCKET, SO_ERROR (connect result)
 *   lwip_setsockopt    setsockopt    IPPROTO_TCP, TCP_NODELAY (may fail)
 *   lwip_send          send          MSG_NOSIGNAL on Linux, 0 on lwIP
 *   lwip_recv          recv          flags 0
 *   lwip_close         close
 *   lwip_getaddrinfo   getaddrinfo   only in the default om_sock_resolve
 *   lwip_freeaddrinfo  freeaddrinfo  (same)
 *   lwip_inet_ntop     inet_ntop     error messages only
 *   errno: EINPROGRESS EINTR EAGAIN/EWOULDBLOCK, others only reported
 *   clock: sys_now() / clock_gettime(CLOCK_MONOTONIC)
 * lwipopts.h then needs LWIP_SOCKET=1, LWIP_TCP=1, LWIP_SOCKET_POLL=1 (the
 * default), and LWIP_DNS=1 unless the board brings its own resolver
 * (-DOM_SOCK_CUSTOM_RESOLVE). No select(), no ioctl, no signals.
 *
 * The socket is non-blocking from socket() to close(): connect, send and
 * recv each wait in poll() with what is left of their own timeout, and
 * EINTR restarts the wait with the time recomputed.
 */
#ifndef OM_SOCK_LWIP
#define _POSIX_C_SOURCE 200809L
#endif

#include "om_sock.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#ifdef OM_SOCK_LWIP

#include "lwip/errno.h"
#include "lwip/netdb.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"

#define OS_SOCKET lwip_socket
#define OS_FCNTL lwip_fcntl
#define OS_CONNECT lwip_connect
#define OS_POLL lwip_poll
#define OS_GETSOCKOPT lwip_getsockopt
#define OS_SETSOCKOPT lwip_setsockopt
#define OS_SEND lwip_send
#define OS_RECV lwip_recv
#define OS_CLOSE lwip_close
#define OS_GETADDRINFO lwip_getaddrinfo
#define OS_FREEADDRINFO lwip_freeaddrinfo
#define OS_INET_NTOP lwip_inet_ntop
#define OS_SEND_FLAGS 0 /* no signals on lwIP */
#define OM_SOCK_V4 LWIP_IPV4
#define OM_SOCK_V6 LWIP_IPV6

#if !LWIP_SOCKET || !LWIP_TCP || !LWIP_SOCKET_POLL
#error "om_sock needs LWIP_SOCKET, LWIP_TCP and LWIP_SOCKET_POLL"
#endif
#if !LWIP_DNS && !defined(OM_SOCK_CUSTOM_RESOLVE)
#error "om_sock: LWIP_DNS=0: enable it or build with OM_SOCK_CUSTOM_RESOLVE"
#endif

#else /* Linux */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define OS_SOCKET socket
#define OS_FCNTL fcntl
#define OS_CONNECT connect
#define OS_POLL poll
#define OS_GETSOCKOPT getsockopt
#define OS_SETSOCKOPT setsockopt
#define OS_SEND send
#define OS_RECV recv
#define OS_CLOSE close
#define OS_GETADDRINFO getaddrinfo
#define OS_FREEADDRINFO freeaddrinfo
#define OS_INET_NTOP inet_ntop
#define OS_SEND_FLAGS MSG_NOSIGNAL /* a dead peer gives EPIPE, not SIGPIPE */
#define OM_SOCK_V4 1
#define OM_SOCK_V6 1

#endif

#ifndef OM_SOCK_NODELAY
#define OM_SOCK_NODELAY 1
#endif

#if OM_SOCK_MAX_ADDRS < 1
#error "OM_SOCK_MAX_ADDRS must be at least 1"
#endif

/* ------------------------------------------------------------- helpers */

uint32_t om_sock_now_ms(void)
{
#ifdef OM_SOCK_LWIP
    return (uint32_t)sys_now();
#else
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u +
                      (uint64_t)ts.tv_nsec / 1000000u);
#endif
}

/* What is left of budget ms that started at start (0 when spent). */
static uint32_t left_ms(uint32_t start, uint32_t budget)
{
    uint32_t spent = om_sock_now_ms() - start;

    return spent >= budget ? 0 : budget - spent;
}

static int would_block(int e)
{
#if defined(EWOULDBLOCK) && EWOULDBLOCK != EAGAIN
    if (e == EWOULDBLOCK) {
        return 1;
    }
#endif
    return e == EAGAIN;
}

/* The text of an errno value. lwIP's numbers need not match the C
 * library's strerror(), so it gets its own short table. */
static const char *err_text(int e)
{
#ifdef OM_SOCK_LWIP
    switch (e) {
    case ECONNREFUSED: return "Connection refused";
    case ECONNRESET: return "Connection reset by peer";
    case ECONNABORTED: return "Connection aborted";
    case EHOSTUNREACH: return "No route to host";
    case ENETUNREACH: return "Network is unreachable";
    case ETIMEDOUT: return "Connection timed out";
    case EADDRNOTAVAIL: return "Cannot assign requested address";
    case ENOBUFS: return "No buffer space available";
    case ENOMEM: return "Out of memory";
    case ENOTCONN: return "Not connected";
    case EAFNOSUPPORT: return "Address family not supported";
    case EPIPE: return "Broken pipe";
    default: return "socket error";
    }
#else
    return strerror(e);
#endif
}

/* "127.0.0.1:443" or "[::1]:443" into buf. */
static void addr_text(const om_sock_addr_t *a, uint16_t port, char *buf,
                      size_t cap)
{
    char ip[48];
    int af = AF_INET;

#if OM_SOCK_V6
    if (a->family == OM_SOCK_AF_INET6) {
        af = AF_INET6;
    }
#endif
    if (OS_INET_NTOP(af, a->ip, ip, (socklen_t)sizeof(ip)) == NULL) {
        strcpy(ip, "?");
    }
    snprintf(buf, cap, af == AF_INET ? "%s:%u" : "[%s]:%u", ip,
             (unsigned)port);
}

static void set_err_addr(om_sock_t *s, const om_sock_addr_t *a,
                         uint16_t port, const char *what, int e)
{
    char where[56];

    addr_text(a, port, where, sizeof(where));
    if (e != 0) {
        snprintf(s->err, sizeof(s->err), "%s: %s%s (errno %d)", where, what,
                 err_text(e), e);
    } else {
        snprintf(s->err, sizeof(s->err), "%s: %s", where, what);
    }
}

static void set_err(om_sock_t *s, const char *what, int e)
{
    if (e != 0) {
        snprintf(s->err, sizeof(s->err), "%s: %s", what, err_text(e));
    } else {
        snprintf(s->err, sizeof(s->err), "%s", what);
    }
}

/* Network byte order without htons() (lwIP may not provide it). */
static uint16_t net16(uint16_t v)
{
    uint8_t b[2];
    uint16_t r;

    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
    memcpy(&r, b, sizeof(r));
    return r;
}

/* Waits until fd has one of events, or budget ms from start have passed.
 * Returns 1 (ready, or an error/hangup the next call will report), 0 on
 * timeout, -1 with errno on a poll failure. */
static int wait_fd(int fd, short events, uint32_t start, uint32_t budget)
{
    for (;;) {
        struct pollfd p;
        uint32_t left = left_ms(start, budget);
        int r;

        p.fd = fd;
        p.events = events;
        p.revents = 0;
        r = OS_POLL(&p, 1, left > (uint32_t)INT_MAX ? INT_MAX : (int)left);
        if (r > 0) {
            return 1;
        }
        if (r == 0) {
            return 0;
        }
        if (errno != EINTR) {
            return -1;
        }
    }
}

/* -------------------------------------------------------------- resolve */

#ifndef OM_SOCK_CUSTOM_RESOLVE
int om_sock_resolve(om_sock_t *s, const char *host, uint32_t timeout_ms,
                    om_sock_addr_t *out, size_t cap)
{
    struct addrinfo hints, *res = NULL, *ai;
    size_t n = 0;
    int r;

    /* getaddrinfo has no timeout: the resolver's own applies (resolv.conf
     * on Linux, DNS_MAX_RETRIES x DNS_TMR_INTERVAL on lwIP). */
    (void)timeout_ms;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    r = OS_GETADDRINFO(host, NULL, &hints, &res);
    if (r != 0 || res == NULL) {
#ifdef OM_SOCK_LWIP
        snprintf(s->err, sizeof(s->err), "%s: name not resolved (%d)", host,
                 r);
#else
        snprintf(s->err, sizeof(s->err), "%s: %s", host,
                 r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
#endif
        if (res != NULL) {
            OS_FREEADDRINFO(res);
        }
        return OM_ERR_DNS;
    }
    for (ai = res; ai != NULL && n < cap; ai = ai->ai_next) {
        om_sock_addr_t *a = &out[n];

        memset(a, 0, sizeof(*a));
#if OM_SOCK_V4
        if (ai->ai_family == AF_INET &&
            ai->ai_addrlen >= (socklen_t)sizeof(struct sockaddr_in)) {
            struct sockaddr_in in4;

            memcpy(&in4, ai->ai_addr, sizeof(in4));
            a->family = OM_SOCK_AF_INET;
            memcpy(a->ip, &in4.sin_addr, 4);
            n++;
            continue;
        }
#endif
#if OM_SOCK_V6
        if (ai->ai_family == AF_INET6 &&
            ai->ai_addrlen >= (socklen_t)sizeof(struct sockaddr_in6)) {
            struct sockaddr_in6 in6;

            memcpy(&in6, ai->ai_addr, sizeof(in6));
            a->family = OM_SOCK_AF_INET6;
            memcpy(a->ip, &in6.sin6_addr, 16);
            a->scope_id = (uint32_t)in6.sin6_scope_id;
            n++;
        }
#endif
    }
    OS_FREEADDRINFO(res);
    if (n == 0) {
        snprintf(s->err, sizeof(s->err), "%s: no usable address", host);
        return OM_ERR_DNS;
    }
    return (int)n;
}
#endif /* OM_SOCK_CUSTOM_RESOLVE */

/* -------------------------------------------------------------- connect */

static int set_nonblock(int fd)
{
    int fl = OS_FCNTL(fd, F_GETFL, 0);

    if (fl < 0) {
        return -1;
    }
    return OS_FCNTL(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -1 : 0;
}

/* One address within budget ms. Returns 0 (s open), OM_ERR_CONNECT or
 * OM_ERR_TIMEOUT (s->err set). */
static int connect_one(om_sock_t *s, const om_sock_addr_t *a, uint16_t port,
                       uint32_t budget)
{
    union {
        struct sockaddr sa;
#if OM_SOCK_V4
        struct sockaddr_in in4;
#endif
#if OM_SOCK_V6
        struct sockaddr_in6 in6;
#endif
    } u;
    uint32_t start = om_sock_now_ms();
    socklen_t len;
    int fd, domain, e, w;

    memset(&u, 0, sizeof(u));
    if (0) {
#if OM_SOCK_V4
    } else if (a->family == OM_SOCK_AF_INET) {
        domain = AF_INET;
        u.in4.sin_family = AF_INET;
        u.in4.sin_port = net16(port);
        memcpy(&u.in4.sin_addr, a->ip, 4);
        len = (socklen_t)sizeof(u.in4);
#endif
#if OM_SOCK_V6
    } else if (a->family == OM_SOCK_AF_INET6) {
        domain = AF_INET6;
        u.in6.sin6_family = AF_INET6;
        u.in6.sin6_port = net16(port);
        memcpy(&u.in6.sin6_addr, a->ip, 16);
        u.in6.sin6_scope_id = a->scope_id;
        len = (socklen_t)sizeof(u.in6);
#endif
    } else {
        set_err(s, "address family not supported by this build", 0);
        return OM_ERR_CONNECT;
    }

    fd = OS_SOCKET(domain, SOCK_STREAM, 0);
    if (fd < 0) {
        set_err_addr(s, a, port, "socket: ", errno);
        return OM_ERR_CONNECT;
    }
    if (set_nonblock(fd) != 0) {
        set_err_addr(s, a, port, "fcntl: ", errno);
        OS_CLOSE(fd);
        return OM_ERR_CONNECT;
    }
    if (OS_CONNECT(fd, &u.sa, len) != 0) {
        e = errno;
        /* EINTR: the connection goes on in the background, as with
         * EINPROGRESS; its result comes the same way. */
        if (e != EINPROGRESS && e != EINTR) {
            set_err_addr(s, a, port, "", e);
            OS_CLOSE(fd);
            return OM_ERR_CONNECT;
        }
        w = wait_fd(fd, POLLOUT, start, budget);
        if (w == 0) {
            set_err_addr(s, a, port, "connect timed out", 0);
            OS_CLOSE(fd);
            return OM_ERR_TIMEOUT;
        }
        if (w < 0) {
            set_err_addr(s, a, port, "poll: ", errno);
            OS_CLOSE(fd);
            return OM_ERR_CONNECT;
        }
        {
            int so = 0;
            socklen_t sl = (socklen_t)sizeof(so);

            if (OS_GETSOCKOPT(fd, SOL_SOCKET, SO_ERROR, &so, &sl) != 0) {
                so = errno;
            }
            if (so != 0) {
                set_err_addr(s, a, port, "", so);
                OS_CLOSE(fd);
                return OM_ERR_CONNECT;
            }
        }
    }
#if OM_SOCK_NODELAY
    {
        int on = 1;

        /* Best effort: only latency depends on it. */
        (void)OS_SETSOCKOPT(fd, IPPROTO_TCP, TCP_NODELAY, &on,
                            (socklen_t)sizeof(on));
    }
#endif
    s->fd = fd;
    s->is_open = 1;
    return 0;
}

int om_sock_connect(om_sock_t *s, const char *host, uint16_t port,
                    uint32_t timeout_ms)
{
    om_sock_addr_t addrs[OM_SOCK_MAX_ADDRS];
    uint32_t start = om_sock_now_ms();
    int n, i, r = OM_ERR_CONNECT;

    if (s == NULL) {
        return OM_ERR_INVAL;
    }
    om_sock_close(s);
    s->err[0] = '\0';
    if (host == NULL || host[0] == '\0') {
        set_err(s, "no host name", 0);
        return OM_ERR_INVAL;
    }
    n = om_sock_resolve(s, host, timeout_ms, addrs, OM_SOCK_MAX_ADDRS);
    if (n <= 0) {
        if (n != OM_ERR_TIMEOUT) {
            n = OM_ERR_DNS;
        }
        if (s->err[0] == '\0') {
            snprintf(s->err, sizeof(s->err), "%s: name not resolved", host);
        }
        return n;
    }
    if (n > OM_SOCK_MAX_ADDRS) {
        n = OM_SOCK_MAX_ADDRS;
    }
    for (i = 0; i < n; i++) {
        /* Each address gets an equal share of what is left; the last one
         * gets all of it. */
        uint32_t left = left_ms(start, timeout_ms);

        r = connect_one(s, &addrs[i], port, left / (uint32_t)(n - i));
        if (r == 0) {
            s->err[0] = '\0';
            return 0;
        }
    }
    return r;
}

/* ------------------------------------------------------------ send/recv */

int om_sock_send(om_sock_t *s, const void *buf, size_t len,
                 uint32_t timeout_ms)
{
    const uint8_t *p = (const uint8_t *)buf;
    uint32_t start = om_sock_now_ms();

    if (s == NULL || !s->is_open) {
        return OM_ERR_CLOSED;
    }
    while (len > 0) {
        /* Bounded so that the count fits an int on 16-bit-int targets. */
        size_t chunk = len > 0x4000u ? 0x4000u : len;
        long n = (long)OS_SEND(s->fd, p, chunk, OS_SEND_FLAGS);
        int e;

        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        e = n < 0 ? errno : 0;
        if (e == EINTR) {
            continue;
        }
        if (would_block(e)) {
            int w = wait_fd(s->fd, POLLOUT, start, timeout_ms);

            if (w == 0) {
                set_err(s, "send timed out", 0);
                return OM_ERR_TIMEOUT;
            }
            if (w < 0) {
                set_err(s, "poll", errno);
                return OM_ERR_CLOSED;
            }
            continue;
        }
        set_err(s, "send", e);
        return OM_ERR_CLOSED;
    }
    return 0;
}

int om_sock_recv(om_sock_t *s, void *buf, size_t cap, uint32_t timeout_ms)
{
    uint32_t start = om_sock_now_ms();

    if (cap == 0) {
        return OM_ERR_INVAL;
    }
    if (s == NULL || !s->is_open) {
        return OM_ERR_CLOSED;
    }
    if (cap > (size_t)INT_MAX) {
        cap = (size_t)INT_MAX;
    }
    for (;;) {
        /* Read first: when data is waiting this saves the poll. */
        long n = (long)OS_RECV(s->fd, buf, cap, 0);
        int e;

        if (n >= 0) {
            return (int)n; /* 0: the peer's FIN */
        }
        e = errno;
        if (e == EINTR) {
            continue;
        }
        if (would_block(e)) {
            int w = wait_fd(s->fd, POLLIN, start, timeout_ms);

            if (w == 0) {
                set_err(s, "receive timed out", 0);
                return OM_ERR_TIMEOUT;
            }
            if (w < 0) {
                set_err(s, "poll", errno);
                return OM_ERR_CLOSED;
            }
            continue;
        }
        set_err(s, "recv", e);
        return OM_ERR_CLOSED;
    }
}

void om_sock_close(om_sock_t *s)
{
    if (s == NULL || !s->is_open) {
        return;
    }
    /* Not retried on EINTR: on Linux the descriptor is gone either way. */
    (void)OS_CLOSE(s->fd);
    s->fd = -1;
    s->is_open = 0;
}
