// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

static int log_level = EG_LOG_INFO;
static const char *log_ident = "egressgate";
static const char *const level_names[] = { "error", "warning", "info", "debug" };

void eg_log_set_level(int level)
{
	log_level = level;
}

void eg_log_set_ident(const char *ident)
{
	log_ident = ident;
}

void eg_vlog(int level, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t n;

	if (level > log_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	fprintf(stderr, "%s: %s: %s\n", log_ident, level_names[level], buf);
}

void eg_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	eg_vlog(level, fmt, ap);
	va_end(ap);
}
