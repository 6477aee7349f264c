/*
 * cmd_replay.c - the `replay` command. (Being built: see its issue.)
 */
#include <stdio.h>

#include "scaleadvisor/cli.h"
#include "scaleadvisor/banned.h"

int sa_cmd_replay(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "scaleadvisor replay: not available in this build\n");
    return SA_EXIT_USAGE;
}
