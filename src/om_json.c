/*
 * om_json.c - the streaming catalogue extractor.
 *
 * The body of GET /api/v1/models is about 1 MB and growing; a device has
 * a few KB to spare. So the body is never held: a byte-level scanner
 * validates the whole document as it streams past and copies only the
 * values ormodels keeps (id, name, created, context_length, pricing.prompt
 * and pricing.completion) of the model being read into a small window, as
 * a compact object {i:"..",n:"..",p:".."} (bare one-letter keys, which
 * jsmn's default mode accepts). When the model's object
 * closes, jsmn tokenizes that window and the record goes into the table.
 *
 * Memory is the extractor struct and nothing else, whatever the size of
 * a model object or of a string inside it. The hot path is the skipping
 * of strings nobody keeps (descriptions are most of the body), done a
 * machine word at a time.
 */
#include <string.h>

#define JSMN_STATIC
#define JSMN_PARENT_LINKS /* O(1) to the parent on "," and "}" */
#include <jsmn.h>

#include "ormodels.h"
#include "om_internal.h"

/* Per-field caps on the escaped (raw) form copied into the window. Escapes
 * can triple a UTF-8 string; longer ids count as too long, longer names
 * are cut (and still decode to at most OM_NAME_MAX bytes). */
#define CAP_ID (3 * OM_ID_MAX)
#define CAP_NAME (3 * OM_NAME_MAX)
#define CAP_NUM 24
#define CAP_PRICE OM_PRICE_STR_MAX
#define FIELD_OVERHEAD 6 /* ,k:"" */
#define WINDOW_NEED                                                         \
    (2 + CAP_ID + CAP_NAME + 2 * CAP_NUM + 2 * CAP_PRICE + 6 * FIELD_OVERHEAD)

#if OM_WINDOW_SIZE < WINDOW_NEED
#error "OM_WINDOW_SIZE too small for OM_ID_MAX and OM_NAME_MAX"
#endif
#if OM_WINDOW_SIZE > 16384 || OM_JSON_MAX_DEPTH > 255 || OM_URL_MAX > 4096
#error "OM_WINDOW_SIZE, OM_JSON_MAX_DEPTH or OM_URL_MAX out of range"
#endif

enum state {
    S_VALUE,     /* a value is expected */
    S_ARR_FIRST, /* after '[': a value or ']' */
    S_OBJ_FIRST, /* after '{': a key or '}' */
    S_KEY,       /* after ',' in an object */
    S_COLON,     /* after a key */
    S_AFTER,     /* after a value: ',' or a closing bracket */
    S_STR,       /* inside a string */
    S_NUM,       /* inside a number */
    S_LIT,       /* inside true, false or null */
    S_DONE       /* after the document: only whitespace */
};

/* What a container is, for the first levels that matter. */
enum role { R_SKIP, R_TOP, R_DATA, R_MODEL, R_PRICING, R_LINKS };
#define ROLE_LEVELS 6

/* What the value being read is. */
enum field {
    F_NONE,
    F_DATA,
    F_LINKS,
    F_NEXT,
    F_TOTAL,
    F_MODEL,
    F_PRICING,
    /* the model fields kept in the window; their bit is 1 << (f - F_ID) */
    F_ID,
    F_NAME,
    F_CREATED,
    F_CTX,
    F_PROMPT,
    F_COMPLETION
};

enum str_mode { SM_SKIP, SM_KEY, SM_COPY };

enum num_state { N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP };

/* x->flags */
#define X_IS_KEY 0x01    /* the string being read is a key */
#define X_OVERFLOW 0x02  /* the kept value outgrew its cap */
#define X_LONG_ID 0x04   /* the model's id is too long */
#define X_DATA_OPEN 0x08 /* inside the data array */
#define X_DATA_DONE 0x10 /* the data array closed */
#define X_NEXT_LONG 0x20 /* links.next did not fit */
#define X_COPY_NUM 0x40  /* the number being read is kept */

#define KEY_NONE 255 /* key_len when the key cannot be one we want */

static const char field_letter[] = {'i', 'n', 'c', 'x', 'p', 'q'};
static const char *const literals[] = {"true", "false", "null"};

/* -------------------------------------------------------------- words */

/* A machine word, for scanning several bytes at a time. */
#if UINTPTR_MAX > 0xFFFFFFFFu
typedef uint64_t word_t;
#else
typedef uint32_t word_t;
#endif
#define ONES ((word_t)-1 / 255u)
#define HIGHS (ONES * 0x80u)

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    defined(__GNUC__)
#define FIRST_SET_BYTE(w)                                                   \
    ((sizeof(word_t) == 8 ? (unsigned)__builtin_ctzll((unsigned long long)(w)) \
                          : (unsigned)__builtin_ctz((unsigned)(w))) /         \
     8u)
#endif

