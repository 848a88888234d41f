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
 * Transfer-Encoding in HTTP/1.0. Nothing depends on how the input is
 * split: all state between two bytes lives in om_http_resp_t.
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

/* Output into a caller's buffer: flushed to w when it fills, or, without
 * w, remembering overflow. */
typedef struct wbuf {
    char *buf;
    size_t cap;
    size_t len;   /* bytes in buf */
    size_t total; /* bytes written in all */
    om_write_fn w;
    void *ctx;
    int err; /* OM_ERR_NOSPACE, or w's error */
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

        if (w->w == NULL) {
            if (n >= k) { /* keep one byte for the NUL */
                w->err = OM_ERR_NOSPACE;
                return;
            }
        } else if (k == 0) {
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

/* 1 when s may go into the request. A token (the path, the host) is
 * printable ASCII without spaces; a header value may also hold spaces,
 * tabs and bytes over 0x7f, but no other control byte: a CR or LF would
 * inject a header. */
static int clean(const char *s, int token)
{
    for (; *s != '\0'; s++) {
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
    static const char *const names[5] = {
        "Authorization: Bearer ", "HTTP-Referer: ", "X-Title: ", "If-None-Match: ",
        "If-Modified-Since: "};
    const char *v[5];
    const char *ua;
    int v6;
    int k;

    if (req == NULL || !given(req->host) || !clean(req->host, 1) ||
        strpbrk(req->host, "/@") != NULL || req->path == NULL ||
        req->path[0] != '/' || !clean(req->path, 1))
        return OM_ERR_INVAL;
    ua = given(req->user_agent) ? req->user_agent : "ormodels/" OM_VERSION;
    v[0] = req->api_key;
    v[1] = req->referer;
    v[2] = req->title;
    v[3] = req->if_none_match;
    v[4] = req->if_modified_since;
    if (!clean(ua, 0))
        return OM_ERR_INVAL;
    for (k = 0; k < 5; k++)
        if (v[k] != NULL && !clean(v[k], 0))
            return OM_ERR_INVAL;

    /* an IPv6 address goes in brackets */
    v6 = strchr(req->host, ':') != NULL && req->host[0] != '[';
    put(w, "GET %s HTTP/1.1\r\nHost: %s%s%s", req->path, v6 ? "[" : NULL,
        req->host, v6 ? "]" : NULL);
    if (req->port != 0 && req->port != (req->https ? 443u : 80u))
        put(w, ":%u", req->port);
    put(w, "\r\nUser-Agent: %s\r\n"
           "Accept: application/json\r\n"
           "Accept-Encoding: identity\r\n"
           "Connection: close\r\n", ua);
    for (k = 0; k < 5; k++)
        if (given(v[k]))
            put(w, "%s%s\r\n", names[k], v[k]);
    put(w, "\r\n");
    if (w->total > 0x7fffffffu)
        w->err = OM_ERR_NOSPACE;
    return w->err;
}

int om_http_build_request(char *buf, size_t cap, const om_http_req_t *req)
{
    wbuf_t w;
    int e;

    if (buf == NULL)
        return OM_ERR_INVAL;
    memset(&w, 0, sizeof w);
    w.buf = buf;
    w.cap = cap;
    w.err = cap == 0 ? OM_ERR_NOSPACE : OM_OK;
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

/* ================================================================= date */

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar, y
 * from 0 (the days-from-civil method: years begin in March, so the leap
 * day is the last of the year; counted from the year -400 so that every
 * division is of a positive number, and 146097 days, one 400-year
 * cycle, taken off again). */
static int32_t days_from_civil(int32_t y, int32_t m, int32_t d)
{
    y += 400 - (m <= 2);
    m = m > 2 ? m - 3 : m + 9; /* months from March */
    return 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d - 1 -
           (719468 + 146097);
}

/* The three forms as patterns: a short day name (a), a long one (A), a
 * month name (m), digits of the day (d; D: a digit or a space), year
 * (y), hour (h), minute (i) and second (s); anything else as it is. */
static const char date_forms[] =
    "a, dd m yyyy hh:ii:ss GMT\0" /* IMF-fixdate */
    "A, dd-m-yy hh:ii:ss GMT\0"   /* RFC 850 */
    "a m Dd hh:ii:ss yyyy";       /* asctime */

/* Names in lower case, each ended by a NUL, the list by another. */
static const char month_names[] =
    "jan\0feb\0mar\0apr\0may\0jun\0jul\0aug\0sep\0oct\0nov\0dec\0";
static const char day_names[] =
    "monday\0tuesday\0wednesday\0thursday\0friday\0saturday\0sunday\0";

/* Matches s[0..n) against the form f; v[] gets the day, year, hour,
 * minute and second, v[5] the month (1..12). Returns 1 when all of s
 * matches. */
static int date_form(const char *f, const char *s, size_t n, unsigned v[6])
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
            /* the first name s starts with: three letters of it, or
             * all of it for A */
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
            if (c == 'm')
                v[5] = idx;
            k += len;
        } else if (s[k++] != c) {
            return 0;
        }
    }
    return k == n;
}

int om_http_parse_date(const char *s, size_t n, int64_t *unix_out)
{
    /* month lengths less 28, two bits a month from January */
    static const uint32_t mlen = 0xEEFBB3u;
    const char *f = date_forms;
    unsigned v[6]; /* day, year, hour, minute, second, month */
    int form;

    if (s == NULL || unix_out == NULL)
        return OM_ERR_INVAL;
    for (form = 0; form < 3; form++, f += strlen(f) + 1) {
        unsigned y;
        unsigned m;

        if (!date_form(f, s, n, v))
            continue;
        if (form == 1) /* RFC 850's two digits */
            v[1] += v[1] < 70 ? 2000u : 1900u;
        y = v[1];
        m = v[5];
        if (v[0] < 1 || v[2] > 23 || v[3] > 59 || v[4] > 60 ||
            v[0] > 28 + ((mlen >> (2 * (m - 1))) & 3u) +
                       (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
            return OM_ERR_INVAL;
        *unix_out = (int64_t)days_from_civil((int32_t)y, (int32_t)m, (int32_t)v[0]) * 86400 +
                    (int32_t)(v[2] * 3600 + v[3] * 60 + v[4]);
        return OM_OK;
    }
    return OM_ERR_INVAL;
}

/* ============================================================= response */

/* The states. Those up to S_CHUNK_END take their bytes through the line
 * engine (line_byte); S_TRAILER and the head ones count them against a
 * section limit. */
enum {
    S_STATUS,     /* status line */
    S_HEADER,     /* header lines up to an empty one */
    S_TRAILER,    /* trailer lines up to an empty one, skipped */
    S_CHUNK_SIZE, /* chunk-size [ext] line */
    S_CHUNK_END,  /* the CRLF (or LF) after chunk data */
    S_DATA,       /* remain bytes of body or chunk data */
    S_DONE
};

/* Bits of r->sub, the line engine's state within a line. */
#define SUB_CR 0x01u   /* a CR was seen: LF must follow */
#define SUB_SKIP 0x02u /* the line overflowed line[]: judged, rest skipped */

/* Headers we read, by their place in header_names. */
enum { H_OTHER, H_CONTENT_LENGTH, H_TRANSFER_ENCODING, H_LOCATION, H_ETAG,
       H_LAST_MODIFIED, H_DATE, H_RETRY_AFTER, H_CONTENT_TYPE };

/* In lower case, each ended by a NUL, the list by another. */
static const char header_names[] =
    "content-length\0transfer-encoding\0location\0etag\0last-modified\0date\0"
    "retry-after\0content-type\0";

#define LENGTH_MAX ((uint64_t)INT64_MAX) /* largest body or chunk size */
#define ETAG_CAP (OM_ETAG_MAX + 1)      /* kept[]: ETag, then Last-Modified */

/* Why a response is refused: err_msg's texts by M_* id, each id's
 * om_err given by its group. */
enum {
    M_BAD_STATUS_LINE = 0,
    M_UNEXPECTED_101,
    M_BAD_TRANSFER_ENCODING,
    M_FOLDED_HEADER_LINE,
    M_HEADER_LINE_WITHOUT_COLON,
    M_BAD_HEADER_NAME,
    M_BAD_CONTENT_LENGTH,
    M_CONFLICTING_CONTENT_LENGTH,
    M_CONTENT_LENGTH_WITH_TRANSFER_ENCODING,
    M_TRANSFER_ENCODING_IN_HTTP_1_0,
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
    "unexpected status 101\0"
    "bad Transfer-Encoding\0"
    "folded header line\0"
    "header line without ':'\0"
    "bad header name\0"
    "bad Content-Length\0"
    "conflicting Content-Length\0"
    "Content-Length with Transfer-Encoding\0"
    "Transfer-Encoding in HTTP/1.0\0"
    "bare CR\0"
    "NUL byte\0"
    "bad chunk size\0"
    "bad chunk extension\0"
    "no CRLF after chunk data\0"
    "stopped by on_body\0"
    "Content-Length too large\0"
    "Transfer-Encoding too long\0"
    "Location too long\0"
    "too many headers\0"
    "header name too long\0"
    "header section too long\0"
    "trailer section too long\0"
    "body over body_max\0"
    "chunk size line too long\0"
    "chunk size overflow\0"
    "connection closed early";

/* Sets the sticky error id's at byte i of this call. */
static int fail(om_http_resp_t *r, unsigned id, size_t i)
{
    const char *m = fail_msgs;
    unsigned k;

    for (k = 0; k < id; k++)
        m += strlen(m) + 1;
    r->err = id == M_CONNECTION_CLOSED_EARLY     ? OM_ERR_TRUNCATED
             : id >= M_CONTENT_LENGTH_TOO_LARGE ? OM_ERR_TOOBIG
                                                : OM_ERR_HTTP;
    r->err_msg = m;
    r->err_offset = r->offset + i;
    return r->err;
}

/* Clears what one response head sets, for the next head after a 1xx. */
static void reset_fields(om_http_resp_t *r)
{
    r->content_length = 0;
    r->date = 0;
    r->retry_after = -1;
    r->retry_at = 0;
    r->status = 0;
    r->http_minor = 0;
    r->flags = 0;
    r->location = "";
    r->etag = "";
    r->last_modified = "";
    r->nheaders = 0;
}

void om_http_resp_init(om_http_resp_t *r, om_http_body_fn on_body, void *ctx)
{
    memset(r, 0, sizeof(*r));
    r->on_body = on_body;
    r->ctx = ctx;
    reset_fields(r);
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

/* Strict 1*DIGIT up to LENGTH_MAX. Returns 0, OM_ERR_HTTP or
 * OM_ERR_TOOBIG. */
static int parse_length(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t k;

    if (n == 0)
        return OM_ERR_HTTP;
    for (k = 0; k < n; k++) {
        unsigned d = (unsigned)(s[k] - '0');

        if (d > 9)
            return OM_ERR_HTTP;
        /* constant bounds: no 64-bit division on 32-bit targets */
        if (v > LENGTH_MAX / 10u || (v == LENGTH_MAX / 10u && d > LENGTH_MAX % 10u))
            return OM_ERR_TOOBIG;
        v = v * 10u + d;
    }
    *out = v;
    return OM_OK;
}

/* Parses "HTTP/1.x NNN[ reason]" from line[0..n); when the line was cut,
 * its reason phrase is. */
static int parse_status(om_http_resp_t *r, size_t n, size_t i)
{
    const char *s = r->line;
    unsigned code = 0;
    size_t k;

    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (unsigned)(s[7] - '0') > 9 ||
        s[8] != ' ' || (n > 12 && s[12] != ' '))
        return fail(r, M_BAD_STATUS_LINE, i);
    for (k = 9; k < 12; k++) {
        unsigned d = (unsigned)(s[k] - '0');

        if (d > 9)
            return fail(r, M_BAD_STATUS_LINE, i);
        code = code * 10u + d;
    }
    if (code < 100 || code > 599)
        return fail(r, M_BAD_STATUS_LINE, i);
    r->status = (uint16_t)code;
    r->http_minor = s[7] != '0';
    r->kept[0] = '\0';
    r->kept[ETAG_CAP] = '\0';
    if (code / 100 == 3 && code != 304) { /* a redirect */
        r->location = r->kept;
    } else {
        r->etag = r->kept;
        r->last_modified = r->kept + ETAG_CAP;
    }
    r->state = S_HEADER;
    return OM_OK;
}

/* Transfer-Encoding: "chunked" once in all of them, empty list elements
 * aside; we asked for identity and can decode nothing else. */
static int parse_te(om_http_resp_t *r, const char *v, size_t n, size_t i)
{
    size_t k = 0;

    if (n == 0)
        return fail(r, M_BAD_TRANSFER_ENCODING, i);
    while (k < n) {
        size_t a;
        size_t b;

        while (k < n && (is_ows(v[k]) || v[k] == ','))
            k++;
        a = k;
        while (k < n && v[k] != ',')
            k++;
        b = k;
        while (b > a && is_ows(v[b - 1]))
            b--;
        if (b == a)
            continue;
        if (b - a != 7 || !eq_ci(v + a, "chunked", 7) || (r->flags & OM_HTTP_F_CHUNKED))
            return fail(r, M_BAD_TRANSFER_ENCODING, i);
        r->flags |= OM_HTTP_F_CHUNKED;
    }
    return OM_OK;
}

/* Copies v[0..n) into dst (cap bytes with the NUL) when it fits and
 * holds no control byte (it may be sent back in a request), else empties
 * dst. */
static void keep(char *dst, size_t cap, const char *v, size_t n)
{
    size_t k;

    for (k = 0; k < n && n < cap; k++)
        if ((unsigned char)v[k] < 0x20 || v[k] == 0x7f)
            n = cap; /* not kept */
    if (n >= cap)
        n = 0;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

/* Handles the header line line[0..n); cut when the line was longer than
 * the buffer (then only its start is here, and its value counts as too
 * long). */
static int parse_header(om_http_resp_t *r, size_t n, int cut, size_t i)
{
    char *s = r->line;
    const char *name = header_names;
    const char *colon;
    const char *v;
    size_t name_len;
    size_t vn;
    size_t k;
    int h;
    int rc;
    int redirect;

    if (is_ows(s[0]))
        return fail(r, M_FOLDED_HEADER_LINE, i);
    if (++r->nheaders > OM_HTTP_HEADER_COUNT_MAX)
        return fail(r, M_TOO_MANY_HEADERS, i);
    colon = memchr(s, ':', n);
    if (colon == NULL)
        return fail(r, cut ? M_HEADER_NAME_TOO_LONG : M_HEADER_LINE_WITHOUT_COLON, i);
    name_len = (size_t)(colon - s);
    /* a token: visible ASCII but for the delimiters; lower-cased here */
    for (k = 0; k < name_len; k++) {
        if (s[k] <= ' ' || s[k] >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", s[k]) != NULL)
            return fail(r, M_BAD_HEADER_NAME, i);
        s[k] = lower_c(s[k]);
    }
    if (name_len == 0)
        return fail(r, M_BAD_HEADER_NAME, i);
    for (h = 1; *name != '\0' && !(strlen(name) == name_len && memcmp(name, s, name_len) == 0);
         h++)
        name += strlen(name) + 1;
    /* Location matters in a redirect only, validators everywhere else
     * (304 included) */
    redirect = r->location == r->kept;
    if (*name == '\0' || (h == H_LOCATION && !redirect) ||
        ((h == H_ETAG || h == H_LAST_MODIFIED) && redirect))
        return OM_OK;

    v = colon + 1;
    vn = n - name_len - 1;
    if (cut) {
        /* framing and a Location cannot be judged on a part; anything
         * else cut is read as an empty value: not kept, not JSON, no
         * date */
        if (h <= H_LOCATION)
            return fail(r, M_CONTENT_LENGTH_TOO_LARGE + (unsigned)h - H_CONTENT_LENGTH, i);
        vn = 0;
    }
    while (vn > 0 && is_ows(v[0])) {
        v++;
        vn--;
    }
    while (vn > 0 && is_ows(v[vn - 1]))
        vn--;

    switch (h) {
    case H_CONTENT_LENGTH: {
        uint64_t len = 0;

        rc = parse_length(v, vn, &len);
        if (rc != OM_OK)
            return fail(r, rc == OM_ERR_TOOBIG ? M_CONTENT_LENGTH_TOO_LARGE
                                               : M_BAD_CONTENT_LENGTH, i);
        if ((r->flags & OM_HTTP_F_LENGTH) && len != r->content_length)
            return fail(r, M_CONFLICTING_CONTENT_LENGTH, i);
        r->content_length = len;
        r->flags |= OM_HTTP_F_LENGTH;
        return OM_OK;
    }
    case H_TRANSFER_ENCODING:
        return parse_te(r, v, vn, i);
    case H_LOCATION: /* checked again by om_url_resolve */
        if (vn > OM_URL_MAX)
            return fail(r, M_LOCATION_TOO_LONG, i);
        keep(r->kept, OM_URL_MAX + 1, v, vn);
        return OM_OK;
    case H_ETAG:
        keep(r->kept, ETAG_CAP, v, vn);
        return OM_OK;
    case H_LAST_MODIFIED:
        keep(r->kept + ETAG_CAP, OM_LASTMOD_MAX + 1, v, vn);
        return OM_OK;
    case H_DATE:
        set_flag(r, OM_HTTP_F_DATE, om_http_parse_date(v, vn, &r->date) == OM_OK);
        return OM_OK;
    case H_RETRY_AFTER: {
        uint64_t secs = 0;
        int64_t at = 0;

        if (vn > 0 && (unsigned)(v[0] - '0') <= 9) {
            rc = parse_length(v, vn, &secs);
            if (rc == OM_ERR_HTTP)
                return OM_OK; /* not a Retry-After: ignored */
            if (rc != OM_OK || secs > 0x7fffffffu)
                secs = 0x7fffffffu; /* a huge delay: saturate */
            r->retry_after = (int64_t)secs;
            r->retry_at = 0;
        } else if (om_http_parse_date(v, vn, &at) == OM_OK) {
            r->retry_after = -1;
            r->retry_at = at;
        }
        return OM_OK;
    }
    default: /* H_CONTENT_TYPE: the media type, parameters aside */
        for (k = 0; k < vn && v[k] != ';'; k++)
            ;
        while (k > 0 && is_ows(v[k - 1]))
            k--;
        set_flag(r, OM_HTTP_F_JSON, k == 16 && eq_ci(v, "application/json", 16));
        return OM_OK;
    }
}

/* The empty line after the headers: decide how the body is framed. */
static int head_end(om_http_resp_t *r, size_t i)
{
    if (r->status < 200) {
        if (r->status == 101)
            return fail(r, M_UNEXPECTED_101, i);
        reset_fields(r); /* an interim response: the real one follows */
        r->state = S_STATUS;
        return OM_OK;
    }
    if ((r->flags & OM_HTTP_F_LENGTH) && (r->flags & OM_HTTP_F_CHUNKED))
        return fail(r, M_CONTENT_LENGTH_WITH_TRANSFER_ENCODING, i);
    if ((r->flags & OM_HTTP_F_CHUNKED) && r->http_minor == 0)
        return fail(r, M_TRANSFER_ENCODING_IN_HTTP_1_0, i);
    if (r->retry_at != 0 && (r->flags & OM_HTTP_F_DATE))
        r->retry_after = r->retry_at > r->date ? r->retry_at - r->date : 0;
    r->flags |= OM_HTTP_F_HEAD;

    if (r->status == 204 || r->status == 304) {
        set_done(r); /* never a body, whatever the headers say */
    } else if (r->flags & OM_HTTP_F_CHUNKED) {
        r->state = S_CHUNK_SIZE;
    } else if (r->flags & OM_HTTP_F_LENGTH) {
        if (r->body_max != 0 && r->content_length > r->body_max)
            return fail(r, M_BODY_OVER_BODY_MAX, i);
        r->remain = r->content_length;
        r->state = S_DATA;
        if (r->remain == 0)
            set_done(r);
    } else {
        /* up to the close: more bytes than any connection carries */
        r->remain = UINT64_MAX;
        r->state = S_DATA;
    }
    return OM_OK;
}

/* A chunk-size line line[0..n): 1*HEXDIG [ BWS ";" ext ]. i is the byte
 * after it (its LF, or where it was cut); cr tells a CR came before the
 * LF, so that an error points at the byte of the line that is wrong. */
static int chunk_line(om_http_resp_t *r, size_t n, int cut, int cr, size_t i)
{
    const char *s = r->line;
    uint64_t size = 0;
    unsigned id = M_BAD_CHUNK_SIZE;
    size_t k;

    for (k = 0; k < n; k++) {
        unsigned d = (unsigned)(s[k] - '0');

        if (d > 9) {
            d = (unsigned)((s[k] | 0x20) - 'a');
            if (d > 5)
                break;
            d += 10;
        }
        if (size >> 59) { /* a 64th bit: over LENGTH_MAX */
            id = M_CHUNK_SIZE_OVERFLOW;
            goto bad;
        }
        size = size << 4 | d;
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
        return fail(r, M_CHUNK_SIZE_LINE_TOO_LONG, i);
    if (size == 0) {
        r->head_bytes = 0; /* now counts trailer bytes */
        r->state = S_TRAILER;
        return OM_OK;
    }
    if (r->body_max != 0 && size > r->body_max - r->body_len)
        return fail(r, M_BODY_OVER_BODY_MAX, i);
    r->remain = size;
    r->state = S_DATA;
    return OM_OK;

bad: /* at byte k of the line, or at its end when k == n */
    fail(r, id, i);
    if (k < n)
        r->err_offset -= n - k + (size_t)cr;
    return r->err;
}

/* A complete line line[0..n), or the start of an over-long one (cut),
 * at byte i. */
static int line_end(om_http_resp_t *r, size_t n, int cut, int cr, size_t i)
{
    switch (r->state) {
    case S_STATUS:
        return parse_status(r, n, i);
    case S_HEADER:
        return n != 0 ? parse_header(r, n, cut, i) : head_end(r, i);
    case S_TRAILER:
        if (n == 0)
            set_done(r);
        return OM_OK;
    case S_CHUNK_SIZE:
        return chunk_line(r, n, cut, cr, i);
    default: /* S_CHUNK_END: the line is empty */
        r->state = S_CHUNK_SIZE;
        return OM_OK;
    }
}

/* The line engine: one byte c, at i, of any line. */
static int line_byte(om_http_resp_t *r, uint8_t c, size_t i)
{
    unsigned sub = r->sub;

    if (r->state <= S_TRAILER &&
        ++r->head_bytes > (r->state == S_TRAILER ? OM_HTTP_TRAILERS_MAX : OM_HTTP_HEADERS_MAX))
        return fail(r, M_HEADER_SECTION_TOO_LONG + (r->state == S_TRAILER), i);
    if (sub & SUB_CR) {
        if (c != '\n')
            return fail(r, M_BARE_CR, i);
    } else if (c == '\r') {
        r->sub |= SUB_CR;
        return OM_OK;
    }
    if (c == '\n') {
        size_t n = r->line_len;

        r->sub = 0;
        r->line_len = 0;
        return (sub & SUB_SKIP) ? OM_OK : line_end(r, n, 0, sub & SUB_CR, i);
    }
    if (r->state == S_CHUNK_END)
        return fail(r, M_NO_CRLF_AFTER_CHUNK_DATA, i);
    if (c == 0)
        return fail(r, M_NUL_BYTE, i);
    if (sub & SUB_SKIP)
        return OM_OK;
    if (r->line_len == OM_HTTP_LINE_MAX) {
        r->sub |= SUB_SKIP; /* judge the line on its start, skip the rest */
        return line_end(r, OM_HTTP_LINE_MAX, 1, 0, i);
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

    if (r->body_max != 0 && n > r->body_max - r->body_len)
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
    if (r->state == S_DATA && !(r->flags & (OM_HTTP_F_LENGTH | OM_HTTP_F_CHUNKED)))
        set_done(r); /* the close ends a body without framing */
    if (r->state == S_DONE)
        return OM_OK;
    return fail(r, M_CONNECTION_CLOSED_EARLY, 0);
}
