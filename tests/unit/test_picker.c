/*
 * test_picker.c - the serial console picker, byte by byte: exact screens,
 * what is saved, and the input a UART really delivers (backspaces, CR,
 * LF and CRLF, Ctrl-C and Ctrl-D, line noise, invalid UTF-8, arrow keys,
 * a 10,000-byte line, input ending mid-line). Every screen of a scripted
 * session over a full table of 512 models (long and non-ASCII ids) must
 * fit 80x24. The console and the store are fakes in RAM.
 */
#include "om_test.h"

#include "om_picker.h"

static om_table_t tab;
static om_table_t tab_copy;
static uint16_t idx[OM_TABLE_CAPACITY];
static om_picker_t pk;

/* ------------------------------------------------------- fake console */

static char out[1 << 20];
static size_t out_len;
static int write_fail_at = -1; /* fail the nth write (0 = first) */
static int writes;

static int fake_write(void *ctx, const void *buf, size_t len)
{
    (void)ctx;
    assert_true(len > 0 && len <= OM_PICKER_OUT_SIZE);
    if (writes++ == write_fail_at)
        return OM_ERR_IO;
    assert_true(out_len + len < sizeof out);
    memcpy(out + out_len, buf, len);
    out_len += len;
    out[out_len] = '\0';
    return OM_OK;
}

/* Scripted input for om_picker_run: bytes, with timeouts between. */
static const char *in_script;
static size_t in_len, in_pos;
static int in_timeouts;

static int fake_read(void *ctx, uint32_t timeout_ms)
{
    (void)ctx;
    assert_int_equal(timeout_ms, 50);
    if (in_pos % 3 == 1 && in_timeouts < 1000) { /* stall now and then */
        in_timeouts++;
        if (in_timeouts % 2)
            return OM_ERR_TIMEOUT;
    }
    if (in_pos >= in_len)
        return OM_ERR_CLOSED;
    return (unsigned char)in_script[in_pos++];
}

static const om_console_t con = {NULL, fake_read, fake_write};

/* ---------------------------------------------------------- RAM store */

static char saved[OM_ID_MAX + 1];
static int saves;
static int save_err;

static int st_load(void *ctx, om_table_t *t)
{
    (void)ctx;
    (void)t;
    return OM_ERR_NOTFOUND;
}
static int st_save(void *ctx, const om_table_t *t)
{
    (void)ctx;
    (void)t;
    return OM_ERR_IO;
}
static int st_sel_load(void *ctx, char *buf, size_t cap)
{
    size_t n = strlen(saved);
    (void)ctx;
    if (!n)
        return OM_ERR_NOTFOUND;
    assert_true(cap > n);
    memcpy(buf, saved, n + 1);
    return (int)n;
}
static int st_sel_save(void *ctx, const char *id)
{
    (void)ctx;
    saves++;
    if (save_err)
        return save_err;
    assert_true(strlen(id) >= 1 && strlen(id) <= OM_ID_MAX);
    strcpy(saved, id);
    return OM_OK;
}
static const om_store_t store = {NULL, st_load, st_save, st_sel_load,
                                 st_sel_save};

/* ------------------------------------------------------------ helpers */

static void put(const char *id, const char *name, const char *in,
                const char *outp, uint32_t ctx, uint32_t created)
{
    om_model_t m;
    memset(&m, 0, sizeof m);
    m.prompt = OM_PRICE_NONE;
    m.completion = OM_PRICE_NONE;
    if (in)
        assert_int_equal(om_price_parse(in, strlen(in), &m.prompt), 0);
    if (outp)
        assert_int_equal(om_price_parse(outp, strlen(outp), &m.completion), 0);
    m.context_length = ctx;
    m.created = created;
    m.seq = tab.count;
    m.id_len = (uint8_t)strlen(id);
    m.name_len = (uint8_t)strlen(name);
    assert_int_equal(om_table_put(&tab, &m, id, name), OM_PUT_ADDED);
}

/* Six models, three of them popular; updated 2025-05-23. */
static void small_table(void)
{
    om_table_init(&tab);
    put("anthropic/claude-sonnet-4", "Anthropic: Claude Sonnet 4", "0.000003",
        "0.000015", 200000, 1747930371u);
    put("openai/gpt-4o", "OpenAI: GPT-4o", "0.0000025", "0.00001", 128000,
        1715367049u);
    put("meta-llama/llama-3.3-70b-instruct", "Meta: Llama 3.3 70B Instruct",
        "0.00000007", "0.00000025", 131072, 1733506137u);
    put("google/gemma-3-27b-it:free", "Google: Gemma 3 27B (free)", "0", "0",
        96000, 1741756359u);
    put("mistralai/mistral-small", "Mistral Small", "0.0000002", "0.0000006",
        32768, 1704844800u);
    put("openrouter/auto", "Auto Router", "-1", "-1", 2000000, 1699401600u);
    tab.updated_at = 1747958400; /* 2025-05-23T00:00:00Z */
}

