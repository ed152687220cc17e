// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The Prometheus endpoint. The exposition is rendered by a function that
 * only reads (so it can be tested on its own); the HTTP side is the least a
 * scraper needs: one request per connection, answered and closed, with the
 * read and the write each bounded so a slow peer cannot stall the daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "daemon.h"
#include "log.h"
#include "learned.h"
#include "metrics.h"

/* Values buffer of one batched lookup of the rule stats: bounded on many-CPU hosts. */
#define EG_METRICS_BATCH_BYTES (1U << 20)

/* ---- exposition ---- */

static void family(struct eg_buf *b, const char *name, const char *type, const char *help)
{
	eg_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * A label value escaped per the text format (backslash, double quote,
 * newline). Returns s itself when nothing needs escaping, the common case.
 */
static const char *esc(const char *s, char *buf, size_t len)
{
	size_t k = 0;

	if (!strpbrk(s, "\\\"\n"))
		return s;
	for (; *s && k + 3 <= len; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n')
			buf[k++] = '\\';
		buf[k++] = *s == '\n' ? 'n' : *s;
	}
	buf[k] = '\0';
	return buf;
}

/* A sample with one label; esc() keeps the value well-formed. */
static void sample1(struct eg_buf *b, const char *name, const char *key, const char *val,
		    unsigned long long v)
{
	char e[256];

	eg_buf_printf(b, "%s{%s=\"%s\"} %llu\n", name, key, esc(val, e, sizeof(e)), v);
}

static int percpu_sum(int fd, __u32 key, __u64 *sum)
{
	int n = eg_ncpus(), i;
	__u64 v[n > 0 ? n : 1];

	*sum = 0;
	if (n <= 0)
		return -EINVAL;
	if (bpf_map_lookup_elem(fd, &key, v))
		return -errno;
	for (i = 0; i < n; i++)
		*sum += v[i];
	return 0;
}

/*
 * A counter that cannot be read is left out rather than shown as 0: a
 * scraper would take the 0 for a reset and the next good read for a burst.
 */
static void stat_sample(struct eg_buf *b, struct eg_daemon *D, const char *name, int stat)
{
	__u64 v;

	if (!percpu_sum(D->L.fd_stats, stat, &v))
		eg_buf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

struct hit {
	__u32 id;
	__u64 packets, bytes;
	const struct eg_rentry *e;  /* a prefix rule, or */
	const struct eg_nentry *ne; /* a name rule */
};

/* The rule's identity as labels: prefix="..." or name="...". */
static void rule_labels(const struct hit *h, char *buf, size_t len)
{
	char s[EG_NAME_BUF + 8];

	if (h->e) {
		eg_prefix_format(&h->e->r.pfx, s, sizeof(s));
		snprintf(buf, len, "action=\"%s\",prefix=\"%s\"", eg_action_name(h->e->r.action), s);
	} else {
		/* Validated names hold only [a-z0-9._-] and a leading "*." or "=". */
		eg_name_format(&h->ne->r.pat, s, sizeof(s));
		snprintf(buf, len, "action=\"%s\",name=\"%s\"", eg_action_name(h->ne->r.action), s);
	}
}

static int hit_cmp(const void *a, const void *b)
{
	__u32 x = ((const struct hit *)a)->id, y = ((const struct hit *)b)->id;

	return x < y ? -1 : x > y;
}

static int hits_add(struct hit **v, size_t *n, size_t *cap, __u32 id,
		    const struct eg_rule_stat *st, int ncpu)
{
	struct hit h = { .id = id };
	int i;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 1024;
		struct hit *nv = realloc(*v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	for (i = 0; i < ncpu; i++) {
		h.packets += st[i].packets;
		h.bytes += st[i].bytes;
	}
	(*v)[(*n)++] = h;
	return 0;
}

/*
 * Every entry of the rule stats map, summed over CPUs. The map holds only
 * rules hit at least once (at most EG_MAX_RULE_STATS), so this is bounded
 * where walking a 1M-rule table with one lookup per rule would not be.
 * Batched lookups (kernel 5.6+) cut the syscalls; key by key otherwise.
 */
static int read_hits(int fd, struct hit **out, size_t *nout)
{
	int ncpu = eg_ncpus(), err = 0;
	size_t vsz, n = 0, cap = 0;
	struct hit *v = NULL;
	struct eg_rule_stat *vals = NULL;
	__u32 *keys = NULL, count, max, in, outb, key, *prev = NULL;
	void *inp = NULL;
	__u32 i;

	if (ncpu <= 0)
		return -EINVAL;
	vsz = (size_t)ncpu * sizeof(struct eg_rule_stat);
	max = EG_METRICS_BATCH_BYTES / vsz;
	max = max < 16 ? 16 : max > 4096 ? 4096 : max;
	keys = malloc(max * sizeof(*keys));
	vals = malloc(max * vsz);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = max;
		err = bpf_map_lookup_batch(fd, inp, &outb, keys, vals, &count, NULL) ? -errno : 0;
		if (err && err != -ENOENT)
			break;
		for (i = 0; i < count; i++)
			if (hits_add(&v, &n, &cap, keys[i], vals + (size_t)i * ncpu, ncpu)) {
				err = -ENOMEM;
				goto out;
			}
		if (err == -ENOENT) {
			err = 0;
			goto out;
		}
		in = outb;
		inp = &in;
	}
	/*
	 * No batch support, or a hash bucket longer than the batch (-ENOSPC):
	 * start over key by key. An entry deleted meanwhile is skipped.
	 */
	pr_debug("metrics: batched read of rule stats failed (%s); reading key by key",
		 strerror(-err));
	n = 0;
	err = 0;
	while (n < EG_MAX_RULE_STATS && !bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals)) {
			if (errno == ENOENT)
				continue;
			err = -errno;
			goto out;
		}
		if (hits_add(&v, &n, &cap, key, vals, ncpu)) {
			err = -ENOMEM;
			goto out;
		}
	}
	if (n < EG_MAX_RULE_STATS && errno != ENOENT)
		err = -errno;
out:
	free(keys);
	free(vals);
	if (err) {
		free(v);
		return err;
	}
	*out = v;
	*nout = n;
	return 0;
}

