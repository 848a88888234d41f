/*
 * om_lwip.h - port/lwip: lwIP 2.2 with NO_SYS=0 (the socket API om_sock.c
 * calls) on a bare-metal microcontroller with ONE thread and no RTOS.
 *
 * How it works (sys_arch.c):
 *  - LWIP_TCPIP_CORE_LOCKING=1 and LWIP_TCPIP_CORE_LOCKING_INPUT=1 are
 *    required: an API call runs its core function directly under the core
 *    "lock" (a flag: there is only one thread), and received frames enter
 *    the stack directly, so nothing needs the tcpip thread to run.
 *  - tcpip_init() asks for the tcpip thread; no thread is started. Its
 *    mailbox (the one created just before) is drained by om_lwip_poll(),
 *    which runs callbacks (tcpip_callback(), e.g. pbuf_free_ooseq) and
 *    lwIP's timers (sys_check_timeouts) under the core lock, after the
 *    board's om_lwip_board_poll() has fed received frames in.
 *  - Every blocking wait (sys_arch_sem_wait, sys_arch_mbox_fetch: connect,
 *    poll, recv, close, getaddrinfo) spins on om_lwip_poll() until it is
 *    signalled or times out. A wait with no timeout that nothing can
 *    signal never returns: om_sock only makes waits with a timeout.
 *  - Mailboxes are OM_LWIP_MBOXES slots of OM_LWIP_MBOX_SLOTS messages in
 *    static memory; sys_mbox_new fails (ERR_MEM) beyond them. Semaphores
 *    and mutexes are counters in lwIP's own structures. No heap.
 *  - sys_arch_protect masks interrupts (PRIMASK), for lwIP's pools when a
 *    driver frees pbufs from an interrupt.
 * Not allowed: calling lwIP from an interrupt handler (the driver's ISR
 * only flags; om_lwip_board_poll does the work), other threads.
 *
 * Knobs (lwipopts.h, default in brackets):
 *  OM_LWIP_MBOXES      [MEMP_NUM_NETCONN + 2] mailboxes (tcpip + one per
 *                      netconn + one accept mailbox)
 *  OM_LWIP_MBOX_SLOTS  [8] messages per mailbox; TCPIP_MBOX_SIZE and the
 *                      DEFAULT_*_RECVMBOX_SIZE must not exceed it
 */
#ifndef OM_LWIP_H
#define OM_LWIP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Runs the stack once: the board's receive poll, queued callbacks, due
 * timers. Called from every wait; a main loop with nothing else to do
 * calls it too (e.g. between shell commands) so that TCP timers run. */
void om_lwip_poll(void);

/* Board hooks. om_lwip_board_poll feeds received frames to their netif's
 * input (tcpip_input: it takes the core lock itself) and must not be
 * called with the core locked; om_lwip_idle may sleep (WFI) until the
 * next interrupt. Both have empty weak defaults. */
void om_lwip_board_poll(void);
void om_lwip_idle(void);

/* Mailbox slots in use now and at most (sizing OM_LWIP_MBOXES). */
unsigned om_lwip_mboxes_used(void);
unsigned om_lwip_mboxes_peak(void);

#ifdef __cplusplus
}
#endif

#endif /* OM_LWIP_H */
