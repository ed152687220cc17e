/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The context layer for user space: the parse-and-match core compiled as
 * ordinary C, so the very same parsers run under libFuzzer and sanitizers.
 * Maps are emulated (below); the ring buffer hands its records to the
 * harness; frames are rewritten in the harness's buffer (eg/reject.h).
 */
#ifndef EG_USER_H
#define EG_USER_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/types.h>

#define SEC(name)
#define __uint(name, val) int(*name)[val]
#define __type(name, val) typeof(val) *name
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __noinline __attribute__((noinline))
#define LIBBPF_PIN_BY_NAME 1
#define bpf_htons(x) htons(x)
#define bpf_ntohs(x) ntohs(x)
#define bpf_htonl(x) htonl(x)
#define bpf_ntohl(x) ntohl(x)
/* No verifier to convince: a plain mask. */
#define eg_mask(x, m) ((x) &= (m))

/*
 * Maps: a registry of emulated maps, built by the runner from the map
 * structs of eg/maps.h (EG_USER_MAP() reads type, key and value size and
 * max_entries off them, as libbpf reads its BTF map definitions; ring
 * buffers with EG_USER_RINGBUF()). Semantics follow the kernel's, on one
 * CPU: ARRAY and PERCPU_ARRAY hold every index, zeroed, and refuse delete;
 * HASH, PERCPU_HASH and LRU_HASH hold up to max_entries keys (a full
 * HASH refuses with -E2BIG, a full LRU_HASH lets its least recently used
 * entry go); LPM_TRIE keys are { __u32 prefixlen; data[] }, a lookup finds
 * the longest prefix, a full trie refuses with -ENOSPC as the kernel's
 * does. Update honours BPF_ANY, BPF_NOEXIST and BPF_EXIST. A deleted or
 * evicted element stays readable until eg_user_maps_quiesce() (the RCU
 * grace period of the kernel): call it between packets.
 *
 * A harness may also answer lookups itself (eg_user_set_lookup_hook()):
 * what the hook returns wins, NULL falls through to the registry.
 */
#define EG_USER_MAPS_MAX 32
#define EG_USER_EVENTS_MAX 16

struct eg_user_elem {
	struct eg_user_elem *next;  /* in the map, or on the graveyard */
	__u64 used;                 /* LRU clock */
	__u8 data[];                /* key, then value at key_size rounded up to 8 */
};

struct eg_user_map {
	void *map;
	__u32 type, key_size, value_size, max_entries;
	__u32 nr;
	__u8 *array;                /* ARRAY, PERCPU_ARRAY: max_entries values */
	struct eg_user_elem *elems; /* the others */
};

struct eg_user_event {
	__u32 size;
	__u8 *data;
};

struct eg_user_state {
	struct eg_user_map maps[EG_USER_MAPS_MAX];
	int nr_maps;
	struct eg_user_elem *graveyard;
	__u64 clock, last_ns;
	void *(*hook)(void *map, const void *key);
	struct eg_user_event events[EG_USER_EVENTS_MAX]; /* submitted, for the runner */
	int nr_events, nr_lost;
};

static inline struct eg_user_state *eg_user_state(void)
{
	static struct eg_user_state st;

	return &st;
}

static inline __u32 eg_user_vofs(const struct eg_user_map *m)
{
	return (m->key_size + 7) & ~7U;
}

static inline int eg_user_map_register(void *map, __u32 type, __u32 key_size, __u32 value_size,
				       __u32 max_entries)
{
	struct eg_user_state *st = eg_user_state();
	struct eg_user_map *m;

	if (st->nr_maps == EG_USER_MAPS_MAX)
		return -E2BIG;
	m = &st->maps[st->nr_maps];
	memset(m, 0, sizeof(*m));
	m->map = map;
	m->type = type;
	m->key_size = key_size;
	m->value_size = value_size;
	m->max_entries = max_entries;
	if (type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		if (key_size != 4)
			return -EINVAL;
		m->array = calloc(max_entries, value_size);
		if (!m->array)
			return -ENOMEM;
	} else if (type == BPF_MAP_TYPE_LPM_TRIE) {
		if (key_size <= 4)
			return -EINVAL;
	} else if (type != BPF_MAP_TYPE_HASH && type != BPF_MAP_TYPE_PERCPU_HASH &&
		   type != BPF_MAP_TYPE_LRU_HASH && type != BPF_MAP_TYPE_RINGBUF) {
		return -EOPNOTSUPP;
	}
	st->nr_maps++;
	return 0;
}