static void render_rules(struct eg_daemon *D, struct eg_buf *b)
{
	struct eg_rules *R = &D->R;
	struct hit *h = NULL, k, *f;
	size_t n = 0, i;
	int err, learned;

	err = read_hits(D->L.fd_rule_stats, &h, &n);
	if (err) {
		/* Left out entirely: a partial set would look like rules losing hits. */
		pr_debug("metrics: reading rule stats: %s", strerror(-err));
	} else {
		qsort(h, n, sizeof(*h), hit_cmp);
		/* One pass over the table names every hit; ids of removed rules stay unnamed. */
		for (i = 0; n && i < R->cap; i++) {
			if (!R->tab[i].used)
				continue;
			k.id = R->tab[i].id;
			f = bsearch(&k, h, n, sizeof(*h), hit_cmp);
			if (f)
				f->e = &R->tab[i];
		}
		for (i = 0; n && i < R->N.cap; i++) {
			if (!R->N.tab[i].used)
				continue;
			k.id = R->N.tab[i].id;
			f = bsearch(&k, h, n, sizeof(*h), hit_cmp);
			if (f)
				f->ne = &R->N.tab[i];
		}
	}
	family(b, "egressgate_rule_hits_packets_total", "counter",
	       "Packets that matched a rule. Only rules with at least one hit are listed, "
	       "so the output stays bounded on policies of a million rules.");
	for (i = 0; i < n; i++) {
		char l[EG_NAME_BUF + 64];

		if ((!h[i].e && !h[i].ne) || !h[i].packets)
			continue;
		rule_labels(&h[i], l, sizeof(l));
		eg_buf_printf(b, "egressgate_rule_hits_packets_total{rule=\"%u\",%s} %llu\n", h[i].id,
			      l, (unsigned long long)h[i].packets);
	}
	family(b, "egressgate_rule_hits_bytes_total", "counter",
	       "Bytes of packets that matched a rule. Only rules with at least one hit are "
	       "listed, so the output stays bounded on policies of a million rules.");
	for (i = 0; i < n; i++) {
		char l[EG_NAME_BUF + 64];

		if ((!h[i].e && !h[i].ne) || !h[i].packets)
			continue;
		rule_labels(&h[i], l, sizeof(l));
		eg_buf_printf(b, "egressgate_rule_hits_bytes_total{rule=\"%u\",%s} %llu\n", h[i].id,
			      l, (unsigned long long)h[i].bytes);
	}

	family(b, "egressgate_rules", "gauge", "Prefix rules loaded, by address family.");
	sample1(b, "egressgate_rules", "family", "ipv4", R->n4);
	sample1(b, "egressgate_rules", "family", "ipv6", R->n6);
	sample1(b, "egressgate_rules", "family", "name", R->N.n);
	family(b, "egressgate_rules_capacity", "gauge",
	       "Prefix rules the maps can hold, by address family.");
	sample1(b, "egressgate_rules_capacity", "family", "ipv4", EG_MAX_V4_RULES);
	sample1(b, "egressgate_rules_capacity", "family", "ipv6", EG_MAX_V6_RULES);
	sample1(b, "egressgate_rules_capacity", "family", "name", EG_MAX_NAME_RULES);
	family(b, "egressgate_map_fill_ratio", "gauge",
	       "Entries over capacity of a BPF map (rule_stats: rules hit at least once; when "
	       "full, further rules' hits go uncounted).");
	eg_buf_printf(b, "egressgate_map_fill_ratio{map=\"ipv4_rules\"} %.9g\n",
		      (double)R->n4 / EG_MAX_V4_RULES);
	eg_buf_printf(b, "egressgate_map_fill_ratio{map=\"ipv6_rules\"} %.9g\n",
		      (double)R->n6 / EG_MAX_V6_RULES);
	if (!err)
		eg_buf_printf(b, "egressgate_map_fill_ratio{map=\"rule_stats\"} %.9g\n",
			      (double)n / EG_MAX_RULE_STATS);
	eg_buf_printf(b, "egressgate_map_fill_ratio{map=\"name_rules\"} %.9g\n",
		      (double)R->N.n / EG_MAX_NAME_RULES);
	learned = eg_learned_count(&D->L);
	if (learned >= 0) {
		eg_buf_printf(b, "egressgate_map_fill_ratio{map=\"learned\"} %.9g\n",
			      (double)learned / EG_MAX_LEARNED);
		family(b, "egressgate_learned_addresses", "gauge",
		       "Addresses learned from DNS answers and still in force.");
		eg_buf_printf(b, "egressgate_learned_addresses %d\n", learned);
	}
	free(h);
}

