/*
 * om_tls.c - om_transport_t over Mbed TLS 3.6 and om_sock (see om_tls.h).
 *
 * Process-wide state, set up once by om_tls_global_init():
 *  - the pool: one static array handed to Mbed TLS's buffer allocator;
 *  - randomness: an entropy context with ONE strong source, om_port_entropy
 *    (the board's TRNG; getrandom on Linux), seeding one CTR_DRBG that
 *    serves both the TLS layer (mbedtls_ssl_conf_rng) and PSA
 *    (mbedtls_psa_external_get_random, MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG);
 *  - the PSA core (TLS 1.3 runs its key schedule through it).
 *
 * I/O: the bio callbacks call om_sock with what is left of the current
 * call's budget (t->op_start, t->op_ms), so mbedtls_ssl_handshake/read/
 * write block at most that long. The bio records what the socket said in
 * t->io_err, and the mapping to om_err values reads it from there: a
 * socket timeout is OM_ERR_TIMEOUT, a reset OM_ERR_CLOSED, whatever code
 * Mbed TLS passes it up as.
 */
#include "om_tls.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "mbedtls/asn1.h"
#include "mbedtls/base64.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/platform.h"
#include "psa/crypto.h"

#if !defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C) || \
    !defined(MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG)
#error "om_tls needs om_mbedtls_config.h (static pool, external PSA RNG)"
#endif

#ifndef OM_TLS_ENTROPY_MIN
#define OM_TLS_ENTROPY_MIN 32
#endif

#ifndef OM_TLS_CLOSE_MS
#define OM_TLS_CLOSE_MS 500
#endif

/* The allocator puts an 8-word header before every block (memory_header
 * in memory_buffer_alloc.c without MBEDTLS_MEMORY_BACKTRACE); its
 * counters leave them out. */
#define POOL_HEADER (8u * sizeof(size_t))

/* Returned to Mbed TLS by the bio when the socket failed; the real reason
 * is in t->io_err. */
#define BIO_FAILED MBEDTLS_ERR_SSL_INTERNAL_ERROR

enum { CONN_NONE = 0, CONN_TCP = 1, CONN_TLS = 2 };

static unsigned char g_pool[OM_TLS_POOL_SIZE];
static size_t g_pool_len = sizeof(g_pool); /* the part handed to mbedTLS */
static mbedtls_entropy_context g_entropy;
static mbedtls_ctr_drbg_context g_drbg;
static int g_drbg_ready;
static int g_ready;

/* The signature algorithms we offer, in order. PKCS#1 v1.5 comes before
 * RSA-PSS on purpose: Mbed TLS 3.6.6 offers rsa_pss_rsae_* in a TLS 1.3 +
 * 1.2 ClientHello, but its TLS 1.2 client then rejects a ServerKeyExchange
 * signed with one (-0x6600, upstream Mbed-TLS/mbedtls#10668, fixed on the
 * 3.6 branch after 3.6.6 by #10674). A TLS 1.2 server that follows the
 * client's order picks PKCS#1; TLS 1.3 allows only PSS for an RSA key's
 * CertificateVerify, so a TLS 1.3 server still picks PSS. A TLS 1.2 server
 * that imposes its own order (and prefers PSS) is handled by one retry
 * limited to TLS 1.2, whose ClientHello offers no PSS (see om_tls_open). */
static const uint16_t g_sig_algs[] = {
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256,
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA512,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA256,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA512,
    MBEDTLS_TLS1_3_SIG_NONE
};

/* Not const all the way: mbedtls_ssl_conf_alpn_protocols takes a
 * const char ** (and only reads it). */
static const char *g_alpn[] = { "http/1.1", NULL };

/* ---------------------------------------------------------- randomness */

static int entropy_source(void *ctx, unsigned char *out, size_t len,
                          size_t *olen)
{
    (void)ctx;
    if (om_port_entropy(out, len) != 0) {
        *olen = 0;
        return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    }
    *olen = len;
    return 0;
}

/* PSA's randomness: the same DRBG as the TLS layer. CTR_DRBG serves at
 * most MBEDTLS_CTR_DRBG_MAX_REQUEST bytes a call. */
