/*
 * test_config.c - the config.yaml reader: good files, bad ones (each
 * error names its line and key), and hostile ones (random bytes, huge
 * lines, NULs) that must only ever give an error.
 */
#include "om_test.h"

#include "om_config.h"

struct warns {
    int n;
    unsigned line[8];
    char key[8][40];
};

static void on_warn(void *ctx, unsigned line, const char *key, const char *msg)
{
    struct warns *w = (struct warns *)ctx;
    assert_non_null(msg);
    if (w->n < 8) {
        w->line[w->n] = line;
        snprintf(w->key[w->n], sizeof w->key[0], "%s", key);
    }
    w->n++;
}

static int parse(om_config_t *c, const char *text, struct warns *w)
{
    om_config_init(c);
    if (w)
        memset(w, 0, sizeof *w);
    return om_config_parse(c, text, strlen(text), on_warn, w);
}

static void the_plan_block_and_more(void **state)
{
    static const char text[] =
        "# Clawlet\n"
        "provider:\n"
        "  name: openrouter\n"
        "  api_key: \"sk-...\"   # not ours\n"
        "models_cache:\n"
        "  enabled: true\n"
        "  refresh_interval: \"12h\"\n"
        "  cache_file: \"~/.clawlet/models_cache.json\"\n"
        "  url: https://127.0.0.1:8443/api/v1/models   # a mirror\n"
        "  referer: 'https://example.org/it''s'\n"
        "  title: \"Clawlet \\u00e9\"\n"
        "  popular:\n"
        "    - anthropic/claude-sonnet-4\n"
        "    - \"openai/gpt-4o\"   # a comment\n"
        "\n"
        "agent:\n"
        "  prompt: |\n"
        "    models_cache: this is not the block\n";
    om_config_t c;
    struct warns w;
    const char *pin[OM_PINNED_MAX];
    (void)state;
    assert_int_equal(parse(&c, text, &w), 0);
    assert_int_equal(w.n, 0);
    assert_int_equal(c.enabled, 1);
    assert_int_equal(c.refresh_interval, 12 * 3600);
    assert_string_equal(c.cache_file, "~/.clawlet/models_cache.json");
    assert_string_equal(c.url, "https://127.0.0.1:8443/api/v1/models");
    assert_string_equal(c.referer, "https://example.org/it's");
    assert_string_equal(c.title, "Clawlet \xc3\xa9");
    assert_int_equal(c.npopular, 2);
    assert_int_equal(om_config_pinned(&c, pin), 2);
    assert_string_equal(pin[0], "anthropic/claude-sonnet-4");
    assert_string_equal(pin[1], "openai/gpt-4o");
    assert_int_equal(c.given, OM_CFG_ENABLED | OM_CFG_INTERVAL | OM_CFG_CACHE_FILE |
                                  OM_CFG_URL | OM_CFG_REFERER | OM_CFG_TITLE |
                                  OM_CFG_POPULAR);
}

static void variants(void **state)
{
    om_config_t c;
    (void)state;
    /* BOM, CRLF, ---, 4-space indent, flow list, plain seconds, "no". */
    assert_int_equal(parse(&c, "\xEF\xBB\xBF---\r\nmodels_cache:\r\n"
                               "    enabled: No\r\n    refresh_interval: 1800\r\n"
                               "    popular: [a/b, \"c/d\" ,e/f]  # three\r\n...\r\n"
                               "garbage after the end: [\n", NULL), 0);
    assert_int_equal(c.enabled, 0);
    assert_int_equal(c.refresh_interval, 1800);
    assert_int_equal(c.npopular, 3);
    assert_string_equal(c.popular[2], "e/f");
    /* A list level with its key; the default interval when not given. */
    assert_int_equal(parse(&c, "models_cache:\n  popular:\n  - x/y\n  - z\n"
                               "  enabled: off\n", NULL), 0);
    assert_int_equal(c.npopular, 2);
    assert_int_equal(c.enabled, 0);
    assert_int_equal(c.refresh_interval, OM_REFRESH_INTERVAL_S);
    /* Empty list, no block at all, an empty file. */
    assert_int_equal(parse(&c, "models_cache:\n  popular: []\n", NULL), 0);
    assert_int_equal(c.npopular, 0);
    assert_int_equal(parse(&c, "other: 1\n", NULL), 0);
    assert_int_equal(c.given, 0);
    assert_int_equal(c.enabled, 1);
    assert_int_equal(parse(&c, "", NULL), 0);
    assert_int_equal(parse(&c, "models_cache:\n  enabled: false", NULL), 0);
    assert_int_equal(c.enabled, 0); /* no final newline */
}

