// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TC ingress reader: DNS answers coming back to the guarded side teach the
 * egress classifier which addresses belong to the names its rules matched.
 * It never drops: judging is the egress side's job. Built from the same
 * parse-and-match core; its maps are the egress object's, shared by pin.
 */
#define EG_CTX_TC
#include "eg/ctx.h"
#include "eg/parse.h"
#include "eg/maps.h"
#include "eg/report.h"
#include "eg/learn.h"

SEC("tc")
int eg_tc_ingress(struct __sk_buff *skb)
{
	struct eg_pkt p = {};
	struct eg_scratch *s;
	struct eg_config *cfg;
	__u32 zero = 0;
	int err, l4_err;

	cfg = bpf_map_lookup_elem(&eg_config, &zero);
	s = bpf_map_lookup_elem(&eg_scratch, &zero);
	if (!cfg || !s)
		return TC_ACT_UNSPEC;
	eg_pull(skb, 256);
	err = eg_parse(eg_data(skb), eg_data_end(skb), &p, &l4_err);
	if (err || !p.l4_ok || p.l4proto != IPPROTO_UDP || p.l4_len < 8 ||
	    !eg_is_dns_port(p.sport))
		return TC_ACT_UNSPEC;
	eg_learn_answer(skb, cfg, s, p.l4_off + 8, p.l4_len - 8);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
