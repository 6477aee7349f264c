/*
 * main.c - command dispatch. Everything else lives in the modules.
 */
#include <stdio.h>
#include <string.h>

#include "scaleadvisor/cli.h"
#include "scaleadvisor/banned.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"serve", sa_cmd_serve, "run the service (dashboard, API, control loop)"},
    {"forecast", sa_cmd_forecast, "forecast a timestamp,value CSV with Holt-Winters"},
    {"replay", sa_cmd_replay, "score an autoscaling policy on a load trace"},
    {"advise", sa_cmd_advise, "one recommendation for one deployment context"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: scaleadvisor <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n'scaleadvisor <command> --help' shows a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return SA_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return SA_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("scaleadvisor %s\n", SA_VERSION);
        return SA_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "scaleadvisor: unknown command '%s' (try --help)\n", argv[1]);
    return SA_EXIT_USAGE;
}
