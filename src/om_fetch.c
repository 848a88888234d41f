/*
 * om_fetch.c - GET the catalogue through a transport, straight into the
 * extractor; and the refresh policy around it.
 *
 * Bytes flow transport -> io[] -> HTTP response parser -> extractor ->
 * table, OM_FETCH_IO_SIZE at a time: nothing holds the body. Every way a
 * fetch can fail ends in one om_err and one line in res->msg, and only a
 * complete catalogue (a 2xx, its body complete, its JSON complete, at
 * least one model) is ever reported as success.
 */
#include <stdarg.h>
#include <string.h>

#include "om_fetch.h"
#include "om_internal.h"

#define DEF_CONNECT_MS 30000u
#define DEF_READ_MS 30000u
#define DEF_DEADLINE_MS 120000u
#define DEF_BODY_MAX (16u * 1024u * 1024u)
#define DEF_REDIRECTS 3u
#define DEF_PAGES 32u

/* follow() keeps a host in io */
typedef char io_holds_a_host[OM_FETCH_IO_SIZE >= OM_URL_HOST_MAX + 1 ? 1 : -1];

/* --------------------------------------------------------- messages */

static void msg_put(void *ctx, const char *s, size_t n)
{
    om_fetch_result_t *r = (om_fetch_result_t *)ctx;
    size_t len = strlen(r->msg);
    while (n-- && len + 1 < sizeof r->msg)
        r->msg[len++] = *s++;
    r->msg[len] = '\0';
}

/* Appends to the message (om_vformat's %s, %u, %U). */
static void msg_add(om_fetch_result_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    om_vformat(msg_put, r, fmt, ap);
    va_end(ap);
}

/* Sets the error and its one-line message. */
static int failed(om_fetch_result_t *r, int err, const char *fmt, ...)
{
    va_list ap;
    r->err = err;
    r->msg[0] = '\0';
    va_start(ap, fmt);
    om_vformat(msg_put, r, fmt, ap);
    va_end(ap);
    return err;
}

/* ------------------------------------------------------------ fetch */

typedef struct {
    om_fetcher_t *f;
    const om_fetch_cfg_t *cfg;
    const om_transport_t *tr; /* the request goes out through it */
    uint32_t send_ms;
} body_ctx_t;

static body_ctx_t body_ctx; /* one fetch at a time: see om_fetch */

/* The request's writers: the first only checks it, before connecting. */
static int discard(void *ctx, const void *p, size_t n)
{
    (void)ctx;
    (void)p;
    (void)n;
    return OM_OK;
}

static int send_out(void *ctx, const void *p, size_t n)
{
    body_ctx_t *b = (body_ctx_t *)ctx;
    return b->tr->send(b->tr->ctx, p, n, b->send_ms);
}

/* The response body, page by page, into the extractor: only a 2xx body
 * is a catalogue; anything else is never read that far. */
static int on_body(void *ctx, const uint8_t *p, size_t n)
{
    body_ctx_t *b = (body_ctx_t *)ctx;
    om_fetcher_t *f = b->f;
    int e;
    if (f->resp.status / 100 != 2)
        return 0;
    if (!f->started) {
        om_extract_init(&f->x, f->table, b->cfg->pinned, b->cfg->npinned);
        f->started = 1;
    }
    e = om_extract_feed(&f->x, p, n);
    if (e)
        f->body_err = e;
    return e;
}

static uint32_t elapsed(const om_clock_t *clk, uint32_t t0)
{
    return clk->now_ms(clk->ctx) - t0; /* unsigned: wraps correctly */
}

static int is_redirect(unsigned s)
{
    return s == 301 || s == 302 || s == 307 || s == 308;
}

/* Moves f->url to ref resolved against it (f->url is unchanged when ref
 * is bad); *same says whether the origin stayed. Between exchanges io is
 * free: it holds the old host meanwhile, not a second om_url_t. */
static int follow(om_fetcher_t *f, const char *ref, int *same)
{
    char *old = (char *)f->io;
    uint16_t port = f->url.port;
    uint8_t https = f->url.https;
    int e;

    memcpy(old, f->url.host, sizeof f->url.host);
    e = om_url_resolve(&f->url, ref, &f->url);
    *same = e == OM_OK && f->url.port == port && f->url.https == https &&
            strcmp(f->url.host, old) == 0; /* hosts are kept in lower case */
    return e;
}

