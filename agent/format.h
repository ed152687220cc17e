/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Names people read, and a growable text buffer for replies and events. */
#ifndef EG_FORMAT_H
#define EG_FORMAT_H

#include <stddef.h>
#include <linux/types.h>

struct eg_buf {
	char *p;
	size_t len, cap;
	int oom;
};

void eg_buf_printf(struct eg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal, quoted and escaped. */
void eg_buf_json_str(struct eg_buf *b, const char *s);
void eg_buf_free(struct eg_buf *b);

const char *eg_verdict_name(int v);
const char *eg_name_src_name(int s);
const char *eg_reason_name(int r);
const char *eg_stat_name(int s);
const char *eg_proto_name(int proto, char *buf, size_t len);
/* RFC 3339 UTC with microseconds, from CLOCK_REALTIME nanoseconds. */
void eg_time_format(__u64 ns, char *buf, size_t len);

#endif
