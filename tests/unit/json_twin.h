/*
 * json_twin.h - src/om_json.c compiled a second time, with the other
 * scanner: OM_JSON_FAST the other way from the library's (-Os builds
 * leave the word-at-a-time scanner out), its entry points renamed
 * other_extract_*. Included once, by a test or a fuzz harness that feeds
 * both variants the same bytes and requires the same outcome
 * (tests/unit/test_json_paths.c, tests/fuzz/fuzz_extract.c); `lib` and
 * `other` are the two as tables of functions.
 */
#ifndef OM_JSON_TWIN_H
#define OM_JSON_TWIN_H

#include "ormodels.h"

/* The variant the library has, and the other one for this file. */
#ifdef OM_JSON_FAST
#define LIB_FAST OM_JSON_FAST
#undef OM_JSON_FAST
#elif defined(__OPTIMIZE_SIZE__)
#define LIB_FAST 0
#else
#define LIB_FAST 1
#endif
#define OM_JSON_FAST (!LIB_FAST)

#define om_extract_init other_extract_init
#define om_extract_next_page other_extract_next_page
#define om_extract_feed other_extract_feed
#define om_extract_finish other_extract_finish
#define om_extract_error other_extract_error
#define om_extract_next other_extract_next
void om_extract_init(om_extractor_t *x, om_table_t *t,
                     const char *const *pinned, size_t npinned);
void om_extract_next_page(om_extractor_t *x);
int om_extract_feed(om_extractor_t *x, const void *buf, size_t len);
int om_extract_finish(om_extractor_t *x);
const char *om_extract_error(const om_extractor_t *x, char *buf, size_t cap);
const char *om_extract_next(const om_extractor_t *x);
#include "om_json.c"
#undef om_extract_init
#undef om_extract_next_page
#undef om_extract_feed
#undef om_extract_finish
#undef om_extract_error
#undef om_extract_next

typedef struct {
    void (*init)(om_extractor_t *, om_table_t *, const char *const *,
                 size_t);
    int (*feed)(om_extractor_t *, const void *, size_t);
    int (*finish)(om_extractor_t *);
    const char *(*error)(const om_extractor_t *, char *, size_t);
    const char *(*next)(const om_extractor_t *);
} variant_t;

static const variant_t lib = {om_extract_init, om_extract_feed,
                              om_extract_finish, om_extract_error,
                              om_extract_next};
static const variant_t other = {other_extract_init, other_extract_feed,
                                other_extract_finish, other_extract_error,
                                other_extract_next};

#endif /* OM_JSON_TWIN_H */
