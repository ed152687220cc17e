// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * egressctl: the operator's command line for egressd. It checks what it can
 * locally, so mistakes are reported before anything is sent, then sends one
 * request over the control socket (lib/ctl.h) and relays the reply. Policy
 * decisions stay in the daemon.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "egressgate.h"
#include "addr.h"
#include "name.h"
#include "ctl.h"
#include "run.h"

#ifndef EG_VERSION
#define EG_VERSION "0.1"
#endif

#define ENV_SOCKET "EGRESSCTL_SOCKET"
#define COMMENT_MAX 127 /* egressd stores comments in 128 bytes with the NUL */

/* Scripts branch on these; egressctl(8) documents them. Never renumber. */
enum {
	RC_OK = 0,
	RC_FAILED = 1,	    /* egressd refused or failed the request */
	RC_USAGE = 2,	    /* bad command line */
	RC_UNREACHABLE = 3, /* could not talk to egressd */
	HELP_SHOWN = -1,    /* option parsing printed --help: stop, successfully */
};

struct cmd;
typedef int (*cmd_fn)(const struct cmd *c, int argc, char **argv);

struct cmd {
	const char *name;
	cmd_fn run;
	const char *synopsis; /* after "egressctl NAME" */
	const char *summary;
	const char *help;
	const char *const *choices; /* for commands that take one keyword */
};

/* A request under construction: argv for eg_ctl_encode() and its strings. */
struct req {
	int argc;
	int err;
	char *argv[EG_CTL_MAX_ARGS];
	char store[2048];
	size_t used;
};

static const char *sock_path;

/*
 * The signal handler shuts the socket down rather than relying on EINTR,
 * because the frame reader retries interrupted reads.
 */
static volatile sig_atomic_t stopping;
static volatile sig_atomic_t stream_fd = -1;

