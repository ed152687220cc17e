// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The control socket: one request per connection, answered with DATA frames
 * and an END frame (lib/ctl.h). Requests are bounded, peers must be root,
 * and a malformed request gets an error while the daemon serves on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "ctl.h"
#include "daemon.h"
#include "learned.h"
#include "log.h"

struct req {
	struct eg_daemon *D;
	int fd;
	int argc;
	char **argv;
	bool json;
	struct eg_buf out;
	char err[512];
};

static const char *opt(struct req *q, const char *key)
{
	return eg_ctl_opt(q->argc, q->argv, key);
}

static int fail(struct req *q, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct req *q, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err, sizeof(q->err), fmt, ap);
	va_end(ap);
	return err;
}

static __u64 sum_percpu(int fd, __u32 key)
{
	int n = eg_ncpus(), i;
	__u64 v[n > 0 ? n : 1], s = 0;

	if (n <= 0 || bpf_map_lookup_elem(fd, &key, v))
		return 0;
	for (i = 0; i < n; i++)
		s += v[i];
	return s;
}

static const char *mode_name(int m)
{
	return m == EG_MODE_MONITOR ? "monitor" : "enforce";
}

static const char *default_name(int a)
{
	return a == EG_ACT_BLOCK || a == EG_ACT_DROP ? "deny" : "allow";
}

static void att_describe(const struct eg_attachment *a, char *buf, size_t len)
{
	char t[128];

	eg_target_format(&a->t, t, sizeof(t));
	if (!a->hook)
		snprintf(buf, len, "%s pending: %.160s", t,
			 a->last_err[0] ? a->last_err : "namespace or device missing");
	else if (a->hook == EG_ATT_TC)
		snprintf(buf, len, "%s tc ifindex %d prio 0x%x%s", t, a->ifindex, a->tc.prio,
			 a->tc.qdisc_created ? "" : " (clsact not ours)");
	else if (a->hook == EG_ATT_XDP) {
		char w[128];

		eg_target_format(&a->where, w, sizeof(w));
		snprintf(buf, len, "%s xdp (%s) on %s ifindex %d%s", t,
			 a->xdp_generic ? "generic" : "native", w, a->ifindex,
			 a->has_in ? "" : " (DNS answers not read)");
	} else {
		snprintf(buf, len, "%s tcx ifindex %d", t, a->ifindex);
	}
}

