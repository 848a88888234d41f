/*
 * test_fetch.c - om_fetch and om_refresh over a scripted fake transport.
 *
 * The fake plays one scripted server response per connection: delivered
 * in reads of chosen sizes, cut after byte N (clean FIN or reset),
 * stalled, or refused. The clock is fake too, so timeouts and deadlines
 * are exact. The store is a RAM image that counts its saves.
 */
#include "om_test.h"
#include "om_fetch.h"

/* ------------------------------------------------------ fake transport */

enum { CUT_NONE, CUT_FIN, CUT_RESET, CUT_STALL };

typedef struct {
    const char *resp;   /* the server's bytes */
    size_t len;         /* 0: strlen(resp) */
    size_t chunk;       /* bytes a read returns at most; 0 = 1500 */
    size_t cut_at;      /* with cut: after this many bytes */
    int cut;            /* CUT_* */
    int open_err;       /* open fails with this */
    uint32_t ms_per_read; /* the fake clock advances this much a read */
} conn_t;

static struct {
    conn_t conns[8];
    int nconns, next;
    const conn_t *cur;
    size_t pos;
    char req[8][2048];
    size_t reqlen[8];
    int opens, closes, is_open;
    char host[8][64];
    uint16_t port[8];
} fake;

static uint32_t fake_ms;
static int64_t fake_unix;

static int f_open(void *ctx, const char *host, uint16_t port, int tls,
                  uint32_t timeout_ms)
{
    (void)ctx;
    (void)tls;
    (void)timeout_ms;
    assert_false(fake.is_open); /* one connection at a time */
    if (fake.next >= fake.nconns)
        return OM_ERR_CONNECT;
    fake.cur = &fake.conns[fake.next];
    snprintf(fake.host[fake.next], sizeof fake.host[0], "%s", host);
    fake.port[fake.next] = port;
    fake.reqlen[fake.next] = 0;
    fake.next++;
    fake.opens++;
    fake.pos = 0;
    if (fake.cur->open_err)
        return fake.cur->open_err;
    fake.is_open = 1;
    return OM_OK;
}

static int f_send(void *ctx, const void *buf, size_t len, uint32_t timeout_ms)
{
    int i = fake.next - 1;
    (void)ctx;
    (void)timeout_ms;
    assert_true(fake.reqlen[i] + len < sizeof fake.req[0]);
    memcpy(fake.req[i] + fake.reqlen[i], buf, len);
    fake.reqlen[i] += len;
    fake.req[i][fake.reqlen[i]] = '\0';
    return OM_OK;
}

static int f_recv(void *ctx, void *buf, size_t cap, uint32_t timeout_ms)
{
    const conn_t *c = fake.cur;
    size_t total = c->len ? c->len : strlen(c->resp);
    size_t n = c->chunk ? c->chunk : 1500;
    (void)ctx;
    fake_ms += c->ms_per_read;
    if (c->cut != CUT_NONE && fake.pos >= c->cut_at) {
        if (c->cut == CUT_STALL) {
            fake_ms += timeout_ms;
            return OM_ERR_TIMEOUT;
        }
        return c->cut == CUT_FIN ? 0 : OM_ERR_CLOSED;
    }
    if (fake.pos >= total)
        return 0;
    if (n > cap)
        n = cap;
    if (n > total - fake.pos)
        n = total - fake.pos;
    if (c->cut != CUT_NONE && n > c->cut_at - fake.pos)
        n = c->cut_at - fake.pos;
    memcpy(buf, c->resp + fake.pos, n);
    fake.pos += n;
    return (int)n;
}

static void f_close(void *ctx)
{
    (void)ctx;
    if (fake.is_open)
        fake.closes++;
    fake.is_open = 0;
}

static const char *f_error(void *ctx)
{
    (void)ctx;
    return "scripted failure";
}

static const om_transport_t tr = {NULL, f_open, f_send, f_recv, f_close, f_error};

static uint32_t c_ms(void *ctx)
{
    (void)ctx;
    return fake_ms;
}
static int64_t c_unix(void *ctx)
{
    (void)ctx;
    return fake_unix;
}
static const om_clock_t clk = {NULL, c_ms, c_unix};