static void verr(const struct cmd *c, const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("egressctl: ", stderr);
	if (c)
		fprintf(stderr, "%s: ", c->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* A bad value: the message says what is wrong, a hint would be noise. */
static int __attribute__((format(printf, 2, 3)))
usage_err(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(c, fmt, ap);
	va_end(ap);
	return RC_USAGE;
}

/* A malformed command line: point at the help. */
static int __attribute__((format(printf, 2, 3)))
syntax_err(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(c, fmt, ap);
	va_end(ap);
	if (c)
		fprintf(stderr, "Try 'egressctl %s --help'.\n", c->name);
	else
		fprintf(stderr, "Try 'egressctl --help'.\n");
	return RC_USAGE;
}

static void __attribute__((format(printf, 2, 3))) req_add(struct req *r, const char *fmt, ...)
{
	size_t room = sizeof(r->store) - r->used;
	va_list ap;
	int n;

	if (r->err)
		return;
	if (r->argc == EG_CTL_MAX_ARGS) {
		r->err = -E2BIG;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(r->store + r->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		r->err = n < 0 ? -EINVAL : -E2BIG;
		return;
	}
	r->argv[r->argc++] = r->store + r->used;
	r->used += n + 1;
}

/* getopt_long's own messages name neither the command nor the help. */
static int opt_fail(const struct cmd *c, char **argv, int ch)
{
	const char *arg = argv[optind - 1];

	if (ch == ':')
		return syntax_err(c, "option '%s' needs a value", arg);
	if (!strncmp(arg, "--", 2)) {
		if (optopt && strchr(arg, '='))
			return syntax_err(c, "option '%.*s' takes no value",
					  (int)(strchr(arg, '=') - arg), arg);
		return syntax_err(c, "unknown or ambiguous option '%s'", arg);
	}
	if (isprint(optopt))
		return syntax_err(c, "unknown option '-%c'", optopt);
	return syntax_err(c, "unknown option '%s'", arg);
}

static void print_cmd_help(const struct cmd *c, FILE *f)
{
	fprintf(f, "Usage: egressctl [--socket PATH] %s%s%s\n\n%s\n", c->name,
		*c->synopsis ? " " : "", c->synopsis, c->summary);
	if (c->help)
		fprintf(f, "\n%s", c->help);
	fprintf(f, "  -h, --help           show this help\n");
}

/* Subcommands see argv[0] == their name; glibc restarts getopt at optind 0. */
static int parse_opts(const struct cmd *c, int argc, char **argv, const char *shortopts,
		      const struct option *longopts,
		      int (*take)(const struct cmd *c, int ch, void *ctx), void *ctx)
{
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (ch == 'h') {
			print_cmd_help(c, stdout);
			return HELP_SHOWN;
		}
		if (ch == '?' || ch == ':')
			return opt_fail(c, argv, ch);
		rc = take(c, ch, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

static int opts_rc(int rc)
{
	return rc == HELP_SHOWN ? RC_OK : rc;
}

static int positionals(const struct cmd *c, int argc, char **argv, int want, const char *what)
{
	int have = argc - optind;

	if (have < want)
		return syntax_err(c, "missing %s", what);
	if (have > want)
		return syntax_err(c, "unexpected argument '%s'", argv[optind + want]);
	return 0;
}

/* The kernel's dev_valid_name() rules, so a typo fails here, not in netlink. */
static int check_dev(const struct cmd *c, const char *dev)
{
	const char *p;

	if (!*dev)
		return usage_err(c, "interface name is empty");
	if (strlen(dev) >= IFNAMSIZ)
		return usage_err(c, "interface name '%s' is longer than %d characters", dev,
				 IFNAMSIZ - 1);
	if (!strcmp(dev, ".") || !strcmp(dev, ".."))
		return usage_err(c, "'%s' is not a valid interface name", dev);
	for (p = dev; *p; p++) {
		if (isspace((unsigned char)*p))
			return usage_err(c, "interface name '%s' must not contain whitespace", dev);
		if (*p == '/' || *p == ':')
			return usage_err(c, "interface name '%s' must not contain '%c'", dev, *p);
	}
	return 0;
}

/* A name under /run/netns: anything that could leave that directory is refused. */
static int check_netns(const struct cmd *c, const char *name)
{
	if (!*name)
		return usage_err(c, "--netns: namespace name is empty");
	if (strchr(name, '/'))
		return usage_err(c, "--netns: '%s' must not contain '/'", name);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return usage_err(c, "--netns: '%s' is not a namespace name", name);
	if (strlen(name) > NAME_MAX)
		return usage_err(c, "--netns: name is longer than %d bytes", NAME_MAX);
	return 0;
}

static int parse_positive(const struct cmd *c, const char *opt, const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || v <= 0 || v > INT_MAX)
		return usage_err(c, "%s: '%s' is not a positive integer", opt, s);
	*out = v;
	return 0;
}

static int check_prefix(const struct cmd *c, const char *s)
{
	char msg[256];
	struct eg_prefix p;

	if (eg_prefix_parse(s, &p, msg, sizeof(msg)))
		return usage_err(c, "%s", msg);
	return 0;
}

static int check_name(const struct cmd *c, const char *s)
{
	struct eg_name_pat p;
	char msg[256];

	if (eg_name_parse(s, &p, msg, sizeof(msg)))
		return usage_err(c, "--name: %s", msg);
	return 0;
}

static void on_signal(int sig)
{
	stopping = 1;
	if (stream_fd >= 0)
		shutdown(stream_fd, SHUT_RDWR);
}

static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int malformed(const char *what)
{
	fflush(stdout);
	fprintf(stderr, "egressctl: malformed reply from egressd at %s: %s\n", sock_path, what);
	return RC_FAILED;
}

static int handle_end(const struct cmd *c, const char *buf, size_t len)
{
	const char *msg = buf + 4;
	size_t mlen;
	__u32 be;
	int status;

	if (len < 4)
		return malformed("final frame is shorter than its 4-byte status");
	memcpy(&be, buf, 4);
	status = (int)ntohl(be);
	mlen = len - 4;
	while (mlen && msg[mlen - 1] == '\0')
		mlen--;
	if (!status) {
		if (mlen) {
			fwrite(msg, 1, mlen, stdout);
			if (msg[mlen - 1] != '\n')
				fputc('\n', stdout);
		}
		return RC_OK;
	}
	while (mlen && (msg[mlen - 1] == '\n' || msg[mlen - 1] == '\0'))
		mlen--;
	fflush(stdout);
	if (mlen)
		fprintf(stderr, "egressctl: %.*s\n", (int)mlen, msg);
	else
		fprintf(stderr, "egressctl: %s: egressd failed the request: %s\n", c->name,
			strerror(status));
	return RC_FAILED;
}

static int read_failed(int err, bool follow)
{
	char what[128];

	switch (err) {
	case -ECONNRESET:
		fflush(stdout);
		if (follow)
			fprintf(stderr,
				"egressctl: egressd at %s ended the event stream (stopped, or dropped this reader for falling behind)\n",
				sock_path);
		else
			fprintf(stderr,
				"egressctl: egressd at %s closed the connection before finishing its reply\n",
				sock_path);
		return RC_FAILED;
	case -EPROTO:
		return malformed("unknown frame type or truncated frame");
	case -EMSGSIZE:
		snprintf(what, sizeof(what), "frame longer than %d bytes", EG_CTL_MAX_FRAME);
		return malformed(what);
	default:
		fflush(stdout);
		fprintf(stderr, "egressctl: reading reply from egressd at %s: %s\n", sock_path,
			strerror(-err));
		return RC_FAILED;
	}
}

/*
 * Send one request and relay the reply: DATA frames to stdout as they come,
 * then the END frame's status decides the exit code.
 */
static int run_request(const struct cmd *c, struct req *r, bool follow)
{
	static char buf[EG_CTL_MAX_FRAME];
	int fd, type, err, rc;
	size_t len;

	if (!r->err)
		r->err = eg_ctl_encode(r->argc, r->argv, buf, sizeof(buf), &len);
	if (r->err)
		return usage_err(c, "request does not fit in a frame: %s", strerror(-r->err));

	if (follow)
		catch_stop_signals();
	fd = eg_ctl_connect(sock_path);
	if (fd < 0) {
		if (stopping)
			return RC_OK;
		fprintf(stderr, "egressctl: cannot reach egressd at %s: %s; is egressd running?\n",
			sock_path, strerror(-fd));
		return RC_UNREACHABLE;
	}
	if (follow)
		stream_fd = fd;

	err = eg_ctl_write_frame(fd, EG_CTL_REQ, buf, len);
	if (err && !stopping) {
		/* egressd may refuse before reading (a non-root client): its reason is queued. */
		if (!eg_ctl_read_frame(fd, &type, buf, sizeof(buf), &len) && type == EG_CTL_END) {
			rc = handle_end(c, buf, len);
			goto out;
		}
		fprintf(stderr,
			"egressctl: cannot send the request to egressd at %s: %s; is egressd running?\n",
			sock_path, strerror(-err));
		rc = RC_UNREACHABLE;
		goto out;
	}

	for (;;) {
		/* Checked before every read: a signal may land between reads. */
		if (stopping) {
			rc = RC_OK;
			break;
		}
		err = eg_ctl_read_frame(fd, &type, buf, sizeof(buf), &len);
		if (err) {
			rc = stopping ? RC_OK : read_failed(err, follow);
			break;
		}
		if (type == EG_CTL_END) {
			rc = handle_end(c, buf, len);
			break;
		}
		if (type != EG_CTL_DATA) {
			rc = malformed("request frame in a reply");
			break;
		}
		fwrite(buf, 1, len, stdout);
		if (follow)
			fflush(stdout);
	}
out:
	stream_fd = -1;
	close(fd);
	if ((fflush(stdout) || ferror(stdout)) && rc == RC_OK) {
		fprintf(stderr, "egressctl: cannot write to standard output: %s\n",
			strerror(errno));
		rc = RC_FAILED;
	}
	return rc;
}

/* status, rules: listings that differ only in the verb. */

static int take_json(const struct cmd *c, int ch, void *ctx)
{
	*(bool *)ctx = true;
	return 0;
}

static int cmd_listing(const struct cmd *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct req r = {};
	bool json = false;
	int rc;

	rc = parse_opts(c, argc, argv, ":jh", opts, take_json, &json);
	if (rc)
		return opts_rc(rc);
	rc = positionals(c, argc, argv, 0, "");
	if (rc)
		return rc;
	req_add(&r, "%s", c->name);
	if (json)
		req_add(&r, "json=1");
	return run_request(c, &r, false);
}

/* rules: --json, and --learned for the addresses learned from DNS answers. */
struct rules_opts {
	bool json;
	bool learned;
};

static int take_rules_opts(const struct cmd *c, int ch, void *ctx)
{
	struct rules_opts *o = ctx;

	if (ch == 'l')
		o->learned = true;
	else
		o->json = true;
	return 0;
}

static int cmd_rules(const struct cmd *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "learned", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct rules_opts o = {};
	struct req r = {};
	int rc;

	rc = parse_opts(c, argc, argv, ":jlh", opts, take_rules_opts, &o);
	if (rc)
		return opts_rc(rc);
	rc = positionals(c, argc, argv, 0, "");
	if (rc)
		return rc;
	req_add(&r, "rules");
	if (o.json)
		req_add(&r, "json=1");
	if (o.learned)
		req_add(&r, "learned=1");
	return run_request(c, &r, false);
}

/* reload: nothing but the verb. */
static int take_none(const struct cmd *c, int ch, void *ctx)
{
	return 0;
}

static int cmd_plain(const struct cmd *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct req r = {};
	int rc;

	rc = parse_opts(c, argc, argv, ":h", opts, take_none, NULL);
	if (rc)
		return opts_rc(rc);
	rc = positionals(c, argc, argv, 0, "");
	if (rc)
		return rc;
	req_add(&r, "%s", c->name);
	return run_request(c, &r, false);
}

/* mode, default: one keyword out of c->choices. */
static int cmd_value(const struct cmd *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *const *v;
	struct req r = {};
	const char *val;
	int rc;

	rc = parse_opts(c, argc, argv, ":h", opts, take_none, NULL);
	if (rc)
		return opts_rc(rc);
	rc = positionals(c, argc, argv, 1, "a value");
	if (rc)
		return rc;
	val = argv[optind];
	for (v = c->choices; *v; v++)
		if (!strcmp(*v, val))
			break;
	if (!*v)
		return usage_err(c, "'%s' is not one of: %s", val, c->synopsis);
	req_add(&r, "%s", c->name);
	req_add(&r, "value=%s", val);
	return run_request(c, &r, false);
}

/* attach, detach */

struct where {
	const char *netns;
	long pid;
	const char *hook;
	bool all;
};

static int take_where(const struct cmd *c, int ch, void *ctx)
{
	struct where *w = ctx;
	int rc;

	switch (ch) {
	case 'N':
		if (w->pid)
			return usage_err(c, "--netns and --pid are mutually exclusive");
		rc = check_netns(c, optarg);
		if (rc)
			return rc;
		w->netns = optarg;
		return 0;
	case 'P':
		if (w->netns)
			return usage_err(c, "--netns and --pid are mutually exclusive");
		return parse_positive(c, "--pid", optarg, &w->pid);
	case 'H':
		if (strcmp(optarg, "auto") && strcmp(optarg, "tcx") && strcmp(optarg, "tc") &&
		    strcmp(optarg, "xdp"))
			return usage_err(c, "--hook: '%s' is not one of auto, tcx, tc, xdp", optarg);
		w->hook = optarg;
		return 0;
	case 'A':
		w->all = true;
		return 0;
	}
	return syntax_err(c, "unhandled option");
}

static void req_add_where(struct req *r, const struct where *w)
{
	if (w->netns)
		req_add(r, "netns=%s", w->netns);
	if (w->pid)
		req_add(r, "pid=%ld", w->pid);
}

static int cmd_attach(const struct cmd *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "netns", required_argument, NULL, 'N' },
		{ "pid", required_argument, NULL, 'P' },
		{ "hook", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct where w = { .hook = "auto" };
	struct req r = {};
	int rc;

	rc = parse_opts(c, argc, argv, ":h", opts, take_where, &w);
	if (rc)
		return opts_rc(rc);
	rc = positionals(c, argc, argv, 1, "the interface (DEV)");
	if (!rc)
		rc = check_dev(c, argv[optind]);
	if (rc)
		return rc;
	req_add(&r, "attach");
	req_add(&r, "dev=%s", argv[optind]);
	req_add_where(&r, &w);
	req_add(&r, "hook=%s", w.hook);
	return run_request(c, &r, false);
}

static int cmd_detach(const struct cmd *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "netns", required_argument, NULL, 'N' },
		{ "pid", required_argument, NULL, 'P' },
		{ "all", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct where w = {};
	struct req r = {};
	int rc;

	rc = parse_opts(c, argc, argv, ":h", opts, take_where, &w);
	if (rc)
		return opts_rc(rc);
	if (w.all) {
		if (w.netns || w.pid)
			return usage_err(c,
					 "--all removes everything; it takes no --netns or --pid");
		if (argc > optind)
			return usage_err(
				c, "--all removes everything; it takes no interface, got '%s'",
				argv[optind]);
		req_add(&r, "detach");
		req_add(&r, "all=1");
		return run_request(c, &r, false);
	}
	rc = positionals(c, argc, argv, 1, "the interface (DEV), or --all");
	if (!rc)
		rc = check_dev(c, argv[optind]);
	if (rc)
		return rc;
	req_add(&r, "detach");
	req_add(&r, "dev=%s", argv[optind]);
	req_add_where(&r, &w);
	return run_request(c, &r, false);
}

/* block, drop, allow, monitor: the command name is the action. */

static int take_comment(const struct cmd *c, int ch, void *ctx)
{
	const char *p;

	if (strlen(optarg) > COMMENT_MAX)
		return usage_err(c, "--comment: %zu bytes, at most %d allowed", strlen(optarg),
				 COMMENT_MAX);
	/* Rules are listed one per line; a control character would break that. */
	for (p = optarg; *p; p++)
		if (iscntrl((unsigned char)*p))
			return usage_err(c, "--comment: must not contain %s",
					 *p == '\n' ? "a newline" : "control characters");
	*(const char **)ctx = optarg;
	return 0;
}

struct rule_opts {
	const char *comment;
	const char *name;
};

static int take_rule_opts(const struct cmd *c, int ch, void *ctx)
{
	struct rule_opts *o = ctx;

	if (ch == 'n') {
		if (o->name)
			return usage_err(c, "--name given twice");
		o->name = optarg;
		return check_name(c, optarg);
	}
	return take_comment(c, ch, &o->comment);
}

static int cmd_rule(const struct cmd *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "comment", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct rule_opts o = {};
	struct req r = {};
	int rc;

	rc = parse_opts(c, argc, argv, ":c:n:h", opts, take_rule_opts, &o);
	if (rc)
		return opts_rc(rc);
	if (o.name) {
		if (optind < argc)
			return usage_err(c, "give PREFIX or --name NAME, not both");
	} else {
		rc = positionals(c, argc, argv, 1, "PREFIX (or --name NAME)");
		if (!rc)
			rc = check_prefix(c, argv[optind]);
		if (rc)
			return rc;
	}
	req_add(&r, "rule");
	req_add(&r, "action=%s", c->name);
	if (o.name)
		req_add(&r, "name=%s", o.name);
	else
		req_add(&r, "prefix=%s", argv[optind]);
	if (o.comment)
		req_add(&r, "comment=%s", o.comment);
	return run_request(c, &r, false);
}

static int cmd_unblock(const struct cmd *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct rule_opts o = {};
	struct req r = {};
	int rc;

	rc = parse_opts(c, argc, argv, ":n:h", opts, take_rule_opts, &o);
	if (rc)
		return opts_rc(rc);
	if (o.name) {
		if (optind < argc)
			return usage_err(c, "give PREFIX or --name NAME, not both");
		req_add(&r, "unblock");
		req_add(&r, "name=%s", o.name);
		return run_request(c, &r, false);
	}
	rc = positionals(c, argc, argv, 1, "PREFIX (or --name NAME)");
	if (!rc)
		rc = check_prefix(c, argv[optind]);
	if (rc)
		return rc;
	req_add(&r, "unblock");
	req_add(&r, "prefix=%s", argv[optind]);
	return run_request(c, &r, false);
}

/* events */

struct events_opts {
	bool follow;
	bool json;
	long count;
};

static int take_events(const struct cmd *c, int ch, void *ctx)
{
	struct events_opts *o = ctx;

	switch (ch) {
	case 'f':
		o->follow = true;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case 'n':
		return parse_positive(c, "--count", optarg, &o->count);
	}
	return syntax_err(c, "unhandled option");
}

static int cmd_events(const struct cmd *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct events_opts o = {};
	struct req r = {};
	int rc;

	rc = parse_opts(c, argc, argv, ":fjn:h", opts, take_events, &o);
	if (rc)
		return opts_rc(rc);
	rc = positionals(c, argc, argv, 0, "");
	if (rc)
		return rc;
	req_add(&r, "events");
	if (o.follow)
		req_add(&r, "follow=1");
	if (o.json)
		req_add(&r, "json=1");
	if (o.count)
		req_add(&r, "count=%ld", o.count);
	return run_request(c, &r, o.follow);
}

static int cmd_help(const struct cmd *c, int argc, char **argv);

/* run: its own options and exit codes (tools/run.c). */
static int cmd_run(const struct cmd *c, int argc, char **argv)
{
	return eg_run(sock_path, argc, argv);
}

static const char *const mode_values[] = { "enforce", "monitor", NULL };
static const char *const default_values[] = { "allow", "deny", NULL };

#define JSON_HELP "  -j, --json           print JSON instead of text\n"
#define COMMENT_HELP                                                                     \
	"PREFIX is an IPv4 or IPv6 address or network, e.g. 198.51.100.0/24,\n"          \
	"203.0.113.7 or 2001:db8::/32; host bits must be zero.\n"                          \
	"NAME is a DNS name: github.com (it and every name below it), *.github.com\n"     \
	"(only names below it) or =github.com (only itself). Names are matched in DNS\n"  \
	"queries, TLS server names and HTTP Host headers; the most specific rule wins.\n\n" \
	"Options:\n"                                                                     \
	"  -n, --name NAME      a name rule instead of PREFIX\n"                          \
	"  -c, --comment TEXT   note kept with the rule (at most 127 bytes, one line)\n"

static const struct cmd cmds[] = {
	{ "status", cmd_listing, "[--json]",
	  "Show the mode, the default verdict, attachments and counters.", "Options:\n" JSON_HELP },
	{ "attach", cmd_attach, "[--netns NAME | --pid PID] DEV [--hook auto|tcx|tc|xdp]",
	  "Attach the egress filter to interface DEV.",
	  "DEV is looked up in the host namespace unless --netns or --pid names another.\n\n"
	  "Options:\n"
	  "      --netns NAME     DEV is in the named namespace (ip netns)\n"
	  "      --pid PID        DEV is in the network namespace of process PID\n"
	  "      --hook HOOK      auto (tcx if the kernel has it, else tc), tcx, tc, or xdp:\n"
	  "                       XDP on the host side of the namespace's veth DEV, which\n"
	  "                       nothing inside the namespace can bypass (for a host\n"
	  "                       device: its ingress, a gateway's guard)\n" },
	{ "detach", cmd_detach, "[--netns NAME | --pid PID] DEV | --all",
	  "Detach from DEV, or remove everything egressgate attached.",
	  "Only hooks and qdiscs that egressgate created are removed.\n\n"
	  "Options:\n"
	  "      --netns NAME     DEV is in the named namespace (ip netns)\n"
	  "      --pid PID        DEV is in the network namespace of process PID\n"
	  "      --all            remove every attachment egressgate made, in any namespace\n" },
	{ "block", cmd_rule, "PREFIX | --name NAME [--comment TEXT]",
	  "Reject traffic to PREFIX: TCP is reset, the rest dropped.", COMMENT_HELP },
	{ "drop", cmd_rule, "PREFIX | --name NAME [--comment TEXT]", "Drop traffic to PREFIX silently.",
	  COMMENT_HELP },
	{ "allow", cmd_rule, "PREFIX | --name NAME [--comment TEXT]",
	  "Let traffic to PREFIX pass, even under default deny.", COMMENT_HELP },
	{ "monitor", cmd_rule, "PREFIX | --name NAME [--comment TEXT]",
	  "Let traffic to PREFIX pass and report each packet as an event.", COMMENT_HELP },
	{ "unblock", cmd_unblock, "PREFIX | --name NAME",
	  "Remove the rule for PREFIX or NAME, whatever its action.",
	  "PREFIX names the rule exactly: unblock 198.51.100.0/25 leaves a rule for 198.51.100.0/24;\n"
	  "likewise --name *.github.com leaves a rule for github.com.\n\n"
	  "Options:\n"
	  "  -n, --name NAME      remove the name rule NAME (github.com, *.github.com, =github.com)\n" },
	{ "rules", cmd_rules, "[--learned] [--json]", "List the rules and how often each matched.",
	  "With --learned, list the addresses learned from DNS answers instead: each\n"
	  "carries the name asked for, the rule that matched it, and its remaining time.\n\n"
	  "Options:\n"
	  "  -l, --learned        the learned addresses\n" JSON_HELP },
	{ "events", cmd_events, "[--follow] [--json] [-n|--count N]", "Show recent verdict events.",
	  "Options:\n"
	  "  -f, --follow         keep printing events as they happen, until interrupted\n" JSON_HELP
	  "  -n, --count N        at most N events\n" },
	{ "mode", cmd_value, "enforce|monitor",
	  "Set the mode: enforce acts on verdicts, monitor only reports them.", "Options:\n",
	  mode_values },
	{ "default", cmd_value, "allow|deny", "Set the verdict for traffic that matches no rule.",
	  "Options:\n", default_values },
	{ "run", cmd_run, EG_RUN_SYNOPSIS, EG_RUN_SUMMARY, eg_run_help },
	{ "reload", cmd_plain, "", "Reload the policy file and apply it.", "Options:\n" },
	{ "help", cmd_help, "[COMMAND]", "Show help for egressctl or one command.", "Options:\n" },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < N_CMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: egressctl [--socket PATH] COMMAND [ARGS]\n"
		   "       egressctl COMMAND --help\n\n"
		   "Control egressd, the egressgate egress filter daemon.\n\n"
		   "Commands:\n");
	for (i = 0; i < N_CMDS; i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\nOptions:\n"
		   "      --socket PATH    egressd's control socket (default: $" ENV_SOCKET ",\n"
		   "                       else " EG_SOCK_DEFAULT ")\n"
		   "  -h, --help           show this help\n"
		   "      --version        show the version\n\n"
		   "Exit status: 0 success, 1 egressd refused or failed the request,\n"
		   "2 usage error, 3 egressd could not be reached.\n");
}

static int cmd_help(const struct cmd *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const struct cmd *target;
	int rc;

	rc = parse_opts(c, argc, argv, ":h", opts, take_none, NULL);
	if (rc)
		return opts_rc(rc);
	if (argc - optind > 1)
		return syntax_err(c, "unexpected argument '%s'", argv[optind + 1]);
	if (argc == optind) {
		print_usage(stdout);
		return RC_OK;
	}
	target = find_cmd(argv[optind]);
	if (!target)
		return syntax_err(c, "unknown command '%s'", argv[optind]);
	print_cmd_help(target, stdout);
	return RC_OK;
}

static int set_socket(const char *path, const char *from)
{
	struct sockaddr_un sun;

	if (!*path)
		return usage_err(NULL, "%s: socket path is empty", from);
	if (strlen(path) >= sizeof(sun.sun_path))
		return usage_err(NULL, "%s: socket path '%s' is longer than %zu bytes", from, path,
				 sizeof(sun.sun_path) - 1);
	sock_path = path;
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_SOCKET = 256, OPT_VERSION };
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{},
	};
	const char *path = NULL, *env;
	const struct cmd *c;
	int ch, rc;

	/* '+': stop at the command, whose options are its own. */
	while ((ch = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_SOCKET:
			path = optarg;
			break;
		case 'h':
			print_usage(stdout);
			return RC_OK;
		case OPT_VERSION:
			printf("egressctl %s\n", EG_VERSION);
			return RC_OK;
		default:
			return opt_fail(NULL, argv, ch);
		}
	}

	if (path)
		rc = set_socket(path, "--socket");
	else if ((env = getenv(ENV_SOCKET)) && *env)
		rc = set_socket(env, ENV_SOCKET);
	else
		rc = set_socket(EG_SOCK_DEFAULT, "default");
	if (rc)
		return rc;

	if (optind == argc) {
		fprintf(stderr, "egressctl: no command given\n");
		print_usage(stderr);
		return RC_USAGE;
	}
	c = find_cmd(argv[optind]);
	if (!c)
		return syntax_err(NULL, "unknown command '%s'", argv[optind]);
	return c->run(c, argc - optind, argv + optind);
}
