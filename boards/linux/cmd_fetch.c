/*
 * cmd_fetch.c - the refresh policy for the tool, and `ormodels fetch`.
 *
 * The transport is TLS (port/mbedtls) over sockets (port/sockets), trusting
 * --cacert or the system's CA bundle, set up only when a fetch really
 * happens: a fresh table costs no certificate parsing.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "om_tls.h"

static om_tls_t tls;
static om_fetcher_t fetcher;
static unsigned char ca_buf[1024 * 1024]; /* PEM bundle; .bss, not heap */
static char lazy_err[160];

struct lazy {
    const struct om_cli *c;
    int ready;
};

/* open() of a transport that loads the CA certificates on first use. */
static int lazy_open(void *ctx, const char *host, uint16_t port, int use_tls,
                     uint32_t timeout_ms)
{
    struct lazy *l = (struct lazy *)ctx;
    if (!l->ready) {
        size_t len = 0;
        const char *path = l->c->cacert; /* NULL: the system bundle */
        int e = om_tls_load_ca_file(path, ca_buf, sizeof ca_buf, &len);
        /* Parsed certificates take about twice their PEM text; a
         * connection 30 to 41 KB more (EC or RSA-4096 chains). */
        if (e == OM_OK)
            e = om_tls_global_init_sized(48 * 1024 + 3 * len);
        if (e == OM_OK)
            e = om_tls_init(&tls, ca_buf, len);
        if (e != OM_OK) {
            snprintf(lazy_err, sizeof lazy_err, "cannot use CA certificates %s: %s",
                     path ? path : OM_TLS_CA_FILE,
                     e == OM_ERR_IO ? strerror(errno) : om_strerror(e));
            return OM_ERR_TLS;
        }
        l->ready = 1;
    }
    return om_tls_open(&tls, host, port, use_tls, timeout_ms);
}
static int lazy_send(void *ctx, const void *b, size_t n, uint32_t ms)
{
    (void)ctx;
    return om_tls_send(&tls, b, n, ms);
}
static int lazy_recv(void *ctx, void *b, size_t n, uint32_t ms)
{
    (void)ctx;
    return om_tls_recv(&tls, b, n, ms);
}
static void lazy_close(void *ctx)
{
    if (((struct lazy *)ctx)->ready)
        om_tls_close(&tls);
}
static const char *lazy_error(void *ctx)
{
    return ((struct lazy *)ctx)->ready ? om_tls_error(&tls) : lazy_err;
}

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

int cli_open_store(struct om_cli *c)
{
    const char *p = c->cache_file ? c->cache_file : CLI_CACHE_DEFAULT;
    if (c->store.load)
        return 0;
    if (p[0] == '~' && p[1] == '/') {
        const char *home = getenv("HOME");
        if (!home || !*home) {
            fprintf(stderr, "ormodels: HOME is not set; use --cache-file\n");
            return 1;
        }
        if ((size_t)snprintf(c->cache_path, sizeof c->cache_path, "%s%s", home,
                             p + 1) >= sizeof c->cache_path)
            return 1;
    } else if ((size_t)snprintf(c->cache_path, sizeof c->cache_path, "%s", p) >=
               sizeof c->cache_path) {
        return 1;
    }
    if (om_file_store_init(&c->fs, c->cache_path, &c->store) != OM_OK) {
        fprintf(stderr, "ormodels: cache path too long\n");
        return 1;
    }
    return 0;
}

size_t cli_pins(struct om_cli *c, const char *const **out)
{
    static const char *pins[OM_PINNED_MAX];
    static char chosen[OM_ID_MAX + 1];
    size_t n = cli_popular(pins, OM_PINNED_MAX - 1);
    if (cli_open_store(c) == 0 &&
        c->store.sel_load(c->store.ctx, chosen, sizeof chosen) > 0)
        pins[n++] = chosen;
    *out = pins;
    return n;
}

static void when(int64_t t, char buf[21])
{
    if (t > 0)
        om_format_time(t, buf);
    else
        strcpy(buf, "an unknown time");
}

int cli_refresh(struct om_cli *c, unsigned flags, om_fetch_result_t *res)
{
    static struct lazy lazy;
    om_transport_t tr = {&lazy, lazy_open, lazy_send, lazy_recv, lazy_close,
                         lazy_error};
    om_clock_t clk = {NULL, clock_ms, clock_unix};
    om_fetch_cfg_t cfg;
    char d[21];
    int e, out;

    if (cli_open_store(c))
        return -1;
    lazy.c = c;
    memset(&cfg, 0, sizeof cfg);
    cfg.url = c->url;
    if (cli_config.referer[0])
        cfg.referer = cli_config.referer;
    if (cli_config.title[0])
        cfg.title = cli_config.title;
    cfg.npinned = cli_pins(c, &cfg.pinned);
    cfg.api_key = getenv("OPENROUTER_API_KEY");
    if (c->timeout_s) {
        cfg.connect_timeout_ms = c->timeout_s * 1000u;
        cfg.read_timeout_ms = c->timeout_s * 1000u;
        cfg.deadline_ms = c->timeout_s * 4000u;
    }
    if (c->offline)
        flags |= OM_REFRESH_NO_NET;
    if (c->force)
        flags |= OM_REFRESH_FORCE;

    /* Say why a saved table cannot be used before anything else. */
    e = c->store.load(c->store.ctx, &cli_table);
    if (e != OM_OK && e != OM_ERR_NOTFOUND)
        fprintf(stderr, "ormodels: %s unreadable (%s); it will be replaced "
                        "by the next good fetch\n", c->cache_path,
                e == OM_ERR_IO ? strerror(errno) : om_strerror(e));

    out = om_refresh(&fetcher, &cfg, &tr, &clk, &c->store, &cli_table,
                     &cli_scratch, cli_config.refresh_interval, flags, res);
    when(cli_table.updated_at, d);
    if (c->quiet)
        return out;
    switch (out) {
    case OM_REFRESH_UPDATED:
        fprintf(stderr, "ormodels: %s\n", res->msg);
        break;
    case OM_REFRESH_NOT_MODIFIED:
        fprintf(stderr, "ormodels: the catalogue has not changed; table "
                        "renewed\n");
        break;
    case OM_REFRESH_STALE:
        fprintf(stderr, "ormodels: fetch failed: %s; using the saved table "
                        "of %s\n", res->msg, d);
        break;
    case OM_REFRESH_DEFAULTS:
        fprintf(stderr, "ormodels: fetch failed: %s; using the built-in "
                        "defaults\n", res->msg);
        break;
    case OM_REFRESH_OFFLINE:
        if (e != OM_OK)
            fprintf(stderr, "ormodels: no saved table at %s; using the "
                            "built-in defaults\n", c->cache_path);
        break;
    default:
        break;
    }
    return out;
}

int cmd_fetch(struct om_cli *c)
{
    om_fetch_result_t res;
    char d[21];
    int out = cli_refresh(c, 0, &res);
    if (out < 0)
        return 1;
    when(cli_table.updated_at, d);
    switch (out) {
    case OM_REFRESH_FRESH:
        printf("fresh: %u models, updated %s\n", (unsigned)cli_table.count, d);
        return 0;
    case OM_REFRESH_UPDATED:
    case OM_REFRESH_NOT_MODIFIED:
        printf("%s: %u models, updated %s\n", om_refresh_name(out),
               (unsigned)cli_table.count, d);
        return 0;
    case OM_REFRESH_OFFLINE:
        fprintf(stderr, "ormodels: --offline: nothing fetched\n");
        return 1;
    default:
        return 1; /* the reason is already on stderr */
    }
}