psa_status_t mbedtls_psa_external_get_random(
    mbedtls_psa_external_random_context_t *context, uint8_t *output,
    size_t output_size, size_t *output_length)
{
    size_t done = 0;

    (void)context;
    *output_length = 0;
    if (!g_drbg_ready) {
        return PSA_ERROR_INSUFFICIENT_ENTROPY;
    }
    while (done < output_size) {
        size_t n = output_size - done;

        if (n > MBEDTLS_CTR_DRBG_MAX_REQUEST) {
            n = MBEDTLS_CTR_DRBG_MAX_REQUEST;
        }
        if (mbedtls_ctr_drbg_random(&g_drbg, output + done, n) != 0) {
            return PSA_ERROR_INSUFFICIENT_ENTROPY;
        }
        done += n;
    }
    *output_length = output_size;
    return PSA_SUCCESS;
}

static void global_teardown(void)
{
    g_drbg_ready = 0;
    mbedtls_ctr_drbg_free(&g_drbg);
    mbedtls_entropy_free(&g_entropy);
    mbedtls_memory_buffer_alloc_free();
}

int om_tls_global_init_sized(size_t bytes)
{
    if (!g_ready && bytes && bytes < sizeof(g_pool))
        g_pool_len = bytes;
    return om_tls_global_init();
}

int om_tls_global_init(void)
{
    static const char pers[] = "ormodels om_tls";

    if (g_ready) {
        return 0;
    }
    /* mbedTLS writes all of what it is given: a smaller part keeps the
     * rest of a large .bss pool untouched, so never resident. */
    mbedtls_memory_buffer_alloc_init(g_pool, g_pool_len);
    mbedtls_entropy_init(&g_entropy);
    mbedtls_ctr_drbg_init(&g_drbg);
    if (mbedtls_entropy_add_source(&g_entropy, entropy_source, NULL,
                                   OM_TLS_ENTROPY_MIN,
                                   MBEDTLS_ENTROPY_SOURCE_STRONG) != 0 ||
        mbedtls_ctr_drbg_seed(&g_drbg, mbedtls_entropy_func, &g_entropy,
                              (const unsigned char *)pers,
                              sizeof(pers) - 1) != 0) {
        global_teardown();
        return OM_ERR_IO;
    }
    g_drbg_ready = 1;
    if (psa_crypto_init() != PSA_SUCCESS) {
        global_teardown();
        return OM_ERR_TLS;
    }
    g_ready = 1;
    return 0;
}

/* ---------------------------------------------------------------- pool */

size_t om_tls_pool_size(void)
{
    return g_pool_len;
}

size_t om_tls_pool_in_use(void)
{
#if defined(MBEDTLS_MEMORY_DEBUG)
    size_t used = 0, blocks = 0;

    if (g_ready) {
        mbedtls_memory_buffer_alloc_cur_get(&used, &blocks);
    }
    return used + blocks * POOL_HEADER;
#else
    return 0;
#endif
}

/* The allocator's own peak counter is restarted by every open, so that
 * the open's peak is known (see pool_was_tight); g_hw_before keeps the
 * peak from before. */
static size_t g_hw_before;

/* Peak since the last open (or reset), block headers included. */
static size_t peak_since_open(void)
{
#if defined(MBEDTLS_MEMORY_DEBUG)
    size_t used = 0, blocks = 0;

    if (g_ready) {
        mbedtls_memory_buffer_alloc_max_get(&used, &blocks);
    }
    return used + blocks * POOL_HEADER;
#else
    return 0;
#endif
}

size_t om_tls_pool_high_water(void)
{
    size_t now = peak_since_open();

    return now > g_hw_before ? now : g_hw_before;
}

static void restart_peak(int keep)
{
    g_hw_before = keep ? om_tls_pool_high_water() : 0;
#if defined(MBEDTLS_MEMORY_DEBUG)
    if (g_ready) {
        mbedtls_memory_buffer_alloc_max_reset();
    }
#endif
}

void om_tls_pool_reset_high_water(void)
{
    restart_peak(0);
}

