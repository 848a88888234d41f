/*
 * test_flash.c - the flash store (port/flash) on an emulated NOR flash.
 *
 * The emulator keeps NOR's rules and fails the test when the store breaks
 * them: erase sets a sector to 0xFF, a program may only go to erased,
 * aligned units of prog_size. It can cut the power at its k-th program or
 * erase: before the operation, after it, or in the middle of it (a torn
 * program leaves a prefix written and one byte half-programmed; a torn
 * erase leaves the start or the end of the sector erased and the rest with
 * random bits set). After
 * a cut every call fails until "reboot".
 *
 * For each geometry and each starting state, a whole save (table or
 * selection) is cut at every operation in each of the three ways; after
 * the reboot the store must load exactly the old version or the new one,
 * the other record must be untouched, and a further save must work.
 */
#include "om_test.h"

#include "om_flash.h"

/* ------------------------------------------------------------ emulator */

enum { CUT_BEFORE, CUT_TORN, CUT_AFTER, CUT_MODES };

#define FLASH_MAX (256u * 1024u)
#define LOG_MAX 4096

typedef struct emu {
    uint8_t mem[FLASH_MAX];
    uint32_t size, sector, prog;
    unsigned ops;             /* programs + erases since the last reset */
    unsigned cut_at;          /* cut the power at this op (1-based); 0 never */
    int cut_mode, dead;
    unsigned programs, erases, reads;
    uint32_t erased[LOG_MAX]; /* sector addresses erased, in order */
    uint32_t rng;
} emu_t;

static emu_t emu;

static uint32_t rnd(void)
{
    emu.rng = emu.rng * 1103515245u + 12345u;
    return emu.rng >> 8;
}

static int emu_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    emu_t *e = ctx;
    if (e->dead)
        return -1;
    assert_true(addr <= e->size && len <= e->size - addr);
    memcpy(buf, e->mem + addr, len);
    e->reads++;
    return 0;
}

/* Counts an operation; returns the cut mode when the power goes now, or
 * -1 to go on normally. */
static int emu_tick(emu_t *e)
{
    e->ops++;
    if (e->cut_at && e->ops == e->cut_at) {
        e->dead = 1;
        return e->cut_mode;
    }
    return -1;
}

static int emu_prog(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    emu_t *e = ctx;
    const uint8_t *p = buf;
    size_t i, n;
    int cut;
    if (e->dead)
        return -1;
    assert_true(addr % e->prog == 0 && len % e->prog == 0 && len > 0);
    assert_true(addr <= e->size && len <= e->size - addr);
    for (i = 0; i < len; i++) /* NOR: program erased units only */
        assert_int_equal(e->mem[addr + i], 0xFF);
    cut = emu_tick(e);
    if (cut == CUT_BEFORE)
        return -1;
    n = cut == CUT_TORN ? rnd() % len : len;
    for (i = 0; i < n; i++)
        e->mem[addr + i] &= p[i];
    if (cut == CUT_TORN) /* one byte caught halfway: some bits cleared */
        e->mem[addr + n] &= (uint8_t)(p[n] | rnd());
    e->programs++;
    return cut < 0 ? 0 : -1;
}

static int emu_erase(void *ctx, uint32_t addr)
{
    emu_t *e = ctx;
    uint32_t i;
    int cut;
    if (e->dead)
        return -1;
    assert_true(addr % e->sector == 0 && addr < e->size);
    cut = emu_tick(e);
    if (cut == CUT_BEFORE)
        return -1;
    if (cut != CUT_TORN) {
        memset(e->mem + addr, 0xFF, e->sector);
    } else { /* a part erased, the rest on its way up to 0xFF */
        uint32_t from = rnd() % e->sector, tail = rnd() & 1u;
        for (i = 0; i < e->sector; i++) {
            int done = tail ? i >= from : i < from;
            e->mem[addr + i] |= done ? 0xFF : (uint8_t)rnd();
        }
    }
    if (e->erases < LOG_MAX)
        e->erased[e->erases] = addr;
    e->erases++;
    return cut < 0 ? 0 : -1;
}

