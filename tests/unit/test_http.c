/*
 * test_http.c - the HTTP/1.1 request writer, response parser and date
 * reader. Responses are fed whole, a byte at a time, and split at every
 * offset (each piece from its own heap copy, so ASan sees any read past
 * a piece); truncation is tried at every offset.
 */
#include "om_test.h"

#include "om_http.h"

/* ------------------------------------------------------------- helpers */

typedef struct sink {
    uint8_t data[16384];
    size_t len;
    unsigned calls;
    unsigned stop_at; /* answer stop_rc on this call (1-based); 0: never */
    int stop_rc;
    const uint8_t *first_p;
} sink_t;

static int sink_fn(void *ctx, const uint8_t *p, size_t n)
{
    sink_t *s = ctx;

    assert_non_null(p);
    assert_true(n > 0);
    s->calls++;
    if (s->calls == 1)
        s->first_p = p;
    if (s->stop_at != 0 && s->calls == s->stop_at)
        return s->stop_rc;
    assert_true(n <= sizeof(s->data) - s->len);
    memcpy(s->data + s->len, p, n);
    s->len += n;
    return 0;
}

static void sink_reset(sink_t *s)
{
    memset(s, 0, sizeof(*s));
}

/* Feeds p[0..n) from a heap copy of exactly n bytes. */
static int feed_copy(om_http_resp_t *r, const char *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    int rc;

    assert_non_null(c);
    memcpy(c, p, n);
    rc = om_http_resp_feed(r, c, n);
    free(c);
    return rc;
}

/* Feeds data in pieces of step bytes (0: one piece); stops at the first
 * error and returns it. */
static int feed_steps(om_http_resp_t *r, const char *data, size_t len, size_t step)
{
    size_t i = 0;

    if (step == 0)
        step = len ? len : 1;
    while (i < len) {
        size_t k = len - i < step ? len - i : step;
        int rc = feed_copy(r, data + i, k);

        if (rc != 0)
            return rc;
        i += k;
    }
    return 0;
}

/* init, body_max, feed in steps; returns feed's result. */
static int parse(om_http_resp_t *r, sink_t *s, const char *data, size_t len, size_t step,
                 uint64_t body_max)
{
    sink_reset(s);
    om_http_resp_init(r, sink_fn, s);
    r->body_max = body_max;
    return feed_steps(r, data, len, step);
}

static int parse_str(om_http_resp_t *r, sink_t *s, const char *data)
{
    return parse(r, s, data, strlen(data), 0, 0);
}

static void check_body(const sink_t *s, const char *want)
{
    assert_int_equal(s->len, strlen(want));
    assert_memory_equal(s->data, want, s->len);
}

/* Offset just past the head (the "\r\n\r\n"). */
static size_t head_len(const char *resp)
{
    const char *e = strstr(resp, "\r\n\r\n");

    assert_non_null(e);
    return (size_t)(e - resp) + 4;
}

/* Appends to a response under construction. */
typedef struct text {
    char buf[140000];
    size_t len;
} text_t;

static void add(text_t *t, const char *s)
{
    size_t n = strlen(s);

    assert_true(n < sizeof(t->buf) - t->len);
    memcpy(t->buf + t->len, s, n + 1);
    t->len += n;
}

static void add_rep(text_t *t, char c, size_t n)
{
    assert_true(n < sizeof(t->buf) - t->len);
    memset(t->buf + t->len, c, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static text_t text; /* one big scratch response, reset per use */

static text_t *text_new(void)
{
    text.len = 0;
    text.buf[0] = '\0';
    return &text;
}

/* ------------------------------------------------------------ fixtures */

static const char CL_RESP[] = "HTTP/1.1 200 OK\r\n"
                              "Content-Type: application/json\r\n"
                              "Content-Length: 11\r\n"
                              "\r\n"
                              "hello world";

static const char CHUNKED_RESP[] = "HTTP/1.1 200 OK\r\n"
                                   "Transfer-Encoding: chunked\r\n"
                                   "ETag: \"v1\"\r\n"
                                   "\r\n"
                                   "5;name=val\r\n"
                                   "hello\r\n"
                                   "000B ; a=\"b;c\"\r\n"
                                   " world, 123\r\n"
                                   "0;last\r\n"
                                   "X-Trailer: 1\r\n"
                                   "Checksum: abc\r\n"
                                   "\r\n";
#define CHUNKED_BODY "hello world, 123"

static void check_chunked_result(const om_http_resp_t *r, const sink_t *s)
{
    assert_int_equal(r->err, 0);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->http_minor, 1);
    assert_int_equal(r->flags, OM_HTTP_F_HEAD | OM_HTTP_F_DONE | OM_HTTP_F_CHUNKED);
    assert_string_equal(r->etag, "\"v1\"");
    assert_int_equal(r->body_len, 16);
    assert_true(om_http_resp_done(r));
    check_body(s, CHUNKED_BODY);
}

/* ============================================================ requests */

static void test_request_full(void **state)
{
    static const char want[] = "GET /api/v1/models?x=1 HTTP/1.1\r\n"
                               "Host: openrouter.ai\r\n"
                               "User-Agent: ormodels/" OM_VERSION "\r\n"
                               "Accept: application/json\r\n"
                               "Accept-Encoding: identity\r\n"
                               "Connection: close\r\n"
                               "Authorization: Bearer sk-or-v1-abc\r\n"
                               "HTTP-Referer: https://example.com/app\r\n"
                               "X-Title: My App\r\n"
                               "If-None-Match: W/\"123\"\r\n"
                               "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                               "\r\n";
    om_http_req_t q;
    char buf[1024];
    size_t n;
    int rc;

    (void)state;
    memset(&q, 0, sizeof(q));
    q.host = "openrouter.ai";
    q.path = "/api/v1/models?x=1";
    q.https = 1;
    q.port = 443;
    q.api_key = "sk-or-v1-abc";
    q.referer = "https://example.com/app";
    q.title = "My App";
    q.if_none_match = "W/\"123\"";
    q.if_modified_since = "Sun, 06 Nov 1994 08:49:37 GMT";
    rc = om_http_build_request(buf, sizeof(buf), &q);
    assert_int_equal(rc, (int)strlen(want));
    assert_string_equal(buf, want);

    /* every smaller buffer is refused and left "" */
    n = strlen(want);
    for (size_t cap = 0; cap <= n; cap++) {
        memset(buf, 'x', sizeof(buf));
        assert_int_equal(om_http_build_request(buf, cap, &q), OM_ERR_NOSPACE);
        if (cap > 0)
            assert_int_equal(buf[0], '\0');
        assert_int_equal(buf[cap], 'x'); /* nothing written past cap */
    }
    assert_int_equal(om_http_build_request(buf, n + 1, &q), (int)n);
    assert_string_equal(buf, want);
}

/* Collects what om_http_write_request flushes. */
typedef struct wsink {
    char data[4096];
    size_t len;
    unsigned calls;
    size_t biggest;
    unsigned fail_at; /* answer OM_ERR_IO on this call (1-based); 0: never */
} wsink_t;

static int wsink_fn(void *ctx, const void *p, size_t n)
{
    wsink_t *w = ctx;

    assert_true(n > 0);
    w->calls++;
    if (w->fail_at != 0 && w->calls == w->fail_at)
        return OM_ERR_IO;
    if (n > w->biggest)
        w->biggest = n;
    assert_true(n <= sizeof(w->data) - w->len);
    memcpy(w->data + w->len, p, n);
    w->len += n;
    return 0;
}

static void test_request_streamed(void **state)
{
    static char key[1500];
    static char want[2048];
    om_http_req_t q;
    wsink_t w;
    char buf[600];
    size_t cap;
    int n;

    (void)state;
    memset(&q, 0, sizeof(q));
    q.host = "openrouter.ai";
    q.path = "/api/v1/models";
    q.https = 1;
    q.if_none_match = "W/\"123\"";
    memset(key, 'k', sizeof(key) - 1);
    q.api_key = key; /* a request longer than any buffer below */
    n = om_http_build_request(want, sizeof(want), &q);
    assert_true(n > (int)sizeof(key));
    /* through every buffer size: the same bytes, in pieces of cap */
    for (cap = 1; cap <= sizeof(buf); cap += (cap < 40 ? 1 : 37)) {
        memset(&w, 0, sizeof(w));
        assert_int_equal(om_http_write_request(buf, cap, &q, wsink_fn, &w), n);
        assert_int_equal(w.len, (size_t)n);
        assert_memory_equal(w.data, want, (size_t)n);
        assert_true(w.biggest <= cap);
        assert_int_equal(w.calls, ((size_t)n + cap - 1) / cap);
    }
    /* the writer's error ends it */
    memset(&w, 0, sizeof(w));
    w.fail_at = 2;
    assert_int_equal(om_http_write_request(buf, 512, &q, wsink_fn, &w), OM_ERR_IO);
    assert_int_equal(w.calls, 2);
    /* an invalid request writes nothing */
    memset(&w, 0, sizeof(w));
    q.title = "a\r\nX-Evil: 1";
    assert_int_equal(om_http_write_request(buf, 512, &q, wsink_fn, &w), OM_ERR_INVAL);
    assert_int_equal(w.calls, 0);
    q.title = NULL;
    q.path = "relative";
    assert_int_equal(om_http_write_request(buf, 512, &q, wsink_fn, &w), OM_ERR_INVAL);
    assert_int_equal(om_http_write_request(buf, 512, NULL, wsink_fn, &w), OM_ERR_INVAL);
    assert_int_equal(om_http_write_request(buf, 0, &q, wsink_fn, &w), OM_ERR_INVAL);
    assert_int_equal(om_http_write_request(buf, 512, &q, NULL, NULL), OM_ERR_INVAL);
    assert_int_equal(w.calls, 0);
}

static void test_request_minimal(void **state)
{
    static const char want[] = "GET / HTTP/1.1\r\n"
                               "Host: openrouter.ai\r\n"
                               "User-Agent: ormodels/" OM_VERSION "\r\n"
                               "Accept: application/json\r\n"
                               "Accept-Encoding: identity\r\n"
                               "Connection: close\r\n"
                               "\r\n";
    om_http_req_t q;
    char buf[512];

    (void)state;
    memset(&q, 0, sizeof(q));
    q.host = "openrouter.ai";
    q.path = "/";
    q.https = 1;
    assert_int_equal(om_http_build_request(buf, sizeof(buf), &q), (int)strlen(want));
    assert_string_equal(buf, want);
    assert_null(strstr(buf, "Authorization"));

    /* empty strings leave headers out, the key above all */
    q.api_key = "";
    q.referer = "";
    q.title = "";
    q.if_none_match = "";
    q.if_modified_since = "";
    q.user_agent = "";
    assert_int_equal(om_http_build_request(buf, sizeof(buf), &q), (int)strlen(want));
    assert_string_equal(buf, want);
    assert_null(strstr(buf, "Bearer"));

    q.user_agent = "probe/2";
    assert_true(om_http_build_request(buf, sizeof(buf), &q) > 0);
    assert_non_null(strstr(buf, "\r\nUser-Agent: probe/2\r\n"));
    assert_null(strstr(buf, "ormodels/"));
}

static void test_request_host_port(void **state)
{
    static const struct {
        const char *host;
        int https;
        unsigned port;
        const char *want;
    } cases[] = {
        {"openrouter.ai", 1, 0, "\r\nHost: openrouter.ai\r\n"},
        {"openrouter.ai", 1, 443, "\r\nHost: openrouter.ai\r\n"},
        {"openrouter.ai", 1, 8443, "\r\nHost: openrouter.ai:8443\r\n"},
        {"openrouter.ai", 1, 80, "\r\nHost: openrouter.ai:80\r\n"},
        {"localhost", 0, 80, "\r\nHost: localhost\r\n"},
        {"localhost", 0, 0, "\r\nHost: localhost\r\n"},
        {"localhost", 0, 443, "\r\nHost: localhost:443\r\n"},
        {"localhost", 0, 65535, "\r\nHost: localhost:65535\r\n"},
        {"::1", 0, 8080, "\r\nHost: [::1]:8080\r\n"},
        {"::1", 1, 443, "\r\nHost: [::1]\r\n"},
        {"[::1]", 1, 1, "\r\nHost: [::1]:1\r\n"},
    };
    om_http_req_t q;
    char buf[512];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&q, 0, sizeof(q));
        q.host = cases[i].host;
        q.https = (uint8_t)cases[i].https;
        q.port = (uint16_t)cases[i].port;
        q.path = "/m";
        assert_true(om_http_build_request(buf, sizeof(buf), &q) > 0);
        if (strstr(buf, cases[i].want) == NULL)
            fail_msg("case %zu: no \"%s\" in\n%s", i, cases[i].want, buf);
        assert_int_equal(strncmp(buf, "GET /m HTTP/1.1\r\nHost: ", 23), 0);
    }
}

