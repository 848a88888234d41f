/*
 * test_serve.c - the dashboard endpoint without sockets: formats, the
 * 4xx answers, the force_refresh limit on a fake clock, the selection
 * round trip through a fake store, byte-at-a-time and pulled responses,
 * and random requests that must never crash it.
 */
#include "om_test.h"

#include "om_fetch.h"
#include "om_serve.h"

static uint32_t fake_ms;
static uint32_t clk_ms(void *ctx) { (void)ctx; return fake_ms; }
static int64_t clk_unix(void *ctx) { (void)ctx; return 1770854400; }
static const om_clock_t clk = {NULL, clk_ms, clk_unix};

/* The fake store: the selection in memory. */
static char saved_sel[OM_ID_MAX + 1];
static int sel_saves, sel_fail;
static int st_load(void *ctx, om_table_t *t) { (void)ctx; (void)t; return OM_ERR_NOTFOUND; }
static int st_save(void *ctx, const om_table_t *t) { (void)ctx; (void)t; return OM_ERR_IO; }
static int st_sel_load(void *ctx, char *buf, size_t cap)
{
    (void)ctx;
    if (sel_fail)
        return OM_ERR_IO;
    if (!saved_sel[0])
        return OM_ERR_NOTFOUND;
    snprintf(buf, cap, "%s", saved_sel);
    return (int)strlen(saved_sel);
}
static int st_sel_save(void *ctx, const char *id)
{
    (void)ctx;
    if (sel_fail)
        return OM_ERR_IO;
    snprintf(saved_sel, sizeof saved_sel, "%s", id);
    sel_saves++;
    return 0;
}
static const om_store_t store = {NULL, st_load, st_save, st_sel_load, st_sel_save};

static om_table_t table;
static om_serve_t srv;
static om_serve_req_t req;

struct sink {
    char buf[65536];
    size_t len;
};
static struct sink out;

