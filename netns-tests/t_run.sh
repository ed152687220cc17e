# egressctl run end to end. The "host" is the deploy test namespace: egressd
# and egressctl run inside it (nsenter), its veth0 toward the upstream test
# namespace is the uplink. The machine's own interfaces are never touched.

run_policy() {
	printf 'mode enforce\ndefault allow\nblock 198.51.100.0/24 # code host\n'
	printf 'block name github.com # code host by name\n'
}

# egressd inside the "host" namespace.
run_egressd() {
	printf '%s\n' "$1" >"$T_DIR/policy"
	mkdir -p "$T_RUN"
	bg in_dep "$EGRESSD" --config "$T_DIR/policy" --foreground --pin-dir "$T_PIN" --run-dir "$T_RUN" \
		--events-log "$T_DIR/events.jsonl" --metrics none 2>>"$T_DIR/egressd.log"
	wait_socket
}

# egressctl run from the "host" namespace: erun [run options] -- CMD...
erun() { in_dep "$EGRESSCTL" --socket "$T_RUN/egressd.sock" run --uplink veth0 --dns 192.0.2.1 "$@"; }

# The deploy script: an allowed download, a blocked host, a blocked name.
run_script() {
	cat >"$T_DIR/deploy.sh" <<'SCRIPT'
#!/bin/sh
echo "pid $$"
curl -s --max-time 5 http://203.0.113.10:8080/artifact.txt || exit 11
curl -s --max-time 5 -o /dev/null http://198.51.100.10:8080/ && exit 12
dig +tries=1 +time=3 +short github.com
curl -s --max-time 5 -o /dev/null http://github.com:8080/ && exit 13
exit ${1:-0}
SCRIPT
	chmod +x "$T_DIR/deploy.sh"
}

run_setup() {
	serve_http 198.51.100.10 8080 && serve_http 203.0.113.10 8080 && serve_dns || return 1
	run_egressd "$(run_policy)" || return 1
	run_script
}

test_run_enforce_summary() {
	run_setup || return 1
	local out rc
	out=$(erun -o "$T_DIR/sum" -- "$T_DIR/deploy.sh" 7)
	rc=$?
	[ $rc = 7 ] || fail "exit status $rc, want 7; $out $(cat "$T_DIR/sum")" || return 1
	echo "$out" | grep -q '^artifact-v1$' || fail "stdout: $out" || return 1
	cat "$T_DIR/sum"
	grep -qE 'reject +block 198.51.100.0/24 .*tcp +198.51.100.10:8080 +1$' "$T_DIR/sum" ||
		fail "blocked prefix not summarised" || return 1
	grep -qE 'reject +block name github.com +github.com \(dns\) +udp +192.0.2.1:53 ' "$T_DIR/sum" ||
		fail "blocked name not summarised" || return 1
	grep -q 203.0.113.10 "$T_DIR/sum" && fail "allowed destination listed as blocked" && return 1
	# The guard was the XDP hook on the host side.
	grep -q '"hook":"xdp","dev":"[^"]*","netns":"egr-' "$T_DIR/events.jsonl" ||
		fail "no XDP event for the run's namespace: $(tail -2 "$T_DIR/events.jsonl")" || return 1
	# Under sudo, CMD runs as the invoking user, with the caller's environment.
	out=$(SUDO_UID=65534 SUDO_GID=65534 EG_MARK=kept erun -o /dev/null -- sh -c 'echo "$(id -u):$(id -g):$EG_MARK"')
	[ "$out" = "65534:65534:kept" ] || fail "user/environment: '$out'" || return 1
	ip netns list | grep -q '^egr-' && fail "namespace left: $(ip netns list)" && return 1
	ctl status | grep -q 'egr-' && fail "attachment left" && return 1
	in_dep nft list tables | grep -q egressgate_run && fail "nft table left" && return 1
	ls /etc/netns 2>/dev/null | grep -q '^egr-' && fail "resolv.conf left" && return 1
	return 0
}

test_run_monitor_inventory_json() {
	run_setup || return 1
	local rc
	cat >"$T_DIR/audit.sh" <<'SCRIPT'
#!/bin/sh
curl -s --max-time 5 -o /dev/null http://203.0.113.10:8080/artifact.txt || exit 11
dig +tries=1 +time=3 +short github.com
curl -s --max-time 5 -o /dev/null http://github.com:8080/ || exit 12
exit 5
SCRIPT
	chmod +x "$T_DIR/audit.sh"
	erun --monitor --json -o "$T_DIR/sum.json" -- "$T_DIR/audit.sh" >/dev/null
	rc=$?
	# In monitor mode nothing is blocked: the whole script runs.
	[ $rc = 5 ] || fail "exit status $rc, want 5: $(cat "$T_DIR/sum.json")" || return 1
	cat "$T_DIR/sum.json"
	$PY - "$T_DIR/sum.json" <<'PYEOF' || return 1
import json, sys
s = json.load(open(sys.argv[1]))
assert s["exit_status"] == 5, s
inv = {(e["dst"], e["dport"]): e for e in s["inventory"]}
assert inv[("203.0.113.10", 8080)]["connections"] == 1, inv
assert "203.0.113.10 (http)" in inv[("203.0.113.10", 8080)]["names"], inv
assert "github.com (dns)" in inv[("192.0.2.1", 53)]["names"], inv
assert "github.com (http)" in inv[("198.51.100.10", 8080)]["names"], inv
assert inv[("198.51.100.10", 8080)]["connections"] == 1, inv
b = {(e["dst"], e["dport"]): e for e in s["blocked"]}
assert b[("198.51.100.10", 8080)]["verdict"] == "would-reject", b
assert b[("198.51.100.10", 8080)]["count"] == 1, b
assert b[("192.0.2.1", 53)]["verdict"] == "would-reject" and "github.com (dns)" in b[("192.0.2.1", 53)]["names"], b
assert ("203.0.113.10", 8080) not in b, b
PYEOF
	# The mode and the catch-all rules are back as they were.
	ctl status | grep -q '^mode: enforce' || fail "mode not restored: $(ctl status | grep mode)" || return 1
	ctl rules | grep -q '0.0.0.0/0' && fail "catch-all rule left: $(ctl rules)" && return 1
	ip netns list | grep -q '^egr-' && fail "namespace left" && return 1
	return 0
}

