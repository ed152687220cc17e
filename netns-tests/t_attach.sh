# Attachment paths: tcx and clsact, foreign qdiscs, the host's own interface,
# pid targets, restart without a gap, cleanup.

attach_policy() { # [hook]
	printf 'mode enforce\nblock 198.51.100.0/24 # code host\n'
	[ -n "${1:-}" ] && printf 'attach netns %s dev veth0 hook %s\n' "$NS_DEP" "$1"
	return 0
}

blocked_and_allowed() {
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 7 ] || fail "blocked prefix not refused" || return 1
	[ "$(dep_curl http://203.0.113.10:8080/artifact.txt)" = 0 ] || fail "allowed prefix failed" || return 1
}

test_hook_tc_clsact() {
	serve_http 198.51.100.10 8080 && serve_http 203.0.113.10 8080 || return 1
	egressd_start "$(attach_policy tc)" || return 1
	in_dep tc filter show dev veth0 egress | grep -q 'eg_tc_egress' || fail "no cls_bpf filter of ours" || return 1
	ctl status | grep -q 'veth0 tc ifindex' || fail "status does not say tc: $(ctl status)" || return 1
	blocked_and_allowed || return 1
	ctl detach --netns "$NS_DEP" veth0 >/dev/null || fail "detach" || return 1
	in_dep tc qdisc show dev veth0 | grep -q clsact && fail "our clsact left behind" && return 1
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 0 ] || fail "still blocked after detach" || return 1
}

test_hook_tcx() {
	serve_http 198.51.100.10 8080 && serve_http 203.0.113.10 8080 || return 1
	egressd_start "$(attach_policy tcx)" || return 1
	ctl status | grep -q 'tcx available' || fail "status does not report tcx" || return 1
	ctl status | grep -q 'veth0 tcx ifindex' || fail "status: $(ctl status)" || return 1
	ls "$T_PIN"/links/tcx-* >/dev/null 2>&1 || fail "tcx link not pinned" || return 1
	blocked_and_allowed || return 1
	ctl detach --netns "$NS_DEP" veth0 >/dev/null || return 1
	ls "$T_PIN"/links/tcx-* >/dev/null 2>&1 && fail "tcx link pin left" && return 1
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 0 ] || fail "still blocked after detach" || return 1
}

# Detach removes only what egressgate created: a foreign clsact and filter stay.
test_foreign_qdisc_untouched() {
	serve_http 198.51.100.10 8080 && serve_http 203.0.113.10 8080 || return 1
	in_dep tc qdisc add dev veth0 clsact || return 1
	in_dep tc filter add dev veth0 egress prio 58880 protocol all u32 match u32 0 0 || return 1
	in_dep tc filter add dev veth0 ingress prio 10 protocol all u32 match u32 0 0 || return 1
	local before
	before=$(in_dep tc filter show dev veth0 egress; in_dep tc filter show dev veth0 ingress)
	egressd_start "$(attach_policy)" || return 1
	ctl attach --netns "$NS_DEP" veth0 --hook tc >"$T_DIR/out" || fail "attach --hook tc" || return 1
	grep -qi 'not ours' "$T_DIR/out" "$T_DIR/egressd.log" || fail "no note about the foreign clsact" || return 1
	blocked_and_allowed || return 1
	ctl detach --netns "$NS_DEP" veth0 >/dev/null || return 1
	in_dep tc qdisc show dev veth0 | grep -q clsact || fail "foreign clsact removed" || return 1
	[ "$before" = "$(in_dep tc filter show dev veth0 egress; in_dep tc filter show dev veth0 ingress)" ] ||
		fail "foreign filters changed" || return 1
	# tcx beside the foreign clsact, then detach: the clsact is still untouched.
	ctl attach --netns "$NS_DEP" veth0 --hook tcx >/dev/null || return 1
	blocked_and_allowed || return 1
	ctl detach --netns "$NS_DEP" veth0 >/dev/null || return 1
	[ "$before" = "$(in_dep tc filter show dev veth0 egress; in_dep tc filter show dev veth0 ingress)" ] ||
		fail "foreign filters changed after tcx" || return 1
}

# The host-interface case: egressd runs in the "host" (here a test namespace)
# and guards that namespace's own interface.
test_host_interface() {
	serve_http 198.51.100.10 8080 && serve_http 203.0.113.10 8080 || return 1
	printf 'block 198.51.100.0/24\nattach dev veth0\n' >"$T_DIR/policy"
	mkdir -p "$T_RUN"
	bg in_dep "$EGRESSD" --config "$T_DIR/policy" --foreground --pin-dir "$T_PIN" --run-dir "$T_RUN" \
		--events-log "$T_DIR/events.jsonl" 2>>"$T_DIR/egressd.log"
	wait_socket || return 1
	ctl status | grep -qE '^  veth0 tcx' || fail "status: $(ctl status)" || return 1
	blocked_and_allowed || return 1
	wait_event '"verdict":"reject".*"dev":"veth0","netns":""' || return 1
}

