/*
 * test_extract.c - the streaming extractor: splits, errors, bounds.
 *
 * The table must not depend on how the body is cut into chunks, the
 * memory must not grow with the input, and every malformed or truncated
 * body must fail with the right error at the right byte. Real catalogues
 * come from ../shared/fixtures (OM_FIXTURES overrides) when present.
 */
#include <dirent.h>

#include "om_test.h"

static om_table_t table, table2;
static om_extractor_t x;

/* ---------------------------------------------------------- helpers */

static unsigned char img_a[256 * 1024], img_b[256 * 1024];

typedef struct {
    unsigned char *buf;
    size_t len, cap;
} mem_t;

static int mem_write(void *ctx, const void *p, size_t n)
{
    mem_t *m = ctx;
    if (m->len + n > m->cap)
        return OM_ERR_NOSPACE;
    memcpy(m->buf + m->len, p, n);
    m->len += n;
    return OM_OK;
}

static size_t image_of(const om_table_t *t, unsigned char *buf)
{
    mem_t m = {buf, 0, sizeof img_a};
    assert_int_equal(om_image_write(t, mem_write, &m), OM_OK);
    return m.len;
}

/* Feeds s in chunks of the given sizes (cycled; 0 = all at once). */
static int feed_split(om_table_t *t, const char *s, size_t n,
                      const size_t *sizes, size_t nsizes)
{
    size_t off = 0, k = 0;
    int e = OM_OK;
    om_extract_init(&x, t, NULL, 0);
    while (off < n && e == OM_OK) {
        size_t c = nsizes ? sizes[k++ % nsizes] : n;
        if (c > n - off)
            c = n - off;
        e = om_extract_feed(&x, s + off, c);
        off += c;
    }
    return e == OM_OK ? om_extract_finish(&x) : e;
}

static int parse_str(const char *s)
{
    return feed_split(&table, s, strlen(s), NULL, 0);
}

/* A small catalogue with everything that can be cut badly: escapes,
 * surrogate pairs, raw UTF-8, numbers, literals, nesting. */
static const char small[] =
    "{\"data\":[\n"
    "  {\"id\":\"z-ai/glm-4.5:free\",\"name\":\"Z.AI: GLM 4.5 (free) \","
    "\"created\":1753471347,\"context_length\":131072,"
    "\"pricing\":{\"prompt\":\"0\",\"completion\":\"0\"}},\n"
    "  {\"name\":\"Caf\\u00e9 \\ud83d\\ude80 \xe4\xb8\xad\\n\\t\\\"q\\\"\\\\\","
    "\"id\":\"~esc\\/caf\\u00e9\",\"pricing\":{\"overrides\":[{\"when\":"
    "{\"gt\":200000},\"prompt\":\"9\"}],\"completion\":0.000015,"
    "\"prompt\":\"0.0000000208333333333333\"},\"context_length\":2000000,"
    "\"benchmarks\":{\"x\":[1.5e-7,-2E+3,0,null,true,false,{}],\"y\":null}},\n"
    "  {\"id\":\"openrouter/auto\",\"name\":\"Auto Router\","
    "\"pricing\":{\"prompt\":\"-1\",\"completion\":\"-1\"},\"created\":1}\n"
    "],\"total_count\":3,\"links\":{\"next\":null}}";

/* ------------------------------------------------------------ tests */

static void window_is_fixed_and_small(void **state)
{
    (void)state;
    /* The whole extractor, window included, within 2 KB by default. */
    assert_true(sizeof(om_extractor_t) <= 2048);
    assert_true(OM_WINDOW_SIZE <= 2048);
}

