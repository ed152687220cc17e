// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "eg/name.h"
#include "loader.h"
#include "names.h"

static __u64 hash_pat(const struct eg_name_pat *p)
{
	__u64 h = 1469598103934665603ULL ^ p->form;
	const char *c;

	for (c = p->name; *c; c++) {
		h ^= (unsigned char)*c;
		h *= 1099511628211ULL;
	}
	return h;
}

int eg_names_init(struct eg_names *N)
{
	N->cap = 256;
	N->n = 0;
	N->tab = calloc(N->cap, sizeof(*N->tab));
	return N->tab ? 0 : -ENOMEM;
}

void eg_names_free(struct eg_names *N)
{
	free(N->tab);
	memset(N, 0, sizeof(*N));
}

static struct eg_nentry *slot(struct eg_nentry *tab, size_t cap, const struct eg_name_pat *p)
{
	size_t i = hash_pat(p) & (cap - 1);

	while (tab[i].used && eg_name_cmp(&tab[i].r.pat, p))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

struct eg_nentry *eg_names_find(struct eg_names *N, const struct eg_name_pat *p)
{
	struct eg_nentry *e = slot(N->tab, N->cap, p);

	return e->used ? e : NULL;
}

int eg_names_put(struct eg_names *N, const struct eg_nrule *r, __u32 id)
{
	struct eg_nentry *e;

	if ((N->n + 1) * 2 >= N->cap) {
		size_t i, ncap = N->cap * 2;
		struct eg_nentry *nt = calloc(ncap, sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		for (i = 0; i < N->cap; i++)
			if (N->tab[i].used)
				*slot(nt, ncap, &N->tab[i].r.pat) = N->tab[i];
		free(N->tab);
		N->tab = nt;
		N->cap = ncap;
	}
	e = slot(N->tab, N->cap, &r->pat);
	if (!e->used)
		N->n++;
	e->r = *r;
	e->id = id;
	e->used = true;
	return 0;
}

void eg_names_del(struct eg_names *N, struct eg_nentry *e)
{
	size_t i = e - N->tab, j = i, k;

	N->n--;
	N->tab[i].used = false;
	for (;;) {
		j = (j + 1) & (N->cap - 1);
		if (!N->tab[j].used)
			return;
		k = hash_pat(&N->tab[j].r.pat) & (N->cap - 1);
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			N->tab[i] = N->tab[j];
			N->tab[j].used = false;
			i = j;
		}
	}
}

/* What the map holds for one name, from the (up to three) rules of that name. */
static bool name_value(struct eg_names *T, const char *name, struct eg_name_val *v)
{
	struct eg_name_pat p = {};
	struct eg_nentry *plain, *exact, *sub;

	snprintf(p.name, sizeof(p.name), "%s", name);
	p.form = EG_NF_PLAIN;
	plain = eg_names_find(T, &p);
	p.form = EG_NF_EXACT;
	exact = eg_names_find(T, &p);
	p.form = EG_NF_SUB;
	sub = eg_names_find(T, &p);
	memset(v, 0, sizeof(*v));
	v->len = strlen(name);
	/* The specific forms take their slot from a plain rule of the same name. */
	if (exact || plain) {
		v->exact_id = (exact ?: plain)->id;
		v->exact_action = (exact ?: plain)->r.action;
	}
	if (sub || plain) {
		v->sub_id = (sub ?: plain)->id;
		v->sub_action = (sub ?: plain)->r.action;
	}
	return exact || plain || sub;
}

struct kv {
	__u64 hash;
	struct eg_name_val v;
};

static int cmp_kv(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/* The whole map content T stands for, sorted by key. */
static int desired(struct eg_names *T, __u64 seed, struct kv **out, size_t *n)
{
	struct kv *v = malloc((T->n + 1) * sizeof(*v));
	size_t i, k = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < T->cap; i++) {
		struct eg_nentry *e = &T->tab[i];

		if (!e->used)
			continue;
		v[k].hash = eg_name_hash(seed, e->r.pat.name, e->r.pat.len);
		name_value(T, e->r.pat.name, &v[k].v);
		k++;
	}
	qsort(v, k, sizeof(*v), cmp_kv);
	/* Rules of one name give the same entry: keep one. */
	for (i = 0, *n = 0; i < k; i++)
		if (!*n || v[*n - 1].hash != v[i].hash)
			v[(*n)++] = v[i];
	*out = v;
	return 0;
}

static struct kv *find_kv(struct kv *v, size_t n, __u64 hash)
{
	struct kv key = { .hash = hash };

	return bsearch(&key, v, n, sizeof(*v), cmp_kv);
}

static int put(struct eg_loader *L, int set, const struct kv *e)
{
	struct eg_name_key k = { .hash = e->hash };

	return bpf_map_update_elem(L->fd_names[set], &k, &e->v, BPF_ANY) ? -errno : 0;
}

int eg_names_sync(struct eg_loader *L, int set, struct eg_names *T, __u64 seed)
{
	struct eg_name_key key, next;
	struct eg_name_val cur;
	void *prev = NULL;
	struct kv *want;
	size_t n, i;
	int err = desired(T, seed, &want, &n);

	if (err)
		return err;
	while (!bpf_map_get_next_key(L->fd_names[set], prev, &next)) {
		struct kv *w = find_kv(want, n, next.hash);

		if (!w || bpf_map_lookup_elem(L->fd_names[set], &next, &cur) ||
		    memcmp(&cur, &w->v, sizeof(cur))) {
			if (bpf_map_delete_elem(L->fd_names[set], &next)) {
				err = -errno;
				goto out;
			}
			prev = NULL; /* the cursor is gone: start over */
			continue;
		}
		key = next;
		prev = &key;
	}
	for (i = 0; i < n && !err; i++)
		err = put(L, set, &want[i]);
out:
	free(want);
	return err;
}

int eg_names_diff(struct eg_loader *L, int set, struct eg_names *from, struct eg_names *to,
		  __u64 seed)
{
	struct kv *a = NULL, *b = NULL;
	size_t na, nb, i;
	int err;

	err = desired(from, seed, &a, &na) ?: desired(to, seed, &b, &nb);
	if (err)
		goto out;
	for (i = 0; i < na && !err; i++) {
		if (!find_kv(b, nb, a[i].hash)) {
			struct eg_name_key k = { .hash = a[i].hash };

			if (bpf_map_delete_elem(L->fd_names[set], &k) && errno != ENOENT)
				err = -errno;
		}
	}
	for (i = 0; i < nb && !err; i++) {
		struct kv *o = find_kv(a, na, b[i].hash);

		if (!o || memcmp(&o->v, &b[i].v, sizeof(o->v)))
			err = put(L, set, &b[i]);
	}
out:
	free(a);
	free(b);
	return err;
}

int eg_names_update_key(struct eg_loader *L, int set, struct eg_names *T, const char *name,
			__u64 seed)
{
	struct kv e = { .hash = eg_name_hash(seed, name, strlen(name)) };
	struct eg_name_key k = { .hash = e.hash };

	if (name_value(T, name, &e.v))
		return put(L, set, &e);
	if (bpf_map_delete_elem(L->fd_names[set], &k) && errno != ENOENT)
		return -errno;
	return 0;
}