/* Bytes that end the fast scan of a string: '"', '\\' and controls. */
static const uint8_t str_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, ['\\'] = 1};

#if defined(__GNUC__)
#define HOT static inline __attribute__((always_inline))
#else
#define HOT static inline
#endif

/* The first '"', '\\' or control byte in [p, end), or end. */
HOT const uint8_t *scan_string(const uint8_t *p, const uint8_t *end)
{
    while ((size_t)(end - p) >= sizeof(word_t)) {
        word_t v, q, b, m;
        memcpy(&v, p, sizeof v);
        q = v ^ (ONES * '"');
        b = v ^ (ONES * '\\');
        /* '"' and '\\' have bit 7 clear, so q, b and v share their top
         * bits and one ~v serves all three borrow tests. */
        m = ((q - ONES) | (b - ONES) | (v - ONES * 0x20u)) & ~v & HIGHS;
        if (m) {
#ifdef FIRST_SET_BYTE
            /* Borrows only run upwards: the lowest flagged byte is exact. */
            return p + FIRST_SET_BYTE(m);
#else
            break;
#endif
        }
        p += sizeof v;
    }
    while (p < end && !str_special[*p])
        p++;
    return p;
}

/* Skips JSON whitespace; runs of indentation go a word at a time. */
HOT const uint8_t *skip_ws(const uint8_t *p, const uint8_t *end)
{
    while (p < end) {
        uint8_t c = *p;
        if (c == ' ') {
#ifdef FIRST_SET_BYTE
            while ((size_t)(end - p) >= sizeof(word_t)) {
                word_t v;
                memcpy(&v, p, sizeof v);
                v ^= ONES * ' ';
                if (v) {
                    p += FIRST_SET_BYTE(v);
                    break;
                }
                p += sizeof v;
            }
            if ((size_t)(end - p) < sizeof(word_t))
#endif
                while (p < end && *p == ' ')
                    p++;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            p++;
            continue;
        } else {
            break;
        }
    }
    return p;
}

/* -------------------------------------------------------------- errors */

static void fail(om_extractor_t *x, int err, const char *msg,
                 const uint8_t *at)
{
    if (x->err)
        return;
    x->err = err;
    x->err_msg = msg;
    x->err_at = at;
}

/* ------------------------------------------------------------- window */

/* Appends n bytes of the kept value, up to its cap. */
static void win_put(om_extractor_t *x, const uint8_t *p, size_t n)
{
    size_t room = (size_t)(x->field_end - x->win_len);
    if (x->flags & X_OVERFLOW)
        return;
    if (n > room) {
        n = room;
        x->flags |= X_OVERFLOW;
    }
    memcpy(&x->win[x->win_len], p, n);
    x->win_len = (uint16_t)(x->win_len + n);
}

static void win_byte(om_extractor_t *x, uint8_t c)
{
    win_put(x, &c, 1);
}

static unsigned field_bit(unsigned f)
{
    return 1u << (f - F_ID);
}

/* Starts copying the value of field f: returns 0 when it is not kept
 * (a repeat of a field this model already has: the first one wins). */
static int field_open(om_extractor_t *x, unsigned f, int is_string)
{
    unsigned cap;
    x->flags &= (uint8_t)~X_OVERFLOW;
    if (f == F_NEXT || f == F_TOTAL) { /* outside any model */
        x->win_len = 0;
        x->field_start = 0;
        x->field_end = (uint16_t)(f == F_NEXT ? OM_WINDOW_SIZE - 1 : CAP_NUM);
        return 1;
    }
    if (x->seen & field_bit(f)) {
        x->stats.bad_fields++;
        return 0;
    }
    x->seen |= (uint8_t)field_bit(f);
    cap = f == F_ID     ? CAP_ID
          : f == F_NAME ? CAP_NAME
          : (f == F_PROMPT || f == F_COMPLETION) ? CAP_PRICE
                                                 : CAP_NUM;
    x->field_start = x->win_len;
    if (x->win_len > 1)
        x->win[x->win_len++] = ',';
    x->win[x->win_len++] = field_letter[f - F_ID]; /* a bare key: jsmn's */
    x->win[x->win_len++] = ':';                     /* default mode takes it */
    if (is_string)
        x->win[x->win_len++] = '"';
    x->val_start = x->win_len;
    x->field_end = (uint16_t)(x->win_len + cap);
    return 1;
}

/* Cuts a name's escaped form back to the last whole escape. */
static void cut_to_escape(om_extractor_t *x)
{
    size_t i = x->val_start, last = i;
    while (i < x->win_len) {
        last = i;
        i += x->win[i] != '\\' ? 1u : x->win[i + 1] == 'u' ? 6u : 2u;
    }
    if (i == x->win_len)
        last = i;
    x->win_len = (uint16_t)last;
}