static om_nor_t nor;
static om_flash_t fl;
static om_store_t st;

/* A fresh, erased flash of size bytes with this geometry. */
static void emu_new(uint32_t size, uint32_t sector, uint32_t prog)
{
    assert_true(size <= FLASH_MAX);
    memset(&emu, 0, sizeof emu);
    memset(emu.mem, 0xFF, size);
    emu.size = size;
    emu.sector = sector;
    emu.prog = prog;
    emu.rng = 12345u;
    nor.ctx = &emu;
    nor.read = emu_read;
    nor.prog = emu_prog;
    nor.erase = emu_erase;
    nor.sector_size = sector;
    nor.prog_size = prog;
}

/* Power back on: counters reset, the store set up from scratch. */
static void reboot(void)
{
    emu.dead = 0;
    emu.cut_at = 0;
    emu.ops = emu.programs = emu.erases = emu.reads = 0;
    assert_int_equal(om_flash_init(&fl, &nor, 0, emu.size, &st), OM_OK);
}

/* -------------------------------------------------------------- tables */

static om_table_t tab[4], got;

#define IMG_MAX                                                               \
    (OM_IMAGE_HEADER + OM_TABLE_CAPACITY * OM_IMAGE_RECORD + OM_POOL_SIZE +   \
     OM_ETAG_MAX + OM_LASTMOD_MAX + 4)
static uint8_t img_a[IMG_MAX], img_b[IMG_MAX];

/* n models; variant changes prices and the ETag so tables differ. */
static void build(om_table_t *t, unsigned n, unsigned variant)
{
    unsigned i;
    om_table_init(t);
    for (i = 0; i < n; i++) {
        char id[40], name[64];
        om_model_t m;
        memset(&m, 0, sizeof m);
        snprintf(id, sizeof id, "vendor-%u/model-%03u", i % 7, i);
        snprintf(name, sizeof name, "Vendor %u: Model %u v%u", i % 7, i,
                 variant);
        m.prompt = 3u + variant + i;
        m.completion = 15u + variant;
        m.context_length = 8192u * (i + 1u);
        m.created = 1700000000u + i * 86400u;
        m.seq = (uint16_t)i;
        m.id_len = (uint8_t)strlen(id);
        m.name_len = (uint8_t)strlen(name);
        assert_true(om_table_put(t, &m, id, name) >= 0);
    }
    snprintf(t->etag, sizeof t->etag, "\"etag-%u\"", variant);
    t->updated_at = 1770854400 + variant;
}

typedef struct {
    uint8_t *buf;
    size_t len;
} sink_t;

static int sink(void *ctx, const void *p, size_t n)
{
    sink_t *s = ctx;
    assert_true(n <= IMG_MAX - s->len);
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return 0;
}

/* The image of t in buf; returns its length. */
static size_t image(const om_table_t *t, uint8_t *buf)
{
    sink_t s = {buf, 0};
    assert_int_equal(om_image_write(t, sink, &s), OM_OK);
    return s.len;
}

/* Loads the table and says which of old (NULL: nothing) or new it is:
 * 0 old, 1 new; fails the test when it is neither. */
static int loaded_which(const om_table_t *old, const om_table_t *new_)
{
    int e = st.load(st.ctx, &got);
    size_t n;
    if (old == NULL && e == OM_ERR_NOTFOUND)
        return 0;
    assert_int_equal(e, OM_OK);
    n = image(&got, img_a);
    if (n == image(new_, img_b) && memcmp(img_a, img_b, n) == 0)
        return 1;
    assert_non_null(old);
    assert_int_equal(n, image(old, img_b));
    assert_memory_equal(img_a, img_b, n);
    return 0;
}

/* ------------------------------------------------------- basic contract */

