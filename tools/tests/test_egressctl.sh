#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# egressctl against a fake egressd: a small Python server that records the
# argv of every request and answers with whatever the current test scripted.
# No root and no daemon needed. Usage: test_egressctl.sh path/to/egressctl
set -u

CTL=${1:?usage: $0 path/to/egressctl}
PY=/usr/bin/python3
[ -x "$CTL" ] || { echo "FAIL $CTL is not executable"; exit 1; }
[ -x "$PY" ] || { echo "FAIL $PY not found"; exit 1; }

T=$(mktemp -d /tmp/test_egressctl.XXXXXX)
SOCK=$T/egressd.sock
LOG=$T/requests.log
REPLY=$T/reply.json
SRV_PID=
PASSED=0
FAILED=0

cleanup() {
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

cat >"$T/fake_egressd.py" <<'PYEOF'
# One request per connection, as egressd does. The reply is read from a
# JSON file at each connection so every test can script its own:
#   {"D": text}            a DATA frame
#   {"E": [status, text]}  an END frame
#   {"raw": hex}           bytes as they are (for malformed replies)
#   {"hold": true}         keep the connection open until the client leaves
# A script starting with {"early": true} is sent before the request is read,
# and the connection closed unread, as egressd does to a non-root client.
import json, socket, struct, sys

path, log_path, reply_path = sys.argv[1:4]


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def frame(kind, payload):
    return kind.encode() + struct.pack(">I", len(payload)) + payload


def read_request(conn):
    hdr = recv_exact(conn, 5)
    if hdr is None:
        return "NO REQUEST"
    length = struct.unpack(">I", hdr[1:])[0]
    body = recv_exact(conn, length) if length else b""
    if hdr[:1] != b"Q" or body is None or not body.endswith(b"\0"):
        return "BAD FRAME %r %r" % (hdr, body)
    return json.dumps([s.decode() for s in body[:-1].split(b"\0")])


def answer(conn, script):
    try:
        for item in script:
            if "D" in item:
                conn.sendall(frame("D", item["D"].encode()))
            elif "E" in item:
                status, text = item["E"]
                conn.sendall(frame("E", struct.pack(">I", status) + text.encode()))
            elif "raw" in item:
                conn.sendall(bytes.fromhex(item["raw"]))
            elif "hold" in item:
                while conn.recv(4096):
                    pass
    except OSError:
        pass


srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(8)
while True:
    conn, _ = srv.accept()
    with conn:
        try:
            with open(reply_path) as f:
                script = json.load(f)
        except FileNotFoundError:
            script = [{"E": [0, ""]}]
        if script and script[0].get("early"):
            answer(conn, script[1:])
            entry = "EARLY"
        else:
            entry = read_request(conn)
        with open(log_path, "a") as f:
            f.write(entry + "\n")
        if entry != "EARLY":
            answer(conn, script)
PYEOF

: >"$LOG"
"$PY" "$T/fake_egressd.py" "$SOCK" "$LOG" "$REPLY" &
SRV_PID=$!
for _ in $(seq 50); do
	[ -S "$SOCK" ] && break
	sleep 0.1
done
[ -S "$SOCK" ] || { echo "FAIL fake egressd did not start"; exit 1; }

pass() {
	echo "PASS $1"
	PASSED=$((PASSED + 1))
}

fail() {
	echo "FAIL $1"
	shift
	for line in "$@"; do echo "     $line"; done
	FAILED=$((FAILED + 1))
}

# The next reply, as JSON; without it the fake answers END 0 "".
reply() {
	printf '%s' "$1" >"$REPLY.tmp" && mv "$REPLY.tmp" "$REPLY"
}

# Runs egressctl against the fake; sets RC, OUT, ERR, SENT (the request's
# argv as JSON, or "" when nothing was sent).
ctl() {
	local before
	before=$(wc -l <"$LOG")
	"$CTL" --socket "$SOCK" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	SENT=$(tail -n +"$((before + 1))" "$LOG")
	rm -f "$REPLY"
}

# The arguments as one line, for test names.
show() {
	local s="$*"
	printf '%s' "${s//$'\n'/\\n}"
}

# sends "EXPECTED_JSON" ARGS...: exit 0 and exactly that argv on the wire.
sends() {
	local want=$1
	shift
	ctl "$@"
	if [ "$RC" = 0 ] && [ "$SENT" = "$want" ]; then
		pass "egressctl $(show "$@") sends $want"
	else
		fail "egressctl $(show "$@") sends $want" "rc=$RC sent=$SENT" "stderr: $ERR"
	fi
}

# usage_error "STDERR_SUBSTRING" ARGS...: exit 2, message on stderr, nothing sent.
usage_error() {
	local want=$1
	shift
	ctl "$@"
	if [ "$RC" = 2 ] && [ -z "$SENT" ] && [[ "$ERR" == *"$want"* ]]; then
		pass "egressctl $(show "$@") is a usage error ($want)"
	else
		fail "egressctl $(show "$@") is a usage error ($want)" "rc=$RC sent=$SENT" "stderr: $ERR"
	fi
}

# --- requests ---------------------------------------------------------------
sends '["status"]' status
sends '["status", "json=1"]' status --json
sends '["rules"]' rules
sends '["rules", "json=1"]' rules --json
sends '["rules", "json=1"]' rules -j
sends '["attach", "dev=eth0", "hook=auto"]' attach eth0
sends '["attach", "dev=veth0", "netns=blue", "hook=tcx"]' attach --netns blue veth0 --hook tcx
sends '["attach", "dev=eth0", "pid=1234", "hook=tc"]' attach --pid 1234 --hook=tc eth0
sends '["detach", "dev=eth0"]' detach eth0
sends '["detach", "dev=veth0", "netns=blue"]' detach --netns blue veth0
sends '["detach", "dev=eth0", "pid=42"]' detach eth0 --pid 42
sends '["detach", "all=1"]' detach --all
sends '["rule", "action=block", "prefix=198.51.100.0/24"]' block 198.51.100.0/24
sends '["rule", "action=drop", "prefix=203.0.113.7"]' drop 203.0.113.7
sends '["rule", "action=allow", "prefix=2001:db8::/32", "comment=docs range"]' \
	allow 2001:db8::/32 --comment "docs range"
sends '["rule", "action=monitor", "prefix=192.0.2.0/24", "comment=watch"]' \
	monitor --comment=watch 192.0.2.0/24
sends '["unblock", "prefix=198.51.100.0/24"]' unblock 198.51.100.0/24
sends '["events"]' events
sends '["events", "json=1", "count=5"]' events --json -n 5
sends '["events", "follow=1", "json=1", "count=10"]' events --follow --json --count 10
sends '["mode", "value=enforce"]' mode enforce
sends '["mode", "value=monitor"]' mode monitor
sends '["default", "value=allow"]' default allow
sends '["default", "value=deny"]' default deny
sends '["reload"]' reload
COMMENT127=$(printf 'x%.0s' $(seq 127))
sends "[\"rule\", \"action=block\", \"prefix=10.0.0.0/8\", \"comment=$COMMENT127\"]" \
	block 10.0.0.0/8 --comment "$COMMENT127"

# --- usage errors: exit 2, nothing sent -------------------------------------
ctl block 198.51.100.1/24
want="egressctl: block: '198.51.100.1/24' has host bits set; did you mean 198.51.100.0/24?"
if [ "$RC" = 2 ] && [ "$ERR" = "$want" ] && [ -z "$SENT" ]; then
	pass "bad prefix: exit 2 with eg_prefix_parse's message"
else
	fail "bad prefix: exit 2 with eg_prefix_parse's message" "rc=$RC sent=$SENT" "stderr: $ERR"
fi
usage_error "not an IPv4 or IPv6 address" drop not-an-ip
usage_error "prefix length" allow 10.0.0.0/33
usage_error "has host bits set" unblock 2001:db8::1/32
usage_error "missing PREFIX" block
usage_error "unexpected argument '10.0.0.0/8'" block 192.0.2.0/24 10.0.0.0/8
usage_error "at most 127" block 10.0.0.0/8 --comment "${COMMENT127}y"
usage_error "newline" block 10.0.0.0/8 --comment "$(printf 'a\nb')"
usage_error "mutually exclusive" attach --netns blue --pid 1 eth0
usage_error "mutually exclusive" detach --pid 1 --netns blue eth0
usage_error "--pid: '0' is not a positive integer" attach --pid 0 eth0
usage_error "--pid: '12x' is not a positive integer" attach --pid 12x eth0
usage_error "--netns: 'a/b' must not contain '/'" attach --netns a/b eth0
usage_error "--hook: 'ebpf' is not one of auto, tcx, tc, xdp" attach --hook ebpf eth0
usage_error "longer than 15" attach abcdefghijklmnop
usage_error "--policy is not supported yet" run --policy p.txt -- true
usage_error "missing the command to run" run --monitor
usage_error "--dns: 'x' is not an IPv4 address" run --dns x -- true
usage_error "unknown option" run --bogus -- true
usage_error "must not contain '/'" attach eth/0
usage_error "whitespace" attach "eth 0"
usage_error "missing the interface" attach
usage_error "--all" detach --all eth0
usage_error "--all" detach --all --netns blue
usage_error "missing the interface" detach
usage_error "--count: '0' is not a positive integer" events -n 0
usage_error "option '--count' needs a value" events --count
usage_error "'bogus' is not one of: enforce|monitor" mode bogus
usage_error "'maybe' is not one of: allow|deny" default maybe
usage_error "missing a value" mode
usage_error "unknown or ambiguous option '--frobnicate'" status --frobnicate
usage_error "option '--json' takes no value" rules --json=yes
usage_error "unknown option '-x'" events -x
usage_error "unexpected argument 'now'" reload now
usage_error "unknown command 'frobnicate'" frobnicate
usage_error "unknown command 'frobnicate'" help frobnicate

"$CTL" >/dev/null 2>"$T/err"
rc=$?
if [ "$rc" = 2 ] && grep -q "no command given" "$T/err"; then
	pass "no command: exit 2"
else
	fail "no command: exit 2" "rc=$rc"
fi

# --- help -------------------------------------------------------------------
for cmd in status attach detach block drop allow monitor unblock rules events mode default \
	reload help; do
	ctl "$cmd" --help
	if [ "$RC" = 0 ] && [ -z "$SENT" ] && [[ "$OUT" == "Usage: egressctl"*" $cmd"* ]]; then
		pass "egressctl $cmd --help"
	else
		fail "egressctl $cmd --help" "rc=$RC sent=$SENT" "stdout: $OUT"
	fi
done
for args in "--help" "-h" "help" "help block"; do
	# shellcheck disable=SC2086 # split on purpose
	"$CTL" $args >"$T/out" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && grep -q "^Usage: egressctl" "$T/out"; then
		pass "egressctl $args"
	else
		fail "egressctl $args" "rc=$rc"
	fi
done
if "$CTL" --version | grep -q "^egressctl "; then
	pass "egressctl --version"
else
	fail "egressctl --version"
fi

# --- reaching egressd -------------------------------------------------------
"$CTL" --socket "$T/nobody-here.sock" status >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 3 ] && grep -q "$T/nobody-here.sock: No such file or directory; is egressd running?" "$T/err"; then
	pass "unreachable daemon: exit 3, names the socket, errno text and a hint"
