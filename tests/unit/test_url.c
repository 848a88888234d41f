/*
 * test_url.c - om_url_parse, om_url_resolve and om_url_same_origin on
 * tables of good and bad input, with exact expected parts.
 */
#include "om_test.h"

#include "om_url.h"

typedef struct parse_case {
    const char *url;
    int rc;
    int https;
    const char *host;
    unsigned port;
    const char *path;
} parse_case_t;

static const parse_case_t parse_cases[] = {
    {"https://openrouter.ai/api/v1/models", 0, 1, "openrouter.ai", 443, "/api/v1/models"},
    {"https://openrouter.ai", 0, 1, "openrouter.ai", 443, "/"},
    {"https://openrouter.ai/", 0, 1, "openrouter.ai", 443, "/"},
    {"http://example.com", 0, 0, "example.com", 80, "/"},
    {"HTTPS://OpenRouter.AI/Api", 0, 1, "openrouter.ai", 443, "/Api"},
    {"HtTp://a.b:8080/x", 0, 0, "a.b", 8080, "/x"},
    {"https://h:1/", 0, 1, "h", 1, "/"},
    {"https://h:65535/", 0, 1, "h", 65535, "/"},
    {"https://h:00443/", 0, 1, "h", 443, "/"},
    {"https://h?x=1", 0, 1, "h", 443, "/?x=1"},
    {"https://h/p?x=1&y=%2F", 0, 1, "h", 443, "/p?x=1&y=%2F"},
    {"https://h/p#frag", 0, 1, "h", 443, "/p"},
    {"https://h#frag", 0, 1, "h", 443, "/"},
    {"https://h/p?q#f?g", 0, 1, "h", 443, "/p?q"},
    {"https://h/a/./b/../c", 0, 1, "h", 443, "/a/c"},
    {"https://h/a/b/..", 0, 1, "h", 443, "/a/"},
    {"https://h/../../x", 0, 1, "h", 443, "/x"},
    {"https://h/a/..?q=/../", 0, 1, "h", 443, "/?q=/../"},
    {"https://h//a//b", 0, 1, "h", 443, "//a//b"},
    {"https://127.0.0.1:8443/m", 0, 1, "127.0.0.1", 8443, "/m"},
    {"https://[::1]/", 0, 1, "::1", 443, "/"},
    {"http://[2001:DB8::1]:8080/x", 0, 0, "2001:db8::1", 8080, "/x"},
    {"https://[::ffff:1.2.3.4]", 0, 1, "::ffff:1.2.3.4", 443, "/"},
    {"https://my_host-1.example/", 0, 1, "my_host-1.example", 443, "/"},
    {"https://h/p@q:r", 0, 1, "h", 443, "/p@q:r"},
    {"https://h/a[0]=1", 0, 1, "h", 443, "/a[0]=1"},
    /* refused */
    {"", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"openrouter.ai/api", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"ftp://h/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"httpss://h/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https:h/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https:/h/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https:///p", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://:443/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://user@h/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://user:pw@h/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h:0/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h:65536/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h:99999/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h:000443/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h:/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h:80a/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h:-1/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h /", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/a b", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {" https://h/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/\r\nX: y", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/\t", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/\x7f", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/caf\xc3\xa9", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/a\\b", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/<x>", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/%zz", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/%2", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/#a b", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h%41/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h!/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://[::1/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://[]/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://[1.2.3.4]/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://[::g]/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://[::1]x/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://[::1]:0/", OM_ERR_INVAL, 0, NULL, 0, NULL},
};

static void check_url(const om_url_t *u, int https, const char *host, unsigned port,
                      const char *path)
{
    assert_int_equal(u->https, https);
    assert_string_equal(u->host, host);
    assert_int_equal(u->port, port);
    assert_string_equal(u->path, path);
}

static void test_parse_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const parse_case_t *c = &parse_cases[i];
        om_url_t u;
        int rc;

        memset(&u, 0x5a, sizeof(u));
        rc = om_url_parse(c->url, &u);
        if (rc != c->rc)
            fail_msg("case %zu \"%s\": rc %d, want %d", i, c->url, rc, c->rc);
        if (c->rc == 0) {
            check_url(&u, c->https, c->host, c->port, c->path);
        } else {
            /* a failed parse leaves u alone */
            size_t k;

            for (k = 0; k < sizeof(u); k++)
                assert_int_equal(((unsigned char *)&u)[k], 0x5a);
        }
    }
}

