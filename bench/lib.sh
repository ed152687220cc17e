# Helpers of bench/run.sh: the namespaces, what runs in them, and cleanup.
#
# Topology, created by the run and removed on every exit path:
#   dep ns  veth0 192.0.2.2/24 2001:db8:2::2/64  ---  veth-up 192.0.2.1/24 2001:db8:2::1/64  up ns
# The upstream namespace answers for
#   198.51.100.10       iperf3 server (a local address on lo)
#   203.0.113.0/24      probes' far end (local route; 203.0.113.5 is the first rule)
#   2001:db8:b10c::/48  far end of the block-latency probes (local route)
# and drops what goes to 198.51.100.128/25 (blackhole: the 64-byte UDP sink).
# Neither namespace has a route anywhere else; nothing touches the host's
# interfaces. Every address is a documentation address.

B_ID=${B_ID:-$$}
NS_DEP=egb-dep-$B_ID
NS_UP=egb-up-$B_ID
B_PIN=/sys/fs/bpf/egb-$B_ID
B_PIDS=()
B_NFT_LOADED=0
PROBE_PORT=7
IPERF_ADDR=198.51.100.10
UDP_SINK=198.51.100.200
BLOCK_ADDR=203.0.113.5
PROBE_BASE6=2001:db8:b10c::

in_dep() { ip netns exec "$NS_DEP" "$@"; }
in_up() { ip netns exec "$NS_UP" "$@"; }
now_ns() { date +%s%N; }
say() { printf '  %-8s %s\n' "$1" "$2" >&2; }

# Start a background process and remember it for cleanup. It must be a
# command, not a shell function: $! is then the process itself, our child,
# reaped by topo_down (a function would put a shell in between, and the
# process would outlive it as an orphan).
bg() {
	"$@" &
	B_PIDS+=($!)
}

topo_up() {
	ip netns add "$NS_DEP" && ip netns add "$NS_UP" || return 1
	ip link add veth0 netns "$NS_DEP" type veth peer name veth-up netns "$NS_UP" || return 1
	in_dep ip link set lo up
	in_dep ip link set veth0 up
	in_dep ip addr add 192.0.2.2/24 dev veth0
	in_dep ip -6 addr add 2001:db8:2::2/64 dev veth0 nodad
	in_dep ip route add 198.51.100.0/24 via 192.0.2.1
	in_dep ip route add 203.0.113.0/24 via 192.0.2.1
	in_dep ip -6 route add 2001:db8::/32 via 2001:db8:2::1
	in_up ip link set lo up
	in_up ip link set veth-up up
	in_up ip addr add 192.0.2.1/24 dev veth-up
	in_up ip -6 addr add 2001:db8:2::1/64 dev veth-up nodad
	in_up ip addr add "$IPERF_ADDR/32" dev lo
	in_up ip route add local 203.0.113.0/24 dev lo
	in_up ip -6 route add local "${PROBE_BASE6}/48" dev lo
	in_up ip route add blackhole 198.51.100.128/25
	# Both ends resolved once, so no probe waits on neighbour discovery.
	for _ in $(seq 50); do
		in_dep ping -6 -c1 -W1 2001:db8:2::1 >/dev/null 2>&1 && break
		sleep 0.1
	done
	in_dep ping -c1 -W1 192.0.2.1 >/dev/null 2>&1 || return 1
	# The 64-byte frames use veth-up's MAC: resolved here, not by trafgen.
	DEP_MAC=$(in_dep cat /sys/class/net/veth0/address)
	UP_MAC=$(in_up cat /sys/class/net/veth-up/address)
}

topo_down() {
	local p ns left
	for p in "${B_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for ns in "$NS_DEP" "$NS_UP"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	for _ in $(seq 30); do
		left=0
		for ns in "$NS_DEP" "$NS_UP"; do
			[ -n "$(ip netns pids "$ns" 2>/dev/null)" ] && left=1
		done
		[ $left = 0 ] && break
		sleep 0.1
	done
	for ns in "$NS_DEP" "$NS_UP"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	for p in "${B_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	B_PIDS=()
	if [ -n "${B_RUN:-}" ] && [ -d "$B_RUN" ]; then
		"$EGRESSD" --cleanup --pin-dir "$B_PIN" --run-dir "$B_RUN" >/dev/null 2>&1
	fi
	# The nftables table lives in the namespace and goes with it.
	ip netns del "$NS_DEP" 2>/dev/null
	ip netns del "$NS_UP" 2>/dev/null
	rm -rf "$B_PIN"
	return 0
}

# SIGINT to a process and the workers it forked (trafgen forks one per CPU), then reap it.
stop_tree() {
	local kids
	kids=$(ps -o pid= --ppid "$1" 2>/dev/null)
	kill -INT "$1" $kids 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && kill -KILL "$1" $kids 2>/dev/null
	wait "$1" 2>/dev/null
}

