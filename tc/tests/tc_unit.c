// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the classifier: every case of a fixture file (written by
 * gen_fixtures.py) installs a policy, feeds one frame through eg_tc_egress
 * with BPF_PROG_TEST_RUN and checks the return code, the output bytes, the
 * counters, the per-rule hits and the ring buffer event. Nothing is
 * attached and nothing is pinned: the maps live and die with this process.
 *
 * Verdict parity: every case runs through the XDP build, eg_xdp_guard, as
 * well, and must hold there too. The XDP object shares the TC object's maps
 * (as egressd shares them through the pins), so one install serves both;
 * the return code is translated (TC_ACT_UNSPEC -> XDP_PASS, TC_ACT_SHOT ->
 * XDP_DROP, TC_ACT_REDIRECT -> XDP_TX), everything else must be the same,
 * but for the event's hook. Under test run XDP_TX is returned as is, and
 * the frame's ingress device is the loopback, as the skb's device is at TC.
 * A case whose result must differ at XDP by design is listed in
 * xdp_differs[], with why; none is today.
 *
 * BPF_PROG_TEST_RUN refuses SCHED_CLS input shorter than ETH_HLEN, so a
 * frame cut inside the Ethernet header cannot be tested here. Under test
 * run the skb belongs to the loopback device, and bpf_redirect() only
 * records the target: the program's TC_ACT_REDIRECT is returned as is.
 * No process sends these frames and the attribution programs are not
 * loaded, so every event's owner must be zero.
 *
 * Name rules are keyed by eg_name_hash() under a name seed drawn at random
 * once per run and printed first (EG_NAME_SEED=0x... replays a run), so a
 * case can never pass by a fixed hash.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <arpa/inet.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "egressgate.h"
#include "eg/name.h"
#include "addr.h"
#include "log.h"
#include "egress.skel.h"
#include "guard.skel.h"

#define MAX_FRAME 2048
#define MAX_RULES 32
#define MAX_CFG_FIELDS 32
#define MAX_EVENTS 8
#define MSG_LEN 8192
#define LOOPBACK_IFINDEX 1

/* Which slots of a name key a rule fills (policy `name`, `*.name`, `=name`). */
enum {
	NAME_EXACT = 1 << 0,
	NAME_SUB = 1 << 1,
};

struct tc_rule {
	struct eg_prefix pfx;
	int slots;                  /* 0: a prefix rule; else NAME_*: a name rule */
	char name[EG_NAME_MAX + 1]; /* lowercased, no trailing dot */
	__u32 id;
	__u8 action;
};

/* Which fields of the expected event the fixture gave. */
enum {
	EV_VERDICT = 1 << 0,
	EV_ACTION = 1 << 1,
	EV_REASON = 1 << 2,
	EV_RULE = 1 << 3,
	EV_LEN = 1 << 4,
	EV_FLAGS = 1 << 5,
	EV_SADDR = 1 << 6,
	EV_DADDR = 1 << 7,
	EV_PROTO = 1 << 8,
	EV_SPORT = 1 << 9,
	EV_DPORT = 1 << 10,
	EV_TCPFLAGS = 1 << 11,
};

struct tc_case {
	char name[128];
	struct eg_config cfg;
	struct tc_rule rules[MAX_RULES];
	int nr_rules;
	__u16 dns_ports[EG_MAX_DNS_PORTS];
	int nr_dns_ports;
	__u8 in[MAX_FRAME];
	__u32 in_len;
	int ret;
	int verdict; /* -1: no verdict is counted */
	int stat;    /* extra enum eg_stat counted once, -1: none */
	__u64 reasons[EG_R_MAX];
	__u32 rule_id;
	bool has_event;
	unsigned int ev_mask;
	struct eg_event ev;
	__u8 out[MAX_FRAME];
	__u32 out_len; /* 0: the output must be the input */
};

/* What one case found wrong, as "what (expected X, got Y)" clauses. */
struct tc_result {
	char msg[MSG_LEN];
	size_t len;
	int nr_fail;
};

