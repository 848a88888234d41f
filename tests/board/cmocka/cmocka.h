/*
 * cmocka.h - a small stand-in for cmocka on targets without it (the
 * Cortex-M board under QEMU). It implements only what tests/unit uses:
 * the assert_* macros, fail, fail_msg, skip, print_message, unit tests
 * with a setup, and group runs, with cmocka's output lines so that
 * scripts/run-tests.sh counts them the same way. No mocks, no leak checks.
 * A failed assertion longjmps out of the test, as cmocka does.
 */
#ifndef OM_CMOCKA_SHIM_H
#define OM_CMOCKA_SHIM_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

struct CMUnitTest {
    const char *name;
    CMUnitTestFunction test_func;
    CMFixtureFunction setup_func;
    CMFixtureFunction teardown_func;
    void *initial_state;
};

#define cmocka_unit_test(f) {#f, f, NULL, NULL, NULL}
#define cmocka_unit_test_setup(f, s) {#f, f, s, NULL, NULL}
#define cmocka_unit_test_teardown(f, t) {#f, f, NULL, t, NULL}
#define cmocka_unit_test_setup_teardown(f, s, t) {#f, f, s, t, NULL}

#define cmocka_run_group_tests(tests, gs, gt)                                 \
    _cm_run_group(#tests, tests, sizeof(tests) / sizeof((tests)[0]), gs, gt)

int _cm_run_group(const char *name, const struct CMUnitTest *tests, size_t n,
                  CMFixtureFunction gs, CMFixtureFunction gt);

void _cm_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
void _cm_skip(const char *file, int line) __attribute__((noreturn));
void _cm_int_eq(uintmax_t a, uintmax_t b, int want_eq, const char *ea,
                const char *eb, const char *file, int line);
void _cm_str_eq(const char *a, const char *b, int want_eq, const char *file,
                int line);
void _cm_mem_eq(const void *a, const void *b, size_t n, const char *file,
                int line);
void print_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define _CM_CHECK(c, what)                                                    \
    do {                                                                      \
        if (!(c))                                                             \
            _cm_fail(__FILE__, __LINE__, "%s", what);                         \
    } while (0)

#define assert_true(c) _CM_CHECK((c), #c " is not true")
#define assert_false(c) _CM_CHECK(!(c), #c " is not false")
#define assert_null(p) _CM_CHECK((p) == NULL, #p " is not NULL")
#define assert_non_null(p) _CM_CHECK((p) != NULL, #p " is NULL")
#define assert_ptr_equal(a, b)                                                \
    _CM_CHECK((const void *)(a) == (const void *)(b), #a " != " #b)
#define assert_ptr_not_equal(a, b)                                            \
    _CM_CHECK((const void *)(a) != (const void *)(b), #a " == " #b)
#define assert_int_equal(a, b)                                                \
    _cm_int_eq((uintmax_t)(a), (uintmax_t)(b), 1, #a, #b, __FILE__, __LINE__)
#define assert_int_not_equal(a, b)                                            \
    _cm_int_eq((uintmax_t)(a), (uintmax_t)(b), 0, #a, #b, __FILE__, __LINE__)
#define assert_string_equal(a, b) _cm_str_eq((a), (b), 1, __FILE__, __LINE__)
#define assert_string_not_equal(a, b)                                         \
    _cm_str_eq((a), (b), 0, __FILE__, __LINE__)
#define assert_memory_equal(a, b, n)                                          \
    _cm_mem_eq((a), (b), (size_t)(n), __FILE__, __LINE__)
#define fail() _cm_fail(__FILE__, __LINE__, "failed")
#define fail_msg(...) _cm_fail(__FILE__, __LINE__, __VA_ARGS__)
#define skip() _cm_skip(__FILE__, __LINE__)

#endif
