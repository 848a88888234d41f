/*
 * net_an386.c - see net_an386.h. Board hooks of the network stack:
 *  - lwIP: sys_now (SysTick), om_lwip_rand, om_lwip_assert, the poll that
 *    feeds the LAN9118's frames in, the netif (static address or DHCP);
 *  - om_tls: om_port_entropy, and Mbed TLS's clock with
 *    OM_MBEDTLS_BOARD_TIME (mbedtls_platform_set_time, our own
 *    mbedtls_platform_gmtime_r and mbedtls_ms_time).
 *
 * Entropy comes from the HOST through semihosting (QEMU reads its
 * /dev/urandom): honest in the emulator and only there. A real board MUST
 * wire om_port_entropy to its hardware TRNG (e.g. the RNG peripheral of
 * an STM32, the TRNG of an nRF or an i.MX RT), with its health tests:
 * every TLS key and nonce is drawn from the DRBG this seeds.
 *
 * Wall time does NOT come from the host: a board without RTC does not
 * know it at boot. Until board_clock_set (after a fetch: the response's
 * Date header), Mbed TLS gets board_time_floor(): the build time
 * (OM_BOARD_TIME_FLOOR, seconds since 1970, set by board.mk from the
 * last commit's date), raised by what the board learns later (the saved
 * table's date), and om_tls is told that it is a floor (time_floor), so
 * that only expiry is checked against it. A board with an RTC or SNTP
 * calls board_clock_set instead.
 */
#include "net_an386.h"

#include <string.h>
#include <time.h>

#include "board.h"
#include "lan9118.h"
#include "om_lwip.h"
#include "om_port.h"

#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/memp.h"
#include "lwip/priv/memp_priv.h"
#include "lwip/stats.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wundef"
#endif
#include "mbedtls/platform_time.h"
#include "mbedtls/platform_util.h"
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#ifndef OM_BOARD_TIME_FLOOR
#error "OM_BOARD_TIME_FLOOR (the build time, seconds since 1970) is set by board.mk"
#endif

static struct netif eth;
static uint8_t eth_ok, use_dhcp;
static uint32_t rand_state;
static int64_t clock_base, time_floor = OM_BOARD_TIME_FLOOR;
static uint32_t clock_base_ms;

/* ----------------------------------------------------------- entropy */

int om_port_entropy(void *buf, size_t len)
{
    int fd = sh_open("/dev/urandom", 1 /* rb */);
    int r;
    if (fd < 0)
        return -1;
    r = sh_read(fd, buf, len);
    sh_close(fd);
    return r == 0 ? 0 : -1;
}

/* newlib's exit() (Mbed TLS's allocator calls it on a corrupted pool)
 * ends here: stop QEMU with the status. */
void _exit(int status) __attribute__((noreturn));
void _exit(int status)
{
    board_puts("\nfatal: exit() called\n");
    sh_exit(status ? status : 6);
}

/* ------------------------------------------------------------- lwIP */

uint32_t sys_now(void) { return board_ms(); }

uint32_t om_lwip_rand(void)
{
    uint32_t x = rand_state;
    if (x == 0 && (om_port_entropy(&x, sizeof x) != 0 || x == 0))
        x = 0x9E3779B9u ^ board_ms();
    x ^= x << 13; /* xorshift32: ports, ids, ISNs; not for keys */
    x ^= x >> 17;
    x ^= x << 5;
    rand_state = x;
    return x;
}

void om_lwip_assert(const char *msg, const char *file, int line)
{
    board_puts("\nfatal: lwIP assert: ");
    board_puts(msg);
    board_puts(" (");
    board_puts(file);
    board_puts(":");
    board_put_u32((uint32_t)line);
    board_puts(")\n");
    sh_exit(5);
}

void om_lwip_idle(void) { __asm volatile("wfi"); }

/* The LAN9118's frames enter lwIP from every wait and the idle loop. */
void om_lwip_board_poll(void)
{
    if (eth_ok)
        lan9118_poll(&eth);
}