static void test_parse_limits(void **state)
{
    char url[OM_URL_MAX + OM_URL_HOST_MAX + 64];
    char host[OM_URL_HOST_MAX + 2];
    om_url_t u;
    int n;

    (void)state;
    assert_int_equal(om_url_parse(NULL, &u), OM_ERR_INVAL);
    assert_int_equal(om_url_parse("https://h/", NULL), OM_ERR_INVAL);

    /* a path and query of exactly OM_URL_MAX bytes fit; one more does not */
    n = snprintf(url, sizeof(url), "https://h/");
    memset(url + n, 'p', OM_URL_MAX - 1);
    url[n + OM_URL_MAX - 1] = '\0';
    assert_int_equal(om_url_parse(url, &u), 0);
    assert_int_equal(strlen(u.path), OM_URL_MAX);
    url[n + OM_URL_MAX - 1] = 'p';
    url[n + OM_URL_MAX] = '\0';
    assert_int_equal(om_url_parse(url, &u), OM_ERR_TOOBIG);
    /* "?q" alone needs a '/' added in front */
    n = snprintf(url, sizeof(url), "https://h?");
    memset(url + n, 'q', OM_URL_MAX - 2);
    url[n + OM_URL_MAX - 2] = '\0';
    assert_int_equal(om_url_parse(url, &u), 0);
    assert_int_equal(strlen(u.path), OM_URL_MAX);
    url[n + OM_URL_MAX - 2] = 'q';
    url[n + OM_URL_MAX - 1] = '\0';
    assert_int_equal(om_url_parse(url, &u), OM_ERR_TOOBIG);

    /* a host of 253 bytes fits, 254 does not */
    memset(host, 'a', OM_URL_HOST_MAX);
    host[OM_URL_HOST_MAX] = '\0';
    snprintf(url, sizeof(url), "https://%s/x", host);
    assert_int_equal(om_url_parse(url, &u), 0);
    assert_int_equal(strlen(u.host), OM_URL_HOST_MAX);
    host[OM_URL_HOST_MAX] = 'a';
    host[OM_URL_HOST_MAX + 1] = '\0';
    snprintf(url, sizeof(url), "https://%s/x", host);
    assert_int_equal(om_url_parse(url, &u), OM_ERR_INVAL);
}

typedef struct resolve_case {
    const char *base;
    const char *ref;
    int rc;
    int https;
    const char *host;
    unsigned port;
    const char *path;
} resolve_case_t;

static const resolve_case_t resolve_cases[] = {
    {"https://openrouter.ai/api/v1/models", "https://cdn.example/x", 0, 1, "cdn.example", 443,
     "/x"},
    {"https://openrouter.ai/api/v1/models", "http://a:8080", 0, 0, "a", 8080, "/"},
    {"https://openrouter.ai/api/v1/models", "//other.example/p?q", 0, 1, "other.example", 443,
     "/p?q"},
    {"http://a:8080/x", "//b/y", 0, 0, "b", 80, "/y"},
    {"https://openrouter.ai:8443/api/v1/models", "/api/v1/models?cursor=x", 0, 1,
     "openrouter.ai", 8443, "/api/v1/models?cursor=x"},
    {"https://openrouter.ai/api/v1/models", "models?page=2", 0, 1, "openrouter.ai", 443,
     "/api/v1/models?page=2"},
    {"https://openrouter.ai/api/v1/models?page=1", "models?page=2", 0, 1, "openrouter.ai", 443,
     "/api/v1/models?page=2"},
    {"https://openrouter.ai/api/v1/models", "?page=2", 0, 1, "openrouter.ai", 443,
     "/api/v1/models?page=2"},
    {"https://openrouter.ai/api/v1/models?page=1", "?page=2", 0, 1, "openrouter.ai", 443,
     "/api/v1/models?page=2"},
    {"https://openrouter.ai/api/v1/models?page=1", "", 0, 1, "openrouter.ai", 443,
     "/api/v1/models?page=1"},
    {"https://openrouter.ai/api/v1/models?page=1", "#top", 0, 1, "openrouter.ai", 443,
     "/api/v1/models?page=1"},
    {"https://h/a/b/c", "../d", 0, 1, "h", 443, "/a/d"},
    {"https://h/a/b/c", "./d/", 0, 1, "h", 443, "/a/b/d/"},
    {"https://h/a/b/c", "../../../../d", 0, 1, "h", 443, "/d"},
    {"https://h/a/b/c", ".", 0, 1, "h", 443, "/a/b/"},
    {"https://h/a/b/c", "..", 0, 1, "h", 443, "/a/"},
    {"https://h/a/b/", "c?x=/..#f", 0, 1, "h", 443, "/a/b/c?x=/.."},
    {"https://h/", "models", 0, 1, "h", 443, "/models"},
    {"https://h/a", "/b/../c", 0, 1, "h", 443, "/c"},
    {"https://h/a/b", "./x:y", 0, 1, "h", 443, "/a/x:y"},
    {"https://h/a/b", "x?y:z", 0, 1, "h", 443, "/a/x?y:z"},
    /* refused */
    {"https://h/a", "ftp://x/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/a", "mailto:x@y", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/a", "1x:y", OM_ERR_INVAL, 0, NULL, 0, NULL}, /* not a path */
    {"https://h/a", "//u@evil/", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/a", "/a b", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/a", "x\r\nSet-Cookie: y", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/a", "?%g0", OM_ERR_INVAL, 0, NULL, 0, NULL},
    {"https://h/a", "//", OM_ERR_INVAL, 0, NULL, 0, NULL},
};

static void test_resolve_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
        const resolve_case_t *c = &resolve_cases[i];
        om_url_t base;
        om_url_t out;
        om_url_t same;
        int rc;

        assert_int_equal(om_url_parse(c->base, &base), 0);
        memset(&out, 0x5a, sizeof(out));
        rc = om_url_resolve(&base, c->ref, &out);
        if (rc != c->rc)
            fail_msg("case %zu \"%s\": rc %d, want %d", i, c->ref, rc, c->rc);
        /* resolving in place gives the same answer */
        same = base;
        assert_int_equal(om_url_resolve(&same, c->ref, &same), c->rc);
        if (c->rc == 0) {
            check_url(&out, c->https, c->host, c->port, c->path);
            check_url(&same, c->https, c->host, c->port, c->path);
        } else {
            assert_int_equal(out.port, 0x5a5a);
            assert_memory_equal(&same, &base, sizeof(base));
        }
    }
}