static void test_request_injection(void **state)
{
    static const char *const bad[] = {"a\r\nX-Evil: 1", "a\nb", "a\rb", "a\x01", "a\x7f"};
    om_http_req_t q;
    char buf[1024];
    size_t i;
    int f;

    (void)state;
    for (f = 0; f < 7; f++) {
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            memset(&q, 0, sizeof(q));
            q.host = "h";
            q.path = "/";
            switch (f) {
            case 0: q.user_agent = bad[i]; break;
            case 1: q.referer = bad[i]; break;
            case 2: q.title = bad[i]; break;
            case 3: q.api_key = bad[i]; break;
            case 4: q.if_none_match = bad[i]; break;
            case 5: q.if_modified_since = bad[i]; break;
            default: q.path = "/a\r\nX: y"; break;
            }
            memset(buf, 'x', sizeof(buf));
            assert_int_equal(om_http_build_request(buf, sizeof(buf), &q), OM_ERR_INVAL);
            assert_int_equal(buf[0], '\0');
        }
    }
    /* a tab inside a value is allowed */
    memset(&q, 0, sizeof(q));
    q.host = "h";
    q.path = "/";
    q.title = "a\tb";
    assert_true(om_http_build_request(buf, sizeof(buf), &q) > 0);
    assert_non_null(strstr(buf, "\r\nX-Title: a\tb\r\n"));

    /* host and path */
    {
        static const char *const hosts[] = {NULL, "", "a b", "a\r\nb", "a/b", "u@h", "h\t"};
        static const char *const paths[] = {NULL, "", "x", "/a b", "/\x80", "/\t", "*"};

        for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
            memset(&q, 0, sizeof(q));
            q.host = hosts[i];
            q.path = "/";
            assert_int_equal(om_http_build_request(buf, sizeof(buf), &q), OM_ERR_INVAL);
        }
        for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
            memset(&q, 0, sizeof(q));
            q.host = "h";
            q.path = paths[i];
            assert_int_equal(om_http_build_request(buf, sizeof(buf), &q), OM_ERR_INVAL);
        }
    }
    assert_int_equal(om_http_build_request(NULL, 10, &q), OM_ERR_INVAL);
    assert_int_equal(om_http_build_request(buf, sizeof(buf), NULL), OM_ERR_INVAL);
}

/* ================================================================ dates */

