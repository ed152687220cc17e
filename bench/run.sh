#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# `make bench`: measure egressgate beside its alternatives on this machine, in
# one run, and rewrite docs/benchmarks.md and docs/bench/*.png from it.
# Benchmarks report; `make test` asserts. This script fails only when a
# measurement could not be taken.
#   run.sh [-k|--keep]    -k (or BENCH_KEEP=1) keeps the work directory, the raw
#                         results, for inspection; otherwise nothing is left behind
# BENCH_QUICK=1: small sets, short runs; the report goes to the work directory,
# docs/ is left alone.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=/usr/bin/python3
EGBENCH=$ROOT/build/bench/egbench
EGRESSD=$ROOT/build/egressd
EGRESSCTL=$ROOT/build/egressctl
QUICK=${BENCH_QUICK:-0}
KEEP=${BENCH_KEEP:-0}
[ "${1:-}" = -k ] || [ "${1:-}" = --keep ] && KEEP=1

if [ "$QUICK" = 1 ]; then
	N4=1k N4_MAX=100k N4_GEN=110000 N6=10k NN=10k
	STEPS=0:0:0,1k:10k:1k,1k:10k:10k,100k:10k:10k
	REPEAT=1000000 RUNS=3 SINGLE=5000 TPUT_REPS=1 TPUT_SECS=3 PROBES=100
else
	N4=1k N4_MAX=1M N4_GEN=1010000 N6=100k NN=100k
	STEPS=0:0:0,1k:100k:1k,1k:100k:100k,100k:100k:100k,1M:100k:100k
	REPEAT=1000000 RUNS=5 SINGLE=10000 TPUT_REPS=5 TPUT_SECS=4 PROBES=1000
fi

if [ "$(id -u)" != 0 ]; then
	echo "bench: loads BPF programs and creates namespaces: run as root" >&2
	exit 2
fi
for t in "$EGBENCH" "$EGRESSD" "$EGRESSCTL"; do
	[ -x "$t" ] || { echo "bench: $t is missing (make bench builds it)" >&2; exit 2; }
done
for t in iperf3 trafgen nft gnuplot bpftool; do
	command -v $t >/dev/null || { echo "bench: $t is missing (scripts/deps-bench.sh)" >&2; exit 2; }
done
XDPF_OBJ=$(dpkg -L libxdp1 2>/dev/null | grep '/xdpfilt_alw_ip.o$' | head -1)
[ -n "$XDPF_OBJ" ] || { echo "bench: xdp-filter's xdpfilt_alw_ip.o not found (xdp-tools)" >&2; exit 2; }
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || exit 2

W=$(mktemp -d /tmp/egb.XXXXXX) || exit 2
B_RUN=$W/run
. bench/lib.sh

