/*
 * test_image.c - the table image: exact round trips, canonical bytes after
 * replacements and evictions, the CRC-32, and rejection of every single
 * bit flip, every truncation, trailing bytes and crafted images whose CRC
 * is right but whose structure is not. Writers and readers fail at every
 * call in turn.
 */
#include "om_test.h"

#define CAP OM_TABLE_CAPACITY
#define IMG_MAX                                                               \
    (OM_IMAGE_HEADER + CAP * OM_IMAGE_RECORD + OM_POOL_SIZE + OM_ETAG_MAX +   \
     OM_LASTMOD_MAX + 4)

static om_table_t tab, tab2;
static uint8_t img[IMG_MAX], img2[IMG_MAX], work[IMG_MAX];

/* ------------------------------------------------------------- helpers */

typedef struct sink {
    uint8_t *buf;
    size_t cap, len;
    unsigned calls;
    unsigned fail_at; /* answer fail_rc on this call (1-based); 0: never */
    int fail_rc;
} sink_t;

static int sink_write(void *ctx, const void *p, size_t n)
{
    sink_t *s = ctx;
    s->calls++;
    if (s->fail_at && s->calls == s->fail_at)
        return s->fail_rc;
    assert_true(s->fail_at == 0 || s->calls < s->fail_at);
    assert_true(n <= s->cap - s->len);
    if (n)
        memcpy(s->buf + s->len, p, n);
    s->len += n;
    return 0;
}

static size_t write_image(const om_table_t *t, uint8_t *buf)
{
    sink_t s;
    memset(&s, 0, sizeof s);
    s.buf = buf;
    s.cap = IMG_MAX;
    assert_int_equal(om_image_write(t, sink_write, &s), OM_OK);
    assert_int_equal(s.len, om_image_size(t));
    return s.len;
}

typedef struct source {
    const uint8_t *p;
    size_t left;
    unsigned calls, fail_at;
    int fail_rc;
} source_t;

static int source_read(void *ctx, void *buf, size_t n)
{
    source_t *s = ctx;
    s->calls++;
    if (s->fail_at && s->calls == s->fail_at)
        return s->fail_rc;
    if (n > s->left)
        return OM_ERR_TRUNCATED;
    memcpy(buf, s->p, n);
    s->p += n;
    s->left -= n;
    return 0;
}

static int put_full(om_table_t *t, const char *id, const char *name,
                    om_price_t prompt, om_price_t completion, uint32_t ctx,
                    uint32_t created, uint16_t seq)
{
    om_model_t m;
    memset(&m, 0, sizeof m);
    m.prompt = prompt;
    m.completion = completion;
    m.context_length = ctx;
    m.created = created;
    m.seq = seq;
    m.id_len = (uint8_t)strlen(id);
    m.name_len = (uint8_t)strlen(name);
    return om_table_put(t, &m, id, name);
}

static om_price_t price(const char *s)
{
    om_price_t p = 0;
    assert_int_equal(om_price_parse(s, strlen(s), &p), OM_OK);
    return p;
}

/* Every field and string of a and b, which must hold the same models. */
static void assert_same_table(const om_table_t *a, const om_table_t *b)
{
    size_t i, live = 0;
    assert_int_equal(a->count, b->count);
    assert_true(a->updated_at == b->updated_at);
    assert_string_equal(a->etag, b->etag);
    assert_string_equal(a->last_modified, b->last_modified);
    for (i = 0; i < a->count; i++) {
        const om_model_t *x = om_table_at(a, i), *y = om_table_at(b, i);
        assert_string_equal(om_model_id(a, x), om_model_id(b, y));
        assert_string_equal(om_model_name(a, x), om_model_name(b, y));
        assert_true(x->prompt == y->prompt);
        assert_true(x->completion == y->completion);
        assert_int_equal(x->context_length, y->context_length);
        assert_int_equal(x->created, y->created);
        assert_int_equal(x->seq, y->seq);
        assert_int_equal(x->id_len, y->id_len);
        assert_int_equal(x->name_len, y->name_len);
        live += (size_t)y->id_len + y->name_len + 2u;
    }
    assert_int_equal(b->pool_used, live); /* a loaded pool is compact */
}