/* --------------------------------------------------------------- time */

int64_t board_unix_s(void)
{
    if (!clock_base)
        return 0;
    return clock_base + (int64_t)((board_ms() - clock_base_ms) / 1000u);
}

void board_clock_set(int64_t unix_s)
{
    if (unix_s < time_floor)
        return; /* a server's Date before the build: not believed */
    clock_base = unix_s;
    clock_base_ms = board_ms();
}

int64_t board_time_floor(void) { return time_floor; }

void board_time_floor_raise(int64_t unix_s)
{
    if (unix_s > time_floor)
        time_floor = unix_s;
}

/* Mbed TLS's clock: the real time once known, else the floor (om_tls is
 * told, see main.c: only expiry is checked against it). */
static mbedtls_time_t board_time(mbedtls_time_t *t)
{
    int64_t s = board_unix_s();
    mbedtls_time_t now = (mbedtls_time_t)(s ? s : time_floor);
    if (t)
        *t = now;
    return now;
}

mbedtls_ms_time_t mbedtls_ms_time(void) { return (mbedtls_ms_time_t)board_ms(); }

/* UTC broken-down time from seconds since 1970 (days to civil date:
 * H. Hinnant's algorithm). No time zones, no libc state. */
struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt,
                                     struct tm *tm_buf)
{
    int64_t t = (int64_t)*tt, days = t / 86400, rem = t % 86400;
    int64_t z, era, doe, yoe, y, doy, mp, d, m;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    memset(tm_buf, 0, sizeof *tm_buf);
    tm_buf->tm_year = (int)(y - 1900);
    tm_buf->tm_mon = (int)(m - 1);
    tm_buf->tm_mday = (int)d;
    tm_buf->tm_hour = (int)(rem / 3600);
    tm_buf->tm_min = (int)(rem % 3600 / 60);
    tm_buf->tm_sec = (int)(rem % 60);
    tm_buf->tm_wday = (int)((days % 7 + 11) % 7); /* 1970-01-01: Thursday */
    return tm_buf;
}

/* ---------------------------------------------------------------- up */

static int addr(const char *s, ip4_addr_t *a)
{
    return s && ip4addr_aton(s, a);
}

int board_net_init(const board_net_cfg_t *cfg, const char **why)
{
    ip4_addr_t ip, mask, gw, dns;
    *why = "";
    if (mbedtls_platform_set_time(board_time) != 0) {
        *why = "clock";
        return -1;
    }
    ip4_addr_set_zero(&ip);
    ip4_addr_set_zero(&mask);
    ip4_addr_set_zero(&gw);
    use_dhcp = !cfg->ip;
    if (!use_dhcp) {
        if (!addr(cfg->ip, &ip) || (cfg->gw && !addr(cfg->gw, &gw))) {
            *why = "bad ip= or gw=";
            return -1;
        }
        if (!addr(cfg->mask ? cfg->mask : "255.255.255.0", &mask)) {
            *why = "bad mask=";
            return -1;
        }
    }
    tcpip_init(NULL, NULL);
    LOCK_TCPIP_CORE();
    if (!netif_add(&eth, &ip, &mask, &gw, NULL, lan9118_netif_init,
                   tcpip_input)) {
        UNLOCK_TCPIP_CORE();
        *why = "no LAN9118 at 0x40200000";
        return -1;
    }
    eth_ok = 1;
    netif_set_default(&eth);
    netif_set_up(&eth);
    if (cfg->dns && addr(cfg->dns, &dns))
        dns_setserver(0, &dns);
    if (use_dhcp && dhcp_start(&eth) != ERR_OK) {
        UNLOCK_TCPIP_CORE();
        *why = "DHCP did not start";
        return -1;
    }
    UNLOCK_TCPIP_CORE();
    om_lwip_poll(); /* the link state */
    return 0;
}

