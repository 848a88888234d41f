/*
 * om_http.h - the pure parts of an HTTP/1.1 client: a GET request writer,
 * a response parser fed the raw bytes in pieces of any size, and an
 * HTTP-date reader. No I/O and no heap: the transport reads, this decides
 * what the bytes mean. Internal to ormodels.
 */
#ifndef OM_HTTP_H
#define OM_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "ormodels.h"

/* --------------------------------------------------------------- limits */

/* Bytes of the one line buffer every head line goes through (128..8192;
 * default: the longest kept line, "Location: " with an OM_URL_MAX URL or
 * "ETag: " with an OM_ETAG_MAX tag, plus a little, and at least 128). A
 * longer header line is skipped when its value is not kept, and is an
 * OM_ERR_TOOBIG when it is (Location, Content-Length, Transfer-Encoding).
 * Also the longest chunk-size line (with extensions). RAM: this many
 * bytes. */
#ifndef OM_HTTP_LINE_MAX
#if OM_URL_MAX < 112 && OM_ETAG_MAX < 112
#define OM_HTTP_LINE_MAX 128
#elif OM_URL_MAX >= OM_ETAG_MAX
#define OM_HTTP_LINE_MAX (OM_URL_MAX + 16)
#else
#define OM_HTTP_LINE_MAX (OM_ETAG_MAX + 16)
#endif
#endif

/* Bytes of status line and headers together, 1xx heads included, before
 * the response is refused with OM_ERR_TOOBIG (1024..1 MiB). */
#ifndef OM_HTTP_HEADERS_MAX
#define OM_HTTP_HEADERS_MAX 65536u
#endif

/* Header lines in one head before OM_ERR_TOOBIG (8..65535). */
#ifndef OM_HTTP_HEADER_COUNT_MAX
#define OM_HTTP_HEADER_COUNT_MAX 256u
#endif

/* Bytes of chunked trailer section, all skipped, before OM_ERR_TOOBIG. */
#ifndef OM_HTTP_TRAILERS_MAX
#define OM_HTTP_TRAILERS_MAX 4096u
#endif

#if OM_HTTP_LINE_MAX < 128 || OM_HTTP_LINE_MAX > 8192
#error "OM_HTTP_LINE_MAX must be 128..8192"
#endif
#if OM_HTTP_LINE_MAX < OM_URL_MAX + 16
#error "OM_HTTP_LINE_MAX must hold a Location header of OM_URL_MAX bytes"
#endif

/* -------------------------------------------------------------- request */

/* A GET request. Strings are NUL-terminated; NULL or "" leaves a header
 * out. */
typedef struct om_http_req {
    const char *host;              /* "openrouter.ai", or an IPv6 "::1" */
    const char *path;              /* "/api/v1/models?x=1", starts with '/' */
    const char *user_agent;        /* NULL: "ormodels/" OM_VERSION */
    const char *referer;           /* HTTP-Referer: (OpenRouter app URL) */
    const char *title;             /* X-Title: (OpenRouter app name) */
    const char *api_key;           /* Authorization: Bearer KEY */
    const char *if_none_match;     /* a saved ETag */
    const char *if_modified_since; /* a saved Last-Modified */
    uint16_t port;                 /* 0: the scheme's default */
    uint8_t https;                 /* 1: https (default port 443), 0: http */
} om_http_req_t;

/* Writes req as an HTTP/1.1 GET head into buf, NUL-terminated. Host
 * carries the port only when it is not the scheme's default. Always sent:
 * Accept: application/json, Accept-Encoding: identity, Connection: close.
 * Returns the length without the NUL; OM_ERR_INVAL when host or path is
 * missing or malformed or a value holds CR, LF or another control byte
 * (header injection); OM_ERR_NOSPACE when cap is too small (buf is then
 * "" if cap > 0). */
int om_http_build_request(char *buf, size_t cap, const om_http_req_t *req);

/* The same request, of any length, through a buffer of cap bytes
 * (cap >= 1): each time buf fills, and at the end, its bytes go to
 * w(ctx, buf, n). Nothing is written when req is invalid. Returns the
 * request's length, OM_ERR_INVAL as om_http_build_request, or w's
 * (negative) error. */
int om_http_write_request(char *buf, size_t cap, const om_http_req_t *req,
                          om_write_fn w, void *ctx);

/* ------------------------------------------------------------- response */

/* Receives body bytes p[0..n), n > 0, pointing into the caller's input
 * (no copy). Return 0 to go on; any other value stops the parser, which
 * then returns that value (use a negative om_err). */
typedef int (*om_http_body_fn)(void *ctx, const uint8_t *p, size_t n);

/* Bits of om_http_resp_t.flags. */
#define OM_HTTP_F_HEAD 0x01u    /* head parsed: status and fields are set */
#define OM_HTTP_F_DONE 0x02u    /* the response is complete */
#define OM_HTTP_F_LENGTH 0x04u  /* Content-Length given: content_length */
#define OM_HTTP_F_CHUNKED 0x08u /* Transfer-Encoding: chunked */
#define OM_HTTP_F_DATE 0x20u    /* Date header parsed into date */
#define OM_HTTP_F_EXTRA 0x40u   /* bytes came after the end (ignored) */

