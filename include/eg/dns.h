/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DNS queries: every question's name is matched against the name rules; a
 * refused query is turned into its answer (REFUSED or NXDOMAIN) in place
 * and handed back to the client, so resolvers fail at once.
 */
#ifndef EG_DNS_H
#define EG_DNS_H

#include "eg/maps.h"
#include "eg/name.h"
#include "eg/parse.h"
#include "eg/reject.h"

#define EG_DNS_PORT 53
#define EG_DNS_HDR 12
#define EG_DNS_TCP_MSGS 4 /* pipelined messages judged in one TCP segment */

struct eg_dns_info {
	__u32 msg_off; /* DNS header, from the start of the frame */
	__u32 msg_len; /* bytes of the message */
	__u32 qend;    /* end of the question section, from msg_off */
	__u8 have_name; /* scratch->best holds the deciding (or first) name */
};

static __always_inline bool eg_is_dns_port(__u16 port)
{
	__u32 w = eg_dns_port_word(port);
	__u64 *bits;

	if (port == EG_DNS_PORT)
		return true;
	bits = bpf_map_lookup_elem(&eg_dns_port_bits, &w);
	return bits && (*bits & eg_dns_port_bit(port));
}

/*
 * s->wire (avail bytes) holds a wire-format name (labels, no compression):
 * write it to s->text as dotted lowercase text. Returns consumed << 16 |
 * length (length 0: the root), or a negative reason. Global: verified once.
 */
__noinline int eg_dns_wire_to_text(struct eg_scratch *s, __u32 avail)
{
	__u32 i, out = 0, left = 0;

	if (!s)
		return -EG_R_DNS_BAD;
	for (i = 0; i < EG_NAME_BUF; i++) {
		__u8 c;

		if (i >= avail)
			return -EG_R_DNS_BAD; /* cut short */
		c = s->wire[i & EG_NAME_MASK];
		if (!left) {
			if (!c)
				return (int)((i + 1) << 16 | out);
			if (c & 0xC0)
				return -EG_R_DNS_POINTER;
			if (out) {
				s->text[out & EG_NAME_MASK] = '.';
				out++;
			}
			left = c;
			if (out + left > EG_NAME_MAX)
				return -EG_R_NAME_BAD;
			continue;
		}
		/* A dot inside a label would fake a label boundary. */
		if (c == '.')
			return -EG_R_NAME_BAD;
		s->text[out & EG_NAME_MASK] = eg_lower(c);
		out++;
		left--;
	}
	return -EG_R_NAME_BAD;
}

/* s->text (n characters) -> s->best, NUL-terminated. */
__noinline int eg_keep_name(struct eg_scratch *s, __u32 n)
{
	__u32 i;

	if (!s)
		return 0;
	for (i = 0; i < EG_NAME_BUF; i++) {
		if (i >= n)
			break;
		s->best[i & EG_NAME_MASK] = s->text[i & EG_NAME_MASK];
	}
	s->best[n & EG_NAME_MASK] = '\0';
	return 0;
}

/*
 * Judge the DNS query at msg_off (msg_len bytes). Returns 0 with *best set
 * to the strictest rule any question matched (untouched when none did), or
 * a negative reason when this is not a query egressgate can read.
 */
__noinline int eg_dns_judge(struct eg_ctx *ctx, const struct eg_config *cfg,
			    struct eg_scratch *s, struct eg_name_hit *best,
			    struct eg_dns_info *info)
{
	__u32 off = EG_DNS_HDR, q, qd, msg_off, msg_len;
	__u8 *hdr;

	if (!ctx || !cfg || !s || !best || !info)
		return -EG_R_DNS_BAD;
	msg_off = info->msg_off;
	msg_len = info->msg_len;
	if (msg_len < EG_DNS_HDR || msg_len > 0xffff)
		return -EG_R_DNS_BAD;
	hdr = s->wire; /* the stack is short: the header goes where the names go */
	if (eg_load_bytes(ctx, msg_off, hdr, EG_DNS_HDR))
		return -EG_R_DNS_BAD;
	if (hdr[2] & 0x80)
		return -EG_R_DNS_BAD; /* a response, not a query */
	qd = (__u32)hdr[4] << 8 | hdr[5];
	if (!qd || qd > EG_DNS_MAX_QUESTIONS)
		return -EG_R_DNS_BAD;

