/*
 * cmd_serve.c - the `serve` command. (Being built: see its issue.)
 */
#include <stdio.h>

#include "scaleadvisor/cli.h"
#include "scaleadvisor/banned.h"

int sa_cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "scaleadvisor serve: not available in this build\n");
    return SA_EXIT_USAGE;
}
