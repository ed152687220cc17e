/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef EG_LOG_H
#define EG_LOG_H

#include <stdarg.h>

enum eg_log_level {
	EG_LOG_ERR = 0,
	EG_LOG_WARN,
	EG_LOG_INFO,
	EG_LOG_DEBUG,
};

void eg_log_set_level(int level);
void eg_log_set_ident(const char *ident);
void eg_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void eg_vlog(int level, const char *fmt, va_list ap);

#define pr_err(...) eg_log(EG_LOG_ERR, __VA_ARGS__)
#define pr_warn(...) eg_log(EG_LOG_WARN, __VA_ARGS__)
#define pr_info(...) eg_log(EG_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) eg_log(EG_LOG_DEBUG, __VA_ARGS__)

#endif
