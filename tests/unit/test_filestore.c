/*
 * test_filestore.c - the Linux file store is crash-safe (issue 6, point 4).
 *
 * port/linux/om_file.c counts the failure points of a save (open, each
 * write, fsync, rename, folder fsync, from 1) and om_file_fault_at=N makes
 * the Nth fail. For the table image and for the selection record, every
 * step is failed in turn, two ways:
 *  - "error": the save returns its error and cleans up as it does;
 *  - "crash": as if the machine stopped at that step: the temporary file
 *    is left where it was (this file's unlink() stands in for libc's and
 *    skips the clean-up while crash mode is on).
 * After each, loading gives exactly the old content or the new one (byte
 * for byte, compared as images), never neither or a mix; a save that
 * reported success gave the new one; no temporary file is left behind
 * after an error; after a crash the leftover never confuses the next load
 * or save, and that save removes it. Also: every prefix of an image on
 * disk (a torn file) loads as an error with an empty table, a stale
 * temporary file of a process that died is ignored by load and removed
 * by the next save (a live process's is kept), and a first save that
 * fails leaves "nothing saved" rather than a broken file.
 */
#include "om_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "om_linux.h"

/* ------------------------------------------------ unlink with a crash */

static int crash_mode; /* 1: unlink does nothing, as if we had died */
static int unlinks_skipped;

/* Stands in for libc's unlink in this program (om_file.c calls it to
 * remove its temporary file after a failed step). */
int unlink(const char *path)
{
    if (crash_mode) {
        unlinks_skipped++;
        return 0;
    }
    return unlinkat(AT_FDCWD, path, 0);
}

/* ---------------------------------------------------------- helpers */

static char dir[64];
static char path[128], sel_path[160];

static om_table_t ta, tb, tl;
static unsigned char img_a[1 << 20], img_b[1 << 20], img_l[1 << 20];
static size_t len_a, len_b;

typedef struct {
    unsigned char *p;
    size_t n, cap;
} mem_t;

static int mem_put(void *ctx, const void *p, size_t n)
{
    mem_t *m = ctx;
    if (m->n + n > m->cap)
        return OM_ERR_NOSPACE;
    memcpy(m->p + m->n, p, n);
    m->n += n;
    return OM_OK;
}

static size_t image_of(const om_table_t *t, unsigned char *buf)
{
    mem_t m = {buf, 0, sizeof img_a};
    assert_int_equal(om_image_write(t, mem_put, &m), 0);
    return m.n;
}

static void put(om_table_t *t, const char *id, const char *name, uint32_t i)
{
    om_model_t m;
    memset(&m, 0, sizeof m);
    m.prompt = i * 3u;
    m.completion = i * 5u;
    m.context_length = 1000u + i;
    m.created = 1700000000u + i;
    m.seq = (uint16_t)i;
    m.id_len = (uint8_t)strlen(id);
    m.name_len = (uint8_t)strlen(name);
    assert_true(om_table_put(t, &m, id, name) >= 0);
}

/* A: 5 models; B: 150 models (an image of many writes). */
static void make_tables(void)
{
    char id[64], name[64];
    unsigned i;
    om_table_init(&ta);
    for (i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "old/model-%u", i);
        snprintf(name, sizeof name, "Old %u", i);
        put(&ta, id, name, i);
    }
    ta.updated_at = 1700000000;
    snprintf(ta.etag, sizeof ta.etag, "\"old\"");
    om_table_init(&tb);
    for (i = 0; i < 150; i++) {
        snprintf(id, sizeof id, "new-vendor-%u/model-%u", i % 37, i);
        snprintf(name, sizeof name, "New vendor %u: model number %u", i % 37, i);
        put(&tb, id, name, i);
    }
    tb.updated_at = 1800000000;
    snprintf(tb.etag, sizeof tb.etag, "\"new\"");
    len_a = image_of(&ta, img_a);
    len_b = image_of(&tb, img_b);
    assert_true(len_a != len_b);
}

/* Entries of dir other than the table and its selection file; fills
 * name with the last one. */
static int leftovers(char *name, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            !strcmp(e->d_name, "models.bin") ||
            !strcmp(e->d_name, "models.bin.sel"))
            continue;
        if (name)
            snprintf(name, cap, "%s", e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static void clean_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlinkat(AT_FDCWD, p, 0);
    }
    closedir(d);
}

/* 'A', 'B', or 'N' (no file): whatever the file holds must be one of
 * these exactly, else the test fails. */
