/*
 * om_http.c - the HTTP/1.1 client without I/O: the GET request writer,
 * the response parser and the HTTP-date reader.
 *
 * The parser is a byte-driven state machine around one line engine.
 * Every line - the status line, header lines and 1xx heads, chunk-size
 * lines, the CRLF after chunk data and trailer lines - goes through the
 * same code: CR must come before LF (a bare LF also ends a line), NUL is
 * refused, the bytes are kept in one fixed line buffer, and a line that
 * overflows it is judged on its first OM_HTTP_LINE_MAX bytes (which hold
 * a header's name or a chunk's size) while the rest is skipped. Body
 * bytes (Content-Length, chunk data, close-delimited) are handed on as
 * whole slices of the input. Framing is strict where an ambiguity could
 * let a wrong byte count through (RFC 9112 section 6): Content-Length
 * must be plain digits and agree with itself, Transfer-Encoding must be
 * exactly "chunked", the two together are refused, and so is
 * Transfer-Encoding in HTTP/1.0. Interim 1xx heads are skipped (a 101 is
 * refused). Every refusal names the byte where it was found
 * (err_offset). Nothing depends on how the input is split: all state
 * between two bytes lives in om_http_resp_t.
 */
#include <string.h>

#include "om_internal.h"
#include "om_http.h"

/* Lower case of an ASCII letter; any other byte as it is. */
static char lower_c(char c)
{
    return (unsigned char)(c - 'A') < 26u ? (char)(c + ('a' - 'A')) : c;
}

/* 1 when s[0..n) is lo[0..n) (lower case) in any case. */
static int eq_ci(const char *s, const char *lo, size_t n)
{
    while (n-- > 0)
        if (lower_c(s[n]) != lo[n])
            return 0;
    return 1;
}

/* ============================================================== request */

/* Output through a caller's buffer, flushed to w each time it fills. */
typedef struct wbuf {
    char *buf;
    size_t cap;
    size_t len;   /* bytes in buf */
    size_t total; /* bytes written in all */
    om_write_fn w;
    void *ctx;
    int err; /* w's error */
} wbuf_t;

static void flush(wbuf_t *w)
{
    if (w->err == 0 && w->len > 0) {
        int e = w->w(w->ctx, w->buf, w->len);

        if (e < 0)
            w->err = e;
    }
    w->len = 0;
}

/* om_vformat's output: s[0..n) into the wbuf_t ctx. */
static void put_n(void *ctx, const char *s, size_t n)
{
    wbuf_t *w = ctx;

    while (n > 0 && w->err == 0) {
        size_t k = w->cap - w->len;

        if (k == 0) {
            flush(w);
            continue;
        }
        if (k > n)
            k = n;
        memcpy(w->buf + w->len, s, k);
        w->len += k;
        w->total += k;
        s += k;
        n -= k;
    }
}

/* Formatted output: om_vformat's %s and %u. */
static void put(wbuf_t *w, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    om_vformat(put_n, w, fmt, ap);
    va_end(ap);
}

/* 1 when s (NULL: none) may go into the request. A token (the path,
 * the host) is printable ASCII without spaces; a header value may also
 * hold spaces, tabs and bytes over 0x7f, but no other control byte: a CR
 * or LF would inject a header. */
static int clean(const char *s, int token)
{
    for (; s != NULL && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == 0x7f || (token ? c <= ' ' || c > 0x7f : c < ' ' && c != '\t'))
            return 0;
    }
    return 1;
}

static int given(const char *s)
{
    return s != NULL && s[0] != '\0';
}