static void script(const conn_t *c, int n)
{
    memset(&fake, 0, sizeof fake);
    memcpy(fake.conns, c, sizeof(conn_t) * (size_t)n);
    fake.nconns = n;
    fake_ms = 1000;
    fake_unix = 1790000000;
}

/* ------------------------------------------------------------ fixtures */

static om_fetcher_t fetcher;
static om_table_t t1, t2, live;
static om_fetch_result_t res;
static char resp_buf[16384];

#define CATALOGUE                                                            \
    "{\"data\":[{\"id\":\"b/two\",\"name\":\"Two\",\"pricing\":{\"prompt\":" \
    "\"0.000001\",\"completion\":\"0.000002\"},\"context_length\":8192},"    \
    "{\"id\":\"a/one\",\"name\":\"One\",\"created\":5}]}"

static const char *with_length(const char *head_extra, const char *body)
{
    snprintf(resp_buf, sizeof resp_buf,
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n%s\r\n%s",
             strlen(body), head_extra, body);
    return resp_buf;
}

static int fetch_url(const char *url, const om_table_t *cur, om_table_t *t)
{
    om_fetch_cfg_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url;
    return om_fetch(&fetcher, &cfg, &tr, &clk, cur, t, &res);
}

static int fetch(void) { return fetch_url("https://api.test/api/v1/models", NULL, &t1); }

/* --------------------------------------------------------------- tests */

static void content_length_ok(void **state)
{
    conn_t c = {0};
    (void)state;
    c.resp = with_length("ETag: \"v1\"\r\nLast-Modified: Tue, 24 Nov 2026 10:00:00 GMT\r\n",
                         CATALOGUE);
    script(&c, 1);
    assert_int_equal(fetch(), OM_OK);
    assert_int_equal(t1.count, 2);
    assert_string_equal(om_model_id(&t1, &t1.models[0]), "a/one");
    assert_string_equal(t1.etag, "\"v1\"");
    assert_string_equal(t1.last_modified, "Tue, 24 Nov 2026 10:00:00 GMT");
    assert_int_equal(t1.updated_at, 1790000000);
    assert_int_equal(res.status, 200);
    assert_int_equal(fake.closes, 1);
    assert_string_equal(res.msg, "2 models from api.test");
}

static void request_headers(void **state)
{
    conn_t c = {0};
    om_fetch_cfg_t cfg;
    const char *r;
    (void)state;
    c.resp = with_length("", CATALOGUE);
    script(&c, 1);
    assert_int_equal(fetch(), OM_OK);
    r = fake.req[0];
    assert_non_null(strstr(r, "GET /api/v1/models HTTP/1.1\r\n"));
    assert_non_null(strstr(r, "\r\nHost: api.test\r\n"));
    assert_non_null(strstr(r, "\r\nUser-Agent: ormodels/" OM_VERSION "\r\n"));
    assert_non_null(strstr(r, "\r\nAccept: application/json\r\n"));
    assert_non_null(strstr(r, "\r\nAccept-Encoding: identity\r\n"));
    assert_non_null(strstr(r, "\r\nHTTP-Referer: https://clawlet.ai\r\n"));
    assert_non_null(strstr(r, "\r\nX-Title: Clawlet\r\n"));
    assert_non_null(strstr(r, "\r\nConnection: close\r\n"));
    assert_null(strstr(r, "Authorization"));
    assert_null(strstr(r, "If-None-Match"));
    assert_string_equal(fake.host[0], "api.test");
    assert_int_equal(fake.port[0], 443);

    /* with a key: sent, and never in a message even when failing */
    memset(&cfg, 0, sizeof cfg);
    cfg.url = "https://api.test:8443/m";
    cfg.api_key = "sk-or-secret";
    c.resp = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n";
    script(&c, 1);
    assert_int_equal(om_fetch(&fetcher, &cfg, &tr, &clk, NULL, &t1, &res),
                     OM_ERR_STATUS);
    assert_non_null(strstr(fake.req[0], "\r\nAuthorization: Bearer sk-or-secret\r\n"));
    assert_int_equal(fake.port[0], 8443);
    assert_null(strstr(res.msg, "sk-or"));
    assert_string_equal(res.msg, "HTTP 401 from api.test");
}

