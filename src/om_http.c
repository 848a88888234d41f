/*
 * om_http.c - the HTTP/1.1 client without I/O: the GET request writer,
 * the response parser and the HTTP-date reader.
 *
 * The parser is a byte-driven state machine. Head lines (status, headers,
 * 1xx heads) go through one fixed line buffer; a line that overflows it
 * is judged on its first OM_HTTP_LINE_MAX bytes, which hold the header
 * name, and the rest is skipped. Body bytes (Content-Length, chunk data,
 * close-delimited) are handed on as whole slices of the input. Framing is
 * strict where an ambiguity could let a wrong byte count through
 * (RFC 9112 section 6): Content-Length must be plain digits and agree with
 * itself, Transfer-Encoding must be exactly "chunked", and the two
 * together are refused.
 */
#include <stdarg.h>
#include <string.h>

#include "om_internal.h"
#include "om_http.h"

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
    int e;

    if (w->err == 0 && w->len > 0) {
        e = w->w(w->ctx, w->buf, w->len);
        if (e < 0)
            w->err = e;
    }
    w->len = 0;
}

static void put_n(wbuf_t *w, const char *s, size_t n)
{
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

static void put_fn(void *ctx, const char *s, size_t n)
{
    put_n((wbuf_t *)ctx, s, n);
}

/* Formatted output: om_vformat's %s and %u. */
static void put(wbuf_t *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    om_vformat(put_fn, w, fmt, ap);
    va_end(ap);
}

/* 1 when s is safe as a header value: no CR, LF or other control byte
 * (a tab is allowed). */
static int value_ok(const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return 0;
    }
    return 1;
}

/* 1 when s is usable in the request line or Host: printable, no space. */
static int token_ok(const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c <= 0x20 || c >= 0x7f)
            return 0;
    }
    return 1;
}

