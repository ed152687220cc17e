// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of lib/ctl.c: request encoding and decoding, and frames over a
 * socketpair, including every way a peer can send something broken.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "ctl.h"

#define ASSERT(cond, ...)                                                            \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "  %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                \
			fputc('\n', stderr);                                         \
			goto fail;                                                   \
		}                                                                    \
	} while (0)

#define ASSERT_ERR(got, want)                                                                    \
	do {                                                                                     \
		int got_ = (got), want_ = (want);                                                \
		ASSERT(got_ == want_, "got %d (%s), want %d (%s)", got_, strerror(-got_), want_, \
		       strerror(-want_));                                                        \
	} while (0)

static int sv[2] = { -1, -1 };

static void close_pair(void)
{
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	sv[0] = sv[1] = -1;
}

static int open_pair(void)
{
	close_pair();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	return 0;
}

/* The writer hangs up, so the reader sees EOF after whatever was sent. */
static void hang_up(void)
{
	close(sv[0]);
	sv[0] = -1;
}

/* Bypasses eg_ctl_write_frame() so tests can send what it would refuse to. */
static int write_raw_header(int type, __u32 len)
{
	unsigned char hdr[5];
	__u32 be = htonl(len);

	hdr[0] = type;
	memcpy(hdr + 1, &be, 4);
	return write(sv[0], hdr, sizeof(hdr)) == sizeof(hdr) ? 0 : -EIO;
}

static int t_round_trip(void)
{
	char *const in[] = { "rule", "action=block", "prefix=198.51.100.0/24", "comment=two words",
			     "empty=" };
	int n = sizeof(in) / sizeof(in[0]), i, argc = 0;
	char buf[256], *out[EG_CTL_MAX_ARGS];
	const char *v;
	size_t len;

	/* decode needs len + 1 bytes of room. */
	ASSERT_ERR(eg_ctl_encode(n, in, buf, sizeof(buf) - 1, &len), 0);
	ASSERT_ERR(eg_ctl_decode(buf, len, out, EG_CTL_MAX_ARGS, &argc), 0);
	ASSERT(argc == n, "argc %d, want %d", argc, n);
	for (i = 0; i < n; i++)
		ASSERT(!strcmp(out[i], in[i]), "argv[%d] '%s', want '%s'", i, out[i], in[i]);
	v = eg_ctl_opt(argc, out, "action");
	ASSERT(v && !strcmp(v, "block"), "action=%s", v ? v : "(none)");
	v = eg_ctl_opt(argc, out, "empty");
	ASSERT(v && !*v, "empty=%s", v ? v : "(none)");
	/* A key matches whole, and the verb is never an option. */
	ASSERT(!eg_ctl_opt(argc, out, "act"), "a prefix of a key matched");
	ASSERT(!eg_ctl_opt(argc, out, "rule"), "the verb matched as an option");
	return 0;
fail:
	return -1;
}

static int t_encode_too_big(void)
{
	char *const in[] = { "status", "json=1" };
	char buf[16];
	size_t len;

	/* "status\0json=1\0" is 14 bytes. */
	ASSERT_ERR(eg_ctl_encode(2, in, buf, 13, &len), -E2BIG);
	ASSERT_ERR(eg_ctl_encode(2, in, buf, 14, &len), 0);
	ASSERT(len == 14, "len %zu, want 14", len);
	return 0;
fail:
	return -1;
}

static int t_decode_empty(void)
{
	char buf[4], *argv[EG_CTL_MAX_ARGS];
	int argc;

	ASSERT_ERR(eg_ctl_decode(buf, 0, argv, EG_CTL_MAX_ARGS, &argc), -EINVAL);
	return 0;
fail:
	return -1;
}

static int t_decode_no_nul(void)
{
	char buf[16] = "status\0json=1", *argv[EG_CTL_MAX_ARGS];
	int argc;

	ASSERT_ERR(eg_ctl_decode(buf, 13, argv, EG_CTL_MAX_ARGS, &argc), -EINVAL);
	return 0;
fail:
	return -1;
}

static int t_decode_empty_verb(void)
{
	char buf[16] = "\0json=1", *argv[EG_CTL_MAX_ARGS];
	int argc;

	ASSERT_ERR(eg_ctl_decode(buf, 8, argv, EG_CTL_MAX_ARGS, &argc), -EINVAL);
	return 0;
fail:
	return -1;
}

