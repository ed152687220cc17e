// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the classifier: every case of a fixture file (written by
 * gen_fixtures.py) installs a policy, feeds one frame through eg_tc_egress
 * with BPF_PROG_TEST_RUN and checks the return code, the output bytes, the
 * counters, the per-rule hits and the ring buffer event. Nothing is
 * attached and nothing is pinned: the maps live and die with this process.
 *
 * Verdict parity: every case runs through the XDP build, eg_xdp_guard, as
 * well, and must hold there too. The XDP object shares the TC object's maps
 * (as egressd shares them through the pins), so one install serves both;
 * the return code is translated (TC_ACT_UNSPEC -> XDP_PASS, TC_ACT_SHOT ->
 * XDP_DROP, TC_ACT_REDIRECT -> XDP_TX), everything else must be the same,
 * but for the event's hook. Under test run XDP_TX is returned as is, and
 * the frame's ingress device is the loopback, as the skb's device is at TC.
 * A case whose result must differ at XDP by design is listed in
 * xdp_differs[], with why; none is today.
 *
 * BPF_PROG_TEST_RUN refuses SCHED_CLS input shorter than ETH_HLEN, so a
 * frame cut inside the Ethernet header cannot be tested here. Under test
 * run the skb belongs to the loopback device, and bpf_redirect() only
 * records the target: the program's TC_ACT_REDIRECT is returned as is.
 * No process sends these frames and the attribution programs are not
 * loaded, so every event's owner must be zero.
 *
 * Name rules are keyed by eg_name_hash() under a name seed drawn at random
 * once per run and printed first (EG_NAME_SEED=0x... replays a run), so a
 * case can never pass by a fixed hash.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "egressgate.h"
#include "hint.h"
#include "log.h"
#include "fixture.h"
#include "egress.skel.h"
#include "guard.skel.h"

#define MAX_EVENTS 8

/* The classifier builds every case runs through. */
enum tc_hook {
	HOOK_TC,
	HOOK_XDP,
	HOOK_MAX,
};

static const char *const hook_names[HOOK_MAX] = { "tc", "xdp" };

/*
 * A case whose result at XDP differs from TC's by design: the name of the
 * case, the return code expected at XDP instead of the translated one, and
 * why. Everything else is still checked as at TC.
 */
struct xdp_differ {
	const char *name;
	int ret; /* XDP_* */
	const char *why;
};

static const struct xdp_differ xdp_differs[] = {
	{ NULL },
};

/* Everything the runner holds while it goes through the cases. */
struct tc_env {
	struct egress *skel;
	struct guard *xdp; /* shares every map of skel */
	int hook;          /* enum tc_hook the cases run through */
	struct ring_buffer *rb;
	int nr_cpus;
	int nr_events;
	int set; /* rule set the case runs against; the other holds decoys */
	__u64 name_seed;
	__u64 *hint; /* eg_dst_hint, mapped */
	struct eg_event events[MAX_EVENTS];
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct tc_env *env = ctx;

	if (env->nr_events < MAX_EVENTS && size >= sizeof(struct eg_event))
		memcpy(&env->events[env->nr_events], data, sizeof(struct eg_event));
	env->nr_events++;
	return 0;
}

/* Delete every key of a hash or LPM trie map; 0 or -errno. */
static int map_clear(struct bpf_map *map)
{
	int fd = bpf_map__fd(map);
	__u8 key[64];

	while (!bpf_map_get_next_key(fd, NULL, key)) {
		if (bpf_map_delete_elem(fd, key))
			return -errno;
	}
	return errno == ENOENT ? 0 : -errno;
}

/* eg_dns_port_bits holds the case's ports and no other, in one batch. */
static int dns_ports_write(int fd, const struct tc_case *c)
{
	static __u32 keys[EG_DNS_PORT_WORDS];
	__u64 words[EG_DNS_PORT_WORDS] = {};
	__u32 i, n = EG_DNS_PORT_WORDS;

	for (i = 0; i < n; i++)
		keys[i] = i;
	for (i = 0; i < (__u32)c->nr_dns_ports; i++)
		words[eg_dns_port_word(c->dns_ports[i])] |= eg_dns_port_bit(c->dns_ports[i]);
	return bpf_map_update_batch(fd, keys, words, &n, NULL) ? -errno : 0;
}

/* Zero every slot of an array (values up to 8 bytes), in one batch. */
static int array_zero(struct bpf_map *map)
{
	static __u32 keys[1U << 16];
	static __u64 zero[1U << 16];
	__u32 i, n = bpf_map__max_entries(map);

	if (n > sizeof(keys) / sizeof(keys[0]) || bpf_map__value_size(map) > sizeof(zero[0]))
		return -E2BIG;
	for (i = 0; i < n; i++)
		keys[i] = i;
	return bpf_map_update_batch(bpf_map__fd(map), keys, zero, &n, NULL) ? -errno : 0;
}

