// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * egressd: loads and pins the classifier, applies the policy file, attaches
 * the targets it names, serves the control socket and writes verdict
 * events. Enforcement lives in the kernel: when egressd exits, what it
 * pinned and attached stays until `egressd --cleanup`.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"
#include "learned.h"
#include "log.h"
#include "metrics.h"

#define EG_VERSION "0.1.0"
#define EG_EVENTS_LOG_DEFAULT "/var/log/egressgate/events.jsonl"
/* Safety net behind inotify and link events: how often attachments are checked. */
#define EG_RECONCILE_SECONDS 2
#define EG_LEARNED_GC_SECONDS 5
#define EG_DAEMON_LOG_DEFAULT "/var/log/egressgate/egressd.log"

enum { TAG_RING = 1, TAG_LISTEN, TAG_SIGNAL, TAG_INOTIFY, TAG_METRICS, TAG_FOLLOWER_BASE };

int eg_daemon_save(struct eg_daemon *D)
{
	int err = eg_state_save(D->run_dir, &D->atts);

	if (err)
		pr_err("cannot record attachments in %s: %s", D->run_dir, strerror(-err));
	return err;
}

/* One concrete policy target: attached now, or recorded as pending. */
static void attach_one(struct eg_daemon *D, const struct eg_target *t, bool from_pattern,
		       struct eg_buf *out)
{
	struct eg_attachment a;
	char name[128], err[512] = "";
	bool have = false;
	size_t j;

	{
		/* A changed hook is a new attachment; the old one goes after it is in place. */
		for (j = 0; j < D->atts.n; j++)
			if (eg_target_same(&D->atts.v[j].t, t) &&
			    (D->atts.v[j].hook ? D->atts.v[j].hook == eg_resolve_hook(&D->L, t->hook) :
						 D->atts.v[j].t.hook == t->hook))
				have = true;
		if (have)
			return;
		eg_target_format(t, name, sizeof(name));
		if (eg_attach(&D->L, t, &a, err, sizeof(err))) {
			pr_warn("%s:%d: cannot attach to %s yet: %s; attached when it appears",
				D->config, t->line, name, err);
			if (out)
				eg_buf_printf(out, "pending: line %d: %s: %s\n", t->line, name, err);
			/* Wanted all the same: reconcile attaches it when it appears. */
			memset(&a, 0, sizeof(a));
			a.t = *t;
			a.from_policy = true;
			eg_att_list_add(&D->atts, &a);
			return;
		}
		a.from_policy = true;
		if (eg_att_list_add(&D->atts, &a)) {
			eg_detach(&D->L, &a, err, sizeof(err));
			return;
		}
		pr_info("attached to %s (%s, ifindex %d)%s%s%s", name, eg_att_hook_name(a.hook),
			a.ifindex, from_pattern ? " by pattern" : "", a.note[0] ? ": " : "", a.note);
		if (out)
			eg_buf_printf(out, "attached to %s (%s)\n", name, eg_att_hook_name(a.hook));
	}
}

static void remember_targets(struct eg_daemon *D, const struct eg_policy *pol)
{
	struct eg_target *t = calloc(pol->ntargets + 1, sizeof(*t));

	if (!t)
		return;
	memcpy(t, pol->targets, pol->ntargets * sizeof(*t));
	free(D->ptargets);
	D->ptargets = t;
	D->nptargets = pol->ntargets;
}

bool eg_daemon_by_pattern(struct eg_daemon *D, const struct eg_target *t)
{
	bool pattern = false;
	size_t i;

	for (i = 0; i < D->nptargets; i++) {
		if (!eg_target_is_pattern(&D->ptargets[i]) && eg_target_same(&D->ptargets[i], t))
			return false;
		if (eg_target_matches(&D->ptargets[i], t))
			pattern = true;
	}
	return pattern;
}

void eg_daemon_expand_patterns(struct eg_daemon *D)
{
	struct eg_policy pol = { .targets = D->ptargets, .ntargets = 0 };
	size_t i;

	for (i = 0; i < D->nptargets; i++) {
		if (!eg_target_is_pattern(&D->ptargets[i]))
			continue;
		pol.targets = &D->ptargets[i];
		pol.ntargets = 1;
		eg_daemon_attach_targets(D, &pol, NULL);
	}
}

