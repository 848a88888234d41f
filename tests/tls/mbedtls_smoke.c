/*
 * mbedtls_smoke.c - smoke check of our Mbed TLS build (Linux only).
 *
 * Sets Mbed TLS up the way the client will: every allocation from one
 * static pool, randomness from our own entropy source through one CTR_DRBG
 * that also feeds PSA (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG). Then it parses CA
 * certificates from PEM files, checks each parsed one against the wall
 * clock, draws PSA keys on the curves the TLS handshake uses, frees
 * everything and reports the pool's high-water mark.
 *
 * Usage: mbedtls_smoke [--strict] PEM_FILE...
 *   --strict  fail if any certificate does not parse (else only report it)
 * Exit status 0 on success, 1 on any failure, 2 on bad usage.
 * The pool size is -DOM_SMOKE_POOL_SIZE (default 48 KiB).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/x509_crt.h"
#include "psa/crypto.h"

#ifndef OM_SMOKE_POOL_SIZE
#define OM_SMOKE_POOL_SIZE (48u * 1024u)
#endif
#define SMOKE_FILE_MAX (512u * 1024u)
#define SMOKE_FAIL_SHOWN 16

#if !defined(MBEDTLS_MEMORY_DEBUG)
#error "mbedtls_smoke reports the pool high-water: needs MBEDTLS_MEMORY_DEBUG"
#endif

static unsigned char pool[OM_SMOKE_POOL_SIZE];
static unsigned char file_buf[SMOKE_FILE_MAX + 1];

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static int drbg_ready;

/* Our entropy source: /dev/urandom stands in for a board's TRNG. */
static int urandom_source(void *ctx, unsigned char *out, size_t len,
                          size_t *olen)
{
    FILE *f = ctx;

    *olen = fread(out, 1, len, f);
    return *olen == len ? 0 : MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
}

/* PSA's randomness (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG): the same DRBG that
 * mbedtls_ssl_conf_rng() gets. CTR_DRBG serves at most
 * MBEDTLS_CTR_DRBG_MAX_REQUEST bytes per call. */
psa_status_t mbedtls_psa_external_get_random(
    mbedtls_psa_external_random_context_t *context,
    uint8_t *output, size_t output_size, size_t *output_length)
{
    size_t done = 0;

    (void) context;
    *output_length = 0;
    if (!drbg_ready) {
        return PSA_ERROR_INSUFFICIENT_ENTROPY;
    }
    while (done < output_size) {
        size_t n = output_size - done;
        if (n > MBEDTLS_CTR_DRBG_MAX_REQUEST) {
            n = MBEDTLS_CTR_DRBG_MAX_REQUEST;
        }
        if (mbedtls_ctr_drbg_random(&drbg, output + done, n) != 0) {
            return PSA_ERROR_INSUFFICIENT_ENTROPY;
        }
        done += n;
    }
    *output_length = output_size;
    return PSA_SUCCESS;
}

static void pool_report(const char *when)
{
    size_t max_used, max_blocks, cur_used, cur_blocks;

    mbedtls_memory_buffer_alloc_max_get(&max_used, &max_blocks);
    mbedtls_memory_buffer_alloc_cur_get(&cur_used, &cur_blocks);
    /* Each block also carries the allocator's 8-word header. */
    printf("  pool %-22s high-water %7zu B in %4zu blocks "
           "(+%6zu B headers), now %7zu B in %4zu blocks\n",
           when, max_used, max_blocks, max_blocks * 8 * sizeof(size_t),
           cur_used, cur_blocks);
}

static long read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL) {
        return -1;
    }
    n = fread(file_buf, 1, SMOKE_FILE_MAX + 1, f);
    fclose(f);
    if (n > SMOKE_FILE_MAX) {
        return -1;
    }
    file_buf[n] = '\0';
    return (long) n;
}

struct tally {
    int parsed;
    int failed;
    int out_of_memory;
};

/* Parses each PEM certificate of buf on its own, so that one unsupported
 * certificate is reported by its index instead of failing the file. */
static void parse_pem_file(mbedtls_x509_crt *chain, const char *path,
                           size_t len, struct tally *t)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    char *p = (char *) file_buf;
    char *stop = (char *) file_buf + len;
    int index = 0;

    while ((p = strstr(p, begin)) != NULL && p < stop) {
        char *e = strstr(p, end);
        char saved;
        int ret;

        if (e == NULL) {
            break;
        }
        e += sizeof(end) - 1;
        /* mbedtls_x509_crt_parse wants PEM NUL-terminated, NUL counted. */
        saved = *e;
        *e = '\0';
        ret = mbedtls_x509_crt_parse(chain, (const unsigned char *) p,
                                     (size_t) (e - p) + 1);
        *e = saved;
        if (ret == 0) {
            t->parsed++;
        } else {
            t->failed++;
            if (ret == MBEDTLS_ERR_X509_ALLOC_FAILED ||
                ret == MBEDTLS_ERR_PK_ALLOC_FAILED ||
                ret == MBEDTLS_ERR_MPI_ALLOC_FAILED ||
                ret == MBEDTLS_ERR_ECP_ALLOC_FAILED) {
                t->out_of_memory++;
            }
            if (t->failed <= SMOKE_FAIL_SHOWN) {
                printf("  %s: certificate #%d not parsed: -0x%04x\n", path,
                       index, (unsigned) -ret);
            }
        }
        index++;
        p = e;
    }
}

