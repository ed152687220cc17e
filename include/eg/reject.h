/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reject: turn an outgoing TCP segment into the RST its peer would have sent
 * (RFC 793 "Reset Generation"), so the local connect() fails at once with
 * ECONNREFUSED instead of timing out. The frame is rewritten in place and
 * trimmed; the hook then sends it back towards the sender.
 */
#ifndef EG_REJECT_H
#define EG_REJECT_H

#include "eg/parse.h"

static __always_inline __u16 eg_csum_fold(__s64 sum)
{
	__u32 s = (__u32)sum;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* Fill the TCP header of the reset for the segment p describes. */
static __always_inline void eg_rst_tcp(const struct eg_pkt *p, struct tcphdr *th)
{
	__builtin_memset(th, 0, sizeof(*th));
	th->source = bpf_htons(p->dport);
	th->dest = bpf_htons(p->sport);
	th->doff = 5;
	th->rst = 1;
	if (p->tcp_flags & EG_TCP_ACK) {
		th->seq = bpf_htonl(p->tcp_ack);
	} else {
		__u32 seglen = p->l4_len > p->tcp_doff ? p->l4_len - p->tcp_doff : 0;

		if (p->tcp_flags & EG_TCP_SYN)
			seglen++;
		if (p->tcp_flags & EG_TCP_FIN)
			seglen++;
		th->ack = 1;
		th->ack_seq = bpf_htonl(p->tcp_seq + seglen);
	}
}

/* Can a reset be built for this packet? A reset is never answered. */
static __always_inline bool eg_can_rst(const struct eg_pkt *p)
{
	return p->l4_ok && p->l4proto == IPPROTO_TCP && !(p->tcp_flags & EG_TCP_RST);
}

struct eg_rst4 {
	struct iphdr ip;
	struct tcphdr tcp;
};

struct eg_rst6 {
	struct ipv6hdr ip6;
	struct tcphdr tcp;
};

struct eg_pseudo6 {
	__u8 saddr[16];
	__u8 daddr[16];
	__be32 len;
	__u8 zero[3];
	__u8 nexthdr;
};

/* Build the reset headers; returns their length (they go at p->l3_off). */
static __always_inline int eg_build_rst4(const struct eg_pkt *p, struct eg_rst4 *h)
{
	struct {
		__u8 saddr[4];
		__u8 daddr[4];
		__u8 zero;
		__u8 proto;
		__be16 len;
	} ph;
	__s64 sum;

	__builtin_memset(&h->ip, 0, sizeof(h->ip));
	h->ip.version = 4;
	h->ip.ihl = 5;
	h->ip.tot_len = bpf_htons(sizeof(*h));
	h->ip.frag_off = bpf_htons(0x4000); /* DF */
	h->ip.ttl = 64;
	h->ip.protocol = IPPROTO_TCP;
	__builtin_memcpy(&h->ip.saddr, p->daddr, 4);
	__builtin_memcpy(&h->ip.daddr, p->saddr, 4);
	sum = bpf_csum_diff(0, 0, (__be32 *)&h->ip, sizeof(h->ip), 0);
	h->ip.check = eg_csum_fold(sum);

	eg_rst_tcp(p, &h->tcp);
	__builtin_memcpy(ph.saddr, p->daddr, 4);
	__builtin_memcpy(ph.daddr, p->saddr, 4);
	ph.zero = 0;
	ph.proto = IPPROTO_TCP;
	ph.len = bpf_htons(sizeof(h->tcp));
	sum = bpf_csum_diff(0, 0, (__be32 *)&ph, sizeof(ph), 0);
	sum = bpf_csum_diff(0, 0, (__be32 *)&h->tcp, sizeof(h->tcp), (__u32)sum);
	h->tcp.check = eg_csum_fold(sum);
	return sizeof(*h);
}

static __always_inline int eg_build_rst6(const struct eg_pkt *p, struct eg_rst6 *h)
{
	struct eg_pseudo6 ph;
	__s64 sum;

	__builtin_memset(&h->ip6, 0, sizeof(h->ip6));
	h->ip6.version = 6;
	h->ip6.payload_len = bpf_htons(sizeof(h->tcp));
	h->ip6.nexthdr = IPPROTO_TCP;
	h->ip6.hop_limit = 64;
	__builtin_memcpy(&h->ip6.saddr, p->daddr, 16);
	__builtin_memcpy(&h->ip6.daddr, p->saddr, 16);

	eg_rst_tcp(p, &h->tcp);
	__builtin_memset(&ph, 0, sizeof(ph));
	__builtin_memcpy(ph.saddr, p->daddr, 16);
	__builtin_memcpy(ph.daddr, p->saddr, 16);
	ph.len = bpf_htonl(sizeof(h->tcp));
	ph.nexthdr = IPPROTO_TCP;
	sum = bpf_csum_diff(0, 0, (__be32 *)&ph, sizeof(ph), 0);
	sum = bpf_csum_diff(0, 0, (__be32 *)&h->tcp, sizeof(h->tcp), (__u32)sum);
	h->tcp.check = eg_csum_fold(sum);
	return sizeof(*h);
}

/* Bytes of IPv4 options or IPv6 extension headers: an answer carries none. */
static __always_inline __u32 eg_l3_extra(const struct eg_pkt *p)
{
	__u32 base = p->family == 4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);

	return p->l4_off > p->l3_off + base ? p->l4_off - p->l3_off - base : 0;
}