/* Ends the kept value of field f (a string when is_string). */
static void field_close(om_extractor_t *x, unsigned f, int is_string)
{
    int over = (x->flags & X_OVERFLOW) != 0;
    if (f == F_NEXT) {
        int cut = 0, n = -1;
        if (!over)
            n = om_json_unescape(x->win, x->win_len, x->next, OM_URL_MAX, 0,
                                 &cut);
        if (n < 0 || cut) {
            x->flags |= X_NEXT_LONG;
            n = 0;
        }
        x->next[n] = '\0';
        x->next_len = (uint16_t)n;
        return;
    }
    if (f == F_TOTAL) {
        uint32_t v;
        if (!over && om_parse_u32(x->win, x->win_len, &v) == OM_OK)
            x->stats.total_count = v;
        return;
    }
    if (over) {
        if (f == F_NAME) {
            cut_to_escape(x);
            x->model_flags |= 1; /* the name was cut */
        } else {
            if (f == F_ID)
                x->flags |= X_LONG_ID;
            else
                x->stats.bad_fields++;
            x->win_len = x->field_start;
            x->seen &= (uint8_t)~field_bit(f);
            return;
        }
    }
    if (is_string)
        x->win[x->win_len++] = '"';
}

/* -------------------------------------------------------------- models */

static void model_begin(om_extractor_t *x)
{
    x->win_len = 0;
    x->win[x->win_len++] = '{';
    x->seen = 0;
    x->model_flags = 0;
    x->flags &= (uint8_t)~X_LONG_ID;
}

static int is_pinned(const om_extractor_t *x, const char *id, size_t n)
{
    size_t i;
    for (i = 0; i < x->npinned; i++) {
        const char *p = x->pinned[i];
        if (p && strlen(p) == n && memcmp(p, id, n) == 0)
            return 1;
    }
    return 0;
}

/* The model's object closed: tokenize the window, decode, store. */
static void model_end(om_extractor_t *x)
{
    jsmn_parser jp;
    jsmntok_t tok[16];
    om_model_t m;
    char *id = NULL, *name = "";
    int n, i, r, idl = 0, nml = 0, cut;

    x->stats.models++;
    memset(&m, 0, sizeof m);
    m.seq = x->seq;
    if (x->seq < UINT16_MAX)
        x->seq++;
    if (x->flags & X_LONG_ID) {
        x->stats.long_ids++;
        return;
    }
    if (!(x->seen & field_bit(F_ID))) {
        x->stats.invalid++;
        return;
    }
    x->win[x->win_len++] = '}';
    jsmn_init(&jp);
    n = jsmn_parse(&jp, x->win, x->win_len, tok, 16);
    if (n < 1 || tok[0].type != JSMN_OBJECT) { /* cannot happen */
        x->stats.invalid++;
        return;
    }
    m.prompt = OM_PRICE_NONE;
    m.completion = OM_PRICE_NONE;
    for (i = 1; i + 1 < n; i += 2) {
        char *v = &x->win[tok[i + 1].start];
        size_t vl = (size_t)(tok[i + 1].end - tok[i + 1].start);
        uint32_t u;
        switch (x->win[tok[i].start]) {
        case 'i':
            idl = om_json_unescape(v, vl, v, OM_ID_MAX, 0, &cut);
            if (cut) {
                x->stats.long_ids++;
                return;
            }
            if (idl <= 0 || (unsigned char)v[0] <= ' ') {
                x->stats.invalid++;
                return;
            }
            id = v;
            break;
        case 'n':
            nml = om_json_unescape(
                v, vl, v, OM_NAME_MAX,
                OM_UNESC_TEXT | ((x->model_flags & 1) ? OM_UNESC_CUT : 0u),
                &cut);
            if (nml < 0) {
                nml = 0;
                x->stats.bad_fields++;
            } else if (cut || (x->model_flags & 1)) {
                x->stats.names_cut++;
            }
            name = v;
            break;
        case 'c':
        case 'x':
            r = om_parse_u32(v, vl, &u);
            if (r != OM_OK)
                x->stats.bad_fields++;
            else if (x->win[tok[i].start] == 'c')
                m.created = u;
            else
                m.context_length = u;
            break;
        case 'p':
        case 'q':
            if (om_price_parse(v, vl, x->win[tok[i].start] == 'p'
                                          ? &m.prompt
                                          : &m.completion) != OM_OK)
                x->stats.bad_fields++;
            break;
        default:
            break;
        }
    }
    m.id_len = (uint8_t)idl;
    m.name_len = (uint8_t)nml;
    if (is_pinned(x, id, (size_t)idl))
        m.flags |= OM_MODEL_PINNED;
    r = om_table_put(x->table, &m, id, name);
    if (r == OM_PUT_REPLACED)
        x->stats.duplicates++;
    else if (r == OM_PUT_EVICTED || r == OM_PUT_DROPPED)
        x->stats.dropped++;
    else if (r < 0)
        x->stats.invalid++;
}

