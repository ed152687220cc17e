// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * clsact + cls_bpf attach for the egress hook. The rule throughout: a
 * filter is ours only if it is an eBPF cls_bpf filter in the slot our
 * attach recorded (and, when attach looks for one left by an earlier run,
 * it carries our name); anything else on the hook belongs to someone else
 * and is left exactly as found.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>

#include "netlink.h"
#include "tc_attach.h"

#define EGRESS_PARENT TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS)

/* Egress by default; the DNS answer reader sits on ingress. */
static __u32 att_parent(const struct eg_tc_att *att)
{
	return TC_H_MAKE(TC_H_CLSACT, att->ingress ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS);
}
#define INGRESS_PARENT TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)
/* Times a dump is repeated when the kernel says it was torn. */
#define DUMP_TRIES 3
/* Times attach re-reads the hook when another writer beats it to a prio. */
#define RACE_TRIES 3

void (*eg_tc_log)(int level, const char *fmt, ...);

#define tc_log(level, ...)                               \
	do {                                             \
		if (eg_tc_log)                           \
			eg_tc_log((level), __VA_ARGS__); \
	} while (0)

__attribute__((format(printf, 3, 4))) static void
set_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !msglen)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}

/* Kernel text on success is a warning the operator should still see. */
static void log_warning(const char *what, int ifindex, const char *kmsg)
{
	if (kmsg[0])
		tc_log(LOG_WARNING, "%s on ifindex %d: kernel says: %s", what,
		       ifindex, kmsg);
}

enum slot_state {
	SLOT_FREE,
	SLOT_FOREIGN,
	SLOT_OURS,
};

/* One pass over the filters of one parent; parameters then results. */
struct filter_scan {
	int ifindex;
	__u32 parent;
	/* Priorities [hi - EG_TC_PRIO_TRIES + 1, hi] are classified. */
	__u16 hi;
	const char *prog_name;
	/* The one slot looked up exactly. */
	__u16 prio;
	__u32 handle;

	struct {
		unsigned int messages; /* any filter or prio, any chain */
		bool held[EG_TC_PRIO_TRIES];
		bool ours[EG_TC_PRIO_TRIES];
		bool found;
		struct eg_nl_filter slot;
	} r;
};

static bool filter_is_ours(const struct eg_nl_filter *f, __u32 handle,
			   const char *prog_name)
{
	/* No program id: a classic BPF filter, which egressgate never loads. */
	if (f->chain != 0 || f->handle != handle || f->protocol != ETH_P_ALL ||
	    strcmp(f->kind, "bpf") || !f->has_bpf_id)
		return false;
	return !prog_name || !strcmp(f->bpf_name, prog_name);
}

