/*
 * om_flash.c - the flash store (see om_flash.h for the layout and the
 * power-cut argument). No heap, no OS: the only buffer is in om_flash_t,
 * plus a few dozen bytes of stack.
 */
#include <string.h>

#include "om_flash.h"

#define MAGIC "OMFS"
#define SLOT_VERSION 1
#define KIND_TABLE 'T'
#define KIND_SEL 'S'
#define CHUNK 64 /* bytes read at a time when checking a slot */

#if OM_FLASH_BUF_SIZE < 32 || OM_FLASH_BUF_SIZE > 4096
#error "OM_FLASH_BUF_SIZE must be 32..4096"
#endif

static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static uint32_t rd32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static int pow2(uint32_t v) { return v != 0 && (v & (v - 1u)) == 0; }
static uint32_t round_up(uint32_t v, uint32_t a) { return (v + a - 1u) & ~(a - 1u); }

static int nor_read(const om_flash_t *fl, uint32_t addr, void *buf, size_t n)
{
    return fl->nor->read(fl->nor->ctx, addr, buf, n) < 0 ? OM_ERR_IO : OM_OK;
}

/* ---------------------------------------------------------------- slots */

/* What a slot holds when it is valid. */
typedef struct {
    uint32_t seq, len;
} slot_hdr_t;

/* Checks slot s for a complete version of kind: magic, version, kind,
 * length within the slot, CRC over header and payload. Returns 1 and
 * fills h when valid, 0 when not, OM_ERR_IO when the driver fails. */
static int slot_check(const om_flash_t *fl, const om_flash_slot_t *s, int kind,
                      slot_hdr_t *h)
{
    uint8_t b[CHUNK];
    uint32_t crc, left, at;
    int e;

    if ((e = nor_read(fl, s->addr, b, OM_FLASH_HEADER)) != 0)
        return e;
    if (memcmp(b, MAGIC, 4) != 0 || b[12] != kind || b[13] != SLOT_VERSION ||
        b[14] != 0 || b[15] != 0)
        return 0;
    h->seq = rd32(b + 4);
    h->len = rd32(b + 8);
    if (h->len > s->size - fl->data_off)
        return 0;
    crc = om_crc32(0, b, 16);
    left = h->len;
    at = s->addr + fl->data_off;
    {
        uint32_t want = rd32(b + 16);
        while (left) {
            uint32_t n = left < CHUNK ? left : CHUNK;
            if ((e = nor_read(fl, at, b, n)) != 0)
                return e;
            crc = om_crc32(crc, b, n);
            at += n;
            left -= n;
        }
        return crc == want;
    }
}

/* Index (0 or 1) of the newest valid slot of the pair, -1 when neither is
 * valid, or OM_ERR_IO. *other is the index of the other valid slot, or
 * -1. */
static int newest(const om_flash_t *fl, const om_flash_slot_t pair[2],
                  int kind, slot_hdr_t h[2], int *other)
{
    int v0, v1;
    if ((v0 = slot_check(fl, &pair[0], kind, &h[0])) < 0)
        return v0;
    if ((v1 = slot_check(fl, &pair[1], kind, &h[1])) < 0)
        return v1;
    *other = -1;
    if (v0 && v1) {
        /* sequence numbers compare modulo 2^32 */
        int one = (int32_t)(h[1].seq - h[0].seq) > 0;
        *other = !one;
        return one;
    }
    return v0 ? 0 : v1 ? 1 : -1;
}

/* --------------------------------------------------------------- writing */

/* Erases the sectors of s that the first need bytes touch, skipping those
 * that read blank already. */
static int slot_prepare(om_flash_t *fl, const om_flash_slot_t *s, uint32_t need)
{
    uint32_t sec = fl->nor->sector_size, off;
    uint8_t b[CHUNK];
    int e;

    for (off = 0; off < need; off += sec) {
        uint32_t span = need - off < sec ? need - off : sec, i = 0;
        int blank = 1;
        while (blank && i < span) {
            uint32_t n = span - i < CHUNK ? span - i : CHUNK, k;
            if ((e = nor_read(fl, s->addr + off + i, b, n)) != 0)
                return e;
            for (k = 0; k < n; k++)
                blank &= b[k] == 0xFF;
            i += n;
        }
        if (!blank && fl->nor->erase(fl->nor->ctx, s->addr + off) < 0)
            return OM_ERR_IO;
    }
    return OM_OK;
}

/* Programs the buffered bytes, padded with 0xFF to whole units. */
static int flush(om_flash_t *fl)
{
    uint32_t n;
    if (fl->fill == 0)
        return OM_OK;
    n = round_up((uint32_t)fl->fill, fl->nor->prog_size);
    memset(fl->buf + fl->fill, 0xFF, n - fl->fill);
    if (fl->nor->prog(fl->nor->ctx, fl->at, fl->buf, n) < 0)
        return OM_ERR_IO;
    fl->at += n;
    fl->fill = 0;
    return OM_OK;
}