static void failf(struct tc_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void failf(struct tc_result *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len + 8 >= sizeof(r->msg))
		goto out;
	if (r->nr_fail)
		r->len += snprintf(r->msg + r->len, sizeof(r->msg) - r->len, "; ");
	va_start(ap, fmt);
	n = vsnprintf(r->msg + r->len, sizeof(r->msg) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += n;
	if (r->len >= sizeof(r->msg))
		r->len = sizeof(r->msg) - 1;
out:
	r->nr_fail++;
}

#define ASSERT_EQ(res, got, exp, what, ...)                                                  \
	({                                                                                   \
		long long ___got = (got), ___exp = (exp);                                    \
		bool ___ok = ___got == ___exp;                                               \
		if (!___ok)                                                                  \
			failf(res, what " (expected %lld, got %lld)", ##__VA_ARGS__, ___exp, \
			      ___got);                                                       \
		___ok;                                                                       \
	})

/* Like ASSERT_EQ for enum values: the message names them (see eg_names). */
#define ASSERT_ENUM(res, got, exp, prefix, what)                                                 \
	({                                                                                       \
		long ___got = (got), ___exp = (exp);                                             \
		bool ___ok = ___got == ___exp;                                                   \
		if (!___ok)                                                                      \
			failf(res, what " (expected %s, got %s)", eg_name_of(prefix, ___exp, 0), \
			      eg_name_of(prefix, ___got, 1));                                    \
		___ok;                                                                           \
	})

#define ASSERT_OK(res, err, what, ...)                                                    \
	({                                                                                \
		int ___err = (err);                                                       \
		if (___err)                                                               \
			failf(res, what " failed: %s", ##__VA_ARGS__, strerror(-___err)); \
		!___err;                                                                  \
	})

/* Enum names the fixture uses, resolved against the shared header. */
struct eg_name {
	const char *name;
	long value;
};

/* clang-format off */
#define N(x) { #x, x }
static const struct eg_name eg_names[] = {
	N(TC_ACT_UNSPEC), N(TC_ACT_OK), N(TC_ACT_SHOT), N(TC_ACT_REDIRECT),
	N(XDP_ABORTED), N(XDP_DROP), N(XDP_PASS), N(XDP_TX), N(XDP_REDIRECT),
	N(EG_HOOK_TC_EGRESS), N(EG_HOOK_XDP),
	N(EG_ACT_NONE), N(EG_ACT_ALLOW), N(EG_ACT_MONITOR), N(EG_ACT_DROP), N(EG_ACT_BLOCK),
	N(EG_V_PASS), N(EG_V_ALLOW), N(EG_V_MONITOR), N(EG_V_DROP), N(EG_V_REJECT),
	N(EG_V_WOULD_DROP), N(EG_V_WOULD_REJECT),
	N(EG_R_NONE), N(EG_R_RULE_BLOCK), N(EG_R_RULE_DROP), N(EG_R_DEFAULT_DENY),
	N(EG_R_UNPARSEABLE), N(EG_R_TRUNC_L2), N(EG_R_VLAN_DEPTH), N(EG_R_TRUNC_L3),
	N(EG_R_BAD_L3), N(EG_R_V6_EXT_DEPTH), N(EG_R_TRUNC_L4), N(EG_R_BAD_L4),
	N(EG_R_REJECT_FAILED), N(EG_R_DNS_BAD), N(EG_R_DNS_POINTER), N(EG_R_NAME_BAD),
	N(EG_NSRC_NONE), N(EG_NSRC_DNS), N(EG_NSRC_DNS_TCP), N(EG_NSRC_SNI), N(EG_NSRC_HTTP),
	N(EG_NSRC_LEARNED),
	N(EG_S_PACKETS), N(EG_S_NOT_IP), N(EG_S_EVENTS_LOST), N(EG_S_NDP),
	N(EG_S_RULE_STATS_FULL),
};
#undef N
/* clang-format on */

/* The name of value among the names starting with prefix, else the number. */
static const char *eg_name_of(const char *prefix, long value, int slot)
{
	static char num[2][24];
	size_t i;

	for (i = 0; i < sizeof(eg_names) / sizeof(eg_names[0]); i++) {
		if (eg_names[i].value == value &&
		    !strncmp(eg_names[i].name, prefix, strlen(prefix)))
			return eg_names[i].name;
	}
	snprintf(num[slot], sizeof(num[slot]), "%ld", value);
	return num[slot];
}

/* A name that starts with prefix, or a number; -EINVAL otherwise. */
static int eg_name_value(const char *s, const char *prefix, long *val)
{
	size_t i;
	char *end;

	for (i = 0; i < sizeof(eg_names) / sizeof(eg_names[0]); i++) {
		if (!strcmp(s, eg_names[i].name) && !strncmp(s, prefix, strlen(prefix))) {
			*val = eg_names[i].value;
			return 0;
		}
	}
	errno = 0;
	*val = strtol(s, &end, 0);
	if (!*s || *end || errno)
		return -EINVAL;
	return 0;
}

static int hex_decode(const char *s, __u8 *buf, size_t cap, __u32 *len)
{
	size_t n = strlen(s), i;
	unsigned int b;

	if (n % 2 || n / 2 > cap)
		return -EINVAL;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -EINVAL;
		buf[i] = b;
	}
	*len = n / 2;
	return 0;
}

static void hex_encode(const __u8 *buf, __u32 len, char *out, size_t cap)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < len && 2 * i + 3 <= cap; i++)
		snprintf(out + 2 * i, 3, "%02x", buf[i]);
}

