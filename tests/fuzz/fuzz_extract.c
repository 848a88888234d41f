/*
 * fuzz_extract.c - libFuzzer harness for the streaming extractor.
 *
 * The first byte picks a chunk size; the input is fed in chunks of that
 * size and then whole, and both runs must agree on the result and, when
 * they succeed, on the table image. Any crash, sanitizer report or
 * disagreement is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ormodels.h"

static om_table_t ta, tb;
static om_extractor_t x;
static unsigned char ia[200000], ib[200000];

typedef struct {
    unsigned char *p;
    size_t n;
} buf_t;

static int put(void *ctx, const void *p, size_t n)
{
    buf_t *b = ctx;
    if (b->n + n > sizeof ia)
        return OM_ERR_NOSPACE;
    memcpy(b->p + b->n, p, n);
    b->n += n;
    return 0;
}

static int run(om_table_t *t, const uint8_t *d, size_t n, size_t chunk)
{
    size_t off = 0;
    int e = 0;
    om_extract_init(&x, t, NULL, 0);
    while (off < n && !e) {
        size_t c = n - off < chunk ? n - off : chunk;
        e = om_extract_feed(&x, d + off, c);
        off += c;
    }
    if (!e)
        e = om_extract_finish(&x);
    if (x.err && x.err_offset > n)
        abort(); /* an error offset beyond the input */
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    size_t chunk;
    int a, b;
    if (n < 1)
        return 0;
    chunk = 1 + d[0] % 17;
    a = run(&ta, d + 1, n - 1, chunk);
    b = run(&tb, d + 1, n - 1, n);
    if (a != b)
        abort();
    if (a == 0) {
        buf_t ba = {ia, 0}, bb = {ib, 0};
        if (om_image_write(&ta, put, &ba) || om_image_write(&tb, put, &bb) ||
            ba.n != bb.n || memcmp(ia, ib, ba.n) != 0)
            abort();
        /* the image loads back */
        if (om_image_load(&tb, ia, ba.n) != 0 || tb.count != ta.count)
            abort();
    }
    return 0;
}