static int sink_write(void *ctx, const void *b, size_t n)
{
    struct sink *s = (struct sink *)ctx;
    assert_true(s->len + n < sizeof s->buf);
    memcpy(s->buf + s->len, b, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return 0;
}

static int setup(void **state)
{
    om_model_t m;
    (void)state;
    fake_ms = 5000;
    saved_sel[0] = '\0';
    sel_saves = sel_fail = 0;
    om_table_load_defaults(&table);
    memset(&m, 0, sizeof m);
    m.prompt = 3u | ((om_price_t)6 << 59); /* 0.000003 */
    m.completion = 15u | ((om_price_t)6 << 59);
    m.context_length = 200000;
    m.id_len = (uint8_t)strlen("test/\"quoted\"");
    m.name_len = (uint8_t)strlen("Name <b>&</b>");
    assert_true(om_table_put(&table, &m, "test/\"quoted\"", "Name <b>&</b>") >= 0);
    table.updated_at = 1770854400;
    memset(&srv, 0, sizeof srv);
    srv.clk = &clk;
    srv.store = &store;
    return 0;
}

/* Feeds text in pieces of `step` bytes (0: at once), then answers it.
 * Returns the status; the response is in out. */
static int ask_n(const char *text, size_t len, size_t step)
{
    size_t off = 0, used;
    int done = 0;
    om_serve_req_init(&req);
    while (off < len && !done) {
        size_t n = step && len - off > step ? step : len - off;
        done = om_serve_feed(&req, text + off, n, &used);
        assert_true(used <= n);
        off += used;
    }
    if (!done)
        return 0; /* more bytes wanted */
    if (om_serve_wants_refresh(&srv, &req))
        om_serve_refreshed(&req, OM_REFRESH_UPDATED);
    om_serve_handle(&srv, &req, &table);
    out.len = 0;
    out.buf[0] = '\0';
    assert_int_equal(om_serve_write(&req, &table, sink_write, &out), 0);
    return atoi(out.buf + 9);
}
static int ask(const char *text) { return ask_n(text, strlen(text), 0); }

static const char *body(void)
{
    const char *b = strstr(out.buf, "\r\n\r\n");
    assert_non_null(b);
    return b + 4;
}

static int has_header(const char *h)
{
    const char *end = strstr(out.buf, "\r\n\r\n");
    const char *p = strstr(out.buf, h);
    return p && p < end;
}

/* The head's Content-Length is the body's true length. */
static void check_length(void)
{
    const char *p = strstr(out.buf, "Content-Length: ");
    assert_non_null(p);
    assert_int_equal((size_t)atoi(p + 16), out.len - (size_t)(body() - out.buf));
}

#define GET(path) "GET " path " HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"

static void models_format(void **state)
{
    static struct sink want;
    (void)state;
    assert_int_equal(ask(GET("/models?provider=openrouter&force_refresh=false")), 200);
    assert_true(has_header("Content-Type: application/json\r\n"));
    assert_true(has_header("Connection: close\r\n"));
    assert_false(has_header(OM_SERVE_HDR_REFRESH));
    check_length();
    want.len = 0;
    om_json_write_models(&table, NULL, 0, sink_write, &want);
    assert_string_equal(body(), want.buf);
    assert_non_null(strstr(body(), "\"updated_at\":\"2026-02-12T00:00:00Z\"}"));
    /* No query: the defaults (openrouter, no refresh). */
    assert_int_equal(ask(GET("/models")), 200);
    assert_string_equal(body(), want.buf);
    assert_int_equal(ask(GET("/models?provider=open%72outer&x=1&&y")), 200);
}

static void other_provider_is_400(void **state)
{
    (void)state;
    assert_int_equal(ask(GET("/models?provider=anthropic")), 400);
    assert_string_equal(body(), "{\"detail\":\"Provider anthropic not supported\"}");
    check_length();
    /* What a client sends comes back escaped, never raw. */
    assert_int_equal(ask(GET("/models?provider=%22%3Cb%3E%0A")), 400);
    assert_string_equal(body(), "{\"detail\":\"Provider \\\"<b>? not supported\"}");
    assert_int_equal(ask(GET("/models?provider=%zz")), 400);
    assert_int_equal(ask(GET("/models?force_refresh=maybe")), 400);
    assert_int_equal(ask(GET("/models?provider=" "aaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")),
                     400);
}

static void force_refresh_once_a_minute(void **state)
{
    (void)state;
    assert_int_equal(ask(GET("/models?force_refresh=true")), 200);
    assert_true(has_header("X-Models-Refresh: updated\r\n"));
    fake_ms += 59000;
    assert_int_equal(ask(GET("/models?force_refresh=true")), 200);
    assert_true(has_header("X-Models-Refresh: rate-limited\r\n"));
    assert_true(has_header("Retry-After: 1\r\n"));
    check_length();
    fake_ms += 1000;
    assert_int_equal(ask(GET("/models?force_refresh=1")), 200);
    assert_true(has_header("X-Models-Refresh: updated\r\n"));
    /* A refresh that failed says so; the table is still served. */
    fake_ms += 60000;
    om_serve_req_init(&req);
    {
        const char *t = GET("/models?force_refresh=true");
        assert_int_equal(om_serve_feed(&req, t, strlen(t), NULL), 1);
    }
    assert_int_equal(om_serve_wants_refresh(&srv, &req), 1);
    om_serve_refreshed(&req, OM_REFRESH_STALE);
    assert_int_equal(om_serve_handle(&srv, &req, &table), 200);
    out.len = 0;
    om_serve_write(&req, &table, sink_write, &out);
    assert_true(has_header("X-Models-Refresh: failed\r\n"));
    /* The clock wraps: still a minute apart. */
    fake_ms = 0xFFFFFFF0u;
    assert_int_equal(ask(GET("/models?force_refresh=true")), 200);
    assert_true(has_header("X-Models-Refresh: updated\r\n"));
    fake_ms += 30000;
    assert_int_equal(ask(GET("/models?force_refresh=true")), 200);
    assert_true(has_header("rate-limited"));
    /* Fetching off. */
    srv.no_refresh = 1;
    fake_ms += 600000;
    assert_int_equal(ask(GET("/models?force_refresh=true")), 200);
    assert_true(has_header("X-Models-Refresh: disabled\r\n"));
}

#define POST_SEL(b) "POST /selection HTTP/1.1\r\nHost: localhost:8080\r\n" \
    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s"

static int post(const char *json)
{
    static char text[1024];
    snprintf(text, sizeof text, POST_SEL(), strlen(json), json);
    return ask(text);
}

static void selection_round_trip(void **state)
{
    static const char *const bad[] = {
        "", "{}", "{\"id\":\"\"}", "{\"id\":1}", "[\"openai/gpt-4-turbo\"]",
        "{\"id\":\"openai/gpt-4-turbo\"", "{\"id\":\"openai/gpt-4-turbo\",\"x\":1}",
        "{\"id\":\"openai/gpt-4-turbo\"}x", "{\"ID\":\"openai/gpt-4-turbo\"}",
        "{\"id\":\"a\\u0000b\"}", "{\"id\":\"\\x\"}", "{\"id\":\"\xff\"}"};
    size_t i;
    (void)state;
    assert_int_equal(ask(GET("/selection")), 200);
    assert_string_equal(body(), "{\"id\":null,\"listed\":false}");
    assert_int_equal(post("{\"id\":\"openai/gpt-4-turbo\"}"), 200);
    assert_string_equal(body(), "{\"id\":\"openai/gpt-4-turbo\",\"listed\":true}");
    assert_string_equal(saved_sel, "openai/gpt-4-turbo");
    assert_int_equal(ask(GET("/selection")), 200);
    assert_string_equal(body(), "{\"id\":\"openai/gpt-4-turbo\",\"listed\":true}");
    /* Escapes in the body are decoded; spaces are fine. */
    assert_int_equal(post(" { \"id\" : \"anthropic\\/claude-sonnet-4\" } "), 200);
    assert_string_equal(saved_sel, "anthropic/claude-sonnet-4");
    /* Unknown and malformed ids change nothing. */
    assert_int_equal(post("{\"id\":\"no/such-model\"}"), 400);
    assert_string_equal(body(), "{\"detail\":\"Model no/such-model is not in the list\"}");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (post(bad[i]) != 400)
            fail_msg("body %zu (%s) accepted", i, bad[i]);
    }
    assert_int_equal(sel_saves, 2);
    assert_string_equal(saved_sel, "anthropic/claude-sonnet-4");
    /* A saved id the table no longer lists. */
    strcpy(saved_sel, "gone/model");
    assert_int_equal(ask(GET("/selection")), 200);
    assert_string_equal(body(), "{\"id\":\"gone/model\",\"listed\":false}");
    /* Not JSON, no length: refused before anything is saved. */
    assert_int_equal(ask("POST /selection HTTP/1.1\r\nHost: localhost\r\n"
                         "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}"), 415);
    assert_int_equal(ask("POST /selection HTTP/1.1\r\nHost: localhost\r\n\r\n"), 411);
    sel_fail = 1;
    assert_int_equal(post("{\"id\":\"openai/gpt-4-turbo\"}"), 500);
    assert_int_equal(ask(GET("/selection")), 500);
    assert_int_equal(sel_saves, 2);
}