static void test_geometry_checks(void **state)
{
    (void)state;
    emu_new(16 * 1024, 1024, 4);
    assert_int_equal(om_flash_init(&fl, &nor, 0, 16 * 1024, &st), OM_OK);
    assert_int_equal(om_flash_init(&fl, &nor, 512, 8 * 1024, &st), OM_ERR_INVAL);
    assert_int_equal(om_flash_init(&fl, &nor, 0, 3 * 1024, &st), OM_ERR_INVAL);
    assert_int_equal(om_flash_init(&fl, &nor, 0, 5000, &st), OM_ERR_INVAL);
    nor.prog_size = 3;
    assert_int_equal(om_flash_init(&fl, &nor, 0, 16 * 1024, &st), OM_ERR_INVAL);
    nor.prog_size = 2 * OM_FLASH_BUF_SIZE;
    assert_int_equal(om_flash_init(&fl, &nor, 0, 16 * 1024, &st), OM_ERR_INVAL);
    nor.prog_size = 4;
    nor.sector_size = 1000;
    assert_int_equal(om_flash_init(&fl, &nor, 0, 16 * 1000, &st), OM_ERR_INVAL);
    nor.sector_size = 64; /* smaller than a selection slot needs */
    assert_int_equal(om_flash_init(&fl, &nor, 0, 16 * 64, &st), OM_ERR_INVAL);
    nor.sector_size = 1024;
    nor.erase = NULL;
    assert_int_equal(om_flash_init(&fl, &nor, 0, 16 * 1024, &st), OM_ERR_INVAL);
}

static void test_empty_flash(void **state)
{
    char sel[OM_ID_MAX + 1];
    (void)state;
    emu_new(16 * 1024, 1024, 4);
    reboot();
    assert_int_equal(st.load(st.ctx, &got), OM_ERR_NOTFOUND);
    assert_int_equal(got.count, 0);
    assert_int_equal(st.sel_load(st.ctx, sel, sizeof sel), OM_ERR_NOTFOUND);
    assert_int_equal(emu.programs + emu.erases, 0);
}

static void test_round_trip_and_alternation(void **state)
{
    char sel[OM_ID_MAX + 1];
    unsigned v;
    (void)state;
    emu_new(32 * 1024, 1024, 8);
    reboot();
    assert_int_equal(emu.programs, 0);
    for (v = 0; v < 6; v++) {
        build(&tab[0], 20 + v, v);
        assert_int_equal(st.save(st.ctx, &tab[0]), OM_OK);
        reboot();
        assert_int_equal(loaded_which(NULL, &tab[0]), 1);
    }
    assert_int_equal(st.sel_save(st.ctx, "vendor-1/model-001"), OM_OK);
    assert_int_equal(st.sel_save(st.ctx, "anthropic/claude-sonnet-4"), OM_OK);
    reboot();
    assert_int_equal(st.sel_load(st.ctx, sel, sizeof sel), 25);
    assert_string_equal(sel, "anthropic/claude-sonnet-4");
    assert_int_equal(st.sel_save(st.ctx, ""), OM_ERR_INVAL);
    assert_int_equal(st.sel_save(st.ctx, "bad\nid"), OM_ERR_INVAL);
    assert_int_equal(loaded_which(NULL, &tab[0]), 1);
}

/* No erase and no program when the stored version is the same; one slot's
 * sectors at most otherwise. */
