/*
 * test_out.c - output for people and programs: the models JSON (exact
 * bytes, escapes, missing and variable prices, subsets), JSON strings,
 * context lengths ("128K", "1.05M") that must fit their 8-byte buffer,
 * ISO times, and error names.
 */
#include "om_test.h"

static om_table_t tab;

/* ------------------------------------------------------------- helpers */

typedef struct sink {
    char buf[4096];
    size_t len;
    unsigned calls;
    unsigned fail_at; /* answer fail_rc on this call (1-based); 0: never */
    int fail_rc;
} sink_t;

static sink_t out;

static int sink_write(void *ctx, const void *p, size_t n)
{
    sink_t *s = ctx;
    s->calls++;
    if (s->fail_at && s->calls == s->fail_at)
        return s->fail_rc;
    assert_true(s->fail_at == 0 || s->calls < s->fail_at);
    assert_true(n < sizeof s->buf - s->len);
    if (n)
        memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return 0;
}

static void sink_reset(sink_t *s)
{
    memset(s, 0, sizeof *s);
}

static om_price_t price(const char *s)
{
    om_price_t p = 0;
    assert_int_equal(om_price_parse(s, strlen(s), &p), OM_OK);
    return p;
}

static void put_full(const char *id, const char *name, size_t name_len,
                     om_price_t prompt, om_price_t completion, uint32_t ctx)
{
    om_model_t m;
    memset(&m, 0, sizeof m);
    m.prompt = prompt;
    m.completion = completion;
    m.context_length = ctx;
    m.created = 1;
    m.id_len = (uint8_t)strlen(id);
    m.name_len = (uint8_t)name_len;
    assert_int_equal(om_table_put(&tab, &m, id, name), OM_PUT_ADDED);
}

#define NAME_A "Q\"B\\\x01\xc3\xa9"

static void build_table(void)
{
    om_table_init(&tab);
    /* Inserted out of order: output follows the table's id order. */
    put_full("c/var", "Auto", 4, OM_PRICE_VARIABLE, OM_PRICE_VARIABLE, 2000000);
    put_full("a/model", NAME_A, sizeof NAME_A - 1, price("0.000003"),
             price("0.000015"), 128000);
    put_full("e/half", "Half", 4, price("0"), OM_PRICE_NONE, 4294967295u);
    put_full("b/none", "None prompt", 11, OM_PRICE_NONE, price("0.00001"), 8192);
    put_full("d/empty", "", 0, OM_PRICE_NONE, OM_PRICE_NONE, 0);
    put_full("f/tiny", "Tiny", 4, price("0.0000000208333333333333"),
             price("1e-30"), 1);
    tab.updated_at = 1770854400;
}

#define M_A                                                                   \
    "{\"id\":\"a/model\",\"name\":\"Q\\\"B\\\\\\u0001\xc3\xa9\","              \
    "\"pricing\":{\"prompt\":\"0.000003\",\"completion\":\"0.000015\"},"       \
    "\"context_length\":128000}"
#define M_B                                                                   \
    "{\"id\":\"b/none\",\"name\":\"None prompt\","                             \
    "\"pricing\":{\"completion\":\"0.00001\"},\"context_length\":8192}"
#define M_C                                                                   \
    "{\"id\":\"c/var\",\"name\":\"Auto\","                                     \
    "\"pricing\":{\"prompt\":\"-1\",\"completion\":\"-1\"},"                   \
    "\"context_length\":2000000}"
#define M_D                                                                   \
    "{\"id\":\"d/empty\",\"name\":\"\",\"pricing\":{},\"context_length\":0}"
#define M_E                                                                   \
    "{\"id\":\"e/half\",\"name\":\"Half\",\"pricing\":{\"prompt\":\"0\"},"     \
    "\"context_length\":4294967295}"
#define M_F                                                                   \
    "{\"id\":\"f/tiny\",\"name\":\"Tiny\",\"pricing\":{\"prompt\":"            \
    "\"0.0000000208333333333333\",\"completion\":"                             \
    "\"0.000000000000000000000000000001\"},\"context_length\":1}"
#define WHEN "\"updated_at\":\"2026-02-12T00:00:00Z\"}"

/* ---------------------------------------------------------- models JSON */

