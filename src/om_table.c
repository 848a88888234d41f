/*
 * om_table.c - the fixed-size model table: sorted by id, strings in a pool.
 *
 * Records stay sorted by id on every insert (binary search, then a move of
 * the records after it), so lookups are O(log n) and no sort pass is
 * needed at the end of a fetch. Each record owns one region of the pool,
 * "id\0name\0". A record that is replaced or dropped leaves its region
 * behind marked dead (first byte OM_DEAD, which no id can start with); the
 * pool is compacted in one pass when it runs out, finding each live
 * region's record by binary search on the id it starts with.
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

#define OM_DEAD '\x01'

void om_table_init(om_table_t *t)
{
    t->count = 0;
    t->reserved = 0;
    t->pool_used = 0;
    t->updated_at = 0;
    t->etag[0] = '\0';
    t->last_modified[0] = '\0';
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
    return m->prompt == 0 && m->completion == 0;
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

/* The first index whose id is not below id[0..len). */
static size_t lower_bound(const om_table_t *t, const char *id, size_t len)
{
    size_t lo = 0, hi = t->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (id_cmp(t, &t->models[mid], id, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int om_table_find(const om_table_t *t, const char *id, size_t len)
{
    size_t i = lower_bound(t, id, len);
    if (i < t->count && id_cmp(t, &t->models[i], id, len) == 0)
        return (int)i;
    return OM_ERR_NOTFOUND;
}

static size_t region_len(const om_model_t *m)
{
    return (size_t)m->id_len + m->name_len + 2u;
}

/* Slides live regions down over dead ones. Ids stay valid throughout:
 * a region moves only leftwards, over bytes already consumed. */
static void pool_compact(om_table_t *t)
{
    size_t src = 0, dst = 0;
    while (src < t->pool_used) {
        const char *p = &t->pool[src];
        size_t idl = strlen(p), nml = strlen(p + idl + 1);
        size_t n = idl + nml + 2u;
        if (p[0] != OM_DEAD) {
            /* lower_bound, not om_table_find: one frame less under
             * om_table_put on the fetch path */
            size_t i = lower_bound(t, p, idl);
            if (i < t->count && t->models[i].str == src) {
                memmove(&t->pool[dst], p, n);
                t->models[i].str = (om_off_t)dst;
                dst += n;
            }
        }
        src += n;
    }
    t->pool_used = (uint32_t)dst;
}

static size_t pool_live(const om_table_t *t)
{
    size_t i, n = 0;
    for (i = 0; i < t->count; i++)
        n += region_len(&t->models[i]);
    return n;
}

/* a is older than b: created earlier, or as old but listed later. */
static int older(const om_model_t *a, const om_model_t *b)
{
    if (a->created != b->created)
        return a->created < b->created;
    return a->seq > b->seq;
}

/* The oldest unpinned model, or -1 when all are pinned. Ages compare as
 * one key, created then the position from the end, the order older()
 * gives: a full table runs this once per catalogue model it cannot keep. */
static int oldest_unpinned(const om_table_t *t)
{
    uint64_t best_key = UINT64_MAX;
    int best = -1;
    size_t i;
    for (i = 0; i < t->count; i++) {
        const om_model_t *m = &t->models[i];
        uint64_t key = (uint64_t)m->created << 16 | (uint16_t)~m->seq;
        if (key < best_key && !(m->flags & OM_MODEL_PINNED)) {
            best_key = key;
            best = (int)i;
        }
    }
    return best;
}

static void remove_at(om_table_t *t, size_t i)
{
    t->pool[t->models[i].str] = OM_DEAD;
    memmove(&t->models[i], &t->models[i + 1],
            (t->count - i - 1u) * sizeof(om_model_t));
    t->count--;
}

/* Turns len >= 3 pool bytes at off into a dead region ("\1..\1\0\0"),
 * so the compaction walk still finds the next region after it. */
static void mark_dead(om_table_t *t, size_t off, size_t len)
{
    memset(&t->pool[off], OM_DEAD, len - 2u);
    t->pool[off + len - 2u] = '\0';
    t->pool[off + len - 1u] = '\0';
}

/* Copies "id\0name\0" to pool offset off. */
static void put_strings(om_table_t *t, size_t off, const char *id,
                        size_t idl, const char *name, size_t nml)
{
    memcpy(&t->pool[off], id, idl);
    t->pool[off + idl] = '\0';
    if (nml)
        memcpy(&t->pool[off + idl + 1], name, nml);
    t->pool[off + idl + 1 + nml] = '\0';
}

/* Room at the end of the pool for need bytes, compacting if that helps. */
static int pool_reserve(om_table_t *t, size_t need)
{
    if (t->pool_used + need <= OM_POOL_SIZE)
        return 1;
    if (pool_live(t) + need > OM_POOL_SIZE)
        return 0;
    pool_compact(t);
    return 1;
}

/*
 * Whether dropping the oldest unpinned models (those older than rec,
 * or any when rec is pinned; never the one at index skip) can make room
 * for one more record of need bytes. Checked before anything is dropped,
 * so a model that ends up not added never costs another its place.
 */
static int room_possible(const om_table_t *t, const om_model_t *rec,
                         size_t need, size_t skip)
{
    size_t i, count = t->count, live = 0, freeable = 0, victims = 0;
    for (i = 0; i < t->count; i++) {
        const om_model_t *m = &t->models[i];
        if (i == skip) {
            count--;
            continue;
        }
        live += region_len(m);
        if (!(m->flags & OM_MODEL_PINNED) &&
            ((rec->flags & OM_MODEL_PINNED) || older(m, rec))) {
            freeable += region_len(m);
            victims++;
        }
    }
    if (count >= OM_TABLE_CAPACITY && victims == 0)
        return 0;
    return live + need <= OM_POOL_SIZE + freeable;
}

int om_table_put(om_table_t *t, const om_model_t *m, const char *id,
                 const char *name)
{
    size_t idl = m->id_len, nml = m->name_len, need = idl + nml + 2u, pos;
    int result = OM_PUT_ADDED, replaced = 0;
    om_model_t rec = *m;

    if (idl == 0 || idl > OM_ID_MAX || nml > OM_NAME_MAX ||
        (unsigned char)id[0] <= ' ' || need > OM_POOL_SIZE ||
        memchr(id, '\0', idl) || (nml && memchr(name, '\0', nml)))
        return OM_ERR_INVAL;

    pos = lower_bound(t, id, idl);
    if (pos < t->count && id_cmp(t, &t->models[pos], id, idl) == 0) {
        /* A repeated id: the later record wins, pinned if either was. */
        om_model_t *old = &t->models[pos];
        size_t have = region_len(old);
        rec.flags |= old->flags & OM_MODEL_PINNED;
        if (need == have || need + 3u <= have) {
            rec.str = old->str; /* fits the old region: reuse it */
            put_strings(t, rec.str, id, idl, name, nml);
            if (need < have)
                mark_dead(t, rec.str + need, have - need);
            *old = rec;
            return OM_PUT_REPLACED;
        }
        if (t->pool_used + need > OM_POOL_SIZE &&
            !room_possible(t, &rec, need, pos))
            return OM_PUT_DROPPED; /* the old record stays */
        remove_at(t, pos); /* pos stays the place for the new record */
        replaced = 1;
    } else if (t->pool_used + need > OM_POOL_SIZE &&
               pool_live(t) + need > OM_POOL_SIZE) {
        /* The pool is the limit: several models may have to go. */
        if (!room_possible(t, &rec, need, (size_t)-1))
            return OM_PUT_DROPPED;
    } else if (t->count == OM_TABLE_CAPACITY) {
        /* Only the count is the limit: one model goes, if one is older. */
        int v = oldest_unpinned(t);
        if (v < 0 || (!(rec.flags & OM_MODEL_PINNED) &&
                      older(&rec, &t->models[v])))
            return OM_PUT_DROPPED;
        remove_at(t, (size_t)v);
        if ((size_t)v < pos)
            pos--;
        result = OM_PUT_EVICTED;
    }

    /* Make room by dropping the oldest unpinned models; room_possible
     * said this ends before reaching any model newer than rec. */
    while (t->count == OM_TABLE_CAPACITY ||
           (t->pool_used + need > OM_POOL_SIZE &&
            pool_live(t) + need > OM_POOL_SIZE)) {
        int v = oldest_unpinned(t);
        if (v < 0)
            return OM_PUT_DROPPED; /* cannot happen after room_possible */
        remove_at(t, (size_t)v);
        if ((size_t)v < pos)
            pos--;
        result = OM_PUT_EVICTED;
    }
    pool_reserve(t, need);
    rec.str = (om_off_t)t->pool_used;
    t->pool_used += (uint32_t)need;
    put_strings(t, rec.str, id, idl, name, nml);
    memmove(&t->models[pos + 1], &t->models[pos],
            (t->count - pos) * sizeof(om_model_t));
    t->models[pos] = rec;
    t->count++;
    return replaced ? OM_PUT_REPLACED : result;
}

/* ------------------------------------------------------------- queries */

static unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* Case-insensitive (ASCII) search for needle[0..nl) in hay. */
static int contains_nocase(const char *hay, size_t hl, const char *needle,
                           size_t nl)
{
    size_t i, j;
    if (nl == 0)
        return 1;
    if (nl > hl)
        return 0;
    for (i = 0; i + nl <= hl; i++) {
        if (fold((unsigned char)hay[i]) != fold((unsigned char)needle[0]))
            continue;
        for (j = 1; j < nl; j++)
            if (fold((unsigned char)hay[i + j]) !=
                fold((unsigned char)needle[j]))
                break;
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
    if (f->term && f->term[0]) {
        size_t nl = strlen(f->term);
        return contains_nocase(om_model_id(t, m), m->id_len, f->term, nl) ||
               contains_nocase(om_model_name(t, m), m->name_len, f->term, nl);
    }
    return 1;
}

/* Orders two table indexes; ties fall back to the index, i.e. to the id,
 * so the order is total and the unstable sort below is deterministic. */
static int order_cmp(const om_table_t *t, om_order_t o, uint16_t a,
                     uint16_t b)
{
    const om_model_t *x = &t->models[a], *y = &t->models[b];
    int c = 0;
    switch (o) {
    case OM_ORDER_PRICE:
        c = om_price_cmp(x->prompt, y->prompt);
        if (!c)
            c = om_price_cmp(x->completion, y->completion);
        break;
    case OM_ORDER_CONTEXT:
        c = x->context_length > y->context_length   ? -1
            : x->context_length < y->context_length ? 1
                                                    : 0;
        break;
    case OM_ORDER_NEWEST:
        c = older(y, x) ? -1 : older(x, y) ? 1 : 0;
        break;
    default:
        break;
    }
    return c ? c : (a > b) - (a < b);
}

/* Heapsort: in place, no recursion, O(n log n) worst case, no allocation
 * (libc's qsort may allocate). */
static void sift(const om_table_t *t, om_order_t o, uint16_t *v, size_t i,
                 size_t n)
{
    for (;;) {
        size_t c = 2 * i + 1;
        uint16_t tmp;
        if (c >= n)
            return;
        if (c + 1 < n && order_cmp(t, o, v[c], v[c + 1]) < 0)
            c++;
        if (order_cmp(t, o, v[i], v[c]) >= 0)
            return;
        tmp = v[i];
        v[i] = v[c];
        v[c] = tmp;
        i = c;
    }
}

int om_table_select(const om_table_t *t, const om_filter_t *f,
                    om_order_t order, uint16_t *idx, size_t cap)
{
    size_t i, n = 0, total = 0;
    int heap = 0;
    for (i = 0; i < t->count; i++) {
        if (!om_model_matches(t, &t->models[i], f))
            continue;
        total++;
        if (n < cap) {
            idx[n++] = (uint16_t)i;
            continue;
        }
        if (order == OM_ORDER_ID || cap == 0)
            continue; /* ids come in order: the first cap are the answer */
        /* More matches than room: keep the cap best in a max-heap whose
         * root is the worst kept, so each newcomer costs O(log cap). */
        if (!heap) {
            size_t k;
            for (k = n / 2; k-- > 0;)
                sift(t, order, idx, k, n);
            heap = 1;
        }
        if (order_cmp(t, order, (uint16_t)i, idx[0]) < 0) {
            idx[0] = (uint16_t)i;
            sift(t, order, idx, 0, n);
        }
    }
    if (order != OM_ORDER_ID && n > 1) {
        if (!heap)
            for (i = n / 2; i-- > 0;)
                sift(t, order, idx, i, n);
        for (i = n - 1; i > 0; i--) {
            uint16_t tmp = idx[0];
            idx[0] = idx[i];
            idx[i] = tmp;
            sift(t, order, idx, 0, i);
        }
    }
    return (int)total;
}
