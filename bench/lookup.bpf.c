// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reference programs for the benchmark, never attached: each reads the
 * destination address at its fixed offset (untagged Ethernet) and does
 * nothing but look it up, so its cost is the floor of one structure.
 *
 *   bench_lpm       one kernel LPM trie lookup: the classifier's own maps
 *                   (egbench points lpm4/lpm6 at eg_v4_rules_0/eg_v6_rules_0)
 *   bench_hash_lpm  IPv4: an exact-match hash of the /32s in front of an LPM
 *                   trie that holds only the shorter prefixes
 *   bench_plen      IPv4: one hash keyed by (length, masked address), probed
 *                   for each length present, longest first
 *   bench_dir       IPv4: DIR-24-8 arrays (see bench/dir248.c)
 *   bench_dir_lpm   IPv4: the DIR-24 table alone; a /24 that holds longer
 *                   prefixes sends the lookup on to the LPM trie
 *   bench_hint_lpm  a bit per /24 (the classifier's eg_dst_hint, IPv4 and
 *                   IPv6) in front of the LPM trie: a clear bit is a miss
 *   bench_xdp_bare  XDP_PASS: the bare XDP floor beside eg_tc_bare
 *
 * A hit returns TC_ACT_SHOT and a miss TC_ACT_OK, so no lookup can be
 * optimised away.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "egressgate.h"

#define OFF_DADDR4   (ETH_HLEN + 16)
#define OFF_DADDR6   (ETH_HLEN + 24)
#define BENCH_MAX_V4 (1U << 20)

#define LPM_MAP(name, keytype)                        \
	struct {                                      \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);  \
		__type(key, keytype);                 \
		__type(value, struct eg_rule_val);    \
		__uint(max_entries, BENCH_MAX_V4);    \
		__uint(map_flags, BPF_F_NO_PREALLOC); \
	} name SEC(".maps")

LPM_MAP(lpm4, struct eg_v4_key);   /* the classifier's eg_v4_rules_0 */
LPM_MAP(lpm6, struct eg_v6_key);   /* the classifier's eg_v6_rules_0 */
LPM_MAP(short4, struct eg_v4_key); /* bench_hash_lpm: prefixes shorter than /32 */

/* bench_hash_lpm: the /32s, by address. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct eg_rule_val);
	__uint(max_entries, BENCH_MAX_V4);
} exact4 SEC(".maps");

struct plen4_key {
	__u32 len;
	__u32 addr; /* network order, masked to len */
};

/* bench_plen: (length, masked address) -> rule. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct plen4_key);
	__type(value, struct eg_rule_val);
	__uint(max_entries, BENCH_MAX_V4);
} plen4 SEC(".maps");

/* bench_plen: bit L set when some prefix has length L. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} plen4_lens SEC(".maps");

/* bench_dir: tbl24, tbl8 (sized by egbench before load) and the rules they index. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1U << 24);
} dir24 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 256);
} dir8 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct eg_rule_val);
	__uint(max_entries, BENCH_MAX_V4 + 1);
} dir_rules SEC(".maps");

/* The destination's family: 4, 6, or 0 when the frame is neither or too short. */
static __always_inline int dst_of(struct __sk_buff *skb, void **daddr)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP) && data + OFF_DADDR4 + 4 <= end) {
		*daddr = data + OFF_DADDR4;
		return 4;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6) && data + OFF_DADDR6 + 16 <= end) {
		*daddr = data + OFF_DADDR6;
		return 6;
	}
	return 0;
}

static __always_inline int verdict(const void *hit)
{
	return hit ? TC_ACT_SHOT : TC_ACT_OK;
}

static __always_inline void *lookup6(const void *daddr)
{
	struct eg_v6_key k = {.prefixlen = 128};

	__builtin_memcpy(k.addr, daddr, 16);
	return bpf_map_lookup_elem(&lpm6, &k);
}

/* One LPM lookup of the family's trie: bench_lpm's whole work. */
static __always_inline int lpm_verdict(int fam, const void *daddr)
{
	if (fam == 4) {
		struct eg_v4_key k = {.prefixlen = 32};

		__builtin_memcpy(k.addr, daddr, 4);
		return verdict(bpf_map_lookup_elem(&lpm4, &k));
	}
	if (fam == 6)
		return verdict(lookup6(daddr));
	return TC_ACT_OK;
}