/* ----------------------------------------------------------- structure */

static unsigned role_at(const om_extractor_t *x)
{
    return x->depth < ROLE_LEVELS ? x->role[x->depth] : R_SKIP;
}

static int top_is_object(const om_extractor_t *x)
{
    unsigned d = x->depth - 1u;
    return (x->stack[d / 8] >> (d % 8)) & 1u;
}

static void push(om_extractor_t *x, int is_object, unsigned role,
                 const uint8_t *at)
{
    unsigned d = x->depth;
    if (d >= OM_JSON_MAX_DEPTH) {
        fail(x, OM_ERR_DEPTH, "nested too deep", at);
        return;
    }
    if (is_object)
        x->stack[d / 8] |= (uint8_t)(1u << (d % 8));
    else
        x->stack[d / 8] &= (uint8_t)~(1u << (d % 8));
    x->depth++;
    if (x->depth < ROLE_LEVELS)
        x->role[x->depth] = (uint8_t)role;
}

/* The field of the next element of the current array. */
static unsigned element_field(const om_extractor_t *x)
{
    return role_at(x) == R_DATA ? F_MODEL : F_NONE;
}

static unsigned key_field(const om_extractor_t *x, const char *k, size_t n)
{
#define IS(s) (n == sizeof(s) - 1 && memcmp(k, s, sizeof(s) - 1) == 0)
    switch (role_at(x)) {
    case R_TOP:
        if (IS("data"))
            return (x->flags & (X_DATA_OPEN | X_DATA_DONE)) ? F_NONE : F_DATA;
        if (IS("links"))
            return F_LINKS;
        if (IS("total_count"))
            return F_TOTAL;
        break;
    case R_LINKS:
        if (IS("next"))
            return F_NEXT;
        break;
    case R_MODEL:
        if (IS("id"))
            return F_ID;
        if (IS("name"))
            return F_NAME;
        if (IS("created"))
            return F_CREATED;
        if (IS("context_length"))
            return F_CTX;
        if (IS("pricing"))
            return F_PRICING;
        break;
    case R_PRICING:
        if (IS("prompt"))
            return F_PROMPT;
        if (IS("completion"))
            return F_COMPLETION;
        break;
    default:
        break;
    }
#undef IS
    return F_NONE;
}

static int is_model_field(unsigned f)
{
    return f >= F_ID;
}

static void close_container(om_extractor_t *x, uint8_t c, const uint8_t *at)
{
    unsigned role = role_at(x);
    if ((c == '}') != top_is_object(x)) {
        fail(x, OM_ERR_JSON, "mismatched closing bracket", at);
        return;
    }
    if (role == R_MODEL)
        model_end(x);
    else if (role == R_DATA)
        x->flags = (uint8_t)((x->flags & ~X_DATA_OPEN) | X_DATA_DONE);
    x->depth--;
    x->state = x->depth ? S_AFTER : S_DONE;
}

/* A value starts with byte c at `at`. */
static void value_begin(om_extractor_t *x, uint8_t c, const uint8_t *at)
{
    unsigned f = x->field;

    if (f == F_NONE && x->depth != 0)
        goto plain;
    if (x->depth == 0 && c != '{') {
        fail(x, OM_ERR_SCHEMA, "the catalogue is not a JSON object", at);
        return;
    }
    if (f == F_DATA && c != '[') {
        fail(x, OM_ERR_SCHEMA, "\"data\" is not an array", at);
        return;
    }
    if (f == F_MODEL && c != '{')
        x->stats.invalid++; /* an element of data that is no object */
    if (is_model_field(f) && c != '"' && c != 'n' &&
        !(c == '-' || (c >= '0' && c <= '9')))
        x->stats.bad_fields++; /* an object, array or boolean */

plain:
    switch (c) {
    case '{': {
        unsigned role = R_SKIP;
        if (x->depth == 0)
            role = R_TOP;
        else if (f == F_MODEL)
            role = R_MODEL;
        else if (f == F_PRICING)
            role = R_PRICING;
        else if (f == F_LINKS)
            role = R_LINKS;
        if (role == R_MODEL)
            model_begin(x);
        push(x, 1, role, at);
        x->state = S_OBJ_FIRST;
        break;
    }
    case '[':
        if (f == F_DATA)
            x->flags |= X_DATA_OPEN;
        push(x, 0, f == F_DATA ? R_DATA : R_SKIP, at);
        x->field = (uint8_t)element_field(x);
        x->state = S_ARR_FIRST;
        break;
    case '"': {
        int keep = f == F_ID || f == F_NAME || f == F_PROMPT ||
                   f == F_COMPLETION || f == F_NEXT;
        x->str_mode = (uint8_t)(keep && field_open(x, f, 1) ? SM_COPY : SM_SKIP);
        x->flags &= (uint8_t)~X_IS_KEY;
        x->state = S_STR;
        break;
    }
    case 't':
    case 'f':
    case 'n':
        x->lit = (uint8_t)(c == 't' ? 0 : c == 'f' ? 1 : 2);
        x->lit_pos = 1;
        x->state = S_LIT;
        break;
    default:
        if (c == '-' || (c >= '0' && c <= '9')) {
            int keep = f == F_CREATED || f == F_CTX || f == F_PROMPT ||
                       f == F_COMPLETION || f == F_TOTAL;
            x->flags &= (uint8_t)~X_COPY_NUM;
            if (keep && field_open(x, f, 0)) {
                x->flags |= X_COPY_NUM;
                win_byte(x, c);
            }
            x->num = c == '-' ? N_MINUS : c == '0' ? N_ZERO : N_INT;
            x->state = S_NUM;
            break;
        }
        fail(x, OM_ERR_JSON, "expected a value", at);
    }
}

