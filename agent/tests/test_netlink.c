// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit test of the pure netlink builders and parsers: no root, no socket.
 * Every message is read back attribute by attribute, the way the kernel
 * would see it, rather than compared with a byte dump from elsewhere.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>

#include "netlink.h"

static int failed_checks;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "  %s:%d: %s\n", __FILE__, __LINE__, \
				#cond);                                      \
			failed_checks++;                                     \
		}                                                            \
	} while (0)

/* Attributes of one level, indexed by type, each seen at most once. */
struct attrs {
	const struct nlattr *tb[32];
	int count;
	int dups;
	int unknown;
	unsigned int bytes; /* aligned bytes walked */
};

static int attrs_cb(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	int type = mnl_attr_get_type(attr);

	a->count++;
	a->bytes += MNL_ALIGN(attr->nla_len);
	if (type >= 32) {
		a->unknown++;
		return MNL_CB_OK;
	}
	if (a->tb[type])
		a->dups++;
	a->tb[type] = attr;
	return MNL_CB_OK;
}

static void parse_top(const struct nlmsghdr *nlh, size_t hdrlen,
		      struct attrs *a)
{
	memset(a, 0, sizeof(*a));
	CHECK(mnl_attr_parse(nlh, hdrlen, attrs_cb, a) >= 0);
	/* Every byte after the family header belongs to some attribute. */
	CHECK(MNL_ALIGN(hdrlen) + a->bytes == mnl_nlmsg_get_payload_len(nlh));
	CHECK(a->dups == 0);
	CHECK(a->unknown == 0);
}

static void parse_nested(const struct nlattr *nest, struct attrs *a)
{
	memset(a, 0, sizeof(*a));
	CHECK(mnl_attr_parse_nested(nest, attrs_cb, a) >= 0);
	CHECK(a->bytes == mnl_attr_get_payload_len(nest));
	CHECK(a->dups == 0);
}

static int is_strz(const struct nlattr *attr, const char *want)
{
	return attr && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0 &&
	       !strcmp(mnl_attr_get_str(attr), want);
}

static int is_u32(const struct nlattr *attr, __u32 want)
{
	return attr && mnl_attr_validate(attr, MNL_TYPE_U32) == 0 &&
	       mnl_attr_get_u32(attr) == want;
}

static const struct tcmsg *tcm_of(const struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload(nlh);
}

#define EGRESS TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS)

static char buf[EG_NL_BUF_SIZE];
static char buf2[EG_NL_BUF_SIZE];

static void test_clsact_new(void)
{
	struct nlmsghdr *nlh;
	struct attrs a;

	nlh = eg_nl_build_clsact(buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL,
				 5);
	CHECK(nlh == (void *)buf);
	CHECK(nlh->nlmsg_type == RTM_NEWQDISC);
	/* NLM_F_ACK and the sequence belong to the transport. */
	CHECK(nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL));
	CHECK(nlh->nlmsg_seq == 0 && nlh->nlmsg_pid == 0);
	CHECK(tcm_of(nlh)->tcm_family == AF_UNSPEC);
	CHECK(tcm_of(nlh)->tcm_ifindex == 5);
	CHECK(tcm_of(nlh)->tcm_handle == 0xFFFF0000U);
	CHECK(tcm_of(nlh)->tcm_parent == 0xFFFFFFF1U);
	CHECK(tcm_of(nlh)->tcm_info == 0);
	parse_top(nlh, sizeof(struct tcmsg), &a);
	CHECK(a.count == 1);
	CHECK(is_strz(a.tb[TCA_KIND], "clsact"));
}

static void test_clsact_del(void)
{
	struct nlmsghdr *nlh;
	struct attrs a;

	nlh = eg_nl_build_clsact(buf, RTM_DELQDISC, 0, 9);
	CHECK(nlh->nlmsg_type == RTM_DELQDISC);
	CHECK(nlh->nlmsg_flags == NLM_F_REQUEST);
	CHECK(tcm_of(nlh)->tcm_ifindex == 9);
	CHECK(tcm_of(nlh)->tcm_parent == TC_H_CLSACT);
	parse_top(nlh, sizeof(struct tcmsg), &a);
	/* The kind guards against deleting someone's "ingress" qdisc. */
	CHECK(a.count == 1 && is_strz(a.tb[TCA_KIND], "clsact"));
}