static void test_json_models_exact(void **state)
{
    (void)state;
    build_table();
    sink_reset(&out);
    assert_int_equal(om_json_write_models(&tab, NULL, 0, sink_write, &out), 0);
    assert_string_equal(out.buf, "{\"models\":[" M_A "," M_B "," M_C "," M_D
                                 "," M_E "," M_F "]," WHEN);
    assert_int_equal(out.len, strlen(out.buf));
}

static void test_json_models_updated_at(void **state)
{
    (void)state;
    build_table();
    tab.updated_at = 0; /* unknown */
    sink_reset(&out);
    assert_int_equal(om_json_write_models(&tab, NULL, 0, sink_write, &out), 0);
    assert_string_equal(out.buf, "{\"models\":[" M_A "," M_B "," M_C "," M_D
                                 "," M_E "," M_F "],\"updated_at\":\"\"}");
    tab.updated_at = 951782400;
    sink_reset(&out);
    assert_int_equal(om_json_write_models(&tab, NULL, 0, sink_write, &out), 0);
    assert_non_null(strstr(out.buf, "],\"updated_at\":\"2000-02-29T00:00:00Z\"}"));

    om_table_init(&tab);
    sink_reset(&out);
    assert_int_equal(om_json_write_models(&tab, NULL, 0, sink_write, &out), 0);
    assert_string_equal(out.buf, "{\"models\":[],\"updated_at\":\"\"}");
}

static void test_json_models_subset(void **state)
{
    static const uint16_t pick[] = {4, 0, 2};
    static const uint16_t one[] = {3};
    (void)state;
    build_table();
    sink_reset(&out);
    assert_int_equal(om_json_write_models(&tab, pick, 3, sink_write, &out), 0);
    assert_string_equal(out.buf,
                        "{\"models\":[" M_E "," M_A "," M_C "]," WHEN);
    sink_reset(&out);
    assert_int_equal(om_json_write_models(&tab, one, 1, sink_write, &out), 0);
    assert_string_equal(out.buf, "{\"models\":[" M_D "]," WHEN);
    sink_reset(&out);
    assert_int_equal(om_json_write_models(&tab, pick, 0, sink_write, &out), 0);
    assert_string_equal(out.buf, "{\"models\":[]," WHEN);
    /* An index past the table is a caller's bug, not output. */
    {
        static const uint16_t bad[] = {0, 6};
        sink_reset(&out);
        assert_true(om_json_write_models(&tab, bad, 2, sink_write, &out) < 0);
    }
}

static void test_json_models_writer_fails(void **state)
{
    unsigned calls, k;
    (void)state;
    build_table();
    sink_reset(&out);
    assert_int_equal(om_json_write_models(&tab, NULL, 0, sink_write, &out), 0);
    calls = out.calls;
    assert_true(calls > 10);
    for (k = 1; k <= calls; k++) {
        sink_reset(&out);
        out.fail_at = k;
        out.fail_rc = k % 2 ? OM_ERR_IO : -77;
        assert_int_equal(om_json_write_models(&tab, NULL, 0, sink_write, &out),
                         out.fail_rc);
        assert_int_equal(out.calls, k);
    }
}

/* --------------------------------------------------------- JSON strings */

static void expect_json_str(const char *s, size_t n, const char *want)
{
    sink_reset(&out);
    assert_int_equal(om_json_write_string(s, n, sink_write, &out), 0);
    assert_int_equal(out.len, strlen(want));
    assert_memory_equal(out.buf, want, out.len);
}

