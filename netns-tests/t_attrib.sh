# Process attribution: an event for a packet that started on this host names
# the process that sent it (pid, command name, cgroup).

ATTRIB_POLICY="mode enforce
default allow
block 198.51.100.0/24   # code host
block 2001:db8:100::/48 # code host v6
attach netns \$NS_DEP dev veth0"

attrib_policy() { eval "echo \"$ATTRIB_POLICY\""; }

# Run a command in the deploy namespace in the background, in cgroup v2 $ATTRIB_CG
# when set; ATTRIB_PID is its pid. sh and nsenter exec, so $! is the command's
# own pid (in_dep, a function, would run in a subshell).
dep_bg() {
	sh -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs" || exit 1; shift; exec "$@"' - \
		"${ATTRIB_CG:-}" nsenter --net=/run/netns/$NS_DEP "$@" >/dev/null 2>&1 &
	ATTRIB_PID=$!
	T_PIDS+=($ATTRIB_PID)
}

# owner_event DST PROTO PID COMM [CGROUP_PATH]: an event to DST over PROTO
# names PID, COMM and the cgroup (by default this shell's, which the sender
# inherited).
owner_event() {
	wait_event "\"proto\":\"$2\",\"src\":\"[^\"]*\",\"sport\":[0-9]*,\"dst\":\"$1\".*\"pid\":$3," || return 1
	$PY - "$T_DIR/events.jsonl" "$@" <<'PYEOF' || fail "$(tail -3 "$T_DIR/events.jsonl")"
import json, sys
log, dst, proto, pid, comm = sys.argv[1:6]
cg = sys.argv[6:] or [l[3:].strip() for l in open("/proc/self/cgroup") if l.startswith("0::")]
evs = [e for e in map(json.loads, open(log)) if e["dst"] == dst and e["proto"] == proto]
ev = [e for e in evs if e["pid"] == int(pid)]
assert ev, "no event of pid %s among %s" % (pid, evs)
e = ev[-1]
assert e["comm"] == comm, "comm %r, want %r" % (e["comm"], comm)
assert e["tid"] > 0 and e["cgroup"] > 0, e
assert not cg or e["cgroup_path"] == cg[0], "cgroup_path %r, want %r" % (e["cgroup_path"], cg[0])
print("event names %s (pid %s, cgroup %s %s)" % (e["comm"], e["pid"], e["cgroup"], e["cgroup_path"]))
PYEOF
}

# The cgroup v2 mount, empty without one.
cgroup2_mnt() { findmnt -n -t cgroup2 -o TARGET | head -1; }

ATTRIB_LINKS="attrib-create attrib-connect4 attrib-connect6 attrib-sendmsg4 attrib-sendmsg6"

# Ids of the pinned attribution links, one line.
attrib_link_ids() {
	local l
	for l in $ATTRIB_LINKS; do
		bpftool -j link show pinned "$T_PIN/links/$l" | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])' || return 1
	done | tr '\n' ' '
}

# The refused connection of a curl in the deploy namespace names curl and its pid,
# over IPv4 and IPv6.
test_attrib_curl_named() {
	egressd_start "$(attrib_policy)" || return 1
	ctl status --json | $PY -c 'import json,sys; s=json.load(sys.stdin); assert s.get("attribution", True), s' ||
		fail "status says attribution is off" || return 1
	dep_bg curl -s -o /dev/null --max-time 5 http://198.51.100.10:8080/artifact.txt
	local pid=$ATTRIB_PID
	wait "$pid"
	[ $? = 7 ] || fail "curl to the blocked prefix was not refused" || return 1
	owner_event 198.51.100.10 tcp "$pid" curl || return 1
	ctl events | grep -q "reject  *curl (pid $pid) tcp  *192.0.2.2:[0-9]* -> 198.51.100.10:8080 rule" ||
		fail "text line: $(ctl events | tail -1)" || return 1
	dep_bg curl -s -o /dev/null --max-time 5 "http://[2001:db8:100::10]:8080/artifact.txt"
	pid=$ATTRIB_PID
	wait "$pid"
	owner_event 2001:db8:100::10 tcp "$pid" curl || return 1
}

# A datagram to a blocked prefix names the python3 that sent it, and its cgroup;
# a ping names ping.
test_attrib_udp_python_named() {
	local mnt rc
	mnt=$(cgroup2_mnt)
	ATTRIB_CG=
	if [ -n "$mnt" ]; then
		ATTRIB_CG=$mnt/egt-$T_ID
		mkdir "$ATTRIB_CG" || return 1
	fi
	attrib_udp_python
	rc=$?
	[ -z "$ATTRIB_CG" ] || rmdir "$ATTRIB_CG"
	ATTRIB_CG=
	return $rc
}