static int t_decode_too_many(void)
{
	char buf[2 * (EG_CTL_MAX_ARGS + 1) + 1], *argv[EG_CTL_MAX_ARGS];
	size_t len = 0;
	int argc, i;

	for (i = 0; i <= EG_CTL_MAX_ARGS; i++) {
		buf[len++] = 'a';
		buf[len++] = '\0';
	}
	/* Exactly the limit passes, one more fails. */
	ASSERT_ERR(eg_ctl_decode(buf, len - 2, argv, EG_CTL_MAX_ARGS, &argc), 0);
	ASSERT(argc == EG_CTL_MAX_ARGS, "argc %d, want %d", argc, EG_CTL_MAX_ARGS);
	ASSERT_ERR(eg_ctl_decode(buf, len, argv, EG_CTL_MAX_ARGS, &argc), -EINVAL);
	return 0;
fail:
	return -1;
}

static int t_frame_round_trip(void)
{
	char buf[64];
	size_t len = 99;
	int type = 0;

	ASSERT_ERR(open_pair(), 0);
	ASSERT_ERR(eg_ctl_write_frame(sv[0], EG_CTL_DATA, "hello\n", 6), 0);
	ASSERT_ERR(eg_ctl_write_frame(sv[0], EG_CTL_REQ, NULL, 0), 0);
	ASSERT_ERR(eg_ctl_read_frame(sv[1], &type, buf, sizeof(buf), &len), 0);
	ASSERT(type == EG_CTL_DATA && len == 6 && !memcmp(buf, "hello\n", 6), "type %c len %zu",
	       type, len);
	ASSERT_ERR(eg_ctl_read_frame(sv[1], &type, buf, sizeof(buf), &len), 0);
	ASSERT(type == EG_CTL_REQ && len == 0, "type %c len %zu", type, len);
	return 0;
fail:
	return -1;
}

/* A full-size frame exceeds the socket buffer, so a child writes it. */
static int t_frame_max_size(void)
{
	static char out[EG_CTL_MAX_FRAME], in[EG_CTL_MAX_FRAME];
	int type, status = 0, err, i;
	size_t len = 0;
	pid_t pid;

	for (i = 0; i < EG_CTL_MAX_FRAME; i++)
		out[i] = i * 7;
	ASSERT_ERR(open_pair(), 0);
	pid = fork();
	ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid)
		_exit(eg_ctl_write_frame(sv[0], EG_CTL_DATA, out, sizeof(out)) ? 1 : 0);
	err = eg_ctl_read_frame(sv[1], &type, in, sizeof(in), &len);
	waitpid(pid, &status, 0);
	ASSERT_ERR(err, 0);
	ASSERT(WIFEXITED(status) && !WEXITSTATUS(status), "writer failed");
	ASSERT(len == sizeof(out) && !memcmp(in, out, len), "payload differs (len %zu)", len);
	return 0;
fail:
	return -1;
}

static int t_frame_oversize(void)
{
	static char big[EG_CTL_MAX_FRAME + 1];
	char buf[16];
	size_t len;
	int type;

	ASSERT_ERR(open_pair(), 0);
	ASSERT_ERR(eg_ctl_write_frame(sv[0], EG_CTL_DATA, big, sizeof(big)), -EMSGSIZE);
	/* The refused write sent nothing: the next frame reads cleanly. */
	ASSERT_ERR(eg_ctl_write_frame(sv[0], EG_CTL_DATA, "x", 1), 0);
	ASSERT_ERR(eg_ctl_read_frame(sv[1], &type, buf, sizeof(buf), &len), 0);
	ASSERT(len == 1, "len %zu, want 1", len);

	ASSERT_ERR(write_raw_header(EG_CTL_DATA, sizeof(buf) + 1), 0);
	ASSERT_ERR(eg_ctl_read_frame(sv[1], &type, buf, sizeof(buf), &len), -EMSGSIZE);

	/* The protocol bound holds even when the reader's buffer is larger. */
	ASSERT_ERR(open_pair(), 0);
	ASSERT_ERR(write_raw_header(EG_CTL_END, EG_CTL_MAX_FRAME + 1), 0);
	ASSERT_ERR(eg_ctl_read_frame(sv[1], &type, big, sizeof(big), &len), -EMSGSIZE);
	return 0;
fail:
	return -1;
}