static void test_unchanged_and_one_slot_erase(void **state)
{
    unsigned v, i;
    (void)state;
    emu_new(64 * 1024, 4096, 4);
    reboot();
    for (v = 0; v < 5; v++) {
        build(&tab[0], 40, v);
        emu.erases = emu.programs = 0;
        assert_int_equal(st.save(st.ctx, &tab[0]), OM_OK);
        assert_true(emu.programs > 0);
        for (i = 0; i < emu.erases; i++) { /* all in the slot written */
            int in0 = emu.erased[i] >= fl.table[0].addr &&
                      emu.erased[i] < fl.table[0].addr + fl.table[0].size;
            int in1 = emu.erased[i] >= fl.table[1].addr &&
                      emu.erased[i] < fl.table[1].addr + fl.table[1].size;
            int first0 = emu.erased[0] < fl.table[1].addr;
            assert_true(first0 ? in0 : in1);
        }
        assert_true(emu.erases <= fl.table[0].size / 4096);
        if (v < 2)
            assert_int_equal(emu.erases, 0); /* both slots blank at first */
        else
            assert_true(emu.erases > 0);
        emu.erases = emu.programs = 0;
        assert_int_equal(st.save(st.ctx, &tab[0]), OM_OK);
        assert_int_equal(emu.erases, 0);
        assert_int_equal(emu.programs, 0);
    }
    assert_int_equal(st.sel_save(st.ctx, "a/b"), OM_OK);
    emu.erases = emu.programs = 0;
    assert_int_equal(st.sel_save(st.ctx, "a/b"), OM_OK);
    assert_int_equal(emu.erases + emu.programs, 0);
}

/* A table refresh leaves the selection's sectors alone, and the other
 * way round. */
static void test_records_independent(void **state)
{
    static uint8_t before[FLASH_MAX];
    uint32_t sel_end;
    (void)state;
    emu_new(32 * 1024, 1024, 4);
    reboot();
    sel_end = fl.table[0].addr;
    assert_int_equal(st.sel_save(st.ctx, "x/y"), OM_OK);
    memcpy(before, emu.mem, emu.size);
    build(&tab[0], 30, 1);
    assert_int_equal(st.save(st.ctx, &tab[0]), OM_OK);
    build(&tab[0], 30, 2);
    assert_int_equal(st.save(st.ctx, &tab[0]), OM_OK);
    build(&tab[0], 30, 3);
    assert_int_equal(st.save(st.ctx, &tab[0]), OM_OK);
    assert_memory_equal(before, emu.mem, sel_end);
    memcpy(before, emu.mem, emu.size);
    assert_int_equal(st.sel_save(st.ctx, "x/z"), OM_OK);
    assert_int_equal(st.sel_save(st.ctx, "x/w"), OM_OK);
    assert_memory_equal(before + sel_end, emu.mem + sel_end,
                        emu.size - sel_end);
}

/* A flipped bit in the newest slot: the older version comes back. */
static void test_corrupt_newest_falls_back(void **state)
{
    char sel[OM_ID_MAX + 1];
    (void)state;
    emu_new(32 * 1024, 1024, 4);
    reboot();
    build(&tab[0], 25, 1);
    build(&tab[1], 25, 2);
    assert_int_equal(st.save(st.ctx, &tab[0]), OM_OK);
    assert_int_equal(st.save(st.ctx, &tab[1]), OM_OK);
    emu.mem[fl.table[1].addr + fl.data_off + 100] ^= 0x10;
    reboot();
    assert_int_equal(loaded_which(&tab[0], &tab[1]), 0);
    /* the next save goes over the damaged slot */
    assert_int_equal(st.save(st.ctx, &tab[1]), OM_OK);
    assert_int_equal(loaded_which(&tab[0], &tab[1]), 1);
    assert_int_equal(st.sel_save(st.ctx, "one/1"), OM_OK);
    assert_int_equal(st.sel_save(st.ctx, "two/2"), OM_OK);
    emu.mem[fl.sel[1].addr + 3] = 0; /* the header's magic */
    assert_int_equal(st.sel_load(st.ctx, sel, sizeof sel), 5);
    assert_string_equal(sel, "one/1");
}

