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

static void le16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void le32(uint8_t *p, uint32_t v)
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
static uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p)
{
    return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static size_t live_pool(const om_table_t *t)
{
    size_t i, n = 0;
    for (i = 0; i < t->count; i++)
        n += (size_t)t->models[i].id_len + t->models[i].name_len + 2u;
    return n;
}

size_t om_image_size(const om_table_t *t)
{
    return OM_IMAGE_HEADER + (size_t)t->count * OM_IMAGE_RECORD +
           live_pool(t) + strlen(t->etag) + strlen(t->last_modified) + 4u;
}

/* A writer that keeps the running CRC. */
typedef struct {
    om_write_fn w;
    void *ctx;
    uint32_t crc;
} sink_t;

static int put(sink_t *s, const void *p, size_t n)
{
    s->crc = om_crc32(s->crc, p, n);
    return s->w(s->ctx, p, n);
}

int om_image_write(const om_table_t *t, om_write_fn w, void *ctx)
{
    uint8_t h[OM_IMAGE_HEADER], r[OM_IMAGE_RECORD];
    size_t el = strlen(t->etag), ll = strlen(t->last_modified), i;
    size_t pool = live_pool(t);
    uint32_t off = 0;
    sink_t s;
    int e;

    s.w = w;
    s.ctx = ctx;
    s.crc = 0;
    memset(h, 0, sizeof h);
    memcpy(h, OM_IMAGE_MAGIC, 4);
    le16(h + 4, OM_IMAGE_VERSION);
    le16(h + 6, OM_IMAGE_HEADER);
    le16(h + 8, t->count);
    le16(h + 10, OM_IMAGE_RECORD);
    h[12] = OM_ID_MAX;
    h[13] = OM_NAME_MAX;
    h[14] = (uint8_t)el;
    h[15] = (uint8_t)ll;
    le32(h + 16, (uint32_t)pool);
    le32(h + 20, (uint32_t)((size_t)t->count * OM_IMAGE_RECORD + pool + el + ll));
    le64(h + 24, (uint64_t)t->updated_at);
    if ((e = put(&s, h, sizeof h)) != 0)
        return e;
    for (i = 0; i < t->count; i++) {
        const om_model_t *m = &t->models[i];
        le64(r, m->prompt);
        le64(r + 8, m->completion);
        le32(r + 16, m->context_length);
        le32(r + 20, m->created);
        le32(r + 24, off);
        le16(r + 28, m->seq);
        r[30] = m->id_len;
        r[31] = m->name_len;
        off += (uint32_t)m->id_len + m->name_len + 2u;
        if ((e = put(&s, r, sizeof r)) != 0)
            return e;
    }
    for (i = 0; i < t->count; i++) {
        const om_model_t *m = &t->models[i];
        if ((e = put(&s, &t->pool[m->str],
                     (size_t)m->id_len + m->name_len + 2u)) != 0)
            return e;
    }
    if ((e = put(&s, t->etag, el)) != 0 ||
        (e = put(&s, t->last_modified, ll)) != 0)
        return e;
    le32(r, s.crc);
    return w(ctx, r, 4);
}

/* A reader that keeps the running CRC. */
typedef struct {
    om_read_fn r;
    void *ctx;
    uint32_t crc;
} source_t;

static int get(source_t *s, void *p, size_t n)
{
    int e = n ? s->r(s->ctx, p, n) : 0;
    if (e == 0)
        s->crc = om_crc32(s->crc, p, n);
    return e;
}

static int fail_empty(om_table_t *t, int err)
{
    om_table_init(t);
    return err;
}

/* Checks one record against the pool it indexes and the one before it. */
static int record_ok(const om_table_t *t, size_t i, uint32_t pool)
{
    const om_model_t *m = &t->models[i];
    size_t end = (size_t)m->str + m->id_len + m->name_len + 2u;
    const char *id = &t->pool[m->str];

    if (m->id_len == 0 || m->id_len > OM_ID_MAX || m->name_len > OM_NAME_MAX ||
        end > pool || id[m->id_len] != '\0' ||
        id[m->id_len + 1u + m->name_len] != '\0' ||
        memchr(id, '\0', m->id_len) != NULL ||
        memchr(id + m->id_len + 1, '\0', m->name_len) != NULL ||
        (unsigned char)id[0] <= ' ')
        return 0;
    if ((m->prompt >> 59) == 31 && m->prompt < OM_PRICE_VARIABLE)
        return 0;
    if ((m->completion >> 59) == 31 && m->completion < OM_PRICE_VARIABLE)
        return 0;
    if (i > 0) { /* strictly ascending ids */
        const om_model_t *p = &t->models[i - 1];
        size_t n = p->id_len < m->id_len ? p->id_len : m->id_len;
        int c = memcmp(&t->pool[p->str], id, n);
        if (c > 0 || (c == 0 && p->id_len >= m->id_len))
            return 0;
    }
    return 1;
}

int om_image_read(om_table_t *t, om_read_fn rd, void *ctx)
{
    uint8_t h[OM_IMAGE_HEADER], r[OM_IMAGE_RECORD];
    uint32_t count, pool, payload, crc, expect = 0;
    size_t el, ll, i;
    source_t s;
    int e;

    s.r = rd;
    s.ctx = ctx;
    s.crc = 0;
    om_table_init(t);
    if ((e = get(&s, h, 4)) != 0)
        return fail_empty(t, e);
    if (memcmp(h, OM_IMAGE_MAGIC, 4) != 0)
        return fail_empty(t, OM_ERR_FORMAT);
    if ((e = get(&s, h + 4, sizeof h - 4)) != 0)
        return fail_empty(t, e);
    if (rd16(h + 4) != OM_IMAGE_VERSION || rd16(h + 6) != OM_IMAGE_HEADER ||
        rd16(h + 10) != OM_IMAGE_RECORD)
        return fail_empty(t, OM_ERR_FORMAT);
    for (i = 32; i < OM_IMAGE_HEADER; i++) /* reserved: zero in version 1 */
        if (h[i])
            return fail_empty(t, OM_ERR_CORRUPT);
    count = rd16(h + 8);
    el = h[14];
    ll = h[15];
    pool = rd32(h + 16);
    payload = rd32(h + 20);
    /* A table bigger than this build's is another device's image. */
    if (count > OM_TABLE_CAPACITY || pool > OM_POOL_SIZE ||
        el > OM_ETAG_MAX || ll > OM_LASTMOD_MAX)
        return fail_empty(t, OM_ERR_FORMAT);
    if (payload != count * OM_IMAGE_RECORD + pool + el + ll)
        return fail_empty(t, OM_ERR_CORRUPT);
    for (i = 0; i < count; i++) {
        om_model_t *m = &t->models[i];
        uint32_t off;
        if ((e = get(&s, r, sizeof r)) != 0)
            return fail_empty(t, e);
        m->prompt = rd64(r);
        m->completion = rd64(r + 8);
        m->context_length = rd32(r + 16);
        m->created = rd32(r + 20);
        off = rd32(r + 24);
        m->seq = (uint16_t)rd16(r + 28);
        m->id_len = r[30];
        m->name_len = r[31];
        /* Regions are contiguous, in record order, as written: the pool
         * then needs no compaction and no region overlaps another. */
        if (off != expect || off >= pool)
            return fail_empty(t, OM_ERR_CORRUPT);
        m->str = (om_off_t)off;
        expect += (uint32_t)m->id_len + m->name_len + 2u;
        m->flags = 0;
        m->reserved = 0;
    }
    if (expect != pool)
        return fail_empty(t, OM_ERR_CORRUPT);
    if ((e = get(&s, t->pool, pool)) != 0 || (e = get(&s, t->etag, el)) != 0 ||
        (e = get(&s, t->last_modified, ll)) != 0)
        return fail_empty(t, e);
    crc = s.crc;
    if ((e = rd(ctx, r, 4)) != 0)
        return fail_empty(t, e);
    if (rd32(r) != crc)
        return fail_empty(t, OM_ERR_CORRUPT);
    t->etag[el] = '\0';
    t->last_modified[ll] = '\0';
    if (memchr(t->etag, '\0', el) || memchr(t->last_modified, '\0', ll))
        return fail_empty(t, OM_ERR_CORRUPT);
    t->count = (uint16_t)count;
    t->pool_used = pool;
    for (i = 0; i < count; i++)
        if (!record_ok(t, i, pool))
            return fail_empty(t, OM_ERR_CORRUPT);
    t->updated_at = (int64_t)rd64(h + 24);
    return OM_OK;
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
    if (e == OM_OK && m.left != 0)
        return fail_empty(t, OM_ERR_CORRUPT);
    return e;
}