static int cmd_status(struct req *q)
{
	struct eg_daemon *D = q->D;
	struct eg_buf *b = &q->out;
	const char *hook_auto = D->L.feat.tcx ? "tcx" : "tc";
	size_t i;
	int s;

	if (!q->json) {
		eg_buf_printf(b, "egressd: pid %d, up %lds, policy %s, %lu reloads\n", getpid(),
			      (long)(time(NULL) - D->started), D->config, D->reloads);
		eg_buf_printf(b, "kernel: %s; tcx %s; clsact available; xdp guard %s; netns cookies "
				 "%s; hook auto = %s\n",
			      D->L.feat.kernel, D->L.feat.tcx ? "available" : "not available",
			      D->L.feat.xdp ? "available" : "not available (needs 5.18)",
			      D->L.feat.netns_cookie ? "available" : "not available", hook_auto);
		eg_buf_printf(b, "attribution: %s\n",
			      D->L.feat.attribution ? "on (cgroup socket hooks)" :
						      "off (no cgroup v2 hooks)");
		eg_buf_printf(b, "mode: %s\ndefault: %s\n", mode_name(D->R.mode),
			      default_name(D->R.default_action));
		eg_buf_printf(b, "rules: %zu IPv4 (capacity %u), %zu IPv6 (capacity %u), %zu names "
				 "(capacity %u)\n",
			      D->R.n4, EG_MAX_V4_RULES, D->R.n6, EG_MAX_V6_RULES, D->R.N.n,
			      EG_MAX_NAME_RULES);
		eg_buf_printf(b, "dns: refused queries answered %s; quic %s\n",
			      D->R.dns_rcode == EG_DNS_NXDOMAIN ? "NXDOMAIN" : "REFUSED",
			      D->R.quic_block ? "blocked (clients fall back to TCP)" : "allowed");
		eg_buf_printf(b, "attachments: %zu\n", D->atts.n);
		for (i = 0; i < D->atts.n; i++) {
			char d[512];

			att_describe(&D->atts.v[i], d, sizeof(d));
			eg_buf_printf(b, "  %s\n", d);
		}
		eg_buf_printf(b, "counters:\n");
		for (s = 0; s < EG_S_MAX; s++)
			eg_buf_printf(b, "  %-16s %llu\n", eg_stat_name(s),
				      (unsigned long long)sum_percpu(D->L.fd_stats, s));
		eg_buf_printf(b, "reasons:\n");
		for (s = 1; s < EG_R_MAX; s++)
			eg_buf_printf(b, "  %-16s %llu\n", eg_reason_name(s),
				      (unsigned long long)sum_percpu(D->L.fd_reasons, s));
		eg_buf_printf(b, "events: %llu received\n", (unsigned long long)eg_events_total(D->ev));
		return 0;
	}
	eg_buf_printf(b, "{\"pid\":%d,\"uptime_s\":%ld,\"policy\":", getpid(),
		      (long)(time(NULL) - D->started));
	eg_buf_json_str(b, D->config);
	eg_buf_printf(b, ",\"reloads\":%lu,\"kernel\":", D->reloads);
	eg_buf_json_str(b, D->L.feat.kernel);
	eg_buf_printf(b, ",\"features\":{\"tcx\":%s,\"clsact\":true,\"netns_cookie\":%s,\"attribution\":%s,\"xdp\":%s},"
			 "\"hook_auto\":\"%s\",\"mode\":\"%s\",\"default\":\"%s\","
			 "\"rules\":{\"ipv4\":%zu,\"ipv6\":%zu,\"ipv4_capacity\":%u,"
			 "\"ipv6_capacity\":%u,\"names\":%zu,\"names_capacity\":%u},"
			 "\"dns_rcode\":\"%s\",\"quic\":\"%s\",\"attachments\":[",
		      D->L.feat.tcx ? "true" : "false", D->L.feat.netns_cookie ? "true" : "false",
		      D->L.feat.attribution ? "true" : "false", D->L.feat.xdp ? "true" : "false",
		      hook_auto, mode_name(D->R.mode),
		      default_name(D->R.default_action), D->R.n4, D->R.n6, EG_MAX_V4_RULES,
		      EG_MAX_V6_RULES, D->R.N.n, EG_MAX_NAME_RULES,
		      D->R.dns_rcode == EG_DNS_NXDOMAIN ? "nxdomain" : "refused",
		      D->R.quic_block ? "block" : "allow");
	for (i = 0; i < D->atts.n; i++) {
		const struct eg_attachment *a = &D->atts.v[i];

		eg_buf_printf(b, "%s{\"dev\":", i ? "," : "");
		eg_buf_json_str(b, a->t.dev);
		eg_buf_printf(b, ",\"netns\":");
		eg_buf_json_str(b, a->t.netns);
		eg_buf_printf(b, ",\"pid\":%d,\"hook\":\"%s\",\"ifindex\":%d,\"prio\":%u,"
				 "\"qdisc_created\":%s,\"from_policy\":%s}",
			      a->t.pid, a->hook ? eg_att_hook_name(a->hook) : "pending", a->ifindex,
			      a->hook == EG_ATT_TC ? a->tc.prio : 0,
			      a->tc.qdisc_created ? "true" : "false",
			      a->from_policy ? "true" : "false");
	}
	eg_buf_printf(b, "],\"counters\":{");
	for (s = 0; s < EG_S_MAX; s++)
		eg_buf_printf(b, "%s\"%s\":%llu", s ? "," : "", eg_stat_name(s),
			      (unsigned long long)sum_percpu(D->L.fd_stats, s));
	eg_buf_printf(b, "},\"reasons\":{");
	for (s = 1; s < EG_R_MAX; s++)
		eg_buf_printf(b, "%s\"%s\":%llu", s > 1 ? "," : "", eg_reason_name(s),
			      (unsigned long long)sum_percpu(D->L.fd_reasons, s));
	eg_buf_printf(b, "},\"events\":%llu}\n", (unsigned long long)eg_events_total(D->ev));
	return 0;
}

