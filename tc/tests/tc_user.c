// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The differential test of the classifier: eg_guard(), the judgement both
 * BPF entry points are (tc/egress.bpf.c, xdp/guard.bpf.c), compiled for user
 * space from the very same headers (EG_CTX_USER, eg/user.h), runs every case
 * of the fixture file tc_unit runs (written by gen_fixtures*.py, joined by
 * run_user.sh) and must meet the very same expectations: the TC return
 * code, every counter (packets, the verdict counted, the extra stat, each
 * reason), the per-rule hits, the ring buffer event and the output frame:
 * the rewritten one of a reset or a DNS answer, else the input unchanged.
 * tc_unit asserts the BPF builds (TC and XDP, under BPF_PROG_TEST_RUN)
 * against these expectations, this runner the user-space build: when both
 * pass, the BPF and user-space builds give the same verdict, counters, rule
 * and bytes on every corpus packet. Each case prints one line setting what
 * the user-space build did beside what the BPF build must do (the case's
 * expectation, which tc_unit holds it to).
 *
 * The maps are eg/user.h's emulation, registered from the map structs of
 * eg/maps.h, and are set up per case as tc_unit sets up the kernel's: the
 * case's rules in the rule set in force, decoys (rule 999, drop) in the
 * other, counters zeroed; every case runs against both sets. Flows are
 * cases sharing a 5-tuple: flow and learned state carries from case to case
 * within a pass, and a pass starts without it, as in tc_unit.
 *
 * What cannot agree by nature, and is checked differently:
 * - the event's ts_ns: the user-space clock is CLOCK_MONOTONIC read by
 *   bpf_ktime_get_ns() of eg/user.h, so it is checked to lie within the
 *   run of the case, as tc_unit checks the kernel's;
 * - the event's ifindex: the runner gives the frame the loopback's index,
 *   as BPF_PROG_TEST_RUN does;
 * - netns_cookie and the owner: only the TC build asks the kernel for them
 *   (eg/report.h); under test run both are zero, here they are never set.
 * BPF_PROG_TEST_RUN refuses frames shorter than ETH_HLEN, so the corpus has
 * none; nothing here needs that limit. The sweep of idle collections
 * (bpf_for_each_map_elem in eg/flow.h) is compiled out in user space; no
 * case fills eg_collect, so it never runs in tc_unit either.
 *
 * Name rules are keyed under a random seed per run, printed first
 * (EG_NAME_SEED=0x... replays a run), as in tc_unit.
 */
#define EG_CTX_USER
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

#include "egressgate.h"
#include "eg/ctx.h"
#include "eg/guard.h"
#include "eg/name.h"
#include "addr.h"
#include "log.h"

/* From here to parse_case(): the fixture format, as tc/tests/tc_unit.c reads it. */
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


/* Everything the runner holds while it goes through the cases. */
struct tc_env {
	int set; /* rule set the case runs against; the other holds decoys */
	__u64 name_seed;
};

