/*
 * test_sched.c - the refresh scheduler with a fake clock: due times,
 * jitter bounds and spread, backoff, Retry-After, interval parsing.
 */
#include "om_test.h"

#include "om_sched.h"

#define DAY 86400

static int64_t next(int64_t now, int64_t last, uint32_t fails, int64_t ra,
                    uint32_t interval, uint32_t rnd)
{
    om_sched_t s;
    memset(&s, 0, sizeof s);
    s.now = now;
    s.last_success = last;
    s.failures = fails;
    s.retry_after = ra;
    s.interval = interval;
    return om_sched_next(&s, rnd);
}

static void never_refreshed_is_due_now(void **state)
{
    (void)state;
    assert_int_equal(next(1000, 0, 0, -1, DAY, 12345), 1000);
}

/* A day +-10%: both ends reachable, nothing outside, values spread. */
static void jitter_bounds_and_spread(void **state)
{
    const int64_t t0 = 1700000000, lo = t0 + DAY - DAY / 10,
                  hi = t0 + DAY + DAY / 10;
    int64_t min = INT64_MAX, max = 0;
    uint32_t r, x = 1;
    int distinct = 0;
    int64_t prev = -1;
    (void)state;
    for (r = 0; r < 20000; r++) {
        int64_t d;
        x = x * 1664525u + 1013904223u; /* any 32-bit value may come */
        d = next(t0 + 5, t0, 0, -1, DAY, x);
        assert_true(d >= lo && d <= hi);
        if (d < min) min = d;
        if (d > max) max = d;
        distinct += d != prev;
        prev = d;
    }
    assert_true(min < lo + DAY / 100 && max > hi - DAY / 100);
    assert_true(distinct > 19000);
    assert_int_equal(next(t0, t0, 0, -1, DAY, 0), lo);
    assert_int_equal(next(t0, t0, 0, -1, DAY, 2u * (DAY / 10)), hi);
    assert_true(next(t0, t0, 0, -1, DAY, UINT32_MAX) <= hi);
}

static void overdue_is_now_and_future_is_now(void **state)
{
    const int64_t now = 1700000000;
    int64_t d;
    (void)state;
    assert_int_equal(next(now, now - 3 * DAY, 0, -1, DAY, 7), now);
    /* The clock went back: the table's date counts as now. */
    d = next(now, now + 50 * DAY, 0, -1, DAY, 7);
    assert_true(d >= now + DAY - DAY / 10 && d <= now + DAY + DAY / 10);
}

static void backoff_doubles_to_the_interval(void **state)
{
    static const uint32_t want[] = {0, 60, 120, 240, 480, 960, 1920, 3600, 3600};
    uint32_t f;
    (void)state;
    for (f = 0; f < 9; f++)
        assert_int_equal(om_sched_backoff(f, 3600), want[f]);
    assert_int_equal(om_sched_backoff(UINT32_MAX, DAY), DAY);
    assert_true(om_sched_backoff(40, UINT32_MAX) >= (1u << 31));
    /* After failures the wait is the backoff +-10% from the failure. */
    for (f = 1; f < 30; f++) {
        uint32_t b = om_sched_backoff(f, DAY), r;
        for (r = 0; r < 2000; r += 7) {
            int64_t d = next(5000, 4000, f, -1, DAY, r * 2654435761u);
            assert_true(d >= 5000 + b - b / 10 && d <= 5000 + b + b / 10);
        }
    }
}

static void retry_after_is_a_floor(void **state)
{
    (void)state;
    /* Longer than the backoff: exactly honoured. */
    assert_int_equal(next(1000, 500, 1, 3600, DAY, 99), 1000 + 3600);
    /* Shorter than the backoff: the backoff wins. */
    assert_true(next(1000, 500, 3, 7, DAY, 99) >= 1000 + 216);
    /* Also after a success (a 429 on a conditional GET). */
    assert_true(next(1000, 1000, 0, 5 * DAY, DAY, 1) == 1000 + 5 * DAY);
    /* A hostile Retry-After is capped at a week. */
    assert_int_equal(next(1000, 500, 1, INT64_MAX / 2, DAY, 99),
                     1000 + OM_SCHED_RETRY_AFTER_MAX_S);
    /* 0 and -1 mean none. */
    assert_true(next(1000, 500, 1, 0, DAY, 0) == 1000 + 54);
}

/* A fake clock walks through outages and recoveries, as the server's
 * loop drives the scheduler. */
static void a_simulated_week(void **state)
{
    int64_t now = 1700000000, last = 0, due;
    uint32_t fails = 0, rnd = 42, n = 0, fetches = 0;
    (void)state;
    due = next(now, last, fails, -1, DAY, rnd);
    assert_int_equal(due, now);
    while (now < 1700000000 + 7 * DAY) {
        int ok;
        now = due; /* the timer fires */
        fetches++;
        ok = !(now >= 1700000000 + 2 * DAY && now < 1700000000 + 3 * DAY);
        if (ok) {
            fails = 0;
            last = now;
        } else {
            fails++;
        }
        rnd = rnd * 1103515245u + 12345u;
        due = next(now, last, fails, -1, DAY, rnd);
        assert_true(due > now);
        if (!ok)
            assert_true(due - now <= DAY + DAY / 10);
        n++;
    }
    /* ~7 daily fetches plus a bounded number of retries in the outage:
     * 60 s doubling reaches a day after ~11 tries. */
    assert_true(fetches >= 6 && fetches <= 7 + 14);
}

static void intervals(void **state)
{
    static const struct { const char *s; uint32_t v; } good[] = {
        {"1d", 86400}, {"12h", 43200}, {"30m", 1800}, {"90s", 90},
        {"3600", 3600}, {"366d", 366u * 86400u}, {"1", 1}};
    static const char *const bad[] = {"", "d", "1x", "-1", "0", "0h", "1.5h",
                                      "367d", "9999999999", "1 d", " 1d",
                                      "1dd", "h1"};
    size_t i;
    uint32_t v;
    (void)state;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        v = 0;
        assert_int_equal(om_sched_parse_interval(good[i].s,
                                                 (uint32_t)strlen(good[i].s), &v), 0);
        assert_int_equal(v, good[i].v);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(om_sched_parse_interval(bad[i], (uint32_t)strlen(bad[i]),
                                                 &v), OM_ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(never_refreshed_is_due_now),
        cmocka_unit_test(jitter_bounds_and_spread),
        cmocka_unit_test(overdue_is_now_and_future_is_now),
        cmocka_unit_test(backoff_doubles_to_the_interval),
        cmocka_unit_test(retry_after_is_a_floor),
        cmocka_unit_test(a_simulated_week),
        cmocka_unit_test(intervals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