/* True when this open's peak came within 1 KiB of the pool's end, so that
 * an allocation inside Mbed TLS may have failed. It matters because X.509
 * verification turns a failed allocation into a bad signature: a pool too
 * small looks like "unknown CA". (The peak is an upper bound: it counts
 * headers at the most blocks ever live.) */
static int pool_was_tight(void)
{
#if defined(MBEDTLS_MEMORY_DEBUG)
    return peak_since_open() + 1024u >= g_pool_len;
#else
    return 0;
#endif
}

/* An allocation failure anywhere in Mbed TLS (a high-level code, or a
 * low-level one added to it). */
static int is_nomem(int r)
{
    int hi = (-r) & 0xFF80, lo = (-r) & 0x007F;

    return hi == -MBEDTLS_ERR_SSL_ALLOC_FAILED ||
           hi == -MBEDTLS_ERR_X509_ALLOC_FAILED ||
           hi == -MBEDTLS_ERR_PK_ALLOC_FAILED ||
           hi == -MBEDTLS_ERR_ECP_ALLOC_FAILED ||
           hi == -MBEDTLS_ERR_CIPHER_ALLOC_FAILED ||
           hi == -MBEDTLS_ERR_MD_ALLOC_FAILED ||
           lo == -MBEDTLS_ERR_MPI_ALLOC_FAILED ||
           lo == -MBEDTLS_ERR_ASN1_ALLOC_FAILED;
}

/* ------------------------------------------------------------ CA parse */

static const unsigned char *find(const unsigned char *p,
                                 const unsigned char *end, const char *pat)
{
    size_t n = strlen(pat);

    while ((size_t)(end - p) >= n) {
        const unsigned char *q = memchr(p, pat[0], (size_t)(end - p) - n + 1);

        if (q == NULL) {
            return NULL;
        }
        if (memcmp(q, pat, n) == 0) {
            return q;
        }
        p = q + 1;
    }
    return NULL;
}

/* Result of one certificate: counts it, 1 when the pool ran out. */
static int tally(om_tls_t *t, int r)
{
    if (r == 0) {
        t->ca_parsed++;
        return 0;
    }
    t->ca_skipped++;
    return is_nomem(r);
}

/* PEM: each block base64-decoded into a scratch block of the pool (the
 * input need not be NUL-terminated or writable), parsed (Mbed TLS copies
 * the DER), scratch freed. Returns 1 when the pool ran out. */
static int parse_pem(om_tls_t *t, const unsigned char *p,
                     const unsigned char *stop)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    const unsigned char *b;

    while ((b = find(p, stop, begin)) != NULL) {
        const unsigned char *body = b + sizeof(begin) - 1;
        const unsigned char *e = find(body, stop, end);
        unsigned char *der;
        size_t need = 0, n = 0;
        int r;

        if (e == NULL) {
            t->ca_skipped++; /* cut off */
            break;
        }
        p = e + sizeof(end) - 1;
        r = mbedtls_base64_decode(NULL, 0, &need, body, (size_t)(e - body));
        if (r != MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL || need == 0) {
            t->ca_skipped++;
            continue;
        }
        der = mbedtls_calloc(1, need);
        if (der == NULL) {
            return 1;
        }
        r = mbedtls_base64_decode(der, need, &n, body, (size_t)(e - body));
        if (r == 0) {
            r = mbedtls_x509_crt_parse_der(&t->ca, der, n);
        }
        mbedtls_free(der);
        if (tally(t, r)) {
            return 1;
        }
    }
    return 0;
}

/* DER: concatenated SEQUENCEs, each parsed (and copied) in turn. */
static int parse_der(om_tls_t *t, const unsigned char *p,
                     const unsigned char *stop)
{
    while (stop - p >= 2 && p[0] == (MBEDTLS_ASN1_CONSTRUCTED |
                                     MBEDTLS_ASN1_SEQUENCE)) {
        size_t hdr = 2, len = p[1], i, k;

        if (len & 0x80u) {
            k = len & 0x7Fu;
            if (k == 0 || k > 3 || (size_t)(stop - p) < 2 + k) {
                break;
            }
            for (len = 0, i = 0; i < k; i++) {
                len = (len << 8) | p[2 + i];
            }
            hdr += k;
        }
        if (len > (size_t)(stop - p) - hdr) {
            t->ca_skipped++;
            break;
        }
        if (tally(t, mbedtls_x509_crt_parse_der(&t->ca, p, hdr + len))) {
            return 1;
        }
        p += hdr + len;
    }
    return 0;
}

