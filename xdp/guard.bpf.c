// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * XDP classifier: the TC egress classifier's judgement at the earliest hook,
 * attached to the host side of a namespace's veth, where what the namespace
 * sends arrives. The parsing and matching live in include/eg/ and are the
 * very code tc/egress.bpf.c runs; this file only wires them to XDP. The maps
 * are the same definitions, pinned by name, so both objects share one
 * policy, one set of counters and one event ring.
 *
 * A reset or a DNS answer goes back into the namespace with XDP_TX.
 * Events carry no owner (there is no socket at XDP) and netns cookie 0
 * (bpf_get_netns_cookie() is not offered to XDP programs).
 *
 * Kernel floor: 5.18, for bpf_xdp_load_bytes(), bpf_xdp_store_bytes() and
 * bpf_xdp_get_buff_len() (the TC build needs less).
 */
#define EG_CTX_XDP
#include "eg/ctx.h"
#include "eg/guard.h"

/* The same function as eg_tc_egress(): the verdict parity test runs both on the corpus. */
SEC("xdp")
int eg_xdp_guard(struct xdp_md *ctx)
{
	return eg_guard(ctx);
}

/* A bare XDP program: the floor the benchmarks compare against. */
SEC("xdp")
int eg_xdp_bare(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
