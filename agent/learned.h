/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The learned-address table, seen from user space: listing and expiry. */
#ifndef EG_LEARNED_H
#define EG_LEARNED_H

#include <stdbool.h>

#include "format.h"

struct eg_loader;

/* Delete entries whose TTL ran out; returns how many, or -errno. */
int eg_learned_gc(struct eg_loader *L);
/* Mark every learned address in eg_dst_hint (addresses an earlier egressd learned). */
int eg_learned_hint(struct eg_loader *L);
/* Entries in force (not expired); -errno on failure. */
int eg_learned_count(struct eg_loader *L);
/* `egressctl rules --learned`: address, name, rule, action, seconds left. */
int eg_learned_list(struct eg_loader *L, struct eg_buf *b, bool json);

#endif
