/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The guard: one packet from parse to verdict, counters and event. Both
 * entry points (tc/egress.bpf.c, xdp/guard.bpf.c) are this function; only
 * how an answer goes back differs by hook, below.
 */
#ifndef EG_GUARD_H
#define EG_GUARD_H

#include "eg/parse.h"
#include "eg/maps.h"
#include "eg/report.h"
#include "eg/match.h"
#include "eg/reject.h"
#include "eg/l7.h"

/* Enough for Ethernet, two VLAN tags, IPv6 with a few extension headers and TCP. */
#define EG_PULL_LEN 256

#if defined(EG_CTX_TC)
/* At TC egress an answer is handed to the same device's ingress: the sender's stack. */
#define eg_answer_rst(ctx, p) eg_reject_tc(ctx, p)
#define eg_answer_dns(ctx, cfg, p, dns, s) eg_dns_refuse_tc(ctx, cfg, p, dns, s)
#define eg_send_back(ctx) bpf_redirect((ctx)->ifindex, BPF_F_INGRESS)
#elif defined(EG_CTX_XDP)
/* At XDP on the host side of a veth, XDP_TX sends it back into the namespace. */
#define eg_answer_rst(ctx, p) eg_reject_xdp(ctx, p)
#define eg_answer_dns(ctx, cfg, p, dns, s) eg_dns_refuse_xdp(ctx, cfg, p, dns, s)
#define eg_send_back(ctx) XDP_TX
#elif defined(EG_CTX_USER)
/* User space (eg/user.h) stands for TC: the frame is rewritten in the harness's buffer. */
#define eg_answer_rst(ctx, p) eg_reject(ctx, p)
#define eg_answer_dns(ctx, cfg, p, dns, s) eg_dns_refuse(ctx, cfg, p, dns, s)
#define eg_send_back(ctx) TC_ACT_REDIRECT
#endif

static __always_inline int eg_guard(struct eg_ctx *ctx)
{
	struct eg_decision d = {};
	struct eg_dns_info dns = {};
	struct eg_l7 l7 = {};
	struct eg_pkt p = {};
	const char *learned_name = NULL;
	struct eg_scratch *s;
	struct eg_config *cfg;
	__u32 zero = 0;
	int err, l4_err, l7_err = 0, ret = EG_RET_PASS;
	__u32 len = eg_pkt_len(ctx); /* before a reject rewrites the packet */

	eg_count(&eg_stats, EG_S_PACKETS);
	cfg = bpf_map_lookup_elem(&eg_config, &zero);
	s = bpf_map_lookup_elem(&eg_scratch, &zero);
	if (!cfg || !s)
		return EG_RET_PASS; /* cannot happen: array maps always hold index 0 */

	eg_pull(ctx, EG_PULL_LEN);
	err = eg_parse(eg_data(ctx), eg_data_end(ctx), &p, &l4_err);
	if (err == EG_NOT_IP) {
		eg_count(&eg_stats, EG_S_NOT_IP);
		return EG_RET_PASS;
	}
	if (err < 0)
		eg_count(&eg_reasons, -err);
	else if (l4_err < 0)
		eg_count(&eg_reasons, -l4_err);
	if (!err && eg_is_ndp(&p)) {
		eg_count(&eg_stats, EG_S_NDP);
		return EG_RET_PASS;
	}

	if (!err)
		l7_err = eg_l7_judge(ctx, cfg, &p, s, &l7, &dns);
	if (l7_err < 0) {
		/* It must carry a name and cannot be read: enforce mode drops it. */
		d.action = EG_ACT_DROP;
		d.name_src = l7.name_src;
		eg_settle(cfg, &d, -l7_err);
		if (l7.kind == EG_L7_FLOW_BLOCKED) {
			/* A later segment of a flow blocked by name: that rule applies. */
			d.rule_id = l7.hit.rule_id;
			d.action = l7.hit.action;
		}
	} else {
		eg_decide(cfg, &p, err, &l7, &d, &learned_name);
	}
	/* Monitor mode reports what enforce would do: only TCP can be reset. */
	if (d.verdict == EG_V_WOULD_REJECT && !eg_can_rst(&p) && l7.kind != EG_L7_DNS_UDP)
		d.verdict = EG_V_WOULD_DROP;
	if (d.verdict == EG_V_REJECT && l7.kind == EG_L7_DNS_UDP) {
		/* A refused query gets its answer at once: resolvers fail fast. */
		if (!eg_answer_dns(ctx, cfg, &p, &dns, s)) {
			ret = eg_send_back(ctx);
		} else {
			d.verdict = EG_V_DROP;
			eg_count(&eg_reasons, EG_R_REJECT_FAILED);
			ret = EG_RET_DROP;
		}
	} else if (d.verdict == EG_V_REJECT) {
		if (eg_can_rst(&p) && !eg_answer_rst(ctx, &p)) {
			ret = eg_send_back(ctx);
		} else {
			/* Not TCP, or no room for a reset: a drop still fails closed. */
			d.verdict = EG_V_DROP;
			if (eg_can_rst(&p))
				eg_count(&eg_reasons, EG_R_REJECT_FAILED);
			ret = EG_RET_DROP;
		}
	} else if (d.verdict == EG_V_DROP) {
		ret = EG_RET_DROP;
	}
	/*
	 * A TCP flow stopped on its first bytes: when its name decided (or could
	 * not be read), its later segments, which carry none, are dropped too.
	 */
	if ((l7.kind == EG_L7_TLS || l7.kind == EG_L7_HTTP) &&
	    (d.verdict == EG_V_REJECT || d.verdict == EG_V_DROP))
		eg_flow_close(&p, &d, l7_err < 0 || (l7.hit.rule_id && d.rule_id == l7.hit.rule_id));

	eg_count(&eg_stats, EG_S_V_BASE + d.verdict);
	if (d.reason)
		eg_count(&eg_reasons, d.reason);
	eg_count_rule(d.rule_id, len);
	if (d.verdict != EG_V_PASS && d.verdict != EG_V_ALLOW)
		eg_emit(ctx, &p, &d, len, d.name_src == EG_NSRC_LEARNED ? learned_name : s->best);
	return ret;
}

#endif /* EG_GUARD_H */