/* The first 12 bytes of a frame (destination, source MAC) with the two swapped. */
static __always_inline void eg_swap_macs(const __u8 *mac, __u8 *out)
{
	__builtin_memcpy(out, mac + 6, 6);
	__builtin_memcpy(out + 6, mac, 6);
}

/*
 * Rewriting a frame in place, per hook: store bytes, cut the bytes between
 * the fixed L3 header and L4 (eg_l3_extra()), set the frame's length. The
 * reset here and the DNS answer (eg/dns.h) are built with these alone.
 */
#if defined(EG_CTX_TC)
static __always_inline int eg_store_bytes(struct __sk_buff *skb, __u32 off, const void *from,
					  __u32 len)
{
	return bpf_skb_store_bytes(skb, off, from, len, 0);
}

static __always_inline int eg_cut_l3_extra(struct __sk_buff *skb, const struct eg_pkt *p,
					   __u32 extra)
{
	return bpf_skb_adjust_room(skb, -(__s32)extra, BPF_ADJ_ROOM_NET, 0);
}

static __always_inline int eg_set_len(struct __sk_buff *skb, __u32 len)
{
	return bpf_skb_change_tail(skb, len, 0);
}
#elif defined(EG_CTX_XDP)
/* Ethernet, two VLAN tags, IPv6: what eg_cut_l3_extra() moves at most. */
#define EG_L2L3_MAX 64

static __always_inline int eg_store_bytes(struct xdp_md *ctx, __u32 off, const void *from,
					  __u32 len)
{
	return bpf_xdp_store_bytes(ctx, off, (void *)from, len);
}

/*
 * XDP has no adjust_room: the headers in front of the cut (L2 with its tags,
 * the fixed L3 header) move forward over it, and the frame starts later.
 */
static __always_inline int eg_cut_l3_extra(struct xdp_md *ctx, const struct eg_pkt *p,
					   __u32 extra)
{
	__u32 len = p->l3_off + (p->family == 4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr));
	__u8 hdr[EG_L2L3_MAX];
	int err;

	if (len > sizeof(hdr))
		return -1;
	len -= 1;
	eg_mask(len, 63); /* EG_L2L3_MAX - 1 */
	len += 1;
	err = bpf_xdp_load_bytes(ctx, 0, hdr, len);
	if (!err)
		err = bpf_xdp_adjust_head(ctx, (int)extra);
	if (!err)
		err = bpf_xdp_store_bytes(ctx, 0, hdr, len);
	return err;
}

