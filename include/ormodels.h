/*
 * ormodels.h - public API of ormodels: a compact, fixed-size catalogue of
 * OpenRouter's models for small devices and for Linux.
 *
 * Conventions (after littlefs and coreHTTP):
 *  - the caller owns every byte of state; nothing here allocates;
 *  - functions return 0 (OM_OK) or a negative om_err value; a positive
 *    return carries a count or a size where a prototype says so;
 *  - strings handed out point into caller-owned state and are
 *    NUL-terminated; their lifetime is that of the state;
 *  - every public symbol starts with om_ (macros with OM_).
 */
#ifndef ORMODELS_H
#define ORMODELS_H

#include <stddef.h>
#include <stdint.h>

#include "om_defaults.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OM_VERSION "0.1.0"

/* ---------------------------------------------------------------- errors */

enum om_err {
    OM_OK = 0,
    OM_ERR_INVAL = -1,      /* a bad argument: a bug in the caller */
    OM_ERR_JSON = -2,       /* the body is not valid JSON */
    OM_ERR_TRUNCATED = -3,  /* input ended before it was complete */
    OM_ERR_DEPTH = -4,      /* JSON nested deeper than OM_JSON_MAX_DEPTH */
    OM_ERR_SCHEMA = -5,     /* valid JSON, but not a model catalogue */
    OM_ERR_EMPTY = -6,      /* a catalogue with no usable model */
    OM_ERR_NOSPACE = -7,    /* a caller's buffer is too small */
    OM_ERR_CORRUPT = -8,    /* a table image fails its checks */
    OM_ERR_FORMAT = -9,     /* a foreign image, or one of other limits */
    OM_ERR_IO = -10,        /* the storage or output said no */
    OM_ERR_NOTFOUND = -11,  /* no such model, or nothing saved yet */
    OM_ERR_HTTP = -12,      /* a malformed HTTP response */
    OM_ERR_STATUS = -13,    /* an HTTP status we cannot use */
    OM_ERR_TOOBIG = -14,    /* over a configured cap (body, header) */
    OM_ERR_TIMEOUT = -15,   /* no progress within a deadline */
    OM_ERR_DNS = -16,       /* the host name did not resolve */
    OM_ERR_CONNECT = -17,   /* the connection failed or was refused */
    OM_ERR_TLS = -18,       /* TLS handshake or certificate check failed */
    OM_ERR_CLOSED = -19,    /* the peer closed or reset the connection */
    OM_ERR_REDIRECT = -20,  /* too many or unsafe redirects */
};

/* A short English name for an om_err value ("malformed JSON"). Never NULL. */
const char *om_strerror(int err);

/* Byte sinks and sources used for images and output. A writer consumes all
 * len bytes and returns 0, or a negative om_err. A reader fills exactly len
 * bytes and returns 0, OM_ERR_TRUNCATED at the end of the data, or another
 * negative om_err. */
typedef int (*om_write_fn)(void *ctx, const void *buf, size_t len);
typedef int (*om_read_fn)(void *ctx, void *buf, size_t len);

/* ---------------------------------------------------------------- prices */

/* A price in USD per token, kept as an exact decimal without floating
 * point: bits 63..59 hold the number of decimal places (0..30), bits 58..0
 * the digits, with trailing zeros removed ("0.000003" is 3 at 6 places).
 * Two values are reserved: no price given, and "-1", which OpenRouter sends
 * for routers whose price depends on the model they pick. */
typedef uint64_t om_price_t;
#define OM_PRICE_NONE ((om_price_t)UINT64_MAX)
#define OM_PRICE_VARIABLE ((om_price_t)(UINT64_MAX - 1u))
#define OM_PRICE_DIGITS_MAX 17 /* significant digits an om_price_t keeps */
#define OM_PRICE_STR_MAX 48    /* longest string om_price_format writes */

/* Parses a JSON price ("0.000003", "0", "-1", 1.5e-6, "3E-7") of n bytes.
 * Returns 0, or OM_ERR_SCHEMA when it is not a non-negative decimal (or
 * -1) that an om_price_t holds exactly. */
