/*
 * cmocka_shim.c - the runner behind tests/board/cmocka/cmocka.h. Output
 * goes to stdout (semihosting on the board), in cmocka's format.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmocka.h"

static jmp_buf cm_jump;
static int cm_skipped;

void print_message(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void print_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void _cm_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    printf("[  ERROR   ] --- ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n[   LINE   ] --- %s:%d: error: Failure!\n", file, line);
    longjmp(cm_jump, 1);
}

void _cm_skip(const char *file, int line)
{
    (void)file;
    (void)line;
    cm_skipped = 1;
    longjmp(cm_jump, 1);
}

void _cm_int_eq(uintmax_t a, uintmax_t b, int want_eq, const char *ea,
                const char *eb, const char *file, int line)
{
    if ((a == b) != want_eq)
        _cm_fail(file, line, "%s (%lld, 0x%llx) %s %s (%lld, 0x%llx)", ea,
                 (long long)a, (unsigned long long)a, want_eq ? "!=" : "==",
                 eb, (long long)b, (unsigned long long)b);
}

void _cm_str_eq(const char *a, const char *b, int want_eq, const char *file,
                int line)
{
    int eq;
    if (!a || !b)
        _cm_fail(file, line, "NULL string");
    eq = strcmp(a, b) == 0;
    if (eq != want_eq)
        _cm_fail(file, line, "\"%s\" %s \"%s\"", a, want_eq ? "!=" : "==", b);
}

void _cm_mem_eq(const void *a, const void *b, size_t n, const char *file,
                int line)
{
    const unsigned char *x = a, *y = b;
    size_t i;
    for (i = 0; i < n; i++)
        if (x[i] != y[i])
            _cm_fail(file, line, "memory differs at byte %u: 0x%02x != 0x%02x",
                     (unsigned)i, x[i], y[i]);
}

/* Runs one test: 0 passed, 1 failed, 2 skipped. */
static int run_one(const struct CMUnitTest *t, void *gstate)
{
    static void *state;
    state = t->initial_state ? t->initial_state : gstate;
    cm_skipped = 0;
    if (setjmp(cm_jump) != 0)
        return cm_skipped ? 2 : 1;
    if (t->setup_func && t->setup_func(&state) != 0)
        _cm_fail(__FILE__, __LINE__, "setup failed");
    t->test_func(&state);
    if (t->teardown_func && t->teardown_func(&state) != 0)
        _cm_fail(__FILE__, __LINE__, "teardown failed");
    return 0;
}

int _cm_run_group(const char *name, const struct CMUnitTest *tests, size_t n,
                  CMFixtureFunction gs, CMFixtureFunction gt)
{
    static const char *failed[256];
    void *gstate = NULL;
    size_t i, nfail = 0, nskip = 0, npass = 0;
    (void)name;
    printf("[==========] Running %u test(s).\n", (unsigned)n);
    if (gs && gs(&gstate) != 0) {
        printf("[  ERROR   ] group setup failed\n");
        return 1;
    }
    for (i = 0; i < n; i++) {
        const struct CMUnitTest *t = &tests[i];
        int r;
        printf("[ RUN      ] %s\n", t->name);
        r = run_one(t, gstate);
        if (r == 2) {
            printf("[  SKIPPED ] %s\n", t->name);
            nskip++;
        } else if (r == 0) {
            printf("[       OK ] %s\n", t->name);
            npass++;
        } else {
            printf("[  FAILED  ] %s\n", t->name);
            if (nfail < sizeof failed / sizeof failed[0])
                failed[nfail] = t->name;
            nfail++;
        }
    }
    if (gt)
        gt(&gstate);
    printf("[==========] %u test(s) run.\n", (unsigned)n);
    printf("[  PASSED  ] %u test(s).\n", (unsigned)npass);
    if (nskip)
        printf("[  SKIPPED ] %u test(s).\n", (unsigned)nskip);
    if (nfail) {
        printf("[  FAILED  ] %u test(s), listed below:\n", (unsigned)nfail);
        for (i = 0; i < nfail && i < sizeof failed / sizeof failed[0]; i++)
            printf("[  FAILED  ] %s\n", failed[i]);
    }
    return (int)nfail;
}

/* Debian's newlib is built without C99 printf formats, so "%zu" prints
 * nothing useful; the tests' snprintf and sprintf calls reach these
 * instead (linked with -Wl,--wrap=snprintf,--wrap=sprintf), which drop
 * the z: size_t is unsigned int on 32-bit Arm. */
static const char *strip_z(const char *fmt, char *f, size_t cap)
{
    size_t i = 0;
    int in_spec = 0;
    for (; *fmt && i + 1 < cap; fmt++) {
        if (in_spec && *fmt == 'z')
            continue;
        if (*fmt == '%')
            in_spec = !in_spec;
        else if (in_spec && strchr("diouxXcspfeEgGn", *fmt))
            in_spec = 0;
        f[i++] = *fmt;
    }
    f[i] = '\0';
    return f;
}

int __wrap_snprintf(char *buf, size_t cap, const char *fmt, ...);
int __wrap_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    char f[256];
    int n;
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(buf, cap, strip_z(fmt, f, sizeof f), ap);
    va_end(ap);
    return n;
}

int __wrap_sprintf(char *buf, const char *fmt, ...);
int __wrap_sprintf(char *buf, const char *fmt, ...)
{
    char f[256];
    int n;
    va_list ap;
    va_start(ap, fmt);
    n = vsprintf(buf, strip_z(fmt, f, sizeof f), ap);
    va_end(ap);
    return n;
}