static void set_meta(om_table_t *t)
{
    strcpy(t->etag, "W/\"5d41402abc4b2a76b9719d911017c592\"");
    strcpy(t->last_modified, "Thu, 12 Feb 2026 00:00:00 GMT");
    t->updated_at = 1770854400;
}

/* Three models: the small image the corruption tests work on. */
static void build_small(om_table_t *t)
{
    om_table_init(t);
    assert_int_equal(put_full(t, "a/1", "One", price("0.000003"),
                              price("0.000015"), 200000, 1747930371u, 0), 0);
    assert_int_equal(put_full(t, "a/2", "Two", price("0"), price("0"), 8192,
                              1700000000u, 1), 0);
    assert_int_equal(put_full(t, "a/3", "Three", OM_PRICE_VARIABLE,
                              OM_PRICE_NONE, 0, 0, 2), 0);
    set_meta(t);
}

static void build_varied(om_table_t *t)
{
    om_table_init(t);
    assert_int_equal(put_full(t, "anthropic/claude-sonnet-4",
                              "Anthropic: Claude Sonnet 4", price("0.000003"),
                              price("0.000015"), 200000, 1747930371u, 3), 0);
    assert_int_equal(put_full(t, "openrouter/auto", "Auto Router",
                              OM_PRICE_VARIABLE, OM_PRICE_VARIABLE, 2000000,
                              1699401600u, 0), 0);
    assert_int_equal(put_full(t, "mistralai/tiny", "Mistral Tiny",
                              price("0.0000000208333333333333"),
                              price("0.00000025"), 32768, 1704844800u, 65535),
                     0);
    assert_int_equal(put_full(t, "~x/\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9 ",
                              OM_PRICE_NONE, price("1e-30"), 4294967295u,
                              4294967295u, 7), 0);
    assert_int_equal(put_full(t, "free/model:free", "", price("0"), price("0"),
                              0, 0, 1), 0);
    set_meta(t);
}

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void wr16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, v);
    wr16(p + 2, v >> 16);
}

/* Makes the CRC right again after a change, so what is tested is the
 * check that comes after it. */
static void fix_crc(uint8_t *p, size_t len)
{
    wr32(p + len - 4, om_crc32(0, p, len - 4));
}

/* Loads into a table that holds something, so "left empty" means it. */
static int load_over_full(const uint8_t *p, size_t len)
{
    int rc;
    build_small(&tab2);
    assert_int_equal(tab2.count, 3);
    rc = om_image_load(&tab2, p, len);
    if (rc != OM_OK) {
        assert_int_equal(tab2.count, 0);
        assert_int_equal(tab2.pool_used, 0);
        assert_string_equal(tab2.etag, "");
        assert_string_equal(tab2.last_modified, "");
        assert_true(tab2.updated_at == 0);
        assert_null(om_table_at(&tab2, 0));
    }
    return rc;
}

/* ----------------------------------------------------------------- CRC */

