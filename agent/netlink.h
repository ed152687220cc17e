/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Route netlink for egressgate: pure builders and parsers that never touch
 * a socket (so they are unit-tested without root), and one small transport
 * that sends a request and reads its ACK or dump with extended acks on.
 */
#ifndef EG_NETLINK_H
#define EG_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

/*
 * Size for request buffers handed to the builders. MNL_SOCKET_BUFFER_SIZE
 * is a sysconf() expression, so it cannot size an array; this can, and is
 * never smaller.
 */
#define EG_NL_BUF_SIZE 8192

/* Longest TCA_BPF_NAME the parser keeps; longer names are truncated. */
#define EG_NL_NAME_MAX 256

/* One NETLINK_ROUTE socket, in the netns of the thread that opened it. */
struct eg_nl;

int eg_nl_open(struct eg_nl **out);
void eg_nl_close(struct eg_nl *nl);

/*
 * Send one request and wait for its ACK. Returns 0 or -errno. On error msg
 * gets the kernel's extack text, or strerror() when the kernel gave none;
 * on success msg gets the kernel's warning, if any, else "". Data messages
 * answering the request (a GET with an ACK) are skipped.
 */
int eg_nl_talk(struct eg_nl *nl, struct nlmsghdr *nlh, char *msg,
	       size_t msglen);

/*
 * Send a dump request and call cb for every message of the answer. cb
 * returns MNL_CB_OK to go on, MNL_CB_STOP to stop early (0 is returned) or
 * MNL_CB_ERROR with errno set to fail the dump with -errno. The rest of the
 * answer is drained either way, so the socket stays usable. A dump the
 * kernel marks as interrupted returns -EINTR: the caller may repeat it.
 */
int eg_nl_dump(struct eg_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	       char *msg, size_t msglen);

/*
 * Pure builders. buf holds at least EG_NL_BUF_SIZE bytes. The message has
 * NLM_F_REQUEST | flags; the transport adds NLM_F_ACK and the sequence
 * number.
 */
struct nlmsghdr *eg_nl_build_clsact(void *buf, __u16 cmd, __u16 flags,
				    int ifindex);
/*
 * A cls_bpf filter in direct-action mode, protocol ETH_P_ALL, chain 0.
 * TCA_OPTIONS (fd, name, flags) is added only when prog_fd >= 0, so a
 * delete passes -1; TCA_BPF_NAME only when prog_name is not NULL.
 */
struct nlmsghdr *eg_nl_build_bpf_filter(void *buf, __u16 cmd, __u16 flags,
					int ifindex, __u32 parent, __u16 prio,
					__u32 handle, int prog_fd,
					const char *prog_name);
struct nlmsghdr *eg_nl_build_filter_dump(void *buf, int ifindex, __u32 parent);
/* The kernel dumps every device's qdiscs: match tcm_ifindex in the cb. */
struct nlmsghdr *eg_nl_build_qdisc_dump(void *buf, int ifindex);
/* RTM_GETLINK by index: the ACK says whether the device exists. */
struct nlmsghdr *eg_nl_build_link_get(void *buf, int ifindex);

/* What a filter dump message says, as far as egressgate cares. */
struct eg_nl_filter {
	int ifindex;
	__u32 parent;
	__u32 handle; /* 0: the message describes the prio itself */
	__u32 chain;
	__u16 prio;
	__u16 protocol; /* host order */
	char kind[16];
	/* From TCA_OPTIONS, cls_bpf only */
	char bpf_name[EG_NL_NAME_MAX];
	__u32 bpf_id;
	__u32 bpf_flags;
	bool has_bpf_id;
};

struct eg_nl_qdisc {
	int ifindex;
	__u32 handle;
	__u32 parent;
	char kind[16];
};

/* Pure parsers of one dump message: 0, or -EINVAL if it is malformed. */
int eg_nl_parse_filter(const struct nlmsghdr *nlh, struct eg_nl_filter *f);
int eg_nl_parse_qdisc(const struct nlmsghdr *nlh, struct eg_nl_qdisc *q);

/*
 * Pure parser of an NLMSG_ERROR message (with or without the capped
 * request and extack TLVs). Returns the carried error (0 for an ACK) and
 * copies NLMSGERR_ATTR_MSG into msg, or "" when there is none.
 */
int eg_nl_parse_ack(const struct nlmsghdr *nlh, char *msg, size_t msglen);

#endif /* EG_NETLINK_H */
