/*
 * om_serve.c - the dashboard endpoint: a bounded HTTP/1.x request parser
 * fed byte by byte, routing, and responses generated on demand through an
 * om_write_fn. No socket, no clock of its own, no allocation.
 */
#include "om_serve.h"

#include <string.h>

#include "om_fetch.h"
#include "om_internal.h"
#include "om_page.h" /* om_page_html[]: web/settings.html, generated */

enum { ST_HEAD, ST_BODY, ST_DONE };
enum { M_OTHER, M_GET, M_POST };
enum { R_NONE, R_PAGE, R_MODELS, R_SELECTION };
enum { RF_NONE, RF_UPDATED, RF_NOT_MODIFIED, RF_FRESH, RF_FAILED,
       RF_DISABLED, RF_LIMITED };

static const char *const refresh_words[] = {
    "", "updated", "not-modified", "fresh", "failed", "disabled",
    "rate-limited"};

const char *om_serve_page(size_t *len)
{
    *len = sizeof om_page_html;
    return (const char *)om_page_html;
}

void om_serve_req_init(om_serve_req_t *r)
{
    memset(r, 0, sizeof *r);
}

/* Refuses the request with status and a static detail; feed then stops. */
static int refuse(om_serve_req_t *r, unsigned status, const char *detail)
{
    r->status = (uint16_t)status;
    r->detail = detail;
    r->state = ST_DONE;
    return 1;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Case-insensitive: does s[0..n) equal lit? */
static int ieq(const char *s, size_t n, const char *lit)
{
    size_t i;
    for (i = 0; i < n && lit[i]; i++)
        if (lower((unsigned char)s[i]) != lit[i])
            return 0;
    return i == n && lit[i] == '\0';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Percent-decodes s[0..n) ('+' is a space) into out (cap with the NUL),
 * unprintable bytes as '?'. Returns the length, or -1 for a bad %xx or
 * when out is too small. */
static int pct_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t i, k = 0;
    for (i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            int h, l;
            if (i + 2 >= n || (h = hexval(s[i + 1])) < 0 ||
                (l = hexval(s[i + 2])) < 0)
                return -1;
            c = h * 16 + l;
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (k + 1 >= cap)
            return -1;
        out[k++] = (char)(c < 0x20 || c >= 0x7f ? '?' : c);
    }
    out[k] = '\0';
    return (int)k;
}

/* The query string of /models: provider and force_refresh. */
static int parse_query(om_serve_req_t *r, const char *q, size_t n)
{
    char val[48];
    size_t i = 0;
    memcpy(r->provider, "openrouter", 11);
    while (i < n) {
        size_t s = i, eq = 0, kn;
        int vn;
        while (i < n && q[i] != '&') {
            if (q[i] == '=' && !eq)
                eq = i;
            i++;
        }
        kn = (eq ? eq : i) - s;
        vn = eq ? pct_decode(q + eq + 1, i - eq - 1, val, sizeof val) : 0;
        if (!eq)
            val[0] = '\0';
        if (kn == 8 && !memcmp(q + s, "provider", 8)) {
            if (vn < 0)
                return refuse(r, 400, "provider: bad or too long value");
            memcpy(r->provider, val, (size_t)vn + 1);
        } else if (kn == 13 && !memcmp(q + s, "force_refresh", 13)) {
            if (vn < 0)
                return refuse(r, 400, "force_refresh must be true or false");
            if (!strcmp(val, "true") || !strcmp(val, "1"))
                r->force = 1;
            else if (!strcmp(val, "false") || !strcmp(val, "0") || !val[0])
                r->force = 0;
            else
                return refuse(r, 400, "force_refresh must be true or false");
        }
        i++; /* the & */
    }
    return 0;
}

/* METHOD SP /path[?query] SP HTTP/1.x */
static int request_line(om_serve_req_t *r, const char *l, size_t n)
{
    const char *sp1 = memchr(l, ' ', n), *sp2, *q;
    size_t tn, pn;
    if (r->line_cut)
        return refuse(r, 414, "request line too long");
    if (!sp1)
        return refuse(r, 400, "malformed request line");
    sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - l));
    if (!sp2 || sp2 == sp1 + 1)
        return refuse(r, 400, "malformed request line");
    if ((size_t)(l + n - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7))
        return memcmp(sp2 + 1, "HTTP/", 5)
                   ? refuse(r, 400, "malformed request line")
                   : refuse(r, 505, "only HTTP/1.0 and HTTP/1.1 are served");
    if (sp2[8] != '0' && sp2[8] != '1')
        return refuse(r, 505, "only HTTP/1.0 and HTTP/1.1 are served");
    r->http10 = sp2[8] == '0';
    if (sp1 - l == 3 && !memcmp(l, "GET", 3))
        r->method = M_GET;
    else if (sp1 - l == 4 && !memcmp(l, "POST", 4))
        r->method = M_POST;
    tn = (size_t)(sp2 - sp1 - 1);
    if (sp1[1] != '/')
        return refuse(r, 400, "the target must be a path");
    q = memchr(sp1 + 1, '?', tn);
    pn = q ? (size_t)(q - sp1 - 1) : tn;
    if (pn == 1)
        r->route = R_PAGE;
    else if (pn == 7 && !memcmp(sp1 + 1, "/models", 7))
        r->route = R_MODELS;
    else if (pn == 10 && !memcmp(sp1 + 1, "/selection", 10))
        r->route = R_SELECTION;
    else
        r->route = R_NONE;
    if (r->route == R_MODELS && q)
        return parse_query(r, q + 1, tn - pn - 1);
    if (r->route == R_MODELS)
        memcpy(r->provider, "openrouter", 11);
    return 0;
}

