/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet parsers: Ethernet with up to EG_MAX_VLAN_TAGS tags, IPv4 (options,
 * fragments), IPv6 (up to EG_MAX_V6_EXT extension headers), TCP, UDP, ICMP.
 * Each parser advances a cursor and returns the next protocol (>= 0) or a
 * negative enum eg_reason. Nothing here touches maps: this file is pure.
 */
#ifndef EG_PARSE_H
#define EG_PARSE_H

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>

#include "egressgate.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

/* Returned by eg_parse_l2() for frames that are neither IPv4 nor IPv6. */
#define EG_NOT_IP 1

#define EG_IP_MF 0x2000
#define EG_IP_OFFSET 0x1FFF

struct eg_cursor {
	void *pos;
	void *end;
};

/* What the match and reject stages need to know about a packet. */
struct eg_pkt {
	__u8 family;      /* 4 or 6 */
	__u8 l4proto;     /* IPPROTO_*; 0 when the L4 header was not reached */
	__u8 tcp_flags;
	__u8 l4_ok;       /* the L4 header was parsed (ports and flags valid) */
	__u8 icmp_type;
	__u8 pad[3];
	__u16 sport;      /* host order */
	__u16 dport;
	__u16 l3_off;     /* from the start of the frame */
	__u16 l4_off;
	__u32 l4_len;     /* bytes from the L4 header to the end of the IP payload */
	__u32 tcp_seq;    /* host order */
	__u32 tcp_ack;
	__u8 tcp_doff;    /* TCP header length in bytes */
	__u8 pad2[3];
	__u8 saddr[16];
	__u8 daddr[16];
};

/*
 * An address into a key, by words (both sides are 4-byte aligned): IPv4 in
 * the first word, the rest zero.
 */
static __always_inline void eg_addr_copy(__u8 *to, const __u8 *from, __u8 family)
{
	__u32 *t = (__u32 *)to;
	const __u32 *f = (const __u32 *)from;

	t[0] = f[0];
	if (family == 4) {
		t[1] = t[2] = t[3] = 0;
	} else {
		t[1] = f[1];
		t[2] = f[2];
		t[3] = f[3];
	}
}

#define EG_TCP_FIN 0x01
#define EG_TCP_SYN 0x02
#define EG_TCP_RST 0x04
#define EG_TCP_ACK 0x10

static __always_inline int eg_parse_l2(struct eg_cursor *c, __u16 *proto)
{
	struct ethhdr *eth = c->pos;
	__u16 type;
	int i;

	if ((void *)(eth + 1) > c->end)
		return -EG_R_TRUNC_L2;
	type = eth->h_proto;
	c->pos = eth + 1;

#pragma unroll
	for (i = 0; i < EG_MAX_VLAN_TAGS; i++) {
		__be16 *tag = c->pos; /* TCI, then the inner ethertype */

		if (type != bpf_htons(ETH_P_8021Q) && type != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(tag + 2) > c->end)
			return -EG_R_TRUNC_L2;
		type = tag[1];
		c->pos = tag + 2;
	}
	if (type == bpf_htons(ETH_P_8021Q) || type == bpf_htons(ETH_P_8021AD))
		return -EG_R_VLAN_DEPTH;
	*proto = bpf_ntohs(type);
	if (*proto != ETH_P_IP && *proto != ETH_P_IPV6)
		return EG_NOT_IP;
	return 0;
}

/* Returns the L4 protocol, or 0 for a non-first fragment (judged on addresses alone). */
static __always_inline int eg_parse_ipv4(struct eg_cursor *c, struct eg_pkt *p)
{
	struct iphdr *ip = c->pos;
	__u32 hlen, tot;

	if ((void *)(ip + 1) > c->end)
		return -EG_R_TRUNC_L3;
	if (ip->version != 4 || ip->ihl < 5)
		return -EG_R_BAD_L3;
	hlen = ip->ihl * 4;
	tot = bpf_ntohs(ip->tot_len);
	if (tot < hlen)
		return -EG_R_BAD_L3;
	p->family = 4;
	__builtin_memcpy(p->saddr, &ip->saddr, 4);
	__builtin_memcpy(p->daddr, &ip->daddr, 4);
	if (c->pos + hlen > c->end)
		return -EG_R_TRUNC_L3;
	c->pos += hlen;
	p->l4_len = tot - hlen;
	if (bpf_ntohs(ip->frag_off) & EG_IP_OFFSET)
		return 0;
	return ip->protocol;
}

