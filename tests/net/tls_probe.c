/*
 * tls_probe.c - fetches one URL path through the om_tls transport and
 * says what happened: the test driver of tests/net/tls_test.sh (Linux).
 *
 * Usage: tls_probe --cacert FILE --host H --port P [--path /x] [--plain]
 *                  [--repeat N] [--keep-going] [--timeout MS] [--quiet]
 *   --plain     TCP without TLS (open() with tls = 0); no --cacert needed
 *   --repeat N  N connections in a row; after each close the pool must be
 *               back to what it held after the first close (the CA chain,
 *               plus at most one RSA root's cached modulus; see below)
 *   --keep-going  go on after a failed connection (to repeat a failure:
 *               each must leave the pool, and PSA's key slots, as before);
 *               the result is the last connection's
 *   --timeout   budget of each open, send and receive (default 5000 ms)
 * Sends "GET path HTTP/1.0" and reads until the server ends the stream.
 * A stream that ends without TLS close_notify is an error (truncation),
 * unless a Content-Length said the body was complete.
 * Prints the status line, the byte counts and the pool figures; on failure
 * "error: NAME (code): reason". Exit 0 on success, 1 on failure, 2 usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "om_tls.h"

#define CA_MAX (1024u * 1024u)
#define HEAD_MAX 4096u
#define RSA_CACHE_MAX (MBEDTLS_MPI_MAX_SIZE + 256u)

static unsigned char ca_buf[CA_MAX];
static om_tls_t tls;

struct result {
    char status[128];
    unsigned long bytes;      /* everything received */
    unsigned long head_len;   /* status line and headers */
    long content_length;      /* -1 when not given */
    int clean_end;            /* 0 from recv (close_notify or FIN) */
};

static const char *err_name(int e)
{
    switch (e) {
    case OM_OK: return "OM_OK";
    case OM_ERR_INVAL: return "OM_ERR_INVAL";
    case OM_ERR_NOSPACE: return "OM_ERR_NOSPACE";
    case OM_ERR_IO: return "OM_ERR_IO";
    case OM_ERR_NOTFOUND: return "OM_ERR_NOTFOUND";
    case OM_ERR_HTTP: return "OM_ERR_HTTP";
    case OM_ERR_TIMEOUT: return "OM_ERR_TIMEOUT";
    case OM_ERR_DNS: return "OM_ERR_DNS";
    case OM_ERR_CONNECT: return "OM_ERR_CONNECT";
    case OM_ERR_TLS: return "OM_ERR_TLS";
    case OM_ERR_CLOSED: return "OM_ERR_CLOSED";
    case OM_ERR_TRUNCATED: return "OM_ERR_TRUNCATED";
    default: return "OM_ERR_?";
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: tls_probe --cacert FILE --host H --port P "
                    "[--path /x] [--plain] [--repeat N] [--keep-going] "
                    "[--timeout MS] [--quiet]\n");
    exit(2);
}

/* Case-insensitive prefix test. */
static int starts_with(const char *s, size_t n, const char *prefix)
{
    size_t i, k = strlen(prefix);

    if (n < k) {
        return 0;
    }
    for (i = 0; i < k; i++) {
        if (tolower((unsigned char)s[i]) != tolower((unsigned char)prefix[i])) {
            return 0;
        }
    }
    return 1;
}

/* Status line and Content-Length from the complete header block. */
static void parse_head(const char *h, size_t n, struct result *res)
{
    const char *p = h, *end = h + n;

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((eol ? eol : end) - p);

        if (len > 0 && p[len - 1] == '\r') {
            len--;
        }
        if (p == h) {
            size_t k = len < sizeof(res->status) - 1 ? len
                                                     : sizeof(res->status) - 1;
            memcpy(res->status, p, k);
            res->status[k] = '\0';
        } else if (starts_with(p, len, "content-length:")) {
            res->content_length = strtol(p + 15, NULL, 10);
        }
        if (eol == NULL) {
            break;
        }
        p = eol + 1;
    }
}

/* One connection. Returns 0 or a negative om_err (message in *why). */
static int fetch(om_transport_t *tr, const char *host, uint16_t port,
                 int use_tls, const char *path, uint32_t timeout_ms,
                 struct result *res, const char **why)
{
    static char head[HEAD_MAX];
    char req[512];
    unsigned char buf[4096];
    size_t head_n = 0;
    int head_done = 0, n, r;