/* Zero every slot of a per-CPU array of __u64. */
static int percpu_clear(struct tc_env *env, struct bpf_map *map)
{
	__u32 key, max = bpf_map__max_entries(map);
	__u64 zero[env->nr_cpus];

	memset(zero, 0, sizeof(zero));
	for (key = 0; key < max; key++) {
		if (bpf_map_update_elem(bpf_map__fd(map), &key, zero, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int percpu_sum(struct tc_env *env, struct bpf_map *map, __u32 key, __u64 *sum)
{
	__u64 vals[env->nr_cpus];
	int i;

	if (bpf_map_lookup_elem(bpf_map__fd(map), &key, vals))
		return -errno;
	*sum = 0;
	for (i = 0; i < env->nr_cpus; i++)
		*sum += vals[i];
	return 0;
}

/*
 * Name rules into the case's set; the other set gets the same keys as drop
 * rules with the decoy id, so reading the wrong set cannot go unnoticed.
 */
static int install_names(struct tc_env *env, const struct tc_case *c)
{
	struct egress *skel = env->skel;
	struct bpf_map *mn[2] = { skel->maps.eg_names_0, skel->maps.eg_names_1 };
	struct tc_name_entry ents[MAX_RULES];
	int i, nr, err;

	for (i = 0; i < 2; i++) {
		err = map_clear(mn[i]);
		if (err)
			return err;
	}
	err = dns_ports_write(bpf_map__fd(skel->maps.eg_dns_port_bits), c);
	if (err)
		return err;
	err = name_entries(env->name_seed, c, ents, &nr);
	if (err)
		return err;
	for (i = 0; i < nr; i++) {
		if (bpf_map_update_elem(bpf_map__fd(mn[env->set]), &ents[i].key, &ents[i].val,
					BPF_NOEXIST) ||
		    bpf_map_update_elem(bpf_map__fd(mn[!env->set]), &ents[i].key, &ents[i].decoy,
					BPF_NOEXIST))
			return -errno;
	}
	return 0;
}

static int install(struct tc_env *env, const struct tc_case *c)
{
	struct egress *skel = env->skel;
	struct bpf_map *m4[2] = { skel->maps.eg_v4_rules_0, skel->maps.eg_v4_rules_1 };
	struct bpf_map *m6[2] = { skel->maps.eg_v6_rules_0, skel->maps.eg_v6_rules_1 };
	int v4 = bpf_map__fd(m4[env->set]), v6 = bpf_map__fd(m6[env->set]);
	/* The set not in force blocks everything: reading it would fail every case. */
	struct eg_rule_val decoy = { .rule_id = 999, .action = EG_ACT_DROP };
	struct eg_v4_key all4 = { .prefixlen = 0 };
	struct eg_v6_key all6 = { .prefixlen = 0 };
	struct eg_config cfg = c->cfg;
	__u32 zero = 0;
	int i, err = 0;

	for (i = 0; i < 2 && !err; i++)
		err = map_clear(m4[i]) ?: map_clear(m6[i]);
	if (!err && (bpf_map_update_elem(bpf_map__fd(m4[!env->set]), &all4, &decoy, BPF_ANY) ||
		     bpf_map_update_elem(bpf_map__fd(m6[!env->set]), &all6, &decoy, BPF_ANY)))
		err = -errno;
	if (!err)
		err = map_clear(skel->maps.eg_rule_stats);
	if (!err)
		err = percpu_clear(env, skel->maps.eg_stats);
	if (!err)
		err = percpu_clear(env, skel->maps.eg_reasons);
	if (err)
		return err;
	cfg.active = env->set;
	cfg.name_seed = env->name_seed;
	err = install_names(env, c);
	if (err)
		return err;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.eg_config), &zero, &cfg, BPF_ANY))
		return -errno;
	for (i = 0; i < c->nr_rules; i++) {
		struct tc_rule_entry e;

		if (!rule_entry(&c->rules[i], &e))
			continue;
		if (e.family == 4)
			err = bpf_map_update_elem(v4, &e.k4, &e.val, BPF_NOEXIST);
		else
			err = bpf_map_update_elem(v6, &e.k6, &e.val, BPF_NOEXIST);
		if (err)
			return -errno;
	}
	fixture_hint(env->hint, c);
	/* Leftovers of an earlier case would be taken for this one's. */
	ring_buffer__consume(env->rb);
	env->nr_events = 0;
	return 0;
}

static void check_counters(struct tc_env *env, const struct tc_case *c, struct tc_result *res)
{
	struct egress *skel = env->skel;
	__u64 got;
	__u32 i;

	for (i = 0; i < EG_S_MAX; i++) {
		if (!ASSERT_OK(res, percpu_sum(env, skel->maps.eg_stats, i, &got),
			       "reading eg_stats[%u]", i))
			return;
		check_stat(c, i, got, res);
	}
	for (i = 1; i < EG_R_MAX; i++) {
		if (!ASSERT_OK(res, percpu_sum(env, skel->maps.eg_reasons, i, &got),
			       "reading eg_reasons[%u]", i))
			return;
		ASSERT_EQ(res, got, c->reasons[i], "reason counter %s", eg_name_of("EG_R_", i, 0));
	}
}

/* Count the flows of map (eg_flows or eg_collect) into want[], by their slot. */
static int count_flows(struct bpf_map *map, __u32 *want)
{
	struct eg_flow_key k, next;
	int fd = bpf_map__fd(map), err;

	for (err = bpf_map_get_next_key(fd, NULL, &next); !err;
	     err = bpf_map_get_next_key(fd, &k, &next)) {
		k = next;
		want[eg_flow_slot_of(k.saddr, k.daddr, k.sport, k.dport, k.family)]++;
	}
	return errno == ENOENT ? 0 : -errno;
}

/*
 * eg_flow_hint counts, slot by slot, the entries of eg_flows and eg_collect
 * (nothing is evicted here): a slot at zero beside an entry would let a
 * blocked flow's segments through unlooked-at.
 */
static void check_flow_hint(struct tc_env *env, struct tc_result *res)
{
	static __u32 keys[1U << EG_FLOW_HINT_BITS], got[1U << EG_FLOW_HINT_BITS],
		want[1U << EG_FLOW_HINT_BITS];
	__u32 i, n = 1U << EG_FLOW_HINT_BITS, batch;
	struct egress *skel = env->skel;
	int err;

	memset(want, 0, sizeof(want));
	for (i = 0; i < n; i++)
		keys[i] = i;
	err = bpf_map_lookup_batch(bpf_map__fd(skel->maps.eg_flow_hint), NULL, &batch, keys, got,
				   &n, NULL);
	if (!ASSERT_OK(res, err && errno != ENOENT ? -errno : 0, "reading eg_flow_hint") ||
	    !ASSERT_EQ(res, n, 1U << EG_FLOW_HINT_BITS, "eg_flow_hint slots read") ||
	    !ASSERT_OK(res, count_flows(skel->maps.eg_flows, want), "walking eg_flows") ||
	    !ASSERT_OK(res, count_flows(skel->maps.eg_collect, want), "walking eg_collect"))
		return;
	for (i = 0; i < n; i++) {
		if (!ASSERT_EQ(res, got[i], want[i], "eg_flow_hint[%u] against the flows there", i))
			return;
	}
}

static void check_rule_stats(struct tc_env *env, const struct tc_case *c, struct tc_result *res)
{
	int fd = bpf_map__fd(env->skel->maps.eg_rule_stats);
	struct eg_rule_stat st[env->nr_cpus];
	__u64 packets = 0, bytes = 0;
	__u32 key, *prev = NULL;
	int i, seen = 0;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (key != c->rule_id) {
			failf(res, "rule stats (expected no entry for rule %u, got one)", key);
			continue;
		}
		seen = 1;
		if (!ASSERT_OK(res, bpf_map_lookup_elem(fd, &key, st) ? -errno : 0,
			       "reading rule stats of %u", key))
			return;
		for (i = 0; i < env->nr_cpus; i++) {
			packets += st[i].packets;
			bytes += st[i].bytes;
		}
	}
	if (c->rule_id == EG_RULE_NONE)
		return;
	if (!seen) {
		failf(res, "rule stats (expected an entry for rule %u, got none)", c->rule_id);
		return;
	}
	ASSERT_EQ(res, packets, 1, "rule %u packets", c->rule_id);
	ASSERT_EQ(res, bytes, c->in_len, "rule %u bytes", c->rule_id);
}