static int write_request(wbuf_t *w, const om_http_req_t *req)
{
    /* the optional headers, in the order they are sent */
    static const char names[] = "Authorization: Bearer \0HTTP-Referer: \0X-Title: \0"
                                "If-None-Match: \0If-Modified-Since: ";
    const char *name = names;
    const char *v[8]; /* the path and the host (tokens), the optional
                         values, the User-Agent */
    int v6;
    int k;

    if (req == NULL)
        return OM_ERR_INVAL;
    v[0] = req->path;
    v[1] = req->host;
    v[2] = req->api_key;
    v[3] = req->referer;
    v[4] = req->title;
    v[5] = req->if_none_match;
    v[6] = req->if_modified_since;
    v[7] = given(req->user_agent) ? req->user_agent : "ormodels/" OM_VERSION;
    if (v[0] == NULL || v[0][0] != '/' || !given(v[1]) || strpbrk(v[1], "/@") != NULL)
        return OM_ERR_INVAL;
    for (k = 0; k < 8; k++)
        if (!clean(v[k], k < 2))
            return OM_ERR_INVAL;

    /* an IPv6 address goes in brackets */
    v6 = strchr(v[1], ':') != NULL && v[1][0] != '[';
    put(w, "GET %s HTTP/1.1\r\nHost: %s%s%s", v[0], v6 ? "[" : NULL, v[1], v6 ? "]" : NULL);
    if (req->port != 0 && req->port != (req->https ? 443u : 80u))
        put(w, ":%u", req->port);
    put(w, "\r\nUser-Agent: %s\r\n"
           "Accept: application/json\r\n"
           "Accept-Encoding: identity\r\n"
           "Connection: close\r\n", v[7]);
    for (k = 2; k < 7; k++, name += strlen(name) + 1)
        if (given(v[k]))
            put(w, "%s%s\r\n", name, v[k]);
    put(w, "\r\n");
    if (w->total > 0x7fffffffu)
        w->err = OM_ERR_NOSPACE;
    return w->err;
}

/* om_http_build_request's writer: a full buffer means no room. */
static int no_room(void *ctx, const void *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return OM_ERR_NOSPACE;
}

int om_http_build_request(char *buf, size_t cap, const om_http_req_t *req)
{
    wbuf_t w;
    int e;

    if (buf == NULL)
        return OM_ERR_INVAL;
    /* the request must fit in cap - 1 bytes, before its NUL (and a
     * request has bytes) */
    memset(&w, 0, sizeof w);
    w.buf = buf;
    w.cap = cap - 1;
    w.w = no_room;
    w.err = cap <= 1 ? OM_ERR_NOSPACE : OM_OK;
    e = write_request(&w, req);
    if (cap > 0)
        buf[e != OM_OK ? 0 : w.len] = '\0';
    return e != OM_OK ? e : (int)w.len;
}

int om_http_write_request(char *buf, size_t cap, const om_http_req_t *req,
                          om_write_fn wr, void *ctx)
{
    wbuf_t w;
    int e;

    if (buf == NULL || cap == 0 || wr == NULL)
        return OM_ERR_INVAL;
    memset(&w, 0, sizeof w);
    w.buf = buf;
    w.cap = cap;
    w.w = wr;
    w.ctx = ctx;
    e = write_request(&w, req);
    if (e == OM_OK) {
        flush(&w);
        e = w.err;
    }
    return e != OM_OK ? e : (int)w.total;
}

/* ============================================================ patterns */

/* Lower-case names, each ended by a NUL, the list by another. */
static const char month_names[] =
    "jan\0feb\0mar\0apr\0may\0jun\0jul\0aug\0sep\0oct\0nov\0dec\0";
static const char day_names[] =
    "monday\0tuesday\0wednesday\0thursday\0friday\0saturday\0sunday\0";

/* Matches all of s[0..n) against the pattern f, for the HTTP-date forms
 * and the status line: decimal digits go to v[] by slot, d (day), y
 * (year; a status code), h (hour; the HTTP minor version), i (minute),
 * s (second); D is a digit of the day or a space; m is a month name, a
 * a day name's first three letters, A a whole day name, in any case,
 * the name's number in its list going to v[5] (the month comes after the
 * day); any other byte stands for itself. Returns 1 on a match. */
