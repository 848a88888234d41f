/*
 * fuzz_picker.c - libFuzzer harness for the console input of the picker
 * (om_picker_feed over a table, include/om_picker.h).
 *
 * The first byte sets the scene: which table (the built-in defaults, an
 * empty one, or 300 models with long, non-ASCII and look-alike ids, built
 * once), the source line, whether a selection is saved, whether saving
 * fails, and whether a console write fails; the rest is fed byte by byte,
 * then the input ends. Whatever the bytes:
 *  - every write is 1..OM_PICKER_OUT_SIZE bytes, never an escape sequence
 *    (no ESC byte), and no output line is longer than 79 columns plus
 *    the echo of one input line (OM_PICKER_LINE_MAX);
 *  - once feed returns a status other than MORE it returns it again for
 *    any later byte, and om_picker_end agrees;
 *  - CHOSEN means exactly one save, of an id that is in the table, and
 *    om_picker_chosen returns it; any other end leaves no save (except a
 *    failed save, reported as an error) and om_picker_chosen NULL;
 *  - the table is never changed (checked by a hash of its used bytes).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "om_picker.h"

static om_table_t big, small, empty;
static uint64_t h_big, h_small, h_empty;
static uint16_t idx[OM_TABLE_CAPACITY];
static om_picker_t pk;
static int inited;

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    while (n--)
        h = (h ^ *b++) * 1099511628211ull;
    return h;
}

/* The bytes of t that hold anything: header, used records, used pool. */
static uint64_t hash(const om_table_t *t)
{
    uint64_t h = 1469598103934665603ull;
    h = hash_bytes(h, t, offsetof(om_table_t, models));
    h = hash_bytes(h, t->models, sizeof t->models[0] * t->count);
    return hash_bytes(h, t->pool, t->pool_used);
}

/* ---------------------------------------------------------- the console */

static int write_fail_at; /* fail the nth write (1-based), 0: never */
static int writes;
static unsigned col;      /* bytes since the last line end */
static unsigned long total_out;

static int con_write(void *ctx, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    size_t i;
    (void)ctx;
    if (len == 0 || len > OM_PICKER_OUT_SIZE)
        abort();
    if (++writes == write_fail_at)
        return OM_ERR_IO;
    for (i = 0; i < len; i++) {
        if (p[i] == 0x1b)
            abort(); /* an escape sequence reached the terminal */
        if (p[i] == '\n' || p[i] == '\r')
            col = 0;
        else if (p[i] == '\b')
            col = col ? col - 1 : 0;
        else if ((p[i] & 0xC0) != 0x80) /* count UTF-8 lead bytes */
            col++;
        /* a prompt plus the echo of a line typed at it (the terminal
         * wraps what the user types; tests/unit/test_picker.c checks
         * the screens themselves fit 80x24) */
        if (col > 79 + OM_PICKER_LINE_MAX) {
            fprintf(stderr, "line longer than a prompt and an input line\n");
            abort();
        }
    }
    total_out += len;
    return OM_OK;
}

static int con_read(void *ctx, uint32_t ms)
{
    (void)ctx;
    (void)ms;
    return OM_ERR_CLOSED;
}

static const om_console_t con = {NULL, con_read, con_write};

/* ------------------------------------------------------------ the store */

static char saved[OM_ID_MAX + 1];
static int saves, save_err;

static int st_load(void *ctx, om_table_t *t)
{
    (void)ctx;
    (void)t;
    return OM_ERR_NOTFOUND;
}
static int st_save(void *ctx, const om_table_t *t)
{
    (void)ctx;
    (void)t;
    return OM_ERR_IO;
}
static int st_sel_load(void *ctx, char *buf, size_t cap)
{
    size_t n = strlen(saved);
    (void)ctx;
    if (!n)
        return OM_ERR_NOTFOUND;
    if (cap <= n)
        return OM_ERR_NOSPACE;
    memcpy(buf, saved, n + 1);
    return (int)n;
}
static int st_sel_save(void *ctx, const char *id)
{
    size_t n = strlen(id);
    (void)ctx;
    saves++;
    if (save_err)
        return save_err;
    if (n < 1 || n > OM_ID_MAX)
        abort();
    memcpy(saved, id, n + 1);
    return OM_OK;
}
static const om_store_t store = {NULL, st_load, st_save, st_sel_load,
                                 st_sel_save};

/* ------------------------------------------------------------ the tables */

static void put(om_table_t *t, const char *id, const char *name, uint32_t i)
{
    om_model_t m;
    memset(&m, 0, sizeof m);
    m.prompt = i % 3 ? (om_price_t)(i * 7u) : 0;
    m.completion = i % 3 ? (om_price_t)(i * 11u) : 0;
    if (i % 17 == 5)
        m.prompt = m.completion = OM_PRICE_NONE;
    m.context_length = (i * 2654435761u) % 2000000u;
    m.created = 1700000000u + (i * 40503u) % 50000000u;
    m.seq = (uint16_t)i;
    m.id_len = (uint8_t)strlen(id);
    m.name_len = (uint8_t)strlen(name);
    om_table_put(t, &m, id, name);
}

