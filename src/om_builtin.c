/*
 * om_builtin.c - the table a device has before its first fetch.
 *
 * A build made with `make snapshot FROM=catalogue.json` carries a whole
 * table image (om_snapshot_image, generated into build/snapshot.c). Any
 * other build falls back to the original plan's four defaults. Their
 * prices and context lengths change over time, so none are claimed here:
 * they show as unknown until the first fetch.
 */
#include <string.h>

#include "ormodels.h"

#ifdef OM_HAVE_SNAPSHOT
extern const unsigned char om_snapshot_image[];
extern const size_t om_snapshot_image_len;
#endif

/* The ids are separate strings, which the linker shares with the picker's
 * list of popular models; the names follow one another in one string. */
static const struct {
    const char *id;
    uint32_t created;
} defaults[] = {
    {"anthropic/claude-sonnet-4", 1747930371u},
    {"anthropic/claude-3.5-sonnet", 1729555200u},
    {"openai/gpt-4-turbo", 1712620800u},
    {"meta-llama/llama-3.3-70b-instruct", 1733506137u},
};
static const char names[] = "Anthropic: Claude Sonnet 4\0"
                            "Anthropic: Claude 3.5 Sonnet\0"
                            "OpenAI: GPT-4 Turbo\0"
                            "Meta: Llama 3.3 70B Instruct";

int om_table_load_defaults(om_table_t *t)
{
    const char *name = names;
    om_model_t m;
    size_t i;
#ifdef OM_HAVE_SNAPSHOT
    if (om_image_load(t, om_snapshot_image, om_snapshot_image_len) == OM_OK)
        return OM_OK;
#endif
    om_table_init(t);
    memset(&m, 0, sizeof m);
    m.prompt = OM_PRICE_NONE;
    m.completion = OM_PRICE_NONE;
    m.flags = OM_MODEL_PINNED;
    for (i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        int r;
        m.created = defaults[i].created;
        m.seq = (uint16_t)i;
        m.id_len = (uint8_t)strlen(defaults[i].id);
        m.name_len = (uint8_t)strlen(name);
        r = om_table_put(t, &m, defaults[i].id, name);
        if (r < 0)
            return r;
        name += m.name_len + 1u;
    }
    return OM_OK;
}
