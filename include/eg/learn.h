/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Learning addresses from DNS answers: a response to a query whose name a
 * rule matched (and that was let through) puts its A and AAAA records in
 * eg_learned with the rule's action and the name, for the record's TTL
 * clamped by the policy's minimum and maximum.
 */
#ifndef EG_LEARN_H
#define EG_LEARN_H

#include "eg/dns.h"

/*
 * s->wire (avail bytes) starts with a name on the wire, labels or a pointer:
 * its length, or a negative reason. Global: verified once.
 */
__noinline int eg_dns_skip_name(struct eg_scratch *s, __u32 avail)
{
	__u32 i = 0, n;

	if (!s)
		return -EG_R_DNS_BAD;
	for (n = 0; n < EG_MAX_LABELS + 1; n++) {
		__u32 at = i;
		__u8 c;

		if (i >= avail || i >= EG_NAME_BUF)
			return -EG_R_DNS_BAD;
		eg_mask(at, 0xff); /* the verifier cannot see i < EG_NAME_BUF itself */
		c = s->wire[at];
		if (!c)
			return i + 1;
		if ((c & 0xC0) == 0xC0)
			return i + 2; /* a pointer ends the name */
		if (c & 0xC0)
			return -EG_R_DNS_BAD;
		i += c + 1;
	}
	return -EG_R_DNS_BAD;
}

/* The address's bucket is marked before the address is: the egress side must look it up. */
static __always_inline void eg_hint_learned(const __u8 *addr)
{
	__u32 b = eg_hint_bucket(addr), w = eg_hint_word(EG_HINT_LEARNED, b);
	__u64 *v = bpf_map_lookup_elem(&eg_dst_hint, &w);

	if (v && !(*v & eg_hint_bit(b)))
		__sync_fetch_and_or(v, eg_hint_bit(b));
}

static __always_inline void eg_learn_one(const struct eg_config *cfg, struct eg_scratch *s,
					 __u8 family, const __u8 *addr, __u32 ttl)
{
	struct eg_learned_key k = { .family = family };
	__u32 min = cfg->learn_ttl_min ?: EG_LEARN_TTL_MIN;
	__u32 max = cfg->learn_ttl_max ?: EG_LEARN_TTL_MAX;

	if (ttl < min)
		ttl = min;
	if (ttl > max)
		ttl = max;
	__builtin_memcpy(k.addr, addr, family == 4 ? 4 : 16);
	s->lv.expires_ns = bpf_ktime_get_ns() + (__u64)ttl * 1000000000ULL;
	eg_hint_learned(k.addr);
	/* No eviction: a full table refuses the newcomer and says so. */
	if (bpf_map_update_elem(&eg_learned, &k, &s->lv, BPF_ANY))
		eg_count(&eg_stats, EG_S_LEARNED_FULL);
	else
		eg_count(&eg_stats, EG_S_LEARNED);
}

/* Read the DNS response at msg_off; learn its addresses when its name qualifies. */
static __always_inline void eg_learn_answer(struct eg_ctx *ctx, const struct eg_config *cfg,
					    struct eg_scratch *s, __u32 msg_off, __u32 msg_len)
{
	__u8 hdr[EG_DNS_HDR], rr[10], addr[16];
	struct eg_name_hit hit = {};
	__u32 off, avail, an, i;
	int n;

	if (msg_len < EG_DNS_HDR || msg_len > 0xffff ||
	    eg_load_bytes(ctx, msg_off, hdr, sizeof(hdr)))
		return;
	/* A response, no error, exactly one question. */
	if (!(hdr[2] & 0x80) || (hdr[3] & 0x0f) || hdr[4] || hdr[5] != 1)
		return;
	an = (__u32)hdr[6] << 8 | hdr[7];
	avail = msg_len - EG_DNS_HDR;
	if (avail > EG_NAME_BUF)
		avail = EG_NAME_BUF;
	if (!avail)
		return;
	avail -= 1;
	eg_mask(avail, 0xff);
	avail += 1;
	if (eg_load_bytes(ctx, msg_off + EG_DNS_HDR, s->wire, avail))
		return;
	n = eg_dns_wire_to_text(s, avail);
	if (n <= 0 || (n & 0xffff) == 0)
		return;
	off = EG_DNS_HDR + ((__u32)n >> 16) + 4;
	eg_name_match(cfg, s, n & 0xffff, &hit);
	/* Only names whose query went out: allowed, monitored, or monitor mode. */
	if (!hit.rule_id || (hit.action != EG_ACT_ALLOW && hit.action != EG_ACT_MONITOR &&
			     cfg->mode != EG_MODE_MONITOR))
		return;
	eg_keep_name(s, n & 0xffff);
	__builtin_memcpy(s->lv.name, s->best, EG_NAME_BUF);
	s->lv.rule_id = hit.rule_id;
	s->lv.action = hit.action;

	for (i = 0; i < EG_DNS_MAX_ANSWERS; i++) {
		__u32 type, rdlen, ttl;
		int skip;

		if (i >= an || off >= msg_len)
			break;
		avail = msg_len - off;
		if (avail > EG_NAME_BUF)
			avail = EG_NAME_BUF;
		avail -= 1;
		eg_mask(avail, 0xff);
		avail += 1;
		if (eg_load_bytes(ctx, msg_off + off, s->wire, avail))
			break;
		skip = eg_dns_skip_name(s, avail);
		if (skip < 0)
			break;
		off += skip;
		if (off + sizeof(rr) > msg_len || eg_load_bytes(ctx, msg_off + off, rr, sizeof(rr)))
			break;
		type = (__u32)rr[0] << 8 | rr[1];
		ttl = (__u32)rr[4] << 24 | (__u32)rr[5] << 16 | (__u32)rr[6] << 8 | rr[7];
		rdlen = (__u32)rr[8] << 8 | rr[9];
		off += sizeof(rr);
		if (off + rdlen > msg_len)
			break;
		if (type == 1 && rdlen == 4 && !eg_load_bytes(ctx, msg_off + off, addr, 4))
			eg_learn_one(cfg, s, 4, addr, ttl);
		else if (type == 28 && rdlen == 16 && !eg_load_bytes(ctx, msg_off + off, addr, 16))
			eg_learn_one(cfg, s, 6, addr, ttl);
		off += rdlen;
	}
}

#endif /* EG_LEARN_H */
