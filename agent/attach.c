// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fnmatch.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "attach.h"
#include "loader.h"
#include "log.h"
#include "netns.h"
#include "peer.h"

#ifndef BPF_TCX_EGRESS
#define BPF_TCX_INGRESS 46
#define BPF_TCX_EGRESS 47
#endif

const char *eg_att_hook_name(int hook)
{
	return hook == EG_ATT_TCX ? "tcx" : hook == EG_ATT_TC ? "tc" : hook == EG_ATT_XDP ? "xdp" :
											      "pending";
}

bool eg_target_is_pattern(const struct eg_target *t)
{
	return t->kind == EG_TGT_NETNS && strpbrk(t->netns, "*?[");
}

bool eg_target_matches(const struct eg_target *t, const struct eg_target *c)
{
	if (!eg_target_is_pattern(t))
		return eg_target_same(t, c);
	return c->kind == EG_TGT_NETNS && !strcmp(t->dev, c->dev) && !fnmatch(t->netns, c->netns, 0);
}

bool eg_target_same(const struct eg_target *a, const struct eg_target *b)
{
	return a->kind == b->kind && !strcmp(a->dev, b->dev) &&
	       (a->kind != EG_TGT_NETNS || !strcmp(a->netns, b->netns)) &&
	       (a->kind != EG_TGT_PID || a->pid == b->pid);
}

static void link_pin_path(struct eg_loader *L, const struct eg_attachment *a, char *buf,
			  size_t len)
{
	snprintf(buf, len, "%s/links/%s-%llu-%d", L->pin_dir, a->hook == EG_ATT_XDP ? "xdp" : "tcx",
		 (unsigned long long)a->netns_ino, a->ifindex);
}

/* Work done inside the target namespace. */
struct att_job {
	struct eg_loader *L;
	struct eg_attachment *a;
	int op;
	char *err;
	size_t errlen;
};

enum { OP_ATTACH, OP_DETACH, OP_ADOPT, OP_CHECK };

/* A link for the classifier: tcx on egress, or XDP (native if the driver can, else generic). */
static int tcx_attach(struct att_job *j)
{
	struct eg_attachment *a = j->a;
	char path[PATH_MAX + 64];
	int fd, ret;

	if (a->hook == EG_ATT_XDP) {
		/*
		 * A veth's native XDP_TX lands in its peer only when the peer runs
		 * XDP itself: the resets would be lost. The host side of a
		 * namespace's veth therefore runs generic XDP; a gateway's
		 * device tries native first.
		 */
		bool veth_side = a->t.kind != EG_TGT_HOST || eg_is_veth_here(a->where.dev);
		LIBBPF_OPTS(bpf_link_create_opts, opts,
			    .flags = veth_side ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);

		fd = bpf_link_create(j->L->xdp_fd, a->ifindex, BPF_XDP, &opts);
		a->xdp_generic = veth_side || fd < 0;
		if (fd < 0 && !veth_side) {
			opts.flags = XDP_FLAGS_SKB_MODE;
			fd = bpf_link_create(j->L->xdp_fd, a->ifindex, BPF_XDP, &opts);
		}
	} else {
		fd = bpf_link_create(j->L->prog_fd, a->ifindex, BPF_TCX_EGRESS, NULL);
	}
	if (fd < 0) {
		ret = -errno;
		snprintf(j->err, j->errlen, "%s link on %s: %s", eg_att_hook_name(a->hook),
			 a->where.dev, strerror(-ret));
		return ret;
	}
	snprintf(path, sizeof(path), "%s/links", j->L->pin_dir);
	mkdir(path, 0700);
	link_pin_path(j->L, a, path, sizeof(path));
	unlink(path);
	if (bpf_obj_pin(fd, path)) {
		ret = -errno;
		bpf_link_detach(fd);
		close(fd);
		snprintf(j->err, j->errlen, "cannot pin the link at %s: %s", path,
			 strerror(-ret));
		return ret;
	}
	close(fd);
	return 0;
}

