// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The summary of egressctl run, from the lines of `events follow=1 json=1`.
 * An event line is one flat JSON object (agent/events.c): fields are read
 * by name, without a JSON library.
 */
#include <stdlib.h>
#include <string.h>

#include "run_summary.h"

/* A field of a one-line JSON object with flat members: string (unescaped) or number text. */
static bool json_get(const char *line, const char *key, char *out, size_t outlen)
{
	char pat[64];
	const char *p;
	size_t n = 0;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	if (!p || !outlen)
		return false;
	p += strlen(pat);
	if (*p != '"') {
		while (*p && *p != ',' && *p != '}' && n + 1 < outlen)
			out[n++] = *p++;
		out[n] = '\0';
		return true;
	}
	for (p++; *p && *p != '"' && n + 1 < outlen; p++) {
		if (*p == '\\' && p[1])
			p++;
		out[n++] = *p;
	}
	out[n] = '\0';
	return true;
}

static struct agg *agg_find(struct agg *v, int *n, const struct agg *k, bool by_rule)
{
	int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(v[i].dst, k->dst) && v[i].dport == k->dport &&
		    !strcmp(v[i].proto, k->proto) &&
		    (!by_rule || (v[i].rule == k->rule && !strcmp(v[i].verdict, k->verdict))))
			return &v[i];
	if (*n == MAX_AGG)
		return NULL;
	v[*n] = *k;
	v[*n].names[0] = '\0';
	v[*n].count = v[*n].conns = 0;
	return &v[(*n)++];
}

static void add_name(struct agg *a, const char *name, const char *src)
{
	char item[300];

	if (!*name)
		return;
	snprintf(item, sizeof(item), "%s (%s)", name, src);
	if (strstr(a->names, item))
		return;
	if (strlen(a->names) + strlen(item) + 3 < sizeof(a->names))
		snprintf(a->names + strlen(a->names), sizeof(a->names) - strlen(a->names), "%s%s",
			 a->names[0] ? ", " : "", item);
}

static void take_event(struct run_summary *S, const char *line)
{
	char ns[64], v[16], name[300], src[16], tmp[32], prefix[280], action[16];
	struct agg k = {}, *a;
	bool blocked, conn;
	unsigned flags;

	if (!json_get(line, "netns", ns, sizeof(ns)) || strcmp(ns, S->ns))
		return;
	json_get(line, "verdict", v, sizeof(v));
	json_get(line, "name", name, sizeof(name));
	json_get(line, "name_src", src, sizeof(src));
	json_get(line, "proto", k.proto, sizeof(k.proto));
	json_get(line, "dst", k.dst, sizeof(k.dst));
	json_get(line, "dport", tmp, sizeof(tmp));
	k.dport = strtoul(tmp, NULL, 10);
	json_get(line, "rule", tmp, sizeof(tmp));
	k.rule = strtoul(tmp, NULL, 10);
	json_get(line, "tcp_flags", tmp, sizeof(tmp));
	flags = strtoul(tmp, NULL, 10);
	json_get(line, "prefix", prefix, sizeof(prefix));
	json_get(line, "action", action, sizeof(action));
	snprintf(k.verdict, sizeof(k.verdict), "%s", v);
	if (k.rule)
		snprintf(k.rule_txt, sizeof(k.rule_txt), "%s %s", action, prefix);
	else
		json_get(line, "reason", k.rule_txt, sizeof(k.rule_txt));
	/* A connection: a TCP SYN without ACK, or any datagram. */
	conn = strcmp(k.proto, "tcp") || (flags & 0x12) == 0x02;
	blocked = !strncmp(v, "would-", 6) || !strcmp(v, "drop") || !strcmp(v, "reject");
	/* Blocked attempts: connections, or packets where no SYN was seen (a flow cut later). */
	if (blocked && (a = agg_find(S->blocked, &S->nblocked, &k, true))) {
		a->conns += conn;
		a->count = a->conns ? a->conns : a->count + 1;
		add_name(a, name, src);
	}
	if (S->monitor && (a = agg_find(S->seen, &S->nseen, &k, false))) {
		a->count++;
		a->conns += conn;
		add_name(a, name, src);
	}
}

