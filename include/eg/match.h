/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Rule matching and the verdict: destination prefix -> rule (longest prefix
 * wins), then mode and default turn the rule's action into a verdict.
 */
#ifndef EG_MATCH_H
#define EG_MATCH_H

#include "eg/maps.h"
#include "eg/parse.h"
#include "eg/report.h"
#include "eg/name.h"

enum eg_l7_kind {
	EG_L7_NONE = 0,
	EG_L7_DNS_UDP,  /* a DNS query over UDP: refused with an answer */
	EG_L7_DNS_TCP,  /* a DNS query over TCP: refused with a reset */
	EG_L7_DNS_CTRL, /* a TCP segment to a DNS port without payload */
};

/* False when no rule of region can match addr: its bucket's bit is clear. */
static __always_inline bool eg_hint_maybe(__u32 region, const __u8 *addr)
{
	__u32 b = eg_hint_bucket(addr), w = eg_hint_word(region, b);
	__u64 *v = bpf_map_lookup_elem(&eg_dst_hint, &w);

	return !v || (*v & eg_hint_bit(b));
}

static __always_inline struct eg_rule_val *eg_match_prefix(const struct eg_config *cfg,
							   const struct eg_pkt *p)
{
	if (!eg_hint_maybe(p->family == 4 ? EG_HINT_V4 : EG_HINT_V6, p->daddr))
		return NULL;
	if (p->family == 4) {
		struct eg_v4_key k = { .prefixlen = 32 };

		__builtin_memcpy(k.addr, p->daddr, 4);
		return bpf_map_lookup_elem(cfg->active ? (void *)&eg_v4_rules_1 : (void *)&eg_v4_rules_0,
					   &k);
	} else {
		struct eg_v6_key k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, p->daddr, 16);
		return bpf_map_lookup_elem(cfg->active ? (void *)&eg_v6_rules_1 : (void *)&eg_v6_rules_0,
					   &k);
	}
}

/* A destination learned from a DNS answer, while its TTL runs. */
static __always_inline struct eg_learned_val *eg_match_learned(const struct eg_pkt *p)
{
	struct eg_learned_key k = { .family = p->family };
	struct eg_learned_val *v;

	if (!eg_hint_maybe(EG_HINT_LEARNED, p->daddr))
		return NULL;
	eg_addr_copy(k.addr, p->daddr, p->family);
	v = bpf_map_lookup_elem(&eg_learned, &k);
	if (v && v->expires_ns > bpf_ktime_get_ns())
		return v;
	return NULL;
}

/* Neighbour discovery is link plumbing, like ARP: never judged. */
static __always_inline bool eg_is_ndp(const struct eg_pkt *p)
{
	return p->family == 6 && p->l4_ok && p->l4proto == IPPROTO_ICMPV6 && p->icmp_type >= 133 && p->icmp_type <= 137;
}

/* Action + mode -> verdict and reason. */
static __always_inline void eg_settle(const struct eg_config *cfg, struct eg_decision *d,
				      __u8 reason)
{
	bool monitor = cfg->mode == EG_MODE_MONITOR;

	switch (d->action) {
	case EG_ACT_BLOCK:
		d->verdict = monitor ? EG_V_WOULD_REJECT : EG_V_REJECT;
		d->reason = reason;
		break;
	case EG_ACT_DROP:
		d->verdict = monitor ? EG_V_WOULD_DROP : EG_V_DROP;
		d->reason = reason;
		break;
	case EG_ACT_MONITOR:
		d->verdict = EG_V_MONITOR;
		break;
	case EG_ACT_ALLOW:
		d->verdict = d->rule_id ? EG_V_ALLOW : EG_V_PASS;
		break;
	default:
		d->verdict = EG_V_PASS;
		break;
	}
}

/* What the payload told: a name and the rule it matched (see eg/l7.h). */
struct eg_l7 {
	__u8 kind;      /* enum eg_l7_kind */
	__u8 name_src;  /* enum eg_name_src; EG_NSRC_NONE: no name seen */
	__u8 pad[2];
	struct eg_name_hit hit; /* rule_id 0: no name rule matched */
};

/*
 * Decide for a parsed packet. parse_err < 0: the addresses could not be read.
 * The candidates are the longest matching prefix and, when the payload
 * carried a name, the most specific name rule; the stricter wins, so a name
 * in a packet (which its sender chooses) never lifts a prefix block. The
 * default applies only when neither matched.
 */
static __always_inline void eg_decide(const struct eg_config *cfg, const struct eg_pkt *p,
				      int parse_err, const struct eg_l7 *l7,
				      struct eg_decision *d, const char **learned_name)
{
	struct eg_learned_val *lv;
	bool deny = cfg->default_action == EG_ACT_BLOCK || cfg->default_action == EG_ACT_DROP;
	struct eg_rule_val *r;

	d->rule_id = EG_RULE_NONE;
	d->reason = EG_R_NONE;
	d->name_src = l7->name_src;
	if (parse_err < 0) {
		/* Cannot be judged: fail closed only when the policy denies by default. */
		d->action = deny ? EG_ACT_DROP : EG_ACT_ALLOW;
		eg_settle(cfg, d, EG_R_UNPARSEABLE);
		return;
	}
	r = eg_match_prefix(cfg, p);
	if (r) {
		d->rule_id = r->rule_id;
		d->action = r->action;
	}
	/* A learned address counts like a prefix rule: the stricter wins. */
	lv = eg_match_learned(p);
	if (lv && (!d->rule_id || lv->action > d->action)) {
		d->rule_id = lv->rule_id;
		d->action = lv->action;
		if (!l7->name_src) {
			d->name_src = EG_NSRC_LEARNED;
			*learned_name = lv->name;
		}
	}
	if (l7->hit.rule_id && l7->hit.action > d->action) {
		d->rule_id = l7->hit.rule_id;
		d->action = l7->hit.action;
	}
	if (d->rule_id) {
		eg_settle(cfg, d, d->action == EG_ACT_DROP ? EG_R_RULE_DROP : EG_R_RULE_BLOCK);
		return;
	}
	/* A DNS port's TCP handshake carries no name: its queries are judged instead. */
	if (l7->kind == EG_L7_DNS_CTRL)
		deny = false;
	d->action = deny ? cfg->default_action : EG_ACT_ALLOW;
	eg_settle(cfg, d, EG_R_DEFAULT_DENY);
}

#endif /* EG_MATCH_H */