static void key_begin(om_extractor_t *x)
{
    unsigned r = role_at(x);
    int want = r == R_TOP || r == R_MODEL || r == R_PRICING || r == R_LINKS;
    x->str_mode = (uint8_t)(want ? SM_KEY : SM_SKIP);
    x->key_len = 0;
    x->flags |= X_IS_KEY;
    x->state = S_STR;
}

/* One structural byte (not whitespace) at p. */
static void structural(om_extractor_t *x, const uint8_t *p)
{
    uint8_t c = *p;
    switch (x->state) {
    case S_VALUE:
        value_begin(x, c, p);
        break;
    case S_ARR_FIRST:
        if (c == ']')
            close_container(x, c, p);
        else
            value_begin(x, c, p);
        break;
    case S_OBJ_FIRST:
    case S_KEY:
        if (c == '"')
            key_begin(x);
        else if (c == '}' && x->state == S_OBJ_FIRST)
            close_container(x, c, p);
        else
            fail(x, OM_ERR_JSON, "expected a key", p);
        break;
    case S_COLON:
        if (c == ':')
            x->state = S_VALUE;
        else
            fail(x, OM_ERR_JSON, "expected ':'", p);
        break;
    case S_AFTER:
        if (c == ',') {
            if (top_is_object(x)) {
                x->state = S_KEY;
            } else {
                x->field = (uint8_t)element_field(x);
                x->state = S_VALUE;
            }
        } else if (c == '}' || c == ']') {
            close_container(x, c, p);
        } else {
            fail(x, OM_ERR_JSON, "expected ',' or a closing bracket", p);
        }
        break;
    default: /* S_DONE */
        fail(x, OM_ERR_JSON, "data after the end of the document", p);
        break;
    }
}

/* ------------------------------------------------------------- strings */

static int is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static void string_end(om_extractor_t *x)
{
    if (x->flags & X_IS_KEY) {
        x->field = (uint8_t)(x->str_mode == SM_KEY && x->key_len != KEY_NONE
                                 ? key_field(x, x->key, x->key_len)
                                 : F_NONE);
        x->state = S_COLON;
        return;
    }
    if (x->str_mode == SM_COPY)
        field_close(x, x->field, 1);
    x->state = S_AFTER;
}

/* Reads string bytes from p; returns where it stopped. */
static const uint8_t *string_run(om_extractor_t *x, const uint8_t *p,
                                 const uint8_t *end)
{
    while (p < end) {
        const uint8_t *q;
        uint8_t c;
        if (x->esc) {
            c = *p;
            if (x->esc == 1) {
                if (c == 'u') {
                    x->esc = 2;
                } else if (c == '"' || c == '\\' || c == '/' || c == 'b' ||
                           c == 'f' || c == 'n' || c == 'r' || c == 't') {
                    x->esc = 0;
                } else {
                    fail(x, OM_ERR_JSON, "invalid escape in string", p);
                    return p;
                }
            } else if (is_hex(c)) {
                x->esc = (uint8_t)(x->esc == 5 ? 0 : x->esc + 1);
            } else {
                fail(x, OM_ERR_JSON, "invalid \\u escape in string", p);
                return p;
            }
            if (x->str_mode == SM_COPY)
                win_byte(x, c);
            p++;
            continue;
        }
        q = scan_string(p, end);
        if (x->str_mode == SM_COPY) {
            win_put(x, p, (size_t)(q - p));
        } else if (x->str_mode == SM_KEY && x->key_len != KEY_NONE) {
            size_t n = (size_t)(q - p);
            if (x->key_len + n > sizeof(x->key)) {
                x->key_len = KEY_NONE;
            } else {
                memcpy(&x->key[x->key_len], p, n);
                x->key_len = (uint8_t)(x->key_len + n);
            }
        }
        if (q == end)
            return q;
        c = *q;
        if (c == '"') {
            string_end(x);
            return q + 1;
        }
        if (c != '\\') {
            fail(x, OM_ERR_JSON, "control character in string", q);
            return q;
        }
        x->esc = 1;
        if (x->str_mode == SM_COPY)
            win_byte(x, c);
        else if (x->str_mode == SM_KEY)
            x->key_len = KEY_NONE; /* escaped keys are never ours */
        p = q + 1;
    }
    return p;
}

