// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Policy file parser. Grammar (one statement a line, '#' starts a comment):
 *   mode enforce|monitor
 *   default allow|deny
 *   block|drop|allow|monitor PREFIX   [# text kept as the rule's comment]
 *   block|drop|allow|monitor name NAME|*.NAME|=NAME   [# comment]
 *   dns-refusal refused|nxdomain
 *   dns-port PORT
 *   quic block|allow
 *   learn-ttl MIN MAX   (seconds a learned address lives, whatever the answer says)
 *   attach [netns NAME|PATTERN | pid PID] dev DEV [hook auto|tcx|tc|xdp]
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define LINE_MAX_LEN 4096
#define MAX_WORDS 16

static const char *const action_names[EG_ACT_MAX] = {
	[EG_ACT_NONE] = "none",	      [EG_ACT_ALLOW] = "allow", [EG_ACT_MONITOR] = "monitor",
	[EG_ACT_DROP] = "drop",	      [EG_ACT_BLOCK] = "block",
};

const char *eg_action_name(int action)
{
	if (action < 0 || action >= EG_ACT_MAX)
		return "?";
	return action_names[action];
}

int eg_action_parse(const char *s)
{
	int i;

	for (i = EG_ACT_ALLOW; i < EG_ACT_MAX; i++)
		if (!strcmp(s, action_names[i]))
			return i;
	return -EINVAL;
}

const char *eg_hook_pref_name(int hook)
{
	switch (hook) {
	case EG_HOOKP_TCX:
		return "tcx";
	case EG_HOOKP_TC:
		return "tc";
	case EG_HOOKP_XDP:
		return "xdp";
	default:
		return "auto";
	}
}

int eg_hook_pref_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return EG_HOOKP_AUTO;
	if (!strcmp(s, "tcx"))
		return EG_HOOKP_TCX;
	if (!strcmp(s, "tc"))
		return EG_HOOKP_TC;
	if (!strcmp(s, "xdp"))
		return EG_HOOKP_XDP;
	return -EINVAL;
}

int eg_dev_name_check(const char *dev, char *err, size_t errlen)
{
	const char *c;

	if (!*dev || strlen(dev) >= IF_NAMESIZE || !strcmp(dev, ".") || !strcmp(dev, "..")) {
		snprintf(err, errlen, "'%s' is not an interface name (1 to %d characters)", dev,
			 IF_NAMESIZE - 1);
		return -EINVAL;
	}
	for (c = dev; *c; c++) {
		if (*c == '/' || *c == ':' || isspace((unsigned char)*c) || !isprint((unsigned char)*c)) {
			snprintf(err, errlen, "'%s' is not an interface name (bad character)", dev);
			return -EINVAL;
		}
	}
	return 0;
}

int eg_netns_name_check(const char *name, char *err, size_t errlen)
{
	const char *c;

	if (!*name || strlen(name) >= EG_NETNS_NAME_MAX || !strcmp(name, ".") ||
	    !strcmp(name, "..")) {
		snprintf(err, errlen, "'%s' is not a network namespace name", name);
		return -EINVAL;
	}
	for (c = name; *c; c++) {
		if (*c == '/' || isspace((unsigned char)*c) || !isprint((unsigned char)*c)) {
			snprintf(err, errlen, "'%s' is not a network namespace name (bad character)",
				 name);
			return -EINVAL;
		}
	}
	return 0;
}

int eg_comment_check(const char *comment, char *err, size_t errlen)
{
	const char *c;

	if (strlen(comment) >= EG_COMMENT_MAX) {
		snprintf(err, errlen, "comment is longer than %d bytes", EG_COMMENT_MAX - 1);
		return -EINVAL;
	}
	for (c = comment; *c; c++) {
		unsigned char b = *c;
		int follow = b < 0x80 ? 0 : (b & 0xe0) == 0xc0 ? 1 : (b & 0xf0) == 0xe0 ? 2 :
					   (b & 0xf8) == 0xf0 ? 3 : -1;

		if (b < 0x20 || b == 0x7f) {
			snprintf(err, errlen, "comment holds a control character");
			return -EINVAL;
		}
		/* Comments end up in JSON: they must be UTF-8. */
		if (follow < 0 || (follow == 1 && b < 0xc2) || (follow == 3 && b > 0xf4))
			goto bad_utf8;
		while (follow--) {
			if (((unsigned char)*++c & 0xc0) != 0x80)
				goto bad_utf8;
		}
	}
	return 0;
bad_utf8:
	snprintf(err, errlen, "comment is not valid UTF-8");
	return -EINVAL;
}

void eg_target_format(const struct eg_target *t, char *buf, size_t len)
{
	switch (t->kind) {
	case EG_TGT_NETNS:
		snprintf(buf, len, "%s/%s", t->netns, t->dev);
		break;
	case EG_TGT_PID:
		snprintf(buf, len, "pid:%d/%s", t->pid, t->dev);
		break;
	default:
		snprintf(buf, len, "%s", t->dev);
	}
}

void eg_policy_free(struct eg_policy *p)
{
	free(p->names);
	free(p->rules);
	free(p->targets);
	memset(p, 0, sizeof(*p));
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *na;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	na = realloc(*arr, ncap * size);
	if (!na)
		return -ENOMEM;
	*arr = na;
	*cap = ncap;
	return 0;
}

struct parse_ctx {
	const char *name;
	int line;
	char *err;
	size_t errlen;
	bool seen_mode, seen_default, seen_rcode, seen_quic, seen_ttl;
};

__attribute__((format(printf, 2, 3))) static int perr(struct parse_ctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->line)
		snprintf(c->err, c->errlen, "%s:%d: %s", c->name, c->line, msg);
	else
		snprintf(c->err, c->errlen, "%s: %s", c->name, msg);
	return -EINVAL;
}