else
	fail "unreachable daemon: exit 3, names the socket, errno text and a hint" "rc=$rc" \
		"stderr: $(cat "$T/err")"
fi

"$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/stale.sock"
"$CTL" --socket "$T/stale.sock" status >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 3 ] && grep -q "Connection refused; is egressd running?" "$T/err"; then
	pass "stale socket: exit 3, connection refused"
else
	fail "stale socket: exit 3, connection refused" "rc=$rc" "stderr: $(cat "$T/err")"
fi

before=$(wc -l <"$LOG")
EGRESSCTL_SOCKET=$SOCK "$CTL" reload >/dev/null 2>&1
rc=$?
if [ "$rc" = 0 ] && [ "$(tail -n +"$((before + 1))" "$LOG")" = '["reload"]' ]; then
	pass "EGRESSCTL_SOCKET is used without --socket"
else
	fail "EGRESSCTL_SOCKET is used without --socket" "rc=$rc"
fi

EGRESSCTL_SOCKET=$T/nobody-here.sock "$CTL" --socket "$SOCK" reload >/dev/null 2>&1
rc=$?
if [ "$rc" = 0 ]; then
	pass "--socket overrides EGRESSCTL_SOCKET"
else
	fail "--socket overrides EGRESSCTL_SOCKET" "rc=$rc"