static int req_target(struct req *q, struct eg_target *t)
{
	const char *dev = opt(q, "dev"), *ns = opt(q, "netns"), *pid = opt(q, "pid"),
		   *hook = opt(q, "hook");
	char msg[256], *end;

	memset(t, 0, sizeof(*t));
	if (!dev)
		return fail(q, -EINVAL, "missing dev=");
	if (eg_dev_name_check(dev, msg, sizeof(msg)))
		return fail(q, -EINVAL, "%s", msg);
	strcpy(t->dev, dev);
	if (ns && pid)
		return fail(q, -EINVAL, "give netns or pid, not both");
	if (ns) {
		if (eg_netns_name_check(ns, msg, sizeof(msg)))
			return fail(q, -EINVAL, "%s", msg);
		t->kind = EG_TGT_NETNS;
		strcpy(t->netns, ns);
	} else if (pid) {
		long v = strtol(pid, &end, 10);

		if (*end || v <= 0 || v > 0x3fffffff)
			return fail(q, -EINVAL, "'%s' is not a process id", pid);
		t->kind = EG_TGT_PID;
		t->pid = v;
	}
	if (hook) {
		t->hook = eg_hook_pref_parse(hook);
		if (t->hook < 0)
			return fail(q, -EINVAL, "hook must be auto, tcx, tc or xdp");
	}
	return 0;
}

static ssize_t find_att(struct eg_daemon *D, const struct eg_target *t)
{
	size_t i;

	for (i = 0; i < D->atts.n; i++)
		if (eg_target_same(&D->atts.v[i].t, t))
			return i;
	return -1;
}

static int cmd_attach(struct req *q)
{
	struct eg_daemon *D = q->D;
	struct eg_attachment a;
	struct eg_target t;
	char name[128];
	int err;

	err = req_target(q, &t);
	if (err)
		return err;
	eg_target_format(&t, name, sizeof(name));
	if (find_att(D, &t) >= 0)
		return fail(q, -EEXIST, "%s is already attached", name);
	err = eg_attach(&D->L, &t, &a, q->err, sizeof(q->err));
	if (err)
		return err;
	err = eg_att_list_add(&D->atts, &a);
	if (err) {
		eg_detach(&D->L, &a, q->err, sizeof(q->err));
		return fail(q, err, "out of memory");
	}
	eg_daemon_save(D);
	pr_info("attached to %s (%s, ifindex %d)%s%s", name, eg_att_hook_name(a.hook), a.ifindex,
		a.note[0] ? ": " : "", a.note);
	eg_buf_printf(&q->out, "attached to %s (%s)\n", name, eg_att_hook_name(a.hook));
	if (a.note[0])
		eg_buf_printf(&q->out, "note: %s\n", a.note);
	return 0;
}

static int cmd_detach(struct req *q)
{
	struct eg_daemon *D = q->D;
	struct eg_target t;
	char name[128];
	ssize_t i;
	int err;

	if (opt(q, "all")) {
		size_t n = D->atts.n;

		while (D->atts.n) {
			struct eg_attachment *a = &D->atts.v[D->atts.n - 1];

			eg_target_format(&a->t, name, sizeof(name));
			err = eg_detach(&D->L, a, q->err, sizeof(q->err));
			if (err) {
				eg_daemon_save(D);
				return err;
			}
			pr_info("detached from %s", name);
			eg_att_list_del(&D->atts, D->atts.n - 1);
		}
		eg_daemon_save(D);
		eg_buf_printf(&q->out, "detached %zu attachment%s\n", n, n == 1 ? "" : "s");
		return 0;
	}
	err = req_target(q, &t);
	if (err)
		return err;
	eg_target_format(&t, name, sizeof(name));
	i = find_att(D, &t);
	if (i < 0)
		return fail(q, -ENOENT, "%s is not attached", name);
	err = eg_detach(&D->L, &D->atts.v[i], q->err, sizeof(q->err));
	if (err)
		return err;
	eg_att_list_del(&D->atts, i);
	eg_daemon_save(D);
	pr_info("detached from %s", name);
	eg_buf_printf(&q->out, "detached from %s\n", name);
	return 0;
}

/* comment= checked as the policy file checks it, copied into dst. */
static int req_comment(struct req *q, const char *comment, char *dst)
{
	if (!comment)
		return 0;
	if (eg_comment_check(comment, q->err, sizeof(q->err)))
		return -EINVAL;
	strcpy(dst, comment);
	return 0;
}

static int rule_added(struct req *q, __u32 id, int act, const char *what)
{
	pr_info("rule %u: %s %s (runtime)", id, eg_action_name(act), what);
	eg_buf_printf(&q->out, "rule %u: %s %s\n", id, eg_action_name(act), what);
	return 0;
}

static int cmd_rule_name(struct req *q, int act, const char *name, const char *comment)
{
	struct eg_nrule r = { .action = act };
	char s[EG_NAME_BUF + 16];
	__u32 id;
	int err;

	if (eg_name_parse(name, &r.pat, q->err, sizeof(q->err)))
		return -EINVAL;
	err = req_comment(q, comment, r.comment) ?:
	      eg_rules_set_name(&q->D->R, &q->D->L, &r, &id, q->err, sizeof(q->err));
	if (err)
		return err;
	memcpy(s, "name ", 5);
	eg_name_format(&r.pat, s + 5, sizeof(s) - 5);
	return rule_added(q, id, act, s);
}

