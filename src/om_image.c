/*
 * om_image.c - the table image: one binary format for flash and files.
 *
 * Layout, little-endian:
 *   0  "OMTB"           magic
 *   4  u16 version      OM_IMAGE_VERSION
 *   6  u16 header size  OM_IMAGE_HEADER
 *   8  u16 count        models
 *  10  u16 record size  OM_IMAGE_RECORD
 *  12  u8  id_max, u8 name_max (limits of the writer), u8 etag_len,
 *      u8 lastmod_len
 *  16  u32 pool_used    bytes of the pool that follow the records
 *  20  u32 payload      bytes between header and CRC
 *  24  i64 updated_at   unix seconds
 *  32  16 bytes reserved, zero
 *  48  records, pool, etag, last_modified
 *  end u32 CRC-32 of everything before it
 * Records: prompt u64, completion u64, context u32, created u32, str u32,
 * seq u16, id_len u8, name_len u8 (32 bytes; flags are not stored).
 * The pool is written compacted, so an image depends only on the table's
 * content and a loaded table needs no compaction.
 */
#include <string.h>

#include "ormodels.h"

/* Little-endian fields. On a CPU with unaligned little-endian access
 * (Cortex-M4, x86) le32 and rd32 become one store or load, yet GCC at -Os
 * would call them rather than copy them into each of their 20 uses: told
 * to inline them (and rd64), it makes this file some 100 bytes smaller. */
#if defined(__GNUC__)
#define FIELD static inline __attribute__((always_inline))
#else
#define FIELD static
#endif

