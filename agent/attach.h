/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Attachments: the classifier on a device's egress hook, through a tcx link
 * (pinned, kernel 6.6+) or a clsact qdisc and cls_bpf filter. Each records
 * exactly what egressgate created, so detaching removes that and no more.
 */
#ifndef EG_ATTACH_H
#define EG_ATTACH_H

#include <limits.h>

#include "policy.h"
#include "tc_attach.h"

struct eg_loader;

enum eg_att_hook {
	EG_ATT_TCX = 1,
	EG_ATT_TC = 2,
	EG_ATT_XDP = 3, /* XDP on `where`: the veth's host side, or a gateway's ingress */
};

/* An attachment with hook 0 is pending: wanted, waiting for its namespace or device. */
struct eg_attachment {
	struct eg_target t;
	struct eg_target where; /* the device hooked: t itself, or for XDP the veth's peer */
	bool xdp_generic;       /* XDP runs in generic (skb) mode: the driver has no native */
	int hook; /* enum eg_att_hook; 0 while pending */
	int ifindex;
	__u64 netns_ino;    /* identity of the namespace when attached */
	__u64 netns_cookie; /* matches eg_event.netns_cookie */
	struct eg_tc_att tc;
	struct eg_tc_att tc_in; /* the DNS answer reader's filter (clsact) */
	bool has_in;            /* the DNS answer reader is attached on ingress */
	bool from_policy; /* attached because the policy file says so */
	char note[256];   /* what the operator should know, e.g. a foreign qdisc */
	char last_err[256]; /* why a pending attachment is still pending */
};

const char *eg_att_hook_name(int hook);
int eg_attach(struct eg_loader *L, const struct eg_target *t, struct eg_attachment *a, char *err,
	      size_t errlen);
int eg_detach(struct eg_loader *L, struct eg_attachment *a, char *err, size_t errlen);
/*
 * After a restart: point an existing attachment at the newly loaded
 * program in one atomic step. -ENOENT: it is gone (device or namespace).
 */
int eg_attach_adopt(struct eg_loader *L, struct eg_attachment *a, char *err, size_t errlen);
/*
 * Is what we attached still in place? 0: yes; -ENOENT: gone (namespace
 * replaced or deleted, device deleted, hook removed); other -errno: cannot tell.
 */
int eg_attach_check(struct eg_loader *L, struct eg_attachment *a);
/* Drop what is left of a dead attachment (a tcx link pin) and make it pending. */
void eg_attach_release(struct eg_loader *L, struct eg_attachment *a);
/* The hook a preference (enum eg_hook_pref) gets on this kernel. */
int eg_resolve_hook(const struct eg_loader *L, int pref);
/* A policy target naming namespaces by pattern: `attach netns deploy-* dev eth0`. */
bool eg_target_is_pattern(const struct eg_target *t);
/* t (perhaps a pattern) covers the concrete target c. */
bool eg_target_matches(const struct eg_target *t, const struct eg_target *c);
/* Same target (names), ignoring hook and ifindex. */
bool eg_target_same(const struct eg_target *a, const struct eg_target *b);

#endif
