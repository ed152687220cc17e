#!/bin/sh
# Install what egressgate needs to build and test, from Debian's packages only,
# plus any packages named as arguments (scripts/deps-bench.sh adds its own).
# Does nothing when everything is present.
set -e
PKGS="gcc make clang llvm libbpf-dev libelf-dev zlib1g-dev libmnl-dev bpftool
      iproute2 util-linux procps iputils-ping curl python3 python3-scapy
      linux-libc-dev pkg-config dnsmasq-base bind9-dnsutils openssl libclang-rt-14-dev nftables
      $*"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
