/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * egressctl run: a command in a throwaway namespace behind the guard, then
 * a summary of what it tried to reach. See docs/deploy-runner.md.
 */
#ifndef EG_RUN_H
#define EG_RUN_H

#define EG_RUN_SYNOPSIS "[--monitor] [--uplink DEV] [--dns ADDR] [--json] [-o FILE] -- CMD [ARGS...]"
#define EG_RUN_SUMMARY "Run CMD in a throwaway namespace behind the guard; summarise its traffic."
extern const char eg_run_help[];

/* argv[0] is "run". Returns CMD's exit status, 2 on a usage error, 125 when run itself failed. */
int eg_run(const char *sock_path, int argc, char **argv);

#endif
