/*
 * om_linux.h - the Linux port: table images in files, the clock.
 */
#ifndef OM_LINUX_H
#define OM_LINUX_H

#include "om_port.h"
#include "ormodels.h"

/* Saves t's image to path atomically: a temporary file beside it, written
 * in full, fsync'd, renamed over path, then the folder fsync'd. A crash at
 * any point leaves either the old file or the new one. Creates missing
 * folders of path. Returns 0 or OM_ERR_IO (errno says more). */
int om_file_save(const char *path, const om_table_t *t);

/* Loads a table image from path into t. Returns 0, OM_ERR_NOTFOUND when
 * there is no file, OM_ERR_IO, or the om_image_read error (t is then
 * empty). */
int om_file_load(const char *path, om_table_t *t);

/* The saved selection in its own small file (path, usually the table's
 * path plus ".sel"), saved as atomically as the table. Return values as
 * om_store_t's sel_load and sel_save. */
int om_file_sel_save(const char *path, const char *id);
int om_file_sel_load(const char *path, char *buf, size_t cap);

/* A file store: the table at path, the selection at path + ".sel". */
typedef struct om_file_store {
    char path[4096];
    char sel_path[4096 + 8];
} om_file_store_t;

/* Fills st with the callbacks of a file store at path. Returns 0 or
 * OM_ERR_INVAL (path too long). */
int om_file_store_init(om_file_store_t *fs, const char *path, om_store_t *st);

/* Creates the folders leading to path (not path itself), mode 0700. */
int om_file_mkdirs(const char *path);

/* Test hook: when set, the step-th failure point of the next saves
 * (counted from 1 across open, each write, fsync, rename, folder fsync)
 * fails as if the machine crashed there. 0 = off. Returns the number of
 * failure points the last save passed. */
extern unsigned om_file_fault_at;
unsigned om_file_fault_steps(void);

/* Unix seconds now. */
int64_t om_linux_now(void);

#endif