static int reset(void)
{
    out_len = 0;
    out[0] = '\0';
    writes = 0;
    write_fail_at = -1;
    saved[0] = '\0';
    saves = 0;
    save_err = 0;
    in_timeouts = 0;
    return 0;
}

static int setup(void **state)
{
    (void)state;
    reset();
    small_table();
    return 0;
}

static int start_with(om_picker_source_t src, const char *const *popular,
                      size_t np)
{
    om_picker_cfg_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.table = &tab;
    cfg.idx = idx;
    cfg.store = &store;
    cfg.console = &con;
    cfg.popular = popular;
    cfg.npopular = np;
    cfg.source = src;
    memcpy(&tab_copy, &tab, sizeof tab);
    return om_picker_init(&pk, &cfg);
}

static void start(void)
{
    assert_int_equal(start_with(OM_PICKER_SRC_CATALOGUE, NULL, 0), OM_OK);
}

/* Feeds n bytes; returns the status after the last. */
static int feed_n(const char *s, size_t n)
{
    size_t i;
    int st = OM_PICKER_MORE;
    for (i = 0; i < n; i++)
        st = om_picker_feed(&pk, (unsigned char)s[i]);
    return st;
}

static int feed(const char *s)
{
    return feed_n(s, strlen(s));
}

/* The output since position at. */
static const char *since(size_t at)
{
    return out + at;
}

static const char main_screen[] =
    "Found 6 models (updated 2025-05-23)\r\n"
    "\r\n"
    "    Popular models                                      IN $/M  OUT $/M CONTEXT\r\n"
    "  1 anthropic/claude-sonnet-4                             3.00    15.00    200K\r\n"
    "  2 openai/gpt-4o                                         2.50    10.00    128K\r\n"
    "  3 meta-llama/llama-3.3-70b-instruct                     0.07     0.25    131K\r\n"
    "\r\n"
    "s TERM search  a show all (6)  f free only: off  o order: id  q quit\r\n"
    "A number or a full model id chooses.\r\n"
    "Select or search: ";

/* --------------------------------------------------------------- tests */

static void test_first_screen_exact(void **state)
{
    (void)state;
    start();
    assert_string_equal(out, main_screen);
    assert_int_equal(saves, 0);
}

static void test_number_selects_and_saves(void **state)
{
    size_t at;
    (void)state;
    start();
    at = out_len;
    assert_int_equal(feed("2\r"), OM_PICKER_CHOSEN);
    assert_string_equal(since(at), "2\r\nSelected: openai/gpt-4o\r\n");
    assert_string_equal(saved, "openai/gpt-4o");
    assert_int_equal(saves, 1);
    assert_string_equal(om_picker_chosen(&pk), "openai/gpt-4o");
    /* Finished: later bytes change nothing. */
    at = out_len;
    assert_int_equal(feed("\n1\r"), OM_PICKER_CHOSEN);
    assert_int_equal(out_len, at);
    assert_int_equal(saves, 1);
    assert_memory_equal(&tab, &tab_copy, sizeof tab); /* read in place */
}

static void test_defaults_table(void **state)
{
    size_t at;
    (void)state;
    assert_int_equal(om_table_load_defaults(&tab), OM_OK);
    if (tab.count != 4)
        skip(); /* a snapshot build: not the plan's four */
    assert_int_equal(start_with(OM_PICKER_SRC_DEFAULTS, NULL, 0), OM_OK);
    assert_string_equal(
        out,
        "! Fetch failed; using 4 built-in models\r\n"
        "\r\n"
        "    Popular models                                      IN $/M  OUT $/M CONTEXT\r\n"
        "  1 anthropic/claude-sonnet-4                                -        -       -\r\n"
        "  2 anthropic/claude-3.5-sonnet                              -        -       -\r\n"
        "  3 openai/gpt-4-turbo                                       -        -       -\r\n"
        "  4 meta-llama/llama-3.3-70b-instruct                        -        -       -\r\n"
        "\r\n"
        "s TERM search  a show all (4)  f free only: off  o order: id  q quit\r\n"
        "A number or a full model id chooses.\r\n"
        "Select or search: ");
    at = out_len;
    assert_int_equal(feed("4\r\n"), OM_PICKER_CHOSEN);
    assert_string_equal(since(at),
                        "4\r\nSelected: meta-llama/llama-3.3-70b-instruct\r\n");
    assert_string_equal(saved, "meta-llama/llama-3.3-70b-instruct");

    reset();
    assert_int_equal(start_with(OM_PICKER_SRC_NO_TABLE, NULL, 0), OM_OK);
    assert_true(strncmp(out, "! Nothing saved yet; using 4 built-in models\r\n\r\n",
                        48) == 0);
}

