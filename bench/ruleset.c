// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The benchmark's rule sets, drawn from a seeded generator so every peer
 * (egressgate, the lookup floors, xdp-filter, nftables) gets the same
 * prefixes in the same order; a smaller set is the head of a larger one.
 *
 * IPv4: every length /8-/32 is present. Lengths get an equal share of the
 * set, except that no length may cover more than 1% of the address space
 * (40,000 /16s would cover it half over); what those short lengths cannot
 * take is shared by the longer ones. The prefixes never overlap one another
 * (nftables holds them as an interval set without merging, and every
 * peer sees the same elements) nor the documentation networks the run
 * sends to. The first rule is BENCH_BLOCK4/32, the blocked SYN's target.
 *
 * IPv6: lengths /20-/128 uniformly, addresses in 2000::/3 outside
 * 2001:db8::/32, no overlaps. Names: two or three random labels under a
 * common top-level domain.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "bench.h"

#define V4_MIN_LEN     8
#define V4_SPACE_SHARE 100 /* a length covers at most 1/100 of the space */
#define V6_MIN_LEN     20
#define BLK_FREE       0
#define BLK_FULL       1
#define BLK_PARTIAL    2

/* Bitmaps of the /32s taken inside partly used /24 blocks, open addressing. */
struct part {
	__u32 block;
	__u32 used;
	__u64 bits[4];
};

struct placer {
	__u8 *state; /* 1 << 24 blocks: BLK_* */
	struct part *parts;
	size_t cap;
};

static struct part *part_get(struct placer *pl, __u32 block, bool create)
{
	size_t i = (block * 0x9e3779b1U) & (pl->cap - 1);

	while (pl->parts[i].used && pl->parts[i].block != block)
		i = (i + 1) & (pl->cap - 1);
	if (!pl->parts[i].used) {
		if (!create)
			return NULL;
		pl->parts[i].used = 1;
		pl->parts[i].block = block;
	}
	return &pl->parts[i];
}

/* Take addr/len if nothing taken overlaps it; true when taken. */
static bool place4(struct placer *pl, __u32 addr, int len)
{
	__u32 block = addr >> 8, nblk, i;

	if (len <= 24) {
		nblk = 1U << (24 - len);
		for (i = 0; i < nblk; i++)
			if (pl->state[block + i] != BLK_FREE)
				return false;
		memset(pl->state + block, BLK_FULL, nblk);
		return true;
	}
	if (pl->state[block] == BLK_FULL)
		return false;
	{
		struct part *p = part_get(pl, block, true);
		__u32 lo = addr & 255, n = 1U << (32 - len), j;

		for (j = lo; j < lo + n; j++)
			if (p->bits[j / 64] >> (j % 64) & 1)
				return false;
		for (j = lo; j < lo + n; j++)
			p->bits[j / 64] |= 1ULL << (j % 64);
	}
	pl->state[block] = BLK_PARTIAL;
	return true;
}

static void set4(struct bench_pfx *p, __u32 addr, int len)
{
	memset(p, 0, sizeof(*p));
	p->family = 4;
	p->len = len;
	addr = htonl(addr);
	memcpy(p->addr, &addr, 4);
}

static void reserve4(struct placer *pl, const char *cidr)
{
	char buf[32], *slash;
	struct in_addr a;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	*slash = '\0';
	inet_pton(AF_INET, buf, &a);
	place4(pl, ntohl(a.s_addr), atoi(slash + 1));
}

