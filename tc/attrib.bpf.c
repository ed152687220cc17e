// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Process attribution: remembers, by socket cookie, which process created an
 * IPv4/IPv6 socket, connected it, or last sent a datagram on it without
 * connecting, so the classifier can name it in an event. Cgroup socket hooks
 * on the cgroup v2 root: they run in the caller's context before the first
 * packet is built, on every kernel with cgroup links (5.7+), where fentry and
 * kprobes may not exist. They never change the outcome: each returns 1 (go on).
 * A separate object from the classifier, which must load where these cannot.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define EG_MAPS_OWNER_ONLY
#include "eg/maps.h"

#define EG_CGROUP_GO_ON 1

static __always_inline bool eg_same_owner(const struct eg_owner *a, const struct eg_owner *b)
{
	const __u64 *ca = (const __u64 *)a->comm, *cb = (const __u64 *)b->comm;

	return a->pid == b->pid && a->cgroup_id == b->cgroup_id && ca[0] == cb[0] && ca[1] == cb[1];
}

/*
 * ctx: struct bpf_sock or struct bpf_sock_addr, whose socket the cookie
 * names. Sends pass here again and again: the entry is written only when
 * another process uses the socket, or the same one after exec or a move to
 * another cgroup.
 */
static __always_inline void eg_note_owner(void *ctx)
{
	struct eg_owner o = {};
	struct eg_owner *cur;
	__u64 cookie, id;

	cookie = bpf_get_socket_cookie(ctx);
	id = bpf_get_current_pid_tgid();
	o.pid = id >> 32;
	o.tid = (__u32)id;
	o.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(o.comm, sizeof(o.comm));
	cur = bpf_map_lookup_elem(&eg_sock_owner, &cookie);
	if (cur && eg_same_owner(cur, &o))
		return;
	bpf_map_update_elem(&eg_sock_owner, &cookie, &o, BPF_ANY);
}

/* socket(): the only hook ICMP (ping) and raw sockets pass. */
SEC("cgroup/sock_create")
int eg_owner_create(struct bpf_sock *ctx)
{
	eg_note_owner(ctx);
	return EG_CGROUP_GO_ON;
}

/* TCP connect, and UDP sockets connected before they send: whoever uses the socket. */
SEC("cgroup/connect4")
int eg_owner_conn4(struct bpf_sock_addr *ctx)
{
	eg_note_owner(ctx);
	return EG_CGROUP_GO_ON;
}

SEC("cgroup/connect6")
int eg_owner_conn6(struct bpf_sock_addr *ctx)
{
	eg_note_owner(ctx);
	return EG_CGROUP_GO_ON;
}

/* Datagrams with a destination (sendto, sendmsg) on an unconnected UDP socket. */
SEC("cgroup/sendmsg4")
int eg_owner_send4(struct bpf_sock_addr *ctx)
{
	eg_note_owner(ctx);
	return EG_CGROUP_GO_ON;
}

SEC("cgroup/sendmsg6")
int eg_owner_send6(struct bpf_sock_addr *ctx)
{
	eg_note_owner(ctx);
	return EG_CGROUP_GO_ON;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
