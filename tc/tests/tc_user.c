// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The differential test of the classifier: eg_guard(), the judgement both
 * BPF entry points are (tc/egress.bpf.c, xdp/guard.bpf.c), compiled for user
 * space from the very same headers (EG_CTX_USER, eg/user.h), runs every case
 * of the fixture file tc_unit runs (written by gen_fixtures*.py, joined by
 * run_user.sh) and must meet the very same expectations: the TC return
 * code, every counter (packets, the verdict counted, the extra stat, each
 * reason), the per-rule hits, the ring buffer event and the output frame:
 * the rewritten one of a reset or a DNS answer, else the input unchanged.
 * tc_unit asserts the BPF builds (TC and XDP, under BPF_PROG_TEST_RUN)
 * against these expectations, this runner the user-space build: when both
 * pass, the BPF and user-space builds give the same verdict, counters, rule
 * and bytes on every corpus packet. Each case prints one line setting what
 * the user-space build did beside what the BPF build must do (the case's
 * expectation, which tc_unit holds it to).
 *
 * The maps are eg/user.h's emulation, registered from the map structs of
 * eg/maps.h, and are set up per case as tc_unit sets up the kernel's: the
 * case's rules in the rule set in force, decoys (rule 999, drop) in the
 * other, counters zeroed; every case runs against both sets. Flows are
 * cases sharing a 5-tuple: flow and learned state carries from case to case
 * within a pass, and a pass starts without it, as in tc_unit.
 *
 * What cannot agree by nature, and is checked differently:
 * - the event's ts_ns: the user-space clock is CLOCK_MONOTONIC read by
 *   bpf_ktime_get_ns() of eg/user.h, so it is checked to lie within the
 *   run of the case, as tc_unit checks the kernel's;
 * - the event's ifindex: the runner gives the frame the loopback's index,
 *   as BPF_PROG_TEST_RUN does;
 * - netns_cookie and the owner: only the TC build asks the kernel for them
 *   (eg/report.h); under test run both are zero, here they are never set.
 * BPF_PROG_TEST_RUN refuses frames shorter than ETH_HLEN, so the corpus has
 * none; nothing here needs that limit. The sweep of idle collections
 * (bpf_for_each_map_elem in eg/flow.h) is compiled out in user space; no
 * case fills eg_collect, so it never runs in tc_unit either.
 *
 * Name rules are keyed under a random seed per run, printed first
 * (EG_NAME_SEED=0x... replays a run), as in tc_unit.
 */
#define EG_CTX_USER
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pkt_cls.h>

#include "egressgate.h"
#include "eg/ctx.h"
#include "eg/guard.h"
#include "eg/name.h"
#include "log.h"
#include "fixture.h"

/* Everything the runner holds while it goes through the cases. */
struct tc_env {
	int set; /* rule set the case runs against; the other holds decoys */
	__u64 name_seed;
};

static int register_maps(void)
{
	int err = EG_USER_REGISTER_MAPS();

	if (err)
		pr_err("registering the maps: %s", strerror(-err));
	return err;
}

/* As tc_unit's install_names(): the case's set, and decoys in the other. */
static int install_names(struct tc_env *env, const struct tc_case *c)
{
	void *mn[2] = { &eg_names_0, &eg_names_1 };
	struct tc_name_entry ents[MAX_RULES];
	int i, nr, err;

	eg_user_map_clear(mn[0]);
	eg_user_map_clear(mn[1]);
	eg_user_map_clear(&eg_dns_port_bits);
	fixture_hint(bpf_map_lookup_elem(&eg_dst_hint, &(__u32){ 0 }), c);
	for (i = 0; i < c->nr_dns_ports; i++) {
		__u32 w = eg_dns_port_word(c->dns_ports[i]);
		__u64 *bits = bpf_map_lookup_elem(&eg_dns_port_bits, &w);

		if (!bits)
			return -ENOENT;
		*bits |= eg_dns_port_bit(c->dns_ports[i]);
	}
	err = name_entries(env->name_seed, c, ents, &nr);
	if (err)
		return err;
	for (i = 0; i < nr; i++) {
		err = bpf_map_update_elem(mn[env->set], &ents[i].key, &ents[i].val, BPF_NOEXIST) ?:
		      bpf_map_update_elem(mn[!env->set], &ents[i].key, &ents[i].decoy, BPF_NOEXIST);
		if (err)
			return err;
	}
	return 0;
}