static void test_too_big_and_io_errors(void **state)
{
    static uint8_t before[FLASH_MAX];
    (void)state;
    emu_new(8 * 1024, 1024, 4); /* table slots of 3 KiB */
    reboot();
    build(&tab[0], 120, 0);
    assert_true(om_image_size(&tab[0]) > om_flash_table_room(&fl));
    memcpy(before, emu.mem, emu.size);
    assert_int_equal(st.save(st.ctx, &tab[0]), OM_ERR_NOSPACE);
    assert_memory_equal(before, emu.mem, emu.size);
    build(&tab[0], 10, 0);
    assert_int_equal(st.save(st.ctx, &tab[0]), OM_OK);
    emu.dead = 1; /* every callback fails */
    assert_int_equal(st.load(st.ctx, &got), OM_ERR_IO);
    assert_int_equal(got.count, 0);
    assert_int_equal(st.save(st.ctx, &tab[1]), OM_ERR_IO);
    assert_int_equal(st.sel_save(st.ctx, "a/b"), OM_ERR_IO);
}

/* A full 512-model table in a 128 KiB region (the board's layout). */
static void test_full_table(void **state)
{
    unsigned i;
    (void)state;
    emu_new(128 * 1024, 4096, 16);
    reboot();
    build(&tab[2], OM_TABLE_CAPACITY, 7);
    assert_int_equal(tab[2].count, OM_TABLE_CAPACITY);
    assert_true(om_image_size(&tab[2]) <= om_flash_table_room(&fl));
    for (i = 0; i < 3; i++) {
        tab[2].updated_at++;
        assert_int_equal(st.save(st.ctx, &tab[2]), OM_OK);
        reboot();
        assert_int_equal(loaded_which(NULL, &tab[2]), 1);
    }
}

/* ------------------------------------------------------------ power cuts */

typedef struct geom {
    uint32_t size, sector, prog;
} geom_t;

static const geom_t geoms[] = {
    {16 * 1024, 256, 1},   /* byte-programmable, small sectors */
    {16 * 1024, 512, 4},   /* word programming */
    {32 * 1024, 4096, 16}, /* SPI-NOR-like sectors, 16-byte units */
    {16 * 1024, 1024, 32}, /* STM32H7-like 256-bit flash words */
};

static uint8_t start[FLASH_MAX];
static unsigned cut_runs;

/* The starting states: how many versions were saved before, and whether
 * the inactive slot holds a torn write. */
enum { ST_EMPTY, ST_ONE, ST_TWO, ST_TWO_TORN, ST_COUNT };

static void make_start(int kind_sel, int s, const om_table_t **old,
                       const char **old_sel)
{
    reboot();
    *old = NULL;
    *old_sel = NULL;
    /* The other record is always there, so that we can see it survive. */
    if (!kind_sel)
        assert_int_equal(st.sel_save(st.ctx, "keep/this-choice"), OM_OK);
    else
        assert_int_equal(st.save(st.ctx, &tab[3]), OM_OK);
    if (s >= ST_ONE) {
        if (!kind_sel) {
            assert_int_equal(st.save(st.ctx, &tab[s >= ST_TWO ? 2 : 0]), OM_OK);
        } else {
            assert_int_equal(st.sel_save(st.ctx, "old/choice-one"), OM_OK);
        }
    }
    if (s >= ST_TWO) {
        if (!kind_sel) {
            assert_int_equal(st.save(st.ctx, &tab[0]), OM_OK);
        } else {
            assert_int_equal(st.sel_save(st.ctx, "old/choice-two"), OM_OK);
        }
    }
    if (!kind_sel)
        *old = s >= ST_ONE ? &tab[0] : NULL;
    else
        *old_sel = s >= ST_TWO ? "old/choice-two" : s >= ST_ONE ? "old/choice-one" : NULL;
    if (s == ST_TWO_TORN) { /* a save of something else, cut halfway */
        emu.cut_at = 2;
        emu.cut_mode = CUT_TORN;
        emu.ops = 0;
        if (!kind_sel)
            assert_int_not_equal(st.save(st.ctx, &tab[2]), OM_OK);
        else
            assert_int_not_equal(st.sel_save(st.ctx, "torn/choice-with-a-long-id-to-span-units"), OM_OK);
        reboot();
    }
    memcpy(start, emu.mem, emu.size);
}