static int given(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* The optional headers, in the order they are sent. */
static const char *const header_out[5] = {
    "Authorization: Bearer ", "HTTP-Referer: ", "X-Title: ", "If-None-Match: ",
    "If-Modified-Since: "};


static int write_request(wbuf_t *w, const om_http_req_t *req)
{
    const char *ua;
    const char *v[5];
    unsigned def_port;
    int k;

    if (req == NULL || !given(req->host) || !token_ok(req->host) ||
        strchr(req->host, '/') != NULL || strchr(req->host, '@') != NULL)
        return OM_ERR_INVAL;
    if (req->path == NULL || req->path[0] != '/' || !token_ok(req->path))
        return OM_ERR_INVAL;
    ua = given(req->user_agent) ? req->user_agent : "ormodels/" OM_VERSION;
    v[0] = req->api_key;
    v[1] = req->referer;
    v[2] = req->title;
    v[3] = req->if_none_match;
    v[4] = req->if_modified_since;
    if (!value_ok(ua))
        return OM_ERR_INVAL;
    for (k = 0; k < 5; k++)
        if (v[k] != NULL && !value_ok(v[k]))
            return OM_ERR_INVAL;

    /* an IPv6 address goes in brackets */
    put(w, strchr(req->host, ':') != NULL && req->host[0] != '['
               ? "GET %s HTTP/1.1\r\nHost: [%s]"
               : "GET %s HTTP/1.1\r\nHost: %s",
        req->path, req->host);
    def_port = req->https ? 443u : 80u;
    if (req->port != 0 && req->port != def_port)
        put(w, ":%u", req->port);
    put(w, "\r\nUser-Agent: %s\r\n"
           "Accept: application/json\r\n"
           "Accept-Encoding: identity\r\n"
           "Connection: close\r\n", ua);
    for (k = 0; k < 5; k++)
        if (given(v[k]))
            put(w, "%s%s\r\n", header_out[k], v[k]);
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
    if (cap > 0)
        buf[0] = '\0';
    e = write_request(&w, req);
    if (e != OM_OK) {
        if (cap > 0)
            buf[0] = '\0';
        return e;
    }
    buf[w.len] = '\0';
    return (int)w.len;
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

static const char month_names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
static const char day_names[] =
    "monday\0tuesday\0wednesday\0thursday\0friday\0saturday\0sunday\0";

static char lower_c(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int eq_ci(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (lower_c(a[i]) != lower_c(b[i]))
            return 0;
    return 1;
}

/* Value of the n digits at s, or -1 when one is not a digit. */
static long digits(const char *s, size_t n)
{
    long v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar
 * (the days-from-civil method: years begin in March, so the leap day
 * is the last of the year). y >= 0 here. */
static int32_t days_from_civil(int32_t y, int32_t m, int32_t d)
{
    int32_t era;
    int32_t yoe;
    int32_t doy;
    int32_t doe;

    y -= (m <= 2);
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The three forms as patterns: a short day name (a), a long one (A), a
 * month name (m), digits of the day (d; D: a digit or a space), year
 * (y), hour (h), minute (i) and second (s); anything else as it is. */
static const char date_forms[] =
    "a, dd m yyyy hh:ii:ss GMT\0" /* IMF-fixdate */
    "A, dd-m-yy hh:ii:ss GMT\0"   /* RFC 850 */
    "a m Dd hh:ii:ss yyyy";       /* asctime */

/* Matches s[0..n) against one form; v[] gets d, y, h, i, s and mon the
 * month. Returns 1 when all of s matches. */
static int date_form(const char *f, const char *s, size_t n, long v[5], int *mon)
{
    static const char slots[] = "dyhis";
    size_t k = 0;

    memset(v, 0, 5 * sizeof v[0]);
    for (; *f; f++) {
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
        if (slot) {
            if (s[k] < '0' || s[k] > '9')
                return 0;
            v[slot - slots] = v[slot - slots] * 10 + (s[k++] - '0');
        } else if (c == 'm') {
            if (k + 3 > n)
                return 0;
            for (*mon = 1; *mon <= 12 && !eq_ci(s + k, month_names + 3 * *mon - 3, 3);)
                ++*mon;
            if (*mon > 12)
                return 0;
            k += 3;
        } else if (c == 'a' || c == 'A') {
            const char *d = day_names;
            size_t len = 3;

            if (c == 'A')
                for (len = 0; k + len < n && s[k + len] != ','; len++)
                    ;
            while (*d && !(k + len <= n && (c == 'a' || strlen(d) == len) &&
                           eq_ci(s + k, d, len)))
                d += strlen(d) + 1;
            if (*d == '\0')
                return 0;
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
    long v[5]; /* day, year, hour, minute, second */
    int m = 0;
    int form;

    if (s == NULL || unix_out == NULL)
        return OM_ERR_INVAL;
    for (form = 0; form < 3; form++, f += strlen(f) + 1) {
        if (!date_form(f, s, n, v, &m))
            continue;
        if (form == 1)
            v[1] += v[1] < 70 ? 2000 : 1900;
        if (v[0] < 1 || v[2] > 23 || v[3] > 59 || v[4] > 60 ||
            v[0] > 28 + (long)((mlen >> (2 * (m - 1))) & 3u) +
                       (m == 2 && v[1] % 4 == 0 &&
                        (v[1] % 100 != 0 || v[1] % 400 == 0)))
            return OM_ERR_INVAL;
        *unix_out = (int64_t)days_from_civil(v[1], m, v[0]) * 86400 +
                    v[2] * 3600 + v[3] * 60 + v[4];
        return OM_OK;
    }
    return OM_ERR_INVAL;
}

/* ============================================================= response */

enum {
    S_STATUS,         /* status line */
    S_HEADER,         /* header lines */
    S_BODY_LEN,       /* Content-Length body: remain bytes */
    S_BODY_CLOSE,     /* body up to the close */
    S_CHUNK_SIZE,     /* chunk-size [ext] line */
    S_CHUNK_DATA,     /* remain bytes of chunk data */
    S_CHUNK_DATA_END, /* CR or LF after chunk data */
    S_CHUNK_DATA_LF,  /* LF after that CR */
    S_TRAILER,        /* trailer lines up to an empty one */
    S_DONE
};

/* Bits of r->sub. */
#define SUB_CR 0x01u    /* a CR was seen: LF must follow */
#define SUB_SKIP 0x02u  /* rest of an over-long line is skipped */
#define SUB_DIGIT 0x04u /* chunk size: a hex digit seen */
#define SUB_WS 0x08u    /* chunk size: whitespace after the digits */
#define SUB_EXT 0x10u   /* chunk size: inside extensions */

/* Headers we keep. */
enum { H_OTHER, H_CONTENT_LENGTH, H_TRANSFER_ENCODING, H_LOCATION, H_ETAG,
       H_LAST_MODIFIED, H_DATE, H_RETRY_AFTER, H_CONTENT_TYPE };

static const char *const header_names[] = {
    "", "content-length", "transfer-encoding", "location", "etag",
    "last-modified", "date", "retry-after", "content-type"};

#define LENGTH_MAX ((uint64_t)INT64_MAX) /* largest body or chunk size */
#define ETAG_CAP (OM_ETAG_MAX + 1)      /* kept[]: ETag, then Last-Modified */

/* Why a response is refused: err_msg's texts by M_* id, each id's
 * om_err given by its group. */
enum {
    M_STATUS_LINE_IS_NOT_HTTP_1_X = 0,
    M_BAD_STATUS_CODE,
    M_EMPTY_TRANSFER_ENCODING,
    M_UNSUPPORTED_TRANSFER_ENCODING,
    M_OBS_FOLD_HEADER_LINE,
    M_HEADER_LINE_WITHOUT,
    M_EMPTY_HEADER_NAME,
    M_BAD_HEADER_NAME,
    M_BAD_CONTENT_LENGTH,
    M_CONFLICTING_CONTENT_LENGTH,
    M_UNEXPECTED_101_SWITCHING_PROTOCOLS,
    M_CONTENT_LENGTH_WITH_TRANSFER_ENCODING,
    M_TRANSFER_ENCODING_IN_HTTP_1_0,
    M_BARE_CR_IN_HEAD,
    M_NUL_IN_HEAD,
    M_BAD_CHUNK_SIZE,
    M_BARE_CR_IN_CHUNK_SIZE_LINE,
    M_BAD_CHUNK_EXTENSION,
    M_BARE_CR_IN_TRAILER,
    M_NUL_IN_TRAILER,
    M_NO_CRLF_AFTER_CHUNK_DATA,
    M_STOPPED_BY_THE_BODY_CALLBACK,
    M_CONTENT_LENGTH_LINE_TOO_LONG, /* OM_ERR_TOOBIG from here */
    M_TRANSFER_ENCODING_LINE_TOO_LONG,
    M_LOCATION_TOO_LONG,
    M_TOO_MANY_HEADERS,
    M_HEADER_NAME_TOO_LONG,
    M_CONTENT_LENGTH_TOO_LARGE,
    M_CONTENT_LENGTH_OVER_BODY_MAX,
    M_HEADER_SECTION_TOO_LONG,
    M_CHUNKED_BODY_OVER_BODY_MAX,
    M_CHUNK_SIZE_LINE_TOO_LONG,
    M_CHUNK_SIZE_OVERFLOW,
    M_TRAILER_SECTION_TOO_LONG,
    M_BODY_OVER_BODY_MAX,
    M_CONNECTION_CLOSED_INSIDE_THE_HEAD, /* OM_ERR_TRUNCATED from here */
    M_CONNECTION_CLOSED_INSIDE_THE_BODY,
};

static const char fail_msgs[] =
    "status line is not HTTP/1.x\0"
    "bad status code\0"
    "empty Transfer-Encoding\0"
    "unsupported Transfer-Encoding\0"
    "obs-fold header line\0"
    "header line without ':'\0"
    "empty header name\0"
    "bad header name\0"
    "bad Content-Length\0"
    "conflicting Content-Length\0"
    "unexpected 101 Switching Protocols\0"
    "Content-Length with Transfer-Encoding\0"
    "Transfer-Encoding in HTTP/1.0\0"
    "bare CR in head\0"
    "NUL in head\0"
    "bad chunk size\0"
    "bare CR in chunk size line\0"
    "bad chunk extension\0"
    "bare CR in trailer\0"
    "NUL in trailer\0"
    "no CRLF after chunk data\0"
    "stopped by the body callback\0"
    "Content-Length line too long\0"
    "Transfer-Encoding line too long\0"
    "Location too long\0"
    "too many headers\0"
    "header name too long\0"
    "Content-Length too large\0"
    "Content-Length over body_max\0"
    "header section too long\0"
    "chunked body over body_max\0"
    "chunk size line too long\0"
    "chunk size overflow\0"
    "trailer section too long\0"
    "body over body_max\0"
    "connection closed inside the head\0"
    "connection closed inside the body\0";

/* Sets the sticky error id's at byte i of this call. */
static int fail(om_http_resp_t *r, unsigned id, size_t i)
{
    const char *m = fail_msgs;
    unsigned k;

    for (k = 0; k < id; k++)
        m += strlen(m) + 1;
    r->err = id >= M_CONNECTION_CLOSED_INSIDE_THE_HEAD ? OM_ERR_TRUNCATED
             : id >= M_CONTENT_LENGTH_LINE_TOO_LONG    ? OM_ERR_TOOBIG
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
    r->state = S_STATUS;
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static int is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Parses "HTTP/1.x NNN[ reason]" from line[0..n); when cut, n holds the
 * first OM_HTTP_LINE_MAX bytes, the reason is then ignored. */
static int parse_status(om_http_resp_t *r, const char *s, size_t n, size_t i)
{
    long code;

    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' || s[8] != ' ')
        return fail(r, M_STATUS_LINE_IS_NOT_HTTP_1_X, i);
    code = digits(s + 9, 3);
    if (code < 100 || code > 599 || (n > 12 && s[12] != ' '))
        return fail(r, M_BAD_STATUS_CODE, i);
    r->status = (uint16_t)code;
    r->http_minor = (uint8_t)(s[7] == '0' ? 0 : 1);
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

/* Transfer-Encoding: only one "chunked" in all of them; we asked for
 * identity and can decode nothing else. */
static int parse_te(om_http_resp_t *r, const char *v, size_t n, size_t i)
{
    size_t k = 0;

    if (n == 0)
        return fail(r, M_EMPTY_TRANSFER_ENCODING, i);
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
            return fail(r, M_UNSUPPORTED_TRANSFER_ENCODING, i);
        r->flags |= OM_HTTP_F_CHUNKED;
    }
    return OM_OK;
}

/* Copies v[0..n) into dst (cap bytes with the NUL) when it fits and
 * holds no control byte (it may be sent back in a request), else empties
 * dst. Returns 1 when kept. */
static int keep(char *dst, size_t cap, const char *v, size_t n)
{
    size_t k;

    for (k = 0; k < n && n < cap; k++)
        if ((unsigned char)v[k] < 0x20 || v[k] == 0x7f)
            n = cap; /* not kept */
    if (n >= cap) {
        dst[0] = '\0';
        return 0;
    }
    memcpy(dst, v, n);
    dst[n] = '\0';
    return 1;
}

static int header_id(const char *name, size_t n)
{
    int h;

    for (h = 1; h < (int)(sizeof(header_names) / sizeof(header_names[0])); h++)
        if (strlen(header_names[h]) == n && eq_ci(name, header_names[h], n))
            return h;
    return H_OTHER;
}

/* Handles one header line line[0..n); cut when the line was longer than
 * the buffer (then only its start is here). */
static int parse_header(om_http_resp_t *r, const char *s, size_t n, int cut, size_t i)
{
    const char *colon;
    const char *v;
    size_t name_len;
    size_t vn;
    size_t k;
    int h;
    int rc;
    int redirect;

    if (is_ows(s[0]))
        return fail(r, M_OBS_FOLD_HEADER_LINE, i);
    if (++r->nheaders > OM_HTTP_HEADER_COUNT_MAX)
        return fail(r, M_TOO_MANY_HEADERS, i);
    colon = memchr(s, ':', n);
    if (colon == NULL)
        return fail(r, cut ? M_HEADER_NAME_TOO_LONG : M_HEADER_LINE_WITHOUT, i);
    name_len = (size_t)(colon - s);
    if (name_len == 0)
        return fail(r, M_EMPTY_HEADER_NAME, i);
    for (k = 0; k < name_len; k++)
        if (!is_tchar(s[k]))
            return fail(r, M_BAD_HEADER_NAME, i);
    h = header_id(s, name_len);
    /* Location matters in a redirect only, validators everywhere else
     * (304 included) */
    redirect = r->location == r->kept;
    if (h == H_OTHER || (h == H_LOCATION && !redirect) ||
        ((h == H_ETAG || h == H_LAST_MODIFIED) && redirect))
        return OM_OK;

    v = colon + 1;
    vn = n - name_len - 1;
    while (vn > 0 && is_ows(v[0])) {
        v++;
        vn--;
    }
    while (vn > 0 && is_ows(v[vn - 1]))
        vn--;

    if (cut) {
        switch (h) {
        case H_CONTENT_LENGTH:
            return fail(r, M_CONTENT_LENGTH_LINE_TOO_LONG, i);
        case H_TRANSFER_ENCODING:
            return fail(r, M_TRANSFER_ENCODING_LINE_TOO_LONG, i);
        case H_LOCATION:
            return fail(r, M_LOCATION_TOO_LONG, i);
        case H_ETAG:
            r->kept[0] = '\0';
            return OM_OK;
        case H_LAST_MODIFIED:
            r->kept[ETAG_CAP] = '\0';
            return OM_OK;
        case H_CONTENT_TYPE:
            r->flags &= (uint8_t)~OM_HTTP_F_JSON;
            return OM_OK;
        default:
            return OM_OK; /* a Date or Retry-After this long is not one */
        }
    }

    switch (h) {
    case H_CONTENT_LENGTH: {
        uint64_t len = 0;

        rc = parse_length(v, vn, &len);
        if (rc == OM_ERR_TOOBIG)
            return fail(r, M_CONTENT_LENGTH_TOO_LARGE, i);
        if (rc != OM_OK)
            return fail(r, M_BAD_CONTENT_LENGTH, i);
        if ((r->flags & OM_HTTP_F_LENGTH) && len != r->content_length)
            return fail(r, M_CONFLICTING_CONTENT_LENGTH, i);
        r->content_length = len;
        r->flags |= OM_HTTP_F_LENGTH;
        return OM_OK;
    }
    case H_TRANSFER_ENCODING:
        return parse_te(r, v, vn, i);
    case H_LOCATION:
        if (vn > OM_URL_MAX)
            return fail(r, M_LOCATION_TOO_LONG, i);
        memcpy(r->kept, v, vn); /* checked again by om_url_resolve */
        r->kept[vn] = '\0';
        return OM_OK;
    case H_ETAG:
        (void)keep(r->kept, ETAG_CAP, v, vn);
        return OM_OK;
    case H_LAST_MODIFIED:
        (void)keep(r->kept + ETAG_CAP, OM_LASTMOD_MAX + 1, v, vn);
        return OM_OK;
    case H_DATE:
        if (om_http_parse_date(v, vn, &r->date) == OM_OK)
            r->flags |= OM_HTTP_F_DATE;
        else
            r->flags &= (uint8_t)~OM_HTTP_F_DATE;
        return OM_OK;
    case H_RETRY_AFTER: {
        uint64_t secs = 0;
        int64_t at = 0;

        if (vn > 0 && v[0] >= '0' && v[0] <= '9') {
            rc = parse_length(v, vn, &secs);
            if (rc == OM_ERR_TOOBIG || (rc == OM_OK && secs > 0x7fffffffu))
                secs = 0x7fffffffu; /* a huge delay: saturate */
            else if (rc != OM_OK)
                return OM_OK; /* not a Retry-After: ignored */
            r->retry_after = (int64_t)secs;
            r->retry_at = 0;
        } else if (om_http_parse_date(v, vn, &at) == OM_OK) {
            r->retry_after = -1;
            r->retry_at = at;
        }
        return OM_OK;
    }
    case H_CONTENT_TYPE:
        for (k = 0; k < vn && v[k] != ';'; k++)
            ;
        while (k > 0 && is_ows(v[k - 1]))
            k--;
        if (k == 16 && eq_ci(v, "application/json", 16))
            r->flags |= OM_HTTP_F_JSON;
        else
            r->flags &= (uint8_t)~OM_HTTP_F_JSON;
        return OM_OK;
    default:
        return OM_OK;
    }
}

static void set_done(om_http_resp_t *r)
{
    r->state = S_DONE;
    r->flags |= OM_HTTP_F_DONE;
}

/* The empty line after the headers: decide how the body is framed. */
static int head_end(om_http_resp_t *r, size_t i)
{
    if (r->status < 200) {
        if (r->status == 101)
            return fail(r, M_UNEXPECTED_101_SWITCHING_PROTOCOLS, i);
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
    r->sub = 0;
    r->line_len = 0;
    r->remain = 0;

    if (r->status == 204 || r->status == 304) {
        set_done(r); /* never a body, whatever the headers say */
    } else if (r->flags & OM_HTTP_F_CHUNKED) {
        r->state = S_CHUNK_SIZE;
    } else if (r->flags & OM_HTTP_F_LENGTH) {
        if (r->body_max != 0 && r->content_length > r->body_max)
            return fail(r, M_CONTENT_LENGTH_OVER_BODY_MAX, i);
        r->remain = r->content_length;
        if (r->remain == 0)
            set_done(r);
        else
            r->state = S_BODY_LEN;
    } else {
        r->state = S_BODY_CLOSE;
    }
    return OM_OK;
}

/* A complete head line (or the start of an over-long one) in line[]. */
static int head_line(om_http_resp_t *r, int cut, size_t i)
{
    size_t n = r->line_len;

    r->line_len = 0;
    if (r->state == S_STATUS)
        return parse_status(r, r->line, n, i);
    if (n == 0)
        return head_end(r, i);
    return parse_header(r, r->line, n, cut, i);
}

/* One byte of the head (status line, headers, 1xx heads). */
static int head_byte(om_http_resp_t *r, uint8_t c, size_t i)
{
    if (++r->head_bytes > OM_HTTP_HEADERS_MAX)
        return fail(r, M_HEADER_SECTION_TOO_LONG, i);
    if (r->sub & SUB_CR) {
        if (c != '\n')
            return fail(r, M_BARE_CR_IN_HEAD, i);
    } else if (c == '\r') {
        r->sub |= SUB_CR;
        return OM_OK;
    }
    if (c == '\n') {
        int skipped = r->sub & SUB_SKIP;

        r->sub = 0;
        return skipped ? OM_OK : head_line(r, 0, i);
    }
    if (c == 0)
        return fail(r, M_NUL_IN_HEAD, i);
    if (r->sub & SUB_SKIP)
        return OM_OK;
    if (r->line_len == OM_HTTP_LINE_MAX) {
        r->sub |= SUB_SKIP; /* judge the line on its start, skip the rest */
        return head_line(r, 1, i);
    }
    r->line[r->line_len++] = (char)c;
    return OM_OK;
}

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (uint8_t)(c | 0x20u);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* End of a chunk-size line: the size is in remain. */
static int chunk_size_end(om_http_resp_t *r, size_t i)
{
    if (!(r->sub & SUB_DIGIT))
        return fail(r, M_BAD_CHUNK_SIZE, i);
    r->sub = 0;
    r->line_len = 0;
    if (r->remain == 0) {
        r->head_bytes = 0; /* now counts trailer bytes */
        r->state = S_TRAILER;
        return OM_OK;
    }
    if (r->body_max != 0 && r->remain > r->body_max - r->body_len)
        return fail(r, M_CHUNKED_BODY_OVER_BODY_MAX, i);
    r->state = S_CHUNK_DATA;
    return OM_OK;
}

/* One byte of a chunk-size line: 1*HEXDIG [ BWS ";" ext... ] CRLF. */
static int chunk_size_byte(om_http_resp_t *r, uint8_t c, size_t i)
{
    int v;

    if (++r->line_len > OM_HTTP_LINE_MAX)
        return fail(r, M_CHUNK_SIZE_LINE_TOO_LONG, i);
    if (r->sub & SUB_CR) {
        if (c != '\n')
            return fail(r, M_BARE_CR_IN_CHUNK_SIZE_LINE, i);
        return chunk_size_end(r, i);
    }
    if (c == '\n')
        return chunk_size_end(r, i);
    if (c == '\r') {
        r->sub |= SUB_CR;
        return OM_OK;
    }
    if (r->sub & SUB_EXT) {
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return fail(r, M_BAD_CHUNK_EXTENSION, i);
        return OM_OK;
    }
    v = hex_value(c);
    if (v >= 0 && !(r->sub & SUB_WS)) {
        if (r->remain >> 59)
            return fail(r, M_CHUNK_SIZE_OVERFLOW, i);
        r->remain = (r->remain << 4) | (uint64_t)v;
        r->sub |= SUB_DIGIT;
        return OM_OK;
    }
    if (r->sub & SUB_DIGIT) {
        if (c == ';') {
            r->sub |= SUB_EXT;
            return OM_OK;
        }
        if (is_ows((char)c)) {
            r->sub |= SUB_WS;
            return OM_OK;
        }
    }
    return fail(r, M_BAD_CHUNK_SIZE, i);
}

/* One byte of the trailer section: lines up to an empty one, skipped. */
static int trailer_byte(om_http_resp_t *r, uint8_t c, size_t i)
{
    if (++r->head_bytes > OM_HTTP_TRAILERS_MAX)
        return fail(r, M_TRAILER_SECTION_TOO_LONG, i);
    if (r->sub & SUB_CR) {
        if (c != '\n')
            return fail(r, M_BARE_CR_IN_TRAILER, i);
    } else if (c == '\r') {
        r->sub |= SUB_CR;
        return OM_OK;
    }
    if (c == '\n') {
        r->sub = 0;
        if (r->line_len == 0)
            set_done(r);
        r->line_len = 0;
        return OM_OK;
    }
    if (c == 0)
        return fail(r, M_NUL_IN_TRAILER, i);
    r->line_len = 1; /* this line is not the empty one */
    return OM_OK;
}

/* Hands p[0..n) of the body on. Over body_max, the bytes up to the cap
 * are still passed on, so the outcome does not depend on how the input
 * was split. */
static int deliver(om_http_resp_t *r, const uint8_t *p, size_t n, size_t i)
{
    size_t k = n;
    int rc;

    if (r->body_max != 0 && n > r->body_max - r->body_len)
        k = (size_t)(r->body_max - r->body_len);
    if (k > 0) {
        r->body_len += k;
        if (r->on_body != NULL) {
            rc = r->on_body(r->ctx, p, k);
            if (rc != 0) {
                fail(r, M_STOPPED_BY_THE_BODY_CALLBACK, i);
                r->err = rc; /* the callback's own error */
                return rc;
            }
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
        size_t k = n - i;

        switch (r->state) {
        case S_STATUS:
        case S_HEADER:
            rc = head_byte(r, p[i], i);
            i++;
            break;
        case S_BODY_LEN:
        case S_CHUNK_DATA:
            if (k > r->remain)
                k = (size_t)r->remain;
            rc = deliver(r, p + i, k, i);
            i += k;
            r->remain -= k;
            if (r->remain == 0) {
                if (r->state == S_BODY_LEN)
                    set_done(r);
                else
                    r->state = S_CHUNK_DATA_END;
            }
            break;
        case S_BODY_CLOSE:
            rc = deliver(r, p + i, k, i);
            i = n;
            break;
        case S_CHUNK_SIZE:
            rc = chunk_size_byte(r, p[i], i);
            i++;
            break;
        case S_CHUNK_DATA_END: /* CRLF or LF */
        case S_CHUNK_DATA_LF:  /* the LF after a CR */
            if (p[i] == '\r' && r->state == S_CHUNK_DATA_END)
                r->state = S_CHUNK_DATA_LF;
            else if (p[i] == '\n')
                r->state = S_CHUNK_SIZE;
            else
                rc = fail(r, M_NO_CRLF_AFTER_CHUNK_DATA, i);
            i++;
            break;
        case S_TRAILER:
            rc = trailer_byte(r, p[i], i);
            i++;
            break;
        default: /* S_DONE */
            r->flags |= OM_HTTP_F_EXTRA;
            i = n;
            break;
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
        set_done(r);
    if (r->state == S_DONE)
        return OM_OK;
    return fail(r, (r->flags & OM_HTTP_F_HEAD) ? M_CONNECTION_CLOSED_INSIDE_THE_BODY
                                               : M_CONNECTION_CLOSED_INSIDE_THE_HEAD,
                0);
}
