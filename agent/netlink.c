// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Route netlink for egressgate. Builders and parsers are pure; everything
 * that touches a socket is in eg_nl_exchange().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>

#include "netlink.h"

/*
 * Dumps are sized by the kernel from our largest recvmsg() buffer; 32 KiB
 * holds any single tc message, so MSG_TRUNC (-ENOSPC) means a kernel bug.
 */
#define EG_NL_RX_SIZE 32768

struct eg_nl {
	struct mnl_socket *sock;
	__u32 portid;
	__u32 seq;
	char rx[EG_NL_RX_SIZE];
};

static void set_msg(char *msg, size_t msglen, const char *text)
{
	if (msg && msglen)
		snprintf(msg, msglen, "%s", text);
}

int eg_nl_open(struct eg_nl **out)
{
	struct eg_nl *nl;
	int one = 1;
	int err;

	*out = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;

	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock) {
		err = -errno;
		goto fail;
	}
	/* Without these the kernel's reason for a refusal is lost. */
	if (mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one,
				  sizeof(one)) < 0) {
		err = -errno;
		goto fail;
	}
	/* An error ACK need not echo our whole request back. */
	if (mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one,
				  sizeof(one)) < 0) {
		err = -errno;
		goto fail;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	/* Distinct from a previous user of a recycled port id. */
	nl->seq = (__u32)time(NULL);
	*out = nl;
	return 0;

fail:
	eg_nl_close(nl);
	return err;
}

