// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "ctl.h"
#include "events.h"
#include "log.h"
#include "policy.h"

struct follower {
	int fd;
	bool json;
};

struct eg_events {
	struct ring_buffer *rb;
	FILE *log;
	char *log_path;
	eg_event_resolve_fn resolve;
	void *ctx;
	__s64 mono_to_real; /* ns to add to bpf_ktime_get_ns() */
	struct eg_event_rec backlog[EG_EVENTS_BACKLOG];
	__u64 total;
	struct follower fol[EG_EVENTS_FOLLOWERS];
	int nfol;
};

static __s64 clock_offset(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((__s64)r.tv_sec - m.tv_sec) * 1000000000LL + (r.tv_nsec - m.tv_nsec);
}

/* A task name is whatever the task set (prctl): printable ASCII only. */
static void comm_format(const struct eg_owner *o, char *out)
{
	int i;

	for (i = 0; i < EG_COMM_LEN && o->comm[i]; i++)
		out[i] = o->comm[i] < 0x20 || o->comm[i] > 0x7e ? '?' : o->comm[i];
	out[i] = '\0';
}

#define CGROUP_CACHE 64

/*
 * A cgroup v2 id is the kernfs file handle of the cgroup's directory, so its
 * path comes from one open_by_handle_at() on the cgroup2 mount, no tree walk.
 * Ids are never reused while the system runs: a small cache by id is never
 * stale, and an id that cannot be resolved (cgroup gone, no
 * CAP_DAC_READ_SEARCH) stays without a path. Only the main thread formats
 * events.
 */
static const char *cgroup_path(__u64 id)
{
	static struct {
		__u64 id;
		char path[256];
	} cache[CGROUP_CACHE];
	static char mnt[PATH_MAX];
	static int mnt_fd = -2;
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + sizeof(__u64)];
	} h;
	char proc[64], path[PATH_MAX];
	size_t mlen;
	ssize_t n;
	int fd, slot = id % CGROUP_CACHE;

	if (!id)
		return "";
	if (cache[slot].id == id)
		return cache[slot].path;
	if (mnt_fd == -2) {
		FILE *f = setmntent("/proc/self/mounts", "r");
		struct mntent *m;

		mnt_fd = -1;
		while (f && (m = getmntent(f))) {
			if (!strcmp(m->mnt_type, "cgroup2")) {
				snprintf(mnt, sizeof(mnt), "%s", m->mnt_dir);
				mnt_fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				break;
			}
		}
		if (f)
			endmntent(f);
	}
	if (mnt_fd < 0)
		return "";
	cache[slot].id = id;
	cache[slot].path[0] = '\0';
	h.fh.handle_bytes = sizeof(__u64);
	h.fh.handle_type = 0xfe; /* FILEID_KERNFS */
	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(mnt_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cache[slot].path;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, path, sizeof(path) - 1);
	close(fd);
	mlen = strlen(mnt);
	if (n < (ssize_t)mlen || strncmp(path, mnt, mlen))
		return cache[slot].path;
	path[n] = '\0';
	snprintf(cache[slot].path, sizeof(cache[slot].path), "%s", path[mlen] ? path + mlen : "/");
	return cache[slot].path;
}