static void test_stale_header(void **state)
{
    (void)state;
    assert_int_equal(start_with(OM_PICKER_SRC_STALE, NULL, 0), OM_OK);
    assert_true(strncmp(out,
                        "! Fetch failed; using 6 saved models "
                        "(updated 2025-05-23)\r\n\r\n",
                        61) == 0);
}

/* One model: "model", whatever the source. */
static void test_header_one_model(void **state)
{
    static const char stale[] = "! Fetch failed; using 1 saved model\r\n\r\n";
    static const char found[] = "Found 1 model\r\n\r\n";
    (void)state;
    om_table_init(&tab);
    put("openai/gpt-4o", "OpenAI: GPT-4o", "0.0000025", "0.00001", 128000,
        1715367049u);
    assert_int_equal(start_with(OM_PICKER_SRC_STALE, NULL, 0), OM_OK);
    assert_true(strncmp(out, stale, sizeof stale - 1) == 0);
    reset();
    assert_int_equal(start_with(OM_PICKER_SRC_CATALOGUE, NULL, 0), OM_OK);
    assert_true(strncmp(out, found, sizeof found - 1) == 0);
}

static void test_popular_configurable(void **state)
{
    static const char *const pop[] = {"openrouter/auto", "no/such-model",
                                      "google/gemma-3-27b-it:free",
                                      "openrouter/auto"};
    (void)state;
    assert_int_equal(start_with(OM_PICKER_SRC_CATALOGUE, pop, 4), OM_OK);
    assert_non_null(strstr(out,
        "  1 openrouter/auto                                        var      var      2M\r\n"
        "  2 google/gemma-3-27b-it:free                            0.00     0.00     96K\r\n"
        "\r\n"));
    assert_null(strstr(out, "  3 "));
    assert_int_equal(feed("1\r"), OM_PICKER_CHOSEN);
    assert_string_equal(saved, "openrouter/auto");
}

static void test_backspaces(void **state)
{
    size_t at;
    (void)state;
    start();
    at = out_len;
    /* 0x08 and 0x7F each erase one character; on an empty line nothing. */
    assert_int_equal(feed("\x08\x7f" "9\x08" "x\x7f" "3\r"), OM_PICKER_CHOSEN);
    assert_string_equal(since(at), "9\b \bx\b \b3\r\nSelected: "
                                   "meta-llama/llama-3.3-70b-instruct\r\n");
    /* A two-byte character goes with one backspace. */
    reset();
    start();
    at = out_len;
    assert_int_equal(feed("1\xc3\xa9\x7f\r"), OM_PICKER_CHOSEN);
    assert_string_equal(since(at), "1\xc3\xa9\b \b\r\nSelected: "
                                   "anthropic/claude-sonnet-4\r\n");
}

static void test_line_ends(void **state)
{
    size_t at;
    (void)state;
    start();
    /* CRLF is one Enter: one reprompt, not two. LF alone and CR alone
     * are each one too. */
    at = out_len;
    assert_int_equal(feed("\r\n"), OM_PICKER_MORE);
    assert_string_equal(since(at), "\r\nSelect or search: ");
    at = out_len;
    assert_int_equal(feed("\n\r"), OM_PICKER_MORE);
    assert_string_equal(since(at),
                        "\r\nSelect or search: \r\nSelect or search: ");
    at = out_len;
    assert_int_equal(feed("\r\r\n"), OM_PICKER_MORE);
    assert_string_equal(since(at),
                        "\r\nSelect or search: \r\nSelect or search: ");
    at = out_len;
    assert_int_equal(feed("f\r\n"), OM_PICKER_MORE);
    assert_non_null(strstr(since(at), "f free only: on"));
    assert_int_equal(feed("f\n"), OM_PICKER_MORE);
    assert_int_equal(feed("1\r\n"), OM_PICKER_CHOSEN);
    assert_string_equal(saved, "anthropic/claude-sonnet-4");
}

