// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <sys/mman.h>

#include "hint.h"

void eg_hint_mark(__u64 *region_words, const struct eg_prefix *p, bool shared)
{
	__u32 first = eg_hint_bucket(p->addr), last = first, w;

	if (p->len < EG_HINT_BUCKET_BITS) {
		__u32 span = 1U << (EG_HINT_BUCKET_BITS - p->len);

		first &= ~(span - 1);
		last = first + span - 1;
	}
	for (w = first >> 6; w <= last >> 6; w++) {
		/* Whole words inside the range; the edges only for a prefix within one word. */
		__u64 bits = ~0ULL;

		if (w == first >> 6)
			bits &= ~0ULL << (first & 63);
		if (w == last >> 6)
			bits &= ~0ULL >> (63 - (last & 63));
		if (!shared)
			region_words[w] |= bits;
		else if ((__atomic_load_n(&region_words[w], __ATOMIC_RELAXED) & bits) != bits)
			__atomic_fetch_or(&region_words[w], bits, __ATOMIC_SEQ_CST);
	}
}

__u64 *eg_hint_map(int fd)
{
	void *m = mmap(NULL, EG_HINT_WORDS * sizeof(__u64), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return m == MAP_FAILED ? NULL : m;
}

void eg_hint_unmap(__u64 *words)
{
	if (words)
		munmap(words, EG_HINT_WORDS * sizeof(__u64));
}
