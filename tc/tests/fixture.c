// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The fixture format of the classifier's unit tests: see fixture.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "egressgate.h"
#include "eg/name.h"
#include "addr.h"
#include "hint.h"
#include "log.h"
#include "fixture.h"

void failf(struct tc_result *r, const char *fmt, ...)
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
const char *eg_name_of(const char *prefix, long value, int slot)
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
int eg_name_value(const char *s, const char *prefix, long *val)
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

int hex_decode(const char *s, __u8 *buf, size_t cap, __u32 *len)
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

void hex_encode(const __u8 *buf, __u32 len, char *out, size_t cap)
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
int parse_case(char *line, struct tc_case *c, char *err, size_t errlen)
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

int fixture_open(int argc, char **argv, FILE **f, struct tc_case **c, __u64 *seed)
{
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE_FILE\n", argv[0]);
		return 2;
	}
	*f = fopen(argv[1], "r");
	if (!*f) {
		pr_err("cannot open fixture file %s: %s", argv[1], strerror(errno));
		return 2;
	}
	*c = malloc(sizeof(**c));
	if (!*c) {
		pr_err("out of memory");
		return 2;
	}
	err = name_seed(seed);
	if (err) {
		if (err != -EINVAL)
			pr_err("choosing a name seed: %s", strerror(-err));
		return 2;
	}
	printf("name seed 0x%016llx\n", (unsigned long long)*seed);
	return 0;
}

int fixture_each(FILE *f, const char *path, struct tc_case *c,
		 bool (*run)(void *arg, const struct tc_case *c), void *arg, int *passed,
		 int *failed)
{
	char *line = NULL, msg[256];
	size_t cap = 0;
	int lineno = 0, err = 0;

	rewind(f);
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		if (line[strspn(line, " \t\n")] == '\0' || line[0] == '#')
			continue;
		if (parse_case(line, c, msg, sizeof(msg))) {
			pr_err("%s:%d: %s", path, lineno, msg);
			err = -EINVAL;
			goto out;
		}
		if (run(arg, c))
			(*passed)++;
		else
			(*failed)++;
	}
	if (ferror(f)) {
		pr_err("reading %s: %s", path, strerror(errno));
		err = -EINVAL;
	}
out:
	free(line);
	return err;
}

int name_entries(__u64 seed, const struct tc_case *c, struct tc_name_entry *ents, int *nr)
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
			e->key.hash = eg_name_hash(seed, r->name, e->val.len);
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
	for (i = 0; i < *nr; i++) {
		struct eg_name_val *decoy = &ents[i].decoy;

		decoy->len = ents[i].val.len;
		if (ents[i].val.exact_id) {
			decoy->exact_id = 999;
			decoy->exact_action = EG_ACT_DROP;
		}
		if (ents[i].val.sub_id) {
			decoy->sub_id = 999;
			decoy->sub_action = EG_ACT_DROP;
		}
	}
	return 0;
}

bool rule_entry(const struct tc_rule *r, struct tc_rule_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (r->slots)
		return false;
	e->family = r->pfx.family == 4 ? 4 : 6;
	e->val.rule_id = r->id;
	e->val.action = r->action;
	e->k4.prefixlen = e->k6.prefixlen = r->pfx.len;
	if (e->family == 4)
		memcpy(e->k4.addr, r->pfx.addr, 4);
	else
		memcpy(e->k6.addr, r->pfx.addr, 16);
	return true;
}

void fixture_hint(__u64 *words, const struct tc_case *c)
{
	int i;

	/* The learned region is left alone: what was learned stays learned within a pass. */
	memset(words, 0, 2 * (size_t)EG_HINT_REGION_WORDS * sizeof(*words));
	for (i = 0; i < c->nr_rules; i++)
		if (!c->rules[i].slots)
			eg_hint_mark(words + eg_hint_region_of(c->rules[i].pfx.family) *
						     EG_HINT_REGION_WORDS, &c->rules[i].pfx, false);
}

void check_stat(const struct tc_case *c, __u32 i, __u64 got, struct tc_result *res)
{
	__u64 want = i == EG_S_PACKETS || (int)i == c->stat ||
		     (c->verdict >= 0 && i == EG_S_V_BASE + (__u32)c->verdict);

	if (i >= EG_S_V_BASE && i < EG_S_V_BASE + EG_V_MAX)
		ASSERT_EQ(res, got, want, "verdict counter %s",
			  eg_name_of("EG_V_", i - EG_S_V_BASE, 0));
	else
		ASSERT_EQ(res, got, want, "counter %s", eg_name_of("EG_S_", i, 0));
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

void check_event_head(const struct eg_event *e, __u64 t0, __u64 t1, int hook, struct tc_result *res)
{
	if (e->ts_ns < t0 || e->ts_ns > t1)
		failf(res, "event ts_ns (expected within [%llu, %llu], got %llu)",
		      (unsigned long long)t0, (unsigned long long)t1, (unsigned long long)e->ts_ns);
	ASSERT_EQ(res, e->netns_cookie, 0, "event netns_cookie");
	ASSERT_EQ(res, e->ifindex, LOOPBACK_IFINDEX, "event ifindex");
	ASSERT_ENUM(res, e->hook, hook, "EG_HOOK_", "event hook");
	ASSERT_EQ(res, e->pad, 0, "event pad");
	/*
	 * No process sent these frames: the owner must be all zero, never stale
	 * bytes. At XDP there is no socket: always zero.
	 */
	ASSERT_EQ(res, e->owner.pid, 0, "event owner pid");
	ASSERT_EQ(res, e->owner.tid, 0, "event owner tid");
	ASSERT_EQ(res, e->owner.cgroup_id, 0, "event owner cgroup_id");
}

void check_event_fields(const struct eg_event *e, const struct tc_case *c, struct tc_result *res)
{
	const struct eg_event *x = &c->ev;
	unsigned int m = c->ev_mask;

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

void check_output(const struct tc_case *c, const __u8 *out, __u32 out_len, struct tc_result *res)
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

__u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}