fi

"$CTL" --socket "/tmp/$(printf 'p%.0s' $(seq 120))" status >/dev/null 2>"$T/err"
rc=$?
if [ "$rc" = 2 ] && grep -q "longer than 107 bytes" "$T/err"; then
	pass "socket path too long for sun_path: exit 2"
else
	fail "socket path too long for sun_path: exit 2" "rc=$rc" "stderr: $(cat "$T/err")"
fi

# --- replies ----------------------------------------------------------------
reply '[{"E": [2, "no rule for 192.0.2.0/24\n"]}]'
ctl unblock 192.0.2.0/24
if [ "$RC" = 1 ] && [ "$ERR" = "egressctl: no rule for 192.0.2.0/24" ] && [ -z "$OUT" ]; then
	pass "daemon error: exit 1, its message on stderr"
else
	fail "daemon error: exit 1, its message on stderr" "rc=$RC" "stderr: $ERR" "stdout: $OUT"
fi

reply '[{"D": "partial\n"}, {"E": [5, ""]}]'
ctl reload
if [ "$RC" = 1 ] && [ "$OUT" = "partial" ] &&
	[ "$ERR" = "egressctl: reload: egressd failed the request: Input/output error" ]; then
	pass "daemon error without a message: exit 1, errno text"
else
	fail "daemon error without a message: exit 1, errno text" "rc=$RC" "stderr: $ERR"
