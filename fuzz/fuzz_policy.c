// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for the policy file parser (agent/policy.c over
 * lib/addr.c). The input is a policy file, read through fmemopen().
 *
 * The sanitizers catch memory and undefined-behaviour errors; the checks
 * below catch a parser that returns something the rest of egressd would
 * trust wrongly. On success: every prefix is a network (no host bits, no
 * stray bytes past the family's address size, as eg_prefix_cmp() compares
 * all 16), families are 4 or 6, no two rules share a prefix, every target
 * names a device the kernel would accept, every comment fits. On failure:
 * the message is NUL-terminated inside the buffer, starts with the file
 * name, points at a line that exists, and nothing is left allocated.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define NAME "fuzz.policy"
#define ERRLEN 512
#define CANARY 0xa5
#define CANARY_LEN 32

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_policy: %s:%d: %s: ", __FILE__, __LINE__, #cond);    \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static int parse(const uint8_t *data, size_t size, struct eg_policy *p, char *err, size_t errlen)
{
	static char empty[1];
	FILE *f;
	int ret;

	/* Read-only stream over the input; "r" never writes through the cast. */
	f = fmemopen(size ? (void *)data : empty, size, "r");
	CHECK(f, "fmemopen: %s", strerror(errno));
	ret = eg_policy_parse(NAME, f, p, err, errlen);
	fclose(f);
	return ret;
}

static int addr_bytes(int family)
{
	return family == 4 ? 4 : 16;
}

/* Independent of eg_prefix_cmp(): only the family's address bytes count. */
static int cmp_pfx(const void *a, const void *b)
{
	const struct eg_prefix *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->addr, y->addr, addr_bytes(x->family));
}

static void check_prefix(const struct eg_prefix *pfx, int line)
{
	int maxlen, i;
	struct eg_prefix back;
	char s[EG_PREFIX_STR], msg[256];

	CHECK(pfx->family == 4 || pfx->family == 6, "line %d: family %u", line, pfx->family);
	maxlen = pfx->family == 4 ? 32 : 128;
	CHECK(pfx->len <= maxlen, "line %d: /%u for family %u", line, pfx->len, pfx->family);
	for (i = pfx->len; i < 128; i++)
		CHECK(!(pfx->addr[i / 8] & (0x80 >> (i % 8))), "line %d: bit %d set beyond /%u",
		      line, i, pfx->len);

	/* What egressctl prints must read back as the same prefix. */
	eg_prefix_format(pfx, s, sizeof(s));
	CHECK(memchr(s, '\0', sizeof(s)), "line %d: formatted prefix not terminated", line);
	CHECK(!eg_prefix_parse(s, &back, msg, sizeof(msg)), "line %d: '%s' refused: %s", line, s,
	      msg);
	CHECK(eg_prefix_equal(pfx, &back), "line %d: '%s' reads back differently", line, s);
}

static void check_comment(const char *comment, int line)
{
	const char *end = memchr(comment, '\0', EG_COMMENT_MAX);
	size_t len, i;

	CHECK(end, "line %d: comment not NUL-terminated", line);
	len = end - comment;
	CHECK(len < EG_COMMENT_MAX, "line %d: comment of %zu bytes", line, len);
	for (i = 0; i < len; i++)
		CHECK((unsigned char)comment[i] >= 0x20, "line %d: control byte 0x%02x in comment",
		      line, (unsigned char)comment[i]);
	/* Leading and trailing blanks are layout, stripped by the parser. */
	CHECK(!len || (!isspace((unsigned char)comment[0]) &&
		       !isspace((unsigned char)comment[len - 1])),
	      "line %d: comment '%s' keeps blanks", line, comment);
}

static void check_target(const struct eg_target *t, int nlines)
{
	char msg[256], s[EG_NETNS_NAME_MAX + IF_NAMESIZE + 32];
	size_t dlen;

	CHECK(t->line >= 1 && t->line <= nlines, "target line %d of %d", t->line, nlines);
	CHECK(memchr(t->dev, '\0', sizeof(t->dev)), "line %d: dev not NUL-terminated", t->line);
	dlen = strlen(t->dev);
	CHECK(dlen >= 1 && dlen < IF_NAMESIZE, "line %d: dev of %zu bytes", t->line, dlen);
	CHECK(!eg_dev_name_check(t->dev, msg, sizeof(msg)), "line %d: %s", t->line, msg);
	CHECK(memchr(t->netns, '\0', sizeof(t->netns)), "line %d: netns not NUL-terminated",
	      t->line);
	switch (t->kind) {
	case EG_TGT_HOST:
		CHECK(!t->netns[0] && !t->pid, "line %d: host target with a namespace", t->line);
		break;
	case EG_TGT_NETNS:
		CHECK(!eg_netns_name_check(t->netns, msg, sizeof(msg)), "line %d: %s", t->line,
		      msg);
		CHECK(!t->pid, "line %d: netns target with pid %d", t->line, t->pid);
		break;
	case EG_TGT_PID:
		CHECK(t->pid > 0 && !t->netns[0], "line %d: pid target %d '%s'", t->line, t->pid,
		      t->netns);
		break;
	default:
		CHECK(0, "line %d: target kind %d", t->line, t->kind);
	}
	CHECK(t->hook == EG_HOOKP_AUTO || t->hook == EG_HOOKP_TCX || t->hook == EG_HOOKP_TC,
	      "line %d: hook %d", t->line, t->hook);
	eg_target_format(t, s, sizeof(s));
	CHECK(memchr(s, '\0', sizeof(s)), "line %d: formatted target not terminated", t->line);
}

