# The XDP guard on the host side of the deploy namespace's veth (here the
# upstream namespace holds that side): nothing inside can bypass it.

xdp_policy() {
	printf 'mode enforce\nblock 198.51.100.0/24 # code host\nblock 2001:db8:100::/48\n'
	printf 'block name github.com\nallow name artifacts.example\n'
	printf 'attach netns %s dev veth0 hook xdp\n' "$NS_DEP"
}

test_xdp_guard_verdicts() {
	serve_http 198.51.100.10 8080 && serve_http 203.0.113.10 8080 && serve_dns || return 1
	egressd_start "$(xdp_policy)" || return 1
	ctl status | grep -qE "veth0 xdp \((native|generic)\) on $NS_UP/veth-up" || fail "status: $(ctl status | grep xdp)" || return 1
	local t
	t=$(ms_of in_dep curl -s -o /dev/null --max-time 5 http://198.51.100.10:8080/artifact.txt)
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 7 ] || fail "blocked prefix not refused" || return 1
	[ "$t" -lt 1000 ] || fail "refusal took $t ms" || return 1
	[ "$(dep_curl http://203.0.113.10:8080/artifact.txt)" = 0 ] || fail "allowed prefix failed" || return 1
	[ "$(dep_curl "http://[2001:db8:100::10]:8080/")" = 7 ] || fail "v6 block" || return 1
	[ "$(dep_dig github.com)" = "REFUSED " ] || fail "DNS refusal at XDP: $(dep_dig github.com)" || return 1
	[ "$(dep_dig artifacts.example)" = "NOERROR 203.0.113.10" ] || return 1
	wait_event '"verdict":"reject".*"hook":"xdp"' || return 1
	# The answer reader sits on the host side's egress: allowed answers are learned.
	ctl rules --learned | grep -q '203.0.113.10 .*artifacts.example' || fail "not learned: $(ctl rules --learned)" || return 1
	ctl detach --netns "$NS_DEP" veth0 >/dev/null || return 1
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 0 ] || fail "still blocked after detach" || return 1
	ls "$T_PIN"/links/xdp-* >/dev/null 2>&1 && fail "xdp link pin left" && return 1
	return 0
}

# From inside the guarded namespace: packet sockets with qdisc bypass, raw IP
# sockets, IPv6 extension-header chains, 802.1Q-tagged frames, IPv4 fragments.
test_xdp_bypass_attempts() {
	egressd_start "$(xdp_policy)" || return 1
	cat >"$T_DIR/recv.py" <<'PYEOF'
import socket, sys, time
# Everything that reaches the upstream side for the blocked destination.
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind(("veth-up", 0)); s.settimeout(0.5)
seen, end = 0, time.time() + float(sys.argv[2])
while time.time() < end:
    try: f = s.recv(4096)
    except socket.timeout: continue
    if bytes([198, 51, 100, 10]) in f or bytes.fromhex("20010db8010000000000000000000010") in f:
        seen += 1
open(sys.argv[1], "w").write(str(seen))
PYEOF
	bg in_up $PY "$T_DIR/recv.py" "$T_DIR/seen" 6
	sleep 0.5
	in_dep $PY - <<'PYEOF' || return 1
import socket
from scapy.all import Ether, IP, IPv6, TCP, UDP, Dot1Q, IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop, fragment, raw, get_if_hwaddr
src = get_if_hwaddr("veth0")
frames = []
frames.append(Ether(src=src, dst="ff:ff:ff:ff:ff:ff") / IP(src="192.0.2.2", dst="198.51.100.10") / TCP(dport=443, flags="S"))
frames.append(Ether(src=src, dst="ff:ff:ff:ff:ff:ff") / Dot1Q(vlan=5) / IP(src="192.0.2.2", dst="198.51.100.10") / TCP(dport=443, flags="S"))
for f in fragment(IP(src="192.0.2.2", dst="198.51.100.10") / UDP(dport=9) / (b"x" * 3000), fragsize=1000):
    frames.append(Ether(src=src, dst="ff:ff:ff:ff:ff:ff") / f)
chain = IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt()
frames.append(Ether(src=src, dst="ff:ff:ff:ff:ff:ff") / IPv6(src="2001:db8:2::2", dst="2001:db8:100::10") / chain / TCP(dport=443, flags="S"))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.setsockopt(263, 20, 1)  # SOL_PACKET, PACKET_QDISC_BYPASS: no TC egress on this side
s.bind(("veth0", 0))
for f in frames:
    s.send(raw(f))
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
r.sendto(raw(TCP(sport=1234, dport=443, flags="S")), ("198.51.100.10", 0))
print("sent", len(frames) + 1)
PYEOF
	wait "${T_PIDS[-1]}"
	[ "$(cat "$T_DIR/seen")" = 0 ] || fail "$(cat "$T_DIR/seen") frames for the blocked destinations got through" || return 1
	ctl status --json | $PY -c 'import json,sys; s=json.load(sys.stdin); assert s["counters"]["drop"] + s["counters"]["reject"] >= 8, s["counters"]' ||
		fail "the guard did not count them" || return 1
}

# Gateway mode: the guard on a host's ingress device judges what arrives there
# for it to forward (here the upstream namespace is that host).
test_xdp_gateway_ingress() {
	serve_http 198.51.100.10 8080 && serve_http 203.0.113.10 8080 || return 1
	printf 'block 198.51.100.0/24\nattach dev veth-up hook xdp\n' >"$T_DIR/policy"
	mkdir -p "$T_RUN"
	bg in_up "$EGRESSD" --config "$T_DIR/policy" --foreground --pin-dir "$T_PIN" --run-dir "$T_RUN" \
		--events-log "$T_DIR/events.jsonl" --metrics none 2>>"$T_DIR/egressd.log"
	wait_socket || return 1
	ctl status | grep -qE '^  veth-up xdp \((generic|native)\) on veth-up' || fail "status: $(ctl status | grep xdp)" || return 1
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 7 ] || fail "blocked at the gateway: not refused" || return 1
	[ "$(dep_curl http://203.0.113.10:8080/artifact.txt)" = 0 ] || fail "allowed through the gateway failed" || return 1
	wait_event '"verdict":"reject".*"hook":"xdp"' || return 1
}
