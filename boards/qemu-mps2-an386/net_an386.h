/*
 * net_an386.h - the network side of the NET=1 firmware: lwIP 2.2 on
 * port/lwip's one-thread sys_arch, the TLS transport's board hooks
 * (entropy, clock), the baked trust anchors.
 *
 * NOT YET ON THE WIRE: the netif is a stub (link down, frames dropped)
 * until the LAN9118 driver of issue 9; the stack, the sockets, TLS and
 * the CA chain are real and run.
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

/* Starts lwIP (tcpip_init, the netif) and gives Mbed TLS the clock.
 * Returns 0 or -1. */
int board_net_init(void);
/* One line per fact: interface, address, link, lwIP memory. */
void board_net_status(void);
/* RAM lwIP reserved statically (its heap and pools), bytes. */
uint32_t board_net_ram(void);
/* The wall clock, seconds since 1970 (the host's, by semihosting; an RTC
 * or SNTP on hardware), 0 when unknown. */
int64_t board_unix_s(void);

#endif