static int match(const char *f, const char *s, size_t n, unsigned v[6])
{
    static const char slots[] = "dyhis";
    size_t k = 0;

    memset(v, 0, 6 * sizeof v[0]);
    for (; *f != '\0'; f++) {
        char c = *f;
        const char *slot;

        if (k >= n)
            return 0;
        if (c == 'D') {
            if (s[k] == ' ') {
                k++;
                continue;
            }
            c = 'd';
        }
        slot = strchr(slots, c);
        if (slot != NULL) {
            unsigned d = (unsigned)(s[k++] - '0');

            if (d > 9)
                return 0;
            v[slot - slots] = v[slot - slots] * 10u + d;
        } else if (c == 'm' || c == 'a' || c == 'A') {
            /* the first name of the list s goes on with */
            const char *p = c == 'm' ? month_names : day_names;
            size_t len = 3;
            unsigned idx = 1;

            for (;; p += strlen(p) + 1, idx++) {
                if (*p == '\0')
                    return 0;
                if (c == 'A')
                    len = strlen(p);
                if (len <= n - k && eq_ci(s + k, p, len))
                    break;
            }
            v[5] = idx;
            k += len;
        } else if (s[k++] != c) {
            return 0;
        }
    }
    return k == n;
}

/* ================================================================= date */

/* Days from 1970-01-01 to the first of month m (1..13: 13 is January
 * of the next year) of year y >= 0 of the proleptic Gregorian calendar
 * (the days-from-civil method: years begin in March, so the leap day is
 * the last of the year; counted from the year -400 so that every
 * division is of a positive number, and the 146097 days of that one
 * 400-year cycle taken off again). */
static int32_t month_start(unsigned y, unsigned m)
{
    y += 400u - (m <= 2);
    m = m > 2 ? m - 3 : m + 9; /* months from March */
    return (int32_t)(365u * y + y / 4 - y / 100 + y / 400 + (153u * m + 2) / 5) -
           (719468 + 146097);
}

/* The three forms: IMF-fixdate, RFC 850, asctime. */
static const char date_forms[] =
    "a, dd m yyyy hh:ii:ss GMT\0"
    "A, dd-m-yy hh:ii:ss GMT\0"
    "a m Dd hh:ii:ss yyyy";

int om_http_parse_date(const char *s, size_t n, int64_t *unix_out)
{
    const char *f = date_forms;
    unsigned v[6]; /* day, year, hour, minute, second, month */
    int form;

    if (s == NULL || unix_out == NULL)
        return OM_ERR_INVAL;
    for (form = 0; form < 3; form++, f += strlen(f) + 1) {
        int32_t day;

        if (!match(f, s, n, v))
            continue;
        if (form == 1) /* RFC 850's two digits */
            v[1] += v[1] < 70 ? 2000u : 1900u;
        /* the day must come before the next month's first */
        day = month_start(v[1], v[5]) + (int32_t)v[0] - 1;
        if (v[0] < 1 || day >= month_start(v[1], v[5] + 1) || v[2] > 23 || v[3] > 59 ||
            v[4] > 60)
            return OM_ERR_INVAL;
        *unix_out = (int64_t)day * 86400 + (int32_t)(v[2] * 3600 + v[3] * 60 + v[4]);
        return OM_OK;
    }
    return OM_ERR_INVAL;
}

/* ============================================================= response */

/* The states. Those before S_DATA take their bytes through the line
 * engine (line_byte); S_TRAILER and the head ones count them against a
 * section limit. */
enum {
    S_STATUS,     /* status line */
    S_HEADER,     /* header lines up to an empty one */
    S_TRAILER,    /* trailer lines up to an empty one, skipped */
    S_CHUNK_SIZE, /* chunk-size [ext] line */
    S_CHUNK_END,  /* the CRLF (or LF) after chunk data */
    S_DATA,       /* remain bytes of body or chunk data */
    S_BODY_CLOSE, /* body up to the close */
    S_DONE
};

/* Bits of r->sub, the line engine's state within a line. */
#define SUB_CR 0x01u   /* a CR was seen: LF must follow */
#define SUB_SKIP 0x02u /* the line overflowed line[]: judged, rest skipped */

/* Headers we read, by their place in header_names. */
enum { H_OTHER, H_CONTENT_LENGTH, H_TRANSFER_ENCODING, H_LOCATION, H_ETAG,
       H_LAST_MODIFIED, H_DATE, H_RETRY_AFTER };

