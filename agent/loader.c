// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "attrib.skel.h"
#include "ingress.skel.h"
#include "guard.skel.h"
#include "egress.skel.h"
#include "egressgate.h"
#include "loader.h"
#include "hint.h"
#include "log.h"

/* linux/bpf.h from linux-libc-dev 6.1 predates tcx. */
#ifndef BPF_TCX_EGRESS
#define BPF_TCX_EGRESS 47
#endif

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	eg_vlog(level == LIBBPF_WARN ? EG_LOG_INFO : EG_LOG_DEBUG, fmt, ap);
	return 0;
}

void eg_loader_route_libbpf_log(void)
{
	libbpf_set_print(libbpf_print);
}

int eg_ncpus(void)
{
	static int n;

	if (!n)
		n = libbpf_num_possible_cpus();
	return n;
}

static int probe_tcx(void)
{
	/* SOCKET_FILTER-free probe: a trivial SCHED_CLS program, attached to no device. */
	struct bpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = -1 }, /* r0 = TC_ACT_UNSPEC */
		{ .code = 0x95 },			   /* exit */
	};
	int prog, link, err;

	prog = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "eg_probe", "GPL", insns, 2, NULL);
	if (prog < 0)
		return prog;
	/*
	 * ifindex 0 names no device: a kernel with tcx looks the device up and
	 * fails with ENODEV; one without rejects the attach type with EINVAL.
	 * Nothing is ever attached.
	 */
	link = bpf_link_create(prog, 0, BPF_TCX_EGRESS, NULL);
	err = link < 0 ? -errno : 0;
	if (link >= 0)
		close(link);
	close(prog);
	return err == -ENODEV ? 1 : 0;
}

int eg_probe_features(struct eg_features *f)
{
	struct utsname u;

	memset(f, 0, sizeof(*f));
	if (!uname(&u))
		snprintf(f->kernel, sizeof(f->kernel), "%s", u.release);
	f->tcx = probe_tcx() == 1;
	f->netns_cookie =
		libbpf_probe_bpf_helper(BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_get_netns_cookie, NULL) == 1;
	return 0;
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

int eg_bpffs_ensure(const char *pin_dir)
{
	int err;

	if (!is_bpffs("/sys/fs/bpf")) {
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
			err = -errno;
			pr_err("bpffs is not mounted at /sys/fs/bpf and mounting it failed: %s",
			       strerror(-err));
			return err;
		}
		pr_info("mounted bpffs at /sys/fs/bpf");
	}
	if (mkdir(pin_dir, 0700) && errno != EEXIST) {
		err = -errno;
		pr_err("cannot create pin directory %s: %s", pin_dir, strerror(-err));
		return err;
	}
	if (!is_bpffs(pin_dir)) {
		pr_err("pin directory %s is not on a bpffs mount", pin_dir);
		return -ENOTDIR;
	}
	return 0;
}