/* The members of a map struct are its definition: int (*type)[TYPE] and so on. */
#define EG_USER_MAP(m)                                                                    \
	eg_user_map_register(&(m), sizeof(*(m).type) / sizeof(int), sizeof(*(m).key),      \
			     sizeof(*(m).value), sizeof(*(m).max_entries) / sizeof(int))
#define EG_USER_RINGBUF(m)                                                                \
	eg_user_map_register(&(m), sizeof(*(m).type) / sizeof(int), 0, 0,                  \
			     sizeof(*(m).max_entries) / sizeof(int))

/*
 * Every map of eg/maps.h, for a runner to expand after including it; 0 or
 * the first error. A map added there and not here is caught at its first
 * use (eg_user_map_of()).
 */
#define EG_USER_REGISTER_MAPS()                                                           \
	(EG_USER_MAP(eg_sock_owner) ?: EG_USER_MAP(eg_config) ?:                           \
	 EG_USER_MAP(eg_v4_rules_0) ?: EG_USER_MAP(eg_v4_rules_1) ?:                       \
	 EG_USER_MAP(eg_v6_rules_0) ?: EG_USER_MAP(eg_v6_rules_1) ?:                       \
	 EG_USER_MAP(eg_rule_stats) ?: EG_USER_MAP(eg_stats) ?: EG_USER_MAP(eg_reasons) ?: \
	 EG_USER_MAP(eg_names_0) ?: EG_USER_MAP(eg_names_1) ?: EG_USER_MAP(eg_dns_port_bits) ?: \
	 EG_USER_MAP(eg_learned) ?: EG_USER_MAP(eg_scratch) ?: EG_USER_RINGBUF(eg_events) ?: \
	 EG_USER_MAP(eg_flows) ?: EG_USER_MAP(eg_collect) ?: EG_USER_MAP(eg_stream_scratch) ?: \
	 EG_USER_MAP(eg_flow_hint) ?: EG_USER_MAP(eg_dst_hint))

/* A map nobody registered is a runner out of date with eg/maps.h: stop loudly. */
static inline struct eg_user_map *eg_user_map_of(const void *map)
{
	struct eg_user_state *st = eg_user_state();
	int i;

	for (i = 0; i < st->nr_maps; i++) {
		if (st->maps[i].map == map)
			return &st->maps[i];
	}
	fprintf(stderr, "eg/user.h: map %p used but not registered (see EG_USER_REGISTER_MAPS)\n",
		map);
	abort();
}

static inline void eg_user_set_lookup_hook(void *(*hook)(void *map, const void *key))
{
	eg_user_state()->hook = hook;
}

/* Do the first bits bits of a and b agree? */
static inline bool eg_user_bits_eq(const __u8 *a, const __u8 *b, __u32 bits)
{
	__u32 bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return false;
	return !rest || !((a[bytes] ^ b[bytes]) & (__u8)(0xff << (8 - rest)));
}

/* The element whose key is key, exactly (an LPM entry: same prefix); pprev for unlinking. */
static inline struct eg_user_elem *eg_user_find(struct eg_user_map *m, const void *key,
						struct eg_user_elem ***pprev)
{
	struct eg_user_elem **pp, *e;

	for (pp = &m->elems; (e = *pp); pp = &e->next) {
		if (m->type == BPF_MAP_TYPE_LPM_TRIE) {
			__u32 plen = *(const __u32 *)key;

			if (*(__u32 *)e->data == plen &&
			    eg_user_bits_eq(e->data + 4, (const __u8 *)key + 4, plen))
				break;
		} else if (!memcmp(e->data, key, m->key_size)) {
			break;
		}
	}
	if (pprev)
		*pprev = pp;
	return e;
}

static inline void eg_user_unlink(struct eg_user_elem **pp)
{
	struct eg_user_state *st = eg_user_state();
	struct eg_user_elem *e = *pp;

	*pp = e->next;
	e->next = st->graveyard;
	st->graveyard = e;
}

