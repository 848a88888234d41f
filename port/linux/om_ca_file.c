/*
 * om_ca_file.c - reads a CA certificate file (PEM or DER) into a caller's
 * buffer for om_tls_init (Linux). Plain open/read: no stdio, no heap.
 *
 * How much pool the certificates then take (om_tls_init copies them into
 * Mbed TLS's static pool, so buf can be reused afterwards): one root
 * about 1-2 KiB of DER and 2-3 KiB of pool; the whole Debian bundle
 * (/etc/ssl/certs/ca-certificates.crt, ~144 roots, ~220 KB of PEM) about
 * 500 KiB of pool. That is why the Linux build sets OM_TLS_POOL_SIZE to
 * 1 MiB (mk/net.mk), while a board that trusts a handful of roots keeps
 * the 64 KiB default.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "ormodels.h"

/* Declared in port/mbedtls/om_tls.h too; repeated here so that this file
 * builds with the Linux port alone (no Mbed TLS headers). */
#ifndef OM_TLS_CA_FILE
#define OM_TLS_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#endif
int om_tls_load_ca_file(const char *path, unsigned char *buf, size_t cap,
                        size_t *len);

int om_tls_load_ca_file(const char *path, unsigned char *buf, size_t cap,
                        size_t *len)
{
    size_t n = 0;
    int fd, e = 0;

    if (buf == NULL || cap == 0 || len == NULL) {
        return OM_ERR_INVAL;
    }
    *len = 0;
    buf[0] = '\0';
    if (path == NULL) {
        path = OM_TLS_CA_FILE;
    }
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return errno == ENOENT ? OM_ERR_NOTFOUND : OM_ERR_IO;
    }
    for (;;) {
        ssize_t r;

        if (n == cap - 1) {
            /* Full: fine only if the file ends here. */
            unsigned char probe;

            do {
                r = read(fd, &probe, 1);
            } while (r < 0 && errno == EINTR);
            e = r == 0 ? 0 : (r > 0 ? OM_ERR_NOSPACE : OM_ERR_IO);
            break;
        }
        r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            e = OM_ERR_IO;
            break;
        }
        if (r == 0) {
            break;
        }
        n += (size_t)r;
    }
    close(fd);
    if (e != 0) {
        buf[0] = '\0';
        return e;
    }
    buf[n] = '\0';
    *len = n;
    return 0;
}
