/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * egbench: what its subcommands share. The benchmark's rule sets, the
 * alternative lookup structures it measures beside the kernel LPM trie, and
 * small helpers. Only bench/ uses this header.
 */
#ifndef EG_BENCH_H
#define EG_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "egressgate.h"

/*
 * Addresses the benchmark's own traffic uses; no generated rule overlaps
 * them, so a packet to them is judged by the rules the run puts there.
 */
#define BENCH_NET_LINK4	 "192.0.2.0/24"	   /* the veth pair between the namespaces */
#define BENCH_NET_PASS4	 "198.51.100.0/24" /* destinations no rule matches */
#define BENCH_NET_BLOCK4 "203.0.113.0/24"  /* destinations blocked on purpose */
#define BENCH_NET_DOC6	 "2001:db8::/32"   /* every IPv6 address the run uses */
#define BENCH_BLOCK4	 "203.0.113.5"	   /* the blocked SYN's destination: the first rule */

/* Per-prefix-length hash key (struct plen4_key in lookup.bpf.c). */
struct bench_plen4_key {
	__u32 len;
	__u8 addr[4];
};

/* DIR-24-8: an entry of either table. */
#define DIR_EXT	  0x80000000U /* tbl24 only: the rest is a tbl8 group index */
#define DIR_GROUP 256	      /* tbl8 entries per group */

/* One prefix of a generated set; addr in network order. */
struct bench_pfx {
	__u8 addr[16];
	__u8 len;
	__u8 family;
};

struct bench_set {
	struct bench_pfx *v4;
	size_t n4;
	struct bench_pfx *v6;
	size_t n6;
	char (*names)[64];
	size_t nnames;
};

/* ruleset.c */
int bench_set_generate(struct bench_set *s, __u64 seed, size_t n4, size_t n6, size_t nnames);
int bench_set_write(const struct bench_set *s, const char *dir);
int bench_set_read(struct bench_set *s, const char *dir);
void bench_set_free(struct bench_set *s);
void bench_pfx_format(const struct bench_pfx *p, char *buf, size_t len);

/*
 * dir248.c: DIR-24-8 tables over the first n prefixes of v4 (rule index =
 * position + 1), handed out as (table 24 or 8, index, value) writes.
 */
struct dir248 {
	__u32 *gidx;   /* 1 << 24: group + 1 of each /24, 0: none */
	size_t groups; /* in use */
	size_t cap;    /* groups tbl8 can hold */
};
typedef int (*dir248_emit_fn)(void *ctx, int table, __u32 index, __u32 value);
size_t dir248_groups_needed(const struct bench_pfx *v4, size_t n);
int dir248_init(struct dir248 *d, size_t cap);
void dir248_free(struct dir248 *d);
int dir248_build(struct dir248 *d, const struct bench_pfx *v4, size_t n, dir248_emit_fn emit,
		 void *ctx);

/* util.c */
__u64 bench_rand(__u64 *state);
__u64 bench_now_ns(void);
double bench_median(double *v, size_t n);
double bench_percentile(double *v, size_t n, double pct);
int bench_parse_size(const char *s, size_t *out);

#endif /* EG_BENCH_H */