static void check_event(struct tc_env *env, const struct tc_case *c, __u64 t0, __u64 t1,
			struct tc_result *res)
{
	const struct eg_event *e = &env->events[0];

	ring_buffer__consume(env->rb);
	if (!ASSERT_EQ(res, env->nr_events, c->has_event, "events") || !c->has_event)
		return;
	check_event_head(e, t0, t1, env->hook == HOOK_XDP ? EG_HOOK_XDP : EG_HOOK_TC_EGRESS, res);
	if (memcmp(e->owner.comm, (char[EG_COMM_LEN]){ 0 }, EG_COMM_LEN)) {
		char hex[2 * EG_COMM_LEN + 1];

		hex_encode((const __u8 *)e->owner.comm, EG_COMM_LEN, hex, sizeof(hex));
		failf(res, "event owner comm (expected all zero, got %s)", hex);
	}
	check_event_fields(e, c, res);
}

/* The XDP return code that stands for a TC one; -1 when none does. */
static int xdp_ret_of(int tc_ret)
{
	switch (tc_ret) {
	case TC_ACT_UNSPEC:
		return XDP_PASS;
	case TC_ACT_SHOT:
		return XDP_DROP;
	case TC_ACT_REDIRECT:
		return XDP_TX; /* the reset or the DNS answer goes back where it came from */
	}
	return -1;
}

