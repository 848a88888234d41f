/*
 * test_json_paths.c - the extractor's two scanners agree, chunk by chunk.
 *
 * src/om_json.c builds with or without its word-at-a-time scanner
 * (OM_JSON_FAST; -Os builds leave it out). The library linked here has
 * the one its flags chose; this file compiles om_json.c once more with
 * the other one, under other names, and feeds both the same bytes in the
 * same chunks. Result, error offset and message, statistics, links.next
 * and table image must be identical. The inputs aim at the edges of the
 * fast scanner: chunk ends inside indentation runs of every length,
 * inside keys, strings, escapes, numbers and literals, and a mutant of
 * the catalogue at every byte. Its word-at-a-time instance reads without
 * checks while more than 128 bytes remain in the chunk, so the mutants
 * also run with whitespace after the document, fed whole and cut at the
 * mutated byte: every byte is then read by that instance, and the hand
 * over to the careful one happens at every place.
 */
#include "om_test.h"

#include "json_twin.h"

/* What one run produced. */
typedef struct {
    int err;
    uint64_t offset;
    char msg[128];
    char next[OM_URL_MAX + 1];
    om_extract_stats_t stats;
    size_t img_len;
    unsigned char img[8192];
} outcome_t;

static om_table_t table;
static om_extractor_t ex;
static outcome_t out_a, out_b;

typedef struct {
    unsigned char *buf;
    size_t len, cap;
} sink_t;

static int sink(void *ctx, const void *p, size_t n)
{
    sink_t *s = ctx;
    if (s->len + n > s->cap)
        return OM_ERR_NOSPACE;
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return OM_OK;
}

/* Each chunk is fed from the end of this buffer, so that under ASan a
 * read past the chunk is a read past the buffer. */
static char chunk_buf[16384];

/* Feeds s[0..n) in chunks: the first of `first` bytes (0: none), then
 * pieces of `step` bytes (0: the rest at once). */
static void run(const variant_t *v, const char *s, size_t n, size_t first,
                size_t step, outcome_t *o)
{
    size_t off = 0;
    int e = OM_OK;
    sink_t sk;
    const char *nx;
    v->init(&ex, &table, NULL, 0);
    while (off < n && e == OM_OK) {
        size_t c = off == 0 && first ? first : step ? step : n - off;
        if (c > n - off)
            c = n - off;
        memcpy(chunk_buf + sizeof chunk_buf - c, s + off, c);
        e = v->feed(&ex, chunk_buf + sizeof chunk_buf - c, c);
        off += c;
    }
    if (e == OM_OK)
        e = v->finish(&ex);
    memset(o, 0, sizeof *o);
    o->err = e;
    o->offset = e ? ex.err_offset : 0;
    v->error(&ex, o->msg, sizeof o->msg);
    nx = v->next(&ex);
    if (nx)
        strcpy(o->next, nx);
    o->stats = ex.stats;
    sk.buf = o->img;
    sk.len = 0;
    sk.cap = sizeof o->img;
    if (e == OM_OK)
        assert_int_equal(om_image_write(&table, sink, &sk), OM_OK);
    o->img_len = sk.len;
}

/* Both scanners, same chunks, same everything. Returns the result. */
static int agree(const char *s, size_t n, size_t first, size_t step)
{
    run(&lib, s, n, first, step, &out_a);
    run(&other, s, n, first, step, &out_b);
    if (out_a.err != out_b.err || out_a.offset != out_b.offset ||
        strcmp(out_a.msg, out_b.msg) != 0 ||
        strcmp(out_a.next, out_b.next) != 0 ||
        memcmp(&out_a.stats, &out_b.stats, sizeof out_a.stats) != 0 ||
        out_a.img_len != out_b.img_len ||
        memcmp(out_a.img, out_b.img, out_a.img_len) != 0)
        fail_msg("scanners disagree (first %zu, step %zu) on %.*s:\n"
                 "  library: %d \"%s\" models %u kept-image %zu\n"
                 "  other:   %d \"%s\" models %u kept-image %zu",
                 first, step, (int)(n < 300 ? n : 300), s, out_a.err,
                 out_a.msg, (unsigned)out_a.stats.models, out_a.img_len,
                 out_b.err, out_b.msg, (unsigned)out_b.stats.models,
                 out_b.img_len);
    return out_a.err;
}

