/*
 * om_picker.c - the model picker over a byte console (see om_picker.h).
 *
 * One input byte at a time: a small state machine turns bytes into a line
 * (echoing as it goes), and each line is one command. Every screen is
 * plain text of at most 23 lines of 79 columns, so that it fits a 80x24
 * terminal with the line the user typed still in view, and nothing needs
 * an escape sequence. Lists are indexes into the table (cfg.idx); model
 * data is never copied.
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

enum { MODE_MAIN = 0, MODE_LIST = 1, MODE_TERM = 2 };
enum { LIST_ALL = 0, LIST_SEARCH = 1 };
/* in_state bits: the last byte was CR (so a LF after it is the same
 * Enter); inside an escape sequence from the terminal. */
enum { IN_CR = 0x01, IN_ESC = 0x02, IN_CSI = 0x04, IN_SS3 = 0x08 };

/* Columns of a row: number, id, in, out, context; 79 in all. */
#define COL_NUM 3
#define COL_ID 49
#define COL_PRICE 8
#define COL_CTX 7
#define TERM_SHOWN 28 /* columns of a search term in a title */

static const char *const order_names[OM_ORDER_COUNT] = {"id", "price",
                                                        "context", "newest"};

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

static void put(om_picker_t *p, const char *s, size_t n)
{
    while (n) {
        size_t k = sizeof p->out - p->out_len;
        if (k > n)
            k = n;
        memcpy(p->out + p->out_len, s, k);
        p->out_len = (uint16_t)(p->out_len + k);
        s += k;
        n -= k;
        if (p->out_len == sizeof p->out)
            flush(p);
    }
}

static void put_fn(void *ctx, const char *s, size_t n)
{
    put((om_picker_t *)ctx, s, n);
}

/* Formatted output: om_vformat's %s, %u and %U. */
static void pf(om_picker_t *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    om_vformat(put_fn, p, fmt, ap);
    va_end(ap);
}

static void puts_(om_picker_t *p, const char *s)
{
    put(p, s, strlen(s));
}

static void nl(om_picker_t *p)
{
    put(p, "\r\n", 2);
}

static void spaces(om_picker_t *p, size_t n)
{
    while (n--)
        put(p, " ", 1);
}

/* Terminal columns of UTF-8 text: one per character (the ids and terms
 * shown are valid UTF-8, nearly always ASCII). */
static size_t cols(const char *s, size_t n)
{
    size_t i, c = 0;
    for (i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0u) != 0x80u;
    return c;
}

/* Bytes of s[0..n) that fill at most w columns, ending on a character. */
static size_t fit(const char *s, size_t n, size_t w)
{
    size_t i, c = 0;
    for (i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0u) != 0x80u && c++ == w)
            break;
    }
    return i;
}

/* Flags of put_col. */
#define RIGHT 0x01 /* padded on the left */
#define SEP 0x02   /* after a column: one space first */

/* s in exactly w columns: padded on the right (or the left, RIGHT), or
 * cut with a '~' marking the cut. */
static void put_col(om_picker_t *p, const char *s, size_t w, int flags)
{
    size_t n = strlen(s), c = cols(s, n);
    int right = flags & RIGHT;
    if (flags & SEP)
        put(p, " ", 1);
    if (c > w) {
        put(p, s, fit(s, n, w - 1));
        put(p, "~", 1);
        return;
    }
    if (right)
        spaces(p, w - c);
    put(p, s, n);
    if (!right)
        spaces(p, w - c);
}

/* USD per million tokens in at most COL_PRICE characters. */
static void put_price(om_picker_t *p, om_price_t v)
{
    char b[OM_PRICE_STR_MAX];
    int n = om_price_format_per_million(v, 4, b, sizeof b);
    if (n > COL_PRICE)
        n = om_price_format_per_million(v, 2, b, sizeof b);
    if (n > COL_PRICE) {
        char *dot = strchr(b, '.');
        if (dot)
            *dot = '\0';
        if (strlen(b) > COL_PRICE)
            strcpy(b, "huge");
    }
    if (n < 0)
        strcpy(b, "?");
    put_col(p, b, COL_PRICE, SEP | RIGHT);
}

