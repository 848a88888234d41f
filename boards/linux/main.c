/*
 * main.c - the ormodels command-line tool for Linux.
 *
 *   ormodels parse [FILE|-] [--json] [--save]
 *   ormodels list [--json] [--free] [--sort id|price|context|newest]
 *                 [--min-context N]
 *   ormodels search TERM [--json]
 *   ormodels show ID
 *
 * Options may stand before or after the command. Output for people fits
 * 80 columns; --json prints the /models response format. Exit status: 0
 * done, 1 failed (bad input, nothing found), 2 usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "om_linux.h"
#include "ormodels.h"

#define CACHE_DEFAULT "~/.clawlet/models_cache.bin"

static om_table_t table;
static om_extractor_t extractor;
static uint16_t order_idx[OM_TABLE_CAPACITY];
static unsigned char io_buf[16384];

struct opts {
    const char *cmd;
    const char *args[4];
    int nargs;
    const char *cache_file;
    int json, save, free_only, offline;
    om_order_t order;
    uint32_t min_context;
};

static const char usage_text[] =
    "usage: ormodels [options] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  parse [FILE|-]      read a saved catalogue (default stdin), print the table\n"
    "  list                print the saved table\n"
    "  search TERM         models whose id or name contain TERM (any case)\n"
    "  show ID             one model in full\n"
    "  help                this text\n"
    "\n"
    "options:\n"
    "  --cache-file PATH   the saved table (default " CACHE_DEFAULT ")\n"
    "  --json              print JSON: {\"models\":[...],\"updated_at\":...}\n"
    "  --save              parse: save the table as the cache\n"
    "  --free              list: only models whose prices are both 0\n"
    "  --sort KEY          list: id (default), price, context or newest\n"
    "  --min-context N     list: only models with a context of N or more\n"
    "  --version           print the version\n";

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

/* Fills o from argv; returns 0, or an exit status after a message. */
static int parse_args(int argc, char **argv, struct opts *o)
{
    static const char *const orders[] = {"id", "price", "context", "newest"};
    int i;
    memset(o, 0, sizeof *o);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (!o->cmd)
                o->cmd = a;
            else if (o->nargs < 4)
                o->args[o->nargs++] = a;
            else
                return usage("too many arguments");
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--save") == 0) {
            o->save = 1;
        } else if (strcmp(a, "--free") == 0) {
            o->free_only = 1;
        } else if (strcmp(a, "--offline") == 0) {
            o->offline = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            o->cmd = "help";
        } else if (strcmp(a, "--version") == 0) {
            o->cmd = "version";
        } else if (strcmp(a, "--cache-file") == 0 ||
                   strcmp(a, "--sort") == 0 ||
                   strcmp(a, "--min-context") == 0) {
            const char *v = i + 1 < argc ? argv[++i] : NULL;
            if (!v)
                return usage("an option needs a value");
            if (a[2] == 'c') {
                o->cache_file = v;
            } else if (a[2] == 's') {
                size_t k;
                for (k = 0; k < 4 && strcmp(v, orders[k]) != 0; k++)
                    ;
                if (k == 4)
                    return usage("--sort takes id, price, context or newest");
                o->order = (om_order_t)k;
            } else if (parse_u32(v, &o->min_context) != 0) {
                return usage("--min-context takes a number of tokens");
            }
        } else {
            fprintf(stderr, "ormodels: unknown option '%s'\n", a);
            return usage(NULL);
        }
    }
    for (; i < argc; i++) {
        if (!o->cmd)
            o->cmd = argv[i];
        else if (o->nargs < 4)
            o->args[o->nargs++] = argv[i];
    }
    return 0;
}

/* The cache path with a leading ~/ expanded into buf. */
static const char *cache_path(const struct opts *o, char *buf, size_t cap)
{
    const char *p = o->cache_file ? o->cache_file : CACHE_DEFAULT;
    if (p[0] == '~' && p[1] == '/') {
        const char *home = getenv("HOME");
        if (!home || !*home) {
            fprintf(stderr, "ormodels: HOME is not set; use --cache-file\n");
            return NULL;
        }
        if ((size_t)snprintf(buf, cap, "%s%s", home, p + 1) >= cap)
            return NULL;
        return buf;
    }
    return p;
}

