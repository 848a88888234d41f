/*
 * soak.c - many refreshes in one process against tests/net/fault_server.py
 * (issue 6, points 1 and 5). Linked as the CLI is: the core, the Linux
 * port, the network port with the Linux build's pool, and Mbed TLS.
 * Driven by tests/net/sweep_test.py; only ever talks to 127.0.0.1.
 *
 *   soak soak  --base URL --cacert CA --dir DIR --iterations N --total T
 *       om_refresh with OM_REFRESH_FORCE in a cycle of good, 304 and failed
 *       responses: /ok (200, no ETag), /etag (200, ETag), /etag again
 *       (304), then a failure, in turn /500, /cut/K, /reset/K, /notify/K,
 *       /cutc/K (K spread over the T bytes of the response). After each:
 *       the outcome is the expected one, the saved file is byte-identical
 *       after a failure, the saved and the live table hold the reference
 *       models after a success, the message is one line; the process'
 *       VmRSS, VmHWM, open descriptors and the TLS pool's high-water mark
 *       and in-use bytes are sampled. Fails when, after the warm-up, peak
 *       RSS grows by more than --rss-slack KiB (default 64), a descriptor
 *       leaks, the pool's high-water mark moves or its in-use bytes do
 *       not come back.
 *
 *   soak sweep --base URL --cacert CA --dir DIR --path P --offsets FILE
 *       for each offset N in FILE (one a line): a forced refresh of P N
 *       (e.g. /cut/ or /cutc/): must fail (outcome stale), with a one-line
 *       message, the saved file byte-identical, the live table the saved.
 *
 *   soak tlscut --base URL --cacert CA --dir DIR --path P [--count C | --all]
 *       the connection cut on the wire, inside TLS records: a child
 *       process relays one connection on 127.0.0.1 and passes only the
 *       first N bytes the server sends (handshake included), then closes.
 *       First measures the total bytes of a whole exchange of P, then
 *       sweeps N over [0, total) (C offsets spread evenly, or --all).
 *
 * Every mode prints one summary line starting with the mode's name, and
 * exits 0 when every check held, 1 otherwise (the first failures are
 * printed).
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "om_fetch.h"
#include "om_linux.h"
#include "om_tls.h"

#define CA_MAX (64u * 1024u)
#define IMG_MAX (1u << 20)

static unsigned char ca_buf[CA_MAX];
static om_tls_t tls;
static om_fetcher_t fetcher;
static om_table_t live, scratch, check;
static om_file_store_t fs;
static om_store_t store;
static unsigned char ref_img[IMG_MAX], img[IMG_MAX];
static size_t ref_len;
static unsigned char saved_file[IMG_MAX], file_now[IMG_MAX];
static size_t saved_len;

static const char *base, *cacert, *dir;
static char cache_path[1024];
static unsigned failures;

/* ------------------------------------------------------------ transport */

static int tr_open(void *ctx, const char *host, uint16_t port, int use_tls,
                   uint32_t ms)
{
    (void)ctx;
    return om_tls_open(&tls, host, port, use_tls, ms);
}
static int tr_send(void *ctx, const void *b, size_t n, uint32_t ms)
{
    (void)ctx;
    return om_tls_send(&tls, b, n, ms);
}
static int tr_recv(void *ctx, void *b, size_t n, uint32_t ms)
{
    (void)ctx;
    return om_tls_recv(&tls, b, n, ms);
}
static void tr_close(void *ctx)
{
    (void)ctx;
    om_tls_close(&tls);
}
static const char *tr_error(void *ctx)
{
    (void)ctx;
    return om_tls_error(&tls);
}
static const om_transport_t tr = {NULL, tr_open, tr_send, tr_recv, tr_close,
                                  tr_error};

static uint32_t clock_ms(void *ctx)
{
    (void)ctx;
    return om_sock_now_ms();
}
static int64_t clock_unix(void *ctx)
{
    (void)ctx;
    return om_linux_now();
}
static const om_clock_t clk = {NULL, clock_ms, clock_unix};

/* -------------------------------------------------------------- helpers */

#define FAIL(...)                                                           \
    do {                                                                    \
        if (failures++ < 20) {                                              \
            fprintf(stderr, "FAIL: ");                                      \
            fprintf(stderr, __VA_ARGS__);                                   \
            fputc('\n', stderr);                                            \
        }                                                                   \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
    unsigned char *p;
    size_t n;
} mem_t;

