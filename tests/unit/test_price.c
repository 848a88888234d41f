/*
 * test_price.c - om_price_parse, om_price_format, om_price_format_per_million
 * and om_price_cmp: exact round trips of real OpenRouter price strings,
 * rejects, rounding, small buffers and ordering.
 */
#include "om_test.h"

/* Builds an om_price_t from mantissa and scale, as ormodels.h documents. */
#define MK(mant, scale) (((uint64_t)(scale) << 59) | (uint64_t)(mant))
#define MANT_MAX (((uint64_t)1 << 59) - 1u)

static om_price_t parse_ok(const char *s)
{
    om_price_t p = 12345;
    int rc = om_price_parse(s, strlen(s), &p);
    if (rc != OM_OK)
        fail_msg("om_price_parse(\"%s\") = %d, expected OM_OK", s, rc);
    return p;
}

static void assert_format(om_price_t p, const char *want)
{
    char buf[OM_PRICE_STR_MAX];
    int n;
    memset(buf, 'X', sizeof buf);
    n = om_price_format(p, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
}

static void assert_pm(om_price_t p, unsigned max_dec, const char *want)
{
    char buf[64];
    int n;
    memset(buf, 'X', sizeof buf);
    n = om_price_format_per_million(p, max_dec, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
}

/* ------------------------------------------------------------- parsing */

static void test_round_trip_real(void **state)
{
    static const char *const real[] = {
        "0.000003", "0.00001", "0", "0.0000000208333333333333", "0.00000025",
        "0.000015", "1", "12.5", "0.0000001", "0.000000000001", "100",
        "0.12345678901234567", "99999999999999999",
        "0.000000000000000000000000000001", /* 30 places, the most */
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof real / sizeof real[0]; i++)
        assert_format(parse_ok(real[i]), real[i]);
}

static void test_parse_encoding(void **state)
{
    (void)state;
    /* The documented encoding: scale in bits 63..59, digits below. */
    assert_true(parse_ok("0.000003") == MK(3, 6));
    assert_true(parse_ok("0.00001") == MK(1, 5));
    assert_true(parse_ok("0") == MK(0, 0));
    assert_true(parse_ok("0.0000000208333333333333") ==
                MK(208333333333333u, 22));
    assert_true(parse_ok("12.5") == MK(125, 1));
    assert_true(parse_ok("1") == MK(1, 0));
    assert_true(parse_ok("-1") == OM_PRICE_VARIABLE);
}

static void test_parse_normalises(void **state)
{
    (void)state;
    /* Trailing zeros go: the same value has the same bits. */
    assert_true(parse_ok("0.0000030") == parse_ok("0.000003"));
    assert_true(parse_ok("0.00000300000") == parse_ok("0.000003"));
    assert_true(parse_ok("1.0") == parse_ok("1"));
    assert_true(parse_ok("0.000") == parse_ok("0"));
    assert_true(parse_ok("-0") == parse_ok("0"));
    assert_true(parse_ok("100e-2") == parse_ok("1"));
    assert_true(parse_ok("-1.0") == OM_PRICE_VARIABLE);
    assert_format(parse_ok("0.0000030"), "0.000003");
    assert_format(parse_ok("12.50"), "12.5");
    /* Leading zeros are no digits of the mantissa, however many. */
    assert_true(parse_ok("00012.5") == MK(125, 1));
    assert_true(parse_ok("000.000003") == MK(3, 6));
    assert_true(parse_ok("0000000000000000000000000000000000000001") ==
                MK(1, 0));
    assert_true(parse_ok("0000000000000000000000000000000000000000.5") ==
                MK(5, 1));
    assert_true(parse_ok("00000000000000000000000000000000000000001e-30") ==
                MK(1, 30));
    assert_true(parse_ok("-0001") == OM_PRICE_VARIABLE);
    assert_true(parse_ok("0000000000000000000000000000000000000000") ==
                MK(0, 0));
}

static void test_parse_exponents(void **state)
{
    (void)state;
    assert_true(parse_ok("3e-6") == parse_ok("0.000003"));
    assert_true(parse_ok("3E-6") == parse_ok("0.000003"));
    assert_true(parse_ok("1.5E-7") == parse_ok("0.00000015"));
    assert_true(parse_ok("1.5e-07") == parse_ok("0.00000015"));
    assert_true(parse_ok("2e3") == parse_ok("2000"));
    assert_true(parse_ok("2e+3") == parse_ok("2000"));
    assert_true(parse_ok("0.25e1") == parse_ok("2.5"));
    assert_true(parse_ok("1e-30") == MK(1, 30));
    assert_format(parse_ok("3e-6"), "0.000003");
    assert_format(parse_ok("1.5E-7"), "0.00000015");
    assert_format(parse_ok("2e3"), "2000");
    assert_format(parse_ok("1e-30"), "0.000000000000000000000000000001");
}

static void test_parse_rejects(void **state)
{
    static const char *const bad[] = {
        "", "-", "abc", "1.", ".", "-0.5", "1e", "1e-", "1e+",
        "0.1234567890123456789", /* 19 significant digits */
        "1e-40", "1e-31", "0.0000000000000000000000000000001", /* 31 places */
        "1e400", "1e18", " 1", "1 ", "+1", "0x10", "--1", "-2", "-1.5",
        "1,5", "1..2", "1.2.3", "e5", "1e5e5", "NaN", "inf", "0.000003\"",
        "-01e",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        om_price_t p = 777;
        int rc = om_price_parse(bad[i], strlen(bad[i]), &p);
        if (rc != OM_ERR_SCHEMA)
            fail_msg("om_price_parse(\"%s\") = %d, expected OM_ERR_SCHEMA",
                     bad[i], rc);
    }
}

static void test_parse_uses_length(void **state)
{
    om_price_t p = 0;
    (void)state;
    /* n bytes, not up to a NUL: the rest of a JSON buffer follows. */
    assert_int_equal(om_price_parse("0.000003\",\"x", 8, &p), OM_OK);
    assert_true(p == MK(3, 6));
    assert_int_equal(om_price_parse("12.5", 2, &p), OM_OK);
    assert_true(p == MK(12, 0));
    assert_int_equal(om_price_parse("1", 0, &p), OM_ERR_SCHEMA);
}

static void test_none_variable_zero_distinct(void **state)
{
    om_price_t zero = parse_ok("0"), var = parse_ok("-1");
    (void)state;
    assert_true(zero != OM_PRICE_NONE);
    assert_true(zero != OM_PRICE_VARIABLE);
    assert_true(var == OM_PRICE_VARIABLE);
    assert_true(OM_PRICE_VARIABLE != OM_PRICE_NONE);
    assert_format(zero, "0");
    assert_format(var, "-1");
    assert_format(OM_PRICE_NONE, "");
    assert_int_equal(om_price_cmp(zero, var), -1);
    assert_int_equal(om_price_cmp(var, OM_PRICE_NONE) < 0, 1);
    assert_int_equal(om_price_cmp(zero, OM_PRICE_NONE) < 0, 1);
    assert_pm(zero, 4, "0.00");
    assert_pm(var, 4, "var");
    assert_pm(OM_PRICE_NONE, 4, "-");
}

/* ---------------------------------------------------------- formatting */

static void test_format_nospace(void **state)
{
    char buf[16];
    om_price_t p = parse_ok("0.000003"); /* 8 characters */
    (void)state;

    memset(buf, 'X', sizeof buf);
    assert_int_equal(om_price_format(p, buf, 8), OM_ERR_NOSPACE);
    assert_int_equal(buf[0], '\0');
    memset(buf, 'X', sizeof buf);
    assert_int_equal(om_price_format(p, buf, 1), OM_ERR_NOSPACE);
    assert_int_equal(buf[0], '\0');
    memset(buf, 'X', sizeof buf);
    assert_int_equal(om_price_format(p, buf, 9), 8);
    assert_string_equal(buf, "0.000003");

    memset(buf, 'X', sizeof buf);
    assert_int_equal(om_price_format(p, buf, 0), OM_ERR_NOSPACE);
    assert_int_equal(buf[0], 'X'); /* cap 0: not a byte written */

    memset(buf, 'X', sizeof buf);
    assert_int_equal(om_price_format(OM_PRICE_VARIABLE, buf, 2),
                     OM_ERR_NOSPACE);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(om_price_format(OM_PRICE_VARIABLE, buf, 3), 2);
    assert_string_equal(buf, "-1");

    memset(buf, 'X', sizeof buf);
    assert_int_equal(om_price_format(OM_PRICE_NONE, buf, 1), 0);
    assert_string_equal(buf, "");

    memset(buf, 'X', sizeof buf);
    assert_int_equal(om_price_format(parse_ok("12.5"), buf, 4),
                     OM_ERR_NOSPACE);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(om_price_format(parse_ok("12.5"), buf, 5), 4);
    assert_string_equal(buf, "12.5");
}

static void test_format_longest_fits(void **state)
{
    char buf[OM_PRICE_STR_MAX];
    unsigned s;
    (void)state;
    /* Every scale with the largest mantissa fits OM_PRICE_STR_MAX. */
    for (s = 0; s <= 30; s++) {
        int n = om_price_format(MK(MANT_MAX, s), buf, sizeof buf);
        assert_true(n > 0);
        assert_int_equal(n, (int)strlen(buf));
        assert_true(n < OM_PRICE_STR_MAX);
    }
    assert_format(MK(MANT_MAX, 0), "576460752303423487");
    assert_format(MK(MANT_MAX, 30), "0.000000000000576460752303423487");
    assert_format(MK(MANT_MAX, 9), "576460752.303423487");
}

static void test_per_million(void **state)
{
    (void)state;
    assert_pm(parse_ok("0.000003"), 2, "3.00");
    assert_pm(parse_ok("0.000003"), 4, "3.00");
    assert_pm(parse_ok("0.000015"), 4, "15.00");
    assert_pm(parse_ok("0.00001"), 4, "10.00");
    assert_pm(parse_ok("0.0000000208333333333333"), 4, "0.0208");
    assert_pm(parse_ok("0.0000000208333333333333"), 6, "0.020833");
    assert_pm(parse_ok("0.00000025"), 4, "0.25");
    assert_pm(parse_ok("0.0000001"), 4, "0.10");
    assert_pm(parse_ok("0.0000001"), 2, "0.10");
    assert_pm(parse_ok("0"), 4, "0.00");
    assert_pm(parse_ok("0"), 0, "0.00");
    assert_pm(parse_ok("-1"), 4, "var");
    assert_pm(OM_PRICE_NONE, 4, "-");
    assert_pm(parse_ok("1"), 4, "1000000.00");
    assert_pm(parse_ok("12.5"), 2, "12500000.00");
    /* max_dec below 2 still gives 2. */
    assert_pm(parse_ok("0.000003"), 0, "3.00");
    assert_pm(parse_ok("0.00000025"), 1, "0.25");
    assert_pm(parse_ok("0.0000012345"), 2, "1.23");
    assert_pm(parse_ok("0.0000012345"), 3, "1.235"); /* half up */
    assert_pm(parse_ok("0.0000012345"), 4, "1.2345");
    assert_pm(parse_ok("0.0000012345"), 9, "1.2345");
}

static void test_per_million_tiny(void **state)
{
    (void)state;
    /* A tiny price keeps two significant digits, never "0.00". */
    assert_pm(parse_ok("0.000000000001"), 4, "0.000001");
    assert_pm(parse_ok("0.000000000001"), 2, "0.000001");
    assert_pm(parse_ok("0.0000000000015"), 4, "0.0000015");
    assert_pm(parse_ok("0.00000000000123"), 4, "0.0000012");
    assert_pm(parse_ok("0.00000000000125"), 4, "0.0000013");
    assert_pm(parse_ok("0.0000000208333333333333"), 2, "0.021");
    assert_pm(parse_ok("0.000000001"), 2, "0.001");
    assert_pm(parse_ok("1e-30"), 4,
              "0.000000000000000000000001"); /* 1e-24 per million */
}

static void test_per_million_rounding(void **state)
{
    (void)state;
    /* 0.00000000125 per token = 0.00125 per million. */
    assert_pm(parse_ok("0.00000000125"), 4, "0.0013");
    assert_pm(parse_ok("0.00000000125"), 5, "0.00125");
    assert_pm(parse_ok("0.000001005"), 2, "1.01");   /* half up, not even */
    assert_pm(parse_ok("0.000001015"), 2, "1.02");
    assert_pm(parse_ok("0.0000010049"), 2, "1.00");
    assert_pm(parse_ok("0.000000125"), 2, "0.13");
    assert_pm(parse_ok("0.000000124999"), 2, "0.12");
    /* Carries run through every digit. */
    assert_pm(parse_ok("0.0000099999"), 2, "10.00");
    assert_pm(parse_ok("0.0000999999"), 2, "100.00");
    assert_pm(parse_ok("0.000000999999"), 4, "1.00");
    assert_pm(parse_ok("0.0000000999"), 2, "0.10");
    /* A tiny value rounded up by its carry: zeros past 2 decimals go. */
    assert_pm(parse_ok("0.00000000000999"), 4, "0.00001");
    assert_pm(parse_ok("0.00000000000994"), 4, "0.0000099");
}

static void test_per_million_nospace(void **state)
{
    char buf[16];
    om_price_t p = parse_ok("0.000003"); /* "3.00": 4 characters */
    (void)state;

    memset(buf, 'X', sizeof buf);
    assert_int_equal(om_price_format_per_million(p, 4, buf, 4),
                     OM_ERR_NOSPACE);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(om_price_format_per_million(p, 4, buf, 5), 4);
    assert_string_equal(buf, "3.00");
    memset(buf, 'X', sizeof buf);
    assert_int_equal(om_price_format_per_million(p, 4, buf, 0),
                     OM_ERR_NOSPACE);
    assert_int_equal(buf[0], 'X');
    memset(buf, 'X', sizeof buf);
    assert_int_equal(om_price_format_per_million(parse_ok("12.5"), 2, buf, 11),
                     OM_ERR_NOSPACE); /* "12500000.00" needs 12 */
    assert_int_equal(buf[0], '\0');
}

/* "var" and "-" fit or leave "" behind, as a number does (and as
 * om_price_format documents): a caller printing buf after an error must
 * not print stale bytes. */
static void test_per_million_nospace_words(void **state)
{
    char buf[16];
    (void)state;

    memset(buf, 'X', sizeof buf);
    assert_int_equal(om_price_format_per_million(OM_PRICE_VARIABLE, 4, buf, 4),
                     3);
    assert_string_equal(buf, "var");
    memset(buf, 'X', sizeof buf);
    assert_int_equal(om_price_format_per_million(OM_PRICE_NONE, 4, buf, 2), 1);
    assert_string_equal(buf, "-");
    memset(buf, 'X', sizeof buf);
    assert_int_equal(om_price_format_per_million(OM_PRICE_VARIABLE, 4, buf, 3),
                     OM_ERR_NOSPACE);
    assert_int_equal(buf[0], '\0');
    memset(buf, 'X', sizeof buf);
    assert_int_equal(om_price_format_per_million(OM_PRICE_NONE, 4, buf, 1),
                     OM_ERR_NOSPACE);
    assert_int_equal(buf[0], '\0');
}

/* ------------------------------------------------------------ ordering */

static int sign(int v) { return (v > 0) - (v < 0); }

static void test_cmp_order(void **state)
{
    om_price_t v[9];
    size_t i, j, n = sizeof v / sizeof v[0];
    (void)state;
    v[0] = parse_ok("0");
    v[1] = parse_ok("0.000000000000000000000000000001");
    v[2] = parse_ok("0.0000000208333333333333");
    v[3] = parse_ok("0.000001");
    v[4] = parse_ok("0.00001");
    v[5] = parse_ok("1");
    v[6] = parse_ok("99999999999999999");
    v[7] = OM_PRICE_VARIABLE;
    v[8] = OM_PRICE_NONE;
    for (i = 0; i < n; i++) {
        for (j = 0; j < n; j++) {
            int want = i < j ? -1 : i > j ? 1 : 0;
            int got = sign(om_price_cmp(v[i], v[j]));
            if (got != want)
                fail_msg("om_price_cmp(v[%u], v[%u]) sign %d, expected %d",
                         (unsigned)i, (unsigned)j, got, want);
        }
    }
}

static void test_cmp_scales(void **state)
{
    (void)state;
    /* The same value at different scales is equal. */
    assert_int_equal(om_price_cmp(MK(30, 7), MK(3, 6)), 0);
    assert_int_equal(om_price_cmp(MK(3, 6), MK(30, 7)), 0);
    assert_int_equal(om_price_cmp(MK(3000000, 12), MK(3, 6)), 0);
    assert_int_equal(om_price_cmp(MK(0, 5), MK(0, 0)), 0);
    assert_int_equal(om_price_cmp(MK(1000, 3), MK(1, 0)), 0);
    /* Bringing the other to the larger scale would overflow 59 bits. */
    assert_true(om_price_cmp(MK(1, 30), MK(99999999999999999u, 0)) < 0);
    assert_true(om_price_cmp(MK(99999999999999999u, 0), MK(1, 30)) > 0);
    assert_true(om_price_cmp(MK(MANT_MAX, 0), MK(1, 30)) > 0);
    assert_true(om_price_cmp(MK(1, 30), MK(MANT_MAX, 0)) < 0);
    assert_true(om_price_cmp(MK(MANT_MAX, 30), MK(1, 0)) < 0);
    assert_true(om_price_cmp(MK(1, 0), MK(MANT_MAX, 30)) > 0);
    assert_true(om_price_cmp(MK(1, 0), MK(MANT_MAX, 23)) > 0);
    assert_true(om_price_cmp(MK(MANT_MAX, 23), MK(1, 0)) < 0);
    assert_true(om_price_cmp(MK(10, 0), MK(MANT_MAX / 2u, 22)) > 0);
    assert_true(om_price_cmp(MK(MANT_MAX / 2u, 22), MK(10, 0)) < 0);
    assert_true(om_price_cmp(MK(MANT_MAX, 30), MK(MANT_MAX, 29)) < 0);
    assert_true(om_price_cmp(MK(MANT_MAX, 29), MK(MANT_MAX, 30)) > 0);
    assert_true(om_price_cmp(MK(MANT_MAX, 0), MK(MANT_MAX - 1u, 0)) > 0);
    assert_true(om_price_cmp(MK(1, 18), MK(MANT_MAX, 30)) < 0);
    assert_true(om_price_cmp(MK(1, 12), MK(MANT_MAX, 30)) > 0);
    /* 0.000015 vs 0.0000150000000000001 */
    assert_true(om_price_cmp(parse_ok("0.000015"),
                             parse_ok("0.0000150000000000001")) < 0);
    assert_int_equal(om_price_cmp(OM_PRICE_NONE, OM_PRICE_NONE), 0);
    assert_int_equal(om_price_cmp(OM_PRICE_VARIABLE, OM_PRICE_VARIABLE), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_real),
        cmocka_unit_test(test_parse_encoding),
        cmocka_unit_test(test_parse_normalises),
        cmocka_unit_test(test_parse_exponents),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_parse_uses_length),
        cmocka_unit_test(test_none_variable_zero_distinct),
        cmocka_unit_test(test_format_nospace),
        cmocka_unit_test(test_format_longest_fits),
        cmocka_unit_test(test_per_million),
        cmocka_unit_test(test_per_million_tiny),
        cmocka_unit_test(test_per_million_rounding),
        cmocka_unit_test(test_per_million_nospace),
        cmocka_unit_test(test_per_million_nospace_words),
        cmocka_unit_test(test_cmp_order),
        cmocka_unit_test(test_cmp_scales),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