test_run_failure_and_signals() {
	run_setup || return 1
	local rc p
	# CMD fails; CMD not found.
	erun -- false
	rc=$?
	[ $rc = 1 ] || fail "false gave $rc" || return 1
	erun -- /nonexistent/cmd 2>/dev/null
	rc=$?
	[ $rc = 127 ] || fail "missing command gave $rc" || return 1
	# Setup failures: CMD never runs, status 125, nothing left.
	erun --uplink nosuchdev -- touch "$T_DIR/ran" 2>/dev/null
	rc=$?
	[ $rc = 125 ] || fail "bad uplink gave $rc" || return 1
	in_dep "$EGRESSCTL" --socket "$T_DIR/none.sock" run --uplink veth0 --dns 192.0.2.1 -- touch "$T_DIR/ran" 2>/dev/null
	rc=$?
	[ $rc = 125 ] || fail "unreachable egressd gave $rc" || return 1
	[ -e "$T_DIR/ran" ] && fail "CMD ran although setup failed" && return 1
	ip netns list | grep -q '^egr-' && fail "namespace left after a failed setup" && return 1
	in_dep nft list tables | grep -q egressgate_run && fail "nft table left after a failed setup" && return 1
	# SIGTERM and SIGINT while CMD runs: forwarded, then everything removed.
	for sig in TERM INT; do
		# nsenter execs egressctl: $! is egressctl itself.
		nsenter --net=/run/netns/$NS_DEP "$EGRESSCTL" --socket "$T_RUN/egressd.sock" run --uplink veth0 --dns 192.0.2.1 -- sleep 30 &
		p=$!
		for _ in $(seq 50); do ip netns list | grep -q '^egr-' && ctl status | grep -q 'egr-' && break; sleep 0.1; done
		sleep 0.3
		kill -$sig $p
		wait $p
		rc=$?
		[ $rc -gt 128 ] || fail "SIG$sig: exit status $rc" || return 1
		ip netns list | grep -q '^egr-' && fail "SIG$sig: namespace left" && return 1
		in_dep nft list tables | grep -q egressgate_run && fail "SIG$sig: nft table left" && return 1
		ctl status | grep -q 'egr-' && fail "SIG$sig: attachment left" && return 1
	done
	# Two runs at once do not collide.
	erun -o "$T_DIR/a" -- "$T_DIR/deploy.sh" 3 >/dev/null &
	p=$!
	erun -o "$T_DIR/b" -- "$T_DIR/deploy.sh" 4 >/dev/null
	rc=$?
	wait $p
	[ $? = 3 ] && [ $rc = 4 ] || fail "concurrent runs: $(cat "$T_DIR/a" "$T_DIR/b")" || return 1
	grep -q '198.51.100.10:8080' "$T_DIR/a" && grep -q '198.51.100.10:8080' "$T_DIR/b" ||
		fail "concurrent summaries: $(cat "$T_DIR/a" "$T_DIR/b")" || return 1
	ip netns list | grep -q '^egr-' && fail "namespace left after concurrent runs" && return 1
	in_dep nft list tables | grep -q egressgate_run && fail "nft table left" && return 1
	return 0
}

# --monitor is shared: the last monitoring run restores the mode; a run
# killed outright leaves it to the next run to restore.
test_run_monitor_lease() {
	run_setup || return 1
	local p
	erun --monitor -o /dev/null -- sleep 3 &
	p=$!
	for _ in $(seq 50); do ctl status | grep -q '^mode: monitor' && break; sleep 0.1; done
	erun --monitor -o /dev/null -- true || fail "second monitoring run failed" || return 1
	ctl status | grep -q '^mode: monitor' || fail "mode restored while a run still monitors" || return 1
	wait $p
	ctl status | grep -q '^mode: enforce' || fail "mode not restored by the last run" || return 1
	ctl rules | grep -q '0.0.0.0/0' && fail "catch-all left" && return 1
	# SIGKILL: nothing can clean up; the next run restores the mode.
	nsenter --net=/run/netns/$NS_DEP "$EGRESSCTL" --socket "$T_RUN/egressd.sock" run --monitor \
		--uplink veth0 --dns 192.0.2.1 -o /dev/null -- sleep 30 &
	p=$!
	for _ in $(seq 50); do ctl status | grep -q '^mode: monitor' && break; sleep 0.1; done
	kill -9 $p
	wait $p 2>/dev/null
	erun -o /dev/null -- true || return 1
	ctl status | grep -q '^mode: enforce' || fail "mode not restored after a killed run" || return 1
	ctl rules | grep -q '0.0.0.0/0' && fail "catch-all left after a killed run" && return 1
	# What the killed run left (namespace egr-$p, its table) is removed by hand here.
	ip netns del "egr-$p" 2>/dev/null
	in_dep nft delete table inet "egressgate_run_$p" 2>/dev/null
	in_dep ip link del "egr${p}h" 2>/dev/null
	rm -rf "/etc/netns/egr-$p"
	ctl detach --netns "egr-$p" veth0 >/dev/null 2>&1
	return 0
}