void eg_event_format(const struct eg_event_rec *r, bool json, struct eg_buf *b)
{
	const struct eg_event *e = &r->e;
	int fam = e->flags & EG_EV_F_V6 ? 6 : 4;
	char t[48], src[64], dst[64], pb[8], comm[EG_COMM_LEN + 1], name[EG_NAME_BUF + 1];
	const char *proto = eg_proto_name(e->l4proto, pb, sizeof(pb));
	bool ports = e->l4proto == 6 || e->l4proto == 17;

	eg_time_format(r->realtime_ns, t, sizeof(t));
	eg_addr_format(fam, e->saddr, src, sizeof(src));
	eg_addr_format(fam, e->daddr, dst, sizeof(dst));
	comm_format(&e->owner, comm);
	/* The kernel wrote it; it is not trusted to be terminated or printable. */
	memcpy(name, e->name, EG_NAME_BUF);
	name[EG_NAME_BUF] = '\0';
	for (char *c = name; *c; c++)
		if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e)
			*c = '?';
	if (!json) {
		eg_buf_printf(b, "%s %-12s ", t, eg_verdict_name(e->verdict));
		if (e->owner.pid)
			eg_buf_printf(b, "%s (pid %u) ", comm, e->owner.pid);
		eg_buf_printf(b, "%-6s %s", proto, src);
		if (ports)
			eg_buf_printf(b, ":%u", e->sport);
		eg_buf_printf(b, " -> %s", dst);
		if (ports)
			eg_buf_printf(b, ":%u", e->dport);
		if (e->name_src && e->name[0])
			eg_buf_printf(b, " name %s (%s)", name,
				      eg_name_src_name(e->name_src));
		if (e->rule_id)
			eg_buf_printf(b, " rule %u (%s %s%s%s%s)", e->rule_id,
				      eg_action_name(e->action), r->prefix,
				      r->comment[0] ? ", \"" : "", r->comment,
				      r->comment[0] ? "\"" : "");
		else
			eg_buf_printf(b, " %s", eg_reason_name(e->reason));
		eg_buf_printf(b, " on %s%s%s\n", r->netns, r->netns[0] ? "/" : "", r->dev);
		return;
	}
	eg_buf_printf(b, "{\"time\":\"%s\",\"verdict\":\"%s\",\"action\":\"%s\",\"reason\":\"%s\","
			 "\"rule\":%u,",
		      t, eg_verdict_name(e->verdict), eg_action_name(e->action),
		      eg_reason_name(e->reason), e->rule_id);
	eg_buf_printf(b, "\"prefix\":");
	eg_buf_json_str(b, r->prefix);
	eg_buf_printf(b, ",\"comment\":");
	eg_buf_json_str(b, r->comment);
	eg_buf_printf(b, ",\"hook\":\"%s\",\"dev\":", e->hook == EG_HOOK_XDP ? "xdp" : "tc");
	eg_buf_json_str(b, r->dev);
	eg_buf_printf(b, ",\"netns\":");
	eg_buf_json_str(b, r->netns);
	eg_buf_printf(b, ",\"ifindex\":%u,\"family\":%d,\"proto\":\"%s\",\"src\":\"%s\",\"sport\":%u,"
			 "\"dst\":\"%s\",\"dport\":%u,\"tcp_flags\":%u,\"len\":%u,",
		      e->ifindex, fam, proto, src, e->sport, dst, e->dport, e->tcp_flags, e->pkt_len);
	eg_buf_printf(b, "\"name\":");
	eg_buf_json_str(b, e->name_src ? name : "");
	eg_buf_printf(b, ",\"name_src\":\"%s\",", e->name_src ? eg_name_src_name(e->name_src) : "");
	/* The sending process; 0 and "" when the packet did not start on this host. */
	eg_buf_printf(b, "\"pid\":%u,\"tid\":%u,\"comm\":", e->owner.pid, e->owner.tid);
	eg_buf_json_str(b, comm);
	eg_buf_printf(b, ",\"cgroup\":%llu,\"cgroup_path\":",
		      (unsigned long long)e->owner.cgroup_id);
	eg_buf_json_str(b, cgroup_path(e->owner.cgroup_id));
	eg_buf_printf(b, "}\n");
}

static void emit_follower(struct eg_events *ev, const struct eg_event_rec *rec)
{
	int i;

	for (i = 0; i < ev->nfol; i++) {
		struct eg_buf b = {};

		eg_event_format(rec, ev->fol[i].json, &b);
		/* A follower that cannot keep up is dropped, never waited for. */
		if (b.oom || eg_ctl_write_frame(ev->fol[i].fd, EG_CTL_DATA, b.p, b.len)) {
			int fd = ev->fol[i].fd;

			eg_events_unfollow(ev, fd);
			close(fd);
			i--;
		}
		eg_buf_free(&b);
	}
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct eg_events *ev = ctx;
	struct eg_event_rec *rec;
	struct eg_buf b = {};

	if (size < sizeof(struct eg_event))
		return 0;
	rec = &ev->backlog[ev->total % EG_EVENTS_BACKLOG];
	memset(rec, 0, sizeof(*rec));
	memcpy(&rec->e, data, sizeof(rec->e));
	rec->realtime_ns = rec->e.ts_ns + ev->mono_to_real;
	if (ev->resolve)
		ev->resolve(ev->ctx, rec);
	ev->total++;
	if (ev->log) {
		eg_event_format(rec, true, &b);
		if (!b.oom) {
			fwrite(b.p, 1, b.len, ev->log);
			fflush(ev->log);
		}
		eg_buf_free(&b);
	}
	emit_follower(ev, rec);
	return 0;
}

