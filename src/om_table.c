/*
 * om_table.c - the fixed-size model table: sorted by id, strings in a pool.
 *
 * Records stay sorted by id on every insert (binary search, then a move of
 * the records after it), so lookups are O(log n) and no sort pass is
 * needed at the end of a fetch. Each record owns one region of the pool,
 * "id\0name\0", and the pool is always packed: a new region goes at its
 * end, and a record that is replaced or dropped takes its region with it
 * (the bytes after it slide down, the offsets past it shrink). Removals
 * happen only for repeated ids and when the table is full, so the move is
 * rare, and pool_used is always exactly the bytes the records use.
 */
#include <string.h>

#include "ormodels.h"
#include "om_internal.h"

#if OM_TABLE_CAPACITY < 1 || OM_TABLE_CAPACITY > 65535
#error "OM_TABLE_CAPACITY must be 1..65535"
#endif
#if OM_ID_MAX < 8 || OM_ID_MAX > 255 || OM_NAME_MAX > 255
#error "OM_ID_MAX must be 8..255 and OM_NAME_MAX 0..255"
#endif
#if OM_POOL_SIZE < 64
#error "OM_POOL_SIZE must be at least 64"
#endif

void om_table_init(om_table_t *t)
{
    /* count, pool_used, updated_at, etag and last_modified: all zero */
    memset(t, 0, offsetof(om_table_t, models));
}

const om_model_t *om_table_at(const om_table_t *t, size_t i)
{
    return i < t->count ? &t->models[i] : NULL;
}

const char *om_model_id(const om_table_t *t, const om_model_t *m)
{
    return &t->pool[m->str];
}

const char *om_model_name(const om_table_t *t, const om_model_t *m)
{
    return &t->pool[m->str + m->id_len + 1u];
}

int om_model_is_free(const om_model_t *m)
{
    return (m->prompt | m->completion) == 0;
}

/* Compares model m's id with id[0..len) bytewise, as strcmp would. */
static int id_cmp(const om_table_t *t, const om_model_t *m, const char *id,
                  size_t len)
{
    size_t n = m->id_len < len ? m->id_len : len;
    int c = memcmp(&t->pool[m->str], id, n);
    if (c)
        return c;
    return m->id_len < len ? -1 : m->id_len > len;
}

/* Binary search for id[0..len): its index, or when it is not there
 * -1 - the index where it would go. */
static int locate(const om_table_t *t, const char *id, size_t len)
{
    size_t lo = 0, hi = t->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = id_cmp(t, &t->models[mid], id, len);
        if (c == 0)
            return (int)mid; /* ids are unique */
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1 - (int)lo;
}

int om_table_find(const om_table_t *t, const char *id, size_t len)
{
    int i = locate(t, id, len);
    return i >= 0 ? i : OM_ERR_NOTFOUND;
}

static size_t region_len(const om_model_t *m)
{
    return (size_t)m->id_len + m->name_len + 2u;
}

/* A model's age as one key: smaller is older. Older means created
 * earlier or, as old, listed later in the catalogue. */
static uint64_t age(const om_model_t *m)
{
    return (uint64_t)m->created << 16 | (uint16_t)~m->seq;
}

/*
 * The unpinned models older than the newcomer (any unpinned one when
 * newcomer is NULL), but for index skip: adds their pool bytes to *bytes
 * and returns the oldest one's index, or -1 when there is none. They are
 * the ones that may go to make room for the newcomer, oldest first.
 */
static int oldest_below(const om_table_t *t, const om_model_t *newcomer,
                        size_t skip, size_t *bytes)
{
    uint64_t limit = newcomer ? age(newcomer) : UINT64_MAX, best = limit;
    int v = -1;
    size_t i;
    for (i = 0; i < t->count; i++) {
        const om_model_t *m = &t->models[i];
        if (i == skip || (m->flags & OM_MODEL_PINNED) || age(m) >= limit)
            continue;
        *bytes += region_len(m);
        if (age(m) < best) {
            best = age(m);
            v = (int)i;
        }
    }
    return v;
}

/* Drops record i and its pool region, keeping the pool packed. */
static void remove_at(om_table_t *t, size_t i)
{
    size_t off = t->models[i].str, len = region_len(&t->models[i]), k;
    memmove(&t->pool[off], &t->pool[off + len], t->pool_used - off - len);
    t->pool_used -= (uint32_t)len;
    memmove(&t->models[i], &t->models[i + 1],
            (t->count - i - 1u) * sizeof(om_model_t));
    t->count--;
    for (k = 0; k < t->count; k++)
        if (t->models[k].str > off)
            t->models[k].str = (om_off_t)(t->models[k].str - len);
}

