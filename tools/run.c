// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * egressctl run: CMD in a namespace of its own (egr-PID), wired to the
 * uplink through a veth pair (host side egrPIDh) and NAT in a table of its
 * own, guarded by egressd's XDP hook on the host side. Events for the
 * namespace are read from egressd's stream while CMD runs and summed up
 * when it ends. Everything created here is named after our pid and removed
 * on every exit path; a leftover of a killed run with our pid is removed
 * before we start.
 *
 * The network plumbing goes through ip(8) and nft(8): they are the
 * operator's tools, and what this creates is what they would type.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "ctl.h"
#include "run.h"
#include "run_summary.h"

enum {
	RUN_USAGE = 2,
	RUN_FAILED = 125, /* run itself failed; CMD did not run or its status is unknown */
	RUN_NOEXEC = 126,
	RUN_NOTFOUND = 127,
};

#define RUN_LOCK "/run/lock/egressctl-run.lock"
#define NET_BASE 0x64400000u /* 100.64.0.0/10, shared address space (RFC 6598) */
#define NET_SLOTS (1u << 20) /* /30s in it */
#define DRAIN_MS 400

const char eg_run_help[] =
	"CMD runs in a new network namespace (egr-PID) behind a veth pair whose host\n"
	"side (egrPIDh) egressd guards with its XDP hook, under egressd's policy. Its\n"
	"traffic leaves through --uplink with NAT (nftables table inet\n"
	"egressgate_run_PID). CMD keeps the caller's stdio and environment and runs as\n"
	"the invoking user (SUDO_UID/SUDO_GID when set). When it ends, a summary of\n"
	"blocked attempts goes to standard error (or -o FILE), and everything the run\n"
	"created is removed.\n\n"
	"Exit status: CMD's (128+N when signal N ended it); 2 usage error; 125 run\n"
	"failed before CMD could run; 126/127 CMD not executable / not found.\n\n"
	"Options:\n"
	"  -m, --monitor        audit: set egressd's mode to monitor for the run (a global\n"
	"                       change) and list every destination CMD contacted\n"
	"  -u, --uplink DEV     the device traffic leaves by (default: the one holding\n"
	"                       the default route)\n"
	"      --dns ADDR       the nameserver CMD uses, IPv4 (default: the IPv4 ones of\n"
	"                       /etc/resolv.conf that are not loopback addresses)\n"
	"  -p, --policy FILE    not supported yet: the run uses egressd's policy\n"
	"  -j, --json           the summary as JSON\n"
	"  -o, --output FILE    write the summary to FILE instead of standard error\n";

struct run {
	const char *sock;
	bool monitor, json;
	char *uplink;
	const char *dns, *output;
	char **cmd;
	pid_t pid;
	char ns[32], host_if[16], table[48], etc_dir[64];
	unsigned net; /* the /30, host order */
	/* what exists, for cleanup */
	bool made_ns, made_link, made_table, made_etc, attached, monitor_set;
	char saved_mode[16];
	bool added4, added6;
	int lease_fd;
	int ev_fd;
	char ev_buf[EG_CTL_MAX_FRAME + 1];
	struct run_summary sum;
};

