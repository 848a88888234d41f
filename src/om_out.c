/*
 * om_out.c - the table as JSON, streamed through a writer.
 *
 * Used by `ormodels list --json` and by the /models endpoint: the response
 * is written model by model from the table in place, never built whole.
 */
#include <string.h>

#include "ormodels.h"
#include "om_internal.h"

static int put(om_write_fn w, void *ctx, const char *s)
{
    return w(ctx, s, strlen(s));
}

int om_json_write_string(const char *s, size_t n, om_write_fn w, void *ctx)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, run = 0;
    int e;
    if ((e = w(ctx, "\"", 1)) != 0)
        return e;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[6];
        size_t el = 2;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (i > run && (e = w(ctx, s + run, i - run)) != 0)
            return e;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15u];
            el = 6;
        }
        if ((e = w(ctx, esc, el)) != 0)
            return e;
        run = i + 1;
    }
    if (n > run && (e = w(ctx, s + run, n - run)) != 0)
        return e;
    return w(ctx, "\"", 1);
}

static int write_model(const om_table_t *t, const om_model_t *m,
                       om_write_fn w, void *ctx)
{
    char num[OM_PRICE_STR_MAX];
    int e, n, first = 1;
    uint32_t v = m->context_length;
    char digits[21];

    if ((e = put(w, ctx, "{\"id\":")) != 0 ||
        (e = om_json_write_string(om_model_id(t, m), m->id_len, w, ctx)) != 0 ||
        (e = put(w, ctx, ",\"name\":")) != 0 ||
        (e = om_json_write_string(om_model_name(t, m), m->name_len, w, ctx)) != 0 ||
        (e = put(w, ctx, ",\"pricing\":{")) != 0)
        return e;
    /* A missing price is omitted, not invented. */
    if (m->prompt != OM_PRICE_NONE) {
        n = om_price_format(m->prompt, num, sizeof num);
        if ((e = put(w, ctx, "\"prompt\":\"")) != 0 ||
            (e = w(ctx, num, (size_t)(n > 0 ? n : 0))) != 0 ||
            (e = put(w, ctx, "\"")) != 0)
            return e;
        first = 0;
    }
    if (m->completion != OM_PRICE_NONE) {
        n = om_price_format(m->completion, num, sizeof num);
        if ((e = put(w, ctx, first ? "\"completion\":\"" : ",\"completion\":\"")) != 0 ||
            (e = w(ctx, num, (size_t)(n > 0 ? n : 0))) != 0 ||
            (e = put(w, ctx, "\"")) != 0)
            return e;
    }
    n = om_u64_dec(v, digits);
    if ((e = put(w, ctx, "},\"context_length\":")) != 0 ||
        (e = w(ctx, digits, (size_t)n)) != 0)
        return e;
    return put(w, ctx, "}");
}

int om_json_write_models(const om_table_t *t, const uint16_t *idx, size_t n,
                         om_write_fn w, void *ctx)
{
    char when[21];
    size_t i, count = idx ? n : t->count;
    int e;

    if ((e = put(w, ctx, "{\"models\":[")) != 0)
        return e;
    for (i = 0; i < count; i++) {
        size_t k = idx ? idx[i] : i;
        if (k >= t->count)
            return OM_ERR_INVAL;
        if ((i && (e = put(w, ctx, ",")) != 0) ||
            (e = write_model(t, &t->models[k], w, ctx)) != 0)
            return e;
    }
    if ((e = put(w, ctx, "],\"updated_at\":\"")) != 0)
        return e;
    if (t->updated_at > 0) {
        om_format_time(t->updated_at, when);
        if ((e = put(w, ctx, when)) != 0)
            return e;
    }
    return put(w, ctx, "\"}");
}