static void unknown_keys_warn(void **state)
{
    om_config_t c;
    struct warns w;
    (void)state;
    assert_int_equal(parse(&c, "models_cache:\n  enabled: true\n"
                               "  refresh_every: 1d\n"
                               "  extra:\n    nested: 1\n    - list\n"
                               "  title: T\n", &w), 0);
    assert_int_equal(w.n, 2);
    assert_int_equal(w.line[0], 3);
    assert_string_equal(w.key[0], "models_cache.refresh_every");
    assert_int_equal(w.line[1], 4);
    assert_string_equal(w.key[1], "models_cache.extra");
    assert_string_equal(c.title, "T");
}

/* Each bad file: the line and key the error must name. */
static void errors_name_line_and_key(void **state)
{
    static const struct {
        const char *text;
        unsigned line;
        const char *key;
    } bad[] = {
        {"models_cache:\n  refresh_interval: \"1 day\"\n", 2,
         "models_cache.refresh_interval"},
        {"models_cache:\n  refresh_interval: 30\n", 2,
         "models_cache.refresh_interval"},
        {"models_cache:\n  enabled: maybe\n", 2, "models_cache.enabled"},
        {"models_cache:\n  enabled:\n", 2, "models_cache.enabled"},
        {"models_cache:\n  title: a\n  title: b\n", 3, "models_cache.title"},
        {"models_cache:\n  title: \"open\n", 2, "models_cache.title"},
        {"models_cache:\n  title: \"a\\r\\nX-Evil: 1\"\n", 2, "models_cache.title"},
        {"models_cache:\n  title: 'a\x01'\n", 2, "models_cache.title"},
        {"models_cache:\n  cache_file: &a x\n", 2, "models_cache.cache_file"},
        {"models_cache:\n  cache_file: *a\n", 2, "models_cache.cache_file"},
        {"models_cache:\n  cache_file: |\n    x\n", 2, "models_cache.cache_file"},
        {"models_cache:\n  url: ftp://x\n", 2, "models_cache.url"},
        {"models_cache:\n  url: \"https://a b\"\n", 2, "models_cache.url"},
        {"models_cache:\n  url: x: y\n", 2, "models_cache.url"},
        {"models_cache:\n  popular: [a, b\n", 2, "models_cache.popular"},
        {"models_cache:\n  popular: [a, ]\n", 2, "models_cache.popular"},
        {"models_cache:\n  popular: a\n", 2, "models_cache.popular"},
        {"models_cache:\n  popular:\n    - a\n    - b\n    - c\n    - d\n"
         "    - e\n    - f\n    - g\n    - h\n    - i\n", 11, "models_cache.popular"},
        {"models_cache:\n  popular:\n    - aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 3,
         "models_cache.popular"},
        {"models_cache:\n  title: x\n   url: y\n", 3, "models_cache.title"},
        {"models_cache:\n  title:\n    x\n", 2, "models_cache.title"},
        {"models_cache:\n    title: x\n  url: y\n", 3, ""},
        {"models_cache:\n\ttitle: x\n", 2, ""},
        {"models_cache: {}\n", 1, ""},
        {"models_cache:\n  a: 1\nmodels_cache:\n", 3, ""},
        {"- a\n", 1, ""},
        {"  x: 1\n", 1, ""},
        {"models_cache:\n  title x\n", 2, ""},
        {"models_cache:\n  \"title\": x\n", 2, ""},
        {"a: 1\n---\nb: 2\n", 2, ""},
        {"models_cache:\n  title: ok\n  url: \"x\0y\"\n", 3, ""},
    };
    size_t i;
    char msg[160];
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        om_config_t c;
        size_t len = strlen(bad[i].text);
        if (i == sizeof bad / sizeof bad[0] - 1)
            len = sizeof "models_cache:\n  title: ok\n  url: \"x\0y\"\n" - 1;
        om_config_init(&c);
        if (om_config_parse(&c, bad[i].text, len, NULL, NULL) != OM_ERR_FORMAT)
            fail_msg("case %zu parsed: %s", i, bad[i].text);
        if (c.err_line != bad[i].line || strcmp(c.err_key, bad[i].key))
            fail_msg("case %zu: line %u key '%s' (%s), want line %u key '%s'", i,
                     c.err_line, c.err_key, c.err_msg, bad[i].line, bad[i].key);
        assert_non_null(c.err_msg);
        om_config_error(&c, msg, sizeof msg);
        assert_true(strncmp(msg, "line ", 5) == 0);
        if (bad[i].key[0])
            assert_non_null(strstr(msg, bad[i].key));
    }
}

