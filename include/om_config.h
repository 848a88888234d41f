/*
 * om_config.h - the models_cache block of config.yaml, read into a fixed
 * struct without allocating.
 *
 * The block, as in the original plan, plus what a fetch needs:
 *
 *     models_cache:
 *       enabled: true                 # false: never fetch
 *       refresh_interval: "1d"        # "12h", "30m", "90s" or seconds
 *       cache_file: "~/.clawlet/models_cache.bin"
 *       url: "https://openrouter.ai/api/v1/models"
 *       referer: "https://clawlet.ai" # HTTP-Referer
 *       title: "Clawlet"              # X-Title
 *       popular:                      # ids never dropped from the table
 *         - anthropic/claude-sonnet-4
 *         - "openai/gpt-4o"           # or on one line: [a, "b"]
 *
 * The YAML subset read (everything else in the block is an error that
 * names its line and key; nothing in it can make the parser recurse or
 * run past its buffers):
 *  - UTF-8 text, LF or CRLF line ends, an optional BOM, an optional "---"
 *    first line and "..." end line; blank lines and # comments (a whole
 *    line, or after a value following a space);
 *  - a top-level mapping of "key:" lines. Only models_cache is read;
 *    other top-level keys and the lines indented under them belong to the
 *    rest of the agent's configuration and are skipped unread;
 *  - in models_cache, "key: value" lines at one indentation (spaces; a
 *    tab there is an error), each value a scalar on that line: plain
 *    (true/false/yes/no/on/off for enabled, any case), "double-quoted"
 *    with JSON's escapes, or 'single-quoted' with '' for a quote;
 *  - popular: a block list of "- id" lines (indented deeper than
 *    popular:, or level with it) or a one-line flow list [a, "b"];
 *  - unknown keys in the block are reported to the warning callback and
 *    skipped with anything indented under them; a key given twice, an
 *    anchor, alias, tag, block scalar (| >), flow mapping or a value
 *    spanning lines is an error. Control characters are refused in every
 *    value (they would end up in HTTP headers).
 */
#ifndef OM_CONFIG_H
#define OM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "ormodels.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef OM_CONFIG_PATH_MAX
#define OM_CONFIG_PATH_MAX 256 /* cache_file, bytes with the NUL */
#endif
#ifndef OM_CONFIG_HEADER_MAX
#define OM_CONFIG_HEADER_MAX 128 /* referer and title, with the NUL */
#endif

/* Which fields the file gave (om_config_t.given). */
#define OM_CFG_ENABLED 0x01u
#define OM_CFG_INTERVAL 0x02u
#define OM_CFG_CACHE_FILE 0x04u
#define OM_CFG_URL 0x08u
#define OM_CFG_REFERER 0x10u
#define OM_CFG_TITLE 0x20u
#define OM_CFG_POPULAR 0x40u

/* The block, read. Strings are "" unless given. */
typedef struct om_config {
    unsigned given;            /* OM_CFG_* of the fields set by the file */
    uint8_t enabled;           /* [1] 0: never fetch */
    uint8_t npopular;          /* ids in popular */
    uint32_t refresh_interval; /* seconds [OM_REFRESH_INTERVAL_S] */
    char cache_file[OM_CONFIG_PATH_MAX];
    char url[OM_URL_MAX + 1];
    char referer[OM_CONFIG_HEADER_MAX];
    char title[OM_CONFIG_HEADER_MAX];
    char popular[OM_PINNED_MAX][OM_ID_MAX + 1];
    /* the error, after om_config_parse failed */
    unsigned err_line;         /* 1-based */
    char err_key[40];          /* "models_cache.url", or "" */
    const char *err_msg;       /* static text */
} om_config_t;

/* Told about each unknown key: its line, its dotted name, what was done. */
typedef void (*om_config_warn_fn)(void *ctx, unsigned line, const char *key,
                                  const char *msg);

/* Sets c to the defaults: enabled, OM_REFRESH_INTERVAL_S, nothing else. */
void om_config_init(om_config_t *c);

/*
 * Reads the models_cache block of the YAML text[0..len) (the caller's
 * buffer, not kept; no NUL needed) into c, which om_config_init has set.
 * warn (may be NULL) is called for each unknown key in the block. A file
 * without the block leaves the defaults. Returns 0, or OM_ERR_FORMAT with
 * c->err_line, err_key and err_msg saying what is wrong (c's fields may
 * then be partly set: do not use them).
 */
int om_config_parse(om_config_t *c, const char *text, size_t len,
                    om_config_warn_fn warn, void *ctx);

/* "line 7: models_cache.refresh_interval: expected ..." into buf (always
 * NUL-terminated). Returns buf. */
const char *om_config_error(const om_config_t *c, char *buf, size_t cap);

/* Points out[0..n) at c's popular ids (the form om_fetch_cfg_t.pinned
 * takes; valid while c is). Returns n. */
size_t om_config_pinned(const om_config_t *c,
                        const char *out[OM_PINNED_MAX]);

#ifdef __cplusplus
}
#endif

#endif /* OM_CONFIG_H */
