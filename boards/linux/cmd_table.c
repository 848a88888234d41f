/*
 * cmd_table.c - `parse`, `list`, `search` and `show`.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static om_extractor_t extractor;
static uint16_t order_idx[OM_TABLE_CAPACITY];
static unsigned char io_buf[16384];

int cli_stdout_write(void *ctx, const void *buf, size_t len)
{
    (void)ctx;
    return fwrite(buf, 1, len, stdout) == len ? OM_OK : OM_ERR_IO;
}

void cli_print_header(void)
{
    printf("%-52s %8s %8s %7s\n", "MODEL", "IN $/M", "OUT $/M", "CONTEXT");
}

/* One model on one line of 80 columns: ids longer than the column get a
 * line of their own so they are never cut. */
void cli_print_row(const om_table_t *t, const om_model_t *m)
{
    char in[48], out[48], ctx[8];
    const char *id = om_model_id(t, m);
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

static int print_models(const struct om_cli *c, const om_table_t *t,
                        const uint16_t *idx, size_t n)
{
    size_t i;
    if (c->json) {
        int e = om_json_write_models(t, idx, n, cli_stdout_write, NULL);
        putchar('\n');
        return e == OM_OK ? 0 : 1;
    }
    cli_print_header();
    for (i = 0; i < n; i++)
        cli_print_row(t, &t->models[idx ? idx[i] : i]);
    return 0;
}

int cmd_parse(struct om_cli *c)
{
    const char *name = c->nargs ? c->args[0] : "-";
    FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
    const om_extract_stats_t *st = &extractor.stats;
    char msg[160];
    int e = OM_OK, rc;
    size_t n;

    if (!f) {
        fprintf(stderr, "ormodels: %s: %s\n", name, strerror(errno));
        return 1;
    }
    {
        const char *const *pins;
        size_t npins = cli_pins(c, &pins); /* the same table a fetch keeps */
        om_extract_init(&extractor, &cli_table, pins, npins);
    }
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
    cli_table.updated_at = om_linux_now();
    rc = print_models(c, &cli_table, NULL, cli_table.count);
    fprintf(c->json ? stderr : stdout,
            "%u models kept, %lu dropped, %lu skipped (%lu long ids, "
            "%lu invalid), %lu repeated\n",
            (unsigned)cli_table.count, (unsigned long)st->dropped,
            (unsigned long)(st->long_ids + st->invalid),
            (unsigned long)st->long_ids, (unsigned long)st->invalid,
            (unsigned long)st->duplicates);
    if (c->save) {
        if (cli_open_store(c))
            return 1;
        if (c->store.save(c->store.ctx, &cli_table) != OM_OK) {
            fprintf(stderr, "ormodels: cannot save %s: %s\n", c->cache_path,
                    strerror(errno));
            return 1;
        }
        fprintf(stderr, "saved %s\n", c->cache_path);
    }
    return rc;
}

int cmd_list(struct om_cli *c, const char *term)
{
    om_fetch_result_t res;
    om_filter_t f;
    int n, rc;
    if (cli_refresh(c, 0, &res) < 0)
        return 1;
    memset(&f, 0, sizeof f);
    f.term = term;
    f.free_only = (uint8_t)c->free_only;
    f.min_context = c->min_context;
    n = om_table_select(&cli_table, &f, c->order, order_idx, OM_TABLE_CAPACITY);
    if (n == 0 && term) {
        fprintf(stderr, "ormodels: no model matches '%s'\n", term);
        if (c->json)
            print_models(c, &cli_table, order_idx, 0);
        return 1;
    }
    rc = print_models(c, &cli_table, order_idx, (size_t)n);
    if (!c->json) {
        printf("%d of %u models", n, (unsigned)cli_table.count);
        if (cli_table.updated_at > 0) {
            char when[21];
            om_format_time(cli_table.updated_at, when);
            printf(", updated %s", when);
        }
        putchar('\n');
    }
    return rc;
}

int cmd_show(struct om_cli *c, const char *id)
{
    om_fetch_result_t res;
    const om_model_t *m;
    char a[OM_PRICE_STR_MAX], b[OM_PRICE_STR_MAX], pa[48], pb[48], ctx[8];
    char when[21];
    uint16_t one;
    int i;
    if (cli_refresh(c, 0, &res) < 0)
        return 1;
    i = om_table_find(&cli_table, id, strlen(id));
    if (i < 0) {
        fprintf(stderr, "ormodels: no model '%s' in the table "
                        "(try: ormodels search)\n", id);
        return 1;
    }
    m = &cli_table.models[i];
    one = (uint16_t)i;
    if (c->json)
        return print_models(c, &cli_table, &one, 1);
    om_price_format(m->prompt, a, sizeof a);
    om_price_format(m->completion, b, sizeof b);
    om_price_format_per_million(m->prompt, 6, pa, sizeof pa);
    om_price_format_per_million(m->completion, 6, pb, sizeof pb);
    om_format_context(m->context_length, ctx);
    printf("id:          %s\n", om_model_id(&cli_table, m));
    printf("name:        %s\n", om_model_name(&cli_table, m));
    printf("prompt:      %s USD/token (%s per million)\n", a[0] ? a : "-", pa);
    printf("completion:  %s USD/token (%s per million)\n", b[0] ? b : "-", pb);
    printf("context:     %lu tokens (%s)\n", (unsigned long)m->context_length,
           ctx);
    if (m->created) {
        om_format_time(m->created, when);
        printf("created:     %s\n", when);
    }
    if (cli_table.updated_at > 0) {
        om_format_time(cli_table.updated_at, when);
        printf("updated:     %s\n", when);
    }
    return 0;
}
