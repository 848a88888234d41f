/*
 * uart.c - the console on CMSDK APB UART0 of the MPS2 (0x40004000),
 * polled; QEMU wires it to its first serial port (the terminal with
 * -nographic).
 */
#include "board.h"

typedef struct {
    volatile uint32_t data;
    volatile uint32_t state; /* bit 0 TX full, bit 1 RX full */
    volatile uint32_t ctrl;  /* bit 0 TX enable, bit 1 RX enable */
    volatile uint32_t intstatus;
    volatile uint32_t bauddiv;
} cmsdk_uart_t;

#define UART0 ((cmsdk_uart_t *)0x40004000u)

void board_uart_init(void)
{
    UART0->bauddiv = 25000000u / 115200u;
    UART0->ctrl = 3;
}

void board_putc(char c)
{
    while (UART0->state & 1u)
        ;
    UART0->data = (uint8_t)c;
}

void board_puts(const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            board_putc('\r');
        board_putc(*s);
    }
}

void board_put_u32(uint32_t v)
{
    char b[11];
    int i = 10;
    b[i] = '\0';
    do {
        b[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    board_puts(b + i);
}

int board_getc(uint32_t timeout_ms)
{
    uint32_t t0 = board_ms();
    for (;;) {
        if (UART0->state & 2u)
            return (int)(UART0->data & 0xFFu);
        if (timeout_ms != UINT32_MAX && board_ms() - t0 >= timeout_ms)
            return -1;
        __asm volatile("wfi");
    }
}

static int con_read(void *ctx, uint32_t timeout_ms)
{
    int c = board_getc(timeout_ms);
    (void)ctx;
    return c < 0 ? OM_ERR_TIMEOUT : c;
}

static int con_write(void *ctx, const void *buf, size_t len)
{
    const char *p = (const char *)buf;
    (void)ctx;
    while (len--)
        board_putc(*p++);
    return 0;
}

const om_console_t board_console = {0, con_read, con_write};
