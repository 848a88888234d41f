/*
 * lan9118.h - an lwIP netif for the SMSC LAN9118 Ethernet controller, as
 * the MPS2 AN386 has it at 0x40200000 (QEMU: -nic ...,model=lan9118).
 *
 * Polled, no interrupts and no DMA: lan9118_poll() (called from
 * om_lwip_board_poll, i.e. from every lwIP wait and the idle loop) moves
 * received frames from the chip's RX FIFOs into PBUF_POOL buffers and
 * hands them to the netif's input; linkoutput writes a frame into the TX
 * FIFO word by word. The chip's own FIFOs (16 KB) hold frames while the
 * firmware is busy, so lwIP needs only a few pool buffers.
 *
 * Register names are those of the SMSC LAN9118 datasheet (section 5,
 * "Register Description"): system CSRs on the bus, MAC CSRs through
 * MAC_CSR_CMD/MAC_CSR_DATA, PHY registers through the MAC's MII_ACC and
 * MII_DATA.
 */
#ifndef OM_LAN9118_H
#define OM_LAN9118_H

#include <stdint.h>

#include "lwip/err.h"
#include "lwip/netif.h"

#define LAN9118_BASE 0x40200000u

/* Counters since lan9118_init. */
typedef struct lan9118_stats {
    uint32_t rx_frames, rx_bytes, rx_dropped; /* dropped: errors, no pbuf */
    uint32_t tx_frames, tx_bytes, tx_errors;
    uint32_t rx_waits; /* polls that left a frame in the chip: no pbuf */
} lan9118_stats_t;

/* The netif init callback for netif_add (its state argument unused):
 * soft reset, MAC address (the chip's own, from its EEPROM; a locally
 * administered one when it has none), MAC receive and transmit on,
 * PHY auto-negotiation. Returns ERR_OK, or ERR_IF when no LAN9118
 * answers at LAN9118_BASE. The link is set by lan9118_poll. */
err_t lan9118_netif_init(struct netif *n);

/* Feeds received frames to n->input (tcpip_input: takes the core lock
 * itself, so call it unlocked) and follows the PHY's link state
 * (netif_set_link_up/down, under the core lock). */
void lan9118_poll(struct netif *n);

/* 1 when the PHY reports the link up. */
int lan9118_link(void);

const lan9118_stats_t *lan9118_stats(void);

#endif
