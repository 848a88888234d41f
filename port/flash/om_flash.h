/*
 * om_flash.h - the flash store: the table image and the selection on raw
 * NOR flash, safe against a power cut at any moment.
 *
 * The board hands over three callbacks (read, program, erase) and the
 * geometry; om_flash_init turns a sector-aligned region into an om_store_t.
 * NOR rules are assumed and kept: an erase sets a whole sector to 0xFF,
 * programming only clears bits, in units of prog_size bytes at aligned
 * addresses, and no unit is ever programmed twice between erases.
 *
 * Layout of the region (S = sector size):
 *   [0, S)          selection slot 0      [S, 2S)   selection slot 1
 *   [2S, 2S+T)      table slot 0          [2S+T, 2S+2T)  table slot 1
 * where T is half of what is left, rounded down to whole sectors.
 *
 * Each slot holds one version: a 20-byte header (magic "OMFS", sequence
 * number, payload length, kind, CRC-32 of the header's first 16 bytes and
 * the payload), padded to prog_size, then the payload. A save writes the
 * slot that is not the newest valid one: it erases only the sectors it
 * needs there (none when they are blank already), programs the payload,
 * and programs the header last, as the commit. Loading picks the valid
 * slot with the higher sequence number. The newest slot is never touched,
 * so a power cut anywhere in a save leaves the old version or the new
 * one; a save of the table already stored writes and erases nothing.
 */
#ifndef OM_FLASH_H
#define OM_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "om_port.h"
#include "ormodels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes buffered before a program call (32..4096, a multiple of the
 * largest prog_size used): the store's only buffer, inside om_flash_t.
 * Bigger means fewer, longer program calls. */
#ifndef OM_FLASH_BUF_SIZE
#define OM_FLASH_BUF_SIZE 64
#endif

#define OM_FLASH_HEADER 20 /* slot header bytes before padding */

/*
 * A raw NOR flash, reached through the board's driver. Addresses are the
 * driver's own (offsets or bus addresses, as it likes).
 * read:  copies len bytes at addr into buf. Returns 0 or a negative value.
 * prog:  programs len bytes at addr (both multiples of prog_size) that
 *        are erased; it may only clear bits. Returns 0, or a negative
 *        value when the flash reports a failure.
 * erase: erases the sector that starts at addr to 0xFF. Returns 0 or a
 *        negative value.
 * Any negative value from a callback ends the save or load with
 * OM_ERR_IO. A callback may block (an erase takes milliseconds).
 */
typedef struct om_nor {
    void *ctx;
    int (*read)(void *ctx, uint32_t addr, void *buf, size_t len);
    int (*prog)(void *ctx, uint32_t addr, const void *buf, size_t len);
    int (*erase)(void *ctx, uint32_t addr);
    uint32_t sector_size; /* bytes erased at once, a power of two */
    uint32_t prog_size;   /* program unit: a power of two, 1..BUF_SIZE */
} om_nor_t;

/* One slot: where it is and how many bytes it spans. */
typedef struct om_flash_slot {
    uint32_t addr;
    uint32_t size;
} om_flash_slot_t;

/* The store's state, owned by the caller; fields are private. */
typedef struct om_flash {
    const om_nor_t *nor;
    om_flash_slot_t sel[2];
    om_flash_slot_t table[2];
    uint32_t data_off; /* header size padded to prog_size */
    /* the write in progress */
    uint32_t at;       /* next flash address to program */
    uint32_t end;      /* end of the slot being written */
    uint32_t crc;
    int err;
    size_t fill;
    uint8_t buf[OM_FLASH_BUF_SIZE];
} om_flash_t;

/* Sets fl up on the region [base, base + size) of nor (base and size
 * multiples of the sector size, at least 4 sectors) and fills st with
 * the store's callbacks (st->ctx = fl). nor and fl must outlive st.
 * Nothing is read or written. Returns 0, or OM_ERR_INVAL for a geometry
 * the store cannot use. */
int om_flash_init(om_flash_t *fl, const om_nor_t *nor, uint32_t base,
                  uint32_t size, om_store_t *st);

/* The largest table image a table slot holds, in bytes. */
uint32_t om_flash_table_room(const om_flash_t *fl);

/* The four om_store_t callbacks, for a caller that wants them directly.
 * Their contracts are om_port.h's, with two additions: save returns
 * OM_ERR_NOSPACE (flash untouched) when the image exceeds
 * om_flash_table_room, and load and sel_load return OM_ERR_IO when the
 * driver's read fails. */
int om_flash_load(void *fl, om_table_t *t);
int om_flash_save(void *fl, const om_table_t *t);
int om_flash_sel_load(void *fl, char *buf, size_t cap);
int om_flash_sel_save(void *fl, const char *id);

#ifdef __cplusplus
}
#endif

#endif /* OM_FLASH_H */
