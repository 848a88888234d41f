/*
 * main.c - the qemu-mps2-an386 firmware: the model table of a small
 * device, kept in flash, shown and chosen from on the UART console.
 *
 * At boot the table and the selection come back from the flash store (or
 * the built-in defaults when nothing was saved). The catalogue arrives in
 * 512-byte chunks from a host file through semihosting, standing in for
 * the network: the bytes go through the same extractor as a fetch's body.
 * Only a complete catalogue is saved; after a bad one the table is read
 * back from flash.
 *
 * Semihosting command line (-semihosting-config arg=...):
 *   flash=PATH   host file behind the NOR flash (default: RAM only)
 *   feed=PATH    default catalogue for `fetch`
 *   run=CMD      run one command at boot (e.g. run=pick)
 *
 * Built with NET=1 (-DOM_BOARD_NET) it is the net firmware: lwIP 2.2 on
 * the LAN9118 Ethernet controller, Mbed TLS 3.6 and the baked root CAs
 * are linked in with the whole fetch path (om_refresh over om_tls over
 * om_sock over lwIP), and the shell has `tls`, `net`, `connect`,
 * `update`, `clock` and `json`. More semihosting arguments:
 *   ip=A.B.C.D mask=M gw=G   a static address (default: DHCP)
 *   dns=A.B.C.D              the DNS server (default: DHCP's)
 *   url=URL                  what `update` fetches (default: OpenRouter's)
 * lwIP runs while the shell waits for a key, so ARP, DHCP and TCP's
 * timers keep going between commands.
 */
#include <string.h>

#include "board.h"
#include "ormodels.h"

#ifdef OM_BOARD_NET
#include <stdlib.h>

#include "net_an386.h"
#include "om_fetch.h"
#include "om_lwip.h"
#include "om_sock.h"
#include "om_tls.h"
#endif

#define FEED_CHUNK 512
#define LINE_MAX 160

static om_table_t table;          /* the live table, 45 KB */
#ifdef OM_BOARD_NET
static om_fetcher_t fetcher;      /* the network fetch, 5.6 KB */
static om_tls_t tls;              /* TLS context; its heap is the pool */
#define extractor (fetcher.x)     /* the host feed shares its extractor */
#else
static om_extractor_t extractor;  /* 1.4 KB */
#endif
static om_picker_t picker;
static uint16_t idx[OM_TABLE_CAPACITY];
static om_nor_t nor;
static om_flash_t flash;
static om_store_t store;
static uint8_t chunk[FEED_CHUNK];
static char cmdline[256];
static const char *flash_path, *feed_path, *boot_cmd;
#ifdef OM_BOARD_NET
static board_net_cfg_t net_cfg;
static const char *update_url;
#endif
static om_picker_source_t source = OM_PICKER_SRC_NO_TABLE;

static void say(const char *a, const char *b)
{
    board_puts(a);
    if (b)
        board_puts(b);
    board_puts("\n");
}

static void say_err(const char *what, int e)
{
    board_puts(what);
    board_puts(": ");
    board_puts(om_strerror(e));
    board_puts("\n");
}

/* Splits the semihosting command line into key=value words. */
static void parse_cmdline(void)
{
    char *p = cmdline;
    if (sh_cmdline(cmdline, sizeof cmdline) != 0)
        return;
    while (*p) {
        char *w = p;
        while (*p && *p != ' ')
            p++;
        if (*p)
            *p++ = '\0';
        if (strncmp(w, "flash=", 6) == 0)
            flash_path = w + 6;
        else if (strncmp(w, "feed=", 5) == 0)
            feed_path = w + 5;
        else if (strncmp(w, "run=", 4) == 0)
            boot_cmd = w + 4;
#ifdef OM_BOARD_NET
        else if (strncmp(w, "ip=", 3) == 0)
            net_cfg.ip = w + 3;
        else if (strncmp(w, "mask=", 5) == 0)
            net_cfg.mask = w + 5;
        else if (strncmp(w, "gw=", 3) == 0)
            net_cfg.gw = w + 3;
        else if (strncmp(w, "dns=", 4) == 0)
            net_cfg.dns = w + 4;
        else if (strncmp(w, "url=", 4) == 0)
            update_url = w + 4;
#endif
    }
}

