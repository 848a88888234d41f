/*
 * om_port.h - the porting contract: what a port gives the core.
 *
 * The core (src/) never opens a socket, a file or a TLS session. It is
 * handed a transport (a byte stream to a host, usually TLS over TCP), a
 * clock and a store, each a small struct of callbacks plus an opaque
 * context, with the return contract written out below. port/ holds the
 * implementations: BSD sockets (Linux or lwIP) and mbedTLS, files, flash.
 */
#ifndef OM_PORT_H
#define OM_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "ormodels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------- transport */

/*
 * A connection to one host at a time. Timeouts are in milliseconds; the
 * caller keeps the overall deadline and passes what is left of it.
 *
 * open:  connects to host:port (name resolution is the port's business:
 *        getaddrinfo on Linux, lwIP's DNS on a device) and, when tls is
 *        set, completes a TLS handshake that verifies the server's
 *        certificate chain and that it names host (SNI sent). Returns 0,
 *        or OM_ERR_DNS, OM_ERR_CONNECT, OM_ERR_TLS (error() says why, e.g.
 *        "certificate expired"), OM_ERR_TIMEOUT.
 * send:  sends all len bytes. Returns 0, or OM_ERR_TIMEOUT,
 *        OM_ERR_CLOSED, OM_ERR_TLS.
 * recv:  receives at most cap bytes. Returns the count (> 0); 0 when the
 *        peer ended the stream cleanly (TCP FIN, or TLS close_notify);
 *        OM_ERR_TIMEOUT when nothing came within timeout_ms; OM_ERR_CLOSED
 *        when the connection was reset or cut without close_notify (for
 *        TLS: a truncation attack looks like this); OM_ERR_TLS on an alert
 *        or a bad record.
 * close: ends the connection (sends close_notify when it can) and frees
 *        the port's resources; safe to call when not open.
 * error: one line on the last failure for people, never NULL ("" if none).
 */
typedef struct om_transport {
    void *ctx;
    int (*open)(void *ctx, const char *host, uint16_t port, int tls,
                uint32_t timeout_ms);
    int (*send)(void *ctx, const void *buf, size_t len, uint32_t timeout_ms);
    int (*recv)(void *ctx, void *buf, size_t cap, uint32_t timeout_ms);
    void (*close)(void *ctx);
    const char *(*error)(void *ctx);
} om_transport_t;

/* ----------------------------------------------------------------- clock */

/*
 * now_ms:  a monotonic millisecond counter (it may wrap; only differences
 *          are used), for timeouts and deadlines.
 * unix_s:  wall-clock seconds since 1970, or 0 when the device does not
 *          know the time yet (before SNTP); the core then dates the table
 *          from the server's Date header.
 */
typedef struct om_clock {
    void *ctx;
    uint32_t (*now_ms)(void *ctx);
    int64_t (*unix_s)(void *ctx);
} om_clock_t;

/* ----------------------------------------------------------------- store */

/*
 * Where the table image and the owner's chosen model live: files on
 * Linux, flash slots on a device.
 * load:     reads the saved table into t. Returns 0, OM_ERR_NOTFOUND when
 *           nothing was ever saved, or the om_image_read error (t is then
 *           empty).
 * save:     replaces the saved table with t's image atomically: after a
 *           crash or power cut at any point, load gives the old table or
 *           the new one, never neither and never a mix. Returns 0 or
 *           OM_ERR_IO.
 * sel_load: the saved selection (a model id) into buf, NUL-terminated.
 *           Returns its length, OM_ERR_NOTFOUND when none was saved,
 *           OM_ERR_CORRUPT, or OM_ERR_IO.
 * sel_save: saves id (1..OM_ID_MAX bytes) as the selection, atomically
 *           as save does. Returns 0, OM_ERR_INVAL or OM_ERR_IO.
 * A table refresh never touches the selection, and the other way round.
 */
typedef struct om_store {
    void *ctx;
    int (*load)(void *ctx, om_table_t *t);
    int (*save)(void *ctx, const om_table_t *t);
    int (*sel_load)(void *ctx, char *buf, size_t cap);
    int (*sel_save)(void *ctx, const char *id);
} om_store_t;

/* -------------------------------------------------------------- entropy */

/* Fills buf with len bytes from a hardware or OS entropy source (the TLS
 * RNG is seeded from it). Returns 0, or OM_ERR_IO when none is available.
 * A real board must wire this to its TRNG. */
int om_port_entropy(void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* OM_PORT_H */