static void test_json_string_escapes(void **state)
{
    (void)state;
    expect_json_str("", 0, "\"\"");
    expect_json_str("plain", 5, "\"plain\"");
    expect_json_str("\"", 1, "\"\\\"\"");
    expect_json_str("\\", 1, "\"\\\\\"");
    expect_json_str("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
    expect_json_str("\n\r\t", 3, "\"\\n\\r\\t\"");
    expect_json_str("\b\f", 2, "\"\\u0008\\u000c\"");
    expect_json_str("\x01\x1f", 2, "\"\\u0001\\u001f\"");
    expect_json_str("a\0b", 3, "\"a\\u0000b\"");
    expect_json_str("\x7f", 1, "\"\x7f\"");
    expect_json_str(" /</script>", 11, "\" /</script>\"");
    /* UTF-8 stays raw. */
    expect_json_str("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
                  "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    /* n bytes, not up to a NUL. */
    expect_json_str("abcdef", 3, "\"abc\"");
}

static void test_json_string_writer_fails(void **state)
{
    static const char s[] = "x\"y\x01z\\";
    unsigned calls, k;
    (void)state;
    sink_reset(&out);
    assert_int_equal(om_json_write_string(s, sizeof s - 1, sink_write, &out), 0);
    assert_string_equal(out.buf, "\"x\\\"y\\u0001z\\\\\"");
    calls = out.calls;
    for (k = 1; k <= calls; k++) {
        sink_reset(&out);
        out.fail_at = k;
        out.fail_rc = -100 - (int)k;
        assert_int_equal(om_json_write_string(s, sizeof s - 1, sink_write, &out),
                         -100 - (int)k);
        assert_int_equal(out.calls, k);
    }
}

/* ------------------------------------------------------ context lengths */

/* Calls om_format_context with 8 bytes plus guard bytes after them. */
static int format_context(uint32_t n, char *buf16)
{
    int len;
    memset(buf16, 0x5A, 16);
    len = om_format_context(n, buf16);
    return len;
}

static int guard_intact(const char *buf16)
{
    int i;
    for (i = 8; i < 16; i++)
        if (buf16[i] != 0x5A)
            return 0;
    return 1;
}

static void test_format_context_values(void **state)
{
    static const struct {
        uint32_t n;
        const char *want;
    } cases[] = {
        {0, "0"},           {1, "1"},          {999, "999"},
        {1000, "1K"},       {1499, "1K"},      {1500, "2K"},
        {4096, "4K"},       {8192, "8K"},      {32768, "33K"},
        {128000, "128K"},   {131072, "131K"},  {200000, "200K"},
        {999499, "999K"},   {999500, "1M"},    {999999, "1M"},
        {1000000, "1M"},    {1004999, "1M"},   {1005000, "1.01M"},
        {1010000, "1.01M"}, {1048576, "1.05M"}, {1050000, "1.05M"},
        {1100000, "1.1M"},  {1500000, "1.5M"}, {2000000, "2M"},
        {10000000, "10M"},  {123456789, "123.46M"}, {999994999, "999.99M"},
    };
    size_t i;
    char buf[16];
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int len = format_context(cases[i].n, buf);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("om_format_context(%lu) = \"%s\", expected \"%s\"",
                     (unsigned long)cases[i].n, buf, cases[i].want);
        assert_int_equal(len, (int)strlen(cases[i].want));
        assert_true(guard_intact(buf));
    }
}

/* What a formatted length stands for: "1.05M" is 1050000. */
static double context_value(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*end == 'K')
        v *= 1e3;
    else if (*end == 'M')
        v *= 1e6;
    else if (*end == 'G')
        v *= 1e9;
    else if (*end != '\0')
        return -1;
    if (*end != '\0' && end[1] != '\0')
        return -1;
    return v;
}

/* Every uint32_t fits the documented 8 bytes (7 characters and the NUL)
 * and says roughly the right number. A context_length comes from the
 * catalogue as any 32-bit number, and the CLI formats it into char[8]. */
static void check_context(uint32_t n)
{
    char buf[16];
    int len = format_context(n, buf);
    double v, err;
    if (!guard_intact(buf) || len < 1 || len > 7 || strlen(buf) != (size_t)len)
        fail_msg("om_format_context(%lu) = \"%.15s\" (returned %d): more than "
                 "8 bytes with the NUL",
                 (unsigned long)n, buf, len);
    v = context_value(buf);
    err = v > n ? v - n : n - v;
    if (v < 0 || err > 500.0 + n / 100.0)
        fail_msg("om_format_context(%lu) = \"%s\"", (unsigned long)n, buf);
}

static void test_format_context_fits_8_bytes(void **state)
{
    uint32_t k;
    (void)state;
    for (k = 0; k < 65536u; k++)
        check_context(k * 65537u + (k & 1023u)); /* spread over 0..2^32-1 */
    check_context(999995000u);
    check_context(1000005000u); /* "1000.01M" would need 9 bytes */
    check_context(1234567890u);
    check_context(2147483648u);
    check_context(4294962295u);
}

