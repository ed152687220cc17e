// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TC egress classifier: judges every outgoing packet against the rules
 * (prefixes, and names in DNS, TLS and HTTP); attached through tcx or
 * clsact. The whole judgement is include/eg/guard.h; this file only wires
 * it to the TC hook.
 */
#define EG_CTX_TC
#include "eg/ctx.h"
#include "eg/guard.h"

SEC("tc")
int eg_tc_egress(struct __sk_buff *skb)
{
	return eg_guard(skb);
}

/* A bare classifier: the floor the benchmarks compare against. */
SEC("tc")
int eg_tc_bare(struct __sk_buff *skb)
{
	return EG_RET_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