int om_price_parse(const char *s, size_t n, om_price_t *out);

/* Writes p as a plain decimal ("0.000003", "-1"; "" for OM_PRICE_NONE).
 * Returns the length written, or OM_ERR_NOSPACE (buf is then ""). */
int om_price_format(om_price_t p, char *buf, size_t cap);

/* Writes p in USD per million tokens rounded to at most max_dec decimals
 * and at least 2 ("3.00", "0.0208", "var" for -1, "-" for none). Returns
 * the length, or OM_ERR_NOSPACE. */
int om_price_format_per_million(om_price_t p, unsigned max_dec, char *buf,
                                size_t cap);

/* Orders two prices: negative, 0 or positive as a is cheaper, equal or
 * dearer. Missing and variable prices sort after every real price. */
int om_price_cmp(om_price_t a, om_price_t b);

/* ----------------------------------------------------------------- table */

#if OM_POOL_SIZE <= 65535
typedef uint16_t om_off_t;
#else
typedef uint32_t om_off_t;
#endif

/* One model. Its id and name live in the table's pool, NUL-terminated,
 * name right after the id's NUL; use om_model_id / om_model_name. */
typedef struct om_model {
    om_price_t prompt;       /* USD per input token */
    om_price_t completion;   /* USD per output token */
    uint32_t context_length; /* tokens; 0 when not given */
    uint32_t created;        /* unix seconds; 0 when not given */
    om_off_t str;            /* offset of the id in the pool */
    uint16_t seq;            /* position in the catalogue, 0 = first */
    uint8_t id_len;          /* bytes, without the NUL */
    uint8_t name_len;        /* bytes, without the NUL */
    uint8_t flags;           /* OM_MODEL_* */
    uint8_t reserved;
} om_model_t;

#define OM_MODEL_PINNED 0x01u /* never dropped when the table is full */

/* The table: at most OM_TABLE_CAPACITY models sorted by id (bytewise),
 * ids unique. Place it in static memory; it is OM_TABLE_RAM bytes. */
typedef struct om_table {
    uint16_t count;
    uint16_t reserved;
    uint32_t pool_used;
    int64_t updated_at; /* unix seconds of the last good fetch; 0 unknown */
    char etag[OM_ETAG_MAX + 1];          /* "" when none */
    char last_modified[OM_LASTMOD_MAX + 1]; /* "" when none */
    om_model_t models[OM_TABLE_CAPACITY];
    char pool[OM_POOL_SIZE];
} om_table_t;

#define OM_TABLE_RAM (sizeof(om_table_t))

/* Empties t. */
void om_table_init(om_table_t *t);

/* The model at index i (0..count-1), in id order; NULL when out of range. */
const om_model_t *om_table_at(const om_table_t *t, size_t i);

/* The id and name of m, NUL-terminated, inside t's pool. */
const char *om_model_id(const om_table_t *t, const om_model_t *m);
const char *om_model_name(const om_table_t *t, const om_model_t *m);

/* Index of the model whose id is exactly id[0..len), by binary search, or
 * OM_ERR_NOTFOUND. */
int om_table_find(const om_table_t *t, const char *id, size_t len);

/* What om_table_put did with a model. */
enum om_put {
    OM_PUT_ADDED = 0,    /* a new id */
    OM_PUT_REPLACED = 1, /* the id was there: the new record wins */
    OM_PUT_EVICTED = 2,  /* added; an older model was dropped for room */
    OM_PUT_DROPPED = 3,  /* not added: no room without dropping a model
                            newer than it (a repeated id then keeps its
                            earlier record); the table is unchanged */
};

/* Adds a model (m's id_len/name_len give the lengths of id and name; its
 * str is ignored). When t is full, or its pool is, the oldest unpinned
 * models (smallest created, then latest seq) give way to a newer or
 * pinned one; nothing is dropped unless the newcomer then fits. Returns
 * an om_put value, or OM_ERR_INVAL for an empty or over-long id, an id
 * starting with a space or control character, or a NUL inside. */
int om_table_put(om_table_t *t, const om_model_t *m, const char *id,
                 const char *name);

