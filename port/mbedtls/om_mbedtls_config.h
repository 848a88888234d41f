/*
 * om_mbedtls_config.h - the Mbed TLS 3.6 configuration of ormodels.
 *
 * A full replacement for mbedtls_config.h, used with
 *     -DMBEDTLS_CONFIG_FILE='"om_mbedtls_config.h"'
 * It builds one thing: a TLS 1.3 + TLS 1.2 *client* that verifies a web PKI
 * chain, with every byte of Mbed TLS's heap taken from one static pool. The
 * same file serves Linux (x86-64) and Cortex-M: nothing below assumes an OS
 * beyond what Mbed TLS's platform layer maps (see "Time").
 *
 * What the application must do (Mbed TLS cannot do it with this config):
 *  - mbedtls_memory_buffer_alloc_init(pool, size) before any other call;
 *  - own the randomness: an mbedtls_entropy_context with its own source
 *    (mbedtls_entropy_add_source, MBEDTLS_ENTROPY_SOURCE_STRONG), a CTR_DRBG
 *    seeded from it, that DRBG given to mbedtls_ssl_conf_rng(), and
 *    mbedtls_psa_external_get_random() defined to draw from the same DRBG;
 *  - call psa_crypto_init() (TLS 1.3 runs its key schedule through PSA);
 *  - do the I/O (mbedtls_ssl_set_bio) and read the CA file itself.
 *
 * Compile-time knobs (define on the command line, default in brackets):
 *  OM_MBEDTLS_BOARD_TIME    [off] the board supplies the clock (see "Time")
 *  OM_MBEDTLS_MEMORY_STATS  [1]   pool high-water counters (MBEDTLS_MEMORY_DEBUG)
 *  OM_MBEDTLS_OUT_LEN       [2048] largest plaintext record we send
 * An integrator can still adjust anything with MBEDTLS_USER_CONFIG_FILE,
 * which Mbed TLS includes right after this file.
 *
 * Checked by Mbed TLS's own check_config.h on every compile.
 */
#ifndef OM_MBEDTLS_CONFIG_H
#define OM_MBEDTLS_CONFIG_H

/* ---------------------------------------------------------------- system
 * Inline assembly for bignum multiply (x86-64, Arm Thumb-2): RSA-4096
 * verification of a root is otherwise slow on a Cortex-M. No threads, no
 * sockets (our own transport feeds mbedtls_ssl_set_bio), no file I/O (we read
 * the CA bundle and call mbedtls_x509_crt_parse on the bytes). */
#define MBEDTLS_HAVE_ASM
/* MBEDTLS_THREADING_C, MBEDTLS_NET_C, MBEDTLS_FS_IO: deliberately off. */

/* ------------------------------------------------------------------ time
 * Certificate validity needs the wall clock (MBEDTLS_HAVE_TIME_DATE).
 * Linux (default): libc time(), gmtime_r() and clock_gettime() for
 * mbedtls_ms_time().
 * A board without a POSIX clock builds with -DOM_MBEDTLS_BOARD_TIME and then
 *  - calls mbedtls_platform_set_time(its_time) once its clock is set (RTC,
 *    SNTP, a server's Date). Until then either mbedtls_time() returns 0,
 *    so every certificate is "not yet valid" and verification fails
 *    (fail-safe, never skipped), or the board returns a floor it knows
 *    the time is past (its build time) and sets om_tls_t.time_floor, so
 *    that "not yet valid" is ignored while "expired" still fails
 *    (boards/qemu-mps2-an386 does this);
 *  - defines mbedtls_platform_gmtime_r() (UTC broken-down time);
 *  - defines mbedtls_ms_time() (monotonic ms) if anything links it; with
 *    session tickets off nothing in this configuration does. */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#if defined(OM_MBEDTLS_BOARD_TIME)
#define MBEDTLS_PLATFORM_TIME_ALT
#define MBEDTLS_PLATFORM_GMTIME_R_ALT
#define MBEDTLS_PLATFORM_MS_TIME_ALT
#endif