static void test_crc32_vectors(void **state)
{
    static const char big[] = "The quick brown fox jumps over the lazy dog";
    (void)state;
    assert_int_equal(om_crc32(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(om_crc32(0, "", 0), 0);
    assert_int_equal(om_crc32(0, "a", 1), 0xE8B7BE43u);
    assert_int_equal(om_crc32(0, big, sizeof big - 1), 0x414FA339u);
    /* Running: pieces give the CRC of the whole. */
    assert_int_equal(om_crc32(om_crc32(0, "12345", 5), "6789", 4), 0xCBF43926u);
    assert_int_equal(om_crc32(om_crc32(0, big, 10), big + 10, sizeof big - 11),
                     0x414FA339u);
}

/* ---------------------------------------------------------- round trip */

static void test_round_trip(void **state)
{
    size_t n;
    (void)state;
    build_varied(&tab);
    n = write_image(&tab, img);
    /* The documented layout: magic, version, header size, record size,
     * count, and a CRC-32 of everything before it, little-endian. */
    assert_memory_equal(img, OM_IMAGE_MAGIC, 4);
    assert_int_equal(img[4] | img[5] << 8, OM_IMAGE_VERSION);
    assert_int_equal(img[6] | img[7] << 8, OM_IMAGE_HEADER);
    assert_int_equal(img[8] | img[9] << 8, 5);
    assert_int_equal(img[10] | img[11] << 8, OM_IMAGE_RECORD);
    assert_int_equal(rd32(img + n - 4), om_crc32(0, img, n - 4));
    {
        size_t i, strings = 0;
        for (i = 0; i < tab.count; i++) {
            const om_model_t *m = om_table_at(&tab, i);
            strings += strlen(om_model_id(&tab, m)) +
                       strlen(om_model_name(&tab, m)) + 2u;
        }
        assert_int_equal(n, OM_IMAGE_HEADER + 5 * OM_IMAGE_RECORD + strings +
                                strlen(tab.etag) + strlen(tab.last_modified) +
                                4);
    }

    om_table_init(&tab2);
    assert_int_equal(om_image_load(&tab2, img, n), OM_OK);
    assert_same_table(&tab, &tab2);
    assert_string_equal(tab2.etag, "W/\"5d41402abc4b2a76b9719d911017c592\"");
    assert_string_equal(tab2.last_modified, "Thu, 12 Feb 2026 00:00:00 GMT");
    assert_true(tab2.updated_at == 1770854400);
    assert_int_equal(om_table_find(&tab2, "openrouter/auto", 15), 3);
    assert_true(om_table_at(&tab2, 3)->prompt == OM_PRICE_VARIABLE);
    assert_true(om_table_at(&tab2, 4)->prompt == OM_PRICE_NONE);
    assert_int_equal(om_table_at(&tab2, 4)->context_length, 4294967295u);

    /* The same again through a reader, and the image of the loaded table
     * is the same bytes. */
    {
        source_t src;
        memset(&src, 0, sizeof src);
        src.p = img;
        src.left = n;
        assert_int_equal(om_image_read(&tab2, source_read, &src), OM_OK);
        assert_int_equal(src.left, 0);
        assert_same_table(&tab, &tab2);
    }
    assert_int_equal(write_image(&tab2, img2), n);
    assert_memory_equal(img, img2, n);

    /* A loaded table takes more models. */
    assert_int_equal(put_full(&tab2, "b/new", "New", 0, 0, 1, 2, 3),
                     OM_PUT_ADDED);
    assert_int_equal(tab2.count, 6);
    assert_string_equal(om_model_name(&tab2, om_table_at(&tab2, 1)), "New");
    assert_string_equal(om_model_name(&tab2, om_table_at(&tab2, 5)),
                        "\xc3\xa9t\xc3\xa9 ");
}

static void test_round_trip_updated_at_64bit(void **state)
{
    static const int64_t whens[] = {0, 1, 4102444799, (int64_t)1 << 40,
                                    INT64_MAX, -1};
    size_t i, n;
    (void)state;
    for (i = 0; i < sizeof whens / sizeof whens[0]; i++) {
        build_small(&tab);
        tab.updated_at = whens[i];
        n = write_image(&tab, img);
        om_table_init(&tab2);
        assert_int_equal(om_image_load(&tab2, img, n), OM_OK);
        assert_true(tab2.updated_at == whens[i]);
    }
}

/* Flags are not stored: a loaded model has none, whatever the table's
 * slots held before. */
static void test_load_clears_flags(void **state)
{
    size_t n, i;
    (void)state;
    build_small(&tab);
    tab.models[0].flags = OM_MODEL_PINNED;
    n = write_image(&tab, img);
    build_small(&tab2);
    for (i = 0; i < CAP; i++) {
        tab2.models[i].flags = OM_MODEL_PINNED;
        tab2.models[i].reserved = 0xA5;
    }
    assert_int_equal(om_image_load(&tab2, img, n), OM_OK);
    assert_int_equal(tab2.count, 3);
    for (i = 0; i < tab2.count; i++) {
        assert_int_equal(tab2.models[i].flags, 0);
        assert_int_equal(tab2.models[i].reserved, 0);
    }
}

static void test_round_trip_empty(void **state)
{
    size_t n;
    (void)state;
    om_table_init(&tab);
    n = write_image(&tab, img);
    assert_int_equal(n, OM_IMAGE_HEADER + 4);
    assert_int_equal(om_image_size(&tab), OM_IMAGE_HEADER + 4);
    assert_int_equal(load_over_full(img, n), OM_OK);
    assert_int_equal(tab2.count, 0);
    assert_string_equal(tab2.etag, "");
    assert_string_equal(tab2.last_modified, "");
    assert_true(tab2.updated_at == 0);
    /* Empty with validators. */
    strcpy(tab.etag, "\"e\"");
    strcpy(tab.last_modified, "x");
    tab.updated_at = 5;
    n = write_image(&tab, img);
    assert_int_equal(n, OM_IMAGE_HEADER + 4 + 3 + 1);
    assert_int_equal(load_over_full(img, n), OM_OK);
    assert_int_equal(tab2.count, 0);
    assert_string_equal(tab2.etag, "\"e\"");
    assert_string_equal(tab2.last_modified, "x");
    assert_true(tab2.updated_at == 5);
}

static void test_round_trip_full_limits(void **state)
{
    char id[OM_ID_MAX + 1], name[OM_NAME_MAX + 1];
    unsigned i;
    size_t n;
    (void)state;
    om_table_init(&tab);
    /* Longest validators, and models up to the pool's end. */
    memset(tab.etag, 'e', OM_ETAG_MAX);
    tab.etag[OM_ETAG_MAX] = '\0';
    memset(tab.last_modified, 'l', OM_LASTMOD_MAX);
    tab.last_modified[OM_LASTMOD_MAX] = '\0';
    for (i = 0; i < 2000u; i++) {
        sprintf(id, "v/m-%04u-", i);
        memset(id + 9, 'i', OM_ID_MAX - 9);
        id[OM_ID_MAX] = '\0';
        memset(name, 'a' + (char)(i % 26u), OM_NAME_MAX);
        name[OM_NAME_MAX] = '\0';
        assert_true(put_full(&tab, id, name, i, i, i, i, (uint16_t)i) >= 0);
    }
    assert_true(tab.count > 0);
    n = write_image(&tab, img);
    assert_int_equal(load_over_full(img, n), OM_OK);
    assert_same_table(&tab, &tab2);
}

/* ----------------------------------------------------------- canonical */

static uint32_t rng = 0x2545F491u;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

#define NIDS 200u
static char cname[NIDS][OM_NAME_MAX + 1];
static uint32_t ccreated[NIDS];
static uint16_t cseq[NIDS];
static unsigned char cput[NIDS];

/* Ids of 8 bytes, or of 90 when long: then 200 of them overflow the pool. */
static void cid(char *buf, unsigned i, int long_id)
{
    size_t n = (size_t)sprintf(buf, "v/m-%04u", i);
    if (long_id) {
        memset(buf + n, '-', 90 - n);
        buf[90] = '\0';
    }
}

/* Builds tab2 fresh, in a shuffled order, from what the test recorded. */
static void build_fresh(const unsigned char *keep, int long_id)
{
    unsigned order[NIDS], i;
    char id[OM_ID_MAX + 1];
    for (i = 0; i < NIDS; i++)
        order[i] = i;
    for (i = NIDS; i > 1; i--) {
        unsigned j = rnd() % i, t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    om_table_init(&tab2);
    for (i = 0; i < NIDS; i++) {
        unsigned k = order[i];
        if (!keep[k])
            continue;
        cid(id, k, long_id);
        assert_int_equal(put_full(&tab2, id, cname[k], k * 3u, k * 5u, k,
                                  ccreated[k], cseq[k]), OM_PUT_ADDED);
    }
    set_meta(&tab2);
}

static void test_canonical_after_replacements(void **state)
{
    unsigned n;
    size_t a, b;
    char id[32];
    (void)state;
    om_table_init(&tab);
    memset(cput, 0, sizeof cput);
    /* 30000 puts of 200 ids, names of 0..80 bytes: many holes, many
     * compactions, no evictions (200 * 90 bytes fit the pool). */
    for (n = 0; n < 30000u; n++) {
        unsigned k = rnd() % NIDS;
        size_t len = rnd() % (OM_NAME_MAX + 1u), i;
        for (i = 0; i < len; i++)
            cname[k][i] = (char)('A' + (n + i) % 26u);
        cname[k][len] = '\0';
        ccreated[k] = rnd();
        cseq[k] = (uint16_t)rnd();
        cid(id, k, 0);
        assert_int_equal(put_full(&tab, id, cname[k], k * 3u, k * 5u, k,
                                  ccreated[k], cseq[k]),
                         cput[k] ? OM_PUT_REPLACED : OM_PUT_ADDED);
        cput[k] = 1;
    }
    assert_int_equal(tab.count, NIDS);
    set_meta(&tab);
    build_fresh(cput, 0);
    a = write_image(&tab, img);
    b = write_image(&tab2, img2);
    assert_int_equal(a, b);
    assert_memory_equal(img, img2, a);
}

static void test_canonical_after_evictions(void **state)
{
    static unsigned char keep[NIDS];
    unsigned n, i, k, kept = 0;
    size_t a, b;
    char id[OM_ID_MAX + 1], name[OM_NAME_MAX + 1];
    unsigned evicted = 0;
    uint32_t c;
    (void)state;
    /* 200 ids of 90 bytes with names of 60..80 bytes do not all fit the
     * pool: puts evict, drop and replace in turn. */
    om_table_init(&tab);
    for (n = 0; n < 3000u; n++) {
        int r;
        k = rnd() % NIDS;
        memset(name, 'a' + (char)(n % 26u), OM_NAME_MAX);
        name[OM_NAME_MAX] = '\0';
        name[60u + rnd() % (OM_NAME_MAX - 59u)] = '\0';
        cid(id, k, 1);
        c = rnd() % 100000u;
        r = put_full(&tab, id, name, k * 3u, k * 5u, k, c, (uint16_t)n);
        assert_true(r >= 0);
        evicted += r == OM_PUT_EVICTED;
        if (r != OM_PUT_DROPPED) {
            strcpy(cname[k], name);
            ccreated[k] = c;
            cseq[k] = (uint16_t)n;
        }
    }
    memset(keep, 0, sizeof keep);
    for (i = 0; i < tab.count; i++) {
        assert_int_equal(sscanf(om_model_id(&tab, om_table_at(&tab, i)),
                                "v/m-%4u", &k), 1);
        keep[k] = 1;
        kept++;
    }
    assert_int_equal(kept, tab.count);
    assert_true(evicted > 200u);
    assert_true(kept < NIDS);
    set_meta(&tab);
    build_fresh(keep, 1);
    a = write_image(&tab, img);
    b = write_image(&tab2, img2);
    assert_int_equal(a, b);
    assert_memory_equal(img, img2, a);
}

/* ---------------------------------------------------------- corruption */

static void test_every_bit_flip_rejected(void **state)
{
    size_t n, bit;
    (void)state;
    build_small(&tab);
    n = write_image(&tab, img);
    assert_int_equal(load_over_full(img, n), OM_OK);
    for (bit = 0; bit < n * 8u; bit++) {
        int rc;
        memcpy(work, img, n);
        work[bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
        rc = load_over_full(work, n);
        if (rc != OM_ERR_CORRUPT && rc != OM_ERR_FORMAT)
            fail_msg("bit %u (byte %u) flipped: load returned %d",
                     (unsigned)bit, (unsigned)(bit / 8u), rc);
    }
}

static void test_every_truncation_rejected(void **state)
{
    size_t n, len;
    (void)state;
    build_small(&tab);
    n = write_image(&tab, img);
    for (len = 0; len < n; len++) {
        int rc = load_over_full(img, len);
        if (rc != OM_ERR_TRUNCATED)
            fail_msg("cut to %u of %u bytes: load returned %d", (unsigned)len,
                     (unsigned)n, rc);
    }
    assert_int_equal(load_over_full(img, n), OM_OK);
}

static void test_trailing_bytes_rejected(void **state)
{
    size_t n;
    (void)state;
    build_small(&tab);
    n = write_image(&tab, img);
    img[n] = 0;
    assert_int_equal(load_over_full(img, n + 1), OM_ERR_CORRUPT);
    memcpy(img2, img, n);
    memcpy(img2 + n, img, n); /* two images back to back */
    assert_int_equal(load_over_full(img2, 2 * n), OM_ERR_CORRUPT);
}

static void test_foreign_images(void **state)
{
    size_t n;
    (void)state;
    build_small(&tab);
    n = write_image(&tab, img);

    memcpy(work, img, n);
    memcpy(work, "OMTA", 4);
    fix_crc(work, n);
    assert_int_equal(load_over_full(work, n), OM_ERR_FORMAT);
    memcpy(work, "\0\0\0\0", 4);
    assert_int_equal(load_over_full(work, n), OM_ERR_FORMAT);

    memcpy(work, img, n);
    wr16(work + 4, OM_IMAGE_VERSION + 1);
    fix_crc(work, n);
    assert_int_equal(load_over_full(work, n), OM_ERR_FORMAT);
    wr16(work + 4, 0);
    fix_crc(work, n);
    assert_int_equal(load_over_full(work, n), OM_ERR_FORMAT);

    memcpy(work, img, n);
    wr16(work + 6, OM_IMAGE_HEADER + 8); /* header size */
    fix_crc(work, n);
    assert_int_equal(load_over_full(work, n), OM_ERR_FORMAT);

    memcpy(work, img, n);
    wr16(work + 10, OM_IMAGE_RECORD + 4); /* record size */
    fix_crc(work, n);
    assert_int_equal(load_over_full(work, n), OM_ERR_FORMAT);

    /* More models than this build holds. */
    memcpy(work, img, n);
    wr16(work + 8, CAP + 1u);
    fix_crc(work, n);
    assert_int_equal(load_over_full(work, n), OM_ERR_FORMAT);
    wr16(work + 8, 0xFFFFu);
    fix_crc(work, n);
    assert_int_equal(load_over_full(work, n), OM_ERR_FORMAT);

    /* A pool bigger than this build's. */
    memcpy(work, img, n);
    wr32(work + 16, OM_POOL_SIZE + 1u);
    fix_crc(work, n);
    assert_int_equal(load_over_full(work, n), OM_ERR_FORMAT);
}

/* Offsets in the small image: records after the header, then the pool
 * "a/1\0One\0a/2\0Two\0a/3\0Three\0", then the validators. */
#define REC(i) (OM_IMAGE_HEADER + (i) * OM_IMAGE_RECORD)
#define POOL (OM_IMAGE_HEADER + 3 * OM_IMAGE_RECORD)
#define ID2 (POOL + 8)   /* "a/2" */
#define NAME2 (ID2 + 4)  /* "Two" */
#define ID3 (NAME2 + 4)  /* "a/3" */

static void expect_crafted(const uint8_t *p, size_t n, int want,
                           const char *what)
{
    int rc;
    memcpy(work, p, n);
    fix_crc(work, n);
    rc = load_over_full(work, n);
    if (rc != want)
        fail_msg("%s: load returned %d, expected %d", what, rc, want);
}

static void test_crafted_images(void **state)
{
    size_t n;
    uint8_t *p = img2;
    (void)state;
    build_small(&tab);
    n = write_image(&tab, img);
    assert_memory_equal(img + POOL, "a/1\0One\0a/2\0Two\0a/3\0Three\0", 26);

    /* Control: an allowed change with a fixed CRC loads. */
    memcpy(p, img, n);
    p[NAME2] = 'Z';
    expect_crafted(p, n, OM_OK, "name changed");
    assert_string_equal(om_model_name(&tab2, om_table_at(&tab2, 1)), "Zwo");

    memcpy(p, img, n);
    p[ID2 + 2] = '0'; /* a/1, a/0, a/3 */
    expect_crafted(p, n, OM_ERR_CORRUPT, "unsorted ids");
    memcpy(p, img, n);
    p[ID3 + 2] = '0'; /* a/1, a/2, a/0 */
    expect_crafted(p, n, OM_ERR_CORRUPT, "unsorted last id");
    memcpy(p, img, n);
    p[ID2 + 2] = '1';
    expect_crafted(p, n, OM_ERR_CORRUPT, "duplicate ids");
    memcpy(p, img, n);
    p[ID2 + 1] = '\0';
    expect_crafted(p, n, OM_ERR_CORRUPT, "NUL inside an id");
    memcpy(p, img, n);
    p[NAME2 + 1] = '\0';
    expect_crafted(p, n, OM_ERR_CORRUPT, "NUL inside a name");
    memcpy(p, img, n);
    p[ID2 + 3] = 'x';
    expect_crafted(p, n, OM_ERR_CORRUPT, "id not NUL-terminated");
    memcpy(p, img, n);
    p[ID2] = ' ';
    expect_crafted(p, n, OM_ERR_CORRUPT, "id starting with a space");
    memcpy(p, img, n);
    p[ID2] = '\x01';
    expect_crafted(p, n, OM_ERR_CORRUPT, "id starting with a control byte");

    /* Offsets and lengths. */
    memcpy(p, img, n);
    wr32(p + REC(2) + 24, 0x10000u);
    expect_crafted(p, n, OM_ERR_CORRUPT, "offset outside the pool");
    memcpy(p, img, n);
    wr32(p + REC(2) + 24, 0xFFFFFFFFu);
    expect_crafted(p, n, OM_ERR_CORRUPT, "offset 2^32-1");
    memcpy(p, img, n);
    wr32(p + REC(1) + 24, 0);
    expect_crafted(p, n, OM_ERR_CORRUPT, "offset overlapping another");
    memcpy(p, img, n);
    wr32(p + REC(2) + 24, 26);
    expect_crafted(p, n, OM_ERR_CORRUPT, "offset at the pool's end");
    memcpy(p, img, n);
    p[REC(2) + 31] = 200; /* name_len past the pool */
    expect_crafted(p, n, OM_ERR_CORRUPT, "name past the pool");
    memcpy(p, img, n);
    p[REC(0) + 30] = 0;
    p[REC(0) + 31] = 6; /* lengths still add up to the region */
    expect_crafted(p, n, OM_ERR_CORRUPT, "empty id");
    memcpy(p, img, n);
    p[REC(0) + 30] = 6;
    p[REC(0) + 31] = 0; /* "a/1\0On" as the id: a NUL inside */
    expect_crafted(p, n, OM_ERR_CORRUPT, "id swallowing its name");

    /* Header fields that disagree with each other. */
    memcpy(p, img, n);
    wr16(p + 8, 2); /* count 2, payload for 3 */
    expect_crafted(p, n, OM_ERR_CORRUPT, "count below the records");
    memcpy(p, img, n);
    wr32(p + 16, rd32(p + 16) + 1u); /* pool_used */
    expect_crafted(p, n, OM_ERR_CORRUPT, "pool length off by one");
    memcpy(p, img, n);
    wr32(p + 20, rd32(p + 20) + 1u); /* payload */
    expect_crafted(p, n, OM_ERR_CORRUPT, "payload length off by one");

    /* A price with the reserved scale 31 that is neither none nor -1. */
    memcpy(p, img, n);
    memset(p + REC(0), 0xFF, 8);
    p[REC(0)] = 0x00;
    expect_crafted(p, n, OM_ERR_CORRUPT, "prompt price with scale 31");
    memcpy(p, img, n);
    memset(p + REC(0) + 8, 0xFF, 8);
    p[REC(0) + 8] = 0xFD;
    expect_crafted(p, n, OM_ERR_CORRUPT, "completion price with scale 31");

    /* A NUL inside the validators. */
    memcpy(p, img, n);
    p[POOL + 26 + 3] = '\0';
    expect_crafted(p, n, OM_ERR_CORRUPT, "NUL inside the ETag");
    memcpy(p, img, n);
    p[n - 4 - 2] = '\0';
    expect_crafted(p, n, OM_ERR_CORRUPT, "NUL inside Last-Modified");
}

/* ------------------------------------------------------- failing I/O */

static void test_writer_fails_at_every_call(void **state)
{
    sink_t s;
    unsigned calls, k;
    (void)state;
    build_varied(&tab);
    memset(&s, 0, sizeof s);
    s.buf = img;
    s.cap = IMG_MAX;
    assert_int_equal(om_image_write(&tab, sink_write, &s), OM_OK);
    calls = s.calls;
    assert_true(calls >= 3);
    for (k = 1; k <= calls; k++) {
        memset(&s, 0, sizeof s);
        s.buf = img2;
        s.cap = IMG_MAX;
        s.fail_at = k;
        s.fail_rc = k % 2 ? OM_ERR_IO : -77;
        assert_int_equal(om_image_write(&tab, sink_write, &s), s.fail_rc);
        assert_int_equal(s.calls, k); /* nothing written after the error */
    }
}

static void test_reader_fails_at_every_call(void **state)
{
    source_t src;
    size_t n;
    unsigned calls, k;
    (void)state;
    build_varied(&tab);
    n = write_image(&tab, img);
    memset(&src, 0, sizeof src);
    src.p = img;
    src.left = n;
    assert_int_equal(om_image_read(&tab2, source_read, &src), OM_OK);
    calls = src.calls;
    assert_true(calls >= 3);
    for (k = 1; k <= calls; k++) {
        build_small(&tab2);
        memset(&src, 0, sizeof src);
        src.p = img;
        src.left = n;
        src.fail_at = k;
        src.fail_rc = k % 2 ? OM_ERR_IO : -77;
        assert_int_equal(om_image_read(&tab2, source_read, &src), src.fail_rc);
        assert_int_equal(tab2.count, 0);
        assert_string_equal(tab2.etag, "");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_vectors),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_round_trip_updated_at_64bit),
        cmocka_unit_test(test_load_clears_flags),
        cmocka_unit_test(test_round_trip_empty),
        cmocka_unit_test(test_round_trip_full_limits),
        cmocka_unit_test(test_canonical_after_replacements),
        cmocka_unit_test(test_canonical_after_evictions),
        cmocka_unit_test(test_every_bit_flip_rejected),
        cmocka_unit_test(test_every_truncation_rejected),
        cmocka_unit_test(test_trailing_bytes_rejected),
        cmocka_unit_test(test_foreign_images),
        cmocka_unit_test(test_crafted_images),
        cmocka_unit_test(test_writer_fails_at_every_call),
        cmocka_unit_test(test_reader_fails_at_every_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