/* Which models om_table_select keeps. Zero-initialise for "all". */
typedef struct om_filter {
    const char *term;      /* case-insensitive substring of id or name */
    uint32_t min_context;  /* keep context_length >= this */
    uint8_t free_only;     /* keep models whose both prices are 0 */
} om_filter_t;

typedef enum om_order {
    OM_ORDER_ID = 0,   /* by id */
    OM_ORDER_PRICE,    /* by prompt price, then completion, then id */
    OM_ORDER_CONTEXT,  /* largest context first, then id */
    OM_ORDER_NEWEST,   /* newest created first, then catalogue order */
    OM_ORDER_COUNT
} om_order_t;

/* True when m passes f. */
int om_model_matches(const om_table_t *t, const om_model_t *m,
                     const om_filter_t *f);

/* Fills idx with the indexes of the models that pass f (NULL: all), in the
 * given order, reading the table in place. Returns how many passed; when
 * that exceeds cap, idx holds the first cap of them in that order. */
int om_table_select(const om_table_t *t, const om_filter_t *f,
                    om_order_t order, uint16_t *idx, size_t cap);

/* A free model: both prices present and zero. */
int om_model_is_free(const om_model_t *m);

/* Built-in first-boot table: a snapshot baked in with `make snapshot`, or
 * else the original plan's four defaults. Returns 0 or a negative om_err. */
int om_table_load_defaults(om_table_t *t);

/* -------------------------------------------------------------- extractor */

/* What one extraction saw. */
typedef struct om_extract_stats {
    uint32_t models;        /* model objects in the catalogue */
    uint32_t dropped;       /* left out because the table was full */
    uint32_t long_ids;      /* skipped: id longer than OM_ID_MAX */
    uint32_t invalid;       /* skipped: no id, or an id not valid UTF-8 */
    uint32_t duplicates;    /* ids seen again (the later one kept) */
    uint32_t names_cut;     /* names cut to OM_NAME_MAX */
    uint32_t bad_fields;    /* unreadable prices or numbers, kept as absent */
    uint32_t total_count;   /* the catalogue's total_count, 0 if absent */
} om_extract_stats_t;

/* Streaming extractor state: reads a catalogue body fed in chunks of any
 * size and puts each model into a table as soon as its object closes.
 * Fields are private; its size is fixed (see OM_WINDOW_SIZE). */
typedef struct om_extractor {
    /* the most used first: Thumb reaches small offsets in 2-byte code */
    uint8_t state, depth, field, flags;
    uint8_t sub;         /* inside a token: escape, number or literal state */
    uint8_t seen;        /* the model's fields read so far */
    uint8_t npinned;
    uint16_t seq;        /* models seen, for catalogue order */
    uint16_t win_len;    /* window bytes in use */
    uint16_t field_start, field_end; /* the key or value being copied */
    int err;
    om_table_t *table;
    const char *const *pinned;
    const char *err_msg;
    const uint8_t *err_at;
    uint64_t offset;     /* bytes consumed so far */
    uint64_t err_offset; /* byte offset of the error */
    om_extract_stats_t stats;
    char win[OM_WINDOW_SIZE];
    char next[OM_URL_MAX + 1];
    /* the container open at each depth (1..): its role << 1, | 1 when it
     * is an object; level[0], outside the document, is 0 */
    uint8_t level[OM_JSON_MAX_DEPTH + 1];
} om_extractor_t;

/* Starts an extraction into t, which is emptied. pinned: ids never
 * dropped when the catalogue exceeds the table (may be NULL; the array and
 * its strings must outlive the extraction; at most OM_PINNED_MAX used). */
void om_extract_init(om_extractor_t *x, om_table_t *t,
                     const char *const *pinned, size_t npinned);

/* Starts the next page of the same catalogue: the table keeps what it has,
 * the parser expects a new document. */
void om_extract_next_page(om_extractor_t *x);

/* Feeds len bytes of the body. Returns 0, or a negative om_err; after an
 * error every call returns the same error and om_extract_error says why
 * and where. The table then holds a partial catalogue: do not keep it. */