static void test_filter_new(void)
{
	struct nlmsghdr *nlh;
	struct attrs a, o;

	nlh = eg_nl_build_bpf_filter(buf, RTM_NEWTFILTER,
				     NLM_F_CREATE | NLM_F_EXCL, 7, EGRESS,
				     0xE600, 0xE6, 42, "eg_egress");
	CHECK(nlh->nlmsg_type == RTM_NEWTFILTER);
	CHECK(nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL));
	CHECK(tcm_of(nlh)->tcm_family == AF_UNSPEC);
	CHECK(tcm_of(nlh)->tcm_ifindex == 7);
	CHECK(tcm_of(nlh)->tcm_parent == 0xFFFFFFF3U);
	CHECK(tcm_of(nlh)->tcm_handle == 0xE6);
	/* prio in the upper half, protocol in network order in the lower. */
	CHECK(TC_H_MAJ(tcm_of(nlh)->tcm_info) >> 16 == 0xE600);
	CHECK(TC_H_MIN(tcm_of(nlh)->tcm_info) == htons(ETH_P_ALL));

	parse_top(nlh, sizeof(struct tcmsg), &a);
	CHECK(a.count == 2);
	CHECK(is_strz(a.tb[TCA_KIND], "bpf"));
	CHECK(a.tb[TCA_OPTIONS] &&
	      mnl_attr_validate(a.tb[TCA_OPTIONS], MNL_TYPE_NESTED) == 0);
	if (!a.tb[TCA_OPTIONS])
		return;
	parse_nested(a.tb[TCA_OPTIONS], &o);
	CHECK(o.count == 3);
	CHECK(is_u32(o.tb[TCA_BPF_FD], 42));
	CHECK(is_strz(o.tb[TCA_BPF_NAME], "eg_egress"));
	CHECK(is_u32(o.tb[TCA_BPF_FLAGS], TCA_BPF_FLAG_ACT_DIRECT));
}

static void test_filter_replace_flags(void)
{
	struct nlmsghdr *nlh;

	/* Replace must not carry NLM_F_CREATE: it may only change. */
	nlh = eg_nl_build_bpf_filter(buf, RTM_NEWTFILTER, NLM_F_REPLACE, 7,
				     EGRESS, 0xE5FF, 0xE6, 43, "eg_egress");
	CHECK(nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_REPLACE));
	CHECK(TC_H_MAJ(tcm_of(nlh)->tcm_info) >> 16 == 0xE5FF);
}

static void test_filter_no_name(void)
{
	struct nlmsghdr *nlh;
	struct attrs a, o;

	nlh = eg_nl_build_bpf_filter(buf, RTM_NEWTFILTER, NLM_F_CREATE, 3,
				     EGRESS, 1, 1, 0, NULL);
	parse_top(nlh, sizeof(struct tcmsg), &a);
	CHECK(a.tb[TCA_OPTIONS]);
	if (!a.tb[TCA_OPTIONS])
		return;
	parse_nested(a.tb[TCA_OPTIONS], &o);
	CHECK(o.count == 2);
	CHECK(!o.tb[TCA_BPF_NAME]);
	CHECK(is_u32(o.tb[TCA_BPF_FD], 0));
}

static void test_filter_del(void)
{
	struct nlmsghdr *nlh;
	struct attrs a;

	nlh = eg_nl_build_bpf_filter(buf, RTM_DELTFILTER, 0, 7, EGRESS, 0xE600,
				     0xE6, -1, "ignored");
	CHECK(nlh->nlmsg_type == RTM_DELTFILTER);
	CHECK(nlh->nlmsg_flags == NLM_F_REQUEST);
	CHECK(tcm_of(nlh)->tcm_handle == 0xE6);
	CHECK(TC_H_MAJ(tcm_of(nlh)->tcm_info) >> 16 == 0xE600);
	parse_top(nlh, sizeof(struct tcmsg), &a);
	/* Kind only: the kernel then refuses to delete another kind. */
	CHECK(a.count == 1 && is_strz(a.tb[TCA_KIND], "bpf"));
}