static void error_text(void **state)
{
    om_config_t c;
    char msg[160], tiny[7];
    (void)state;
    assert_int_equal(parse(&c, "\n\n\n\n\n\n\n\n\n\n\n\nmodels_cache:\n  enabled: 2\n",
                           NULL), OM_ERR_FORMAT);
    assert_string_equal(om_config_error(&c, msg, sizeof msg),
                        "line 14: models_cache.enabled: expected true or false");
    assert_string_equal(om_config_error(&c, tiny, sizeof tiny), "line 1");
}

/* Random and adversarial input: only 0 or OM_ERR_FORMAT, with a line
 * inside the file, and never a read outside the buffer (ASan). */
static void hostile_files(void **state)
{
    static const char *const parts[] = {
        "models_cache:", "\n", "  ", "    ", "\t", "- ", "enabled: ", "true",
        "popular:", "[", "]", ",", "\"", "'", "\\u00", "#", "refresh_interval: ",
        "1d", "url: https://x", "\r", ":", "other:", "---", "...", "&a", "*",
        "\xEF\xBB\xBF", "\xff", "title: ", "cache_file: "};
    static char buf[4096];
    uint32_t x = 12345;
    int round;
    (void)state;
    for (round = 0; round < 20000; round++) {
        om_config_t c;
        size_t n = 0, lines = 1, i;
        int e;
        while (n < sizeof buf - 64) {
            const char *p;
            x = x * 1664525u + 1013904223u;
            if ((x >> 28) == 0)
                break;
            p = parts[(x >> 8) % (sizeof parts / sizeof parts[0])];
            memcpy(buf + n, p, strlen(p));
            n += strlen(p);
        }
        for (i = 0; i < n; i++)
            lines += buf[i] == '\n';
        om_config_init(&c);
        e = om_config_parse(&c, buf, n, NULL, NULL);
        assert_true(e == 0 || e == OM_ERR_FORMAT);
        if (e)
            assert_true(c.err_line >= 1 && c.err_line <= lines);
        else
            assert_true(c.npopular <= OM_PINNED_MAX);
    }
    /* One enormous line in a foreign block, and one in ours. */
    {
        static char big[200000];
        om_config_t c;
        memset(big, 'x', sizeof big);
        memcpy(big, "other:\n  k: ", 12);
        big[sizeof big - 1] = '\n';
        om_config_init(&c);
        assert_int_equal(om_config_parse(&c, big, sizeof big, NULL, NULL), 0);
        memcpy(big, "models_cache:\n  url: ", 21);
        assert_int_equal(om_config_parse(&c, big, sizeof big, NULL, NULL),
                         OM_ERR_FORMAT);
        assert_string_equal(c.err_key, "models_cache.url");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_plan_block_and_more),
        cmocka_unit_test(variants),
        cmocka_unit_test(unknown_keys_warn),
        cmocka_unit_test(errors_name_line_and_key),
        cmocka_unit_test(error_text),
        cmocka_unit_test(hostile_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