static void test_date_forms(void **state)
{
    static const struct {
        const char *s;
        int rc;
        int64_t t;
    } cases[] = {
        {"Sun, 06 Nov 1994 08:49:37 GMT", 0, 784111777},
        {"Sunday, 06-Nov-94 08:49:37 GMT", 0, 784111777},
        {"Sun Nov  6 08:49:37 1994", 0, 784111777},
        {"Sun Nov 06 08:49:37 1994", 0, 784111777},
        {"Thu, 01 Jan 1970 00:00:00 GMT", 0, 0},
        {"Wed, 31 Dec 1969 23:59:59 GMT", 0, -1},
        {"Tue, 19 Jan 2038 03:14:08 GMT", 0, 2147483648LL},
        {"Tue, 29 Feb 2000 12:00:00 GMT", 0, 951825600},
        {"Thu, 29 Feb 2024 00:00:00 GMT", 0, 1709164800},
        {"Thu, 12 Feb 2026 00:00:00 GMT", 0, 1770854400},
        {"Fri, 31 Dec 9999 23:59:59 GMT", 0, 253402300799LL},
        {"thu, 12 FEB 2026 00:00:00 GMT", 0, 1770854400},
        {"Thursday, 12-Feb-26 00:00:00 GMT", 0, 1770854400},
        {"Wednesday, 31-Dec-69 23:59:59 GMT", 0, 3155759999LL},
        {"Thursday, 01-Jan-70 00:00:00 GMT", 0, 0},
        {"Thu Feb 12 00:00:00 2026", 0, 1770854400},
        {"Sat, 31 Dec 2016 23:59:60 GMT", 0, 1483228800},
        /* refused */
        {"", OM_ERR_INVAL, 0},
        {"Sun, 06 Nov 1994 08:49:37 UTC", OM_ERR_INVAL, 0},
        {"Sun, 06 Nov 1994 08:49:37 GMT ", OM_ERR_INVAL, 0},
        {"Sun, 6 Nov 1994 08:49:37 GMT", OM_ERR_INVAL, 0},
        {"Sun, 06 Nov 94 08:49:37 GMT", OM_ERR_INVAL, 0},
        {"Sun, 06 Nox 1994 08:49:37 GMT", OM_ERR_INVAL, 0},
        {"Sux, 06 Nov 1994 08:49:37 GMT", OM_ERR_INVAL, 0},
        {"Sun, 00 Nov 1994 08:49:37 GMT", OM_ERR_INVAL, 0},
        {"Sun, 31 Nov 1994 08:49:37 GMT", OM_ERR_INVAL, 0},
        {"Mon, 29 Feb 2100 00:00:00 GMT", OM_ERR_INVAL, 0},
        {"Sat, 29 Feb 2025 00:00:00 GMT", OM_ERR_INVAL, 0},
        {"Sun, 06 Nov 1994 24:00:00 GMT", OM_ERR_INVAL, 0},
        {"Sun, 06 Nov 1994 08:60:00 GMT", OM_ERR_INVAL, 0},
        {"Sun, 06 Nov 1994 08:49:61 GMT", OM_ERR_INVAL, 0},
        {"Sun, 06 Nov 1994 08-49-37 GMT", OM_ERR_INVAL, 0},
        {"Sun, 06 Nov 19x4 08:49:37 GMT", OM_ERR_INVAL, 0},
        {"Sun, +6 Nov 1994 08:49:37 GMT", OM_ERR_INVAL, 0},
        {"Sundae, 06-Nov-94 08:49:37 GMT", OM_ERR_INVAL, 0},
        {"Sun, 06-Nov-94 08:49:37 GMT", OM_ERR_INVAL, 0},
        {"Sunday, 06-Nov-1994 08:49:37 GMT", OM_ERR_INVAL, 0},
        {"Sun Nov  6 08:49:37 94", OM_ERR_INVAL, 0},
        {"Sun Nov   6 08:49:37 1994", OM_ERR_INVAL, 0},
        {"1994-11-06T08:49:37Z", OM_ERR_INVAL, 0},
        {"784111777", OM_ERR_INVAL, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t t = 42;
        int rc = om_http_parse_date(cases[i].s, strlen(cases[i].s), &t);

        if (rc != cases[i].rc)
            fail_msg("case %zu \"%s\": rc %d, want %d", i, cases[i].s, rc, cases[i].rc);
        if (rc == 0 && t != cases[i].t)
            fail_msg("case %zu \"%s\": %lld, want %lld", i, cases[i].s, (long long)t,
                     (long long)cases[i].t);
    }
    /* n bounds the read: a longer buffer with the date at its start */
    {
        int64_t t = 0;
        const char *s = "Sun, 06 Nov 1994 08:49:37 GMTxxxx";

        assert_int_equal(om_http_parse_date(s, 29, &t), 0);
        assert_int_equal(t, 784111777);
        assert_int_equal(om_http_parse_date(s, 28, &t), OM_ERR_INVAL);
        assert_int_equal(om_http_parse_date(NULL, 0, &t), OM_ERR_INVAL);
        assert_int_equal(om_http_parse_date(s, 29, NULL), OM_ERR_INVAL);
    }
}

/* Every day from 1970 to 2100 agrees with a day-by-day count. */
static void test_date_every_day(void **state)
{
    static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const char *const wday[7] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t day = 0;
    int y;

    (void)state;
    for (y = 1970; y < 2100; y++) {
        int m;
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

        for (m = 0; m < 12; m++) {
            int d;
            int nd = mdays[m] + (m == 1 && leap);

            for (d = 1; d <= nd; d++) {
                char s[40];
                int64_t t = -7;

                snprintf(s, sizeof(s), "%s, %02d %s %04d 23:59:58 GMT", wday[day % 7], d,
                         mon[m], y);
                assert_int_equal(om_http_parse_date(s, strlen(s), &t), 0);
                assert_true(t == day * 86400 + 86398);
                day++;
            }
        }
    }
}

/* ============================================================ responses */

static void test_status_lines(void **state)
{
    static const struct {
        const char *line;
        int rc;
        unsigned status;
        unsigned minor;
    } cases[] = {
        {"HTTP/1.1 200 OK", 0, 200, 1},
        {"HTTP/1.0 200 OK", 0, 200, 0},
        {"HTTP/1.1 200", 0, 200, 1},
        {"HTTP/1.1 200 ", 0, 200, 1},
        {"HTTP/1.1 404 Not Found At All", 0, 404, 1},
        {"HTTP/1.1 599 x", 0, 599, 1},
        {"HTTP/1.9 200 OK", 0, 200, 1},
        {"HTTP/1.1 429 Too Many Requests", 0, 429, 1},
        {"HTTP/2 200", OM_ERR_HTTP, 0, 0},
        {"HTTP/2.0 200 OK", OM_ERR_HTTP, 0, 0},
        {"HTTP/1.1 20 OK", OM_ERR_HTTP, 0, 0},
        {"HTTP/1.1 2000 OK", OM_ERR_HTTP, 0, 0},
        {"HTTP/1.1 099 OK", OM_ERR_HTTP, 0, 0},
        {"HTTP/1.1 600 OK", OM_ERR_HTTP, 0, 0},
        {"HTTP/1.1  200 OK", OM_ERR_HTTP, 0, 0},
        {"HTTP/1.1 2x0 OK", OM_ERR_HTTP, 0, 0},
        {"http/1.1 200 OK", OM_ERR_HTTP, 0, 0},
        {"HTTX/1.1 200 OK", OM_ERR_HTTP, 0, 0},
        {" HTTP/1.1 200 OK", OM_ERR_HTTP, 0, 0},
        {"", OM_ERR_HTTP, 0, 0},
        {"<html>", OM_ERR_HTTP, 0, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char resp[128];
        om_http_resp_t r;
        sink_t s;
        int rc;

        snprintf(resp, sizeof(resp), "%s\r\nContent-Length: 2\r\n\r\nok", cases[i].line);
        rc = parse_str(&r, &s, resp);
        if (rc != cases[i].rc)
            fail_msg("case %zu \"%s\": rc %d, want %d", i, cases[i].line, rc, cases[i].rc);
        if (rc == 0) {
            assert_int_equal(r.status, cases[i].status);
            assert_int_equal(r.http_minor, cases[i].minor);
            assert_int_equal(om_http_resp_finish(&r), 0);
            check_body(&s, "ok");
        } else {
            assert_int_equal(r.err, rc);
            assert_non_null(r.err_msg);
            assert_int_equal(r.err_offset, strlen(cases[i].line) + 1); /* at its LF */
            assert_int_equal(s.calls, 0);
        }
    }
}

static void test_content_length_body(void **state)
{
    om_http_resp_t r;
    sink_t s;
    size_t hl = head_len(CL_RESP);
    uint8_t in[sizeof(CL_RESP)];

    (void)state;
    /* one feed: one callback, pointing into the input itself */
    memcpy(in, CL_RESP, sizeof(CL_RESP));
    sink_reset(&s);
    om_http_resp_init(&r, sink_fn, &s);
    assert_int_equal(om_http_resp_done(&r), 0);
    assert_int_equal(om_http_resp_feed(&r, in, sizeof(CL_RESP) - 1), 0);
    assert_int_equal(s.calls, 1);
    assert_ptr_equal(s.first_p, in + hl);
    check_body(&s, "hello world");
    assert_int_equal(r.status, 200);
    assert_int_equal(r.content_length, 11);
    assert_int_equal(r.body_len, 11);
    assert_int_equal(r.flags,
                     OM_HTTP_F_HEAD | OM_HTTP_F_DONE | OM_HTTP_F_LENGTH);
    assert_true(om_http_resp_done(&r));
    assert_int_equal(r.retry_after, -1);
    assert_string_equal(r.location, "");
    assert_string_equal(r.etag, "");
    assert_null(r.err_msg);

    /* bytes after the end: ignored, flagged */
    assert_int_equal(feed_copy(&r, "XYZ", 3), 0);
    assert_true(r.flags & OM_HTTP_F_EXTRA);
    check_body(&s, "hello world");
    assert_int_equal(om_http_resp_finish(&r), 0);

    /* extra bytes in the same feed */
    {
        static const char more[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef";

        assert_int_equal(parse_str(&r, &s, more), 0);
        check_body(&s, "abc");
        assert_true(r.flags & OM_HTTP_F_EXTRA);
        assert_int_equal(om_http_resp_finish(&r), 0);
    }
    /* Content-Length: 0 is done at the head */
    assert_int_equal(parse_str(&r, &s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 0);
    assert_true(om_http_resp_done(&r));
    assert_int_equal(s.calls, 0);
    assert_int_equal(om_http_resp_finish(&r), 0);
}

static void test_content_length_steps(void **state)
{
    size_t step;

    (void)state;
    for (step = 1; step <= sizeof(CL_RESP); step++) {
        om_http_resp_t r;
        sink_t s;

        assert_int_equal(parse(&r, &s, CL_RESP, sizeof(CL_RESP) - 1, step, 0), 0);
        check_body(&s, "hello world");
        assert_true(om_http_resp_done(&r));
        assert_int_equal(om_http_resp_finish(&r), 0);
        assert_int_equal(r.flags & OM_HTTP_F_EXTRA, 0);
    }
}

static void test_chunked_whole_and_bytes(void **state)
{
    om_http_resp_t r;
    sink_t s;
    const uint8_t *in = (const uint8_t *)CHUNKED_RESP;

    (void)state;
    assert_int_equal(parse(&r, &s, CHUNKED_RESP, strlen(CHUNKED_RESP), 0, 0), 0);
    check_chunked_result(&r, &s);
    assert_int_equal(s.calls, 2); /* one span per chunk */
    assert_int_equal(om_http_resp_finish(&r), 0);

    /* zero-copy: the first span is the first chunk's bytes in the input */
    sink_reset(&s);
    om_http_resp_init(&r, sink_fn, &s);
    assert_int_equal(om_http_resp_feed(&r, in, strlen(CHUNKED_RESP)), 0);
    assert_ptr_equal(s.first_p, (const uint8_t *)strstr(CHUNKED_RESP, "hello"));

    assert_int_equal(parse(&r, &s, CHUNKED_RESP, strlen(CHUNKED_RESP), 1, 0), 0);
    check_chunked_result(&r, &s);
    assert_int_equal(om_http_resp_finish(&r), 0);
}

static void test_chunked_every_split(void **state)
{
    size_t len = strlen(CHUNKED_RESP);
    size_t a;
    size_t b;

    (void)state;
    for (a = 0; a <= len; a++) {
        om_http_resp_t r;
        sink_t s;

        sink_reset(&s);
        om_http_resp_init(&r, sink_fn, &s);
        assert_int_equal(feed_copy(&r, CHUNKED_RESP, a), 0);
        assert_int_equal(feed_copy(&r, CHUNKED_RESP + a, len - a), 0);
        check_chunked_result(&r, &s);
        assert_int_equal(om_http_resp_finish(&r), 0);
    }
    /* and every 3-part split */
    for (a = 0; a <= len; a++) {
        for (b = a; b <= len; b++) {
            om_http_resp_t r;
            sink_t s;

            sink_reset(&s);
            om_http_resp_init(&r, sink_fn, &s);
            assert_int_equal(feed_copy(&r, CHUNKED_RESP, a), 0);
            assert_int_equal(feed_copy(&r, CHUNKED_RESP + a, b - a), 0);
            assert_int_equal(feed_copy(&r, CHUNKED_RESP + b, len - b), 0);
            check_chunked_result(&r, &s);
        }
    }
}

/* finish() after every prefix: OM_ERR_TRUNCATED until the response is
 * complete, 0 from then on (and done() says the same). */
static void truncate_everywhere(const char *resp, size_t len, size_t complete_at)
{
    size_t cut;

    for (cut = 0; cut <= len; cut++) {
        om_http_resp_t r;
        sink_t s;
        int rc;

        assert_int_equal(parse(&r, &s, resp, cut, 0, 0), 0);
        assert_int_equal(om_http_resp_done(&r), cut >= complete_at);
        rc = om_http_resp_finish(&r);
        if (rc != (cut >= complete_at ? 0 : OM_ERR_TRUNCATED))
            fail_msg("cut at %zu of %zu: finish %d", cut, len, rc);
        if (rc != 0) {
            assert_int_equal(r.err_offset, cut);
            assert_non_null(r.err_msg);
            /* sticky */
            assert_int_equal(om_http_resp_finish(&r), OM_ERR_TRUNCATED);
            assert_int_equal(feed_copy(&r, "x", 1), OM_ERR_TRUNCATED);
        }
    }
}

static void test_truncated_everywhere(void **state)
{
    static const char no_content[] = "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n";
    static const char bare_lf[] = "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"
                                  "3\nabc\n0\n\n";

    (void)state;
    truncate_everywhere(CL_RESP, strlen(CL_RESP), strlen(CL_RESP));
    truncate_everywhere(CHUNKED_RESP, strlen(CHUNKED_RESP), strlen(CHUNKED_RESP));
    truncate_everywhere(no_content, strlen(no_content), strlen(no_content));
    truncate_everywhere(bare_lf, strlen(bare_lf), strlen(bare_lf));
}

static void test_close_delimited(void **state)
{
    static const char resp[] = "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n"
                               "<html>error</html>";
    size_t hl = head_len(resp);
    size_t len = strlen(resp);
    size_t cut;

    (void)state;
    for (cut = 0; cut <= len; cut++) {
        om_http_resp_t r;
        sink_t s;

        assert_int_equal(parse(&r, &s, resp, cut, 1, 0), 0);
        assert_int_equal(om_http_resp_done(&r), 0); /* only the close ends it */
        if (cut < hl) {
            assert_int_equal(om_http_resp_finish(&r), OM_ERR_TRUNCATED);
            continue;
        }
        assert_int_equal(r.flags, OM_HTTP_F_HEAD); /* not JSON */
        assert_int_equal(om_http_resp_finish(&r), 0);
        assert_true(om_http_resp_done(&r));
        assert_int_equal(s.len, cut - hl);
        assert_memory_equal(s.data, resp + hl, cut - hl);
        assert_int_equal(r.http_minor, 0);
    }
}

/* A response as a CDN sends it: 40 headers, a 3 KB CSP, cookies. */
static size_t cdn_response(text_t *t)
{
    int i;

    add(t, "HTTP/1.1 200 OK\r\n");
    add(t, "Date: Thu, 12 Feb 2026 10:00:00 GMT\r\n");
    add(t, "Content-Type: application/json; charset=utf-8\r\n");
    add(t, "Content-Length: 27\r\n");
    add(t, "Connection: close\r\n");
    add(t, "access-control-allow-origin: *\r\n");
    add(t, "Cache-Control: public, max-age=60, stale-while-revalidate=600\r\n");
    add(t, "etag: W/\"6a1f-19c4b0e2\"\r\n");
    add(t, "last-modified: Thu, 12 Feb 2026 09:00:00 GMT\r\n");
    add(t, "Content-Security-Policy: default-src 'self'; script-src 'self'");
    for (i = 0; i < 120; i++)
        add(t, " https://cdn.example.com/x");
    add(t, "; report-uri /csp\r\n");
    add(t, "report-to: {\"group\":\"cf-nel\",\"max_age\":604800,\"endpoints\":[{\"url\":"
           "\"https://a.nel.cloudflare.com/report/v4?s=");
    add_rep(t, 'Q', 400);
    add(t, "\"}]}\r\n");
    add(t, "NEL: {\"success_fraction\":0,\"report_to\":\"cf-nel\",\"max_age\":604800}\r\n");
    for (i = 0; i < 6; i++) {
        char line[800];

        snprintf(line, sizeof(line),
                 "Set-Cookie: __cf_bm%d=%0600d; path=/; expires=Thu, 12-Feb-26 10:30:00 GMT; "
                 "domain=.openrouter.ai; HttpOnly; Secure; SameSite=None\r\n",
                 i, i);
        add(t, line);
    }
    for (i = 0; i < 17; i++) {
        char line[64];

        snprintf(line, sizeof(line), "X-Filler-%02d: value %d\r\n", i, i);
        add(t, line);
    }
    add(t, "Vary: Accept-Encoding\r\n");
    add(t, "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n");
    add(t, "X-Content-Type-Options: nosniff\r\n");
    add(t, "Server: cloudflare\r\n");
    add(t, "CF-RAY: 8c1f2e3d4c5b6a79-FRA\r\n");
    add(t, "alt-svc: h3=\":443\"; ma=86400\r\n");
    add(t, "\r\n");
    add(t, "{\"data\":[{\"id\":\"a/b\"}]}\n\n\n\n");
    return t->len;
}

static void check_cdn(const om_http_resp_t *r, const sink_t *s)
{
    assert_int_equal(r->err, 0);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->flags, OM_HTTP_F_HEAD | OM_HTTP_F_DONE | OM_HTTP_F_LENGTH |
                                   OM_HTTP_F_DATE);
    assert_int_equal(r->content_length, 27);
    assert_int_equal(r->date, 1770890400);
    assert_string_equal(r->etag, "W/\"6a1f-19c4b0e2\"");
    assert_string_equal(r->last_modified, "Thu, 12 Feb 2026 09:00:00 GMT");
    check_body(s, "{\"data\":[{\"id\":\"a/b\"}]}\n\n\n\n");
    assert_int_equal(r->nheaders, 40);
}

static void test_cdn_headers(void **state)
{
    static const size_t steps[] = {0, 1, 2, 7, 100, 511, 512, 513, 4096};
    size_t len = cdn_response(text_new());
    size_t k;

    (void)state;
    assert_true(len > 6000);
    for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
        om_http_resp_t r;
        sink_t s;

        assert_int_equal(parse(&r, &s, text.buf, len, steps[k], 0), 0);
        check_cdn(&r, &s);
        assert_int_equal(om_http_resp_finish(&r), 0);
    }
}

/* A one-header response "HTTP/1.1 200 OK\r\n<hdr>\r\nContent-Length: 2
 * \r\n\r\nok" (or with another status line) parsed whole and a byte at
 * a time; both must agree. */
static int parse_status_header(om_http_resp_t *r, sink_t *s, const char *status,
                               const char *hdr, size_t step)
{
    text_t *t = text_new();

    add(t, status);
    add(t, hdr);
    add(t, "\r\nContent-Length: 2\r\n\r\nok");
    return parse(r, s, t->buf, t->len, step, 0);
}

static int parse_with_header(om_http_resp_t *r, sink_t *s, const char *hdr, size_t step)
{
    return parse_status_header(r, s, "HTTP/1.1 200 OK\r\n", hdr, step);
}

/* The same in a redirect, where a Location is kept. */
static int parse_redirect(om_http_resp_t *r, sink_t *s, const char *hdr, size_t step)
{
    return parse_status_header(r, s, "HTTP/1.1 302 Found\r\n", hdr, step);
}

static void test_long_headers(void **state)
{
    static char hdr[3 * OM_HTTP_LINE_MAX + 64];
    om_http_resp_t r;
    sink_t s;
    size_t step;

    (void)state;
    for (step = 0; step <= 1; step++) {
        /* an unknown header far longer than the line buffer: skipped */
        snprintf(hdr, sizeof(hdr), "X-Long: %0*d", 2 * OM_HTTP_LINE_MAX, 7);
        assert_int_equal(parse_with_header(&r, &s, hdr, step), 0);
        assert_int_equal(om_http_resp_finish(&r), 0);
        check_body(&s, "ok");

        /* a Location of exactly OM_URL_MAX bytes is kept */
        memcpy(hdr, "Location: /", 11);
        memset(hdr + 11, 'l', OM_URL_MAX - 1);
        hdr[10 + OM_URL_MAX] = '\0';
        assert_int_equal(parse_redirect(&r, &s, hdr, step), 0);
        assert_int_equal(strlen(r.location), OM_URL_MAX);
        assert_int_equal(r.location[0], '/');
        /* one byte more: refused, though it fits the line buffer */
        hdr[10 + OM_URL_MAX] = 'l';
        hdr[11 + OM_URL_MAX] = '\0';
        assert_true(strlen(hdr) < OM_HTTP_LINE_MAX);
        assert_int_equal(parse_redirect(&r, &s, hdr, step), OM_ERR_TOOBIG);
        assert_string_equal(r.err_msg, "Location too long");
        /* far over the line buffer: refused too */
        snprintf(hdr, sizeof(hdr), "location: https://x/%0*d", OM_HTTP_LINE_MAX, 1);
        assert_int_equal(parse_redirect(&r, &s, hdr, step), OM_ERR_TOOBIG);
        assert_string_equal(r.err_msg, "Location too long");
        assert_int_equal(r.err_offset, 20 + OM_HTTP_LINE_MAX); /* "HTTP/1.1 302 Found\r\n" */
        assert_int_equal(s.calls, 0);
        /* outside a redirect a Location is not needed: skipped, even long */
        assert_int_equal(parse_with_header(&r, &s, hdr, step), 0);
        assert_string_equal(r.location, "");
        check_body(&s, "ok");

        /* ETag and Last-Modified too long: not kept, not an error */
        memcpy(hdr, "ETag: \"", 7);
        memset(hdr + 7, 'e', OM_ETAG_MAX - 2);
        memcpy(hdr + 5 + OM_ETAG_MAX, "\"", 2);
        assert_int_equal(parse_with_header(&r, &s, hdr, step), 0);
        assert_int_equal(strlen(r.etag), OM_ETAG_MAX);
        memcpy(hdr + 5 + OM_ETAG_MAX, "e\"", 3);
        assert_int_equal(parse_with_header(&r, &s, hdr, step), 0);
        assert_string_equal(r.etag, "");
        snprintf(hdr, sizeof(hdr), "ETag: \"a\"\r\nETag: \"%0*d\"", OM_HTTP_LINE_MAX, 5);
        assert_int_equal(parse_with_header(&r, &s, hdr, step), 0);
        assert_string_equal(r.etag, ""); /* the later, long one wins */
        assert_int_equal(om_http_resp_finish(&r), 0);
        snprintf(hdr, sizeof(hdr), "Last-Modified: Thu, 12 Feb 2026 09:00:00 GMT%0*d",
                 OM_LASTMOD_MAX - 29 + 1, 0);
        assert_int_equal(parse_with_header(&r, &s, hdr, step), 0);
        assert_string_equal(r.last_modified, "");
        snprintf(hdr, sizeof(hdr), "Last-Modified: %0*d", OM_LASTMOD_MAX, 0);
        assert_int_equal(parse_with_header(&r, &s, hdr, step), 0);
        assert_int_equal(strlen(r.last_modified), OM_LASTMOD_MAX);
        snprintf(hdr, sizeof(hdr), "Last-Modified: %0*d", OM_HTTP_LINE_MAX, 0);
        assert_int_equal(parse_with_header(&r, &s, hdr, step), 0);
        assert_string_equal(r.last_modified, "");

        /* a cut header we do not read is skipped; a cut Date is ignored */
        snprintf(hdr, sizeof(hdr), "Content-Type: application/json; x=%0*d",
                 OM_HTTP_LINE_MAX, 0);
        assert_int_equal(parse_with_header(&r, &s, hdr, step), 0);
        snprintf(hdr, sizeof(hdr), "Date: %0*d", OM_HTTP_LINE_MAX, 0);
        assert_int_equal(parse_with_header(&r, &s, hdr, step), 0);
        assert_int_equal(r.flags & OM_HTTP_F_DATE, 0);

        /* framing headers cut: refused */
        snprintf(hdr, sizeof(hdr), "Content-Length: %0*d", OM_HTTP_LINE_MAX, 2);
        assert_int_equal(parse_with_header(&r, &s, hdr, step), OM_ERR_TOOBIG);
        snprintf(hdr, sizeof(hdr), "Transfer-Encoding: %0*d", OM_HTTP_LINE_MAX, 2);
        assert_int_equal(parse_with_header(&r, &s, hdr, step), OM_ERR_TOOBIG);
        /* a name longer than the buffer */
        memset(hdr, 'N', OM_HTTP_LINE_MAX + 1);
        strcpy(hdr + OM_HTTP_LINE_MAX + 1, ": v");
        assert_int_equal(parse_with_header(&r, &s, hdr, step), OM_ERR_TOOBIG);
        assert_string_equal(r.err_msg, "header name too long");
        /* a status line with a reason phrase twice the line buffer */
        {
            text_t *t = text_new();

            add(t, "HTTP/1.1 503 ");
            add_rep(t, 'R', 2 * OM_HTTP_LINE_MAX);
            add(t, "\r\nContent-Length: 1\r\n\r\nx");
            assert_int_equal(parse(&r, &s, t->buf, t->len, step, 0), 0);
            assert_int_equal(r.status, 503);
            check_body(&s, "x");
        }
        /* a line of exactly OM_HTTP_LINE_MAX bytes is whole, not cut */
        memcpy(hdr, "Location: /", 11);
        memset(hdr + 11, ' ', OM_HTTP_LINE_MAX - 11);
        hdr[OM_HTTP_LINE_MAX] = '\0';
        assert_int_equal(parse_redirect(&r, &s, hdr, step), 0);
        assert_string_equal(r.location, "/");
    }
}

static void test_header_limits(void **state)
{
    om_http_resp_t r;
    sink_t s;
    text_t *t;
    int i;

    (void)state;
    /* OM_HTTP_HEADER_COUNT_MAX headers are fine, one more is not */
    t = text_new();
    add(t, "HTTP/1.1 200 OK\r\n");
    for (i = 1; i < (int)OM_HTTP_HEADER_COUNT_MAX; i++)
        add(t, "X-A: b\r\n");
    add(t, "Content-Length: 0\r\n");
    assert_int_equal(parse(&r, &s, t->buf, t->len, 0, 0), 0);
    assert_int_equal(feed_copy(&r, "\r\n", 2), 0);
    assert_true(om_http_resp_done(&r));
    assert_int_equal(parse(&r, &s, t->buf, t->len, 0, 0), 0);
    assert_int_equal(feed_copy(&r, "X-B: c\r\n", 8), OM_ERR_TOOBIG);
    assert_string_equal(r.err_msg, "too many headers");

    /* the header bytes: the byte after OM_HTTP_HEADERS_MAX is refused */
    t = text_new();
    add(t, "HTTP/1.1 200 OK\r\n");
    while (t->len < OM_HTTP_HEADERS_MAX + 10) {
        add(t, "X-Pad: ");
        add_rep(t, 'p', 991);
        add(t, "\r\n");
    }
    assert_int_equal(parse(&r, &s, t->buf, t->len, 0, 0), OM_ERR_TOOBIG);
    assert_string_equal(r.err_msg, "header section too long");
    assert_int_equal(r.err_offset, OM_HTTP_HEADERS_MAX);
    assert_int_equal(parse(&r, &s, t->buf, t->len, 1, 0), OM_ERR_TOOBIG);
    assert_int_equal(r.err_offset, OM_HTTP_HEADERS_MAX);
}

static void test_malformed_heads(void **state)
{
    static const struct {
        const char *hdr;
        const char *msg;
    } cases[] = {
        {"X-A: 1\r\n folded", "folded header"},
        {"X-A: 1\r\n\tfolded", "folded header"},
        {" X-A: 1", "folded header"},
        {"X-A : 1", "bad header name"},
        {"X A: 1", "bad header name"},
        {"X-A\"B: 1", "bad header name"},
        {": 1", "bad header name"},
        {"X-A 1", "bad header name"},
        {"X-A: 1\rX-B: 2", "bare CR"},
        {"X-A: a\r b", "bare CR"},
        {"Content-Length: 2\r\r", "bare CR"},
    };
    size_t i;
    size_t step;

    (void)state;
    for (step = 0; step <= 1; step++) {
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            om_http_resp_t r;
            sink_t s;
            int rc = parse_with_header(&r, &s, cases[i].hdr, step);

            if (rc != OM_ERR_HTTP)
                fail_msg("case %zu: rc %d", i, rc);
            assert_string_equal(r.err_msg, cases[i].msg);
            assert_int_equal(s.calls, 0);
            assert_int_equal(om_http_resp_finish(&r), OM_ERR_HTTP);
        }
    }
    /* a NUL byte in the head */
    {
        static const char resp[] = "HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n";
        om_http_resp_t r;
        sink_t s;

        assert_int_equal(parse(&r, &s, resp, sizeof(resp) - 1, 0, 0), OM_ERR_HTTP);
        assert_string_equal(r.err_msg, "NUL byte");
        assert_int_equal(r.err_offset, 23);
    }
}

static void test_case_ows_and_bare_lf(void **state)
{
    static const char lf[] = "HTTP/1.1 200 OK\n"
                             "content-LENGTH:5\n"
                             "ETAG:\t\"x\" \t\n"
                             "CONTENT-type:   APPLICATION/Json ;charset=UTF-8\n"
                             "LoCaTiOn:/next  \n"
                             "\n"
                             "12345";
    static const char mixed[] = "HTTP/1.1 200 OK\r\n"
                                "Content-Length: 5\n"
                                "ETag: \"x\"\r\n"
                                "\n"
                                "12345";
    static const char moved[] = "HTTP/1.1 301 Moved\n"
                                "LoCaTiOn:/next  \n"
                                "ETAG:\t\"x\" \t\n"
                                "content-LENGTH:0\n"
                                "\n";
    om_http_resp_t r;
    sink_t s;
    size_t step;

    (void)state;
    for (step = 0; step <= 1; step++) {
        assert_int_equal(parse(&r, &s, lf, strlen(lf), step, 0), 0);
        assert_int_equal(r.content_length, 5);
        assert_string_equal(r.etag, "\"x\"");
        assert_string_equal(r.location, ""); /* kept in redirects only */
        check_body(&s, "12345");
        assert_true(om_http_resp_done(&r));

        /* a redirect keeps its Location, and no validators */
        assert_int_equal(parse(&r, &s, moved, strlen(moved), step, 0), 0);
        assert_string_equal(r.location, "/next");
        assert_string_equal(r.etag, "");
        assert_true(om_http_resp_done(&r));

        assert_int_equal(parse(&r, &s, mixed, strlen(mixed), step, 0), 0);
        check_body(&s, "12345");
        assert_string_equal(r.etag, "\"x\"");
    }
    /* an empty value is still a value */
    assert_int_equal(parse_with_header(&r, &s, "ETag:", 0), 0);
    assert_string_equal(r.etag, "");
    assert_int_equal(parse_redirect(&r, &s, "Location:   ", 0), 0);
    assert_string_equal(r.location, "");
}

static void test_content_length_values(void **state)
{
    static const struct {
        const char *hdr;
        int rc;
        uint64_t len;
    } cases[] = {
        {"Content-Length: 2", 0, 2},
        {"Content-Length: 0002", 0, 2},
        {"Content-Length:    2   ", 0, 2},
        {"Content-Length: 2\r\nContent-Length: 2", 0, 2},
        {"Content-Length: 2\r\nContent-Length: 02", 0, 2},
        {"Content-Length: 3", 0, 3},
        {"Content-Length: 9223372036854775807", 0, 9223372036854775807ULL},
        {"Content-Length: 9223372036854775808", OM_ERR_TOOBIG, 0},
        {"Content-Length: 18446744073709551616", OM_ERR_TOOBIG, 0},
        {"Content-Length: 99999999999999999999999999", OM_ERR_TOOBIG, 0},
        {"Content-Length: ", OM_ERR_HTTP, 0},
        {"Content-Length: +2", OM_ERR_HTTP, 0},
        {"Content-Length: -1", OM_ERR_HTTP, 0},
        {"Content-Length: 2 2", OM_ERR_HTTP, 0},
        {"Content-Length: 2,2", OM_ERR_HTTP, 0},
        {"Content-Length: 0x2", OM_ERR_HTTP, 0},
        {"Content-Length: 2.0", OM_ERR_HTTP, 0},
        {"Content-Length: 2\r\nContent-Length: 3", OM_ERR_HTTP, 0},
        {"Content-Length: 3\r\nContent-Length: 2", OM_ERR_HTTP, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* the helper adds "Content-Length: 2" after the header under test;
         * build by hand instead */
        char resp[256];
        om_http_resp_t r;
        sink_t s;
        int rc;

        snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\n%s\r\n\r\nok", cases[i].hdr);
        rc = parse_str(&r, &s, resp);
        if (rc != cases[i].rc)
            fail_msg("case %zu \"%s\": rc %d, want %d", i, cases[i].hdr, rc, cases[i].rc);
        if (rc == 0) {
            assert_true(r.content_length == cases[i].len);
            assert_int_equal(om_http_resp_finish(&r),
                             cases[i].len <= 2 ? 0 : OM_ERR_TRUNCATED);
        }
    }
}

static void test_transfer_encoding(void **state)
{
    static const struct {
        const char *hdrs;
        int rc;
    } cases[] = {
        {"Transfer-Encoding: chunked", 0},
        {"Transfer-Encoding: Chunked", 0},
        {"transfer-encoding:CHUNKED  ", 0},
        {"Transfer-Encoding: chunked,", 0},
        {"Transfer-Encoding: , chunked", 0},
        {"Transfer-Encoding: gzip", OM_ERR_HTTP},
        {"Transfer-Encoding: identity", OM_ERR_HTTP},
        {"Transfer-Encoding: gzip, chunked", OM_ERR_HTTP},
        {"Transfer-Encoding: chunked, gzip", OM_ERR_HTTP},
        {"Transfer-Encoding: chunked, chunked", OM_ERR_HTTP},
        {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked", OM_ERR_HTTP},
        {"Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip", OM_ERR_HTTP},
        {"Transfer-Encoding: chunkedx", OM_ERR_HTTP},
        {"Transfer-Encoding: chunked;q=1", OM_ERR_HTTP},
        {"Transfer-Encoding: ", OM_ERR_HTTP},
        {"Transfer-Encoding: chunked\r\nContent-Length: 3", OM_ERR_HTTP},
        {"Content-Length: 3\r\nTransfer-Encoding: chunked", OM_ERR_HTTP},
        {"Content-Length: 0\r\nTransfer-Encoding: chunked", OM_ERR_HTTP},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char resp[256];
        om_http_resp_t r;
        sink_t s;
        int rc;

        snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\n%s\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                 cases[i].hdrs);
        rc = parse_str(&r, &s, resp);
        if (rc != cases[i].rc)
            fail_msg("case %zu \"%s\": rc %d, want %d", i, cases[i].hdrs, rc, cases[i].rc);
        if (rc == 0) {
            check_body(&s, "abc");
            assert_true(om_http_resp_done(&r));
        } else {
            assert_int_equal(s.calls, 0);
        }
    }
    /* chunked in an HTTP/1.0 response */
    {
        om_http_resp_t r;
        sink_t s;

        assert_int_equal(parse_str(&r, &s, "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked"
                                           "\r\n\r\n0\r\n\r\n"),
                         OM_ERR_HTTP);
        assert_string_equal(r.err_msg, "chunked in HTTP/1.0");
    }
}

/* "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body */
static int parse_chunked(om_http_resp_t *r, sink_t *s, const char *body, size_t step,
                         uint64_t body_max)
{
    text_t *t = text_new();

    add(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    add(t, body);
    return parse(r, s, t->buf, t->len, step, body_max);
}

#define CHUNKED_HEAD_LEN 47u

static void test_chunk_framing(void **state)
{
    static const struct {
        const char *body;
        int rc;         /* of feed */
        int fin;        /* of finish when feed gave 0 */
        const char *msg;
        size_t at;      /* error offset from the body's start */
        const char *out;
    } cases[] = {
        {"5\r\nhello\r\n0\r\n\r\n", 0, 0, NULL, 0, "hello"},
        {"0000000005\r\nhello\r\n000\r\n\r\n", 0, 0, NULL, 0, "hello"},
        {"5\nhello\n0\n\n", 0, 0, NULL, 0, "hello"},
        {"a\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n", 0, 0, NULL, 0,
         "01234567890123456789"},
        {"5 \t\r\nhello\r\n0\r\n\r\n", 0, 0, NULL, 0, "hello"},
        {"5 ; a=b ; c\r\nhello\r\n0 ;x\r\n\r\n", 0, 0, NULL, 0, "hello"},
        {"5;\r\nhello\r\n0\r\nA: b\r\nC: d\r\n\r\n", 0, 0, NULL, 0, "hello"},
        {"5\r\nhello\r\n0\r\n\r\nextra", 0, 0, NULL, 0, "hello"},
        {"5\r\nhello\r\n", 0, OM_ERR_TRUNCATED, NULL, 0, "hello"},
        {"5\r\nhello\r\n0\r\n", 0, OM_ERR_TRUNCATED, NULL, 0, "hello"},
        {"5\r\nhello\r\n0\r\nA: b\r\n", 0, OM_ERR_TRUNCATED, NULL, 0, "hello"},
        {"7FFFFFFFFFFFFFFF\r\nab", 0, OM_ERR_TRUNCATED, NULL, 0, "ab"},
        {"FFFFFFFFFFFFFFFFF\r\n", OM_ERR_TOOBIG, 0, "chunk size overflow", 15, ""},
        {"8000000000000000\r\n", OM_ERR_TOOBIG, 0, "chunk size overflow", 15, ""},
        {"zz\r\n", OM_ERR_HTTP, 0, "bad chunk size", 0, ""},
        {"5\r\nhello\r\nzz\r\n", OM_ERR_HTTP, 0, "bad chunk size", 10, "hello"},
        {"\r\n", OM_ERR_HTTP, 0, "bad chunk size", 1, ""},
        {" 5\r\nhello\r\n", OM_ERR_HTTP, 0, "bad chunk size", 0, ""},
        {"-5\r\nhello\r\n", OM_ERR_HTTP, 0, "bad chunk size", 0, ""},
        {"0x5\r\nhello\r\n", OM_ERR_HTTP, 0, "bad chunk size", 1, ""},
        {"5 5\r\nhello\r\n", OM_ERR_HTTP, 0, "bad chunk size", 2, ""},
        {";a\r\n", OM_ERR_HTTP, 0, "bad chunk size", 0, ""},
        {"5\rhello", OM_ERR_HTTP, 0, "bare CR", 2, ""},
        {"5;a\x01\r\n", OM_ERR_HTTP, 0, "bad chunk extension", 3, ""},
        {"5\r\nhelloX\r\n", OM_ERR_HTTP, 0, "no CRLF after chunk", 8, "hello"},
        {"5\r\nhello\rX", OM_ERR_HTTP, 0, "bare CR", 9, "hello"},
        {"5\r\nhello\r\n0\r\nA: b\rX", OM_ERR_HTTP, 0, "bare CR", 18, "hello"},
    };
    size_t i;
    size_t step;

    (void)state;
    for (step = 0; step <= 1; step++) {
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            om_http_resp_t r;
            sink_t s;
            int rc = parse_chunked(&r, &s, cases[i].body, step, 0);

            if (rc != cases[i].rc)
                fail_msg("case %zu: rc %d, want %d", i, rc, cases[i].rc);
            check_body(&s, cases[i].out);
            if (rc == 0) {
                assert_int_equal(om_http_resp_finish(&r), cases[i].fin);
            } else {
                assert_string_equal(r.err_msg, cases[i].msg);
                if (r.err_offset != CHUNKED_HEAD_LEN + cases[i].at)
                    fail_msg("case %zu: error at %llu, want %zu", i,
                             (unsigned long long)r.err_offset, CHUNKED_HEAD_LEN + cases[i].at);
                assert_int_equal(om_http_resp_finish(&r), rc);
            }
        }
    }
}

static void test_chunk_limits(void **state)
{
    om_http_resp_t r;
    sink_t s;
    text_t *t;
    static char body[9000];
    size_t n;

    (void)state;
    /* a chunk-size line longer than the line buffer */
    n = (size_t)snprintf(body, sizeof(body), "5;");
    memset(body + n, 'x', OM_HTTP_LINE_MAX);
    strcpy(body + n + OM_HTTP_LINE_MAX, "\r\nhello\r\n0\r\n\r\n");
    assert_int_equal(parse_chunked(&r, &s, body, 0, 0), OM_ERR_TOOBIG);
    assert_string_equal(r.err_msg, "chunk line too long");
    /* just fits: OM_HTTP_LINE_MAX bytes with the CRLF */
    n = (size_t)snprintf(body, sizeof(body), "5;");
    memset(body + n, 'x', OM_HTTP_LINE_MAX - 4);
    strcpy(body + n + OM_HTTP_LINE_MAX - 4, "\r\nhello\r\n0\r\n\r\n");
    assert_int_equal(parse_chunked(&r, &s, body, 0, 0), 0);
    check_body(&s, "hello");

    /* trailers over OM_HTTP_TRAILERS_MAX */
    t = text_new();
    add(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n");
    while (t->len < 60 + OM_HTTP_TRAILERS_MAX)
        add(t, "X-T: 0123456789\r\n");
    add(t, "\r\n");
    assert_int_equal(parse(&r, &s, t->buf, t->len, 0, 0), OM_ERR_TOOBIG);
    assert_string_equal(r.err_msg, "trailers too long");
}

static void test_no_body_statuses(void **state)
{
    static const char *const resps[] = {
        "HTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nETag: \"v2\"\r\nContent-Length: 1234\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nETag: \"v2\"\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.0 304 Not Modified\r\nETag: \"v2\"\r\n\r\n",
    };
    size_t i;
    size_t step;

    (void)state;
    for (step = 0; step <= 1; step++) {
        for (i = 0; i < sizeof(resps) / sizeof(resps[0]); i++) {
            om_http_resp_t r;
            sink_t s;

            assert_int_equal(parse(&r, &s, resps[i], strlen(resps[i]), step, 0), 0);
            assert_true(om_http_resp_done(&r));
            assert_true(r.flags & OM_HTTP_F_HEAD);
            assert_int_equal(r.status, i == 0 ? 204 : 304);
            assert_string_equal(r.etag, i == 0 ? "" : "\"v2\"");
            assert_int_equal(r.flags & OM_HTTP_F_EXTRA, 0);
            /* anything after is not a body */
            assert_int_equal(feed_copy(&r, "garbage", 7), 0);
            assert_true(r.flags & OM_HTTP_F_EXTRA);
            assert_int_equal(s.calls, 0);
            assert_int_equal(r.body_len, 0);
            assert_int_equal(om_http_resp_finish(&r), 0);
        }
    }
}

static void test_interim_responses(void **state)
{
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n"
                               "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    static const char hints[] = "HTTP/1.1 103 Early Hints\r\n"
                                "Link: </style.css>; rel=preload\r\n"
                                "ETag: \"early\"\r\nLocation: /x\r\n\r\n"
                                "HTTP/1.1 100 Continue\r\n\r\n"
                                "HTTP/1.1 102 Processing\r\nContent-Length: 99\r\n\r\n"
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "2\r\nok\r\n0\r\n\r\n";
    size_t step;

    (void)state;
    for (step = 0; step <= 1; step++) {
        om_http_resp_t r;
        sink_t s;

        assert_int_equal(parse(&r, &s, cont, strlen(cont), step, 0), 0);
        assert_int_equal(r.status, 200);
        check_body(&s, "ok");
        assert_int_equal(om_http_resp_finish(&r), 0);

        assert_int_equal(parse(&r, &s, hints, strlen(hints), step, 0), 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.etag, "");     /* the 103's fields are gone */
        assert_string_equal(r.location, "");
        assert_int_equal(r.flags, OM_HTTP_F_HEAD | OM_HTTP_F_DONE | OM_HTTP_F_CHUNKED);
        check_body(&s, "ok");
        assert_int_equal(om_http_resp_finish(&r), 0);

        /* a lone 100: truncated */
        assert_int_equal(parse(&r, &s, cont, 25, step, 0), 0);
        assert_int_equal(r.flags & OM_HTTP_F_HEAD, 0);
        assert_int_equal(om_http_resp_finish(&r), OM_ERR_TRUNCATED);

        /* 101 is never expected */
        assert_int_equal(parse_str(&r, &s, "HTTP/1.1 101 Switching Protocols\r\n"
                                           "Upgrade: h2c\r\n\r\n"),
                         OM_ERR_HTTP);
        assert_string_equal(r.err_msg, "unexpected 101");
        assert_int_equal(r.err_offset, 49); /* the LF that ends the head */
    }
}

static void test_body_max(void **state)
{
    static const char cl[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
    static const char ch[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "6\r\n012345\r\n4\r\n6789\r\n0\r\n\r\n";
    static const char cd[] = "HTTP/1.1 200 OK\r\n\r\n0123456789";
    size_t step;

    (void)state;
    for (step = 0; step <= 1; step++) {
        om_http_resp_t r;
        sink_t s;

        /* exactly the cap: fine */
        assert_int_equal(parse(&r, &s, cl, strlen(cl), step, 10), 0);
        check_body(&s, "0123456789");
        assert_int_equal(parse(&r, &s, ch, strlen(ch), step, 10), 0);
        check_body(&s, "0123456789");
        assert_int_equal(parse(&r, &s, cd, strlen(cd), step, 10), 0);
        assert_int_equal(om_http_resp_finish(&r), 0);
        check_body(&s, "0123456789");

        /* one under: refused before a byte over the cap is passed on */
        assert_int_equal(parse(&r, &s, cl, strlen(cl), step, 9), OM_ERR_TOOBIG);
        assert_string_equal(r.err_msg, "body over body_max");
        assert_int_equal(r.err_offset, head_len(cl) - 1);
        assert_int_equal(s.calls, 0);

        assert_int_equal(parse(&r, &s, ch, strlen(ch), step, 9), OM_ERR_TOOBIG);
        assert_string_equal(r.err_msg, "body over body_max");
        check_body(&s, "012345");
        assert_int_equal(r.err_offset, head_len(ch) + 3 + 6 + 2 + 2); /* LF of "4" */

        assert_int_equal(parse(&r, &s, cd, strlen(cd), step, 9), OM_ERR_TOOBIG);
        assert_string_equal(r.err_msg, "body over body_max");
        assert_int_equal(r.err_offset, head_len(cd) + 9);
        assert_int_equal(r.body_len, 9);
        check_body(&s, "012345678"); /* up to the cap, however it was fed */
        assert_int_equal(om_http_resp_finish(&r), OM_ERR_TOOBIG);
    }
}

static void test_retry_after(void **state)
{
    static const struct {
        const char *hdrs;
        int64_t after;
        int64_t at;
    } cases[] = {
        {"Retry-After: 120", 120, 0},
        {"Retry-After: 0", 0, 0},
        {"Retry-After:  30 ", 30, 0},
        {"Retry-After: 99999999999999999999999", 0x7fffffff, 0},
        {"Retry-After: 4294967296", 0x7fffffff, 0},
        {"Retry-After: soon", -1, 0},
        {"Retry-After: 12s", -1, 0},
        {"Retry-After: -5", -1, 0},
        {"Retry-After: Thu, 12 Feb 2026 10:02:00 GMT", -1, 1770890520},
        {"Date: Thu, 12 Feb 2026 10:00:00 GMT\r\n"
         "Retry-After: Thu, 12 Feb 2026 10:02:00 GMT",
         120, 1770890520},
        {"Retry-After: Thu, 12 Feb 2026 10:02:00 GMT\r\n"
         "Date: Thu, 12 Feb 2026 10:00:00 GMT",
         120, 1770890520},
        {"Retry-After: Thu, 12 Feb 2026 09:00:00 GMT\r\n"
         "Date: Thu, 12 Feb 2026 10:00:00 GMT",
         0, 1770886800},
        {"Retry-After: Thursday, 12-Feb-26 10:00:05 GMT\r\n"
         "Date: Thu Feb 12 10:00:00 2026",
         5, 1770890405},
        {"Retry-After: Thu, 12 Feb 2026 10:02:00 GMT\r\nRetry-After: 7", 7, 0},
        {"Date: nonsense\r\nRetry-After: Thu, 12 Feb 2026 10:02:00 GMT", -1, 1770890520},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char resp[512];
        om_http_resp_t r;
        sink_t s;

        snprintf(resp, sizeof(resp), "HTTP/1.1 429 Too Many Requests\r\n%s\r\n"
                                     "Content-Length: 0\r\n\r\n", cases[i].hdrs);
        assert_int_equal(parse_str(&r, &s, resp), 0);
        if (r.retry_after != cases[i].after || r.retry_at != cases[i].at)
            fail_msg("case %zu: after %lld at %lld", i, (long long)r.retry_after,
                     (long long)r.retry_at);
    }
}

static int stop_cb(void *ctx, const uint8_t *p, size_t n)
{
    (void)p;
    (void)n;
    ++*(int *)ctx;
    return *(int *)ctx == 2 ? OM_ERR_IO : 0;
}

static void test_callback_abort(void **state)
{
    om_http_resp_t r;
    sink_t s;
    int calls = 0;
    size_t hl = head_len(CL_RESP);

    (void)state;
    /* the second span is refused: feed returns its value, sticky */
    om_http_resp_init(&r, stop_cb, &calls);
    assert_int_equal(feed_copy(&r, CL_RESP, hl + 3), 0);
    assert_int_equal(calls, 1);
    assert_int_equal(feed_copy(&r, CL_RESP + hl + 3, 2), OM_ERR_IO);
    assert_int_equal(calls, 2);
    assert_int_equal(r.err, OM_ERR_IO);
    assert_int_equal(r.err_offset, hl + 3);
    assert_non_null(r.err_msg);
    assert_int_equal(r.body_len, 5);
    assert_int_equal(feed_copy(&r, CL_RESP + hl + 5, 1), OM_ERR_IO);
    assert_int_equal(calls, 2);
    assert_int_equal(om_http_resp_finish(&r), OM_ERR_IO);
    assert_int_equal(om_http_resp_done(&r), 0);

    /* with the sink: stop on the first call with a custom value */
    sink_reset(&s);
    s.stop_at = 1;
    s.stop_rc = -99;
    om_http_resp_init(&r, sink_fn, &s);
    assert_int_equal(om_http_resp_feed(&r, (const uint8_t *)CHUNKED_RESP,
                                       strlen(CHUNKED_RESP)), -99);
    assert_int_equal(s.calls, 1);

    /* NULL callback: the body is counted and dropped */
    om_http_resp_init(&r, NULL, NULL);
    assert_int_equal(feed_copy(&r, CL_RESP, strlen(CL_RESP)), 0);
    assert_int_equal(r.body_len, 11);
    assert_int_equal(om_http_resp_finish(&r), 0);
}

static void test_api_edges(void **state)
{
    om_http_resp_t r;

    (void)state;
    om_http_resp_init(&r, NULL, NULL);
    assert_int_equal(om_http_resp_feed(&r, NULL, 0), 0);
    assert_int_equal(om_http_resp_feed(&r, NULL, 5), OM_ERR_INVAL);
    assert_int_equal(r.err, 0); /* a caller bug, not a response error */
    assert_int_equal(om_http_resp_feed(NULL, (const uint8_t *)"x", 1), OM_ERR_INVAL);
    assert_int_equal(om_http_resp_finish(NULL), OM_ERR_INVAL);
    assert_int_equal(om_http_resp_done(NULL), 0);
    /* no bytes at all */
    assert_int_equal(om_http_resp_finish(&r), OM_ERR_TRUNCATED);
    assert_string_equal(r.err_msg, "connection closed early");
    assert_int_equal(r.err_offset, 0);
    printf("sizeof(om_http_resp_t) = %zu\n", sizeof(om_http_resp_t));
    /* the line buffer, the kept strings (a Location, or an ETag and a
     * Last-Modified) and about 150 bytes of state (64-bit) */
    assert_true(sizeof(om_http_resp_t) <= OM_HTTP_LINE_MAX + OM_HTTP_KEPT_SIZE + 160);
    assert_true(OM_HTTP_KEPT_SIZE >= OM_URL_MAX + 1);
    assert_true(OM_HTTP_KEPT_SIZE >= OM_ETAG_MAX + 1 + OM_LASTMOD_MAX + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_full),
        cmocka_unit_test(test_request_streamed),
        cmocka_unit_test(test_request_minimal),
        cmocka_unit_test(test_request_host_port),
        cmocka_unit_test(test_request_injection),
        cmocka_unit_test(test_date_forms),
        cmocka_unit_test(test_date_every_day),
        cmocka_unit_test(test_status_lines),
        cmocka_unit_test(test_content_length_body),
        cmocka_unit_test(test_content_length_steps),
        cmocka_unit_test(test_chunked_whole_and_bytes),
        cmocka_unit_test(test_chunked_every_split),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_close_delimited),
        cmocka_unit_test(test_cdn_headers),
        cmocka_unit_test(test_long_headers),
        cmocka_unit_test(test_header_limits),
        cmocka_unit_test(test_malformed_heads),
        cmocka_unit_test(test_case_ows_and_bare_lf),
        cmocka_unit_test(test_content_length_values),
        cmocka_unit_test(test_transfer_encoding),
        cmocka_unit_test(test_chunk_framing),
        cmocka_unit_test(test_chunk_limits),
        cmocka_unit_test(test_no_body_statuses),
        cmocka_unit_test(test_interim_responses),
        cmocka_unit_test(test_body_max),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_callback_abort),
        cmocka_unit_test(test_api_edges),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
