/*
 * om_sched.h - when to refresh the table next: the daily scheduler as a
 * pure function, so a fake clock can test it and every board can drive it
 * from its own timer.
 *
 * Times are seconds on one clock of the caller's choice (unix seconds on
 * Linux). Nothing here reads a clock or a random source: both come in.
 */
#ifndef OM_SCHED_H
#define OM_SCHED_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* First wait after a failure; it doubles with each failure up to the
 * refresh interval. */
#ifndef OM_SCHED_BACKOFF_MIN_S
#define OM_SCHED_BACKOFF_MIN_S 60
#endif
/* A server's Retry-After is honoured up to this many seconds (7 days), so
 * a hostile or broken value cannot stop refreshes for good. */
#ifndef OM_SCHED_RETRY_AFTER_MAX_S
#define OM_SCHED_RETRY_AFTER_MAX_S (7 * 86400)
#endif

/* What the scheduler knows. Zero-initialise, then fill. */
typedef struct om_sched {
    int64_t now;          /* the time of the decision */
    int64_t last_success; /* the table's last good refresh; 0 = never */
    uint32_t failures;    /* failed refreshes since the last success */
    int64_t retry_after;  /* seconds the server asked for, -1 or 0 none */
    uint32_t interval;    /* seconds between refreshes (> 0) */
} om_sched_t;

/*
 * The time the next refresh is due: last_success + interval with no
 * failure (now when never refreshed, or when that time has passed), else
 * now + a backoff of OM_SCHED_BACKOFF_MIN_S doubling per failure, capped
 * at the interval. Either wait is jittered by up to +-10% from rnd (any
 * 32-bit value, uniform for an even spread) so a fleet does not refresh
 * in step. A Retry-After is then a floor: never before now + retry_after.
 * A last_success in the future (the clock went back) counts as now.
 * Returns the due time, never before now.
 */
int64_t om_sched_next(const om_sched_t *s, uint32_t rnd);

/* The backoff before jitter after `failures` failures (0 for none),
 * capped at interval. Returns seconds. */
uint32_t om_sched_backoff(uint32_t failures, uint32_t interval);

/*
 * Parses a refresh interval: "1d", "12h", "30m", "90s" or plain seconds
 * "3600" (n bytes of s, no spaces). Returns 0 and *out in seconds, or
 * OM_ERR_INVAL for anything else, zero, or more than 366 days.
 */
int om_sched_parse_interval(const char *s, uint32_t n, uint32_t *out);

#ifdef __cplusplus
}
#endif

#endif /* OM_SCHED_H */
