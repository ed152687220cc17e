// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * egbench pktcost: the per-packet cost of every program, side by side, in
 * one process and one run. Nothing is attached, nothing is pinned, and
 * BPF_PROG_TEST_RUN sends nothing: the maps live and die with this process.
 *
 * Programs: the classifier (eg_tc_egress) and its bare floor (eg_tc_bare)
 * from build/tc/egress.bpf.o; the lookup floors of bench/lookup.bpf.c (the
 * LPM floor shares the classifier's own eg_v4_rules_0 / eg_v6_rules_0); the
 * bare XDP floor; xdp-filter's program object from Debian's xdp-tools, its
 * maps filled as `xdp-filter ip ADDR --mode dst` fills them.
 *
 * The rule set grows step by step (a smaller set is the head of a larger
 * one); at each step every (program, frame) pair runs `repeat` times per
 * sample, the samples interleaved across pairs, and the median is kept.
 * The blocked SYN is rewritten into a reset on its first run, so it is
 * measured one run per call instead: the median of the kernel's duration
 * over many calls, the floors measured the same way.
 *
 * Times are the kernel's own (the duration BPF_PROG_TEST_RUN reports: the
 * run loop, without the time this process was descheduled, whole ns); the
 * wall clock per run is written beside them. The machine may be shared.
 *
 * Output (TSV): one line per (step, frame, program), one per (step,
 * structure), and with --checks whether a name rule decides each frame
 * that carries a name (is the payload parser in this build?).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "cmds.h"
#include "eg/name.h"
#include "hint.h"
#include "log.h"
#include "egress.skel.h"
#include "lookup.skel.h"

#define MAX_FRAMES     16
#define MAX_FRAME      2048
#define MAX_STEPS      8
#define MAX_PAIRS      96
#define XDPF_MAX       10000 /* entries of xdp-filter's address maps */
#define XDPF_FLAG_DST  0x2   /* MAP_FLAG_DST of xdp-filter/common_kern_user.h */
#define NAME_RULE_BASE 2000000
#define NAME_SEED      0x5eed5eed5eed5eedULL
#define DIR_BATCH      65536
#define RETVAL_MIXED   -999 /* pair.retval when the runs of a pair disagreed */

/*
 * DIR-24-8 writes, batched per table in the order they come (a later write
 * to an index wins). Written with BPF_MAP_UPDATE_BATCH, not through mmap():
 * on the kernel this was built on, a BPF_F_MMAPABLE array's mapping did not
 * show what lookups saw.
 */
struct dir_writer {
	int fd[2]; /* tbl24, tbl8 */
	__u32 keys[2][DIR_BATCH];
	__u32 vals[2][DIR_BATCH];
	__u32 n[2];
	size_t written;
};

struct frame {
	char name[16];
	__u8 data[MAX_FRAME];
	__u32 len;
};

enum prog_id {
	P_EG,
	P_TC_BARE,
	P_XDP_BARE,
	P_XDPF,
	P_LPM,
	P_HASH_LPM,
	P_PLEN,
	P_DIR,
	P_DIR_LPM,
	P_HINT_LPM,
	P_MAX,
};

static const char *const prog_names[P_MAX] = {
	[P_EG] = "egressgate",	 [P_TC_BARE] = "tc_bare", [P_XDP_BARE] = "xdp_bare",
	[P_XDPF] = "xdp_filter", [P_LPM] = "lpm_floor",	  [P_HASH_LPM] = "hash32_lpm",
	[P_PLEN] = "plen_hash",	 [P_DIR] = "dir_24_8",	  [P_DIR_LPM] = "dir24_lpm",
	[P_HINT_LPM] = "hint_lpm",
};

struct step {
	size_t v4, v6, names;
};

struct pair {
	int prog;
	int frame;
	bool single; /* one run per call */
	double samples[64];
	double ksamples[64];
	int nr;
	int retval;
	bool mixed; /* not every run returned the same verdict */
};