static int tcx_detach(struct att_job *j)
{
	char path[PATH_MAX + 64];
	int fd, ret = 0;

	link_pin_path(j->L, j->a, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	/* Detach even if something else holds the link open. */
	if (bpf_link_detach(fd) && errno != ENOLINK && errno != ENOENT)
		ret = -errno;
	close(fd);
	unlink(path);
	if (ret)
		snprintf(j->err, j->errlen, "detaching the link on %s: %s", j->a->where.dev,
			 strerror(-ret));
	return ret;
}

static int tcx_adopt(struct att_job *j)
{
	char path[PATH_MAX + 64];
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd, ret = 0;

	link_pin_path(j->L, j->a, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -ENOENT;
	/* A link whose device went away stays pinned but is defunct. */
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.prog_id) {
		close(fd);
		unlink(path);
		return -ENOENT;
	}
	if (bpf_link_update(fd, j->a->hook == EG_ATT_XDP ? j->L->xdp_fd : j->L->prog_fd, NULL)) {
		ret = -errno;
		snprintf(j->err, j->errlen, "updating the link on %s: %s", j->a->where.dev,
			 strerror(-ret));
	}
	close(fd);
	return ret;
}

/* The classifier parses Ethernet frames; an L3 device (tun, wireguard) would be misread. */
static int check_link_type(const char *dev, char *err, size_t errlen)
{
	struct ifreq ifr = {};
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (!ioctl(fd, SIOCGIFHWADDR, &ifr) && ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER &&
	    ifr.ifr_hwaddr.sa_family != ARPHRD_LOOPBACK) {
		snprintf(err, errlen,
			 "%s is not an Ethernet device (link type %u); egressgate judges Ethernet "
			 "frames: attach to the Ethernet device the traffic leaves through",
			 dev, ifr.ifr_hwaddr.sa_family);
		ret = -EOPNOTSUPP;
	}
	close(fd);
	return ret;
}

int eg_resolve_hook(const struct eg_loader *L, int pref)
{
	if (pref == EG_HOOKP_XDP)
		return EG_ATT_XDP;
	return (pref == EG_HOOKP_TC || !L->feat.tcx) ? EG_ATT_TC : EG_ATT_TCX;
}

/* A tcx link outlives its device, detached; the kernel then reports ifindex 0. */
static int tcx_alive(struct att_job *j)
{
	char path[PATH_MAX + 64];
	/* struct bpf_link_info as of 6.6: tcx.ifindex follows the 8-aligned header. */
	union {
		struct bpf_link_info info;
		__u8 raw[256];
	} u = {};
	__u32 len = sizeof(u), ifindex;
	int fd, ret = 0;

	link_pin_path(j->L, j->a, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -ENOENT;
	if (bpf_obj_get_info_by_fd(fd, &u.info, &len)) {
		ret = -errno;
	} else {
		memcpy(&ifindex, u.raw + 16, sizeof(ifindex));
		if (!u.info.prog_id || !ifindex)
			ret = -ENOENT;
	}
	close(fd);
	return ret;
}

/* The answer reader hangs off a tcx link (else a clsact filter). */
static bool in_is_link(struct eg_loader *L, const struct eg_attachment *a)
{
	return a->hook == EG_ATT_TCX || (a->hook == EG_ATT_XDP && L->feat.tcx);
}

static void in_pin_path(struct eg_loader *L, const struct eg_attachment *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s/links/tcx-in-%llu-%d", L->pin_dir,
		 (unsigned long long)a->netns_ino, a->ifindex);
}

/*
 * The DNS answer reader on the same device's ingress. Without it names are
 * still judged; only addresses are not learned: a failure is a note.
 */
static void ingress_attach(struct att_job *j)
{
	struct eg_attachment *a = j->a;
	char path[PATH_MAX + 64], msg[256] = "";
	int fd, ret;

	a->has_in = false;
	if (a->hook == EG_ATT_XDP && a->t.kind == EG_TGT_HOST)
		return; /* a gateway's ingress: answers leave by other devices */
	if (a->hook == EG_ATT_TCX || (a->hook == EG_ATT_XDP && j->L->feat.tcx)) {
		/* At XDP the guard sits on the host side: answers go the other way, out of it. */
		fd = bpf_link_create(j->L->ingress_fd, a->ifindex,
				     a->hook == EG_ATT_XDP ? BPF_TCX_EGRESS : BPF_TCX_INGRESS, NULL);
		if (fd < 0) {
			snprintf(msg, sizeof(msg), "tcx ingress link: %s", strerror(errno));
			goto fail;
		}
		in_pin_path(j->L, a, path, sizeof(path));
		unlink(path);
		if (bpf_obj_pin(fd, path)) {
			snprintf(msg, sizeof(msg), "cannot pin the ingress link: %s", strerror(errno));
			bpf_link_detach(fd);
			close(fd);
			goto fail;
		}
		close(fd);
	} else {
		a->tc_in.ingress = a->hook != EG_ATT_XDP;
		ret = eg_tc_attach(a->ifindex, j->L->ingress_fd, EG_INGRESS_PROG_NAME, &a->tc_in,
				   msg, sizeof(msg));
		if (ret)
			goto fail;
	}
	a->has_in = true;
	return;
fail:
	pr_warn("%s: DNS answers are not read, addresses not learned: %s", a->where.dev, msg);
}

static void ingress_detach(struct att_job *j)
{
	struct eg_attachment *a = j->a;
	char path[PATH_MAX + 64], msg[256];
	int fd;

	if (!a->has_in)
		return;
	if (in_is_link(j->L, a)) {
		in_pin_path(j->L, a, path, sizeof(path));
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			bpf_link_detach(fd);
			close(fd);
		}
		unlink(path);
	} else if (eg_tc_detach(&a->tc_in, msg, sizeof(msg)) && errno != ENOENT) {
		pr_debug("%s: ingress filter: %s", a->where.dev, msg);
	}
	a->has_in = false;
}

