/*
 * cmd_serve.c - `ormodels serve`: the dashboard endpoint (src/om_serve.c)
 * over Linux sockets, with the daily refresh scheduler (src/om_sched.c).
 *
 * One thread runs a poll() loop over a bounded set of connections; each
 * response is pulled from the endpoint as its socket drains, so a slow
 * client holds only its own slot. Refreshes block on the network, so a
 * second thread runs them (cli_refresh into cli_table) and hands the
 * result over a pipe; the loop copies it into whichever of two serving
 * tables no response is reading, so a response never sees its table
 * change. The core stays single-threaded and allocation-free.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "om_config.h"
#include "om_sched.h"
#include "om_serve.h"
#include "om_sock.h"

#define LISTEN_DEFAULT "127.0.0.1:8080"
#define MAX_CONN 32
#define READ_MS 10000u        /* a whole request, from accept */
#define WRITE_IDLE_MS 10000u  /* a response making no progress */
#define WRITE_TOTAL_MS 60000u /* a whole response */
#define LINGER_MS 2000u       /* reading what the client still sends */

enum { C_FREE, C_READ, C_WAIT, C_WRITE, C_LINGER };

struct conn {
    int fd, state, slot;
    uint32_t deadline, hard_deadline;
    uint64_t off;               /* response bytes sent */
    size_t out_len, out_pos;
    om_serve_req_t req;
    unsigned char out[16384];
};

static struct conn conns[MAX_CONN];
static om_table_t slots[2]; /* the served tables */
static int cur_slot, refs[2];

/* The refresh thread's mailbox. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int job, job_done, job_outcome;
static om_fetch_result_t job_res;
static int wake[2] = {-1, -1};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static uint32_t mono_ms(void *ctx)
{
    (void)ctx;
    return om_sock_now_ms();
}
static int64_t unix_s(void *ctx)
{
    (void)ctx;
    return om_linux_now();
}

/* Runs cli_refresh whenever the loop asks; cli_table and cli_scratch are
 * this thread's until it reports back. */
static void *refresher(void *arg)
{
    struct om_cli *c = (struct om_cli *)arg;
    for (;;) {
        om_fetch_result_t res;
        int out;
        pthread_mutex_lock(&mu);
        while (!job)
            pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);
        /* The scheduler decided it is due: fetch regardless of age. */
        out = cli_refresh(c, OM_REFRESH_FORCE, &res);
        pthread_mutex_lock(&mu);
        job = 0;
        job_done = 1;
        job_outcome = out;
        job_res = res;
        pthread_mutex_unlock(&mu);
        if (write(wake[1], "r", 1) < 0) {
            /* the loop also polls job_done on its timeout */
        }
    }
    return NULL;
}

static void start_refresh(void)
{
    pthread_mutex_lock(&mu);
    job = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

/* ------------------------------------------------------------ sockets */

/* "ADDR:PORT" or "[V6]:PORT" into a listening socket. *loopback tells
 * whether only this machine can reach it. Returns the fd or -1. */
static int open_listener(const char *spec, int *loopback, char *shown,
                         size_t shown_cap)
{
    char host[256];
    const char *colon = strrchr(spec, ':'), *h = spec;
    size_t hl;
    struct addrinfo hints, *ai = NULL;
    int fd, one = 1, e;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char num[64];

    if (!colon || colon == spec || !colon[1]) {
        fprintf(stderr, "ormodels: --listen takes ADDR:PORT, e.g. 127.0.0.1:8080\n");
        return -1;
    }
    hl = (size_t)(colon - spec);
    if (spec[0] == '[' && colon[-1] == ']') {
        h = spec + 1;
        hl -= 2;
    }
    if (hl >= sizeof host)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if ((e = getaddrinfo(host, colon + 1, &hints, &ai)) != 0) {
        fprintf(stderr, "ormodels: --listen %s: %s\n", spec, gai_strerror(e));
        return -1;
    }
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64) ||
        fcntl(fd, F_SETFL, O_NONBLOCK) ||
        getsockname(fd, (struct sockaddr *)&ss, &sl)) {
        fprintf(stderr, "ormodels: cannot listen on %s: %s\n", spec,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        *loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
        inet_ntop(AF_INET6, &a->sin6_addr, num, sizeof num);
        snprintf(shown, shown_cap, "[%s]:%u", num, (unsigned)ntohs(a->sin6_port));
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        *loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
        inet_ntop(AF_INET, &a->sin_addr, num, sizeof num);
        snprintf(shown, shown_cap, "%s:%u", num, (unsigned)ntohs(a->sin_port));
    }
    return fd;
}

