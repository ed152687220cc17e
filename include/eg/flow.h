/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TCP flows judged by their first bytes. A TLS ClientHello or an HTTP
 * request head is read into a struct eg_collect; when one segment does not
 * hold it whole (post-quantum key shares push a ClientHello past one MSS),
 * the bytes move to eg_collect, keyed by the flow, and later segments are
 * appended in sequence until the name shows. Those first segments pass on
 * their address meanwhile. The bytes kept are bounded (EG_L7_BUF): a flow
 * that goes past the bound without a name fails closed, as does one whose
 * collection finds no room.
 *
 * eg_flows remembers the flows blocked by name: their later segments carry
 * no name, and are dropped on that memory.
 */
#ifndef EG_FLOW_H
#define EG_FLOW_H

#include "eg/maps.h"
#include "eg/match.h"
#include "eg/parse.h"

/*
 * Payload kinds beyond enum eg_l7_kind (eg/match.h), numbered apart from it
 * so that the two lists can grow on their own.
 */
enum {
	EG_L7_TLS = 16,     /* a TLS ClientHello, or the start of one */
	EG_L7_HTTP,         /* an HTTP request head, or the start of one */
	EG_L7_REORDER,      /* a segment past a gap in a collection: dropped, not remembered */
	EG_L7_FLOW_BLOCKED, /* a segment of a flow already blocked by name */
	EG_L7_QUIC,         /* a QUIC long-header packet to UDP/443 */
};

/*
 * What a parser of collected bytes returns: the length (1..EG_NAME_MAX) of
 * the name written to scratch->text, 0 for a message without a name,
 * EG_P_MORE when the name may lie in bytes not collected yet, EG_P_NOT when
 * the bytes turn out not to be what they looked like (judged on the address
 * alone), or a negative enum eg_reason.
 */
#define EG_P_MORE 0x10000
#define EG_P_NOT 0x20000

#define EG_L7_MASK (EG_L7_BUF - 1)

/* A byte at off of the collected bytes; off is masked, callers check it against have. */
static __always_inline __u32 eg_c8(const struct eg_collect *c, __u32 off)
{
	return c->data[off & EG_L7_MASK];
}

static __always_inline __u32 eg_c16(const struct eg_collect *c, __u32 off)
{
	return eg_c8(c, off) << 8 | eg_c8(c, off + 1);
}

static __always_inline void eg_flow_key_of(const struct eg_pkt *p, struct eg_flow_key *k)
{
	eg_addr_copy(k->saddr, p->saddr, p->family);
	eg_addr_copy(k->daddr, p->daddr, p->family);
	k->sport = p->sport;
	k->dport = p->dport;
	k->family = p->family;
	__builtin_memset(k->pad, 0, sizeof(k->pad));
}

#define EG_EEXIST 17 /* Linux's EEXIST: BPF programs have no errno.h */

static __always_inline __u32 eg_flow_slot(const struct eg_flow_key *k)
{
	return eg_flow_slot_of(k->saddr, k->daddr, k->sport, k->dport, k->family);
}

static __always_inline bool eg_flow_slot_used(__u32 slot)
{
	__u32 *v = bpf_map_lookup_elem(&eg_flow_hint, &slot);

	return !v || *v;
}

static __always_inline void eg_flow_hint_add(const struct eg_flow_key *k, int n)
{
	__u32 slot = eg_flow_slot(k);
	__u32 *v = bpf_map_lookup_elem(&eg_flow_hint, &slot);

	if (v)
		__sync_fetch_and_add(v, n);
}

/* False when neither eg_flows nor eg_collect can hold the flow: no lookup needed. */
static __always_inline bool eg_flow_maybe(const struct eg_flow_key *k)
{
	return eg_flow_slot_used(eg_flow_slot(k));
}

/* eg_flow_maybe() for the flow of a packet, without making its key. */
static __always_inline bool eg_flow_maybe_pkt(const struct eg_pkt *p)
{
	return eg_flow_slot_used(eg_flow_slot_of(p->saddr, p->daddr, p->sport, p->dport,
						 p->family));
}

