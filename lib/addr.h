/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* IPv4/IPv6 prefixes as egressgate's control plane handles them. */
#ifndef EG_ADDR_H
#define EG_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct eg_prefix {
	__u8 family; /* 4 or 6 */
	__u8 len;    /* prefix length */
	__u8 addr[16];
};

#define EG_PREFIX_STR 64

/*
 * Parse "198.51.100.0/24", "198.51.100.7" (a /32), "2001:db8::/32".
 * Host bits set beyond the length are an error (the message suggests the
 * network); 0 or -EINVAL with a message naming the problem.
 */
int eg_prefix_parse(const char *s, struct eg_prefix *out, char *err, size_t errlen);
/* "198.51.100.0/24"; a full-length prefix is written without /len. */
void eg_prefix_format(const struct eg_prefix *p, char *buf, size_t len);
bool eg_prefix_equal(const struct eg_prefix *a, const struct eg_prefix *b);
int eg_prefix_cmp(const struct eg_prefix *a, const struct eg_prefix *b);
/* Format an address from an event: family 4 or 6. */
void eg_addr_format(int family, const __u8 *addr, char *buf, size_t len);

#endif