static void long_request(void **state)
{
    static char key[1200];
    conn_t c = {0};
    om_fetch_cfg_t cfg;
    (void)state;
    /* a request longer than the I/O buffer goes out in pieces, whole */
    memset(key, 'k', sizeof key - 1);
    memset(&cfg, 0, sizeof cfg);
    cfg.url = "https://api.test/api/v1/models";
    cfg.api_key = key;
    c.resp = with_length("", CATALOGUE);
    script(&c, 1);
    assert_int_equal(om_fetch(&fetcher, &cfg, &tr, &clk, NULL, &t1, &res), OM_OK);
    assert_true(fake.reqlen[0] > sizeof fetcher.io);
    assert_non_null(strstr(fake.req[0], "\r\nAuthorization: Bearer kkkk"));
    assert_non_null(strstr(fake.req[0], "kkk\r\nHTTP-Referer: "));
    assert_int_equal(strlen(strstr(fake.req[0], "\r\n\r\n")), 4);
    assert_int_equal(t1.count, 2);

    /* a value that would inject a header: refused before connecting */
    cfg.api_key = "sk\r\nX-Evil: 1";
    script(&c, 1);
    assert_int_equal(om_fetch(&fetcher, &cfg, &tr, &clk, NULL, &t1, &res),
                     OM_ERR_INVAL);
    assert_int_equal(fake.opens, 0);
    assert_string_equal(res.msg, "invalid header value");
}

