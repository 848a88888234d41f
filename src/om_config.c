/*
 * om_config.c - reads the models_cache block of config.yaml (the YAML
 * subset om_config.h documents) line by line, in place, without
 * allocating and without recursion.
 */
#include "om_config.h"

#include <string.h>

#include "om_internal.h"
#include "om_sched.h"

enum { ST_TOP, ST_FOREIGN, ST_BLOCK, ST_SKIP, ST_LIST };

/* The parse in progress: the current line and where the block stands. */
struct cur {
    om_config_t *c;
    om_config_warn_fn warn;
    void *ctx;
    unsigned line;
    int state;
    int seen_block, seen_content;
    long block_indent; /* of the block's keys; -1 until the first */
    long list_indent;  /* of the "- " items of popular; -1 until the first */
    unsigned seen_keys;
    const char *key;   /* the block key being read, for errors */
};

static int fail(struct cur *k, const char *key, const char *msg)
{
    om_config_t *c = k->c;
    size_t n = 0;
    c->err_line = k->line;
    c->err_msg = msg;
    c->err_key[0] = '\0';
    if (key) {
        static const char pre[] = "models_cache.";
        size_t kl = strlen(key);
        if (kl + sizeof pre > sizeof c->err_key)
            kl = sizeof c->err_key - sizeof pre;
        memcpy(c->err_key, pre, sizeof pre - 1);
        n = sizeof pre - 1;
        memcpy(c->err_key + n, key, kl);
        c->err_key[n + kl] = '\0';
    }
    return OM_ERR_FORMAT;
}

void om_config_init(om_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->enabled = 1;
    c->refresh_interval = OM_REFRESH_INTERVAL_S;
}

static int is_blank_or_comment(const char *p, const char *e)
{
    while (p < e && *p == ' ')
        p++;
    return p == e || *p == '#';
}

/* True for a line of nothing but blanks. */
static int only_tabs_spaces(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    return p == e;
}

/* Skips spaces, then a comment; true when nothing else is left. */
static int only_comment_left(const char *p, const char *e)
{
    if (p < e && *p != ' ' && *p != '#')
        return 0;
    return is_blank_or_comment(p, e);
}

/*
 * Reads one scalar at *pp (quoted or plain) into out (cap bytes with the
 * NUL). stop: extra characters ending a plain scalar ("," and "]" inside
 * a flow list). On success *pp is past the scalar (and a closing quote).
 * Returns the length, or -1 with *msg set.
 */
static int scalar(const char **pp, const char *e, const char *stop,
                  char *out, size_t cap, const char **msg)
{
    const char *p = *pp, *s;
    size_t n = 0;
    int r, cut = 0;

    if (p < e && *p == '"') {
        s = ++p;
        while (p < e && *p != '"')
            p += (*p == '\\' && p + 1 < e) ? 2 : 1;
        if (p >= e) {
            *msg = "unterminated \"string\" (values stay on one line)";
            return -1;
        }
        r = om_json_unescape(s, (size_t)(p - s), out, cap - 1, 0, &cut);
        if (r < 0) {
            *msg = "bad escape, UTF-8 or control character in the string";
            return -1;
        }
        if (cut) {
            *msg = "value too long";
            return -1;
        }
        n = (size_t)r;
        p++;
    } else if (p < e && *p == '\'') {
        for (p++;; p++) {
            if (p >= e) {
                *msg = "unterminated 'string' (values stay on one line)";
                return -1;
            }
            if (*p == '\'') {
                if (p + 1 < e && p[1] == '\'')
                    p++; /* '' is one quote */
                else
                    break;
            }
            if (n + 1 >= cap) {
                *msg = "value too long";
                return -1;
            }
            out[n++] = *p;
        }
        p++;
    } else {
        if (p < e && strchr("&*!|>{[@`%", *p)) {
            *msg = "anchors, aliases, tags, block scalars and flow "
                   "collections are not supported here";
            return -1;
        }
        s = p;
        /* A plain scalar ends at " #", at a stop character, or the line. */
        while (p < e && !(*p == '#' && p > s && p[-1] == ' ') &&
               !(stop && strchr(stop, *p)))
            p++;
        while (p > s && p[-1] == ' ')
            p--;
        for (n = 0; s + n < p; n++) {
            if (s[n] == ':' && (s + n + 1 == p || s[n + 1] == ' ')) {
                *msg = "a nested mapping is not expected here";
                return -1;
            }
        }
        if (n + 1 > cap) {
            *msg = "value too long";
            return -1;
        }
        memcpy(out, s, n);
    }
    out[n] = '\0';
    for (s = out; s < out + n; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            *msg = "control characters are not allowed";
            return -1;
        }
    }
    *pp = p;
    return (int)n;
}

