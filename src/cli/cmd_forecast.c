/*
 * cmd_forecast.c - the `forecast` command. (Being built: see its issue.)
 */
#include <stdio.h>

#include "scaleadvisor/cli.h"
#include "scaleadvisor/banned.h"

int sa_cmd_forecast(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "scaleadvisor forecast: not available in this build\n");
    return SA_EXIT_USAGE;
}
