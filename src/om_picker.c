/*
 * om_picker.c - the model picker over a byte console (see om_picker.h).
 *
 * One input byte at a time: a small state machine turns bytes into a line
 * (echoing as it goes), and each line is one command. Every screen is one
 * list of models, drawn by draw(): the popular ones under the main menu,
 * all of them, or the matches of a search. A list is indexes into the
 * table (cfg.idx), shown a page at a time and numbered across pages;
 * model data is never copied. Screens are plain text of at most 23 lines
 * of 79 columns, so that one fits an 80x24 terminal with the line the
 * user typed still in view, and nothing needs an escape sequence.
 */
#include <stdarg.h>
#include <string.h>

#include "om_internal.h"
#include "om_picker.h"

#if OM_PICKER_PAGE < 1 || OM_PICKER_PAGE > 18
#error "OM_PICKER_PAGE must be 1..18 for a page to fit 24 lines"
#endif
#if OM_PICKER_OUT_SIZE < 16 || OM_PICKER_OUT_SIZE > 65535
#error "OM_PICKER_OUT_SIZE must be 16..65535"
#endif
#if OM_PICKER_LINE_MAX < 16 || OM_PICKER_LINE_MAX > 1024
#error "OM_PICKER_LINE_MAX must be 16..1024"
#endif

const char *const om_picker_popular_default[5] = {
    "anthropic/claude-sonnet-4",
    "anthropic/claude-3.5-sonnet",
    "openai/gpt-4o",
    "openai/gpt-4-turbo",
    "meta-llama/llama-3.3-70b-instruct",
};

/* The list on screen (p->kind). The popular one is the main screen. */
enum { LIST_POPULAR = 0, LIST_ALL = 1, LIST_SEARCH = 2 };

/* p->in_state: the last byte was CR (so a LF after it is the same Enter),
 * or a terminal's escape sequence is under way: ESC seen, or ESC [ (CSI)
 * or ESC O (SS3) seen, which go on up to a final byte in 0x40..0x7E. */
enum { IN_CR = 1, IN_ESC = 0x1B, IN_SEQ = 2 };

/* Columns of a row, 79 in all: "NNN " then the id, then each price and
 * the context right-aligned after a separating space. */
#define COL_ID 49
#define COL_PRICE 8
#define COL_CTX 7
#define TERM_SHOWN 28 /* columns of a search term in a title */
#define CURRENT_SHOWN 56

static const char order_names[OM_ORDER_COUNT][8] = {"id", "price", "context",
                                                   "newest"};

/* ---------------------------------------------------------------- output */

static void flush(om_picker_t *p)
{
    if (p->out_len && p->status >= 0) {
        const om_console_t *c = p->cfg.console;
        int e = c->write(c->ctx, p->out, p->out_len);
        if (e < 0)
            p->status = e;
    }
    p->out_len = 0;
}

/* Queues one byte, writing the buffer out when it fills. */
static void put_byte(om_picker_t *p, char c)
{
    p->out[p->out_len++] = c;
    if (p->out_len == sizeof p->out)
        flush(p);
}

/* Queues n bytes for the console; a line feed goes out as CRLF, the line
 * end a terminal needs. An om_put_fn, so that om_vformat writes here too. */
static void put(void *ctx, const char *s, size_t n)
{
    for (; n; n--, s++) {
        if (*s == '\n')
            put_byte(ctx, '\r');
        put_byte(ctx, *s);
    }
}

/* Formatted output: om_vformat's %s, %u and %U; text without them too. */
static void pf(om_picker_t *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    om_vformat(put, p, fmt, ap);
    va_end(ap);
}

static void nl(om_picker_t *p)
{
    put(p, "\n", 1);
}

static void spaces(om_picker_t *p, size_t n)
{
    while (n--)
        put_byte(p, ' ');
}

/* How put_field pads its text with spaces to w columns. */
enum { PAD_NONE, PAD_AFTER, PAD_BEFORE };

/* s (valid UTF-8) in at most w columns, one per character: whole when it
 * fits, else its first w - 1 characters and a '~' marking the cut. Padded
 * (left-aligned with PAD_AFTER, right-aligned with PAD_BEFORE), it fills
 * exactly w columns. */