finish() {
	local rc=$?
	trap - EXIT INT TERM
	topo_down
	if [ "$KEEP" = 1 ]; then
		echo "bench: raw results kept in $W" >&2
	else
		rm -rf "$W"
		[ $rc != 0 ] && echo "bench: failed (BENCH_KEEP=1 keeps the raw results)" >&2
	fi
	exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM

T_START=$(now_ns)
part() { # name: record the time the previous part took
	local t
	t=$(now_ns)
	[ -n "${PART:-}" ] && printf '%s\t%s\n' "$PART" "$(((t - PART_T) / 1000000))" >>"$W/timing.tsv"
	PART=$1
	PART_T=$t
}

meta() { printf '%s\t%s\n' "$1" "$2" >>"$W/meta.tsv"; }
meta kernel "$(uname -r)"
meta cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
meta cpus "$(nproc)"
meta mem_mib "$(($(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) / 1024))"
meta load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
meta commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
for p in xdp-tools nftables iperf3 netsniff-ng clang-14 bpftool libbpf1; do
	meta "pkg_$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '?')"
done
meta quick "$QUICK"
meta repeat "$REPEAT"
meta runs "$RUNS"
meta single "$SINGLE"
meta tput "$TPUT_REPS rounds of ${TPUT_SECS}s"
meta xdpf_obj "$XDPF_OBJ"
meta egress_obj "$(sha256sum build/tc/egress.bpf.o | cut -c1-12)"

# --- rule sets and frames ---------------------------------------------------
part sets
say SETS "drawing $N4_GEN IPv4, $N6 IPv6 prefixes, $NN names"
mkdir -p "$W/sets"
"$EGBENCH" rules --out "$W/sets" --v4 "$N4_GEN" --v6 "$N6" --names "$NN" || exit 1
"$PY" bench/gen_packets.py "$W/frames.txt" || exit 1
n4max=$(( $(echo "$N4_MAX" | sed 's/k$/000/; s/M$/000000/') ))
head -n "$n4max" "$W/sets/v4.txt" >"$W/v4.full"
# The policy egressd loads; the reload policy swaps the last 10,000 IPv4 rules for others.
policy_of() { # v4-file -> policy on stdout
	echo "mode enforce"
	echo "default allow"
	sed 's/^/block /' "$1"
	sed 's/^/block /' "$W/sets/v6.txt"
	sed 's/^/block name /' "$W/sets/names.txt"
	echo "attach netns $NS_DEP dev veth0"
}
policy_of "$W/v4.full" >"$W/policy.full"
{ head -n $((n4max - 10000)) "$W/v4.full"; sed -n "$((n4max + 1)),$((n4max + 10000))p" "$W/sets/v4.txt"; } >"$W/v4.changed"
policy_of "$W/v4.changed" >"$W/policy.changed"
printf 'mode enforce\ndefault allow\nattach netns %s dev veth0\n' "$NS_DEP" >"$W/policy.empty"
# The same prefixes for nftables: interval sets on the netdev egress hook.
{
	echo "table netdev egb {"
	echo "  set blk4 { type ipv4_addr; flags interval; elements = {"
	sed 's/$/,/' "$W/v4.full"
	echo "  } }"
	echo "  set blk6 { type ipv6_addr; flags interval; elements = {"
	sed 's/$/,/' "$W/sets/v6.txt"
	echo "  } }"
	echo "  chain out { type filter hook egress device \"veth0\" priority 0; policy accept;"
	echo "    ip daddr @blk4 drop; ip6 daddr @blk6 drop; }"
	echo "}"
} >"$W/egb.nft"
cat >"$W/chain.nft" <<EOF
add chain netdev egb out { type filter hook egress device "veth0" priority 0; policy accept; }
add rule netdev egb out ip daddr @blk4 drop
add rule netdev egb out ip6 daddr @blk6 drop
EOF

topo_up || { say FAIL "could not build the namespaces"; exit 1; }

# --- per-packet cost ------------------------------------------------------------
part pktcost
say PKTCOST "steps $STEPS, repeat $REPEAT, median of $RUNS"
in_dep "$EGBENCH" pktcost --sets "$W/sets" --frames "$W/frames.txt" --out "$W/pktcost.tsv" \
	--structs "$W/structs.tsv" --checks "$W/checks.tsv" --steps "$STEPS" --repeat "$REPEAT" \
	--runs "$RUNS" --single "$SINGLE" --xdp-filter "$XDPF_OBJ" || exit 1

# --- far ends ------------------------------------------------------------------
udp64_cfg
bg ip netns exec "$NS_UP" iperf3 -s -B "$IPERF_ADDR" >/dev/null 2>&1
bg ip netns exec "$NS_UP" "$EGBENCH" listen --port "$PROBE_PORT"
sleep 0.5
[ "$(in_dep "$EGBENCH" connect --addr "$BLOCK_ADDR" --port "$PROBE_PORT")" = accepted ] ||
	{ say FAIL "the far end does not accept connections"; exit 1; }

# --- egressgate: load, memory, reload, block latency ------------------------
part egressd_load
say LOAD "egressd, policy file with the full set -> first packet refused"
mkdir -p "$B_RUN"
t0=$(now_ns)
bg "$EGRESSD" --config "$W/policy.full" --foreground --pin-dir "$B_PIN" --run-dir "$B_RUN" \
	--events-log "$W/events.jsonl" --metrics none >/dev/null 2>"$W/egressd.log"
EGRESSD_PID=$!
t1=$(in_dep "$EGBENCH" refused --addr "$BLOCK_ADDR" --port "$PROBE_PORT" --timeout-ms 600000) || {
	say FAIL "the full set was never enforced: $(tail -3 "$W/egressd.log")"
	exit 1
}
wait_socket || { say FAIL "egressd did not come up: $(tail -3 "$W/egressd.log")"; exit 1; }
t2=$(now_ns)
kv egressd_load_enforced_ms $(((t1 - t0) / 1000000))
kv egressd_load_ready_ms $(((t2 - t0) / 1000000))
kv egressd_rss_kib "$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$EGRESSD_PID/status)"
kv egressd_hwm_kib "$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$EGRESSD_PID/status)"
ctl status --json >"$W/status.json" 2>/dev/null
kv egressd_rules "$($PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["rules"]; print("%d IPv4, %d IPv6, %d names" % (r["ipv4"], r["ipv6"], r["names"]))' "$W/status.json" 2>/dev/null)"
kv egressd_hook "$($PY -c 'import json,sys; print(",".join(a.get("hook", "?") for a in json.load(open(sys.argv[1]))["attachments"]))' "$W/status.json" 2>/dev/null)"
for f in "$B_PIN"/maps/*; do
	bpftool map show pinned "$f" -j 2>/dev/null |
		$PY -c 'import json,sys; m=json.load(sys.stdin); print("%s\t%s\t%s\t%s\t%s" % (sys.argv[1], m.get("type"), m.get("max_entries"), m.get("bytes_memlock", 0), m.get("bytes_key", 0) + m.get("bytes_value", 0)))' \
			"$(basename "$f")" >>"$W/maps.tsv"
done

part reload
say RELOAD "egressctl reload at the full set: unchanged, then 10,000 prefixes swapped"
t0=$(now_ns)
ctl reload >/dev/null || { say FAIL "reload failed"; exit 1; }
kv reload_unchanged_ms $((($(now_ns) - t0) / 1000000))
cp "$W/policy.changed" "$W/policy.full"
t0=$(now_ns)
ctl reload >/dev/null || { say FAIL "reload failed"; exit 1; }
kv reload_changed_ms $((($(now_ns) - t0) / 1000000))
kv egressd_hwm_after_reload_kib "$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$EGRESSD_PID/status)"

part probe
say PROBE "$PROBES x (egressctl block ADDR; connect until refused)"
in_dep "$EGBENCH" probe --egressctl "$EGRESSCTL" --socket "$B_RUN/egressd.sock" \
	--base "$PROBE_BASE6" --port "$PROBE_PORT" --count "$PROBES" --out "$W/probe.tsv" || exit 1

# --- nftables: the same prefixes ----------------------------------------------
part nft_load
say NFT "nft -f: the same IPv4 and IPv6 prefixes as interval sets, netdev egress"
ctl detach --netns "$NS_DEP" veth0 >/dev/null || { say FAIL "egressctl detach failed"; exit 1; }
EG_ON=0
t0=$(now_ns)
in_dep /usr/bin/time -f '%M' -o "$W/nft.rss" nft -f "$W/egb.nft" || { say FAIL "nft -f failed"; exit 1; }
kv nft_load_ms $((($(now_ns) - t0) / 1000000))
kv nft_rss_kib "$(tail -1 "$W/nft.rss")"

# --- throughput: the three configurations in turn, round after round ----------
part tput
say TPUT "$TPUT_REPS rounds of: no filter, egressgate, nftables; TCP (iperf3) and 64-byte UDP (trafgen), ${TPUT_SECS}s each"
cfgs=(none egressgate nftables)
for round in $(seq "$TPUT_REPS"); do
	for k in 0 1 2; do
		# The order turns each round: no configuration always runs first.
		cfg=${cfgs[$(((round - 1 + k) % 3))]}
		filter_set $cfg || exit 1
		tput_tcp $cfg "$round" || exit 1
		tput_udp $cfg "$round" || exit 1
	done
done

part nft_delete
filter_set none || exit 1
t0=$(now_ns)
in_dep nft delete table netdev egb || { say FAIL "nft delete failed"; exit 1; }
kv nft_delete_ms $((($(now_ns) - t0) / 1000000))

part egressd_stop
kill "$EGRESSD_PID"
wait "$EGRESSD_PID" 2>/dev/null
"$EGRESSD" --cleanup --pin-dir "$B_PIN" --run-dir "$B_RUN" >/dev/null 2>&1 ||
	{ say FAIL "egressd --cleanup failed"; exit 1; }

# --- teardown, then the report -----------------------------------------------
part teardown
topo_down
part report
meta load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
meta total_s $((($(now_ns) - T_START) / 1000000000))
if [ "$QUICK" = 1 ]; then
	out=$W/report
	mkdir -p "$out"
else
	out=$ROOT/docs
fi
"$PY" bench/report.py "$W" "$out" || exit 1
# A quick run's report goes with its work directory (BENCH_KEEP=1 keeps it): show its targets.
[ "$QUICK" = 1 ] && sed -n '/^## Targets/,/^"Cost/p' "$out/benchmarks.md"
part done
say DONE "$out/benchmarks.md ($((($(now_ns) - T_START) / 1000000000)) s)"
