/*
 * test_table.c - the model table: sorted inserts, lookups, repeated ids,
 * the capacity and pool limits (who is evicted, who is dropped, strings
 * intact after every pool compaction), selection filters and orders, and
 * the built-in defaults. Every expected table is tracked on the test side.
 */
#include "om_test.h"

#define CAP OM_TABLE_CAPACITY

static om_table_t tab; /* about 45 KB: static, as on a device */

/* ------------------------------------------------------------- helpers */

static uint32_t rng = 0x12345678u;

static uint32_t rnd(void) /* xorshift32: the same sequence every run */
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void shuffle(unsigned *v, size_t n)
{
    size_t i;
    for (i = n; i > 1; i--) {
        size_t j = rnd() % i;
        unsigned t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

static int put_full(om_table_t *t, const char *id, const char *name,
                    om_price_t prompt, om_price_t completion, uint32_t ctx,
                    uint32_t created, uint16_t seq, uint8_t flags)
{
    om_model_t m;
    memset(&m, 0, sizeof m);
    m.prompt = prompt;
    m.completion = completion;
    m.context_length = ctx;
    m.created = created;
    m.seq = seq;
    m.flags = flags;
    m.str = (om_off_t)0x7777u; /* ignored by om_table_put */
    m.id_len = (uint8_t)strlen(id);
    m.name_len = (uint8_t)strlen(name);
    return om_table_put(t, &m, id, name);
}

static int put(om_table_t *t, const char *id, const char *name,
               uint32_t created, uint16_t seq, uint8_t flags)
{
    return put_full(t, id, name, OM_PRICE_NONE, OM_PRICE_NONE, 0, created,
                    seq, flags);
}

static int find(const om_table_t *t, const char *id)
{
    return om_table_find(t, id, strlen(id));
}

/* Strictly increasing ids, lengths that match the strings, regions
 * inside the used pool. */
static void check_table(const om_table_t *t)
{
    size_t i;
    assert_true(t->count <= CAP);
    assert_true(t->pool_used <= OM_POOL_SIZE);
    for (i = 0; i < t->count; i++) {
        const om_model_t *m = om_table_at(t, i);
        assert_non_null(m);
        assert_true((size_t)m->str + m->id_len + m->name_len + 2u <=
                    t->pool_used);
        assert_int_equal(strlen(om_model_id(t, m)), m->id_len);
        assert_int_equal(strlen(om_model_name(t, m)), m->name_len);
        if (i > 0 && strcmp(om_model_id(t, om_table_at(t, i - 1)),
                            om_model_id(t, m)) >= 0)
            fail_msg("ids not strictly increasing at %u: \"%s\" then \"%s\"",
                     (unsigned)i, om_model_id(t, om_table_at(t, i - 1)),
                     om_model_id(t, m));
    }
    assert_null(om_table_at(t, t->count));
}

static void small_id(char *buf, unsigned i) { sprintf(buf, "v/m-%04u", i); }
static void small_name(char *buf, unsigned i) { sprintf(buf, "Model %u", i); }

/* a is older than b: created earlier, or as old and listed later. */
static int older(uint32_t ca, uint16_t sa, uint32_t cb, uint16_t sb)
{
    return ca != cb ? ca < cb : sa > sb;
}

/* ---------------------------------------------------- order and lookup */

static void test_sorted_after_random_inserts(void **state)
{
    static unsigned order[CAP];
    char id[32], name[32];
    unsigned i;
    (void)state;
    om_table_init(&tab);
    for (i = 0; i < CAP; i++)
        order[i] = i;
    shuffle(order, CAP);
    for (i = 0; i < CAP; i++) {
        small_id(id, order[i]);
        small_name(name, order[i]);
        assert_int_equal(put(&tab, id, name, 1000u + order[i],
                             (uint16_t)i, 0), OM_PUT_ADDED);
        assert_int_equal(tab.count, i + 1u);
    }
    check_table(&tab);
    for (i = 0; i < CAP; i++) {
        const om_model_t *m = om_table_at(&tab, i);
        small_id(id, i);
        small_name(name, i);
        assert_int_equal(find(&tab, id), (int)i); /* zero-padded: index i */
        assert_string_equal(om_model_id(&tab, m), id);
        assert_string_equal(om_model_name(&tab, m), name);
        assert_int_equal(m->created, 1000u + i);
    }
}

static void test_find_hits_and_misses(void **state)
{
    /* Inserted scrambled; listed here in bytewise order. */
    static const char *const sorted[] = {
        "a", "ab", "abc", "b/x", "b/x:free", "openai/gpt-4o",
        "openai/gpt-4o-mini", "z", "~openrouter/auto", "\xc3\xa9/model",
    };
    static const unsigned ins[] = {8, 3, 0, 9, 5, 2, 7, 1, 6, 4};
    static const char *const misses[] = {
        "aa", "abcd", "b/", "b/x:", "b/x:fre", "openai/gpt-4", "openai/gpt-4o-",
        "~", "~openrouter/autox", "0", "zz", "{", "A", "\xc3\xa9",
        "~openrouter/aut",
    };
    size_t i, n = sizeof sorted / sizeof sorted[0];
    (void)state;
    om_table_init(&tab);
    assert_int_equal(find(&tab, "a"), OM_ERR_NOTFOUND); /* empty table */
    assert_null(om_table_at(&tab, 0));
    for (i = 0; i < n; i++)
        assert_int_equal(put(&tab, sorted[ins[i]], "n", 1, (uint16_t)i, 0),
                         OM_PUT_ADDED);
    check_table(&tab);
    assert_int_equal(tab.count, n);
    for (i = 0; i < n; i++) {
        assert_int_equal(find(&tab, sorted[i]), (int)i);
        assert_string_equal(om_model_id(&tab, om_table_at(&tab, i)), sorted[i]);
    }
    assert_int_equal(find(&tab, "~openrouter/auto"), (int)n - 2);
    for (i = 0; i < sizeof misses / sizeof misses[0]; i++)
        if (find(&tab, misses[i]) != OM_ERR_NOTFOUND)
            fail_msg("found \"%s\"", misses[i]);
    assert_int_equal(om_table_find(&tab, "", 0), OM_ERR_NOTFOUND);
    /* The length is what counts, not a NUL. */
    assert_int_equal(om_table_find(&tab, "abcd", 3), 2);
    assert_int_equal(om_table_find(&tab, "b/x:free!", 8), 4);
    assert_int_equal(om_table_find(&tab, "b/x:free!", 5), OM_ERR_NOTFOUND);
}

/* ------------------------------------------------------- repeated ids */

static void check_model(const om_table_t *t, const char *id, const char *name,
                        om_price_t prompt, om_price_t completion, uint32_t ctx,
                        uint32_t created, uint16_t seq)
{
    int i = find(t, id);
    const om_model_t *m;
    if (i < 0)
        fail_msg("\"%s\" not found", id);
    m = om_table_at(t, (size_t)i);
    assert_string_equal(om_model_id(t, m), id);
    assert_string_equal(om_model_name(t, m), name);
    assert_int_equal(m->name_len, strlen(name));
    assert_true(m->prompt == prompt);
    assert_true(m->completion == completion);
    assert_int_equal(m->context_length, ctx);
    assert_int_equal(m->created, created);
    assert_int_equal(m->seq, seq);
}

static void test_duplicate_later_wins(void **state)
{
    /* Names of every length relation to the region they replace: longer,
     * equal, 1 and 2 shorter (no room for a dead filler), much shorter,
     * empty. */
    static const char *const names[] = {
        "Second: a longer name than the first",
        "Second: a longer name than the firsT", "Second: a longer name", "S",
        "Second: a longer nam", "Second: a longer na", "Second: a longer ",
        "", "Back to a long name",
        "Back to a long nam", "Back to a long na", "Back to a long n", "X",
    };
    size_t i;
    (void)state;
    om_table_init(&tab);
    assert_int_equal(put(&tab, "x/0", "before", 1, 0, 0), OM_PUT_ADDED);
    assert_int_equal(put_full(&tab, "x/a", "First", 3, 15, 1000, 10, 1, 0),
                     OM_PUT_ADDED);
    assert_int_equal(put(&tab, "x/b", "after", 1, 2, 0), OM_PUT_ADDED);
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_int_equal(put_full(&tab, "x/a", names[i], 100 + i, 200 + i,
                                  (uint32_t)(5000 + i), (uint32_t)(20 + i),
                                  (uint16_t)(7 + i), 0),
                         OM_PUT_REPLACED);
        assert_int_equal(tab.count, 3);
        check_table(&tab);
        check_model(&tab, "x/a", names[i], 100 + i, 200 + i,
                    (uint32_t)(5000 + i), (uint32_t)(20 + i), (uint16_t)(7 + i));
        check_model(&tab, "x/0", "before", OM_PRICE_NONE, OM_PRICE_NONE, 0, 1,
                    0);
        check_model(&tab, "x/b", "after", OM_PRICE_NONE, OM_PRICE_NONE, 0, 1, 2);
    }
}

static void test_duplicate_pinned_kept(void **state)
{
    const om_model_t *m;
    (void)state;
    om_table_init(&tab);
    /* Pinned first, then unpinned: in place (same length) and moved. */
    assert_int_equal(put(&tab, "p/one", "Pinned", 1, 0, OM_MODEL_PINNED),
                     OM_PUT_ADDED);
    assert_int_equal(put(&tab, "p/one", "Plain!", 2, 1, 0), OM_PUT_REPLACED);
    m = om_table_at(&tab, (size_t)find(&tab, "p/one"));
    assert_true(m->flags & OM_MODEL_PINNED);
    assert_int_equal(put(&tab, "p/one", "A much longer plain name", 3, 2, 0),
                     OM_PUT_REPLACED);
    m = om_table_at(&tab, (size_t)find(&tab, "p/one"));
    assert_true(m->flags & OM_MODEL_PINNED);
    assert_string_equal(om_model_name(&tab, m), "A much longer plain name");
    assert_int_equal(put(&tab, "p/one", "Short", 4, 3, 0), OM_PUT_REPLACED);
    m = om_table_at(&tab, (size_t)find(&tab, "p/one"));
    assert_true(m->flags & OM_MODEL_PINNED);
    /* Unpinned first, then pinned. */
    assert_int_equal(put(&tab, "p/two", "Plain", 1, 0, 0), OM_PUT_ADDED);
    m = om_table_at(&tab, (size_t)find(&tab, "p/two"));
    assert_false(m->flags & OM_MODEL_PINNED);
    assert_int_equal(put(&tab, "p/two", "Pinned now", 1, 0, OM_MODEL_PINNED),
                     OM_PUT_REPLACED);
    m = om_table_at(&tab, (size_t)find(&tab, "p/two"));
    assert_true(m->flags & OM_MODEL_PINNED);
    assert_string_equal(om_model_name(&tab, m), "Pinned now");
    /* Neither pinned stays unpinned. */
    assert_int_equal(put(&tab, "p/three", "a", 1, 0, 0), OM_PUT_ADDED);
    assert_int_equal(put(&tab, "p/three", "b", 1, 0, 0), OM_PUT_REPLACED);
    m = om_table_at(&tab, (size_t)find(&tab, "p/three"));
    assert_false(m->flags & OM_MODEL_PINNED);
    assert_int_equal(tab.count, 3);
}

/* An id or name of exactly len bytes, unique to (tag, i, v). */
static void make_str(char *buf, size_t len, char tag, unsigned i, unsigned v)
{
    char head[40];
    size_t n, k;
    n = (size_t)sprintf(head, "%c/m-%04u-%u-", tag, i, v);
    for (k = 0; k < len; k++)
        buf[k] = k < n ? head[k] : (char)('a' + (k * 7u + i + v) % 26u);
    buf[len] = '\0';
}

#define BIG_ID 90
#define BIG_NAME 80
#define BIG_NEED (BIG_ID + BIG_NAME + 2)

static void test_many_replacements_no_exhaustion(void **state)
{
    static char ids[CAP][BIG_ID + 1], names[CAP][BIG_NAME + 1];
    char name[OM_NAME_MAX + 1];
    unsigned nbig = (OM_POOL_SIZE - 300) / BIG_NEED, i, k;
    (void)state;
    if (nbig > CAP - 1u)
        nbig = CAP - 1u;
    om_table_init(&tab);
    /* Most of the pool held by others, so compaction runs often. */
    for (i = 0; i < nbig; i++) {
        make_str(ids[i], BIG_ID, 'v', i, 0);
        make_str(names[i], BIG_NAME, 'N', i, 0);
        assert_int_equal(put(&tab, ids[i], names[i], 50, (uint16_t)i, 0),
                         OM_PUT_ADDED);
    }
    for (k = 0; k < 100000u; k++) {
        size_t len = (k * 37u) % (OM_NAME_MAX + 1u);
        int r;
        make_str(name, len, 'R', k % 10000u, k);
        r = put(&tab, "r/one", name, k, 0, 0);
        if (r != (k ? OM_PUT_REPLACED : OM_PUT_ADDED))
            fail_msg("replacement %u of r/one returned %d", k, r);
        assert_int_equal(tab.count, nbig + 1u);
        assert_string_equal(om_model_name(&tab, om_table_at(&tab,
                            (size_t)find(&tab, "r/one"))), name);
        if (k % 4096u == 0 || k == 99999u) {
            check_table(&tab);
            for (i = 0; i < nbig; i++) {
                const om_model_t *m = om_table_at(&tab, (size_t)find(&tab, ids[i]));
                assert_non_null(m);
                assert_string_equal(om_model_name(&tab, m), names[i]);
            }
        }
    }
}

/* ------------------------------------------------------------ capacity */

static void test_capacity_newest_kept(void **state)
{
    char id[32], name[32];
    unsigned i, n = CAP + 88u;
    (void)state;
    om_table_init(&tab);
    for (i = 0; i < n; i++) {
        small_id(id, i);
        small_name(name, i);
        assert_int_equal(put(&tab, id, name, 1000u + i, (uint16_t)(n - i), 0),
                         i < CAP ? OM_PUT_ADDED : OM_PUT_EVICTED);
        assert_int_equal(tab.count, i < CAP ? i + 1u : CAP);
    }
    check_table(&tab);
    for (i = 0; i < n; i++) {
        int at;
        small_id(id, i);
        small_name(name, i);
        at = find(&tab, id);
        if (i < n - CAP) {
            assert_int_equal(at, OM_ERR_NOTFOUND);
        } else {
            assert_int_equal(at, (int)(i - (n - CAP)));
            assert_string_equal(om_model_name(&tab, om_table_at(&tab, (size_t)at)),
                                name);
        }
    }
}

static void test_capacity_older_dropped(void **state)
{
    char id[32], name[32];
    unsigned i, n = CAP + 88u;
    (void)state;
    om_table_init(&tab);
    for (i = 0; i < n; i++) {
        uint32_t pool_before = tab.pool_used;
        small_id(id, i);
        small_name(name, i);
        assert_int_equal(put(&tab, id, name, 100000u - i, (uint16_t)i, 0),
                         i < CAP ? OM_PUT_ADDED : OM_PUT_DROPPED);
        if (i >= CAP)
            assert_int_equal(tab.pool_used, pool_before);
    }
    assert_int_equal(tab.count, CAP);
    check_table(&tab);
    for (i = 0; i < n; i++) {
        small_id(id, i);
        assert_int_equal(find(&tab, id), i < CAP ? (int)i : OM_ERR_NOTFOUND);
    }
}

static void test_capacity_equal_created_seq_decides(void **state)
{
    char id[32], name[32];
    unsigned i, n = CAP + 88u;
    (void)state;
    /* In catalogue order: later entries are older, so they are dropped. */
    om_table_init(&tab);
    for (i = 0; i < n; i++) {
        small_id(id, i);
        small_name(name, i);
        assert_int_equal(put(&tab, id, name, 7, (uint16_t)i, 0),
                         i < CAP ? OM_PUT_ADDED : OM_PUT_DROPPED);
    }
    for (i = 0; i < n; i++) {
        small_id(id, i);
        assert_int_equal(find(&tab, id), i < CAP ? (int)i : OM_ERR_NOTFOUND);
    }
    /* In reverse: each newcomer is newer than the last listed one kept. */
    om_table_init(&tab);
    for (i = n; i-- > 0;) {
        small_id(id, i);
        small_name(name, i);
        assert_int_equal(put(&tab, id, name, 7, (uint16_t)i, 0),
                         i >= n - CAP ? OM_PUT_ADDED : OM_PUT_EVICTED);
    }
    check_table(&tab);
    for (i = 0; i < n; i++) {
        small_id(id, i);
        assert_int_equal(find(&tab, id), i < CAP ? (int)i : OM_ERR_NOTFOUND);
    }
}

static void test_pinned_never_evicted(void **state)
{
    char id[32], name[32];
    unsigned i, n = CAP + 88u;
    int r;
    (void)state;
    om_table_init(&tab);
    assert_int_equal(put(&tab, "a/pinned", "Oldest pinned", 0, 900, OM_MODEL_PINNED),
                     OM_PUT_ADDED);
    assert_int_equal(put(&tab, "~pinned", "Old pinned", 1, 901, OM_MODEL_PINNED),
                     OM_PUT_ADDED);
    for (i = 0; i < n; i++) {
        small_id(id, i);
        small_name(name, i);
        assert_int_equal(put(&tab, id, name, 100u + i, (uint16_t)i, 0),
                         i < CAP - 2u ? OM_PUT_ADDED : OM_PUT_EVICTED);
    }
    assert_int_equal(tab.count, CAP);
    check_table(&tab);
    assert_int_equal(find(&tab, "a/pinned"), 0);
    assert_int_equal(find(&tab, "~pinned"), CAP - 1);
    assert_string_equal(om_model_name(&tab, om_table_at(&tab, 0)), "Oldest pinned");
    for (i = 0; i < n; i++) {
        small_id(id, i);
        assert_int_equal(find(&tab, id) >= 0, i >= n - (CAP - 2u));
    }
    /* A pinned newcomer older than everything still gets in. */
    r = put(&tab, "b/pinned-late", "Late pin", 0, 999, OM_MODEL_PINNED);
    assert_int_equal(r, OM_PUT_EVICTED);
    assert_true(find(&tab, "b/pinned-late") >= 0);
    small_id(id, n - (CAP - 2u)); /* the oldest unpinned went */
    assert_int_equal(find(&tab, id), OM_ERR_NOTFOUND);
    assert_int_equal(tab.count, CAP);

    /* A table of pinned models only: nothing more gets in. */
    om_table_init(&tab);
    for (i = 0; i < CAP; i++) {
        small_id(id, i);
        assert_int_equal(put(&tab, id, "p", 1, (uint16_t)i, OM_MODEL_PINNED),
                         OM_PUT_ADDED);
    }
    assert_int_equal(put(&tab, "z/new", "newer", 99999, 0, 0), OM_PUT_DROPPED);
    assert_int_equal(put(&tab, "z/pin", "pinned", 99999, 0, OM_MODEL_PINNED),
                     OM_PUT_DROPPED);
    assert_int_equal(tab.count, CAP);
    assert_int_equal(find(&tab, "z/new"), OM_ERR_NOTFOUND);
    check_table(&tab);
}

/* ---------------------------------------------------------------- pool */

#define POOL_IDS 3000u

static char pid[POOL_IDS][BIG_ID + 1];
static char pname[POOL_IDS][OM_NAME_MAX + 1];
static uint32_t pcreated[POOL_IDS];
static uint16_t pseq[POOL_IDS];

/* Every model in the table carries what the test last put for its id. */
static void check_pool_strings(const om_table_t *t)
{
    size_t i;
    for (i = 0; i < t->count; i++) {
        const om_model_t *m = om_table_at(t, i);
        const char *id = om_model_id(t, m);
        unsigned k;
        assert_int_equal(m->id_len, BIG_ID);
        assert_int_equal(sscanf(id, "v/m-%4u", &k), 1);
        assert_true(k < POOL_IDS);
        assert_string_equal(id, pid[k]);
        assert_string_equal(om_model_name(t, m), pname[k]);
        assert_int_equal(m->created, pcreated[k]);
        assert_int_equal(m->seq, pseq[k]);
        assert_true(m->prompt == (om_price_t)k);
    }
}

static void test_pool_bound_evictions(void **state)
{
    static unsigned order[POOL_IDS], created[POOL_IDS];
    static unsigned char kept[POOL_IDS + 1];
    unsigned k = OM_POOL_SIZE / BIG_NEED, i, size = 0, min = 1;
    (void)state;
    if (k >= CAP)
        skip(); /* this build's pool is not the tighter limit */
    for (i = 0; i < POOL_IDS; i++) {
        order[i] = i;
        created[i] = i + 1u;
    }
    shuffle(order, POOL_IDS);
    shuffle(created, POOL_IDS);
    memset(kept, 0, sizeof kept);
    om_table_init(&tab);
    for (i = 0; i < POOL_IDS; i++) {
        unsigned j = order[i], c = created[i];
        int want, r;
        make_str(pid[j], BIG_ID, 'v', j, 0);
        make_str(pname[j], BIG_NAME, 'N', j, 0);
        pcreated[j] = c;
        pseq[j] = (uint16_t)i;
        /* Reference: the k newest seen so far. */
        if (size < k) {
            want = OM_PUT_ADDED;
            kept[c] = 1;
            size++;
        } else {
            while (!kept[min])
                min++;
            if (c > min) {
                want = OM_PUT_EVICTED;
                kept[min] = 0;
                kept[c] = 1;
            } else {
                want = OM_PUT_DROPPED;
            }
        }
        r = put_full(&tab, pid[j], pname[j], (om_price_t)j, 0, 0, c,
                     (uint16_t)i, 0);
        if (r != want)
            fail_msg("put %u (created %u) returned %d, expected %d", i, c, r,
                     want);
        assert_int_equal(tab.count, size);
        assert_true(tab.pool_used <= OM_POOL_SIZE);
        check_pool_strings(&tab);
    }
    check_table(&tab);
    assert_int_equal(tab.count, k);
    for (i = 0; i < POOL_IDS; i++)
        assert_int_equal(find(&tab, pid[i]) >= 0, pcreated[i] > POOL_IDS - k);
}

/* 20000 puts of 400 ids of 90 bytes with names of 0..80 bytes and random
 * ages: replacements, evictions and drops, with the pool compacted again
 * and again. Every survivor must carry exactly what was last put for it;
 * with policy set, who went must also be who the policy says. */
/* Bytes of the pool the table's models use. */
static size_t pool_bytes(const om_table_t *t)
{
    size_t i, n = 0;
    for (i = 0; i < t->count; i++)
        n += (size_t)t->models[i].id_len + t->models[i].name_len + 2u;
    return n;
}

static void run_mixed(int policy)
{
    static unsigned char present[POOL_IDS], was[POOL_IDS];
    enum { NIDS = 400, PUTS = 20000 };
    unsigned n, i;
    rng = 0x9e3779b9u;
    om_table_init(&tab);
    for (i = 0; i < NIDS; i++)
        make_str(pid[i], BIG_ID, 'v', i, 0);
    memset(present, 0, sizeof present);
    for (n = 0; n < PUTS; n++) {
        unsigned j = rnd() % NIDS;
        uint32_t c = rnd() % 3000u;
        uint16_t s = (uint16_t)(rnd() % 500u);
        size_t len = rnd() % (OM_NAME_MAX + 1u);
        char name[OM_NAME_MAX + 1];
        int r;
        make_str(name, len, 'N', j, n);
        memcpy(was, present, sizeof present);
        r = put_full(&tab, pid[j], name, (om_price_t)j, 0, 0, c, s, 0);
        if (was[j])
            assert_true(r == OM_PUT_REPLACED || r == OM_PUT_DROPPED);
        else
            assert_true(r == OM_PUT_ADDED || r == OM_PUT_EVICTED ||
                        r == OM_PUT_DROPPED);
        if (r == OM_PUT_DROPPED) {
            /* not added: a repeated id keeps its earlier record */
            if (was[j])
                assert_true(find(&tab, pid[j]) >= 0);
            else
                assert_int_equal(find(&tab, pid[j]), OM_ERR_NOTFOUND);
        } else {
            memcpy(pname[j], name, len + 1);
            pcreated[j] = c;
            pseq[j] = s;
        }
        memset(present, 0, sizeof present);
        for (i = 0; i < tab.count; i++) {
            unsigned k;
            assert_int_equal(sscanf(om_model_id(&tab, om_table_at(&tab, i)),
                                    "v/m-%4u", &k), 1);
            present[k] = 1;
        }
        /* Whoever went for room was older than all who stayed and than
         * the newcomer; a dropped newcomer was older than all who stayed. */
        for (i = 0; policy && i < NIDS; i++) {
            size_t q;
            if (!was[i] || present[i] || i == j)
                continue;
            if (r != OM_PUT_EVICTED && r != OM_PUT_REPLACED)
                fail_msg("put %u returned %d yet model %u went from the table",
                         n, r, i);
            assert_false(older(c, s, pcreated[i], pseq[i]));
            for (q = 0; q < tab.count; q++) {
                const om_model_t *m = om_table_at(&tab, q);
                assert_false(older(m->created, m->seq, pcreated[i], pseq[i]));
            }
        }
        /* A dropped newcomer removed nobody (checked above). It was
         * dropped because the models older than it could not make room:
         * at full count none of them is older; in a full pool their
         * bytes and the free bytes together are too few. */
        if (policy && r == OM_PUT_DROPPED && !was[j]) {
            size_t freeable = OM_POOL_SIZE - pool_bytes(&tab);
            unsigned older_ones = 0;
            for (i = 0; i < tab.count; i++) {
                const om_model_t *m = om_table_at(&tab, i);
                if (older(m->created, m->seq, c, s)) {
                    older_ones++;
                    freeable += (size_t)m->id_len + m->name_len + 2u;
                }
            }
            assert_true((tab.count == CAP && older_ones == 0) ||
                        freeable < strlen(pid[j]) + len + 2u);
        }
        check_pool_strings(&tab);
        if (n % 1000u == 0)
            check_table(&tab);
    }
    check_table(&tab);
}

static void test_pool_mixed_strings_intact(void **state)
{
    (void)state;
    run_mixed(0);
}

static void test_pool_mixed_eviction_policy(void **state)
{
    (void)state;
    run_mixed(1);
}

/* A newcomer that would need two evictions, where only the first victim
 * is older than it: it is dropped, and so must leave the table as it was
 * (DROPPED: "not added"), not cost the table a model for nothing. */
static void test_dropped_put_evicts_nothing(void **state)
{
    static char big_id[BIG_ID + 1], big_name[BIG_NAME + 1];
    char id[OM_ID_MAX + 1], name[OM_NAME_MAX + 1];
    unsigned i, nbig = 0;
    size_t need = OM_ID_MAX + OM_NAME_MAX + 2u;
    int r;
    (void)state;
    om_table_init(&tab);
    assert_int_equal(put(&tab, "a/old", "", 1, 0, 0), OM_PUT_ADDED); /* 7 B */
    for (i = 0; tab.pool_used + BIG_NEED <= OM_POOL_SIZE && tab.count < CAP;
         i++) {
        make_str(big_id, BIG_ID, 'v', i, 0);
        make_str(big_name, BIG_NAME, 'N', i, 0);
        assert_int_equal(put(&tab, big_id, big_name, 1000u + i,
                             (uint16_t)(i + 1u), 0), OM_PUT_ADDED);
        nbig++;
    }
    if (tab.count == CAP || OM_POOL_SIZE - tab.pool_used + 7u >= need)
        skip(); /* another configuration: the case does not arise */
    memset(id, 'n', OM_ID_MAX);
    id[OM_ID_MAX] = '\0';
    memset(name, 'N', OM_NAME_MAX);
    name[OM_NAME_MAX] = '\0';
    /* Newer than a/old, older than every big one. */
    r = put(&tab, id, name, 500, 999, 0);
    assert_int_equal(r, OM_PUT_DROPPED);
    assert_int_equal(find(&tab, id), OM_ERR_NOTFOUND);
    assert_int_equal(tab.count, nbig + 1u);
    assert_int_equal(find(&tab, "a/old"), 0);
    check_table(&tab);
}

/* ------------------------------------------------------------- invalid */

static void test_invalid_puts(void **state)
{
    char id[OM_ID_MAX + 2], name[OM_NAME_MAX + 2];
    static const char *const bad_ids[] = {" x/y", "\tx/y", "\x01" "x/y",
                                          "\nx", "\x1f" "x", " "};
    uint32_t pool;
    size_t i;
    (void)state;
    om_table_init(&tab);
    assert_int_equal(put(&tab, "ok/one", "One", 1, 0, 0), OM_PUT_ADDED);
    pool = tab.pool_used;
    assert_int_equal(put(&tab, "", "Empty", 1, 0, 0), OM_ERR_INVAL);
    memset(id, 'i', sizeof id);
    id[OM_ID_MAX + 1] = '\0';
    assert_int_equal(put(&tab, id, "Too long", 1, 0, 0), OM_ERR_INVAL);
    for (i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++)
        if (put(&tab, bad_ids[i], "bad", 1, 0, 0) != OM_ERR_INVAL)
            fail_msg("id \"%s\" accepted", bad_ids[i]);
    memset(name, 'n', sizeof name);
    name[OM_NAME_MAX + 1] = '\0';
    assert_int_equal(put(&tab, "ok/two", name, 1, 0, 0), OM_ERR_INVAL);
    assert_int_equal(tab.count, 1);
    assert_int_equal(tab.pool_used, pool);
    assert_int_equal(find(&tab, "ok/two"), OM_ERR_NOTFOUND);
    /* The limits themselves are fine. */
    id[OM_ID_MAX] = '\0';
    name[OM_NAME_MAX] = '\0';
    assert_int_equal(put(&tab, id, name, 1, 0, 0), OM_PUT_ADDED);
    check_model(&tab, id, name, OM_PRICE_NONE, OM_PRICE_NONE, 0, 1, 0);
    assert_int_equal(put(&tab, "!", "", 1, 0, 0), OM_PUT_ADDED);
    assert_int_equal(find(&tab, "!"), 0);
    assert_int_equal(tab.count, 3);
    check_table(&tab);
}

/* ------------------------------------------------------------- select */

#define P(s) parse_price(s)
#define VAR OM_PRICE_VARIABLE
#define NONE OM_PRICE_NONE

static om_price_t parse_price(const char *s)
{
    om_price_t p = 0;
    assert_int_equal(om_price_parse(s, strlen(s), &p), OM_OK);
    return p;
}

static void load_select_table(void)
{
    om_table_init(&tab);
    assert_int_equal(put_full(&tab, "anthropic/claude-x", "Anthropic: Claude X",
                              P("0.000003"), P("0.000015"), 200000, 300, 0, 0), 0);
    assert_int_equal(put_full(&tab, "openai/gpt-oss:free",
                              "OpenAI: gpt-oss (free)", P("0"), P("0"), 131072,
                              500, 1, 0), 0);
    assert_int_equal(put_full(&tab, "meta/none", "No Price", NONE, NONE, 0, 200,
                              2, 0), 0);
    assert_int_equal(put_full(&tab, "openrouter/auto", "Auto Router", VAR, VAR,
                              2000000, 400, 3, 0), 0);
    assert_int_equal(put_full(&tab, "x/y", "Like CLAUDE but cheaper",
                              P("0.000001"), P("0.000002"), 32768, 500, 4, 0), 0);
    assert_int_equal(put_full(&tab, "qwen/half", "Half Free", P("0"), NONE, 8192,
                              100, 5, 0), 0);
    assert_int_equal(put_full(&tab, "a/cheap-tie", "Tie", P("0.000001"),
                              P("0.000001"), 32768, 250, 6, 0), 0);
    assert_int_equal(put_full(&tab, "google/gemma:free", "Google: Gemma (free)",
                              P("0"), P("0"), 8192, 100, 7, 0), 0);
    assert_int_equal(put_full(&tab, "z/var-prompt", "Var prompt", VAR, P("0"),
                              4096, 600, 8, 0), 0);
    assert_int_equal(put_full(&tab, "b/none-prompt", "none prompt", NONE, P("0"),
                              1000, 50, 9, 0), 0);
    assert_int_equal(tab.count, 10);
}

/* Runs a selection and compares the ids it gives with want[0..n). */
static void expect_select(const om_filter_t *f, om_order_t o,
                          const char *const *want, size_t n)
{
    uint16_t idx[CAP];
    size_t i;
    int got = om_table_select(&tab, f, o, idx, CAP);
    if (got != (int)n)
        fail_msg("om_table_select matched %d, expected %u", got, (unsigned)n);
    for (i = 0; i < n; i++) {
        const om_model_t *m = om_table_at(&tab, idx[i]);
        assert_non_null(m);
        if (strcmp(om_model_id(&tab, m), want[i]) != 0)
            fail_msg("order %d, position %u: \"%s\", expected \"%s\"", (int)o,
                     (unsigned)i, om_model_id(&tab, m), want[i]);
    }
}

#define EXPECT(f, o, ...)                                                     \
    do {                                                                      \
        static const char *const w_[] = {__VA_ARGS__};                       \
        expect_select(f, o, w_, sizeof w_ / sizeof w_[0]);                    \
    } while (0)

static void test_select_filters(void **state)
{
    om_filter_t f;
    uint16_t idx[4];
    (void)state;
    load_select_table();
    memset(&f, 0, sizeof f);
    EXPECT(NULL, OM_ORDER_ID, "a/cheap-tie", "anthropic/claude-x",
           "b/none-prompt", "google/gemma:free", "meta/none",
           "openai/gpt-oss:free", "openrouter/auto", "qwen/half", "x/y",
           "z/var-prompt");
    EXPECT(&f, OM_ORDER_ID, "a/cheap-tie", "anthropic/claude-x",
           "b/none-prompt", "google/gemma:free", "meta/none",
           "openai/gpt-oss:free", "openrouter/auto", "qwen/half", "x/y",
           "z/var-prompt");
    f.term = "";
    assert_int_equal(om_table_select(&tab, &f, OM_ORDER_ID, idx, 4), 10);
    /* Case-insensitive, over id and name. */
    f.term = "CLAUDE";
    EXPECT(&f, OM_ORDER_ID, "anthropic/claude-x", "x/y");
    f.term = "claude";
    EXPECT(&f, OM_ORDER_ID, "anthropic/claude-x", "x/y");
    f.term = "Free";
    EXPECT(&f, OM_ORDER_ID, "google/gemma:free", "openai/gpt-oss:free",
           "qwen/half");
    f.term = "AUTO ROUTER";
    EXPECT(&f, OM_ORDER_ID, "openrouter/auto");
    f.term = "gpt-oss (";
    EXPECT(&f, OM_ORDER_ID, "openai/gpt-oss:free");
    f.term = "nothing-like-this";
    assert_int_equal(om_table_select(&tab, &f, OM_ORDER_ID, idx, 4), 0);
    /* Free: both prices present and 0; none and variable are not free. */
    memset(&f, 0, sizeof f);
    f.free_only = 1;
    EXPECT(&f, OM_ORDER_ID, "google/gemma:free", "openai/gpt-oss:free");
    memset(&f, 0, sizeof f);
    f.min_context = 131072;
    EXPECT(&f, OM_ORDER_ID, "anthropic/claude-x", "openai/gpt-oss:free",
           "openrouter/auto");
    f.min_context = 131073;
    EXPECT(&f, OM_ORDER_ID, "anthropic/claude-x", "openrouter/auto");
    f.min_context = 1;
    assert_int_equal(om_table_select(&tab, &f, OM_ORDER_ID, NULL, 0), 9);
    /* Combined. */
    f.term = "free";
    f.free_only = 1;
    f.min_context = 10000;
    EXPECT(&f, OM_ORDER_ID, "openai/gpt-oss:free");
    f.min_context = 0;
    EXPECT(&f, OM_ORDER_NEWEST, "openai/gpt-oss:free", "google/gemma:free");
    f.free_only = 0;
    EXPECT(&f, OM_ORDER_NEWEST, "openai/gpt-oss:free", "qwen/half",
           "google/gemma:free");
}

static void test_model_matches(void **state)
{
    om_filter_t f;
    const om_model_t *claude, *none;
    (void)state;
    load_select_table();
    claude = om_table_at(&tab, (size_t)find(&tab, "anthropic/claude-x"));
    none = om_table_at(&tab, (size_t)find(&tab, "meta/none"));
    memset(&f, 0, sizeof f);
    assert_true(om_model_matches(&tab, claude, NULL));
    assert_true(om_model_matches(&tab, claude, &f));
    f.term = "ANTHROPIC: claude";
    assert_true(om_model_matches(&tab, claude, &f));
    assert_false(om_model_matches(&tab, none, &f));
    f.term = NULL;
    f.free_only = 1;
    assert_false(om_model_matches(&tab, claude, &f));
    assert_false(om_model_matches(&tab, none, &f));
    assert_true(om_model_is_free(om_table_at(&tab,
                                 (size_t)find(&tab, "google/gemma:free"))));
    assert_false(om_model_is_free(om_table_at(&tab,
                                  (size_t)find(&tab, "qwen/half"))));
    assert_false(om_model_is_free(om_table_at(&tab,
                                  (size_t)find(&tab, "openrouter/auto"))));
    assert_false(om_model_is_free(none));
}

static void test_select_orders(void **state)
{
    (void)state;
    load_select_table();
    EXPECT(NULL, OM_ORDER_PRICE, "google/gemma:free", "openai/gpt-oss:free",
           "qwen/half", "a/cheap-tie", "x/y", "anthropic/claude-x",
           "z/var-prompt", "openrouter/auto", "b/none-prompt", "meta/none");
    EXPECT(NULL, OM_ORDER_CONTEXT, "openrouter/auto", "anthropic/claude-x",
           "openai/gpt-oss:free", "a/cheap-tie", "x/y", "google/gemma:free",
           "qwen/half", "z/var-prompt", "b/none-prompt", "meta/none");
    EXPECT(NULL, OM_ORDER_NEWEST, "z/var-prompt", "openai/gpt-oss:free", "x/y",
           "openrouter/auto", "anthropic/claude-x", "a/cheap-tie", "meta/none",
           "qwen/half", "google/gemma:free", "b/none-prompt");
    EXPECT(NULL, OM_ORDER_ID, "a/cheap-tie", "anthropic/claude-x",
           "b/none-prompt", "google/gemma:free", "meta/none",
           "openai/gpt-oss:free", "openrouter/auto", "qwen/half", "x/y",
           "z/var-prompt");
}

/* Orders that the selection promises, checked pair by pair on a full
 * table of random models (heapsort on 512 entries). */
static int in_order(const om_model_t *x, const om_model_t *y, uint16_t a,
                    uint16_t b, om_order_t o)
{
    int c = 0;
    switch (o) {
    case OM_ORDER_PRICE:
        c = om_price_cmp(x->prompt, y->prompt);
        if (!c)
            c = om_price_cmp(x->completion, y->completion);
        break;
    case OM_ORDER_CONTEXT:
        c = (x->context_length < y->context_length) -
            (x->context_length > y->context_length);
        break;
    case OM_ORDER_NEWEST:
        c = older(y->created, y->seq, x->created, x->seq)   ? -1
            : older(x->created, x->seq, y->created, y->seq) ? 1
                                                            : 0;
        break;
    default:
        break;
    }
    return c < 0 || (c == 0 && a < b);
}

static void test_select_orders_full_table(void **state)
{
    static const om_price_t prices[] = {0, 1, 2, 3, NONE, VAR};
    static uint16_t idx[CAP];
    static unsigned char seen[CAP];
    char id[32];
    unsigned i;
    int o;
    (void)state;
    om_table_init(&tab);
    for (i = 0; i < CAP; i++) {
        om_price_t pp = prices[rnd() % 6], pc = prices[rnd() % 6];
        small_id(id, rnd() % 100000u);
        put_full(&tab, id, "n", pp ? (pp < 4 ? pp * 1000 + rnd() % 3 : pp) : 0,
                 pc ? (pc < 4 ? pc * 1000 + rnd() % 3 : pc) : 0,
                 rnd() % 5u * 1000u, rnd() % 50u, (uint16_t)(rnd() % 20u), 0);
    }
    assert_true(tab.count > CAP - 10u);
    for (o = 0; o < OM_ORDER_COUNT; o++) {
        int n = om_table_select(&tab, NULL, (om_order_t)o, idx, CAP);
        assert_int_equal(n, tab.count);
        memset(seen, 0, sizeof seen);
        for (i = 0; i < (unsigned)n; i++) {
            assert_true(idx[i] < tab.count);
            assert_false(seen[idx[i]]);
            seen[idx[i]] = 1;
            if (i > 0 && !in_order(&tab.models[idx[i - 1]], &tab.models[idx[i]],
                                   idx[i - 1], idx[i], (om_order_t)o))
                fail_msg("order %d broken at %u", o, i);
        }
    }
}

static void test_select_cap_counts_all(void **state)
{
    uint16_t idx[6];
    om_filter_t f;
    size_t i;
    (void)state;
    load_select_table();
    for (i = 0; i < 6; i++)
        idx[i] = 0xFFFFu;
    assert_int_equal(om_table_select(&tab, NULL, OM_ORDER_ID, idx, 3), 10);
    assert_string_equal(om_model_id(&tab, om_table_at(&tab, idx[0])), "a/cheap-tie");
    assert_string_equal(om_model_id(&tab, om_table_at(&tab, idx[1])),
                        "anthropic/claude-x");
    assert_string_equal(om_model_id(&tab, om_table_at(&tab, idx[2])),
                        "b/none-prompt");
    for (i = 3; i < 6; i++)
        assert_int_equal(idx[i], 0xFFFFu); /* nothing past cap */
    assert_int_equal(om_table_select(&tab, NULL, OM_ORDER_PRICE, NULL, 0), 10);
    assert_int_equal(om_table_select(&tab, NULL, OM_ORDER_NEWEST, idx, 1), 10);
    memset(&f, 0, sizeof f);
    f.term = "free";
    assert_int_equal(om_table_select(&tab, &f, OM_ORDER_CONTEXT, idx, 1), 3);
    om_table_init(&tab);
    assert_int_equal(om_table_select(&tab, NULL, OM_ORDER_PRICE, idx, 6), 0);
}

/* "in the given order ... only cap are written": the first cap of the
 * ordered selection, e.g. the 3 cheapest, not 3 in id order re-sorted. */
static void test_select_cap_keeps_order_prefix(void **state)
{
    uint16_t idx[3];
    (void)state;
    load_select_table();
    assert_int_equal(om_table_select(&tab, NULL, OM_ORDER_PRICE, idx, 3), 10);
    assert_string_equal(om_model_id(&tab, om_table_at(&tab, idx[0])),
                        "google/gemma:free");
    assert_string_equal(om_model_id(&tab, om_table_at(&tab, idx[1])),
                        "openai/gpt-oss:free");
    assert_string_equal(om_model_id(&tab, om_table_at(&tab, idx[2])),
                        "qwen/half");
    assert_int_equal(om_table_select(&tab, NULL, OM_ORDER_NEWEST, idx, 1), 10);
    assert_string_equal(om_model_id(&tab, om_table_at(&tab, idx[0])),
                        "z/var-prompt");
    assert_int_equal(om_table_select(&tab, NULL, OM_ORDER_CONTEXT, idx, 1), 10);
    assert_string_equal(om_model_id(&tab, om_table_at(&tab, idx[0])),
                        "openrouter/auto");
}

/* ------------------------------------------------------------ defaults */

static void test_load_defaults(void **state)
{
    /* The original plan's four; a `make snapshot` build bakes a catalogue
     * in instead and this test then does not apply. */
    static const char *const ids[] = {
        "anthropic/claude-3.5-sonnet", "anthropic/claude-sonnet-4",
        "meta-llama/llama-3.3-70b-instruct", "openai/gpt-4-turbo",
    };
    static const char *const names[] = {
        "Anthropic: Claude 3.5 Sonnet", "Anthropic: Claude Sonnet 4",
        "Meta: Llama 3.3 70B Instruct", "OpenAI: GPT-4 Turbo",
    };
    size_t i;
    (void)state;
    om_table_init(&tab);
    assert_int_equal(put(&tab, "stale/model", "Stale", 1, 0, 0), OM_PUT_ADDED);
    assert_int_equal(om_table_load_defaults(&tab), OM_OK);
    assert_int_equal(tab.count, 4);
    check_table(&tab);
    for (i = 0; i < 4; i++) {
        const om_model_t *m = om_table_at(&tab, i);
        assert_string_equal(om_model_id(&tab, m), ids[i]);
        assert_string_equal(om_model_name(&tab, m), names[i]);
        assert_true(m->prompt == OM_PRICE_NONE);
        assert_true(m->completion == OM_PRICE_NONE);
        assert_int_equal(find(&tab, ids[i]), (int)i);
    }
    assert_int_equal(find(&tab, "stale/model"), OM_ERR_NOTFOUND);
    assert_int_equal(tab.updated_at, 0);
    assert_string_equal(tab.etag, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sorted_after_random_inserts),
        cmocka_unit_test(test_find_hits_and_misses),
        cmocka_unit_test(test_duplicate_later_wins),
        cmocka_unit_test(test_duplicate_pinned_kept),
        cmocka_unit_test(test_many_replacements_no_exhaustion),
        cmocka_unit_test(test_capacity_newest_kept),
        cmocka_unit_test(test_capacity_older_dropped),
        cmocka_unit_test(test_capacity_equal_created_seq_decides),
        cmocka_unit_test(test_pinned_never_evicted),
        cmocka_unit_test(test_pool_bound_evictions),
        cmocka_unit_test(test_pool_mixed_strings_intact),
        cmocka_unit_test(test_pool_mixed_eviction_policy),
        cmocka_unit_test(test_dropped_put_evicts_nothing),
        cmocka_unit_test(test_invalid_puts),
        cmocka_unit_test(test_select_filters),
        cmocka_unit_test(test_model_matches),
        cmocka_unit_test(test_select_orders),
        cmocka_unit_test(test_select_orders_full_table),
        cmocka_unit_test(test_select_cap_counts_all),
        cmocka_unit_test(test_select_cap_keeps_order_prefix),
        cmocka_unit_test(test_load_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
