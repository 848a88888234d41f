/*
 * lwip_fetch.c - om_fetch over om_tls over om_sock built for lwIP
 * (-DOM_SOCK_LWIP), on the real lwIP 2.2 stack (contrib/ports/unix:
 * pthreads sys_arch, tapif): every socket call of the fetch goes to lwIP,
 * which talks Ethernet frames through a TAP device. The driver of
 * tests/lwip/lwip_test.sh.
 *
 * Usage:
 *   lwip_fetch --tap DEV --ip A.B.C.D [--mask M] [--gw G] --url URL
 *              --cacert FILE [--dns IP] [--timeout MS] [--json FILE]
 *   lwip_fetch --parse FILE [--json FILE]
 * --tap      an existing, configured TAP device (tapif opens /dev/net/tun
 *            and attaches to it; PRECONFIGURED_TAPIF is set, so tapif runs
 *            no ifconfig). Default: $OM_LWIP_TAP.
 * --ip/--mask/--gw  lwIP's static IPv4 address (mask 255.255.255.0, gw
 *            none by default)
 * --url      https://HOST[:PORT]/path; HOST an IPv4 literal, or a name
 *            when --dns gives lwIP's DNS server (om_sock resolves with
 *            lwip_getaddrinfo either way)
 * --timeout  connect and read timeout of the fetch (default 10000 ms; the
 *            whole fetch gets four times that)
 * --json     writes the table as `ormodels parse --json` does (FILE or -)
 * --parse    no network: the same extractor over a file, for the image
 *            checksum the fetched table must match
 * Prints "models: N", "image: BYTES bytes crc32 HEX" (the image of the
 * table with updated_at, ETag and Last-Modified cleared: the models and
 * their strings only), and for a fetch the HTTP, TLS, pool and lwIP
 * figures; on failure "error: NAME (code): message". Exit 0 on success,
 * 1 on failure, 2 on usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "netif/tapif.h"

#include "om_fetch.h"
#include "om_tls.h"

#define CA_MAX (64u * 1024u)

static unsigned char ca_buf[CA_MAX];
static om_tls_t tls;
static om_fetcher_t fetcher;
static om_table_t table;
static om_extractor_t extractor;
static struct netif tap_netif;
static unsigned char file_buf[16384];

static const char *err_name(int e)
{
    switch (e) {
    case OM_OK: return "OM_OK";
    case OM_ERR_INVAL: return "OM_ERR_INVAL";
    case OM_ERR_JSON: return "OM_ERR_JSON";
    case OM_ERR_TRUNCATED: return "OM_ERR_TRUNCATED";
    case OM_ERR_SCHEMA: return "OM_ERR_SCHEMA";
    case OM_ERR_EMPTY: return "OM_ERR_EMPTY";
    case OM_ERR_NOSPACE: return "OM_ERR_NOSPACE";
    case OM_ERR_IO: return "OM_ERR_IO";
    case OM_ERR_NOTFOUND: return "OM_ERR_NOTFOUND";
    case OM_ERR_HTTP: return "OM_ERR_HTTP";
    case OM_ERR_STATUS: return "OM_ERR_STATUS";
    case OM_ERR_TOOBIG: return "OM_ERR_TOOBIG";
    case OM_ERR_TIMEOUT: return "OM_ERR_TIMEOUT";
    case OM_ERR_DNS: return "OM_ERR_DNS";
    case OM_ERR_CONNECT: return "OM_ERR_CONNECT";
    case OM_ERR_TLS: return "OM_ERR_TLS";
    case OM_ERR_CLOSED: return "OM_ERR_CLOSED";
    case OM_ERR_REDIRECT: return "OM_ERR_REDIRECT";
    default: return "OM_ERR_?";
    }
}

static void usage(void)
{
    fprintf(stderr,
            "usage: lwip_fetch --tap DEV --ip A.B.C.D [--mask M] [--gw G] "
            "--url URL --cacert FILE [--dns IP] [--timeout MS] [--json FILE]\n"
            "       lwip_fetch --parse FILE [--json FILE]\n");
    exit(2);
}

/* ------------------------------------------------------------ output */

/* The image's own CRC-32: of every byte but the last four, which hold it
 * (a CRC over the whole image would always give the CRC-32 residue,
 * 2144df1c, whatever the table). */
