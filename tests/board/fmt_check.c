/*
 * fmt_check.c - boards/qemu-mps2-an386/fmt_an386.c (the net firmware's
 * heap-free snprintf) against the host C library, on the host: the
 * formats Mbed TLS, om_sock and om_tls use, widths, flags, lengths,
 * truncation. Built with -Dsnprintf=fmt_snprintf -Dvsnprintf=fmt_vsnprintf
 * for the board file only.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int fmt_snprintf(char *buf, size_t cap, const char *fmt, ...);

static int bad;

#define T(...)                                                            \
    do {                                                                  \
        char a_[64], b_[64];                                              \
        int x_ = fmt_snprintf(a_, sizeof a_, __VA_ARGS__);                \
        int y_ = snprintf(b_, sizeof b_, __VA_ARGS__);                    \
        if (x_ != y_ || strcmp(a_, b_)) {                                 \
            printf("fmt: %s: got [%s] %d, libc [%s] %d\n", #__VA_ARGS__,  \
                   a_, x_, b_, y_);                                       \
            bad++;                                                        \
        }                                                                 \
    } while (0)

int main(void)
{
    char s[4];
    int n;
    T("%s:%u", "1.2.3.4", 443u);
    T("[%s]:%u", "::1", 8080u);
    T("%s: %s%s (errno %d)", "connect", "refused", "", 111);
    T("%d|%i", -42, 2147483647);
    T("%5d|%-5d|%05d|%3d", 42, -42, -7, 12345);
    T("%02X:%04x:%08x:%02d:%04d", 0xabu, 0x1fu, 0xdeadbeefu, 7, 2026);
    T("%lu %ld %zu", 4000000000ul, -5l, (size_t)77);
    T("%c%%", 'z');
    T("%.*s|%.2s", 3, "abcdef", "xyz");
    T("%p", (void *)0x1234);
    T("%lld %llu", -9000000000ll, 18000000000000000000ull);
    T("%10s|%-4s|", "hi", "x");
    T("%hhu %hu %hhd %hd", 300, 70000, 200, 40000);
    T("%x %X %o", 0u, 255u, 8u);
    T("%s", "");
    n = fmt_snprintf(s, sizeof s, "%s", "abcdef");
    if (n != 6 || strcmp(s, "abc")) {
        printf("fmt: truncation: %d [%s]\n", n, s);
        bad++;
    }
    printf(bad ? "fmt: FAILED (%d)\n" : "fmt: snprintf of the net firmware agrees with libc\n", bad);
    return bad != 0;
}