static void load_table(void)
{
    int e = store.load(store.ctx, &table);
    if (e == OM_OK) {
        board_puts("table: ");
        board_put_u32(table.count);
        board_puts(" models from flash\n");
        source = OM_PICKER_SRC_CATALOGUE;
#ifdef OM_BOARD_NET
        board_time_floor_raise(table.updated_at); /* it was that late once */
#endif
        return;
    }
    if (e == OM_ERR_NOTFOUND)
        say("table: none saved, built-in defaults", 0);
    else
        say_err("table: flash unreadable, built-in defaults", e);
    om_table_load_defaults(&table);
    source = OM_PICKER_SRC_NO_TABLE;
}

static void show_selection(void)
{
    char id[OM_ID_MAX + 1];
    int e = store.sel_load(store.ctx, id, sizeof id);
    if (e > 0)
        say("selected: ", id);
    else if (e == OM_ERR_NOTFOUND)
        say("selected: none", 0);
    else
        say_err("selected: unreadable", e);
}

/* ------------------------------------------------------------- commands */

static void pad(const char *s, size_t w, int right)
{
    size_t n = strlen(s);
    if (right)
        while (n < w) {
            board_putc(' ');
            n++;
        }
    board_puts(s);
    if (!right)
        while (n < w) {
            board_putc(' ');
            n++;
        }
}

static void cmd_list(const char *term)
{
    om_filter_t f;
    int n, i;
    memset(&f, 0, sizeof f);
    f.term = term && *term ? term : 0;
    n = om_table_select(&table, &f, OM_ORDER_ID, idx, OM_TABLE_CAPACITY);
    say("MODEL                                              IN $/M  OUT $/M CONTEXT", 0);
    for (i = 0; i < n && i < OM_TABLE_CAPACITY; i++) {
        const om_model_t *m = om_table_at(&table, idx[i]);
        char in[OM_PRICE_STR_MAX], out[OM_PRICE_STR_MAX], ctx[8];
        const char *id = om_model_id(&table, m);
        om_price_format_per_million(m->prompt, 4, in, sizeof in);
        om_price_format_per_million(m->completion, 4, out, sizeof out);
        om_format_context(m->context_length, ctx);
        if (strlen(id) > 50) { /* a long id gets a line of its own */
            board_puts(id);
            board_puts("\n");
            id = "";
        }
        pad(id, 50, 0);
        pad(in, 8, 1);
        board_putc(' ');
        pad(out, 8, 1);
        board_putc(' ');
        pad(ctx, 7, 1);
        board_puts("\n");
    }
    board_put_u32((uint32_t)n);
    board_puts(" models\n");
}

static int uart_write(void *ctx, const void *buf, size_t len)
{
    return board_console.write(ctx, buf, len);
}

/* The table as the CLI's `list --json` prints it, on one line. */
static void cmd_json(void)
{
    int e = om_json_write_models(&table, 0, 0, uart_write, 0);
    board_puts("\n");
    if (e)
        say_err("json", e);
}

/* Streams a host file through the extractor into the table, in chunks,
 * as a fetch streams a response body. */
static void cmd_fetch(const char *path)
{
    static char pin[OM_ID_MAX + 1];
    static const char *pinned[1];
    char msg[96];
    int fd, e = 0, npin = 0;
    long left;
    uint32_t t0 = board_ms();

    if (!path || !*path)
        path = feed_path;
    if (!path) {
        say("fetch: no file (fetch PATH, or feed=PATH at boot)", 0);
        return;
    }
    if ((fd = sh_open(path, 1 /* rb */)) < 0) {
        say("fetch: cannot open ", path);
        return;
    }
    if (store.sel_load(store.ctx, pin, sizeof pin) > 0) { /* keep the choice */
        pinned[0] = pin;
        npin = 1;
    }
    left = sh_flen(fd);
    om_extract_init(&extractor, &table, pinned, (size_t)npin);
    while (left > 0 && e == 0) {
        size_t n = left < FEED_CHUNK ? (size_t)left : FEED_CHUNK;
        if (sh_read(fd, chunk, n) != 0) {
            e = OM_ERR_IO;
            break;
        }
        e = om_extract_feed(&extractor, chunk, n);
        left -= (long)n;
    }
    sh_close(fd);
    if (e == 0)
        e = om_extract_finish(&extractor);
    if (e != 0) {
        say("fetch failed: ", om_extract_error(&extractor, msg, sizeof msg));
        load_table(); /* the partial table is not kept */
        return;
    }
    board_put_u32(table.count);
    board_puts(" models kept, ");
    board_put_u32(extractor.stats.dropped);
    board_puts(" dropped, ");
    board_put_u32(extractor.stats.long_ids + extractor.stats.invalid);
    board_puts(" skipped (");
    board_put_u32(board_ms() - t0);
    board_puts(" ms)\n");
    e = store.save(store.ctx, &table);
    if (e != 0) {
        say_err("save failed", e);
        return;
    }
    source = OM_PICKER_SRC_CATALOGUE;
    say("saved to flash", 0);
}

