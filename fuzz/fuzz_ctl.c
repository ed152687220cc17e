// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for the control protocol (lib/ctl.c). The input is what
 * a peer sends on the control socket: it is written to one end of a
 * socketpair, that end is closed, and frames are read from the other end
 * with eg_ctl_read_frame() until it fails, as egressd and egressctl do.
 * Every payload read, and the raw input as well (so the fuzzer reaches the
 * decoder without having to get a frame header right), goes through
 * eg_ctl_decode(), eg_ctl_opt() and back through eg_ctl_encode(); every
 * frame read is sent again with eg_ctl_write_frame() and must read back.
 *
 * Each function is checked against a small model written from ctl.h, so a
 * wrong answer is caught even when no memory is touched out of bounds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl.h"

#define HDR_LEN 5
#define FILL 0xa5
#define FILL_SLACK 64
#define KEY_MAX 256

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_ctl: %s:%d: %s: ", __FILE__, __LINE__, #cond);       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/*
 * Read capacities, frame by frame: egressd's, one smaller than most frames,
 * one above the protocol's bound (so that bound is what refuses), none.
 */
static const size_t caps[] = { EG_CTL_MAX_FRAME, 16, EG_CTL_MAX_FRAME + 1, 0 };

/* eg_ctl_read_frame() as ctl.h describes it, over the bytes left unread. */
static int model_frame(const uint8_t *s, size_t n, size_t cap, int *type, size_t *len)
{
	__u32 be;

	if (!n)
		return -ECONNRESET;
	if (n < HDR_LEN)
		return -EPROTO;
	if (s[0] != EG_CTL_REQ && s[0] != EG_CTL_DATA && s[0] != EG_CTL_END)
		return -EPROTO;
	memcpy(&be, s + 1, 4);
	*type = s[0];
	*len = ntohl(be);
	if (*len > cap || *len > EG_CTL_MAX_FRAME)
		return -EMSGSIZE;
	if (n - HDR_LEN < *len)
		return -EPROTO;
	return 0;
}

/* eg_ctl_opt() as ctl.h describes it, for keys without '='. */
static const char *model_opt(int argc, char **argv, const char *key)
{
	size_t klen = strlen(key);
	const char *eq;
	int i;

	for (i = 1; i < argc; i++) {
		eq = strchr(argv[i], '=');
		if (eq && (size_t)(eq - argv[i]) == klen && !memcmp(argv[i], key, klen))
			return eq + 1;
	}
	return NULL;
}

static void check_opt(int argc, char **argv, const char *buf, size_t len, const char *key)
{
	const char *got = eg_ctl_opt(argc, argv, key), *want = model_opt(argc, argv, key);

	CHECK(got == want, "opt '%s': got %p, want %p", key, (const void *)got, (const void *)want);
	if (got)
		CHECK(got > buf && got < buf + len && got[-1] == '=',
		      "opt '%s' points outside the payload", key);
}

static void check_opts(int argc, char **argv, const char *buf, size_t len)
{
	static const char *const keys[] = { "json", "follow", "action", "prefix", "a", "" };
	char key[KEY_MAX];
	const char *eq;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		check_opt(argc, argv, buf, len, keys[i]);
	/* Every "key=value" present must be found, and the verb never. */
	for (i = 0; i < (size_t)argc; i++) {
		eq = strchr(argv[i], '=');
		if (!eq || (size_t)(eq - argv[i]) >= sizeof(key))
			continue;
		memcpy(key, argv[i], eq - argv[i]);
		key[eq - argv[i]] = '\0';
		check_opt(argc, argv, buf, len, key);
		if (i)
			CHECK(eg_ctl_opt(argc, argv, key), "option '%s' not found", argv[i]);
	}
}