/* ------------------------------------------------- numbers and literals */

static const uint8_t *number_run(om_extractor_t *x, const uint8_t *p,
                                 const uint8_t *end)
{
    const uint8_t *s = p;
    for (; p < end; p++) {
        uint8_t c = *p;
        int digit = c >= '0' && c <= '9';
        unsigned n = x->num;
        switch (n) {
        case N_MINUS:
            n = !digit ? 99u : c == '0' ? N_ZERO : N_INT;
            break;
        case N_ZERO:
        case N_INT:
            if (digit && n == N_INT)
                break;
            n = c == '.' ? N_DOT : (c == 'e' || c == 'E') ? N_E : 100u;
            break;
        case N_DOT:
            n = digit ? N_FRAC : 99u;
            break;
        case N_FRAC:
            if (!digit)
                n = (c == 'e' || c == 'E') ? N_E : 100u;
            break;
        case N_E:
            n = (c == '+' || c == '-') ? N_ESIGN : digit ? N_EXP : 99u;
            break;
        case N_ESIGN:
            n = digit ? N_EXP : 99u;
            break;
        default: /* N_EXP */
            if (!digit)
                n = 100u;
            break;
        }
        if (n == 99u) {
            fail(x, OM_ERR_JSON, "malformed number", p);
            return p;
        }
        if (n == 100u) { /* the number ended before this byte */
            if (x->flags & X_COPY_NUM) {
                win_put(x, s, (size_t)(p - s));
                field_close(x, x->field, 0);
            }
            x->state = S_AFTER;
            return p;
        }
        x->num = (uint8_t)n;
    }
    if (x->flags & X_COPY_NUM)
        win_put(x, s, (size_t)(p - s));
    return p;
}

static const uint8_t *literal_run(om_extractor_t *x, const uint8_t *p,
                                  const uint8_t *end)
{
    const char *lit = literals[x->lit];
    while (p < end) {
        if (lit[x->lit_pos] == '\0') {
            x->state = S_AFTER;
            return p;
        }
        if (*p != (uint8_t)lit[x->lit_pos]) {
            fail(x, OM_ERR_JSON, "invalid literal", p);
            return p;
        }
        x->lit_pos++;
        p++;
    }
    if (lit[x->lit_pos] == '\0')
        x->state = S_AFTER;
    return p;
}

/* ---------------------------------------------------------------- API */

static void reset_document(om_extractor_t *x)
{
    x->state = S_VALUE;
    x->depth = 0;
    x->field = F_NONE;
    x->esc = 0;
    x->flags = 0;
    x->next_len = 0;
    x->next[0] = '\0';
    x->win_len = 0;
    x->role[0] = R_SKIP;
}

void om_extract_init(om_extractor_t *x, om_table_t *t,
                     const char *const *pinned, size_t npinned)
{
    memset(x, 0, sizeof *x);
    x->table = t;
    x->pinned = pinned;
    x->npinned = (uint8_t)(npinned > OM_PINNED_MAX ? OM_PINNED_MAX : npinned);
    om_table_init(t);
    reset_document(x);
}

void om_extract_next_page(om_extractor_t *x)
{
    x->err = 0;
    x->err_msg = NULL;
    x->offset = 0;
    reset_document(x);
}

/* Byte classes for the dispatch of the main loop. */
enum { C_OTHER, C_WS, C_QUOTE, C_COLON, C_COMMA, C_OPEN, C_CLOSE, C_NUM,
       C_LIT };
static const uint8_t byte_class[256] = {
    [' '] = C_WS, ['\n'] = C_WS, ['\r'] = C_WS, ['\t'] = C_WS,
    ['"'] = C_QUOTE, [':'] = C_COLON, [','] = C_COMMA,
    ['{'] = C_OPEN, ['['] = C_OPEN, ['}'] = C_CLOSE, [']'] = C_CLOSE,
    ['-'] = C_NUM, ['0'] = C_NUM, ['1'] = C_NUM, ['2'] = C_NUM,
    ['3'] = C_NUM, ['4'] = C_NUM, ['5'] = C_NUM, ['6'] = C_NUM,
    ['7'] = C_NUM, ['8'] = C_NUM, ['9'] = C_NUM,
    ['t'] = C_LIT, ['f'] = C_LIT, ['n'] = C_LIT};

HOT int is_digit(uint8_t c) { return (unsigned)(c - '0') < 10u; }

/* A whole number from p that ends inside the buffer: returns the byte
 * after it, or NULL to let the byte-wise path decide (an error, or a
 * number the chunk cuts). */
