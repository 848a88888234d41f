/*
 * om_console_linux.h - the picker's console on Linux: a pair of file
 * descriptors (stdin/stdout, a pty, a serial device), and raw mode for a
 * terminal that is undone on every way out, signals included.
 */
#ifndef OM_CONSOLE_LINUX_H
#define OM_CONSOLE_LINUX_H

#include <stddef.h>
#include <stdint.h>

#include "om_picker.h"

/* A console over in_fd and out_fd; reads are buffered (a few bytes at a
 * time, never past what poll said is there). Fields are private. */
typedef struct om_console_fd {
    int in_fd, out_fd;
    uint16_t len, pos;
    unsigned char buf[64];
} om_console_fd_t;

/* Sets up cf and fills con with its callbacks: read_byte waits with
 * poll() and returns a byte, OM_ERR_TIMEOUT, OM_ERR_CLOSED at end of
 * input (or a hang-up), or OM_ERR_IO; write writes everything, retrying
 * partial writes, and returns 0 or OM_ERR_IO. cf must outlive con. */
void om_console_fd_init(om_console_fd_t *cf, int in_fd, int out_fd,
                        om_console_t *con);

/* Puts the terminal on fd in raw mode: no line editing, no echo, no
 * signals from Ctrl-C (it arrives as 0x03), no output processing (the
 * picker writes CRLF itself). Until om_tty_raw_leave, SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT restore the terminal and are then raised again with
 * their default action. One terminal at a time. Returns 0, OM_ERR_INVAL
 * when fd is no terminal, or OM_ERR_IO. */
int om_tty_raw_enter(int fd);

/* Restores the terminal saved by om_tty_raw_enter and the previous signal
 * handlers; does nothing when raw mode is not on. Returns 0 or OM_ERR_IO. */
int om_tty_raw_leave(void);

#endif