static int cmd_rule(struct req *q)
{
	const char *action = opt(q, "action"), *prefix = opt(q, "prefix"),
		   *comment = opt(q, "comment"), *name = opt(q, "name");
	struct eg_rule r = {};
	char s[EG_PREFIX_STR];
	int act, err;
	__u32 id;

	if (!action || (act = eg_action_parse(action)) < 0)
		return fail(q, -EINVAL, "action must be block, drop, allow or monitor");
	if (name && prefix)
		return fail(q, -EINVAL, "give prefix= or name=, not both");
	if (name)
		return cmd_rule_name(q, act, name, comment);
	if (!prefix)
		return fail(q, -EINVAL, "missing prefix= or name=");
	if (eg_prefix_parse(prefix, &r.pfx, q->err, sizeof(q->err)))
		return -EINVAL;
	r.action = act;
	err = req_comment(q, comment, r.comment) ?:
	      eg_rules_set(&q->D->R, &q->D->L, &r, &id, q->err, sizeof(q->err));
	if (err)
		return err;
	eg_prefix_format(&r.pfx, s, sizeof(s));
	return rule_added(q, id, act, s);
}

static int cmd_unblock_name(struct req *q, const char *name)
{
	struct eg_name_pat pat;
	struct eg_nentry old;
	char s[EG_NAME_BUF + 8];
	__u64 pk = 0, by = 0;
	int err;

	if (eg_name_parse(name, &pat, q->err, sizeof(q->err)))
		return -EINVAL;
	if (eg_names_find(&q->D->R.N, &pat))
		eg_rules_hits(&q->D->L, eg_names_find(&q->D->R.N, &pat)->id, &pk, &by);
	err = eg_rules_remove_name(&q->D->R, &q->D->L, &pat, &old, q->err, sizeof(q->err));
	if (err)
		return err;
	eg_name_format(&pat, s, sizeof(s));
	pr_info("rule %u removed: %s name %s, %llu hits", old.id, eg_action_name(old.r.action), s,
		(unsigned long long)pk);
	eg_buf_printf(&q->out, "removed rule %u: %s name %s (%llu packets)\n", old.id,
		      eg_action_name(old.r.action), s, (unsigned long long)pk);
	return 0;
}

static int cmd_unblock(struct req *q)
{
	const char *prefix = opt(q, "prefix");

	if (opt(q, "name"))
		return cmd_unblock_name(q, opt(q, "name"));
	struct eg_rentry old;
	struct eg_prefix p;
	__u64 pk = 0, by = 0;
	char s[EG_PREFIX_STR];
	int err;

	if (!prefix)
		return fail(q, -EINVAL, "missing prefix= or name=");
	if (eg_prefix_parse(prefix, &p, q->err, sizeof(q->err)))
		return -EINVAL;
	if (eg_rules_find(&q->D->R, &p))
		eg_rules_hits(&q->D->L, eg_rules_find(&q->D->R, &p)->id, &pk, &by);
	err = eg_rules_remove(&q->D->R, &q->D->L, &p, &old, q->err, sizeof(q->err));
	if (err)
		return err;
	eg_prefix_format(&p, s, sizeof(s));
	pr_info("rule %u removed: %s %s, %llu hits", old.id, eg_action_name(old.r.action), s,
		(unsigned long long)pk);
	eg_buf_printf(&q->out, "removed rule %u: %s %s (%llu packets)\n", old.id,
		      eg_action_name(old.r.action), s, (unsigned long long)pk);
	return 0;
}

