// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int eg_prefix_parse(const char *s, struct eg_prefix *out, char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	int bits, i, maxlen;
	long len;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "'%.40s...' is too long to be an address or prefix", s);
		return -EINVAL;
	}
	strcpy(buf, s);
	memset(out, 0, sizeof(*out));
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = 4;
		maxlen = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = 6;
		maxlen = 128;
	} else {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", buf);
		return -EINVAL;
	}
	len = maxlen;
	if (slash) {
		const char *d;

		/* Digits only: strtol would take "+8", "008" or leading blanks. */
		for (d = slash + 1; *d; d++)
			if (*d < '0' || *d > '9' || (d == slash + 1 && *d == '0' && d[1]))
				break;
		if (*d || !slash[1]) {
			snprintf(err, errlen, "'%s': prefix length must be 0 to %d", s, maxlen);
			return -EINVAL;
		}
		errno = 0;
		len = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || len < 0 || len > maxlen) {
			snprintf(err, errlen, "'%s': prefix length must be 0 to %d", s, maxlen);
			return -EINVAL;
		}
	}
	out->len = len;
	for (i = len; i < maxlen; i++) {
		bits = out->addr[i / 8] & (0x80 >> (i % 8));
		if (bits) {
			struct eg_prefix net = *out;
			char want[EG_PREFIX_STR];
			int j;

			for (j = len; j < maxlen; j++)
				net.addr[j / 8] &= ~(0x80 >> (j % 8));
			eg_prefix_format(&net, want, sizeof(want));
			snprintf(err, errlen, "'%s' has host bits set; did you mean %s?", s, want);
			return -EINVAL;
		}
	}
	return 0;
}

void eg_addr_format(int family, const __u8 *addr, char *buf, size_t len)
{
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, len))
		snprintf(buf, len, "?");
}

void eg_prefix_format(const struct eg_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	eg_addr_format(p->family, p->addr, a, sizeof(a));
	if (p->len == (p->family == 4 ? 32 : 128))
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, p->len);
}

int eg_prefix_cmp(const struct eg_prefix *a, const struct eg_prefix *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

bool eg_prefix_equal(const struct eg_prefix *a, const struct eg_prefix *b)
{
	return !eg_prefix_cmp(a, b);
}
