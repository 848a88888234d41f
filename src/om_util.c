/*
 * om_util.c - error names, CRC-32, and formatting for people.
 */
#include <stdarg.h>
#include <string.h>

#include "ormodels.h"
#include "om_internal.h"

/* The names of OM_OK, OM_ERR_INVAL, ... OM_ERR_REDIRECT, in order. */
static const char err_names[] =
    "ok\0invalid argument\0malformed JSON\0truncated\0JSON nested too deep\0"
    "not a model catalogue\0no models\0no space\0corrupt table image\0"
    "incompatible table image\0I/O error\0not found\0"
    "malformed HTTP response\0HTTP error status\0too big\0timed out\0"
    "DNS lookup failed\0connection failed\0TLS failed\0"
    "connection closed\0bad redirect\0unknown error";

const char *om_strerror(int err)
{
    const char *s = err_names;
    int k;
    if (err > 0 || err < OM_ERR_REDIRECT)
        err = OM_ERR_REDIRECT - 1; /* the last: "unknown error" */
    for (k = 0; k > err; k--)
        s += strlen(s) + 1;
    return s;
}

/* CRC-32 (IEEE, reflected) four bits at a time from a 16-entry table:
 * 64 bytes of flash rather than 1 KB, and four times the speed of the
 * bitwise loop (a 45 KB table image is checked at every boot and save). */
uint32_t om_crc32(uint32_t crc, const void *buf, size_t len)
{
    static const uint32_t nib[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu,
        0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
        0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
        0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
    const uint8_t *p = (const uint8_t *)buf;
    crc = ~crc;
    while (len--) {
        crc ^= *p++;
        crc = (crc >> 4) ^ nib[crc & 15u];
        crc = (crc >> 4) ^ nib[crc & 15u];
    }
    return ~crc;
}

int om_u64_dec(uint64_t v, char *buf)
{
    char tmp[21], *p = tmp + 20; /* digits from the right, then copied */
    int n;
    *p = '\0';
    do {
        *--p = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    n = (int)(tmp + 20 - p);
    memcpy(buf, p, (size_t)n + 1u);
    return n;
}

void om_vformat(om_put_fn put, void *ctx, const char *fmt, va_list ap)
{
    char d[21];
    const char *s;
    size_t n;

    while (*fmt) {
        for (n = 0; fmt[n] && fmt[n] != '%'; n++)
            ;
        if (n == 0) {
            s = d;
            if (fmt[1] == 's')
                s = va_arg(ap, const char *);
            else if (fmt[1] == 'U')
                om_u64_dec(*va_arg(ap, const uint64_t *), d);
            else
                om_u64_dec(va_arg(ap, unsigned), d);
            if (s)
                put(ctx, s, strlen(s));
            n = 2;
        } else {
            put(ctx, fmt, n);
        }
        fmt += n;
    }
}

int om_format_context(uint32_t n, char buf[8])
{
    uint32_t d = 1, scale = 1, q, frac;
    char unit = '\0';
    int len;

    /* At most 7 characters: "999", "128K", "1.05M", "4295M". n is shown
     * as q = n / d rounded half up, with two decimals when scale is 100;
     * the limits are where the rounded q would need one digit more. */
    if (n >= 999995000u) { /* whole millions */
        d = 1000000u;
        unit = 'M';
    } else if (n >= 999500u) { /* millions with up to two decimals */
        d = 10000u;
        scale = 100u;
        unit = 'M';
    } else if (n >= 1000u) { /* thousands, rounded to a whole K */
        d = 1000u;
        unit = 'K';
    }
    q = n / d + (n % d >= d - d / 2u); /* no overflow near UINT32_MAX */
    frac = q % scale;
    len = om_u64_dec(q / scale, buf);
    if (frac) {
        buf[len++] = '.';
        buf[len++] = (char)('0' + frac / 10u);
        if (frac % 10u)
            buf[len++] = (char)('0' + frac % 10u);
    }
    buf[len] = unit;
    len += unit != '\0';
    buf[len] = '\0';
    return len;
}

int om_format_time(int64_t t, char buf[21])
{
    /* The output's shape; each digit is the largest its place can hold,
     * so that place is written in base digit + 1. */
    static const char pic[] = "9999-99-99T29:59:59Z";
    /* Seconds since 0000-01-01T00:00:00Z, clamped to years 0000..9999
     * (the sum wraps for a t out of range, and the sign says which end). */
    uint64_t s = (uint64_t)t + 62167219200u;
    uint64_t p;
    uint32_t days, n, c, doy, md, janfeb, v;
    int i;

    if (s > 315569519999u)
        s = t < 0 ? 0 : 315569519999u;
    /* s < 2^39: floor(s / 86400) is floor((s >> 7) / 675) in 32 bits. */
    days = (uint32_t)(s >> 7) / 675u;
    v = (uint32_t)s - days * 86400u; /* seconds of the day, exact mod 2^32 */

    /* Civil date from days (proleptic Gregorian) by Neri and Schneider's
     * "Euclidean affine functions and their application to calendar
     * algorithms" (Software: Practice and Experience, 2023). Years start
     * on March 1, so the leap day ends each one, and the count starts 400
     * years early (146097 days, less the 60 of January and February of
     * year 0) so that nothing goes below zero. n / 146097 counts
     * centuries. Within one, 2939745 / 2^32 stands for 1 / 1461 (four
     * years): p's high word is the year in the century, its low word
     * gives the day of the year from March 1. Then 2141 / 2^16 stands for
     * 1 / 30.6 days a month: md's high half is the month (March is 3),
     * its low half the day in it. */
    n = 4u * (days + 146097u - 60u) + 3u;
    c = n / 146097u;
    p = (uint64_t)2939745u * (n % 146097u / 4u * 4u + 3u);
    doy = (uint32_t)p / 2939745u / 4u;
    md = 2141u * doy + 197913u;
    janfeb = doy >= 306u; /* January or February: the next civil year */

    /* Right to left: the time of day in mixed radix from v (hh:mm:ss),
     * then at the 'T' the date as the decimal number yyyymmdd. */
    buf[20] = '\0';
    for (i = 19; i >= 0; i--) {
        unsigned radix = (unsigned)(pic[i] - '0') + 1u; /* > 10: no digit */
        buf[i] = pic[i];
        if (pic[i] == 'T')
            v = ((100u * c + (uint32_t)(p >> 32) + janfeb - 400u) * 100u +
                 (md >> 16) - 12u * janfeb) * 100u + (md & 0xFFFFu) / 2141u + 1u;
        else if (radix <= 10u) {
            buf[i] = (char)('0' + v % radix);
            v /= radix;
        }
    }
    return 20;
}
