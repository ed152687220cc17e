// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probes of enforcement, run inside the benchmark's namespaces (bench/run.sh
 * starts them with `ip netns exec`; the control socket is a path, reachable
 * from any network namespace).
 *
 *   probe    for each of N addresses: `egressctl block ADDR`, then connect
 *            until refused; the time from egressctl's exit to the refusal
 *   listen   accept and close connections (the far end: a connection that is
 *            not refused by egressgate succeeds)
 *   refused  connect until refused; print CLOCK_REALTIME of the refusal
 *   connect  one connection attempt: accepted, refused or timeout
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "bench.h"
#include "cmds.h"

extern char **environ;

struct target {
	struct sockaddr_storage ss;
	socklen_t len;
};

static int target_set(struct target *t, const char *addr, int port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&t->ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&t->ss;

	memset(t, 0, sizeof(*t));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		t->len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		t->len = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

/* One connection attempt: 1 refused, 0 connected, -errno otherwise. */
static int try_connect(const struct target *t, int timeout_ms)
{
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000};
	int fd = socket(t->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ret = connect(fd, (const struct sockaddr *)&t->ss, t->len);
	if (ret)
		ret = errno == ECONNREFUSED ? 1 : -errno;
	close(fd);
	return ret;
}

static __u64 realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Run argv with stdout on /dev/null (egressctl prints the rule it added); its exit status. */
static int run_wait(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	int st, err;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return -err;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static const char probe_usage[] =
	"Usage: egbench probe --egressctl PATH --socket SOCK --base ADDR6 --port P\n"
	"         [--count N] [--out FILE]\n"
	"For i = 1..N (default 1000): `egressctl --socket SOCK block BASE+i`, then connect\n"
	"to BASE+i port P until refused. Writes one line a rule: the microseconds from\n"
	"egressctl's exit to the refusal, and egressctl's own time. Run it in the\n"
	"namespace egressgate filters; the far end must accept (egbench listen).\n";

int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{"egressctl", required_argument, NULL, 'e'},
		{"socket", required_argument, NULL, 's'},
		{"base", required_argument, NULL, 'b'},
		{"port", required_argument, NULL, 'p'},
		{"count", required_argument, NULL, 'n'},
		{"out", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *ctl = NULL, *sock = NULL, *base = NULL, *outp = NULL;
	int c, i, port = 0, count = 1000, ret = 1, timeouts = 0;
	struct in6_addr b;
	FILE *out = stdout;

	while ((c = getopt_long(argc, argv, "e:s:b:p:n:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			ctl = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'b':
			base = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'o':
			outp = optarg;
			break;
		case 'h':
			fputs(probe_usage, stdout);
			return 0;
		default:
			fputs(probe_usage, stderr);
			return 2;
		}
	}
	if (!ctl || !sock || !base || port <= 0 || count < 1 || count > 65535 ||
	    inet_pton(AF_INET6, base, &b) != 1) {
		fputs(probe_usage, stderr);
		return 2;
	}
	if (outp && !(out = fopen(outp, "w"))) {
		fprintf(stderr, "egbench probe: %s: %s\n", outp, strerror(errno));
		return 1;
	}
	fprintf(out, "latency_us\tegressctl_us\tconnects\n");
	for (i = 1; i <= count; i++) {
		char addr[INET6_ADDRSTRLEN];
		struct in6_addr a = b;
		struct target t;
		__u64 t0, t1, t2;
		int tries = 0, r, st;

		a.s6_addr[14] = i >> 8;
		a.s6_addr[15] = i & 0xff;
		inet_ntop(AF_INET6, &a, addr, sizeof(addr));
		target_set(&t, addr, port);
		if (i == 1 && try_connect(&t, 1000) != 0) {
			fprintf(stderr, "egbench probe: %s is not reachable before the block\n",
				addr);
			goto out;
		}
		{
			char *args[] = {(char *)ctl, "--socket", (char *)sock, "block", addr, NULL};

			t0 = bench_now_ns();
			st = run_wait(args);
			t1 = bench_now_ns();
		}
		if (st) {
			fprintf(stderr, "egbench probe: egressctl block %s exited with %d\n", addr,
				st);
			goto out;
		}
		do {
			r = try_connect(&t, 200);
			tries++;
		} while (r == 0 && bench_now_ns() - t1 < 1000000000ULL);
		t2 = bench_now_ns();
		if (r != 1) {
			timeouts++;
			continue;
		}
		fprintf(out, "%.1f\t%.1f\t%d\n", (t2 - t1) / 1e3, (t1 - t0) / 1e3, tries);
	}
	ret = timeouts ? 1 : 0;
	if (timeouts)
		fprintf(stderr, "egbench probe: %d rules not enforced within 1 s\n", timeouts);
out:
	if (out != stdout)
		fclose(out);
	return ret;
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static const char listen_usage[] =
	"Usage: egbench listen --port P\n"
	"Accept TCP connections on [::]:P (IPv4 too) and close them, until SIGTERM.\n";

int cmd_listen(int argc, char **argv)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
	struct sigaction act = {.sa_handler = on_term};
	int fd, one = 1, zero = 0, port = 0;

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		fputs(listen_usage, stdout);
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "--port") || (port = atoi(argv[2])) <= 0) {
		fputs(listen_usage, stderr);
		return 2;
	}
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	sa.sin6_port = htons(port);
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4096)) {
		fprintf(stderr, "egbench listen: port %d: %s\n", port, strerror(errno));
		return 1;
	}
	while (!stop) {
		int c = accept(fd, NULL, NULL);

		if (c >= 0)
			close(c);
	}
	close(fd);
	return 0;
}

