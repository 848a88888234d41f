/*
 * bench_fetch.c - one om_fetch through om_tls, measured from the inside:
 * what `ormodels fetch` cannot print (the driver is tests/bench_fetch.py).
 *
 *   bench_fetch --url URL --cacert FILE [--timeout MS]
 *
 * Trusts only FILE (not the system bundle), fetches the catalogue into a
 * static table with the same core and port objects as the CLI, and prints
 * key=value lines: the models kept, the wall time of om_tls_init and of
 * om_fetch, the TLS pool (size, CA chain, high-water), the static RAM of
 * the fetch state, and the deepest stack of each phase measured by stack
 * painting (see paint()). Exit 0 when the fetch succeeded, 1 otherwise.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "om_fetch.h"
#include "om_linux.h"
#include "om_tls.h"

#define CA_MAX (64u * 1024u)
#define PAINT_SIZE (512u * 1024u)
#define PAINT_BYTE 0xA5u

static unsigned char ca_buf[CA_MAX];
static om_tls_t tls;
static om_fetcher_t fetcher;
static om_table_t table;   /* where the new catalogue goes */
static om_table_t current; /* the CLI's second table: the saved one */

static uintptr_t paint_lo, paint_hi;

/*
 * Fills the PAINT_SIZE bytes just below the caller's frame with a pattern:
 * a local array that large makes the kernel map those pages, and once this
 * returns they are free stack for whatever main calls next. Never inlined,
 * so the array is not in main's frame.
 */
static __attribute__((noinline)) void paint(void)
{
    volatile unsigned char area[PAINT_SIZE];
    size_t i;
    for (i = 0; i < PAINT_SIZE; i++)
        area[i] = PAINT_BYTE;
    paint_lo = (uintptr_t)&area[0];
    paint_hi = (uintptr_t)&area[PAINT_SIZE];
}

/* Bytes of stack used below paint_hi since paint(): from the lowest byte
 * no longer holding the pattern. PAINT_SIZE means it overflowed the
 * painted area. Reads only, below its own frame. */
static __attribute__((noinline)) size_t painted_depth(void)
{
    const volatile unsigned char *p = (const volatile unsigned char *)paint_lo;
    size_t i;
    for (i = 0; i < PAINT_SIZE && p[i] == PAINT_BYTE; i++)
        ;
    return PAINT_SIZE - i;
}

static uint32_t clock_ms(void *ctx)
{
    (void)ctx;
    return om_sock_now_ms();
}
static int64_t clock_unix(void *ctx)
{
    (void)ctx;
    return om_linux_now();
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *url = NULL, *cacert = NULL;
    uint32_t timeout = 30000;
    om_transport_t tr;
    om_clock_t clk = {NULL, clock_ms, clock_unix};
    om_fetch_cfg_t cfg;
    om_fetch_result_t res;
    size_t ca_len = 0, init_stack, fetch_stack, hw_init, hw_fetch;
    double t0, t_init, t_fetch;
    int i, e;

    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--url"))
            url = argv[i + 1];
        else if (!strcmp(argv[i], "--cacert"))
            cacert = argv[i + 1];
        else if (!strcmp(argv[i], "--timeout"))
            timeout = (uint32_t)strtoul(argv[i + 1], NULL, 10);
        else
            break;
    }
    if (i != argc || !url || !cacert) {
        fprintf(stderr, "usage: bench_fetch --url URL --cacert FILE "
                        "[--timeout MS]\n");
        return 2;
    }
    e = om_tls_load_ca_file(cacert, ca_buf, sizeof ca_buf, &ca_len);
    if (e) {
        fprintf(stderr, "bench_fetch: %s: %s\n", cacert, om_strerror(e));
        return 1;
    }

    /* Phase 1: the pool, PSA, the DRBG and the CA chain (the CLI does this
     * inside its first open()). */
    paint();
    t0 = now_s();
    e = om_tls_init(&tls, ca_buf, ca_len);
    t_init = now_s() - t0;
    init_stack = painted_depth();
    if (e) {
        fprintf(stderr, "bench_fetch: om_tls_init: %s\n", om_tls_error(&tls));
        return 1;
    }
    hw_init = om_tls_pool_high_water();
    om_tls_transport(&tls, &tr);

    /* Phase 2: the fetch: connect, handshake, request, the whole body
     * through the HTTP parser and the extractor into the table. */
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url;
    cfg.connect_timeout_ms = timeout;
    cfg.read_timeout_ms = timeout;
    om_table_init(&current);
    paint();
    t0 = now_s();
    e = om_fetch(&fetcher, &cfg, &tr, &clk, &current, &table, &res);
    t_fetch = now_s() - t0;
    fetch_stack = painted_depth();
    hw_fetch = om_tls_pool_high_water();
    if (e) {
        fprintf(stderr, "bench_fetch: om_fetch: %s\n", res.msg);
        return 1;
    }

    printf("models=%u\n", (unsigned)table.count);
    printf("body_bytes=%llu\n", (unsigned long long)res.body_bytes);
    printf("init_ms=%.3f\n", t_init * 1e3);
    printf("fetch_ms=%.3f\n", t_fetch * 1e3);
    printf("pool_size=%lu\n", (unsigned long)om_tls_pool_size());
    printf("pool_default=%lu\n", (unsigned long)65536);
    printf("pool_ca=%lu\n", (unsigned long)tls.pool_idle);
    printf("pool_hw_init=%lu\n", (unsigned long)hw_init);
    printf("pool_hw=%lu\n", (unsigned long)hw_fetch);
    printf("pool_in_use_after=%lu\n", (unsigned long)om_tls_pool_in_use());
    printf("sizeof_fetcher=%lu\n", (unsigned long)sizeof(om_fetcher_t));
    printf("sizeof_table=%lu\n", (unsigned long)sizeof(om_table_t));
    printf("sizeof_tls=%lu\n", (unsigned long)sizeof(om_tls_t));
    printf("sizeof_result=%lu\n", (unsigned long)sizeof(om_fetch_result_t));
    printf("stack_init=%lu\n", (unsigned long)init_stack);
    printf("stack_fetch=%lu\n", (unsigned long)fetch_stack);
    printf("stack_painted=%lu\n", (unsigned long)PAINT_SIZE);
    om_tls_free(&tls);
    return 0;
}
