// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

int eg_netns_open(const struct eg_target *t, char *err, size_t errlen)
{
	char path[128];
	int fd, ret;

	switch (t->kind) {
	case EG_TGT_NETNS:
		snprintf(path, sizeof(path), "/run/netns/%s", t->netns);
		break;
	case EG_TGT_PID:
		snprintf(path, sizeof(path), "/proc/%d/ns/net", t->pid);
		break;
	default:
		snprintf(path, sizeof(path), "/proc/self/ns/net");
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (t->kind == EG_TGT_NETNS && ret == -ENOENT)
			snprintf(err, errlen, "network namespace '%s' does not exist (%s)", t->netns,
				 path);
		else if (t->kind == EG_TGT_PID && ret == -ENOENT)
			snprintf(err, errlen, "no process %d", t->pid);
		else
			snprintf(err, errlen, "cannot open %s: %s", path, strerror(-ret));
		return ret;
	}
	return fd;
}

struct ns_job {
	int nsfd;
	int (*fn)(void *);
	void *arg;
	int ret;
	int setns_err;
};

static void *ns_thread(void *p)
{
	struct ns_job *j = p;

	/* setns() on this thread only: the main thread stays where it is. */
	if (setns(j->nsfd, CLONE_NEWNET)) {
		j->setns_err = -errno;
		return NULL;
	}
	j->ret = j->fn(j->arg);
	return NULL;
}

int eg_netns_run(const struct eg_target *t, int (*fn)(void *arg), void *arg, char *err,
		 size_t errlen)
{
	struct ns_job j = { .fn = fn, .arg = arg };
	pthread_t th;
	int ret;

	j.nsfd = eg_netns_open(t, err, errlen);
	if (j.nsfd < 0)
		return j.nsfd;
	ret = -pthread_create(&th, NULL, ns_thread, &j);
	if (!ret)
		ret = -pthread_join(th, NULL);
	close(j.nsfd);
	if (ret) {
		snprintf(err, errlen, "namespace thread: %s", strerror(-ret));
		return ret;
	}
	if (j.setns_err) {
		snprintf(err, errlen, "cannot enter the network namespace: %s",
			 strerror(-j.setns_err));
		return j.setns_err;
	}
	return j.ret;
}

int eg_netns_ino(const struct eg_target *t, __u64 *ino)
{
	char err[128];
	struct stat st;
	int fd = eg_netns_open(t, err, sizeof(err)), ret = 0;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st))
		ret = -errno;
	else
		*ino = st.st_ino;
	close(fd);
	return ret;
}

static int open_link_watch(void *arg)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd, err;

	/* Opened here, the socket belongs to this namespace for good. */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int eg_netns_link_watch(const struct eg_target *t, char *err, size_t errlen)
{
	return eg_netns_run(t, open_link_watch, NULL, err, errlen);
}

int eg_netns_self_id(__u64 *ino, __u64 *cookie)
{
	socklen_t len = sizeof(*cookie);
	struct stat st;
	char path[64];
	int fd, ret = 0;

	/* /proc/thread-self: the namespace of this thread, not of the process. */
	snprintf(path, sizeof(path), "/proc/thread-self/ns/net");
	if (stat(path, &st))
		return -errno;
	*ino = st.st_ino;
	*cookie = 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len))
		*cookie = 0;
	close(fd);
	return ret;
}