struct env {
	struct egress *eg;
	struct lookup *lk;
	struct bpf_object *xdpf;
	int fd[P_MAX];
	int xdpf_v4, xdpf_v6;
	struct ring_buffer *rb;
	struct bench_set set;
	struct frame frames[MAX_FRAMES];
	int nr_frames;
	struct dir248 dir;
	struct dir_writer dw;
	__u64 *hint; /* the classifier's eg_dst_hint, mapped */
	bool dir_ok;
	__u64 lens_mask;
	int nr_cpus;
	__u32 repeat;
	int runs;
	int single;
	size_t cur4, cur6, curn;
	FILE *out;
	FILE *sout;
};

static int on_event(void *ctx, void *data, size_t len)
{
	return 0;
}

static int load_frames(struct env *e, const char *path)
{
	char line[2 * MAX_FRAME + 64], hex[2 * MAX_FRAME + 1];
	FILE *f = fopen(path, "r");
	int err = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && e->nr_frames < MAX_FRAMES) {
		struct frame *fr = &e->frames[e->nr_frames];
		size_t i, n;

		if (sscanf(line, "%15s %4096s", fr->name, hex) != 2)
			continue;
		n = strlen(hex) / 2;
		if (n > MAX_FRAME) {
			err = -E2BIG;
			break;
		}
		for (i = 0; i < n; i++)
			sscanf(hex + 2 * i, "%2hhx", &fr->data[i]);
		fr->len = n;
		e->nr_frames++;
	}
	fclose(f);
	return err;
}

static int frame_idx(struct env *e, const char *name)
{
	int i;

	for (i = 0; i < e->nr_frames; i++)
		if (!strcmp(e->frames[i].name, name))
			return i;
	return -1;
}

/* Kernel memory of a map as the kernel accounts it (fdinfo "memlock"). */
static __u64 map_mem(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	eg_vlog(level == LIBBPF_WARN ? EG_LOG_INFO : EG_LOG_DEBUG, fmt, ap);
	return 0;
}

static int unpin_all(struct bpf_object *obj)
{
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj) {
		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			return err;
	}
	return 0;
}

/* The floors look up the classifier's own maps, not copies. */
static int share_eg_maps(struct env *e)
{
	return bpf_map__reuse_fd(e->lk->maps.lpm4, bpf_map__fd(e->eg->maps.eg_v4_rules_0)) ?:
	       bpf_map__reuse_fd(e->lk->maps.lpm6, bpf_map__fd(e->eg->maps.eg_v6_rules_0)) ?:
	       bpf_map__reuse_fd(e->lk->maps.hint, bpf_map__fd(e->eg->maps.eg_dst_hint));
}

