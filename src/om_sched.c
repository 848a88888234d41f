/*
 * om_sched.c - the refresh scheduler: due times, jitter, backoff and
 * Retry-After, as pure functions of what the caller tells it.
 */
#include "om_sched.h"

#include "ormodels.h"

uint32_t om_sched_backoff(uint32_t failures, uint32_t interval)
{
    uint64_t b = OM_SCHED_BACKOFF_MIN_S;
    uint32_t i;
    if (failures == 0)
        return 0;
    /* Doubling stops at the interval, so the shift never overflows. */
    for (i = 1; i < failures && b < interval; i++)
        b *= 2;
    return b < interval ? (uint32_t)b : interval;
}

/* wait +- 10% of wait, spread by rnd. */
static int64_t jitter(uint32_t wait, uint32_t rnd)
{
    uint32_t j = wait / 10;
    if (j == 0)
        return wait;
    return (int64_t)wait - j + (int64_t)(rnd % (2u * j + 1u));
}

int64_t om_sched_next(const om_sched_t *s, uint32_t rnd)
{
    uint32_t interval = s->interval ? s->interval : 1;
    int64_t due, ra;

    if (s->failures > 0) {
        due = s->now + jitter(om_sched_backoff(s->failures, interval), rnd);
    } else if (s->last_success <= 0) {
        due = s->now; /* never refreshed: now */
    } else {
        int64_t last = s->last_success > s->now ? s->now : s->last_success;
        due = last + jitter(interval, rnd);
    }
    ra = s->retry_after;
    if (ra > 0) {
        if (ra > OM_SCHED_RETRY_AFTER_MAX_S)
            ra = OM_SCHED_RETRY_AFTER_MAX_S;
        if (due < s->now + ra)
            due = s->now + ra;
    }
    return due < s->now ? s->now : due;
}

int om_sched_parse_interval(const char *s, uint32_t n, uint32_t *out)
{
    uint64_t v = 0, unit = 1;
    uint32_t i, digits = n;

    if (n == 0)
        return OM_ERR_INVAL;
    switch (s[n - 1]) {
    case 'd': unit = 86400; digits--; break;
    case 'h': unit = 3600; digits--; break;
    case 'm': unit = 60; digits--; break;
    case 's': digits--; break;
    default: break;
    }
    if (digits == 0 || digits > 9)
        return OM_ERR_INVAL;
    for (i = 0; i < digits; i++) {
        if (s[i] < '0' || s[i] > '9')
            return OM_ERR_INVAL;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    v *= unit;
    if (v == 0 || v > 366u * 86400u)
        return OM_ERR_INVAL;
    *out = (uint32_t)v;
    return 0;
}