    memset(res, 0, sizeof(*res));
    res->content_length = -1;
    *why = "";
    r = tr->open(tr->ctx, host, port, use_tls, timeout_ms);
    if (r != 0) {
        *why = tr->error(tr->ctx);
        return r;
    }
    n = snprintf(req, sizeof(req),
                 "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: tls_probe\r\n"
                 "Connection: close\r\n\r\n", path, host);
    if (n < 0 || (size_t)n >= sizeof(req)) {
        *why = "request too long";
        return OM_ERR_INVAL;
    }
    r = tr->send(tr->ctx, req, (size_t)n, timeout_ms);
    if (r != 0) {
        *why = tr->error(tr->ctx);
        return r;
    }
    for (;;) {
        n = tr->recv(tr->ctx, buf, sizeof(buf), timeout_ms);
        if (n == 0) {
            res->clean_end = 1;
            break;
        }
        if (n < 0) {
            unsigned long body = res->bytes - res->head_len;

            /* A server may drop the connection without close_notify once
             * the body it announced is complete; the HTTP layer decides. */
            if (n == OM_ERR_CLOSED && head_done &&
                res->content_length >= 0 &&
                body >= (unsigned long)res->content_length) {
                break;
            }
            *why = tr->error(tr->ctx);
            return n;
        }
        if (!head_done) {
            size_t i, take = (size_t)n;

            if (take > HEAD_MAX - head_n) {
                take = HEAD_MAX - head_n;
            }
            memcpy(head + head_n, buf, take);
            for (i = head_n >= 3 ? head_n - 3 : 0; i + 4 <= head_n + take;
                 i++) {
                if (memcmp(head + i, "\r\n\r\n", 4) == 0) {
                    head_done = 1;
                    res->head_len = (unsigned long)(i + 4);
                    parse_head(head, i, res);
                    break;
                }
            }
            head_n += take;
            if (!head_done && head_n == HEAD_MAX) {
                *why = "no end of headers in 4 KiB";
                return OM_ERR_HTTP;
            }
        }
        res->bytes += (unsigned long)n;
    }
    if (!head_done) {
        *why = "stream ended inside the headers";
        return OM_ERR_HTTP;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *cacert = NULL, *host = NULL, *path = "/", *why = "";
    long port = -1, repeat = 1, timeout = 5000;
    int plain = 0, quiet = 0, keep_going = 0, i, r = 0;
    size_t ca_len = 0, hw_ca, hw_conn, hw, settled = 0;
    om_transport_t tr;
    struct result res;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--plain") == 0) {
            plain = 1;
            continue;
        }
        if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
            continue;
        }
        if (strcmp(a, "--keep-going") == 0) {
            keep_going = 1;
            continue;
        }
        if (v == NULL) {
            usage();
        }
        if (strcmp(a, "--cacert") == 0) {
            cacert = v;
        } else if (strcmp(a, "--host") == 0) {
            host = v;
        } else if (strcmp(a, "--port") == 0) {
            port = strtol(v, NULL, 10);
        } else if (strcmp(a, "--path") == 0) {
            path = v;
        } else if (strcmp(a, "--repeat") == 0) {
            repeat = strtol(v, NULL, 10);
        } else if (strcmp(a, "--timeout") == 0) {
            timeout = strtol(v, NULL, 10);
        } else {
            usage();
        }
        i++;
    }
    if (host == NULL || port <= 0 || port > 65535 || repeat < 1 ||
        timeout < 0 || (cacert == NULL && !plain)) {
        usage();
    }

    /* A plain run still initialises the transport: with the system
     * bundle when no --cacert is given. */
    r = om_tls_load_ca_file(cacert, ca_buf, sizeof(ca_buf), &ca_len);
    if (r != 0) {
        printf("error: %s (%d): cannot read %s\n", err_name(r), r,
               cacert ? cacert : OM_TLS_CA_FILE);
        return 1;
    }
    r = om_tls_init(&tls, ca_buf, ca_len);
    if (r != 0) {
        printf("error: %s (%d): %s\n", err_name(r), r, om_tls_error(&tls));
        return 1;
    }
    om_tls_transport(&tls, &tr);
    /* Two peaks: parsing the CA certificates (transient decode blocks),
     * and the connections on top of the parsed chain. */
    hw_ca = om_tls_pool_high_water();
    om_tls_pool_reset_high_water();

    for (i = 0; i < repeat; i++) {
        r = fetch(&tr, host, (uint16_t)port, !plain, path,
                  (uint32_t)timeout, &res, &why);
        if (r == 0 && !quiet) {
            printf("connection: %s:%ld %s\n", host, port,
                   om_tls_version(&tls));
        }
        tr.close(tr.ctx);
        /* The first verification against an RSA root leaves Mbed TLS's
         * cached R^2 mod N in that root's key (one modulus: at most
         * MBEDTLS_MPI_MAX_SIZE bytes plus block headers); after that the
         * pool must come back to the very same figure every time. */
        if (i == 0) {
            settled = om_tls_pool_in_use();
        }
        if (om_tls_pool_in_use() != settled || settled < tls.pool_idle ||
            settled - tls.pool_idle > RSA_CACHE_MAX) {
            printf("error: pool leak after connection %d: %lu B in use, "
                   "%lu B after the first, %lu B before any\n", i + 1,
                   (unsigned long)om_tls_pool_in_use(),
                   (unsigned long)settled, (unsigned long)tls.pool_idle);
            return 1;
        }
        if (r != 0 && !keep_going) {
            break;
        }
    }

    if (r == 0) {
        printf("status: %s\n", res.status);
        printf("bytes: %lu (headers %lu, body %lu)%s\n", res.bytes,
               res.head_len, res.bytes - res.head_len,
               res.clean_end ? "" : ", closed without close_notify after "
                                    "Content-Length");
        if (repeat > 1) {
            printf("connections: %ld, pool back to %lu B after each (%lu B "
                   "before the first)\n", repeat, (unsigned long)settled,
                   (unsigned long)tls.pool_idle);
        }
    }
    hw_conn = om_tls_pool_high_water();
    hw = hw_conn > hw_ca ? hw_conn : hw_ca;
    printf("pool: high-water %lu B of %lu B (CA parsing %lu B; idle %lu B "
           "with %d CA certs, %d skipped; connection +%lu B)\n",
           (unsigned long)hw, (unsigned long)om_tls_pool_size(),
           (unsigned long)hw_ca, (unsigned long)tls.pool_idle, tls.ca_parsed,
           tls.ca_skipped, (unsigned long)(hw_conn - tls.pool_idle));
    if (r != 0) {
        printf("error: %s (%d): %s\n", err_name(r), r, why);
        om_tls_free(&tls);
        return 1;
    }
    om_tls_free(&tls);
    return 0;
}
