/*
 * fmt_an386.c - snprintf and vsnprintf for the net firmware, without the
 * heap. newlib-nano's own (nano-svfprintf) links malloc/free and _sbrk
 * for its growable-buffer path, and this firmware has no heap on purpose;
 * Mbed TLS (X.509 names, OIDs) and om_sock/om_tls (error lines) format
 * into fixed buffers only. Defining both here keeps libc's out of the link.
 *
 * Supported: flags '-' '0', width and precision (digits or '*'), length
 * hh h l ll z j t, conversions d i u x X o c s p %. No floating point.
 * Output is truncated to cap - 1 bytes and NUL-terminated; the return
 * value is the length the whole output would have had (C99).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct out {
    char *buf;
    size_t cap, n;
};

static void put(struct out *o, char c)
{
    if (o->n + 1 < o->cap)
        o->buf[o->n] = c;
    o->n++;
}

static void pad(struct out *o, char c, int k)
{
    while (k-- > 0)
        put(o, c);
}

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
    struct out o;
    o.buf = buf;
    o.cap = cap;
    o.n = 0;
    for (; *fmt; fmt++) {
        int left = 0, zero = 0, width = 0, prec = -1, lng = 0, neg = 0;
        unsigned base = 10, upper = 0, is_signed = 0;
        uintmax_t v = 0;
        char tmp[24];
        int len = 0;
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                zero = 1;
            else if (*fmt != '+' && *fmt != ' ' && *fmt != '#')
                break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = 1;
                width = -width;
            }
            fmt++;
        } else
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                fmt++;
            } else
                while (*fmt >= '0' && *fmt <= '9')
                    prec = prec * 10 + (*fmt++ - '0');
        }
        for (;; fmt++) {
            if (*fmt == 'h')
                lng = lng < 0 ? -2 : -1;
            else if (*fmt == 'l')
                lng = lng == 1 ? 2 : 1;
            else if (*fmt == 'z' || *fmt == 't')
                lng = sizeof(size_t) > sizeof(long) ? 2 : 1;
            else if (*fmt == 'j')
                lng = 3;
            else
                break;
        }
        switch (*fmt) {
        case '\0':
            fmt--;
            continue;
        case '%':
            put(&o, '%');
            continue;
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            len = 1;
            if (!left)
                pad(&o, ' ', width - 1);
            put(&o, tmp[0]);
            if (left)
                pad(&o, ' ', width - 1);
            continue;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            while (s[len] && (prec < 0 || len < prec))
                len++;
            if (!left)
                pad(&o, ' ', width - len);
            for (int i = 0; i < len; i++)
                put(&o, s[i]);
            if (left)
                pad(&o, ' ', width - len);
            continue;
        }
        case 'p':
            v = (uintptr_t)va_arg(ap, void *);
            base = 16;
            put(&o, '0');
            put(&o, 'x');
            break;
        case 'd':
        case 'i':
            is_signed = 1;
            break;
        case 'X':
            upper = 1;
            /* fall through */
        case 'x':
            base = 16;
            break;
        case 'o':
            base = 8;
            break;
        case 'u':
            break;
        default: /* unknown: print it as it is */
            put(&o, '%');
            put(&o, *fmt);
            continue;
        }
        if (*fmt != 'p') {
            if (is_signed) {
                intmax_t s = lng == 3 ? va_arg(ap, intmax_t)
                           : lng == 2 ? va_arg(ap, long long)
                           : lng == 1 ? va_arg(ap, long)
                                      : va_arg(ap, int);
                if (lng == -1)
                    s = (short)s;
                else if (lng == -2)
                    s = (signed char)s;
                neg = s < 0;
                v = neg ? (uintmax_t)0 - (uintmax_t)s : (uintmax_t)s;
            } else
                v = lng == 3 ? va_arg(ap, uintmax_t)
                  : lng == 2 ? va_arg(ap, unsigned long long)
                  : lng == 1 ? va_arg(ap, unsigned long)
                             : va_arg(ap, unsigned);
            if (lng == -1 && !is_signed)
                v &= 0xFFFFu;
            else if (lng == -2 && !is_signed)
                v &= 0xFFu;
        }
        do {
            unsigned d = (unsigned)(v % base);
            tmp[len++] = (char)(d < 10 ? '0' + d : (upper ? 'A' : 'a') + d - 10);
            v /= base;
        } while (v && len < (int)sizeof tmp);
        while (prec > len && len < (int)sizeof tmp)
            tmp[len++] = '0';
        {
            int fill = width - len - neg;
            if (!left && !(zero && prec < 0))
                pad(&o, ' ', fill);
            if (neg)
                put(&o, '-');
            if (!left && zero && prec < 0)
                pad(&o, '0', fill);
            while (len > 0)
                put(&o, tmp[--len]);
            if (left)
                pad(&o, ' ', fill);
        }
    }
    if (cap)
        o.buf[o.n < cap ? o.n : cap - 1] = '\0';
    return (int)o.n;
}

int snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}