static int load_all(struct env *e, const char *xdpf_path)
{
	struct eg_config cfg = {
		.mode = EG_MODE_ENFORCE,
		.default_action = EG_ACT_ALLOW,
		.dns_rcode = EG_DNS_REFUSED,
		.name_seed = NAME_SEED,
		.learn_ttl_min = EG_LEARN_TTL_MIN,
		.learn_ttl_max = EG_LEARN_TTL_MAX,
	};
	size_t groups = dir248_groups_needed(e->set.v4, e->set.n4);
	struct bpf_program *prog;
	__u32 zero = 0;
	int err;

	e->eg = egress__open();
	if (!e->eg)
		return -errno;
	err = unpin_all(e->eg->obj);
	if (err)
		return err;
	bpf_program__set_autoload(e->eg->progs.eg_tc_bare, true);
	err = egress__load(e->eg);
	if (err) {
		pr_err("loading the classifier: %s", strerror(-err));
		return err;
	}
	e->fd[P_EG] = bpf_program__fd(e->eg->progs.eg_tc_egress);
	e->fd[P_TC_BARE] = bpf_program__fd(e->eg->progs.eg_tc_bare);
	if (bpf_map_update_elem(bpf_map__fd(e->eg->maps.eg_config), &zero, &cfg, BPF_ANY))
		return -errno;
	e->rb = ring_buffer__new(bpf_map__fd(e->eg->maps.eg_events), on_event, NULL, NULL);
	if (!e->rb)
		return -errno;

	e->lk = lookup__open();
	if (!e->lk)
		return -errno;
	err = share_eg_maps(e) ?:
	      bpf_map__set_max_entries(e->lk->maps.dir8, (groups ? groups : 1) * DIR_GROUP) ?:
	      bpf_map__set_max_entries(e->lk->maps.dir_rules, e->set.n4 + 1);
	if (err)
		return err;
	err = lookup__load(e->lk);
	if (err) {
		/* DIR-24-8's groups may not fit: measure the rest without it. */
		pr_warn("loading the lookup floors with %zu DIR-24-8 groups: %s; retrying without",
			groups, strerror(-err));
		lookup__destroy(e->lk);
		e->lk = lookup__open();
		if (!e->lk)
			return -errno;
		err = share_eg_maps(e) ?: lookup__load(e->lk);
		if (err)
			return err;
		groups = 0;
	}
	e->fd[P_LPM] = bpf_program__fd(e->lk->progs.bench_lpm);
	e->fd[P_HASH_LPM] = bpf_program__fd(e->lk->progs.bench_hash_lpm);
	e->fd[P_PLEN] = bpf_program__fd(e->lk->progs.bench_plen);
	e->fd[P_DIR] = bpf_program__fd(e->lk->progs.bench_dir);
	e->fd[P_DIR_LPM] = bpf_program__fd(e->lk->progs.bench_dir_lpm);
	e->fd[P_HINT_LPM] = bpf_program__fd(e->lk->progs.bench_hint_lpm);
	e->hint = eg_hint_map(bpf_map__fd(e->eg->maps.eg_dst_hint));
	if (!e->hint)
		return -errno;
	e->fd[P_XDP_BARE] = bpf_program__fd(e->lk->progs.bench_xdp_bare);

	err = dir248_init(&e->dir, groups);
	if (err)
		return err;
	e->dw.fd[0] = bpf_map__fd(e->lk->maps.dir24);
	e->dw.fd[1] = bpf_map__fd(e->lk->maps.dir8);
	e->dir_ok = groups || !e->set.n4;

	e->xdpf = bpf_object__open_file(xdpf_path, NULL);
	err = libbpf_get_error(e->xdpf);
	if (err) {
		e->xdpf = NULL;
		pr_err("opening xdp-filter's object %s: %s", xdpf_path, strerror(-err));
		return err;
	}
	err = unpin_all(e->xdpf);
	if (!err)
		err = bpf_object__load(e->xdpf);
	if (err) {
		pr_err("loading xdp-filter's object %s: %s", xdpf_path, strerror(-err));
		return err;
	}
	prog = bpf_object__next_program(e->xdpf, NULL);
	e->fd[P_XDPF] = bpf_program__fd(prog);
	e->xdpf_v4 = bpf_object__find_map_fd_by_name(e->xdpf, "filter_ipv4");
	e->xdpf_v6 = bpf_object__find_map_fd_by_name(e->xdpf, "filter_ipv6");
	if (e->xdpf_v4 < 0 || e->xdpf_v6 < 0) {
		pr_err("%s has no filter_ipv4/filter_ipv6 map", xdpf_path);
		return -ENOENT;
	}
	return 0;
}

static int dir_flush(struct dir_writer *w, int t)
{
	__u32 count = w->n[t];

	if (count && bpf_map_update_batch(w->fd[t], w->keys[t], w->vals[t], &count, NULL))
		return -errno;
	w->written += w->n[t];
	w->n[t] = 0;
	return 0;
}

