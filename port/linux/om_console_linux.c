/*
 * om_console_linux.c - a byte console on file descriptors, and raw mode.
 *
 * Raw mode is undone on every way out: the normal path calls
 * om_tty_raw_leave; a fatal signal runs a handler that restores the saved
 * termios (tcsetattr is async-signal-safe) and re-raises the signal with
 * its default action, so the shell still sees the right exit status.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "om_console_linux.h"

static int fd_read_byte(void *ctx, uint32_t timeout_ms)
{
    om_console_fd_t *cf = (om_console_fd_t *)ctx;
    struct pollfd pfd;
    ssize_t n;
    int r;
    if (cf->pos < cf->len)
        return cf->buf[cf->pos++];
    pfd.fd = cf->in_fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    r = poll(&pfd, 1, timeout_ms > 0x7FFFFFFFu ? -1 : (int)timeout_ms);
    if (r < 0)
        return errno == EINTR ? OM_ERR_TIMEOUT : OM_ERR_IO;
    if (r == 0)
        return OM_ERR_TIMEOUT;
    n = read(cf->in_fd, cf->buf, sizeof cf->buf);
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN)
            return OM_ERR_TIMEOUT;
        return errno == EIO ? OM_ERR_CLOSED : OM_ERR_IO; /* EIO: pty hung up */
    }
    if (n == 0)
        return OM_ERR_CLOSED;
    cf->len = (uint16_t)n;
    cf->pos = 1;
    return cf->buf[0];
}

static int fd_write(void *ctx, const void *buf, size_t len)
{
    const om_console_fd_t *cf = (const om_console_fd_t *)ctx;
    const unsigned char *b = (const unsigned char *)buf;
    while (len) {
        ssize_t n = write(cf->out_fd, b, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                struct pollfd pfd;
                pfd.fd = cf->out_fd;
                pfd.events = POLLOUT;
                pfd.revents = 0;
                poll(&pfd, 1, 1000);
                continue;
            }
            return OM_ERR_IO;
        }
        b += n;
        len -= (size_t)n;
    }
    return OM_OK;
}

void om_console_fd_init(om_console_fd_t *cf, int in_fd, int out_fd,
                        om_console_t *con)
{
    memset(cf, 0, sizeof *cf);
    cf->in_fd = in_fd;
    cf->out_fd = out_fd;
    con->ctx = cf;
    con->read_byte = fd_read_byte;
    con->write = fd_write;
}

/* ------------------------------------------------------------- raw mode */

static const int raw_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define NSIG_RAW (sizeof raw_signals / sizeof raw_signals[0])

static struct termios saved_tio;
static struct sigaction saved_act[NSIG_RAW];
static volatile sig_atomic_t raw_fd = -1;

static void on_fatal_signal(int sig)
{
    int e = errno;
    if (raw_fd >= 0)
        tcsetattr(raw_fd, TCSANOW, &saved_tio);
    raw_fd = -1;
    signal(sig, SIG_DFL);
    raise(sig); /* delivered when this handler returns */
    errno = e;
}

int om_tty_raw_enter(int fd)
{
    struct termios t;
    struct sigaction sa;
    size_t i;
    if (raw_fd >= 0 || !isatty(fd))
        return OM_ERR_INVAL;
    if (tcgetattr(fd, &saved_tio) != 0)
        return OM_ERR_IO;
    t = saved_tio;
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
                             IGNCR | ICRNL | IXON);
    t.c_oflag &= ~(tcflag_t)OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    /* Handlers first: a signal between the two steps must still restore. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    raw_fd = fd;
    for (i = 0; i < NSIG_RAW; i++)
        sigaction(raw_signals[i], &sa, &saved_act[i]);
    if (tcsetattr(fd, TCSAFLUSH, &t) != 0) {
        om_tty_raw_leave();
        return OM_ERR_IO;
    }
    return OM_OK;
}

int om_tty_raw_leave(void)
{
    int fd = raw_fd, e = OM_OK;
    size_t i;
    if (fd < 0)
        return OM_OK;
    if (tcsetattr(fd, TCSAFLUSH, &saved_tio) != 0)
        e = OM_ERR_IO;
    raw_fd = -1;
    for (i = 0; i < NSIG_RAW; i++)
        sigaction(raw_signals[i], &saved_act[i], NULL);
    return e;
}