/* "127.0.0.1", "localhost" or "[::1]", with an optional :port. */
static int loopback_host(const char *h, size_t n)
{
    size_t i = n;
    if (n && h[0] == '[') {
        const char *b = memchr(h, ']', n);
        if (!b)
            return 0;
        i = (size_t)(b - h) + 1;
    } else {
        const char *c = memchr(h, ':', n);
        if (c)
            i = (size_t)(c - h);
    }
    if (i < n) { /* the port: digits only */
        size_t k;
        if (h[i] != ':' || i + 1 == n)
            return 0;
        for (k = i + 1; k < n; k++)
            if (h[k] < '0' || h[k] > '9')
                return 0;
    }
    return ieq(h, i, "127.0.0.1") || ieq(h, i, "localhost") ||
           ieq(h, i, "[::1]");
}

static int header_line(om_serve_req_t *r, const char *l, size_t n)
{
    const char *colon = memchr(l, ':', n), *v, *e = l + n;
    size_t nn, i;
    if (l[0] == ' ' || l[0] == '\t')
        return refuse(r, 400, "folded header lines are not accepted");
    if (!colon || colon == l)
        return refuse(r, 400, "malformed header line");
    nn = (size_t)(colon - l);
    for (i = 0; i < nn; i++) {
        unsigned char c = (unsigned char)l[i];
        if (c <= ' ' || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c))
            return refuse(r, 400, "malformed header name");
    }
    for (v = colon + 1; v < e && (*v == ' ' || *v == '\t'); v++)
        ;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    if (ieq(l, nn, "content-length")) {
        uint32_t len = 0;
        if (r->line_cut || v == e || e - v > 9)
            return refuse(r, 400, "bad Content-Length");
        for (; v < e; v++) {
            if (*v < '0' || *v > '9')
                return refuse(r, 400, "bad Content-Length");
            len = len * 10 + (uint32_t)(*v - '0');
        }
        if (r->has_len && len != r->content_length)
            return refuse(r, 400, "conflicting Content-Length");
        r->has_len = 1;
        r->content_length = len;
    } else if (ieq(l, nn, "transfer-encoding")) {
        return refuse(r, 501, "chunked request bodies are not supported");
    } else if (ieq(l, nn, "host")) {
        if (r->has_host)
            return refuse(r, 400, "Host given twice");
        r->has_host = 1;
        if (r->line_cut || !loopback_host(v, (size_t)(e - v)))
            r->host_bad = 1;
    } else if (ieq(l, nn, "origin")) {
        /* Only a page served from loopback may call us (CSRF, rebinding). */
        if (r->line_cut || (size_t)(e - v) < 7 || memcmp(v, "http://", 7) ||
            !loopback_host(v + 7, (size_t)(e - v - 7)))
            r->host_bad = 1;
    } else if (ieq(l, nn, "content-type")) {
        r->json_ct = (size_t)(e - v) >= 16 && ieq(v, 16, "application/json") &&
                     ((size_t)(e - v) == 16 || v[16] == ';' || v[16] == ' ');
    }
    return 0;
}