/* Whole, 1-byte feeds, odd steps, and every split into two. */
static int agree_all_splits(const char *s, size_t n)
{
    static const size_t steps[] = {1, 2, 3, 5, 7, 8, 9, 16, 17};
    size_t i;
    int e = agree(s, n, 0, 0);
    for (i = 0; i < sizeof steps / sizeof steps[0]; i++)
        agree(s, n, 0, steps[i]);
    for (i = 1; i < n; i++)
        agree(s, n, i, 0);
    return e;
}

/* ------------------------------------------------------------ inputs */

static char doc[16384];

/* A pretty-printed catalogue whose indentation runs take every length
 * from 0 to 20 before keys, values, brackets and commas, with strings
 * and keys of every length around a machine word, escapes, numbers and
 * literals inside kept and skipped containers. */
static size_t build_indented(void)
{
    size_t n = 0, i, k;
#define PUT(...) (n += (size_t)snprintf(doc + n, sizeof doc - n, __VA_ARGS__))
#define IND(w) (n += (size_t)snprintf(doc + n, sizeof doc - n, "\n%*s", (int)(w), ""))
    PUT("{\"data\": [");
    for (i = 0; i < 7; i++) {
        IND(i);
        PUT("{");
        IND(i + 2);
        PUT("\"id\": \"vendor/model-%zu%.*s\",", i, (int)(i * 3),
            "abcdefghijklmnopqrstuvwxyz");
        IND(2 * i + 1);
        PUT("\"name\" :\"Name \\u00e9 %zu\" ,", i);
        IND(20 - i);
        PUT("\"created\":%zu,", 1700000000 + i);
        IND(3 * i);
        PUT("\"context_length\": %zu ,", (size_t)131072 >> i);
        IND(i + 8);
        PUT("\"pricing\": {");
        IND(9);
        PUT("\"prompt\": \"0.00000%zu\",\"completion\":\"0.0000%zu\"",
            i + 1, i + 2);
        IND(i);
        PUT("},");
        IND(16 - i);
        PUT("\"arch%.*s\": {", (int)i, "xxxxxxxxxxxxxxxx");
        for (k = 0; k < 4; k++) {
            IND(k * 5 + i);
            PUT("\"%.*s\": [", (int)(k * 4 + i), "kkkkkkkkkkkkkkkkkkkkkkkkkkkkk");
            IND(k + 7);
            PUT("\"%.*s\\\"q\\\\\",", (int)(k * 6 + i), "sssssssssssssssssssssssssssssssss");
            IND(k);
            PUT("-%zu.5e+%zu , 0, true ,false,null,", k, i);
            IND(15);
            PUT("{}, [], [[ ]], {\"a\" : {\"b\": [1, \"c\"]}}");
            IND(k + i);
            PUT("],");
        }
        IND(8);
        PUT("\"last\": \"\\ud83d\\ude80 \xe4\xb8\xad\"");
        IND(i + 1);
        PUT("}");
        IND(i);
        PUT("}%s", i < 6 ? "," : "");
    }
    IND(0);
    PUT("],");
    IND(2);
    PUT("\"total_count\": 7, \"links\": {\"next\": \"https:\\/\\/h\\/m?c=2\"}");
    IND(0);
    PUT("}");
#undef PUT
#undef IND
    return n;
}