static void __attribute__((format(printf, 1, 2))) rerr(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("egressctl: run: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Run a tool, stdin from `in` (or /dev/null), stdout into out (or discarded). 0 or -errno / status. */
static int tool(char *const argv[], const char *in, char *out, size_t outlen, bool quiet)
{
	int ip[2] = { -1, -1 }, op[2] = { -1, -1 }, st, err = 0;
	size_t used = 0;
	ssize_t n;
	pid_t p;

	if (pipe2(ip, O_CLOEXEC) || pipe2(op, O_CLOEXEC)) {
		err = -errno;
		goto out;
	}
	p = fork();
	if (p < 0) {
		err = -errno;
		goto out;
	}
	if (!p) {
		sigset_t all;

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		dup2(ip[0], 0);
		dup2(op[1], 1);
		if (quiet) {
			int dn = open("/dev/null", O_WRONLY);

			if (dn >= 0)
				dup2(dn, 2);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "egressctl: run: cannot execute %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(ip[0]);
	close(op[1]);
	ip[0] = op[1] = -1;
	if (in && write(ip[1], in, strlen(in)) < 0)
		err = -errno;
	close(ip[1]);
	ip[1] = -1;
	while ((n = read(op[0], out ? out + used : (char[256]){}, out ? outlen - 1 - used : 256)) > 0)
		if (out && (used += n) >= outlen - 1)
			break;
	if (out)
		out[used] = '\0';
	while (waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	if (!err && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		err = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
out:
	for (int i = 0; i < 2; i++) {
		if (ip[i] >= 0)
			close(ip[i]);
		if (op[i] >= 0)
			close(op[i]);
	}
	return err;
}

#define TOOL(quiet, ...) tool((char *const[]){ __VA_ARGS__, NULL }, NULL, NULL, 0, quiet)

/* One request to egressd; DATA into out (may be NULL), END's message into msg. 0, -errno, or status. */
static int ctl_call(struct run *R, char *out, size_t outlen, char *msg, size_t msglen, int argc,
		    char **argv)
{
	static char buf[EG_CTL_MAX_FRAME];
	size_t len, used = 0;
	int fd, type, err;
	__u32 be;

	if (msg)
		msg[0] = '\0';
	if (out)
		out[0] = '\0';
	err = eg_ctl_encode(argc, argv, buf, sizeof(buf), &len);
	if (err)
		return err;
	fd = eg_ctl_connect(R->sock);
	if (fd < 0)
		return fd;
	err = eg_ctl_write_frame(fd, EG_CTL_REQ, buf, len);
	while (!err) {
		err = eg_ctl_read_frame(fd, &type, buf, sizeof(buf), &len);
		if (err)
			break;
		if (type == EG_CTL_DATA) {
			if (out && used + len < outlen) {
				memcpy(out + used, buf, len);
				used += len;
				out[used] = '\0';
			}
			continue;
		}
		if (len < 4) {
			err = -EPROTO;
			break;
		}
		memcpy(&be, buf, 4);
		if (msg)
			snprintf(msg, msglen, "%.*s", (int)(len - 4), buf + 4);
		err = (int)ntohl(be);
		break;
	}
	close(fd);
	return err;
}

#define CTL(R, out, outlen, msg, ...)                                                        \
	ctl_call(R, out, outlen, msg, sizeof(msg), sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *), \
		 (char *[]){ __VA_ARGS__ })

/* One frame of the event stream; false when it ended. */
static bool read_events(struct run *R)
{
	size_t len;
	int type;

	if (eg_ctl_read_frame(R->ev_fd, &type, R->ev_buf, sizeof(R->ev_buf) - 1, &len) ||
	    type != EG_CTL_DATA) {
		close(R->ev_fd);
		R->ev_fd = -1;
		return false;
	}
	run_summary_feed(&R->sum, R->ev_buf, len);
	return true;
}

static int open_events(struct run *R)
{
	char *argv[] = { "events", "follow=1", "json=1", "count=1" };
	char buf[256];
	size_t len;
	int fd, err;

	err = eg_ctl_encode(4, argv, buf, sizeof(buf), &len);
	if (err)
		return err;
	fd = eg_ctl_connect(R->sock);
	if (fd < 0)
		return fd;
	err = eg_ctl_write_frame(fd, EG_CTL_REQ, buf, len);
	if (err) {
		close(fd);
		return err;
	}
	/* The backlog (count=1) comes first: older events of another run with our pid are skipped. */
	R->ev_fd = fd;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 200) > 0 && read_events(R)) {
		run_summary_reset(&R->sum);
	}
	return R->ev_fd >= 0 ? 0 : -ECONNRESET;
}

static void nets_text(unsigned net, int host, char *buf, size_t len)
{
	unsigned a = net + host;

	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* Does any address or route of this namespace overlap net/30? */
static bool net_taken(unsigned net, const char *routes)
{
	const char *p = routes;

	while (p && *p) {
		char word[64];
		unsigned a, b, c, d, len = 32, lo;

		char word2[64];
		int nw = sscanf(p, "%63s %63s", word, word2);

		/* "PREFIX ..." or "TYPE PREFIX ..." (local, unreachable, blackhole, ...) */
		if (nw == 2 && !isdigit((unsigned char)word[0]))
			strcpy(word, word2);
		if (nw >= 1 && sscanf(word, "%u.%u.%u.%u/%u", &a, &b, &c, &d, &len) >= 4 &&
		    len <= 32) {
			lo = (a << 24) | (b << 16) | (c << 8) | d;
			unsigned mask = len >= 30 ? 0xfffffffcu : len ? ~0u << (32 - len) : 0;

			if ((lo & mask) == (net & mask))
				return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

static int pick_net(struct run *R)
{
	static char out[1 << 18];
	char addrs[1 << 16];
	unsigned i, slot;
	char *t;

	if (tool((char *const[]){ "ip", "-4", "-o", "route", "show", "table", "all", NULL }, NULL,
		 out, sizeof(out) - sizeof(addrs), false))
		return -EIO;
	if (tool((char *const[]){ "ip", "-4", "-o", "addr", "show", NULL }, NULL, addrs,
		 sizeof(addrs), false))
		return -EIO;
	/* "N: dev inet A/L ...": the fourth word, moved to the line start. */
	for (t = strtok(addrs, "\n"); t; t = strtok(NULL, "\n")) {
		char w[4][64];

		if (sscanf(t, "%63s %63s %63s %63s", w[0], w[1], w[2], w[3]) == 4)
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s\n", w[3]);
	}
	slot = (unsigned)R->pid % NET_SLOTS;
	for (i = 0; i < 4096; i++, slot = (slot + 1) % NET_SLOTS) {
		unsigned net = NET_BASE + slot * 4;

		if (!net_taken(net, out)) {
			R->net = net;
			return 0;
		}
	}
	return -EADDRINUSE;
}

static int default_uplink(char *dev, size_t len)
{
	char out[4096], *p;

	if (tool((char *const[]){ "ip", "-4", "route", "show", "default", NULL }, NULL, out,
		 sizeof(out), false))
		return -EIO;
	p = strstr(out, " dev ");
	if (!p || sscanf(p + 5, "%15s", dev) != 1)
		return -ENOENT;
	(void)len;
	return 0;
}

static int write_resolv(struct run *R)
{
	char path[128], line[256], dns[1024] = "";
	FILE *f;

	if (R->dns) {
		snprintf(dns, sizeof(dns), "nameserver %s\n", R->dns);
	} else if ((f = fopen("/etc/resolv.conf", "r"))) {
		while (fgets(line, sizeof(line), f)) {
			char a[64];

			/* Loopback ones are out of reach; IPv6 ones too (IPv4 only inside). */
			if (sscanf(line, "nameserver %63s", a) == 1 && strncmp(a, "127.", 4) &&
			    !strchr(a, ':'))
				snprintf(dns + strlen(dns), sizeof(dns) - strlen(dns),
					 "nameserver %s\n", a);
		}
		fclose(f);
	}
	if (!dns[0]) {
		rerr("no nameserver for the namespace: /etc/resolv.conf names no IPv4 one outside loopback; give --dns ADDR");
		return -ENOENT;
	}
	mkdir("/etc/netns", 0755);
	if (mkdir(R->etc_dir, 0755) && errno != EEXIST)
		return -errno;
	R->made_etc = true;
	snprintf(path, sizeof(path), "%.63s/resolv.conf", R->etc_dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "# egressctl run %d\n%s", (int)R->pid, dns);
	return fclose(f) ? -errno : 0;
}

/* Remove what a run with this pid created; quiet, whatever exists. */
static void teardown(struct run *R, bool all)
{
	char msg[512], path[128], dev[64];

	if (R->attached || all) {
		snprintf(dev, sizeof(dev), "netns=%.31s", R->ns);
		CTL(R, NULL, 0, msg, "detach", "dev=veth0", dev);
		R->attached = false;
	}
	if (R->made_ns || all)
		TOOL(true, "ip", "netns", "del", R->ns);
	if (R->made_link || all)
		TOOL(true, "ip", "link", "del", R->host_if);
	if (R->made_table || all)
		TOOL(true, "nft", "delete", "table", "inet", R->table);
	if (R->made_etc || all) {
		snprintf(path, sizeof(path), "%.63s/resolv.conf", R->etc_dir);
		unlink(path);
		rmdir(R->etc_dir);
	}
	R->made_ns = R->made_link = R->made_table = R->made_etc = false;
}

static int setup_net(struct run *R)
{
	char a_host[20], a_ns[20], cidr_h[24], cidr_n[24], net[24], nft[1024], uplink[16];
	int lock, err;

	if (!R->uplink) {
		if (default_uplink(uplink, sizeof(uplink))) {
			rerr("no default route to find the uplink by; give --uplink DEV");
			return -ENOENT;
		}
		R->uplink = strdup(uplink);
	}
	if (TOOL(true, "ip", "link", "show", "dev", R->uplink)) {
		rerr("--uplink: no device '%s' here", R->uplink);
		return -ENODEV;
	}
	/* Concurrent runs: the subnet check and the address taking it are one step. */
	mkdir("/run/lock", 0755);
	lock = open(RUN_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX)) {
		rerr("cannot lock %s: %s", RUN_LOCK, strerror(errno));
		err = -errno;
		goto out;
	}
	err = pick_net(R);
	if (err) {
		rerr("no free /30 in 100.64.0.0/10 for the namespace");
		goto out;
	}
	nets_text(R->net, 1, a_host, sizeof(a_host));
	nets_text(R->net, 2, a_ns, sizeof(a_ns));
	nets_text(R->net, 0, net, sizeof(net));
	snprintf(cidr_h, sizeof(cidr_h), "%s/30", a_host);
	snprintf(cidr_n, sizeof(cidr_n), "%s/30", a_ns);
	strcat(net, "/30");

	err = -EIO;
	if (TOOL(false, "ip", "netns", "add", R->ns))
		goto fail;
	R->made_ns = true;
	if (TOOL(false, "ip", "link", "add", R->host_if, "type", "veth", "peer", "name", "veth0",
		 "netns", R->ns))
		goto fail;
	R->made_link = true;
	if (TOOL(false, "ip", "addr", "add", cidr_h, "dev", R->host_if) ||
	    TOOL(false, "ip", "link", "set", R->host_if, "up") ||
	    TOOL(false, "ip", "-n", R->ns, "link", "set", "lo", "up") ||
	    TOOL(false, "ip", "-n", R->ns, "addr", "add", cidr_n, "dev", "veth0") ||
	    TOOL(false, "ip", "-n", R->ns, "link", "set", "veth0", "up") ||
	    TOOL(false, "ip", "-n", R->ns, "route", "add", "default", "via", a_host))
		goto fail;
	flock(lock, LOCK_UN);

	snprintf(nft,
		 sizeof(nft),
		 "table inet %s {\n"
		 "  chain run_nat { type nat hook postrouting priority srcnat; policy accept;\n"
		 "    ip saddr %s oifname \"%s\" masquerade; }\n"
		 "  chain run_forward { type filter hook forward priority filter; policy accept;\n"
		 "    iifname \"%s\" oifname \"%s\" accept\n"
		 "    iifname \"%s\" oifname \"%s\" ct state established,related accept; }\n"
		 "}\n",
		 R->table, net, R->uplink, R->host_if, R->uplink, R->uplink, R->host_if);
	R->made_table = true;
	if (tool((char *const[]){ "nft", "-f", "-", NULL }, nft, NULL, 0, false)) {
		rerr("nft could not create table inet %s (is nftables installed?)", R->table);
		goto fail;
	}
	/* Forwarding is per namespace; without it nothing leaves. */
	FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "r+");
	if (f) {
		if (fgetc(f) != '1') {
			rewind(f);
			fputs("1", f);
			fprintf(stderr, "egressctl: run: note: enabled net.ipv4.ip_forward (left on)\n");
		}
		fclose(f);
	}
	err = write_resolv(R);
	if (err)
		goto fail;
	err = 0;
	goto out;
fail:
	if (!err)
		err = -EIO;
	if (err == -EIO)
		rerr("setting up namespace %s failed (see the messages above)", R->ns);
out:
	if (lock >= 0)
		close(lock);
	return err;
}

/*
 * --monitor is global: egressd has one mode. Runs share it through a lease:
 * each monitoring run holds a shared lock on the lease file; the last one to
 * leave (an exclusive lock succeeds) restores what the first one saved.
 * A run killed outright leaves the saved state, which the next run restores.
 */
static void lease_paths(struct run *R, char *lease, char *saved, size_t len)
{
	char dir[256];
	char *s;

	snprintf(dir, sizeof(dir), "%s", R->sock);
	s = strrchr(dir, '/');
	if (s)
		*s = '\0';
	else
		strcpy(dir, ".");
	snprintf(lease, len, "%s/egressctl-run.lease", dir);
	snprintf(saved, len, "%s/egressctl-run.saved", dir);
}

static void restore_saved(struct run *R, const char *saved)
{
	char mode[16] = "", msg[512], line[64];
	int a4 = 0, a6 = 0;
	FILE *f = fopen(saved, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "mode %15s", mode);
		sscanf(line, "added4 %d", &a4);
		sscanf(line, "added6 %d", &a6);
	}
	fclose(f);
	if (a4)
		CTL(R, NULL, 0, msg, "unblock", "prefix=0.0.0.0/0");
	if (a6)
		CTL(R, NULL, 0, msg, "unblock", "prefix=::/0");
	if (mode[0] && strcmp(mode, "monitor")) {
		char v[32];

		snprintf(v, sizeof(v), "value=%s", mode);
		if (CTL(R, NULL, 0, msg, "mode", v))
			rerr("cannot restore egressd's mode to %s: %s", mode, msg);
	}
	unlink(saved);
}

static int lease_take(struct run *R, bool monitor)
{
	static char status[1 << 16];
	char lease[300], saved[300], msg[512], *p;
	int fd, err;
	FILE *f;

	lease_paths(R, lease, saved, sizeof(lease));
	fd = open(lease, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return monitor ? -errno : 0;
	int lock = open(RUN_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock >= 0)
		flock(lock, LOCK_EX);
	if (!flock(fd, LOCK_EX | LOCK_NB)) {
		/* Nobody monitors: state saved by a killed run is restored first. */
		if (!access(saved, F_OK))
			restore_saved(R, saved);
		if (!monitor) {
			flock(fd, LOCK_UN);
			close(fd);
			fd = -1;
			err = 0;
			goto out;
		}
		err = CTL(R, status, sizeof(status), msg, "status", "json=1");
		if (err) {
			rerr("egressd status: %s", msg[0] ? msg : strerror(err < 0 ? -err : err));
			goto fail;
		}
		p = strstr(status, "\"mode\":\"");
		snprintf(R->saved_mode, sizeof(R->saved_mode), "%s", p ? p + 8 : "enforce");
		if ((p = strchr(R->saved_mode, '"')))
			*p = '\0';
		/* Every destination reported: a catch-all monitor rule, only where nothing else decides. */
		if (strstr(status, "\"default\":\"allow\"")) {
			err = CTL(R, status, sizeof(status), msg, "rules", "json=1");
			if (!err && !strstr(status, "\"prefix\":\"0.0.0.0/0\""))
				R->added4 = !CTL(R, NULL, 0, msg, "rule", "action=monitor",
						 "prefix=0.0.0.0/0", "comment=egressctl run --monitor");
			if (!err && !strstr(status, "\"prefix\":\"::/0\""))
				R->added6 = !CTL(R, NULL, 0, msg, "rule", "action=monitor",
						 "prefix=::/0", "comment=egressctl run --monitor");
		}
		f = fopen(saved, "w");
		if (f) {
			fprintf(f, "mode %s\nadded4 %d\nadded6 %d\n", R->saved_mode, R->added4,
				R->added6);
			fclose(f);
		}
		err = CTL(R, NULL, 0, msg, "mode", "value=monitor");
		if (err) {
			rerr("cannot set egressd's mode to monitor: %s", msg);
			restore_saved(R, saved);
			goto fail;
		}
		flock(fd, LOCK_SH);
	} else if (monitor) {
		flock(fd, LOCK_SH);
	} else {
		close(fd);
		fd = -1;
	}
	R->lease_fd = fd;
	R->monitor_set = monitor;
	err = 0;
	goto out;
fail:
	close(fd);
out:
	if (lock >= 0)
		close(lock);
	return err;
}

static void lease_drop(struct run *R)
{
	char lease[300], saved[300];
	int lock;

	if (R->lease_fd < 0)
		return;
	lease_paths(R, lease, saved, sizeof(lease));
	lock = open(RUN_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock >= 0)
		flock(lock, LOCK_EX);
	flock(R->lease_fd, LOCK_UN);
	if (!flock(R->lease_fd, LOCK_EX | LOCK_NB))
		restore_saved(R, saved);
	close(R->lease_fd);
	R->lease_fd = -1;
	if (lock >= 0)
		close(lock);
}

/* The child: into the namespace, its resolv.conf in a mount namespace of its own, then CMD. */
static void child(struct run *R, int errpipe)
{
	static const char *const stages[] = { "entering the namespace", "setting up its resolv.conf",
					      "switching to the invoking user", "running" };
	int stage = 0;
	char path[128];
	const char *s;
	uid_t uid = getuid();
	gid_t gid = getgid();
	sigset_t none;
	int fd, e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	snprintf(path, sizeof(path), "/run/netns/%s", R->ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		goto fail;
	close(fd);
	stage = 1;
	if (unshare(CLONE_NEWNS) || mount("", "/", NULL, MS_SLAVE | MS_REC, NULL))
		goto fail;
	snprintf(path, sizeof(path), "%.63s/resolv.conf", R->etc_dir);
	if (mount(path, "/etc/resolv.conf", NULL, MS_BIND, NULL))
		goto fail;
	if (uid == 0 && (s = getenv("SUDO_UID")) && *s) {
		uid = strtoul(s, NULL, 10);
		gid = (s = getenv("SUDO_GID")) ? strtoul(s, NULL, 10) : uid;
	}
	stage = 2;
	if (uid != getuid() || gid != getgid()) {
		struct passwd *pw = getpwuid(uid);

		if ((pw ? initgroups(pw->pw_name, gid) : setgroups(0, NULL)) || setgid(gid) ||
		    setuid(uid))
			goto fail;
	}
	stage = 3;
	execvp(R->cmd[0], R->cmd);
fail:
	e = errno;
	if (stage < 3)
		fprintf(stderr, "egressctl: run: %s for %s: %s\n", stages[stage], R->cmd[0],
			strerror(e));
	else
		fprintf(stderr, "egressctl: run: cannot run %s: %s\n", R->cmd[0], strerror(e));
	if (write(errpipe, &stage, sizeof(stage)) < 0)
		_exit(RUN_FAILED);
	_exit(stage < 3 ? RUN_FAILED : e == ENOENT ? RUN_NOTFOUND : RUN_NOEXEC);
}

static int parse(struct run *R, int argc, char **argv)
{
	enum { OPT_DNS = 256 };
	static const struct option opts[] = {
		{ "monitor", no_argument, NULL, 'm' },	 { "uplink", required_argument, NULL, 'u' },
		{ "dns", required_argument, NULL, OPT_DNS }, { "policy", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },	 { "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },	 {},
	};
	struct in_addr a4;
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+:mu:p:jo:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			R->monitor = true;
			break;
		case 'u':
			if (!*optarg || strlen(optarg) >= 16 || strchr(optarg, '/')) {
				rerr("--uplink: '%s' is not an interface name", optarg);
				return RUN_USAGE;
			}
			R->uplink = optarg;
			break;
		case OPT_DNS:
			/* The namespace has IPv4 only. */
			if (inet_pton(AF_INET, optarg, &a4) != 1) {
				rerr("--dns: '%s' is not an IPv4 address", optarg);
				return RUN_USAGE;
			}
			R->dns = optarg;
			break;
		case 'p':
			rerr("--policy is not supported yet: egressd holds one policy, and the run "
			     "uses it (see docs/deploy-runner.md)");
			return RUN_USAGE;
		case 'j':
			R->json = true;
			break;
		case 'o':
			R->output = optarg;
			break;
		case 'h':
			printf("Usage: egressctl [--socket PATH] run %s\n\n%s\n\n%s", EG_RUN_SYNOPSIS,
			       EG_RUN_SUMMARY, eg_run_help);
			printf("  -h, --help           show this help\n");
			return -1;
		case ':':
			rerr("option '%s' needs a value", argv[optind - 1]);
			fprintf(stderr, "Try 'egressctl run --help'.\n");
			return RUN_USAGE;
		default:
			rerr("unknown option '%s'", argv[optind - 1]);
			fprintf(stderr, "Try 'egressctl run --help'.\n");
			return RUN_USAGE;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind == argc) {
		rerr("missing the command to run (egressctl run [OPTIONS] -- CMD [ARGS...])");
		return RUN_USAGE;
	}
	R->cmd = argv + optind;
	return 0;
}

int eg_run(const char *sock_path, int argc, char **argv)
{
	static struct run run;
	struct run *R = &run;
	int rc, err, sfd = -1, pfd = -1, ep[2] = { -1, -1 }, st = 0, e;
	sigset_t mask;
	pid_t child_pid = -1;
	char msg[512], dev[64];
	FILE *out = stderr;
	bool exited = false;

	R->sock = sock_path;
	R->lease_fd = R->ev_fd = -1;
	rc = parse(R, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (geteuid() != 0) {
		rerr("needs root (namespaces, links, nftables); CMD itself runs as you");
		return RUN_FAILED;
	}
	R->pid = getpid();
	R->sum.ns = R->ns;
	R->sum.monitor = R->monitor;
	snprintf(R->ns, sizeof(R->ns), "egr-%d", (int)R->pid);
	snprintf(R->host_if, sizeof(R->host_if), "egr%dh", (int)R->pid);
	snprintf(R->table, sizeof(R->table), "egressgate_run_%d", (int)R->pid);
	snprintf(R->etc_dir, sizeof(R->etc_dir), "/etc/netns/%.31s", R->ns);
	if (R->output) {
		out = fopen(R->output, "w");
		if (!out) {
			rerr("--output: cannot open %s: %s", R->output, strerror(errno));
			return RUN_USAGE;
		}
	}

	/* Signals wait in a signalfd until cleanup can take them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	/* A shell starts background jobs with SIGINT ignored; we must still see it. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);

	/* Our pid is ours: whatever carries it was left by a run that was killed. */
	teardown(R, true);
	rc = RUN_FAILED;
	err = open_events(R);
	if (err) {
		rerr("cannot reach egressd at %s: %s; is egressd running?", R->sock,
		     strerror(-err));
		goto out;
	}
	if (lease_take(R, R->monitor))
		goto out;
	if (setup_net(R))
		goto out;
	snprintf(dev, sizeof(dev), "netns=%.31s", R->ns);
	err = CTL(R, NULL, 0, msg, "attach", "dev=veth0", dev, "hook=xdp");
	if (err > 0) {
		/* No XDP guard (before Linux 5.18): the classifier inside the namespace. */
		rerr("note: XDP guard refused (%s); guarding veth0 inside the namespace instead, "
		     "which a CMD running as root there could remove", msg);
		err = CTL(R, NULL, 0, msg, "attach", "dev=veth0", dev, "hook=auto");
	}
	if (err) {
		rerr("egressd could not guard %s: %s", R->ns,
		     msg[0] ? msg : strerror(err < 0 ? -err : err));
		goto out;
	}
	R->attached = true;

	/* A signal that came during setup: CMD never starts. */
	{
		struct pollfd sp = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;

		if (poll(&sp, 1, 0) > 0 && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			rc = 128 + si.ssi_signo;
			goto out;
		}
	}
	if (pipe2(ep, O_CLOEXEC))
		goto out;
	fflush(NULL);
	child_pid = fork();
	if (child_pid < 0)
		goto out;
	if (!child_pid)
		child(R, ep[1]);
	close(ep[1]);
	ep[1] = -1;
	pfd = syscall(SYS_pidfd_open, child_pid, 0);

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = pfd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = R->ev_fd, .events = POLLIN },
		};

		if (poll(p, 3, pfd < 0 ? 100 : -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				kill(child_pid, si.ssi_signo);
		}
		if (p[2].revents)
			read_events(R);
		if (waitpid(child_pid, &st, WNOHANG) == child_pid) {
			exited = true;
			break;
		}
	}
	if (!exited)
		while (waitpid(child_pid, &st, 0) < 0 && errno == EINTR)
			;
	/* The child said why it never became CMD (its exit status carries the code). */
	(void)(read(ep[0], &e, sizeof(e)) == sizeof(e));
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (R->ev_fd < 0)
		rerr("egressd ended the event stream early (stopped, or this reader fell behind): "
		     "the summary is incomplete");
	/* Events trail the packets through the ring buffer: read until quiet, 20 rounds at most. */
	for (int i = 0; R->ev_fd >= 0 && i < 20; i++) {
		struct pollfd p = { .fd = R->ev_fd, .events = POLLIN };

		if (poll(&p, 1, DRAIN_MS) <= 0)
			break;
		for (int j = 0; j < 64 && R->ev_fd >= 0 && poll(&p, 1, 0) > 0; j++)
			read_events(R);
	}
	print_summary(&R->sum, R->cmd[0], rc, R->json, out);
out:
	if (R->ev_fd >= 0)
		close(R->ev_fd);
	teardown(R, false);
	lease_drop(R);
	if (out != stderr)
		fclose(out);
	for (int i = 0; i < 2; i++)
		if (ep[i] >= 0)
			close(ep[i]);
	if (pfd >= 0)
		close(pfd);
	if (sfd >= 0)
		close(sfd);
	return rc;
}