static int t_frame_bad_type(void)
{
	char buf[16];
	size_t len;
	int type;

	ASSERT_ERR(open_pair(), 0);
	ASSERT_ERR(write_raw_header('X', 0), 0);
	ASSERT_ERR(eg_ctl_read_frame(sv[1], &type, buf, sizeof(buf), &len), -EPROTO);
	return 0;
fail:
	return -1;
}

static int t_eof_before_frame(void)
{
	char buf[16];
	size_t len;
	int type;

	ASSERT_ERR(open_pair(), 0);
	hang_up();
	ASSERT_ERR(eg_ctl_read_frame(sv[1], &type, buf, sizeof(buf), &len), -ECONNRESET);
	return 0;
fail:
	return -1;
}

static int t_eof_in_header(void)
{
	char buf[16];
	size_t len;
	int type;

	ASSERT_ERR(open_pair(), 0);
	ASSERT(write(sv[0], "D\0", 2) == 2, "write: %s", strerror(errno));
	hang_up();
	ASSERT_ERR(eg_ctl_read_frame(sv[1], &type, buf, sizeof(buf), &len), -EPROTO);
	return 0;
fail:
	return -1;
}

static int t_eof_in_payload(void)
{
	char buf[16];
	size_t len;
	int type;

	ASSERT_ERR(open_pair(), 0);
	ASSERT_ERR(write_raw_header(EG_CTL_DATA, 10), 0);
	ASSERT(write(sv[0], "abc", 3) == 3, "write: %s", strerror(errno));
	hang_up();
	ASSERT_ERR(eg_ctl_read_frame(sv[1], &type, buf, sizeof(buf), &len), -EPROTO);
	return 0;
fail:
	return -1;
}

static int t_send_end(void)
{
	const char *want = "no rule for 192.0.2.0/24";
	char buf[128];
	size_t len;
	int type;
	__u32 be;

	ASSERT_ERR(open_pair(), 0);
	/* Callers may pass -errno; the wire carries it positive. */
	ASSERT_ERR(eg_ctl_send_end(sv[0], -ENOENT, "no rule for %s", "192.0.2.0/24"), 0);
	ASSERT_ERR(eg_ctl_read_frame(sv[1], &type, buf, sizeof(buf), &len), 0);
	ASSERT(type == EG_CTL_END && len == 4 + strlen(want), "type %c len %zu", type, len);
	memcpy(&be, buf, 4);
	ASSERT(ntohl(be) == ENOENT, "status %u", ntohl(be));
	ASSERT(!memcmp(buf + 4, want, len - 4), "message '%.*s'", (int)len - 4, buf + 4);
	return 0;
fail:
	return -1;
}

static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	{ "encode/decode round trip", t_round_trip },
	{ "encode rejects a payload larger than the buffer", t_encode_too_big },
	{ "decode rejects an empty payload", t_decode_empty },
	{ "decode rejects a payload without trailing NUL", t_decode_no_nul },
	{ "decode rejects an empty verb", t_decode_empty_verb },
	{ "decode rejects too many arguments", t_decode_too_many },
	{ "frame write/read round trip, empty payload too", t_frame_round_trip },
	{ "frame of exactly EG_CTL_MAX_FRAME bytes", t_frame_max_size },
	{ "oversize frame is -EMSGSIZE on write and read", t_frame_oversize },
	{ "unknown frame type is -EPROTO", t_frame_bad_type },
	{ "EOF before a frame is -ECONNRESET", t_eof_before_frame },
	{ "EOF inside the header is -EPROTO", t_eof_in_header },
	{ "EOF inside the payload is -EPROTO", t_eof_in_payload },
	{ "END frame carries a positive status and the message", t_send_end },
};

int main(void)
{
	int passed = 0, failed = 0;
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		int ok = !tests[i].fn();

		close_pair();
		printf("%s %s\n", ok ? "PASS" : "FAIL", tests[i].name);
		if (ok)
			passed++;
		else
			failed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
