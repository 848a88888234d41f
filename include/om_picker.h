/*
 * om_picker.h - the model picker for a serial console (onboarding).
 *
 * The original plan's _select_openrouter_model, for a dumb terminal at
 * 115200 baud: plain text, no escape sequences, screens of at most 23
 * lines of 79 columns, CRLF line ends. The picker echoes what it reads,
 * handles backspace (0x08, 0x7F), CR, LF and CRLF, drops other control
 * bytes, terminal escape sequences (arrow keys) and invalid UTF-8, and
 * bounds its line. It reads the table in place through a caller-owned
 * index array and saves the choice through the store's sel_save.
 *
 * Commands at the prompt: a number chooses from the list on screen; s TERM
 * (or s, then TERM) searches ids and names; a shows all models, paged
 * (n, p, q back); f toggles free only; o cycles the order (id, price,
 * context, newest); q quits; a full model id chooses it; other text is
 * searched for. Ctrl-C cancels, Ctrl-D on an empty line ends.
 */
#ifndef OM_PICKER_H
#define OM_PICKER_H

#include <stddef.h>
#include <stdint.h>

#include "om_port.h"
#include "ormodels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest input line in bytes: a model id and a command letter. A longer
 * line is refused whole (never cut into another command). */
#ifndef OM_PICKER_LINE_MAX
#define OM_PICKER_LINE_MAX (OM_ID_MAX + 8)
#endif
/* Output buffer; flushed when full and when a screen is complete. */
#ifndef OM_PICKER_OUT_SIZE
#define OM_PICKER_OUT_SIZE 128
#endif
/* Models on one page of a list (1..18: a page must fit 24 lines). */
#ifndef OM_PICKER_PAGE
#define OM_PICKER_PAGE 18
#endif
/* Popular models shown at most. */
#ifndef OM_PICKER_POPULAR_MAX
#define OM_PICKER_POPULAR_MAX 9
#endif

/*
 * A byte console: a UART on a device, a file descriptor on Linux.
 * read_byte: waits up to timeout_ms for one byte. Returns it (0..255),
 *            OM_ERR_TIMEOUT when none came, OM_ERR_CLOSED at the end of
 *            input, or another negative om_err.
 * write:     writes all len bytes. Returns 0 or a negative om_err.
 */
typedef struct om_console {
    void *ctx;
    int (*read_byte)(void *ctx, uint32_t timeout_ms);
    int (*write)(void *ctx, const void *buf, size_t len);
} om_console_t;

/* Where the table came from, for the header line. */
typedef enum om_picker_source {
    OM_PICKER_SRC_CATALOGUE = 0, /* "Found N models (updated DATE)" */
    OM_PICKER_SRC_STALE,         /* fetch failed: the saved table */
    OM_PICKER_SRC_DEFAULTS,      /* fetch failed, nothing saved */
    OM_PICKER_SRC_NO_TABLE       /* not fetched, nothing saved */
} om_picker_source_t;

/* What om_picker_feed and om_picker_run report. */
enum om_picker_status {
    OM_PICKER_MORE = 0,   /* feed: waiting for more input */
    OM_PICKER_CHOSEN = 1, /* a model was chosen and saved */
    OM_PICKER_QUIT = 2,   /* q: the selection is unchanged */
    OM_PICKER_CANCEL = 3, /* Ctrl-C */
    OM_PICKER_EOF = 4     /* Ctrl-D on an empty line, or input ended */
};

/* The original plan's five popular models, in its order. */
extern const char *const om_picker_popular_default[5];

/* Setup: every pointer is the caller's and must outlive the picker. */
typedef struct om_picker_cfg {
    const om_table_t *table;     /* read in place, never changed */
    uint16_t *idx;               /* OM_TABLE_CAPACITY entries of scratch */
    const om_store_t *store;     /* sel_load at start, sel_save on choice */
    const om_console_t *console; /* only write is used by feed */
    const char *const *popular;  /* ids; NULL: om_picker_popular_default */
    size_t npopular;             /* at most OM_PICKER_POPULAR_MAX used */
    om_picker_source_t source;
} om_picker_cfg_t;

/* The picker's whole state; the caller places it (static on a device).
 * Fields are private. */
typedef struct om_picker {
    /* the small fields first: Thumb-2 reaches the first 32 bytes of a
     * struct with its shortest loads and stores */
    uint8_t kind;        /* the list on screen: popular, all, search */
    uint8_t asking;      /* the prompt asks for a search term */
    uint8_t free_only;
    uint8_t order;       /* om_order_t */
    uint8_t in_state;    /* escape-sequence and CR tracking */
    uint8_t utf8_have;   /* bytes of a character still being typed, at
                            the line's end and not yet echoed */
    uint8_t overflow;    /* the line outgrew OM_PICKER_LINE_MAX */
    uint16_t n;          /* models in the list on screen (in cfg.idx) */
    uint16_t page;       /* first row of the page on screen */
    uint16_t out_len;
    uint16_t line_len;
    int status;          /* an om_picker_status, or a negative om_err */
    om_picker_cfg_t cfg;
    char line[OM_PICKER_LINE_MAX + 1];
    char term[OM_PICKER_LINE_MAX + 1];    /* the search on screen */
    char current[OM_ID_MAX + 1];          /* the saved selection, or "" */
    char out[OM_PICKER_OUT_SIZE];
} om_picker_t;

/* Sets up p from cfg (copied), loads the saved selection and draws the
 * first screen. Returns 0, OM_ERR_INVAL for a missing table, idx, store
 * or console, or the console's write error. A store that cannot read its
 * selection (OM_ERR_CORRUPT, OM_ERR_IO) is not an error: the picker then
 * starts with no current selection. */
int om_picker_init(om_picker_t *p, const om_picker_cfg_t *cfg);

/* Feeds one input byte (0..255). Returns OM_PICKER_MORE while the picker
 * wants more, a positive om_picker_status when it has finished (and the
 * same on every later call), or a negative om_err when writing to the
 * console or saving the selection failed. */
int om_picker_feed(om_picker_t *p, int byte);

/* Tells the picker that input ended: a line not yet ended by Enter is
 * dropped. Returns OM_PICKER_EOF, the status it had already finished with
 * (a negative om_err among them), or a negative om_err when writing its
 * last line to the console fails. */
int om_picker_end(om_picker_t *p);

/* Reads bytes from cfg.console until the picker finishes, polling every
 * poll_ms (a timeout is not an error). Returns as om_picker_feed, never
 * OM_PICKER_MORE; end of input (or a read error) ends as om_picker_end. */
int om_picker_run(om_picker_t *p, uint32_t poll_ms);

/* The chosen id (valid while p lives), or NULL when none was chosen. */
const char *om_picker_chosen(const om_picker_t *p);

#ifdef __cplusplus
}
#endif

#endif /* OM_PICKER_H */