/* The extractor's own line on why the catalogue is bad. */
static int extract_failed(om_fetcher_t *f, om_fetch_result_t *r, int err)
{
    r->err = err;
    om_extract_error(&f->x, r->msg, sizeof r->msg);
    return err;
}

/*
 * One request and its response. Returns 0 with the head parsed and, for
 * a 2xx, the body fed to the extractor in full; or an error with the
 * message set.
 */
static int exchange(om_fetcher_t *f, const om_fetch_cfg_t *cfg,
                    const om_transport_t *tr, const om_clock_t *clk,
                    uint32_t t0, uint32_t deadline, const om_table_t *cur,
                    int conditional, uint64_t body_left, om_fetch_result_t *res)
{
    om_http_req_t rq;
    uint32_t read_ms = cfg->read_timeout_ms ? cfg->read_timeout_ms : DEF_READ_MS;
    uint32_t conn_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms
                                               : DEF_CONNECT_MS;
    int e, n;

    memset(&rq, 0, sizeof rq);
    rq.host = f->url.host;
    rq.path = f->url.path;
    rq.port = f->url.port;
    rq.https = f->url.https;
    rq.user_agent = cfg->user_agent;
    rq.referer = cfg->referer ? cfg->referer : OM_DEFAULT_REFERER;
    rq.title = cfg->title ? cfg->title : OM_DEFAULT_TITLE;
    rq.api_key = f->left_origin ? NULL : cfg->api_key;
    if (conditional && cur) {
        rq.if_none_match = cur->etag;
        rq.if_modified_since = cur->last_modified;
    }
    n = om_http_write_request((char *)f->io, sizeof f->io, &rq, discard,
                              NULL);
    if (n < 0)
        return failed(res, n, "request too long or header value invalid");

    if (elapsed(clk, t0) >= deadline)
        return failed(res, OM_ERR_TIMEOUT, "deadline passed before connecting");
    if (conn_ms > deadline - elapsed(clk, t0))
        conn_ms = deadline - elapsed(clk, t0);
    e = tr->open(tr->ctx, f->url.host, f->url.port, f->url.https, conn_ms);
    if (e) {
        /* The socket layer's own line names the host or address it
         * tried; TLS reasons ("certificate expired") do not. */
        if (e == OM_ERR_TLS)
            return failed(res, e, "TLS with %s:%u: %s", f->url.host,
                          f->url.port, tr->error(tr->ctx));
        return failed(res, e, "%s%s",
                      e == OM_ERR_DNS       ? "cannot resolve "
                      : e == OM_ERR_TIMEOUT ? "timed out connecting to "
                                            : "cannot connect to ",
                      tr->error(tr->ctx));
    }
    body_ctx.tr = tr;
    body_ctx.send_ms = read_ms;
    n = om_http_write_request((char *)f->io, sizeof f->io, &rq, send_out,
                              &body_ctx);
    if (n < 0) {
        tr->close(tr->ctx);
        return failed(res, n, "sending the request to %s:%u: %s", f->url.host,
                      f->url.port, tr->error(tr->ctx));
    }

    om_http_resp_init(&f->resp, on_body, &body_ctx);
    f->resp.body_max = body_left;
    f->body_err = 0;
    for (;;) {
        uint32_t spent = elapsed(clk, t0), wait;
        if (spent >= deadline) {
            tr->close(tr->ctx);
            return failed(res, OM_ERR_TIMEOUT,
                          "timed out: the whole fetch took longer than the deadline");
        }
        wait = deadline - spent < read_ms ? deadline - spent : read_ms;
        n = tr->recv(tr->ctx, f->io, sizeof f->io, wait);
        if (n > 0) {
            e = om_http_resp_feed(&f->resp, f->io, (size_t)n);
            if (e)
                break;
            if ((f->resp.flags & OM_HTTP_F_HEAD) && f->resp.status / 100 != 2)
                break; /* the head is all we need of a non-2xx */
            if (om_http_resp_done(&f->resp))
                break;
            continue;
        }
        if (n == 0) {
            e = om_http_resp_finish(&f->resp);
            break;
        }
        tr->close(tr->ctx);
        if (n == OM_ERR_TIMEOUT)
            return failed(res, n, "timed out: no data for %u s%s", wait / 1000u,
                          wait < read_ms ? " (the deadline)" : NULL);
        /* Cut (reset, or TLS without close_notify) or a TLS alert. */
        if (f->resp.flags & OM_HTTP_F_HEAD)
            return failed(res, OM_ERR_TRUNCATED,
                          "connection cut after %U body bytes: %s",
                          &f->resp.body_len, tr->error(tr->ctx));
        return failed(res, n, "connection failed before the response: %s",
                      tr->error(tr->ctx));
    }
    tr->close(tr->ctx);
    res->body_bytes += f->resp.body_len;
    if (f->resp.flags & OM_HTTP_F_DATE)
        res->server_date = f->resp.date;
    if (e) {
        if (f->body_err) /* the catalogue itself is bad */
            return extract_failed(f, res, f->body_err);
        if (e == OM_ERR_TRUNCATED)
            return failed(res, e,
                          "truncated: the connection closed after %U body bytes",
                          &f->resp.body_len);
        return failed(res, e, f->resp.err_msg ? "%s at byte %U: %s" : "%s",
                      om_strerror(e), &f->resp.err_offset, f->resp.err_msg);
    }
    res->status = f->resp.status;
    return OM_OK;
}