static void render_attachments(struct eg_daemon *D, struct eg_buf *b)
{
	size_t i;

	family(b, "egressgate_attachments", "gauge", "Egress hooks egressgate holds.");
	eg_buf_printf(b, "egressgate_attachments %zu\n", D->atts.n);
	family(b, "egressgate_attachment_info", "gauge",
	       "One per attachment; netns is empty for the host namespace, pid:N for a "
	       "process's namespace.");
	for (i = 0; i < D->atts.n; i++) {
		const struct eg_attachment *a = &D->atts.v[i];
		char ns[EG_NETNS_NAME_MAX], e1[2 * IF_NAMESIZE + 1], e2[2 * EG_NETNS_NAME_MAX + 1];

		if (a->t.kind == EG_TGT_NETNS)
			snprintf(ns, sizeof(ns), "%s", a->t.netns);
		else if (a->t.kind == EG_TGT_PID)
			snprintf(ns, sizeof(ns), "pid:%d", a->t.pid);
		else
			ns[0] = '\0';
		eg_buf_printf(b,
			      "egressgate_attachment_info{dev=\"%s\",netns=\"%s\",hook=\"%s\","
			      "ifindex=\"%d\"} 1\n",
			      esc(a->t.dev, e1, sizeof(e1)), esc(ns, e2, sizeof(e2)),
			      eg_att_hook_name(a->hook), a->ifindex);
	}
}