fi

reply '[{"D": "mode enforce\n"}, {"D": "{\"a\": 1}"}, {"D": "\n"}, {"E": [0, "done"]}]'
ctl status
printf 'mode enforce\n{"a": 1}\ndone\n' >"$T/want"
if [ "$RC" = 0 ] && cmp -s "$T/out" "$T/want" && [ -z "$ERR" ]; then
	pass "DATA frames relayed verbatim, END message gets a newline"
else
	fail "DATA frames relayed verbatim, END message gets a newline" "rc=$RC" "stdout: $OUT"
fi

reply '[{"E": [0, "attached\n"]}]'
ctl attach eth0
if [ "$RC" = 0 ] && [ "$(cat "$T/out")" = "attached" ] && [ "$(wc -l <"$T/out")" = 1 ]; then
	pass "END message with its own newline is not doubled"
else
	fail "END message with its own newline is not doubled" "stdout: $OUT"
fi

reply '[{"D": "x"}]'
ctl status
if [ "$RC" = 1 ] && [[ "$ERR" == *"closed the connection before finishing its reply"* ]]; then
	pass "EOF without END: exit 1"
else
	fail "EOF without END: exit 1" "rc=$RC" "stderr: $ERR"
fi

reply '[{"raw": "5800000000"}]'
ctl status
if [ "$RC" = 1 ] && [[ "$ERR" == *"malformed reply"* ]]; then
	pass "unknown frame type: exit 1, malformed reply"
else
	fail "unknown frame type: exit 1, malformed reply" "rc=$RC" "stderr: $ERR"
fi

reply '[{"raw": "45000000020000"}]'
ctl status
if [ "$RC" = 1 ] && [[ "$ERR" == *"shorter than its 4-byte status"* ]]; then
	pass "END frame without a status: exit 1, malformed reply"
