// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <bpf/bpf.h>

#include "hint.h"
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
	R->dns_rcode = EG_DNS_REFUSED;
	if (!R->tab || eg_names_init(&R->N)) {
		free(R->tab);
		return -ENOMEM;
	}
	return 0;
}

void eg_rules_free(struct eg_rules *R)
{
	free(R->tab);
	eg_names_free(&R->N);
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

static int map_fd(struct eg_loader *L, int set, int family)
{
	return family == 4 ? L->fd_v4[set] : L->fd_v6[set];
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

static int map_put(struct eg_loader *L, int set, const struct eg_prefix *p, __u32 id, int action)
{
	struct eg_rule_val v = { .rule_id = id, .action = action };
	struct eg_v6_key key; /* large enough for either */

	make_key(p, &key);
	if (bpf_map_update_elem(map_fd(L, set, p->family), &key, &v, BPF_ANY))
		return -errno;
	return 0;
}

static int map_del(struct eg_loader *L, int set, const struct eg_prefix *p)
{
	struct eg_v6_key key;

	make_key(p, &key);
	if (bpf_map_delete_elem(map_fd(L, set, p->family), &key) && errno != ENOENT)
		return -errno;
	return 0;
}

/* A prefix's buckets in eg_dst_hint, before any packet can meet its rule. */
static void hint_mark(struct eg_loader *L, const struct eg_prefix *p)
{
	eg_hint_mark(L->hint + eg_hint_region_of(p->family) * EG_HINT_REGION_WORDS, p, true);
}

static void hint_mark_all(struct eg_rules *T, struct eg_loader *L)
{
	size_t i;

	for (i = 0; i < T->cap; i++)
		if (T->tab[i].used)
			hint_mark(L, &T->tab[i].r.pfx);
}

/*
 * With T in force, its buckets become exactly eg_dst_hint's prefix bits:
 * those only the set before it needed are cleared (no packet judged by T
 * needs them). Built aside first, so no bit T needs is ever clear.
 */
static int hint_settle(struct eg_rules *T, struct eg_loader *L)
{
	const size_t n = 2 * (size_t)EG_HINT_REGION_WORDS; /* EG_HINT_V4, EG_HINT_V6 */
	__u64 *want = calloc(n, sizeof(*want));
	size_t i;

	if (!want)
		return -ENOMEM;
	for (i = 0; i < T->cap; i++)
		if (T->tab[i].used)
			eg_hint_mark(want + eg_hint_region_of(T->tab[i].r.pfx.family) *
					    EG_HINT_REGION_WORDS, &T->tab[i].r.pfx, false);
	for (i = 0; i < n; i++)
		if (__atomic_load_n(&L->hint[i], __ATOMIC_RELAXED) != want[i])
			__atomic_store_n(&L->hint[i], want[i], __ATOMIC_SEQ_CST);
	free(want);
	return 0;
}

static void key_to_prefix(int family, const struct eg_v6_key *k, struct eg_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->len = k->prefixlen;
	memcpy(p->addr, k->addr, family == 4 ? 4 : 16);
}

static int adopt_map(struct eg_rules *R, struct eg_loader *L, int set, int family)
{
	struct eg_v6_key key, next;
	struct eg_rule_val v;
	void *prev = NULL;
	int fd = map_fd(L, set, family), err;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct eg_rule r = { .line = 0 };

		if (!bpf_map_lookup_elem(fd, &next, &v)) {
			key_to_prefix(family, &next, &r.pfx);
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

	if (!bpf_map_lookup_elem(L->fd_config, &zero, &cfg)) {
		R->mode = cfg.mode;
		R->default_action = cfg.default_action ?: EG_ACT_ALLOW;
		R->generation = cfg.generation;
		R->active = cfg.active & 1;
		R->name_seed = cfg.name_seed;
		R->dns_rcode = cfg.dns_rcode ?: EG_DNS_REFUSED;
		R->quic_block = cfg.quic_block;
		R->learn_ttl_min = cfg.learn_ttl_min;
		R->learn_ttl_max = cfg.learn_ttl_max;
	}
	/* A fresh key for the name hash: names are not guessable into collisions. */
	if (!R->name_seed && getrandom(&R->name_seed, sizeof(R->name_seed), 0) !=
				     sizeof(R->name_seed))
		return -errno;
	err = adopt_map(R, L, R->active, 4) ?: adopt_map(R, L, R->active, 6);
	/* Whatever an earlier egressd left in the other set is rebuilt before use. */
	R->inactive_dirty = true;
	/* Hints an earlier egressd did not keep (or kept elsewhere) cover what is in force. */
	if (!err)
		hint_mark_all(R, L);
	return err;
}

/* One update of eg_config: what every packet reads first. */
static int write_config(struct eg_rules *R, struct eg_loader *L, int mode, int default_action,
			int active, int dns_rcode, int quic_block)
{
	struct eg_config cfg = {
		.mode = mode,
		.default_action = default_action,
		.active = active,
		.dns_rcode = dns_rcode,
		.generation = R->generation + 1,
		.name_seed = R->name_seed,
		.quic_block = quic_block,
		.learn_ttl_min = R->learn_ttl_min,
		.learn_ttl_max = R->learn_ttl_max,
	};
	__u32 zero = 0;

	if (bpf_map_update_elem(L->fd_config, &zero, &cfg, BPF_ANY))
		return -errno;
	R->mode = mode;
	R->default_action = default_action;
	R->active = active;
	R->dns_rcode = dns_rcode;
	R->quic_block = quic_block;
	R->generation++;
	return 0;
}

int eg_rules_set_config(struct eg_rules *R, struct eg_loader *L, int mode, int default_action)
{
	return write_config(R, L, mode, default_action, R->active, R->dns_rcode, R->quic_block);
}

/* A port's bit in eg_dns_port_bits; egressd is its only writer. */
static void dns_port_set(struct eg_loader *L, __u16 port, bool on)
{
	__u32 w = eg_dns_port_word(port);
	__u64 bits = 0;

	bpf_map_lookup_elem(L->fd_dns_ports, &w, &bits);
	bits = on ? bits | eg_dns_port_bit(port) : bits & ~eg_dns_port_bit(port);
	if (bpf_map_update_elem(L->fd_dns_ports, &w, &bits, BPF_ANY))
		pr_warn("dns-port %u: cannot update eg_dns_port_bits: %s", port, strerror(errno));
}

/* DNS ports are the same for both sets: added before the switch, removed after. */
static void dns_ports_apply(struct eg_rules *R, struct eg_loader *L, const struct eg_policy *pol,
			    bool adding)
{
	int i, j;

	if (adding) {
		for (i = 0; i < pol->ndns_ports; i++)
			dns_port_set(L, pol->dns_ports[i], true);
		return;
	}
	for (i = 0; i < R->ndns_ports; i++) {
		for (j = 0; j < pol->ndns_ports && pol->dns_ports[j] != R->dns_ports[i]; j++)
			;
		if (j == pol->ndns_ports)
			dns_port_set(L, R->dns_ports[i], false);
	}
	memcpy(R->dns_ports, pol->dns_ports, sizeof(R->dns_ports));
	R->ndns_ports = pol->ndns_ports;
}

static void clear_stats(struct eg_loader *L, __u32 id)
{
	bpf_map_delete_elem(L->fd_rule_stats, &id);
}

/* A rule leaves the policy: its counters are reported once, then forgotten. */
static void retire(struct eg_loader *L, const struct eg_rentry *e)
{
	__u64 packets = 0, bytes = 0;
	char s[EG_PREFIX_STR];

	eg_rules_hits(L, e->id, &packets, &bytes);
	if (packets) {
		eg_prefix_format(&e->r.pfx, s, sizeof(s));
		pr_info("rule %u (%s %s) removed after %llu packets, %llu bytes", e->id,
			eg_action_name(e->r.action), s, (unsigned long long)packets,
			(unsigned long long)bytes);
	}
	clear_stats(L, e->id);
}

static void retire_name(struct eg_loader *L, const struct eg_nentry *e)
{
	__u64 packets = 0, bytes = 0;
	char s[EG_NAME_BUF + 4];

	eg_rules_hits(L, e->id, &packets, &bytes);
	if (packets) {
		eg_name_format(&e->r.pat, s, sizeof(s));
		pr_info("rule %u (%s name %s) removed after %llu packets, %llu bytes", e->id,
			eg_action_name(e->r.action), s, (unsigned long long)packets,
			(unsigned long long)bytes);
	}
	clear_stats(L, e->id);
}

/* Make one set hold exactly the table: delete what differs, then write every rule. */
static int sync_set(struct eg_loader *L, int set, struct eg_rules *T)
{
	int fam, err;
	size_t i;

	for (fam = 4; fam <= 6; fam += 2) {
		int fd = map_fd(L, set, fam);
		struct eg_v6_key key, next;
		struct eg_rule_val v;
		void *prev = NULL;

		while (!bpf_map_get_next_key(fd, prev, &next)) {
			struct eg_prefix p;
			struct eg_rentry *e;

			key_to_prefix(fam, &next, &p);
			e = eg_rules_find(T, &p);
			if (!e || bpf_map_lookup_elem(fd, &next, &v) || v.rule_id != e->id ||
			    v.action != e->r.action) {
				if (bpf_map_delete_elem(fd, &next))
					return -errno;
				/* Deleting the cursor: start over from the beginning. */
				prev = NULL;
				continue;
			}
			key = next;
			prev = &key;
		}
	}
	for (i = 0; i < T->cap; i++) {
		if (!T->tab[i].used)
			continue;
		err = map_put(L, set, &T->tab[i].r.pfx, T->tab[i].id, T->tab[i].r.action);
		if (err)
			return err;
	}
	return 0;
}

/* Bring a set that mirrors `from` to `to`: deletions first, the set is not in use. */
static int diff_set(struct eg_loader *L, int set, struct eg_rules *from, struct eg_rules *to)
{
	size_t i;
	int err;

	for (i = 0; i < from->cap; i++) {
		struct eg_rentry *e = &from->tab[i];

		if (e->used && !eg_rules_find(to, &e->r.pfx)) {
			err = map_del(L, set, &e->r.pfx);
			if (err)
				return err;
		}
	}
	for (i = 0; i < to->cap; i++) {
		struct eg_rentry *e = &to->tab[i], *old;

		if (!e->used)
			continue;
		old = eg_rules_find(from, &e->r.pfx);
		if (old && old->id == e->id && old->r.action == e->r.action)
			continue;
		err = map_put(L, set, &e->r.pfx, e->id, e->r.action);
		if (err)
			return err;
	}
	return 0;
}

struct id_action {
	__u32 id;
	__u8 action;
};

static int cmp_ida(const void *a, const void *b)
{
	const struct id_action *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * After a policy change: counters of ids no rule holds any more go (a
 * restarted egressd gives name rules new ids), and so do learned addresses
 * whose rule is gone or now asks for something else.
 */
static void prune(struct eg_rules *R, struct eg_loader *L)
{
	struct id_action *ids = malloc((R->n + R->N.n + 1) * sizeof(*ids)), k, *f;
	struct eg_learned_key lk, lnext, *gone = NULL;
	struct eg_learned_val lv;
	size_t n = 0, nn, i, ngone = 0, cap = 0;
	__u32 key, next, *stale = NULL;
	void *prev = NULL;

	if (!ids)
		return;
	for (i = 0; i < R->N.cap; i++)
		if (R->N.tab[i].used)
			ids[n++] = (struct id_action){ R->N.tab[i].id, R->N.tab[i].r.action };
	nn = n;
	qsort(ids, nn, sizeof(*ids), cmp_ida);
	/* Learned entries refer to name rules only. */
	while (!bpf_map_get_next_key(L->fd_learned, prev, &lnext)) {
		if (!bpf_map_lookup_elem(L->fd_learned, &lnext, &lv)) {
			k.id = lv.rule_id;
			f = bsearch(&k, ids, nn, sizeof(*ids), cmp_ida);
			if ((!f || f->action != lv.action) && ngone < 65536) {
				if (ngone == cap) {
					void *ng = realloc(gone, (cap = cap ? cap * 2 : 64) * sizeof(lk));

					if (!ng)
						break;
					gone = ng;
				}
				gone[ngone++] = lnext;
			}
		}
		lk = lnext;
		prev = &lk;
	}
	for (i = 0; i < ngone; i++)
		bpf_map_delete_elem(L->fd_learned, &gone[i]);
	free(gone);

	for (i = 0; i < R->cap; i++)
		if (R->tab[i].used)
			ids[n++] = (struct id_action){ R->tab[i].id, R->tab[i].r.action };
	qsort(ids, n, sizeof(*ids), cmp_ida);
	prev = NULL;
	ngone = cap = 0;
	while (!bpf_map_get_next_key(L->fd_rule_stats, prev, &next)) {
		k.id = next;
		if (!bsearch(&k, ids, n, sizeof(*ids), cmp_ida)) {
			if (ngone == cap) {
				void *ns = realloc(stale, (cap = cap ? cap * 2 : 64) * sizeof(key));

				if (!ns)
					break;
				stale = ns;
			}
			stale[ngone++] = next;
		}
		key = next;
		prev = &key;
	}
	for (i = 0; i < ngone; i++)
		bpf_map_delete_elem(L->fd_rule_stats, &stale[i]);
	free(stale);
	free(ids);
}

int eg_rules_apply_policy(struct eg_rules *R, struct eg_loader *L, const struct eg_policy *pol,
			  char *err, size_t errlen)
{
	struct eg_rules next;
	int spare = !R->active, ret;
	size_t i;

	/* The next table keeps the ids of prefixes that stay. */
	ret = eg_rules_init(&next);
	if (ret)
		goto oom;
	next.next_id = R->next_id;
	for (i = 0; i < pol->nrules; i++) {
		const struct eg_rule *r = &pol->rules[i];
		struct eg_rentry *old = eg_rules_find(R, &r->pfx);

		ret = tab_put(&next, r, old ? old->id : next.next_id);
		if (ret)
			goto oom;
	}
	for (i = 0; i < pol->nnames; i++) {
		const struct eg_nrule *r = &pol->names[i];
		struct eg_nentry *old = eg_names_find(&R->N, &r->pat);

		ret = eg_names_put(&next.N, r, old ? old->id : next.next_id);
		if (ret)
			goto oom;
		if (!old)
			next.next_id++;
	}
	next.name_seed = R->name_seed;

	/* 1. Build the new policy in the spare set; nothing reads it. */
	ret = R->inactive_dirty ? sync_set(L, spare, &next) : diff_set(L, spare, R, &next);
	if (!ret)
		ret = R->inactive_dirty ? eg_names_sync(L, spare, &next.N, R->name_seed) :
					  eg_names_diff(L, spare, &R->N, &next.N, R->name_seed);
	if (ret) {
		R->inactive_dirty = true;
		snprintf(err, errlen, "loading the rules failed (%s); the previous policy stays",
			 strerror(-ret));
		eg_rules_free(&next);
		return ret;
	}
	/* 2. One update switches rule set, mode and default together. */
	hint_mark_all(&next, L);
	dns_ports_apply(R, L, pol, true);
	R->learn_ttl_min = pol->learn_ttl_min;
	R->learn_ttl_max = pol->learn_ttl_max;
	ret = write_config(R, L, pol->mode, pol->default_action, spare, pol->dns_rcode,
			   pol->quic_block);
	if (ret) {
		R->inactive_dirty = true;
		snprintf(err, errlen, "switching to the new rules failed (%s); the previous policy "
				      "stays", strerror(-ret));
		eg_rules_free(&next);
		return ret;
	}
	/* 3. The set just retired follows, ready for the next change. */
	dns_ports_apply(R, L, pol, false);
	ret = R->inactive_dirty ? sync_set(L, !spare, &next) : diff_set(L, !spare, R, &next);
	if (!ret)
		ret = R->inactive_dirty ? eg_names_sync(L, !spare, &next.N, R->name_seed) :
					  eg_names_diff(L, !spare, &R->N, &next.N, R->name_seed);
	next.inactive_dirty = ret != 0;
	if (ret)
		pr_warn("the spare rule set could not follow (%s); it is rebuilt at the next reload",
			strerror(-ret));
	if (hint_settle(&next, L))
		pr_warn("out of memory settling the destination hints: stale ones stay (they cost "
			"a lookup, never a verdict)");
	for (i = 0; i < R->cap; i++)
		if (R->tab[i].used && !eg_rules_find(&next, &R->tab[i].r.pfx))
			retire(L, &R->tab[i]);
	for (i = 0; i < R->N.cap; i++)
		if (R->N.tab[i].used && !eg_names_find(&next.N, &R->N.tab[i].r.pat))
			retire_name(L, &R->N.tab[i]);
	next.mode = R->mode;
	next.default_action = R->default_action;
	next.generation = R->generation;
	next.active = R->active;
	next.dns_rcode = R->dns_rcode;
	next.quic_block = R->quic_block;
	next.learn_ttl_min = R->learn_ttl_min;
	next.learn_ttl_max = R->learn_ttl_max;
	memcpy(next.dns_ports, R->dns_ports, sizeof(next.dns_ports));
	next.ndns_ports = R->ndns_ports;
	eg_rules_free(R);
	*R = next;
	prune(R, L);
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	eg_rules_free(&next);
	return -ENOMEM;
}

/* A runtime change goes to the active set first (that is what counts), then the spare. */
static void follow_spare(struct eg_rules *R, struct eg_loader *L, const struct eg_prefix *p,
			 __u32 id, int action, bool del)
{
	int ret;

	if (R->inactive_dirty)
		return;
	ret = del ? map_del(L, !R->active, p) : map_put(L, !R->active, p, id, action);
	if (ret)
		R->inactive_dirty = true;
}

int eg_rules_set(struct eg_rules *R, struct eg_loader *L, const struct eg_rule *rule, __u32 *id,
		 char *err, size_t errlen)
{
	struct eg_rentry *old = eg_rules_find(R, &rule->pfx);
	struct eg_rentry saved;
	__u32 nid = old ? old->id : R->next_id;
	int ret;

	if (!old && ((rule->pfx.family == 4 && R->n4 >= EG_MAX_V4_RULES) ||
		     (rule->pfx.family == 6 && R->n6 >= EG_MAX_V6_RULES))) {
		snprintf(err, errlen, "the IPv%d rule map is full (%u rules)", rule->pfx.family,
			 rule->pfx.family == 4 ? EG_MAX_V4_RULES : EG_MAX_V6_RULES);
		return -ENOSPC;
	}
	if (old)
		saved = *old;
	ret = tab_put(R, rule, nid);
	if (ret) {
		snprintf(err, errlen, "out of memory");
		return ret;
	}
	hint_mark(L, &rule->pfx);
	ret = map_put(L, R->active, &rule->pfx, nid, rule->action);
	if (ret) {
		snprintf(err, errlen, "updating the rule map failed: %s", strerror(-ret));
		if (old)
			tab_put(R, &saved.r, saved.id);
		else
			tab_del(R, eg_rules_find(R, &rule->pfx));
		return ret;
	}
	follow_spare(R, L, &rule->pfx, nid, rule->action, false);
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
	ret = map_del(L, R->active, p);
	if (ret) {
		snprintf(err, errlen, "updating the rule map failed: %s", strerror(-ret));
		return ret;
	}
	follow_spare(R, L, p, 0, 0, true);
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

int eg_rules_set_name(struct eg_rules *R, struct eg_loader *L, const struct eg_nrule *rule,
		      __u32 *id, char *err, size_t errlen)
{
	struct eg_nentry *old = eg_names_find(&R->N, &rule->pat);
	struct eg_nentry saved;
	__u32 nid = old ? old->id : R->next_id;
	int ret;

	if (!old && R->N.n >= EG_MAX_NAME_RULES) {
		snprintf(err, errlen, "the name rule map is full (%u rules)", EG_MAX_NAME_RULES);
		return -ENOSPC;
	}
	if (old)
		saved = *old;
	ret = eg_names_put(&R->N, rule, nid);
	if (ret) {
		snprintf(err, errlen, "out of memory");
		return ret;
	}
	if (!old)
		R->next_id++;
	ret = eg_names_update_key(L, R->active, &R->N, rule->pat.name, R->name_seed);
	if (ret) {
		snprintf(err, errlen, "updating the name map failed: %s", strerror(-ret));
		if (old)
			eg_names_put(&R->N, &saved.r, saved.id);
		else
			eg_names_del(&R->N, eg_names_find(&R->N, &rule->pat));
		eg_names_update_key(L, R->active, &R->N, rule->pat.name, R->name_seed);
		return ret;
	}
	if (!R->inactive_dirty &&
	    eg_names_update_key(L, !R->active, &R->N, rule->pat.name, R->name_seed))
		R->inactive_dirty = true;
	*id = nid;
	return 0;
}

int eg_rules_remove_name(struct eg_rules *R, struct eg_loader *L, const struct eg_name_pat *p,
			 struct eg_nentry *removed, char *err, size_t errlen)
{
	struct eg_nentry *e = eg_names_find(&R->N, p), saved;
	int ret;

	if (!e) {
		char s[EG_NAME_BUF + 4];

		eg_name_format(p, s, sizeof(s));
		snprintf(err, errlen, "no rule for name %s", s);
		return -ENOENT;
	}
	saved = *e;
	eg_names_del(&R->N, e);
	ret = eg_names_update_key(L, R->active, &R->N, p->name, R->name_seed);
	if (ret) {
		eg_names_put(&R->N, &saved.r, saved.id);
		snprintf(err, errlen, "updating the name map failed: %s", strerror(-ret));
		return ret;
	}
	if (!R->inactive_dirty && eg_names_update_key(L, !R->active, &R->N, p->name, R->name_seed))
		R->inactive_dirty = true;
	if (removed)
		*removed = saved;
	clear_stats(L, saved.id);
	return 0;
}

static int cmp_nentry(const void *a, const void *b)
{
	const struct eg_nentry *x = *(const struct eg_nentry **)a;
	const struct eg_nentry *y = *(const struct eg_nentry **)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct eg_nentry **eg_rules_sorted_names(struct eg_rules *R, size_t *n)
{
	struct eg_nentry **v = malloc((R->N.n + 1) * sizeof(*v));
	size_t i, k = 0;

	if (!v)
		return NULL;
	for (i = 0; i < R->N.cap; i++)
		if (R->N.tab[i].used)
			v[k++] = &R->N.tab[i];
	qsort(v, k, sizeof(*v), cmp_nentry);
	*n = k;
	return v;
}