static void put_row_head(om_picker_t *p, const char *title)
{
    spaces(p, COL_NUM);
    put_col(p, title, COL_ID, SEP);
    puts_(p, "   IN $/M  OUT $/M CONTEXT\r\n");
}

static void put_row(om_picker_t *p, unsigned num, const om_model_t *m)
{
    char ctx[8];
    char nb[21];
    om_u64_dec(num, nb);
    put_col(p, nb, COL_NUM, RIGHT);
    put_col(p, om_model_id(p->cfg.table, m), COL_ID, SEP);
    put_price(p, m->prompt);
    put_price(p, m->completion);
    if (m->context_length)
        om_format_context(m->context_length, ctx);
    else
        strcpy(ctx, "-");
    put_col(p, ctx, COL_CTX, SEP | RIGHT);
    nl(p);
}

/* 'TERM', cut to fit a title line. */
static void put_term(om_picker_t *p)
{
    size_t c = cols(p->term, strlen(p->term));
    put(p, "'", 1);
    put_col(p, p->term, c > TERM_SHOWN ? TERM_SHOWN : c, 0);
    put(p, "'", 1);
}

/* --------------------------------------------------------------- screens */

static const om_model_t *model_at(const om_picker_t *p, size_t k)
{
    return &p->cfg.table->models[p->cfg.idx[k]];
}

/* The popular models present (and free, under free only) into idx. */
static void build_popular(om_picker_t *p)
{
    const om_table_t *t = p->cfg.table;
    size_t i, j, np = p->cfg.npopular;
    p->n = 0;
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
}

static void filter_of(const om_picker_t *p, om_filter_t *f)
{
    memset(f, 0, sizeof *f);
    f->free_only = p->free_only;
    if (p->list_kind == LIST_SEARCH)
        f->term = p->term;
}

/* The list on screen (all, or the search) into idx, from the top. */
static void build_list(om_picker_t *p)
{
    om_filter_t f;
    int n;
    filter_of(p, &f);
    n = om_table_select(p->cfg.table, &f, (om_order_t)p->order, p->cfg.idx,
                        OM_TABLE_CAPACITY);
    p->n = (uint16_t)(n > OM_TABLE_CAPACITY ? OM_TABLE_CAPACITY : n);
    p->page = 0;
}

/* The first line of the main screen, by cfg.source. */
static const char *const header_fmt[4] = {
    "Found %u model%s",
    "! Could not fetch models, using the saved %u",
    "! Failed to fetch models, using the %u defaults",
    "! No saved model list yet, using the %u defaults",
};

static void draw_header(om_picker_t *p)
{
    const om_table_t *t = p->cfg.table;
    char d[21];
    pf(p, header_fmt[p->cfg.source], t->count, t->count == 1 ? NULL : "s");
    if (p->cfg.source <= OM_PICKER_SRC_STALE && t->updated_at > 0) {
        om_format_time(t->updated_at, d);
        d[10] = '\0'; /* the day is enough on a console */
        pf(p, " (updated %s)", d);
    }
    nl(p);
}

static void prompt(om_picker_t *p)
{
    if (p->mode == MODE_TERM)
        puts_(p, "Search for: ");
    else if (p->mode == MODE_LIST)
        puts_(p, "> ");
    else
        puts_(p, "Select or search: ");
}

/* A one-line reply to a command, then the prompt again. */
static void say(om_picker_t *p, const char *a)
{
    puts_(p, a);
    nl(p);
    prompt(p);
}

