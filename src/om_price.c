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

/* Multiplies *m by 10^k; 0 when the result would not fit the mantissa. */
static int mul_pow10(uint64_t *m, unsigned k)
{
    while (k--) {
        if (*m >= MANT_LIMIT / 10u)
            return 0;
        *m *= 10u;
    }
    return 1;
}

int om_price_parse(const char *s, size_t n, om_price_t *out)
{
    size_t i = 0;
    int neg = 0, digits = 0, dot = 0;
    uint64_t mant = 0;
    long zeros = 0;   /* trailing zeros read but not yet multiplied in */
    long frac = 0;    /* digits read after the decimal point */
    long exp = 0, scale;

    if (i < n && s[i] == '-') {
        neg = 1;
        i++;
    }
    for (; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9) {
            if (s[i] != '.' || dot)
                break;
            dot = 1; /* once; the digits after it count in frac */
            continue;
        }
        digits++;
        frac += dot;
        if (frac > EXP_MAX)
            return OM_ERR_SCHEMA;
        if (d == 0) {
            if (mant != 0)
                zeros++;
        } else {
            if (!mul_pow10(&mant, (unsigned)zeros + 1u) || mant + d >= MANT_LIMIT)
                return OM_ERR_SCHEMA;
            mant += d;
            zeros = 0;
        }
    }
    if (dot && frac == 0)
        return OM_ERR_SCHEMA; /* "1." */
    if (digits == 0)
        return OM_ERR_SCHEMA;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0, ed = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, ed++) {
            exp = exp * 10 + (s[i] - '0');
            if (exp > EXP_MAX)
                return OM_ERR_SCHEMA;
        }
        if (ed == 0)
            return OM_ERR_SCHEMA;
        if (eneg)
            exp = -exp;
    }
    if (i != n)
        return OM_ERR_SCHEMA;

    if (mant == 0) {
        *out = price_make(0, 0); /* "0", "0.000", "-0" */
        return OM_OK;
    }
    /* value = mant * 10^(zeros - frac + exp) */
    scale = frac - zeros - exp;
    if (scale < 0) {
        if (scale < -(long)OM_PRICE_DIGITS_MAX ||
            !mul_pow10(&mant, (unsigned)-scale))
            return OM_ERR_SCHEMA;
        scale = 0;
    }
    if (scale > SCALE_MAX)
        return OM_ERR_SCHEMA;
    if (neg) {
        if (mant == 1 && scale == 0) {
            *out = OM_PRICE_VARIABLE;
            return OM_OK;
        }
        return OM_ERR_SCHEMA;
    }
    *out = price_make(mant, (unsigned)scale);
    return OM_OK;
}

/* The digit at decimal position q of the number whose digits are
 * d[0..nd) with the point after position point: q = 0 is the units, 1 the
 * first decimal, -1 the tens. */
static char digit_at(const char *d, int nd, int point, int q)
{
    int i = point - 1 + q;
    return (i >= 0 && i < nd) ? d[i] : '0';
}

/*
 * Writes that number rounded half up to at most max_dec decimals, with at
 * least min_dec (zeros beyond min_dec are dropped). Returns the length or
 * OM_ERR_NOSPACE.
 */
static int write_decimal(const char *d, int nd, int point, int min_dec,
                         int max_dec, char *buf, size_t cap)
{
    char dig[80]; /* a carry slot, the integer digits, then the decimals */
    int ni = point > 1 ? point : 1, n = ni + max_dec, k, last, start, len;

    if (n + 1 > (int)sizeof(dig))
        return OM_ERR_NOSPACE;
    dig[0] = '0';
    for (k = 0; k < n; k++)
        dig[1 + k] = digit_at(d, nd, point, k - ni + 1);
    if (digit_at(d, nd, point, max_dec + 1) >= '5') {
        for (k = n; k >= 0; k--) {
            if (dig[k] != '9') {
                dig[k]++;
                break;
            }
            dig[k] = '0';
        }
    }
    last = max_dec; /* decimal j sits at dig[ni + j] */
    while (last > min_dec && dig[ni + last] == '0')
        last--;
    start = 0; /* leading zeros go, the units digit dig[ni] stays */
    while (start < ni && dig[start] == '0')
        start++;
    len = ni - start + 1 + (last ? 1 + last : 0);
    if ((size_t)len + 1 > cap)
        return OM_ERR_NOSPACE;
    memcpy(buf, dig + start, (size_t)(ni - start + 1));
    if (last) {
        buf[ni - start + 1] = '.';
        memcpy(buf + ni - start + 2, dig + ni + 1, (size_t)last);
    }
    buf[len] = '\0';
    return len;
}

int om_price_format(om_price_t p, char *buf, size_t cap)
{
    char d[21];
    int nd, scale, r;

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
    nd = om_u64_dec(price_mant(p), d);
    scale = (int)price_scale(p);
    r = write_decimal(d, nd, nd - scale, scale, scale, buf, cap);
    if (r < 0)
        buf[0] = '\0';
    return r;
}

int om_price_format_per_million(om_price_t p, unsigned max_dec, char *buf,
                                size_t cap)
{
    char d[21];
    int nd, point, dec = (int)max_dec, r;
    const char *word = NULL;

    if (p == OM_PRICE_NONE)
        word = "-";
    else if (p == OM_PRICE_VARIABLE)
        word = "var";
    if (word) {
        size_t n = strlen(word);
        if (cap < n + 1) {
            if (cap)
                buf[0] = '\0';
            return OM_ERR_NOSPACE;
        }
        memcpy(buf, word, n + 1);
        return (int)n;
    }
    nd = om_u64_dec(price_mant(p), d);
    point = nd - (int)price_scale(p) + 6;
    if (dec < 2)
        dec = 2;
    /* A tiny non-zero price keeps two significant digits rather than
     * rounding to a misleading 0.00. */
    if (price_mant(p) != 0 && point < 0 && -point + 2 > dec)
        dec = -point + 2;
    if (dec > 30)
        dec = 30;
    r = write_decimal(d, nd, point, 2, dec, buf, cap);
    if (r < 0 && cap)
        buf[0] = '\0';
    return r;
}

static int price_rank(om_price_t p)
{
    return p == OM_PRICE_NONE ? 2 : p == OM_PRICE_VARIABLE ? 1 : 0;
}

int om_price_cmp(om_price_t a, om_price_t b)
{
    uint64_t ma, mb;
    unsigned sa, sb;
    int ra = price_rank(a), rb = price_rank(b);

    if (ra || rb)
        return ra - rb;
    ma = price_mant(a);
    mb = price_mant(b);
    sa = price_scale(a);
    sb = price_scale(b);
    /* Bring both to the larger scale; a mantissa that would overflow is
     * larger than any mantissa (both are below 2^59). */
    while (sa < sb) {
        if (ma >= MANT_LIMIT)
            return 1;
        ma *= 10u;
        sa++;
    }
    while (sb < sa) {
        if (mb >= MANT_LIMIT)
            return -1;
        mb *= 10u;
        sb++;
    }
    return ma < mb ? -1 : ma > mb;
}