/* A small minified catalogue with the odd cases of test_extract. */
static const char small[] =
    "{\"data\":[{\"id\":\"z-ai/glm-4.5:free\",\"name\":\"Z.AI: GLM 4.5 \","
    "\"created\":1753471347,\"context_length\":131072,\"pricing\":"
    "{\"prompt\":\"0\",\"completion\":\"0\"}},{\"name\":\"Caf\\u00e9\","
    "\"id\":\"~esc\\/caf\\u00e9\",\"pricing\":{\"overrides\":[{\"when\":"
    "{\"gt\":200000},\"prompt\":\"9\"}],\"completion\":0.000015,"
    "\"prompt\":\"0.0000000208333333333333\"},\"context_length\":2000000,"
    "\"benchmarks\":{\"x\":[1.5e-7,-2E+3,0,null,true,false,{}],\"y\":null}},"
    "{\"id\":\"k/1\",\"id\":\"k/2\",\"name\":{\"x\":1},\"created\":-1},7,"
    "{\"id\":\"openrouter/auto\",\"pricing\":{\"prompt\":\"-1\","
    "\"completion\":\"-1\"},\"created\":1}],\"total_count\":3,"
    "\"links\":{\"next\":null}}";

/* ------------------------------------------------------------- tests */

static void indentation_runs_any_split(void **state)
{
    size_t n = build_indented();
    (void)state;
    assert_true(n < sizeof doc - 1);
    assert_int_equal(agree_all_splits(doc, n), OM_OK);
    assert_int_equal(out_a.stats.models, 7);
    assert_string_equal(out_a.next, "https://h/m?c=2");
}

static void small_catalogue_any_split(void **state)
{
    (void)state;
    assert_int_equal(agree_all_splits(small, sizeof small - 1), OM_OK);
    assert_int_equal(out_a.stats.models, 4);
}

/* Every byte of the small catalogue replaced by each byte that changes
 * the grammar: both scanners reach the same verdict at the same byte,
 * fed whole and in 1- and 7-byte pieces. */
static void mutants_agree(void **state)
{
    static const char subst[] = "\"\\{}[],: 0-e.t\x01\n";
    size_t n = sizeof small - 1, i, k;
    unsigned errors = 0;
    (void)state;
    for (i = 0; i < n; i++) {
        for (k = 0; k < sizeof subst - 1; k++) {
            memcpy(doc, small, n);
            doc[i] = subst[k];
            if (agree(doc, n, 0, 0) != OM_OK)
                errors++;
            agree(doc, n, 0, 1);
            agree(doc, n, 0, 7);
        }
        /* and the catalogue cut short there */
        agree(small, i, 0, 0);
        agree(small, i, 0, 3);
    }
    assert_true(errors > n); /* most mutants are malformed */
}

/* Keys one letter away from the ones read, UTF-8 in keys and kept and
 * skipped strings (at every place in a word), numbers with more digits
 * than a word, tabs, CRs and blank lines after line breaks (before keys,
 * values and closing brackets, empty containers included), indentation
 * deeper than two words, and minified parts. */