static int pin_prog(struct eg_loader *L, int fd, const char *name)
{
	char path[PATH_MAX + 32], dir[PATH_MAX + 16];
	int err;

	snprintf(dir, sizeof(dir), "%s/progs", L->pin_dir);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* The new program replaces the old pin; attached links keep their own reference. */
	unlink(path);
	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		pr_err("cannot pin program at %s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

static int unpin(const char *dir, const char *name)
{
	char path[PATH_MAX + 300];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (unlink(path) && errno != ENOENT) {
		int err = -errno;

		pr_err("cannot remove %s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

/* The attribution hooks and the names their links are pinned under, in PIN_DIR/links. */
static const char *const attrib_pins[EG_ATTRIB_HOOKS] = {
	EG_LINK_ATTRIB_CREATE,	 EG_LINK_ATTRIB_CONNECT4, EG_LINK_ATTRIB_CONNECT6,
	EG_LINK_ATTRIB_SENDMSG4, EG_LINK_ATTRIB_SENDMSG6,
};

/* The root of the cgroup v2 hierarchy: the attribution hooks go there. */
static int cgroup2_root_open(void)
{
	FILE *f = setmntent("/proc/self/mounts", "r");
	struct mntent *m;
	int fd = -ENOENT;

	if (!f)
		return -errno;
	while ((m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			fd = open(m->mnt_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				fd = -errno;
			break;
		}
	}
	endmntent(f);
	return fd;
}

/*
 * Hook one program on the cgroup through the link pinned at PIN_DIR/links/NAME.
 * A previous run's link on the same cgroup and hook gets the new program in
 * place, so attribution has no gap; anything else there is replaced by a new
 * link.
 */
static int attrib_link(struct eg_loader *L, int cg_fd, __u64 cg_id, struct bpf_program *prog,
		       const char *name)
{
	enum bpf_attach_type type = bpf_program__expected_attach_type(prog);
	int fd, err, prog_fd = bpf_program__fd(prog);
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char dir[PATH_MAX + 8], path[PATH_MAX + 32];

	snprintf(dir, sizeof(dir), "%s/links", L->pin_dir);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
		if (!err && info.type == BPF_LINK_TYPE_CGROUP && info.cgroup.attach_type == type &&
		    info.cgroup.cgroup_id == cg_id)
			err = bpf_link_update(fd, prog_fd, NULL) ? -errno : 0;
		else if (!err)
			err = -ESTALE;
		close(fd);
		if (!err)
			return 0;
		pr_debug("link %s not reused (%s): attaching anew", path, strerror(-err));
	}
	fd = bpf_link_create(prog_fd, cg_fd, type, NULL);
	if (fd < 0) {
		err = -errno;
		pr_warn("cannot attach %s to the cgroup v2 root: %s", bpf_program__name(prog),
			strerror(-err));
		return err;
	}
	/* The new link runs beside the old until the old pin, its last reference, goes. */
	err = unpin(dir, name) ?: (bpf_obj_pin(fd, path) ? -errno : 0);
	if (err)
		pr_warn("cannot pin link at %s: %s", path, strerror(-err));
	close(fd);
	return err;
}

/*
 * Process attribution is optional: where its programs cannot load or attach
 * (no cgroup v2, no cgroup links), the classifier runs as before and events
 * name no process.
 */
static void attrib_open(struct eg_loader *L, const char *maps_dir)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = maps_dir);
	struct bpf_program *progs[EG_ATTRIB_HOOKS];
	char links_dir[PATH_MAX + 8];
	struct attrib *skel;
	int i, err, cg_fd = -1;
	struct stat st;

	snprintf(links_dir, sizeof(links_dir), "%s/links", L->pin_dir);
	skel = attrib__open_opts(&opts);
	if (!skel) {
		err = -errno;
		goto fail;
	}
	err = attrib__load(skel);
	if (err)
		goto fail;
	cg_fd = cgroup2_root_open();
	if (cg_fd < 0) {
		err = cg_fd;
		pr_warn("no cgroup v2 hierarchy to hook: %s", strerror(-err));
		goto fail;
	}
	/* A cgroup's id is the inode number of its directory. */
	if (fstat(cg_fd, &st) || (mkdir(links_dir, 0700) && errno != EEXIST)) {
		err = -errno;
		goto fail;
	}
	progs[0] = skel->progs.eg_owner_create;
	progs[1] = skel->progs.eg_owner_conn4;
	progs[2] = skel->progs.eg_owner_conn6;
	progs[3] = skel->progs.eg_owner_send4;
	progs[4] = skel->progs.eg_owner_send6;
	for (i = 0; i < EG_ATTRIB_HOOKS && !err; i++)
		err = attrib_link(L, cg_fd, st.st_ino, progs[i], attrib_pins[i]);
	if (err)
		goto fail;
	close(cg_fd);
	L->attrib = skel;
	L->feat.attribution = true;
	pr_info("process attribution on: sockets followed at socket(), connect() and sendmsg()");
	return;
fail:
	/* Some hooks, or a previous run's, would make "off" untrue. */
	for (i = 0; i < EG_ATTRIB_HOOKS; i++)
		unpin(links_dir, attrib_pins[i]);
	if (cg_fd >= 0)
		close(cg_fd);
	attrib__destroy(skel);
	pr_warn("process attribution is off (%s): events will not name processes",
		strerror(-err));
}

int eg_loader_open(struct eg_loader *L, const char *pin_dir)
{
	char maps_dir[PATH_MAX + 8], probe[PATH_MAX + 32];
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	int err;

	memset(L, 0, sizeof(*L));
	L->prog_fd = -1;
	snprintf(L->pin_dir, sizeof(L->pin_dir), "%s", pin_dir);
	err = eg_probe_features(&L->feat);
	if (err)
		return err;
	err = eg_bpffs_ensure(pin_dir);
	if (err)
		return err;
	snprintf(maps_dir, sizeof(maps_dir), "%s/maps", pin_dir);
	if (mkdir(maps_dir, 0700) && errno != EEXIST) {
		err = -errno;
		pr_err("cannot create %s: %s", maps_dir, strerror(-err));
		return err;
	}
	snprintf(probe, sizeof(probe), "%s/eg_config", maps_dir);
	L->maps_reused = !access(probe, F_OK);
	opts.pin_root_path = maps_dir;

	L->skel = egress__open_opts(&opts);
	if (!L->skel) {
		err = -errno;
		pr_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	L->skel->rodata->eg_has_netns_cookie = L->feat.netns_cookie;
	/* The benchmark floor program is loaded only by the benchmarks. */
	bpf_program__set_autoload(L->skel->progs.eg_tc_bare, false);
	err = egress__load(L->skel);
	if (err) {
		pr_err("cannot load the BPF programs: %s%s", strerror(-err),
		       L->maps_reused ? " (pinned maps from another egressgate version? "
					"'egressd --cleanup' removes them)" :
					"");
		goto fail;
	}
	L->prog_fd = bpf_program__fd(L->skel->progs.eg_tc_egress);
	L->fd_config = bpf_map__fd(L->skel->maps.eg_config);
	L->fd_v4[0] = bpf_map__fd(L->skel->maps.eg_v4_rules_0);
	L->fd_v4[1] = bpf_map__fd(L->skel->maps.eg_v4_rules_1);
	L->fd_v6[0] = bpf_map__fd(L->skel->maps.eg_v6_rules_0);
	L->fd_v6[1] = bpf_map__fd(L->skel->maps.eg_v6_rules_1);
	L->fd_names[0] = bpf_map__fd(L->skel->maps.eg_names_0);
	L->fd_names[1] = bpf_map__fd(L->skel->maps.eg_names_1);
	L->fd_dns_ports = bpf_map__fd(L->skel->maps.eg_dns_port_bits);
	L->fd_rule_stats = bpf_map__fd(L->skel->maps.eg_rule_stats);
	L->fd_stats = bpf_map__fd(L->skel->maps.eg_stats);
	L->fd_reasons = bpf_map__fd(L->skel->maps.eg_reasons);
	L->fd_events = bpf_map__fd(L->skel->maps.eg_events);
	err = pin_prog(L, L->prog_fd, EG_PROG_NAME);
	if (err)
		goto fail;
	L->fd_learned = bpf_map__fd(L->skel->maps.eg_learned);
	/* Without its destination hints the classifier would match no prefix at all. */
	L->hint = eg_hint_map(bpf_map__fd(L->skel->maps.eg_dst_hint));
	if (!L->hint) {
		err = -errno;
		pr_err("cannot map eg_dst_hint: %s", strerror(-err));
		goto fail;
	}

	/* The DNS answer reader: its own object, the same maps through their pins. */
	L->ingress = ingress__open_opts(&opts);
	if (!L->ingress) {
		err = -errno;
		pr_err("cannot open the ingress BPF object: %s", strerror(-err));
		goto fail;
	}
	err = ingress__load(L->ingress);
	if (err) {
		pr_err("cannot load the ingress program: %s", strerror(-err));
		goto fail;
	}
	L->ingress_fd = bpf_program__fd(L->ingress->progs.eg_tc_ingress);
	err = pin_prog(L, L->ingress_fd, EG_INGRESS_PROG_NAME);
	if (err)
		goto fail;

	/*
	 * The XDP guard: the same core, the same maps. It needs 5.18 (XDP byte
	 * helpers); where it cannot load, TC guards work on and `hook xdp` says why.
	 */
	L->xdp_fd = -1;
	L->guard = guard__open_opts(&opts);
	if (L->guard) {
		L->guard->rodata->eg_has_netns_cookie = 0;
		bpf_program__set_autoload(L->guard->progs.eg_xdp_bare, false);
		err = guard__load(L->guard);
		if (!err) {
			L->xdp_fd = bpf_program__fd(L->guard->progs.eg_xdp_guard);
			err = pin_prog(L, L->xdp_fd, EG_XDP_PROG_NAME);
		}
	} else {
		err = -errno;
	}
	L->feat.xdp = !err;
	if (err) {
		pr_warn("the XDP guard is off (%s; it needs Linux 5.18): hook xdp is unavailable, "
			"tc and tcx work", strerror(-err));
		guard__destroy(L->guard);
		L->guard = NULL;
		L->xdp_fd = -1;
	}
	attrib_open(L, maps_dir);
	return 0;
fail:
	guard__destroy(L->guard);
	L->guard = NULL;
	eg_hint_unmap(L->hint);
	L->hint = NULL;
	ingress__destroy(L->ingress);
	L->ingress = NULL;
	egress__destroy(L->skel);
	L->skel = NULL;
	return err;
}

void eg_loader_close(struct eg_loader *L)
{
	/* Pins and links stay: enforcement does not depend on the daemon. */
	attrib__destroy(L->attrib);
	L->attrib = NULL;
	ingress__destroy(L->ingress);
	L->ingress = NULL;
	guard__destroy(L->guard);
	L->guard = NULL;
	if (L->skel)
		egress__destroy(L->skel);
	L->skel = NULL;
}

/* Every name egressgate pins; nothing else under the pin directory is touched. */
static const char *const our_maps[] = {
	"eg_config", "eg_v4_rules_0", "eg_v4_rules_1", "eg_v6_rules_0", "eg_v6_rules_1",
	"eg_rule_stats", "eg_stats", "eg_reasons", "eg_events", "eg_names_0", "eg_names_1",
	"eg_dns_port_bits", "eg_sock_owner", "eg_learned",
	"eg_flows", "eg_collect", "eg_flow_hint", "eg_dst_hint",
	"eg_dns_ports", /* before eg_dns_port_bits: removed, never loaded */
};

static int rmdir_if_empty(const char *path)
{
	if (rmdir(path) && errno != ENOENT) {
		if (errno == ENOTEMPTY || errno == EEXIST) {
			pr_warn("%s holds pins that are not egressgate's; left in place", path);
			return 0;
		}
		return -errno;
	}
	return 0;
}

int eg_loader_unpin_all(const char *pin_dir)
{
	char dir[PATH_MAX + 16];
	struct dirent *de;
	size_t i;
	int err = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/maps", pin_dir);
	for (i = 0; i < sizeof(our_maps) / sizeof(our_maps[0]); i++)
		err = unpin(dir, our_maps[i]) ?: err;
	err = rmdir_if_empty(dir) ?: err;
	snprintf(dir, sizeof(dir), "%s/progs", pin_dir);
	err = unpin(dir, EG_PROG_NAME) ?: err;
	err = unpin(dir, EG_INGRESS_PROG_NAME) ?: err;
	err = unpin(dir, EG_XDP_PROG_NAME) ?: err;
	err = rmdir_if_empty(dir) ?: err;
	snprintf(dir, sizeof(dir), "%s/links", pin_dir);
	d = opendir(dir);
	if (d) {
		while ((de = readdir(d)))
			if (!strncmp(de->d_name, "tcx-", 4) || !strncmp(de->d_name, "xdp-", 4))
				err = unpin(dir, de->d_name) ?: err;
		closedir(d);
	}
	for (i = 0; i < EG_ATTRIB_HOOKS; i++)
		err = unpin(dir, attrib_pins[i]) ?: err;
	err = rmdir_if_empty(dir) ?: err;
	return rmdir_if_empty(pin_dir) ?: err;
}
