/*
 * fuzz_image.c - libFuzzer harness for the table image loader.
 *
 * Whatever the bytes, loading returns an error and an empty table, or a
 * table that passes its own invariants and whose image loads back to the
 * same table (the writer's limit bytes may differ from the input's).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ormodels.h"

static om_table_t t, t2;
static unsigned char out[200000];
static size_t outn;

static int put(void *ctx, const void *p, size_t n)
{
    (void)ctx;
    if (outn + n > sizeof out)
        return OM_ERR_NOSPACE;
    memcpy(out + outn, p, n);
    outn += n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    size_t i;
    int e = om_image_load(&t, d, n);
    if (e) {
        if (t.count != 0)
            abort();
        return 0;
    }
    for (i = 0; i < t.count; i++) {
        const om_model_t *m = &t.models[i];
        if (strlen(om_model_id(&t, m)) != m->id_len ||
            om_table_find(&t, om_model_id(&t, m), m->id_len) != (int)i)
            abort();
    }
    outn = 0;
    if (om_image_write(&t, put, NULL) || outn != n ||
        om_image_load(&t2, out, outn) != 0 || t2.count != t.count ||
        t2.updated_at != t.updated_at || strcmp(t2.etag, t.etag) != 0 ||
        memcmp(t2.models, t.models, t.count * sizeof t.models[0]) != 0 ||
        memcmp(t2.pool, t.pool, t.pool_used) != 0)
        abort();
    return 0;
}