static void shuffle(struct bench_pfx *v, size_t n, __u64 *rng)
{
	size_t i, j;

	for (i = n; i > 1; i--) {
		struct bench_pfx t;

		j = bench_rand(rng) % i;
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

static int gen_v4(struct bench_set *s, __u64 *rng, size_t n)
{
	size_t quota[33] = {}, left, done = 0;
	struct placer pl = {};
	struct in_addr blk;
	int len, err = 0;

	s->n4 = 0;
	if (!n)
		return 0;
	s->v4 = calloc(n, sizeof(*s->v4));
	pl.state = calloc(1, 1U << 24);
	for (pl.cap = 1024; pl.cap < 2 * n; pl.cap *= 2)
		;
	pl.parts = calloc(pl.cap, sizeof(*pl.parts));
	if (!s->v4 || !pl.state || !pl.parts) {
		err = -ENOMEM;
		goto out;
	}
	reserve4(&pl, BENCH_NET_LINK4);
	reserve4(&pl, BENCH_NET_PASS4);
	reserve4(&pl, BENCH_NET_BLOCK4);
	inet_pton(AF_INET, BENCH_BLOCK4, &blk);
	set4(&s->v4[done++], ntohl(blk.s_addr), 32);

	/* Water-filling: short lengths take what 1% of the space allows. */
	left = n - 1;
	for (len = V4_MIN_LEN; len <= 32; len++) {
		size_t cap = (len >= 32 ? (1ULL << 32) : (1ULL << len)) / V4_SPACE_SHARE;
		size_t share = left / (32 - len + 1);

		quota[len] = cap < share ? cap : share;
		left -= quota[len];
	}
	quota[32] += left;
	for (len = V4_MIN_LEN; len <= 32; len++) {
		size_t got = 0, tries = 0;
		__u32 mask = len == 32 ? ~0U : ~((1U << (32 - len)) - 1);

		while (got < quota[len]) {
			__u32 a = (__u32)bench_rand(rng) & mask;

			if (++tries > 1000 * (quota[len] + 10)) {
				fprintf(stderr, "egbench: cannot place %zu /%d prefixes\n",
					quota[len], len);
				err = -ENOSPC;
				goto out;
			}
			if (!place4(&pl, a, len))
				continue;
			set4(&s->v4[done++], a, len);
			got++;
		}
	}
	shuffle(s->v4 + 1, done - 1, rng);
	s->n4 = done;
out:
	free(pl.state);
	free(pl.parts);
	return err;
}

static int cmp6(const void *a, const void *b)
{
	const struct bench_pfx *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, 16);

	return c ? c : (int)x->len - (int)y->len;
}

/* Does a (shorter or equal) contain b? */
static bool contains6(const struct bench_pfx *a, const struct bench_pfx *b)
{
	int full = a->len / 8, rest = a->len % 8;

	if (a->len > b->len || memcmp(a->addr, b->addr, full))
		return false;
	return !rest || !((a->addr[full] ^ b->addr[full]) & (0xff << (8 - rest)));
}

static void draw6(struct bench_pfx *p, __u64 *rng)
{
	__u64 hi = bench_rand(rng), lo = bench_rand(rng);
	int i;

	memset(p, 0, sizeof(*p));
	p->family = 6;
	p->len = V6_MIN_LEN + bench_rand(rng) % (128 - V6_MIN_LEN + 1);
	for (i = 0; i < 8; i++) {
		p->addr[i] = hi >> (56 - 8 * i);
		p->addr[8 + i] = lo >> (56 - 8 * i);
	}
	p->addr[0] = 0x20 | (p->addr[0] & 0x1f); /* 2000::/3 */
	for (i = p->len; i < 128; i++)
		p->addr[i / 8] &= ~(0x80 >> (i % 8));
}

static int gen_v6(struct bench_set *s, __u64 *rng, size_t n)
{
	struct bench_pfx doc = {.family = 6, .len = 32, .addr = {0x20, 0x01, 0x0d, 0xb8}};
	size_t have = 0, i, k;

	s->n6 = 0;
	if (!n)
		return 0;
	s->v6 = calloc(n, sizeof(*s->v6));
	if (!s->v6)
		return -ENOMEM;
	while (have < n) {
		while (have < n) {
			struct bench_pfx *p = &s->v6[have];

			draw6(p, rng);
			if (!contains6(p, &doc) && !contains6(&doc, p))
				have++;
		}
		/* Drop duplicates and prefixes that hold another; draw again for them. */
		qsort(s->v6, have, sizeof(*s->v6), cmp6);
		for (i = 0, k = 0; i < have; i++) {
			if (i + 1 < have && contains6(&s->v6[i], &s->v6[i + 1]))
				continue;
			s->v6[k++] = s->v6[i];
		}
		have = k;
	}
	shuffle(s->v6, have, rng);
	s->n6 = have;
	return 0;
}

static __u64 fnv(const char *s)
{
	__u64 h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (__u8)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static int gen_names(struct bench_set *s, __u64 *rng, size_t n)
{
	static const char *const tlds[] = {"com", "net", "org", "io", "dev", "app", "cloud"};
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t cap, have = 0;
	__u64 *seen;

	s->nnames = 0;
	if (!n)
		return 0;
	for (cap = 1024; cap < 2 * n; cap *= 2)
		;
	s->names = calloc(n, sizeof(*s->names));
	seen = calloc(cap, sizeof(*seen));
	if (!s->names || !seen) {
		free(seen);
		return -ENOMEM;
	}
	while (have < n) {
		char *name = s->names[have];
		int labels = 2 + bench_rand(rng) % 2, l, pos = 0;
		size_t slot;
		__u64 h;

		for (l = 0; l < labels; l++) {
			int ll = 3 + bench_rand(rng) % 10, c;

			for (c = 0; c < ll; c++)
				name[pos++] = alnum[bench_rand(rng) % 36];
			name[pos++] = '.';
		}
		pos += sprintf(name + pos, "%s", tlds[bench_rand(rng) % 7]);
		h = fnv(name) | 1;
		for (slot = h & (cap - 1); seen[slot] && seen[slot] != h;
		     slot = (slot + 1) & (cap - 1))
			;
		if (seen[slot] || strstr(name, "example"))
			continue;
		seen[slot] = h;
		have++;
	}
	free(seen);
	s->nnames = have;
	return 0;
}

int bench_set_generate(struct bench_set *s, __u64 seed, size_t n4, size_t n6, size_t nnames)
{
	__u64 rng = seed;
	int err;

	memset(s, 0, sizeof(*s));
	err = gen_v4(s, &rng, n4);
	if (!err)
		err = gen_v6(s, &rng, n6);
	if (!err)
		err = gen_names(s, &rng, nnames);
	if (err)
		bench_set_free(s);
	return err;
}

void bench_pfx_format(const struct bench_pfx *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
}

static int write_list(const char *dir, const char *file, const struct bench_pfx *v, size_t n)
{
	char path[4096], buf[64];
	size_t i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	for (i = 0; i < n; i++) {
		bench_pfx_format(&v[i], buf, sizeof(buf));
		fprintf(f, "%s\n", buf);
	}
	if (fclose(f))
		return -errno;
	return 0;
}

int bench_set_write(const struct bench_set *s, const char *dir)
{
	char path[4096];
	size_t i;
	FILE *f;
	int err;

	err = write_list(dir, "v4.txt", s->v4, s->n4);
	if (!err)
		err = write_list(dir, "v6.txt", s->v6, s->n6);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/names.txt", dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	for (i = 0; i < s->nnames; i++)
		fprintf(f, "%s\n", s->names[i]);
	return fclose(f) ? -errno : 0;
}

static int read_list(const char *dir, const char *file, int family, struct bench_pfx **out,
		     size_t *n)
{
	char path[4096], line[128], *slash;
	size_t cap = 1024;
	FILE *f;

	*n = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	*out = malloc(cap * sizeof(**out));
	while (*out && fgets(line, sizeof(line), f)) {
		struct bench_pfx *p;

		line[strcspn(line, "\n")] = '\0';
		slash = strchr(line, '/');
		if (!slash)
			continue;
		*slash = '\0';
		if (*n == cap) {
			struct bench_pfx *nv = realloc(*out, 2 * cap * sizeof(**out));

			if (!nv)
				break;
			*out = nv;
			cap *= 2;
		}
		p = &(*out)[*n];
		memset(p, 0, sizeof(*p));
		p->family = family;
		p->len = atoi(slash + 1);
		if (inet_pton(family == 4 ? AF_INET : AF_INET6, line, p->addr) != 1) {
			fclose(f);
			return -EINVAL;
		}
		(*n)++;
	}
	fclose(f);
	return *out ? 0 : -ENOMEM;
}

int bench_set_read(struct bench_set *s, const char *dir)
{
	char path[4096], line[128];
	size_t cap = 1024;
	FILE *f;
	int err;

	memset(s, 0, sizeof(*s));
	err = read_list(dir, "v4.txt", 4, &s->v4, &s->n4);
	if (!err)
		err = read_list(dir, "v6.txt", 6, &s->v6, &s->n6);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/names.txt", dir);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	s->names = malloc(cap * sizeof(*s->names));
	while (s->names && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		if (s->nnames == cap) {
			void *nv = realloc(s->names, 2 * cap * sizeof(*s->names));

			if (!nv)
				break;
			s->names = nv;
			cap *= 2;
		}
		snprintf(s->names[s->nnames++], sizeof(s->names[0]), "%.63s", line);
	}
	fclose(f);
	return s->names ? 0 : -ENOMEM;
}

void bench_set_free(struct bench_set *s)
{
	free(s->v4);
	free(s->v6);
	free(s->names);
	memset(s, 0, sizeof(*s));
}