/* The blank line: the head is complete. */
static int end_of_head(om_serve_req_t *r)
{
    if (!r->has_host && !r->http10)
        return refuse(r, 400, "HTTP/1.1 needs a Host header");
    if (r->content_length > OM_SERVE_BODY_MAX)
        return refuse(r, 413, "request body too large");
    if (r->method == M_POST && !r->has_len)
        return refuse(r, 411, "a POST needs a Content-Length");
    if (r->content_length == 0) {
        r->state = ST_DONE;
        return 1;
    }
    r->state = ST_BODY;
    return 0;
}

static int end_of_line(om_serve_req_t *r)
{
    size_t n = r->line_len;
    r->line_len = 0;
    r->line[n < sizeof r->line ? n : sizeof r->line - 1] = '\0';
    if (!r->got_line) {
        if (n == 0 && !r->line_cut)
            return 0; /* a stray CRLF before the request line */
        r->got_line = 1;
        return request_line(r, r->line, n);
    }
    if (n == 0 && !r->line_cut)
        return end_of_head(r);
    if (header_line(r, r->line, n))
        return 1;
    r->line_cut = 0;
    return 0;
}

int om_serve_feed(om_serve_req_t *r, const void *buf, size_t len, size_t *used)
{
    const char *p = (const char *)buf;
    size_t i;
    int done = r->state == ST_DONE;

    for (i = 0; i < len && !done; i++) {
        char c = p[i];
        if (r->state == ST_BODY) {
            size_t want = r->content_length - r->body_len, take = len - i;
            if (take > want)
                take = want;
            memcpy(r->body + r->body_len, p + i, take);
            r->body_len += (uint32_t)take;
            r->body[r->body_len] = '\0';
            i += take - 1;
            if (r->body_len == r->content_length) {
                r->state = ST_DONE;
                done = 1;
            }
            continue;
        }
        if (++r->head_bytes > OM_SERVE_HEAD_MAX) {
            done = r->got_line ? refuse(r, 431, "request head too large")
                               : refuse(r, 414, "request line too long");
            continue;
        }
        if (r->pending_cr && c != '\n') {
            done = refuse(r, 400, "a bare CR in the request head");
            continue;
        }
        if (c == '\r') {
            r->pending_cr = 1;
        } else if (c == '\n') {
            r->pending_cr = 0;
            done = end_of_line(r);
        } else if (c == '\0') {
            done = refuse(r, 400, "a NUL in the request head");
        } else if ((size_t)r->line_len + 1 < sizeof r->line) {
            r->line[r->line_len++] = c;
        } else {
            r->line_cut = 1;
        }
    }
    if (used)
        *used = i;
    return done || r->state == ST_DONE;
}

int om_serve_wants_refresh(om_serve_t *s, om_serve_req_t *r)
{
    uint32_t now, since;
    if (r->state != ST_DONE || r->status || r->route != R_MODELS ||
        r->method != M_GET || !r->force || strcmp(r->provider, "openrouter"))
        return 0;
    if (s->no_refresh) {
        r->refresh = RF_DISABLED;
        return 0;
    }
    now = s->clk->now_ms(s->clk->ctx);
    since = now - s->last_force_ms; /* wraps correctly */
    if (s->forced && since < OM_SERVE_FORCE_MIN_MS) {
        r->refresh = RF_LIMITED;
        r->retry_s = (OM_SERVE_FORCE_MIN_MS - since + 999u) / 1000u;
        return 0;
    }
    s->forced = 1;
    s->last_force_ms = now;
    return 1;
}

void om_serve_refreshed(om_serve_req_t *r, int outcome)
{
    switch (outcome) {
    case OM_REFRESH_UPDATED: r->refresh = RF_UPDATED; break;
    case OM_REFRESH_NOT_MODIFIED: r->refresh = RF_NOT_MODIFIED; break;
    case OM_REFRESH_FRESH: r->refresh = RF_FRESH; break;
    case OM_REFRESH_OFFLINE: r->refresh = RF_DISABLED; break;
    default: r->refresh = RF_FAILED; break;
    }
}

/* Appends s to r->text at *n. */
static void text_add(om_serve_req_t *r, size_t *n, const char *s)
{
    while (*s && *n + 1 < sizeof r->text)
        r->text[(*n)++] = *s++;
    r->text[*n] = '\0';
}