HOT const uint8_t *number_whole(const uint8_t *p, const uint8_t *end)
{
    if (*p == '-')
        p++;
    if (p < end && *p == '0') {
        p++;
    } else {
        if (p == end || !is_digit(*p))
            return NULL;
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && *p == '.') {
        if (++p == end || !is_digit(*p))
            return NULL;
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        if (++p < end && (*p == '+' || *p == '-'))
            p++;
        if (p == end || !is_digit(*p))
            return NULL;
        while (p < end && is_digit(*p))
            p++;
    }
    return p < end ? p : NULL;
}

/* Runs the token (string, number, literal) the state says is open. */
static const uint8_t *token_run(om_extractor_t *x, const uint8_t *p,
                                const uint8_t *end)
{
    switch (x->state) {
    case S_STR:
        return string_run(x, p, end);
    case S_NUM:
        return number_run(x, p, end);
    case S_LIT:
        return literal_run(x, p, end);
    default:
        return p;
    }
}

/*
 * The main loop keeps the parser state in a local and handles the common
 * tokens inline: whitespace, ':' and ',', and whole strings that are keys
 * or values nobody keeps. Everything else (brackets, numbers, literals,
 * kept values, strings with escapes or cut by the chunk's end) goes
 * through structural() and the token functions, which work byte by byte
 * and resume across chunks.
 */
int om_extract_feed(om_extractor_t *x, const void *buf, size_t len)
{
    const uint8_t *const start = (const uint8_t *)buf, *const end = start + len;
    const uint8_t *p = start, *q;
    unsigned st, role, obj;

    if (x->err)
        return x->err;
    p = token_run(x, p, end);
    st = x->state;
    /* The current container's role and kind, kept in registers; reread
     * after anything that may push or pop outside this loop. */
    role = role_at(x);
    obj = x->depth ? top_is_object(x) : 0;
    while (p < end) {
        switch (byte_class[*p]) {
        case C_WS:
            p = skip_ws(p + 1, end);
            continue;
        case C_COLON:
            if (st != S_COLON)
                break;
        colon:
            st = S_VALUE;
            if (++p < end && *p == ' ') /* the usual ": " */
                p++;
            if (p < end && x->field == F_NONE) {
                if (*p == '"')
                    goto skip_value;
                if (*p == '{' || *p == '[')
                    goto open;
            }
            continue;
        case C_COMMA:
            if (st != S_AFTER)
                break;
        comma:
            p++;
            if (!obj) {
                x->field = (uint8_t)element_field(x);
                st = S_VALUE;
                continue;
            }
            st = S_KEY;
            if (p < end && *p <= ' ')
                p = skip_ws(p, end);
            if (p == end || *p != '"')
                continue;
            /* fall through: the key that follows */
        key:
            q = scan_string(p + 1, end);
            if (q == end || *q != '"')
                break;
            x->field = (uint8_t)(role == R_SKIP
                                     ? F_NONE
                                     : key_field(x, (const char *)p + 1,
                                                 (size_t)(q - p - 1)));
            st = S_COLON;
            p = q + 1;
            if (p < end && *p == ':')
                goto colon;
            continue;
        case C_QUOTE:
            if (st == S_OBJ_FIRST || st == S_KEY)
                goto key;
            if (st == S_VALUE && x->field >= F_ID) {
                /* A kept string, whole in the buffer without escapes:
                 * copied in one piece (the byte-wise path does the rest). */
                unsigned f = x->field;
                q = scan_string(p + 1, end);
                if (q == end || *q != '"' ||
                    !(f == F_ID || f == F_NAME || f == F_PROMPT ||
                      f == F_COMPLETION))
                    break;
                if (field_open(x, f, 1)) {
                    win_put(x, p + 1, (size_t)(q - p - 1));
                    field_close(x, f, 1);
                }
                st = S_AFTER;
                p = q + 1;
                if (p < end && *p == ',')
                    goto comma;
                continue;
            }
            if ((st == S_VALUE || st == S_ARR_FIRST) && x->field == F_NONE &&
                x->depth != 0) {
            skip_value:
                q = scan_string(p + 1, end);
                if (q == end || *q != '"')
                    break;
                st = S_AFTER;
                p = q + 1;
                if (p < end && *p == ',')
                    goto comma;
                continue;
            }
            break;
        case C_OPEN:
        open:
            /* A container nobody keeps. */
            if ((st == S_VALUE || st == S_ARR_FIRST) && x->field == F_NONE &&
                x->depth != 0 && x->depth < OM_JSON_MAX_DEPTH) {
                unsigned d = x->depth;
                if (*p == '{') {
                    x->stack[d / 8] |= (uint8_t)(1u << (d % 8));
                    st = S_OBJ_FIRST;
                    obj = 1;
                } else {
                    x->stack[d / 8] &= (uint8_t)~(1u << (d % 8));
                    st = S_ARR_FIRST;
                    obj = 0;
                }
                x->depth = (uint8_t)(d + 1);
                if (d + 1 < ROLE_LEVELS)
                    x->role[d + 1] = R_SKIP;
                role = R_SKIP;
                p++;
                if (obj) { /* usually whitespace, then the first key */
                    if (p < end && *p <= ' ')
                        p = skip_ws(p, end);
                    if (p < end && *p == '"')
                        goto key;
                }
                continue;
            }
            break;
        case C_CLOSE:
            if ((st == S_AFTER || st == S_OBJ_FIRST || st == S_ARR_FIRST) &&
                role == R_SKIP && x->depth > 1 && (*p == '}') == obj &&
                (st == S_AFTER || (st == S_OBJ_FIRST) == (*p == '}'))) {
                x->depth--;
                role = role_at(x);
                obj = top_is_object(x);
                st = S_AFTER;
                p++;
                if (p < end && *p == ',')
                    goto comma;
                continue;
            }
            break;
        case C_NUM:
            if (st == S_VALUE && (x->field == F_CREATED || x->field == F_CTX) &&
                (q = number_whole(p, end)) != NULL) {
                unsigned f = x->field;
                if (field_open(x, f, 0)) {
                    win_put(x, p, (size_t)(q - p));
                    field_close(x, f, 0);
                }
                st = S_AFTER;
                p = q;
                if (*p == ',')
                    goto comma;
                continue;
            }
            if ((st == S_VALUE || st == S_ARR_FIRST) && x->field == F_NONE &&
                x->depth != 0 && (q = number_whole(p, end)) != NULL) {
                st = S_AFTER;
                p = q;
                if (*p == ',')
                    goto comma;
                continue;
            }
            break;
        case C_LIT:
            if ((st == S_VALUE || st == S_ARR_FIRST) && x->field == F_NONE &&
                x->depth != 0 && end - p > 5) {
                size_t n = *p == 'f' ? 5u : 4u;
                const char *l = literals[*p == 't' ? 0 : *p == 'f' ? 1 : 2];
                if (p[1] == (uint8_t)l[1] && p[2] == (uint8_t)l[2] &&
                    p[3] == (uint8_t)l[3] && (n == 4 || p[4] == (uint8_t)l[4])) {
                    st = S_AFTER;
                    p += n;
                    if (*p == ',')
                        goto comma;
                    continue;
                }
            }
            break;
        default:
            break;
        }
        /* The general path. */
        x->state = (uint8_t)st;
        structural(x, p);
        if (x->err)
            break;
        p = token_run(x, p + 1, end);
        if (x->err)
            break;
        st = x->state;
        role = role_at(x);
        obj = x->depth ? top_is_object(x) : 0;
    }
    x->state = (uint8_t)st;
    if (x->err) {
        x->err_offset = x->offset + (uint64_t)(x->err_at - start);
        return x->err;
    }
    x->offset += len;
    return OM_OK;
}

