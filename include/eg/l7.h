/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The payload stage: find a name in the packet (a DNS question, a TLS
 * ClientHello's server_name, an HTTP request's host) and the most specific
 * rule it matches. Returns 0, or a negative reason when traffic that must
 * carry a name cannot be read: such traffic is dropped in enforce mode
 * whatever the default.
 */
#ifndef EG_L7_H
#define EG_L7_H

#include "eg/dns.h"
#include "eg/match.h"
#include "eg/flow.h"
#include "eg/tls.h"
#include "eg/http.h"

/* Why a flow whose first bytes cannot be followed fails closed. */
static __always_inline int eg_stream_lost(__u8 kind)
{
	return kind == EG_L7_HTTP ? -EG_R_HTTP_STATE : -EG_R_TLS_STATE;
}

/* The collected bytes, read by the parser of their kind (see eg/flow.h for what it returns). */
static __always_inline int eg_stream_parse(struct eg_collect *c, struct eg_scratch *s)
{
	int ret;

	if (c->kind == EG_L7_TLS)
		return eg_tls_parse(c, s);
	ret = eg_http_parse(c);
	if (ret < EG_P_HOST)
		return ret;
	return eg_http_host(c, s, ret & EG_P_AT, c->have, ret & EG_P_TARGET ? 1 : 0);
}

/* A parser's answer decides: a name is matched against the name rules. */
static __always_inline int eg_stream_name(struct eg_stream_scratch *st, struct eg_scratch *s,
					  struct eg_l7 *l7, int ret)
{
	__u64 hit;

	if (ret == EG_P_NOT) {
		l7->kind = EG_L7_NONE; /* not what it looked like: judged on the address */
		return 0;
	}
	if (ret <= 0 || ret > EG_NAME_MAX)
		return ret;
	/* eg_name_match(), with the settings kept in scratch: cfg is not kept live. */
	hit = eg_name_lookup(s, ret, st->seed, st->active);
	if (hit) {
		l7->hit.rule_id = (__u32)hit;
		l7->hit.action = hit >> 32;
	}
	eg_keep_name(s, ret);
	l7->name_src = l7->kind == EG_L7_TLS ? EG_NSRC_SNI : EG_NSRC_HTTP;
	return 0;
}

/*
 * The next segment of a flow being collected (c): appended in sequence. One
 * already seen passes; one past a gap is dropped in enforce mode (TCP sends
 * the missing bytes again, then it).
 */
static __always_inline int eg_stream_next(struct eg_ctx *ctx, struct eg_stream_scratch *st,
					  struct eg_collect *c, struct eg_scratch *s,
					  struct eg_l7 *l7)
{
	__s32 delta;
	int ret;

	l7->kind = c->kind;
	delta = (__s32)(st->seq - c->next_seq);
	if (delta > 0) {
		/* Bytes in between were never seen: wait for them. */
		l7->kind = EG_L7_REORDER;
		ret = eg_stream_lost(c->kind);
		if (st->mode == EG_MODE_MONITOR)
			eg_flow_forget(&st->key); /* nothing waits in monitor mode */
		return ret;
	}
	if ((__u32)-delta >= st->len)
		return 0; /* all seen before: a retransmission */
	c->ts_ns = bpf_ktime_get_ns();
	c->next_seq = st->seq + st->len;
	ret = eg_collect_fill(ctx, c, st->off - delta, st->len + delta);
	if (!ret)
		ret = eg_stream_parse(c, s);
	if (ret == EG_P_MORE)
		return 0;
	eg_flow_del(&eg_collect, &st->key);
	return eg_stream_name(st, s, l7, ret);
}

/*
 * TCP payload to any port but a DNS one. A segment of a flow blocked by name
 * is dropped. A segment that starts a TLS ClientHello or an HTTP request is
 * read: its name is judged when it shows; until then the segments pass on
 * their address and their bytes are collected (eg/flow.h). Global: verified
 * once, not along every path of the caller. What it needs after its first
 * lines lives in per-CPU scratch: the stack is shared with the caller's and
 * with the parsers' below.
 */
__noinline int eg_stream_judge(struct eg_ctx *ctx, const struct eg_config *cfg,
			       const struct eg_pkt *p, struct eg_scratch *s, struct eg_l7 *l7)
{
	struct eg_stream_scratch *st;
	struct eg_collect *c;
	struct eg_flow *f;
	__u32 n, zero = 0;
	bool known;
	int ret;

	st = bpf_map_lookup_elem(&eg_stream_scratch, &zero);
	if (!cfg || !p || !s || !l7 || !st)
		return 0;
	st->seed = cfg->name_seed;
	st->active = cfg->active;
	st->mode = cfg->mode;
	eg_flow_key_of(p, &st->key);
	st->off = p->l4_off + p->tcp_doff;
	st->len = p->l4_len > p->tcp_doff ? p->l4_len - p->tcp_doff : 0;
	st->seq = p->tcp_seq + (p->tcp_flags & EG_TCP_SYN ? 1 : 0); /* a SYN takes one */
	known = eg_flow_maybe(&st->key);
	if ((p->tcp_flags & (EG_TCP_SYN | EG_TCP_ACK)) == EG_TCP_SYN) {
		/* A new connection on the same ports: the old one is over. */
		if (known) {
			eg_flow_del(&eg_collect, &st->key);
			eg_flow_del(&eg_flows, &st->key);
		}
	} else if (known) {
		f = bpf_map_lookup_elem(&eg_flows, &st->key);
		if (f && f->state == EG_FLOW_BLOCKED) {
			l7->kind = EG_L7_FLOW_BLOCKED;
			l7->hit.rule_id = f->rule_id;
			l7->hit.action = f->action;
			return -EG_R_FLOW_BLOCKED;
		}
	}
	if (!st->len)
		return 0;
	c = known ? bpf_map_lookup_elem(&eg_collect, &st->key) : NULL;
	if (c)
		return eg_stream_next(ctx, st, c, s, l7);

	n = st->len < sizeof(st->peek) ? st->len : sizeof(st->peek);
	n -= 1;
	eg_mask(n, 15);
	n += 1;
	if (eg_load_bytes(ctx, st->off, st->peek, n))
		return 0;
	if (eg_tls_starts(st->peek, n))
		l7->kind = EG_L7_TLS;
	else if (eg_http_starts(st->peek, n))
		l7->kind = EG_L7_HTTP;
	else
		return 0;
	eg_collect_init(&st->c, l7->kind, st->seq + st->len);
	ret = eg_collect_fill(ctx, &st->c, st->off, st->len);
	if (!ret)
		ret = eg_stream_parse(&st->c, s);
	if (ret == EG_P_MORE)
		return eg_collect_keep(&st->key, &st->c) ? eg_stream_lost(l7->kind) : 0;
	return eg_stream_name(st, s, l7, ret);
}