/* -------------------------------------------------------------- platform
 * All of Mbed TLS's allocations go through mbedtls_calloc/mbedtls_free,
 * which the buffer allocator points at a static array handed to
 * mbedtls_memory_buffer_alloc_init(). NO_STD_FUNCTIONS keeps the default
 * pointers off the C library's allocator: before init, mbedtls_calloc() returns
 * NULL instead of quietly using the libc heap, so the library objects have no
 * reference to the libc heap at all (checked by `make mbedtls-smoke`).
 * With NO_STD_FUNCTIONS every libc function the library still uses is named
 * here: snprintf (X.509 names, OIDs) and exit(), which the allocator calls
 * when it finds its own bookkeeping corrupted (a board may point
 * MBEDTLS_PLATFORM_EXIT_MACRO at its panic handler). */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_PLATFORM_STD_MEM_HDR       <stdlib.h>
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO    snprintf
#define MBEDTLS_PLATFORM_VSNPRINTF_MACRO   vsnprintf
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
/* Blocks aligned for 64-bit hosts too (the default 4 gives misaligned
 * structs on x86-64: undefined behaviour that UBSan reports). */
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE 8
/* mbedtls_memory_buffer_alloc_max_get()/cur_get() exist only with
 * MBEDTLS_MEMORY_DEBUG, the only way to read the pool's high-water mark; it
 * costs six counters. It is on unless a board builds with
 * -DOM_MBEDTLS_MEMORY_STATS=0. It also makes the allocator print its FATAL
 * messages with fprintf(stderr, ...), the only fprintf in this build: the
 * macro below drops them unevaluated (no stdio on a board), and the
 * allocator still calls exit() on a corrupted pool. */
#if !defined(OM_MBEDTLS_MEMORY_STATS) || OM_MBEDTLS_MEMORY_STATS
#define MBEDTLS_MEMORY_DEBUG
#endif
#define MBEDTLS_PLATFORM_FPRINTF_MACRO(...) ((void) 0)

/* ----------------------------------------------------------- randomness
 * No platform entropy: there is no /dev/urandom on a microcontroller, and
 * getrandom() would be an OS assumption. The application adds its own strong
 * source to an entropy context (hardware TRNG on a board, /dev/urandom in the
 * Linux port) and seeds a CTR_DRBG (AES is here anyway) from it.
 * PSA (needed by TLS 1.3) normally builds its own entropy context, which
 * would have no source here and make psa_crypto_init() fail; with
 * PSA_CRYPTO_EXTERNAL_RNG it calls mbedtls_psa_external_get_random() instead,
 * which the application implements over the same CTR_DRBG. One entropy
 * source, one DRBG, one reseed policy. (Mbed TLS marks this option
 * "experimental"; it is present throughout the 3.6 LTS branch.)
 * The entropy pool hashes with SHA-512 (on for certificates anyway). */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_ENTROPY_MAX_SOURCES 2
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG

/* ------------------------------------------------------------------ PSA
 * TLS 1.3 in 3.6 needs the PSA core (HKDF key schedule, ephemeral ECDH).
 * MBEDTLS_PSA_CRYPTO_CONFIG stays off, so PSA_WANT_* follow the legacy
 * *_C options below. MBEDTLS_USE_PSA_CRYPTO stays off too: TLS 1.2, X.509
 * and PK keep the legacy code paths (Mbed TLS's default build).
 * Key slots: a fixed table (no growth from the pool) of 8 volatile keys; one
 * client handshake holds one or two at a time. No key storage, no secure
 * element. */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_PSA_KEY_SLOT_COUNT 8
/* MBEDTLS_PSA_KEY_STORE_DYNAMIC, MBEDTLS_PSA_CRYPTO_STORAGE_C,
 * MBEDTLS_PSA_ITS_FILE_C: off. */

/* ---------------------------------------------------------------- bignum
 * RSA and ECC arithmetic. MPI_MAX_SIZE 512 bytes covers RSA-4096, the
 * largest key in today's web PKI roots (ISRG Root X1, GTS Root R1, DigiCert
 * and GlobalSign RSA roots). Windows of 2 keep the transient tables small;
 * we only verify (public exponent 65537), so a wider window buys little. */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_MPI_MAX_SIZE    512
#define MBEDTLS_MPI_WINDOW_SIZE 2

/* ------------------------------------------------------------------ RSA
 * RSA signature verification: PKCS#1 v1.5 for certificate signatures and
 * TLS 1.2, v2.1 (PSS) because TLS 1.3 servers with RSA keys sign their
 * CertificateVerify with rsa_pss_rsae_*. No key generation. */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21