void eg_metrics_render(struct eg_daemon *D, struct eg_buf *b)
{
	bool monitor = D->R.mode == EG_MODE_MONITOR;
	__u64 v;
	int i;

	family(b, "egressgate_packets_total", "counter", "Packets judged, by verdict.");
	for (i = 0; i < EG_V_MAX; i++)
		if (!percpu_sum(D->L.fd_stats, EG_S_V_BASE + i, &v))
			sample1(b, "egressgate_packets_total", "verdict", eg_verdict_name(i), v);
	family(b, "egressgate_packets_seen_total", "counter",
	       "Every packet the classifier saw, judged or not.");
	stat_sample(b, D, "egressgate_packets_seen_total", EG_S_PACKETS);
	family(b, "egressgate_not_ip_total", "counter",
	       "ARP and other non-IP frames, passed without judgement.");
	stat_sample(b, D, "egressgate_not_ip_total", EG_S_NOT_IP);
	family(b, "egressgate_ndp_passed_total", "counter",
	       "IPv6 neighbour discovery packets passed without judgement.");
	stat_sample(b, D, "egressgate_ndp_passed_total", EG_S_NDP);
	family(b, "egressgate_drop_reasons_total", "counter",
	       "Packets by reason: why a packet was dropped or rejected (or would have been, in "
	       "monitor mode), and header problems met even when the packet passed.");
	for (i = EG_R_NONE + 1; i < EG_R_MAX; i++)
		if (!percpu_sum(D->L.fd_reasons, i, &v))
			sample1(b, "egressgate_drop_reasons_total", "reason", eg_reason_name(i), v);
	family(b, "egressgate_event_buffer_lost_total", "counter",
	       "Verdict events lost because the ring buffer was full (the verdict still held).");
	stat_sample(b, D, "egressgate_event_buffer_lost_total", EG_S_EVENTS_LOST);
	family(b, "egressgate_rule_stats_full_total", "counter",
	       "Rule hits not counted because the rule stats map was full.");
	stat_sample(b, D, "egressgate_rule_stats_full_total", EG_S_RULE_STATS_FULL);
	family(b, "egressgate_learned_total", "counter",
	       "Addresses learned or refreshed from DNS answers.");
	stat_sample(b, D, "egressgate_learned_total", EG_S_LEARNED);
	family(b, "egressgate_learned_full_total", "counter",
	       "Addresses not learned because the learned table was full (nothing is evicted).");
	stat_sample(b, D, "egressgate_learned_full_total", EG_S_LEARNED_FULL);
	family(b, "egressgate_events_total", "counter", "Verdict events received by egressd.");
	if (D->ev)
		eg_buf_printf(b, "egressgate_events_total %llu\n",
			      (unsigned long long)eg_events_total(D->ev));

	render_rules(D, b);
	render_attachments(D, b);

	/* Both modes listed, one at 1: an alert can test either without absent(). */
	family(b, "egressgate_mode", "gauge", "1 for the mode in force, 0 for the other.");
	sample1(b, "egressgate_mode", "mode", "enforce", !monitor);
	sample1(b, "egressgate_mode", "mode", "monitor", monitor);
	family(b, "egressgate_default_deny", "gauge",
	       "1 when packets matching no rule are denied, 0 when they are allowed.");
	eg_buf_printf(b, "egressgate_default_deny %d\n",
		      D->R.default_action == EG_ACT_BLOCK || D->R.default_action == EG_ACT_DROP);
	family(b, "egressgate_reloads_total", "counter", "Policy reloads since egressd started.");
	eg_buf_printf(b, "egressgate_reloads_total %lu\n", D->reloads);
	family(b, "egressgate_up", "gauge", "1: egressd is running and answering.");
	eg_buf_printf(b, "egressgate_up 1\n");
	family(b, "egressgate_start_time_seconds", "gauge",
	       "When egressd started, in seconds since the Unix epoch.");
	eg_buf_printf(b, "egressgate_start_time_seconds %lld\n", (long long)D->started);
}

