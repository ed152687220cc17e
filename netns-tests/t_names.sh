# Names: DNS queries judged by name in the kernel, refused at once.

names_policy() {
	printf 'mode enforce\ndefault allow\nblock name github.com # code host\n'
	printf 'allow name api.internal.example\nblock name internal.example\n'
	printf 'attach netns %s dev veth0\n' "$NS_DEP"
}

test_dns_query_refused_at_once() {
	serve_dns || return 1
	egressd_start "$(names_policy)" || return 1
	local t r
	t=$(ms_of in_dep dig +tries=1 +time=5 @192.0.2.1 github.com)
	[ "$t" -lt 1000 ] || fail "refusal took ${t} ms" || return 1
	[ "$(dep_dig github.com)" = "REFUSED " ] || fail "github.com: $(dep_dig github.com)" || return 1
	[ "$(dep_dig API.GitHub.COM.)" = "REFUSED " ] || fail "subdomain, mixed case: $(dep_dig API.GitHub.COM.)" || return 1
	r=$(dep_dig notgithub.com)
	[ "$r" = "NOERROR 203.0.113.10" ] || fail "label boundary: notgithub.com gave '$r'" || return 1
	r=$(dep_dig artifacts.example)
	[ "$r" = "NOERROR 203.0.113.10" ] || fail "allowed name: '$r'" || return 1
	# The most specific rule wins.
	[ "$(dep_dig api.internal.example)" = "NOERROR 203.0.113.10" ] || fail "allow inside block" || return 1
	[ "$(dep_dig db.internal.example)" = "REFUSED " ] || fail "block around allow" || return 1
	# IPv6 transport, AAAA question.
	r=$(in_dep dig +tries=1 +time=3 @2001:db8:2::1 AAAA github.com | grep -o 'status: [A-Z]*')
	[ "$r" = "status: REFUSED" ] || fail "over IPv6: $r" || return 1
	wait_event '"verdict":"reject".*"rule":[0-9]*,"prefix":"name github.com","comment":"code host"' || return 1
	# dig's resolver thread names itself (isc-net-*); the pid is dig's.
	grep -q '"name":"api.github.com","name_src":"dns","pid":[1-9]' "$T_DIR/events.jsonl" ||
		fail "event lacks name/source/process: $(tail -2 "$T_DIR/events.jsonl")" || return 1
	ctl rules | grep -E 'name github.com' | awk '{exit !($5 > 0)}' || fail "no hits: $(ctl rules)" || return 1
}

test_dns_nxdomain_and_tcp() {
	serve_dns || return 1
	egressd_start "$(names_policy; echo 'dns-refusal nxdomain')" || return 1
	[ "$(dep_dig github.com)" = "NXDOMAIN " ] || fail "nxdomain policy: $(dep_dig github.com)" || return 1
	# Over TCP the query is refused with a reset: fast, never a timeout.
	local t
	t=$(ms_of in_dep dig +tcp +tries=1 +time=5 @192.0.2.1 github.com)
	[ "$t" -lt 1000 ] || fail "TCP refusal took ${t} ms" || return 1
	[ "$(in_dep dig +tcp +tries=1 +time=3 +short @192.0.2.1 artifacts.example)" = 203.0.113.10 ] ||
		fail "allowed name over TCP" || return 1
	wait_event '"name":"github.com","name_src":"dns-tcp"' || return 1
}

