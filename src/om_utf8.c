/*
 * om_utf8.c - decoding JSON string bodies to checked UTF-8.
 *
 * Every character, escaped or raw, is first decoded to its code point,
 * checked once, then written out as UTF-8 again. Valid UTF-8 has one
 * encoding only, so raw text comes out byte for byte as it came in.
 */
#include <string.h>

#include "ormodels.h"
#include "om_internal.h"

/* Reads the \uXXXX at s[i]; -1 if it is not one, or is cut short by n. */
static long read_u(const char *s, size_t n, size_t i)
{
    long v = 0;
    size_t k;
    if (i + 6 > n || s[i] != '\\' || s[i + 1] != 'u')
        return -1;
    for (k = i + 2; k < i + 6; k++) {
        unsigned c = (unsigned char)s[k], h = c - '0';
        if (h > 9) {
            h = (c | 0x20u) - 'a' + 10u; /* either case */
            if (h < 10 || h > 15)
                return -1;
        }
        v = v * 16 + (long)h;
    }
    return v;
}

/* The one-letter escapes, then at the same place + 8 what they stand for. */
static const char esc[16] = "\"\\/bfnrt\"\\/\b\f\n\r\t";

int om_json_unescape(const char *s, size_t n, char *out, size_t max,
                     unsigned flags, int *cut)
{
    size_t i = 0, o = 0;
    *cut = 0;
    while (i < n) {
        unsigned long cp = (unsigned char)s[i];
        size_t adv = 1, len, k;

        /* Printable ASCII, most of any catalogue: straight through (the
         * general path below gives the same bytes, several times slower) */
        if (cp - 0x20u < 0x5Fu && cp != '\\') {
            if (o == max) {
                *cut = 1;
                return (int)o;
            }
            out[o++] = (char)cp;
            i++;
            continue;
        }
        if (cp == '\\') {
            if (i + 1 >= n)
                goto short_input;
            adv = 2;
            if (s[i + 1] == 'u') {
                long u = read_u(s, n, i);
                if (u < 0)
                    goto short_input;
                cp = (unsigned long)u;
                adv = 6;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    long lo = read_u(s, n, i + 6);
                    if (lo < 0 && (flags & OM_UNESC_CUT) && i + 12 > n)
                        goto short_input;
                    if (lo < 0xDC00 || lo > 0xDFFF)
                        return OM_ERR_JSON; /* a lone high surrogate */
                    cp = 0x10000 + ((cp - 0xD800) << 10) +
                         ((unsigned long)lo - 0xDC00);
                    adv = 12;
                }
                /* a lone low surrogate fails with the raw ones below */
            } else {
                const char *e = memchr(esc, s[i + 1], 8);
                if (e == NULL)
                    return OM_ERR_JSON;
                cp = (unsigned char)e[8];
            }
        } else if (cp >= 0x80) {
            /* Raw UTF-8: the lead byte gives the length; C0, C1 and F5..FF
             * lead nothing valid. */
            if (cp < 0xC2 || cp > 0xF4)
                return OM_ERR_JSON;
            adv = cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
            cp &= 0x7Fu >> adv;
            for (k = 1; k < adv; k++) {
                if (i + k >= n)
                    goto short_input;
                if (((unsigned char)s[i + k] & 0xC0) != 0x80)
                    return OM_ERR_JSON;
                cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3Fu);
            }
            /* overlong: below 0x800 in 3 bytes or 0x10000 in 4 (C2 makes
             * 2 bytes at least 0x80) */
            if (cp < (1ul << (5 * adv - 4)))
                return OM_ERR_JSON;
        }
        /* NUL, a surrogate, above U+10FFFF: never; control characters
         * (C0, DEL, C1): spaces in display text, else refused */
        if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return OM_ERR_JSON;
        if (cp < 0x20 || cp - 0x7F <= 0x20) {
            if (!(flags & OM_UNESC_TEXT))
                return OM_ERR_JSON;
            cp = ' '; /* keeps terminal escapes out of names */
        }

        len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (o + len > max) {
            *cut = 1;
            return (int)o;
        }
        /* Writing behind the reader: o <= i always, as no character
         * encodes to more bytes than it spans, and cp is read in full. */
        for (k = len - 1; k > 0; k--) {
            out[o + k] = (char)(0x80 | (cp & 0x3F));
            cp >>= 6;
        }
        out[o] = (char)(cp | (unsigned char)"\0\0\xC0\xE0\xF0"[len]);
        o += len;
        i += adv;
    }
    return (int)o;

short_input:
    if (!(flags & OM_UNESC_CUT))
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
        uint64_t w = (uint64_t)v * 10u + d; /* one 32x32 multiply */
        if (d > 9 || w > UINT32_MAX)
            return OM_ERR_SCHEMA;
        v = (uint32_t)w;
    }
    *out = v;
    return OM_OK;
}