/* As tc_unit's install(), on the emulated maps. */
static int install(struct tc_env *env, const struct tc_case *c)
{
	void *m4[2] = { &eg_v4_rules_0, &eg_v4_rules_1 };
	void *m6[2] = { &eg_v6_rules_0, &eg_v6_rules_1 };
	struct eg_rule_val decoy = { .rule_id = 999, .action = EG_ACT_DROP };
	struct eg_v4_key all4 = { .prefixlen = 0 };
	struct eg_v6_key all6 = { .prefixlen = 0 };
	struct eg_config cfg = c->cfg;
	__u32 zero = 0;
	int i, err;

	for (i = 0; i < 2; i++) {
		eg_user_map_clear(m4[i]);
		eg_user_map_clear(m6[i]);
	}
	err = bpf_map_update_elem(m4[!env->set], &all4, &decoy, BPF_ANY) ?:
	      bpf_map_update_elem(m6[!env->set], &all6, &decoy, BPF_ANY);
	if (err)
		return err;
	eg_user_map_clear(&eg_rule_stats);
	eg_user_map_clear(&eg_stats);
	eg_user_map_clear(&eg_reasons);
	cfg.active = env->set;
	cfg.name_seed = env->name_seed;
	err = install_names(env, c) ?: bpf_map_update_elem(&eg_config, &zero, &cfg, BPF_ANY);
	if (err)
		return err;
	for (i = 0; i < c->nr_rules; i++) {
		struct tc_rule_entry e;

		if (!rule_entry(&c->rules[i], &e))
			continue;
		if (e.family == 4)
			err = bpf_map_update_elem(m4[env->set], &e.k4, &e.val, BPF_NOEXIST);
		else
			err = bpf_map_update_elem(m6[env->set], &e.k6, &e.val, BPF_NOEXIST);
		if (err)
			return err;
	}
	eg_user_events_clear();
	eg_user_maps_quiesce();
	return 0;
}

static __u64 counter(void *map, __u32 i)
{
	__u64 *v = bpf_map_lookup_elem(map, &i);

	return v ? *v : 0;
}

static void check_counters(const struct tc_case *c, struct tc_result *res)
{
	__u32 i;

	for (i = 0; i < EG_S_MAX; i++)
		check_stat(c, i, counter(&eg_stats, i), res);
	for (i = 1; i < EG_R_MAX; i++)
		ASSERT_EQ(res, counter(&eg_reasons, i), c->reasons[i], "reason counter %s",
			  eg_name_of("EG_R_", i, 0));
}

/* The verdict the user-space build counted; -1: none, -2: more than one. */
static int counted_verdict(void)
{
	int v, got = -1;

	for (v = 0; v < EG_V_MAX; v++) {
		if (counter(&eg_stats, EG_S_V_BASE + v))
			got = got == -1 ? v : -2;
	}
	return got;
}

struct rule_walk {
	const struct tc_case *c;
	struct tc_result *res;
	int seen;
	__u64 packets, bytes;
	__u32 hit; /* a rule with hits, for the case's line */
};

static int rule_walk_one(const void *key, void *value, void *arg)
{
	struct rule_walk *w = arg;
	const struct eg_rule_stat *st = value;
	__u32 id = *(const __u32 *)key;

	w->hit = id;
	if (id != w->c->rule_id) {
		failf(w->res, "rule stats (expected no entry for rule %u, got one)", id);
		return 0;
	}
	w->seen = 1;
	w->packets += st->packets;
	w->bytes += st->bytes;
	return 0;
}

static __u32 check_rule_stats(const struct tc_case *c, struct tc_result *res)
{
	struct rule_walk w = { .c = c, .res = res };

	eg_user_map_walk(&eg_rule_stats, rule_walk_one, &w);
	if (c->rule_id == EG_RULE_NONE)
		return w.hit;
	if (!w.seen) {
		failf(res, "rule stats (expected an entry for rule %u, got none)", c->rule_id);
		return w.hit;
	}
	ASSERT_EQ(res, w.packets, 1, "rule %u packets", c->rule_id);
	ASSERT_EQ(res, w.bytes, c->in_len, "rule %u bytes", c->rule_id);
	return w.hit;
}

/* As tc_unit's check_event(), on the records bpf_ringbuf_submit() kept. */
static void check_event(const struct tc_case *c, __u64 t0, __u64 t1, struct tc_result *res)
{
	struct eg_user_state *st = eg_user_state();
	const struct eg_event *e;

	if (!ASSERT_EQ(res, st->nr_events + st->nr_lost, c->has_event, "events") || !c->has_event)
		return;
	if (!ASSERT_EQ(res, st->events[0].size, sizeof(*e), "event size"))
		return;
	e = (const struct eg_event *)st->events[0].data;
	check_event_head(e, t0, t1, EG_HOOK_TC_EGRESS, res);
	if (memcmp(e->owner.comm, (char[EG_COMM_LEN]){ 0 }, EG_COMM_LEN))
		failf(res, "event owner comm (expected all zero)");
	check_event_fields(e, c, res);
}

