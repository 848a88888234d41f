/*
 * om_price.c - prices as exact decimals, without floating point.
 *
 * OpenRouter sends prices as decimal strings in USD per token, some with
 * 22 decimal places ("0.0000000208333333333333"). A double would round
 * them; an om_price_t keeps up to 17 significant digits and 30 decimal
 * places exactly, in 8 bytes. See ormodels.h for the encoding.
 */
#include <string.h>

#include "ormodels.h"
#include "om_internal.h"

#define MANT_BITS 59
#define MANT_LIMIT ((uint64_t)1 << MANT_BITS)
#define SCALE_MAX 30
#define EXP_MAX 400 /* |exponent| beyond this can never fit */

static om_price_t price_make(uint64_t mant, unsigned scale)
{
    return ((uint64_t)scale << MANT_BITS) | mant;
}

static uint64_t price_mant(om_price_t p) { return p & (MANT_LIMIT - 1u); }
static unsigned price_scale(om_price_t p) { return (unsigned)(p >> MANT_BITS); }

/* Multiplies *m by 10^k; 0 when the result would not fit the mantissa
 * (below 2^59 before, so that the digit added next still fits). */
static int mul_pow10(uint64_t *m, long k)
{
    for (; k > 0; k--) {
        if (*m >= MANT_LIMIT / 10u)
            return 0;
        *m *= 10u;
    }
    return 1;
}

/*
 * One pass: the digits build mant, a digit after the point adds a decimal
 * place to scale, an exponent takes places off. Zeros are counted, not
 * multiplied in, until a non-zero digit follows them: trailing zeros
 * ("0.0000030", "1.000000000000000000000") then never cost mantissa bits,
 * and the value comes out normalised without a division.
 */
int om_price_parse(const char *s, size_t n, om_price_t *out)
{
    const char *end = s + n, *run;
    uint64_t mant = 0;
    om_price_t p;
    long scale = 0, zeros = 0, exp = 0;
    int neg = 0, dot = 0;

    if (s < end && *s == '-') {
        neg = 1;
        s++;
    }
    for (run = s; s < end; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (d > 9) {
            if (*s != '.' || dot)
                break;
            dot = 1; /* once; the digits after it are decimal places */
            run = s + 1;
            continue;
        }
        scale += dot;
        if (scale > EXP_MAX)
            return OM_ERR_SCHEMA;
        if (d == 0) {
            zeros += mant != 0; /* leading zeros are no digits of mant */
        } else {
            if (!mul_pow10(&mant, zeros + 1))
                return OM_ERR_SCHEMA;
            mant += d;
            zeros = 0;
        }
    }
    if (s == run) /* no digit, or none after the point ("1.") */
        return OM_ERR_SCHEMA;
    if (s < end && (*s == 'e' || *s == 'E')) {
        int eneg = 0;
        if (++s < end && (*s == '+' || *s == '-'))
            eneg = *s++ == '-';
        for (run = s; s < end && *s >= '0' && *s <= '9'; s++) {
            exp = exp * 10 + (*s - '0');
            if (exp > EXP_MAX)
                return OM_ERR_SCHEMA;
        }
        if (s == run)
            return OM_ERR_SCHEMA;
        scale += eneg ? exp : -exp;
    }
    if (s != end)
        return OM_ERR_SCHEMA;

    /* value = mant * 10^(zeros - scale) */
    scale -= zeros;
    if (mant == 0) {
        scale = 0; /* "0", "0.000", "-0", "0e5" */
    } else if (scale < 0) {
        if (!mul_pow10(&mant, -scale))
            return OM_ERR_SCHEMA;
        scale = 0;
    }
    if (scale > SCALE_MAX)
        return OM_ERR_SCHEMA;
    p = price_make(mant, (unsigned)scale);
    if (neg && p) {
        if (p != price_make(1, 0))
            return OM_ERR_SCHEMA; /* "-1" is the only negative price */
        p = OM_PRICE_VARIABLE;
    }
    *out = p;
    return OM_OK;
}

/* The digit at index i of d[0..nd), '0' outside it: the zeros a number
 * has beyond its written digits on either side. */
static char digit_at(const char *d, int nd, int i)
{
    return (i >= 0 && i < nd) ? d[i] : '0';
}

/*
 * Writes the number whose digits are d[0..nd), the point after the first
 * `point` of them (point may lie outside d), rounded half up to at most
 * max_dec decimals, with at least min_dec (zeros beyond min_dec are
 * dropped) and one integer digit. d[0] must be a '0' that takes the carry
 * of a rounding. Returns the length or OM_ERR_NOSPACE.
 */
