/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Name rules: the daemon's table, keyed by (name, form), and its mirror in
 * the name maps, where the rules of one name share a key: the exact slot
 * takes =name (or the plain rule), the subtree slot *.name (or the plain).
 */
#ifndef EG_NAMES_H
#define EG_NAMES_H

#include "policy.h"

struct eg_loader;

struct eg_nentry {
	struct eg_nrule r;
	__u32 id;
	bool used;
};

struct eg_names {
	struct eg_nentry *tab; /* open addressing, linear probing */
	size_t cap, n;
};

int eg_names_init(struct eg_names *N);
void eg_names_free(struct eg_names *N);
struct eg_nentry *eg_names_find(struct eg_names *N, const struct eg_name_pat *p);
int eg_names_put(struct eg_names *N, const struct eg_nrule *r, __u32 id);
void eg_names_del(struct eg_names *N, struct eg_nentry *e);
/* Make set `set` hold exactly what T says (any previous content). */
int eg_names_sync(struct eg_loader *L, int set, struct eg_names *T, __u64 seed);
/* Bring set `set`, which mirrors `from`, to `to`. */
int eg_names_diff(struct eg_loader *L, int set, struct eg_names *from, struct eg_names *to,
		  __u64 seed);
/* Rewrite the one key of `name` in set `set` from T (after a runtime change). */
int eg_names_update_key(struct eg_loader *L, int set, struct eg_names *T, const char *name,
			__u64 seed);

#endif
