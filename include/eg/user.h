/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The context layer for user space: the parse-and-match core compiled as
 * ordinary C, so the very same parsers run under libFuzzer and sanitizers.
 * Maps become lookups answered by the harness (eg_user_map_lookup); the
 * helpers that only report are no-ops.
 */
#ifndef EG_USER_H
#define EG_USER_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
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

/* Answered by the harness: which map, which key. */
void *eg_user_map_lookup(void *map, const void *key);

static inline void *bpf_map_lookup_elem(void *map, const void *key)
{
	return eg_user_map_lookup(map, key);
}

static inline long bpf_map_update_elem(void *map, const void *key, const void *value, __u64 flags)
{
	return 0;
}

static inline long bpf_map_delete_elem(void *map, const void *key)
{
	return 0;
}

static inline __u64 bpf_ktime_get_ns(void)
{
	return 1;
}

static inline void *bpf_ringbuf_reserve(void *ringbuf, __u64 size, __u64 flags)
{
	return NULL;
}

static inline void bpf_ringbuf_submit(void *data, __u64 flags)
{
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

struct eg_user_ctx {
	const __u8 *data;
	__u32 len;
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
	return 0;
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