static void page_and_routes(void **state)
{
    size_t n;
    const char *page = om_serve_page(&n);
    (void)state;
    assert_true(n > 1000 && n <= 8192); /* the page budget */
    assert_true(!strncmp(page, "<!doctype html>", 15));
    assert_int_equal(ask(GET("/")), 200);
    assert_true(has_header("Content-Type: text/html; charset=utf-8\r\n"));
    assert_true(has_header("Content-Security-Policy: "));
    assert_int_equal(memcmp(body(), page, n), 0);
    check_length();
    assert_non_null(strstr(body(), "Loading models..."));
    assert_non_null(strstr(body(), "Refresh models"));
    assert_int_equal(ask(GET("/nothing")), 404);
    assert_int_equal(ask(GET("/models/")), 404);
    assert_int_equal(ask(GET("/?x=1")), 200);
    assert_int_equal(ask("DELETE /models HTTP/1.1\r\nHost: localhost\r\n\r\n"), 405);
    assert_true(has_header("Allow: GET\r\n"));
    assert_int_equal(ask("PUT /selection HTTP/1.1\r\nHost: localhost\r\n\r\n"), 405);
    assert_true(has_header("Allow: GET, POST\r\n"));
    assert_int_equal(ask("POST /models HTTP/1.1\r\nHost: localhost\r\n"
                         "Content-Length: 0\r\n\r\n"), 405);
    /* No table yet (NULL): an empty list, nothing listed. */
    om_serve_req_init(&req);
    assert_int_equal(om_serve_feed(&req, GET("/models"), strlen(GET("/models")), NULL), 1);
    assert_int_equal(om_serve_handle(&srv, &req, NULL), 200);
    out.len = 0;
    om_serve_write(&req, NULL, sink_write, &out);
    assert_string_equal(body(), "{\"models\":[],\"updated_at\":\"\"}");
    /* HTTP/1.0 needs no Host. */
    assert_int_equal(ask("GET /models HTTP/1.0\r\n\r\n"), 200);
}