static void small_catalogue_fields(void **state)
{
    const om_model_t *m;
    char buf[64];
    int i;
    (void)state;
    assert_int_equal(parse_str(small), OM_OK);
    assert_int_equal(table.count, 3);
    /* sorted bytewise: "openrouter" < "z-ai" < "~esc" */
    assert_string_equal(om_model_id(&table, &table.models[0]), "openrouter/auto");
    assert_string_equal(om_model_id(&table, &table.models[1]), "z-ai/glm-4.5:free");
    assert_string_equal(om_model_id(&table, &table.models[2]), "~esc/caf\xc3\xa9");

    i = om_table_find(&table, "z-ai/glm-4.5:free", 17);
    assert_int_equal(i, 1);
    m = &table.models[i];
    assert_string_equal(om_model_name(&table, m), "Z.AI: GLM 4.5 (free) ");
    assert_int_equal(m->created, 1753471347);
    assert_int_equal(m->context_length, 131072);
    assert_true(om_model_is_free(m));

    m = &table.models[2];
    /* \u escapes and a surrogate pair to UTF-8, raw UTF-8 kept, \n and \t
     * in a name become spaces, quotes and backslashes decoded */
    assert_string_equal(om_model_name(&table, m),
                        "Caf\xc3\xa9 \xf0\x9f\x9a\x80 \xe4\xb8\xad  \"q\"\\");
    om_price_format(m->prompt, buf, sizeof buf);
    assert_string_equal(buf, "0.0000000208333333333333");
    om_price_format(m->completion, buf, sizeof buf);
    assert_string_equal(buf, "0.000015");
    assert_int_equal(m->context_length, 2000000);
    assert_int_equal(m->created, 0);

    m = &table.models[0];
    assert_true(m->prompt == OM_PRICE_VARIABLE);
    assert_true(m->completion == OM_PRICE_VARIABLE);
    assert_int_equal(m->context_length, 0);
    assert_int_equal(x.stats.total_count, 3);
    assert_null(om_extract_next(&x));
}

/* Every 2-part split, every 1-byte feed and assorted chunk patterns give
 * the same table image as a single feed. */
static void every_split_same_table(void **state)
{
    static const size_t one[] = {1}, odd[] = {3, 1, 7, 2, 13, 5},
                        prime[] = {17}, big[] = {4096};
    const size_t *pat[] = {one, odd, prime, big};
    const size_t npat[] = {1, 6, 1, 1};
    size_t n = strlen(small), la, lb, i;
    (void)state;
    assert_int_equal(parse_str(small), OM_OK);
    la = image_of(&table, img_a);
    for (i = 0; i <= n; i++) {
        size_t sizes[2] = {i ? i : n, n};
        assert_int_equal(feed_split(&table2, small, n, sizes, 2), OM_OK);
        lb = image_of(&table2, img_b);
        assert_int_equal(la, lb);
        assert_memory_equal(img_a, img_b, la);
    }
    for (i = 0; i < 4; i++) {
        assert_int_equal(feed_split(&table2, small, n, pat[i], npat[i]), OM_OK);
        lb = image_of(&table2, img_b);
        assert_int_equal(la, lb);
        assert_memory_equal(img_a, img_b, la);
    }
}

/* Every prefix of a valid catalogue is an error, never a table. */
static void every_truncation_fails(void **state)
{
    size_t n = strlen(small), i;
    (void)state;
    for (i = 0; i < n; i++) {
        int e = feed_split(&table, small, i, NULL, 0);
        if (i == 0)
            e = (om_extract_init(&x, &table, NULL, 0), om_extract_finish(&x));
        assert_int_equal(e, OM_ERR_TRUNCATED);
        assert_int_equal(x.err_offset, i);
    }
}

struct bad {
    const char *in;
    int err;
    unsigned long offset;
    const char *msg;
};

