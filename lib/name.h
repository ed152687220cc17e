/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Name patterns as operators write them: github.com, *.github.com, =github.com. */
#ifndef EG_LIB_NAME_H
#define EG_LIB_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "egressgate.h"

enum eg_name_form {
	EG_NF_PLAIN = 0, /* the name and every name below it */
	EG_NF_EXACT,     /* =name: the name only */
	EG_NF_SUB,       /* *.name: names below it only */
};

struct eg_name_pat {
	char name[EG_NAME_BUF]; /* lowercased, no trailing dot */
	__u16 len;
	__u8 form; /* enum eg_name_form */
};

/* 0 or -EINVAL with a message naming the problem. */
int eg_name_parse(const char *s, struct eg_name_pat *out, char *err, size_t errlen);
void eg_name_format(const struct eg_name_pat *p, char *buf, size_t len);
int eg_name_cmp(const struct eg_name_pat *a, const struct eg_name_pat *b);

#endif
