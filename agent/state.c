// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

#define STATE_FILE "attachments"
#define STATE_VERSION "egressgate-state-4"

int eg_att_list_add(struct eg_att_list *l, const struct eg_attachment *a)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		void *nv = realloc(l->v, ncap * sizeof(*l->v));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = *a;
	return 0;
}

void eg_att_list_del(struct eg_att_list *l, size_t i)
{
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
	l->n--;
}

void eg_att_list_free(struct eg_att_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int eg_state_save(const char *run_dir, const struct eg_att_list *l)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	size_t i;
	int err;

	snprintf(path, sizeof(path), "%s/%s", run_dir, STATE_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		err = -errno;
		pr_err("cannot write %s: %s", tmp, strerror(-err));
		return err;
	}
	fprintf(f, "%s\n", STATE_VERSION);
	for (i = 0; i < l->n; i++) {
		const struct eg_attachment *a = &l->v[i];

		/* Names were validated: no blanks inside them. */
		fprintf(f, "%d %d %s %d %s %d %llu %llu %u %u %d %d %d %d %u %u %d %d %s %d %s %d\n",
			a->hook, a->t.kind,
			a->t.netns[0] ? a->t.netns : "-", a->t.pid, a->t.dev, a->ifindex,
			(unsigned long long)a->netns_ino, (unsigned long long)a->netns_cookie,
			a->tc.prio, a->tc.handle, a->tc.qdisc_created, a->from_policy, a->t.hook,
			a->has_in, a->tc_in.prio, a->tc_in.handle, a->tc_in.qdisc_created,
			a->where.kind, a->where.netns[0] ? a->where.netns : "-", a->where.pid,
			a->where.dev[0] ? a->where.dev : "-", a->xdp_generic);
	}
	if (fflush(f) || fsync(fileno(f))) {
		err = -errno;
		fclose(f);
		unlink(tmp);
		return err;
	}
	fclose(f);
	if (rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
		return err;
	}
	return 0;
}

int eg_state_load(const char *run_dir, struct eg_att_list *l)
{
	char path[PATH_MAX], line[512];
	FILE *f;
	int lineno = 0, err = 0;
	bool v1 = false, v2 = false, v3 = false; /* older records: fewer fields */

	snprintf(path, sizeof(path), "%s/%s", run_dir, STATE_FILE);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		struct eg_attachment a = {};
		unsigned long long ino, cookie;
		unsigned prio, handle;
		int qc, fp, has_in = 0, in_qc = 0, n, xg = 0;
		char wns[EG_NETNS_NAME_MAX + 1] = "-", wdev[IF_NAMESIZE + 1] = "-";
		unsigned in_prio = 0, in_handle = 0;
		char ns[EG_NETNS_NAME_MAX + 1], dev[IF_NAMESIZE + 1];

		if (++lineno == 1) {
			v1 = !strncmp(line, "egressgate-state-1", 18);
			v2 = !strncmp(line, "egressgate-state-2", 18);
			v3 = !strncmp(line, "egressgate-state-3", 18);
			if (!v1 && !v2 && !v3 && strncmp(line, STATE_VERSION, strlen(STATE_VERSION))) {
				pr_err("%s: unknown format; it records what egressgate attached: "
				       "fix or remove it", path);
				err = -EPROTO;
				break;
			}
			continue;
		}
		n = sscanf(line, "%d %d %64s %d %16s %d %llu %llu %u %u %d %d %d %d %u %u %d %d %64s %d "
				 "%16s %d",
			   &a.hook, &a.t.kind, ns, &a.t.pid, dev, &a.ifindex, &ino, &cookie, &prio,
			   &handle, &qc, &fp, &a.t.hook, &has_in, &in_prio, &in_handle, &in_qc,
			   &a.where.kind, wns, &a.where.pid, wdev, &xg);
		if (n != (v1 ? 12 : v2 ? 13 : v3 ? 17 : 22) || strlen(wns) >= sizeof(a.where.netns) ||
		    strlen(wdev) >= sizeof(a.where.dev) ||
		    strlen(ns) >= sizeof(a.t.netns) || strlen(dev) >= sizeof(a.t.dev)) {
			pr_err("%s:%d: unreadable line; fix or remove the file", path, lineno);
			err = -EPROTO;
			break;
		}
		strcpy(a.t.netns, strcmp(ns, "-") ? ns : "");
		strcpy(a.t.dev, dev);
		if (n == 22) {
			strcpy(a.where.netns, strcmp(wns, "-") ? wns : "");
			strcpy(a.where.dev, strcmp(wdev, "-") ? wdev : "");
			a.xdp_generic = xg;
		} else {
			a.where = a.t; /* before XDP, the hook was always on the target */
		}
		a.netns_ino = ino;
		a.netns_cookie = cookie;
		a.tc.ifindex = a.ifindex;
		a.has_in = has_in;
		a.tc_in.ifindex = a.ifindex;
		a.tc_in.prio = in_prio;
		a.tc_in.handle = in_handle;
		a.tc_in.qdisc_created = in_qc;
		a.tc_in.ingress = true;
		a.tc.prio = prio;
		a.tc.handle = handle;
		a.tc.qdisc_created = qc;
		a.from_policy = fp;
		err = eg_att_list_add(l, &a);
		if (err)
			break;
	}
	fclose(f);
	return err;
}
