/*
 * om_board_config.h - ormodels' knobs for the qemu-mps2-an386 board,
 * included first by om_defaults.h (-DOM_CONFIG_FILE). The table is the
 * full 512 models (45 KB of the 128 KB RAM).
 */
#ifndef OM_BOARD_CONFIG_H
#define OM_BOARD_CONFIG_H

#define OM_TABLE_CAPACITY 512
#define OM_JSON_MAX_DEPTH 32 /* real catalogues nest 6 deep */
#define OM_FLASH_BUF_SIZE 64 /* four 16-byte program units */

#endif
