/*
 * om_tls.h - the transport of ormodels over Mbed TLS 3.6 and om_sock: TLS
 * 1.3 or 1.2 to one host at a time, the certificate chain verified against
 * the caller's CA certificates and the host name always checked (SNI
 * sent). Plain TCP as well when open() is asked for tls = 0 (tests).
 *
 * Memory: nothing comes from the libc heap. Mbed TLS allocates from ONE
 * static pool in om_tls.c (OM_TLS_POOL_SIZE bytes of .bss): the parsed CA
 * certificates live there for as long as the om_tls_t is initialised, a
 * connection's context and record buffers (~16.5 KiB in, 2 KiB out) and
 * the server's chain only while it is open; om_tls_close gives all of the
 * latter back (the pool returns to t->pool_idle bytes; see there).
 *
 * Concurrency: ONE connection at a time, one thread. The pool, the DRBG
 * and PSA are process-wide and unlocked (MBEDTLS_THREADING_C is off).
 *
 * Compile-time knobs (default in brackets):
 *  OM_TLS_POOL_SIZE      [65536] bytes of the pool. Peaks measured by
 *      tests/net/tls_test.sh on x86-64 (one root; block headers counted,
 *      so an upper bound; a 32-bit target needs less): EC P-256 chain
 *      30.7 KB (TLS 1.3) / 29.5 KB (1.2); RSA-2048 leaf 33.8 KB; RSA-4096
 *      root + RSA-2048 leaf 40.9 KB (1.3) / 38.8 KB (1.2). 32 KiB fails
 *      the RSA chain, and Mbed TLS then reports "unknown CA" (om_tls adds
 *      a pool hint). 64 KiB leaves room for a few more roots and for
 *      fragmentation. The Debian CA bundle (144 roots) takes ~490 KiB
 *      parsed, so a Linux build that trusts it uses 1 MiB (mk/net.mk).
 *  OM_TLS_ENTROPY_MIN    [32]  bytes om_port_entropy must give before the
 *      DRBG is seeded (MBEDTLS_ENTROPY_SOURCE_STRONG)
 *  OM_TLS_CLOSE_MS       [500] how long close() may spend sending
 *      close_notify
 *  OM_TLS_ERR_MAX        [128] bytes of the error line
 *  OM_TLS_CA_FILE        ["/etc/ssl/certs/ca-certificates.crt"] the
 *      default of om_tls_load_ca_file (Linux)
 */
#ifndef OM_TLS_H
#define OM_TLS_H

#include <stddef.h>
#include <stdint.h>

/* Mbed TLS's headers test some options with #if before defining them;
 * keep our -Wundef for our own code only. */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wundef"
#endif
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include "om_port.h"
#include "om_sock.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef OM_TLS_POOL_SIZE
#define OM_TLS_POOL_SIZE 65536
#endif

#ifndef OM_TLS_ERR_MAX
#define OM_TLS_ERR_MAX 128
#endif

#ifndef OM_TLS_CA_FILE
#define OM_TLS_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#endif

/* One transport. Caller-owned (static storage is fine: init sets every
 * field); it points into itself, so never copy or move it once
 * initialised. Fields are private except the read-only figures. */
typedef struct om_tls {
    om_sock_t sock;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    uint32_t op_start;  /* the running call's budget, for the bio */
    uint32_t op_ms;
    int io_err;         /* what om_sock said in the bio, 0 if nothing */
    int broken_err;     /* the error every call returns once broken */
    uint8_t inited;
    uint8_t conn;       /* 0 closed, 1 TCP only, 2 TLS context live */
    uint8_t up;         /* handshake done */
    uint8_t broken;     /* unusable: no close_notify, calls fail */
    uint8_t saw_fin;    /* the socket gave 0 (TCP FIN) */
    uint8_t peer_closed;/* close_notify received */
    uint8_t tls12_only; /* conf limited to TLS 1.2 for a retry, until close */
    /* Set by the caller after init: 1 when mbedtls_time() is only a lower
     * bound of the real time (a board without RTC whose clock is not set
     * yet: its build time). A certificate not yet valid at that time is
     * then accepted (the real time may well be later); one that expired
     * before it is still rejected. 0 (init's value): the clock is true. */
    uint8_t time_floor;
    char peer_name[64]; /* first DNS name of the server's certificate */
    /* read-only figures */
    int ca_parsed;      /* CA certificates in the chain */
    int ca_skipped;     /* certificates in the input we could not use */
    size_t pool_idle;   /* pool bytes in use after init (CA chain, PSA);
                         * close() returns the pool to it, plus once per
                         * RSA root used: Mbed TLS keeps R^2 mod N (the
                         * modulus' size) in the root's key after its
                         * first verification */
    char err[OM_TLS_ERR_MAX];
} om_tls_t;

