/*
 * net_an386.h - the network side of the NET=1 firmware: lwIP 2.2 on
 * port/lwip's one-thread sys_arch over the LAN9118 (lan9118.c), the TLS
 * transport's board hooks (entropy, clock), the baked trust anchors.
 */
#ifndef OM_NET_AN386_H
#define OM_NET_AN386_H

#include <stddef.h>
#include <stdint.h>

/* Baked by tests/board/bake_cas.py from the board's NET_CAS list. */
extern const unsigned char om_board_cas[];
extern const size_t om_board_cas_len;
extern const unsigned om_board_cas_count;
extern const char *const om_board_ca_names[];

/* The addresses, as dotted quads (semihosting ip= mask= gw= dns=); a
 * NULL ip means DHCP (which also gives the DNS server unless dns= is
 * set). */
typedef struct board_net_cfg {
    const char *ip, *mask, *gw, *dns;
} board_net_cfg_t;

/* Starts lwIP (tcpip_init), the LAN9118 netif with a static address or
 * DHCP, and gives Mbed TLS the clock. Returns 0, or -1 with *why set. */
int board_net_init(const board_net_cfg_t *cfg, const char **why);
/* Runs lwIP until the link is up and the interface has an address, at
 * most timeout_ms. Returns 1 when ready, 0 if not. */
int board_net_wait(uint32_t timeout_ms);
/* Lines about the interface: link, MAC, address (static or DHCP), DNS,
 * frames, lwIP memory. */
void board_net_status(void);
/* One line of lwIP's peak memory use: heap and the pools that filled. */
void board_net_peaks(void);
/* RAM lwIP reserved statically (its heap and pools), bytes. */
uint32_t board_net_ram(void);

/* ------------------------------------------------------------ the clock
 * No RTC: the wall clock is unknown at boot. Until it is set, Mbed TLS
 * checks certificates against a floor (board_time_floor: the firmware's
 * build time, or a later time the board knows, e.g. the saved table's
 * date), under which only expiry can be decided. board_clock_set (the
 * response's Date header after each fetch) makes it known; it then runs
 * on board_ms(), which wraps after 49 days (a fetch a day re-sets it). */
int64_t board_unix_s(void);          /* seconds since 1970, 0 unknown */
void board_clock_set(int64_t unix_s); /* ignored below the floor */
int64_t board_time_floor(void);
void board_time_floor_raise(int64_t unix_s);

#endif