int om_extract_feed(om_extractor_t *x, const void *buf, size_t len);

/* Ends the document: OM_ERR_TRUNCATED when it is incomplete, OM_ERR_EMPTY
 * when no model was kept, else 0 and the table is complete. */
int om_extract_finish(om_extractor_t *x);

/* One line on the last error: "malformed JSON at byte 1234: expected ':'"
 * written into buf (always NUL-terminated). Returns buf. */
const char *om_extract_error(const om_extractor_t *x, char *buf, size_t cap);

/* The catalogue's links.next URL, or NULL when it had none (or null). */
const char *om_extract_next(const om_extractor_t *x);

/* ---------------------------------------------------------- table image */

/* One binary format for flash and files, little-endian throughout:
 * a 48-byte header (magic "OMTB", format version, limits, count,
 * updated_at, payload length), the payload (32-byte records, the pool,
 * the ETag and Last-Modified), then a CRC-32 of header and payload. */
#define OM_IMAGE_MAGIC "OMTB"
#define OM_IMAGE_VERSION 1
#define OM_IMAGE_HEADER 48
#define OM_IMAGE_RECORD 32

/* Bytes om_image_write will produce for t. */
size_t om_image_size(const om_table_t *t);

/* Streams t's image into w. Returns 0 or w's error. */
int om_image_write(const om_table_t *t, om_write_fn w, void *ctx);

/* Reads an image from r into t, checking everything: magic, version,
 * limits, lengths, CRC, record bounds, id order. Returns 0, or
 * OM_ERR_FORMAT (foreign, other version or limits), OM_ERR_TRUNCATED,
 * OM_ERR_CORRUPT, or r's error; on error t is left empty. */
int om_image_read(om_table_t *t, om_read_fn r, void *ctx);

/* om_image_read from a buffer of len bytes (trailing bytes are an error). */
int om_image_load(om_table_t *t, const void *img, size_t len);

/* CRC-32 (IEEE 802.3, reflected, as zlib): pass 0 to start. */
uint32_t om_crc32(uint32_t crc, const void *buf, size_t len);

/* ------------------------------------------------------------ selection */

/* The saved selection's record: "OMSL", u8 version, u8 length, the id,
 * CRC-32 of all before it. OM_SEL_RECORD_MAX bytes at most. */
#define OM_SEL_RECORD_MAX (6 + OM_ID_MAX + 4)

/* Encodes id (1..OM_ID_MAX bytes, no control characters) into rec.
 * Returns the record's length, or OM_ERR_INVAL. */
int om_sel_encode(const char *id, uint8_t rec[OM_SEL_RECORD_MAX]);

/* Decodes a record of len bytes into buf (cap >= OM_ID_MAX + 1). Returns
 * the id's length, OM_ERR_FORMAT when it is no selection record, or
 * OM_ERR_CORRUPT. */
int om_sel_decode(const uint8_t *rec, size_t len, char *buf, size_t cap);

/* ---------------------------------------------------------------- output */

/* Writes the models idx[0..n) of t (all, in id order, when idx is NULL) in
 * the original plan's JSON response format:
 * {"models":[{"id":..,"name":..,"pricing":{"prompt":..,"completion":..},
 * "context_length":N},...],"updated_at":"2026-02-12T00:00:00Z"}
 * streamed through w in small pieces. Returns 0 or w's error. */
int om_json_write_models(const om_table_t *t, const uint16_t *idx, size_t n,
                         om_write_fn w, void *ctx);

/* Writes s[0..n) as a JSON string with quotes, escaping what must be.
 * Returns 0 or w's error. */
int om_json_write_string(const char *s, size_t n, om_write_fn w, void *ctx);

/* Formats a context length for people: "0", "999", "128K", "1M",
 * "1.05M". Returns the length. buf must hold 8 bytes. */
int om_format_context(uint32_t n, char buf[8]);

/* Formats unix seconds as "2026-02-12T00:00:00Z" (21 bytes with NUL).
 * Returns 20. */
int om_format_time(int64_t t, char buf[21]);

#ifdef __cplusplus
}
#endif

#endif /* ORMODELS_H */