/* The text after '#': layout trimmed, tabs read as spaces, checked like the CLI's. */
static int take_comment(struct parse_ctx *c, const char *comment, char *out)
{
	char text[LINE_MAX_LEN + 1], msg[256], *t;
	size_t l;

	out[0] = '\0';
	if (!comment)
		return 0;
	while (isspace((unsigned char)*comment))
		comment++;
	snprintf(text, sizeof(text), "%s", comment);
	for (l = strlen(text); l && isspace((unsigned char)text[l - 1]); l--)
		text[l - 1] = '\0';
	for (t = text; *t; t++)
		if (*t == '\t')
			*t = ' ';
	if (eg_comment_check(text, msg, sizeof(msg)))
		return perr(c, "%s", msg);
	strcpy(out, text);
	return 0;
}

static int parse_name_rule(struct parse_ctx *c, struct eg_policy *p, int action, char **w, int n,
			   const char *comment)
{
	struct eg_nrule *r;
	char msg[256];

	if (n != 3)
		return perr(c, "'%s name' takes one name, e.g. '%s name github.com'", w[0], w[0]);
	if (grow((void **)&p->names, &p->names_cap, p->nnames, sizeof(*p->names)))
		return perr(c, "out of memory");
	r = &p->names[p->nnames];
	memset(r, 0, sizeof(*r));
	if (eg_name_parse(w[2], &r->pat, msg, sizeof(msg)))
		return perr(c, "%s", msg);
	r->action = action;
	r->line = c->line;
	if (take_comment(c, comment, r->comment))
		return -EINVAL;
	p->nnames++;
	return 0;
}

