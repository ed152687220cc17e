// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include "egressgate.h"
#include "format.h"

void eg_buf_printf(struct eg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < room) {
			b->len += n;
			return;
		}
		size_t ncap = (b->cap ? b->cap : 256);
		while (ncap < b->len + n + 1)
			ncap *= 2;
		char *np = realloc(b->p, ncap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
}

void eg_buf_json_str(struct eg_buf *b, const char *s)
{
	eg_buf_printf(b, "\"");
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			eg_buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			eg_buf_printf(b, "\\u%04x", c);
		else
			eg_buf_printf(b, "%c", c);
	}
	eg_buf_printf(b, "\"");
}

void eg_buf_free(struct eg_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static const char *const verdict_names[EG_V_MAX] = {
	[EG_V_PASS] = "pass",		[EG_V_ALLOW] = "allow",
	[EG_V_MONITOR] = "monitor",	[EG_V_DROP] = "drop",
	[EG_V_REJECT] = "reject",	[EG_V_WOULD_DROP] = "would-drop",
	[EG_V_WOULD_REJECT] = "would-reject",
};

static const char *const reason_names[EG_R_MAX] = {
	[EG_R_NONE] = "none",
	[EG_R_RULE_BLOCK] = "rule-block",
	[EG_R_RULE_DROP] = "rule-drop",
	[EG_R_DEFAULT_DENY] = "default-deny",
	[EG_R_UNPARSEABLE] = "unparseable",
	[EG_R_TRUNC_L2] = "truncated-l2",
	[EG_R_VLAN_DEPTH] = "vlan-too-deep",
	[EG_R_TRUNC_L3] = "truncated-l3",
	[EG_R_BAD_L3] = "bad-l3-header",
	[EG_R_V6_EXT_DEPTH] = "ipv6-ext-too-deep",
	[EG_R_TRUNC_L4] = "truncated-l4",
	[EG_R_BAD_L4] = "bad-l4-header",
	[EG_R_REJECT_FAILED] = "reject-failed",
	[EG_R_DNS_BAD] = "dns-unreadable",
	[EG_R_DNS_POINTER] = "dns-pointer-in-query",
	[EG_R_NAME_BAD] = "name-invalid",
	[EG_R_TLS_STATE] = "tls-hello-unfollowed",
	[EG_R_TLS_BAD] = "tls-hello-unreadable",
	[EG_R_HTTP_STATE] = "http-head-too-long",
	[EG_R_QUIC] = "quic-blocked",
	[EG_R_FLOW_BLOCKED] = "flow-blocked",
};

const char *eg_name_src_name(int s)
{
	static const char *const names[EG_NSRC_MAX] = {
		[EG_NSRC_NONE] = "", [EG_NSRC_DNS] = "dns", [EG_NSRC_DNS_TCP] = "dns-tcp",
		[EG_NSRC_SNI] = "sni", [EG_NSRC_HTTP] = "http", [EG_NSRC_LEARNED] = "learned",
	};

	return s >= 0 && s < EG_NSRC_MAX ? names[s] : "?";
}

const char *eg_verdict_name(int v)
{
	return v >= 0 && v < EG_V_MAX ? verdict_names[v] : "?";
}

const char *eg_reason_name(int r)
{
	return r >= 0 && r < EG_R_MAX && reason_names[r] ? reason_names[r] : "?";
}

const char *eg_stat_name(int s)
{
	switch (s) {
	case EG_S_PACKETS:
		return "packets";
	case EG_S_NOT_IP:
		return "not-ip";
	case EG_S_EVENTS_LOST:
		return "events-lost";
	case EG_S_NDP:
		return "ndp-passed";
	case EG_S_RULE_STATS_FULL:
		return "rule-stats-full";
	case EG_S_LEARNED:
		return "learned";
	case EG_S_LEARNED_FULL:
		return "learned-full";
	default:
		if (s >= EG_S_V_BASE && s < EG_S_V_BASE + EG_V_MAX)
			return eg_verdict_name(s - EG_S_V_BASE);
		return "?";
	}
}

const char *eg_proto_name(int proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	case 0:
		return "unknown";
	default:
		snprintf(buf, len, "%d", proto);
		return buf;
	}
}

void eg_time_format(__u64 ns, char *buf, size_t len)
{
	time_t s = ns / 1000000000ULL;
	struct tm tm;
	char d[32];

	gmtime_r(&s, &tm);
	strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06lluZ", d, (unsigned long long)(ns % 1000000000ULL) / 1000);
}
