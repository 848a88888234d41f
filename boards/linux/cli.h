/*
 * cli.h - what the commands of the ormodels tool share.
 *
 * main.c parses the options (before or after the command) into one
 * struct om_cli and dispatches; each cmd_*.c implements commands on top
 * of the helpers declared here. Exit statuses: 0 done, 1 failed, 2 usage.
 */
#ifndef OM_CLI_H
#define OM_CLI_H

#include <stdint.h>

#include "om_config.h"
#include "om_fetch.h"
#include "om_linux.h"
#include "ormodels.h"

#define CLI_CACHE_DEFAULT "~/.clawlet/models_cache.bin"
#define CLI_MAX_ARGS 8

struct om_cli {
    const char *cmd;
    const char *args[CLI_MAX_ARGS];
    int nargs;
    /* options */
    const char *cache_file; /* --cache-file */
    const char *url;        /* --url */
    const char *cacert;     /* --cacert */
    const char *config;     /* --config */
    const char *listen;     /* --listen */
    uint32_t timeout_s;     /* --timeout, 0 = default */
    uint32_t min_context;   /* --min-context */
    om_order_t order;       /* --sort */
    int json, save, free_only, offline, force;
    int quiet; /* cli_refresh prints nothing: the caller logs (serve) */
    /* derived */
    char cache_path[4096];
    om_file_store_t fs;
    om_store_t store;
};

/* config.yaml (cli_config.c): read by main() before any command. */
extern om_config_t cli_config;
int cli_load_config(struct om_cli *c);

/* The popular model ids (the config's, or the original plan's five) into
 * out; returns how many. */
size_t cli_popular(const char **out, size_t cap);

/* The ids never dropped when a catalogue outgrows the table: the popular
 * models and the owner's choice. Returns how many; *out stays valid. */
size_t cli_pins(struct om_cli *c, const char *const **out);

/* The process's one table and its scratch twin (for fetching). */
extern om_table_t cli_table;
extern om_table_t cli_scratch;

/* Resolves the cache path (~ expanded) and sets up c->store. Returns 0,
 * or 1 after a message. */
int cli_open_store(struct om_cli *c);

/* Fills cli_table by the refresh policy: the saved table when fresh; a
 * fetch when it is due (unless --offline) or forced; else the stale table
 * or the built-in defaults, each with a one-line notice on stderr.
 * Returns an om_refresh_outcome; *res says what happened. */
int cli_refresh(struct om_cli *c, unsigned flags, om_fetch_result_t *res);

/* The USD-per-million and context columns of one model, 80 columns. */
void cli_print_row(const om_table_t *t, const om_model_t *m);
void cli_print_header(void);

/* A writer to stdout for om_json_write_models. */
int cli_stdout_write(void *ctx, const void *buf, size_t len);

/* Commands. */
int cmd_parse(struct om_cli *c);
int cmd_list(struct om_cli *c, const char *term);
int cmd_show(struct om_cli *c, const char *id);
int cmd_fetch(struct om_cli *c);
int cmd_select(struct om_cli *c);   /* cmd_select.c: the picker */
int cmd_selected(struct om_cli *c); /* cmd_select.c: the saved choice */
int cmd_serve(struct om_cli *c);    /* cmd_serve.c: the dashboard */

#endif
