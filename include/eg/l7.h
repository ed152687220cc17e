/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The payload stage: find a name in the packet (a DNS question; later TLS
 * SNI and HTTP Host) and the most specific rule it matches. Returns 0, or a
 * negative reason when traffic that must carry a name cannot be read: such
 * traffic is dropped in enforce mode whatever the default.
 */
#ifndef EG_L7_H
#define EG_L7_H

#include "eg/dns.h"
#include "eg/match.h"

static __always_inline int eg_l7_judge(struct eg_ctx *ctx, const struct eg_config *cfg,
				       const struct eg_pkt *p, struct eg_scratch *s,
				       struct eg_l7 *l7, struct eg_dns_info *dns)
{
	__u32 off, len;
	int ret;

	if (!p->l4_ok || (p->l4proto != IPPROTO_UDP && p->l4proto != IPPROTO_TCP) ||
	    !eg_is_dns_port(p->dport))
		return 0;
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