static void draw_main(om_picker_t *p)
{
    size_t i;
    p->mode = MODE_MAIN;
    build_popular(p);
    draw_header(p);
    if (p->current[0]) {
        size_t c = cols(p->current, strlen(p->current));
        puts_(p, "Current: ");
        put_col(p, p->current, c > 56 ? 56 : c, 0);
        if (om_table_find(p->cfg.table, p->current, strlen(p->current)) < 0)
            puts_(p, " (not listed)");
        nl(p);
    }
    nl(p);
    put_row_head(p, p->free_only ? "Popular free models" : "Popular models");
    for (i = 0; i < p->n; i++)
        put_row(p, (unsigned)(i + 1), model_at(p, i));
    if (p->n == 0)
        pf(p, "    (none of them is %s)\r\n", p->free_only ? "free" : "listed");
    pf(p, "\r\ns TERM search  a show all (%u)  f free only: %s  o order: %s"
          "  q quit\r\nA number chooses; so does a full model id.\r\n",
       p->cfg.table->count, p->free_only ? "on" : "off", order_names[p->order]);
    prompt(p);
}

static void draw_list(om_picker_t *p)
{
    unsigned pages = (p->n + OM_PICKER_PAGE - 1u) / OM_PICKER_PAGE;
    size_t i, end = (size_t)p->page + OM_PICKER_PAGE;
    p->mode = MODE_LIST;
    if (end > p->n)
        end = p->n;
    if (p->list_kind == LIST_SEARCH) {
        puts_(p, "Models matching ");
        put_term(p);
        puts_(p, ": ");
    } else {
        puts_(p, "All models: ");
    }
    pf(p, "%u%s, by %s\r\n", p->n, p->free_only ? " free" : NULL,
       order_names[p->order]);
    put_row_head(p, "MODEL");
    for (i = p->page; i < end; i++)
        put_row(p, (unsigned)(i + 1), model_at(p, i));
    if (p->n == 0) {
        puts_(p, "    (none)\r\n");
        pages = 1;
    }
    pf(p, "Page %u of %u: a number chooses; n next, p previous, q back; s a f o\r\n",
       p->page / OM_PICKER_PAGE + 1u, pages);
    prompt(p);
}

/* -------------------------------------------------------------- commands */

static void finish(om_picker_t *p, int status)
{
    if (p->status != OM_PICKER_MORE)
        return;
    pf(p, p->current[0] ? "%sNo change: still %s.\r\n" : "%sNo model chosen.\r\n",
       status == OM_PICKER_CANCEL ? "Cancelled. " : NULL, p->current);
    p->status = status;
}

static void choose(om_picker_t *p, const om_model_t *m)
{
    const char *id = om_model_id(p->cfg.table, m);
    const om_store_t *st = p->cfg.store;
    int e = st->sel_save(st->ctx, id);
    if (e < 0) {
        pf(p, "! Could not save the selection: %s\r\n", om_strerror(e));
        flush(p);
        if (p->status >= 0)
            p->status = e;
        return;
    }
    memcpy(p->current, id, m->id_len);
    p->current[m->id_len] = '\0';
    pf(p, "Selected: %s\r\n", id);
    p->status = OM_PICKER_CHOSEN;
}

static void search(om_picker_t *p, const char *term)
{
    om_filter_t f;
    size_t n = strlen(term);
    if (p->mode == MODE_TERM)
        p->mode = p->mode_prev;
    memset(&f, 0, sizeof f);
    f.term = term;
    f.free_only = p->free_only;
    /* Count first (cap 0 writes nothing): a miss keeps the list on screen. */
    if (om_table_select(p->cfg.table, &f, (om_order_t)p->order, p->cfg.idx,
                        0) == 0) {
        pf(p, "No %smodel matches '", p->free_only ? "free " : NULL);
        put(p, term, fit(term, n, TERM_SHOWN));
        say(p, "'.");
        return;
    }
    if (term != p->term)
        memmove(p->term, term, n + 1);
    p->list_kind = LIST_SEARCH;
    build_list(p);
    draw_list(p);
}