/* ----------------------------------------------------------- messages */

static void set_msg(om_tls_t *t, const char *msg)
{
    snprintf(t->err, sizeof(t->err), "%s", msg);
}

/* First dNSName of the server's certificate, kept for the message of a
 * hostname mismatch. Called by Mbed TLS for each certificate of the
 * chain; changes one verdict only: with t->time_floor, "not yet valid"
 * (the clock is a lower bound, so the certificate's start may well have
 * passed). */
static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth,
                     uint32_t *flags)
{
    om_tls_t *t = ctx;
    const mbedtls_x509_sequence *san;

    if (t->time_floor) {
        *flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_FUTURE;
    }
    if (depth != 0) {
        return 0;
    }
    t->peer_name[0] = '\0';
    for (san = &crt->subject_alt_names; san != NULL; san = san->next) {
        if (san->buf.p != NULL &&
            san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC |
                             MBEDTLS_X509_SAN_DNS_NAME)) {
            size_t n = san->buf.len;

            if (n >= sizeof(t->peer_name)) {
                n = sizeof(t->peer_name) - 1;
            }
            memcpy(t->peer_name, san->buf.p, n);
            t->peer_name[n] = '\0';
            break;
        }
    }
    return 0;
}

/* A short reason for people from the verification flags; the most basic
 * problem first. */
static void verify_reason(om_tls_t *t, uint32_t f)
{
    const char *why;

    if (f & MBEDTLS_X509_BADCERT_MISSING) {
        why = "server sent no certificate";
    } else if (f & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
        why = "certificate signed by an unknown CA";
    } else if (f & MBEDTLS_X509_BADCERT_EXPIRED) {
        why = "certificate expired";
    } else if (f & MBEDTLS_X509_BADCERT_FUTURE) {
        why = "certificate not yet valid (is the clock set?)";
    } else if (f & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
        if (t->peer_name[0] != '\0') {
            snprintf(t->err, sizeof(t->err),
                     "hostname mismatch (certificate is for another name: "
                     "%s)", t->peer_name);
            return;
        }
        why = "hostname mismatch (certificate is for another name)";
    } else if (f & (MBEDTLS_X509_BADCERT_KEY_USAGE |
                    MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
                    MBEDTLS_X509_BADCERT_NS_CERT_TYPE)) {
        why = "certificate not valid for a TLS server";
    } else if (f & MBEDTLS_X509_BADCERT_BAD_MD) {
        why = "certificate signed with a hash we do not accept (SHA-1?)";
    } else if (f & (MBEDTLS_X509_BADCERT_BAD_PK |
                    MBEDTLS_X509_BADCERT_BAD_KEY)) {
        why = "certificate key or signature algorithm not accepted";
    } else {
        why = "certificate rejected";
    }
    snprintf(t->err, sizeof(t->err), "%s (verify flags 0x%lx)", why,
             (unsigned long)f);
}

static int handshake_reason(om_tls_t *t, int r);

/* Maps a failed handshake to an om_err and a message, with a hint when
 * the pool may have been too small. */
static int handshake_error(om_tls_t *t, int r)
{
    int e = handshake_reason(t, r);

    if (e == OM_ERR_TLS && pool_was_tight() &&
        strstr(t->err, "pool") == NULL) {
        size_t n = strlen(t->err);

        snprintf(t->err + n, sizeof(t->err) - n,
                 "; or TLS pool exhausted (peak ~%lu of %lu B)",
                 (unsigned long)peak_since_open(),
                 (unsigned long)g_pool_len);
    }
    return e;
}