static void ingress_adopt(struct att_job *j)
{
	struct eg_attachment *a = j->a;
	char path[PATH_MAX + 64], msg[256];
	int fd, ret;

	if (a->has_in && in_is_link(j->L, a)) {
		in_pin_path(j->L, a, path, sizeof(path));
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			ret = bpf_link_update(fd, j->L->ingress_fd, NULL) ? -errno : 0;
			close(fd);
			if (!ret)
				return;
		}
	} else if (a->has_in) {
		a->tc_in.ingress = a->hook != EG_ATT_XDP;
		if (!eg_tc_replace(&a->tc_in, j->L->ingress_fd, EG_INGRESS_PROG_NAME, msg,
				   sizeof(msg)))
			return;
	}
	ingress_attach(j);
}

static int att_job_run(void *arg)
{
	struct att_job *j = arg;
	struct eg_attachment *a = j->a;
	__u64 ino, cookie;
	int ret;

	ret = eg_netns_self_id(&ino, &cookie);
	if (ret) {
		snprintf(j->err, j->errlen, "cannot identify the network namespace: %s",
			 strerror(-ret));
		return ret;
	}
	if (j->op != OP_ATTACH && ino != a->netns_ino)
		return -ENOENT; /* the namespace was replaced: what we attached died with it */

	if (j->op == OP_ATTACH) {
		int ifindex = if_nametoindex(a->where.dev);

		if (!ifindex) {
			snprintf(j->err, j->errlen, "no interface '%s' in %s", a->where.dev,
				 a->t.kind == EG_TGT_HOST ? "the host namespace" : "that namespace");
			return -ENODEV;
		}
		ret = check_link_type(a->where.dev, j->err, j->errlen);
		if (ret)
			return ret;
		a->ifindex = ifindex;
		a->netns_ino = ino;
		a->netns_cookie = cookie;
		if (a->hook == EG_ATT_TCX || a->hook == EG_ATT_XDP) {
			ret = tcx_attach(j);
		} else {
			ret = eg_tc_attach(ifindex, j->L->prog_fd, EG_PROG_NAME, &a->tc, a->note,
					   sizeof(a->note));
			if (ret)
				snprintf(j->err, j->errlen, "clsact on %s: %s", a->where.dev, a->note);
		}
		if (!ret)
			ingress_attach(j);
		return ret;
	}
	if (j->op == OP_CHECK) {
		if (if_nametoindex(a->where.dev) != (unsigned int)a->ifindex)
			return -ENOENT; /* deleted, or deleted and added again */
		if (a->hook == EG_ATT_TCX || a->hook == EG_ATT_XDP)
			return tcx_alive(j);
		bool present = false;

		ret = eg_tc_query(&a->tc, EG_PROG_NAME, &present, a->note, sizeof(a->note));
		if (ret == -ENODEV)
			return -ENOENT;
		return ret ?: (present ? 0 : -ENOENT);
	}
	if (j->op == OP_DETACH) {
		/* Ingress first: the clsact egress may have created goes only when empty. */
		ingress_detach(j);
		if (a->hook == EG_ATT_TCX || a->hook == EG_ATT_XDP)
			return tcx_detach(j);
		ret = eg_tc_detach(&a->tc, a->note, sizeof(a->note));
		if (ret && ret != -ENOENT)
			snprintf(j->err, j->errlen, "clsact on %s: %s", a->where.dev, a->note);
		return ret;
	}
	if (a->hook == EG_ATT_TCX || a->hook == EG_ATT_XDP) {
		ret = tcx_adopt(j);
	} else {
		ret = eg_tc_replace(&a->tc, j->L->prog_fd, EG_PROG_NAME, a->note, sizeof(a->note));
		if (ret && ret != -ENOENT && ret != -ENODEV)
			snprintf(j->err, j->errlen, "clsact on %s: %s", a->where.dev, a->note);
	}
	if (!ret)
		ingress_adopt(j);
	return ret == -ENODEV ? -ENOENT : ret;
}