static void conn_close(struct conn *k)
{
    if (k->slot >= 0)
        refs[k->slot]--;
    close(k->fd);
    k->fd = -1;
    k->slot = -1;
    k->state = C_FREE;
}

/* Request complete, refresh (if any) done: pin a table and respond. */
static void respond(om_serve_t *srv, struct conn *k)
{
    uint32_t now = om_sock_now_ms();
    k->slot = cur_slot;
    refs[k->slot]++;
    om_serve_handle(srv, &k->req, &slots[k->slot]);
    k->state = C_WRITE;
    k->off = 0;
    k->out_len = k->out_pos = 0;
    k->deadline = now + WRITE_IDLE_MS;
    k->hard_deadline = now + WRITE_TOTAL_MS;
}

static void on_readable(om_serve_t *srv, struct conn *k, int *want_refresh)
{
    char buf[2048];
    ssize_t n = recv(k->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (k->state == C_LINGER) {
        if (n <= 0)
            conn_close(k); /* the client has read all and closed */
        return;
    }
    if (n <= 0) {
        conn_close(k); /* gone before the request was complete */
        return;
    }
    if (om_serve_feed(&k->req, buf, (size_t)n, NULL)) {
        if (om_serve_wants_refresh(srv, &k->req)) {
            k->state = C_WAIT;
            *want_refresh = 1;
        } else {
            respond(srv, k);
        }
    }
}

static void on_writable(struct conn *k)
{
    ssize_t n;
    if (k->out_pos == k->out_len) {
        int got = om_serve_pull(&k->req, &slots[k->slot], k->off, k->out,
                                sizeof k->out);
        if (got <= 0) {
            /* All sent: stop writing, then read what the client still
             * sends, so closing does not reset the response away. */
            shutdown(k->fd, SHUT_WR);
            refs[k->slot]--;
            k->slot = -1;
            k->state = C_LINGER;
            k->deadline = om_sock_now_ms() + LINGER_MS;
            return;
        }
        k->out_len = (size_t)got;
        k->out_pos = 0;
    }
    n = send(k->fd, k->out + k->out_pos, k->out_len - k->out_pos,
             MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            conn_close(k);
        return;
    }
    k->out_pos += (size_t)n;
    k->off += (uint64_t)n;
    k->deadline = om_sock_now_ms() + WRITE_IDLE_MS;
}

static void accept_one(int lfd)
{
    static const char busy[] =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        "Content-Length: 43\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
        "{\"detail\":\"too many connections; retry\"}\n\n";
    int fd = accept(lfd, NULL, NULL), i;
    if (fd < 0)
        return;
    for (i = 0; i < MAX_CONN && conns[i].state != C_FREE; i++)
        ;
    if (i == MAX_CONN || fcntl(fd, F_SETFL, O_NONBLOCK)) {
        if (send(fd, busy, sizeof busy - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
            /* best effort */
        }
        close(fd);
        return;
    }
    conns[i].fd = fd;
    conns[i].slot = -1;
    conns[i].state = C_READ;
    conns[i].deadline = om_sock_now_ms() + READ_MS;
    om_serve_req_init(&conns[i].req);
}

/* ------------------------------------------------------------ refresh */

struct sched_state {
    int enabled;
    uint32_t failures;
    int64_t last_success, retry_after, due;
};

static uint32_t random32(void)
{
    uint32_t r = 0;
    if (om_port_entropy(&r, sizeof r) != OM_OK)
        r = (uint32_t)om_sock_now_ms() * 2654435761u;
    return r;
}

static void plan_next(struct sched_state *st)
{
    om_sched_t s;
    memset(&s, 0, sizeof s);
    s.now = om_linux_now();
    s.last_success = st->last_success;
    s.failures = st->failures;
    s.retry_after = st->retry_after;
    s.interval = cli_config.refresh_interval;
    st->due = om_sched_next(&s, random32());
}

static const char *span(int64_t s, char *buf, size_t cap)
{
    if (s >= 3600)
        snprintf(buf, cap, "%lldh%02lldm", (long long)(s / 3600),
                 (long long)(s % 3600 / 60));
    else
        snprintf(buf, cap, "%lldm%02llds", (long long)(s / 60),
                 (long long)(s % 60));
    return buf;
}

/* The refresh thread finished: learn from it, log one line. */
static void refreshed(struct sched_state *st, int forced, int outcome,
                      const om_fetch_result_t *res)
{
    char when[21], in[48];
    int ok = outcome == OM_REFRESH_UPDATED || outcome == OM_REFRESH_NOT_MODIFIED ||
             outcome == OM_REFRESH_FRESH;
    if (ok) {
        st->failures = 0;
        st->retry_after = -1;
        st->last_success = cli_table.updated_at > 0 ? cli_table.updated_at
                                                    : om_linux_now();
    } else {
        st->failures++;
        st->retry_after = res->retry_after;
    }
    plan_next(st);
    om_format_time(om_linux_now(), when);
    fprintf(stderr, "%s refresh (%s): %s: %s; %u models; next in %s%s\n", when,
            forced ? "forced" : "scheduled", outcome < 0 ? "error"
                                                         : om_refresh_name(outcome),
            res->msg[0] ? res->msg : "-", (unsigned)cli_table.count,
            span(st->due - om_linux_now(), in, sizeof in),
            ok ? "" : " (backing off)");
    fflush(stderr);
}

/* Copies cli_table into the serving table no response is reading.
 * Returns 1 when done, 0 when both are in use (try again later). */
static int install(void)
{
    int other = 1 - cur_slot;
    if (refs[other] > 0)
        return 0;
    memcpy(&slots[other], &cli_table, sizeof cli_table);
    cur_slot = other;
    return 1;
}

/* ------------------------------------------------------------ main loop */

int cmd_serve(struct om_cli *c)
{
    static struct pollfd pfd[MAX_CONN + 2];
    static struct conn *pconn[MAX_CONN + 2];
    om_clock_t clk = {NULL, mono_ms, unix_s};
    om_serve_t srv;
    om_fetch_result_t res;
    struct sched_state st;
    struct sigaction sa;
    sigset_t block, old;
    pthread_t th;
    char shown[128];
    int lfd, loopback = 0, i, refreshing = 0, forced = 0, pending = 0;
    int saved;

    c->quiet = 1; /* one log line per refresh: this file's own */
    if (cli_open_store(c)) /* main() has applied the config file */
        return 1;
    lfd = open_listener(c->listen ? c->listen : LISTEN_DEFAULT, &loopback, shown,
                        sizeof shown);
    if (lfd < 0)
        return 1;
    if (!loopback)
        fprintf(stderr, "ormodels: warning: %s is reachable from the network, "
                        "and the server asks nobody for a password\n", shown);

    /* The table to start with, without the network: serving starts now. */
    saved = c->store.load(c->store.ctx, &cli_scratch) == OM_OK;
    cli_refresh(c, OM_REFRESH_NO_NET, &res);
    memcpy(&slots[0], &cli_table, sizeof cli_table);
    memset(&st, 0, sizeof st);
    st.enabled = !c->offline;
    st.retry_after = -1;
    st.last_success = saved ? cli_table.updated_at : 0;
    plan_next(&st);

    memset(&srv, 0, sizeof srv);
    srv.clk = &clk;
    srv.store = &c->store;
    srv.host_check = (uint8_t)loopback;
    srv.no_refresh = (uint8_t)!st.enabled;
    for (i = 0; i < MAX_CONN; i++) {
        conns[i].fd = -1;
        conns[i].slot = -1;
        conns[i].state = C_FREE;
    }

    if (pipe(wake) || fcntl(wake[0], F_SETFL, O_NONBLOCK)) {
        perror("ormodels: pipe");
        return 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Signals go to this thread, not the refresher. */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    if (pthread_create(&th, NULL, refresher, c) != 0) {
        fprintf(stderr, "ormodels: cannot start the refresh thread\n");
        return 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    {
        char when[21], in[48];
        fprintf(stderr, "ormodels: serving http://%s/ (%u models", shown,
                (unsigned)slots[0].count);
        if (st.enabled) {
            om_format_time(st.due, when);
            fprintf(stderr, "; refresh every %s, next %s)\n",
                    span(cli_config.refresh_interval, in, sizeof in), when);
        } else {
            fprintf(stderr, "; fetching is off)\n");
        }
        fflush(stderr);
    }

    while (!stop) {
        int np = 2, timeout = 60000, want = 0;
        uint32_t now = om_sock_now_ms();
        int64_t wall = om_linux_now();

        /* Start the scheduled refresh when due. */
        if (st.enabled && !refreshing && !pending && wall >= st.due) {
            refreshing = 1;
            forced = 0;
            start_refresh();
        }
        if (st.enabled && !refreshing && !pending) {
            int64_t left = (st.due - wall) * 1000;
            if (left < timeout)
                timeout = (int)(left < 0 ? 0 : left);
        }
        pfd[0].fd = lfd;
        pfd[0].events = POLLIN;
        pfd[1].fd = wake[0];
        pfd[1].events = POLLIN;
        for (i = 0; i < MAX_CONN; i++) {
            struct conn *k = &conns[i];
            int32_t left;
            if (k->state == C_FREE)
                continue;
            if (k->state != C_WAIT) {
                left = (int32_t)(k->deadline - now);
                if (k->state == C_WRITE &&
                    (int32_t)(k->hard_deadline - now) < left)
                    left = (int32_t)(k->hard_deadline - now);
                if (left <= 0) {
                    conn_close(k); /* too slow */
                    continue;
                }
                if (left < timeout)
                    timeout = left;
            }
            pfd[np].fd = k->fd;
            pfd[np].events = k->state == C_WRITE ? POLLOUT
                             : k->state == C_WAIT ? 0 : POLLIN;
            pconn[np++] = k;
        }
        if (poll(pfd, (nfds_t)np, timeout) < 0 && errno != EINTR) {
            perror("ormodels: poll");
            break;
        }
        if (pfd[1].revents & POLLIN) {
            char drain[16];
            while (read(wake[0], drain, sizeof drain) > 0)
                ;
        }
        /* A refresh finished? */
        if (refreshing) {
            int done, outcome = 0;
            pthread_mutex_lock(&mu);
            done = job_done;
            if (done) {
                job_done = 0;
                outcome = job_outcome;
                res = job_res;
            }
            pthread_mutex_unlock(&mu);
            if (done) {
                refreshing = 0;
                pending = 1;
                refreshed(&st, forced, outcome, &res);
                for (i = 0; i < MAX_CONN; i++)
                    if (conns[i].state == C_WAIT)
                        om_serve_refreshed(&conns[i].req, outcome);
            }
        }
        if (pending && install()) {
            pending = 0;
            for (i = 0; i < MAX_CONN; i++)
                if (conns[i].state == C_WAIT)
                    respond(&srv, &conns[i]);
        }
        for (i = 2; i < np; i++) {
            struct conn *k = pconn[i];
            short ev = pfd[i].revents;
            if (k->state == C_FREE || !ev)
                continue;
            if (ev & (POLLERR | POLLNVAL) ||
                (k->state == C_WAIT && (ev & POLLHUP))) {
                conn_close(k);
                continue;
            }
            if (k->state == C_WRITE)
                on_writable(k);
            else if (k->state == C_READ || k->state == C_LINGER)
                on_readable(&srv, k, &want);
        }
        if (pfd[0].revents & POLLIN)
            accept_one(lfd);
        if (want && !refreshing && !pending) {
            refreshing = 1;
            forced = 1;
            start_refresh();
        }
    }
    fprintf(stderr, "ormodels: serve stopped\n");
    return 0;
}