/* Delete a flow's entry from map (eg_flows or eg_collect), and its count. */
static __always_inline void eg_flow_del(void *map, const struct eg_flow_key *k)
{
	if (!bpf_map_delete_elem(map, k))
		eg_flow_hint_add(k, -1);
}

/* Add a flow's entry, counted first; one already there is replaced, not counted again. */
static __always_inline long eg_flow_put(void *map, const struct eg_flow_key *k, const void *v)
{
	long err;

	eg_flow_hint_add(k, 1);
	err = bpf_map_update_elem(map, k, v, BPF_NOEXIST);
	if (err == -EG_EEXIST)
		err = bpf_map_update_elem(map, k, v, BPF_EXIST);
	else if (!err)
		return 0;
	eg_flow_hint_add(k, -1);
	return err;
}

/* Drop all that is known of a flow. */
static __always_inline void eg_flow_forget(const struct eg_flow_key *k)
{
	if (!eg_flow_maybe(k))
		return;
	eg_flow_del(&eg_collect, k);
	eg_flow_del(&eg_flows, k);
}

/*
 * A verdict dropped or reset a flow on its first bytes: what was collected
 * goes, and when its name decided (or could not be read) the flow is
 * remembered, so that its later segments, which carry no name, are dropped
 * too. When its address decided, the address judges every segment anyway.
 */
static __always_inline void eg_flow_close(const struct eg_pkt *p, const struct eg_decision *d,
					  bool by_name)
{
	struct eg_flow f = {
		.state = EG_FLOW_BLOCKED,
		.action = d->action,
		.reason = d->reason,
		.name_src = d->name_src,
		.rule_id = d->rule_id,
	};
	struct eg_flow_key k;

	eg_flow_key_of(p, &k);
	if (eg_flow_maybe(&k))
		eg_flow_del(&eg_collect, &k);
	if (!by_name)
		return;
	f.ts_ns = bpf_ktime_get_ns();
	/* Best effort: the reset has already ended the connection at the client. */
	eg_flow_put(&eg_flows, &k, &f);
}

static __always_inline void eg_collect_init(struct eg_collect *c, __u8 kind, __u32 seq)
{
	c->ts_ns = bpf_ktime_get_ns();
	c->next_seq = seq;
	c->have = 0;
	c->need = EG_L7_BUF;
	c->rec_left = 0;
	c->kind = kind;
	c->hdr_have = 0;
	c->records = 0;
}

#define EG_TLS_HANDSHAKE 22 /* TLS record content type */
#define EG_TLS_REC_HDR 5
#define EG_TLS_REC_MAX 16384 /* TLSPlaintext.length, RFC 8446 5.1 */

/*
 * A TLS record header is complete in c->hdr: take it. The first one decides
 * whether this is TLS at all; a later one that is not a handshake record
 * breaks the ClientHello.
 */
static __always_inline int eg_collect_record(struct eg_collect *c)
{
	__u32 len = (__u32)c->hdr[3] << 8 | c->hdr[4];
	bool first = !c->records;

	c->hdr_have = 0;
	if (c->hdr[0] != EG_TLS_HANDSHAKE || c->hdr[1] != 3 || len > EG_TLS_REC_MAX)
		return first ? EG_P_NOT : -EG_R_TLS_BAD;
	if (++c->records > EG_TLS_MAX_RECORDS)
		return -EG_R_TLS_STATE;
	/* An empty record adds nothing; it is skipped, as it adds nothing for the server either. */
	c->rec_left = len;
	return 0;
}

/*
 * One step of eg_collect_fill(): take up to one chunk (or the rest of a TLS
 * record header) from the packet at off, where left (> 0) bytes remain.
 * Returns the bytes taken, 0 when nothing more is wanted (the message is
 * complete or EG_L7_BUF bytes are kept), EG_P_NOT, or a negative reason.
 * Global: its branches are verified once, not at every step.
 */