static void put_field(om_picker_t *p, const char *s, size_t w, int pad)
{
    size_t i, c = 0, cut = 0;
    for (i = 0; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0u) != 0x80u && c++ == w - 1)
            cut = i; /* where the w-th character starts */
    }
    if (c > w) {
        put(p, s, cut);
        put_byte(p, '~');
        return;
    }
    if (pad == PAD_AFTER) { /* the text now, the spaces below */
        put(p, s, i);
        i = 0;
    }
    spaces(p, pad ? w - c : 0);
    put(p, s, i);
}

/* The prices of m in USD per million tokens, each in at most COL_PRICE
 * characters (four decimals, else two; else "huge" for 100,000 USD and
 * more, "<0.0001" for a price whose two significant digits lie beyond
 * six decimals), then its context ("-" when not given), each column
 * after a separating space. OM_PRICE_STR_MAX holds every price:
 * formatting never fails. */
static void put_numbers(om_picker_t *p, const om_model_t *m)
{
    char b[OM_PRICE_STR_MAX];
    int i;
    for (i = 0; i < 2; i++) {
        om_price_t v = i ? m->completion : m->prompt;
        const char *s = b;
        if (om_price_format_per_million(v, 4, b, sizeof b) > COL_PRICE &&
            om_price_format_per_million(v, 2, b, sizeof b) > COL_PRICE)
            s = b[0] == '0' ? "<0.0001" : "huge";
        put_field(p, s, 1 + COL_PRICE, PAD_BEFORE);
    }
    b[0] = '-';
    b[1] = '\0';
    if (m->context_length)
        om_format_context(m->context_length, b);
    put_field(p, b, 1 + COL_CTX, PAD_BEFORE);
}

/* The column heads: title (indented past the row numbers) over the ids. */
static void put_head(om_picker_t *p, const char *title)
{
    put_field(p, title, 4 + COL_ID, PAD_AFTER);
    pf(p, "   IN $/M  OUT $/M CONTEXT\n");
}

/* Row k of the list (numbered from 1): number, id, prices, context. */
static void put_row(om_picker_t *p, size_t k)
{
    const om_table_t *t = p->cfg.table;
    const om_model_t *m = &t->models[p->cfg.idx[k]];
    unsigned num = (unsigned)k + 1u;
    /* the number right-aligned in three columns: skip 0..2 of the spaces */
    pf(p, &"  %u "[(num > 9) + (num > 99)], num);
    put_field(p, om_model_id(t, m), COL_ID, PAD_AFTER);
    put_numbers(p, m);
    nl(p);
}

/* --------------------------------------------------------------- screens */

/* The first line of the main screen says where the table came from
 * (cfg.source): "Found N models", or a warning and what is used instead. */
static const char *const header_lead[4] = {
    "Found", "! Fetch failed; using", "! Fetch failed; using",
    "! Nothing saved yet; using"};
static const char *const header_kind[4] = {NULL, "saved ", "built-in ",
                                           "built-in "};

static void prompt(om_picker_t *p)
{
    pf(p, p->asking ? "Search for: " : p->kind ? "> " : "Select or search: ");
}

/* The page on screen of the list in idx, with what goes around it: the
 * main menu for the popular list, a title and a page line for others. */
static void draw(om_picker_t *p)
{
    const om_table_t *t = p->cfg.table;
    size_t i, end = (size_t)p->page + OM_PICKER_PAGE;
    if (end > p->n)
        end = p->n;
    if (p->kind == LIST_POPULAR) {
        const char *note = NULL;
        pf(p, "%s %u %smodel%s", header_lead[p->cfg.source], t->count,
           header_kind[p->cfg.source], t->count == 1 ? NULL : "s");
        if (p->cfg.source <= OM_PICKER_SRC_STALE && t->updated_at > 0) {
            char d[21]; /* never live with put_numbers' price buffer: once
                           GCC inlines the rows here, one slot serves both */
            om_format_time(t->updated_at, d);
            d[10] = '\0'; /* the day is enough on a console */
            pf(p, " (updated %s)", d);
        }
        if (p->current[0]) {
            pf(p, "\nCurrent: ");
            put_field(p, p->current, CURRENT_SHOWN, PAD_NONE);
            if (om_table_find(t, p->current, strlen(p->current)) < 0)
                note = " (not listed)";
        }
        pf(p, "%s\n\n", note);
    } else {
        int search = p->kind == LIST_SEARCH;
        pf(p, search ? "Models matching '" : "All models");
        if (search)
            put_field(p, p->term, TERM_SHOWN, PAD_NONE);
        pf(p, "%s: %u%s, by %s\n", search ? "'" : NULL, p->n,
           p->free_only ? " free" : NULL, order_names[p->order]);
    }
    /* the column heads; on the main screen, the menu says when free only */
    put_head(p, p->kind ? "    MODEL" : "    Popular models");
    for (i = p->page; i < end; i++)
        put_row(p, i);
    if (p->n == 0)
        pf(p, "    (none)\n");
    if (p->kind == LIST_POPULAR)
        pf(p, "\ns TERM search  a show all (%u)  f free only: %s  o order: %s"
              "  q quit\nA number or a full model id chooses.\n",
           t->count, p->free_only ? "on" : "off", order_names[p->order]);
    else /* an empty list has one page, the "(none)" */
        pf(p, "Page %u of %u: a number chooses; n next, p previous, q back;"
              " s a f o\n",
           p->page / OM_PICKER_PAGE + 1u,
           (p->n + (unsigned)!p->n + OM_PICKER_PAGE - 1u) / OM_PICKER_PAGE);
    prompt(p);
}