static int dir_emit(void *ctx, int table, __u32 index, __u32 value)
{
	struct dir_writer *w = ctx;
	int t = table == 24 ? 0 : 1;

	w->keys[t][w->n[t]] = index;
	w->vals[t][w->n[t]] = value;
	if (++w->n[t] == DIR_BATCH)
		return dir_flush(w, t);
	return 0;
}

/* A prefix's buckets in eg_dst_hint, as egressd marks them before its rule. */
static void bench_hint(struct env *e, const struct bench_pfx *p)
{
	struct eg_prefix pf = {.family = p->family, .len = p->len};

	memcpy(pf.addr, p->addr, sizeof(pf.addr));
	eg_hint_mark(e->hint + eg_hint_region_of(pf.family) * EG_HINT_REGION_WORDS, &pf, true);
}

static double ms_since(__u64 t0)
{
	return (bench_now_ns() - t0) / 1e6;
}

static void struct_line(struct env *e, const struct step *s, const char *what, __u64 bytes,
			double ms)
{
	fprintf(e->sout, "%zu\t%zu\t%zu\t%s\t%llu\t%.1f\n", s->v4, s->v6, s->names, what,
		(unsigned long long)bytes, ms);
}

/* Bring every structure to the step's counts (they only grow). */
static int grow(struct env *e, const struct step *s)
{
	__u64 vals[e->nr_cpus], t;
	double ms_lpm = 0, ms_hint = 0, ms_hash = 0, ms_plen = 0, ms_dir = 0, ms_xdpf = 0, ms6 = 0, msn = 0;
	int fd4 = bpf_map__fd(e->eg->maps.eg_v4_rules_0);
	int fd6 = bpf_map__fd(e->eg->maps.eg_v6_rules_0);
	int fdn = bpf_map__fd(e->eg->maps.eg_names_0);
	__u32 zero = 0;
	size_t i;
	int err;

	for (i = 0; i < (size_t)e->nr_cpus; i++)
		vals[i] = XDPF_FLAG_DST;
	if (s->v4 > e->set.n4 || s->v6 > e->set.n6 || s->names > e->set.nnames) {
		pr_err("step %zu/%zu/%zu is larger than the rule set", s->v4, s->v6, s->names);
		return -EINVAL;
	}
	for (i = e->cur4; i < s->v4; i++) {
		const struct bench_pfx *p = &e->set.v4[i];
		struct eg_rule_val v = {.rule_id = i + 1, .action = EG_ACT_BLOCK};
		struct eg_v4_key k = {.prefixlen = p->len};
		struct bench_plen4_key pk = {.len = p->len};
		__u32 a, idx = i + 1;

		memcpy(k.addr, p->addr, 4);
		memcpy(&a, p->addr, 4);
		memcpy(pk.addr, p->addr, 4);
		t = bench_now_ns();
		bench_hint(e, p);
		ms_hint += ms_since(t);
		t = bench_now_ns();
		if (bpf_map_update_elem(fd4, &k, &v, BPF_NOEXIST))
			return -errno;
		ms_lpm += ms_since(t);
		t = bench_now_ns();
		if (p->len == 32)
			err = bpf_map_update_elem(bpf_map__fd(e->lk->maps.exact4), &a, &v,
						  BPF_NOEXIST);
		else
			err = bpf_map_update_elem(bpf_map__fd(e->lk->maps.short4), &k, &v,
						  BPF_NOEXIST);
		if (err)
			return -errno;
		ms_hash += ms_since(t);
		t = bench_now_ns();
		if (bpf_map_update_elem(bpf_map__fd(e->lk->maps.plen4), &pk, &v, BPF_NOEXIST))
			return -errno;
		e->lens_mask |= 1ULL << p->len;
		ms_plen += ms_since(t);
		if (e->dir_ok &&
		    bpf_map_update_elem(bpf_map__fd(e->lk->maps.dir_rules), &idx, &v, BPF_ANY))
			return -errno;
		if (i < XDPF_MAX) {
			t = bench_now_ns();
			if (bpf_map_update_elem(e->xdpf_v4, &a, vals, BPF_ANY))
				return -errno;
			ms_xdpf += ms_since(t);
		}
	}
	if (bpf_map_update_elem(bpf_map__fd(e->lk->maps.plen4_lens), &zero, &e->lens_mask, BPF_ANY))
		return -errno;
	if (e->dir_ok && s->v4 != e->cur4) {
		t = bench_now_ns();
		err = dir248_build(&e->dir, e->set.v4, s->v4, dir_emit, &e->dw) ?:
		      dir_flush(&e->dw, 0) ?: dir_flush(&e->dw, 1);
		if (err == -ENOSPC) {
			pr_warn("DIR-24-8 groups exhausted at %zu prefixes: not measured from here",
				s->v4);
			e->dir_ok = false;
		} else if (err) {
			return err;
		}
		ms_dir = ms_since(t);
	}
	for (i = e->cur6; i < s->v6; i++) {
		const struct bench_pfx *p = &e->set.v6[i];
		struct eg_rule_val v = {.rule_id = 1000000 + i + 1, .action = EG_ACT_BLOCK};
		struct eg_v6_key k = {.prefixlen = p->len};

		memcpy(k.addr, p->addr, 16);
		bench_hint(e, p);
		t = bench_now_ns();
		if (bpf_map_update_elem(fd6, &k, &v, BPF_NOEXIST))
			return -errno;
		ms6 += ms_since(t);
		if (i < XDPF_MAX) {
			t = bench_now_ns();
			if (bpf_map_update_elem(e->xdpf_v6, p->addr, vals, BPF_ANY))
				return -errno;
			ms_xdpf += ms_since(t);
		}
	}
	for (i = e->curn; i < s->names; i++) {
		const char *n = e->set.names[i];
		struct eg_name_key k = {.hash = eg_name_hash(NAME_SEED, n, strlen(n))};
		struct eg_name_val v = {
			.exact_id = NAME_RULE_BASE + i + 1,
			.sub_id = NAME_RULE_BASE + i + 1,
			.exact_action = EG_ACT_BLOCK,
			.sub_action = EG_ACT_BLOCK,
			.len = strlen(n),
		};

		t = bench_now_ns();
		if (bpf_map_update_elem(fdn, &k, &v, BPF_ANY))
			return -errno;
		msn += ms_since(t);
	}
	e->cur4 = s->v4;
	e->cur6 = s->v6;
	e->curn = s->names;

	struct_line(e, s, "lpm_v4", map_mem(fd4), ms_lpm);
	struct_line(e, s, "lpm_v6", map_mem(fd6), ms6);
	struct_line(e, s, "names", map_mem(fdn), msn);
	struct_line(e, s, "hash32_lpm",
		    map_mem(bpf_map__fd(e->lk->maps.exact4)) +
			    map_mem(bpf_map__fd(e->lk->maps.short4)),
		    ms_hash);
	struct_line(e, s, "plen_hash", map_mem(bpf_map__fd(e->lk->maps.plen4)), ms_plen);
	if (e->dir_ok)
		struct_line(e, s, "dir_24_8",
			    (4ULL << 24) + (__u64)e->dir.groups * DIR_GROUP * 4 +
				    (__u64)(s->v4 + 1) * sizeof(struct eg_rule_val),
			    ms_dir);
	struct_line(e, s, "dir24_lpm", (4ULL << 24) + map_mem(fd4), ms_dir);
	struct_line(e, s, "hint_lpm", EG_HINT_REGION_WORDS * 8ULL + map_mem(fd4), ms_lpm + ms_hint);
	struct_line(e, s, "xdp_filter", map_mem(e->xdpf_v4) + map_mem(e->xdpf_v6), ms_xdpf);
	fflush(e->sout);
	return 0;
}

