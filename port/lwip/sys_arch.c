/*
 * sys_arch.c - lwIP 2.2's OS layer for one thread and no RTOS, over
 * polling. See om_lwip.h for the model and its limits.
 */
#include "om_lwip.h"

#include <string.h>

#include "lwip/opt.h"
#include "lwip/memp.h"
#include "lwip/priv/tcpip_priv.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "lwip/timeouts.h"

#if NO_SYS
#error "port/lwip's sys_arch is for NO_SYS=0 (with NO_SYS=1 lwIP needs none)"
#endif
#if !LWIP_TCPIP_CORE_LOCKING || !LWIP_TCPIP_CORE_LOCKING_INPUT
#error "port/lwip needs LWIP_TCPIP_CORE_LOCKING and LWIP_TCPIP_CORE_LOCKING_INPUT"
#endif

#ifndef OM_LWIP_MBOXES
#define OM_LWIP_MBOXES (MEMP_NUM_NETCONN + 2)
#endif
#ifndef OM_LWIP_MBOX_SLOTS
#define OM_LWIP_MBOX_SLOTS 8
#endif
#if TCPIP_MBOX_SIZE > OM_LWIP_MBOX_SLOTS || \
    DEFAULT_TCP_RECVMBOX_SIZE > OM_LWIP_MBOX_SLOTS || \
    DEFAULT_UDP_RECVMBOX_SIZE > OM_LWIP_MBOX_SLOTS || \
    DEFAULT_ACCEPTMBOX_SIZE > OM_LWIP_MBOX_SLOTS
#error "a mailbox size in lwipopts.h exceeds OM_LWIP_MBOX_SLOTS"
#endif

struct om_lwip_mbox {
    void *msg[OM_LWIP_MBOX_SLOTS];
    uint8_t head, n, size, used;
};

static struct om_lwip_mbox mboxes[OM_LWIP_MBOXES];
static struct om_lwip_mbox *last_mbox;  /* the newest, for tcpip_init */
static struct om_lwip_mbox *tcpip_box;  /* the tcpip "thread"'s mailbox */
static unsigned mbox_used, mbox_peak;
static uint8_t polling;

/* ---------------------------------------------------------------- hooks */

__attribute__((weak)) void om_lwip_board_poll(void) { }
__attribute__((weak)) void om_lwip_idle(void) { }

/* ----------------------------------------------------------------- time */

/* sys_now() is the board's: a millisecond counter (board_ms). */

void sys_init(void)
{
    memset(mboxes, 0, sizeof mboxes);
    last_mbox = tcpip_box = NULL;
    mbox_used = mbox_peak = 0;
}

/* ------------------------------------------------------------- protect */

sys_prot_t sys_arch_protect(void)
{
    uint32_t primask;
    __asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask) :: "memory");
    return primask;
}

void sys_arch_unprotect(sys_prot_t pval)
{
    __asm volatile("msr primask, %0" :: "r"(pval) : "memory");
}

/* ------------------------------------------------------------ the poll */

static void handle(struct tcpip_msg *msg)
{
    switch (msg->type) {
#if LWIP_TCPIP_TIMEOUT && LWIP_TIMERS
    case TCPIP_MSG_TIMEOUT:
        sys_timeout(msg->msg.tmo.msecs, msg->msg.tmo.h, msg->msg.tmo.arg);
        memp_free(MEMP_TCPIP_MSG_API, msg);
        break;
    case TCPIP_MSG_UNTIMEOUT:
        sys_untimeout(msg->msg.tmo.h, msg->msg.tmo.arg);
        memp_free(MEMP_TCPIP_MSG_API, msg);
        break;
#endif
    case TCPIP_MSG_CALLBACK:
        msg->msg.cb.function(msg->msg.cb.ctx);
        memp_free(MEMP_TCPIP_MSG_API, msg);
        break;
    case TCPIP_MSG_CALLBACK_STATIC:
        msg->msg.cb.function(msg->msg.cb.ctx);
        break;
    default:
        LWIP_ASSERT("om_lwip: unexpected tcpip message", 0);
        break;
    }
}

static void *mbox_take(struct om_lwip_mbox *mb)
{
    void *m = mb->msg[mb->head];
    mb->head = (uint8_t)((mb->head + 1u) % OM_LWIP_MBOX_SLOTS);
    mb->n--;
    return m;
}

void om_lwip_poll(void)
{
    /* Not re-entrant, and never with the core held: a wait inside the
     * core would be a bug in the caller (lwIP itself never does it). */
    if (polling || lock_tcpip_core.locked)
        return;
    polling = 1;
    om_lwip_board_poll();
    LOCK_TCPIP_CORE();
    while (tcpip_box && tcpip_box->n)
        handle((struct tcpip_msg *)mbox_take(tcpip_box));
#if LWIP_TIMERS
    sys_check_timeouts();
#endif
    UNLOCK_TCPIP_CORE();
    polling = 0;
}

/* Waits until *ready is non-zero or timeout ms (0: forever) have passed.
 * Returns the ms waited, or SYS_ARCH_TIMEOUT. */
