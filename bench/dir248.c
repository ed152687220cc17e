// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * DIR-24-8 (Gupta, Lin, McKeown 1998; DPDK's rte_lpm): a 2^24-entry table
 * indexed by the top 24 bits of the address, and 256-entry groups for the
 * /24s that hold longer prefixes. An entry is 0 (no rule), a rule index, or
 * in tbl24 DIR_EXT | group. A lookup is one or two array reads.
 *
 * The tables are written as (index, value) pairs in an order where a later
 * write wins where it must: prefixes by length, shortest first, and the
 * tbl24 entries that point at groups last. Only non-zero entries are
 * written, so the arrays must start zeroed and sets may only grow: a group
 * keeps the index it got when its /24 first appeared in the set's order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "bench.h"

static __u32 addr_of(const struct bench_pfx *p)
{
	__u32 a;

	memcpy(&a, p->addr, 4);
	return ntohl(a);
}

/* Indexes of v ordered by prefix length, shortest first. */
static size_t *by_length(const struct bench_pfx *v, size_t n)
{
	size_t count[34] = {}, *idx = malloc(n * sizeof(*idx) + 1), i;
	int l;

	if (!idx)
		return NULL;
	for (i = 0; i < n; i++)
		count[v[i].len + 1]++;
	for (l = 1; l < 34; l++)
		count[l] += count[l - 1];
	for (i = 0; i < n; i++)
		idx[count[v[i].len]++] = i;
	return idx;
}

size_t dir248_groups_needed(const struct bench_pfx *v4, size_t n)
{
	__u8 *seen = calloc(1, 1U << 21);
	size_t i, groups = 0;

	if (!seen)
		return 0;
	for (i = 0; i < n; i++) {
		__u32 b = addr_of(&v4[i]) >> 8;

		if (v4[i].len <= 24 || (seen[b / 8] >> (b % 8) & 1))
			continue;
		seen[b / 8] |= 1 << (b % 8);
		groups++;
	}
	free(seen);
	return groups;
}

int dir248_init(struct dir248 *d, size_t cap)
{
	memset(d, 0, sizeof(*d));
	d->gidx = calloc(1U << 24, sizeof(*d->gidx));
	d->cap = cap;
	return d->gidx ? 0 : -ENOMEM;
}

void dir248_free(struct dir248 *d)
{
	free(d->gidx);
	memset(d, 0, sizeof(*d));
}

int dir248_build(struct dir248 *d, const struct bench_pfx *v4, size_t n, dir248_emit_fn emit,
		 void *ctx)
{
	size_t *idx, k, i;
	int err = 0;

	/* Groups in the order their /24 first appears: stable as the set grows. */
	for (i = 0; i < n; i++) {
		__u32 b = addr_of(&v4[i]) >> 8;

		if (v4[i].len <= 24 || d->gidx[b])
			continue;
		if (d->groups == d->cap)
			return -ENOSPC;
		d->gidx[b] = ++d->groups;
	}
	idx = by_length(v4, n);
	if (!idx)
		return -ENOMEM;
	for (k = 0; k < n && !err; k++) {
		__u32 a, rule, j, span, b;
		int len;

		i = idx[k];
		a = addr_of(&v4[i]);
		rule = i + 1;
		len = v4[i].len;
		b = a >> 8;
		if (len <= 24) {
			span = 1U << (24 - len);
			for (j = 0; j < span && !err; j++) {
				__u32 g = d->gidx[b + j];

				if (!g) {
					err = emit(ctx, 24, b + j, rule);
					continue;
				}
				/* The covering rule fills the group; longer prefixes overwrite it.
				 */
				for (__u32 x = 0; x < DIR_GROUP && !err; x++)
					err = emit(ctx, 8, (g - 1) * DIR_GROUP + x, rule);
			}
			continue;
		}
		span = 1U << (32 - len);
		for (j = 0; j < span && !err; j++)
			err = emit(ctx, 8, (d->gidx[b] - 1) * DIR_GROUP + (a & 255) + j, rule);
	}
	/* Last: the tbl24 entries of /24s with groups. */
	for (k = 0; k < n && !err; k++) {
		__u32 b = addr_of(&v4[k]) >> 8;

		if (v4[k].len > 24)
			err = emit(ctx, 24, b, DIR_EXT | (d->gidx[b] - 1));
	}
	free(idx);
	return err;
}
