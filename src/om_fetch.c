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

static void msg_add(om_fetch_result_t *r, const char *s)
{
    size_t n = strlen(r->msg);
    while (*s && n + 1 < sizeof r->msg)
        r->msg[n++] = *s++;
    r->msg[n] = '\0';
}

static void msg_num(om_fetch_result_t *r, uint64_t v)
{
    char d[21];
    om_u64_dec(v, d);
    msg_add(r, d);
}

/* Sets the error and its one-line message (a, then b when not NULL). */
static int failed(om_fetch_result_t *r, int err, const char *a, const char *b)
{
    r->err = err;
    r->msg[0] = '\0';
    msg_add(r, a);
    if (b)
        msg_add(r, b);
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

/* Names the host for messages: "host:port". */
static void msg_host(om_fetch_result_t *r, const om_url_t *u)
{
    msg_add(r, u->host);
    msg_add(r, ":");
    msg_num(r, u->port);
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
        return failed(res, n, "request too long or header value invalid",
                      NULL);

    if (elapsed(clk, t0) >= deadline)
        return failed(res, OM_ERR_TIMEOUT, "deadline passed before connecting",
                      NULL);
    if (conn_ms > deadline - elapsed(clk, t0))
        conn_ms = deadline - elapsed(clk, t0);
    e = tr->open(tr->ctx, f->url.host, f->url.port, f->url.https, conn_ms);
    if (e) {
        res->err = e;
        res->msg[0] = '\0';
        /* The socket layer's own line names the host or address it
         * tried; TLS reasons ("certificate expired") do not. */
        if (e == OM_ERR_TLS) {
            msg_add(res, "TLS with ");
            msg_host(res, &f->url);
            msg_add(res, ": ");
        } else {
            msg_add(res, e == OM_ERR_DNS       ? "cannot resolve "
                         : e == OM_ERR_TIMEOUT ? "timed out connecting to "
                                               : "cannot connect to ");
        }
        msg_add(res, tr->error(tr->ctx));
        return e;
    }
    body_ctx.tr = tr;
    body_ctx.send_ms = read_ms;
    n = om_http_write_request((char *)f->io, sizeof f->io, &rq, send_out,
                              &body_ctx);
    e = n < 0 ? n : OM_OK;
    if (e) {
        tr->close(tr->ctx);
        failed(res, e, "sending the request to ", NULL);
        msg_host(res, &f->url);
        msg_add(res, ": ");
        msg_add(res, tr->error(tr->ctx));
        return e;
    }

    om_http_resp_init(&f->resp, on_body, &body_ctx);
    f->resp.body_max = body_left;
    f->body_err = 0;
    for (;;) {
        uint32_t spent = elapsed(clk, t0), wait;
        if (spent >= deadline) {
            tr->close(tr->ctx);
            return failed(res, OM_ERR_TIMEOUT,
                          "timed out: the whole fetch took longer than the deadline",
                          NULL);
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
        if (n == OM_ERR_TIMEOUT) {
            failed(res, n, "timed out: no data for ", NULL);
            msg_num(res, wait / 1000u);
            msg_add(res, " s");
            if (wait < read_ms)
                msg_add(res, " (the deadline)");
            return n;
        }
        /* Cut (reset, or TLS without close_notify) or a TLS alert. */
        if (f->resp.flags & OM_HTTP_F_HEAD) {
            failed(res, OM_ERR_TRUNCATED, "connection cut after ", NULL);
            msg_num(res, f->resp.body_len);
            msg_add(res, " body bytes: ");
            msg_add(res, tr->error(tr->ctx));
            return OM_ERR_TRUNCATED;
        }
        failed(res, n, "connection failed before the response: ",
               tr->error(tr->ctx));
        return n;
    }
    tr->close(tr->ctx);
    res->body_bytes += f->resp.body_len;
    if (f->resp.flags & OM_HTTP_F_DATE)
        res->server_date = f->resp.date;
    if (e) {
        if (f->body_err) /* the catalogue itself is bad */
            return extract_failed(f, res, f->body_err);
        if (e == OM_ERR_TRUNCATED) {
            failed(res, e, "truncated: the connection closed after ", NULL);
            msg_num(res, f->resp.body_len);
            msg_add(res, " body bytes");
            return e;
        }
        failed(res, e, om_strerror(e), NULL);
        if (f->resp.err_msg) {
            msg_add(res, " at byte ");
            msg_num(res, f->resp.err_offset);
            msg_add(res, ": ");
            msg_add(res, f->resp.err_msg);
        }
        return e;
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
        return failed(res, OM_ERR_INVAL, "not a valid URL: ", url);
    if (!f->url.https && !cfg->plain_http)
        return failed(res, OM_ERR_INVAL, "only https URLs are fetched: ", url);
    conditional = cur && (cur->etag[0] || cur->last_modified[0]);

    for (;;) {
        uint64_t used = res->body_bytes;
        e = exchange(f, cfg, tr, clk, t0, deadline, cur,
                     conditional && res->pages == 0, body_max - used, res);
        if (e)
            return e;
        if (f->resp.status == 304 && conditional && res->pages == 0) {
            res->not_modified = 1;
            failed(res, OM_OK, "not modified since the saved table", NULL);
            return OM_OK;
        }
        if (is_redirect(f->resp.status)) {
            if (++res->redirects > max_redir)
                return failed(res, OM_ERR_REDIRECT, "too many redirects", NULL);
            if (!f->resp.location[0] ||
                follow(f, f->resp.location, &same) != OM_OK)
                return failed(res, OM_ERR_REDIRECT, "bad redirect Location: ",
                              f->resp.location);
            if (!f->url.https && !cfg->plain_http)
                return failed(res, OM_ERR_REDIRECT,
                              "refusing a redirect away from https: ",
                              f->resp.location);
            /* Credentials go to the origin they were meant for only. */
            if (!same)
                f->left_origin = 1;
            continue;
        }
        if (f->resp.status / 100 != 2) {
            failed(res, OM_ERR_STATUS, "HTTP ", NULL);
            msg_num(res, f->resp.status);
            msg_add(res, " from ");
            msg_add(res, f->url.host);
            if (f->resp.retry_after >= 0) {
                res->retry_after = f->resp.retry_after;
                msg_add(res, " (retry after ");
                msg_num(res, (uint64_t)f->resp.retry_after);
                msg_add(res, " s)");
            }
            return OM_ERR_STATUS;
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
            return failed(res, OM_ERR_TOOBIG, "more catalogue pages than ",
                          "max_pages");
        if (follow(f, om_extract_next(&f->x), &same) != OM_OK || !same)
            return failed(res, OM_ERR_SCHEMA,
                          "links.next is not on the same https origin: ",
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
    res->msg[0] = '\0';
    msg_num(res, t->count);
    msg_add(res, " models from ");
    msg_add(res, f->url.host);
    if (res->pages > 1) {
        msg_add(res, " in ");
        msg_num(res, res->pages);
        msg_add(res, " pages");
    }
    return OM_OK;
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
                                 : "offline: the built-in defaults", NULL);
        if (!saved)
            om_table_load_defaults(live);
        return OM_REFRESH_OFFLINE;
    }
    /* Fresh: saved, dated, and younger than the interval by a clock we
     * trust (an unknown clock, or a table from the future, is not). */
    if (saved && !(flags & OM_REFRESH_FORCE) && now > 0 &&
        live->updated_at > 0 && live->updated_at <= now + 300 &&
        now - live->updated_at < (int64_t)interval_s) {
        failed(res, OM_OK, "the saved table is fresh", NULL);
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
                                   "the saved one stays", NULL);
            return fall_back(store, live, scratch, OM_REFRESH_STALE);
        }
        if (scratch != live)
            memcpy(live, scratch, sizeof *live);
        return OM_REFRESH_UPDATED;
    }
    return fall_back(store, live, scratch, OM_REFRESH_STALE);
}