/* egbench points this at the classifier's eg_dst_hint. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, EG_HINT_WORDS);
	__uint(map_flags, BPF_F_MMAPABLE);
} hint SEC(".maps");

SEC("tc")
int bench_hint_lpm(struct __sk_buff *skb)
{
	void *daddr;
	int fam = dst_of(skb, &daddr);
	__u32 b, w;
	__u64 *v;

	if (!fam)
		return TC_ACT_OK;
	b = eg_hint_bucket(daddr);
	w = eg_hint_word(fam == 4 ? EG_HINT_V4 : EG_HINT_V6, b);
	v = bpf_map_lookup_elem(&hint, &w);
	if (v && !(*v & eg_hint_bit(b)))
		return TC_ACT_OK;
	return lpm_verdict(fam, daddr);
}

SEC("tc")
int bench_lpm(struct __sk_buff *skb)
{
	void *daddr;
	int fam = dst_of(skb, &daddr);

	return lpm_verdict(fam, daddr);
}

SEC("tc")
int bench_hash_lpm(struct __sk_buff *skb)
{
	struct eg_v4_key k = {.prefixlen = 32};
	void *daddr, *r;
	__u32 a;
	int fam = dst_of(skb, &daddr);

	if (fam == 6)
		return verdict(lookup6(daddr));
	if (fam != 4)
		return TC_ACT_OK;
	__builtin_memcpy(&a, daddr, 4);
	r = bpf_map_lookup_elem(&exact4, &a);
	if (r)
		return verdict(r);
	__builtin_memcpy(k.addr, daddr, 4);
	return verdict(bpf_map_lookup_elem(&short4, &k));
}

SEC("tc")
int bench_plen(struct __sk_buff *skb)
{
	void *daddr, *r = NULL;
	__u32 zero = 0, a, i;
	__u64 *lens, m;
	int fam = dst_of(skb, &daddr);

	if (fam == 6)
		return verdict(lookup6(daddr));
	if (fam != 4)
		return TC_ACT_OK;
	lens = bpf_map_lookup_elem(&plen4_lens, &zero);
	if (!lens)
		return TC_ACT_OK;
	m = *lens;
	__builtin_memcpy(&a, daddr, 4);
	a = bpf_ntohl(a);
	for (i = 0; i <= 32; i++) {
		__u32 len = 32 - i;
		struct plen4_key k;

		if (!(m >> len & 1))
			continue;
		k.len = len;
		k.addr = bpf_htonl(len ? a & (~0U << (32 - len)) : 0);
		r = bpf_map_lookup_elem(&plen4, &k);
		if (r)
			break;
	}
	return verdict(r);
}

SEC("tc")
int bench_dir(struct __sk_buff *skb)
{
	void *daddr;
	__u32 a, idx, *e;
	int fam = dst_of(skb, &daddr);

	if (fam == 6)
		return verdict(lookup6(daddr));
	if (fam != 4)
		return TC_ACT_OK;
	__builtin_memcpy(&a, daddr, 4);
	a = bpf_ntohl(a);
	idx = a >> 8;
	e = bpf_map_lookup_elem(&dir24, &idx);
	if (!e || !*e)
		return TC_ACT_OK;
	idx = *e;
	if (idx & 0x80000000U) {
		idx = (idx & ~0x80000000U) * 256 + (a & 255);
		e = bpf_map_lookup_elem(&dir8, &idx);
		if (!e || !*e)
			return TC_ACT_OK;
		idx = *e;
	}
	return verdict(bpf_map_lookup_elem(&dir_rules, &idx));
}

SEC("tc")
int bench_dir_lpm(struct __sk_buff *skb)
{
	struct eg_v4_key k = {.prefixlen = 32};
	void *daddr;
	__u32 a, idx, *e;
	int fam = dst_of(skb, &daddr);

	if (fam == 6)
		return verdict(lookup6(daddr));
	if (fam != 4)
		return TC_ACT_OK;
	__builtin_memcpy(&a, daddr, 4);
	idx = bpf_ntohl(a) >> 8;
	e = bpf_map_lookup_elem(&dir24, &idx);
	if (!e || !*e)
		return TC_ACT_OK;
	idx = *e;
	if (idx & 0x80000000U) {
		__builtin_memcpy(k.addr, daddr, 4);
		return verdict(bpf_map_lookup_elem(&lpm4, &k));
	}
	return verdict(bpf_map_lookup_elem(&dir_rules, &idx));
}

SEC("xdp")
int bench_xdp_bare(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
