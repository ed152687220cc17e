#!/bin/sh
# Install what `make bench` needs besides the build and test packages,
# from Debian's packages only, through scripts/deps.sh.
#   xdp-tools    xdp-filter, the XDP peer measured beside the classifier
#   iperf3       TCP throughput through veth
#   netsniff-ng  trafgen: 64-byte UDP frames through the qdisc path
#   nftables     nft: the same prefixes in an interval set on the egress hook
#   gnuplot-nox  the PNG plots in docs/
exec "$(dirname "$0")/deps.sh" xdp-tools iperf3 netsniff-ng nftables gnuplot-nox