void eg_nl_close(struct eg_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

struct ext_ack {
	char *msg;
	size_t msglen;
};

static int ext_ack_attr_cb(const struct nlattr *attr, void *data)
{
	struct ext_ack *ea = data;

	if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG)
		return MNL_CB_OK;
	/* A malformed text is dropped rather than failing the whole ACK. */
	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK;
	set_msg(ea->msg, ea->msglen, mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* TLVs start at payload offset off, when the kernel flagged them. */
static void parse_ext_ack(const struct nlmsghdr *nlh, size_t off, char *msg,
			  size_t msglen)
{
	struct ext_ack ea = { .msg = msg, .msglen = msglen };

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (MNL_ALIGN(off) >= mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_parse(nlh, off, ext_ack_attr_cb, &ea);
}

int eg_nl_parse_ack(const struct nlmsghdr *nlh, char *msg, size_t msglen)
{
	const struct nlmsgerr *e;
	size_t off = sizeof(*e);

	set_msg(msg, msglen, "");
	if (nlh->nlmsg_type != NLMSG_ERROR ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return -EBADMSG;
	e = mnl_nlmsg_get_payload(nlh);
	/* Uncapped, our request sits between the error and the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof(struct nlmsghdr))
			return -EBADMSG;
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	parse_ext_ack(nlh, off, msg, msglen);
	return e->error;
}

/* The error an NLMSG_DONE carries ends a dump like an ACK ends a request. */
static int parse_done(const struct nlmsghdr *nlh, char *msg, size_t msglen)
{
	int error;

	set_msg(msg, msglen, "");
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(error))
		return 0;
	memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	parse_ext_ack(nlh, sizeof(error), msg, msglen);
	return error;
}

/*
 * The one place that talks to the kernel: send nlh and read until its ACK
 * (a request) or NLMSG_DONE (a dump). Messages of other sequence numbers
 * are stale answers to an earlier, abandoned request and are skipped.
 * Whether nlh is a dump is passed in, not read from its flags: on a NEW
 * request the bits of NLM_F_DUMP mean NLM_F_REPLACE | NLM_F_EXCL.
 */
static int eg_nl_exchange(struct eg_nl *nl, struct nlmsghdr *nlh, bool dump,
			  mnl_cb_t cb, void *data, char *msg, size_t msglen)
{
	bool done = false, stopped = false, intr = false;
	char kmsg[256] = "";
	int kerr = 0, cberr = 0;
	const struct nlmsghdr *m;
	ssize_t len;
	__u32 seq;
	int rem;
	int err;

	seq = ++nl->seq;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	/* A dump ends with NLMSG_DONE; an ACK there would only add noise. */
	if (!dump)
		nlh->nlmsg_flags |= NLM_F_ACK;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}

	while (!done) {
		len = mnl_socket_recvfrom(nl->sock, nl->rx, sizeof(nl->rx));
		if (len < 0) {
			err = -errno;
			if (err == -EINTR)
				continue;
			goto out;
		}
		rem = (int)len;
		for (m = (const struct nlmsghdr *)nl->rx;
		     !done && mnl_nlmsg_ok(m, rem);
		     m = mnl_nlmsg_next(m, &rem)) {
			if (m->nlmsg_seq != seq ||
			    !mnl_nlmsg_portid_ok(m, nl->portid))
				continue;
			switch (m->nlmsg_type) {
			case NLMSG_NOOP:
			case NLMSG_OVERRUN:
				break;
			case NLMSG_ERROR:
				kerr = eg_nl_parse_ack(m, kmsg, sizeof(kmsg));
				done = true;
				break;
			case NLMSG_DONE:
				kerr = parse_done(m, kmsg, sizeof(kmsg));
				done = true;
				break;
			default:
				if (!dump || stopped)
					break;
				if (m->nlmsg_flags & NLM_F_DUMP_INTR)
					intr = true;
				errno = 0;
				switch (cb(m, data)) {
				case MNL_CB_ERROR:
					cberr = errno ? -errno : -EIO;
					stopped = true;
					break;
				case MNL_CB_STOP:
					stopped = true;
					break;
				}
				break;
			}
		}
	}

	err = kerr ? kerr : cberr;
	/* A torn dump may hide a filter: the caller must not trust it. */
	if (!err && intr)
		err = -EINTR;

out:
	if (kmsg[0])
		set_msg(msg, msglen, kmsg);
	else if (intr && err == -EINTR)
		set_msg(msg, msglen,
			"dump interrupted by a concurrent change; repeat it");
	else if (err)
		set_msg(msg, msglen, strerror(-err));
	else
		set_msg(msg, msglen, "");
	return err;
}

int eg_nl_talk(struct eg_nl *nl, struct nlmsghdr *nlh, char *msg, size_t msglen)
{
	return eg_nl_exchange(nl, nlh, false, NULL, NULL, msg, msglen);
}

int eg_nl_dump(struct eg_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	       char *msg, size_t msglen)
{
	nlh->nlmsg_flags |= NLM_F_DUMP;
	return eg_nl_exchange(nl, nlh, true, cb, data, msg, msglen);
}

/*
 * libmnl leaves attribute padding as it found it; zero it so that what is
 * sent never depends on what the buffer held before.
 */
static void put_strz(struct nlmsghdr *nlh, __u16 type, const char *str)
{
	struct nlattr *attr = mnl_nlmsg_get_payload_tail(nlh);
	size_t len = strlen(str) + 1;

	mnl_attr_put(nlh, type, len, str);
	memset((char *)mnl_attr_get_payload(attr) + len, 0,
	       MNL_ALIGN(len) - len);
}

static struct nlmsghdr *put_tc_header(void *buf, __u16 type, __u16 flags,
				      int ifindex, __u32 handle, __u32 parent,
				      __u32 info)
{
	struct nlmsghdr *nlh;
	struct tcmsg *tcm;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_handle = handle;
	tcm->tcm_parent = parent;
	tcm->tcm_info = info;
	return nlh;
}

struct nlmsghdr *eg_nl_build_clsact(void *buf, __u16 cmd, __u16 flags,
				    int ifindex)
{
	struct nlmsghdr *nlh;

	nlh = put_tc_header(buf, cmd, flags, ifindex, TC_H_MAKE(TC_H_CLSACT, 0),
			    TC_H_CLSACT, 0);
	/* On delete too: the kernel then refuses to remove an "ingress". */
	put_strz(nlh, TCA_KIND, "clsact");
	return nlh;
}

struct nlmsghdr *eg_nl_build_bpf_filter(void *buf, __u16 cmd, __u16 flags,
					int ifindex, __u32 parent, __u16 prio,
					__u32 handle, int prog_fd,
					const char *prog_name)
{
	struct nlmsghdr *nlh;
	struct nlattr *opts;

	nlh = put_tc_header(buf, cmd, flags, ifindex, handle, parent,
			    TC_H_MAKE((__u32)prio << 16, htons(ETH_P_ALL)));
	/* On delete too: the kernel then refuses to remove another kind. */
	put_strz(nlh, TCA_KIND, "bpf");
	if (prog_fd < 0)
		return nlh;

	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u32(nlh, TCA_BPF_FD, (__u32)prog_fd);
	if (prog_name)
		put_strz(nlh, TCA_BPF_NAME, prog_name);
	/* The program's return code is the verdict; no actions attached. */
	mnl_attr_put_u32(nlh, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
	mnl_attr_nest_end(nlh, opts);
	return nlh;
}

struct nlmsghdr *eg_nl_build_filter_dump(void *buf, int ifindex, __u32 parent)
{
	return put_tc_header(buf, RTM_GETTFILTER, NLM_F_DUMP, ifindex, 0,
			     parent, 0);
}

struct nlmsghdr *eg_nl_build_qdisc_dump(void *buf, int ifindex)
{
	return put_tc_header(buf, RTM_GETQDISC, NLM_F_DUMP, ifindex, 0, 0, 0);
}

struct nlmsghdr *eg_nl_build_link_get(void *buf, int ifindex)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

/* Collects top-level attributes so their order does not matter. */
static int attr_table_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, TCA_MAX) > 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int bpf_attr_table_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, TCA_BPF_MAX) > 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int copy_str(const struct nlattr *attr, char *dst, size_t dstlen)
{
	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return -EINVAL;
	snprintf(dst, dstlen, "%s", mnl_attr_get_str(attr));
	return 0;
}

static int get_u32(const struct nlattr *attr, __u32 *val)
{
	if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return -EINVAL;
	*val = mnl_attr_get_u32(attr);
	return 0;
}

static int parse_bpf_opts(const struct nlattr *opts, struct eg_nl_filter *f)
{
	const struct nlattr *tb[TCA_BPF_MAX + 1] = {};
	int err;

	if (mnl_attr_parse_nested(opts, bpf_attr_table_cb, tb) < 0)
		return -EINVAL;
	if (tb[TCA_BPF_NAME]) {
		err = copy_str(tb[TCA_BPF_NAME], f->bpf_name,
			       sizeof(f->bpf_name));
		if (err)
			return err;
	}
	if (tb[TCA_BPF_ID]) {
		err = get_u32(tb[TCA_BPF_ID], &f->bpf_id);
		if (err)
			return err;
		f->has_bpf_id = true;
	}
	if (tb[TCA_BPF_FLAGS]) {
		err = get_u32(tb[TCA_BPF_FLAGS], &f->bpf_flags);
		if (err)
			return err;
	}
	return 0;
}

int eg_nl_parse_filter(const struct nlmsghdr *nlh, struct eg_nl_filter *f)
{
	const struct nlattr *tb[TCA_MAX + 1] = {};
	const struct tcmsg *tcm;
	int err;

	memset(f, 0, sizeof(*f));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*tcm)))
		return -EINVAL;
	tcm = mnl_nlmsg_get_payload(nlh);
	f->ifindex = tcm->tcm_ifindex;
	f->parent = tcm->tcm_parent;
	f->handle = tcm->tcm_handle;
	f->prio = TC_H_MAJ(tcm->tcm_info) >> 16;
	f->protocol = ntohs(TC_H_MIN(tcm->tcm_info));

	if (mnl_attr_parse(nlh, sizeof(*tcm), attr_table_cb, tb) < 0)
		return -EINVAL;
	if (tb[TCA_KIND]) {
		err = copy_str(tb[TCA_KIND], f->kind, sizeof(f->kind));
		if (err)
			return err;
	}
	if (tb[TCA_CHAIN]) {
		err = get_u32(tb[TCA_CHAIN], &f->chain);
		if (err)
			return err;
	}
	if (tb[TCA_OPTIONS] && !strcmp(f->kind, "bpf"))
		return parse_bpf_opts(tb[TCA_OPTIONS], f);
	return 0;
}

int eg_nl_parse_qdisc(const struct nlmsghdr *nlh, struct eg_nl_qdisc *q)
{
	const struct nlattr *tb[TCA_MAX + 1] = {};
	const struct tcmsg *tcm;

	memset(q, 0, sizeof(*q));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*tcm)))
		return -EINVAL;
	tcm = mnl_nlmsg_get_payload(nlh);
	q->ifindex = tcm->tcm_ifindex;
	q->handle = tcm->tcm_handle;
	q->parent = tcm->tcm_parent;

	if (mnl_attr_parse(nlh, sizeof(*tcm), attr_table_cb, tb) < 0)
		return -EINVAL;
	if (tb[TCA_KIND])
		return copy_str(tb[TCA_KIND], q->kind, sizeof(q->kind));
	return 0;
}
