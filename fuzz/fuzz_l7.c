// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The data plane's parsers, compiled for user space from the very same
 * headers the BPF programs use (eg/user.h is the context layer): a frame
 * goes through the L2-L4 parser, the payload stage (DNS questions, and what
 * else l7.h judges) and the DNS answer reader. Sanitizers catch any read
 * outside the frame; the invariants below catch nonsense results.
 */
#define EG_CTX_USER
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eg/ctx.h"
#include "eg/parse.h"
#include "eg/maps.h"
#include "eg/report.h"
#include "eg/l7.h"
#include "eg/learn.h"

static struct eg_name_val name_val;

/*
 * Maps are eg/user.h's emulation, registered once from the map structs, so
 * flow state, learned addresses and counters behave as in the kernel; the
 * name tables are answered here instead: every name "matches" one rule out
 * of 16 (by hash), so the rule paths run too.
 */
static void *names_hook(void *map, const void *key)
{
	if (map == &eg_names_0 || map == &eg_names_1) {
		const struct eg_name_key *k = key;

		if ((k->hash & 15) != 3)
			return NULL;
		/* len is checked against the suffix; make it agree sometimes. */
		name_val.len = (k->hash >> 8) & 0xff;
		name_val.exact_id = name_val.sub_id = 7;
		name_val.exact_action = EG_ACT_ALLOW;
		name_val.sub_action = EG_ACT_BLOCK;
		return &name_val;
	}
	return NULL;
}

static void maps_init(void)
{
	static bool done;
	__u16 port = 5353;
	__u32 w = eg_dns_port_word(port);
	__u64 *bits;

	if (done)
		return;
	done = true;
	/* Not in assert(): registering is no check, NDEBUG must not drop it. */
	if (EG_USER_REGISTER_MAPS())
		abort();
	bits = bpf_map_lookup_elem(&eg_dns_port_bits, &w);
	if (!bits)
		abort();
	*bits |= eg_dns_port_bit(port);
	eg_user_set_lookup_hook(names_hook);
}

static void check_text(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	/* Names come out lowercased, NUL-terminated, within EG_NAME_MAX. */
	assert(n < max);
	assert(n <= EG_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		assert(!(s[i] >= 'A' && s[i] <= 'Z'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eg_user_ctx ctx = { .data = (__u8 *)data, .len = size };
	struct eg_dns_info dns = {};
	struct eg_l7 l7 = {};
	struct eg_pkt p = {};
	struct eg_scratch *scratch;
	struct eg_config *cfg;
	__u32 zero = 0;
	int err, l4_err, ret;

	if (size > 9000)
		return 0;
	maps_init();
	/* Each input on its own: no flow or learned state from the one before. */
	eg_user_map_clear(&eg_flows);
	eg_user_map_clear(&eg_collect);
	eg_user_map_clear(&eg_flow_hint);
	eg_user_map_clear(&eg_learned);
	eg_user_map_clear(&eg_scratch);
	eg_user_map_clear(&eg_stream_scratch);
	eg_user_maps_quiesce();
	cfg = bpf_map_lookup_elem(&eg_config, &zero);
	scratch = bpf_map_lookup_elem(&eg_scratch, &zero);
	assert(cfg && scratch);
	cfg->name_seed = 0x9e3779b97f4a7c15ULL;
	cfg->mode = size & 1;
	err = eg_parse((void *)data, (void *)(data + size), &p, &l4_err);
	if (err == EG_NOT_IP || err < 0)
		return 0;
	assert(p.family == 4 || p.family == 6);
	assert(p.l3_off <= size);
	if (p.l4_ok)
		assert(p.l4_off <= size);
	ret = eg_l7_judge(&ctx, cfg, &p, scratch, &l7, &dns);
	assert(ret <= 0 && ret > -EG_R_MAX - 64);
	if (!ret && l7.name_src)
		check_text(scratch->best, sizeof(scratch->best));
	if (l7.hit.rule_id)
		assert(l7.hit.rule_id == 7);
	/* The answer reader sees every UDP payload too. */
	if (p.l4_ok && p.l4proto == IPPROTO_UDP && p.l4_len >= 8 && p.l4_off + 8 <= size)
		eg_learn_answer(&ctx, cfg, scratch, p.l4_off + 8, p.l4_len - 8);
	return 0;
}