static int stdout_write(void *ctx, const void *buf, size_t len)
{
    (void)ctx;
    return fwrite(buf, 1, len, stdout) == len ? OM_OK : OM_ERR_IO;
}

/* One model on one line of 80 columns: ids longer than the column get a
 * line of their own so they are never cut. */
static void print_row(const om_model_t *m)
{
    char in[32], out[32], ctx[8];
    const char *id = om_model_id(&table, m);
    om_price_format_per_million(m->prompt, 4, in, sizeof in);
    om_price_format_per_million(m->completion, 4, out, sizeof out);
    if (m->context_length)
        om_format_context(m->context_length, ctx);
    else
        strcpy(ctx, "-");
    if (m->id_len > 52) {
        printf("%s\n", id);
        id = "";
    }
    printf("%-52s %8s %8s %7s\n", id, in, out, ctx);
}

static void print_updated(void)
{
    char when[21];
    if (table.updated_at > 0) {
        om_format_time(table.updated_at, when);
        printf("updated %s\n", when);
    }
}

static int print_models(const struct opts *o, const uint16_t *idx, size_t n)
{
    size_t i;
    if (o->json) {
        int e = om_json_write_models(&table, idx, n, stdout_write, NULL);
        putchar('\n');
        return e == OM_OK ? 0 : 1;
    }
    printf("%-52s %8s %8s %7s\n", "MODEL", "IN $/M", "OUT $/M", "CONTEXT");
    for (i = 0; i < n; i++)
        print_row(&table.models[idx ? idx[i] : i]);
    return 0;
}

static int cmd_parse(const struct opts *o)
{
    const char *name = o->nargs ? o->args[0] : "-";
    FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
    const om_extract_stats_t *st = &extractor.stats;
    char msg[160], pathbuf[4096];
    int e = OM_OK, rc;
    size_t n;

    if (!f) {
        fprintf(stderr, "ormodels: %s: %s\n", name, strerror(errno));
        return 1;
    }
    om_extract_init(&extractor, &table, NULL, 0);
    while (e == OM_OK && (n = fread(io_buf, 1, sizeof io_buf, f)) > 0)
        e = om_extract_feed(&extractor, io_buf, n);
    if (e == OM_OK && ferror(f)) {
        fprintf(stderr, "ormodels: %s: read error\n", name);
        e = OM_ERR_IO;
    }
    if (f != stdin)
        fclose(f);
    if (e == OM_ERR_IO)
        return 1;
    if (e == OM_OK)
        e = om_extract_finish(&extractor);
    if (e != OM_OK) {
        fprintf(stderr, "ormodels: %s: %s\n", name,
                om_extract_error(&extractor, msg, sizeof msg));
        return 1;
    }
    table.updated_at = om_linux_now();
    rc = print_models(o, NULL, table.count);
    fprintf(o->json ? stderr : stdout,
            "%u models kept, %lu dropped, %lu skipped (%lu long ids, "
            "%lu invalid), %lu repeated\n",
            (unsigned)table.count, (unsigned long)st->dropped,
            (unsigned long)(st->long_ids + st->invalid),
            (unsigned long)st->long_ids, (unsigned long)st->invalid,
            (unsigned long)st->duplicates);
    if (o->save) {
        const char *path = cache_path(o, pathbuf, sizeof pathbuf);
        if (!path)
            return 1;
        if (om_file_save(path, &table) != OM_OK) {
            fprintf(stderr, "ormodels: cannot save %s: %s\n", path,
                    strerror(errno));
            return 1;
        }
        fprintf(stderr, "saved %s\n", path);
    }
    return rc;
}

