#!/bin/sh
# Install what `make bench` needs besides the build and test packages
# (scripts/deps.sh), from Debian's packages only. Does nothing when
# everything is present.
#   xdp-tools    xdp-filter, the XDP peer measured beside the classifier
#   iperf3       TCP throughput through veth
#   netsniff-ng  trafgen: 64-byte UDP frames through the qdisc path
#   nftables     nft: the same prefixes in an interval set on the egress hook
#   gnuplot-nox  the PNG plots in docs/
#   python3-scapy  the benchmark's frames
set -e
PKGS="xdp-tools iperf3 netsniff-ng nftables gnuplot-nox python3-scapy bpftool iproute2 procps"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps-bench: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps-bench: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
