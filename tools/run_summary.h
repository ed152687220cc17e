/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * egressctl run's summary: egressd's JSON event lines for one namespace,
 * summed up as blocked attempts and, when monitoring, the inventory of
 * destinations contacted.
 */
#ifndef EG_RUN_SUMMARY_H
#define EG_RUN_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define MAX_AGG 512 /* distinct destinations kept; more are not counted */

struct agg {
	char verdict[16], proto[8], dst[48], rule_txt[300], names[512];
	unsigned rule, dport;
	unsigned long count, conns;
};

struct run_summary {
	const char *ns; /* events of other namespaces are skipped */
	bool monitor;   /* keep the inventory too */
	char line[8192];
	size_t line_len;
	struct agg blocked[MAX_AGG], seen[MAX_AGG];
	int nblocked, nseen;
};

/* Bytes of the event stream (JSON lines, possibly split anywhere). */
void run_summary_feed(struct run_summary *S, const char *p, size_t len);
/* Forget what was fed so far. */
void run_summary_reset(struct run_summary *S);
void print_summary(struct run_summary *S, const char *cmd, int status, bool json, FILE *f);

#endif