static inline void *bpf_map_lookup_elem(void *map, const void *key)
{
	struct eg_user_state *st = eg_user_state();
	struct eg_user_map *m;
	struct eg_user_elem *e, *best = NULL;
	__u32 idx, plen, max_plen;

	if (st->hook) {
		void *v = st->hook(map, key);

		if (v)
			return v;
	}
	m = eg_user_map_of(map);
	if (!m)
		return NULL;
	switch (m->type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		idx = *(const __u32 *)key;
		return idx < m->max_entries ? m->array + (size_t)idx * m->value_size : NULL;
	case BPF_MAP_TYPE_LPM_TRIE:
		plen = *(const __u32 *)key;
		max_plen = (m->key_size - 4) * 8;
		if (plen > max_plen)
			plen = max_plen;
		for (e = m->elems; e; e = e->next) {
			__u32 ep = *(__u32 *)e->data;

			if (ep <= plen && (!best || ep > *(__u32 *)best->data) &&
			    eg_user_bits_eq(e->data + 4, (const __u8 *)key + 4, ep))
				best = e;
		}
		return best ? best->data + eg_user_vofs(m) : NULL;
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
		e = eg_user_find(m, key, NULL);
		if (!e)
			return NULL;
		e->used = ++st->clock;
		return e->data + eg_user_vofs(m);
	}
	return NULL;
}

