/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Network namespace work runs on a dedicated thread that enters the
 * namespace with setns(); the daemon's main thread stays in the host one.
 */
#ifndef EG_NETNS_H
#define EG_NETNS_H

#include <linux/types.h>

#include "policy.h"

/* fd of the target's network namespace, or -errno (err names the problem). */
int eg_netns_open(const struct eg_target *t, char *err, size_t errlen);
/* Run fn(arg) inside the namespace of t and return its result. */
int eg_netns_run(const struct eg_target *t, int (*fn)(void *arg), void *arg, char *err,
		 size_t errlen);
/* Inode of the target's namespace, without entering it; -ENOENT when it is gone. */
int eg_netns_ino(const struct eg_target *t, __u64 *ino);
/* A non-blocking rtnetlink socket inside the target's namespace, subscribed to link events. */
int eg_netns_link_watch(const struct eg_target *t, char *err, size_t errlen);
/* Inode of the namespace (its identity) and its cookie, from inside it. */
int eg_netns_self_id(__u64 *ino, __u64 *cookie);

#endif