struct crc_sink {
    uint32_t crc;
    size_t n, body;
    uint8_t tail[4];
};

static int crc_write(void *ctx, const void *buf, size_t len)
{
    struct crc_sink *s = (struct crc_sink *)ctx;
    const uint8_t *p = (const uint8_t *)buf;
    size_t i;

    for (i = 0; i < len; i++, s->n++) {
        if (s->n < s->body) {
            s->crc = om_crc32(s->crc, p + i, 1);
        } else if (s->n - s->body < 4) {
            s->tail[s->n - s->body] = p[i];
        }
    }
    return OM_OK;
}

static int file_write(void *ctx, const void *buf, size_t len)
{
    return fwrite(buf, 1, len, (FILE *)ctx) == len ? OM_OK : OM_ERR_IO;
}

/* "models:" and "image:" lines; the JSON when asked. Returns 0 or 1. */
static int report_table(const char *json_path)
{
    struct crc_sink s;
    uint32_t stored;
    int e;

    /* Only what came from the catalogue: the date and the validators
     * differ between a fetch and a parse. */
    table.updated_at = 0;
    table.etag[0] = '\0';
    table.last_modified[0] = '\0';
    memset(&s, 0, sizeof(s));
    s.body = om_image_size(&table) - 4;
    e = om_image_write(&table, crc_write, &s);
    stored = (uint32_t)s.tail[0] | (uint32_t)s.tail[1] << 8 |
             (uint32_t)s.tail[2] << 16 | (uint32_t)s.tail[3] << 24;
    if (e != OM_OK || s.n != s.body + 4 || stored != s.crc) {
        printf("error: %s (%d): image write (%lu bytes, crc %08lx, stored "
               "%08lx)\n", err_name(e), e, (unsigned long)s.n,
               (unsigned long)s.crc, (unsigned long)stored);
        return 1;
    }
    printf("models: %u\n", (unsigned)table.count);
    printf("image: %lu bytes crc32 %08lx\n", (unsigned long)s.n,
           (unsigned long)s.crc);
    if (json_path != NULL) {
        FILE *f = strcmp(json_path, "-") == 0 ? stdout : fopen(json_path, "wb");

        if (f == NULL) {
            printf("error: cannot write %s\n", json_path);
            return 1;
        }
        e = om_json_write_models(&table, NULL, table.count, file_write, f);
        fputc('\n', f);
        if (f != stdout && fclose(f) != 0) {
            e = OM_ERR_IO;
        }
        if (e != OM_OK) {
            printf("error: %s (%d): JSON write\n", err_name(e), e);
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------- parse */

static int do_parse(const char *path, const char *json_path)
{
    FILE *f = fopen(path, "rb");
    char msg[160];
    size_t n;
    int e = OM_OK;

    if (f == NULL) {
        printf("error: cannot read %s\n", path);
        return 1;
    }
    om_extract_init(&extractor, &table, NULL, 0);
    while (e == OM_OK && (n = fread(file_buf, 1, sizeof(file_buf), f)) > 0) {
        e = om_extract_feed(&extractor, file_buf, n);
    }
    fclose(f);
    if (e == OM_OK) {
        e = om_extract_finish(&extractor);
    }
    if (e != OM_OK) {
        printf("error: %s (%d): %s\n", err_name(e), e,
               om_extract_error(&extractor, msg, sizeof(msg)));
        return 1;
    }
    return report_table(json_path);
}

/* ------------------------------------------------------------- lwIP */

static void tcpip_ready(void *arg)
{
    sys_sem_signal((sys_sem_t *)arg);
}

/* Starts the tcpip thread and brings the TAP netif up. Returns 0 or 1. */
static int lwip_up(const char *ip, const char *mask, const char *gw)
{
    ip4_addr_t a, m, g;
    sys_sem_t ready;

    if (!ip4addr_aton(ip, &a) || !ip4addr_aton(mask, &m) ||
        !ip4addr_aton(gw, &g)) {
        printf("error: bad address %s/%s gw %s\n", ip, mask, gw);
        return 1;
    }
    if (sys_sem_new(&ready, 0) != ERR_OK) {
        printf("error: sys_sem_new\n");
        return 1;
    }
    tcpip_init(tcpip_ready, &ready);
    sys_sem_wait(&ready);
    sys_sem_free(&ready);

    /* tapif_init opens /dev/net/tun, attaches to PRECONFIGURED_TAPIF and
     * starts its reader thread, which hands frames to tcpip_input. */
    LOCK_TCPIP_CORE();
    if (netif_add(&tap_netif, &a, &m, &g, NULL, tapif_init, tcpip_input) ==
        NULL) {
        UNLOCK_TCPIP_CORE();
        printf("error: netif_add failed\n");
        return 1;
    }
    netif_set_default(&tap_netif);
    netif_set_up(&tap_netif);
    UNLOCK_TCPIP_CORE();
    return 0;
}

/* Waits (at most 3 s) until the gateway answers ARP: the kernel's side of
 * a TAP device that just got its reader may drop frames for a moment
 * (its carrier comes up then), which would otherwise show up as a 1 s
 * stall inside the timed fetch. Returns the ms it took, or -1. */
static long wait_arp(const char *gw)
{
    ip4_addr_t g;
    uint32_t t0 = sys_now();

    if (!ip4addr_aton(gw, &g) || ip4_addr_isany_val(g)) {
        return -1;
    }
    while (sys_now() - t0 < 3000u) {
        struct eth_addr *eth;
        const ip4_addr_t *ipr;
        ssize_t i;

        LOCK_TCPIP_CORE();
        i = etharp_find_addr(&tap_netif, &g, &eth, &ipr);
        if (i < 0) {
            etharp_request(&tap_netif, &g);
        }
        UNLOCK_TCPIP_CORE();
        if (i >= 0) {
            return (long)(sys_now() - t0);
        }
        sys_msleep(50);
    }
    return -1;
}

/* ------------------------------------------------------------ fetch */

static uint32_t clock_ms(void *ctx)
{
    (void)ctx;
    return om_sock_now_ms(); /* sys_now() in this build */
}

static int64_t clock_unix(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

static int load_file(const char *path, unsigned char *buf, size_t cap,
                     size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL) {
        return OM_ERR_NOTFOUND;
    }
    n = fread(buf, 1, cap - 1, f);
    if (ferror(f) || !feof(f)) {
        fclose(f);
        return n == cap - 1 ? OM_ERR_NOSPACE : OM_ERR_IO;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n + 1; /* PEM: the NUL is part of it for Mbed TLS */
    return OM_OK;
}

int main(int argc, char **argv)
{
    const char *tap = getenv("OM_LWIP_TAP"), *ip = NULL;
    const char *mask = "255.255.255.0", *gw = "0.0.0.0";
    const char *url = NULL, *cacert = NULL, *json = NULL, *parse = NULL;
    const char *dns = NULL;
    long timeout = 10000;
    om_fetch_result_t res;
    om_fetch_cfg_t cfg;
    om_transport_t tr;
    om_clock_t clk = {NULL, clock_ms, clock_unix};
    size_t ca_len = 0;
    uint32_t t0, ms;
    int i, e;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (v == NULL) {
            usage();
        }
        if (strcmp(a, "--tap") == 0) {
            tap = v;
        } else if (strcmp(a, "--ip") == 0) {
            ip = v;
        } else if (strcmp(a, "--mask") == 0) {
            mask = v;
        } else if (strcmp(a, "--gw") == 0) {
            gw = v;
        } else if (strcmp(a, "--url") == 0) {
            url = v;
        } else if (strcmp(a, "--cacert") == 0) {
            cacert = v;
        } else if (strcmp(a, "--timeout") == 0) {
            timeout = strtol(v, NULL, 10);
        } else if (strcmp(a, "--json") == 0) {
            json = v;
        } else if (strcmp(a, "--dns") == 0) {
            dns = v;
        } else if (strcmp(a, "--parse") == 0) {
            parse = v;
        } else {
            usage();
        }
        i++;
    }
    if (parse != NULL) {
        return do_parse(parse, json);
    }
    if (tap == NULL || *tap == '\0' || ip == NULL || url == NULL ||
        cacert == NULL || timeout <= 0 || timeout > 600000) {
        usage();
    }

    e = load_file(cacert, ca_buf, sizeof(ca_buf), &ca_len);
    if (e == OM_OK) {
        e = om_tls_init(&tls, ca_buf, ca_len);
        if (e != OM_OK) {
            printf("error: %s (%d): %s\n", err_name(e), e, om_tls_error(&tls));
            return 1;
        }
    } else {
        printf("error: %s (%d): cannot read %s\n", err_name(e), e, cacert);
        return 1;
    }
    om_tls_transport(&tls, &tr);

    /* lwIP's LWIP_RAND is the unix port's rand(): seed it, or every run
     * would start from the same local TCP port, and a new connection could
     * meet the server's TIME_WAIT of the previous one. */
    {
        unsigned int seed = 0;

        if (om_port_entropy(&seed, sizeof(seed)) != OM_OK) {
            seed = (unsigned int)time(NULL);
        }
        srand(seed);
    }

    /* tapif: attach to this device, and configure nothing on the host. */
    if (setenv("PRECONFIGURED_TAPIF", tap, 1) != 0 || lwip_up(ip, mask, gw)) {
        return 1;
    }
    printf("lwip: %s %s netif %c%c%u %s on %s\n", LWIP_VERSION_STRING,
           "NO_SYS=0", tap_netif.name[0], tap_netif.name[1],
           (unsigned)tap_netif.num, ip, tap);

    if (dns != NULL) {
        ip_addr_t d;

        if (!ipaddr_aton(dns, &d)) {
            printf("error: bad DNS server %s\n", dns);
            return 1;
        }
        LOCK_TCPIP_CORE();
        dns_setserver(0, &d);
        UNLOCK_TCPIP_CORE();
    }
    {
        long arp_ms = wait_arp(gw);

        if (arp_ms >= 0) {
            printf("arp: %s answered in %ld ms\n", gw, arp_ms);
        } else {
            printf("arp: no answer from %s within 3 s (fetching anyway)\n",
                   gw);
        }
    }

    memset(&cfg, 0, sizeof(cfg));
    cfg.url = url;
    cfg.connect_timeout_ms = (uint32_t)timeout;
    cfg.read_timeout_ms = (uint32_t)timeout;
    cfg.deadline_ms = (uint32_t)timeout * 4u;
    om_tls_pool_reset_high_water();
    t0 = sys_now();
    e = om_fetch(&fetcher, &cfg, &tr, &clk, NULL, &table, &res);
    ms = sys_now() - t0;

    printf("http: status %u, %u page(s), %llu body bytes in %lu ms\n",
           (unsigned)res.status, (unsigned)res.pages,
           (unsigned long long)res.body_bytes, (unsigned long)ms);
    printf("tls: pool high-water %lu B of %lu B (idle %lu B, %d CA)\n",
           (unsigned long)om_tls_pool_high_water(),
           (unsigned long)om_tls_pool_size(), (unsigned long)tls.pool_idle,
           tls.ca_parsed);
#if LWIP_STATS
    printf("lwip-stats: ip rx %lu tx %lu, tcp rx %lu tx %lu drop %lu "
           "chkerr %lu; peaks: heap %lu of %lu B, pbuf pool %lu of %lu, "
           "tcp seg %lu of %lu\n",
           (unsigned long)lwip_stats.ip.recv,
           (unsigned long)lwip_stats.ip.xmit,
           (unsigned long)lwip_stats.tcp.recv,
           (unsigned long)lwip_stats.tcp.xmit,
           (unsigned long)lwip_stats.tcp.drop,
           (unsigned long)lwip_stats.tcp.chkerr,
           (unsigned long)lwip_stats.mem.max,
           (unsigned long)lwip_stats.mem.avail,
           (unsigned long)lwip_stats.memp[MEMP_PBUF_POOL]->max,
           (unsigned long)lwip_stats.memp[MEMP_PBUF_POOL]->avail,
           (unsigned long)lwip_stats.memp[MEMP_TCP_SEG]->max,
           (unsigned long)lwip_stats.memp[MEMP_TCP_SEG]->avail);
#endif
    if (e != OM_OK) {
        printf("error: %s (%d): %s\n", err_name(e), e, res.msg);
        om_tls_free(&tls);
        return 1;
    }
    printf("fetch: %s\n", res.msg);
    e = report_table(json);
    om_tls_free(&tls);
    return e;
}