static int parse_rule(struct parse_ctx *c, struct eg_policy *p, int action, char **w, int n,
		      const char *comment)
{
	if (n >= 2 && !strcmp(w[1], "name"))
		return parse_name_rule(c, p, action, w, n, comment);
	struct eg_rule *r;
	char msg[256];
	int err;

	if (n != 2)
		return perr(c, "'%s' takes one prefix, e.g. '%s 198.51.100.0/24'", w[0], w[0]);
	err = grow((void **)&p->rules, &p->rules_cap, p->nrules, sizeof(*p->rules));
	if (err)
		return perr(c, "out of memory");
	r = &p->rules[p->nrules];
	memset(r, 0, sizeof(*r));
	if (eg_prefix_parse(w[1], &r->pfx, msg, sizeof(msg)))
		return perr(c, "%s", msg);
	r->action = action;
	r->line = c->line;
	if (take_comment(c, comment, r->comment))
		return -EINVAL;
	p->nrules++;
	return 0;
}

static int parse_attach(struct parse_ctx *c, struct eg_policy *p, char **w, int n)
{
	struct eg_target t = { .kind = EG_TGT_HOST, .line = c->line };
	char msg[256], *end;
	bool have_dev = false, have_ns = false, have_hook = false;
	int i, err;

	for (i = 1; i < n; i += 2) {
		if (i + 1 >= n)
			return perr(c, "attach: '%s' needs a value", w[i]);
		if (!strcmp(w[i], "dev")) {
			if (have_dev)
				return perr(c, "attach: 'dev' given twice");
			if (eg_dev_name_check(w[i + 1], msg, sizeof(msg)))
				return perr(c, "attach: %s", msg);
			strcpy(t.dev, w[i + 1]);
			have_dev = true;
		} else if (!strcmp(w[i], "netns")) {
			if (have_ns)
				return perr(c, "attach: give one of 'netns' or 'pid'");
			if (eg_netns_name_check(w[i + 1], msg, sizeof(msg)))
				return perr(c, "attach: %s", msg);
			t.kind = EG_TGT_NETNS;
			strcpy(t.netns, w[i + 1]);
			have_ns = true;
		} else if (!strcmp(w[i], "pid")) {
			long pid;

			if (have_ns)
				return perr(c, "attach: give one of 'netns' or 'pid'");
			errno = 0;
			pid = strtol(w[i + 1], &end, 10);
			if (*end || errno || pid <= 0 || pid > 0x3fffffff)
				return perr(c, "attach: '%s' is not a process id", w[i + 1]);
			t.kind = EG_TGT_PID;
			t.pid = pid;
			have_ns = true;
		} else if (!strcmp(w[i], "hook")) {
			int h = eg_hook_pref_parse(w[i + 1]);

			if (h < 0 || have_hook)
				return perr(c, "attach: hook must be auto, tcx, tc or xdp, once");
			t.hook = h;
			have_hook = true;
		} else {
			return perr(c, "attach: unknown word '%s' (expected dev, netns, pid or hook)",
				    w[i]);
		}
	}
	if (!have_dev)
		return perr(c, "attach: missing 'dev DEV'");
	for (size_t j = 0; j < p->ntargets; j++) {
		struct eg_target *o = &p->targets[j];

		if (o->kind == t.kind && o->pid == t.pid && !strcmp(o->netns, t.netns) &&
		    !strcmp(o->dev, t.dev))
			return perr(c, "attach: same target as line %d", o->line);
	}
	err = grow((void **)&p->targets, &p->targets_cap, p->ntargets, sizeof(*p->targets));
	if (err)
		return perr(c, "out of memory");
	p->targets[p->ntargets++] = t;
	return 0;
}