static void cmd_pick(void)
{
    om_picker_cfg_t cfg;
    int e;
    memset(&cfg, 0, sizeof cfg);
    cfg.table = &table;
    cfg.idx = idx;
    cfg.store = &store;
    cfg.console = &board_console;
    cfg.source = source;
    if ((e = om_picker_init(&picker, &cfg)) < 0) {
        say_err("pick", e);
        return;
    }
    e = om_picker_run(&picker, 100);
    if (e < 0)
        say_err("pick", e);
    board_puts("\n");
}

static void cmd_select(const char *id)
{
    int e;
    if (om_table_find(&table, id, strlen(id)) < 0) {
        say("select: no such model: ", id);
        return;
    }
    if ((e = store.sel_save(store.ctx, id)) < 0)
        say_err("select", e);
    else
        say("selected: ", id);
}

static void cmd_mem(void)
{
    board_puts("RAM: table ");
    board_put_u32((uint32_t)sizeof table);
    board_puts(", extractor ");
    board_put_u32((uint32_t)sizeof extractor);
    board_puts(", picker ");
    board_put_u32((uint32_t)(sizeof picker + sizeof idx));
    board_puts(", flash store ");
    board_put_u32((uint32_t)sizeof flash);
#ifdef OM_BOARD_NET
    board_puts(", fetcher ");
    board_put_u32((uint32_t)sizeof fetcher);
    board_puts(", TLS pool ");
    board_put_u32((uint32_t)om_tls_pool_size());
    board_puts(" + context ");
    board_put_u32((uint32_t)sizeof tls);
    board_puts(", lwIP ");
    board_put_u32(board_net_ram());
#endif
    board_puts("; stack used ");
    board_put_u32(board_stack_used());
    board_puts(" of ");
    board_put_u32(board_stack_size());
    board_puts("\n");
}

#ifdef OM_BOARD_NET
static void pool_line(void)
{
    board_puts("tls: pool ");
    board_put_u32((uint32_t)om_tls_pool_in_use());
    board_puts(" of ");
    board_put_u32((uint32_t)om_tls_pool_size());
    board_puts(" bytes in use, high-water ");
    board_put_u32((uint32_t)om_tls_pool_high_water());
    board_puts("\n");
}

/* Parses the baked roots into the pool (once; later calls report). */
static int tls_up(void)
{
    int e;
    uint32_t t0 = board_ms();
    if (tls.inited)
        return 0;
    if ((e = om_tls_init(&tls, om_board_cas, om_board_cas_len)) != 0) {
        say("tls: init failed: ", om_tls_error(&tls));
        return e;
    }
    board_puts("tls: ");
    board_put_u32((uint32_t)tls.ca_parsed);
    board_puts(" of ");
    board_put_u32(om_board_cas_count);
    board_puts(" baked roots parsed, ");
    board_put_u32((uint32_t)tls.ca_skipped);
    board_puts(" skipped (");
    board_put_u32((uint32_t)om_board_cas_len);
    board_puts(" bytes DER, ");
    board_put_u32(board_ms() - t0);
    board_puts(" ms)\n");
    return 0;
}

static void cmd_tls(void)
{
    unsigned i;
    if (tls_up() != 0)
        return;
    for (i = 0; om_board_ca_names[i]; i++)
        say("tls: root ", om_board_ca_names[i]);
    board_puts("tls: pool idle after init ");
    board_put_u32((uint32_t)tls.pool_idle);
    board_puts("\n");
    pool_line();
}

/* A TCP connection through lwIP's sockets (om_sock): exercises the
 * cooperative waits. When nobody answers it must fail, not hang. */
static void cmd_connect(char *arg)
{
    static om_sock_t s;
    char *port = arg;
    uint32_t t0 = board_ms();
    int e;
    while (*port && *port != ' ')
        port++;
    if (*port)
        *port++ = '\0';
    if (!*arg)
        arg = "10.0.2.2";
    e = om_sock_connect(&s, arg, (uint16_t)(*port ? (unsigned)atoi(port) : 443u),
                        2000);
    if (e == 0) {
        say("connect: connected to ", arg);
        om_sock_close(&s);
    } else {
        board_puts("connect: ");
        board_puts(om_strerror(e));
        board_puts(": ");
        board_puts(s.err);
        board_puts("\n");
    }
    board_puts("connect: ");
    board_put_u32(board_ms() - t0);
    board_puts(" ms\n");
}

