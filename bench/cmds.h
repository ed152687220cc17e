/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* egbench's subcommands: each takes argc/argv from its name on, returns an exit status. */
#ifndef EG_BENCH_CMDS_H
#define EG_BENCH_CMDS_H

int cmd_rules(int argc, char **argv);
int cmd_pktcost(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_refused(int argc, char **argv);
int cmd_connect(int argc, char **argv);

#endif
