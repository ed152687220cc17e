# Prefix guard end to end: egressd for real, real clients and servers.

BLOCK_POLICY="mode enforce
default allow
block 198.51.100.0/24   # code host
block 2001:db8:100::/48 # code host v6
attach netns \$NS_DEP dev veth0"

policy() { eval "echo \"$BLOCK_POLICY\""; }

# A blocked prefix is refused at once; allowed traffic is intact; the event says why.
test_block_v4_refused_fast() {
	serve_http 198.51.100.10 8080 && serve_http 203.0.113.10 8080 || return 1
	egressd_start "$(policy)" || return 1
	local t rc
	t=$(ms_of in_dep curl -s -o /dev/null --max-time 5 http://198.51.100.10:8080/artifact.txt)
	rc=$(dep_curl http://198.51.100.10:8080/artifact.txt)
	[ "$rc" = 7 ] || fail "curl to the blocked prefix: exit $rc, want 7 (connection refused)" || return 1
	[ "$t" -lt 1000 ] || fail "refusal took ${t} ms, want < 1000" || return 1
	note "blocked call failed in ${t} ms"
	in_dep curl -sS --max-time 5 http://203.0.113.10:8080/artifact.txt | grep -q artifact-v1 ||
		fail "allowed download failed" || return 1
	wait_event '"verdict":"reject".*"dst":"198.51.100.10","dport":8080' || return 1
	grep -q '"comment":"code host".*"netns":"'$NS_DEP'"' "$T_DIR/events.jsonl" ||
		fail "event lacks comment or netns: $(tail -1 "$T_DIR/events.jsonl")" || return 1
	ctl rules | grep -E '198\.51\.100\.0/24' | awk '{exit !($4 > 0)}' ||
		fail "rules shows no hits: $(ctl rules)" || return 1
	ctl rules --json | $PY -c 'import json,sys; r=json.load(sys.stdin); assert any(x["prefix"]=="198.51.100.0/24" and x["packets"]>0 for x in r)' ||
		fail "rules --json" || return 1
}

test_block_v6_refused() {
	serve_http 2001:db8:100::10 8080 && serve_http 2001:db8:200::10 8080 || return 1
	egressd_start "$(policy)" || return 1
	local rc
	rc=$(dep_curl "http://[2001:db8:100::10]:8080/artifact.txt")
	[ "$rc" = 7 ] || fail "curl to the blocked v6 prefix: exit $rc, want 7" || return 1
	rc=$(dep_curl "http://[2001:db8:200::10]:8080/artifact.txt")
	[ "$rc" = 0 ] || fail "allowed v6 download: exit $rc" || return 1
	wait_event '"verdict":"reject".*"family":6' || return 1
}

# UDP and ICMP to a blocked prefix are dropped; the receiver sees nothing.
test_udp_icmp_dropped() {
	egressd_start "$(policy)" || return 1
	bg in_up $PY -c '
import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("0.0.0.0",5353)); s.settimeout(3)
got=[]
try:
    while True: got.append(s.recvfrom(100)[0].decode())
except socket.timeout: pass
open(sys.argv[1],"w").write("\n".join(got))' "$T_DIR/udp.out"
	sleep 0.3
	in_dep $PY -c '
import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for i in range(3):
    s.sendto(b"blocked",("198.51.100.10",5353)); s.sendto(b"allowed",("203.0.113.10",5353))'
	in_dep ping -c1 -W1 198.51.100.10 >/dev/null 2>&1 && fail "ping to blocked prefix answered" && return 1
	in_dep ping -c1 -W1 203.0.113.10 >/dev/null 2>&1 || fail "ping to allowed prefix failed" || return 1
	wait "${T_PIDS[-1]}"
	grep -q allowed "$T_DIR/udp.out" || fail "allowed UDP not received" || return 1
	! grep -q blocked "$T_DIR/udp.out" || fail "blocked UDP was delivered" || return 1
	wait_event '"verdict":"drop".*"proto":"udp"' || return 1
	wait_event '"verdict":"drop".*"proto":"icmp"' || return 1
}

# Monitor mode: nothing is dropped, what would have been is reported.
test_monitor_mode_passes_and_reports() {
	serve_http 198.51.100.10 8080 || return 1
	egressd_start "$(policy | sed 's/mode enforce/mode monitor/')" || return 1
	local rc
	rc=$(dep_curl http://198.51.100.10:8080/artifact.txt)
	[ "$rc" = 0 ] || fail "monitor mode blocked the call (exit $rc)" || return 1
	wait_event '"verdict":"would-reject".*"dst":"198.51.100.10"' || return 1
	ctl status --json | $PY -c 'import json,sys; s=json.load(sys.stdin); assert s["mode"]=="monitor" and s["counters"]["would-reject"]>0, s' ||
		fail "status does not count would-reject" || return 1
	# And back to enforcing at runtime.
	ctl mode enforce >/dev/null || return 1
	rc=$(dep_curl http://198.51.100.10:8080/artifact.txt)
	[ "$rc" = 7 ] || fail "after 'mode enforce': exit $rc, want 7" || return 1
}

# Monitor rules pass and report; the most specific prefix wins.
test_monitor_rule_and_most_specific() {
	serve_http 198.51.100.10 8080 && serve_http 198.51.100.7 8080 && serve_http 203.0.113.10 8080 || return 1
	egressd_start "mode enforce
default allow
block 198.51.100.0/24
allow 198.51.100.7
monitor 203.0.113.0/24 # artifact cache, watched
attach netns $NS_DEP dev veth0" || return 1
	local rc
	rc=$(dep_curl http://198.51.100.7:8080/artifact.txt)
	[ "$rc" = 0 ] || fail "allow /32 inside block /24: exit $rc" || return 1
	rc=$(dep_curl http://198.51.100.10:8080/artifact.txt)
	[ "$rc" = 7 ] || fail "rest of the /24: exit $rc, want 7" || return 1
	rc=$(dep_curl http://203.0.113.10:8080/artifact.txt)
	[ "$rc" = 0 ] || fail "monitor rule blocked: exit $rc" || return 1
	wait_event '"verdict":"monitor".*"dst":"203.0.113.10"' || return 1
	! grep -q '"dst":"198.51.100.7"' "$T_DIR/events.jsonl" || fail "allowed traffic produced an event" || return 1
}

# Default deny: only what is allowed gets out, and it fails fast.
test_default_deny() {
	serve_http 198.51.100.10 8080 && serve_http 203.0.113.10 8080 || return 1
	egressd_start "mode enforce
default deny
allow 203.0.113.0/24
allow 192.0.2.0/24
attach netns $NS_DEP dev veth0" || return 1
	local rc
	rc=$(dep_curl http://203.0.113.10:8080/artifact.txt)
	[ "$rc" = 0 ] || fail "allowed prefix under default deny: exit $rc" || return 1
	rc=$(dep_curl http://198.51.100.10:8080/artifact.txt)
	[ "$rc" = 7 ] || fail "unlisted prefix under default deny: exit $rc, want 7" || return 1
	wait_event '"verdict":"reject".*"reason":"default-deny"' || return 1
}

# Runtime rules through egressctl take effect at once and go away again.
test_cli_block_unblock() {
	serve_http 203.0.113.10 8080 || return 1
	egressd_start "$(policy)" || return 1
	local rc
	ctl block 203.0.113.0/24 --comment "cache down" >/dev/null || fail "egressctl block" || return 1
	rc=$(dep_curl http://203.0.113.10:8080/artifact.txt)
	[ "$rc" = 7 ] || fail "after egressctl block: exit $rc, want 7" || return 1
	ctl rules | grep -q 'cache down' || fail "rules lacks the comment" || return 1
	ctl unblock 203.0.113.0/24 >/dev/null || fail "egressctl unblock" || return 1
	rc=$(dep_curl http://203.0.113.10:8080/artifact.txt)
	[ "$rc" = 0 ] || fail "after unblock: exit $rc" || return 1
	ctl unblock 203.0.113.0/24 2>"$T_DIR/err" && fail "unblock of a missing rule succeeded" && return 1
	grep -q 'no rule for 203.0.113.0/24' "$T_DIR/err" || fail "unblock error: $(cat "$T_DIR/err")" || return 1
	ctl block 203.0.113.1/24 2>"$T_DIR/err"
	[ $? = 2 ] || fail "host bits: want exit 2" || return 1
	grep -q 'did you mean 203.0.113.0/24' "$T_DIR/err" || fail "host-bits message: $(cat "$T_DIR/err")" || return 1
	ctl drop 203.0.113.10 >/dev/null || return 1
	t=$(ms_of in_dep curl -s -o /dev/null --max-time 1 http://203.0.113.10:8080/artifact.txt)
	[ "$t" -ge 900 ] || fail "drop rule: the call ended in ${t} ms; a drop must not answer" || return 1
}

# A policy with an error is refused whole, at start and at reload; what runs stays.
test_bad_policy_refused() {
	printf 'mode enforce\nblock 198.51.100.0/24\nblock 198.51.100.300/32\n' >"$T_DIR/bad"
	"$EGRESSD" --config "$T_DIR/bad" --foreground --pin-dir "$T_PIN" --run-dir "$T_RUN" 2>"$T_DIR/err"
	[ $? = 1 ] || fail "egressd started with a bad policy" || return 1
	grep -q "$T_DIR/bad:3: '198.51.100.300' is not an IPv4 or IPv6 address" "$T_DIR/err" ||
		fail "message: $(cat "$T_DIR/err")" || return 1
	serve_http 198.51.100.10 8080 && serve_http 203.0.113.10 8080 || return 1
	egressd_start "$(policy)" || return 1
	printf 'block 203.0.113.0/24\nfrobnicate 1.2.3.4\n' >"$T_DIR/policy"
	ctl reload 2>"$T_DIR/err" && fail "reload of a bad policy succeeded" && return 1
	grep -q "policy:2: unknown statement 'frobnicate'" "$T_DIR/err" || fail "reload message: $(cat "$T_DIR/err")" || return 1
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 7 ] || fail "old block rule lost" || return 1
	[ "$(dep_curl http://203.0.113.10:8080/artifact.txt)" = 0 ] || fail "half of the bad policy applied" || return 1
	printf 'block 198.51.100.0/24\nblock 198.51.100.0/24\n' >"$T_DIR/policy"
	ctl reload 2>"$T_DIR/err" && return 1
	grep -q "policy:2: 198.51.100.0/24 already has a rule at line 1" "$T_DIR/err" || fail "dup message: $(cat "$T_DIR/err")" || return 1
	# A good reload replaces the rules.
	printf 'block 203.0.113.0/24\nattach netns %s dev veth0\n' "$NS_DEP" >"$T_DIR/policy"
	ctl reload >/dev/null || return 1
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 0 ] || fail "removed rule still enforced" || return 1
	[ "$(dep_curl http://203.0.113.10:8080/artifact.txt)" = 7 ] || fail "new rule not enforced" || return 1
}

# IPv4 options and IPv6 extension headers set by the application still get a reset.
test_reject_with_ip_options_and_ext_headers() {
	egressd_start "$(policy)" || return 1
	in_dep $PY -c '
import socket, sys, time
cases = ((socket.AF_INET, "198.51.100.10", socket.IPPROTO_IP, socket.IP_OPTIONS, bytes([1, 1, 1, 0])),
         (socket.AF_INET6, "2001:db8:100::10", socket.IPPROTO_IPV6, 59, bytes([6, 0, 1, 4, 0, 0, 0, 0])))
for fam, addr, level, opt, val in cases:  # 59: IPV6_DSTOPTS
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(3)
    s.setsockopt(level, opt, val)
    t = time.time()
    try:
        s.connect((addr, 8080))
        sys.exit("%s: connected" % addr)
    except ConnectionRefusedError:
        print("%s refused in %.0f ms" % (addr, (time.time() - t) * 1000))
    except Exception as e:
        sys.exit("%s: %s, want connection refused" % (addr, e))
' || return 1
	ctl status --json | $PY -c 'import json,sys; s=json.load(sys.stdin); assert s["reasons"]["reject-failed"]==0, s["reasons"]' ||
		fail "reject-failed counted" || return 1
}

# egressctl events --follow streams verdicts as they happen.
test_events_follow() {
	serve_http 198.51.100.10 8080 || return 1
	egressd_start "$(policy)" || return 1
	ctl events --follow --json >"$T_DIR/follow.out" 2>&1 &
	local fpid=$!
	sleep 0.3
	dep_curl http://198.51.100.10:8080/artifact.txt >/dev/null
	for _ in $(seq 40); do
		grep -q '"verdict":"reject"' "$T_DIR/follow.out" && break
		sleep 0.05
	done
	kill $fpid 2>/dev/null
	wait $fpid 2>/dev/null
	grep -q '"verdict":"reject".*"dst":"198.51.100.10"' "$T_DIR/follow.out" ||
		fail "follower saw: $(cat "$T_DIR/follow.out")" || return 1
	ctl events | grep -q 'reject .*198.51.100.10:8080 rule 1 (block 198.51.100.0/24, "code host")' ||
		fail "events: $(ctl events)" || return 1
}

# The control socket is root's; garbage gets an error and the daemon serves on.
test_control_socket_hardening() {
	egressd_start "$(policy)" || return 1
	[ "$(stat -c %a "$T_RUN/egressd.sock")" = 600 ] || fail "socket mode $(stat -c %a "$T_RUN/egressd.sock")" || return 1
	chmod 755 "$T_DIR" "$T_RUN"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$EGRESSCTL" --socket "$T_RUN/egressd.sock" status 2>"$T_DIR/err"
	[ $? = 3 ] || fail "non-root client: want exit 3, $(cat "$T_DIR/err")" || return 1
	$PY - "$T_RUN/egressd.sock" <<'PYEOF' || return 1
import socket, struct, sys
def talk(payload):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1]); s.sendall(payload); s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        try:
            b = s.recv(4096)
        except ConnectionResetError:  # the daemon closed with our junk unread
            break
        if not b: break
        data += b
    return data
for name, p in (("garbage", b"hello world\n"), ("bad type", b"Z\0\0\0\1x"),
                ("oversize", b"Q" + struct.pack(">I", 1 << 20) + b"x" * 100),
                ("half-written", b"Q\0\0\0\x10stat"), ("unknown verb", b"Q\0\0\0\5frob\0"),
                ("no NUL", b"Q\0\0\0\6status")):
    r = talk(p)
    assert r[:1] == b"E" and struct.unpack(">I", r[5:9])[0] != 0, (name, r)
    print(name, "->", r[9:].decode())
PYEOF
	ctl status >/dev/null || fail "daemon stopped serving" || return 1
}