/* ---- listening ---- */

static int parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *sslen, char *err,
		      size_t errlen)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 1], *zone, *end;
	const char *h, *port;
	size_t hlen;
	unsigned long p;
	bool v6 = addr[0] == '[';

	if (v6) {
		const char *rb = strchr(addr, ']');

		if (!rb || rb[1] != ':')
			goto bad;
		h = addr + 1;
		hlen = rb - h;
		port = rb + 2;
	} else {
		const char *colon = strrchr(addr, ':');

		/* A bare IPv6 address is ambiguous about where the port starts. */
		if (!colon || memchr(addr, ':', colon - addr))
			goto bad;
		h = addr;
		hlen = colon - addr;
		port = colon + 1;
	}
	if (!hlen || hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	p = strtoul(port, &end, 10);
	if (*port < '0' || *port > '9' || *end || errno || p == 0 || p > 65535) {
		snprintf(err, errlen, "metrics address '%s': port must be 1 to 65535", addr);
		return -EINVAL;
	}
	memset(ss, 0, sizeof(*ss));
	if (!v6) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(p);
		if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
			goto bad;
		*sslen = sizeof(*in4);
		return 0;
	}
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(p);
	zone = strchr(host, '%');
	if (zone) {
		*zone++ = '\0';
		in6->sin6_scope_id = if_nametoindex(zone);
		if (!in6->sin6_scope_id) {
			snprintf(err, errlen, "metrics address '%s': no interface '%s'", addr, zone);
			return -ENODEV;
		}
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
		goto bad;
	*sslen = sizeof(*in6);
	return 0;
bad:
	snprintf(err, errlen,
		 "metrics address '%s': expected IPv4:PORT or [IPv6]:PORT, numeric, e.g. "
		 "127.0.0.1:9464 or [::1]:9464",
		 addr);
	return -EINVAL;
}

int eg_metrics_listen(const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd = -1, one = 1, ret;

	ret = parse_addr(addr, &ss, &sslen, err, errlen);
	if (ret)
		return ret;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "metrics socket for %s: %s", addr, strerror(-ret));
		goto out;
	}
	/* A restarted egressd must not wait out the old connections' TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, sslen) || listen(fd, 16)) {
		ret = -errno;
		snprintf(err, errlen, "metrics endpoint %s: %s", addr, strerror(-ret));
		goto out;
	}
	return fd;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* ---- serving ---- */

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

static void deadline_in(struct timespec *d, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += ms / 1000;
	d->tv_nsec += (ms % 1000) * 1000000;
	if (d->tv_nsec >= 1000000000) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000;
	}
}

/*
 * SO_RCVTIMEO/SO_SNDTIMEO bound one call; setting them to what is left of
 * the deadline before every call bounds the whole exchange, so a peer
 * trickling a byte at a time gets no more than a peer sending nothing.
 */
static int set_timeo(int fd, int opt, const struct timespec *deadline)
{
	long ms = ms_left(deadline);
	struct timeval tv;

	if (ms <= 0)
		return -ETIMEDOUT;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) ? -errno : 0;
}

