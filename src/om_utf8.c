/*
 * om_utf8.c - decoding JSON string bodies to checked UTF-8.
 */
#include <string.h>

#include "ormodels.h"
#include "om_internal.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads \uXXXX at s[i] (the backslash); -1 if malformed or short. */
static long read_u(const char *s, size_t n, size_t i)
{
    long v = 0;
    size_t k;
    if (i + 6 > n || s[i] != '\\' || s[i + 1] != 'u')
        return -1;
    for (k = 2; k < 6; k++) {
        int h = hexval(s[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Length of the valid UTF-8 sequence at s[0..n), 0 if invalid, -1 if it
 * is a valid start cut short by n. */
static int utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    int len = c < 0x80 ? 1 : c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
    int k;
    unsigned long cp;
    if (len < 2)
        return len;
    cp = c & (0x3Fu >> (len - 1));
    for (k = 1; k < len; k++) {
        if ((size_t)k >= n)
            return -1;
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3Fu);
    }
    /* overlong (below 0x80, 0x800, 0x10000), too high, or a surrogate */
    if (cp < (len == 2 ? 0x80u : 0x800u << (5 * (len - 3))) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Writes cp as UTF-8 into o; returns its length. */
static int put_cp(unsigned long cp, char *o)
{
    int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4, k;
    if (len == 1) {
        o[0] = (char)cp;
        return 1;
    }
    for (k = len - 1; k > 0; k--) {
        o[k] = (char)(0x80 | (cp & 0x3F));
        cp >>= 6;
    }
    o[0] = (char)(((0xF00u >> len) & 0xFFu) | cp); /* C0, E0 or F0 */
    return len;
}

/* The one-letter escapes and what they stand for. */
static const char esc_in[] = "\"\\/bfnrt";
static const char esc_out[] = "\"\\/\b\f\n\r\t";

int om_json_unescape(const char *s, size_t n, char *out, size_t max,
                     unsigned flags, int *cut)
{
    size_t i = 0, o = 0;
    int trunc = (flags & OM_UNESC_CUT) != 0;
    *cut = 0;
    /* Most ids and names are plain printable ASCII: nothing to decode. */
    while (i < n && i < max && (unsigned char)s[i] >= 0x20 &&
           (unsigned char)s[i] < 0x7F && s[i] != '\\')
        i++;
    if (s != out)
        memmove(out, s, i);
    o = i;
    while (i < n) {
        char buf[4];
        int len;
        size_t adv;
        unsigned char c = (unsigned char)s[i];

        if (c == '\\') {
            unsigned long cp;
            if (i + 1 >= n)
                goto short_input;
            adv = 2;
            switch (s[i + 1]) {
            case 'u': {
                long u = read_u(s, n, i);
                if (u < 0)
                    goto short_input;
                adv = 6;
                cp = (unsigned long)u;
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                    return OM_ERR_JSON; /* a lone low surrogate */
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    long lo = read_u(s, n, i + 6);
                    if (lo < 0 && trunc && i + 6 + 6 > n)
                        goto short_input;
                    if (lo < 0xDC00 || lo > 0xDFFF)
                        return OM_ERR_JSON; /* a lone high surrogate */
                    cp = 0x10000 + ((cp - 0xD800) << 10) +
                         ((unsigned long)lo - 0xDC00);
                    adv = 12;
                }
                break;
            }
            default: {
                const char *e = strchr(esc_in, s[i + 1]);
                if (s[i + 1] == '\0' || e == NULL)
                    return OM_ERR_JSON;
                cp = (unsigned char)esc_out[e - esc_in];
                break;
            }
            }
            if (cp == 0)
                return OM_ERR_JSON;
            if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
                if (!(flags & OM_UNESC_TEXT))
                    return OM_ERR_JSON;
                cp = ' '; /* keeps terminal escapes out of names */
            }
            len = put_cp(cp, buf);
        } else {
            int l = utf8_len((const unsigned char *)s + i, n - i);
            if (l < 0)
                goto short_input;
            if (l == 0 || c == 0)
                return OM_ERR_JSON;
            if (c < 0x20 || c == 0x7F ||
                (c == 0xC2 && (unsigned char)s[i + 1] <= 0x9F)) {
                if (!(flags & OM_UNESC_TEXT))
                    return OM_ERR_JSON;
                buf[0] = ' ';
                len = 1;
            } else {
                len = l;
                for (adv = 0; adv < (size_t)l; adv++)
                    buf[adv] = s[i + adv];
            }
            adv = (size_t)l;
        }
        if (o + (size_t)len > max) {
            *cut = 1;
            return (int)o;
        }
        /* Writing behind the reader: o <= i always, as no escape or
         * sequence decodes to more bytes than it spans. */
        {
            int k;
            for (k = 0; k < len; k++)
                out[o + (size_t)k] = buf[k];
        }
        o += (size_t)len;
        i += adv;
    }
    return (int)o;

short_input:
    if (!trunc)
        return OM_ERR_JSON;
    *cut = 1;
    return (int)o;
}

int om_parse_u32(const char *s, size_t n, uint32_t *out)
{
    uint32_t v = 0;
    size_t i;
    if (n == 0 || n > 10)
        return OM_ERR_SCHEMA;
    for (i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9 || (v > 429496729u) || (v == 429496729u && d > 5))
            return OM_ERR_SCHEMA;
        v = v * 10u + d;
    }
    *out = v;
    return OM_OK;
}
