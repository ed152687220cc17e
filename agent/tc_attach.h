/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Attach egressgate's TC program to a device's egress hook through a
 * clsact qdisc and a direct-action cls_bpf filter, sharing the hook with
 * whatever else is there: only what egressgate created is ever removed.
 *
 * Every call opens its own netlink socket, so it acts in the network
 * namespace of the calling thread. Every call returns 0 or -errno and
 * fills msg (when msg is not NULL) with a line for the caller to log: the
 * reason on failure, a note worth reading or "" on success.
 */
#ifndef EG_TC_ATTACH_H
#define EG_TC_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define EG_TC_PRIO_DEFAULT 0xE600 /* egressgate's preferred filter priority */
#define EG_TC_HANDLE 0xE6 /* our filter handle */
/* Priorities tried, from EG_TC_PRIO_DEFAULT downwards, before giving up. */
#define EG_TC_PRIO_TRIES 16

struct eg_tc_att {
	int ifindex;
	__u16 prio; /* priority our filter got */
	__u32 handle;
	/* We created the clsact qdisc (so we may remove it later if empty). */
	bool qdisc_created;
	/*
	 * Our filter was already there (an earlier run, same prog_name) and
	 * got the new program in place. Whether that run created the qdisc
	 * is unknown, so qdisc_created is false and the qdisc stays.
	 */
	bool adopted;
	bool ingress; /* the filter is on ingress (set by the caller before attaching) */
};

/*
 * Optional sink for debug traces and kernel warnings; NULL (silent) by
 * default. level is a syslog(3) priority. Failures and notes are not sent
 * here: they are returned in msg.
 */
extern void (*eg_tc_log)(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Ensure a clsact qdisc, then add our filter on egress at the first free
 * priority from EG_TC_PRIO_DEFAULT down (EG_TC_PRIO_TRIES of them). A
 * priority held by someone else is skipped, never replaced; one holding our
 * own filter (kind bpf, handle EG_TC_HANDLE, name prog_name) is taken over
 * atomically. prog_name is required: it is how a later run recognises the
 * filter as ours. -EBUSY: every priority tried is taken. -EEXIST: the
 * device has an "ingress" qdisc, which cannot host an egress filter.
 */
int eg_tc_attach(int ifindex, int prog_fd, const char *prog_name,
		 struct eg_tc_att *att, char *msg, size_t msglen);

/* Atomically swap the program of our existing filter, no gap. -ENOENT if
 * our filter is gone (attach again). */
int eg_tc_replace(const struct eg_tc_att *att, int prog_fd,
		  const char *prog_name, char *msg, size_t msglen);

/*
 * Remove exactly our filter, then the clsact qdisc if we created it and no
 * filter is left on its ingress or egress. -ENOENT: the device or our
 * filter is already gone (a foreign filter now in our slot is left alone).
 * A qdisc that cannot be removed is a note in msg, not a failure.
 */
int eg_tc_detach(const struct eg_tc_att *att, char *msg, size_t msglen);

/*
 * *present: a cls_bpf filter sits at att->prio/handle on egress and, when
 * prog_name is not NULL, carries that name. -ENODEV: no such device.
 */
int eg_tc_query(const struct eg_tc_att *att, const char *prog_name,
		bool *present, char *msg, size_t msglen);

#endif /* EG_TC_ATTACH_H */
