/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Rules: the daemon's table of prefix rules and its mirror in the LPM maps.
 * Two rule sets exist in the kernel; a policy is built in the spare one and
 * put in force by one update of eg_config, so no packet is ever judged by
 * half a policy. Runtime changes are single-entry updates of both sets.
 */
#ifndef EG_RULES_H
#define EG_RULES_H

#include "names.h"
#include "policy.h"

struct eg_loader;

struct eg_rentry {
	struct eg_rule r;
	__u32 id;
	bool used;
};

struct eg_rules {
	struct eg_rentry *tab; /* open addressing, linear probing */
	size_t cap, n, n4, n6;
	__u32 next_id;
	int mode, default_action;
	__u32 generation;
	int active;          /* rule set in force (eg_config.active) */
	bool inactive_dirty; /* the spare set may differ: rebuild it before use */
	struct eg_names N;   /* name rules; ids from next_id too */
	__u64 name_seed;     /* key of the name hash, kept in eg_config */
	int dns_rcode, quic_block;
	__u32 learn_ttl_min, learn_ttl_max;
	__u16 dns_ports[EG_MAX_DNS_PORTS];
	int ndns_ports;
};

int eg_rules_init(struct eg_rules *R);
void eg_rules_free(struct eg_rules *R);
/* Read what the pinned maps already hold (a restarted daemon), keeping ids. */
int eg_rules_adopt(struct eg_rules *R, struct eg_loader *L);
struct eg_rentry *eg_rules_find(struct eg_rules *R, const struct eg_prefix *p);
/* Make the maps and table equal the policy's rules, mode and default. */
int eg_rules_apply_policy(struct eg_rules *R, struct eg_loader *L, const struct eg_policy *pol,
			  char *err, size_t errlen);
/* One rule added or changed (runtime). *id receives its id. */
int eg_rules_set(struct eg_rules *R, struct eg_loader *L, const struct eg_rule *rule, __u32 *id,
		 char *err, size_t errlen);
int eg_rules_remove(struct eg_rules *R, struct eg_loader *L, const struct eg_prefix *p,
		    struct eg_rentry *removed, char *err, size_t errlen);
int eg_rules_set_name(struct eg_rules *R, struct eg_loader *L, const struct eg_nrule *rule,
		      __u32 *id, char *err, size_t errlen);
int eg_rules_remove_name(struct eg_rules *R, struct eg_loader *L, const struct eg_name_pat *p,
			 struct eg_nentry *removed, char *err, size_t errlen);
/* Name rules sorted by id, for listings; caller frees. */
struct eg_nentry **eg_rules_sorted_names(struct eg_rules *R, size_t *n);
int eg_rules_set_config(struct eg_rules *R, struct eg_loader *L, int mode, int default_action);
/* Sum a rule's per-CPU hit counters. */
int eg_rules_hits(struct eg_loader *L, __u32 id, __u64 *packets, __u64 *bytes);
/* Sorted array of pointers into the table (for listings); caller frees. */
struct eg_rentry **eg_rules_sorted(struct eg_rules *R, size_t *n);

#endif
