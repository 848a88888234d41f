/*
 * cli_config.c - config.yaml for every command (the models_cache block).
 *
 * Read once in main() before dispatch; a missing default file is silent,
 * a named one (--config) must exist. Command-line flags win over the file.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "om_picker.h"

#define CONFIG_DEFAULT "~/.clawlet/config.yaml"

om_config_t cli_config;
static char cfg_text[64 * 1024];
static char cfg_path[4096];

/* ------------------------------------------------------------ config */

static void cfg_warn(void *ctx, unsigned line, const char *key, const char *msg)
{
    fprintf(stderr, "ormodels: %s: line %u: %s: %s\n", (const char *)ctx, line,
            key, msg);
}

/* Reads --config (or the default, which may be missing) and applies it
 * under the command-line flags. Returns 0, or 1 after a message. */
int cli_load_config(struct om_cli *c)
{
    const char *p = c->config ? c->config : CONFIG_DEFAULT;
    char ebuf[160];
    size_t n = 0;
    FILE *f;

    om_config_init(&cli_config);
    if (p[0] == '~' && p[1] == '/') {
        const char *home = getenv("HOME");
        if (!home || !*home)
            return c->config ? (fprintf(stderr, "ormodels: HOME is not set\n"), 1)
                             : 0;
        snprintf(cfg_path, sizeof cfg_path, "%s%s", home, p + 1);
    } else {
        snprintf(cfg_path, sizeof cfg_path, "%s", p);
    }
    f = fopen(cfg_path, "rb");
    if (!f) {
        if (!c->config && errno == ENOENT)
            return 0; /* no config file: the defaults */
        fprintf(stderr, "ormodels: cannot read %s: %s\n", cfg_path,
                strerror(errno));
        return 1;
    }
    n = fread(cfg_text, 1, sizeof cfg_text, f);
    if (ferror(f) || n == sizeof cfg_text) {
        fprintf(stderr, "ormodels: %s: %s\n", cfg_path,
                ferror(f) ? strerror(errno) : "larger than 64 KiB");
        fclose(f);
        return 1;
    }
    fclose(f);
    if (om_config_parse(&cli_config, cfg_text, n, cfg_warn, cfg_path) != OM_OK) {
        fprintf(stderr, "ormodels: %s: %s\n", cfg_path,
                om_config_error(&cli_config, ebuf, sizeof ebuf));
        return 1;
    }
    /* Flags win over the file. */
    if (!c->cache_file && cli_config.cache_file[0])
        c->cache_file = cli_config.cache_file;
    if (!c->url && cli_config.url[0])
        c->url = cli_config.url;
    if (!cli_config.enabled)
        c->offline = 1;
    return 0;
}

size_t cli_popular(const char **out, size_t cap)
{
    size_t i, n = 0;
    if (cli_config.npopular) {
        for (i = 0; i < cli_config.npopular && n < cap; i++)
            out[n++] = cli_config.popular[i];
    } else {
        for (i = 0; i < 5 && n < cap; i++)
            out[n++] = om_picker_popular_default[i];
    }
    return n;
}
