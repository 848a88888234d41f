/*
 * om_json.c - the streaming catalogue extractor.
 *
 * The body of GET /api/v1/models is about 1 MB and growing; a device has
 * a few KB to spare. So the body is never held: a scanner validates the
 * whole document as it streams past and copies only the values ormodels
 * keeps (id, name, created, context_length, pricing.prompt and
 * pricing.completion) of the model being read into a small window, as
 * bare one-letter keys and their values, i:"..",n:"..",c:123, (which
 * jsmn's default mode accepts). When the model's object closes, jsmn
 * tokenizes that window and the record goes into the table.
 *
 * Memory is the extractor struct and nothing else, whatever the size of
 * a model object or of a string inside it.
 *
 * Two scanners share the state in the struct. The byte-wise one handles
 * everything and resumes at any byte, so a chunk may end anywhere. With
 * OM_JSON_FAST, a second one runs first: one loop with the grammar state
 * in locals walks whole tokens, finds the ends of strings, numbers and
 * indentation a machine word at a time, copies kept values whole, opens
 * and closes containers (those that matter through the byte-wise path's
 * own functions), and hands anything unusual (an escape, a token cut by
 * the chunk's end, any error) to the byte-wise one at the byte where it
 * starts. Its words instance reads without bounds checks while more than
 * MARGIN bytes remain, a careful instance of the same code finishes the
 * chunk. Both scanners give the same tables, errors and offsets.
 */
#include <string.h>

#define JSMN_STATIC
#define JSMN_PARENT_LINKS /* O(1) to the parent on "," and "}" */
#include <jsmn.h>

#include "ormodels.h"
#include "om_internal.h"

/*
 * OM_JSON_FAST: 1 compiles the word-at-a-time scanner (on x86-64 -O2 the
 * scanning, om_extract_feed without the records, then runs 3.7
 * instructions a byte of the largest fixture instead of 17.4, callgrind;
 * forced at -Os it costs about 5 KB more code on Cortex-M4), 0 leaves the
 * byte-wise one alone.
 * Default: 0 when the compiler optimizes for size (GCC and clang define
 * __OPTIMIZE_SIZE__ at -Os and -Oz), else 1: `make bench` measures the
 * first, `make size` the second, and tests/unit/test_json_paths.c checks
 * that the two agree.
 */
#ifndef OM_JSON_FAST
#ifdef __OPTIMIZE_SIZE__
#define OM_JSON_FAST 0
#else
#define OM_JSON_FAST 1
#endif
#endif

/* Per-field caps on the escaped (raw) form copied into the window. Escapes
 * can triple a UTF-8 string; longer ids count as too long, longer names
 * are cut (and still decode to at most OM_NAME_MAX bytes). A key of an
 * object that matters is copied after the window's fields for a moment:
 * the longest one read is 14 bytes, so a longer one can match none. */
#define CAP_ID (3 * OM_ID_MAX)
#define CAP_NAME (3 * OM_NAME_MAX)
#define CAP_NUM 24
#define CAP_PRICE OM_PRICE_STR_MAX
#define CAP_KEY 14
#define FIELD_OVERHEAD 5 /* k:"", */
#define WINDOW_NEED                                                         \
    (CAP_ID + CAP_NAME + 2 * CAP_NUM + 2 * CAP_PRICE + 6 * FIELD_OVERHEAD + \
     CAP_KEY)

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
    S_DONE,      /* after the document: only whitespace */
    S_STR,       /* inside a string;          these three are tokens, */
    S_NUM,       /* inside a number;          resumed byte by byte */
    S_LIT        /* inside true, false or null */
};

/*
 * What the value being read is. A container that matters is known by the
 * field it was opened as (its role); every other one has the role F_NONE.
 */
enum field {
    F_NONE,
    F_ROOT, F_DATA, F_MODEL, F_PRICING, F_LINKS, /* containers */
    F_ID, F_NAME, F_CREATED, F_CTX, F_PROMPT, F_COMPLETION, /* a model's */
    F_TOTAL, F_NEXT /* the top object's total_count, links.next */
};
#define BIT(f) (1u << (f))
/* Values kept in the window; a model's "seen" bit is 1 << (f - F_ID). */
#define KEEP_STR (BIT(F_ID) | BIT(F_NAME) | BIT(F_PROMPT) | BIT(F_COMPLETION))
#define KEEP_NUM (BIT(F_CREATED) | BIT(F_CTX) | BIT(F_PROMPT) | BIT(F_COMPLETION))
#define MODEL_FIELDS (KEEP_STR | KEEP_NUM)
/* The objects that matter (data is the one array that does). */
#define OBJECT_ROLES (BIT(F_ROOT) | BIT(F_MODEL) | BIT(F_PRICING) | BIT(F_LINKS))

/* The keys ormodels reads, in field order from F_DATA (F_MODEL, an
 * element of data, has none), each after a byte (an octal escape) that
 * holds the role of the object that has it times 16, plus its length. */
static const char key_names[] =
    "\024data\0\067pricing\025links\062id\064name\067created"
    "\076context_length\106prompt\112completion\033total_count\124next";

/* The cap of each kept value (from F_ID), and its key in the window. */
static const uint16_t cap_of[] = {CAP_ID,    CAP_NAME,  CAP_NUM, CAP_NUM,
                                  CAP_PRICE, CAP_PRICE, CAP_NUM,
                                  OM_WINDOW_SIZE};
static const char field_letter[] = "incxpq";

/* Numbers: a state per grammar position (N_START before the first
 * byte, which value_begin has seen to be '-' or a digit), a class per
 * byte. */
enum num_state { N_START, N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_E,
                 N_ESIGN, N_EXP, N_END, N_BAD };
