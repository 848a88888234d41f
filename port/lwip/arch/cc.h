/*
 * arch/cc.h - lwIP 2.2's compiler and platform glue for a bare-metal
 * Cortex-M with GCC and newlib (arm-none-eabi), used with the cooperative
 * sys_arch of port/lwip (see om_lwip.h).
 *
 * errno and struct timeval are newlib's (LWIP_ERRNO_STDINCLUDE,
 * LWIP_TIMEVAL_PRIVATE 0 in the board's lwipopts.h), so lwIP's socket
 * errors and om_sock.c's E* names are the same numbers. Randomness
 * (TCP initial sequence numbers, DNS ids, local ports) and the assert
 * handler come from the board: om_lwip_rand(), om_lwip_assert().
 */
#ifndef OM_LWIP_ARCH_CC_H
#define OM_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_NO_CTYPE_H 0

#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

uint32_t om_lwip_rand(void);
void om_lwip_assert(const char *msg, const char *file, int line)
    __attribute__((noreturn));

#define LWIP_RAND() om_lwip_rand()
/* No printf on the board: diagnostics are dropped unevaluated (LWIP_DEBUG
 * is off anyway); asserts stop the firmware with a message. */
#define LWIP_PLATFORM_DIAG(x) do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) om_lwip_assert((x), __FILE__, __LINE__)

#endif /* OM_LWIP_ARCH_CC_H */
