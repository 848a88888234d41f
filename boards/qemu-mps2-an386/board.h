/*
 * board.h - the qemu-mps2-an386 board: startup, CMSDK UART, semihosting,
 * the emulated NOR flash of the store. Nothing here knows about models.
 */
#ifndef OM_BOARD_H
#define OM_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "om_flash.h"
#include "om_picker.h"

/* ------------------------------------------------------------ console */

/* Sets up CMSDK UART0 (0x40004000) for polled use. */
void board_uart_init(void);
void board_putc(char c);
void board_puts(const char *s);        /* LF becomes CRLF */
void board_put_u32(uint32_t v);        /* decimal */
/* The UART as an om_console_t (read_byte polls with a spin timeout). */
extern const om_console_t board_console;
/* One byte from the UART, or -1 when none came within about timeout_ms. */
int board_getc(uint32_t timeout_ms);

/* -------------------------------------------------------- semihosting */

/* Host file calls (ARM semihosting, bkpt 0xAB). mode as SYS_OPEN: 1 "rb",
 * 3 "r+b", 7 "w+b". Return the host's answer: a handle (>= 0) or -1 for
 * open; bytes NOT transferred for read and write (0 = all). */
int sh_open(const char *path, int mode);
int sh_close(int fd);
int sh_read(int fd, void *buf, size_t len);
int sh_write(int fd, const void *buf, size_t len);
int sh_seek(int fd, uint32_t pos);
long sh_flen(int fd);
/* The command line given with -semihosting-config arg=... (NUL-ended),
 * or -1. */
int sh_cmdline(char *buf, size_t cap);
/* Ends QEMU: status 0 is success, anything else failure. */
void sh_exit(int status) __attribute__((noreturn));
/* The host's clock: seconds since 1970 (SYS_TIME). */
uint32_t sh_time(void);
/* Writes s to the host's stdout (the test reports). */
void sh_puts(const char *s);

/* ------------------------------------------------------------- flash */

/* The NOR flash of the store: the linker's STORE region with NOR rules
 * (see nor_an386.c), mirrored to the host file path so that it survives
 * QEMU being stopped, like real flash survives power. path NULL: RAM
 * only. Returns 0 or -1. */
int board_nor_init(om_nor_t *nor, const char *path);
uint32_t board_nor_size(void);

/* ------------------------------------------------------------- misc */

void board_reset(void) __attribute__((noreturn));
/* Stack painting: paints the unused stack, then reports the most bytes
 * ever used since the last paint. */
void board_stack_paint(void);
uint32_t board_stack_used(void);
uint32_t board_stack_size(void);
/* A millisecond counter from SysTick. */
uint32_t board_ms(void);

#endif
