/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What egressgate created, written to the run directory after every change
 * so a restarted egressd (or `egressd --cleanup`) knows what is its own.
 */
#ifndef EG_STATE_H
#define EG_STATE_H

#include "attach.h"

struct eg_att_list {
	struct eg_attachment *v;
	size_t n, cap;
};

int eg_att_list_add(struct eg_att_list *l, const struct eg_attachment *a);
void eg_att_list_del(struct eg_att_list *l, size_t i);
void eg_att_list_free(struct eg_att_list *l);
/* Atomic (write + rename). */
int eg_state_save(const char *run_dir, const struct eg_att_list *l);
int eg_state_load(const char *run_dir, struct eg_att_list *l);

#endif