int board_net_wait(uint32_t timeout_ms)
{
    uint32_t t0 = board_ms();
    for (;;) {
        om_lwip_poll();
        if (eth_ok && netif_is_link_up(&eth) &&
            !ip4_addr_isany_val(*netif_ip4_addr(&eth)))
            return 1;
        if (board_ms() - t0 >= timeout_ms)
            return 0;
        om_lwip_idle();
    }
}

uint32_t board_net_ram(void)
{
    uint32_t n = MEM_SIZE;
    int i;
    for (i = 0; i < (int)MEMP_MAX; i++)
        n += (uint32_t)memp_pools[i]->num *
             (uint32_t)(memp_pools[i]->size + MEMP_SIZE);
    return n;
}

static void put_ip(const char *what, const ip4_addr_t *a)
{
    char b[16];
    board_puts(what);
    board_puts(ip4addr_ntoa_r(a, b, sizeof b));
}

void board_net_status(void)
{
    const lan9118_stats_t *s = lan9118_stats();
    static const char hex[] = "0123456789abcdef";
    char mac[18];
    int i;
    board_puts("net: lwIP " LWIP_VERSION_STRING " (NO_SYS=0, one thread), "
               "LAN9118 e0: ");
    if (!eth_ok) {
        board_puts("absent\n");
        return;
    }
    for (i = 0; i < 6; i++) {
        mac[i * 3] = hex[eth.hwaddr[i] >> 4];
        mac[i * 3 + 1] = hex[eth.hwaddr[i] & 15];
        mac[i * 3 + 2] = i < 5 ? ':' : '\0';
    }
    board_puts("link ");
    board_puts(netif_is_link_up(&eth) ? "up" : "down");
    board_puts(", mac ");
    board_puts(mac);
    put_ip(use_dhcp ? ", dhcp ip " : ", ip ", netif_ip4_addr(&eth));
    put_ip("/", netif_ip4_netmask(&eth));
    put_ip(", gw ", netif_ip4_gw(&eth));
    put_ip(", dns ", ip_2_ip4(dns_getserver(0)));
    board_puts("\nnet: frames in ");
    board_put_u32(s->rx_frames);
    board_puts(" (");
    board_put_u32(s->rx_bytes);
    board_puts(" B, ");
    board_put_u32(s->rx_dropped);
    board_puts(" dropped), out ");
    board_put_u32(s->tx_frames);
    board_puts(" (");
    board_put_u32(s->tx_bytes);
    board_puts(" B, ");
    board_put_u32(s->tx_errors);
    board_puts(" errors)\nnet: lwIP RAM ");
    board_put_u32(board_net_ram());
    board_puts(" bytes, mailboxes ");
    board_put_u32(om_lwip_mboxes_used());
    board_puts(" in use (peak ");
    board_put_u32(om_lwip_mboxes_peak());
    board_puts(")\n");
}

#if MEMP_STATS && MEM_STATS
static const char *const pool_names[] = {
#define LWIP_MEMPOOL(name, num, size, desc) #name,
#include "lwip/priv/memp_std.h"
};
#endif

void board_net_peaks(void)
{
#if MEMP_STATS && MEM_STATS
    int i;
    board_puts("peak: lwIP heap ");
    board_put_u32(lwip_stats.mem.max);
    board_puts(" of ");
    board_put_u32(MEM_SIZE);
    board_puts(", pools");
    for (i = 0; i < (int)MEMP_MAX; i++) {
        const struct stats_mem *m = memp_pools[i]->stats;
        board_puts(" ");
        board_puts(pool_names[i]);
        board_puts(" ");
        board_put_u32(m->max);
        board_puts("/");
        board_put_u32(memp_pools[i]->num);
        if (m->err) {
            board_puts(" (");
            board_put_u32(m->err);
            board_puts(" failed)");
        }
    }
    board_puts(", chip waits ");
    board_put_u32(lan9118_stats()->rx_waits);
    board_puts("\n");
#endif
}