static void test_ctrl_c_cancels(void **state)
{
    size_t at;
    (void)state;
    strcpy(saved, "openai/gpt-4o");
    start();
    assert_non_null(strstr(out, "Current: openai/gpt-4o\r\n"));
    at = out_len;
    assert_int_equal(feed("a\r12\x03" "1\r"), OM_PICKER_CANCEL);
    assert_true(out_len - at > 60);
    assert_string_equal(
        since(out_len - 52),
        "> 12^C\r\nCancelled. No change: still openai/gpt-4o.\r\n");
    assert_int_equal(saves, 0);
    assert_null(om_picker_chosen(&pk));
    assert_int_equal(om_picker_end(&pk), OM_PICKER_CANCEL);
}

static void test_ctrl_d(void **state)
{
    size_t at;
    (void)state;
    start();
    at = out_len;
    /* Ignored inside a line, ends the picker on an empty one. */
    assert_int_equal(feed("1\x04"), OM_PICKER_MORE);
    assert_int_equal(feed("\x7f\x04"), OM_PICKER_EOF);
    assert_string_equal(since(at), "1\b \b\r\nNo model chosen.\r\n");
    assert_int_equal(saves, 0);
}

static void test_line_noise_and_bad_utf8(void **state)
{
    /* Control bytes, lone continuation, overlong, surrogate, above
     * U+10FFFF, a lead cut by ASCII, 0xFF: none reaches the line. */
    static const char noise[] = "\x01\x02\x07\x09\x0b\x0c\x0e\x1a\x1c\x80\xbf"
                                "\xc0\xaf\xc1\xbf\xed\xa0\x80\xf4\x90\x80\x80"
                                "\xf5\x80\xff\xfe\xe2\x82" "2" "\xe0\x80\xaf"
                                "\x1b[A\x1b[1;5C\x1bOB\x1bx";
    size_t at;
    (void)state;
    start();
    at = out_len;
    assert_int_equal(feed_n(noise, sizeof noise - 1), OM_PICKER_MORE);
    assert_string_equal(since(at), "2");
    assert_int_equal(feed("\r"), OM_PICKER_CHOSEN);
    assert_string_equal(saved, "openai/gpt-4o");
}

static void test_valid_utf8_echoed(void **state)
{
    size_t at;
    (void)state;
    start();
    at = out_len;
    /* 2, 3 and 4-byte characters are kept and echoed whole. */
    assert_int_equal(feed("s \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\r"),
                     OM_PICKER_MORE);
    assert_string_equal(since(at), "s \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\r\n"
                        "No model matches '\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80'.\r\n"
                        "Select or search: ");
}

static void test_long_line_refused(void **state)
{
    static char big[10001];
    size_t at, bells = 0, i;
    (void)state;
    start();
    memset(big, '1', 10000);
    at = out_len;
    assert_int_equal(feed(big), OM_PICKER_MORE);
    for (i = at; i < out_len; i++)
        bells += out[i] == '\a';
    assert_int_equal(bells, 1);
    assert_int_equal(out_len - at, OM_PICKER_LINE_MAX + 1);
    at = out_len;
    assert_int_equal(feed("\r\n"), OM_PICKER_MORE);
    assert_string_equal(since(at), "\r\n! Line over 104 bytes: "
                                   "ignored.\r\nSelect or search: ");
    assert_int_equal(saves, 0);
    assert_int_equal(feed("3\r\n"), OM_PICKER_CHOSEN);
    assert_string_equal(saved, "meta-llama/llama-3.3-70b-instruct");
}

static void test_long_line_backspaced(void **state)
{
    static char big[301];
    size_t i;
    (void)state;
    start();
    memset(big, 'x', 300);
    assert_int_equal(feed(big), OM_PICKER_MORE);
    /* Erase all that was shown: what is left is what is on screen. */
    for (i = 0; i < OM_PICKER_LINE_MAX; i++)
        assert_int_equal(feed("\x7f"), OM_PICKER_MORE);
    assert_int_equal(feed("1\r"), OM_PICKER_CHOSEN);
    assert_string_equal(saved, "anthropic/claude-sonnet-4");
}