static int sample(struct env *e, struct pair *p)
{
	const struct frame *f = &e->frames[p->frame];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->data, .data_size_in = f->len);
	__u64 t0, t1;
	int i;

	if (p->nr >= 64)
		return 0;
	if (!p->single) {
		o.repeat = e->repeat;
		t0 = bench_now_ns();
		if (bpf_prog_test_run_opts(e->fd[p->prog], &o))
			return -errno;
		t1 = bench_now_ns();
		p->samples[p->nr] = (double)(t1 - t0) / e->repeat;
		p->ksamples[p->nr] = o.duration;
	} else {
		double d[e->single];

		for (i = 0; i < e->single; i++) {
			o.repeat = 1;
			o.duration = 0;
			if (bpf_prog_test_run_opts(e->fd[p->prog], &o))
				return -errno;
			d[i] = o.duration;
			if (i && (int)o.retval != p->retval)
				p->mixed = true;
			p->retval = (int)o.retval;
			if (i % 1024 == 1023)
				ring_buffer__consume(e->rb);
		}
		ring_buffer__consume(e->rb);
		p->samples[p->nr] = p->ksamples[p->nr] = bench_median(d, e->single);
	}
	/* Every sample must take the same path; RETVAL_MIXED tells the report it did not. */
	if (p->nr && p->retval != (int)o.retval)
		p->mixed = true;
	p->retval = p->mixed ? RETVAL_MIXED : (int)o.retval;
	p->nr++;
	return 0;
}