int eg_attach(struct eg_loader *L, const struct eg_target *t, struct eg_attachment *a, char *err,
	      size_t errlen)
{
	struct att_job j = { .L = L, .a = a, .op = OP_ATTACH, .err = err, .errlen = errlen };

	memset(a, 0, sizeof(*a));
	a->t = *t;
	if (t->hook == EG_HOOKP_XDP && !L->feat.xdp) {
		snprintf(err, errlen, "the XDP guard is not loaded on this kernel (%s; needs 5.18); "
				      "use --hook tcx or tc",
			 L->feat.kernel);
		return -EOPNOTSUPP;
	}
	if (t->hook == EG_HOOKP_TCX && !L->feat.tcx) {
		snprintf(err, errlen, "this kernel (%s) has no tcx (needs 6.6); use --hook tc",
			 L->feat.kernel);
		return -EOPNOTSUPP;
	}
	a->hook = eg_resolve_hook(L, t->hook);
	a->where = *t;
	/*
	 * XDP guards a namespace from outside it: on the host side of its veth,
	 * which sees every frame the namespace sends, however it was sent. On a
	 * host device it is a gateway's ingress.
	 */
	if (a->hook == EG_ATT_XDP && t->kind != EG_TGT_HOST) {
		int ret = eg_veth_peer(t, &a->where, err, errlen);

		if (ret)
			return ret;
	}
	return eg_netns_run(&a->where, att_job_run, &j, err, errlen);
}

int eg_detach(struct eg_loader *L, struct eg_attachment *a, char *err, size_t errlen)
{
	struct att_job j = { .L = L, .a = a, .op = OP_DETACH, .err = err, .errlen = errlen };
	int ret;

	if (!a->hook)
		return 0; /* pending: nothing in the kernel */
	ret = eg_netns_run(&a->where, att_job_run, &j, err, errlen);

	/* A namespace or device that is gone took our hook with it. */
	if (ret == -ENOENT || ret == -ENODEV) {
		eg_attach_release(L, a);
		return 0;
	}
	return ret;
}

int eg_attach_check(struct eg_loader *L, struct eg_attachment *a)
{
	char err[256];
	struct att_job j = { .L = L, .a = a, .op = OP_CHECK, .err = err, .errlen = sizeof(err) };
	int ret = eg_netns_run(&a->where, att_job_run, &j, err, sizeof(err));

	return ret == -ENODEV ? -ENOENT : ret;
}

void eg_attach_release(struct eg_loader *L, struct eg_attachment *a)
{
	if (a->hook == EG_ATT_TCX || a->hook == EG_ATT_XDP) {
		char path[PATH_MAX + 64];

		link_pin_path(L, a, path, sizeof(path));
		unlink(path);
		in_pin_path(L, a, path, sizeof(path));
		unlink(path);
	}
	a->has_in = false;
	memset(&a->tc_in, 0, sizeof(a->tc_in));
	a->hook = 0;
	a->ifindex = 0;
	a->netns_ino = 0;
	a->netns_cookie = 0;
	memset(&a->tc, 0, sizeof(a->tc));
}

int eg_attach_adopt(struct eg_loader *L, struct eg_attachment *a, char *err, size_t errlen)
{
	struct att_job j = { .L = L, .a = a, .op = OP_ADOPT, .err = err, .errlen = errlen };
	int ret = eg_netns_run(&a->where, att_job_run, &j, err, errlen);

	if (ret == -ENODEV)
		ret = -ENOENT;
	return ret;
}