static inline long bpf_map_update_elem(void *map, const void *key, const void *value, __u64 flags)
{
	struct eg_user_state *st = eg_user_state();
	struct eg_user_map *m = eg_user_map_of(map);
	struct eg_user_elem *e, **pp, **victim;
	__u32 idx;

	if (!m || m->type == BPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	if (flags > BPF_EXIST)
		return -EINVAL;
	if (m->array) {
		idx = *(const __u32 *)key;
		if (idx >= m->max_entries)
			return -E2BIG;
		if (flags == BPF_NOEXIST)
			return -EEXIST; /* every index of an array exists */
		memcpy(m->array + (size_t)idx * m->value_size, value, m->value_size);
		return 0;
	}
	if (m->type == BPF_MAP_TYPE_LPM_TRIE && *(const __u32 *)key > (m->key_size - 4) * 8)
		return -EINVAL;
	e = eg_user_find(m, key, &pp);
	if (e && flags == BPF_NOEXIST)
		return -EEXIST;
	if (!e && flags == BPF_EXIST)
		return -ENOENT;
	if (e) {
		/* In place, as the kernel's preallocated and percpu elements are updated. */
		memcpy(e->data + eg_user_vofs(m), value, m->value_size);
		e->used = ++st->clock;
		return 0;
	}
	if (m->nr >= m->max_entries) {
		if (m->type == BPF_MAP_TYPE_LPM_TRIE)
			return -ENOSPC;
		if (m->type != BPF_MAP_TYPE_LRU_HASH)
			return -E2BIG;
		victim = &m->elems;
		for (pp = &m->elems; *pp; pp = &(*pp)->next) {
			if ((*pp)->used < (*victim)->used)
				victim = pp;
		}
		eg_user_unlink(victim);
		m->nr--;
	}
	e = calloc(1, sizeof(*e) + eg_user_vofs(m) + m->value_size);
	if (!e)
		return -ENOMEM;
	memcpy(e->data, key, m->key_size);
	memcpy(e->data + eg_user_vofs(m), value, m->value_size);
	e->used = ++st->clock;
	e->next = m->elems;
	m->elems = e;
	m->nr++;
	return 0;
}

static inline long bpf_map_delete_elem(void *map, const void *key)
{
	struct eg_user_map *m = eg_user_map_of(map);
	struct eg_user_elem **pp;

	if (!m || m->array || m->type == BPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	if (!eg_user_find(m, key, &pp))
		return -ENOENT;
	eg_user_unlink(pp);
	m->nr--;
	return 0;
}

/* Walk a map as the runner would with get_next_key: cb(key, value, arg), non-zero stops. */
static inline void eg_user_map_walk(void *map, int (*cb)(const void *key, void *value, void *arg),
				    void *arg)
{
	struct eg_user_map *m = eg_user_map_of(map);
	struct eg_user_elem *e, *next;
	__u32 i;

	if (!m)
		return;
	if (m->array) {
		for (i = 0; i < m->max_entries; i++) {
			if (cb(&i, m->array + (size_t)i * m->value_size, arg))
				return;
		}
		return;
	}
	for (e = m->elems; e; e = next) {
		next = e->next;
		if (cb(e->data, e->data + eg_user_vofs(m), arg))
			return;
	}
}

/* Empty a map: hash-like ones lose every key, arrays are zeroed. */
static inline void eg_user_map_clear(void *map)
{
	struct eg_user_map *m = eg_user_map_of(map);

	if (!m)
		return;
	if (m->array) {
		memset(m->array, 0, (size_t)m->max_entries * m->value_size);
		return;
	}
	while (m->elems)
		eg_user_unlink(&m->elems);
	m->nr = 0;
}

static inline __u32 eg_user_map_count(void *map)
{
	struct eg_user_map *m = eg_user_map_of(map);

	return m ? m->nr : 0;
}

/* Between packets: what was deleted may be freed, no program holds it now. */
static inline void eg_user_maps_quiesce(void)
{
	struct eg_user_state *st = eg_user_state();
	struct eg_user_elem *e;

	while ((e = st->graveyard)) {
		st->graveyard = e->next;
		free(e);
	}
}

/* Submitted records, oldest first; the runner takes them, then eg_user_events_clear(). */
static inline void eg_user_events_clear(void)
{
	struct eg_user_state *st = eg_user_state();
	int i;

	for (i = 0; i < st->nr_events; i++)
		free(st->events[i].data - 8); /* bpf_ringbuf_reserve() kept the size ahead */
	st->nr_events = 0;
	st->nr_lost = 0;
}

/* Monotonic, and never the same value twice. */
static inline __u64 bpf_ktime_get_ns(void)
{
	struct eg_user_state *st = eg_user_state();
	struct timespec ts;
	__u64 now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	if (now <= st->last_ns)
		now = st->last_ns + 1;
	st->last_ns = now;
	return now;
}

/* A record of its own per call: 8 bytes ahead of it keep its size. */
static inline void *bpf_ringbuf_reserve(void *ringbuf, __u64 size, __u64 flags)
{
	struct eg_user_map *m = eg_user_map_of(ringbuf);
	__u8 *r;

	if (!m || m->type != BPF_MAP_TYPE_RINGBUF || flags || !size || size > m->max_entries / 2)
		return NULL;
	r = calloc(1, 8 + size);
	if (!r)
		return NULL;
	*(__u64 *)r = size;
	return r + 8;
}

static inline void bpf_ringbuf_submit(void *data, __u64 flags)
{
	struct eg_user_state *st = eg_user_state();
	__u8 *r = (__u8 *)data - 8;

	if (st->nr_events == EG_USER_EVENTS_MAX) {
		st->nr_lost++;
		free(r);
		return;
	}
	st->events[st->nr_events].size = *(__u64 *)r;
	st->events[st->nr_events].data = data;
	st->nr_events++;
}

static inline void bpf_ringbuf_discard(void *data, __u64 flags)
{
	free((__u8 *)data - 8);
}

/* The kernel's one's-complement sum over 32-bit words. */
static inline __s64 bpf_csum_diff(__be32 *from, __u32 from_size, __be32 *to, __u32 to_size,
				  __u32 seed)
{
	__u64 sum = seed;
	__u32 i;

	for (i = 0; i < to_size / 4; i++)
		sum += to[i];
	for (i = 0; i < from_size / 4; i++)
		sum += ~from[i];
	while (sum >> 32)
		sum = (sum & 0xffffffff) + (sum >> 32);
	return sum;
}

/*
 * A frame and room to rewrite it: data holds len bytes of cap (cap 0: the
 * frame is read only, and the rewriting ops of eg/reject.h refuse).
 */
struct eg_user_ctx {
	__u8 *data;
	__u32 len;
	__u32 cap;
	__u32 ifindex;
};

#define eg_ctx eg_user_ctx
#define EG_HOOK EG_HOOK_TC_EGRESS
#define EG_RET_PASS TC_ACT_UNSPEC
#define EG_RET_DROP TC_ACT_SHOT

static inline void *eg_data(struct eg_user_ctx *ctx)
{
	return (void *)ctx->data;
}

static inline void *eg_data_end(struct eg_user_ctx *ctx)
{
	return (void *)(ctx->data + ctx->len);
}

static inline __u32 eg_ifindex(struct eg_user_ctx *ctx)
{
	return ctx->ifindex;
}

static inline __u32 eg_pkt_len(struct eg_user_ctx *ctx)
{
	return ctx->len;
}

/* Like bpf_skb_load_bytes(): out of range is an error, never a read past the end. */
static inline int eg_load_bytes(struct eg_user_ctx *ctx, __u32 off, void *to, __u32 len)
{
	if (!len || off > ctx->len || len > ctx->len - off)
		return -EFAULT;
	memcpy(to, ctx->data + off, len);
	return 0;
}

static inline int eg_pull(struct eg_user_ctx *ctx, __u32 len)
{
	return 0;
}

#endif /* EG_USER_H */
