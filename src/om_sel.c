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
    rec[6 + n] = (uint8_t)crc;
    rec[7 + n] = (uint8_t)(crc >> 8);
    rec[8 + n] = (uint8_t)(crc >> 16);
    rec[9 + n] = (uint8_t)(crc >> 24);
    return (int)(n + 10);
}

int om_sel_decode(const uint8_t *rec, size_t len, char *buf, size_t cap)
{
    size_t n, i;
    uint32_t crc;
    if (len < 4 || memcmp(rec, "OMSL", 4) != 0)
        return OM_ERR_FORMAT;
    if (len < 11 || rec[4] != SEL_VERSION)
        return len < 11 ? OM_ERR_CORRUPT : OM_ERR_FORMAT;
    n = rec[5];
    if (n == 0 || n > OM_ID_MAX || len != n + 10 || cap < n + 1)
        return OM_ERR_CORRUPT;
    crc = (uint32_t)rec[6 + n] | (uint32_t)rec[7 + n] << 8 |
          (uint32_t)rec[8 + n] << 16 | (uint32_t)rec[9 + n] << 24;
    if (crc != om_crc32(0, rec, 6 + n))
        return OM_ERR_CORRUPT;
    for (i = 0; i < n; i++)
        if (rec[6 + i] < 0x20 || rec[6 + i] == 0x7F)
            return OM_ERR_CORRUPT;
    memcpy(buf, rec + 6, n);
    buf[n] = '\0';
    return (int)n;
}
