/*
 * fuzz_http.c - libFuzzer harness for the HTTP/1.1 response parser.
 *
 * Feeds the input in chunks whose size the first byte picks, and whole;
 * both must end in the same state, with the same body bytes delivered.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "om_http.h"

static om_http_resp_t ra, rb;
static uint32_t sum_a, sum_b;

static int body_a(void *ctx, const uint8_t *p, size_t n)
{
    (void)ctx;
    while (n--)
        sum_a = sum_a * 31u + *p++;
    return 0;
}
static int body_b(void *ctx, const uint8_t *p, size_t n)
{
    (void)ctx;
    while (n--)
        sum_b = sum_b * 31u + *p++;
    return 0;
}

static int run(om_http_resp_t *r, om_http_body_fn fn, const uint8_t *d,
               size_t n, size_t chunk, uint64_t cap)
{
    size_t off = 0;
    int e = 0;
    om_http_resp_init(r, fn, NULL);
    r->body_max = cap;
    while (off < n && !e) {
        size_t c = n - off < chunk ? n - off : chunk;
        e = om_http_resp_feed(r, d + off, c);
        off += c;
    }
    if (!e)
        e = om_http_resp_finish(r);
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    int a, b;
    uint64_t cap;
    if (n < 2)
        return 0;
    cap = d[1] & 1 ? 0 : (uint64_t)d[1] * 4;
    sum_a = sum_b = 0;
    a = run(&ra, body_a, d + 2, n - 2, 1 + d[0] % 13, cap);
    b = run(&rb, body_b, d + 2, n - 2, n, cap);
    if (a != b || sum_a != sum_b || ra.status != rb.status ||
        ra.body_len != rb.body_len)
        abort();
    return 0;
}