static void malformed_and_oversized(void **state)
{
    static const struct { const char *text; int status; } cases[] = {
        {"GET /models HTTP/1.1\r\n\r\n", 400},               /* no Host */
        {"GET /models\r\n\r\n", 400},
        {"GET  /models HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"GET models HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"GET /models HTTP/2.0\r\nHost: a\r\n\r\n", 505},
        {"GET /models FTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"GET /models HTTP/1.1\rHost: a\r\n\r\n", 400},      /* bare CR */
        {"GET /models HTTP/1.1\r\nHost a\r\n\r\n", 400},
        {"GET /models HTTP/1.1\r\n: a\r\n\r\n", 400},
        {"GET /models HTTP/1.1\r\nHost : a\r\n\r\n", 400},
        {"GET /models HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400},
        {"GET /models HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        {"GET /models HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", 400},
        {"GET /models HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
        {"GET /models HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
         "Content-Length: 2\r\n\r\nab", 400},
        {"GET /models HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n", 400},
        {"GET /models HTTP/1.1\r\nHost: a\r\nContent-Length: 257\r\n\r\n", 413},
        {"GET /models HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
    };
    static char big[20000];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int st = ask(cases[i].text);
        if (st != cases[i].status)
            fail_msg("case %zu: %d, want %d", i, st, cases[i].status);
        assert_non_null(strstr(body(), "{\"detail\":\""));
        check_length();
    }
    assert_int_equal(ask_n("GET /models HTTP/1.1\r\nHost: a\0\r\n\r\n", 35, 0), 400);
    /* A request line longer than a line: 414; headers over the cap: 431. */
    memcpy(big, "GET /models?provider=", 21);
    memset(big + 21, 'a', 3000);
    strcpy(big + 3021, " HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(ask(big), 414);
    strcpy(big, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (i = 0; i < 300; i++)
        strcat(big, "X-Filler: 0123456789012345678901234567890123456789\r\n");
    strcat(big, "\r\n");
    assert_int_equal(ask(big), 431);
    /* A long header the server does not read is fine, within the cap. */
    strcpy(big, "GET / HTTP/1.1\r\nHost: a\r\nCookie: ");
    memset(big + strlen(big), 'c', 2000);
    strcpy(big + 33 + 2000, "\r\n\r\n");
    assert_int_equal(ask(big), 200);
    /* A head that never ends asks for more, then hits the cap. */
    assert_int_equal(ask("GET / HTTP/1.1\r\nHost: a\r\n"), 0);
    /* Leading blank lines are skipped. */
    assert_int_equal(ask("\r\n\r\n" GET("/")), 200);
}

static void host_and_origin_checks(void **state)
{
    (void)state;
    srv.host_check = 1;
    assert_int_equal(ask(GET("/models")), 200);
    assert_int_equal(ask("GET /models HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"), 200);
    assert_int_equal(ask("GET /models HTTP/1.1\r\nHost: LOCALHOST\r\n\r\n"), 200);
    assert_int_equal(ask("GET /models HTTP/1.1\r\nHost: evil.example:8080\r\n\r\n"), 403);
    assert_int_equal(ask("GET /models HTTP/1.1\r\nHost: 127.0.0.1.evil\r\n\r\n"), 403);
    assert_int_equal(ask("GET /models HTTP/1.1\r\nHost: 127.0.0.1:80x\r\n\r\n"), 403);
    assert_int_equal(ask("POST /selection HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
                         "Origin: http://evil.example\r\nContent-Type: application/json\r\n"
                         "Content-Length: 27\r\n\r\n{\"id\":\"openai/gpt-4-turbo\"}"), 403);
    assert_int_equal(sel_saves, 0);
    assert_int_equal(ask("POST /selection HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
                         "Origin: http://127.0.0.1:8080\r\nContent-Type: application/json\r\n"
                         "Content-Length: 27\r\n\r\n{\"id\":\"openai/gpt-4-turbo\"}"), 200);
    assert_int_equal(sel_saves, 1);
    srv.host_check = 0; /* listening on the network: any Host */
    assert_int_equal(ask("GET /models HTTP/1.1\r\nHost: 192.168.1.9:8080\r\n\r\n"), 200);
}

/* One byte at a time gives the same answer; a pipelined request is left. */
static void bytewise_and_pipelined(void **state)
{
    static char whole[65536];
    const char *t = GET("/models?provider=openrouter");
    size_t used;
    (void)state;
    ask(t);
    memcpy(whole, out.buf, out.len + 1);
    assert_int_equal(ask_n(t, strlen(t), 1), 200);
    assert_string_equal(out.buf, whole);
    om_serve_req_init(&req);
    assert_int_equal(om_serve_feed(&req, GET("/") GET("/models"),
                                   2 * strlen(GET("/")) + 6, &used), 1);
    assert_int_equal(used, strlen(GET("/")));
}

/* Pulled in any piece size, the response is the written one. */
static void pull_equals_write(void **state)
{
    static char whole[65536], got[65536];
    static const size_t caps[] = {1, 7, 64, 1000, 65536};
    size_t c;
    (void)state;
    ask(GET("/models"));
    memcpy(whole, out.buf, out.len);
    for (c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        uint64_t off = 0;
        int n;
        while ((n = om_serve_pull(&req, &table, off, got + off, caps[c])) > 0) {
            assert_true((size_t)n <= caps[c]);
            off += (uint64_t)n;
            assert_true(off <= out.len);
        }
        assert_int_equal(n, 0);
        assert_int_equal(off, out.len);
        assert_memory_equal(got, whole, out.len);
    }
    assert_int_equal(om_serve_pull(&req, &table, 0, got, 0), OM_ERR_INVAL);
}

/* Random requests built from pieces that matter: never a crash, always
 * "more" or a status from the list; nothing saved without a valid POST. */
static void random_requests(void **state)
{
    static const char *const parts[] = {
        "GET ", "POST ", "/models", "/selection", "/", "?provider=", "openrouter",
        "&force_refresh=", "true", " HTTP/1.1", " HTTP/1.0", "\r\n", "\n", "\r",
        "Host: localhost", "Content-Length: ", "5", "300", "Content-Type: application/json",
        ":", " ", "{\"id\":\"", "openai/gpt-4-turbo", "\"}", "%", "%41", "\0", "\xff",
        "Transfer-Encoding: chunked", "Origin: http://x"};
    static char text[6000];
    uint32_t x = 99;
    int round;
    (void)state;
    for (round = 0; round < 30000; round++) {
        size_t n = 0;
        int st;
        while (n < sizeof text - 64) {
            const char *p;
            size_t pl;
            x = x * 1664525u + 1013904223u;
            if ((x >> 27) == 0)
                break;
            p = parts[(x >> 8) % (sizeof parts / sizeof parts[0])];
            pl = p[0] ? strlen(p) : 1;
            memcpy(text + n, p, pl);
            n += pl;
        }
        st = ask_n(text, n, (x >> 4) % 5);
        assert_true(st == 0 || st == 200 || st == 400 || st == 403 || st == 404 ||
                    st == 405 || st == 411 || st == 413 || st == 414 || st == 415 ||
                    st == 431 || st == 501 || st == 505);
        if (st)
            check_length();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(models_format, setup),
        cmocka_unit_test_setup(other_provider_is_400, setup),
        cmocka_unit_test_setup(force_refresh_once_a_minute, setup),
        cmocka_unit_test_setup(selection_round_trip, setup),
        cmocka_unit_test_setup(page_and_routes, setup),
        cmocka_unit_test_setup(malformed_and_oversized, setup),
        cmocka_unit_test_setup(host_and_origin_checks, setup),
        cmocka_unit_test_setup(bytewise_and_pipelined, setup),
        cmocka_unit_test_setup(pull_equals_write, setup),
        cmocka_unit_test_setup(random_requests, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