/* Read up to the blank line that ends the head; 0, -ETIMEDOUT, -EMSGSIZE or -errno. */
static int read_head(int fd, char *buf, size_t max, size_t *len)
{
	struct timespec deadline;
	ssize_t n;
	int err;

	deadline_in(&deadline, EG_METRICS_TIMEOUT_MS);
	*len = 0;
	for (;;) {
		err = set_timeo(fd, SO_RCVTIMEO, &deadline);
		if (err)
			return err;
		n = recv(fd, buf + *len, max - *len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		if (n == 0)
			return -ECONNRESET;
		*len += n;
		buf[*len] = '\0';
		if (memmem(buf, *len, "\r\n\r\n", 4) || memmem(buf, *len, "\n\n", 2))
			return 0;
		if (*len == max)
			return -EMSGSIZE;
	}
}

static int send_all(int fd, const char *p, size_t len, int flags, const struct timespec *deadline)
{
	ssize_t n;
	int err;

	while (len) {
		err = set_timeo(fd, SO_SNDTIMEO, deadline);
		if (err)
			return err;
		n = send(fd, p, len, flags | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * The request line decides the status: 200 for GET or HEAD /metrics
 * (a query string is ignored), 404 for another path, 405 for another
 * method on /metrics, 400 for anything that is not HTTP/1.x.
 */
static int route(char *head, bool *head_only)
{
	char *eol = strchr(head, '\n'), *method, *target, *version, *sp;
	size_t plen;

	/* An embedded NUL can hide the line end from strchr(). */
	if (!eol)
		return 400;
	if (eol > head && eol[-1] == '\r')
		eol--;
	*eol = '\0';
	method = head;
	sp = strchr(method, ' ');
	if (!sp || sp == method)
		return 400;
	*sp = '\0';
	target = sp + 1;
	sp = strchr(target, ' ');
	if (!sp || sp == target)
		return 400;
	*sp = '\0';
	version = sp + 1;
	if (strcmp(version, "HTTP/1.0") && strcmp(version, "HTTP/1.1"))
		return 400;
	plen = strcspn(target, "?");
	if (plen != strlen("/metrics") || strncmp(target, "/metrics", plen))
		return 404;
	*head_only = !strcmp(method, "HEAD");
	if (strcmp(method, "GET") && !*head_only)
		return 405;
	return 200;
}

static const char *status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 431:
		return "Request Header Fields Too Large";
	default:
		return "Internal Server Error";
	}
}

void eg_metrics_serve(struct eg_daemon *D, int listen_fd)
{
	char buf[EG_METRICS_HEAD_MAX + 1], head[256];
	struct eg_buf body = {};
	struct timespec deadline;
	bool head_only = false;
	size_t len;
	int fd, err, status, hlen;

	/* Not inherited from the listener: the timeouts below bound a blocking socket. */
	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			pr_debug("metrics: accept: %s", strerror(errno));
		return;
	}
	err = read_head(fd, buf, EG_METRICS_HEAD_MAX, &len);
	if (err == -ETIMEDOUT)
		status = 408;
	else if (err == -EMSGSIZE)
		status = 431;
	else if (err) {
		pr_debug("metrics: reading a request: %s", strerror(-err));
		goto out;
	} else
		status = route(buf, &head_only);

	if (status == 200) {
		eg_metrics_render(D, &body);
		if (body.oom) {
			pr_warn("metrics: out of memory rendering the exposition");
			eg_buf_free(&body);
			status = 500;
		}
	}
	if (status != 200)
		eg_buf_printf(&body, "%d %s\n", status, status_text(status));
	if (body.oom)
		goto out;
	hlen = snprintf(head, sizeof(head),
			"HTTP/1.1 %d %s\r\n"
			"Content-Type: %s\r\n"
			"Content-Length: %zu\r\n"
			"%s"
			"Connection: close\r\n\r\n",
			status, status_text(status),
			status == 200 ? "text/plain; version=0.0.4; charset=utf-8" :
					"text/plain; charset=utf-8",
			body.len, status == 405 ? "Allow: GET, HEAD\r\n" : "");
	/* The write gets its own budget: rendering time is not the peer's fault. */
	deadline_in(&deadline, EG_METRICS_TIMEOUT_MS);
	err = send_all(fd, head, hlen, head_only ? 0 : MSG_MORE, &deadline);
	if (!err && !head_only)
		err = send_all(fd, body.p, body.len, 0, &deadline);
	if (err)
		pr_debug("metrics: sending a %d reply: %s", status, strerror(-err));
	shutdown(fd, SHUT_WR);
out:
	eg_buf_free(&body);
	close(fd);
}