static void check_ok(const struct eg_policy *p, int nlines)
{
	struct eg_prefix *sorted;
	size_t i, j;

	CHECK(p->mode == EG_MODE_ENFORCE || p->mode == EG_MODE_MONITOR, "mode %d", p->mode);
	CHECK(p->default_action == EG_ACT_ALLOW || p->default_action == EG_ACT_BLOCK,
	      "default action %d", p->default_action);
	CHECK(p->nrules <= p->rules_cap && (!p->nrules || p->rules), "%zu rules, cap %zu",
	      p->nrules, p->rules_cap);
	CHECK(p->ntargets <= p->targets_cap && (!p->ntargets || p->targets), "%zu targets, cap %zu",
	      p->ntargets, p->targets_cap);

	for (i = 0; i < p->nrules; i++) {
		const struct eg_rule *r = &p->rules[i];

		CHECK(r->line >= 1 && r->line <= nlines, "rule line %d of %d", r->line, nlines);
		CHECK(r->action >= EG_ACT_ALLOW && r->action <= EG_ACT_BLOCK, "line %d: action %u",
		      r->line, r->action);
		check_prefix(&r->pfx, r->line);
		check_comment(r->comment, r->line);
		/* The rules go to the maps in this order, grouped by family. */
		if (i)
			CHECK(eg_prefix_cmp(&p->rules[i - 1].pfx, &r->pfx) < 0,
			      "rules %zu and %zu out of order", i - 1, i);
	}

	/* No two rules share a prefix, by a comparison that does not trust addr.c. */
	if (p->nrules) {
		sorted = malloc(p->nrules * sizeof(*sorted));
		CHECK(sorted, "out of memory");
		for (i = 0; i < p->nrules; i++)
			sorted[i] = p->rules[i].pfx;
		qsort(sorted, p->nrules, sizeof(*sorted), cmp_pfx);
		for (i = 1; i < p->nrules; i++)
			CHECK(cmp_pfx(&sorted[i - 1], &sorted[i]), "two rules for one prefix");
		free(sorted);
	}

	for (i = 0; i < p->ntargets; i++) {
		const struct eg_target *t = &p->targets[i];

		check_target(t, nlines);
		for (j = 0; j < i; j++) {
			const struct eg_target *o = &p->targets[j];

			CHECK(o->kind != t->kind || o->pid != t->pid ||
				      strcmp(o->netns, t->netns) || strcmp(o->dev, t->dev),
			      "lines %d and %d attach to the same target", o->line, t->line);
		}
	}
}

/* "NAME: what" or "NAME:LINE: what", with LINE a line of the input. */
static void check_err(const char *err, size_t errlen, int nlines)
{
	size_t nlen = strlen(NAME);
	const char *s;
	long line;
	char *end;

	CHECK(memchr(err, '\0', errlen), "error message not NUL-terminated");
	CHECK(!strncmp(err, NAME, nlen) && err[nlen] == ':', "error '%s' does not start with %s",
	      err, NAME);
	s = err + nlen + 1;
	if (*s == ' ')
		return;
	line = strtol(s, &end, 10);
	CHECK(end != s && *end == ':' && line >= 1 && line <= nlines,
	      "error '%s' names no line of %d", err, nlines);
}

static void check_canary(const char *buf, size_t from)
{
	size_t i;

	for (i = from; i < from + CANARY_LEN; i++)
		CHECK((unsigned char)buf[i] == CANARY, "error written past its length at %zu", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ERRLEN + CANARY_LEN], err2[ERRLEN + CANARY_LEN];
	struct eg_policy p, p2;
	size_t short_len, i;
	int ret, ret2, nlines = 1;

	/* A last line without '\n' still counts; one past the last is where EOF errors land. */
	for (i = 0; i < size; i++)
		nlines += data[i] == '\n';

	memset(err, CANARY, sizeof(err));
	ret = parse(data, size, &p, err, ERRLEN);
	check_canary(err, ERRLEN);
	if (!ret) {
		check_ok(&p, nlines);
		eg_policy_free(&p);
		return 0;
	}

	CHECK(ret == -EINVAL, "returned %d", ret);
	CHECK(!p.rules && !p.nrules && !p.targets && !p.ntargets,
	      "a failed parse left rules or targets behind");
	check_err(err, ERRLEN, nlines);

	/* A short buffer gets the same message, cut and still terminated. */
	short_len = 1 + size % 48;
	memset(err2, CANARY, sizeof(err2));
	ret2 = parse(data, size, &p2, err2, short_len);
	check_canary(err2, short_len);
	CHECK(ret2 == ret, "second parse returned %d, first %d", ret2, ret);
	CHECK(memchr(err2, '\0', short_len), "short error message not NUL-terminated");
	CHECK(!strncmp(err, err2, short_len - 1), "short error '%s' is not a prefix of '%s'", err2,
	      err);
	return 0;
}