void eg_daemon_attach_targets(struct eg_daemon *D, const struct eg_policy *pol, struct eg_buf *out)
{
	size_t i;

	for (i = 0; i < pol->ntargets; i++) {
		const struct eg_target *t = &pol->targets[i];
		struct dirent *de;
		DIR *d;

		if (!eg_target_is_pattern(t)) {
			attach_one(D, t, false, out);
			continue;
		}
		/* Every namespace the pattern names now; reconcile follows the rest. */
		d = opendir("/run/netns");
		while (d && (de = readdir(d))) {
			struct eg_target c = *t;

			if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(c.netns) ||
			    fnmatch(t->netns, de->d_name, 0))
				continue;
			strcpy(c.netns, de->d_name);
			attach_one(D, &c, true, out);
		}
		if (d)
			closedir(d);
	}
	eg_daemon_save(D);
}

static bool replacement_live(struct eg_daemon *D, const struct eg_target *t)
{
	size_t i;

	for (i = 0; i < D->atts.n; i++)
		if (eg_target_same(&D->atts.v[i].t, t) &&
		    D->atts.v[i].hook == eg_resolve_hook(&D->L, t->hook))
			return true;
	return false;
}

/* Policy targets removed from the file are detached; CLI attachments stay. */
static void detach_dropped_targets(struct eg_daemon *D, const struct eg_policy *pol,
				   struct eg_buf *out)
{
	size_t i = 0, j;

	while (i < D->atts.n) {
		struct eg_attachment *a = &D->atts.v[i];
		char name[128], err[512] = "";
		bool keep = !a->from_policy;

		for (j = 0; j < pol->ntargets && !keep; j++) {
			const struct eg_target *t = &pol->targets[j];

			if (!eg_target_matches(t, &a->t))
				continue;
			if (a->hook ? a->hook == eg_resolve_hook(&D->L, t->hook) : a->t.hook == t->hook) {
				keep = true;
				continue;
			}
			/* The hook changed: the old one stays until the new one is in place. */
			keep = !replacement_live(D, t);
		}
		if (keep) {
			i++;
			continue;
		}
		eg_target_format(&a->t, name, sizeof(name));
		if (eg_detach(&D->L, a, err, sizeof(err))) {
			pr_warn("cannot detach from %s: %s", name, err);
			i++;
			continue;
		}
		pr_info("detached from %s (no longer in the policy)", name);
		if (out)
			eg_buf_printf(out, "detached from %s\n", name);
		eg_att_list_del(&D->atts, i);
	}
	eg_daemon_save(D);
}

int eg_daemon_reload(struct eg_daemon *D, struct eg_buf *out, char *err, size_t errlen)
{
	struct eg_policy pol;
	int ret;

	ret = eg_policy_load(D->config, &pol, err, errlen);
	if (ret) {
		pr_err("reload refused, the running policy stays: %s", err);
		return ret;
	}
	ret = eg_rules_apply_policy(&D->R, &D->L, &pol, err, errlen);
	if (ret) {
		pr_err("reload failed, the running policy stays: %s", err);
		eg_policy_free(&pol);
		return ret;
	}
	D->reloads++;
	pr_info("policy %s applied: %zu prefix rules, %zu name rules, mode %s, default %s",
		D->config, pol.nrules, pol.nnames,
		pol.mode == EG_MODE_MONITOR ? "monitor" : "enforce",
		pol.default_action == EG_ACT_ALLOW ? "allow" : "deny");
	if (out)
		eg_buf_printf(out, "policy %s applied: %zu prefix rules, %zu name rules\n", D->config,
			      pol.nrules, pol.nnames);
	remember_targets(D, &pol);
	eg_daemon_attach_targets(D, &pol, out);
	detach_dropped_targets(D, &pol, out);
	eg_policy_free(&pol);
	return 0;
}