/* {"id":"..."} and nothing else; the id into r->text. Returns its length
 * or -1. */
static int parse_selection(om_serve_req_t *r)
{
    const char *p = r->body, *e = r->body + r->body_len, *s;
    int n, cut = 0;
#define WS() while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++
    WS();
    if (p == e || *p++ != '{')
        return -1;
    WS();
    if (e - p < 4 || memcmp(p, "\"id\"", 4))
        return -1;
    p += 4;
    WS();
    if (p == e || *p++ != ':')
        return -1;
    WS();
    if (p == e || *p++ != '"')
        return -1;
    for (s = p; p < e && *p != '"'; p++)
        if (*p == '\\' && p + 1 < e)
            p++;
    if (p == e)
        return -1;
    n = om_json_unescape(s, (size_t)(p - s), r->text, OM_ID_MAX, 0, &cut);
    if (n <= 0 || cut)
        return -1;
    r->text[n] = '\0';
    p++;
    WS();
    if (p == e || *p++ != '}')
        return -1;
    WS();
#undef WS
    return p == e ? n : -1;
}

int om_serve_handle(om_serve_t *s, om_serve_req_t *r, const om_table_t *t)
{
    size_t n = 0;
    int e;
    if (r->handled)
        return r->status;
    r->handled = 1;
    if (r->status)
        return r->status;
    if (s->host_check && r->host_bad)
        return refuse(r, 403, "only pages on this computer may use this "
                              "server"), r->status;
    if (r->route == R_NONE)
        return refuse(r, 404, "not found"), r->status;
    if (r->method == M_OTHER ||
        (r->method == M_POST && r->route != R_SELECTION))
        return refuse(r, 405, "method not allowed"), r->status;
    r->status = 200;
    if (r->route == R_MODELS && strcmp(r->provider, "openrouter")) {
        text_add(r, &n, "Provider ");
        text_add(r, &n, r->provider);
        text_add(r, &n, " not supported");
        r->status = 400;
    } else if (r->route == R_SELECTION && r->method == M_GET) {
        e = s->store->sel_load(s->store->ctx, r->text, sizeof r->text);
        r->sel = e > 0;
        if (e <= 0)
            r->text[0] = '\0';
        if (e < 0 && e != OM_ERR_NOTFOUND && e != OM_ERR_CORRUPT)
            refuse(r, 500, "cannot read the saved selection");
    } else if (r->route == R_SELECTION) {
        if (!r->json_ct)
            return refuse(r, 415, "send the selection as application/json"),
                   r->status;
        if ((e = parse_selection(r)) < 0)
            return refuse(r, 400, "expected {\"id\":\"provider/model\"}"),
                   r->status;
        if (!t || om_table_find(t, r->text, (size_t)e) < 0) {
            char id[OM_ID_MAX + 1];
            memcpy(id, r->text, (size_t)e + 1);
            text_add(r, &n, "Model ");
            text_add(r, &n, id);
            text_add(r, &n, " is not in the list");
            r->status = 400;
        } else if (s->store->sel_save(s->store->ctx, r->text) != OM_OK) {
            refuse(r, 500, "cannot save the selection");
        } else {
            r->sel = 1;
        }
    }
    return r->status;
}

/* ------------------------------------------------------------ responses */

static int put(om_write_fn w, void *ctx, const char *s)
{
    return w(ctx, s, strlen(s));
}

static int put_u64(om_write_fn w, void *ctx, uint64_t v)
{
    char d[21];
    size_t i = sizeof d;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return w(ctx, d + i, sizeof d - i);
}

static const char *reason(unsigned status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Internal Server Error";
    }
}

static int write_body(const om_serve_req_t *r, const om_table_t *t,
                      om_write_fn w, void *ctx)
{
    int e;
    if (r->status == 200 && r->route == R_PAGE)
        return w(ctx, om_page_html, sizeof om_page_html);
    if (r->status == 200 && r->route == R_MODELS)
        return t ? om_json_write_models(t, NULL, 0, w, ctx)
                 : put(w, ctx, "{\"models\":[],\"updated_at\":\"\"}");
    if (r->status == 200 && r->route == R_SELECTION) {
        size_t n = strlen(r->text);
        if ((e = put(w, ctx, "{\"id\":")) != 0 ||
            (e = r->sel ? om_json_write_string(r->text, n, w, ctx)
                        : put(w, ctx, "null")) != 0)
            return e;
        return put(w, ctx, r->sel && t && om_table_find(t, r->text, n) >= 0
                               ? ",\"listed\":true}" : ",\"listed\":false}");
    }
    {
        const char *d = r->detail ? r->detail : r->text;
        if ((e = put(w, ctx, "{\"detail\":")) != 0 ||
            (e = om_json_write_string(d, strlen(d), w, ctx)) != 0)
            return e;
        return put(w, ctx, "}");
    }
}