static int mem_put(void *ctx, const void *p, size_t n)
{
    mem_t *m = ctx;
    if (m->n + n > IMG_MAX)
        return OM_ERR_NOSPACE;
    memcpy(m->p + m->n, p, n);
    m->n += n;
    return OM_OK;
}

/* The image of t with updated_at zeroed: the models, ETag, Last-Modified
 * (a 304 and a new 200 only move updated_at). */
static size_t models_image(const om_table_t *t, unsigned char *buf)
{
    static om_table_t tmp;
    mem_t m = {buf, 0};
    tmp = *t;
    tmp.updated_at = 0;
    tmp.etag[0] = '\0';
    tmp.last_modified[0] = '\0';
    if (om_image_write(&tmp, mem_put, &m) != 0)
        return 0;
    return m.n;
}

static size_t read_file(const char *path, unsigned char *buf)
{
    FILE *f = fopen(path, "rb");
    size_t n;
    if (!f)
        return 0;
    n = fread(buf, 1, IMG_MAX, f);
    fclose(f);
    return n;
}

/* /proc/self/status field in KiB. */
static long status_kb(const char *key)
{
    char line[256];
    size_t kl = strlen(key);
    long v = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            v = strtol(line + kl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static int fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the DIR's own descriptor */
}

static int one_line(const char *msg)
{
    size_t n = strnlen(msg, sizeof ((om_fetch_result_t *)0)->msg);
    return n > 0 && n < sizeof ((om_fetch_result_t *)0)->msg &&
           !strchr(msg, '\n') && !strchr(msg, '\r');
}

static int refresh(const char *url, om_fetch_result_t *res)
{
    om_fetch_cfg_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url;
    cfg.connect_timeout_ms = 10000;
    cfg.read_timeout_ms = 10000;
    cfg.deadline_ms = 30000;
    return om_refresh(&fetcher, &cfg, &tr, &clk, &store, &live, &scratch,
                      86400, OM_REFRESH_FORCE, res);
}

/* The state after a refresh that must have failed: stale, one line, the
 * file byte-identical, live = the saved table. */
static void expect_failed(const char *what, int out, const om_fetch_result_t *res)
{
    size_t n;
    if (out != OM_REFRESH_STALE)
        FAIL("%s: outcome %s (%s), expected stale", what,
             om_refresh_name(out), res->msg);
    if (!one_line(res->msg))
        FAIL("%s: the message is not one line: \"%s\"", what, res->msg);
    n = read_file(cache_path, file_now);
    if (n != saved_len || memcmp(file_now, saved_file, n) != 0)
        FAIL("%s: the saved file changed after a failure", what);
    n = models_image(&live, img);
    if (n != ref_len || memcmp(img, ref_img, n) != 0)
        FAIL("%s: the live table is not the saved one", what);
}

/* After a success: the saved and the live table hold the reference. */
static void expect_good(const char *what, int out, int want,
                        const om_fetch_result_t *res)
{
    size_t n;
    if (out != want)
        FAIL("%s: outcome %s (%s), expected %s", what, om_refresh_name(out),
             res->msg, om_refresh_name(want));
    if (om_file_load(cache_path, &check) != 0)
        FAIL("%s: the saved table does not load", what);
    n = models_image(&check, img);
    if (n != ref_len || memcmp(img, ref_img, n) != 0)
        FAIL("%s: the saved table differs from the reference", what);
    n = models_image(&live, img);
    if (n != ref_len || memcmp(img, ref_img, n) != 0)
        FAIL("%s: the live table differs from the reference", what);
    saved_len = read_file(cache_path, saved_file);
}

/* Common start: CA, TLS, a store in dir, one good fetch of base/ok as the
 * reference table. */
static int start(void)
{
    size_t ca_len = 0;
    om_fetch_result_t res;
    char url[512];
    int e, out;
    e = om_tls_load_ca_file(cacert, ca_buf, sizeof ca_buf, &ca_len);
    if (e) {
        fprintf(stderr, "soak: %s: %s\n", cacert, om_strerror(e));
        return 1;
    }
    e = om_tls_global_init_sized(48 * 1024 + 3 * ca_len);
    if (!e)
        e = om_tls_init(&tls, ca_buf, ca_len);
    if (e) {
        fprintf(stderr, "soak: TLS: %s\n", om_tls_error(&tls));
        return 1;
    }
    snprintf(cache_path, sizeof cache_path, "%s/soak-cache.bin", dir);
    unlink(cache_path);
    if (om_file_store_init(&fs, cache_path, &store) != 0)
        return 1;
    om_table_init(&live);
    snprintf(url, sizeof url, "%s/ok", base);
    out = refresh(url, &res);
    if (out != OM_REFRESH_UPDATED) {
        fprintf(stderr, "soak: the first fetch of %s: %s: %s\n", url,
                om_refresh_name(out), res.msg);
        return 1;
    }
    ref_len = models_image(&live, ref_img);
    saved_len = read_file(cache_path, saved_file);
    if (!ref_len || !saved_len || live.count == 0) {
        fprintf(stderr, "soak: no reference table\n");
        return 1;
    }
    return 0;
}

/* ----------------------------------------------------------------- soak */

static int mode_soak(unsigned iters, unsigned long total, long rss_slack)
{
    static const char *const fails[] = {"/500", "/cut/", "/reset/", "/notify/",
                                        "/cutc/"};
    unsigned counts[OM_REFRESH_OFFLINE + 1] = {0};
    unsigned i, warm = iters < 40 ? iters / 4 : 20;
    long rss0 = 0, hwm0 = 0, rss = 0, hwm = 0, rss_max = 0;
    int fd0 = -1, fd;
    size_t hw0 = 0, hw = 0, use0 = 0, use;
    double t0 = now_s();
    char url[512];
    om_fetch_result_t res;

    for (i = 0; i < iters; i++) {
        unsigned step = i % 5;
        int out;
        char what[600];
        if (step == 0) {
            snprintf(url, sizeof url, "%s/ok", base);
            out = refresh(url, &res);
            snprintf(what, sizeof what, "#%u %s", i, url);
            expect_good(what, out, OM_REFRESH_UPDATED, &res);
        } else if (step == 1 || step == 2) {
            snprintf(url, sizeof url, "%s/etag", base);
            out = refresh(url, &res);
            snprintf(what, sizeof what, "#%u %s", i, url);
            expect_good(what, out,
                        step == 1 ? OM_REFRESH_UPDATED : OM_REFRESH_NOT_MODIFIED,
                        &res);
        } else {
            const char *f = fails[(i / 5 * 2 + (step - 3)) % 5];
            /* K spread over the response, never the whole of it */
            unsigned long k = (unsigned long)(i * 7919u) % (total ? total : 1);
            if (f[strlen(f) - 1] == '/')
                snprintf(url, sizeof url, "%s%s%lu", base, f, k);
            else
                snprintf(url, sizeof url, "%s%s", base, f);
            out = refresh(url, &res);
            snprintf(what, sizeof what, "#%u %s", i, url);
            expect_failed(what, out, &res);
        }
        if (out >= 0 && out <= OM_REFRESH_OFFLINE)
            counts[out]++;
        rss = status_kb("VmRSS");
        hwm = status_kb("VmHWM");
        fd = fd_count();
        hw = om_tls_pool_high_water();
        use = om_tls_pool_in_use();
        if (rss > rss_max)
            rss_max = rss;
        if (i + 1 == warm) {
            rss0 = rss;
            hwm0 = hwm;
            fd0 = fd;
            hw0 = hw;
            use0 = use;
        } else if (i + 1 > warm) {
            if (fd != fd0)
                FAIL("#%u: %d descriptors open, %d after the warm-up", i, fd, fd0);
            if (use != use0)
                FAIL("#%u: TLS pool in use %zu, %zu after the warm-up", i, use,
                     use0);
            if (hw != hw0)
                FAIL("#%u: TLS pool high-water %zu, %zu after the warm-up", i,
                     hw, hw0);
            if (hwm - hwm0 > rss_slack)
                FAIL("#%u: peak RSS %ld KiB, %ld KiB after the warm-up", i, hwm,
                     hwm0);
        }
        if ((i + 1) % 100 == 0)
            fprintf(stderr, "soak: %u/%u rss %ld KiB hwm %ld KiB fds %d "
                            "pool hw %zu in use %zu\n",
                    i + 1, iters, rss, hwm, fd, hw, use);
    }
    printf("soak: %u refreshes in %.1f s (%u updated, %u not-modified, %u "
           "failed/stale): VmRSS %ld -> %ld KiB (max %ld), VmHWM %ld -> %ld "
           "KiB, fds %d -> %d, TLS pool high-water %zu -> %zu of %zu, in use "
           "%zu -> %zu, %u check(s) failed\n",
           iters, now_s() - t0, counts[OM_REFRESH_UPDATED],
           counts[OM_REFRESH_NOT_MODIFIED], counts[OM_REFRESH_STALE], rss0,
           rss, rss_max, hwm0, hwm, fd0, fd_count(), hw0, hw,
           om_tls_pool_size(), use0, om_tls_pool_in_use(), failures);
    return failures ? 1 : 0;
}

/* ---------------------------------------------------------------- sweep */

static int mode_sweep(const char *path, const char *offsets)
{
    int fd0 = fd_count(); /* before the offsets file is opened */
    FILE *f = fopen(offsets, "r");
    unsigned long n;
    unsigned count = 0;
    double t0 = now_s();
    char url[512], what[600];
    om_fetch_result_t res;
    if (!f) {
        fprintf(stderr, "soak: %s: %s\n", offsets, strerror(errno));
        return 1;
    }
    while (fscanf(f, "%lu", &n) == 1) {
        int out;
        snprintf(url, sizeof url, "%s%s%lu", base, path, n);
        out = refresh(url, &res);
        snprintf(what, sizeof what, "%s%lu", path, n);
        expect_failed(what, out, &res);
        count++;
    }
    if (!feof(f))
        FAIL("sweep: %s: not a list of offsets", offsets);
    fclose(f);
    if (count == 0)
        FAIL("sweep: %s: no offsets", offsets);
    if (fd_count() != fd0)
        FAIL("sweep: %d descriptors open, %d before", fd_count(), fd0);
    printf("sweep %s: %u offsets in %.1f s, %u check(s) failed\n", path, count,
           now_s() - t0, failures);
    return failures ? 1 : 0;
}

/* --------------------------------------------------------------- tlscut */

/* One relayed connection: accepts on lfd, connects to the server, passes
 * everything the client sends and the first cut bytes the server sends
 * (all when cut < 0), then closes both (a FIN to the client). Writes the
 * server bytes passed to the pipe wfd, then 1 when the cut cut nothing:
 * the server had closed after exactly those bytes (the exchange varies by
 * a byte or two from run to run: an ECDSA signature's DER length does),
 * else 0. Runs in a child process. */
static void relay(int lfd, uint16_t sport, long cut, int wfd)
{
    struct sockaddr_in a;
    struct pollfd p[2];
    unsigned char buf[16384];
    long passed = 0, whole = 0;
    int c, s;
    struct pollfd lp = {lfd, POLLIN, 0};
    if (poll(&lp, 1, 15000) != 1)
        _exit(2);
    c = accept(lfd, NULL, NULL);
    close(lfd);
    if (c < 0)
        _exit(2);
    s = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(sport);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0)
        _exit(2);
    if (cut == 0)
        goto done;
    p[0].fd = c;
    p[0].events = POLLIN;
    p[1].fd = s;
    p[1].events = POLLIN;
    for (;;) {
        ssize_t r;
        if (poll(p, 2, 15000) <= 0)
            break;
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            r = read(c, buf, sizeof buf);
            if (r <= 0)
                break;
            if (write(s, buf, (size_t)r) != r)
                break;
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            r = read(s, buf, sizeof buf);
            if (r <= 0)
                break;
            if (cut >= 0 && passed + r > cut)
                r = cut - passed;
            else if (cut >= 0 && passed + r == cut) {
                /* the cut falls where the server paused: did it close? */
                struct pollfd q = {s, POLLIN, 0};
                whole = poll(&q, 1, 500) == 1 && read(s, buf, 1) == 0;
            }
            if (r > 0 && write(c, buf, (size_t)r) != r)
                break;
            passed += r;
            if (cut >= 0 && passed >= cut)
                break;
        }
    }
