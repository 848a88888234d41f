/*
 * startup.c - reset, vector table, FPU, SysTick and faults for the
 * Cortex-M4F of the MPS2 AN386. The C runtime is set up here (data
 * copied, bss zeroed); newlib is used for string functions only.
 */
#include <string.h>

#include "board.h"

#ifdef OM_BOARD_TESTS
#include <stdlib.h>
void initialise_monitor_handles(void);
#endif

extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_bottom[], __stack_top[];

int main(void);
void om_reset_handler(void);

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define SCB_AIRCR (*(volatile uint32_t *)0xE000ED0Cu)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define CPU_HZ 25000000u /* the AN386's 25 MHz */

static volatile uint32_t ms_ticks;

static void fault(void)
{
    board_puts("\nfatal: hard fault\n");
    sh_puts("fatal: hard fault\n");
    sh_exit(3);
}

static void systick(void) { ms_ticks++; }

static void idle_isr(void)
{
    board_puts("\nfatal: unexpected interrupt\n");
    sh_exit(3);
}

typedef void (*vector_t)(void);

__attribute__((section(".vectors"), used))
static const vector_t vectors[16 + 32] = {
    (vector_t)(uintptr_t)__stack_top, om_reset_handler, fault, fault,
    fault, fault, fault, 0, 0, 0, 0, idle_isr, idle_isr, 0, idle_isr, systick,
    /* external interrupts: none used */
    idle_isr, idle_isr, idle_isr, idle_isr, idle_isr, idle_isr, idle_isr,
    idle_isr, idle_isr, idle_isr, idle_isr, idle_isr, idle_isr, idle_isr,
    idle_isr, idle_isr, idle_isr, idle_isr, idle_isr, idle_isr, idle_isr,
    idle_isr, idle_isr, idle_isr, idle_isr, idle_isr, idle_isr, idle_isr,
    idle_isr, idle_isr, idle_isr, idle_isr,
};

void om_reset_handler(void)
{
    uint32_t *s = __data_load, *d = __data_start;
    while (d < __data_end)
        *d++ = *s++;
    for (d = __bss_start; d < __bss_end;)
        *d++ = 0;
    SCB_CPACR |= 0xFu << 20; /* CP10, CP11: the FPU, full access */
    __asm volatile("dsb\n isb" ::: "memory");
    SYST_RVR = CPU_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7; /* processor clock, interrupt, enable */
    board_stack_paint();
#ifdef OM_BOARD_TESTS
    /* test programs: newlib's stdio over semihosting (librdimon); exit()
     * flushes it and reports the status to QEMU */
    initialise_monitor_handles();
    exit(main());
#else
    sh_exit(main());
#endif
}

uint32_t board_ms(void) { return ms_ticks; }

void board_reset(void)
{
    __asm volatile("dsb" ::: "memory");
    SCB_AIRCR = 0x05FA0004u; /* VECTKEY | SYSRESETREQ */
    for (;;)
        ;
}

/* ----------------------------------------------------- stack painting */

#define PAINT 0xC5C5C5C5u

static uint32_t *sp_now(void)
{
    uint32_t *sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

void board_stack_paint(void)
{
    uint32_t *p, *end = sp_now() - 16; /* leave our own frame alone */
    for (p = __stack_bottom; p < end; p++)
        *p = PAINT;
}

uint32_t board_stack_used(void)
{
    uint32_t *p = __stack_bottom;
    while (p < __stack_top && *p == PAINT)
        p++;
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

uint32_t board_stack_size(void)
{
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)__stack_bottom);
}

/* newlib's string functions need no system calls; anything that reaches
 * for the heap fails to link (no _sbrk), which is the point. */