static int count_write(void *ctx, const void *buf, size_t len)
{
    (void)buf;
    *(uint64_t *)ctx += len;
    return 0;
}

int om_serve_write(const om_serve_req_t *r, const om_table_t *t,
                   om_write_fn w, void *ctx)
{
    uint64_t len = 0;
    unsigned st = r->status ? r->status : 500;
    int e, page = st == 200 && r->route == R_PAGE;

    write_body(r, t, count_write, &len);
    if ((e = put(w, ctx, "HTTP/1.1 ")) != 0 ||
        (e = put_u64(w, ctx, st)) != 0 || (e = put(w, ctx, " ")) != 0 ||
        (e = put(w, ctx, reason(st))) != 0 ||
        (e = put(w, ctx, page ? "\r\nContent-Type: text/html; charset=utf-8"
                                "\r\nContent-Security-Policy: default-src "
                                "'none'; script-src 'unsafe-inline'; "
                                "style-src 'unsafe-inline'; connect-src 'self'"
                                "\r\nX-Frame-Options: DENY"
                              : "\r\nContent-Type: application/json")) != 0 ||
        (e = put(w, ctx, "\r\nContent-Length: ")) != 0 ||
        (e = put_u64(w, ctx, len)) != 0 ||
        (e = put(w, ctx, "\r\nCache-Control: no-store\r\n"
                         "X-Content-Type-Options: nosniff\r\n")) != 0)
        return e;
    if (r->refresh && st == 200 &&
        ((e = put(w, ctx, OM_SERVE_HDR_REFRESH ": ")) != 0 ||
         (e = put(w, ctx, refresh_words[r->refresh])) != 0 ||
         (e = put(w, ctx, "\r\n")) != 0))
        return e;
    if (r->refresh == RF_LIMITED && st == 200 &&
        ((e = put(w, ctx, "Retry-After: ")) != 0 ||
         (e = put_u64(w, ctx, r->retry_s)) != 0 ||
         (e = put(w, ctx, "\r\n")) != 0))
        return e;
    if (st == 405 && (e = put(w, ctx, r->route == R_SELECTION
                                          ? "Allow: GET, POST\r\n"
                                          : "Allow: GET\r\n")) != 0)
        return e;
    if ((e = put(w, ctx, "Connection: close\r\n\r\n")) != 0)
        return e;
    return write_body(r, t, w, ctx);
}

/* Keeps the bytes [skip, skip + cap) of what is written, then stops. */
struct window {
    uint64_t skip;
    char *buf;
    size_t cap, got;
};

#define WINDOW_FULL 1 /* not an om_err: ends the generation early */

static int window_write(void *ctx, const void *buf, size_t len)
{
    struct window *wd = (struct window *)ctx;
    const char *p = (const char *)buf;
    size_t take;
    if (wd->skip >= len) {
        wd->skip -= len;
        return 0;
    }
    p += wd->skip;
    len -= (size_t)wd->skip;
    wd->skip = 0;
    take = wd->cap - wd->got < len ? wd->cap - wd->got : len;
    memcpy(wd->buf + wd->got, p, take);
    wd->got += take;
    return wd->got == wd->cap ? WINDOW_FULL : 0;
}

int om_serve_pull(const om_serve_req_t *r, const om_table_t *t, uint64_t off,
                  void *buf, size_t cap)
{
    struct window wd;
    int e;
    if (!buf || cap == 0)
        return OM_ERR_INVAL;
    if (cap > 0x7fffffff)
        cap = 0x7fffffff;
    wd.skip = off;
    wd.buf = (char *)buf;
    wd.cap = cap;
    wd.got = 0;
    e = om_serve_write(r, t, window_write, &wd);
    if (e != 0 && e != WINDOW_FULL)
        return e;
    return (int)wd.got;
}