/* The om_err and message of a failed handshake. */
static int handshake_reason(om_tls_t *t, int r)
{
    uint32_t f = mbedtls_ssl_get_verify_result(&t->ssl);

    if (t->io_err == OM_ERR_TIMEOUT || r == MBEDTLS_ERR_SSL_TIMEOUT) {
        set_msg(t, "TLS handshake timed out");
        return OM_ERR_TIMEOUT;
    }
    if (t->io_err != 0) {
        snprintf(t->err, sizeof(t->err),
                 "connection lost in the TLS handshake: %s", t->sock.err);
        return OM_ERR_TLS;
    }
    if (f != 0 && f != (uint32_t)-1) {
        verify_reason(t, f);
        return OM_ERR_TLS;
    }
    if (is_nomem(r)) {
        snprintf(t->err, sizeof(t->err),
                 "TLS pool exhausted (OM_TLS_POOL_SIZE %lu)",
                 (unsigned long)g_pool_len);
        return OM_ERR_TLS;
    }
    switch (r) {
    case MBEDTLS_ERR_SSL_CONN_EOF:
        set_msg(t, "server closed the connection in the TLS handshake");
        break;
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
        set_msg(t, "server refused the TLS handshake (fatal alert)");
        break;
    case MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE:
        set_msg(t, "no TLS cipher suite, group or signature in common");
        break;
    case MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION:
        set_msg(t, "server speaks neither TLS 1.3 nor TLS 1.2");
        break;
    default:
        snprintf(t->err, sizeof(t->err),
                 "TLS handshake failed (Mbed TLS -0x%04x)", (unsigned)-r);
        break;
    }
    return OM_ERR_TLS;
}

/* Maps a failed read or write after the handshake. The connection is
 * then broken (no close_notify on close), except after a receive timeout,
 * which Mbed TLS can resume. */
static int io_error(om_tls_t *t, int r, int is_recv)
{
    const char *op = is_recv ? "receive" : "send";
    int e;

    if (t->io_err == OM_ERR_TIMEOUT || r == MBEDTLS_ERR_SSL_TIMEOUT) {
        snprintf(t->err, sizeof(t->err), "TLS %s timed out", op);
        if (is_recv) {
            return OM_ERR_TIMEOUT;
        }
        e = OM_ERR_TIMEOUT;
    } else if (t->io_err != 0) {
        snprintf(t->err, sizeof(t->err), "connection lost: %s", t->sock.err);
        e = OM_ERR_CLOSED;
    } else if (r == 0 || r == MBEDTLS_ERR_SSL_CONN_EOF) {
        set_msg(t, "connection closed without TLS close_notify "
                   "(truncated)");
        e = OM_ERR_CLOSED;
    } else if (r == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
        set_msg(t, "peer sent a fatal TLS alert");
        e = OM_ERR_TLS;
    } else if (is_nomem(r)) {
        set_msg(t, "TLS pool exhausted");
        e = OM_ERR_TLS;
    } else {
        snprintf(t->err, sizeof(t->err), "TLS %s failed (Mbed TLS -0x%04x)",
                 op, (unsigned)-r);
        e = OM_ERR_TLS;
    }
    t->broken = 1;
    t->broken_err = e;
    return e;
}

/* ----------------------------------------------------------------- bio */

static void begin(om_tls_t *t, uint32_t timeout_ms)
{
    t->op_start = om_sock_now_ms();
    t->op_ms = timeout_ms;
    t->io_err = 0;
}

static uint32_t time_left(const om_tls_t *t)
{
    uint32_t spent = om_sock_now_ms() - t->op_start;

    return spent >= t->op_ms ? 0 : t->op_ms - spent;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    om_tls_t *t = ctx;
    int r;

    if (len > (size_t)INT_MAX) {
        len = (size_t)INT_MAX;
    }
    r = om_sock_send(&t->sock, buf, len, time_left(t));
    if (r == 0) {
        return (int)len;
    }
    t->io_err = r;
    return r == OM_ERR_TIMEOUT ? MBEDTLS_ERR_SSL_TIMEOUT : BIO_FAILED;
}

/* The timeout Mbed TLS passes (conf read_timeout, left at 0) is ignored:
 * the running call's own budget applies. */