static int parse_line(struct parse_ctx *c, struct eg_policy *p, char *line)
{
	char *w[MAX_WORDS], *comment, *s;
	int n = 0, action;

	comment = strchr(line, '#');
	if (comment)
		*comment++ = '\0';
	for (s = strtok(line, " \t\r\n"); s; s = strtok(NULL, " \t\r\n")) {
		if (n == MAX_WORDS)
			return perr(c, "too many words");
		w[n++] = s;
	}
	if (!n)
		return 0;
	if (!strcmp(w[0], "mode")) {
		if (n != 2 || (strcmp(w[1], "enforce") && strcmp(w[1], "monitor")))
			return perr(c, "mode must be 'enforce' or 'monitor'");
		if (c->seen_mode)
			return perr(c, "mode given twice");
		c->seen_mode = true;
		p->mode = strcmp(w[1], "enforce") ? EG_MODE_MONITOR : EG_MODE_ENFORCE;
		return 0;
	}
	if (!strcmp(w[0], "default")) {
		if (n != 2 || (strcmp(w[1], "allow") && strcmp(w[1], "deny")))
			return perr(c, "default must be 'allow' or 'deny'");
		if (c->seen_default)
			return perr(c, "default given twice");
		c->seen_default = true;
		p->default_action = strcmp(w[1], "allow") ? EG_ACT_BLOCK : EG_ACT_ALLOW;
		return 0;
	}
	if (!strcmp(w[0], "attach"))
		return parse_attach(c, p, w, n);
	if (!strcmp(w[0], "dns-refusal")) {
		if (n != 2 || (strcmp(w[1], "refused") && strcmp(w[1], "nxdomain")))
			return perr(c, "dns-refusal must be 'refused' or 'nxdomain'");
		if (c->seen_rcode)
			return perr(c, "dns-refusal given twice");
		c->seen_rcode = true;
		p->dns_rcode = strcmp(w[1], "refused") ? EG_DNS_NXDOMAIN : EG_DNS_REFUSED;
		return 0;
	}
	if (!strcmp(w[0], "quic")) {
		if (n != 2 || (strcmp(w[1], "block") && strcmp(w[1], "allow")))
			return perr(c, "quic must be 'block' or 'allow'");
		if (c->seen_quic)
			return perr(c, "quic given twice");
		c->seen_quic = true;
		p->quic_block = !strcmp(w[1], "block");
		return 0;
	}
	if (!strcmp(w[0], "learn-ttl")) {
		char *e1, *e2;
		long lo, hi;

		if (n != 3)
			return perr(c, "learn-ttl takes a minimum and a maximum in seconds, e.g. "
				       "'learn-ttl 30 3600'");
		errno = 0;
		lo = strtol(w[1], &e1, 10);
		hi = strtol(w[2], &e2, 10);
		if (*e1 || *e2 || errno || lo < 1 || hi < lo || hi > 7 * 86400)
			return perr(c, "learn-ttl: want 1 <= MIN <= MAX <= 604800 seconds");
		if (c->seen_ttl)
			return perr(c, "learn-ttl given twice");
		c->seen_ttl = true;
		p->learn_ttl_min = lo;
		p->learn_ttl_max = hi;
		return 0;
	}
	if (!strcmp(w[0], "dns-port")) {
		char *end;
		long port;
		int i;

		if (n != 2)
			return perr(c, "dns-port takes one port, e.g. 'dns-port 5353'");
		errno = 0;
		port = strtol(w[1], &end, 10);
		if (*end || errno || port < 1 || port > 65535)
			return perr(c, "dns-port: '%s' is not a port (1 to 65535)", w[1]);
		if (port == 53)
			return perr(c, "dns-port: 53 is always a DNS port");
		for (i = 0; i < p->ndns_ports; i++)
			if (p->dns_ports[i] == port)
				return perr(c, "dns-port %ld given twice", port);
		if (p->ndns_ports == EG_MAX_DNS_PORTS)
			return perr(c, "at most %d dns-port lines", EG_MAX_DNS_PORTS);
		p->dns_ports[p->ndns_ports++] = port;
		return 0;
	}
	action = eg_action_parse(w[0]);
	if (action > 0)
		return parse_rule(c, p, action, w, n, comment);
	return perr(c, "unknown statement '%s' (expected mode, default, block, drop, allow, "
		       "monitor, attach, dns-refusal, dns-port, quic or learn-ttl)", w[0]);
}

