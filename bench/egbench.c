// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * egbench: the measuring half of `make bench` (bench/run.sh drives it).
 *
 *   egbench rules    draw the rule sets, write them as lists
 *   egbench pktcost  per-packet cost of every program with BPF_PROG_TEST_RUN
 *   egbench probe    `egressctl block` returning -> first connection refused
 *   egbench listen   accept and close TCP connections (the probes' far end)
 *   egbench refused  wait until a connection to an address is refused
 *   egbench connect  one connection attempt: accepted, refused or timeout
 *
 * It reports; it asserts nothing. Every subcommand takes --help.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cmds.h"
#include "log.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct cmd cmds[] = {
	{"rules", cmd_rules, "draw the rule sets and write them as lists"},
	{"pktcost", cmd_pktcost, "per-packet cost of every program (BPF_PROG_TEST_RUN)"},
	{"probe", cmd_probe, "latency from `egressctl block` returning to the first refusal"},
	{"listen", cmd_listen, "accept and close TCP connections on a port"},
	{"refused", cmd_refused, "wait until a connection to an address is refused"},
	{"connect", cmd_connect, "one connection attempt: accepted, refused or timeout"},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: egbench COMMAND [OPTIONS]   (egbench COMMAND --help)\n\nCommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].help);
}

static const char rules_usage[] =
	"Usage: egbench rules --out DIR [--seed N] [--v4 N] [--v6 N] [--names N]\n"
	"Draw the IPv4 and IPv6 prefixes and the names (see bench/ruleset.c) and write\n"
	"DIR/v4.txt, DIR/v6.txt, DIR/names.txt, one a line, in the order every\n"
	"peer loads them: a smaller set is the head of a larger one.\n";

int cmd_rules(int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},
		{"seed", required_argument, NULL, 's'},
		{"v4", required_argument, NULL, '4'},
		{"v6", required_argument, NULL, '6'},
		{"names", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	size_t n4 = 1000000, n6 = 100000, nn = 100000;
	__u64 seed = 0x6567726573736761ULL; /* "egressga" */
	const char *out = NULL;
	struct bench_set s;
	int c, err;

	while ((c = getopt_long(argc, argv, "o:s:4:6:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case '4':
		case '6':
		case 'n':
			if (bench_parse_size(optarg, c == '4' ? &n4 : c == '6' ? &n6 : &nn)) {
				fprintf(stderr, "egbench rules: '%s' is not a count\n", optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(rules_usage, stdout);
			return 0;
		default:
			fputs(rules_usage, stderr);
			return 2;
		}
	}
	if (!out) {
		fputs(rules_usage, stderr);
		return 2;
	}
	err = bench_set_generate(&s, seed, n4, n6, nn);
	if (!err)
		err = bench_set_write(&s, out);
	bench_set_free(&s);
	if (err) {
		fprintf(stderr, "egbench rules: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	eg_log_set_ident("egbench");
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "egbench: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