static __always_inline int eg_parse_ipv6(struct eg_cursor *c, struct eg_pkt *p)
{
	struct ipv6hdr *ip6 = c->pos;
	__u8 nexthdr;
	int i;

	if ((void *)(ip6 + 1) > c->end)
		return -EG_R_TRUNC_L3;
	if (ip6->version != 6)
		return -EG_R_BAD_L3;
	p->family = 6;
	__builtin_memcpy(p->saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6->daddr, 16);
	p->l4_len = bpf_ntohs(ip6->payload_len);
	nexthdr = ip6->nexthdr;
	c->pos = ip6 + 1;

#pragma unroll
	for (i = 0; i < EG_MAX_V6_EXT; i++) {
		struct ipv6_opt_hdr *opt = c->pos;
		__u32 len;

		switch (nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if ((void *)(opt + 1) > c->end)
				return -EG_R_TRUNC_L3;
			len = ((__u32)opt->hdrlen + 1) * 8;
			break;
		case IPPROTO_AH:
			if ((void *)(opt + 1) > c->end)
				return -EG_R_TRUNC_L3;
			len = ((__u32)opt->hdrlen + 2) * 4;
			break;
		case IPPROTO_FRAGMENT: {
			struct frag_hdr {
				__u8 nexthdr;
				__u8 reserved;
				__be16 frag_off;
				__be32 identification;
			} *fh = c->pos;

			if ((void *)(fh + 1) > c->end)
				return -EG_R_TRUNC_L3;
			/* A non-first fragment has no L4 header: judge on addresses. */
			if (bpf_ntohs(fh->frag_off) & 0xFFF8)
				return 0;
			len = sizeof(*fh);
			break;
		}
		default:
			return nexthdr;
		}
		nexthdr = opt->nexthdr;
		if (c->pos + len > c->end)
			return -EG_R_TRUNC_L3;
		c->pos += len;
		if (p->l4_len < len)
			return -EG_R_BAD_L3;
		p->l4_len -= len;
	}
	switch (nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_FRAGMENT:
		return -EG_R_V6_EXT_DEPTH;
	}
	return nexthdr;
}

static __always_inline int eg_parse_l4(struct eg_cursor *c, struct eg_pkt *p, int proto)
{
	p->l4proto = proto;
	switch (proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = c->pos;

		if ((void *)(th + 1) > c->end)
			return -EG_R_TRUNC_L4;
		if (th->doff < 5)
			return -EG_R_BAD_L4;
		p->sport = bpf_ntohs(th->source);
		p->dport = bpf_ntohs(th->dest);
		p->tcp_flags = ((__u8 *)th)[13];
		p->tcp_seq = bpf_ntohl(th->seq);
		p->tcp_ack = bpf_ntohl(th->ack_seq);
		p->tcp_doff = th->doff * 4;
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = c->pos;

		if ((void *)(uh + 1) > c->end)
			return -EG_R_TRUNC_L4;
		p->sport = bpf_ntohs(uh->source);
		p->dport = bpf_ntohs(uh->dest);
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		__u8 *icmp = c->pos;

		if ((void *)(icmp + 4) > c->end)
			return -EG_R_TRUNC_L4;
		p->icmp_type = icmp[0];
		break;
	}
	default:
		return 0;
	}
	p->l4_ok = 1;
	return 0;
}

/*
 * Parse a frame. Returns 0 when the addresses are known (the L4 fields are
 * valid only if p->l4_ok), EG_NOT_IP for non-IP frames, or a negative reason
 * when the L3 addresses could not be read. *l4_err receives an L4 failure
 * (the addresses are still good).
 */
static __always_inline int eg_parse(void *data, void *data_end, struct eg_pkt *p, int *l4_err)
{
	struct eg_cursor c = { .pos = data, .end = data_end };
	__u16 proto;
	int ret;

	*l4_err = 0;
	ret = eg_parse_l2(&c, &proto);
	if (ret)
		return ret;
	p->l3_off = c.pos - data;
	if (proto == ETH_P_IP)
		ret = eg_parse_ipv4(&c, p);
	else
		ret = eg_parse_ipv6(&c, p);
	if (ret < 0 && p->family) {
		/*
		 * The addresses were read before the header went wrong (options or
		 * extension headers cut short, too many of them): judge on the
		 * addresses, like a non-first fragment, never pass on a technicality.
		 */
		*l4_err = ret;
		return 0;
	}
	if (ret <= 0)
		return ret;
	p->l4_off = c.pos - data;
	*l4_err = eg_parse_l4(&c, p, ret);
	return 0;
}

#endif /* EG_PARSE_H */
