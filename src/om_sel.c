/*
 * om_sel.c - the owner's chosen model as a small checked record.
 *
 * Kept apart from the table image so that a refresh, which replaces the
 * table, can never lose or change the choice.
 */
#include <string.h>

#include "ormodels.h"

#define SEL_VERSION 1

int om_sel_encode(const char *id, uint8_t rec[OM_SEL_RECORD_MAX])
{
    size_t n = id ? strlen(id) : 0, i;
    uint32_t crc;
    if (n == 0 || n > OM_ID_MAX)
        return OM_ERR_INVAL;
    for (i = 0; i < n; i++)
        if ((unsigned char)id[i] < 0x20 || id[i] == 0x7F)
            return OM_ERR_INVAL;
    memcpy(rec, "OMSL", 4);
    rec[4] = SEL_VERSION;
    rec[5] = (uint8_t)n;
    memcpy(rec + 6, id, n);
    crc = om_crc32(0, rec, 6 + n);
    rec[6 + n] = (uint8_t)crc; /* little-endian */
    rec[7 + n] = (uint8_t)(crc >> 8);
    rec[8 + n] = (uint8_t)(crc >> 16);
    rec[9 + n] = (uint8_t)(crc >> 24);
    return (int)(n + 10);
}

int om_sel_decode(const uint8_t *rec, size_t len, char *buf, size_t cap)
{
    uint8_t again[OM_SEL_RECORD_MAX];
    size_t n;
    if (len < 4 || memcmp(rec, "OMSL", 4) != 0)
        return OM_ERR_FORMAT;
    if (len < 11) /* too short for even a one-byte id */
        return OM_ERR_CORRUPT;
    if (rec[4] != SEL_VERSION)
        return OM_ERR_FORMAT;
    n = rec[5];
    if (len != n + 10 || cap < n + 1)
        return OM_ERR_CORRUPT;
    /* A good record is exactly what encoding its id gives: that checks
     * the id's length (1..OM_ID_MAX) and bytes (no NUL, no control
     * character) by the encoder's own rules, and the CRC. */
    memcpy(buf, rec + 6, n);
    buf[n] = '\0';
    if (om_sel_encode(buf, again) != (int)len ||
        memcmp(again, rec, len) != 0) {
        buf[0] = '\0';
        return OM_ERR_CORRUPT;
    }
    return (int)n;
}