static int cmd_rules(struct req *q)
{
	struct eg_nentry **names;
	size_t n, i, nn, k;
	struct eg_rentry **v;
	struct eg_buf *b = &q->out;

	if (opt(q, "learned")) {
		int err = eg_learned_list(&q->D->L, b, q->json);

		return err ? fail(q, err, "reading the learned addresses: %s", strerror(-err)) : 0;
	}
	v = eg_rules_sorted(&q->D->R, &n);
	if (!v)
		return fail(q, -ENOMEM, "out of memory");
	if (q->json)
		eg_buf_printf(b, "[");
	else
		eg_buf_printf(b, "%-6s %-8s %-40s %12s %14s  %s\n", "ID", "ACTION",
			      "PREFIX / NAME", "PACKETS", "BYTES", "COMMENT");
	for (i = 0; i < n; i++) {
		char s[EG_PREFIX_STR];
		__u64 pk, by;

		eg_prefix_format(&v[i]->r.pfx, s, sizeof(s));
		eg_rules_hits(&q->D->L, v[i]->id, &pk, &by);
		if (!q->json) {
			eg_buf_printf(b, "%-6u %-8s %-40s %12llu %14llu  %s\n", v[i]->id,
				      eg_action_name(v[i]->r.action), s, (unsigned long long)pk,
				      (unsigned long long)by, v[i]->r.comment);
			continue;
		}
		eg_buf_printf(b, "%s{\"id\":%u,\"action\":\"%s\",\"prefix\":\"%s\",\"packets\":%llu,"
				 "\"bytes\":%llu,\"line\":%d,\"comment\":",
			      i ? "," : "", v[i]->id, eg_action_name(v[i]->r.action), s,
			      (unsigned long long)pk, (unsigned long long)by, v[i]->r.line);
		eg_buf_json_str(b, v[i]->r.comment);
		eg_buf_printf(b, "}");
	}
	free(v);
	names = eg_rules_sorted_names(&q->D->R, &nn);
	if (!names)
		return fail(q, -ENOMEM, "out of memory");
	for (k = 0; k < nn; k++) {
		char s[EG_NAME_BUF + 8];
		__u64 pk, by;

		eg_name_format(&names[k]->r.pat, s, sizeof(s));
		eg_rules_hits(&q->D->L, names[k]->id, &pk, &by);
		if (!q->json) {
			eg_buf_printf(b, "%-6u %-8s name %-35s %12llu %14llu  %s\n", names[k]->id,
				      eg_action_name(names[k]->r.action), s, (unsigned long long)pk,
				      (unsigned long long)by, names[k]->r.comment);
			continue;
		}
		eg_buf_printf(b, "%s{\"id\":%u,\"action\":\"%s\",\"name\":", n + k ? "," : "",
			      names[k]->id, eg_action_name(names[k]->r.action));
		eg_buf_json_str(b, s);
		eg_buf_printf(b, ",\"packets\":%llu,\"bytes\":%llu,\"line\":%d,\"comment\":",
			      (unsigned long long)pk, (unsigned long long)by, names[k]->r.line);
		eg_buf_json_str(b, names[k]->r.comment);
		eg_buf_printf(b, "}");
	}
	free(names);
	if (q->json)
		eg_buf_printf(b, "]\n");
	return 0;
}

static int cmd_events(struct req *q)
{
	const char *count = opt(q, "count");
	int n = count ? atoi(count) : 0;

	if (count && n <= 0)
		return fail(q, -EINVAL, "count must be a positive number");
	eg_events_backlog(q->D->ev, &q->out, q->json, n);
	return 0;
}

static int cmd_mode(struct req *q)
{
	const char *v = opt(q, "value");
	int mode, err;

	if (!v || (strcmp(v, "enforce") && strcmp(v, "monitor")))
		return fail(q, -EINVAL, "mode must be enforce or monitor");
	mode = strcmp(v, "enforce") ? EG_MODE_MONITOR : EG_MODE_ENFORCE;
	err = eg_rules_set_config(&q->D->R, &q->D->L, mode, q->D->R.default_action);
	if (err)
		return fail(q, err, "updating the configuration map failed: %s", strerror(-err));
	pr_info("mode %s", v);
	eg_buf_printf(&q->out, "mode %s\n", v);
	return 0;
}

static int cmd_default(struct req *q)
{
	const char *v = opt(q, "value");
	int act, err;

	if (!v || (strcmp(v, "allow") && strcmp(v, "deny")))
		return fail(q, -EINVAL, "default must be allow or deny");
	act = strcmp(v, "allow") ? EG_ACT_BLOCK : EG_ACT_ALLOW;
	err = eg_rules_set_config(&q->D->R, &q->D->L, q->D->R.mode, act);
	if (err)
		return fail(q, err, "updating the configuration map failed: %s", strerror(-err));
	pr_info("default %s", v);
	eg_buf_printf(&q->out, "default %s\n", v);
	return 0;
}

static int cmd_reload(struct req *q)
{
	return eg_daemon_reload(q->D, &q->out, q->err, sizeof(q->err));
}