static const struct xdp_differ *xdp_differ_of(const char *name)
{
	const struct xdp_differ *x;

	for (x = xdp_differs; x->name; x++) {
		if (!strcmp(x->name, name))
			return x;
	}
	return NULL;
}

/* Run one case through the hook's program; true when it passed. */
static bool run_case(void *arg, const struct tc_case *c)
{
	struct tc_env *env = arg;
	static struct tc_result res;
	const struct xdp_differ *x = NULL;
	__u8 out[MAX_FRAME];
	__u64 t0, t1;
	int err, prog, want;
	LIBBPF_OPTS(bpf_test_run_opts, topts,
		.data_in = c->in,
		.data_size_in = c->in_len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.repeat = 1,
	);

	memset(&res, 0, sizeof(res));
	err = install(env, c);
	if (!ASSERT_OK(&res, err, "installing the policy"))
		goto report;
	if (env->hook == HOOK_XDP) {
		prog = bpf_program__fd(env->xdp->progs.eg_xdp_guard);
		x = xdp_differ_of(c->name);
		want = x ? x->ret : xdp_ret_of(c->ret);
		if (want < 0) {
			failf(&res, "return code %s has no XDP counterpart (list the case in xdp_differs)",
			      eg_name_of("TC_ACT_", c->ret, 0));
			goto report;
		}
	} else {
		prog = bpf_program__fd(env->skel->progs.eg_tc_egress);
		want = c->ret;
	}
	t0 = now_ns();
	err = bpf_prog_test_run_opts(prog, &topts);
	t1 = now_ns();
	if (!ASSERT_OK(&res, err ? -errno : 0, "BPF_PROG_TEST_RUN"))
		goto report;
	ASSERT_ENUM(&res, (int)topts.retval, want, env->hook == HOOK_XDP ? "XDP_" : "TC_ACT_",
		    "return code");
	check_output(c, out, topts.data_size_out, &res);
	check_counters(env, c, &res);
	check_rule_stats(env, c, &res);
	check_event(env, c, t0, t1, &res);
	check_flow_hint(env, &res);
report:
	if (res.nr_fail)
		printf("FAIL %s [%s, set %d]: %s\n", c->name, hook_names[env->hook], env->set, res.msg);
	else
		printf("PASS %s [%s, set %d]%s%s\n", c->name, hook_names[env->hook], env->set,
		       x ? " differs by design: " : "", x ? x->why : "");
	return !res.nr_fail;
}

/* libbpf's messages go to our log, one level lower. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int lvl = level == LIBBPF_WARN ? EG_LOG_INFO : EG_LOG_DEBUG;

	if (level == LIBBPF_DEBUG)
		return 0;
	eg_vlog(lvl, fmt, ap);
	return 0;
}

/* Private maps: never reuse or create pins under /sys/fs/bpf. */
static int unpin_all(struct bpf_object *obj)
{
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj) {
		err = bpf_map__set_pin_path(map, NULL);
		if (err) {
			pr_err("unpinning map %s: %s", bpf_map__name(map), strerror(-err));
			return err;
		}
	}
	return 0;
}

/*
 * The XDP build on the TC build's maps, as egressd has the two share them
 * through the pins; a map the two declare differently fails here, as its
 * pin would fail egressd.
 */