static void test_dumps(void)
{
	struct nlmsghdr *nlh;
	struct attrs a;

	nlh = eg_nl_build_filter_dump(buf, 11, EGRESS);
	CHECK(nlh->nlmsg_type == RTM_GETTFILTER);
	CHECK(nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_DUMP));
	CHECK(tcm_of(nlh)->tcm_ifindex == 11);
	CHECK(tcm_of(nlh)->tcm_parent == EGRESS);
	CHECK(tcm_of(nlh)->tcm_handle == 0 && tcm_of(nlh)->tcm_info == 0);
	parse_top(nlh, sizeof(struct tcmsg), &a);
	CHECK(a.count == 0);

	nlh = eg_nl_build_qdisc_dump(buf, 12);
	CHECK(nlh->nlmsg_type == RTM_GETQDISC);
	CHECK(nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_DUMP));
	CHECK(tcm_of(nlh)->tcm_ifindex == 12);
	CHECK(nlh->nlmsg_len == mnl_nlmsg_size(sizeof(struct tcmsg)));
}

static void test_link_get(void)
{
	const struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;

	nlh = eg_nl_build_link_get(buf, 13);
	ifi = mnl_nlmsg_get_payload(nlh);
	CHECK(nlh->nlmsg_type == RTM_GETLINK);
	CHECK(nlh->nlmsg_flags == NLM_F_REQUEST);
	CHECK(ifi->ifi_family == AF_UNSPEC && ifi->ifi_index == 13);
	CHECK(nlh->nlmsg_len == mnl_nlmsg_size(sizeof(*ifi)));
}

/* Whatever was in the buffer before, the bytes sent are the same. */
static void test_deterministic(void)
{
	struct nlmsghdr *a, *b;

	memset(buf, 0, sizeof(buf));
	memset(buf2, 0xAA, sizeof(buf2));
	a = eg_nl_build_bpf_filter(buf, RTM_NEWTFILTER, NLM_F_CREATE, 4, EGRESS,
				   0xE600, 0xE6, 5, "odd_name");
	b = eg_nl_build_bpf_filter(buf2, RTM_NEWTFILTER, NLM_F_CREATE, 4,
				   EGRESS, 0xE600, 0xE6, 5, "odd_name");
	CHECK(a->nlmsg_len == b->nlmsg_len);
	CHECK(a->nlmsg_len % 4 == 0);
	CHECK(!memcmp(a, b, a->nlmsg_len));

	memset(buf, 0, sizeof(buf));
	memset(buf2, 0xAA, sizeof(buf2));
	a = eg_nl_build_clsact(buf, RTM_NEWQDISC, 0, 4);
	b = eg_nl_build_clsact(buf2, RTM_NEWQDISC, 0, 4);
	CHECK(a->nlmsg_len == b->nlmsg_len && !memcmp(a, b, a->nlmsg_len));
}