/* om_write_fn that streams payload bytes into the slot being written. */
static int slot_write(void *ctx, const void *p, size_t n)
{
    om_flash_t *fl = (om_flash_t *)ctx;
    const uint8_t *src = (const uint8_t *)p;
    fl->crc = om_crc32(fl->crc, p, n);
    while (n) {
        size_t k = sizeof fl->buf - fl->fill;
        if (k > n)
            k = n;
        if (fl->at + fl->fill + k > fl->end) /* longer than announced */
            return OM_ERR_NOSPACE;
        memcpy(fl->buf + fl->fill, src, k);
        fl->fill += k;
        src += k;
        n -= k;
        if (fl->fill == sizeof fl->buf) {
            int e = flush(fl);
            if (e)
                return e;
        }
    }
    return OM_OK;
}

/* A payload producer: writes len bytes through w. */
typedef int (*produce_fn)(const void *src, om_write_fn w, void *ctx);

static int produce_image(const void *src, om_write_fn w, void *ctx)
{
    return om_image_write((const om_table_t *)src, w, ctx);
}
static int produce_bytes(const void *src, om_write_fn w, void *ctx)
{
    const uint8_t *rec = (const uint8_t *)src; /* length-prefixed: see sel */
    return w(ctx, rec + 1, rec[0]);
}

/* om_write_fn that compares the payload with what slot holds at fl->at. */
static int slot_compare(void *ctx, const void *p, size_t n)
{
    om_flash_t *fl = (om_flash_t *)ctx;
    const uint8_t *src = (const uint8_t *)p;
    uint8_t b[CHUNK];
    while (n) {
        size_t k = n < CHUNK ? n : CHUNK;
        int e = nor_read(fl, fl->at, b, k);
        if (e)
            return e;
        if (memcmp(b, src, k) != 0)
            return 1; /* differs: stops the producer */
        fl->at += (uint32_t)k;
        src += k;
        n -= k;
    }
    return OM_OK;
}

/* Saves a payload of len bytes made by produce(src) into the pair: unless
 * the newest valid slot holds the same bytes, the other slot is prepared,
 * the payload programmed, the header programmed last and the slot read
 * back. */
static int pair_save(om_flash_t *fl, const om_flash_slot_t pair[2], int kind,
                     uint32_t len, produce_fn produce, const void *src)
{
    slot_hdr_t h[2];
    uint8_t hdr[OM_FLASH_HEADER];
    int cur, other, dst, e;
    uint32_t seq;
    const om_flash_slot_t *s;

    if (len > pair[0].size - fl->data_off)
        return OM_ERR_NOSPACE;
    if ((cur = newest(fl, pair, kind, h, &other)) < 0 && cur != -1)
        return cur;
    if (cur >= 0 && h[cur].len == len) {
        fl->at = pair[cur].addr + fl->data_off;
        e = produce(src, slot_compare, fl);
        if (e < 0)
            return e == OM_ERR_IO ? e : OM_ERR_IO;
        if (e == 0)
            return OM_OK; /* unchanged: nothing written, nothing erased */
    }
    dst = cur < 0 ? 0 : !cur;
    seq = cur < 0 ? 1u : h[cur].seq + 1u;
    s = &pair[dst];
    if ((e = slot_prepare(fl, s, fl->data_off + round_up(len, fl->nor->prog_size))) != 0)
        return e;

    memcpy(hdr, MAGIC, 4);
    le32(hdr + 4, seq);
    le32(hdr + 8, len);
    hdr[12] = (uint8_t)kind;
    hdr[13] = SLOT_VERSION;
    hdr[14] = hdr[15] = 0;
    fl->crc = om_crc32(0, hdr, 16);
    fl->at = s->addr + fl->data_off;
    fl->end = s->addr + fl->data_off + len;
    fl->fill = 0;
    if ((e = produce(src, slot_write, fl)) != 0 || (e = flush(fl)) != 0)
        return e == OM_ERR_NOSPACE ? OM_ERR_IO : e;
    if (fl->at != s->addr + fl->data_off + round_up(len, fl->nor->prog_size))
        return OM_ERR_IO; /* shorter than announced */
    le32(hdr + 16, fl->crc);

    /* The commit: the header, padded to its program units. */
    fl->at = s->addr;
    fl->fill = 0;
    memcpy(fl->buf, hdr, sizeof hdr);
    fl->fill = sizeof hdr;
    if ((e = flush(fl)) != 0)
        return e;
    e = slot_check(fl, s, kind, &h[dst]);
    if (e < 0)
        return e;
    return e == 1 && h[dst].seq == seq ? OM_OK : OM_ERR_IO;
}

/* --------------------------------------------------------------- reading */

typedef struct {
    const om_flash_t *fl;
    uint32_t at, left;
} reader_t;

