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

/* Sets the error and adds to its one-line message (om_vformat's %s, %u,
 * %U); the message starts empty (see clear). */
static int say(om_fetch_result_t *r, int err, const char *fmt, ...)
{
    va_list ap;
    r->err = err;
    va_start(ap, fmt);
    om_vformat(msg_put, r, fmt, ap);
    va_end(ap);
    return err;
}

/* A result with nothing in it yet. */
static void clear(om_fetch_result_t *r)
{
    memset(r, 0, sizeof *r);
    r->retry_after = -1;
}

/* ------------------------------------------------------------ fetch */

/* The request's writers (ctx is the fetcher): the first only checks it,
 * before connecting. */
static int discard(void *ctx, const void *p, size_t n)
{
    (void)ctx;
    (void)p;
    (void)n;
    return OM_OK;
}

static int send_out(void *ctx, const void *p, size_t n)
{
    const om_fetcher_t *f = (const om_fetcher_t *)ctx;
    return f->tr->send(f->tr->ctx, p, n, f->read_ms);
}

/* The response body, page by page, into the extractor: only a 2xx body
 * is a catalogue; anything else is never read that far. The table is
 * first touched here, when a 2xx body starts. */
static int on_body(void *ctx, const uint8_t *p, size_t n)
{
    om_fetcher_t *f = (om_fetcher_t *)ctx;
    if (f->resp.status / 100 != 2)
        return 0;
    if (!f->started) {
        om_extract_init(&f->x, f->table, f->cfg->pinned, f->cfg->npinned);
        f->started = 1;
    }
    f->body_err = om_extract_feed(&f->x, p, n);
    return f->body_err;
}

/* Milliseconds to wait for the next step: limit, or what is left of the
 * deadline when that is less (0 when it has passed). */
static uint32_t wait_ms(const om_fetcher_t *f, uint32_t limit)
{
    uint32_t spent = f->clk->now_ms(f->clk->ctx) - f->t0; /* unsigned: wraps right */
    uint32_t left = spent < f->deadline_ms ? f->deadline_ms - spent : 0;
    return left < limit ? left : limit;
}

/* Writes the GET of f->url (f->req) through w. */
static int write_request(om_fetcher_t *f, om_write_fn w)
{
    return om_http_write_request((char *)f->io, sizeof f->io, &f->req, w, f);
}

/* Moves f->url to ref resolved against it (f->url is unchanged when ref
 * is bad). Returns a negative om_err for a bad ref, else 1 when the
 * origin changed and 0 when not. Between exchanges io is free: it holds
 * the old host meanwhile, not a second om_url_t. */