static void init_tables(void)
{
    char id[OM_ID_MAX + 1], name[OM_NAME_MAX + 1];
    unsigned i;
    om_table_init(&empty);
    om_table_init(&small);
    om_table_load_defaults(&small);
    om_table_init(&big);
    for (i = 0; i < 300; i++) {
        switch (i % 6) {
        case 0:
            snprintf(id, sizeof id, "vendor%u/model-%u", i % 13, i);
            snprintf(name, sizeof name, "Vendor %u: Model %u", i % 13, i);
            break;
        case 1: /* a long id and a long name */
            snprintf(id, sizeof id, "very-long-vendor-name-%u/%s-%u", i,
                     "an-extremely-long-model-identifier-that-goes-on-and-on",
                     i);
            snprintf(name, sizeof name, "%s %u",
                     "A Name So Long That It Cannot Possibly Fit On One "
                     "Line Of A Serial Terminal Screen At All",
                     i);
            break;
        case 2: /* non-ASCII */
            snprintf(id, sizeof id, "\xc3\xa9quipe-%u/mod\xc3\xa8le-%u", i % 5,
                     i);
            snprintf(name, sizeof name,
                     "\xe6\xa8\xa1\xe5\x9e\x8b %u \xf0\x9f\x98\x80", i);
            break;
        case 3: /* numbers and command letters as ids */
            snprintf(id, sizeof id, "%u", i);
            snprintf(name, sizeof name, "s %u", i);
            break;
        case 4:
            snprintf(id, sizeof id, "openai/gpt-4o:v%u", i);
            snprintf(name, sizeof name, "OpenAI: GPT-4o v%u (free)", i);
            break;
        default:
            snprintf(id, sizeof id, "q/%u", i);
            snprintf(name, sizeof name, "%s", "");
            break;
        }
        put(&big, id, name, i);
    }
    put(&big, "anthropic/claude-sonnet-4", "Anthropic: Claude Sonnet 4", 999);
    put(&big, "openai/gpt-4o", "OpenAI: GPT-4o", 998);
    big.updated_at = 1747958400;
    h_big = hash(&big);
    h_small = hash(&small);
    h_empty = hash(&empty);
    inited = 1;
}

static const char *const pop_custom[] = {"q/5", "nope/none", "3",
                                         "openai/gpt-4o"};

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    om_picker_cfg_t cfg;
    const om_table_t *t;
    uint64_t h;
    int st = OM_PICKER_MORE, e, fin = 0;
    size_t i;
    if (!inited)
        init_tables();
    if (n < 1)
        return 0;
    switch (d[0] & 3) {
    case 0: t = &small; h = h_small; break;
    case 1: t = &empty; h = h_empty; break;
    default: t = &big; h = h_big; break;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.table = t;
    cfg.idx = idx;
    cfg.store = &store;
    cfg.console = &con;
    cfg.source = (om_picker_source_t)((d[0] >> 2) & 3);
    if (d[0] & 0x10) {
        cfg.popular = pop_custom;
        cfg.npopular = 4;
    }
    saved[0] = '\0';
    if (d[0] & 0x20)
        strcpy(saved, t == &big ? "q/5" : "no/such-model");
    save_err = (d[0] & 0x40) ? OM_ERR_IO : 0;
    write_fail_at = (d[0] & 0x80) && n > 1 ? 1 + d[1] % 64 : 0;
    saves = writes = 0;
    col = 0;
    total_out = 0;

    e = om_picker_init(&pk, &cfg);
    if (e != 0) {
        if (e >= 0 || !write_fail_at)
            abort();
        return 0;
    }
    for (i = 1; i < n; i++) {
        int s = om_picker_feed(&pk, d[i]);
        if (fin && s != st)
            abort(); /* a finished picker changed its mind */
        if (s != OM_PICKER_MORE && !fin) {
            fin = 1;
            st = s;
        }
        if (s < 0 && !write_fail_at && !save_err)
            abort(); /* an error nobody caused */
    }
    e = om_picker_end(&pk);
    if (fin && e != st)
        abort();
    if (!fin) {
        /* EOF, or the console's error writing the last line */
        if (e != OM_PICKER_EOF && !(e < 0 && write_fail_at))
            abort();
        st = e;
    }
    if (st == OM_PICKER_CHOSEN) {
        const char *c = om_picker_chosen(&pk);
        if (saves != 1 || save_err || !c || strcmp(c, saved) != 0 ||
            om_table_find(t, c, strlen(c)) < 0)
            abort();
    } else if (st > 0) {
        if (om_picker_chosen(&pk) != NULL || (saves && !save_err))
            abort();
    }
    if (hash(t) != h)
        abort(); /* the picker wrote to the table */
    return 0;
}