/* In lower case, each ended by a NUL, the list by another. */
static const char header_names[] =
    "content-length\0transfer-encoding\0location\0etag\0last-modified\0date\0"
    "retry-after\0";

#define LENGTH_MAX ((uint64_t)INT64_MAX) /* largest body or chunk size */
#define ETAG_CAP (OM_ETAG_MAX + 1)      /* kept[]: ETag, then Last-Modified */

/* Why a response is refused: the parsing steps return an M_* id (0: no
 * error), err_msg's text by its place in fail_msgs, the om_err by its
 * group. */
enum {
    M_OK,
    M_BAD_STATUS_LINE,
    M_UNEXPECTED_101,
    M_BAD_TRANSFER_ENCODING,
    M_FOLDED_HEADER_LINE,
    M_BAD_HEADER_NAME,
    M_BAD_CONTENT_LENGTH,
    M_CONFLICTING_CONTENT_LENGTH,
    M_CONTENT_LENGTH_WITH_CHUNKED,
    M_CHUNKED_IN_HTTP_1_0,
    M_BARE_CR,
    M_NUL_BYTE,
    M_BAD_CHUNK_SIZE,
    M_BAD_CHUNK_EXTENSION,
    M_NO_CRLF_AFTER_CHUNK_DATA,
    M_STOPPED_BY_ON_BODY,
    /* OM_ERR_TOOBIG from here; the first three in header id order */
    M_CONTENT_LENGTH_TOO_LARGE,
    M_TRANSFER_ENCODING_TOO_LONG,
    M_LOCATION_TOO_LONG,
    M_TOO_MANY_HEADERS,
    M_HEADER_NAME_TOO_LONG,
    M_HEADER_SECTION_TOO_LONG,
    M_TRAILER_SECTION_TOO_LONG, /* just after the header section's */
    M_BODY_OVER_BODY_MAX,
    M_CHUNK_SIZE_LINE_TOO_LONG,
    M_CHUNK_SIZE_OVERFLOW,
    M_CONNECTION_CLOSED_EARLY /* OM_ERR_TRUNCATED */
};

static const char fail_msgs[] =
    "bad status line\0"
    "unexpected 101\0"
    "bad Transfer-Encoding\0"
    "folded header\0"
    "bad header name\0"
    "bad Content-Length\0"
    "conflicting Content-Length\0"
    "Content-Length with chunked\0"
    "chunked in HTTP/1.0\0"
    "bare CR\0"
    "NUL byte\0"
    "bad chunk size\0"
    "bad chunk extension\0"
    "no CRLF after chunk\0"
    "stopped by on_body\0"
    "Content-Length too large\0"
    "Transfer-Encoding too long\0"
    "Location too long\0"
    "too many headers\0"
    "header name too long\0"
    "header section too long\0"
    "trailers too long\0"
    "body over body_max\0"
    "chunk line too long\0"
    "chunk size overflow\0"
    "connection closed early";

/* Sets the sticky error id (not M_OK) at byte i of this call. */
static int fail(om_http_resp_t *r, unsigned id, size_t i)
{
    const char *m = fail_msgs;

    r->err = id == M_CONNECTION_CLOSED_EARLY     ? OM_ERR_TRUNCATED
             : id >= M_CONTENT_LENGTH_TOO_LARGE ? OM_ERR_TOOBIG
                                                : OM_ERR_HTTP;
    while (--id != M_OK)
        m += strlen(m) + 1;
    r->err_msg = m;
    r->err_offset = r->offset + i;
    return r->err;
}

/* Clears what one response head sets, at every status line (so a 1xx
 * head's fields are gone when the next head starts): the result fields
 * from content_length to last_modified (body_len among them is still 0),
 * which om_http.h declares before err. Until the first status line they
 * are all zero (om_http.h: they are valid once OM_HTTP_F_HEAD is set). */
typedef char om_http_result_fields_before_err
    [offsetof(om_http_resp_t, last_modified) < offsetof(om_http_resp_t, err) ? 1 : -1];