static char loaded_table(void)
{
    int e = om_file_load(path, &tl);
    size_t n;
    if (e == OM_ERR_NOTFOUND) {
        assert_int_equal(tl.count, 0);
        return 'N';
    }
    if (e != 0)
        fail_msg("load after a failed save: %s", om_strerror(e));
    n = image_of(&tl, img_l);
    if (n == len_a && !memcmp(img_l, img_a, n))
        return 'A';
    if (n == len_b && !memcmp(img_l, img_b, n))
        return 'B';
    fail_msg("the loaded table is neither the old nor the new one");
    return '?';
}

static const char *const SEL_A = "openai/gpt-4o";
static const char *const SEL_B =
    "anthropic/claude-sonnet-4:a-much-longer-selection-than-the-old-one";

static char loaded_sel(void)
{
    char buf[OM_ID_MAX + 1];
    int e = om_file_sel_load(sel_path, buf, sizeof buf);
    if (e == OM_ERR_NOTFOUND)
        return 'N';
    if (e < 0)
        fail_msg("selection load after a failed save: %s", om_strerror(e));
    if (!strcmp(buf, SEL_A))
        return 'A';
    if (!strcmp(buf, SEL_B))
        return 'B';
    fail_msg("the loaded selection is neither the old nor the new one: %s", buf);
    return '?';
}

static int save_table(const om_table_t *t) { return om_file_save(path, t); }
static int save_sel_a(void) { return om_file_sel_save(sel_path, SEL_A); }
static int save_sel_b(void) { return om_file_sel_save(sel_path, SEL_B); }

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/om-filestore-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/models.bin", dir);
    snprintf(sel_path, sizeof sel_path, "%s/models.bin.sel", dir);
    om_file_fault_at = 0;
    crash_mode = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    om_file_fault_at = 0;
    crash_mode = 0;
    clean_dir();
    rmdir(dir);
    return 0;
}

/* Counters for the summary line (the reliability figures). */
static unsigned faults_injected, faults_survived;

/*
 * The sweep, for one kind of save. old_save/new_save write the old and
 * the new content; loaded() says which is on disk. with_old: the old
 * content is there before the failing save (else no file).
 */
static void sweep(const char *what, int (*old_save)(void),
                  int (*new_save)(void), char (*loaded)(void), int with_old)
{
    unsigned steps, n;
    int crash, e;
    char left[256];

    /* how many failure points a clean save of the new content passes */
    clean_dir();
    assert_int_equal(new_save(), 0);
    steps = om_file_fault_steps();
    assert_true(steps >= 4); /* open, a write, fsync, rename, (dir fsync) */
    assert_int_equal(leftovers(NULL, 0), 0);

    for (crash = 0; crash <= 1; crash++) {
        for (n = 1; n <= steps + 1; n++) {
            char got;
            clean_dir();
            if (with_old)
                assert_int_equal(old_save(), 0);
            om_file_fault_at = n;
            crash_mode = crash;
            e = new_save();
            crash_mode = 0;
            om_file_fault_at = 0;
            faults_injected += n <= steps;
            got = loaded();
            /* exactly the old content (or none, when there was none) or
             * the new one */
            if (with_old)
                assert_true(got == 'A' || got == 'B');
            else
                assert_true(got == 'N' || got == 'B');
            if (e == 0)
                assert_int_equal(got, 'B'); /* success means the new one */
            if (n > steps) /* beyond the last step: a clean save */
                assert_int_equal(e, 0);
            if (e != 0 && got == 'B' && n != steps)
                fail_msg("%s step %u: failed, yet the new content is in place "
                         "before the last step", what, n);
            if (!crash || e == 0) {
                /* an error cleans up after itself */
                if (leftovers(left, sizeof left) != 0)
                    fail_msg("%s step %u/%u: %s left behind", what, n, steps, left);
            } else {
                /* a crash may leave the temporary file: the next load is
                 * unchanged by it, and the next save works and removes it */
                assert_int_equal(loaded(), got);
                assert_int_equal(new_save(), 0);
                assert_int_equal(loaded(), 'B');
                if (leftovers(left, sizeof left) != 0)
                    fail_msg("%s step %u: %s left after the next save", what, n,
                             left);
            }
            faults_survived += n <= steps;
        }
    }
    print_message("%s: %u failure points, each failed as an error and as a "
                  "crash: always old or new\n",
                  what, steps);
}

static int save_a(void) { return save_table(&ta); }
static int save_b(void) { return save_table(&tb); }
static char loaded_t(void) { return loaded_table(); }

static void test_table_each_step(void **state)
{
    (void)state;
    make_tables();
    sweep("table over an old table", save_a, save_b, loaded_t, 1);
    sweep("table, first save", save_a, save_b, loaded_t, 0);
    /* and back: the small table over the big one */
    {
        unsigned steps;
        clean_dir();
        assert_int_equal(save_b(), 0);
        assert_int_equal(save_a(), 0);
        steps = om_file_fault_steps();
        assert_true(steps >= 4);
    }
}