static int open_log(struct eg_events *ev)
{
	if (!ev->log_path) {
		ev->log = stdout;
		return 0;
	}
	ev->log = fopen(ev->log_path, "a");
	if (!ev->log) {
		int err = -errno;

		pr_err("cannot open the event log %s: %s", ev->log_path, strerror(-err));
		return err;
	}
	return 0;
}

int eg_events_open(struct eg_events **out, int ringbuf_fd, const char *log_path,
		   eg_event_resolve_fn fn, void *ctx)
{
	struct eg_events *ev = calloc(1, sizeof(*ev));
	int err;

	if (!ev)
		return -ENOMEM;
	ev->resolve = fn;
	ev->ctx = ctx;
	ev->mono_to_real = clock_offset();
	if (log_path) {
		ev->log_path = strdup(log_path);
		if (!ev->log_path) {
			free(ev);
			return -ENOMEM;
		}
	}
	err = open_log(ev);
	if (err)
		goto fail;
	ev->rb = ring_buffer__new(ringbuf_fd, on_event, ev, NULL);
	if (!ev->rb) {
		err = -errno;
		pr_err("cannot open the event ring buffer: %s", strerror(-err));
		goto fail;
	}
	*out = ev;
	return 0;
fail:
	if (ev->log && ev->log != stdout)
		fclose(ev->log);
	free(ev->log_path);
	free(ev);
	return err;
}

void eg_events_close(struct eg_events *ev)
{
	int i;

	if (!ev)
		return;
	ring_buffer__free(ev->rb);
	for (i = 0; i < ev->nfol; i++) {
		/* Followers end cleanly: the stream is over, not broken. */
		eg_ctl_send_end(ev->fol[i].fd, 0, "%s", "");
		close(ev->fol[i].fd);
	}
	if (ev->log && ev->log != stdout)
		fclose(ev->log);
	free(ev->log_path);
	free(ev);
}

int eg_events_epoll_fd(struct eg_events *ev)
{
	return ring_buffer__epoll_fd(ev->rb);
}

int eg_events_poll(struct eg_events *ev)
{
	int n = ring_buffer__consume(ev->rb);

	return n < 0 ? n : 0;
}

int eg_events_reopen(struct eg_events *ev)
{
	if (!ev->log_path)
		return 0;
	if (ev->log)
		fclose(ev->log);
	ev->log = NULL;
	return open_log(ev);
}

int eg_events_follow(struct eg_events *ev, int fd, bool json)
{
	if (ev->nfol == EG_EVENTS_FOLLOWERS)
		return -EBUSY;
	/* Writes must never block the daemon. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	ev->fol[ev->nfol].fd = fd;
	ev->fol[ev->nfol].json = json;
	ev->nfol++;
	return 0;
}

void eg_events_unfollow(struct eg_events *ev, int fd)
{
	int i;

	for (i = 0; i < ev->nfol; i++) {
		if (ev->fol[i].fd == fd) {
			ev->fol[i] = ev->fol[--ev->nfol];
			return;
		}
	}
}

void eg_events_backlog(struct eg_events *ev, struct eg_buf *out, bool json, int count)
{
	__u64 n = ev->total < EG_EVENTS_BACKLOG ? ev->total : EG_EVENTS_BACKLOG, i;

	if (count > 0 && (__u64)count < n)
		n = count;
	for (i = ev->total - n; i < ev->total; i++)
		eg_event_format(&ev->backlog[i % EG_EVENTS_BACKLOG], json, out);
}

__u64 eg_events_total(struct eg_events *ev)
{
	return ev->total;
}
