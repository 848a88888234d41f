/*
 * fuzz_config.c - libFuzzer harness for the models_cache config parser
 * (om_config_parse, include/om_config.h).
 *
 * The input is the YAML text, parsed from a buffer of exactly its length
 * (no NUL after it, so ASan sees any read past the end). Whatever the
 * bytes: the parser returns 0 or OM_ERR_FORMAT; on success every string
 * field is NUL-terminated inside its array, holds no control character
 * (they would reach HTTP headers), npopular is in range and each popular
 * id is non-empty; on failure the error line is inside the text and
 * om_config_error writes a NUL-terminated line. Parsing twice gives the
 * same result (no hidden state), and warnings name a line inside the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "om_config.h"

static unsigned nlines;

static void warn(void *ctx, unsigned line, const char *key, const char *msg)
{
    (void)ctx;
    if (line == 0 || line > nlines || !key || !msg || strlen(key) > 200)
        abort();
}

static void check_str(const char *s, size_t cap, int no_ctl)
{
    const char *z = memchr(s, '\0', cap);
    if (!z)
        abort(); /* not terminated inside its array */
    if (no_ctl)
        for (; s < z; s++)
            if ((unsigned char)*s < 0x20 || *s == 0x7f)
                abort();
}

static om_config_t ca, cb;

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    char *text = malloc(n ? n : 1);
    char msg[256];
    int a, b;
    size_t i;
    if (!text)
        return 0;
    memcpy(text, d, n);
    nlines = 1;
    for (i = 0; i < n; i++)
        nlines += d[i] == '\n' || d[i] == '\r';
    om_config_init(&ca);
    om_config_init(&cb);
    a = om_config_parse(&ca, text, n, warn, NULL);
    b = om_config_parse(&cb, text, n, NULL, NULL);
    free(text);
    if (a != b || (a != 0 && a != OM_ERR_FORMAT))
        abort();
    if (a == 0) {
        const char *pins[OM_PINNED_MAX];
        if (ca.npopular > OM_PINNED_MAX ||
            om_config_pinned(&ca, pins) != ca.npopular)
            abort();
        check_str(ca.cache_file, sizeof ca.cache_file, 1);
        check_str(ca.url, sizeof ca.url, 1);
        check_str(ca.referer, sizeof ca.referer, 1);
        check_str(ca.title, sizeof ca.title, 1);
        for (i = 0; i < ca.npopular; i++) {
            check_str(ca.popular[i], sizeof ca.popular[i], 1);
            if (!ca.popular[i][0] || pins[i] != ca.popular[i])
                abort();
        }
        if (ca.given != cb.given || ca.enabled != cb.enabled ||
            ca.refresh_interval != cb.refresh_interval ||
            strcmp(ca.url, cb.url) || strcmp(ca.cache_file, cb.cache_file) ||
            ca.npopular != cb.npopular)
            abort();
    } else {
        if (ca.err_line == 0 || ca.err_line > nlines || !ca.err_msg)
            abort();
        check_str(ca.err_key, sizeof ca.err_key, 0);
        if (om_config_error(&ca, msg, sizeof msg) != msg ||
            !memchr(msg, '\0', sizeof msg) || strchr(msg, '\n'))
            abort();
        /* a tiny buffer is still terminated */
        if (om_config_error(&ca, msg, 8) != msg || strlen(msg) > 7)
            abort();
    }
    return 0;
}