/*
 * QUIC (RFC 9000 17.2): with quic block, a long-header packet to UDP/443
 * of any version but 0 (version negotiation) is dropped: Initial packets
 * never get through, so clients fall back to TCP, where names are read.
 */
static __always_inline int eg_quic_judge(struct eg_ctx *ctx, const struct eg_config *cfg,
					 const struct eg_pkt *p, struct eg_l7 *l7)
{
	__u8 h[5];

	if (!cfg->quic_block || p->dport != EG_QUIC_PORT ||
	    p->l4_len < sizeof(struct udphdr) + sizeof(h))
		return 0;
	if (eg_load_bytes(ctx, p->l4_off + sizeof(struct udphdr), h, sizeof(h)))
		return 0;
	if (!(h[0] & 0x80) || !(h[1] | h[2] | h[3] | h[4]))
		return 0;
	l7->kind = EG_L7_QUIC;
	return -EG_R_QUIC;
}

static __always_inline int eg_l7_judge(struct eg_ctx *ctx, const struct eg_config *cfg,
				       const struct eg_pkt *p, struct eg_scratch *s,
				       struct eg_l7 *l7, struct eg_dns_info *dns)
{
	__u32 off, len;
	int ret;

	if (!p->l4_ok || (p->l4proto != IPPROTO_UDP && p->l4proto != IPPROTO_TCP))
		return 0;
	if (!eg_is_dns_port(p->dport)) {
		if (p->l4proto != IPPROTO_TCP)
			return eg_quic_judge(ctx, cfg, p, l7);
		/* No payload to read, no state to forget or obey (a new connection's SYN). */
		if (p->l4_len <= p->tcp_doff && !eg_flow_maybe_pkt(p))
			return 0;
		return eg_stream_judge(ctx, cfg, p, s, l7);
	}
	if (p->l4proto == IPPROTO_UDP) {
		if (p->l4_len < sizeof(struct udphdr))
			return -EG_R_DNS_BAD;
		off = p->l4_off + sizeof(struct udphdr);
		len = p->l4_len - sizeof(struct udphdr);
		l7->kind = EG_L7_DNS_UDP;
		l7->name_src = EG_NSRC_DNS;
	} else {
		__u32 m, mlen;
		__u8 pfx[2];

		if (p->l4_len <= p->tcp_doff) {
			l7->kind = EG_L7_DNS_CTRL;
			return 0;
		}
		/*
		 * DNS over TCP: messages behind a 2-byte length, each whole in this
		 * segment. Clients pipeline (glibc writes A and AAAA in one
		 * writev): every message is judged, the strictest decides.
		 */
		off = p->l4_off + p->tcp_doff;
		len = p->l4_len - p->tcp_doff;
		l7->kind = EG_L7_DNS_TCP;
		l7->name_src = EG_NSRC_DNS_TCP;
		dns->have_name = 0;
		ret = -EG_R_DNS_BAD; /* more messages than EG_DNS_TCP_MSGS */
		for (m = 0; m < EG_DNS_TCP_MSGS; m++) {
			if (len < 2 || eg_load_bytes(ctx, off, pfx, 2)) {
				ret = -EG_R_DNS_BAD;
				break;
			}
			mlen = (__u32)pfx[0] << 8 | pfx[1];
			if (mlen > len - 2) {
				ret = -EG_R_DNS_BAD;
				break;
			}
			dns->msg_off = off + 2;
			dns->msg_len = mlen;
			ret = eg_dns_judge(ctx, cfg, s, &l7->hit, dns);
			if (ret < 0 || len == mlen + 2)
				break;
			ret = -EG_R_DNS_BAD;
			off += mlen + 2;
			len -= mlen + 2;
		}
		if (!dns->have_name)
			l7->name_src = EG_NSRC_NONE;
		return ret;
	}
	dns->have_name = 0;
	dns->msg_off = off;
	dns->msg_len = len;
	ret = eg_dns_judge(ctx, cfg, s, &l7->hit, dns);
	if (!dns->have_name)
		l7->name_src = EG_NSRC_NONE;
	return ret;
}

#endif /* EG_L7_H */