static int parse_action(const char *s, __u8 *action)
{
	static const char *const acts[] = {
		[EG_ACT_ALLOW] = "allow",
		[EG_ACT_MONITOR] = "monitor",
		[EG_ACT_DROP] = "drop",
		[EG_ACT_BLOCK] = "block",
	};
	int i;

	for (i = EG_ACT_ALLOW; i < EG_ACT_MAX; i++) {
		if (!strcmp(s, acts[i])) {
			*action = i;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * "github.com" (the name and its subtree), "*.github.com" (the subtree only),
 * "=github.com" (the name only) into r.
 */
static int parse_name_pattern(const char *s, struct tc_rule *r, char *err, size_t errlen)
{
	size_t i, n;

	r->slots = NAME_EXACT | NAME_SUB;
	if (!strncmp(s, "*.", 2)) {
		r->slots = NAME_SUB;
		s += 2;
	} else if (s[0] == '=') {
		r->slots = NAME_EXACT;
		s++;
	}
	n = strlen(s);
	if (!n || n > EG_NAME_MAX || s[0] == '.' || s[n - 1] == '.' || strstr(s, "..")) {
		snprintf(err, errlen, "bad name '%s' (1 to %d characters, no empty label)", s,
			 EG_NAME_MAX);
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		r->name[i] = eg_lower((__u8)s[i]);
	r->name[n] = '\0';
	return 0;
}

/*
 * "block:203.0.113.0/24:10,allow:2001:db8::/32:11,block:name:*.github.com:12":
 * action:prefix:id or action:name:pattern:id.
 */
static int parse_rules(char *s, struct tc_case *c, char *err, size_t errlen)
{
	char *save, *tok, *first, *last;
	struct tc_rule *r;
	char *end;

	if (!strcmp(s, "-"))
		return 0;
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (c->nr_rules == MAX_RULES) {
			snprintf(err, errlen, "more than %d rules", MAX_RULES);
			return -EINVAL;
		}
		r = &c->rules[c->nr_rules++];
		first = strchr(tok, ':');
		last = strrchr(tok, ':');
		if (!first || first == last) {
			snprintf(err, errlen, "rule '%s' is not action:prefix:id or action:name:pattern:id",
				 tok);
			return -EINVAL;
		}
		*first = *last = '\0';
		if (parse_action(tok, &r->action)) {
			snprintf(err, errlen, "unknown action '%s'", tok);
			return -EINVAL;
		}
		if (!strncmp(first + 1, "name:", 5)) {
			if (parse_name_pattern(first + 6, r, err, errlen))
				return -EINVAL;
		} else if (eg_prefix_parse(first + 1, &r->pfx, err, errlen)) {
			return -EINVAL;
		}
		errno = 0;
		r->id = strtoul(last + 1, &end, 10);
		if (!last[1] || *end || errno || !r->id) {
			snprintf(err, errlen, "bad rule id '%s'", last + 1);
			return -EINVAL;
		}
	}
	return 0;
}

/* "cfg:dns_rcode=3", "cfg:quic_block=1", "cfg:dns_port=5353" (repeatable). */
static int parse_cfg(const char *s, struct tc_case *c, char *err, size_t errlen)
{
	const char *val;
	unsigned long v;
	char *end;

	if (strncmp(s, "cfg:", 4) || !(val = strchr(s, '='))) {
		snprintf(err, errlen, "trailing field '%s' is not cfg:KEY=VALUE", s);
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(val + 1, &end, 0);
	if (!val[1] || *end || errno) {
		snprintf(err, errlen, "bad value in '%s'", s);
		return -EINVAL;
	}
	s += 4;
	if (!strncmp(s, "dns_rcode=", 10)) {
		if (v != EG_DNS_REFUSED && v != EG_DNS_NXDOMAIN)
			goto range;
		c->cfg.dns_rcode = v;
	} else if (!strncmp(s, "quic_block=", 11)) {
		if (v > 1)
			goto range;
		c->cfg.quic_block = v;
	} else if (!strncmp(s, "dns_port=", 9)) {
		if (!v || v > 0xffff)
			goto range;
		if (c->nr_dns_ports == EG_MAX_DNS_PORTS) {
			snprintf(err, errlen, "more than %d dns_port fields", EG_MAX_DNS_PORTS);
			return -EINVAL;
		}
		c->dns_ports[c->nr_dns_ports++] = v;
	} else {
		snprintf(err, errlen, "unknown setting 'cfg:%s' (dns_rcode, quic_block, dns_port)", s);
		return -EINVAL;
	}
	return 0;
range:
	snprintf(err, errlen, "value out of range in 'cfg:%s'", s);
	return -EINVAL;
}

static int parse_event(char *s, struct tc_case *c, char *err, size_t errlen)
{
	char *save, *tok, *val;
	struct eg_event *e = &c->ev;
	const char *prefix;
	long v;

	if (!strcmp(s, "-"))
		return 0;
	c->has_event = true;
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		val = strchr(tok, '=');
		if (!val) {
			snprintf(err, errlen, "event field '%s' is not key=value", tok);
			return -EINVAL;
		}
		*val++ = '\0';
		if (!strcmp(tok, "saddr") || !strcmp(tok, "daddr")) {
			__u8 *a = tok[0] == 's' ? e->saddr : e->daddr;

			if (inet_pton(strchr(val, ':') ? AF_INET6 : AF_INET, val, a) != 1) {
				snprintf(err, errlen, "bad address '%s'", val);
				return -EINVAL;
			}
			c->ev_mask |= tok[0] == 's' ? EV_SADDR : EV_DADDR;
			continue;
		}
		if (!strcmp(tok, "name")) {
			if (strlen(val) > EG_NAME_MAX) {
				snprintf(err, errlen, "event name longer than %d characters", EG_NAME_MAX);
				return -EINVAL;
			}
			snprintf(e->name, sizeof(e->name), "%s", val);
			continue;
		}
		prefix = "";
		if (!strcmp(tok, "v"))
			prefix = "EG_V_";
		else if (!strcmp(tok, "a"))
			prefix = "EG_ACT_";
		else if (!strcmp(tok, "r"))
			prefix = "EG_R_";
		else if (!strcmp(tok, "src"))
			prefix = "EG_NSRC_";
		if (eg_name_value(val, prefix, &v)) {
			snprintf(err, errlen, "bad value '%s' for event field %s", val, tok);
			return -EINVAL;
		}
		if (!strcmp(tok, "v")) {
			e->verdict = v, c->ev_mask |= EV_VERDICT;
		} else if (!strcmp(tok, "a")) {
			e->action = v, c->ev_mask |= EV_ACTION;
		} else if (!strcmp(tok, "r")) {
			e->reason = v, c->ev_mask |= EV_REASON;
		} else if (!strcmp(tok, "id")) {
			e->rule_id = v, c->ev_mask |= EV_RULE;
		} else if (!strcmp(tok, "len")) {
			e->pkt_len = v, c->ev_mask |= EV_LEN;
		} else if (!strcmp(tok, "flags")) {
			e->flags = v, c->ev_mask |= EV_FLAGS;
		} else if (!strcmp(tok, "proto")) {
			e->l4proto = v, c->ev_mask |= EV_PROTO;
		} else if (!strcmp(tok, "sport")) {
			e->sport = v, c->ev_mask |= EV_SPORT;
		} else if (!strcmp(tok, "dport")) {
			e->dport = v, c->ev_mask |= EV_DPORT;
		} else if (!strcmp(tok, "tcpflags")) {
			e->tcp_flags = v, c->ev_mask |= EV_TCPFLAGS;
		} else if (!strcmp(tok, "src")) {
			if (v < 0 || v >= EG_NSRC_MAX) {
				snprintf(err, errlen, "bad name source '%s'", val);
				return -EINVAL;
			}
			e->name_src = v;
		} else {
			snprintf(err, errlen, "unknown event field '%s'", tok);
			return -EINVAL;
		}
	}
	return 0;
}

enum {
	F_NAME,
	F_MODE,
	F_DEFAULT,
	F_RULES,
	F_FRAME,
	F_RET,
	F_VERDICT,
	F_STAT,
	F_REASONS,
	F_RULE,
	F_EVENT,
	F_OUT,
	F_MAX,
};

/*
 * One fixture line into a case: the fields of gen_fixtures.py, then any
 * number of optional cfg:KEY=VALUE fields (see gen_fixtures_dns.py).
 */
static int parse_case(char *line, struct tc_case *c, char *err, size_t errlen)
{
	char *f[F_MAX + MAX_CFG_FIELDS], *save, *tok;
	int i, nf = 0;
	long v;

	memset(c, 0, sizeof(*c));
	for (tok = strtok_r(line, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		if (nf == F_MAX + MAX_CFG_FIELDS) {
			snprintf(err, errlen, "more than %d fields", F_MAX + MAX_CFG_FIELDS);
			return -EINVAL;
		}
		f[nf++] = tok;
	}
	if (nf < F_MAX) {
		snprintf(err, errlen, "%d fields, want %d and cfg:KEY=VALUE fields", nf, F_MAX);
		return -EINVAL;
	}
	snprintf(c->name, sizeof(c->name), "%s", f[F_NAME]);
	if (!strcmp(f[F_MODE], "enforce")) {
		c->cfg.mode = EG_MODE_ENFORCE;
	} else if (!strcmp(f[F_MODE], "monitor")) {
		c->cfg.mode = EG_MODE_MONITOR;
	} else {
		snprintf(err, errlen, "bad mode '%s'", f[F_MODE]);
		return -EINVAL;
	}
	if (parse_action(f[F_DEFAULT], &c->cfg.default_action)) {
		snprintf(err, errlen, "bad default '%s'", f[F_DEFAULT]);
		return -EINVAL;
	}
	c->cfg.generation = 1;
	c->cfg.dns_rcode = EG_DNS_REFUSED;
	if (parse_rules(f[F_RULES], c, err, errlen))
		return -EINVAL;
	if (hex_decode(f[F_FRAME], c->in, sizeof(c->in), &c->in_len)) {
		snprintf(err, errlen, "bad input frame hex");
		return -EINVAL;
	}
	if (eg_name_value(f[F_RET], "TC_ACT_", &v)) {
		snprintf(err, errlen, "bad return code '%s'", f[F_RET]);
		return -EINVAL;
	}
	c->ret = v;
	c->verdict = -1;
	if (strcmp(f[F_VERDICT], "-")) {
		if (eg_name_value(f[F_VERDICT], "EG_V_", &v) || v < 0 || v >= EG_V_MAX) {
			snprintf(err, errlen, "bad verdict '%s'", f[F_VERDICT]);
			return -EINVAL;
		}
		c->verdict = v;
	}
	c->stat = -1;
	if (strcmp(f[F_STAT], "-")) {
		if (eg_name_value(f[F_STAT], "EG_S_", &v) || v < 0 || v >= EG_S_MAX) {
			snprintf(err, errlen, "bad stat '%s'", f[F_STAT]);
			return -EINVAL;
		}
		c->stat = v;
	}
	if (strcmp(f[F_REASONS], "-")) {
		for (tok = strtok_r(f[F_REASONS], ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (eg_name_value(tok, "EG_R_", &v) || v <= 0 || v >= EG_R_MAX) {
				snprintf(err, errlen, "bad reason '%s'", tok);
				return -EINVAL;
			}
			c->reasons[v]++;
		}
	}
	c->rule_id = strtoul(f[F_RULE], NULL, 10);
	if (parse_event(f[F_EVENT], c, err, errlen))
		return -EINVAL;
	if (strcmp(f[F_OUT], "-") && hex_decode(f[F_OUT], c->out, sizeof(c->out), &c->out_len)) {
		snprintf(err, errlen, "bad output frame hex");
		return -EINVAL;
	}
	for (i = F_MAX; i < nf; i++) {
		if (parse_cfg(f[i], c, err, errlen))
			return -EINVAL;
	}
	return 0;
}

/* The classifier builds every case runs through. */
enum tc_hook {
	HOOK_TC,
	HOOK_XDP,
	HOOK_MAX,
};

static const char *const hook_names[HOOK_MAX] = { "tc", "xdp" };

/*
 * A case whose result at XDP differs from TC's by design: the name of the
 * case, the return code expected at XDP instead of the translated one, and
 * why. Everything else is still checked as at TC.
 */
struct xdp_differ {
	const char *name;
	int ret; /* XDP_* */
	const char *why;
};

static const struct xdp_differ xdp_differs[] = {
	{ NULL },
};

/* Everything the runner holds while it goes through the cases. */
struct tc_env {
	struct egress *skel;
	struct guard *xdp; /* shares every map of skel */
	int hook;          /* enum tc_hook the cases run through */
	struct ring_buffer *rb;
	int nr_cpus;
	int nr_events;
	int set; /* rule set the case runs against; the other holds decoys */
	__u64 name_seed;
	struct eg_event events[MAX_EVENTS];
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct tc_env *env = ctx;

	if (env->nr_events < MAX_EVENTS && size >= sizeof(struct eg_event))
		memcpy(&env->events[env->nr_events], data, sizeof(struct eg_event));
	env->nr_events++;
	return 0;
}

/* Delete every key of a hash or LPM trie map; 0 or -errno. */
static int map_clear(struct bpf_map *map)
{
	int fd = bpf_map__fd(map);
	__u8 key[64];

	while (!bpf_map_get_next_key(fd, NULL, key)) {
		if (bpf_map_delete_elem(fd, key))
			return -errno;
	}
	return errno == ENOENT ? 0 : -errno;
}

/* Zero every slot of a per-CPU array of __u64. */
static int percpu_clear(struct tc_env *env, struct bpf_map *map)
{
	__u32 key, max = bpf_map__max_entries(map);
	__u64 zero[env->nr_cpus];

	memset(zero, 0, sizeof(zero));
	for (key = 0; key < max; key++) {
		if (bpf_map_update_elem(bpf_map__fd(map), &key, zero, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int percpu_sum(struct tc_env *env, struct bpf_map *map, __u32 key, __u64 *sum)
{
	__u64 vals[env->nr_cpus];
	int i;

	if (bpf_map_lookup_elem(bpf_map__fd(map), &key, vals))
		return -errno;
	*sum = 0;
	for (i = 0; i < env->nr_cpus; i++)
		*sum += vals[i];
	return 0;
}

/* Name keys of a case: the rules that share a name share one entry. */
struct tc_name_entry {
	const char *name;
	struct eg_name_key key;
	struct eg_name_val val;
};

static int name_entries(struct tc_env *env, const struct tc_case *c, struct tc_name_entry *ents,
			int *nr)
{
	int i, j;

	*nr = 0;
	for (i = 0; i < c->nr_rules; i++) {
		const struct tc_rule *r = &c->rules[i];
		struct tc_name_entry *e;

		if (!r->slots)
			continue;
		for (j = 0; j < *nr && strcmp(ents[j].name, r->name); j++)
			;
		e = &ents[j];
		if (j == *nr) {
			memset(e, 0, sizeof(*e));
			e->name = r->name;
			e->val.len = strlen(r->name);
			e->key.hash = eg_name_hash(env->name_seed, r->name, e->val.len);
			(*nr)++;
		}
		if (((r->slots & NAME_EXACT) && e->val.exact_id) ||
		    ((r->slots & NAME_SUB) && e->val.sub_id)) {
			pr_err("case %s: two rules for the same slot of name %s", c->name, r->name);
			return -EINVAL;
		}
		if (r->slots & NAME_EXACT) {
			e->val.exact_id = r->id;
			e->val.exact_action = r->action;
		}
		if (r->slots & NAME_SUB) {
			e->val.sub_id = r->id;
			e->val.sub_action = r->action;
		}
	}
	return 0;
}

/*
 * Name rules into the case's set; the other set gets the same keys as drop
 * rules with the decoy id, so reading the wrong set cannot go unnoticed.
 */
static int install_names(struct tc_env *env, const struct tc_case *c)
{
	struct egress *skel = env->skel;
	struct bpf_map *mn[2] = { skel->maps.eg_names_0, skel->maps.eg_names_1 };
	struct tc_name_entry ents[MAX_RULES];
	int i, nr, err;
	__u8 one = 1;

	for (i = 0; i < 2; i++) {
		err = map_clear(mn[i]);
		if (err)
			return err;
	}
	err = map_clear(skel->maps.eg_dns_ports);
	if (err)
		return err;
	for (i = 0; i < c->nr_dns_ports; i++) {
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.eg_dns_ports), &c->dns_ports[i], &one,
					BPF_ANY))
			return -errno;
	}
	err = name_entries(env, c, ents, &nr);
	if (err)
		return err;
	for (i = 0; i < nr; i++) {
		struct eg_name_val decoy = { .len = ents[i].val.len };

		if (ents[i].val.exact_id) {
			decoy.exact_id = 999;
			decoy.exact_action = EG_ACT_DROP;
		}
		if (ents[i].val.sub_id) {
			decoy.sub_id = 999;
			decoy.sub_action = EG_ACT_DROP;
		}
		if (bpf_map_update_elem(bpf_map__fd(mn[env->set]), &ents[i].key, &ents[i].val,
					BPF_NOEXIST) ||
		    bpf_map_update_elem(bpf_map__fd(mn[!env->set]), &ents[i].key, &decoy, BPF_NOEXIST))
			return -errno;
	}
	return 0;
}

static int install(struct tc_env *env, const struct tc_case *c)
{
	struct egress *skel = env->skel;
	struct bpf_map *m4[2] = { skel->maps.eg_v4_rules_0, skel->maps.eg_v4_rules_1 };
	struct bpf_map *m6[2] = { skel->maps.eg_v6_rules_0, skel->maps.eg_v6_rules_1 };
	int v4 = bpf_map__fd(m4[env->set]), v6 = bpf_map__fd(m6[env->set]);
	/* The set not in force blocks everything: reading it would fail every case. */
	struct eg_rule_val decoy = { .rule_id = 999, .action = EG_ACT_DROP };
	struct eg_v4_key all4 = { .prefixlen = 0 };
	struct eg_v6_key all6 = { .prefixlen = 0 };
	struct eg_config cfg = c->cfg;
	__u32 zero = 0;
	int i, err = 0;

	for (i = 0; i < 2 && !err; i++)
		err = map_clear(m4[i]) ?: map_clear(m6[i]);
	if (!err && (bpf_map_update_elem(bpf_map__fd(m4[!env->set]), &all4, &decoy, BPF_ANY) ||
		     bpf_map_update_elem(bpf_map__fd(m6[!env->set]), &all6, &decoy, BPF_ANY)))
		err = -errno;
	if (!err)
		err = map_clear(skel->maps.eg_rule_stats);
	if (!err)
		err = percpu_clear(env, skel->maps.eg_stats);
	if (!err)
		err = percpu_clear(env, skel->maps.eg_reasons);
	if (err)
		return err;
	cfg.active = env->set;
	cfg.name_seed = env->name_seed;
	err = install_names(env, c);
	if (err)
		return err;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.eg_config), &zero, &cfg, BPF_ANY))
		return -errno;
	for (i = 0; i < c->nr_rules; i++) {
		const struct tc_rule *r = &c->rules[i];
		struct eg_rule_val val = { .rule_id = r->id, .action = r->action };
		struct eg_v4_key k4 = { .prefixlen = r->pfx.len };
		struct eg_v6_key k6 = { .prefixlen = r->pfx.len };

		if (r->slots)
			continue;
		if (r->pfx.family == 4) {
			memcpy(k4.addr, r->pfx.addr, 4);
			err = bpf_map_update_elem(v4, &k4, &val, BPF_NOEXIST);
		} else {
			memcpy(k6.addr, r->pfx.addr, 16);
			err = bpf_map_update_elem(v6, &k6, &val, BPF_NOEXIST);
		}
		if (err)
			return -errno;
	}
	/* Leftovers of an earlier case would be taken for this one's. */
	ring_buffer__consume(env->rb);
	env->nr_events = 0;
	return 0;
}

static void check_counters(struct tc_env *env, const struct tc_case *c, struct tc_result *res)
{
	struct egress *skel = env->skel;
	__u64 got, want;
	__u32 i;

	for (i = 0; i < EG_S_MAX; i++) {
		if (!ASSERT_OK(res, percpu_sum(env, skel->maps.eg_stats, i, &got),
			       "reading eg_stats[%u]", i))
			return;
		want = i == EG_S_PACKETS || (int)i == c->stat ||
		       (c->verdict >= 0 && i == EG_S_V_BASE + (__u32)c->verdict);
		if (i >= EG_S_V_BASE && i < EG_S_V_BASE + EG_V_MAX)
			ASSERT_EQ(res, got, want, "verdict counter %s",
				  eg_name_of("EG_V_", i - EG_S_V_BASE, 0));
		else
			ASSERT_EQ(res, got, want, "counter %s", eg_name_of("EG_S_", i, 0));
	}
	for (i = 1; i < EG_R_MAX; i++) {
		if (!ASSERT_OK(res, percpu_sum(env, skel->maps.eg_reasons, i, &got),
			       "reading eg_reasons[%u]", i))
			return;
		ASSERT_EQ(res, got, c->reasons[i], "reason counter %s", eg_name_of("EG_R_", i, 0));
	}
}

static void check_rule_stats(struct tc_env *env, const struct tc_case *c, struct tc_result *res)
{
	int fd = bpf_map__fd(env->skel->maps.eg_rule_stats);
	struct eg_rule_stat st[env->nr_cpus];
	__u64 packets = 0, bytes = 0;
	__u32 key, *prev = NULL;
	int i, seen = 0;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (key != c->rule_id) {
			failf(res, "rule stats (expected no entry for rule %u, got one)", key);
			continue;
		}
		seen = 1;
		if (!ASSERT_OK(res, bpf_map_lookup_elem(fd, &key, st) ? -errno : 0,
			       "reading rule stats of %u", key))
			return;
		for (i = 0; i < env->nr_cpus; i++) {
			packets += st[i].packets;
			bytes += st[i].bytes;
		}
	}
	if (c->rule_id == EG_RULE_NONE)
		return;
	if (!seen) {
		failf(res, "rule stats (expected an entry for rule %u, got none)", c->rule_id);
		return;
	}
	ASSERT_EQ(res, packets, 1, "rule %u packets", c->rule_id);
	ASSERT_EQ(res, bytes, c->in_len, "rule %u bytes", c->rule_id);
}

static void check_addr(struct tc_result *res, const char *what, int v6, const __u8 *exp,
		       const __u8 *got)
{
	char e[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];

	if (!memcmp(exp, got, 16))
		return;
	eg_addr_format(v6 ? 6 : 4, exp, e, sizeof(e));
	eg_addr_format(v6 ? 6 : 4, got, g, sizeof(g));
	failf(res, "event %s (expected %s, got %s%s)", what, e, g,
	      v6 || !memcmp(exp, got, 4) ? " or stray bytes after it" : "");
}

static void check_event(struct tc_env *env, const struct tc_case *c, __u64 t0, __u64 t1,
			struct tc_result *res)
{
	const struct eg_event *x = &c->ev, *e = &env->events[0];
	unsigned int m = c->ev_mask;

	ring_buffer__consume(env->rb);
	if (!ASSERT_EQ(res, env->nr_events, c->has_event, "events") || !c->has_event)
		return;
	if (e->ts_ns < t0 || e->ts_ns > t1)
		failf(res, "event ts_ns (expected within [%llu, %llu], got %llu)",
		      (unsigned long long)t0, (unsigned long long)t1, (unsigned long long)e->ts_ns);
	ASSERT_EQ(res, e->netns_cookie, 0, "event netns_cookie");
	ASSERT_EQ(res, e->ifindex, LOOPBACK_IFINDEX, "event ifindex");
	ASSERT_ENUM(res, e->hook, env->hook == HOOK_XDP ? EG_HOOK_XDP : EG_HOOK_TC_EGRESS, "EG_HOOK_",
		    "event hook");
	ASSERT_EQ(res, e->pad, 0, "event pad");
	/*
	 * No process sent these frames: the owner must be all zero, never stale
	 * bytes. At XDP there is no socket: always zero.
	 */
	ASSERT_EQ(res, e->owner.pid, 0, "event owner pid");
	ASSERT_EQ(res, e->owner.tid, 0, "event owner tid");
	ASSERT_EQ(res, e->owner.cgroup_id, 0, "event owner cgroup_id");
	if (memcmp(e->owner.comm, (char[EG_COMM_LEN]){ 0 }, EG_COMM_LEN)) {
		char hex[2 * EG_COMM_LEN + 1];

		hex_encode((const __u8 *)e->owner.comm, EG_COMM_LEN, hex, sizeof(hex));
		failf(res, "event owner comm (expected all zero, got %s)", hex);
	}
	if (m & EV_VERDICT)
		ASSERT_ENUM(res, e->verdict, x->verdict, "EG_V_", "event verdict");
	if (m & EV_ACTION)
		ASSERT_ENUM(res, e->action, x->action, "EG_ACT_", "event action");
	if (m & EV_REASON)
		ASSERT_ENUM(res, e->reason, x->reason, "EG_R_", "event reason");
	if (m & EV_RULE)
		ASSERT_EQ(res, e->rule_id, x->rule_id, "event rule_id");
	if (m & EV_LEN)
		ASSERT_EQ(res, e->pkt_len, x->pkt_len, "event pkt_len");
	if (m & EV_FLAGS)
		ASSERT_EQ(res, e->flags, x->flags, "event flags");
	if (m & EV_PROTO)
		ASSERT_EQ(res, e->l4proto, x->l4proto, "event l4proto");
	if (m & EV_SPORT)
		ASSERT_EQ(res, e->sport, x->sport, "event sport");
	if (m & EV_DPORT)
		ASSERT_EQ(res, e->dport, x->dport, "event dport");
	if (m & EV_TCPFLAGS)
		ASSERT_EQ(res, e->tcp_flags, x->tcp_flags, "event tcp_flags");
	if (m & EV_SADDR)
		check_addr(res, "saddr", x->flags & EG_EV_F_V6, x->saddr, e->saddr);
	if (m & EV_DADDR)
		check_addr(res, "daddr", x->flags & EG_EV_F_V6, x->daddr, e->daddr);
	/* Always checked: a packet without a name must not report a stale one. */
	ASSERT_ENUM(res, e->name_src, x->name_src, "EG_NSRC_", "event name_src");
	if (!memchr(e->name, '\0', sizeof(e->name)))
		failf(res, "event name (expected '%s', got one without a NUL)", x->name);
	else if (strcmp(e->name, x->name))
		failf(res, "event name (expected '%s', got '%s')", x->name, e->name);
}

static void check_output(const struct tc_case *c, const __u8 *out, __u32 out_len,
			 struct tc_result *res)
{
	const __u8 *want = c->out_len ? c->out : c->in;
	__u32 want_len = c->out_len ? c->out_len : c->in_len, i;
	char e[2 * MAX_FRAME / 4 + 1], g[2 * MAX_FRAME / 4 + 1];

	if (out_len == want_len && !memcmp(out, want, want_len))
		return;
	for (i = 0; i < want_len && i < out_len && out[i] == want[i]; i++)
		;
	hex_encode(want, want_len, e, sizeof(e));
	hex_encode(out, out_len, g, sizeof(g));
	failf(res, "%s differs from byte %u (expected %u bytes %s, got %u bytes %s)",
	      c->out_len ? "rewritten frame" : "output frame (must be the input)", i, want_len, e,
	      out_len, g);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The XDP return code that stands for a TC one; -1 when none does. */
static int xdp_ret_of(int tc_ret)
{
	switch (tc_ret) {
	case TC_ACT_UNSPEC:
		return XDP_PASS;
	case TC_ACT_SHOT:
		return XDP_DROP;
	case TC_ACT_REDIRECT:
		return XDP_TX; /* the reset or the DNS answer goes back where it came from */
	}
	return -1;
}

static const struct xdp_differ *xdp_differ_of(const char *name)
{
	const struct xdp_differ *x;

	for (x = xdp_differs; x->name; x++) {
		if (!strcmp(x->name, name))
			return x;
	}
	return NULL;
}

/* Run one case through the hook's program; true when it passed. */
static bool run_case(struct tc_env *env, const struct tc_case *c)
{
	static struct tc_result res;
	const struct xdp_differ *x = NULL;
	__u8 out[MAX_FRAME];
	__u64 t0, t1;
	int err, prog, want;
	LIBBPF_OPTS(bpf_test_run_opts, topts,
		.data_in = c->in,
		.data_size_in = c->in_len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.repeat = 1,
	);

	memset(&res, 0, sizeof(res));
	err = install(env, c);
	if (!ASSERT_OK(&res, err, "installing the policy"))
		goto report;
	if (env->hook == HOOK_XDP) {
		prog = bpf_program__fd(env->xdp->progs.eg_xdp_guard);
		x = xdp_differ_of(c->name);
		want = x ? x->ret : xdp_ret_of(c->ret);
		if (want < 0) {
			failf(&res, "return code %s has no XDP counterpart (list the case in xdp_differs)",
			      eg_name_of("TC_ACT_", c->ret, 0));
			goto report;
		}
	} else {
		prog = bpf_program__fd(env->skel->progs.eg_tc_egress);
		want = c->ret;
	}
	t0 = now_ns();
	err = bpf_prog_test_run_opts(prog, &topts);
	t1 = now_ns();
	if (!ASSERT_OK(&res, err ? -errno : 0, "BPF_PROG_TEST_RUN"))
		goto report;
	ASSERT_ENUM(&res, (int)topts.retval, want, env->hook == HOOK_XDP ? "XDP_" : "TC_ACT_",
		    "return code");
	check_output(c, out, topts.data_size_out, &res);
	check_counters(env, c, &res);
	check_rule_stats(env, c, &res);
	check_event(env, c, t0, t1, &res);
report:
	if (res.nr_fail)
		printf("FAIL %s [%s, set %d]: %s\n", c->name, hook_names[env->hook], env->set, res.msg);
	else
		printf("PASS %s [%s, set %d]%s%s\n", c->name, hook_names[env->hook], env->set,
		       x ? " differs by design: " : "", x ? x->why : "");
	return !res.nr_fail;
}

/* A random seed per run; EG_NAME_SEED replays the one a failed run printed. */
static int name_seed(__u64 *seed)
{
	const char *s = getenv("EG_NAME_SEED");
	char *end;

	if (s) {
		errno = 0;
		*seed = strtoull(s, &end, 0);
		if (!*s || *end || errno) {
			pr_err("EG_NAME_SEED '%s' is not a 64-bit number", s);
			return -EINVAL;
		}
		return 0;
	}
	if (getrandom(seed, sizeof(*seed), 0) != sizeof(*seed))
		return errno ? -errno : -EIO;
	return 0;
}

/* libbpf's messages go to our log, one level lower. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int lvl = level == LIBBPF_WARN ? EG_LOG_INFO : EG_LOG_DEBUG;

	if (level == LIBBPF_DEBUG)
		return 0;
	eg_vlog(lvl, fmt, ap);
	return 0;
}

/* Private maps: never reuse or create pins under /sys/fs/bpf. */
static int unpin_all(struct bpf_object *obj)
{
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj) {
		err = bpf_map__set_pin_path(map, NULL);
		if (err) {
			pr_err("unpinning map %s: %s", bpf_map__name(map), strerror(-err));
			return err;
		}
	}
	return 0;
}

/*
 * The XDP build on the TC build's maps, as egressd has the two share them
 * through the pins; a map the two declare differently fails here, as its
 * pin would fail egressd.
 */
static int load_xdp(struct tc_env *env)
{
	struct bpf_map *map, *tc;
	const char *name;
	int err;

	env->xdp = guard__open();
	if (!env->xdp) {
		err = -errno;
		pr_err("opening the XDP object failed: %s", strerror(-err));
		return err;
	}
	err = unpin_all(env->xdp->obj);
	if (err)
		return err;
	bpf_object__for_each_map(map, env->xdp->obj) {
		if (bpf_map__is_internal(map))
			continue; /* its own .rodata and .bss */
		name = bpf_map__name(map);
		tc = bpf_object__find_map_by_name(env->skel->obj, name);
		if (!tc) {
			pr_err("map %s of the XDP object is not in the TC object", name);
			return -ENOENT;
		}
		if (bpf_map__type(map) != bpf_map__type(tc) ||
		    bpf_map__key_size(map) != bpf_map__key_size(tc) ||
		    bpf_map__value_size(map) != bpf_map__value_size(tc) ||
		    bpf_map__max_entries(map) != bpf_map__max_entries(tc) ||
		    bpf_map__map_flags(map) != bpf_map__map_flags(tc)) {
			pr_err("map %s is declared differently in the TC and XDP objects", name);
			return -EINVAL;
		}
		err = bpf_map__reuse_fd(map, bpf_map__fd(tc));
		if (err) {
			pr_err("sharing map %s with the XDP object: %s", name, strerror(-err));
			return err;
		}
	}
	err = guard__load(env->xdp);
	if (err)
		pr_err("loading the XDP object failed: %s", strerror(-err));
	return err;
}

/* Flow and learned state left by the pass before would be taken for this one's. */
static int clear_state(struct tc_env *env)
{
	struct egress *skel = env->skel;
	int err;

	err = map_clear(skel->maps.eg_flows) ?: map_clear(skel->maps.eg_collect) ?:
	      map_clear(skel->maps.eg_learned);
	if (err)
		pr_err("clearing flow and learned state: %s", strerror(-err));
	return err;
}

int main(int argc, char **argv)
{
	int passed[HOOK_MAX] = {}, failed[HOOK_MAX] = {}, ret = 2, err, lineno, pass;
	struct tc_env env = {};
	struct tc_case *c = NULL;
	char *line = NULL, msg[256];
	size_t cap = 0;
	FILE *f = NULL;

	eg_log_set_ident("tc_unit");
	libbpf_set_print(libbpf_print);
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE_FILE\n", argv[0]);
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		pr_err("cannot open fixture file %s: %s", argv[1], strerror(errno));
		goto cleanup;
	}
	c = malloc(sizeof(*c));
	if (!c) {
		pr_err("out of memory");
		goto cleanup;
	}
	err = name_seed(&env.name_seed);
	if (err) {
		if (err != -EINVAL)
			pr_err("choosing a name seed: %s", strerror(-err));
		goto cleanup;
	}
	printf("name seed 0x%016llx\n", (unsigned long long)env.name_seed);
	env.nr_cpus = libbpf_num_possible_cpus();
	if (env.nr_cpus <= 0) {
		pr_err("cannot count possible CPUs: %s", strerror(-env.nr_cpus));
		goto cleanup;
	}
	env.skel = egress__open();
	if (!env.skel) {
		pr_err("opening the BPF object failed: %s", strerror(errno));
		goto cleanup;
	}
	if (unpin_all(env.skel->obj))
		goto cleanup;
	err = egress__load(env.skel);
	if (err) {
		pr_err("loading the BPF object failed: %s (are you root?)", strerror(-err));
		goto cleanup;
	}
	if (load_xdp(&env))
		goto cleanup;
	env.rb = ring_buffer__new(bpf_map__fd(env.skel->maps.eg_events), on_event, &env, NULL);
	if (!env.rb) {
		pr_err("ring buffer on eg_events: %s", strerror(errno));
		goto cleanup;
	}

	/*
	 * Every case runs against both rule sets, as eg_config.active picks
	 * them, and through both hooks; a pass starts without flow state.
	 */
	for (pass = 0; pass < 2 * HOOK_MAX; pass++) {
		env.set = pass / HOOK_MAX;
		env.hook = pass % HOOK_MAX;
		if (clear_state(&env))
			goto cleanup;
		rewind(f);
		lineno = 0;
		while (getline(&line, &cap, f) > 0) {
			lineno++;
			if (line[strspn(line, " \t\n")] == '\0' || line[0] == '#')
				continue;
			if (parse_case(line, c, msg, sizeof(msg))) {
				pr_err("%s:%d: %s", argv[1], lineno, msg);
				goto cleanup;
			}
			if (run_case(&env, c))
				passed[env.hook]++;
			else
				failed[env.hook]++;
		}
		if (ferror(f)) {
			pr_err("reading %s: %s", argv[1], strerror(errno));
			goto cleanup;
		}
	}
	if (!passed[HOOK_TC] && !failed[HOOK_TC]) {
		pr_err("%s holds no test case", argv[1]);
		goto cleanup;
	}
	for (pass = 0; pass < HOOK_MAX; pass++)
		printf("%s: %d passed, %d failed\n", hook_names[pass], passed[pass], failed[pass]);
	printf("%d passed, %d failed\n", passed[HOOK_TC] + passed[HOOK_XDP],
	       failed[HOOK_TC] + failed[HOOK_XDP]);
	ret = failed[HOOK_TC] || failed[HOOK_XDP] ? 1 : 0;
cleanup:
	ring_buffer__free(env.rb);
	guard__destroy(env.xdp);
	egress__destroy(env.skel);
	free(line);
	free(c);
	if (f)
		fclose(f);
	return ret;
}