static const char refused_usage[] =
	"Usage: egbench refused --addr ADDR --port P [--timeout-ms T]\n"
	"Connect to ADDR:P until refused; print the CLOCK_REALTIME nanoseconds of the\n"
	"refusal. Exit 1 when T (default 600000) passes first.\n";

int cmd_refused(int argc, char **argv)
{
	static const struct option opts[] = {
		{"addr", required_argument, NULL, 'a'},
		{"port", required_argument, NULL, 'p'},
		{"timeout-ms", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *addr = NULL;
	int c, port = 0, timeout = 600000;
	struct target t;
	__u64 t0;

	while ((c = getopt_long(argc, argv, "a:p:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		case 'h':
			fputs(refused_usage, stdout);
			return 0;
		default:
			fputs(refused_usage, stderr);
			return 2;
		}
	}
	if (!addr || port <= 0 || target_set(&t, addr, port)) {
		fputs(refused_usage, stderr);
		return 2;
	}
	t0 = bench_now_ns();
	while (bench_now_ns() - t0 < (__u64)timeout * 1000000ULL) {
		if (try_connect(&t, 200) == 1) {
			printf("%llu\n", (unsigned long long)realtime_ns());
			return 0;
		}
		usleep(1000);
	}
	return 1;
}

static const char connect_usage[] =
	"Usage: egbench connect --addr ADDR --port P [--timeout-ms T]\n"
	"One connection attempt; prints accepted, refused or timeout (T, default 300 ms).\n";

int cmd_connect(int argc, char **argv)
{
	static const struct option opts[] = {
		{"addr", required_argument, NULL, 'a'},
		{"port", required_argument, NULL, 'p'},
		{"timeout-ms", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *addr = NULL;
	int c, port = 0, timeout = 300, r;
	struct target t;

	while ((c = getopt_long(argc, argv, "a:p:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		case 'h':
			fputs(connect_usage, stdout);
			return 0;
		default:
			fputs(connect_usage, stderr);
			return 2;
		}
	}
	if (!addr || port <= 0 || timeout <= 0 || target_set(&t, addr, port)) {
		fputs(connect_usage, stderr);
		return 2;
	}
	r = try_connect(&t, timeout);
	puts(r == 0 ? "accepted" : r == 1 ? "refused" : "timeout");
	return 0;
}