attrib_udp_python() {
	egressd_start "$(attrib_policy)" || return 1
	dep_bg $PY -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"blocked", ("198.51.100.10", 5353))'
	local pid=$ATTRIB_PID
	wait "$pid" || fail "python sender failed" || return 1
	owner_event 198.51.100.10 udp "$pid" python3 ${ATTRIB_CG:+/egt-$T_ID} || return 1
	# ICMP sockets pass no connect or sendmsg hook: named from socket().
	dep_bg ping -c1 -W1 198.51.100.10
	pid=$ATTRIB_PID
	wait "$pid"
	owner_event 198.51.100.10 icmp "$pid" ping ${ATTRIB_CG:+/egt-$T_ID} || return 1
	# Every event here comes from a local socket, so every one names a process.
	grep -q '"pid":0,' "$T_DIR/events.jsonl" && fail "event without a process: $(grep '"pid":0,' "$T_DIR/events.jsonl")" && return 1
	return 0
}

# Attribution goes on while no egressd runs and across restarts, on the same
# links (switched to the new programs in place); --cleanup ends it.
test_attrib_restart_and_cleanup() {
	local ids ids2 id pid
	egressd_start "$(attrib_policy)" || return 1
	ids=$(attrib_link_ids) || fail "attribution links not pinned: $(ls "$T_PIN/links")" || return 1
	kill -9 "$EGRESSD_PID"
	wait "$EGRESSD_PID" 2>/dev/null
	# No daemon: the event waits in the ring buffer, the owner is still recorded.
	dep_bg curl -s -o /dev/null --max-time 5 http://198.51.100.10:8080/artifact.txt
	pid=$ATTRIB_PID
	wait "$pid"
	egressd_start "$(attrib_policy)" || return 1
	owner_event 198.51.100.10 tcp "$pid" curl || return 1
	ids2=$(attrib_link_ids) || return 1
	[ "$ids" = "$ids2" ] || fail "links replaced on restart ($ids -> $ids2), want updated in place" || return 1
	# The updated links run the new programs.
	dep_bg curl -s -o /dev/null --max-time 5 http://198.51.100.10:8081/
	pid=$ATTRIB_PID
	wait "$pid"
	owner_event 198.51.100.10 tcp "$pid" curl || return 1
	kill "$EGRESSD_PID"
	wait "$EGRESSD_PID" 2>/dev/null
	"$EGRESSD" --cleanup --pin-dir "$T_PIN" --run-dir "$T_RUN" 2>>"$T_DIR/egressd.log" || fail "cleanup" || return 1
	[ -e "$T_PIN" ] && fail "pins left after --cleanup: $(find "$T_PIN")" && return 1
	for id in $ids; do
		bpftool link show id "$id" >/dev/null 2>&1 && fail "attribution link $id left after --cleanup" && return 1
	done
	T_PIDS=()
	return 0
}

# Without cgroup v2 attribution is off, said so, and nothing else changes.
test_attrib_off_without_cgroup2() {
	local mnt rc
	mnt=$(cgroup2_mnt)
	[ -n "$mnt" ] || { echo "no cgroup v2 mount to hide"; exit 77; }
	# egressd in a mount namespace of its own, where cgroup v2 is not mounted.
	cat >"$T_DIR/egressd-nocg" <<WRAP
#!/bin/sh
exec unshare -m --propagation private sh -c 'umount -l "$mnt" && exec "\$0" "\$@"' "$EGRESSD" "\$@"
WRAP
	chmod +x "$T_DIR/egressd-nocg"
	EGRESSD=$T_DIR/egressd-nocg egressd_start "$(attrib_policy)" || return 1
	grep -q 'process attribution is off' "$T_DIR/egressd.log" || fail "no warning: $(cat "$T_DIR/egressd.log")" || return 1
	ctl status --json | $PY -c 'import json,sys; s=json.load(sys.stdin); assert not s.get("attribution", False), s' ||
		fail "status says attribution is on" || return 1
	rc=$(dep_curl http://198.51.100.10:8080/artifact.txt)
	[ "$rc" = 7 ] || fail "curl to the blocked prefix: exit $rc, want 7" || return 1
	wait_event '"verdict":"reject".*"dst":"198.51.100.10".*"pid":0,"tid":0,"comm":"","cgroup":0,' || return 1
	ls "$T_PIN"/links/attrib-* >/dev/null 2>&1 && fail "attribution links pinned: $(ls "$T_PIN/links")" && return 1
	return 0
}