static __always_inline int eg_set_len(struct xdp_md *ctx, __u32 len)
{
	return bpf_xdp_adjust_tail(ctx, (int)len - (int)bpf_xdp_get_buff_len(ctx));
}
#elif defined(EG_CTX_USER)
/* On the harness's copy of the frame (eg/user.h): what the TC helpers do to an skb. */
static inline int eg_store_bytes(struct eg_user_ctx *ctx, __u32 off, const void *from, __u32 len)
{
	if (!ctx->cap || off > ctx->len || len > ctx->len - off)
		return -EFAULT;
	memmove(ctx->data + off, from, len);
	return 0;
}

/* Like bpf_skb_adjust_room(BPF_ADJ_ROOM_NET): the bytes after the fixed L3 header go. */
static inline int eg_cut_l3_extra(struct eg_user_ctx *ctx, const struct eg_pkt *p, __u32 extra)
{
	__u32 at = p->l3_off + (p->family == 4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr));

	if (!ctx->cap || at > ctx->len || extra > ctx->len - at)
		return -EFAULT;
	memmove(ctx->data + at, ctx->data + at + extra, ctx->len - at - extra);
	ctx->len -= extra;
	return 0;
}

/* Like bpf_skb_change_tail(): trims, or grows with zeroes within the buffer. */
static inline int eg_set_len(struct eg_user_ctx *ctx, __u32 len)
{
	if (!ctx->cap || len > ctx->cap)
		return -EINVAL;
	if (len > ctx->len)
		memset(ctx->data + ctx->len, 0, len - ctx->len);
	ctx->len = len;
	return 0;
}
#endif

#if defined(EG_CTX_TC) || defined(EG_CTX_XDP) || defined(EG_CTX_USER)
/* Rewrite the frame into the reset; 0 or a negative error. */
static __always_inline int eg_reject(struct eg_ctx *ctx, const struct eg_pkt *p)
{
	__u32 off = p->l3_off, extra;
	__u8 mac[12], swapped[12];
	int len, err;

	if (eg_load_bytes(ctx, 0, mac, sizeof(mac)))
		return -1;
	/*
	 * IPv4 options and IPv6 extension headers have no place in the reset.
	 * Remove them first, between the fixed L3 header and TCP: at TC,
	 * trimming the tail alone is refused while the transport header sits
	 * beyond it.
	 */
	extra = eg_l3_extra(p);
	if (extra) {
		err = eg_cut_l3_extra(ctx, p, extra);
		if (err)
			return err;
	}
	eg_swap_macs(mac, swapped);
	if (p->family == 4) {
		struct eg_rst4 h;

		len = eg_build_rst4(p, &h);
		err = eg_store_bytes(ctx, off, &h, sizeof(h));
	} else {
		struct eg_rst6 h;

		len = eg_build_rst6(p, &h);
		err = eg_store_bytes(ctx, off, &h, sizeof(h));
	}
	if (err)
		return err;
	err = eg_store_bytes(ctx, 0, swapped, sizeof(swapped));
	if (err)
		return err;
	return eg_set_len(ctx, off + len);
}
#endif

#if defined(EG_CTX_TC)
/* The name tc/egress.bpf.c calls it by. */
static __always_inline int eg_reject_tc(struct __sk_buff *skb, const struct eg_pkt *p)
{
	return eg_reject(skb, p);
}
#elif defined(EG_CTX_XDP)
/*
 * Global: verified once, not along every path of the classifier that
 * reaches it, which at XDP costs the verifier several times what it costs
 * at TC.
 */
__noinline int eg_reject_xdp(struct xdp_md *ctx, const struct eg_pkt *p)
{
	if (!p)
		return -1;
	return eg_reject(ctx, p);
}
#endif

#endif /* EG_REJECT_H */