# Counter of a device in a namespace: ctr NS DEV NAME
ctr() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }

loadavg() { cut -d' ' -f1 /proc/loadavg; }

# TCP through veth: tput_tcp LABEL ROUND -> "LABEL tcp ROUND bits/s load" in tput.tsv
tput_tcp() {
	local label=$1 rep=$2 bps
	in_dep iperf3 -c "$IPERF_ADDR" -t "$TPUT_SECS" -J >"$W/iperf-$label-$rep.json" 2>&1 || {
		say FAIL "iperf3 ($label): $(tail -3 "$W/iperf-$label-$rep.json")"
		return 1
	}
	bps=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"])' \
		"$W/iperf-$label-$rep.json")
	printf '%s\ttcp\t%s\t%s\t%s\n' "$label" "$rep" "$bps" "$(loadavg)" >>"$W/tput.tsv"
}

# 64-byte UDP frames through the qdisc path (where tc and nftables egress hooks run):
# the rate veth-up receives them, the first and last second of the run left out.
tput_udp() {
	local label=$1 rep=$2 pid c1 c2 s1 s2 t1 t2
	# Started without a shell in between: $! is trafgen itself (ip netns exec execs it).
	ip netns exec "$NS_DEP" trafgen --dev veth0 --conf "$W/udp64.cfg" --qdisc-path --cpus 1 \
		--no-sock-mem --notouch-irq --no-cpu-stats >"$W/trafgen-$label-$rep.log" 2>&1 &
	pid=$!
	B_PIDS+=($pid)
	sleep 1
	s1=$(ctr "$NS_DEP" veth0 tx_packets)
	c1=$(ctr "$NS_UP" veth-up rx_packets)
	t1=$(now_ns)
	sleep $((TPUT_SECS - 2))
	s2=$(ctr "$NS_DEP" veth0 tx_packets)
	c2=$(ctr "$NS_UP" veth-up rx_packets)
	t2=$(now_ns)
	stop_tree "$pid"
	if [ "$c2" -le "$c1" ]; then
		say FAIL "trafgen ($label) sent nothing: $(tail -3 "$W/trafgen-$label-$rep.log")"
		return 1
	fi
	printf '%s\tudp64\t%s\t%s\t%s\t%s\n' "$label" "$rep" \
		"$(((c2 - c1) * 1000000000 / (t2 - t1)))" "$(loadavg)" \
		"$(((s2 - s1) * 1000000000 / (t2 - t1)))" >>"$W/tput.tsv"
}

udp64_cfg() {
	# 14 + 20 + 8 + 22 = 64 bytes as the stack sees them (no FCS on veth).
	cat >"$W/udp64.cfg" <<EOF
{
  eth(da=$UP_MAC, sa=$DEP_MAC),
  ipv4(saddr=192.0.2.2, daddr=$UDP_SINK, ttl=64, df),
  udp(sport=40000, dport=9),
  fill(0x00, 22)
}
EOF
}

# The filter in force on veth0: none, egressgate (tcx link of egressd) or
# nftables (the egress chain; the sets stay loaded). Checked by a connection to
# BLOCK_ADDR: accepted, refused by egressgate's reset, or dropped by nftables.
EG_ON=1
NFT_ON=1
filter_set() {
	local want got
	if [ "$1" = egressgate ] && [ $EG_ON = 0 ]; then
		ctl attach --netns "$NS_DEP" veth0 >/dev/null || return 1
		EG_ON=1
	elif [ "$1" != egressgate ] && [ $EG_ON = 1 ]; then
		ctl detach --netns "$NS_DEP" veth0 >/dev/null || return 1
		EG_ON=0
	fi
	if [ "$1" = nftables ] && [ $NFT_ON = 0 ]; then
		in_dep nft -f "$W/chain.nft" || return 1
		NFT_ON=1
	elif [ "$1" != nftables ] && [ $NFT_ON = 1 ]; then
		in_dep nft 'flush chain netdev egb out; delete chain netdev egb out' || return 1
		NFT_ON=0
	fi
	case $1 in
	none) want=accepted ;;
	egressgate) want=refused ;;
	nftables) want=timeout ;;
	esac
	got=$(in_dep "$EGBENCH" connect --addr "$BLOCK_ADDR" --port "$PROBE_PORT")
	[ "$got" = "$want" ] || { say FAIL "filter $1: a connection to $BLOCK_ADDR was $got, not $want"; return 1; }
}

ctl() { "$EGRESSCTL" --socket "$B_RUN/egressd.sock" "$@"; }

wait_socket() {
	for _ in $(seq "${1:-2400}"); do
		[ -S "$B_RUN/egressd.sock" ] && ctl status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# key value lines for the report
kv() { printf '%s\t%s\n' "$1" "$2" >>"$W/ctl.tsv"; }