int om_fetch(om_fetcher_t *f, const om_fetch_cfg_t *cfg,
             const om_transport_t *tr, const om_clock_t *clk,
             const om_table_t *cur, om_table_t *t, om_fetch_result_t *res)
{
    uint32_t t0 = clk->now_ms(clk->ctx);
    uint32_t deadline = cfg->deadline_ms ? cfg->deadline_ms : DEF_DEADLINE_MS;
    uint64_t body_max = cfg->body_max ? cfg->body_max : DEF_BODY_MAX;
    unsigned max_redir = cfg->max_redirects ? cfg->max_redirects : DEF_REDIRECTS;
    unsigned max_pages = cfg->max_pages ? cfg->max_pages : DEF_PAGES;
    const char *url = cfg->url ? cfg->url : OM_DEFAULT_URL;
    int e, conditional, same;

    memset(res, 0, sizeof *res);
    res->retry_after = -1;
    f->table = t;
    f->started = 0;
    f->left_origin = 0;
    body_ctx.f = f;
    body_ctx.cfg = cfg;
    if (om_url_parse(url, &f->url) != OM_OK)
        return failed(res, OM_ERR_INVAL, "not a valid URL: %s", url);
    if (!f->url.https && !cfg->plain_http)
        return failed(res, OM_ERR_INVAL, "only https URLs are fetched: %s", url);
    conditional = cur && (cur->etag[0] || cur->last_modified[0]);

    for (;;) {
        uint64_t used = res->body_bytes;
        e = exchange(f, cfg, tr, clk, t0, deadline, cur,
                     conditional && res->pages == 0, body_max - used, res);
        if (e)
            return e;
        if (f->resp.status == 304 && conditional && res->pages == 0) {
            res->not_modified = 1;
            return failed(res, OM_OK, "not modified since the saved table");
        }
        if (is_redirect(f->resp.status)) {
            if (++res->redirects > max_redir)
                return failed(res, OM_ERR_REDIRECT, "too many redirects");
            if (!f->resp.location[0] ||
                follow(f, f->resp.location, &same) != OM_OK)
                return failed(res, OM_ERR_REDIRECT, "bad redirect Location: %s",
                              f->resp.location);
            if (!f->url.https && !cfg->plain_http)
                return failed(res, OM_ERR_REDIRECT,
                              "refusing a redirect away from https: %s",
                              f->resp.location);
            /* Credentials go to the origin they were meant for only. */
            if (!same)
                f->left_origin = 1;
            continue;
        }
        if (f->resp.status / 100 != 2) {
            res->retry_after = f->resp.retry_after;
            return failed(res, OM_ERR_STATUS,
                          res->retry_after >= 0 ? "HTTP %u from %s (retry after %U s)"
                                                : "HTTP %u from %s",
                          f->resp.status, f->url.host,
                          (const uint64_t *)&res->retry_after);
        }
        /* A 2xx: its body went to the extractor; is the page complete? */
        res->pages++;
        if (!f->started) { /* a 2xx with an empty body */
            om_extract_init(&f->x, t, cfg->pinned, cfg->npinned);
            f->started = 1;
        }
        e = om_extract_finish(&f->x);
        res->stats = f->x.stats;
        if (e)
            return extract_failed(f, res, e);
        if (!om_extract_next(&f->x))
            break;
        if (res->pages >= max_pages)
            return failed(res, OM_ERR_TOOBIG, "more catalogue pages than max_pages");
        if (follow(f, om_extract_next(&f->x), &same) != OM_OK || !same)
            return failed(res, OM_ERR_SCHEMA,
                          "links.next is not on the same https origin: %s",
                          om_extract_next(&f->x));
        om_extract_next_page(&f->x);
    }
    /* Validators describe one response: a catalogue of several pages
     * keeps none, so its next refresh is an unconditional GET. */
    t->etag[0] = '\0';
    t->last_modified[0] = '\0';
    if (res->pages == 1) {
        strcpy(t->etag, f->resp.etag);
        strcpy(t->last_modified, f->resp.last_modified);
    }
    t->updated_at = clk->unix_s(clk->ctx);
    if (t->updated_at <= 0)
        t->updated_at = res->server_date; /* a device before SNTP */
    return failed(res, OM_OK, res->pages > 1 ? "%u models from %s in %u pages"
                                             : "%u models from %s",
                  t->count, f->url.host, res->pages);
}