int om_extract_finish(om_extractor_t *x)
{
    if (x->err)
        return x->err;
    if (x->state == S_LIT && literals[x->lit][x->lit_pos] == '\0')
        x->state = S_AFTER; /* cannot end a document, but be exact */
    x->err_offset = x->offset;
    if (x->state != S_DONE) {
        x->err = OM_ERR_TRUNCATED;
        x->err_msg = x->offset ? "the document ends early" : "the body is empty";
    } else if (!(x->flags & X_DATA_DONE)) {
        x->err = OM_ERR_SCHEMA;
        x->err_msg = "no \"data\" array";
    } else if (x->flags & X_NEXT_LONG) {
        x->err = OM_ERR_TOOBIG;
        x->err_msg = "links.next is longer than OM_URL_MAX";
    } else if (x->table->count == 0) {
        x->err = OM_ERR_EMPTY;
        x->err_msg = "no usable model in the catalogue";
    }
    return x->err;
}

const char *om_extract_next(const om_extractor_t *x)
{
    return x->next_len ? x->next : NULL;
}

/* Appends s to buf at *len, keeping room for the NUL. */
static void append(char *buf, size_t cap, size_t *len, const char *s)
{
    while (*s && *len + 1 < cap)
        buf[(*len)++] = *s++;
    buf[*len] = '\0';
}

const char *om_extract_error(const om_extractor_t *x, char *buf, size_t cap)
{
    char num[21];
    size_t len = 0;

    if (cap == 0)
        return buf;
    buf[0] = '\0';
    if (!x->err)
        return buf;
    om_u64_dec(x->err_offset, num);
    append(buf, cap, &len, om_strerror(x->err));
    append(buf, cap, &len, " at byte ");
    append(buf, cap, &len, num);
    if (x->err_msg) {
        append(buf, cap, &len, ": ");
        append(buf, cap, &len, x->err_msg);
    }
    return buf;
}
