/*
 * om_file.c - table images in files on Linux, saved crash-safely.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "om_linux.h"

unsigned om_file_fault_at;
static unsigned fault_step;

/* Counts a failure point; true when the fault hook says it fails. */
static int fault(void)
{
    fault_step++;
    if (om_file_fault_at && fault_step == om_file_fault_at) {
        errno = EIO;
        return 1;
    }
    return 0;
}

unsigned om_file_fault_steps(void) { return fault_step; }

int64_t om_linux_now(void) { return (int64_t)time(NULL); }

int om_file_mkdirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path), i;
    if (n >= sizeof buf)
        return OM_ERR_INVAL;
    memcpy(buf, path, n + 1);
    for (i = 1; i < n; i++) {
        if (buf[i] != '/')
            continue;
        buf[i] = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return OM_ERR_IO;
        buf[i] = '/';
    }
    return OM_OK;
}

typedef struct {
    int fd;
} fd_sink_t;

static int fd_write(void *ctx, const void *buf, size_t len)
{
    fd_sink_t *s = (fd_sink_t *)ctx;
    const char *p = (const char *)buf;
    while (len) {
        ssize_t n;
        if (fault())
            return OM_ERR_IO;
        n = write(s->fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return OM_ERR_IO;
        }
        p += n;
        len -= (size_t)n;
    }
    return OM_OK;
}

/* The folder part of path ("." when there is none). */
static void dir_of(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (!slash) {
        snprintf(out, cap, ".");
        return;
    }
    if (n == 0)
        n = 1; /* "/file" */
    if (n >= cap)
        n = cap - 1;
    memcpy(out, path, n);
    out[n] = '\0';
}

/* Removes the temporary files of earlier saves of path that died before
 * their rename (PATH.tmp.PID, PID no longer running). A live process's
 * file is left alone; one of another PID namespace sharing the folder
 * could be taken for dead, and that save would then fail cleanly. */
static void remove_stale_tmps(const char *path, const char *dir)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t blen = strlen(base);
    char victim[4096];
    struct dirent *de;
    DIR *d = opendir(dir);
    if (!d)
        return;
    while ((de = readdir(d)) != NULL) {
        const char *p = de->d_name;
        long pid = 0;
        if (strncmp(p, base, blen) != 0 || strncmp(p + blen, ".tmp.", 5) != 0)
            continue;
        for (p += blen + 5; *p >= '0' && *p <= '9' && pid < 100000000; p++)
            pid = pid * 10 + (*p - '0');
        if (*p || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        if (snprintf(victim, sizeof victim, "%s/%s", dir, de->d_name) <
            (int)sizeof victim)
            (void)unlink(victim);
    }
    closedir(d);
}

/* Writes what produce() writes to path atomically: a temporary file
 * beside it, written in full, fsync'd, renamed over path, then the
 * folder fsync'd, with a fault point before each step. Leftovers of
 * saves that crashed are removed first. */
static int atomic_write(const char *path,
                        int (*produce)(const void *src, om_write_fn w, void *wctx),
                        const void *src)
{
    char tmp[4096], dir[4096];
    fd_sink_t s;
    int e, dfd, saved;

    fault_step = 0;
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >=
        (int)sizeof tmp)
        return OM_ERR_INVAL;
    om_file_mkdirs(path);
    dir_of(path, dir, sizeof dir);
    remove_stale_tmps(path, dir);
    if (fault())
        return OM_ERR_IO;
    s.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (s.fd < 0)
        return OM_ERR_IO;
    e = produce(src, fd_write, &s);
    if (e == OM_OK && (fault() || fsync(s.fd) != 0))
        e = OM_ERR_IO;
    if (close(s.fd) != 0 && e == OM_OK)
        e = OM_ERR_IO;
    if (e == OM_OK && (fault() || rename(tmp, path) != 0))
        e = OM_ERR_IO;
    if (e != OM_OK) {
        saved = errno;
        unlink(tmp);
        errno = saved;
        return e;
    }
    /* The rename is durable once the folder's entry is on disk. */
    /* The new file is in place now: a failed fsync here only means the
     * rename may not survive a crash, which leaves the old file, which
     * is still a whole table. Not a failed save. */
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        if (!fault())
            (void)fsync(dfd);
        close(dfd);
    }
    return OM_OK;
}

static int produce_image(const void *src, om_write_fn w, void *wctx)
{
    return om_image_write((const om_table_t *)src, w, wctx);
}

int om_file_save(const char *path, const om_table_t *t)
{
    return atomic_write(path, produce_image, t);
}

static int produce_sel(const void *src, om_write_fn w, void *wctx)
{
    uint8_t rec[OM_SEL_RECORD_MAX];
    int n = om_sel_encode((const char *)src, rec);
    return n < 0 ? n : w(wctx, rec, (size_t)n);
}

int om_file_sel_save(const char *path, const char *id)
{
    uint8_t rec[OM_SEL_RECORD_MAX];
    if (om_sel_encode(id, rec) < 0)
        return OM_ERR_INVAL;
    return atomic_write(path, produce_sel, id);
}

int om_file_sel_load(const char *path, char *buf, size_t cap)
{
    uint8_t rec[OM_SEL_RECORD_MAX + 1];
    FILE *f = fopen(path, "rb");
    size_t n;
    if (!f)
        return errno == ENOENT ? OM_ERR_NOTFOUND : OM_ERR_IO;
    n = fread(rec, 1, sizeof rec, f);
    fclose(f);
    return om_sel_decode(rec, n, buf, cap);
}

/* ------------------------------------------------------ om_store_t */

static int st_load(void *ctx, om_table_t *t)
{
    return om_file_load(((om_file_store_t *)ctx)->path, t);
}
static int st_save(void *ctx, const om_table_t *t)
{
    return om_file_save(((om_file_store_t *)ctx)->path, t);
}
static int st_sel_load(void *ctx, char *buf, size_t cap)
{
    return om_file_sel_load(((om_file_store_t *)ctx)->sel_path, buf, cap);
}
static int st_sel_save(void *ctx, const char *id)
{
    return om_file_sel_save(((om_file_store_t *)ctx)->sel_path, id);
}

int om_file_store_init(om_file_store_t *fs, const char *path, om_store_t *st)
{
    if (snprintf(fs->path, sizeof fs->path, "%s", path) >= (int)sizeof fs->path ||
        snprintf(fs->sel_path, sizeof fs->sel_path, "%s.sel", path) >=
            (int)sizeof fs->sel_path)
        return OM_ERR_INVAL;
    st->ctx = fs;
    st->load = st_load;
    st->save = st_save;
    st->sel_load = st_sel_load;
    st->sel_save = st_sel_save;
    return OM_OK;
}

static int file_read(void *ctx, void *buf, size_t len)
{
    FILE *f = (FILE *)ctx;
    size_t n = fread(buf, 1, len, f);
    if (n == len)
        return OM_OK;
    return ferror(f) ? OM_ERR_IO : OM_ERR_TRUNCATED;
}

int om_file_load(const char *path, om_table_t *t)
{
    FILE *f = fopen(path, "rb");
    int e;
    char extra;
    if (!f) {
        om_table_init(t);
        return errno == ENOENT ? OM_ERR_NOTFOUND : OM_ERR_IO;
    }
    e = om_image_read(t, file_read, f);
    if (e == OM_OK && fread(&extra, 1, 1, f) != 0) {
        om_table_init(t); /* bytes after the image: not ours */
        e = OM_ERR_CORRUPT;
    }
    fclose(f);
    return e;
}