/* ---------------------------------------------------------- refresh */

const char *om_refresh_name(int outcome)
{
    switch (outcome) {
    case OM_REFRESH_FRESH: return "fresh";
    case OM_REFRESH_UPDATED: return "updated";
    case OM_REFRESH_NOT_MODIFIED: return "not modified";
    case OM_REFRESH_STALE: return "stale";
    case OM_REFRESH_DEFAULTS: return "defaults";
    case OM_REFRESH_OFFLINE: return "offline";
    default: return "?";
    }
}

/* After a failed fetch: the saved table, or the defaults. */
static int fall_back(const om_store_t *store, om_table_t *live,
                     om_table_t *scratch, int outcome_if_saved)
{
    if (scratch == live && store->load(store->ctx, live) != OM_OK)
        om_table_init(live);
    if (live->count > 0)
        return outcome_if_saved;
    om_table_load_defaults(live);
    return OM_REFRESH_DEFAULTS;
}

int om_refresh(om_fetcher_t *f, const om_fetch_cfg_t *cfg,
               const om_transport_t *tr, const om_clock_t *clk,
               const om_store_t *store, om_table_t *live, om_table_t *scratch,
               uint32_t interval_s, unsigned flags, om_fetch_result_t *res)
{
    int64_t now = clk->unix_s(clk->ctx);
    int e, saved = store->load(store->ctx, live) == OM_OK && live->count > 0;

    memset(res, 0, sizeof *res);
    res->retry_after = -1;
    if (!saved)
        om_table_init(live);
    if (flags & OM_REFRESH_NO_NET) {
        failed(res, OM_OK, saved ? "offline: the saved table"
                                 : "offline: the built-in defaults");
        if (!saved)
            om_table_load_defaults(live);
        return OM_REFRESH_OFFLINE;
    }
    /* Fresh: saved, dated, and younger than the interval by a clock we
     * trust (an unknown clock, or a table from the future, is not). */
    if (saved && !(flags & OM_REFRESH_FORCE) && now > 0 &&
        live->updated_at > 0 && live->updated_at <= now + 300 &&
        now - live->updated_at < (int64_t)interval_s) {
        failed(res, OM_OK, "the saved table is fresh");
        return OM_REFRESH_FRESH;
    }
    e = om_fetch(f, cfg, tr, clk, saved ? live : NULL, scratch, res);
    if (e == OM_OK && res->not_modified) {
        /* A 304 touched no table: live still holds the saved one. */
        live->updated_at = now > 0 ? now : res->server_date;
        if (store->save(store->ctx, live) != OM_OK)
            msg_add(res, "; could not renew the saved table's date");
        return OM_REFRESH_NOT_MODIFIED;
    }
    if (e == OM_OK) {
        if (store->save(store->ctx, scratch) != OM_OK) {
            failed(res, OM_ERR_IO, "fetched, but could not save the table; "
                                   "the saved one stays");
            return fall_back(store, live, scratch, OM_REFRESH_STALE);
        }
        if (scratch != live)
            memcpy(live, scratch, sizeof *live);
        return OM_REFRESH_UPDATED;
    }
    return fall_back(store, live, scratch, OM_REFRESH_STALE);
}
