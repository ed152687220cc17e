# Names in TLS and HTTP: real openssl servers and curl clients.

tls_server() { # port: openssl s_server on 203.0.113.10, answering any name
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test -keyout "$T_DIR/key.pem" \
		-out "$T_DIR/cert.pem" >/dev/null 2>&1 || return 1
	bg in_up openssl s_server -accept 203.0.113.10:"$1" -cert "$T_DIR/cert.pem" \
		-key "$T_DIR/key.pem" -www -quiet >/dev/null 2>&1
	for _ in $(seq 50); do
		in_up curl -sk -o /dev/null --max-time 2 "https://203.0.113.10:$1/" && return 0
		sleep 0.1
	done
	fail "openssl s_server did not start"
}

tls_policy() {
	printf 'mode enforce\nblock name github.com # code host\nallow name artifacts.example\n'
	printf 'attach netns %s dev veth0\n' "$NS_DEP"
}

# curl's handshake with a blocked server name is reset at once; the same address
# under an allowed name works. The name is what decides.
test_tls_sni_blocked() {
	tls_server 8443 || return 1
	egressd_start "$(tls_policy)" || return 1
	local rc t
	# First the allowed name: s_server serves one connection at a time, and a
	# refused handshake leaves it waiting on a half-open one (the reset goes
	# to the client only).
	rc=$(dep_curl -k --resolve artifacts.example:8443:203.0.113.10 https://artifacts.example:8443/)
	[ "$rc" = 0 ] || fail "allowed SNI: curl exit $rc" || return 1
	t=$(date +%s%N)
	rc=$(dep_curl -k --resolve github.com:8443:203.0.113.10 https://github.com:8443/)
	t=$((($(date +%s%N) - t) / 1000000))
	[ "$rc" = 35 ] || [ "$rc" = 56 ] || fail "blocked SNI: curl exit $rc, want a reset (35 or 56)" || return 1
	[ "$t" -lt 1000 ] || fail "took $t ms" || return 1
	rc=$(dep_curl -k --resolve api.GitHub.com:8443:203.0.113.10 https://api.GitHub.com:8443/)
	[ "$rc" = 35 ] || [ "$rc" = 56 ] || fail "subdomain: curl exit $rc" || return 1
	wait_event '"verdict":"reject".*"dport":8443.*"name":"github.com","name_src":"sni"' || return 1
	# openssl as a client too: the handshake does not complete.
	in_dep timeout 5 openssl s_client -connect 203.0.113.10:8443 -servername github.com </dev/null >"$T_DIR/sc" 2>&1
	grep -q 'Cipher is (NONE)\|errno=104\|connect:errno\|write:errno' "$T_DIR/sc" || fail "s_client: $(tail -3 "$T_DIR/sc")" || return 1
}

test_http_host_blocked() {
	serve_http 203.0.113.10 8080 || return 1
	egressd_start "$(tls_policy)" || return 1
	local rc
	rc=$(dep_curl -H "Host: GitHub.com:8080" http://203.0.113.10:8080/artifact.txt)
	[ "$rc" = 56 ] || [ "$rc" = 52 ] || [ "$rc" = 7 ] || fail "blocked Host: curl exit $rc" || return 1
	rc=$(dep_curl -H "Host: artifacts.example" http://203.0.113.10:8080/artifact.txt)
	[ "$rc" = 0 ] || fail "allowed Host: curl exit $rc" || return 1
	wait_event '"name":"github.com","name_src":"http"' || return 1
}

# quic block: QUIC Initial packets to UDP/443 never leave, so clients use TCP.
test_quic_block() {
	cat >"$T_DIR/quic_recv.py" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.10", 443)); s.settimeout(2)
n = 0
try:
    while True:
        s.recv(2048); n += 1
except socket.timeout:
    pass
open(sys.argv[1], "w").write(str(n))
PYEOF
	cat >"$T_DIR/quic_send.py" <<'PYEOF'
import os, socket
# A long-header Initial: form and fixed bits, version 1, connection ids, padding.
pkt = bytes([0xc3, 0, 0, 0, 1, 8]) + os.urandom(8) + bytes([0]) + bytes(1200)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3):
    s.sendto(pkt, ("203.0.113.10", 443))
PYEOF
	egressd_start "$(tls_policy; echo 'quic block')" || return 1
	bg in_up $PY "$T_DIR/quic_recv.py" "$T_DIR/q1"
	sleep 0.3
	in_dep $PY "$T_DIR/quic_send.py"
	wait "${T_PIDS[-1]}"
	[ "$(cat "$T_DIR/q1")" = 0 ] || fail "QUIC Initial got through with quic block" || return 1
	tls_policy >"$T_DIR/policy"
	ctl reload >/dev/null || return 1
	bg in_up $PY "$T_DIR/quic_recv.py" "$T_DIR/q2"
	sleep 0.3
	in_dep $PY "$T_DIR/quic_send.py"
	wait "${T_PIDS[-1]}"
	[ "$(cat "$T_DIR/q2")" = 3 ] || fail "QUIC with quic allow: $(cat "$T_DIR/q2") of 3 arrived" || return 1
}