	for (q = 0; q < EG_DNS_MAX_QUESTIONS; q++) {
		struct eg_name_hit h = {};
		__u32 avail, consumed = 0;
		int n;

		if (q >= qd)
			break;
		if (off >= msg_len)
			return -EG_R_DNS_BAD;
		avail = msg_len - off;
		if (avail > EG_NAME_BUF)
			avail = EG_NAME_BUF;
		avail -= 1;
		eg_mask(avail, 0xff);
		avail += 1; /* 1..EG_NAME_BUF */
		if (eg_load_bytes(ctx, msg_off + off, s->wire, avail))
			return -EG_R_DNS_BAD;
		n = eg_dns_wire_to_text(s, avail);
		if (n < 0)
			return n;
		consumed = (__u32)n >> 16;
		n &= 0xffff;
		if (n > 0)
			eg_name_match(cfg, s, n, &h);
		/* The strictest question decides; the event shows its name. */
		if ((h.rule_id && h.action > best->action) || !info->have_name) {
			if (h.rule_id && h.action > best->action)
				*best = h;
			eg_keep_name(s, n);
			info->have_name = 1;
		}
		off += consumed + 4; /* QTYPE, QCLASS */
		if (off > msg_len)
			return -EG_R_DNS_BAD;
	}
	info->qend = off;
	return 0;
}

/* The answer's header: same id and question, QR and RA set, the policy's RCODE, no records. */
static __always_inline void eg_dns_answer_hdr(__u8 *hdr, __u8 rcode)
{
	hdr[2] = 0x80 | (hdr[2] & 0x79); /* QR; keep OPCODE and RD; clear AA, TC */
	hdr[3] = 0x80 | (rcode & 0x0f);  /* RA */
	hdr[6] = hdr[7] = 0;             /* ANCOUNT */
	hdr[8] = hdr[9] = 0;             /* NSCOUNT */
	hdr[10] = hdr[11] = 0;           /* ARCOUNT: the EDNS OPT record goes too */
}

#if defined(EG_CTX_TC) || defined(EG_CTX_XDP) || defined(EG_CTX_USER)
/*
 * Turn the query into its answer in place: swapped addresses and ports,
 * the question section kept, everything after it cut. 0 or an error.
 */
static __always_inline int eg_dns_refuse(struct eg_ctx *ctx, const struct eg_config *cfg,
					 const struct eg_pkt *p, struct eg_dns_info *info,
					 struct eg_scratch *s)
{
	__u32 base = p->family == 4 ? 20 : 40, off = p->l3_off, qend = info->qend, msg_off, i;
	__u32 extra;
	__u8 mac[12], swapped[12];
	struct udphdr uh;
	__s64 sum;
	int err;

	if (qend > EG_DNS_MSG_MAX - 4 || qend < EG_DNS_HDR)
		return -1;
	if (eg_load_bytes(ctx, 0, mac, sizeof(mac)))
		return -1;
	eg_swap_macs(mac, swapped);
	/* IPv4 options and IPv6 extension headers do not belong in the answer. */
	extra = eg_l3_extra(p);
	if (extra) {
		err = eg_cut_l3_extra(ctx, p, extra);
		if (err)
			return err;
	}
	msg_off = off + base + sizeof(struct udphdr);

	/* The message as it will be, in scratch, zero-padded for the checksum. */
	qend &= EG_DNS_MSG_MAX - 1;
	if (qend < EG_DNS_HDR)
		return -1;
	if (eg_load_bytes(ctx, msg_off, s->msg, qend))
		return -1;
	for (i = 0; i < 4; i++)
		s->msg[(qend + i) & (EG_DNS_MSG_MAX - 1)] = 0;
	eg_dns_answer_hdr(s->msg, cfg->dns_rcode);

