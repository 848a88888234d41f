/*
 * om_url.c - parsing of absolute http(s) URLs and resolution of relative
 * references (RFC 3986), for Location headers and links.next. Every
 * function checks its whole input before it writes its output, so a
 * failed call leaves the caller's URL as it was.
 */
#include <string.h>

#include "om_internal.h"
#include "om_url.h"

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* A digit, or a letter of either case up to last: with 'f' a hex digit,
 * with 'z' any letter or digit. */
static int is_alnum(char c, char last)
{
    char l = (char)(c | 0x20); /* a letter in lower case; no other byte
                                  becomes one */
    return (c >= '0' && c <= '9') || (l >= 'a' && l <= last);
}

static int is_hex(char c)
{
    return is_alnum(c, 'f');
}

/* Checks the reference s that goes into a path after keep bytes: no
 * byte of it (fragment included) is a control, space, non-ASCII or one
 * of the characters RFC 3986 leaves out of URIs, and a '%' starts two
 * hex digits. Returns its length up to its fragment; OM_ERR_INVAL, or
 * OM_ERR_TOOBIG when keep and that length exceed OM_URL_MAX. */
static long checked_len(const char *s, size_t keep)
{
    const char *p;
    size_t n;

    for (p = s; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c) != NULL ||
            (c == '%' && (!is_hex(p[1]) || !is_hex(p[2]))))
            return OM_ERR_INVAL;
    }
    n = strcspn(s, "#");
    return keep + n > OM_URL_MAX ? OM_ERR_TOOBIG : (long)n;
}

/* Puts s[0..n) behind the first keep bytes of path, a path and query
 * starting with '/', and removes its "." and ".." segments (RFC 3986
 * 5.2.4); the query is kept as is. */
static void set_path(char *path, size_t keep, const char *s, size_t n)
{
    char *p = path;
    size_t in = 0;
    size_t out = 0;

    memcpy(p + keep, s, n);
    p[keep + n] = '\0';
    n = strcspn(p, "?"); /* the path's length */
    while (in < n) {
        size_t e = in + 1; /* the segment p[in+1..e), after its '/' */
        size_t len;

        while (e < n && p[e] != '/')
            e++;
        len = e - in - 1;
        if (len - 1u < 2u && p[in + 1] == '.' && p[e - 1] == '.') {
            if (len == 2) /* "..": drop the last segment, '/' and all */
                while (out > 0 && p[--out] != '/')
                    ;
            if (e == n) /* a last "." or ".." leaves a directory */
                p[out++] = '/';
        } else {
            memmove(p + out, p + in, e - in);
            out += e - in;
        }
        in = e;
    }
    /* out > 0: the last segment left at least its '/' */
    memmove(p + out, p + n, strlen(p + n) + 1);
}

/* The length of the host at host, up to end: a name takes letters,
 * digits and "-._" up to ':'; an IPv6 literal (v6, after its '[') hex
 * digits and ":." up to its ']', and at least one ':'. Anything else,
 * '@' of a userinfo too, is refused: 0. */
static size_t host_len(const char *host, const char *end, int v6)
{
    char stop = v6 ? ']' : ':';
    char last = v6 ? 'f' : 'z';
    const char *more = v6 ? ":." : "-._";
    const char *p;
    size_t n;

    for (p = host; p < end && *p != stop; p++)
        if (!is_alnum(*p, last) && strchr(more, *p) == NULL)
            return 0;
    n = (size_t)(p - host);
    if (n > OM_URL_HOST_MAX || (v6 && (p == end || memchr(host, ':', n) == NULL)))
        return 0;
    return n;
}

/* Parses what follows "scheme://" into u. */
static int parse_net(const char *s, int https, om_url_t *u)
{
    const char *auth_end = s + strcspn(s, "/?#"); /* end of host[:port] */
    size_t slash = *auth_end != '/'; /* "", "?q" or "#f": '/' goes in front */
    int v6 = s[0] == '[';                           /* "[::1]" */
    const char *host = s + v6;
    size_t hlen = host_len(host, auth_end, v6);
    const char *p = host + hlen + v6; /* past the ']' */
    uint32_t port = https ? 443 : 80;
    long plen;
    size_t i;

    /* ":port", 1..65535 in at most five digits */
    if (hlen == 0 ||
        (p < auth_end && (*p != ':' || auth_end - p > 6 ||
                          om_parse_u32(p + 1, (size_t)(auth_end - p - 1), &port) != OM_OK ||
                          port - 1u > 65534u)))
        return OM_ERR_INVAL;
    plen = checked_len(auth_end, slash);
    if (plen < 0)
        return (int)plen;

    /* Checked: now write. */
    for (i = 0; i < hlen; i++)
        u->host[i] = lower(host[i]);
    u->host[hlen] = '\0';
    u->https = (uint8_t)https;
    u->port = (uint16_t)port;
    u->path[0] = '/';
    set_path(u->path, slash, auth_end, (size_t)plen);
    return OM_OK;
}

int om_url_parse(const char *url, om_url_t *u)
{
    size_t n;

    if (url == NULL || u == NULL)
        return OM_ERR_INVAL;
    /* "http" or "https" in any case (only 'H' and 'h' become 'h' with
     * the case bit set, and so on), then "://" */
    for (n = 0; n < 5 && (url[n] | 0x20) == "https"[n]; n++)
        ;
    if (n < 4 || url[n] != ':' || url[n + 1] != '/' || url[n + 2] != '/')
        return OM_ERR_INVAL;
    return parse_net(url + n + 3, n == 5, u);
}

int om_url_resolve(const om_url_t *base, const char *ref, om_url_t *out)
{
    long rlen;
    size_t keep; /* bytes of base's path and query kept in front of ref */

    if (base == NULL || ref == NULL || out == NULL)
        return OM_ERR_INVAL;
    /* A ':' before any '/', '?' or '#' ends a scheme (RFC 3986 4.2: a
     * relative path has none in its first segment). */
    if (ref[strcspn(ref, ":/?#")] == ':')
        return om_url_parse(ref, out);
    if (ref[0] == '/' && ref[1] == '/')
        return parse_net(ref + 2, base->https, out);

    keep = strlen(base->path); /* "" or "#frag": base itself */
    if (ref[0] == '/') {
        keep = 0; /* an absolute path replaces base's */
    } else if (ref[0] != '\0' && ref[0] != '#') {
        keep = strcspn(base->path, "?"); /* "?q": base's path */
        if (ref[0] != '?')
            while (base->path[keep - 1] != '/')
                keep--; /* a relative path: base's directory, with '/'
                           (base's path starts with one) */
    }
    rlen = checked_len(ref, keep);
    if (rlen < 0)
        return (int)rlen;

    if (out != base)
        *out = *base;
    set_path(out->path, keep, ref, (size_t)rlen);
    return OM_OK;
}

int om_url_same_origin(const om_url_t *a, const om_url_t *b)
{
    size_t i;

    if (a == NULL || b == NULL || a->https != b->https || a->port != b->port)
        return 0;
    for (i = 0; a->host[i] != '\0' || b->host[i] != '\0'; i++)
        if (lower(a->host[i]) != lower(b->host[i]))
            return 0;
    return 1;
}
