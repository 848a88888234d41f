/*
 * om_fetch.h - fetching the catalogue and the refresh policy.
 *
 * om_fetch streams GET https://openrouter.ai/api/v1/models through a
 * transport (om_port.h) into the extractor: the response is never held,
 * only OM_FETCH_IO_SIZE bytes at a time. om_refresh is the cache policy
 * around it: a fresh table is served without network, an expired or
 * forced one is fetched, and only a complete catalogue replaces the saved
 * table.
 */
#ifndef OM_FETCH_H
#define OM_FETCH_H

#include "om_http.h"
#include "om_port.h"
#include "om_url.h"
#include "ormodels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes read from the transport at a time (256..16384). The request goes
 * out through the same buffer, in pieces of this size when it is longer;
 * between exchanges it holds the old host while a redirect or links.next
 * is followed. A TLS port keeps its own record buffer, so a small buffer
 * only costs more calls: a Linux fetch of the 1.3 MB catalogue runs 1.5 %
 * more instructions with 384 than with 2048. RAM: this many bytes. */
#ifndef OM_FETCH_IO_SIZE
#define OM_FETCH_IO_SIZE 384
#endif
#if OM_FETCH_IO_SIZE < 256 || OM_FETCH_IO_SIZE > 16384
#error "OM_FETCH_IO_SIZE must be 256..16384"
#endif

#define OM_DEFAULT_REFERER "https://clawlet.ai"
#define OM_DEFAULT_TITLE "Clawlet"

/* What to fetch and how patiently. Zero-initialise, then set what you
 * need: every zero field takes the default in brackets. */
typedef struct om_fetch_cfg {
    const char *url;         /* [OM_DEFAULT_URL]; https only */
    const char *api_key;     /* Authorization: Bearer, only when set and
                                only to the origin of url (a redirect
                                elsewhere drops it); never in a message */
    const char *referer;     /* HTTP-Referer [OM_DEFAULT_REFERER] */
    const char *title;       /* X-Title [OM_DEFAULT_TITLE] */
    const char *user_agent;  /* [ormodels/OM_VERSION] */
    uint8_t max_redirects;       /* [3] */
    uint8_t max_pages;           /* [32] pages followed by links.next */
    uint8_t plain_http;          /* tests only: allow http:// URLs */
    uint32_t connect_timeout_ms; /* [30000] */
    uint32_t read_timeout_ms;    /* [30000] no byte for this long: fail */
    uint32_t deadline_ms;        /* [120000] the whole fetch, all pages */
    uint32_t body_max;           /* [16 MiB] bytes of body, all pages */
    const char *const *pinned;   /* ids never dropped (see extractor) */
    size_t npinned;
} om_fetch_cfg_t;

/* What happened, for logs and for the scheduler. */
typedef struct om_fetch_result {
    int err;              /* 0 or the om_err returned */
    uint16_t status;      /* the last HTTP status, 0 if none */
    uint8_t not_modified; /* a 304: the saved table is current */
    uint8_t pages;        /* catalogue pages read */
    uint8_t redirects;    /* redirects followed */
    int64_t retry_after;  /* seconds the server asked to wait, -1 none */
    int64_t server_date;  /* the last Date header, 0 when none */
    uint32_t body_bytes;  /* body bytes read, all pages (<= body_max) */
    om_extract_stats_t stats; /* from the extractor, after a 200 */
    char msg[192];        /* one line: what happened, or why it failed */
} om_fetch_result_t;

/* The fetch's working memory; place it in static memory. */
typedef struct om_fetcher {
    /* the fetch in progress, as om_fetch was called */
    const om_fetch_cfg_t *cfg;
    const om_transport_t *tr;
    const om_clock_t *clk;
    om_fetch_result_t *res;
    om_table_t *table;   /* where the 200's models go */
    uint8_t started;     /* the extractor has been given the table */
    uint32_t t0;          /* the clock's ms when the fetch started */
    uint32_t deadline_ms; /* of the whole fetch, from t0 */
    uint32_t read_ms;     /* the timeout of each send and recv */
    int body_err;        /* the extractor's error, seen from on_body */
    om_http_req_t req;   /* the next request: of url; without the API key
                            once a redirect left the first URL's origin;
                            conditional until the first page */
    om_extractor_t x;
    om_http_resp_t resp;
    om_url_t url;
    uint8_t io[OM_FETCH_IO_SIZE]; /* the request going out, then the
                                     response coming in */
} om_fetcher_t;

/*
 * Fetches the catalogue into t. cur (may be NULL, may be t) is the saved
 * table: its ETag and Last-Modified make the request conditional. t is
 * only touched once a 200 response starts its body; after a failure it
 * may hold part of a catalogue and must not be kept (when t is cur,
 * reload it from the store). On success t has the new models, ETag and
 * Last-Modified, and updated_at from the clock or else the Date header.
 * Returns 0 (res->not_modified says whether t was left alone because of a
 * 304), or a negative om_err with res->msg saying why in one line.
 */
int om_fetch(om_fetcher_t *f, const om_fetch_cfg_t *cfg,
             const om_transport_t *tr, const om_clock_t *clk,
             const om_table_t *cur, om_table_t *t, om_fetch_result_t *res);

/* What om_refresh did. */
enum om_refresh_outcome {
    OM_REFRESH_FRESH = 0,     /* the saved table is fresh: no network */
    OM_REFRESH_UPDATED,       /* a new catalogue was saved */
    OM_REFRESH_NOT_MODIFIED,  /* 304: the saved table was renewed */
    OM_REFRESH_STALE,         /* the fetch failed: the saved table stays */
    OM_REFRESH_DEFAULTS,      /* the fetch failed, nothing saved: defaults */
    OM_REFRESH_OFFLINE,       /* not fetched by choice: saved or defaults */
};

/* Flags of om_refresh. */
#define OM_REFRESH_FORCE 0x01u   /* fetch even when fresh */
#define OM_REFRESH_NO_NET 0x02u  /* never fetch (offline, or disabled) */

/*
 * The original plan's list_models(force_refresh) for a device: loads the
 * saved table from store into live; when it is missing, older than
 * interval_s or forced, fetches into scratch (which may be live itself,
 * to save RAM: live is then reloaded from the store after a failure).
 * Only a complete catalogue is saved, atomically, and then becomes live;
 * a 304 renews updated_at. On failure live keeps the saved table, or the
 * built-in defaults when there is none. Returns an om_refresh_outcome;
 * res (always filled) says why.
 */
int om_refresh(om_fetcher_t *f, const om_fetch_cfg_t *cfg,
               const om_transport_t *tr, const om_clock_t *clk,
               const om_store_t *store, om_table_t *live, om_table_t *scratch,
               uint32_t interval_s, unsigned flags, om_fetch_result_t *res);

/* A short word for an om_refresh_outcome ("fresh", "updated", ...). */
const char *om_refresh_name(int outcome);

#ifdef __cplusplus
}
#endif

#endif /* OM_FETCH_H */