static void test_format_context_largest(void **state)
{
    (void)state;
    check_context(4294962296u); /* n + 5000 wraps 32 bits */
    check_context(4294967295u);
}

/* ---------------------------------------------------------------- times */

static void expect_time(int64_t t, const char *want)
{
    char buf[32];
    memset(buf, 0x5A, sizeof buf);
    assert_int_equal(om_format_time(t, buf), 20);
    assert_string_equal(buf, want);
    assert_int_equal(buf[21], 0x5A); /* 21 bytes with the NUL, no more */
}

static void test_format_time(void **state)
{
    (void)state;
    expect_time(0, "1970-01-01T00:00:00Z");
    expect_time(59, "1970-01-01T00:00:59Z");
    expect_time(86399, "1970-01-01T23:59:59Z");
    expect_time(86400, "1970-01-02T00:00:00Z");
    expect_time(951782400, "2000-02-29T00:00:00Z");
    expect_time(951868800, "2000-03-01T00:00:00Z");
    expect_time(1709164800, "2024-02-29T00:00:00Z");
    expect_time(1770854400, "2026-02-12T00:00:00Z");
    expect_time(1770854400 + 3723, "2026-02-12T01:02:03Z");
    expect_time(4102444799, "2099-12-31T23:59:59Z");
    expect_time(4107456000, "2100-02-28T00:00:00Z");
    expect_time(4107542400, "2100-03-01T00:00:00Z"); /* 2100: no Feb 29 */
    expect_time(253402300799, "9999-12-31T23:59:59Z");
    expect_time(-1, "1969-12-31T23:59:59Z");
    expect_time(-86400, "1969-12-31T00:00:00Z");
    expect_time(-86401, "1969-12-30T23:59:59Z");
}

/* --------------------------------------------------------------- errors */

static void test_strerror(void **state)
{
    const char *names[21];
    int e, k;
    (void)state;
    for (e = OM_OK; e >= OM_ERR_REDIRECT; e--) {
        const char *s = om_strerror(e);
        assert_non_null(s);
        assert_true(s[0] != '\0');
        if (e != OM_OK)
            assert_string_not_equal(s, "unknown error");
        names[-e] = s;
        for (k = 0; k < -e; k++)
            if (strcmp(names[k], s) == 0)
                fail_msg("om_strerror(%d) and om_strerror(%d) are both \"%s\"",
                         e, -k, s);
    }
    assert_string_equal(om_strerror(OM_ERR_JSON), "malformed JSON");
    assert_string_equal(om_strerror(12345), "unknown error");
    assert_string_equal(om_strerror(OM_ERR_REDIRECT - 1), "unknown error");
    assert_string_equal(om_strerror(1), "unknown error");
}

/* Times far from today still come out well formed: the year held to
 * 0000..9999, and hours, minutes and seconds in range. Runs last: with
 * UBSan a signed overflow in om_format_time stops the program. */
static void test_format_time_extremes(void **state)
{
    static const int64_t ts[] = {INT64_MAX, INT64_MAX - 86399,
                                 -62167219200, INT64_MIN + 86400,
                                 INT64_MIN + 86399, INT64_MIN};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        char buf[32];
        int hh, mi, ss, mo, dd;
        memset(buf, 0x5A, sizeof buf);
        assert_int_equal(om_format_time(ts[i], buf), 20);
        assert_int_equal(strlen(buf), 20);
        assert_int_equal(sscanf(buf, "%*4d-%2d-%2dT%2d:%2d:%2dZ", &mo, &dd, &hh,
                                &mi, &ss), 5);
        if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 ||
            ss > 59 || memcmp(buf, ts[i] < 0 ? "0000-" : "9999-", 5) != 0)
            fail_msg("om_format_time(%lld) = \"%s\"", (long long)ts[i], buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_models_exact),
        cmocka_unit_test(test_json_models_updated_at),
        cmocka_unit_test(test_json_models_subset),
        cmocka_unit_test(test_json_models_writer_fails),
        cmocka_unit_test(test_json_string_escapes),
        cmocka_unit_test(test_json_string_writer_fails),
        cmocka_unit_test(test_format_context_values),
        cmocka_unit_test(test_format_context_fits_8_bytes),
        cmocka_unit_test(test_format_context_largest),
        cmocka_unit_test(test_format_time),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_format_time_extremes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