/* Sets up the pool, the entropy source (om_port_entropy), the CTR_DRBG
 * and PSA, once per process; om_tls_init calls it. Returns 0, OM_ERR_IO
 * when the entropy source fails, or OM_ERR_TLS. */
int om_tls_global_init(void);

/* As om_tls_global_init, but gives mbedTLS only the first bytes of the
 * static pool (all of it when 0 or larger): a host with a big pool for
 * the system's CA bundle uses less when a single root will do. Has no
 * effect once initialised. */
int om_tls_global_init_sized(size_t bytes);

/* Initialises t with the CA certificates in ca[0..ca_len): PEM (one or
 * more "BEGIN CERTIFICATE" blocks, a terminating NUL optional) or DER
 * (one or more concatenated certificates). They are copied into the pool:
 * ca may be reused once this returns. Certificates Mbed TLS cannot use
 * (an algorithm outside our config) are skipped and counted in
 * t->ca_skipped. Returns 0, or OM_ERR_TLS when no certificate was parsed,
 * OM_ERR_NOSPACE when the pool ran out (raise OM_TLS_POOL_SIZE or trust
 * fewer roots), OM_ERR_INVAL, or om_tls_global_init's error; om_tls_error
 * says why and t is then not initialised. */
int om_tls_init(om_tls_t *t, const unsigned char *ca, size_t ca_len);

/* Closes any connection and gives the CA chain back to the pool. */
void om_tls_free(om_tls_t *t);

/* Fills tr with t as an om_transport_t (see om_port.h for the contract). */
void om_tls_transport(om_tls_t *t, om_transport_t *tr);

/* The transport's calls, also usable directly. open: as om_port.h, plus
 * OM_ERR_INVAL when t is not initialised. recv/send on a connection that
 * is not open return OM_ERR_CLOSED. */
int om_tls_open(om_tls_t *t, const char *host, uint16_t port, int tls,
                uint32_t timeout_ms);
int om_tls_send(om_tls_t *t, const void *buf, size_t len,
                uint32_t timeout_ms);
int om_tls_recv(om_tls_t *t, void *buf, size_t cap, uint32_t timeout_ms);
void om_tls_close(om_tls_t *t);
const char *om_tls_error(const om_tls_t *t);

/* "TLSv1.3", "TLSv1.2" when a TLS connection is up, "TCP" for a plain
 * one, "" when closed. */
const char *om_tls_version(const om_tls_t *t);

/* The pool, in bytes counting the allocator's block headers (8 words a
 * block): its size, what is in use now, and the most ever in use since
 * start or the last reset (what OM_TLS_POOL_SIZE must cover, fragmentation
 * aside). In-use and high-water read 0 when built with
 * OM_MBEDTLS_MEMORY_STATS=0. */
size_t om_tls_pool_size(void);
size_t om_tls_pool_in_use(void);
size_t om_tls_pool_high_water(void);
void om_tls_pool_reset_high_water(void);

/* Linux (port/linux/om_ca_file.c): reads the CA file at path (NULL: the
 * system bundle, OM_TLS_CA_FILE) into buf, NUL-terminated; *len is the
 * file's size without the NUL. Returns 0, OM_ERR_NOTFOUND, OM_ERR_NOSPACE
 * when it does not fit in cap - 1 bytes, or OM_ERR_IO. */
int om_tls_load_ca_file(const char *path, unsigned char *buf, size_t cap,
                        size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* OM_TLS_H */
