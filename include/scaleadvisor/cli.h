/*
 * cli.h - the commands of the scaleadvisor binary. Each takes the
 * arguments after the command word (argv[0] is the command name) and
 * returns the process exit status: 0 success, 2 bad input (after one line
 * on stderr naming the problem), 1 runtime failure.
 */
#ifndef SCALEADVISOR_CLI_H
#define SCALEADVISOR_CLI_H

#define SA_EXIT_OK 0
#define SA_EXIT_FAIL 1
#define SA_EXIT_USAGE 2

int sa_cmd_serve(int argc, char **argv);
int sa_cmd_forecast(int argc, char **argv);
int sa_cmd_replay(int argc, char **argv);
int sa_cmd_advise(int argc, char **argv);

#endif