static const struct {
	const char *verb;
	int (*fn)(struct req *q);
} commands[] = {
	{ "status", cmd_status },   { "attach", cmd_attach }, { "detach", cmd_detach },
	{ "rule", cmd_rule },	    { "unblock", cmd_unblock }, { "rules", cmd_rules },
	{ "events", cmd_events },   { "mode", cmd_mode },	{ "default", cmd_default },
	{ "reload", cmd_reload },
};

/* Root, or a member of the configured group (primary or supplementary). */
static bool peer_allowed(struct eg_daemon *D, int fd, const struct ucred *cred)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);
	size_t i;

	if (cred->uid == 0)
		return true;
	if (D->sock_gid < 0)
		return false;
	if (cred->gid == (gid_t)D->sock_gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return false;
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == (gid_t)D->sock_gid)
			return true;
	return false;
}

int eg_control_listen(struct eg_daemon *D)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, err;

	snprintf(D->sock_path, sizeof(D->sock_path), "%s/egressd.sock", D->run_dir);
	if (strlen(D->sock_path) >= sizeof(sun.sun_path)) {
		pr_err("control socket path %s is too long", D->sock_path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, D->sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* We hold the run-directory lock, so an existing socket is stale. */
	unlink(D->sock_path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    (D->sock_gid >= 0 && chown(D->sock_path, 0, D->sock_gid)) ||
	    chmod(D->sock_path, D->sock_gid >= 0 ? 0660 : 0600) ||
	    listen(fd, 16)) {
		err = -errno;
		pr_err("control socket %s: %s", D->sock_path, strerror(-err));
		close(fd);
		return err;
	}
	/* Group members must be able to reach the socket, not read the directory. */
	if (D->sock_gid >= 0 && chmod(D->run_dir, 0711))
		pr_warn("cannot open %s to group members: %s", D->run_dir, strerror(errno));
	D->listen_fd = fd;
	return 0;
}

bool eg_control_serve(struct eg_daemon *D, int fd)
{
	struct req q = { .D = D, .fd = fd };
	struct timeval tv = { .tv_sec = 2 };
	char buf[EG_CTL_MAX_FRAME + 1], *argv[EG_CTL_MAX_ARGS];
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	size_t len, i;
	int type, err;
	bool follow = false;

	/* A half-written request must not hold the daemon for long. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) || !peer_allowed(D, fd, &cred)) {
		pr_warn("control: refused a client with uid %d gid %d", (int)cred.uid, (int)cred.gid);
		eg_ctl_send_end(fd, EPERM, "permission denied: egressd accepts root%s only",
				D->sock_gid >= 0 ? " and its control group" : "");
		goto out;
	}
	err = eg_ctl_read_frame(fd, &type, buf, EG_CTL_MAX_FRAME, &len);
	if (err) {
		eg_ctl_send_end(fd, -err, "bad request: %s", err == -EMSGSIZE ? "too large" :
							   err == -EAGAIN ? "timed out" :
									    strerror(-err));
		goto out;
	}
	buf[len] = '\0';
	if (type != EG_CTL_REQ ||
	    eg_ctl_decode(buf, len, argv, EG_CTL_MAX_ARGS, &q.argc)) {
		eg_ctl_send_end(fd, EPROTO, "bad request: not a well-formed request frame");
		goto out;
	}
	q.argv = argv;
	q.json = opt(&q, "json") != NULL;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[0], commands[i].verb))
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		eg_ctl_send_end(fd, EINVAL, "unknown request '%.64s'", argv[0]);
		goto out;
	}
	err = commands[i].fn(&q);
	if (q.out.oom)
		err = fail(&q, -ENOMEM, "out of memory");
	if (!err && q.out.len) {
		/* Large listings go out in frames of bounded size. */
		for (size_t off = 0; off < q.out.len; off += EG_CTL_MAX_FRAME) {
			size_t n = q.out.len - off;

			if (n > EG_CTL_MAX_FRAME)
				n = EG_CTL_MAX_FRAME;
			if (eg_ctl_write_frame(fd, EG_CTL_DATA, q.out.p + off, n))
				goto out;
		}
	}
	if (!err && !strcmp(argv[0], "events") && opt(&q, "follow")) {
		if (eg_events_follow(D->ev, fd, q.json) == 0) {
			follow = true;
			goto out;
		}
		err = fail(&q, -EBUSY, "too many followers");
	}
	if (err)
		pr_debug("control: %s: %s", argv[0], q.err);
	eg_ctl_send_end(fd, err, "%s", err ? q.err : "");
out:
	eg_buf_free(&q.out);
	if (!follow)
		close(fd);
	return follow;
}
