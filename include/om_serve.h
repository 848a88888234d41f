/*
 * om_serve.h - the dashboard's HTTP endpoint, independent of any socket
 * API: a request parser fed bytes as they arrive, routing, and responses
 * streamed through an om_write_fn (or pulled piece by piece), so the same
 * code serves over Linux sockets and over lwIP on a device.
 *
 *   GET  /                the settings page (built in, <= 8 KB)
 *   GET  /models?provider=openrouter&force_refresh=false
 *                         {"models":[...],"updated_at":"...Z"}; another
 *                         provider: 400 {"detail":"Provider X not supported"}
 *   GET  /selection       {"id":"..."|null,"listed":true|false}
 *   POST /selection       body {"id":"..."} (application/json): saves it
 *                         through the store; an id not in the table, or a
 *                         malformed body, is a 400
 *
 * A host drives one connection like this:
 *   om_serve_req_init(r);
 *   while (!om_serve_feed(r, bytes, n, &used)) read more;
 *   if (om_serve_wants_refresh(s, r)) { run a refresh;
 *                                        om_serve_refreshed(r, outcome); }
 *   om_serve_handle(s, r, table);       once: side effects, status
 *   om_serve_write(r, table, w, ctx);   or om_serve_pull in pieces
 *   close the connection (every response says Connection: close).
 * The table must not change while one response is being written: the
 * head carries a Content-Length counted from it.
 */
#ifndef OM_SERVE_H
#define OM_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "om_port.h"
#include "ormodels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of request line and headers together; more is a 431. */
#ifndef OM_SERVE_HEAD_MAX
#define OM_SERVE_HEAD_MAX 4096
#endif
/* Bytes of one line kept; a longer request line is a 414, a longer header
 * line is ignored unless it is one the server reads (then a 400). */
#ifndef OM_SERVE_LINE_MAX
#define OM_SERVE_LINE_MAX 512
#endif
/* Bytes of a request body; more is a 413. */
#ifndef OM_SERVE_BODY_MAX
#define OM_SERVE_BODY_MAX 256
#endif
/* force_refresh=true runs a refresh at most this often (ms). */
#ifndef OM_SERVE_FORCE_MIN_MS
#define OM_SERVE_FORCE_MIN_MS 60000u
#endif

/* The X-Models-Refresh header of a force_refresh=true response. */
#define OM_SERVE_HDR_REFRESH "X-Models-Refresh"

/* State shared by all connections of one server. Zero it, then set clk
 * and store (both must outlive the server). */
typedef struct om_serve {
    const om_clock_t *clk;   /* now_ms, for the force_refresh limit */
    const om_store_t *store; /* sel_load and sel_save */
    uint32_t last_force_ms;  /* when the last forced refresh was granted */
    uint8_t forced;          /* last_force_ms is set */
    uint8_t host_check;      /* 1: Host and Origin must name a loopback
                                address (blocks DNS rebinding); set it
                                when listening on loopback only */
    uint8_t no_refresh;      /* 1: fetching is off (offline, enabled:
                                false): force_refresh answers "disabled" */
} om_serve_t;

/* One request and the response decided for it. Fields are private. */
typedef struct om_serve_req {
    uint8_t state, method, route, pending_cr, line_cut, http10;
    uint8_t force, has_len, has_host, json_ct, host_bad, handled, got_line;
    uint8_t refresh;        /* what X-Models-Refresh says, 0 none */
    uint8_t sel;            /* GET/POST /selection: 1 an id, 0 none */
    uint16_t status;        /* 0 until decided */
    uint16_t line_len;
    uint32_t head_bytes, content_length, body_len, retry_s;
    const char *detail;     /* the 4xx/5xx message, static text */
    char line[OM_SERVE_LINE_MAX];
    char provider[48];
    char body[OM_SERVE_BODY_MAX + 1];
    char text[160];         /* a composed detail, or the selection's id */
} om_serve_req_t;

/* Readies r for a new request. */
void om_serve_req_init(om_serve_req_t *r);

/*
 * Feeds len bytes that arrived. *used (may be NULL) gets how many were
 * taken; the rest (a pipelined request) is not read. Returns 1 when the
 * request is complete or refused (respond now: a malformed or oversized
 * request already has its 4xx), 0 when more bytes are needed.
 */
int om_serve_feed(om_serve_req_t *r, const void *buf, size_t len,
                  size_t *used);

/*
 * After feed returned 1: whether to run a forced refresh first. Grants at
 * most one every OM_SERVE_FORCE_MIN_MS by s->clk (else the response says
 * "rate-limited" and gives a Retry-After). Returns 1 when the host should
 * refresh and then call om_serve_refreshed, else 0.
 */
int om_serve_wants_refresh(om_serve_t *s, om_serve_req_t *r);

/* Tells r what the forced refresh did (an om_refresh_outcome, om_fetch.h). */
void om_serve_refreshed(om_serve_req_t *r, int outcome);

/*
 * Decides the response, once per request, with the table t that will be
 * served (NULL is an empty table): loads or saves the selection through
 * s->store. Calling it again does nothing. Returns the HTTP status.
 */
int om_serve_handle(om_serve_t *s, om_serve_req_t *r, const om_table_t *t);

/*
 * Writes the whole response (head and body) through w, in small pieces.
 * The same r and t always give the same bytes. Returns 0 or w's error.
 */
int om_serve_write(const om_serve_req_t *r, const om_table_t *t,
                   om_write_fn w, void *ctx);

/*
 * The response's bytes [off, off + cap) into buf, for hosts that send as
 * the connection drains (a poll loop, lwIP's tcp_sent). Each call
 * generates the response again up to off + cap: cheap next to the
 * network, and nothing is held between calls. Returns the count (0 once
 * the response has ended) or OM_ERR_INVAL.
 */
int om_serve_pull(const om_serve_req_t *r, const om_table_t *t, uint64_t off,
                  void *buf, size_t cap);

/* The built-in settings page (HTML, UTF-8) and its length in *len. */
const char *om_serve_page(size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* OM_SERVE_H */