static bool wants(int prog, const char *frame)
{
	bool v4only = prog == P_HASH_LPM || prog == P_PLEN || prog == P_DIR || prog == P_DIR_LPM ||
		      prog == P_HINT_LPM;

	if (v4only)
		return !strcmp(frame, "syn4") || !strcmp(frame, "blk4");
	return true;
}

static int measure(struct env *e, const struct step *s)
{
	static struct pair pairs[MAX_PAIRS];
	int np = 0, r, i, f, err;

	for (f = 0; f < e->nr_frames; f++) {
		for (i = 0; i < P_MAX; i++) {
			const char *fn = e->frames[f].name;

			if (!wants(i, fn) || ((i == P_DIR) && !e->dir_ok) || np == MAX_PAIRS)
				continue;
			memset(&pairs[np], 0, sizeof(pairs[np]));
			pairs[np].prog = i;
			pairs[np].frame = f;
			pairs[np].single = !strcmp(fn, "blk4");
			np++;
		}
	}
	/* Rounds interleave the pairs, so a slow moment of the machine hits them all alike. */
	for (r = 0; r < e->runs; r++) {
		for (i = 0; i < np; i++) {
			err = sample(e, &pairs[i]);
			if (err) {
				pr_err("BPF_PROG_TEST_RUN of %s on %s: %s",
				       prog_names[pairs[i].prog], e->frames[pairs[i].frame].name,
				       strerror(-err));
				return err;
			}
		}
	}
	for (i = 0; i < np; i++) {
		struct pair *p = &pairs[i];
		double ns = bench_median(p->samples, p->nr), kns = bench_median(p->ksamples, p->nr);

		fprintf(e->out, "%zu\t%zu\t%zu\t%s\t%s\t%s\t%.1f\t%.1f\t%d\t%d\t%u\n", s->v4, s->v6,
			s->names, e->frames[p->frame].name, prog_names[p->prog],
			p->single ? "single" : "repeat", kns, ns, p->retval, p->nr,
			p->single ? (unsigned)e->single : e->repeat);
	}
	fflush(e->out);
	return 0;
}

/*
 * With `block name example.com` in force, is each named frame still passed?
 * A frame the rule stops proves its parser is in this build; one that
 * passes took the path of a frame without a name.
 */