static size_t build_odd_layouts(void)
{
    static const char *const keys[] = {
        "iD", "nam", "namf", "created_", "creatEd", "Context_length",
        "context_lengtH", "pricinG", "Id", "idd", "links", "data"};
    static const char *const pkeys[] = {"prompT", "Completion", "complet1on",
                                        "promp", "prompts"};
    size_t n = 0, i, k;
#define PUT(...) (n += (size_t)snprintf(doc + n, sizeof doc - n, __VA_ARGS__))
    PUT("{\r\n  \"data\" : [\r\n");
    for (i = 0; i < 6; i++) {
        PUT("\n\n    {\n\t\"id\": \"v/%.*s\xc3\xa9%zu\",", (int)i, "xxxxxx", i);
        for (k = 0; k < sizeof keys / sizeof keys[0]; k++)
            PUT("\n%*s\"%s\": \"%.*s\xe4\xb8\xad\",", (int)(k + i) % 24, "",
                keys[k], (int)((k * 3 + i) % 19), "ssssssssssssssssssss");
        PUT("\n      \"name\": \"%.*s\xc3\xa9%.*s\",", (int)(i * 3), "nnnnnnnnnnnnnnnn",
            (int)(17 - i), "NNNNNNNNNNNNNNNNNN");
        PUT("\n                    \"created\": 1%.*s,", (int)(i * 2 + 5), "23456789012345");
        PUT("\n\t  \"context_length\":%s%zu,", i % 2 ? "\t" : "  ", (size_t)1 << (i * 5));
        PUT("\n      \"\xc3\xa9t\xc3\xa9\": [12345678901234567, -0.5e-10, 1E+2, 0,"
            " 123456789.123456789, -7, \"\xf0\x9f\x9a\x80\"],");
        PUT("\n      \"e\": {\n    \n      }, \"f\": [\n\t], \"g\": [\n  \n  1,"
            " {\n\r\n \"k\":\n\t[]}, {\n\n}, [\n\n\"s\"]],");
        PUT("\n      \"pricing\": {");
        for (k = 0; k < sizeof pkeys / sizeof pkeys[0]; k++)
            PUT("\"%s\":\"%zu\",", pkeys[k], k);
        PUT("\r\n        \"prompt\": \"0.0000%zu\", \"completion\":\"0.000%zu\"}",
            i + 1, i + 3);
        PUT("\n    }%s", i < 5 ? "," : "");
    }
    PUT("\n  ],\"total_count\":6,\"links\":{\"next\":\"https://h/p?\xc3\xa9\"}}");
#undef PUT
    return n;
}

static void odd_layouts_any_split(void **state)
{
    size_t n = build_odd_layouts();
    (void)state;
    assert_true(n < sizeof doc - 1);
    assert_int_equal(agree_all_splits(doc, n), OM_OK);
    assert_int_equal(out_a.stats.models, 6);
}

/* The small catalogue with 200 bytes of whitespace after it, mutated at
 * every byte (to the grammar's bytes and to UTF-8 lead and continuation
 * bytes), fed whole and in two pieces cut at the mutated byte and just
 * after it. */
static void padded_mutants_agree(void **state)
{
    static const char subst[] = "\"\\{}[],: 0-e.tfn\x01\n\t\x80\xc3\xff";
    size_t n = sizeof small - 1, len = n + 200, i, k;
    unsigned errors = 0;
    (void)state;
    memcpy(doc, small, n);
    memset(doc + n, ' ', 200);
    doc[n + 50] = '\n';
    doc[n + 120] = '\t';
    assert_int_equal(agree(doc, len, 0, 0), OM_OK);
    for (i = 0; i < n; i++) {
        for (k = 0; k < sizeof subst - 1; k++) {
            doc[i] = subst[k];
            if (agree(doc, len, 0, 0) != OM_OK)
                errors++;
            agree(doc, len, i, 0);
            agree(doc, len, i + 1, 0);
        }
        doc[i] = small[i];
    }
    assert_true(errors > n);
}

/* Deep nesting: the depth error comes at the same byte either way. */
static void depth_limit_agrees(void **state)
{
    size_t n = 0, i;
    (void)state;
    n += (size_t)sprintf(doc, "{\"data\":[{\"id\":\"a\",\"x\":");
    for (i = 0; i < OM_JSON_MAX_DEPTH + 4; i++)
        n += (size_t)sprintf(doc + n, i % 2 ? "[ " : "{\"k\": ");
    assert_int_equal(agree(doc, n, 0, 0), OM_ERR_DEPTH);
    agree(doc, n, 0, 1);
    agree(doc, n, 0, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(indentation_runs_any_split),
        cmocka_unit_test(small_catalogue_any_split),
        cmocka_unit_test(mutants_agree),
        cmocka_unit_test(odd_layouts_any_split),
        cmocka_unit_test(padded_mutants_agree),
        cmocka_unit_test(depth_limit_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
