# Operability: metrics, the control group, the event log's rotation, running in the background.

# Prometheus text from an egressd that runs inside the deploy namespace, so
# its loopback is the namespace's own.
test_metrics_endpoint() {
	serve_http 198.51.100.10 8080 || return 1
	printf 'block 198.51.100.0/24 # code host\nattach dev veth0\n' >"$T_DIR/policy"
	mkdir -p "$T_RUN"
	bg in_dep "$EGRESSD" --config "$T_DIR/policy" --foreground --pin-dir "$T_PIN" --run-dir "$T_RUN" \
		--events-log "$T_DIR/events.jsonl" --metrics 127.0.0.1:9464 2>>"$T_DIR/egressd.log"
	wait_socket || return 1
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 7 ] || return 1
	in_dep curl -sS --max-time 5 http://127.0.0.1:9464/metrics >"$T_DIR/metrics" || fail "scrape failed" || return 1
	local m
	for m in 'egressgate_packets_total{verdict="reject"} [1-9]' \
		'egressgate_drop_reasons_total{reason="rule-block"} [1-9]' \
		'egressgate_rule_hits_packets_total{rule="1",action="block",prefix="198.51.100.0/24"} [1-9]' \
		'egressgate_rules{family="ipv4"} 1' 'egressgate_event_buffer_lost_total 0' \
		'egressgate_attachment_info{.*dev="veth0".*} 1' 'egressgate_up 1' \
		'egressgate_mode{mode="enforce"} 1'; do
		grep -qE "^$m" "$T_DIR/metrics" || fail "no metric matching '$m'" || return 1
	done
	[ "$(in_dep curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9464/nope)" = 404 ] || return 1
	# Every sample line parses as NAME{LABELS} VALUE.
	grep -v '^#' "$T_DIR/metrics" | grep -vqE '^[a-z_]+(\{.*\})? [0-9.e+-]+$' && fail "malformed sample" && return 1
	return 0
}

# Members of --socket-group may use egressctl; others may not.
test_socket_group() {
	getent group egt-ctl >/dev/null || groupadd --system egt-ctl || return 1
	egressd_start "block 198.51.100.0/24" --socket-group egt-ctl || { groupdel egt-ctl; return 1; }
	chmod 755 "$T_DIR" # the test's own directory; egressd opens its run directory itself
	local ok=1
	[ "$(stat -c '%a %G' "$T_RUN/egressd.sock")" = "660 egt-ctl" ] || { fail "socket: $(stat -c '%a %G' "$T_RUN/egressd.sock")"; ok=0; }
	setpriv --reuid=65534 --regid=65534 --groups="$(getent group egt-ctl | cut -d: -f3)" \
		"$EGRESSCTL" --socket "$T_RUN/egressd.sock" rules >/dev/null 2>"$T_DIR/err" || { fail "group member refused: $(cat "$T_DIR/err")"; ok=0; }
	setpriv --reuid=65534 --regid=65534 --clear-groups "$EGRESSCTL" --socket "$T_RUN/egressd.sock" rules 2>"$T_DIR/err"
	[ $? = 3 ] || { fail "non-member: $(cat "$T_DIR/err")"; ok=0; }
	groupdel egt-ctl
	[ $ok = 1 ]
}

# SIGUSR1 reopens the event log, so logrotate can move it away.
test_event_log_rotation() {
	serve_http 198.51.100.10 8080 || return 1
	egressd_start "block 198.51.100.0/24
attach netns $NS_DEP dev veth0" || return 1
	dep_curl http://198.51.100.10:8080/artifact.txt >/dev/null
	wait_event '"verdict":"reject"' || return 1
	mv "$T_DIR/events.jsonl" "$T_DIR/events.jsonl.1"
	kill -USR1 "$EGRESSD_PID"
	sleep 0.3
	dep_curl http://198.51.100.10:8080/artifact.txt >/dev/null
	wait_event '"verdict":"reject"' || fail "no event in the reopened log" || return 1
	[ "$(wc -l <"$T_DIR/events.jsonl.1")" = 1 ] || fail "rotated log kept growing" || return 1
}

# Without --foreground egressd detaches, logs to its file and keeps serving.
test_background_daemon() {
	printf 'block 198.51.100.0/24\nattach netns %s dev veth0\n' "$NS_DEP" >"$T_DIR/policy"
	mkdir -p "$T_RUN"
	"$EGRESSD" --config "$T_DIR/policy" --pin-dir "$T_PIN" --run-dir "$T_RUN" --metrics none \
		--events-log "$T_DIR/events.jsonl" --log-file "$T_DIR/daemon.log" || fail "did not start" || return 1
	wait_socket || return 1
	local pid
	pid=$(ctl status --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	T_PIDS+=("$pid")
	grep -q 'ready: control socket' "$T_DIR/daemon.log" || fail "log file: $(cat "$T_DIR/daemon.log")" || return 1
	kill "$pid"
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	grep -q 'enforcement stays in place' "$T_DIR/daemon.log" || return 1
}

# Type=notify: READY=1 reaches $NOTIFY_SOCKET once the guard is in force.
test_systemd_notify() {
	serve_http 198.51.100.10 8080 || return 1
	cat >"$T_DIR/notify.py" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(10)
open(sys.argv[2], "w").write(s.recv(256).decode())
PYEOF
	bg $PY "$T_DIR/notify.py" "$T_DIR/notify.sock" "$T_DIR/notify.out"
	for _ in $(seq 50); do [ -S "$T_DIR/notify.sock" ] && break; sleep 0.1; done
	NOTIFY_SOCKET=$T_DIR/notify.sock egressd_start "block 198.51.100.0/24
attach netns $NS_DEP dev veth0" || return 1
	for _ in $(seq 50); do [ -s "$T_DIR/notify.out" ] && break; sleep 0.1; done
	grep -q 'READY=1' "$T_DIR/notify.out" || fail "no READY=1" || return 1
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 7 ] || return 1
}

# make install puts binaries, man pages, the unit and examples under DESTDIR.
test_make_install() {
	make -s -C "$EG_ROOT" install DESTDIR="$T_DIR/inst" PREFIX=/usr >/dev/null || return 1
	local f
	for f in usr/sbin/egressd usr/sbin/egressctl usr/share/man/man8/egressd.8 \
		usr/share/man/man8/egressctl.8 usr/share/man/man5/egressgate.policy.5 \
		usr/lib/systemd/system/egressd.service etc/egressgate/policy.example \
		etc/logrotate.d/egressgate; do
		[ -e "$T_DIR/inst/$f" ] || fail "missing $f" || return 1
	done
	grep -q '^ExecStart=/usr/sbin/egressd --config /etc/egressgate/policy --foreground' \
		"$T_DIR/inst/usr/lib/systemd/system/egressd.service" || return 1
	"$EGRESSD" --check --config "$T_DIR/inst/etc/egressgate/policy.example" >/dev/null || fail "example policy invalid" || return 1
	for f in egressd.8 egressctl.8; do
		MANWIDTH=80 man --warnings -l "$T_DIR/inst/usr/share/man/man8/$f" 2>&1 >/dev/null | grep . && fail "$f warns" && return 1
	done
	return 0
}