int om_table_put(om_table_t *t, const om_model_t *m, const char *id,
                 const char *name)
{
    size_t idl = m->id_len, nml = m->name_len, need = idl + nml + 2u;
    size_t pos, skip = (size_t)-1, count = t->count, used = t->pool_used;
    size_t freeable = 0;
    int result = OM_PUT_ADDED, at, found;
    unsigned pinned = m->flags & OM_MODEL_PINNED;
    const om_model_t *than; /* the candidates are older than it; NULL: any */
    om_model_t *rec;
    char *p;

    if (idl == 0 || idl > OM_ID_MAX || nml > OM_NAME_MAX ||
        (unsigned char)id[0] <= ' ' || need > OM_POOL_SIZE ||
        memchr(id, '\0', idl) || (nml && memchr(name, '\0', nml)))
        return OM_ERR_INVAL;

    at = locate(t, id, idl);
    found = at >= 0;
    pos = (size_t)(found ? at : -1 - at);
    if (found) {
        /* A repeated id: the later record wins, pinned if either was. */
        pinned |= t->models[pos].flags & OM_MODEL_PINNED;
        skip = pos;
        count--;
        used -= region_len(&t->models[pos]);
    }
    /* When full, only the unpinned models older than the newcomer (any
     * unpinned one when it is pinned) may go. Checked before anything is
     * dropped, so a model that is not added never costs another its
     * place. The pass over the records is made only when the newcomer
     * does not fit outright: a catalogue that fits the table never pays
     * for it (that is most of `make bench`'s instructions per byte). */
    than = pinned ? NULL : m;
    if ((count == OM_TABLE_CAPACITY || used + need > OM_POOL_SIZE) &&
        ((oldest_below(t, than, skip, &freeable) < 0 &&
          count == OM_TABLE_CAPACITY) ||
         used + need > OM_POOL_SIZE + freeable))
        return OM_PUT_DROPPED; /* a repeated id keeps its old record */
    if (found)
        remove_at(t, pos); /* pos stays the place for the new record */

    /* Drop the oldest of those until the newcomer fits; by the check
     * above there are enough of them. */
    while (t->count == OM_TABLE_CAPACITY ||
           t->pool_used + need > OM_POOL_SIZE) {
        size_t v = (size_t)oldest_below(t, than, (size_t)-1, &freeable);
        remove_at(t, v);
        if (v < pos)
            pos--;
        result = OM_PUT_EVICTED;
    }

    p = &t->pool[t->pool_used];
    memcpy(p, id, idl);
    p[idl] = '\0';
    if (nml) /* name may be NULL then */
        memcpy(p + idl + 1, name, nml);
    p[need - 1] = '\0';
    rec = &t->models[pos];
    memmove(rec + 1, rec, (t->count - pos) * sizeof *rec);
    *rec = *m;
    rec->str = (om_off_t)t->pool_used;
    rec->flags |= (uint8_t)pinned;
    t->pool_used += (uint32_t)need;
    t->count++;
    return found ? OM_PUT_REPLACED : result;
}

/* ------------------------------------------------------------- queries */

/* Case-insensitive (ASCII) search for needle[0..nl) in hay[0..hl). */
static int contains_nocase(const char *hay, size_t hl, const char *needle,
                           size_t nl)
{
    size_t i, j;
    for (i = 0; i + nl <= hl; i++) {
        for (j = 0; j < nl; j++) {
            unsigned a = (unsigned char)hay[i + j];
            unsigned b = (unsigned char)needle[j];
            /* equal, or the same letter in the other case */
            if (a != b && ((a ^ b) != 0x20u || (a | 0x20u) - 'a' >= 26u))
                break;
        }
        if (j == nl)
            return 1;
    }
    return 0;
}

int om_model_matches(const om_table_t *t, const om_model_t *m,
                     const om_filter_t *f)
{
    if (!f)
        return 1;
    if (f->free_only && !om_model_is_free(m))
        return 0;
    if (m->context_length < f->min_context)
        return 0;
    /* Id and name lie together in the pool, "id\0name": one search covers
     * both, and no match spans the NUL, which a C string term lacks. */
    return !f->term ||
           contains_nocase(om_model_id(t, m), region_len(m) - 1u, f->term,
                           strlen(f->term));
}

/* Orders two different table indexes; ties fall back to the index, i.e.
 * to the id, so the order is total and the result deterministic. */
static int order_cmp(const om_table_t *t, om_order_t o, size_t a, size_t b)
{
    const om_model_t *x = &t->models[a], *y = &t->models[b];
    int c = 0;
    if (o == OM_ORDER_PRICE) {
        c = om_price_cmp(x->prompt, y->prompt);
        if (!c)
            c = om_price_cmp(x->completion, y->completion);
    } else if (o == OM_ORDER_CONTEXT || o == OM_ORDER_NEWEST) {
        /* the larger key first: the context, or the age (newest first) */
        uint64_t kx = o == OM_ORDER_CONTEXT ? x->context_length : age(x);
        uint64_t ky = o == OM_ORDER_CONTEXT ? y->context_length : age(y);
        c = kx > ky ? -1 : kx < ky;
    }
    return c ? c : a < b ? -1 : 1;
}

/*
 * Keeps idx[0..n) sorted: each match goes in at its place, found by binary
 * search (O(log n) comparisons), the worst kept falling off the end once
 * cap are kept. In place, no recursion, no allocation; the moves are
 * memmoves of 2-byte indexes, cheap next to the comparisons.
 */
int om_table_select(const om_table_t *t, const om_filter_t *f,
                    om_order_t order, uint16_t *idx, size_t cap)
{
    size_t i, n = 0, total = 0;
    for (i = 0; i < t->count; i++) {
        size_t lo = 0, hi = n;
        if (!om_model_matches(t, &t->models[i], f))
            continue;
        total++;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (order_cmp(t, order, idx[mid], i) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == cap)
            continue; /* behind the cap kept so far */
        if (n == cap)
            n--; /* the worst kept falls off */
        memmove(&idx[lo + 1], &idx[lo], (n - lo) * sizeof idx[0]);
        idx[lo] = (uint16_t)i;
        n++;
    }
    return (int)total;
}