static const uint8_t num_next[9][6] = {
    /*            '0'     1-9     '.'    e E    + -      other */
    /* START */ {N_ZERO, N_INT,  N_BAD, N_BAD, N_MINUS, N_BAD},
    /* MINUS */ {N_ZERO, N_INT,  N_BAD, N_BAD, N_BAD,   N_BAD},
    /* ZERO  */ {N_END,  N_END,  N_DOT, N_E,   N_END,   N_END},
    /* INT   */ {N_INT,  N_INT,  N_DOT, N_E,   N_END,   N_END},
    /* DOT   */ {N_FRAC, N_FRAC, N_BAD, N_BAD, N_BAD,   N_BAD},
    /* FRAC  */ {N_FRAC, N_FRAC, N_END, N_E,   N_END,   N_END},
    /* E     */ {N_EXP,  N_EXP,  N_BAD, N_BAD, N_ESIGN, N_BAD},
    /* ESIGN */ {N_EXP,  N_EXP,  N_BAD, N_BAD, N_BAD,   N_BAD},
    /* EXP   */ {N_EXP,  N_EXP,  N_END, N_END, N_END,   N_END}};

/* The bytes of a number's classes 2 to 4 in num_next, in pairs from the
 * second: '.', e or E, + or -. */
static const char num_signs[] = ".eE+-";

/* The literals; x->sub indexes the byte a literal expects next. */
static const char literals[] = "true\0false\0null";
#define LIT_TRUE 0
#define LIT_FALSE 5
#define LIT_NULL 11

/* x->flags */
#define X_IS_KEY 0x01    /* the string being read is a key */
#define X_OVERFLOW 0x02  /* the copied key or value outgrew its cap */
#define X_LONG_ID 0x04   /* the model's id is too long */
#define X_COPY 0x08      /* the token being read is copied to the window */
#define X_DATA_DONE 0x10 /* the data array closed */
#define X_NEXT_LONG 0x20 /* links.next did not fit */
#define X_NAME_CUT 0x40  /* the model's name outgrew its cap */

static int is_digit(uint8_t c)
{
    return (unsigned)(c - '0') < 10u;
}

