// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "addr.h"
#include "egressgate.h"
#include "hint.h"
#include "learned.h"
#include "loader.h"
#include "policy.h"

/* bpf_ktime_get_ns() counts CLOCK_MONOTONIC. */
static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Walk the table; cb returns true to delete the entry it was given. */
static int walk(struct eg_loader *L, bool (*cb)(void *ctx, const struct eg_learned_key *k,
					      const struct eg_learned_val *v),
		void *ctx)
{
	struct eg_learned_key key, next, *doomed = NULL;
	struct eg_learned_val *v = malloc(sizeof(*v));
	size_t n = 0, cap = 0, i;
	void *prev = NULL;
	int err = 0, gone = 0;

	if (!v)
		return -ENOMEM;
	while (!bpf_map_get_next_key(L->fd_learned, prev, &next)) {
		if (!bpf_map_lookup_elem(L->fd_learned, &next, v) && cb(ctx, &next, v)) {
			if (n == cap) {
				void *nd = realloc(doomed, (cap = cap ? cap * 2 : 64) * sizeof(key));

				if (!nd) {
					err = -ENOMEM;
					break;
				}
				doomed = nd;
			}
			doomed[n++] = next;
		}
		key = next;
		prev = &key;
	}
	/* Deleting while walking a hash map would restart the walk: delete after. */
	for (i = 0; i < n; i++)
		if (!bpf_map_delete_elem(L->fd_learned, &doomed[i]))
			gone++;
	free(doomed);
	free(v);
	return err ?: gone;
}

static bool expired(void *ctx, const struct eg_learned_key *k, const struct eg_learned_val *v)
{
	return v->expires_ns <= *(__u64 *)ctx;
}

int eg_learned_gc(struct eg_loader *L)
{
	__u64 now = mono_ns();

	return walk(L, expired, &now);
}

static bool hint_one(void *ctx, const struct eg_learned_key *k, const struct eg_learned_val *v)
{
	struct eg_prefix p = { .family = k->family, .len = k->family == 4 ? 32 : 128 };
	__u64 *hint = ctx;

	(void)v;
	memcpy(p.addr, k->addr, sizeof(p.addr));
	eg_hint_mark(hint + EG_HINT_LEARNED * EG_HINT_REGION_WORDS, &p, true);
	return false;
}

int eg_learned_hint(struct eg_loader *L)
{
	int err = walk(L, hint_one, L->hint);

	return err < 0 ? err : 0;
}

struct counting {
	__u64 now;
	int n;
};

static bool count_one(void *ctx, const struct eg_learned_key *k, const struct eg_learned_val *v)
{
	struct counting *c = ctx;

	if (v->expires_ns > c->now)
		c->n++;
	return false;
}

int eg_learned_count(struct eg_loader *L)
{
	struct counting c = { .now = mono_ns() };
	int err = walk(L, count_one, &c);

	return err < 0 ? err : c.n;
}

struct listing {
	struct eg_buf *b;
	bool json;
	__u64 now;
	int n;
};

static bool list_one(void *ctx, const struct eg_learned_key *k, const struct eg_learned_val *v)
{
	struct listing *l = ctx;
	char addr[64], name[EG_NAME_BUF];

	if (v->expires_ns <= l->now)
		return false;
	eg_addr_format(k->family, k->addr, addr, sizeof(addr));
	memcpy(name, v->name, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	if (l->json) {
		eg_buf_printf(l->b, "%s{\"address\":\"%s\",\"name\":", l->n ? "," : "", addr);
		eg_buf_json_str(l->b, name);
		eg_buf_printf(l->b, ",\"rule\":%u,\"action\":\"%s\",\"expires_in_s\":%llu}",
			      v->rule_id, eg_action_name(v->action),
			      (unsigned long long)((v->expires_ns - l->now) / 1000000000ULL));
	} else {
		eg_buf_printf(l->b, "%-40s %-40s %6u %-8s %8llus\n", addr, name, v->rule_id,
			      eg_action_name(v->action),
			      (unsigned long long)((v->expires_ns - l->now) / 1000000000ULL));
	}
	l->n++;
	return false;
}

int eg_learned_list(struct eg_loader *L, struct eg_buf *b, bool json)
{
	struct listing l = { .b = b, .json = json, .now = mono_ns() };
	int err;

	if (json)
		eg_buf_printf(b, "[");
	else
		eg_buf_printf(b, "%-40s %-40s %6s %-8s %9s\n", "ADDRESS", "NAME", "RULE", "ACTION",
			      "EXPIRES");
	err = walk(L, list_one, &l);
	if (json)
		eg_buf_printf(b, "]\n");
	return err < 0 ? err : 0;
}