static void test_utf8_at_line_end(void **state)
{
    static char big[OM_PICKER_LINE_MAX];
    size_t at, bells = 0, i;
    (void)state;
    start();
    memset(big, 'x', OM_PICKER_LINE_MAX - 1);
    assert_int_equal(feed(big), OM_PICKER_MORE);
    /* One byte of room: the e-acute's lead byte fits, the character does
     * not. Nothing of it is echoed, the bell rings once. */
    at = out_len;
    assert_int_equal(feed("\xc3\xa9\xc3\xa9"), OM_PICKER_MORE);
    for (i = at; i < out_len; i++)
        bells += out[i] == '\a';
    assert_int_equal(bells, 1);
    assert_int_equal(out_len - at, 1);
    /* A backspace erases the last x shown (the half character goes too),
     * and the character then fits. */
    at = out_len;
    assert_int_equal(feed("\x7f\xc3\xa9"), OM_PICKER_MORE);
    assert_string_equal(since(at), "\b \b\xc3\xa9");
    at = out_len;
    assert_int_equal(feed("\r"), OM_PICKER_MORE);
    assert_non_null(strstr(since(at), "No model matches 'xxx"));
    assert_null(strstr(since(at), "Line over"));
    /* A lead byte cut by a lead byte: the first is dropped, the second
     * starts its own character. */
    at = out_len;
    assert_int_equal(feed("s \xe2\xc3\xa9\r"), OM_PICKER_MORE);
    assert_string_equal(since(at), "s \xc3\xa9\r\nNo model matches "
                                   "'\xc3\xa9'.\r\nSelect or search: ");
}

static void test_end_mid_line(void **state)
{
    size_t at;
    (void)state;
    start();
    at = out_len;
    assert_int_equal(feed("1"), OM_PICKER_MORE);
    assert_int_equal(om_picker_end(&pk), OM_PICKER_EOF);
    assert_string_equal(since(at), "1\r\nNo model chosen.\r\n");
    assert_int_equal(saves, 0);
    assert_int_equal(om_picker_feed(&pk, '\r'), OM_PICKER_EOF);
}

static void test_quit(void **state)
{
    size_t at;
    (void)state;
    strcpy(saved, "mistralai/mistral-small");
    start();
    at = out_len;
    assert_int_equal(feed("Q\r"), OM_PICKER_QUIT);
    assert_string_equal(since(at), "Q\r\nNo change: still mistralai/mistral-small.\r\n");
    assert_int_equal(saves, 0);
    assert_string_equal(saved, "mistralai/mistral-small");
}

static void test_not_listed(void **state)
{
    (void)state;
    strcpy(saved, "old/gone-model");
    start();
    assert_non_null(strstr(out, "Current: old/gone-model (not listed)\r\n"));
    assert_int_equal(feed("q\r"), OM_PICKER_QUIT);
    assert_string_equal(saved, "old/gone-model");
}

static void test_search(void **state)
{
    size_t at;
    (void)state;
    start();
    at = out_len;
    assert_int_equal(feed("s GPT-4O\r"), OM_PICKER_MORE);
    assert_string_equal(
        since(at),
        "s GPT-4O\r\n"
        "Models matching 'GPT-4O': 1, by id\r\n"
        "    MODEL                                               IN $/M  OUT $/M CONTEXT\r\n"
        "  1 openai/gpt-4o                                         2.50    10.00    128K\r\n"
        "Page 1 of 1: a number chooses; n next, p previous, q back; s a f o\r\n"
        "> ");
    /* The name is searched too; a miss keeps the list on screen. */
    at = out_len;
    assert_int_equal(feed("s\r"), OM_PICKER_MORE);
    assert_string_equal(since(at), "s\r\nSearch for: ");
    at = out_len;
    assert_int_equal(feed("  zzz  \r"), OM_PICKER_MORE);
    assert_string_equal(since(at), "  zzz  \r\nNo model matches 'zzz'.\r\n> ");
    assert_int_equal(feed("2\r"), OM_PICKER_MORE); /* still the 1-row list */
    assert_non_null(strstr(out, "No number 2 in this list of 1.\r\n> "));
    at = out_len;
    assert_int_equal(feed("s\r\r"), OM_PICKER_MORE); /* empty term: back */
    assert_string_equal(since(at), "s\r\nSearch for: \r\n> ");
    at = out_len;
    assert_int_equal(feed("s\rsmall\r"), OM_PICKER_MORE);
    assert_non_null(strstr(since(at), "Models matching 'small': 1, by id\r\n"));
    assert_int_equal(feed("1\r"), OM_PICKER_CHOSEN);
    assert_string_equal(saved, "mistralai/mistral-small");
}