/* Loads the cache, or the built-in table with a notice on stderr. */
static int load_table(const struct opts *o)
{
    char pathbuf[4096];
    const char *path = cache_path(o, pathbuf, sizeof pathbuf);
    int e;
    if (!path)
        return 1;
    e = om_file_load(path, &table);
    if (e == OM_OK)
        return 0;
    if (e == OM_ERR_NOTFOUND)
        fprintf(stderr, "ormodels: no saved table at %s; using the "
                        "built-in defaults\n", path);
    else
        fprintf(stderr, "ormodels: %s unreadable (%s); using the built-in "
                        "defaults\n", path, e == OM_ERR_IO ? strerror(errno)
                                                            : om_strerror(e));
    if (om_table_load_defaults(&table) != OM_OK) {
        fprintf(stderr, "ormodels: the built-in table is broken\n");
        return 1;
    }
    return 0;
}

static int cmd_list(const struct opts *o, const char *term)
{
    om_filter_t f;
    int n, rc;
    memset(&f, 0, sizeof f);
    f.term = term;
    f.free_only = (uint8_t)o->free_only;
    f.min_context = o->min_context;
    if (load_table(o))
        return 1;
    n = om_table_select(&table, &f, o->order, order_idx, OM_TABLE_CAPACITY);
    if (n == 0 && term) {
        fprintf(stderr, "ormodels: no model matches '%s'\n", term);
        if (o->json)
            print_models(o, order_idx, 0);
        return 1;
    }
    rc = print_models(o, order_idx, (size_t)n);
    if (!o->json) {
        printf("%d of %u models", n, (unsigned)table.count);
        if (table.updated_at > 0) {
            char when[21];
            om_format_time(table.updated_at, when);
            printf(", updated %s", when);
        }
        putchar('\n');
    }
    return rc;
}

static int cmd_show(const struct opts *o, const char *id)
{
    const om_model_t *m;
    char a[OM_PRICE_STR_MAX], b[OM_PRICE_STR_MAX], c[32], d[32], ctx[8];
    char when[21];
    int i;
    if (load_table(o))
        return 1;
    i = om_table_find(&table, id, strlen(id));
    if (i < 0) {
        fprintf(stderr, "ormodels: no model '%s' in the table "
                        "(try: ormodels search)\n", id);
        return 1;
    }
    m = &table.models[i];
    if (o->json)
        return print_models(o, (const uint16_t[]){(uint16_t)i}, 1);
    om_price_format(m->prompt, a, sizeof a);
    om_price_format(m->completion, b, sizeof b);
    om_price_format_per_million(m->prompt, 6, c, sizeof c);
    om_price_format_per_million(m->completion, 6, d, sizeof d);
    om_format_context(m->context_length, ctx);
    printf("id:          %s\n", om_model_id(&table, m));
    printf("name:        %s\n", om_model_name(&table, m));
    printf("prompt:      %s USD/token (%s per million)\n", a[0] ? a : "-", c);
    printf("completion:  %s USD/token (%s per million)\n", b[0] ? b : "-", d);
    printf("context:     %lu tokens (%s)\n", (unsigned long)m->context_length,
           ctx);
    if (m->created) {
        om_format_time(m->created, when);
        printf("created:     %s\n", when);
    }
    print_updated();
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    if (!o.cmd || strcmp(o.cmd, "help") == 0)
        return o.cmd ? (fputs(usage_text, stdout), 0) : usage(NULL);
    if (strcmp(o.cmd, "version") == 0) {
        printf("ormodels %s\n", OM_VERSION);
        return 0;
    }
    if (strcmp(o.cmd, "parse") == 0)
        return o.nargs > 1 ? usage("parse takes one FILE") : cmd_parse(&o);
    if (strcmp(o.cmd, "list") == 0)
        return o.nargs ? usage("list takes no argument") : cmd_list(&o, NULL);
    if (strcmp(o.cmd, "search") == 0)
        return o.nargs != 1 ? usage("search takes one TERM")
                            : cmd_list(&o, o.args[0]);
    if (strcmp(o.cmd, "show") == 0)
        return o.nargs != 1 ? usage("show takes one ID") : cmd_show(&o, o.args[0]);
    fprintf(stderr, "ormodels: unknown command '%s'\n", o.cmd);
    return usage(NULL);
}