static int slot_read(void *ctx, void *buf, size_t n)
{
    reader_t *r = (reader_t *)ctx;
    if (n > r->left)
        return OM_ERR_TRUNCATED;
    if (nor_read(r->fl, r->at, buf, n) != 0)
        return OM_ERR_IO;
    r->at += (uint32_t)n;
    r->left -= (uint32_t)n;
    return OM_OK;
}

static int load_slot(const om_flash_t *fl, const om_flash_slot_t *s,
                     uint32_t len, om_table_t *t)
{
    reader_t r;
    int e;
    r.fl = fl;
    r.at = s->addr + fl->data_off;
    r.left = len;
    e = om_image_read(t, slot_read, &r);
    if (e == OM_OK && r.left != 0) {
        om_table_init(t);
        e = OM_ERR_CORRUPT;
    }
    return e;
}

/* ------------------------------------------------------------ the store */

int om_flash_load(void *ctx, om_table_t *t)
{
    om_flash_t *fl = (om_flash_t *)ctx;
    slot_hdr_t h[2];
    int other, cur = newest(fl, fl->table, KIND_TABLE, h, &other), e;

    if (cur < -1) {
        om_table_init(t);
        return cur;
    }
    if (cur == -1) {
        om_table_init(t);
        return OM_ERR_NOTFOUND;
    }
    e = load_slot(fl, &fl->table[cur], h[cur].len, t);
    /* A newest version this build cannot read: the older one may be. */
    if (e != OM_OK && e != OM_ERR_IO && other >= 0 &&
        load_slot(fl, &fl->table[other], h[other].len, t) == OM_OK)
        return OM_OK;
    return e;
}

int om_flash_save(void *ctx, const om_table_t *t)
{
    om_flash_t *fl = (om_flash_t *)ctx;
    size_t len = om_image_size(t);
    if (len > om_flash_table_room(fl))
        return OM_ERR_NOSPACE;
    return pair_save(fl, fl->table, KIND_TABLE, (uint32_t)len, produce_image, t);
}

int om_flash_sel_load(void *ctx, char *buf, size_t cap)
{
    om_flash_t *fl = (om_flash_t *)ctx;
    uint8_t rec[OM_SEL_RECORD_MAX];
    slot_hdr_t h[2];
    int other, cur = newest(fl, fl->sel, KIND_SEL, h, &other), e;

    if (cur < -1)
        return cur;
    if (cur == -1)
        return OM_ERR_NOTFOUND;
    if (h[cur].len > sizeof rec)
        return OM_ERR_CORRUPT;
    if ((e = nor_read(fl, fl->sel[cur].addr + fl->data_off, rec, h[cur].len)) != 0)
        return e;
    e = om_sel_decode(rec, h[cur].len, buf, cap);
    return e == OM_ERR_FORMAT ? OM_ERR_CORRUPT : e;
}

int om_flash_sel_save(void *ctx, const char *id)
{
    om_flash_t *fl = (om_flash_t *)ctx;
    uint8_t rec[1 + OM_SEL_RECORD_MAX]; /* rec[0]: the record's length */
    int n = om_sel_encode(id, rec + 1);
    if (n < 0)
        return n;
    rec[0] = (uint8_t)n;
    return pair_save(fl, fl->sel, KIND_SEL, (uint32_t)n, produce_bytes, rec);
}

uint32_t om_flash_table_room(const om_flash_t *fl)
{
    return fl->table[0].size - fl->data_off;
}

int om_flash_init(om_flash_t *fl, const om_nor_t *nor, uint32_t base,
                  uint32_t size, om_store_t *st)
{
    uint32_t sec, half;
    if (!fl || !nor || !st || !nor->read || !nor->prog || !nor->erase)
        return OM_ERR_INVAL;
    sec = nor->sector_size;
    if (!pow2(sec) || !pow2(nor->prog_size) ||
        nor->prog_size > OM_FLASH_BUF_SIZE ||
        OM_FLASH_BUF_SIZE % nor->prog_size != 0 ||
        sec < OM_FLASH_HEADER + OM_SEL_RECORD_MAX + 2u * nor->prog_size ||
        base % sec != 0 || size % sec != 0 || size / sec < 4 ||
        base + size < base)
        return OM_ERR_INVAL;
    memset(fl, 0, sizeof *fl);
    fl->nor = nor;
    fl->data_off = round_up(OM_FLASH_HEADER, nor->prog_size);
    half = (size - 2u * sec) / 2u / sec * sec;
    fl->sel[0].addr = base;
    fl->sel[1].addr = base + sec;
    fl->sel[0].size = fl->sel[1].size = sec;
    fl->table[0].addr = base + 2u * sec;
    fl->table[1].addr = base + 2u * sec + half;
    fl->table[0].size = fl->table[1].size = half;
    st->ctx = fl;
    st->load = om_flash_load;
    st->save = om_flash_save;
    st->sel_load = om_flash_sel_load;
    st->sel_save = om_flash_sel_save;
    return OM_OK;
}
