/*
 * fuzz_extract.c - libFuzzer harness for the streaming extractor.
 *
 * The first byte picks a chunk size; the input is fed in chunks of that
 * size and then whole, and both runs must agree on the result and, when
 * they succeed, on the table image. src/om_json.c is also compiled here
 * a second time with the other scanner (OM_JSON_FAST the other way, as
 * tests/unit/test_json_paths.c does), and fed the same chunks: result,
 * error offset and message, statistics, links.next and table image must
 * be identical. Any crash, sanitizer report or disagreement is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ormodels.h"

#include "../unit/json_twin.h"

static om_table_t ta, tb;
static om_extractor_t x;
static unsigned char ia[200000], ib[200000];

typedef struct {
    unsigned char *p;
    size_t n;
} buf_t;

/* What a run gives a caller, besides the table. */
typedef struct {
    int err;
    uint64_t offset;
    char msg[160];
    char next[OM_URL_MAX + 1];
    om_extract_stats_t stats;
} outcome_t;

static outcome_t oa, ob;

static int put(void *ctx, const void *p, size_t n)
{
    buf_t *b = ctx;
    if (b->n + n > sizeof ia)
        return OM_ERR_NOSPACE;
    memcpy(b->p + b->n, p, n);
    b->n += n;
    return 0;
}

static int run(const variant_t *v, om_table_t *t, const uint8_t *d,
               size_t n, size_t chunk, outcome_t *o)
{
    size_t off = 0;
    int e = 0;
    const char *nx;
    v->init(&x, t, NULL, 0);
    while (off < n && !e) {
        size_t c = n - off < chunk ? n - off : chunk;
        e = v->feed(&x, d + off, c);
        off += c;
    }
    if (!e)
        e = v->finish(&x);
    if (x.err && x.err_offset > n)
        abort(); /* an error offset beyond the input */
    memset(o, 0, sizeof *o);
    o->err = e;
    o->offset = e ? x.err_offset : 0;
    v->error(&x, o->msg, sizeof o->msg);
    nx = v->next(&x);
    if (nx)
        memcpy(o->next, nx, strlen(nx) + 1);
    o->stats = x.stats;
    return e;
}

/* The two tables' images, equal, or abort. */
static size_t same_images(void)
{
    buf_t ba = {ia, 0}, bb = {ib, 0};
    if (om_image_write(&ta, put, &ba) || om_image_write(&tb, put, &bb) ||
        ba.n != bb.n || memcmp(ia, ib, ba.n) != 0)
        abort();
    return ba.n;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    size_t chunk, len;
    int a, b;
    if (n < 1)
        return 0;
    chunk = 1 + d[0] % 17;
    if (d[0] >= 0xF0) /* large chunks: the word-at-a-time instance runs */
        chunk = 128 + (size_t)(d[0] - 0xF0) * 97;

    /* the scanners agree, chunk for chunk */
    a = run(&lib, &ta, d + 1, n - 1, chunk, &oa);
    b = run(&other, &tb, d + 1, n - 1, chunk, &ob);
    if (a != b || oa.offset != ob.offset || strcmp(oa.msg, ob.msg) != 0 ||
        strcmp(oa.next, ob.next) != 0 ||
        memcmp(&oa.stats, &ob.stats, sizeof oa.stats) != 0)
        abort();
    if (a == 0)
        same_images();

    /* and the library agrees with itself, whole */
    b = run(&lib, &tb, d + 1, n - 1, n, &ob);
    if (a != b)
        abort();
    if (a == 0) {
        len = same_images();
        /* the image loads back */
        if (om_image_load(&tb, ia, len) != 0 || tb.count != ta.count)
            abort();
    }
    return 0;
}