	uh.source = bpf_htons(p->dport);
	uh.dest = bpf_htons(p->sport);
	uh.len = bpf_htons(sizeof(uh) + qend);
	uh.check = 0;
	if (p->family == 4) {
		struct iphdr ip = {};
		struct {
			__u8 saddr[4];
			__u8 daddr[4];
			__u8 zero;
			__u8 proto;
			__be16 len;
		} ph = {};

		ip.version = 4;
		ip.ihl = 5;
		ip.tot_len = bpf_htons(sizeof(ip) + sizeof(uh) + qend);
		ip.frag_off = bpf_htons(0x4000);
		ip.ttl = 64;
		ip.protocol = IPPROTO_UDP;
		__builtin_memcpy(&ip.saddr, p->daddr, 4);
		__builtin_memcpy(&ip.daddr, p->saddr, 4);
		ip.check = eg_csum_fold(bpf_csum_diff(0, 0, (__be32 *)&ip, sizeof(ip), 0));
		__builtin_memcpy(ph.saddr, p->daddr, 4);
		__builtin_memcpy(ph.daddr, p->saddr, 4);
		ph.proto = IPPROTO_UDP;
		ph.len = uh.len;
		sum = bpf_csum_diff(0, 0, (__be32 *)&ph, sizeof(ph), 0);
		sum = bpf_csum_diff(0, 0, (__be32 *)&uh, sizeof(uh), (__u32)sum);
		sum = bpf_csum_diff(0, 0, (__be32 *)s->msg, (qend + 3) & (EG_DNS_MSG_MAX - 4),
				    (__u32)sum);
		uh.check = eg_csum_fold(sum) ?: 0xffff;
		err = eg_store_bytes(ctx, off, &ip, sizeof(ip));
	} else {
		struct ipv6hdr ip6 = {};
		struct eg_pseudo6 ph = {};

		ip6.version = 6;
		ip6.payload_len = uh.len;
		ip6.nexthdr = IPPROTO_UDP;
		ip6.hop_limit = 64;
		__builtin_memcpy(&ip6.saddr, p->daddr, 16);
		__builtin_memcpy(&ip6.daddr, p->saddr, 16);
		__builtin_memcpy(ph.saddr, p->daddr, 16);
		__builtin_memcpy(ph.daddr, p->saddr, 16);
		ph.len = bpf_htonl(sizeof(uh) + qend);
		ph.nexthdr = IPPROTO_UDP;
		sum = bpf_csum_diff(0, 0, (__be32 *)&ph, sizeof(ph), 0);
		sum = bpf_csum_diff(0, 0, (__be32 *)&uh, sizeof(uh), (__u32)sum);
		sum = bpf_csum_diff(0, 0, (__be32 *)s->msg, (qend + 3) & (EG_DNS_MSG_MAX - 4),
				    (__u32)sum);
		uh.check = eg_csum_fold(sum) ?: 0xffff;
		err = eg_store_bytes(ctx, off, &ip6, sizeof(ip6));
	}
	if (err)
		return err;
	err = eg_store_bytes(ctx, off + base, &uh, sizeof(uh));
	if (!err)
		err = eg_store_bytes(ctx, msg_off, s->msg, EG_DNS_HDR);
	if (!err)
		err = eg_store_bytes(ctx, 0, swapped, sizeof(swapped));
	if (!err)
		err = eg_set_len(ctx, msg_off + qend);
	return err;
}
#endif /* EG_CTX_TC || EG_CTX_XDP || EG_CTX_USER */

#if defined(EG_CTX_TC)
/* The name tc/egress.bpf.c calls it by. */
static __always_inline int eg_dns_refuse_tc(struct __sk_buff *skb, const struct eg_config *cfg,
					    const struct eg_pkt *p, struct eg_dns_info *info,
					    struct eg_scratch *s)
{
	return eg_dns_refuse(skb, cfg, p, info, s);
}
#elif defined(EG_CTX_XDP)
/* Global, like eg_reject_xdp(): verified once. */
__noinline int eg_dns_refuse_xdp(struct xdp_md *ctx, const struct eg_config *cfg,
				 const struct eg_pkt *p, struct eg_dns_info *info,
				 struct eg_scratch *s)
{
	if (!cfg || !p || !info || !s)
		return -1;
	return eg_dns_refuse(ctx, cfg, p, info, s);
}
#endif

#endif /* EG_DNS_H */
