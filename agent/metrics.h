/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Metrics: the daemon's counters in the Prometheus text exposition format
 * (version 0.0.4), served over a minimal HTTP/1.x endpoint from the daemon's
 * own event loop, one connection per wakeup, each bounded in time and size.
 */
#ifndef EG_METRICS_H
#define EG_METRICS_H

#include <stddef.h>

#include "format.h"

struct eg_daemon;

#define EG_METRICS_ADDR_DEFAULT "127.0.0.1:9464"
#define EG_METRICS_HEAD_MAX 8192  /* bytes of request head read at most */
#define EG_METRICS_TIMEOUT_MS 1000 /* to read the request head; again to send the reply */

/*
 * Listen on ADDR ("127.0.0.1:9464", "[::1]:9464", "0.0.0.0:9464"); numeric
 * addresses only. Returns the listening fd (non-blocking, CLOEXEC) or -errno;
 * err names the problem.
 */
int eg_metrics_listen(const char *addr, char *err, size_t errlen);
/*
 * Accept and answer one connection on the listening fd: GET (or HEAD)
 * /metrics gets 200 and the exposition, another path 404, another method
 * 405, a malformed head 400, an oversized one 431, a slow one 408; then the
 * connection is closed. Call it when the listening fd is readable.
 */
void eg_metrics_serve(struct eg_daemon *D, int listen_fd);
/* Render the exposition into b (reads the maps, changes nothing). */
void eg_metrics_render(struct eg_daemon *D, struct eg_buf *b);

#endif