static int is_ws(uint8_t c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* -------------------------------------------------------------- words */

#if OM_JSON_FAST && defined(__BYTE_ORDER__) && defined(__GNUC__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WORDS 1
/* A machine word, for scanning several bytes at a time. */
#if UINTPTR_MAX > 0xFFFFFFFFu
typedef uint64_t word_t;
#define FIRST_SET_BYTE(w) ((unsigned)__builtin_ctzll(w) / 8u)
#else
typedef uint32_t word_t;
#define FIRST_SET_BYTE(w) ((unsigned)__builtin_ctzl(w) / 8u)
#endif
#define ONES ((word_t)-1 / 255u)
#define HIGHS (ONES * 0x80u)
#else
#define WORDS 0
#endif

#if defined(__GNUC__) && OM_JSON_FAST
#define HOT static inline __attribute__((always_inline))
#else
#define HOT static
#endif

/* The first '"', '\\' or control byte in [p, end), or end. */
HOT const uint8_t *scan_string(const uint8_t *p, const uint8_t *end)
{
#if WORDS
    if ((size_t)(end - p) >= sizeof(word_t)) {
        const uint8_t *last = end - sizeof(word_t);
        do {
            word_t v, m;
            memcpy(&v, p, sizeof v);
            /* Bytes below 0x21 after v ^ 0x02 are the controls and '"'
             * (0x22 becomes 0x20; a space becomes 0x22); the other term
             * finds '\\'. Neither has bit 7, so one ~v serves both borrow
             * tests, and borrows only run upwards: the lowest flagged
             * byte is exact. */
            m = (((v ^ (ONES * 0x02u)) - ONES * 0x21u) |
                 ((v ^ (ONES * '\\')) - ONES)) &
                ~v & HIGHS;
            if (m)
                return p + FIRST_SET_BYTE(m);
            p += sizeof v;
        } while (p <= last);
    }
#endif
    while (p < end && *p >= ' ' && *p != '"' && *p != '\\')
        p++;
    return p;
}

/* -------------------------------------------------------------- errors */

/* Why a document is refused: each reason is its om_err, negated, as a
 * byte (\2 JSON, \3 TRUNCATED, \4 DEPTH, \5 SCHEMA, \6 EMPTY, \16
 * TOOBIG), then the words after it (none where the kind says it all: too
 * deep, truncated). error_at takes the index of one. */
enum reason {
    R_MISMATCH, R_KEY, R_COLON, R_AFTER, R_END, R_VALUE, R_NUMBER,
    R_LITERAL, R_ESCAPE, R_CONTROL, R_ROOT, R_DATA, R_DEPTH,
    R_TRUNCATED, R_NO_DATA, R_NEXT_LONG, R_EMPTY
};
typedef char reasons_codes_are_om_errs[
    OM_ERR_JSON == -2 && OM_ERR_TRUNCATED == -3 && OM_ERR_DEPTH == -4 &&
    OM_ERR_SCHEMA == -5 && OM_ERR_EMPTY == -6 && OM_ERR_TOOBIG == -14 ? 1 : -1];
static const char reasons[] =
    "\2mismatched bracket\0\2expected a key\0\2expected ':'\0"
    "\2expected ',', '}' or ']'\0\2data after the end\0"
    "\2expected a value\0\2malformed number\0\2invalid literal\0"
    "\2invalid escape\0\2control character\0\5not a JSON object\0"
    "\5\"data\" is not an array\0\4\0\3\0"
    "\5no \"data\" array\0\16links.next too long\0\6no usable model";

/* Records the error at byte `at`; every caller stops there, and feeding
 * stops at the first one. */
static void error_at(om_extractor_t *x, unsigned why, const uint8_t *at)
{
    const char *s = reasons;
    while (why--)
        while (*s++)
            ;
    x->err = -(int)*s;
    x->err_msg = s + 1;
    x->err_at = at;
}

/* ------------------------------------------------------------- window */

/* Appends n bytes of the copied key or value, up to its cap (once it
 * overflowed, it is at its cap: nothing more goes in). */
static void win_put(om_extractor_t *x, const uint8_t *p, size_t n)
{
    size_t room = (size_t)(x->field_end - x->win_len);
    if (n > room) {
        n = room;
        x->flags |= X_OVERFLOW;
    }
    memcpy(&x->win[x->win_len], p, n);
    x->win_len = (uint16_t)(x->win_len + n);
}

/* Appends n bytes of the token being read when it is copied. */
static void keep(om_extractor_t *x, const uint8_t *p, size_t n)
{
    if (x->flags & X_COPY)
        win_put(x, p, n);
}

/* Starts copying the value of field f: returns 0 when it is not kept
 * (a repeat of a field this model already has: the first one wins).
 * total_count and links.next, outside any model, take the whole window. */
static int field_open(om_extractor_t *x, unsigned f, int is_string)
{
    unsigned bit = BIT(f - F_ID);
    x->flags &= (uint8_t)~X_OVERFLOW;
    if (f >= F_TOTAL) {
        x->win_len = 0;
    } else {
        if (x->seen & bit) {
            x->stats.bad_fields++;
            return 0;
        }
        x->seen |= (uint8_t)bit;
        x->field_start = x->win_len;
        x->win[x->win_len++] = field_letter[f - F_ID]; /* a bare key: */
        x->win[x->win_len++] = ':'; /* jsmn's default mode takes it */
        if (is_string)
            x->win[x->win_len++] = '"';
    }
    x->field_end = (uint16_t)(x->win_len + cap_of[f - F_ID]);
    return 1;
}

/* Ends the kept value of field f (a string when is_string). */
static void field_close(om_extractor_t *x, unsigned f, int is_string)
{
    int over = (x->flags & X_OVERFLOW) != 0, n = -1, cut = 0;
    uint32_t v;
    if (f >= F_TOTAL) { /* read at once; the window is free again */
        if (f == F_TOTAL) { /* (one over CAP_NUM fails to parse) */
            if (om_parse_u32(x->win, x->win_len, &v) == OM_OK)
                x->stats.total_count = v;
        } else {
            if (!over)
                n = om_json_unescape(x->win, x->win_len, x->next, OM_URL_MAX,
                                     0, &cut);
            if (n < 0 || cut) {
                x->flags |= X_NEXT_LONG;
                n = 0;
            }
            x->next[n] = '\0';
        }
        x->win_len = 0;
    } else if (over && f != F_NAME) { /* dropped, so a repeat may come */
        if (f == F_ID)
            x->flags |= X_LONG_ID;
        else
            x->stats.bad_fields++;
        x->win_len = x->field_start;
        x->seen &= (uint8_t)~BIT(f - F_ID);
    } else {
        if (over) { /* a long name: cut back to the last whole escape */
            size_t i = x->field_start + 3u, last = i; /* after n:" */
            while (i < x->win_len) {
                last = i;
                i += x->win[i] != '\\' ? 1u : x->win[i + 1] == 'u' ? 6u : 2u;
            }
            x->win_len = (uint16_t)(i == x->win_len ? i : last);
            x->flags |= X_NAME_CUT;
        }
        if (is_string)
            x->win[x->win_len++] = '"';
        x->win[x->win_len++] = ',';
    }
}

/* -------------------------------------------------------------- models */

/* The model's object closed: tokenize the window, decode, store. */
static void model_end(om_extractor_t *x)
{
    jsmn_parser jp;
    jsmntok_t tok[12]; /* six fields at most, each a key and a value */
    om_model_t m;
    char *id = x->win, *name = x->win;
    int n, i, idl = 0, nml = 0, cut;
    size_t k;

    x->stats.models++;
    memset(&m, 0, sizeof m);
    m.seq = x->seq;
    if (x->seq < UINT16_MAX)
        x->seq++;
    if (x->flags & X_LONG_ID) {
        x->stats.long_ids++;
        return;
    }
    if (!(x->seen & BIT(F_ID - F_ID))) {
        x->stats.invalid++;
        return;
    }
    jsmn_init(&jp);
    n = jsmn_parse(&jp, x->win, x->win_len, tok, 12);
    m.prompt = OM_PRICE_NONE;
    m.completion = OM_PRICE_NONE;
    for (i = 0; i + 1 < n; i += 2) {
        char *v = &x->win[tok[i + 1].start], f = x->win[tok[i].start];
        size_t vl = (size_t)(tok[i + 1].end - tok[i + 1].start);
        uint32_t u;
        if (f == 'i') {
            idl = om_json_unescape(v, vl, v, OM_ID_MAX, 0, &cut);
            if (cut) {
                x->stats.long_ids++;
                return;
            }
            if (idl < 0) {
                x->stats.invalid++; /* not UTF-8 */
                return;
            }
            id = v;
        } else if (f == 'n') {
            unsigned cut_name = x->flags & X_NAME_CUT; /* by field_close */
            nml = om_json_unescape(v, vl, v, OM_NAME_MAX,
                                   cut_name ? OM_UNESC_TEXT | OM_UNESC_CUT
                                            : OM_UNESC_TEXT,
                                   &cut);
            if (nml < 0) {
                nml = 0;
                x->stats.bad_fields++;
            } else if (cut || cut_name) {
                x->stats.names_cut++;
            }
            name = v;
        } else if (f == 'c' || f == 'x') {
            if (om_parse_u32(v, vl, &u) != OM_OK)
                x->stats.bad_fields++;
            else
                *(f == 'c' ? &m.created : &m.context_length) = u;
        } else if (om_price_parse(v, vl, f == 'p' ? &m.prompt
                                                  : &m.completion) != OM_OK) {
            x->stats.bad_fields++;
        }
    }
    m.id_len = (uint8_t)idl;
    m.name_len = (uint8_t)nml;
    for (k = 0; k < x->npinned; k++) { /* (an id holds no NUL) */
        const char *p = x->pinned[k];
        if (p && strncmp(p, id, (size_t)idl) == 0 && p[idl] == '\0')
            m.flags |= OM_MODEL_PINNED;
    }
    i = om_table_put(x->table, &m, id, name);
    if (i == OM_PUT_REPLACED)
        x->stats.duplicates++;
    else if (i == OM_PUT_EVICTED || i == OM_PUT_DROPPED)
        x->stats.dropped++;
    else if (i < 0)
        x->stats.invalid++;
}

/* ----------------------------------------------------------- structure */

/* The container being read: its role << 1, | 1 when it is an object. */
static unsigned level(const om_extractor_t *x)
{
    return x->level[x->depth];
}

/* The field of the key k[0..n) (n <= CAP_KEY) in an object of the
 * given role (not F_NONE). */
static unsigned key_field(const om_extractor_t *x, unsigned role,
                          const uint8_t *k, size_t n)
{
    const char *s = key_names;
    unsigned f;
    for (f = F_DATA; f <= F_NEXT; f++, s += (*s & 15) + 1) {
        if ((unsigned)*s == (role << 4 | n) && memcmp(s + 1, k, n) == 0)
            /* one data array per page */
            return f == F_DATA && (x->flags & X_DATA_DONE) ? F_NONE : f;
    }
    return F_NONE;
}

/* The closing bracket c at `at` ends the current container. */
static void close_container(om_extractor_t *x, uint8_t c, const uint8_t *at)
{
    unsigned role = level(x) >> 1;
    if ((c == '}') != (level(x) & 1u)) {
        error_at(x, R_MISMATCH, at);
        return;
    }
    if (role == F_MODEL) {
        model_end(x);
        /* the next model starts clean, as the first does after
         * om_extract_next_page (between models, keys, total_count and
         * links.next borrow the window and leave it empty again) */
        x->win_len = 0;
        x->seen = 0;
        x->flags &= (uint8_t)~(X_LONG_ID | X_NAME_CUT);
    } else if (role == F_DATA) {
        x->flags |= X_DATA_DONE;
    }
    x->depth--;
    x->state = x->depth ? S_AFTER : S_DONE;
}

/* Opens a container at the current depth, an object when obj. Its role:
 * the field it was opened as when that is one of its kind, else none. */
static void push(om_extractor_t *x, unsigned obj, unsigned f,
                 const uint8_t *at)
{
    unsigned d = x->depth;
    unsigned role = ((obj ? OBJECT_ROLES : BIT(F_DATA)) >> f) & 1u ? f : F_NONE;
    if (d >= OM_JSON_MAX_DEPTH) {
        error_at(x, R_DEPTH, at);
        return;
    }
    x->depth = (uint8_t)++d;
    x->level[d] = (uint8_t)(role << 1 | obj);
    x->field = role == F_DATA ? F_MODEL : F_NONE;
    x->state = obj ? S_OBJ_FIRST : S_ARR_FIRST;
}

/* The bytes a value starts with, in the order of their kinds: a
 * container, true, false, a string, null, a number (any of the rest);
 * any other byte is V_BAD. */
static const char value_start[] = "{[tf\"n-0123456789";
enum { V_OBJ, V_ARR, V_TRUE, V_FALSE, V_STR, V_NULL, V_NUM, V_BAD };
#define SCALAR (BIT(V_STR) | BIT(V_NULL) | BIT(V_NUM))

/* The kinds of value each field should have: otherwise the document is
 * no catalogue (the root, data), the model is invalid, or the field is
 * read as absent and counted. */
static const uint8_t field_kinds[] = {
    0xFF, BIT(V_OBJ), BIT(V_ARR), BIT(V_OBJ), 0xFF, 0xFF,
    SCALAR, SCALAR, SCALAR, SCALAR, SCALAR, SCALAR, 0xFF, 0xFF};

/* A value starts with byte c at `at`; x->field says what it is. */
static void value_begin(om_extractor_t *x, uint8_t c, const uint8_t *at)
{
    const char *s = memchr(value_start, c, sizeof value_start - 1);
    unsigned f = x->field, bit = BIT(f), v = V_BAD;

    if (s)
        v = s - value_start < V_NUM ? (unsigned)(s - value_start) : V_NUM;
    if (!(field_kinds[f] & BIT(v))) {
        if (f == F_ROOT || f == F_DATA) {
            error_at(x, R_ROOT + (f - F_ROOT), at); /* R_ROOT or R_DATA */
            return;
        }
        if (f == F_MODEL)
            x->stats.invalid++; /* an element of data that is no object */
        else
            x->stats.bad_fields++; /* an object, array or boolean */
    }
    x->flags &= (uint8_t)~(X_COPY | X_IS_KEY);
    x->sub = 0;
    if (v <= V_ARR) {
        push(x, v == V_OBJ, f, at);
    } else if (v == V_STR) {
        if ((bit & (KEEP_STR | BIT(F_NEXT))) && field_open(x, f, 1))
            x->flags |= X_COPY;
        x->state = S_STR;
    } else if (v == V_NUM) {
        if ((bit & (KEEP_NUM | BIT(F_TOTAL))) && field_open(x, f, 0))
            x->flags |= X_COPY;
        x->state = S_NUM; /* at N_START, to read c again */
    } else if (v < V_NUM) {
        x->sub = v == V_TRUE ? LIT_TRUE + 1 : v == V_FALSE ? LIT_FALSE + 1
                                                             : LIT_NULL + 1;
        x->state = S_LIT;
    } else {
        error_at(x, R_VALUE, at);
    }
}

/* The byte c at p, not whitespace, in the grammar state st (< S_STR). */
static void structural(om_extractor_t *x, uint8_t c, unsigned st,
                       const uint8_t *p)
{
    int closer = c == '}' || c == ']';
    switch (st) {
    case S_ARR_FIRST:
        if (closer)
            break;
        /* fall through */
    case S_VALUE:
        value_begin(x, c, p);
        return;
    case S_OBJ_FIRST:
        if (closer)
            break;
        /* fall through */
    case S_KEY:
        if (c != '"') {
            error_at(x, R_KEY, p);
            return;
        }
        /* a key of an object that matters is copied after the window's
         * fields, to be looked up at its end */
        x->flags = (uint8_t)((x->flags & ~(X_COPY | X_OVERFLOW)) | X_IS_KEY);
        if (level(x) >= 2) { /* an object that matters */
            x->flags |= X_COPY;
            x->field_start = x->win_len;
            x->field_end = (uint16_t)(x->win_len + CAP_KEY);
        }
        x->sub = 0;
        x->state = S_STR;
        return;
    case S_COLON:
        if (c == ':')
            x->state = S_VALUE;
        else
            error_at(x, R_COLON, p);
        return;
    case S_AFTER:
        if (closer)
            break;
        if (c == ',') {
            x->field = level(x) >> 1 == F_DATA ? F_MODEL : F_NONE;
            x->state = level(x) & 1u ? S_KEY : S_VALUE;
        } else {
            error_at(x, R_AFTER, p);
        }
        return;
    default: /* S_DONE */
        error_at(x, R_END, p);
        return;
    }
    close_container(x, c, p); /* which says when it does not match */
}

/* One byte at p outside strings: a number's or literal's, whitespace, or
 * a structural one. Returns 0 when the byte is to be read again: it ended
 * a number without being part of it, or it starts one. */
static int byte_step(om_extractor_t *x, const uint8_t *p)
{
    uint8_t c = *p;
    unsigned st = x->state;

    if (st == S_NUM) {
        const char *s = memchr(num_signs, c, sizeof num_signs - 1);
        unsigned n = num_next[x->sub][is_digit(c) ? c != '0'
                                      : s ? (unsigned)(s - num_signs + 1) / 2 + 2
                                          : 5];
        if (n == N_BAD) {
            error_at(x, R_NUMBER, p);
        } else if (n != N_END) {
            x->sub = (uint8_t)n;
            keep(x, p, 1);
        } else {
            if (x->flags & X_COPY)
                field_close(x, x->field, 0);
            x->state = S_AFTER;
            return 0;
        }
    } else if (st == S_LIT) {
        if (c != (uint8_t)literals[x->sub])
            error_at(x, R_LITERAL, p);
        else if (!literals[++x->sub])
            x->state = S_AFTER;
    } else if (!is_ws(c)) {
        structural(x, c, st, p);
        return x->state != S_NUM; /* a number's first byte is read again */
    }
    return 1;
}

/* ------------------------------------------------------------- strings */

/* The string's closing quote was read. */
static void string_end(om_extractor_t *x)
{
    unsigned f = x->field;
    x->state = S_AFTER;
    if (x->flags & X_IS_KEY) {
        f = F_NONE;
        if (x->flags & X_COPY) {
            if (!(x->flags & X_OVERFLOW)) /* an escaped key is none of ours */
                f = key_field(x, level(x) >> 1,
                              (const uint8_t *)&x->win[x->field_start],
                              (size_t)(x->win_len - x->field_start));
            x->win_len = x->field_start;
        }
        x->field = (uint8_t)f;
        x->state = S_COLON;
    } else if (x->flags & X_COPY) {
        field_close(x, f, 1);
    }
}

/* Escapes: after a backslash x->sub is ESC, in a \u escape the number of
 * hex digits still to come. */
#define ESC 5
static const char escapes[] = "\"\\/bfnrtu";

/* The byte at p of a string: one scan_string stopped at, or an escape's. */
static void string_byte(om_extractor_t *x, const uint8_t *p)
{
    uint8_t c = *p;
    if (x->sub) { /* inside an escape */
        int hex = x->sub < ESC;
        if (hex ? !is_digit(c) && (uint8_t)((c | 0x20) - 'a') >= 6u
                : !memchr(escapes, c, sizeof escapes - 1)) {
            error_at(x, R_ESCAPE, p);
            return;
        }
        x->sub = (uint8_t)(hex ? x->sub - 1 : c == 'u' ? 4 : 0);
    } else if (c == '"') {
        string_end(x);
        return;
    } else if (c == '\\') {
        x->sub = ESC;
        if (x->flags & X_IS_KEY)
            x->flags |= X_OVERFLOW; /* escaped: no key of ours */
    } else if (c < ' ') {
        error_at(x, R_CONTROL, p);
        return;
    }
    keep(x, p, 1);
}

/* Reads a string's bytes from p: a run of plain ones (none in an escape),
 * then the byte after them. Returns where it stopped. */
static const uint8_t *string_run(om_extractor_t *x, const uint8_t *p,
                                 const uint8_t *end)
{
    const uint8_t *q = x->sub ? p : scan_string(p, end);
    keep(x, p, (size_t)(q - p));
    if (q < end)
        string_byte(x, q++);
    return q;
}

/* ----------------------------------------------------------- fast path */

#if OM_JSON_FAST

/* Keeps a whole value of a model that needs no decoding on the way (a
 * string without escapes, a number): field_open, win_put and
 * field_close in one, for a value within its cap; the three themselves
 * for a longer one. */
HOT void field_copy(om_extractor_t *x, unsigned f, const uint8_t *p,
                    size_t n, int is_string)
{
    unsigned bit = BIT(f - F_ID);
    char *o = &x->win[x->win_len];

    if (n > cap_of[f - F_ID] || (x->seen & bit)) {
        if (field_open(x, f, is_string)) {
            win_put(x, p, n);
            field_close(x, f, is_string);
        }
        return;
    }
    x->seen |= (uint8_t)bit;
    x->field_start = x->win_len;
    *o++ = field_letter[f - F_ID];
    *o++ = ':';
    if (is_string)
        *o++ = '"';
    memcpy(o, p, n);
    o += n;
    if (is_string)
        *o++ = '"';
    *o++ = ',';
    x->win_len = (uint16_t)(o - x->win);
}

#if WORDS
/* The keys of key_field_fast, each in 16 bytes for two word loads. */
static const char fast_keys[][16] = {
    "id", "name", "next", "data", "links", "prompt", "created", "pricing",
    "completion", "total_count", "context_length"};
enum { K_ID, K_NAME, K_NEXT, K_DATA, K_LINKS, K_PROMPT, K_CREATED,
       K_PRICING, K_COMPLETION, K_TOTAL, K_CTX };

/* Whether k[0..n) (16 bytes readable) is fast_keys[i] (n long). */
HOT int same_key(const uint8_t *k, unsigned i, size_t n)
{
    uint64_t a, b, c, d;
    memcpy(&a, k, 8);
    memcpy(&b, fast_keys[i], 8);
    if (n < 8)
        return ((a ^ b) & (((uint64_t)1 << (8 * n)) - 1)) == 0;
    memcpy(&c, k + 8, 8);
    memcpy(&d, fast_keys[i] + 8, 8);
    return a == b && ((c ^ d) & (((uint64_t)1 << (8 * (n - 8))) - 1)) == 0;
}

/* The field of the key k[0..n) (16 bytes readable) in an object of the
 * given role (not F_NONE), as key_field finds it, by length first. */
HOT unsigned key_field_fast(const om_extractor_t *x, unsigned role,
                            const uint8_t *k, size_t n)
{
#define IS(i) same_key(k, i, n)
    switch (n) {
    case 2:
        return role == F_MODEL && IS(K_ID) ? F_ID : F_NONE;
    case 4:
        if (role == F_MODEL)
            return IS(K_NAME) ? F_NAME : F_NONE;
        if (role == F_LINKS)
            return IS(K_NEXT) ? F_NEXT : F_NONE;
        return role == F_ROOT && IS(K_DATA) &&
                       !(x->flags & X_DATA_DONE)
                   ? F_DATA
                   : F_NONE;
    case 5:
        return role == F_ROOT && IS(K_LINKS) ? F_LINKS : F_NONE;
    case 6:
        return role == F_PRICING && IS(K_PROMPT) ? F_PROMPT : F_NONE;
    case 7:
        if (role != F_MODEL)
            return F_NONE;
        return IS(K_CREATED) ? F_CREATED : IS(K_PRICING) ? F_PRICING : F_NONE;
    case 10:
        return role == F_PRICING && IS(K_COMPLETION) ? F_COMPLETION : F_NONE;
    case 11:
        return role == F_ROOT && IS(K_TOTAL) ? F_TOTAL : F_NONE;
    case 14:
        return role == F_MODEL && IS(K_CTX) ? F_CTX : F_NONE;
    default:
        return F_NONE;
    }
#undef IS
}
#endif

/* The field of the key k[0..n) in an object of the given role: by
 * key_field_fast where 16 bytes from k are in the buffer, else by the
 * byte-wise path's key_field (a key longer than CAP_KEY is none). */
HOT unsigned key_lookup(const om_extractor_t *x, unsigned role,
                        const uint8_t *k, size_t n, const uint8_t *end)
{
#if WORDS
    if (end - k >= 16)
        return key_field_fast(x, role, k, n);
#endif
    (void)end;
    return n <= CAP_KEY ? key_field(x, role, k, n) : F_NONE;
}

/* Skips JSON whitespace from p up to bound (p may be there already);
 * runs of spaces go a word at a time. Returns the first other byte, or
 * a position at or past bound. */
HOT const uint8_t *ws_loop(const uint8_t *p, const uint8_t *bound)
{
    while (p < bound) {
#if WORDS
        if (*p == ' ' && (size_t)(bound - p) >= sizeof(word_t)) {
            word_t v;
            memcpy(&v, p, sizeof v);
            v ^= ONES * ' ';
            if (!v) {
                p += sizeof v;
                continue;
            }
            p += FIRST_SET_BYTE(v);
            continue;
        }
#endif
        if (!is_ws(*p))
            break;
        p++;
    }
    return p;
}

/* The first byte from p that is not a digit, or one at or past bound.
 * With words, the bytes from p up to a word past bound are readable.
 * A byte is a digit when v - '0' borrows not and v + 0x46 carries not
 * into bit 7 (and bit 7 is clear); the lowest flagged byte is exact. */
HOT const uint8_t *digit_run(const uint8_t *p, const uint8_t *bound,
                             int words)
{
#if WORDS
    if (words) {
        while (p < bound) {
            word_t v, m;
            memcpy(&v, p, sizeof v);
            m = ((v - ONES * '0') | (v + ONES * 0x46u) | v) & HIGHS;
            if (m)
                return p + FIRST_SET_BYTE(m);
            p += sizeof v;
        }
        return p;
    }
#endif
    (void)words;
    while (p < bound && is_digit(*p))
        p++;
    return p;
}

/* A whole number from p that ends before bound: returns the byte after
 * it, or NULL to let the byte-wise path decide (an error, or a number
 * that reaches bound). */
HOT const uint8_t *number_whole(const uint8_t *p, const uint8_t *bound,
                                int words)
{
    if (*p == '-')
        p++;
    if (p < bound && *p == '0') {
        p++;
    } else {
        if (p >= bound || !is_digit(*p))
            return NULL;
        p = digit_run(p + 1, bound, words);
    }
    if (p < bound && *p == '.') {
        if (++p >= bound || !is_digit(*p))
            return NULL;
        p = digit_run(p + 1, bound, words);
    }
    if (p < bound && (*p | 0x20) == 'e') {
        if (++p < bound && (*p == '+' || *p == '-'))
            p++;
        if (p >= bound || !is_digit(*p))
            return NULL;
        p = digit_run(p + 1, bound, words);
    }
    return p < bound ? p : NULL;
}

/* A whole literal at p (5 bytes readable): its length, or 0. */
HOT size_t literal_whole(const uint8_t *p)
{
    if ((*p == 't' && memcmp(p, "true", 4) == 0) ||
        (*p == 'n' && memcmp(p, "null", 4) == 0))
        return 4;
    return *p == 'f' && memcmp(p, "false", 5) == 0 ? 5 : 0;
}

#if WORDS
/* The words instance reads less than this many bytes past the last
 * place it checked against the end of the buffer. The longest stretch,
 * from a value's end: 17 bytes of line break and indentation, ',', 17
 * more, a key's '"' and its first two words (32), the 4 bytes at its
 * closing quote, then a string's first two words: under 72 bytes. A
 * string's further words are loaded only before lim. Closer to the end
 * of the chunk, the careful instance of the same scanner checks every
 * read. */
#define MARGIN 96
#endif

/*
 * The fast scanner, one body for two instances. `careful` 0 (words
 * only): the buffer has MARGIN bytes past lim, so whitespace, the first
 * word of a string and short tokens are read without checks, and the
 * checks against lim come once per value, per container opened and in
 * the loops. `careful` 1: every read is checked against end.
 *
 * It keeps the grammar state in locals; it walks keys, values nobody
 * keeps, strings and numbers kept whole (no escape), and opens and
 * closes the containers (those that matter through the byte-wise path's
 * own value_begin and close_container). It returns at the end of the
 * buffer, at lim, or at the first byte of anything else (an escape, a
 * cut token, an error, a kept value it does not take), with x up to
 * date and only whitespace skipped before that byte.
 */
HOT const uint8_t *run_body(om_extractor_t *x, const uint8_t *p,
                            const uint8_t *const end, const int careful)
{
#if WORDS
    const uint8_t *const lim = careful ? end : end - MARGIN;
#else
    const uint8_t *const lim = end;
#endif
    /* ctx: the role of the container being read, times 2, plus 1 when
     * it is an object. Only where it goes out does the code name its
     * grammar state (st): each place knows which one it is. */
    unsigned field, ctx, st, d;
    uint32_t u;
    const uint8_t *q;
    size_t n;
    uint8_t c;
#if WORDS
    /* The string test's constants. The empty asm hides their values, so
     * the compiler keeps them (in registers, or in the frame where x86
     * reads them as operands) instead of building them again at each
     * string: five instructions a string. */
    word_t k_02 = ONES * 0x02u, k_21 = (word_t)0 - ONES * 0x21u,
           k_5c = ONES * '\\', k_01 = (word_t)0 - ONES, k_80 = HIGHS,
           k_20 = ONES * ' ';
    __asm__("" : "+r"(k_02), "+r"(k_21), "+r"(k_5c), "+r"(k_01), "+r"(k_80),
                 "+r"(k_20));
#endif

/* The closing quote of the string whose body starts at s, into q; goes
 * out to OUT at the string's start on an escape, a control byte, or no
 * quote before lim. FOUND runs first on the words instance's flagged
 * byte. The word test flags '"', '\\' and the control bytes
 * (and a few bytes from 0x80 up, which the loop then steps over): after
 * v ^ 0x02 the controls and '"' are the bytes below 0x21, the other term
 * finds '\\', and borrows only run upwards, so the lowest flagged byte is
 * exact. */
#if WORDS
#define STR(s, OUT, FOUND)                                                  \
    do {                                                                    \
        if (careful) {                                                      \
            q = scan_string((s), end);                                      \
            if (q == end || *q != '"')                                      \
                goto OUT;                                                   \
        } else {                                                            \
            const uint8_t *s_ = (s);                                        \
            word_t v_, m_;                                                  \
            for (;;) {                                                      \
                for (;;) { /* two words a turn */                          \
                    memcpy(&v_, s_, sizeof v_);                             \
                    m_ = (((v_ ^ k_02) + k_21) | ((v_ ^ k_5c) + k_01)) &    \
                         k_80;                                              \
                    if (m_)                                                 \
                        break;                                              \
                    memcpy(&v_, s_ + sizeof v_, sizeof v_);                 \
                    m_ = (((v_ ^ k_02) + k_21) | ((v_ ^ k_5c) + k_01)) &    \
                         k_80;                                              \
                    if (m_) {                                               \
                        s_ += sizeof v_;                                    \
                        break;                                              \
                    }                                                       \
                    s_ += 2 * sizeof v_;                                    \
                    if (s_ >= lim)                                          \
                        goto OUT;                                           \
                }                                                           \
                q = s_ + FIRST_SET_BYTE(m_);                                \
                FOUND                                                       \
                if (*q == '"')                                              \
                    break;                                                  \
                if (*q < 0x80 || q + 1 >= lim)                              \
                    goto OUT;                                               \
                s_ = q + 1; /* UTF-8: look again from the next byte */     \
            }                                                               \
        }                                                                   \
    } while (0)
#else
#define STR(s, OUT, FOUND)                                                  \
    do {                                                                    \
        q = scan_string((s), end);                                          \
        if (q == end || *q != '"')                                          \
            goto OUT;                                                       \
    } while (0)
#endif

/* Whitespace before a token; goes out to OUT at lim. WS_NL where a line
 * break is likely: a newline and up to two words of indentation go
 * without a loop. The byte after them may still be a tab, CR or newline:
 * no token starts with one, so the code that reads the token goes out
 * and the byte-wise path takes it. */
#if WORDS
#define WS_NL(OUT)                                                          \
    do {                                                                    \
        if (careful && p >= end)                                            \
            goto OUT;                                                       \
        if (*p == '\n' &&                                                   \
            (!careful || (size_t)(end - p) > 2 * sizeof(word_t) + 1)) {     \
            word_t v_;                                                      \
            memcpy(&v_, p + 1, sizeof v_);                                  \
            if ((v_ ^= k_20) != 0) {                                        \
                p += 1 + FIRST_SET_BYTE(v_);                                \
                break;                                                      \
            }                                                               \
            memcpy(&v_, p + 1 + sizeof v_, sizeof v_);                      \
            if ((v_ ^= k_20) != 0) {                                        \
                p += 1 + sizeof v_ + FIRST_SET_BYTE(v_);                    \
                break;                                                      \
            }                                                               \
            p += 1 + 2 * sizeof v_;                                         \
        }                                                                   \
        if (*p <= ' ' && (p = ws_loop(p, lim)) >= lim)                      \
            goto OUT;                                                       \
    } while (0)
#else
#define WS_NL(OUT) WS(OUT)
#endif
#define WS(OUT)                                                             \
    do {                                                                    \
        if (careful && p >= end)                                            \
            goto OUT;                                                       \
        if (*p <= ' ' && (p = ws_loop(p, lim)) >= lim)                      \
            goto OUT;                                                       \
    } while (0)

reload:
    if (p >= lim)
        return p;
    d = x->depth;
    field = x->field;
    ctx = x->level[d];
    switch (x->state) {
    case S_VALUE:
        goto value;
    case S_ARR_FIRST:
        goto arr_first;
    case S_OBJ_FIRST:
        goto obj_first;
    case S_KEY:
        goto key;
    case S_COLON:
        goto colon;
    case S_AFTER:
        goto after;
    default: /* S_DONE: the byte-wise path says what follows */
        st = x->state;
        WS(out);
        goto out;
    }

obj_first:
    WS_NL(out_obj_first);
    if ((c = *p) == '}' || c == ']') /* a ']' is mismatched, as close says */
        goto close;
    if (c <= ' ') /* after a line break: a '}' may still come */
        goto out_obj_first;
    goto key_token;
key:
    WS_NL(out_key);
key_token:
    if (*p != '"')
        goto out_key;
    /* the usual '": ' and the value's first byte, in one load */
    STR(p + 1, out_key, memcpy(&u, q, sizeof u);
        if ((u & 0xFFFFFFu) == ('"' | ':' << 8 | ' ' << 16)) goto key_colon;);
    if (ctx >= 2) /* an object that matters */
        field = key_lookup(x, ctx >> 1, p + 1, (size_t)(q - p - 1), end);
    p = q + 1;
colon:
    WS(out_colon);
    if (*p != ':')
        goto out_colon;
    p++;
value:
    WS(out_value);
value_token:
    c = *p;
value_byte:
    if (c == '"') {
        STR(p + 1, out_value, ;);
        if (field != F_NONE) {
            if (!(BIT(field) & KEEP_STR))
                goto out_value; /* links.next, or a string where it is odd */
            field_copy(x, field, p + 1, (size_t)(q - p - 1), 1);
        }
        p = q + 1;
        goto after;
    }
    if (c == '{' || c == '[') {
        if (field != F_NONE) { /* a container that matters, or an odd one */
            x->state = S_VALUE;
            x->field = (uint8_t)field;
            value_begin(x, c, p);
            if (x->err)
                return p;
            p++;
            goto reload;
        }
        d = x->depth;
        if (d >= OM_JSON_MAX_DEPTH)
            goto out_value;
        ctx = c == '{';
        x->depth = (uint8_t)++d;
        x->level[d] = (uint8_t)ctx;
        p++;
        if (ctx) {
            if (p >= lim)
                goto out_obj_first;
            goto obj_first;
        }
        if (p >= lim)
            goto out_arr_first;
        goto arr_first;
    }
    if (c == '-' || is_digit(c)) {
        if ((q = number_whole(p, lim, !careful)) == NULL)
            goto out_value;
        if (field != F_NONE) {
            if (!(BIT(field) & (BIT(F_CREATED) | BIT(F_CTX))))
                goto out_value; /* total_count, a price as a number, ... */
            field_copy(x, field, p, (size_t)(q - p), 0);
        }
        p = q;
        goto after;
    }
    if (field != F_NONE || (careful && end - p <= 5) ||
        (n = literal_whole(p)) == 0)
        goto out_value;
    p += n;
after:
    if (p >= lim)
        goto out_after;
    c = *p;
    if (c != ',') {
        if (c != '}' && c != ']') {
            WS_NL(out_after);
            c = *p;
            if (c != ',') {
                if (c != '}' && c != ']')
                    goto out_after;
                goto close;
            }
        } else {
            goto close;
        }
    }
    p++;
    if (ctx & 1)
        goto key;
    field = ctx == F_DATA << 1 ? F_MODEL : F_NONE;
    WS_NL(out_value);
    goto value_token;
arr_first:
    WS_NL(out_arr_first);
    if ((c = *p) == ']' || c == '}')
        goto close;
    if (c <= ' ') /* after a line break: a ']' may still come */
        goto out_arr_first;
    goto value_byte;

close: /* c, at p, closes the container */
    if ((c == '}') != (ctx & 1))
        goto out_after; /* mismatched: the byte-wise path says so */
    if (ctx >= 2) { /* a model ends, data closes, ... */
        x->field = (uint8_t)field;
        close_container(x, c, p);
        p++;
        goto reload;
    }
    p++;
    d = --x->depth;
    ctx = x->level[d];
    field = F_NONE;
    goto after;

#if WORDS
key_colon: /* the words instance: a key, '": ' and the value's first byte */
    if (ctx >= 2) /* an object that matters */
        field = key_field_fast(x, ctx >> 1, p + 1, (size_t)(q - p - 1));
    p = q + 3;
    c = (uint8_t)(u >> 24); /* whitespace there goes out */
    goto value_byte;
#endif

out_obj_first:
    st = S_OBJ_FIRST;
    goto out;
out_key:
    st = S_KEY;
    goto out;
out_colon:
    st = S_COLON;
    goto out;
out_arr_first:
    st = S_ARR_FIRST;
    goto out;
out_value:
    st = S_VALUE;
    goto out;
out_after:
    st = S_AFTER;
out:
    x->state = (uint8_t)st;
    x->field = (uint8_t)field;
    return p;
#undef STR
#undef WS_NL
#undef WS
}

/* The fast scanner: the words instance while MARGIN bytes remain, then
 * the careful one. Returns where the byte-wise path takes over (or end). */
static const uint8_t *fast_run(om_extractor_t *x, const uint8_t *p,
                               const uint8_t *end)
{
#if WORDS
    if (end - p > MARGIN) {
        p = run_body(x, p, end, 0);
        if (x->err || p < end - MARGIN)
            return p;
    }
#endif
    return run_body(x, p, end, 1);
}

#endif /* OM_JSON_FAST */

/* ---------------------------------------------------------------- API */

void om_extract_init(om_extractor_t *x, om_table_t *t,
                     const char *const *pinned, size_t npinned)
{
    memset(x, 0, sizeof *x);
    x->table = t;
    x->pinned = pinned;
    x->npinned = (uint8_t)(npinned > OM_PINNED_MAX ? OM_PINNED_MAX : npinned);
    om_table_init(t);
    om_extract_next_page(x);
}

void om_extract_next_page(om_extractor_t *x)
{
    x->err = 0; /* (err_msg and err_at go with it) */
    x->offset = 0;
    x->state = S_VALUE;
    x->depth = 0;
    x->field = F_ROOT;
    x->flags = 0;
    x->seen = 0;
    x->next[0] = '\0';
    x->win_len = 0;
}

int om_extract_feed(om_extractor_t *x, const void *buf, size_t len)
{
    const uint8_t *const start = (const uint8_t *)buf, *const end = start + len;
    const uint8_t *p = start;

    if (x->err)
        return x->err;
    while (p < end && !x->err) {
        if (x->state == S_STR) {
            p = string_run(x, p, end);
            continue;
        }
#if OM_JSON_FAST
        if (x->state < S_STR && ((p = fast_run(x, p, end)) == end || x->err))
            break;
#endif
        p += byte_step(x, p);
    }
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
    x->err_offset = x->offset;
    if (x->state != S_DONE)
        error_at(x, R_TRUNCATED, NULL); /* at byte 0 when it is empty */
    else if (!(x->flags & X_DATA_DONE))
        error_at(x, R_NO_DATA, NULL);
    else if (x->flags & X_NEXT_LONG)
        error_at(x, R_NEXT_LONG, NULL);
    else if (x->table->count == 0)
        error_at(x, R_EMPTY, NULL);
    return x->err;
}

const char *om_extract_next(const om_extractor_t *x)
{
    return x->next[0] ? x->next : NULL;
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
    if (*x->err_msg) {
        append(buf, cap, &len, ": ");
        append(buf, cap, &len, x->err_msg);
    }
    return buf;
}