/* The models that pass the screen's filters and term (NULL: any) into
 * idx, at most cap of them, in the order chosen. Returns how many pass. */
static int select_models(om_picker_t *p, const char *term, size_t cap)
{
    om_filter_t f;
    memset(&f, 0, sizeof f);
    f.term = term;
    f.free_only = p->free_only;
    return om_table_select(p->cfg.table, &f, (om_order_t)p->order,
                           p->cfg.idx, cap);
}

/* Builds list kind into idx and draws its first page. */
static void show(om_picker_t *p, int kind)
{
    const om_table_t *t = p->cfg.table;
    p->kind = (uint8_t)kind;
    p->page = 0;
    p->n = 0;
    if (kind == LIST_POPULAR) {
        /* those present (and free, under free only), each once */
        size_t i, j, np = p->cfg.npopular;
        if (np > OM_PICKER_POPULAR_MAX)
            np = OM_PICKER_POPULAR_MAX;
        for (i = 0; i < np; i++) {
            const char *id = p->cfg.popular[i];
            int k = id ? om_table_find(t, id, strlen(id)) : OM_ERR_NOTFOUND;
            if (k < 0 || (p->free_only && !om_model_is_free(&t->models[k])))
                continue;
            for (j = 0; j < p->n && p->cfg.idx[j] != (uint16_t)k; j++)
                ;
            if (j == p->n)
                p->cfg.idx[p->n++] = (uint16_t)k;
        }
    } else {
        /* as many as the table holds: all fit */
        p->n = (uint16_t)select_models(p, kind == LIST_SEARCH ? p->term : NULL,
                                       OM_TABLE_CAPACITY);
    }
    draw(p);
}

/* -------------------------------------------------------------- commands */

/* Ends the picker without a choice: q, Ctrl-C (echoed as ^C) or the end
 * of input (which ends the line). */
static void finish(om_picker_t *p, int status)
{
    if (p->status != OM_PICKER_MORE)
        return;
    pf(p, p->current[0] ? "%sNo change: still %s.\n" : "%sNo model chosen.\n",
       status == OM_PICKER_CANCEL ? "^C\nCancelled. "
       : status == OM_PICKER_EOF  ? "\n"
                                  : NULL,
       p->current);
    p->status = status;
}

/* Saves model i of the table as the selection. */
static void choose(om_picker_t *p, int i)
{
    const char *id = om_model_id(p->cfg.table, &p->cfg.table->models[i]);
    const om_store_t *st = p->cfg.store;
    int e = st->sel_save(st->ctx, id);
    if (e < 0) {
        pf(p, "! Could not save: %s\n", om_strerror(e));
        flush(p);
        if (p->status >= 0)
            p->status = e;
        return;
    }
    strcpy(p->current, id); /* ids are at most OM_ID_MAX bytes */
    pf(p, "Selected: %s\n", id);
    p->status = OM_PICKER_CHOSEN;
}

/* Shows the models matching term; a miss says so and keeps the screen. */
static void search(om_picker_t *p, const char *term)
{
    /* Count first (cap 0 writes nothing): idx still holds the screen. */
    if (select_models(p, term, 0) == 0) {
        pf(p, "No %smodel matches '", p->free_only ? "free " : NULL);
        put_field(p, term, TERM_SHOWN, PAD_NONE);
        pf(p, "'.\n");
        prompt(p);
        return;
    }
    strcpy(p->term, term); /* term is in the line: it fits */
    show(p, LIST_SEARCH);
}