else
	fail "END frame without a status: exit 1, malformed reply" "rc=$RC" "stderr: $ERR"
fi

reply '[{"raw": "4400010001"}]'
ctl status
if [ "$RC" = 1 ] && [[ "$ERR" == *"malformed reply"*"longer than 65536"* ]]; then
	pass "oversize frame: exit 1, malformed reply"
else
	fail "oversize frame: exit 1, malformed reply" "rc=$RC" "stderr: $ERR"
fi

reply '[{"raw": "440000000a6162"}]'
ctl status
if [ "$RC" = 1 ] && [[ "$ERR" == *"malformed reply"* ]]; then
	pass "truncated frame: exit 1, malformed reply"
else
	fail "truncated frame: exit 1, malformed reply" "rc=$RC" "stderr: $ERR"
fi

# egressd refuses some clients before reading the request. Usually the request
# is already queued by then, so delaying the client's send under strace is the
# way to make it fail with EPIPE and check that the queued reason still wins.
reply '[{"early": true}, {"E": [1, "permission denied: egressd accepts root only"]}]'
ctl status
if [ "$RC" = 1 ] && [ "$ERR" = "egressctl: permission denied: egressd accepts root only" ]; then
	pass "refusal before the request is read: exit 1, egressd's reason"
else
	fail "refusal before the request is read: exit 1, egressd's reason" "rc=$RC" "stderr: $ERR"
fi
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
	reply '[{"early": true}, {"E": [1, "permission denied: egressd accepts root only"]}]'
	strace -o /dev/null -e trace=sendto -e inject=sendto:delay_enter=300000 \
		"$CTL" --socket "$SOCK" status >"$T/out" 2>"$T/err"
	rc=$?
	rm -f "$REPLY"
	if [ "$rc" = 1 ] && grep -qx "egressctl: permission denied: egressd accepts root only" "$T/err"; then
		pass "refusal that breaks the send (EPIPE): exit 1, egressd's reason"
	else
		fail "refusal that breaks the send (EPIPE): exit 1, egressd's reason" "rc=$rc" \
			"stderr: $(cat "$T/err")"
	fi
else
	echo "SKIP refusal that breaks the send (EPIPE): strace cannot run here"
fi

# --- events --follow ----------------------------------------------------------
follow_until_signal() {
	local sig=$1 pid rc
	reply '[{"D": "ev1\n"}, {"D": "ev2\n"}, {"hold": true}]'
	"$CTL" --socket "$SOCK" events --follow >"$T/out" 2>"$T/err" &
	pid=$!
	# Generous: a loaded machine may take a while to start the client.
	for _ in $(seq 300); do
		[ "$(wc -l <"$T/out")" -ge 2 ] && break
		sleep 0.1
	done
	kill -"$sig" "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	rm -f "$REPLY"
	if [ "$rc" = 0 ] && [ "$(cat "$T/out")" = "$(printf 'ev1\nev2')" ] && [ ! -s "$T/err" ]; then
		pass "events --follow prints as it goes, exits 0 on SIG$sig"
	else
		fail "events --follow prints as it goes, exits 0 on SIG$sig" "rc=$rc" \
			"stdout: $(cat "$T/out")" "stderr: $(cat "$T/err")"
	fi
}
follow_until_signal INT
follow_until_signal TERM

reply '[{"D": "ev1\n"}, {"E": [0, ""]}]'
ctl events --follow
if [ "$RC" = 0 ] && [ "$OUT" = "ev1" ]; then
	pass "events --follow ends at END"
else
	fail "events --follow ends at END" "rc=$RC" "stderr: $ERR"
fi

reply '[{"D": "ev1\n"}]'
ctl events --follow
if [ "$RC" = 1 ] && [ "$OUT" = "ev1" ] && [[ "$ERR" == *"ended the event stream"* ]]; then
	pass "events --follow: egressd hanging up is exit 1"
else
	fail "events --follow: egressd hanging up is exit 1" "rc=$RC" "stderr: $ERR"
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
