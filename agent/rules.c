// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "loader.h"
#include "log.h"
#include "rules.h"

static __u64 hash_prefix(const struct eg_prefix *p)
{
	__u64 h = 1469598103934665603ULL; /* FNV-1a */
	const __u8 *b = (const __u8 *)p;
	size_t i;

	for (i = 0; i < sizeof(*p); i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

int eg_rules_init(struct eg_rules *R)
{
	memset(R, 0, sizeof(*R));
	R->cap = 1024;
	R->tab = calloc(R->cap, sizeof(*R->tab));
	R->next_id = 1;
	R->default_action = EG_ACT_ALLOW;
	return R->tab ? 0 : -ENOMEM;
}

void eg_rules_free(struct eg_rules *R)
{
	free(R->tab);
	memset(R, 0, sizeof(*R));
}

static struct eg_rentry *slot(struct eg_rentry *tab, size_t cap, const struct eg_prefix *p)
{
	size_t i = hash_prefix(p) & (cap - 1);

	while (tab[i].used && !eg_prefix_equal(&tab[i].r.pfx, p))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

struct eg_rentry *eg_rules_find(struct eg_rules *R, const struct eg_prefix *p)
{
	struct eg_rentry *e = slot(R->tab, R->cap, p);

	return e->used ? e : NULL;
}

static int grow(struct eg_rules *R)
{
	struct eg_rentry *nt;
	size_t i, ncap = R->cap * 2;

	if ((R->n + 1) * 2 < R->cap)
		return 0;
	nt = calloc(ncap, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	for (i = 0; i < R->cap; i++)
		if (R->tab[i].used)
			*slot(nt, ncap, &R->tab[i].r.pfx) = R->tab[i];
	free(R->tab);
	R->tab = nt;
	R->cap = ncap;
	return 0;
}

static int tab_put(struct eg_rules *R, const struct eg_rule *r, __u32 id)
{
	struct eg_rentry *e;
	int err = grow(R);

	if (err)
		return err;
	e = slot(R->tab, R->cap, &r->pfx);
	if (!e->used) {
		R->n++;
		if (r->pfx.family == 4)
			R->n4++;
		else
			R->n6++;
	}
	e->r = *r;
	e->id = id;
	e->used = true;
	if (id >= R->next_id)
		R->next_id = id + 1;
	return 0;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void tab_del(struct eg_rules *R, struct eg_rentry *e)
{
	size_t i = e - R->tab, j = i, k;

	if (e->r.pfx.family == 4)
		R->n4--;
	else
		R->n6--;
	R->n--;
	R->tab[i].used = false;
	for (;;) {
		j = (j + 1) & (R->cap - 1);
		if (!R->tab[j].used)
			return;
		k = hash_prefix(&R->tab[j].r.pfx) & (R->cap - 1);
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			R->tab[i] = R->tab[j];
			R->tab[j].used = false;
			i = j;
		}
	}
}

static int map_fd(struct eg_loader *L, int family)
{
	return family == 4 ? L->fd_v4 : L->fd_v6;
}

static void make_key(const struct eg_prefix *p, void *key)
{
	if (p->family == 4) {
		struct eg_v4_key *k = key;

		memset(k, 0, sizeof(*k));
		k->prefixlen = p->len;
		memcpy(k->addr, p->addr, 4);
	} else {
		struct eg_v6_key *k = key;

		memset(k, 0, sizeof(*k));
		k->prefixlen = p->len;
		memcpy(k->addr, p->addr, 16);
	}
}

static int map_put(struct eg_loader *L, const struct eg_prefix *p, __u32 id, int action)
{
	struct eg_rule_val v = { .rule_id = id, .action = action };
	struct eg_v6_key key; /* large enough for either */

	make_key(p, &key);
	if (bpf_map_update_elem(map_fd(L, p->family), &key, &v, BPF_ANY))
		return -errno;
	return 0;
}

static int map_del(struct eg_loader *L, const struct eg_prefix *p)
{
	struct eg_v6_key key;

	make_key(p, &key);
	if (bpf_map_delete_elem(map_fd(L, p->family), &key) && errno != ENOENT)
		return -errno;
	return 0;
}

static int adopt_map(struct eg_rules *R, struct eg_loader *L, int family)
{
	struct eg_v6_key key, next;
	struct eg_rule_val v;
	void *prev = NULL;
	int fd = map_fd(L, family), err;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct eg_rule r = { .pfx.family = family, .line = 0 };

		if (!bpf_map_lookup_elem(fd, &next, &v)) {
			r.pfx.len = next.prefixlen;
			memcpy(r.pfx.addr, next.addr, family == 4 ? 4 : 16);
			r.action = v.action;
			err = tab_put(R, &r, v.rule_id);
			if (err)
				return err;
		}
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

int eg_rules_adopt(struct eg_rules *R, struct eg_loader *L)
{
	struct eg_config cfg;
	__u32 zero = 0;
	int err;

	err = adopt_map(R, L, 4) ?: adopt_map(R, L, 6);
	if (err)
		return err;
	if (!bpf_map_lookup_elem(L->fd_config, &zero, &cfg)) {
		R->mode = cfg.mode;
		R->default_action = cfg.default_action ?: EG_ACT_ALLOW;
		R->generation = cfg.generation;
	}
	return 0;
}

int eg_rules_set_config(struct eg_rules *R, struct eg_loader *L, int mode, int default_action)
{
	struct eg_config cfg = {
		.mode = mode,
		.default_action = default_action,
		.generation = R->generation + 1,
	};
	__u32 zero = 0;

	if (bpf_map_update_elem(L->fd_config, &zero, &cfg, BPF_ANY))
		return -errno;
	R->mode = mode;
	R->default_action = default_action;
	R->generation++;
	return 0;
}

static void clear_stats(struct eg_loader *L, __u32 id)
{
	bpf_map_delete_elem(L->fd_rule_stats, &id);
}

/* Undo log of map changes, replayed backwards when an apply fails half way. */
struct undo {
	struct eg_prefix pfx;
	bool existed;
	__u32 id;
	__u8 action;
};

static void rollback(struct eg_loader *L, struct undo *u, size_t n)
{
	while (n--) {
		if (u[n].existed)
			map_put(L, &u[n].pfx, u[n].id, u[n].action);
		else
			map_del(L, &u[n].pfx);
	}
}

int eg_rules_apply_policy(struct eg_rules *R, struct eg_loader *L, const struct eg_policy *pol,
			  char *err, size_t errlen)
{
	size_t i, nu = 0, add4 = 0, add6 = 0, del4 = 0, del6 = 0;
	struct eg_rules next;
	struct undo *u = NULL;
	bool del_first;
	int ret;

	/* Build the next table, keeping the ids of prefixes that stay. */
	ret = eg_rules_init(&next);
	if (ret)
		goto oom;
	next.next_id = R->next_id;
	for (i = 0; i < pol->nrules; i++) {
		const struct eg_rule *r = &pol->rules[i];
		struct eg_rentry *old = eg_rules_find(R, &r->pfx);
		__u32 id = old ? old->id : next.next_id;

		if (!old)
			(r->pfx.family == 4 ? add4++ : add6++);
		ret = tab_put(&next, r, id);
		if (ret)
			goto oom;
	}
	for (i = 0; i < R->cap; i++)
		if (R->tab[i].used && !eg_rules_find(&next, &R->tab[i].r.pfx))
			(R->tab[i].r.pfx.family == 4 ? del4++ : del6++);

	/*
	 * Add before delete, so a prefix moving from a /24 to a covering /16
	 * is never unguarded; delete first only when both would not fit.
	 */
	del_first = R->n4 + add4 > EG_MAX_V4_RULES || R->n6 + add6 > EG_MAX_V6_RULES;
	u = calloc(pol->nrules + R->n + 1, sizeof(*u));
	if (!u)
		goto oom;

	for (int pass = 0; pass < 2; pass++) {
		bool deleting = (pass == 0) == del_first;

		if (deleting) {
			for (i = 0; i < R->cap; i++) {
				struct eg_rentry *e = &R->tab[i];

				if (!e->used || eg_rules_find(&next, &e->r.pfx))
					continue;
				ret = map_del(L, &e->r.pfx);
				if (ret)
					goto fail;
				u[nu++] = (struct undo){ e->r.pfx, true, e->id, e->r.action };
			}
			continue;
		}
		for (i = 0; i < next.cap; i++) {
			struct eg_rentry *e = &next.tab[i], *old;

			if (!e->used)
				continue;
			old = eg_rules_find(R, &e->r.pfx);
			if (old && old->r.action == e->r.action)
				continue;
			ret = map_put(L, &e->r.pfx, e->id, e->r.action);
			if (ret)
				goto fail;
			u[nu++] = old ? (struct undo){ e->r.pfx, true, old->id, old->r.action } :
					(struct undo){ e->r.pfx, false, 0, 0 };
		}
	}
	ret = eg_rules_set_config(R, L, pol->mode, pol->default_action);
	if (ret)
		goto fail;
	for (i = 0; i < R->cap; i++)
		if (R->tab[i].used && !eg_rules_find(&next, &R->tab[i].r.pfx))
			clear_stats(L, R->tab[i].id);
	next.mode = R->mode;
	next.default_action = R->default_action;
	next.generation = R->generation;
	eg_rules_free(R);
	*R = next;
	free(u);
	(void)del4;
	(void)del6;
	return 0;
fail:
	snprintf(err, errlen, "updating the rule maps failed (%s); the previous policy stays",
		 strerror(-ret));
	rollback(L, u, nu);
	free(u);
	eg_rules_free(&next);
	return ret;
oom:
	snprintf(err, errlen, "out of memory");
	eg_rules_free(&next);
	return -ENOMEM;
}

int eg_rules_set(struct eg_rules *R, struct eg_loader *L, const struct eg_rule *rule, __u32 *id,
		 char *err, size_t errlen)
{
	struct eg_rentry *old = eg_rules_find(R, &rule->pfx);
	__u32 nid = old ? old->id : R->next_id;
	int ret;

	if (!old && ((rule->pfx.family == 4 && R->n4 >= EG_MAX_V4_RULES) ||
		     (rule->pfx.family == 6 && R->n6 >= EG_MAX_V6_RULES))) {
		snprintf(err, errlen, "the IPv%d rule map is full (%u rules)", rule->pfx.family,
			 rule->pfx.family == 4 ? EG_MAX_V4_RULES : EG_MAX_V6_RULES);
		return -ENOSPC;
	}
	ret = tab_put(R, rule, nid);
	if (ret) {
		snprintf(err, errlen, "out of memory");
		return ret;
	}
	ret = map_put(L, &rule->pfx, nid, rule->action);
	if (ret) {
		snprintf(err, errlen, "updating the rule map failed: %s", strerror(-ret));
		if (old)
			tab_put(R, &old->r, old->id);
		else
			tab_del(R, eg_rules_find(R, &rule->pfx));
		return ret;
	}
	*id = nid;
	return 0;
}

int eg_rules_remove(struct eg_rules *R, struct eg_loader *L, const struct eg_prefix *p,
		    struct eg_rentry *removed, char *err, size_t errlen)
{
	struct eg_rentry *e = eg_rules_find(R, p);
	int ret;

	if (!e) {
		char s[EG_PREFIX_STR];

		eg_prefix_format(p, s, sizeof(s));
		snprintf(err, errlen, "no rule for %s", s);
		return -ENOENT;
	}
	ret = map_del(L, p);
	if (ret) {
		snprintf(err, errlen, "updating the rule map failed: %s", strerror(-ret));
		return ret;
	}
	if (removed)
		*removed = *e;
	clear_stats(L, e->id);
	tab_del(R, e);
	return 0;
}

int eg_rules_hits(struct eg_loader *L, __u32 id, __u64 *packets, __u64 *bytes)
{
	int n = eg_ncpus(), i;
	struct eg_rule_stat st[n > 0 ? n : 1];

	*packets = *bytes = 0;
	if (n <= 0)
		return -EINVAL;
	if (bpf_map_lookup_elem(L->fd_rule_stats, &id, st))
		return errno == ENOENT ? 0 : -errno;
	for (i = 0; i < n; i++) {
		*packets += st[i].packets;
		*bytes += st[i].bytes;
	}
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct eg_rentry *x = *(const struct eg_rentry **)a, *y = *(const struct eg_rentry **)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct eg_rentry **eg_rules_sorted(struct eg_rules *R, size_t *n)
{
	struct eg_rentry **v = malloc((R->n + 1) * sizeof(*v));
	size_t i, k = 0;

	if (!v)
		return NULL;
	for (i = 0; i < R->cap; i++)
		if (R->tab[i].used)
			v[k++] = &R->tab[i];
	qsort(v, k, sizeof(*v), cmp_entry);
	*n = k;
	return v;
}