/* n next page, p previous page (commands n and p). */
static void turn_page(om_picker_t *p, int next)
{
    /* before the first page, to wraps around and is as much too large */
    unsigned to = p->page + (next ? OM_PICKER_PAGE : -OM_PICKER_PAGE);
    if (to >= p->n) {
        pf(p, "No %s page.\n", next ? "next" : "previous");
        prompt(p);
        return;
    }
    p->page = (uint16_t)to;
    draw(p);
}

static void command(om_picker_t *p, char *s)
{
    size_t n;
    uint32_t k;
    int i, asked = p->asking, kind = p->kind;
    char c;

    p->asking = 0;
    while (*s == ' ')
        s++;
    n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    s[n] = '\0';
    if (n == 0) { /* also an empty answer to s: back */
        prompt(p);
        return;
    }
    if (!asked) { /* else the line is the term that s asked for */
        if (om_parse_u32(s, n, &k) == OM_OK) { /* a row number */
            k--; /* rows count from 1; 0 wraps around, too large */
            if (k < p->n) {
                choose(p, p->cfg.idx[k]);
            } else {
                pf(p, "No number %s in this list of %u.\n", s, p->n);
                prompt(p);
            }
            return;
        }
        c = (char)(s[0] | 0x20); /* a letter in lower case */
        if (n == 1) {
            switch (c) {
            case 'q': /* back to the main screen; there, quit */
                if (kind == LIST_POPULAR) {
                    finish(p, OM_PICKER_QUIT);
                    return;
                }
                show(p, LIST_POPULAR);
                return;
            case 'a':
                show(p, LIST_ALL);
                return;
            case 's':
                p->asking = 1;
                prompt(p);
                return;
            case 'f':
                p->free_only = (uint8_t)!p->free_only;
                show(p, kind);
                return;
            case 'o':
                p->order = (uint8_t)((p->order + 1u) % OM_ORDER_COUNT);
                show(p, kind);
                return;
            case 'n':
            case 'p':
                turn_page(p, c == 'n');
                return;
            default:
                break;
            }
        }
        if (c == 's' && s[1] == ' ') { /* s TERM; trimmed, so TERM is there */
            for (s += 2; *s == ' '; s++)
                ;
        } else if ((i = om_table_find(p->cfg.table, s, n)) >= 0) {
            choose(p, i); /* a full model id */
            return;
        }
    }
    search(p, s); /* anything else: a search is the friendliest answer */
}

/* ----------------------------------------------------------------- input */

/* Forgets a character still being typed: its bytes at the end of the
 * line were never echoed. */
static void drop_partial(om_picker_t *p)
{
    p->line_len = (uint16_t)(p->line_len - p->utf8_have);
    p->utf8_have = 0;
}

/* A byte of a character: printable ASCII, or of a UTF-8 sequence, kept
 * at the line's end. The character is echoed once complete and valid (a
 * sequence checked by the extractor's own decoder: no overlong form,
 * surrogate, C1 control or code point above U+10FFFF), else dropped as
 * soon as it cannot become valid, as are continuation bytes out of place.
 * A byte that does not fit the line rings the bell once, and the line is
 * refused at Enter. */
static void add_byte(om_picker_t *p, uint8_t b)
{
    size_t len = p->line_len, have = p->utf8_have;
    char *c;
    int n, cut;
    if ((b & 0xC0u) == 0x80u && !have)
        return; /* no character to continue */
    if (p->overflow || len == OM_PICKER_LINE_MAX) {
        if (!p->overflow)
            put(p, "\a", 1);
        p->overflow = 1;
        return;
    }
    p->line[len++] = (char)b;
    c = p->line + len - ++have;
    /* n: the bytes of a whole valid character, 0 for a valid start,
     * negative for none */
    n = b < 0x80 ? 1 : om_json_unescape(c, have, c, have, OM_UNESC_CUT, &cut);
    if (n == (int)have) {
        put(p, c, have);
        have = 0;
    } else if (n < 0) {
        len -= have; /* dropped */
        have = 0;
    }
    p->line_len = (uint16_t)len;
    p->utf8_have = (uint8_t)have;
}

