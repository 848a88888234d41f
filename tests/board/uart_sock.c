/*
 * uart_sock.c - om_sock (port/sockets/om_sock.h) over the board's second
 * UART, for the TLS probe firmware (tests/board/tls_probe.py): QEMU
 * connects CMSDK UART1 (0x40005000) to a host TCP socket (-serial tcp:),
 * where a TLS server waits. om_tls, Mbed TLS, the baked CAs and the whole
 * fetch path then run on the emulated Cortex-M4 exactly as in the net
 * firmware; only lwIP (and the LAN9118 under it) is replaced by
 * this byte pipe. The host name and port are not used: the pipe goes to
 * one server. Not part of any shipped firmware.
 */
#include <string.h>

#include "board.h"
#include "om_sock.h"

typedef struct {
    volatile uint32_t data;
    volatile uint32_t state; /* bit 0 TX full, bit 1 RX full */
    volatile uint32_t ctrl;  /* bit 0 TX enable, bit 1 RX enable */
    volatile uint32_t intstatus;
    volatile uint32_t bauddiv;
} cmsdk_uart_t;

#define UART1 ((cmsdk_uart_t *)0x40005000u)

uint32_t om_sock_now_ms(void) { return board_ms(); }

int om_sock_resolve(om_sock_t *s, const char *host, uint32_t timeout_ms,
                    om_sock_addr_t *out, size_t cap)
{
    (void)s;
    (void)host;
    (void)timeout_ms;
    if (cap < 1)
        return OM_ERR_DNS;
    memset(out, 0, sizeof *out);
    out->family = OM_SOCK_AF_INET;
    return 1;
}

int om_sock_connect(om_sock_t *s, const char *host, uint16_t port,
                    uint32_t timeout_ms)
{
    (void)port;
    (void)timeout_ms;
    if (!s || !host || !*host)
        return OM_ERR_INVAL;
    UART1->bauddiv = 16;
    UART1->ctrl = 3;
    s->fd = 1;
    s->is_open = 1;
    s->err[0] = '\0';
    return 0;
}

int om_sock_send(om_sock_t *s, const void *buf, size_t len,
                 uint32_t timeout_ms)
{
    const uint8_t *p = buf;
    uint32_t t0 = board_ms();
    if (!s || !s->is_open)
        return OM_ERR_CLOSED;
    while (len) {
        if (UART1->state & 1u) {
            if (board_ms() - t0 >= timeout_ms)
                return OM_ERR_TIMEOUT;
            continue;
        }
        UART1->data = *p++;
        len--;
    }
    return 0;
}

int om_sock_recv(om_sock_t *s, void *buf, size_t cap, uint32_t timeout_ms)
{
    uint8_t *p = buf;
    size_t n = 0;
    uint32_t t0 = board_ms(), idle;
    if (!s || !s->is_open)
        return OM_ERR_CLOSED;
    if (!cap)
        return OM_ERR_INVAL;
    while (!(UART1->state & 2u)) {
        if (board_ms() - t0 >= timeout_ms)
            return OM_ERR_TIMEOUT;
    }
    /* what has arrived, and what keeps arriving without a pause */
    for (idle = 0; n < cap && idle < 2000u;) {
        if (UART1->state & 2u) {
            p[n++] = (uint8_t)(UART1->data & 0xFFu);
            idle = 0;
        } else
            idle++;
    }
    return (int)n;
}

void om_sock_close(om_sock_t *s)
{
    if (s)
        s->is_open = 0;
}
