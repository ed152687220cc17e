// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return got ? -EPROTO : -ECONNRESET;
		got += n;
	}
	return 0;
}

int eg_ctl_write_frame(int fd, int type, const void *buf, size_t len)
{
	unsigned char hdr[5];
	__u32 be = htonl((__u32)len);
	int err;

	if (len > EG_CTL_MAX_FRAME)
		return -EMSGSIZE;
	hdr[0] = type;
	memcpy(hdr + 1, &be, 4);
	err = write_all(fd, hdr, sizeof(hdr));
	if (!err && len)
		err = write_all(fd, buf, len);
	return err;
}

int eg_ctl_read_frame(int fd, int *type, void *buf, size_t cap, size_t *len)
{
	unsigned char hdr[5];
	__u32 be;
	int err;

	err = read_all(fd, hdr, sizeof(hdr));
	if (err)
		return err;
	if (hdr[0] != EG_CTL_REQ && hdr[0] != EG_CTL_DATA && hdr[0] != EG_CTL_END)
		return -EPROTO;
	memcpy(&be, hdr + 1, 4);
	*len = ntohl(be);
	*type = hdr[0];
	if (*len > cap || *len > EG_CTL_MAX_FRAME)
		return -EMSGSIZE;
	err = read_all(fd, buf, *len);
	return err == -ECONNRESET ? -EPROTO : err;
}

int eg_ctl_encode(int argc, char *const argv[], char *buf, size_t cap, size_t *len)
{
	size_t off = 0;
	int i;

	for (i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;

		if (off + n > cap || off + n > EG_CTL_MAX_FRAME)
			return -E2BIG;
		memcpy(buf + off, argv[i], n);
		off += n;
	}
	*len = off;
	return 0;
}

int eg_ctl_decode(char *buf, size_t len, char **argv, int max, int *argc)
{
	size_t off = 0;
	int n = 0;

	if (!len || buf[len - 1] != '\0' || buf[0] == '\0')
		return -EINVAL;
	while (off < len) {
		if (n == max)
			return -EINVAL;
		argv[n++] = buf + off;
		off += strlen(buf + off) + 1;
	}
	*argc = n;
	return 0;
}

const char *eg_ctl_opt(int argc, char **argv, const char *key)
{
	size_t klen = strlen(key);
	int i;

	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], key, klen) && argv[i][klen] == '=')
			return argv[i] + klen + 1;
	return NULL;
}

int eg_ctl_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int eg_ctl_send_end(int fd, int status, const char *fmt, ...)
{
	char buf[4096];
	__u32 be = htonl((__u32)(status < 0 ? -status : status));
	va_list ap;
	int n;

	memcpy(buf, &be, 4);
	va_start(ap, fmt);
	n = vsnprintf(buf + 4, sizeof(buf) - 4, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > (int)sizeof(buf) - 5)
		n = sizeof(buf) - 5;
	return eg_ctl_write_frame(fd, EG_CTL_END, buf, 4 + n);
}
