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
    "not a table image of this format\0I/O error\0not found\0"
    "malformed HTTP response\0HTTP error status\0too big\0timed out\0"
    "name resolution failed\0connection failed\0TLS failed\0"
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

/* Bitwise CRC-32 with a 16-entry table: 64 bytes of flash rather than 1 KB,
 * fast enough for a table image of a few tens of KB. */
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
    char tmp[20];
    int n = 0, i;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    for (i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
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

/* n / d rounded half up, in 32 bits (no overflow near UINT32_MAX). */
static uint32_t div_round(uint32_t n, uint32_t d)
{
    return n / d + (n % d >= d - d / 2u);
}

int om_format_context(uint32_t n, char buf[8])
{
    int len;

    /* At most 7 characters: "999", "128K", "1.05M", "4295M". */
    if (n < 1000u) {
        len = om_u64_dec(n, buf);
    } else if (n < 999500u) { /* thousands, rounded to a whole K */
        len = om_u64_dec(div_round(n, 1000u), buf);
        buf[len++] = 'K';
    } else if (n < 999995000u) { /* millions with up to two decimals */
        uint32_t hundredths = div_round(n, 10000u);
        uint32_t frac = hundredths % 100u;
        len = om_u64_dec(hundredths / 100u, buf);
        if (frac) {
            buf[len++] = '.';
            buf[len++] = (char)('0' + frac / 10u);
            if (frac % 10u)
                buf[len++] = (char)('0' + frac % 10u);
        }
        buf[len++] = 'M';
    } else { /* whole millions */
        len = om_u64_dec(div_round(n, 1000000u), buf);
        buf[len++] = 'M';
    }
    buf[len] = '\0';
    return len;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian); z is
 * within years 0000..9999, so 32 bits hold every step. */
static void civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d)
{
    int32_t era, yy;
    unsigned doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    yy = (int32_t)yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10u % 10u);
    p[1] = (char)('0' + v % 10u);
}

int om_format_time(int64_t t, char buf[21])
{
    int32_t q, days;
    uint32_t secs;
    int y;
    unsigned m, d;

    /* Clamped to years 0000..9999, so nothing below can overflow. */
    if (t < -62167219200)
        t = -62167219200;
    if (t > 253402300799)
        t = 253402300799;
    /* floor(t / 86400) as floor(floor(t / 128) / 675): t / 128 fits 32
     * bits here, so no 64-bit division is needed */
    q = (int32_t)(t >= 0 ? t / 128 : -((-t + 127) / 128));
    days = q >= 0 ? q / 675 : -((-q + 674) / 675);
    secs = (uint32_t)(t - (int64_t)days * 86400);
    civil_from_days(days, &y, &m, &d);
    if (y < 0)
        y = 0;
    if (y > 9999)
        y = 9999;
    put2(buf, (unsigned)y / 100u);
    put2(buf + 2, (unsigned)y % 100u);
    buf[4] = '-';
    put2(buf + 5, m);
    buf[7] = '-';
    put2(buf + 8, d);
    buf[10] = 'T';
    put2(buf + 11, secs / 3600u);
    buf[13] = ':';
    put2(buf + 14, secs / 60u % 60u);
    buf[16] = ':';
    put2(buf + 17, secs % 60u);
    buf[19] = 'Z';
    buf[20] = '\0';
    return 20;
}