/* A filter as the kernel dumps it, with attributes we do not ask for. */
static struct nlmsghdr *kernel_filter(void *b, __u16 prio, __u32 handle,
				      const char *kind, __u32 chain,
				      const char *name)
{
	static const __u8 tag[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct nlmsghdr *nlh;
	struct tcmsg *tcm;
	struct nlattr *o;

	nlh = mnl_nlmsg_put_header(b);
	nlh->nlmsg_type = RTM_NEWTFILTER;
	nlh->nlmsg_flags = NLM_F_MULTI;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_ifindex = 21;
	tcm->tcm_parent = EGRESS;
	tcm->tcm_handle = handle;
	tcm->tcm_info = TC_H_MAKE((__u32)prio << 16, htons(ETH_P_ALL));
	mnl_attr_put_strz(nlh, TCA_KIND, kind);
	mnl_attr_put_u32(nlh, TCA_CHAIN, chain);
	if (!handle)
		return nlh;
	o = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	if (name)
		mnl_attr_put_strz(nlh, TCA_BPF_NAME, name);
	mnl_attr_put_u32(nlh, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
	mnl_attr_put(nlh, TCA_BPF_TAG, sizeof(tag), tag);
	mnl_attr_put_u32(nlh, TCA_BPF_ID, 777);
	mnl_attr_nest_end(nlh, o);
	return nlh;
}

static void test_parse_filter(void)
{
	struct eg_nl_filter f;
	struct nlmsghdr *nlh;

	nlh = kernel_filter(buf, 0xE600, 0xE6, "bpf", 0, "eg_egress");
	CHECK(eg_nl_parse_filter(nlh, &f) == 0);
	CHECK(f.ifindex == 21 && f.parent == EGRESS);
	CHECK(f.prio == 0xE600 && f.handle == 0xE6);
	CHECK(f.protocol == ETH_P_ALL);
	CHECK(!strcmp(f.kind, "bpf") && f.chain == 0);
	CHECK(!strcmp(f.bpf_name, "eg_egress"));
	CHECK(f.has_bpf_id && f.bpf_id == 777);
	CHECK(f.bpf_flags == TCA_BPF_FLAG_ACT_DIRECT);

	/* The per-prio header message: no handle, no options. */
	nlh = kernel_filter(buf, 0xE5FF, 0, "u32", 3, NULL);
	CHECK(eg_nl_parse_filter(nlh, &f) == 0);
	CHECK(f.prio == 0xE5FF && f.handle == 0 && f.chain == 3);
	CHECK(!strcmp(f.kind, "u32") && !f.has_bpf_id && !f.bpf_name[0]);

	/* Our own request reads back the same way. */
	nlh = eg_nl_build_bpf_filter(buf, RTM_NEWTFILTER, 0, 8, EGRESS, 0x10,
				     0x20, 3, "x");
	CHECK(eg_nl_parse_filter(nlh, &f) == 0);
	CHECK(f.ifindex == 8 && f.prio == 0x10 && f.handle == 0x20);
	CHECK(!strcmp(f.bpf_name, "x") && !f.has_bpf_id);
}

static void test_parse_filter_bad(void)
{
	struct eg_nl_filter f;
	struct nlmsghdr *nlh;
	struct nlattr *kind;

	nlh = kernel_filter(buf, 1, 1, "bpf", 0, "n");
	nlh->nlmsg_len = mnl_nlmsg_size(sizeof(struct tcmsg) - 1);
	CHECK(eg_nl_parse_filter(nlh, &f) == -EINVAL);

	/* A kind without its NUL is refused, not read past. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWTFILTER;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct tcmsg));
	kind = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put(nlh, TCA_KIND, 4, "bpfX");
	CHECK(kind->nla_len == 8);
	CHECK(eg_nl_parse_filter(nlh, &f) == -EINVAL);

	/* A u32 of the wrong size too. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWTFILTER;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct tcmsg));
	mnl_attr_put_u16(nlh, TCA_CHAIN, 1);
	CHECK(eg_nl_parse_filter(nlh, &f) == -EINVAL);
}

static void test_parse_qdisc(void)
{
	struct eg_nl_qdisc q;
	struct nlmsghdr *nlh;

	nlh = eg_nl_build_clsact(buf, RTM_NEWQDISC, 0, 31);
	CHECK(eg_nl_parse_qdisc(nlh, &q) == 0);
	CHECK(q.ifindex == 31 && q.parent == TC_H_CLSACT);
	CHECK(q.handle == TC_H_MAKE(TC_H_CLSACT, 0));
	CHECK(!strcmp(q.kind, "clsact"));
}

/* An NLMSG_ERROR as the kernel sends it, capped or with the request. */
static struct nlmsghdr *kernel_ack(void *b, int error,
				   const struct nlmsghdr *req, bool capped,
				   const char *text, bool tlv_flag)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	size_t echo = capped ? 0 : req->nlmsg_len - sizeof(*req);

	nlh = mnl_nlmsg_put_header(b);
	nlh->nlmsg_type = NLMSG_ERROR;
	if (capped)
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	if (tlv_flag)
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e) + MNL_ALIGN(echo));
	e->error = error;
	memcpy(&e->msg, req, sizeof(*req) + echo);
	if (text)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
	return nlh;
}

