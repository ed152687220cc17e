// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fixture format of the classifier's unit tests, shared by the two
 * runners of the corpus: tc_unit.c (the BPF builds under BPF_PROG_TEST_RUN)
 * and tc_user.c (eg_guard() built for user space). One line of a fixture
 * file (written by gen_fixtures*.py) is one case: the policy, the frame and
 * everything the classifier must do with it. Here: the case, its parser,
 * the names of the enums the fixture uses, the failure messages and the
 * checks that read no map.
 *
 * Plain user space: no BPF header, so it builds beside eg/user.h as well.
 */
#ifndef EG_TC_TESTS_FIXTURE_H
#define EG_TC_TESTS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>

#include "egressgate.h"
#include "addr.h"

#define MAX_FRAME 2048
#define MAX_RULES 32
#define MAX_CFG_FIELDS 32
#define MSG_LEN 8192
#define LOOPBACK_IFINDEX 1

/* Which slots of a name key a rule fills (policy `name`, `*.name`, `=name`). */
enum {
	NAME_EXACT = 1 << 0,
	NAME_SUB = 1 << 1,
};

struct tc_rule {
	struct eg_prefix pfx;
	int slots;                  /* 0: a prefix rule; else NAME_*: a name rule */
	char name[EG_NAME_MAX + 1]; /* lowercased, no trailing dot */
	__u32 id;
	__u8 action;
};

/* Which fields of the expected event the fixture gave. */
enum {
	EV_VERDICT = 1 << 0,
	EV_ACTION = 1 << 1,
	EV_REASON = 1 << 2,
	EV_RULE = 1 << 3,
	EV_LEN = 1 << 4,
	EV_FLAGS = 1 << 5,
	EV_SADDR = 1 << 6,
	EV_DADDR = 1 << 7,
	EV_PROTO = 1 << 8,
	EV_SPORT = 1 << 9,
	EV_DPORT = 1 << 10,
	EV_TCPFLAGS = 1 << 11,
};

struct tc_case {
	char name[128];
	struct eg_config cfg;
	struct tc_rule rules[MAX_RULES];
	int nr_rules;
	__u16 dns_ports[EG_MAX_DNS_PORTS];
	int nr_dns_ports;
	__u8 in[MAX_FRAME];
	__u32 in_len;
	int ret;
	int verdict; /* -1: no verdict is counted */
	int stat;    /* extra enum eg_stat counted once, -1: none */
	__u64 reasons[EG_R_MAX];
	__u32 rule_id;
	bool has_event;
	unsigned int ev_mask;
	struct eg_event ev;
	__u8 out[MAX_FRAME];
	__u32 out_len; /* 0: the output must be the input */
};

/* What one case found wrong, as "what (expected X, got Y)" clauses. */
struct tc_result {
	char msg[MSG_LEN];
	size_t len;
	int nr_fail;
};

void failf(struct tc_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define ASSERT_EQ(res, got, exp, what, ...)                                                  \
	({                                                                                   \
		long long ___got = (got), ___exp = (exp);                                    \
		bool ___ok = ___got == ___exp;                                               \
		if (!___ok)                                                                  \
			failf(res, what " (expected %lld, got %lld)", ##__VA_ARGS__, ___exp, \
			      ___got);                                                       \
		___ok;                                                                       \
	})

/* Like ASSERT_EQ for enum values: the message names them (see eg_names). */
#define ASSERT_ENUM(res, got, exp, prefix, what)                                                 \
	({                                                                                       \
		long ___got = (got), ___exp = (exp);                                             \
		bool ___ok = ___got == ___exp;                                                   \
		if (!___ok)                                                                      \
			failf(res, what " (expected %s, got %s)", eg_name_of(prefix, ___exp, 0), \
			      eg_name_of(prefix, ___got, 1));                                    \
		___ok;                                                                           \
	})

#define ASSERT_OK(res, err, what, ...)                                                    \
	({                                                                                \
		int ___err = (err);                                                       \
		if (___err)                                                               \
			failf(res, what " failed: %s", ##__VA_ARGS__, strerror(-___err)); \
		!___err;                                                                  \
	})
/* The name of value among the names starting with prefix, else the number. */
const char *eg_name_of(const char *prefix, long value, int slot);
/* A name that starts with prefix, or a number; -EINVAL otherwise. */
int eg_name_value(const char *s, const char *prefix, long *val);

int hex_decode(const char *s, __u8 *buf, size_t cap, __u32 *len);
void hex_encode(const __u8 *buf, __u32 len, char *out, size_t cap);

/* One fixture line into c; -EINVAL with a message in err. */
int parse_case(char *line, struct tc_case *c, char *err, size_t errlen);

/*
 * The runner's start: the fixture file named by the one argument, room for
 * a case and the name seed (printed). 0, or 2 (the exit code) when any
 * fails; what was opened is left in *f and *c for the caller to free.
 */
int fixture_open(int argc, char **argv, FILE **f, struct tc_case **c, __u64 *seed);

/*
 * Every case of the fixture file f (named path), from its start, parsed
 * into c and handed to run; each counted in *passed or *failed as run
 * says. 0, or -EINVAL once a line or the file cannot be read.
 */
int fixture_each(FILE *f, const char *path, struct tc_case *c,
		 bool (*run)(void *arg, const struct tc_case *c), void *arg, int *passed,
		 int *failed);

/*
 * Name keys of a case: the rules that share a name share one entry. The
 * decoy goes in the rule set not in force: the same slots, rule 999, drop,
 * so reading the wrong set cannot go unnoticed.
 */
struct tc_name_entry {
	const char *name;
	struct eg_name_key key;
	struct eg_name_val val;
	struct eg_name_val decoy;
};

/* The name keys of c under seed into ents (MAX_RULES of them), *nr of them. */
int name_entries(__u64 seed, const struct tc_case *c, struct tc_name_entry *ents, int *nr);

/* A prefix rule as the rule maps hold it. */
struct tc_rule_entry {
	int family; /* 4: k4, 6: k6 */
	struct eg_v4_key k4;
	struct eg_v6_key k6;
	struct eg_rule_val val;
};

/* r into e; false when r is a name rule (see name_entries()). */
bool rule_entry(const struct tc_rule *r, struct tc_rule_entry *e);

/*
 * eg_dst_hint's prefix regions (words: the map, mapped or emulated) as
 * egressd leaves them with the case's rules in force.
 */
void fixture_hint(__u64 *words, const struct tc_case *c);

/* Counter i of eg_stats, read as got, against what the case expects. */
void check_stat(const struct tc_case *c, __u32 i, __u64 got, struct tc_result *res);

/*
 * The event's fields that do not depend on the case: ts_ns within
 * [t0, t1], no netns cookie, the loopback's ifindex, the hook (EG_HOOK_*),
 * the padding, and an owner of all zero but for its comm.
 */
void check_event_head(const struct eg_event *e, __u64 t0, __u64 t1, int hook,
		      struct tc_result *res);
/* The event's fields the case gives (ev_mask), its name source and name. */
void check_event_fields(const struct eg_event *e, const struct tc_case *c, struct tc_result *res);
/* The output frame: the case's rewritten one, else the input unchanged. */
void check_output(const struct tc_case *c, const __u8 *out, __u32 out_len, struct tc_result *res);

__u64 now_ns(void);

#endif
