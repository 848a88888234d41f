/*
 * om_defaults.h - compile-time knobs of ormodels and their defaults.
 *
 * An application or board overrides any of these in its own header and
 * builds with -DOM_CONFIG_FILE='"my_om_config.h"'; that header is included
 * first, then every option below that it left undefined gets its default.
 * Each option says what it controls, its range and what it costs.
 */
#ifndef OM_DEFAULTS_H
#define OM_DEFAULTS_H

#ifdef OM_CONFIG_FILE
#include OM_CONFIG_FILE
#endif

/* Models the table holds (1..65535). RAM: 32 bytes each, plus the pool. */
#ifndef OM_TABLE_CAPACITY
#define OM_TABLE_CAPACITY 512
#endif

/* Bytes of string pool for ids and names, NUL-terminated, shared by all
 * models (64..65535). The fixtures average 51 bytes a model (id + name +
 * two NULs), so 56 per model leaves headroom. When the pool runs out the
 * oldest models are dropped as if the table were full. */
#ifndef OM_POOL_SIZE
#define OM_POOL_SIZE (OM_TABLE_CAPACITY * 56)
#endif

/* Longest id kept, in bytes of UTF-8 (8..255). A longer id is skipped and
 * counted, never truncated: a truncated id would name another model. The
 * longest id seen in real catalogues is 61 bytes. */
#ifndef OM_ID_MAX
#define OM_ID_MAX 96
#endif

/* Longest name kept, in bytes of UTF-8 (0..255). A longer name is cut at a
 * character boundary and counted. The longest seen is 58 bytes. */
#ifndef OM_NAME_MAX
#define OM_NAME_MAX 80
#endif

/* Bytes of the extractor's window (256..16384): the compacted fields of the
 * model being read. Must hold the escaped id and name plus about 160 bytes;
 * a static assertion checks it against OM_ID_MAX and OM_NAME_MAX. */
#ifndef OM_WINDOW_SIZE
#define OM_WINDOW_SIZE 1024
#endif

/* Deepest JSON nesting accepted (8..255). Real catalogues nest 6 deep;
 * deeper input is rejected with OM_ERR_DEPTH rather than recursed into. */
#ifndef OM_JSON_MAX_DEPTH
#define OM_JSON_MAX_DEPTH 64
#endif

/* Longest URL kept from the catalogue's links.next (16..2048). */
#ifndef OM_URL_MAX
#define OM_URL_MAX 256
#endif

/* Longest ETag and Last-Modified kept with the table for conditional
 * refresh (16..255). A longer validator is not kept; the next refresh is
 * then an unconditional GET. */
#ifndef OM_ETAG_MAX
#define OM_ETAG_MAX 96
#endif
#ifndef OM_LASTMOD_MAX
#define OM_LASTMOD_MAX 40
#endif

/* Ids the extractor never drops when the catalogue exceeds the table
 * (0..16). The selection and the popular models are pinned at run time. */
#ifndef OM_PINNED_MAX
#define OM_PINNED_MAX 8
#endif

/* Seconds after which a saved table is due for refresh (the original
 * plan's one day). */
#ifndef OM_REFRESH_INTERVAL_S
#define OM_REFRESH_INTERVAL_S 86400u
#endif

/* Catalogue endpoint used when none is configured. */
#ifndef OM_DEFAULT_URL
#define OM_DEFAULT_URL "https://openrouter.ai/api/v1/models"
#endif

#endif /* OM_DEFAULTS_H */
