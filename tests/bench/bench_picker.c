/*
 * bench_picker.c - how long each picker screen takes for a full table.
 *
 *   bench_picker [--once] [IMAGE]
 * Fills a table of OM_TABLE_CAPACITY synthetic models (or loads a table
 * image saved by `ormodels parse --save`), then for each kind of screen
 * times the keystroke that draws it: from feeding the Enter byte to the
 * last byte written (into a RAM sink, so the terminal's speed is not
 * measured). Prints the mean and worst wall time per screen. With --once
 * each screen is drawn once between callgrind client requests, and each
 * is dumped under its own name: `make bench-picker` reads the instruction
 * counts from those dumps.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "om_picker.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#endif

static om_table_t tab;
static uint16_t idx[OM_TABLE_CAPACITY];
static om_picker_t pk;
static unsigned long sink_bytes;
static char sink[4096];

static int sink_write(void *ctx, const void *buf, size_t len)
{
    (void)ctx;
    memcpy(sink, buf, len < sizeof sink ? len : sizeof sink);
    sink_bytes += len;
    return OM_OK;
}
static int no_load(void *ctx, om_table_t *t)
{
    (void)ctx;
    (void)t;
    return OM_ERR_NOTFOUND;
}
static int no_save(void *ctx, const om_table_t *t)
{
    (void)ctx;
    (void)t;
    return OM_ERR_IO;
}
static int sel_load(void *ctx, char *buf, size_t cap)
{
    (void)ctx;
    (void)buf;
    (void)cap;
    return OM_ERR_NOTFOUND;
}
static int sel_save(void *ctx, const char *id)
{
    (void)ctx;
    (void)id;
    return OM_OK;
}
static const om_store_t store = {NULL, no_load, no_save, sel_load, sel_save};
static const om_console_t con = {NULL, NULL, sink_write};

static void synthetic(void)
{
    static const char *const vendors[] = {
        "openai", "anthropic", "google", "meta-llama", "mistralai", "qwen",
        "deepseek", "x-ai", "nousresearch", "cohere"};
    static const char *const words[] = {"pro", "mini", "flash", "turbo",
                                        "instruct", "chat", "coder", "vision"};
    size_t i;
    om_table_init(&tab);
    for (i = 0; tab.count < OM_TABLE_CAPACITY; i++) {
        char id[OM_ID_MAX + 1], name[OM_NAME_MAX + 1], in[24], out[24];
        om_model_t m;
        memset(&m, 0, sizeof m);
        snprintf(id, sizeof id, "%s/%s-%s-%u%s", vendors[i % 10],
                 words[i % 8], words[(i / 8) % 8], (unsigned)i,
                 i % 7 == 0 ? ":free" : "");
        snprintf(name, sizeof name, "%s: %s %s %u", vendors[i % 10],
                 words[i % 8], words[(i / 8) % 8], (unsigned)i);
        if (i % 7 == 0) {
            strcpy(in, "0");
            strcpy(out, "0");
        } else {
            snprintf(in, sizeof in, "0.%08u", (unsigned)(i * 7919u % 9999999u));
            snprintf(out, sizeof out, "0.%08u", (unsigned)(i * 104729u % 9999999u));
        }
        om_price_parse(in, strlen(in), &m.prompt);
        om_price_parse(out, strlen(out), &m.completion);
        m.context_length = (uint32_t)(4096u << (i % 9));
        m.created = (uint32_t)(1700000000u + i * 86413u % 60000000u);
        m.seq = (uint16_t)i;
        m.id_len = (uint8_t)strlen(id);
        m.name_len = (uint8_t)strlen(name);
        om_table_put(&tab, &m, id, name);
    }
    /* The plan's popular models, so the main screen has rows. */
    for (i = 0; i < 5; i++) {
        om_model_t m;
        const char *id = om_picker_popular_default[i];
        memset(&m, 0, sizeof m);
        m.prompt = m.completion = OM_PRICE_NONE;
        m.created = 2000000000u; /* newest: never evicted */
        m.id_len = (uint8_t)strlen(id);
        m.name_len = 0;
        om_table_put(&tab, &m, id, "");
    }
    tab.updated_at = 1770854400;
}

static int load_image(const char *path)
{
    static unsigned char img[sizeof(om_table_t) + 4096];
    FILE *f = fopen(path, "rb");
    size_t n;
    if (!f)
        return -1;
    n = fread(img, 1, sizeof img, f);
    fclose(f);
    return om_image_load(&tab, img, n) == OM_OK ? 0 : -1;
}

struct screen {
    const char *name;
    const char *setup; /* keys before, each line ended by \r */
    const char *keys;  /* the command; its Enter is what is timed */
};

static const struct screen screens[] = {
    {"main (popular)", "a\r", "q"},
    {"all, by id", "", "a"},
    {"all, next page", "a\r", "n"},
    {"all, by price (sort)", "a\r", "o"},
    {"all, by newest (sort)", "a\ro\ro\r", "o"},
    {"all, free only", "a\r", "f"},
    {"search 'pro' (many)", "", "s pro"},
    {"search 'turbo-coder' (few)", "", "s turbo-coder"},
    {"search miss", "", "s zzzz"},
    {"last page by price", "o\ra\rn\rn\rn\rn\rn\rn\rn\rn\rn\rn\rn\rn\rn\r"
                           "n\rn\rn\rn\rn\rn\rn\rn\rn\rn\rn\rn\rn\rn\r", "n"},
};
#define NSCREENS (sizeof screens / sizeof screens[0])

static void start(void)
{
    om_picker_cfg_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.table = &tab;
    cfg.idx = idx;
    cfg.store = &store;
    cfg.console = &con;
    if (om_picker_init(&pk, &cfg) != OM_OK)
        exit(1);
}

static void keys(const char *s)
{
    for (; *s; s++)
        om_picker_feed(&pk, (unsigned char)*s);
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    int once = 0, a, reps;
    const char *image = NULL;
    size_t s;
    double worst_all = 0;
    for (a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--once"))
            once = 1;
        else
            image = argv[a];
    }
    if (image ? load_image(image) != 0 : (synthetic(), 0)) {
        fprintf(stderr, "bench_picker: cannot load %s\n", image);
        return 1;
    }
    reps = once ? 1 : 2000;
    if (!once)
        printf("picker screens, %u models (%s), %d runs each, sizeof "
               "om_picker_t %u bytes + index %u bytes\n",
               (unsigned)tab.count, image ? image : "synthetic", reps,
               (unsigned)sizeof(om_picker_t), (unsigned)sizeof idx);
    for (s = 0; s < NSCREENS; s++) {
        double sum = 0, worst = 0;
        unsigned long bytes = 0;
        int r;
        for (r = 0; r < reps; r++) {
            double t0, dt;
            start();
            keys(screens[s].setup);
            keys(screens[s].keys);
            sink_bytes = 0;
            if (once)
                CALLGRIND_START_INSTRUMENTATION;
            t0 = now_us();
            om_picker_feed(&pk, '\r');
            dt = now_us() - t0;
            if (once) {
                CALLGRIND_STOP_INSTRUMENTATION;
                CALLGRIND_DUMP_STATS_AT(screens[s].name);
            }
            bytes = sink_bytes;
            sum += dt;
            if (dt > worst)
                worst = dt;
        }
        if (worst > worst_all)
            worst_all = worst;
        if (!once)
            printf("  %-28s %5lu bytes  mean %8.1f us  worst %8.1f us\n",
                   screens[s].name, bytes, sum / reps, worst);
    }
    if (!once)
        printf("slowest screen: %.1f us (budget 50000 us)\n", worst_all);
    return 0;
}
