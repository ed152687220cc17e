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

static struct eg_scratch scratch;
static struct eg_stream_scratch stream;
static struct eg_config cfg;
static __u64 stats[EG_S_MAX + 64], reasons[EG_R_MAX + 64];
static struct eg_name_val name_val;
static __u8 dns_port_one = 1;

/*
 * Maps as the harness answers them: the scratch and config entries, counters
 * that absorb increments, and a name table in which every name "matches" one
 * rule out of 16 (by hash), so the rule paths run too.
 */
void *eg_user_map_lookup(void *map, const void *key)
{
	if (map == &eg_scratch)
		return &scratch;
	if (map == &eg_stream_scratch)
		return &stream;
	if (map == &eg_config)
		return &cfg;
	if (map == &eg_stats)
		return *(const __u32 *)key < EG_S_MAX ? &stats[*(const __u32 *)key] : NULL;
	if (map == &eg_reasons)
		return *(const __u32 *)key < EG_R_MAX ? &reasons[*(const __u32 *)key] : NULL;
	if (map == &eg_dns_ports)
		return *(const __u16 *)key == 5353 ? &dns_port_one : NULL;
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
	struct eg_user_ctx ctx = { .data = data, .len = size };
	struct eg_dns_info dns = {};
	struct eg_l7 l7 = {};
	struct eg_pkt p = {};
	int err, l4_err, ret;

	if (size > 9000)
		return 0;
	cfg.name_seed = 0x9e3779b97f4a7c15ULL;
	cfg.mode = size & 1;
	memset(&scratch, 0, sizeof(scratch));
	memset(&stream, 0, sizeof(stream));
	err = eg_parse((void *)data, (void *)(data + size), &p, &l4_err);
	if (err == EG_NOT_IP || err < 0)
		return 0;
	assert(p.family == 4 || p.family == 6);
	assert(p.l3_off <= size);
	if (p.l4_ok)
		assert(p.l4_off <= size);
	ret = eg_l7_judge(&ctx, &cfg, &p, &scratch, &l7, &dns);
	assert(ret <= 0 && ret > -EG_R_MAX - 64);
	if (!ret && l7.name_src)
		check_text(scratch.best, sizeof(scratch.best));
	if (l7.hit.rule_id)
		assert(l7.hit.rule_id == 7);
	/* The answer reader sees every UDP payload too. */
	if (p.l4_ok && p.l4proto == IPPROTO_UDP && p.l4_len >= 8 && p.l4_off + 8 <= size)
		eg_learn_answer(&ctx, &cfg, &scratch, p.l4_off + 8, p.l4_len - 8);
	return 0;
}