static void test_plain_text_searches(void **state)
{
    size_t at;
    (void)state;
    start();
    at = out_len;
    /* "Router" is in a name only. */
    assert_int_equal(feed("router\r"), OM_PICKER_MORE);
    assert_non_null(strstr(since(at), "Models matching 'router': 1, by id\r\n"
                                      "    MODEL"));
    assert_non_null(strstr(since(at), "  1 openrouter/auto "));
    assert_int_equal(feed("1\r"), OM_PICKER_CHOSEN);
    assert_string_equal(saved, "openrouter/auto");
}

static void test_full_id_selects(void **state)
{
    size_t at;
    (void)state;
    start();
    at = out_len;
    assert_int_equal(feed(" google/gemma-3-27b-it:free \r\n"), OM_PICKER_CHOSEN);
    assert_string_equal(since(at), " google/gemma-3-27b-it:free \r\n"
                                   "Selected: google/gemma-3-27b-it:free\r\n");
    assert_string_equal(saved, "google/gemma-3-27b-it:free");
}

static void test_free_and_order(void **state)
{
    size_t at;
    (void)state;
    start();
    at = out_len;
    assert_int_equal(feed("f\r"), OM_PICKER_MORE);
    assert_non_null(strstr(since(at),
                           "    Popular models                                      IN $/M  OUT $/M CONTEXT\r\n"
                           "    (none)\r\n"));
    assert_non_null(strstr(since(at), "  f free only: on  "));
    at = out_len;
    assert_int_equal(feed("a\r"), OM_PICKER_MORE);
    assert_string_equal(
        since(at),
        "a\r\n"
        "All models: 1 free, by id\r\n"
        "    MODEL                                               IN $/M  OUT $/M CONTEXT\r\n"
        "  1 google/gemma-3-27b-it:free                            0.00     0.00     96K\r\n"
        "Page 1 of 1: a number chooses; n next, p previous, q back; s a f o\r\n"
        "> ");
    assert_int_equal(feed("f\r"), OM_PICKER_MORE);
    /* o cycles: price, context, newest, id. */
    at = out_len;
    assert_int_equal(feed("o\r"), OM_PICKER_MORE);
    assert_non_null(strstr(since(at),
        "All models: 6, by price\r\n"
        "    MODEL                                               IN $/M  OUT $/M CONTEXT\r\n"
        "  1 google/gemma-3-27b-it:free                            0.00     0.00     96K\r\n"
        "  2 meta-llama/llama-3.3-70b-instruct                     0.07     0.25    131K\r\n"
        "  3 mistralai/mistral-small                               0.20     0.60     33K\r\n"
        "  4 openai/gpt-4o                                         2.50    10.00    128K\r\n"
        "  5 anthropic/claude-sonnet-4                             3.00    15.00    200K\r\n"
        "  6 openrouter/auto                                        var      var      2M\r\n"));
    at = out_len;
    assert_int_equal(feed("o\r"), OM_PICKER_MORE);
    assert_non_null(strstr(since(at), "All models: 6, by context\r\n"
                                      "    MODEL"));
    assert_non_null(strstr(since(at), "  1 openrouter/auto "));
    at = out_len;
    assert_int_equal(feed("o\r"), OM_PICKER_MORE);
    assert_non_null(strstr(since(at), "All models: 6, by newest\r\n"));
    assert_non_null(strstr(since(at), "  1 anthropic/claude-sonnet-4 "));
    at = out_len;
    assert_int_equal(feed("o\r"), OM_PICKER_MORE);
    assert_non_null(strstr(since(at), "All models: 6, by id\r\n"));
    /* q goes back to the main screen, then quits. */
    at = out_len;
    assert_int_equal(feed("q\r"), OM_PICKER_MORE);
    assert_string_equal(since(at) + 3, main_screen);
    assert_int_equal(feed("q\r"), OM_PICKER_QUIT);
}

/* A price too long for its column says which way: a tiny one is not
 * shown as huge. */
static void test_price_extremes(void **state)
{
    size_t at;
    (void)state;
    om_table_init(&tab);
    put("a/tiny", "Tiny", "0.0000000000012", "0.00000000001", 1000, 1);
    put("b/huge", "Huge", "0.1", "1", 1000, 2);
    start();
    at = out_len;
    assert_int_equal(feed("a\r"), OM_PICKER_MORE);
    assert_non_null(strstr(since(at),
        "  1 a/tiny                                             <0.0001  0.00001      1K\r\n"
        "  2 b/huge                                                huge     huge      1K\r\n"));
}

