/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The policy model: pure C, no kernel calls. A policy file is parsed and
 * validated whole; on any error nothing is returned but "FILE:LINE: what".
 */
#ifndef EG_POLICY_H
#define EG_POLICY_H

#include <net/if.h>
#include <stdio.h>

#include "addr.h"
#include "name.h"
#include "egressgate.h"

enum eg_target_kind {
	EG_TGT_HOST = 0, /* the host's (egressd's) network namespace */
	EG_TGT_NETNS,    /* /run/netns/NAME */
	EG_TGT_PID,      /* /proc/PID/ns/net */
};

enum eg_hook_pref {
	EG_HOOKP_AUTO = 0, /* tcx where the kernel has it, else clsact */
	EG_HOOKP_TCX,
	EG_HOOKP_TC,
	EG_HOOKP_XDP, /* the host side of a namespace's veth (or, for a host device, its ingress) */
};

#define EG_NETNS_NAME_MAX 64
#define EG_COMMENT_MAX 128

struct eg_target {
	int kind;
	char netns[EG_NETNS_NAME_MAX];
	int pid;
	char dev[IF_NAMESIZE];
	int hook; /* enum eg_hook_pref */
	int line;
};

struct eg_rule {
	struct eg_prefix pfx;
	__u8 action; /* enum eg_action */
	char comment[EG_COMMENT_MAX];
	int line;
};

/* A name rule: `block name github.com`, `allow name =api.example`, `monitor name *.corp`. */
struct eg_nrule {
	struct eg_name_pat pat;
	__u8 action; /* enum eg_action */
	char comment[EG_COMMENT_MAX];
	int line;
};

struct eg_policy {
	int mode;           /* enum eg_mode */
	int default_action; /* EG_ACT_ALLOW or EG_ACT_BLOCK */
	int dns_rcode;      /* EG_DNS_REFUSED or EG_DNS_NXDOMAIN */
	int quic_block;
	__u32 learn_ttl_min, learn_ttl_max; /* seconds: clamp for learned addresses */
	__u16 dns_ports[EG_MAX_DNS_PORTS];
	int ndns_ports;
	struct eg_rule *rules;
	size_t nrules, rules_cap;
	struct eg_nrule *names;
	size_t nnames, names_cap;
	struct eg_target *targets;
	size_t ntargets, targets_cap;
};

int eg_policy_load(const char *path, struct eg_policy *p, char *err, size_t errlen);
int eg_policy_parse(const char *name, FILE *f, struct eg_policy *p, char *err, size_t errlen);
void eg_policy_free(struct eg_policy *p);

const char *eg_action_name(int action);
int eg_action_parse(const char *s); /* enum eg_action, or -EINVAL */
const char *eg_hook_pref_name(int hook);
int eg_hook_pref_parse(const char *s);
/* Validate names the way the kernel will see them; 0 or -EINVAL with a message. */
int eg_dev_name_check(const char *dev, char *err, size_t errlen);
int eg_netns_name_check(const char *name, char *err, size_t errlen);
int eg_comment_check(const char *comment, char *err, size_t errlen);
/* "deploy/veth0", "pid 42/eth0" or "eth0": how targets are named to people. */
void eg_target_format(const struct eg_target *t, char *buf, size_t len);

#endif