static void malformed_inputs(void **state)
{
    static const struct bad cases[] = {
        {"", OM_ERR_TRUNCATED, 0, "truncated at byte 0"},
        {"[]", OM_ERR_SCHEMA, 0, "not a JSON object"},
        {"\"data\"", OM_ERR_SCHEMA, 0, "not a JSON object"},
        {"<html>", OM_ERR_SCHEMA, 0, "not a JSON object"},
        {"{\"data\":{}}", OM_ERR_SCHEMA, 8, "\"data\" is not an array"},
        {"{\"x\":1}", OM_ERR_SCHEMA, 7, "no \"data\" array"},
        {"{\"data\":[]}", OM_ERR_EMPTY, 11, "no usable model"},
        {"{\"data\":[{\"name\":\"no id\"}]}", OM_ERR_EMPTY, 27, "no usable"},
        {"{\"data\":[{\"id\":\"a\"}]", OM_ERR_TRUNCATED, 20, "truncated at byte 20"},
        {"{\"data\":[{\"id\":\"a\"}]}x", OM_ERR_JSON, 21, "after the end"},
        {"{\"data\":[{\"id\":\"a\",}]}", OM_ERR_JSON, 19, "expected a key"},
        {"{\"data\":[{\"id\" \"a\"}]}", OM_ERR_JSON, 15, "expected ':'"},
        {"{\"data\":[{\"id\":\"a\\q\"}]}", OM_ERR_JSON, 18, "invalid escape"},
        {"{\"data\":[{\"id\":\"a\\u12G4\"}]}", OM_ERR_JSON, 21, "invalid escape"},
        {"{\"data\":[{\"id\":\"a\x01\"}]}", OM_ERR_JSON, 17, "control character"},
        {"{\"data\":[{\"d\":\"a\nb\"}]}", OM_ERR_JSON, 16, "control character"},
        {"{\"data\":[01]}", OM_ERR_JSON, 10, "expected ','"},
        {"{\"data\":[-]}", OM_ERR_JSON, 10, "malformed number"},
        {"{\"data\":[1.]}", OM_ERR_JSON, 11, "malformed number"},
        {"{\"data\":[1e+]}", OM_ERR_JSON, 12, "malformed number"},
        {"{\"data\":[tru]}", OM_ERR_JSON, 12, "invalid literal"},
        {"{\"data\":[nul,1]}", OM_ERR_JSON, 12, "invalid literal"},
        {"{\"data\":[{\"id\":\"a\"}}", OM_ERR_JSON, 19, "mismatched"},
        {"{\"data\":[{\"id\":\"a\"]]}", OM_ERR_JSON, 18, "mismatched"},
        {"{\"data\":[{\"id\":\"a\"},]}", OM_ERR_JSON, 20, "expected a value"},
        {"{\"data\":[{\"id\":\"a\"}] \"x\"}", OM_ERR_JSON, 21, "expected ','"},
        {"{,}", OM_ERR_JSON, 1, "expected a key"},
        {"{\"data\":[{'id':1}]}", OM_ERR_JSON, 10, "expected a key"},
        {"{\"data\":[{\"id\":\"a\"}]}}", OM_ERR_JSON, 21, "after the end"},
    };
    char msg[160];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int e = parse_str(cases[i].in);
        om_extract_error(&x, msg, sizeof msg);
        if (e != cases[i].err || x.err_offset != cases[i].offset ||
            !strstr(msg, cases[i].msg))
            fail_msg("case %zu %s: got %d at %lu (%s), want %d at %lu (%s)", i,
                     cases[i].in, e, (unsigned long)x.err_offset, msg,
                     cases[i].err, cases[i].offset, cases[i].msg);
        /* errors are sticky */
        assert_int_equal(om_extract_feed(&x, "{", 1), e);
    }
    /* the one-line message names the kind, the byte and the reason */
    parse_str("{\"data\":[{\"id\" \"a\"}]}");
    assert_string_equal(om_extract_error(&x, msg, sizeof msg),
                        "malformed JSON at byte 15: expected ':'");
    /* the kind says it all for a truncated document */
    parse_str("{\"data\":[");
    assert_string_equal(om_extract_error(&x, msg, sizeof msg),
                        "truncated at byte 9");
}

static void deep_nesting_rejected(void **state)
{
    static char doc[20100];
    size_t n = 0, i;
    (void)state;
    n += (size_t)sprintf(doc, "{\"data\":[{\"id\":\"a\",\"x\":");
    for (i = 0; i < 10000; i++)
        doc[n++] = '[';
    doc[n] = '\0';
    assert_int_equal(parse_str(doc), OM_ERR_DEPTH);
    /* depth counts from the top object: the error is at the bracket that
     * would open level OM_JSON_MAX_DEPTH + 1 */
    assert_int_equal(x.err_offset, 23 + (OM_JSON_MAX_DEPTH - 3));
    /* the kind says it all: no reason after it */
    {
        char msg[80], want[80];
        snprintf(want, sizeof want, "%s at byte %d", om_strerror(OM_ERR_DEPTH),
                 23 + (OM_JSON_MAX_DEPTH - 3));
        assert_string_equal(om_extract_error(&x, msg, sizeof msg), want);
    }
}

/* A model whose description is 1 MB (with escapes every few bytes) passes
 * through the fixed window, fed in odd-sized chunks. */
static void megabyte_string_streams(void **state)
{
    static const char head[] = "{\"data\":[{\"id\":\"big/model\",\"description\":\"";
    static const char tail[] = "\",\"name\":\"Big\",\"context_length\":8192}]}";
    static const char piece[] = "abc\\\"def \\u00e9\\\\ \xc3\xa9";
    size_t total = 0;
    (void)state;
    om_extract_init(&x, &table, NULL, 0);
    assert_int_equal(om_extract_feed(&x, head, sizeof head - 1), OM_OK);
    while (total < (1u << 20)) {
        size_t k = (total / 7) % (sizeof piece - 1) + 1;
        assert_int_equal(om_extract_feed(&x, piece, k), OM_OK);
        assert_int_equal(om_extract_feed(&x, piece + k, sizeof piece - 1 - k),
                         OM_OK);
        total += sizeof piece - 1;
    }
    assert_int_equal(om_extract_feed(&x, tail, sizeof tail - 1), OM_OK);
    assert_int_equal(om_extract_finish(&x), OM_OK);
    assert_int_equal(table.count, 1);
    assert_string_equal(om_model_name(&table, &table.models[0]), "Big");
    assert_int_equal(table.models[0].context_length, 8192);
}

