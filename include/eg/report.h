/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Counters and events. Called only after the verdict is taken. */
#ifndef EG_REPORT_H
#define EG_REPORT_H

#include "eg/maps.h"
#include "eg/parse.h"

/* Set by the loader when bpf_get_netns_cookie() works for this hook. */
const volatile __u8 eg_has_netns_cookie = 0;

static __always_inline void eg_count(void *map, __u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(map, &idx);

	if (v)
		*v += 1;
}

static __always_inline void eg_count_rule(__u32 rule_id, __u32 len)
{
	struct eg_rule_stat *st, init = { .packets = 1, .bytes = len };

	if (rule_id == EG_RULE_NONE)
		return;
	st = bpf_map_lookup_elem(&eg_rule_stats, &rule_id);
	if (st) {
		st->packets++;
		st->bytes += len;
		return;
	}
	if (bpf_map_update_elem(&eg_rule_stats, &rule_id, &init, BPF_NOEXIST)) {
		/* Another CPU created it first, or the table is full. */
		st = bpf_map_lookup_elem(&eg_rule_stats, &rule_id);
		if (st) {
			st->packets++;
			st->bytes += len;
		} else {
			eg_count(&eg_stats, EG_S_RULE_STATS_FULL);
		}
	}
}

struct eg_decision {
	__u32 rule_id;
	__u8 action;   /* enum eg_action that applied */
	__u8 verdict;  /* enum eg_verdict */
	__u8 reason;   /* enum eg_reason */
	__u8 name_src; /* enum eg_name_src: the packet carried a name */
};

#ifdef EG_CTX_TC
/*
 * The process a packet came from, by its socket's cookie. Only packets that
 * started on this host carry a socket; forwarded ones and the kernel's own
 * have none, and a socket created before attribution started and not
 * connected or sent on since has no entry: the owner stays zero.
 */
static __always_inline void eg_owner_of(struct __sk_buff *skb, struct eg_owner *out)
{
	__u64 cookie = bpf_get_socket_cookie(skb);
	struct eg_owner *o;

	if (!cookie)
		return;
	o = bpf_map_lookup_elem(&eg_sock_owner, &cookie);
	if (o)
		__builtin_memcpy(out, o, sizeof(*out));
}
#endif

/* name: the name the packet carried (d->name_src says where), or NULL. */
static __always_inline void eg_emit(struct eg_ctx *ctx, const struct eg_pkt *p,
				    const struct eg_decision *d, __u32 len, const char *name)
{
	struct eg_event *e = bpf_ringbuf_reserve(&eg_events, sizeof(*e), 0);

	if (!e) {
		eg_count(&eg_stats, EG_S_EVENTS_LOST);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->netns_cookie = 0;
#ifdef EG_CTX_TC
	if (eg_has_netns_cookie)
		e->netns_cookie = bpf_get_netns_cookie(ctx);
#endif
	e->ifindex = eg_ifindex(ctx);
	e->rule_id = d->rule_id;
	e->pkt_len = len;
	e->verdict = d->verdict;
	e->action = d->action;
	e->reason = d->reason;
	e->hook = EG_HOOK;
	e->flags = p->family == 6 ? EG_EV_F_V6 : 0;
	e->l4proto = p->l4proto;
	e->sport = p->l4_ok ? p->sport : 0;
	e->dport = p->l4_ok ? p->dport : 0;
	e->tcp_flags = p->tcp_flags;
	e->pad = 0;
	__builtin_memcpy(e->saddr, p->saddr, 16);
	__builtin_memcpy(e->daddr, p->daddr, 16);
	__builtin_memset(&e->owner, 0, sizeof(e->owner));
#ifdef EG_CTX_TC
	eg_owner_of(ctx, &e->owner);
#endif
	e->name_src = name ? d->name_src : EG_NSRC_NONE;
	__builtin_memset(e->pad2, 0, sizeof(e->pad2));
	if (name && d->name_src)
		__builtin_memcpy(e->name, name, EG_NAME_BUF);
	else
		e->name[0] = '\0';
	bpf_ringbuf_submit(e, 0);
}

#endif /* EG_REPORT_H */