static void le16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
FIELD void le32(uint8_t *p, uint32_t v)
{
    le16(p, v);
    le16(p + 2, v >> 16);
}
static void le64(uint8_t *p, uint64_t v)
{
    le32(p, (uint32_t)v);
    le32(p + 4, (uint32_t)(v >> 32));
}
static uint32_t rd16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
FIELD uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }
FIELD uint64_t rd64(const uint8_t *p)
{
    return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Bytes of a model's strings in the pool: id, NUL, name, NUL. */
static uint32_t strings(const om_model_t *m)
{
    return (uint32_t)m->id_len + m->name_len + 2u;
}

/* The table keeps its pool packed (om_table.c), so pool_used is the
 * strings' bytes the image holds, in record order here. */
size_t om_image_size(const om_table_t *t)
{
    return OM_IMAGE_HEADER + (size_t)t->count * OM_IMAGE_RECORD +
           t->pool_used + strlen(t->etag) + strlen(t->last_modified) + 4u;
}

/* A writer or a reader of the image's parts that keeps the running CRC
 * and the first error: once there is one, fn is not called again, so a
 * run of parts needs one check at its end. */
typedef struct {
    union {
        om_write_fn w;
        om_read_fn r;
    } fn;
    void *ctx;
    uint32_t crc;
    int err;
} stream_t;

static void put(stream_t *s, const void *p, size_t n)
{
    s->crc = om_crc32(s->crc, p, n);
    if (s->err == 0)
        s->err = s->fn.w(s->ctx, p, n);
}

int om_image_write(const om_table_t *t, om_write_fn w, void *ctx)
{
    uint8_t b[OM_IMAGE_HEADER]; /* the header, then each record, the CRC */
    size_t el = strlen(t->etag), ll = strlen(t->last_modified), i;
    uint32_t off = 0;
    stream_t s;

    s.fn.w = w;
    s.ctx = ctx;
    s.crc = 0;
    s.err = 0;
    memset(b, 0, sizeof b);
    memcpy(b, OM_IMAGE_MAGIC, 4);
    le16(b + 4, OM_IMAGE_VERSION);
    le16(b + 6, OM_IMAGE_HEADER);
    le16(b + 8, t->count);
    le16(b + 10, OM_IMAGE_RECORD);
    b[12] = OM_ID_MAX;
    b[13] = OM_NAME_MAX;
    b[14] = (uint8_t)el;
    b[15] = (uint8_t)ll;
    le32(b + 16, t->pool_used);
    le32(b + 20, (uint32_t)(om_image_size(t) - OM_IMAGE_HEADER - 4u));
    le64(b + 24, (uint64_t)t->updated_at);
    put(&s, b, OM_IMAGE_HEADER);
    for (i = 0; i < t->count; i++) {
        const om_model_t *m = &t->models[i];
        le64(b, m->prompt);
        le64(b + 8, m->completion);
        le32(b + 16, m->context_length);
        le32(b + 20, m->created);
        le32(b + 24, off); /* compacted: each region right after the last */
        le16(b + 28, m->seq);
        b[30] = m->id_len;
        b[31] = m->name_len;
        off += strings(m);
        put(&s, b, OM_IMAGE_RECORD);
    }
    for (i = 0; i < t->count; i++) {
        const om_model_t *m = &t->models[i];
        put(&s, &t->pool[m->str], strings(m));
    }
    put(&s, t->etag, el);
    put(&s, t->last_modified, ll);
    le32(b, s.crc);
    put(&s, b, 4);
    return s.err;
}

static void get(stream_t *s, void *p, size_t n)
{
    if (s->err == 0 && n)
        s->err = s->fn.r(s->ctx, p, n);
    if (s->err == 0)
        s->crc = om_crc32(s->crc, p, n);
}

/* True for a price with the reserved scale 31 that is neither of the two
 * reserved values: one in 31 << 59 .. OM_PRICE_VARIABLE - 1. */
static int bad_price(om_price_t p)
{
    return p - ((om_price_t)31 << 59) < OM_PRICE_VARIABLE - ((om_price_t)31 << 59);
}

int om_image_read(om_table_t *t, om_read_fn rd, void *ctx)
{
    uint8_t b[OM_IMAGE_HEADER]; /* the header, then each record, the CRC */
    uint32_t count, pool, crc, expect = 0;
    size_t el, ll, i;
    const char *id, *name, *prev = NULL;
    stream_t s;
    int e;

    s.fn.r = rd;
    s.ctx = ctx;
    s.crc = 0;
    s.err = 0;
    om_table_init(t);
    /* The magic alone first: anything else is "foreign", however short. */
    get(&s, b, 4);
    if ((e = s.err) != 0)
        goto fail;
    if (memcmp(b, OM_IMAGE_MAGIC, 4) != 0)
        goto foreign;
    get(&s, b + 4, OM_IMAGE_HEADER - 4);
    if ((e = s.err) != 0)
        goto fail;
    count = rd16(b + 8);
    el = b[14];
    ll = b[15];
    pool = rd32(b + 16);
    t->updated_at = (int64_t)rd64(b + 24);
    /* Another version, or a table bigger than this build's, is another
     * device's image. */
    if (rd32(b + 4) != (OM_IMAGE_VERSION | (uint32_t)OM_IMAGE_HEADER << 16) ||
        rd16(b + 10) != OM_IMAGE_RECORD || count > OM_TABLE_CAPACITY ||
        pool > OM_POOL_SIZE || el > OM_ETAG_MAX || ll > OM_LASTMOD_MAX)
        goto foreign;
    if (rd32(b + 20) != count * OM_IMAGE_RECORD + pool + el + ll)
        goto corrupt;
    for (i = 32; i < OM_IMAGE_HEADER; i++) /* reserved: zero in version 1 */
        if (b[i])
            goto corrupt;

    for (i = 0; i < count; i++) {
        om_model_t *m = &t->models[i];
        get(&s, b, OM_IMAGE_RECORD);
        if ((e = s.err) != 0)
            goto fail;
        m->prompt = rd64(b);
        m->completion = rd64(b + 8);
        m->context_length = rd32(b + 16);
        m->created = rd32(b + 20);
        m->str = (om_off_t)expect;
        m->seq = (uint16_t)rd16(b + 28);
        m->id_len = b[30];
        m->name_len = b[31];
        m->flags = 0; /* not stored; om_table_init leaves models alone */
        m->reserved = 0;
        /* An id is 1..OM_ID_MAX bytes, a name at most OM_NAME_MAX, and
         * prices are om_price_t values. Regions are contiguous, in record
         * order, as written: the pool then needs no compaction and no
         * region overlaps another. With the sum checked against pool
         * below, each lies inside it. */
        if (m->id_len == 0 || m->id_len > OM_ID_MAX ||
            m->name_len > OM_NAME_MAX || bad_price(m->prompt) ||
            bad_price(m->completion) || rd32(b + 24) != expect)
            goto corrupt;
        expect += strings(m);
    }
    get(&s, t->pool, pool);
    get(&s, t->etag, el);
    get(&s, t->last_modified, ll);
    crc = s.crc;
    get(&s, b, 4);
    if ((e = s.err) != 0)
        goto fail;
    t->etag[el] = '\0';
    t->last_modified[ll] = '\0';
    /* The CRC first: what follows checks images that a bug or a hostile
     * writer produced, not damage. A validator holds no NUL: its length
     * reaches the NUL just written. */
    if (rd32(b) != crc || expect != pool ||
        strlen(t->etag) != el || strlen(t->last_modified) != ll)
        goto corrupt;
    for (i = 0, id = t->pool; i < count; i++) {
        const om_model_t *m = &t->models[i];
        name = id + m->id_len + 1;
        /* The regions follow one another in record order (as checked
         * above). Each string ends at its length with the one NUL it
         * holds (with the region's last byte a NUL, neither strlen can
         * leave it); an id starts above ' ', as om_table_put requires.
         * Ids ascend strictly. */
        if (name[m->name_len] != '\0' || strlen(name) != m->name_len ||
            strlen(id) != m->id_len || (unsigned char)id[0] <= ' ')
            goto corrupt;
        /* Both ids are NUL-terminated strings by now: strcmp orders them
         * bytewise, as the table does, a prefix first. */
        if (prev && strcmp(prev, id) >= 0)
            goto corrupt;
        prev = id;
        id = name + m->name_len + 1; /* the next region */
    }
    t->count = (uint16_t)count;
    t->pool_used = pool;
    return OM_OK;

foreign:
    e = OM_ERR_FORMAT;
    goto fail;
corrupt:
    e = OM_ERR_CORRUPT;
fail:
    om_table_init(t);
    return e;
}

typedef struct {
    const uint8_t *p;
    size_t left;
} mem_src_t;

static int mem_read(void *ctx, void *buf, size_t n)
{
    mem_src_t *m = (mem_src_t *)ctx;
    if (n > m->left)
        return OM_ERR_TRUNCATED;
    memcpy(buf, m->p, n);
    m->p += n;
    m->left -= n;
    return OM_OK;
}

int om_image_load(om_table_t *t, const void *img, size_t len)
{
    mem_src_t m;
    int e;
    m.p = (const uint8_t *)img;
    m.left = len;
    e = om_image_read(t, mem_read, &m);
    if (e == OM_OK && m.left != 0) {
        om_table_init(t);
        return OM_ERR_CORRUPT;
    }
    return e;
}
