/*
 * cmd_select.c - `select` (the onboarding picker) and `selected`.
 *
 * select: the refresh policy first (a fetch when due, else the saved
 * table or the defaults, with the notice on stderr), then the picker over
 * stdin. The screens go to stdout, except when stdout is captured while
 * stdin and stderr are a terminal (id=$(ormodels select | tail -n 1)):
 * then they go to stderr so the user still sees them. The chosen id is
 * the last line on stdout. Exit: 0 chosen, 1 quit or input ended, 130
 * Ctrl-C. In a terminal the TTY is raw while the picker runs and restored
 * on every way out (om_console_linux.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "om_console_linux.h"
#include "om_picker.h"

static om_picker_t picker;
static uint16_t picker_idx[OM_TABLE_CAPACITY];

/* Where the table came from, for the picker's header line. */
static om_picker_source_t source_of(struct om_cli *c, int outcome)
{
    switch (outcome) {
    case OM_REFRESH_STALE:
        return OM_PICKER_SRC_STALE;
    case OM_REFRESH_DEFAULTS:
        return OM_PICKER_SRC_DEFAULTS;
    case OM_REFRESH_OFFLINE:
        /* Saved table or defaults: only the store can tell. */
        return c->store.load(c->store.ctx, &cli_scratch) == OM_OK
                   ? OM_PICKER_SRC_CATALOGUE
                   : OM_PICKER_SRC_NO_TABLE;
    default:
        return OM_PICKER_SRC_CATALOGUE;
    }
}

int cmd_select(struct om_cli *c)
{
    om_fetch_result_t res;
    om_console_fd_t cf;
    om_console_t con;
    om_picker_cfg_t cfg;
    int out, rc, raw = 0, screen_fd = STDOUT_FILENO;

    out = cli_refresh(c, 0, &res);
    if (out < 0)
        return 1;
    if (isatty(STDIN_FILENO) && !isatty(STDOUT_FILENO) &&
        isatty(STDERR_FILENO))
        screen_fd = STDERR_FILENO;
    if (isatty(STDIN_FILENO)) {
        int e = om_tty_raw_enter(STDIN_FILENO);
        if (e != OM_OK)
            fprintf(stderr, "ormodels: cannot put the terminal in raw mode "
                            "(%s); lines need Enter\n", strerror(errno));
        raw = e == OM_OK;
    }
    om_console_fd_init(&cf, STDIN_FILENO, screen_fd, &con);
    memset(&cfg, 0, sizeof cfg);
    cfg.table = &cli_table;
    cfg.idx = picker_idx;
    cfg.store = &c->store;
    cfg.console = &con;
    cfg.source = source_of(c, out);
    if (cli_config.npopular) {
        static const char *pop[OM_PINNED_MAX];
        cfg.popular = pop;
        cfg.npopular = cli_popular(pop, OM_PINNED_MAX);
    }
    rc = om_picker_init(&picker, &cfg);
    if (rc == OM_OK)
        rc = om_picker_run(&picker, 1000);
    if (raw)
        om_tty_raw_leave();

    switch (rc) {
    case OM_PICKER_CHOSEN:
        printf("%s\n", om_picker_chosen(&picker));
        return fflush(stdout) == 0 ? 0 : 1;
    case OM_PICKER_CANCEL:
        return 130; /* as a shell reports Ctrl-C */
    case OM_PICKER_QUIT:
    case OM_PICKER_EOF:
        return 1;
    default:
        if (rc == OM_ERR_IO && errno)
            fprintf(stderr, "ormodels: select: %s (%s)\n", om_strerror(rc),
                    strerror(errno));
        else
            fprintf(stderr, "ormodels: select: %s\n", om_strerror(rc));
        return 1;
    }
}

int cmd_selected(struct om_cli *c)
{
    char id[OM_ID_MAX + 1];
    int n, e;
    if (cli_open_store(c))
        return 1;
    n = c->store.sel_load(c->store.ctx, id, sizeof id);
    if (n == OM_ERR_NOTFOUND) {
        fprintf(stderr, "ormodels: no model selected yet (run: ormodels "
                        "select)\n");
        return 1;
    }
    if (n < 0) {
        fprintf(stderr, "ormodels: cannot read the selection %s.sel: %s\n",
                c->cache_path,
                n == OM_ERR_IO ? strerror(errno) : om_strerror(n));
        return 1;
    }
    printf("%s\n", id);
    /* Listed or not: the saved table, or the defaults when there is none.
     * No fetch: this is a query. */
    e = c->store.load(c->store.ctx, &cli_table);
    if (e != OM_OK)
        e = om_table_load_defaults(&cli_table);
    if (e == OM_OK && om_table_find(&cli_table, id, (size_t)n) < 0)
        fprintf(stderr, "(not listed) %s is not in the current table\n", id);
    return fflush(stdout) == 0 ? 0 : 1;
}
