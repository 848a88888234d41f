/*
 * core_probe.c - what a device links of the core, for `make size`: the
 * fetch path (om_refresh: HTTP, URL, extractor, table, image through a
 * store) and the picker path (om_picker_init, om_picker_feed), plus the
 * table API a firmware prints with and the store path every persistent
 * port calls (the table image with its CRC, the selection record). Linked with --gc-sections for each
 * target, it is never run: the map says what the core costs, and the
 * roots below are where the stack walk starts.
 */
#include "om_fetch.h"
#include "om_picker.h"
#include "ormodels.h"

/* Caller-owned state, sized here so that `nm -S` reports it per target. */
om_table_t om_probe_table;
om_fetcher_t om_probe_fetcher;
om_picker_t om_probe_picker;
uint16_t om_probe_idx[OM_TABLE_CAPACITY];

void om_probe_fetch(const om_transport_t *tr, const om_clock_t *clk,
                    const om_store_t *st);
void om_probe_pick(const om_console_t *con, const om_store_t *st, int byte);
void om_probe_store(om_write_fn w, om_read_fn r, void *ctx, uint8_t *rec);
void om_probe_main(void);

void om_probe_fetch(const om_transport_t *tr, const om_clock_t *clk,
                    const om_store_t *st)
{
    static om_fetch_cfg_t cfg;
    static om_fetch_result_t res;
    om_refresh(&om_probe_fetcher, &cfg, tr, clk, st, &om_probe_table,
               &om_probe_table, OM_REFRESH_INTERVAL_S, 0, &res);
}

void om_probe_pick(const om_console_t *con, const om_store_t *st, int byte)
{
    static om_picker_cfg_t cfg;
    cfg.table = &om_probe_table;
    cfg.idx = om_probe_idx;
    cfg.store = st;
    cfg.console = con;
    if (om_picker_init(&om_probe_picker, &cfg) == 0)
        om_picker_feed(&om_probe_picker, byte);
}

/* What port/flash/om_flash.c and port/linux/om_file.c call of the core. */
void om_probe_store(om_write_fn w, om_read_fn r, void *ctx, uint8_t *rec)
{
    static char sel[OM_ID_MAX + 1];
    if (om_image_size(&om_probe_table) > 0 &&
        om_image_write(&om_probe_table, w, ctx) == 0 &&
        om_sel_encode(sel, rec) > 0)
        (void)om_image_read(&om_probe_table, r, ctx);
    (void)om_sel_decode(rec, OM_SEL_RECORD_MAX, sel, sizeof sel);
    (void)om_crc32(0, rec, OM_SEL_RECORD_MAX);
}

/* The entry point of the probe link: keeps all three paths. */
void om_probe_main(void)
{
    static om_transport_t tr;
    static om_clock_t clk;
    static om_store_t st;
    static om_console_t con;
    static uint8_t rec[OM_SEL_RECORD_MAX];
    om_probe_fetch(&tr, &clk, &st);
    om_probe_store(0, 0, 0, rec);
    om_probe_pick(&con, &st, 'q');
}
