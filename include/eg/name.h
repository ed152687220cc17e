/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Name matching, shared by the BPF programs and user space: the keyed hash
 * of a name and its suffixes, and (BPF side) the lookup that finds the most
 * specific rule on label boundaries.
 *
 * A name is hashed from its last character to its first, so one backward
 * pass yields the hash of every suffix: at each label start the hash so far
 * is the key of that suffix ("com", "github.com", "api.github.com"). The
 * pass ends at the longest suffix, so the last rule found is the most
 * specific.
 */
#ifndef EG_NAME_H
#define EG_NAME_H

#include "egressgate.h"
#if defined(__BPF__) || defined(EG_CTX_USER)
#include "eg/maps.h"
#endif

static __always_inline __u8 eg_lower(__u8 c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static __always_inline __u64 eg_name_hash_step(__u64 h, __u8 c)
{
	h ^= c;
	h *= 0x100000001b3ULL;
	h ^= h >> 29;
	return h;
}

#ifndef __BPF__
/* User space: the key of a whole name (already lowercased, no trailing dot). */
static inline __u64 eg_name_hash(__u64 seed, const char *name, __u32 len)
{
	__u64 h = seed;

	while (len--)
		h = eg_name_hash_step(h, eg_lower((__u8)name[len]));
	return h;
}
#endif

#if defined(__BPF__) || defined(EG_CTX_USER)
struct eg_name_hit {
	__u32 rule_id;
	__u8 action;
	__u8 pad[3];
};

#define EG_NAME_MASK (EG_NAME_BUF - 1)

/*
 * s->text holds n (1..EG_NAME_MAX) lowercased characters. Returns the most
 * specific rule as (action << 32 | rule id), 0 when none matches.
 * A global function: the verifier checks its loop once, not at every caller.
 */
__noinline __u64 eg_name_lookup(struct eg_scratch *s, __u32 n, __u64 seed, __u32 active)
{
	void *names = active ? (void *)&eg_names_1 : (void *)&eg_names_0;
	__u64 h = seed, best = 0;
	__u32 i;

	if (!s || !n || n > EG_NAME_MAX)
		return 0;
	for (i = 0; i < EG_NAME_MAX; i++) {
		struct eg_name_key key;
		struct eg_name_val *v;
		__u32 pos;

		if (i >= n)
			break;
		pos = (n - 1 - i) & EG_NAME_MASK;
		h = eg_name_hash_step(h, (__u8)s->text[pos]);
		if (pos && s->text[(pos - 1) & EG_NAME_MASK] != '.')
			continue;
		key.hash = h;
		v = bpf_map_lookup_elem(names, &key);
		if (!v || v->len != n - pos)
			continue;
		if (pos == 0 && v->exact_id)
			best = (__u64)v->exact_action << 32 | v->exact_id;
		else if (pos && v->sub_id)
			best = (__u64)v->sub_action << 32 | v->sub_id;
	}
	return best;
}

static __always_inline void eg_name_match(const struct eg_config *cfg, struct eg_scratch *s,
					  __u32 n, struct eg_name_hit *hit)
{
	__u64 r = eg_name_lookup(s, n, cfg->name_seed, cfg->active);

	if (r) {
		hit->rule_id = (__u32)r;
		hit->action = r >> 32;
	}
}
#endif /* __BPF__ || EG_CTX_USER */

#endif /* EG_NAME_H */
