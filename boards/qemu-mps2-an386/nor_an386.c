/*
 * nor_an386.c - the board's NOR flash for the store.
 *
 * The MPS2 has no NOR flash that QEMU emulates, so the linker's STORE
 * region (SSRAM, not loaded by the ELF) plays it, with NOR's rules
 * enforced: 4 KiB sectors erased to 0xFF, programs of 16-byte units that
 * only clear bits and only go to erased units (a break of the rules is a
 * fatal error: it would corrupt a real part). Every erase and program is
 * written through to a host file by semihosting, which is the flash's
 * content across QEMU runs: stopping QEMU is pulling the power.
 */
#include <string.h>

#include "board.h"

#define SECTOR 4096u
#define PROG 16u

extern uint8_t __store_start[], __store_end[];

static int host_fd = -1;

static uint32_t nor_size(void)
{
    return (uint32_t)(__store_end - __store_start);
}
uint32_t board_nor_size(void) { return nor_size(); }

static void nor_fatal(const char *what)
{
    board_puts("\nfatal: NOR rule broken: ");
    board_puts(what);
    board_puts("\n");
    sh_exit(4);
}

static int mirror(uint32_t addr, uint32_t len)
{
    if (host_fd < 0)
        return 0;
    if (sh_seek(host_fd, addr) != 0 ||
        sh_write(host_fd, __store_start + addr, len) != 0)
        return -1;
    return 0;
}

static int nor_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    (void)ctx;
    if (addr > nor_size() || len > nor_size() - addr)
        return -1;
    memcpy(buf, __store_start + addr, len);
    return 0;
}

static int nor_prog(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    const uint8_t *p = (const uint8_t *)buf;
    size_t i;
    (void)ctx;
    if (addr % PROG || len % PROG || addr > nor_size() || len > nor_size() - addr)
        nor_fatal("unaligned or out-of-range program");
    for (i = 0; i < len; i++)
        if (__store_start[addr + i] != 0xFF)
            nor_fatal("program of a unit that is not erased");
    for (i = 0; i < len; i++)
        __store_start[addr + i] &= p[i];
    return mirror(addr, (uint32_t)len);
}

static int nor_erase(void *ctx, uint32_t addr)
{
    (void)ctx;
    if (addr % SECTOR || addr >= nor_size())
        nor_fatal("bad erase address");
    memset(__store_start + addr, 0xFF, SECTOR);
    return mirror(addr, SECTOR);
}

int board_nor_init(om_nor_t *nor, const char *path)
{
    uint32_t size = nor_size();
    memset(__store_start, 0xFF, size); /* a blank part */
    host_fd = -1;
    if (path && *path) {
        int fd = sh_open(path, 3 /* r+b */);
        if (fd >= 0 && sh_flen(fd) == (long)size) {
            if (sh_read(fd, __store_start, size) != 0) {
                sh_close(fd);
                return -1;
            }
        } else {
            if (fd >= 0)
                sh_close(fd);
            fd = sh_open(path, 7 /* w+b: a new, blank part */);
            if (fd < 0 || sh_write(fd, __store_start, size) != 0)
                return -1;
        }
        host_fd = fd;
    }
    nor->ctx = 0;
    nor->read = nor_read;
    nor->prog = nor_prog;
    nor->erase = nor_erase;
    nor->sector_size = SECTOR;
    nor->prog_size = PROG;
    return 0;
}
