/*
 * bench_extract.c - runs the extractor over a catalogue held in memory.
 *
 *   bench_extract FILE [REPEAT [CHUNK]]
 * Reads FILE (a test tool: it may use the heap), then feeds it REPEAT
 * times (default 1) in CHUNK-byte pieces (default 16384) and prints the
 * models kept, MB/s and the sizes of the state involved. `make bench`
 * runs it under callgrind to count instructions per input byte.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ormodels.h"

static om_table_t table;
static om_extractor_t x;

int main(int argc, char **argv)
{
    FILE *f;
    long n;
    char *buf;
    int repeat = argc > 2 ? atoi(argv[2]) : 1, r, e = 0;
    size_t chunk = argc > 3 ? (size_t)atol(argv[3]) : 16384, off;
    struct timespec t0, t1;
    double secs;

    if (argc < 2 || !(f = fopen(argv[1], "rb"))) {
        fprintf(stderr, "usage: bench_extract FILE [REPEAT [CHUNK]]\n");
        return 2;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        return 1;
    fclose(f);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (r = 0; r < repeat; r++) {
        om_extract_init(&x, &table, NULL, 0);
        for (off = 0; off < (size_t)n && !e; off += chunk)
            e = om_extract_feed(&x, buf + off,
                                (size_t)n - off < chunk ? (size_t)n - off : chunk);
        if (!e)
            e = om_extract_finish(&x);
        if (e) {
            char msg[128];
            fprintf(stderr, "%s\n", om_extract_error(&x, msg, sizeof msg));
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("bytes=%ld models=%u repeat=%d seconds=%.4f MBps=%.1f "
           "table_ram=%zu extractor_ram=%zu window=%d\n",
           n, (unsigned)table.count, repeat, secs,
           (double)n * repeat / secs / 1e6, sizeof(om_table_t),
           sizeof(om_extractor_t), OM_WINDOW_SIZE);
    free(buf);
    return 0;
}
