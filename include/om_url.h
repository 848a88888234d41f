/*
 * om_url.h - absolute http(s) URLs split into the parts a request needs,
 * and resolution of the references a server hands back (Location headers,
 * the catalogue's links.next). Internal to ormodels; no I/O, no heap.
 */
#ifndef OM_URL_H
#define OM_URL_H

#include <stddef.h>
#include <stdint.h>

#include "ormodels.h"

/* Longest host name kept: the DNS limit. An IPv6 literal is far shorter. */
#define OM_URL_HOST_MAX 253

/* One parsed URL. All of it lives in the struct (about 520 bytes). */
typedef struct om_url {
    char host[OM_URL_HOST_MAX + 1]; /* lower case; an IPv6 literal without
                                       its brackets ("::1") */
    char path[OM_URL_MAX + 1];      /* path and query, always starting with
                                       '/'; dot segments removed; no
                                       fragment */
    uint16_t port;                  /* 1..65535; 443 or 80 when not given */
    uint8_t https;                  /* 1 for https, 0 for http */
} om_url_t;

/* Splits the absolute URL url ("https://host[:port][/path][?query]
 * [#fragment]") into u. The scheme is http or https (any case); userinfo
 * ("user@host"), spaces, control and non-ASCII bytes, a bad %-escape, an
 * empty host or port, and a port of 0 or above 65535 are refused; a
 * fragment is dropped. u is written only on success. Returns 0,
 * OM_ERR_INVAL for anything malformed, or OM_ERR_TOOBIG when the path and
 * query exceed OM_URL_MAX bytes. */
int om_url_parse(const char *url, om_url_t *u);

/* Resolves the reference ref (RFC 3986 section 5) against base into out:
 * an absolute URL, "//host/path", "/path?q", "?q", "#frag", "" or a
 * relative path such as "models?page=2" (taken from base's directory).
 * A ':' before the first '/', '?' or '#' makes ref absolute, so only an
 * http(s) URL gets through ("mailto:x" and "1x:y" are refused).
 * base is a URL om_url_parse or om_url_resolve filled in (its path starts
 * with '/', which a relative ref's directory is found by). out may be base
 * itself; ref must not point into out. out is written only on success.
 * Returns 0, OM_ERR_INVAL or OM_ERR_TOOBIG as om_url_parse. */
int om_url_resolve(const om_url_t *base, const char *ref, om_url_t *out);

/* 1 when a and b have the same scheme, host (ignoring case) and port,
 * else 0. */
int om_url_same_origin(const om_url_t *a, const om_url_t *b);

#endif /* OM_URL_H */
