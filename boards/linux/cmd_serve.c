/*
 * cmd_serve.c - `serve` (the /models endpoint and settings page).
 * Not built yet: see the dashboard issue.
 */
#include <stdio.h>

#include "cli.h"

int cmd_serve(struct om_cli *c)
{
    (void)c;
    fprintf(stderr, "ormodels: serve is not available in this build yet\n");
    return 1;
}
