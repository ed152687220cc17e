/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Verdict events: read from the ring buffer, named (interface, namespace,
 * rule), written as JSON lines to the event log, kept in a short backlog
 * for `egressctl events`, and streamed to followers.
 */
#ifndef EG_EVENTS_H
#define EG_EVENTS_H

#include <net/if.h>
#include <stdbool.h>

#include "egressgate.h"
#include "format.h"

#define EG_EVENTS_BACKLOG 1024
#define EG_EVENTS_FOLLOWERS 16

struct eg_event_rec {
	struct eg_event e;
	__u64 realtime_ns;
	char dev[IF_NAMESIZE];
	char netns[64];
	char prefix[EG_NAME_BUF + 16]; /* the rule: a prefix, or "name PATTERN" */
	char comment[128];
};

typedef void (*eg_event_resolve_fn)(void *ctx, struct eg_event_rec *rec);

struct eg_events;

int eg_events_open(struct eg_events **out, int ringbuf_fd, const char *log_path,
		   eg_event_resolve_fn fn, void *ctx);
void eg_events_close(struct eg_events *ev);
int eg_events_epoll_fd(struct eg_events *ev);
int eg_events_poll(struct eg_events *ev);
/* SIGUSR1: reopen the log file after rotation. */
int eg_events_reopen(struct eg_events *ev);
int eg_events_follow(struct eg_events *ev, int fd, bool json);
/* Forget a follower (it hung up); the caller closes fd. */
void eg_events_unfollow(struct eg_events *ev, int fd);
void eg_events_backlog(struct eg_events *ev, struct eg_buf *out, bool json, int count);
void eg_event_format(const struct eg_event_rec *r, bool json, struct eg_buf *b);
__u64 eg_events_total(struct eg_events *ev);

#endif
