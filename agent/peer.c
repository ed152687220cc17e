// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/net_namespace.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "netlink.h"
#include "netns.h"
#include "peer.h"

struct link_q {
	int ifindex;            /* wanted, or 0 to match by name */
	const char *name;
	bool found;
	int index, link;        /* what the kernel says */
	int link_nsid;          /* namespace of the peer, as this one numbers it; -1: this one */
	char ifname[IF_NAMESIZE];
	char kind[16];
};

static int kind_cb(const struct nlattr *a, void *data)
{
	struct link_q *q = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
		snprintf(q->kind, sizeof(q->kind), "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int attr_cb(const struct nlattr *a, void *data)
{
	struct link_q *q = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		snprintf(q->ifname, sizeof(q->ifname), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_LINK:
		q->link = mnl_attr_get_u32(a);
		break;
	case IFLA_LINK_NETNSID:
		q->link_nsid = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		mnl_attr_parse_nested(a, kind_cb, q);
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link_q *q = data, r = *q;

	if (q->found || (q->ifindex && ifi->ifi_index != q->ifindex))
		return MNL_CB_OK;
	r.link = 0;
	r.link_nsid = -1;
	r.kind[0] = r.ifname[0] = '\0';
	mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, &r);
	if (!q->ifindex && strcmp(r.ifname, q->name))
		return MNL_CB_OK;
	r.found = true;
	r.index = ifi->ifi_index;
	*q = r;
	return MNL_CB_OK;
}

/* Runs in the namespace being asked. */
static int query_link(void *arg)
{
	char buf[EG_NL_BUF_SIZE], msg[256];
	struct eg_nl *nl;
	int err;

	err = eg_nl_open(&nl);
	if (err)
		return err;
	err = eg_nl_dump(nl, eg_nl_build_link_get(buf, 0), link_cb, arg, msg, sizeof(msg));
	eg_nl_close(nl);
	return err;
}

/* The id the asking namespace gives the namespace of fd: RTM_GETNSID. */
struct nsid_q {
	int fd;
	int nsid;
};

static int nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct rtgenmsg))
		if (mnl_attr_get_type(a) == NETNSA_NSID)
			*(int *)data = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int query_nsid(void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nsid_q *q = arg;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	int ret, err = 0;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID)) {
		err = -errno;
		goto out;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, q->fd);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (ret < 0) {
		err = -errno;
		goto out;
	}
	q->nsid = -1;
	if (mnl_cb_run(buf, ret, 1, mnl_socket_get_portid(nl), nsid_cb, &q->nsid) < 0)
		err = -errno;
out:
	mnl_socket_close(nl);
	return err;
}

/*
 * Is ns the namespace self's link points to? Indexes repeat from one
 * namespace to the next; the id the veth's own namespace gives the other
 * one does not.
 */
static bool is_peer_ns(const struct eg_target *self_ns, const struct link_q *self,
		       const struct eg_target *ns)
{
	struct nsid_q q = { .nsid = -1 };
	char err[256];
	bool ok;

	q.fd = eg_netns_open(ns, err, sizeof(err));
	if (q.fd < 0)
		return false;
	ok = !eg_netns_run(self_ns, query_nsid, &q, err, sizeof(err)) && q.nsid >= 0 &&
	     q.nsid == self->link_nsid;
	close(q.fd);
	return ok;
}

static bool peer_in(const struct eg_target *ns, const struct link_q *self, struct eg_target *peer)
{
	struct link_q q = { .ifindex = self->link };
	char err[256];

	if (eg_netns_run(ns, query_link, &q, err, sizeof(err)) || !q.found)
		return false;
	if (strcmp(q.kind, "veth") || q.link != self->index)
		return false;
	*peer = *ns;
	snprintf(peer->dev, sizeof(peer->dev), "%s", q.ifname);
	return true;
}

bool eg_is_veth_here(const char *dev)
{
	struct link_q q = { .name = dev, .link_nsid = -1 };

	return !query_link(&q) && q.found && !strcmp(q.kind, "veth");
}

int eg_veth_peer(const struct eg_target *t, struct eg_target *peer, char *err, size_t errlen)
{
	struct link_q self = { .name = t->dev, .link_nsid = -1 };
	struct eg_target ns = { .kind = EG_TGT_HOST };
	struct dirent *de;
	DIR *d;
	int ret;

	ret = eg_netns_run(t, query_link, &self, err, errlen);
	if (ret)
		return ret;
	if (!self.found) {
		snprintf(err, errlen, "no interface '%s' there", t->dev);
		return -ENODEV;
	}
	if (strcmp(self.kind, "veth") || !self.link) {
		snprintf(err, errlen, "%s is not a veth (kind '%s'): it has no host side to guard",
			 t->dev, self.kind);
		return -EOPNOTSUPP;
	}
	if (self.link_nsid < 0) {
		/* Both ends in one namespace. */
		if (peer_in(t, &self, peer))
			return 0;
		snprintf(err, errlen, "the peer of %s is not where its link says", t->dev);
		return -ENOENT;
	}
	/* Most deploy namespaces hang off the host; look there first. */
	if (is_peer_ns(t, &self, &ns) && peer_in(&ns, &self, peer))
		return 0;
	d = opendir("/run/netns");
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(ns.netns))
			continue;
		ns.kind = EG_TGT_NETNS;
		snprintf(ns.netns, sizeof(ns.netns), "%s", de->d_name);
		if (t->kind == EG_TGT_NETNS && !strcmp(t->netns, de->d_name))
			continue;
		if (is_peer_ns(t, &self, &ns) && peer_in(&ns, &self, peer)) {
			closedir(d);
			return 0;
		}
	}
	if (d)
		closedir(d);
	snprintf(err, errlen, "the peer of %s (ifindex %d) is in no namespace egressd can see",
		 t->dev, self.link);
	return -ENOENT;
}