static uint32_t clk_ms(void *ctx) { (void)ctx; return board_ms(); }
static int64_t clk_unix(void *ctx) { (void)ctx; return board_unix_s(); }

/* The TLS transport, noting when each connection's first bytes of
 * response arrived: the moment its Date header speaks of. */
static struct {
    om_transport_t tls;
    uint32_t head_ms;
    uint8_t head_seen;
} stamp;

static int st_open(void *ctx, const char *host, uint16_t port, int tls_on,
                   uint32_t timeout_ms)
{
    (void)ctx;
    stamp.head_seen = 0;
    return stamp.tls.open(stamp.tls.ctx, host, port, tls_on, timeout_ms);
}

static int st_send(void *ctx, const void *buf, size_t len, uint32_t ms)
{
    (void)ctx;
    return stamp.tls.send(stamp.tls.ctx, buf, len, ms);
}

static int st_recv(void *ctx, void *buf, size_t cap, uint32_t ms)
{
    int r = stamp.tls.recv(stamp.tls.ctx, buf, cap, ms);
    (void)ctx;
    if (r > 0 && !stamp.head_seen) {
        stamp.head_seen = 1;
        stamp.head_ms = board_ms();
    }
    return r;
}

static void st_close(void *ctx)
{
    (void)ctx;
    stamp.tls.close(stamp.tls.ctx);
}

static const char *st_error(void *ctx)
{
    (void)ctx;
    return stamp.tls.error(stamp.tls.ctx);
}

static void clock_line(void)
{
    char d[21];
    int64_t now = board_unix_s();
    if (now) {
        om_format_time(now, d);
        say("clock: ", d);
    } else {
        om_format_time(board_time_floor(), d);
        board_puts("clock: unknown (no RTC); certificates are checked "
                   "against the floor ");
        say(d, 0);
    }
}

/* om_refresh over TLS through lwIP and the LAN9118: the whole fetch path
 * of a device. The popular models and the choice are pinned, as the CLI
 * pins them. Afterwards: the clock from the Date header, and the peaks
 * of the fetch (TLS pool, lwIP, stack). */