static int parse_num(const char *s, unsigned long *v)
{
    size_t i;
    *v = 0;
    for (i = 0; s[i]; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 6)
            return -1;
        *v = *v * 10u + (unsigned long)(s[i] - '0');
    }
    return i ? 0 : -1;
}

/* Redraws what is on screen after a change of filter or order. */
static void redraw(om_picker_t *p)
{
    if (p->mode == MODE_LIST) {
        build_list(p);
        draw_list(p);
    } else {
        draw_main(p);
    }
}

static void command(om_picker_t *p, char *s)
{
    size_t n = strlen(s);
    unsigned long k;
    char c;
    int i;

    while (n && s[n - 1] == ' ')
        s[--n] = '\0';
    while (*s == ' ') {
        s++;
        n--;
    }
    if (p->mode == MODE_TERM) {
        if (n == 0) {
            p->mode = p->mode_prev;
            prompt(p);
            return;
        }
        search(p, s);
        return;
    }
    if (n == 0) {
        prompt(p);
        return;
    }
    if (parse_num(s, &k) == 0) {
        if (k >= 1 && k <= p->n) {
            choose(p, model_at(p, k - 1));
            return;
        }
        if (p->n == 0) {
            say(p, "Nothing to choose here: try s or a.");
            return;
        }
        pf(p, "No number %s here: choose 1 to %u", s, p->n);
        say(p, ".");
        return;
    }
    c = s[0] >= 'A' && s[0] <= 'Z' ? (char)(s[0] + 32) : s[0];
    if (n == 1) {
        switch (c) {
        case 'q':
            if (p->mode == MODE_LIST)
                draw_main(p);
            else
                finish(p, OM_PICKER_QUIT);
            return;
        case 'a':
            p->list_kind = LIST_ALL;
            build_list(p);
            draw_list(p);
            return;
        case 's':
            p->mode_prev = p->mode;
            p->mode = MODE_TERM;
            prompt(p);
            return;
        case 'f':
            p->free_only = (uint8_t)!p->free_only;
            redraw(p);
            return;
        case 'o':
            p->order = (uint8_t)((p->order + 1u) % OM_ORDER_COUNT);
            redraw(p);
            return;
        case 'n':
        case 'p':
            if (p->mode != MODE_LIST) {
                say(p, "Nothing more here: a shows all models.");
            } else if (c == 'n') {
                if ((size_t)p->page + OM_PICKER_PAGE >= p->n) {
                    say(p, "This is the last page.");
                } else {
                    p->page = (uint16_t)(p->page + OM_PICKER_PAGE);
                    draw_list(p);
                }
            } else if (p->page == 0) {
                say(p, "This is the first page.");
            } else {
                p->page = (uint16_t)(p->page - OM_PICKER_PAGE);
                draw_list(p);
            }
            return;
        default:
            break;
        }
    }
    if (n > 2 && (c == 's') && s[1] == ' ') {
        for (s += 2; *s == ' '; s++)
            ;
        search(p, s);
        return;
    }
    i = om_table_find(p->cfg.table, s, n);
    if (i >= 0) {
        choose(p, &p->cfg.table->models[i]);
        return;
    }
    search(p, s); /* anything else: a search is the friendliest answer */
}

/* ----------------------------------------------------------------- input */

static void bell_once(om_picker_t *p)
{
    if (!p->overflow)
        put(p, "\a", 1);
    p->overflow = 1;
}

/* Appends a whole character to the line and echoes it. */
static void add_char(om_picker_t *p, const uint8_t *b, size_t n)
{
    if (p->overflow || p->line_len + n > OM_PICKER_LINE_MAX) {
        bell_once(p);
        return;
    }
    memcpy(p->line + p->line_len, b, n);
    p->line_len = (uint16_t)(p->line_len + n);
    put(p, (const char *)b, n);
}