test_pid_target() {
	serve_http 198.51.100.10 8080 && serve_http 203.0.113.10 8080 || return 1
	bg in_dep sleep 60
	local pid
	sleep 0.2
	pid=$(pgrep -f -n 'sleep 60') || return 1
	egressd_start "$(attach_policy)" || return 1
	ctl attach --pid "$pid" veth0 >/dev/null || fail "attach --pid $pid" || return 1
	blocked_and_allowed || return 1
	ctl attach --pid "$pid" veth0 2>"$T_DIR/err" && fail "double attach accepted" && return 1
	grep -q 'already attached' "$T_DIR/err" || return 1
	ctl attach --netns no-such-ns-$$ veth0 2>"$T_DIR/err" && return 1
	grep -q "network namespace 'no-such-ns-$$' does not exist" "$T_DIR/err" || fail "$(cat "$T_DIR/err")" || return 1
	ctl attach --netns "$NS_DEP" nosuchdev0 2>"$T_DIR/err" && return 1
	grep -q "no interface 'nosuchdev0'" "$T_DIR/err" || fail "$(cat "$T_DIR/err")" || return 1
}

# The data plane does not depend on the daemon; a new egressd adopts what is there.
test_restart_keeps_enforcing() {
	local hook
	for hook in tcx tc; do
		serve_http 198.51.100.10 8080 && serve_http 203.0.113.10 8080 || return 1
		egressd_start "$(attach_policy $hook)" || return 1
		blocked_and_allowed || return 1
		kill -9 "$EGRESSD_PID"
		wait "$EGRESSD_PID" 2>/dev/null
		blocked_and_allowed || fail "$hook: enforcement stopped with the daemon" || return 1
		egressd_start "$(attach_policy $hook)" || return 1
		grep -q 'adopted the attachment' "$T_DIR/egressd.log" || fail "$hook: not adopted" || return 1
		blocked_and_allowed || return 1
		[ "$hook" = tc ] && { [ "$(in_dep tc filter show dev veth0 egress | grep -c eg_tc_egress)" = 1 ] ||
			fail "tc: duplicate filters after restart" || return 1; }
		# Clean exit also leaves enforcement in place; --cleanup removes it.
		kill "$EGRESSD_PID"
		wait "$EGRESSD_PID" 2>/dev/null
		blocked_and_allowed || return 1
		"$EGRESSD" --cleanup --pin-dir "$T_PIN" --run-dir "$T_RUN" 2>>"$T_DIR/egressd.log" || fail "cleanup" || return 1
		[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 0 ] || fail "$hook: still blocked after --cleanup" || return 1
		[ -e "$T_PIN" ] && fail "pins left after --cleanup" && return 1
		in_dep tc qdisc show dev veth0 | grep -q clsact && fail "clsact left after --cleanup" && return 1
		T_PIDS=()
	done
	return 0
}

# A changed hook in the policy moves the attachment without a gap; an L3 device is refused.
test_reload_changes_hook() {
	serve_http 198.51.100.10 8080 && serve_http 203.0.113.10 8080 || return 1
	egressd_start "$(attach_policy tcx)" || return 1
	ctl status | grep -q 'veth0 tcx' || return 1
	attach_policy tc >"$T_DIR/policy"
	ctl reload >/dev/null || fail "reload" || return 1
	ctl status | grep -q 'veth0 tc ifindex' || fail "status after reload: $(ctl status)" || return 1
	[ "$(ctl status --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["attachments"]))')" = 1 ] ||
		fail "two attachments after the hook change" || return 1
	ls "$T_PIN"/links/tcx-* >/dev/null 2>&1 && fail "tcx link left after moving to tc" && return 1
	blocked_and_allowed || return 1
	attach_policy auto >"$T_DIR/policy"
	ctl reload >/dev/null || return 1
	ctl status | grep -q 'veth0 tcx' || fail "auto did not pick tcx" || return 1
	in_dep tc filter show dev veth0 egress | grep -q eg_tc_egress && fail "tc filter left after moving to tcx" && return 1
	blocked_and_allowed || return 1
	in_dep ip tuntap add mode tun dev tun0 || return 1
	ctl attach --netns "$NS_DEP" tun0 2>"$T_DIR/err" && fail "attached to a tun device" && return 1
	grep -q 'tun0 is not an Ethernet device' "$T_DIR/err" || fail "$(cat "$T_DIR/err")" || return 1
}

# --cleanup removes egressgate's pins and nothing else in the pin directory.
test_cleanup_leaves_foreign_pins() {
	egressd_start "$(attach_policy)" || return 1
	bpftool map create "$T_PIN/foreign" type array key 4 value 4 entries 1 name foreign || return 1
	kill "$EGRESSD_PID"
	wait "$EGRESSD_PID" 2>/dev/null
	"$EGRESSD" --cleanup --pin-dir "$T_PIN" --run-dir "$T_RUN" 2>"$T_DIR/err" || fail "$(cat "$T_DIR/err")" || return 1
	[ -e "$T_PIN/foreign" ] || fail "foreign pin removed" || return 1
	[ -e "$T_PIN/maps" ] && fail "our maps left" && return 1
	[ "$(in_dep tc filter show dev veth0 egress)" = "" ] || return 1
	rm -f "$T_PIN/foreign"
}