static void test_numbers_out_of_range(void **state)
{
    (void)state;
    start();
    assert_int_equal(feed("0\r4\r99999999\r"), OM_PICKER_MORE);
    assert_non_null(strstr(out, "0\r\nNo number 0 in this list of 3.\r\n"));
    assert_non_null(strstr(out, "4\r\nNo number 4 in this list of 3.\r\n"));
    assert_non_null(strstr(out, "99999999\r\nNo number 99999999 in this list of 3.\r\n"));
    assert_int_equal(feed("n\r"), OM_PICKER_MORE);
    assert_non_null(strstr(out, "No next page.\r\n"));
    assert_int_equal(saves, 0);
}

static void test_save_fails(void **state)
{
    size_t at;
    (void)state;
    save_err = OM_ERR_IO;
    start();
    at = out_len;
    assert_int_equal(feed("1\r"), OM_ERR_IO);
    assert_non_null(strstr(since(at), "! Could not save: "));
    assert_null(strstr(since(at), "Selected:"));
    assert_null(om_picker_chosen(&pk));
}

static void test_write_fails(void **state)
{
    (void)state;
    write_fail_at = 0;
    assert_int_equal(start_with(OM_PICKER_SRC_CATALOGUE, NULL, 0), OM_ERR_IO);
    reset();
    start();
    write_fail_at = writes;
    assert_int_equal(feed("a"), OM_ERR_IO);
    assert_int_equal(feed("\r"), OM_ERR_IO);
    assert_int_equal(saves, 0);
}

static void test_init_inval(void **state)
{
    om_picker_cfg_t cfg;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(om_picker_init(&pk, &cfg), OM_ERR_INVAL);
    cfg.table = &tab;
    cfg.idx = idx;
    cfg.console = &con;
    assert_int_equal(om_picker_init(&pk, &cfg), OM_ERR_INVAL); /* no store */
    assert_int_equal(out_len, 0);
}

static void test_run_loop(void **state)
{
    static const char script[] = "\x01s gpt\r\n1\r\n";
    (void)state;
    start();
    in_script = script;
    in_len = sizeof script - 1;
    in_pos = 0;
    assert_int_equal(om_picker_run(&pk, 50), OM_PICKER_CHOSEN);
    assert_true(in_timeouts > 0);
    assert_string_equal(saved, "openai/gpt-4o");
    /* Input that ends mid-line: nothing saved. */
    reset();
    start();
    in_script = "a\rn\r1";
    in_len = 5;
    in_pos = 0;
    assert_int_equal(om_picker_run(&pk, 50), OM_PICKER_EOF);
    assert_int_equal(saves, 0);
}

/* ------------------------------------------------- a full table, 80x24 */

static void full_table(void)
{
    static const char *const vendors[] = {"openai", "anthropic", "google",
                                          "meta-llama", "mistralai", "qwen",
                                          "deepseek", "x-ai"};
    char id[OM_ID_MAX + 1], name[64];
    size_t i;
    om_table_init(&tab);
    for (i = 0; tab.count < OM_TABLE_CAPACITY; i++) {
        om_model_t m;
        char in[24], o[24];
        memset(&m, 0, sizeof m);
        if (i % 50 == 7) { /* the longest id the table takes */
            memset(id, 'l', OM_ID_MAX);
            snprintf(id, OM_ID_MAX, "longvendor/%03u-", (unsigned)i);
            id[strlen(id)] = 'x';
            id[OM_ID_MAX] = '\0';
        } else if (i % 50 == 9) { /* non-ASCII, 2 bytes a character */
            snprintf(id, sizeof id, "caf\xc3\xa9/mod\xc3\xa8le-%u", (unsigned)i);
        } else {
            snprintf(id, sizeof id, "%s/model-%u%s", vendors[i % 8],
                     (unsigned)i, i % 5 == 0 ? ":free" : "");
        }
        snprintf(name, sizeof name, "Model %u", (unsigned)i);
        snprintf(in, sizeof in, "0.%09u", (unsigned)(i * 7919u % 100000000u));
        snprintf(o, sizeof o, "%u.5", (unsigned)(i % 3)); /* up to 2.5M$/M */
        if (i % 5 == 0) {
            strcpy(in, "0");
            strcpy(o, "0");
        }
        assert_int_equal(om_price_parse(in, strlen(in), &m.prompt), 0);
        assert_int_equal(om_price_parse(o, strlen(o), &m.completion), 0);
        m.context_length = (uint32_t)(i * 104729u % 4000000u);
        m.created = (uint32_t)(1700000000u + i * 3571u % 10000000u);
        m.seq = (uint16_t)i;
        m.id_len = (uint8_t)strlen(id);
        m.name_len = (uint8_t)strlen(name);
        assert_true(om_table_put(&tab, &m, id, name) >= 0);
    }
    tab.updated_at = 1770854400;
}

