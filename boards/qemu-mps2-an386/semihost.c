/*
 * semihost.c - ARM semihosting calls (bkpt 0xAB): host files for the
 * catalogue feed and the flash backing file, the command line, exit.
 * QEMU runs them with -semihosting-config enable=on,target=native.
 */
#include <string.h>

#include "board.h"

enum {
    SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE0 = 0x04, SYS_WRITE = 0x05,
    SYS_READ = 0x06, SYS_SEEK = 0x0A, SYS_FLEN = 0x0C,
    SYS_TIME = 0x11, SYS_GET_CMDLINE = 0x15, SYS_EXIT = 0x18
};

static int sh_call(int op, void *arg)
{
    register int r0 __asm("r0") = op;
    register void *r1 __asm("r1") = arg;
    __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

int sh_open(const char *path, int mode)
{
    uint32_t a[3];
    a[0] = (uint32_t)(uintptr_t)path;
    a[1] = (uint32_t)mode;
    a[2] = (uint32_t)strlen(path);
    return sh_call(SYS_OPEN, a);
}

int sh_close(int fd)
{
    uint32_t a[1];
    a[0] = (uint32_t)fd;
    return sh_call(SYS_CLOSE, a);
}

int sh_read(int fd, void *buf, size_t len)
{
    uint32_t a[3];
    a[0] = (uint32_t)fd;
    a[1] = (uint32_t)(uintptr_t)buf;
    a[2] = (uint32_t)len;
    return sh_call(SYS_READ, a);
}

int sh_write(int fd, const void *buf, size_t len)
{
    uint32_t a[3];
    a[0] = (uint32_t)fd;
    a[1] = (uint32_t)(uintptr_t)buf;
    a[2] = (uint32_t)len;
    return sh_call(SYS_WRITE, a);
}

int sh_seek(int fd, uint32_t pos)
{
    uint32_t a[2];
    a[0] = (uint32_t)fd;
    a[1] = pos;
    return sh_call(SYS_SEEK, a);
}

long sh_flen(int fd)
{
    uint32_t a[1];
    a[0] = (uint32_t)fd;
    return sh_call(SYS_FLEN, a);
}

int sh_cmdline(char *buf, size_t cap)
{
    uint32_t a[2];
    a[0] = (uint32_t)(uintptr_t)buf;
    a[1] = (uint32_t)cap;
    if (sh_call(SYS_GET_CMDLINE, a) != 0)
        return -1;
    buf[cap - 1] = '\0';
    return 0;
}

uint32_t sh_time(void)
{
    return (uint32_t)sh_call(SYS_TIME, 0);
}

void sh_puts(const char *s)
{
    sh_call(SYS_WRITE0, (void *)(uintptr_t)s);
}

void sh_exit(int status)
{
    /* 32-bit SYS_EXIT: ApplicationExit exits QEMU with 0, any other
     * reason with 1. */
    sh_call(SYS_EXIT, (void *)(uintptr_t)(status == 0 ? 0x20026u : 0x20024u));
    for (;;)
        ;
}