__noinline int eg_collect_step(struct eg_ctx *ctx, struct eg_collect *c, __u32 off, __u32 left)
{
	__u32 have, n;
	int ret;

	if (!c)
		return -EG_R_TLS_STATE;
	have = c->have;
	if (have >= c->need || have >= EG_L7_BUF)
		return 0;
	if (c->kind == EG_L7_TLS && !c->rec_left) {
		__u32 hh = c->hdr_have;

		if (hh >= EG_TLS_REC_HDR)
			return -EG_R_TLS_STATE;
		n = EG_TLS_REC_HDR - hh;
		if (n > left)
			n = left;
		eg_mask(hh, 7);
		n -= 1;
		eg_mask(n, 7);
		n += 1; /* 1..8, into hdr[0..15] */
		if (eg_load_bytes(ctx, off, &c->hdr[hh], n))
			return -EG_R_TRUNC_L4; /* less in the frame than its IP header says */
		c->hdr_have = hh + n;
		if (hh + n < EG_TLS_REC_HDR)
			return n; /* the header goes on in the next segment */
		ret = eg_collect_record(c);
		return ret ? ret : (int)n;
	}
	n = left;
	if (n > c->need - have)
		n = c->need - have;
	if (c->kind == EG_L7_TLS && n > c->rec_left)
		n = c->rec_left;
	if (n > EG_L7_CHUNK)
		n = EG_L7_CHUNK;
	if (!n)
		return 0;
	eg_mask(have, 0xfff); /* EG_L7_MASK */
	n -= 1;
	eg_mask(n, 0x1ff);    /* EG_L7_CHUNK - 1 */
	n += 1;
	if (eg_load_bytes(ctx, off, &c->data[have], n))
		return -EG_R_TRUNC_L4;
	c->have = have + n;
	if (c->kind == EG_L7_TLS) {
		c->rec_left -= n;
		/* The handshake header says how long the ClientHello is. */
		if (c->need == EG_L7_BUF && have + n >= 4) {
			__u32 need = 4 + (eg_c8(c, 1) << 16 | eg_c16(c, 2));

			c->need = need < EG_L7_BUF ? need : EG_L7_BUF;
		}
	}
	return n;
}

/*
 * Append the TCP payload at [off, off + len) of the packet to c, until the
 * message is complete (c->need) or EG_L7_BUF bytes are kept. TLS record
 * headers are taken out, so a ClientHello split over records reads as one
 * message. Returns 0, EG_P_NOT, or a negative reason. Global: verified once.
 */
__noinline int eg_collect_fill(struct eg_ctx *ctx, struct eg_collect *c, __u32 off, __u32 len)
{
	__u32 i, pos = 0;
	int ret;

	if (!c)
		return -EG_R_TLS_STATE;
	for (i = 0; i < EG_L7_STEPS; i++) {
		if (pos >= len)
			return 0;
		ret = eg_collect_step(ctx, c, off + pos, len - pos);
		if (ret <= 0 || ret >= EG_P_MORE)
			return ret;
		pos += ret;
	}
	/* Bytes left, the message not complete: more steps than the bound. */
	return pos < len && c->have < c->need ? -EG_R_TLS_STATE : 0;
}

_Static_assert(EG_L7_BUF == 4096 && EG_L7_CHUNK == 512, "eg_collect_fill masks with these");

#ifndef EG_CTX_USER
/* bpf_for_each_map_elem() over eg_collect: a collection idle too long goes. */
static long eg_collect_expire(void *map, const struct eg_flow_key *k, struct eg_collect *c,
			      void *unused)
{
	if (bpf_ktime_get_ns() - c->ts_ns > EG_COLLECT_TTL_NS)
		eg_flow_del(map, k);
	return 0;
}

static __always_inline void eg_collect_sweep(void)
{
	bpf_for_each_map_elem(&eg_collect, eg_collect_expire, NULL, 0);
}
#else
static inline void eg_collect_sweep(void)
{
	/* eg/user.h: the harness answers lookups; there is no table to walk. */
}
#endif