static void cmd_update(const char *url)
{
    static om_fetch_cfg_t cfg;
    static om_fetch_result_t res;
    static const char *pins[OM_PINNED_MAX];
    static char chosen[OM_ID_MAX + 1];
    om_transport_t tr = {0, st_open, st_send, st_recv, st_close, st_error};
    om_clock_t clk = {0, clk_ms, clk_unix};
    size_t i, npin = 0;
    uint32_t t0;
    int out;
    if (tls_up() != 0)
        return;
    if (!board_net_wait(15000)) /* DHCP's first lease; then the fetch
                                   * says what failed */
        say("net: no link or no address yet", 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url && *url ? url : update_url;
    for (i = 0; i < sizeof om_picker_popular_default /
                    sizeof om_picker_popular_default[0] && npin + 1 < OM_PINNED_MAX; i++)
        pins[npin++] = om_picker_popular_default[i];
    if (store.sel_load(store.ctx, chosen, sizeof chosen) > 0)
        pins[npin++] = chosen;
    cfg.pinned = pins;
    cfg.npinned = npin;
    cfg.connect_timeout_ms = 10000;
    cfg.read_timeout_ms = 15000;
    cfg.deadline_ms = 300000;
    om_tls_transport(&tls, &stamp.tls);
    tls.time_floor = board_unix_s() == 0;
    om_tls_pool_reset_high_water();
    board_stack_paint();
    t0 = board_ms();
    out = om_refresh(&fetcher, &cfg, &tr, &clk, &store, &table, &table, 0,
                     OM_REFRESH_FORCE, &res);
    board_puts("update: ");
    board_puts(om_refresh_name(out));
    board_puts(": ");
    board_puts(res.msg);
    board_puts(" (");
    board_put_u32(board_ms() - t0);
    board_puts(" ms)\n");
    if (out == OM_REFRESH_UPDATED)
        source = OM_PICKER_SRC_CATALOGUE;
    /* Every verified response's Date re-sets the clock (it only came
     * over TLS): board_ms wraps after 49 days, a daily fetch keeps up. */
    if (res.server_date > 0 && stamp.head_seen)
        board_clock_set(res.server_date +
                        (int64_t)((board_ms() - stamp.head_ms) / 1000u));
    clock_line();
    pool_line();
    board_puts("peak: stack ");
    board_put_u32(board_stack_used());
    board_puts(" of ");
    board_put_u32(board_stack_size());
    board_puts(" (painted)\n");
    board_net_peaks();
}
#endif

static void help(void)
{
    say("commands:\n"
        "  list [TERM]   the table (models whose id or name contain TERM)\n"
        "  json          the table as JSON (the CLI's list --json)\n"
        "  pick          choose the model on the serial picker\n"
        "  select ID     choose a model by id\n"
        "  sel           the saved choice\n"
        "  fetch [PATH]  stream a catalogue from the host, save it to flash\n"
        "  mem           RAM use and stack high-water (stack repainted)\n"
#ifdef OM_BOARD_NET
        "  tls           parse the baked root CAs, show the TLS pool\n"
        "  net           the network interface and lwIP's memory\n"
        "  connect [HOST [PORT]]  a TCP connection through lwIP (2 s)\n"
        "  update [URL]  om_refresh over TLS (default url= or OpenRouter),\n"
        "                save to flash; then the clock and the peaks\n"
        "  clock         the wall clock (unknown until a server's Date)\n"
#endif
        "  reboot        reset the CPU (the table comes back from flash)\n"
        "  quit          stop QEMU", 0);
}

static int run(char *line)
{
    char *arg = line;
    while (*arg && *arg != ' ')
        arg++;
    if (*arg)
        *arg++ = '\0';
    while (*arg == ' ')
        arg++;
    if (!*line)
        return 0;
    if (!strcmp(line, "list"))
        cmd_list(arg);
    else if (!strcmp(line, "json"))
        cmd_json();
    else if (!strcmp(line, "pick"))
        cmd_pick();
    else if (!strcmp(line, "select"))
        cmd_select(arg);
    else if (!strcmp(line, "sel"))
        show_selection();
    else if (!strcmp(line, "fetch"))
        cmd_fetch(arg);
    else if (!strcmp(line, "mem")) {
        cmd_mem();
        board_stack_paint();
    }
#ifdef OM_BOARD_NET
    else if (!strcmp(line, "tls"))
        cmd_tls();
    else if (!strcmp(line, "net"))
        board_net_status();
    else if (!strcmp(line, "connect"))
        cmd_connect(arg);
    else if (!strcmp(line, "update"))
        cmd_update(arg);
    else if (!strcmp(line, "clock"))
        clock_line();
#endif
    else if (!strcmp(line, "reboot"))
        board_reset();
    else if (!strcmp(line, "quit"))
        return 1;
    else if (!strcmp(line, "help"))
        help();
    else
        say("unknown command (help lists them): ", line);
    return 0;
}

/* One line from the UART, echoed, with backspace. Returns -1 when no
 * byte comes for a long time (the host went away). */
static int read_line(char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
#ifdef OM_BOARD_NET
        int c = board_getc(0);
        if (c < 0) { /* lwIP runs while nobody types */
            om_lwip_poll();
            om_lwip_idle();
            continue;
        }
#else
        int c = board_getc(UINT32_MAX);
#endif
        if (c == '\r' || c == '\n') {
            board_puts("\n");
            buf[n] = '\0';
            return (int)n;
        }
        if ((c == 8 || c == 127) && n > 0) {
            n--;
            board_puts("\b \b");
        } else if (c >= 0x20 && c < 0x7F && n + 1 < cap) {
            buf[n++] = (char)c;
            board_putc((char)c);
        }
    }
}

int main(void)
{
    static char line[LINE_MAX];
    board_uart_init();
    say("\normodels " OM_VERSION " on qemu-mps2-an386 (Cortex-M4F, 128 KB RAM)", 0);
    parse_cmdline();
#ifdef OM_BOARD_NET
    {
        const char *why;
        if (board_net_init(&net_cfg, &why) != 0)
            say("net: lwIP did not start: ", why);
        else
            say("net: lwIP up, LAN9118 e0, ",
                net_cfg.ip ? "static address" : "DHCP");
    }
#endif
    if (board_nor_init(&nor, flash_path) != 0)
        say("flash: host file unusable, RAM only: ", flash_path);
    if (om_flash_init(&flash, &nor, 0, board_nor_size(), &store) != 0) {
        say("flash: bad geometry", 0);
        return 1;
    }
    load_table();
    show_selection();
    if (boot_cmd) {
        strncpy(line, boot_cmd, sizeof line - 1);
        if (run(line))
            return 0;
    }
    for (;;) {
        board_puts("> ");
        if (read_line(line, sizeof line) < 0)
            return 0;
        if (run(line))
            return 0;
    }
}