static void links_next_and_key_order(void **state)
{
    (void)state;
    assert_int_equal(
        parse_str("{\"links\":{\"prev\":\"x\",\"next\":\"https:\\/\\/h\\/api\\/v1\\/"
                  "models?cursor=2\"},\"total_count\":900,\"data\":[{\"id\":\"a/b\"}]}"),
        OM_OK);
    assert_string_equal(om_extract_next(&x), "https://h/api/v1/models?cursor=2");
    assert_int_equal(x.stats.total_count, 900);
    /* a second page continues into the same table */
    om_extract_next_page(&x);
    assert_null(om_extract_next(&x));
    assert_int_equal(om_extract_feed(&x, "{\"data\":[{\"id\":\"c/d\"}]}", 23), OM_OK);
    assert_int_equal(om_extract_finish(&x), OM_OK);
    assert_int_equal(table.count, 2);
    /* a next link too long to keep makes the catalogue incomplete */
    {
        static char doc[4 * OM_URL_MAX];
        size_t n = (size_t)sprintf(doc, "{\"data\":[{\"id\":\"a\"}],\"links\":{\"next\":\"");
        memset(doc + n, 'u', OM_URL_MAX + 1);
        strcpy(doc + n + OM_URL_MAX + 1, "\"}}");
        assert_int_equal(parse_str(doc), OM_ERR_TOOBIG);
    }
}

static void odd_models_counted(void **state)
{
    static char doc[4096];
    char longid[OM_ID_MAX + 2];
    (void)state;
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    snprintf(doc, sizeof doc,
             "{\"data\":[{\"id\":\"%s\"},{\"id\":\"k/1\",\"name\":\"first\"},"
             "{\"id\":\"k/1\",\"name\":\"second\"},7,null,{\"id\":5},"
             "{\"id\":\"a\\u0001b\"},{\"id\":\"bad\xff\"},{\"id\":\"\"},"
             "{\"id\":\" x\",\"name\":\"blank first\"},"
             "{\"id\":\"k/2\",\"name\":\"\\ud800 lone\",\"created\":-1,"
             "\"context_length\":1.5,\"pricing\":{\"prompt\":\"free\","
             "\"completion\":[1]}},"
             "{\"id\":\"k/3\",\"id\":\"k/ignored\",\"name\":{\"x\":1}}]}",
             longid);
    assert_int_equal(parse_str(doc), OM_OK);
    assert_int_equal(table.count, 3);
    assert_int_equal(x.stats.long_ids, 1);
    assert_int_equal(x.stats.duplicates, 1);
    /* 7, null, id 5, control char, bad UTF-8, empty id, blank first */
    assert_int_equal(x.stats.invalid, 7);
    assert_string_equal(om_model_name(&table, &table.models[0]), "second");
    /* k/2: lone surrogate name, negative created, float context, two bad
     * prices: kept with those fields absent */
    assert_string_equal(om_model_name(&table, &table.models[1]), "");
    assert_true(table.models[1].prompt == OM_PRICE_NONE);
    assert_true(table.models[1].completion == OM_PRICE_NONE);
    assert_int_equal(table.models[1].context_length, 0);
    /* the first of repeated keys wins */
    assert_string_equal(om_model_id(&table, &table.models[2]), "k/3");
    assert_true(x.stats.bad_fields >= 6);
}

static void long_names_cut_on_characters(void **state)
{
    static char doc[4096];
    size_t n;
    const char *name;
    (void)state;
    n = (size_t)sprintf(doc, "{\"data\":[{\"id\":\"a/b\",\"name\":\"");
    while (n < 1000)
        n += (size_t)sprintf(doc + n, "\\u00e9\xe4\xb8\xad");
    strcpy(doc + n, "\"}]}");
    assert_int_equal(parse_str(doc), OM_OK);
    name = om_model_name(&table, &table.models[0]);
    assert_true(strlen(name) <= OM_NAME_MAX);
    assert_true(strlen(name) >= OM_NAME_MAX - 3);
    /* whole characters only: é (2 bytes) and 中 (3 bytes) alternate */
    assert_int_equal(strlen(name) % 5 == 0 || strlen(name) % 5 == 2, 1);
    assert_int_equal(x.stats.names_cut, 1);
}