/* ------------------------------------------------------------------ ECC
 * P-256 and P-384 (ECDSA roots and chains: ISRG Root X2, GTS Root R4,
 * DigiCert G3; ECDHE), X25519 (the ECDHE group most servers pick first).
 * Window 2 and no fixed-point tables: a few hundred bytes of heap per
 * operation instead of several KiB, at some speed cost. NIST fast reduction
 * is cheap in ROM and large in speed. No restartable ECC, no P-521. */
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#if defined(__x86_64__)
/* The Linux tool: precomputed tables (flash, not pool RAM) for speed. */
#define MBEDTLS_ECP_WINDOW_SIZE       2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 1
#else
#define MBEDTLS_ECP_WINDOW_SIZE       2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#endif
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C

/* --------------------------------------------------------------- hashes
 * SHA-256 and SHA-384/512 for certificate signatures, the TLS transcript
 * and HKDF. SHA-1 only so that old roots still in the bundle (self-signed
 * with sha1WithRSA, e.g. DigiCert Global Root CA, GlobalSign Root CA) parse:
 * a root's own signature is never checked, and the default X.509 profile
 * still rejects SHA-1 anywhere in a chain. The _SMALLER variants trade a
 * little speed for several KiB of ROM. */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_SHA512_SMALLER
#define MBEDTLS_HKDF_C

/* -------------------------------------------------------------- ciphers
 * AES-128/256-GCM and ChaCha20-Poly1305, nothing else (no CBC, no CCM).
 * AES tables live in ROM, and the "fewer tables" variant keeps them to 2 KiB.
 * ChaCha20 is the faster and constant-time choice on cores without AES
 * hardware. On an x86-64 host (the Linux tool) AES-NI is used when the CPU
 * has it (checked at run time): software AES decrypts the 1 MB body at
 * about 100 MB/s, most of a fetch's time. */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#if defined(__x86_64__) && !defined(OM_MBEDTLS_NO_AESNI)
#define MBEDTLS_AESNI_C
#endif
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C

/* ----------------------------------------------------------------- X.509
 * Certificate parsing and chain verification from PEM or DER bytes. No CRL,
 * CSR or certificate writing. RSASSA_PSS_SUPPORT looks optional (the web PKI
 * signs certificates with PKCS#1 v1.5) but is not: Mbed TLS 3.6 offers the
 * rsa_pss_rsae_* signature algorithms only with it, and without them every
 * TLS 1.3 server with an RSA key aborts the handshake (seen on loopback
 * against OpenSSL). REMOVE_INFO drops the human-readable dump functions
 * (mbedtls_x509_crt_info/verify_info, several KiB of strings); callers
 * print the verify flags as a number. */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
#define MBEDTLS_X509_REMOVE_INFO

/* ------------------------------------------------------------------ TLS
 * Client only, TLS 1.3 and TLS 1.2, ECDHE with an RSA or ECDSA certificate.
 * TLS 1.3: ephemeral (EC)DHE mode only (no PSK, no early data, no tickets:
 * the client does one short connection at a time and ignores any
 * NewSessionTicket). Middlebox compatibility mode, because some networks
 * drop TLS 1.3 handshakes that do not look like TLS 1.2 resumption.
 * TLS 1.2: extended master secret, no renegotiation.
 * SNI is required by every CDN; ALPN lets us ask for http/1.1 explicitly;
 * max fragment length lets a cooperating server send small records. */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES
/* TLS 1.3 in 3.6 refuses to build without it (check_config.h): the peer's
 * parsed chain stays in the session, on the pool, until the connection is
 * freed. Size the pool for it. */
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE

/* Our suites, strongest-cheapest first: the server picks, this only bounds
 * what we offer (and what the ciphersuite table compiles in). */
#define MBEDTLS_SSL_CIPHERSUITES                             \
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256,                       \
    MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,                 \
    MBEDTLS_TLS1_3_AES_256_GCM_SHA384,                       \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,         \
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,           \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,   \
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,     \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,         \
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

/* Record buffers, each allocated from the pool per connection. IN must be
 * the full 16 KiB: most servers ignore max fragment length and send
 * full-size records. OUT only carries our ClientHello and an HTTP GET;
 * a longer write is split by mbedtls_ssl_write(). */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#if defined(OM_MBEDTLS_OUT_LEN)
#define MBEDTLS_SSL_OUT_CONTENT_LEN OM_MBEDTLS_OUT_LEN
#else
#define MBEDTLS_SSL_OUT_CONTENT_LEN 2048
#endif

/* --------------------------------------------------------------- errors
 * No mbedtls_strerror() text table (tens of KiB of strings); the dummy
 * keeps the function callable, and we log the -0x code. */
#define MBEDTLS_ERROR_STRERROR_DUMMY

#endif /* OM_MBEDTLS_CONFIG_H */
