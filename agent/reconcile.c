// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Attachments follow their namespaces and devices. A namespace deleted (or
 * deleted and created again) or a device deleted (or re-added) takes our
 * hook with it; the attachment turns pending and is attached again as soon
 * as its target is back. Triggers: inotify on /run/netns, rtnetlink link
 * events inside every target namespace, and a slow timer as a safety net.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "netns.h"

int eg_watch_init(struct eg_daemon *D)
{
	D->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (D->inotify_fd < 0)
		return -errno;
	/* ip-netns(8) creates it the same way; watching needs it to exist. */
	mkdir("/run/netns", 0755);
	if (inotify_add_watch(D->inotify_fd, "/run/netns",
			      IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM) < 0) {
		int err = -errno;

		pr_warn("cannot watch /run/netns (%s); namespaces are checked every few seconds",
			strerror(-err));
	}
	return 0;
}

/* Anything readable on a watcher means: look again. */
void eg_watch_drain(struct eg_daemon *D, int fd)
{
	char buf[8192];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	D->reconcile_due = true;
}

static bool watched(struct eg_daemon *D, __u64 ino)
{
	int i;

	for (i = 0; i < D->nwatch; i++)
		if (D->watch[i].ino == ino)
			return true;
	return false;
}

/* One link watcher in every namespace that holds a target; none in the gone ones. */
static void update_watchers(struct eg_daemon *D)
{
	__u64 want[EG_MAX_WATCH];
	int nwant = 0, i, j;
	size_t k;

	for (k = 0; k < D->atts.n && nwant < EG_MAX_WATCH; k++) {
		__u64 ino;

		if (eg_netns_ino(&D->atts.v[k].t, &ino))
			continue;
		for (j = 0; j < nwant && want[j] != ino; j++)
			;
		if (j == nwant)
			want[nwant++] = ino;
		if (!watched(D, ino) && D->nwatch < EG_MAX_WATCH) {
			char err[256];
			int fd = eg_netns_link_watch(&D->atts.v[k].t, err, sizeof(err));
			struct epoll_event ev = { .events = EPOLLIN,
						  .data.u64 = EG_TAG_WATCH | (__u32)fd };

			if (fd < 0)
				continue;
			if (epoll_ctl(D->epfd, EPOLL_CTL_ADD, fd, &ev)) {
				close(fd);
				continue;
			}
			D->watch[D->nwatch].fd = fd;
			D->watch[D->nwatch].ino = ino;
			D->nwatch++;
		}
	}
	for (i = 0; i < D->nwatch;) {
		for (j = 0; j < nwant && want[j] != D->watch[i].ino; j++)
			;
		if (j < nwant) {
			i++;
			continue;
		}
		epoll_ctl(D->epfd, EPOLL_CTL_DEL, D->watch[i].fd, NULL);
		close(D->watch[i].fd);
		D->watch[i] = D->watch[--D->nwatch];
	}
}

void eg_reconcile(struct eg_daemon *D)
{
	bool changed = false;
	size_t i = 0, n_before;

	D->reconcile_due = false;
	D->last_reconcile = time(NULL);
	/* Watch first: a device that appears while we look is then not missed. */
	update_watchers(D);
	while (i < D->atts.n) {
		struct eg_attachment *a = &D->atts.v[i], fresh;
		char name[128], err[512] = "";
		int ret;

		eg_target_format(&a->t, name, sizeof(name));
		if (a->hook) {
			ret = eg_attach_check(&D->L, a);
			if (ret != -ENOENT) {
				i++;
				continue;
			}
			pr_warn("%s is gone (namespace or device removed, or our hook taken away); "
				"it is attached again when it is back", name);
			eg_attach_release(&D->L, a);
			changed = true;
		}
		/* A namespace a pattern picked up ends with the namespace. */
		if (eg_daemon_by_pattern(D, &a->t)) {
			__u64 ino;

			if (eg_netns_ino(&a->t, &ino)) {
				pr_info("%s: namespace gone; attachment released", name);
				eg_att_list_del(&D->atts, i);
				changed = true;
				continue;
			}
		}
		/* A process target ends with its process: nothing to wait for. */
		if (a->t.kind == EG_TGT_PID && kill(a->t.pid, 0) &&
		    errno == ESRCH) {
			pr_info("%s: process %d exited; attachment released", name, a->t.pid);
			eg_att_list_del(&D->atts, i);
			changed = true;
			continue;
		}
		ret = eg_attach(&D->L, &a->t, &fresh, err, sizeof(err));
		if (ret) {
			/* Missing targets are expected; anything else is said once. */
			if (strcmp(err, a->last_err) && ret != -ENOENT && ret != -ENODEV)
				pr_warn("%s cannot be attached: %s", name, err);
			else
				pr_debug("%s still pending: %s", name, err);
			snprintf(a->last_err, sizeof(a->last_err), "%s", err);
			i++;
			continue;
		}
		fresh.from_policy = a->from_policy;
		*a = fresh;
		pr_info("attached to %s (%s, ifindex %d) as it came back", name,
			eg_att_hook_name(a->hook), a->ifindex);
		changed = true;
		i++;
	}
	/* New namespaces named by a pattern. */
	n_before = D->atts.n;
	eg_daemon_expand_patterns(D);
	if (changed || D->atts.n != n_before) {
		update_watchers(D);
		eg_daemon_save(D);
	}
}