static void check_decode_max(const char *payload, size_t len, int max)
{
	char *buf, *out, *argv[EG_CTL_MAX_ARGS + 4], *const poison = (char *)&argv;
	size_t nuls = 0, i, alen, olen;
	int argc = -1, ret, want;

	for (i = 0; i < len; i++)
		nuls += !payload[i];
	want = len && payload[0] && !payload[len - 1] && nuls <= (size_t)max ? 0 : -EINVAL;

	/* ctl.h asks for len + 1 bytes; a non-NUL there sends an overrun into the redzone. */
	buf = malloc(len + 1);
	CHECK(buf, "out of memory");
	memcpy(buf, payload, len);
	buf[len] = 'Z';
	for (i = 0; i < sizeof(argv) / sizeof(argv[0]); i++)
		argv[i] = poison;

	ret = eg_ctl_decode(buf, len, argv, max, &argc);
	CHECK(ret == want, "decode of %zu bytes, max %d: got %d, want %d", len, max, ret, want);
	CHECK(!memcmp(buf, payload, len), "decode changed the payload");
	for (i = max; i < sizeof(argv) / sizeof(argv[0]); i++)
		CHECK(argv[i] == poison, "decode wrote argv[%zu] beyond max %d", i, max);
	if (ret)
		goto out;

	CHECK(argc >= 1 && argc <= max && (size_t)argc == nuls, "argc %d, max %d, %zu strings",
	      argc, max, nuls);
	CHECK(argv[0] == buf && argv[0][0], "argv[0] is not the non-empty verb");
	for (i = 0; i < (size_t)argc; i++) {
		CHECK(argv[i] >= buf && argv[i] < buf + len, "argv[%zu] outside the payload", i);
		CHECK(memchr(argv[i], '\0', buf + len - argv[i]),
		      "argv[%zu] not NUL-terminated inside the payload", i);
		alen = strlen(argv[i]);
		/* The strings tile the payload: each starts where the last ended. */
		if (i + 1 < (size_t)argc)
			CHECK(argv[i + 1] == argv[i] + alen + 1,
			      "argv[%zu] does not follow argv[%zu]", i + 1, i);
		else
			CHECK(argv[i] + alen + 1 == buf + len, "argv ends before the payload");
	}

	check_opts(argc, argv, buf, len);

	/*
	 * Encoding what was decoded gives back the payload, and needs all of it;
	 * a payload beyond the protocol's bound (the raw input can be) is refused.
	 */
	out = malloc(len);
	CHECK(out, "out of memory");
	if (len > EG_CTL_MAX_FRAME)
		CHECK(eg_ctl_encode(argc, argv, out, len, &olen) == -E2BIG,
		      "encode accepted %zu bytes", len);
	else
		CHECK(!eg_ctl_encode(argc, argv, out, len, &olen) && olen == len &&
			      !memcmp(out, buf, len),
		      "encode(decode(x)) != x");
	CHECK(eg_ctl_encode(argc, argv, out, len - 1, &olen) == -E2BIG,
	      "encode fitted %zu bytes into %zu", len, len - 1);
	free(out);
out:
	free(buf);
}

static void check_decode(const char *payload, size_t len)
{
	check_decode_max(payload, len, EG_CTL_MAX_ARGS);
	check_decode_max(payload, len, 1);
	check_decode_max(payload, len, 2);
}

/* Writes what fits without blocking; what does not is a peer that stopped early. */
static size_t feed(int fd, const uint8_t *data, size_t size)
{
	size_t sent = 0;
	ssize_t n;

	while (sent < size) {
		n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
		if (n < 0) {
			CHECK(errno == EAGAIN || errno == EINTR, "send: %s", strerror(errno));
			if (errno == EAGAIN)
				break;
			continue;
		}
		sent += n;
	}
	return sent;
}

/* What eg_ctl_write_frame() sends, eg_ctl_read_frame() reads back unchanged. */
static void check_echo(int *echo, int type, const uint8_t *payload, size_t len)
{
	size_t got_len = 0;
	uint8_t *got;
	int got_type = 0;

	got = malloc(len ? len : 1);
	CHECK(got, "out of memory");
	CHECK(!eg_ctl_write_frame(echo[0], type, payload, len), "write_frame of %zu bytes", len);
	CHECK(!eg_ctl_read_frame(echo[1], &got_type, got, len, &got_len) && got_type == type &&
		      got_len == len && !memcmp(got, payload, len),
	      "frame of %zu bytes did not read back", len);
	free(got);
}

static void check_frames(const uint8_t *data, size_t size)
{
	size_t sent, off = 0, cap, fill, len, wlen, i, k;
	int sv[2], echo[2], type, wtype, ret, want;
	uint8_t *buf;

	CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv),
	      "socketpair: %s", strerror(errno));
	/* Blocking: a frame is at most EG_CTL_MAX_FRAME, which the socket buffer holds. */
	CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, echo), "socketpair: %s",
	      strerror(errno));
	sent = feed(sv[0], data, size);
	close(sv[0]);

	for (k = 0;; k++) {
		cap = caps[k % (sizeof(caps) / sizeof(caps[0]))];
		/* Exactly cap bytes, so ASan sees a write past it. */
		buf = malloc(cap ? cap : 1);
		CHECK(buf, "out of memory");
		len = wlen = 0;
		type = wtype = 0;
		want = model_frame(data + off, sent - off, cap, &wtype, &wlen);
		/* Marks just past the payload; marking all of buf would cost cap per frame. */
		fill = (want ? 0 : wlen) + FILL_SLACK;
		if (fill > cap)
			fill = cap;
		memset(buf, FILL, fill);

		ret = eg_ctl_read_frame(sv[1], &type, buf, cap, &len);
		CHECK(ret == want, "frame %zu at %zu, cap %zu: got %d, want %d", k, off, cap, ret,
		      want);
		if (ret) {
			free(buf);
			break;
		}
		CHECK(len <= cap && len <= EG_CTL_MAX_FRAME, "frame %zu: len %zu, cap %zu", k, len,
		      cap);
		CHECK(len == wlen && type == wtype, "frame %zu: type %d len %zu, want %d %zu", k,
		      type, len, wtype, wlen);
		CHECK(!memcmp(buf, data + off + HDR_LEN, len), "frame %zu: payload differs", k);
		for (i = len; i < fill; i++)
			CHECK(buf[i] == FILL, "frame %zu: byte %zu written past len %zu", k, i,
			      len);
		check_decode((const char *)buf, len);
		check_echo(echo, type, buf, len);
		free(buf);
		off += HDR_LEN + len;
	}
	close(sv[1]);
	close(echo[0]);
	close(echo[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_decode((const char *)data, size);
	check_frames(data, size);
	return 0;
}