static int bio_recv(void *ctx, unsigned char *buf, size_t len,
                    uint32_t timeout_unused)
{
    om_tls_t *t = ctx;
    int r;

    (void)timeout_unused;
    r = om_sock_recv(&t->sock, buf, len, time_left(t));
    if (r > 0) {
        return r;
    }
    if (r == 0) {
        t->saw_fin = 1;
        return 0; /* Mbed TLS: MBEDTLS_ERR_SSL_CONN_EOF */
    }
    t->io_err = r;
    return r == OM_ERR_TIMEOUT ? MBEDTLS_ERR_SSL_TIMEOUT : BIO_FAILED;
}

/* ----------------------------------------------------------- lifecycle */

int om_tls_init(om_tls_t *t, const unsigned char *ca, size_t ca_len)
{
    static const char begin_pem[] = "-----BEGIN CERTIFICATE-----";
    int r, nomem;

    if (t == NULL) {
        return OM_ERR_INVAL;
    }
    memset(t, 0, sizeof(*t));
    if (ca == NULL || ca_len == 0) {
        set_msg(t, "no CA certificates given");
        return OM_ERR_INVAL;
    }
    r = om_tls_global_init();
    if (r != 0) {
        set_msg(t, r == OM_ERR_IO ? "no entropy (om_port_entropy failed)"
                                  : "PSA crypto init failed");
        return r;
    }
    mbedtls_x509_crt_init(&t->ca);
    if (find(ca, ca + ca_len, begin_pem) != NULL) {
        nomem = parse_pem(t, ca, ca + ca_len);
    } else {
        nomem = parse_der(t, ca, ca + ca_len);
    }
    if (nomem || t->ca_parsed == 0) {
        mbedtls_x509_crt_free(&t->ca);
        if (nomem) {
            snprintf(t->err, sizeof(t->err),
                     "TLS pool (%lu B) too small for the CA certificates "
                     "(%d parsed): raise OM_TLS_POOL_SIZE",
                     (unsigned long)g_pool_len, t->ca_parsed);
            return OM_ERR_NOSPACE;
        }
        snprintf(t->err, sizeof(t->err),
                 "no usable CA certificate (%d skipped)", t->ca_skipped);
        return OM_ERR_TLS;
    }

    mbedtls_ssl_config_init(&t->conf);
    r = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
                                    MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
    if (r == 0) {
        r = mbedtls_ssl_conf_alpn_protocols(&t->conf, g_alpn);
    }
    if (r != 0) {
        mbedtls_ssl_config_free(&t->conf);
        mbedtls_x509_crt_free(&t->ca);
        snprintf(t->err, sizeof(t->err),
                 "TLS configuration failed (Mbed TLS -0x%04x)", (unsigned)-r);
        return OM_ERR_TLS;
    }
    mbedtls_ssl_conf_min_tls_version(&t->conf, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(&t->conf, MBEDTLS_SSL_VERSION_TLS1_3);
    /* Never anything but REQUIRED: a chain that does not verify, or
     * names another host, ends the handshake. */
    mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
    mbedtls_ssl_conf_verify(&t->conf, verify_cb, t);
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &g_drbg);
    mbedtls_ssl_conf_sig_algs(&t->conf, g_sig_algs);
    mbedtls_ssl_conf_read_timeout(&t->conf, 0);

    t->sock.fd = -1;
    t->inited = 1;
    t->pool_idle = om_tls_pool_in_use();
    return 0;
}

void om_tls_free(om_tls_t *t)
{
    if (t == NULL || !t->inited) {
        return;
    }
    om_tls_close(t);
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_x509_crt_free(&t->ca);
    t->inited = 0;
}

/* One TCP connection and, when tls, one handshake, within what is left
 * of the budget begin() set. Returns 0 or an om_err (t->err set). Sets
 * *pss_trap when a TLS 1.2 handshake failed with ILLEGAL_PARAMETER, which
 * is what Mbed TLS 3.6.6 makes of an RSA-PSS ServerKeyExchange. */