static int load_xdp(struct tc_env *env)
{
	struct bpf_map *map, *tc;
	const char *name;
	int err;

	env->xdp = guard__open();
	if (!env->xdp) {
		err = -errno;
		pr_err("opening the XDP object failed: %s", strerror(-err));
		return err;
	}
	err = unpin_all(env->xdp->obj);
	if (err)
		return err;
	bpf_object__for_each_map(map, env->xdp->obj) {
		if (bpf_map__is_internal(map))
			continue; /* its own .rodata and .bss */
		name = bpf_map__name(map);
		tc = bpf_object__find_map_by_name(env->skel->obj, name);
		if (!tc) {
			pr_err("map %s of the XDP object is not in the TC object", name);
			return -ENOENT;
		}
		if (bpf_map__type(map) != bpf_map__type(tc) ||
		    bpf_map__key_size(map) != bpf_map__key_size(tc) ||
		    bpf_map__value_size(map) != bpf_map__value_size(tc) ||
		    bpf_map__max_entries(map) != bpf_map__max_entries(tc) ||
		    bpf_map__map_flags(map) != bpf_map__map_flags(tc)) {
			pr_err("map %s is declared differently in the TC and XDP objects", name);
			return -EINVAL;
		}
		err = bpf_map__reuse_fd(map, bpf_map__fd(tc));
		if (err) {
			pr_err("sharing map %s with the XDP object: %s", name, strerror(-err));
			return err;
		}
	}
	err = guard__load(env->xdp);
	if (err)
		pr_err("loading the XDP object failed: %s", strerror(-err));
	return err;
}

/* Flow and learned state left by the pass before would be taken for this one's. */
static int clear_state(struct tc_env *env)
{
	struct egress *skel = env->skel;
	int err;

	err = map_clear(skel->maps.eg_flows) ?: map_clear(skel->maps.eg_collect) ?:
	      map_clear(skel->maps.eg_learned) ?: array_zero(skel->maps.eg_flow_hint);
	memset(env->hint, 0, EG_HINT_WORDS * sizeof(*env->hint));
	if (err)
		pr_err("clearing flow and learned state: %s", strerror(-err));
	return err;
}

int main(int argc, char **argv)
{
	int passed[HOOK_MAX] = {}, failed[HOOK_MAX] = {}, ret = 2, err, pass;
	struct tc_env env = {};
	struct tc_case *c = NULL;
	FILE *f = NULL;

	eg_log_set_ident("tc_unit");
	libbpf_set_print(libbpf_print);
	if (fixture_open(argc, argv, &f, &c, &env.name_seed))
		goto cleanup;
	env.nr_cpus = libbpf_num_possible_cpus();
	if (env.nr_cpus <= 0) {
		pr_err("cannot count possible CPUs: %s", strerror(-env.nr_cpus));
		goto cleanup;
	}
	env.skel = egress__open();
	if (!env.skel) {
		pr_err("opening the BPF object failed: %s", strerror(errno));
		goto cleanup;
	}
	if (unpin_all(env.skel->obj))
		goto cleanup;
	err = egress__load(env.skel);
	if (err) {
		pr_err("loading the BPF object failed: %s (are you root?)", strerror(-err));
		goto cleanup;
	}
	if (load_xdp(&env))
		goto cleanup;
	env.hint = eg_hint_map(bpf_map__fd(env.skel->maps.eg_dst_hint));
	if (!env.hint) {
		pr_err("mapping eg_dst_hint: %s", strerror(errno));
		goto cleanup;
	}
	env.rb = ring_buffer__new(bpf_map__fd(env.skel->maps.eg_events), on_event, &env, NULL);
	if (!env.rb) {
		pr_err("ring buffer on eg_events: %s", strerror(errno));
		goto cleanup;
	}

	/*
	 * Every case runs against both rule sets, as eg_config.active picks
	 * them, and through both hooks; a pass starts without flow state.
	 */
	for (pass = 0; pass < 2 * HOOK_MAX; pass++) {
		env.set = pass / HOOK_MAX;
		env.hook = pass % HOOK_MAX;
		if (clear_state(&env))
			goto cleanup;
		if (fixture_each(f, argv[1], c, run_case, &env, &passed[env.hook], &failed[env.hook]))
			goto cleanup;
	}
	if (!passed[HOOK_TC] && !failed[HOOK_TC]) {
		pr_err("%s holds no test case", argv[1]);
		goto cleanup;
	}
	for (pass = 0; pass < HOOK_MAX; pass++)
		printf("%s: %d passed, %d failed\n", hook_names[pass], passed[pass], failed[pass]);
	printf("%d passed, %d failed\n", passed[HOOK_TC] + passed[HOOK_XDP],
	       failed[HOOK_TC] + failed[HOOK_XDP]);
	ret = failed[HOOK_TC] || failed[HOOK_XDP] ? 1 : 0;
cleanup:
	ring_buffer__free(env.rb);
	eg_hint_unmap(env.hint);
	guard__destroy(env.xdp);
	egress__destroy(env.skel);
	free(c);
	if (f)
		fclose(f);
	return ret;
}
