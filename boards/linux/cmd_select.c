/*
 * cmd_select.c - `select` and `selected` (the serial console picker).
 * Not built yet: see the picker issue.
 */
#include <stdio.h>

#include "cli.h"

int cmd_select(struct om_cli *c)
{
    (void)c;
    fprintf(stderr, "ormodels: select is not available in this build yet\n");
    return 1;
}

int cmd_selected(struct om_cli *c)
{
    (void)c;
    fprintf(stderr, "ormodels: selected is not available in this build yet\n");
    return 1;
}
