/*
 * om_internal.h - helpers shared by the core's files; not public API.
 */
#ifndef OM_INTERNAL_H
#define OM_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* How om_json_unescape treats what it decodes. */
#define OM_UNESC_TEXT 0x01 /* a display string: control characters become
                              spaces instead of failing */
#define OM_UNESC_CUT 0x02  /* the input was cut: an incomplete escape or
                              UTF-8 sequence at its end is dropped */

/*
 * Decodes the body of a JSON string (no quotes) s[0..n) into out, which
 * may be s itself (decoding never grows): escapes including surrogate
 * pairs become UTF-8, raw bytes must be valid UTF-8. Stops at a character
 * boundary before out would exceed max bytes, and sets *cut when it did.
 * Returns the length written, or OM_ERR_JSON for an invalid escape,
 * surrogate, UTF-8 sequence, NUL or (without OM_UNESC_TEXT) a control
 * character.
 */
int om_json_unescape(const char *s, size_t n, char *out, size_t max,
                     unsigned flags, int *cut);

/* Writes v in decimal, NUL-terminated, into buf (room for 21 bytes, or
 * for as many digits as v can have plus one). Returns the digit count. */
int om_u64_dec(uint64_t v, char *buf);

/* Receives n bytes of formatted output. */
typedef void (*om_put_fn)(void *ctx, const char *s, size_t n);

/* The one formatter of the core's messages and screens: fmt's text goes
 * to put as it is, except %s (a string; NULL puts nothing), %u (an
 * unsigned) and %U (a pointer to a uint64_t: every argument is then one
 * register on a 32-bit CPU), each number in decimal. Every '%' is one of
 * these. Arguments past those fmt names are ignored, so one call may
 * choose between formats. */
void om_vformat(om_put_fn put, void *ctx, const char *fmt, va_list ap);

/* Parses an unsigned decimal integer s[0..n) that fits 32 bits. */
int om_parse_u32(const char *s, size_t n, uint32_t *out);

#endif /* OM_INTERNAL_H */