static void pinned_survive_overflow(void **state)
{
    static char doc[700 * 80];
    static const char *const pins[] = {"old/pinned"};
    size_t n, i;
    (void)state;
    n = (size_t)sprintf(doc, "{\"data\":[{\"id\":\"old/pinned\",\"created\":1}");
    for (i = 0; i < 600; i++)
        n += (size_t)sprintf(doc + n, ",{\"id\":\"m/%04zu\",\"created\":%zu}", i,
                             1000 + i);
    strcpy(doc + n, "]}");
    om_extract_init(&x, &table, pins, 1);
    assert_int_equal(om_extract_feed(&x, doc, strlen(doc)), OM_OK);
    assert_int_equal(om_extract_finish(&x), OM_OK);
    assert_int_equal(table.count, OM_TABLE_CAPACITY);
    assert_true(om_table_find(&table, "old/pinned", 10) >= 0);
    /* the newest others stay, the oldest went */
    assert_true(om_table_find(&table, "m/0599", 6) >= 0);
    assert_int_equal(om_table_find(&table, "m/0000", 6), OM_ERR_NOTFOUND);
    assert_int_equal(x.stats.dropped, 601 - OM_TABLE_CAPACITY);
}

/* ---------------------------------------------------- real catalogues */

static const char *fixtures_dir(void)
{
    const char *d = getenv("OM_FIXTURES");
    return d ? d : "../shared/fixtures";
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long len;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    rewind(f);
    b = malloc((size_t)len + 1);
    if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return b;
}

/* For each fixture: 1-byte feeds, random chunk sizes (1..16384) and
 * splits right before and after escapes, UTF-8 bytes and digits all give
 * the single-feed table. */
static void fixtures_any_split(void **state)
{
    DIR *d = opendir(fixtures_dir());
    struct dirent *e;
    int files = 0;
    (void)state;
    if (!d) {
        printf("SKIPPED: %s is absent; the real catalogues were not split\n",
               fixtures_dir());
        skip();
    }
    while ((e = readdir(d)) != NULL) {
        char path[1024];
        size_t n = 0, la, lb, i, r;
        char *doc;
        unsigned seed = 12345;
        if (!strstr(e->d_name, ".json"))
            continue;
        snprintf(path, sizeof path, "%s/%s", fixtures_dir(), e->d_name);
        doc = slurp(path, &n);
        assert_non_null(doc);
        files++;
        assert_int_equal(feed_split(&table, doc, n, NULL, 0), OM_OK);
        la = image_of(&table, img_a);
        {
            static const size_t one[] = {1};
            assert_int_equal(feed_split(&table2, doc, n, one, 1), OM_OK);
            lb = image_of(&table2, img_b);
            assert_int_equal(la, lb);
            assert_memory_equal(img_a, img_b, la);
        }
        for (r = 0; r < 4; r++) {
            size_t sizes[64];
            for (i = 0; i < 64; i++) {
                seed = seed * 1103515245u + 12345u;
                sizes[i] = 1 + (seed >> 8) % (r == 0 ? 16u : 16384u);
            }
            assert_int_equal(feed_split(&table2, doc, n, sizes, 64), OM_OK);
            lb = image_of(&table2, img_b);
            assert_int_equal(la, lb);
            assert_memory_equal(img_a, img_b, la);
        }
        /* two-part splits at interesting bytes, sampled */
        for (i = 1, r = 0; i < n && r < 300; i++) {
            unsigned char c = (unsigned char)doc[i];
            if (c == '\\' || c >= 0x80 || (c >= '0' && c <= '9')) {
                size_t sizes[2] = {i + (r % 3) - 1, n};
                if ((seed = seed * 1103515245u + 12345u) % 97 != 0)
                    continue;
                r++;
                assert_int_equal(feed_split(&table2, doc, n, sizes, 2), OM_OK);
                lb = image_of(&table2, img_b);
                assert_int_equal(la, lb);
                assert_memory_equal(img_a, img_b, la);
            }
        }
        free(doc);
    }
    closedir(d);
    assert_true(files > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window_is_fixed_and_small),
        cmocka_unit_test(small_catalogue_fields),
        cmocka_unit_test(every_split_same_table),
        cmocka_unit_test(every_truncation_fails),
        cmocka_unit_test(malformed_inputs),
        cmocka_unit_test(deep_nesting_rejected),
        cmocka_unit_test(megabyte_string_streams),
        cmocka_unit_test(links_next_and_key_order),
        cmocka_unit_test(odd_models_counted),
        cmocka_unit_test(long_names_cut_on_characters),
        cmocka_unit_test(pinned_survive_overflow),
        cmocka_unit_test(fixtures_any_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
