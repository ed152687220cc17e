/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The daemon's state, shared by main.c (lifecycle) and control.c (requests). */
#ifndef EG_DAEMON_H
#define EG_DAEMON_H

#include <limits.h>
#include <time.h>

#include "events.h"
#include "loader.h"
#include "rules.h"
#include "state.h"

#define EG_MAX_WATCH 64

struct eg_daemon {
	struct eg_loader L;
	struct eg_rules R;
	struct eg_att_list atts;
	struct eg_events *ev;
	char config[PATH_MAX];
	char run_dir[PATH_MAX];
	char pin_dir[PATH_MAX];
	char sock_path[PATH_MAX + 16];
	time_t started;
	unsigned long reloads;
	int listen_fd;
	int metrics_fd; /* Prometheus endpoint, -1 when off */
	int sock_gid; /* group allowed on the control socket besides root; -1: root only */
	int epfd;
	bool stop;
	/* Watching for namespaces and devices that come and go. */
	int inotify_fd;
	struct {
		int fd;
		__u64 ino;
	} watch[EG_MAX_WATCH];
	int nwatch;
	bool reconcile_due;
	struct eg_target *ptargets; /* the policy's attach lines, patterns included */
	size_t nptargets;
	time_t last_reconcile;
	time_t last_gc;
};

#define EG_TAG_WATCH (2ULL << 32) /* epoll tag of a link watcher: | fd */

/* Reload the policy file: rules, mode, default and policy targets; whole or nothing. */
int eg_daemon_reload(struct eg_daemon *D, struct eg_buf *out, char *err, size_t errlen);
/* Attach the policy's targets that are not attached yet; failures become warnings in out. */
void eg_daemon_attach_targets(struct eg_daemon *D, const struct eg_policy *pol, struct eg_buf *out);
int eg_daemon_save(struct eg_daemon *D);
/* Attach namespaces that a pattern target names and that have none yet. */
void eg_daemon_expand_patterns(struct eg_daemon *D);
/* An attachment that exists only because a pattern matched its namespace. */
bool eg_daemon_by_pattern(struct eg_daemon *D, const struct eg_target *t);

/* reconcile.c: attachments follow namespaces and devices as they come and go. */
int eg_watch_init(struct eg_daemon *D);
void eg_watch_drain(struct eg_daemon *D, int fd);
void eg_reconcile(struct eg_daemon *D);

/* control.c */
int eg_control_listen(struct eg_daemon *D);
/* Serve one client connection; true when it stays open as an event follower. */
bool eg_control_serve(struct eg_daemon *D, int fd);

#endif
