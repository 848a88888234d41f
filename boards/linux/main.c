/*
 * main.c - the ormodels command-line tool for Linux: options and dispatch.
 *
 * Options may stand before or after the command. Output for people fits
 * 80 columns; --json prints the /models response format. Exit status: 0
 * done, 1 failed (bad input, nothing found, no network), 2 usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

om_table_t cli_table;
om_table_t cli_scratch;

static const char usage_text[] =
    "usage: ormodels [options] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  fetch               refresh the saved table from the API when due\n"
    "  list                print the table (fetching first when it is due)\n"
    "  search TERM         models whose id or name contain TERM (any case)\n"
    "  show ID             one model in full\n"
    "  parse [FILE|-]      read a saved catalogue (default stdin), print it\n"
    "  select              choose the model that powers the agent\n"
    "  selected            print the chosen model\n"
    "  serve               the /models endpoint and settings page\n"
    "  help                this text\n"
    "\n"
    "options:\n"
    "  --cache-file PATH   the saved table (default " CLI_CACHE_DEFAULT ")\n"
    "  --offline           never fetch: the saved table or the defaults\n"
    "  --force             fetch: even when the saved table is fresh\n"
    "  --url URL           the catalogue (default " OM_DEFAULT_URL ")\n"
    "  --cacert FILE       trust these CA certificates (PEM), not the system's\n"
    "  --timeout SECONDS   connect and per-read timeout (default 30)\n"
    "  --json              print JSON: {\"models\":[...],\"updated_at\":...}\n"
    "  --save              parse: save the table as the cache\n"
    "  --free              list: only models whose prices are both 0\n"
    "  --sort KEY          list: id (default), price, context or newest\n"
    "  --min-context N     list: only models with a context of N or more\n"
    "  --config FILE       the config (default ~/.clawlet/config.yaml)\n"
    "  --listen ADDR:PORT  serve: where (default 127.0.0.1:8080)\n"
    "  --version           print the version\n"
    "\n"
    "environment: OPENROUTER_API_KEY is sent as a Bearer token when set.\n";

static int usage(const char *why)
{
    if (why)
        fprintf(stderr, "ormodels: %s\n", why);
    fputs(usage_text, stderr);
    return 2;
}

static int parse_u32(const char *s, uint32_t *out)
{
    char *end;
    unsigned long v;
    errno = 0;
    if (!s || !*s || *s == '-')
        return -1;
    v = strtoul(s, &end, 10);
    if (errno || *end || v > 0xFFFFFFFFul)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Options that take a value, and where it goes. */
static const char **value_slot(struct om_cli *c, const char *a)
{
    if (!strcmp(a, "--cache-file")) return &c->cache_file;
    if (!strcmp(a, "--url")) return &c->url;
    if (!strcmp(a, "--cacert")) return &c->cacert;
    if (!strcmp(a, "--config")) return &c->config;
    if (!strcmp(a, "--listen")) return &c->listen;
    return NULL;
}

/* Fills c from argv; returns 0, or an exit status after a message. */
static int parse_args(int argc, char **argv, struct om_cli *c)
{
    static const char *const orders[] = {"id", "price", "context", "newest"};
    int i, only_args = 0;
    memset(c, 0, sizeof *c);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], **slot;
        if (only_args || a[0] != '-' || a[1] == '\0') {
            if (!c->cmd)
                c->cmd = a;
            else if (c->nargs < CLI_MAX_ARGS)
                c->args[c->nargs++] = a;
            else
                return usage("too many arguments");
            continue;
        }
        if (!strcmp(a, "--")) {
            only_args = 1;
        } else if (!strcmp(a, "--json")) {
            c->json = 1;
        } else if (!strcmp(a, "--save")) {
            c->save = 1;
        } else if (!strcmp(a, "--free")) {
            c->free_only = 1;
        } else if (!strcmp(a, "--offline")) {
            c->offline = 1;
        } else if (!strcmp(a, "--force")) {
            c->force = 1;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            c->cmd = "help";
        } else if (!strcmp(a, "--version")) {
            c->cmd = "version";
        } else if ((slot = value_slot(c, a)) != NULL) {
            if (i + 1 >= argc)
                return usage("an option needs a value");
            *slot = argv[++i];
        } else if (!strcmp(a, "--sort")) {
            size_t k;
            if (i + 1 >= argc)
                return usage("--sort needs a value");
            for (k = 0; k < 4 && strcmp(argv[i + 1], orders[k]); k++)
                ;
            if (k == 4)
                return usage("--sort takes id, price, context or newest");
            c->order = (om_order_t)k;
            i++;
        } else if (!strcmp(a, "--min-context") || !strcmp(a, "--timeout")) {
            uint32_t *dst = a[2] == 'm' ? &c->min_context : &c->timeout_s;
            if (i + 1 >= argc || parse_u32(argv[++i], dst) != 0 ||
                (dst == &c->timeout_s && *dst == 0))
                return usage(a[2] == 'm' ? "--min-context takes a number of tokens"
                                         : "--timeout takes a number of seconds");
        } else {
            fprintf(stderr, "ormodels: unknown option '%s'\n", a);
            return usage(NULL);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct om_cli c;
    int rc = parse_args(argc, argv, &c);
    if (rc)
        return rc;
    if (!c.cmd)
        return usage(NULL);
    if (!strcmp(c.cmd, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(c.cmd, "version")) {
        printf("ormodels %s\n", OM_VERSION);
        return 0;
    }
    if (cli_load_config(&c))
        return 1;
    if (!strcmp(c.cmd, "parse"))
        return c.nargs > 1 ? usage("parse takes one FILE") : cmd_parse(&c);
    if (!strcmp(c.cmd, "fetch"))
        return c.nargs ? usage("fetch takes no argument") : cmd_fetch(&c);
    if (!strcmp(c.cmd, "list"))
        return c.nargs ? usage("list takes no argument") : cmd_list(&c, NULL);
    if (!strcmp(c.cmd, "search"))
        return c.nargs != 1 ? usage("search takes one TERM")
                            : cmd_list(&c, c.args[0]);
    if (!strcmp(c.cmd, "show"))
        return c.nargs != 1 ? usage("show takes one ID") : cmd_show(&c, c.args[0]);
    if (!strcmp(c.cmd, "select"))
        return c.nargs ? usage("select takes no argument") : cmd_select(&c);
    if (!strcmp(c.cmd, "selected"))
        return c.nargs ? usage("selected takes no argument") : cmd_selected(&c);
    if (!strcmp(c.cmd, "serve"))
        return c.nargs ? usage("serve takes no argument") : cmd_serve(&c);
    fprintf(stderr, "ormodels: unknown command '%s'\n", c.cmd);
    return usage(NULL);
}