static void chunked_and_close_delimited(void **state)
{
    static char body[sizeof resp_buf];
    conn_t c = {0};
    size_t n = 0, i = 0, k = 1, len = strlen(CATALOGUE);
    (void)state;
    n += (size_t)sprintf(body, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    while (i < len) { /* chunks of 1, 2, 3, ... bytes with an extension */
        size_t m = k < len - i ? k : len - i;
        n += (size_t)sprintf(body + n, "%zx;ext=1\r\n", m);
        memcpy(body + n, CATALOGUE + i, m);
        n += m;
        n += (size_t)sprintf(body + n, "\r\n");
        i += m;
        k++;
    }
    n += (size_t)sprintf(body + n, "0\r\nX-Trailer: y\r\n\r\n");
    c.resp = body;
    c.chunk = 7;
    script(&c, 1);
    assert_int_equal(fetch(), OM_OK);
    assert_int_equal(t1.count, 2);

    c.resp = "HTTP/1.0 200 OK\r\n\r\n" CATALOGUE; /* ends at close */
    c.chunk = 1;
    script(&c, 1);
    assert_int_equal(fetch(), OM_OK);
    assert_int_equal(t1.count, 2);
}

/* The response cut after every byte: always an error, never a table. */
static void truncation_sweep(void **state)
{
    static char body[sizeof resp_buf];
    conn_t c = {0};
    size_t total, n;
    int how;
    (void)state;
    for (how = 0; how < 3; how++) {
        if (how == 0)
            snprintf(body, sizeof body, "%s", with_length("", CATALOGUE));
        else if (how == 1)
            snprintf(body, sizeof body,
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "10\r\n%.16s\r\n%zx\r\n%s\r\n0\r\n\r\n",
                     CATALOGUE, strlen(CATALOGUE) - 16, CATALOGUE + 16);
        else
            snprintf(body, sizeof body, "HTTP/1.1 200 OK\r\n\r\n%s", CATALOGUE);
        total = strlen(body);
        for (n = 0; n < total; n++) {
            int cut = n % 2 ? CUT_FIN : CUT_RESET, e;
            c.resp = body;
            c.cut = cut;
            c.cut_at = n;
            c.chunk = 1 + n % 5;
            script(&c, 1);
            e = fetch();
            if (e == OM_OK)
                fail_msg("form %d cut at %zu of %zu: accepted", how, n, total);
            assert_true(res.msg[0] != '\0');
            assert_int_equal(fake.closes, fake.opens);
        }
    }
}

static void timeouts_and_deadline(void **state)
{
    conn_t c = {0};
    om_fetch_cfg_t cfg;
    (void)state;
    c.resp = with_length("", CATALOGUE);
    c.cut = CUT_STALL;
    c.cut_at = 40; /* stalls inside the head */
    script(&c, 1);
    assert_int_equal(fetch(), OM_ERR_TIMEOUT);
    assert_string_equal(res.msg, "timed out: no progress for 30 s");

    /* a byte every 5 s: each read is in time, the deadline ends it */
    memset(&cfg, 0, sizeof cfg);
    cfg.url = "https://api.test/m";
    cfg.deadline_ms = 60000;
    c.cut = CUT_NONE;
    c.chunk = 1;
    c.ms_per_read = 5000;
    script(&c, 1);
    assert_int_equal(om_fetch(&fetcher, &cfg, &tr, &clk, NULL, &t1, &res),
                     OM_ERR_TIMEOUT);
    assert_non_null(strstr(res.msg, "deadline"));
    assert_true(fake_ms - 1000 <= 65000);

    /* the deadline passes during a redirect: the next host is never
     * connected to */
    {
        conn_t r[2];
        memset(r, 0, sizeof r);
        r[0].resp = "HTTP/1.1 302 Found\r\nLocation: /next\r\n\r\n";
        r[0].ms_per_read = 70000;
        r[1].resp = with_length("", CATALOGUE);
        script(r, 2);
        assert_int_equal(om_fetch(&fetcher, &cfg, &tr, &clk, NULL, &t1, &res),
                         OM_ERR_TIMEOUT);
        assert_int_equal(fake.opens, 1);
        assert_int_equal(fake.closes, 1);
        assert_string_equal(res.msg, "timed out: the deadline passed");
    }
}

static void body_cap(void **state)
{
    conn_t c = {0};
    om_fetch_cfg_t cfg;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    cfg.url = "https://api.test/m";
    cfg.body_max = 50;
    c.resp = with_length("", CATALOGUE);
    script(&c, 1);
    assert_int_equal(om_fetch(&fetcher, &cfg, &tr, &clk, NULL, &t1, &res),
                     OM_ERR_TOOBIG);

    /* a redirect's body counts too: one that uses body_max up leaves no
     * page after it uncapped */
    {
        conn_t two[2];
        memset(two, 0, sizeof two);
        cfg.body_max = 10;
        two[0].resp = "HTTP/1.1 302 Found\r\nLocation: /next\r\n"
                      "Content-Length: 10\r\n\r\n0123456789";
        two[1].resp = with_length("", CATALOGUE);
        script(two, 2);
        assert_int_equal(om_fetch(&fetcher, &cfg, &tr, &clk, NULL, &t1, &res),
                         OM_ERR_TOOBIG);
        assert_int_equal(fake.opens, 1);
        assert_string_equal(res.msg, "body_max reached before the last page");
    }
}

static void redirects(void **state)
{
    conn_t c[5];
    int i;
    (void)state;
    memset(c, 0, sizeof c);
    c[0].resp = "HTTP/1.1 301 Moved\r\nLocation: https://other.test/v2/models\r\n"
                "Content-Length: 0\r\n\r\n";
    c[1].resp = "HTTP/1.1 308 Moved\r\nLocation: /v3/models\r\n\r\n";
    c[2].resp = with_length("", CATALOGUE);
    script(c, 3);
    assert_int_equal(fetch(), OM_OK);
    assert_int_equal(res.redirects, 2);
    assert_string_equal(fake.host[1], "other.test");
    assert_non_null(strstr(fake.req[2], "GET /v3/models HTTP/1.1"));
    assert_non_null(strstr(fake.req[2], "Host: other.test"));

    /* the API key goes to the first origin only, not where it redirects */
    {
        om_fetch_cfg_t cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.url = "https://api.test/m";
        cfg.api_key = "sk-secret";
        c[0].resp = "HTTP/1.1 302 Found\r\nLocation: /same-origin\r\n\r\n";
        c[1].resp = "HTTP/1.1 302 Found\r\nLocation: https://cdn.test/m\r\n\r\n";
        c[2].resp = "HTTP/1.1 302 Found\r\nLocation: https://api.test/back\r\n\r\n";
        c[3].resp = with_length("", CATALOGUE);
        script(c, 4);
        assert_int_equal(om_fetch(&fetcher, &cfg, &tr, &clk, NULL, &t1, &res),
                         OM_OK);
        assert_non_null(strstr(fake.req[0], "Authorization: Bearer sk-secret"));
        assert_non_null(strstr(fake.req[1], "Authorization: Bearer sk-secret"));
        assert_null(strstr(fake.req[2], "Authorization"));
        assert_null(strstr(fake.req[3], "Authorization")); /* stays dropped */
    }

    for (i = 0; i < 5; i++) /* a loop: stopped after 3 */
        c[i].resp = "HTTP/1.1 302 Found\r\nLocation: /again\r\n\r\n";
    script(c, 5);
    assert_int_equal(fetch(), OM_ERR_REDIRECT);
    assert_int_equal(fake.opens, 4);

    c[0].resp = "HTTP/1.1 302 Found\r\nLocation: http://api.test/m\r\n\r\n";
    script(c, 1);
    assert_int_equal(fetch(), OM_ERR_REDIRECT);
    assert_non_null(strstr(res.msg, "non-https redirect"));
}

static void pagination(void **state)
{
    static char p1[sizeof resp_buf], p2[sizeof resp_buf];
    conn_t c[3];
    (void)state;
    memset(c, 0, sizeof c);
    snprintf(p1, sizeof p1, "%s",
             with_length("ETag: \"p1\"\r\n",
                         "{\"data\":[{\"id\":\"a/1\"}],\"total_count\":2,"
                         "\"links\":{\"next\":\"/api/v1/models?cursor=2\"}}"));
    snprintf(p2, sizeof p2, "%s",
             with_length("", "{\"data\":[{\"id\":\"b/2\"}],\"total_count\":2,"
                             "\"links\":{\"next\":null}}"));
    c[0].resp = p1;
    c[1].resp = p2;
    script(c, 2);
    assert_int_equal(fetch(), OM_OK);
    assert_int_equal(t1.count, 2);
    assert_int_equal(res.pages, 2);
    assert_string_equal(res.msg, "2 models from api.test in 2 pages");
    assert_non_null(strstr(fake.req[1], "GET /api/v1/models?cursor=2 HTTP/1.1"));
    assert_string_equal(t1.etag, ""); /* several pages: no validators */

    /* an absolute links.next on the same origin, spelt differently */
    snprintf(p1, sizeof p1, "%s",
             with_length("", "{\"data\":[{\"id\":\"a/1\"}],\"links\":{\"next\":"
                             "\"HTTPS://API.Test:443/api/v1/models?cursor=2\"}}"));
    script(c, 2);
    assert_int_equal(fetch(), OM_OK);
    assert_int_equal(res.pages, 2);
    assert_string_equal(fake.host[1], "api.test");

    /* ... and on another: port, scheme or host */
    {
        static const char *const others[] = {"https://api.test:8443/m",
                                             "http://api.test/m",
                                             "https://api.tes/m",
                                             "https://evil.test/m"};
        char body[128];
        size_t i;
        for (i = 0; i < sizeof others / sizeof others[0]; i++) {
            snprintf(body, sizeof body,
                     "{\"data\":[{\"id\":\"a/1\"}],\"links\":{\"next\":\"%s\"}}",
                     others[i]);
            snprintf(p1, sizeof p1, "%s", with_length("", body));
            script(c, 2);
            assert_int_equal(fetch(), OM_ERR_SCHEMA);
            assert_int_equal(fake.opens, 1);
        }
    }

    /* body_max counts all pages: a first page that uses it up exactly
     * leaves no page after it uncapped */
    {
        static const char body[] = "{\"data\":[{\"id\":\"a/1\"}],"
                                   "\"links\":{\"next\":\"/m?cursor=2\"}}";
        om_fetch_cfg_t cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.url = "https://api.test/m";
        cfg.body_max = sizeof body - 1;
        snprintf(p1, sizeof p1, "%s", with_length("", body));
        script(c, 2);
        assert_int_equal(om_fetch(&fetcher, &cfg, &tr, &clk, NULL, &t1, &res),
                         OM_ERR_TOOBIG);
        assert_int_equal(fake.opens, 1);
        assert_string_equal(res.msg, "body_max reached before the last page");
    }
}

static void conditional_304(void **state)
{
    conn_t c = {0};
    (void)state;
    om_table_init(&t2);
    strcpy(t2.etag, "\"v1\"");
    strcpy(t2.last_modified, "Tue, 24 Nov 2026 10:00:00 GMT");
    c.resp = "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n";
    script(&c, 1);
    assert_int_equal(fetch_url("https://api.test/m", &t2, &t1), OM_OK);
    assert_int_equal(res.not_modified, 1);
    assert_non_null(strstr(fake.req[0], "\r\nIf-None-Match: \"v1\"\r\n"));
    assert_non_null(strstr(fake.req[0],
                           "\r\nIf-Modified-Since: Tue, 24 Nov 2026 10:00:00 GMT\r\n"));
    /* a 304 we did not ask for is an error */
    script(&c, 1);
    assert_int_equal(fetch(), OM_ERR_STATUS);
}

static void error_statuses(void **state)
{
    conn_t c = {0};
    (void)state;
    c.resp = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 120\r\n"
             "Content-Length: 0\r\n\r\n";
    script(&c, 1);
    assert_int_equal(fetch(), OM_ERR_STATUS);
    assert_int_equal(res.retry_after, 120);
    assert_string_equal(res.msg, "HTTP 429 from api.test (retry after 120 s)");

    c.resp = "HTTP/1.1 500 Oops\r\nContent-Type: text/html\r\n\r\n<html>";
    script(&c, 1);
    assert_int_equal(fetch(), OM_ERR_STATUS);
    assert_int_equal(res.status, 500);

    c.resp = with_length("", "<html><body>Bad gateway</body></html>");
    script(&c, 1);
    assert_int_equal(fetch(), OM_ERR_SCHEMA);
    assert_non_null(strstr(res.msg, "not a model catalogue at byte 0"));

    c.resp = with_length("", "{\"data\":[]}");
    script(&c, 1);
    assert_int_equal(fetch(), OM_ERR_EMPTY);

    c.resp = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
    script(&c, 1);
    assert_int_equal(fetch(), OM_ERR_HTTP);

    c.resp = NULL;
    c.open_err = OM_ERR_TLS;
    script(&c, 1);
    assert_int_equal(fetch(), OM_ERR_TLS);
    assert_string_equal(res.msg, "TLS with api.test:443: scripted failure");

    assert_int_equal(fetch_url("http://api.test/m", NULL, &t1), OM_ERR_INVAL);
    assert_int_equal(fetch_url("not a url", NULL, &t1), OM_ERR_INVAL);
}

static void date_when_clock_unknown(void **state)
{
    conn_t c = {0};
    (void)state;
    c.resp = with_length("Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", CATALOGUE);
    script(&c, 1);
    fake_unix = 0;
    assert_int_equal(fetch(), OM_OK);
    assert_int_equal(t1.updated_at, 784111777);
}

/* ------------------------------------------------------------- refresh */

static unsigned char store_img[64 * 1024];
static size_t store_len;
static int store_saves, store_fail;

static int s_write(void *ctx, const void *p, size_t n)
{
    size_t *len = ctx;
    if (*len + n > sizeof store_img)
        return OM_ERR_IO;
    memcpy(store_img + *len, p, n);
    *len += n;
    return OM_OK;
}
static int s_save(void *ctx, const om_table_t *t)
{
    size_t len = 0;
    (void)ctx;
    if (store_fail)
        return OM_ERR_IO;
    if (om_image_write(t, s_write, &len) != OM_OK)
        return OM_ERR_IO;
    store_len = len;
    store_saves++;
    return OM_OK;
}
static int s_load(void *ctx, om_table_t *t)
{
    (void)ctx;
    if (!store_len) {
        om_table_init(t);
        return OM_ERR_NOTFOUND;
    }
    return om_image_load(t, store_img, store_len);
}
static const om_store_t store = {NULL, s_load, s_save, NULL, NULL};

static int refresh(om_table_t *scratch, unsigned flags)
{
    om_fetch_cfg_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.url = "https://api.test/m";
    return om_refresh(&fetcher, &cfg, &tr, &clk, &store, &live, scratch, 86400,
                      flags, &res);
}

static void refresh_policy(void **state)
{
    static unsigned char before[64 * 1024];
    size_t before_len;
    conn_t c = {0};
    int round;
    (void)state;
    for (round = 0; round < 2; round++) {
        om_table_t *scratch = round ? &live : &t2; /* device mode: one table */
        store_len = 0;
        store_saves = 0;
        store_fail = 0;

        /* nothing saved, fetch fails: the defaults */
        c.open_err = OM_ERR_CONNECT;
        script(&c, 1);
        assert_int_equal(refresh(scratch, 0), OM_REFRESH_DEFAULTS);
        assert_int_equal(live.count, 4);
        assert_int_equal(store_saves, 0);

        /* a good fetch is saved */
        c.open_err = 0;
        c.resp = with_length("ETag: \"v1\"\r\n", CATALOGUE);
        script(&c, 1);
        assert_int_equal(refresh(scratch, 0), OM_REFRESH_UPDATED);
        assert_int_equal(live.count, 2);
        assert_int_equal(store_saves, 1);

        /* fresh: no network at all */
        script(&c, 1);
        fake_unix += 3600;
        assert_int_equal(refresh(scratch, 0), OM_REFRESH_FRESH);
        assert_int_equal(fake.opens, 0);

        /* expired, and the server is broken: the saved table stays, the
         * store is byte-identical */
        memcpy(before, store_img, store_len);
        before_len = store_len;
        c.resp = with_length("", "{\"data\":[{\"id\":\"x/y\"},");
        script(&c, 1);
        fake_unix += 2 * 86400;
        assert_int_equal(refresh(scratch, 0), OM_REFRESH_STALE);
        assert_int_equal(live.count, 2);
        assert_int_equal(store_len, before_len);
        assert_memory_equal(store_img, before, before_len);

        /* a 304 renews the date */
        c.resp = "HTTP/1.1 304 Not Modified\r\n\r\n";
        script(&c, 1);
        fake_unix += 2 * 86400;
        assert_int_equal(refresh(scratch, 0), OM_REFRESH_NOT_MODIFIED);
        assert_non_null(strstr(fake.req[0], "If-None-Match: \"v1\""));
        assert_int_equal(live.updated_at, fake_unix);
        assert_int_equal(live.count, 2);
        /* ... and when its new date cannot be saved, it still says so */
        script(&c, 1);
        fake_unix += 4 * 86400; /* script() set the clock back */
        store_fail = 1;
        assert_int_equal(refresh(scratch, 0), OM_REFRESH_NOT_MODIFIED);
        assert_string_equal(res.msg, "not modified (304); saving the table failed");
        assert_int_equal(live.count, 2);
        store_fail = 0;

        /* forced: fetched although fresh; a failed save keeps the old */
        c.resp = with_length("", "{\"data\":[{\"id\":\"new/one\"}]}");
        script(&c, 1);
        store_fail = 1;
        assert_int_equal(refresh(scratch, OM_REFRESH_FORCE), OM_REFRESH_STALE);
        assert_int_equal(res.err, OM_ERR_IO);
        assert_string_equal(res.msg, "1 models from api.test; saving the table failed");
        assert_int_equal(live.count, 2);
        store_fail = 0;
        script(&c, 1);
        assert_int_equal(refresh(scratch, OM_REFRESH_FORCE), OM_REFRESH_UPDATED);
        assert_int_equal(live.count, 1);

        /* offline */
        script(&c, 1);
        assert_int_equal(refresh(scratch, OM_REFRESH_NO_NET | OM_REFRESH_FORCE),
                         OM_REFRESH_OFFLINE);
        assert_int_equal(fake.opens, 0);
        assert_int_equal(live.count, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_length_ok),
        cmocka_unit_test(request_headers),
        cmocka_unit_test(long_request),
        cmocka_unit_test(chunked_and_close_delimited),
        cmocka_unit_test(truncation_sweep),
        cmocka_unit_test(timeouts_and_deadline),
        cmocka_unit_test(body_cap),
        cmocka_unit_test(redirects),
        cmocka_unit_test(pagination),
        cmocka_unit_test(conditional_304),
        cmocka_unit_test(error_statuses),
        cmocka_unit_test(date_when_clock_unknown),
        cmocka_unit_test(refresh_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