static void test_parse_ack(void)
{
	const char *why = "Specified filter kind does not match existing one";
	struct nlmsghdr *req, *nlh;
	char msg[128];

	req = eg_nl_build_bpf_filter(buf2, RTM_NEWTFILTER, NLM_F_CREATE, 2,
				     EGRESS, 1, 1, 3, "eg_egress");

	nlh = kernel_ack(buf, -EINVAL, req, true, why, true);
	CHECK(eg_nl_parse_ack(nlh, msg, sizeof(msg)) == -EINVAL);
	CHECK(!strcmp(msg, why));

	/* Uncapped: the TLVs come after our echoed request. */
	nlh = kernel_ack(buf, -EEXIST, req, false, why, true);
	CHECK(eg_nl_parse_ack(nlh, msg, sizeof(msg)) == -EEXIST);
	CHECK(!strcmp(msg, why));

	/* A success can carry a warning. */
	nlh = kernel_ack(buf, 0, req, true, "careful", true);
	CHECK(eg_nl_parse_ack(nlh, msg, sizeof(msg)) == 0);
	CHECK(!strcmp(msg, "careful"));

	/* Plain ACK. */
	nlh = kernel_ack(buf, 0, req, true, NULL, false);
	strcpy(msg, "stale");
	CHECK(eg_nl_parse_ack(nlh, msg, sizeof(msg)) == 0);
	CHECK(msg[0] == '\0');

	/* Without NLM_F_ACK_TLVS, trailing bytes are not extack. */
	nlh = kernel_ack(buf, -ENODEV, req, true, why, false);
	CHECK(eg_nl_parse_ack(nlh, msg, sizeof(msg)) == -ENODEV);
	CHECK(msg[0] == '\0');

	/* Truncated into a small msg buffer, still terminated. */
	nlh = kernel_ack(buf, -EINVAL, req, true, why, true);
	CHECK(eg_nl_parse_ack(nlh, msg, 10) == -EINVAL);
	CHECK(!strcmp(msg, "Specified"));

	/* NULL msg is allowed. */
	CHECK(eg_nl_parse_ack(nlh, NULL, 0) == -EINVAL);

	/* Too short to hold an nlmsgerr. */
	nlh->nlmsg_len = mnl_nlmsg_size(sizeof(struct nlmsgerr) - 4);
	CHECK(eg_nl_parse_ack(nlh, msg, sizeof(msg)) == -EBADMSG);

	/* Not an error message at all. */
	CHECK(eg_nl_parse_ack(req, msg, sizeof(msg)) == -EBADMSG);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "clsact_new", test_clsact_new },
	{ "clsact_del", test_clsact_del },
	{ "filter_new", test_filter_new },
	{ "filter_replace_flags", test_filter_replace_flags },
	{ "filter_no_name", test_filter_no_name },
	{ "filter_del", test_filter_del },
	{ "dumps", test_dumps },
	{ "link_get", test_link_get },
	{ "deterministic", test_deterministic },
	{ "parse_filter", test_parse_filter },
	{ "parse_filter_bad", test_parse_filter_bad },
	{ "parse_qdisc", test_parse_qdisc },
	{ "parse_ack", test_parse_ack },
};

int main(void)
{
	int passed = 0, failed = 0;
	size_t i;
	int before;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		before = failed_checks;
		tests[i].fn();
		if (failed_checks == before) {
			printf("PASS %s\n", tests[i].name);
			passed++;
		} else {
			printf("FAIL %s\n", tests[i].name);
			failed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