static const char *verdict_name(int v, int slot)
{
	return v == -1 ? "-" : v == -2 ? "several" : eg_name_of("EG_V_", v, slot);
}

/* Run one case through the user-space build; true when it passed. */
static int count_flow(const void *key, void *value, void *arg)
{
	const struct eg_flow_key *k = key;
	__u32 *want = arg;

	(void)value;
	want[eg_flow_slot_of(k->saddr, k->daddr, k->sport, k->dport, k->family)]++;
	return 0;
}

/* eg_flow_hint counts, slot by slot, the entries of eg_flows and eg_collect (see tc_unit). */
static void check_flow_hint(struct tc_result *res)
{
	static __u32 want[1U << EG_FLOW_HINT_BITS];
	__u32 i, *got;

	memset(want, 0, sizeof(want));
	eg_user_map_walk(&eg_flows, count_flow, want);
	eg_user_map_walk(&eg_collect, count_flow, want);
	for (i = 0; i < 1U << EG_FLOW_HINT_BITS; i++) {
		got = bpf_map_lookup_elem(&eg_flow_hint, &i);
		if (!got) {
			failf(res, "eg_flow_hint[%u] missing", i);
			return;
		}
		if (!ASSERT_EQ(res, *got, want[i], "eg_flow_hint[%u] against the flows there", i))
			return;
	}
}

static bool run_case(void *arg, const struct tc_case *c)
{
	struct tc_env *env = arg;
	static struct tc_result res;
	static __u8 buf[MAX_FRAME];
	struct eg_user_ctx ctx = {
		.data = buf, .len = c->in_len, .cap = sizeof(buf), .ifindex = LOOPBACK_IFINDEX,
	};
	int err, ret = -1, verdict = -1;
	__u32 hit = 0;
	__u64 t0, t1;

	memset(&res, 0, sizeof(res));
	err = install(env, c);
	if (!ASSERT_OK(&res, err, "installing the policy"))
		goto report;
	memcpy(buf, c->in, c->in_len);
	t0 = now_ns();
	ret = eg_guard(&ctx);
	t1 = now_ns();
	ASSERT_ENUM(&res, ret, c->ret, "TC_ACT_", "return code");
	check_output(c, ctx.data, ctx.len, &res);
	check_counters(c, &res);
	verdict = counted_verdict();
	hit = check_rule_stats(c, &res);
	check_event(c, t0, t1, &res);
	check_flow_hint(&res);
report:
	printf("%s %s [user, set %d]: user %s %s rule %u %u bytes | bpf %s %s rule %u %u bytes%s%s\n",
	       res.nr_fail ? "FAIL" : "PASS", c->name, env->set, eg_name_of("TC_ACT_", ret, 0),
	       verdict_name(verdict, 0), hit, ctx.len, eg_name_of("TC_ACT_", c->ret, 1),
	       verdict_name(c->verdict, 1), c->rule_id, c->out_len ? c->out_len : c->in_len,
	       res.nr_fail ? ": " : "", res.nr_fail ? res.msg : "");
	return !res.nr_fail;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, ret = 2;
	struct tc_env env = {};
	struct tc_case *c = NULL;
	FILE *f = NULL;

	eg_log_set_ident("tc_user");
	if (fixture_open(argc, argv, &f, &c, &env.name_seed) || register_maps())
		goto cleanup;

	/* Every case against both rule sets; a pass starts without flow state. */
	for (env.set = 0; env.set < 2; env.set++) {
		eg_user_map_clear(&eg_flows);
		eg_user_map_clear(&eg_collect);
		eg_user_map_clear(&eg_flow_hint);
		eg_user_map_clear(&eg_dst_hint);
		eg_user_map_clear(&eg_learned);
		eg_user_maps_quiesce();
		if (fixture_each(f, argv[1], c, run_case, &env, &passed, &failed))
			goto cleanup;
	}
	if (!passed && !failed) {
		pr_err("%s holds no test case", argv[1]);
		goto cleanup;
	}
	printf("user: %d passed, %d failed\n", passed, failed);
	printf("%d passed, %d failed\n", passed, failed);
	ret = failed ? 1 : 0;
cleanup:
	eg_user_events_clear();
	free(c);
	if (f)
		fclose(f);
	return ret;
}
