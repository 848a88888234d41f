/*
 * net_an386.c - see net_an386.h. Board hooks of the network stack:
 *  - lwIP: sys_now (SysTick), om_lwip_rand, om_lwip_assert, the netif;
 *  - om_tls: om_port_entropy, and Mbed TLS's clock with
 *    OM_MBEDTLS_BOARD_TIME (mbedtls_platform_set_time, our own
 *    mbedtls_platform_gmtime_r and mbedtls_ms_time).
 *
 * Entropy and wall time come from the HOST through semihosting (QEMU:
 * its /dev/urandom and clock). That is honest in the emulator and only
 * there: a real board reads its TRNG and an RTC set by SNTP.
 */
#include "net_an386.h"

#include <string.h>
#include <time.h>

#include "board.h"
#include "om_lwip.h"
#include "om_port.h"

#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/memp.h"
#include "lwip/priv/memp_priv.h"
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

static struct netif eth;
static uint32_t stub_dropped;
static uint32_t rand_state;

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

/* The stub interface: what issue 9's LAN9118 driver replaces. Link down,
 * every frame handed to it is counted and dropped, nothing is received
 * (om_lwip_board_poll keeps its empty default). */
static err_t stub_linkoutput(struct netif *n, struct pbuf *p)
{
    (void)n;
    (void)p;
    stub_dropped++;
    return ERR_OK;
}

static err_t stub_init(struct netif *n)
{
    static const uint8_t mac[6] = {0x02, 0x00, 0x4f, 0x4d, 0x00, 0x01};
    n->name[0] = 'e';
    n->name[1] = '0';
    n->mtu = 1500;
    n->hwaddr_len = 6;
    memcpy(n->hwaddr, mac, 6);
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    n->output = etharp_output;
    n->linkoutput = stub_linkoutput;
    return ERR_OK;
}

/* --------------------------------------------------------------- time */

static mbedtls_time_t board_time(mbedtls_time_t *t)
{
    mbedtls_time_t now = (mbedtls_time_t)board_unix_s();
    if (t)
        *t = now;
    return now;
}

int64_t board_unix_s(void)
{
    uint32_t s = sh_time();
    return s == UINT32_MAX ? 0 : (int64_t)s;
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

int board_net_init(void)
{
    ip4_addr_t ip, mask, gw, dns;
    if (mbedtls_platform_set_time(board_time) != 0)
        return -1;
    tcpip_init(NULL, NULL);
    /* QEMU's user network (slirp) numbers; DHCP replaces them once the
     * driver exists. */
    IP4_ADDR(&ip, 10, 0, 2, 15);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 10, 0, 2, 2);
    IP4_ADDR(&dns, 10, 0, 2, 3);
    LOCK_TCPIP_CORE();
    if (!netif_add(&eth, &ip, &mask, &gw, NULL, stub_init, tcpip_input)) {
        UNLOCK_TCPIP_CORE();
        return -1;
    }
    netif_set_default(&eth);
    netif_set_up(&eth);
    dns_setserver(0, &dns);
    UNLOCK_TCPIP_CORE();
    return 0;
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

void board_net_status(void)
{
    char ip[16];
    board_puts("net: lwIP " LWIP_VERSION_STRING " (NO_SYS=0, one thread), "
               "netif e0 stub: link ");
    board_puts(netif_is_link_up(&eth) ? "up" : "down (no driver: issue 9)");
    board_puts(", ip ");
    board_puts(ip4addr_ntoa_r(netif_ip4_addr(&eth), ip, sizeof ip));
    board_puts(", frames dropped ");
    board_put_u32(stub_dropped);
    board_puts("\nnet: lwIP RAM ");
    board_put_u32(board_net_ram());
    board_puts(" bytes, mailboxes ");
    board_put_u32(om_lwip_mboxes_used());
    board_puts(" in use (peak ");
    board_put_u32(om_lwip_mboxes_peak());
    board_puts(")\n");
}