/* The value of a one-value key: a scalar, then only a comment. */
static int value(struct cur *k, const char *p, const char *e, char *out,
                 size_t cap)
{
    const char *msg = NULL;
    int n = scalar(&p, e, NULL, out, cap, &msg);
    if (n < 0)
        return fail(k, k->key, msg);
    if (!only_comment_left(p, e))
        return fail(k, k->key, "unexpected text after the value");
    if (n == 0)
        return fail(k, k->key, "needs a value");
    return n;
}

static int lower_eq(const char *a, const char *lit)
{
    for (; *a && *lit; a++, lit++)
        if ((*a | 0x20) != *lit)
            return 0;
    return *a == *lit;
}

static int add_popular(struct cur *k, const char *id, size_t n)
{
    om_config_t *c = k->c;
    if (n == 0)
        return fail(k, "popular", "an empty id");
    if (c->npopular >= OM_PINNED_MAX)
        return fail(k, "popular", "too many ids (at most OM_PINNED_MAX, 8)");
    memcpy(c->popular[c->npopular], id, n + 1);
    c->npopular++;
    return 0;
}

/* [a, "b", c] on one line. */
static int flow_list(struct cur *k, const char *p, const char *e)
{
    char id[OM_ID_MAX + 1];
    const char *msg = NULL;
    int n;
    p++; /* the [ */
    for (;;) {
        while (p < e && *p == ' ')
            p++;
        if (p < e && *p == ']' && k->c->npopular == 0)
            break; /* [] */
        n = scalar(&p, e, ",]", id, sizeof id, &msg);
        if (n < 0)
            return fail(k, "popular", msg[0] == 'v' ? "an id is too long" : msg);
        if (add_popular(k, id, (size_t)n))
            return OM_ERR_FORMAT;
        while (p < e && *p == ' ')
            p++;
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        if (p < e && *p == ']')
            break;
        return fail(k, "popular", "expected , or ] (flow lists stay on one line)");
    }
    if (!only_comment_left(p + 1, e))
        return fail(k, "popular", "unexpected text after the list");
    return 0;
}

static const char *const keys[] = {"enabled", "refresh_interval", "cache_file",
                                   "url", "referer", "title", "popular"};

