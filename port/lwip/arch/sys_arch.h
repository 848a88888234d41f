/*
 * arch/sys_arch.h - the types of port/lwip's cooperative sys_arch: lwIP
 * 2.2 with NO_SYS=0 (its sequential and socket APIs) on ONE thread and
 * no RTOS. See om_lwip.h for how it works and what it requires.
 *
 * Semaphores and mutexes are plain counters inside lwIP's own structures;
 * mailboxes are slots of a static table in sys_arch.c (no heap).
 */
#ifndef OM_LWIP_ARCH_SYS_ARCH_H
#define OM_LWIP_ARCH_SYS_ARCH_H

#include <stdint.h>

typedef struct {
    volatile uint32_t count;
    uint8_t valid;
} sys_sem_t;

typedef struct {
    volatile uint8_t locked;
    uint8_t valid;
} sys_mutex_t;

struct om_lwip_mbox;
typedef struct om_lwip_mbox *sys_mbox_t;

typedef int sys_thread_t;

typedef uint32_t sys_prot_t;

#define SYS_MBOX_NULL ((sys_mbox_t)0)
#define SYS_SEM_NULL  { 0, 0 }

#define sys_sem_valid(s)           ((s) != NULL && (s)->valid)
#define sys_sem_set_invalid(s)     do { if ((s) != NULL) (s)->valid = 0; } while (0)
#define sys_mutex_valid(m)         ((m) != NULL && (m)->valid)
#define sys_mutex_set_invalid(m)   do { if ((m) != NULL) (m)->valid = 0; } while (0)
#define sys_mbox_valid(mb)         ((mb) != NULL && *(mb) != NULL)
#define sys_mbox_set_invalid(mb)   do { if ((mb) != NULL) *(mb) = NULL; } while (0)

#endif /* OM_LWIP_ARCH_SYS_ARCH_H */