/* Bytes behind om_http_resp_t's kept headers: a Location, or an ETag and
 * a Last-Modified. */
#if OM_URL_MAX > OM_ETAG_MAX + OM_LASTMOD_MAX + 1
#define OM_HTTP_KEPT_SIZE (OM_URL_MAX + 1)
#else
#define OM_HTTP_KEPT_SIZE (OM_ETAG_MAX + OM_LASTMOD_MAX + 2)
#endif

/* Response parser state: place it anywhere (about 700 bytes with the
 * default limits; it points into itself, so do not copy it while in use);
 * set it up with om_http_resp_init. The caller may set body_max
 * after init; the result fields are read-only and valid once
 * OM_HTTP_F_HEAD is set; the rest is private. */
typedef struct om_http_resp {
    /* set by the caller */
    om_http_body_fn on_body; /* NULL: the body is discarded */
    void *ctx;               /* handed to on_body */
    uint64_t body_max;       /* body bytes allowed; 0 = unlimited */

    /* results */
    uint64_t content_length; /* when OM_HTTP_F_LENGTH */
    uint64_t body_len;       /* body bytes delivered so far */
    int64_t date;            /* Date in unix seconds, when OM_HTTP_F_DATE */
    int64_t retry_after;     /* Retry-After in seconds from Date; -1 none */
    int64_t retry_at;        /* Retry-After given as a date: unix seconds
                                (0 otherwise); with no Date header
                                retry_after stays -1, use your own clock */
    uint16_t status;         /* 200, 304, ... (final status; 1xx skipped) */
    uint8_t http_minor;      /* 0 for HTTP/1.0, 1 for HTTP/1.1 */
    uint8_t flags;           /* OM_HTTP_F_* */
    /* Kept headers. A client needs a Location only from a redirect and
     * validators only from other responses, so they share storage: */
    const char *location;      /* a 3xx's Location; "" when none or not 3xx */
    const char *etag;          /* ETag; "" when none, too long, or a 3xx */
    const char *last_modified; /* likewise */

    /* the first error, sticky */
    int err;                 /* 0 or the error every call returns */
    const char *err_msg;     /* static text, "bad chunk size"; NULL if none */
    uint64_t err_offset;     /* offset of the byte where it was found */

    /* private */
    uint64_t offset;     /* bytes fed before the current call */
    uint64_t remain;     /* body or chunk bytes still to come */
    uint32_t head_bytes; /* head bytes so far (then trailer bytes) */
    uint16_t line_len;   /* bytes in line[] */
    uint16_t nheaders;   /* header lines in this head */
    uint8_t state;
    uint8_t sub; /* per-state bits: CR seen, skipping, ... */
    char line[OM_HTTP_LINE_MAX];
    char kept[OM_HTTP_KEPT_SIZE]; /* behind location, or etag and
                                     last_modified */
} om_http_resp_t;

/* Starts parsing a new response; body bytes go to on_body(ctx, ...).
 * body_max is 0 (unlimited) until the caller sets it. */
void om_http_resp_init(om_http_resp_t *r, om_http_body_fn on_body, void *ctx);

/* Feeds the next n bytes read from the connection, any n. Interim 1xx
 * responses are skipped; body bytes are passed on as slices of p. Bytes
 * after the end of the response are ignored and flagged OM_HTTP_F_EXTRA.
 * Returns 0, or a negative om_err: OM_ERR_HTTP (malformed or ambiguous
 * framing), OM_ERR_TOOBIG (a limit or body_max exceeded), or on_body's
 * value. Errors are sticky, with err_msg and err_offset set. */
int om_http_resp_feed(om_http_resp_t *r, const uint8_t *p, size_t n);

/* 1 when the response is complete before the connection closes (the
 * caller may stop reading), else 0. A body delimited by the close is
 * complete only at om_http_resp_finish. */
int om_http_resp_done(const om_http_resp_t *r);

/* Tells the parser that the connection ended. Returns 0 when the
 * response is complete, OM_ERR_TRUNCATED when the head, the
 * Content-Length or the chunked body (through its last chunk and final
 * CRLF) is short, or the sticky error. */
int om_http_resp_finish(om_http_resp_t *r);

/* ----------------------------------------------------------------- date */

/* Parses the HTTP-date s[0..n): "Sun, 06 Nov 1994 08:49:37 GMT"
 * (IMF-fixdate), "Sunday, 06-Nov-94 08:49:37 GMT" (RFC 850; years 70..99
 * are 19xx, 00..69 are 20xx) or "Sun Nov  6 08:49:37 1994" (asctime).
 * Returns 0 with the unix time in *unix_out, or OM_ERR_INVAL. */
int om_http_parse_date(const char *s, size_t n, int64_t *unix_out);

#endif /* OM_HTTP_H */