static int attempt(om_tls_t *t, const char *host, uint16_t port, int tls,
                   int *pss_trap)
{
    int r;

    r = om_sock_connect(&t->sock, host, port, time_left(t));
    if (r != 0) {
        snprintf(t->err, sizeof(t->err), "%s", t->sock.err);
        return r;
    }
    if (!tls) {
        t->conn = CONN_TCP;
        return 0;
    }

    mbedtls_ssl_init(&t->ssl);
    t->conn = CONN_TLS;
    r = mbedtls_ssl_setup(&t->ssl, &t->conf);
    if (r == 0) {
        /* The name to verify and to send as SNI. */
        r = mbedtls_ssl_set_hostname(&t->ssl, host);
    }
    if (r != 0) {
        r = handshake_error(t, r);
        om_tls_close(t);
        return r;
    }
    mbedtls_ssl_set_bio(&t->ssl, t, bio_send, NULL, bio_recv);
    for (;;) {
        r = mbedtls_ssl_handshake(&t->ssl);
        if (r == 0) {
            break;
        }
        if ((r == MBEDTLS_ERR_SSL_WANT_READ ||
             r == MBEDTLS_ERR_SSL_WANT_WRITE) && time_left(t) > 0) {
            continue;
        }
        *pss_trap = r == MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER &&
                    mbedtls_ssl_get_version_number(&t->ssl) ==
                        MBEDTLS_SSL_VERSION_TLS1_2;
        r = handshake_error(t, r);
        /* Mbed TLS has sent its alert, if any; no close_notify. */
        t->broken = 1;
        om_tls_close(t);
        return r;
    }
    t->up = 1;
    return 0;
}

int om_tls_open(om_tls_t *t, const char *host, uint16_t port, int tls,
                uint32_t timeout_ms)
{
    int r, pss_trap = 0;

    if (t == NULL || !t->inited) {
        return OM_ERR_INVAL;
    }
    om_tls_close(t);
    t->err[0] = '\0';
    t->peer_name[0] = '\0';
    t->broken = 0;
    t->broken_err = 0;
    t->saw_fin = 0;
    t->peer_closed = 0;
    restart_peak(1);
    begin(t, timeout_ms);

    r = attempt(t, host, port, tls, &pss_trap);
    if (r != 0 && pss_trap && time_left(t) > 0) {
        /* A TLS 1.2 server signed with RSA-PSS, which Mbed TLS 3.6.6's
         * TLS 1.2 client rejects (see g_sig_algs). Once more, TLS 1.2 only:
         * that ClientHello offers PKCS#1 v1.5 alone. The configuration
         * stays so until close(). */
        mbedtls_ssl_conf_max_tls_version(&t->conf,
                                         MBEDTLS_SSL_VERSION_TLS1_2);
        t->tls12_only = 1;
        t->broken = 0;
        t->broken_err = 0;
        t->saw_fin = 0;
        t->io_err = 0;
        r = attempt(t, host, port, tls, &pss_trap);
    }
    return r;
}

void om_tls_close(om_tls_t *t)
{
    if (t == NULL) {
        return;
    }
    if (t->conn == CONN_TLS) {
        if (t->up && !t->broken) {
            int r, tries = 0;

            begin(t, OM_TLS_CLOSE_MS);
            do {
                r = mbedtls_ssl_close_notify(&t->ssl);
            } while ((r == MBEDTLS_ERR_SSL_WANT_WRITE ||
                      r == MBEDTLS_ERR_SSL_WANT_READ) && ++tries < 4);
        }
        mbedtls_ssl_free(&t->ssl);
    }
    om_sock_close(&t->sock);
    t->conn = CONN_NONE;
    t->up = 0;
    if (t->tls12_only) {
        /* No context uses the configuration now: back to TLS 1.3 + 1.2. */
        mbedtls_ssl_conf_max_tls_version(&t->conf,
                                         MBEDTLS_SSL_VERSION_TLS1_3);
        t->tls12_only = 0;
    }
}

/* ------------------------------------------------------------ send/recv */

static int not_open(om_tls_t *t)
{
    set_msg(t, "not connected");
    return OM_ERR_CLOSED;
}