static void backspace(om_picker_t *p)
{
    if (p->utf8_need) { /* a half-typed character was never echoed */
        p->utf8_need = 0;
        return;
    }
    p->overflow = 0; /* what is left is exactly what the screen shows */
    if (!p->line_len)
        return;
    while (p->line_len > 1 &&
           ((unsigned char)p->line[p->line_len - 1] & 0xC0u) == 0x80u)
        p->line_len--;
    p->line_len--;
    put(p, "\b \b", 3);
}

static void enter(om_picker_t *p)
{
    int over = p->overflow;
    p->utf8_need = 0;
    p->line[p->line_len] = '\0';
    p->line_len = 0;
    p->overflow = 0;
    nl(p);
    if (over) {
        pf(p, "! Line too long (over %u", (unsigned)OM_PICKER_LINE_MAX);
        say(p, " bytes): ignored.");
        return;
    }
    command(p, p->line);
}

/* A byte of a multi-byte character. Returns 1 when b must be looked at
 * afresh (it broke the sequence). Overlong forms, surrogates and code
 * points above U+10FFFF are refused, as the extractor does. */
static int utf8_byte(om_picker_t *p, uint8_t b)
{
    if (p->utf8_need == 0) {
        uint8_t need = b >= 0xC2 && b <= 0xDF   ? 1
                       : b >= 0xE0 && b <= 0xEF ? 2
                       : b >= 0xF0 && b <= 0xF4 ? 3
                                                : 0;
        if (need) {
            p->utf8_buf[0] = b;
            p->utf8_have = 1;
            p->utf8_need = need;
        }
        return 0;
    }
    {
        uint8_t lo = 0x80, hi = 0xBF, lead = p->utf8_buf[0];
        if (p->utf8_have == 1) {
            if (lead == 0xE0) lo = 0xA0;
            else if (lead == 0xED) hi = 0x9F;
            else if (lead == 0xF0) lo = 0x90;
            else if (lead == 0xF4) hi = 0x8F;
        }
        if (b < lo || b > hi) {
            p->utf8_need = 0;
            return 1;
        }
    }
    p->utf8_buf[p->utf8_have++] = b;
    if (--p->utf8_need == 0)
        add_char(p, p->utf8_buf, p->utf8_have);
    return 0;
}

static void input(om_picker_t *p, uint8_t b)
{
    uint8_t st = p->in_state;
    p->in_state = (uint8_t)(st & ~IN_CR);
    if (st & IN_ESC) { /* ESC [ ... or ESC O x: arrow keys and the like */
        p->in_state = b == '[' ? IN_CSI : b == 'O' ? IN_SS3 : 0;
        return;
    }
    if (st & IN_SS3) {
        p->in_state = 0;
        return;
    }
    if (st & IN_CSI) {
        if (b >= 0x20 && b <= 0x3F) {
            p->in_state = IN_CSI;
            return;
        }
        p->in_state = 0;
        if (b >= 0x40 && b <= 0x7E)
            return;
    }
    if (b >= 0x80 || p->utf8_need) {
        if (b >= 0x80 && !utf8_byte(p, b))
            return;
        p->utf8_need = 0; /* an ASCII byte cut the sequence short */
        if (b >= 0x80) {
            utf8_byte(p, b);
            return;
        }
    }
    switch (b) {
    case '\n':
        if (st & IN_CR)
            return; /* CRLF is one Enter */
        enter(p);
        return;
    case '\r':
        p->in_state |= IN_CR;
        enter(p);
        return;
    case 0x03:
        puts_(p, "^C\r\n");
        finish(p, OM_PICKER_CANCEL);
        return;
    case 0x04:
        if (p->line_len == 0) {
            nl(p);
            finish(p, OM_PICKER_EOF);
        }
        return;
    case 0x08:
    case 0x7F:
        backspace(p);
        return;
    case 0x1B:
        p->in_state = IN_ESC;
        return;
    default:
        if (b >= 0x20)
            add_char(p, &b, 1);
        return; /* other control bytes: line noise */
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
    draw_main(p);
    flush(p);
    return p->status < 0 ? p->status : OM_OK;
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
    nl(p);
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