static int check_names(struct env *e, const char *path)
{
	static const char *const named[] = {"dns10", "tls", "http"};
	const char *n = "example.com";
	struct eg_name_key k = {.hash = eg_name_hash(NAME_SEED, n, strlen(n))};
	struct eg_name_val v = {.exact_id = NAME_RULE_BASE,
				.sub_id = NAME_RULE_BASE,
				.exact_action = EG_ACT_BLOCK,
				.sub_action = EG_ACT_BLOCK,
				.len = strlen(n)};
	int fdn = bpf_map__fd(e->eg->maps.eg_names_0);
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f)
		return -errno;
	fprintf(f, "frame\tretval_without\tretval_with\n");
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		int fi = frame_idx(e, named[i]), r[2], j;

		if (fi < 0)
			continue;
		for (j = 0; j < 2; j++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = e->frames[fi].data,
				    .data_size_in = e->frames[fi].len, .repeat = 1);

			if (j && bpf_map_update_elem(fdn, &k, &v, BPF_ANY)) {
				fclose(f);
				return -errno;
			}
			if (bpf_prog_test_run_opts(e->fd[P_EG], &o)) {
				fclose(f);
				return -errno;
			}
			r[j] = (int)o.retval;
			bpf_map_delete_elem(fdn, &k);
		}
		fprintf(f, "%s\t%d\t%d\n", named[i], r[0], r[1]);
	}
	ring_buffer__consume(e->rb);
	return fclose(f) ? -errno : 0;
}

static int parse_steps(const char *arg, struct step *steps, int *n)
{
	char buf[512], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", arg);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *a = tok, *b = strchr(a, ':'), *c = b ? strchr(b + 1, ':') : NULL;

		if (!b || !c || *n == MAX_STEPS)
			return -EINVAL;
		*b++ = '\0';
		*c++ = '\0';
		if (bench_parse_size(a, &steps[*n].v4) || bench_parse_size(b, &steps[*n].v6) ||
		    bench_parse_size(c, &steps[*n].names))
			return -EINVAL;
		if (*n && (steps[*n].v4 < steps[*n - 1].v4 || steps[*n].v6 < steps[*n - 1].v6 ||
			   steps[*n].names < steps[*n - 1].names))
			return -EINVAL;
		(*n)++;
	}
	return *n ? 0 : -EINVAL;
}

static const char pktcost_usage[] =
	"Usage: egbench pktcost --sets DIR --frames FILE --out FILE --structs FILE\n"
	"         [--steps V4:V6:NAMES,...] [--repeat N] [--runs N] [--single N]\n"
	"         [--xdp-filter OBJ] [--cpu N] [--checks FILE]\n"
	"Per-packet cost of the classifier, the floors and xdp-filter, the rule set\n"
	"grown step by step (default 0:0:0,1k:100k:1k,1k:100k:100k,100k:100k:100k,\n"
	"1M:100k:100k). --repeat runs per sample (default 1000000), --runs samples\n"
	"(default 5, the median kept), --single calls per sample for the blocked SYN\n"
	"(default 20000). Pinned to CPU --cpu (default 1).\n";