static u32_t wait_for(volatile const uint32_t *count, const uint8_t *n,
                      u32_t timeout)
{
    u32_t start = sys_now();
    for (;;) {
        u32_t waited = sys_now() - start;
        if ((count && *count) || (n && *n))
            return waited;
        if (timeout && waited >= timeout)
            return SYS_ARCH_TIMEOUT;
        om_lwip_poll();
        if ((count && *count) || (n && *n))
            return sys_now() - start;
        om_lwip_idle();
    }
}

/* ----------------------------------------------------------- semaphores */

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
    sem->count = count;
    sem->valid = 1;
    return ERR_OK;
}

void sys_sem_signal(sys_sem_t *sem)
{
    sem->count++;
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
    u32_t r = wait_for(&sem->count, NULL, timeout);
    if (r != SYS_ARCH_TIMEOUT)
        sem->count--;
    return r;
}

void sys_sem_free(sys_sem_t *sem)
{
    sem->valid = 0;
}

/* -------------------------------------------------------------- mutexes */

err_t sys_mutex_new(sys_mutex_t *mutex)
{
    mutex->locked = 0;
    mutex->valid = 1;
    return ERR_OK;
}

void sys_mutex_lock(sys_mutex_t *mutex)
{
    /* One thread: a second lock can only be a recursion bug. */
    LWIP_ASSERT("om_lwip: mutex locked twice (one thread)", !mutex->locked);
    mutex->locked = 1;
}

void sys_mutex_unlock(sys_mutex_t *mutex)
{
    mutex->locked = 0;
}

void sys_mutex_free(sys_mutex_t *mutex)
{
    mutex->valid = 0;
}

/* ------------------------------------------------------------ mailboxes */

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
    int i;
    if (size <= 0)
        size = OM_LWIP_MBOX_SLOTS;
    if (size > OM_LWIP_MBOX_SLOTS)
        return ERR_MEM;
    for (i = 0; i < OM_LWIP_MBOXES; i++) {
        struct om_lwip_mbox *mb = &mboxes[i];
        if (!mb->used) {
            memset(mb, 0, sizeof *mb);
            mb->used = 1;
            mb->size = (uint8_t)size;
            *mbox = last_mbox = mb;
            if (++mbox_used > mbox_peak)
                mbox_peak = mbox_used;
            return ERR_OK;
        }
    }
    *mbox = NULL;
    return ERR_MEM;
}

void sys_mbox_free(sys_mbox_t *mbox)
{
    struct om_lwip_mbox *mb = *mbox;
    if (!mb)
        return;
    LWIP_ASSERT("om_lwip: mailbox freed while not empty", mb->n == 0);
    if (mb == tcpip_box)
        tcpip_box = NULL;
    mb->used = 0;
    mbox_used--;
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
    struct om_lwip_mbox *mb = *mbox;
    sys_prot_t p;
    if (!mb)
        return ERR_ARG;
    p = sys_arch_protect();
    if (mb->n >= mb->size) {
        sys_arch_unprotect(p);
        return ERR_MEM;
    }
    mb->msg[(mb->head + mb->n) % OM_LWIP_MBOX_SLOTS] = msg;
    mb->n++;
    sys_arch_unprotect(p);
    return ERR_OK;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
    return sys_mbox_trypost(mbox, msg);
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
    /* A full mailbox empties only when its reader runs: for the tcpip
     * mailbox that is om_lwip_poll; for a netconn's, the application,
     * which is this thread. Wait for the first, fail loudly on the other. */
    while (sys_mbox_trypost(mbox, msg) != ERR_OK) {
        LWIP_ASSERT("om_lwip: post to a full mailbox would block forever",
                    *mbox == tcpip_box && !polling);
        om_lwip_poll();
    }
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
    struct om_lwip_mbox *mb = *mbox;
    u32_t r = wait_for(NULL, &mb->n, timeout);
    if (r != SYS_ARCH_TIMEOUT) {
        sys_prot_t p = sys_arch_protect();
        void *m = mbox_take(mb);
        sys_arch_unprotect(p);
        if (msg)
            *msg = m;
    }
    return r;
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
    struct om_lwip_mbox *mb = *mbox;
    sys_prot_t p;
    void *m;
    if (!mb->n)
        return SYS_MBOX_EMPTY;
    p = sys_arch_protect();
    m = mbox_take(mb);
    sys_arch_unprotect(p);
    if (msg)
        *msg = m;
    return 0;
}

unsigned om_lwip_mboxes_used(void) { return mbox_used; }
unsigned om_lwip_mboxes_peak(void) { return mbox_peak; }

/* -------------------------------------------------------------- threads */

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn thread,
                            void *arg, int stacksize, int prio)
{
    (void)thread;
    (void)arg;
    (void)stacksize;
    (void)prio;
    /* Only tcpip_init asks for a thread; it created its mailbox just
     * before. Its work is done by om_lwip_poll instead. */
    LWIP_ASSERT("om_lwip: no threads but tcpip's",
                name && strcmp(name, TCPIP_THREAD_NAME) == 0);
    LWIP_ASSERT("om_lwip: tcpip_init made no mailbox", last_mbox != NULL);
    tcpip_box = last_mbox;
    return 1;
}