# A resolver library sees the refusal: curl fails at once with "Could not resolve host".
test_curl_cannot_resolve_blocked_name() {
	serve_dns && serve_http 203.0.113.10 8080 || return 1
	mkdir -p "/etc/netns/$NS_DEP"
	echo "nameserver 192.0.2.1" >"/etc/netns/$NS_DEP/resolv.conf"
	egressd_start "$(names_policy)" || { rm -rf "/etc/netns/$NS_DEP"; return 1; }
	local out t ok=1
	t=$(date +%s%N)
	out=$(ip netns exec "$NS_DEP" curl -sS --max-time 10 http://github.com:8080/ 2>&1)
	t=$((($(date +%s%N) - t) / 1000000))
	echo "$out" | grep -q 'Could not resolve host: github.com' || { fail "curl said: $out"; ok=0; }
	[ "$t" -lt 1000 ] || { fail "took ${t} ms"; ok=0; }
	ip netns exec "$NS_DEP" curl -sS --max-time 5 http://artifacts.example:8080/artifact.txt | grep -q artifact-v1 ||
		{ fail "allowed name unreachable"; ok=0; }
	rm -rf "/etc/netns/$NS_DEP"
	[ $ok = 1 ]
}

# Name rules at runtime, and what egressctl refuses to send.
test_cli_name_rules() {
	serve_dns || return 1
	egressd_start "mode enforce
attach netns $NS_DEP dev veth0" || return 1
	[ "$(dep_dig artifacts.example)" = "NOERROR 203.0.113.10" ] || return 1
	ctl block --name '*.example' --comment "no example" >/dev/null || return 1
	[ "$(dep_dig artifacts.example)" = "REFUSED " ] || fail "runtime subtree rule" || return 1
	ctl allow --name =artifacts.example >/dev/null || return 1
	[ "$(dep_dig artifacts.example)" = "NOERROR 203.0.113.10" ] || fail "exact allow inside" || return 1
	ctl rules | grep -q 'name \*\.example.*no example' || fail "rules: $(ctl rules)" || return 1
	ctl rules --json | $PY -c 'import json,sys; r=json.load(sys.stdin); assert {x["name"] for x in r if "name" in x} == {"*.example", "=artifacts.example"}, r' || return 1
	ctl unblock --name '*.example' >/dev/null || return 1
	ctl unblock --name '*.example' 2>"$T_DIR/err" && return 1
	grep -q 'no rule for name \*.example' "$T_DIR/err" || fail "$(cat "$T_DIR/err")" || return 1
	ctl block --name 'git hub.com' 2>"$T_DIR/err"
	[ $? = 2 ] || return 1
	grep -q "' ' is not allowed in a name" "$T_DIR/err" || fail "$(cat "$T_DIR/err")" || return 1
}

# Default deny with names: only allowed names resolve; the rest are refused at once.
test_dns_allowlist() {
	serve_dns || return 1
	egressd_start "mode enforce
default deny
allow name artifacts.example
attach netns $NS_DEP dev veth0" || return 1
	[ "$(dep_dig artifacts.example)" = "NOERROR 203.0.113.10" ] || fail "allowed name" || return 1
	[ "$(dep_dig github.com)" = "REFUSED " ] || fail "other name: $(dep_dig github.com)" || return 1
	wait_event '"verdict":"reject","action":"block","reason":"default-deny".*"name":"github.com"' || return 1
}

# Monitor mode: queries pass and are reported.
test_dns_monitor_mode() {
	serve_dns || return 1
	egressd_start "$(names_policy | sed 's/mode enforce/mode monitor/')" || return 1
	[ "$(dep_dig github.com)" = "NOERROR 198.51.100.10" ] || fail "monitor mode refused" || return 1
	wait_event '"verdict":"would-reject".*"name":"github.com"' || return 1
}

# Allowlist mode end to end: only the allowed name resolves, and only the
# addresses its answers carried can be reached; everything else fails fast.
test_allowlist_learns_addresses() {
	serve_dns && serve_http 203.0.113.10 8080 && serve_http 198.51.100.10 8080 || return 1
	mkdir -p "/etc/netns/$NS_DEP"
	echo "nameserver 192.0.2.1" >"/etc/netns/$NS_DEP/resolv.conf"
	egressd_start "mode enforce
default deny
allow name artifacts.example # artifact cache
learn-ttl 2 60
attach netns $NS_DEP dev veth0" || { rm -rf "/etc/netns/$NS_DEP"; return 1; }
	local ok=1 out
	# Not resolved yet: the address is unknown, default deny resets at once.
	[ "$(dep_curl http://203.0.113.10:8080/artifact.txt)" = 7 ] || { fail "reachable before learning"; ok=0; }
	out=$(ip netns exec "$NS_DEP" curl -sS --max-time 5 http://artifacts.example:8080/artifact.txt 2>&1)
	echo "$out" | grep -q artifact-v1 || { fail "allowed name: $out"; ok=0; }
	ctl rules --learned | grep -qE '^203\.0\.113\.10 +artifacts\.example +[0-9]+ +allow +[0-9]+s' ||
		{ fail "learned: $(ctl rules --learned)"; ok=0; }
	ctl rules --learned --json | $PY -c 'import json,sys; r=json.load(sys.stdin); assert r[0]["name"]=="artifacts.example" and 0 < r[0]["expires_in_s"] <= 60, r' ||
		{ fail "learned json"; ok=0; }
	# Other names are refused; addresses nobody resolved stay denied.
	out=$(ip netns exec "$NS_DEP" curl -sS --max-time 5 http://github.com:8080/ 2>&1)
	echo "$out" | grep -q 'Could not resolve host' || { fail "other name: $out"; ok=0; }
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 7 ] || { fail "unlearned address reachable"; ok=0; }
	# dnsmasq answers with TTL 0: the address lives the policy's minimum, 2 s.
	sleep 2.5
	[ "$(dep_curl http://203.0.113.10:8080/artifact.txt)" = 7 ] || { fail "expired address still allowed"; ok=0; }
	[ "$(ctl rules --learned --json)" = "[]" ] || { fail "expired entry listed"; ok=0; }
	# egressd frees the room of expired entries within seconds.
	for _ in $(seq 80); do
		[ "$(bpftool -j map dump pinned "$T_PIN/maps/eg_learned")" = "[]" ] && break
		sleep 0.1
	done
	[ "$(bpftool -j map dump pinned "$T_PIN/maps/eg_learned")" = "[]" ] ||
		{ fail "expired entry not collected"; ok=0; }
	rm -rf "/etc/netns/$NS_DEP"
	[ $ok = 1 ]
}

# A learned address carries its rule and name into later verdicts and events.
test_learned_monitor_rule_names_connections() {
	serve_dns && serve_http 198.51.100.10 8080 || return 1
	egressd_start "mode enforce
monitor name github.com # watch the code host
attach netns $NS_DEP dev veth0" || return 1
	[ "$(dep_dig github.com)" = "NOERROR 198.51.100.10" ] || return 1
	[ "$(dep_curl http://198.51.100.10:8080/artifact.txt)" = 0 ] || return 1
	wait_event '"verdict":"monitor".*"prefix":"name github.com".*"dst":"198.51.100.10","dport":8080.*"name":"github.com","name_src":"learned"' || return 1
	# Expiry: a learned address lives learn-ttl at most; the table lists what is in force.
	ctl rules --learned | grep -q '198.51.100.10' || return 1
}
