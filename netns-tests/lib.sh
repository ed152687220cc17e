# Shared helpers of the namespace tests. Sourced by run.sh.
#
# Topology, all inside namespaces the test creates and removes:
#   deploy ns  veth0 192.0.2.2/24 2001:db8:2::2/64  ---  veth-up 192.0.2.1/24 2001:db8:2::1/64  upstream ns
#   upstream ns also holds "remote hosts" on its loopback:
#     198.51.100.10 (the code host, blocked)  203.0.113.10 (the artifact cache, allowed)
#     2001:db8:100::10 (blocked)              2001:db8:200::10 (allowed)
# No namespace gets a route to the real network: routes point only at veth-up.

EG_ROOT=${EG_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
EGRESSD=${EGRESSD:-$EG_ROOT/build/egressd}
EGRESSCTL=${EGRESSCTL:-$EG_ROOT/build/egressctl}
PY=/usr/bin/python3

T_ID=${T_ID:-$$}
NS_DEP=egt-dep-$T_ID
NS_UP=egt-up-$T_ID
T_DIR=
T_PIN=
T_RUN=
T_PIDS=()

in_dep() { nsenter --net=/run/netns/$NS_DEP "$@"; }
in_up() { nsenter --net=/run/netns/$NS_UP "$@"; }

fail() { echo "    FAIL: $*" >&2; return 1; }
note() { echo "    $*"; }

topo_up() {
	T_DIR=$(mktemp -d /tmp/egt.XXXXXX)
	T_PIN=/sys/fs/bpf/egt-$T_ID
	T_RUN=$T_DIR/run
	ip netns add $NS_DEP && ip netns add $NS_UP || return 1
	in_up ip link set lo up
	veth_up || return 1
	# The remote hosts are local addresses of the upstream namespace.
	for a in 198.51.100.10/32 198.51.100.7/32 203.0.113.10/32; do in_up ip addr add $a dev lo; done
	for a in 2001:db8:100::10/128 2001:db8:200::10/128; do in_up ip -6 addr add $a dev lo; done
	# Wait for IPv6 on veth0 to be usable.
	for _ in $(seq 50); do
		in_dep ping -6 -c1 -W1 2001:db8:2::1 >/dev/null 2>&1 && break
		sleep 0.1
	done
}

# The deploy side's veth pair, addresses and routes (also used to re-create them).
veth_up() {
	ip link add veth0 netns $NS_DEP type veth peer name veth-up netns $NS_UP || return 1
	in_dep ip link set lo up
	in_dep ip link set veth0 up
	in_dep ip addr add 192.0.2.2/24 dev veth0
	in_dep ip -6 addr add 2001:db8:2::2/64 dev veth0 nodad
	in_dep ip route add default via 192.0.2.1
	in_dep ip -6 route add default via 2001:db8:2::1
	in_up ip link set veth-up up
	in_up ip addr add 192.0.2.1/24 dev veth-up
	in_up ip -6 addr add 2001:db8:2::1/64 dev veth-up nodad
}

topo_down() {
	local p ns
	# Everything running inside the test namespaces, however it was started.
	for ns in $NS_DEP $NS_UP; do
		ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null
	done
	for p in "${T_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for _ in $(seq 20); do
		left=0
		for ns in $NS_DEP $NS_UP; do
			[ -n "$(ip netns pids $ns 2>/dev/null)" ] && left=1
		done
		[ $left = 0 ] && break
		sleep 0.1
	done
	for ns in $NS_DEP $NS_UP; do
		ip netns pids $ns 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	for p in "${T_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	T_PIDS=()
	if [ -n "$T_RUN" ] && [ -d "$T_RUN" ]; then
		"$EGRESSD" --cleanup --pin-dir "$T_PIN" --run-dir "$T_RUN" >/dev/null 2>&1
	fi
	# Tests may add namespaces named after the deploy one (NS_DEP-*).
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NS_DEP-"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	ip netns del $NS_DEP 2>/dev/null
	ip netns del $NS_UP 2>/dev/null
	# A resolv.conf a test gave the deploy namespace (ip netns exec reads it).
	[ -n "$NS_DEP" ] && rm -rf "/etc/netns/$NS_DEP"
	[ -n "$T_PIN" ] && rm -rf "$T_PIN"
	[ -n "$T_DIR" ] && rm -rf "$T_DIR"
	return 0
}

# Start a background process and remember it for cleanup.
bg() {
	"$@" &
	T_PIDS+=($!)
}

# An HTTP server in the upstream namespace: serve_http ADDR PORT
serve_http() {
	mkdir -p "$T_DIR/www"
	echo "artifact-v1" >"$T_DIR/www/artifact.txt"
	bg in_up $PY -m http.server --bind "$1" --directory "$T_DIR/www" "$2" >/dev/null 2>&1
	local host=$1
	[[ $host == *:* ]] && host="[$host]"
	for _ in $(seq 50); do
		in_up curl -s -o /dev/null "http://$host:$2/artifact.txt" && return 0
		sleep 0.1
	done
	fail "http server on $1:$2 did not start"
}

# egressd_start POLICY_TEXT [extra egressd args...]: runs egressd in the host namespace.
egressd_start() {
	local policy=$1
	shift
	printf '%s\n' "$policy" >"$T_DIR/policy"
	mkdir -p "$T_RUN"
	bg "$EGRESSD" --config "$T_DIR/policy" --foreground --pin-dir "$T_PIN" --run-dir "$T_RUN" \
		--events-log "$T_DIR/events.jsonl" --metrics none "$@" 2>>"$T_DIR/egressd.log"
	EGRESSD_PID=$!
	wait_socket
}

wait_socket() { # [tries of 50 ms, default 100]
	for _ in $(seq "${WAIT_TRIES:-100}"); do
		[ -S "$T_RUN/egressd.sock" ] && ctl status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	cat "$T_DIR/egressd.log" >&2
	fail "egressd did not come up"
}

ctl() { "$EGRESSCTL" --socket "$T_RUN/egressd.sock" "$@"; }

# curl from the deploy namespace; prints curl's exit code.
dep_curl() {
	in_dep curl -s -o /dev/null --max-time 5 "$@"
	echo $?
}

# Time in ms a command takes.
ms_of() {
	local s e
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}

# Wait until the event log holds a line matching a pattern.
wait_event() {
	for _ in $(seq 40); do
		grep -q "$1" "$T_DIR/events.jsonl" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "no event matching '$1' in the event log"
}

# A resolver in the upstream namespace that knows the test's names.
serve_dns() {
	bg in_up dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
		--listen-address=192.0.2.1 --listen-address=2001:db8:2::1 --port=53 \
		--pid-file="$T_DIR/dnsmasq.pid" --log-facility=- \
		--address=/github.com/198.51.100.10 --address=/notgithub.com/203.0.113.10 \
		--address=/artifacts.example/203.0.113.10 --address=/api.internal.example/203.0.113.10 \
		--address=/internal.example/198.51.100.10 >"$T_DIR/dnsmasq.log" 2>&1
	for _ in $(seq 50); do
		in_up dig +short +tries=1 +time=1 @192.0.2.1 artifacts.example 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	fail "dnsmasq did not start: $(cat "$T_DIR/dnsmasq.log")"
}

# dig from the deploy namespace: prints the status (NOERROR, REFUSED, ...) and the answer.
dep_dig() {
	in_dep dig +tries=1 +time=3 @192.0.2.1 "$@" 2>&1 | awk '/status:/ {gsub(",", "", $6); s=$6} /^[^;].*\tIN\tA\t/ {a=$5} END {print s, a}'
}
