/*
 * om_url.c - parsing of absolute http(s) URLs and resolution of relative
 * references (RFC 3986), for Location headers and links.next. Every
 * function checks its whole input before it writes its output, so a
 * failed call leaves the caller's URL as it was.
 */
#include <string.h>

#include "om_url.h"

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Bytes that never appear in a URL we send: controls, space, non-ASCII
 * and the characters RFC 3986 leaves out of URIs. */
static int is_bad_char(char c)
{
    unsigned char u = (unsigned char)c;

    if (u <= 0x20 || u >= 0x7f)
        return 1;
    return strchr("\"<>\\^`{|}", c) != NULL;
}

/* Length of ref up to its fragment, or -1 when a byte of ref (fragment
 * included) is not allowed or a %-escape is broken. */
static long span_checked(const char *s)
{
    long frag = -1;
    long i;

    for (i = 0; s[i] != '\0'; i++) {
        if (is_bad_char(s[i]))
            return -1;
        if (s[i] == '%' && (!is_hex(s[i + 1]) || !is_hex(s[i + 2])))
            return -1;
        if (s[i] == '#' && frag < 0)
            frag = i;
    }
    return frag < 0 ? i : frag;
}

/* Removes "." and ".." segments (RFC 3986 5.2.4) from the path p[0..n),
 * which starts with '/', in place. Returns the new length (>= 1). */
static size_t remove_dots(char *p, size_t n)
{
    size_t in = 0;
    size_t out = 0;

    while (in < n) {
        size_t s = in + 1;
        size_t e = s;
        int last;

        while (e < n && p[e] != '/')
            e++;
        last = (e == n);
        if (e - s == 1 && p[s] == '.') {
            if (last)
                p[out++] = '/';
        } else if (e - s == 2 && p[s] == '.' && p[s + 1] == '.') {
            while (out > 0 && p[out - 1] != '/')
                out--;
            if (out > 0)
                out--; /* drop the segment's '/' too */
            if (last)
                p[out++] = '/';
        } else {
            memmove(p + out, p + in, e - in);
            out += e - in;
        }
        in = e;
    }
    if (out == 0)
        p[out++] = '/';
    return out;
}

/* Normalises the path part (up to '?') of the NUL-terminated u->path. */
static void normalise_path(om_url_t *u)
{
    size_t len = strlen(u->path);
    const char *q = memchr(u->path, '?', len);
    size_t plen = q ? (size_t)(q - u->path) : len;
    size_t nlen = remove_dots(u->path, plen);

    memmove(u->path + nlen, u->path + plen, len - plen + 1);
}

/* Parses what follows "scheme://" into u. */
static int parse_net(const char *s, int https, om_url_t *u)
{
    long end = span_checked(s);
    const char *host;
    const char *hend;
    const char *a;
    const char *aend;
    long port = -1;
    size_t hlen;
    size_t plen;
    int slash;
    size_t i;

    if (end < 0)
        return OM_ERR_INVAL;
    a = s;
    aend = s;
    while (aend < s + end && *aend != '/' && *aend != '?')
        aend++;
    if (memchr(a, '@', (size_t)(aend - a)) != NULL)
        return OM_ERR_INVAL; /* userinfo */

    if (*a == '[') {
        const char *p;

        host = a + 1;
        hend = memchr(host, ']', (size_t)(aend - host));
        if (hend == NULL || hend == host || memchr(host, ':', (size_t)(hend - host)) == NULL)
            return OM_ERR_INVAL;
        for (p = host; p < hend; p++)
            if (!is_hex(*p) && *p != ':' && *p != '.')
                return OM_ERR_INVAL;
        a = hend + 1;
    } else {
        const char *p;

        host = a;
        hend = a;
        while (hend < aend && *hend != ':')
            hend++;
        for (p = host; p < hend; p++)
            if (!is_alpha(*p) && !is_digit(*p) && *p != '-' && *p != '.' && *p != '_')
                return OM_ERR_INVAL;
        a = hend;
    }
    hlen = (size_t)(hend - host);
    if (hlen == 0 || hlen > OM_URL_HOST_MAX)
        return OM_ERR_INVAL;

    if (a < aend) {
        if (*a != ':' || a + 1 == aend || aend - (a + 1) > 5)
            return OM_ERR_INVAL;
        port = 0;
        for (a++; a < aend; a++) {
            if (!is_digit(*a))
                return OM_ERR_INVAL;
            port = port * 10 + (*a - '0');
        }
        if (port < 1 || port > 65535)
            return OM_ERR_INVAL;
    }

    plen = (size_t)(s + end - aend);
    slash = (plen == 0 || *aend == '?');
    if (plen + (size_t)slash > OM_URL_MAX)
        return OM_ERR_TOOBIG;

    /* Checked: now write. */
    for (i = 0; i < hlen; i++)
        u->host[i] = lower(host[i]);
    u->host[hlen] = '\0';
    u->https = (uint8_t)(https != 0);
    u->port = (uint16_t)(port > 0 ? port : (https ? 443 : 80));
    if (slash)
        u->path[0] = '/';
    memcpy(u->path + slash, aend, plen);
    u->path[plen + (size_t)slash] = '\0';
    normalise_path(u);
    return OM_OK;
}

