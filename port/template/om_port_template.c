/*
 * om_port_template.c - a port that compiles and does nothing yet: copy it
 * to port/YOUR_PORT/, fill in each TODO, and delete what your device does
 * not need. `make port-template` compiles it with the project's warnings,
 * so it cannot rot. Contracts are in include/om_port.h and
 * port/flash/om_flash.h; each function below restates its own.
 *
 * A port provides, all without the heap:
 *   - a transport (om_transport_t): TLS over TCP to one host at a time;
 *   - a clock (om_clock_t): milliseconds, and wall time once known;
 *   - a store (om_store_t): usually the flash store over the part's NOR
 *     driver (three functions below), or files on an OS;
 *   - om_port_entropy: the TRNG that seeds TLS.
 */
#include <string.h>

#include "om_flash.h"
#include "om_port.h"

/* ------------------------------------------------------------ transport */

typedef struct tpl_conn {
    int open; /* TODO: your socket / TLS context */
} tpl_conn_t;

/* Connects to host:port, with TLS when tls is set (verify the chain and
 * the name, send SNI). Returns 0, OM_ERR_DNS, OM_ERR_CONNECT, OM_ERR_TLS
 * or OM_ERR_TIMEOUT. */
static int tpl_open(void *ctx, const char *host, uint16_t port, int tls,
                    uint32_t timeout_ms)
{
    (void)host, (void)port, (void)tls, (void)timeout_ms;
    ((tpl_conn_t *)ctx)->open = 0;
    return OM_ERR_CONNECT; /* TODO */
}

/* Sends all len bytes. Returns 0, OM_ERR_TIMEOUT, OM_ERR_CLOSED or
 * OM_ERR_TLS. */
static int tpl_send(void *ctx, const void *buf, size_t len, uint32_t timeout_ms)
{
    (void)ctx, (void)buf, (void)len, (void)timeout_ms;
    return OM_ERR_CLOSED; /* TODO */
}

/* Receives at most cap bytes. Returns the count (> 0); 0 at a clean end
 * (FIN, or TLS close_notify); OM_ERR_TIMEOUT when nothing came in
 * timeout_ms; OM_ERR_CLOSED on a reset or a cut without close_notify;
 * OM_ERR_TLS on an alert or a bad record. */
static int tpl_recv(void *ctx, void *buf, size_t cap, uint32_t timeout_ms)
{
    (void)ctx, (void)buf, (void)cap, (void)timeout_ms;
    return OM_ERR_CLOSED; /* TODO */
}

/* Ends the connection and frees its resources; safe when not open. */
static void tpl_close(void *ctx) { ((tpl_conn_t *)ctx)->open = 0; }

/* One line on the last failure, never NULL ("" when none). */
static const char *tpl_error(void *ctx)
{
    (void)ctx;
    return "template port: no transport yet";
}

/* ---------------------------------------------------------------- clock */

/* A monotonic millisecond counter; it may wrap. */
static uint32_t tpl_now_ms(void *ctx)
{
    (void)ctx;
    return 0; /* TODO: your tick counter */
}

/* Unix seconds, or 0 while the time is unknown (before SNTP). */
static int64_t tpl_unix_s(void *ctx)
{
    (void)ctx;
    return 0; /* TODO: your RTC */
}

/* ---------------------------------------------------------------- flash */

/* Copies len bytes at addr into buf. Returns 0 or a negative value. */
static int tpl_nor_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    (void)ctx, (void)addr;
    memset(buf, 0xFF, len); /* TODO: memcpy from the mapped flash */
    return 0;
}

/* Programs len bytes at addr (prog_size-aligned, erased before). Returns
 * 0 or a negative value. */
static int tpl_nor_prog(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    (void)ctx, (void)addr, (void)buf, (void)len;
    return -1; /* TODO: unlock, program, wait, lock */
}

/* Erases the sector starting at addr to 0xFF. Returns 0 or negative. */
static int tpl_nor_erase(void *ctx, uint32_t addr)
{
    (void)ctx, (void)addr;
    return -1; /* TODO */
}

/* -------------------------------------------------------------- entropy */

/* Fills buf with len bytes of hardware entropy. Returns 0, or OM_ERR_IO
 * when there is none (TLS then refuses to start). */
int om_port_entropy(void *buf, size_t len)
{
    (void)buf, (void)len;
    return OM_ERR_IO; /* TODO: your TRNG */
}

/* ------------------------------------------------------------- wiring */

static tpl_conn_t conn;
static om_nor_t nor;
static om_flash_t flash;

/* Sets up the port's three interfaces. The region: the store's flash
 * (base and size multiples of the sector size, at least 4 sectors; the
 * two table slots each hold an image of up to half of what is left).
 * Returns 0 or OM_ERR_INVAL. */
int om_template_port_init(om_transport_t *tr, om_clock_t *clk,
                          om_store_t *st);
int om_template_port_init(om_transport_t *tr, om_clock_t *clk,
                          om_store_t *st)
{
    tr->ctx = &conn;
    tr->open = tpl_open;
    tr->send = tpl_send;
    tr->recv = tpl_recv;
    tr->close = tpl_close;
    tr->error = tpl_error;
    clk->ctx = NULL;
    clk->now_ms = tpl_now_ms;
    clk->unix_s = tpl_unix_s;
    nor.ctx = NULL;
    nor.read = tpl_nor_read;
    nor.prog = tpl_nor_prog;
    nor.erase = tpl_nor_erase;
    nor.sector_size = 4096; /* TODO: your part's erase sector */
    nor.prog_size = 8;      /* TODO: your part's program unit */
    return om_flash_init(&flash, &nor, 0 /* TODO: base */, 128u * 1024u, st);
}
