/*
 * om_entropy_linux.c - om_port_entropy for Linux: getrandom(2), falling
 * back to /dev/urandom on kernels or sandboxes without the system call.
 * On a board this is the TRNG driver's job; see om_port.h.
 */
#define _DEFAULT_SOURCE /* getrandom() in glibc's <sys/random.h> */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include "om_port.h"

static int from_urandom(unsigned char *p, size_t len)
{
    int fd;

    do {
        fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return OM_ERR_IO;
    }
    while (len > 0) {
        ssize_t n = read(fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            close(fd);
            return OM_ERR_IO;
        }
        p += n;
        len -= (size_t)n;
    }
    close(fd);
    return 0;
}

int om_port_entropy(void *buf, size_t len)
{
    unsigned char *p = buf;

    while (len > 0) {
        /* Blocks only until the kernel's pool is first initialised. */
        ssize_t n = getrandom(p, len, 0);

        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == ENOSYS || errno == EPERM)) {
            return from_urandom(p, len); /* old kernel, or seccomp */
        }
        return OM_ERR_IO;
    }
    return 0;
}
