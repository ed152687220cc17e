/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TLS ClientHello (RFC 8446 4.1.2; RFC 5246 7.4.1.2 for 1.2 and older): the
 * server_name extension (RFC 6066 3) is found wherever it sits among the
 * extensions, GREASE ones (RFC 8701) walked over like any other.
 *
 * Encrypted Client Hello: the outer ClientHello's server_name, the public
 * name of the client-facing server, is what is read and matched. The name
 * the client really asks for is encrypted in the inner ClientHello and is
 * never seen here.
 */
#ifndef EG_TLS_H
#define EG_TLS_H

#include "eg/flow.h"

#define EG_TLS_CLIENT_HELLO 1 /* HandshakeType */
#define EG_TLS_EXT_SNI 0      /* ExtensionType server_name */
#define EG_TLS_SNI_HOST 0     /* NameType host_name */

/*
 * Do the first n (1..16) bytes of a segment start a ClientHello? A handshake
 * record header (type 22, major version 3; any minor, as servers take any),
 * then a ClientHello (type 1) of less than 3 * 65536 bytes. Fewer bytes are
 * taken on what they show: a client may send its first byte alone.
 *
 * Any segment, not only a flow's first, that starts this way is read: there
 * is no connection tracking. A segment of other traffic (encrypted bytes
 * look random) starts so about once in 2^30, and is then taken for no
 * ClientHello at its first fields (EG_P_NOT) all but once in 2^5 more.
 */
static __always_inline bool eg_tls_starts(const __u8 *b, __u32 n)
{
	if (b[0] != EG_TLS_HANDSHAKE)
		return false;
	if (n >= 2 && b[1] != 3)
		return false;
	if (n >= 6 && b[5] != EG_TLS_CLIENT_HELLO)
		return false;
	return n < 7 || b[6] <= 2;
}

/*
 * Are the bytes up to at collected? 0 if so, else EG_P_MORE, or why not:
 * past the end of what holds the field, `past` (EG_P_NOT in the fixed
 * fields, where a server would refuse the message too; -EG_R_TLS_BAD
 * further on), past the bound -EG_R_TLS_STATE.
 */
static __always_inline int eg_tls_need(__u32 at, __u32 have, __u32 end, int past)
{
	if (at > end)
		return past;
	if (at <= have)
		return 0;
	return have >= EG_L7_BUF ? -EG_R_TLS_STATE : EG_P_MORE;
}

/* The server_name extension's data at off (len bytes): its host_name. */
static __always_inline int eg_tls_sni(struct eg_collect *c, struct eg_scratch *s, __u32 off,
				      __u32 len, __u32 have, __u32 ext_end)
{
	__u32 nlen;
	int ret;

	ret = eg_tls_need(off + len, have, ext_end, -EG_R_TLS_BAD);
	if (ret)
		return ret;
	/* ServerNameList: its length, then (name_type, length, name); host_name first. */
	if (len < 5 || eg_c16(c, off) + 2 != len || eg_c8(c, off + 2) != EG_TLS_SNI_HOST)
		return -EG_R_TLS_BAD;
	nlen = eg_c16(c, off + 3);
	if (5 + nlen > len)
		return -EG_R_TLS_BAD;
	return eg_collect_name(c, s, off + 5, nlen);
}

/*
 * Walk the ClientHello in c (handshake bytes, record headers out) to its
 * server_name. Returns as the parsers of eg/flow.h do: a name's length, 0
 * without one, EG_P_MORE, EG_P_NOT, or a negative reason. Global: verified
 * once.
 */
__noinline int eg_tls_parse(struct eg_collect *c, struct eg_scratch *s)
{
	__u32 have, end, off, ext_end, len, i;
	int ret;

	if (!c || !s)
		return -EG_R_TLS_BAD;
	have = c->have; /* at most EG_L7_BUF; every read is masked all the same */
	if (have < 4)
		return EG_P_MORE;
	if (eg_c8(c, 0) != EG_TLS_CLIENT_HELLO)
		return EG_P_NOT;
	end = 4 + (eg_c8(c, 1) << 16 | eg_c16(c, 2));

	/*
	 * The fixed fields: what breaks them makes no ClientHello a server
	 * would take either, so it is no ClientHello here (judged on the
	 * address); what breaks the extensions fails closed.
	 */
	off = 4 + 2 + 32; /* legacy_version, random */
	ret = eg_tls_need(off + 1, have, end, EG_P_NOT);
	if (ret)
		return ret;
	len = eg_c8(c, off); /* legacy_session_id */
	if (len > 32)
		return EG_P_NOT;
	off += 1 + len;
	ret = eg_tls_need(off + 2, have, end, EG_P_NOT);
	if (ret)
		return ret;
	len = eg_c16(c, off); /* cipher_suites */
	if (len < 2 || (len & 1))
		return EG_P_NOT;
	off += 2 + len;
	ret = eg_tls_need(off + 1, have, end, EG_P_NOT);
	if (ret)
		return ret;
	len = eg_c8(c, off); /* legacy_compression_methods */
	if (!len)
		return EG_P_NOT;
	off += 1 + len;
	if (off == end)
		return 0; /* no extensions at all: TLS 1.2 and older may leave them out */
	ret = eg_tls_need(off + 2, have, end, EG_P_NOT);
	if (ret)
		return ret;
	ext_end = off + 2 + eg_c16(c, off);
	if (ext_end > end)
		return -EG_R_TLS_BAD;
	off += 2;

	for (i = 0; i < EG_TLS_MAX_EXT; i++) {
		if (off >= ext_end)
			return 0; /* no server_name */
		ret = eg_tls_need(off + 4, have, ext_end, -EG_R_TLS_BAD);
		if (ret)
			return ret;
		len = eg_c16(c, off + 2);
		if (eg_c16(c, off) == EG_TLS_EXT_SNI)
			return eg_tls_sni(c, s, off + 4, len, have, ext_end);
		off += 4 + len;
		if (off > ext_end)
			return -EG_R_TLS_BAD;
	}
	return off >= ext_end ? 0 : -EG_R_TLS_STATE; /* more extensions than walked */
}

#endif /* EG_TLS_H */