/* Each parsed CA checked against the wall clock: exercises
 * MBEDTLS_HAVE_TIME_DATE (mbedtls_time + gmtime) on real certificates. */
static int count_expired(const mbedtls_x509_crt *chain, int show)
{
    const mbedtls_x509_crt *c;
    int bad = 0, i = 0;

    for (c = chain; c != NULL && c->version != 0; c = c->next, i++) {
        if (mbedtls_x509_time_is_past(&c->valid_to) ||
            mbedtls_x509_time_is_future(&c->valid_from)) {
            bad++;
            if (show) {
                printf("  CA #%d is outside its validity period\n", i);
            }
        }
    }
    return bad;
}

/* Ephemeral key pairs on the ECDHE groups, drawn through PSA and so
 * through mbedtls_psa_external_get_random. */
static int check_psa_keys(void)
{
    static const psa_ecc_family_t families[] = {
        PSA_ECC_FAMILY_MONTGOMERY, PSA_ECC_FAMILY_SECP_R1, PSA_ECC_FAMILY_SECP_R1
    };
    static const size_t bits[] = { 255, 256, 384 };
    uint8_t pub[PSA_EXPORT_PUBLIC_KEY_MAX_SIZE];
    uint8_t rnd[32];
    size_t i;

    if (psa_generate_random(rnd, sizeof(rnd)) != PSA_SUCCESS) {
        printf("  psa_generate_random failed\n");
        return -1;
    }
    for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
        psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
        mbedtls_svc_key_id_t key;
        psa_status_t st;
        size_t n = 0;

        psa_set_key_type(&attr, PSA_KEY_TYPE_ECC_KEY_PAIR(families[i]));
        psa_set_key_bits(&attr, bits[i]);
        psa_set_key_usage_flags(&attr, PSA_KEY_USAGE_DERIVE);
        psa_set_key_algorithm(&attr, PSA_ALG_ECDH);
        st = psa_generate_key(&attr, &key);
        if (st == PSA_SUCCESS) {
            st = psa_export_public_key(key, pub, sizeof(pub), &n);
            psa_destroy_key(key);
        }
        if (st != PSA_SUCCESS) {
            printf("  PSA ECDH key (%zu bits) failed: %d\n", bits[i], (int) st);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const char pers[] = "ormodels mbedtls_smoke";
    struct tally t = { 0, 0, 0 };
    mbedtls_x509_crt chain;
    FILE *urandom;
    int strict = 0, first = 1, failures = 0, invalid, i;
    size_t cur_used, cur_blocks;

    if (argc > 1 && strcmp(argv[1], "--strict") == 0) {
        strict = 1;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [--strict] PEM_FILE...\n", argv[0]);
        return 2;
    }

    mbedtls_memory_buffer_alloc_init(pool, sizeof(pool));
    printf("mbedtls_smoke: pool %zu B, %d file(s)%s\n", sizeof(pool),
           argc - first, strict ? ", strict" : "");

    urandom = fopen("/dev/urandom", "rb");
    if (urandom == NULL) {
        perror("/dev/urandom");
        return 1;
    }
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if (mbedtls_entropy_add_source(&entropy, urandom_source, urandom, 32,
                                   MBEDTLS_ENTROPY_SOURCE_STRONG) != 0 ||
        mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                              (const unsigned char *) pers,
                              sizeof(pers) - 1) != 0) {
        printf("  DRBG seeding failed\n");
        return 1;
    }
    drbg_ready = 1;
    if (psa_crypto_init() != PSA_SUCCESS) {
        printf("  psa_crypto_init failed\n");
        return 1;
    }
    pool_report("after init");

    if (check_psa_keys() != 0) {
        failures++;
    }
    pool_report("after PSA keys");

    mbedtls_x509_crt_init(&chain);
    for (i = first; i < argc; i++) {
        long n = read_file(argv[i]);
        if (n < 0) {
            printf("  %s: cannot read (or over %u bytes)\n", argv[i],
                   SMOKE_FILE_MAX);
            failures++;
            continue;
        }
        parse_pem_file(&chain, argv[i], (size_t) n, &t);
    }
    printf("  certificates: %d parsed, %d not parsed (%d out of pool)\n",
           t.parsed, t.failed, t.out_of_memory);
    pool_report("after parsing");
    if (t.parsed == 0 || t.out_of_memory > 0 || (strict && t.failed > 0)) {
        failures++;
    }

    invalid = count_expired(&chain, strict);
    printf("  validity: %d of %d CAs are within their validity period\n",
           t.parsed - invalid, t.parsed);
    if (strict && invalid > 0) {
        failures++;
    }

    mbedtls_x509_crt_free(&chain);
    mbedtls_psa_crypto_free();
    drbg_ready = 0;
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    fclose(urandom);

    mbedtls_memory_buffer_alloc_cur_get(&cur_used, &cur_blocks);
    if (cur_used != 0 || cur_blocks != 0) {
        printf("  leak: %zu B in %zu blocks still allocated\n", cur_used,
               cur_blocks);
        failures++;
    }
    if (mbedtls_memory_buffer_alloc_verify() != 0) {
        printf("  pool bookkeeping corrupted\n");
        failures++;
    }
    mbedtls_memory_buffer_alloc_free();
    printf("mbedtls_smoke: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
