/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The other end of a veth: for a deploy namespace's veth, the host side,
 * where a guard sees every frame the namespace sends however it was sent.
 */
#ifndef EG_PEER_H
#define EG_PEER_H

#include "policy.h"

/*
 * Find the peer of veth t->dev: the host namespace and every /run/netns
 * namespace are searched for a veth whose index is t's link and whose link
 * is t's index. 0 with *peer filled, or -errno with err naming the problem.
 */
int eg_veth_peer(const struct eg_target *t, struct eg_target *peer, char *err, size_t errlen);

/* Is dev, in the calling thread's namespace, a veth? */
bool eg_is_veth_here(const char *dev);

#endif