/*
 * Keep c, a first segment's incomplete message, for the next segments. A
 * full table is swept of idle collections once; still full, the segment
 * fails closed (and TCP sends it again). 0 or -errno.
 */
static __always_inline int eg_collect_keep(const struct eg_flow_key *k, struct eg_collect *c)
{
	if (!eg_flow_put(&eg_collect, k, c))
		return 0;
	eg_collect_sweep();
	return eg_flow_put(&eg_collect, k, c);
}

/*
 * Classes of bytes: one table lookup instead of a chain of tests, so the
 * verifier walks one path per byte where it would walk one per test.
 */
#define EG_C_CR 0x01
#define EG_C_LF 0x02
#define EG_C_OWS 0x04   /* SP, HTAB */
#define EG_C_PATH 0x08  /* '/', '?', '#': the end of an authority */
#define EG_C_AT 0x10    /* '@': the end of a userinfo */
#define EG_C_UPPER 0x20 /* 'A'..'Z'; the bit is 'a' - 'A': or-ing the class lowercases */
#define EG_C_COLON 0x40 /* ':': a port follows */
#define EG_C_HOST 0x80  /* letters, digits, '-', '_': what the labels of a host name hold */
#define EG_C_DOT 0x100  /* '.': between labels */

_Static_assert(EG_C_UPPER == 'a' - 'A', "EG_C_UPPER lowercases");

static const __u16 eg_l7_class[256] = {
	['\r'] = EG_C_CR, ['\n'] = EG_C_LF, [' '] = EG_C_OWS, ['\t'] = EG_C_OWS,
	['/'] = EG_C_PATH, ['?'] = EG_C_PATH, ['#'] = EG_C_PATH, ['@'] = EG_C_AT,
	[':'] = EG_C_COLON, ['.'] = EG_C_DOT, ['-'] = EG_C_HOST, ['_'] = EG_C_HOST,
	['0' ... '9'] = EG_C_HOST, ['a' ... 'z'] = EG_C_HOST,
	['A' ... 'Z'] = EG_C_HOST | EG_C_UPPER,
};

/* Lowercase without a branch. */
static __always_inline __u32 eg_l7_lower(__u32 ch)
{
	return ch | (eg_l7_class[ch & 0xff] & EG_C_UPPER);
}

/*
 * c->data[off, off + len) is a host name as a client wrote it (SNI, Host):
 * write it to s->text lowercased, one trailing dot dropped. Returns its
 * length, 0 when empty, or -EG_R_NAME_BAD: an empty label, a byte no host
 * name has, more than EG_NAME_MAX characters. Global: verified once.
 */
__noinline int eg_collect_name(struct eg_collect *c, struct eg_scratch *s, __u32 off, __u32 len)
{
	__u32 i;

	if (!c || !s || off > EG_L7_BUF || len > EG_L7_BUF - off)
		return -EG_R_NAME_BAD;
	if (!len)
		return 0;
	if (eg_c8(c, off + len - 1) == '.')
		len--;
	if (!len || len > EG_NAME_MAX || eg_c8(c, off + len - 1) == '.')
		return -EG_R_NAME_BAD;
	for (i = 0; i < EG_NAME_MAX; i++) {
		__u32 ch, cls, prev;

		if (i >= len)
			break;
		ch = eg_c8(c, off + i);
		cls = eg_l7_class[ch];
		prev = i ? eg_l7_class[eg_c8(c, off + i - 1)] : EG_C_DOT;
		/* Not a host byte, or a dot that starts the name or follows another. */
		if (!(cls & (EG_C_HOST | EG_C_DOT)) || (cls & prev & EG_C_DOT))
			return -EG_R_NAME_BAD;
		s->text[i & EG_NAME_MASK] = ch | (cls & EG_C_UPPER);
	}
	return len;
}

#endif /* EG_FLOW_H */