/* Every screen: at most 23 lines (the typed line stays in view on 24),
 * each at most 79 columns; no escape sequences. */
static void check_fit(const char *s)
{
    size_t lines = 1, col = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        assert_true(c != 0x1b);
        if (c == '\r')
            continue;
        if (c == '\n') {
            lines++;
            col = 0;
            continue;
        }
        if ((c & 0xC0u) != 0x80u)
            col++;
        if (col > 79)
            fail_msg("line over 79 columns: %.100s", s - 79);
    }
    if (lines > 23)
        fail_msg("%u lines", (unsigned)lines);
}

static void test_screens_fit_80x24(void **state)
{
    static const char *const script[] = {
        "a", "n", "n", "p", "o", "n", "o", "o", "o", "f", "n", "n", "p", "q",
        "s model-1", "n", "n", "n", "o", "s longvendor", "n", "s caf",
        "s \xc3\xa9", "s xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "s model-4xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "q", "f", "f",
        "n", "p", "0", "999", "s", "", "s", "model-3", "q", "a", "p", "f",
    };
    size_t i, pages = 0;
    (void)state;
    full_table();
    assert_int_equal(tab.count, OM_TABLE_CAPACITY);
    strcpy(saved, "x/not-there-any-more");
    start();
    check_fit(out);
    for (i = 0; i < sizeof script / sizeof script[0]; i++) {
        size_t at;
        feed(script[i]);
        at = out_len;
        assert_int_equal(feed("\r"), OM_PICKER_MORE);
        check_fit(since(at));
        pages += strstr(since(at), "Page ") != NULL;
    }
    assert_true(pages >= 15);
    /* Long ids are cut with a '~' in the list, whole when chosen. */
    feed("a\r");
    assert_non_null(strstr(out, "llllll~ "));
    /* Paging: row numbers continue across pages; the last page says so. */
    for (i = 0; i < 28; i++)
        feed("n\r");
    assert_non_null(strstr(out, "Page 29 of 29"));
    assert_non_null(strstr(out, "\r\n512 "));
    assert_non_null(strstr(out, "No next page.\r\n> "));
    assert_non_null(strstr(out, "All models: 512, by price\r\n"));
    assert_int_equal(feed("512\r"), OM_PICKER_CHOSEN);
    assert_int_equal(om_table_select(&tab, NULL, OM_ORDER_PRICE, idx,
                                     OM_TABLE_CAPACITY), OM_TABLE_CAPACITY);
    assert_string_equal(saved, om_model_id(&tab, &tab.models[idx[511]]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_first_screen_exact, setup),
        cmocka_unit_test_setup(test_number_selects_and_saves, setup),
        cmocka_unit_test_setup(test_defaults_table, setup),
        cmocka_unit_test_setup(test_stale_header, setup),
        cmocka_unit_test_setup(test_header_one_model, setup),
        cmocka_unit_test_setup(test_popular_configurable, setup),
        cmocka_unit_test_setup(test_backspaces, setup),
        cmocka_unit_test_setup(test_line_ends, setup),
        cmocka_unit_test_setup(test_ctrl_c_cancels, setup),
        cmocka_unit_test_setup(test_ctrl_d, setup),
        cmocka_unit_test_setup(test_line_noise_and_bad_utf8, setup),
        cmocka_unit_test_setup(test_valid_utf8_echoed, setup),
        cmocka_unit_test_setup(test_long_line_refused, setup),
        cmocka_unit_test_setup(test_long_line_backspaced, setup),
        cmocka_unit_test_setup(test_utf8_at_line_end, setup),
        cmocka_unit_test_setup(test_end_mid_line, setup),
        cmocka_unit_test_setup(test_quit, setup),
        cmocka_unit_test_setup(test_not_listed, setup),
        cmocka_unit_test_setup(test_search, setup),
        cmocka_unit_test_setup(test_plain_text_searches, setup),
        cmocka_unit_test_setup(test_full_id_selects, setup),
        cmocka_unit_test_setup(test_free_and_order, setup),
        cmocka_unit_test_setup(test_price_extremes, setup),
        cmocka_unit_test_setup(test_numbers_out_of_range, setup),
        cmocka_unit_test_setup(test_save_fails, setup),
        cmocka_unit_test_setup(test_write_fails, setup),
        cmocka_unit_test_setup(test_init_inval, setup),
        cmocka_unit_test_setup(test_run_loop, setup),
        cmocka_unit_test_setup(test_screens_fit_80x24, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