static int follow(om_fetcher_t *f, const char *ref)
{
    char *old = (char *)f->io;
    uint16_t port = f->url.port;
    uint8_t https = f->url.https;
    int e;

    memcpy(old, f->url.host, sizeof f->url.host);
    e = om_url_resolve(&f->url, ref, &f->url);
    if (e)
        return e;
    return f->url.port != port || f->url.https != https ||
           strcmp(f->url.host, old) != 0; /* hosts are kept in lower case */
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
 * a 2xx, the body fed to the extractor in full or until the extractor
 * failed; or an error with the message set. The connection is closed
 * either way.
 */
static int exchange(om_fetcher_t *f)
{
    const om_fetch_cfg_t *cfg = f->cfg;
    const om_transport_t *tr = f->tr;
    om_fetch_result_t *res = f->res;
    uint32_t conn_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms
                                               : DEF_CONNECT_MS;
    uint32_t body_max = cfg->body_max ? cfg->body_max : DEF_BODY_MAX;
    uint32_t wait;
    int e = 0, n;

    n = write_request(f, discard);
    if (n < 0)
        return say(res, n, "invalid header value");
    /* body_max counts the body bytes of all pages (redirects too; never
     * more than body_max, the parser sees to that); with none left, stop
     * here: the parser would take a 0 as "no limit" */
    body_max -= res->body_bytes;
    if (body_max == 0)
        return say(res, OM_ERR_TOOBIG, "body_max reached before the last page");
    om_http_resp_init(&f->resp, on_body, f);
    f->resp.body_max = body_max;
    f->body_err = 0;
    n = OM_ERR_TIMEOUT; /* unless time is left to connect */
    wait = wait_ms(f, conn_ms);
    if (wait) {
        e = tr->open(tr->ctx, f->url.host, f->url.port, f->url.https, wait);
        if (e) { /* the port's own line says why: TLS, DNS, refused, timeout */
            say(res, e, e == OM_ERR_TLS ? "TLS with " : "cannot connect to ");
            return say(res, e, "%s:%u: %s", f->url.host, f->url.port,
                       tr->error(tr->ctx));
        }
        n = write_request(f, send_out);
        wait = f->read_ms; /* what a send waits */
    }
    /* Read until the parser is done, the peer closes, or a failure; n
     * ends as the last send or recv result, e as the parser's. */
    while (n >= 0) {
        wait = wait_ms(f, f->read_ms);
        n = wait ? tr->recv(tr->ctx, f->io, sizeof f->io, wait) : OM_ERR_TIMEOUT;
        if (n == 0) {
            e = om_http_resp_finish(&f->resp);
            break;
        }
        if (n > 0 && ((e = om_http_resp_feed(&f->resp, f->io, (size_t)n)) ||
                      om_http_resp_done(&f->resp) ||
                      /* the head is all we need of a non-2xx */
                      ((f->resp.flags & OM_HTTP_F_HEAD) &&
                       f->resp.status / 100 != 2)))
            break;
    }
    tr->close(tr->ctx);
    res->body_bytes += (uint32_t)f->resp.body_len; /* <= body_max */
    if (f->resp.flags & OM_HTTP_F_DATE)
        res->server_date = f->resp.date;

    if (n == OM_ERR_TIMEOUT)
        /* A send or recv that waited read_ms in vain, or the deadline
         * (before connecting, or with less than read_ms left to read). */
        return say(res, n, wait < f->read_ms ? "timed out: the deadline passed"
                                                : "timed out: no progress for %u s",
                      f->read_ms / 1000u);
    if (n < 0 && !(f->resp.flags & OM_HTTP_F_HEAD))
        return say(res, n, "connection to %s lost before the response: %s",
                      f->url.host, tr->error(tr->ctx));
    /* Cut (a reset, or TLS without close_notify, or a TLS alert) after
     * the head, or closed cleanly before the end. */
    if (n < 0 || e == OM_ERR_TRUNCATED)
        return say(res, OM_ERR_TRUNCATED, "truncated: cut after %U body bytes: %s",
                      &f->resp.body_len,
                      n < 0 ? tr->error(tr->ctx) : "closed before the end");
    /* The catalogue itself is bad (the extractor stopped the parser):
     * om_fetch has the extractor say why. */
    if (e && e != f->body_err)
        return say(res, e, "%s at byte %U: %s", /* the parser's error */
                      om_strerror(e), &f->resp.err_offset, f->resp.err_msg);
    res->status = f->resp.status;
    return OM_OK;
}

/* A complete catalogue is in f->table: it gets its validators and its
 * date, the result its line. */
static int finished(om_fetcher_t *f)
{
    om_table_t *t = f->table;
    om_fetch_result_t *res = f->res;
    int64_t now;

    /* Validators describe one response: a catalogue of several pages
     * keeps none (om_extract_init cleared them with the table), so its
     * next refresh is an unconditional GET. */
    if (res->pages == 1) {
        strcpy(t->etag, f->resp.etag);
        strcpy(t->last_modified, f->resp.last_modified);
    }
    now = f->clk->unix_s(f->clk->ctx);
    t->updated_at = now > 0 ? now : res->server_date; /* a device before SNTP */
    say(res, OM_OK, "%u models from %s", t->count, f->url.host);
    if (res->pages > 1)
        say(res, OM_OK, " in %u pages", res->pages);
    return OM_OK;
}

/* Follow a redirect or the next page: what step() returns for "go on". */
#define GO_ON 1

/*
 * What the response of an exchange means: GO_ON with f->url moved (a
 * redirect or the next page), 0 when the catalogue is complete or the
 * saved table current (a 304), or an error with the message set.
 */
static int step(om_fetcher_t *f)
{
    const om_fetch_cfg_t *cfg = f->cfg;
    om_fetch_result_t *res = f->res;
    const char *next;
    int e;

    if (f->resp.status == 304 && f->req.if_none_match) {
        res->not_modified = 1;
        return say(res, OM_OK, "not modified (304)");
    }
    if (f->resp.status == 301 || f->resp.status == 302 ||
        f->resp.status == 307 || f->resp.status == 308) {
        if (++res->redirects >
            (cfg->max_redirects ? cfg->max_redirects : DEF_REDIRECTS))
            return say(res, OM_ERR_REDIRECT, "too many redirects");
        e = f->resp.location[0] ? follow(f, f->resp.location) : OM_ERR_INVAL;
        if (e < 0 || (!f->url.https && !cfg->plain_http))
            return say(res, OM_ERR_REDIRECT, "bad or non-https redirect: %s",
                       f->resp.location);
        if (e) /* credentials go to the origin they were meant for only:
                * the key stays behind for good */
            f->req.api_key = NULL;
        return GO_ON;
    }
    if (f->resp.status / 100 != 2) {
        res->retry_after = f->resp.retry_after;
        say(res, OM_ERR_STATUS, "HTTP %u from %s", f->resp.status, f->url.host);
        if (res->retry_after >= 0)
            say(res, OM_ERR_STATUS, " (retry after %U s)",
                (const uint64_t *)&res->retry_after);
        return OM_ERR_STATUS;
    }
    /* A 2xx: its body went to the extractor (an empty one starts it on
     * no bytes); is the page complete and good? */
    res->pages++;
    f->req.if_none_match = f->req.if_modified_since = NULL;
    on_body(f, f->io, 0);
    e = om_extract_finish(&f->x);
    res->stats = f->x.stats;
    if (e)
        return extract_failed(f, res, e);
    next = om_extract_next(&f->x);
    if (!next)
        return finished(f);
    if (res->pages >= (cfg->max_pages ? cfg->max_pages : DEF_PAGES))
        return say(res, OM_ERR_TOOBIG, "too many pages (max_pages)");
    if (follow(f, next) != 0)
        return say(res, OM_ERR_SCHEMA, "links.next not on the same origin: %s",
                   next);
    om_extract_next_page(&f->x);
    return GO_ON;
}

int om_fetch(om_fetcher_t *f, const om_fetch_cfg_t *cfg,
             const om_transport_t *tr, const om_clock_t *clk,
             const om_table_t *cur, om_table_t *t, om_fetch_result_t *res)
{
    const char *url = cfg->url ? cfg->url : OM_DEFAULT_URL;
    int e;

    clear(res);
    f->cfg = cfg;
    f->tr = tr;
    f->clk = clk;
    f->res = res;
    f->t0 = clk->now_ms(clk->ctx);
    f->deadline_ms = cfg->deadline_ms ? cfg->deadline_ms : DEF_DEADLINE_MS;
    f->read_ms = cfg->read_timeout_ms ? cfg->read_timeout_ms : DEF_READ_MS;
    f->table = t;
    f->started = 0;
    f->req.host = f->url.host;
    f->req.path = f->url.path;
    f->req.user_agent = cfg->user_agent;
    f->req.referer = cfg->referer ? cfg->referer : OM_DEFAULT_REFERER;
    f->req.title = cfg->title ? cfg->title : OM_DEFAULT_TITLE;
    f->req.api_key = cfg->api_key;
    /* Only the first page is asked for conditionally, after redirects
     * too: a 304 is an answer about the saved table as a whole. */
    f->req.if_none_match = f->req.if_modified_since = NULL;
    if (cur && (cur->etag[0] || cur->last_modified[0])) {
        f->req.if_none_match = cur->etag;
        f->req.if_modified_since = cur->last_modified;
    }
    if (om_url_parse(url, &f->url) != OM_OK || (!f->url.https && !cfg->plain_http))
        return say(res, OM_ERR_INVAL, "not a valid https URL: %s", url);
    do {
        f->req.port = f->url.port;
        f->req.https = f->url.https;
        e = exchange(f);
        if (e == OM_OK)
            e = step(f);
    } while (e == GO_ON);
    return e;
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

/* Loads the saved table into t: 1 when there is one with models. */
static int load_saved(const om_store_t *store, om_table_t *t)
{
    return store->load(store->ctx, t) == OM_OK && t->count > 0;
}

int om_refresh(om_fetcher_t *f, const om_fetch_cfg_t *cfg,
               const om_transport_t *tr, const om_clock_t *clk,
               const om_store_t *store, om_table_t *live, om_table_t *scratch,
               uint32_t interval_s, unsigned flags, om_fetch_result_t *res)
{
    int64_t now = clk->unix_s(clk->ctx);
    int saved = load_saved(store, live); /* live holds the saved table */
    int out = OM_REFRESH_OFFLINE;

    clear(res);
    if (flags & OM_REFRESH_NO_NET) {
        say(res, OM_OK, "offline: %s",
               saved ? "saved table" : "built-in defaults");
    } else if (saved && !(flags & OM_REFRESH_FORCE) && now > 0 &&
               live->updated_at > 0 &&
               /* its age in -300..interval_s-1 (both dates are positive) */
               (uint64_t)(now - live->updated_at) + 300u < interval_s + 300ull) {
        /* Fresh: saved, dated, and younger than the interval by a clock
         * we trust (an unknown clock, or a table from the future, is
         * not). */
        say(res, OM_OK, "saved table is fresh");
        return OM_REFRESH_FRESH;
    } else {
        if (om_fetch(f, cfg, tr, clk, saved ? live : NULL, scratch, res) == OM_OK) {
            if (res->not_modified) {
                /* A 304 touched no table: live still holds the saved one. */
                live->updated_at = now > 0 ? now : res->server_date;
                if (store->save(store->ctx, live) != OM_OK)
                    say(res, OM_OK, "; saving the table failed");
                return OM_REFRESH_NOT_MODIFIED;
            }
            if (store->save(store->ctx, scratch) == OM_OK) {
                if (scratch != live)
                    memcpy(live, scratch, sizeof *live);
                return OM_REFRESH_UPDATED;
            }
            say(res, OM_ERR_IO, "; saving the table failed");
        }
        /* Not updated: live keeps the saved table (reloaded when the
         * fetch wrote over it), or else gets the built-in defaults. */
        if (saved && scratch == live)
            saved = load_saved(store, live);
        out = saved ? OM_REFRESH_STALE : OM_REFRESH_DEFAULTS;
    }
    if (!saved)
        om_table_load_defaults(live);
    return out;
}