static int write_decimal(char *d, int nd, int point, int min_dec,
                         int max_dec, char *buf, size_t cap)
{
    int end = point + max_dec, i, first, last = max_dec;

    if (end < nd) { /* digits from d[end] on go, rounding half up */
        if (end > 0 && d[end] >= '5') {
            for (i = end - 1; d[i] == '9'; i--)
                d[i] = '0';
            d[i]++; /* stops at d[0] = '0' at the latest */
        }
        nd = end;
    }
    while (last > min_dec && digit_at(d, nd, point + last - 1) == '0')
        last--;
    /* Leading zeros go, but for the units digit d[point - 1]. */
    first = point - 1 < 0 ? point - 1 : 0;
    while (first < point - 1 && digit_at(d, nd, first) == '0')
        first++;
    if ((size_t)(point - first + (last ? last + 1 : 0)) >= cap)
        return OM_ERR_NOSPACE;
    for (i = first; i < point + last; i++) {
        if (i == point)
            *buf++ = '.';
        *buf++ = digit_at(d, nd, i);
    }
    *buf = '\0';
    return point - first + (last ? last + 1 : 0);
}

/* Writes p's digits after a '0' into d[22]; returns their count + 1. */
static int mant_digits(om_price_t p, char d[22])
{
    d[0] = '0';
    return om_u64_dec(price_mant(p), d + 1) + 1;
}

int om_price_format(om_price_t p, char *buf, size_t cap)
{
    char d[22];
    int nd, scale = (int)price_scale(p), r;

    if (cap == 0)
        return OM_ERR_NOSPACE;
    buf[0] = '\0';
    if (p == OM_PRICE_NONE)
        return 0;
    if (p == OM_PRICE_VARIABLE) {
        if (cap < 3)
            return OM_ERR_NOSPACE;
        memcpy(buf, "-1", 3);
        return 2;
    }
    nd = mant_digits(p, d);
    r = write_decimal(d, nd, nd - scale, scale, scale, buf, cap);
    if (r < 0)
        buf[0] = '\0';
    return r;
}

int om_price_format_per_million(om_price_t p, unsigned max_dec, char *buf,
                                size_t cap)
{
    char d[22];
    int nd, point, dec = (int)max_dec;
    int r = OM_ERR_NOSPACE;

    if (p >= OM_PRICE_VARIABLE) { /* the two words, "-" and "var" */
        size_t n = p == OM_PRICE_NONE ? 1 : 3;
        if (cap > n) {
            memcpy(buf, p == OM_PRICE_NONE ? "-" : "var", n + 1);
            return (int)n;
        }
    } else {
        nd = mant_digits(p, d);
        point = nd - (int)price_scale(p) + 6; /* 10^6 tokens */
        /* A tiny price keeps two significant digits rather than rounding
         * to a misleading 0.00: the first is d[1], at decimal 1 - point
         * (26 at most, with scale 31). A zero still gives "0.00", as
         * zeros past 2 decimals go. */
        if (dec < 2)
            dec = 2;
        if (dec > 30)
            dec = 30;
        if (3 - point > dec)
            dec = 3 - point;
        r = write_decimal(d, nd, point, 2, dec, buf, cap);
    }
    if (r < 0 && cap)
        buf[0] = '\0';
    return r;
}

/* Orders two prices: negative, 0 or positive as a is cheaper, equal or
 * dearer. The reserved values are the two largest: compared as they are,
 * missing and variable prices sort after every real one (whose scale is
 * at most 30 < 31). Real ones are brought to the same scale; a mantissa
 * that passes 2^59 on the way is larger than the other, whatever is left
 * to multiply. */
int om_price_cmp(om_price_t a, om_price_t b)
{
    uint64_t ma = a, mb = b;
    if (a < OM_PRICE_VARIABLE && b < OM_PRICE_VARIABLE) {
        unsigned sa = price_scale(a), sb = price_scale(b);
        ma = price_mant(a);
        mb = price_mant(b);
        while (sa != sb && (ma | mb) < MANT_LIMIT) { /* both below it */
            if (sa < sb) {
                ma *= 10u;
                sa++;
            } else {
                mb *= 10u;
                sb++;
            }
        }
    }
    return ma < mb ? -1 : ma > mb;
}
