/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * HTTP/1.x requests (RFC 9112): the name is the Host header's, or the
 * authority of an absolute-form or authority-form (CONNECT) request target,
 * which a server must use instead of Host (RFC 9112 3.2.2). The port and a
 * trailing dot go; the header name is matched without regard to case.
 */
#ifndef EG_HTTP_H
#define EG_HTTP_H

#include "eg/flow.h"

#define EG_HTTP_METHOD_MAX 16 /* characters of a method */
#define EG_HTTP_SPAN 512      /* bytes a host, a run of blanks or empty lines is looked through */

#define EG_F_NOT 0x8000 /* eg_collect_find(): the first byte outside the classes instead */

#define EG_FIND_NONE -1 /* none before the end given */
#define EG_FIND_LONG -2 /* none within EG_HTTP_SPAN bytes */

static __always_inline bool eg_http_method_char(__u8 ch)
{
	return (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == '-';
}

/*
 * Do the first n (1..16; 8 are looked at) bytes of a segment start an HTTP
 * request? Empty lines (which a server skips, RFC 9112 2.2), then a method:
 * capitals and a space. Bytes that may still grow into one are taken too: a
 * client may send its request a few bytes at a time. The request line is
 * checked later (EG_P_NOT when it is none).
 */
static __always_inline bool eg_http_starts(const __u8 *b, __u32 n)
{
	__u32 i, letters = 0;
	bool lead = true;

#pragma unroll
	for (i = 0; i < 8; i++) {
		__u8 ch = b[i];

		if (i >= n)
			break;
		if (lead && (ch == '\r' || ch == '\n'))
			continue;
		lead = false;
		if (eg_http_method_char(ch)) {
			letters++;
			continue;
		}
		return ch == ' ' && letters >= 3;
	}
	return true;
}

/* The position of the lowest flagged byte of m, a word of data at base. */
__noinline int eg_collect_lf_at(__u64 m, __u32 base, __u32 to)
{
	__u32 k = 0;

	m &= -m;
	if (!(m & 0xffffffffULL)) {
		k += 4;
		m >>= 32;
	}
	if (!(m & 0xffff)) {
		k += 2;
		m >>= 16;
	}
	if (!(m & 0xff))
		k += 1;
	return base + k < to ? (int)(base + k) : EG_FIND_NONE;
}

/*
 * The first '\n' in [from, to) of the collected bytes, or EG_FIND_NONE.
 * Eight bytes at a time: a head of EG_L7_BUF bytes is 512 steps, not 4096.
 * Global: verified once.
 */
__noinline int eg_collect_lf(struct eg_collect *c, __u32 from, __u32 to)
{
	const __u64 ones = 0x0101010101010101ULL, lf = ones * '\n';
	/* The bytes before from, set in the first word: never zero, they borrow nothing. */
	__u64 before = ~(~0ULL << ((from & 7) * 8));
	__u32 i, w = from / 8;

	if (!c || from >= to)
		return EG_FIND_NONE;
	for (i = 0; i < EG_L7_BUF / 8; i++) {
		__u32 base = (w + i) * 8;
		__u64 x, m;

		if (base >= to)
			break;
		x = *(const __u64 *)__builtin_assume_aligned(&c->data[base & (EG_L7_MASK & ~7)], 8);
		x = (x ^ lf) | before;
		before = 0;
		/* A byte of x is zero where data holds '\n'; the lowest flag is exact. */
		m = (x - ones) & ~x & (ones << 7);
		if (m)
			return eg_collect_lf_at(m, base, to);
	}
	return EG_FIND_NONE;
}

/*
 * The first byte in [from, to) of a class in set (with EG_F_NOT: outside
 * them all), EG_FIND_NONE, or EG_FIND_LONG past EG_HTTP_SPAN bytes.
 * Global: verified once.
 */
__noinline int eg_collect_find(struct eg_collect *c, __u32 from, __u32 to, __u32 set)
{
	__u32 i, not = set & EG_F_NOT ? 1 : 0;

	if (!c)
		return EG_FIND_NONE;
	set &= EG_F_NOT - 1;
	for (i = 0; i < EG_HTTP_SPAN; i++) {
		__u32 pos = from + i;

		if (pos >= to)
			return EG_FIND_NONE;
		/* (x + 0xffff) >> 16: 1 when x (below 0x8000) is not 0, without a branch. */
		if ((((eg_l7_class[eg_c8(c, pos)] & set) + 0xffff) >> 16) != not)
			return pos;
	}
	return EG_FIND_LONG;
}

/* The bytes end before what they promise: EG_P_MORE, or the bound is hit. */
static __always_inline int eg_http_more(__u32 have)
{
	return have >= EG_L7_BUF ? -EG_R_HTTP_STATE : EG_P_MORE;
}

/*
 * The host at `at` of the collected bytes (up to `end`): a Host header's
 * value (target 0: blanks before it skipped) or a request target's
 * authority (target 1: it ends at the path or at the blank before the
 * version; a userinfo goes). The port goes; an IPv6 literal is no name (the
 * address is judged). Returns as the parsers of eg/flow.h do. Global:
 * verified once.
 */
__noinline int eg_http_host(struct eg_collect *c, struct eg_scratch *s, __u32 at, __u32 end,
			    __u32 target)
{
	int a = at, e, x;

	if (!c || !s)
		return -EG_R_NAME_BAD;
	if (!target) {
		a = eg_collect_find(c, at, end, EG_C_OWS | EG_F_NOT);
		if (a == EG_FIND_NONE)
			return eg_http_more(end);
		if (a < 0)
			return -EG_R_NAME_BAD;
	}
	e = eg_collect_find(c, a, end, EG_C_CR | EG_C_LF | EG_C_OWS | (target ? EG_C_PATH : 0));
	if (e == EG_FIND_NONE)
		return eg_http_more(end);
	if (e < 0)
		return -EG_R_NAME_BAD; /* longer than any host */
	if (target) {
		x = eg_collect_find(c, a, e, EG_C_AT);
		if (x >= 0)
			a = x + 1;
	}
	if (a < e && eg_c8(c, a) == '[')
		return 0;
	x = eg_collect_find(c, a, e, EG_C_COLON);
	if (x >= 0)
		e = x;
	return eg_collect_name(c, s, a, e - a);
}

/* Four bytes at pos, lowercased, as a little-endian word: one compare, not four branches. */
static __always_inline __u32 eg_http_word(struct eg_collect *c, __u32 pos)
{
	return eg_l7_lower(eg_c8(c, pos)) | eg_l7_lower(eg_c8(c, pos + 1)) << 8 |
	       eg_l7_lower(eg_c8(c, pos + 2)) << 16 | eg_l7_lower(eg_c8(c, pos + 3)) << 24;
}

#define EG_HTTP_WORD(a, b, c, d) \
	((__u32)(a) | (__u32)(b) << 8 | (__u32)(c) << 16 | (__u32)(d) << 24)

/* " HTTP/1.x" ends the request line at e (before its CR, if any)? */
static __always_inline bool eg_http_version(struct eg_collect *c, __u32 e)
{
	__u32 d = eg_c8(c, e - 1);

	return eg_c8(c, e - 9) == ' ' &&
	       eg_http_word(c, e - 8) == EG_HTTP_WORD('h', 't', 't', 'p') &&
	       eg_c8(c, e - 4) == '/' && eg_c8(c, e - 3) == '1' && eg_c8(c, e - 2) == '.' &&
	       d >= '0' && d <= '9';
}

/* "http://" or "https://" at t: its length, else 0. */
static __always_inline __u32 eg_http_scheme(struct eg_collect *c, __u32 t)
{
	__u32 n;

	if (eg_http_word(c, t) != EG_HTTP_WORD('h', 't', 't', 'p'))
		return 0;
	n = eg_l7_lower(eg_c8(c, t + 4)) == 's' ? 5 : 4;
	if (eg_c8(c, t + n) != ':' || eg_c8(c, t + n + 1) != '/' || eg_c8(c, t + n + 2) != '/')
		return 0;
	return n + 3;
}

static __always_inline bool eg_http_connect(struct eg_collect *c, __u32 m)
{
	return eg_c8(c, m) == 'C' && eg_c8(c, m + 1) == 'O' && eg_c8(c, m + 2) == 'N' &&
	       eg_c8(c, m + 3) == 'N' && eg_c8(c, m + 4) == 'E' && eg_c8(c, m + 5) == 'C' &&
	       eg_c8(c, m + 6) == 'T';
}

/* A "Host:" header line at pos (5 bytes collected)? */
static __always_inline bool eg_http_is_host(struct eg_collect *c, __u32 pos)
{
	return eg_http_word(c, pos) == EG_HTTP_WORD('h', 'o', 's', 't') && eg_c8(c, pos + 4) == ':';
}

/*
 * The Host header among the header lines from pos on (EG_HTTP_MAX_LINES at
 * most): where its value starts, 0 when the head ends without one,
 * EG_P_MORE, or a negative reason. Global: verified once.
 */
__noinline int eg_http_find_host(struct eg_collect *c, __u32 pos, __u32 have)
{
	int i, lf;

	if (!c)
		return -EG_R_HTTP_STATE;
	for (i = 0; i < EG_HTTP_MAX_LINES; i++) {
		if (pos + 1 > have)
			return eg_http_more(have);
		if (eg_c8(c, pos) == '\n')
			return 0; /* the end of the head: no Host */
		if (eg_c8(c, pos) == '\r') {
			if (pos + 2 > have)
				return eg_http_more(have);
			if (eg_c8(c, pos + 1) == '\n')
				return 0;
		}
		if (pos + 5 > have)
			return eg_http_more(have);
		if (eg_http_is_host(c, pos))
			return pos + 5;
		lf = eg_collect_lf(c, pos, have);
		if (lf < 0)
			return eg_http_more(have);
		pos = lf + 1;
	}
	return -EG_R_HTTP_STATE; /* more header lines than read */
}

/* What eg_http_parse() returns when it found where the host is. */
#define EG_P_HOST 0x40000
#define EG_P_TARGET 0x80000 /* in the request target, not a Host header */
#define EG_P_AT 0x1fff      /* the offset (below EG_L7_BUF) */

/*
 * The request head in c: its request line must be "method SP target SP
 * HTTP/1.x", else these bytes are no request (EG_P_NOT). Then the target's
 * authority, or the Host header among the first EG_HTTP_MAX_LINES lines.
 * Returns where the host is (EG_P_HOST, EG_P_TARGET, the offset), 0 when the
 * head has none, EG_P_MORE, EG_P_NOT or a negative reason. The caller reads
 * the host with eg_http_host(), not this function: each call deeper costs
 * stack. Global: verified once.
 */
__noinline int eg_http_parse(struct eg_collect *c)
{
	int start, lf, e, m, t;
	__u32 have, n;

	if (!c)
		return -EG_R_HTTP_STATE;
	have = c->have; /* at most EG_L7_BUF; every read is masked all the same */
	start = eg_collect_find(c, 0, have, EG_C_CR | EG_C_LF | EG_F_NOT);
	if (start == EG_FIND_NONE)
		return eg_http_more(have);
	if (start < 0)
		return -EG_R_HTTP_STATE; /* more empty lines than looked through */
	lf = eg_collect_lf(c, start, have);
	if (lf < 0)
		return eg_http_more(have);
	e = lf;
	if (e > start && eg_c8(c, e - 1) == '\r')
		e--;
	if (e < start + 12 || !eg_http_version(c, e))
		return EG_P_NOT;
	m = eg_collect_find(c, start, e, EG_C_OWS);
	if (m <= start || m - start > EG_HTTP_METHOD_MAX)
		return EG_P_NOT;
	t = eg_collect_find(c, m, e, EG_C_OWS | EG_F_NOT);
	if (t < 0)
		return EG_P_NOT;
	if (eg_c8(c, t) != '/' && eg_c8(c, t) != '*') {
		if (m - start == 7 && eg_http_connect(c, start))
			return EG_P_HOST | EG_P_TARGET | t;
		n = eg_http_scheme(c, t);
		if (n)
			return EG_P_HOST | EG_P_TARGET | (t + n);
	}
	t = eg_http_find_host(c, lf + 1, have);
	if (t <= 0 || t >= EG_P_MORE)
		return t;
	if ((__u32)t >= have)
		return eg_http_more(have); /* "Host:" ends what is collected */
	return EG_P_HOST | t;
}

#endif /* EG_HTTP_H */