static void test_resolve_limits(void **state)
{
    char ref[OM_URL_MAX + 8];
    om_url_t base;
    om_url_t out;

    (void)state;
    assert_int_equal(om_url_parse("https://h/dir/x", &base), 0);
    assert_int_equal(om_url_resolve(NULL, "x", &out), OM_ERR_INVAL);
    assert_int_equal(om_url_resolve(&base, NULL, &out), OM_ERR_INVAL);
    assert_int_equal(om_url_resolve(&base, "x", NULL), OM_ERR_INVAL);
    /* "/dir/" + ref: OM_URL_MAX in all fits, one more does not */
    memset(ref, 'r', OM_URL_MAX - 5);
    ref[OM_URL_MAX - 5] = '\0';
    assert_int_equal(om_url_resolve(&base, ref, &out), 0);
    assert_int_equal(strlen(out.path), OM_URL_MAX);
    ref[OM_URL_MAX - 5] = 'r';
    ref[OM_URL_MAX - 4] = '\0';
    assert_int_equal(om_url_resolve(&base, ref, &out), OM_ERR_TOOBIG);
    /* an absolute path of OM_URL_MAX + 1 */
    ref[0] = '/';
    memset(ref + 1, 'r', OM_URL_MAX);
    ref[OM_URL_MAX + 1] = '\0';
    assert_int_equal(om_url_resolve(&base, ref, &out), OM_ERR_TOOBIG);
    assert_string_equal(base.path, "/dir/x");
}

static void test_same_origin(void **state)
{
    static const struct {
        const char *a;
        const char *b;
        int same;
    } cases[] = {
        {"https://openrouter.ai/a", "https://OPENROUTER.ai/b?c", 1},
        {"https://openrouter.ai/", "https://openrouter.ai:443/", 1},
        {"http://h/", "http://h:80/x", 1},
        {"https://h/", "http://h/", 0},
        {"https://h/", "http://h:443/", 0},
        {"https://h/", "https://h:8443/", 0},
        {"https://h/", "https://h2/", 0},
        {"https://h/", "https://hh/", 0},
        {"https://[::1]/", "https://[::1]:443/z", 1},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        om_url_t a;
        om_url_t b;

        assert_int_equal(om_url_parse(cases[i].a, &a), 0);
        assert_int_equal(om_url_parse(cases[i].b, &b), 0);
        assert_int_equal(om_url_same_origin(&a, &b), cases[i].same);
        assert_int_equal(om_url_same_origin(&b, &a), cases[i].same);
    }
    /* the host compare ignores case even on hand-made structs */
    {
        om_url_t a;
        om_url_t b;

        assert_int_equal(om_url_parse("https://abc/", &a), 0);
        b = a;
        strcpy(b.host, "AbC");
        assert_int_equal(om_url_same_origin(&a, &b), 1);
        assert_int_equal(om_url_same_origin(&a, NULL), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),   cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_resolve_table), cmocka_unit_test(test_resolve_limits),
        cmocka_unit_test(test_same_origin),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