done:
    if (write(wfd, &passed, sizeof passed) != (ssize_t)sizeof passed ||
        write(wfd, &whole, sizeof whole) != (ssize_t)sizeof whole)
        _exit(3);
    shutdown(c, SHUT_WR);
    close(c);
    close(s);
    _exit(0);
}

static int mode_tlscut(const char *path, unsigned count, int all)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1, fd0;
    uint16_t sport, lport;
    const char *pp = strrchr(base, ':');
    long total = -1, n, k, num;
    unsigned done = 0, uncut = 0;
    double t0;
    char url[512], what[600];
    om_fetch_result_t res;
    int pfd[2];

    if (!pp)
        return 1;
    sport = (uint16_t)atoi(pp + 1);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 4) ||
        getsockname(lfd, (struct sockaddr *)&a, &al) || pipe(pfd))
        return 1;
    lport = ntohs(a.sin_port);
    snprintf(url, sizeof url, "https://127.0.0.1:%u%s", (unsigned)lport, path);
    fd0 = fd_count();
    t0 = now_s();

    /* the whole exchange once: its size, and a success through the relay */
    for (k = -1; k < 0 || (k < total && (all || (unsigned long)k < count)); k++) {
        pid_t pid;
        int out, st;
        long passed = -1, whole = 0;
        if (k < 0)
            n = -1;
        else if (all)
            n = k;
        else
            n = (long)((double)k * (double)total / (double)count);
        pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0) {
            close(pfd[0]);
            relay(lfd, sport, n, pfd[1]);
        }
        out = refresh(url, &res);
        waitpid(pid, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
            read(pfd[0], &passed, sizeof passed) != (ssize_t)sizeof passed ||
            read(pfd[0], &whole, sizeof whole) != (ssize_t)sizeof whole) {
            FAIL("tlscut: the relay for %ld failed", n);
            continue;
        }
        if (k < 0) {
            snprintf(what, sizeof what, "tlscut: whole %s", path);
            expect_good(what, out, OM_REFRESH_UPDATED, &res);
            total = passed;
            if (total <= 0)
                return 1;
            continue;
        }
        snprintf(what, sizeof what, "tlscut %s after %ld of %ld bytes", path, n,
                 total);
        if (whole) { /* this run's exchange ended there: nothing was cut */
            uncut++;
            expect_good(what, out, OM_REFRESH_UPDATED, &res);
            continue;
        }
        expect_failed(what, out, &res);
        done++;
    }
    close(lfd);
    num = (long)done;
    if (fd_count() != fd0 - 1)
        FAIL("tlscut: %d descriptors open, %d before", fd_count(), fd0 - 1);
    printf("tlscut %s: %ld offsets of %ld wire bytes (handshake included) in "
           "%.1f s (%u at the end of a shorter exchange: fetched whole), "
           "%u check(s) failed\n",
           path, num, total, now_s() - t0, uncut, failures);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "", *path = NULL, *offsets = NULL;
    unsigned iters = 1000, count = 1000;
    unsigned long total = 0;
    long slack = 64;
    int i, all = 0;
    signal(SIGPIPE, SIG_IGN);
    for (i = 2; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--all")) {
            all = 1;
            continue;
        }
        if (!v)
            break;
        if (!strcmp(argv[i], "--base"))
            base = v;
        else if (!strcmp(argv[i], "--cacert"))
            cacert = v;
        else if (!strcmp(argv[i], "--dir"))
            dir = v;
        else if (!strcmp(argv[i], "--iterations"))
            iters = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(argv[i], "--total"))
            total = strtoul(v, NULL, 10);
        else if (!strcmp(argv[i], "--rss-slack"))
            slack = strtol(v, NULL, 10);
        else if (!strcmp(argv[i], "--path"))
            path = v;
        else if (!strcmp(argv[i], "--offsets"))
            offsets = v;
        else if (!strcmp(argv[i], "--count"))
            count = (unsigned)strtoul(v, NULL, 10);
        else
            break;
        i++;
    }
    if (i < argc || !base || !cacert || !dir ||
        (strcmp(mode, "soak") && strcmp(mode, "sweep") && strcmp(mode, "tlscut")) ||
        (!strcmp(mode, "sweep") && (!path || !offsets)) ||
        (!strcmp(mode, "tlscut") && !path)) {
        fprintf(stderr, "usage: soak soak|sweep|tlscut --base https://127.0.0.1:PORT "
                        "--cacert CA --dir DIR [--iterations N --total T] "
                        "[--path P --offsets FILE] [--count C | --all]\n");
        return 2;
    }
    if (start())
        return 1;
    if (!strcmp(mode, "soak"))
        i = mode_soak(iters, total, slack);
    else if (!strcmp(mode, "sweep"))
        i = mode_sweep(path, offsets);
    else
        i = mode_tlscut(path, count, all);
    om_tls_free(&tls);
    return i;
}