static void backspace(om_picker_t *p)
{
    size_t n = p->line_len;
    p->overflow = 0; /* what is left is exactly what the screen shows */
    if (!n)
        return;
    do /* back over the last character's continuation bytes to its start */
        n--;
    while (n && ((unsigned char)p->line[n] & 0xC0u) == 0x80u);
    p->line_len = (uint16_t)n;
    put(p, "\b \b", 3);
}

static void enter(om_picker_t *p)
{
    p->line[p->line_len] = '\0';
    p->line_len = 0;
    nl(p);
    if (p->overflow) {
        p->overflow = 0;
        pf(p, "! Line over %u bytes: ignored.\n",
           (unsigned)OM_PICKER_LINE_MAX);
        prompt(p);
        return;
    }
    command(p, p->line);
}

static void input(om_picker_t *p, uint8_t b)
{
    uint8_t st = p->in_state;
    p->in_state = 0;
    if (st == IN_ESC) { /* ESC [ and ESC O go on; ESC x is complete */
        if (b == '[' || b == 'O')
            p->in_state = IN_SEQ;
        return;
    }
    if (st == IN_SEQ) {
        if (b >= 0x20 && b <= 0x3F) { /* parameter and intermediate bytes */
            p->in_state = IN_SEQ;
            return;
        }
        if (b >= 0x40 && b <= 0x7E) /* the final byte */
            return;
        /* any other byte ends it and is read as itself */
    }
    if ((b & 0xC0u) != 0x80u) /* all but a continuation byte: */
        drop_partial(p);        /* a half-typed character goes */
    switch (b) {
    case '\r':
        p->in_state = IN_CR;
        enter(p);
        return;
    case '\n':
        if (st != IN_CR) /* CRLF is one Enter */
            enter(p);
        return;
    case 0x03:
        finish(p, OM_PICKER_CANCEL);
        return;
    case 0x04:
        if (p->line_len == 0)
            finish(p, OM_PICKER_EOF);
        return;
    case 0x08:
    case 0x7F: /* erases what the user sees: not a half-typed character */
        backspace(p);
        return;
    case 0x1B:
        p->in_state = IN_ESC;
        return;
    default:
        if (b >= 0x20) /* other control bytes: line noise */
            add_byte(p, b);
        return;
    }
}

/* ------------------------------------------------------------------- api */

int om_picker_init(om_picker_t *p, const om_picker_cfg_t *cfg)
{
    const om_store_t *st;
    if (!p || !cfg || !cfg->table || !cfg->idx || !cfg->store ||
        !cfg->store->sel_save || !cfg->console || !cfg->console->write)
        return OM_ERR_INVAL;
    memset(p, 0, sizeof *p);
    p->cfg = *cfg;
    if (!p->cfg.popular) {
        p->cfg.popular = om_picker_popular_default;
        p->cfg.npopular = sizeof om_picker_popular_default /
                          sizeof om_picker_popular_default[0];
    }
    if (p->cfg.source > OM_PICKER_SRC_NO_TABLE)
        p->cfg.source = OM_PICKER_SRC_CATALOGUE;
    st = p->cfg.store;
    if (!st->sel_load || st->sel_load(st->ctx, p->current, sizeof p->current) <= 0)
        p->current[0] = '\0';
    p->current[sizeof p->current - 1] = '\0';
    show(p, LIST_POPULAR);
    flush(p);
    return p->status; /* OM_OK, or the console's write error */
}

int om_picker_feed(om_picker_t *p, int byte)
{
    if (p->status != OM_PICKER_MORE)
        return p->status;
    if (byte >= 0 && byte <= 255)
        input(p, (uint8_t)byte);
    flush(p);
    return p->status;
}

int om_picker_end(om_picker_t *p)
{
    if (p->status != OM_PICKER_MORE)
        return p->status;
    finish(p, OM_PICKER_EOF);
    flush(p);
    return p->status;
}

int om_picker_run(om_picker_t *p, uint32_t poll_ms)
{
    const om_console_t *c = p->cfg.console;
    if (!c->read_byte)
        return om_picker_end(p);
    while (p->status == OM_PICKER_MORE) {
        int b = c->read_byte(c->ctx, poll_ms);
        if (b == OM_ERR_TIMEOUT)
            continue;
        if (b < 0)
            return om_picker_end(p);
        om_picker_feed(p, b);
    }
    return p->status;
}

const char *om_picker_chosen(const om_picker_t *p)
{
    return p->status == OM_PICKER_CHOSEN ? p->current : NULL;
}