/* Length of the scheme of ref ("https" in "https:..."), or 0 when ref has
 * none. */
static size_t scheme_len(const char *ref)
{
    size_t i = 0;

    if (!is_alpha(ref[0]))
        return 0;
    while (is_alpha(ref[i]) || is_digit(ref[i]) || ref[i] == '+' || ref[i] == '-' ||
           ref[i] == '.')
        i++;
    return ref[i] == ':' ? i : 0;
}

static int scheme_is(const char *s, size_t n, const char *name)
{
    size_t i;

    if (strlen(name) != n)
        return 0;
    for (i = 0; i < n; i++)
        if (lower(s[i]) != name[i])
            return 0;
    return 1;
}

int om_url_parse(const char *url, om_url_t *u)
{
    size_t n;
    int https;

    if (url == NULL || u == NULL)
        return OM_ERR_INVAL;
    n = scheme_len(url);
    if (scheme_is(url, n, "https"))
        https = 1;
    else if (scheme_is(url, n, "http"))
        https = 0;
    else
        return OM_ERR_INVAL;
    if (url[n + 1] != '/' || url[n + 2] != '/')
        return OM_ERR_INVAL;
    return parse_net(url + n + 3, https, u);
}

/* Copies base's origin into out, unless they are one object. */
static void copy_origin(const om_url_t *base, om_url_t *out)
{
    if (out != base) {
        memcpy(out->host, base->host, sizeof(out->host));
        out->port = base->port;
        out->https = base->https;
    }
}

int om_url_resolve(const om_url_t *base, const char *ref, om_url_t *out)
{
    long rlen;
    size_t keep;

    if (base == NULL || ref == NULL || out == NULL)
        return OM_ERR_INVAL;
    if (scheme_len(ref) > 0)
        return om_url_parse(ref, out);
    if (ref[0] == '/' && ref[1] == '/')
        return parse_net(ref + 2, base->https, out);

    rlen = span_checked(ref);
    if (rlen < 0)
        return OM_ERR_INVAL;
    if (ref[0] == '/') {
        keep = 0; /* an absolute path replaces base's */
    } else if (rlen == 0) {
        keep = strlen(base->path); /* "" or "#frag": base itself */
    } else if (ref[0] == '?') {
        const char *q = strchr(base->path, '?');

        keep = q ? (size_t)(q - base->path) : strlen(base->path);
    } else {
        const char *q = strchr(base->path, '?');
        size_t plen = q ? (size_t)(q - base->path) : strlen(base->path);

        keep = plen;
        while (keep > 0 && base->path[keep - 1] != '/')
            keep--; /* base's directory, with its '/' */
        if (keep == 0)
            return OM_ERR_INVAL; /* base paths always start with '/' */
    }
    if (keep + (size_t)rlen > OM_URL_MAX)
        return OM_ERR_TOOBIG;

    copy_origin(base, out);
    if (out != base)
        memcpy(out->path, base->path, keep);
    memcpy(out->path + keep, ref, (size_t)rlen);
    out->path[keep + (size_t)rlen] = '\0';
    normalise_path(out);
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