static int filter_scan_cb(const struct nlmsghdr *nlh, void *data)
{
	struct filter_scan *s = data;
	struct eg_nl_filter f;
	int idx;

	if (nlh->nlmsg_type != RTM_NEWTFILTER)
		return MNL_CB_OK;
	if (eg_nl_parse_filter(nlh, &f)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (f.ifindex != s->ifindex || f.parent != s->parent)
		return MNL_CB_OK;

	s->r.messages++;
	/* Priorities are per chain; ours lives in chain 0. */
	if (f.chain != 0)
		return MNL_CB_OK;

	idx = (int)s->hi - (int)f.prio;
	if (idx >= 0 && idx < EG_TC_PRIO_TRIES) {
		s->r.held[idx] = true;
		if (s->prog_name &&
		    filter_is_ours(&f, EG_TC_HANDLE, s->prog_name))
			s->r.ours[idx] = true;
	}
	if (f.handle && f.prio == s->prio && f.handle == s->handle) {
		s->r.found = true;
		s->r.slot = f;
	}
	return MNL_CB_OK;
}

static int scan_filters(struct eg_nl *nl, struct filter_scan *s, char *kmsg,
			size_t kmsglen)
{
	char buf[EG_NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int err = 0;
	int i;

	for (i = 0; i < DUMP_TRIES; i++) {
		memset(&s->r, 0, sizeof(s->r));
		nlh = eg_nl_build_filter_dump(buf, s->ifindex, s->parent);
		err = eg_nl_dump(nl, nlh, filter_scan_cb, s, kmsg, kmsglen);
		if (err != -EINTR)
			break;
	}
	return err;
}

static enum slot_state slot_state(const struct filter_scan *s, __u16 prio)
{
	int idx = (int)s->hi - (int)prio;

	if (s->r.ours[idx])
		return SLOT_OURS;
	return s->r.held[idx] ? SLOT_FOREIGN : SLOT_FREE;
}

struct qdisc_scan {
	int ifindex;
	bool found;
	char kind[16];
};

static int qdisc_scan_cb(const struct nlmsghdr *nlh, void *data)
{
	struct qdisc_scan *s = data;
	struct eg_nl_qdisc q;

	if (nlh->nlmsg_type != RTM_NEWQDISC)
		return MNL_CB_OK;
	if (eg_nl_parse_qdisc(nlh, &q)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (q.ifindex != s->ifindex || q.parent != TC_H_CLSACT)
		return MNL_CB_OK;
	s->found = true;
	memcpy(s->kind, q.kind, sizeof(s->kind));
	return MNL_CB_STOP;
}

static int link_exists(struct eg_nl *nl, int ifindex, char *kmsg,
		       size_t kmsglen)
{
	char buf[EG_NL_BUF_SIZE];

	return eg_nl_talk(nl, eg_nl_build_link_get(buf, ifindex), kmsg,
			  kmsglen);
}

/*
 * Create clsact with NLM_F_EXCL so that "it was already there" is told
 * apart from "we made it". The kernel answers EEXIST for an "ingress"
 * qdisc too, and an egress parent on one of those silently lands on the
 * ingress hook, so the kind is checked.
 */
static int ensure_clsact(struct eg_nl *nl, int ifindex, bool *created,
			 char *msg, size_t msglen)
{
	char buf[EG_NL_BUF_SIZE];
	struct qdisc_scan qs;
	struct nlmsghdr *nlh;
	char kmsg[256];
	int err = 0;
	int i;

	*created = false;
	for (i = 0; i < RACE_TRIES; i++) {
		nlh = eg_nl_build_clsact(buf, RTM_NEWQDISC,
					 NLM_F_CREATE | NLM_F_EXCL, ifindex);
		err = eg_nl_talk(nl, nlh, kmsg, sizeof(kmsg));
		if (!err) {
			log_warning("clsact create", ifindex, kmsg);
			tc_log(LOG_DEBUG, "clsact created on ifindex %d",
			       ifindex);
			*created = true;
			goto out;
		}
		if (err != -EEXIST) {
			set_msg(msg, msglen,
				"cannot create clsact qdisc on ifindex %d: %s",
				ifindex, kmsg);
			goto out;
		}

		memset(&qs, 0, sizeof(qs));
		qs.ifindex = ifindex;
		nlh = eg_nl_build_qdisc_dump(buf, ifindex);
		err = eg_nl_dump(nl, nlh, qdisc_scan_cb, &qs, kmsg,
				 sizeof(kmsg));
		if (err) {
			set_msg(msg, msglen,
				"cannot list qdiscs of ifindex %d: %s", ifindex,
				kmsg);
			goto out;
		}
		/* Deleted between our create and our look: try again. */
		if (!qs.found)
			continue;
		if (strcmp(qs.kind, "clsact")) {
			err = -EEXIST;
			set_msg(msg, msglen,
				"ifindex %d has an \"%s\" qdisc where clsact belongs and it has no egress hook; move its filters to a clsact qdisc (clsact also has ingress) and retry",
				ifindex, qs.kind);
			goto out;
		}
		tc_log(LOG_DEBUG, "clsact already on ifindex %d", ifindex);
		goto out;
	}
	err = -EAGAIN;
	set_msg(msg, msglen,
		"clsact on ifindex %d keeps appearing and vanishing; retry",
		ifindex);
out:
	return err;
}

/* Filters (any chain) left under one parent of the clsact qdisc. */
static int count_filters(struct eg_nl *nl, int ifindex, __u32 parent,
			 unsigned int *count, char *kmsg, size_t kmsglen)
{
	struct filter_scan s = {
		.ifindex = ifindex,
		.parent = parent,
		.hi = EG_TC_PRIO_DEFAULT,
	};
	int err;

	err = scan_filters(nl, &s, kmsg, kmsglen);
	*count = s.r.messages;
	return err;
}

/*
 * Only a clsact we created and nobody else uses is removed. Another
 * writer adding a filter between our count and the delete would lose it;
 * the kernel offers no "delete if empty", so that window stays.
 */
static void release_clsact(struct eg_nl *nl, int ifindex, char *msg,
			   size_t msglen)
{
	unsigned int in = 0, eg = 0;
	char buf[EG_NL_BUF_SIZE];
	char kmsg[256];
	int err;

	err = count_filters(nl, ifindex, INGRESS_PARENT, &in, kmsg,
			    sizeof(kmsg));
	if (!err)
		err = count_filters(nl, ifindex, EGRESS_PARENT, &eg, kmsg,
				    sizeof(kmsg));
	if (err) {
		set_msg(msg, msglen,
			"the clsact qdisc we created on ifindex %d is left in place: its filters could not be listed: %s",
			ifindex, kmsg);
		goto out;
	}
	if (in || eg) {
		set_msg(msg, msglen,
			"the clsact qdisc we created on ifindex %d is left in place: other filters use it",
			ifindex);
		goto out;
	}

	err = eg_nl_talk(nl, eg_nl_build_clsact(buf, RTM_DELQDISC, 0, ifindex),
			 kmsg, sizeof(kmsg));
	if (err == -ENOENT)
		goto out;
	if (err) {
		set_msg(msg, msglen,
			"the clsact qdisc we created on ifindex %d could not be removed: %s",
			ifindex, kmsg);
		goto out;
	}
	tc_log(LOG_DEBUG, "clsact removed from ifindex %d", ifindex);
out:
	return;
}

static int add_filter(struct eg_nl *nl, int ifindex, int prog_fd,
		      const char *prog_name, struct eg_tc_att *att, char *msg,
		      size_t msglen)
{
	struct filter_scan s = {
		.ifindex = ifindex,
		.parent = att_parent(att),
		.hi = EG_TC_PRIO_DEFAULT,
		.prog_name = prog_name,
	};
	char buf[EG_NL_BUF_SIZE];
	enum slot_state state;
	struct nlmsghdr *nlh;
	char kmsg[256], scratch[256];
	int races = 0;
	__u16 flags;
	__u16 prio;
	int err;
	int i;

	err = scan_filters(nl, &s, kmsg, sizeof(kmsg));
	if (err) {
		set_msg(msg, msglen,
			"cannot list egress filters of ifindex %d: %s", ifindex,
			kmsg);
		goto out;
	}

	for (i = 0; i < EG_TC_PRIO_TRIES; i++) {
		prio = EG_TC_PRIO_DEFAULT - i;
		state = slot_state(&s, prio);
		if (state == SLOT_FOREIGN) {
			tc_log(LOG_DEBUG,
			       "ifindex %d: egress priority %u is taken, trying the next",
			       ifindex, prio);
			continue;
		}
		/*
		 * Our own filter is swapped in place: no gap, no duplicate.
		 * Without NLM_F_CREATE a filter that vanished meanwhile is
		 * not re-created by a request meant to replace it.
		 */
		flags = state == SLOT_OURS ? NLM_F_REPLACE :
					     NLM_F_CREATE | NLM_F_EXCL;
		nlh = eg_nl_build_bpf_filter(buf, RTM_NEWTFILTER, flags,
					     ifindex, att_parent(att), prio,
					     EG_TC_HANDLE, prog_fd, prog_name);
		err = eg_nl_talk(nl, nlh, kmsg, sizeof(kmsg));
		if (!err) {
			log_warning("filter add", ifindex, kmsg);
			att->prio = prio;
			att->adopted = state == SLOT_OURS;
			goto out;
		}

		/*
		 * The kernel refuses a taken prio with EEXIST or EINVAL, which
		 * a bad program also gets: only a changed hook means "race".
		 */
		if (races++ < RACE_TRIES &&
		    !scan_filters(nl, &s, scratch, sizeof(scratch)) &&
		    slot_state(&s, prio) != state) {
			i--;
			continue;
		}
		set_msg(msg, msglen,
			"cannot add the egress filter on ifindex %d at priority %u: %s",
			ifindex, prio, kmsg);
		goto out;
	}
	err = -EBUSY;
	set_msg(msg, msglen,
		"egress priorities %u..%u on ifindex %d are all held by other filters; free one of them",
		EG_TC_PRIO_DEFAULT - EG_TC_PRIO_TRIES + 1, EG_TC_PRIO_DEFAULT,
		ifindex);
out:
	return err;
}

static bool name_ok(const char *prog_name)
{
	return prog_name && prog_name[0] && strlen(prog_name) < EG_NL_NAME_MAX;
}

int eg_tc_attach(int ifindex, int prog_fd, const char *prog_name,
		 struct eg_tc_att *att, char *msg, size_t msglen)
{
	struct eg_nl *nl = NULL;
	bool created = false;
	char note[256] = "";
	int err;

	set_msg(msg, msglen, "%s", "");
	if (!att || ifindex <= 0 || prog_fd < 0 || !name_ok(prog_name)) {
		err = -EINVAL;
		set_msg(msg, msglen,
			"attach on ifindex %d: bad arguments (a device index, a program fd and a name are needed)",
			ifindex);
		goto out;
	}
	{
		bool ingress = att->ingress;

		memset(att, 0, sizeof(*att));
		att->ingress = ingress;
	}

	err = eg_nl_open(&nl);
	if (err) {
		set_msg(msg, msglen, "cannot open a netlink socket: %s",
			strerror(-err));
		goto out;
	}
	err = ensure_clsact(nl, ifindex, &created, msg, msglen);
	if (err)
		goto out;

	err = add_filter(nl, ifindex, prog_fd, prog_name, att, msg, msglen);
	if (err) {
		/* The error in msg is the one to report; this is a side note. */
		if (created) {
			release_clsact(nl, ifindex, note, sizeof(note));
			if (note[0])
				tc_log(LOG_WARNING, "%s", note);
		}
		goto out;
	}

	att->ifindex = ifindex;
	att->handle = EG_TC_HANDLE;
	att->qdisc_created = created;
	if (att->adopted)
		set_msg(msg, msglen,
			"egress filter on ifindex %d at priority %u was left by an earlier run; its program was replaced in place (its clsact qdisc will be left on detach)",
			ifindex, att->prio);
	else if (!created && att->prio != EG_TC_PRIO_DEFAULT)
		set_msg(msg, msglen,
			"clsact on ifindex %d exists and is not ours; priority %u is taken, attached at priority %u beside it",
			ifindex, EG_TC_PRIO_DEFAULT, att->prio);
	else if (!created)
		set_msg(msg, msglen,
			"clsact on ifindex %d exists and is not ours; attached at priority %u beside it",
			ifindex, att->prio);
	tc_log(LOG_DEBUG, "attached on ifindex %d egress at priority %u",
	       ifindex, att->prio);
out:
	eg_nl_close(nl);
	return err;
}

/*
 * Find our slot on egress and check it still holds a cls_bpf filter: the
 * slot came from our attach, so that is as much as can be known.
 */
static int find_our_filter(struct eg_nl *nl, const struct eg_tc_att *att,
			   const char *prog_name, struct filter_scan *s,
			   char *msg, size_t msglen)
{
	char kmsg[256];
	int err;

	memset(s, 0, sizeof(*s));
	s->ifindex = att->ifindex;
	s->parent = att_parent(att);
	s->hi = EG_TC_PRIO_DEFAULT;
	s->prio = att->prio;
	s->handle = att->handle;

	err = link_exists(nl, att->ifindex, kmsg, sizeof(kmsg));
	if (err) {
		set_msg(msg, msglen, "ifindex %d: %s", att->ifindex, kmsg);
		goto out;
	}
	err = scan_filters(nl, s, kmsg, sizeof(kmsg));
	if (err) {
		set_msg(msg, msglen,
			"cannot list egress filters of ifindex %d: %s",
			att->ifindex, kmsg);
		goto out;
	}
	if (!s->r.found) {
		err = -ENOENT;
		set_msg(msg, msglen,
			"no egress filter at priority %u handle %#x on ifindex %d; it is already gone",
			att->prio, att->handle, att->ifindex);
		goto out;
	}
	if (!filter_is_ours(&s->r.slot, att->handle, prog_name)) {
		err = -ENOENT;
		set_msg(msg, msglen,
			"egress filter at priority %u handle %#x on ifindex %d is a \"%s\" filter named \"%s\", not ours; left in place",
			att->prio, att->handle, att->ifindex, s->r.slot.kind,
			s->r.slot.bpf_name);
	}
out:
	return err;
}

int eg_tc_replace(const struct eg_tc_att *att, int prog_fd,
		  const char *prog_name, char *msg, size_t msglen)
{
	char buf[EG_NL_BUF_SIZE];
	struct eg_nl *nl = NULL;
	struct filter_scan s;
	struct nlmsghdr *nlh;
	char kmsg[256];
	int err;

	set_msg(msg, msglen, "%s", "");
	if (!att || att->ifindex <= 0 || prog_fd < 0 || !name_ok(prog_name)) {
		err = -EINVAL;
		set_msg(msg, msglen, "replace: bad arguments");
		goto out;
	}
	err = eg_nl_open(&nl);
	if (err) {
		set_msg(msg, msglen, "cannot open a netlink socket: %s",
			strerror(-err));
		goto out;
	}
	err = find_our_filter(nl, att, NULL, &s, msg, msglen);
	if (err == -ENODEV)
		err = -ENOENT;
	if (err)
		goto out;

	/* No NLM_F_CREATE: if it vanished since the dump, say so. */
	nlh = eg_nl_build_bpf_filter(buf, RTM_NEWTFILTER, NLM_F_REPLACE,
				     att->ifindex, att_parent(att), att->prio,
				     att->handle, prog_fd, prog_name);
	err = eg_nl_talk(nl, nlh, kmsg, sizeof(kmsg));
	if (err) {
		set_msg(msg, msglen,
			"cannot replace the program of the egress filter at priority %u on ifindex %d: %s",
			att->prio, att->ifindex, kmsg);
		goto out;
	}
	log_warning("filter replace", att->ifindex, kmsg);
out:
	eg_nl_close(nl);
	return err;
}

int eg_tc_detach(const struct eg_tc_att *att, char *msg, size_t msglen)
{
	char buf[EG_NL_BUF_SIZE];
	struct eg_nl *nl = NULL;
	struct filter_scan s;
	struct nlmsghdr *nlh;
	char kmsg[256];
	int err;

	set_msg(msg, msglen, "%s", "");
	if (!att || att->ifindex <= 0) {
		err = -EINVAL;
		set_msg(msg, msglen, "detach: bad arguments");
		goto out;
	}
	err = eg_nl_open(&nl);
	if (err) {
		set_msg(msg, msglen, "cannot open a netlink socket: %s",
			strerror(-err));
		goto out;
	}
	err = find_our_filter(nl, att, NULL, &s, msg, msglen);
	if (err == -ENODEV) {
		err = -ENOENT;
		set_msg(msg, msglen,
			"ifindex %d is gone and our filter with it",
			att->ifindex);
	}
	if (err)
		goto out;

	/* TCA_KIND "bpf" makes the kernel refuse if the slot changed kind. */
	nlh = eg_nl_build_bpf_filter(buf, RTM_DELTFILTER, 0, att->ifindex,
				     att_parent(att), att->prio, att->handle, -1,
				     NULL);
	err = eg_nl_talk(nl, nlh, kmsg, sizeof(kmsg));
	if (err) {
		set_msg(msg, msglen,
			"cannot remove the egress filter at priority %u on ifindex %d: %s",
			att->prio, att->ifindex, kmsg);
		goto out;
	}
	tc_log(LOG_DEBUG, "filter removed from ifindex %d priority %u",
	       att->ifindex, att->prio);

	if (att->qdisc_created)
		release_clsact(nl, att->ifindex, msg, msglen);
out:
	eg_nl_close(nl);
	return err;
}

int eg_tc_query(const struct eg_tc_att *att, const char *prog_name,
		bool *present, char *msg, size_t msglen)
{
	struct eg_nl *nl = NULL;
	struct filter_scan s;
	int err;

	set_msg(msg, msglen, "%s", "");
	if (present)
		*present = false;
	if (!att || att->ifindex <= 0 || !present) {
		err = -EINVAL;
		set_msg(msg, msglen, "query: bad arguments");
		goto out;
	}
	err = eg_nl_open(&nl);
	if (err) {
		set_msg(msg, msglen, "cannot open a netlink socket: %s",
			strerror(-err));
		goto out;
	}
	err = find_our_filter(nl, att, prog_name, &s, msg, msglen);
	if (err == -ENOENT) {
		/* Absence is the answer, not a failure. */
		err = 0;
		goto out;
	}
	if (err)
		goto out;
	*present = true;
out:
	eg_nl_close(nl);
	return err;
}