/* Name an event's interface, namespace and rule for people. */
static void resolve_event(void *ctx, struct eg_event_rec *rec)
{
	struct eg_daemon *D = ctx;
	const struct eg_event *e = &rec->e;
	struct eg_prefix p = { .family = e->flags & EG_EV_F_V6 ? 6 : 4 };
	int maxlen = p.family == 4 ? 32 : 128, len, i;
	size_t k;

	for (k = 0; k < D->atts.n; k++) {
		const struct eg_attachment *a = &D->atts.v[k];

		if (a->ifindex != (int)e->ifindex)
			continue;
		/* ifindexes repeat across namespaces; the cookie tells them apart. */
		if (e->netns_cookie && a->netns_cookie && e->netns_cookie != a->netns_cookie)
			continue;
		snprintf(rec->dev, sizeof(rec->dev), "%s", a->t.dev);
		if (a->t.kind == EG_TGT_NETNS)
			snprintf(rec->netns, sizeof(rec->netns), "%s", a->t.netns);
		else if (a->t.kind == EG_TGT_PID)
			snprintf(rec->netns, sizeof(rec->netns), "pid:%d", a->t.pid);
		break;
	}
	if (!e->rule_id)
		return;
	/* A name rule: one of the name's suffixes, in one of its forms. */
	if (e->name_src) {
		char name[EG_NAME_BUF];
		const char *sfx;

		memcpy(name, e->name, sizeof(name));
		name[EG_NAME_BUF - 1] = '\0';
		for (sfx = name; sfx; sfx = strchr(sfx, '.') ? strchr(sfx, '.') + 1 : NULL) {
			struct eg_name_pat pat = {};
			int form;

			snprintf(pat.name, sizeof(pat.name), "%s", sfx);
			pat.len = strlen(pat.name);
			for (form = EG_NF_PLAIN; form <= EG_NF_SUB; form++) {
				struct eg_nentry *n;

				pat.form = form;
				n = eg_names_find(&D->R.N, &pat);
				if (n && n->id == e->rule_id) {
					char s[EG_NAME_BUF + 8];

					eg_name_format(&pat, s, sizeof(s));
					snprintf(rec->prefix, sizeof(rec->prefix), "name %s", s);
					snprintf(rec->comment, sizeof(rec->comment), "%s",
						 n->r.comment);
					return;
				}
			}
		}
	}
	/* Longest prefix first, as the kernel matched it. */
	for (len = maxlen; len >= 0; len--) {
		struct eg_rentry *r;

		memcpy(p.addr, e->daddr, 16);
		if (p.family == 4)
			memset(p.addr + 4, 0, 12);
		for (i = len; i < maxlen; i++)
			p.addr[i / 8] &= ~(0x80 >> (i % 8));
		p.len = len;
		r = eg_rules_find(&D->R, &p);
		if (r && r->id == e->rule_id) {
			eg_prefix_format(&p, rec->prefix, sizeof(rec->prefix));
			snprintf(rec->comment, sizeof(rec->comment), "%s", r->r.comment);
			return;
		}
	}
}

static int lock_run_dir(const char *run_dir)
{
	char path[PATH_MAX + 16];
	int fd;

	if (mkdir(run_dir, 0700) && errno != EEXIST) {
		pr_err("cannot create %s: %s", run_dir, strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/egressd.lock", run_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		pr_err("cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		pr_err("another egressd is running with run directory %s", run_dir);
		close(fd);
		return -EBUSY;
	}
	return fd;
}

/* Point what an earlier egressd attached at the new program, without a gap. */
static int adopt_attachments(struct eg_daemon *D)
{
	struct eg_att_list old = {};
	size_t i;
	int err;

	err = eg_state_load(D->run_dir, &old);
	if (err) {
		/* Without the record, what is attached would be neither adopted nor removable. */
		eg_att_list_free(&old);
		return err;
	}
	for (i = 0; i < old.n; i++) {
		struct eg_attachment *a = &old.v[i];
		char name[128], err[512] = "";
		int ret;

		eg_target_format(&a->t, name, sizeof(name));
		if (!a->hook) {
			eg_att_list_add(&D->atts, a); /* still pending */
			continue;
		}
		ret = eg_attach_adopt(&D->L, a, err, sizeof(err));
		if (ret == -ENOENT) {
			pr_info("%s is gone (namespace or device removed); attached again when it "
				"is back", name);
			eg_attach_release(&D->L, a);
			eg_att_list_add(&D->atts, a);
			continue;
		}
		if (ret) {
			/* Still ours: keep it recorded so detach and --cleanup find it. */
			pr_warn("cannot adopt the attachment on %s: %s; it keeps running the "
				"previous program", name, err);
			eg_att_list_add(&D->atts, a);
			continue;
		}
		pr_info("adopted the attachment on %s (%s), enforcement never stopped", name,
			eg_att_hook_name(a->hook));
		eg_att_list_add(&D->atts, a);
	}
	eg_att_list_free(&old);
	return 0;
}

static int cleanup(const char *run_dir, const char *pin_dir)
{
	struct eg_daemon D = {};
	struct eg_att_list old = {};
	size_t i;
	int err, fail = 0;

	snprintf(D.run_dir, sizeof(D.run_dir), "%s", run_dir);
	snprintf(D.pin_dir, sizeof(D.pin_dir), "%s", pin_dir);
	snprintf(D.L.pin_dir, sizeof(D.L.pin_dir), "%s", pin_dir);
	err = eg_state_load(run_dir, &old);
	if (err) {
		/* Without the record, removing pins would detach tcx links blindly. */
		pr_err("cannot read %s/attachments (%s); nothing removed", run_dir, strerror(-err));
		return 1;
	}
	for (i = 0; i < old.n; i++) {
		char name[128], msg[512] = "";

		eg_target_format(&old.v[i].t, name, sizeof(name));
		if (eg_detach(&D.L, &old.v[i], msg, sizeof(msg))) {
			pr_err("cannot detach from %s: %s", name, msg);
			fail = 1;
		} else {
			pr_info("detached from %s", name);
		}
	}
	eg_att_list_free(&old);
	if (!fail) {
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/attachments", run_dir);
		unlink(path);
		err = eg_loader_unpin_all(pin_dir);
		if (err) {
			pr_err("cannot remove %s: %s", pin_dir, strerror(-err));
			fail = 1;
		} else {
			pr_info("removed the pins under %s", pin_dir);
		}
	}
	return fail;
}

static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sun.sun_path))
		return;
	strcpy(sun.sun_path, path);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&sun,
	       offsetof(struct sockaddr_un, sun_path) + strlen(path));
	close(fd);
}