int cmd_pktcost(int argc, char **argv)
{
	static const struct option opts[] = {
		{"sets", required_argument, NULL, 's'},
		{"frames", required_argument, NULL, 'f'},
		{"out", required_argument, NULL, 'o'},
		{"structs", required_argument, NULL, 'S'},
		{"steps", required_argument, NULL, 't'},
		{"repeat", required_argument, NULL, 'r'},
		{"runs", required_argument, NULL, 'n'},
		{"single", required_argument, NULL, '1'},
		{"xdp-filter", required_argument, NULL, 'x'},
		{"cpu", required_argument, NULL, 'c'},
		{"checks", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *sets = NULL, *frames = NULL, *out = NULL, *sout = NULL, *checks = NULL;
	const char *xdpf = "/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_ip.o";
	const char *steps_arg = "0:0:0,1k:100k:1k,1k:100k:100k,100k:100k:100k,1M:100k:100k";
	struct step steps[MAX_STEPS];
	struct env *e = calloc(1, sizeof(*e));
	int c, i, nsteps, cpu = 1, ret = 1, err;
	cpu_set_t cs;

	if (!e)
		return 1;
	e->repeat = 1000000;
	e->runs = 5;
	e->single = 20000;
	while ((c = getopt_long(argc, argv, "s:f:o:S:t:r:n:1:x:c:C:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sets = optarg;
			break;
		case 'f':
			frames = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'S':
			sout = optarg;
			break;
		case 't':
			steps_arg = optarg;
			break;
		case 'r':
			e->repeat = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			e->runs = atoi(optarg);
			break;
		case '1':
			e->single = atoi(optarg);
			break;
		case 'x':
			xdpf = optarg;
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'C':
			checks = optarg;
			break;
		case 'h':
			fputs(pktcost_usage, stdout);
			free(e);
			return 0;
		default:
			fputs(pktcost_usage, stderr);
			free(e);
			return 2;
		}
	}
	if (!sets || !frames || !out || !sout || e->runs < 1 || e->runs > 64 || e->single < 1 ||
	    !e->repeat || parse_steps(steps_arg, steps, &nsteps)) {
		fputs(pktcost_usage, stderr);
		free(e);
		return 2;
	}
	libbpf_set_print(libbpf_print);
	CPU_ZERO(&cs);
	CPU_SET(cpu, &cs);
	if (sched_setaffinity(0, sizeof(cs), &cs))
		pr_warn("cannot pin to CPU %d: %s", cpu, strerror(errno));
	e->nr_cpus = libbpf_num_possible_cpus();
	err = bench_set_read(&e->set, sets);
	if (err) {
		pr_err("reading the rule set from %s: %s", sets, strerror(-err));
		goto out;
	}
	err = load_frames(e, frames);
	if (err || frame_idx(e, "syn4") < 0) {
		pr_err("reading frames from %s: %s", frames, err ? strerror(-err) : "no syn4");
		goto out;
	}
	/* Only the head of the set that the largest step uses is built into DIR-24-8. */
	if (e->set.n4 > steps[nsteps - 1].v4)
		e->set.n4 = steps[nsteps - 1].v4;
	err = load_all(e, xdpf);
	if (err) {
		pr_err("loading the programs: %s (root is needed)", strerror(-err));
		goto out;
	}
	e->out = fopen(out, "w");
	e->sout = fopen(sout, "w");
	if (!e->out || !e->sout) {
		pr_err("opening %s / %s: %s", out, sout, strerror(errno));
		goto out;
	}
	fprintf(e->out,
		"v4\tv6\tnames\tframe\tprogram\tmode\tns\twall_ns\tretval\tsamples\trepeat\n");
	fprintf(e->sout, "v4\tv6\tnames\tstructure\tbytes\tinsert_ms\n");
	for (i = 0; i < nsteps; i++) {
		__u64 t0 = bench_now_ns();

		err = grow(e, &steps[i]);
		if (err) {
			pr_err("filling the maps for step %d: %s", i, strerror(-err));
			goto out;
		}
		err = measure(e, &steps[i]);
		if (err)
			goto out;
		fprintf(stderr, "  pktcost: %zu v4, %zu v6, %zu names measured (%.1f s)\n",
			steps[i].v4, steps[i].v6, steps[i].names, (bench_now_ns() - t0) / 1e9);
	}
	if (checks) {
		err = check_names(e, checks);
		if (err) {
			pr_err("checking the name rules: %s", strerror(-err));
			goto out;
		}
	}
	ret = 0;
out:
	if (e->out)
		fclose(e->out);
	if (e->sout)
		fclose(e->sout);
	ring_buffer__free(e->rb);
	dir248_free(&e->dir);
	bpf_object__close(e->xdpf);
	eg_hint_unmap(e->hint);
	lookup__destroy(e->lk);
	egress__destroy(e->eg);
	bench_set_free(&e->set);
	free(e);
	return ret;
}
