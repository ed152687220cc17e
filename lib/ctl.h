/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The control protocol between egressctl and egressd, over a Unix stream
 * socket. Both sides use only this module; the CLI never sees daemon code.
 *
 * Every message is a frame: a 1-byte type, a 4-byte big-endian length, then
 * the payload. A request is one EG_CTL_REQ frame whose payload is argv:
 * NUL-terminated strings, the verb first, then "key=value" options.
 * The reply is zero or more EG_CTL_DATA frames (text for stdout) and one
 * EG_CTL_END frame: a 4-byte big-endian status (0 or a positive errno) and
 * a message for stderr. `events follow=1` streams DATA frames until the
 * client closes.
 */
#ifndef EG_CTL_H
#define EG_CTL_H

#include <stddef.h>
#include <linux/types.h>

#define EG_CTL_MAX_FRAME (64 * 1024) /* requests and replies are bounded */
#define EG_CTL_MAX_ARGS 32

enum eg_ctl_type {
	EG_CTL_REQ = 'Q',
	EG_CTL_DATA = 'D',
	EG_CTL_END = 'E',
};

int eg_ctl_write_frame(int fd, int type, const void *buf, size_t len);
/* 0, -ECONNRESET on EOF before a frame, -EPROTO on a bad type, -EMSGSIZE when len > cap. */
int eg_ctl_read_frame(int fd, int *type, void *buf, size_t cap, size_t *len);

/* argv -> payload. 0 or -E2BIG. */
int eg_ctl_encode(int argc, char *const argv[], char *buf, size_t cap, size_t *len);
/*
 * payload -> argv pointing into buf (which must hold len + 1 bytes).
 * 0, or -EINVAL when the payload is empty, not NUL-terminated, holds an
 * empty verb or more than max arguments.
 */
int eg_ctl_decode(char *buf, size_t len, char **argv, int max, int *argc);
/* Value of "key=value" among argv[1..], or NULL. */
const char *eg_ctl_opt(int argc, char **argv, const char *key);

/* Client side: connect, send argv, copy DATA to out, END message to err. Returns the status (0 or -errno). */
int eg_ctl_connect(const char *path);
int eg_ctl_send_end(int fd, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