static int register_maps(void)
{
	int err = EG_USER_REGISTER_MAPS();

	if (err)
		pr_err("registering the maps: %s", strerror(-err));
	return err;
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

/* As tc_unit's install_names(): the case's set, and decoys in the other. */
static int install_names(struct tc_env *env, const struct tc_case *c)
{
	void *mn[2] = { &eg_names_0, &eg_names_1 };
	struct tc_name_entry ents[MAX_RULES];
	int i, nr, err;
	__u8 one = 1;

	eg_user_map_clear(mn[0]);
	eg_user_map_clear(mn[1]);
	eg_user_map_clear(&eg_dns_ports);
	for (i = 0; i < c->nr_dns_ports; i++) {
		err = bpf_map_update_elem(&eg_dns_ports, &c->dns_ports[i], &one, BPF_ANY);
		if (err)
			return err;
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
		err = bpf_map_update_elem(mn[env->set], &ents[i].key, &ents[i].val, BPF_NOEXIST) ?:
		      bpf_map_update_elem(mn[!env->set], &ents[i].key, &decoy, BPF_NOEXIST);
		if (err)
			return err;
	}
	return 0;
}

/* As tc_unit's install(), on the emulated maps. */
static int install(struct tc_env *env, const struct tc_case *c)
{
	void *m4[2] = { &eg_v4_rules_0, &eg_v4_rules_1 };
	void *m6[2] = { &eg_v6_rules_0, &eg_v6_rules_1 };
	struct eg_rule_val decoy = { .rule_id = 999, .action = EG_ACT_DROP };
	struct eg_v4_key all4 = { .prefixlen = 0 };
	struct eg_v6_key all6 = { .prefixlen = 0 };
	struct eg_config cfg = c->cfg;
	__u32 zero = 0;
	int i, err;

	for (i = 0; i < 2; i++) {
		eg_user_map_clear(m4[i]);
		eg_user_map_clear(m6[i]);
	}
	err = bpf_map_update_elem(m4[!env->set], &all4, &decoy, BPF_ANY) ?:
	      bpf_map_update_elem(m6[!env->set], &all6, &decoy, BPF_ANY);
	if (err)
		return err;
	eg_user_map_clear(&eg_rule_stats);
	eg_user_map_clear(&eg_stats);
	eg_user_map_clear(&eg_reasons);
	cfg.active = env->set;
	cfg.name_seed = env->name_seed;
	err = install_names(env, c) ?: bpf_map_update_elem(&eg_config, &zero, &cfg, BPF_ANY);
	if (err)
		return err;
	for (i = 0; i < c->nr_rules; i++) {
		const struct tc_rule *r = &c->rules[i];
		struct eg_rule_val val = { .rule_id = r->id, .action = r->action };
		struct eg_v4_key k4 = { .prefixlen = r->pfx.len };
		struct eg_v6_key k6 = { .prefixlen = r->pfx.len };

		if (r->slots)
			continue;
		if (r->pfx.family == 4) {
			memcpy(k4.addr, r->pfx.addr, 4);
			err = bpf_map_update_elem(m4[env->set], &k4, &val, BPF_NOEXIST);
		} else {
			memcpy(k6.addr, r->pfx.addr, 16);
			err = bpf_map_update_elem(m6[env->set], &k6, &val, BPF_NOEXIST);
		}
		if (err)
			return err;
	}
	eg_user_events_clear();
	eg_user_maps_quiesce();
	return 0;
}

static __u64 counter(void *map, __u32 i)
{
	__u64 *v = bpf_map_lookup_elem(map, &i);

	return v ? *v : 0;
}

static void check_counters(const struct tc_case *c, struct tc_result *res)
{
	__u64 got, want;
	__u32 i;

	for (i = 0; i < EG_S_MAX; i++) {
		got = counter(&eg_stats, i);
		want = i == EG_S_PACKETS || (int)i == c->stat ||
		       (c->verdict >= 0 && i == EG_S_V_BASE + (__u32)c->verdict);
		if (i >= EG_S_V_BASE && i < EG_S_V_BASE + EG_V_MAX)
			ASSERT_EQ(res, got, want, "verdict counter %s",
				  eg_name_of("EG_V_", i - EG_S_V_BASE, 0));
		else
			ASSERT_EQ(res, got, want, "counter %s", eg_name_of("EG_S_", i, 0));
	}
	for (i = 1; i < EG_R_MAX; i++)
		ASSERT_EQ(res, counter(&eg_reasons, i), c->reasons[i], "reason counter %s",
			  eg_name_of("EG_R_", i, 0));
}

/* The verdict the user-space build counted; -1: none, -2: more than one. */
static int counted_verdict(void)
{
	int v, got = -1;

	for (v = 0; v < EG_V_MAX; v++) {
		if (counter(&eg_stats, EG_S_V_BASE + v))
			got = got == -1 ? v : -2;
	}
	return got;
}

struct rule_walk {
	const struct tc_case *c;
	struct tc_result *res;
	int seen;
	__u64 packets, bytes;
	__u32 hit; /* a rule with hits, for the case's line */
};

static int rule_walk_one(const void *key, void *value, void *arg)
{
	struct rule_walk *w = arg;
	const struct eg_rule_stat *st = value;
	__u32 id = *(const __u32 *)key;

	w->hit = id;
	if (id != w->c->rule_id) {
		failf(w->res, "rule stats (expected no entry for rule %u, got one)", id);
		return 0;
	}
	w->seen = 1;
	w->packets += st->packets;
	w->bytes += st->bytes;
	return 0;
}

static __u32 check_rule_stats(const struct tc_case *c, struct tc_result *res)
{
	struct rule_walk w = { .c = c, .res = res };

	eg_user_map_walk(&eg_rule_stats, rule_walk_one, &w);
	if (c->rule_id == EG_RULE_NONE)
		return w.hit;
	if (!w.seen) {
		failf(res, "rule stats (expected an entry for rule %u, got none)", c->rule_id);
		return w.hit;
	}
	ASSERT_EQ(res, w.packets, 1, "rule %u packets", c->rule_id);
	ASSERT_EQ(res, w.bytes, c->in_len, "rule %u bytes", c->rule_id);
	return w.hit;
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

/* As tc_unit's check_event(), on the records bpf_ringbuf_submit() kept. */
static void check_event(const struct tc_case *c, __u64 t0, __u64 t1, struct tc_result *res)
{
	struct eg_user_state *st = eg_user_state();
	const struct eg_event *x = &c->ev, *e;
	unsigned int m = c->ev_mask;

	if (!ASSERT_EQ(res, st->nr_events + st->nr_lost, c->has_event, "events") || !c->has_event)
		return;
	if (!ASSERT_EQ(res, st->events[0].size, sizeof(*e), "event size"))
		return;
	e = (const struct eg_event *)st->events[0].data;
	if (e->ts_ns < t0 || e->ts_ns > t1)
		failf(res, "event ts_ns (expected within [%llu, %llu], got %llu)",
		      (unsigned long long)t0, (unsigned long long)t1, (unsigned long long)e->ts_ns);
	ASSERT_EQ(res, e->netns_cookie, 0, "event netns_cookie");
	ASSERT_EQ(res, e->ifindex, LOOPBACK_IFINDEX, "event ifindex");
	ASSERT_ENUM(res, e->hook, EG_HOOK_TC_EGRESS, "EG_HOOK_", "event hook");
	ASSERT_EQ(res, e->pad, 0, "event pad");
	ASSERT_EQ(res, e->owner.pid, 0, "event owner pid");
	ASSERT_EQ(res, e->owner.tid, 0, "event owner tid");
	ASSERT_EQ(res, e->owner.cgroup_id, 0, "event owner cgroup_id");
	if (memcmp(e->owner.comm, (char[EG_COMM_LEN]){ 0 }, EG_COMM_LEN))
		failf(res, "event owner comm (expected all zero)");
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

static const char *verdict_name(int v, int slot)
{
	return v == -1 ? "-" : v == -2 ? "several" : eg_name_of("EG_V_", v, slot);
}

/* Run one case through the user-space build; true when it passed. */
static bool run_case(struct tc_env *env, const struct tc_case *c)
{
	static struct tc_result res;
	static __u8 buf[MAX_FRAME];
	struct eg_user_ctx ctx = {
		.data = buf, .len = c->in_len, .cap = sizeof(buf), .ifindex = LOOPBACK_IFINDEX,
	};
	int err, ret = -1, verdict = -1;
	__u32 hit = 0;
	__u64 t0, t1;

	memset(&res, 0, sizeof(res));
	err = install(env, c);
	if (!ASSERT_OK(&res, err, "installing the policy"))
		goto report;
	memcpy(buf, c->in, c->in_len);
	t0 = now_ns();
	ret = eg_guard(&ctx);
	t1 = now_ns();
	ASSERT_ENUM(&res, ret, c->ret, "TC_ACT_", "return code");
	check_output(c, ctx.data, ctx.len, &res);
	check_counters(c, &res);
	verdict = counted_verdict();
	hit = check_rule_stats(c, &res);
	check_event(c, t0, t1, &res);
report:
	printf("%s %s [user, set %d]: user %s %s rule %u %u bytes | bpf %s %s rule %u %u bytes%s%s\n",
	       res.nr_fail ? "FAIL" : "PASS", c->name, env->set, eg_name_of("TC_ACT_", ret, 0),
	       verdict_name(verdict, 0), hit, ctx.len, eg_name_of("TC_ACT_", c->ret, 1),
	       verdict_name(c->verdict, 1), c->rule_id, c->out_len ? c->out_len : c->in_len,
	       res.nr_fail ? ": " : "", res.nr_fail ? res.msg : "");
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

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, ret = 2, err, lineno;
	struct tc_env env = {};
	struct tc_case *c = NULL;
	char *line = NULL, msg[256];
	size_t cap = 0;
	FILE *f = NULL;

	eg_log_set_ident("tc_user");
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
	if (register_maps())
		goto cleanup;

	/* Every case against both rule sets; a pass starts without flow state. */
	for (env.set = 0; env.set < 2; env.set++) {
		eg_user_map_clear(&eg_flows);
		eg_user_map_clear(&eg_collect);
		eg_user_map_clear(&eg_learned);
		eg_user_maps_quiesce();
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
				passed++;
			else
				failed++;
		}
		if (ferror(f)) {
			pr_err("reading %s: %s", argv[1], strerror(errno));
			goto cleanup;
		}
	}
	if (!passed && !failed) {
		pr_err("%s holds no test case", argv[1]);
		goto cleanup;
	}
	printf("user: %d passed, %d failed\n", passed, failed);
	printf("%d passed, %d failed\n", passed, failed);
	ret = failed ? 1 : 0;
cleanup:
	eg_user_events_clear();
	free(line);
	free(c);
	if (f)
		fclose(f);
	return ret;
}
