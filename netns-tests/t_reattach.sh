# Attachments follow namespaces and devices that go away and come back.

wait_status() { # PATTERN: until `egressctl status` matches
	for _ in $(seq 60); do
		ctl status | grep -qE "$1" && return 0
		sleep 0.1
	done
	fail "status never matched '$1': $(ctl status | grep -A3 attachments)"
}

reattach_case() { # HOOK
	serve_http 198.51.100.10 8080 || return 1
	egressd_start "mode enforce
block 198.51.100.0/24
attach netns $NS_DEP dev veth0 hook $1" || return 1
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 7 ] || return 1

	# The device goes and comes back (a new ifindex).
	in_dep ip link del veth0 || return 1
	wait_status "veth0 pending" || return 1
	[ "$1" = tcx ] && ls "$T_PIN"/links/tcx-* >/dev/null 2>&1 && fail "dead tcx link still pinned" && return 1
	veth_up || return 1
	wait_status "veth0 $1 ifindex" || return 1
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 7 ] || fail "not enforced after the device came back" || return 1

	# The namespace goes and is created again under the same name.
	ip netns del "$NS_DEP" || return 1
	wait_status "veth0 pending" || return 1
	# The namespace is torn down asynchronously, and the peer with it.
	for _ in $(seq 50); do in_up ip link show veth-up >/dev/null 2>&1 || break; sleep 0.1; done
	ip netns add "$NS_DEP" && veth_up || return 1
	wait_status "veth0 $1 ifindex" || return 1
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 7 ] || fail "not enforced in the new namespace" || return 1
	grep -q 'attached to .* as it came back' "$T_DIR/egressd.log" || return 1
}

test_reattach_device_and_namespace_tcx() { reattach_case tcx; }
test_reattach_device_and_namespace_tc() { reattach_case tc; }

# A policy target that does not exist yet is pending, then attached when it appears.
test_pending_target_attached_on_appearance() {
	serve_http 198.51.100.10 8080 || return 1
	ip link del veth-up netns "$NS_UP" 2>/dev/null || in_up ip link del veth-up
	egressd_start "block 198.51.100.0/24
attach netns $NS_DEP dev veth0" || return 1
	ctl status | grep -q 'veth0 pending' || fail "not pending: $(ctl status)" || return 1
	veth_up || return 1
	wait_status "veth0 tcx ifindex" || return 1
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 7 ] || return 1
}

# `attach netns PATTERN dev DEV`: namespaces that appear are guarded, and
# released when they go.
test_pattern_attach_follows_namespaces() {
	serve_http 198.51.100.10 8080 || return 1
	egressd_start "block 198.51.100.0/24
attach netns $NS_DEP* dev veth0" || return 1
	wait_status "$NS_DEP/veth0 tcx ifindex" || return 1
	local ns2=$NS_DEP-b
	ip netns add "$ns2" || return 1
	ip link add veth0 netns "$ns2" type veth peer name veth-b netns "$NS_UP" || return 1
	nsenter --net=/run/netns/"$ns2" ip link set lo up
	nsenter --net=/run/netns/"$ns2" ip link set veth0 up
	nsenter --net=/run/netns/"$ns2" ip addr add 192.0.2.3/24 dev veth0
	nsenter --net=/run/netns/"$ns2" ip route add default via 192.0.2.1
	in_up ip link set veth-b up
	in_up ip route add 192.0.2.3/32 dev veth-b
	wait_status "$ns2/veth0 tcx ifindex" || return 1
	grep -q "attached to $ns2/veth0 .*by pattern\|attached to $ns2/veth0 .*as it came back" "$T_DIR/egressd.log" ||
		fail "no log of the pattern attach" || return 1
	local rc
	rc=$(nsenter --net=/run/netns/"$ns2" curl -s -o /dev/null --max-time 5 http://198.51.100.10:8080/artifact.txt; echo $?)
	[ "$rc" = 7 ] || fail "new namespace not guarded (curl exit $rc)" || return 1
	ip netns del "$ns2"
	for _ in $(seq 60); do
		ctl status | grep -q "$ns2/" || break
		sleep 0.1
	done
	ctl status | grep -q "$ns2/" && fail "state of the deleted namespace kept: $(ctl status | grep "$ns2")" && return 1
	return 0
}
