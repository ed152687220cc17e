/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Context layer: the parse-and-match core reads packets through these, so
 * the same code builds for TC (struct __sk_buff) and XDP (struct xdp_md).
 * An entry file defines EG_CTX_TC or EG_CTX_XDP before including the core.
 */
#ifndef EG_CTX_H
#define EG_CTX_H

#if defined(EG_CTX_USER)
#include "eg/user.h"
#else
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

/*
 * Clamp a length for the verifier: clang drops a plain `x &= mask` when it
 * can prove the bound from earlier code, which the verifier cannot.
 */
#define eg_mask(x, m) asm volatile("%0 &= " #m : "+r"(x))
#endif

#if defined(EG_CTX_USER)
/* eg/user.h has it all. */
#elif defined(EG_CTX_TC)
#define eg_ctx __sk_buff
#define EG_HOOK EG_HOOK_TC_EGRESS
/* Pass lets the next filter or tcx program run, so egressgate composes with others. */
#define EG_RET_PASS TC_ACT_UNSPEC
#define EG_RET_DROP TC_ACT_SHOT

static __always_inline void *eg_data(struct __sk_buff *ctx)
{
	return (void *)(long)ctx->data;
}

static __always_inline void *eg_data_end(struct __sk_buff *ctx)
{
	return (void *)(long)ctx->data_end;
}

static __always_inline __u32 eg_ifindex(struct __sk_buff *ctx)
{
	return ctx->ifindex;
}

static __always_inline __u32 eg_pkt_len(struct __sk_buff *ctx)
{
	return ctx->len;
}

/* Copy len (1..max) bytes at off; 0 or a negative error. */
static __always_inline int eg_load_bytes(struct __sk_buff *ctx, __u32 off, void *to, __u32 len)
{
	return bpf_skb_load_bytes(ctx, off, to, len);
}

/* Headers the parser needs must be in the linear part for direct access. */
static __always_inline int eg_pull(struct __sk_buff *ctx, __u32 len)
{
	/* A frame shorter than len is pulled only when it is not linear already. */
	if (len > ctx->len)
		len = ctx->len;
	if (eg_data(ctx) + len <= eg_data_end(ctx))
		return 0;
	return bpf_skb_pull_data(ctx, len);
}

#elif defined(EG_CTX_XDP)
#define eg_ctx xdp_md
#define EG_HOOK EG_HOOK_XDP
#define EG_RET_PASS XDP_PASS
#define EG_RET_DROP XDP_DROP

static __always_inline void *eg_data(struct xdp_md *ctx)
{
	return (void *)(long)ctx->data;
}

static __always_inline void *eg_data_end(struct xdp_md *ctx)
{
	return (void *)(long)ctx->data_end;
}

static __always_inline __u32 eg_ifindex(struct xdp_md *ctx)
{
	return ctx->ingress_ifindex;
}

static __always_inline __u32 eg_pkt_len(struct xdp_md *ctx)
{
	return (__u32)(ctx->data_end - ctx->data);
}

static __always_inline int eg_pull(struct xdp_md *ctx, __u32 len)
{
	return 0;
}

static __always_inline int eg_load_bytes(struct xdp_md *ctx, __u32 off, void *to, __u32 len)
{
	return bpf_xdp_load_bytes(ctx, off, to, len);
}
#else
#error "define EG_CTX_TC or EG_CTX_XDP before including the egressgate core"
#endif

#endif /* EG_CTX_H */