static void reset_fields(om_http_resp_t *r)
{
    static const char none[1] = ""; /* what an unset kept field shows */

    memset(&r->content_length, 0,
           (size_t)((char *)&r->err - (char *)&r->content_length));
    r->retry_after = -1;
    r->location = none;
    r->etag = none;
    r->last_modified = none;
    r->nheaders = 0;
}

void om_http_resp_init(om_http_resp_t *r, om_http_body_fn on_body, void *ctx)
{
    memset(r, 0, sizeof(*r));
    r->on_body = on_body;
    r->ctx = ctx;
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static void set_flag(om_http_resp_t *r, unsigned flag, int on)
{
    r->flags = (uint8_t)(on ? r->flags | flag : r->flags & ~flag);
}

static void set_done(om_http_resp_t *r)
{
    r->state = S_DONE;
    r->flags |= OM_HTTP_F_DONE;
}

/* Reads the base 10 or 16 digits at the start of s[0..n): their value
 * into *out, their count into *len (a Content-Length, Retry-After's
 * seconds, a chunk size). Returns 1 when the number would exceed
 * LENGTH_MAX (*len is then where the digit that did it is), else 0. */
static int read_number(const char *s, size_t n, unsigned base, uint64_t *out, size_t *len)
{
    uint64_t v = 0;
    size_t k;
    int over = 0;

    for (k = 0; k < n; k++) {
        unsigned d = (unsigned)(s[k] - '0');
        unsigned x = (unsigned)((s[k] | 0x20) - 'a'); /* a hex letter: 0..5 */

        if (d > 9)
            d = x < 6 ? x + 10 : 16;
        if (d >= base)
            break;
        /* below 2^60, v * 16 + 15 cannot wrap */
        if ((v >> 60) != 0 || (v = v * base + d) > LENGTH_MAX) {
            over = 1;
            break;
        }
    }
    *out = v;
    *len = k;
    return over;
}

/* 1 when n more body bytes would go over body_max. */
static int over_max(const om_http_resp_t *r, uint64_t n)
{
    return r->body_max != 0 && n > r->body_max - r->body_len;
}

/* Goes on to size (> 0) bytes of body or chunk data. */
static unsigned expect_data(om_http_resp_t *r, uint64_t size)
{
    if (over_max(r, size))
        return M_BODY_OVER_BODY_MAX;
    r->remain = size;
    r->state = S_DATA;
    return M_OK;
}

/* "HTTP/1.x NNN[ reason]" in line[0..n), or the start of a line cut in
 * a long reason phrase. */
static unsigned parse_status(om_http_resp_t *r, size_t n)
{
    unsigned v[6]; /* v[1]: the code, v[2]: the minor version */

    if (n < 12 || !match("HTTP/1.h yyy", r->line, 12, v) ||
        (n > 12 && r->line[12] != ' ') || v[1] < 100 || v[1] > 599)
        return M_BAD_STATUS_LINE;
    reset_fields(r);
    r->status = (uint16_t)v[1];
    r->http_minor = v[2] != 0;
    r->kept[0] = '\0';
    r->kept[ETAG_CAP] = '\0';
    if (v[1] / 100 == 3 && v[1] != 304) { /* a redirect */
        r->location = r->kept;
    } else {
        r->etag = r->kept;
        r->last_modified = r->kept + ETAG_CAP;
    }
    r->state = S_HEADER;
    return M_OK;
}

/* Copies v[0..n) into dst (cap bytes with the NUL) when it fits and
 * holds no control byte (it may be sent back in a request), else empties
 * dst. */
static void keep(char *dst, size_t cap, const char *v, size_t n)
{
    size_t k = 0;

    while (n < cap && k < n && (unsigned char)v[k] >= 0x20 && v[k] != 0x7f)
        k++;
    if (k < n)
        k = 0; /* not kept */
    memcpy(dst, v, k);
    dst[k] = '\0';
}

/* The header line line[0..n); cut when the line was longer than the
 * buffer (then only its start is here, and its value counts as too
 * long). The name is turned to lower case in place. */
static unsigned parse_header(om_http_resp_t *r, size_t n, int cut)
{
    char *s = r->line;
    const char *name = header_names;
    char *v;
    size_t vn;
    size_t k;
    unsigned h;
    uint64_t num;

    if (is_ows(s[0]))
        return M_FOLDED_HEADER_LINE;
    if (++r->nheaders > OM_HTTP_HEADER_COUNT_MAX)
        return M_TOO_MANY_HEADERS;
    v = memchr(s, ':', n);
    if (v == NULL)
        return cut ? M_HEADER_NAME_TOO_LONG : M_BAD_HEADER_NAME;
    if (v == s)
        return M_BAD_HEADER_NAME;
    /* a token: visible ASCII but for the delimiters */
    for (k = 0; s + k < v; k++) {
        if (s[k] <= ' ' || s[k] >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", s[k]) != NULL)
            return M_BAD_HEADER_NAME;
        s[k] = lower_c(s[k]);
    }
    *v++ = '\0'; /* the name is a string now, the value follows */
    vn = cut ? 0 : n - k - 1;
    /* which one we read */
    for (h = 1; *name != '\0' && strcmp(name, s) != 0; h++)
        name += strlen(name) + 1;
    /* Location matters in a redirect only, validators everywhere else
     * (304 included): parse_status points the field read at kept[] */
    if (*name == '\0' || (h >= H_LOCATION && h <= H_LAST_MODIFIED &&
                          (h == H_LOCATION ? r->location : r->etag) != r->kept))
        return M_OK;
    /* framing and a Location cannot be judged on a part; anything else
     * cut is read as an empty value: not kept, no date */
    if (cut && h <= H_LOCATION)
        return M_CONTENT_LENGTH_TOO_LARGE + h - H_CONTENT_LENGTH;
    while (vn > 0 && is_ows(v[0])) {
        v++;
        vn--;
    }
    while (vn > 0 && is_ows(v[vn - 1]))
        vn--;

    if (h == H_CONTENT_LENGTH) {
        if (read_number(v, vn, 10, &num, &k))
            return M_CONTENT_LENGTH_TOO_LARGE;
        if (vn == 0 || k != vn)
            return M_BAD_CONTENT_LENGTH;
        if ((r->flags & OM_HTTP_F_LENGTH) && num != r->content_length)
            return M_CONFLICTING_CONTENT_LENGTH;
        r->content_length = num;
        r->flags |= OM_HTTP_F_LENGTH;
    } else if (h == H_TRANSFER_ENCODING) {
        /* "chunked" once in all of them, empty list elements aside; we
         * asked for identity and can decode nothing else */
        for (k = 0; k < vn && (is_ows(v[k]) || v[k] == ','); k++)
            ;
        if (vn - k < 7 || !eq_ci(v + k, "chunked", 7) || (r->flags & OM_HTTP_F_CHUNKED))
            return M_BAD_TRANSFER_ENCODING;
        for (k += 7; k < vn; k++)
            if (!is_ows(v[k]) && v[k] != ',')
                return M_BAD_TRANSFER_ENCODING;
        r->flags |= OM_HTTP_F_CHUNKED;
    } else if (h <= H_LAST_MODIFIED) { /* Location: checked again by om_url_resolve */
        if (h == H_LOCATION && vn > OM_URL_MAX)
            return M_LOCATION_TOO_LONG;
        keep(h == H_LAST_MODIFIED ? r->kept + ETAG_CAP : r->kept,
             h == H_LOCATION ? OM_URL_MAX + 1 : h == H_ETAG ? ETAG_CAP : OM_LASTMOD_MAX + 1,
             v, vn);
    } else if (h == H_DATE) {
        set_flag(r, OM_HTTP_F_DATE, om_http_parse_date(v, vn, &r->date) == OM_OK);
    } else { /* H_RETRY_AFTER: seconds, or a date; anything else ignored */
        int64_t after = 0x7fffffff; /* saturated */
        int64_t at = 0;

        if (!read_number(v, vn, 10, &num, &k)) {
            if (k == 0) {
                if (om_http_parse_date(v, vn, &at) != OM_OK)
                    return M_OK;
                after = -1; /* from Date, at the end of the head */
            } else if (k != vn) {
                return M_OK;
            } else if (num < 0x7fffffff) {
                after = (int64_t)num;
            }
        }
        r->retry_after = after;
        r->retry_at = at;
    }
    return M_OK;
}

/* The empty line after the headers: decide how the body is framed. */
static unsigned head_end(om_http_resp_t *r)
{
    if (r->status < 200) {
        if (r->status == 101)
            return M_UNEXPECTED_101;
        r->state = S_STATUS;
        return M_OK;
    }
    if ((r->flags & OM_HTTP_F_LENGTH) && (r->flags & OM_HTTP_F_CHUNKED))
        return M_CONTENT_LENGTH_WITH_CHUNKED;
    if ((r->flags & OM_HTTP_F_CHUNKED) && r->http_minor == 0)
        return M_CHUNKED_IN_HTTP_1_0;
    if (r->retry_at != 0 && (r->flags & OM_HTTP_F_DATE))
        r->retry_after = r->retry_at > r->date ? r->retry_at - r->date : 0;
    r->flags |= OM_HTTP_F_HEAD;

    if (r->status == 204 || r->status == 304) {
        set_done(r); /* never a body, whatever the headers say */
    } else if (r->flags & OM_HTTP_F_CHUNKED) {
        r->state = S_CHUNK_SIZE;
    } else if (r->flags & OM_HTTP_F_LENGTH) {
        if (r->content_length == 0)
            set_done(r);
        else
            return expect_data(r, r->content_length);
    } else {
        r->state = S_BODY_CLOSE;
    }
    return M_OK;
}

/* The chunk-size line line[0..n): 1*HEXDIG [ BWS ";" ext ]. On an error
 * *back is how many bytes before the line's end the wrong one is (0: the
 * end itself); cr tells a CR came before the LF. */
static unsigned chunk_line(om_http_resp_t *r, size_t n, int cut, int cr, size_t *back)
{
    const char *s = r->line;
    uint64_t size;
    unsigned id = M_BAD_CHUNK_SIZE;
    size_t k;

    if (read_number(s, n, 16, &size, &k)) {
        id = M_CHUNK_SIZE_OVERFLOW;
        goto bad;
    }
    if (k == 0)
        goto bad;
    while (k < n && is_ows(s[k]))
        k++;
    if (k < n) {
        if (s[k] != ';')
            goto bad;
        id = M_BAD_CHUNK_EXTENSION; /* tokens, quoted strings: no controls */
        for (; k < n; k++)
            if (((unsigned char)s[k] < 0x20 && s[k] != '\t') || s[k] == 0x7f)
                goto bad;
    }
    if (cut)
        return M_CHUNK_SIZE_LINE_TOO_LONG;
    if (size == 0) {
        r->head_bytes = 0; /* now counts trailer bytes */
        r->state = S_TRAILER;
        return M_OK;
    }
    return expect_data(r, size);

bad: /* at byte k of the line, or at its end when k == n */
    if (k < n)
        *back = n - k + (size_t)cr;
    return id;
}

/* A line line[0..n) at its end, byte i: its LF (how: SUB_CR when a CR
 * came before it), or the byte that overflowed line[] (how: SUB_SKIP,
 * the line is cut and its rest skipped). */
static int line_end(om_http_resp_t *r, size_t n, unsigned how, size_t i)
{
    int cut = (how & SUB_SKIP) != 0;

    unsigned id = M_OK;
    size_t back = 0;

    switch (r->state) {
    case S_STATUS:
        id = parse_status(r, n);
        break;
    case S_HEADER:
        id = n != 0 ? parse_header(r, n, cut) : head_end(r);
        break;
    case S_TRAILER:
        if (n == 0)
            set_done(r);
        break;
    case S_CHUNK_SIZE:
        id = chunk_line(r, n, cut, (int)(how & SUB_CR), &back);
        break;
    default: /* S_CHUNK_END: the line is empty */
        r->state = S_CHUNK_SIZE;
        break;
    }
    if (id == M_OK)
        return OM_OK;
    fail(r, id, i);
    r->err_offset -= back;
    return r->err;
}

/* The line engine: one byte c of any line, at i. */
static int line_byte(om_http_resp_t *r, uint8_t c, size_t i)
{
    if (r->state <= S_TRAILER &&
        ++r->head_bytes > (r->state == S_TRAILER ? OM_HTTP_TRAILERS_MAX : OM_HTTP_HEADERS_MAX))
        return fail(r, M_HEADER_SECTION_TOO_LONG + (r->state == S_TRAILER), i);
    if (r->sub & SUB_CR) {
        if (c != '\n')
            return fail(r, M_BARE_CR, i);
    } else if (c == '\r') {
        r->sub |= SUB_CR;
        return OM_OK;
    }
    if (c == '\n') {
        unsigned sub = r->sub;
        size_t n = r->line_len;

        r->sub = 0;
        r->line_len = 0;
        return (sub & SUB_SKIP) ? OM_OK : line_end(r, n, sub & SUB_CR, i);
    }
    if (r->state == S_CHUNK_END)
        return fail(r, M_NO_CRLF_AFTER_CHUNK_DATA, i);
    if (c == 0)
        return fail(r, M_NUL_BYTE, i);
    if (r->sub & SUB_SKIP)
        return OM_OK;
    if (r->line_len == OM_HTTP_LINE_MAX) {
        r->sub |= SUB_SKIP; /* judge the line on its start, skip the rest */
        return line_end(r, OM_HTTP_LINE_MAX, SUB_SKIP, i);
    }
    r->line[r->line_len++] = (char)c;
    return OM_OK;
}

/* Hands p[0..n) of the body on. Over body_max, the bytes up to the cap
 * are still passed on, so the outcome does not depend on how the input
 * was split. */
static int deliver(om_http_resp_t *r, const uint8_t *p, size_t n, size_t i)
{
    size_t k = n;

    if (over_max(r, n))
        k = (size_t)(r->body_max - r->body_len);
    if (k > 0) {
        int rc = r->on_body != NULL ? r->on_body(r->ctx, p, k) : 0;

        r->body_len += k;
        if (rc != 0) {
            fail(r, M_STOPPED_BY_ON_BODY, i);
            r->err = rc; /* the callback's own error */
            return rc;
        }
    }
    if (k < n)
        return fail(r, M_BODY_OVER_BODY_MAX, i + k);
    return OM_OK;
}

int om_http_resp_feed(om_http_resp_t *r, const uint8_t *p, size_t n)
{
    size_t i = 0;
    int rc = OM_OK;

    if (r == NULL || (p == NULL && n != 0))
        return OM_ERR_INVAL;
    if (r->err != 0)
        return r->err;
    while (i < n && rc == OM_OK) {
        if (r->state == S_DATA) {
            size_t k = n - i;

            if (k > r->remain)
                k = (size_t)r->remain;
            rc = deliver(r, p + i, k, i);
            i += k;
            r->remain -= k;
            if (r->remain == 0) {
                if (r->flags & OM_HTTP_F_CHUNKED)
                    r->state = S_CHUNK_END;
                else
                    set_done(r);
            }
        } else if (r->state == S_BODY_CLOSE) {
            rc = deliver(r, p + i, n - i, i);
            i = n;
        } else if (r->state == S_DONE) {
            r->flags |= OM_HTTP_F_EXTRA;
            i = n;
        } else {
            rc = line_byte(r, p[i], i);
            i++;
        }
    }
    r->offset += i;
    return rc;
}

int om_http_resp_done(const om_http_resp_t *r)
{
    return r != NULL && r->err == 0 && r->state == S_DONE;
}

int om_http_resp_finish(om_http_resp_t *r)
{
    if (r == NULL)
        return OM_ERR_INVAL;
    if (r->err != 0)
        return r->err;
    if (r->state == S_BODY_CLOSE)
        set_done(r); /* the close ends a body without framing */
    if (r->state == S_DONE)
        return OM_OK;
    return fail(r, M_CONNECTION_CLOSED_EARLY, 0);
}