static void test_selection_each_step(void **state)
{
    (void)state;
    sweep("selection over an old one", save_sel_a, save_sel_b, loaded_sel, 1);
    sweep("selection, first save", save_sel_a, save_sel_b, loaded_sel, 0);
}

/* The store's callbacks over the same files (the path om_refresh and the
 * picker use). */
static void test_store_callbacks(void **state)
{
    om_file_store_t fs;
    om_store_t st;
    char buf[OM_ID_MAX + 1];
    unsigned n, steps;
    (void)state;
    make_tables();
    assert_int_equal(om_file_store_init(&fs, path, &st), 0);
    assert_int_equal(st.save(st.ctx, &ta), 0);
    assert_int_equal(st.sel_save(st.ctx, SEL_A), 0);
    assert_int_equal(st.save(st.ctx, &tb), 0);
    steps = om_file_fault_steps();
    assert_int_equal(st.save(st.ctx, &ta), 0);
    for (n = 1; n <= steps; n++) {
        om_file_fault_at = n;
        (void)st.save(st.ctx, &tb);
        om_file_fault_at = 0;
        assert_true(loaded_table() != 'N');
        assert_int_equal(st.save(st.ctx, &ta), 0);
        assert_int_equal(st.load(st.ctx, &tl), 0);
        assert_int_equal(image_of(&tl, img_l), len_a);
        /* the table's save never touches the selection */
        assert_int_equal(st.sel_load(st.ctx, buf, sizeof buf), (int)strlen(SEL_A));
        assert_string_equal(buf, SEL_A);
    }
    assert_int_equal(leftovers(NULL, 0), 0);
}

/* A torn file (any prefix of an image, as a filesystem without the
 * rename guarantee might leave) never loads as a table. */
static void test_torn_files_refused(void **state)
{
    size_t cut, tried = 0;
    FILE *f;
    int e;
    (void)state;
    make_tables();
    for (cut = 0; cut < len_b; cut += (cut < 256 ? 1 : 97)) {
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(img_b, 1, cut, f), cut);
        fclose(f);
        e = om_file_load(path, &tl);
        if (e == 0)
            fail_msg("a %zu-byte prefix of a %zu-byte image loaded", cut, len_b);
        assert_int_equal(tl.count, 0);
        tried++;
    }
    /* the image with a byte more: refused too */
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(img_b, 1, len_b, f), len_b);
    fputc(0, f);
    fclose(f);
    assert_true(om_file_load(path, &tl) < 0);
    assert_int_equal(tl.count, 0);
    /* and selection records cut short */
    {
        uint8_t rec[OM_SEL_RECORD_MAX];
        char buf[OM_ID_MAX + 1];
        int n = om_sel_encode(SEL_B, rec), k;
        assert_true(n > 0);
        for (k = 0; k < n; k++) {
            f = fopen(sel_path, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(rec, 1, (size_t)k, f), (size_t)k);
            fclose(f);
            assert_true(om_file_sel_load(sel_path, buf, sizeof buf) < 0);
        }
    }
    print_message("torn files: %zu image prefixes refused\n", tried);
}

/* Temporary files left by crashes of other processes: load ignores
 * them; the next save removes those whose process is gone and keeps a
 * live one's (it may be saving right now). */
static void test_stale_tmp_of_other_process(void **state)
{
    char dead_tmp[256], live_tmp[256], left[256];
    pid_t dead;
    FILE *f;
    (void)state;
    make_tables();
    assert_int_equal(save_a(), 0);
    dead = fork();
    assert_true(dead >= 0);
    if (dead == 0)
        _exit(0);
    assert_int_equal(waitpid(dead, NULL, 0), dead);
    snprintf(dead_tmp, sizeof dead_tmp, "%s.tmp.%ld", path, (long)dead);
    snprintf(live_tmp, sizeof live_tmp, "%s.tmp.%ld", path, (long)getppid());
    f = fopen(dead_tmp, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(img_b, 1, len_b / 2, f), len_b / 2);
    fclose(f);
    f = fopen(live_tmp, "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(loaded_table(), 'A');
    assert_int_equal(save_b(), 0);
    assert_int_equal(loaded_table(), 'B');
    assert_int_equal(leftovers(left, sizeof left), 1);
    snprintf(dead_tmp, sizeof dead_tmp, ".tmp.%ld", (long)getppid());
    assert_non_null(strstr(left, dead_tmp));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_table_each_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_selection_each_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_callbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_files_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_tmp_of_other_process, setup,
                                        teardown),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    print_message("filestore: %u save faults injected, %u survived\n",
                  faults_injected, faults_survived);
    return r;
}