static int cmp_rule(const void *a, const void *b)
{
	const struct eg_rule *x = a, *y = b;
	int r = eg_prefix_cmp(&x->pfx, &y->pfx);

	return r ? r : x->line - y->line;
}

static int cmp_nrule(const void *a, const void *b)
{
	const struct eg_nrule *x = a, *y = b;
	int r = eg_name_cmp(&x->pat, &y->pat);

	return r ? r : x->line - y->line;
}

static int check_names(struct parse_ctx *c, struct eg_policy *p)
{
	size_t i;

	if (p->nnames)
		qsort(p->names, p->nnames, sizeof(*p->names), cmp_nrule);
	for (i = 1; i < p->nnames; i++) {
		if (!eg_name_cmp(&p->names[i].pat, &p->names[i - 1].pat)) {
			char s[EG_NAME_BUF + 4];

			eg_name_format(&p->names[i].pat, s, sizeof(s));
			c->line = p->names[i].line;
			return perr(c, "name %s already has a rule at line %d", s,
				    p->names[i - 1].line);
		}
	}
	c->line = 0;
	if (p->nnames > EG_MAX_NAME_RULES)
		return perr(c, "%zu name rules exceed the capacity of %u", p->nnames,
			    EG_MAX_NAME_RULES);
	return 0;
}

/* Sorting also groups rules for the map updates; a duplicate is an error. */
static int check_rules(struct parse_ctx *c, struct eg_policy *p)
{
	size_t i, n4 = 0, n6 = 0;

	if (check_names(c, p))
		return -EINVAL;

	if (p->nrules) /* qsort(NULL, 0, ...) is undefined */
		qsort(p->rules, p->nrules, sizeof(*p->rules), cmp_rule);
	for (i = 0; i < p->nrules; i++) {
		if (p->rules[i].pfx.family == 4)
			n4++;
		else
			n6++;
		if (i && eg_prefix_equal(&p->rules[i].pfx, &p->rules[i - 1].pfx)) {
			char s[EG_PREFIX_STR];

			eg_prefix_format(&p->rules[i].pfx, s, sizeof(s));
			c->line = p->rules[i].line;
			return perr(c, "%s already has a rule at line %d", s, p->rules[i - 1].line);
		}
	}
	c->line = 0;
	if (n4 > EG_MAX_V4_RULES)
		return perr(c, "%zu IPv4 rules exceed the capacity of %u", n4, EG_MAX_V4_RULES);
	if (n6 > EG_MAX_V6_RULES)
		return perr(c, "%zu IPv6 rules exceed the capacity of %u", n6, EG_MAX_V6_RULES);
	return 0;
}

int eg_policy_parse(const char *name, FILE *f, struct eg_policy *p, char *err, size_t errlen)
{
	struct parse_ctx c = { .name = name, .err = err, .errlen = errlen };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	p->mode = EG_MODE_ENFORCE;
	p->default_action = EG_ACT_ALLOW;
	p->dns_rcode = EG_DNS_REFUSED;
	p->learn_ttl_min = EG_LEARN_TTL_MIN;
	p->learn_ttl_max = EG_LEARN_TTL_MAX;
	while ((n = getline(&line, &cap, f)) >= 0) {
		c.line++;
		if (n > LINE_MAX_LEN) {
			ret = perr(&c, "line longer than %d bytes", LINE_MAX_LEN);
			break;
		}
		if (memchr(line, '\0', n)) {
			ret = perr(&c, "NUL byte in line");
			break;
		}
		ret = parse_line(&c, p, line);
		if (ret)
			break;
	}
	free(line);
	if (!ret && ferror(f))
		ret = perr(&c, "read error");
	if (!ret) {
		c.line = 0;
		ret = check_rules(&c, p);
	}
	if (ret)
		eg_policy_free(p);
	return ret;
}

int eg_policy_load(const char *path, struct eg_policy *p, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = eg_policy_parse(path, f, p, err, errlen);
	fclose(f);
	return ret;
}
