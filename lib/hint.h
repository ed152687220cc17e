/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * eg_dst_hint from user space (see EG_HINT_* in egressgate.h): the map is
 * mapped into memory and marked by words, a /8 being 1024 of them.
 */
#ifndef EG_LIB_HINT_H
#define EG_LIB_HINT_H

#include <stdbool.h>
#include <linux/types.h>

#include "addr.h"
#include "egressgate.h"

/* The region of a prefix rule's family. */
static inline __u32 eg_hint_region_of(__u8 family)
{
	return family == 4 ? EG_HINT_V4 : EG_HINT_V6;
}

/*
 * Set the bits of p's buckets in region (EG_HINT_REGION_WORDS words from
 * region_words). shared: the words are the map's, read by programs
 * meanwhile, so bits are ORed in atomically; otherwise a private bitmap.
 */
void eg_hint_mark(__u64 *region_words, const struct eg_prefix *p, bool shared);

/* Map eg_dst_hint (EG_HINT_WORDS words) by its fd: NULL and errno on failure. */
__u64 *eg_hint_map(int fd);
void eg_hint_unmap(__u64 *words);

#endif
