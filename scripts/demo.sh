#!/bin/bash
# make demo: a deploy script inside a throwaway namespace, guarded by egressd.
# The artifact download succeeds; the call to the blocked "code host" fails at
# once; the event log shows the verdict. Then `egressctl run` audits a deploy
# script (--monitor) and runs it enforced. Everything is removed afterwards.
set -u
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (BPF and network namespaces)" >&2
	exit 2
fi
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
T_ID=demo-$$
source netns-tests/lib.sh
trap topo_down EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

topo_up || exit 1
serve_http 203.0.113.10 8080 || exit 1
serve_http 198.51.100.10 443 || exit 1
serve_dns || exit 1
# The deploy namespace resolves through the test resolver (ip netns exec reads this).
mkdir -p "/etc/netns/$NS_DEP"
echo "nameserver 192.0.2.1" >"/etc/netns/$NS_DEP/resolv.conf"
trap 'rm -rf "/etc/netns/$NS_DEP"; topo_down' EXIT

say "policy: the deploy may reach neither the code host's addresses nor its name"
POLICY="mode enforce
default allow
block 198.51.100.0/24   # code host
block name github.com   # code host, by name
attach netns $NS_DEP dev veth0"
echo "$POLICY"
egressd_start "$POLICY" || { cat "$T_DIR/egressd.log"; exit 1; }
ctl status | sed -n '1,8p'

cat >"$T_DIR/deploy.sh" <<'SCRIPT'
#!/bin/sh
echo "deploy: fetching the release artifact from the cache (203.0.113.10)"
curl -sS --max-time 10 http://203.0.113.10:8080/artifact.txt || exit 1
echo "deploy: checking for updates on the code host (198.51.100.10)"
start=$(date +%s%N)
if curl -sS --max-time 10 -o /dev/null http://198.51.100.10:443/; then
	echo "deploy: the code host answered"
else
	echo "deploy: code host unreachable after $(( ($(date +%s%N) - start) / 1000000 )) ms; continuing without it"
fi
echo "deploy: downloading a tool release from github.com"
start=$(date +%s%N)
if curl -sS --max-time 10 -o /dev/null https://github.com/tool/releases/latest; then
	echo "deploy: github.com answered"
else
	echo "deploy: github.com refused after $(( ($(date +%s%N) - start) / 1000000 )) ms; using the cached tool"
fi
echo "deploy: done"
SCRIPT
chmod +x "$T_DIR/deploy.sh"

say "running the deploy script in namespace $NS_DEP"
ip netns exec "$NS_DEP" "$T_DIR/deploy.sh"
rc=$?

sleep 0.2
say "egressctl events"
ctl events
say "egressctl rules"
ctl rules

# egressctl run: the same kind of script, audited first, then enforced. The
# "host" here is the deploy namespace itself: egressd and egressctl run inside
# it, and its veth0 (toward the upstream namespace) is the uplink.
source netns-tests/t_names.sh # serve_dns
source netns-tests/t_run.sh   # run_egressd, erun
say "egressctl run: audit a deploy script, then enforce"
kill "$EGRESSD_PID" 2>/dev/null
wait "$EGRESSD_PID" 2>/dev/null
"$EGRESSD" --cleanup --pin-dir "$T_PIN" --run-dir "$T_RUN" >/dev/null 2>&1
serve_dns || exit 1
serve_http 198.51.100.10 8080 || exit 1
POLICY="mode enforce
default allow
block 198.51.100.0/24   # code host
block name github.com   # code host, by name"
echo "$POLICY"
run_egressd "$POLICY" || { cat "$T_DIR/egressd.log"; exit 1; }
cat >"$T_DIR/deploy2.sh" <<'SCRIPT'
#!/bin/sh
echo "deploy: fetching the release artifact"
curl -sS --max-time 5 http://203.0.113.10:8080/artifact.txt || exit 1
echo "deploy: looking up github.com"
dig +tries=1 +time=3 +short github.com
echo "deploy: pushing a tag to the code host"
curl -sS --max-time 5 -o /dev/null http://github.com:8080/ && echo "deploy: pushed" || exit 3
echo "deploy: done"
SCRIPT
chmod +x "$T_DIR/deploy2.sh"
say "egressctl run --monitor -- deploy.sh   (audit: nothing blocked, everything listed)"
erun --monitor -- "$T_DIR/deploy2.sh"
echo "(exit status $?)"
say "egressctl run -- deploy.sh   (enforced)"
erun -- "$T_DIR/deploy2.sh"
echo "(exit status $?)"
say "after the runs: no namespace, link or nftables table is left"
ip netns list | grep '^egr-' || echo "namespaces egr-*: none"
in_dep nft list tables | grep egressgate_run || echo "nftables tables egressgate_run_*: none"

say "cleaning up"
exit $rc
