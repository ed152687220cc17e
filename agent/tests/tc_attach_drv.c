// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Driver for test_tc_attach.sh: one tc_attach call per run, in the netns
 * it was started in. State crosses runs on the command line (the kernel
 * holds the program through the filter), results go to stdout as
 * "OK key=value..." or "ERR err=N msg=...", exit status 0 or 1.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <bpf/bpf.h>

#include "netlink.h"
#include "tc_attach.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: tc_attach_drv attach DEV NAME\n"
		"       tc_attach_drv attach-badprog DEV NAME\n"
		"       tc_attach_drv replace DEV PRIO HANDLE NAME\n"
		"       tc_attach_drv detach DEV PRIO HANDLE CREATED\n"
		"       tc_attach_drv query DEV PRIO HANDLE NAME|-\n"
		"       tc_attach_drv raw-add DEV PRIO\n"
		"DEV is a name or an ifindex. EG_TEST_VERBOSE=1 shows the log.\n");
	exit(2);
}

__attribute__((format(printf, 2, 3))) static void
log_stderr(int level, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "<%d> ", level);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int dev_index(const char *dev)
{
	char *end;
	long v;
	int ifindex;

	v = strtol(dev, &end, 0);
	if (*dev && !*end)
		return (int)v;
	ifindex = (int)if_nametoindex(dev);
	if (!ifindex) {
		fprintf(stderr, "no device %s\n", dev);
		exit(2);
	}
	return ifindex;
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end) {
		fprintf(stderr, "not a number: %s\n", s);
		exit(2);
	}
	return v;
}

/* r0 = TC_ACT_UNSPEC; exit. A fresh load gets a fresh program id. */
static int load_prog_type(enum bpf_prog_type type)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		  .dst_reg = BPF_REG_0,
		  .imm = TC_ACT_UNSPEC },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd;

	fd = bpf_prog_load(type, "eg_tcat_test", "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), NULL);
	if (fd < 0) {
		fprintf(stderr, "bpf_prog_load: %s\n", strerror(-fd));
		exit(2);
	}
	return fd;
}

static int load_prog(void)
{
	return load_prog_type(BPF_PROG_TYPE_SCHED_CLS);
}

static int report(int err, const char *msg)
{
	if (err) {
		printf("ERR err=%d msg=%s\n", err, msg);
		return 1;
	}
	return 0;
}

static void att_from_args(struct eg_tc_att *att, char **argv)
{
	memset(att, 0, sizeof(*att));
	att->ifindex = dev_index(argv[0]);
	att->prio = (__u16)num(argv[1]);
	att->handle = (__u32)num(argv[2]);
}

int main(int argc, char **argv)
{
	struct eg_tc_att att;
	const char *cmd;
	char msg[512];
	bool present;
	int err;

	if (argc < 3)
		usage();
	if (getenv("EG_TEST_VERBOSE"))
		eg_tc_log = log_stderr;
	cmd = argv[1];

	if (!strcmp(cmd, "attach") && argc == 4) {
		err = eg_tc_attach(dev_index(argv[2]), load_prog(), argv[3],
				   &att, msg, sizeof(msg));
		if (err)
			return report(err, msg);
		printf("OK ifindex=%d prio=%u handle=%#x created=%d adopted=%d msg=%s\n",
		       att.ifindex, att.prio, att.handle, att.qdisc_created,
		       att.adopted, msg);
		return 0;
	}
	/* The kernel refuses a program of the wrong type: tests rollback. */
	if (!strcmp(cmd, "attach-badprog") && argc == 4) {
		err = eg_tc_attach(dev_index(argv[2]),
				   load_prog_type(BPF_PROG_TYPE_SOCKET_FILTER),
				   argv[3], &att, msg, sizeof(msg));
		if (err)
			return report(err, msg);
		printf("OK unexpectedly attached\n");
		return 1;
	}
	if (!strcmp(cmd, "replace") && argc == 6) {
		att_from_args(&att, argv + 2);
		err = eg_tc_replace(&att, load_prog(), argv[5], msg,
				    sizeof(msg));
		if (err)
			return report(err, msg);
		printf("OK msg=%s\n", msg);
		return 0;
	}
	if (!strcmp(cmd, "detach") && argc == 6) {
		att_from_args(&att, argv + 2);
		att.qdisc_created = num(argv[5]) != 0;
		err = eg_tc_detach(&att, msg, sizeof(msg));
		if (err)
			return report(err, msg);
		printf("OK msg=%s\n", msg);
		return 0;
	}
	if (!strcmp(cmd, "query") && argc == 6) {
		att_from_args(&att, argv + 2);
		err = eg_tc_query(&att, strcmp(argv[5], "-") ? argv[5] : NULL,
				  &present, msg, sizeof(msg));
		if (err)
			return report(err, msg);
		printf("OK present=%d msg=%s\n", present, msg);
		return 0;
	}
	/* The transport alone: the kernel's own refusal text must surface. */
	if (!strcmp(cmd, "raw-add") && argc == 4) {
		char buf[EG_NL_BUF_SIZE];
		struct nlmsghdr *nlh;
		struct eg_nl *nl;

		err = eg_nl_open(&nl);
		if (err)
			return report(err, "eg_nl_open failed");
		nlh = eg_nl_build_bpf_filter(
			buf, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL,
			dev_index(argv[2]),
			TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS),
			(__u16)num(argv[3]), EG_TC_HANDLE, load_prog(), "raw");
		err = eg_nl_talk(nl, nlh, msg, sizeof(msg));
		eg_nl_close(nl);
		if (err)
			return report(err, msg);
		printf("OK msg=%s\n", msg);
		return 0;
	}
	usage();
	return 2;
}