/* The save under test: 0 on success. */
static int do_save(int kind_sel)
{
    return kind_sel ? st.sel_save(st.ctx, "new/choice")
                    : st.save(st.ctx, &tab[1]);
}

static void check_after_cut(int kind_sel, const om_table_t *old,
                            const char *old_sel, int *saw_new)
{
    char sel[OM_ID_MAX + 1];
    int e;
    reboot();
    if (!kind_sel) {
        *saw_new |= loaded_which(old, &tab[1]);
        assert_int_equal(st.sel_load(st.ctx, sel, sizeof sel), 16);
        assert_string_equal(sel, "keep/this-choice");
    } else {
        e = st.sel_load(st.ctx, sel, sizeof sel);
        if (e == OM_ERR_NOTFOUND) {
            assert_null(old_sel);
        } else {
            assert_true(e > 0);
            if (strcmp(sel, "new/choice") == 0)
                *saw_new = 1;
            else
                assert_string_equal(sel, old_sel);
        }
        assert_int_equal(loaded_which(NULL, &tab[3]), 1);
    }
    /* Life goes on: the next save works and is what loads. */
    if (!kind_sel) {
        assert_int_equal(st.save(st.ctx, &tab[2]), OM_OK);
        reboot();
        assert_int_equal(loaded_which(NULL, &tab[2]), 1);
    } else {
        assert_int_equal(st.sel_save(st.ctx, "later/choice"), OM_OK);
        reboot();
        assert_int_equal(st.sel_load(st.ctx, sel, sizeof sel), 12);
        assert_string_equal(sel, "later/choice");
    }
}

static void cut_everywhere(int kind_sel)
{
    size_t g;
    int s, mode;
    build(&tab[0], 24, 0);
    build(&tab[1], 26, 1);
    build(&tab[2], 22, 2);
    build(&tab[3], 12, 3);
    for (g = 0; g < sizeof geoms / sizeof geoms[0]; g++) {
        for (s = 0; s < ST_COUNT; s++) {
            const om_table_t *old;
            const char *old_sel;
            unsigned ops, k;
            int saw_new = 0;
            emu_new(geoms[g].size, geoms[g].sector, geoms[g].prog);
            make_start(kind_sel, s, &old, &old_sel);
            /* How many operations the uncut save takes. */
            reboot();
            assert_int_equal(do_save(kind_sel), OM_OK);
            ops = emu.ops;
            assert_true(ops > 0);
            for (k = 1; k <= ops; k++) {
                for (mode = 0; mode < CUT_MODES; mode++) {
                    memcpy(emu.mem, start, emu.size);
                    reboot();
                    emu.cut_at = k;
                    emu.cut_mode = mode;
                    emu.rng = k * 7919u + (unsigned)mode;
                    assert_int_not_equal(do_save(kind_sel), OM_OK);
                    assert_true(emu.dead);
                    check_after_cut(kind_sel, old, old_sel, &saw_new);
                    cut_runs++;
                }
            }
            /* A cut after the last operation leaves the new version. */
            assert_true(saw_new);
        }
    }
}

static void test_power_cut_table_save(void **state)
{
    (void)state;
    cut_runs = 0;
    cut_everywhere(0);
    print_message("table save: %u power cuts, each checked\n", cut_runs);
}

static void test_power_cut_sel_save(void **state)
{
    (void)state;
    cut_runs = 0;
    cut_everywhere(1);
    print_message("selection save: %u power cuts, each checked\n", cut_runs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geometry_checks),
        cmocka_unit_test(test_empty_flash),
        cmocka_unit_test(test_round_trip_and_alternation),
        cmocka_unit_test(test_unchanged_and_one_slot_erase),
        cmocka_unit_test(test_records_independent),
        cmocka_unit_test(test_corrupt_newest_falls_back),
        cmocka_unit_test(test_too_big_and_io_errors),
        cmocka_unit_test(test_full_table),
        cmocka_unit_test(test_power_cut_table_save),
        cmocka_unit_test(test_power_cut_sel_save),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