/* Split what the stream gave into lines. */
void run_summary_feed(struct run_summary *S, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != '\n') {
			if (S->line_len + 1 < sizeof(S->line))
				S->line[S->line_len++] = p[i];
			continue;
		}
		S->line[S->line_len] = '\0';
		take_event(S, S->line);
		S->line_len = 0;
	}
}

void run_summary_reset(struct run_summary *S)
{
	S->nblocked = S->nseen = 0;
	S->line_len = 0;
}

static int cmp_agg(const void *a, const void *b)
{
	const struct agg *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->dst, y->dst);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void print_summary(struct run_summary *S, const char *cmd, int status, bool json, FILE *f)
{
	int i;

	qsort(S->blocked, S->nblocked, sizeof(S->blocked[0]), cmp_agg);
	qsort(S->seen, S->nseen, sizeof(S->seen[0]), cmp_agg);
	if (json) {
		fprintf(f, "{\"namespace\":\"%s\",\"exit_status\":%d,\"mode\":\"%s\",\"blocked\":[",
			S->ns, status, S->monitor ? "monitor" : "policy");
		for (i = 0; i < S->nblocked; i++) {
			struct agg *a = &S->blocked[i];

			fprintf(f, "%s{\"verdict\":\"%s\",\"rule\":%u,\"rule_text\":", i ? "," : "",
				a->verdict, a->rule);
			json_str(f, a->rule_txt);
			fprintf(f, ",\"names\":");
			json_str(f, a->names);
			fprintf(f, ",\"proto\":\"%s\",\"dst\":\"%s\",\"dport\":%u,\"count\":%lu}",
				a->proto, a->dst, a->dport, a->count);
		}
		fprintf(f, "]");
		if (S->monitor) {
			fprintf(f, ",\"inventory\":[");
			for (i = 0; i < S->nseen; i++) {
				struct agg *a = &S->seen[i];

				fprintf(f, "%s{\"proto\":\"%s\",\"dst\":\"%s\",\"dport\":%u,\"names\":",
					i ? "," : "", a->proto, a->dst, a->dport);
				json_str(f, a->names);
				fprintf(f, ",\"connections\":%lu,\"packets\":%lu}", a->conns,
					a->count);
			}
			fprintf(f, "]");
		}
		fprintf(f, "}\n");
		fflush(f);
		return;
	}
	fprintf(f, "egressctl run: %s exited with status %d\n", cmd, status);
	if (!S->nblocked)
		fprintf(f, "blocked: none\n");
	else
		fprintf(f, "blocked:\n  %-13s %-32s %-28s %-6s %-21s %s\n", "VERDICT", "RULE", "NAME",
			"PROTO", "ADDRESS:PORT", "COUNT");
	for (i = 0; i < S->nblocked; i++) {
		struct agg *a = &S->blocked[i];
		char ap[80];

		snprintf(ap, sizeof(ap), a->dport ? "%s:%u" : "%s", a->dst, a->dport);
		fprintf(f, "  %-13s %-32s %-28s %-6s %-21s %lu\n", a->verdict, a->rule_txt,
			a->names[0] ? a->names : "-", a->proto, ap, a->count);
	}
	if (S->monitor) {
		fprintf(f, "contacted:\n  %-6s %-21s %-40s %11s %8s\n", "PROTO", "ADDRESS:PORT",
			"NAMES", "CONNECTIONS", "PACKETS");
		for (i = 0; i < S->nseen; i++) {
			struct agg *a = &S->seen[i];
			char ap[80];

			snprintf(ap, sizeof(ap), a->dport ? "%s:%u" : "%s", a->dst, a->dport);
			fprintf(f, "  %-6s %-21s %-40s %11lu %8lu\n", a->proto, ap,
				a->names[0] ? a->names : "-", a->conns, a->count);
		}
	}
	fflush(f);
}