/* One "key: value" line of the block, p at the key. */
static int block_key(struct cur *k, const char *p, const char *e)
{
    om_config_t *c = k->c;
    const char *ks = p;
    char name[24], buf[OM_URL_MAX + 1];
    size_t kl, i;
    int n;

    while (p < e && (*p == '_' || *p == '-' || (*p >= 'a' && *p <= 'z') ||
                     (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
        p++;
    kl = (size_t)(p - ks);
    if (kl == 0 || p >= e || *p != ':' || (p + 1 < e && p[1] != ' '))
        return fail(k, NULL, "expected 'key: value' in models_cache");
    if (kl >= sizeof name)
        kl = sizeof name - 1;
    memcpy(name, ks, kl);
    name[kl] = '\0';
    p++;
    while (p < e && *p == ' ')
        p++;
    for (i = 0; i < sizeof keys / sizeof keys[0] && strcmp(name, keys[i]); i++)
        ;
    if (i == sizeof keys / sizeof keys[0]) {
        char full[40] = "models_cache.";
        size_t fl = strlen(full);
        memcpy(full + fl, name, strlen(name) + 1 < sizeof full - fl
                                     ? strlen(name) + 1 : sizeof full - fl);
        full[sizeof full - 1] = '\0';
        if (k->warn)
            k->warn(k->ctx, k->line, full, "unknown key, ignored");
        k->state = ST_SKIP;
        return 0;
    }
    k->key = keys[i];
    if (k->seen_keys & (1u << i))
        return fail(k, k->key, "given twice");
    k->seen_keys |= 1u << i;
    k->state = ST_BLOCK;

    switch (i) {
    case 0: /* enabled */
        if ((n = value(k, p, e, buf, 8)) < 0)
            return fail(k, k->key, "expected true or false");
        if (lower_eq(buf, "true") || lower_eq(buf, "yes") || lower_eq(buf, "on"))
            c->enabled = 1;
        else if (lower_eq(buf, "false") || lower_eq(buf, "no") ||
                 lower_eq(buf, "off"))
            c->enabled = 0;
        else
            return fail(k, k->key, "expected true or false");
        c->given |= OM_CFG_ENABLED;
        return 0;
    case 1: /* refresh_interval */
        if ((n = value(k, p, e, buf, 16)) < 0 ||
            om_sched_parse_interval(buf, (uint32_t)n, &c->refresh_interval))
            return fail(k, k->key, "expected \"1d\", \"12h\", \"30m\", \"90s\" "
                                   "or seconds (at least 60, at most 366d)");
        if (c->refresh_interval < 60)
            return fail(k, k->key, "expected \"1d\", \"12h\", \"30m\", \"90s\" "
                                   "or seconds (at least 60, at most 366d)");
        c->given |= OM_CFG_INTERVAL;
        return 0;
    case 2: /* cache_file */
        if (value(k, p, e, c->cache_file, sizeof c->cache_file) < 0)
            return OM_ERR_FORMAT;
        c->given |= OM_CFG_CACHE_FILE;
        return 0;
    case 3: /* url */
        if (value(k, p, e, c->url, sizeof c->url) < 0)
            return OM_ERR_FORMAT;
        if (strncmp(c->url, "https://", 8) && strncmp(c->url, "http://", 7))
            return fail(k, k->key, "expected an https:// URL");
        if (strchr(c->url, ' '))
            return fail(k, k->key, "a URL has no spaces");
        c->given |= OM_CFG_URL;
        return 0;
    case 4: /* referer */
    case 5: /* title */
        if (value(k, p, e, i == 4 ? c->referer : c->title, OM_CONFIG_HEADER_MAX) < 0)
            return OM_ERR_FORMAT;
        c->given |= i == 4 ? OM_CFG_REFERER : OM_CFG_TITLE;
        return 0;
    default: /* popular */
        c->given |= OM_CFG_POPULAR;
        if (p < e && *p == '[')
            return flow_list(k, p, e);
        if (!only_comment_left(p, e) && p < e)
            return fail(k, k->key, "expected a list: '- id' lines or [a, b]");
        k->state = ST_LIST;
        k->list_indent = -1;
        return 0;
    }
}

/* A "- id" line of popular, p at the dash. */
static int list_item(struct cur *k, const char *p, const char *e)
{
    char id[OM_ID_MAX + 1];
    const char *msg = NULL;
    int n;
    p++;
    if (p < e && *p != ' ')
        return fail(k, "popular", "expected '- id'");
    while (p < e && *p == ' ')
        p++;
    n = scalar(&p, e, NULL, id, sizeof id, &msg);
    if (n < 0)
        return fail(k, "popular", msg[0] == 'v' ? "an id is too long" : msg);
    if (!only_comment_left(p, e))
        return fail(k, "popular", "unexpected text after the id");
    return add_popular(k, id, (size_t)n);
}

/* A line at column 0. */
static int top_line(struct cur *k, const char *p, const char *e)
{
    const char *ks = p;
    size_t n = (size_t)(e - p);
    if (n >= 3 && !memcmp(p, "---", 3) && only_comment_left(p + 3, e)) {
        if (k->seen_content)
            return fail(k, NULL, "several YAML documents are not supported");
        return 0;
    }
    k->seen_content = 1;
    while (p < e && *p != ':' && *p != ' ' && *p != '#')
        p++;
    if (p == ks || p >= e || *p != ':' || (p + 1 < e && p[1] != ' '))
        return fail(k, NULL, "expected 'key:' at the top level");
    if ((size_t)(p - ks) == 12 && !memcmp(ks, "models_cache", 12)) {
        if (k->seen_block)
            return fail(k, NULL, "models_cache given twice");
        if (!only_comment_left(p + 1, e))
            return fail(k, NULL, "models_cache must be a block of "
                                 "'key: value' lines");
        k->seen_block = 1;
        k->state = ST_BLOCK;
        k->block_indent = -1;
        return 0;
    }
    k->state = ST_FOREIGN;
    return 0;
}

int om_config_parse(om_config_t *c, const char *text, size_t len,
                    om_config_warn_fn warn, void *ctx)
{
    struct cur k;
    const char *p = text, *end = text + len;

    memset(&k, 0, sizeof k);
    k.c = c;
    k.warn = warn;
    k.ctx = ctx;
    k.state = ST_TOP;
    k.block_indent = -1;
    c->err_line = 0;
    c->err_key[0] = '\0';
    c->err_msg = NULL;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    if (memchr(text, '\0', len)) {
        /* Name the line of the first NUL. */
        const char *z = memchr(text, '\0', len), *q;
        k.line = 1;
        for (q = text; q < z; q++)
            k.line += *q == '\n';
        return fail(&k, NULL, "a NUL byte: not a text file");
    }

    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p)), *s;
        const char *next = e ? e + 1 : end;
        long indent;
        if (!e)
            e = end;
        if (e > p && e[-1] == '\r')
            e--;
        k.line++;
        for (s = p; s < e && *s == ' '; s++)
            ;
        indent = (long)(s - p);
        if (s < e && *s == '\t' && !only_tabs_spaces(s, e)) {
            if (k.state == ST_BLOCK || k.state == ST_LIST || k.state == ST_SKIP ||
                indent == 0)
                return fail(&k, NULL, "a tab in the indentation (YAML indents "
                                      "with spaces)");
        } else if (is_blank_or_comment(s, e) || only_tabs_spaces(s, e)) {
            p = next;
            continue;
        }
        if (indent == 0) {
            if (e - s >= 3 && !memcmp(s, "...", 3) && only_comment_left(s + 3, e))
                break; /* end of the document */
            if (top_line(&k, s, e))
                return OM_ERR_FORMAT;
        } else if (k.state == ST_TOP) {
            return fail(&k, NULL, "indented line before any top-level key");
        } else if (k.state != ST_FOREIGN) {
            int item = *s == '-' && (s + 1 == e || s[1] == ' ');
            if (k.state == ST_LIST && item &&
                (k.list_indent < 0 ? indent >= k.block_indent
                                   : indent == k.list_indent)) {
                k.list_indent = indent;
                if (list_item(&k, s, e))
                    return OM_ERR_FORMAT;
            } else if (k.block_indent < 0 || indent == k.block_indent) {
                k.block_indent = indent;
                if (block_key(&k, s, e))
                    return OM_ERR_FORMAT;
            } else if (k.state == ST_SKIP && indent > k.block_indent) {
                /* under an unknown key: skipped */
            } else if (indent < k.block_indent) {
                return fail(&k, NULL, "indentation does not match the keys "
                                      "above");
            } else {
                return fail(&k, k.key, "unexpected indentation (a value "
                                       "spanning lines?)");
            }
        }
        p = next;
    }
    return 0;
}

/* Appends s to buf at *n, keeping the NUL. */
static void put(char *buf, size_t cap, size_t *n, const char *s)
{
    while (*s && *n + 1 < cap)
        buf[(*n)++] = *s++;
    buf[*n] = '\0';
}

const char *om_config_error(const om_config_t *c, char *buf, size_t cap)
{
    char num[12];
    size_t n = 0, i = sizeof num - 1;
    unsigned v = c->err_line;
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    num[i] = '\0';
    do {
        num[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i > 0);
    put(buf, cap, &n, "line ");
    put(buf, cap, &n, num + i);
    put(buf, cap, &n, ": ");
    if (c->err_key[0]) {
        put(buf, cap, &n, c->err_key);
        put(buf, cap, &n, ": ");
    }
    put(buf, cap, &n, c->err_msg ? c->err_msg : "no error");
    return buf;
}

size_t om_config_pinned(const om_config_t *c, const char *out[OM_PINNED_MAX])
{
    size_t i;
    for (i = 0; i < c->npopular && i < OM_PINNED_MAX; i++)
        out[i] = c->popular[i];
    return i;
}
