/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loader: feature probes, the BPF skeleton, and the pins under the pin
 * directory. Maps are pinned by name so a restarted egressd reuses them.
 */
#ifndef EG_LOADER_H
#define EG_LOADER_H

#include <limits.h>
#include <stdbool.h>

struct egress;
struct attrib;
struct ingress;
struct guard;

struct eg_features {
	bool tcx;          /* tcx links (kernel 6.6+) */
	bool netns_cookie; /* bpf_get_netns_cookie() from TC programs */
	bool xdp;          /* the XDP guard loaded (Linux 5.18+) */
	bool attribution;  /* events name the sending process: socket hooks attached */
	char kernel[65];
};

struct eg_loader {
	struct egress *skel;
	struct attrib *attrib; /* NULL when attribution is off */
	struct ingress *ingress; /* the DNS answer reader */
	int ingress_fd;
	struct guard *guard; /* the XDP guard */
	int xdp_fd;
	int fd_learned;
	char pin_dir[PATH_MAX];
	struct eg_features feat;
	int prog_fd;
	int fd_config, fd_rule_stats, fd_stats, fd_reasons, fd_events;
	int fd_v4[2], fd_v6[2]; /* the two rule sets; eg_config.active picks one */
	int fd_names[2], fd_dns_ports;
	__u64 *hint; /* eg_dst_hint, mapped (see EG_HINT_* in egressgate.h) */
	bool maps_reused; /* the maps were already pinned: an earlier egressd ran */
};

int eg_probe_features(struct eg_features *f);
/* Mount bpffs at /sys/fs/bpf when it is missing. */
int eg_bpffs_ensure(const char *pin_dir);
int eg_loader_open(struct eg_loader *L, const char *pin_dir);
void eg_loader_close(struct eg_loader *L);
/* Remove egressgate's own pins, and the directories if nothing else is in them (--cleanup). */
int eg_loader_unpin_all(const char *pin_dir);
/* Route libbpf's log into ours, one level lower. */
void eg_loader_route_libbpf_log(void);
int eg_ncpus(void);

#define EG_PROG_NAME "eg_tc_egress"
#define EG_INGRESS_PROG_NAME "eg_tc_ingress"
#define EG_XDP_PROG_NAME "eg_xdp_guard"
/* Links of the attribution hooks on the cgroup v2 root, pinned under PIN_DIR/links. */
#define EG_ATTRIB_HOOKS 5
#define EG_LINK_ATTRIB_CREATE "attrib-create"
#define EG_LINK_ATTRIB_CONNECT4 "attrib-connect4"
#define EG_LINK_ATTRIB_CONNECT6 "attrib-connect6"
#define EG_LINK_ATTRIB_SENDMSG4 "attrib-sendmsg4"
#define EG_LINK_ATTRIB_SENDMSG6 "attrib-sendmsg6"

#endif