int om_tls_send(om_tls_t *t, const void *buf, size_t len,
                uint32_t timeout_ms)
{
    const unsigned char *p = buf;

    if (t == NULL || t->conn == CONN_NONE) {
        return t == NULL ? OM_ERR_INVAL : not_open(t);
    }
    if (t->conn == CONN_TCP) {
        int r = om_sock_send(&t->sock, buf, len, timeout_ms);

        if (r != 0) {
            snprintf(t->err, sizeof(t->err), "%s", t->sock.err);
        }
        return r;
    }
    if (t->broken) {
        return t->broken_err;
    }
    begin(t, timeout_ms);
    while (len > 0) {
        int r = mbedtls_ssl_write(&t->ssl, p,
                                  len > (size_t)INT_MAX ? (size_t)INT_MAX
                                                        : len);

        if (r > 0) {
            p += r;
            len -= (size_t)r;
            continue;
        }
        if ((r == MBEDTLS_ERR_SSL_WANT_WRITE ||
             r == MBEDTLS_ERR_SSL_WANT_READ) && time_left(t) > 0) {
            continue;
        }
        return io_error(t, r, 0);
    }
    return 0;
}

int om_tls_recv(om_tls_t *t, void *buf, size_t cap, uint32_t timeout_ms)
{
    if (t == NULL || cap == 0) {
        return OM_ERR_INVAL;
    }
    if (t->conn == CONN_NONE) {
        return not_open(t);
    }
    if (t->conn == CONN_TCP) {
        int r = om_sock_recv(&t->sock, buf, cap, timeout_ms);

        if (r < 0) {
            snprintf(t->err, sizeof(t->err), "%s", t->sock.err);
        }
        return r;
    }
    if (t->broken) {
        return t->broken_err;
    }
    if (t->peer_closed) {
        return 0;
    }
    if (cap > (size_t)INT_MAX) {
        cap = (size_t)INT_MAX;
    }
    begin(t, timeout_ms);
    for (;;) {
        int r = mbedtls_ssl_read(&t->ssl, buf, cap);

        if (r > 0) {
            return r;
        }
        if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            t->peer_closed = 1;
            return 0;
        }
        /* 0 is the socket's EOF only if the bio saw one; else an empty
         * record. TLS 1.3 tickets are dropped inside Mbed TLS (session
         * tickets are off in our config). */
        if ((r == 0 && !t->saw_fin) || r == MBEDTLS_ERR_SSL_WANT_READ ||
            r == MBEDTLS_ERR_SSL_WANT_WRITE) {
            if (time_left(t) > 0) {
                continue;
            }
            set_msg(t, "receive timed out");
            return OM_ERR_TIMEOUT;
        }
        return io_error(t, r, 1);
    }
}

const char *om_tls_error(const om_tls_t *t)
{
    return t == NULL ? "" : t->err;
}

const char *om_tls_version(const om_tls_t *t)
{
    if (t == NULL || t->conn == CONN_NONE) {
        return "";
    }
    if (t->conn == CONN_TCP) {
        return "TCP";
    }
    return t->up ? mbedtls_ssl_get_version(&t->ssl) : "";
}

/* ----------------------------------------------------------- transport */

static int tr_open(void *ctx, const char *host, uint16_t port, int tls,
                   uint32_t timeout_ms)
{
    return om_tls_open(ctx, host, port, tls, timeout_ms);
}

static int tr_send(void *ctx, const void *buf, size_t len,
                   uint32_t timeout_ms)
{
    return om_tls_send(ctx, buf, len, timeout_ms);
}

static int tr_recv(void *ctx, void *buf, size_t cap, uint32_t timeout_ms)
{
    return om_tls_recv(ctx, buf, cap, timeout_ms);
}

static void tr_close(void *ctx)
{
    om_tls_close(ctx);
}

static const char *tr_error(void *ctx)
{
    return om_tls_error(ctx);
}

void om_tls_transport(om_tls_t *t, om_transport_t *tr)
{
    tr->ctx = t;
    tr->open = tr_open;
    tr->send = tr_send;
    tr->recv = tr_recv;
    tr->close = tr_close;
    tr->error = tr_error;
}