static int ep_add(int epfd, int fd, __u64 tag, __u32 events)
{
	struct epoll_event e = { .events = events, .data.u64 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) ? -errno : 0;
}

static int run(struct eg_daemon *D)
{
	struct epoll_event evs[16];
	sigset_t mask;
	int sfd, n, i, err;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	D->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || D->epfd < 0)
		return -errno;
	err = ep_add(D->epfd, eg_events_epoll_fd(D->ev), TAG_RING, EPOLLIN) ?:
	      ep_add(D->epfd, D->listen_fd, TAG_LISTEN, EPOLLIN) ?:
	      ep_add(D->epfd, sfd, TAG_SIGNAL, EPOLLIN);
	if (!err && !eg_watch_init(D))
		err = ep_add(D->epfd, D->inotify_fd, TAG_INOTIFY, EPOLLIN);
	if (!err && D->metrics_fd >= 0)
		err = ep_add(D->epfd, D->metrics_fd, TAG_METRICS, EPOLLIN);
	if (err)
		return err;
	eg_reconcile(D);
	notify_ready();
	pr_info("ready: control socket %s", D->sock_path);
	while (!D->stop) {
		n = epoll_wait(D->epfd, evs, 16, 1000);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (i = 0; i < n; i++) {
			__u64 tag = evs[i].data.u64;

			if (tag == TAG_RING) {
				eg_events_poll(D->ev);
			} else if (tag == TAG_METRICS) {
				eg_events_poll(D->ev); /* egressgate_events_total is current */
				eg_metrics_serve(D, D->metrics_fd);
			} else if (tag == TAG_INOTIFY) {
				eg_watch_drain(D, D->inotify_fd);
			} else if ((tag & ~0xffffffffULL) == EG_TAG_WATCH) {
				eg_watch_drain(D, (int)(__u32)tag);
			} else if (tag == TAG_LISTEN) {
				int c = accept4(D->listen_fd, NULL, NULL, SOCK_CLOEXEC);

				if (c < 0)
					continue;
				/* Drain events first so a following client sees them all. */
				eg_events_poll(D->ev);
				if (eg_control_serve(D, c))
					ep_add(D->epfd, c, TAG_FOLLOWER_BASE + c,
					       EPOLLRDHUP | EPOLLHUP | EPOLLIN);
			} else if (tag == TAG_SIGNAL) {
				struct signalfd_siginfo si;
				char msg[512];

				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					pr_info("SIGHUP: reloading %s", D->config);
					eg_daemon_reload(D, NULL, msg, sizeof(msg));
				} else if (si.ssi_signo == SIGUSR1) {
					eg_events_reopen(D->ev);
				} else {
					D->stop = true;
				}
			} else {
				/* A follower hung up (or sent something: it may not). */
				int c = tag - TAG_FOLLOWER_BASE;

				epoll_ctl(D->epfd, EPOLL_CTL_DEL, c, NULL);
				eg_events_unfollow(D->ev, c);
				close(c);
			}
		}
		/* Followers dropped for being slow were closed by events.c. */
		if (D->reconcile_due || time(NULL) - D->last_reconcile >= EG_RECONCILE_SECONDS)
			eg_reconcile(D);
		/* The kernel ignores expired addresses; this frees their room. */
		if (time(NULL) - D->last_gc >= EG_LEARNED_GC_SECONDS) {
			int gone = eg_learned_gc(&D->L);

			if (gone > 0)
				pr_debug("%d learned addresses expired", gone);
			D->last_gc = time(NULL);
		}
	}
	close(sfd);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: egressd --config FILE [options]\n"
		"       egressd --cleanup [--pin-dir DIR] [--run-dir DIR]\n"
		"\n"
		"  -c, --config FILE      policy file (see egressgate.policy(5))\n"
		"  -f, --foreground       stay in the foreground; events go to stdout\n"
		"  -e, --events-log FILE  event log (default " EG_EVENTS_LOG_DEFAULT ")\n"
		"  -L, --log-file FILE    daemon log when not in the foreground\n"
		"                         (default " EG_DAEMON_LOG_DEFAULT ")\n"
		"  -m, --metrics ADDR     Prometheus metrics on ADDR:PORT (default "
		EG_METRICS_ADDR_DEFAULT "; none: off)\n"
		"  -G, --socket-group GROUP  members of GROUP may use the control socket too\n"
		"  -p, --pin-dir DIR      bpffs pin directory (default " EG_PIN_DIR_DEFAULT ")\n"
		"  -r, --run-dir DIR      run directory: socket, lock, state (default " EG_RUN_DIR_DEFAULT ")\n"
		"  -l, --log-level LEVEL  error, warning, info (default) or debug\n"
		"      --check            validate the policy file and exit\n"
		"      --cleanup          detach everything egressgate attached, remove its pins, exit\n"
		"  -h, --help             this text\n"
		"  -V, --version          print the version\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "events-log", required_argument, NULL, 'e' },
		{ "log-file", required_argument, NULL, 'L' },
		{ "socket-group", required_argument, NULL, 'G' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "check", no_argument, NULL, 'k' },
		{ "cleanup", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	static struct eg_daemon D = { .sock_gid = -1 };
	const char *config = NULL, *events_log = NULL, *log_file = EG_DAEMON_LOG_DEFAULT;
	const char *metrics_addr = EG_METRICS_ADDR_DEFAULT;
	bool metrics_explicit = false;
	const char *pin_dir = EG_PIN_DIR_DEFAULT, *run_dir = EG_RUN_DIR_DEFAULT;
	bool foreground = false, check = false, do_cleanup = false;
	struct eg_policy pol;
	char err[1024];
	int c, ret = 1, lockfd = -1;

	eg_log_set_ident("egressd");
	while ((c = getopt_long(argc, argv, "c:fe:L:G:m:p:r:l:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'e':
			events_log = optarg;
			break;
		case 'L':
			log_file = optarg;
			break;
		case 'm':
			metrics_addr = optarg;
			metrics_explicit = true;
			break;
		case 'G': {
			struct group *g = getgrnam(optarg);

			if (!g) {
				fprintf(stderr, "egressd: --socket-group: no group '%s'\n", optarg);
				return 2;
			}
			D.sock_gid = g->gr_gid;
			break;
		}
		case 'p':
			pin_dir = optarg;
			break;
		case 'r':
			run_dir = optarg;
			break;
		case 'l':
			if (!strcmp(optarg, "error"))
				eg_log_set_level(EG_LOG_ERR);
			else if (!strcmp(optarg, "warning"))
				eg_log_set_level(EG_LOG_WARN);
			else if (!strcmp(optarg, "info"))
				eg_log_set_level(EG_LOG_INFO);
			else if (!strcmp(optarg, "debug"))
				eg_log_set_level(EG_LOG_DEBUG);
			else {
				fprintf(stderr, "egressd: --log-level: '%s' is not error, warning, "
						"info or debug\n", optarg);
				return 2;
			}
			break;
		case 'k':
			check = true;
			break;
		case 'C':
			do_cleanup = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("egressd %s\n", EG_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "egressd: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (strlen(pin_dir) >= PATH_MAX - 64 || strlen(run_dir) >= PATH_MAX - 64) {
		fprintf(stderr, "egressd: directory path too long\n");
		return 2;
	}
	eg_loader_route_libbpf_log();
	if (do_cleanup) {
		lockfd = lock_run_dir(run_dir);
		if (lockfd < 0)
			return 1;
		return cleanup(run_dir, pin_dir);
	}
	if (!config) {
		fprintf(stderr, "egressd: --config FILE is required\n");
		usage(stderr);
		return 2;
	}
	if (eg_policy_load(config, &pol, err, sizeof(err))) {
		fprintf(stderr, "egressd: %s\n", err);
		return 1;
	}
	if (check) {
		printf("%s: OK, %zu prefix rules, %zu name rules, %zu attach targets\n", config,
		       pol.nrules, pol.nnames, pol.ntargets);
		eg_policy_free(&pol);
		return 0;
	}

	D.started = time(NULL);
	D.listen_fd = -1;
	D.inotify_fd = -1;
	D.metrics_fd = -1;
	if (!realpath(config, D.config))
		snprintf(D.config, sizeof(D.config), "%s", config);
	snprintf(D.run_dir, sizeof(D.run_dir), "%s", run_dir);
	snprintf(D.pin_dir, sizeof(D.pin_dir), "%s", pin_dir);
	lockfd = lock_run_dir(run_dir);
	if (lockfd < 0)
		goto out_pol;
	/* Before anything changes: a bad --metrics must not leave half a start behind. */
	if (strcmp(metrics_addr, "none")) {
		D.metrics_fd = eg_metrics_listen(metrics_addr, err, sizeof(err));
		if (D.metrics_fd < 0 && metrics_explicit) {
			fprintf(stderr, "egressd: --metrics: %s\n", err);
			ret = D.metrics_fd == -EINVAL ? 2 : 1;
			goto out_pol;
		}
		if (D.metrics_fd < 0)
			pr_warn("metrics endpoint off: %s (choose another with --metrics ADDR)", err);
		else
			pr_info("metrics on http://%s/metrics", metrics_addr);
	}
	if (eg_loader_open(&D.L, pin_dir))
		goto out_pol;
	pr_info("kernel %s: tcx %s, netns cookies %s, attribution %s; maps %s", D.L.feat.kernel,
		D.L.feat.tcx ? "available" : "not available (clsact only)",
		D.L.feat.netns_cookie ? "available" : "not available",
		D.L.feat.attribution ? "on" : "off",
		D.L.maps_reused ? "adopted from an earlier egressd" : "created");
	if (eg_rules_init(&D.R) || eg_rules_adopt(&D.R, &D.L) || eg_learned_hint(&D.L)) {
		pr_err("cannot read the pinned rule maps");
		goto out_loader;
	}
	if (eg_rules_apply_policy(&D.R, &D.L, &pol, err, sizeof(err))) {
		pr_err("%s", err);
		goto out_loader;
	}
	pr_info("policy %s applied: %zu rules, mode %s, default %s", D.config, pol.nrules,
		pol.mode == EG_MODE_MONITOR ? "monitor" : "enforce",
		pol.default_action == EG_ACT_ALLOW ? "allow" : "deny");
	if (adopt_attachments(&D))
		goto out_loader;
	remember_targets(&D, &pol);
	eg_daemon_attach_targets(&D, &pol, NULL);
	detach_dropped_targets(&D, &pol, NULL);

	if (!foreground && !events_log)
		events_log = EG_EVENTS_LOG_DEFAULT;
	if (events_log && !strncmp(events_log, "/var/log/egressgate/", 20))
		mkdir("/var/log/egressgate", 0750);
	if (eg_events_open(&D.ev, D.L.fd_events, events_log, resolve_event, &D))
		goto out_loader;
	if (eg_control_listen(&D))
		goto out_events;

	if (!foreground) {
		int lfd;

		if (!strncmp(log_file, "/var/log/egressgate/", 20))
			mkdir("/var/log/egressgate", 0750);
		lfd = open(log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (lfd < 0) {
			pr_err("cannot open the log file %s: %s", log_file, strerror(errno));
			goto out_events;
		}
		if (daemon(0, 0)) {
			pr_err("cannot daemonize: %s", strerror(errno));
			close(lfd);
			goto out_events;
		}
		/* What egressd says keeps going somewhere a person can read it. */
		dup2(lfd, STDERR_FILENO);
		close(lfd);
	}
	ret = run(&D) ? 1 : 0;
	pr_info("exiting; enforcement stays in place (egressd --cleanup removes it)");
	unlink(D.sock_path);
out_events:
	if (D.listen_fd >= 0)
		close(D.listen_fd);
	if (D.metrics_fd >= 0)
		close(D.metrics_fd);
	eg_events_close(D.ev);
out_loader:
	eg_rules_free(&D.R);
	eg_att_list_free(&D.atts);
	eg_loader_close(&D.L);
out_pol:
	eg_policy_free(&pol);
	return ret;
}
